// A kubeconfig whose cluster has a proxy-url (a corporate HTTP proxy in front of the API server):
// discovery and scrapes both go through it, as kubectl's requests do.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { startDemoCluster, type RunningDemoCluster } from '../demo/index.js';
import { sharedCA } from '../demo/testing.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { ClusterScraping } from './cluster-scraping.js';
import { eventually } from './sd/testing.js';

/** An HTTP CONNECT proxy that records what it tunnels to, and resolves every host to 127.0.0.1. */
async function connectProxy(): Promise<{ url: string; connects: string[]; close: () => Promise<void> }> {
  const connects: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.once('data', (head: Buffer) => {
      const m = /^CONNECT ([^ ]+):(\d+) HTTP\/1\.[01]\r\n/.exec(head.toString('latin1'));
      if (!m) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
        return;
      }
      connects.push(`${m[1]}:${m[2]}`);
      const upstream = net.connect(Number(m[2]), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('proxy-url', () => {
  let demo: RunningDemoCluster;
  let proxy: Awaited<ReturnType<typeof connectProxy>>;
  beforeAll(async () => {
    demo = await startDemoCluster({ nodes: 3, seed: 21, evolve: false, ca: await sharedCA() });
    proxy = await connectProxy();
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await demo?.close();
  });

  /**
   * The API server under a name only the proxy resolves (one its certificate has), as a cluster
   * behind a corporate proxy is: a request that bypassed the proxy could not connect at all.
   */
  const behindProxy = (proxyUrl: string) => {
    const doc = parseYaml(demo.kubeconfig) as { clusters: { cluster: Record<string, unknown> }[] };
    for (const c of doc.clusters) {
      c.cluster['server'] = `https://kubernetes.default.svc:${new URL(demo.url).port}`;
      c.cluster['proxy-url'] = proxyUrl;
    }
    return stringify(doc);
  };

  it('sends discovery and scrapes through the cluster entry’s proxy-url', async () => {
    const s = new ClusterScraping({ kubeconfig: behindProxy(proxy.url), appendable: new MemoryStorage(), autoStart: false, derivedCheckMs: 0 });
    s.start();
    try {
      const exporters = await eventually(async () => {
        await s.manager.scrapeAllOnce();
        const t = s.targets().active.filter((x) => x.labels['job'] === 'node-exporter');
        return t.length === 3 && t.every((x) => x.health === 'up') ? t : null;
      });
      expect(exporters.every((t) => t.via?.startsWith('API server proxy of pod'))).toBe(true);
      const apiServer = `kubernetes.default.svc:${new URL(demo.url).port}`;
      // Every connection went through the proxy, to the API server.
      expect(proxy.connects.length).toBeGreaterThan(0);
      expect(new Set(proxy.connects)).toEqual(new Set([apiServer]));
    } finally {
      await s.stop();
    }
  });

  it('says so when the proxy is not there', async () => {
    const s = new ClusterScraping({ kubeconfig: behindProxy('http://127.0.0.1:1'), appendable: new MemoryStorage(), autoStart: false, derivedCheckMs: 0 });
    s.start();
    try {
      const status = await eventually(() => (s.monitorsStatus().error ? s.monitorsStatus() : null));
      expect(status.error).toMatch(/ECONNREFUSED|refused/i);
      expect(status.synced).toBe(false);
    } finally {
      await s.stop();
    }
  });
});
