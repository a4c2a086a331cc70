// npm run bench:scrape — the scrape path's cost, beside the real Prometheus's in the same run.
//  1. Parse throughput (MB/s, samples/s) on a large real-shaped exposition (gen-cluster --exposition).
//  2. K static targets (default 50) every second for D seconds (default 60), served by the shared
//     kit's serve-exposition.mjs: our CPU seconds per million samples and RSS over time; then the
//     shared kit's scrape-baseline.sh measures Prometheus on the same targets and exposition.
// Both figures cover fetch, gunzip, parse, relabel and storage: Kubeglass appends into its SQLite
// TSDB (one durable commit per scrape, as in the app), Prometheus into its TSDB head and WAL.
// --counting swaps in an appender that only counts, to see the scrape path alone.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createParser } from '../core/exposition/negotiate.js';
import { parseScrapeConfig } from '../core/scrape/config.js';
import { ScrapeManager } from '../core/scrape/manager.js';
import { StaticSource } from '../core/scrape/source.js';
import type { Appendable } from '../core/tsdb/interface.js';
import { Tsdb } from '../core/tsdb/sqlite/tsdb.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '50' },
    duration: { type: 'string', default: '60' },
    out: { type: 'string', default: '/tmp/bench/scrape' },
    'skip-prometheus': { type: 'boolean', default: false },
    'target-port': { type: 'string', default: '19400' },
    counting: { type: 'boolean', default: false },
  },
});
const K = Number(values.targets);
const D = Number(values.duration);
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

// 2. Scrape run.
const port0 = Number(values['target-port']);
const server = spawn('node', [path.join(shared, 'serve-exposition.mjs'), '--file', expoFile, '--port', String(port0), '--count', String(K)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  server.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
  server.on('exit', (code) => reject(new Error(`serve-exposition exited ${code}`)));
});

let appended = 0;
const counting: Appendable = {
  appender: () => {
    let n = 0;
    return {
      append: () => {
        n++;
        return null;
      },
      updateMetadata: () => {},
      commit: async () => {
        appended += n;
        n = 0;
      },
      rollback: () => {
        n = 0;
      },
    };
  },
};
const config = parseScrapeConfig(`
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
- job_name: bench
  static_configs: [{targets: [${Array.from({ length: K }, (_, i) => `'127.0.0.1:${port0 + i}'`).join(', ')}]}]
`);
const dbFile = path.join(out, 'scrape-bench.db');
for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
const tsdb = values.counting ? null : Tsdb.open(dbFile);
// Counted through a wrapper either way, so the ingest rate is measured the same.
const appendable: Appendable = tsdb
  ? {
      appender: () => {
        const inner = tsdb.appender();
        let n = 0;
        return {
          append: (l, t, v) => (n++, inner.append(l, t, v)),
          updateMetadata: (name, m) => inner.updateMetadata(name, m),
          commit: async () => {
            await inner.commit();
            appended += n;
          },
          rollback: () => inner.rollback(),
        };
      },
    }
  : counting;
const manager = new ScrapeManager({ appendable });
for (const sc of config.scrapeConfigs) manager.addPool(sc, new StaticSource(sc.staticConfigs));
await new Promise((r) => setTimeout(r, 3000)); // every loop has started and scraped once
const up = () => manager.targets().active.filter((t) => t.health === 'up').length;
const cpu0 = process.cpuUsage();
const a0 = appended;
const t0 = Date.now();
const rss: number[] = [];
const heap: number[] = [];
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  rss.push(m.rss);
  heap.push(m.heapUsed + m.arrayBuffers);
}, 1000);
await new Promise((r) => setTimeout(r, D * 1000));
clearInterval(sampler);
const cpu = process.cpuUsage(cpu0);
const samples = appended - a0;
const secs = (Date.now() - t0) / 1000;
const cpuS = (cpu.user + cpu.system) / 1e6;
const upCount = up();
await manager.stop();
server.kill();
const mib = (b: number) => (b / 1048576).toFixed(0);
const third = Math.max(1, Math.floor(rss.length / 3));
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
tsdb?.close();
console.log(`== Kubeglass scrape run: ${K} targets every 1s, ${upCount}/${K} up, ${secs.toFixed(1)} s, storage: ${tsdb ? 'SQLite TSDB' : 'counting only'}`);
console.log(`ingest rate      ${(samples / secs).toFixed(0)} samples/s`);
console.log(`kubeglass CPU    ${cpuS.toFixed(2)} s = ${((100 * cpuS) / secs).toFixed(1)}% of one core; ${((cpuS / samples) * 1e6).toFixed(3)} CPU s per million samples`);
console.log(`kubeglass RSS    first third avg ${mib(avg(rss.slice(0, third)))} MiB, last third avg ${mib(avg(rss.slice(-third)))} MiB, peak ${mib(Math.max(...rss))} MiB`);
console.log(`kubeglass heap   (JS heap + array buffers) first third avg ${mib(avg(heap.slice(0, third)))} MiB, last third avg ${mib(avg(heap.slice(-third)))} MiB`);

if (!values['skip-prometheus']) {
  console.log('== Prometheus, same targets and exposition (../shared/bench/scrape-baseline.sh):');
  execFileSync('bash', [path.join(shared, 'scrape-baseline.sh'), '--targets', String(K), '--duration', String(D), '--exposition', expoFile, '--out', path.join(out, 'prometheus')], {
    stdio: 'inherit',
  });
}
