import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { labelsFrom, type Labels } from '../model/labels.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { RemoteWriteClient } from './client.js';
import { decodeWriteRequest, type WriteRequest } from './prompb.js';
import { RemoteWriteQueue, teeAppendable } from './queue.js';
import { snappyDecode } from './snappy.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  req: WriteRequest;
}

let server: http.Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

/** A local endpoint answering each POST with the next status of `statuses` (the last repeats). */
async function endpoint(statuses: number[]): Promise<{ url: string; received: Received[]; requests: () => number }> {
  const received: Received[] = [];
  let n = 0;
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = statuses[Math.min(n, statuses.length - 1)]!;
      n++;
      if (status === 204) received.push({ headers: req.headers, req: decodeWriteRequest(snappyDecode(Buffer.concat(chunks))) });
      res.writeHead(status).end(status === 400 ? 'out of bounds\nsecond line' : '');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/api/v1/write`, received, requests: () => n };
}

const series = (i: number): Labels => labelsFrom({ __name__: 'm', i: String(i) });

describe('RemoteWriteQueue against a local endpoint', () => {
  it('retries a 500 with backoff and delivers the batch once, with the protocol headers and basic auth', async () => {
    const ep = await endpoint([500, 500, 204]);
    const q = new RemoteWriteQueue(new RemoteWriteClient({ url: ep.url, basicAuth: { username: 'u', password: 'p' } }), { batchSendDeadlineMs: 10_000 });
    for (let i = 0; i < 30; i++) q.append(series(i % 3), 1000 + i, i);
    await q.flush();
    expect(ep.requests()).toBe(3);
    expect(ep.received).toHaveLength(1);
    const h = ep.received[0]!.headers;
    expect(h['content-encoding']).toBe('snappy');
    expect(h['content-type']).toBe('application/x-protobuf');
    expect(h['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(h['user-agent']).toMatch(/^Kubeglass\//);
    expect(h['authorization']).toBe('Basic ' + Buffer.from('u:p').toString('base64'));
    const ts = ep.received[0]!.req.timeseries;
    expect(ts).toHaveLength(3);
    expect(ts.flatMap((s) => s.samples).length).toBe(30);
    expect(ts[1]!.samples.slice(0, 2)).toEqual([{ value: 1, timestamp: 1001 }, { value: 4, timestamp: 1004 }]);
    const st = q.stats();
    expect(st).toMatchObject({ samplesSent: 30, samplesRetried: 60, samplesFailed: 0, samplesDropped: 0, samplesPending: 0, batchesSent: 1 });
    expect(st.lastError).toMatch(/500/);
    q.close();
  });

  it('retries 429 and sends a bearer token', async () => {
    const ep = await endpoint([429, 204]);
    const q = new RemoteWriteQueue(new RemoteWriteClient({ url: ep.url, bearerToken: 'tok' }));
    q.append(series(1), 1, 1);
    await q.flush();
    expect(ep.received).toHaveLength(1);
    expect(ep.received[0]!.headers['authorization']).toBe('Bearer tok');
    expect(q.stats()).toMatchObject({ samplesSent: 1, samplesRetried: 1 });
    q.close();
  });

  it('drops a batch refused with 400, records the error and does not retry', async () => {
    const ep = await endpoint([400, 204]);
    const q = new RemoteWriteQueue(new RemoteWriteClient({ url: ep.url }), { maxSamplesPerSend: 10 });
    for (let i = 0; i < 10; i++) q.append(series(i), 5, i);
    await q.flush();
    expect(ep.requests()).toBe(1);
    expect(q.stats()).toMatchObject({ samplesSent: 0, samplesFailed: 10, samplesRetried: 0, samplesPending: 0 });
    expect(q.stats().lastError).toBe('server returned HTTP status 400 Bad Request: out of bounds');
    // The queue goes on with the next batch.
    q.append(series(1), 6, 1);
    await q.flush();
    expect(q.stats().samplesSent).toBe(1);
    q.close();
  });

  it('retries network errors', async () => {
    const ep = await endpoint([204]);
    const port = (server!.address() as AddressInfo).port;
    server!.close();
    const q = new RemoteWriteQueue(new RemoteWriteClient({ url: ep.url }), { minBackoffMs: 20 });
    q.append(series(1), 1, 1);
    await new Promise((r) => setTimeout(r, 5));
    const pump = q.flush();
    // Wait until a retry has happened, then bring the endpoint back on the same port.
    while (q.stats().samplesRetried === 0) await new Promise((r) => setTimeout(r, 10));
    expect(q.stats().lastError).toMatch(/fetch failed|ECONNREFUSED/);
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    await pump;
    expect(ep.received).toHaveLength(1);
    expect(q.stats().samplesSent).toBe(1);
    q.close();
  });

  it('when full drops the oldest samples, counts them, and never blocks append', async () => {
    const ep = await endpoint([204]);
    const q = new RemoteWriteQueue(new RemoteWriteClient({ url: ep.url }), { capacity: 100, maxSamplesPerSend: 1000, batchSendDeadlineMs: 60_000 });
    const t0 = performance.now();
    for (let i = 0; i < 10_000; i++) expect(q.append(series(i % 10), i, i)).toBeUndefined();
    const appendMs = performance.now() - t0;
    expect(q.stats()).toMatchObject({ samplesDropped: 9_900, samplesPending: 100 });
    expect(ep.requests()).toBe(0);
    await q.flush();
    const sent = ep.received.flatMap((r) => r.req.timeseries.flatMap((s) => s.samples.map((x) => x.timestamp))).sort((a, b) => a - b);
    expect(sent).toEqual(Array.from({ length: 100 }, (_, i) => 9_900 + i));
    expect(q.stats()).toMatchObject({ samplesSent: 100, samplesDropped: 9_900, samplesPending: 0 });
    console.log(`full queue: 10000 appends in ${appendMs.toFixed(1)} ms`);
    q.close();
  });

  it('sends a partial batch after batch_send_deadline, a full one at once', async () => {
    const ep = await endpoint([204]);
    const q = new RemoteWriteQueue(new RemoteWriteClient({ url: ep.url }), { maxSamplesPerSend: 5, batchSendDeadlineMs: 50 });
    for (let i = 0; i < 7; i++) q.append(series(1), i, i);
    while (ep.received.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(ep.received.map((r) => r.req.timeseries[0]!.samples.length)).toEqual([5, 2]);
    q.close();
  });

  it('tees committed samples of an Appendable into the queue, not rolled-back ones', async () => {
    const ep = await endpoint([204]);
    const q = new RemoteWriteQueue(new RemoteWriteClient({ url: ep.url }));
    const store = teeAppendable(new MemoryStorage(), q);
    const a = store.appender();
    a.append(series(1), 10, 1);
    a.append(series(2), 10, 2);
    a.rollback();
    a.append(series(3), 20, 3);
    expect(q.stats().samplesPending).toBe(0);
    await a.commit();
    await q.flush();
    expect(ep.received).toHaveLength(1);
    expect(ep.received[0]!.req.timeseries).toEqual([{ labels: [...series(3)], samples: [{ value: 3, timestamp: 20 }] }]);
    q.close();
  });
});
