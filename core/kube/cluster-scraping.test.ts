import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoCluster, type RunningDemoCluster } from '../demo/index.js';
import { sharedCA } from '../demo/testing.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { ClusterScraping } from './cluster-scraping.js';
import { eventually } from './sd/testing.js';

let demo: RunningDemoCluster;
let scraping: ClusterScraping;


beforeAll(async () => {
  demo = await startDemoCluster({ nodes: 3, seed: 7, ca: await sharedCA() });
  scraping = new ClusterScraping({ kubeconfig: demo.kubeconfig, appendable: new MemoryStorage(), autoStart: false });
  scraping.start();
}, 60_000);
afterAll(async () => {
  await scraping?.stop();
  await demo?.close();
});

describe('ClusterScraping against the demo cluster', () => {
  it('discovers a node-exporter per node, named by its node, reached through its pod proxy', async () => {
    const nodes = demo.cluster.list('nodes').map((n) => n.metadata.name).sort();
    const exporters = await eventually(() => {
      const t = scraping.targets().active.filter((x) => x.labels['job'] === 'node-exporter');
      return t.length === nodes.length ? t : null;
    });
    expect(exporters.map((t) => t.labels['instance']).sort()).toEqual(nodes);
    for (const t of exporters) {
      expect(t.labels).toMatchObject({ namespace: 'monitoring', endpoint: 'metrics' });
      expect(t.via).toMatch(/^API server proxy of pod monitoring\//);
      expect(t.unreachable).toBeUndefined();
    }
  });

  it('scrapes each kubelet three ways through the node proxy, with kube-prometheus labels', async () => {
    const kubelets = await eventually(() => {
      const t = scraping.targets().active.filter((x) => x.labels['job'] === 'kubelet');
      return t.length >= 6 ? t : null;
    });
    // The built-in jobs, or the cluster's kubelet ServiceMonitor where it has one.
    const paths = new Set(kubelets.map((t) => t.labels['metrics_path']));
    expect(paths.has('/metrics') && paths.has('/metrics/cadvisor')).toBe(true);
    expect(kubelets.every((t) => t.via?.startsWith('API server proxy of node '))).toBe(true);
  });

  it('finds kube-state-metrics and says where each job comes from', async () => {
    await eventually(() => scraping.targets().active.some((x) => x.labels['job'] === 'kube-state-metrics'));
    const status = scraping.jobStatus();
    expect(status.find((s) => s.job === 'kubeglass/node-exporter')).toMatchObject({ origin: 'built in' });
    expect(status.every((s) => s.discovery === null || s.discovery.state !== 'retrying')).toBe(true);
  });
});

describe('ClusterScraping: pods through port-forwards', () => {
  const ping = (s: ClusterScraping) => s.targets().active.filter((t) => t.labels['job'] === 'ping' || t.labels['job'] === 'kubernetes-pods');

  it('scrapes pods through port-forwards where chosen', async () => {
    const s = new ClusterScraping({ kubeconfig: demo.kubeconfig, appendable: new MemoryStorage(), autoStart: false, preferPortForward: true });
    s.start();
    try {
      const targets = await eventually(() => (ping(s).length > 0 ? ping(s) : null));
      expect(targets[0]!.via).toMatch(/^port-forward to pod demo\//);
      // Pools may still be settling (monitors arrive after the first targets): scrape until all are up.
      const after = await eventually(async () => {
        await s.manager.scrapeAllOnce();
        const t = ping(s);
        return t.length > 0 && t.every((x) => x.health === 'up') ? t : null;
      });
      expect(after.every((t) => t.via?.startsWith('port-forward to pod demo/'))).toBe(true);
    } finally {
      await s.stop();
    }
  });

  it('falls back to port-forwards when the user may not use the pod proxy', async () => {
    const user = demo.addUser({ name: 'no-proxy', deny: ['pods/proxy'] });
    const s = new ClusterScraping({ kubeconfig: user.kubeconfig, appendable: new MemoryStorage(), autoStart: false });
    s.start();
    try {
      await eventually(() => ping(s).length > 0);
      const switched = await eventually(async () => {
        await s.manager.scrapeAllOnce();
        const t = ping(s);
        return t.length > 0 && t.every((x) => x.health === 'up' && x.via?.includes('does not let this user proxy to pods')) ? t : null;
      });
      expect(switched[0]!.via).toMatch(/^port-forward to pod /);
    } finally {
      await s.stop();
    }
  });
});
