// How chunks are laid out in SQLite rows (schema 2).
//
// A series' full chunks are gathered per fixed time window (Prometheus's 2 h block range, aligned
// to the epoch) and stored as one row: the chunks' bytes, each preceded by its length as a uvarint.
// The chunks themselves stay Prometheus's XOR encoding byte for byte; a chunk's first timestamp is
// read from its own header, and rows never overlap, so no per-chunk time index is needed to skip
// the chunks of a row that lie before a queried range.
//
// Rows are appended to a rowid table, and the order of a batch of rows is chosen so that they fill
// the table's last page: SQLite starts a new page as soon as a row does not fit in what is left, so
// rows of a few kilobytes appended in arrival order leave about half a row of every 16 KiB page
// empty (8% of the file on scrape data). TailPacker keeps a model of the free bytes on the last page
// and checks it against the page count after every insert, so a wrong model costs space, never data.
import type Database from 'better-sqlite3';
import { readVarint, writeUvarint, type VarintCursor } from '../chunkenc/bstream.js';
import { xorNumSamples } from '../chunkenc/xor.js';

/** Prometheus's block range: chunks are cut at its boundaries, and a row never spans two. */
export const WINDOW_MS = 2 * 3600_000;

/**
 * A row is cut once its chunks reach this many bytes (a window at one-second scrapes is 60 chunks).
 * Rows of a few kilobytes amortise the ~40 bytes of row and lookup overhead to about 1%, stay well
 * inside one page (no overflow chains), and bound what a series holds in memory until its window closes.
 */
export const GROUP_BYTES = 4096;

export function windowStart(t: number): number {
  return Math.floor(t / WINDOW_MS) * WINDOW_MS;
}

const cursor: VarintCursor = { value: 0, end: 0 };

/** The first timestamp of an encoded XOR chunk, from its header. */
export function chunkMinTime(chunk: Uint8Array): number {
  readVarint(chunk, 2, cursor);
  return cursor.value;
}

/** Chunks → one row's bytes: uvarint length, chunk, uvarint length, chunk, … */
export function packChunks(chunks: readonly Uint8Array[]): Buffer {
  let size = 0;
  for (const c of chunks) size += uvarintLen(c.length) + c.length;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const c of chunks) {
    pos = writeUvarint(out, pos, c.length);
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

export class CorruptRowError extends Error {}

/** A row's chunks, as views of its bytes. */
export function unpackChunks(row: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < row.length) {
    let len = 0;
    let mul = 1;
    for (;;) {
      const b = row[pos++];
      if (b === undefined) throw new CorruptRowError('chunk row ends inside a length');
      len += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
    }
    if (len < 2 || pos + len > row.length) throw new CorruptRowError(`chunk row holds a chunk of ${len} bytes where ${row.length - pos} remain`);
    out.push(row.subarray(pos, pos + len));
    pos += len;
  }
  return out;
}

/** Samples in a row, from the chunks' headers. */
export function rowSamples(row: Uint8Array): number {
  let n = 0;
  for (const c of unpackChunks(row)) n += xorNumSamples(c);
  return n;
}

function uvarintLen(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

// --- SQLite's record and cell sizes (https://www.sqlite.org/fileformat2.html), for the packer.

/** Length of SQLite's own varint (big-endian, 9 bytes at most), as used in cell headers. */
function sqliteVarintLen(v: number): number {
  if (v < 0) return 9;
  if (v <= 0x7f) return 1;
  if (v <= 0x3fff) return 2;
  if (v <= 0x1fffff) return 3;
  if (v <= 0xfffffff) return 4;
  if (v <= 2 ** 35 - 1) return 5;
  if (v <= 2 ** 42 - 1) return 6;
  if (v <= 2 ** 49 - 1) return 7;
  if (v <= 2 ** 56 - 1) return 8;
  return 9;
}

/** Bytes an INTEGER takes in a record body (0 and 1 take none in file format 4). */
function intBodyLen(v: number): number {
  if (v === 0 || v === 1) return 0;
  if (v >= -128 && v <= 127) return 1;
  if (v >= -32768 && v <= 32767) return 2;
  if (v >= -8388608 && v <= 8388607) return 3;
  if (v >= -2147483648 && v <= 2147483647) return 4;
  if (v >= -(2 ** 47) && v < 2 ** 47) return 6;
  return 8;
}

/**
 * Bytes a row takes on a table leaf page, cell pointer included, for a table declared as
 * (id INTEGER PRIMARY KEY, …ints, blob): the rowid is in the cell header and NULL in the record.
 */
export function leafCellSize(rowid: number, ints: readonly number[], blobLen: number): number {
  let body = blobLen;
  for (const v of ints) body += intBodyLen(v);
  const types = 1 + ints.length + sqliteVarintLen(2 * blobLen + 12);
  const header = types + sqliteVarintLen(types + 1);
  const payload = header + body;
  return sqliteVarintLen(payload) + sqliteVarintLen(rowid) + payload + 2;
}

/**
 * Appends rows to one rowid table in the order that fills its last page best (best fit
 * decreasing). After each insert the count of pages in use says whether SQLite started a new page;
 * the model follows that, so it never drifts: it starts unknown, learns the last page's free bytes
 * at the first new page, and forgets them whenever an outcome is not the one predicted. The table
 * must have no index, or an index split would look like a new leaf.
 */
export class TailPacker {
  /** Free bytes on the table's last leaf page, or -1 while unknown. */
  private free = -1;
  private readonly pagesInUse: Database.Statement;
  /** For tests: inserts whose page was predicted, and predictions that were wrong. */
  readonly stats = { predicted: 0, wrong: 0 };

  constructor(
    db: Database.Database,
    private readonly usable: number,
  ) {
    this.pagesInUse = db.prepare('SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count())').pluck();
  }

  /** After a rollback or an emptied table the last page is not what the model says. */
  forget(): void {
    this.free = -1;
  }

  /**
   * Inserts every item through `insert`, which must add exactly one row, with rowid `firstRowid`
   * for the first insert, then counting up (a rowid's varint length is part of the cell).
   */
  append<T>(items: readonly T[], firstRowid: number, cellSize: (item: T, rowid: number) => number, insert: (item: T, rowid: number) => void): void {
    const n = items.length;
    if (n === 0) return;
    const size = items.map((it) => cellSize(it, firstRowid + n - 1));
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => size[b]! - size[a]!);
    // next[k]: the first position ≥ k in `order` not inserted yet (path-halving union-find).
    const next = new Int32Array(n + 1);
    for (let k = 0; k <= n; k++) next[k] = k;
    const find = (k: number) => {
      while (next[k] !== k) {
        next[k] = next[next[k]!]!;
        k = next[k]!;
      }
      return k;
    };
    const pageStart = this.usable - 8; // a leaf page's header is 8 bytes
    let before = this.pagesInUse.get() as number;
    for (let done = 0; done < n; done++) {
      const rowid = firstRowid + done;
      let pos = n;
      if (this.free >= 0) {
        // Sizes descend along `order`: the first position whose size fits, then the first not taken.
        let lo = 0;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (size[order[mid]!]! <= this.free) hi = mid;
          else lo = mid + 1;
        }
        pos = find(lo);
      }
      if (pos >= n) pos = find(0);
      next[pos] = pos + 1;
      const i = order[pos]!;
      const cell = cellSize(items[i]!, rowid);
      const expect = this.free < 0 ? 'unknown' : cell <= this.free ? 'fits' : 'new';
      insert(items[i]!, rowid);
      const after = this.pagesInUse.get() as number;
      const grew = after - before;
      before = after;
      if (expect !== 'unknown') this.stats.predicted++;
      if (expect === 'fits' && grew === 0) this.free -= cell;
      else if (grew === 1) {
        if (expect === 'fits') this.stats.wrong++;
        this.free = pageStart - cell; // a new page holding only this row
      } else {
        // It fitted where a new page was expected, or more than one page came (a parent page or a
        // pointer-map page too, or the table's first split): learn again at the next new page.
        if (grew === 0 && expect === 'new') this.stats.wrong++;
        this.free = -1;
      }
    }
  }
}

/** A row to store: one series' consecutive chunks. */
export interface ChunkRow {
  seriesId: number;
  minT: number;
  maxT: number;
  chunks: readonly Uint8Array[];
}

/**
 * Writes chunk rows: stored rows (chunk_data for the bytes, chunks to find them by series and
 * time) and the head's rows (head_chunks, rewritten whole at each checkpoint). Callers run it inside
 * a transaction, and call forget() when one rolls back.
 */
export class ChunkRowWriter {
  private readonly data: TailPacker;
  private readonly head: TailPacker;
  private nextDataId: number;
  private readonly stmt: { data: Database.Statement; lookup: Database.Statement; head: Database.Statement; maxId: Database.Statement };

  constructor(private readonly db: Database.Database) {
    const usable = db.pragma('page_size', { simple: true }) as number;
    this.data = new TailPacker(db, usable);
    this.head = new TailPacker(db, usable);
    this.stmt = {
      // Plain INSERTs: a row must never silently replace another.
      data: db.prepare('INSERT INTO chunk_data (id, data) VALUES (?, ?)'),
      lookup: db.prepare('INSERT INTO chunks (series_id, min_time, max_time, data_id, num_chunks) VALUES (?, ?, ?, ?, ?)'),
      head: db.prepare('INSERT INTO head_chunks (id, series_id, min_time, max_time, data) VALUES (?, ?, ?, ?, ?)'),
      maxId: db.prepare('SELECT MAX(id) FROM chunk_data').pluck(),
    };
    this.nextDataId = ((this.stmt.maxId.get() as number | null) ?? 0) + 1;
  }

  /** The file may differ from what was modelled (a transaction rolled back). */
  forget(): void {
    this.data.forget();
    this.head.forget();
    this.nextDataId = ((this.stmt.maxId.get() as number | null) ?? 0) + 1;
  }

  stats(): { predicted: number; wrong: number } {
    return { predicted: this.data.stats.predicted + this.head.stats.predicted, wrong: this.data.stats.wrong + this.head.stats.wrong };
  }

  write(rows: readonly ChunkRow[]): void {
    if (rows.length === 0) return;
    const items = rows.map((r) => ({ r, blob: packChunks(r.chunks), id: 0 }));
    this.data.append(
      items,
      this.nextDataId,
      (it, rowid) => leafCellSize(rowid, [], it.blob.length),
      (it, rowid) => {
        it.id = rowid;
        this.stmt.data.run(rowid, it.blob);
      },
    );
    this.nextDataId += items.length;
    // The lookup in key order: neighbouring keys land on the same pages.
    items.sort((a, b) => a.r.seriesId - b.r.seriesId || a.r.minT - b.r.minT);
    for (const { r, id } of items) this.stmt.lookup.run(r.seriesId, r.minT, r.maxT, id, r.chunks.length);
  }

  /** Replaces the head's rows with these. */
  writeHead(rows: readonly ChunkRow[]): void {
    this.db.exec('DELETE FROM head_chunks');
    this.head.forget();
    const items = rows.map((r) => ({ r, blob: packChunks(r.chunks) }));
    this.head.append(
      items,
      1,
      (it, rowid) => leafCellSize(rowid, [it.r.seriesId, it.r.minT, it.r.maxT], it.blob.length),
      (it, rowid) => {
        this.stmt.head.run(rowid, it.r.seriesId, it.r.minT, it.r.maxT, it.blob);
      },
    );
  }
}
