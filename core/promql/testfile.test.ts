import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { labelsFrom } from '../model/labels.js';
import {
  GO_ZERO_TIME_MS,
  parseDuration,
  parseGoNumber,
  parseSeriesDescription,
  parseSTSequence,
  parseTestFile,
  unquoteGo,
  type EvalCommand,
  type LoadCommand,
  type SequenceValue,
} from './testfile.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = path.resolve(REPO_ROOT, '../shared/promql');

/** Sequence values in a compact comparable form: numbers, 'stale', '_' or 'H'. */
function compact(values: SequenceValue[]): (number | string)[] {
  return values.map((v) => (v.kind === 'float' ? v.value : v.kind === 'stale' ? 'stale' : v.kind === 'omitted' ? '_' : 'H'));
}

function accumulate(start: number, step: number, n: number): number[] {
  const out = [start];
  for (let i = 0, v = start; i < n; i++) out.push((v += step));
  return out;
}

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['0m', 0],
    ['1ms', 1],
    ['50m', 3_000_000],
    ['1m30s', 90_000],
    ['5m59s', 359_000],
    ['20s500ms', 20_500],
    ['1111111s', 1_111_111_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
  ])('%s is %d ms', (s, ms) => expect(parseDuration(s)).toBe(ms));

  it.each(['', '1', '-1m', '1.5m', '30s1m', '1m1m', 'm', '1M', ' 1m'])('rejects %j', (s) => expect(() => parseDuration(s)).toThrow());
});

describe('parseGoNumber (ParseInt base 0, then ParseFloat)', () => {
  it.each<[string, number | null]>([
    ['2', 2],
    ['-2', -2],
    ['+3', 3],
    ['010', 8],
    ['0x1f', 31],
    ['0o17', 15],
    ['0b101', 5],
    ['1_000', 1000],
    ['1.5e3', 1500],
    ['.5', 0.5],
    ['0.00001234', 0.00001234],
    ['Inf', Infinity],
    ['+inf', Infinity],
    ['-Inf', -Infinity],
    ['infinity', Infinity],
    ['NaN', NaN],
    ['0x1p-2', 0.25],
    ['9223372036854775808', 9223372036854775808],
    ['1e400', null],
    ['+NaN', null],
    ['1_', null],
    // Not octal, so ParseInt fails; ParseFloat then reads it as decimal.
    ['08', 8],
    ['foo', null],
    ['{} 1', null],
    ['', null],
  ])('%j → %s', (s, want) => {
    const got = parseGoNumber(s);
    if (want === null) expect(got).toBeNull();
    else expect(got).toBe(want);
  });
});

describe('unquoteGo', () => {
  it.each<[string, boolean, string]>([
    ['"abc"', false, 'abc'],
    ['"a\\"b"', false, 'a"b'],
    ['"\\n\\t\\\\"', false, '\n\t\\'],
    ['"\\u00e9\\x41\\101"', false, 'éAA'],
    ['"\\xc3\\xa9"', false, 'é'],
    ['"\\U0001F600"', false, '😀'],
    ['`raw\\n`', false, 'raw\\n'],
    ["'multi char'", true, 'multi char'],
    ["'x'", false, 'x'],
    ["'it\\'s'", true, "it's"],
  ])('%s', (s, anyLength, want) => expect(unquoteGo(s, anyLength)).toBe(want));

  it.each<[string, boolean]>([
    ["'ab'", false],
    ['"\\\'"', false],
    ['"unterminated', false],
    ['"bad \\q escape"', false],
    ['"\\ud800"', false],
    ['"a"b"', false],
    ['noquotes', false],
  ])('rejects %s', (s, anyLength) => expect(() => unquoteGo(s, anyLength)).toThrow());
});

describe('parseSeriesDescription', () => {
  it.each<[string, Record<string, string>, (number | string)[]]>([
    ['foo 1 2 3', { __name__: 'foo' }, [1, 2, 3]],
    ['foo{a="b", c="d"} 0+10x3', { __name__: 'foo', a: 'b', c: 'd' }, [0, 10, 20, 30]],
    ['foo{c="d",a="b",} 1', { __name__: 'foo', a: 'b', c: 'd' }, [1]],
    ['{a="b"} _x3 1', { a: 'b' }, ['_', '_', '_', 1]],
    ['{} 1 _ 3', {}, [1, '_', 3]],
    ['foo _x0 1', { __name__: 'foo' }, [1]],
    ['foo 1x4', { __name__: 'foo' }, [1, 1, 1, 1, 1]],
    ['foo 1-2x4', { __name__: 'foo' }, [1, -1, -3, -5, -7]],
    ['foo -1-2x3', { __name__: 'foo' }, [-1, -3, -5, -7]],
    ['foo +3 -2 1.5e3 .5', { __name__: 'foo' }, [3, -2, 1500, 0.5]],
    ['foo stale 1 stale', { __name__: 'foo' }, ['stale', 1, 'stale']],
    ['foo Inf -Inf +Inf inf', { __name__: 'foo' }, [Infinity, -Infinity, Infinity, Infinity]],
    ['foo NaN nan', { __name__: 'foo' }, [NaN, NaN]],
    ['foo 010 1_000', { __name__: 'foo' }, [8, 1000]],
    // The series lexer has no hex: `0x3` is 0 repeated, as in the reference.
    ['foo 0x3', { __name__: 'foo' }, [0, 0, 0, 0]],
    ['foo\t1\t\t2  ', { __name__: 'foo' }, [1, 2]],
    ['foo', { __name__: 'foo' }, []],
    ['foo:bar_baz 1', { __name__: 'foo:bar_baz' }, [1]],
    ['{__name__="x", l=\'v\'} 1', { __name__: 'x', l: 'v' }, [1]],
    ['{"my.metric", l="v"} 1', { __name__: 'my.metric', l: 'v' }, [1]],
    ['{"my.metric", "a.b"="v"} 1', { __name__: 'my.metric', 'a.b': 'v' }, [1]],
    ['foo{a="\\u00e9\\"q", b=`x\\y`} 1', { __name__: 'foo', a: 'é"q', b: 'x\\y' }, [1]],
    ['foo{a="", b="1"} 1', { __name__: 'foo', b: '1' }, [1]],
    ['foo {{schema:1 sum:2 buckets:[1 2]}} {{}}x2 {{count:1}}+{{count:2}}x1 3', { __name__: 'foo' }, ['H', 'H', 'H', 'H', 'H', 'H', 3]],
  ])('%s', (input, labels, values) => {
    const d = parseSeriesDescription(input);
    expect(d.metric).toEqual(labelsFrom(labels));
    expect(compact(d.values)).toEqual(values);
  });

  it('accumulates a+bxN by repeated addition, as Go does', () => {
    const values = compact(parseSeriesDescription('foo 0.1+0.1x9').values);
    expect(values).toEqual(accumulate(0.1, 0.1, 9));
    // The accumulated rounding is the point: i*b would give exactly 1 here.
    expect(values[9]).not.toBe(1);
  });

  it.each([
    'foo 0x1f',
    'foo 1m',
    'foo stalex3',
    'foo Infx2',
    'foo x3',
    'foo 1x',
    'foo _x1.5',
    'foo 1+2',
    'foo 1+2x',
    'foo bar',
    'foo{a!="b"} 1',
    'foo{a=~"b"} 1',
    'foo {a="b"} 1',
    'foo{a="b"',
    'foo{a="b" c="d"} 1',
    'foo{a="b", a="c"} 1',
    'foo{a=b} 1',
    'foo "bar"',
    'foo 1,2',
    'foo {{schema:1',
    'foo {{bogus:1}}',
    'foo {{sum:1 sum:2}}',
    'foo {{counter_reset_hint:sometimes}}',
    'Inf 1',
    '1 2',
    '',
  ])('rejects %j', (input) => expect(() => parseSeriesDescription(input)).toThrow());
});

describe('parseSTSequence', () => {
  it.each<[string, (number | null)[]]>([
    ['_ _ -30s-1mx2 -1m-1mx2', [null, null, -30_000, -90_000, -150_000, -60_000, -120_000, -180_000]],
    ['_x2 0s', [null, null, 0]],
    ['-59999ms *x2 *', [-59_999, -59_999, -59_999, -59_999, -59_999]],
    ['1mx2', [60_000, 60_000, 60_000]],
    ['0', [0]],
  ])('%s', (input, want) => expect(parseSTSequence(input)).toEqual(want));

  it.each(['_x0', '1m+', '1m+1m', '1mx', 'abc', '1m?2'])('rejects %j', (input) => expect(() => parseSTSequence(input)).toThrow());
});

function onlyEval(text: string): EvalCommand {
  const parsed = parseTestFile(text);
  expect(parsed.errors).toEqual([]);
  const evals = parsed.commands.filter((c): c is EvalCommand => c.kind === 'eval');
  expect(evals).toHaveLength(1);
  return evals[0]!;
}

describe('eval headers', () => {
  it.each<[string, Partial<EvalCommand>]>([
    ['eval instant at 50m sum(foo)', { expr: 'sum(foo)', isRange: false, evalMs: 3_000_000, startMs: 3_000_000, endMs: GO_ZERO_TIME_MS, stepMs: 0 }],
    ['eval  instant  at  1m30s   foo  bar', { expr: 'foo  bar', evalMs: 90_000 }],
    ['eval instant at 0 at', { expr: 'at', evalMs: 0 }],
    ['eval range from 0 to 1m step 30s rate(x[1m])', { expr: 'rate(x[1m])', isRange: true, startMs: 0, endMs: 60_000, stepMs: 30_000 }],
    ['eval range from 1m to 1m step 1s foo', { isRange: true, startMs: 60_000, endMs: 60_000, stepMs: 1000 }],
    ['eval_fail instant at 0 foo', { fail: true, expr: 'foo' }],
    ['eval_ordered instant at 0 sort(foo)', { ordered: true }],
    ['eval_warn range from 0 to 1m step 1m foo', { warn: true, isRange: true }],
    ['eval_info instant at 0 foo', { info: true }],
  ])('%s', (header, want) => expect(onlyEval(header)).toMatchObject(want));

  it.each([
    // Only a second blank lets the optional `at <time>` be empty; then the time fails to parse.
    ['eval instant  foo', 'invalid timestamp definition'],
    ['eval instant foo', 'invalid evaluation command'],
    ['eval instant at 1.5m foo', 'invalid timestamp definition'],
    ['eval range from 1m to 0 step 1s foo', 'end timestamp (0) is before start timestamp (1m)'],
    ['eval range from 0 to 1m step x foo', 'invalid step definition'],
    ['eval range from 0 to 1m step 30s', 'invalid evaluation command'],
    ['eval_ordered range from 0 to 1m step 30s foo', 'invalid evaluation command'],
    ['eval foo', 'invalid evaluation command'],
    ['EVAL instant at 0 foo', 'invalid evaluation command'],
    ['load', 'invalid load command'],
    ['load 1.5m', 'invalid step definition'],
    ['LOAD 1m', 'invalid load command'],
    ['evaluate', 'invalid evaluation command'],
    ['foo 1 2', 'invalid command "foo 1 2"'],
  ])('rejects %j', (text, message) => {
    const { errors } = parseTestFile(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.line).toBe(1);
    expect(errors[0]!.message).toContain(message);
  });
});

describe('eval bodies', () => {
  it('reads expectations, in the reference order of precedence', () => {
    const cmd = onlyEval(
      [
        'eval instant at 1m foo',
        '  expect fail msg: some error  ',
        '  expect warn regex: PromQL warning: .* \\(1:1\\)',
        '  expect warn',
        '  expect info msg:x',
        '  expect ordered',
        '  foo{a="1"} 2',
      ].join('\n'),
    );
    expect(cmd.expects.fail).toMatchObject([{ message: 'some error', text: 'some error' }]);
    expect(cmd.expects.warn).toHaveLength(2);
    expect(cmd.expects.warn[0]!.regex!.test('PromQL warning: boom (1:1)')).toBe(true);
    expect(cmd.expects.warn[0]!.regex!.test('PromQL warning: boom (1:2)')).toBe(false);
    // A bare `expect warn` matches any warning (the reference's ^.*$).
    expect(cmd.expects.warn[1]!.regex!.test('anything')).toBe(true);
    expect(cmd.expects.info).toMatchObject([{ message: 'x' }]);
    expect(cmd.expects.ordered).toHaveLength(1);
    expect(cmd.expected).toMatchObject([{ metric: labelsFrom({ __name__: 'foo', a: '1' }), pos: 1, line: 7 }]);
  });

  it('numbers result lines by position, not counting expect lines', () => {
    const cmd = onlyEval(['eval_ordered instant at 0 sort(x)', 'x{a="1"} 1', 'expect warn', 'x{a="2"} 2', 'x{a="3"} 3'].join('\n'));
    expect(cmd.expected.map((e) => [e.pos, e.line])).toEqual([
      [1, 2],
      [2, 4],
      [3, 5],
    ]);
  });

  it('lets a repeated label set replace the earlier line', () => {
    const cmd = onlyEval(['eval instant at 0 x', '{b="1", a="2"} 1', '{a="2",b="1"} 5'].join('\n'));
    expect(cmd.expected).toHaveLength(1);
    expect(compact(cmd.expected[0]!.values)).toEqual([5]);
    expect(cmd.expected[0]!.pos).toBe(2);
  });

  it.each<[string, number]>([
    ['2', 2],
    ['-Inf', -Infinity],
    ['0.00001234', 0.00001234],
    ['0x10', 16],
  ])('takes %j alone on a line as a scalar', (line, value) => {
    const cmd = onlyEval(`eval instant at 0 scalar(x)\n  ${line}`);
    expect(cmd).toMatchObject({ expectScalar: true, scalar: value, expected: [] });
  });

  it('ends the block after a scalar, as the reference does', () => {
    const { errors } = parseTestFile('eval instant at 0 1\n  1\n  2\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 3, message: expect.stringContaining('invalid command') });
  });

  it.each<[string, string]>([
    ['expect string `Foo`', 'Foo'],
    ['expect string "Foo"', 'Foo'],
    ['expect string " Foo "', ' Foo '],
    ['expect string ""', ''],
    ['expect string "\\u00e9"', 'é'],
  ])('%s', (line, s) => {
    const cmd = onlyEval(`eval instant at 0 "x"\n\t${line}`);
    expect(cmd.expectedString).toBe(s);
    expect(cmd.excludeFromRangeQuery).toBe(true);
  });

  it('turns an instant eval into a range-vector one with `expect range vector`', () => {
    const cmd = onlyEval(['eval instant at 3m x[3m]', '  expect range vector from 1m to 3m step 60s', '  x{} 1 _ 3', '  y 1+1x2'].join('\n'));
    expect(cmd).toMatchObject({ expectRangeVector: true, evalMs: 180_000, startMs: 60_000, endMs: 180_000, stepMs: 60_000, excludeFromRangeQuery: true });
    expect(cmd.expected.map((e) => compact(e.values))).toEqual([
      [1, '_', 3],
      [1, 2, 3],
    ]);
  });


  it('keeps the legacy eval_fail lines, which end the block', () => {
    const msg = onlyEval('eval_fail instant at 0 x\n  expected_fail_message vector cannot contain metrics with the same labelset');
    expect(msg.expectedFailMessage).toBe('vector cannot contain metrics with the same labelset');
    const re = onlyEval('eval_fail instant at 0 x\n  expected_fail_regexp many-to-many.*');
    expect(re.expectedFailRegexp!.test('a many-to-many matching')).toBe(true);
    // Without eval_fail the line is not special, and is no series description either.
    expect(parseTestFile('eval instant at 0 x\n  expected_fail_message boom').errors).toHaveLength(1);
  });

  it.each([
    ['eval instant at 0 x\n  expect warn\n  expect no_warn', 'warn and no_warn cannot be used together'],
    ['eval instant at 0 x\n  expect no_info\n  expect info', 'info and no_info cannot be used together'],
    ['eval instant at 0 x\n  expect fail\n  expect fail', 'multiple expect fail lines'],
    ['eval instant at 0 x\n  expect fail msg:', 'invalid expect statement'],
    ['eval instant at 0 x\n  expect sometimes', 'invalid expect statement'],
    ['eval instant at 0 x\n  expect warn regex: (', 'invalid regex ( for warn'],
    ['eval instant at 0 x\n  expect string', 'a quoted string literal is required'],
    ["eval instant at 0 x\n  expect string 'Foo'", 'correctly quoted'],
    ['eval instant at 0 x\n  expect range vector from 1m to 0 step 1m', 'before start timestamp'],
    ['eval instant at 0 x\n  expect range vector 1m', 'invalid range vector definition'],
    ['eval instant at 0 x\n  x 1 2', 'expecting multiple values in instant evaluation not allowed'],
    ['eval instant at 0 x\n  x{a=b} 1', 'parse error'],
  ])('rejects %j', (text, message) => {
    const { errors } = parseTestFile(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(message);
  });
});

describe('blocks and loads', () => {
  it('ends a block at a comment line and recovers after an error', () => {
    const { commands, errors } = parseTestFile(
      ['load 1m', '  a 1 2', '# a comment ends the block', '  b 1 2', '  c 3', '', 'clear', 'eval instant at 0 a', '  a 1'].join('\n'),
    );
    expect(errors.map((e) => e.line)).toEqual([4]);
    expect(commands.map((c) => [c.kind, c.line])).toEqual([
      ['load', 1],
      ['clear', 7],
      ['eval', 8],
    ]);
  });

  it('reads load intervals, nhcb and replaces a repeated series', () => {
    const { commands, errors } = parseTestFile(['load_with_nhcb 5m', '  x_bucket{le="1"} 1 2', '  y 1', '  x_bucket{le="1"} 7', '', 'load 30s', ' z 0'].join('\n'));
    expect(errors).toEqual([]);
    const [a, b] = commands as LoadCommand[];
    expect(a).toMatchObject({ intervalMs: 300_000, withNhcb: true });
    expect(a!.series.map((s) => [s.line, compact(s.values)])).toEqual([
      [4, [7]],
      [3, [1]],
    ]);
    expect(b).toMatchObject({ intervalMs: 30_000, withNhcb: false });
  });

  it('attaches @st offsets to the following line, and a bare @st line as a cycling default', () => {
    const { commands, errors } = parseTestFile(
      ['load 1m', '  c{t="a"}@st _ -30s -1m', '  c{t="a"} 1 2 3', '  @st -10s -20s', '  d 1 2 3'].join('\n'),
    );
    expect(errors).toEqual([]);
    const load = commands[0] as LoadCommand;
    expect(load.series.map((s) => s.startTimestamps)).toEqual([
      [null, -30_000, -60_000],
      [-10_000, -20_000, -10_000],
    ]);
  });

  it.each([
    ['load 1m\n  c@st 0 0\n  d 1 2', '@st metric does not match'],
    ['load 1m\n  c@st 0 0\n  c 1 2 3', '@st line has 2 values but sample line has 3'],
    ['load 1m\n  c@st 0 0', '@st line has no following sample line'],
    ['load 1m\n  c@st 0 0\n  c@st 0 0\n  c 1 2', '@st line has no following sample line'],
    ['load 1m\n  c@st 0 q', 'invalid @st sequence'],
  ])('rejects %j', (text, message) => {
    const { errors } = parseTestFile(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(message);
  });
});

describe('the Prometheus corpus', () => {
  const files = readdirSync(CORPUS)
    .filter((f) => f.endsWith('.test'))
    .sort();

  it('is there to check', () => expect(files.length).toBeGreaterThanOrEqual(10));

  it.each(files)('%s parses without format errors', (f) => {
    const { commands, errors } = parseTestFile(readFileSync(path.join(CORPUS, f), 'utf8'));
    expect(errors.map((e) => `${f}:${e.line}: ${e.message}`)).toEqual([]);
    expect(commands.some((c) => c.kind === 'eval')).toBe(true);
  });
});
