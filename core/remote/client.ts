// The HTTP side of remote write 1.0, as Prometheus's storage/remote/client.go: one POST per
// batch of snappy-compressed protobuf, with the protocol's headers; 5xx, 429 and network errors are
// recoverable (the queue retries them with backoff), any other non-2xx is not (the batch is dropped).
import { VERSION } from '../version.js';

export interface RemoteWriteClientOptions {
  /** The endpoint, e.g. http://host:9090/api/v1/write */
  url: string;
  basicAuth?: { username: string; password: string };
  bearerToken?: string;
  /** Extra headers (never overriding the protocol's own). */
  headers?: Record<string, string>;
  /** Per-request timeout; Prometheus's remote_timeout defaults to 30s. */
  timeoutMs?: number;
  userAgent?: string;
  /** Whether 429 is retried (Prometheus's retry_on_http_429). Default true. */
  retryOnRateLimit?: boolean;
}

/** A failure worth retrying; retryAfterMs is the server's Retry-After, where it gave one. */
export class RecoverableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RecoverableError';
  }
}

export class NonRecoverableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonRecoverableError';
  }
}

/** Sends encoded batches; the queue only needs this. */
export interface WriteClient {
  /** Resolves when stored; rejects with RecoverableError or NonRecoverableError. */
  store(compressed: Uint8Array): Promise<void>;
  readonly endpoint: string;
}

function retryAfter(h: string | null): number | undefined {
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const d = Date.parse(h);
  return Number.isFinite(d) ? Math.max(0, d - Date.now()) : undefined;
}

export class RemoteWriteClient implements WriteClient {
  readonly endpoint: string;
  private readonly headers: Record<string, string>;
  constructor(private readonly opts: RemoteWriteClientOptions) {
    this.endpoint = opts.url;
    const h: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.basicAuth) {
      h['Authorization'] = 'Basic ' + Buffer.from(`${opts.basicAuth.username}:${opts.basicAuth.password}`).toString('base64');
    } else if (opts.bearerToken) {
      h['Authorization'] = `Bearer ${opts.bearerToken}`;
    }
    h['Content-Encoding'] = 'snappy';
    h['Content-Type'] = 'application/x-protobuf';
    h['User-Agent'] = opts.userAgent ?? `Kubeglass/${VERSION}`;
    h['X-Prometheus-Remote-Write-Version'] = '0.1.0';
    this.headers = h;
  }

  async store(compressed: Uint8Array): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.opts.url, {
        method: 'POST',
        headers: this.headers,
        body: compressed,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new RecoverableError(`${(e as Error).message}${cause ? ` (${cause})` : ''}`);
    }
    if (res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      return;
    }
    // Like Prometheus: the first line of the body (at most 512 bytes) goes into the error.
    const text = (await res.text().catch(() => '')).slice(0, 512).split('\n')[0] ?? '';
    const msg = `server returned HTTP status ${res.status} ${res.statusText}${text ? `: ${text}` : ''}`;
    if (res.status >= 500 || (res.status === 429 && this.opts.retryOnRateLimit !== false)) {
      throw new RecoverableError(msg, retryAfter(res.headers.get('Retry-After')));
    }
    throw new NonRecoverableError(msg);
  }
}
