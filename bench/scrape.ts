// npm run bench:scrape — the scrape path's cost, beside the real Prometheus's in the same run.
//  1. Parse throughput (MB/s, samples/s) on a large real-shaped exposition (gen-cluster --exposition).
//  2. K static targets (default 50) every second, served by the shared kit's serve-exposition.mjs,
//     scraped by Kubeglass and by the real Prometheus at the same time, measured over R rounds of
//     D seconds (default 4 x 30 s) the way the shared kit's scrape-baseline.sh measures Prometheus
//     (CPU from /proc/PID/stat, samples from prometheus_tsdb_head_samples_appended_total). Measuring
//     both in the same windows matters: on a shared or virtual machine the CPU cost of the same work
//     moves by a third between minutes, and a sequential comparison mostly measures that drift.
//     --shared-baseline also runs scrape-baseline.sh afterwards, on its own, for reference.
// Both figures cover fetch, gunzip, parse, relabel and storage: Kubeglass appends into its SQLite
// TSDB (one durable commit per scrape, as in the app), Prometheus into its TSDB head and WAL.
// --counting swaps in an appender that only counts, to see the scrape path alone.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createParser } from '../core/exposition/negotiate.js';
import { parseScrapeConfig } from '../core/scrape/config.js';
import { ScrapeManager } from '../core/scrape/manager.js';
import { StaticSource } from '../core/scrape/source.js';
import type { Appendable, Appender, MetricMetadata } from '../core/tsdb/interface.js';
import type { Labels } from '../core/model/labels.js';
import { Tsdb } from '../core/tsdb/sqlite/tsdb.js';
import { SCRAPE_LOG_FLUSH_MS } from '../core/host/dbs.js';
import { startPrometheus, type RunningPrometheus } from '../core/testing/prometheus.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '50' },
    duration: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '4' },
    'shared-baseline': { type: 'boolean', default: false },
    out: { type: 'string', default: '/tmp/bench/scrape' },
    'skip-prometheus': { type: 'boolean', default: false },
    'target-port': { type: 'string', default: '19400' },
    counting: { type: 'boolean', default: false },
  },
});
const K = Number(values.targets);
const D = Number(values.duration);
const R = Math.max(1, Number(values.rounds));
const out = values.out!;
const shared = path.resolve(process.cwd(), '..', 'shared', 'bench');
mkdirSync(out, { recursive: true });

const expoFile = path.join(out, 'exposition.prom');
if (!existsSync(expoFile)) execFileSync('node', [path.join(shared, 'gen-cluster.mjs'), '--exposition', '--node', '1', '--seed', '42', '--out', expoFile], { stdio: 'ignore' });
const body = readFileSync(expoFile, 'utf8');

// 1. Parse throughput: whole-body parses, labels materialized as a cache miss would.
function parseOnce(withLabels: boolean): number {
  const p = createParser(body, 'text/plain; version=0.0.4');
  let n = 0;
  for (let k = p.next(); k !== 'eof'; k = p.next()) {
    if (k !== 'series') continue;
    n++;
    p.value();
    if (withLabels) p.labels();
    else p.seriesText();
  }
  return n;
}
for (let i = 0; i < 20; i++) parseOnce(true);
for (const withLabels of [false, true]) {
  const t0 = process.hrtime.bigint();
  let samples = 0;
  let rounds = 0;
  while (process.hrtime.bigint() - t0 < 3_000_000_000n) {
    samples += parseOnce(withLabels);
    rounds++;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    `parse (${withLabels ? 'labels parsed, cache miss' : 'series text only, cache hit'}): ${((Buffer.byteLength(body) * rounds) / s / 1e6).toFixed(1)} MB/s, ${(samples / s / 1e6).toFixed(2)} M samples/s (${(Buffer.byteLength(body) / 1024).toFixed(0)} KiB, ${samples / rounds} samples per body)`,
  );
}

// 2. Scrape run: both scrapers on the same targets, measured in the same windows.
const port0 = Number(values['target-port']);
const server = spawn('node', [path.join(shared, 'serve-exposition.mjs'), '--file', expoFile, '--port', String(port0), '--count', String(K)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  server.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
  server.on('exit', (code) => reject(new Error(`serve-exposition exited ${code}`)));
});

let appended = 0;
// Appenders are classes, as the TSDB's: a fresh object of closures per scrape would make every
// call site polymorphic on new closures and cost the JIT more than the wrapper itself.
class CountingAppender implements Appender {
  private n = 0;
  constructor(private readonly inner: Appender | null) {}
  append(l: Labels, t: number, v: number) {
    this.n++;
    return this.inner ? this.inner.append(l, t, v) : null;
  }
  updateMetadata(name: string, m: MetricMetadata) {
    this.inner?.updateMetadata(name, m);
  }
  async commit() {
    await this.inner?.commit();
    appended += this.n;
    this.n = 0;
  }
  rollback() {
    this.inner?.rollback();
    this.n = 0;
  }
}
const targetsYaml = `
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
- job_name: bench
  static_configs: [{targets: [${Array.from({ length: K }, (_, i) => `'127.0.0.1:${port0 + i}'`).join(', ')}]}]
`;
const config = parseScrapeConfig(targetsYaml);
const dbFile = path.join(out, 'scrape-bench.db');
for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
// Group commit as the app opens context databases (core/host/dbs.ts).
const tsdb = values.counting ? null : Tsdb.open(dbFile, { logFlushMs: SCRAPE_LOG_FLUSH_MS });
// Counted through a wrapper either way, so the ingest rate is measured the same.
const appendable: Appendable = { appender: () => new CountingAppender(tsdb ? tsdb.appender() : null) };

let prom: RunningPrometheus | null = null;
if (!values['skip-prometheus']) {
  const promDir = path.join(out, 'prometheus-concurrent');
  rmSync(promDir, { recursive: true, force: true });
  mkdirSync(promDir, { recursive: true });
  writeFileSync(path.join(promDir, 'prometheus.yml'), targetsYaml);
  prom = await startPrometheus({ configFile: path.join(promDir, 'prometheus.yml'), tsdbPath: path.join(promDir, 'tsdb') });
}
const manager = new ScrapeManager({ appendable });
for (const sc of config.scrapeConfigs) manager.addPool(sc, new StaticSource(sc.staticConfigs));

const up = () => manager.targets().active.filter((t) => t.health === 'up').length;
const promUp = async () => {
  const d = await prom!.api('/api/v1/query?query=count(up%3D%3D1)');
  const first = d.resultType === 'vector' ? d.result[0] : undefined;
  return first && 'value' in first ? Number(first.value[1]) : 0;
};
// Prometheus applies discovered targets in 5 s batches; wait until both scrape every target.
for (let i = 0; i < 120 && (up() < K || (prom && (await promUp()) < K)); i++) await new Promise((r) => setTimeout(r, 500));
await new Promise((r) => setTimeout(r, 5000)); // warm-up: JIT, caches, first chunks

const procTicks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
};
const HZ = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const promAppended = async () => {
  const text = await (await fetch(`http://127.0.0.1:${prom!.port}/metrics`)).text();
  let s = 0;
  for (const line of text.split('\n')) if (line.startsWith('prometheus_tsdb_head_samples_appended_total')) s += Number(line.slice(line.lastIndexOf(' ') + 1));
  return s;
};
const snap = async () => ({ t: Date.now(), cpu: process.cpuUsage(), ours: appended, promTicks: prom ? procTicks(prom.pid) : 0, promSamples: prom ? await promAppended() : 0 });

const rss: number[] = [];
const heap: number[] = [];
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  rss.push(m.rss);
  heap.push(m.heapUsed + m.arrayBuffers);
}, 1000);
const rounds: { secs: number; samples: number; cpuS: number; promSamples: number; promCpuS: number }[] = [];
console.log(`== ${K} targets every 1s, scraped by Kubeglass (${tsdb ? 'SQLite TSDB' : 'counting only'})${prom ? ' and Prometheus at the same time' : ''}; ${R} rounds of ${D} s`);
console.log(`round  kubeglass samples/s  CPU s/M samples${prom ? '   prometheus samples/s  CPU s/M samples   ratio' : ''}`);
for (let r = 0; r < R; r++) {
  const a = await snap();
  await new Promise((res) => setTimeout(res, D * 1000));
  const b = await snap();
  const secs = (b.t - a.t) / 1000;
  const cpu = process.cpuUsage(a.cpu);
  const round = { secs, samples: b.ours - a.ours, cpuS: (cpu.user + cpu.system) / 1e6, promSamples: b.promSamples - a.promSamples, promCpuS: (b.promTicks - a.promTicks) / HZ };
  rounds.push(round);
  const ours = (round.cpuS / round.samples) * 1e6;
  const theirs = (round.promCpuS / round.promSamples) * 1e6;
  console.log(
    `${String(r + 1).padStart(5)}  ${(round.samples / secs).toFixed(0).padStart(19)}  ${ours.toFixed(3).padStart(15)}` +
      (prom ? `   ${(round.promSamples / secs).toFixed(0).padStart(20)}  ${theirs.toFixed(3).padStart(15)}   ${(ours / theirs).toFixed(2).padStart(5)}` : ''),
  );
}
clearInterval(sampler);
const upCount = up();
await manager.stop();
const promHwm = prom ? Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${prom.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024 : 0;
prom?.stop();
server.kill();
tsdb?.close();
const sum = (f: (r: (typeof rounds)[number]) => number) => rounds.reduce((s, r) => s + f(r), 0);
const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mib = (b: number) => (b / 1048576).toFixed(0);
const third = Math.max(1, Math.floor(rss.length / 3));
const avg = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
const oursAll = (sum((r) => r.cpuS) / sum((r) => r.samples)) * 1e6;
console.log(`kubeglass CPU    ${oursAll.toFixed(3)} CPU s per million samples over all rounds (${upCount}/${K} up at the end)`);
if (prom) {
  const theirsAll = (sum((r) => r.promCpuS) / sum((r) => r.promSamples)) * 1e6;
  const ratios = rounds.map((r) => r.cpuS / r.samples / (r.promCpuS / r.promSamples));
  console.log(`prometheus CPU   ${theirsAll.toFixed(3)} CPU s per million samples over all rounds`);
  console.log(`ratio            ${(oursAll / theirsAll).toFixed(2)} over all rounds (median of rounds ${median(ratios).toFixed(2)}, range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}); below 1 means less CPU per sample than Prometheus`);
  console.log(`prometheus RSS   peak ${mib(promHwm)} MiB (VmHWM)`);
}
console.log(`kubeglass RSS    first third avg ${mib(avg(rss.slice(0, third)))} MiB, last third avg ${mib(avg(rss.slice(-third)))} MiB, peak ${mib(Math.max(...rss))} MiB`);
console.log(`kubeglass heap   (JS heap + array buffers) first third avg ${mib(avg(heap.slice(0, third)))} MiB, last third avg ${mib(avg(heap.slice(-third)))} MiB`);

if (values['shared-baseline']) {
  console.log('== Prometheus alone, same targets and exposition (../shared/bench/scrape-baseline.sh):');
  execFileSync('bash', [path.join(shared, 'scrape-baseline.sh'), '--targets', String(K), '--duration', String(D * R), '--exposition', expoFile, '--out', path.join(out, 'prometheus')], {
    stdio: 'inherit',
  });
}
