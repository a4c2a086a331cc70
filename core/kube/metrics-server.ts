// CPU and memory usage from metrics.k8s.io (metrics-server) for nodes whose own sources cannot be
// scraped — the kubelet's /metrics/cadvisor and /metrics/resource (nodes/proxy forbidden, the
// kubelet down) and node-exporter (not installed) — so a bare cluster's dashboards still show
// usage. The series have the kubelet's resource-metric names and labels, under their own job
// (kubeglass/metrics-server), so a query can tell them from scraped ones and prefer those.
//
// Semantics. metrics-server reports, per node and container, the CPU rate averaged over a window
// (`window`, 10-30 s) ending at `timestamp`, and the memory working set at `timestamp`. The CPU
// counters here are that rate integrated over time: each new reading adds usage × the time since
// the previous reading, stamped with the reading's timestamp. When readings come one window
// apart (metrics-server's resolution is its window), the sum is exactly the CPU the kubelet
// counted between the first and the last reading, so rate() over the derived counter gives the
// reported usage; readings we missed (a scrape interval longer than the resolution) are filled
// with the next reading's rate. The first reading starts the counter at usage × window (the CPU
// of the window it covers). A counter starts again (a reset, which rate() handles) when its node
// stops being derived and later starts again. Working set is a gauge, as reported.
//
// When. Per node, with the same care as kube-state-metrics' derivation: a node's container usage
// is derived once its cAdvisor target has been missing or down on two checks in a row; its node
// usage once neither node-exporter nor the kubelet's /metrics/resource has been up on two checks
// in a row. As soon as the scraped source is up again on a check, the node stops being derived
// (its derived series get staleness markers), so the two are never summed for long — and the
// dashboards' queries prefer the scraped series per node where both exist.
import type { TargetStatus } from '../scrape/manager.js';
import { parseRawScrapeConfig, type GlobalScrapeDefaults, type ScrapeConfig } from '../scrape/config.js';
import { ScrapeError, type Fetcher } from '../scrape/fetch.js';
import { parseQuantity } from './objects.js';

export const METRICS_SERVER_JOB = 'kubeglass/metrics-server';
/** The target's address: not a host anyone dials; the route and fetcher recognise it. */
export const METRICS_SERVER_ADDRESS = 'metrics-server.kubeglass-derived';

export function metricsServerConfig(global: GlobalScrapeDefaults): ScrapeConfig {
  return parseRawScrapeConfig(
    {
      job_name: METRICS_SERVER_JOB,
      honor_labels: true,
      // Series carry metrics-server's timestamps; when a node stops being derived they must still go stale.
      track_timestamps_staleness: true,
      static_configs: [{ targets: [METRICS_SERVER_ADDRESS] }],
      relabel_configs: [{ target_label: 'instance', replacement: 'kubeglass (derived from metrics.k8s.io)' }],
    },
    global,
    'usage derived from metrics-server',
  );
}

// ---------- which nodes to derive ----------

export type SourceState = { state: 'up' } | { state: 'pending' } | { state: 'missing' | 'down'; why: string };

/** What the targets say about one source of a node (several targets: any up is enough). */
function sourceState(targets: TargetStatus[], what: string): SourceState {
  if (targets.length === 0) return { state: 'missing', why: `no ${what} target` };
  if (targets.some((t) => t.health === 'up' && !t.unreachable)) return { state: 'up' };
  if (targets.some((t) => t.health === 'unknown' && !t.unreachable)) return { state: 'pending' };
  const t = targets[0]!;
  return { state: 'down', why: `${what} is down: ${t.unreachable ?? t.lastError}` };
}

export interface NodeSources {
  cadvisor: SourceState;
  resource: SourceState;
  nodeExporter: SourceState;
}

export function nodeSources(node: string, targets: TargetStatus[]): NodeSources {
  const kubelet = (path: string) => targets.filter((t) => t.labels['job'] === 'kubelet' && t.labels['metrics_path'] === path && t.labels['node'] === node);
  return {
    cadvisor: sourceState(kubelet('/metrics/cadvisor'), 'kubelet /metrics/cadvisor'),
    resource: sourceState(kubelet('/metrics/resource'), 'kubelet /metrics/resource'),
    nodeExporter: sourceState(
      targets.filter((t) => t.labels['job'] === 'node-exporter' && (t.labels['instance'] === node || t.labels['node'] === node)),
      'node-exporter',
    ),
  };
}

/** Per node, why its usage is derived (absent: it is not). */
export interface NodePlan {
  containers?: string;
  node?: string;
}

/** Consecutive checks a source must be missing or down before its node is derived. */
export const SETTLE_CHECKS = 2;

/** Decides, check after check, which nodes' usage to derive (see the header for the rules). */
export class UsageDerivation {
  private readonly misses = new Map<string, { containers: number; node: number }>();
  private current = new Map<string, NodePlan>();

  update(nodes: readonly string[], targets: TargetStatus[]): Map<string, NodePlan> {
    const next = new Map<string, NodePlan>();
    for (const name of nodes) {
      const s = nodeSources(name, targets);
      const m = this.misses.get(name) ?? { containers: 0, node: 0 };
      const was = this.current.get(name) ?? {};
      const plan: NodePlan = {};
      // containers: cAdvisor alone feeds the dashboards' container series.
      const c = s.cadvisor;
      if (c.state === 'up') m.containers = 0;
      else if (c.state === 'pending') {
        if (was.containers) plan.containers = was.containers;
      } else if (++m.containers >= SETTLE_CHECKS || was.containers) plan.containers = c.why;
      // node: node-exporter or the kubelet's own node usage will do.
      const sources = [s.nodeExporter, s.resource];
      if (sources.some((x) => x.state === 'up')) m.node = 0;
      else if (sources.some((x) => x.state === 'pending')) {
        if (was.node) plan.node = was.node;
      } else if (++m.node >= SETTLE_CHECKS || was.node) plan.node = sources.map((x) => ('why' in x ? x.why : '')).join('; ');
      this.misses.set(name, m);
      if (plan.containers || plan.node) next.set(name, plan);
    }
    for (const name of this.misses.keys()) if (!nodes.includes(name)) this.misses.delete(name);
    this.current = next;
    return next;
  }

  get plan(): ReadonlyMap<string, NodePlan> {
    return this.current;
  }
}

// ---------- the series ----------

export interface NodeMetrics {
  metadata: { name: string };
  timestamp: string;
  window: string;
  usage: { cpu?: string; memory?: string };
}

export interface PodMetrics {
  metadata: { name: string; namespace?: string };
  timestamp: string;
  window: string;
  containers: { name: string; usage: { cpu?: string; memory?: string } }[];
}

/** A Go duration as metrics-server writes it ("15s", "1m0s", "20.5s"), in ms. */
export function parseWindow(w: string): number {
  let ms = 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(w))) ms += Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as 'h' | 'm' | 's' | 'ms'];
  return ms;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');
}

const HELP: Record<string, [string, string]> = {
  node_cpu_usage_seconds_total: ['counter', 'Cumulative cpu time consumed by the node in core-seconds, integrated by Kubeglass from metrics.k8s.io NodeMetrics (the kubelet cannot be scraped)'],
  node_memory_working_set_bytes: ['gauge', 'Current working set of the node in bytes, from metrics.k8s.io NodeMetrics (the kubelet cannot be scraped)'],
  container_cpu_usage_seconds_total: ['counter', 'Cumulative cpu time consumed by the container in core-seconds, integrated by Kubeglass from metrics.k8s.io PodMetrics (cAdvisor cannot be scraped)'],
  container_memory_working_set_bytes: ['gauge', 'Current working set of the container in bytes, from metrics.k8s.io PodMetrics (cAdvisor cannot be scraped)'],
};

interface Counter {
  value: number;
  at: number;
}

/** Turns metrics.k8s.io readings into the kubelet's resource series, keeping the CPU counters. */
export class UsageSeries {
  private counters = new Map<string, Counter>();

  /** The counter after a reading of `cores` over `windowMs` ending at `at` (see the header). */
  private integrate(key: string, cores: number, at: number, windowMs: number, next: Map<string, Counter>): Counter {
    const prev = this.counters.get(key);
    let c: Counter;
    if (!prev) c = { value: cores * (windowMs / 1000), at };
    else if (at <= prev.at) c = prev;
    else c = { value: prev.value + cores * ((at - prev.at) / 1000), at };
    next.set(key, c);
    return c;
  }

  /**
   * The exposition (text format, with the readings' timestamps) for the nodes and containers the
   * plan derives. `nodeOf` says which node a pod runs on (PodMetrics do not).
   */
  render(plan: ReadonlyMap<string, NodePlan>, nodes: readonly NodeMetrics[], pods: readonly PodMetrics[], nodeOf: (namespace: string, pod: string) => string | undefined): string {
    const next = new Map<string, Counter>();
    const out: Record<string, string[]> = { node_cpu_usage_seconds_total: [], node_memory_working_set_bytes: [], container_cpu_usage_seconds_total: [], container_memory_working_set_bytes: [] };
    for (const n of nodes) {
      const name = n.metadata.name;
      if (!plan.get(name)?.node) continue;
      const at = Date.parse(n.timestamp);
      if (!Number.isFinite(at)) continue;
      const labels = labelText({ node: name });
      if (n.usage.cpu !== undefined) out.node_cpu_usage_seconds_total!.push(`node_cpu_usage_seconds_total{${labels}} ${this.integrate(`n/${name}`, parseQuantity(n.usage.cpu), at, parseWindow(n.window), next).value} ${at}`);
      if (n.usage.memory !== undefined) out.node_memory_working_set_bytes!.push(`node_memory_working_set_bytes{${labels}} ${parseQuantity(n.usage.memory)} ${at}`);
    }
    for (const p of pods) {
      const ns = p.metadata.namespace ?? '';
      const node = nodeOf(ns, p.metadata.name);
      if (!node || !plan.get(node)?.containers) continue;
      const at = Date.parse(p.timestamp);
      if (!Number.isFinite(at)) continue;
      const windowMs = parseWindow(p.window);
      for (const c of p.containers) {
        const labels = labelText({ container: c.name, namespace: ns, node, pod: p.metadata.name });
        if (c.usage.cpu !== undefined) {
          const v = this.integrate(`c/${ns}/${p.metadata.name}/${c.name}`, parseQuantity(c.usage.cpu), at, windowMs, next).value;
          out.container_cpu_usage_seconds_total!.push(`container_cpu_usage_seconds_total{${labels}} ${v} ${at}`);
        }
        if (c.usage.memory !== undefined) out.container_memory_working_set_bytes!.push(`container_memory_working_set_bytes{${labels}} ${parseQuantity(c.usage.memory)} ${at}`);
      }
    }
    // Series no longer derived forget their counters: they start again if derived again.
    this.counters = next;
    let text = '';
    for (const [name, lines] of Object.entries(out)) {
      if (lines.length === 0) continue;
      const [type, help] = HELP[name]!;
      text += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${lines.join('\n')}\n`;
    }
    return text;
  }
}

// ---------- reading metrics.k8s.io ----------

const GROUP_VERSION = '/apis/metrics.k8s.io/v1beta1';

/** Lists NodeMetrics or PodMetrics through the kube fetcher; a missing or forbidden API says so. */
export async function listMetrics<T>(fetch: Fetcher, server: string, resource: 'nodes' | 'pods', timeoutMs: number, signal?: AbortSignal): Promise<T[]> {
  let body: Buffer;
  try {
    const res = await fetch({ url: `${server}${GROUP_VERSION}/${resource}`, accept: 'application/json', timeoutMs, bodySizeLimit: 0, authorization: null, signal });
    body = res.body;
  } catch (err) {
    const msg = (err as Error).message;
    if (/HTTP status 404/.test(msg)) throw new ScrapeError(`the cluster does not serve metrics.k8s.io (is metrics-server installed?): ${msg}`);
    if (/HTTP status 403/.test(msg)) throw new ScrapeError(`this user may not list metrics.k8s.io ${resource}: ${msg}`);
    if (/HTTP status 503/.test(msg)) throw new ScrapeError(`metrics-server does not answer (metrics.k8s.io is unavailable): ${msg}`);
    throw new ScrapeError(`listing metrics.k8s.io ${resource}: ${msg}`);
  }
  try {
    const list = JSON.parse(body.toString('utf8')) as { items?: T[] };
    return list.items ?? [];
  } catch (err) {
    throw new ScrapeError(`metrics.k8s.io ${resource}: not a list: ${(err as Error).message}`);
  }
}
