// Label matchers (=, !=, =~, !~) with Prometheus's semantics: regexes are fully anchored RE2,
// and a matcher that matches the empty string also matches series that lack the label.
import { compileAnchored, type GoRegexp } from './regex.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export class Matcher {
  private readonly re: GoRegexp | null;
  /** For regexes that are plain alternations of literals ("a|b|c"): the literals. */
  readonly setValues: readonly string[] | null;
  /** For regexes of the form "literal.*": the literal (postings can range-scan it). */
  readonly prefix: string | null;

  constructor(
    readonly type: MatchType,
    readonly name: string,
    readonly value: string,
  ) {
    this.re = type === '=~' || type === '!~' ? compileAnchored(value) : null;
    this.setValues = this.re ? literalAlternation(value) : null;
    this.prefix = this.re && this.setValues === null ? literalPrefixStar(value) : null;
  }

  matches(s: string): boolean {
    switch (this.type) {
      case '=':
        return s === this.value;
      case '!=':
        return s !== this.value;
      case '=~':
        return this.setValues ? this.setValues.includes(s) : this.re!.test(s);
      case '!~':
        return this.setValues ? !this.setValues.includes(s) : !this.re!.test(s);
    }
  }

  /** Whether a series without this label (value "") is selected. */
  get matchesEmpty(): boolean {
    return this.matches('');
  }

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}

const META = /[\\.+*?()|[\]{}^$]/;

function literalAlternation(re: string): string[] | null {
  if (re === '') return null;
  const parts = re.split('|');
  return parts.every((p) => p !== '' && !META.test(p)) ? parts : null;
}

function literalPrefixStar(re: string): string | null {
  if (!re.endsWith('.*')) return null;
  const prefix = re.slice(0, -2);
  return prefix !== '' && !META.test(prefix) ? prefix : null;
}
