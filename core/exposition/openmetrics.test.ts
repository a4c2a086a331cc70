import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { labelsToRecord } from '../model/labels.js';
import { OpenMetricsParser } from './openmetrics.js';
import { firstParseError } from './testing.js';
import type { ExpositionParser } from './types.js';

type Entry =
  | { series: string; labels: Record<string, string>; value: number; ts: number | null; ex?: { labels: Record<string, string>; value: number; ts: number | null } }
  | { help: string; text: string }
  | { type: string; is: string }
  | { unit: string; is: string };

function entries(p: ExpositionParser): Entry[] {
  const out: Entry[] = [];
  for (let k = p.next(); k !== 'eof'; k = p.next()) {
    if (k === 'series') {
      const e: Entry = { series: p.seriesText(), labels: labelsToRecord(p.labels()), value: p.value(), ts: p.timestamp() };
      const ex = p.exemplar();
      if (ex) e.ex = { labels: labelsToRecord(ex.labels), value: ex.value, ts: ex.timestamp };
      out.push(e);
    } else if (k === 'help') out.push({ help: p.metaName(), text: p.help() });
    else if (k === 'type') out.push({ type: p.metaName(), is: p.type() });
    else if (k === 'unit') out.push({ unit: p.metaName(), is: p.unit() });
    else throw new Error(`unexpected ${k}`);
  }
  return out;
}

const parseError = (input: string) => firstParseError(new OpenMetricsParser(input), input);

const series = (s: string, labels: Record<string, string>, value: number, ts: number | null = null) => ({ series: s, labels, value, ts });

describe('OpenMetrics: valid input', () => {
  it('parses every metric type with metadata, units and exemplars', () => {
    const input = [
      '# HELP go_gc_duration_seconds A summary of the GC invocation durations.',
      '# TYPE go_gc_duration_seconds summary',
      '# UNIT go_gc_duration_seconds seconds',
      'go_gc_duration_seconds{quantile="0"} 4.9351e-05',
      'go_gc_duration_seconds{quantile="0.25"} 7.424100000000001e-05',
      '# HELP nohelp1 ',
      '# HELP help2 escape \\ \\n \\\\ \\" \\x chars',
      '# UNIT nounit ',
      'go_gc_duration_seconds_count 99',
      '# TYPE go_goroutines gauge',
      'go_goroutines 33 123.123',
      '# TYPE hhh histogram',
      'hhh_bucket{le="+Inf"} 1 # {id="histogram-bucket-test"} 4',
      'hhh_count 1 # {id="histogram-count-test"} 4',
      '# TYPE ggh gaugehistogram',
      'ggh_bucket{le="+Inf"} 1 # {id="gaugehistogram-bucket-test",xx="yy"} 4 123.123',
      '# TYPE ii info',
      'ii{foo="bar"} 1',
      '# TYPE ss stateset',
      'ss{ss="foo"} 1',
      '# TYPE un unknown',
      'testmetric{label="\\"bar\\""} 1',
      '# TYPE foo counter',
      'foo_total 17.0 1520879607.789 # {id="counter-test"} 5',
      'foo_created 1520872607.123',
      'foo_total{le="1"} 10.0',
      '# EOF',
      '',
    ].join('\n');
    expect(entries(new OpenMetricsParser(input))).toEqual([
      { help: 'go_gc_duration_seconds', text: 'A summary of the GC invocation durations.' },
      { type: 'go_gc_duration_seconds', is: 'summary' },
      { unit: 'go_gc_duration_seconds', is: 'seconds' },
      series('go_gc_duration_seconds{quantile="0"}', { __name__: 'go_gc_duration_seconds', quantile: '0.0' }, 4.9351e-5),
      series('go_gc_duration_seconds{quantile="0.25"}', { __name__: 'go_gc_duration_seconds', quantile: '0.25' }, 7.424100000000001e-5),
      { help: 'nohelp1', text: '' },
      // OpenMetrics HELP is escaped like a label value: \" is a quote, unknown escapes stay.
      { help: 'help2', text: 'escape \\ \n \\ " \\x chars' },
      { unit: 'nounit', is: '' },
      series('go_gc_duration_seconds_count', { __name__: 'go_gc_duration_seconds_count' }, 99),
      { type: 'go_goroutines', is: 'gauge' },
      series('go_goroutines', { __name__: 'go_goroutines' }, 33, 123123),
      { type: 'hhh', is: 'histogram' },
      { ...series('hhh_bucket{le="+Inf"}', { __name__: 'hhh_bucket', le: '+Inf' }, 1), ex: { labels: { id: 'histogram-bucket-test' }, value: 4, ts: null } },
      { ...series('hhh_count', { __name__: 'hhh_count' }, 1), ex: { labels: { id: 'histogram-count-test' }, value: 4, ts: null } },
      { type: 'ggh', is: 'gaugehistogram' },
      { ...series('ggh_bucket{le="+Inf"}', { __name__: 'ggh_bucket', le: '+Inf' }, 1), ex: { labels: { id: 'gaugehistogram-bucket-test', xx: 'yy' }, value: 4, ts: 123123 } },
      { type: 'ii', is: 'info' },
      series('ii{foo="bar"}', { __name__: 'ii', foo: 'bar' }, 1),
      { type: 'ss', is: 'stateset' },
      series('ss{ss="foo"}', { __name__: 'ss', ss: 'foo' }, 1),
      { type: 'un', is: 'unknown' },
      series('testmetric{label="\\"bar\\""}', { __name__: 'testmetric', label: '"bar"' }, 1),
      { type: 'foo', is: 'counter' },
      { ...series('foo_total', { __name__: 'foo_total' }, 17, 1520879607789), ex: { labels: { id: 'counter-test' }, value: 5, ts: null } },
      // Prometheus 3.x ingests _created lines as ordinary series unless created-timestamp ingestion is on.
      series('foo_created', { __name__: 'foo_created' }, 1520872607.123),
      series('foo_total{le="1"}', { __name__: 'foo_total', le: '1' }, 10),
    ]);
  });

  it('parses quoted UTF-8 names, in series, metadata and exemplars', () => {
    const input = [
      '# HELP "go.gc_duration_seconds" A summary.',
      '# TYPE "go.gc_duration_seconds" summary',
      '# UNIT "go.gc_duration_seconds" seconds',
      '{"go.gc_duration_seconds",quantile="0"} 4.9351e-05',
      '{q="0.9","http.status",a="b"} 8',
      'quotedexemplar_count 1 # {"id.thing"="histogram-count-test",other="hello"} 4',
      '# EOF',
    ].join('\n');
    expect(entries(new OpenMetricsParser(input))).toEqual([
      { help: 'go.gc_duration_seconds', text: 'A summary.' },
      { type: 'go.gc_duration_seconds', is: 'summary' },
      { unit: 'go.gc_duration_seconds', is: 'seconds' },
      series('{"go.gc_duration_seconds",quantile="0"}', { __name__: 'go.gc_duration_seconds', quantile: '0.0' }, 4.9351e-5),
      series('{q="0.9","http.status",a="b"}', { __name__: 'http.status', q: '0.9', a: 'b' }, 8),
      { ...series('quotedexemplar_count', { __name__: 'quotedexemplar_count' }, 1), ex: { labels: { 'id.thing': 'histogram-count-test', other: 'hello' }, value: 4, ts: null } },
    ]);
  });

  it('skips the _created lines of counters, summaries and histograms only when asked, as the ST-ingestion option does', () => {
    const input = [
      '# TYPE foo counter',
      'foo_total 17.0',
      'foo_created 1520872607.123',
      '# TYPE bar summary',
      'bar_count 17.0',
      'bar_created 1520872608.124',
      '# TYPE baz histogram',
      'baz_bucket{le="+Inf"} 17',
      'baz_created 1520872609.125',
      '# TYPE fizz_created gauge',
      'fizz_created 17.0',
      '# EOF',
    ].join('\n');
    const names = (skip: boolean) =>
      entries(new OpenMetricsParser(input, { skipCreatedSeries: skip })).flatMap((e) => ('series' in e ? [e.labels.__name__] : []));
    expect(names(false)).toEqual(['foo_total', 'foo_created', 'bar_count', 'bar_created', 'baz_bucket', 'baz_created', 'fizz_created']);
    expect(names(true)).toEqual(['foo_total', 'bar_count', 'baz_bucket', 'fizz_created']);
  });

  it.each([
    ['ends with "# EOF" and a newline', 'a 1\n# EOF\n'],
    ['ends with "# EOF" without a newline', 'a 1\n# EOF'],
    ['is only "# EOF"', '# EOF'],
  ])('accepts an exposition that %s', (_name, input) => {
    const p = new OpenMetricsParser(input);
    let k = p.next();
    while (k === 'series') k = p.next();
    expect(k).toBe('eof');
    expect(p.next()).toBe('eof');
  });

  it.each([
    ['seconds to milliseconds', 'a 1 1520879607.789', 1520879607789],
    ['an integer', 'a 1 1520879607', 1520879607000],
    ['truncated toward zero, as Go converts', 'a 1 1.0009', 1000],
    ['a negative time', 'a 1 -1.5', -1500],
    ['negative zero is zero', 'a 1 -0.0001', 0],
    ['an exponent', 'a 1 1.5e3', 1500000],
  ])('timestamp: %s', (_name, line, ts) => {
    const p = new OpenMetricsParser(`${line}\n# EOF\n`);
    p.next();
    expect(Object.is(p.timestamp(), ts)).toBe(true);
  });

  it.each([
    ['labels, value and timestamp', 'a 1 # {x="y",z=""} 2.5 10.5', { labels: { x: 'y' }, value: 2.5, timestamp: 10500 }],
    ['no labels', 'a 1 # {} 1', { labels: {}, value: 1, timestamp: null }],
    ['after the timestamp', 'a 1 5 # {t="1"} -Inf', { labels: { t: '1' }, value: -Infinity, timestamp: null }],
    ['escaped values', 'a 1 # {t="a\\"b\\\\c"} 1', { labels: { t: 'a"b\\c' }, value: 1, timestamp: null }],
  ])('exemplar with %s', (_name, line, ex) => {
    const p = new OpenMetricsParser(`${line}\n# EOF\n`);
    expect(p.next()).toBe('series');
    const got = p.exemplar()!;
    expect({ labels: labelsToRecord(got.labels), value: got.value, timestamp: got.timestamp }).toEqual(ex);
    expect(p.exemplar()).toBe(got);
  });

  it('has no exemplar on a line without one, and none on metadata', () => {
    const p = new OpenMetricsParser('a 1 # {x="y"} 1\nb 1\n# TYPE c gauge\n# EOF\n');
    p.next();
    expect(p.exemplar()).not.toBeNull();
    p.next();
    expect(p.exemplar()).toBeNull();
    p.next();
    expect(p.exemplar()).toBeNull();
  });

  it('reads plain decimal values and timestamps as Number() does, across the 15-digit fast path', () => {
    let seed = 777;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const decimal = () => {
      const nd = 1 + rnd(18);
      let digits = '';
      for (let d = 0; d < nd; d++) digits += String(rnd(10));
      const dot = rnd(nd + 3);
      return (rnd(3) === 0 ? '-' : '') + (dot > nd ? digits : digits.slice(0, dot) + '.' + digits.slice(dot));
    };
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(`a ${decimal()}${rnd(2) ? ` ${decimal()}` : ''}`);
    const p = new OpenMetricsParser(lines.join('\n') + '\n# EOF\n');
    for (const line of lines) {
      expect(p.next()).toBe('series');
      const [, v, t] = line.split(' ');
      expect(Object.is(p.value(), Number(v)), line).toBe(true);
      expect(p.timestamp(), line).toBe(t === undefined ? null : Math.trunc(Number(t) * 1000) || 0);
    }
  });

  it('parses NaN, ±Inf and -0 values', () => {
    const p = new OpenMetricsParser('a NaN\nb nan\nc +Inf\nd -Inf\ne -0\n# EOF\n');
    const v: number[] = [];
    while (p.next() === 'series') v.push(p.value());
    expect(Number.isNaN(v[0])).toBe(true);
    expect(Number.isNaN(v[1])).toBe(true);
    expect(v.slice(2, 4)).toEqual([Infinity, -Infinity]);
    expect(Object.is(v[4], -0)).toBe(true);
  });

  it('reads label values with escapes wherever they come in the body', () => {
    const input = 'a{x="1"} 1\nb{x="q\\"q",y="2"} 1\nc{x="3"} 1\nd{x="a\\nb\\\\"} 1\n# EOF\n';
    expect(entries(new OpenMetricsParser(input)).map((e) => ('series' in e ? e.labels : null))).toEqual([
      { __name__: 'a', x: '1' },
      { __name__: 'b', x: 'q"q', y: '2' },
      { __name__: 'c', x: '3' },
      { __name__: 'd', x: 'a\nb\\' },
    ]);
  });

  it('unescapes each HELP by itself, wherever the backslashes in the body are', () => {
    const input = ['# HELP a plain', '# HELP b one\\ntwo \\" \\\\ \\x', 'c{x="y\\\\"} 1', '# HELP d plain again', '# HELP e ends in \\', '# EOF', ''].join('\n');
    const helps: string[] = [];
    const p = new OpenMetricsParser(input);
    for (let k = p.next(); k !== 'eof'; k = p.next()) if (k === 'help') helps.push(p.help());
    expect(helps).toEqual(['plain', 'one\ntwo " \\ \\x', 'plain again', 'ends in \\']);
  });

  it('parses the all-types fixture', () => {
    const body = readFileSync(new URL('./testdata/all-types.om', import.meta.url), 'utf8');
    const got = entries(new OpenMetricsParser(body));
    expect(got.filter((e) => 'series' in e)).toHaveLength(22);
    expect(got.find((e) => 'series' in e && e.labels.__name__ === 'acme.utf8.name')).toEqual(series('{"acme.utf8.name","room.name"="kitchen"}', { __name__: 'acme.utf8.name', 'room.name': 'kitchen' }, 1));
    expect(got.find((e) => 'series' in e && e.ex !== undefined)).toEqual({
      ...series('acme_http_requests_total{code="200"}', { __name__: 'acme_http_requests_total', code: '200' }, 1027, 1704067201051),
      ex: { labels: { trace_id: 'KOO5S4vxi0o' }, value: 1, ts: 1704067200500 },
    });
  });
});

describe('OpenMetrics: errors', () => {
  it.each([
    // [input, line, column, reason]
    ['', 1, 1, 'data does not end with # EOF'],
    ['\n', 1, 1, 'expected a valid start token, got "\\n"'],
    ['metric', 1, 7, 'expected value after metric, got end of input'],
    ['metric 1', 1, 9, 'data does not end with # EOF'],
    ['metric 1\n', 2, 1, 'data does not end with # EOF'],
    ['metric_total 1 # {aa="bb"} 4', 1, 29, 'data does not end with # EOF'],
    ['a\n# EOF\n', 1, 2, 'expected value after metric, got "\\n"'],
    ['\n\n# EOF\n', 1, 1, 'expected a valid start token, got "\\n"'],
    [' a 1\n# EOF\n', 1, 1, 'expected a valid start token, got " "'],
    ['9\n# EOF\n', 1, 1, 'expected a valid start token, got "9"'],
    ['# TYPE u untyped\n# EOF\n', 1, 10, 'invalid metric type "untyped"'],
    ['# TYPE c counter \n# EOF\n', 1, 10, 'invalid metric type "counter "'],
    ['# TYPE c  counter\n# EOF\n', 1, 10, 'invalid metric type " counter"'],
    ['#  TYPE c counter\n# EOF\n', 1, 1, 'expected a valid start token, got "#"'],
    ['#\tTYPE c counter\n# EOF\n', 1, 1, 'expected a valid start token, got "#"'],
    ['# comment\n# EOF\n', 1, 1, 'expected a valid start token, got "#"'],
    ['#', 1, 1, 'expected a valid start token, got "#"'],
    ['# TYPE \n# EOF\n', 1, 8, 'expected metric name after TYPE, got "\\n"'],
    ['# TYPE m\n# EOF\n', 1, 9, 'expected text in TYPE'],
    ['# HELP m\n# EOF\n', 1, 9, 'expected text in HELP'],
    ['# HELP m x', 1, 11, 'expected text in HELP'],
    ['# UNIT m\n# EOF\n', 1, 9, 'expected text in UNIT'],
    ['# UNIT metric suffix\n# EOF\n', 1, 15, 'unit "suffix" not a suffix of metric "metric"'],
    ['# UNIT metricsuffix suffix\n# EOF\n', 1, 21, 'unit "suffix" not a suffix of metric "metricsuffix"'],
    ['# UNIT m suffix\n# EOF\n', 1, 10, 'unit "suffix" not a suffix of metric "m"'],
    ['a\t1\n# EOF\n', 1, 2, 'expected value after metric, got "\\t"'],
    ['a  1\n# EOF\n', 1, 3, 'expected value after metric, got " "'],
    ['a 1\t2\n# EOF\n', 1, 3, 'parsing "1\\t2": invalid syntax'],
    ['a 1 2 \n# EOF\n', 1, 6, 'expected next entry after timestamp, got " "'],
    ['a 1 2 #\n# EOF\n', 1, 6, 'expected next entry after timestamp, got " "'],
    ['a 1 \n# EOF\n', 1, 5, 'expected timestamp or exemplar, got "\\n"'],
    ['a 1 1z\n# EOF\n', 1, 5, 'parsing "1z": invalid syntax'],
    ['a 1 1 1\n# EOF\n', 1, 6, 'expected next entry after timestamp, got " "'],
    ['a 1 # x\n# EOF\n', 1, 5, 'parsing "#": invalid syntax'],
    [' # EOF\n', 1, 1, 'expected a valid start token, got " "'],
    ['# EOF\na 1', 2, 1, 'unexpected data after # EOF'],
    ['# EOF\n\n', 2, 1, 'unexpected data after # EOF'],
    ['# EOFa 1', 1, 6, 'unexpected data after # EOF'],
    ['# EOF ', 1, 6, 'unexpected data after # EOF'],
    ["a{b='c'} 1\n# EOF\n", 1, 5, 'expected label value, got "\'c\'"'],
    ['a{,b="c"} 1\n# EOF\n', 1, 3, 'expected label name, got ","'],
    ['a{b="c"d="e"} 1\n# EOF\n', 1, 8, 'expected comma or brace close, got "d"'],
    ['a{b="c",,d="e"} 1\n# EOF\n', 1, 9, 'expected label name, got ","'],
    ['a{b="c" } 1\n# EOF\n', 1, 8, 'expected comma or brace close, got " "'],
    ['a{ b="c"} 1\n# EOF\n', 1, 3, 'expected label name, got " "'],
    ['a{b="c"}  1\n# EOF\n', 1, 10, 'expected value after metric, got " "'],
    ['a {b="c"} 1\n# EOF\n', 1, 3, 'parsing "{b=\\"c\\"}": invalid syntax'],
    ['a{b=\n# EOF\n', 1, 5, 'expected label value, got "\\n"'],
    ['a{b="c\nd"} 1\n# EOF\n', 1, 5, 'expected label value, got unterminated quoted string'],
    ['something_weird{problem="\n# EOF\n', 1, 25, 'expected label value, got unterminated quoted string'],
    ['empty_label_name{=""} 0\n# EOF\n', 1, 18, 'expected label name, got "="'],
    ['{A}0\n# EOF\n', 1, 3, 'expected equal, got "}"'],
    ['foo 1_2\n\n# EOF\n', 1, 5, 'unsupported character in float "1_2"'],
    ['foo 0x1p-3\n\n# EOF\n', 1, 5, 'unsupported character in float "0x1p-3"'],
    ['foo 0 1_2\n\n# EOF\n', 1, 7, 'unsupported character in float "1_2"'],
    ['custom_metric_total 1 # {aa=bb}\n# EOF\n', 1, 29, 'expected label value, got "bb"'],
    ['custom_metric_total 1 # {aa="bb"}\n# EOF\n', 1, 34, 'expected value after exemplar labels, got "\\n"'],
    ['custom_metric_total 1 # {aa="bb"}', 1, 34, 'expected value after exemplar labels, got end of input'],
    ['custom_metric_total 1 # {bb}', 1, 28, 'expected equal, got "}"'],
    ['custom_metric_total 1 # {bb, a="dd"}', 1, 28, 'expected equal, got ","'],
    ['custom_metric_total 1 # {aa="bb",,cc="dd"} 1', 1, 34, 'expected label name, got ","'],
    ['custom_metric_total 1 # {aa="bb"} 1_2', 1, 35, 'unsupported character in float "1_2"'],
    ['custom_metric_total 1 # {aa="bb"} true', 1, 35, 'parsing "true": invalid syntax'],
    ['custom_metric_total 1 # {aa="bb",cc=}', 1, 37, 'expected label value, got "}"'],
    ['custom_metric_total 1 # {"x"} 1', 1, 29, 'expected label name, got "}"'],
    ['custom_metric_total 1 # {aa="b\nb"} 1', 1, 29, 'expected label value, got unterminated quoted string'],
    ['a 1 # {x="y"} 1 2 3\n# EOF\n', 1, 18, 'expected next entry after exemplar timestamp, got " "'],
    ['a 1 # {x="y"} 1 \n# EOF\n', 1, 17, 'expected exemplar timestamp or new record, got "\\n"'],
    ['{b="c",} 1', 1, 1, 'metric name not set'],
    ['a 1 NaN', 1, 5, 'invalid timestamp NaN'],
    ['a 1 -Inf', 1, 5, 'invalid timestamp -Inf'],
    ['a 1 Inf', 1, 5, 'invalid timestamp +Inf'],
    ['# TYPE hhh histogram\nhhh_bucket{le="+Inf"} 1 # {aa="bb"} 4 NaN', 2, 39, 'invalid exemplar timestamp NaN'],
    ['# TYPE hhh histogram\nhhh_bucket{le="+Inf"} 1 # {aa="bb"} 4 -Inf', 2, 39, 'invalid exemplar timestamp -Inf'],
    ['a{b="1",b="2"} 1\n# EOF\n', 1, 9, 'label name "b" is not unique'],
    ['a{__name__="a"} 1\n# EOF\n', 1, 3, 'label name "__name__" is not unique'],
    ['a 1\nb 2\nc{d=1} 3\n# EOF\n', 3, 5, 'expected label value, got "1"'],
    ['a{c="1",b="2",c="3"} 1\n# EOF\n', 1, 15, 'label name "c" is not unique'],
    ['a{b="1"} 1\na{b="1",c="x\nd"} 1\n# EOF\n', 2, 11, 'expected label value, got unterminated quoted string'],
  ])('%j → %i:%i %s', (input, line, column, reason) => {
    const e = parseError(input);
    expect({ line: e.line, column: e.column, reason: e.reason }).toEqual({ line, column, reason });
  });

  it('accepts NUL bytes in label values, as Prometheus does', () => {
    const p = new OpenMetricsParser('null_byte_metric{a="abc\x00"} 1\n# EOF\n');
    p.next();
    expect(labelsToRecord(p.labels())).toEqual({ __name__: 'null_byte_metric', a: 'abc\x00' });
  });
});

describe('OpenMetrics: repeatedSeries (backfill files)', () => {
  const backfill = [
    '# TYPE h histogram',
    'h_bucket{le="1",x="a"} 1 10',
    'h_bucket{le="1",x="a"} 2 11',
    'h_bucket{le="1",x="a"} 3 12 # {id="e"} 1',
    'h_bucket{le="1",x="ab"} 1 10',
    'h_bucket{le="1",x="ab"} 1 11',
    'h_created 5 10',
    'h_created 5 11',
    'g 1 10',
    'g 2 11',
    'g_x 2 11',
    '{"q.r",a="\\"b"} 1 10',
    '{"q.r",a="\\"b"} 2 11',
    '# TYPE g2 gauge',
    'h_bucket{le="1",x="ab"} 1 12',
    '# EOF',
    '',
  ].join('\n');

  it('yields exactly what a plain parse yields, with and without skipping _created', () => {
    for (const skipCreatedSeries of [false, true]) {
      expect(entries(new OpenMetricsParser(backfill, { repeatedSeries: true, skipCreatedSeries }))).toEqual(entries(new OpenMetricsParser(backfill, { skipCreatedSeries })));
    }
  });

  it("returns one label-set object for a series' consecutive lines, rebuilt after a TYPE", () => {
    const p = new OpenMetricsParser(backfill, { repeatedSeries: true });
    const got: { labels: object; le: string }[] = [];
    for (let k = p.next(); k !== 'eof'; k = p.next()) if (k === 'series') got.push({ labels: p.labels(), le: labelsToRecord(p.labels()).le ?? '' });
    expect(got[1]!.labels).toBe(got[0]!.labels);
    expect(got[2]!.labels).toBe(got[0]!.labels);
    expect(got[3]!.labels).not.toBe(got[0]!.labels);
    expect(got[4]!.labels).toBe(got[3]!.labels);
    expect(got[12]!.labels).not.toBe(got[4]!.labels);
    // Under the histogram TYPE "le" is normalized; after "# TYPE g2 gauge" the same text is not.
    expect(got.map((g) => g.le)).toEqual(['1.0', '1.0', '1.0', '1.0', '1.0', '', '', '', '', '', '', '', '1']);
  });

  it.each([
    ['a bad value after a repeat', 'a{b="c"} 1 1\na{b="c"} x 2\n# EOF\n', 2, 10, 'parsing "x": invalid syntax'],
    ['a longer name than the last', 'a 1 1\na_b{ 1 2\n# EOF\n', 2, 5, 'expected label name, got " "'],
    ['more after the same label block', 'a{b="c"} 1 1\na{b="c"}x 1 2\n# EOF\n', 2, 9, 'expected value after metric, got "x"'],
    ['no timestamp then a bad one', 'a{b="c"} 1\na{b="c"} 1 1_0\n# EOF\n', 2, 12, 'unsupported character in float "1_0"'],
  ])('reports errors where a plain parse does: %s', (_name, input, line, column, reason) => {
    const e = firstParseError(new OpenMetricsParser(input, { repeatedSeries: true }), input);
    expect({ line: e.line, column: e.column, reason: e.reason }).toEqual({ line, column, reason });
    expect(parseError(input).message).toBe(e.message);
  });
});
