// npm run bench:ui — how fast the dashboards draw, in a real browser against `kubeglass serve`:
//  1. time from navigation to every panel drawn (the page's own data-load-ms, and wall time from
//     the hash change) for the Cluster overview and the Node page over 6 hours of a 50-node cluster
//     (../shared/bench/gen-cluster.mjs, imported into the data directory);
//  2. frame times while dragging to zoom across a chart (requestAnimationFrame intervals).
// Goals (issue 7): under 1 s to all panels, under 16 ms per frame. Debian's Chromium, headless.
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { contextDbFile } from '../core/tsdb/store.js';
import { importOpenMetrics } from '../core/tsdb/openmetrics-io.js';
import { Tsdb } from '../core/tsdb/sqlite/tsdb.js';
import { clusterDataset } from './dataset.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/bench/ui' },
    nodes: { type: 'string', default: '50' },
    hours: { type: 'string', default: '6' },
    repeat: { type: 'string', default: '5' },
  },
});
const out = values.out!;
const hours = Number(values.hours);
const repeat = Number(values.repeat);
const START = Date.UTC(2024, 0, 1); // gen-cluster's default start
const END = START + hours * 3_600_000;
const CONTEXT = 'bench';

// The dataset, imported once per size into a data directory of its own.
const file = clusterDataset(out, values.nodes!, values.hours!);
const dataDir = path.join(out, `data-${values.nodes}n-${values.hours}h`);
const dbFile = contextDbFile(dataDir, CONTEXT);
if (!existsSync(path.join(dataDir, 'imported'))) {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(path.dirname(dbFile), { recursive: true });
  const t0 = performance.now();
  const db = Tsdb.open(dbFile);
  await importOpenMetrics(db, createReadStream(file, { highWaterMark: 1 << 20 }));
  db.close();
  writeFileSync(path.join(dataDir, 'imported'), '');
  console.log(`imported ${path.basename(file)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
// A context of that name whose API server is nowhere: the app shows its stored data, scrapes nothing.
const kubeconfig = path.join(out, 'kubeconfig');
writeFileSync(
  kubeconfig,
  `apiVersion: v1\nkind: Config\ncurrent-context: ${CONTEXT}\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: ${CONTEXT}, context: {cluster: c, user: u}}]\n`,
);

const serve = spawn(process.execPath, [path.resolve('bin', 'kubeglass.mjs'), 'serve', '--data-dir', dataDir, '--port', '0', '--no-scrape'], {
  env: { ...process.env, KUBECONFIG: kubeconfig },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const loginUrl = await new Promise<string>((resolve, reject) => {
  let buf = '';
  serve.stdout!.on('data', (c: Buffer) => {
    buf += c.toString();
    const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(buf);
    if (m) resolve(m[1]!);
  });
  serve.on('exit', (code) => reject(new Error(`kubeglass serve exited with ${code}`)));
});
const origin = new URL(loginUrl).origin;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
await page.goto(loginUrl);
const nodeName = (await (await page.request.get(`${origin}/api/v1/label/nodename/values`)).json()).data[0] as string;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

async function timePage(hash: string, uid: string): Promise<{ drawn: number[]; wall: number[]; panels: number; withData: number }> {
  const drawn: number[] = [];
  const wall: number[] = [];
  let panels = 0;
  let withData = 0;
  for (let i = 0; i <= repeat; i++) {
    // A blank route in between, so each run draws the page from nothing.
    await page.goto(`${origin}/#/data`);
    const t0 = Date.now();
    await page.goto(`${origin}/#${hash}`);
    const dash = page.locator(`[data-dashboard="${uid}"]`);
    await dash.locator('xpath=self::*[@data-loaded="true"]').waitFor({ timeout: 60_000 });
    const w = Date.now() - t0;
    const d = Number(await dash.getAttribute('data-load-ms'));
    if (i === 0) continue; // the first run warms the server's page cache and the JIT
    drawn.push(d);
    wall.push(w);
    panels = await page.locator('section.panel').count();
    withData = await page.locator('section.panel[data-state="ready"]').count();
  }
  return { drawn, wall, panels, withData };
}

const range = `from=${START}&to=${END}`;
const results: [string, Awaited<ReturnType<typeof timePage>>][] = [
  ['Cluster overview', await timePage(`/cluster?${range}`, 'cluster')],
  [`Node (${nodeName})`, await timePage(`/node?node=${encodeURIComponent(nodeName)}&${range}`, 'node')],
];

// Frame times while dragging across the Cluster overview's CPU chart.
await page.goto(`${origin}/#/cluster?${range}`);
await page.locator('[data-dashboard="cluster"][data-loaded="true"]').waitFor({ timeout: 60_000 });
const over = page.locator('[data-panel-id="cpu-usage"] .u-over');
const box = (await over.boundingBox())!;
// (Run in the page; a string, as this file is compiled without the DOM's types.)
await page.evaluate(`(() => {
  window.__frames = [];
  window.__stop = false;
  let last = performance.now();
  const tick = (t) => {
    window.__frames.push(t - last);
    last = t;
    if (!window.__stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`);
await page.mouse.move(box.x + box.width * 0.1, box.y + box.height / 2);
await page.mouse.down();
for (let i = 1; i <= 60; i++) await page.mouse.move(box.x + box.width * (0.1 + (0.8 * i) / 60), box.y + box.height * (0.3 + 0.4 * Math.sin(i / 6)));
const frames = (await page.evaluate('(() => { window.__stop = true; return window.__frames.slice(2); })()')) as number[];
await page.mouse.up();

await browser.close();
serve.kill('SIGTERM');

console.log(`bench:ui — ${values.nodes}-node cluster, ${hours} h of history (gen-cluster), headless Chromium ${browser.version()}, 1440×1000`);
for (const [name, r] of results) {
  console.log(
    `${name.padEnd(28)} all ${r.panels} panels drawn (${r.withData} with data): median ${median(r.drawn)} ms after the range was set (max ${Math.max(...r.drawn)}), ${median(r.wall)} ms from navigation; ${r.drawn.length} runs`,
  );
}
console.log(`drag to zoom                 ${frames.length} frames: median ${median(frames).toFixed(1)} ms, p95 ${pct(frames, 95).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms per frame`);
console.log('goals: under 1000 ms to all panels, under 16 ms per frame');
