// Aggregation operators for one step, after Prometheus 3.x's aggregation(): groups in order of
// first appearance, Kahan-compensated sum and avg (with the switch to an incremental mean on
// overflow), Welford variance, and topk/bottomk that never prefer NaN.
import { getLabel, isValidLabelName, LABEL_SEP, LabelsBuilder, METRIC_NAME, stringLabelsBytes, type Labels } from '../model/labels.js';
import type { AggregateExpr } from './ast.js';
import type { Evaluator } from './engine.js';
import { goQuote } from './lexer.js';
import { formatGoV } from './printer.js';
import { formatSampleValue } from './wire.js';
import { xxhash64 } from '../model/xxhash.js';
import { kahanSumInc, quantile } from './numeric.js';
import { type FloatHistogram, HistogramError } from '../model/histogram.js';
import { metricName, QueryError, type Matrix, type Sample, type Vector } from './value.js';

interface Group {
  metric: Labels;
  value: number;
  c: number;
  mean: number;
  count: number;
  incremental: boolean;
  values: number[];
  samples: Sample[];
  /** Some member's name is marked for removal (matters where the group keeps __name__). */
  dropName: boolean;
  // Native histograms, for sum and avg (Prometheus's groupedAggregation).
  hasFloat: boolean;
  hasHistogram: boolean;
  h: FloatHistogram | null;
  hc: FloatHistogram | null;
  hmean: FloatHistogram | null;
  hIncremental: boolean;
  incompatible: boolean;
  resetSeen: boolean;
  notResetSeen: boolean;
}

/** Aggregations that leave native histograms out (with an info), as Prometheus does. */
const FLOAT_ONLY = new Set(['min', 'max', 'stddev', 'stdvar', 'quantile', 'topk', 'bottomk']);

export async function aggregate(ev: Evaluator, e: AggregateExpr): Promise<Matrix> {
  const op = e.op;
  const param = e.param && op !== 'count_values' ? await ev.evalScalarSteps(e.param) : null;
  const label = op === 'count_values' ? ev.evalString(e.param!) : '';
  if (op === 'count_values' && !isValidLabelName(label)) throw new QueryError('execution', `invalid label name ${goQuote(label)}`);
  const grouping = new Set(e.grouping);
  const computeKey = e.without
    ? (m: Labels) => {
        let s = '';
        for (const l of m) if (!grouping.has(l.name) && l.name !== METRIC_NAME) s += `${l.name}${LABEL_SEP}${l.value}${LABEL_SEP}`;
        return s;
      }
    : (m: Labels) => {
        let s = '';
        for (const n of e.grouping) s += `${getLabel(m, n)}${LABEL_SEP}`;
        return s;
      };
  // Memoized per label-set object: every step of a range query sees the same series.
  const keys = new Map<Labels, string>();
  const keyOf = (m: Labels): string => {
    let k = keys.get(m);
    if (k === undefined) keys.set(m, (k = computeKey(m)));
    return k;
  };
  const groupMetrics = new Map<string, Labels>();
  const computeGroupLabels = (m: Labels): Labels => {
    if (e.without) return m.filter((l) => !grouping.has(l.name) && l.name !== METRIC_NAME);
    return m.filter((l) => grouping.has(l.name));
  };
  const keepsName = !e.without && grouping.has(METRIC_NAME);
  // count_values groups by the labels with the value label already set (so it may overwrite a
  // grouping label), as Prometheus does.
  const countValues = (vec: Vector, ts: number): Vector => {
    const counts = new Map<string, { metric: Labels; n: number }>();
    for (const s of vec) {
      // The label value is written as the API writes sample values (Go's 'f', -1), a histogram
      // as its String().
      const metric = new LabelsBuilder(s.metric).set(label, s.h ? s.h.toString() : formatSampleValue(s.f)).labels();
      // by (...) groups by the value label too.
      const key = e.without ? computeKey(metric) : `${computeKey(metric)}${getLabel(metric, label)}`;
      const c = counts.get(key);
      if (c) c.n++;
      else counts.set(key, { metric: e.without ? computeGroupLabels(metric) : metric.filter((l) => grouping.has(l.name) || l.name === label), n: 1 });
    }
    return [...counts.values()].map((c) => ({ metric: c.metric, t: ts, f: c.n }));
  };
  const offsets = new Map<Labels, number>();
  let warnedQuantile = false;
  let warnedRatio = false;
  const instant = ev.steps === 1;

  return ev.rangeEval([e.expr], (vals, ts, step) => {
    const vec = vals[0] as Vector;
    const p = param ? param[step]! : 0;
    if (op === 'quantile' && !warnedQuantile && (Number.isNaN(p) || p < 0 || p > 1)) {
      warnedQuantile = true;
      ev.warn(`quantile value should be between 0 and 1, got ${formatGoV(p)}`, e.param!.pos);
    }
    let ratio = 0;
    if (op === 'limit_ratio') {
      if (Number.isNaN(p)) throw new QueryError('execution', 'Ratio value is NaN');
      if (p === 0) return [];
      if ((p > 1 || p < -1) && !warnedRatio) {
        warnedRatio = true;
        ev.warn(`ratio value should be between -1 and 1, got ${formatGoV(p)}, capping to ${p > 1 ? 1 : -1}`, e.param!.pos);
      }
      ratio = Math.max(-1, Math.min(1, p));
    }
    let k = 0;
    if (op === 'topk' || op === 'bottomk' || op === 'limitk') {
      if (Number.isNaN(p)) throw new QueryError('execution', `Parameter value is NaN`);
      if (p >= 2 ** 63) throw new QueryError('execution', `Scalar value ${formatGoV(p)} overflows int64`);
      k = Math.trunc(p);
      if (k < 1) return [];
    }
    if (op === 'count_values') return countValues(vec, ts);
    const groups = new Map<string, Group>();
    for (const s of vec) {
      if (s.h && FLOAT_ONLY.has(op)) {
        ev.info(`ignored histogram in ${op} aggregation`, op === 'topk' || op === 'bottomk' ? e.pos : e.expr.pos);
        continue;
      }
      const key = keyOf(s.metric);
      let g = groups.get(key);
      if (!g) {
        let metric = groupMetrics.get(key);
        if (!metric) groupMetrics.set(key, (metric = computeGroupLabels(s.metric)));
        g = {
          metric,
          value: s.f,
          c: 0,
          mean: s.f,
          count: 1,
          incremental: false,
          values: [s.f],
          samples: [s],
          dropName: !!s.dropName,
          hasFloat: !s.h,
          hasHistogram: !!s.h,
          h: null,
          hc: null,
          hmean: null,
          hIncremental: false,
          incompatible: false,
          resetSeen: false,
          notResetSeen: false,
        };
        groups.set(key, g);
        if (s.h && (op === 'sum' || op === 'avg')) {
          g.h = s.h.copy();
          trackReset(g, s.h);
        }
        // A variance over a NaN or infinite value is NaN, even for one sample.
        if (op === 'stddev' || op === 'stdvar') g.value = Number.isFinite(s.f) ? 0 : NaN;
        continue;
      }
      if (g.incompatible) continue;
      if (s.dropName) g.dropName = true;
      if (s.h && (op === 'sum' || op === 'avg')) {
        if (op === 'avg') g.count++;
        g.hasHistogram = true;
        // A histogram after floats is only noted: the group is mixed and gives nothing.
        if (!g.h) continue;
        trackReset(g, s.h);
        try {
          if (op === 'sum') {
            const r = g.h.kahanAdd(s.h, g.hc);
            g.hc = r.c;
            if (r.nhcbBoundsReconciled) ev.info('mismatched custom buckets were reconciled during aggregation', e.expr.pos);
          } else accumulateHistogramMean(ev, e, g, s.h);
        } catch (err) {
          if (!(err instanceof HistogramError)) throw err;
          if (err.is('incompatibleSchema')) {
            ev.warn(`vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${goQuote(metricName(s.metric))}`, e.expr.pos);
          }
          g.incompatible = true;
        }
        continue;
      }
      if (op === 'sum' || op === 'avg') g.hasFloat = true;
      accumulate(op, g, s, k);
    }
    const out: Vector = [];
    for (const g of groups.values()) {
      const before = out.length;
      if (op === 'sum' || op === 'avg') {
        if (g.hasFloat && g.hasHistogram) {
          ev.warn('encountered a mix of histograms and floats for aggregation', e.expr.pos);
          continue;
        }
        if (g.incompatible) continue;
        if (g.hasHistogram) {
          const h = finishHistogram(op, g);
          if (g.resetSeen && g.notResetSeen) ev.warn('conflicting counter resets during histogram aggregation', e.expr.pos);
          out.push({ metric: g.metric, t: ts, f: 0, h });
          if (g.dropName && keepsName) out[out.length - 1]!.dropName = true;
          continue;
        }
      }
      switch (op) {
        case 'sum':
          out.push({ metric: g.metric, t: ts, f: g.value + g.c });
          break;
        case 'avg':
          out.push({ metric: g.metric, t: ts, f: g.incremental ? g.mean + g.c : g.value / g.count + g.c / g.count });
          break;
        case 'count':
          out.push({ metric: g.metric, t: ts, f: g.count });
          break;
        case 'group':
          out.push({ metric: g.metric, t: ts, f: 1 });
          break;
        case 'min':
        case 'max':
          out.push({ metric: g.metric, t: ts, f: g.value });
          break;
        case 'stdvar':
          out.push({ metric: g.metric, t: ts, f: g.value / g.count });
          break;
        case 'stddev':
          out.push({ metric: g.metric, t: ts, f: Math.sqrt(g.value / g.count) });
          break;
        case 'quantile':
          out.push({ metric: g.metric, t: ts, f: quantile(p, g.values) });
          break;
        case 'topk':
        case 'bottomk': {
          // Best first for an instant query, as Prometheus returns them.
          const sorted = [...g.samples].sort((a, b) => better(op, a.f, b.f));
          const kept = sorted.slice(0, k);
          const keep = new Set(kept);
          for (const s of instant ? kept : g.samples.filter((x) => keep.has(x))) out.push({ ...s, t: ts });
          break;
        }
        case 'limitk':
          for (const s of g.samples.slice(0, k)) out.push({ ...s, t: ts });
          break;
        case 'limit_ratio':
          // Prometheus keeps a series where the hash of its labels, as a fraction of the hash
          // space, is below the ratio (or, for a negative ratio, at or above 1 + ratio).
          for (const s of g.samples) {
            const offset = sampleOffset(s.metric, offsets);
            if (ratio >= 0 ? offset < ratio : offset >= 1 + ratio) out.push({ ...s, t: ts });
          }
          break;
        default:
          throw new QueryError('execution', `aggregation ${op} is not supported`);
      }
      // Grouping by __name__ keeps the name, and with it its members' pending removal.
      if (g.dropName && keepsName && op !== 'topk' && op !== 'bottomk' && op !== 'limitk' && op !== 'limit_ratio') for (let i = before; i < out.length; i++) out[i]!.dropName = true;
    }
    return out;
  });
}

const MAX_UINT64 = Number(2n ** 64n - 1n);

/** Prometheus's HashRatioSampler offset: labels.Hash() / MaxUint64, memoized per label set. */
function sampleOffset(metric: Labels, memo: Map<Labels, number>): number {
  let o = memo.get(metric);
  if (o === undefined) memo.set(metric, (o = Number(xxhash64(stringLabelsBytes(metric))) / MAX_UINT64));
  return o;
}


/** Sort order for topk (descending) and bottomk (ascending); NaN always last. */
function better(op: 'topk' | 'bottomk', a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return op === 'topk' ? b - a : a - b;
}

function accumulate(op: AggregateExpr['op'], g: Group, s: Sample, k: number): void {
  const x = s.f;
  switch (op) {
    case 'sum':
      [g.value, g.c] = kahanSumInc(x, g.value, g.c);
      break;
    case 'avg': {
      g.count++;
      if (!g.incremental) {
        const [nv, nc] = kahanSumInc(x, g.value, g.c);
        if ((nv !== Infinity && nv !== -Infinity) || !Number.isFinite(g.value) || !Number.isFinite(x)) {
          g.value = nv;
          g.c = nc;
          break;
        }
        // The running sum would overflow: continue with an incremental mean.
        g.incremental = true;
        g.mean = g.value / (g.count - 1);
        g.c /= g.count - 1;
      }
      const q = (g.count - 1) / g.count;
      [g.mean, g.c] = kahanSumInc(x / g.count, q * g.mean, q * g.c);
      break;
    }
    case 'count':
    case 'group':
      g.count++;
      break;
    case 'min':
      if (g.value > x || Number.isNaN(g.value)) g.value = x;
      break;
    case 'max':
      if (g.value < x || Number.isNaN(g.value)) g.value = x;
      break;
    case 'stddev':
    case 'stdvar': {
      g.count++;
      const delta = x - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (x - g.mean);
      break;
    }
    case 'quantile':
      g.values.push(x);
      break;
    case 'topk':
    case 'bottomk':
    case 'limitk':
    case 'limit_ratio':
      g.samples.push(s);
      void k;
      break;
    default:
      break;
  }
}


function trackReset(g: Group, h: FloatHistogram): void {
  if (h.counterResetHint === 'reset') g.resetSeen = true;
  else if (h.counterResetHint === 'not_reset') g.notResetSeen = true;
}

/** avg() of histograms: the direct mean while the sum stays finite, then the incremental one. */
function accumulateHistogramMean(ev: Evaluator, e: AggregateExpr, g: Group, h: FloatHistogram): void {
  const reconciled = (r: { nhcbBoundsReconciled: boolean }) => {
    if (r.nhcbBoundsReconciled) ev.info('mismatched custom buckets were reconciled during aggregation', e.expr.pos);
  };
  if (!g.hIncremental) {
    const v = g.h!.copy();
    const r = v.kahanAdd(h, g.hc ? g.hc.copy() : null);
    reconciled(r);
    if (!v.hasOverflow()) {
      g.h = v;
      g.hc = r.c;
      return;
    }
    g.hIncremental = true;
    g.hmean = g.h!.copy().div(g.count - 1);
    if (g.hc) g.hc.div(g.count - 1);
  }
  const q = (g.count - 1) / g.count;
  if (g.hc) g.hc.mul(q);
  const r = g.hmean!.mul(q).kahanAdd(h.copy().div(g.count), g.hc);
  g.hc = r.c;
  reconciled(r);
}

function finishHistogram(op: 'sum' | 'avg', g: Group): FloatHistogram {
  let h: FloatHistogram;
  if (op === 'sum') {
    h = g.h!;
    if (g.hc) h.add(g.hc);
  } else if (g.hIncremental) {
    h = g.hmean!;
    if (g.hc) h.add(g.hc);
  } else {
    h = g.h!.div(g.count);
    if (g.hc) h.add(g.hc.div(g.count));
  }
  return h.compact(0);
}
