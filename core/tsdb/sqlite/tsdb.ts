// The local TSDB: one SQLite file per kubeconfig context. Full chunks are immutable BLOBs in
// Prometheus's XOR encoding; each series' open chunk lives in memory (the head) and is made
// durable by a write-ahead log of one row per commit, checkpointed into head_chunks so the log
// stays short. A crash loses at most the commit in flight: on open, the last checkpoint is loaded
// and the log replayed.
import Database from 'better-sqlite3';
import { LABEL_SEP, labelsKey, type Label, type Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matchers.js';
import { FloatBuffer, floatBits, isStaleNaN, STALE_NAN } from '../../model/value.js';
import { XorChunk, XorIterator } from '../chunkenc/xor.js';
import type { Appendable, Appender, AppendRejection, MetricMetadata, Querier, Queryable, StoredSeries } from '../interface.js';

export type { Querier, StoredSeries } from '../interface.js';
import { migrate } from './schema.js';

export class TsdbError extends Error {}

export interface TsdbOptions {
  readonly?: boolean;
  /** Samples per chunk before it is cut, as Prometheus's default. */
  samplesPerChunk?: number;
  /** Checkpoint the head once the log holds this many samples. */
  checkpointSamples?: number;
}

interface HeadSeries {
  id: number;
  labels: Labels;
  chunk: XorChunk | null;
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

/** Stored chunk rows read for a whole select, and the head chunk of each series at that moment. */
interface Prefetched {
  rows: Map<number, Uint8Array[]>;
  heads: Map<number, XorChunk | null>;
}

export class Tsdb implements Appendable, Queryable {
  private readonly db: Database.Database;
  private readonly byKey = new Map<string, HeadSeries>();
  private readonly byId = new Map<number, HeadSeries>();
  private byLabels = new WeakMap<Labels, HeadSeries>();
  private readonly samplesPerChunk: number;
  private readonly checkpointSamples: number;
  private logSamples = 0;
  private batchGen = 0;
  private nextId = 1;
  /** name SEP value → label_pairs.id, for every pair in the file. */
  private readonly pairIds = new Map<string, number>();
  /** One encoding buffer for every commit: a fresh 64 KiB per commit (and per new series) was most of a small commit's garbage. */
  private readonly writer = new Writer();
  /** label name → value → pair id, for regex matchers and label values. */
  private readonly pairsByName = new Map<string, Map<string, number>>();
  private nextPairId = 1;
  private readonly stmt: {
    insertPair: Database.Statement;
    insertSeries: Database.Statement;
    insertPosting: Database.Statement;
    insertChunk: Database.Statement;
    deleteHeadChunk: Database.Statement;
    insertLog: Database.Statement;
    upsertMeta: Database.Statement;
  };
  /** The query path's statements, prepared once rather than per query. */
  private readonly read: {
    chunksInRange: Database.Statement;
    chunksInRangeMany: Database.Statement;
    headChunk: Database.Statement;
    seriesForPair: Database.Statement;
  };

  private constructor(
    readonly file: string,
    private readonly opts: TsdbOptions,
  ) {
    this.samplesPerChunk = opts.samplesPerChunk ?? 120;
    this.checkpointSamples = opts.checkpointSamples ?? 2_000_000;
    try {
      this.db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
      if (!opts.readonly) {
        // Both only take effect on a new file and must come first (even reading user_version fixes
        // the page size): larger pages pack ~300-byte chunk rows with less slack, and incremental
        // auto-vacuum lets retention hand freed pages back to the filesystem.
        this.db.pragma('page_size = 16384');
        this.db.pragma('auto_vacuum = INCREMENTAL');
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
        migrate(this.db, file);
      }
      // Reading the schema is enough to refuse a file that is not a database; a full integrity
      // check would read every page on each open (slow for large histories), so it is on demand.
      this.db.prepare('SELECT COUNT(*) FROM sqlite_schema').get();
      // Preparing also proves the tables are there (a read-only open runs no migrations).
      this.read = {
        chunksInRange: this.db.prepare('SELECT data FROM chunks WHERE series_id = ? AND max_time >= ? AND min_time <= ? ORDER BY min_time'),
        // One statement for a whole select: a call per series costs more than the lookups.
        chunksInRangeMany: this.db
          .prepare(
            'SELECT series_id AS id, data FROM chunks WHERE series_id IN (SELECT value FROM json_each(?)) AND max_time >= ? AND min_time <= ? ORDER BY series_id, min_time',
          )
          .raw(),
        headChunk: this.db.prepare('SELECT data FROM head_chunks WHERE series_id = ?'),
        seriesForPair: this.db.prepare('SELECT series_id FROM postings WHERE pair_id = ?').pluck(),
      };
    } catch (err) {
      throw err instanceof TsdbError ? err : new TsdbError(`cannot open ${file}: ${(err as Error).message}`);
    }
    this.stmt = opts.readonly
      ? ({} as never)
      : {
          insertPair: this.db.prepare('INSERT INTO label_pairs (id, name, value) VALUES (?, ?, ?)'),
          insertSeries: this.db.prepare('INSERT INTO series (id, pairs) VALUES (?, ?)'),
          insertPosting: this.db.prepare('INSERT INTO postings (pair_id, series_id) VALUES (?, ?)'),
          // Plain INSERT: a chunk must never silently replace another.
          insertChunk: this.db.prepare('INSERT INTO chunks (series_id, min_time, max_time, data) VALUES (?, ?, ?, ?)'),
          deleteHeadChunk: this.db.prepare('DELETE FROM head_chunks WHERE series_id = ?'),
          insertLog: this.db.prepare('INSERT INTO head_log (min_time, data) VALUES (?, ?)'),
          upsertMeta: this.db.prepare(
            'INSERT INTO metadata (metric, type, help, unit) VALUES (?, ?, ?, ?) ON CONFLICT (metric) DO UPDATE SET type = excluded.type, help = excluded.help, unit = excluded.unit',
          ),
        };
    // A reader sees one consistent snapshot for its whole life, even while a writer goes on:
    // series, postings and chunks must agree with the head it replays.
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
    for (const row of this.db.prepare('SELECT id, pairs FROM series').iterate() as Iterable<{ id: number; pairs: Buffer }>) {
      const r = new Reader(row.pairs);
      const labels: Label[] = [];
      while (!r.done) labels.push(pairById.get(r.uvarint())!);
      const s: HeadSeries = { id: row.id, labels, chunk: null, lastT: -Infinity, lastV: NaN, batchT: -Infinity, batchV: NaN, batch: 0 };
      this.byKey.set(labelsKey(labels), s);
      this.byId.set(row.id, s);
      if (row.id >= this.nextId) this.nextId = row.id + 1;
    }
    const mark = this.db.prepare("SELECT value FROM info WHERE key = 'next_series_id'").pluck().get() as string | undefined;
    if (mark !== undefined) this.nextId = Math.max(this.nextId, Number(mark));
    for (const row of this.db.prepare('SELECT series_id AS id, MAX(max_time) AS t FROM chunks GROUP BY series_id').iterate() as Iterable<{ id: number; t: number }>) {
      const s = this.byId.get(row.id);
      if (s) s.lastT = row.t;
    }
    for (const row of this.db.prepare('SELECT series_id AS id, max_time AS t, data FROM head_chunks').iterate() as Iterable<{ id: number; t: number; data: Buffer }>) {
      const s = this.byId.get(row.id);
      // A checkpointed head chunk that was cut since is already in chunks (its row is deleted on cut;
      // this guards files from before that rule).
      if (!s || row.t <= s.lastT) continue;
      s.chunk = XorChunk.from(row.data);
      s.lastT = Math.max(s.lastT, row.t);
    }
    // Replay: samples at or before what the chunks already hold were persisted by a cut or a checkpoint.
    for (const row of this.db.prepare('SELECT min_time, data FROM head_log ORDER BY id').iterate() as Iterable<{ min_time: number; data: Buffer }>) {
      const r = new Reader(row.data);
      while (!r.done) {
        const id = r.uvarint();
        const t = row.min_time + r.varint();
        const v = r.float();
        const s = this.byId.get(id);
        this.logSamples++;
        if (!s || t <= s.lastT) continue;
        this.appendToHead(s, t, v, false);
      }
    }
    for (const s of this.byId.values()) {
      if (s.chunk && s.chunk.numSamples() > 0) {
        s.lastV = lastValue(s.chunk);
        s.lastKnown = true;
      }
    }
  }

  /** The newest stored value of a series whose head is empty, for the duplicate check. */
  private loadLastValue(s: HeadSeries): void {
    const row = this.db.prepare('SELECT data FROM chunks WHERE series_id = ? ORDER BY min_time DESC LIMIT 1').get(s.id) as { data: Buffer } | undefined;
    if (row) s.lastV = lastValue(XorChunk.from(row.data));
    s.lastKnown = true;
  }

  private addPair(name: string, value: string, id: number): void {
    this.pairIds.set(name + SEP + value, id);
    let values = this.pairsByName.get(name);
    if (!values) this.pairsByName.set(name, (values = new Map()));
    values.set(value, id);
  }

  /** Appends to the series' open chunk; cuts it into the chunks table when full (persist=true). */
  private appendToHead(s: HeadSeries, t: number, v: number, persist: boolean): void {
    // Sized like the series' previous chunk: buffer growth is half the cost of encoding.
    if (!s.chunk) s.chunk = new XorChunk(s.chunkBytes);
    s.chunk.append(t, v);
    s.lastT = t;
    if (s.chunk.numSamples() >= this.samplesPerChunk) {
      // During replay the cut is left for the next commit or checkpoint to persist.
      if (persist) {
        const bytes = s.chunk.bytes();
        this.stmt.insertChunk.run(s.id, s.chunk.minTime(), s.chunk.maxTime(), bytes);
        s.chunkBytes = bytes.length + 16;
        // Its checkpointed prefix must not come back as the head after a restart.
        this.stmt.deleteHeadChunk.run(s.id);
        s.chunk = null;
      }
    }
  }

  /**
   * `durable: false` skips the write-ahead log (bulk imports: the caller checkpoints at the end,
   * and a crash midway loses the import in progress, not earlier data).
   */
  appender(options: { durable?: boolean } = {}): Appender {
    if (this.opts.readonly) throw new TsdbError(`${this.file} is open read-only`);
    const durable = options.durable !== false;
    const gen = ++this.batchGen;
    let series: HeadSeries[] = [];
    let ts: number[] = [];
    const vs = new FloatBuffer(256);
    let created: HeadSeries[] = [];
    const meta = new Map<string, MetricMetadata>();
    const reset = () => {
      for (const s of created) {
        const key = labelsKey(s.labels);
        if (s.id === 0 && this.byKey.get(key) === s) this.byKey.delete(key);
      }
      series = [];
      ts = [];
      vs.clear();
      created = [];
      meta.clear();
    };
    return {
      append: (labels, t, v): AppendRejection | null => {
        // Callers reuse label-set objects (the scrape cache, an import's current series), so an
        // identity lookup skips building the canonical key for almost every sample.
        let s = this.byLabels.get(labels);
        if (s === undefined || s.dead) {
          const key = labelsKey(labels);
          s = this.byKey.get(key);
          if (!s) {
            s = { id: 0, labels, chunk: null, lastT: -Infinity, lastV: NaN, batchT: -Infinity, batchV: NaN, batch: gen };
            this.byKey.set(key, s);
            created.push(s);
          }
          this.byLabels.set(labels, s);
        }
        if (s.batch !== gen) {
          s.batch = gen;
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
        series.push(s);
        ts.push(t);
        vs.push(v);
        return null;
      },
      updateMetadata: (family, m) => {
        meta.set(family, m);
      },
      commit: async () => {
        try {
          this.commitBatch(series, ts, vs, created, meta, durable);
        } catch (err) {
          reset();
          throw err instanceof TsdbError ? err : new TsdbError(`${this.file}: ${(err as Error).message}`);
        }
        created = [];
        reset();
      },
      rollback: reset,
    };
  }

  private commitBatch(series: HeadSeries[], ts: number[], vs: FloatBuffer, createdIn: HeadSeries[], meta: Map<string, MetricMetadata>, durable: boolean): void {
    let created = createdIn;
    if (series.length === 0 && created.length === 0 && meta.size === 0) return;
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
    const chunkState = series.map((s) => s.chunk);
    const run = this.db.transaction(() => {
      for (const s of created) {
        s.id = this.nextId++;
        this.byKey.set(labelsKey(s.labels), s);
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
          this.stmt.insertPosting.run(pid, s.id);
        }
        this.stmt.insertSeries.run(s.id, w.buf.subarray(0, w.pos));
        this.byId.set(s.id, s);
      }
      if (series.length > 0 && durable) {
        let minT = Infinity;
        for (const t of ts) if (t < minT) minT = t;
        const w = this.writer.reset();
        for (let i = 0; i < series.length; i++) {
          if (ts[i]! <= series[i]!.lastT) continue;
          w.uvarint(series[i]!.id);
          w.varint(ts[i]! - minT);
          w.float(vs.get(i));
        }
        this.stmt.insertLog.run(minT, w.buf.subarray(0, w.pos));
        this.logSamples += series.length;
      }
      if (series.length > 0) {
        for (let i = 0; i < series.length; i++) {
          const s = series[i]!;
          const v = vs.get(i);
          // Checked again: another appender may have committed newer samples since append().
          if (ts[i]! <= s.lastT) continue;
          this.appendToHead(s, ts[i]!, v, true);
          s.lastV = v;
          s.lastKnown = true;
        }
      }
      for (const [metric, m] of meta) this.stmt.upsertMeta.run(metric, m.type, m.help, m.unit);
    });
    try {
      run();
    } catch (err) {
      // The transaction rolled back; so must the head. Reload it from what the file holds.
      for (let i = 0; i < series.length; i++) series[i]!.chunk = chunkState[i] ?? null;
      this.reloadHead(created);
      throw err;
    }
    if (this.logSamples >= this.checkpointSamples) this.checkpoint();
  }

  private reloadHead(created: HeadSeries[] = []): void {
    // Every in-memory object may now be ahead of the file: drop them all, including the identity
    // cache callers reach them through and label pairs whose insert was rolled back.
    for (const s of this.byId.values()) s.dead = true;
    for (const s of created) s.dead = true;
    this.byLabels = new WeakMap();
    this.byKey.clear();
    this.byId.clear();
    this.pairIds.clear();
    this.pairsByName.clear();
    this.nextId = 1;
    this.nextPairId = 1;
    this.logSamples = 0;
    this.load();
  }

  /** Writes every open chunk to head_chunks and truncates the log. */
  checkpoint(): void {
    if (this.opts.readonly) return;
    const upsert = this.db.prepare('INSERT OR REPLACE INTO head_chunks (series_id, min_time, max_time, data) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.exec('DELETE FROM head_chunks');
      for (const s of this.byId.values()) {
        if (s.chunk && s.chunk.numSamples() > 0) {
          if (s.chunk.numSamples() >= this.samplesPerChunk) {
            this.stmt.insertChunk.run(s.id, s.chunk.minTime(), s.chunk.maxTime(), Buffer.from(s.chunk.bytes()));
            s.chunk = null;
          } else {
            upsert.run(s.id, s.chunk.minTime(), s.chunk.maxTime(), Buffer.from(s.chunk.bytes()));
          }
        }
      }
      this.db.exec('DELETE FROM head_log');
    })();
    this.logSamples = 0;
  }

  querier(mint: number, maxt: number): Querier {
    const selectChunks = this.read.chunksInRange;
    const selectHeadChunk = this.opts.readonly ? this.read.headChunk : null;
    const ids = (matchers: Matcher[]) => this.postingsFor(matchers);
    const selectMany = this.read.chunksInRangeMany;
    const make = (s: HeadSeries, stored?: Prefetched): StoredSeries => ({
      labels: s.labels,
      samples: () => {
        const head = s.chunk && s.chunk.numSamples() > 0 ? s.chunk : null;
        // Prefetched rows are only good while the head chunk is the one they were read beside:
        // a cut since (queries yield, scrapes commit) moved samples into a row read too early.
        if (stored && stored.heads.get(s.id) !== s.chunk) stored = undefined;
        // A recent range (an instant query's lookback, a dashboard's last minutes) often lies
        // within the open head chunk: then no stored chunk can hold any of it.
        const blobs =
          head && head.minTime() <= mint
            ? []
            : stored
              ? [...(stored.rows.get(s.id) ?? [])]
              : (selectChunks.all(s.id, mint, maxt) as { data: Buffer }[]).map((r) => r.data as Uint8Array);
        if (head) blobs.push(head.bytes());
        else if (selectHeadChunk) {
          const row = selectHeadChunk.get(s.id) as { data: Buffer } | undefined;
          if (row) blobs.push(row.data);
        }
        return decodeRange(blobs, mint, maxt);
      },
    });
    /** The stored chunks of many series in one statement, by series id, with the head chunks they go with. */
    const prefetch = (series: HeadSeries[]): Prefetched => {
      const rows = new Map<number, Uint8Array[]>();
      const heads = new Map<number, XorChunk | null>();
      for (const s of series) heads.set(s.id, s.chunk);
      for (const [id, data] of selectMany.iterate(JSON.stringify(series.map((s) => s.id)), mint, maxt) as Iterable<[number, Buffer]>) {
        let list = rows.get(id);
        if (!list) rows.set(id, (list = []));
        list.push(data);
      }
      return { rows, heads };
    };
    return {
      select: (matchers) => {
        const found: HeadSeries[] = [];
        for (const id of ids(matchers)) {
          const s = this.byId.get(id);
          if (s) found.push(s);
        }
        // Series whose head chunk covers the range need no stored rows.
        const needRows = found.filter((s) => !(s.chunk && s.chunk.numSamples() > 0 && s.chunk.minTime() <= mint));
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
    if (pairs.length === 0) return [];
    const stmt = this.read.seriesForPair;
    if (pairs.length === 1) return stmt.all(pairs[0]) as number[];
    const out: number[] = [];
    for (const p of pairs) for (const id of stmt.all(p) as number[]) out.push(id);
    return out;
  }

  /**
   * Deletes data older than `maxAgeMs` before `now`, then the oldest data until the file fits in
   * `maxBytes`; removes series left with no samples and hands freed pages back to the filesystem.
   * Returns how many chunks and series were removed.
   */
  applyRetention(policy: { maxAgeMs?: number; maxBytes?: number }, now = Date.now()): { chunks: number; series: number } {
    if (this.opts.readonly) return { chunks: 0, series: 0 };
    // Empty the log first: replaying it after a crash must not bring deleted samples back.
    this.checkpoint();
    let chunks = 0;
    const dropHeadBefore = (cutoff: number) => {
      for (const s of this.byId.values()) {
        if (s.chunk && s.chunk.numSamples() > 0 && s.chunk.maxTime() < cutoff) {
          s.chunk = null;
          this.stmt.deleteHeadChunk.run(s.id);
        }
      }
    };
    if (policy.maxAgeMs !== undefined && policy.maxAgeMs > 0) {
      const cutoff = now - policy.maxAgeMs;
      this.db.transaction(() => {
        chunks += this.db.prepare('DELETE FROM chunks WHERE max_time < ?').run(cutoff).changes;
        dropHeadBefore(cutoff);
      })();
    }
    if (policy.maxBytes !== undefined && policy.maxBytes > 0) {
      const used = () => {
        const pages = this.db.pragma('page_count', { simple: true }) as number;
        const free = this.db.pragma('freelist_count', { simple: true }) as number;
        return (pages - free) * (this.db.pragma('page_size', { simple: true }) as number);
      };
      // Oldest first, as Prometheus drops its oldest blocks: free what the chunks' own bytes say
      // is needed (page-level accounting lags behind deletes, and would over-delete).
      // A few rounds: B-tree pages fill unevenly, so one estimate can fall short.
      for (let round = 0; round < 16; round++) {
        const excess = used() - policy.maxBytes;
        if (excess <= 0) break;
        let freed = 0;
        let cutoff: number | null = null;
        for (const row of this.db.prepare('SELECT max_time AS t, length(data) + 24 AS n FROM chunks ORDER BY max_time').iterate() as Iterable<{ t: number; n: number }>) {
          freed += row.n;
          cutoff = row.t;
          if (freed >= excess) break;
        }
        if (cutoff !== null) {
          const c = cutoff;
          this.db.transaction(() => {
            chunks += this.db.prepare('DELETE FROM chunks WHERE max_time <= ?').run(c).changes;
            dropHeadBefore(c + 1);
          })();
        }
        this.db.pragma('incremental_vacuum');
      }
    }
    const series = this.dropEmptySeries();
    this.db.pragma('incremental_vacuum');
    return { chunks, series };
  }

  /** Series with neither stored chunks nor head samples go, with their postings and unused pairs. */
  private dropEmptySeries(): number {
    const withChunks = new Set(this.db.prepare('SELECT DISTINCT series_id FROM chunks').pluck().all() as number[]);
    const empty = [...this.byId.values()].filter((s) => !withChunks.has(s.id) && !(s.chunk && s.chunk.numSamples() > 0));
    if (empty.length === 0) return 0;
    this.db.transaction(() => {
      const delSeries = this.db.prepare('DELETE FROM series WHERE id = ?');
      const delPostings = this.db.prepare('DELETE FROM postings WHERE series_id = ? AND pair_id = ?');
      for (const s of empty) {
        delSeries.run(s.id);
        for (const l of s.labels) delPostings.run(s.id, this.pairIds.get(l.name + SEP + l.value));
        this.stmt.deleteHeadChunk.run(s.id);
      }
      const orphans = this.db.prepare('SELECT id, name, value FROM label_pairs WHERE NOT EXISTS (SELECT 1 FROM postings WHERE pair_id = label_pairs.id)').all() as { id: number; name: string; value: string }[];
      const delPair = this.db.prepare('DELETE FROM label_pairs WHERE id = ?');
      for (const p of orphans) {
        delPair.run(p.id);
        this.pairIds.delete(p.name + SEP + p.value);
        const values = this.pairsByName.get(p.name);
        values?.delete(p.value);
        if (values?.size === 0) this.pairsByName.delete(p.name);
      }
    })();
    for (const s of empty) {
      s.dead = true;
      this.byId.delete(s.id);
      this.byKey.delete(labelsKey(s.labels));
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

  stats(): { series: number; chunks: number; bytes: number } {
    const chunks = this.db.prepare('SELECT COUNT(*) FROM chunks').pluck().get() as number;
    const pageCount = this.db.pragma('page_count', { simple: true }) as number;
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    return { series: this.byId.size, chunks, bytes: pageCount * pageSize };
  }

  close(): void {
    if (!this.opts.readonly && this.db.open) this.checkpoint();
    if (this.db.open) this.db.close();
  }
}

function lastValue(chunk: XorChunk): number {
  const it = chunk.iterator();
  let v = NaN;
  while (it.next()) v = it.v;
  return v;
}

/** Decodes chunks (ascending, non-overlapping) and keeps samples with mint ≤ t ≤ maxt. */
function decodeRange(blobs: Uint8Array[], mint: number, maxt: number): { t: Float64Array; v: Float64Array } {
  let total = 0;
  for (const b of blobs) total += (b[0]! << 8) | b[1]!;
  const t = new Float64Array(total);
  const v = new Float64Array(total);
  let n = 0;
  const it = new XorIterator();
  for (const b of blobs) {
    it.reset(b);
    while (it.next()) {
      if (it.t < mint) continue;
      if (it.t > maxt) break;
      t[n] = it.t;
      v[n] = it.v;
      n++;
    }
  }
  return { t: t.subarray(0, n), v: v.subarray(0, n) };
}
