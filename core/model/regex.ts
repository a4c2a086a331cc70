// RE2 (Go regexp/syntax, Perl flags) translated to JavaScript RegExp, plus Go's Expand and
// ReplaceAllString. Prometheus compiles relabel regexes with Go's regexp, so a config that loads
// there must load here with the same meaning, and one Go rejects must be rejected with Go's message.
//
// Design: parse the RE2 text into a small tree exactly as Go's parser would (same errors, same
// flag scoping, same repetition rules), then emit JS. Every RE2 construct is rewritten rather than
// passed through, because identical-looking syntax means different things in JS: `.` (JS also
// stops at \r, \u2028, \u2029), `\s` (JS includes \v and Unicode spaces), `$` and `^` under (?m)
// (JS also treats \r, \u2028, \u2029 as line ends), `[]a]` (empty class in JS), `\Q…\E`, octal
// escapes, POSIX classes and `\pN`/`\p{Greek}` (JS spells them \p{gc=N}, \p{sc=Greek}).
//
// Flags: s, m and U are handled while emitting (dot/anchor rewriting, quantifier greediness), so
// they work anywhere, scoped or not. Case folding cannot be: Node 20 has no inline modifier groups
// and no case-folding table is exposed, so (?i) becomes the RegExp 'i' flag and is accepted only
// when every case-sensitive atom of the expression is under it (or none is).
//
// Known differences that remain (JS engine semantics, not syntax):
//  - A capture inside a repeated group is reset by JS at each iteration; Go keeps the value from
//    the last iteration that set it. `(?:(a)|b)+` on "ab": Go's $1 is "a", here "".
//  - Under (?i), JS's \b and \B count ſ (U+017F) and K (U+212A) as word characters; Go's never do.
//  - V8 backtracks: a pathological pattern can take exponential time where RE2 is linear.
//  - Unicode tables are V8's (ICU) rather than Go's; they differ only where Unicode versions do.
//  - Go's 128 MB rune budget for character classes is not enforced, and non-capturing groups
//    nested deeper than 1000 are refused (Go's iterative parser would take them).
//
// The 'u' flag is always set. It is what makes JS match RE2's model: RE2 steps over code points
// (runes), JS without 'u' over UTF-16 code units, so without it `.` would match half of an emoji,
// `[^a]` would split a surrogate pair and `x{2}` would count units. With 'i' it also selects
// Unicode simple case folding, which is what RE2's fold orbits are. Since the emitted pattern is
// generated here, 'u''s stricter syntax costs nothing.

const MAX_REPEAT = 1000;
const MAX_HEIGHT = 1000;
// Go's limit on compiled program size (128 MB of 40-byte instructions).
const MAX_SIZE = Math.floor((128 << 20) / 40);
const MAX_RUNE = 0x10ffff;

const FOLD = 1;
const DOT_NL = 2;
const ONE_LINE = 4;
const NON_GREEDY = 8;

/** A syntax error, worded exactly as Go's regexp.Compile words it. */
export class RE2SyntaxError extends Error {
  constructor(
    readonly code: string,
    readonly expr: string,
  ) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
    this.name = 'RE2SyntaxError';
  }
}

/** Valid RE2 that JavaScript cannot express with the same meaning. */
export class RE2UnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RE2UnsupportedError';
  }
}

const ERR = {
  invalidCharRange: 'invalid character class range',
  invalidEscape: 'invalid escape sequence',
  invalidNamedCapture: 'invalid named capture',
  invalidPerlOp: 'invalid or unsupported Perl syntax',
  invalidRepeatOp: 'invalid nested repetition operator',
  invalidRepeatSize: 'invalid repeat count',
  invalidUTF8: 'invalid UTF-8',
  missingBracket: 'missing closing ]',
  missingParen: 'missing closing )',
  missingRepeatArgument: 'missing argument to repetition operator',
  trailingBackslash: 'trailing backslash at end of expression',
  unexpectedParen: 'unexpected )',
  nestingDepth: 'expression nests too deeply',
  large: 'expression too large',
} as const;

// ---------------------------------------------------------------------------------------------
// Tree

/** One member of a character class: code-point ranges or a JS property escape, possibly negated. */
interface ClassItem {
  readonly neg: boolean;
  readonly ranges: readonly (readonly [number, number])[] | null;
  /** A JS class-body fragment such as \p{gc=Lu}; used when ranges is null. */
  readonly prop: string | null;
  /** Whether (?i) changes what it matches (false when it is closed under case folding). */
  readonly cased: boolean;
}

type Assertion = 'bot' | 'eot' | 'bol' | 'eol' | 'wb' | 'nwb';

type Node =
  | { readonly t: 'empty' }
  | { readonly t: 'lit'; readonly cp: number; readonly fold: boolean }
  | { readonly t: 'any'; readonly nl: boolean }
  | { readonly t: 'class'; readonly items: readonly ClassItem[]; readonly neg: boolean; readonly fold: boolean }
  | { readonly t: 'assert'; readonly k: Assertion }
  | { readonly t: 'cap'; readonly index: number; readonly sub: Node }
  | { readonly t: 'cat'; readonly subs: readonly Node[] }
  | { readonly t: 'alt'; readonly subs: readonly Node[] }
  | {
      readonly t: 'rep';
      readonly op: '*' | '+' | '?' | '{}';
      readonly min: number;
      readonly max: number;
      readonly greedy: boolean;
      readonly sub: Node;
    };

// ---------------------------------------------------------------------------------------------
// Character tables

function rangesItem(ranges: readonly (readonly [number, number])[], neg: boolean, cased: boolean): ClassItem {
  return { neg, ranges, prop: null, cased };
}

const R_DIGIT: [number, number][] = [[0x30, 0x39]];
const R_SPACE_PERL: [number, number][] = [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]];
const R_WORD: [number, number][] = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];

const PERL_CLASSES: Record<string, ClassItem> = {
  d: rangesItem(R_DIGIT, false, false),
  D: rangesItem(R_DIGIT, true, false),
  s: rangesItem(R_SPACE_PERL, false, false),
  S: rangesItem(R_SPACE_PERL, true, false),
  w: rangesItem(R_WORD, false, true),
  W: rangesItem(R_WORD, true, true),
};

const POSIX_CLASSES: Record<string, { ranges: [number, number][]; cased: boolean }> = {
  alnum: { ranges: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]], cased: true },
  alpha: { ranges: [[0x41, 0x5a], [0x61, 0x7a]], cased: true },
  ascii: { ranges: [[0x00, 0x7f]], cased: true },
  blank: { ranges: [[0x09, 0x09], [0x20, 0x20]], cased: false },
  cntrl: { ranges: [[0x00, 0x1f], [0x7f, 0x7f]], cased: false },
  digit: { ranges: [[0x30, 0x39]], cased: false },
  graph: { ranges: [[0x21, 0x7e]], cased: true },
  lower: { ranges: [[0x61, 0x7a]], cased: true },
  print: { ranges: [[0x20, 0x7e]], cased: true },
  punct: { ranges: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]], cased: false },
  space: { ranges: [[0x09, 0x0d], [0x20, 0x20]], cased: false },
  upper: { ranges: [[0x41, 0x5a]], cased: true },
  word: { ranges: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]], cased: true },
  xdigit: { ranges: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]], cased: true },
};

// Go's unicode.Categories keys (1.25+, which added Cn and LC).
const CATEGORIES = [
  'C', 'Cc', 'Cf', 'Cn', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
];

// Categories with no cased character, so (?i) cannot change them (regex.test.ts checks this claim).
export const CASELESS_CATEGORIES: readonly string[] = [
  'Cc', 'Cf', 'Cn', 'Co', 'Cs', 'Nd', 'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'Sc', 'Sk', 'Sm', 'Z', 'Zl', 'Zp', 'Zs',
];

// Unicode's long General_Category aliases (PropertyValueAliases.txt), which Go 1.25+ accepts.
const CATEGORY_ALIASES: Record<string, string> = {
  Other: 'C', Control: 'Cc', cntrl: 'Cc', Format: 'Cf', Unassigned: 'Cn', Private_Use: 'Co', Surrogate: 'Cs',
  Letter: 'L', Cased_Letter: 'LC', Lowercase_Letter: 'Ll', Modifier_Letter: 'Lm', Other_Letter: 'Lo',
  Titlecase_Letter: 'Lt', Uppercase_Letter: 'Lu', Mark: 'M', Combining_Mark: 'M', Spacing_Mark: 'Mc',
  Enclosing_Mark: 'Me', Nonspacing_Mark: 'Mn', Number: 'N', Decimal_Number: 'Nd', digit: 'Nd', Letter_Number: 'Nl',
  Other_Number: 'No', Punctuation: 'P', punct: 'P', Connector_Punctuation: 'Pc', Dash_Punctuation: 'Pd',
  Close_Punctuation: 'Pe', Final_Punctuation: 'Pf', Initial_Punctuation: 'Pi', Other_Punctuation: 'Po',
  Open_Punctuation: 'Ps', Symbol: 'S', Currency_Symbol: 'Sc', Modifier_Symbol: 'Sk', Math_Symbol: 'Sm',
  Other_Symbol: 'So', Separator: 'Z', Line_Separator: 'Zl', Paragraph_Separator: 'Zp', Space_Separator: 'Zs',
};

// Go's unicode.Scripts keys (Unicode 15.0), which are also the Script values V8 accepts.
export const SCRIPTS: readonly string[] = [
  'Adlam', 'Ahom', 'Anatolian_Hieroglyphs', 'Arabic', 'Armenian', 'Avestan', 'Balinese', 'Bamum', 'Bassa_Vah',
  'Batak', 'Bengali', 'Bhaiksuki', 'Bopomofo', 'Brahmi', 'Braille', 'Buginese', 'Buhid', 'Canadian_Aboriginal',
  'Carian', 'Caucasian_Albanian', 'Chakma', 'Cham', 'Cherokee', 'Chorasmian', 'Common', 'Coptic', 'Cuneiform',
  'Cypriot', 'Cypro_Minoan', 'Cyrillic', 'Deseret', 'Devanagari', 'Dives_Akuru', 'Dogra', 'Duployan',
  'Egyptian_Hieroglyphs', 'Elbasan', 'Elymaic', 'Ethiopic', 'Georgian', 'Glagolitic', 'Gothic', 'Grantha', 'Greek',
  'Gujarati', 'Gunjala_Gondi', 'Gurmukhi', 'Han', 'Hangul', 'Hanifi_Rohingya', 'Hanunoo', 'Hatran', 'Hebrew',
  'Hiragana', 'Imperial_Aramaic', 'Inherited', 'Inscriptional_Pahlavi', 'Inscriptional_Parthian', 'Javanese',
  'Kaithi', 'Kannada', 'Katakana', 'Kawi', 'Kayah_Li', 'Kharoshthi', 'Khitan_Small_Script', 'Khmer', 'Khojki',
  'Khudawadi', 'Lao', 'Latin', 'Lepcha', 'Limbu', 'Linear_A', 'Linear_B', 'Lisu', 'Lycian', 'Lydian', 'Mahajani',
  'Makasar', 'Malayalam', 'Mandaic', 'Manichaean', 'Marchen', 'Masaram_Gondi', 'Medefaidrin', 'Meetei_Mayek',
  'Mende_Kikakui', 'Meroitic_Cursive', 'Meroitic_Hieroglyphs', 'Miao', 'Modi', 'Mongolian', 'Mro', 'Multani',
  'Myanmar', 'Nabataean', 'Nag_Mundari', 'Nandinagari', 'New_Tai_Lue', 'Newa', 'Nko', 'Nushu',
  'Nyiakeng_Puachue_Hmong', 'Ogham', 'Ol_Chiki', 'Old_Hungarian', 'Old_Italic', 'Old_North_Arabian', 'Old_Permic',
  'Old_Persian', 'Old_Sogdian', 'Old_South_Arabian', 'Old_Turkic', 'Old_Uyghur', 'Oriya', 'Osage', 'Osmanya',
  'Pahawh_Hmong', 'Palmyrene', 'Pau_Cin_Hau', 'Phags_Pa', 'Phoenician', 'Psalter_Pahlavi', 'Rejang', 'Runic',
  'Samaritan', 'Saurashtra', 'Sharada', 'Shavian', 'Siddham', 'SignWriting', 'Sinhala', 'Sogdian', 'Sora_Sompeng',
  'Soyombo', 'Sundanese', 'Syloti_Nagri', 'Syriac', 'Tagalog', 'Tagbanwa', 'Tai_Le', 'Tai_Tham', 'Tai_Viet', 'Takri',
  'Tamil', 'Tangsa', 'Tangut', 'Telugu', 'Thaana', 'Thai', 'Tibetan', 'Tifinagh', 'Tirhuta', 'Toto', 'Ugaritic', 'Vai',
  'Vithkuqi', 'Wancho', 'Warang_Citi', 'Yezidi', 'Yi', 'Zanabazar_Square',
];

/** Go 1.25's canonicalName: separators dropped, ASCII case ignored (first letter upper, rest lower). */
function canonicalName(name: string): string {
  let out = '';
  let first = true;
  for (const ch of name) {
    if (ch === '_' || ch === '-' || ch === ' ') continue;
    if (first) {
      out += ch >= 'a' && ch <= 'z' ? ch.toUpperCase() : ch;
      first = false;
    } else {
      out += ch >= 'A' && ch <= 'Z' ? ch.toLowerCase() : ch;
    }
  }
  return out;
}

let unicodeNames: Map<string, ClassItem> | null = null;

function unicodeTable(): Map<string, ClassItem> {
  if (unicodeNames) return unicodeNames;
  const m = new Map<string, ClassItem>();
  const cat = (gc: string): ClassItem => ({ neg: false, ranges: null, prop: `\\p{gc=${gc}}`, cased: !CASELESS_CATEGORIES.includes(gc) });
  // Lookup order is Go's: special names, categories, scripts, then category aliases.
  for (const [k, v] of Object.entries(CATEGORY_ALIASES)) m.set(canonicalName(k), cat(v));
  for (const s of SCRIPTS) m.set(canonicalName(s), { neg: false, ranges: null, prop: `\\p{sc=${s}}`, cased: true });
  for (const c of CATEGORIES) m.set(canonicalName(c), cat(c));
  m.set('Any', rangesItem([[0, MAX_RUNE]], false, false));
  m.set('Assigned', { neg: true, ranges: null, prop: '\\p{gc=Cn}', cased: false });
  m.set('Ascii', rangesItem([[0, 0x7f]], false, true));
  m.set('Lc', cat('LC'));
  unicodeNames = m;
  return m;
}

function isCased(cp: number): boolean {
  const s = String.fromCodePoint(cp);
  return s.toLowerCase() !== s || s.toUpperCase() !== s;
}

function rangeIsCased(lo: number, hi: number): boolean {
  // Beyond a few thousand code points, assume cased rather than scan; this only makes the
  // partial-(?i) check stricter, never changes a match.
  if (hi - lo > 4096) return true;
  for (let c = lo; c <= hi; c++) if (isCased(c)) return true;
  return false;
}

function isAlnum(c: string | undefined): boolean {
  return c !== undefined && /^[0-9A-Za-z]$/.test(c);
}

function unhex(c: string | undefined): number {
  if (c === undefined) return -1;
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'a' && c <= 'f') return c.charCodeAt(0) - 87;
  if (c >= 'A' && c <= 'F') return c.charCodeAt(0) - 55;
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Parser: Go's regexp/syntax parse with the Perl flag set (ClassNL | OneLine | PerlX | UnicodeGroups)

class Parser {
  private pos = 0;
  private flags = ONE_LINE;
  private depth = 0;
  numCap = 0;
  readonly names: string[] = [''];

  constructor(private readonly src: string) {}

  parse(): Node {
    const bad = /\p{Cs}/u.exec(this.src);
    if (bad) throw new RE2SyntaxError(ERR.invalidUTF8, this.src.slice(bad.index));
    const node = this.parseAlternation();
    if (this.pos < this.src.length) throw new RE2SyntaxError(ERR.unexpectedParen, this.src); // a stray ')'
    return node;
  }

  private cpAt(i: number): number | undefined {
    return this.src.codePointAt(i);
  }

  private width(cp: number): number {
    return cp > 0xffff ? 2 : 1;
  }

  private parseAlternation(): Node {
    const branches: Node[] = [this.parseConcat()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      branches.push(this.parseConcat());
    }
    return branches.length === 1 ? branches[0]! : { t: 'alt', subs: branches };
  }

  private parseConcat(): Node {
    const items: Node[] = [];
    // Where the previous token began, when it was a repetition operator: Go rejects `a**`.
    let lastRepeat = -1;
    const src = this.src;
    while (this.pos < src.length) {
      const start = this.pos;
      const c = src[start]!;
      if (c === '|' || c === ')') break;
      let repeated = false;
      switch (c) {
        case '(': {
          const g = src[start + 1] === '?' ? this.parsePerlGroup() : this.parseGroup(null);
          if (g) items.push(g);
          break;
        }
        case '[':
          items.push(this.parseClass());
          break;
        case '^':
          this.pos++;
          items.push({ t: 'assert', k: this.flags & ONE_LINE ? 'bot' : 'bol' });
          break;
        case '$':
          this.pos++;
          items.push({ t: 'assert', k: this.flags & ONE_LINE ? 'eot' : 'eol' });
          break;
        case '.':
          this.pos++;
          items.push({ t: 'any', nl: (this.flags & DOT_NL) !== 0 });
          break;
        case '*':
        case '+':
        case '?': {
          const op = c;
          this.repeat(items, op, op === '+' ? 1 : 0, op === '?' ? 1 : -1, start, start + 1, lastRepeat);
          repeated = true;
          break;
        }
        case '{': {
          const r = this.parseRepeatBraces(start);
          if (!r) {
            this.pos++;
            items.push({ t: 'lit', cp: 0x7b, fold: (this.flags & FOLD) !== 0 });
            break;
          }
          if (r.min < 0 || r.min > MAX_REPEAT || r.max > MAX_REPEAT || (r.max >= 0 && r.min > r.max)) {
            throw new RE2SyntaxError(ERR.invalidRepeatSize, src.slice(start, r.end));
          }
          this.repeat(items, '{}', r.min, r.max, start, r.end, lastRepeat);
          repeated = true;
          break;
        }
        case '\\':
          this.parseBackslash(items);
          break;
        default: {
          const cp = this.cpAt(start)!;
          this.pos += this.width(cp);
          items.push({ t: 'lit', cp, fold: (this.flags & FOLD) !== 0 });
        }
      }
      lastRepeat = repeated ? start : -1;
    }
    return items.length === 0 ? { t: 'empty' } : items.length === 1 ? items[0]! : { t: 'cat', subs: items };
  }

  private repeat(items: Node[], op: '*' | '+' | '?' | '{}', min: number, max: number, start: number, after: number, lastRepeat: number): void {
    let greedy = (this.flags & NON_GREEDY) === 0;
    if (this.src[after] === '?') {
      after++;
      greedy = !greedy;
    }
    if (lastRepeat >= 0) throw new RE2SyntaxError(ERR.invalidRepeatOp, this.src.slice(lastRepeat, after));
    const sub = items.pop();
    if (!sub) throw new RE2SyntaxError(ERR.missingRepeatArgument, this.src.slice(start, after));
    const node: Node = { t: 'rep', op, min, max, greedy, sub };
    if (op === '{}' && (min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT)) {
      throw new RE2SyntaxError(ERR.invalidRepeatSize, this.src.slice(start, after));
    }
    items.push(node);
    this.pos = after;
  }

  /** {n}, {n,} or {n,m}; null when the text is not of that form (then `{` is a literal). */
  private parseRepeatBraces(start: number): { min: number; max: number; end: number } | null {
    let i = start + 1;
    const int = (): number | null => {
      const s = this.src;
      if (!(s[i]! >= '0' && s[i]! <= '9')) return null;
      if (s[i] === '0' && s[i + 1]! >= '0' && s[i + 1]! <= '9') return null; // Go disallows leading zeros
      let n = 0;
      while (s[i]! >= '0' && s[i]! <= '9') {
        if (n >= 1e8) n = -1;
        else if (n >= 0) n = n * 10 + s.charCodeAt(i) - 48;
        i++;
      }
      return n;
    };
    let min = int();
    if (min === null || i >= this.src.length) return null;
    let max: number;
    if (this.src[i] !== ',') max = min;
    else {
      i++;
      if (i >= this.src.length) return null;
      if (this.src[i] === '}') max = -1;
      else {
        const m = int();
        if (m === null) return null;
        max = m;
        if (max < 0) min = -1; // too big a number
      }
    }
    if (this.src[i] !== '}') return null;
    return { min, max, end: i + 1 };
  }

  private enter(): void {
    // Go's parser is not recursive; ours is, so bound it where Go's height limit would be.
    if (++this.depth > MAX_HEIGHT) throw new RE2SyntaxError(ERR.nestingDepth, this.src);
  }

  /** `(` … `)` or, after a `(?flags:` / `(?P<name>` prefix, the rest of the group. */
  private parseGroup(name: string | null, innerFlags?: number, capture = true): Node {
    this.enter();
    const saved = this.flags;
    let index = 0;
    if (capture) {
      index = ++this.numCap;
      this.names[index] = name ?? '';
    }
    if (innerFlags === undefined) this.pos++; // past '('
    else this.flags = innerFlags;
    const sub = this.parseAlternation();
    if (this.pos >= this.src.length) throw new RE2SyntaxError(ERR.missingParen, this.src);
    this.pos++; // past ')'
    this.flags = saved;
    this.depth--;
    return capture ? { t: 'cap', index, sub } : sub;
  }

  /** `(?…`: a named capture, a non-capturing group, or a flag change (which yields no node). */
  private parsePerlGroup(): Node | null {
    const s = this.src;
    const start = this.pos;
    const rest = s.slice(start);
    const startsWithP = rest.length > 4 && rest[2] === 'P' && rest[3] === '<';
    const startsWithName = rest.length > 3 && rest[2] === '<';
    if (startsWithP || startsWithName) {
      const begin = startsWithP ? 4 : 3;
      const end = rest.indexOf('>');
      if (end < 0) throw new RE2SyntaxError(ERR.invalidNamedCapture, rest);
      const name = rest.slice(begin, end);
      if (!/^[0-9A-Za-z_]+$/.test(name)) throw new RE2SyntaxError(ERR.invalidNamedCapture, rest.slice(0, end + 1));
      this.pos = start + end + 1;
      return this.parseGroup(name, this.flags);
    }

    let i = start + 2;
    let flags = this.flags;
    let sign = 1;
    let sawFlag = false;
    while (i < s.length) {
      const cp = this.cpAt(i)!;
      const c = String.fromCodePoint(cp);
      i += this.width(cp);
      // In the negated part the bits are inverted, so setting there clears (Go's trick).
      if (c === 'i') flags |= FOLD;
      else if (c === 'm') flags &= ~ONE_LINE;
      else if (c === 's') flags |= DOT_NL;
      else if (c === 'U') flags |= NON_GREEDY;
      else if (c === '-') {
        if (sign < 0) break;
        sign = -1;
        flags = ~flags;
        sawFlag = false;
        continue;
      } else if (c === ':' || c === ')') {
        if (sign < 0) {
          if (!sawFlag) break;
          flags = ~flags;
        }
        this.pos = i;
        if (c === ':') return this.parseGroup(null, flags, false);
        this.flags = flags;
        return null;
      } else break;
      sawFlag = true;
    }
    throw new RE2SyntaxError(ERR.invalidPerlOp, s.slice(start, i));
  }

  private parseBackslash(items: Node[]): void {
    const s = this.src;
    const start = this.pos;
    const next = s[start + 1];
    switch (next) {
      case 'A':
        this.pos += 2;
        items.push({ t: 'assert', k: 'bot' });
        return;
      case 'z':
        this.pos += 2;
        items.push({ t: 'assert', k: 'eot' });
        return;
      case 'b':
        this.pos += 2;
        items.push({ t: 'assert', k: 'wb' });
        return;
      case 'B':
        this.pos += 2;
        items.push({ t: 'assert', k: 'nwb' });
        return;
      case 'C':
        throw new RE2SyntaxError(ERR.invalidEscape, '\\C');
      case 'Q': {
        const endQ = s.indexOf('\\E', start + 2);
        const lit = endQ < 0 ? s.slice(start + 2) : s.slice(start + 2, endQ);
        this.pos = endQ < 0 ? s.length : endQ + 2;
        const fold = (this.flags & FOLD) !== 0;
        for (const ch of lit) items.push({ t: 'lit', cp: ch.codePointAt(0)!, fold });
        return;
      }
    }
    const fold = (this.flags & FOLD) !== 0;
    if (next === 'p' || next === 'P') {
      items.push({ t: 'class', items: [this.parseUnicodeClass()], neg: false, fold });
      return;
    }
    const perl = next !== undefined ? PERL_CLASSES[next] : undefined;
    if (perl) {
      this.pos += 2;
      items.push({ t: 'class', items: [perl], neg: false, fold });
      return;
    }
    items.push({ t: 'lit', cp: this.parseEscape(), fold });
  }

  /** An escape that stands for one character; this.pos is at the backslash. */
  private parseEscape(): number {
    const s = this.src;
    const start = this.pos;
    let i = start + 1;
    if (i >= s.length) throw new RE2SyntaxError(ERR.trailingBackslash, '');
    const cp = this.cpAt(i)!;
    const c = String.fromCodePoint(cp);
    i += this.width(cp);
    const fail = (): never => {
      throw new RE2SyntaxError(ERR.invalidEscape, s.slice(start, i));
    };
    if (cp < 0x80 && !isAlnum(c)) {
      this.pos = i;
      return cp;
    }
    if ((c >= '1' && c <= '7') || c === '0') {
      // A lone non-zero digit would be a backreference, which RE2 does not have.
      if (c !== '0' && !(s[i]! >= '0' && s[i]! <= '7')) fail();
      let r = cp - 48;
      for (let k = 1; k < 3 && s[i]! >= '0' && s[i]! <= '7'; k++) r = r * 8 + s.charCodeAt(i++) - 48;
      this.pos = i;
      return r;
    }
    if (c === 'x') {
      if (i >= s.length) fail();
      if (s[i] === '{') {
        i++;
        let nhex = 0;
        let r = 0;
        for (;;) {
          if (i >= s.length) fail();
          const d = this.cpAt(i)!;
          i += this.width(d);
          if (d === 0x7d) break;
          const v = unhex(String.fromCodePoint(d));
          if (v < 0) fail();
          r = r * 16 + v;
          if (r > MAX_RUNE) fail();
          nhex++;
        }
        if (nhex === 0) fail();
        this.pos = i;
        return r;
      }
      const x = unhex(s[i]);
      const d1 = this.cpAt(i)!;
      i += this.width(d1);
      const d2 = this.cpAt(i);
      if (d2 !== undefined) i += this.width(d2);
      const y = unhex(d2 === undefined ? undefined : String.fromCodePoint(d2));
      if (x < 0 || y < 0) fail();
      this.pos = i;
      return x * 16 + y;
    }
    const ctl: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (c in ctl) {
      this.pos = i;
      return ctl[c]!;
    }
    return fail();
  }

  /** \pN, \p{Name}, \PN, \P{^Name}; this.pos is at the backslash. */
  private parseUnicodeClass(): ClassItem {
    const s = this.src;
    const start = this.pos;
    let neg = s[start + 1] === 'P';
    const cp = this.cpAt(start + 2);
    let seq: string;
    let name: string;
    if (cp !== 0x7b) {
      seq = s.slice(start, start + 2 + (cp === undefined ? 0 : this.width(cp)));
      name = seq.slice(2);
      this.pos = start + seq.length;
    } else {
      const end = s.indexOf('}', start);
      if (end < 0) throw new RE2SyntaxError(ERR.invalidCharRange, s.slice(start));
      seq = s.slice(start, end + 1);
      name = s.slice(start + 3, end);
      this.pos = end + 1;
    }
    if (name.startsWith('^')) {
      neg = !neg;
      name = name.slice(1);
    }
    const item = unicodeTable().get(canonicalName(name));
    if (!item) throw new RE2SyntaxError(ERR.invalidCharRange, seq);
    return neg ? { ...item, neg: !item.neg } : item;
  }

  private parseClass(): Node {
    const s = this.src;
    const start = this.pos;
    const fold = (this.flags & FOLD) !== 0;
    let i = start + 1;
    let neg = false;
    if (s[i] === '^') {
      neg = true;
      i++;
    }
    const items: ClassItem[] = [];
    const ranges: [number, number][] = [];
    let first = true; // ']' is a literal as the first member
    while (i >= s.length || s[i] !== ']' || first) {
      first = false;
      if (s[i] === '[' && s[i + 1] === ':' && i + 2 < s.length) {
        const close = s.indexOf(':]', i + 2);
        if (close >= 0) {
          const whole = s.slice(i, close + 2);
          const negated = whole[2] === '^';
          const name = whole.slice(negated ? 3 : 2, -2);
          const posix = Object.hasOwn(POSIX_CLASSES, name) ? POSIX_CLASSES[name] : undefined;
          if (!posix) throw new RE2SyntaxError(ERR.invalidCharRange, whole);
          items.push(rangesItem(posix.ranges, negated, posix.cased));
          i = close + 2;
          continue;
        }
      }
      if (s[i] === '\\' && (s[i + 1] === 'p' || s[i + 1] === 'P')) {
        this.pos = i;
        items.push(this.parseUnicodeClass());
        i = this.pos;
        continue;
      }
      const perl = s[i] === '\\' ? PERL_CLASSES[s[i + 1] ?? ''] : undefined;
      if (perl) {
        items.push(perl);
        i += 2;
        continue;
      }
      const rangeStart = i;
      const lo = this.classChar(i, start);
      i = this.pos;
      let hi = lo;
      if (s[i] === '-' && i + 1 < s.length && s[i + 1] !== ']') {
        hi = this.classChar(i + 1, start);
        i = this.pos;
        if (hi < lo) throw new RE2SyntaxError(ERR.invalidCharRange, s.slice(rangeStart, i));
      }
      ranges.push([lo, hi]);
    }
    this.pos = i + 1;
    if (ranges.length > 0) {
      items.unshift(rangesItem(ranges, false, ranges.some(([lo, hi]) => rangeIsCased(lo, hi))));
    }
    return { t: 'class', items, neg, fold };
  }

  private classChar(i: number, classStart: number): number {
    const s = this.src;
    if (i >= s.length) throw new RE2SyntaxError(ERR.missingBracket, s.slice(classStart));
    this.pos = i;
    if (s[i] === '\\') return this.parseEscape();
    const cp = this.cpAt(i)!;
    this.pos = i + this.width(cp);
    return cp;
  }
}

function repeatIsValid(node: Node, n: number): boolean {
  if (node.t === 'rep' && node.op === '{}') {
    let m = node.max;
    if (m === 0) return true;
    if (m < 0) m = node.min;
    if (m > n) return false;
    if (m > 0) n = Math.floor(n / m);
  }
  switch (node.t) {
    case 'cap':
    case 'rep':
      return repeatIsValid(node.sub, n);
    case 'cat':
    case 'alt':
      return node.subs.every((sub) => repeatIsValid(sub, n));
    default:
      return true;
  }
}

/** Go's calcSize and tree height, checked on every node (Go checks as it builds). */
function checkLimits(root: Node, src: string): void {
  const walk = (node: Node): { size: number; height: number } => {
    let size: number;
    let height = 1;
    const sub = (child: Node): number => {
      const r = walk(child);
      height = Math.max(height, r.height + 1);
      return r.size;
    };
    switch (node.t) {
      case 'lit':
        size = 1;
        break;
      case 'cap':
        size = 2 + sub(node.sub);
        break;
      case 'cat':
        size = node.subs.reduce((acc, c) => acc + sub(c), 0);
        break;
      case 'alt':
        size = node.subs.reduce((acc, c) => acc + sub(c), 0) + node.subs.length - 1;
        break;
      case 'rep': {
        const inner = sub(node.sub);
        if (node.op === '*') size = 2 + inner;
        else if (node.op === '+' || node.op === '?') size = 1 + inner;
        else if (node.max === -1) size = node.min === 0 ? 2 + inner : 1 + node.min * inner;
        else size = node.max * inner + (node.max - node.min);
        break;
      }
      default:
        size = 1;
    }
    size = Math.max(1, size);
    if (size > MAX_SIZE) throw new RE2SyntaxError(ERR.large, src);
    if (height > MAX_HEIGHT) throw new RE2SyntaxError(ERR.nestingDepth, src);
    return { size, height };
  };
  walk(root);
}

// ---------------------------------------------------------------------------------------------
// Emitter

// Always the braced form: in u-mode two adjacent 4-digit escapes of a lead and a trail surrogate
// would fuse into one astral code point, which RE2's \x{D800}\x{DC00} is not.
function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function escLit(cp: number): string {
  if (cp >= 0x20 && cp < 0x7f) {
    const ch = String.fromCharCode(cp);
    return '^$\\.*+?()[]{}|/'.includes(ch) ? `\\${ch}` : ch;
  }
  return hex(cp);
}

function escClassChar(cp: number): string {
  if (cp >= 0x20 && cp < 0x7f) {
    const ch = String.fromCharCode(cp);
    return '\\]^-[/'.includes(ch) ? `\\${ch}` : ch;
  }
  return hex(cp);
}

function itemBody(item: ClassItem): string {
  if (item.prop !== null) return item.prop;
  let out = '';
  for (const [lo, hi] of item.ranges!) out += lo === hi ? escClassChar(lo) : `${escClassChar(lo)}-${escClassChar(hi)}`;
  return out;
}

function emitClass(items: readonly ClassItem[], neg: boolean): string {
  const pos = items.filter((it) => !it.neg);
  const negs = items.filter((it) => it.neg);
  const posBody = pos.map(itemBody).join('');
  if (negs.length === 0) return `[${neg ? '^' : ''}${posBody}]`;
  if (negs.length === 1 && pos.length === 0) return `[${neg ? '' : '^'}${itemBody(negs[0]!)}]`;
  // A union containing complements: JS u-mode classes cannot nest, and under 'i' a \P{…} inside
  // a class means something else than Go's folded complement, so spell the union as a
  // one-character alternation (each branch consumes exactly one code point, so order is moot).
  const branches = negs.map((it) => `[^${itemBody(it)}]`);
  if (pos.length > 0) branches.push(`[${posBody}]`);
  const union = `(?:${branches.join('|')})`;
  return neg ? `(?:(?!${union})[^])` : union;
}

// Precedence: 0 = alternation branch, 1 = concatenation member, 2 = quantifier operand.
function emit(node: Node, prec: number): string {
  switch (node.t) {
    case 'empty':
      return prec >= 2 ? '(?:)' : '';
    case 'lit':
      return escLit(node.cp);
    case 'any':
      return node.nl ? '[^]' : '[^\\n]';
    case 'class':
      return emitClass(node.items, node.neg);
    case 'assert': {
      // RE2's multi-line anchors know only \n as a line end, JS's also \r, \u2028 and \u2029.
      const a = { bot: '^', eot: '$', bol: '(?<![^\\n])', eol: '(?![^\\n])', wb: '\\b', nwb: '\\B' }[node.k];
      return prec >= 2 ? `(?:${a})` : a; // u-mode forbids quantifying an assertion directly
    }
    case 'cap':
      return `(${emit(node.sub, 0)})`;
    case 'cat': {
      const s = node.subs.map((n) => emit(n, 1)).join('');
      return prec >= 2 ? `(?:${s})` : s;
    }
    case 'alt': {
      const s = node.subs.map((n) => emit(n, 0)).join('|');
      return prec >= 1 ? `(?:${s})` : s;
    }
    case 'rep': {
      let q: string;
      if (node.op !== '{}') q = node.op;
      else if (node.max === node.min) q = `{${node.min}}`;
      else if (node.max < 0) q = `{${node.min},}`;
      else q = `{${node.min},${node.max}}`;
      const s = emit(node.sub, 2) + q + (node.greedy ? '' : '?');
      return prec >= 2 ? `(?:${s})` : s;
    }
  }
}

/** Collects the (?i) state of every atom whose meaning depends on it. */
function foldStates(node: Node, out: Set<boolean>): void {
  switch (node.t) {
    case 'lit':
      if (isCased(node.cp)) out.add(node.fold);
      break;
    case 'class':
      if (node.items.some((it) => it.cased)) out.add(node.fold);
      break;
    case 'cap':
    case 'rep':
      foldStates(node.sub, out);
      break;
    case 'cat':
    case 'alt':
      for (const s of node.subs) foldStates(s, out);
      break;
    default:
  }
}

export interface TranslatedRegexp {
  /** JS source; compile with `flags`. */
  readonly source: string;
  readonly flags: string;
  readonly numSubexp: number;
  /** Index 0 is the whole match (''); unnamed groups are ''. Go's SubexpNames. */
  readonly subexpNames: readonly string[];
}

/** Translates an RE2 expression (unanchored, as Go's regexp.Compile takes it). */
export function translateRE2(expr: string, shownAs = expr): TranslatedRegexp {
  const p = new Parser(expr);
  const root = p.parse();
  checkLimits(root, expr);
  const states = new Set<boolean>();
  foldStates(root, states);
  if (states.size > 1) {
    throw new RE2UnsupportedError(
      `regex ${JSON.stringify(shownAs)}: case-insensitive matching ((?i)) that covers only part of the expression cannot be expressed in JavaScript (Node 20 has no inline modifier groups); apply (?i) to the whole expression`,
    );
  }
  return {
    source: emit(root, 0),
    flags: states.has(true) ? 'iu' : 'u',
    numSubexp: p.numCap,
    subexpNames: p.names.slice(0, p.numCap + 1),
  };
}

// ---------------------------------------------------------------------------------------------
// Compiled form

/** A compiled RE2 expression with Go's matching API (leftmost-first, like Go's regexp). */
export class GoRegexp {
  readonly numSubexp: number;
  readonly subexpNames: readonly string[];
  /** The emitted JS pattern. */
  readonly js: RegExp;
  private global: RegExp | null = null;

  constructor(
    /** The expression as given (for Prometheus's anchored form, without the anchors). */
    readonly expr: string,
    translated: TranslatedRegexp,
  ) {
    this.numSubexp = translated.numSubexp;
    this.subexpNames = translated.subexpNames;
    try {
      this.js = new RegExp(translated.source, translated.flags);
    } catch (err) {
      throw new RE2UnsupportedError(`regex ${JSON.stringify(expr)} cannot be expressed in JavaScript: ${(err as Error).message}`);
    }
  }

  /** Go's MatchString. */
  test(s: string): boolean {
    return this.js.test(s);
  }

  /** Go's FindStringSubmatch: [whole, group1, …], undefined for groups that did not take part. */
  exec(s: string): RegExpExecArray | null {
    return this.js.exec(s);
  }

  /** Go's ReplaceAllString: every match replaced by the template, expanded with Go's rules. */
  replaceAll(src: string, template: ExpandTemplate): string {
    const g = (this.global ??= new RegExp(this.js.source, `${this.js.flags}g`));
    let out = '';
    let lastMatchEnd = 0;
    let searchPos = 0;
    while (searchPos <= src.length) {
      g.lastIndex = searchPos;
      const m = g.exec(src);
      if (!m) break;
      const a0 = m.index;
      const a1 = a0 + m[0].length;
      out += src.slice(lastMatchEnd, a0);
      // Go skips an empty match right after a previous match, so `a*` on "baaac" is "XbXcX".
      if (a1 > lastMatchEnd || a0 === 0) out += template.expand(m);
      lastMatchEnd = a1;
      const cp = src.codePointAt(searchPos);
      const width = cp === undefined ? 0 : cp > 0xffff ? 2 : 1;
      if (searchPos + width > a1) searchPos += width;
      else if (searchPos + 1 > a1) searchPos++;
      else searchPos = a1;
    }
    return out + src.slice(lastMatchEnd);
  }
}

/** Go's regexp.Compile. */
export function compileRE2(expr: string): GoRegexp {
  return new GoRegexp(expr, translateRE2(expr));
}

/**
 * Prometheus's relabel.NewRegexp: `^(?s:` + expr + `)$`. Translating the wrapped text (not
 * wrapping the translation) keeps Prometheus's quirks: errors quote the wrapped text, and an
 * expression such as `a)|(b` escapes the anchors exactly as it does there.
 */
export function compileAnchored(expr: string): GoRegexp {
  return new GoRegexp(expr, translateRE2(`^(?s:${expr})$`, expr));
}

// ---------------------------------------------------------------------------------------------
// Expand

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/**
 * A template for Go's Regexp.Expand, parsed once: `$name`, `${name}`, `$1`, `${1}`, `$$`.
 * As in Go, the longest run of letters, digits and `_` is the name, so `$1x` is the group named
 * "1x" (usually absent, so empty), a number with a leading zero is a name, and a `$` that starts
 * nothing valid is literal.
 */
export class ExpandTemplate {
  /** The expansion when the template references no group. */
  readonly constant: string | null;
  // Parts: literal text, a group index, or candidate indices for a name (first that took part wins).
  private readonly parts: (string | number | readonly number[])[] = [];

  constructor(
    readonly template: string,
    re: { readonly numSubexp: number; readonly subexpNames: readonly string[] },
  ) {
    let t = template;
    let lit = '';
    let refs = false;
    while (t.length > 0) {
      const d = t.indexOf('$');
      if (d < 0) break;
      lit += t.slice(0, d);
      t = t.slice(d + 1);
      if (t.startsWith('$')) {
        lit += '$';
        t = t.slice(1);
        continue;
      }
      const ref = extract(t);
      if (!ref) {
        lit += '$';
        continue;
      }
      t = ref.rest;
      refs = true;
      if (lit !== '') this.parts.push(lit);
      lit = '';
      if (ref.num >= 0) {
        if (ref.num <= re.numSubexp) this.parts.push(ref.num);
      } else {
        const idx: number[] = [];
        re.subexpNames.forEach((n, i) => {
          if (i > 0 && n === ref.name) idx.push(i);
        });
        if (idx.length > 0) this.parts.push(idx);
      }
    }
    lit += t;
    if (lit !== '') this.parts.push(lit);
    this.constant = refs ? null : lit;
  }

  expand(m: ArrayLike<string | undefined>): string {
    if (this.constant !== null) return this.constant;
    let out = '';
    for (const p of this.parts) {
      if (typeof p === 'string') out += p;
      else if (typeof p === 'number') out += m[p] ?? '';
      else {
        for (const i of p) {
          const g = m[i];
          if (g !== undefined) {
            out += g;
            break;
          }
        }
      }
    }
    return out;
  }
}

function extract(str: string): { name: string; num: number; rest: string } | null {
  let s = str;
  const brace = s.startsWith('{');
  if (brace) s = s.slice(1);
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  if (i === 0) return null;
  const name = s.slice(0, i);
  if (brace) {
    if (s[i] !== '}') return null;
    i++;
  }
  let num = 0;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c < 48 || c > 57 || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + c - 48;
  }
  if (name[0] === '0' && name.length > 1) num = -1;
  return { name, num, rest: s.slice(i) };
}
