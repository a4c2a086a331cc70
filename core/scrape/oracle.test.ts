// The real Prometheus (Debian's 2.42) and node_exporter as oracles: both Prometheus and Kubeglass
// scrape the same targets with the same config, and must store the same series and values.
// CI installs both (.ci/run); elsewhere the test is skipped, and says so, when they are missing.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsToRecord } from '../model/labels.js';
import { isStaleNaN } from '../model/value.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { parseScrapeConfig } from './config.js';
import { ScrapeManager } from './manager.js';
import { StaticSource } from './source.js';

const PROMETHEUS = '/usr/bin/prometheus';
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const available = existsSync(PROMETHEUS) && existsSync(NODE_EXPORTER);
if (!available && process.env.CI) throw new Error('CI must install prometheus and prometheus-node-exporter (see .ci/run)');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function getJson(url: string): Promise<{ status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }> {
  const res = await fetch(url);
  return (await res.json()) as never;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// A fixed exposition exercising escapes and special values; Prometheus's stored values are the oracle.
const FIXED = `# HELP fixed_gauge A gauge with "quotes" and \\\\ backslashes \\n newline.
# TYPE fixed_gauge gauge
fixed_gauge{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb"} 3.25
fixed_gauge{path="/",quote="",nl=""} -0.000125
# TYPE fixed_special gauge
fixed_special{kind="nan"} NaN
fixed_special{kind="pinf"} +Inf
fixed_special{kind="ninf"} -Inf
fixed_special{kind="big"} 1.7976931348623157e+308
fixed_special{kind="tiny"} 5e-324
fixed_special{kind="exp"} 1.5E3
# TYPE fixed_counter_total counter
fixed_counter_total 12345678901234567
# TYPE fixed_hist histogram
fixed_hist_bucket{le="0.1"} 1
fixed_hist_bucket{le="1"} 3
fixed_hist_bucket{le="+Inf"} 4
fixed_hist_sum 2.5
fixed_hist_count 4
# TYPE fixed_summary summary
fixed_summary{quantile="0.5"} 0.2
fixed_summary{quantile="0.99"} 0.9
fixed_summary_sum 10
fixed_summary_count 20
untyped_thing{a="1"} 7
`;

describe.skipIf(!available)('against the real Prometheus and node_exporter', () => {
  const procs: ChildProcess[] = [];
  let dir: string;
  let promUrl: string;
  let configText: string;
  let fixedServer: http.Server;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kg-oracle-'));
    const [nodePort, promPort, fixedPort] = await Promise.all([freePort(), freePort(), freePort()]);
    fixedServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(FIXED);
    });
    await new Promise<void>((r) => fixedServer.listen(fixedPort, '127.0.0.1', r));
    procs.push(spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${nodePort}`], { stdio: 'ignore' }));
    configText = `
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
- job_name: node
  static_configs: [{targets: ['127.0.0.1:${nodePort}'], labels: {env: oracle}}]
  relabel_configs:
  - {source_labels: [__address__], regex: '([^:]+):.*', target_label: host, replacement: '$1'}
  metric_relabel_configs:
  - {source_labels: [__name__], regex: 'go_.*', action: drop}
- job_name: fixed
  static_configs: [{targets: ['127.0.0.1:${fixedPort}']}]
`;
    writeFileSync(path.join(dir, 'prometheus.yml'), configText);
    procs.push(
      spawn(PROMETHEUS, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=error'], {
        stdio: 'ignore',
      }),
    );
    promUrl = `http://127.0.0.1:${promPort}`;
    await waitFor('Prometheus to scrape both targets', async () => {
      const r = await getJson(`${promUrl}/api/v1/query?query=${encodeURIComponent('count(up == 1)')}`);
      return r.data.result[0]?.value[1] === '2';
    });
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) p.kill();
    await new Promise<void>((r) => fixedServer?.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function scrapeOurselves(): Promise<MemoryStorage> {
    const storage = new MemoryStorage();
    const manager = new ScrapeManager({ appendable: storage, autoStart: false });
    for (const sc of parseScrapeConfig(configText).scrapeConfigs) manager.addPool(sc, new StaticSource(sc.staticConfigs));
    await manager.scrapeAllOnce();
    await manager.stop();
    return storage;
  }

  // Prometheus 3.x writes classic histogram `le` and summary `quantile` values in OpenMetrics float
  // form ("1" becomes "1.0"); 2.42 keeps them as exposed. We follow 3.x, so 2.42's answers are
  // brought to 3.x form before comparing. Only integral values differ between the two forms.
  const to3x = (m: Record<string, string>) => {
    const out = { ...m };
    for (const l of ['le', 'quantile']) if (out[l] !== undefined && /^-?\d+$/.test(out[l]!)) out[l] = `${out[l]}.0`;
    return out;
  };
  const key = (m: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1))));

  it('stores the same series (names and labels, synthetic ones included) from node_exporter', async () => {
    const ours = await scrapeOurselves();
    const theirs = await getJson(`${promUrl}/api/v1/query?query=${encodeURIComponent('{job="node"}')}`);
    const theirKeys = new Set(theirs.data.result.map((r) => key(to3x(r.metric))));
    const ourKeys = new Set([...ours.series.values()].filter((s) => s.labels.some((l) => l.name === 'job' && l.value === 'node')).map((s) => key(labelsToRecord(s.labels))));
    expect(theirKeys.size).toBeGreaterThan(100);
    const missing = [...theirKeys].filter((k) => !ourKeys.has(k));
    const extra = [...ourKeys].filter((k) => !theirKeys.has(k));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    for (const name of ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']) {
      expect([...theirKeys].some((k) => k.includes(`"__name__":"${name}"`)), name).toBe(true);
    }
  }, 30_000);

  it('parses a fixed exposition to exactly the values Prometheus stores', async () => {
    const ours = await scrapeOurselves();
    const theirs = await getJson(`${promUrl}/api/v1/query?query=${encodeURIComponent('{job="fixed",__name__!~"up|scrape_.*"}')}`);
    const theirValues = new Map(theirs.data.result.map((r) => [key(to3x(r.metric)), r.value[1]]));
    const ourValues = new Map(
      [...ours.series.values()]
        .filter((s) => s.labels.some((l) => l.name === 'job' && l.value === 'fixed') && !/^(up|scrape_.*)$/.test(s.labels.find((l) => l.name === '__name__')!.value))
        .map((s) => [key(labelsToRecord(s.labels)), s.v.get(0)]),
    );
    expect(theirValues.size).toBe(19);
    expect([...ourValues.keys()].sort()).toEqual([...theirValues.keys()].sort());
    for (const [k, text] of theirValues) {
      const ourValue = ourValues.get(k)!;
      expect(isStaleNaN(ourValue)).toBe(false);
      const expected = text === 'NaN' ? NaN : text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
      expect(Object.is(ourValue, expected) || ourValue === expected, `${k}: ours ${ourValue}, Prometheus ${text}`).toBe(true);
    }
  }, 30_000);
});
