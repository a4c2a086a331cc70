import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { portPair, RpcClient, RpcServer } from '../api/rpc.js';
import { EMPTY_CONTEXTS, fakeHandlers } from '../api/testing.js';
import { startBrowserServer, type BrowserServer } from './http.js';

const state = EMPTY_CONTEXTS;

let server: BrowserServer;
let rpc: RpcServer;
let aborted: AbortSignal[];
let root: string;

beforeEach(async () => {
  aborted = [];
  root = mkdtempSync(path.join(os.tmpdir(), 'kg-static-'));
  const staticDir = path.join(root, 'app');
  mkdirSync(staticDir);
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>app</title>');
  mkdirSync(path.join(staticDir, 'assets'));
  writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(path.dirname(staticDir), 'outside-secret.txt'), 'SECRET');
  const handlers = fakeHandlers({
    'connection.check': (_p, { signal }) =>
      new Promise(() => {
        aborted.push(signal);
      }),
  });
  const [a, b] = portPair();
  rpc = new RpcServer(b, handlers);
  server = await startBrowserServer({ api: new RpcClient(a), staticDir, token: 'test-token-123' });
});

afterEach(async () => {
  await server.close();
  rpc.close();
  rmSync(root, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(pathname: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: pathname, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const auth = { Authorization: 'Bearer test-token-123', 'Content-Type': 'application/json' };

describe('browser-mode server', () => {
  it('listens on 127.0.0.1 only and prints a login URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.loginUrl).toBe(`http://127.0.0.1:${server.port}/?token=test-token-123`);
  });

  it('answers contract calls with the bearer token', async () => {
    const r = await request('/rpc/contexts.select', { method: 'POST', headers: auth, body: JSON.stringify({ name: 'prod' }) });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true, result: { ...state, selected: 'prod' } });
  });

  it.each([
    ['no token', {}, 401, 'unauthorized'],
    ['a wrong token', { Authorization: 'Bearer nope' }, 401, 'unauthorized'],
    ['a wrong token of the right length', { Authorization: 'Bearer test-token-124' }, 401, 'unauthorized'],
    ['a foreign Origin', { ...auth, Origin: 'http://evil.example' }, 403, 'invalid_params'],
    ['a DNS-rebinding Host', { ...auth, Host: 'evil.example:80' }, 421, 'invalid_params'],
    ['a form content type', { ...auth, 'Content-Type': 'text/plain' }, 415, 'invalid_params'],
  ])('refuses a call with %s', async (_n, headers, status, code) => {
    const r = await request('/rpc/contexts.list', { method: 'POST', headers: headers as Record<string, string>, body: '{}' });
    expect(r.status).toBe(status);
    expect(JSON.parse(r.body).error.code).toBe(code);
  });

  it.each([
    ['malformed JSON', '/rpc/contexts.select', '{"name":', 400, /not valid JSON/],
    ['a schema violation', '/rpc/contexts.select', '{"name": 3}', 400, /name/],
    ['an unknown call', '/rpc/contexts.delete', '{}', 404, /unknown call/],
    ['an oversized body', '/rpc/contexts.select', JSON.stringify({ name: 'x'.repeat(2 << 20) }), 413, /larger than/],
  ])('rejects %s with a clear error', async (_n, pathname, body, status, message) => {
    const r = await request(pathname, { method: 'POST', headers: auth, body });
    expect(r.status).toBe(status);
    expect(JSON.parse(r.body).error.message).toMatch(message);
  });

  it('trades the login token for an HttpOnly SameSite cookie that then authorizes calls', async () => {
    const login = await request('/?token=test-token-123');
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/');
    const cookie = login.headers['set-cookie']![0]!;
    expect(cookie).toMatch(new RegExp(`^kubeglass_${server.port}=test-token-123; HttpOnly; SameSite=Strict; Path=/$`));
    const r = await request('/rpc/contexts.list', { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie.split(';')[0]! }, body: '{}' });
    expect(r.status).toBe(200);
    expect((await request('/?token=wrong')).status).toBe(401);
  });

  it('serves the app with a strict CSP, falls back to index.html for routes, and never leaves its folder', async () => {
    const index = await request('/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>app</title>');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.headers['content-security-policy']).toContain("default-src 'none'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect((await request('/assets/app.js')).headers['content-type']).toMatch(/text\/javascript/);
    expect((await request('/contexts')).body).toContain('<title>app</title>');
    for (const p of ['/../outside-secret.txt', '/%2e%2e/outside-secret.txt', '/assets/..%2f..%2foutside-secret.txt']) {
      const r = await request(p);
      expect(r.body, p).not.toContain('SECRET');
    }
    expect((await request('/missing.js')).status).toBe(404);
  });

  it('streams contract events over SSE to authorized clients', async () => {
    const frames: string[] = [];
    const got = new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: server.port, path: '/rpc/events', headers: { Authorization: 'Bearer test-token-123' } }, (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        res.on('data', (c: Buffer) => {
          frames.push(c.toString());
          if (frames.join('').includes('event: contexts.changed')) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 50));
    rpc.emit('contexts.changed', { ...state, selected: 'pushed' });
    await got;
    const frame = frames.join('').split('\n\n').find((f) => f.startsWith('event: contexts.changed'))!;
    expect(JSON.parse(frame.split('\ndata: ')[1]!).selected).toBe('pushed');
    expect((await request('/rpc/events')).status).toBe(401);
  });

  it('cancels the engine work when the page goes away mid-call', async () => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: '/rpc/connection.check', method: 'POST', headers: auth });
    req.on('error', () => {});
    req.end('{}');
    await new Promise((r) => setTimeout(r, 50));
    expect(aborted).toHaveLength(1);
    expect(aborted[0]!.aborted).toBe(false);
    req.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(aborted[0]!.aborted).toBe(true);
  });
});
