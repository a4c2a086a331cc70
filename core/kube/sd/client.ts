// GET and watch requests to the API server, authenticated by @kubernetes/client-node's KubeConfig.
//
// Why not the library's Watch or ListWatch: Watch throws away the body of a failed request, so a
// 403 becomes "Forbidden" without the API server's explanation of who may not do what; its
// ListWatch cannot page lists, resume from a bookmark, or report a status. What the library does
// well is authentication, so every request asks it, through kc.applyToFetchOptions, for fresh
// headers (bearer tokens, exec-plugin and OIDC credentials, refreshed when they expire) and an
// agent carrying the TLS material (CA, client certificate, skip-verify, server name) and any
// proxy. Node's own fetch would ignore that agent, so requests go through node:http(s).
import http, { STATUS_CODES, type IncomingMessage } from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import type { KubeConfig } from '@kubernetes/client-node';
import { VERSION } from '../../version.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR' | string;
  object: unknown;
}

/** The transport informers use; tests may supply their own. */
export interface KubeApi {
  /** GET a JSON document. Rejects with a KubeApiError on a non-200 answer. */
  getJson(path: string, query: Query, signal: AbortSignal): Promise<unknown>;
  /**
   * A watch stream: `onOpen` once the server accepted it, `onEvent` per event. Resolves when the
   * server ends the stream (its timeoutSeconds); rejects on errors, an abort, or idleness.
   */
  watch(path: string, query: Query, signal: AbortSignal, handlers: { onOpen(): void; onEvent(ev: WatchEvent): void }): Promise<void>;
}

/** A non-200 answer, with the fields of the Kubernetes Status object it carried, if any. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly kubeMessage: string,
  ) {
    super(kubeMessage ? `${reason || STATUS_CODES[status] || 'Error'} (${status}): ${kubeMessage}` : `${reason || STATUS_CODES[status] || 'Error'} (${status})`);
    this.name = 'KubeApiError';
  }
}

/** Builds a KubeApiError from a metav1.Status (a failed response body, or a watch ERROR event). */
export function statusError(status: unknown, httpStatus?: number): KubeApiError {
  const s = (typeof status === 'object' && status !== null ? status : {}) as { code?: unknown; reason?: unknown; message?: unknown };
  const code = typeof s.code === 'number' ? s.code : (httpStatus ?? 500);
  return new KubeApiError(code, typeof s.reason === 'string' ? s.reason : '', typeof s.message === 'string' ? s.message : '');
}

export interface KubeApiOptions {
  userAgent?: string;
  /** A list request, or a watch stream, that sends nothing for this long is abandoned. */
  idleTimeoutMs?: number;
}

const MAX_ERROR_BODY = 64 * 1024;

interface FetchOptions {
  agent?: http.Agent;
  headers?: { forEach(cb: (value: string, name: string) => void): void };
}

export function createKubeApi(kc: KubeConfig, opts: KubeApiOptions = {}): KubeApi {
  const userAgent = opts.userAgent ?? `kubeglass/${VERSION}`;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 90_000;

  async function open(path: string, query: Query, signal: AbortSignal, idleMs: number): Promise<{ res: IncomingMessage; body: NodeJS.ReadableStream; done(): void; failure(): unknown }> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig context names no cluster');
    // Keep any path prefix of the server URL (Rancher and other proxies serve clusters under one).
    const base = new URL(cluster.server);
    const url = new URL(base.pathname.replace(/\/+$/, '') + path, base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));

    const fetchOpts = (await kc.applyToFetchOptions({})) as unknown as FetchOptions;
    signal.throwIfAborted();
    const headers: Record<string, string> = {};
    fetchOpts.headers?.forEach((value, name) => (headers[name] = value));
    headers['accept'] = 'application/json';
    headers['accept-encoding'] = 'gzip';
    headers['user-agent'] = userAgent;
    const agent = fetchOpts.agent;
    const done = () => agent?.destroy();

    // Why the request failed, which the response stream reports only as "aborted" or "closed".
    let failure: unknown;
    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'http:' ? http : https).request(url, { method: 'GET', headers, agent, signal });
      // Keep-alive probes notice a vanished peer (a laptop changing networks) long before the idle timeout.
      req.on('socket', (socket) => socket.setKeepAlive(true, 30_000));
      req.setTimeout(idleMs, () => req.destroy(Object.assign(new Error(`the API server sent nothing for ${Math.round(idleMs / 1000)} s`), { code: 'KG_IDLE' })));
      req.on('error', (err) => {
        failure ??= err;
        done();
        reject(err);
      });
      req.on('response', (res) => {
        const gzip = /\bgzip\b/i.test(String(res.headers['content-encoding'] ?? ''));
        const body: NodeJS.ReadableStream = gzip ? res.pipe(zlib.createGunzip()) : res;
        if (gzip) res.on('error', (err) => (body as zlib.Gunzip).destroy(err));
        if (res.statusCode === 200) {
          resolve({ res, body, done, failure: () => failure });
          return;
        }
        readAll(body, MAX_ERROR_BODY)
          .then((text) => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = { message: text.trim().slice(0, 500) };
            }
            reject(statusError(parsed, res.statusCode ?? 500));
          }, reject)
          .finally(done);
      });
      req.end();
    });
  }

  return {
    async getJson(path, query, signal) {
      const { body, done } = await open(path, query, signal, idleTimeoutMs);
      try {
        return JSON.parse(await readAll(body, Infinity));
      } finally {
        done();
      }
    },

    async watch(path, query, signal, handlers) {
      // The server closes the watch after timeoutSeconds; silence well past that means a dead link.
      const idleMs = typeof query.timeoutSeconds === 'number' ? Math.max(idleTimeoutMs, query.timeoutSeconds * 1000 + 30_000) : idleTimeoutMs;
      const { body, done, failure } = await open(path, query, signal, idleMs);
      handlers.onOpen();
      try {
        await new Promise<void>((resolve, reject) => {
          let buffer = '';
          let failed = false;
          const fail = (err: unknown) => {
            if (failed) return;
            failed = true;
            reject(err);
          };
          body.setEncoding('utf8');
          body.on('data', (chunk: string) => {
            if (failed) return;
            buffer += chunk;
            let nl: number;
            while ((nl = buffer.indexOf('\n')) >= 0) {
              const line = buffer.slice(0, nl).trim();
              buffer = buffer.slice(nl + 1);
              if (line === '') continue;
              let ev: WatchEvent;
              try {
                ev = JSON.parse(line) as WatchEvent;
              } catch {
                fail(new Error(`the API server sent a watch event that is not JSON: ${line.slice(0, 80)}`));
                return;
              }
              try {
                handlers.onEvent(ev);
              } catch (err) {
                fail(err);
                return;
              }
            }
          });
          body.on('end', () => {
            if (buffer.trim() !== '' && !failed) {
              try {
                handlers.onEvent(JSON.parse(buffer) as WatchEvent);
              } catch (err) {
                fail(err);
                return;
              }
            }
            if (!failed) resolve();
          });
          body.on('error', (err) => fail(failure() ?? err));
          body.on('close', () => fail(failure() ?? (signal.aborted ? signal.reason : new Error('the API server closed the watch connection'))));
        });
      } finally {
        done();
      }
    },
  };
}

function readAll(stream: NodeJS.ReadableStream, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer | string) => {
      const b = typeof c === 'string' ? Buffer.from(c) : c;
      if (size < limit) chunks.push(b);
      size += b.length;
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing is listening at the API server address',
  ENOTFOUND: 'the API server host name does not resolve (offline, or VPN not connected?)',
  EAI_AGAIN: 'the API server host name does not resolve (offline, or VPN not connected?)',
  DEPTH_ZERO_SELF_SIGNED_CERT: "the API server's TLS certificate is not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "the API server's TLS certificate is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the API server's TLS certificate is not trusted",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the API server's TLS certificate is not trusted",
  CERT_HAS_EXPIRED: "the API server's TLS certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "the API server's TLS certificate is for another host name",
};

/** One sentence a person can act on, for the UI. */
export function describeKubeError(err: unknown): string {
  if (err instanceof KubeApiError) {
    switch (err.status) {
      case 401:
        return 'Unauthorized: the API server rejected the credentials; log in again or refresh the token';
      case 403:
        // "pods is forbidden: User "x" cannot list resource "pods" …": the prefix repeats the reason.
        return `Forbidden: ${err.kubeMessage.replace(/^[\w.-]+ is forbidden: /, '') || 'the credentials may not do this'}`;
      case 404:
        return `Not found: ${err.kubeMessage || 'the API server does not serve this resource'}`;
      case 410:
        return `Gone: ${err.kubeMessage || 'the resource version is too old'}`;
      default: {
        const reason = err.reason || STATUS_CODES[err.status] || 'Error';
        return err.kubeMessage ? `${reason} (HTTP ${err.status}): ${err.kubeMessage}` : `${reason} (HTTP ${err.status})`;
      }
    }
  }
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : '';
  const known = NETWORK_MESSAGES[code];
  if (known) return code.includes('CERT') || code.includes('SIGNED') || code.includes('LEAF') ? `${known} (${code}); check certificate-authority in the kubeconfig` : known;
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EPIPE') return `the API server cannot be reached (${code})`;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (message.includes('HTTP protocol is not allowed')) {
    return 'the API server URL uses plain http://; use https://, or set insecure-skip-tls-verify: true on the cluster if you really mean it';
  }
  return message;
}
