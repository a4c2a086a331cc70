// Scrapes over node:http(s) with a given Agent: the way through an HTTP CONNECT or SOCKS proxy
// (a kubeconfig's proxy-url, whose agent client-node builds). Slower per request than Http1Client,
// which stays the transport wherever no proxy is in the way.
import http from 'node:http';
import https from 'node:https';
import { Http1Error, type Http1GetOptions, type Http1Response } from './http1.js';
import type { ScrapeTransport } from './fetch.js';

export class AgentTransport implements ScrapeTransport {
  constructor(private readonly agent: http.Agent) {}

  get(url: URL, options: Http1GetOptions): Promise<Http1Response> {
    const headers: Record<string, string> = {};
    for (const line of options.headers) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon)] = line.slice(colon + 1).trim();
    }
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => reject(options.signal?.aborted ? new Http1Error('request aborted', 'aborted') : err instanceof Http1Error ? err : new Http1Error(err.message, 'network'));
      const req = request(url, { method: 'GET', headers, agent: this.agent, signal: options.signal });
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (options.maxBodyBytes > 0 && size > options.maxBodyBytes) {
            res.destroy(new Http1Error(`body size limit exceeded (${options.maxBodyBytes} bytes)`, 'body-too-large'));
            return;
          }
          chunks.push(c);
        });
        res.on('error', fail);
        res.on('end', () => {
          const h = new Map<string, string>();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: h, body: Buffer.concat(chunks) });
        });
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
