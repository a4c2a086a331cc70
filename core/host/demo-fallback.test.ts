// With no kubeconfig context, the engine opens on its built-in demo cluster, scrapes it, and
// stands it down when a real kubeconfig appears.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { eventually } from '../kube/sd/testing.js';

const signal = new AbortController().signal;
const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-demo-'));
const kubeconfig = path.join(dir, 'config');
let engine: Engine | null = null;

afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});


describe('no kubeconfig: the demo cluster', () => {
  it('opens on the demo cluster, marked as such, and scrapes it', async () => {
    engine = new Engine({ dataDir: path.join(dir, 'data'), shell: 'browser', env: { KUBECONFIG: kubeconfig }, probeIntervalMs: 0, watch: false, demoNodes: 3 });
    engine.start(() => {});
    const state = await eventually(async () => {
      const s = await engine!.handlers['contexts.list']({}, { signal });
      return s.origin === 'demo' ? s : null;
    });
    expect(state.selected).toBe('kubeglass-demo');
    expect(state.issues.some((i) => i.severity === 'info' && /built-in demo cluster/.test(i.message))).toBe(true);
    const targets = await eventually(async () => {
      const t = await engine!.handlers['targets.list']({}, { signal });
      return t.context === 'kubeglass-demo' && t.active.length > 0 ? t : null;
    });
    expect(targets.state).toBe('running');
  }, 60_000);

  it('stands the demo down once a kubeconfig with a context appears', async () => {
    writeFileSync(kubeconfig, "clusters:\n- {name: c, cluster: {server: 'https://127.0.0.1:1'}}\nusers:\n- {name: u, user: {token: t}}\ncontexts:\n- {name: real, context: {cluster: c, user: u}}\ncurrent-context: real\n");
    const state = await engine!.handlers['contexts.reload']({}, { signal });
    expect(state.origin).not.toBe('demo');
    expect(state.contexts.map((c) => c.name)).toEqual(['real']);
  });
});
