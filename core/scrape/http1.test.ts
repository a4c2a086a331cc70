import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Http1Client } from './http1.js';

// A scripted server: each connection answers requests with the byte pieces `script` returns,
// written with a pause between pieces so the client sees them as separate reads.
interface Scripted {
  url: (p?: string) => URL;
  connections: number;
  /** Connections still open on the server side. */
  open: () => number;
  requests: string[];
  close: () => Promise<void>;
}
async function scripted(script: (req: string, n: number) => { pieces: (string | Buffer)[]; close?: boolean }): Promise<Scripted> {
  const sockets = new Set<net.Socket>();
  const state: Scripted = {
    url: (p = '/metrics') => new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}${p}`),
    connections: 0,
    open: () => sockets.size,
    requests: [],
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = '';
    socket.on('data', async (d) => {
      buf += d.toString('latin1');
      while (buf.includes('\r\n\r\n')) {
        const end = buf.indexOf('\r\n\r\n') + 4;
        const req = buf.slice(0, end);
        buf = buf.slice(end);
        state.requests.push(req);
        const { pieces, close } = script(req, state.requests.length);
        for (const p of pieces) {
          socket.write(p);
          await new Promise((r) => setTimeout(r, 2));
        }
        if (close) socket.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return state;
}

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const get = (client: Http1Client, url: URL, maxBodyBytes = 0) => client.get(url, { headers: ['Accept: text/plain'], maxBodyBytes });

let servers: Scripted[] = [];
let clients: Http1Client[] = [];
const make = async (script: Parameters<typeof scripted>[0]) => {
  const s = await scripted(script);
  servers.push(s);
  const c = new Http1Client();
  clients.push(c);
  return { s, c };
};
afterEach(async () => {
  for (const c of clients) c.close();
  for (const s of servers) await s.close();
  servers = [];
  clients = [];
});

describe('Http1Client responses', () => {
  it.each([
    ['Content-Length in one read', [ok('a 1\nb 2\n')], 'a 1\nb 2\n'],
    ['Content-Length split inside the head and the body', ['HTTP/1.1 200 OK\r\nContent-Le', 'ngth: 8\r\n\r', '\na 1\n', 'b 2\n'], 'a 1\nb 2\n'],
    [
      'chunked, with extensions and trailers, split at every boundary',
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r', '\na 1\n\r\n', '4\r\nb 2', '\n\r\n0\r\nX-Trailer: t\r\n', '\r\n'],
      'a 1\nb 2\n',
    ],
    ['chunked, upper-case hex sizes', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n'], '0123456789'],
    ['an interim 100 Continue before the response', ['HTTP/1.1 100 Continue\r\n\r\n', ok('x 1\n')], 'x 1\n'],
    ['bare LF line ends', ['HTTP/1.1 200 OK\nContent-Length: 4\n\nx 1\n'], 'x 1\n'],
    ['204 No Content', ['HTTP/1.1 204 No Content\r\n\r\n'], ''],
  ] as [string, string[], string][])('reads %s', async (_name, pieces, body) => {
    const { s, c } = await make(() => ({ pieces }));
    const res = await get(c, s.url());
    expect(res.body.toString()).toBe(body);
    // The socket is reused for the next request.
    expect((await get(c, s.url())).body.toString()).toBe(body);
    expect(s.connections).toBe(1);
  });

  it('reads a read-to-close body and opens a new connection after it', async () => {
    const { s, c } = await make(() => ({ pieces: ['HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n', 'a 1\n', 'b 2\n'], close: true }));
    expect((await get(c, s.url())).body.toString()).toBe('a 1\nb 2\n');
    expect((await get(c, s.url())).body.toString()).toBe('a 1\nb 2\n');
    expect(s.connections).toBe(2);
  });

  it('returns status, reason and headers (repeated ones joined, folded lines unfolded)', async () => {
    const { s, c } = await make(() => ({ pieces: ['HTTP/1.1 503 Service Unavailable\r\nX-A: 1\r\nx-a: 2\r\nX-Long: one\r\n two\r\nContent-Length: 0\r\n\r\n'] }));
    const res = await get(c, s.url());
    expect([res.status, res.statusText, res.headers.get('x-a'), res.headers.get('x-long')]).toEqual([503, 'Service Unavailable', '1, 2', 'one two']);
  });

  it('sends one GET with Host, the given headers, path and query', async () => {
    const { s, c } = await make(() => ({ pieces: [ok('')] }));
    await c.get(s.url('/federate?match[]=up&x=%20'), { headers: ['Accept: a/b', 'Authorization: Bearer t'], maxBodyBytes: 0 });
    const port = s.url().port;
    expect(s.requests[0]).toBe(`GET /federate?match[]=up&x=%20 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: a/b\r\nAuthorization: Bearer t\r\n\r\n`);
  });

  it.each([
    ['Connection: close', ok('x', 'Connection: close\r\n')],
    ['HTTP/1.0 without keep-alive', 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx'],
    ['bytes past Content-Length', `${ok('x')}garbage`],
  ])('does not reuse a connection after %s', async (_name, response) => {
    const { s, c } = await make(() => ({ pieces: [response] }));
    await get(c, s.url());
    await get(c, s.url());
    expect(s.connections).toBe(2);
  });

  it('retries once on a new connection when a kept-alive one dies before answering', async () => {
    // Every second request arrives on a socket the server then closes unanswered, as a server
    // does when its idle timeout fires while our request is in flight.
    const { s, c } = await make((_req, n) => (n % 2 === 0 ? { pieces: [], close: true } : { pieces: [ok('x 1\n')] }));
    for (let i = 0; i < 3; i++) expect((await get(c, s.url())).body.toString()).toBe('x 1\n');
    expect(s.requests.length).toBe(5);
    expect(s.connections).toBe(3);
  });

  it('does not retry a request on a fresh connection', async () => {
    const { s, c } = await make(() => ({ pieces: [], close: true }));
    await expect(get(c, s.url())).rejects.toThrow(/without a response/);
    expect(s.requests.length).toBe(1);
  });

  it('keeps concurrent requests to one host on separate sockets', async () => {
    const { s, c } = await make((req) => ({ pieces: [ok(req.split(' ')[1]!)] }));
    const paths = Array.from({ length: 10 }, (_, i) => `/m${i}`);
    const bodies = await Promise.all(paths.map((p) => get(c, s.url(p))));
    expect(bodies.map((b) => b.body.toString())).toEqual(paths);
    await Promise.all(paths.map((p) => get(c, s.url(p))));
    expect(s.connections).toBe(10);
  });
});

describe('Http1Client idle sockets', () => {
  it('closes idle sockets past the idle timeout, and every socket once the client is closed', async () => {
    const s = await scripted(() => ({ pieces: [ok('x 1\n')] }));
    servers.push(s);
    const c = new Http1Client({ idleTimeoutMs: 100 });
    clients.push(c);
    await get(c, s.url());
    // The sweep runs about once a second; wait (however loaded the machine) until it has.
    for (let i = 0; i < 100 && s.open() > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(s.open()).toBe(0);
    // The swept socket is gone: the next request needs a new connection.
    await get(c, s.url());
    expect(s.connections).toBe(2);
    // A request in flight when the client closes does not return its socket to the pool.
    const inFlight = get(c, s.url());
    c.close();
    await inFlight;
    await expect(get(c, s.url())).resolves.toMatchObject({ status: 200 });
    expect(s.connections).toBe(3);
  });
});

describe('Http1Client failures', () => {
  it.each([
    ['a malformed status line', ['HTTP/1.1 abc\r\n\r\n'], /malformed HTTP response "HTTP\/1.1 abc"/],
    ['a non-HTTP reply', ['SSH-2.0-OpenSSH\r\n\r\n'], /malformed HTTP response/],
    ['a malformed header line', ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n'], /malformed MIME header line: no colon here/],
    ['a bad Content-Length', ['HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n'], /bad Content-Length "12x"/],
    ['differing Content-Lengths', ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'], /bad Content-Length/],
    ['a bad chunk size', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'], /bad chunk size "zz"/],
    ['chunk data without its CRLF', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n'], /missing CRLF after chunk data/],
  ])('rejects %s', async (_name, pieces, message) => {
    const { s, c } = await make(() => ({ pieces, close: true }));
    await expect(get(c, s.url())).rejects.toThrow(message);
  });

  it.each([
    ['before any response', [], /closed the connection without a response/],
    ['inside a Content-Length body', ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'], /unexpected EOF reading the response body/],
    ['inside a chunked body', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'], /unexpected EOF/],
  ])('reports a connection closed %s', async (_name, pieces, message) => {
    const { s, c } = await make(() => ({ pieces, close: true }));
    await expect(get(c, s.url())).rejects.toThrow(message);
  });

  it.each([
    ['declared by Content-Length', [ok('x'.repeat(100))]],
    ['in chunks', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '20\r\n' + 'x'.repeat(32) + '\r\n', '40\r\n' + 'x'.repeat(64) + '\r\n0\r\n\r\n']],
    ['read to close', ['HTTP/1.1 200 OK\r\n\r\n', 'x'.repeat(40), 'x'.repeat(40)]],
  ])('stops at the body size limit, %s', async (_name, pieces) => {
    const { s, c } = await make(() => ({ pieces, close: true }));
    await expect(get(c, s.url(), 50)).rejects.toThrow('body size limit exceeded (50 bytes)');
  });

  it('stops reading a head that never ends', async () => {
    const { s, c } = await make(() => ({ pieces: ['HTTP/1.1 200 OK\r\n', `X-Big: ${'y'.repeat(1 << 20)}`] }));
    await expect(get(c, s.url())).rejects.toThrow(/headers exceeded 1048576 bytes/);
  });

  it('aborts on the signal and closes the socket', async () => {
    const { s, c } = await make(() => ({ pieces: [] }));
    const abort = new AbortController();
    const p = c.get(s.url(), { headers: [], maxBodyBytes: 0, signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    await expect(p).rejects.toThrow('request aborted');
  });

  it('reports a refused connection', async () => {
    await expect(get(new Http1Client(), new URL('http://127.0.0.1:1/metrics'))).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('Http1Client over TLS', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kg-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A CA and a server certificate for 127.0.0.1 and "metrics.test", made by openssl.
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=metrics.test');
  execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1,DNS:metrics.test" > ext.cnf'], { cwd: dir });
  run('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.crt', '-days', '2', '-extfile', 'ext.cnf');
  const ca = readFileSync(path.join(dir, 'ca.crt'), 'utf8');

  const serve = async () => {
    let connections = 0;
    const server = https.createServer({ key: readFileSync(path.join(dir, 'srv.key')), cert: readFileSync(path.join(dir, 'srv.crt')) }, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('tls 1\n');
    });
    server.on('secureConnection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    return { port, connections: () => connections, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
  };

  it('verifies the server against the given CA and reuses the TLS connection', async () => {
    const srv = await serve();
    const c = new Http1Client({ tls: { ca } });
    try {
      for (let i = 0; i < 3; i++) expect((await get(c, new URL(`https://127.0.0.1:${srv.port}/metrics`))).body.toString()).toBe('tls 1\n');
      expect(srv.connections()).toBe(1);
    } finally {
      c.close();
      await srv.close();
    }
  });

  it('rejects an unknown CA unless verification is off, and checks the server name', async () => {
    const srv = await serve();
    const url = new URL(`https://127.0.0.1:${srv.port}/metrics`);
    const clients = [new Http1Client(), new Http1Client({ tls: { rejectUnauthorized: false } }), new Http1Client({ tls: { ca, servername: 'other.test' } }), new Http1Client({ tls: { ca, servername: 'metrics.test' } })];
    try {
      await expect(get(clients[0]!, url)).rejects.toThrow(/self-signed certificate|unable to verify/);
      expect((await get(clients[1]!, url)).status).toBe(200);
      await expect(get(clients[2]!, url)).rejects.toThrow(/other\.test/);
      expect((await get(clients[3]!, url)).status).toBe(200);
    } finally {
      for (const c of clients) c.close();
      await srv.close();
    }
  });
});
