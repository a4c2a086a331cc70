import { describe, expect, it } from 'vitest';
import { AlertMatcher, matchersString, parseMatcher, parseMatchers, sortMatchers } from './matchers.js';

describe('parseMatcher (labels.ParseMatcher)', () => {
  it.each([
    ['a="b"', 'a', '=', 'b'],
    ['a = b', 'a', '=', 'b'],
    ['a!="b"', 'a', '!=', 'b'],
    ['a=~"b.*"', 'a', '=~', 'b.*'],
    ['a!~b|c', 'a', '!~', 'b|c'],
    ['a=""', 'a', '=', ''],
    ['a=', 'a', '=', ''],
    ['a="x\\"y"', 'a', '=', 'x"y'],
    ['a="x\\ny"', 'a', '=', 'x\ny'],
    ['a="x\\\\y"', 'a', '=', 'x\\y'],
    ['a="x\\dy"', 'a', '=', 'x\\dy'], // other escapes stay as they are
    ['a="x,y"', 'a', '=', 'x,y'],
  ])('%s', (s, name, type, value) => {
    const m = parseMatcher(s);
    expect([m.name, m.type, m.value]).toEqual([name, type, value]);
  });

  it.each([
    ['a', 'bad matcher format: a'],
    ['1a="b"', 'bad matcher format'],
    ['a="b', 'unescaped double quote'],
    ['a="b"c"', 'unescaped double quote'],
    ['a=~"("', 'invalid regular expression'],
  ])('%s is an error', (s, msg) => {
    expect(() => parseMatcher(s)).toThrow(msg);
  });
});

describe('parseMatchers', () => {
  it.each([
    ['{a="b", c=~"d.*"}', ['a="b"', 'c=~"d.*"']],
    ['a="b",c="x,y"', ['a="b"', 'c="x,y"']],
    ['foo=bar', ['foo="bar"']],
    ['{}', []],
  ])('%s', (s, want) => {
    expect(parseMatchers(s).map(String)).toEqual(want);
  });
});

describe('matching', () => {
  it.each([
    ['=~', 'b.*', 'bcd', true],
    ['=~', 'b', 'abc', false], // anchored
    ['=~', 'a|b', 'b', true],
    ['!~', 'a|b', 'c', true],
    ['!=', 'x', '', true],
    ['=~', 'x.y', 'x\ny', false], // unlike Prometheus, no (?s): dot does not match newline
  ] as const)('%s %j against %j → %s', (type, value, s, want) => {
    expect(new AlertMatcher(type, 'l', value).matches(s)).toBe(want);
  });
});

it('sorts by name, value, then operator, and prints as route keys do', () => {
  const ms = sortMatchers([new AlertMatcher('=~', 'b', 'x'), new AlertMatcher('=', 'b', 'x'), new AlertMatcher('!=', 'a', 'z"q')]);
  expect(matchersString(ms)).toBe('{a!="z\\"q",b="x",b=~"x"}');
  expect(matchersString([])).toBe('{}');
});
