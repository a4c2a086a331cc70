// What the machines of the demo cluster are doing, derived from its objects: each running
// container uses CPU and memory in proportion to its requests and limits (a few run hot against
// their limits and get throttled), each pod sends and receives traffic, each node adds its own
// system load, and the node's totals are the sums of what runs on it. The exporters (node-exporter,
// the kubelet's cAdvisor and resource endpoints, metrics.k8s.io, DCGM) all read this one model,
// so they agree with each other the way a real node's exporters do.
//
// Nothing here is stored per sample: a container's parameters come from the seed and its
// identity, its values from the time. The only state is what the objects alone cannot say: how
// many OOM kills a pod has had, and the CPU and traffic of pods deleted from a node (so the
// node's counters keep them, as a real kernel's do).
import type { DemoCluster } from './cluster.js';
import type { Change } from './store.js';
import { draw, hashString, Rate, subKey, type GaugeSpec, gauge } from './signals.js';
import { parseQuantity, parseTime, type Container, type Node, type Pod } from '../kube/objects.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export type NodeKind = 'control-plane' | 'worker' | 'gpu';

export interface NodeModel {
  name: string;
  key: number;
  kind: NodeKind;
  ip: string;
  cores: number;
  memBytes: number;
  gpus: number;
  /** Seconds since the epoch. */
  boot: number;
  /** CPU of the kubelet, containerd, the kernel: cores. */
  sysCpu: Rate;
  /** Share of the node's busy time each CPU carries (sums to 1). */
  cpuShare: number[];
  /** iowait per CPU (seconds per second). */
  iowait: Rate;
  sysMem: GaugeSpec;
  cacheFrac: GaugeSpec;
  diskRead: Rate;
  diskWrite: Rate;
  diskBusy: Rate;
  netRx: Rate;
  netTx: Rate;
  loRx: Rate;
  rootSize: number;
  /** Root filesystem used fraction, or a fill-and-clean sawtooth on the nodes that fill up. */
  rootFills: boolean;
  /** The scale applied to every container on this node so the node never exceeds its cores. */
  cpuScale: number;
}

export interface ContainerModel {
  name: string;
  key: number;
  cpu: Rate;
  cpuRequest: number;
  cpuLimit: number | null;
  memRequest: number;
  memLimit: number | null;
  mem: GaugeSpec;
  /** Fraction of CFS periods throttled (0 without a CPU limit). */
  throttled: number;
  fsRead: Rate;
  fsWrite: Rate;
  threads: number;
}

export interface PodModel {
  uid: string;
  key: number;
  namespace: string;
  name: string;
  node: string;
  /** Seconds since the epoch. */
  start: number;
  hostNetwork: boolean;
  qos: string;
  /** The pod's cgroup as cAdvisor names it (systemd driver, cgroup v2). */
  cgroup: string;
  /** The pause container's (sandbox's) id. */
  sandboxId: string;
  containers: Map<string, ContainerModel>;
  rx: Rate | null;
  tx: Rate | null;
}

interface Retired {
  cpu: number;
  rx: number;
  tx: number;
}

const models = new WeakMap<DemoCluster, MetricsModel>();

/** The model of a cluster (one per cluster, made on first use). */
export function metricsModel(cluster: DemoCluster): MetricsModel {
  let m = models.get(cluster);
  if (!m) {
    m = new MetricsModel(cluster);
    models.set(cluster, m);
  }
  return m;
}

function nodeKind(n: Node): NodeKind {
  const l = n.metadata.labels ?? {};
  if ('node-role.kubernetes.io/control-plane' in l) return 'control-plane';
  if (l['nvidia.com/gpu.present'] === 'true' || Number(n.status.capacity['nvidia.com/gpu'] ?? 0) > 0) return 'gpu';
  return 'worker';
}

export function isRunning(p: Pod): boolean {
  return p.status?.phase === 'Running' && !!p.spec.nodeName;
}

/** The id containerd gave a container ("containerd://abc…" → "abc…"). */
export function containerId(id: string | undefined): string {
  return (id ?? '').replace(/^[a-z]+:\/\//, '');
}

export class MetricsModel {
  readonly cluster: DemoCluster;
  readonly seedKey: number;
  private indexRv = -1;
  private byNode = new Map<string, Pod[]>();
  private nodesByName = new Map<string, Node>();
  private readonly nodeModels = new Map<string, { obj: Node; model: NodeModel }>();
  private readonly podModels = new Map<string, { obj: Pod; model: PodModel }>();
  private readonly oomBase = new Map<string, number>();
  private readonly oomSeen = new Map<string, number>();
  private readonly retired = new Map<string, Retired>();
  /** Requests the ping app answered besides its steady traffic (port-forwarded GET /ping). */
  readonly extraPings = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(cluster: DemoCluster) {
    this.cluster = cluster;
    this.seedKey = hashString(`kubeglass-demo-metrics/${cluster.seed}`);
    for (const p of cluster.store.list('pods') as Pod[]) {
      const n = (p.status.containerStatuses ?? []).filter((c) => c.lastState?.terminated?.reason === 'OOMKilled').length;
      if (n > 0) this.oomBase.set(p.metadata.uid, n);
    }
    this.unsubscribe = cluster.subscribe((c) => this.observe(c));
  }

  dispose(): void {
    this.unsubscribe();
  }

  /** The cluster's time in seconds. */
  now(): number {
    this.cluster.advance();
    return this.cluster.now() / 1000;
  }

  private observe(c: Change): void {
    if (c.gr !== 'pods') return;
    const pod = c.object as Pod;
    if (c.type === 'MODIFIED' && c.prev) {
      const prev = c.prev as Pod;
      for (const cs of pod.status.containerStatuses ?? []) {
        const t = cs.lastState?.terminated;
        if (t?.reason !== 'OOMKilled') continue;
        const before = (prev.status.containerStatuses ?? []).find((x) => x.name === cs.name)?.lastState?.terminated;
        if (before && before.finishedAt === t.finishedAt && before.reason === t.reason) continue;
        this.oomSeen.set(pod.metadata.uid, (this.oomSeen.get(pod.metadata.uid) ?? 0) + 1);
      }
    } else if (c.type === 'DELETED') {
      const prev = (c.prev ?? pod) as Pod;
      if (!isRunning(prev)) return;
      const node = prev.spec.nodeName!;
      const m = this.pod(prev);
      const t = c.at / 1000;
      const r = this.retired.get(node) ?? { cpu: 0, rx: 0, tx: 0 };
      r.cpu += this.podCpu(m, t);
      r.rx += m.rx?.total(m.start, t) ?? 0;
      r.tx += m.tx?.total(m.start, t) ?? 0;
      this.retired.set(node, r);
      this.podModels.delete(prev.metadata.uid);
    }
  }

  /** OOM kills a pod has had (its pod-level cgroup's memory.events oom_kill). */
  oomKills(pod: Pod): number {
    return (this.oomBase.get(pod.metadata.uid) ?? 0) + (this.oomSeen.get(pod.metadata.uid) ?? 0);
  }

  retiredOf(node: string): Retired {
    return this.retired.get(node) ?? { cpu: 0, rx: 0, tx: 0 };
  }

  private reindex(): void {
    const rv = this.cluster.store.resourceVersion;
    if (rv === this.indexRv) return;
    this.indexRv = rv;
    const byNode = new Map<string, Pod[]>();
    for (const p of this.cluster.store.list('pods') as Pod[]) {
      if (!isRunning(p)) continue;
      let list = byNode.get(p.spec.nodeName!);
      if (!list) byNode.set(p.spec.nodeName!, (list = []));
      list.push(p);
    }
    this.byNode = byNode;
    this.nodesByName = new Map((this.cluster.store.list('nodes') as Node[]).map((n) => [n.metadata.name, n]));
  }

  nodes(): Node[] {
    this.reindex();
    return [...this.nodesByName.values()];
  }

  nodeObject(name: string): Node | undefined {
    this.reindex();
    return this.nodesByName.get(name);
  }

  /** Running pods placed on a node, in key order. */
  podsOn(node: string): Pod[] {
    this.reindex();
    return this.byNode.get(node) ?? [];
  }

  node(n: Node): NodeModel {
    const cached = this.nodeModels.get(n.metadata.name);
    if (cached && (cached.obj === n || cached.obj.metadata.uid === n.metadata.uid)) {
      cached.obj = n;
      return cached.model;
    }
    const model = this.buildNode(n);
    this.nodeModels.set(n.metadata.name, { obj: n, model });
    return model;
  }

  nodeByName(name: string): NodeModel | undefined {
    const n = this.nodeObject(name);
    return n ? this.node(n) : undefined;
  }

  private buildNode(n: Node): NodeModel {
    const name = n.metadata.name;
    const key = hashString(`node/${name}`, this.seedKey);
    const cores = Math.max(1, Math.round(parseQuantity(n.status.capacity.cpu)));
    const memBytes = parseQuantity(n.status.capacity.memory);
    const kind = nodeKind(n);
    const created = (parseTime(n.metadata.creationTimestamp) ?? this.cluster.bornAt) / 1000;
    const boot = Math.floor(created) - 40 + Math.floor(draw(key, 1, 0, 20));
    const shares = Array.from({ length: cores }, (_, i) => draw(key, 100 + i, 0.92, 1.08));
    const sum = shares.reduce((a, b) => a + b, 0);
    const sysBase = (kind === 'control-plane' ? 0.12 : 0.05) + 0.004 * cores;
    const podsHere = (this.cluster.store.list('pods') as Pod[]).filter((p) => p.spec.nodeName === name);
    // Containers are scaled down together if their peaks could ever add up to more than the node.
    let peak = sysBase * 1.7;
    for (const p of podsHere) for (const c of p.spec.containers) peak += this.containerCpuProfile(p, c).peak;
    const cpuScale = Math.min(1, (0.85 * cores) / peak);
    const ip = n.status.addresses.find((a) => a.type === 'InternalIP')?.address ?? '';
    const busyNet = kind === 'control-plane' ? 6e5 : 2e5;
    return {
      name,
      key,
      kind,
      ip,
      cores,
      memBytes,
      gpus: Number(n.status.capacity['nvidia.com/gpu'] ?? 0),
      boot,
      sysCpu: new Rate(subKey(key, 2), sysBase, { daily: 0.15, jitter: 0.5 }),
      cpuShare: shares.map((s) => s / sum),
      iowait: new Rate(subKey(key, 3), draw(key, 4, 0.001, 0.006), { daily: 0.2, jitter: 0.6 }),
      sysMem: { key: subKey(key, 5), mean: 420 * MiB + 0.025 * memBytes, wander: 0.08, daily: 0.02 },
      cacheFrac: { key: subKey(key, 6), mean: draw(key, 7, 0.25, 0.5), wander: 0.25, min: 0.05, max: 0.8 },
      diskRead: new Rate(subKey(key, 8), draw(key, 9, 2e5, 2e6), { daily: 0.3, jitter: 0.6 }),
      diskWrite: new Rate(subKey(key, 10), draw(key, 11, 1e6, 8e6), { daily: 0.3, jitter: 0.6 }),
      diskBusy: new Rate(subKey(key, 12), draw(key, 13, 0.01, 0.06), { daily: 0.3, jitter: 0.6 }),
      netRx: new Rate(subKey(key, 14), busyNet * draw(key, 15, 0.5, 1.5), { daily: 0.3, jitter: 0.5 }),
      netTx: new Rate(subKey(key, 16), busyNet * draw(key, 17, 0.4, 1.2), { daily: 0.3, jitter: 0.5 }),
      loRx: new Rate(subKey(key, 18), draw(key, 19, 2e4, 2e5), { daily: 0.2, jitter: 0.5 }),
      rootSize: parseQuantity(n.status.capacity['ephemeral-storage'] ?? '104845292Ki'),
      rootFills: draw(key, 20, 0, 1) < 0.15,
      cpuScale,
    };
  }

  /** A container's CPU use before the node's scale: its typical level and how it moves. */
  private containerCpuProfile(p: Pod, c: Container): { base: number; daily: number; jitter: number; peak: number; hot: boolean } {
    const key = hashString(`${p.metadata.uid}/${c.name}`, this.seedKey);
    const req = parseQuantity(c.resources?.requests?.cpu);
    const lim = c.resources?.limits?.cpu !== undefined ? parseQuantity(c.resources.limits.cpu) : null;
    if (lim !== null) {
      // Many containers with a CPU limit (often set equal to the request) run against it and are throttled.
      const hot = draw(key, 1, 0, 1) < 0.45;
      const level = hot ? draw(key, 2, 0.9, 0.99) : draw(key, 2, 0.1, 0.7);
      const daily = hot ? 0.04 : 0.25;
      const jitter = hot ? 0.08 : 0.35;
      const peak = level * lim;
      return { base: peak / (1 + daily + jitter), daily, jitter, peak, hot };
    }
    if (req > 0) {
      const level = draw(key, 2, 0.12, 0.85);
      const peak = level * req;
      return { base: peak / 1.65, daily: 0.3, jitter: 0.35, peak, hot: false };
    }
    const peak = draw(key, 2, 0.004, 0.03);
    return { base: peak / 1.5, daily: 0.2, jitter: 0.3, peak, hot: false };
  }

  pod(p: Pod): PodModel {
    const cached = this.podModels.get(p.metadata.uid);
    if (cached && cached.obj === p) return cached.model;
    // Containers keep their parameters across pod updates (status changes); only new ones are made.
    const prev = cached?.model;
    const model = this.buildPod(p, prev);
    this.podModels.set(p.metadata.uid, { obj: p, model });
    return model;
  }

  private buildPod(p: Pod, prev: PodModel | undefined): PodModel {
    const uid = p.metadata.uid;
    const key = hashString(`pod/${uid}`, this.seedKey);
    const nodeName = p.spec.nodeName ?? '';
    const node = this.nodeByName(nodeName);
    const scale = node?.cpuScale ?? 1;
    const start = (parseTime(p.status.startTime) ?? parseTime(p.metadata.creationTimestamp) ?? this.cluster.bornAt) / 1000;
    const qos = p.status.qosClass ?? 'BestEffort';
    const u = uid.replace(/-/g, '_');
    const cgroup =
      qos === 'Guaranteed'
        ? `/kubepods.slice/kubepods-pod${u}.slice`
        : `/kubepods.slice/kubepods-${qos.toLowerCase()}.slice/kubepods-${qos.toLowerCase()}-pod${u}.slice`;
    const containers = new Map<string, ContainerModel>();
    for (const c of p.spec.containers) {
      const old = prev?.containers.get(c.name);
      containers.set(c.name, old ?? this.buildContainer(p, c, scale));
    }
    const hostNetwork = p.spec.hostNetwork === true;
    const traffic = draw(key, 1, 2e3, 1.5e5) * (p.metadata.labels?.app === 'ping' ? 0.2 : 1);
    return {
      uid,
      key,
      namespace: p.metadata.namespace ?? '',
      name: p.metadata.name,
      node: nodeName,
      start,
      hostNetwork,
      qos,
      cgroup,
      sandboxId: prev?.sandboxId ?? sandboxHex(key),
      containers,
      rx: prev?.rx ?? (hostNetwork ? null : new Rate(subKey(key, 2), traffic, { daily: 0.35, jitter: 0.5 })),
      tx: prev?.tx ?? (hostNetwork ? null : new Rate(subKey(key, 3), traffic * draw(key, 4, 0.3, 1.6), { daily: 0.35, jitter: 0.5 })),
    };
  }

  private buildContainer(p: Pod, c: Container, scale: number): ContainerModel {
    const key = hashString(`${p.metadata.uid}/${c.name}`, this.seedKey);
    const prof = this.containerCpuProfile(p, c);
    const cpuRequest = parseQuantity(c.resources?.requests?.cpu);
    const cpuLimit = c.resources?.limits?.cpu !== undefined ? parseQuantity(c.resources.limits.cpu) : null;
    const memRequest = parseQuantity(c.resources?.requests?.memory);
    const memLimit = c.resources?.limits?.memory !== undefined ? parseQuantity(c.resources.limits.memory) : null;
    const oomed = (p.status.containerStatuses ?? []).some((s) => s.name === c.name && s.lastState?.terminated?.reason === 'OOMKilled');
    let mem: GaugeSpec;
    if (memLimit !== null && (oomed || draw(key, 10, 0, 1) < 0.12)) {
      // Near its limit: the usual suspects for an OOM kill.
      mem = { key: subKey(key, 11), mean: memLimit * draw(key, 12, 0.86, 0.92), wander: 0.05, daily: 0.02, max: memLimit * 0.985 };
    } else {
      const base = memRequest > 0 ? memRequest * draw(key, 12, 0.35, 0.95) : draw(key, 12, 12, 90) * MiB;
      mem = { key: subKey(key, 11), mean: base, wander: 0.12, daily: 0.05, min: 4 * MiB, ...(memLimit !== null ? { max: memLimit * 0.9 } : {}) };
    }
    const throttled = cpuLimit === null ? 0 : prof.hot ? draw(key, 13, 0.22, 0.45) : draw(key, 13, 0, 0.02);
    return {
      name: c.name,
      key,
      cpu: new Rate(subKey(key, 1), prof.base * scale, { daily: prof.daily, jitter: prof.jitter }),
      cpuRequest,
      cpuLimit,
      memRequest,
      memLimit,
      mem,
      throttled,
      fsRead: new Rate(subKey(key, 14), draw(key, 15, 100, 2e4), { daily: 0.2, jitter: 0.6 }),
      fsWrite: new Rate(subKey(key, 16), draw(key, 17, 500, 5e4), { daily: 0.2, jitter: 0.6 }),
      threads: Math.round(draw(key, 18, 6, 40)),
    };
  }

  /** A pod cgroup's CPU seconds at t: its containers' use since the pod started (restarts included). */
  podCpu(m: PodModel, t: number): number {
    let v = 0;
    for (const c of m.containers.values()) v += c.cpu.total(m.start, t);
    return v;
  }

  /** Cores a pod uses at t. */
  podCpuRate(m: PodModel, t: number): number {
    let v = 0;
    for (const c of m.containers.values()) v += c.cpu.at(t);
    return v;
  }

  /** A container's working set at t. */
  containerMemory(c: ContainerModel, t: number): number {
    return Math.round(gauge(c.mem, t) / 4096) * 4096;
  }

  podMemory(m: PodModel, t: number): number {
    let v = 0;
    for (const c of m.containers.values()) v += this.containerMemory(c, t);
    return v;
  }

  /** The node's busy CPU seconds since boot: system, its pods, and pods that ran there before. */
  nodeBusy(n: NodeModel, t: number): number {
    let v = n.sysCpu.total(n.boot, t) + this.retiredOf(n.name).cpu;
    for (const p of this.podsOn(n.name)) v += this.podCpu(this.pod(p), t);
    return v;
  }

  /** Cores in use on the node at t. */
  nodeBusyRate(n: NodeModel, t: number): number {
    let v = n.sysCpu.at(t);
    for (const p of this.podsOn(n.name)) v += this.podCpuRate(this.pod(p), t);
    return v;
  }

  /** Bytes the node's non-pod processes and the pods' working sets use at t. */
  nodeMemory(n: NodeModel, t: number): { total: number; pods: number; system: number; cached: number; buffers: number; slab: number; free: number; available: number; workingSet: number } {
    let pods = 0;
    for (const p of this.podsOn(n.name)) pods += this.podMemory(this.pod(p), t);
    const total = n.memBytes;
    const system = gauge(n.sysMem, t);
    const slab = 0.012 * total + 60 * MiB;
    const buffers = Math.min(0.02 * total, 80 * MiB + 0.004 * total);
    const headroom = Math.max(0, total - pods - system - slab - buffers);
    const cached = Math.min(headroom * 0.85, gauge(n.cacheFrac, t) * headroom);
    const free = Math.max(0.015 * total, total - pods - system - slab - buffers - cached);
    const available = Math.min(total, free + cached * 0.85 + buffers + slab * 0.5);
    const workingSet = Math.max(0, total - free - cached * 0.45);
    const kib = (v: number) => Math.round(v / 1024) * 1024;
    return { total, pods: kib(pods), system: kib(system), cached: kib(cached), buffers: kib(buffers), slab: kib(slab), free: kib(free), available: kib(available), workingSet: kib(workingSet) };
  }

  /** Bytes received and sent by the node's primary interface since boot. */
  nodeTraffic(n: NodeModel, t: number): { rx: number; tx: number } {
    const r = this.retiredOf(n.name);
    let rx = n.netRx.total(n.boot, t) + r.rx;
    let tx = n.netTx.total(n.boot, t) + r.tx;
    for (const p of this.podsOn(n.name)) {
      const m = this.pod(p);
      if (m.rx) rx += m.rx.total(m.start, t);
      if (m.tx) tx += m.tx.total(m.start, t);
    }
    return { rx, tx };
  }

  /** The root filesystem's used bytes at t. */
  rootUsed(n: NodeModel, t: number): number {
    const base = n.rootSize * draw(n.key, 30, 0.18, 0.45);
    if (n.rootFills) {
      // containerd's image store and logs fill the disk over days until an image GC frees it.
      const period = draw(n.key, 31, 2.5, 5) * 86_400;
      const x = t / period + draw(n.key, 32, 0, 1);
      const frac = x - Math.floor(x);
      return Math.round((base + frac * (n.rootSize * 0.95 - base)) / 4096) * 4096;
    }
    return Math.round(gauge({ key: subKey(n.key, 33), mean: base, wander: 0.04 }, t) / 4096) * 4096;
  }

  /** Seconds since the epoch of a container's current start, or null when it is not running. */
  containerStart(p: Pod, name: string): number | null {
    const cs = (p.status.containerStatuses ?? []).find((c) => c.name === name);
    const started = parseTime(cs?.state?.running?.startedAt);
    return started === null ? null : started / 1000;
  }
}

function sandboxHex(key: number): string {
  let s = '';
  for (let i = 0; s.length < 64; i++) s += subKey(key, 1000 + i).toString(16).padStart(8, '0');
  return s.slice(0, 64);
}

export const BYTES = { GiB, MiB };
