// @kubernetes/client-node 1.4 (what the engine uses) against the demo API server: typed list
// calls, a raw Watch with bookmarks and 410, and an informer that lists, watches and relists.
import path from 'node:path';
import { CoreV1Api, KubeConfig, makeInformer, Watch, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoCluster, type RunningDemoCluster } from './index.js';
import { sharedCA, tempDir } from './testing.js';
import type { Pod } from '../kube/objects.js';

let demo: RunningDemoCluster;
let dir: { dir: string; remove: () => Promise<void> };
let kc: KubeConfig;

beforeAll(async () => {
  dir = await tempDir();
  demo = await startDemoCluster({ nodes: 4, seed: 'client-node', ca: await sharedCA(), kubeconfigOut: path.join(dir.dir, 'config'), bookmarkIntervalMs: 100 });
  kc = new KubeConfig();
  kc.loadFromFile(path.join(dir.dir, 'config'));
});

afterAll(async () => {
  await demo?.close();
  await dir?.remove();
});

function newPod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'demo', labels: { app: 'client-node-test' }, uid: '', resourceVersion: '', creationTimestamp: '' },
    spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] },
    status: { phase: 'Pending' },
  };
}

type Event = { type: string; obj: { kind?: string; code?: number; reason?: string; metadata?: { name?: string; resourceVersion?: string } } };

/** Runs a Watch until `until` is satisfied; returns the events and how it ended. */
async function watchUntil(pathName: string, params: Record<string, string | number | boolean | undefined>, until: (events: Event[]) => boolean, act?: () => void): Promise<{ events: Event[]; done: unknown }> {
  const events: Event[] = [];
  let finish!: (v: { events: Event[]; done: unknown }) => void;
  const result = new Promise<{ events: Event[]; done: unknown }>((r) => (finish = r));
  const timer = setTimeout(() => finish({ events, done: 'timeout' }), 10_000);
  const controller = await new Watch(kc).watch(
    pathName,
    params,
    (type, obj) => {
      events.push({ type, obj });
      if (until(events)) {
        clearTimeout(timer);
        finish({ events, done: 'until' });
      }
    },
    (err) => {
      clearTimeout(timer);
      finish({ events, done: err ?? 'closed' });
    },
  );
  act?.();
  const r = await result;
  controller.abort();
  return r;
}

describe('@kubernetes/client-node against the demo cluster', () => {
  it('loads the written kubeconfig and lists nodes and pods with CoreV1Api, by token and by certificate', async () => {
    const api = kc.makeApiClient(CoreV1Api);
    const nodes = await api.listNode();
    expect(nodes.items.map((n) => n.metadata!.name)).toEqual(demo.cluster.list('nodes').map((n) => n.metadata.name));
    expect(nodes.items[0]!.status!.nodeInfo!.kubeletVersion).toMatch(/^v1\.32\./);
    expect(nodes.metadata!.resourceVersion).toBe(String(demo.cluster.resourceVersion));
    const ping = await api.listNamespacedPod({ namespace: 'demo', labelSelector: 'app=ping' });
    expect(ping.items).toHaveLength(3);
    // Typed decoding: client-node turns timestamps into Dates.
    expect(ping.items[0]!.metadata!.creationTimestamp).toBeInstanceOf(Date);

    const certKc = new KubeConfig();
    certKc.loadFromFile(path.join(dir.dir, 'config'));
    certKc.setCurrentContext(`${demo.contextName}-cert`);
    const ns = await certKc.makeApiClient(CoreV1Api).listNamespace();
    expect(ns.items.map((n) => n.metadata!.name)).toContain('monitoring');
  });

  it('watches ADDED, MODIFIED, DELETED and BOOKMARK events', async () => {
    const rv = String(demo.cluster.resourceVersion);
    const { events } = await watchUntil(
      '/api/v1/namespaces/demo/pods',
      { resourceVersion: rv, allowWatchBookmarks: true },
      (e) => e.some((x) => x.type === 'DELETED') && e.some((x) => x.type === 'BOOKMARK'),
      () => {
        demo.cluster.create(newPod('watched'));
        demo.cluster.patch('pods', 'demo', 'watched', (p) => void (p.metadata.labels = { ...p.metadata.labels, step: '2' }));
        demo.cluster.delete('pods', 'demo', 'watched');
      },
    );
    const mine = events.filter((e) => e.obj.metadata?.name === 'watched').map((e) => e.type);
    expect(mine).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    const bookmark = events.find((e) => e.type === 'BOOKMARK')!;
    expect(bookmark.obj.kind).toBe('Pod');
    expect(Number(bookmark.obj.metadata!.resourceVersion)).toBeGreaterThanOrEqual(Number(rv) + 3);
  });

  it('gets a 410 Expired ERROR for a resourceVersion older than the compacted history', async () => {
    const old = String(demo.cluster.resourceVersion);
    demo.cluster.create(newPod('expire'));
    demo.cluster.compact();
    const { events, done } = await watchUntil('/api/v1/pods', { resourceVersion: old }, (e) => e.some((x) => x.type === 'ERROR'));
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('ERROR');
    expect(events[0]!.obj).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect(done).not.toBe('timeout');
    demo.cluster.delete('pods', 'demo', 'expire');
  });

  it('keeps an informer in step: initial list, then add, update and delete', async () => {
    const api = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1Pod>(kc, '/api/v1/namespaces/demo/pods', () => api.listNamespacedPod({ namespace: 'demo' }));
    const log: string[] = [];
    let wait: (() => void) | undefined;
    const note = (what: string) => (p: V1Pod) => {
      log.push(`${what} ${p.metadata!.name}`);
      wait?.();
    };
    informer.on('add', note('add'));
    informer.on('update', note('update'));
    informer.on('delete', note('delete'));
    const waitFor = async (entry: string) => {
      const deadline = Date.now() + 10_000;
      while (!log.includes(entry)) {
        if (Date.now() > deadline) throw new Error(`informer never saw "${entry}"; saw ${log.join(', ')}`);
        await new Promise<void>((r) => {
          wait = r;
          setTimeout(r, 100);
        });
      }
    };
    await informer.start();
    try {
      const initial = demo.cluster.list('pods', 'demo').map((p) => `add ${p.metadata.name}`);
      for (const entry of initial) await waitFor(entry);
      demo.cluster.create(newPod('informed'));
      await waitFor('add informed');
      demo.cluster.patch('pods', 'demo', 'informed', (p) => void (p.metadata.annotations = { changed: 'yes' }));
      await waitFor('update informed');
      expect(informer.get('informed', 'demo')!.metadata!.annotations).toEqual({ changed: 'yes' });
      demo.cluster.delete('pods', 'demo', 'informed');
      await waitFor('delete informed');
      expect(informer.list('demo').map((p) => p.metadata!.name).sort()).toEqual(demo.cluster.list('pods', 'demo').map((p) => p.metadata.name).sort());
    } finally {
      await informer.stop();
    }
  });
});
