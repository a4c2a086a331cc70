// Fetches one scrape over HTTP(S), as Prometheus's scraper does: its Accept header, gzip, a
// timeout covering the whole exchange, a body size limit enforced while reading, and the
// X-Prometheus-Scrape-Timeout-Seconds header exporters use to bound their own work.
import { gunzipSync } from 'node:zlib';
import { VERSION } from '../version.js';
import type { TlsOptions } from './config.js';
import { Http1Client, Http1Error, type Http1GetOptions, type Http1Response } from './http1.js';

export interface ScrapeRequest {
  url: string;
  accept: string;
  timeoutMs: number;
  /** 0 = unlimited; counted on the decompressed body, as in Prometheus. */
  bodySizeLimit: number;
  authorization: string | null;
  signal?: AbortSignal;
}

export interface ScrapeResponse {
  contentType: string;
  body: Buffer;
}

/** The seam the Kubernetes layer plugs into (API-server proxy, port-forward). */
export type Fetcher = ((req: ScrapeRequest) => Promise<ScrapeResponse>) & {
  /** Releases kept-alive connections once the fetcher's pool of targets is gone. */
  close?: () => void;
};

export class ScrapeError extends Error {}

/** What carries a scrape's GET: Http1Client, or an AgentTransport where a proxy is in the way. */
export interface ScrapeTransport {
  get(url: URL, options: Http1GetOptions): Promise<Http1Response>;
  close(): void;
}

export interface HttpFetcherOptions {
  /** Words to add to a non-200 status from its body (e.g. a Kubernetes Status object's message). */
  describeError?: (status: number, contentType: string, body: Buffer) => string | null;
  /** Instead of a direct Http1Client (which the TLS options then do not configure). */
  transport?: ScrapeTransport;
}

export function createHttpFetcher(tls: TlsOptions = { insecureSkipVerify: false }, opts: HttpFetcherOptions = {}): Fetcher {
  const client: ScrapeTransport = opts.transport ?? new Http1Client({
    tls: { ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.serverName, rejectUnauthorized: !tls.insecureSkipVerify },
  });
  const userAgent = `User-Agent: Kubeglass/${VERSION}`;
  // Per-URL parts computed once: a scrape loop asks for the same URL every interval.
  const prepared = new Map<string, { url: URL; basic: string | null; headers: string[]; headersFor: string }>();
  const prepare = (raw: string) => {
    let p = prepared.get(raw);
    if (p) return p;
    const url = new URL(raw);
    const basic = url.username || url.password ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : null;
    url.username = '';
    url.password = '';
    p = { url, basic, headers: [], headersFor: '' };
    if (prepared.size > 10_000) prepared.clear();
    prepared.set(raw, p);
    return p;
  };
  const fetcher: Fetcher = async (req) => {
    let p: ReturnType<typeof prepare>;
    try {
      p = prepare(req.url);
    } catch {
      throw new ScrapeError(`invalid URL ${req.url}`);
    }
    // A target sends the same headers every scrape: built and checked once per set of inputs.
    const headersFor = `${req.accept}\n${req.timeoutMs}\n${req.authorization ?? ''}`;
    if (p.headersFor !== headersFor) {
      const authorization = p.basic ?? req.authorization;
      const headers = [`Accept: ${req.accept}`, 'Accept-Encoding: gzip', userAgent, `X-Prometheus-Scrape-Timeout-Seconds: ${req.timeoutMs / 1000}`];
      if (authorization) headers.push(`Authorization: ${authorization}`);
      // Header injection guard: values come from config files and URLs.
      for (const h of headers) if (/[\r\n]/.test(h)) throw new ScrapeError(`invalid header value in ${h.slice(0, h.indexOf(':'))}`);
      p.headers = headers;
      p.headersFor = headersFor;
    }
    const headers = p.headers;
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, req.timeoutMs);
    const limit = req.bodySizeLimit;
    let res;
    try {
      // Checked on the wire bytes too: a compressed body over the limit inflates to more.
      res = await client.get(p.url, { headers, maxBodyBytes: limit, signal: abort.signal });
    } catch (err) {
      if (timedOut) throw new ScrapeError(`context deadline exceeded (timeout ${req.timeoutMs / 1000}s)`);
      if (err instanceof Http1Error && err.code === 'aborted') throw new ScrapeError('scrape cancelled');
      throw new ScrapeError((err as Error).message);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
    if (res.status !== 200) {
      const detail = opts.describeError?.(res.status, res.headers.get('content-type') ?? '', res.body);
      throw new ScrapeError(`server returned HTTP status ${res.status} ${res.statusText}`.trimEnd() + (detail ? `: ${detail}` : ''));
    }
    let body = res.body;
    if ((res.headers.get('content-encoding') ?? '').toLowerCase() === 'gzip') {
      try {
        // One synchronous inflate of a whole scrape is cheaper than a stream per scrape.
        body = gunzipSync(body, limit > 0 ? { maxOutputLength: limit } : {});
      } catch (err) {
        const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
        throw new ScrapeError(tooBig ? `body size limit exceeded (${limit} bytes)` : `error decompressing the response: ${(err as Error).message}`);
      }
    }
    return { contentType: res.headers.get('content-type') ?? '', body };
  };
  fetcher.close = () => client.close();
  return fetcher;
}
