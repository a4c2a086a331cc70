// npm run bench:tsdb — the TSDB on ../shared/bench/gen-cluster.mjs --nodes 20 --hours 2, beside
// the real Prometheus in the same run: bytes per sample on disk, import CPU seconds per million
// samples, and the median latency of selecting all series of one metric over the 2 h, plus raw
// in-order append throughput on one core.
import { execFileSync, spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { copyFileSync, createReadStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { labelsFrom } from '../core/model/labels.js';
import { Matcher } from '../core/model/matchers.js';
import { importOpenMetrics } from '../core/tsdb/openmetrics-io.js';
import { Tsdb } from '../core/tsdb/sqlite/tsdb.js';
import { clusterDataset } from './dataset.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/bench/tsdb' },
    nodes: { type: 'string', default: '20' },
    hours: { type: 'string', default: '2' },
    metric: { type: 'string', default: 'node_cpu_seconds_total' },
    'skip-prometheus': { type: 'boolean', default: false },
    port: { type: 'string', default: '19095' },
  },
});
const out = values.out!;
const file = clusterDataset(out, values.nodes!, values.hours!);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dirSize = (d: string): number =>
  readdirSync(d, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? dirSize(path.join(d, e.name)) : statSync(path.join(d, e.name)).size), 0);

// --- Kubeglass: import
const dbFile = path.join(out, 'kubeglass.db');
for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
let db = Tsdb.open(dbFile);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = await importOpenMetrics(db, createReadStream(file, { highWaterMark: 1 << 20 }));
const importSecs = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
db.close();
const bytes = statSync(dbFile).size;
db = Tsdb.open(dbFile);
const end = 1704067200000 + Number(values.hours) * 3600_000;
const lat: number[] = [];
let selected = 0;
for (let i = 0; i < 11; i++) {
  const s0 = performance.now();
  const series = db.querier(end - Number(values.hours) * 3600_000, end).select([new Matcher('=', '__name__', values.metric!)]);
  selected = 0;
  for (const s of series) selected += s.samples().t.length;
  lat.push(performance.now() - s0);
}
db.close();

// --- Kubeglass: the same data once its windows are closed. The dataset lies within one 2 h window,
// which stays in the head (head_chunks) until the series move on; one more sample per series in
// the next window writes each window as a row, as a running scrape does every 2 h. The head's
// pages freed then are reused by later rows, so they are given back before measuring.
const closedFile = path.join(out, 'closed.db');
for (const suffix of ['', '-wal', '-shm']) rmSync(closedFile + suffix, { force: true });
copyFileSync(dbFile, closedFile);
const cdb = Tsdb.open(closedFile);
const capp = cdb.appender();
for (const s of cdb.querier(-Infinity, Infinity).select([new Matcher('=~', '__name__', '.+')])) capp.append(s.labels, end + 15_000, 0);
await capp.commit();
cdb.close();
const raw = new Database(closedFile);
raw.pragma('incremental_vacuum');
raw.close();
const closedBytes = statSync(closedFile).size;

// --- Kubeglass: raw in-order append throughput (1000 series × 2000 timestamps, one commit per timestamp)
const appendFile = path.join(out, 'append.db');
for (const suffix of ['', '-wal', '-shm']) rmSync(appendFile + suffix, { force: true });
const adb = Tsdb.open(appendFile);
const labels = Array.from({ length: 1000 }, (_, i) => labelsFrom({ __name__: 'bench_append', instance: `host-${i}`, job: 'bench' }));
const a0 = performance.now();
const ac0 = process.cpuUsage();
for (let ts = 0; ts < 2000; ts++) {
  const app = adb.appender();
  for (let i = 0; i < labels.length; i++) app.append(labels[i]!, 1_700_000_000_000 + ts * 15_000, i + ts * 0.5);
  await app.commit();
}
const appendSecs = (performance.now() - a0) / 1000;
const appendCpu = process.cpuUsage(ac0);
adb.close();

console.log(`== Kubeglass TSDB on ${path.basename(file)}: ${r.samples} samples, ${r.series} series`);
console.log(`bytes per sample ${(bytes / r.samples).toFixed(2)} (${(bytes / 1048576).toFixed(1)} MiB SQLite file; ${(closedBytes / (r.samples + r.series)).toFixed(2)} once its window is closed into rows)`);
console.log(`import           ${importSecs.toFixed(1)} s wall, ${(((cpu.user + cpu.system) / 1e6 / r.samples) * 1e6).toFixed(2)} CPU s per million samples`);
console.log(`select ${values.metric} over ${values.hours} h: median ${median(lat).toFixed(1)} ms (${selected} samples)`);
console.log(
  `append           ${((2000 * 1000) / appendSecs / 1e6).toFixed(2)} M samples/s in order, durable commits of 1000 samples (${(((appendCpu.user + appendCpu.system) / 1e6 / 2e6) * 1e6).toFixed(2)} CPU s per million)`,
);

if (!values['skip-prometheus']) {
  // --- Prometheus: promtool backfill (CPU from bash's `times`), block size, and the same select as
  // a range-vector instant query, served by a real prometheus on the backfilled blocks.
  const pdir = path.join(out, 'prometheus');
  rmSync(pdir, { recursive: true, force: true });
  mkdirSync(pdir, { recursive: true });
  const timesOut = execFileSync('bash', ['-c', `promtool tsdb create-blocks-from openmetrics "$0" "$1" >/dev/null; times`, file, path.join(pdir, 'data')]).toString().trim().split('\n');
  const [u, s] = timesOut[1]!.split(/\s+/).map((x) => {
    const m = /(\d+)m([\d.]+)s/.exec(x)!;
    return Number(m[1]) * 60 + Number(m[2]);
  });
  const pbytes = dirSize(path.join(pdir, 'data'));
  const prom = spawn('prometheus', [`--storage.tsdb.path=${path.join(pdir, 'data')}`, `--web.listen-address=127.0.0.1:${values.port}`, `--config.file=/dev/null`, '--log.level=error', '--storage.tsdb.retention.time=100y'], {
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${values.port}`;
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${base}/-/ready`)).ok) break;
    } catch {
      // starting
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  const q = `${base}/api/v1/query?query=${encodeURIComponent(`${values.metric}[${values.hours}h]`)}&time=${end / 1000}`;
  const plat: number[] = [];
  let psamples = 0;
  for (let i = 0; i < 11; i++) {
    const s0 = performance.now();
    const body = (await (await fetch(q)).json()) as { data: { result: { values: unknown[] }[] } };
    plat.push(performance.now() - s0);
    psamples = body.data.result.reduce((n, x) => n + x.values.length, 0);
  }
  prom.kill();
  console.log(`== Prometheus ${execFileSync('prometheus', ['--version']).toString().split('\n')[0]!.split(' ')[2]} on the same file`);
  console.log(`bytes per sample ${(pbytes / r.samples).toFixed(2)} (${(pbytes / 1048576).toFixed(1)} MiB of blocks)`);
  console.log(`import           promtool backfill ${(((u! + s!) / r.samples) * 1e6).toFixed(2)} CPU s per million samples`);
  console.log(`select ${values.metric} over ${values.hours} h: median ${median(plat).toFixed(1)} ms over HTTP incl. JSON (${psamples} samples)`);
}
