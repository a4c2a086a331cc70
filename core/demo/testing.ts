// Helpers for the demo cluster's tests: one CA per test file (RSA keys take a moment), an HTTPS
// client that trusts it and can present a client certificate, kubectl with an isolated HOME.
import { execFile } from 'node:child_process';
import https from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCertificateAuthority, type CertificateAuthority } from './certs.js';

let caPromise: Promise<CertificateAuthority> | undefined;

export function sharedCA(): Promise<CertificateAuthority> {
  caPromise ??= createCertificateAuthority();
  return caPromise;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body's bytes as received (still gzip-encoded when the server encoded it). */
  raw: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  method?: string;
  token?: string;
  cert?: { certPem: string; keyPem: string };
  accept?: string;
  headers?: Record<string, string>;
  /** Give up after this long: the promise rejects with an Error whose message is "timeout". */
  timeoutMs?: number;
}

export function request(baseUrl: string, caPem: string, pathAndQuery: string, opts: RequestOptions = {}): Promise<HttpResult> {
  const url = new URL(pathAndQuery, baseUrl);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: opts.method ?? 'GET',
        ca: caPem,
        ...(opts.cert ? { cert: opts.cert.certPem, key: opts.cert.keyPem } : {}),
        headers: {
          ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.accept ? { Accept: opts.accept } : {}),
          ...opts.headers,
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const body = raw.toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, raw, json: <T>() => JSON.parse(body) as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.timeoutMs !== undefined) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl with KUBECONFIG and a throwaway HOME (its discovery cache lives there). */
export function kubectl(args: string[], env: { KUBECONFIG: string; HOME: string }, timeoutMs = 30_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kubeglass-demo-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kubeglass-demo-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Reads a watch stream line by line until `until` says stop, or the stream ends. */
export function watchStream(
  baseUrl: string,
  caPem: string,
  pathAndQuery: string,
  opts: RequestOptions & { until?: (events: { type: string; object: Record<string, unknown> }[]) => boolean; onOpen?: () => void },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; events: { type: string; object: Record<string, unknown> }[]; ended: boolean }> {
  const url = new URL(pathAndQuery, baseUrl);
  return new Promise((resolve, reject) => {
    const events: { type: string; object: Record<string, unknown> }[] = [];
    const req = https.request(
      url,
      {
        ca: caPem,
        headers: { ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}), ...(opts.accept ? { Accept: opts.accept } : {}) },
        agent: false,
      },
      (res) => {
        let buf = '';
        let done = false;
        const finish = (ended: boolean) => {
          if (done) return;
          done = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, events, ended });
          req.destroy();
        };
        opts.onOpen?.();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim() === '') continue;
            events.push(JSON.parse(line) as { type: string; object: Record<string, unknown> });
            if (opts.until?.(events)) return finish(false);
          }
        });
        res.on('end', () => finish(true));
        res.on('error', (e) => (done ? undefined : reject(e)));
      },
    );
    req.on('error', (e) => reject(e));
    req.end();
  });
}
