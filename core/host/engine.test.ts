import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventName } from '../api/names.js';
import type { ProbeResult } from '../kube/probe.js';
import { Engine, type EngineOptions } from './engine.js';

const ONE = `
current-context: alpha
clusters:
- {name: a, cluster: {server: 'https://a.example'}}
- {name: b, cluster: {server: 'https://b.example'}}
users:
- {name: u, user: {token: t}}
contexts:
- {name: alpha, context: {cluster: a, user: u}}
- {name: beta, context: {cluster: b, user: u, namespace: web}}
`;

const engines: Engine[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const e of engines.splice(0)) void e.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function make(opts: Partial<EngineOptions> & { kubeconfig?: string } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-engine-'));
  dirs.push(dir);
  const kubeconfig = path.join(dir, 'config');
  writeFileSync(kubeconfig, opts.kubeconfig ?? ONE);
  const dataDir = path.join(dir, 'data');
  const probe = vi.fn(async (yaml: string): Promise<ProbeResult> => {
    const server = /server: (\S+)/.exec(yaml)?.[1] ?? '';
    return { state: 'connected', serverVersion: `v1.32.0+${new URL(server).hostname}`, message: 'ok', latencyMs: 3 };
  });
  const events: { name: EventName; payload: unknown }[] = [];
  const build = () => {
    const engine = new Engine({ dataDir, shell: 'browser', env: { KUBECONFIG: kubeconfig }, probe, probeIntervalMs: 0, watch: false, scrape: false, demo: false, ...opts });
    engines.push(engine);
    engine.start((name, payload) => events.push({ name, payload }));
    return engine;
  };
  return { dir, kubeconfig, dataDir, probe, events, build };
}

const signal = new AbortController().signal;
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('Engine', () => {
  it('says which contexts are offline and since when, and remembers the last contact across restarts', async () => {
    let betaUp = true;
    let clock = 1_000_000;
    const probe = async (yaml: string): Promise<ProbeResult> =>
      yaml.includes('b.example') && !betaUp
        ? { state: 'unreachable', serverVersion: null, message: 'connect ECONNREFUSED', latencyMs: null }
        : { state: 'connected', serverVersion: 'v1.32.0', message: 'ok', latencyMs: 1 };
    const t = make({ probe, now: () => clock });
    const first = t.build();
    await settle();
    let s = await first.handlers['contexts.list']({}, { signal });
    expect(s.reachability.alpha).toMatchObject({ state: 'online', lastContact: 1_000_000, offlineSince: null });
    expect(s.reachability.beta).toMatchObject({ state: 'online', lastContact: 1_000_000 });
    await first.close();
    engines.splice(engines.indexOf(first), 1);

    betaUp = false;
    clock = 5_000_000;
    const again = t.build();
    // Before any probe answers, the stored last contact is known.
    expect((await again.handlers['contexts.list']({}, { signal })).reachability.beta).toMatchObject({ state: 'unknown', lastContact: 1_000_000 });
    await settle();
    s = await again.handlers['contexts.list']({}, { signal });
    expect(s.reachability.alpha).toMatchObject({ state: 'online', lastContact: 5_000_000 });
    expect(s.reachability.beta).toMatchObject({ state: 'offline', lastContact: 1_000_000, offlineSince: 5_000_000, message: 'connect ECONNREFUSED' });
    expect(t.events.some((e) => e.name === 'contexts.changed' && (e.payload as { reachability: Record<string, { state: string }> }).reachability.beta?.state === 'offline')).toBe(true);
  });

  it("starts on kubectl's current context and probes it", async () => {
    const t = make();
    const engine = t.build();
    const state = await engine.handlers['contexts.list']({}, { signal });
    expect(state.selected).toBe('alpha');
    await settle();
    expect(await engine.handlers['connection.get']({}, { signal })).toMatchObject({ context: 'alpha', state: 'connected', serverVersion: 'v1.32.0+a.example' });
  });

  it('switches context, persists the choice across restarts, and re-probes', async () => {
    const t = make();
    const first = t.build();
    const state = await first.handlers['contexts.select']({ name: 'beta' }, { signal });
    expect(state.selected).toBe('beta');
    await settle();
    expect(t.events.some((e) => e.name === 'contexts.changed' && (e.payload as { selected: string }).selected === 'beta')).toBe(true);
    expect(t.events.filter((e) => e.name === 'connection.changed').at(-1)?.payload).toMatchObject({ context: 'beta', state: 'connected', serverVersion: 'v1.32.0+b.example' });
    expect(JSON.parse(readFileSync(path.join(t.dataDir, 'settings.json'), 'utf8'))).toMatchObject({ selectedContext: 'beta', backgroundContexts: [] });
    // kubectl's own current-context is left alone: we never write the user's kubeconfig.
    expect(readFileSync(t.kubeconfig, 'utf8')).toBe(ONE);
    first.close();
    const second = t.build();
    expect((await second.handlers['contexts.list']({}, { signal })).selected).toBe('beta');
  });

  it('refuses a context that does not exist, and keeps the current one', async () => {
    const engine = make().build();
    await expect(engine.handlers['contexts.select']({ name: 'ghost' }, { signal })).rejects.toMatchObject({ code: 'not_found' });
    expect((await engine.handlers['contexts.list']({}, { signal })).selected).toBe('alpha');
  });

  it('falls back when the remembered context disappears from the kubeconfig', async () => {
    const t = make();
    const engine = t.build();
    await engine.handlers['contexts.select']({ name: 'beta' }, { signal });
    writeFileSync(t.kubeconfig, ONE.replace("- {name: beta, context: {cluster: b, user: u, namespace: web}}\n", ''));
    const state = await engine.handlers['contexts.reload']({}, { signal });
    expect(state.contexts.map((c) => c.name)).toEqual(['alpha']);
    expect(state.selected).toBe('alpha');
  });

  it('reloads by itself when a kubeconfig file changes', async () => {
    const t = make({ watch: true });
    t.build();
    writeFileSync(t.kubeconfig, ONE + "- {name: gamma, context: {cluster: a, user: u}}\n");
    await vi.waitFor(
      () => {
        const last = t.events.filter((e) => e.name === 'contexts.changed').at(-1)?.payload as { contexts: { name: string }[] } | undefined;
        expect(last?.contexts.map((c) => c.name)).toEqual(['alpha', 'beta', 'gamma']);
      },
      { timeout: 5000 },
    );
  });

  it('reports a broken kubeconfig and keeps running', async () => {
    const t = make({ kubeconfig: 'clusters: [\n' });
    const engine = t.build();
    const state = await engine.handlers['contexts.list']({}, { signal });
    expect(state.contexts).toEqual([]);
    expect(state.issues[0]).toMatchObject({ file: t.kubeconfig, severity: 'error' });
    await settle();
    expect(await engine.handlers['connection.get']({}, { signal })).toMatchObject({ state: 'none', context: null });
    expect(t.probe).not.toHaveBeenCalled();
  });

  it('reports a context that cannot be used without probing it', async () => {
    const t = make({ kubeconfig: 'contexts:\n- {name: lost, context: {cluster: missing}}\n' });
    const engine = t.build();
    await settle();
    expect(await engine.handlers['connection.get']({}, { signal })).toMatchObject({ state: 'error', message: expect.stringContaining('"missing"') });
    expect(t.probe).not.toHaveBeenCalled();
  });

  it('keeps the newest probe when an older one finishes last', async () => {
    const t = make();
    let release: (r: ProbeResult) => void = () => {};
    t.probe.mockImplementationOnce(() => new Promise((r) => (release = r)));
    const engine = t.build();
    await engine.handlers['contexts.select']({ name: 'beta' }, { signal });
    await settle();
    release({ state: 'unreachable', serverVersion: null, message: 'late answer for alpha', latencyMs: null });
    await settle();
    expect(await engine.handlers['connection.get']({}, { signal })).toMatchObject({ context: 'beta', state: 'connected' });
  });

  it('refuses a second engine on the same data directory while the first runs', () => {
    const t = make();
    t.build();
    // Same process re-locking is allowed (tests, restarts); another live pid is not. Simulate one.
    writeFileSync(path.join(t.dataDir, 'kubeglass.lock'), String(process.ppid));
    expect(() => t.build()).toThrow(/another Kubeglass \(pid \d+\) is using the data directory/);
  });

  it('ignores a corrupt settings file, says so, and overwrites it on the next choice', async () => {
    const t = make();
    t.build().close();
    writeFileSync(path.join(t.dataDir, 'settings.json'), '{not json');
    const engine = t.build();
    const state = await engine.handlers['contexts.list']({}, { signal });
    expect(state.selected).toBe('alpha');
    expect(state.issues.some((i) => i.message.includes('not valid JSON'))).toBe(true);
    const after = await engine.handlers['contexts.select']({ name: 'beta' }, { signal });
    expect(JSON.parse(readFileSync(path.join(t.dataDir, 'settings.json'), 'utf8')).selectedContext).toBe('beta');
    expect(after.issues).toEqual([]);
  });
});
