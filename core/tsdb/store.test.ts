import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labelsFrom } from '../model/labels.js';
import { Matcher } from '../model/matchers.js';
import { contextDbFile, createCapture, deleteCapture, listCaptures, listContextDbs, openCapture, openContextDb } from './store.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'kg-store-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

async function seed(context: string, n: number) {
  const db = openContextDb(dataDir, context);
  const app = db.appender();
  for (let i = 0; i < n; i++) {
    app.append(labelsFrom({ __name__: 'node_load1', instance: 'a' }), 1000 * i, i);
    app.append(labelsFrom({ __name__: 'node_load1', instance: 'b' }), 1000 * i, -i);
  }
  app.updateMetadata('node_load1', { type: 'gauge', help: '1m load average.', unit: '' });
  await app.commit();
  return db;
}

describe('context databases', () => {
  it('keeps one file per context, named safely for any context name', async () => {
    const arn = 'arn:aws:eks:eu-west-1:123456789012:cluster/prod';
    (await seed(arn, 10)).close();
    (await seed('kind-kind', 5)).close();
    const file = contextDbFile(dataDir, arn);
    expect(path.basename(file)).toMatch(/^arn_aws_eks_eu-west-1_123456789012_cluster_prod-[0-9a-f]{10}\.db$/);
    expect(contextDbFile(dataDir, 'a/b')).not.toBe(contextDbFile(dataDir, 'a_b'));
    const list = listContextDbs(dataDir);
    expect(list.map((d) => [d.context, d.series, d.minTime, d.maxTime])).toEqual([
      [arn, 2, 0, 9000],
      ['kind-kind', 2, 0, 4000],
    ]);
  });

  it('lists a broken file with its error and still lists the rest', async () => {
    (await seed('good', 3)).close();
    writeFileSync(path.join(dataDir, 'contexts', 'broken-0000000000.db'), 'garbage'.repeat(1000));
    const list = listContextDbs(dataDir);
    expect(list).toHaveLength(2);
    expect(list.find((d) => d.file.includes('broken'))!.error).toMatch(/broken-0000000000\.db/);
    expect(list.find((d) => d.context === 'good')!.series).toBe(2);
  });
});

describe('captures', () => {
  it('copies a time range (and a label filter) into one file that opens read-only anywhere', async () => {
    const live = await seed('prod', 100);
    // Taken while the context's database is open and being written, as in the app.
    const cap = await createCapture(dataDir, { context: 'prod', from: 10_000, to: 19_000, matchers: [new Matcher('=', 'instance', 'a')], name: 'incident 42', note: 'disk full' }, 1_800_000_000_000);
    live.close();
    expect(cap).toMatchObject({ name: 'incident 42', note: 'disk full', context: 'prod', series: 1, minTime: 10_000, maxTime: 19_000, createdAt: 1_800_000_000_000 });
    // Self-contained: no -wal or -shm beside it.
    expect(readdirSync(path.dirname(cap.file)).sort()).toEqual([path.basename(cap.file)]);
    // Moved elsewhere, it still opens, read-only, with its metadata.
    const moved = path.join(mkdtempSync(path.join(os.tmpdir(), 'kg-moved-')), 'x.kgcapture');
    writeFileSync(moved, readFileSync(cap.file));
    const db = openCapture(moved);
    const s = db.querier(-Infinity, Infinity).select([new Matcher('=', '__name__', 'node_load1')]);
    expect(s).toHaveLength(1);
    expect([...s[0]!.samples().v]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(db.metadata().get('node_load1')?.help).toBe('1m load average.');
    expect(() => db.appender()).toThrow(/read-only/);
    db.close();
    rmSync(path.dirname(moved), { recursive: true, force: true });
  });

  it('lists and deletes captures, and refuses to delete anything else', async () => {
    (await seed('prod', 10)).close();
    const a = await createCapture(dataDir, { context: 'prod', from: 0, to: 5000, matchers: [new Matcher('=~', '__name__', '.+')], name: 'a' }, 1);
    await createCapture(dataDir, { context: 'prod', from: 0, to: 9000, matchers: [new Matcher('=~', '__name__', '.+')], name: 'b' }, 2);
    expect(listCaptures(dataDir).map((c) => c.name)).toEqual(['a', 'b']);
    expect(() => deleteCapture(dataDir, contextDbFile(dataDir, 'prod'))).toThrow(/is not a capture/);
    expect(() => deleteCapture(dataDir, path.join(dataDir, 'captures', '..', 'settings.json'))).toThrow(/is not a capture/);
    deleteCapture(dataDir, a.file);
    expect(existsSync(a.file)).toBe(false);
    expect(listCaptures(dataDir).map((c) => c.name)).toEqual(['b']);
  });
});
