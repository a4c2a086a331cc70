// Group commit (TsdbOptions.logFlushMs): samples are in the head at once, their log rows are
// written together later, and a commit's promise resolves only once its row is in the file.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { all, crash, L } from './testing.js';
import { Tsdb } from './tsdb.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kg-group-'));
  file = path.join(dir, 'ctx.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const logRows = () => {
  const side = new Database(file, { readonly: true });
  try {
    return (side.prepare('SELECT count(*) AS n FROM head_log').get() as { n: number }).n;
  } finally {
    side.close();
  }
};

/** Commits one sample per series name at time t, without waiting for the group write. */
function commit(db: Tsdb, t: number, ...names: string[]): Promise<void> {
  const app = db.appender();
  for (const n of names) expect(app.append(L(n), t, t / 1000)).toBeNull();
  return app.commit();
}

const times = (db: Tsdb) => Object.fromEntries(all(db).map((s) => [s.labels.__name__, [...s.t]]));

describe('group commit', () => {
  it('shows samples at once and writes their log rows together, resolving each commit only then', async () => {
    const db = Tsdb.open(file, { logFlushMs: 40, checkpointSamples: 1e9 });
    await commit(db, 1000, 'a', 'b'); // creates the series: written at once
    expect(logRows()).toBe(1);
    let resolved = 0;
    const pending = [2000, 3000, 4000].map((t) => commit(db, t, 'a', 'b').then(() => resolved++));
    expect(times(db)).toEqual({ a: [1000, 2000, 3000, 4000], b: [1000, 2000, 3000, 4000] });
    expect(logRows()).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    expect(resolved).toBe(0);
    await Promise.all(pending);
    expect(logRows()).toBe(4);
    crash(db);
    const again = Tsdb.open(file);
    expect(times(again)).toEqual({ a: [1000, 2000, 3000, 4000], b: [1000, 2000, 3000, 4000] });
    again.close();
  });

  it('loses only the commits whose group was not written when the process dies', async () => {
    const db = Tsdb.open(file, { logFlushMs: 60_000, checkpointSamples: 1e9 });
    await commit(db, 1000, 'a');
    const lost = commit(db, 2000, 'a');
    lost.catch(() => {}); // never settles as stored: the connection is gone
    crash(db);
    const again = Tsdb.open(file);
    expect(times(again)).toEqual({ a: [1000] });
    again.close();
  });

  it('writes pending group rows before a commit that creates a series, so replay keeps their order', async () => {
    const db = Tsdb.open(file, { logFlushMs: 60_000, checkpointSamples: 1e9 });
    await commit(db, 1000, 'a');
    const grouped = commit(db, 2000, 'a');
    await commit(db, 3000, 'a', 'new'); // written at once, after the pending row
    await grouped; // settled by that write, not by the timer
    expect(logRows()).toBe(3);
    crash(db);
    const again = Tsdb.open(file);
    expect(times(again)).toEqual({ a: [1000, 2000, 3000], new: [3000] });
    again.close();
  });

  it('rejects every commit of a failed group write and drops their samples from memory', async () => {
    const db = Tsdb.open(file, { logFlushMs: 20, checkpointSamples: 1e9 });
    await commit(db, 1000, 'a');
    const side = new Database(file);
    side.exec(`CREATE TRIGGER fail BEFORE INSERT ON head_log BEGIN SELECT RAISE(ABORT, 'injected disk error'); END;`);
    const failed = [commit(db, 2000, 'a'), commit(db, 3000, 'a')];
    for (const f of failed) await expect(f).rejects.toThrow(/injected disk error/);
    expect(times(db)).toEqual({ a: [1000] });
    side.exec('DROP TRIGGER fail');
    side.close();
    await commit(db, 2000, 'a');
    expect(times(db)).toEqual({ a: [1000, 2000] });
    db.close();
    const again = Tsdb.open(file);
    expect(times(again)).toEqual({ a: [1000, 2000] });
    again.close();
  });

  it('settles pending commits through a checkpoint, whose head already holds their samples', async () => {
    const db = Tsdb.open(file, { logFlushMs: 60_000, checkpointSamples: 3 });
    await commit(db, 1000, 'a');
    const first = commit(db, 2000, 'a'); // 2 samples logged: pending
    const second = commit(db, 3000, 'a'); // 3: checkpoint
    await Promise.all([first, second]);
    expect(logRows()).toBe(0);
    crash(db);
    const again = Tsdb.open(file);
    expect(times(again)).toEqual({ a: [1000, 2000, 3000] });
    again.close();
  });

  it('writes pending rows on close', async () => {
    const db = Tsdb.open(file, { logFlushMs: 60_000, checkpointSamples: 1e9 });
    await commit(db, 1000, 'a');
    const pending = commit(db, 2000, 'a');
    db.close();
    await pending;
    const again = Tsdb.open(file);
    expect(times(again)).toEqual({ a: [1000, 2000] });
    again.close();
  });
});
