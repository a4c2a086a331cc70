// npm run bench:capture — captures of a day of a 20-node cluster: time to export one (copying a
// context's range into a single file), time to open it and answer a first query with no cluster,
// its size in bytes per sample beside Prometheus's blocks of the same data, and remote-write
// throughput of its samples into the real Prometheus (--web.enable-remote-write-receiver).
// The cluster is ../shared/bench/gen-cluster.mjs --nodes 20 --hours 24 (--step 60 by default:
// 7.4 M samples; --step 15 gives the full 29.6 M in a few more minutes).
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Matcher } from '../core/model/matchers.js';
import { PromEngine } from '../core/promql/engine.js';
import { RemoteWriteClient } from '../core/remote/client.js';
import { RemoteWriteQueue } from '../core/remote/queue.js';
import { sendStored } from '../core/remote/send.js';
import { startPrometheus } from '../core/testing/prometheus.js';
import { importOpenMetrics } from '../core/tsdb/openmetrics-io.js';
import { createCapture, openCapture, openContextDb } from '../core/tsdb/store.js';
import { SHARED_BENCH } from './dataset.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/bench/capture' },
    nodes: { type: 'string', default: '20' },
    hours: { type: 'string', default: '24' },
    step: { type: 'string', default: '60' },
    'rw-minutes': { type: 'string', default: '180' },
    'skip-prometheus': { type: 'boolean', default: false },
  },
});
const out = values.out!;
mkdirSync(out, { recursive: true });
const hours = Number(values.hours);
const dataset = path.join(out, `cluster-${values.nodes}n-${values.hours}h-${values.step}s.om`);
if (!existsSync(dataset)) {
  execFileSync('node', [path.join(SHARED_BENCH, 'gen-cluster.mjs'), '--nodes', values.nodes!, '--hours', values.hours!, '--step', values.step!, '--seed', '42', '--out', dataset], { stdio: 'inherit' });
}
const START = Date.parse('2024-01-01T00:00:00Z');
const END = START + hours * 3600_000;
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(2);
const cpuSecs = (c: NodeJS.CpuUsage) => ((c.user + c.system) / 1e6).toFixed(2);

// Setup: the cluster's day in a context database, as the app would have scraped it.
const dataDir = path.join(out, 'data');
rmSync(dataDir, { recursive: true, force: true });
let t0 = performance.now();
const source = openContextDb(dataDir, 'bench');
const imported = await importOpenMetrics(source, createReadStream(dataset, { highWaterMark: 1 << 20 }));
source.close();
console.log(`== ${path.basename(dataset)}: ${imported.samples} samples, ${imported.series} series (imported into a context database in ${secs(t0)} s)`);

// 1. Export.
t0 = performance.now();
let c0 = process.cpuUsage();
const capture = await createCapture(dataDir, { context: 'bench', name: 'bench day', from: START, to: END, matchers: [new Matcher('=~', '__name__', '.+')] });
console.log(`export           ${secs(t0)} s wall, ${cpuSecs(process.cpuUsage(c0))} CPU s for the whole day into one file`);
console.log(`size             ${(capture.bytes / 1048576).toFixed(1)} MiB, ${(capture.bytes / imported.samples).toFixed(2)} bytes per sample (${capture.series} series)`);

// 2. Open with no cluster: the file alone, then a first dashboard-like query at the day's end.
t0 = performance.now();
const db = openCapture(capture.file);
const opened = performance.now() - t0;
const engine = new PromEngine();
const q0 = performance.now();
const r = await engine.instantQuery(db, 'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))', END - 60_000);
const firstQuery = performance.now() - q0;
const q1 = performance.now();
await engine.rangeQuery(db, 'sum(rate(node_cpu_seconds_total{mode!="idle"}[5m]))', END - 24 * 3600_000, END, 300_000);
const dayQuery = performance.now() - q1;
console.log(
  `open             ${opened.toFixed(0)} ms to open; first query ${firstQuery.toFixed(0)} ms (${r.result.type === 'vector' ? r.result.value.length : 0} series); 24 h range query at 5 m steps ${dayQuery.toFixed(0)} ms`,
);

if (!values['skip-prometheus']) {
  // Prometheus's own blocks of the same data, for bytes per sample.
  const blocks = path.join(out, 'prometheus-blocks');
  rmSync(blocks, { recursive: true, force: true });
  t0 = performance.now();
  execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', dataset, blocks], { stdio: 'ignore' });
  const dirSize = (d: string): number => readdirSync(d, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? dirSize(path.join(d, e.name)) : statSync(path.join(d, e.name)).size), 0);
  const pbytes = dirSize(blocks);
  console.log(`== Prometheus (promtool tsdb create-blocks-from openmetrics, ${secs(t0)} s) on the same file`);
  console.log(`size             ${(pbytes / 1048576).toFixed(1)} MiB of blocks, ${(pbytes / imported.samples).toFixed(2)} bytes per sample`);

  // 3. Remote write of the capture's first minutes, ten minutes at a time (Prometheus refuses
  // samples far behind its head), into a fresh Prometheus.
  const rwDir = path.join(out, 'prometheus-rw');
  rmSync(rwDir, { recursive: true, force: true });
  mkdirSync(rwDir, { recursive: true });
  writeFileSync(path.join(rwDir, 'prometheus.yml'), 'global: {}\n');
  const prom = await startPrometheus({ configFile: path.join(rwDir, 'prometheus.yml'), tsdbPath: path.join(rwDir, 'tsdb'), args: ['--web.enable-remote-write-receiver'] });
  try {
    const minutes = Math.min(Number(values['rw-minutes']), hours * 60);
    const queue = new RemoteWriteQueue(new RemoteWriteClient({ url: `http://127.0.0.1:${prom.port}/api/v1/write` }), { capacity: 200_000, maxSamplesPerSend: 2000 });
    t0 = performance.now();
    c0 = process.cpuUsage();
    const sent = await sendStored(db, START, Math.min(START + minutes * 60_000, END) - 1, queue);
    const wall = (performance.now() - t0) / 1000;
    const st = queue.stats();
    queue.close();
    const stored = await prom.api(`/api/v1/query?query=${encodeURIComponent('count({__name__=~".+"})')}&time=${(START + minutes * 60_000 - 30_000) / 1000}`);
    const storedSeries = stored.resultType === 'vector' && stored.result[0] && 'value' in stored.result[0] ? stored.result[0].value[1] : '?';
    console.log(
      `remote write     ${sent} samples (${minutes} min of the capture) in ${wall.toFixed(1)} s = ${Math.round(sent / wall)} samples/s into Prometheus 2.42; ${cpuSecs(process.cpuUsage(c0))} CPU s here; ${st.samplesSent} sent, ${st.samplesFailed} failed, ${st.samplesDropped} dropped, ${(st.bytesSent / Math.max(1, sent)).toFixed(2)} bytes/sample on the wire; Prometheus holds ${storedSeries} series at the end`,
    );
  } finally {
    prom.stop();
  }
}
db.close();
