// The local TSDB: one SQLite file per kubeconfig context. Chunks are Prometheus's XOR encoding.
// Each series' open chunk, and the full chunks of the 2 h window it is in, live in memory (the
// head); when the series moves on to the next window they are written as one row (rows.ts), so
// SQLite's per-row costs are spread over a window of samples rather than one chunk. The head is
// made durable by a write-ahead log of one row per commit, checkpointed into head_chunks so the
// log stays short. A crash loses at most the commit in flight: on open, the stored rows and the
// last checkpoint are loaded and the log replayed.
import Database from 'better-sqlite3';
import { LABEL_SEP, type Label, type Labels } from '../../model/labels.js';
import { SeriesMap } from '../../model/series-map.js';
import type { Matcher } from '../../model/matchers.js';
import { FloatBuffer, floatBits, isStaleNaN, STALE_NAN } from '../../model/value.js';
import { decodeXorInto, XorChunk, xorNumSamples } from '../chunkenc/xor.js';
import type { Appendable, Appender, AppendRejection, MetricMetadata, Querier, Queryable, StoredSeries } from '../interface.js';

export type { Querier, StoredSeries } from '../interface.js';
import { ChunkRowWriter, chunkMinTime, GROUP_BYTES, packChunks, unpackChunks, WINDOW_MS, windowStart, type ChunkRow } from './rows.js';
import { migrate, SCHEMA_VERSION, SchemaError } from './schema.js';

export class TsdbError extends Error {}

export interface TsdbOptions {
  readonly?: boolean;
  /** Samples per chunk before it is cut, as Prometheus's default. */
  samplesPerChunk?: number;
  /** Checkpoint the head once the log holds this many samples. */
  checkpointSamples?: number;
  /** Write complete rows once they hold this many bytes of chunks (tests lower it). */
  rowBatchBytes?: number;
  /**
   * Group commit: commits that only add samples to existing series are applied to the head at
   * once (queries see them) and their log rows written together this many milliseconds later, in
   * one transaction; each commit's promise resolves once its row is written. 0 (the default)
   * writes every commit in its own transaction. The app uses it for scrapes: 50 targets a second
   * otherwise pay 50 SQLite transactions a second, about a sixth of the scrape path's CPU.
   */
  logFlushMs?: number;
}

/** A commit waiting for the group write of its log row. */
interface LogWaiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A full chunk held in the head. */
interface HeadChunk {
  bytes: Uint8Array;
  minT: number;
  /** NaN until needed, for chunks read back from head_chunks (finding it decodes the chunk). */
  maxT: number;
}

/** A series' full chunks of one window (or GROUP_BYTES of them), waiting to be written as a row. */
interface Group {
  s: HeadSeries;
  chunks: HeadChunk[];
  bytes: number;
}

interface HeadSeries {
  id: number;
  labels: Labels;
  /** The open chunk; null only before the first sample, or once the series went quiet. */
  chunk: XorChunk | null;
  /** End (exclusive) of the window the open chunk lies in: a sample at or past it cuts the chunk. */
  chunkEnd: number;
  /** Full chunks of the open chunk's window not yet written, oldest first. */
  pending: HeadChunk[];
  pendingBytes: number;
  /** Complete groups waiting for the next batched write, oldest first. */
  ready: Group[];
  /** Newest max_time among the series' stored rows, -Infinity if none: selects before it skip the table. */
  storedMaxT: number;
  /** Changes whenever samples move from memory into rows, or rows change: prefetched rows are stale then. */
  gen: number;
  /** Newest sample (committed), for order and duplicate checks. */
  lastT: number;
  /** Newest committed value, compared bit-exactly only when a timestamp repeats. */
  lastV: number;
  /** False when lastV has not been read back from disk yet (after a restart). */
  lastKnown?: boolean;
  /** Newest sample appended in the open batch, or -Infinity. */
  batchT: number;
  batchV: number;
  /** Removed by retention: a cached reference must not be appended to. */
  dead?: boolean;
  batch: number;
  /** Size of the last cut chunk, to size the next one. */
  chunkBytes?: number;
}

function newSeries(id: number, labels: Labels, batch: number): HeadSeries {
  return {
    id,
    labels,
    chunk: null,
    chunkEnd: -Infinity,
    pending: [],
    pendingBytes: 0,
    ready: [],
    storedMaxT: -Infinity,
    gen: 0,
    lastT: -Infinity,
    lastV: NaN,
    lastKnown: false,
    batchT: -Infinity,
    batchV: NaN,
    dead: false,
    batch,
    // Every field from the start: one object shape keeps the per-sample paths monomorphic.
    chunkBytes: undefined,
  };
}

/** Ready groups are written once they add up to this much: a batch gives the packer rows to choose from. */
const ROW_BATCH_BYTES = 256 << 10;

const SEP = LABEL_SEP;

// Varint helpers for the log records: unsigned LEB128 and zigzag for signed deltas.
class Writer {
  buf = Buffer.allocUnsafe(1 << 16);
  pos = 0;
  /** Starts over in the same buffer (SQLite copies a bound blob, so reuse is safe). */
  reset(): this {
    this.pos = 0;
    return this;
  }
  private ensure(n: number) {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  uvarint(v: number) {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }
  varint(v: number) {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  float(v: number) {
    this.ensure(8);
    if (isStaleNaN(v)) this.buf.writeBigUInt64BE(0x7ff0000000000002n, this.pos);
    else this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  get done() {
    return this.pos >= this.buf.length;
  }
  uvarint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new TsdbError('truncated log record');
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  }
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  float(): number {
    const bits = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return bits === 0x7ff0000000000002n ? STALE_NAN : this.buf.readDoubleBE(this.pos - 8);
  }
}

/** Stored rows read for a whole select, and each series' gen at that moment. */
interface Prefetched {
  rows: Map<number, Uint8Array[]>;
  gens: Map<number, number>;
}

export class Tsdb implements Appendable, Queryable {
  private readonly db: Database.Database;
  private readonly byKey = new SeriesMap<HeadSeries>();
  private readonly byId = new Map<number, HeadSeries>();
  private byLabels = new WeakMap<Labels, HeadSeries>();
  private readonly samplesPerChunk: number;
  private readonly checkpointSamples: number;
  private readonly rowBatchBytes: number;
  private logSamples = 0;
  private readonly logFlushMs: number;
  /** Log rows of group commits already in the head, not yet written; and their commits. */
  private pendingLog: { minT: number; bytes: Uint8Array }[] = [];
  private logWaiters: LogWaiter[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private batchGen = 0;
  private nextId = 1;
  /** Newest sample in the head: series whose window ended a window before it have gone quiet. */
  private maxT = -Infinity;
  /** Groups waiting to be written, across series, and their chunk bytes. */
  private ready: Group[] = [];
  private readyBytes = 0;
  /** A schema-1 file opened read-only: one chunk per row, nothing to migrate it with. */
  private readonly legacy: boolean;
  /** name SEP value → label_pairs.id, for every pair in the file. */
  private readonly pairIds = new Map<string, number>();
  /** One encoding buffer for every commit: a fresh 64 KiB per commit (and per new series) was most of a small commit's garbage. */
  private readonly writer = new Writer();
  /** label name → value → pair id, for regex matchers and label values. */
  private readonly pairsByName = new Map<string, Map<string, number>>();
  /** pair id → ids of the series that have it, ascending: the postings, built from series.pairs on open. */
  private readonly postings = new Map<number, number[]>();
  private nextPairId = 1;
  private readonly rows: ChunkRowWriter | null;
  private readonly stmt: {
    insertPair: Database.Statement;
    insertSeries: Database.Statement;
    insertLog: Database.Statement;
    upsertMeta: Database.Statement;
  };
  /** The query path's statements, prepared once rather than per query. */
  private readonly read: {
    rowsInRange: Database.Statement;
    rowsInRangeMany: Database.Statement;
    lastRow: Database.Statement;
  };

  private constructor(
    readonly file: string,
    private readonly opts: TsdbOptions,
  ) {
    this.samplesPerChunk = opts.samplesPerChunk ?? 120;
    this.checkpointSamples = opts.checkpointSamples ?? 2_000_000;
    this.rowBatchBytes = opts.rowBatchBytes ?? ROW_BATCH_BYTES;
    this.logFlushMs = opts.logFlushMs ?? 0;
    try {
      this.db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
      if (!opts.readonly) {
        // Both only take effect on a new file and must come first (even reading user_version fixes
        // the page size): larger pages pack rows of chunks with less slack, and incremental
        // auto-vacuum lets retention hand freed pages back to the filesystem.
        this.db.pragma('page_size = 16384');
        this.db.pragma('auto_vacuum = INCREMENTAL');
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
        migrate(this.db, file);
      }
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new SchemaError(`${file} was written by a newer Kubeglass (schema ${version}, this version reads up to ${SCHEMA_VERSION})`);
      this.legacy = version === 1;
      // Reading the schema is enough to refuse a file that is not a database; a full integrity
      // check would read every page on each open (slow for large histories), so it is on demand.
      this.db.prepare('SELECT COUNT(*) FROM sqlite_schema').get();
      // Preparing also proves the tables are there (a read-only open runs no migrations).
      const rowsFrom = this.legacy ? 'chunks c' : 'chunks c JOIN chunk_data d ON d.id = c.data_id';
      const data = this.legacy ? 'c.data' : 'd.data';
      this.read = {
        rowsInRange: this.db.prepare(`SELECT ${data} FROM ${rowsFrom} WHERE c.series_id = ? AND c.min_time <= ? AND c.max_time >= ? ORDER BY c.min_time`).pluck(),
        // One statement for a whole select: a call per series costs more than the lookups.
        rowsInRangeMany: this.db
          .prepare(
            `SELECT c.series_id, ${data} FROM ${rowsFrom} WHERE c.series_id IN (SELECT value FROM json_each(?)) AND c.min_time <= ? AND c.max_time >= ? ORDER BY c.series_id, c.min_time`,
          )
          .raw(),
        lastRow: this.db.prepare(`SELECT ${data} FROM ${rowsFrom} WHERE c.series_id = ? ORDER BY c.min_time DESC LIMIT 1`).pluck(),
      };
    } catch (err) {
      throw err instanceof TsdbError ? err : new TsdbError(`cannot open ${file}: ${(err as Error).message}`);
    }
    this.rows = opts.readonly ? null : new ChunkRowWriter(this.db);
    this.stmt = opts.readonly
      ? ({} as never)
      : {
          insertPair: this.db.prepare('INSERT INTO label_pairs (id, name, value) VALUES (?, ?, ?)'),
          insertSeries: this.db.prepare('INSERT INTO series (id, pairs) VALUES (?, ?)'),
          insertLog: this.db.prepare('INSERT INTO head_log (min_time, data) VALUES (?, ?)'),
          upsertMeta: this.db.prepare(
            'INSERT INTO metadata (metric, type, help, unit) VALUES (?, ?, ?, ?) ON CONFLICT (metric) DO UPDATE SET type = excluded.type, help = excluded.help, unit = excluded.unit',
          ),
        };
    // A reader sees one consistent snapshot for its whole life, even while a writer goes on:
    // series, rows and the head it replays must agree.
    if (opts.readonly) this.db.exec('BEGIN');
    this.load();
  }

  static open(file: string, opts: TsdbOptions = {}): Tsdb {
    return new Tsdb(file, opts);
  }

  /** Loads series, the checkpointed head and replays the log. */
  private load(): void {
    const pairById = new Map<number, Label>();
    for (const row of this.db.prepare('SELECT id, name, value FROM label_pairs').iterate() as Iterable<{ id: number; name: string; value: string }>) {
      pairById.set(row.id, { name: row.name, value: row.value });
      this.addPair(row.name, row.value, row.id);
      if (row.id >= this.nextPairId) this.nextPairId = row.id + 1;
    }
    for (const row of this.db.prepare('SELECT id, pairs FROM series ORDER BY id').iterate() as Iterable<{ id: number; pairs: Buffer }>) {
      const r = new Reader(row.pairs);
      const labels: Label[] = [];
      while (!r.done) {
        const pid = r.uvarint();
        labels.push(pairById.get(pid)!);
        this.addPosting(pid, row.id);
      }
      const s = newSeries(row.id, labels, 0);
      this.byKey.set(s);
      this.byId.set(row.id, s);
      if (row.id >= this.nextId) this.nextId = row.id + 1;
    }
    const mark = this.db.prepare("SELECT value FROM info WHERE key = 'next_series_id'").pluck().get() as string | undefined;
    if (mark !== undefined) this.nextId = Math.max(this.nextId, Number(mark));
    // Rows of one series never overlap, so the newest max_time is the last row's; in schema 2 this
    // reads only the small chunks table.
    for (const row of this.db.prepare('SELECT series_id AS id, MAX(max_time) AS t FROM chunks GROUP BY series_id').iterate() as Iterable<{ id: number; t: number }>) {
      const s = this.byId.get(row.id);
      if (s) s.lastT = s.storedMaxT = row.t;
    }
    for (const row of this.db.prepare('SELECT series_id AS id, data FROM head_chunks').iterate() as Iterable<{ id: number; data: Buffer }>) {
      const s = this.byId.get(row.id);
      if (!s) continue;
      // Chunks written as a row since this checkpoint are stored already; the head row's copy of
      // them (and a schema-1 head chunk that was cut since) is skipped.
      const chunks = (this.legacy ? [row.data as Uint8Array] : unpackChunks(row.data)).filter((c) => chunkMinTime(c) > s.lastT);
      const open = chunks.pop();
      if (!open) continue;
      for (const c of chunks) {
        s.pending.push({ bytes: c, minT: chunkMinTime(c), maxT: NaN });
        s.pendingBytes += c.length;
      }
      s.chunk = XorChunk.from(open);
      s.chunkEnd = windowStart(s.chunk.minTime()) + WINDOW_MS;
      s.lastT = s.chunk.maxTime();
    }
    for (const s of this.byId.values()) if (s.lastT > this.maxT) this.maxT = s.lastT;
    // Replay: samples at or before what rows and the checkpoint already hold were persisted.
    for (const row of this.db.prepare('SELECT min_time, data FROM head_log ORDER BY id').iterate() as Iterable<{ min_time: number; data: Buffer }>) {
      const r = new Reader(row.data);
      while (!r.done) {
        const id = r.uvarint();
        const t = row.min_time + r.varint();
        const v = r.float();
        const s = this.byId.get(id);
        this.logSamples++;
        if (!s || t <= s.lastT) continue;
        this.appendToHead(s, t, v);
      }
    }
    for (const s of this.byId.values()) {
      if (s.chunk && s.chunk.numSamples() > 0) {
        s.lastV = lastValue(s.chunk.bytes());
        s.lastKnown = true;
      }
    }
  }

  /** The newest stored value of a series whose head is empty, for the duplicate check. */
  private loadLastValue(s: HeadSeries): void {
    const newest = s.pending.at(-1) ?? s.ready.at(-1)?.chunks.at(-1);
    if (newest) s.lastV = lastValue(newest.bytes);
    else {
      const row = this.read.lastRow.get(s.id) as Buffer | undefined;
      const last = row && (this.legacy ? row : unpackChunks(row).at(-1));
      if (last) s.lastV = lastValue(last);
    }
    s.lastKnown = true;
  }

  private addPair(name: string, value: string, id: number): void {
    this.pairIds.set([name, SEP, value].join(''), id); // flat: a cons string would be kept as the key
    let values = this.pairsByName.get(name);
    if (!values) this.pairsByName.set(name, (values = new Map()));
    values.set(value, id);
  }

  private addPosting(pairId: number, seriesId: number): void {
    const list = this.postings.get(pairId);
    if (list) list.push(seriesId);
    else this.postings.set(pairId, [seriesId]);
  }

  /**
   * Appends to the series' open chunk, first cutting it when full or when the sample lies in a
   * later window (Prometheus cuts head chunks at block boundaries too). Nothing is written here:
   * complete groups wait in memory for writeReady().
   */
  private appendToHead(s: HeadSeries, t: number, v: number): void {
    if (s.chunk !== null && (t >= s.chunkEnd || s.chunk.numSamples() >= this.samplesPerChunk)) this.cut(s, t);
    if (s.chunk === null) {
      // Sized like the series' previous chunk: buffer growth is half the cost of encoding.
      s.chunk = new XorChunk(s.chunkBytes);
      s.chunkEnd = windowStart(t) + WINDOW_MS;
    }
    s.chunk.append(t, v);
    s.lastT = t;
    if (t > this.maxT) this.maxT = t;
  }

  /** Moves the open chunk to the pending group; completes the group at a window's end or when large. */
  private cut(s: HeadSeries, nextT: number): void {
    const c = s.chunk!;
    const bytes = c.bytes().slice();
    s.pending.push({ bytes, minT: c.minTime(), maxT: c.maxTime() });
    s.pendingBytes += bytes.length;
    s.chunkBytes = bytes.length + 16;
    s.chunk = null;
    if (nextT >= s.chunkEnd || s.pendingBytes >= GROUP_BYTES) this.completeGroup(s);
  }

  private completeGroup(s: HeadSeries): void {
    if (s.pending.length === 0) return;
    const g: Group = { s, chunks: s.pending, bytes: s.pendingBytes };
    s.pending = [];
    s.pendingBytes = 0;
    s.ready.push(g);
    this.ready.push(g);
    this.readyBytes += g.bytes;
  }

  /** Writes every ready group as a row. Runs inside a transaction. */
  private writeReady(): void {
    if (this.ready.length === 0) return;
    const rows: ChunkRow[] = [];
    for (const g of this.ready) {
      const s = g.s;
      rows.push({ seriesId: s.id, minT: g.chunks[0]!.minT, maxT: chunkMaxTime(g.chunks.at(-1)!), chunks: g.chunks.map((c) => c.bytes) });
      s.ready = [];
      s.gen++;
      s.storedMaxT = Math.max(s.storedMaxT, rows.at(-1)!.maxT);
    }
    this.ready = [];
    this.readyBytes = 0;
    this.rows!.write(rows);
  }

  /** Replaces head_chunks with the head as it is. Runs inside a transaction. */
  private writeHead(): void {
    const rows: ChunkRow[] = [];
    for (const s of this.byId.values()) {
      const open = s.chunk;
      if (!open || open.numSamples() === 0) continue;
      const chunks = s.pending.map((c) => c.bytes);
      chunks.push(open.bytes());
      rows.push({ seriesId: s.id, minT: s.pending[0]?.minT ?? open.minTime(), maxT: open.maxTime(), chunks });
    }
    this.rows!.writeHead(rows);
  }

  /** Runs `fn` in a transaction; if it fails, memory is reloaded from what the file holds. */
  private transaction(fn: () => void, created: HeadSeries[] = []): void {
    try {
      this.db.transaction(fn)();
    } catch (err) {
      this.reloadHead(created, err);
      throw err;
    }
  }

  /**
   * `durable: false` skips the write-ahead log (bulk imports: the caller checkpoints at the end,
   * and a crash midway loses the import in progress, not earlier data).
   */
  appender(options: { durable?: boolean } = {}): Appender {
    if (this.opts.readonly) throw new TsdbError(`${this.file} is open read-only`);
    return new TsdbAppender(this, ++this.batchGen, options.durable !== false);
  }

  /** TsdbAppender.append: checks order and duplicates against the head and the open batch. */
  batchAppend(b: TsdbAppender, labels: Labels, t: number, v: number): AppendRejection | null {
    // Callers reuse label-set objects (the scrape cache, an import's current series), so an
    // identity lookup skips building the canonical key for almost every sample.
    let s = this.byLabels.get(labels);
    if (s === undefined || s.dead) {
      s = this.byKey.get(labels);
      if (!s) {
        s = newSeries(0, labels, b.gen);
        this.byKey.set(s);
        b.created.push(s);
      }
      this.byLabels.set(labels, s);
    }
    if (s.batch !== b.gen) {
      s.batch = b.gen;
      s.batchT = -Infinity;
    }
    const newestT = s.batchT > s.lastT ? s.batchT : s.lastT;
    if (t < newestT) return 'out_of_order';
    if (t === newestT) {
      if (s.batchT !== newestT && !s.lastKnown) this.loadLastValue(s);
      const prev = s.batchT === newestT ? s.batchV : s.lastV;
      // Prometheus accepts a resent identical sample silently, and rejects a changed one.
      return floatBits(v) === floatBits(prev) ? null : 'duplicate';
    }
    s.batchT = t;
    s.batchV = v;
    b.series.push(s);
    b.ts.push(t);
    b.vs.push(v);
    return null;
  }

  /** TsdbAppender.commit: null when stored, or a promise that settles once a group write is. */
  batchCommit(b: TsdbAppender): Promise<void> | null {
    let written: Promise<void> | null;
    try {
      written = this.commitBatch(b.series, b.ts, b.vs, b.created, b.meta, b.durable);
    } catch (err) {
      this.batchReset(b);
      throw this.wrapError(err);
    }
    b.created = [];
    this.batchReset(b);
    return written;
  }

  private wrapError(err: unknown): TsdbError {
    return err instanceof TsdbError ? err : new TsdbError(`${this.file}: ${(err as Error).message}`);
  }

  /** Writes the group commits' log rows (and rows of chunks, once enough are complete) in one transaction. */
  flushLog(): void {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.pendingLog.length === 0) return;
    try {
      this.transaction(() => {
        this.writePendingLog();
        if (this.readyBytes >= this.rowBatchBytes) this.writeReady();
      });
    } catch {
      // transaction() reloaded the head and rejected the waiting commits with the error.
      return;
    }
    this.settleLog(null);
  }

  /** Inside a transaction: the pending group rows, oldest first, so replay keeps their order. */
  private writePendingLog(): void {
    for (const r of this.pendingLog) this.stmt.insertLog.run(r.minT, r.bytes);
    this.pendingLog = [];
  }

  /** Resolves (err null) or rejects every commit waiting for a group write. */
  private settleLog(err: Error | null): void {
    const waiters = this.logWaiters;
    this.pendingLog = [];
    this.logWaiters = [];
    for (const w of waiters) if (err === null) w.resolve();
    else w.reject(err);
  }

  /** TsdbAppender.rollback: forgets the batch, and the series it alone created. */
  batchReset(b: TsdbAppender): void {
    for (const s of b.created) if (s.id === 0) this.byKey.delete(s.labels, s);
    b.series = [];
    b.ts = [];
    b.vs.clear();
    b.created = [];
    b.meta.clear();
  }

  private commitBatch(series: HeadSeries[], ts: number[], vs: FloatBuffer, createdIn: HeadSeries[], meta: Map<string, MetricMetadata>, durable: boolean): Promise<void> | null {
    let created = createdIn;
    if (series.length === 0 && created.length === 0 && meta.size === 0) return null;
    if (this.logFlushMs > 0 && durable && created.length === 0 && meta.size === 0 && !series.some((s) => s.id === 0)) return this.groupCommit(series, ts, vs);
    // A series another (rolled-back) appender created but never committed is created by this one;
    // one that another appender committed meanwhile is not created twice.
    // (A Set: a first scrape of a large target brings tens of thousands of new series at once.)
    const mine = new Set(created);
    for (const s of series) {
      if (s.id === 0 && !mine.has(s)) {
        mine.add(s);
        created.push(s);
      }
    }
    created = created.filter((s) => s.id === 0);
    const grouped = this.logWaiters.length > 0;
    this.transaction(() => {
      // Earlier group commits' rows go first: the log is replayed in row order.
      this.writePendingLog();
      for (const s of created) {
        s.id = this.nextId++;
        this.byKey.set(s);
        const w = this.writer.reset();
        for (const l of s.labels) {
          const pk = l.name + SEP + l.value;
          let pid = this.pairIds.get(pk);
          if (pid === undefined) {
            pid = this.nextPairId++;
            this.stmt.insertPair.run(pid, l.name, l.value);
            this.addPair(l.name, l.value, pid);
          }
          w.uvarint(pid);
          this.addPosting(pid, s.id);
        }
        this.stmt.insertSeries.run(s.id, w.buf.subarray(0, w.pos));
        this.byId.set(s.id, s);
      }
      if (series.length > 0 && durable) {
        const minT = this.encodeLog(series, ts, vs);
        this.stmt.insertLog.run(minT, this.writer.buf.subarray(0, this.writer.pos));
        this.logSamples += series.length;
      }
      for (let i = 0; i < series.length; i++) {
        const s = series[i]!;
        const v = vs.get(i);
        // Checked again: another appender may have committed newer samples since append().
        if (ts[i]! <= s.lastT) continue;
        this.appendToHead(s, ts[i]!, v);
        s.lastV = v;
        s.lastKnown = true;
      }
      if (this.readyBytes >= this.rowBatchBytes) this.writeReady();
      for (const [metric, m] of meta) this.stmt.upsertMeta.run(metric, m.type, m.help, m.unit);
    }, created);
    if (grouped) this.settleLog(null);
    if (this.logSamples >= this.checkpointSamples) this.checkpoint();
    return null;
  }

  /**
   * A commit's log row into this.writer: each new sample as series id, time after the row's
   * first, and value. Returns that first time.
   */
  private encodeLog(series: HeadSeries[], ts: number[], vs: FloatBuffer): number {
    let minT = Infinity;
    for (const t of ts) if (t < minT) minT = t;
    const w = this.writer.reset();
    for (let i = 0; i < series.length; i++) {
      if (ts[i]! <= series[i]!.lastT) continue;
      w.uvarint(series[i]!.id);
      w.varint(ts[i]! - minT);
      w.float(vs.get(i));
    }
    return minT;
  }

  /**
   * A commit of samples of existing series only: into the head now, its log row into the next
   * group write. The head is memory, so nothing here can fail half-way.
   */
  private groupCommit(series: HeadSeries[], ts: number[], vs: FloatBuffer): Promise<void> {
    const minT = this.encodeLog(series, ts, vs);
    this.pendingLog.push({ minT, bytes: this.writer.buf.slice(0, this.writer.pos) });
    this.logSamples += series.length;
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      if (ts[i]! <= s.lastT) continue;
      const v = vs.get(i);
      this.appendToHead(s, ts[i]!, v);
      s.lastV = v;
      s.lastKnown = true;
    }
    const written = new Promise<void>((resolve, reject) => this.logWaiters.push({ resolve, reject }));
    if (this.logSamples >= this.checkpointSamples) this.checkpoint();
    else if (this.readyBytes >= this.rowBatchBytes) this.flushLog();
    else if (this.flushTimer === null) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.flushLog();
      }, this.logFlushMs);
      this.flushTimer.unref?.();
    }
    return written;
  }

  private reloadHead(created: HeadSeries[] = [], cause?: unknown): void {
    // Group commits applied to the head but not yet written are lost with it: their commits fail.
    this.settleLog(this.wrapError(cause ?? new Error('the head was reloaded')));
    // Every in-memory object may now be ahead of the file: drop them all, including the identity
    // cache callers reach them through and label pairs whose insert was rolled back.
    for (const s of this.byId.values()) s.dead = true;
    for (const s of created) s.dead = true;
    this.byLabels = new WeakMap();
    this.byKey.clear();
    this.byId.clear();
    this.pairIds.clear();
    this.pairsByName.clear();
    this.postings.clear();
    this.ready = [];
    this.readyBytes = 0;
    this.maxT = -Infinity;
    this.nextId = 1;
    this.nextPairId = 1;
    this.logSamples = 0;
    this.rows?.forget();
    this.load();
  }

  /**
   * Writes complete groups as rows and the rest of the head to head_chunks, and truncates the log.
   * A series whose newest window ended a whole window before the newest sample has gone quiet: its
   * chunks are written as a row too, so the head (and each checkpoint) holds only live series.
   */
  checkpoint(): void {
    if (this.opts.readonly) return;
    // Capped by the clock: one sample stamped far in the future must not make every series quiet.
    const newest = Math.min(this.maxT, Date.now());
    this.transaction(() => {
      for (const s of this.byId.values()) {
        if (s.chunk && s.chunkEnd + WINDOW_MS <= newest) this.cut(s, Infinity);
      }
      this.writeReady();
      this.writeHead();
      // Pending group rows are not written: the head just written holds their samples.
      this.pendingLog = [];
      this.db.exec('DELETE FROM head_log');
    });
    this.logSamples = 0;
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    this.settleLog(null);
  }

  querier(mint: number, maxt: number): Querier {
    const ids = (matchers: Matcher[]) => this.postingsFor(matchers);
    const selectRows = this.read.rowsInRange;
    const selectMany = this.read.rowsInRangeMany;
    const legacy = this.legacy;
    const make = (s: HeadSeries, stored?: Prefetched): StoredSeries => ({
      labels: s.labels,
      samples: () => {
        // Prefetched rows are only good while no samples of the series moved into rows since
        // (queries yield, scrapes commit): then they are read again.
        if (stored && stored.gens.get(s.id) !== s.gen) stored = undefined;
        const chunks: Uint8Array[] = [];
        // Rows end before the head begins: a recent range (an instant query's lookback, a
        // dashboard's last minutes) after the newest row needs no statement.
        if (s.storedMaxT >= mint) {
          const rows = stored ? (stored.rows.get(s.id) ?? []) : (selectRows.all(s.id, maxt, mint) as Buffer[]);
          for (const r of rows) {
            if (legacy) chunks.push(r);
            else for (const c of unpackChunks(r)) chunks.push(c);
          }
        }
        for (const g of s.ready) for (const c of g.chunks) chunks.push(c.bytes);
        for (const c of s.pending) chunks.push(c.bytes);
        const open = s.chunk && s.chunk.numSamples() > 0 ? s.chunk : null;
        return decodeRange(chunks, open, mint, maxt);
      },
    });
    /** The stored rows of many series in one statement, by series id, with the gens they go with. */
    const prefetch = (series: HeadSeries[]): Prefetched => {
      const rows = new Map<number, Uint8Array[]>();
      const gens = new Map<number, number>();
      for (const s of series) gens.set(s.id, s.gen);
      for (const [id, data] of selectMany.iterate(JSON.stringify(series.map((s) => s.id)), maxt, mint) as Iterable<[number, Buffer]>) {
        let list = rows.get(id);
        if (!list) rows.set(id, (list = []));
        list.push(data);
      }
      return { rows, gens };
    };
    return {
      select: (matchers) => {
        const found: HeadSeries[] = [];
        for (const id of ids(matchers)) {
          const s = this.byId.get(id);
          if (s) found.push(s);
        }
        const needRows = found.filter((s) => s.storedMaxT >= mint);
        const stored = needRows.length > 16 ? prefetch(needRows) : undefined;
        return found.map((s) => make(s, stored));
      },
      labelNames: (matchers) => {
        if (!matchers || matchers.length === 0) return [...this.pairsByName.keys()].sort();
        const names = new Set<string>();
        for (const id of ids(matchers)) for (const l of this.byId.get(id)?.labels ?? []) names.add(l.name);
        return [...names].sort();
      },
      labelValues: (name, matchers) => {
        if (!matchers || matchers.length === 0) return [...(this.pairsByName.get(name)?.keys() ?? [])].sort();
        const values = new Set<string>();
        for (const id of ids(matchers)) {
          const v = this.byId.get(id)?.labels.find((l) => l.name === name)?.value;
          if (v !== undefined) values.add(v);
        }
        return [...values].sort();
      },
    };
  }

  /** Series ids matching all matchers, via the postings (Prometheus's PostingsForMatchers). */
  private postingsFor(matchers: Matcher[]): number[] {
    let result: Set<number> | null = null;
    const intersect = (ids: Iterable<number>) => {
      const next = new Set<number>();
      for (const id of ids) if (result === null || result.has(id)) next.add(id);
      result = next;
    };
    // Matchers that select by what a label is go first; those that need "all series" go last.
    const ordered = [...matchers].sort((a, b) => Number(a.matchesEmpty) - Number(b.matchesEmpty));
    for (const m of ordered) {
      if (!m.matchesEmpty) {
        intersect(this.idsWithValue(m.name, (v) => m.matches(v), m));
      } else {
        // Matches the empty value: series without the label, or with a matching value.
        const excluded = new Set(this.idsWithValue(m.name, (v) => !m.matches(v), null));
        if (result === null) result = new Set(this.byId.keys());
        for (const id of excluded) (result as Set<number>).delete(id);
      }
      if ((result as Set<number> | null)?.size === 0) return [];
    }
    return [...(result ?? new Set(this.byId.keys()))].sort((a, b) => a - b);
  }

  private idsWithValue(name: string, accept: (v: string) => boolean, m: Matcher | null): number[] {
    let pairs: number[];
    if (m?.type === '=') {
      const id = this.pairIds.get(name + SEP + m.value);
      pairs = id === undefined ? [] : [id];
    } else if (m?.setValues) {
      pairs = m.setValues.map((v) => this.pairIds.get(name + SEP + v)).filter((id): id is number => id !== undefined);
    } else {
      pairs = [];
      const prefix = m?.prefix ?? '';
      for (const [value, id] of this.pairsByName.get(name) ?? []) if (value.startsWith(prefix) && accept(value)) pairs.push(id);
    }
    if (pairs.length === 1) return this.postings.get(pairs[0]!) ?? [];
    const out: number[] = [];
    for (const p of pairs) for (const id of this.postings.get(p) ?? []) out.push(id);
    return out;
  }

  /**
   * Deletes data older than `maxAgeMs` before `now`, then the oldest data until the file fits in
   * `maxBytes`; removes series left with no samples and hands freed pages back to the filesystem.
   * Returns how many chunks and series were removed.
   */
  applyRetention(policy: { maxAgeMs?: number; maxBytes?: number }, now = Date.now()): { chunks: number; series: number } {
    if (this.opts.readonly) return { chunks: 0, series: 0 };
    // Empty the log first: replaying it after a crash must not bring deleted samples back. This
    // also writes every ready group, so all that is not in rows is in the head.
    this.checkpoint();
    let chunks = 0;
    const deleteBefore = (cutoff: number) =>
      this.transaction(() => {
        chunks += this.deleteBefore(cutoff);
        // Deletes may have freed room on chunk_data's last page.
        this.rows!.forget();
        this.writeHead();
      });
    if (policy.maxAgeMs !== undefined && policy.maxAgeMs > 0) deleteBefore(now - policy.maxAgeMs);
    if (policy.maxBytes !== undefined && policy.maxBytes > 0) {
      const pageSize = this.db.pragma('page_size', { simple: true }) as number;
      const used = () => ((this.db.pragma('page_count', { simple: true }) as number) - (this.db.pragma('freelist_count', { simple: true }) as number)) * pageSize;
      // Oldest first, as Prometheus drops its oldest blocks: free what the chunks' own bytes say
      // is needed (page-level accounting lags behind deletes, and would over-delete).
      // A few rounds: B-tree pages fill unevenly, so one estimate can fall short.
      for (let round = 0; round < 16; round++) {
        const excess = used() - policy.maxBytes;
        if (excess <= 0) break;
        const cutoff = this.sizeCutoff(excess);
        if (cutoff === null) break;
        deleteBefore(cutoff + 1);
        this.db.pragma('incremental_vacuum');
      }
    }
    const series = this.dropEmptySeries();
    this.db.pragma('incremental_vacuum');
    return { chunks, series };
  }

  /**
   * Removes every chunk whose newest sample is before `cutoff`, from rows and from the head; a row
   * that reaches past the cutoff keeps its newer chunks. Runs inside a transaction.
   */
  private deleteBefore(cutoff: number): number {
    let removed = this.db.prepare('SELECT COALESCE(SUM(num_chunks), 0) FROM chunks WHERE max_time < ?').pluck().get(cutoff) as number;
    this.db.prepare('DELETE FROM chunk_data WHERE id IN (SELECT data_id FROM chunks WHERE max_time < ?)').run(cutoff);
    this.db.prepare('DELETE FROM chunks WHERE max_time < ?').run(cutoff);
    const straddling = this.db
      .prepare('SELECT c.series_id AS id, c.min_time AS minT, c.data_id AS dataId, d.data FROM chunks c JOIN chunk_data d ON d.id = c.data_id WHERE c.min_time < ?')
      .all(cutoff) as { id: number; minT: number; dataId: number; data: Buffer }[];
    const setData = this.db.prepare('UPDATE chunk_data SET data = ? WHERE id = ?');
    const setLookup = this.db.prepare('UPDATE chunks SET min_time = ?, num_chunks = ? WHERE series_id = ? AND min_time = ?');
    for (const row of straddling) {
      const all = unpackChunks(row.data);
      const keep = dropExpired(all.map((bytes) => ({ bytes, minT: chunkMinTime(bytes), maxT: NaN })), cutoff);
      if (keep.length === all.length) continue;
      removed += all.length - keep.length;
      // Shrinks in place: the page keeps the hole until its other (as old) rows go too.
      setData.run(packChunks(keep.map((c) => c.bytes)), row.dataId);
      setLookup.run(keep[0]!.minT, keep.length, row.id, row.minT);
    }
    for (const s of this.byId.values()) {
      s.gen++;
      const keep = dropExpired(s.pending, cutoff);
      removed += s.pending.length - keep.length;
      s.pending = keep;
      s.pendingBytes = keep.reduce((n, c) => n + c.bytes.length, 0);
      if (s.chunk && s.chunk.numSamples() > 0 && s.chunk.maxTime() < cutoff) {
        s.chunk = null;
        removed++;
      }
    }
    return removed;
  }

  /**
   * The time up to which chunks must go to free about `excess` bytes, oldest chunks first across
   * rows and head, or null if there is nothing to delete.
   */
  private sizeCutoff(excess: number): number | null {
    // Rows by newest sample give an upper bound: the chunks to delete lie in rows that begin before it.
    let bound = Infinity;
    let freed = 0;
    for (const row of this.db.prepare('SELECT c.max_time AS t, length(d.data) AS n FROM chunks c JOIN chunk_data d ON d.id = c.data_id ORDER BY c.max_time').iterate() as Iterable<{ t: number; n: number }>) {
      freed += row.n + 40;
      if (freed >= excess) {
        bound = row.t;
        break;
      }
    }
    // Each chunk's newest sample is before the next chunk's first; decoding is needed only for the
    // last chunk of a row or head, which the row's or the head's own maxima give.
    const candidates: { t: number; n: number }[] = [];
    const add = (chunks: readonly HeadChunk[], last: number) => {
      for (let i = 0; i < chunks.length; i++) {
        const t = i + 1 < chunks.length ? chunks[i + 1]!.minT - 1 : last;
        if (t <= bound) candidates.push({ t, n: chunks[i]!.bytes.length + 8 });
      }
    };
    for (const row of this.db.prepare('SELECT c.max_time AS t, d.data FROM chunks c JOIN chunk_data d ON d.id = c.data_id WHERE c.min_time <= ?').iterate(bound) as Iterable<{ t: number; data: Buffer }>) {
      add(
        unpackChunks(row.data).map((bytes) => ({ bytes, minT: chunkMinTime(bytes), maxT: NaN })),
        row.t,
      );
    }
    for (const s of this.byId.values()) {
      const open = s.chunk && s.chunk.numSamples() > 0 ? s.chunk : null;
      const head = open ? [...s.pending, { bytes: open.bytes(), minT: open.minTime(), maxT: open.maxTime() }] : s.pending;
      if (head.length > 0) add(head, chunkMaxTime(head.at(-1)!));
    }
    if (candidates.length === 0) return null;
    candidates.sort((a, b) => a.t - b.t);
    freed = 0;
    for (const c of candidates) {
      freed += c.n;
      if (freed >= excess) return c.t;
    }
    return candidates.at(-1)!.t;
  }

  /** Series with neither stored rows nor head samples go, with their postings and unused pairs. */
  private dropEmptySeries(): number {
    const withRows = new Set(this.db.prepare('SELECT DISTINCT series_id FROM chunks').pluck().all() as number[]);
    const empty = [...this.byId.values()].filter((s) => !withRows.has(s.id) && !(s.chunk && s.chunk.numSamples() > 0) && s.pending.length === 0 && s.ready.length === 0);
    if (empty.length === 0) return 0;
    const gone = new Set(empty.map((s) => s.id));
    const orphans: number[] = [];
    for (const s of empty) {
      for (const l of s.labels) {
        const pid = this.pairIds.get(l.name + SEP + l.value)!;
        const list = this.postings.get(pid);
        if (!list) continue;
        const left = list.filter((id) => !gone.has(id));
        if (left.length > 0) this.postings.set(pid, left);
        else {
          this.postings.delete(pid);
          orphans.push(pid);
        }
      }
    }
    this.transaction(() => {
      const delSeries = this.db.prepare('DELETE FROM series WHERE id = ?');
      for (const s of empty) delSeries.run(s.id);
      const delPair = this.db.prepare('DELETE FROM label_pairs WHERE id = ? RETURNING name, value');
      for (const pid of orphans) {
        const p = delPair.get(pid) as { name: string; value: string } | undefined;
        if (!p) continue;
        this.pairIds.delete(p.name + SEP + p.value);
        const values = this.pairsByName.get(p.name);
        values?.delete(p.value);
        if (values?.size === 0) this.pairsByName.delete(p.name);
      }
    });
    for (const s of empty) {
      s.dead = true;
      this.byId.delete(s.id);
      this.byKey.delete(s.labels, s);
    }
    // Ids are never reused, so nothing that once named a dropped series can name a new one.
    this.setInfo({ next_series_id: String(this.nextId) });
    return empty.length;
  }

  metadata(): Map<string, MetricMetadata> {
    const out = new Map<string, MetricMetadata>();
    for (const r of this.db.prepare('SELECT metric, type, help, unit FROM metadata').iterate() as Iterable<{ metric: string } & MetricMetadata>) {
      out.set(r.metric, { type: r.type, help: r.help, unit: r.unit });
    }
    return out;
  }

  /** SQLite's full integrity check: 'ok' or the problems it found. */
  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  /** The file's own description (context name, capture details). */
  info(): Record<string, string> {
    return Object.fromEntries((this.db.prepare('SELECT key, value FROM info').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  }

  setInfo(values: Record<string, string>): void {
    const put = this.db.prepare('INSERT INTO info (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(values)) put.run(k, v);
    })();
  }

  /** Series, full chunks (stored and in the head; open chunks not counted) and file size. */
  stats(): { series: number; chunks: number; bytes: number } {
    let chunks = this.legacy
      ? (this.db.prepare('SELECT COUNT(*) FROM chunks').pluck().get() as number)
      : (this.db.prepare('SELECT COALESCE(SUM(num_chunks), 0) FROM chunks').pluck().get() as number);
    for (const s of this.byId.values()) {
      chunks += s.pending.length;
      for (const g of s.ready) chunks += g.chunks.length;
    }
    const pageCount = this.db.pragma('page_count', { simple: true }) as number;
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    return { series: this.byId.size, chunks, bytes: pageCount * pageSize };
  }

  /** For tests: how often the row packer's page model was checked, and wrong. */
  packerStats(): { predicted: number; wrong: number } {
    return this.rows?.stats() ?? { predicted: 0, wrong: 0 };
  }

  close(): void {
    if (!this.opts.readonly && this.db.open) this.checkpoint();
    if (this.db.open) this.db.close();
  }
}

/** The newest sample time of a head chunk, decoding it once if it was read back from disk. */
function chunkMaxTime(c: HeadChunk): number {
  if (Number.isNaN(c.maxT)) c.maxT = XorChunk.from(c.bytes).maxTime();
  return c.maxT;
}

/** The chunks (oldest first) that hold a sample at or after `cutoff`. */
function dropExpired(chunks: HeadChunk[], cutoff: number): HeadChunk[] {
  let i = 0;
  // A chunk ends before the next one begins: only the first one that may reach the cutoff is decoded.
  while (i < chunks.length && ((i + 1 < chunks.length && chunks[i + 1]!.minT <= cutoff) || chunkMaxTime(chunks[i]!) < cutoff)) i++;
  return i === 0 ? chunks : chunks.slice(i);
}

function lastValue(chunk: Uint8Array): number {
  const n = xorNumSamples(chunk);
  if (n === 0) return NaN;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  decodeXorInto(chunk, t, v);
  return v[n - 1]!;
}

/**
 * Decodes the chunks (ascending, non-overlapping; `open` after them) that can hold samples in
 * [mint, maxt], and returns those samples. A chunk is skipped without decoding when the next one
 * begins at or before mint, and decoding stops at the first chunk beginning after maxt. Values
 * stay in Float64Arrays throughout, so NaN payloads (staleness markers) come back bit for bit.
 */
function decodeRange(chunks: Uint8Array[], open: XorChunk | null, mint: number, maxt: number): { t: Float64Array; v: Float64Array } {
  const n = chunks.length;
  const starts = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) starts[i] = chunkMinTime(chunks[i]!);
  starts[n] = open ? open.minTime() : Infinity;
  let first = 0;
  while (first < n && starts[first + 1]! <= mint) first++;
  let end = first;
  let total = 0;
  while (end < n && starts[end]! <= maxt) total += xorNumSamples(chunks[end++]!);
  const withOpen = open !== null && starts[n]! <= maxt;
  if (withOpen) total += open.numSamples();
  const t = new Float64Array(total);
  const v = new Float64Array(total);
  let k = 0;
  for (let i = first; i < end; i++) k += decodeXorInto(chunks[i]!, t, v, k);
  if (withOpen) k += open.decodeInto(t, v, k);
  // Only the first and last decoded chunks can reach outside the range; the samples are sorted.
  let lo = 0;
  while (lo < k && t[lo]! < mint) lo++;
  let hi = k;
  while (hi > lo && t[hi - 1]! > maxt) hi--;
  return { t: t.subarray(lo, hi), v: v.subarray(lo, hi) };
}

/**
 * One batch of appends. A class rather than an object of closures: callers make one appender per
 * scrape, and fresh closures each time give every call site a new target, which V8's optimized
 * code then deoptimizes and recompiles for, over and over (about a third of the scrape path's CPU,
 * in compiler threads, before this was a class).
 */
class TsdbAppender implements Appender {
  series: HeadSeries[] = [];
  ts: number[] = [];
  readonly vs = new FloatBuffer(256);
  created: HeadSeries[] = [];
  readonly meta = new Map<string, MetricMetadata>();
  constructor(
    private readonly db: Tsdb,
    readonly gen: number,
    readonly durable: boolean,
  ) {}
  append(labels: Labels, t: number, v: number): AppendRejection | null {
    return this.db.batchAppend(this, labels, t, v);
  }
  updateMetadata(family: string, m: MetricMetadata): void {
    this.meta.set(family, m);
  }
  async commit(): Promise<void> {
    const written = this.db.batchCommit(this);
    if (written !== null) await written;
  }
  rollback(): void {
    this.db.batchReset(this);
  }
}
