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
