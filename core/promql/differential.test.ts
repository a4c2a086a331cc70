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
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryData } from '../api/contract.js';
import { importOpenMetrics } from '../tsdb/openmetrics-io.js';
import { Tsdb } from '../tsdb/sqlite/tsdb.js';
import { PromEngine } from './engine.js';
import { toQueryData } from './wire.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
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

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Series keyed by their label set, each with [t, value] pairs (a vector counts as one point). */
function normalize(d: QueryData): Map<string, [number, string][]> {
  const out = new Map<string, [number, string][]>();
  const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
  if (d.resultType === 'vector') for (const s of d.result) out.set(key(s.metric), [s.value]);
  else if (d.resultType === 'matrix') for (const s of d.result) out.set(key(s.metric), s.values);
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
  let prom: ChildProcess | null = null;
  let port = 0;
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
    port = await freePort();
    prom = spawn(
      PROMETHEUS,
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, '--storage.tsdb.retention.time=100y', `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 200; i++) {
      const ready = await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok).catch(() => false);
      if (ready) break;
      await new Promise((r) => setTimeout(r, 150));
    }
  }, 120_000);

  afterAll(() => {
    prom?.kill();
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const prometheus = async (pathAndQuery: string): Promise<QueryData> => {
    const r = await fetch(`http://127.0.0.1:${port}${pathAndQuery}`);
    const body = (await r.json()) as { status: string; data: QueryData; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus: ${body.error}`);
    return body.data;
  };

  it.each(queries)('%s', async (q) => {
    const instantTheirs = await prometheus(`/api/v1/query?query=${encodeURIComponent(q)}&time=${END}`);
    const instantOurs = toQueryData((await engine.instantQuery(db, q, END * 1000)).result);
    expect(difference(instantOurs, instantTheirs), 'instant').toBeNull();
    const rangeTheirs = await prometheus(`/api/v1/query_range?query=${encodeURIComponent(q)}&start=${START}&end=${END}&step=${STEP}`);
    const rangeOurs = toQueryData((await engine.rangeQuery(db, q, START * 1000, END * 1000, STEP * 1000)).result);
    expect(difference(rangeOurs, rangeTheirs), 'range').toBeNull();
  });
});
