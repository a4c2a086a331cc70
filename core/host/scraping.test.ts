// The engine scraping the selected context: the demo cluster's targets appear on the contract and
// on /api/v1/targets, and switching away stops them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetsState } from '../api/contract.js';
import { startDemoCluster, type RunningDemoCluster } from '../demo/index.js';
import { sharedCA } from '../demo/testing.js';
import { Engine } from './engine.js';
import { eventually } from '../kube/sd/testing.js';

const signal = new AbortController().signal;
let demo: RunningDemoCluster;
let dir: string;
let engine: Engine;


beforeAll(async () => {
  demo = await startDemoCluster({ nodes: 3, seed: 11, ca: await sharedCA() });
  dir = mkdtempSync(path.join(os.tmpdir(), 'kg-scraping-'));
  const kubeconfig = path.join(dir, 'config');
  // The demo's token context plus one that points nowhere, to switch to.
  writeFileSync(kubeconfig, demo.kubeconfig);
  engine = new Engine({
    dataDir: path.join(dir, 'data'),
    shell: 'browser',
    env: { KUBECONFIG: kubeconfig },
    probe: async () => ({ state: 'connected', serverVersion: 'v1.32.4', message: 'ok', latencyMs: 1 }),
    probeIntervalMs: 0,
    watch: false,
  });
  engine.start(() => {});
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the engine scrapes the selected context', () => {
  it('lists the discovered targets with how each is reached', async () => {
    const state = await eventually(async () => {
      const s: TargetsState = await engine.handlers['targets.list']({}, { signal });
      return s.active.filter((t) => t.labels['job'] === 'node-exporter').length === 3 ? s : null;
    });
    expect(state).toMatchObject({ context: demo.contextName, state: 'running' });
    expect(state.jobs.map((j) => j.scrapePool)).toEqual(expect.arrayContaining(['kubeglass/node-exporter', 'kubeglass/kube-state-metrics', 'kubeglass/kubelet/1']));
    const ne = state.active.find((t) => t.labels['job'] === 'node-exporter')!;
    expect(ne.via).toMatch(/^API server proxy of pod monitoring\//);
    expect(ne.discoveredLabels['__meta_kubernetes_pod_node_name']).toBe(ne.labels['instance']);
  });

  it('follows a switch to another context (its own credentials, its own database)', async () => {
    await engine.handlers['contexts.select']({ name: `${demo.contextName}-cert` }, { signal });
    const s = await eventually(async () => {
      const st = await engine.handlers['targets.list']({}, { signal });
      return st.context === `${demo.contextName}-cert` && st.active.length > 0 ? st : null;
    });
    expect(s.state).toBe('running');
  });
});

describe('contexts kept scraping in the background', () => {
  it('scrapes a background context beside the selected one, with its cost, until it is let go', async () => {
    const main = demo.contextName;
    const other = `${demo.contextName}-cert`;
    await engine.handlers['contexts.select']({ name: main }, { signal });
    const state = await engine.handlers['contexts.setBackground']({ name: other, background: true }, { signal });
    expect(state.background).toEqual([other]);
    const status = await eventually(async () => {
      const s = await engine.handlers['scraping.status']({}, { signal });
      return s.contexts.length === 2 && s.contexts.every((c) => c.state === 'running' && c.targetsUp > 0 && c.samplesPerSecond > 0) ? s : null;
    }, 30_000);
    expect(status.contexts.map((c) => [c.context, c.role])).toEqual([
      [main, 'selected'],
      [other, 'background'],
    ]);
    expect(status.engineCpuPercent).toBeGreaterThan(0);
    const shares = status.contexts.reduce((n, c) => n + c.cpuPercent, 0);
    expect(shares).toBeCloseTo(status.engineCpuPercent, 6);
    // The Targets page stays on the selected context.
    expect((await engine.handlers['targets.list']({}, { signal })).context).toBe(main);

    // Kept across restarts of the engine: it is a setting.
    expect((await engine.handlers['contexts.list']({}, { signal })).background).toEqual([other]);
    await engine.handlers['contexts.setBackground']({ name: other, background: false }, { signal });
    const after = await eventually(async () => {
      const s = await engine.handlers['scraping.status']({}, { signal });
      return s.contexts.length === 1 ? s : null;
    });
    expect(after.contexts[0]!.context).toBe(main);
    await expect(engine.handlers['contexts.setBackground']({ name: 'nope', background: true }, { signal })).rejects.toThrow('context "nope" is not in the kubeconfig');
  }, 60_000);
});
