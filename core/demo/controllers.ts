// What the controllers of a real cluster derive from pods: Endpoints and EndpointSlices from a
// Service's selector, and the status of ReplicaSets, Deployments and DaemonSets. The generator
// builds the initial cluster with these, and the cluster re-runs them after every pod change, so
// derived objects always agree with the pods (a crash-looping pod leaves the ready endpoints).
import { matchesLabels, fromLabelSelectorSpec } from './selectors.js';
import type { Condition, KubeObject, Node, Pod, Service, ServicePort, Workload } from '../kube/objects.js';

export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

const isTerminal = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export function selectsPod(svc: Service, pod: Pod): boolean {
  const sel = svc.spec.selector;
  if (!sel || Object.keys(sel).length === 0) return false;
  if (pod.metadata.namespace !== svc.metadata.namespace) return false;
  const labels = pod.metadata.labels;
  if (!labels) return false;
  for (const k in sel) if (labels[k] !== sel[k]) return false;
  return true;
}

/** The container port a service port points at in one pod (named target ports differ per pod). */
function resolveTargetPort(port: ServicePort, pod: Pod): number | null {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === port.protocol) return p.containerPort;
  }
  return null;
}

export interface EndpointAddr {
  pod: Pod;
  ip: string;
  ready: boolean;
}

/** The pods a service routes to (ready or not), in the controllers' address order. */
export function serviceAddresses(svc: Service, pods: Pod[]): EndpointAddr[] {
  const out: EndpointAddr[] = [];
  for (const pod of pods) {
    if (!selectsPod(svc, pod) || isTerminal(pod) || !pod.status?.podIP) continue;
    out.push({ pod, ip: pod.status.podIP, ready: isPodReady(pod) && !pod.metadata.deletionTimestamp });
  }
  return out.sort((a, b) => compareIPs(a.ip, b.ip) || (a.pod.metadata.uid < b.pod.metadata.uid ? -1 : 1));
}

function compareIPs(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

const targetRef = (pod: Pod) => ({ kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid });

/** The fields of an Endpoints object the endpoints controller owns (metadata aside). */
export function endpointsSubsets(svc: Service, addrs: EndpointAddr[]): unknown[] | undefined {
  if (addrs.length === 0) return undefined;
  // The controller groups addresses by the port set they resolve to; pods of one workload share one.
  const groups = new Map<string, { ports: { name?: string; port: number; protocol: string }[]; ready: EndpointAddr[]; notReady: EndpointAddr[] }>();
  for (const a of addrs) {
    const ports: { name?: string; port: number; protocol: string }[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = resolveTargetPort(sp, a.pod);
      if (port === null) continue;
      ports.push(sp.name ? { name: sp.name, port, protocol: sp.protocol } : { port, protocol: sp.protocol });
    }
    const key = JSON.stringify(ports);
    let g = groups.get(key);
    if (!g) {
      g = { ports, ready: [], notReady: [] };
      groups.set(key, g);
    }
    (a.ready ? g.ready : g.notReady).push(a);
  }
  const addr = (a: EndpointAddr) => ({ ip: a.ip, nodeName: a.pod.spec.nodeName, targetRef: targetRef(a.pod) });
  return [...groups.values()].map((g) => {
    const subset: Record<string, unknown> = {};
    if (g.ready.length > 0) subset.addresses = g.ready.map(addr);
    if (g.notReady.length > 0) subset.notReadyAddresses = g.notReady.map(addr);
    if (g.ports.length > 0) subset.ports = g.ports;
    return subset;
  });
}

/** Endpoints per EndpointSlice before the controller starts another slice. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface SliceContent {
  endpoints: unknown[];
  ports: unknown[];
}

/** The endpoints and ports of a service's EndpointSlices, chunked as the controller does. */
export function endpointSliceContents(svc: Service, addrs: EndpointAddr[], nodes: Map<string, Node>): SliceContent[] {
  const ports = (svc.spec.ports ?? []).map((sp) => {
    const first = addrs[0] ? resolveTargetPort(sp, addrs[0].pod) : null;
    const p: Record<string, unknown> = { name: sp.name ?? '', protocol: sp.protocol, port: first ?? (typeof sp.targetPort === 'number' ? sp.targetPort : sp.port) };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    return p;
  });
  const endpoints = addrs.map((a) => {
    const zone = a.pod.spec.nodeName ? nodes.get(a.pod.spec.nodeName)?.metadata.labels?.['topology.kubernetes.io/zone'] : undefined;
    const e: Record<string, unknown> = {
      addresses: [a.ip],
      conditions: { ready: a.ready, serving: a.ready, terminating: false },
      targetRef: targetRef(a.pod),
    };
    if (a.pod.spec.nodeName) e.nodeName = a.pod.spec.nodeName;
    if (zone) e.zone = zone;
    return e;
  });
  if (endpoints.length === 0) return [{ endpoints: [], ports }];
  const out: SliceContent[] = [];
  for (let i = 0; i < endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) out.push({ endpoints: endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE), ports });
  return out;
}

/** Pods (or any objects) by the uid of their controller, the index the status functions read. */
export function indexByOwner<T extends KubeObject>(objects: Iterable<T>): Map<string, T[]> {
  const index = new Map<string, T[]>();
  for (const o of objects) {
    for (const r of o.metadata.ownerReferences ?? []) {
      if (!r.controller) continue;
      let list = index.get(r.uid);
      if (!list) {
        list = [];
        index.set(r.uid, list);
      }
      list.push(o);
    }
  }
  return index;
}

export function replicaSetStatus(rs: Workload, owned: Pod[]): Record<string, unknown> {
  const live = owned.filter((p) => !isTerminal(p));
  const selector = fromLabelSelectorSpec(rs.spec.selector);
  const ready = live.filter(isPodReady).length;
  const status: Record<string, unknown> = {
    replicas: live.length,
    fullyLabeledReplicas: live.filter((p) => matchesLabels(selector, p.metadata.labels)).length,
    readyReplicas: ready,
    availableReplicas: ready,
    observedGeneration: rs.metadata.generation ?? 1,
  };
  // The API drops zero-valued optional counts.
  for (const k of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) if (status[k] === 0) delete status[k];
  return status;
}

/** Keeps a condition's transition time while its status holds, as controllers do. */
function condition(prev: Condition[] | undefined, next: Condition, now: string): Condition {
  const old = prev?.find((c) => c.type === next.type);
  const same = old && old.status === next.status && old.reason === next.reason;
  return { ...next, lastUpdateTime: same ? (old.lastUpdateTime ?? now) : now, lastTransitionTime: old && old.status === next.status ? (old.lastTransitionTime ?? now) : now };
}

/** owned: the Deployment's ReplicaSets; podsOf: each one's pods. */
export function deploymentStatus(d: Workload, owned: Workload[], podsOf: (rs: Workload) => Pod[], now: string): Record<string, unknown> {
  const revision = d.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const current = owned.find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision) ?? owned[0];
  let replicas = 0;
  let ready = 0;
  let updated = 0;
  for (const rs of owned) {
    const live = podsOf(rs).filter((p) => !isTerminal(p));
    replicas += live.length;
    ready += live.filter(isPodReady).length;
    if (rs === current) updated = live.length;
  }
  const desired = d.spec.replicas ?? 1;
  // maxUnavailable 25% rounds down: a deployment is Available with at most that many missing.
  const maxUnavailable = Math.floor(desired * 0.25);
  const available = ready;
  const prev = (d.status?.conditions as Condition[] | undefined) ?? undefined;
  const conditions: Condition[] = [
    condition(
      prev,
      available >= desired - maxUnavailable
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      now,
    ),
    condition(
      prev,
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${current?.metadata.name ?? d.metadata.name}" has successfully progressed.` },
      now,
    ),
  ];
  const status: Record<string, unknown> = { observedGeneration: d.metadata.generation ?? 1, replicas, updatedReplicas: updated, readyReplicas: ready, availableReplicas: available };
  if (desired - available > 0) status.unavailableReplicas = desired - available;
  for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas']) if (status[k] === 0) delete status[k];
  status.conditions = conditions;
  return status;
}

/** Whether a DaemonSet's pod template tolerates a node's NoSchedule/NoExecute taints and matches its selector. */
export function daemonSetWantsNode(ds: Workload, node: Node): boolean {
  const spec = ds.spec.template.spec;
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (node.metadata.labels?.[k] !== v) return false;
  const tolerations = (spec.tolerations as { key?: string; operator?: string; value?: string; effect?: string }[] | undefined) ?? [];
  for (const taint of node.spec.taints ?? []) {
    if (taint.effect === 'PreferNoSchedule') continue;
    // Node-lifecycle taints do not keep daemon pods away: the DaemonSet controller tolerates them.
    if (taint.key.startsWith('node.kubernetes.io/')) continue;
    const ok = tolerations.some(
      (t) =>
        (t.effect === undefined || t.effect === '' || t.effect === taint.effect) &&
        (t.operator === 'Exists' ? t.key === undefined || t.key === '' || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')),
    );
    if (!ok) return false;
  }
  return true;
}

export function daemonSetStatus(ds: Workload, nodes: Node[], ownedPods: Pod[]): Record<string, unknown> {
  const desired = nodes.filter((n) => daemonSetWantsNode(ds, n)).length;
  const owned = ownedPods.filter((p) => !isTerminal(p));
  const ready = owned.filter(isPodReady).length;
  const status: Record<string, unknown> = {
    currentNumberScheduled: owned.filter((p) => p.spec.nodeName).length,
    numberMisscheduled: 0,
    desiredNumberScheduled: desired,
    numberReady: ready,
    observedGeneration: ds.metadata.generation ?? 1,
    updatedNumberScheduled: owned.length,
    numberAvailable: ready,
  };
  if (desired - ready > 0) status.numberUnavailable = desired - ready;
  if (ready === 0) delete status.numberAvailable;
  return status;
}
