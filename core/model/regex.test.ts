import { describe, expect, it } from 'vitest';
import {
  CASELESS_CATEGORIES,
  compileAnchored,
  compileRE2,
  ExpandTemplate,
  RE2SyntaxError,
  RE2UnsupportedError,
  SCRIPTS,
  translateRE2,
} from './regex.js';

/** Test titles for expressions thousands of characters long. */
function short(expr: string): string {
  return expr.length > 40 ? `${JSON.stringify(expr.slice(0, 24))}… (${expr.length} chars)` : JSON.stringify(expr);
}

describe('anchored RE2 (Prometheus relabel regex) matches as Go does', () => {
  it.each<[string, string, string, boolean]>([
    // Anchoring and Prometheus's (?s) wrapper.
    ['anchored at both ends', 'foo', 'foo', true],
    ['no prefix match', 'foo', 'xfoo', false],
    ['no suffix match', 'foo', 'foox', false],
    ['alternation is inside the anchors', 'f|o', 'foo', false],
    ['dot matches newline (wrapped in (?s:))', 'a.*b', 'a\nb', true],
    ['(?-s) turns it back off', '(?-s)a.*b', 'a\nb', false],
    ['scoped (?-s:…)', 'a(?-s:.)b', 'a\nb', false],
    ['non-s dot still matches \\r (JS dot would not)', '(?-s)a.c', 'a\rc', true],
    ['non-s dot matches U+2028 (JS dot would not)', '(?-s)a.c', 'a\u2028c', true],
    ['an expression escaping the anchors keeps Go’s meaning', 'a)|(b', 'ax', true],
    ['empty expression matches only the empty string', '', '', true],
    ['empty expression rejects text', '', 'a', false],

    // Multi-line anchors know only \n.
    ['(?m) ^ and $ at a \\n', '(?m)a$\\n^b', 'a\nb', true],
    ['(?m) $ is not before \\r', '(?m)a$\\r', 'a\r', false],
    ['(?m) ^ is not after \\r', '(?m)a\\r^b', 'a\rb', false],
    ['\\A and \\z', '\\Aab\\z', 'ab', true],
    ['quantified assertion (valid in Go)', '^*a', 'a', true],

    // Case folding.
    ['(?i) whole expression', '(?i)foo', 'FoO', true],
    ['(?i:…) around everything', '(?i:foobar)', 'FOOBAR', true],
    ['(?i) folds Kelvin sign to k', '(?i)k', '\u212a', true],
    ['(?i) folds long s to s', '(?i)S', '\u017f', true],
    ['(?i) negated class excludes the whole orbit', '(?i)[^k]', '\u212a', false],
    ['(?i)\\P{Lu} excludes lowercase letters, as Go folds before negating', '(?i)\\P{Lu}', 'a', false],
    ['\\P{Lu} without (?i) includes them', '\\P{Lu}', 'a', true],
    ['(?i) class union with a complement: folded letter out', '(?i)[\\P{Lu}x]', 'a', false],
    ['(?i) class union with a complement: listed letter in', '(?i)[\\P{Lu}x]', 'X', true],
    ['(?i) class union with a complement: non-letter in', '(?i)[\\P{Lu}x]', '1', true],
    ['no full case folding (ß is not ss)', '(?i)straße', 'STRASSE', false],
    ['caseless atoms may sit outside (?i)', '1(?i)a', '1A', true],

    // Ungreedy.
    ['(?U) makes * lazy but anchoring still forces a full match', '(?U)a*', 'aaa', true],

    // Perl and POSIX classes are ASCII.
    ['\\s has no \\v', '\\s', '\v', false],
    ['[[:space:]] has \\v', '[[:space:]]', '\v', true],
    ['\\s has no NBSP', '\\s', '\u00a0', false],
    ['\\w is ASCII', '\\w', 'é', false],
    ['\\d is ASCII', '\\d', '٣', false],
    ['[[:^alpha:]] digit', '[[:^alpha:]]', '1', true],
    ['[[:^alpha:]] letter', '[[:^alpha:]]', 'a', false],
    ['[[:word:]]', '[[:word:]]+', 'a_1', true],
    ['[^\\W_] letter', '[^\\W_]', 'a', true],
    ['[^\\W_] underscore', '[^\\W_]', '_', false],
    ['\\b is an ASCII word boundary', '.*\\bfoo\\b.*', 'a foo b', true],
    ['\\b not inside a word', '.*\\bfoo\\b.*', 'afoo', false],

    // Unicode classes (Go 1.25+ name lookup: case, spaces, _ and - ignored).
    ['\\pL', '\\pL', 'é', true],
    ['\\p{Greek}', '\\p{Greek}', 'α', true],
    ['\\p{greek}', '\\p{greek}', 'α', true],
    ['\\p{Old_Italic}', '\\p{Old_Italic}', '\u{10300}', true],
    ['\\p{old italic}', '\\p{old italic}', '\u{10300}', true],
    ['\\p{^Greek}', '\\p{^Greek}', 'a', true],
    ['\\P{^Greek}', '\\P{^Greek}', 'α', true],
    ['\\PL', '\\PL', '1', true],
    ['\\p{Letter}', '\\p{Letter}', 'a', true],
    ['\\p{Any}', '\\p{Any}', '\n', true],
    ['\\p{ASCII}', '\\p{ASCII}', 'é', false],
    ['\\p{Lc}', '\\p{Lc}', 'a', true],
    ['\\p{Assigned}', '\\p{Assigned}', '\u0378', false],

    // Code points, not UTF-16 units.
    ['dot is one code point', '.', '😀', true],
    ['two dots are not one emoji', '..', '😀', false],
    ['negated class takes a whole code point', '[^a]', '😀', true],
    ['\\x{…}', '\\x{1F600}', '😀', true],
    ['class range over astral code points', '[\\x{1F600}-\\x{1F64F}]', '🙂', true],
    ['escaped surrogates do not fuse into an astral code point', '\\x{D83D}\\x{DE00}', '😀', false],

    // Syntax that means something else in JS.
    ['leading ] is a literal', '[]a]', ']', true],
    ['negated with leading ]', '[^]a]', 'b', true],
    ['trailing -', '[a-]', '-', true],
    ['- after a class escape', '[\\d-z]', '-', true],
    ['\\Q…\\E quotes', '\\Qa.b\\E', 'a.b', true],
    ['\\Q…\\E quotes the dot', '\\Qa.b\\E', 'axb', false],
    ['repetition after \\Q…\\E applies to the last char', '\\Qab\\E+', 'abbb', true],
    ['…and not to the whole quote', '\\Qab\\E+', 'abab', false],
    ['octal', '\\101', 'A', true],
    ['octal \\12 is a newline', 'a\\12b', 'a\nb', true],
    ['\\0', '\\0', '\0', true],
    ['\\x41', '\\x41', 'A', true],
    ['C escapes', '\\a\\f\\t\\n\\r\\v', '\x07\f\t\n\r\v', true],
    ['escaped punctuation', '\\-\\:\\_\\"', '-:_"', true],
    ['{,2} is literal', 'x{,2}', 'x{,2}', true],
    ['lone { is literal', 'a{', 'a{', true],
    ['leading-zero count is literal', 'a{01}', 'a{01}', true],
    ['} is literal', 'a}', 'a}', true],
    ['a repeat after a flag group wraps the previous repeat', 'a*(?i)*', 'aaa', true],
    ['(?P<n>…) and (?<n>…)', '(?P<a>x)(?<b>y)', 'xy', true],
    ['empty flag group', '(?)a', 'a', true],
    ['counted repetition', 'a{2,3}', 'aaaa', false],
  ])('%s: %s on %j → %s', (_n, expr, input, want) => {
    expect(compileAnchored(expr).test(input)).toBe(want);
  });
});

describe('submatches', () => {
  it.each<[string, string, string, (string | undefined)[] | null]>([
    ['leftmost-first alternation', '(a|ab)(c|bcd)(d*)', 'abcd', ['abcd', 'a', 'bcd', '']],
    ['(?U) swaps greediness', '(?U)(a+)(a*)', 'aaa', ['a', 'a', '']],
    ['(?U) with ? makes it greedy again', '(?U)(a+?)', 'aaa', ['aaa', 'aaa']],
    ['unanchored leftmost match', 'b+', 'abbbc', ['bbb']],
    ['non-participating group', '(a)|(b)', 'b', ['b', undefined, 'b']],
    ['no match', 'x', 'abc', null],
  ])('%s', (_n, expr, input, want) => {
    const m = compileRE2(expr).exec(input);
    expect(m === null ? null : [...m]).toEqual(want);
  });

  it('numbers groups as Go does and records names, duplicates and digit-leading names included', () => {
    const re = compileRE2('(a)(?:b)(?P<x>c)(?<1x>d)(?P<x>e)');
    expect(re.numSubexp).toBe(4);
    expect(re.subexpNames).toEqual(['', '', 'x', '1x', 'x']);
    expect(compileAnchored('(a)').subexpNames).toEqual(['', '']);
  });
});

describe('Go regexp.Expand', () => {
  const re = compileRE2('(?P<first>\\w+) (?P<last>\\w+)');
  const m = re.exec('ab cd')!;
  it.each<[string, string, string]>([
    ['named', '$last, $first', 'cd, ab'],
    ['braced name', '${last}x', 'cdx'],
    ['longest name wins: $lastx is the absent group lastx', '$lastx', ''],
    ['$1x is the group named 1x, absent, so empty', '$1x', ''],
    ['braces end the number', '${1}x', 'abx'],
    ['$$ is a dollar', '$$1', '$1'],
    ['lone $ at the end', 'a$', 'a$'],
    ['unterminated brace is literal', '${1', '${1'],
    ['empty braces are literal', '${}', '${}'],
    ['$ before a non-name char is literal', '$-$.', '$-$.'],
    ['leading zero makes it a name', '$01', ''],
    ['$0 is the whole match', '[$0]', '[ab cd]'],
    ['${0}', '${0}', 'ab cd'],
    ['out-of-range number is empty', '$9', ''],
    ['Unicode letters extend a name', '$1é', ''],
    ['ten digits is a name, not a number', '$0000000001', ''],
    ['no references at all', 'plain', 'plain'],
  ])('%s: %j → %j', (_n, template, want) => {
    expect(new ExpandTemplate(template, re).expand(m)).toBe(want);
  });

  it.each<[string, string, string, string, string]>([
    ['first participating duplicate name (second alternative)', '(?P<x>a)|(?P<x>b)', 'b', '$x', 'b'],
    ['first participating duplicate name (first alternative)', '(?P<x>a)|(?P<x>b)', 'a', '$x', 'a'],
    ['non-participating group expands to empty', '(a)|(b)', 'b', '[$1][$2]', '[][b]'],
  ])('%s', (_n, expr, input, template, want) => {
    const r = compileRE2(expr);
    expect(new ExpandTemplate(template, r).expand(r.exec(input)!)).toBe(want);
  });

  it('a group may be named 1x, and then $1x refers to it', () => {
    const r = compileRE2('(?P<1x>a)');
    expect(new ExpandTemplate('$1x|$1', r).expand(r.exec('a')!)).toBe('a|a');
    expect(new ExpandTemplate('x', r).constant).toBe('x');
    expect(new ExpandTemplate('$1', r).constant).toBeNull();
  });
});

describe('Go ReplaceAllString', () => {
  it.each<[string, string, string, string]>([
    // The examples from Go's regexp documentation.
    ['a(x*)b', '-ab-axxb-', 'T', '-T-T-'],
    ['a(x*)b', '-ab-axxb-', '$1', '--xx-'],
    ['a(x*)b', '-ab-axxb-', '$1W', '---'],
    ['a(x*)b', '-ab-axxb-', '${1}W', '-W-xxW-'],
    // An empty match right after a match is not replaced (JS's replace would give XbXXcX).
    ['a*', 'baaac', 'X', 'XbXcX'],
    ['', 'ab', '-', '-a-b-'],
    ['', '😀', '-', '-😀-'],
  ])('%s on %j with %j → %j', (expr, src, template, want) => {
    const re = compileRE2(expr);
    expect(re.replaceAll(src, new ExpandTemplate(template, re))).toBe(want);
  });

  it('is stateless across calls', () => {
    const re = compileRE2('o');
    const t = new ExpandTemplate('0', re);
    expect(re.replaceAll('foo', t)).toBe('f00');
    expect(re.replaceAll('boo', t)).toBe('b00');
    expect(re.test('o')).toBe(true);
  });
});

describe('RE2 syntax Go rejects is rejected, with Go’s message', () => {
  // Go's regexp/syntax invalidRegexps and onlyPOSIX lists, plus Prometheus-relevant cases.
  const invalid: [string, RegExp][] = [
    ['(', /missing closing \)/],
    [')', /unexpected \)/],
    ['(a', /missing closing \)/],
    ['a)', /unexpected \)/],
    ['(a))', /unexpected \)/],
    ['(a|b|', /missing closing \)/],
    ['a|b|)', /unexpected \)/],
    ['(a|b|))', /unexpected \)/],
    ['(a|b', /missing closing \)/],
    ['a|b)', /unexpected \)/],
    ['(a|b))', /unexpected \)/],
    ['[a-z', /missing closing \]: `\[a-z`/],
    ['([a-z)', /missing closing \]/],
    ['[a-z)', /missing closing \]/],
    ['([a-z]))', /unexpected \)/],
    ['x{1001}', /invalid repeat count: `\{1001\}`/],
    ['x{9876543210}', /invalid repeat count/],
    ['x{2,1}', /invalid repeat count/],
    ['x{1,9876543210}', /invalid repeat count/],
    ['(?P<name>a', /missing closing \)/],
    ['(?P<name>', /missing closing \)/],
    ['(?P<name', /invalid named capture: `\(\?P<name`/],
    ['(?P<x y>a)', /invalid named capture: `\(\?P<x y>`/],
    ['(?P<>a)', /invalid named capture/],
    ['(?<name>a', /missing closing \)/],
    ['(?<name', /invalid named capture/],
    ['(?<x y>a)', /invalid named capture/],
    ['(?<>a)', /invalid named capture/],
    ['[a-Z]', /invalid character class range: `a-Z`/],
    ['(?i)[a-Z]', /invalid character class range/],
    ['\\Q\\E*', /missing argument to repetition operator: `\*`/],
    ['a{100000}', /invalid repeat count/],
    ['a{100000,}', /invalid repeat count/],
    ['((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}){2})', /invalid repeat count: `\{2\}`/],
    ['(?:[a-z]{4}){0,251}', /invalid repeat count: `\{0,251\}`/],
    ['('.repeat(1000) + ')'.repeat(1000), /expression nests too deeply/],
    ['(?:'.repeat(1000) + ')*'.repeat(1000), /expression nests too deeply/],
    ['(' + '(xx?)'.repeat(1000) + '){1000}', /expression too large/],
    ['(xx?){1000}'.repeat(1000), /expression too large/],
    ['a++', /invalid nested repetition operator: `\+\+`/],
    ['a**', /invalid nested repetition operator: `\*\*`/],
    ['a?*', /invalid nested repetition operator/],
    ['a+*', /invalid nested repetition operator/],
    ['a{1}*', /invalid nested repetition operator: `\{1\}\*`/],
    ['.{1}{2}.{3}', /invalid nested repetition operator/],
    ['a*?*', /invalid nested repetition operator: `\*\?\*`/],
    ['*', /missing argument to repetition operator: `\*`/],
    ['a|*', /missing argument/],
    ['(*)', /missing argument/],
    ['(?i)*', /missing argument/],
    ['{2}', /missing argument to repetition operator: `\{2\}`/],
    // No backreferences, no lookaround, no \C, no \Z.
    ['(a)\\1', /invalid escape sequence: `\\1`/],
    ['\\8', /invalid escape sequence: `\\8`/],
    ['(?=a)', /invalid or unsupported Perl syntax: `\(\?=`/],
    ['(?!a)', /invalid or unsupported Perl syntax: `\(\?!`/],
    ['(?<=a)b', /invalid named capture/],
    ['(?<!a)b', /invalid named capture/],
    ['(?P=n)', /invalid or unsupported Perl syntax: `\(\?P`/],
    ['(?#c)', /invalid or unsupported Perl syntax/],
    ['(?i-)a', /invalid or unsupported Perl syntax: `\(\?i-\)`/],
    ['(?--i)a', /invalid or unsupported Perl syntax/],
    ['\\C', /invalid escape sequence: `\\C`/],
    ['\\Z', /invalid escape sequence: `\\Z`/],
    ['\\q', /invalid escape sequence: `\\q`/],
    ['\\é', /invalid escape sequence/],
    ['\\x{110000}', /invalid escape sequence/],
    ['\\x{}', /invalid escape sequence: `\\x\{\}`/],
    ['\\xg1', /invalid escape sequence: `\\xg1`/],
    ['a\\', /trailing backslash at end of expression/],
    ['[a-\\d]', /invalid escape sequence: `\\d`/],
    ['[[:foo:]]', /invalid character class range: `\[:foo:\]`/],
    ['[[:constructor:]]', /invalid character class range/],
    ['\\p{Foo}', /invalid character class range: `\\p\{Foo\}`/],
    ['\\pX', /invalid character class range: `\\pX`/],
    ['\\p{Greek', /invalid character class range/],
    ['a\uD800', /invalid UTF-8/],
  ];
  it.each(invalid.map(([expr, message]) => [short(expr), expr, message] as const))('%s', (_n, expr, message) => {
    let err: unknown;
    try {
      compileRE2(expr);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RE2SyntaxError);
    expect((err as Error).message).toMatch(/^error parsing regexp: /);
    expect((err as Error).message).toMatch(message);
  });

  it.each<[string, string]>([
    ['missing paren quotes the wrapped text, as Prometheus reports it', 'error parsing regexp: missing closing ): `^(?s:(a)$`'],
    ['unterminated \\Q swallows the wrapper', 'error parsing regexp: missing closing ): `^(?s:\\Qfoo)$`'],
  ])('%s', (_n, message) => {
    const expr = message.includes('\\Q') ? '\\Qfoo' : '(a';
    expect(() => compileAnchored(expr)).toThrow(message);
  });
});

describe('valid RE2 is accepted', () => {
  it.each([
    '((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}))',
    '((((((((((x{1}){2}){2}){2}){2}){2}){2}){2}){2}){2})',
    '(?:[a-z]{4}){0,250}',
    '('.repeat(999) + ')'.repeat(999),
    '(?:'.repeat(999) + ')*'.repeat(999),
    '(' + '|'.repeat(12345) + ')',
    '[a-b-c]',
    '\\Q*+?{[\\E',
    '\\Q\\\\E',
    '(?:a)',
    '(?i-s:a)(?U)',
    '\\p{upper case-let ter}',
    '(?i)\\p{ascii}',
  ].map((expr) => [short(expr), expr] as const))('%s', (_n, expr) => {
    expect(compileRE2(expr)).toBeDefined();
  });
});

describe('what JavaScript cannot express is refused, not approximated', () => {
  it.each([
    ['(?i) on part of the expression', 'a(?i)b'],
    ['(?i:…) on part of the expression', '(?i:a)b'],
    ['(?-i) after (?i)', '(?i)a(?-i)b'],
    ['a cased class outside a (?i) region', '[a-z](?i)x'],
  ])('%s: %j', (_n, expr) => {
    expect(() => compileAnchored(expr)).toThrow(RE2UnsupportedError);
    expect(() => compileAnchored(expr)).toThrow(/case-insensitive/);
  });
});

describe('translation', () => {
  it.each<[string, string, string]>([
    ['default relabel regex', '^(?s:(.*))$', '^([^]*)$'],
    ['named groups become plain groups', '(?P<x>a)', '(a)'],
    ['multi-line anchors only know \\n', '(?m)^$', '(?<![^\\n])(?![^\\n])'],
    ['\\z is end of text', 'a\\z', 'a$'],
    ['\\A is start of text', '\\Aa', '^a'],
    ['quantified assertion is wrapped', '^*', '(?:^)*'],
    ['RE2 literal ] and { are escaped', ']{', '\\]\\{'],
  ])('%s', (_n, expr, source) => {
    expect(translateRE2(expr).source).toBe(source);
  });

  it('always uses the u flag, and i only for whole-expression (?i)', () => {
    expect(translateRE2('a').flags).toBe('u');
    expect(translateRE2('(?i)a').flags).toBe('iu');
    expect(translateRE2('(?i)1').flags).toBe('u');
  });

  it('knows every Unicode script name Go does, and V8 accepts each', () => {
    for (const s of SCRIPTS) expect(() => compileRE2(`\\p{${s}}`), s).not.toThrow();
    expect(compileRE2('\\p{Han}').test('漢')).toBe(true);
  });

  it('treats as caseless only categories that contain no cased character', () => {
    const cased: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const s = String.fromCodePoint(cp);
      if (s.toLowerCase() !== s || s.toUpperCase() !== s) cased.push(s);
    }
    expect(cased.length).toBeGreaterThan(2000);
    for (const gc of CASELESS_CATEGORIES) {
      const re = new RegExp(`^\\p{gc=${gc}}$`, 'u');
      expect(cased.filter((c) => re.test(c)), gc).toEqual([]);
    }
    // And the check has teeth: a cased category does contain cased characters.
    expect(cased.some((c) => /^\p{gc=So}$/u.test(c))).toBe(true);
  });
});
