// PromQL functions over floats, after Prometheus 3.x's promql/functions.go: the same numerics
// (Kahan-compensated sums, the extrapolation of rate(), Welford variances, bucket interpolation)
// so results agree to the last bit where Prometheus's tests demand it.
import { formatOpenMetricsFloat } from '../exposition/lexer.js';
import { FloatHistogram, goLog, goLog2, HistogramError } from '../model/histogram.js';
import { compareLabels, getLabel, isValidLabelName, LabelsBuilder, labelsKey, METRIC_NAME, type Labels } from '../model/labels.js';
import { compileAnchored, ExpandTemplate } from '../model/regex.js';
import type { Call, Expr, MatrixSelector, SubqueryExpr } from './ast.js';
import { typeOf } from './ast.js';
import type { Evaluator } from './engine.js';
import { evalInfo } from './info.js';
import { histogramFraction as nativeHistogramFraction, histogramQuantile as nativeHistogramQuantile, histogramStdVar, type HistogramInfo } from './histogram-quantile.js';
import { goAcos, goAcosh, goAsin, goAsinh, goAtan, goAtanh, goCos, goCosh, goExp, goLog10, goSin, goSinh, goTan, goTanh } from './gomath.js';
import { goQuote } from './lexer.js';
import { bucketFraction, bucketQuantile, kahanSumInc, quantile, type Bucket } from './numeric.js';
import { formatGoV } from './printer.js';
import { metricName, QueryError, type Matrix, type Sample, type Vector } from './value.js';

export type EvalContext = Evaluator;

/**
 * A window of a series for one step, covering (rangeStart, rangeEnd]: float samples lo..hi-1 of
 * t/f and, kept apart as Prometheus's Series does, histogram samples hlo..hhi-1 of ht/h.
 */
export interface RangeArg {
  t: ArrayLike<number>;
  f: ArrayLike<number>;
  lo: number;
  hi: number;
  ht: ArrayLike<number>;
  h: FloatHistogram[];
  hlo: number;
  hhi: number;
  rangeStart: number;
  rangeEnd: number;
  metric: Labels;
  /**
   * An `anchored` or `smoothed` selector's window: it also holds the samples of the lookback
   * before rangeStart (and, smoothed, after rangeEnd), for the values at the boundaries.
   */
  mode: '' | 'anchored' | 'smoothed';
}

const IGNORED_IN_MIXED_RANGE = 'ignored histograms in a range containing both floats and histograms for metric name';
const MIXED_FLOATS_HISTOGRAMS = 'encountered a mix of histograms and floats for';
const MIXED_SCHEMAS = 'vector contains a mix of histograms with exponential and custom buckets schemas for metric name';
const NOT_COUNTER = 'this native histogram metric is not a counter:';
const NOT_GAUGE = 'this native histogram metric is not a gauge:';
const MISMATCHED_CUSTOM = 'mismatched custom buckets were reconciled during';

type Impl = (ev: Evaluator, call: Call) => Promise<Matrix>;

function unwrap(e: Expr): Expr {
  return e.type === 'paren' ? unwrap(e.expr) : e;
}

function rangeArg(call: Call, i: number): MatrixSelector | SubqueryExpr {
  const a = unwrap(call.args[i]!);
  if (a.type !== 'matrix' && a.type !== 'subquery') throw new QueryError('execution', `expected a range vector as argument ${i + 1} of ${call.func.name}`);
  return a;
}

/** Functions that take one instant vector and map each float (histograms are dropped, the name too). */
function mapper(fn: (x: number) => number): Impl {
  return (ev, call) =>
    ev.rangeEval(call.args, (vals) => {
      const v = vals[0] as Vector;
      const out: Vector = [];
      for (let i = 0; i < v.length; i++) if (!v[i]!.h) out.push({ metric: v[i]!.metric, t: v[i]!.t, f: fn(v[i]!.f), dropName: true });
      return out;
    });
}

/** Functions of one instant vector's native histograms, giving a float each (floats are dropped). */
function histogramMapper(fn: (h: FloatHistogram) => number): Impl {
  return (ev, call) =>
    ev.rangeEval(call.args, (vals) => {
      const out: Vector = [];
      for (const s of vals[0] as Vector) if (s.h) out.push({ metric: s.metric, t: s.t, f: fn(s.h), dropName: true });
      return out;
    });
}

/** Scalar arguments of a range function, evaluated per step. */
async function scalarArgs(ev: Evaluator, call: Call, skip: number): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  for (const [i, a] of call.args.entries()) out.push(i === skip || typeOf(a) !== 'scalar' ? new Float64Array(0) : await ev.evalScalarSteps(a));
  return out;
}

/** A function of a window's floats: nothing where it has none, an info where histograms were left out. */
function overTime(keepName: boolean, fn: (w: RangeArg) => number | null): Impl {
  return (ev, call) => {
    const arg = rangeArg(call, 0);
    return ev.rangeFunc(arg, keepName, (w) => {
      if (w.hi === w.lo) return null;
      if (w.hhi > w.hlo) ev.info(`${IGNORED_IN_MIXED_RANGE} ${goQuote(metricName(w.metric))}`, call.args[0]!.pos);
      return fn(w);
    });
  };
}

/**
 * The same for functions that need two floats (deriv, predict_linear, double_exponential_smoothing):
 * one float beside histograms is reported, as Prometheus does.
 */
function ignoredHistograms(ev: Evaluator, call: Call, w: RangeArg): boolean {
  const n = w.hi - w.lo;
  if (w.hhi > w.hlo && n >= 1) ev.info(`${IGNORED_IN_MIXED_RANGE} ${goQuote(metricName(w.metric))}`, call.args[0]!.pos);
  return n < 2;
}

// --- rate and friends ---

function extrapolatedRate(isCounter: boolean, isRate: boolean): Impl {
  return async (ev, call) => {
    const arg = rangeArg(call, 0);
    const pos = call.args[0]!.pos;
    const out = await ev.rangeFunc(arg, false, (w) => {
      const nf = w.hi - w.lo;
      const nh = w.hhi - w.hlo;
      if (nf > 0 && nh > 0) {
        ev.warn(`${MIXED_FLOATS_HISTOGRAMS} metric name ${goQuote(metricName(w.metric))}`, pos);
        return null;
      }
      if (w.mode !== '') {
        if (nh > 0) return extendedHistogramRate(ev, w, isCounter, isRate, pos);
        return nf > 0 ? extendedRate(w, isCounter, isRate) : null;
      }
      if (nh >= 2) {
        const res = histogramRate(ev, w, isCounter, pos);
        if (!res) return null;
        const factor = extrapolationFactor(ev, w, w.ht[w.hlo]!, w.ht[w.hhi - 1]!, nh - 1, w.h[w.hlo]!.count, res.count, isCounter, isRate);
        return res.mul(factor);
      }
      if (nf < 2) return null;
      const { f, lo, hi } = w;
      let result = f[hi - 1]! - f[lo]!;
      if (isCounter) {
        let last = 0;
        for (let i = lo; i < hi; i++) {
          if (f[i]! < last) result += last;
          last = f[i]!;
        }
      }
      return result * extrapolationFactor(ev, w, w.t[lo]!, w.t[hi - 1]!, nf - 1, f[lo]!, result, isCounter, isRate);
    });
    if (isCounter && arg.type === 'matrix') {
      // Prometheus's hint that rate() over a gauge is probably a mistake, for float results.
      for (const s of out) {
        const name = metricName(s.metric);
        if (name && !/(_total|_sum|_count|_bucket)$/.test(name) && s.points.some((p) => !p.h)) {
          ev.info(`metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${goQuote(name)}`, pos);
        }
      }
    }
    return out;
  };
}

// --- anchored and smoothed selectors (Prometheus's extended range selectors) ---

/** Linear interpolation at t; a counter that dropped is taken to have restarted from 0. */
export function interpolate(t1: number, y1: number, t2: number, y2: number, t: number, isCounter: boolean): number {
  if (isCounter && y2 < y1) y1 = 0;
  return y1 + ((y2 - y1) * (t - t1)) / (t2 - t1);
}

/** The histogram between two, at t (a counter reset: the later one, scaled as from zero). */
export function interpolateHistograms(
  ev: Evaluator,
  h1: FloatHistogram,
  t1: number,
  h2: FloatHistogram,
  t2: number,
  t: number,
  isCounter: boolean,
  pos: { start: number },
): FloatHistogram {
  if (t === t1) return h1.copy();
  if (t === t2) return h2.copy();
  const fraction = (t - t1) / (t2 - t1);
  if (isCounter && h2.detectReset(h1)) return h2.copy().mul(fraction);
  const result = h2.copy();
  if (result.sub(h1).nhcbBoundsReconciled) ev.info(`${MISMATCHED_CUSTOM} subtraction`, pos);
  result.mul(fraction);
  if (result.add(h1).nhcbBoundsReconciled) ev.info(`${MISMATCHED_CUSTOM} addition`, pos);
  return result;
}

/** Index of the last sample at or before rangeStart, or the first one (Go's first sample index). */
function firstIndex(t: ArrayLike<number>, lo: number, last: number, rangeStart: number): number {
  let i = lo;
  while (i < last && t[i]! <= rangeStart) i++;
  return Math.max(lo, i - 1);
}

/** For smoothed windows: the first sample at or after rangeEnd stands for the end. */
function lastIndex(t: ArrayLike<number>, lo: number, last: number, rangeEnd: number): number {
  let i = lo;
  while (i < last && t[i]! < rangeEnd) i++;
  return i;
}

/**
 * An anchored or smoothed float window's values at its edges, picked (the sample at or before the
 * start, the last one) or, smoothed, interpolated; and the samples strictly inside, first..last.
 * Null where no sample lies after the start. startAfterEnd: the window's first sample comes after
 * its end (smoothed rate() gives nothing then).
 */
export function windowEdges(
  t: ArrayLike<number>,
  f: ArrayLike<number>,
  lo: number,
  hi: number,
  rangeStart: number,
  rangeEnd: number,
  smoothed: boolean,
  isCounter: boolean,
): { left: number; right: number; first: number; last: number; startAfterEnd: boolean } | null {
  let last = hi - 1;
  let first = firstIndex(t, lo, last, rangeStart);
  if (smoothed) last = lastIndex(t, lo, last, rangeEnd);
  if (t[last]! <= rangeStart) return null;
  const startAfterEnd = t[first]! > rangeEnd;
  const left = smoothed && t[first]! < rangeStart ? interpolate(t[first]!, f[first]!, t[first + 1]!, f[first + 1]!, rangeStart, isCounter) : f[first]!;
  const right = smoothed && last > lo && t[last]! > rangeEnd ? interpolate(t[last - 1]!, f[last - 1]!, t[last]!, f[last]!, rangeEnd, isCounter) : f[last]!;
  if (t[first]! <= rangeStart) first++;
  if (t[last]! >= rangeEnd) last--;
  return { left, right, first, last, startAfterEnd };
}

/**
 * rate/increase/delta over an anchored or smoothed window (Prometheus's extendedRate): the
 * difference between the values at the boundaries, picked or interpolated, no extrapolation.
 */
function extendedRate(w: RangeArg, isCounter: boolean, isRate: boolean): number | null {
  const { f, rangeStart, rangeEnd } = w;
  const smoothed = w.mode === 'smoothed';
  const e = windowEdges(w.t, f, w.lo, w.hi, rangeStart, rangeEnd, smoothed, isCounter);
  if (!e || (smoothed && e.startAfterEnd)) return null;
  let result = e.right - e.left;
  if (isCounter) {
    // The boundary values already account for resets at the edges; count those within.
    let prev = e.left;
    for (let i = e.first; i <= e.last; i++) {
      if (f[i]! < prev) result += prev;
      prev = f[i]!;
    }
    if (e.right < prev) result += prev;
  }
  return isRate ? result / ((rangeEnd - rangeStart) / 1000) : result;
}

/** The histogram version (Prometheus's extendedHistogramRate). */
function extendedHistogramRate(ev: Evaluator, w: RangeArg, isCounter: boolean, isRate: boolean, pos: { start: number }): FloatHistogram | null {
  const { ht, h, rangeStart, rangeEnd } = w;
  const smoothed = w.mode === 'smoothed';
  const name = goQuote(metricName(w.metric));
  let last = w.hhi - 1;
  const first = firstIndex(ht, w.hlo, last, rangeStart);
  if (smoothed) last = lastIndex(ht, w.hlo, last, rangeEnd);
  if (ht[last]! <= rangeStart) return null;
  if (smoothed && ht[first]! > rangeEnd) return null;
  const custom = h[first]!.usesCustomBuckets();
  for (let i = first; i <= last; i++) {
    if (h[i]!.usesCustomBuckets() !== custom) {
      ev.warn(`${MIXED_SCHEMAS} ${name}`, pos);
      return null;
    }
    if (isCounter && h[i]!.counterResetHint === 'gauge') ev.warn(`${NOT_COUNTER} ${name}`, pos);
  }
  try {
    const left = smoothed && ht[first]! < rangeStart ? interpolateHistograms(ev, h[first]!, ht[first]!, h[first + 1]!, ht[first + 1]!, rangeStart, isCounter, pos) : h[first]!.copy();
    const right =
      smoothed && last > w.hlo && ht[last]! > rangeEnd ? interpolateHistograms(ev, h[last - 1]!, ht[last - 1]!, h[last]!, ht[last]!, rangeEnd, isCounter, pos) : h[last]!.copy();
    if (!isCounter && (left.counterResetHint !== 'gauge' || right.counterResetHint !== 'gauge')) ev.warn(`${NOT_GAUGE} ${name}`, pos);
    const result = right.copy();
    if (result.sub(left).nhcbBoundsReconciled) ev.info(`${MISMATCHED_CUSTOM} subtraction`, pos);
    if (isCounter) {
      // The samples strictly between the boundaries; a reset the left interpolation spanned is
      // already counted.
      let from = first + 1;
      let prev = left;
      if (smoothed && ht[first]! < rangeStart && h[first + 1]!.detectReset(h[first]!)) {
        prev = h[first + 1]!;
        from++;
      }
      let correction: FloatHistogram | null = null;
      const add = (x: FloatHistogram) => {
        if (!correction) correction = x.copy();
        else if (correction.add(x).nhcbBoundsReconciled) ev.info(`${MISMATCHED_CUSTOM} addition`, pos);
      };
      if (from <= last) {
        for (let i = from; i <= last - 1; i++) {
          if (h[i]!.detectReset(prev)) add(prev);
          prev = h[i]!;
        }
        if (right.detectReset(prev)) add(prev);
      }
      if (correction && result.add(correction).nhcbBoundsReconciled) ev.info(`${MISMATCHED_CUSTOM} addition`, pos);
    }
    if (isRate) result.div((rangeEnd - rangeStart) / 1000);
    result.counterResetHint = 'gauge';
    return result.compact(0);
  } catch (err) {
    if (!incompatibleSchemas(err)) throw err;
    ev.warn(`${MIXED_SCHEMAS} ${name}`, pos);
    return null;
  }
}

/**
 * Where changes() and resets() start: for an anchored window, at the last sample at or before
 * its start (Prometheus's pickFirstSampleIndices). Null where nothing lies inside the window.
 */
function anchoredStart(w: RangeArg): { lo: number; hlo: number } | null {
  if (w.mode !== 'anchored') return { lo: w.lo, hlo: w.hlo };
  let lf = w.lo - 1;
  while (lf + 1 < w.hi && w.t[lf + 1]! <= w.rangeStart) lf++;
  let lh = w.hlo - 1;
  while (lh + 1 < w.hhi && w.ht[lh + 1]! <= w.rangeStart) lh++;
  if (lf + 1 >= w.hi && lh + 1 >= w.hhi) return null;
  if (lf < w.lo && lh < w.hlo) return { lo: w.lo, hlo: w.hlo };
  if (lh < w.hlo || (lf >= w.lo && w.t[lf]! >= w.ht[lh]!)) return { lo: lf, hlo: lh + 1 };
  return { lo: lf + 1, hlo: lh };
}

/**
 * How far rate() extrapolates the increase seen between the first and last sample: to the window's
 * edges where samples come close to them, else by half an average interval, never below zero.
 */
function extrapolationFactor(
  ev: Evaluator,
  w: RangeArg,
  firstT: number,
  lastT: number,
  intervals: number,
  firstValue: number,
  result: number,
  isCounter: boolean,
  isRate: boolean,
): number {
  let durationToStart = (firstT - w.rangeStart) / 1000;
  let durationToEnd = (w.rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const avg = sampledInterval / intervals;
  const threshold = avg * 1.1;
  if (ev.prometheus2) {
    // 2.x: the zero point shortened the start before the gap threshold was applied.
    if (isCounter && result > 0 && firstValue >= 0) durationToStart = Math.min(durationToStart, sampledInterval * (firstValue / result));
    if (durationToStart >= threshold) durationToStart = avg / 2;
  } else {
    if (durationToStart >= threshold) durationToStart = avg / 2;
    if (isCounter) {
      let durationToZero = durationToStart;
      // For histograms, the values are their counts.
      if (result > 0 && firstValue >= 0) durationToZero = sampledInterval * (firstValue / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
  }
  if (durationToEnd >= threshold) durationToEnd = avg / 2;
  let factor = sampledInterval !== 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1;
  if (isRate) factor /= (w.rangeEnd - w.rangeStart) / 1000;
  return factor;
}

/** Whether a histogram operation failed on mixing exponential and custom buckets. */
function incompatibleSchemas(err: unknown): boolean {
  return err instanceof HistogramError && err.is('incompatibleSchema');
}

/**
 * The increase of a window of histograms (Prometheus's histogramRate): last minus first at the
 * smallest schema seen, plus every value lost to a counter reset. Null where the histograms cannot
 * be combined; annotations as Prometheus gives them (a failure replaces the earlier ones).
 */
function histogramRate(ev: Evaluator, w: RangeArg, isCounter: boolean, pos: { start: number }): FloatHistogram | null {
  const name = goQuote(metricName(w.metric));
  const notes: [warn: boolean, msg: string][] = [];
  const fail = (msg: string): null => {
    ev.warn(msg, pos);
    return null;
  };
  const hs = w.h;
  const lo = w.hlo;
  const hi = w.hhi;
  let prev = hs[lo]!;
  let usingCustom = prev.usesCustomBuckets();
  const last = hs[hi - 1]!;
  if (isCounter && (prev.counterResetHint === 'gauge' || last.counterResetHint === 'gauge')) notes.push([true, `${NOT_COUNTER} ${name}`]);
  if (isCounter) {
    // A reset right after the first sample makes the first one irrelevant, whatever its layout.
    const second = hs[lo + 1]!;
    if (second.detectReset(prev)) {
      prev = new FloatHistogram({ schema: second.schema, customValues: second.customValues });
      usingCustom = second.usesCustomBuckets();
    }
  }
  const flush = () => {
    for (const [warn, msg] of notes) {
      if (warn) ev.warn(msg, pos);
      else ev.info(msg, pos);
    }
  };
  if (last.usesCustomBuckets() !== usingCustom) {
    notes.push([true, `${MIXED_SCHEMAS} ${name}`]);
    flush();
    return null;
  }
  let minSchema = Math.min(last.schema, prev.schema);
  for (let i = lo + 1; i < hi - 1; i++) {
    const curr = hs[i]!;
    if (!isCounter) continue;
    if (curr.counterResetHint === 'gauge') notes.push([true, `${NOT_COUNTER} ${name}`]);
    if (curr.schema < minSchema) minSchema = curr.schema;
    if (curr.usesCustomBuckets() !== usingCustom) return fail(`${MIXED_SCHEMAS} ${name}`);
  }
  const h = last.copyToSchema(minSchema);
  try {
    if (h.sub(prev).nhcbBoundsReconciled) notes.push([false, `${MISMATCHED_CUSTOM} subtraction`]);
  } catch (err) {
    if (incompatibleSchemas(err)) return fail(`${MIXED_SCHEMAS} ${name}`);
    throw err;
  }
  if (isCounter) {
    for (let i = lo + 1; i < hi; i++) {
      const curr = hs[i]!;
      if (curr.detectReset(prev)) {
        try {
          if (h.add(prev).nhcbBoundsReconciled) notes.push([false, `${MISMATCHED_CUSTOM} addition`]);
        } catch (err) {
          if (incompatibleSchemas(err)) return fail(`${MIXED_SCHEMAS} ${name}`);
          throw err;
        }
      }
      prev = curr;
    }
  } else if (hs[lo]!.counterResetHint !== 'gauge' || last.counterResetHint !== 'gauge') {
    notes.push([true, `${NOT_GAUGE} ${name}`]);
  }
  flush();
  h.counterResetHint = 'gauge';
  return h.compact(0);
}

/** irate() and idelta(): the last two samples of the window, floats or histograms. */
function instantValue(isRate: boolean): Impl {
  return async (ev, call) => {
    const pos = call.args[0]!.pos;
    return ev.rangeFunc(rangeArg(call, 0), false, (w) => {
      const nf = w.hi - w.lo;
      const nh = w.hhi - w.hlo;
      if (nf + nh < 2) return null;
      // The last two samples, merged by time as Prometheus merges them.
      type S = { t: number; f: number; h?: FloatHistogram };
      const ss: S[] = [];
      for (let i = Math.max(w.lo, w.hi - 2); i < w.hi; i++) ss.push({ t: w.t[i]!, f: w.f[i]! });
      for (let i = Math.max(w.hlo, w.hhi - 2); i < w.hhi; i++) {
        const x: S = { t: w.ht[i]!, f: 0, h: w.h[i]! };
        if (ss.length === 0) ss.push(x);
        else if (ss.length === 1) {
          if (x.t < ss[0]!.t) ss.unshift(x);
          else ss.push(x);
        } else if (x.t < ss[0]!.t) {
          // Older than both: not one of the last two.
        } else if (x.t > ss[1]!.t) {
          ss[0] = ss[1]!;
          ss[1] = x;
        } else ss[0] = x;
      }
      const [a, b] = [ss[0]!, ss[1]!];
      const interval = b.t - a.t;
      if (interval === 0) return null;
      if (!a.h && !b.h) {
        let result = b.f - a.f;
        if (isRate && b.f < a.f) result = b.f;
        return isRate ? result / (interval / 1000) : result;
      }
      if (a.h && b.h) {
        const name = goQuote(metricName(w.metric));
        const res = b.h.copy();
        if (isRate && (b.h.counterResetHint === 'gauge' || a.h.counterResetHint === 'gauge')) ev.warn(`${NOT_COUNTER} ${name}`, pos);
        if (!isRate && (b.h.counterResetHint !== 'gauge' || a.h.counterResetHint !== 'gauge')) ev.warn(`${NOT_GAUGE} ${name}`, pos);
        if (!isRate || !b.h.detectReset(a.h)) {
          try {
            if (res.sub(a.h).nhcbBoundsReconciled) ev.info(`${MISMATCHED_CUSTOM} subtraction`, pos);
          } catch (err) {
            if (!incompatibleSchemas(err)) throw err;
            ev.warn(`${MIXED_SCHEMAS} ${name}`, pos);
            return null;
          }
        }
        res.counterResetHint = 'gauge';
        res.compact(0);
        return isRate ? res.div(interval / 1000) : res;
      }
      ev.warn(`${MIXED_FLOATS_HISTOGRAMS} metric name ${goQuote(metricName(w.metric))}`, pos);
      return null;
    });
  };
}

function linearRegression(w: RangeArg, interceptTime: number): [number, number] {
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = w.f[w.lo]!;
  let constY = true;
  for (let i = w.lo; i < w.hi; i++) {
    const y = w.f[i]!;
    if (constY && i > w.lo && y !== initY) constY = false;
    n++;
    const x = (w.t[i]! - interceptTime) / 1000;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(y, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * y, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constY) return Number.isFinite(initY) || Number.isNaN(initY) ? [0, initY] : [NaN, NaN];
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

// --- *_over_time ---

function avgOf(f: ArrayLike<number>, lo: number, hi: number): number {
  let sum = 0;
  let c = 0;
  let mean = 0;
  let incremental = false;
  let count = 0;
  for (let i = lo; i < hi; i++) {
    count = i - lo + 1;
    const x = f[i]!;
    if (!incremental) {
      const [ns, nc] = kahanSumInc(x, sum, c);
      // Only a sum of finite values that overflowed needs the incremental mean; infinite inputs
      // make the mean infinite (or NaN) legitimately.
      if (!(ns === Infinity || ns === -Infinity) || !Number.isFinite(sum) || !Number.isFinite(x)) {
        sum = ns;
        c = nc;
        continue;
      }
      // The sum overflowed: continue with an incremental mean.
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    [mean, c] = kahanSumInc(x / count, q * mean, q * c);
  }
  return incremental ? mean + c : sum / count + c / count;
}

function varianceOf(f: ArrayLike<number>, lo: number, hi: number): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = lo; i < hi; i++) {
    const x = f[i]!;
    count++;
    const delta = x - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (x - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

function extreme(isMax: boolean, wantTs: boolean): Impl {
  return overTime(wantTs ? false : false, (w) => {
    let best = w.f[w.lo]!;
    let bestT = w.t[w.lo]!;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const x = w.f[i]!;
      if ((isMax ? x > best : x < best) || Number.isNaN(best)) {
        best = x;
        bestT = w.t[i]!;
      } else if (wantTs && x === best) bestT = w.t[i]!;
    }
    return wantTs ? bestT / 1000 : best;
  });
}

function windowValues(w: RangeArg): number[] {
  const out: number[] = [];
  for (let i = w.lo; i < w.hi; i++) out.push(w.f[i]!);
  return out;
}

// --- label functions ---

function labelReplace(ev: Evaluator, call: Call): Promise<Matrix> {
  const dst = ev.evalString(call.args[1]!);
  const replacement = ev.evalString(call.args[2]!);
  const src = ev.evalString(call.args[3]!);
  const regexText = ev.evalString(call.args[4]!);
  let re;
  try {
    re = compileAnchored(regexText);
  } catch (err) {
    throw new QueryError('execution', `invalid regular expression in label_replace(): ${(err as Error).message}`);
  }
  if (!isValidLabelName(dst) && dst !== METRIC_NAME) throw new QueryError('execution', `invalid destination label name in label_replace(): ${dst}`);
  const template = new ExpandTemplate(replacement, re);
  const cache = new Map<Labels, Labels>();
  return ev.rangeEval([call.args[0]!], (vals) =>
    (vals[0] as Vector).map((s) => {
      let metric = cache.get(s.metric);
      if (metric === undefined) {
        metric = s.metric;
        const m = re.exec(getLabel(s.metric, src));
        if (m) {
          const b = new LabelsBuilder(s.metric);
          b.set(dst, template.expand(m));
          metric = b.labels();
        }
        cache.set(s.metric, metric);
      }
      return { metric, t: s.t, f: s.f, h: s.h, dropName: dst === METRIC_NAME ? false : s.dropName };
    }),
  );
}

function labelJoin(ev: Evaluator, call: Call): Promise<Matrix> {
  const dst = ev.evalString(call.args[1]!);
  const sep = ev.evalString(call.args[2]!);
  const srcs = call.args.slice(3).map((a) => ev.evalString(a));
  for (const s of srcs) if (!isValidLabelName(s) && s !== METRIC_NAME) throw new QueryError('execution', `invalid source label name in label_join(): ${s}`);
  if (!isValidLabelName(dst) && dst !== METRIC_NAME) throw new QueryError('execution', `invalid destination label name in label_join(): ${dst}`);
  return ev.rangeEval([call.args[0]!], (vals) =>
    (vals[0] as Vector).map((s) => {
      const b = new LabelsBuilder(s.metric);
      b.set(dst, srcs.map((n) => getLabel(s.metric, n)).join(sep));
      return { metric: b.labels(), t: s.t, f: s.f, h: s.h, dropName: dst === METRIC_NAME ? false : s.dropName };
    }),
  );
}

/** Labels absent() reports: the selector's equality matchers (a name matched twice is left out). */
function absentLabels(e: Expr): Labels {
  const a = unwrap(e);
  const vs = a.type === 'vector' ? a : a.type === 'matrix' ? a.vectorSelector : null;
  if (!vs) return [];
  // Prometheus's rule, historic quirks included: the first "=" matcher of a name sets it (an
  // empty value drops it), any later or other matcher of that name deletes it again.
  const b = new LabelsBuilder();
  const has = new Set<string>();
  for (const m of vs.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !has.has(m.name)) {
      b.set(m.name, m.value);
      has.add(m.name);
    } else {
      b.del(m.name);
    }
  }
  return b.labels();
}

// --- dates ---

function dateFn(fn: (d: Date) => number): Impl {
  return async (ev, call) => {
    if (call.args.length === 0) {
      // Defaults to vector(time()).
      const out: Matrix = [{ metric: [], points: [] }];
      for (let i = 0; i < ev.steps; i++) {
        const ts = ev.stepTime(i);
        out[0]!.points.push({ t: ts, f: fn(new Date(ts)) });
      }
      return out;
    }
    return mapper((x) => (Number.isFinite(x) ? fn(new Date(x * 1000)) : NaN))(ev, call);
  };
}

const SORT_IN_RANGE = 'sort is ineffective for range queries since results are always ordered by labels';

function sortBy(desc: boolean): Impl {
  return async (ev, call) => {
    if (ev.rangeQuery) ev.warn(SORT_IN_RANGE, call.pos);
    return ev.rangeEval([call.args[0]!], (vals) => {
      const v = (vals[0] as Vector).filter((x) => !x.h);
      // NaN sorts last either way.
      v.sort((a, b) => (Number.isNaN(a.f) ? (Number.isNaN(b.f) ? 0 : 1) : Number.isNaN(b.f) ? -1 : desc ? b.f - a.f : a.f - b.f));
      return v;
    });
  };
}

function sortByLabel(desc: boolean): Impl {
  return async (ev, call) => {
    if (ev.rangeQuery) ev.warn(SORT_IN_RANGE, call.pos);
    const names = call.args.slice(1).map((a) => ev.evalString(a));
    return ev.rangeEval([call.args[0]!], (vals) => {
      const v = [...(vals[0] as Vector)];
      v.sort((a, b) => {
        for (const n of names) {
          const c = naturalCompare(getLabel(a.metric, n), getLabel(b.metric, n));
          if (c !== 0) return desc ? -c : c;
        }
        // Ties go by the whole label set, in the same direction.
        const c = compareLabels(a.metric, b.metric);
        return desc ? -c : c;
      });
      return v;
    });
  };
}

/** Natural order: runs of digits compare as numbers. */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    const da = ca >= 48 && ca <= 57;
    const db = cb >= 48 && cb <= 57;
    if (da && db) {
      let ei = i;
      while (ei < a.length && a.charCodeAt(ei) >= 48 && a.charCodeAt(ei) <= 57) ei++;
      let ej = j;
      while (ej < b.length && b.charCodeAt(ej) >= 48 && b.charCodeAt(ej) <= 57) ej++;
      const na = a.slice(i, ei).replace(/^0+/, '');
      const nb = b.slice(j, ej).replace(/^0+/, '');
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
      i = ei;
      j = ej;
      continue;
    }
    if (ca !== cb) return ca - cb;
    i++;
    j++;
  }
  return a.length - i - (b.length - j);
}

// --- histograms ---

interface BucketGroup {
  metric: Labels;
  buckets: Bucket[];
}

/**
 * Prometheus's resetHistograms: a vector's native histograms, and its classic buckets grouped
 * by their labels without `le`. Where a native histogram has the same labels as a bucket group,
 * neither is evaluated.
 */
function splitHistograms(ev: Evaluator, v: Vector, pos: { start: number }): { native: Sample[]; groups: BucketGroup[] } {
  const byKey = new Map<string, BucketGroup>();
  const native: Sample[] = [];
  for (const s of v) {
    if (s.h) {
      native.push(s);
      continue;
    }
    const le = getLabel(s.metric, 'le');
    const upper = parseBound(le);
    if (upper === null) {
      ev.warn(`bucket label "le" is missing or has a malformed value of ${goQuote(le)} for metric name ${goQuote(metricName(s.metric))}`, pos);
      continue;
    }
    const metric = s.metric.filter((l) => l.name !== 'le');
    const key = labelsKey(metric);
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { metric, buckets: [] }));
    g.buckets.push({ upperBound: upper, count: s.f });
  }
  const kept: Sample[] = [];
  for (const s of native) {
    const key = labelsKey(s.metric);
    if (byKey.has(key)) {
      ev.warn(`vector contains a mix of classic and native histograms for metric name ${goQuote(metricName(s.metric))}`, pos);
      byKey.delete(key);
      continue;
    }
    kept.push(s);
  }
  return { native: kept, groups: [...byKey.values()] };
}

/** The engine's wording of what histogramQuantile/histogramFraction report. */
function histogramInfos(ev: Evaluator, infos: HistogramInfo[], metric: Labels, pos: { start: number }): void {
  const name = metricName(metric);
  const suffix = name ? ` for metric name ${goQuote(name)}` : '';
  for (const i of infos) {
    if (i === 'quantile_nan_result') ev.info(`input to histogram_quantile has NaN observations, result is NaN${suffix}`, pos);
    else if (i === 'quantile_nan_skew') ev.info(`input to histogram_quantile has NaN observations, result is skewed higher${suffix}`, pos);
    else ev.info(`input to histogram_fraction has NaN observations, which are excluded from all fractions${suffix}`, pos);
  }
}

/**
 * Quantiles of native histograms and of classic ones (buckets by `le`): one result per histogram
 * and φ; with `label`, each φ's result carries it as that label (histogram_quantiles).
 */
function quantiles(ev: Evaluator, arg: Expr, phis: { values: Float64Array; pos: { start: number } }[], label: string | null): Promise<Matrix> {
  return ev.rangeEval([arg], (vals, _ts, step) => {
    const v = vals[0] as Vector;
    for (const { values, pos } of phis) {
      const phi = values[step]!;
      if (Number.isNaN(phi) || phi < 0 || phi > 1) ev.warn(`quantile value should be between 0 and 1, got ${formatGoV(phi)}`, pos);
    }
    if (v.length === 0) return [];
    const { native, groups } = splitHistograms(ev, v, arg.pos);
    const out: Vector = [];
    const named = (metric: Labels, phi: number) => (label === null ? metric : new LabelsBuilder(metric).set(label, formatOpenMetricsFloat(phi)).labels());
    for (const { values } of phis) {
      const phi = values[step]!;
      for (const s of native) {
        const r = nativeHistogramQuantile(phi, s.h!);
        histogramInfos(ev, r.infos, s.metric, arg.pos);
        out.push({ metric: named(s.metric, phi), t: 0, f: r.value, dropName: true });
      }
      for (const g of groups) {
        const [value, forcedMonotonic] = bucketQuantile(phi, g.buckets);
        if (forcedMonotonic) {
          ev.info(`input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name ${goQuote(metricName(g.metric))}`, arg.pos);
        }
        out.push({ metric: named(g.metric, phi), t: 0, f: value, dropName: true });
      }
    }
    return out;
  });
}

const histogramQuantile: Impl = async (ev, call) => quantiles(ev, call.args[1]!, [{ values: await ev.evalScalarSteps(call.args[0]!), pos: call.args[0]!.pos }], null);

const histogramQuantiles: Impl = async (ev, call) => {
  const label = ev.evalString(call.args[1]!);
  if (!isValidLabelName(label)) throw new QueryError('execution', `invalid label name ${goQuote(label)}`);
  const phis = [];
  for (const a of call.args.slice(2)) phis.push({ values: await ev.evalScalarSteps(a), pos: a.pos });
  return quantiles(ev, call.args[0]!, phis, label);
};

const histogramFraction: Impl = async (ev, call) => {
  const lower = await ev.evalScalarSteps(call.args[0]!);
  const upper = await ev.evalScalarSteps(call.args[1]!);
  const arg = call.args[2]!;
  return ev.rangeEval([arg], (vals, _ts, step) => {
    const { native, groups } = splitHistograms(ev, vals[0] as Vector, arg.pos);
    const lo = lower[step]!;
    const hi = upper[step]!;
    const out: Vector = [];
    for (const s of native) {
      const r = nativeHistogramFraction(lo, hi, s.h!);
      histogramInfos(ev, r.infos, s.metric, arg.pos);
      out.push({ metric: s.metric, t: 0, f: r.value, dropName: true });
    }
    for (const g of groups) out.push({ metric: g.metric, t: 0, f: bucketFraction(lo, hi, g.buckets), dropName: true });
    return out;
  });
};

/** Sum or average of a window of histograms, Kahan-compensated as Prometheus's sum_over_time/avg_over_time. */
function histogramsOverTime(ev: Evaluator, w: RangeArg, avg: boolean, pos: { start: number }): FloatHistogram | null {
  let resetSeen = false;
  let notResetSeen = false;
  let reconciled = false;
  const track = (h: FloatHistogram) => {
    if (h.counterResetHint === 'reset') resetSeen = true;
    else if (h.counterResetHint === 'not_reset') notResetSeen = true;
  };
  const note = (r: { nhcbBoundsReconciled: boolean }) => {
    if (r.nhcbBoundsReconciled) reconciled = true;
  };
  let result: FloatHistogram;
  try {
    const { h, hlo, hhi } = w;
    let sum = h[hlo]!.copy();
    track(sum);
    let c: FloatHistogram | null = null;
    if (!avg) {
      for (let i = hlo + 1; i < hhi; i++) {
        track(h[i]!);
        const r = sum.kahanAdd(h[i]!, c);
        c = r.c;
        note(r);
      }
      if (c) note(sum.add(c));
      result = sum;
    } else {
      // The direct mean while the sum stays finite, then the incremental one, as Prometheus does.
      let mean: FloatHistogram | null = null;
      let count = 1;
      let incremental = false;
      for (let i = hlo + 1; i < hhi; i++) {
        const x = h[i]!;
        track(x);
        count = i - hlo + 1;
        if (!incremental) {
          const sumCopy = sum.copy();
          const r = sumCopy.kahanAdd(x, c ? c.copy() : null);
          note(r);
          if (!sumCopy.hasOverflow()) {
            sum = sumCopy;
            c = r.c;
            continue;
          }
          incremental = true;
          mean = sum.copy().div(count - 1);
          if (c) c.div(count - 1);
        }
        const q = (count - 1) / count;
        if (c) c.mul(q);
        const r = mean!.mul(q).kahanAdd(x.copy().div(count), c);
        c = r.c;
        note(r);
      }
      if (incremental) {
        if (c) mean!.add(c);
        result = mean!;
      } else if (c) {
        sum.div(count).add(c.div(count));
        result = sum;
      } else result = sum.div(count);
    }
  } catch (err) {
    if (!incompatibleSchemas(err)) throw err;
    // The failure is the only annotation Prometheus keeps here.
    ev.warn(`${MIXED_SCHEMAS} ${goQuote(metricName(w.metric))}`, pos);
    return null;
  }
  if (resetSeen && notResetSeen) ev.warn('conflicting counter resets during histogram aggregation', pos);
  if (reconciled) ev.info(`${MISMATCHED_CUSTOM} aggregation`, pos);
  return result;
}

function sumOrAvgOverTime(avg: boolean): Impl {
  return async (ev, call) => {
    const pos = call.args[0]!.pos;
    return ev.rangeFunc(rangeArg(call, 0), false, (w) => {
      const nf = w.hi - w.lo;
      const nh = w.hhi - w.hlo;
      if (nf > 0 && nh > 0) {
        ev.warn(`${MIXED_FLOATS_HISTOGRAMS} metric name ${goQuote(metricName(w.metric))}`, pos);
        return null;
      }
      if (nh > 0) return histogramsOverTime(ev, w, avg, pos);
      if (nf === 0) return null;
      if (avg) return avgOf(w.f, w.lo, w.hi);
      let sum = 0;
      let c = 0;
      for (let i = w.lo; i < w.hi; i++) [sum, c] = kahanSumInc(w.f[i]!, sum, c);
      return Number.isFinite(sum) ? sum + c : sum;
    });
  };
}

/** A function of all samples of a window, floats and histograms alike. */
function anyOverTime(keepName: boolean, fn: (w: RangeArg) => number | FloatHistogram | null): Impl {
  return (ev, call) => ev.rangeFunc(rangeArg(call, 0), keepName, (w) => (w.hi > w.lo || w.hhi > w.hlo ? fn(w) : null));
}

/** Visits a window's samples in time order, floats and histograms merged, with the one before. */
function pairs(w: RangeArg, visit: (prevF: number, prevH: FloatHistogram | undefined, f: number, h: FloatHistogram | undefined) => void): void {
  let i = w.lo;
  let j = w.hlo;
  let first = true;
  let pf = 0;
  let ph: FloatHistogram | undefined;
  while (i < w.hi || j < w.hhi) {
    let f = 0;
    let h: FloatHistogram | undefined;
    if (j >= w.hhi || (i < w.hi && w.t[i]! < w.ht[j]!)) f = w.f[i++]!;
    else h = w.h[j++]!;
    if (!first) visit(pf, ph, f, h);
    first = false;
    pf = f;
    ph = h;
  }
}

function parseBound(s: string): number | null {
  if (s === '') return null;
  const t = s.trim().toLowerCase();
  if (t === '+inf' || t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan') return null;
  const n = Number(s);
  return Number.isNaN(n) ? null : n;
}


// --- the table ---

const round = (x: number, toNearest: number) => {
  const inv = 1 / toNearest;
  return Math.floor(x * inv + 0.5) / inv;
};

function clampImpl(kind: 'clamp' | 'clamp_min' | 'clamp_max'): Impl {
  return async (ev, call) => {
    const a = await ev.evalScalarSteps(call.args[1]!);
    const b = kind === 'clamp' ? await ev.evalScalarSteps(call.args[2]!) : null;
    return ev.rangeEval([call.args[0]!], (vals, _ts, step) => {
      const lo = kind === 'clamp_max' ? -Infinity : a[step]!;
      const hi = kind === 'clamp' ? b![step]! : kind === 'clamp_max' ? a[step]! : Infinity;
      if (kind === 'clamp' && hi < lo) return [];
      return (vals[0] as Vector).filter((s) => !s.h).map((s) => ({ metric: s.metric, t: s.t, f: Math.max(lo, Math.min(hi, s.f)), dropName: true }));
    });
  };
}

const queryScalar =
  (name: string): Impl =>
  (ev) =>
    ev.eval({ type: 'number', val: ev.queryScalar(name), pos: { start: 0, end: 0 } });

function minMaxOf(isMax: boolean): Impl {
  return async (ev, call) => {
    const args: Float64Array[] = [];
    for (const a of call.args) args.push(await ev.evalScalarSteps(a));
    const points = [];
    for (let i = 0; i < ev.steps; i++) {
      let v = args[0]![i]!;
      for (const a of args.slice(1)) v = isMax ? Math.max(v, a[i]!) : Math.min(v, a[i]!);
      points.push({ t: ev.stepTime(i), f: v });
    }
    return [{ metric: [], points }];
  };
}

/** The functions an anchored or a smoothed range may feed (Prometheus's *SafeFunctions). */
export const ANCHORED_SAFE = ['changes', 'delta', 'increase', 'rate', 'resets'];
export const SMOOTHED_SAFE = ['delta', 'increase', 'rate'];

export const FUNCTIONS: Record<string, Impl> = {
  histogram_avg: histogramMapper((h) => h.sum / h.count),
  histogram_count: histogramMapper((h) => h.count),
  histogram_fraction: histogramFraction,
  histogram_stddev: histogramMapper((h) => Math.sqrt(histogramStdVar(h))),
  histogram_stdvar: histogramMapper(histogramStdVar),
  histogram_sum: histogramMapper((h) => h.sum),
  step: queryScalar('step'),
  range: queryScalar('range'),
  start: queryScalar('start'),
  end: queryScalar('end'),
  min_of: minMaxOf(false),
  max_of: minMaxOf(true),
  abs: mapper(Math.abs),
  ceil: mapper(Math.ceil),
  floor: mapper(Math.floor),
  // Go's math functions (gomath.ts): JavaScript's differ from them in the last bit for many
  // inputs. Sqrt, Abs, Floor and Ceil are exact in both.
  exp: mapper(goExp),
  sqrt: mapper(Math.sqrt),
  ln: mapper(goLog),
  log2: mapper(goLog2),
  log10: mapper(goLog10),
  sin: mapper(goSin),
  cos: mapper(goCos),
  tan: mapper(goTan),
  asin: mapper(goAsin),
  acos: mapper(goAcos),
  atan: mapper(goAtan),
  sinh: mapper(goSinh),
  cosh: mapper(goCosh),
  tanh: mapper(goTanh),
  asinh: mapper(goAsinh),
  acosh: mapper(goAcosh),
  atanh: mapper(goAtanh),
  deg: mapper((x) => (x * 180) / Math.PI),
  rad: mapper((x) => (x * Math.PI) / 180),
  sgn: mapper((x) => (x > 0 ? 1 : x < 0 ? -1 : x)),
  clamp: clampImpl('clamp'),
  clamp_min: clampImpl('clamp_min'),
  clamp_max: clampImpl('clamp_max'),
  round: async (ev, call) => {
    const to = call.args.length > 1 ? await ev.evalScalarSteps(call.args[1]!) : null;
    return ev.rangeEval([call.args[0]!], (vals, _ts, step) =>
      (vals[0] as Vector).filter((s) => !s.h).map((s) => ({ metric: s.metric, t: s.t, f: round(s.f, to ? to[step]! : 1), dropName: true })),
    );
  },
  pi: (ev) => ev.eval({ type: 'number', val: Math.PI, pos: { start: 0, end: 0 } }),
  time: async (ev) => {
    const points = [];
    for (let i = 0; i < ev.steps; i++) points.push({ t: ev.stepTime(i), f: ev.stepTime(i) / 1000 });
    return [{ metric: [], points }];
  },
  vector: async (ev, call) => {
    const v = await ev.evalScalarSteps(call.args[0]!);
    const points = [];
    for (let i = 0; i < ev.steps; i++) points.push({ t: ev.stepTime(i), f: v[i]! });
    return [{ metric: [], points }];
  },
  scalar: async (ev, call) => {
    const out = ev.rangeEval([call.args[0]!], (vals) => {
      const floats = (vals[0] as Vector).filter((s) => !s.h);
      return [{ metric: [], t: 0, f: floats.length === 1 ? floats[0]!.f : NaN }];
    });
    return out;
  },
  timestamp: async (ev, call) => {
    const a = unwrap(call.args[0]!);
    // On a selector, the sample's own time (not the step's): Prometheus evaluates it specially.
    if (a.type === 'vector') return (await ev.evalVectorSelector(a, true)).map((s) => ({ ...s, dropName: true }));
    return ev.rangeEval([call.args[0]!], (vals, ts) => (vals[0] as Vector).map((s) => ({ metric: s.metric, t: ts, f: ts / 1000, dropName: true })));
  },
  absent: async (ev, call) => {
    const labels = absentLabels(call.args[0]!);
    return ev.rangeEval([call.args[0]!], (vals) => ((vals[0] as Vector).length > 0 ? [] : [{ metric: labels, t: 0, f: 1 }]));
  },
  absent_over_time: async (ev, call) => {
    const arg = rangeArg(call, 0);
    const labels = arg.type === 'matrix' ? absentLabels(arg) : [];
    const present = new Uint8Array(ev.steps);
    await ev.rangeFunc(arg, false, (w, _ts, step) => {
      if (w.hi > w.lo || w.hhi > w.hlo) present[step] = 1;
      return null;
    });
    const points = [];
    for (let i = 0; i < ev.steps; i++) if (!present[i]) points.push({ t: ev.stepTime(i), f: 1 });
    return points.length > 0 ? [{ metric: labels, points }] : [];
  },
  present_over_time: anyOverTime(false, () => 1),
  rate: extrapolatedRate(true, true),
  increase: extrapolatedRate(true, false),
  delta: extrapolatedRate(false, false),
  irate: instantValue(true),
  idelta: instantValue(false),
  deriv: (ev, call) => ev.rangeFunc(rangeArg(call, 0), false, (w) => (ignoredHistograms(ev, call, w) ? null : linearRegression(w, w.t[w.lo]!)[0])),
  predict_linear: async (ev, call) => {
    const dur = await ev.evalScalarSteps(call.args[1]!);
    return ev.rangeFunc(rangeArg(call, 0), false, (w, ts, step) => {
      if (ignoredHistograms(ev, call, w)) return null;
      const [slope, intercept] = linearRegression(w, ts);
      return slope * dur[step]! + intercept;
    });
  },
  changes: anyOverTime(false, (w) => {
    const start = anchoredStart(w);
    if (!start) return null;
    let n = 0;
    pairs({ ...w, ...start }, (pf, ph, f, h) => {
      if (ph && h) {
        if (!h.equals(ph)) n++;
      } else if (ph || h) n++;
      else if (pf !== f && !(Number.isNaN(pf) && Number.isNaN(f))) n++;
    });
    return n;
  }),
  resets: anyOverTime(false, (w) => {
    const start = anchoredStart(w);
    if (!start) return null;
    let n = 0;
    pairs({ ...w, ...start }, (pf, ph, f, h) => {
      if (ph && h) {
        if (h.detectReset(ph)) n++;
      } else if (ph || h) n++;
      else if (f < pf) n++;
    });
    return n;
  }),
  avg_over_time: sumOrAvgOverTime(true),
  sum_over_time: sumOrAvgOverTime(false),
  count_over_time: anyOverTime(false, (w) => w.hi - w.lo + (w.hhi - w.hlo)),
  min_over_time: extreme(false, false),
  max_over_time: extreme(true, false),
  ts_of_min_over_time: extreme(false, true),
  ts_of_max_over_time: extreme(true, true),
  last_over_time: anyOverTime(true, (w) => (w.hhi === w.hlo || (w.hi > w.lo && w.ht[w.hhi - 1]! < w.t[w.hi - 1]!) ? w.f[w.hi - 1]! : w.h[w.hhi - 1]!.copy())),
  first_over_time: anyOverTime(true, (w) => (w.hhi === w.hlo || (w.hi > w.lo && w.t[w.lo]! < w.ht[w.hlo]!) ? w.f[w.lo]! : w.h[w.hlo]!.copy())),
  ts_of_last_over_time: anyOverTime(false, (w) => Math.max(w.hi > w.lo ? w.t[w.hi - 1]! : 0, w.hhi > w.hlo ? w.ht[w.hhi - 1]! : 0) / 1000),
  ts_of_first_over_time: anyOverTime(false, (w) => Math.min(w.hi > w.lo ? w.t[w.lo]! : Infinity, w.hhi > w.hlo ? w.ht[w.hlo]! : Infinity) / 1000),
  stddev_over_time: overTime(false, (w) => Math.sqrt(varianceOf(w.f, w.lo, w.hi))),
  stdvar_over_time: overTime(false, (w) => varianceOf(w.f, w.lo, w.hi)),
  mad_over_time: overTime(false, (w) => {
    const vals = windowValues(w);
    if (vals.some(Number.isNaN)) return NaN;
    const median = quantile(0.5, vals);
    return quantile(
      0.5,
      vals.map((x) => Math.abs(x - median)),
    );
  }),
  quantile_over_time: async (ev, call) => {
    const q = await ev.evalScalarSteps(call.args[0]!);
    let warned = false;
    return ev.rangeFunc(rangeArg(call, 1), false, (w, _ts, step) => {
      if (w.hi === w.lo) return null;
      const phi = q[step]!;
      if (!warned && (Number.isNaN(phi) || phi < 0 || phi > 1)) {
        warned = true;
        ev.warn(`quantile value should be between 0 and 1, got ${formatGoV(phi)}`, call.args[0]!.pos);
      }
      // Prometheus places this note at the first argument, φ.
      if (w.hhi > w.hlo) ev.info(`${IGNORED_IN_MIXED_RANGE} ${goQuote(metricName(w.metric))}`, call.args[0]!.pos);
      return quantile(phi, windowValues(w));
    });
  },
  double_exponential_smoothing: async (ev, call) => {
    const [, sfs, tfs] = await scalarArgs(ev, call, 0);
    return ev.rangeFunc(rangeArg(call, 0), false, (w, _ts, step) => {
      const sf = sfs![step]!;
      const tf = tfs![step]!;
      if (!(sf > 0 && sf < 1)) throw new QueryError('execution', `invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf.toFixed(6)}`);
      if (!(tf > 0 && tf < 1)) throw new QueryError('execution', `invalid trend factor. Expected: 0 < tf < 1, got: ${tf.toFixed(6)}`);
      if (ignoredHistograms(ev, call, w)) return null;
      const n = w.hi - w.lo;
      let s0 = 0;
      let s1 = w.f[w.lo]!;
      let b = w.f[w.lo + 1]! - w.f[w.lo]!;
      for (let i = 1; i < n; i++) {
        const x = sf * w.f[w.lo + i]!;
        if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
        const y = (1 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
      }
      return s1;
    });
  },
  label_replace: labelReplace,
  info: evalInfo,
  label_join: labelJoin,
  sort: sortBy(false),
  sort_desc: sortBy(true),
  sort_by_label: sortByLabel(false),
  sort_by_label_desc: sortByLabel(true),
  histogram_quantile: histogramQuantile,
  histogram_quantiles: histogramQuantiles,
  day_of_month: dateFn((d) => d.getUTCDate()),
  day_of_week: dateFn((d) => d.getUTCDay()),
  day_of_year: dateFn((d) => Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1),
  days_in_month: dateFn((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()),
  hour: dateFn((d) => d.getUTCHours()),
  minute: dateFn((d) => d.getUTCMinutes()),
  month: dateFn((d) => d.getUTCMonth() + 1),
  year: dateFn((d) => d.getUTCFullYear()),
};

export type { Sample };
