// Helpers shared by the TSDB's tests.
import type Database from 'better-sqlite3';
import { labelsFrom, labelsToRecord, type Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matchers.js';
import type { Tsdb } from './tsdb.js';

/** A label set with a metric name. */
export const L = (name: string, extra: Record<string, string> = {}): Labels => labelsFrom({ __name__: name, ...extra });

/** Every matching series (all of them without matchers) with its samples, over all time. */
export const all = (db: Tsdb, ...m: Matcher[]) =>
  db
    .querier(-Infinity, Infinity)
    .select(m.length ? m : [new Matcher('=~', '__name__', '.+')])
    .map((s) => ({ labels: labelsToRecord(s.labels), ...s.samples() }));

/** Drops the connection without a checkpoint or cleanup, as a killed process would. */
export function crash(db: Tsdb): void {
  (db as unknown as { db: Database.Database }).db.close();
}
