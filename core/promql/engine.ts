// The PromQL evaluator, after Prometheus 3.x's promql/engine.go. Every node is evaluated over all
// steps of the query at once ("range mode"), an instant query being a range of one step, so a
// 30-panel dashboard does one select per selector, not one per step.
//
// Semantics followed (3.x): left-open windows (t-range, t] for selectors, lookback and subqueries;
// staleness markers end a series; delayed __name__ removal (functions and operators mark the
// name to drop, it goes at the end, so label_replace(rate(x[1m]), "__name__", …) works);
// subquery steps aligned to absolute multiples of the step.
import { FloatHistogram } from '../model/histogram.js';
import { compareLabels, labelsKey, METRIC_NAME, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matchers.js';
import { isStaleNaN } from '../model/value.js';
import type { Querier, Queryable, StoredSeries } from '../tsdb/interface.js';
import type { AggregateExpr, AtModifier, BinaryExpr, Call, DurationExpr, Expr, MatrixSelector, NumberLiteral, SubqueryExpr, VectorSelector } from './ast.js';
import { histogramStatsSelectors, typeOf } from './ast.js';
import { aggregate } from './aggregate.js';
import { binaryOp, scalarBinary } from './binary.js';
import { ANCHORED_SAFE, FUNCTIONS, interpolate, interpolateHistograms, SMOOTHED_SAFE, windowEdges, type EvalContext, type RangeArg } from './functions.js';
import { goPow } from './gomath.js';
import { goQuote } from './lexer.js';
import { parseExpr, ParseError } from './parser.js';
import { metricName, QueryError, type Point, type Matrix, type QueryResult, type QueryValue, type Sample, type Series, type Vector } from './value.js';

export interface EngineOptions {
  /** Default 5 minutes. */
  lookbackDeltaMs?: number;
  /** Most samples a query may hold in memory at once (Prometheus's --query.max-samples). */
  maxSamples?: number;
  /** Default 2 minutes. */
  timeoutMs?: number;
  /** Resolution of subqueries without a step (Prometheus: the global evaluation interval). */
  defaultSubqueryStepMs?: number;
  /**
   * Prometheus 2.x rules where 3.x changed them: windows closed at the start ([t-range, t]) and
   * rate()'s zero-point extrapolation applied before the gap threshold. Only for comparing with
   * a 2.x server (the differential test against Debian's 2.42); the app follows 3.x.
   */
  prometheus2?: boolean;
}

export interface QueryOptions {
  signal?: AbortSignal;
  lookbackDeltaMs?: number;
  /** A shorter time limit for this query (the engine's own limit still caps it). */
  timeoutMs?: number;
}

const DEFAULT_LOOKBACK = 5 * 60_000;

export class PromEngine {
  private readonly lookback: number;
  private readonly maxSamples: number;
  private readonly timeoutMs: number;
  private readonly subqueryStep: number;
  private readonly prometheus2: boolean;

  constructor(opts: EngineOptions = {}) {
    this.lookback = opts.lookbackDeltaMs || DEFAULT_LOOKBACK;
    this.maxSamples = opts.maxSamples ?? 50_000_000;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.subqueryStep = opts.defaultSubqueryStepMs ?? 60_000;
    this.prometheus2 = opts.prometheus2 ?? false;
  }

  async instantQuery(storage: Queryable, query: string, timeMs: number, opts: QueryOptions = {}): Promise<QueryResult> {
    return this.exec(storage, query, timeMs, timeMs, 0, true, opts);
  }

  async rangeQuery(storage: Queryable, query: string, startMs: number, endMs: number, stepMs: number, opts: QueryOptions = {}): Promise<QueryResult> {
    if (endMs < startMs) throw new QueryError('bad_data', 'end timestamp must not be before start time');
    if (stepMs <= 0) throw new QueryError('bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
    return this.exec(storage, query, startMs, endMs, stepMs, false, opts);
  }

  private async exec(storage: Queryable, query: string, start: number, end: number, step: number, instant: boolean, opts: QueryOptions): Promise<QueryResult> {
    let expr: Expr;
    try {
      expr = parseExpr(query);
    } catch (err) {
      if (err instanceof ParseError) throw new QueryError('bad_data', err.message);
      throw err;
    }
    const type = typeOf(expr);
    if (!instant && type !== 'scalar' && type !== 'vector') {
      throw new QueryError('bad_data', `invalid expression type "${typeName(type)}" for range query, must be Scalar or instant Vector`);
    }
    // Yield once so a caller that cancels right away (a page switch) never pays for the query.
    await Promise.resolve();
    if (opts.signal?.aborted) throw new QueryError('canceled', 'query was canceled in query execution');
    const ev = new Evaluator(storage, {
      start,
      end,
      interval: instant ? 1 : step,
      lookback: opts.lookbackDeltaMs || this.lookback,
      maxSamples: this.maxSamples,
      deadline: Date.now() + Math.min(this.timeoutMs, opts.timeoutMs ?? Infinity),
      signal: opts.signal,
      subqueryStep: this.subqueryStep,
      query,
      rangeQuery: !instant,
      queryStart: start,
      queryEnd: end,
      queryStep: instant ? 0 : step,
      prometheus2: this.prometheus2,
      statsSelectors: histogramStatsSelectors(expr),
    });
    try {
      return await ev.run(expr, instant);
    } finally {
      ev.close();
    }
  }
}

function typeName(t: string): string {
  return t === 'matrix' ? 'range vector' : t === 'vector' ? 'instant vector' : t;
}

interface EvalParams {
  start: number;
  end: number;
  interval: number;
  lookback: number;
  maxSamples: number;
  deadline: number;
  signal?: AbortSignal;
  subqueryStep: number;
  query: string;
  /** The query is a range query (some functions warn that their effect is lost there). */
  rangeQuery: boolean;
  /** The query's own range and step (a subquery's evaluator has its own start/end/interval). */
  queryStart: number;
  queryEnd: number;
  queryStep: number;
  prometheus2: boolean;
  /** Selectors read for histogram count and sum only (see histogramStatsSelectors). */
  statsSelectors: Set<VectorSelector>;
}

/**
 * A series of a range argument: its float samples (t, f) and, apart as in Prometheus's Series,
 * its native-histogram samples (ht, h). dropName: a subquery's series whose name is still to be
 * removed (at the very end, as in Prometheus).
 */
export interface RangeSeries {
  metric: Labels;
  t: Float64Array | number[];
  f: Float64Array | number[];
  ht: Float64Array | number[];
  h: FloatHistogram[];
  dropName?: boolean;
}

/** A matrix-valued argument before windowing: a range selector's series or a subquery's result. */
interface RangeSource {
  series: RangeSeries[];
  range: number;
  offset: number;
  at: number | null;
  /** An anchored or smoothed selector's windows reach a lookback further (see RangeArg.mode). */
  mode: '' | 'anchored' | 'smoothed';
}

const NO_TIMES = new Float64Array(0);

/** Prometheus's HPoint.size(): a histogram counts as this many samples against the limit. */
export function histogramSamples(h: FloatHistogram): number {
  return Math.trunc((h.size() + 8) / 16);
}

export class Evaluator implements EvalContext {
  readonly start: number;
  readonly end: number;
  readonly interval: number;
  readonly lookback: number;
  readonly rangeQuery: boolean;
  /** See EngineOptions.prometheus2. */
  readonly prometheus2: boolean;
  /** 1 where windows are left-open (3.x), 0 where they include their start (2.x). */
  private readonly openStart: number;
  private readonly maxSamples: number;
  private samples = 0;
  private readonly queriers = new Map<string, Querier>();
  readonly warnings = new Set<string>();
  readonly infos = new Set<string>();
  private lastYield = performance.now();

  constructor(
    private readonly storage: Queryable,
    private readonly p: EvalParams,
  ) {
    this.start = p.start;
    this.end = p.end;
    this.interval = p.interval;
    this.lookback = p.lookback;
    this.rangeQuery = p.rangeQuery;
    this.prometheus2 = p.prometheus2;
    this.openStart = p.prometheus2 ? 0 : 1;
    this.maxSamples = p.maxSamples;
  }

  close(): void {
    this.queriers.clear();
  }

  get steps(): number {
    return Math.floor((this.end - this.start) / this.interval) + 1;
  }

  stepTime(i: number): number {
    return this.start + i * this.interval;
  }

  async run(expr: Expr, instant: boolean): Promise<QueryResult> {
    const type = typeOf(expr);
    let result: QueryValue;
    if (type === 'string') {
      result = { type: 'string', value: { t: this.start, s: this.evalString(expr) } };
    } else if (instant && type === 'matrix') {
      result = { type: 'matrix', value: this.finalize(await this.evalRawMatrix(expr)) };
    } else {
      const mat = this.finalize(await this.eval(expr));
      if (type === 'scalar') {
        if (instant) {
          const p = mat[0]?.points[0];
          result = { type: 'scalar', value: { t: this.start, v: p ? p.f : NaN } };
        } else {
          result = { type: 'matrix', value: mat.map((s) => ({ metric: [], points: s.points })) };
        }
      } else if (instant) {
        const vec: Vector = [];
        for (const s of mat) {
          const p = s.points[0];
          if (p) vec.push(p.h ? { metric: s.metric, t: p.t, f: 0, h: p.h } : { metric: s.metric, t: p.t, f: p.f });
        }
        result = { type: 'vector', value: vec };
      } else {
        const nonEmpty = mat.filter((s) => s.points.length > 0);
        nonEmpty.sort((a, b) => compareLabels(a.metric, b.metric));
        result = { type: 'matrix', value: nonEmpty };
      }
    }
    return { result, warnings: [...this.warnings], infos: [...this.infos] };
  }

  /** Applies delayed __name__ removal; series that now clash may not share a step. */
  private finalize(mat: Matrix): Matrix {
    if (!mat.some((s) => s.dropName)) return mat;
    const byKey = new Map<string, Series>();
    for (const s of mat) {
      // The type and unit labels (Prometheus 3's type-and-unit metadata) go with the name.
      const metric = s.dropName ? s.metric.filter((l) => l.name !== METRIC_NAME && l.name !== '__type__' && l.name !== '__unit__') : s.metric;
      const key = labelsKey(metric);
      const prev = byKey.get(key);
      if (!prev) {
        byKey.set(key, { metric, points: s.points });
        continue;
      }
      if (overlaps(prev.points, s.points)) throw new QueryError('execution', 'vector cannot contain metrics with the same labelset');
      prev.points = [...prev.points, ...s.points].sort((x, y) => x.t - y.t);
    }
    return [...byKey.values()];
  }

  // --- guards ---

  /**
   * Called between units of work. Every 10 ms the evaluation yields to the event loop, so that a
   * cancellation sent by the caller (a page switched away, a closed connection) can arrive, and
   * checks it and the deadline.
   */
  async tick(): Promise<void> {
    const now = performance.now();
    if (now - this.lastYield < 10) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
    if (this.p.signal?.aborted) throw new QueryError('canceled', 'query was canceled in query execution');
    if (Date.now() > this.p.deadline) throw new QueryError('timeout', 'query timed out in query execution');
  }

  addSamples(n: number): void {
    this.samples += n;
    if (this.samples > this.maxSamples) throw new QueryError('execution', 'query processing would load too many samples into memory in query execution');
  }

  releaseSamples(n: number): void {
    this.samples -= n;
  }

  warn(msg: string, pos?: { start: number }): void {
    this.warnings.add(`PromQL warning: ${msg}${pos ? ` (${this.position(pos.start)})` : ''}`);
  }

  info(msg: string, pos?: { start: number }): void {
    this.infos.add(`PromQL info: ${msg}${pos ? ` (${this.position(pos.start)})` : ''}`);
  }

  private position(offset: number): string {
    const before = Buffer.from(this.p.query).subarray(0, Buffer.byteLength(this.p.query.slice(0, offset))).toString();
    const lines = before.split('\n');
    return `${lines.length}:${Buffer.byteLength(lines.at(-1)!) + 1}`;
  }

  // --- evaluation ---

  evalString(e: Expr): string {
    if (e.type === 'string') return e.val;
    if (e.type === 'paren') return this.evalString(e.expr);
    throw new QueryError('execution', `expected string, got ${e.type}`);
  }

  /** A scalar-typed expression's value at each step (NaN where it has none). */
  async evalScalarSteps(e: Expr): Promise<Float64Array> {
    const out = new Float64Array(this.steps).fill(NaN);
    const mat = await this.eval(e);
    const s = mat[0];
    if (s) for (const p of s.points) out[Math.round((p.t - this.start) / this.interval)] = p.f;
    return out;
  }

  /** A parameter that must be the same at every step (topk's k, quantile's φ …), evaluated per step. */
  async eval(e: Expr): Promise<Matrix> {
    await this.tick();
    switch (e.type) {
      case 'number':
        return [this.constant(e.val)];
      case 'duration':
        return [this.constant(this.duration(e) / 1000)];
      case 'string':
        throw new QueryError('execution', 'unexpected string literal in range evaluation');
      case 'paren':
        return this.eval(e.expr);
      case 'unary': {
        const m = await this.eval(e.expr);
        if (e.op === '+') return m;
        return m.map((s) => ({
          metric: s.metric,
          points: s.points.map((p) => (p.h ? { t: p.t, f: 0, h: p.h.copy().mul(-1) } : { t: p.t, f: -p.f })),
          dropName: typeOf(e.expr) === 'vector' ? true : s.dropName,
        }));
      }
      case 'vector':
        return this.evalVectorSelector(e);
      case 'matrix':
        throw new QueryError('execution', 'cannot evaluate a range vector in range mode');
      case 'subquery':
        throw new QueryError('execution', 'cannot evaluate a subquery in range mode');
      case 'call':
        return this.evalCall(e);
      case 'aggregate':
        return this.evalAggregate(e);
      case 'binary':
        return this.evalBinary(e);
    }
  }

  private constant(v: number): Series {
    const points: Point[] = new Array(this.steps);
    for (let i = 0; i < points.length; i++) points[i] = { t: this.stepTime(i), f: v };
    return { metric: [], points };
  }

  /** step(), range(), start() and end() as scalars: properties of the query, not of a subquery. */
  queryScalar(name: string): number {
    switch (name) {
      case 'step':
        return this.p.queryStep / 1000;
      case 'range':
        return (this.p.queryEnd - this.p.queryStart) / 1000;
      case 'start':
        return this.p.queryStart / 1000;
      default:
        return this.p.queryEnd / 1000;
    }
  }

  /** Resolves a duration expression to ms (step() and range() depend on the query). */
  duration(e: DurationExpr | NumberLiteral): number {
    if (e.type === 'number') return e.val * 1000;
    const a = e.args.map((x) => this.duration(x));
    switch (e.op) {
      case '+':
        return a[0]! + a[1]!;
      case '-':
        return a[0]! - a[1]!;
      case 'neg':
        return -a[0]!;
      case '*':
        return (a[0]! * a[1]!) / 1000;
      case '/':
        return (a[0]! / a[1]!) * 1000;
      case '%':
        return a[0]! % a[1]!;
      case '^':
        return goPow(a[0]! / 1000, a[1]! / 1000) * 1000;
      case 'step':
        return this.p.queryStep;
      case 'range':
        return this.p.queryEnd - this.p.queryStart;
      case 'min_of':
        return Math.min(...a);
      case 'max_of':
        return Math.max(...a);
      default:
        throw new QueryError('execution', `unknown duration function ${e.op}`);
    }
  }

  private atTime(at: AtModifier | null): number | null {
    if (!at) return null;
    if (at.kind === 'time') return at.ms;
    return at.kind === 'start' ? this.p.queryStart : this.p.queryEnd;
  }

  private querier(mint: number, maxt: number): Querier {
    const key = `${mint}:${maxt}`;
    let q = this.queriers.get(key);
    if (!q) this.queriers.set(key, (q = this.storage.querier(mint, maxt)));
    return q;
  }

  private select(matchers: Matcher[], mint: number, maxt: number): StoredSeries[] {
    return this.querier(mint, maxt).select(matchers);
  }

  selectorOffset(vs: VectorSelector): number {
    return vs.offsetExpr ? this.duration(vs.offsetExpr) : vs.offset;
  }

  /** Times at which each step looks at the data. */
  private refTimes(at: number | null, offset: number): Float64Array {
    const n = this.steps;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (at ?? this.stepTime(i)) - offset;
    return out;
  }

  /**
   * withTimestamps: each point's value is its sample's time in seconds (timestamp(), info()); a
   * histogram sample then gives its time too, still marked as a histogram where markHistograms.
   */
  async evalVectorSelector(vs: VectorSelector, withTimestamps = false, markHistograms = false): Promise<Matrix> {
    const at = this.atTime(vs.at);
    const offset = this.selectorOffset(vs);
    const refs = this.refTimes(at, offset);
    if (vs.smoothed && !withTimestamps) return this.smoothedSelector(vs, refs);
    const mint = Math.min(refs[0]!, refs[refs.length - 1]!) - this.lookback + this.openStart;
    const maxt = Math.max(refs[0]!, refs[refs.length - 1]!);
    const out: Matrix = [];
    const stats = this.p.statsSelectors.has(vs);
    for (const s of this.select(vs.matchers, mint, maxt)) {
      await this.tick();
      const { t, v, h } = stats ? statsView(s.samples()) : s.samples();
      const points: Point[] = [];
      let held = 0;
      let j = 0;
      for (let i = 0; i < refs.length; i++) {
        const ref = refs[i]!;
        // Newest sample at or before ref (refs ascend unless offsets are negative... they still ascend).
        while (j < t.length && t[j]! <= ref) j++;
        const k = j - 1;
        if (k < 0 || t[k]! < ref - this.lookback + this.openStart) continue;
        const hist = h?.[k];
        if (hist && isStaleNaN(hist.sum)) continue;
        if (hist && !withTimestamps) {
          points.push({ t: this.stepTime(i), f: 0, h: hist });
          held += histogramSamples(hist);
          continue;
        }
        if (hist && markHistograms) {
          points.push({ t: this.stepTime(i), f: t[k]! / 1000, h: hist });
          held++;
          continue;
        }
        const val = v[k]!;
        if (!hist && isStaleNaN(val)) continue;
        points.push({ t: this.stepTime(i), f: withTimestamps ? t[k]! / 1000 : val });
        held++;
      }
      if (points.length > 0) {
        this.addSamples(held);
        out.push({ metric: s.labels, points });
      }
    }
    return out;
  }

  /**
   * A smoothed selector (Prometheus's smoothSeries): at each step the value interpolated between
   * the samples either side within the lookback, or the last one where none follows yet.
   */
  private async smoothedSelector(vs: VectorSelector, refs: Float64Array): Promise<Matrix> {
    const lb = this.lookback;
    const mint = Math.min(refs[0]!, refs[refs.length - 1]!) - lb + this.openStart;
    const maxt = Math.max(refs[0]!, refs[refs.length - 1]!) + lb;
    const out: Matrix = [];
    for (const stored of this.select(vs.matchers, mint, maxt)) {
      await this.tick();
      const s = splitSamples(stored.labels, stored.samples());
      const name = metricName(s.metric);
      const points: Point[] = [];
      let held = 0;
      for (let i = 0; i < refs.length; i++) {
        const ts = refs[i]!;
        const fl = lowerBound(s.t, ts - lb + 1);
        const fh = lowerBound(s.t, ts + lb + 1);
        const hl = lowerBound(s.ht, ts - lb + 1);
        const hh = lowerBound(s.ht, ts + lb + 1);
        if (fh === fl && hh === hl) continue;
        if (fh > fl && hh > hl) {
          this.warn(`encountered a mix of histograms and floats for metric name ${goQuote(name)}`, vs.pos);
          continue;
        }
        const evalT = this.stepTime(i);
        if (hh > hl) {
          const k = lowerBound(s.ht, ts, hl, hh);
          let h: FloatHistogram;
          if (k < hh && s.ht[k] === ts) h = s.h[k]!.copy();
          else if (k > hl && k < hh) {
            const prev = s.h[k - 1]!;
            const next = s.h[k]!;
            if (prev.usesCustomBuckets() !== next.usesCustomBuckets()) {
              this.warn(`vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${goQuote(name)}`, vs.pos);
              continue;
            }
            const isCounter = prev.counterResetHint !== 'gauge' || next.counterResetHint !== 'gauge';
            h = interpolateHistograms(this, prev, s.ht[k - 1]!, next, s.ht[k]!, ts, isCounter, vs.pos);
          } else if (k > hl) {
            // Carried forward: the hint spoke of its neighbour, not of this value.
            h = s.h[k - 1]!.copy();
            h.counterResetHint = 'unknown';
          } else continue;
          points.push({ t: evalT, f: 0, h });
          held += histogramSamples(h);
          continue;
        }
        const k = lowerBound(s.t, ts, fl, fh);
        let v: number;
        if (k < fh && s.t[k] === ts) v = s.f[k]!;
        else if (k > fl && k < fh) v = interpolate(s.t[k - 1]!, s.f[k - 1]!, s.t[k]!, s.f[k]!, ts, false);
        else if (k > fl) v = s.f[k - 1]!;
        else continue;
        points.push({ t: evalT, f: v });
        held++;
      }
      if (points.length > 0) {
        this.addSamples(held);
        out.push({ metric: s.metric, points });
      }
    }
    return out;
  }

  /** The series a range selector or subquery gives, with the window rules of evaluation. */
  async rangeSource(e: MatrixSelector | SubqueryExpr): Promise<RangeSource> {
    if (e.type === 'matrix') {
      const vs = e.vectorSelector;
      const at = this.atTime(vs.at);
      const offset = this.selectorOffset(vs);
      const range = e.rangeExpr ? this.duration(e.rangeExpr) : e.range;
      const refs = this.refTimes(at, offset);
      const mode = vs.anchored ? 'anchored' : vs.smoothed ? 'smoothed' : '';
      const before = mode ? this.lookback : 0;
      const after = mode === 'smoothed' ? this.lookback : 0;
      const mint = Math.min(refs[0]!, refs[refs.length - 1]!) - range - before + this.openStart;
      const maxt = Math.max(refs[0]!, refs[refs.length - 1]!) + after;
      const stats = this.p.statsSelectors.has(vs);
      const series = this.select(vs.matchers, mint, maxt).map((s): RangeSeries => splitSamples(s.labels, stats ? statsView(s.samples()) : s.samples()));
      return { series, range, offset, at, mode };
    }
    const range = e.rangeExpr ? this.duration(e.rangeExpr) : e.range;
    const offset = e.offsetExpr ? this.duration(e.offsetExpr) : e.offset;
    const at = this.atTime(e.at);
    let step = e.stepExpr ? this.duration(e.stepExpr) : e.step;
    if (step <= 0) step = this.p.subqueryStep;
    const from = (at ?? this.start) - offset - range;
    const to = (at ?? this.end) - offset;
    let start = step * Math.trunc(from / step);
    if (start < from + this.openStart) start += step;
    const sub = new Evaluator(this.storage, { ...this.p, start, end: to, interval: step });
    sub.samples = this.samples;
    let mat: Matrix = [];
    if (start <= to) mat = await sub.eval(e.expr);
    // The subquery's result is held until the caller has read its windows.
    this.samples = sub.samples;
    for (const w of sub.warnings) this.warnings.add(w);
    for (const i of sub.infos) this.infos.add(i);
    const series = mat.map((s): RangeSeries => {
      const out: RangeSeries = { metric: s.metric, t: [], f: [], ht: [], h: [], dropName: s.dropName };
      for (const p of s.points) {
        if (p.h) {
          (out.ht as number[]).push(p.t);
          // A subquery may skip or repeat samples, so the hints that compare neighbours no longer
          // hold: counter resets are detected afresh, as for floats (Prometheus's evalSubquery).
          let h = p.h;
          if (h.counterResetHint === 'reset' || h.counterResetHint === 'not_reset') {
            h = h.copy();
            h.counterResetHint = 'unknown';
          }
          out.h.push(h);
        } else {
          (out.t as number[]).push(p.t);
          (out.f as number[]).push(p.f);
        }
      }
      return out;
    });
    return { series, range, offset, at, mode: '' };
  }

  /** An instant query of a bare range selector or subquery: the raw points in its window. */
  private async evalRawMatrix(e: Expr): Promise<Matrix> {
    if (e.type === 'paren') return this.evalRawMatrix(e.expr);
    if (e.type !== 'matrix' && e.type !== 'subquery') throw new QueryError('execution', 'expected a range vector');
    const src = await this.rangeSource(e);
    const ref = (src.at ?? this.start) - src.offset;
    const out: Matrix = [];
    if (src.mode) return this.extendedMatrix(src, ref);
    const from = ref - src.range + this.openStart;
    for (const s of src.series) {
      const points: Point[] = [];
      let held = 0;
      for (let i = 0; i < s.t.length; i++) if (s.t[i]! >= from && s.t[i]! <= ref) points.push({ t: s.t[i]!, f: s.f[i]! });
      held += points.length;
      const floats = points.length;
      for (let i = 0; i < s.ht.length; i++)
        if (s.ht[i]! >= from && s.ht[i]! <= ref) {
          points.push({ t: s.ht[i]!, f: 0, h: s.h[i]! });
          held += histogramSamples(s.h[i]!);
        }
      if (floats > 0 && points.length > floats) points.sort((a, b) => a.t - b.t);
      if (points.length > 0) {
        this.addSamples(held);
        out.push({ metric: s.metric, points, dropName: s.dropName });
      }
    }
    out.sort((a, b) => compareLabels(a.metric, b.metric));
    return out;
  }

  /**
   * An anchored or smoothed range selector on its own (Prometheus's extendFloats): its window
   * with a point at each boundary, the value there picked (anchored) or interpolated (smoothed).
   */
  private extendedMatrix(src: RangeSource, ref: number): Matrix {
    const out: Matrix = [];
    const smoothed = src.mode === 'smoothed';
    const mint = ref - src.range;
    const maxt = ref;
    for (const s of src.series) {
      if (s.h.length > 0) throw new QueryError('execution', `${src.mode} modifier is not supported with histograms`);
      // The samples of the selection that the window (with its lookback) holds.
      let lo = 0;
      while (lo < s.t.length && s.t[lo]! <= mint - this.lookback) lo++;
      let hi = lo;
      while (hi < s.t.length && s.t[hi]! <= maxt + (smoothed ? this.lookback : 0)) hi++;
      if (hi === lo) continue;
      const e = windowEdges(s.t, s.f, lo, hi, mint, maxt, smoothed, false);
      if (!e) continue;
      const points: Point[] = [{ t: mint, f: e.left }];
      for (let i = e.first; i <= e.last; i++) points.push({ t: s.t[i]!, f: s.f[i]! });
      points.push({ t: maxt, f: e.right });
      this.addSamples(points.length);
      out.push({ metric: s.metric, points, dropName: s.dropName });
    }
    out.sort((a, b) => compareLabels(a.metric, b.metric));
    return out;
  }

  private evalCall(e: Call): Promise<Matrix> {
    const impl = FUNCTIONS[e.func.name];
    if (!impl) throw new QueryError('execution', `function "${e.func.name}" is not supported`);
    for (const a of e.args) {
      const vs = a.type === 'matrix' ? a.vectorSelector : null;
      if (vs?.anchored && !ANCHORED_SAFE.includes(e.func.name)) {
        throw new QueryError('execution', `anchored modifier can only be used with: ${ANCHORED_SAFE.join(', ')} - not with ${e.func.name}`);
      }
      if (vs?.smoothed && !SMOOTHED_SAFE.includes(e.func.name)) {
        throw new QueryError('execution', `smoothed modifier can only be used with: ${SMOOTHED_SAFE.join(', ')} - not with ${e.func.name}`);
      }
    }
    return impl(this, e);
  }

  /** Runs a function of instant vectors and scalars step by step (Prometheus's rangeEval). */
  async rangeEval(args: Expr[], f: (vals: (Vector | number)[], ts: number, step: number) => Vector): Promise<Matrix> {
    // As in Prometheus, the inputs count against the sample limit while they are held; once the
    // output is built, only the output does.
    const before = this.samples;
    const evaluated: { scalar?: Float64Array; vec?: Matrix }[] = [];
    for (const a of args) evaluated.push(typeOf(a) === 'scalar' ? { scalar: await this.evalScalarSteps(a) } : { vec: await this.eval(a) });
    const cursors = evaluated.map((a) => (a.vec ? new Int32Array(a.vec.length) : null));
    const out = new Map<string, Series>();
    const keys: SeriesKeys = new Map();
    const n = this.steps;
    for (let i = 0; i < n; i++) {
      await this.tick();
      const ts = this.stepTime(i);
      const vals = evaluated.map((a, k) => (a.scalar ? a.scalar[i]! : vectorAt(a.vec!, cursors[k]!, ts)));
      const res = f(vals, ts, i);
      if (res.length > 1) checkDuplicates(res, keys);
      for (const s of res) addPoint(out, keys, s, ts);
    }
    const result = [...out.values()];
    this.samples = before;
    this.addSamples(result.reduce((n, s) => n + s.points.length, 0));
    return result;
  }

  /** Runs a function over windows of a range argument, series by series. */
  async rangeFunc(
    arg: MatrixSelector | SubqueryExpr,
    keepName: boolean,
    f: (w: RangeArg, ts: number, step: number, metric: Labels) => number | FloatHistogram | null,
  ): Promise<Matrix> {
    // A subquery's points count until its windows are read; then only the output does.
    const before = this.samples;
    const src = await this.rangeSource(arg);
    const out: Matrix = [];
    const n = this.steps;
    const w: RangeArg = { t: [], f: [], lo: 0, hi: 0, ht: NO_TIMES, h: [], hlo: 0, hhi: 0, rangeStart: 0, rangeEnd: 0, metric: [], mode: src.mode };
    // Anchored and smoothed windows also hold a lookback's samples before (and, smoothed, after).
    const lookBefore = src.mode ? this.lookback : 0;
    const lookAfter = src.mode === 'smoothed' ? this.lookback : 0;
    let outSamples = 0;
    for (const s of src.series) {
      await this.tick();
      w.t = s.t;
      w.f = s.f;
      w.ht = s.ht;
      w.h = s.h;
      w.metric = s.metric;
      // Histograms count by their size: prefix sums make a window's weight one subtraction.
      let hsize: Float64Array | null = null;
      if (s.h.length > 0) {
        hsize = new Float64Array(s.h.length + 1);
        for (let k = 0; k < s.h.length; k++) hsize[k + 1] = hsize[k]! + histogramSamples(s.h[k]!);
      }
      let lo = 0;
      let hi = 0;
      let hlo = 0;
      let hhi = 0;
      const points: Point[] = [];
      let held = 0;
      let produced = 0;
      for (let i = 0; i < n; i++) {
        // A few series over many steps and wide windows is long work: yield within it too.
        if ((i & 63) === 63) await this.tick();
        const ts = this.stepTime(i);
        const ref = (src.at ?? ts) - src.offset;
        const from = ref - src.range;
        if (src.at !== null) {
          lo = hi = hlo = hhi = 0;
        }
        const start = from - lookBefore + this.openStart;
        const end = ref + lookAfter;
        while (lo < s.t.length && s.t[lo]! < start) lo++;
        if (hi < lo) hi = lo;
        while (hi < s.t.length && s.t[hi]! <= end) hi++;
        if (hsize) {
          while (hlo < s.ht.length && s.ht[hlo]! < start) hlo++;
          if (hhi < hlo) hhi = hlo;
          while (hhi < s.ht.length && s.ht[hhi]! <= end) hhi++;
        }
        w.lo = lo;
        w.hi = hi;
        w.hlo = hlo;
        w.hhi = hhi;
        w.rangeStart = from;
        w.rangeEnd = ref;
        const inWindow = hi - lo + (hsize ? hsize[hhi]! - hsize[hlo]! : 0);
        if (inWindow > held) {
          this.addSamples(inWindow - held);
          held = inWindow;
        }
        const v = f(w, ts, i, s.metric);
        if (v === null) continue;
        if (typeof v === 'number') {
          points.push({ t: ts, f: v });
          produced++;
        } else {
          points.push({ t: ts, f: 0, h: v });
          produced += histogramSamples(v);
        }
      }
      this.releaseSamples(held);
      if (points.length > 0) {
        this.addSamples(produced);
        outSamples += produced;
        out.push({ metric: s.metric, points, dropName: !keepName || s.dropName });
      }
    }
    this.samples = before + outSamples;
    return out;
  }

  private evalAggregate(e: AggregateExpr): Promise<Matrix> {
    return aggregate(this, e);
  }

  private async evalBinary(e: BinaryExpr): Promise<Matrix> {
    const lt = typeOf(e.lhs);
    const rt = typeOf(e.rhs);
    if (lt === 'scalar' && rt === 'scalar') {
      const a = await this.evalScalarSteps(e.lhs);
      const b = await this.evalScalarSteps(e.rhs);
      const points: Point[] = [];
      for (let i = 0; i < a.length; i++) points.push({ t: this.stepTime(i), f: scalarBinary(e.op, a[i]!, b[i]!, e.returnBool) });
      return [{ metric: [], points }];
    }
    return this.rangeEval([e.lhs, e.rhs], (vals) => binaryOp(e, vals[0]!, vals[1]!, lt, rt, this));
  }
}

/** The vector of a matrix at step time ts (each series' point at ts, if any). */
function vectorAt(mat: Matrix, cursors: Int32Array, ts: number): Vector {
  const out: Vector = [];
  for (let i = 0; i < mat.length; i++) {
    const s = mat[i]!;
    let c = cursors[i]!;
    while (c < s.points.length && s.points[c]!.t < ts) c++;
    cursors[i] = c;
    if (c < s.points.length && s.points[c]!.t === ts) {
      const p = s.points[c]!;
      out.push(p.h ? { metric: s.metric, t: ts, f: 0, h: p.h, dropName: s.dropName } : { metric: s.metric, t: ts, f: p.f, dropName: s.dropName });
    }
  }
  return out;
}

/** Per label-set object: its key, and the key of its series while a name removal is pending. */
type SeriesKeys = Map<Labels, { key: string; pending: string }>;

function keysOf(keys: SeriesKeys, metric: Labels): { key: string; pending: string } {
  // Steps give mostly the same label-set objects: their keys are computed once.
  let k = keys.get(metric);
  if (k === undefined) {
    const key = labelsKey(metric);
    keys.set(metric, (k = { key, pending: `\x00${key}` }));
  }
  return k;
}

function addPoint(out: Map<string, Series>, keys: SeriesKeys, s: Sample, ts: number): void {
  // A series whose name is still to be dropped is kept apart from one that keeps it.
  const k = keysOf(keys, s.metric);
  const key = s.dropName ? k.pending : k.key;
  let series = out.get(key);
  if (!series) out.set(key, (series = { metric: s.metric, points: [], dropName: s.dropName }));
  series.points.push(s.h ? { t: ts, f: 0, h: s.h } : { t: ts, f: s.f });
}

/**
 * Prometheus's Vector.ContainsSameLabelset, on the full label sets: a name still to be dropped
 * counts here; clashes it causes are found once it is dropped, at the end (finalize).
 */
export function checkDuplicates(v: Vector, keys: SeriesKeys = new Map()): void {
  const seen = new Set<string>();
  for (const s of v) {
    const key = keysOf(keys, s.metric).key;
    if (seen.has(key)) throw new QueryError('execution', 'vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
}

function overlaps(a: Point[], b: Point[]): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i]!.t === b[j]!.t) return true;
    if (a[i]!.t < b[j]!.t) i++;
    else j++;
  }
  return false;
}


/** A stored series as a range argument: floats and histograms apart, staleness markers dropped. */
function splitSamples(metric: Labels, smp: { t: Float64Array; v: Float64Array; h?: (FloatHistogram | undefined)[] }): RangeSeries {
  const { t, v, h } = smp;
  // Staleness markers, float or histogram, never appear in range vectors.
  let hists = 0;
  let stale = 0;
  for (let i = 0; i < v.length; i++) {
    const x = h?.[i];
    if (x ? isStaleNaN(x.sum) : isStaleNaN(v[i]!)) stale++;
    else if (x) hists++;
  }
  if (stale === 0 && hists === 0) return { metric, t, f: v, ht: NO_TIMES, h: [] };
  const n = v.length - stale - hists;
  const tt = new Float64Array(n);
  const ff = new Float64Array(n);
  const ht = new Float64Array(hists);
  const hh: FloatHistogram[] = [];
  let k = 0;
  for (let i = 0; i < v.length; i++) {
    const hist = h?.[i];
    if (hist) {
      if (isStaleNaN(hist.sum)) continue;
      ht[hh.length] = t[i]!;
      hh.push(hist);
    } else if (!isStaleNaN(v[i]!)) {
      tt[k] = t[i]!;
      ff[k++] = v[i]!;
    }
  }
  return { metric, t: tt, f: ff, ht, h: hh };
}

/**
 * Histograms as Prometheus's HistogramStatsIterator gives them: count and sum without buckets, an
 * unknown counter-reset hint replaced by what comparing with the sample read before says.
 */
function statsView(smp: { t: Float64Array; v: Float64Array; h?: (FloatHistogram | undefined)[] }): { t: Float64Array; v: Float64Array; h?: (FloatHistogram | undefined)[] } {
  const { h } = smp;
  if (!h) return smp;
  const out: (FloatHistogram | undefined)[] = new Array(h.length);
  let last: FloatHistogram | null = null;
  for (let i = 0; i < h.length; i++) {
    const cur = h[i];
    if (!cur) continue;
    let hint = cur.counterResetHint;
    if (!isStaleNaN(cur.sum)) {
      if (hint === 'unknown' && last) hint = cur.detectReset(last) ? 'reset' : 'not_reset';
      last = cur.copy();
      last.counterResetHint = hint;
    }
    out[i] = new FloatHistogram({ counterResetHint: hint, schema: cur.schema, count: cur.count, sum: cur.sum });
  }
  return { t: smp.t, v: smp.v, h: out };
}

/** The first index in [lo, hi) whose time is at least t. */
function lowerBound(t: ArrayLike<number>, x: number, lo = 0, hi = t.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
