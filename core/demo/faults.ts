// Faults are ordinary object changes, made the way the components that cause them make them:
// the node lifecycle controller marks a silent node Unknown and taints it, the kubelet reports a
// crash-looping container with a growing back-off, the kernel's OOM killer leaves exit code 137.
// Derived objects (endpoints, workload status) follow through the cluster's reconciliation.
import type { DemoCluster } from './cluster.js';
import type { DemoUser, RunningDemoCluster } from './index.js';
import type { ClusterNetwork, TargetFault } from './network.js';
import { rfc3339, type Condition, type ContainerStatus, type Node, type Pod, type Taint } from '../kube/objects.js';

const SECOND = 1000;
/** The kubelet's crash back-off: 10 s doubling up to 5 minutes. */
const BACKOFF_START = 10 * SECOND;
const BACKOFF_MAX = 300 * SECOND;

const crashLoops = new WeakMap<DemoCluster, Set<string>>();

function loops(cluster: DemoCluster): Set<string> {
  let s = crashLoops.get(cluster);
  if (!s) {
    s = new Set();
    crashLoops.set(cluster, s);
  }
  return s;
}

function setCondition(conditions: Condition[], next: Condition): void {
  const i = conditions.findIndex((c) => c.type === next.type);
  if (i < 0) conditions.push(next);
  else if (conditions[i]!.status !== next.status) conditions[i] = { ...conditions[i]!, ...next };
  else conditions[i] = { ...conditions[i]!, ...next, lastTransitionTime: conditions[i]!.lastTransitionTime };
}

function podsOn(cluster: DemoCluster, node: string): Pod[] {
  return cluster.store.list('pods').filter((p) => (p as Pod).spec.nodeName === node) as Pod[];
}

export interface NodeNotReadyOptions {
  /**
   * 'NodeStatusUnknown' (default): the kubelet stopped reporting (node down, network cut); the
   * node controller sets every condition Unknown and taints the node unreachable.
   * 'KubeletNotReady': the kubelet reports itself not ready (e.g. the CNI plugin is down).
   */
  reason?: 'NodeStatusUnknown' | 'KubeletNotReady';
}

export function nodeNotReady(cluster: DemoCluster, nodeName: string, opts: NodeNotReadyOptions = {}): Node {
  const reason = opts.reason ?? 'NodeStatusUnknown';
  if (!cluster.get('nodes', undefined, nodeName)) throw new Error(`nodes "${nodeName}" not found`);
  const now = rfc3339(cluster.now());
  const unknown = reason === 'NodeStatusUnknown';
  if (unknown) cluster.silentNodes.add(nodeName);
  const taintKey = unknown ? 'node.kubernetes.io/unreachable' : 'node.kubernetes.io/not-ready';
  const node = cluster.patch<Node>('nodes', undefined, nodeName, (n) => {
    for (const c of n.status.conditions) {
      if (unknown) {
        Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now });
      } else if (c.type === 'Ready') {
        Object.assign(c, {
          status: 'False',
          reason: 'KubeletNotReady',
          message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
          lastTransitionTime: now,
          lastHeartbeatTime: now,
        });
      }
    }
    const taints: Taint[] = (n.spec.taints ?? []).filter((t) => t.key !== taintKey);
    taints.push({ key: taintKey, effect: 'NoSchedule', timeAdded: now }, { key: taintKey, effect: 'NoExecute', timeAdded: now });
    n.spec.taints = taints;
  });
  cluster.recordEvent({ involved: node, reason: 'NodeNotReady', message: `Node ${nodeName} status is now: NodeNotReady`, component: 'node-controller' });
  // The node controller marks the node's pods not ready, which takes them out of endpoints.
  for (const pod of podsOn(cluster, nodeName)) {
    cluster.patch<Pod>('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
      setCondition((p.status.conditions ??= []), { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: now });
    });
    cluster.recordEvent({ involved: pod, reason: 'NodeNotReady', type: 'Warning', message: 'Node is not ready', component: 'node-controller' });
  }
  return node;
}

/** Undoes nodeNotReady: the kubelet is back, conditions healthy, taints gone, pods ready. */
export function nodeReady(cluster: DemoCluster, nodeName: string): Node {
  cluster.silentNodes.delete(nodeName);
  const now = rfc3339(cluster.now());
  const healthy: Record<string, [string, string, string]> = {
    MemoryPressure: ['False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
    DiskPressure: ['False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
    PIDPressure: ['False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
    Ready: ['True', 'KubeletReady', 'kubelet is posting ready status'],
  };
  const node = cluster.patch<Node>('nodes', undefined, nodeName, (n) => {
    for (const c of n.status.conditions) {
      const h = healthy[c.type];
      if (!h) continue;
      const changed = c.status !== h[0];
      Object.assign(c, { status: h[0], reason: h[1], message: h[2], lastHeartbeatTime: now, ...(changed ? { lastTransitionTime: now } : {}) });
    }
    const taints = (n.spec.taints ?? []).filter((t) => t.key !== 'node.kubernetes.io/unreachable' && t.key !== 'node.kubernetes.io/not-ready');
    if (taints.length > 0) n.spec.taints = taints;
    else delete n.spec.taints;
  });
  cluster.recordEvent({ involved: node, reason: 'NodeReady', message: `Node ${nodeName} status is now: NodeReady`, component: 'kubelet', host: nodeName });
  for (const pod of podsOn(cluster, nodeName)) {
    if (loops(cluster).has(`${pod.metadata.namespace}/${pod.metadata.name}`)) continue;
    if (!(pod.status.containerStatuses ?? []).every((c) => c.ready)) continue;
    cluster.patch<Pod>('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
      setCondition((p.status.conditions ??= []), { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: now });
    });
  }
  return node;
}

function containerIndex(pod: Pod, container: string | undefined): number {
  const i = container === undefined ? 0 : (pod.status.containerStatuses ?? []).findIndex((c) => c.name === container);
  if (i < 0 || !pod.status.containerStatuses?.[i]) throw new Error(`pod ${pod.metadata.namespace}/${pod.metadata.name} has no running container ${container ?? ''}`.trim());
  return i;
}

function markContainersNotReady(p: Pod, now: string): void {
  const unready = (p.status.containerStatuses ?? []).filter((c) => !c.ready).map((c) => c.name);
  const message = `containers with unready status: [${unready.join(' ')}]`;
  const conditions = (p.status.conditions ??= []);
  setCondition(conditions, { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'ContainersNotReady', message });
  setCondition(conditions, { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'ContainersNotReady', message });
}

export interface CrashLoopOptions {
  container?: string;
  exitCode?: number;
  /** The terminated reason the kubelet reports: 'Error' (default), 'OOMKilled', … */
  reason?: string;
}

/**
 * Puts a container into CrashLoopBackOff: it exits, waits out a growing back-off, runs, exits
 * again; restartCount climbs and a BackOff event repeats, until stopCrashLoop.
 */
export function crashLoopBackOff(cluster: DemoCluster, namespace: string, podName: string, opts: CrashLoopOptions = {}): Pod {
  const key = `${namespace}/${podName}`;
  const current = cluster.get<Pod>('pods', namespace, podName);
  if (!current) throw new Error(`pods "${podName}" not found`);
  const idx = containerIndex(current, opts.container);
  const exitCode = opts.exitCode ?? (opts.reason === 'OOMKilled' ? 137 : 1);
  const reason = opts.reason ?? 'Error';
  const name = current.status.containerStatuses![idx]!.name;
  const fieldPath = `spec.containers{${name}}`;
  const host = current.spec.nodeName ?? '';
  const crash = (t: number, backoff: number): Pod => {
    const now = rfc3339(t);
    const pod = cluster.patch<Pod>('pods', namespace, podName, (p) => {
      const cs = p.status.containerStatuses![idx]! as ContainerStatus;
      const started = cs.state.running?.startedAt ?? cs.lastState.terminated?.finishedAt ?? now;
      cs.lastState = { terminated: { exitCode, reason, startedAt: started, finishedAt: now, containerID: cs.containerID ?? '' } };
      cs.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${formatBackoff(backoff)} restarting failed container=${name} pod=${podName}_${namespace}(${p.metadata.uid})` } };
      cs.ready = false;
      cs.started = false;
      cs.restartCount++;
      markContainersNotReady(p, now);
    });
    cluster.recordEvent({ involved: pod, fieldPath, reason: 'BackOff', type: 'Warning', component: 'kubelet', host, message: `Back-off restarting failed container ${name} in pod ${podName}_${namespace}(${pod.metadata.uid})` });
    return pod;
  };
  loops(cluster).add(key);
  const pod = crash(cluster.now(), BACKOFF_START);
  // Each round: after the back-off the container starts, runs a few seconds, and exits again.
  let backoff = BACKOFF_START;
  const round = (t: number): number | undefined => {
    if (!loops(cluster).has(key) || !cluster.store.get('pods', namespace, podName)) return undefined;
    cluster.patch<Pod>('pods', namespace, podName, (p) => {
      const cs = p.status.containerStatuses![idx]! as ContainerStatus;
      cs.state = { running: { startedAt: rfc3339(t) } };
      cs.started = true;
    });
    backoff = Math.min(backoff * 2, BACKOFF_MAX);
    const b = backoff;
    cluster.schedule(t + 3 * SECOND, (t2) => {
      if (loops(cluster).has(key) && cluster.store.get('pods', namespace, podName)) crash(t2, b);
      return undefined;
    });
    return t + 3 * SECOND + b;
  };
  cluster.schedule(cluster.now() + BACKOFF_START, round);
  return pod;
}

function formatBackoff(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/** Ends a crash loop: the container runs and is ready again (restartCount stays). */
export function stopCrashLoop(cluster: DemoCluster, namespace: string, podName: string): Pod {
  loops(cluster).delete(`${namespace}/${podName}`);
  const now = rfc3339(cluster.now());
  return cluster.patch<Pod>('pods', namespace, podName, (p) => {
    for (const cs of p.status.containerStatuses ?? []) {
      if (cs.state.running && cs.ready) continue;
      cs.state = { running: { startedAt: now } };
      cs.ready = true;
      cs.started = true;
    }
    const conditions = (p.status.conditions ??= []);
    setCondition(conditions, { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: now });
    setCondition(conditions, { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: now });
    for (const c of conditions) {
      if (c.type === 'Ready' || c.type === 'ContainersReady') {
        delete c.reason;
        delete c.message;
      }
    }
  });
}

export interface OomOptions {
  container?: string;
  /** Keep it crashing with OOMKilled (a limit too low for the workload), not a one-off. */
  crashLoop?: boolean;
}

/**
 * The container exceeded its memory limit and was killed (exit code 137, reason OOMKilled);
 * the kubelet restarts it at once. With crashLoop it keeps happening.
 */
export function oomKilled(cluster: DemoCluster, namespace: string, podName: string, opts: OomOptions = {}): Pod {
  if (opts.crashLoop) return crashLoopBackOff(cluster, namespace, podName, { container: opts.container, reason: 'OOMKilled', exitCode: 137 });
  const current = cluster.get<Pod>('pods', namespace, podName);
  if (!current) throw new Error(`pods "${podName}" not found`);
  const idx = containerIndex(current, opts.container);
  const t = cluster.now();
  const pod = cluster.patch<Pod>('pods', namespace, podName, (p) => {
    const cs = p.status.containerStatuses![idx]! as ContainerStatus;
    cs.lastState = {
      terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: cs.state.running?.startedAt ?? rfc3339(t), finishedAt: rfc3339(t), containerID: cs.containerID ?? '' },
    };
    cs.restartCount++;
    cs.state = { running: { startedAt: rfc3339(t + SECOND) } };
  });
  const c = pod.spec.containers[idx]!;
  const host = pod.spec.nodeName ?? '';
  const fieldPath = `spec.containers{${c.name}}`;
  cluster.recordEvent({ involved: pod, fieldPath, reason: 'Pulled', component: 'kubelet', host, message: `Container image "${c.image}" already present on machine` });
  cluster.recordEvent({ involved: pod, fieldPath, reason: 'Created', component: 'kubelet', host, message: `Created container: ${c.name}` });
  cluster.recordEvent({ involved: pod, fieldPath, reason: 'Started', component: 'kubelet', host, message: `Started container ${c.name}` });
  return pod;
}

// ---------- faults of the network and the API server (scriptable from tests) ----------

/** A scrape target: a pod's port, or a node's (its kubelet on 10250, host-network exporters). */
export interface TargetRef {
  namespace?: string;
  pod?: string;
  node?: string;
  port: number;
}

function targetAddress(net: ClusterNetwork, ref: TargetRef): string {
  const cluster = net.cluster;
  if (ref.node) {
    const node = cluster.store.get('nodes', undefined, ref.node) as Node | undefined;
    if (!node) throw new Error(`nodes "${ref.node}" not found`);
    return `${node.status.addresses.find((a) => a.type === 'InternalIP')?.address}:${ref.port}`;
  }
  const pod = cluster.store.get('pods', ref.namespace ?? 'default', ref.pod ?? '') as Pod | undefined;
  if (!pod) throw new Error(`pods "${ref.pod}" not found`);
  const ip = pod.spec.hostNetwork ? pod.status.hostIP : pod.status.podIP;
  if (!ip) throw new Error(`pod ${ref.namespace}/${ref.pod} has no address`);
  return `${ip}:${ref.port}`;
}

function setFault(net: ClusterNetwork, ref: TargetRef, fault: TargetFault): () => void {
  const addr = targetAddress(net, ref);
  net.faults.set(addr, fault);
  return () => {
    if (net.faults.get(addr) === fault) net.faults.delete(addr);
  };
}

/**
 * The target accepts the connection and then says nothing for delayMs (default two minutes,
 * longer than any scrape timeout): the proxy waits, and so does whoever asked it. Returns the undo.
 */
export function hangTarget(net: ClusterNetwork, ref: TargetRef, delayMs = 120_000): () => void {
  return setFault(net, ref, { kind: 'hang', delayMs });
}

/** The target answers 200 with an exposition cut off mid-series and followed by an HTML error page. */
export function malformedTarget(net: ClusterNetwork, ref: TargetRef): () => void {
  return setFault(net, ref, { kind: 'malformed' });
}

/** Nothing listens on the target's port any more (the process died): connection refused. */
export function refuseTarget(net: ClusterNetwork, ref: TargetRef): () => void {
  return setFault(net, ref, { kind: 'refuse' });
}

/**
 * The API server's proxy takes delayMs longer to reach the target (every target when `ref` is
 * undefined), as with an overloaded API server or a slow tunnel to the nodes; port-forwards to
 * the same pods are as fast as ever. Returns the undo.
 */
export function slowProxy(net: ClusterNetwork, ref: TargetRef | undefined, delayMs: number): () => void {
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new Error(`"${delayMs}" is not a delay in milliseconds`);
  const key = ref ? targetAddress(net, ref) : '*';
  net.proxyDelays.set(key, delayMs);
  return () => {
    if (net.proxyDelays.get(key) === delayMs) net.proxyDelays.delete(key);
  };
}

export function clearTargetFaults(net: ClusterNetwork): void {
  net.faults.clear();
  net.proxyDelays.clear();
}

/** The API server goes away: open connections drop, new ones are refused; the cluster keeps its state. */
export function apiServerDown(demo: RunningDemoCluster): Promise<void> {
  return demo.stopApiServer();
}

/** The API server comes back on the same address. */
export function apiServerUp(demo: RunningDemoCluster): Promise<void> {
  return demo.startApiServer();
}

/**
 * A user that may read everything and use the proxies and port-forward, except what `deny`
 * names ("services/proxy", "pods/proxy"…): RBAC answers 403 Forbidden for those.
 */
export function restrictedUser(demo: RunningDemoCluster, deny: string[], name = `restricted-${deny.join('-').replace(/[^a-z0-9-]/g, '-')}`): DemoUser {
  return demo.addUser({ name, deny });
}

/** What uninstalling an add-on deletes, in this order (owners before what they own). */
const ADDON_RESOURCES = ['servicemonitors.monitoring.coreos.com', 'podmonitors.monitoring.coreos.com', 'deployments.apps', 'daemonsets.apps', 'replicasets.apps', 'pods', 'services', 'endpoints', 'endpointslices.discovery.k8s.io'];

/**
 * `helm uninstall` of an add-on (e.g. "kube-state-metrics", "prometheus-node-exporter"): every
 * object labelled app.kubernetes.io/name=<app>, with its monitors, service endpoints and pods,
 * is deleted, leaving a cluster without it. Returns how many objects went.
 */
export function uninstallAddon(cluster: DemoCluster, app: string): number {
  const services = new Set<string>();
  let deleted = 0;
  for (const ref of ADDON_RESOURCES) {
    for (const o of cluster.list(ref)) {
      const labels = o.metadata.labels ?? {};
      const ns = o.metadata.namespace;
      const owned =
        labels['app.kubernetes.io/name'] === app ||
        (ref === 'endpoints' && services.has(`${ns}/${o.metadata.name}`)) ||
        (ref.startsWith('endpointslices') && services.has(`${ns}/${labels['kubernetes.io/service-name']}`));
      if (!owned) continue;
      if (ref === 'services') services.add(`${ns}/${o.metadata.name}`);
      cluster.delete(ref, ns, o.metadata.name);
      deleted++;
    }
  }
  if (deleted === 0) throw new Error(`no objects labelled app.kubernetes.io/name=${app}`);
  return deleted;
}
