// npm run bench:promql — the dashboard queries of ../shared/bench/queries.txt as 2-hour range
// queries (step 60 s) and instant queries over the 20-node dataset, timed by the shared kit's
// run-queries.mjs (client-side wall time over HTTP, median of 5) against Kubeglass's /api/v1 and,
// in the same run, against the real Prometheus (prom-baseline.sh). Prints both per query and the
// totals, then compare-results.mjs's verdict on the answers (Prometheus 2.42 vs our 3.x rules:
// rate() over series that start inside a window is expected to differ, see differential.test.ts).
import { execFile, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { portPair, RpcClient, RpcServer } from '../core/api/rpc.js';
import { fakeHandlers } from '../core/api/testing.js';
import { QueryService } from '../core/host/queries.js';
import { startBrowserServer } from '../core/server/http.js';
import { importOpenMetrics } from '../core/tsdb/openmetrics-io.js';
import { Tsdb } from '../core/tsdb/sqlite/tsdb.js';
import { clusterDataset, SHARED_BENCH } from './dataset.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/bench/promql' },
    nodes: { type: 'string', default: '20' },
    hours: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '5' },
    'skip-prometheus': { type: 'boolean', default: false },
    port: { type: 'string', default: '19096' },
  },
});
const out = values.out!;
const shared = SHARED_BENCH;
const file = clusterDataset(out, values.nodes!, values.hours!);
const START = 1704067200; // gen-cluster's default start
const END = START + Number(values.hours) * 3600; // as prom-baseline.sh derives it from the data

// Prometheus first: its figures and results are what ours are read against.
let promTable = '';
if (!values['skip-prometheus']) {
  const r = spawnSync('bash', [path.join(shared, 'prom-baseline.sh'), '--out', path.join(out, 'prometheus'), '--port', values.port!, '--repeat', values.repeat!, file], { encoding: 'utf8' });
  if (r.status !== 0) console.error(r.stdout, r.stderr);
  promTable = readFileSync(path.join(out, 'prometheus', 'queries.txt'), 'utf8');
} else if (existsSync(path.join(out, 'prometheus', 'queries.txt'))) {
  // For iterating on our side only; the figures then come from an earlier run and say so.
  promTable = readFileSync(path.join(out, 'prometheus', 'queries.txt'), 'utf8');
  console.log('(--skip-prometheus: Prometheus figures below are from an earlier run)');
}

// Kubeglass: the same file imported into a fresh TSDB, served by /api/v1 in this process.
const dbFile = path.join(out, 'kubeglass.db');
for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
const db = Tsdb.open(dbFile);
await importOpenMetrics(db, createReadStream(file, { highWaterMark: 1 << 20 }));
db.close();
const service = new QueryService({ dataDir: out, context: () => 'bench', open: () => Tsdb.open(dbFile) });
const [a, b] = portPair();
const rpc = new RpcServer(b, fakeHandlers(service.handlers));
const server = await startBrowserServer({ api: new RpcClient(a), staticDir: out });
// Asynchronously: the API answering it runs in this process.
const ours = await promisify(execFile)(
  'node',
  [path.join(shared, 'run-queries.mjs'), '--url', `http://127.0.0.1:${server.port}`, '--queries', path.join(shared, 'queries.txt'), '--start', String(START), '--end', String(END), '--step', '60', '--repeat', values.repeat!, '--out', path.join(out, 'kubeglass-results')],
  { encoding: 'utf8', maxBuffer: 1 << 26 },
);
await server.close();
rpc.close();
service.close();
if (ours.stderr) console.error(ours.stderr);

interface Row {
  id: string;
  range: number | null;
  instant: number | null;
  query: string;
}
const parse = (table: string): Map<string, Row> => {
  const rows = new Map<string, Row>();
  for (const line of table.split('\n')) {
    const m = /^(q\d+)\s+(\S+)\s+\S+\s+\d+\s+\d+ \|\s+(\S+)\s+\S+\s+\d+ \| (.*)$/.exec(line);
    if (m) rows.set(m[1]!, { id: m[1]!, range: m[2] === 'ERR' ? null : Number(m[2]), instant: m[3] === 'ERR' ? null : Number(m[3]), query: m[4]! });
  }
  return rows;
};
const k = parse(ours.stdout);
const p = parse(promTable);
const f = (x: number | null | undefined) => (x == null ? 'ERR' : x.toFixed(1)).padStart(9);
console.log(`== PromQL: ${values.nodes} nodes x ${values.hours} h, range [${START}, ${END}] step 60s and instant @${END}, median of ${values.repeat} (ms, client-side, HTTP)`);
console.log(`id   kg_range  prom_range  | kg_inst  prom_inst | query`);
let kr = 0;
let pr = 0;
let ki = 0;
let pi = 0;
for (const [id, row] of k) {
  const pp = p.get(id);
  kr += row.range ?? 0;
  ki += row.instant ?? 0;
  pr += pp?.range ?? 0;
  pi += pp?.instant ?? 0;
  console.log(`${id} ${f(row.range)} ${f(pp?.range)}   | ${f(row.instant)} ${f(pp?.instant)} | ${row.query.slice(0, 80)}`);
}
console.log(`TOTAL range: kubeglass ${kr.toFixed(1)} ms, prometheus ${pr ? pr.toFixed(1) : 'n/a'} ms${pr ? ` (ratio ${(kr / pr).toFixed(2)})` : ''}`);
console.log(`TOTAL instant: kubeglass ${ki.toFixed(1)} ms, prometheus ${pi ? pi.toFixed(1) : 'n/a'} ms${pi ? ` (ratio ${(ki / pi).toFixed(2)})` : ''}`);
// The issue's goal is stated on the whole set: range and instant together.
if (pr + pi > 0) console.log(`TOTAL whole set: kubeglass ${(kr + ki).toFixed(1)} ms, prometheus ${(pr + pi).toFixed(1)} ms (ratio ${((kr + ki) / (pr + pi)).toFixed(2)})`);
if (promTable !== '') {
  const cmp = spawnSync('node', [path.join(shared, 'compare-results.mjs'), path.join(out, 'prometheus', 'results'), path.join(out, 'kubeglass-results')], { encoding: 'utf8' });
  console.log('== answers (compare-results.mjs, Prometheus 2.42 vs Kubeglass):');
  console.log(cmp.stdout.trim().split('\n').slice(-6).join('\n'));
}
