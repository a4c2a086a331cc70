// Runs promqltest `.test` files (parsed by testfile.ts) against a PromQL engine and compares the
// results the way Prometheus's promql/promqltest/test.go does, so a pass here means what a pass
// means there. The engine is anything with instantQuery/rangeQuery; the CLI passes the real one,
// tests pass fakes.
//
// What the reference does that this runner cannot do by itself is FORMAT.md §8 check 2 (re-running
// each instant query with `@ T` on every selector): that needs a PromQL parser and printer, so it
// runs only when the caller supplies `stepInvariantRewrite`.
//
// Cases that need start timestamps (@st) or load_with_nhcb's converted histograms are counted as
// skipped, not failed: a case is skipped if any query it ran selected a series (in a time range)
// where the loaded data has such a sample. The storage handed to the engine watches selects to
// decide that, which is exact where FORMAT.md's count.mjs can only guess from the query text.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { compareLabels, compareStrings, formatLabels, getLabel, labelsFrom, labelsKey, type Label, type Labels } from '../model/labels.js';
import { customBucketBoundsMatch, type FloatHistogram, type Span } from '../model/histogram.js';
import type { Matcher } from '../model/matchers.js';
import { isStaleNaN, STALE_NAN } from '../model/value.js';
import type { Querier, Queryable } from '../tsdb/interface.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { goQuote } from './lexer.js';
import { almostEqual as numericAlmostEqual } from './numeric.js';
import {
  parseGoFloat,
  parseTestFile,
  TEST_START_MS,
  type EvalCommand,
  type Expectation,
  type ExpectedSeries,
  type HistogramLiteral,
  literalHistogram,
  type LoadCommand,
  type SequenceValue,
} from './testfile.js';
import { QueryError, type QueryResult, type QueryValue, type Sample, type Series } from './value.js';
import { formatGoV } from './printer.js';

/** The part of the engine (core/promql/engine.ts) the runner uses. */
export interface QueryEngine {
  instantQuery(storage: Queryable, query: string, timeMs: number, opts?: { signal?: AbortSignal }): Promise<QueryResult>;
  rangeQuery(storage: Queryable, query: string, startMs: number, endMs: number, stepMs: number, opts?: { signal?: AbortSignal }): Promise<QueryResult>;
}

/** The engine settings the corpus's expectations assume (FORMAT.md §9). */
export const PROMQL_TEST_ENGINE_OPTIONS = { lookbackDeltaMs: 5 * 60_000, maxSamples: 10_000, timeoutMs: 100_000 };

export interface RunOptions {
  /** Name used in reports (file:line). */
  file?: string;
  /**
   * FORMAT.md §8 check 2: returns `expr` with `@ <evalTimeMs/1000>` added to every selector and
   * subquery that lacks one (not inside a subquery that has one), printed canonically; or null
   * when the expression calls a function that is not step-invariant (time(), predict_linear, …).
   * Without it the runner does checks 1 and 3 only.
   */
  stepInvariantRewrite?: (expr: string, evalTimeMs: number) => string | null;
}

export type EvalStatus = 'passed' | 'failed' | 'skipped';

export interface EvalOutcome {
  file: string;
  line: number;
  /** The query; for problems outside evals (bad file syntax, rejected loads) a description. */
  expr: string;
  status: EvalStatus;
  /** Why it failed, with expected and actual results where they were compared. */
  message?: string;
  /** Why it was skipped. */
  reason?: string;
}

export interface PromqlTestReport {
  outcomes: EvalOutcome[];
  passed: number;
  failed: number;
  skipped: number;
  /** Skip reasons with their counts, most frequent first. */
  skipReasons: [string, number][];
}

export const SKIP_NHCB_SERIES = 'load_with_nhcb not supported: queries a histogram made by load_with_nhcb';
export const SKIP_START_TIMESTAMPS = 'start timestamps not supported: queries a series loaded with @st start timestamps';

// ---------------------------------------------------------------------------------------------
// Storage

interface UnsupportedSeries {
  labels: Labels;
  /** Timestamps of the samples this runner could not load as they are. */
  times: number[];
  reason: string;
}

/** A MemoryStorage that notes when a select reaches data the runner left out. */
class RunnerStorage implements Queryable {
  readonly mem = new MemoryStorage();
  readonly unsupported: UnsupportedSeries[] = [];
  readonly touched = new Set<string>();

  querier(mint: number, maxt: number): Querier {
    const q = this.mem.querier(mint, maxt);
    return {
      select: (matchers: Matcher[]) => {
        for (const u of this.unsupported)
          if (matchers.every((m) => m.matches(getLabel(u.labels, m.name))) && u.times.some((t) => t >= mint && t <= maxt)) this.touched.add(u.reason);
        return q.select(matchers);
      },
      labelNames: (matchers?: Matcher[]) => q.labelNames(matchers),
      labelValues: (name: string, matchers?: Matcher[]) => q.labelValues(name, matchers),
    };
  }
}

interface Failure {
  message: string;
}

async function execLoad(cmd: LoadCommand, storage: RunnerStorage): Promise<Failure | null> {
  const app = storage.mem.appender();
  for (const s of cmd.series) {
    const stTimes: number[] = [];
    const histograms = new HistogramSequence();
    for (let k = 0; k < s.values.length; k++) {
      const v = s.values[k]!;
      const t = TEST_START_MS + k * cmd.intervalMs;
      if (v.kind === 'omitted') continue;
      if (s.startTimestamps?.[k] != null) stTimes.push(t);
      let rejected;
      if (v.kind === 'histogram') {
        let h;
        try {
          h = histograms.next(v.histogram).h;
        } catch (err) {
          app.rollback();
          return { message: `load (line ${s.line}): ${(err as Error).message}` };
        }
        rejected = app.appendHistogram!(s.metric, t, h);
      } else {
        // The constant itself, so the marker reaches storage with Prometheus's exact bits.
        rejected = v.kind === 'stale' ? app.append(s.metric, t, STALE_NAN) : app.append(s.metric, t, v.value);
      }
      if (rejected) {
        app.rollback();
        return { message: `load (line ${s.line}): sample of ${formatLabels(s.metric)} at t=${t} rejected: ${rejected.replace(/_/g, ' ')}` };
      }
    }
    if (stTimes.length > 0) storage.unsupported.push({ labels: s.metric, times: stTimes, reason: SKIP_START_TIMESTAMPS });
  }
  if (cmd.withNhcb) storage.unsupported.push(...nhcbSeries(cmd));
  await app.commit();
  return null;
}

/**
 * The series load_with_nhcb would add: per classic histogram (X_bucket/X_count/X_sum grouped by
 * their other labels, `le` aside) a native histogram named X at each timestamp any of them has.
 */
function nhcbSeries(cmd: LoadCommand): UnsupportedSeries[] {
  const groups = new Map<string, UnsupportedSeries>();
  for (const s of cmd.series) {
    const name = getLabel(s.metric, '__name__');
    const m = /^(.*)_(bucket|count|sum)$/.exec(name);
    if (!m) continue;
    if (m[2] === 'bucket') {
      const le = parseGoFloat(getLabel(s.metric, 'le'));
      if (le === null || Number.isNaN(le)) continue;
    }
    const labels = labelsFrom([...s.metric.filter((l) => l.name !== 'le' && l.name !== '__name__').map((l) => [l.name, l.value] as const), ['__name__', m[1]!]]);
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, times: [], reason: SKIP_NHCB_SERIES }));
    s.values.forEach((v, k) => {
      if (v.kind === 'float' || v.kind === 'stale') g.times.push(TEST_START_MS + k * cmd.intervalMs);
    });
  }
  return [...groups.values()];
}

// ---------------------------------------------------------------------------------------------
// Comparison (test.go's compareResult and friends)

const DEFAULT_EPSILON = 0.000001;

/** util/almost.Equal, where the stale marker equals only itself. */
export function almostEqual(a: number, b: number, epsilon = DEFAULT_EPSILON): boolean {
  const sa = isStaleNaN(a);
  const sb = isStaleNaN(b);
  if (sa || sb) return sa && sb;
  return numericAlmostEqual(a, b, epsilon);
}

/** A label set's key whatever order the engine put its labels in. */
function resultKey(labels: Labels): string {
  for (let i = 1; i < labels.length; i++)
    if (labels[i - 1]!.name > labels[i]!.name) return labelsKey([...labels].sort((x: Label, y: Label) => compareStrings(x.name, y.name)));
  return labelsKey(labels);
}

/** The float an expected slot stands for (an omitted one is Go's zero SequenceValue: 0). */
function expectedFloat(v: SequenceValue): number {
  return v.kind === 'float' ? v.value : v.kind === 'stale' ? STALE_NAN : 0;
}

/** Go's %v for a float64 (shortest 'g'), with the stale marker named. */
export function formatFloat(v: number): string {
  return isStaleNaN(v) ? 'stale' : formatGoV(v);
}

function formatSequence(values: SequenceValue[]): string {
  return values.map((v) => (v.kind === 'omitted' ? '_' : v.kind === 'histogram' ? v.histogram.text : formatFloat(expectedFloat(v)))).join(' ');
}

/**
 * The histograms of a series description, as Prometheus's test parser builds them: a literal
 * `{{...}}` as written, `{{A}}+{{B}}xN` (or `-`) as A, A+B, A+2B … by histogram addition.
 * hintSet: the literal named its counter_reset_hint (for a sequence, the increment did), so a
 * result's hint must match it.
 */
class HistogramSequence {
  private prev: { lit: HistogramLiteral; h: FloatHistogram } | null = null;

  next(lit: HistogramLiteral): { h: FloatHistogram; hintSet: boolean } {
    const step = lit.step;
    if (!step) return { h: literalHistogram(lit.fields), hintSet: 'counter_reset_hint' in lit.fields };
    const hintSet = 'counter_reset_hint' in step.by.fields;
    let h: FloatHistogram;
    const prev = this.prev;
    if (step.index === 0) h = literalHistogram(lit.fields);
    else if (prev && prev.lit.step?.by === step.by && prev.lit.step.index === step.index - 1) {
      const inc = literalHistogram(step.by.fields);
      if (prev.h.schema > inc.schema) throw new Error(`error combining histograms: cannot merge from schema ${inc.schema} to ${prev.h.schema}`);
      h = prev.h.copy();
      if (step.op === '+') h.add(inc);
      else h.sub(inc);
    } else {
      // Not reached in order (an expected result): rebuild from the start.
      let cur = literalHistogram(lit.fields);
      const inc = literalHistogram(step.by.fields);
      for (let i = 1; i <= step.index; i++) {
        cur = cur.copy();
        if (step.op === '+') cur.add(inc);
        else cur.sub(inc);
      }
      h = cur;
    }
    this.prev = { lit, h };
    return { h, hintSet };
  }
}

/** The expected histograms of one expected series, by slot (undefined where a slot is not one). */
function expectedHistograms(values: SequenceValue[]): ({ h: FloatHistogram; hintSet: boolean } | undefined)[] {
  const seq = new HistogramSequence();
  return values.map((v) => (v.kind === 'histogram' ? seq.next(v.histogram) : undefined));
}

/** test.go's compareNativeHistogram, on compacted copies. */
function sameHistogram(expected: FloatHistogram, actual: FloatHistogram, hintSet: boolean): boolean {
  const exp = expected.copy().compact(0);
  const cur = actual.copy().compact(0);
  if (exp.schema !== cur.schema || !almostEqual(exp.count, cur.count) || !almostEqual(exp.sum, cur.sum)) return false;
  if (exp.usesCustomBuckets() && !customBucketBoundsMatch(exp.customValues, cur.customValues)) return false;
  if (exp.zeroThreshold !== cur.zeroThreshold || !almostEqual(exp.zeroCount, cur.zeroCount)) return false;
  const spans = (a: Span[], b: Span[]) => a.length === b.length && a.every((s, i) => s.offset === b[i]!.offset && s.length === b[i]!.length);
  const buckets = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => almostEqual(x, b[i]!));
  if (!spans(exp.negativeSpans, cur.negativeSpans) || !buckets(exp.negativeBuckets, cur.negativeBuckets)) return false;
  if (!spans(exp.positiveSpans, cur.positiveSpans) || !buckets(exp.positiveBuckets, cur.positiveBuckets)) return false;
  return !hintSet || exp.counterResetHint === cur.counterResetHint;
}

function seriesName(labels: Labels): string {
  return labels.length === 0 ? '{}' : formatLabels(labels);
}

const LISTING_LIMIT = 25;

function listing(lines: string[]): string {
  if (lines.length === 0) return '  (none)';
  const shown = lines.slice(0, LISTING_LIMIT).map((l) => `  ${l}`);
  if (lines.length > LISTING_LIMIT) shown.push(`  … and ${lines.length - LISTING_LIMIT} more`);
  return shown.join('\n');
}

function describeExpected(cmd: EvalCommand): string[] {
  if (cmd.expectScalar) return [`scalar ${formatFloat(cmd.scalar ?? 0)}`];
  if (cmd.expectedString !== '') return [`string ${goQuote(cmd.expectedString)}`];
  const range = cmd.isRange || cmd.expectRangeVector;
  return [...cmd.expected]
    .sort((a, b) => a.pos - b.pos)
    .map((e) => {
      if (!range) return `${seriesName(e.metric)} ${formatSequence(e.values)}`;
      // Show each expected point with its timestamp, to line up with the actual points.
      const pts = e.values.flatMap((v, i) => (v.kind === 'omitted' ? [] : [`${formatSequence([v])} @${cmd.startMs + i * cmd.stepMs}`]));
      return `${seriesName(e.metric)} ${pts.join(', ')}`;
    });
}

function describeValue(v: QueryValue): string[] {
  switch (v.type) {
    case 'scalar':
      return [`scalar ${formatFloat(v.value.v)}`];
    case 'string':
      return [`string ${goQuote(v.value.s)}`];
    case 'vector':
      return v.value.map((s) => `${seriesName(s.metric)} ${s.h ? s.h.testExpression() : formatFloat(s.f)}`);
    case 'matrix':
      return v.value.map((s) => `${seriesName(s.metric)} ${s.points.map((p) => `${p.h ? p.h.testExpression() : formatFloat(p.f)} @${p.t}`).join(', ')}`);
  }
}

/** The reference's error, plus both sides so the difference can be seen at a glance. */
function mismatch(cmd: EvalCommand, got: QueryValue, message: string): Failure {
  return { message: `${message}\nexpected:\n${listing(describeExpected(cmd))}\ngot:\n${listing(describeValue(got))}` };
}

function isOrdered(cmd: EvalCommand): boolean {
  return cmd.ordered || cmd.expects.ordered.length > 0;
}

function isFail(cmd: EvalCommand): boolean {
  return cmd.fail || cmd.expects.fail.length > 0;
}

function formatSeriesResult(s: Series): string {
  const floats = s.points.filter((p) => !p.h);
  const hists = s.points.filter((p) => p.h);
  return (
    `${floats.length} float point${floats.length === 1 ? '' : 's'} [${floats.map((p) => `${formatFloat(p.f)} @[${p.t}]`).join(' ')}]` +
    ` and ${hists.length} histogram point${hists.length === 1 ? '' : 's'} [${hists.map((p) => `${p.h!.testExpression()} @[${p.t}]`).join(' ')}]`
  );
}

function assertMatrixSorted(m: Series[]): string | null {
  for (let i = 0; i + 1 < m.length; i++)
    if (compareLabels(m[i]!.metric, m[i + 1]!.metric) > 0)
      return `matrix results should always be sorted by labels, but matrix is not sorted: series at index ${i + 1} with labels ${seriesName(m[i + 1]!.metric)} sorts before series at index ${i} with labels ${seriesName(m[i]!.metric)}`;
  return null;
}

/** test.go's compareResult: null when the value is what the eval block expects. */
export function compareResult(cmd: EvalCommand, value: QueryValue): Failure | null {
  const expected = new Map<string, ExpectedSeries>(cmd.expected.map((e) => [labelsKey(e.metric), e]));
  const fail = (msg: string) => mismatch(cmd, value, msg);
  switch (value.type) {
    case 'matrix': {
      if (isOrdered(cmd)) return fail('expected ordered result, but query returned a matrix');
      if (cmd.expectScalar) return fail('expected scalar result, but got matrix');
      const unsorted = assertMatrixSorted(value.value);
      if (unsorted) return fail(unsorted);
      const seen = new Set<string>();
      for (const s of value.value) {
        const key = resultKey(s.metric);
        const exp = expected.get(key);
        if (!exp) return fail(`unexpected metric ${seriesName(s.metric)} in result, has ${formatSeriesResult(s)}`);
        seen.add(key);
        const expPoints: { t: number; f: number }[] = [];
        const expHists: { t: number; h: FloatHistogram; hintSet: boolean }[] = [];
        const hists = expectedHistograms(exp.values);
        for (let i = 0; i < exp.values.length; i++) {
          const t = cmd.startMs + i * cmd.stepMs;
          if (t > cmd.endMs) return fail(`expected ${exp.values.length} points for ${seriesName(exp.metric)}, but query time range cannot return this many points`);
          const e = exp.values[i]!;
          if (e.kind === 'histogram') expHists.push({ t, ...hists[i]! });
          else if (e.kind !== 'omitted') expPoints.push({ t, f: expectedFloat(e) });
        }
        const floats = s.points.filter((p) => !p.h);
        const actualHists = s.points.filter((p) => p.h);
        if (expPoints.length !== floats.length || expHists.length !== actualHists.length)
          return fail(`expected ${expPoints.length} float points and ${expHists.length} histogram points for ${seriesName(exp.metric)}, but got ${formatSeriesResult(s)}`);
        for (let i = 0; i < expHists.length; i++) {
          const e = expHists[i]!;
          const a = actualHists[i]!;
          if (e.t !== a.t)
            return fail(`expected histogram value at index ${i} for ${seriesName(exp.metric)} to have timestamp ${e.t}, but it had timestamp ${a.t} (result has ${formatSeriesResult(s)})`);
          if (!sameHistogram(e.h, a.h!, e.hintSet))
            return fail(
              `expected histogram value at index ${i} (t=${a.t}) for ${seriesName(exp.metric)} to be ${e.h.testExpression()}, but got ${a.h!.testExpression()} (result has ${formatSeriesResult(s)})`,
            );
        }
        for (let i = 0; i < expPoints.length; i++) {
          const e = expPoints[i]!;
          const a = floats[i]!;
          if (e.t !== a.t)
            return fail(`expected float value at index ${i} for ${seriesName(exp.metric)} to have timestamp ${e.t}, but it had timestamp ${a.t} (result has ${formatSeriesResult(s)})`);
          if (!almostEqual(a.f, e.f))
            return fail(`expected float value at index ${i} (t=${a.t}) for ${seriesName(exp.metric)} to be ${formatFloat(e.f)}, but got ${formatFloat(a.f)} (result has ${formatSeriesResult(s)})`);
        }
      }
      for (const [key, e] of expected) if (!seen.has(key)) return fail(`expected metric ${seriesName(e.metric)} not found`);
      return null;
    }
    case 'vector': {
      if (cmd.expectScalar) return fail('expected scalar result, but got vector');
      const seen = new Set<string>();
      for (let pos = 0; pos < value.value.length; pos++) {
        const v: Sample = value.value[pos]!;
        const key = resultKey(v.metric);
        const exp = expected.get(key);
        if (!exp) return fail(`unexpected metric ${seriesName(v.metric)} in result, has value ${v.h ? v.h.testExpression() : formatFloat(v.f)}`);
        if (isOrdered(cmd) && exp.pos !== pos + 1)
          return fail(`expected metric ${seriesName(v.metric)} with [${formatSequence(exp.values)}] at position ${exp.pos} but was at ${pos + 1}`);
        const exp0 = exp.values[0];
        if (exp0 === undefined) return fail(`no value given for ${seriesName(exp.metric)} (line ${exp.line})`);
        if (exp0.kind !== 'histogram' && v.h) return fail(`expected float value ${formatFloat(expectedFloat(exp0))} for ${seriesName(v.metric)} but got histogram ${v.h.testExpression()}`);
        if (exp0.kind === 'histogram') {
          const e = expectedHistograms([exp0])[0]!;
          if (!v.h) return fail(`expected histogram ${e.h.testExpression()} for ${seriesName(v.metric)} but got float value ${formatFloat(v.f)}`);
          if (!sameHistogram(e.h, v.h, e.hintSet)) return fail(`expected ${e.h.testExpression()} for ${seriesName(v.metric)} but got ${v.h.testExpression()}`);
        } else if (!almostEqual(expectedFloat(exp0), v.f)) return fail(`expected ${formatFloat(expectedFloat(exp0))} for ${seriesName(v.metric)} but got ${formatFloat(v.f)}`);
        seen.add(key);
      }
      for (const [key, e] of expected) if (!seen.has(key)) return fail(`expected metric ${seriesName(e.metric)} with [${formatSequence(e.values)}] not found`);
      return null;
    }
    case 'scalar':
      if (!cmd.expectScalar) return fail(`expected vector or matrix result, but got scalar ${formatFloat(value.value.v)}`);
      if (!almostEqual(cmd.scalar ?? 0, value.value.v)) return fail(`expected scalar ${formatFloat(cmd.scalar ?? 0)} but got ${formatFloat(value.value.v)}`);
      return null;
    case 'string':
      if (cmd.expectedString !== value.value.s) return fail(`expected string "${cmd.expectedString}" but got "${value.value.s}"`);
      return null;
  }
}

function checkMatch(e: Expectation, s: string): boolean {
  return e.regex ? e.regex.test(s) : e.message === s;
}

function describeExpectation(e: Expectation): string {
  return `${e.regex ? 'pattern' : 'message'} ${goQuote(e.regex ? e.regex.expr : (e.message ?? ''))}`;
}

function checkAnnotationsOfType(expr: string, line: number, expected: Expectation[], actual: string[], type: string, all: string[]): Failure | null {
  if (expected.length === 0) return null;
  if (actual.length === 0) return { message: `expected ${type} annotations but none were found for query ${goQuote(expr)} (line ${line})` };
  for (const e of expected)
    if (!actual.some((a) => checkMatch(e, a)))
      return {
        message: `expected ${type} annotation matching ${describeExpectation(e)} but no matching annotation was found for query ${goQuote(expr)} (line ${line}), found:\n${listing(all)}`,
      };
  for (const a of actual)
    if (!expected.some((e) => checkMatch(e, a))) return { message: `unexpected ${type} annotation ${goQuote(a)} found for query ${expr} (line ${line})` };
  return null;
}

/** test.go's checkAnnotations. With no warn/info expectations at all, anything goes. */
export function checkAnnotations(cmd: EvalCommand, expr: string, res: Pick<QueryResult, 'warnings' | 'infos'>): Failure | null {
  const all = [...res.warnings, ...res.infos];
  if (cmd.warn && res.warnings.length === 0) return { message: `expected warnings evaluating query ${goQuote(expr)} (line ${cmd.line}) but got none` };
  if (cmd.info && res.infos.length === 0) return { message: `expected info annotations evaluating query ${goQuote(expr)} (line ${cmd.line}) but got none` };
  const w = checkAnnotationsOfType(expr, cmd.line, cmd.expects.warn, res.warnings, 'warn', all);
  if (w) return w;
  const i = checkAnnotationsOfType(expr, cmd.line, cmd.expects.info, res.infos, 'info', all);
  if (i) return i;
  if (cmd.expects.no_warn.length > 0 && res.warnings.length > 0)
    return { message: `unexpected warning annotations evaluating query ${goQuote(expr)} (line ${cmd.line}):\n${listing(all)}` };
  if (cmd.expects.no_info.length > 0 && res.infos.length > 0)
    return { message: `unexpected info annotations evaluating query ${goQuote(expr)} (line ${cmd.line}):\n${listing(all)}` };
  return null;
}

function checkExpectedFailure(cmd: EvalCommand, err: Error): Failure | null {
  const msg = err.message;
  if (cmd.expectedFailMessage && cmd.expectedFailMessage !== msg)
    return { message: `expected error ${goQuote(cmd.expectedFailMessage)} evaluating query ${goQuote(cmd.expr)} (line ${cmd.line}), but got: ${msg}` };
  if (cmd.expectedFailRegexp && !cmd.expectedFailRegexp.test(msg))
    return { message: `expected error matching pattern ${goQuote(cmd.expectedFailRegexp.expr)} evaluating query ${goQuote(cmd.expr)} (line ${cmd.line}), but got: ${msg}` };
  const f = cmd.expects.fail[0];
  if (f && !checkMatch(f, msg)) return { message: `expected error matching ${goQuote(f.text)} evaluating query ${goQuote(cmd.expr)} (line ${cmd.line}), but got: ${msg}` };
  return null;
}

// ---------------------------------------------------------------------------------------------
// Execution (test.go's execRangeEval / execInstantEval / runInstantQuery)

type Attempt = { ok: true; res: QueryResult } | { ok: false; err: Error };

/** Query errors are results to compare; anything else thrown is a crash and propagates. */
async function attempt(run: () => Promise<QueryResult>): Promise<Attempt> {
  try {
    return { ok: true, res: await run() };
  } catch (err) {
    // The errorType check accepts a QueryError from a second copy of value.ts (bundles, mocks).
    if (err instanceof QueryError || (err instanceof Error && typeof (err as Partial<QueryError>).errorType === 'string')) return { ok: false, err };
    throw err;
  }
}

async function execRangeEval(cmd: EvalCommand, engine: QueryEngine, storage: Queryable): Promise<Failure | null> {
  const r = await attempt(() => engine.rangeQuery(storage, cmd.expr, cmd.startMs, cmd.endMs, cmd.stepMs));
  if (!r.ok) {
    if (isFail(cmd)) return checkExpectedFailure(cmd, r.err);
    return { message: `error evaluating query ${goQuote(cmd.expr)} (line ${cmd.line}): ${r.err.message}` };
  }
  if (isFail(cmd)) return { message: `expected error evaluating query ${goQuote(cmd.expr)} (line ${cmd.line}) but got none` };
  return checkAnnotations(cmd, cmd.expr, r.res) ?? compareResult(cmd, r.res.result);
}

// Queries that read the evaluation range itself give different answers in range mode.
const QUERY_CONTEXT_FUNCS = /(start|end|range|step)\(\)/;

async function runInstantQuery(cmd: EvalCommand, expr: string, t: number, engine: QueryEngine, storage: Queryable): Promise<Failure | null> {
  const r = await attempt(() => engine.instantQuery(storage, expr, t));
  const at = expr === cmd.expr ? '' : ` (as ${goQuote(expr)} at t=${t})`;
  if (!r.ok) {
    if (isFail(cmd)) {
      const f = checkExpectedFailure(cmd, r.err);
      return f && { message: f.message + at };
    }
    return { message: `error evaluating query ${goQuote(expr)} (line ${cmd.line}): ${r.err.message}` };
  }
  if (isFail(cmd)) return { message: `expected error evaluating query ${goQuote(expr)} (line ${cmd.line}) but got none${at}` };
  const annotations = checkAnnotations(cmd, expr, r.res);
  if (annotations) return { message: annotations.message + at };
  const cmp = compareResult(cmd, r.res.result);
  if (cmp) return { message: `${cmp.message.replace(/\n/, `${at}\n`)}` };

  if (cmd.excludeFromRangeQuery || QUERY_CONTEXT_FUNCS.test(expr)) return null;
  const rr = await attempt(() => engine.rangeQuery(storage, expr, t - 60_000, t + 60_000, 60_000));
  if (!rr.ok) return { message: `error evaluating query ${goQuote(expr)} (line ${cmd.line}) in range mode: ${rr.err.message}` };
  // Range queries always come back sorted by labels, so an expected order cannot be checked.
  if (isOrdered(cmd)) return null;
  const mode = ` in range mode (from ${t - 60_000} to ${t + 60_000} step 60000, the point at ${t})${at}`;
  if (rr.res.result.type !== 'matrix') return { message: `range query returned a ${rr.res.result.type}, not a matrix${mode}` };
  const unsorted = assertMatrixSorted(rr.res.result.value);
  if (unsorted) return { message: unsorted + mode };
  const vec: Sample[] = [];
  for (const s of rr.res.result.value) {
    const p = s.points.find((q) => q.t === t);
    if (p) vec.push({ metric: s.metric, t: p.t, f: p.f, h: p.h });
  }
  let value: QueryValue;
  if (r.res.result.type === 'scalar') {
    if (vec.length === 0) return { message: `the range query has no point at ${t}${mode}` };
    value = { type: 'scalar', value: { t, v: vec[0]!.f } };
  } else {
    value = { type: 'vector', value: vec };
  }
  const f = compareResult(cmd, value);
  return f && { message: f.message.replace(/\n/, `${mode}\n`) };
}

async function execInstantEval(cmd: EvalCommand, engine: QueryEngine, storage: Queryable, opts: RunOptions): Promise<Failure | null> {
  const runs: [string, number][] = [[cmd.expr, cmd.evalMs]];
  const rewritten = opts.stepInvariantRewrite?.(cmd.expr, cmd.evalMs);
  if (rewritten != null) {
    const ts = cmd.evalMs;
    // Go's int64 division truncates, hence Math.trunc for T/5.
    const times = ts === 0 ? [-1000, 0, 1000] : [-10 * ts, 0, Math.trunc(ts / 5), ts, 10 * ts];
    for (const t of times) runs.push([rewritten, t]);
  }
  for (const [expr, t] of runs) {
    const f = await runInstantQuery(cmd, expr, t, engine, storage);
    if (f) return f;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Files and reports

/** Runs one file's text; returns an outcome per eval plus one per file or load error. */
export async function runPromqlTest(source: string, engine: QueryEngine, opts: RunOptions = {}): Promise<EvalOutcome[]> {
  const file = opts.file ?? '<input>';
  const parsed = parseTestFile(source);
  const outcomes: EvalOutcome[] = parsed.errors.map((e) => ({ file, line: e.line, expr: '(invalid test file)', status: 'failed', message: e.message }));
  let storage = new RunnerStorage();
  for (const cmd of parsed.commands) {
    if (cmd.kind === 'clear') {
      storage = new RunnerStorage();
    } else if (cmd.kind === 'load') {
      const f = await execLoad(cmd, storage);
      if (f) outcomes.push({ file, line: cmd.line, expr: '(load)', status: 'failed', message: f.message });
    } else {
      outcomes.push(await runEval(cmd, engine, storage, opts, file));
    }
  }
  return outcomes.sort((a, b) => a.line - b.line);
}

async function runEval(cmd: EvalCommand, engine: QueryEngine, storage: RunnerStorage, opts: RunOptions, file: string): Promise<EvalOutcome> {
  const base = { file, line: cmd.line, expr: cmd.expr };
  storage.touched.clear();
  let failure: Failure | null;
  try {
    failure = cmd.isRange ? await execRangeEval(cmd, engine, storage) : await execInstantEval(cmd, engine, storage, opts);
  } catch (err) {
    failure = { message: `the engine threw instead of returning or raising a QueryError: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` };
  }
  // Whatever the outcome, it says nothing about the engine if the data it read was incomplete.
  const [reason] = [...storage.touched].sort();
  if (reason) return { ...base, status: 'skipped', reason };
  return failure ? { ...base, status: 'failed', message: failure.message } : { ...base, status: 'passed' };
}

export function summarize(outcomes: EvalOutcome[]): PromqlTestReport {
  const reasons = new Map<string, number>();
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const o of outcomes) {
    if (o.status === 'passed') passed++;
    else if (o.status === 'failed') failed++;
    else {
      skipped++;
      const r = o.reason ?? 'unknown';
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
  }
  const skipReasons = [...reasons].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { outcomes, passed, failed, skipped, skipReasons };
}

/** Reads and runs each file (each on fresh storage), for the CLI and for vitest. */
export async function runPromqlTestFiles(paths: string[], engine: QueryEngine, opts: Omit<RunOptions, 'file'> = {}): Promise<PromqlTestReport> {
  const outcomes: EvalOutcome[] = [];
  for (const p of paths) outcomes.push(...(await runPromqlTest(await readFile(p, 'utf8'), engine, { ...opts, file: p })));
  return summarize(outcomes);
}

export function summaryLine(r: PromqlTestReport): string {
  return `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`;
}

/** Failures (and with `verbose` the skipped cases), skip reasons, then the summary line last. */
export function formatReport(r: PromqlTestReport, opts: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  for (const o of r.outcomes) {
    if (o.status === 'failed') out.push(`${o.file}:${o.line}: ${o.expr}\n    ${(o.message ?? '').replace(/\n/g, '\n    ')}`);
    else if (o.status === 'skipped' && opts.verbose) out.push(`${o.file}:${o.line}: ${o.expr}\n    skipped: ${o.reason ?? 'unknown'}`);
  }
  if (r.skipReasons.length > 0) out.push(`skipped:\n${r.skipReasons.map(([reason, n]) => `  ${String(n).padStart(5)}  ${reason}`).join('\n')}`);
  out.push(summaryLine(r));
  return out.join('\n');
}

const HELP = `Usage: kubeglass promql-test [--min-pass N] [--verbose] FILE...

Runs Prometheus promqltest files (e.g. promql/promqltest/testdata/*.test) against Kubeglass's
PromQL engine and prints each failing eval with the difference, then a summary. Cases that need
start timestamps (@st) or load_with_nhcb are counted as skipped.

  --min-pass N   judge by the pass count alone: fail only when fewer than N evals passed
                 (CI records the count reached, so known failures do not hide regressions)
  --verbose      list the skipped cases too`;

/** `kubeglass promql-test`: 0 when nothing failed (with --min-pass: when N passed), 1 otherwise, 2 on misuse. */
export async function promqlTestCommand(
  argv: string[],
  makeEngine: () => QueryEngine,
  print: (s: string) => void = (s) => console.log(s),
  printErr: (s: string) => void = (s) => console.error(s),
  runOptions: Omit<RunOptions, 'file'> = {},
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'min-pass': { type: 'string' }, verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    print(HELP);
    return 0;
  }
  const minPassText = values['min-pass'];
  const minPass = minPassText === undefined ? 0 : Number(minPassText);
  if (positionals.length === 0 || !Number.isInteger(minPass) || minPass < 0) {
    printErr(`kubeglass promql-test: ${positionals.length === 0 ? 'at least one FILE is required' : `--min-pass takes a whole number, not "${minPassText}"`}\n\n${HELP}`);
    return 2;
  }
  const report = await runPromqlTestFiles(positionals, makeEngine(), runOptions);
  const text = formatReport(report, { verbose: values.verbose ?? false });
  const lastNl = text.lastIndexOf('\n');
  const tooFew = report.passed < minPass;
  // The summary stays the last line, after the --min-pass verdict.
  if (tooFew) print(`${text.slice(0, lastNl + 1)}fewer evals passed than --min-pass ${minPass}\n${text.slice(lastNl + 1)}`);
  else print(text);
  if (minPassText !== undefined) return tooFew ? 1 : 0;
  return report.failed > 0 ? 1 : 0;
}
