// Port-forwards for scraping pods the API server's proxy cannot reach (the user may not use
// pods/proxy, or chose so): one local listener on 127.0.0.1 per pod port, opened on first use;
// each TCP connection to it is a port-forward stream over WebSocket, as kubectl port-forward
// makes them, so kept-alive scrape connections reuse one stream.
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import net from 'node:net';

export interface PortForwardTarget {
  namespace: string;
  pod: string;
  port: number;
}

interface Listener {
  server: net.Server;
  port: Promise<number>;
  sockets: Set<net.Socket>;
  /** Why the last forward failed (the API server gone, the pod gone), for the scrape's error. */
  lastError: { message: string; at: number } | null;
}

/** client-node rejects with ws ErrorEvents and Status objects as well as Errors. */
export function describeForwardError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object') {
    const o = err as { message?: unknown; error?: unknown; reason?: unknown };
    if (o.error instanceof Error) return o.error.message;
    if (typeof o.message === 'string' && o.message) return o.message;
    if (typeof o.reason === 'string' && o.reason) return o.reason;
  }
  return String(err);
}

export class PortForwards {
  private readonly listeners = new Map<string, Listener>();
  private readonly forward: PortForward;
  private closed = false;

  constructor(kc: KubeConfig) {
    // disconnectOnErr: a failed forward (pod gone, port closed) ends its connection, so the
    // scrape fails with that error rather than hanging.
    this.forward = new PortForward(kc, true);
  }

  /** The local port that reaches the pod's port; the listener opens on first use. */
  local(t: PortForwardTarget): Promise<number> {
    if (this.closed) return Promise.reject(new Error('port-forwards are closed'));
    const key = `${t.namespace}/${t.pod}:${t.port}`;
    let l = this.listeners.get(key);
    if (!l) {
      const sockets = new Set<net.Socket>();
      const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        // The scrape on the other end sees the connection close; the reason is kept for it.
        socket.on('error', () => {});
        this.forward.portForward(t.namespace, t.pod, [t.port], socket, null, socket).then(
          (ws) => {
            if (l) l.lastError = null;
            // The stream ends with its WebSocket (the API server went away, the pod is gone): so
            // does the local connection, or a kept-alive scrape connection would wait on it.
            if (typeof ws === 'object' && ws !== null) {
              ws.on('close', () => {
                if (l && !socket.destroyed) l.lastError = { message: 'the API server closed the port-forward stream', at: Date.now() };
                socket.destroy();
              });
            }
          },
          (err: unknown) => {
            if (l) l.lastError = { message: describeForwardError(err), at: Date.now() };
            socket.destroy();
          },
        );
      });
      const port = new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
      });
      l = { server, port, sockets, lastError: null };
      this.listeners.set(key, l);
      // A listener that could not open is forgotten, so the next scrape tries again.
      port.catch(() => this.listeners.delete(key));
    }
    return l.port;
  }

  /** Why the latest forward to the target failed, if it did within the last `withinMs`. */
  lastError(t: PortForwardTarget, withinMs = 60_000): string | null {
    const e = this.listeners.get(`${t.namespace}/${t.pod}:${t.port}`)?.lastError;
    return e && Date.now() - e.at <= withinMs ? e.message : null;
  }

  /** Stops forwarding to pods no longer scraped (keys as `ns/pod:port`). */
  retain(keep: Set<string>): void {
    for (const [key, l] of this.listeners) if (!keep.has(key)) this.closeListener(key, l);
  }

  private closeListener(key: string, l: Listener): void {
    this.listeners.delete(key);
    l.server.close();
    for (const s of l.sockets) s.destroy();
  }

  close(): void {
    this.closed = true;
    for (const [key, l] of this.listeners) this.closeListener(key, l);
  }
}

/** The request URL for a scrape through a port-forward; the kube fetcher resolves it. */
export function portForwardUrl(t: PortForwardTarget, scheme: 'http' | 'https', pathAndQuery: string): string {
  return `kubeglass-portforward://${scheme}/${encodeURIComponent(t.namespace)}/${encodeURIComponent(t.pod)}/${t.port}${pathAndQuery}`;
}

export function parsePortForwardUrl(url: string): { target: PortForwardTarget; scheme: 'http' | 'https'; pathAndQuery: string } | null {
  const m = /^kubeglass-portforward:\/\/(https?)\/([^/]+)\/([^/]+)\/(\d+)(\/.*)?$/.exec(url);
  if (!m) return null;
  return {
    scheme: m[1] as 'http' | 'https',
    target: { namespace: decodeURIComponent(m[2]!), pod: decodeURIComponent(m[3]!), port: Number(m[4]) },
    pathAndQuery: m[5] ?? '/',
  };
}
