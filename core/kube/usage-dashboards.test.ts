// The built-in dashboards' container usage queries take cAdvisor's series where a node has them
// and the metrics-server ones (job kubeglass/metrics-server) where it has not, never both: run
// through our PromQL engine over a node scraped normally, a node only derived, and a pod that
// has both for a moment (a node whose kubelet just came back).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsFrom, labelsToRecord } from '../model/labels.js';
import { PromEngine } from '../promql/engine.js';
import { MemoryStorage } from '../tsdb/memory.js';

const DIR = path.join(import.meta.dirname, '../../resources/dashboards');
const MIN = 60_000;

interface Series {
  labels: Record<string, string>;
  /** Value at minute i: a counter's rate per second, or a gauge. */
  perMinute: (i: number) => number;
}

const cadvisor = { job: 'kubelet', metrics_path: '/metrics/cadvisor', image: 'img', instance: '10.0.0.1:10250' };
const derived = { job: 'kubeglass/metrics-server', instance: 'kubeglass (derived from metrics.k8s.io)' };
const pod = (ns: string, name: string, node: string) => ({ namespace: ns, pod: name, container: 'app', node });

// n1 is scraped (1 core, 100 B), and p1 on it is also derived for a moment; n2 only derived (2 cores, 200 B).
const SERIES: Series[] = [
  { labels: { __name__: 'container_cpu_usage_seconds_total', ...cadvisor, ...pod('shop', 'p1', 'n1') }, perMinute: (i) => 60 * i },
  { labels: { __name__: 'container_cpu_usage_seconds_total', ...derived, ...pod('shop', 'p1', 'n1') }, perMinute: (i) => 60 * i },
  { labels: { __name__: 'container_cpu_usage_seconds_total', ...derived, ...pod('shop', 'p2', 'n2') }, perMinute: (i) => 120 * i },
  { labels: { __name__: 'container_memory_working_set_bytes', ...cadvisor, ...pod('shop', 'p1', 'n1') }, perMinute: () => 100 },
  { labels: { __name__: 'container_memory_working_set_bytes', ...derived, ...pod('shop', 'p1', 'n1') }, perMinute: () => 100 },
  { labels: { __name__: 'container_memory_working_set_bytes', ...derived, ...pod('shop', 'p2', 'n2') }, perMinute: () => 200 },
  // Node n1 has node-exporter (25% busy, 40% memory used) and, for a moment, derived usage too;
  // n2 has only metrics-server's (2 of 4 cores, 300 of 1000 B).
  { labels: { __name__: 'node_cpu_seconds_total', job: 'node-exporter', instance: 'n1', cpu: '0', mode: 'idle' }, perMinute: (i) => 45 * i },
  { labels: { __name__: 'node_memory_MemAvailable_bytes', job: 'node-exporter', instance: 'n1' }, perMinute: () => 600 },
  { labels: { __name__: 'node_memory_MemTotal_bytes', job: 'node-exporter', instance: 'n1' }, perMinute: () => 1000 },
  { labels: { __name__: 'node_cpu_usage_seconds_total', ...derived, node: 'n1' }, perMinute: (i) => 180 * i },
  { labels: { __name__: 'node_cpu_usage_seconds_total', ...derived, node: 'n2' }, perMinute: (i) => 120 * i },
  { labels: { __name__: 'node_memory_working_set_bytes', ...derived, node: 'n2' }, perMinute: () => 300 },
  { labels: { __name__: 'kube_node_status_capacity', job: 'kube-state-metrics', node: 'n2', resource: 'cpu', unit: 'core' }, perMinute: () => 4 },
  { labels: { __name__: 'kube_node_status_capacity', job: 'kube-state-metrics', node: 'n2', resource: 'memory', unit: 'byte' }, perMinute: () => 1000 },
];

async function storage(): Promise<MemoryStorage> {
  const mem = new MemoryStorage();
  const app = mem.appender();
  for (const s of SERIES) for (let i = 0; i <= 10; i++) app.append(labelsFrom(s.labels), i * MIN, s.perMinute(i));
  await app.commit();
  return mem;
}

/** The dashboards' expressions that read the derived series and nothing else (no kube-state-metrics). */
function usageQueries(): { file: string; expr: string }[] {
  const out: { file: string; expr: string }[] = [];
  for (const file of ['cluster.json', 'workloads.json']) {
    const d = JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
    for (const p of d.panels) for (const t of p.targets ?? []) if (t.expr.includes('kubeglass/metrics-server') && !t.expr.includes('kube_')) out.push({ file, expr: t.expr });
  }
  return out;
}

describe('dashboards: cAdvisor where scraped, metrics-server where derived', () => {
  const queries = usageQueries();

  it('has fallbacks in the Cluster overview and Workloads', () => {
    expect(queries.filter((q) => q.file === 'cluster.json')).toHaveLength(2);
    expect(queries.filter((q) => q.file === 'workloads.json').length).toBeGreaterThanOrEqual(8);
  });

  it.each(queries.map((q) => [q.file, q.expr]))('%s: %s', async (_file, expr) => {
    const engine = new PromEngine({ lookbackDeltaMs: 5 * MIN });
    const query = expr.replaceAll('$__rate_interval', '2m').replaceAll('$namespace', '.*').replaceAll('$pod', '.*');
    const r = await engine.instantQuery(await storage(), query, 10 * MIN);
    expect(r.result.type).toBe('vector');
    const got = (r.result.value as { metric: Parameters<typeof labelsToRecord>[0]; f: number }[]).map((s) => ({ labels: labelsToRecord(s.metric), f: s.f }));
    const cpu = expr.includes('container_cpu_usage_seconds_total');
    const [one, two] = cpu ? [1, 2] : [100, 200];
    const by = /^sum by \(([^)]*)\)/.exec(expr)?.[1];
    const sorted = got.sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
    if (!by) expect(sorted.map((s) => s.f)).toEqual([one + two]);
    else if (by === 'namespace') expect(sorted).toEqual([{ labels: { namespace: 'shop' }, f: one + two }]);
    else
      expect(sorted).toEqual([
        { labels: { namespace: 'shop', pod: 'p1' }, f: one },
        { labels: { namespace: 'shop', pod: 'p2' }, f: two },
      ]);
  });
});

describe('the Node dashboard: node-exporter where there is one, else the kubelet or metrics-server', () => {
  const d = JSON.parse(readFileSync(path.join(DIR, 'node.json'), 'utf8')) as { panels: { id: string; targets: { expr: string }[] }[] };
  const expr = (id: string) => d.panels.find((p) => p.id === id)!.targets[0]!.expr;

  it.each<[string, string, string, number]>([
    ['cpu-busy', 'n1', 'n1', 25],
    ['cpu-busy', 'n2', '', 50],
    ['memory-used', 'n1', 'n1', 40],
    ['memory-used', 'n2', '', 30],
    ['cpu-cores', 'n2', '', 4],
  ])('%s of %s', async (id, node, instance, want) => {
    const engine = new PromEngine({ lookbackDeltaMs: 5 * MIN });
    const query = expr(id).replaceAll('$__rate_interval', '2m').replaceAll('$node', node).replaceAll('$instance', instance);
    const r = await engine.instantQuery(await storage(), query, 10 * MIN);
    const v = r.result.value as { f: number }[];
    expect(v.map((x) => x.f)).toEqual([want]);
  });
});
