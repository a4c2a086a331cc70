import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XorChunk } from '../chunkenc/xor.js';
import { chunkMinTime, CorruptRowError, leafCellSize, packChunks, rowSamples, TailPacker, unpackChunks, windowStart, WINDOW_MS } from './rows.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kg-rows-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function chunk(t0: number, n: number, step = 15_000): Uint8Array {
  const c = new XorChunk();
  for (let i = 0; i < n; i++) c.append(t0 + i * step, Math.sin(i) * 1000);
  return c.bytes().slice();
}

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('packed chunk rows', () => {
  it('round-trip chunks of any size, with their first timestamps and sample counts', () => {
    const chunks = [chunk(1000, 1), chunk(-5_000_000, 120), chunk(1_704_067_200_000, 17, 1)];
    const row = packChunks(chunks);
    const back = unpackChunks(row);
    expect(back.map((c) => Buffer.from(c).toString('hex'))).toEqual(chunks.map((c) => Buffer.from(c).toString('hex')));
    expect(back.map(chunkMinTime)).toEqual([1000, -5_000_000, 1_704_067_200_000]);
    expect(rowSamples(row)).toBe(138);
    expect(unpackChunks(packChunks([]))).toEqual([]);
  });

  it('refuse a truncated row rather than read past it', () => {
    const row = packChunks([chunk(0, 50), chunk(1e6, 50)]);
    expect(() => unpackChunks(row.subarray(0, row.length - 1))).toThrow(CorruptRowError);
    expect(() => unpackChunks(Buffer.from([0x80]))).toThrow(CorruptRowError);
  });

  it('windows are aligned to the epoch, also before it', () => {
    expect(windowStart(0)).toBe(0);
    expect(windowStart(WINDOW_MS - 1)).toBe(0);
    expect(windowStart(WINDOW_MS)).toBe(WINDOW_MS);
    expect(windowStart(-1)).toBe(-WINDOW_MS);
  });
});

describe('TailPacker', () => {
  const open = (pageSize: number) => {
    const db = new Database(path.join(dir, `p${pageSize}.db`));
    db.pragma(`page_size = ${pageSize}`);
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, series_id INTEGER NOT NULL, min_time INTEGER NOT NULL, data BLOB NOT NULL)');
    return db;
  };

  it.each([4096, 16384, 65536])('predicts SQLite page by page and fills %i-byte pages', (pageSize) => {
    const db = open(pageSize);
    const packer = new TailPacker(db, pageSize);
    const insert = db.prepare('INSERT INTO t (id, series_id, min_time, data) VALUES (?, ?, ?, ?)');
    const rnd = random(pageSize);
    let id = 1;
    let payload = 0;
    db.transaction(() => {
      // Batches of various sizes and row lengths, as window ends and checkpoints bring them.
      for (let batch = 0; batch < 40; batch++) {
        const items = Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => ({
          series: Math.floor(rnd() * 300_000),
          t: 1_700_000_000_000 + Math.floor(rnd() * 1e9),
          blob: Buffer.alloc(20 + Math.floor(rnd() * Math.min(4000, pageSize / 3))),
        }));
        packer.append(
          items,
          id,
          (it, rowid) => leafCellSize(rowid, [it.series, it.t], it.blob.length),
          (it, rowid) => {
            insert.run(rowid, it.series, it.t, it.blob);
            payload += it.blob.length;
          },
        );
        id += items.length;
      }
    })();
    // Unpredicted: the rows before the first new page after the table's first split.
    expect(packer.stats.predicted).toBeGreaterThan(id * 0.9);
    expect(packer.stats.wrong).toBe(0);
    const { unused, pages } = db.prepare("SELECT SUM(unused) AS unused, COUNT(*) AS pages FROM dbstat WHERE name = 't' AND pagetype = 'leaf'").get() as { unused: number; pages: number };
    // What is left: the half-empty page of the table's first split, and the last page.
    expect(unused).toBeLessThan(2 * pageSize + pages * 16);
    expect(payload).toBeGreaterThan(0);
    db.close();
  });

  it('learns the page again after an outcome it did not predict, without losing a row', () => {
    const db = open(4096);
    const packer = new TailPacker(db, 4096);
    const insert = db.prepare('INSERT INTO t (id, series_id, min_time, data) VALUES (?, ?, ?, ?)');
    let id = 1;
    const batch = (n: number, size: (rowid: number) => number) => {
      const items = Array.from({ length: n }, (_, i) => ({ blob: Buffer.alloc(100 + ((i * 37) % 900)) }));
      db.transaction(() =>
        packer.append(
          items,
          id,
          (it, rowid) => size(rowid) + it.blob.length,
          (it, rowid) => insert.run(rowid, 1, 1000, it.blob),
        ),
      )();
      id += n;
    };
    // A cell size that is off by 40 bytes makes predictions fail; every row is stored all the same.
    batch(200, (rowid) => leafCellSize(rowid, [1, 1000], 0) - 40);
    expect(packer.stats.wrong).toBeGreaterThan(0);
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(200);
    db.close();
  });
});
