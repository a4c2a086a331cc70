// The storage seam, in the spirit of Prometheus's storage.Appender: the scrape engine and rules
// write through an Appender only, and know nothing of how samples are kept.
import type { MetricType } from '../exposition/types.js';
import type { FloatHistogram } from '../model/histogram.js';
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matchers.js';

export interface MetricMetadata {
  type: MetricType;
  help: string;
  unit: string;
}

/** Why a sample was not stored; the scrape loop counts these like Prometheus does. */
export type AppendRejection = 'out_of_order' | 'duplicate' | 'too_old';

export interface Appender {
  /**
   * Adds one sample. Staleness markers are passed as STALE_NAN (core/model/value.ts).
   * Returns null when accepted, or why it was not; nothing is visible before commit().
   */
  append(labels: Labels, t: number, v: number): AppendRejection | null;
  /**
   * Adds one native-histogram sample, where the storage keeps them (absent where it does not).
   * The order and duplicate rules are append()'s.
   */
  appendHistogram?(labels: Labels, t: number, h: FloatHistogram): AppendRejection | null;
  /** Records a metric family's metadata (latest wins). */
  updateMetadata(metricFamily: string, meta: MetricMetadata): void;
  /** Makes everything appended visible at once. */
  commit(): Promise<void>;
  /** Drops everything appended since the last commit. */
  rollback(): void;
}

export interface Appendable {
  appender(): Appender;
}

/** A selected series: labels plus its samples in [mint, maxt], decoded on demand. */
export interface StoredSeries {
  labels: Labels;
  /**
   * Timestamps (ms) and values, ascending; staleness markers included as STALE_NAN. Where h is
   * given and h[i] is set, sample i is that native histogram (v[i] is then unused).
   */
  samples(): { t: Float64Array; v: Float64Array; h?: (FloatHistogram | undefined)[] };
}

/** Read access over [mint, maxt], in the spirit of Prometheus's storage.Querier. */
export interface Querier {
  select(matchers: Matcher[]): StoredSeries[];
  labelNames(matchers?: Matcher[]): string[];
  labelValues(name: string, matchers?: Matcher[]): string[];
}

export interface Queryable {
  querier(mint: number, maxt: number): Querier;
}
