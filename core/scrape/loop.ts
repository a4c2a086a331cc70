// One target's scrape loop, following Prometheus's scrapeLoop: spread start offsets, aligned
// timestamps, honor_labels/honor_timestamps, metric relabeling through a per-target cache keyed by
// the exposed series text, limits, the five report series, and staleness markers when series
// vanish, the target fails, or the target goes away.
import { detach } from '../exposition/lexer.js';
import { createParser, SCRAPE_ACCEPT_HEADER } from '../exposition/negotiate.js';
import type { MetricType } from '../exposition/types.js';
import { fnv1a64, LabelsBuilder, METRIC_NAME, type Label, type Labels } from '../model/labels.js';
import { STALE_NAN } from '../model/value.js';
import type { Appendable, Appender, AppendRejection, MetricMetadata } from '../tsdb/interface.js';
import type { ScrapeConfig } from './config.js';
import type { Fetcher } from './fetch.js';
import { relabel } from './relabel.js';
import type { Target } from './target.js';

export type Health = 'unknown' | 'up' | 'down';

export interface TargetHealth {
  health: Health;
  lastError: string;
  /** Start of the last scrape (ms since epoch), or null before the first. */
  lastScrape: number | null;
  lastScrapeDurationMs: number;
  samplesScraped: number;
  samplesPostRelabeling: number;
  seriesAdded: number;
  /** Samples the storage refused in the last scrape (out of order, duplicate). */
  samplesRejected: number;
}

export interface LoopOptions {
  target: Target;
  config: ScrapeConfig;
  appendable: Appendable;
  fetch: Fetcher;
  /** Mixed into the start offset, as Prometheus mixes its hostname and external labels. */
  offsetSeed?: bigint;
  /**
   * Start offsets are rounded down to this grid (at most a tenth of the interval), so targets
   * whose hashes fall close together share one timer wake-up and their responses one poll:
   * timer coalescing, as laptops' operating systems do to save power. 0 keeps Prometheus's exact
   * millisecond offsets. Default 100 ms: a 1 s interval still has 10 slots, a 15 s one 150.
   */
  offsetGranularityMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

const REPORT = {
  up: 'up',
  duration: 'scrape_duration_seconds',
  scraped: 'scrape_samples_scraped',
  postRelabel: 'scrape_samples_post_metric_relabeling',
  seriesAdded: 'scrape_series_added',
} as const;

/** Prometheus snaps a scrape's timestamp to its tick when within 2 ms (1% of the interval at most). */
const TIMESTAMP_TOLERANCE_MS = 2;

interface CacheEntry {
  labels: Labels;
  lastIter: number;
  /** The scrape (iteration) that last wrote it without an explicit timestamp: tracked for staleness. */
  trackedIter: number;
  /** The series text it is cached under (detached from any scrape body). */
  text: string;
}

/** A series text that metric relabeling drops (or that has no labels left). */
interface Dropped {
  dropped: true;
  text: string;
}

type Cached = CacheEntry | Dropped;

/** A HELP, TYPE or UNIT line of a stored scrape, parsed. */
interface MetaLine {
  line: string;
  kind: 'help' | 'type' | 'unit';
  name: string;
  type?: MetricType;
  text?: string;
}

type PendingMeta = Map<string, { type?: MetricType; help?: string; unit?: string }>;

function addMeta(pending: PendingMeta, l: MetaLine): void {
  let m = pending.get(l.name);
  if (!m) pending.set(l.name, (m = {}));
  if (l.kind === 'type') m.type = l.type;
  else if (l.kind === 'help') m.help = l.text;
  else m.unit = l.text;
}

class LimitError extends Error {}

interface AppendResult {
  total: number;
  added: number;
  seriesAdded: number;
  rejected: number;
  error: string | null;
  /** Metadata that changed; remembered once the commit succeeds. */
  metadata: [string, MetricMetadata][];
  /** The scrape's metadata lines when any differ from the stored ones; null when none do. */
  metaLines: MetaLine[] | null;
}

export class ScrapeLoop {
  readonly health: TargetHealth = {
    health: 'unknown',
    lastError: '',
    lastScrape: null,
    lastScrapeDurationMs: 0,
    samplesScraped: 0,
    samplesPostRelabeling: 0,
    seriesAdded: 0,
    samplesRejected: 0,
  };

  private readonly cache = new Map<string, Cached>();
  /**
   * One label object per name and value the cache holds: most repeat across a target's series
   * (names, namespaces, nodes, images), each detached from the scrape body it came from.
   */
  private pairs = new Map<string, { name: string; values: Map<string, Label> }>();
  private pairCount = 0;
  /**
   * The cache entries of the last scrape in the order its series came: targets write their series
   * in the same order every time, so a series is first compared with the entry at its position,
   * which costs a string comparison instead of hashing the whole text for a map lookup.
   */
  private order: Cached[] = [];
  private orderSpare: Cached[] = [];
  /** Entries in use in `order` (arrays keep their length: truncating them frees their storage). */
  private orderCount = 0;
  private readonly metadata = new Map<string, MetricMetadata>();
  /**
   * The metadata lines of the last scrape whose metadata was stored, in order. A scrape whose
   * lines all equal these changes no metadata, and is checked without parsing or copying a name
   * or HELP text (those copies were a sixth of a steady scrape's garbage).
   */
  private metaLines: MetaLine[] = [];
  private iter = 0;
  /**
   * Cache entries written without an explicit timestamp in the last scrape, candidates for
   * staleness; one that the next scrape does not stamp (trackedIter) went away. Stamps on entries,
   * not a set of texts rebuilt per scrape: that set was a fifth of the scrape path's garbage. Two
   * texts that relabel to one label set are both tracked: a marker for one that disappeared lands
   * on a timestamp the other just wrote, and is refused.
   */
  private trackedPrev: CacheEntry[] = [];
  private trackedPrevCount = 0;
  /** Reused each scrape (swapped with trackedPrev). */
  private trackedSpare: CacheEntry[] = [];
  private readonly reportLabels: Record<keyof typeof REPORT, Labels>;
  private readonly now: () => number;
  private running: AbortController | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private lastAppendTime: number | null = null;
  private readonly staleCancel = new AbortController();

  constructor(private readonly opts: LoopOptions) {
    this.now = opts.now ?? Date.now;
    const make = (name: string) => {
      const b = new LabelsBuilder(opts.target.labels);
      b.set(METRIC_NAME, name);
      return b.labels();
    };
    this.reportLabels = {
      up: make(REPORT.up),
      duration: make(REPORT.duration),
      scraped: make(REPORT.scraped),
      postRelabel: make(REPORT.postRelabel),
      seriesAdded: make(REPORT.seriesAdded),
    };
  }

  get target(): Target {
    return this.opts.target;
  }

  /** Delay before the first scrape: the target's hash spreads loops over the interval. */
  startOffset(now = this.now()): number {
    const interval = this.opts.target.intervalMs;
    const base = interval - (now % interval);
    let offset = Number((fnv1a64(this.opts.target.key + this.opts.target.url) ^ (this.opts.offsetSeed ?? 0n)) % BigInt(interval));
    const grid = Math.min(this.opts.offsetGranularityMs ?? 100, Math.floor(interval / 10));
    if (grid > 1) offset -= offset % grid;
    let next = base + offset;
    if (next > interval) next -= interval;
    return next;
  }

  start(): void {
    if (this.running) return;
    const controller = new AbortController();
    this.running = controller;
    this.loopDone = this.run(controller.signal);
  }

  /**
   * Stops scraping. With `staleness` (the target went away, not the app), writes staleness
   * markers for everything it exposed once the next two scrapes would have happened, as
   * Prometheus does, so a target that comes right back does not get a gap of stale markers.
   */
  async stop(options: { staleness: boolean }): Promise<void> {
    const controller = this.running;
    if (!controller) return;
    this.running = null;
    controller.abort();
    await this.loopDone;
    if (options.staleness && this.lastAppendTime !== null) await this.endOfRunStaleness();
  }

  private async run(signal: AbortSignal): Promise<void> {
    const interval = this.opts.target.intervalMs;
    if (!(await sleep(this.startOffset(), signal))) return;
    let tick = this.now();
    while (!signal.aborted) {
      await this.scrapeAndReport(tick, signal);
      tick += interval;
      const now = this.now();
      // A scrape that overran its interval skips ticks, like Go's time.Ticker.
      while (tick <= now) tick += interval;
      if (!(await sleep(tick - now, signal))) return;
    }
  }

  /** Abandons a pending end-of-run staleness write (the app is shutting down). */
  cancelStaleness(): void {
    this.staleCancel.abort();
  }

  private async endOfRunStaleness(): Promise<void> {
    const interval = this.opts.target.intervalMs;
    const staleTime = this.lastAppendTime! + interval;
    const wait = Math.max(0, staleTime + interval + interval / 10 - this.now());
    if (!(await sleep(wait, this.staleCancel.signal))) return;
    const app = this.opts.appendable.appender();
    this.appendStaleness(app, staleTime, null);
    for (const labels of Object.values(this.reportLabels)) app.append(labels, staleTime, STALE_NAN);
    try {
      await app.commit();
    } catch (err) {
      this.opts.log?.(`staleness markers for ${this.opts.target.url} not written: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** One scrape at `scheduled` (the tick it belongs to). Exposed for tests and "scrape once". */
  async scrapeAndReport(scheduled: number, signal?: AbortSignal): Promise<void> {
    const start = this.now();
    const { target, config } = this.opts;
    let appendTime = start;
    const tolerance = Math.min(target.intervalMs / 100, TIMESTAMP_TOLERANCE_MS);
    if (start - scheduled >= 0 && start - scheduled <= tolerance) appendTime = scheduled;

    let scrapeError: string | null = null;
    let body: string | null = null;
    let contentType = '';
    try {
      if (target.unreachable) throw new Error(target.unreachable);
      const res = await this.opts.fetch({
        url: target.requestUrl ?? target.url,
        accept: SCRAPE_ACCEPT_HEADER,
        timeoutMs: target.timeoutMs,
        bodySizeLimit: config.bodySizeLimit,
        authorization: config.authorization,
        signal,
      });
      body = res.body.toString('utf8');
      contentType = res.contentType;
    } catch (err) {
      scrapeError = err instanceof Error ? err.message : String(err);
    }
    if (signal?.aborted) return;

    let app = this.opts.appendable.appender();
    let result: AppendResult = { total: 0, added: 0, seriesAdded: 0, rejected: 0, error: null, metadata: [], metaLines: null };
    if (body !== null) {
      result = this.append(app, body, contentType, appendTime);
      if (result.error !== null) {
        // Like Prometheus: the scrape is dropped whole, but its counts are still reported.
        scrapeError = result.error;
        app.rollback();
        app = this.opts.appendable.appender();
      }
    }
    if (scrapeError !== null) {
      // A failed scrape counts as an empty one: everything it exposed before goes stale.
      this.appendStaleness(app, appendTime, null);
      this.trackedPrevCount = 0;
    }
    const durationMs = this.now() - start;
    const up = scrapeError === null ? 1 : 0;
    app.append(this.reportLabels.up, appendTime, up);
    app.append(this.reportLabels.duration, appendTime, durationMs / 1000);
    app.append(this.reportLabels.scraped, appendTime, result.total);
    app.append(this.reportLabels.postRelabel, appendTime, result.added);
    app.append(this.reportLabels.seriesAdded, appendTime, result.seriesAdded);
    try {
      await app.commit();
      // Remembered only once stored, so a failed commit writes them again next time.
      if (result.error === null) {
        for (const [name, m] of result.metadata) this.metadata.set(name, m);
        if (result.metaLines !== null) this.metaLines = result.metaLines;
      }
    } catch (err) {
      this.metaLines = [];
      scrapeError ??= `storage: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.lastAppendTime = appendTime;
    Object.assign(this.health, {
      health: scrapeError === null ? 'up' : 'down',
      lastError: scrapeError ?? '',
      lastScrape: start,
      lastScrapeDurationMs: durationMs,
      samplesScraped: result.total,
      samplesPostRelabeling: result.added,
      seriesAdded: result.seriesAdded,
      samplesRejected: result.rejected,
    } satisfies TargetHealth);
    if (scrapeError !== null) this.opts.log?.(`scrape of ${target.url} failed: ${scrapeError}`);
  }

  /**
   * Parses and appends one exposition. A parse error or an exceeded limit comes back as `error`
   * (the caller rolls back), with the counts reached, which Prometheus reports either way.
   */
  private append(app: Appender, body: string, contentType: string, appendTime: number): AppendResult {
    const counts = { total: 0, added: 0, seriesAdded: 0, rejected: 0 };
    try {
      const { metadata, metaLines } = this.appendUnsafe(app, body, contentType, appendTime, counts);
      return { ...counts, error: null, metadata, metaLines };
    } catch (err) {
      return { ...counts, error: err instanceof Error ? err.message : String(err), metadata: [], metaLines: null };
    }
  }

  private appendUnsafe(
    app: Appender,
    body: string,
    contentType: string,
    appendTime: number,
    counts: { total: number; added: number; seriesAdded: number; rejected: number },
  ): { metadata: [string, MetricMetadata][]; metaLines: MetaLine[] | null } {
    const { config } = this.opts;
    const parser = createParser(body, contentType);
    const tracked = this.trackedSpare;
    let trackedCount = 0;
    const iter = ++this.iter;
    let limitError: string | null = null;
    // Prometheus's timeLimitAppender: samples more than 10 minutes ahead are out of bounds.
    const maxTime = appendTime + 10 * 60_000;
    const prevMeta = this.metaLines;
    let metaN = 0;
    // Until a line differs from the stored scrape's line at its position, nothing is parsed.
    let metaPending: PendingMeta | null = null;
    let curMeta: MetaLine[] | null = null;
    const prevOrder = this.order;
    const prevCount = this.orderCount;
    const order = this.orderSpare;
    let n = 0;

    for (;;) {
      const kind = parser.next();
      if (kind === 'eof') break;
      if (kind === 'type' || kind === 'help' || kind === 'unit') {
        if (curMeta === null) {
          const prev = prevMeta[metaN];
          if (prev !== undefined && parser.metaLineIs(prev.line)) {
            metaN++;
            continue;
          }
          curMeta = prevMeta.slice(0, metaN);
          metaPending = new Map();
          for (const l of curMeta) addMeta(metaPending, l);
        }
        const l: MetaLine = { line: parser.metaLine(), kind, name: parser.metaName() };
        if (kind === 'type') l.type = parser.type();
        else if (kind === 'help') l.text = parser.help();
        else l.text = parser.unit();
        curMeta.push(l);
        addMeta(metaPending!, l);
        metaN++;
        continue;
      }
      if (kind !== 'series') continue;
      counts.total++;
      const text = parser.seriesText();
      const predicted = n < prevCount ? prevOrder[n] : undefined;
      let cached: Cached | undefined = predicted !== undefined && predicted.text === text ? predicted : this.cache.get(text);
      let fresh = false;
      if (cached === undefined) {
        const sampled = this.sampleLabels(parser.labels());
        // Label strings from the parser are slices of this scrape's body: kept in the cache (and
        // in storage) they would each pin a whole body, megabytes per target.
        const labels = sampled && sampled.map((l) => this.internLabel(l.name, l.value));
        if (labels === null || labels.length === 0) {
          // Cache keys are slices of the scrape body: detach them or each would pin a whole body.
          const dropped: Dropped = { dropped: true, text: detach(text) };
          this.cache.set(dropped.text, dropped);
          order[n++] = dropped;
          continue;
        }
        // Prometheus fails the scrape rather than store a series without a name.
        if (!labels.some((l) => l.name === METRIC_NAME)) throw new LimitError('__name__ label is missing');
        this.checkLabelLimits(labels);
        cached = { labels, lastIter: iter, trackedIter: 0, text: detach(text) };
        fresh = true;
      }
      order[n++] = cached;
      if ('dropped' in cached) continue;
      const entry = cached;
      entry.lastIter = iter;
      counts.added++;
      if (fresh) this.cache.set(entry.text, entry);
      // Past the limit nothing more is appended, but counting goes on for the report.
      if (config.sampleLimit > 0 && counts.added > config.sampleLimit) limitError = 'sample limit exceeded';
      if (limitError !== null) continue;
      const explicit = parser.timestamp();
      const t = config.honorTimestamps && explicit !== null ? explicit : appendTime;
      if (t > maxTime) {
        counts.rejected++;
        continue;
      }
      const rejection: AppendRejection | null = app.append(entry.labels, t, parser.value());
      if (rejection !== null) counts.rejected++;
      else if (fresh) counts.seriesAdded++;
      if ((explicit === null || !config.honorTimestamps || config.trackTimestampsStaleness) && entry.trackedIter !== iter) {
        entry.trackedIter = iter;
        tracked[trackedCount++] = entry;
      }
    }
    if (limitError !== null) throw new LimitError(limitError);

    if (curMeta === null && metaN !== prevMeta.length) {
      // Lines went away at the end: their families' metadata is recomputed without them.
      curMeta = prevMeta.slice(0, metaN);
      metaPending = new Map();
      for (const l of curMeta) addMeta(metaPending, l);
    }
    const changed: [string, MetricMetadata][] = [];
    for (const [name, m] of metaPending ?? []) {
      const next: MetricMetadata = { type: m.type ?? 'unknown', help: m.help ?? '', unit: m.unit ?? '' };
      const prev = this.metadata.get(name);
      if (!prev || prev.type !== next.type || prev.help !== next.help || prev.unit !== next.unit) {
        // Kept by the loop and by storage: copies, not slices pinning this scrape's body.
        const kept: MetricMetadata = { type: next.type, help: detach(next.help), unit: detach(next.unit) };
        const keptName = detach(name);
        changed.push([keptName, kept]);
        app.updateMetadata(keptName, kept);
      }
    }
    this.appendStaleness(app, appendTime, iter);
    this.trackedSpare = this.trackedPrev;
    this.trackedPrev = tracked;
    this.trackedPrevCount = trackedCount;
    this.orderSpare = prevOrder;
    this.order = order;
    this.orderCount = n;
    // Forget series not seen for a while so the cache tracks what the target exposes now.
    if (iter % 10 === 0) {
      for (const [text, e] of this.cache) if ('dropped' in e || iter - e.lastIter > 10) this.cache.delete(text);
      // Strings of series gone would stay forever; cached entries keep their own references.
      if (this.pairCount > 4 * this.cache.size + 1000) {
        this.pairs = new Map();
        this.pairCount = 0;
      }
    }
    return { metadata: changed, metaLines: curMeta };
  }

  /**
   * One label object per name and value, shared by every series of the target that has it (the
   * target's own labels are on all of them): ~13 label objects per series otherwise, the largest
   * share of the heap once key strings are gone. Label objects are never mutated.
   */
  private internLabel(name: string, value: string): Label {
    let byName = this.pairs.get(name);
    if (byName === undefined) {
      byName = { name: detach(name), values: new Map() };
      this.pairs.set(byName.name, byName);
    }
    let l = byName.values.get(value);
    if (l === undefined) {
      l = { name: byName.name, value: detach(value) };
      byName.values.set(l.value, l);
      this.pairCount++;
    }
    return l;
  }

  /** Staleness markers for series of the previous scrape that scrape `iter` did not track (null: all of them). */
  private appendStaleness(app: Appender, t: number, iter: number | null): void {
    const prev = this.trackedPrev;
    for (let i = 0; i < this.trackedPrevCount; i++) {
      const e = prev[i]!;
      if (iter === null || e.trackedIter !== iter) app.append(e.labels, t, STALE_NAN);
    }
  }

  /** Target labels merged into exposed ones (honor_labels or exported_ renaming), then metric relabeling. */
  private sampleLabels(exposed: Labels): Labels | null {
    const { target, config } = this.opts;
    const b = new LabelsBuilder(exposed);
    if (config.honorLabels) {
      for (const l of target.labels) if (!b.has(l.name)) b.set(l.name, l.value);
    } else {
      const conflicts: { name: string; value: string }[] = [];
      for (const l of target.labels) {
        const existing = b.get(l.name);
        if (existing !== '') conflicts.push({ name: l.name, value: existing });
        b.set(l.name, l.value);
      }
      conflicts.sort((x, y) => x.name.length - y.name.length);
      for (const c of conflicts) {
        let name = c.name;
        for (;;) {
          name = `exported_${name}`;
          if (b.get(name) === '') {
            b.set(name, c.value);
            break;
          }
        }
      }
    }
    const merged = b.labels();
    return config.metricRelabelConfigs.length > 0 ? relabel(merged, config.metricRelabelConfigs) : merged;
  }

  private checkLabelLimits(labels: Labels): void {
    const { labelLimit, labelNameLengthLimit, labelValueLengthLimit } = this.opts.config;
    const metric = labels.find((l) => l.name === METRIC_NAME)?.value.slice(0, 50) ?? '';
    if (labelLimit > 0 && labels.length > labelLimit) {
      throw new LimitError(`label_limit exceeded (metric: ${metric}, number of labels: ${labels.length}, limit: ${labelLimit})`);
    }
    for (const l of labels) {
      if (labelNameLengthLimit > 0 && l.name.length > labelNameLengthLimit) {
        throw new LimitError(`label_name_length_limit exceeded (metric: ${metric}, label name: ${l.name.slice(0, 50)}, length: ${l.name.length}, limit: ${labelNameLengthLimit})`);
      }
      if (labelValueLengthLimit > 0 && l.value.length > labelValueLengthLimit) {
        throw new LimitError(
          `label_value_length_limit exceeded (metric: ${metric}, label name: ${l.name.slice(0, 50)}, value: ${JSON.stringify(l.value.slice(0, 50))}, length: ${l.value.length}, limit: ${labelValueLengthLimit})`,
        );
      }
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

