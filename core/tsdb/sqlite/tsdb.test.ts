import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labelsFrom } from '../../model/labels.js';
import { Matcher } from '../../model/matchers.js';
import { floatBits, isStaleNaN, STALE_NAN } from '../../model/value.js';
import { all, crash, L } from './testing.js';
import { Tsdb } from './tsdb.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kg-tsdb-'));
  file = path.join(dir, 'ctx.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));


async function fill(db: Tsdb, series: number, scrapes: number, start = 1_700_000_000_000) {
  for (let i = 0; i < scrapes; i++) {
    const app = db.appender();
    for (let s = 0; s < series; s++) app.append(L('m', { s: String(s) }), start + i * 15_000, s * 1000 + i);
    await app.commit();
  }
}

describe('Tsdb', () => {
  it('stores and selects samples across cut chunks and the open head', async () => {
    const db = Tsdb.open(file, { samplesPerChunk: 120 });
    await fill(db, 3, 300);
    const got = all(db, new Matcher('=', 's', '1'));
    expect(got).toHaveLength(1);
    expect(got[0]!.t.length).toBe(300);
    expect(got[0]!.v[0]).toBe(1000);
    expect(got[0]!.v[299]).toBe(1299);
    expect(db.stats().chunks).toBe(6); // 2 full chunks per series, the rest in the head
    // Only the requested range is returned.
    const part = db.querier(1_700_000_000_000 + 15_000 * 100, 1_700_000_000_000 + 15_000 * 130).select([new Matcher('=', 's', '2')])[0]!.samples();
    expect(part.t.length).toBe(31);
    expect(part.v[0]).toBe(2100);
    db.close();
  });

  it('keeps everything across a clean restart', async () => {
    const db = Tsdb.open(file);
    await fill(db, 2, 150);
    db.close();
    const again = Tsdb.open(file);
    const got = all(again);
    expect(got.map((s) => s.t.length)).toEqual([150, 150]);
    // And appending continues where it left off, in order.
    const app = again.appender();
    expect(app.append(L('m', { s: '0' }), 1_700_000_000_000, 5)).toBe('out_of_order');
    expect(app.append(L('m', { s: '0' }), 1_700_000_000_000 + 150 * 15_000, 5)).toBeNull();
    await app.commit();
    expect(all(again, new Matcher('=', 's', '0'))[0]!.t.length).toBe(151);
    again.close();
  });

  it('recovers every committed sample after a crash (no close): checkpoint plus log replay', async () => {
    const db = Tsdb.open(file, { checkpointSamples: 250 });
    await fill(db, 2, 200); // checkpoints happen along the way, the tail stays in the log
    // Simulate a crash: drop the handle without checkpointing.
    crash(db);
    const again = Tsdb.open(file);
    const got = all(again);
    expect(got.map((s) => s.t.length)).toEqual([200, 200]);
    expect([...got[1]!.v]).toEqual(Array.from({ length: 200 }, (_, i) => 1000 + i));
    again.close();
  });

  it('does not resurrect a checkpointed head chunk that was cut before a crash', async () => {
    // Checkpoint at 80 samples, cut at 120, crash, then fill past the next cut.
    const db = Tsdb.open(file, { checkpointSamples: 80 });
    await fill(db, 1, 130);
    crash(db);
    const again = Tsdb.open(file, { checkpointSamples: 1e9 });
    const app = again.appender();
    for (let i = 130; i < 260; i++) app.append(L('m', { s: '0' }), 1_700_000_000_000 + i * 15_000, i);
    await app.commit();
    const got = all(again)[0]!;
    expect([...got.v]).toEqual(Array.from({ length: 260 }, (_, i) => i));
    again.close();
  });

  it('rejects out-of-order and changed duplicate samples per sample, accepts identical resends', async () => {
    const db = Tsdb.open(file);
    const app = db.appender();
    expect(app.append(L('a'), 2000, 1)).toBeNull();
    expect(app.append(L('a'), 1000, 1)).toBe('out_of_order');
    expect(app.append(L('a'), 2000, 2)).toBe('duplicate');
    expect(app.append(L('a'), 2000, 1)).toBeNull();
    expect(app.append(L('a'), 3000, 3)).toBeNull();
    await app.commit();
    const next = db.appender();
    expect(next.append(L('a'), 3000, 4)).toBe('duplicate');
    expect(next.append(L('a'), 2500, 4)).toBe('out_of_order');
    expect([...all(db)[0]!.t]).toEqual([2000, 3000]);
    db.close();
  });

  it('round-trips staleness markers, NaN, ±Inf and -0 bit-exactly, through a restart', async () => {
    const values = [STALE_NAN, NaN, Infinity, -Infinity, -0, 0, 5e-324, Number.MAX_VALUE];
    const db = Tsdb.open(file);
    const app = db.appender();
    values.forEach((v, i) => app.append(L('special'), 1000 * (i + 1), v));
    await app.commit();
    const check = (d: Tsdb) => {
      const got = all(d)[0]!;
      expect(isStaleNaN(got.v[0]!)).toBe(true);
      expect(isStaleNaN(got.v[1]!)).toBe(false);
      expect(Number.isNaN(got.v[1]!)).toBe(true);
      expect([...got.v.slice(2)].map(floatBits)).toEqual(values.slice(2).map(floatBits));
    };
    check(db);
    crash(db); // crash: replay path
    const replayed = Tsdb.open(file);
    check(replayed);
    replayed.close(); // checkpoint path
    const reopened = Tsdb.open(file);
    check(reopened);
    reopened.close();
  });

  it('rolls back an appender without a trace', async () => {
    const db = Tsdb.open(file);
    const app = db.appender();
    app.append(L('gone'), 1000, 1);
    app.rollback();
    expect(all(db)).toEqual([]);
    const next = db.appender();
    expect(next.append(L('gone'), 500, 1)).toBeNull();
    await next.commit();
    expect([...all(db)[0]!.t]).toEqual([500]);
    db.close();
  });

  describe('selects through the postings', () => {
    let db: Tsdb;
    beforeEach(async () => {
      db = Tsdb.open(file);
      const app = db.appender();
      const rows: Record<string, string>[] = [
        { __name__: 'up', job: 'node', instance: 'a' },
        { __name__: 'up', job: 'node', instance: 'b' },
        { __name__: 'up', job: 'kubelet', instance: 'a' },
        { __name__: 'up', job: 'kube-state-metrics', instance: 'c', env: 'prod' },
        { __name__: 'http_requests_total', job: 'api', code: '200' },
      ];
      rows.forEach((r) => app.append(labelsFrom(r), 1000, 1));
      await app.commit();
    });
    afterEach(() => db.close());
    const ids = (...m: Matcher[]) => all(db, ...m).map((s) => `${s.labels.job}/${s.labels.instance ?? ''}`).sort();

    it.each([
      ['=', [new Matcher('=', 'job', 'node')], ['node/a', 'node/b']],
      ['two =', [new Matcher('=', '__name__', 'up'), new Matcher('=', 'instance', 'a')], ['kubelet/a', 'node/a']],
      ['!=', [new Matcher('=', '__name__', 'up'), new Matcher('!=', 'job', 'node')], ['kube-state-metrics/c', 'kubelet/a']],
      ['=~ alternation', [new Matcher('=~', 'job', 'node|api')], ['api/', 'node/a', 'node/b']],
      ['=~ prefix', [new Matcher('=~', 'job', 'kube.*')], ['kube-state-metrics/c', 'kubelet/a']],
      ['=~ general', [new Matcher('=~', 'job', '.*e.*t.*')], ['kube-state-metrics/c', 'kubelet/a']],
      ['!~', [new Matcher('=', '__name__', 'up'), new Matcher('!~', 'job', 'kube.*')], ['node/a', 'node/b']],
      ['= "" (label absent)', [new Matcher('=', '__name__', 'up'), new Matcher('=', 'env', '')], ['kubelet/a', 'node/a', 'node/b']],
      ['=~ matching empty', [new Matcher('=', '__name__', 'up'), new Matcher('=~', 'env', 'prod|')], ['kube-state-metrics/c', 'kubelet/a', 'node/a', 'node/b']],
      ['no match', [new Matcher('=', 'job', 'nope')], []],
    ])('%s', (_n, matchers, expected) => {
      expect(ids(...matchers)).toEqual(expected);
    });

    it('lists label names and values, optionally under matchers', () => {
      const q = db.querier(-Infinity, Infinity);
      expect(q.labelNames()).toEqual(['__name__', 'code', 'env', 'instance', 'job']);
      expect(q.labelValues('job')).toEqual(['api', 'kube-state-metrics', 'kubelet', 'node']);
      expect(q.labelValues('instance', [new Matcher('=', 'job', 'node')])).toEqual(['a', 'b']);
      expect(q.labelNames([new Matcher('=', 'job', 'api')])).toEqual(['__name__', 'code', 'job']);
    });
  });

  it('stores metric metadata, latest wins', async () => {
    const db = Tsdb.open(file);
    const app = db.appender();
    app.updateMetadata('node_load1', { type: 'gauge', help: 'old', unit: '' });
    app.append(L('node_load1'), 1, 1);
    await app.commit();
    const next = db.appender();
    next.updateMetadata('node_load1', { type: 'gauge', help: '1m load average.', unit: '' });
    await next.commit();
    expect(db.metadata().get('node_load1')).toEqual({ type: 'gauge', help: '1m load average.', unit: '' });
    db.close();
  });

  it.each([
    ['a file from a newer schema', (f: string) => {
      const d = new Database(f);
      d.pragma('user_version = 99');
      d.close();
    }, /was written by a newer Kubeglass \(schema 99/],
    ['a file that is not a database', (f: string) => writeFileSync(f, 'this is not sqlite '.repeat(1000)), /cannot open .*ctx\.db: file is not a database/],
  ])('refuses %s with a message naming the file', (_n, make, message) => {
    make(file);
    expect(() => Tsdb.open(file)).toThrow(message);
  });

  it('opens read-only (captures) and reads the checkpointed head', async () => {
    const db = Tsdb.open(file);
    await fill(db, 1, 10);
    db.close();
    const ro = Tsdb.open(file, { readonly: true });
    expect(all(ro)[0]!.t.length).toBe(10);
    expect(() => ro.appender()).toThrow(/read-only/);
    ro.close();
  });
});

describe('retention', () => {
  const day = 24 * 3600_000;

  it('drops data older than the retention time, and series left empty with their labels', async () => {
    const db = Tsdb.open(file, { samplesPerChunk: 10 });
    const app = db.appender();
    for (let i = 0; i < 40; i++) {
      app.append(L('old'), i * 3600_000, i); // 40 hours from t=0
      app.append(L('new', { keep: 'yes' }), 30 * day + i * 3600_000, i);
    }
    await app.commit();
    const now = 30 * day + 40 * 3600_000;
    const r = db.applyRetention({ maxAgeMs: 15 * day }, now);
    expect(r.series).toBe(1);
    expect(all(db).map((s) => s.labels.__name__)).toEqual(['new']);
    expect(all(db)[0]!.t.length).toBe(40);
    expect(db.querier(-Infinity, Infinity).labelNames()).toEqual(['__name__', 'keep']);
    // The series can come back later, as a new one.
    const again = db.appender();
    expect(again.append(L('old'), now, 1)).toBeNull();
    await again.commit();
    expect(all(db, new Matcher('=', '__name__', 'old'))[0]!.t.length).toBe(1);
    db.close();
  });

  it('gives a series removed by retention a new id when the same label-set object is appended again', async () => {
    const db = Tsdb.open(file);
    const labels = L('reused');
    let app = db.appender();
    app.append(labels, 1000, 1);
    await app.commit();
    db.checkpoint();
    db.applyRetention({ maxAgeMs: 1 }, 10 * day);
    expect(all(db)).toEqual([]);
    app = db.appender();
    expect(app.append(labels, 20 * day, 2)).toBeNull();
    await app.commit();
    db.close();
    const again = Tsdb.open(file);
    expect(all(again).map((s) => [s.labels.__name__, [...s.v]])).toEqual([['reused', [2]]]);
    again.close();
  });

  it('drops the oldest data until the file fits a size limit, and gives the space back', async () => {
    const db = Tsdb.open(file, { samplesPerChunk: 120 });
    // Enough data that chunks, not the dozen one-page tables, make up the file.
    await fill(db, 400, 1200);
    db.checkpoint();
    db.applyRetention({}); // only gives the truncated log's pages back
    const before = db.stats().bytes;
    const limit = Math.floor(before * 0.6);
    db.applyRetention({ maxBytes: limit });
    const after = db.stats().bytes;
    expect(after).toBeLessThanOrEqual(limit);
    expect(after).toBeGreaterThan(limit / 2); // the oldest data went, not everything
    const s0 = all(db, new Matcher('=', 's', '0'))[0]!;
    // What remains is the newest data, contiguous up to the last sample.
    expect(s0.t[s0.t.length - 1]).toBe(1_700_000_000_000 + 1199 * 15_000);
    expect(s0.t.length).toBeLessThan(1200);
    expect(s0.t.length).toBeGreaterThan(0);
    db.close();
  });
});

describe('Tsdb selects of many series (chunk rows read in one statement)', () => {
  it('returns every sample, also when a chunk is cut between the select and the read', async () => {
    const db = Tsdb.open(path.join(dir, 'many.db'), { samplesPerChunk: 4 });
    try {
      const app = db.appender();
      // 40 series, 6 samples each: one stored chunk of 4, then 2 in the head.
      for (let i = 0; i < 40; i++) for (let t = 0; t < 6; t++) app.append(L('m', { i: String(i) }), t * 1000, t);
      await app.commit();
      const selected = db.querier(0, 100_000).select([new Matcher('=', '__name__', 'm')]);
      expect(selected).toHaveLength(40);
      // Two more samples cut series 0's head chunk into a stored row after the select.
      const more = db.appender();
      more.append(L('m', { i: '0' }), 6000, 6);
      more.append(L('m', { i: '0' }), 7000, 7);
      await more.commit();
      for (const s of selected) {
        const { t } = s.samples();
        expect([...t.subarray(0, 6)]).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
      }
      // And a fresh select sees them all the same way.
      const again = db.querier(0, 100_000).select([new Matcher('=', 'i', '0')]);
      expect([...again[0]!.samples().t]).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000]);
    } finally {
      db.close();
    }
  });
});
