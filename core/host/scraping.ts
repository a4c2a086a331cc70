// In-app scraping for the engine host: the selected context, and any the user keeps scraping in
// the background (for alerts), are each discovered and scraped into their own database (shared
// with queries through ContextDbs); a context no longer wanted stops cleanly before its database
// is let go. Retention runs on a timer over every open database.
import type { Appendable } from '../tsdb/interface.js';
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
  /** The user chose to reach this context's pods by port-forward. */
  preferPortForward?: (context: string) => boolean;
  /** What a context's scrapes append to, given its database (remote write tees it). */
  appendableFor?: (context: string, tsdb: Appendable) => Appendable;
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
  startedAt: number;
}

const DEFAULT_RETENTION_MS = 15 * 24 * 60 * 60 * 1000;

/** What scraping one context costs and gives, for the Contexts page. */
export interface ContextScrapeStatus {
  context: string;
  role: 'selected' | 'background';
  state: 'running' | 'error';
  message: string;
  targetsUp: number;
  targets: number;
  /** Samples ingested per second, from each target's last scrape and interval. */
  samplesPerSecond: number;
  /** ≈ share of the engine's CPU: the engine's CPU over the last minute split by samples ingested. */
  cpuPercent: number;
}

export class ScrapeService {
  private readonly running = new Map<string, Running>();
  private readonly failures = new Map<string, string>();
  private selected: string | null = null;
  private background = new Set<string>();
  /** Changes in order: a stop still writing must finish before its database is let go. */
  private chain: Promise<void> = Promise.resolve();
  private retentionTimer: ReturnType<typeof setInterval> | null = null;
  private cpuTimer: ReturnType<typeof setInterval> | null = null;
  /** The engine's CPU share (percent of one core) over the last minute, sampled every 10 s. */
  private cpuSamples: { at: number; usage: NodeJS.CpuUsage }[] = [];
  private closed = false;

  constructor(private readonly opts: ScrapeServiceOptions) {
    const every = opts.retentionEveryMs ?? 10 * 60_000;
    if (every > 0) {
      this.retentionTimer = setInterval(() => this.applyRetention(), every);
      this.retentionTimer.unref?.();
    }
    this.sampleCpu();
    this.cpuTimer = setInterval(() => this.sampleCpu(), 10_000);
    this.cpuTimer.unref?.();
  }

  private sampleCpu(): void {
    this.cpuSamples.push({ at: performance.now(), usage: process.cpuUsage() });
    if (this.cpuSamples.length > 7) this.cpuSamples.shift();
  }

  /** Percent of one core the whole engine used over the last minute (or since it started). */
  engineCpuPercent(): number {
    const first = this.cpuSamples[0];
    if (!first) return 0;
    const now = performance.now();
    const u = process.cpuUsage(first.usage);
    const wallMs = now - first.at;
    return wallMs > 0 ? ((u.user + u.system) / 1000 / wallMs) * 100 : 0;
  }

  /** Scrapes `context` (null: nothing) as the selected one from now on; returns when done. */
  follow(context: string | null): Promise<void> {
    if (this.closed || this.selected === context) return this.chain;
    this.selected = context;
    return this.reconcile();
  }

  /** Contexts also scraped while not selected (for alerts); unknown ones report an error. */
  keepInBackground(contexts: Iterable<string>): Promise<void> {
    const next = new Set(contexts);
    if (this.closed || (next.size === this.background.size && [...next].every((c) => this.background.has(c)))) return this.chain;
    this.background = next;
    return this.reconcile();
  }

  /** Starts `context` over (new credentials or server), if it is scraped. */
  restart(context: string): Promise<void> {
    if (this.closed) return this.chain;
    this.chain = this.chain.then(async () => {
      await this.stopContext(context);
      this.failures.delete(context);
    });
    return this.reconcile();
  }

  private wanted(): Set<string> {
    const w = new Set(this.background);
    if (this.selected !== null) w.add(this.selected);
    return w;
  }

  private reconcile(): Promise<void> {
    this.chain = this.chain.then(async () => {
      const wanted = this.closed ? new Set<string>() : this.wanted();
      for (const c of [...this.running.keys()]) if (!wanted.has(c)) await this.stopContext(c);
      for (const c of [...this.failures.keys()]) if (!wanted.has(c)) this.failures.delete(c);
      for (const c of wanted) if (!this.running.has(c) && !this.failures.has(c)) this.startContext(c);
    });
    return this.chain;
  }

  private startContext(context: string): void {
    const kubeconfig = this.opts.kubeconfigFor(context);
    if (kubeconfig === null) {
      this.failures.set(context, `context "${context}" is not in the kubeconfig`);
      return;
    }
    let lease: DbLease | null = null;
    try {
      lease = this.opts.dbs.acquire(context);
      const scraping = new ClusterScraping({
        kubeconfig,
        context,
        appendable: this.opts.appendableFor?.(context, lease.tsdb) ?? lease.tsdb,
        preferPortForward: this.opts.preferPortForward?.(context) ?? false,
        scrapeIntervalMs: this.opts.scrapeIntervalMs,
        log: this.opts.log,
        now: this.opts.now,
      });
      scraping.start();
      this.running.set(context, { context, scraping, lease, startedAt: (this.opts.now ?? Date.now)() });
    } catch (err) {
      lease?.release();
      const message = `cannot scrape context "${context}": ${(err as Error).message}`;
      this.failures.set(context, message);
      this.opts.log?.(message);
    }
  }

  private async stopContext(context: string): Promise<void> {
    const r = this.running.get(context);
    if (!r) return;
    this.running.delete(context);
    try {
      await r.scraping.stop();
    } finally {
      r.lease.release();
    }
  }

  /** Every context being scraped (selected first), with what it costs. */
  status(): { engineCpuPercent: number; contexts: ContextScrapeStatus[] } {
    const rows: Omit<ContextScrapeStatus, 'cpuPercent'>[] = [];
    const order = [...this.wanted()].sort((a, b) => (a === this.selected ? -1 : b === this.selected ? 1 : a.localeCompare(b)));
    for (const context of order) {
      const role = context === this.selected ? 'selected' : 'background';
      const r = this.running.get(context);
      if (!r) {
        const failure = this.failures.get(context);
        rows.push({ context, role, state: 'error', message: failure ?? 'starting', targetsUp: 0, targets: 0, samplesPerSecond: 0 });
        continue;
      }
      const active = r.scraping.targets().active;
      let sps = 0;
      for (const t of active) if (t.intervalMs > 0) sps += t.samplesPostRelabeling / (t.intervalMs / 1000);
      rows.push({
        context,
        role,
        state: 'running',
        message: `${active.length} targets`,
        targetsUp: active.filter((t) => t.health === 'up').length,
        targets: active.length,
        samplesPerSecond: sps,
      });
    }
    const total = rows.reduce((n, r) => n + r.samplesPerSecond, 0);
    const cpu = this.engineCpuPercent();
    return { engineCpuPercent: cpu, contexts: rows.map((r) => ({ ...r, cpuPercent: total > 0 ? (cpu * r.samplesPerSecond) / total : 0 })) };
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
    const r = this.selected === null ? undefined : this.running.get(this.selected);
    if (!r) {
      const failure = this.selected === null ? undefined : this.failures.get(this.selected);
      return {
        context: failure ? this.selected : null,
        state: failure ? 'error' : 'off',
        message: failure ?? 'no context is being scraped',
        jobs: [],
        active: [],
        dropped: [],
      };
    }
    const { active, dropped } = r.scraping.targets();
    const monitors = r.scraping.monitorsStatus();
    return {
      context: r.context,
      state: 'running',
      message: monitors.synced
        ? `scraping context "${r.context}"`
        : `discovering what to scrape in context "${r.context}": ${monitors.error ? `the API server does not answer (${monitors.error}); retrying` : 'listing the cluster’s monitors'}`,
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
    if (this.cpuTimer) clearInterval(this.cpuTimer);
    await this.reconcile();
  }
}
