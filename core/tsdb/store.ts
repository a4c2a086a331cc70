// Where data lives in the data directory: one SQLite file per kubeconfig context (switching
// contexts never mixes series), and captures — self-contained files of a time range, opened
// read-only with no cluster at all.
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fnv1a64 } from '../model/labels.js';
import type { Matcher } from '../model/matchers.js';
import { Tsdb, type TsdbOptions } from './sqlite/tsdb.js';

export function contextDbFile(dataDir: string, context: string): string {
  const readable = context.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  const hash = fnv1a64(context).toString(16).padStart(16, '0').slice(0, 10);
  return path.join(dataDir, 'contexts', `${readable}-${hash}.db`);
}

export function openContextDb(dataDir: string, context: string, opts: TsdbOptions = {}): Tsdb {
  const file = contextDbFile(dataDir, context);
  if (!opts.readonly) mkdirSync(path.dirname(file), { recursive: true });
  const db = Tsdb.open(file, opts);
  if (!opts.readonly && db.info().context !== context) db.setInfo({ context });
  return db;
}

export interface DatabaseSummary {
  file: string;
  /** The context, or for a capture the context it was taken from. */
  context: string;
  bytes: number;
  series: number;
  minTime: number | null;
  maxTime: number | null;
  /** Set for files that cannot be read, with the reason; the others are still listed. */
  error?: string;
}

export interface CaptureSummary extends DatabaseSummary {
  name: string;
  note: string;
  createdAt: number;
}

/**
 * Size, series and span straight from the tables, without loading the head: listing many large
 * files must stay quick. The newest time counts a pending log row by its first sample.
 */
function summarize(file: string): DatabaseSummary & { info: Record<string, string> } {
  const bytes = statSync(file).size;
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const info = Object.fromEntries((db.prepare('SELECT key, value FROM info').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    const series = db.prepare('SELECT COUNT(*) FROM series').pluck().get() as number;
    const range = db
      .prepare(
        `SELECT MIN(lo) AS lo, MAX(hi) AS hi FROM (
           SELECT MIN(min_time) AS lo, MAX(max_time) AS hi FROM chunks
           UNION ALL SELECT MIN(min_time), MAX(max_time) FROM head_chunks
           UNION ALL SELECT MIN(min_time), MAX(min_time) FROM head_log)`,
      )
      .get() as { lo: number | null; hi: number | null };
    return { file, context: info.context ?? '', bytes, series, minTime: range.lo, maxTime: range.hi, info };
  } catch (err) {
    return { file, context: '', bytes, series: 0, minTime: null, maxTime: null, error: `${file}: ${(err as Error).message}`, info: {} };
  } finally {
    db?.close();
  }
}

function dbFiles(dir: string, ext: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(ext))
      .map((f) => path.join(dir, f))
      .sort();
  } catch {
    return [];
  }
}

/** Every context database with its size, span and series count (for the UI's data page). */
export function listContextDbs(dataDir: string): DatabaseSummary[] {
  return dbFiles(path.join(dataDir, 'contexts'), '.db').map((f) => {
    const { info: _info, ...summary } = summarize(f);
    return summary;
  });
}

export const CAPTURE_EXT = '.kgcapture';

export interface CaptureRequest {
  context: string;
  from: number;
  to: number;
  matchers: Matcher[];
  name: string;
  note?: string;
  /** Where to write it; default: the data directory's captures folder. */
  file?: string;
  /**
   * The context's open database, when the app is scraping it: its head holds what a second
   * instance on the file would only see once logged. Default: the file, opened read-only.
   */
  source?: Tsdb;
}

/** Copies a time range of a context into one self-contained file. */
export async function createCapture(dataDir: string, req: CaptureRequest, now = Date.now()): Promise<CaptureSummary> {
  const source = req.source ?? openContextDb(dataDir, req.context, { readonly: true });
  const slug = req.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'capture';
  const file = req.file ?? path.join(dataDir, 'captures', `${slug}-${now}${CAPTURE_EXT}`);
  mkdirSync(path.dirname(file), { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  const target = Tsdb.open(file);
  let ok = false;
  try {
    const q = source.querier(req.from, req.to);
    let app = target.appender({ durable: false });
    let pending = 0;
    for (const s of q.select(req.matchers)) {
      const { t, v } = s.samples();
      for (let i = 0; i < t.length; i++) app.append(s.labels, t[i]!, v[i]!);
      pending += t.length;
      if (pending > 200_000) {
        await app.commit();
        app = target.appender({ durable: false });
        pending = 0;
      }
    }
    for (const [metric, m] of source.metadata()) app.updateMetadata(metric, m);
    await app.commit();
    target.setInfo({ kind: 'capture', context: req.context, name: req.name, note: req.note ?? '', from: String(req.from), to: String(req.to), createdAt: String(now) });
    ok = true;
  } finally {
    target.close();
    if (!req.source) source.close();
    // A capture that failed halfway is not left behind to be listed as if it were whole.
    if (!ok) for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
  // One file: fold the write-ahead log in so the capture travels alone.
  const raw = new Database(file);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.pragma('journal_mode = DELETE');
  raw.close();
  return captureSummary(file);
}

function captureSummary(file: string): CaptureSummary {
  const { info, ...s } = summarize(file);
  return { ...s, name: info.name ?? path.basename(file, CAPTURE_EXT), note: info.note ?? '', createdAt: Number(info.createdAt ?? 0) };
}

/** A capture's summary; throws for a file that is not a Kubeglass capture. */
export function describeCapture(file: string): CaptureSummary {
  const { info, ...s } = summarize(file);
  if (s.error !== undefined) throw new Error(`${file} cannot be read: ${s.error}`);
  if (info.kind !== 'capture') throw new Error(`${file} is not a Kubeglass capture`);
  return { ...s, name: info.name ?? path.basename(file, CAPTURE_EXT), note: info.note ?? '', createdAt: Number(info.createdAt ?? 0) };
}

export function listCaptures(dataDir: string): CaptureSummary[] {
  return dbFiles(path.join(dataDir, 'captures'), CAPTURE_EXT).map(captureSummary);
}

/** Deletes a capture of this data directory; refuses paths outside its captures folder. */
export function deleteCapture(dataDir: string, file: string): void {
  const dir = path.resolve(dataDir, 'captures');
  const target = path.resolve(file);
  if (path.dirname(target) !== dir || !target.endsWith(CAPTURE_EXT)) throw new Error(`${file} is not a capture of ${dataDir}`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(target + suffix, { force: true });
}

/** Opens a capture (or any database file) read-only, with no cluster involved. */
export function openCapture(file: string): Tsdb {
  return Tsdb.open(file, { readonly: true });
}
