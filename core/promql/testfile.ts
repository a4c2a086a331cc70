// Parser for Prometheus's promqltest `.test` files (promql/promqltest/test.go), the format of the
// PromQL conformance corpus. The format is described in shared/promql/FORMAT.md; where that text
// and the reference code disagree, this follows the code, since the goal is to accept and reject
// exactly what the reference runner does (see the notes on hex and durations at parseSeriesItem).
//
// The PromQL expressions themselves are not parsed here: the reference rejects a file whose eval
// expression does not parse, but that check belongs to the engine, and the runner reports a parse
// error on an eval line as that eval failing.
import { FloatHistogram, type CounterResetHint } from '../model/histogram.js';
import { labelsFrom, labelsKey, type Labels } from '../model/labels.js';
import { compileRE2, type GoRegexp } from '../model/regex.js';
import { parseDuration } from '../scrape/duration.js';
import { goQuote, unquoteString } from './lexer.js';


/** Where the reference starts every file's time axis: the Unix epoch. */
export const TEST_START_MS = 0;

/**
 * One slot of a series description. Staleness markers are their own kind, never a float: a NaN
 * payload may not survive being copied around as a plain number (see core/model/value.ts), so the
 * runner materializes STALE_NAN only when it hands the value to storage or compares it.
 */
export type SequenceValue =
  | { kind: 'float'; value: number }
  | { kind: 'stale' }
  | { kind: 'omitted' }
  | { kind: 'histogram'; histogram: HistogramLiteral };

/** A native-histogram literal `{{...}}`, checked for syntax but otherwise kept as written. */
export interface HistogramLiteral {
  text: string;
  fields: Record<string, number | number[] | string>;
  /** For `{{A}}+{{B}}xN` sequences: the i-th element of the series. */
  step?: { op: '+' | '-'; by: HistogramLiteral; index: number };
}

export interface SeriesDescription {
  metric: Labels;
  values: SequenceValue[];
}

export interface LoadedSeries extends SeriesDescription {
  line: number;
  /** Start-timestamp offsets (ms, relative to each sample's timestamp), null where omitted. */
  startTimestamps?: (number | null)[];
}

export interface LoadCommand {
  kind: 'load';
  line: number;
  intervalMs: number;
  withNhcb: boolean;
  /** In first-appearance order; a later line for the same label set replaces the earlier one. */
  series: LoadedSeries[];
}

export interface ClearCommand {
  kind: 'clear';
  line: number;
}

export type ExpectKind = 'ordered' | 'fail' | 'warn' | 'no_warn' | 'info' | 'no_info';

/** An `expect` line: either an exact message or an (unanchored RE2) pattern. */
export interface Expectation {
  message?: string;
  regex?: GoRegexp;
  /** As written after msg:/regex:, for reports. */
  text: string;
}

export interface ExpectedSeries {
  metric: Labels;
  values: SequenceValue[];
  /** 1-based position among the result lines, for ordered results (the reference's counter). */
  pos: number;
  line: number;
}

export interface EvalCommand {
  kind: 'eval';
  line: number;
  expr: string;
  isRange: boolean;
  /** Instant: the evaluation time (replaced by the end of `expect range vector`). */
  evalMs: number;
  /** Range queries and `expect range vector`: the grid expected points are placed on. */
  startMs: number;
  endMs: number;
  stepMs: number;
  /** Legacy modifiers: eval_fail, eval_warn, eval_ordered, eval_info. */
  fail: boolean;
  warn: boolean;
  ordered: boolean;
  info: boolean;
  expectedFailMessage?: string;
  expectedFailRegexp?: GoRegexp;
  expects: Record<ExpectKind, Expectation[]>;
  expectRangeVector: boolean;
  /** Set by `expect string`; compared against string results, "" when absent as in the reference. */
  expectedString: string;
  excludeFromRangeQuery: boolean;
  expectScalar: boolean;
  scalar?: number;
  /** Keyed by label set (labelsKey); a repeated label set replaces the earlier line. */
  expected: ExpectedSeries[];
}

export type TestCommand = LoadCommand | ClearCommand | EvalCommand;

export class TestFileError extends Error {
  constructor(
    /** 1-based. */
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'TestFileError';
  }
}

export interface ParsedTestFile {
  commands: TestCommand[];
  /**
   * The reference stops at the first error; this parser records it, skips to the end of the
   * block and goes on, so one bad block does not hide the results of a whole file.
   */
  errors: TestFileError[];
}

// RE2's \s is [\t\n\f\r ]; JavaScript's also takes \v and Unicode spaces.
const S = '[\\t\\n\\f\\r ]';
const PAT_SPACE = /[\t ]+/;
const PAT_LOAD = new RegExp(`^load(?:_(with_nhcb))?${S}+(.+?)$`);
const PAT_EVAL_INSTANT = new RegExp(`^eval(?:_(fail|warn|ordered|info))?${S}+instant${S}+(?:at${S}+(.+?))?${S}+(.+)$`);
const PAT_EVAL_RANGE = new RegExp(`^eval(?:_(fail|warn|info))?${S}+range${S}+from${S}+(.+)${S}+to${S}+(.+)${S}+step${S}+(.+?)${S}+(.+)$`);
const PAT_EXPECT = new RegExp(`^expect${S}+(ordered|fail|warn|no_warn|info|no_info)(?:${S}+(regex|msg):(.+))?$`);
const RANGE_VECTOR_PREFIX = 'expect range vector';
const PAT_EXPECT_RANGE = new RegExp(`^${RANGE_VECTOR_PREFIX}${S}+from${S}+(.+)${S}+to${S}+(.+)${S}+step${S}+(.+)$`);
const EXPECT_STRING_PREFIX = 'expect string';
const MATCH_ANY = compileRE2('^.*$');

// Go's unicode.IsSpace set, which strings.TrimSpace uses (JS's trim() differs on U+FEFF and U+0085).
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const TRIM_RE = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g');

function trimSpace(s: string): string {
  return s.replace(TRIM_RE, '');
}

/** Splits into lines as the reference does: trimmed, whole-line comments blanked. */
export function testFileLines(input: string): string[] {
  return input.split('\n').map((l) => {
    const t = trimSpace(l);
    return t.startsWith('#') ? '' : t;
  });
}

export function parseTestFile(input: string): ParsedTestFile {
  const lines = testFileLines(input);
  const commands: TestCommand[] = [];
  const errors: TestFileError[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') continue;
    const c = l.split(PAT_SPACE, 1)[0]!.toLowerCase();
    try {
      if (c === 'clear') {
        commands.push({ kind: 'clear', line: i + 1 });
      } else if (c.startsWith('load')) {
        const [next, cmd] = parseLoad(lines, i);
        commands.push(cmd);
        i = next;
      } else if (c.startsWith('eval')) {
        const [next, cmd] = parseEval(lines, i);
        commands.push(cmd);
        i = next;
      } else {
        throw new TestFileError(i + 1, `invalid command ${goQuote(l)}`);
      }
    } catch (err) {
      if (!(err instanceof TestFileError)) throw err;
      errors.push(err);
      while (i + 1 < lines.length && lines[i + 1] !== '') i++;
    }
  }
  return { commands, errors };
}

// ---------------------------------------------------------------------------------------------
// load

function parseLoad(lines: string[], start: number): [number, LoadCommand] {
  let i = start;
  const m = PAT_LOAD.exec(lines[i]!);
  if (!m) throw new TestFileError(i + 1, 'invalid load command. (load[_with_nhcb] <step:duration>)');
  let intervalMs: number;
  try {
    intervalMs = parseDuration(m[2]!);
  } catch (err) {
    throw new TestFileError(i + 1, `invalid step definition ${goQuote(m[2]!)}: ${(err as Error).message}`);
  }
  const cmd: LoadCommand = { kind: 'load', line: start + 1, intervalMs, withNhcb: m[1] === 'with_nhcb', series: [] };
  const byKey = new Map<string, number>();
  let defaultST: (number | null)[] | null = null;
  let pending: { metric: Labels; st: (number | null)[]; line: number } | null = null;
  while (i + 1 < lines.length) {
    i++;
    const def = lines[i]!;
    if (def === '') {
      i--;
      break;
    }
    if (isSTLine(def)) {
      if (pending) throw new TestFileError(pending.line, '@st line has no following sample line');
      const { metric, st } = parseSTLine(def, i + 1);
      // A bare `@st <seq>` line sets the default for the following series of the block.
      if (metric === null) defaultST = st;
      else pending = { metric, st, line: i + 1 };
      continue;
    }
    const desc = parseSeriesDescriptionAt(def, i + 1);
    const series: LoadedSeries = { ...desc, line: i + 1 };
    if (pending) {
      if (labelsKey(pending.metric) !== labelsKey(desc.metric)) throw new TestFileError(pending.line, '@st metric does not match the following sample line metric');
      if (pending.st.length !== desc.values.length)
        throw new TestFileError(pending.line, `@st line has ${pending.st.length} values but sample line has ${desc.values.length}`);
      series.startTimestamps = pending.st;
      pending = null;
    } else if (defaultST && defaultST.length > 0) {
      const d = defaultST;
      series.startTimestamps = desc.values.map((_, k) => d[k % d.length]!);
    }
    const key = labelsKey(desc.metric);
    const at = byKey.get(key);
    if (at === undefined) {
      byKey.set(key, cmd.series.length);
      cmd.series.push(series);
    } else {
      cmd.series[at] = series;
    }
  }
  if (pending) throw new TestFileError(pending.line, '@st line has no following sample line');
  return [i, cmd];
}

/** A start-timestamp line's first token (up to the first blank) ends in `@st`. */
function isSTLine(def: string): boolean {
  const sp = def.search(/[ \t]/);
  return sp >= 0 && def.slice(0, sp).endsWith('@st');
}

function parseSTLine(def: string, line: number): { metric: Labels | null; st: (number | null)[] } {
  const sp = def.search(/[ \t]/);
  const metricPart = def.slice(0, sp).slice(0, -'@st'.length);
  let st: (number | null)[];
  try {
    st = parseSTSequence(trimSpace(def.slice(sp + 1)));
  } catch (err) {
    throw new TestFileError(line, `invalid @st sequence: ${(err as Error).message}`);
  }
  if (metricPart === '') return { metric: null, st };
  try {
    return { metric: parseSeriesDescription(`${metricPart} _`).metric, st };
  } catch (err) {
    throw new TestFileError(line, `invalid @st line metric ${goQuote(metricPart)}: ${(err as Error).message}`);
  }
}

/** The @st item grammar of test.go's parseSTItem: `_`, `_xN`, `*`, `*xN`, `<dur>[±<dur>]xN`. */
export function parseSTSequence(input: string): (number | null)[] {
  const out: (number | null)[] = [];
  for (const item of input.split(/\s+/).filter((s) => s !== '')) {
    let prev = 0;
    for (let k = out.length - 1; k >= 0; k--)
      if (out[k] !== null) {
        prev = out[k]!;
        break;
      }
    try {
      out.push(...parseSTItem(item, prev));
    } catch (err) {
      throw new Error(`invalid ST item ${goQuote(item)}: ${(err as Error).message}`);
    }
  }
  return out;
}

function parseSTItem(item: string, prev: number): (number | null)[] {
  const repeat = (s: string, plusOne: boolean): number => {
    if (!/^\d+$/.test(s)) throw new Error('invalid repeat count');
    return Number(s) + (plusOne ? 1 : 0);
  };
  if (item === '_') return [null];
  if (item.startsWith('_x')) {
    const n = repeat(item.slice(2), false);
    if (n === 0) throw new Error('invalid repeat count');
    return new Array<null>(n).fill(null);
  }
  if (item === '*') return [prev];
  if (item.startsWith('*x')) return new Array<number>(repeat(item.slice(2), true)).fill(prev);
  const [base, rest] = parseDurationPrefix(item);
  if (rest === '') return [base];
  if (rest[0] === 'x') return new Array<number>(repeat(rest.slice(1), true)).fill(base);
  if (rest[0] !== '+' && rest[0] !== '-') throw new Error(`unexpected character ${goQuote(rest[0]!)} after duration`);
  let delta: number;
  let rest2: string;
  try {
    [delta, rest2] = parseDurationPrefix(rest.slice(1));
  } catch (err) {
    throw new Error(`invalid step duration: ${(err as Error).message}`);
  }
  if (rest[0] === '-') delta = -delta;
  if (rest2 === '' || rest2[0] !== 'x') throw new Error("expected 'x<count>' after step duration");
  const n = repeat(rest2.slice(1), true);
  const out: number[] = [];
  for (let k = 0, v = base; k < n; k++, v += delta) out.push(v);
  return out;
}

/** A signed duration at the start of s (one number and its unit letters, never `x`), in ms. */
function parseDurationPrefix(s: string): [number, string] {
  if (s === '') throw new Error('empty duration');
  let i = 0;
  const negative = s[0] === '-';
  if (s[0] === '-' || s[0] === '+') i++;
  const start = i;
  while (i < s.length && s[i]! >= '0' && s[i]! <= '9') i++;
  if (i === start) throw new Error(`expected digits in duration ${goQuote(s)}`);
  while (i < s.length && /[a-zA-Z]/.test(s[i]!) && s[i] !== 'x') i++;
  let ms: number;
  try {
    ms = parseDuration(s.slice(start, i));
  } catch (err) {
    throw new Error(`invalid duration ${goQuote(s.slice(start, i))}: ${(err as Error).message}`);
  }
  return [negative ? -ms : ms, s.slice(i)];
}

// ---------------------------------------------------------------------------------------------
// eval

function emptyExpects(): Record<ExpectKind, Expectation[]> {
  return { ordered: [], fail: [], warn: [], no_warn: [], info: [], no_info: [] };
}

function parseEval(lines: string[], start: number): [number, EvalCommand] {
  let i = start;
  const header = lines[i]!;
  const inst = PAT_EVAL_INSTANT.exec(header);
  const rng = PAT_EVAL_RANGE.exec(header);
  if (!inst && !rng)
    throw new TestFileError(
      i + 1,
      "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered] instant [at <offset:duration>] <query>' or 'eval[_fail|_warn] range from <from> to <to> step <step> <query>'",
    );
  const expr = inst ? inst[3]! : rng![5]!;
  const fail = (msg: string) => new TestFileError(start + 1, `error in eval ${expr} (line ${start + 1}): ${msg}`);
  const cmd: EvalCommand = {
    kind: 'eval',
    line: start + 1,
    expr,
    isRange: !inst,
    evalMs: 0,
    startMs: 0,
    endMs: GO_ZERO_TIME_MS,
    stepMs: 0,
    fail: false,
    warn: false,
    ordered: false,
    info: false,
    expects: emptyExpects(),
    expectRangeVector: false,
    expectedString: '',
    excludeFromRangeQuery: false,
    expectScalar: false,
    expected: [],
  };
  if (inst) {
    const at = inst[2] ?? '';
    try {
      cmd.evalMs = cmd.startMs = TEST_START_MS + parseDuration(at);
    } catch (err) {
      throw fail(`invalid timestamp definition ${goQuote(at)}: ${(err as Error).message}`);
    }
  } else {
    try {
      [cmd.startMs, cmd.endMs, cmd.stepMs] = parseFromToStep(rng![2]!, rng![3]!, rng![4]!);
    } catch (err) {
      throw fail((err as Error).message);
    }
  }
  const mod = inst ? inst[1] : rng![1];
  if (mod === 'ordered' || mod === 'fail' || mod === 'warn' || mod === 'info') cmd[mod] = true;

  const byKey = new Map<string, number>();
  // The reference's position counter: expect lines do not advance it, other lines do.
  for (let j = 1; i + 1 < lines.length; j++) {
    i++;
    const def = lines[i]!;
    if (def === '') {
      i--;
      break;
    }
    // Like a scalar result line, these legacy lines end the block without consuming the blank.
    if (cmd.fail && def.startsWith('expected_fail_message')) {
      cmd.expectedFailMessage = trimSpace(def.slice('expected_fail_message'.length));
      break;
    }
    if (cmd.fail && def.startsWith('expected_fail_regexp')) {
      const pattern = trimSpace(def.slice('expected_fail_regexp'.length));
      try {
        cmd.expectedFailRegexp = compileRE2(pattern);
      } catch (err) {
        throw fail(`invalid regexp '${pattern}' for expected_fail_regexp: ${(err as Error).message}`);
      }
      break;
    }
    if (def.startsWith(RANGE_VECTOR_PREFIX)) {
      const m = PAT_EXPECT_RANGE.exec(def);
      if (!m) throw fail(`invalid range vector definition ${goQuote(def)}`);
      try {
        [cmd.startMs, cmd.endMs, cmd.stepMs] = parseFromToStep(m[1]!, m[2]!, m[3]!);
      } catch (err) {
        throw fail((err as Error).message);
      }
      cmd.expectRangeVector = true;
      cmd.evalMs = cmd.endMs;
      cmd.excludeFromRangeQuery = true;
      continue;
    }
    if (def.startsWith(EXPECT_STRING_PREFIX)) {
      cmd.expectedString = parseExpectString(def, fail);
      cmd.excludeFromRangeQuery = true;
      continue;
    }
    if (def.split(' ')[0] === 'expect') {
      const [kind, e] = parseExpect(def, fail);
      cmd.expects[kind].push(e);
      j--;
      const x = cmd.expects;
      if (x.info.length > 0 && x.no_info.length > 0) throw fail('invalid expect lines, info and no_info cannot be used together');
      if (x.warn.length > 0 && x.no_warn.length > 0) throw fail('invalid expect lines, warn and no_warn cannot be used together');
      if (x.fail.length > 1) throw fail('invalid expect lines, multiple expect fail lines are not allowed');
      continue;
    }
    const scalar = parseGoNumber(def);
    if (scalar !== null) {
      cmd.expectScalar = true;
      cmd.scalar = scalar;
      break;
    }
    const desc = parseSeriesDescriptionAt(def, i + 1);
    if (desc.values.length > 1 && !cmd.isRange && !cmd.expectRangeVector)
      throw fail(
        "expecting multiple values in instant evaluation not allowed. consider using 'expect range vector' directive to enable a range vector result for an instant query",
      );
    cmd.expectScalar = false;
    const entry: ExpectedSeries = { ...desc, pos: j, line: i + 1 };
    const key = labelsKey(desc.metric);
    const at = byKey.get(key);
    if (at === undefined) {
      byKey.set(key, cmd.expected.length);
      cmd.expected.push(entry);
    } else {
      cmd.expected[at] = entry;
    }
  }
  return [i, cmd];
}

/** Go's zero time.Time in ms since the epoch: the end an instant eval's (unused) range has. */
export const GO_ZERO_TIME_MS = -62135596800000;

function parseFromToStep(from: string, to: string, step: string): [number, number, number] {
  let f: number;
  let t: number;
  let s: number;
  try {
    f = parseDuration(from);
  } catch (err) {
    throw new Error(`invalid start timestamp definition ${goQuote(from)}: ${(err as Error).message}`);
  }
  try {
    t = parseDuration(to);
  } catch (err) {
    throw new Error(`invalid end timestamp definition ${goQuote(to)}: ${(err as Error).message}`);
  }
  if (t < f) throw new Error(`invalid test definition, end timestamp (${to}) is before start timestamp (${from})`);
  try {
    s = parseDuration(step);
  } catch (err) {
    throw new Error(`invalid step definition ${goQuote(step)}: ${(err as Error).message}`);
  }
  return [TEST_START_MS + f, TEST_START_MS + t, s];
}

function parseExpect(def: string, fail: (msg: string) => TestFileError): [ExpectKind, Expectation] {
  const m = PAT_EXPECT.exec(trimSpace(def));
  if (!m) throw fail('invalid expect statement, must match `expect <type> <match_type>: <string>` format');
  const kind = m[1] as ExpectKind;
  if (m[2] === undefined) return [kind, { regex: MATCH_ANY, text: '' }];
  const text = trimSpace(m[3]!);
  if (m[2] === 'msg') return [kind, { message: text, text }];
  try {
    return [kind, { regex: compileRE2(text), text }];
  } catch {
    throw fail(`invalid regex ${text} for ${kind}`);
  }
}

function parseExpectString(def: string, fail: (msg: string) => TestFileError): string {
  const bad = 'expected string literal not valid - a quoted string literal is required';
  if (def === EXPECT_STRING_PREFIX) throw fail(bad);
  const str = def.startsWith(`${EXPECT_STRING_PREFIX} `) ? def.slice(EXPECT_STRING_PREFIX.length + 1) : def;
  if (str === '') throw fail(bad);
  try {
    return unquoteGo(str, false);
  } catch {
    throw fail('expected string literal not valid - check that the string is correctly quoted');
  }
}

// ---------------------------------------------------------------------------------------------
// Durations and numbers

/** Prometheus's model.ParseDuration, in ms (the one the scrape config uses). */
export { parseDuration };

function underscoreOK(s: string): boolean {
  // Go's strconv.underscoreOK: `_` only between digits, or between a base prefix and a digit.
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && /[bBoOxX]/.test(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 0, 64) as a float64, or null where Go returns an error. */
export function parseGoInt(s: string): number | null {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(s);
  if (!m || !underscoreOK(s)) return null;
  let body = m[2]!.replace(/_/g, '');
  // A bare leading 0 means octal in Go's base-0 rules.
  if (/^0[0-7]+$/.test(body)) body = `0o${body.slice(1)}`;
  if (/^0[xXoObB]$/.test(body)) return null;
  let v = BigInt(body);
  if (m[1] === '-') v = -v;
  if (v < INT64_MIN || v > INT64_MAX) return null;
  return Number(v);
}

/** Go's strconv.ParseFloat(s, 64), or null where Go returns an error (including ±Inf overflow). */
export function parseGoFloat(s: string): number | null {
  const special = /^([+-]?)(inf|infinity)$/i.exec(s);
  if (special) return special[1] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!underscoreOK(s)) return null;
  const t = s.replace(/_/g, '');
  let v: number;
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) {
    v = Number(t);
  } else {
    const h = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(t);
    if (!h || h[2]! + (h[3] ?? '') === '') return null;
    const digits = h[2]! + (h[3] ?? '');
    v = Number(BigInt(`0x${digits}`)) * 2 ** (Number(h[4]) - 4 * (h[3] ?? '').length);
    if (h[1] === '-') v = -v;
  }
  return Number.isFinite(v) ? v : null;
}

/** The parser's number rule (and test.go's parseNumber): ParseInt base 0, else ParseFloat. */
export function parseGoNumber(s: string): number | null {
  return parseGoInt(s) ?? parseGoFloat(s);
}

// ---------------------------------------------------------------------------------------------
// Series descriptions

function parseSeriesDescriptionAt(def: string, line: number): SeriesDescription {
  try {
    return parseSeriesDescription(def);
  } catch (err) {
    throw new TestFileError(line, `${line}:${(err as SeriesSyntaxError).col ?? 1}: parse error: ${(err as Error).message}`);
  }
}

class SeriesSyntaxError extends Error {
  constructor(
    message: string,
    /** 1-based byte-ish column (UTF-16 units here) of the problem. */
    readonly col: number,
  ) {
    super(message);
  }
}

const isAlpha = (c: string | undefined) => c !== undefined && /[a-zA-Z_]/.test(c);
const isAlnum = (c: string | undefined) => c !== undefined && /[a-zA-Z0-9_]/.test(c);
const isBlank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

/**
 * Parses `<metric> <item> <item>…` (the parser's ParseSeriesDesc). Throws with a message on
 * syntax errors. Label values with an empty string are dropped, as everywhere in Labels.
 */
export function parseSeriesDescription(input: string): SeriesDescription {
  let pos = 0;
  const err = (msg: string, at = pos) => new SeriesSyntaxError(msg, at + 1);
  const pairs: [string, string][] = [];
  const names = new Set<string>();
  const add = (name: string, value: string, at: number) => {
    if (names.has(name)) throw err(`duplicate label name ${goQuote(name)}`, at);
    names.add(name);
    pairs.push([name, value]);
  };

  if (isAlpha(input[pos]) || input[pos] === ':') {
    const start = pos;
    while (isAlnum(input[pos]) || input[pos] === ':') pos++;
    const name = input.slice(start, pos);
    // The lexer turns these words into numbers, which cannot start a series description.
    if (/^(inf|nan)$/i.test(name)) throw err(`unexpected number ${goQuote(name)}`, start);
    add('__name__', name, start);
  } else if (input[pos] !== '{') {
    throw err(input[pos] === undefined ? 'unexpected end of input' : `unexpected character: ${goQuote(input[pos]!)}`);
  }
  if (input[pos] === '{') {
    pos++;
    const skip = () => {
      while (isBlank(input[pos])) pos++;
    };
    const readString = (): string => {
      const q = input[pos];
      const start = pos;
      pos++;
      while (pos < input.length && input[pos] !== q) {
        if (input[pos] === '\\' && q !== '`') pos++;
        pos++;
      }
      if (pos >= input.length) throw err(q === '`' ? 'unterminated raw string' : 'unterminated quoted string', start);
      pos++;
      try {
        return unquoteGo(input.slice(start, pos), true);
      } catch (e) {
        throw err((e as Error).message, start);
      }
    };
    const isQuote = (c: string | undefined) => c === '"' || c === "'" || c === '`';
    for (;;) {
      skip();
      if (input[pos] === '}') break;
      const itemStart = pos;
      let name: string;
      let quotedName = false;
      if (isAlpha(input[pos])) {
        const start = pos;
        while (isAlnum(input[pos])) pos++;
        name = input.slice(start, pos);
      } else if (isQuote(input[pos])) {
        name = readString();
        quotedName = true;
      } else {
        throw err(input[pos] === undefined ? 'unexpected end of input inside braces' : `unexpected character inside braces: ${goQuote(input[pos]!)}`);
      }
      skip();
      if (input[pos] === '=' && input[pos + 1] !== '~') {
        pos++;
        skip();
        if (!isQuote(input[pos])) throw err('unexpected label value: expected string');
        add(name, readString(), itemStart);
      } else if (quotedName && (input[pos] === ',' || input[pos] === '}')) {
        add('__name__', name, itemStart);
      } else {
        throw err(`unexpected ${input[pos] === undefined ? 'end of input' : goQuote(input[pos]!)} in label set, expected "="`);
      }
      skip();
      if (input[pos] === ',') {
        pos++;
        continue;
      }
      if (input[pos] !== '}') throw err(input[pos] === undefined ? 'unexpected end of input inside braces' : `unexpected ${goQuote(input[pos]!)} in label set, expected "," or "}"`);
      break;
    }
    pos++;
  }
  if (pos < input.length && !isBlank(input[pos])) throw err(`unexpected character in series sequence: ${goQuote(input[pos]!)}`);
  return { metric: labelsFrom(pairs), values: parseSeriesValues(input, pos, err) };
}

/** The items after the metric: whitespace-separated, each one of the series_item rules. */
function parseSeriesValues(input: string, pos: number, mkErr: (msg: string, at?: number) => Error): SequenceValue[] {
  const values: SequenceValue[] = [];
  for (;;) {
    while (isBlank(input[pos])) pos++;
    if (pos >= input.length) return values;
    if (input.startsWith('{{', pos)) {
      pos = parseHistogramItem(input, pos, values, mkErr);
    } else {
      let end = pos;
      while (end < input.length && !isBlank(input[end])) end++;
      try {
        values.push(...parseSeriesItem(input.slice(pos, end)));
      } catch (e) {
        throw mkErr((e as Error).message, pos);
      }
      pos = end;
    }
    if (pos < input.length && !isBlank(input[pos])) throw mkErr(`unexpected character in series sequence: ${goQuote(input[pos]!)}`, pos);
  }
}

type Token = { t: 'num'; v: string } | { t: 'ident'; v: string } | { t: '+' | '-' | 'x' | '_' };

/**
 * The series-mode lexer on one item. Notable consequences of following it rather than FORMAT.md:
 * hex literals are not numbers here (`0x1f` lexes as `0`, `x`, then a bad number; `0x3` is four
 * zeros), durations such as `1m` are bad numbers, and `Inf`/`stale` absorb a following `x3` into
 * one identifier, so they cannot be repeated.
 */
function lexItem(item: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < item.length) {
    const c = item[i]!;
    if (c === '+' || c === '-' || c === 'x' || c === '_') {
      out.push({ t: c });
      i++;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(item[i + 1] ?? ''))) {
      const m = /^(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9_]*)?/.exec(item.slice(i))!;
      const next = item[i + m[0].length];
      if (next !== undefined && next !== 'x' && isAlnum(next)) throw new Error(`bad number syntax: ${goQuote(item.slice(i, i + m[0].length + 1))}`);
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (isAlpha(c)) {
      const start = i;
      while (i < item.length && (isAlnum(item[i]) || item[i] === ':')) i++;
      const word = item.slice(start, i);
      out.push(/^(inf|nan)$/i.test(word) ? { t: 'num', v: word } : { t: 'ident', v: word });
    } else {
      throw new Error(`unexpected character in series sequence: ${goQuote(c)}`);
    }
  }
  return out;
}

function seriesNumber(v: string): number {
  const n = parseGoNumber(v);
  if (n === null) throw new Error(`error parsing number: ${goQuote(v)}`);
  return n;
}

function repetitions(tok: Token | undefined): number {
  if (tok === undefined) throw new Error('unexpected end of input in series values, expected repetition count');
  if (tok.t !== 'num' || !/^[0-9]+$/.test(tok.v)) throw new Error(`invalid repetition in series values: ${tok.t === 'num' || tok.t === 'ident' ? tok.v : tok.t}`);
  return Number(tok.v);
}

/** One non-histogram item: `_`, `_xN`, `v`, `vxN`, `v+dxN`, `v-dxN` with v a number or `stale`. */
export function parseSeriesItem(item: string): SequenceValue[] {
  const toks = lexItem(item);
  let k = 0;
  const take = () => toks[k++];
  const first = take();
  if (first === undefined) throw new Error('unexpected end of input');
  if (first.t === '_') {
    if (k === toks.length) return [{ kind: 'omitted' }];
    if (take()?.t !== 'x') throw new Error('unexpected token after "_" in series values');
    const n = repetitions(take());
    if (k !== toks.length) throw new Error('unexpected token after repetition count');
    return new Array(n).fill(null).map(() => ({ kind: 'omitted' }) as const);
  }
  // series_value: `stale`, a number, or a signed number.
  let value: number;
  let stale = false;
  if (first.t === 'ident') {
    if (first.v !== 'stale') throw new Error(`unexpected identifier ${goQuote(first.v)} in series values, expected number or "stale"`);
    value = NaN;
    stale = true;
  } else if (first.t === 'num') {
    value = seriesNumber(first.v);
  } else if (first.t === '+' || first.t === '-') {
    const n = take();
    if (n?.t !== 'num') throw new Error('unexpected token in series values, expected number');
    value = first.t === '-' ? -seriesNumber(n.v) : seriesNumber(n.v);
  } else {
    throw new Error('unexpected "x" in series values');
  }
  const one = (v: number, isStale: boolean): SequenceValue => (isStale ? { kind: 'stale' } : { kind: 'float', value: v });
  if (k === toks.length) return [one(value, stale)];
  const op = take()!;
  if (op.t === 'x') {
    const n = repetitions(take());
    if (k !== toks.length) throw new Error('unexpected token after repetition count');
    return new Array(n + 1).fill(null).map(() => one(value, stale));
  }
  if (op.t !== '+' && op.t !== '-') throw new Error('unexpected token in series values');
  const d = take();
  if (d?.t !== 'num') throw new Error('unexpected token in series values, expected number');
  const delta = op.t === '-' ? -seriesNumber(d.v) : seriesNumber(d.v);
  if (take()?.t !== 'x') throw new Error('unexpected token in series values, expected "x"');
  const n = repetitions(take());
  if (k !== toks.length) throw new Error('unexpected token after repetition count');
  const out: SequenceValue[] = [one(value, stale)];
  // Repeated addition, not value + i*delta: the expected rounding is Go's accumulated one.
  for (let r = 1; r <= n; r++) {
    value += delta;
    out.push({ kind: 'float', value });
  }
  return out;
}

const HISTOGRAM_KEYS = new Set(['schema', 'sum', 'count', 'z_bucket', 'z_bucket_w', 'buckets', 'offset', 'n_buckets', 'n_offset', 'custom_values', 'counter_reset_hint']);
const COUNTER_RESET_HINTS = new Set(['unknown', 'reset', 'not_reset', 'gauge']);

function parseHistogramLiteral(input: string, pos: number, mkErr: (msg: string, at?: number) => Error): [HistogramLiteral, number] {
  const close = input.indexOf('}}', pos + 2);
  if (close < 0) throw mkErr('histogram description incomplete: missing "}}"', pos);
  const body = input.slice(pos + 2, close);
  const fields: HistogramLiteral['fields'] = {};
  const re = /([A-Za-z_]+):(\[[^\]]*\]|[^\s[\]]+)|(\S+)/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    if (m[3] !== undefined || m[1] === undefined) throw mkErr(`bad histogram descriptor found: ${goQuote(m[0])}`, pos);
    const key = m[1].toLowerCase();
    const raw = m[2]!;
    if (!HISTOGRAM_KEYS.has(key)) throw mkErr(`bad histogram descriptor found: ${goQuote(m[1])}`, pos);
    if (key in fields) throw mkErr(`duplicate key "${key}" in histogram`, pos);
    if (key === 'counter_reset_hint') {
      if (!COUNTER_RESET_HINTS.has(raw.toLowerCase())) throw mkErr(`invalid counter reset hint ${goQuote(raw)}`, pos);
      fields[key] = raw.toLowerCase();
    } else if (raw.startsWith('[')) {
      const list = raw
        .slice(1, -1)
        .split(/\s+/)
        .filter((s) => s !== '')
        .map((s) => parseGoNumber(s));
      if (list.some((v) => v === null)) throw mkErr(`invalid bucket list ${raw} in histogram`, pos);
      fields[key] = list as number[];
    } else {
      const v = parseGoNumber(raw);
      if (v === null) throw mkErr(`invalid number ${goQuote(raw)} for ${key} in histogram`, pos);
      fields[key] = v;
    }
  }
  return [{ text: input.slice(pos, close + 2), fields }, close + 2];
}

const HINTS: Record<string, CounterResetHint> = { unknown: 'unknown', reset: 'reset', not_reset: 'not_reset', gauge: 'gauge' };

/** Prometheus's buildHistogramFromMap. */
export function literalHistogram(f: HistogramLiteral['fields']): FloatHistogram {
  const num = (k: string) => (typeof f[k] === 'number' ? (f[k] as number) : 0);
  const list = (k: string) => (Array.isArray(f[k]) ? [...(f[k] as number[])] : []);
  const buckets = list('buckets');
  const nBuckets = list('n_buckets');
  return new FloatHistogram({
    schema: num('schema'),
    sum: num('sum'),
    count: num('count'),
    zeroCount: num('z_bucket'),
    zeroThreshold: num('z_bucket_w'),
    customValues: list('custom_values'),
    counterResetHint: HINTS[String(f['counter_reset_hint'] ?? 'unknown')] ?? 'unknown',
    positiveBuckets: buckets,
    positiveSpans: buckets.length > 0 ? [{ offset: num('offset'), length: buckets.length }] : [],
    negativeBuckets: nBuckets,
    negativeSpans: nBuckets.length > 0 ? [{ offset: num('n_offset'), length: nBuckets.length }] : [],
  });
}

/** One `{{…}}` literal as a histogram (for tests that write histograms in this notation). */
export function parseHistogramText(text: string): FloatHistogram {
  const [lit] = parseHistogramLiteral(text, 0, (msg) => new Error(msg));
  return literalHistogram(lit.fields);
}

function parseHistogramItem(input: string, pos: number, out: SequenceValue[], mkErr: (msg: string, at?: number) => Error): number {
  const [h, after] = parseHistogramLiteral(input, pos, mkErr);
  pos = after;
  const readCount = (): number => {
    const m = /^[0-9]+/.exec(input.slice(pos));
    if (!m) throw mkErr('invalid repetition in series values', pos);
    pos += m[0].length;
    return Number(m[0]);
  };
  if (input[pos] === 'x') {
    pos++;
    const n = readCount();
    for (let r = 0; r <= n; r++) out.push({ kind: 'histogram', histogram: h });
  } else if ((input[pos] === '+' || input[pos] === '-') && input.startsWith('{{', pos + 1)) {
    const op = input[pos] as '+' | '-';
    const [by, after2] = parseHistogramLiteral(input, pos + 1, mkErr);
    pos = after2;
    if (input[pos] !== 'x') throw mkErr('expected "x" after histogram sequence', pos);
    pos++;
    const n = readCount();
    for (let r = 0; r <= n; r++) out.push({ kind: 'histogram', histogram: { ...h, step: { op, by, index: r } } });
  } else {
    out.push({ kind: 'histogram', histogram: h });
  }
  return pos;
}

// ---------------------------------------------------------------------------------------------
// Go string literals

/**
 * Go's strconv.Unquote for "…", `…` and '…'. With `anyLengthSingle` it is Prometheus's
 * strutil.Unquote instead, where single quotes delimit strings of any length, as in PromQL.
 * Validates here; the decoding (escapes as bytes, then UTF-8) is the PromQL lexer's.
 */
export function unquoteGo(s: string, anyLengthSingle: boolean): string {
  const q = s[0];
  if (s.length < 2 || s[s.length - 1] !== q) throw new Error('invalid syntax');
  const body = s.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new Error('invalid syntax');
    return body.replace(/\r/g, '');
  }
  if (q !== '"' && q !== "'") throw new Error('invalid syntax');
  if (body.includes('\n')) throw new Error('invalid syntax');
  let runes = 0;
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    runes++;
    if (c === q) throw new Error('invalid syntax');
    if (c !== '\\') {
      i += body.codePointAt(i)! > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    if (e !== undefined && (SIMPLE_ESCAPES.includes(e) || e === q)) continue;
    if (e !== undefined && /[0-7]/.test(e)) {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) throw new Error('invalid syntax');
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i, i + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) throw new Error('invalid syntax');
      i += n;
      const v = parseInt(hex, 16);
      if (e !== 'x' && (v > 0x10ffff || (v >= 0xd800 && v < 0xe000))) throw new Error('invalid syntax');
    } else {
      throw new Error('invalid syntax');
    }
  }
  if (q === "'" && !anyLengthSingle && runes !== 1) throw new Error('invalid syntax');
  return unquoteString(s);
}

const SIMPLE_ESCAPES = 'abfnrtv\\';

