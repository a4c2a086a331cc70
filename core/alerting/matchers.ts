// Alertmanager's label matchers (pkg/labels): `name="value"`, `!=`, `=~`, `!~`, regexes anchored as
// `^(?:re)$` (RE2, without Prometheus's (?s)), the matcher-list syntax of `matchers:` and silences
// (`{a="b", c=~"d.*"}` or `a=b`), and the String() form that route keys are made of.
import { compileRE2, type GoRegexp } from '../model/regex.js';
import { compareStrings } from '../model/labels.js';
import type { LabelSet } from './labels.js';

export type MatchType = '=' | '!=' | '=~' | '!~';
const TYPE_ORDER: Record<MatchType, number> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

export class AlertMatcher {
  private readonly re: GoRegexp | null;

  constructor(
    readonly type: MatchType,
    readonly name: string,
    readonly value: string,
  ) {
    this.re = type === '=~' || type === '!~' ? compileRE2(`^(?:${value})$`) : null;
  }

  matches(s: string): boolean {
    switch (this.type) {
      case '=':
        return s === this.value;
      case '!=':
        return s !== this.value;
      case '=~':
        return this.re!.test(s);
      case '!~':
        return !this.re!.test(s);
    }
  }

  /** Matcher.String(): name, operator, and the value in double quotes with \ " and newline escaped. */
  toString(): string {
    const escaped = this.value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
    return `${this.name}${this.type}"${escaped}"`;
  }

  toJSON(): { name: string; value: string; isRegex: boolean; isEqual: boolean } {
    return { name: this.name, value: this.value, isRegex: this.type === '=~' || this.type === '!~', isEqual: this.type === '=' || this.type === '=~' };
  }
}

/** Whether every matcher matches the label set (a missing label counts as ""). */
export function matchesAll(matchers: readonly AlertMatcher[], ls: LabelSet): boolean {
  return matchers.every((m) => m.matches(ls[m.name] ?? ''));
}

/** labels.Matchers' sort: by name, then value, then operator. */
export function sortMatchers(matchers: AlertMatcher[]): AlertMatcher[] {
  return matchers.sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.value, b.value) || TYPE_ORDER[a.type] - TYPE_ORDER[b.type]);
}

/** labels.Matchers.String(): `{a="b",c=~"d"}`. */
export function matchersString(matchers: readonly AlertMatcher[]): string {
  return `{${matchers.map(String).join(',')}}`;
}

const MATCHER_RE = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

/** labels.ParseMatcher: one `name op value`, the value optionally double-quoted. */
export function parseMatcher(s: string): AlertMatcher {
  const m = MATCHER_RE.exec(s);
  if (!m) throw new Error(`bad matcher format: ${s}`);
  let raw = m[3]!;
  let expectTrailingQuote = false;
  if (raw.startsWith('"')) {
    raw = raw.slice(1);
    expectTrailingQuote = true;
  }
  const chars = Array.from(raw);
  let value = '';
  let escaped = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (escaped) {
      escaped = false;
      if (c === 'n') value += '\n';
      else if (c === '"' || c === '\\') value += c;
      else value += '\\' + c;
      continue;
    }
    if (c === '\\') {
      if (i < chars.length - 1) escaped = true;
      else value += '\\';
    } else if (c === '"') {
      if (!expectTrailingQuote || i < chars.length - 1) throw new Error(`matcher value contains unescaped double quote: ${m[3]}`);
      expectTrailingQuote = false;
    } else value += c;
  }
  if (expectTrailingQuote) throw new Error(`matcher value contains unescaped double quote: ${m[3]}`);
  try {
    return new AlertMatcher(m[2] as MatchType, m[1]!, value);
  } catch (err) {
    throw new Error(`invalid regular expression in matcher ${s.trim()}: ${(err as Error).message}`);
  }
}

/** labels.ParseMatchers: a comma-separated list, optionally in braces; commas inside quotes kept. */
export function parseMatchers(input: string): AlertMatcher[] {
  let s = input;
  if (s.startsWith('{')) s = s.slice(1);
  if (s.endsWith('}')) s = s.slice(0, -1);
  const tokens: string[] = [];
  let token = '';
  let insideQuotes = false;
  let escaped = false;
  for (const c of s) {
    if (c === ',' && !insideQuotes) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (c === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (c === '\\') escaped = !escaped;
    else escaped = false;
    token += c;
  }
  if (token.trim() !== '') tokens.push(token.trim());
  return tokens.map(parseMatcher);
}
