import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { labelsToRecord } from '../model/labels.js';
import { TextParser } from './text.js';
import { firstParseError } from './testing.js';
import { type ExpositionParser, ParseError } from './types.js';

type Entry =
  | { series: string; labels: Record<string, string>; value: number; ts: number | null }
  | { help: string; text: string }
  | { type: string; is: string }
  | { comment: number };

function entries(p: ExpositionParser): Entry[] {
  const out: Entry[] = [];
  for (let k = p.next(); k !== 'eof'; k = p.next()) {
    if (k === 'series') out.push({ series: p.seriesText(), labels: labelsToRecord(p.labels()), value: p.value(), ts: p.timestamp() });
    else if (k === 'help') out.push({ help: p.metaName(), text: p.help() });
    else if (k === 'type') out.push({ type: p.metaName(), is: p.type() });
    else out.push({ comment: p.line() });
  }
  return out;
}

const parseError = (input: string) => firstParseError(new TextParser(input), input);

describe('text format: valid input', () => {
  it("parses Prometheus's own example exposition", () => {
    const input = [
      '# HELP go_gc_duration_seconds A summary of the GC invocation durations.',
      '# \tTYPE go_gc_duration_seconds summary',
      'go_gc_duration_seconds{quantile="0"} 4.9351e-05',
      'go_gc_duration_seconds{quantile="0.25",} 7.424100000000001e-05',
      'go_gc_duration_seconds{ quantile="0.9", a="b"} 8.3835e-05',
      '# HELP prometheus_http_request_duration_seconds Histogram of latencies for HTTP requests.',
      '# TYPE prometheus_http_request_duration_seconds histogram',
      'prometheus_http_request_duration_seconds_bucket{handler="/",le="1"} 423',
      'prometheus_http_request_duration_seconds_bucket{handler="/",le="+Inf"} 1423',
      'prometheus_http_request_duration_seconds_sum{handler="/"} 2000',
      '# Hrandom comment starting with prefix of HELP',
      '#',
      'wind_speed{A="2",c="3"} 12345',
      '# HELP nohelp1',
      '# HELP nohelp2 ',
      'go_gc_duration_seconds { quantile = "2.0" a = "b" } 8.3835e-05',
      'some:aggregate:rate5m{a_b="c"}\t1',
      '# TYPE go_goroutines gauge',
      'go_goroutines 33  \t123123',
      '_metric_starting_with_underscore 1',
      'testmetric{label="\\"bar\\""} 1',
    ].join('\n');
    expect(entries(new TextParser(input))).toEqual([
      { help: 'go_gc_duration_seconds', text: 'A summary of the GC invocation durations.' },
      { type: 'go_gc_duration_seconds', is: 'summary' },
      { series: 'go_gc_duration_seconds{quantile="0"}', labels: { __name__: 'go_gc_duration_seconds', quantile: '0.0' }, value: 4.9351e-5, ts: null },
      { series: 'go_gc_duration_seconds{quantile="0.25",}', labels: { __name__: 'go_gc_duration_seconds', quantile: '0.25' }, value: 7.424100000000001e-5, ts: null },
      { series: 'go_gc_duration_seconds{ quantile="0.9", a="b"}', labels: { __name__: 'go_gc_duration_seconds', quantile: '0.9', a: 'b' }, value: 8.3835e-5, ts: null },
      { help: 'prometheus_http_request_duration_seconds', text: 'Histogram of latencies for HTTP requests.' },
      { type: 'prometheus_http_request_duration_seconds', is: 'histogram' },
      {
        series: 'prometheus_http_request_duration_seconds_bucket{handler="/",le="1"}',
        labels: { __name__: 'prometheus_http_request_duration_seconds_bucket', handler: '/', le: '1.0' },
        value: 423,
        ts: null,
      },
      {
        series: 'prometheus_http_request_duration_seconds_bucket{handler="/",le="+Inf"}',
        labels: { __name__: 'prometheus_http_request_duration_seconds_bucket', handler: '/', le: '+Inf' },
        value: 1423,
        ts: null,
      },
      { series: 'prometheus_http_request_duration_seconds_sum{handler="/"}', labels: { __name__: 'prometheus_http_request_duration_seconds_sum', handler: '/' }, value: 2000, ts: null },
      { comment: 11 },
      { comment: 12 },
      { series: 'wind_speed{A="2",c="3"}', labels: { __name__: 'wind_speed', A: '2', c: '3' }, value: 12345, ts: null },
      { help: 'nohelp1', text: '' },
      { help: 'nohelp2', text: '' },
      // "quantile" is only normalized under a summary TYPE; the last TYPE seen was histogram.
      { series: 'go_gc_duration_seconds { quantile = "2.0" a = "b" }', labels: { __name__: 'go_gc_duration_seconds', quantile: '2.0', a: 'b' }, value: 8.3835e-5, ts: null },
      { series: 'some:aggregate:rate5m{a_b="c"}', labels: { __name__: 'some:aggregate:rate5m', a_b: 'c' }, value: 1, ts: null },
      { type: 'go_goroutines', is: 'gauge' },
      { series: 'go_goroutines', labels: { __name__: 'go_goroutines' }, value: 33, ts: 123123 },
      { series: '_metric_starting_with_underscore', labels: { __name__: '_metric_starting_with_underscore' }, value: 1, ts: null },
      { series: 'testmetric{label="\\"bar\\""}', labels: { __name__: 'testmetric', label: '"bar"' }, value: 1, ts: null },
    ]);
  });

  it('parses quoted UTF-8 metric and label names, in the braces and in metadata', () => {
    const input = [
      '# HELP "go.gc_duration_seconds" A summary.',
      '# TYPE "go.gc_duration_seconds" summary',
      '{"go.gc_duration_seconds",quantile="0"} 4.9351e-05',
      '{ "go.gc_duration_seconds", quantile = "1.0", a="b" } 8',
      '{q="0.9","http.status",a="b"} 1',
      '{"Heizölrückstoßabdämpfung 10€ metric with \\"interesting\\" {character\\nchoices}","strange©™\\n\'quoted\' \\"name\\""="6"} 10.0',
    ].join('\n');
    expect(entries(new TextParser(input))).toEqual([
      { help: 'go.gc_duration_seconds', text: 'A summary.' },
      { type: 'go.gc_duration_seconds', is: 'summary' },
      { series: '{"go.gc_duration_seconds",quantile="0"}', labels: { __name__: 'go.gc_duration_seconds', quantile: '0.0' }, value: 4.9351e-5, ts: null },
      { series: '{ "go.gc_duration_seconds", quantile = "1.0", a="b" }', labels: { __name__: 'go.gc_duration_seconds', quantile: '1.0', a: 'b' }, value: 8, ts: null },
      { series: '{q="0.9","http.status",a="b"}', labels: { __name__: 'http.status', q: '0.9', a: 'b' }, value: 1, ts: null },
      {
        series: '{"Heizölrückstoßabdämpfung 10€ metric with \\"interesting\\" {character\\nchoices}","strange©™\\n\'quoted\' \\"name\\""="6"}',
        labels: { __name__: 'Heizölrückstoßabdämpfung 10€ metric with "interesting" {character\nchoices}', 'strange©™\n\'quoted\' "name"': '6' },
        value: 10,
        ts: null,
      },
    ]);
  });

  it.each([
    ['label value escapes', 'm{a="x\\\\y\\"z\\nw"} 1', { __name__: 'm', a: 'x\\y"z\nw' }],
    ['an unknown escape stays as written', 'm{a="\\x\\t"} 1', { __name__: 'm', a: '\\x\\t' }],
    ['an escaped backslash before n is not a newline', 'm{a="\\\\n"} 1', { __name__: 'm', a: '\\n' }],
    ['an empty value means no label', 'm{a="",b="1"} 1', { __name__: 'm', b: '1' }],
    ['NUL bytes are kept in values', 'm{a="abc\x00"} 1', { __name__: 'm', a: 'abc\x00' }],
    ['a raw newline inside a value (the text lexer allows it)', 'm{a="x\ny"} 1', { __name__: 'm', a: 'x\ny' }],
  ])('%s', (_name, input, labels) => {
    const p = new TextParser(input);
    expect(p.next()).toBe('series');
    expect(labelsToRecord(p.labels())).toEqual(labels);
    expect(p.next()).toBe('eof');
  });

  it.each([
    ['\\\\ and \\n are escapes', '# HELP m a\\\\b\\nc', 'a\\b\nc'],
    ['\\" is not an escape in text-format HELP', '# HELP m say \\"hi\\"', 'say \\"hi\\"'],
    ['only the first blank after the name is a separator', '# HELP m   two', '  two'],
    ['a tab separates too', '# HELP m\tx', 'x'],
    ['NUL bytes are kept', '# HELP m foo\x00bar', 'foo\x00bar'],
  ])('HELP: %s', (_name, input, text) => {
    const p = new TextParser(input);
    expect(p.next()).toBe('help');
    expect(p.help()).toBe(text);
  });

  it('returns labels sorted by name, with __name__ among them', () => {
    const p = new TextParser('m{zz="1",a="2",__x="3",B="4"} 1\n');
    p.next();
    expect(p.labels().map((l) => l.name)).toEqual(['B', '__name__', '__x', 'a', 'zz']);
    expect(p.metricName()).toBe('m');
  });

  it('reads label values with blanks, escapes and newlines, wherever they come in the body', () => {
    const input = 'a{x="1",y="plain"} 1\nb{x="q\\"q",y="2"} 1\nc{x="multi\nline", y="b\\\\s"} 1\nd{ x = "1" , y="a\\nb" } 1\ne{x="é😀"} 1\n';
    expect(entries(new TextParser(input)).map((e) => ('series' in e ? e.labels : null))).toEqual([
      { __name__: 'a', x: '1', y: 'plain' },
      { __name__: 'b', x: 'q"q', y: '2' },
      { __name__: 'c', x: 'multi\nline', y: 'b\\s' },
      { __name__: 'd', x: '1', y: 'a\nb' },
      { __name__: 'e', x: 'é😀' },
    ]);
  });

  it('unescapes each HELP by itself, wherever the backslashes in the body are', () => {
    const input = ['# HELP a plain', '# HELP b one\\ntwo \\\\ \\x', 'c{x="y\\\\"} 1', '# HELP d plain again', '# HELP e ends in \\', '# HELP f \\\\'].join('\n');
    const helps: string[] = [];
    const p = new TextParser(input);
    for (let k = p.next(); k !== 'eof'; k = p.next()) if (k === 'help') helps.push(p.help());
    expect(helps).toEqual(['plain', 'one\ntwo \\ \\x', 'plain again', 'ends in \\', '\\']);
  });

  it('accepts label names in any order when they are unique', () => {
    const p = new TextParser('m{c="1",b="2",a="3",ab="4",aa="5",a_="6",A="7",d="8"} 1\n');
    p.next();
    expect(p.labels().map((l) => l.name)).toEqual(['A', '__name__', 'a', 'a_', 'aa', 'ab', 'b', 'c', 'd']);
  });

  it.each([
    ['untyped is unknown', '# TYPE m untyped', 'unknown'],
    ['counter', '# TYPE m counter', 'counter'],
    ['gauge', '# TYPE m gauge', 'gauge'],
    ['histogram', '# TYPE m histogram', 'histogram'],
    ['summary', '# TYPE m summary', 'summary'],
  ])('TYPE: %s', (_name, input, type) => {
    const p = new TextParser(input);
    expect(p.next()).toBe('type');
    expect(p.type()).toBe(type);
  });

  it.each([
    ['"# HELP" without a blank after it', '#HELP m x'],
    ['"# HELPER"', '# HELPER m x'],
    ['a bare "#"', '#'],
    ['"# HELP" at the end of the line', '# HELP'],
    ['"# UNIT" (not metadata in this format)', '# UNIT m seconds'],
  ])('comment: %s', (_name, input) => {
    const p = new TextParser(input);
    expect(p.next()).toBe('comment');
    expect(p.next()).toBe('eof');
  });

  it('normalizes le under a histogram TYPE and quantile under a summary TYPE, nothing else', () => {
    const input = ['# TYPE h histogram', 'h_bucket{le="1"} 1', 'h_bucket{le="1e6"} 1', 'h_bucket{le="0.00001"} 1', 'h_bucket{le="x"} 1', 'h_bucket{quantile="1"} 1', '# TYPE g gauge', 'g{le="1"} 1'].join('\n');
    const les = entries(new TextParser(input)).flatMap((e) => ('series' in e ? [e.labels.le ?? `q=${e.labels.quantile}`] : []));
    expect(les).toEqual(['1.0', '1e+06', '1e-05', 'x', 'q=1', '1']);
  });

  it('ends at a NUL where a line starts, as the Prometheus lexer does', () => {
    expect(entries(new TextParser('a 1\n\x00garbage {{{\n'))).toEqual([{ series: 'a', labels: { __name__: 'a' }, value: 1, ts: null }]);
  });

  it('accepts blank lines, leading blanks and a last line without a newline', () => {
    expect(entries(new TextParser('\n \n\t a  2 \n\n  b 3'))).toEqual([
      { series: 'a', labels: { __name__: 'a' }, value: 2, ts: null },
      { series: 'b', labels: { __name__: 'b' }, value: 3, ts: null },
    ]);
    expect(entries(new TextParser(''))).toEqual([]);
  });

  it('reports the line each entry starts on, across blank lines and multi-line values', () => {
    const p = new TextParser('# HELP a x\n\n\na{l="1\n2"} 1\nb 1\n# c\n');
    const lines: number[] = [];
    for (let k = p.next(); k !== 'eof'; k = p.next()) lines.push(p.line());
    expect(lines).toEqual([1, 4, 6, 7]);
  });

  it('keeps returning eof after the end', () => {
    const p = new TextParser('a 1');
    expect([p.next(), p.next(), p.next()]).toEqual(['series', 'eof', 'eof']);
  });

  it('has no exemplars and no units', () => {
    const p = new TextParser('a 1 # {x="y"} 1\n');
    expect(() => p.next()).toThrow(ParseError);
    const q = new TextParser('a 1\n');
    q.next();
    expect(q.exemplar()).toBeNull();
    expect(q.unit()).toBe('');
  });
});

describe('text format: values and timestamps', () => {
  it.each([
    ['1', 1],
    ['-1.5', -1.5],
    ['+5', 5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['007', 7],
    ['4.9351e-05', 4.9351e-5],
    ['123456789012345678901234567890', 1.2345678901234568e29],
    ['0.1000000000000000055511151231257827', 0.1],
    ['1.7976931348623157e308', 1.7976931348623157e308],
    ['1e-400', 0],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['Inf', Infinity],
    ['inf', Infinity],
    ['+infinity', Infinity],
    ['-INFINITY', -Infinity],
  ])('value %s', (text, value) => {
    const p = new TextParser(`m ${text}\n`);
    p.next();
    expect(p.value()).toBe(value);
  });

  it('reads plain decimal values as Number() does, across the 15-digit fast path, whatever follows them', () => {
    let seed = 4242;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const values: string[] = [];
    let body = '';
    for (let i = 0; i < 5000; i++) {
      const nd = 1 + rnd(18);
      let digits = '';
      for (let d = 0; d < nd; d++) digits += String(rnd(10));
      const dot = rnd(nd + 3);
      const v = (rnd(3) === 0 ? '-' : '') + (dot > nd ? digits : digits.slice(0, dot) + '.' + digits.slice(dot));
      values.push(v);
      body += `a ${v}${['', ' ', '\t', ' 123'][rnd(4)]}\n`;
    }
    const p = new TextParser(body);
    for (const v of values) {
      expect(p.next()).toBe('series');
      expect(Object.is(p.value(), Number(v)), v).toBe(true);
    }
  });

  it('parses NaN in any case, and -0 as -0', () => {
    for (const text of ['NaN', 'nan', 'NAN', 'nAn']) {
      const p = new TextParser(`m ${text}`);
      p.next();
      expect(Number.isNaN(p.value())).toBe(true);
    }
    const z = new TextParser('m -0');
    z.next();
    expect(Object.is(z.value(), -0)).toBe(true);
    const y = new TextParser('m -0.0e5');
    y.next();
    expect(Object.is(y.value(), -0)).toBe(true);
  });

  it.each([
    ['+nan', 'parsing "+nan": invalid syntax'],
    ['infinit', 'parsing "infinit": invalid syntax'],
    ['0x10', 'parsing "0x10": invalid syntax'],
    ['0x1p-3', 'unsupported character in float "0x1p-3"'],
    ['1_000', 'unsupported character in float "1_000"'],
    ['1e', 'parsing "1e": invalid syntax'],
    ['.', 'parsing ".": invalid syntax'],
    ['1.2.3', 'parsing "1.2.3": invalid syntax'],
    ['true', 'parsing "true": invalid syntax'],
    ['1e400', 'parsing "1e400": value out of range'],
    ['-1e400', 'parsing "-1e400": value out of range'],
    ['1\r', 'parsing "1\\r": invalid syntax'],
  ])('rejects value %j', (text, reason) => {
    const e = parseError(`m ${text}\n`);
    expect([e.line, e.column, e.reason]).toEqual([1, 3, reason]);
  });

  it.each([
    ['m 1 0', 0],
    ['m 1 1704067201051', 1704067201051],
    ['m 1 9223372036854775807', 2 ** 63],
    ['m 1 00000000000000000000001', 1],
    ['m 1\t 42 \t', 42],
  ])('timestamp in %j', (input, ts) => {
    const p = new TextParser(input);
    p.next();
    expect(p.timestamp()).toBe(ts);
  });
});

describe('text format: errors', () => {
  it.each([
    // [input, line, column, reason]
    ['a', 1, 2, 'expected value after metric, got end of input'],
    ['a\n', 1, 2, 'expected value after metric, got "\\n"'],
    ["a{b='c'} 1\n", 1, 5, 'expected label value, got "\'c\'"'],
    ['a{b=\n', 1, 5, 'expected label value, got "\\n"'],
    ['a true\n', 1, 3, 'parsing "true": invalid syntax'],
    ['something_weird{problem="', 1, 25, 'expected label value, got unterminated quoted string'],
    ['a{b="c\\\nd"} 1', 1, 5, 'expected label value, got unterminated quoted string'],
    ['empty_label_name{=""} 0', 1, 18, 'expected label name, got "="'],
    ['{A}0', 1, 3, 'expected equal, got "}"'],
    ['a{b="c",,d="e"} 1', 1, 9, 'expected label name, got ","'],
    ['a{b="c"} {', 1, 10, 'expected value after metric, got "{"'],
    ['foo 0 1_2\n', 1, 8, 'expected next entry after timestamp, got "_2"'],
    ['a 1 2 3', 1, 7, 'expected next entry after timestamp, got "3"'],
    ['a 1 -5', 1, 5, 'expected timestamp or new record, got "-5"'],
    ['a 1 1.5', 1, 6, 'expected next entry after timestamp, got ".5"'],
    ['a 1 # {x="y"} 1', 1, 5, 'expected timestamp or new record, got "#"'],
    ['a 1 99999999999999999999', 1, 5, 'timestamp 99999999999999999999 out of range'],
    ['{a="ok"} 1', 1, 1, 'metric name not set'],
    ['{"a","b"} 1', 1, 6, 'metric name already set'],
    ['{""} 1', 1, 2, 'invalid metric name ""'],
    ['a{""="x"} 1', 1, 3, 'invalid label name ""'],
    ['a{b="c",b="d"} 1', 1, 9, 'label name "b" is not unique'],
    ['a{b="c", "b"="d"} 1', 1, 10, 'label name "b" is not unique'],
    ['a{__name__="b"} 1', 1, 3, 'label name "__name__" is not unique'],
    ['{"__name__"="b", "a"} 1', 1, 2, 'label name "__name__" is not unique'],
    // Names out of order are checked against all before them, not only the one before.
    ['a{c="1",b="2",c="3"} 1', 1, 15, 'label name "c" is not unique'],
    ['a{b="1",d="2",c="3",d="4"} 1', 1, 21, 'label name "d" is not unique'],
    ['a{b="1",bb="2",b="3"} 1', 1, 16, 'label name "b" is not unique'],
    ['a{b="1"} 1\na{c="x\\\nd"} 1', 2, 5, 'expected label value, got unterminated quoted string'],
    ['{__name__="b"} 1', 1, 1, 'metric name not set'],
    ['9 1', 1, 1, 'expected a valid start token, got "9"'],
    ['a{b="c"} 1\n€ 1', 2, 1, 'expected a valid start token, got "€"'],
    ['# TYPE #\n', 1, 8, 'expected metric name after TYPE, got "#"'],
    ['# HELP #\n', 1, 8, 'expected metric name after HELP, got "#"'],
    ['# HELP \n', 1, 8, 'expected metric name after HELP, got "\\n"'],
    ['# TYPE m counte', 1, 10, 'invalid metric type "counte"'],
    ['# TYPE m counter ', 1, 10, 'invalid metric type "counter "'],
    ['# TYPE m', 1, 9, 'invalid metric type ""'],
    ['# TYPE m gaugehistogram', 1, 10, 'invalid metric type "gaugehistogram"'],
    ['a 1\n\nb{c="x\ny"} 1\nc\n', 5, 2, 'expected value after metric, got "\\n"'],
    ['ok 1\n😀x{a="1"} 1\nok 2', 2, 1, 'expected a valid start token, got "😀x"'],
    // Columns count characters, so an astral character is one column.
    ['x{a="😀",b} 1', 1, 10, 'expected equal, got "}"'],
  ])('%j → %i:%i %s', (input, line, column, reason) => {
    const e = parseError(input);
    expect({ line: e.line, column: e.column, reason: e.reason }).toEqual({ line, column, reason });
    expect(e.message).toBe(`line ${line}, column ${column}: ${reason}`);
  });

  it('keeps throwing the same error once it has failed', () => {
    const p = new TextParser('a 1\nb x\nc 1\n');
    expect(p.next()).toBe('series');
    let first: unknown;
    try {
      p.next();
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(ParseError);
    expect(() => p.next()).toThrow(first as Error);
  });
});

describe('text format: the series text', () => {
  it('is the name and label block exactly as exposed, the same from scrape to scrape', () => {
    const body = 'a{x="1"} 1 100\nb 2\n  c {y="2"}\t3\n{"d.e"} 4';
    const texts = (s: string) => {
      const p = new TextParser(s);
      const out: string[] = [];
      for (let k = p.next(); k !== 'eof'; k = p.next()) out.push(p.seriesText());
      return out;
    };
    expect(texts(body)).toEqual(['a{x="1"}', 'b', 'c {y="2"}', '{"d.e"}']);
    expect(texts(body.replace('1 100', '7 200').replace('b 2', 'b 9'))).toEqual(texts(body));
  });

  it('parses the fixtures without error', () => {
    for (const f of ['clean.prom', 'problems.prom']) {
      const body = readFileSync(new URL(`./testdata/${f}`, import.meta.url), 'utf8');
      const got = entries(new TextParser(body));
      expect(got.filter((e) => 'series' in e).length).toBeGreaterThan(5);
    }
  });
});
