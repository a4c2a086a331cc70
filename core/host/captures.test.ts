// Captures through the engine's contract: saving a range, opening it so every query reads it,
// going back to live data, deleting; and an engine started on a capture (serve --capture).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { labelsFrom } from '../model/labels.js';
import { contextDbFile, openContextDb } from '../tsdb/store.js';
import { Engine, type EngineOptions } from './engine.js';

const KUBECONFIG = `
current-context: prod
clusters: [{name: a, cluster: {server: 'https://a.example'}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: prod, context: {cluster: a, user: u}}]
`;

const engines: Engine[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const signal = new AbortController().signal;
const ctx = { signal };

function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-captures-'));
  dirs.push(dir);
  const kubeconfig = path.join(dir, 'config');
  writeFileSync(kubeconfig, KUBECONFIG);
  const dataDir = path.join(dir, 'data');
  const build = (opts: Partial<EngineOptions> = {}) => {
    const engine = new Engine({
      dataDir,
      shell: 'browser',
      env: { KUBECONFIG: kubeconfig },
      probe: async () => ({ state: 'unreachable', serverVersion: null, message: 'offline', latencyMs: null }),
      probeIntervalMs: 0,
      watch: false,
      scrape: false,
      demo: false,
      ...opts,
    });
    engines.push(engine);
    engine.start(() => {});
    return engine;
  };
  return { dir, dataDir, build };
}

/** Writes m=value at each [t, value] into the context's database. */
async function seed(dataDir: string, points: [number, number][]) {
  const db = openContextDb(dataDir, 'prod');
  const app = db.appender();
  for (const [t, v] of points) app.append(labelsFrom({ __name__: 'm', job: 'j' }), t, v);
  await app.commit();
  db.close();
}

const valueAt = async (engine: Engine, time: number) => {
  const r = await engine.handlers['promql.query']({ query: 'm', time }, ctx);
  return r.data.resultType === 'vector' ? r.data.result.map((s) => ('value' in s ? s.value[1] : '')) : [];
};

describe('captures through the engine', () => {
  it('saves a range, reads it instead of live data while open, and goes back to live data', async () => {
    const t = setup();
    await seed(t.dataDir, [
      [60_000, 1],
      [120_000, 2],
      [600_000, 9],
    ]);
    const engine = t.build();
    const c = await engine.handlers['captures.create']({ context: 'prod', name: 'incident 7', note: 'spike', from: 0, to: 130_000 }, ctx);
    expect(c).toMatchObject({ name: 'incident 7', note: 'spike', context: 'prod', series: 1, minTime: 60_000, maxTime: 120_000 });
    expect((await engine.handlers['storage.list']({}, ctx)).captures.map((x) => x.file)).toEqual([c.file]);

    expect(await valueAt(engine, 600_000)).toEqual(['9']);
    const info = await engine.handlers['captures.open']({ file: c.file }, ctx);
    expect(info.capture).toMatchObject({ file: c.file, name: 'incident 7' });
    expect(info.captureLocked).toBe(false);
    expect((await engine.handlers['app.info']({}, ctx)).capture?.file).toBe(c.file);
    // The capture ends at 120 s: at 600 s its series is past the lookback, at 130 s it is 2.
    expect(await valueAt(engine, 600_000)).toEqual([]);
    expect(await valueAt(engine, 130_000)).toEqual(['2']);
    await expect(engine.handlers['captures.delete']({ file: c.file }, ctx)).rejects.toThrow(/open/);

    expect((await engine.handlers['captures.close']({}, ctx)).capture).toBeNull();
    expect(await valueAt(engine, 600_000)).toEqual(['9']);
    await engine.handlers['captures.delete']({ file: c.file }, ctx);
    expect((await engine.handlers['storage.list']({}, ctx)).captures).toEqual([]);
  });

  it('opens only captures of its data directory, and says why not', async () => {
    const t = setup();
    await seed(t.dataDir, [[60_000, 1]]);
    const engine = t.build();
    await expect(engine.handlers['captures.open']({ file: contextDbFile(t.dataDir, 'prod') }, ctx)).rejects.toThrow(/is not a capture in/);
    await expect(engine.handlers['captures.open']({ file: '/etc/passwd' }, ctx)).rejects.toThrow(/is not a capture in/);
    await expect(engine.handlers['captures.create']({ context: 'nowhere', name: 'x', note: '', from: 0, to: 1000 }, ctx)).rejects.toThrow(/no stored data/);
    await expect(engine.handlers['captures.delete']({ file: '/etc/passwd' }, ctx)).rejects.toThrow(/is not a capture of/);
  });

  it('started on a capture (serve --capture), reads only it and cannot leave it', async () => {
    const t = setup();
    await seed(t.dataDir, [
      [60_000, 1],
      [120_000, 2],
    ]);
    const saver = t.build();
    const c = await saver.handlers['captures.create']({ context: 'prod', name: 'night', note: '', from: 0, to: 130_000 }, ctx);
    await saver.close();
    engines.splice(engines.indexOf(saver), 1);

    const other = setup(); // a different data directory: the capture travels alone
    const engine = other.build({ capture: c.file, scrape: true });
    const info = await engine.handlers['app.info']({}, ctx);
    expect(info).toMatchObject({ captureLocked: true, capture: { name: 'night', context: 'prod' } });
    expect(await valueAt(engine, 130_000)).toEqual(['2']);
    expect((await engine.handlers['targets.list']({}, ctx)).state).toBe('off');
    await expect(engine.handlers['captures.close']({}, ctx)).rejects.toThrow(/started with/);
  });

  it('refuses to start on a file that is not a capture', async () => {
    const t = setup();
    await seed(t.dataDir, [[60_000, 1]]);
    expect(() => t.build({ capture: contextDbFile(t.dataDir, 'prod') })).toThrow(/not a Kubeglass capture/);
    expect(() => t.build({ capture: path.join(t.dataDir, 'missing.kgcapture') })).toThrow();
  });
});
