// Files written with schema 1 (one chunk per row, postings on disk) open, read-only as they are,
// and writable after migration 2, with every sample as it was.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labelsFrom, labelsKey, type Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matchers.js';
import { floatBits, STALE_NAN } from '../../model/value.js';
import { XorChunk } from '../chunkenc/xor.js';
import { MIGRATIONS } from './schema.js';
import { all } from './testing.js';
import { Tsdb } from './tsdb.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kg-migrate-'));
  file = path.join(dir, 'ctx.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Series {
  labels: Labels;
  t: Float64Array;
  v: Float64Array;
  /** Samples in stored chunk rows (a multiple of 120), then in the checkpointed head chunk; the rest is in the log. */
  stored: number;
  head: number;
  /** A head row left from before the cut of its chunk: schema 1 skipped it on open. */
  staleHead?: number;
}

const T0 = 1_700_000_000_000 + 5_000;

function series(labels: Record<string, string>, n: number, step: number, value: (i: number) => number, stored: number, head: number, staleHead?: number): Series {
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = T0 + i * step;
    v[i] = value(i);
  }
  return { labels: labelsFrom(labels), t, v, stored, head, staleHead };
}

const SPECIAL = [STALE_NAN, NaN, Infinity, -Infinity, -0, 0, 5e-324, Number.MAX_VALUE];

const fixture = (): Series[] => [
  // Crosses a 2 h window boundary inside a chunk, as schema 1 never cut at one.
  series({ __name__: 'm', s: '0' }, 700, 15_000, (i) => i * 1.5, 600, 70),
  series({ __name__: 'm', s: '1' }, 250, 15_000, (i) => SPECIAL[i % SPECIAL.length]!, 240, 10),
  // One sample an hour: each chunk spans five days.
  series({ __name__: 'sparse' }, 300, 3600_000, (i) => -i, 240, 60),
  series({ __name__: 'cut', job: 'x' }, 240, 15_000, (i) => i, 240, 0, 100),
  // Created and appended after the last checkpoint: only the log has it.
  series({ __name__: 'new', job: 'x' }, 5, 15_000, (i) => 100 + i, 0, 0),
];

function uvarint(out: number[], v: number) {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function encode(s: Series, from: number, to: number): Buffer {
  const c = new XorChunk();
  for (let i = from; i < to; i++) c.append(s.t[i]!, s.v[i]!);
  return Buffer.from(c.bytes());
}

/** Writes the fixture exactly as schema 1's Tsdb laid it out: migration 1's tables, rows as it inserted them. */
function writeSchema1(target: string, data: Series[]): void {
  const db = new Database(target);
  db.pragma('page_size = 16384');
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.exec(MIGRATIONS[1] as string);
  db.pragma('user_version = 1');
  const pairIds = new Map<string, number>();
  db.transaction(() => {
    data.forEach((s, k) => {
      const id = k + 1;
      const pairs: number[] = [];
      for (const l of s.labels) {
        const key = labelsKey([l]);
        let pid = pairIds.get(key);
        if (pid === undefined) {
          pid = pairIds.size + 1;
          pairIds.set(key, pid);
          db.prepare('INSERT INTO label_pairs (id, name, value) VALUES (?, ?, ?)').run(pid, l.name, l.value);
        }
        uvarint(pairs, pid);
        db.prepare('INSERT INTO postings (pair_id, series_id) VALUES (?, ?)').run(pid, id);
      }
      db.prepare('INSERT INTO series (id, pairs) VALUES (?, ?)').run(id, Buffer.from(pairs));
      for (let i = 0; i < s.stored; i += 120) {
        db.prepare('INSERT INTO chunks (series_id, min_time, max_time, data) VALUES (?, ?, ?, ?)').run(id, s.t[i], s.t[i + 119], encode(s, i, i + 120));
      }
      if (s.head > 0) {
        db.prepare('INSERT INTO head_chunks (series_id, min_time, max_time, data) VALUES (?, ?, ?, ?)').run(id, s.t[s.stored], s.t[s.stored + s.head - 1], encode(s, s.stored, s.stored + s.head));
      }
      if (s.staleHead) {
        const from = s.stored - 120;
        db.prepare('INSERT INTO head_chunks (series_id, min_time, max_time, data) VALUES (?, ?, ?, ?)').run(id, s.t[from], s.t[from + s.staleHead - 1], encode(s, from, from + s.staleHead));
      }
    });
    // The log: one row per commit, each holding the next logged sample of every series.
    for (let round = 0; ; round++) {
      const items: [number, number, number][] = [];
      data.forEach((s, k) => {
        const i = s.stored + s.head + round;
        if (i < s.t.length) items.push([k + 1, s.t[i]!, s.v[i]!]);
      });
      if (items.length === 0) break;
      const minT = Math.min(...items.map((x) => x[1]));
      const out: number[] = [];
      for (const [id, t, v] of items) {
        uvarint(out, id);
        const d = t - minT;
        uvarint(out, d >= 0 ? d * 2 : -d * 2 - 1);
        const bits = Buffer.alloc(8);
        if (floatBits(v) === floatBits(STALE_NAN)) bits.writeBigUInt64BE(0x7ff0000000000002n);
        else bits.writeDoubleBE(v);
        out.push(...bits);
      }
      db.prepare('INSERT INTO head_log (min_time, data) VALUES (?, ?)').run(minT, Buffer.from(out));
    }
    db.prepare('INSERT INTO info (key, value) VALUES (?, ?)').run('context', 'kind-dev');
    db.prepare('INSERT INTO metadata (metric, type, help, unit) VALUES (?, ?, ?, ?)').run('m', 'gauge', 'A gauge.', '');
  })();
  db.close();
}

/** Every sample of every series, bit for bit (NaN payloads included), and sub-ranges through rows. */
function expectSamples(db: Tsdb, data: Series[]) {
  const got = all(db);
  expect(got.map((s) => labelsKey(labelsFrom(s.labels))).sort()).toEqual(data.map((s) => labelsKey(s.labels)).sort());
  for (const s of data) {
    const g = got.find((x) => labelsKey(labelsFrom(x.labels)) === labelsKey(s.labels))!;
    expect([...g.t]).toEqual([...s.t]);
    expect(Array.from(g.v, floatBits)).toEqual(Array.from(s.v, floatBits));
    // A range starting and ending inside chunks.
    const mint = s.t[Math.floor(s.t.length / 3)]! + 1;
    const maxt = s.t[Math.floor((s.t.length * 2) / 3)]!;
    const part = db
      .querier(mint, maxt)
      .select(s.labels.map((l) => new Matcher('=', l.name, l.value)))
      .find((x) => labelsKey(x.labels) === labelsKey(s.labels))!
      .samples();
    const want = [...s.t].filter((t) => t >= mint && t <= maxt);
    expect([...part.t]).toEqual(want);
  }
}

describe('a schema-1 file', () => {
  it('reads every sample as it is when opened read-only', () => {
    const data = fixture();
    writeSchema1(file, data);
    const ro = Tsdb.open(file, { readonly: true });
    expectSamples(ro, data);
    expect(ro.stats().chunks).toBe(data.reduce((n, s) => n + s.stored / 120, 0));
    ro.close();
    // And leaves it untouched.
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    raw.close();
  });

  it('is migrated in one step: every sample is still there, postings are gone, and it grows on', async () => {
    const data = fixture();
    writeSchema1(file, data);
    const db = Tsdb.open(file);
    expectSamples(db, data);
    expect(db.info().context).toBe('kind-dev');
    expect(db.metadata().get('m')).toEqual({ type: 'gauge', help: 'A gauge.', unit: '' });
    expect(db.integrityCheck()).toBe('ok');
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(2);
    const tables = (raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[]).join(' ');
    expect(tables).toBe('chunk_data chunks head_chunks head_log info label_pairs metadata series');
    // The stored chunks went into rows of several, by window.
    expect(raw.prepare('SELECT SUM(num_chunks) FROM chunks').pluck().get()).toBe(data.reduce((n, s) => n + s.stored / 120, 0));
    expect(raw.prepare('SELECT COUNT(*) FROM chunks').pluck().get()).toBeLessThan(data.reduce((n, s) => n + s.stored / 120, 0));
    raw.close();
    // Appends continue each series in order, and everything survives a restart.
    const app = db.appender();
    for (const s of data) {
      const t = s.t[s.t.length - 1]! + 15_000;
      expect(app.append(s.labels, s.t[s.t.length - 1]!, 1)).not.toBeNull();
      expect(app.append(s.labels, t, 7)).toBeNull();
      s.t = Float64Array.of(...s.t, t);
      s.v = Float64Array.of(...s.v, 7);
    }
    await app.commit();
    db.close();
    const again = Tsdb.open(file);
    expectSamples(again, data);
    again.close();
  });

  it('stays as it was when the migration fails', () => {
    const data = fixture();
    writeSchema1(file, data);
    // A table in the way of the new schema makes migration 2 fail halfway.
    const raw = new Database(file);
    raw.exec('CREATE TABLE chunk_data (x)');
    raw.close();
    expect(() => Tsdb.open(file)).toThrow(/cannot open .*table chunk_data already exists/);
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(1);
    check.exec('DROP TABLE chunk_data');
    check.close();
    const ro = Tsdb.open(file, { readonly: true });
    expectSamples(ro, data);
    ro.close();
    const db = Tsdb.open(file);
    expectSamples(db, data);
    db.close();
  });
});
