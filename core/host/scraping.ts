// In-app scraping for the engine host: the selected context is discovered and scraped into its own
// database (shared with queries through ContextDbs); switching contexts stops the old scrapes
// cleanly before the new ones start. Retention runs on a timer over every open database.
import type { TargetsState } from '../api/contract.js';
import { ClusterScraping } from '../kube/cluster-scraping.js';
import type { ContextDbs, DbLease } from './dbs.js';

export interface RetentionPolicy {
  /** Default 15 days, as Prometheus's. */
  maxAgeMs?: number;
  /** 0 or absent: no size limit. */
  maxBytes?: number;
}

export interface ScrapeServiceOptions {
  dbs: ContextDbs;
  /** A kubeconfig holding just this context (with its credentials), or null if it has none. */
  kubeconfigFor: (context: string) => string | null;
  scrapeIntervalMs?: number;
  retention?: RetentionPolicy;
  /** How often retention runs (default 10 minutes; 0 = never, for tests). */
  retentionEveryMs?: number;
  log?: (line: string) => void;
  now?: () => number;
}

interface Running {
  context: string;
  scraping: ClusterScraping;
  lease: DbLease;
}

const DEFAULT_RETENTION_MS = 15 * 24 * 60 * 60 * 1000;

export class ScrapeService {
  private running: Running | null = null;
  private failure: { context: string; message: string } | null = null;
  /** Switches in order: a stop still writing must finish before its database is let go. */
  private chain: Promise<void> = Promise.resolve();
  private retentionTimer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(private readonly opts: ScrapeServiceOptions) {
    const every = opts.retentionEveryMs ?? 10 * 60_000;
    if (every > 0) {
      this.retentionTimer = setInterval(() => this.applyRetention(), every);
      this.retentionTimer.unref?.();
    }
  }

  /** Scrapes `context` (null: nothing) from now on; returns when the switch is done. */
  follow(context: string | null): Promise<void> {
    if (this.closed || (this.running?.context ?? null) === context) return this.chain;
    this.chain = this.chain.then(async () => {
      await this.stopRunning();
      this.failure = null;
      if (context === null || this.closed) return;
      const kubeconfig = this.opts.kubeconfigFor(context);
      if (kubeconfig === null) {
        this.failure = { context, message: `context "${context}" is not in the kubeconfig` };
        return;
      }
      let lease: DbLease | null = null;
      try {
        lease = this.opts.dbs.acquire(context);
        const scraping = new ClusterScraping({
          kubeconfig,
          context,
          appendable: lease.tsdb,
          scrapeIntervalMs: this.opts.scrapeIntervalMs,
          log: this.opts.log,
          now: this.opts.now,
        });
        scraping.start();
        this.running = { context, scraping, lease };
      } catch (err) {
        lease?.release();
        this.failure = { context, message: `cannot scrape context "${context}": ${(err as Error).message}` };
        this.opts.log?.(this.failure.message);
      }
    });
    return this.chain;
  }

  private async stopRunning(): Promise<void> {
    const r = this.running;
    this.running = null;
    if (!r) return;
    try {
      await r.scraping.stop();
    } finally {
      r.lease.release();
    }
  }

  /** Applies the retention policy to every open database; a failing one does not stop the others. */
  applyRetention(): void {
    const policy = { maxAgeMs: this.opts.retention?.maxAgeMs ?? DEFAULT_RETENTION_MS, maxBytes: this.opts.retention?.maxBytes || undefined };
    for (const [context, tsdb] of this.opts.dbs.entries()) {
      try {
        tsdb.applyRetention(policy, (this.opts.now ?? Date.now)());
      } catch (err) {
        this.opts.log?.(`retention of context "${context}": ${(err as Error).message}`);
      }
    }
  }

  state(): TargetsState {
    const r = this.running;
    if (!r) {
      return {
        context: this.failure?.context ?? null,
        state: this.failure ? 'error' : 'off',
        message: this.failure?.message ?? 'no context is being scraped',
        jobs: [],
        active: [],
        dropped: [],
      };
    }
    const { active, dropped } = r.scraping.targets();
    return {
      context: r.context,
      state: 'running',
      message: `scraping context "${r.context}"`,
      jobs: r.scraping.jobStatus().map((j) => ({
        scrapePool: j.job,
        origin: j.origin,
        notes: j.notes,
        discovery: j.discovery ? { state: j.discovery.state, error: j.discovery.error } : null,
        disabled: j.disabled ?? null,
      })),
      active: active.map((t) => ({
        scrapePool: t.job,
        url: t.url,
        via: t.via ?? null,
        unreachable: t.unreachable ?? null,
        health: t.health,
        lastError: t.lastError,
        lastScrape: t.lastScrape,
        lastScrapeDurationMs: t.lastScrapeDurationMs,
        samplesScraped: t.samplesScraped,
        samplesPostRelabeling: t.samplesPostRelabeling,
        seriesAdded: t.seriesAdded,
        samplesRejected: t.samplesRejected,
        intervalMs: t.intervalMs,
        timeoutMs: t.timeoutMs,
        labels: t.labels,
        discoveredLabels: t.discovered,
      })),
      dropped: dropped.map((d) => ({ scrapePool: d.job, discoveredLabels: d.discovered, reason: d.reason })),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.chain;
    await this.stopRunning();
  }
}
