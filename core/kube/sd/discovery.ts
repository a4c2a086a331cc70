// kubernetes_sd_configs for Kubeglass: one KubernetesDiscovery per kubeconfig context hands out
// TargetSources, one per Prometheus-style kubernetes_sd_config, all sharing its informers.
//
// A source watches what its role needs (Prometheus's kubernetes.go Run), keeps one target group
// per object, rebuilds only the groups a change touches (Prometheus's work queues enqueue the same
// keys), and sends the whole set at most once per debounce interval, only when it changed. Like
// Prometheus it sends nothing until every informer it needs has synced.
import { KubeConfig } from '@kubernetes/client-node';
import { labelsKey } from '../../model/labels.js';
import type { TargetGroup, TargetSource } from '../../scrape/source.js';
import type { KubeApiOptions } from './client.js';
import { InformerFactory, type Informer, type InformerFactoryOptions, type InformerHandle, type InformerStatus, type ResourceRef, type Selectors } from './informer.js';
import { controllerOf, endpointSliceTargetGroup, nodeTargetGroup, podTargetGroup, serviceTargetGroup, type Role, type RoleLookups } from './roles.js';
import { SERVICE_NAME_LABEL, namespacedName, objectKey, type EndpointSlice, type KubeObject, type Node, type Pod, type Service } from './types.js';

// ---------------------------------------------------------------------------------------------
// Configuration

export interface KubernetesSDConfig {
  role: string;
  namespaces?: { names?: string[]; own_namespace?: boolean };
  selectors?: { role: string; label?: string; field?: string }[];
  attach_metadata?: { node?: boolean; namespace?: boolean; deployment?: boolean; job?: boolean; cronjob?: boolean };
}

const PROMETHEUS_ROLES = ['pod', 'service', 'endpoints', 'endpointslice', 'node', 'ingress'];
const ALLOWED_SELECTORS: Record<string, string[]> = {
  pod: ['pod', 'node'],
  service: ['service'],
  endpointslice: ['pod', 'service', 'endpointslice'],
  endpoints: ['pod', 'service', 'endpoints'],
  node: ['node'],
  ingress: ['ingress'],
};

/** Prometheus's SDConfig.UnmarshalYAML checks, with its messages, plus the roles Kubeglass lacks. */
export function validateKubernetesSDConfig(c: KubernetesSDConfig): asserts c is KubernetesSDConfig & { role: Role } {
  if (!c.role) throw new Error('role missing (one of: pod, service, endpoints, endpointslice, node, ingress)');
  if (!PROMETHEUS_ROLES.includes(c.role)) throw new Error(`unknown Kubernetes SD role "${c.role}"`);
  const seen = new Set<string>();
  for (const s of c.selectors ?? []) {
    if (seen.has(s.role)) throw new Error(`duplicated selector role: ${s.role}`);
    seen.add(s.role);
    const allowed = ALLOWED_SELECTORS[c.role]!;
    if (!allowed.includes(s.role)) throw new Error(`${c.role} role supports only ${allowed.join(', ')} selectors`);
  }
  if (c.role === 'endpoints') throw new Error('the endpoints role is not supported; use role: endpointslice (the same targets, __meta_kubernetes_endpointslice_* labels)');
  if (c.role === 'ingress') throw new Error('the ingress role is not supported');
}

/** Prometheus's getNamespaces: '' stands for all namespaces. */
export function discoveredNamespaces(c: KubernetesSDConfig, ownNamespace: string): string[] {
  const names = c.namespaces?.names ?? [];
  const own = c.namespaces?.own_namespace ?? false;
  if (names.length === 0 && !own) return [''];
  const out = own && ownNamespace !== '' ? [...names, ownNamespace] : [...names];
  return [...new Set(out)];
}

// ---------------------------------------------------------------------------------------------
// Resources

const R = {
  nodes: { version: 'v1', resource: 'nodes' },
  namespaces: { version: 'v1', resource: 'namespaces' },
  pods: { version: 'v1', resource: 'pods' },
  services: { version: 'v1', resource: 'services' },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  replicasets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs' },
} satisfies Record<string, ResourceRef>;

/** The Prometheus Operator's resources, for code that turns them into scrape configs and rules. */
export const MONITORING_RESOURCES = {
  serviceMonitors: { group: 'monitoring.coreos.com', version: 'v1', resource: 'servicemonitors' },
  podMonitors: { group: 'monitoring.coreos.com', version: 'v1', resource: 'podmonitors' },
  prometheusRules: { group: 'monitoring.coreos.com', version: 'v1', resource: 'prometheusrules' },
} satisfies Record<string, ResourceRef>;

/** Informers of one resource, one per watched namespace ('' = all). */
class Watched<T extends KubeObject> {
  constructor(readonly handles: Map<string, InformerHandle<T>>) {}

  get informers(): Informer<T>[] {
    return [...this.handles.values()].map((h) => h.informer);
  }

  get(namespace: string, name: string): T | undefined {
    const inf = (this.handles.get(namespace) ?? this.handles.get(''))?.informer;
    return inf?.get(namespace === '' ? name : namespacedName(namespace, name));
  }

  byKey(key: string): T | undefined {
    const slash = key.indexOf('/');
    return slash < 0 ? this.get('', key) : this.get(key.slice(0, slash), key.slice(slash + 1));
  }

  *all(): Iterable<T> {
    for (const inf of this.informers) yield* inf.list();
  }
}

// ---------------------------------------------------------------------------------------------
// Status

export interface SourceStatus {
  /** connecting until every informer synced; retrying while any request fails; else synced. */
  state: 'connecting' | 'synced' | 'retrying';
  /** The first failure, in plain words, with the resource it concerns. */
  error: string | null;
  informers: { path: string; label: string; field: string; status: InformerStatus }[];
}

// ---------------------------------------------------------------------------------------------
// The source

export interface SourceOptions {
  /** Changes within this window are sent together (Prometheus's SD updates are throttled too). */
  debounceMs?: number;
}

/** A TargetSource for one kubernetes_sd_config. Informers run while anyone is subscribed. */
export class KubernetesSDSource implements TargetSource {
  private readonly listeners = new Set<(groups: TargetGroup[]) => void>();
  private readonly statusListeners = new Set<(s: SourceStatus) => void>();
  private readonly debounceMs: number;
  private running: Running | null = null;

  constructor(
    private readonly factory: InformerFactory,
    readonly config: KubernetesSDConfig & { role: Role },
    readonly ownNamespace: string,
    opts: SourceOptions = {},
  ) {
    this.debounceMs = opts.debounceMs ?? 100;
  }

  subscribe(onGroups: (groups: TargetGroup[]) => void): () => void {
    this.listeners.add(onGroups);
    if (!this.running) this.running = new Running(this.factory, this.config, this.ownNamespace, this.debounceMs, (g) => this.send(g), () => this.sendStatus());
    else if (this.running.lastSent) onGroups(this.running.lastSent);
    return () => {
      if (!this.listeners.delete(onGroups) || this.listeners.size > 0) return;
      this.running?.stop();
      this.running = null;
    };
  }

  /** The groups last sent, or null before the first sync. */
  groups(): TargetGroup[] | null {
    return this.running?.lastSent ?? null;
  }

  status(): SourceStatus {
    return this.running?.status() ?? { state: 'connecting', error: null, informers: [] };
  }

  onStatus(listener: (s: SourceStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private send(groups: TargetGroup[]): void {
    for (const l of [...this.listeners]) l(groups);
  }

  private sendStatus(): void {
    const s = this.status();
    for (const l of [...this.statusListeners]) l(s);
  }
}

/** One subscription period of a source: its informers, cache and timer. */
class Running {
  private readonly handles: InformerHandle<KubeObject>[] = [];
  private readonly unlisten: (() => void)[] = [];
  private readonly groups = new Map<string, { group: TargetGroup; signature: string }>();
  private readonly dirty = new Set<string>();
  private allDirty = true;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  lastSent: TargetGroup[] | null = null;

  private readonly primary: Watched<KubeObject>;
  private readonly build: (obj: KubeObject) => TargetGroup | null;
  private readonly lookups: RoleLookups = {};
  private refsOf: (obj: KubeObject) => string[] = () => [];
  private readonly index = new Map<string, Set<string>>();
  private readonly refsByKey = new Map<string, string[]>();

  constructor(
    private readonly factory: InformerFactory,
    private readonly config: KubernetesSDConfig & { role: Role },
    ownNamespace: string,
    private readonly debounceMs: number,
    private readonly sendGroups: (g: TargetGroup[]) => void,
    private readonly sendStatus: () => void,
  ) {
    const namespaces = discoveredNamespaces(config, ownNamespace);
    const sel = (role: string): Selectors => {
      const s = config.selectors?.find((x) => x.role === role);
      return { label: s?.label, field: s?.field };
    };
    const meta = config.attach_metadata ?? {};
    const role = config.role;
    const lookups = this.lookups;

    // Metadata informers, as Prometheus creates them for the pod and endpointslice roles (and
    // namespaces for service). The node informer takes the node selectors: pods on filtered-out
    // nodes are dropped, which is how node selectors work for the pod role.
    const podLike = role === 'pod' || role === 'endpointslice';
    const nodes = (meta.node && podLike) || role === 'node' ? this.watch<Node>(R.nodes, [''], sel('node')) : null;
    const namespaceInf = meta.namespace && role !== 'node' ? this.watch(R.namespaces, [''], {}) : null;
    const replicaSets = meta.deployment && podLike ? this.watch(R.replicasets, namespaces, {}) : null;
    const jobs = (meta.job || meta.cronjob) && podLike ? this.watch(R.jobs, namespaces, {}) : null;
    if (nodes && role !== 'node') lookups.node = (name) => nodes.get('', name);
    if (namespaceInf) lookups.namespace = (name) => namespaceInf.get('', name);
    if (replicaSets) lookups.replicaSet = (ns, name) => replicaSets.get(ns, name);
    if (jobs) lookups.job = (ns, name) => jobs.get(ns, name);
    lookups.jobMetadata = podLike && !!meta.job;
    lookups.cronJobMetadata = podLike && !!meta.cronjob;

    let services: Watched<Service> | null = null;
    let pods: Watched<Pod> | null = null;
    switch (role) {
      case 'node':
        this.primary = nodes!;
        this.build = (n) => nodeTargetGroup(n);
        break;
      case 'service':
        this.primary = this.watch<Service>(R.services, namespaces, sel('service'));
        this.build = (s) => serviceTargetGroup(s, lookups);
        break;
      case 'pod':
        this.primary = this.watch<Pod>(R.pods, namespaces, sel('pod'));
        this.build = (p) => podTargetGroup(p, lookups);
        break;
      case 'endpointslice': {
        this.primary = this.watch<EndpointSlice>(R.endpointslices, namespaces, sel('endpointslice'));
        const svcs = (services = this.watch<Service>(R.services, namespaces, sel('service')));
        const ps = (pods = this.watch<Pod>(R.pods, namespaces, sel('pod')));
        lookups.service = (ns, name) => svcs.get(ns, name);
        lookups.pod = (ns, name) => ps.get(ns, name);
        this.build = (s) => endpointSliceTargetGroup(s, lookups);
        break;
      }
    }

    // What else a change touches, mirroring the keys Prometheus's handlers enqueue: each primary
    // object is indexed under the objects its group reads ("node:n1", "pod:ns/p", "svc:ns/s",
    // "rs:ns/r", "job:ns/j"), so a change to one of those finds its groups without a scan. Unlike
    // Prometheus, a changed pod also refreshes the endpointslices that point at it, instead of
    // leaving their pod labels stale until the slice itself changes.
    const namespaceOf = (o: KubeObject) => o.metadata?.namespace ?? '';
    const keyOf = (o: KubeObject) => namespacedName(namespaceOf(o), o.metadata?.name ?? '');
    const nameOf = (o: KubeObject) => o.metadata?.name ?? '';
    const ownerRef = (pod: Pod): string[] => {
      const c = controllerOf(pod);
      if (c?.kind === 'ReplicaSet') return [`rs:${namespacedName(namespaceOf(pod), c.name ?? '')}`];
      if (c?.kind === 'Job') return [`job:${namespacedName(namespaceOf(pod), c.name ?? '')}`];
      return [];
    };
    this.listen(this.primary, (o) => this.markKey(objectKey(o)));
    const markNamespace = (ns: KubeObject) => this.markWhere((o) => namespaceOf(o) === nameOf(ns));
    if (role === 'pod') {
      this.refsOf = (p: Pod) => [`node:${p.spec?.nodeName ?? ''}`, ...ownerRef(p)];
      if (nodes) this.listen(nodes, (n) => this.markRef(`node:${nameOf(n)}`));
      if (namespaceInf) this.listen(namespaceInf, markNamespace);
      if (replicaSets) this.listen(replicaSets, (rs) => this.markRef(`rs:${keyOf(rs)}`));
      if (jobs) this.listen(jobs, (j) => this.markRef(`job:${keyOf(j)}`));
    } else if (role === 'service') {
      if (namespaceInf) this.listen(namespaceInf, markNamespace);
    } else if (role === 'endpointslice') {
      this.refsOf = (s: EndpointSlice) => {
        const refs = [`svc:${namespacedName(namespaceOf(s), s.metadata?.labels?.[SERVICE_NAME_LABEL] ?? '')}`];
        for (const ep of s.endpoints ?? []) {
          if (ep.targetRef?.kind === 'Pod') refs.push(`pod:${namespacedName(ep.targetRef.namespace ?? '', ep.targetRef.name ?? '')}`);
          const node = ep.targetRef?.kind === 'Node' ? ep.targetRef.name : ep.nodeName;
          if (node !== undefined) refs.push(`node:${node}`);
        }
        return refs;
      };
      // A replica set or job reaches slices through the pods it owns (only with attach_metadata).
      const markOwnedPods = (ref: string) => {
        for (const p of pods!.all()) if (ownerRef(p)[0] === ref) this.markRef(`pod:${keyOf(p)}`);
      };
      this.listen(services!, (svc) => this.markRef(`svc:${keyOf(svc)}`));
      this.listen(pods!, (p) => this.markRef(`pod:${keyOf(p)}`));
      if (nodes) this.listen(nodes, (n) => this.markRef(`node:${nameOf(n)}`));
      if (namespaceInf) this.listen(namespaceInf, markNamespace);
      if (replicaSets) this.listen(replicaSets, (rs) => markOwnedPods(`rs:${keyOf(rs)}`));
      if (jobs) this.listen(jobs, (j) => markOwnedPods(`job:${keyOf(j)}`));
    }

    for (const h of this.handles) this.unlisten.push(h.informer.onStatus(() => this.onInformerStatus()));
    this.schedule();
  }

  private watch<T extends KubeObject>(resource: ResourceRef, namespaces: string[], selectors: Selectors): Watched<T> {
    const map = new Map<string, InformerHandle<T>>();
    for (const ns of namespaces) {
      const h = this.factory.acquire<T>({ ...resource, namespace: ns || undefined }, selectors);
      this.handles.push(h as unknown as InformerHandle<KubeObject>);
      map.set(ns, h);
    }
    return new Watched(map);
  }

  private listen<T extends KubeObject>(w: Watched<T>, onObject: (o: T) => void): void {
    for (const inf of w.informers) {
      this.unlisten.push(
        inf.onChange((ev) => {
          onObject(ev.object);
          if (ev.type === 'modified') onObject(ev.old);
        }),
      );
    }
  }

  private markKey(key: string): void {
    this.dirty.add(key);
    this.schedule();
  }

  private markWhere(pred: (o: KubeObject) => boolean): void {
    for (const o of this.primary.all()) if (pred(o)) this.dirty.add(objectKey(o));
    this.schedule();
  }

  private markRef(ref: string): void {
    const keys = this.index.get(ref);
    if (!keys) return;
    for (const k of keys) this.dirty.add(k);
    this.schedule();
  }

  /**
   * Files a primary object under what it refers to. Runs when its group is rebuilt: an object
   * whose entry is stale is dirty already, so nothing is missed in between.
   */
  private reindex(key: string, obj: KubeObject | undefined): void {
    for (const ref of this.refsByKey.get(key) ?? []) {
      const keys = this.index.get(ref);
      keys?.delete(key);
      if (keys?.size === 0) this.index.delete(ref);
    }
    const refs = obj ? this.refsOf(obj) : [];
    if (refs.length === 0) this.refsByKey.delete(key);
    else this.refsByKey.set(key, refs);
    for (const ref of refs) {
      let keys = this.index.get(ref);
      if (!keys) this.index.set(ref, (keys = new Set()));
      keys.add(key);
    }
  }

  private allSynced(): boolean {
    return this.handles.every((h) => h.informer.synced);
  }

  private onInformerStatus(): void {
    if (this.stopped) return;
    this.sendStatus();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer || !this.allSynced()) return;
    if (!this.allDirty && this.dirty.size === 0) return;
    // The first send comes at once; later ones gather the changes of one debounce window.
    this.timer = setTimeout(() => this.flush(), this.lastSent ? this.debounceMs : 0);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const keys = this.allDirty ? new Set([...this.groups.keys(), ...[...this.primary.all()].map(objectKey)]) : new Set(this.dirty);
    this.allDirty = false;
    this.dirty.clear();
    let changed = this.lastSent === null;
    for (const key of keys) {
      const obj = this.primary.byKey(key);
      this.reindex(key, obj);
      const group = obj ? this.build(obj) : null;
      if (!group) {
        if (this.groups.delete(key)) changed = true;
        continue;
      }
      const signature = groupSignature(group);
      if (this.groups.get(key)?.signature === signature) continue;
      this.groups.set(key, { group, signature });
      changed = true;
    }
    if (!changed) return;
    const out = [...this.groups.values()].map((g) => g.group).sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
    this.lastSent = out;
    this.sendGroups(out);
  }

  status(): SourceStatus {
    const informers = this.handles.map((h) => ({ path: h.informer.path, label: h.informer.selectors.label ?? '', field: h.informer.selectors.field ?? '', status: h.informer.status }));
    const failing = informers.find((i) => i.status.state === 'retrying');
    const state = failing ? 'retrying' : informers.every((i) => i.status.state === 'synced') ? 'synced' : 'connecting';
    return { state, error: failing ? `${failing.path}: ${failing.status.error}` : null, informers };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const u of this.unlisten) u();
    for (const h of this.handles) h.release();
  }
}

function groupSignature(g: TargetGroup): string {
  let s = `${labelsKey(g.labels)}\n`;
  for (const t of g.targets) s += `${labelsKey(t)}\n`;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Per context

export interface KubernetesDiscoveryOptions extends InformerFactoryOptions, SourceOptions {
  /** Transport settings (user agent, idle timeout). */
  api?: KubeApiOptions;
  /** The namespace own_namespace means; by default the context's namespace, else "default". */
  ownNamespace?: string;
  /** Use this factory (its informers are then shared with whoever else holds it). */
  factory?: InformerFactory;
}

/**
 * Kubernetes discovery for one kubeconfig context. Prometheus's own_namespace means the pod's
 * namespace in-cluster; from a kubeconfig it means the context's namespace.
 */
export class KubernetesDiscovery {
  readonly informers: InformerFactory;
  readonly ownNamespace: string;

  constructor(
    kc: KubeConfig,
    private readonly opts: KubernetesDiscoveryOptions = {},
  ) {
    this.informers = opts.factory ?? InformerFactory.fromKubeConfig(kc, opts);
    this.ownNamespace = opts.ownNamespace ?? (kc.getContextObject(kc.getCurrentContext())?.namespace || 'default');
  }

  /** From kubeconfig YAML (as singleContextKubeconfig makes it) and a context name. */
  static fromKubeconfig(yaml: string, context?: string, opts: KubernetesDiscoveryOptions = {}): KubernetesDiscovery {
    const kc = new KubeConfig();
    kc.loadFromString(yaml);
    if (context !== undefined) {
      if (!kc.getContextObject(context)) throw new Error(`context "${context}" is not defined in the kubeconfig`);
      kc.setCurrentContext(context);
    }
    return new KubernetesDiscovery(kc, opts);
  }

  /** A TargetSource for one kubernetes_sd_config; throws Prometheus's error for an invalid one. */
  source(config: KubernetesSDConfig): KubernetesSDSource {
    validateKubernetesSDConfig(config);
    return new KubernetesSDSource(this.informers, config, this.ownNamespace, this.opts);
  }

  /**
   * Informers of the Prometheus Operator's resources in one namespace or all. Where the CRDs are
   * not installed they are synced, empty and `absent`. Release the handles when done.
   */
  monitoring(namespace?: string): { [K in keyof typeof MONITORING_RESOURCES]: InformerHandle<KubeObject> } {
    const ns = namespace || undefined;
    return {
      serviceMonitors: this.informers.acquire({ ...MONITORING_RESOURCES.serviceMonitors, namespace: ns }),
      podMonitors: this.informers.acquire({ ...MONITORING_RESOURCES.podMonitors, namespace: ns }),
      prometheusRules: this.informers.acquire({ ...MONITORING_RESOURCES.prometheusRules, namespace: ns }),
    };
  }

  stop(): void {
    this.informers.stop();
  }
}
