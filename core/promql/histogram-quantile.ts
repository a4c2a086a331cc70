// histogram_quantile, histogram_fraction and histogram_stddev/stdvar of native histograms, as
// Prometheus's promql/quantile.go and functions.go compute them (same interpolation, same order
// of float operations). Annotations come back as codes; the engine words them.

import { type Bucket, type FloatHistogram, fractionBelow, goExp2, goLog2, kahanInc } from '../model/histogram.js';

/**
 * What Prometheus reports as info annotations: NaN observations made a quantile NaN
 * ('quantile_nan_result') or skewed it upwards ('quantile_nan_skew'), or were left out of a
 * fraction ('fraction_nans').
 */
export type HistogramInfo = 'quantile_nan_result' | 'quantile_nan_skew' | 'fraction_nans';

export interface HistogramResult {
  value: number;
  infos: HistogramInfo[];
}

/**
 * The φ-quantile of a native histogram (Prometheus's HistogramQuantile). Interpolation is linear
 * in custom buckets and in the zero bucket, and exponential (linear on a log2 scale) in
 * exponential buckets. The zero bucket's far bound is taken as 0 when only one side has buckets.
 * φ < 0 gives -Inf, φ > 1 +Inf, an empty histogram or φ NaN gives NaN.
 */
export function histogramQuantile(q: number, h: FloatHistogram): HistogramResult {
  const infos: HistogramInfo[] = [];
  if (q < 0) return { value: -Infinity, infos };
  if (q > 1) return { value: Infinity, infos };
  if (h.count === 0 || Number.isNaN(q)) return { value: NaN, infos };

  // NaN observations (a NaN sum) are in no bucket, so the rank must be counted from below.
  const forward = Number.isNaN(h.sum) || q < 0.5;
  const it = forward ? h.allBucketIterator() : h.allReverseBucketIterator();
  let rank = forward ? q * h.count : (1 - q) * h.count;
  let bucket: Bucket = { lower: 0, upper: 0, lowerInclusive: false, upperInclusive: false, count: 0, index: 0 };
  let count = 0;
  while (it.advance()) {
    bucket = it.at();
    if (bucket.count === 0) continue;
    count += bucket.count;
    if (count >= rank) break;
  }

  if (!h.usesCustomBuckets() && bucket.lower < 0 && bucket.upper > 0) {
    if (h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0) bucket.lower = 0;
    else if (h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0) bucket.upper = 0;
  } else if (h.usesCustomBuckets()) {
    if (bucket.lower === -Infinity) {
      if (bucket.upper <= 0) return { value: bucket.upper, infos };
      bucket.lower = 0;
    } else if (bucket.upper === Infinity) {
      return { value: bucket.lower, infos };
    }
  }
  // Rounding can make the buckets add up to more than the count.
  if (count > h.count) count = h.count;
  // Running out of buckets before reaching the rank needs NaN observations (or a broken histogram).
  if (count < rank) {
    if (Number.isNaN(h.sum)) {
      infos.push('quantile_nan_result');
      return { value: NaN, infos };
    }
    return { value: bucket.upper, infos };
  }

  if (forward) rank -= count - bucket.count;
  else rank = count - rank;

  if (Number.isNaN(h.sum)) {
    // Buckets adding up to less than the count mean NaN observations. Like Prometheus, this scan
    // leaves `bucket` at the last bucket visited, which the interpolation below then uses.
    while (it.advance()) {
      bucket = it.at();
      count += bucket.count;
    }
    if (count < h.count) infos.push('quantile_nan_skew');
  }

  const fraction = rank / bucket.count;
  if (h.usesCustomBuckets() || (bucket.lower <= 0 && bucket.upper >= 0)) {
    return { value: bucket.lower + (bucket.upper - bucket.lower) * fraction, infos };
  }
  const logLower = goLog2(Math.abs(bucket.lower));
  const logUpper = goLog2(Math.abs(bucket.upper));
  if (bucket.lower > 0) return { value: goExp2(logLower + (logUpper - logLower) * fraction), infos };
  return { value: -goExp2(logUpper + (logLower - logUpper) * (1 - fraction)), infos };
}

/**
 * The share of observations between lower and upper (Prometheus's HistogramFraction), with the
 * interpolation of histogramQuantile. NaN for an empty histogram or a NaN bound, 0 when
 * lower ≥ upper. NaN observations count in the total but in no bucket ('fraction_nans').
 */
export function histogramFraction(lower: number, upper: number, h: FloatHistogram): HistogramResult {
  const infos: HistogramInfo[] = [];
  if (h.count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return { value: NaN, infos };
  if (lower >= upper) return { value: 0, infos };

  let count = 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  const it = h.allBucketIterator();
  while (it.advance()) {
    const b = it.at();
    count += b.count;
    let zeroBucket = false;

    // Nothing can be interpolated in a bucket reaching to -Inf: it counts whole, like the +Inf
    // bucket counts not at all (its term comes out as 0).
    const interpolateLinearly = (v: number): number => (b.lower === -Infinity ? b.count : rank + b.count * fractionBelow(b, v, true));
    const interpolateExponentially = (v: number): number => rank + b.count * fractionBelow(b, v, false);

    if (b.lower <= 0 && b.upper >= 0) {
      zeroBucket = true;
      if (h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0) b.lower = 0;
      else if (h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0) b.upper = 0;
    }
    if (!lowerSet && b.lower >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && b.lower >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    const linear = h.usesCustomBuckets() || zeroBucket;
    if (!lowerSet && b.lower < lower && b.upper > lower) {
      lowerRank = linear ? interpolateLinearly(lower) : interpolateExponentially(lower);
      lowerSet = true;
    }
    if (!upperSet && b.lower < upper && b.upper > upper) {
      upperRank = linear ? interpolateLinearly(upper) : interpolateExponentially(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank += b.count;
  }
  if (Number.isNaN(h.sum)) {
    // Only observations in buckets count; NaN observations are in none.
    while (it.advance()) count += it.at().count;
    if (count < h.count) infos.push('fraction_nans');
  } else {
    count = h.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return { value: (upperRank - lowerRank) / h.count, infos };
}

/**
 * The estimated variance of the observations (Prometheus's histogram_stdvar; histogram_stddev is
 * its square root): each bucket counts at its arithmetic mean for custom buckets, at 0 for the
 * zero bucket and at its geometric mean for exponential buckets, summed with Kahan compensation.
 */
export function histogramStdVar(h: FloatHistogram): number {
  const mean = h.sum / h.count;
  let variance = 0;
  let cVariance = 0;
  const it = h.allBucketIterator();
  while (it.advance()) {
    const bucket = it.at();
    if (bucket.count === 0) continue;
    let val: number;
    if (h.usesCustomBuckets()) {
      val = (bucket.upper + bucket.lower) / 2.0;
    } else if (bucket.lower <= 0 && bucket.upper >= 0) {
      val = 0;
    } else {
      val = Math.sqrt(bucket.upper * bucket.lower);
      if (bucket.upper < 0) val = -val;
    }
    const delta = val - mean;
    [variance, cVariance] = kahanInc(bucket.count * delta * delta, variance, cVariance);
  }
  variance += cVariance;
  variance /= h.count;
  return variance;
}
