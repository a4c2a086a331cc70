// Fetches one scrape over HTTP(S), as Prometheus's scraper does: its Accept header, gzip, a
// timeout covering the whole exchange, a body size limit enforced while reading, and the
// X-Prometheus-Scrape-Timeout-Seconds header exporters use to bound their own work.
import http from 'node:http';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { VERSION } from '../version.js';
import type { TlsOptions } from './config.js';

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
export type Fetcher = (req: ScrapeRequest) => Promise<ScrapeResponse>;

export class ScrapeError extends Error {}

export function createHttpFetcher(tls: TlsOptions = { insecureSkipVerify: false }): Fetcher {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 4,
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    servername: tls.serverName,
    rejectUnauthorized: !tls.insecureSkipVerify,
  });
  // Per-URL request options, computed once: a scrape loop asks for the same URL every interval.
  const prepared = new Map<string, { secure: boolean; options: http.RequestOptions; basic: string | null }>();
  const prepare = (raw: string) => {
    let p = prepared.get(raw);
    if (p) return p;
    const url = new URL(raw);
    const secure = url.protocol === 'https:';
    p = {
      secure,
      options: {
        protocol: url.protocol,
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'GET',
        agent: secure ? httpsAgent : httpAgent,
      },
      basic: url.username || url.password ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : null,
    };
    if (prepared.size > 10_000) prepared.clear();
    prepared.set(raw, p);
    return p;
  };
  return (req) =>
    new Promise<ScrapeResponse>((resolve, reject) => {
      let p: ReturnType<typeof prepare>;
      try {
        p = prepare(req.url);
      } catch {
        reject(new ScrapeError(`invalid URL ${req.url}`));
        return;
      }
      const headers: Record<string, string> = {
        Accept: req.accept,
        'Accept-Encoding': 'gzip',
        'User-Agent': `Kubeglass/${VERSION}`,
        'X-Prometheus-Scrape-Timeout-Seconds': String(req.timeoutMs / 1000),
      };
      if (req.authorization) headers.Authorization = req.authorization;
      if (p.basic) headers.Authorization = p.basic;
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        request.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new ScrapeError(`context deadline exceeded (timeout ${req.timeoutMs / 1000}s)`)), req.timeoutMs);
      const onAbort = () => fail(new ScrapeError('scrape cancelled'));
      req.signal?.addEventListener('abort', onAbort, { once: true });
      const request = (p.secure ? https : http).request({ ...p.options, headers }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(new ScrapeError(`server returned HTTP status ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd()));
          return;
        }
        const gzip = (res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
        const limit = req.bodySizeLimit;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          // Checked as bytes arrive (a compressed body over the limit inflates to more), and again
          // on the inflated size below.
          if (limit > 0 && size > limit) {
            fail(new ScrapeError(`body size limit exceeded (${limit} bytes)`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err: Error) => fail(new ScrapeError(err.message)));
        res.on('end', () => {
          if (settled) return;
          let body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
          if (gzip) {
            try {
              // One synchronous inflate of a whole scrape is cheaper than a stream per scrape.
              body = gunzipSync(body, limit > 0 ? { maxOutputLength: limit } : {});
            } catch (err) {
              const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
              fail(new ScrapeError(tooBig ? `body size limit exceeded (${limit} bytes)` : `error decompressing the response: ${(err as Error).message}`));
              return;
            }
          }
          settled = true;
          clearTimeout(timer);
          req.signal?.removeEventListener('abort', onAbort);
          resolve({ contentType: String(res.headers['content-type'] ?? ''), body });
        });
      });
      request.on('error', (err) => fail(new ScrapeError(err.message)));
      request.end();
    });
}
