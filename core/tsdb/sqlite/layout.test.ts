// Schema 2's layout: chunks cut at 2 h windows and stored a window per row once a series moves on;
// retention on rows; and a randomised run of commits, checkpoints, crashes, restarts and readers
// against a model of what was committed.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labelsToRecord } from '../../model/labels.js';
import { Matcher } from '../../model/matchers.js';
import { WINDOW_MS } from './rows.js';
import { all, crash, L } from './testing.js';
import { Tsdb, type TsdbOptions } from './tsdb.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kg-layout-'));
  file = path.join(dir, 'ctx.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Aligned to a window, so chunk boundaries are easy to name. */
const W0 = Math.ceil(1_700_000_000_000 / WINDOW_MS) * WINDOW_MS;
const STEP = 15_000;

async function fill(db: Tsdb, series: number, from: number, to: number, value = (s: number, i: number) => s * 1e6 + i) {
  for (let i = from; i < to; i++) {
    const app = db.appender();
    for (let s = 0; s < series; s++) app.append(L('m', { s: String(s) }), W0 + i * STEP, value(s, i));
    await app.commit();
  }
}

function rows(f: string): { series_id: number; min_time: number; max_time: number; num_chunks: number }[] {
  const raw = new Database(f, { readonly: true });
  try {
    return raw.prepare('SELECT series_id, min_time, max_time, num_chunks FROM chunks ORDER BY series_id, min_time').all() as never;
  } finally {
    raw.close();
  }
}

describe('window rows', () => {
  it('cuts chunks at window ends and stores each closed window of a series as one row', async () => {
    const db = Tsdb.open(file);
    // 5 h: two closed windows of 480 samples (4 chunks each), the third still open.
    await fill(db, 3, 0, 1200);
    db.checkpoint();
    const r = rows(file);
    expect(r.map((x) => [x.series_id, x.min_time - W0, x.max_time - W0, x.num_chunks])).toEqual(
      [1, 2, 3].flatMap((id) => [
        [id, 0, WINDOW_MS - STEP, 4],
        [id, WINDOW_MS, 2 * WINDOW_MS - STEP, 4],
      ]),
    );
    // and per series a full chunk in the head, and a second that is full but open until the next sample
    expect(db.stats().chunks).toBe(3 * (8 + 1));
    const got = all(db, new Matcher('=', 's', '1'))[0]!;
    expect([...got.t]).toEqual(Array.from({ length: 1200 }, (_, i) => W0 + i * STEP));
    expect([...got.v]).toEqual(Array.from({ length: 1200 }, (_, i) => 1e6 + i));
    db.close();
  });

  it('writes rows in batches during commits, and a select that prefetched rows reads them again when more are written', async () => {
    const db = Tsdb.open(file, { rowBatchBytes: 1 });
    await fill(db, 40, 0, 500); // each series' first window is a row now
    expect(rows(file)).toHaveLength(40);
    const q = db.querier(W0, W0 + 3 * WINDOW_MS);
    const selected = q.select([new Matcher('=', '__name__', 'm')]);
    await fill(db, 40, 500, 1000); // the second window becomes rows after the select
    expect(rows(file)).toHaveLength(80);
    for (const s of selected) {
      const i = Number(labelsToRecord(s.labels).s);
      expect([...s.samples().v]).toEqual(Array.from({ length: 1000 }, (_, k) => i * 1e6 + k));
    }
    db.close();
  });

  it('writes the head of a series that went quiet a window ago as a row, and takes it up again later', async () => {
    const db = Tsdb.open(file);
    let app = db.appender();
    for (let i = 0; i < 50; i++) app.append(L('quiet'), W0 + i * STEP, i);
    app.append(L('busy'), W0, 0);
    await app.commit();
    app = db.appender();
    app.append(L('busy'), W0 + 2 * WINDOW_MS + 1, 1);
    await app.commit();
    db.checkpoint();
    expect(rows(file).map((x) => x.series_id)).toEqual([1, 2]); // quiet's window, and busy's first
    app = db.appender();
    expect(app.append(L('quiet'), W0 + 49 * STEP, 49)).toBeNull(); // an identical resend
    expect(app.append(L('quiet'), W0 + 49 * STEP, 50)).toBe('duplicate');
    expect(app.append(L('quiet'), W0 + 3 * WINDOW_MS, 51)).toBeNull();
    await app.commit();
    db.close();
    const again = Tsdb.open(file);
    expect([...all(again, new Matcher('=', '__name__', 'quiet'))[0]!.v]).toEqual([...Array.from({ length: 50 }, (_, i) => i), 51]);
    again.close();
  });
  it('does not take every series for quiet because one sample is stamped far in the future', async () => {
    const db = Tsdb.open(file);
    // In the window of today's clock.
    const start = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS;
    let app = db.appender();
    for (let i = 0; i < 100; i++) app.append(L('m'), start + i * 1000, i);
    await app.commit();
    app = db.appender();
    app.append(L('future'), Date.UTC(2200, 0, 1), 1);
    await app.commit();
    db.checkpoint();
    expect(rows(file)).toEqual([]);
    db.close();
  });
});

describe('retention on rows', () => {
  it('drops rows before the cutoff, trims the row that reaches past it, and keeps that across a crash', async () => {
    const db = Tsdb.open(file, { checkpointSamples: 1e9 });
    await fill(db, 2, 0, 1200);
    // 2 h 45 min: the chunk [2 h 30 min, 3 h) holds the cutoff and stays, with the one after it.
    const cutoff = W0 + WINDOW_MS + 45 * 60_000;
    const r = db.applyRetention({ maxAgeMs: 1000 }, cutoff + 1000);
    expect(r).toEqual({ chunks: 2 * 5, series: 0 });
    const keepFrom = W0 + WINDOW_MS + 30 * 60_000;
    const expected = Array.from({ length: 1200 }, (_, i) => W0 + i * STEP).filter((t) => t >= keepFrom);
    expect([...all(db, new Matcher('=', 's', '0'))[0]!.t]).toEqual(expected);
    expect(rows(file).map((x) => [x.min_time, x.num_chunks])).toEqual([
      [keepFrom, 3],
      [keepFrom, 3],
    ]);
    await fill(db, 2, 1200, 1210);
    crash(db);
    const again = Tsdb.open(file);
    expect([...all(again, new Matcher('=', 's', '1'))[0]!.t]).toEqual([...expected, ...Array.from({ length: 10 }, (_, i) => W0 + (1200 + i) * STEP)]);
    expect(again.integrityCheck()).toBe('ok');
    again.close();
  });

  it('drops a series whose rows all expired, with its label pairs, and gives the pages back', async () => {
    const db = Tsdb.open(file);
    const app = db.appender();
    for (let i = 0; i < 2000; i++) {
      app.append(L('old', { pod: 'gone' }), W0 + i * STEP, Math.sin(i));
      app.append(L('new'), W0 + 10 * WINDOW_MS + i * STEP, i);
    }
    await app.commit();
    db.checkpoint();
    expect(new Set(rows(file).map((x) => x.series_id))).toEqual(new Set([1, 2]));
    const before = statSync(file).size + statSync(file + '-wal').size;
    const r = db.applyRetention({ maxAgeMs: 3 * WINDOW_MS }, W0 + 10 * WINDOW_MS + 2000 * STEP);
    expect(r.series).toBe(1);
    expect(all(db).map((s) => s.labels.__name__)).toEqual(['new']);
    expect(db.querier(-Infinity, Infinity).labelNames()).toEqual(['__name__']);
    expect(all(db)[0]!.t[0]).toBeGreaterThanOrEqual(W0 + 10 * WINDOW_MS + 2000 * STEP - 3 * WINDOW_MS - 30 * 60_000);
    db.close();
    expect(statSync(file).size).toBeLessThan(before);
    const again = Tsdb.open(file);
    expect(all(again).map((s) => s.labels.__name__)).toEqual(['new']);
    again.close();
  });

  it('drops the oldest chunks first until the file fits, when most data is in rows', async () => {
    const db = Tsdb.open(file);
    await fill(db, 120, 0, 2400, (s, i) => Math.sin(s + i / 7) * 1000); // 10 h: four closed windows
    db.applyRetention({});
    const before = db.stats().bytes;
    const limit = Math.floor(before * 0.6);
    db.applyRetention({ maxBytes: limit });
    const after = db.stats().bytes;
    expect(after).toBeLessThanOrEqual(limit);
    expect(after).toBeGreaterThan(limit / 2);
    for (const s of all(db)) {
      // Contiguous up to the newest sample, and the same start for every series.
      expect(s.t[s.t.length - 1]).toBe(W0 + 2399 * STEP);
      expect(s.t.length).toBe(all(db)[0]!.t.length);
      expect(s.t[s.t.length - 1]! - s.t[0]!).toBe((s.t.length - 1) * STEP);
    }
    db.close();
  });
});

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('randomised commits, checkpoints, crashes, restarts and readers', () => {
  it.each([1, 2, 3, 4, 5, 6])('keeps exactly what was committed (seed %i)', async (seed) => {
    const rnd = random(seed * 7919);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const opts: TsdbOptions = { samplesPerChunk: pick([3, 10, 120]), checkpointSamples: pick([40, 400, 1e9]), rowBatchBytes: pick([1, 2000, 1 << 20]) };
    const N = 24;
    const model = Array.from({ length: N }, () => ({ t: [] as number[], v: [] as number[] }));
    let db = Tsdb.open(file, opts);
    let now = W0 - 3 * STEP;
    let reader: { db: Tsdb; snapshot: number[] } | null = null;
    const check = (d: Tsdb, lengths?: number[]) => {
      const got = all(d);
      for (let s = 0; s < N; s++) {
        const n = lengths ? lengths[s]! : model[s]!.t.length;
        const g = got.find((x) => x.labels.s === String(s));
        expect(g?.t.length ?? 0, `series ${s}`).toBe(n);
        if (n === 0) continue;
        expect([...g!.t]).toEqual(model[s]!.t.slice(0, n));
        expect([...g!.v]).toEqual(model[s]!.v.slice(0, n));
      }
      // A range through the middle, read through the postings of one series.
      const s = Math.floor(rnd() * N);
      const m = model[s]!.t;
      if (lengths === undefined && m.length > 2) {
        const mint = m[Math.floor(m.length / 3)]!;
        const maxt = m[Math.floor((m.length * 2) / 3)]!;
        const part = d.querier(mint, maxt).select([new Matcher('=', 's', String(s))])[0]!.samples();
        expect([...part.t]).toEqual(m.filter((t) => t >= mint && t <= maxt));
      }
    };
    for (let op = 0; op < 250; op++) {
      const r = rnd();
      if (r < 0.72) {
        now += pick([STEP, STEP, STEP, 10 * 60_000, WINDOW_MS + 7_000]);
        const app = db.appender();
        const active = N - Math.floor(rnd() * 6); // the last few series pause now and then
        for (let s = 0; s < active; s++) {
          if (rnd() < 0.1) continue;
          const v = Math.round(rnd() * 1000) / 8;
          if (app.append(L('m', { s: String(s) }), now, v) === null) {
            model[s]!.t.push(now);
            model[s]!.v.push(v);
          }
        }
        if (rnd() < 0.05) {
          app.rollback();
          for (const m of model) {
            if (m.t.at(-1) === now) {
              m.t.pop();
              m.v.pop();
            }
          }
        } else await app.commit();
      } else if (r < 0.79) db.checkpoint();
      else if (r < 0.83) check(db);
      else if (r < 0.9) {
        expect(db.packerStats().wrong).toBe(0);
        crash(db);
        db = Tsdb.open(file, opts);
        check(db);
      } else if (r < 0.94) {
        expect(db.packerStats().wrong).toBe(0);
        db.close();
        db = Tsdb.open(file, opts);
        check(db);
      } else if (reader === null) {
        reader = { db: Tsdb.open(file, { readonly: true }), snapshot: model.map((m) => m.t.length) };
        check(reader.db, reader.snapshot);
      } else {
        check(reader.db, reader.snapshot);
        reader.db.close();
        reader = null;
      }
    }
    check(db);
    reader?.db.close();
    expect(db.packerStats().wrong).toBe(0);
    db.close();
    const again = Tsdb.open(file, opts);
    check(again);
    expect(again.integrityCheck()).toBe('ok');
    again.close();
  });
});
