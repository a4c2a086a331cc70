// When to stop scraping a pod through the API server's proxy because it is slow, and when to try
// it again. The proxy is the default path (nothing to set up, nothing held open); a port-forward
// is a stream per pod the API server keeps open, so it is worth its cost only where the proxy is
// persistently slow — an overloaded API server, a konnectivity tunnel, an aggregated proxy hop —
// and not where one scrape hiccuped. Decisions are per pod port, with hysteresis both ways:
//
// - A proxied scrape is *slow* when it takes at least `slowFraction` of its timeout, or times out
//   while the pod is Ready (a timeout of an unready pod is the pod's own problem). `slowRun` slow
//   scrapes in a row switch the pod to a port-forward; a fast one resets the count; other errors
//   (refused, 404, a parse error) say nothing about the proxy and leave it as it is.
// - The proxy is tried again `retryAfterMs` later, on probation: one slow scrape sends the pod back
//   to the port-forward and doubles the wait (up to `maxRetryAfterMs`); `slowRun` fast ones end
//   the probation and the wait starts from `retryAfterMs` again.
// - If the target is as slow through the port-forward (`slowRun` slow scrapes in a row), or the
//   forward fails `slowRun` times in a row, the proxy was not to blame: the pod goes back to it
//   and is not switched again for the current wait (doubling the same way).
// - At most `maxForwarded` pods are on port-forwards for slowness at once: each holds a stream
//   open through the API server, and when every proxied scrape is slow the API server itself is
//   the bottleneck, which hundreds of streams would not relieve. Further slow pods stay on the
//   proxy, and the Targets page says why.

export interface SlowProxyPolicy {
  /** A scrape taking at least this fraction of its timeout is slow. */
  slowFraction: number;
  /** Consecutive slow scrapes that make a decision. */
  slowRun: number;
  /** The first wait before the proxy is tried again. */
  retryAfterMs: number;
  /** The longest wait, reached by doubling. */
  maxRetryAfterMs: number;
  /** Pods on port-forwards for slowness at once, at most. */
  maxForwarded: number;
}

/**
 * Half the timeout: with Prometheus's default 10 s timeout, 5 s, about a hundred times what a
 * healthy proxied scrape of an exporter takes. Three in a row (a minute and a half at the usual 30 s
 * interval) rule out a single GC pause or API server restart. Five minutes before the first retry,
 * doubling to an hour, as backoffs go.
 */
export const DEFAULT_SLOW_PROXY_POLICY: SlowProxyPolicy = { slowFraction: 0.5, slowRun: 3, retryAfterMs: 5 * 60_000, maxRetryAfterMs: 60 * 60_000, maxForwarded: 50 };

export type ScrapePath = 'proxy' | 'forward';

export interface ScrapeObservation {
  durationMs: number;
  timeoutMs: number;
  /** 'timeout': the scrape hit its deadline; 'error': failed otherwise. */
  outcome: 'ok' | 'timeout' | 'error';
  podReady: boolean;
}

interface EndpointState {
  path: ScrapePath;
  /** Consecutive slow scrapes on the current path. */
  slow: number;
  /** Consecutive fast scrapes on the proxy while on probation. */
  fast: number;
  /** Consecutive failed scrapes through the port-forward. */
  failed: number;
  /** Back on the proxy after a switch, until `slowRun` fast scrapes. */
  probation: boolean;
  /** The current wait: before the next retry of the proxy, or before the next switch is allowed. */
  waitMs: number;
  /** On a port-forward: when the proxy is tried again. */
  retryAt: number;
  /** On the proxy: no switch before this (the port-forward was no better). */
  holdUntil: number;
  /** Why the pod is on its path, where that is not the default; shown on the Targets page. */
  reason: string;
  /** The last slow proxied scrape, for the reason. */
  lastSlowMs: number;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function span(ms: number): string {
  return ms < 60_000 ? seconds(ms) : `${Math.round(ms / 60_000)} min`;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19) + ' UTC';
}

export function isSlow(o: ScrapeObservation, policy: SlowProxyPolicy): boolean {
  if (o.outcome === 'timeout') return o.podReady;
  return o.outcome === 'ok' && o.durationMs >= policy.slowFraction * o.timeoutMs;
}

export class SlowProxyDecisions {
  private readonly states = new Map<string, EndpointState>();
  readonly policy: SlowProxyPolicy;

  constructor(policy: Partial<SlowProxyPolicy> = {}) {
    this.policy = { ...DEFAULT_SLOW_PROXY_POLICY, ...policy };
  }

  private state(key: string): EndpointState {
    let s = this.states.get(key);
    if (!s) {
      s = { path: 'proxy', slow: 0, fast: 0, failed: 0, probation: false, waitMs: this.policy.retryAfterMs, retryAt: 0, holdUntil: 0, reason: '', lastSlowMs: 0 };
      this.states.set(key, s);
    }
    return s;
  }

  /**
   * The path for the next scrape of `key` (namespace/pod:port). A pod on a port-forward whose
   * wait is over goes back to the proxy on probation: `changed` says the path just changed.
   */
  path(key: string, now: number): { path: ScrapePath; reason: string; changed: boolean } {
    const s = this.states.get(key);
    if (!s) return { path: 'proxy', reason: '', changed: false };
    if (s.path === 'forward' && now >= s.retryAt) {
      Object.assign(s, { path: 'proxy', slow: 0, fast: 0, failed: 0, probation: true, reason: `trying the API server proxy again after ${span(s.waitMs)} on a port-forward` });
      return { path: 'proxy', reason: s.reason, changed: true };
    }
    return { path: s.path, reason: s.reason, changed: false };
  }

  /** The path and reason now, without moving anything (for the Targets page). */
  current(key: string): { path: ScrapePath; reason: string } {
    const s = this.states.get(key);
    return s ? { path: s.path, reason: s.reason } : { path: 'proxy', reason: '' };
  }

  /** Records a scrape made on `path`; true when the pod's path, or why it is on it, changed. */
  observe(key: string, path: ScrapePath, o: ScrapeObservation, now: number): boolean {
    const s = this.state(key);
    const before = s.reason;
    return this.record(s, path, o, now) || s.reason !== before;
  }

  private record(s: EndpointState, path: ScrapePath, o: ScrapeObservation, now: number): boolean {
    const p = this.policy;
    // A scrape that started on the old path before a switch says nothing about the new one.
    if (path !== s.path) return false;
    const slow = isSlow(o, p);
    if (path === 'proxy') {
      if (!slow) {
        if (o.outcome === 'ok') {
          s.slow = 0;
          if (s.probation && ++s.fast >= p.slowRun) Object.assign(s, { probation: false, fast: 0, waitMs: p.retryAfterMs, reason: '' });
          else if (!s.probation && now >= s.holdUntil && s.reason) s.reason = '';
        }
        return false;
      }
      s.lastSlowMs = o.outcome === 'timeout' ? o.timeoutMs : o.durationMs;
      s.fast = 0;
      // While held, slow scrapes are expected: the count starts when the hold is over.
      if (now < s.holdUntil) return false;
      s.slow++;
      if (s.probation) {
        s.waitMs = Math.min(s.waitMs * 2, p.maxRetryAfterMs);
        this.toForward(s, now, `the API server proxy was still slow when tried again (${o.outcome === 'timeout' ? 'timed out' : seconds(o.durationMs)})`);
        return true;
      }
      if (s.slow < p.slowRun) return false;
      if (this.forwarded().length >= p.maxForwarded) {
        s.reason = `the API server proxy is slow, but ${p.maxForwarded} pods are on port-forwards already (the most Kubeglass opens for slowness)`;
        return false;
      }
      const what = o.outcome === 'timeout' ? `the last timed out after ${seconds(o.timeoutMs)}` : `the last took ${seconds(o.durationMs)}`;
      this.toForward(s, now, `the API server proxy was slow: ${p.slowRun} scrapes in a row took at least ${Math.round(p.slowFraction * 100)}% of the ${seconds(o.timeoutMs)} timeout or timed out, ${what}`);
      return true;
    }
    // On a port-forward.
    if (o.outcome === 'error' || (o.outcome === 'timeout' && !o.podReady)) {
      s.slow = 0;
      if (++s.failed < p.slowRun) return false;
      this.toProxy(s, now, `the port-forward failed ${p.slowRun} times in a row`);
      return true;
    }
    s.failed = 0;
    if (!slow) {
      s.slow = 0;
      return false;
    }
    if (++s.slow < p.slowRun) return false;
    this.toProxy(s, now, `the target was as slow through a port-forward`);
    return true;
  }

  private toForward(s: EndpointState, now: number, why: string): void {
    Object.assign(s, { path: 'forward', slow: 0, fast: 0, failed: 0, probation: false, retryAt: now + s.waitMs });
    s.reason = `${why}; the proxy is tried again at ${clock(s.retryAt)}`;
  }

  private toProxy(s: EndpointState, now: number, why: string): void {
    Object.assign(s, { path: 'proxy', slow: 0, fast: 0, failed: 0, probation: false, holdUntil: now + s.waitMs });
    s.reason = `${why}, so the proxy is kept until ${clock(s.holdUntil)}`;
    s.waitMs = Math.min(s.waitMs * 2, this.policy.maxRetryAfterMs);
  }

  /** Forgets pods no longer scraped. */
  retain(keys: Set<string>): void {
    for (const k of this.states.keys()) if (!keys.has(k)) this.states.delete(k);
  }

  /** Pods on a port-forward because the proxy was slow. */
  forwarded(): string[] {
    return [...this.states].filter(([, s]) => s.path === 'forward').map(([k]) => k);
  }
}
