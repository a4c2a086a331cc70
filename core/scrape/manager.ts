// Runs the scrape pools: one per scrape config, fed by a target source, one loop per target.
// When a source changes its targets, loops for vanished targets stop (writing end-of-run
// staleness markers) and new ones start; unchanged targets keep their loop and cache.
import { labelsToRecord, type Labels } from '../model/labels.js';
import type { Appendable } from '../tsdb/interface.js';
import type { ScrapeConfig } from './config.js';
import { createHttpFetcher, type Fetcher } from './fetch.js';
import { ScrapeLoop, type TargetHealth } from './loop.js';
import { expandGroup, type TargetSource } from './source.js';
import { populateTarget, type Target } from './target.js';

export interface TargetStatus extends TargetHealth {
  job: string;
  url: string;
  /** Labels the target's samples get. */
  labels: Record<string, string>;
  /** After relabeling, __ labels included. */
  relabeled: Record<string, string>;
  discovered: Record<string, string>;
  intervalMs: number;
  timeoutMs: number;
  /** How the target is reached (e.g. through the API server's proxy of its pod). */
  via?: string;
  /** Why it cannot be reached at all. */
  unreachable?: string;
}

export interface DroppedTarget {
  job: string;
  discovered: Record<string, string>;
  reason: string;
}

interface Pool {
  config: ScrapeConfig;
  fetch: Fetcher;
  loops: Map<string, ScrapeLoop>;
  dropped: DroppedTarget[];
  unsubscribe: () => void;
}

export interface ManagerOptions {
  appendable: Appendable;
  offsetSeed?: bigint;
  /** See ScrapeLoopOptions.offsetGranularityMs. */
  offsetGranularityMs?: number;
  /** Builds the fetcher for a scrape config (the Kubernetes layer swaps in its proxy). */
  fetcherFor?: (config: ScrapeConfig) => Fetcher;
  /** Says where a target's requests go (the Kubernetes layer routes them through the API server). */
  route?: (target: Target) => Pick<Target, 'requestUrl' | 'via' | 'unreachable'>;
  log?: (line: string) => void;
  now?: () => number;
  /** False: loops are created but only scrape when asked (scrapeAllOnce). */
  autoStart?: boolean;
}

export class ScrapeManager {
  private readonly pools = new Map<string, Pool>();
  private readonly pending = new Set<Promise<void>>();
  /** Loops of removed targets still waiting to write their end-of-run staleness markers. */
  private readonly retiring = new Set<ScrapeLoop>();

  constructor(private readonly opts: ManagerOptions) {}

  /** Starts (or replaces) the pool for a scrape config, fed by `source`. */
  addPool(config: ScrapeConfig, source: TargetSource): void {
    this.track(this.removePool(config.jobName));
    const pool: Pool = {
      config,
      fetch: this.opts.fetcherFor?.(config) ?? createHttpFetcher(config.tls),
      loops: new Map(),
      dropped: [],
      unsubscribe: () => {},
    };
    this.pools.set(config.jobName, pool);
    pool.unsubscribe = source.subscribe((groups) => this.sync(pool, groups.flatMap(expandGroup)));
  }

  async removePool(jobName: string): Promise<void> {
    const pool = this.pools.get(jobName);
    if (!pool) return;
    this.pools.delete(jobName);
    pool.unsubscribe();
    await Promise.all([...pool.loops.values()].map((l) => l.stop({ staleness: true })));
    pool.fetch.close?.();
  }

  private sync(pool: Pool, discovered: Labels[]): void {
    const wanted = new Map<string, ReturnType<typeof populateTarget>>();
    pool.dropped = [];
    for (const d of discovered) {
      const r = populateTarget(d, pool.config);
      if ('dropped' in r) pool.dropped.push({ job: pool.config.jobName, discovered: labelsToRecord(r.dropped), reason: r.reason });
      // Two discovered entries that relabel to the same target are one target.
      else if (!wanted.has(r.target.key)) {
        if (this.opts.route) Object.assign(r.target, this.opts.route(r.target));
        wanted.set(r.target.key, r);
      }
    }
    for (const [key, loop] of pool.loops) {
      if (!wanted.has(key)) {
        pool.loops.delete(key);
        this.retiring.add(loop);
        this.track(loop.stop({ staleness: true }).finally(() => this.retiring.delete(loop)));
      }
    }
    for (const [key, r] of wanted) {
      if (pool.loops.has(key) || 'dropped' in r) continue;
      const loop = new ScrapeLoop({
        target: r.target,
        config: pool.config,
        appendable: this.opts.appendable,
        fetch: pool.fetch,
        offsetSeed: this.opts.offsetSeed,
        offsetGranularityMs: this.opts.offsetGranularityMs,
        now: this.opts.now,
        log: this.opts.log,
      });
      pool.loops.set(key, loop);
      if (this.opts.autoStart !== false) loop.start();
    }
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => this.opts.log?.(`scrape manager: ${err instanceof Error ? err.message : String(err)}`));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /**
   * Asks `route` again for every running target (its path changed: a port-forward instead of
   * the proxy, or back); loops keep their state and use the new request URL from their next scrape.
   */
  reroute(): void {
    const route = this.opts.route;
    if (!route) return;
    for (const pool of this.pools.values()) {
      for (const loop of pool.loops.values()) {
        const t = loop.target;
        const next = route(t);
        delete t.requestUrl;
        delete t.via;
        delete t.unreachable;
        Object.assign(t, next);
      }
    }
  }

  targets(): { active: TargetStatus[]; dropped: DroppedTarget[] } {
    const active: TargetStatus[] = [];
    const dropped: DroppedTarget[] = [];
    for (const pool of this.pools.values()) {
      dropped.push(...pool.dropped);
      for (const loop of pool.loops.values()) {
        const t = loop.target;
        active.push({
          ...loop.health,
          job: pool.config.jobName,
          url: t.url,
          labels: labelsToRecord(t.labels),
          relabeled: labelsToRecord(t.relabeled),
          discovered: labelsToRecord(t.discovered),
          intervalMs: t.intervalMs,
          timeoutMs: t.timeoutMs,
          ...(t.via !== undefined ? { via: t.via } : {}),
          ...(t.unreachable !== undefined ? { unreachable: t.unreachable } : {}),
        });
      }
    }
    return { active, dropped };
  }

  /** Scrapes every active target once, now (for `kubeglass scrape --once` and tests). */
  async scrapeAllOnce(): Promise<void> {
    const now = (this.opts.now ?? Date.now)();
    await Promise.all([...this.pools.values()].flatMap((p) => [...p.loops.values()].map((l) => l.scrapeAndReport(now))));
  }

  /**
   * Stops everything. On shutdown no staleness markers are written (the next start resumes, as
   * Prometheus does); `staleness: true` is for removing targets for good.
   */
  async stop(options: { staleness: boolean } = { staleness: false }): Promise<void> {
    const pools = [...this.pools.values()];
    const loops = pools.flatMap((p) => {
      p.unsubscribe();
      return [...p.loops.values()];
    });
    this.pools.clear();
    // On shutdown, removed targets' markers are not waited for: the next start resumes them.
    if (!options.staleness) for (const l of this.retiring) l.cancelStaleness();
    await Promise.all([...loops.map((l) => l.stop(options)), ...this.pending]);
    for (const p of pools) p.fetch.close?.();
  }
}
