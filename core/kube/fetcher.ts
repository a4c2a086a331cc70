// Scrapes through the Kubernetes API server with the context's own credentials: its CA, client
// certificate or token, refreshed through client-node (which runs exec plugins and caches their
// tokens until they expire), so long-running scrapes survive token rotation.
import type { KubeConfig } from '@kubernetes/client-node';
import type http from 'node:http';
import type https from 'node:https';
import { AgentTransport } from '../scrape/agent-transport.js';
import { createHttpFetcher, ScrapeError, type Fetcher } from '../scrape/fetch.js';
import { parsePortForwardUrl, type PortForwards } from './portforward.js';

const CREDENTIALS_TTL_MS = 5000;

/** A Kubernetes Status object's message, where the API server (or its proxy) sent one. */
export function kubeStatusMessage(_status: number, contentType: string, body: Buffer): string | null {
  if (!contentType.includes('json') || body.length > 64 * 1024) return null;
  try {
    const s = JSON.parse(body.toString('utf8')) as { kind?: string; message?: string };
    return s.kind === 'Status' && typeof s.message === 'string' ? s.message : null;
  } catch {
    return null;
  }
}

function pem(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/**
 * A fetcher for URLs on the context's API server. TLS material comes from the kubeconfig (a change,
 * e.g. a rotated exec-plugin certificate, makes a new connection pool); the Authorization header
 * is asked for on every request, as client-node refreshes it.
 */
export interface KubeFetcherOptions {
  /** Resolves kubeglass-portforward:// URLs (see portforward.ts). */
  portForwards?: PortForwards;
  /** Told when the API server refuses a pod proxy request (403): the user may not use pods/proxy. */
  onPodProxyForbidden?: () => void;
}

export function createKubeFetcher(kc: KubeConfig, options: KubeFetcherOptions = {}): Fetcher {
  let inner: Fetcher | null = null;
  let tlsKey = '';
  // Through a tunnel the pod's own certificate is for its service name, never 127.0.0.1.
  const local = createHttpFetcher({ insecureSkipVerify: true });
  // Credentials are asked for at most every few seconds, not on every scrape of every target:
  // client-node reads token and certificate files each time (exec tokens it caches itself).
  let creds: { at: number; opts: Promise<https.RequestOptions> } | null = null;
  const credentials = (): Promise<https.RequestOptions> => {
    const now = Date.now();
    if (!creds || now - creds.at > CREDENTIALS_TTL_MS) {
      const opts: https.RequestOptions = {};
      const p = kc.applyToHTTPSOptions(opts).then(() => opts);
      // A failure is not kept: the next scrape asks again.
      p.catch(() => {
        if (creds?.opts === p) creds = null;
      });
      creds = { at: now, opts: p };
    }
    return creds.opts;
  };
  const fetcher: Fetcher = async (req) => {
    const pf = parsePortForwardUrl(req.url);
    if (pf) {
      if (!options.portForwards) throw new ScrapeError('port-forwarding is not available');
      let port: number;
      try {
        port = await options.portForwards.local(pf.target);
      } catch (err) {
        throw new ScrapeError(`port-forward to pod ${pf.target.namespace}/${pf.target.pod}:${pf.target.port}: ${(err as Error).message}`);
      }
      try {
        return await local({ ...req, url: `${pf.scheme}://127.0.0.1:${port}${pf.pathAndQuery}` });
      } catch (err) {
        // The local connection only closes; the forward knows why.
        const why = options.portForwards.lastError(pf.target, req.timeoutMs + 5000);
        throw why && err instanceof ScrapeError ? new ScrapeError(`port-forward to pod ${pf.target.namespace}/${pf.target.pod}:${pf.target.port} failed: ${why}`) : err;
      }
    }
    let opts: https.RequestOptions;
    try {
      opts = await credentials();
    } catch (err) {
      // Exec plugins and token files fail here: say so, the scrape is down until they work.
      throw new ScrapeError(`credentials for the cluster: ${(err as Error).message}`);
    }
    const tls = { ca: pem(opts.ca), cert: pem(opts.cert), key: pem(opts.key), insecureSkipVerify: opts.rejectUnauthorized === false, serverName: opts.servername };
    // A proxy-url (HTTP CONNECT or SOCKS) is spoken by the agent client-node builds for it.
    const proxyUrl = kc.getCurrentCluster()?.proxyUrl;
    const key = JSON.stringify([tls, proxyUrl ?? null]);
    if (!inner || key !== tlsKey) {
      inner?.close?.();
      const transport = proxyUrl && opts.agent ? new AgentTransport(opts.agent as http.Agent) : undefined;
      inner = createHttpFetcher(tls, { describeError: kubeStatusMessage, transport });
      tlsKey = key;
    }
    const headers = (opts.headers ?? {}) as Record<string, string | string[] | undefined>;
    // A kubeconfig user with username and password gets HTTP basic auth, as kubectl sends it.
    const auth = headers['Authorization'] ?? headers['authorization'] ?? (opts.auth ? `Basic ${Buffer.from(opts.auth).toString('base64')}` : undefined);
    try {
      return await inner({ ...req, authorization: typeof auth === 'string' ? auth : req.authorization });
    } catch (err) {
      if (err instanceof ScrapeError && err.message.startsWith('server returned HTTP status 403') && /\/pods\/[^/]+\/proxy\//.test(req.url)) options.onPodProxyForbidden?.();
      throw err;
    }
  };
  fetcher.close = () => {
    inner?.close?.();
    local.close?.();
  };
  return fetcher;
}
