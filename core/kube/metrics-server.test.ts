import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, metricsModel, refuseTarget, clearTargetFaults, startDemoCluster, uninstallAddon, type RunningDemoCluster } from '../demo/index.js';
import { nodeMetrics, podMetrics } from '../demo/metrics-api.js';
import { sharedCA } from '../demo/testing.js';
import { labelsToRecord } from '../model/labels.js';
import type { TargetStatus } from '../scrape/manager.js';
import type { Appendable } from '../tsdb/interface.js';
import { ClusterScraping } from './cluster-scraping.js';
import { METRICS_SERVER_JOB, parseWindow, UsageDerivation, UsageSeries, type NodeMetrics, type PodMetrics } from './metrics-server.js';
import { parseQuantity, type Node, type Pod } from './objects.js';
import { eventually } from './sd/testing.js';

function target(labels: Record<string, string>, health: TargetStatus['health'], lastError = ''): TargetStatus {
  return { job: 'x', url: '', labels, relabeled: {}, discovered: {}, intervalMs: 30_000, timeoutMs: 10_000, health, lastError, lastScrape: null, lastScrapeDurationMs: 0, samplesScraped: 0, samplesPostRelabeling: 0, seriesAdded: 0, samplesRejected: 0 } as TargetStatus;
}

/** The targets of node n1 in a check: c cAdvisor, r /metrics/resource, e node-exporter; U up, D down, ? unknown, - absent. */
function targetsOf(spec: string): TargetStatus[] {
  const [c, r, e] = spec.split('');
  const out: TargetStatus[] = [];
  const health = (x: string) => (x === 'U' ? 'up' : x === 'D' ? 'down' : 'unknown') as TargetStatus['health'];
  if (c !== '-') out.push(target({ job: 'kubelet', metrics_path: '/metrics/cadvisor', node: 'n1' }, health(c!), 'server returned HTTP status 403 Forbidden'));
  if (r !== '-') out.push(target({ job: 'kubelet', metrics_path: '/metrics/resource', node: 'n1' }, health(r!), 'server returned HTTP status 403 Forbidden'));
  if (e !== '-') out.push(target({ job: 'node-exporter', instance: 'n1' }, health(e!), 'connection refused'));
  return out;
}

describe('which nodes are derived', () => {
  // Each check's targets of node n1; after each: C containers derived, N node derived, . neither.
  it.each<[string, string, string]>([
    ['everything up: nothing', 'UUU UUU', '. .'],
    ['cAdvisor forbidden: containers, after two checks', 'DUU DUU DUU', '. C C'],
    ['kubelet forbidden, node-exporter up: containers only', 'DDU DDU', '. C'],
    ['kubelet forbidden, no node-exporter: both', 'DD- DD-', '. CN'],
    ['no node-exporter but /metrics/resource up: containers not, node not', 'UU- UU-', '. .'],
    ['nothing at all for the node', '--- ---', '. CN'],
    ['a target not yet scraped neither counts nor stops', 'DD- ??- DD-', '. . CN'],
    ['…and keeps a derivation going', 'DD- DD- ??-', '. CN CN'],
    ['the source is back: derivation stops at once', 'DD- DD- UU-', '. CN .'],
    ['node-exporter comes back: only the node stops', 'DD- DD- DDU', '. CN C'],
    ['a blip of one check does not start it', 'DUU UUU DUU UUU', '. . . .'],
  ])('%s', (_name, checks, want) => {
    const d = new UsageDerivation();
    const got = checks.split(' ').map((spec) => {
      const p = d.update(['n1'], targetsOf(spec)).get('n1');
      return `${p?.containers ? 'C' : ''}${p?.node ? 'N' : ''}` || '.';
    });
    expect(got.join(' ')).toBe(want);
  });

  it('says why, and forgets nodes that are gone', () => {
    const d = new UsageDerivation();
    d.update(['n1'], targetsOf('DD-'));
    const plan = d.update(['n1'], targetsOf('DD-')).get('n1')!;
    expect(plan.containers).toBe('kubelet /metrics/cadvisor is down: server returned HTTP status 403 Forbidden');
    expect(plan.node).toBe('no node-exporter target; kubelet /metrics/resource is down: server returned HTTP status 403 Forbidden');
    expect(d.update([], []).size).toBe(0);
  });
});

describe('the derived series', () => {
  it.each<[string, number]>([
    ['15s', 15_000],
    ['20.5s', 20_500],
    ['1m0s', 60_000],
    ['1m30s', 90_000],
    ['250ms', 250],
  ])('window %s', (w, ms) => expect(parseWindow(w)).toBe(ms));

  const plan = new Map([['n1', { containers: 'x', node: 'y' }]]);
  const node = (ts: string, cpu: string, memory: string, window = '15s'): NodeMetrics => ({ metadata: { name: 'n1' }, timestamp: ts, window, usage: { cpu, memory } });
  const pod = (ts: string, cpu: string, window = '15s'): PodMetrics => ({ metadata: { name: 'p', namespace: 'ns' }, timestamp: ts, window, containers: [{ name: 'app', usage: { cpu, memory: '2Mi' } }] });
  const value = (text: string, name: string) => /\S+ (\S+) (\d+)$/.exec(text.split('\n').find((l) => l.startsWith(name + '{'))!)!.slice(1).map(Number);

  it('integrates the reported CPU rate over time, stamped with each reading', () => {
    const s = new UsageSeries();
    const at = (ts: string, cpu: string) => s.render(plan, [node(ts, cpu, '1Gi')], [pod(ts, cpu)], () => 'n1');
    // First reading: the CPU of its 15 s window.
    expect(value(at('2026-01-01T00:00:15Z', '500m'), 'node_cpu_usage_seconds_total')).toEqual([7.5, Date.UTC(2026, 0, 1, 0, 0, 15)]);
    // The same reading again adds nothing.
    expect(value(at('2026-01-01T00:00:15Z', '500m'), 'node_cpu_usage_seconds_total')[0]).toBe(7.5);
    // 15 s at 2 cores.
    const t = at('2026-01-01T00:00:30Z', '2');
    expect(value(t, 'node_cpu_usage_seconds_total')).toEqual([37.5, Date.UTC(2026, 0, 1, 0, 0, 30)]);
    expect(value(t, 'container_cpu_usage_seconds_total')[0]).toBe(37.5);
    expect(value(t, 'node_memory_working_set_bytes')[0]).toBe(2 ** 30);
    expect(value(t, 'container_memory_working_set_bytes')[0]).toBe(2 * 2 ** 20);
    // A missed reading (30 s later) is filled with the next one's rate: 30 s × 250m.
    expect(value(at('2026-01-01T00:01:00Z', '250000000n'), 'node_cpu_usage_seconds_total')[0]).toBe(45);
    expect(t).toContain('container_cpu_usage_seconds_total{container="app",namespace="ns",node="n1",pod="p"}');
    expect(t).toContain('# TYPE node_cpu_usage_seconds_total counter');
  });

  it('writes only what the plan derives, and a counter starts again once it stopped', () => {
    const s = new UsageSeries();
    s.render(plan, [node('2026-01-01T00:00:15Z', '1', '1Ki')], [pod('2026-01-01T00:00:15Z', '1')], () => 'n1');
    const onlyContainers = s.render(new Map([['n1', { containers: 'x' }]]), [node('2026-01-01T00:00:30Z', '1', '1Ki')], [pod('2026-01-01T00:00:30Z', '1')], () => 'n1');
    expect(onlyContainers).not.toContain('node_cpu_usage_seconds_total');
    expect(value(onlyContainers, 'container_cpu_usage_seconds_total')[0]).toBe(30);
    // Pods on nodes not derived, or whose node is unknown, are left out.
    expect(s.render(plan, [], [pod('2026-01-01T00:00:45Z', '1')], () => 'n2')).toBe('');
    expect(s.render(plan, [], [pod('2026-01-01T00:00:45Z', '1')], () => undefined)).toBe('');
    expect(value(s.render(plan, [node('2026-01-01T00:00:45Z', '1', '1Ki')], [], () => 'n1'), 'node_cpu_usage_seconds_total')[0]).toBe(15);
  });
});

/** Every committed sample, by series. */
function recorder(): Appendable & { series: Map<string, { labels: Record<string, string>; samples: [number, number][] }> } {
  const series = new Map<string, { labels: Record<string, string>; samples: [number, number][] }>();
  return {
    series,
    appender: () => {
      let pending: [Record<string, string>, number, number][] = [];
      return {
        append: (l, t, v) => (pending.push([labelsToRecord(l), t, v]), null),
        updateMetadata: () => {},
        commit: async () => {
          for (const [labels, t, v] of pending) {
            const key = JSON.stringify(labels);
            const s = series.get(key) ?? { labels, samples: [] };
            s.samples.push([t, v]);
            series.set(key, s);
          }
          pending = [];
        },
        rollback: () => {
          pending = [];
        },
      };
    },
  };
}

describe('usage from metrics-server on the demo cluster', () => {
  let demo: RunningDemoCluster;
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 0, 0));
  beforeAll(async () => {
    demo = await startDemoCluster({ nodes: 3, seed: 21, clock, ca: await sharedCA() });
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
  });

  const last = (rec: ReturnType<typeof recorder>, name: string, match: Record<string, string>) => {
    const s = [...rec.series.values()].find((x) => x.labels['__name__'] === name && x.labels['job'] === METRICS_SERVER_JOB && Object.entries(match).every(([k, v]) => x.labels[k] === v));
    return s?.samples.filter(([, v]) => !Number.isNaN(v)).at(-1) ?? null;
  };

  it('derives only the node whose kubelet is down, and stops when it is back', async () => {
    const rec = recorder();
    const s = new ClusterScraping({ kubeconfig: demo.kubeconfig, appendable: rec, autoStart: false, derivedCheckMs: 0 });
    s.start();
    const undo = refuseTarget(demo.network, { node: 'demo-worker-01', port: 10250 });
    try {
      // Checks back to back can catch the kubelet's targets while the cluster's ServiceMonitor takes
      // over from the built-in job (none for a moment): those nodes stop once their targets are up.
      await eventually(async () => {
        await s.manager.scrapeAllOnce();
        await s.checkDerived();
        return [...s.derivedUsage.keys()].join() === 'demo-worker-01';
      }, 30_000);
      // node-exporter still scrapes the node itself.
      expect(s.derivedUsage.get('demo-worker-01')!.node).toBeUndefined();
      expect(s.derivedUsage.get('demo-worker-01')!.containers).toMatch(/^kubelet \/metrics\/cadvisor is down: .*refused/);
      await s.manager.scrapeAllOnce();
      const derived = [...rec.series.values()].filter((x) => x.labels['job'] === METRICS_SERVER_JOB && x.labels['__name__']?.startsWith('container_'));
      expect(derived.length).toBeGreaterThan(0);
      expect(derived.every((x) => x.labels['node'] === 'demo-worker-01')).toBe(true);
      undo();
      await eventually(async () => {
        await s.manager.scrapeAllOnce();
        await s.checkDerived();
        return s.derivedUsage.size === 0;
      }, 30_000);
      expect(s.jobStatus().some((j) => j.job === METRICS_SERVER_JOB)).toBe(false);
      expect(s.targets().active.some((t) => t.job === METRICS_SERVER_JOB)).toBe(false);
    } finally {
      clearTargetFaults(demo.network);
      await s.stop();
    }
  }, 60_000);
  it('where nodes/proxy is forbidden and there is no node-exporter, writes what metrics.k8s.io reports, and says why', async () => {
    uninstallAddon(demo.cluster, 'prometheus-node-exporter');
    const user = demo.addUser({ name: 'no-nodes-proxy', deny: ['nodes/proxy'] });
    const rec = recorder();
    const s = new ClusterScraping({ kubeconfig: user.kubeconfig, appendable: rec, autoStart: false, derivedCheckMs: 0 });
    s.start();
    try {
      const nodes = demo.cluster.list('nodes') as Node[];
      await eventually(async () => {
        await s.manager.scrapeAllOnce();
        await s.checkDerived();
        return s.derivedUsage.size === nodes.length && [...s.derivedUsage.values()].every((p) => p.node && p.containers);
      }, 30_000);
      const note = s.jobStatus().find((j) => j.job === METRICS_SERVER_JOB)!;
      expect(note.origin).toBe('derived from metrics.k8s.io (metrics-server)');
      expect(note.notes.join('\n')).toMatch(/demo-worker-01: containers’ CPU and memory \(kubelet \/metrics\/cadvisor is down: server returned HTTP status 403 Forbidden/);

      const model = metricsModel(demo.cluster);
      const scrapeAt = async () => {
        await s.manager.scrapeAllOnce();
        const t = s.targets().active.find((x) => x.job === METRICS_SERVER_JOB)!;
        expect(t).toMatchObject({ health: 'up', lastError: '' });
        expect(t.via).toMatch(/metrics\.k8s\.io \(metrics-server\)/);
      };
      await scrapeAt();
      const first = new Map(nodes.map((n) => [n.metadata.name, last(rec, 'node_cpu_usage_seconds_total', { node: n.metadata.name })]));
      // metrics-server's next reading, 15 s on.
      clock.advance(15_000);
      await scrapeAt();
      for (const n of nodes) {
        const m = nodeMetrics(model, n, clock.now())!;
        const usage = m.usage as { cpu: string; memory: string };
        const at = Date.parse(m.timestamp as string);
        expect(last(rec, 'node_memory_working_set_bytes', { node: n.metadata.name })).toEqual([at, parseQuantity(usage.memory)]);
        const [t0, v0] = first.get(n.metadata.name)!;
        const [t1, v1] = last(rec, 'node_cpu_usage_seconds_total', { node: n.metadata.name })!;
        expect(t1).toBe(at);
        // rate() over the two samples is the CPU metrics-server reports.
        expect((v1 - v0) / ((t1 - t0) / 1000)).toBeCloseTo(parseQuantity(usage.cpu), 9);
      }
      let containers = 0;
      for (const pod of (demo.cluster.list('pods') as Pod[]).filter((p) => p.metadata.namespace === 'demo')) {
        const pm = podMetrics(model, pod, clock.now());
        if (!pm) continue;
        for (const c of pm.containers as { name: string; usage: { cpu: string; memory: string } }[]) {
          const labels = { namespace: 'demo', pod: pod.metadata.name, container: c.name, node: pod.spec.nodeName! };
          expect(last(rec, 'container_memory_working_set_bytes', labels)).toEqual([Date.parse(pm.timestamp as string), parseQuantity(c.usage.memory)]);
          const samples = [...rec.series.values()].find((x) => x.labels['__name__'] === 'container_cpu_usage_seconds_total' && x.labels['pod'] === pod.metadata.name && x.labels['container'] === c.name)!.samples;
          const [[t0, v0], [t1, v1]] = samples.slice(-2) as [[number, number], [number, number]];
          expect((v1 - v0) / ((t1 - t0) / 1000)).toBeCloseTo(parseQuantity(c.usage.cpu), 9);
          containers++;
        }
      }
      expect(containers).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
  }, 60_000);

});
