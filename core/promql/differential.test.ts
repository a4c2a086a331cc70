// Differential test against the real Prometheus: the same generated cluster data is backfilled
// into Prometheus (promtool tsdb create-blocks-from openmetrics) and imported into Kubeglass's
// TSDB, and every dashboard query of ../shared/bench/queries.txt must give the same answer as an
// instant and as a range query. Debian ships Prometheus 2.42, and 3.x changed two rules that this
// data exercises: windows became left-open ((t-range, t], 2.x included a sample exactly at t-range)
// and rate() now applies the gap threshold before the extrapolation to the counter's zero point
// (series that start inside a window, after a reboot or a pod rollout, get different rates).
// The engine runs here with those two rules switched back (EngineOptions.prometheus2), so every
// other part (selection, lookback, aggregation, joins, functions) is compared exactly; the 3.x
// rules themselves are pinned by Prometheus's own test files (npm run test:promql).
// CI installs Prometheus (.ci/run); elsewhere the test is skipped, and says so, when it is missing.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryData } from '../api/contract.js';
import { importOpenMetrics } from '../tsdb/openmetrics-io.js';
import { Tsdb } from '../tsdb/sqlite/tsdb.js';
import { PromEngine } from './engine.js';
import { toQueryData } from './wire.js';
import { PROMETHEUS, PROMTOOL, startPrometheus, type RunningPrometheus } from '../testing/prometheus.js';

const available = existsSync(PROMETHEUS) && existsSync(PROMTOOL);
if (!available && process.env.CI) throw new Error('CI must install prometheus (see .ci/run)');
if (!available) console.warn('differential.test: prometheus/promtool not installed; skipping the comparison with the real Prometheus');

const shared = new URL('../../../shared/bench', import.meta.url).pathname;
const queries = readFileSync(path.join(shared, 'queries.txt'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

const START = 1704067200; // gen-cluster's default start, seconds
const HOURS = 1;
const END = START + HOURS * 3600 - 60;
const STEP = 60;


/** Series keyed by their label set, each with [t, value] pairs (a vector counts as one point). */
function normalize(d: QueryData): Map<string, [number, string][]> {
  const out = new Map<string, [number, string][]>();
  const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
  // The generated data has no native histograms, so only float samples are compared.
  if (d.resultType === 'vector') for (const s of d.result) out.set(key(s.metric), 'value' in s ? [s.value] : []);
  else if (d.resultType === 'matrix') for (const s of d.result) out.set(key(s.metric), s.values ?? []);
  else out.set('scalar', [d.result]);
  return out;
}

function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) && Number.isNaN(y)) return true;
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
}

/** The first difference between two results, or null. */
function difference(ours: QueryData, theirs: QueryData): string | null {
  if (ours.resultType !== theirs.resultType) return `result type ${ours.resultType} vs Prometheus ${theirs.resultType}`;
  const a = normalize(ours);
  const b = normalize(theirs);
  for (const k of b.keys()) if (!a.has(k)) return `missing series ${k}`;
  for (const [k, pa] of a) {
    const pb = b.get(k);
    if (!pb) return `extra series ${k}`;
    if (pa.length !== pb.length) return `${k}: ${pa.length} points vs Prometheus ${pb.length}`;
    for (let i = 0; i < pa.length; i++) {
      if (pa[i]![0] !== pb[i]![0]) return `${k}: point ${i} at ${pa[i]![0]} vs Prometheus ${pb[i]![0]}`;
      if (!sameValue(pa[i]![1], pb[i]![1])) return `${k} @${pa[i]![0]}: ${pa[i]![1]} vs Prometheus ${pb[i]![1]}`;
    }
  }
  return null;
}

describe.skipIf(!available)('PromQL against the real Prometheus on the same data', () => {
  let dir: string;
  let prom: RunningPrometheus | null = null;
  let db: Tsdb;
  const engine = new PromEngine({ prometheus2: true });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kg-diff-'));
    const om = path.join(dir, 'cluster.om');
    execFileSync('node', [path.join(shared, 'gen-cluster.mjs'), '--nodes', '3', '--hours', String(HOURS), '--seed', '7', '--out', om], { stdio: 'ignore' });
    execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', om, path.join(dir, 'tsdb')], { stdio: 'ignore' });
    db = Tsdb.open(path.join(dir, 'kubeglass.db'));
    await importOpenMetrics(db, createReadStream(om));
    writeFileSync(path.join(dir, 'prometheus.yml'), 'global: {scrape_interval: 1m}\nscrape_configs: []\n');
    prom = await startPrometheus({ configFile: path.join(dir, 'prometheus.yml'), tsdbPath: path.join(dir, 'tsdb') });
  }, 120_000);

  afterAll(() => {
    prom?.stop();
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const prometheus = (pathAndQuery: string): Promise<QueryData> => prom!.api(pathAndQuery);

  const compare = async (q: string) => {
    const instantTheirs = await prometheus(`/api/v1/query?query=${encodeURIComponent(q)}&time=${END}`);
    const instantOurs = toQueryData((await engine.instantQuery(db, q, END * 1000)).result);
    expect(difference(instantOurs, instantTheirs), `instant: ${q}`).toBeNull();
    const rangeTheirs = await prometheus(`/api/v1/query_range?query=${encodeURIComponent(q)}&start=${START}&end=${END}&step=${STEP}`);
    const rangeOurs = toQueryData((await engine.rangeQuery(db, q, START * 1000, END * 1000, STEP * 1000)).result);
    expect(difference(rangeOurs, rangeTheirs), `range: ${q}`).toBeNull();
  };

  // Random compositions of selectors, range functions, aggregations, operators and matching
  // over the same data, from a fixed seed (a broader net than the dashboard queries).
  it('agrees on 200 random queries', async () => {
    for (const q of randomQueries(7, 200)) await compare(q);
  }, 120_000);

  it.each(queries)('%s', async (q) => {
    await compare(q);
  });
});

/** Seeded random PromQL over gen-cluster's metrics (floor/ceil of sums left out: 2.42 sums without Kahan compensation). */
function randomQueries(seed: number, n: number): string[] {
  let state = seed;
  const rnd = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const counters = ['node_cpu_seconds_total{mode="idle"}', 'node_network_receive_bytes_total', 'container_cpu_usage_seconds_total{container!=""}', 'node_disk_read_bytes_total', 'kube_pod_container_status_restarts_total'];
  const gauges = ['node_load5', 'node_memory_MemAvailable_bytes', 'node_filesystem_avail_bytes', 'kube_pod_container_resource_requests{resource="cpu"}', 'up', 'node_sockstat_TCP_tw', 'kube_node_status_condition{status="true"}'];
  const labels = ['instance', 'job', 'node', 'namespace', 'pod', 'mode', 'device', 'condition'];
  const ranges = ['1m', '2m', '5m', '10m', '30m'];
  const vec = (depth: number): string => {
    const r = rnd();
    if (depth > 2 || r < 0.25) return pick(gauges) + (rnd() < 0.15 ? ` offset ${pick(['1m', '5m', '-2m'])}` : '');
    if (r < 0.45) return `${pick(['rate', 'irate', 'increase', 'resets', 'changes'])}(${pick(counters)}[${pick(ranges)}])`;
    if (r < 0.55) return `${pick(['avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'stddev_over_time', 'last_over_time', 'deriv', 'delta', 'idelta'])}(${pick(gauges)}[${pick(ranges)}])`;
    if (r < 0.6) return `quantile_over_time(${pick(['0.1', '0.5', '0.99'])}, ${pick(gauges)}[${pick(ranges)}])`;
    if (r < 0.63) return `predict_linear(${pick(gauges)}[${pick(ranges)}], ${pick(['60', '3600'])})`;
    if (r < 0.75) return `${pick(['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'group'])}${rnd() < 0.7 ? ` ${pick(['by', 'without'])} (${pick(labels)})` : ''} (${vec(depth + 1)})`;
    if (r < 0.8) return `count(${pick(['topk', 'bottomk'])}(${pick(['1', '3'])}, ${vec(depth + 1)}))`;
    if (r < 0.85) return `quantile by (${pick(labels)}) (${pick(['0.5', '0.9'])}, ${vec(depth + 1)})`;
    if (r < 0.9) return `${vec(depth + 1)} ${pick(['+', '-', '*', '/', '>', '<', '>= bool', '== bool'])} ${pick(['0', '1', '2.5', '100'])}`;
    if (r < 0.95) return `${pick(['abs', 'sqrt', 'ln', 'exp', 'sgn', 'timestamp'])}(${vec(depth + 1)})`;
    const m = pick(labels);
    return `sum by (${m}) (${vec(depth + 1)}) ${pick(['+', '/', 'and', 'or', 'unless'])} on (${m}) sum by (${m}) (${vec(depth + 1)})`;
  };
  return Array.from({ length: n }, () => vec(0));
}
