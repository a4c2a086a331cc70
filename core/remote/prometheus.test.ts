// Remote write into the real Prometheus (Debian's 2.42, --web.enable-remote-write-receiver): what
// it stores must equal what we sent, exact values and timestamps, special floats and a staleness
// marker included. Skipped only when the binary is missing.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsFrom, type Labels } from '../model/labels.js';
import { STALE_NAN } from '../model/value.js';
import { RemoteWriteClient } from './client.js';
import { RemoteWriteQueue } from './queue.js';

const PROMETHEUS = '/usr/bin/prometheus';
const available = existsSync(PROMETHEUS);
if (!available) console.warn(`skipping remote write against the real Prometheus: ${PROMETHEUS} is not installed`);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Prometheus's float strings: Go's FormatFloat('f', -1), with +Inf, -Inf and NaN. */
function promFloat(s: string): number {
  return s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s);
}

interface Matrix {
  resultType: string;
  result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[];
}

describe.skipIf(!available)('remote write into the real Prometheus', () => {
  let dir = '';
  let prom: ChildProcess | null = null;
  let base = '';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kg-remote-write-'));
    writeFileSync(path.join(dir, 'prometheus.yml'), 'global: {scrape_interval: 1m}\nscrape_configs: []\n');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    prom = spawn(
      PROMETHEUS,
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--log.level=error'],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 300; i++) {
      if (await fetch(`${base}/-/ready`).then((r) => r.ok).catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('Prometheus did not become ready');
  }, 60_000);

  afterAll(() => {
    prom?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const api = async (p: string): Promise<Matrix> => {
    const r = await fetch(`${base}${p}`);
    const body = (await r.json()) as { status: string; data: Matrix; error?: string };
    if (body.status !== 'success') throw new Error(`${p}: ${body.error}`);
    return body.data;
  };

  it('stores exactly what was sent: a few thousand samples of 40 series, special floats and a stale marker', async () => {
    const SERIES = 40;
    const N = 100;
    const STEP = 15_000;
    const end = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const start = end - (N - 1) * STEP;
    const specials = [Infinity, -Infinity, NaN, -0, 5e-324, Number.MAX_VALUE, -1.7e-308, 0.1 + 0.2];
    const labels: Labels[] = [];
    for (let s = 0; s < SERIES; s++) {
      labels.push(labelsFrom({ __name__: `kg_rw_${s % 4}`, series: String(s), job: 'remote-write-test', zone: s % 2 ? 'ünïcode ✓' : 'a"b\\c' }));
    }
    const expected = new Map<string, [number, number][]>();
    let x = 12345;
    const q = new RemoteWriteQueue(new RemoteWriteClient({ url: `${base}/api/v1/write` }), { capacity: 10_000 });
    for (let i = 0; i < N; i++) {
      const t = start + i * STEP + (i % 7); // not all on round milliseconds
      for (let s = 0; s < SERIES; s++) {
        let v: number;
        if (s === 0 && i === N - 1) v = STALE_NAN;
        else if (s === 1) v = specials[i % specials.length]!;
        else {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          v = s % 3 === 0 ? x : (x / 2 ** 32) * 10 ** ((s % 9) - 4) * (s % 2 ? -1 : 1);
        }
        q.append(labels[s]!, t, v);
        if (!(s === 0 && i === N - 1)) {
          const k = JSON.stringify(Object.fromEntries(labels[s]!.map((l) => [l.name, l.value])));
          const list = expected.get(k) ?? [];
          list.push([t, v]);
          expected.set(k, list);
        }
      }
    }
    const t0 = performance.now();
    await q.flush();
    const st = q.stats();
    expect(st).toMatchObject({ samplesSent: SERIES * N, samplesFailed: 0, samplesDropped: 0, samplesPending: 0, lastError: null });

    // Raw samples with a range selector (a stale marker never shows in a range vector).
    const at = (end + 1) / 1000;
    const m = await api(`/api/v1/query?query=${encodeURIComponent('{job="remote-write-test"}[1h]')}&time=${at}`);
    expect(m.resultType).toBe('matrix');
    const got = new Map<string, [number, number][]>();
    for (const r of m.result) {
      const sorted = Object.fromEntries(Object.entries(r.metric).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      got.set(JSON.stringify(sorted), (r.values ?? []).map(([ts, v]) => [Math.round(ts * 1000), promFloat(v)]));
    }
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    let compared = 0;
    for (const [k, want] of expected) {
      const have = got.get(k)!;
      expect(have.map((p) => p[0])).toEqual(want.map((p) => p[0]));
      for (let i = 0; i < want.length; i++) {
        if (!Object.is(have[i]![1], want[i]![1])) throw new Error(`${k} @${want[i]![0]}: Prometheus ${have[i]![1]}, sent ${want[i]![1]}`);
        compared++;
      }
    }
    expect(compared).toBe(SERIES * N - 1);

    // The stale marker ended series 0: an instant query just after it finds nothing there, while
    // series 4 (same metric name, no marker) is still within the lookback.
    const inst = await api(`/api/v1/query?query=${encodeURIComponent('kg_rw_0{job="remote-write-test"}')}&time=${at}`);
    const live = inst.result.map((r) => r.metric['series']).sort();
    expect(live).not.toContain('0');
    expect(live).toContain('4');

    // /api/v1/series lists the same label sets.
    const series = (await api(`/api/v1/series?match[]=${encodeURIComponent('{job="remote-write-test"}')}&start=${start / 1000 - 1}&end=${at}`)) as unknown as Record<string, string>[];
    expect(series).toHaveLength(SERIES);
    console.log(
      `remote write → Prometheus 2.42: ${SERIES * N} samples of ${SERIES} series in ${st.batchesSent} batches (${st.bytesSent} bytes snappy), flush ${(performance.now() - t0).toFixed(0)} ms; ${compared} values compared exactly`,
    );
  }, 60_000);

  it('throughput (printed, not asserted)', async () => {
    const SERIES = 500;
    const N = 200;
    const end = Math.floor(Date.now() / 1000) * 1000 - 30_000;
    const labels = Array.from({ length: SERIES }, (_, s) => labelsFrom({ __name__: 'kg_rw_bench', instance: `node-${s % 50}`, series: String(s), job: 'bench' }));
    const q = new RemoteWriteQueue(new RemoteWriteClient({ url: `${base}/api/v1/write` }), { capacity: SERIES * N, maxSamplesPerSend: 2000 });
    const t0 = performance.now();
    for (let i = 0; i < N; i++) for (let s = 0; s < SERIES; s++) q.append(labels[s]!, end - (N - 1 - i) * 1000, i * s);
    await q.flush();
    const ms = performance.now() - t0;
    const st = q.stats();
    expect(st.samplesSent).toBe(SERIES * N);
    console.log(
      `remote write throughput: ${SERIES * N} samples in ${ms.toFixed(0)} ms = ${Math.round((SERIES * N) / (ms / 1000))} samples/s (1 shard, ${st.batchesSent} batches of ≤2000, ${(st.bytesSent / (SERIES * N)).toFixed(2)} bytes/sample on the wire)`,
    );
  }, 60_000);
});
