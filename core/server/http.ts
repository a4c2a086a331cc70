// Browser mode's transport: the built renderer and the contract over HTTP on 127.0.0.1, with
// server-sent events for the contract's events, and the read-only Prometheus API (/api/v1/…). Guarded by a random per-launch token (exchanged
// once for an HttpOnly SameSite=Strict cookie), a Host check against DNS rebinding and an Origin
// check against cross-site requests.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseParams, serializeError, type ErrorCode, type EventSourceApi } from '../api/contract.js';
import { CONTENT_SECURITY_POLICY, CONTENT_TYPES } from '../api/csp.js';
import { isCallName } from '../api/names.js';
import { handlePromApi } from './prom-api.js';


const STATUS: Record<ErrorCode, number> = {
  invalid_params: 400,
  unauthorized: 401,
  unknown_call: 404,
  not_found: 404,
  cancelled: 499,
  timeout: 504,
  unavailable: 503,
  internal: 500,
  bad_data: 400,
  execution: 422,
};

const MAX_BODY = 1 << 20;

export interface BrowserServerOptions {
  api: EventSourceApi;
  /** Directory of the built renderer (index.html + assets). */
  staticDir: string;
  port?: number;
  token?: string;
  log?: (line: string) => void;
}

export interface BrowserServer {
  url: string;
  /** The URL that logs a browser in (carries the token once). */
  loginUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

function securityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, code: ErrorCode, message: string, status = STATUS[code]): void {
  sendJson(res, status, { ok: false, error: { code, message } });
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep draining (and dropping) so the client reads our 413 instead of a reset.
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => (size > MAX_BODY ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export async function startBrowserServer(opts: BrowserServerOptions): Promise<BrowserServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const staticDir = path.resolve(opts.staticDir);
  const log = opts.log ?? (() => {});
  const sseClients = new Set<ServerResponse>();
  let port = 0;
  let cookieName = '';
  let allowedHosts = new Set<string>();

  const authorized = (req: IncomingMessage): boolean => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && tokensEqual(auth.slice(7), token)) return true;
    const cookie = cookieValue(req.headers.cookie, cookieName);
    return cookie !== null && tokensEqual(cookie, token);
  };

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string): void => {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      sendError(res, 'invalid_params', 'malformed path');
      return;
    }
    let file = path.resolve(staticDir, '.' + path.posix.normalize(rel));
    if (file !== staticDir && !file.startsWith(staticDir + path.sep)) {
      sendError(res, 'not_found', 'not found');
      return;
    }
    let stat = statSafe(file);
    if (stat?.isDirectory()) {
      file = path.join(file, 'index.html');
      stat = statSafe(file);
    }
    // Client-side routes (no extension) fall back to the app shell.
    if (!stat && path.extname(file) === '') {
      file = path.join(staticDir, 'index.html');
      stat = statSafe(file);
    }
    if (!stat || !stat.isFile()) {
      sendError(res, 'not_found', 'not found');
      return;
    }
    const ext = path.extname(file);
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'Content-Length': stat.size,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': ext === '.html' ? 'no-store' : 'public, max-age=31536000, immutable',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };

  const handleCall = async (req: IncomingMessage, res: ServerResponse, name: string): Promise<void> => {
    if (!isCallName(name)) return sendError(res, 'unknown_call', `unknown call ${JSON.stringify(name)}`);
    const type = req.headers['content-type'] ?? '';
    // Requiring JSON makes every cross-origin call a preflighted one, which we never approve.
    if (!type.toLowerCase().startsWith('application/json')) return sendError(res, 'invalid_params', 'Content-Type must be application/json', 415);
    let params: unknown;
    try {
      const body = await readBody(req);
      params = body === '' ? {} : JSON.parse(body);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        return sendError(res, 'invalid_params', `request body larger than ${MAX_BODY} bytes`, 413);
      }
      return sendError(res, 'invalid_params', 'request body is not valid JSON');
    }
    const controller = new AbortController();
    // The page went away (navigation, closed tab): stop the work it asked for.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    try {
      const valid = parseParams(name, params);
      const result = await opts.api.call(name, valid as never, { signal: controller.signal });
      if (!res.destroyed) sendJson(res, 200, { ok: true, result });
    } catch (err) {
      const e = serializeError(err);
      if (!res.destroyed) sendError(res, e.code, e.message);
    }
  };

  const handleEvents = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    sseClients.add(res);
    req.on('close', () => sseClients.delete(res));
  };

  const unsubscribe = opts.api.onAnyEvent((name, payload) => {
    const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of sseClients) res.write(frame);
  });
  const heartbeat = setInterval(() => {
    for (const res of sseClients) res.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  const server = http.createServer((req, res) => {
    securityHeaders(res);
    // A page on another site that resolves its own host name to 127.0.0.1 must not reach us.
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) return sendError(res, 'invalid_params', 'unexpected Host header', 421);
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts.has(origin.toLowerCase().replace(/^http:\/\//, ''))) {
      return sendError(res, 'invalid_params', 'cross-origin requests are not allowed', 403);
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    } catch {
      return sendError(res, 'invalid_params', 'malformed URL');
    }
    const { pathname } = url;
    if (pathname.startsWith('/api/v1/')) {
      void handlePromApi(req, res, url, opts.api);
      return;
    }
    if (pathname.startsWith('/rpc/')) {
      if (!authorized(req)) return sendError(res, 'unauthorized', 'missing or wrong access token: open the URL that `kubeglass serve` printed');
      if (pathname === '/rpc/events' && req.method === 'GET') return handleEvents(req, res);
      if (req.method !== 'POST') return sendError(res, 'invalid_params', 'use POST for contract calls', 405);
      void handleCall(req, res, pathname.slice('/rpc/'.length));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'invalid_params', 'method not allowed', 405);
    const offered = url.searchParams.get('token');
    if (offered !== null) {
      if (!tokensEqual(offered, token)) return sendError(res, 'unauthorized', 'wrong access token: open the URL that `kubeglass serve` printed');
      // Trade the token in the URL for a cookie, and drop it from the address bar and history.
      res.writeHead(303, {
        'Set-Cookie': `${cookieName}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        Location: '/',
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    serveStatic(req, res, pathname);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  // Cookies are not scoped by port: two instances must not share one.
  cookieName = `kubeglass_${port}`;
  allowedHosts = new Set([`${HOST}:${port}`, `localhost:${port}`]);
  const url = `http://${HOST}:${port}/`;
  log(`listening on ${url}`);
  return {
    url,
    loginUrl: `${url}?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      clearInterval(heartbeat);
      for (const res of sseClients) res.end();
      sseClients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function statSafe(file: string) {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}
