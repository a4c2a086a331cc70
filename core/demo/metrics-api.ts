// metrics.k8s.io/v1beta1 as metrics-server serves it: NodeMetrics and PodMetrics from the same
// counters the kubelets' /metrics/resource expose — CPU as the rate between the last two
// samples metrics-server would have taken (nanocores), memory as the working set at the last
// one (KiB) — so `kubectl top` agrees with what a scraper computes from the kubelet. Nodes whose
// kubelet is silent have no metrics, as in a real cluster.
import type { ComputedResource, DemoApiServer } from './api-server.js';
import type { DemoCluster } from './cluster.js';
import { sampleTime } from './kubelet-metrics.js';
import { isRunning, metricsModel, type MetricsModel } from './model.js';
import type { ResourceType } from './resources.js';
import { unit } from './signals.js';
import { registerPrinter, type TableColumn } from './tables.js';
import { rfc3339, type KubeObject, type Node, type Pod } from '../kube/objects.js';

export const METRICS_GROUP = 'metrics.k8s.io';
/** metrics-server's --metric-resolution. */
const RESOLUTION_MS = 15_000;

export const NODE_METRICS_TYPE: ResourceType = { group: METRICS_GROUP, version: 'v1beta1', resource: 'nodes', singular: '', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'] };
export const POD_METRICS_TYPE: ResourceType = { group: METRICS_GROUP, version: 'v1beta1', resource: 'pods', singular: '', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'] };

const nanocores = (cores: number) => `${Math.max(0, Math.round(cores * 1e9))}n`;
const kibibytes = (bytes: number) => `${Math.max(0, Math.round(bytes / 1024))}Ki`;

/**
 * The kubelet samples behind metrics-server's latest value: it scrapes /metrics/resource every
 * 15 s (at its own phase per node) and gets the kubelet's last housekeeping sample each time, so
 * the window between the two samples it uses is 10 or 20 s, as real NodeMetrics show.
 */
function samples(key: number, nowMs: number): [number, number] {
  const phase = Math.floor(unit(key, 11) * RESOLUTION_MS);
  const scrape = Math.floor((nowMs - phase) / RESOLUTION_MS) * RESOLUTION_MS + phase;
  return [sampleTime(key, scrape - RESOLUTION_MS), sampleTime(key, scrape)];
}

function window(ms: number): string {
  return `${ms / 1000}s`;
}

export function nodeMetrics(model: MetricsModel, node: Node, nowMs: number): KubeObject | undefined {
  if (model.cluster.silentNodes.has(node.metadata.name)) return undefined;
  const n = model.node(node);
  const [t0, t1] = samples(n.key, nowMs);
  const cpu = (model.nodeBusy(n, t1 / 1000) - model.nodeBusy(n, t0 / 1000)) / ((t1 - t0) / 1000);
  return {
    kind: 'NodeMetrics',
    apiVersion: `${METRICS_GROUP}/v1beta1`,
    metadata: { name: node.metadata.name, creationTimestamp: rfc3339(nowMs), labels: node.metadata.labels ?? {} } as KubeObject['metadata'],
    timestamp: rfc3339(t1),
    window: window(t1 - t0),
    usage: { cpu: nanocores(cpu), memory: kibibytes(model.nodeMemory(n, t1 / 1000).workingSet) },
  };
}

export function podMetrics(model: MetricsModel, pod: Pod, nowMs: number): KubeObject | undefined {
  if (!isRunning(pod) || model.cluster.silentNodes.has(pod.spec.nodeName!)) return undefined;
  const m = model.pod(pod);
  const containers: { name: string; usage: { cpu: string; memory: string } }[] = [];
  let stamp: [number, number] | undefined;
  for (const cs of pod.status.containerStatuses ?? []) {
    const started = model.containerStart(pod, cs.name);
    const c = m.containers.get(cs.name);
    if (started === null || !c) continue;
    // Each container has its own cAdvisor samples; metrics-server needs two since it started.
    const [t0, t1] = samples(c.key, nowMs);
    if (started * 1000 > t0) continue;
    stamp ??= [t0, t1];
    const cpu = c.cpu.total(t0 / 1000, t1 / 1000) / ((t1 - t0) / 1000);
    containers.push({ name: cs.name, usage: { cpu: nanocores(cpu), memory: kibibytes(model.containerMemory(c, t1 / 1000)) } });
  }
  if (!stamp) return undefined;
  return {
    kind: 'PodMetrics',
    apiVersion: `${METRICS_GROUP}/v1beta1`,
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: rfc3339(nowMs), labels: pod.metadata.labels ?? {} } as KubeObject['metadata'],
    timestamp: rfc3339(stamp[1]),
    window: window(stamp[1] - stamp[0]),
    containers,
  };
}

function nodeSource(cluster: DemoCluster): ComputedResource {
  const model = metricsModel(cluster);
  return {
    list: () => (cluster.store.list('nodes') as Node[]).map((n) => nodeMetrics(model, n, cluster.now())).filter((x): x is KubeObject => !!x),
    get: (_ns, name) => {
      const n = cluster.store.get('nodes', undefined, name) as Node | undefined;
      return n ? nodeMetrics(model, n, cluster.now()) : undefined;
    },
  };
}

function podSource(cluster: DemoCluster): ComputedResource {
  const model = metricsModel(cluster);
  return {
    list: (ns) => (cluster.store.list('pods', ns) as Pod[]).map((p) => podMetrics(model, p, cluster.now())).filter((x): x is KubeObject => !!x),
    get: (ns, name) => {
      const p = cluster.store.get('pods', ns, name) as Pod | undefined;
      return p ? podMetrics(model, p, cluster.now()) : undefined;
    },
  };
}

const column = (name: string, description: string, format = ''): TableColumn => ({ name, type: 'string', format, description, priority: 0 });

/** Serves metrics.k8s.io/v1beta1 nodes and pods on the server. */
export function registerMetricsApi(server: DemoApiServer): void {
  server.registerComputed(NODE_METRICS_TYPE, nodeSource(server.cluster));
  server.registerComputed(POD_METRICS_TYPE, podSource(server.cluster));
}

registerPrinter('nodes.metrics.k8s.io', {
  columns: [column('Name', 'Name must be unique within a namespace.', 'name'), column('CPU', 'CPU usage'), column('Memory', 'Memory usage'), column('Window', 'Time window')],
  cells: (o) => {
    const u = (o as { usage?: { cpu?: string; memory?: string } }).usage ?? {};
    return [o.metadata.name, u.cpu ?? '', u.memory ?? '', (o as { window?: string }).window ?? ''];
  },
});

registerPrinter('pods.metrics.k8s.io', {
  columns: [column('Name', 'Name must be unique within a namespace.', 'name'), column('Window', 'Time window')],
  cells: (o) => [o.metadata.name, (o as { window?: string }).window ?? ''],
});

