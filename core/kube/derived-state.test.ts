import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoCluster, uninstallAddon, type RunningDemoCluster } from '../demo/index.js';
import { renderKubeStateMetrics } from '../demo/ksm.js';
import { sharedCA } from '../demo/testing.js';
import { labelsToRecord } from '../model/labels.js';
import type { Appendable } from '../tsdb/interface.js';
import { ClusterScraping } from './cluster-scraping.js';
import { DERIVED_STATE_JOB, DerivedState } from './derived-state.js';
import { KubernetesDiscovery } from './sd/discovery.js';
import { eventually } from './sd/testing.js';

/** Keeps the label sets of every committed sample. */
function recorder(): Appendable & { series: Map<string, Record<string, string>> } {
  const series = new Map<string, Record<string, string>>();
  return {
    series,
    appender: () => {
      let pending: Record<string, string>[] = [];
      return {
        append: (l) => (pending.push(labelsToRecord(l)), null),
        updateMetadata: () => {},
        commit: async () => {
          for (const r of pending) series.set(JSON.stringify(r), r);
          pending = [];
        },
        rollback: () => {
          pending = [];
        },
      };
    },
  };
}

describe('kube-state-metrics derived from the API, on a cluster without one', () => {
  let demo: RunningDemoCluster;
  beforeAll(async () => {
    demo = await startDemoCluster({ nodes: 3, seed: 11, evolve: false, ca: await sharedCA() });
    expect(uninstallAddon(demo.cluster, 'kube-state-metrics')).toBeGreaterThan(3);
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
  });

  it('writes exactly what kube-state-metrics would for the same objects', async () => {
    const discovery = KubernetesDiscovery.fromKubeconfig(demo.kubeconfig);
    const derived = new DerivedState(discovery.informers);
    try {
      const text = await eventually(() => {
        try {
          return derived.render();
        } catch {
          return null;
        }
      });
      // Informers strip managedFields and hold their own copies; the series must not notice.
      expect(text).toBe(renderKubeStateMetrics(demo.cluster, 'text'));
      expect(text).toContain('kube_node_status_condition{node=');
      expect(derived.problems()).toEqual([]);
    } finally {
      derived.release();
      discovery.stop();
    }
  });

  it('is scraped as job="kube-state-metrics" once discovery has found none, and says so', async () => {
    const storage = recorder();
    const s = new ClusterScraping({ kubeconfig: demo.kubeconfig, appendable: storage, autoStart: false, derivedCheckMs: 0 });
    s.start();
    try {
      // Two settled checks without a kube-state-metrics target turn derivation on.
      await eventually(async () => {
        await s.checkDerived();
        return s.deriving;
      });
      const target = await eventually(async () => {
        await s.manager.scrapeAllOnce();
        return s.targets().active.find((t) => t.job === DERIVED_STATE_JOB && t.health === 'up') ?? null;
      });
      expect(target.labels).toMatchObject({ job: 'kube-state-metrics' });
      expect(target.via).toMatch(/cluster has no kube-state-metrics/);
      expect(s.jobStatus().find((j) => j.job === DERIVED_STATE_JOB)?.origin).toBe('derived from the Kubernetes API');
      const ready = [...storage.series.values()].filter((l) => l.__name__ === 'kube_node_status_condition' && l.condition === 'Ready' && l.status === 'true');
      expect(ready.map((l) => l.node).sort()).toEqual(demo.cluster.list('nodes').map((n) => n.metadata.name).sort());
      expect(ready.every((l) => l.job === 'kube-state-metrics')).toBe(true);
      const requests = [...storage.series.values()].filter((l) => l.__name__ === 'kube_pod_container_resource_requests' && l.resource === 'cpu');
      expect(requests.length).toBeGreaterThan(10);
    } finally {
      await s.stop();
    }
  });
});

describe('derivation stays off where the cluster has kube-state-metrics', () => {
  let demo: RunningDemoCluster;
  beforeAll(async () => {
    demo = await startDemoCluster({ nodes: 3, seed: 12, evolve: false, ca: await sharedCA() });
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
  });

  it('never derives while a kube-state-metrics target exists', async () => {
    const s = new ClusterScraping({ kubeconfig: demo.kubeconfig, appendable: recorder(), autoStart: false, derivedCheckMs: 0 });
    s.start();
    try {
      await eventually(() => s.targets().active.some((t) => t.labels.job === 'kube-state-metrics'));
      for (let i = 0; i < 3; i++) await s.checkDerived();
      expect(s.deriving).toBe(false);
      expect(s.jobStatus().some((j) => j.job === DERIVED_STATE_JOB)).toBe(false);
    } finally {
      await s.stop();
    }
  });
});
