// Fetches one scrape over HTTP(S), as Prometheus's scraper does: its Accept header, gzip, a
// timeout covering the whole exchange, a body size limit enforced while reading, and the
// X-Prometheus-Scrape-Timeout-Seconds header exporters use to bound their own work.
import http from 'node:http';
import https from 'node:https';
import { createGunzip } from 'node:zlib';
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
  return (req) =>
    new Promise<ScrapeResponse>((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        reject(new ScrapeError(`invalid URL ${req.url}`));
        return;
      }
      const secure = url.protocol === 'https:';
      const headers: Record<string, string> = {
        Accept: req.accept,
        'Accept-Encoding': 'gzip',
        'User-Agent': `Kubeglass/${VERSION}`,
        'X-Prometheus-Scrape-Timeout-Seconds': String(req.timeoutMs / 1000),
      };
      if (req.authorization) headers.Authorization = req.authorization;
      if (url.username || url.password) {
        headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
      }
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new ScrapeError(`context deadline exceeded (timeout ${req.timeoutMs / 1000}s)`)), req.timeoutMs);
      const onAbort = () => fail(new ScrapeError('scrape cancelled'));
      req.signal?.addEventListener('abort', onAbort, { once: true });
      const request = (secure ? https : http).request(url, { method: 'GET', headers, agent: secure ? httpsAgent : httpAgent }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(new ScrapeError(`server returned HTTP status ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd()));
          return;
        }
        const encoding = (res.headers['content-encoding'] ?? '').toLowerCase();
        const stream = encoding === 'gzip' ? res.pipe(createGunzip()) : res;
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (req.bodySizeLimit > 0 && size > req.bodySizeLimit) {
            fail(new ScrapeError(`body size limit exceeded (${req.bodySizeLimit} bytes)`));
            stream.destroy();
            return;
          }
          chunks.push(chunk);
        });
        stream.on('error', (err: Error) => fail(new ScrapeError(encoding === 'gzip' ? `error decompressing the response: ${err.message}` : err.message)));
        stream.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          req.signal?.removeEventListener('abort', onAbort);
          resolve({ contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks, size) });
        });
      });
      request.on('error', (err) => fail(new ScrapeError(err.message)));
      request.end();
    });
}
