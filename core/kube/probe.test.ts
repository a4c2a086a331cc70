import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeKubeconfig } from './probe.js';

// A stand-in API server: /version like a real one, 401 for a bad token, silence for "hang".
let server: http.Server;
let port: number;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.headers.authorization === 'Bearer hang') return; // never answers
    if (req.headers.authorization !== 'Bearer good') {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end('{"kind":"Status","status":"Failure","reason":"Unauthorized","code":401}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const kubeconfig = (serverUrl: string, token: string, insecure = true) => `
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: '${serverUrl}', insecure-skip-tls-verify: ${insecure}}}]
users: [{name: u, user: {token: ${token}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;

describe('probeKubeconfig', () => {
  it('reports the server version when connected', async () => {
    const r = await probeKubeconfig(kubeconfig(`http://127.0.0.1:${port}`, 'good'));
    expect(r).toMatchObject({ state: 'connected', serverVersion: 'v1.32.4' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it.each([
    ['rejected credentials', () => kubeconfig(`http://127.0.0.1:${port}`, 'bad'), 'unauthorized', /401/],
    ['nothing listening', () => kubeconfig('http://127.0.0.1:1', 'good'), 'unreachable', /connection refused/],
    ['a plain http URL without skip-verify', () => kubeconfig(`http://127.0.0.1:${port}`, 'good', false), 'error', /plain http/],
  ])('explains %s', async (_n, config, state, message) => {
    const r = await probeKubeconfig(config());
    expect(r.state).toBe(state);
    expect(r.message).toMatch(message);
  });

  it('gives up on a server that never answers', async () => {
    const r = await probeKubeconfig(kubeconfig(`http://127.0.0.1:${port}`, 'hang'), 200);
    expect(r).toMatchObject({ state: 'unreachable', message: expect.stringContaining('no answer') });
  });
});
