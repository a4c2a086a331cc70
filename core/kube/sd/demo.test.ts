// Discovery against the demo cluster (core/demo): its HTTPS API server, its token auth, its
// generated nodes, pods, services and endpointslices, its watch history and compaction.
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoCluster, type RunningDemoCluster } from '../../demo/index.js';
import { sharedCA } from '../../demo/testing.js';
import { labelsToRecord } from '../../model/labels.js';
import type { TargetGroup } from '../../scrape/source.js';
import { createKubeApi, type KubeApi } from './client.js';
import { KubernetesDiscovery, type KubernetesSDConfig } from './discovery.js';
import { InformerFactory } from './informer.js';
import { endpointSliceTargetGroup, nodeTargetGroup, podTargetGroup } from './roles.js';
import { until } from './testing.js';
import type { EndpointSlice, KubeObject, Node, Pod, Service } from './types.js';

let demo: RunningDemoCluster;
let d: KubernetesDiscovery;

beforeAll(async () => {
  // No bookmarks during a test and no evolution: what the test does is all that happens.
  demo = await startDemoCluster({ nodes: 4, seed: 'kube-sd', ca: await sharedCA(), bookmarkIntervalMs: 600_000, evolve: false });
  d = KubernetesDiscovery.fromKubeconfig(demo.kubeconfig, demo.contextName, { lingerMs: 0, debounceMs: 50 });
}, 60_000);

afterAll(async () => {
  d?.stop();
  await demo?.close();
});

const bySource = (a: TargetGroup, b: TargetGroup) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);

async function firstSend(config: KubernetesSDConfig, discovery = d): Promise<{ groups: () => TargetGroup[]; sends: () => number; unsubscribe: () => void }> {
  const source = discovery.source(config);
  const sends: TargetGroup[][] = [];
  const unsubscribe = source.subscribe((g) => sends.push(g));
  await until(() => sends.length > 0, 15_000, `the first ${config.role} send`);
  return { groups: () => sends.at(-1)!, sends: () => sends.length, unsubscribe };
}

describe('Kubernetes discovery on the demo cluster', () => {
  it('node, pod and endpointslice roles give what the role functions give over the cluster objects', async () => {
    const list = <T>(ref: string) => demo.cluster.list(ref) as unknown as T[];
    const nodes = await firstSend({ role: 'node' });
    const pods = await firstSend({ role: 'pod' });
    const slices = await firstSend({ role: 'endpointslice', attach_metadata: { node: true } });
    try {
      const allNodes = list<Node>('nodes');
      expect(allNodes).toHaveLength(4);
      expect(nodes.groups()).toEqual(allNodes.map((n) => nodeTargetGroup(n)!).sort(bySource));
      expect(nodes.groups().every((g) => labelsToRecord(g.targets[0]!).__address__!.endsWith(':10250'))).toBe(true);

      const allPods = list<Pod>('pods');
      expect(pods.groups()).toEqual(allPods.map((p) => podTargetGroup(p)).sort(bySource));
      expect(pods.groups().filter((g) => g.targets.length > 0).length).toBeGreaterThan(10);

      const find = <T extends KubeObject>(objs: T[]) => (ns: string, name: string) => objs.find((o) => o.metadata?.namespace === ns && o.metadata?.name === name);
      const lookups = { pod: find(allPods), service: find(list<Service>('services')), node: (name: string) => allNodes.find((n) => n.metadata?.name === name) };
      const want = list<EndpointSlice>('endpointslices').map((s) => endpointSliceTargetGroup(s, lookups)).sort(bySource);
      expect(slices.groups()).toEqual(want);
      const podBacked = slices.groups().flatMap((g) => g.targets.map(labelsToRecord)).filter((t) => t.__meta_kubernetes_pod_name);
      expect(podBacked.length).toBeGreaterThan(5);
      expect(podBacked.some((t) => t.__meta_kubernetes_node_name)).toBe(true);
    } finally {
      nodes.unsubscribe();
      pods.unsubscribe();
      slices.unsubscribe();
    }
  });

  it('sees a pod added and removed, with the slice the service controller writes for it', async () => {
    const slices = await firstSend({ role: 'endpointslice', namespaces: { names: ['demo'] } });
    const pods = await firstSend({ role: 'pod', namespaces: { names: ['demo'] } });
    try {
      demo.cluster.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'sd-web', namespace: 'demo' },
        spec: { type: 'ClusterIP', selector: { app: 'sd-web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
      } as never);
      demo.cluster.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'sd-web-1', namespace: 'demo', labels: { app: 'sd-web' } },
        spec: { nodeName: 'x', containers: [{ name: 'web', image: 'web:1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
        status: { phase: 'Running', podIP: '10.250.0.7', hostIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
      } as never);
      const target = () =>
        slices
          .groups()
          .flatMap((g) => [...g.targets.map(labelsToRecord).map((t) => ({ ...labelsToRecord(g.labels), ...t }))])
          .find((t) => t.__address__ === '10.250.0.7:8080');
      await until(() => target() !== undefined, 10_000, 'the new endpoint');
      expect(target()).toMatchObject({ __meta_kubernetes_service_name: 'sd-web', __meta_kubernetes_pod_name: 'sd-web-1', __meta_kubernetes_pod_ready: 'true', __meta_kubernetes_namespace: 'demo' });
      await until(() => pods.groups().some((g) => g.source === 'pod/demo/sd-web-1' && g.targets.length === 1));

      demo.cluster.delete('pods', 'demo', 'sd-web-1');
      await until(() => target() === undefined && !pods.groups().some((g) => g.source === 'pod/demo/sd-web-1'), 10_000, 'the endpoint to go');
    } finally {
      slices.unsubscribe();
      pods.unsubscribe();
    }
  });

  it('re-lists after 410 Gone when its watch resumes from a compacted resourceVersion, and finds what it missed', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(demo.kubeconfig);
    kc.setCurrentContext(demo.contextName);
    const real = createKubeApi(kc);
    const lists: string[] = [];
    const watchesFrom: string[] = [];
    // The demo server, like Kubernetes, sends a bookmark as a watch times out, so a connected
    // informer never falls behind; holding its next watch back is how it misses changes.
    let hold: Promise<void> | null = null;
    let held = 0;
    const counting: KubeApi = {
      getJson: (path, query, signal) => (lists.push(path), real.getJson(path, query, signal)),
      watch: async (path, query, signal, handlers) => {
        if (hold) {
          held++;
          await hold;
        }
        watchesFrom.push(String(query.resourceVersion));
        return real.watch(path, query, signal, handlers);
      },
    };
    const factory = new InformerFactory(counting, { lingerMs: 0, informer: { watchTimeoutSeconds: () => 1 } });
    const own = new KubernetesDiscovery(kc, { factory, debounceMs: 50 });
    const pods = await firstSend({ role: 'pod', namespaces: { names: ['demo'] }, selectors: [{ role: 'pod', label: 'app=sd-410' }] }, own);
    const newPod = (name: string) =>
      demo.cluster.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'demo', labels: { app: 'sd-410' } },
        spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] },
        status: { phase: 'Pending' },
      } as never);
    try {
      expect(lists).toEqual(['/api/v1/namespaces/demo/pods']);
      newPod('sd-410-a');
      await until(() => pods.groups().some((g) => g.source === 'pod/demo/sd-410-a'));

      let release!: () => void;
      hold = new Promise((r) => (release = r));
      await until(() => held === 1, 10_000, 'the open watch to time out and the next to wait');
      const missedFrom = factory.informers()[0]!.lastResourceVersion;
      newPod('sd-410-b');
      demo.cluster.compact();
      release();
      hold = null;
      await until(() => lists.length === 2, 10_000, 'a re-list');
      expect(watchesFrom).toContain(missedFrom);
      await until(() => pods.groups().some((g) => g.source === 'pod/demo/sd-410-b'), 10_000, 'the missed pod');
      expect(pods.groups().map((g) => g.source)).toEqual(['pod/demo/sd-410-a', 'pod/demo/sd-410-b']);
    } finally {
      pods.unsubscribe();
      own.stop();
      for (const n of ['sd-410-a', 'sd-410-b']) if (demo.cluster.get('pods', 'demo', n)) demo.cluster.delete('pods', 'demo', n);
    }
  });
});
