// PromQL functions over floats, after Prometheus 3.x's promql/functions.go: the same numerics
// (Kahan-compensated sums, the extrapolation of rate(), Welford variances, bucket interpolation)
// so results agree to the last bit where Prometheus's tests demand it.
import { compareLabels, getLabel, isValidLabelName, LabelsBuilder, labelsKey, METRIC_NAME, type Labels } from '../model/labels.js';
import { compileAnchored, ExpandTemplate } from '../model/regex.js';
import type { Call, Expr, MatrixSelector, SubqueryExpr } from './ast.js';
import { typeOf } from './ast.js';
import type { Evaluator } from './engine.js';
import { goQuote } from './lexer.js';
import { bucketQuantile, kahanSumInc, quantile } from './numeric.js';
import { formatGoV } from './printer.js';
import { formatSampleValue } from './wire.js';
import { QueryError, type Matrix, type Sample, type Vector } from './value.js';

export type EvalContext = Evaluator;

/** A window of a series for one step: points lo..hi-1 of t/f, covering (rangeStart, rangeEnd]. */
export interface RangeArg {
  t: ArrayLike<number>;
  f: ArrayLike<number>;
  lo: number;
  hi: number;
  rangeStart: number;
  rangeEnd: number;
}

type Impl = (ev: Evaluator, call: Call) => Promise<Matrix>;

function unwrap(e: Expr): Expr {
  return e.type === 'paren' ? unwrap(e.expr) : e;
}

function rangeArg(call: Call, i: number): MatrixSelector | SubqueryExpr {
  const a = unwrap(call.args[i]!);
  if (a.type !== 'matrix' && a.type !== 'subquery') throw new QueryError('execution', `expected a range vector as argument ${i + 1} of ${call.func.name}`);
  return a;
}

/** Functions that take one instant vector and map each value (the name is dropped). */
function mapper(fn: (x: number) => number): Impl {
  return (ev, call) =>
    ev.rangeEval(call.args, (vals) => {
      const v = vals[0] as Vector;
      const out: Vector = new Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = { metric: v[i]!.metric, t: v[i]!.t, f: fn(v[i]!.f), dropName: true };
      return out;
    });
}

/** Scalar arguments of a range function, evaluated per step. */
async function scalarArgs(ev: Evaluator, call: Call, skip: number): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  for (const [i, a] of call.args.entries()) out.push(i === skip || typeOf(a) !== 'scalar' ? new Float64Array(0) : await ev.evalScalarSteps(a));
  return out;
}

function overTime(keepName: boolean, fn: (w: RangeArg) => number | null): Impl {
  return (ev, call) => ev.rangeFunc(rangeArg(call, 0), keepName, (w) => (w.hi > w.lo ? fn(w) : null));
}

// --- rate and friends ---

function extrapolatedRate(isCounter: boolean, isRate: boolean): Impl {
  return async (ev, call) => {
    const arg = rangeArg(call, 0);
    if (isCounter && arg.type === 'matrix') {
      // Prometheus's hint that rate() over a gauge is probably a mistake.
      const name = arg.vectorSelector.name;
      if (name && !/(_total|_sum|_count|_bucket)$/.test(name)) ev.info(`metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "${name}"`, arg.pos);
    }
    return ev.rangeFunc(arg, false, (w) => {
      const n = w.hi - w.lo;
      if (n < 2) return null;
      const { t, f, lo, hi } = w;
      let result = f[hi - 1]! - f[lo]!;
      if (isCounter) {
        let last = 0;
        for (let i = lo; i < hi; i++) {
          if (f[i]! < last) result += last;
          last = f[i]!;
        }
      }
      const firstT = t[lo]!;
      const lastT = t[hi - 1]!;
      let durationToStart = (firstT - w.rangeStart) / 1000;
      let durationToEnd = (w.rangeEnd - lastT) / 1000;
      const sampledInterval = (lastT - firstT) / 1000;
      const avg = sampledInterval / (n - 1);
      const threshold = avg * 1.1;
      if (ev.prometheus2) {
        // 2.x: the zero point shortened the start before the gap threshold was applied.
        if (isCounter && result > 0 && f[lo]! >= 0) durationToStart = Math.min(durationToStart, sampledInterval * (f[lo]! / result));
        if (durationToStart >= threshold) durationToStart = avg / 2;
      } else {
        if (durationToStart >= threshold) durationToStart = avg / 2;
        if (isCounter) {
          let durationToZero = durationToStart;
          if (result > 0 && f[lo]! >= 0) durationToZero = sampledInterval * (f[lo]! / result);
          if (durationToZero < durationToStart) durationToStart = durationToZero;
        }
      }
      if (durationToEnd >= threshold) durationToEnd = avg / 2;
      let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
      if (isRate) factor /= (w.rangeEnd - w.rangeStart) / 1000;
      return result * factor;
    });
  };
}

function instantValue(isRate: boolean): Impl {
  return overTime(false, (w) => {
    if (w.hi - w.lo < 2) return null;
    const last = w.f[w.hi - 1]!;
    const prev = w.f[w.hi - 2]!;
    let result = last - prev;
    if (isRate && last < prev) result = last;
    const interval = w.t[w.hi - 1]! - w.t[w.hi - 2]!;
    if (interval === 0) return null;
    if (isRate) result /= interval / 1000;
    return result;
  });
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
      return { metric, t: s.t, f: s.f, dropName: dst === METRIC_NAME ? false : s.dropName };
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
      return { metric: b.labels(), t: s.t, f: s.f, dropName: dst === METRIC_NAME ? false : s.dropName };
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
      const out: Matrix = [{ metric: [], floats: [] }];
      for (let i = 0; i < ev.steps; i++) {
        const ts = ev.stepTime(i);
        out[0]!.floats.push({ t: ts, f: fn(new Date(ts)) });
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
      const v = [...(vals[0] as Vector)];
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

// --- histograms (classic buckets) ---

/**
 * Quantiles of classic histograms (buckets by `le`): one result per bucket group and φ; with
 * `label`, each φ's result carries it as that label (histogram_quantiles).
 */
function classicQuantiles(ev: Evaluator, arg: Expr, phis: { values: Float64Array; pos: { start: number } }[], label: string | null): Promise<Matrix> {
  return ev.rangeEval([arg], (vals, _ts, step) => {
    const v = vals[0] as Vector;
    if (v.length === 0) return [];
    const groups = new Map<string, { metric: Labels; buckets: { upperBound: number; count: number }[] }>();
    for (const s of v) {
      const le = getLabel(s.metric, 'le');
      const upper = parseBound(le);
      if (upper === null) {
        ev.warn(`bucket label "le" is missing or has a malformed value of "${le}" for metric name "${getLabel(s.metric, METRIC_NAME)}"`, arg.pos);
        continue;
      }
      const metric = s.metric.filter((l) => l.name !== 'le' && l.name !== METRIC_NAME);
      const key = labelsKey(metric);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { metric, buckets: [] }));
      g.buckets.push({ upperBound: upper, count: s.f });
    }
    const out: Vector = [];
    for (const { values, pos } of phis) {
      const phi = values[step]!;
      if (Number.isNaN(phi) || phi < 0 || phi > 1) ev.warn(`quantile value should be between 0 and 1, got ${formatGoV(phi)}`, pos);
      for (const g of groups.values()) {
        const [value, forcedMonotonic] = bucketQuantile(phi, g.buckets);
        if (forcedMonotonic) {
          ev.info(`input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name "${getLabel(v[0]!.metric, METRIC_NAME)}"`, arg.pos);
        }
        const metric = label === null ? g.metric : new LabelsBuilder(g.metric).set(label, formatSampleValue(phi)).labels();
        out.push({ metric, t: 0, f: value });
      }
    }
    return out;
  });
}

const histogramQuantile: Impl = async (ev, call) => classicQuantiles(ev, call.args[1]!, [{ values: await ev.evalScalarSteps(call.args[0]!), pos: call.args[0]!.pos }], null);

const histogramQuantiles: Impl = async (ev, call) => {
  const label = ev.evalString(call.args[1]!);
  if (!isValidLabelName(label)) throw new QueryError('execution', `invalid label name ${goQuote(label)}`);
  const phis = [];
  for (const a of call.args.slice(2)) phis.push({ values: await ev.evalScalarSteps(a), pos: a.pos });
  return classicQuantiles(ev, call.args[0]!, phis, label);
};

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
      return (vals[0] as Vector).map((s) => ({ metric: s.metric, t: s.t, f: Math.max(lo, Math.min(hi, s.f)), dropName: true }));
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
    const floats = [];
    for (let i = 0; i < ev.steps; i++) {
      let v = args[0]![i]!;
      for (const a of args.slice(1)) v = isMax ? Math.max(v, a[i]!) : Math.min(v, a[i]!);
      floats.push({ t: ev.stepTime(i), f: v });
    }
    return [{ metric: [], floats }];
  };
}

/**
 * Functions of native histogram samples. The TSDB stores floats only (native histograms are not
 * supported yet), and these functions ignore float samples, as Prometheus's do; so they select
 * their input (errors and limits apply) and return nothing.
 */
const nativeHistogramOnly: Impl = async (ev, call) => {
  for (const a of call.args) if (typeOf(a) === 'vector') ev.eval(a);
  return [];
};

export const FUNCTIONS: Record<string, Impl> = {
  histogram_avg: nativeHistogramOnly,
  histogram_count: nativeHistogramOnly,
  histogram_fraction: nativeHistogramOnly,
  histogram_stddev: nativeHistogramOnly,
  histogram_stdvar: nativeHistogramOnly,
  histogram_sum: nativeHistogramOnly,
  step: queryScalar('step'),
  range: queryScalar('range'),
  start: queryScalar('start'),
  end: queryScalar('end'),
  min_of: minMaxOf(false),
  max_of: minMaxOf(true),
  abs: mapper(Math.abs),
  ceil: mapper(Math.ceil),
  floor: mapper(Math.floor),
  exp: mapper(Math.exp),
  sqrt: mapper(Math.sqrt),
  ln: mapper(Math.log),
  log2: mapper(Math.log2),
  log10: mapper(Math.log10),
  sin: mapper(Math.sin),
  cos: mapper(Math.cos),
  tan: mapper(Math.tan),
  asin: mapper(Math.asin),
  acos: mapper(Math.acos),
  atan: mapper(Math.atan),
  sinh: mapper(Math.sinh),
  cosh: mapper(Math.cosh),
  tanh: mapper(Math.tanh),
  asinh: mapper(Math.asinh),
  acosh: mapper(Math.acosh),
  atanh: mapper(Math.atanh),
  deg: mapper((x) => (x * 180) / Math.PI),
  rad: mapper((x) => (x * Math.PI) / 180),
  sgn: mapper((x) => (x > 0 ? 1 : x < 0 ? -1 : x)),
  clamp: clampImpl('clamp'),
  clamp_min: clampImpl('clamp_min'),
  clamp_max: clampImpl('clamp_max'),
  round: async (ev, call) => {
    const to = call.args.length > 1 ? await ev.evalScalarSteps(call.args[1]!) : null;
    return ev.rangeEval([call.args[0]!], (vals, _ts, step) =>
      (vals[0] as Vector).map((s) => ({ metric: s.metric, t: s.t, f: round(s.f, to ? to[step]! : 1), dropName: true })),
    );
  },
  pi: (ev) => ev.eval({ type: 'number', val: Math.PI, pos: { start: 0, end: 0 } }),
  time: async (ev) => {
    const floats = [];
    for (let i = 0; i < ev.steps; i++) floats.push({ t: ev.stepTime(i), f: ev.stepTime(i) / 1000 });
    return [{ metric: [], floats }];
  },
  vector: async (ev, call) => {
    const v = await ev.evalScalarSteps(call.args[0]!);
    const floats = [];
    for (let i = 0; i < ev.steps; i++) floats.push({ t: ev.stepTime(i), f: v[i]! });
    return [{ metric: [], floats }];
  },
  scalar: async (ev, call) => {
    const out = ev.rangeEval([call.args[0]!], (vals) => {
      const v = vals[0] as Vector;
      return [{ metric: [], t: 0, f: v.length === 1 ? v[0]!.f : NaN }];
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
      if (w.hi > w.lo) present[step] = 1;
      return null;
    });
    const floats = [];
    for (let i = 0; i < ev.steps; i++) if (!present[i]) floats.push({ t: ev.stepTime(i), f: 1 });
    return floats.length > 0 ? [{ metric: labels, floats }] : [];
  },
  present_over_time: overTime(false, () => 1),
  rate: extrapolatedRate(true, true),
  increase: extrapolatedRate(true, false),
  delta: extrapolatedRate(false, false),
  irate: instantValue(true),
  idelta: instantValue(false),
  deriv: overTime(false, (w) => (w.hi - w.lo < 2 ? null : linearRegression(w, w.t[w.lo]!)[0])),
  predict_linear: async (ev, call) => {
    const dur = await ev.evalScalarSteps(call.args[1]!);
    return ev.rangeFunc(rangeArg(call, 0), false, (w, ts, step) => {
      if (w.hi - w.lo < 2) return null;
      const [slope, intercept] = linearRegression(w, ts);
      return slope * dur[step]! + intercept;
    });
  },
  changes: overTime(false, (w) => {
    let n = 0;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const a = w.f[i - 1]!;
      const b = w.f[i]!;
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) n++;
    }
    return n;
  }),
  resets: overTime(false, (w) => {
    let n = 0;
    for (let i = w.lo + 1; i < w.hi; i++) if (w.f[i]! < w.f[i - 1]!) n++;
    return n;
  }),
  avg_over_time: overTime(false, (w) => avgOf(w.f, w.lo, w.hi)),
  sum_over_time: overTime(false, (w) => {
    let sum = 0;
    let c = 0;
    for (let i = w.lo; i < w.hi; i++) [sum, c] = kahanSumInc(w.f[i]!, sum, c);
    return Number.isFinite(sum) ? sum + c : sum;
  }),
  count_over_time: overTime(false, (w) => w.hi - w.lo),
  min_over_time: extreme(false, false),
  max_over_time: extreme(true, false),
  ts_of_min_over_time: extreme(false, true),
  ts_of_max_over_time: extreme(true, true),
  last_over_time: overTime(true, (w) => w.f[w.hi - 1]!),
  first_over_time: overTime(true, (w) => w.f[w.lo]!),
  ts_of_last_over_time: overTime(false, (w) => w.t[w.hi - 1]! / 1000),
  ts_of_first_over_time: overTime(false, (w) => w.t[w.lo]! / 1000),
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
      const n = w.hi - w.lo;
      if (n < 2) return null;
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
