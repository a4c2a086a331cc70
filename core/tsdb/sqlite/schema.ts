// The database schema and its numbered migrations. user_version holds the schema number; a file
// from a newer Kubeglass is refused rather than guessed at.
import type Database from 'better-sqlite3';

export const SCHEMA_VERSION = 1;

const MIGRATIONS: Record<number, string> = {
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
};

export class SchemaError extends Error {}

/** Brings the database to SCHEMA_VERSION, one transaction per migration. */
export function migrate(db: Database.Database, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new SchemaError(`${file} was written by a newer Kubeglass (schema ${current}, this version reads up to ${SCHEMA_VERSION})`);
  }
  for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v}`);
    })();
  }
}
