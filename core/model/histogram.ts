// Native histograms as PromQL sees them: Prometheus's model/histogram.FloatHistogram (absolute
// bucket counts, exponential schemas -4..8 or custom bounds, schema -53), with the same arithmetic,
// compaction, counter-reset detection and text forms, so results match Prometheus's bit for bit.

export interface Span {
  /** Gap to the previous span's end (or, for the first span, the index of its first bucket). */
  offset: number;
  length: number;
}

/** Go's histogram.CounterResetHint. */
export type CounterResetHint = 'unknown' | 'reset' | 'not_reset' | 'gauge';

export interface Bucket {
  lower: number;
  upper: number;
  lowerInclusive: boolean;
  upperInclusive: boolean;
  count: number;
  /** Bucket index in its schema (0 for the zero bucket). */
  index: number;
}

export const CUSTOM_BUCKETS_SCHEMA = -53;
export const EXPONENTIAL_SCHEMA_MIN = -4;
export const EXPONENTIAL_SCHEMA_MAX = 8;

/** A histogram operation that Prometheus refuses (incompatible schemas, invalid spans …), worded as Go's errors. */
export class HistogramError extends Error {}

export interface FloatHistogramInit {
  counterResetHint?: CounterResetHint;
  schema?: number;
  zeroThreshold?: number;
  zeroCount?: number;
  count?: number;
  sum?: number;
  positiveSpans?: Span[];
  negativeSpans?: Span[];
  positiveBuckets?: number[];
  negativeBuckets?: number[];
  customValues?: number[];
}

/** What Add/Sub report besides the result (Go returns these as extra results). */
export interface CombineResult {
  counterResetCollision: boolean;
  nhcbBoundsReconciled: boolean;
}

export class FloatHistogram {
  counterResetHint: CounterResetHint;
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  positiveSpans: Span[];
  negativeSpans: Span[];
  /** Absolute counts, one per bucket the spans describe. */
  positiveBuckets: number[];
  negativeBuckets: number[];
  /** Upper bounds of the custom buckets (schema -53 only); +Inf is implied. */
  customValues: number[];

  constructor(init: FloatHistogramInit = {}) {
    this.counterResetHint = init.counterResetHint ?? 'unknown';
    this.schema = init.schema ?? 0;
    this.zeroThreshold = init.zeroThreshold ?? 0;
    this.zeroCount = init.zeroCount ?? 0;
    this.count = init.count ?? 0;
    this.sum = init.sum ?? 0;
    this.positiveSpans = init.positiveSpans ?? [];
    this.negativeSpans = init.negativeSpans ?? [];
    this.positiveBuckets = init.positiveBuckets ?? [];
    this.negativeBuckets = init.negativeBuckets ?? [];
    this.customValues = init.customValues ?? [];
  }
}
