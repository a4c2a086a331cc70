import { describe, expect, it } from 'vitest';
import { Matcher, type MatchType } from './matchers.js';

describe('Matcher', () => {
  it.each([
    ['=', 'a', 'a', true],
    ['=', 'a', 'ab', false],
    ['!=', 'a', 'b', true],
    ['=~', 'a.*', 'abc', true],
    ['=~', 'a.*', 'xabc', false], // anchored at the start
    ['=~', 'b', 'abc', false], // and at the end
    ['=~', 'a|b', 'b', true],
    ['=~', 'a|b', 'ab', false],
    ['!~', 'a|b', 'c', true],
    ['=~', '.*', '', true],
    ['=~', '(?i)FOO', 'foo', true],
    ['=~', 'x.y', 'x\ny', true], // RE2 under Prometheus's (?s): dot matches newline
    ['!~', '.+', '', true],
  ] as [MatchType, string, string, boolean][])('%s %j against %j → %s', (type, value, s, want) => {
    expect(new Matcher(type, 'l', value).matches(s)).toBe(want);
  });

  it.each([
    ['=', '', true],
    ['!=', '', false],
    ['=~', '.*', true],
    ['=~', '.+', false],
    ['!~', '.+', true],
    ['=', 'x', false],
  ] as [MatchType, string, boolean][])('%s %j matches a missing label: %s', (type, value, want) => {
    expect(new Matcher(type, 'l', value).matchesEmpty).toBe(want);
  });

  it('finds literal alternations and prefixes for the postings', () => {
    expect(new Matcher('=~', 'job', 'node|kubelet|api').setValues).toEqual(['node', 'kubelet', 'api']);
    expect(new Matcher('=~', 'job', 'node.*').prefix).toBe('node');
    expect(new Matcher('=~', 'job', 'no(de)').setValues).toBeNull();
    expect(new Matcher('=~', 'job', 'a.b.*').prefix).toBeNull();
  });

  it('rejects an invalid regex with RE2 wording', () => {
    expect(() => new Matcher('=~', 'a', '(')).toThrow(/error parsing regexp: missing closing \)/);
  });
});
