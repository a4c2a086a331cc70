import { describe, expect, it } from 'vitest';
import { detach, floatError, formatOpenMetricsFloat, normalizeFloatLabel, parseGoFloat, unescapeQuoted, unescapeTextHelp } from './lexer.js';

const parse = (s: string) => parseGoFloat(s, 0, s.length);

describe('parseGoFloat', () => {
  it('agrees with Number() on decimal syntax, fast path or not', () => {
    // Digits around the 15-digit fast path and the 10^22 exact-power limit, where a
    // non-correctly-rounded shortcut would first go wrong.
    const cases = [
      '0.1', '0.3', '1.1', '2.675', '9007199254740993', '9007199254740992.5', '123456789012345', '1234567890123456',
      '0.000001', '1e22', '1e23', '123456789012345e22', '1.5e-22', '4.35e-23', '2.2250738585072011e-308', '5e-324',
      '8.98846567431158e307', '1.7976931348623157e308', '0.30000000000000004', '100000000000000000000000',
    ];
    for (const s of cases) {
      expect(parse(s)).toBe(Number(s));
      expect(parse('-' + s)).toBe(-Number(s));
    }
  });

  it('agrees with Number() on 20,000 random decimals', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 20000; i++) {
      const nd = 1 + rnd(22);
      let digits = '';
      for (let d = 0; d < nd; d++) digits += String(rnd(10));
      const dot = rnd(nd + 1);
      let s = digits.slice(0, dot) + '.' + digits.slice(dot);
      if (rnd(3) === 0) s += `e${rnd(2) ? '-' : '+'}${rnd(40)}`;
      expect(parse(s)).toBe(Number(s));
    }
  });

  it('keeps the sign of zero', () => {
    expect(Object.is(parse('-0'), -0)).toBe(true);
    expect(Object.is(parse('-0.000'), -0)).toBe(true);
    expect(Object.is(parse('+0'), 0)).toBe(true);
    expect(Object.is(parse('0e10'), 0)).toBe(true);
  });

  it.each(['', '+', '-', 'e5', '1e+', '1.2.3', '--1', '+-1', '1 ', ' 1', '0x1p3', '1_0', 'Infinit', '+NaN', '-nan', 'nana', '1e5.5', '١'])('rejects %j', (s) => {
    expect(parse(s)).toBeUndefined();
  });

  it('parses a slice of a longer string', () => {
    expect(parseGoFloat('a 12.5 b', 2, 6)).toBe(12.5);
  });

  it.each([
    ['1_2', 'unsupported character in float "1_2"'],
    ['0x1P3', 'unsupported character in float "0x1P3"'],
    ['1e999', 'parsing "1e999": value out of range'],
    ['abc', 'parsing "abc": invalid syntax'],
  ])('explains why %j is rejected', (s, reason) => {
    expect(floatError(s)).toBe(reason);
  });
});

describe('formatOpenMetricsFloat (Go strconv %g, shortest, plus ".0")', () => {
  it.each([
    [1, '1.0'],
    [0, '0.0'],
    [-0, '0.0'],
    [-1, '-1.0'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [0.5, '0.5'],
    [2, '2.0'],
    [100000, '100000.0'],
    [999999, '999999.0'],
    [1e6, '1e+06'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [1e21, '1e+21'],
    [1e100, '1e+100'],
    [5e-324, '5e-324'],
    [0.1 + 0.2, '0.30000000000000004'],
    [-2.5e-5, '-2.5e-05'],
    [123.456, '123.456'],
  ])('%s → %s', (f, s) => {
    expect(formatOpenMetricsFloat(f)).toBe(s);
  });

  it('normalizes le/quantile values that parse, and leaves the rest alone', () => {
    expect(['1', '+Inf', 'inf', '0.50', '1e3', '-0', 'NaN', 'abc', '', '1e999'].map(normalizeFloatLabel)).toEqual([
      '1.0',
      '+Inf',
      '+Inf',
      '0.5',
      '1000.0',
      '0.0',
      'NaN',
      'abc',
      '',
      '1e999',
    ]);
  });
});

describe('escapes', () => {
  it.each([
    ['plain', 'plain'],
    ['a\\\\b', 'a\\b'],
    ['a\\"b', 'a"b'],
    ['a\\nb', 'a\nb'],
    ['a\\tb\\', 'a\\tb\\'],
    ['\\\\n', '\\n'],
    ['\\\\\\"', '\\"'],
  ])('label value %j → %j', (raw, out) => {
    expect(unescapeQuoted(raw, 0, raw.length)).toBe(out);
  });

  it.each([
    ['a\\\\b', 'a\\b'],
    ['a\\nb', 'a\nb'],
    ['a\\"b', 'a\\"b'],
  ])('text HELP %j → %j', (raw, out) => {
    expect(unescapeTextHelp(raw, 0, raw.length)).toBe(out);
  });
});

describe('detach', () => {
  it('returns an equal string, short or long, whatever it was cut from', () => {
    const body = 'x'.repeat(100) + 'a label value long enough to be a view' + 'y'.repeat(100);
    const cut = body.slice(100, 138);
    expect(detach(cut)).toBe('a label value long enough to be a view');
    expect(detach('short')).toBe('short');
    expect(detach('')).toBe('');
  });
});

