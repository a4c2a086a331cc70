import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareLabels, labelsFrom, type Labels } from '../model/labels.js';
import { Matcher } from '../model/matchers.js';
import { isStaleNaN, STALE_NAN } from '../model/value.js';
import type { Queryable } from '../tsdb/interface.js';
import {
  almostEqual,
  formatFloat,
  formatReport,
  PROMQL_TEST_ENGINE_OPTIONS,
  promqlTestCommand,
  runPromqlTest,
  SKIP_NHCB_SERIES,
  SKIP_START_TIMESTAMPS,
  summarize,
  type EvalOutcome,
  type QueryEngine,
} from './promqltest.js';
import { PromEngine } from './engine.js';
import { QueryError, type QueryResult, type QueryValue, type Series } from './value.js';

// ---------------------------------------------------------------------------------------------
// A fake engine: canned answers per query, plus bare metric names looked up in the storage the
// runner loaded (newest non-stale sample in the 5m lookback), so load and skip logic are real.

type Answer = QueryValue | QueryResult | QueryError | Error;
type Handler = (query: string, t: number, mode: 'instant' | 'range', storage: Queryable) => Answer | undefined;

interface Call {
  mode: 'instant' | 'range';
  query: string;
  t: number;
  end?: number;
  step?: number;
}

function lookup(storage: Queryable, name: string, t: number): QueryValue {
  const series = storage.querier(t - 300_000 + 1, t).select([new Matcher('=', '__name__', name)]);
  const value = [];
  for (const s of series) {
    const { t: ts, v } = s.samples();
    if (ts.length > 0 && !isStaleNaN(v[v.length - 1]!)) value.push({ metric: s.labels, t, f: v[v.length - 1]! });
  }
  return { type: 'vector', value };
}

function fakeEngine(handler: Handler = () => undefined): QueryEngine & { calls: Call[] } {
  const calls: Call[] = [];
  const answer = (query: string, t: number, mode: 'instant' | 'range', storage: Queryable): QueryResult => {
    const a = handler(query, t, mode, storage) ?? (/^[a-z_:]+$/.test(query) ? lookup(storage, query, t) : undefined);
    if (a === undefined) throw new QueryError('bad_data', `no canned answer for ${query}`);
    if (a instanceof Error) throw a;
    return 'result' in a ? a : { result: a, warnings: [], infos: [] };
  };
  return {
    calls,
    async instantQuery(storage, query, t) {
      calls.push({ mode: 'instant', query, t });
      return answer(query, t, 'instant', storage);
    },
    // Builds the matrix from an instant answer per step, so range mode agrees unless told not to.
    async rangeQuery(storage, query, start, end, step) {
      calls.push({ mode: 'range', query, t: start, end, step });
      const byKey = new Map<string, Series>();
      let warnings: string[] = [];
      for (let t = start; t <= end; t += step) {
        const r = answer(query, t, 'range', storage);
        warnings = r.warnings;
        if (r.result.type === 'matrix') return r;
        const samples = r.result.type === 'vector' ? r.result.value : r.result.type === 'scalar' ? [{ metric: [], t, f: r.result.value.v }] : [];
        for (const s of samples) {
          const key = JSON.stringify(s.metric);
          if (!byKey.has(key)) byKey.set(key, { metric: s.metric, points: [] });
          byKey.get(key)!.points.push({ t, f: s.f });
        }
      }
      const value = [...byKey.values()].sort((a, b) => compareLabels(a.metric, b.metric));
      return { result: { type: 'matrix', value }, warnings, infos: [] };
    },
  };
}

const L = (r: Record<string, string>): Labels => labelsFrom(r);
const vec = (...samples: [Record<string, string>, number][]): QueryValue => ({ type: 'vector', value: samples.map(([m, f]) => ({ metric: L(m), t: 0, f })) });
const scalar = (v: number): QueryValue => ({ type: 'scalar', value: { t: 0, v } });
const withAnnotations = (result: QueryValue, warnings: string[], infos: string[] = []): QueryResult => ({ result, warnings, infos });

async function runOne(text: string, handler?: Handler): Promise<EvalOutcome> {
  const outcomes = await runPromqlTest(text, fakeEngine(handler), { file: 't.test' });
  expect(outcomes).toHaveLength(1);
  return outcomes[0]!;
}

// ---------------------------------------------------------------------------------------------

describe('almostEqual (util/almost.Equal with epsilon 1e-6)', () => {
  it.each<[number, number, boolean]>([
    [1, 1, true],
    [1, 1 + 1e-7, true],
    [1, 1 + 1e-5, false],
    [1e300, 1.0000001e300, true],
    [NaN, NaN, true],
    [STALE_NAN, STALE_NAN, true],
    [STALE_NAN, NaN, false],
    [NaN, STALE_NAN, false],
    [Infinity, Infinity, true],
    [Infinity, -Infinity, false],
    [Infinity, 1e308, false],
    [0, 1e-300, false],
    [0, 0, true],
    [0, -0, true],
    // Below the smallest normal the comparison is absolute, so tiny subnormals are all equal.
    [1e-320, 2e-320, true],
    [-1, 1, false],
  ])('%s ≈ %s is %s', (a, b, want) => expect(almostEqual(a, b)).toBe(want));
});

describe('formatFloat (Go %v)', () => {
  it.each<[number, string]>([
    [1, '1'],
    [0.1, '0.1'],
    [123456, '123456'],
    [1e6, '1e+06'],
    [1.5e-5, '1.5e-05'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
    [STALE_NAN, 'stale'],
  ])('%s', (v, s) => expect(formatFloat(v)).toBe(s));
});

const LOAD = 'load 1m\n  m{a="1"} 1 2 3\n  m{a="2"} 10 20 30\n\n';

describe('instant evals', () => {
  it.each<[string, string, Handler | undefined, 'passed' | 'failed', RegExp?]>([
    ['matching vector in any order', 'eval instant at 1m m\n  m{a="2"} 20\n  m{a="1"} 2', undefined, 'passed'],
    ['value within tolerance', 'eval instant at 0 x\n  {} 1', () => vec([{}, 1 + 1e-9]), 'passed'],
    ['wrong value', 'eval instant at 1m m\n  m{a="1"} 2\n  m{a="2"} 21', undefined, 'failed', /^expected 21 for m\{a="2"\} but got 20\nexpected:\n {2}m\{a="1"\} 2\n {2}m\{a="2"\} 21\ngot:\n {2}m\{a="1"\} 2\n {2}m\{a="2"\} 20$/],
    ['missing series', 'eval instant at 1m m\n  m{a="1"} 2\n  m{a="2"} 20\n  m{a="3"} 5', undefined, 'failed', /expected metric m\{a="3"\} with \[5\] not found/],
    ['unexpected series', 'eval instant at 1m m\n  m{a="1"} 2', undefined, 'failed', /unexpected metric m\{a="2"\} in result, has value 20/],
    ['no result lines need an empty vector', 'eval instant at 1m m', undefined, 'failed', /unexpected metric/],
    ['empty vector', 'eval instant at 0 nothing', undefined, 'passed'],
    ['label sets match exactly, __name__ included', 'eval instant at 1m m\n  {a="1"} 2\n  {a="2"} 20', undefined, 'failed', /unexpected metric m\{a="1"\}/],
    ['scalar', 'eval instant at 0 s\n  3', () => scalar(3), 'passed'],
    ['scalar mismatch', 'eval instant at 0 s\n  3', () => scalar(4), 'failed', /expected scalar 3 but got 4/],
    ['scalar when a vector was expected', 'eval instant at 0 s\n  {} 3', () => scalar(3), 'failed', /expected vector or matrix result, but got scalar 3/],
    ['vector when a scalar was expected', 'eval instant at 0 s\n  3', () => vec([{}, 3]), 'failed', /expected scalar result, but got vector/],
    ['NaN equals NaN', 'eval instant at 0 s\n  NaN', () => scalar(NaN), 'passed'],
    ['string', 'eval instant at 0 "a"\n  expect string "a"', () => ({ type: 'string', value: { t: 0, s: 'a' } }), 'passed'],
    ['string mismatch', 'eval instant at 0 "a"\n  expect string "a"', () => ({ type: 'string', value: { t: 0, s: 'b' } }), 'failed', /expected string "a" but got "b"/],
    ['string without expect string', 'eval instant at 0 "a"', () => ({ type: 'string', value: { t: 0, s: 'a' } }), 'failed', /expected string "" but got "a"/],
    ['a query error', 'eval instant at 0 bad(', () => new QueryError('bad_data', '1:5: parse error: unexpected end of input'), 'failed', /error evaluating query "bad\(" \(line 5\): 1:5: parse error: unexpected end of input/],
    ['an engine crash', 'eval instant at 0 x\n  {} 1', () => new TypeError('oops'), 'failed', /engine threw.*TypeError: oops/s],
  ])('%s', async (_name, evalText, handler, status, message) => {
    const o = (await runPromqlTest(LOAD + evalText, fakeEngine(handler), { file: 't.test' })).find((x) => x.line === 5)!;
    expect(o.status, o.message).toBe(status);
    if (message) expect(o.message).toMatch(message);
  });

  it.each<[string, string, 'passed' | 'failed', RegExp?]>([
    ['in order', 'eval_ordered instant at 0 sort(x)\n  {a="1"} 1\n  {a="2"} 2', 'passed'],
    ['out of order', 'eval instant at 0 sort(x)\n  expect ordered\n  {a="2"} 2\n  {a="1"} 1', 'failed', /expected metric \{a="1"\} with \[1\] at position 2 but was at 1/],
    ['unordered eval ignores order', 'eval instant at 0 sort(x)\n  {a="2"} 2\n  {a="1"} 1', 'passed'],
  ])('ordered: %s', async (_name, text, status, message) => {
    const o = await runOne(text, () => vec([{ a: '1' }, 1], [{ a: '2' }, 2]));
    expect(o.status, o.message).toBe(status);
    if (message) expect(o.message).toMatch(message);
  });

  it('compares an instant range-vector result on the `expect range vector` grid, at its end time', async () => {
    const engine = fakeEngine((q) =>
      q === 'm[3m]' ? { type: 'matrix', value: [{ metric: L({ __name__: 'm' }), points: [{ t: 60_000, f: 1 }, { t: 180_000, f: 3 }] }] } : undefined,
    );
    const text = 'eval instant at 3m m[3m]\n  expect range vector from 1m to 3m step 60s\n  m 1 _ 3';
    expect((await runPromqlTest(text, engine))[0]!.status).toBe('passed');
    expect(engine.calls).toEqual([{ mode: 'instant', query: 'm[3m]', t: 180_000 }]);
    const wrong = await runPromqlTest(text.replace('m 1 _ 3', 'm 1 2 3'), engine);
    expect(wrong[0]!.message).toMatch(/expected 3 float points and 0 histogram points for m, but got 2 float points/);
  });

  it('rejects a matrix from an instant query without `expect range vector` if points are expected', async () => {
    const o = await runOne('eval instant at 1m x\n  {} 1', () => ({ type: 'matrix', value: [{ metric: [], points: [{ t: 60_000, f: 1 }] }] }));
    expect(o.message).toMatch(/query time range cannot return this many points/);
  });
});

describe('range evals', () => {
  const matrix = (...series: [Record<string, string>, [number, number][]][]): QueryValue => ({
    type: 'matrix',
    value: series.map(([m, pts]) => ({ metric: L(m), points: pts.map(([t, f]) => ({ t, f })) })),
  });

  it.each<[string, string, QueryValue, 'passed' | 'failed', RegExp?]>([
    ['matching', '{a="1"} 1 _ 3\n  {a="2"} 1+1x2', matrix([{ a: '1' }, [[0, 1], [120_000, 3]]], [{ a: '2' }, [[0, 1], [60_000, 2], [120_000, 3]]]), 'passed'],
    ['fewer points expected is an exact count', '{a="1"} 1', matrix([{ a: '1' }, [[0, 1], [60_000, 2]]]), 'failed', /expected 1 float points and 0 histogram points for \{a="1"\}, but got 2 float points/],
    ['timestamp off', '{a="1"} 1 2', matrix([{ a: '1' }, [[0, 1], [30_000, 2]]]), 'failed', /at index 1 for \{a="1"\} to have timestamp 60000, but it had timestamp 30000/],
    ['value off', '{a="1"} 1 2', matrix([{ a: '1' }, [[0, 1], [60_000, 2.1]]]), 'failed', /at index 1 \(t=60000\) for \{a="1"\} to be 2, but got 2.1/],
    ['unsorted', '{a="1"} 1\n  {a="2"} 1', matrix([{ a: '2' }, [[0, 1]]], [{ a: '1' }, [[0, 1]]]), 'failed', /matrix results should always be sorted by labels/],
    ['more points than steps', '{a="1"} 1 2 3 4', matrix([{ a: '1' }, [[0, 1]]]), 'failed', /expected 4 points for \{a="1"\}, but query time range cannot return this many points/],
    ['stale equals only stale', '{a="1"} stale', matrix([{ a: '1' }, [[0, NaN]]]), 'failed', /to be stale, but got NaN/],
  ])('%s', async (_name, results, value, status, message) => {
    const o = await runOne(`eval range from 0 to 2m step 1m x\n  ${results}`, () => withAnnotations(value, []));
    expect(o.status, o.message).toBe(status);
    if (message) expect(o.message).toMatch(message);
  });

  it('refuses `expect ordered` on a range query', async () => {
    const o = await runOne('eval range from 0 to 1m step 1m x\n  expect ordered', () => matrix());
    expect(o.message).toMatch(/expected ordered result, but query returned a matrix/);
  });

  it('runs the range query once, with its own start, end and step', async () => {
    const engine = fakeEngine(() => matrix());
    await runPromqlTest('eval range from 1m to 5m step 30s x', engine);
    expect(engine.calls).toEqual([{ mode: 'range', query: 'x', t: 60_000, end: 300_000, step: 30_000 }]);
  });
});

describe('expected failures', () => {
  const boom = () => new QueryError('execution', 'vector cannot contain metrics with the same labelset');
  it.each<[string, string, Handler, 'passed' | 'failed', RegExp?]>([
    ['expect fail', 'expect fail', boom, 'passed'],
    ['expect fail msg', 'expect fail msg: vector cannot contain metrics with the same labelset', boom, 'passed'],
    ['expect fail msg mismatch', 'expect fail msg: vector cannot contain', boom, 'failed', /expected error matching "vector cannot contain" .* but got: vector cannot contain metrics/],
    ['expect fail regex', 'expect fail regex: same labelset$', boom, 'passed'],
    ['expect fail regex mismatch', 'expect fail regex: ^labelset', boom, 'failed', /expected error matching "\^labelset"/],
    ['no error', 'expect fail', () => vec(), 'failed', /expected error evaluating query "x" \(line 1\) but got none/],
  ])('%s', async (_name, line, handler, status, message) => {
    const o = await runOne(`eval instant at 0 x\n  ${line}\n  {} 1`, handler);
    expect(o.status, o.message).toBe(status);
    if (message) expect(o.message).toMatch(message);
  });

  it.each<[string, 'passed' | 'failed']>([
    ['eval_fail instant at 0 x', 'passed'],
    ['eval_fail instant at 0 x\n  expected_fail_message vector cannot contain metrics with the same labelset', 'passed'],
    ['eval_fail instant at 0 x\n  expected_fail_message other', 'failed'],
    ['eval_fail instant at 0 x\n  expected_fail_regexp same', 'passed'],
    ['eval_fail instant at 0 x\n  expected_fail_regexp ^same', 'failed'],
    ['eval_fail range from 0 to 1m step 1m x', 'passed'],
  ])('legacy %j', async (text, status) => expect((await runOne(text, boom)).status).toBe(status));

  it('does not mistake an engine crash for the expected failure', async () => {
    expect((await runOne('eval instant at 0 x\n  expect fail', () => new RangeError('stack'))).status).toBe('failed');
  });
});

describe('annotations', () => {
  const W = (...w: string[]) => () => withAnnotations(vec([{}, 1]), w);
  const I = (...i: string[]) => () => withAnnotations(vec([{}, 1]), [], i);
  const warn = 'PromQL warning: encountered a mix of histograms and floats for aggregation (1:5)';
  it.each<[string, string, Handler, 'passed' | 'failed', RegExp?]>([
    ['unchecked without expectations', '', W(warn), 'passed'],
    ['warn present', 'expect warn', W(warn), 'passed'],
    ['warn missing', 'expect warn', W(), 'failed', /expected warn annotations but none were found/],
    ['warn msg', `expect warn msg: ${warn}`, W(warn), 'passed'],
    ['warn msg position differs', `expect warn msg: ${warn.replace('1:5', '1:6')}`, W(warn), 'failed', /no matching annotation was found/],
    ['warn regex', 'expect warn regex: mix of histograms .* \\(1:\\d+\\)', W(warn), 'passed'],
    ['every warning must be expected', `expect warn msg: ${warn}`, W(warn, 'PromQL warning: other (1:1)'), 'failed', /unexpected warn annotation "PromQL warning: other \(1:1\)"/],
    ['no_warn', 'expect no_warn', W(warn), 'failed', /unexpected warning annotations/],
    ['no_warn with infos', 'expect no_warn', I('PromQL info: x (1:1)'), 'passed'],
    ['info', 'expect info regex: ^PromQL info', I('PromQL info: x (1:1)'), 'passed'],
    ['no_info', 'expect no_info', I('PromQL info: x (1:1)'), 'failed', /unexpected info annotations/],
  ])('%s', async (_name, line, handler, status, message) => {
    const o = await runOne(`eval instant at 0 x\n  ${line}\n  {} 1`.replace('\n  \n', '\n'), handler);
    expect(o.status, o.message).toBe(status);
    if (message) expect(o.message).toMatch(message);
  });

  it.each<[string, Handler, 'passed' | 'failed']>([
    ['eval_warn instant at 0 x\n  {} 1', W(warn), 'passed'],
    ['eval_warn instant at 0 x\n  {} 1', W(), 'failed'],
    ['eval_info instant at 0 x\n  {} 1', I('PromQL info: x (1:1)'), 'passed'],
    ['eval_info instant at 0 x\n  {} 1', I(), 'failed'],
    ['eval_warn range from 0 to 0 step 1m x\n  {} 1', W(warn), 'passed'],
    ['eval_warn range from 0 to 0 step 1m x\n  {} 1', W(), 'failed'],
  ])('legacy %j', async (text, handler, status) => expect((await runOne(text, handler)).status).toBe(status));
});

describe('range-mode consistency (FORMAT.md §8 check 3)', () => {
  it('reruns an instant query as a range query around T and compares the point at T', async () => {
    const engine = fakeEngine(() => vec([{}, 1]));
    expect((await runPromqlTest('eval instant at 2m x\n  {} 1', engine))[0]!.status).toBe('passed');
    expect(engine.calls.map((c) => [c.mode, c.t, c.end, c.step])).toEqual([
      ['instant', 120_000, undefined, undefined],
      ['range', 60_000, 180_000, 60_000],
    ]);
  });

  it.each<[string, string, Handler, 'passed' | 'failed', RegExp?]>([
    ['a disagreeing range mode fails', 'eval instant at 2m x\n  {} 1', (_q, _t, mode) => vec([{}, mode === 'range' ? 2 : 1]), 'failed', /expected 1 for \{\} but got 2 in range mode/],
    ['a missing point at T fails', 'eval instant at 2m x\n  {} 1', (_q, t, mode) => (mode === 'range' && t === 120_000 ? vec() : vec([{}, 1])), 'failed', /expected metric \{\} with \[1\] not found in range mode/],
    ['scalars compare as scalars', 'eval instant at 2m x\n  1', (_q, _t, mode) => scalar(mode === 'range' ? 5 : 1), 'failed', /expected scalar 1 but got 5 in range mode/],
    ['a range-mode error fails', 'eval instant at 2m x\n  {} 1', (_q, _t, mode) => (mode === 'range' ? new QueryError('execution', 'boom') : vec([{}, 1])), 'failed', /in range mode: boom/],
    ['step() queries are exempt', 'eval instant at 2m step()\n  1', (_q, _t, mode) => (mode === 'range' ? new QueryError('execution', 'boom') : scalar(1)), 'passed'],
    ['expect string is exempt', 'eval instant at 2m "a"\n  expect string "a"', (_q, _t, mode) => (mode === 'range' ? new QueryError('execution', 'boom') : { type: 'string', value: { t: 0, s: 'a' } }), 'passed'],
    ['ordered still runs it but does not compare', 'eval_ordered instant at 2m x\n  {} 1', (_q, _t, mode) => vec([{}, mode === 'range' ? 2 : 1]), 'passed'],
    ['ordered still fails on a range error', 'eval_ordered instant at 2m x\n  {} 1', (_q, _t, mode) => (mode === 'range' ? new QueryError('execution', 'boom') : vec([{}, 1])), 'failed'],
    ['expected failures are exempt', 'eval instant at 2m x\n  expect fail', () => new QueryError('execution', 'boom'), 'passed'],
  ])('%s', async (_name, text, handler, status, message) => {
    const o = await runOne(text, handler);
    expect(o.status, o.message).toBe(status);
    if (message) expect(o.message).toMatch(message);
  });
});

describe('step invariance via @ (FORMAT.md §8 check 2, with a rewrite hook)', () => {
  it.each<[string, number[]]>([
    ['50m', [3_000_000, -30_000_000, 0, 600_000, 3_000_000, 30_000_000]],
    ['0', [0, -1000, 0, 1000]],
    // T/5 truncates like Go's integer division.
    ['7ms', [7, -70, 0, 1, 7, 70]],
  ])('runs the rewritten query at -10T, 0, T/5, T, 10T for T=%s', async (at, times) => {
    const engine = fakeEngine(() => vec([{}, 1]));
    const rewrite = (expr: string, t: number) => `${expr} @ ${t / 1000}`;
    const o = (await runPromqlTest(`eval instant at ${at} x\n  {} 1`, engine, { stepInvariantRewrite: rewrite }))[0]!;
    expect(o.status).toBe('passed');
    expect(engine.calls.filter((c) => c.mode === 'instant').map((c) => c.t)).toEqual(times);
    expect(engine.calls.filter((c) => c.mode === 'instant').map((c) => c.query)).toEqual(times.map((_, i) => (i === 0 ? 'x' : `x @ ${times[0]! / 1000}`)));
  });

  it('fails when the rewritten query disagrees, naming the run', async () => {
    const engine = fakeEngine((q, t) => vec([{}, q.includes('@') && t < 0 ? 2 : 1]));
    const o = (await runPromqlTest('eval instant at 1m x\n  {} 1', engine, { stepInvariantRewrite: (e) => `${e} @ 60` }))[0]!;
    expect(o.message).toMatch(/expected 1 for \{\} but got 2 \(as "x @ 60" at t=-600000\)/);
  });

  it('skips the extra runs when the hook says the query is not step-invariant', async () => {
    const engine = fakeEngine(() => vec([{}, 1]));
    await runPromqlTest('eval instant at 1m time()\n  {} 1', engine, { stepInvariantRewrite: () => null });
    expect(engine.calls.filter((c) => c.mode === 'instant')).toHaveLength(1);
  });
});

describe('loading and skipping', () => {
  it('stores staleness markers with their exact bits, and hides the series after one', async () => {
    let bits: bigint[] = [];
    const engine = fakeEngine((q, t, _mode, storage) => {
      if (q !== 'bits') return undefined;
      const { v } = storage.querier(0, 1e9).select([new Matcher('=', '__name__', 'm')])[0]!.samples();
      const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
      bits = [...v].map((_, i) => view.getBigUint64(i * 8, true));
      return scalar(t);
    });
    const outcomes = await runPromqlTest('load 1m\n  m 1 stale 3\n\neval instant at 0 bits\n  0\n\neval instant at 1m m\n\neval instant at 2m m\n  m 3', engine);
    expect(outcomes.map((o) => o.status)).toEqual(['passed', 'passed', 'passed']);
    expect(bits[1]).toBe(0x7ff0000000000002n);
    expect(bits[0]).toBe(0x3ff0000000000000n);
  });

  it('starts every clear and every file with empty storage', async () => {
    const engine = fakeEngine();
    const text = 'load 1m\n  m 1\n\neval instant at 0 m\n  m 1\n\nclear\n\neval instant at 0 m\n';
    expect((await runPromqlTest(text, engine)).map((o) => o.status)).toEqual(['passed', 'passed']);
    expect((await runPromqlTest('eval instant at 0 m', engine))[0]!.status).toBe('passed');
  });

  it.each([
    ['load 1m\n  m 1 2\n\nload 1m\n  m 5\n', 'load (line 5): sample of m at t=0 rejected: out of order'],
    ['load 1m\n  m 1\n\nload 1m\n  m 5\n', 'load (line 5): sample of m at t=0 rejected: duplicate'],
  ])('reports a sample the storage rejects as a failure at the load (%#)', async (text, message) => {
    const outcomes = await runPromqlTest(text, fakeEngine(), { file: 'f.test' });
    expect(outcomes).toEqual([{ file: 'f.test', line: 4, expr: '(load)', status: 'failed', message }]);
  });

  it('accepts a repeated identical sample, as Prometheus does', async () => {
    expect(await runPromqlTest('load 1m\n  m 1\n\nload 1m\n  m 1 2\n', fakeEngine())).toEqual([]);
  });

  it('reports format errors as failures at their line and runs the rest', async () => {
    const outcomes = await runPromqlTest('eval instant at 0 nothing\n\nbogus\n\neval instant at 0 nothing\n', fakeEngine());
    expect(outcomes.map((o) => [o.line, o.status])).toEqual([
      [1, 'passed'],
      [3, 'failed'],
      [5, 'passed'],
    ]);
  });

  // The only start timestamp is at 3m; the range-mode re-run reads up to T+1m.
  const ST = 'load 1m\n  h{a="1"}@st _ _ _ -30s _\n  h{a="1"} 1 2 3 4 5\n  f{a="1"} 1 2 3\n\n';
  it.each<[string, string, 'passed' | 'failed' | 'skipped', string?]>([
    ['selecting a series around its start timestamp', 'eval instant at 4m h\n  h{a="1"} 5', 'skipped', SKIP_START_TIMESTAMPS],
    ['selecting by another label reaches it too', 'eval instant at 4m sel_a\n  h{a="1"} 1', 'skipped', SKIP_START_TIMESTAMPS],
    ['only the range-mode re-run reaches it', 'eval instant at 2m h\n  h{a="1"} 3', 'skipped', SKIP_START_TIMESTAMPS],
    ['away from the start timestamp it is plain data', 'eval instant at 1m h\n  h{a="1"} 2', 'passed'],
    ['other series are unaffected', 'eval instant at 4m f\n  f{a="1"} 3', 'passed'],
    ['skipped even when it would fail', 'eval instant at 4m h\n  h{a="1"} 99', 'skipped', SKIP_START_TIMESTAMPS],
  ])('%s', async (_name, evalText, status, reason) => {
    const engine = fakeEngine((q, t, _m, storage) => {
      if (q !== 'sel_a') return undefined;
      const s = storage.querier(t - 299_999, t).select([new Matcher('=', 'a', '1')]);
      return { type: 'vector', value: s.filter((x) => x.labels[0]!.value === 'h').map((x) => ({ metric: x.labels, t, f: 1 })) };
    });
    const o = (await runPromqlTest(ST + evalText, engine))[0]!;
    expect(o.status, o.message).toBe(status);
    expect(o.reason).toBe(reason);
  });

  // Native histograms are loaded and compared, with the real engine.
  const HISTS = 'load 1m\n  h {{schema:0 sum:1 count:1 buckets:[1]}}+{{sum:2 count:2 buckets:[2]}}x2\n\n';
  it.each<[string, string, 'passed' | 'failed']>([
    ['a sequence adds its increment', 'eval instant at 2m h\n  h {{schema:0 sum:5 count:5 buckets:[5]}}', 'passed'],
    ['a different bucket fails', 'eval instant at 2m h\n  h {{schema:0 sum:5 count:5 buckets:[4]}}', 'failed'],
    ['a float where a histogram is expected fails', 'eval instant at 2m h\n  h 5', 'failed'],
    ['histogram functions', 'eval instant at 2m histogram_count(h)\n  {} 5', 'passed'],
    ['a hint is compared only when given', 'eval instant at 2m h\n  h {{schema:0 sum:5 count:5 counter_reset_hint:not_reset buckets:[5]}}', 'passed'],
    ['a wrong given hint fails', 'eval instant at 2m h\n  h {{schema:0 sum:5 count:5 counter_reset_hint:gauge buckets:[5]}}', 'failed'],
    ['range results', 'eval range from 0 to 2m step 1m h\n  h {{schema:0 sum:1 count:1 buckets:[1]}}+{{sum:2 count:2 buckets:[2]}}x2', 'passed'],
  ])('%s', async (_name, evalText, status) => {
    const o = (await runPromqlTest(HISTS + evalText, new PromEngine(PROMQL_TEST_ENGINE_OPTIONS)))[0]!;
    expect(o.status, o.message).toBe(status);
  });

  it('skips queries of the histograms load_with_nhcb would make, not of the classic series', async () => {
    const load = 'load_with_nhcb 1m\n  th_bucket{le="1"} 1\n  th_bucket{le="+Inf"} 2\n  th_count 2\n  th_sum 3\n\n';
    const nhcb = await runPromqlTest(`${load}eval instant at 0 th\n`, fakeEngine());
    expect(nhcb[0]).toMatchObject({ status: 'skipped', reason: SKIP_NHCB_SERIES });
    const classic = await runPromqlTest(`${load}eval instant at 0 th_count\n  th_count 2`, fakeEngine());
    expect(classic[0]!.status).toBe('passed');
  });

  it('skips queries of series that carry @st start timestamps', async () => {
    const o = await runPromqlTest('load 1m\n  c@st -30s -30s\n  c 1 2\n\neval instant at 1m c\n  c 2', fakeEngine());
    expect(o[0]).toMatchObject({ status: 'skipped', reason: SKIP_START_TIMESTAMPS });
  });
});

describe('reports', () => {
  const outcomes: EvalOutcome[] = [
    { file: 'a.test', line: 3, expr: 'x', status: 'passed' },
    { file: 'a.test', line: 7, expr: 'rate(y[1m])', status: 'failed', message: 'expected 1 for {} but got 2\nexpected:\n  {} 1' },
    { file: 'a.test', line: 9, expr: 'h', status: 'skipped', reason: SKIP_START_TIMESTAMPS },
    { file: 'b.test', line: 1, expr: 'h2', status: 'skipped', reason: SKIP_START_TIMESTAMPS },
    { file: 'b.test', line: 5, expr: 'h3', status: 'skipped', reason: SKIP_NHCB_SERIES },
  ];

  it('counts and groups skip reasons', () => {
    expect(summarize(outcomes)).toMatchObject({
      passed: 1,
      failed: 1,
      skipped: 3,
      skipReasons: [
        [SKIP_START_TIMESTAMPS, 2],
        [SKIP_NHCB_SERIES, 1],
      ],
    });
  });

  it.each([false, true])('prints failures as file:line: expr, the summary last (verbose %s)', (verbose) => {
    const text = formatReport(summarize(outcomes), { verbose });
    const lines = text.split('\n');
    expect(lines[0]).toBe('a.test:7: rate(y[1m])');
    expect(lines.slice(1, 4)).toEqual(['    expected 1 for {} but got 2', '    expected:', '      {} 1']);
    expect(lines.at(-1)).toBe('1 passed, 1 failed, 3 skipped');
    expect(text).toContain(`      2  ${SKIP_START_TIMESTAMPS}`);
    expect(text.includes('b.test:5: h3\n    skipped: ')).toBe(verbose);
  });
});

describe('promqlTestCommand', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'promqltest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const good = file('good.test', 'load 1m\n  m 1\n\neval instant at 0 m\n  m 1\n\neval instant at 0 m\n  m{} 1\n');
  const bad = file('bad.test', 'load 1m\n  m 1\n\neval instant at 0 m\n  m 2\n');
  const hist = file('hist.test', 'load 1m\n  c@st -30s\n  c 1\n\neval instant at 0 c\n  c 1\n');

  async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await promqlTestCommand(argv, () => fakeEngine(), (s) => out.push(...s.split('\n')), (s) => err.push(s));
    return { code, out, err };
  }

  it.each<[string[], number, string]>([
    [[good], 0, '2 passed, 0 failed, 0 skipped'],
    [[good, bad], 1, '2 passed, 1 failed, 0 skipped'],
    [[good, hist], 0, '2 passed, 0 failed, 1 skipped'],
    [['--min-pass', '2', good], 0, '2 passed, 0 failed, 0 skipped'],
    [['--min-pass', '3', good], 1, '2 passed, 0 failed, 0 skipped'],
    [['--min-pass', '2', good, bad], 0, '2 passed, 1 failed, 0 skipped'],
    [['--verbose', hist], 0, '0 passed, 0 failed, 1 skipped'],
  ])('%j exits %d', async (argv, code, summary) => {
    const r = await run(argv);
    expect(r.code).toBe(code);
    expect(r.out.at(-1)).toBe(summary);
    if (argv.includes('3')) expect(r.out.at(-2)).toBe('fewer evals passed than --min-pass 3');
    if (argv.includes('--verbose')) expect(r.out).toContain(`${hist}:5: c`);
    if (argv.includes(bad)) expect(r.out).toContain(`${bad}:4: m`);
  });

  it.each([[[]], [['--min-pass', 'many', good]], [['--min-pass=-1', good]]])('%j is a usage error', async (argv) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/Usage: kubeglass promql-test/);
  });

  it('prints help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^Usage: kubeglass promql-test/);
  });

  it('fails on an unreadable file', async () => {
    await expect(run([path.join(dir, 'missing.test')])).rejects.toThrow(/ENOENT/);
  });
});
