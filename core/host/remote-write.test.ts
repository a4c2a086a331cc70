import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { labelsFrom } from '../model/labels.js';
import { decodeWriteRequest } from '../remote/prompb.js';
import { snappyDecode } from '../remote/snappy.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { RemoteWriteService, type StoredRemoteWrite } from './remote-write.js';

/** A remote-write endpoint that records what it receives. */
async function endpoint() {
  const got: { auth: string | undefined; series: { labels: Record<string, string>; samples: [number, number][] }[] }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const wr = decodeWriteRequest(snappyDecode(Buffer.concat(chunks)));
      got.push({
        auth: req.headers.authorization,
        series: wr.timeseries.map((ts) => ({ labels: Object.fromEntries(ts.labels.map((l) => [l.name, l.value])), samples: ts.samples.map((s) => [s.timestamp, s.value]) })),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`, got, close: () => new Promise((r) => server.close(r)) };
}

const services: RemoteWriteService[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) s.close();
  for (const c of closers.splice(0)) await c();
});

function service(initial: Record<string, StoredRemoteWrite> = {}) {
  let stored = initial;
  const s = new RemoteWriteService({ get: () => stored, set: (all) => (stored = all) });
  services.push(s);
  return { s, stored: () => stored };
}

const L = labelsFrom({ __name__: 'up', job: 'node' });

describe('RemoteWriteService', () => {
  it("tees a context's committed samples to its endpoint, and only that context's", async () => {
    const ep = await endpoint();
    closers.push(ep.close);
    const { s } = service();
    expect(s.configure('prod', { url: ep.url, bearerToken: 'T1' })).toEqual({ rewire: true });
    const db = new MemoryStorage();
    expect(s.appendableFor('dev', db)).toBe(db);
    const app = s.appendableFor('prod', db).appender();
    app.append(L, 1000, 1);
    app.append(L, 2000, 0);
    await app.commit();
    const rolled = s.appendableFor('prod', db).appender();
    rolled.append(L, 3000, 5);
    rolled.rollback();
    await (s as unknown as { routers: Map<string, { flush(): Promise<void> }> }).routers.get('prod')!.flush();
    expect(ep.got.flatMap((r) => r.series)).toEqual([{ labels: { __name__: 'up', job: 'node' }, samples: [[1000, 1], [2000, 0]] }]);
    expect(ep.got[0]!.auth).toBe('Bearer T1');
    expect(db.byName('up')[0]!.t).toEqual([1000, 2000]);
    const st = s.state('prod');
    expect(st.config).toEqual({ url: ep.url, hasBearerToken: true, basicAuthUser: null, headers: [] });
    expect(st.stats).toMatchObject({ samplesSent: 2, samplesFailed: 0, samplesDropped: 0 });
    expect(JSON.stringify(st)).not.toContain('T1');
  });

  it('keeps a stored secret the renderer does not send back, and forgets the endpoint when turned off', async () => {
    const ep = await endpoint();
    closers.push(ep.close);
    const { s, stored } = service({ prod: { url: ep.url, bearerToken: 'SECRET' } });
    expect(s.configure('prod', { url: ep.url, keepSecrets: true })).toEqual({ rewire: false });
    expect(stored().prod).toEqual({ url: ep.url, bearerToken: 'SECRET' });
    const app = s.appendableFor('prod', new MemoryStorage()).appender();
    app.append(L, 1000, 1);
    await app.commit();
    await (s as unknown as { routers: Map<string, { flush(): Promise<void> }> }).routers.get('prod')!.flush();
    expect(ep.got[0]!.auth).toBe('Bearer SECRET');
    s.configure('prod', { url: ep.url });
    expect(stored().prod).toEqual({ url: ep.url });
    s.configure('prod', null);
    expect(stored()).toEqual({});
    expect(s.state('prod')).toEqual({ context: 'prod', config: null, stats: null });
  });

  it('never holds up a commit while the endpoint is down; the queue keeps what it can', async () => {
    const ep = await endpoint();
    await ep.close(); // nothing listens there any more
    const { s } = service();
    s.configure('prod', { url: ep.url });
    const db = new MemoryStorage();
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) {
      const app = s.appendableFor('prod', db).appender();
      app.append(L, 1000 * (i + 1), i);
      await app.commit();
    }
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(db.byName('up')[0]!.t).toHaveLength(50);
    // The batch deadline (5 s) passes, the send fails and is retried; the samples stay queued.
    await expect.poll(() => s.state('prod').stats!.lastError, { timeout: 10_000 }).toMatch(/ECONNREFUSED|fetch failed|connect/i);
    const st = s.state('prod').stats!;
    expect(st.samplesSent).toBe(0);
    expect(st.samplesPending).toBe(50);
  }, 15_000);
});
