// The counter-reset hint a native histogram has when read back from storage. Prometheus's TSDB
// keeps histograms in chunks and does not store each sample's hint: a read gives "gauge" in a
// gauge chunk, "not_reset" for every sample after a counter chunk's first, and "unknown" for a
// chunk's first sample (prometheus/prometheus#15346). PromQL's results (the hint of sum(), the
// warnings about conflicting resets) depend on this, so our stores give histograms back the same
// way, cutting "chunks" where Prometheus's head cuts them (tsdb/chunkenc/float_histogram.go).
import { type FloatHistogram, type Span } from '../model/histogram.js';
import { isStaleNaN } from '../model/value.js';

/** Prometheus's chunk range: a head chunk never spans a 2-hour boundary. */
const CHUNK_RANGE_MS = 2 * 60 * 60 * 1000;

function rangeEnd(t: number): number {
  return (Math.floor(t / CHUNK_RANGE_MS) + 1) * CHUNK_RANGE_MS;
}

/** Bucket index → count, for comparing layouts that differ. */
function bucketMap(spans: Span[], buckets: number[]): Map<number, number> {
  const out = new Map<number, number>();
  let idx = 0;
  let k = 0;
  for (const s of spans) {
    idx += s.offset;
    for (let j = 0; j < s.length; j++) out.set(idx + j, buckets[k++] ?? 0);
    idx += s.length;
  }
  return out;
}

/** Some bucket of the previous sample lost observations (a bucket gone counts as zero). */
function bucketsDecreased(prev: Map<number, number>, next: Map<number, number>): boolean {
  for (const [idx, count] of prev) if ((next.get(idx) ?? 0) < count) return true;
  return false;
}

function sameBounds(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Follows one series' histogram appends and says which hint each reads back with. */
export class HistogramChunkTracker {
  private open = false;
  private gauge = false;
  private end = 0;
  private last: FloatHistogram | null = null;
  // The chunk's layout so far: every bucket index any of its samples had, at the last value.
  private pos = new Map<number, number>();
  private neg = new Map<number, number>();

  /** A float sample ends the histogram chunk: the next histogram starts a new one. */
  float(): void {
    this.open = false;
  }

  /** The histogram as a read will give it back (a copy with the stored hint). */
  append(t: number, h: FloatHistogram): FloatHistogram {
    const isGauge = h.counterResetHint === 'gauge';
    const cut = !this.open || t >= this.end || (isGauge ? this.gaugeCut(h) : this.counterCut(h));
    const out = h.copy();
    if (cut) {
      this.open = true;
      this.gauge = isGauge;
      this.end = rangeEnd(t);
      this.pos = new Map();
      this.neg = new Map();
      out.counterResetHint = isGauge ? 'gauge' : 'unknown';
    } else {
      out.counterResetHint = this.gauge ? 'gauge' : 'not_reset';
    }
    // The chunk recodes earlier samples to the union of layouts; the last values are what the
    // next append is compared with.
    for (const m of [this.pos, this.neg]) for (const k of m.keys()) m.set(k, 0);
    for (const [k, v] of bucketMap(h.positiveSpans, h.positiveBuckets)) this.pos.set(k, v);
    for (const [k, v] of bucketMap(h.negativeSpans, h.negativeBuckets)) this.neg.set(k, v);
    this.last = h;
    return out;
  }

  private gaugeCut(h: FloatHistogram): boolean {
    if (!this.gauge) return true;
    const last = this.last!;
    if (isStaleNaN(h.sum)) return false;
    if (isStaleNaN(last.sum)) return true;
    return h.schema !== last.schema || h.zeroThreshold !== last.zeroThreshold || (h.usesCustomBuckets() && !sameBounds(h.customValues, last.customValues));
  }

  private counterCut(h: FloatHistogram): boolean {
    if (this.gauge) return true;
    if (h.counterResetHint === 'reset') return true;
    const last = this.last!;
    if (isStaleNaN(h.sum)) return false;
    if (isStaleNaN(last.sum)) return true;
    if (h.count < last.count) return true;
    if (h.schema !== last.schema || h.zeroThreshold !== last.zeroThreshold) return true;
    if (h.usesCustomBuckets() && !sameBounds(h.customValues, last.customValues)) return true;
    if (h.zeroCount < last.zeroCount) return true;
    return bucketsDecreased(this.pos, bucketMap(h.positiveSpans, h.positiveBuckets)) || bucketsDecreased(this.neg, bucketMap(h.negativeSpans, h.negativeBuckets));
  }
}
