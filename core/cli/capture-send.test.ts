// kubeglass capture send: a capture's samples into the real Prometheus's remote-write receiver,
// and what Prometheus then stores is exactly what the capture holds.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { labelsFrom } from '../model/labels.js';
import { PROMETHEUS, startPrometheus, type RunningPrometheus } from '../testing/prometheus.js';
import { createCapture, openContextDb } from '../tsdb/store.js';
import { Matcher } from '../model/matchers.js';
import { captureCommand } from './data.js';

const available = existsSync(PROMETHEUS);
let dir: string;
let prom: RunningPrometheus;

beforeAll(async () => {
  if (!available) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'kg-capture-send-'));
  mkdirSync(path.join(dir, 'prom'));
  writeFileSync(path.join(dir, 'prom', 'prometheus.yml'), 'global: {}\n');
  prom = await startPrometheus({ configFile: path.join(dir, 'prom', 'prometheus.yml'), tsdbPath: path.join(dir, 'prom', 'tsdb'), args: ['--web.enable-remote-write-receiver'] });
}, 60_000);
afterAll(() => {
  prom?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(available)('kubeglass capture send', () => {
  it('writes every sample of a capture, and Prometheus stores them exactly', async () => {
    // 25 minutes of 4 series every 15 s ending a minute ago: three slices of ten minutes.
    const end = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const start = end - 25 * 60_000;
    const dataDir = path.join(dir, 'data');
    const db = openContextDb(dataDir, 'prod');
    const app = db.appender();
    for (let s = 0; s < 4; s++) {
      const labels = labelsFrom({ __name__: 'kg_send_test', instance: `node-${s}`, job: 'node' });
      for (let t = start, i = 0; t <= end; t += 15_000, i++) app.append(labels, t, s * 1000 + i * 0.25);
    }
    await app.commit();
    db.close();
    const file = path.join(dir, 'incident.kgcapture');
    await createCapture(dataDir, { context: 'prod', name: 'incident', from: start, to: end, matchers: [new Matcher('=~', '__name__', '.+')], file });

    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await captureCommand(['send', file, '--url', `http://127.0.0.1:${prom.port}/api/v1/write`])).toBe(0);
      expect(log.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/sent 404 of 404 samples of "incident"/);
    } finally {
      log.mockRestore();
    }
    const d = await prom.api(`/api/v1/query?query=${encodeURIComponent('kg_send_test[30m]')}&time=${end / 1000}`);
    expect(d.resultType).toBe('matrix');
    const got = d.resultType === 'matrix' ? d.result.map((s) => ({ instance: s.metric.instance, values: s.values })) : [];
    got.sort((a, b) => (a.instance! < b.instance! ? -1 : 1));
    expect(got).toEqual(
      [0, 1, 2, 3].map((s) => ({
        instance: `node-${s}`,
        values: Array.from({ length: 101 }, (_, i) => [(start + i * 15_000) / 1000, String(s * 1000 + i * 0.25)]),
      })),
    );
  }, 60_000);

  it('says what is wrong with its arguments', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await captureCommand(['send', path.join(dir, 'missing.kgcapture'), '--url', 'http://127.0.0.1:1/api/v1/write'])).toBe(2);
      expect(await captureCommand(['send', '--url', 'http://127.0.0.1:1/'])).toBe(2);
      expect(log.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/a capture FILE and --url are required/);
    } finally {
      log.mockRestore();
    }
  });
});
