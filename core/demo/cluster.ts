// The simulated cluster: the generated objects in an ObjectStore, a clock that moves them along
// (lease renewals, node heartbeats, the odd container restart, event expiry), and the API tests
// and fault injection use to change them. Whatever changes a pod also re-derives what
// controllers would (endpoints, slices, workload status), so the cluster stays consistent.
//
// Time only moves in advance(): every scheduled happening runs at its own instant in order, and
// the randomness it uses comes from a seeded stream, so a seed plus the sequence of clock
// readings determines every object, resourceVersion and event.
import {
  daemonSetStatus,
  deploymentStatus,
  endpointSliceContents,
  endpointsSubsets,
  indexByOwner,
  replicaSetStatus,
  selectsPod,
  serviceAddresses,
} from './controllers.js';
import { MAX_NODES, MIN_NODES } from './catalog.js';
import { generateCluster } from './generate.js';
import { Rng } from './prng.js';
import { groupResource, ResourceRegistry, type ResourceType } from './resources.js';
import { ObjectStore, type Change } from './store.js';
import {
  clone,
  microTime,
  parseTime,
  rfc3339,
  type ContainerStatus,
  type CoreEvent,
  type KubeObject,
  type Node,
  type Pod,
  type Service,
  type Workload,
} from '../kube/objects.js';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface DemoClusterOptions {
  seed?: string | number;
  nodes?: number;
  clock?: Clock;
  /** Watch history kept, in cluster time (etcd's compaction interval is 5 minutes). */
  historyWindowMs?: number;
  /** Upper bound on retained changes, whatever their age. */
  maxHistory?: number;
  /** Whether the cluster evolves by itself as time passes (default true). */
  evolve?: boolean;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** A gap longer than this (a laptop waking up) is skipped rather than replayed event by event. */
const MAX_CATCH_UP_MS = 10 * MINUTE;

interface Task {
  at: number;
  seq: number;
  /** Periodic tasks keep their phase when the clock jumps; others are re-drawn. */
  period?: number;
  run: (t: number) => number | undefined;
}

/** A binary min-heap of tasks by (at, seq): the order tasks run in is total, hence deterministic. */
class TaskQueue {
  private readonly heap: Task[] = [];
  private seq = 0;

  private less(a: Task, b: Task): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  push(task: Omit<Task, 'seq'>): void {
    const h = this.heap;
    h.push({ ...task, seq: this.seq++ });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  peek(): Task | undefined {
    return this.heap[0];
  }

  pop(): Task | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  drain(): Task[] {
    const all = [...this.heap];
    this.heap.length = 0;
    return all;
  }
}

export interface EventSpec {
  involved: KubeObject;
  reason: string;
  message: string;
  type?: 'Normal' | 'Warning';
  component: string;
  host?: string;
  fieldPath?: string;
}

export class DemoCluster {
  readonly registry: ResourceRegistry;
  readonly store: ObjectStore;
  readonly seed: string;
  readonly nodeCount: number;
  readonly clock: Clock;
  readonly bornAt: number;
  /** Nodes whose kubelet is "down": no lease renewals, no heartbeats. */
  readonly silentNodes = new Set<string>();
  private time: number;
  private readonly tasks = new TaskQueue();
  private readonly evolveRng: Rng;
  private readonly mutateRng: Rng;
  private readonly historyWindowMs: number;
  private readonly maxHistory: number;
  private readonly eventIndex = new Map<string, string>();
  /** The last errors thrown by scheduled happenings (they are dropped, the clock goes on). */
  readonly taskErrors: Error[] = [];
  private ticker: ReturnType<typeof setInterval> | undefined;
  private advancing = false;

  constructor(opts: DemoClusterOptions = {}) {
    this.seed = String(opts.seed ?? 1);
    this.nodeCount = opts.nodes ?? 8;
    if (!Number.isInteger(this.nodeCount) || this.nodeCount < MIN_NODES || this.nodeCount > MAX_NODES) {
      throw new RangeError(`the demo cluster has ${MIN_NODES} to ${MAX_NODES} nodes, not ${opts.nodes}`);
    }
    this.clock = opts.clock ?? systemClock;
    this.historyWindowMs = opts.historyWindowMs ?? 5 * MINUTE;
    this.maxHistory = opts.maxHistory ?? 200_000;
    this.registry = new ResourceRegistry();
    this.time = Math.floor(this.clock.now() / 1000) * 1000;
    const generated = generateCluster({ seed: this.seed, nodes: this.nodeCount, now: this.time });
    this.bornAt = generated.bornAt;
    this.store = new ObjectStore(generated.startResourceVersion);
    // Bootstrap in a fixed kind order so resourceVersions do not depend on Map iteration quirks.
    for (const t of this.registry.all()) {
      const gr = groupResource(t);
      this.store.bootstrap(gr, generated.objects.get(gr) ?? []);
    }
    const root = new Rng(this.seed);
    this.evolveRng = root.fork('evolve');
    this.mutateRng = root.fork('mutate');
    for (const e of this.store.list('events') as CoreEvent[]) this.eventIndex.set(this.eventKey(e), e.metadata.name);
    if (opts.evolve !== false) this.scheduleEvolution();
  }

  /** The cluster's current time (ms): the latest clock reading it has caught up with. */
  now(): number {
    return this.time;
  }

  get resourceVersion(): number {
    return this.store.resourceVersion;
  }

  /** Runs everything scheduled up to `to` (default: the clock's now). Returns how many tasks ran. */
  advance(to = this.clock.now()): number {
    if (this.advancing || to <= this.time) return 0;
    this.advancing = true;
    let ran = 0;
    try {
      if (to - this.time > MAX_CATCH_UP_MS) this.jump(to - MAX_CATCH_UP_MS);
      for (let task = this.tasks.peek(); task && task.at <= to; task = this.tasks.peek()) {
        this.tasks.pop();
        this.time = Math.max(this.time, task.at);
        let next: number | undefined;
        try {
          next = task.run(task.at);
        } catch (err) {
          // A happening that fails (a fault's pod deleted under it) ends; the clock must not.
          this.taskErrors.push(err instanceof Error ? err : new Error(String(err)));
          if (this.taskErrors.length > 20) this.taskErrors.shift();
          next = undefined;
        }
        ran++;
        if (next !== undefined) this.tasks.push({ at: next, period: task.period, run: task.run });
      }
      this.time = to;
      this.store.compactOlderThan(this.time - this.historyWindowMs, this.maxHistory);
    } finally {
      this.advancing = false;
    }
    return ran;
  }

  private jump(to: number): void {
    for (const t of this.tasks.drain()) {
      let at = t.at;
      if (at < to) at = t.period ? at + Math.ceil((to - at) / t.period) * t.period : to + this.evolveRng.int(MINUTE);
      this.tasks.push({ at, period: t.period, run: t.run });
    }
    this.time = to;
  }

  /** Advances with the clock every intervalMs, so watchers see the cluster live without requests. */
  startTicking(intervalMs = 1000): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.advance(), intervalMs);
    this.ticker.unref?.();
  }

  stopTicking(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Runs fn at cluster time `at`; if fn returns a time, it runs again then. */
  schedule(at: number, fn: (t: number) => number | undefined): void {
    this.tasks.push({ at, run: fn });
  }

  /** Runs fn every periodMs of cluster time from firstAt, while it returns true. */
  every(periodMs: number, firstAt: number, fn: (t: number) => boolean | void): void {
    this.tasks.push({ at: firstAt, period: periodMs, run: (t) => (fn(t) === false ? undefined : t + periodMs) });
  }

  resolve(ref: string): ResourceType {
    return this.registry.resolve(ref);
  }

  /** A copy of the stored object, or undefined. */
  get<T extends KubeObject = KubeObject>(ref: string, namespace: string | undefined, name: string): T | undefined {
    this.advance();
    const o = this.store.get(groupResource(this.resolve(ref)), namespace, name);
    return o ? (clone(o) as T) : undefined;
  }

  /** Copies of the stored objects in key order, optionally of one namespace. */
  list<T extends KubeObject = KubeObject>(ref: string, namespace?: string): T[] {
    this.advance();
    return this.store.list(groupResource(this.resolve(ref)), namespace).map((o) => clone(o) as T);
  }

  count(ref: string): number {
    return this.store.count(groupResource(this.resolve(ref)));
  }

  /** Adds an object; fills uid, creationTimestamp and (for namespaced kinds) the namespace "default". */
  create<T extends KubeObject>(obj: T): T {
    this.advance();
    const type = this.typeOf(obj);
    const o = clone(obj) as KubeObject;
    if (!o.metadata?.name) throw new Error('metadata.name is required');
    if (type.namespaced) {
      o.metadata.namespace ||= 'default';
      if (!this.store.get('namespaces', undefined, o.metadata.namespace)) throw new Error(`namespaces "${o.metadata.namespace}" not found`);
    } else {
      delete o.metadata.namespace;
    }
    o.metadata.uid ||= this.mutateRng.uuid();
    o.metadata.creationTimestamp ||= rfc3339(this.time);
    return this.write(type, 'create', o) as T;
  }

  /** Replaces an object; uid and creationTimestamp are kept from the stored one. */
  update<T extends KubeObject>(obj: T): T {
    this.advance();
    const type = this.typeOf(obj);
    const gr = groupResource(type);
    const current = this.store.get(gr, type.namespaced ? obj.metadata.namespace || 'default' : undefined, obj.metadata.name);
    if (!current) throw new Error(`${gr} "${obj.metadata.name}" not found`);
    const o = clone(obj) as KubeObject;
    o.metadata = { ...o.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, namespace: current.metadata.namespace };
    if (!current.metadata.namespace) delete o.metadata.namespace;
    return this.write(type, 'update', o) as T;
  }

  /** Changes an object in place: fn gets a copy to edit. Returns the stored result. */
  patch<T extends KubeObject = KubeObject>(ref: string, namespace: string | undefined, name: string, fn: (obj: T) => void): T {
    this.advance();
    const type = this.resolve(ref);
    const gr = groupResource(type);
    const current = this.store.get(gr, type.namespaced ? namespace : undefined, name);
    if (!current) throw new Error(`${gr} "${name}" not found`);
    const o = clone(current) as T;
    fn(o);
    o.metadata = { ...o.metadata, uid: current.metadata.uid, name: current.metadata.name };
    if (current.metadata.namespace) o.metadata.namespace = current.metadata.namespace;
    return this.write(type, 'update', o) as T;
  }

  delete(ref: string, namespace: string | undefined, name: string): KubeObject {
    this.advance();
    const type = this.resolve(ref);
    const gr = groupResource(type);
    const current = this.store.get(gr, type.namespaced ? namespace : undefined, name);
    if (!current) throw new Error(`${gr} "${name}" not found`);
    return this.write(type, 'delete', current);
  }

  /** Forgets the watch history (as an etcd compaction does): older resourceVersions get 410. */
  compact(): void {
    this.store.compact();
  }

  subscribe(listener: (change: Change) => void): () => void {
    return this.store.subscribe(listener);
  }

  private typeOf(obj: { apiVersion: string; kind: string }): ResourceType {
    const t = this.registry.forObject(obj);
    if (!t) throw new Error(`the demo cluster does not serve ${obj.kind} in ${obj.apiVersion}`);
    return t;
  }

  private write(type: ResourceType, op: 'create' | 'update' | 'delete', obj: KubeObject): KubeObject {
    const gr = groupResource(type);
    const prev = op === 'create' ? undefined : this.store.get(gr, obj.metadata.namespace, obj.metadata.name);
    let stored: KubeObject;
    if (op === 'create') stored = this.store.create(gr, obj, this.time);
    else if (op === 'update') stored = this.store.update(gr, obj, this.time);
    else stored = this.store.delete(gr, obj.metadata.namespace, obj.metadata.name, this.time);
    if (gr === 'pods') this.reconcilePod(prev as Pod | undefined, op === 'delete' ? undefined : (stored as Pod));
    if (gr === 'nodes' && op !== 'update') this.reconcileDaemonSets();
    if (gr === 'services') this.reconcileService(stored as Service, op === 'delete');
    if (gr === 'events') {
      if (op === 'delete') this.eventIndex.delete(this.eventKey(prev as CoreEvent));
      else this.eventIndex.set(this.eventKey(stored as CoreEvent), stored.metadata.name);
    }
    return clone(stored);
  }

  /** Writes an object only when it differs from what is stored (controllers avoid no-op writes). */
  private writeIfChanged(gr: string, next: KubeObject): void {
    const cur = this.store.get(gr, next.metadata.namespace, next.metadata.name);
    if (cur && JSON.stringify({ ...cur, metadata: null }) === JSON.stringify({ ...next, metadata: null })) return;
    if (cur) this.store.update(gr, next, this.time);
    else this.store.create(gr, next, this.time);
  }

  private reconcilePod(prev: Pod | undefined, next: Pod | undefined): void {
    const ns = (next ?? prev)!.metadata.namespace!;
    for (const svc of this.store.list('services', ns) as Service[]) {
      if ((prev && selectsPod(svc, prev)) || (next && selectsPod(svc, next))) this.reconcileService(svc, false);
    }
    const owner = ((next ?? prev)!.metadata.ownerReferences ?? []).find((r) => r.controller);
    if (!owner) return;
    const byOwner = indexByOwner(this.store.list('pods', ns) as Pod[]);
    const podsOf = (o: KubeObject) => byOwner.get(o.metadata.uid) ?? [];
    if (owner.kind === 'ReplicaSet') {
      const rs = this.store.get('replicasets.apps', ns, owner.name) as Workload | undefined;
      if (!rs) return;
      this.writeIfChanged('replicasets.apps', { ...rs, status: replicaSetStatus(rs, podsOf(rs)) });
      const dRef = (rs.metadata.ownerReferences ?? []).find((r) => r.kind === 'Deployment');
      const d = dRef ? (this.store.get('deployments.apps', ns, dRef.name) as Workload | undefined) : undefined;
      if (d) {
        const owned = indexByOwner(this.store.list('replicasets.apps', ns) as Workload[]).get(d.metadata.uid) ?? [];
        this.writeIfChanged('deployments.apps', { ...d, status: deploymentStatus(d, owned, podsOf, rfc3339(this.time)) });
      }
    } else if (owner.kind === 'DaemonSet') {
      const ds = this.store.get('daemonsets.apps', ns, owner.name) as Workload | undefined;
      if (ds) this.writeIfChanged('daemonsets.apps', { ...ds, status: daemonSetStatus(ds, this.store.list('nodes') as Node[], podsOf(ds)) });
    }
  }

  private reconcileDaemonSets(): void {
    const nodes = this.store.list('nodes') as Node[];
    for (const ds of this.store.list('daemonsets.apps') as Workload[]) {
      const owned = indexByOwner(this.store.list('pods', ds.metadata.namespace) as Pod[]).get(ds.metadata.uid) ?? [];
      this.writeIfChanged('daemonsets.apps', { ...ds, status: daemonSetStatus(ds, nodes, owned) });
    }
  }

  /** Re-derives a service's Endpoints and EndpointSlices from its pods. */
  private reconcileService(svc: Service, deleted: boolean): void {
    const ns = svc.metadata.namespace!;
    const slices = this.store.list('endpointslices.discovery.k8s.io', ns).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name);
    const ep = this.store.get('endpoints', ns, svc.metadata.name);
    if (deleted) {
      if (ep) this.store.delete('endpoints', ns, svc.metadata.name, this.time);
      for (const s of slices) this.store.delete('endpointslices.discovery.k8s.io', ns, s.metadata.name, this.time);
      return;
    }
    if (!svc.spec.selector || Object.keys(svc.spec.selector).length === 0) return;
    const pods = this.store.list('pods', ns) as Pod[];
    const trigger = rfc3339(this.time);
    const addrs = serviceAddresses(svc, pods);
    const subsets = endpointsSubsets(svc, addrs);
    const nextEp: KubeObject = ep
      ? { ...ep, metadata: { ...ep.metadata, annotations: { ...ep.metadata.annotations, 'endpoints.kubernetes.io/last-change-trigger-time': trigger } } }
      : {
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: {
            name: svc.metadata.name,
            namespace: ns,
            uid: this.mutateRng.uuid(),
            resourceVersion: '',
            creationTimestamp: trigger,
            ...(svc.metadata.labels ? { labels: svc.metadata.labels } : {}),
            annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': trigger },
          },
        };
    delete nextEp.subsets;
    if (subsets) nextEp.subsets = subsets;
    if (!ep || JSON.stringify(ep.subsets ?? null) !== JSON.stringify(nextEp.subsets ?? null)) this.writeIfChanged('endpoints', nextEp);
    const nodes = new Map((this.store.list('nodes') as Node[]).map((n) => [n.metadata.name, n]));
    const contents = endpointSliceContents(svc, addrs, nodes);
    contents.forEach((content, i) => {
      const existing = slices[i];
      if (existing && JSON.stringify([existing.endpoints, existing.ports]) === JSON.stringify([content.endpoints, content.ports])) return;
      const base: KubeObject = existing ?? {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${svc.metadata.name}-${this.mutateRng.suffix(5)}`,
          generateName: `${svc.metadata.name}-`,
          namespace: ns,
          uid: this.mutateRng.uuid(),
          resourceVersion: '',
          creationTimestamp: trigger,
          generation: 0,
          labels: { ...svc.metadata.labels, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': svc.metadata.name },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
      };
      const next: KubeObject = {
        ...base,
        metadata: { ...base.metadata, generation: (base.metadata.generation ?? 0) + 1, annotations: { ...base.metadata.annotations, 'endpoints.kubernetes.io/last-change-trigger-time': trigger } },
        endpoints: content.endpoints,
        ports: content.ports,
      };
      if (existing) this.store.update('endpointslices.discovery.k8s.io', next, this.time);
      else this.store.create('endpointslices.discovery.k8s.io', next, this.time);
    });
    for (const extra of slices.slice(contents.length)) this.store.delete('endpointslices.discovery.k8s.io', ns, extra.metadata.name, this.time);
  }

  private eventKey(e: CoreEvent): string {
    const io = e.involvedObject;
    return [e.metadata.namespace, io.uid ?? io.name, io.fieldPath ?? '', e.reason, e.message, e.source?.component ?? '', e.source?.host ?? ''].join('\u0000');
  }

  /**
   * Reports an event as client-go's recorder does: a repeat of the same event bumps count and
   * lastTimestamp of the existing object instead of creating another.
   */
  recordEvent(spec: EventSpec): CoreEvent {
    this.advance();
    const io = spec.involved;
    const ns = io.metadata.namespace ?? 'default';
    const draft: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: '', namespace: ns, uid: '', resourceVersion: '', creationTimestamp: '' },
      involvedObject: {
        kind: io.kind,
        ...(io.metadata.namespace ? { namespace: io.metadata.namespace } : {}),
        name: io.metadata.name,
        uid: io.metadata.uid,
        apiVersion: io.apiVersion,
        resourceVersion: io.metadata.resourceVersion,
        ...(spec.fieldPath ? { fieldPath: spec.fieldPath } : {}),
      },
      reason: spec.reason,
      message: spec.message,
      source: { component: spec.component, ...(spec.host ? { host: spec.host } : {}) },
      firstTimestamp: rfc3339(this.time),
      lastTimestamp: rfc3339(this.time),
      count: 1,
      type: spec.type ?? 'Normal',
      eventTime: null,
      reportingComponent: spec.component,
      reportingInstance: spec.host ?? '',
    };
    const existingName = this.eventIndex.get(this.eventKey(draft));
    const existing = existingName ? (this.store.get('events', ns, existingName) as CoreEvent | undefined) : undefined;
    if (existing) {
      return this.write(this.resolve('events'), 'update', { ...existing, count: existing.count + 1, lastTimestamp: rfc3339(this.time) }) as CoreEvent;
    }
    const nanos = BigInt(this.time) * 1000000n + BigInt(this.mutateRng.int(1000000));
    draft.metadata = { name: `${io.metadata.name}.${nanos.toString(16)}`, namespace: ns, uid: this.mutateRng.uuid(), resourceVersion: '', creationTimestamp: rfc3339(this.time) };
    return this.write(this.resolve('events'), 'create', draft) as CoreEvent;
  }

  private scheduleEvolution(): void {
    const rng = this.evolveRng;
    for (const lease of this.store.list('leases.coordination.k8s.io')) {
      const ns = lease.metadata.namespace!;
      const name = lease.metadata.name;
      const renewed = parseTime((lease.spec as { renewTime?: string }).renewTime) ?? this.time;
      const period = ns === 'kube-node-lease' ? 10 * SECOND : 2 * SECOND;
      this.every(period, renewed + period, (t) => {
        if (ns === 'kube-node-lease' && this.silentNodes.has(name)) return;
        this.patchAt('leases.coordination.k8s.io', ns, name, (l) => {
          (l.spec as { renewTime: string }).renewTime = microTime(t);
        });
      });
    }
    for (const node of this.store.list('nodes') as Node[]) {
      const name = node.metadata.name;
      const heartbeat = parseTime(node.status.conditions[0]?.lastHeartbeatTime) ?? this.time;
      // Kubelets report unchanged node status every 5 minutes (nodeStatusReportFrequency).
      this.every(5 * MINUTE, heartbeat + 5 * MINUTE, (t) => {
        if (this.silentNodes.has(name)) return;
        this.patchAt('nodes', undefined, name, (n) => {
          for (const c of (n as Node).status.conditions) c.lastHeartbeatTime = rfc3339(t);
        });
      });
    }
    const workloadPods = (this.store.list('pods') as Pod[]).filter((p) => this.isAppPod(p)).length;
    // On average each application pod restarts once a day: a steady trickle in big clusters.
    const meanGap = Math.max(20 * SECOND, (24 * HOUR) / Math.max(1, workloadPods));
    const restart = (t: number): number => {
      this.restartRandomPod(t);
      return t + Math.max(SECOND, Math.round(rng.exponential(meanGap)));
    };
    this.schedule(this.time + Math.round(rng.exponential(meanGap)), restart);
    // Events live an hour (the API server's --event-ttl).
    this.every(MINUTE, this.time + MINUTE, (t) => {
      for (const e of this.store.list('events') as CoreEvent[]) {
        const last = parseTime(e.lastTimestamp) ?? parseTime(e.metadata.creationTimestamp) ?? t;
        if (last < t - HOUR) this.write(this.resolve('events'), 'delete', e);
      }
    });
  }

  private isAppPod(p: Pod): boolean {
    const ns = p.metadata.namespace!;
    return p.status.phase === 'Running' && !['kube-system', 'monitoring'].includes(ns) && (p.metadata.ownerReferences ?? []).some((r) => r.kind === 'ReplicaSet');
  }

  /** patch() at a task's own time, without re-entering advance(). */
  private patchAt(ref: string, namespace: string | undefined, name: string, fn: (obj: KubeObject) => void): KubeObject | undefined {
    const type = this.resolve(ref);
    const current = this.store.get(groupResource(type), namespace, name);
    if (!current) return undefined;
    const o = clone(current);
    fn(o);
    return this.write(type, 'update', o);
  }

  /** A container that failed its liveness probe and was restarted by the kubelet. */
  private restartRandomPod(t: number): void {
    const candidates = (this.store.list('pods') as Pod[]).filter(
      (p) => this.isAppPod(p) && (p.status.containerStatuses ?? []).every((c) => c.state.running) && !this.silentNodes.has(p.spec.nodeName ?? ''),
    );
    if (candidates.length === 0) return;
    const pod = this.evolveRng.pick(candidates);
    const c = pod.spec.containers[0]!;
    const field = `spec.containers{${c.name}}`;
    const host = pod.spec.nodeName!;
    const port = (c.livenessProbe as { httpGet?: { port?: number } } | undefined)?.httpGet?.port;
    this.recordEvent({ involved: pod, fieldPath: field, reason: 'Unhealthy', type: 'Warning', component: 'kubelet', host, message: `Liveness probe failed: Get "http://${pod.status.podIP}:${port ?? 8080}/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    this.recordEvent({ involved: pod, fieldPath: field, reason: 'Killing', component: 'kubelet', host, message: `Container ${c.name} failed liveness probe, will be restarted` });
    const exitCode = this.evolveRng.pick([1, 2, 137]);
    this.patchAt('pods', pod.metadata.namespace, pod.metadata.name, (o) => {
      const cs = (o as Pod).status.containerStatuses![0]! as ContainerStatus;
      cs.lastState = {
        terminated: { exitCode, reason: 'Error', startedAt: cs.state.running?.startedAt ?? rfc3339(t), finishedAt: rfc3339(t), containerID: cs.containerID ?? '' },
      };
      cs.restartCount++;
      cs.containerID = `containerd://${this.evolveRng.hex(64)}`;
      cs.state = { running: { startedAt: rfc3339(t + SECOND) } };
    });
    this.recordEvent({ involved: pod, fieldPath: field, reason: 'Pulled', component: 'kubelet', host, message: `Container image "${c.image}" already present on machine` });
    this.recordEvent({ involved: pod, fieldPath: field, reason: 'Created', component: 'kubelet', host, message: `Created container: ${c.name}` });
    this.recordEvent({ involved: pod, fieldPath: field, reason: 'Started', component: 'kubelet', host, message: `Started container ${c.name}` });
  }

  /** A short description for logs: "12 nodes, 130 pods, seed 1". */
  summary(): string {
    return `${this.store.count('nodes')} nodes, ${this.store.count('pods')} pods, seed ${this.seed}`;
  }
}

