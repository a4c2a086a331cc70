// npm run bench:cluster — what Kubeglass costs scraping a whole cluster: a demo cluster of N nodes
// (default 200) runs in a separate process (so its exporters are not counted), Kubeglass
// discovers it and scrapes every target through the API server's proxy every 15 s for D seconds
// (default 300) into its SQLite TSDB, as the app does. Prints CPU seconds per million samples
// and peak RSS of the Kubeglass process.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ClusterScraping } from '../core/kube/cluster-scraping.js';
import type { Appendable, Appender, MetricMetadata } from '../core/tsdb/interface.js';
import type { Labels } from '../core/model/labels.js';
import { SCRAPE_LOG_FLUSH_MS } from '../core/host/dbs.js';
import { Tsdb } from '../core/tsdb/sqlite/tsdb.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '200' },
    duration: { type: 'string', default: '300' },
    interval: { type: 'string', default: '15' },
    counting: { type: 'boolean', default: false },
  },
});
const nodes = Number(values.nodes);
const duration = Number(values.duration);
const interval = Number(values.interval);
const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-bench-cluster-'));
const kubeconfig = path.join(dir, 'kubeconfig');

console.log(`bench:cluster — ${nodes}-node demo cluster, every ${interval} s for ${duration} s`);
const demo = spawn(process.execPath, [path.resolve('bin', 'kubeglass.mjs'), 'demo-cluster', '--nodes', String(nodes), '--seed', '1', '--kubeconfig-out', kubeconfig], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  let out = '';
  demo.stdout!.on('data', (c) => {
    out += c;
    if (out.includes('Press Ctrl+C')) resolve();
  });
  demo.on('exit', (code) => reject(new Error(`demo-cluster exited with ${code}`)));
});

// Group commit, as the app opens context databases (core/host/dbs.ts).
const tsdb = Tsdb.open(path.join(dir, 'bench.db'), { logFlushMs: SCRAPE_LOG_FLUSH_MS });
let samples = 0;
// A class, as the TSDB's appender: fresh closures per scrape would cost the JIT more than counting.
class CountingAppender implements Appender {
  constructor(private readonly inner: Appender | null) {}
  append(l: Labels, t: number, v: number) {
    samples++;
    return this.inner ? this.inner.append(l, t, v) : null;
  }
  updateMetadata(name: string, m: MetricMetadata) {
    this.inner?.updateMetadata(name, m);
  }
  async commit() {
    await this.inner?.commit();
  }
  rollback() {
    this.inner?.rollback();
  }
}
const counting: Appendable = { appender: () => new CountingAppender(values.counting ? null : tsdb.appender()) };
const scraping = new ClusterScraping({ kubeconfig: readFileSync(kubeconfig, 'utf8'), appendable: counting, scrapeIntervalMs: interval * 1000, scrapeTimeoutMs: Math.min(10_000, interval * 1000) });

// Warm-up: discovery and the first round of scrapes are not measured.
scraping.start();
await new Promise((r) => setTimeout(r, interval * 1000 + 5000));
const cpu0 = process.cpuUsage();
const samples0 = samples;
let peakRss = process.memoryUsage().rss;
let atPeak = process.memoryUsage();
const rssTimer = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > peakRss) {
    peakRss = m.rss;
    atPeak = m;
  }
}, 1000);
await new Promise((r) => setTimeout(r, duration * 1000));
clearInterval(rssTimer);
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
const n = samples - samples0;
const { active } = scraping.targets();
const seriesCount = tsdb.stats().series;
if (process.env.KG_HEAP_SNAPSHOT) (await import('node:v8')).writeHeapSnapshot(process.env.KG_HEAP_SNAPSHOT);
const up = active.filter((t) => t.health === 'up').length;
await scraping.stop();
tsdb.close();
demo.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });

console.log(`targets: ${active.length} (${up} up)`);
console.log(`samples scraped: ${n} (${(n / duration).toFixed(0)}/s)`);
console.log(`Kubeglass CPU: ${cpuS.toFixed(2)} s = ${((cpuS / n) * 1e6).toFixed(2)} CPU s per million samples`);
const mib = (n: number) => `${(n / 1048576).toFixed(0)} MiB`;
console.log(`Kubeglass peak RSS: ${mib(peakRss)} (JS heap ${mib(atPeak.heapUsed)} of ${mib(atPeak.heapTotal)}, external ${mib(atPeak.external)}, array buffers ${mib(atPeak.arrayBuffers)})`);
console.log(`series in the TSDB: ${seriesCount}`);
