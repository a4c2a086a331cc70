import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, test } from 'vitest';
import type { Matcher } from '../model/matchers.js';
import type { BinaryExpr, Expr, VectorSelector } from './ast.js';
import { FUNCTION_DEFS } from './function-defs.js';
import { goQuote, ItemType, Lexer } from './lexer.js';
import { ParseError, parseDuration, parseExpr, parseMetricSelector } from './parser.js';
import { formatExpr } from './printer.js';

const SHARED = new URL('../../../shared/promql/', import.meta.url);

function parseError(input: string): ParseError {
  try {
    parseExpr(input);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error(`expected a parse error for ${JSON.stringify(input)}`);
}

/** 1-based line and byte column of a 0-based offset, as Prometheus renders positions. */
function lineCol(query: string, pos: number): string {
  const before = Buffer.from(query.slice(0, pos), 'utf8');
  const nl = before.lastIndexOf(10);
  return `${before.subarray(0, nl + 1).toString().split('\n').length}:${before.length - nl}`;
}

/** The AST without positions, matchers as sorted strings: what must survive a print/parse trip. */
function shape(e: Expr): unknown {
  return JSON.parse(
    JSON.stringify(e, (k, v: unknown) => {
      if (k === 'pos') return undefined;
      if (k === 'matchers') return (v as Matcher[]).map((m) => `${m.name}${m.type}${m.value}`).sort();
      return v;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// parse-errors.md: every case, position and message.

interface ErrorCase {
  input: string;
  pos: string;
  message: string;
  note?: string;
}

/**
 * Table inputs that are not literally the query. Each is reconstructed explicitly; the reason
 * is the test's name suffix. Backslashes elsewhere in the table are literal characters.
 */
function reconstruct(input: string, message: string): { input: string; note?: string } {
  switch (input) {
    case '# just a comment\\n\\n':
      return { input: '# just a comment\n\n', note: '\\n are newlines in the Go source' };
    case 'some_metric{a="\\xff"}':
      return { input: 'some_metric{a="\uFFFD"}', note: 'byte 0xff in Go; a JS string holds it as U+FFFD, which Go also rejects' };
    case 'label_replace(a, `b`, `c\\xff`, `d`, `.*`)':
      return { input: 'label_replace(a, `b`, `c\uFFFD`, `d`, `.*`)', note: 'byte 0xff in Go; U+FFFD here' };
    case 'http_requests{group="production"} + on(instance) group_left(job,instance) cpu_count{typ...':
      return {
        input: 'http_requests{group="production"} + on(instance) group_left(job,instance) cpu_count{type="smp"}',
        note: 'elided in the table; full input from parse_test.go',
      };
  }
  if (input.endsWith('...')) {
    const m = /parsing "(\d+)"/.exec(message);
    if (m) return { input: m[1]!, note: 'elided in the table; the full number is in the message' };
    throw new Error(`elided input without a reconstruction: ${input}`);
  }
  return { input };
}

function readErrorTable(): ErrorCase[] {
  const text = readFileSync(new URL('parse-errors.md', SHARED), 'utf8');
  const cell = (s: string): string => {
    if (s.startsWith('<code>') && s.endsWith('</code>')) return s.slice(6, -7);
    if (s.startsWith('`') && s.endsWith('`')) return s.slice(1, -1);
    throw new Error(`unexpected table cell: ${s}`);
  };
  const cases: ErrorCase[] = [];
  for (const line of text.split('\n')) {
    const m = /^\| (`.*`|<code>.*<\/code>) \| (\d+:\d+) \| (`.*`|<code>.*<\/code>) \|$/.exec(line);
    if (!m) {
      if (line.startsWith('| `') || line.startsWith('| <code>')) throw new Error(`unparsed table row: ${line}`);
      continue;
    }
    const message = cell(m[3]!);
    const { input, note } = reconstruct(cell(m[1]!), message);
    cases.push({ input, pos: m[2]!, message, note });
  }
  return cases;
}

describe('parse-errors.md', () => {
  const cases = readErrorTable();

  it('has all 145 cases', () => {
    expect(cases.length).toBe(145);
  });

  test.each(cases.map((c) => [c.input.length > 60 ? c.input.slice(0, 60) + '…' : c.input, c] as const))('%s', (_name, c) => {
    const err = parseError(c.input);
    expect({ pos: lineCol(c.input, err.positionRange.start), message: err.detail }).toEqual({ pos: c.pos, message: c.message });
    // Go renders an empty query's position as "unknown position".
    expect(err.message).toBe(`${c.input === '' ? 'unknown position' : c.pos}: parse error: ${c.message}`);
    expect(String(err)).toBe(err.message);
  });
});

// ---------------------------------------------------------------------------------------------
// Every eval expression of the promqltest corpus parses (FORMAT.md §6).

interface EvalCase {
  file: string;
  line: number;
  expr: string;
  expectFail: boolean;
}

const INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const RANGE = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;

function readEvals(): EvalCase[] {
  const out: EvalCase[] = [];
  for (const file of readdirSync(SHARED).filter((f) => f.endsWith('.test')).sort()) {
    const lines = readFileSync(new URL(file, SHARED), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .map((l) => (l.startsWith('#') ? '' : l));
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (!l.toLowerCase().startsWith('eval')) continue;
      const im = INSTANT.exec(l);
      const rm = im ? null : RANGE.exec(l);
      const m = im ?? rm;
      if (!m) throw new Error(`${file}:${i + 1}: unrecognised eval line: ${l}`);
      const expr = im ? im[3]! : rm![4]!;
      let expectFail = m[1] === 'fail';
      for (let j = i + 1; j < lines.length && lines[j] !== ''; j++) if (/^expect\s+fail\b/.test(lines[j]!)) expectFail = true;
      out.push({ file, line: i + 1, expr, expectFail });
    }
  }
  return out;
}

describe('promqltest corpus', () => {
  const evals = readEvals();

  it('finds the eval commands', () => {
    expect(evals.length).toBeGreaterThan(1300);
  });

  it('parses every eval expression that is not expected to fail', () => {
    const failures: string[] = [];
    for (const c of evals) {
      if (c.expectFail) continue;
      try {
        parseExpr(c.expr);
      } catch (e) {
        failures.push(`${c.file}:${c.line}: ${c.expr}\n    ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    expect(failures.join('\n')).toBe('');
  });

  it('fails, if at all, with a ParseError on evals expected to fail', () => {
    for (const c of evals.filter((e) => e.expectFail)) {
      try {
        parseExpr(c.expr);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
      }
    }
  });

  it('prints every expression stably: parse(format(e)) == e and format is a fixed point', () => {
    const failures: string[] = [];
    for (const c of evals) {
      let e: Expr;
      try {
        e = parseExpr(c.expr);
      } catch {
        continue;
      }
      const printed = formatExpr(e);
      try {
        const again = parseExpr(printed);
        if (formatExpr(again) !== printed) failures.push(`${c.expr}\n    not a fixed point: ${printed} -> ${formatExpr(again)}`);
        else expect(shape(again)).toEqual(shape(e));
      } catch (err) {
        failures.push(`${c.expr}\n    printed as ${printed}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    expect(failures.join('\n')).toBe('');
  });

  it('knows every function the corpus calls', () => {
    const known = new Set([...FUNCTION_DEFS.keys()]);
    const missing = new Set<string>();
    for (const c of evals) {
      for (const m of c.expr.matchAll(/([a-z_][a-z0-9_]*)\s*\(/gi)) {
        const name = m[1]!;
        if (/^(by|without|on|ignoring|group_left|group_right|fill|fill_left|fill_right|bool|offset)$/i.test(name)) continue;
        if (/^(sum|avg|count|min|max|group|stddev|stdvar|topk|bottomk|count_values|quantile|limitk|limit_ratio)$/i.test(name)) continue;
        if (!known.has(name) && !known.has(name.toLowerCase())) missing.add(name);
      }
    }
    // Regex fragments inside strings (`http_requests(_histogram)?`) are not calls.
    for (const n of ['http_requests', 'data', 'exp_root_log']) missing.delete(n);
    expect([...missing]).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Lexer.

describe('lexer', () => {
  const types = (q: string): ItemType[] => Lexer.tokenize(q).map((t) => t.type);

  it('lexes numbers, durations and keywords case-insensitively', () => {
    expect(types('1h30m 0x1f 1e3 .5 Inf nan')).toEqual([
      ItemType.DURATION,
      ItemType.NUMBER,
      ItemType.NUMBER,
      ItemType.NUMBER,
      ItemType.NUMBER,
      ItemType.NUMBER,
      ItemType.EOF,
    ]);
    expect(types('SUM BY Offset')).toEqual([ItemType.SUM, ItemType.BY, ItemType.OFFSET, ItemType.EOF]);
  });

  it('treats fill as a keyword only before "("', () => {
    expect(types('fill + fill (0) x')).toEqual([ItemType.IDENTIFIER, ItemType.ADD, ItemType.FILL, ItemType.LEFT_PAREN, ItemType.NUMBER, ItemType.RIGHT_PAREN, ItemType.IDENTIFIER, ItemType.EOF]);
  });

  it('keeps comments out and metric identifiers with colons whole', () => {
    expect(Lexer.tokenize('a:b:c # comment\n+ 1').map((t) => t.val)).toEqual(['a:b:c', '+', '1', '']);
  });

  it('lexes inside braces without keywords', () => {
    expect(types('{by="x", "a.b"!~`y`}')).toEqual([
      ItemType.LEFT_BRACE,
      ItemType.IDENTIFIER,
      ItemType.EQL,
      ItemType.STRING,
      ItemType.COMMA,
      ItemType.STRING,
      ItemType.NEQ_REGEX,
      ItemType.STRING,
      ItemType.RIGHT_BRACE,
      ItemType.EOF,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Parser: shapes of the AST.

const vs = (e: Expr): VectorSelector => {
  if (e.type !== 'vector') throw new Error(`not a vector selector: ${e.type}`);
  return e;
};
const bin = (e: Expr): BinaryExpr => {
  if (e.type !== 'binary') throw new Error(`not a binary expression: ${e.type}`);
  return e;
};

describe('parser', () => {
  it('parses number literals with Go rules', () => {
    const val = (q: string): number => {
      const e = parseExpr(q);
      if (e.type !== 'number') throw new Error(e.type);
      return e.val;
    };
    expect(val('0x1f')).toBe(31);
    expect(val('010')).toBe(8); // ParseInt base 0: octal
    expect(val('1e3')).toBe(1000);
    expect(val('.5')).toBe(0.5);
    expect(val('1_000')).toBe(1000);
    expect(val('-Inf')).toBe(-Infinity);
    expect(val('NaN')).toBeNaN();
    expect(val('5m')).toBe(300);
    expect(val('1h30m')).toBe(5400);
  });

  it('decodes strings with Go escapes', () => {
    const str = (q: string): string => {
      const e = parseExpr(q);
      if (e.type !== 'string') throw new Error(e.type);
      return e.val;
    };
    expect(str(`"a\\tb\\"c\\u00e9\\U0001F600"`)).toBe('a\tb"cé😀');
    expect(str(`'\\xe2\\x82\\xac'`)).toBe('€');
    expect(str('`raw\\n`')).toBe('raw\\n');
    expect(str(`"\\101"`)).toBe('A');
  });

  it('builds selectors with the name matcher last and UTF-8 names', () => {
    const s = vs(parseExpr('foo{a="b", c!~"d.*"}'));
    expect(s.name).toBe('foo');
    expect(s.matchers.map(String)).toEqual(['a="b"', 'c!~"d.*"', '__name__="foo"']);
    const u = vs(parseExpr('{"my.metric", "a.b"="v"}'));
    expect(u.name).toBe('');
    expect(u.matchers.map(String)).toEqual(['__name__="my.metric"', 'a.b="v"']);
    expect(parseMetricSelector('up{job="x"}').map(String)).toEqual(['job="x"', '__name__="up"']);
  });

  it('reports regex errors in matchers', () => {
    expect(parseError('foo{a=~"("}').detail).toMatch(/^error parsing regexp: missing closing \)/);
  });

  it('gives operators Prometheus precedence and associativity', () => {
    expect(formatExpr(parseExpr('a + b * c'))).toBe('a + b * c');
    const e = bin(parseExpr('a - b - c'));
    expect(bin(e.lhs).op).toBe('-');
    const p = bin(parseExpr('2 ^ 3 ^ 2'));
    expect(bin(p.rhs).op).toBe('^');
    const o = bin(parseExpr('a or b and c unless d'));
    expect(o.op).toBe('or');
    expect(bin(o.rhs).op).toBe('unless');
  });

  it('parses -2 ^ 2 as -(2 ^ 2) and folds signs into literals', () => {
    const e = parseExpr('-2 ^ 2');
    expect(e.type).toBe('unary');
    if (e.type === 'unary') expect(bin(e.expr).op).toBe('^');
    const n = parseExpr('-2');
    expect(n).toMatchObject({ type: 'number', val: -2, pos: { start: 0, end: 2 } });
    expect(bin(parseExpr('-a * b')).lhs.type).toBe('unary');
  });

  it('binds offset, @ and ranges tighter than operators, in any order', () => {
    const e = bin(parseExpr('a + b offset 5m @ 100'));
    expect(vs(e.rhs)).toMatchObject({ offset: 300_000, at: { kind: 'time', ms: 100_000 } });
    const m = parseExpr('foo[5m] @ end() offset -1m');
    expect(m).toMatchObject({ type: 'matrix', range: 300_000, vectorSelector: { offset: -60_000, at: { kind: 'end' } } });
    const s = parseExpr('rate(foo[1m])[1h:30s] offset 1h @ start()');
    expect(s).toMatchObject({ type: 'subquery', range: 3_600_000, step: 30_000, offset: 3_600_000, at: { kind: 'start' } });
  });

  it('parses duration expressions as Prometheus 3.x does', () => {
    // offset takes one term: the rest is an ordinary binary operation.
    const o = bin(parseExpr('metric1_total offset 100 + 2'));
    expect(vs(o.lhs).offset).toBe(100_000);
    expect(bin(parseExpr('metric1_total offset -2 ^ 2')).op).toBe('^');
    expect(bin(parseExpr('metric1_total offset -step()*2')).op).toBe('*');
    expect(vs(parseExpr('metric1_total offset (2 * 2)')).offsetExpr).toMatchObject({ op: '*', wrapped: true });
    expect(vs(parseExpr('metric1_total offset (100 + 2)')).offsetExpr).toMatchObject({ op: '+' });
    expect(vs(parseExpr('foo offset -(min_of(step(), 1s))')).offsetExpr).toMatchObject({ op: 'neg', args: [{ op: 'min_of', wrapped: true }] });
    const m = parseExpr('changes(http_requests[30m1s-30m1s % 1m])');
    expect(m).toMatchObject({ type: 'call', args: [{ type: 'matrix', range: 0, rangeExpr: { op: '-', args: [{ val: 1801 }, { op: '%' }] } }] });
    expect(parseExpr('x[1+(STep()-5)*2]')).toMatchObject({ rangeExpr: { op: '+', args: [{ val: 1 }, { op: '*' }] } });
    expect(parseExpr('x[5m:step()]')).toMatchObject({ type: 'subquery', stepExpr: { op: 'step' } });
    // At the top level step() and min_of() are function calls.
    expect(parseExpr('step()')).toMatchObject({ type: 'call', func: { name: 'step' } });
  });

  it('parses vector matching and fill modifiers', () => {
    const e = bin(parseExpr('a * on(x, y) group_left(z) fill_right(1) b'));
    expect(e.matching).toEqual({ card: 'many-to-one', matchingLabels: ['x', 'y'], on: true, include: ['z'] });
    expect([e.fillLeft, e.fillRight]).toEqual([null, 1]);
    const f = bin(parseExpr('a == bool fill(-Inf) b'));
    expect(f).toMatchObject({ returnBool: true, fillLeft: -Infinity, fillRight: -Infinity });
    expect(bin(parseExpr('a and b')).matching!.card).toBe('many-to-many');
    expect(bin(parseExpr('a + 1')).matching).toBeNull();
    const named = bin(parseExpr('fill + fill(0) other'));
    expect(vs(named.lhs).name).toBe('fill');
  });

  it('parses aggregations with the modifier before or after and parameters', () => {
    expect(parseExpr('sum by (job) (rate(x[5m]))')).toMatchObject({ type: 'aggregate', op: 'sum', grouping: ['job'], without: false });
    expect(parseExpr('topk(3, x) without (a, "b.c",)')).toMatchObject({ op: 'topk', param: { val: 3 }, grouping: ['a', 'b.c'], without: true });
    expect(parseExpr('count_values("v", x)')).toMatchObject({ param: { type: 'string', val: 'v' } });
    expect(parseExpr('limit_ratio(0.5, x)')).toMatchObject({ op: 'limit_ratio' });
    // A bare aggregation keyword is a metric name.
    expect(vs(parseExpr('sum')).name).toBe('sum');
  });

  it('parses extended range selectors and trim operators', () => {
    expect(parseExpr('x[5m] anchored')).toMatchObject({ type: 'matrix', vectorSelector: { anchored: true } });
    expect(parseExpr('x smoothed')).toMatchObject({ type: 'vector', smoothed: true });
    expect(bin(parseExpr('h </ 0.5')).op).toBe('</');
    expect(parseError('x[5m:1m] anchored').detail).toBe('anchored modifier is not supported for subqueries');
  });

  it('checks function arguments', () => {
    expect(parseError('round(x, 1, 2)').detail).toBe('expected at most 2 argument(s) in call to "round", got 3');
    expect(parseError('label_join(x)').detail).toBe('expected at least 3 argument(s) in call to "label_join", got 1');
    expect(parseError('histogram_quantile(x, y)').detail).toBe('expected type scalar in call to function "histogram_quantile", got instant vector');
    expect(parseExpr('info(x, {job="a"})')).toMatchObject({ type: 'call' });
    expect(parseExpr('info(x, {a=~".*"})')).toMatchObject({ type: 'call' });
  });

  it('names the construct an unexpected token is in', () => {
    expect(parseError('sum(foo bar)').detail).toBe('unexpected identifier "bar" in aggregation');
    expect(parseError('foo offset bar').detail).toBe('unexpected identifier "bar" in offset, expected number, duration, step(), or range()');
    expect(parseError('sum by (a b) (x)').detail).toBe('unexpected identifier "b" in grouping opts, expected "," or ")"');
    expect(parseError('foo[5m 1m]').detail).toBe('unexpected duration "1m" in subquery or range, expected ":" or "]"');
    expect(parseError('rate(foo bar)').detail).toBe('unexpected identifier "bar"');
  });

  it('renders positions as line:byte-column', () => {
    expect(parseError('foo +\n  bar baz').message).toBe('2:7: parse error: unexpected identifier "baz"');
    expect(parseError('"é" + x y').message).toBe('1:10: parse error: unexpected identifier "y"');
  });

  it('parses Prometheus durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('0')).toBe(0);
    expect(() => parseDuration('5m1h')).toThrow('not a valid duration string: "5m1h"');
  });
});

// ---------------------------------------------------------------------------------------------
// Printer: Prometheus's printer_test.go cases.

describe('printer', () => {
  const cases: [string, string?][] = [
    ['sum by() (task:errors:rate10s{job="s"})', 'sum(task:errors:rate10s{job="s"})'],
    ['sum by(code) (task:errors:rate10s{job="s"})', 'sum by (code) (task:errors:rate10s{job="s"})'],
    ['sum without() (task:errors:rate10s{job="s"})', 'sum without () (task:errors:rate10s{job="s"})'],
    ['sum without(instance) (task:errors:rate10s{job="s"})', 'sum without (instance) (task:errors:rate10s{job="s"})'],
    ['sum by("foo.bar") (task:errors:rate10s{job="s"})', 'sum by ("foo.bar") (task:errors:rate10s{job="s"})'],
    ['topk(5, task:errors:rate10s{job="s"})'],
    ['count_values("value", task:errors:rate10s{job="s"})'],
    ['a - on() c', 'a - on () c'],
    ['a - on(b) c', 'a - on (b) c'],
    ['a - on(b) group_left(x, y) c', 'a - on (b) group_left (x, y) c'],
    ['a - on(b) group_left c', 'a - on (b) group_left () c'],
    ['a - on(b) group_left() (c)', 'a - on (b) group_left () (c)'],
    ['a - ignoring(b) c', 'a - ignoring (b) c'],
    ['a - ignoring() c', 'a - c'],
    ['a - ignoring() group_left c', 'a - ignoring () group_left () c'],
    ['a + fill(-23) b', 'a + fill (-23) b'],
    ['a + fill_left(-23) fill_right(42) b', 'a + fill_left (-23) fill_right (42) b'],
    ['a + fill_left(5) fill_right(5) b', 'a + fill (5) b'],
    ['a + on(b) group_left fill(-23) c', 'a + on (b) group_left () fill (-23) c'],
    ['up > bool 0'],
    ['a offset 1m'],
    ['a offset -7m'],
    ['a{c="d"}[5m] offset 1m'],
    ['a[12m] offset -3m'],
    ['a[1h:5m] offset 1m'],
    ['a anchored'],
    ['a{b="c"}[5m] anchored @ start() offset 1m'],
    ['a{b="c"}[5m] smoothed offset 1m'],
    ['{__name__="a"}'],
    ['a{b!~"c"}[1m]'],
    ['a @ 10', 'a @ 10.000'],
    ['a[1m] @ 10', 'a[1m] @ 10.000'],
    ['a[1m] @ end()'],
    ['{__name__="",a="x"}'],
    ['{"a.b"="c"}'],
    ['{"0"="1"}'],
    ['{"_0"="1"}', '{_0="1"}'],
    ['{""="0"}'],
    ['{``="0"}', '{""="0"}'],
    ['1048576'],
    ['foo[step()]'],
    ['foo[-step()]'],
    ['foo[(step())]'],
    ['foo[-(step())]'],
    ['foo offset -step()'],
    ['foo offset (step())'],
    ['foo offset -(step())'],
    ['foo offset -(5)'],
    ['foo offset +min_of(10s, 20s)', 'foo offset min_of(10s, 20s)'],
    ['foo offset -min_of(10s, +max_of(step() ^ 2, 2))', 'foo offset -min_of(10s, max_of(step() ^ 2, 2))'],
    ['foo[200-min_of(-step()^+step(),1)]', 'foo[200 - min_of(-step() ^ step(), 1)]'],
    ['foo[200 - min_of(step() + 10s, -max_of(step() ^ 2, 3))]'],
    ['foo[max_of(range(), 5s)]'],
    ['predict_linear(foo[1h], 3000)'],
    ['sum by("üüü") (foo)', 'sum by ("üüü") (foo)'],
    ['count by("ööö", job) (foo)', 'count by ("ööö", job) (foo)'],
    // Beyond printer_test.go.
    ['-2 ^ 2'],
    ['foo + 5m'],
    ['"a\\"b\\n\\x01"', '"a\\"b\\n\\x01"'],
    ['a + fill(1e6) b', 'a + fill (1e+06) b'],
    ['1e-7', '0.0000001'],
    ['x offset 1.5', 'x offset 1s500ms'],
  ];
  test.each(cases)('%s', (input, out = input) => {
    expect(formatExpr(parseExpr(input))).toBe(out);
  });

  // Known difference: a parenthesised bare literal as the whole range/offset/step is folded to a
  // fixed duration (the engine's DurationExpr has no unary-plus node), so its parentheses are
  // not printed back. Prometheus prints `foo offset (5)`, `foo[(5s)]`, `foo[(5m):(1m)]`.
  test.each([
    ['foo offset (5)', 'foo offset 5s'],
    ['foo offset +(5)', 'foo offset 5s'],
    ['foo[(5s)]', 'foo[5s]'],
    ['foo[(5m):(1m)]', 'foo[5m:1m]'],
  ])('folds %s', (input, out) => {
    expect(formatExpr(parseExpr(input))).toBe(out);
  });
});

describe('bytes that are not UTF-8 in string literals', () => {
  it.each([
    ['"a\\xc5z"', '"a\\xc5z"'],
    ['"\\xe2\\x82\\xac"', '"€"'],
    ['"\\xff\\xfe"', '"\\xff\\xfe"'],
    ['"\\xc0\\xaf"', '"\\xc0\\xaf"'], // an overlong "/" is not UTF-8
    ['"\\377"', '"\\xff"'],
  ])('%s is kept byte for byte and printed back as Go does: %s', (literal, printed) => {
    const e = parseExpr(literal);
    expect(e.type).toBe('string');
    expect(goQuote((e as { val: string }).val)).toBe(printed);
    expect(formatExpr(parseExpr(formatExpr(e)))).toBe(printed);
  });
});
