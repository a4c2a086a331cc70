// Remote write from the app: per context, an endpoint its live samples are also sent to
// (Prometheus remote-write 1.0). Scraping appends through a tee into a bounded queue that drops
// its oldest samples rather than ever blocking a scrape; the queue batches, retries and backs off.
import type { RemoteWriteConfig, RemoteWriteState } from '../api/contract.js';
import type { Labels } from '../model/labels.js';
import { RemoteWriteClient } from '../remote/client.js';
import { RemoteWriteQueue, teeAppendable, type SampleSink } from '../remote/queue.js';
import type { Appendable } from '../tsdb/interface.js';

/** The stored endpoint of a context, secrets included (they never go back to the renderer). */
export interface StoredRemoteWrite {
  url: string;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  headers?: Record<string, string>;
}

/**
 * A stable sink per context, so a scrape's tee outlives endpoint changes: it forwards to the
 * context's current queue, or nowhere once remote write is turned off.
 */
class Router implements SampleSink {
  queue: RemoteWriteQueue | null = null;
  append(labels: Labels, t: number, v: number): void {
    this.queue?.append(labels, t, v);
  }
  async flush(): Promise<void> {
    await this.queue?.flush();
  }
}

export interface RemoteWriteServiceOptions {
  /** The stored endpoints (settings). */
  get: () => Record<string, StoredRemoteWrite>;
  set: (all: Record<string, StoredRemoteWrite>) => void;
  /** Queue capacity in samples (default: Prometheus's 10000 per shard). */
  capacity?: number;
}

export class RemoteWriteService {
  private readonly routers = new Map<string, Router>();

  constructor(private readonly opts: RemoteWriteServiceOptions) {
    for (const [context, cfg] of Object.entries(opts.get())) this.router(context).queue = this.makeQueue(cfg);
  }

  /** What scrapes of `context` append to: the database, teed into remote write when configured. */
  appendableFor(context: string, inner: Appendable): Appendable {
    return context in this.opts.get() ? teeAppendable(inner, this.router(context)) : inner;
  }

  /** True when the context's scrapes must be rewired (remote write was off and is now on). */
  configure(context: string, cfg: RemoteWriteConfig | null): { rewire: boolean } {
    const all = { ...this.opts.get() };
    const had = context in all;
    const r = this.router(context);
    r.queue?.close();
    r.queue = null;
    if (cfg === null) {
      delete all[context];
    } else {
      const prev = all[context];
      // A blank secret keeps the stored one: the renderer never sees it to send it back.
      const stored: StoredRemoteWrite = {
        url: cfg.url,
        ...(cfg.bearerToken ? { bearerToken: cfg.bearerToken } : prev?.bearerToken && cfg.keepSecrets ? { bearerToken: prev.bearerToken } : {}),
        ...(cfg.basicAuth ? { basicAuth: cfg.basicAuth } : prev?.basicAuth && cfg.keepSecrets ? { basicAuth: prev.basicAuth } : {}),
        ...(cfg.headers && Object.keys(cfg.headers).length > 0 ? { headers: cfg.headers } : {}),
      };
      all[context] = stored;
      r.queue = this.makeQueue(stored);
    }
    this.opts.set(all);
    return { rewire: cfg !== null && !had };
  }

  state(context: string): RemoteWriteState {
    const cfg = this.opts.get()[context];
    const q = this.routers.get(context)?.queue ?? null;
    return {
      context,
      config: cfg ? { url: cfg.url, hasBearerToken: !!cfg.bearerToken, basicAuthUser: cfg.basicAuth?.username ?? null, headers: Object.keys(cfg.headers ?? {}) } : null,
      stats: q ? q.stats() : null,
    };
  }

  close(): void {
    for (const r of this.routers.values()) r.queue?.close();
    this.routers.clear();
  }

  private router(context: string): Router {
    let r = this.routers.get(context);
    if (!r) this.routers.set(context, (r = new Router()));
    return r;
  }

  private makeQueue(cfg: StoredRemoteWrite): RemoteWriteQueue {
    const client = new RemoteWriteClient({ url: cfg.url, bearerToken: cfg.bearerToken, basicAuth: cfg.basicAuth, headers: cfg.headers });
    return new RemoteWriteQueue(client, { capacity: this.opts.capacity });
  }
}
