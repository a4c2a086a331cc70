import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFetcher, type Fetcher } from './fetch.js';

let server: http.Server;
let base: string;
const seen: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    const body = 'metric 1\n'.repeat(1000);
    switch (req.url) {
      case '/gzip':
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4', 'Content-Encoding': 'gzip' });
        res.end(gzipSync(body));
        return;
      case '/bad-gzip':
        res.writeHead(200, { 'Content-Encoding': 'gzip' });
        res.end('not gzip at all');
        return;
      case '/slow':
        setTimeout(() => res.end('late 1\n'), 500);
        return;
      case '/chunked':
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
        res.write(body.slice(0, 1000));
        setTimeout(() => res.end(body.slice(1000)), 5);
        return;
      case '/close':
        res.writeHead(200, { 'Content-Type': 'text/plain', Connection: 'close' });
        res.end(body);
        return;
      case '/500':
        res.writeHead(500);
        res.end('boom');
        return;
      default:
        res.writeHead(200, { 'Content-Type': 'application/openmetrics-text; version=1.0.0' });
        res.end(body);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe.each([['node:http', createHttpFetcher()]] as [string, Fetcher][])('%s fetcher', (_name, fetcher) => {
  const req = (path: string, extra: Partial<Parameters<typeof fetcher>[0]> = {}) =>
    fetcher({ url: base + path, accept: 'application/openmetrics-text', timeoutMs: 2000, bodySizeLimit: 0, authorization: null, ...extra });

  it("sends Prometheus's headers and returns the body and content type", async () => {
    const res = await req('/plain', { authorization: 'Bearer t0k' });
    expect(res.contentType).toBe('application/openmetrics-text; version=1.0.0');
    expect(res.body.toString()).toBe('metric 1\n'.repeat(1000));
    const h = seen.at(-1)!;
    expect(h.accept).toBe('application/openmetrics-text');
    expect(h['accept-encoding']).toBe('gzip');
    expect(h['x-prometheus-scrape-timeout-seconds']).toBe('2');
    expect(h.authorization).toBe('Bearer t0k');
  });

  it('decompresses gzip', async () => {
    expect((await req('/gzip')).body.toString()).toBe('metric 1\n'.repeat(1000));
  });

  it.each([
    ['a body over the limit (after decompression)', '/gzip', { bodySizeLimit: 100 }, /body size limit exceeded/],
    ['a non-200 status', '/500', {}, /server returned HTTP status 500 Internal Server Error/],
    ['a timeout', '/slow', { timeoutMs: 100 }, /context deadline exceeded/],
    ['corrupt gzip', '/bad-gzip', {}, /error decompressing/],
  ])('fails on %s', async (_n, path, extra, message) => {
    await expect(req(path, extra)).rejects.toThrow(message);
  });

  it('reads chunked and read-to-close bodies, and many requests in a row over kept-alive sockets', async () => {
    expect((await req('/chunked')).body.toString()).toBe('metric 1\n'.repeat(1000));
    expect((await req('/close')).body.toString()).toBe('metric 1\n'.repeat(1000));
    const bodies = await Promise.all(Array.from({ length: 20 }, (_, i) => req(i % 2 ? '/gzip' : '/plain')));
    for (const b of bodies) expect(b.body.length).toBe(9000);
  });

  it('recovers when the server closes an idle kept-alive connection', async () => {
    server.keepAliveTimeout = 30;
    try {
      expect((await req('/plain')).body.length).toBe(9000);
      await new Promise((r) => setTimeout(r, 100));
      expect((await req('/plain')).body.length).toBe(9000);
    } finally {
      server.keepAliveTimeout = 5000;
    }
  });

  it('fails clearly when nothing listens', async () => {
    await expect(fetcher({ url: 'http://127.0.0.1:1/metrics', accept: '', timeoutMs: 1000, bodySizeLimit: 0, authorization: null })).rejects.toThrow(/ECONNREFUSED/);
  });
});
