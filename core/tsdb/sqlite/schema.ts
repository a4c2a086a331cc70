// The database schema and its numbered migrations. user_version holds the schema number; a file
// from a newer Kubeglass is refused rather than guessed at.
import type Database from 'better-sqlite3';
import { ChunkRowWriter, GROUP_BYTES, windowStart, type ChunkRow } from './rows.js';

export const SCHEMA_VERSION = 2;

/** Each migration runs in one transaction with the previous ones' tables in place. */
export const MIGRATIONS: Record<number, string | ((db: Database.Database) => void)> = {
  1: `
    -- every distinct label name/value pair once, as Prometheus's index keeps a symbol table;
    -- uniqueness and lookups by name are kept in memory, so no index repeats the text
    CREATE TABLE label_pairs (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      value TEXT NOT NULL
    );
    -- a series is its sorted label pairs (ids as varints); the engine keeps the label-set → id map
    -- in memory, so no index is needed to find one
    CREATE TABLE series (
      id INTEGER PRIMARY KEY,
      pairs BLOB NOT NULL
    );
    -- postings: label pair → series, integers only
    CREATE TABLE postings (
      pair_id INTEGER NOT NULL,
      series_id INTEGER NOT NULL,
      PRIMARY KEY (pair_id, series_id)
    ) WITHOUT ROWID;
    -- full, immutable Gorilla (XOR) chunks, Prometheus's encoding. Keyed by an increasing id so
    -- pages fill completely as chunks are cut (a (series, time) key inserts all over the tree
    -- and leaves pages a third empty); the index finds a series' chunks.
    CREATE TABLE chunks (
      id INTEGER PRIMARY KEY,
      series_id INTEGER NOT NULL,
      min_time INTEGER NOT NULL,
      max_time INTEGER NOT NULL,
      data BLOB NOT NULL
    );
    -- retention scans by max_time without an index: it runs rarely and reads the table once
    CREATE UNIQUE INDEX chunks_series ON chunks (series_id, min_time);
    -- the head's open chunks as of the last checkpoint
    CREATE TABLE head_chunks (
      series_id INTEGER PRIMARY KEY,
      min_time INTEGER NOT NULL,
      max_time INTEGER NOT NULL,
      data BLOB NOT NULL
    );
    -- write-ahead log of samples appended since the last checkpoint, one row per commit
    CREATE TABLE head_log (
      id INTEGER PRIMARY KEY,
      min_time INTEGER NOT NULL,
      data BLOB NOT NULL
    );
    -- what this file is: the context it belongs to, or a capture's name, span and note
    CREATE TABLE info (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
    CREATE TABLE metadata (
      metric TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      help TEXT NOT NULL,
      unit TEXT NOT NULL
    );
  `,
  2: migrateToWindowRows,
};

// Schema 2: chunks are stored several to a row (rows.ts), one row per series and 2 h window (or
// per 4 KiB of chunks), which amortises SQLite's per-row and index costs over about 500 samples
// instead of 120; postings are rebuilt in memory from series.pairs, as the label pairs already were.
function migrateToWindowRows(db: Database.Database): void {
  db.exec(`
    ALTER TABLE chunks RENAME TO chunks_v1;
    ALTER TABLE head_chunks RENAME TO head_chunks_v1;
    ALTER TABLE info RENAME TO info_v1;
    ALTER TABLE metadata RENAME TO metadata_v1;
    -- rows of packed chunks (rows.ts), appended in an order chosen to fill pages; found through
    -- chunks, so this table has no index (the packer relies on that)
    CREATE TABLE chunk_data (
      id INTEGER PRIMARY KEY,
      data BLOB NOT NULL
    );
    -- where a series' rows are, by time; rows of one series never overlap
    CREATE TABLE chunks (
      series_id INTEGER NOT NULL,
      min_time INTEGER NOT NULL,
      max_time INTEGER NOT NULL,
      data_id INTEGER NOT NULL,
      num_chunks INTEGER NOT NULL,
      PRIMARY KEY (series_id, min_time)
    ) WITHOUT ROWID;
    -- the head as of the last checkpoint: per series, the full chunks of the window in progress
    -- and the open chunk last, packed as in chunk_data. Rewritten whole at each checkpoint and read
    -- whole on open, so it needs no index.
    CREATE TABLE head_chunks (
      id INTEGER PRIMARY KEY,
      series_id INTEGER NOT NULL,
      min_time INTEGER NOT NULL,
      max_time INTEGER NOT NULL,
      data BLOB NOT NULL
    );
    -- keyed by their text: WITHOUT ROWID saves each a second b-tree (a page each in a small file)
    CREATE TABLE info (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE metadata (
      metric TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      help TEXT NOT NULL,
      unit TEXT NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO info SELECT key, value FROM info_v1;
    INSERT INTO metadata SELECT metric, type, help, unit FROM metadata_v1;
  `);
  const rows = new ChunkRowWriter(db);
  const ids = db.prepare('SELECT DISTINCT series_id FROM chunks_v1 ORDER BY series_id').pluck().all() as number[];
  const read = db.prepare('SELECT min_time, max_time, data FROM chunks_v1 WHERE series_id = ? ORDER BY min_time');
  let batch: ChunkRow[] = [];
  let batchBytes = 0;
  for (const id of ids) {
    // Grouped as the head groups them now; schema 1 did not cut chunks at window boundaries, so a
    // row goes by its first chunk's window and may reach past it.
    let row: ChunkRow & { chunks: Uint8Array[] } | null = null;
    let bytes = 0;
    for (const c of read.all(id) as { min_time: number; max_time: number; data: Buffer }[]) {
      if (row && (bytes >= GROUP_BYTES || windowStart(c.min_time) !== windowStart(row.minT))) row = null;
      if (!row) {
        row = { seriesId: id, minT: c.min_time, maxT: c.max_time, chunks: [] };
        bytes = 0;
        batch.push(row);
      }
      row.chunks.push(c.data);
      row.maxT = c.max_time;
      bytes += c.data.length;
      batchBytes += c.data.length;
    }
    if (batchBytes >= 1 << 20) {
      rows.write(batch);
      batch = [];
      batchBytes = 0;
    }
  }
  rows.write(batch);
  // A schema-1 head row is one open chunk. Rows made stale by a later cut are copied as they are:
  // opening skips head chunks that the stored rows already cover, in both schemas.
  const head = db.prepare('SELECT series_id, min_time, max_time, data FROM head_chunks_v1').all() as { series_id: number; min_time: number; max_time: number; data: Buffer }[];
  rows.writeHead(head.map((h) => ({ seriesId: h.series_id, minT: h.min_time, maxT: h.max_time, chunks: [h.data] })));
  db.exec(`
    DROP TABLE chunks_v1;
    DROP TABLE head_chunks_v1;
    DROP TABLE info_v1;
    DROP TABLE metadata_v1;
    DROP TABLE postings;
  `);
  // The old tables' pages go back to the filesystem now rather than linger as free pages.
  db.pragma('incremental_vacuum');
}

export class SchemaError extends Error {}

/** Brings the database to SCHEMA_VERSION, one transaction per migration. */
export function migrate(db: Database.Database, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new SchemaError(`${file} was written by a newer Kubeglass (schema ${current}, this version reads up to ${SCHEMA_VERSION})`);
  }
  for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
    const step = MIGRATIONS[v]!;
    db.transaction(() => {
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.pragma(`user_version = ${v}`);
    })();
  }
}
