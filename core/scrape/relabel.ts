// Relabeling, as Prometheus 3.x's model/relabel: config decoding and validation with its error
// wording, and ProcessBuilder's semantics for every action.
//
// Name validation is the legacy scheme ([a-zA-Z_][a-zA-Z0-9_]*) for target_label, the labelmap
// replacement and the name a replace produces at run time; that is Prometheus with
// metric_name_validation_scheme: legacy. (3.x defaults to utf8, where any non-empty UTF-8 string
// is a valid name and a `$` target passes validation unchecked.) source_labels are checked as 3.x
// checks them whatever the scheme: non-empty, well-formed text.
//
// The hot path is metric relabeling, once per sample. relabel() works on a module-level scratch
// builder (relabeling is synchronous and never re-entered) and returns the input array itself
// when the rules leave the set as it was, so a pass that changes nothing allocates nothing here.

import { createHash } from 'node:crypto';
import { isValidLabelName, type Label, type Labels, type LabelsBuilder } from '../model/labels.js';
import { compileAnchored, ExpandTemplate, type GoRegexp } from '../model/regex.js';

export type RelabelAction =
  | 'replace'
  | 'keep'
  | 'drop'
  | 'keepequal'
  | 'dropequal'
  | 'hashmod'
  | 'labelmap'
  | 'labeldrop'
  | 'labelkeep'
  | 'lowercase'
  | 'uppercase';

const ACTIONS: ReadonlySet<string> = new Set<RelabelAction>([
  'replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase',
]);

/** One relabel rule as written in prometheus.yml. An explicit null means Go's zero value, not the default. */
export interface RelabelConfig {
  source_labels?: readonly string[] | null;
  separator?: string | null;
  regex?: string | null;
  modulus?: number | bigint | null;
  target_label?: string | null;
  replacement?: string | null;
  action?: string | null;
}

const DEFAULT_SEPARATOR = ';';
const DEFAULT_REGEX = '(.*)';
const DEFAULT_REPLACEMENT = '$1';
const FIELDS: ReadonlySet<string> = new Set(['source_labels', 'separator', 'regex', 'modulus', 'target_label', 'replacement', 'action']);

export class RelabelConfigError extends Error {
  constructor(
    /** Position of the offending rule in the list. */
    readonly index: number,
    /** Prometheus's own message for the problem. */
    readonly reason: string,
    field?: string,
  ) {
    super(field ? `${field}[${index}]: ${reason}` : `relabel rule ${index}: ${reason}`);
    this.name = 'RelabelConfigError';
  }
}

// Prometheus's relabelTargetLegacy, `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`, rewritten to
// accept the same strings without nested quantifiers: a backtracking engine would take
// exponential time on a long near-miss with the original.
const RELABEL_TARGET_LEGACY = /^(?:[a-zA-Z_]|\$\{\w+\}|\$\w)(?:\w|\$\{\w+\}|\$\w)*$/;

/** Prometheus's legacy check for a target_label or labelmap replacement that may contain `$` references. */
export function isValidRelabelTarget(s: string): boolean {
  return RELABEL_TARGET_LEGACY.test(s);
}

/** A validated, compiled rule. Fields mirror the config after Prometheus's defaults. */
export class CompiledRelabel {
  readonly action: RelabelAction;
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  readonly regex: GoRegexp;
  readonly modulus: bigint;
  readonly targetLabel: string;
  readonly replacement: string;
  /** The regex is `(.*)`, which matches anything with group 1 = the whole value: no need to run it. */
  private readonly matchAll: boolean;
  private readonly targetTemplate: ExpandTemplate;
  private readonly replacementTemplate: ExpandTemplate;

  /** @internal Use compileRelabelConfigs. */
  constructor(d: Decoded) {
    this.action = d.action as RelabelAction;
    this.sourceLabels = d.sourceLabels ?? [];
    this.separator = d.separator;
    this.regex = d.regex;
    this.modulus = d.modulus;
    this.targetLabel = d.targetLabel;
    this.replacement = d.replacement;
    this.matchAll = d.regex.expr === DEFAULT_REGEX;
    this.targetTemplate = new ExpandTemplate(d.targetLabel, d.regex);
    this.replacementTemplate = new ExpandTemplate(d.replacement, d.regex);
  }

  /** One rule on the working set; false means drop. Prometheus's relabel(). */
  apply(w: Work): boolean {
    const val = this.value(w);
    switch (this.action) {
      case 'drop':
        return !this.regex.test(val);
      case 'keep':
        return this.regex.test(val);
      case 'dropequal':
        return w.get(this.targetLabel) !== val;
      case 'keepequal':
        return w.get(this.targetLabel) === val;
      case 'replace': {
        let m: ArrayLike<string | undefined> | null;
        if (this.matchAll) {
          MATCH_ALL[0] = val;
          MATCH_ALL[1] = val;
          m = MATCH_ALL;
        } else {
          m = this.regex.exec(val);
          if (m === null) return true; // no match, no replacement
        }
        const target = this.targetTemplate.expand(m);
        if (!isValidLabelName(target)) return true;
        w.set(target, this.replacementTemplate.expand(m)); // an empty result deletes
        return true;
      }
      case 'lowercase':
        w.set(this.targetLabel, goToLower(val));
        return true;
      case 'uppercase':
        w.set(this.targetLabel, goToUpper(val));
        return true;
      case 'hashmod': {
        const sum = createHash('md5').update(val, 'utf8').digest();
        // The last 8 bytes, as earlier Prometheus versions did, so shards stay where they were.
        w.set(this.targetLabel, (sum.readBigUInt64BE(8) % this.modulus).toString());
        return true;
      }
      case 'labelmap': {
        const n = w.snapshot();
        for (let i = 0; i < n; i++) {
          const name = SNAP_NAMES[i]!;
          if (this.regex.test(name)) w.set(this.regex.replaceAll(name, this.replacementTemplate), SNAP_VALUES[i]!);
        }
        return true;
      }
      case 'labeldrop':
      case 'labelkeep': {
        const keep = this.action === 'labelkeep';
        const n = w.snapshot();
        for (let i = 0; i < n; i++) {
          const name = SNAP_NAMES[i]!;
          if (this.regex.test(name) !== keep) w.del(name);
        }
        return true;
      }
    }
  }

  private value(w: Work): string {
    const src = this.sourceLabels;
    if (src.length === 0) return '';
    if (src.length === 1) return w.get(src[0]!);
    let s = w.get(src[0]!);
    for (let i = 1; i < src.length; i++) s += this.separator + w.get(src[i]!);
    return s;
  }
}

const MATCH_ALL: [string, string] = ['', ''];

// ---------------------------------------------------------------------------------------------
// Working set: Prometheus's labels.Builder (base + ordered additions + deletions). The shape
// matters beyond the final set: labelmap/labeldrop/labelkeep visit labels in Builder.Range order
// (untouched base labels sorted, then additions in the order they were first set), and for
// labelmap the last label mapped onto a name wins.

const SNAP_NAMES: string[] = [];
const SNAP_VALUES: string[] = [];

/** @internal */
export class Work {
  private base: Labels = [];
  private readonly addNames: string[] = [];
  private readonly addValues: string[] = [];
  private readonly dels: string[] = [];

  reset(base: Labels): void {
    this.base = base;
    this.addNames.length = 0;
    this.addValues.length = 0;
    this.dels.length = 0;
  }

  get(name: string): string {
    const an = this.addNames;
    for (let i = 0; i < an.length; i++) if (an[i] === name) return this.addValues[i]!;
    if (this.dels.length > 0 && this.dels.includes(name)) return '';
    const b = this.base;
    for (let i = 0; i < b.length; i++) if (b[i]!.name === name) return b[i]!.value;
    return '';
  }

  set(name: string, value: string): void {
    if (value === '') {
      this.del(name);
      return;
    }
    const an = this.addNames;
    for (let i = 0; i < an.length; i++) {
      if (an[i] === name) {
        this.addValues[i] = value;
        return;
      }
    }
    an.push(name);
    this.addValues.push(value);
  }

  del(name: string): void {
    const an = this.addNames;
    const av = this.addValues;
    for (let i = 0; i < an.length; i++) {
      if (an[i] === name) {
        // Shift down by hand: splice would allocate the removed slice.
        for (let j = i + 1; j < an.length; j++) {
          an[j - 1] = an[j]!;
          av[j - 1] = av[j]!;
        }
        an.length--;
        av.length--;
        break;
      }
    }
    if (!this.dels.includes(name)) this.dels.push(name);
  }

  /** Fills SNAP_NAMES/SNAP_VALUES in Builder.Range order; returns the count. */
  snapshot(): number {
    let n = 0;
    for (const l of this.base) {
      if (this.dels.includes(l.name) || this.addNames.includes(l.name)) continue;
      SNAP_NAMES[n] = l.name;
      SNAP_VALUES[n++] = l.value;
    }
    for (let i = 0; i < this.addNames.length; i++) {
      SNAP_NAMES[n] = this.addNames[i]!;
      SNAP_VALUES[n++] = this.addValues[i]!;
    }
    return n;
  }

  /** The resulting set; the base array itself when nothing differs from it. */
  labels(): Labels {
    const base = this.base;
    if (this.addNames.length === 0 && this.dels.length === 0) return base;
    let changed = false;
    for (let i = 0; i < this.addNames.length && !changed; i++) {
      changed = baseValue(base, this.addNames[i]!) !== this.addValues[i];
    }
    for (let i = 0; i < this.dels.length && !changed; i++) {
      const d = this.dels[i]!;
      changed = !this.addNames.includes(d) && baseValue(base, d) !== '';
    }
    if (!changed) return base;
    const out: Label[] = [];
    for (const l of base) if (!this.dels.includes(l.name) && !this.addNames.includes(l.name)) out.push(l);
    for (let i = 0; i < this.addNames.length; i++) out.push({ name: this.addNames[i]!, value: this.addValues[i]! });
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }
}

function baseValue(base: Labels, name: string): string {
  for (let i = 0; i < base.length; i++) if (base[i]!.name === name) return base[i]!.value;
  return '';
}

const WORK = new Work();

/**
 * Applies the rules in order. Returns null when a rule drops the set, otherwise the relabeled
 * set, which is `labels` itself when no rule changed anything. Prometheus's ProcessBuilder.
 */
export function relabel(labels: Labels, cfgs: readonly CompiledRelabel[]): Labels | null {
  if (cfgs.length === 0) return labels;
  WORK.reset(labels);
  for (let i = 0; i < cfgs.length; i++) if (!cfgs[i]!.apply(WORK)) return null;
  return WORK.labels();
}

/**
 * relabel() on a LabelsBuilder's current set, written back in place. Returns false (builder
 * untouched) when dropped. Labels are visited as Prometheus visits a Builder freshly reset to
 * this set; the builder's own edit history plays no part.
 */
export function relabelBuilder(builder: LabelsBuilder, cfgs: readonly CompiledRelabel[]): boolean {
  const before = builder.labels();
  const after = relabel(before, cfgs);
  if (after === null) return false;
  if (after === before) return true;
  for (const l of before) if (!after.some((a) => a.name === l.name)) builder.del(l.name);
  for (const l of after) builder.set(l.name, l.value);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Go's strings.ToLower/ToUpper: per code point, simple (one-to-one) case mapping, no context.
// JS's toLowerCase/toUpperCase apply full mappings (ß → SS, İ → i̇) and final-sigma context.

const NON_ASCII = /[\u0080-\uffff]/;

function goToLower(s: string): string {
  if (!NON_ASCII.test(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) {
    const l = ch.toLowerCase();
    if (isOneCodePoint(l)) out += l;
    else out += ch === '\u0130' ? 'i' : ch; // İ's simple mapping is i; the full one adds a dot
  }
  return out;
}

function goToUpper(s: string): string {
  if (!NON_ASCII.test(s)) return s.toUpperCase();
  let out = '';
  for (const ch of s) {
    const u = ch.toUpperCase();
    if (isOneCodePoint(u)) {
      out += u;
      continue;
    }
    // Only the Greek letters with ypogegrammeni have a simple uppercase when the full one is
    // longer (ᾳ → ᾼ, not ΑΙ); every other such letter (ß, ŉ, ﬁ …) has none and stays as it is.
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97) || (cp >= 0x1fa0 && cp <= 0x1fa7)) {
      out += String.fromCodePoint(cp + 8);
    } else if (cp === 0x1fb3 || cp === 0x1fc3 || cp === 0x1ff3) {
      out += String.fromCodePoint(cp + 9);
    } else out += ch;
  }
  return out;
}

function isOneCodePoint(s: string): boolean {
  const cp = s.codePointAt(0);
  return cp !== undefined && (cp > 0xffff ? 2 : 1) === s.length;
}

// ---------------------------------------------------------------------------------------------
// Decoding and validation: Prometheus's UnmarshalYAML (yaml.v2, strict) then Config.Validate.

/** @internal */
interface Decoded {
  action: string;
  sourceLabels: string[] | null;
  separator: string;
  regex: GoRegexp;
  regexExplicit: boolean;
  modulus: bigint;
  targetLabel: string;
  replacement: string;
}

const DEFAULT_REGEXP = compileAnchored(DEFAULT_REGEX);

function yamlKind(v: unknown): string {
  if (Array.isArray(v)) return '!!seq';
  if (typeof v === 'object') return '!!map';
  if (typeof v === 'number') return Number.isInteger(v) ? '!!int' : '!!float';
  if (typeof v === 'boolean') return '!!bool';
  return '!!str';
}

/** yaml.v2 puts any scalar into a string field as its text; null is the zero value. */
function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  throw new Error(`cannot unmarshal ${yamlKind(v)} into string`);
}

const MAX_UINT64 = (1n << 64n) - 1n;

function uint64(v: unknown): bigint {
  if (v === null || v === undefined) return 0n;
  let n: bigint | null = null;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isFinite(v) && v >= 0) n = BigInt(Math.trunc(v)); // yaml.v2 truncates floats
  if (n === null || n < 0n || n > MAX_UINT64) {
    throw new Error(`cannot unmarshal ${yamlKind(v)} \`${String(v)}\` into uint64`);
  }
  return n;
}

function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const esc: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };
    if (esc[cp] !== undefined) out += esc[cp];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp !== 0x20 && /[\p{C}\p{Z}]/u.test(ch)) {
      out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

function decode(raw: unknown): Decoded {
  if (raw === null || raw === undefined) throw new Error('empty or null relabeling rule');
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`cannot unmarshal ${yamlKind(raw)} into relabel.plain`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!FIELDS.has(k)) throw new Error(`field ${k} not found in type relabel.plain`);
  const has = (k: string): boolean => Object.hasOwn(o, k);

  let sourceLabels: string[] | null = null;
  if (has('source_labels') && o.source_labels !== null && o.source_labels !== undefined) {
    const v = o.source_labels;
    if (!Array.isArray(v)) throw new Error(`cannot unmarshal ${yamlKind(v)} \`${String(v)}\` into model.LabelNames`);
    sourceLabels = v.map((x) => {
      const name = str(x);
      if (name === '' || /\p{Cs}/u.test(name)) throw new Error(`${goQuote(name)} is not a valid label name`);
      return name;
    });
  }
  const separator = has('separator') ? str(o.separator) : DEFAULT_SEPARATOR;
  // A null regex is Go's zero value, which Prometheus turns into the empty expression.
  const regex = has('regex') ? compileAnchored(str(o.regex)) : DEFAULT_REGEXP;
  const modulus = has('modulus') ? uint64(o.modulus) : 0n;
  const targetLabel = has('target_label') ? str(o.target_label) : '';
  const replacement = has('replacement') ? str(o.replacement) : DEFAULT_REPLACEMENT;
  let action = 'replace';
  if (has('action')) {
    // null leaves Go's zero value, which Validate reports; any text goes through the action's own
    // unmarshaler, which lowercases it.
    if (o.action === null || o.action === undefined) action = '';
    else {
      const s = str(o.action);
      action = goToLower(s);
      if (!ACTIONS.has(action)) throw new Error(`unknown relabel action ${goQuote(s)}`);
    }
  }
  return { action, sourceLabels, separator, regex, regexExplicit: has('regex'), modulus, targetLabel, replacement };
}

/** Prometheus's Config.Validate, legacy name validation. */
function validate(c: Decoded): void {
  const a = c.action;
  const t = c.targetLabel;
  if (a === '') throw new Error('relabel action cannot be empty');
  if (c.modulus === 0n && a === 'hashmod') throw new Error('relabel configuration for hashmod requires non-zero modulus');
  const needsTarget = a === 'replace' || a === 'hashmod' || a === 'lowercase' || a === 'uppercase' || a === 'keepequal' || a === 'dropequal';
  if (needsTarget && t === '') throw new Error(`relabel configuration for ${a} action requires 'target_label' value`);
  const badTarget = new Error(`${goQuote(t)} is invalid 'target_label' for ${a} action`);
  if (a === 'replace' && !t.includes('$') && !isValidLabelName(t)) throw badTarget;
  if (a === 'replace' && t.includes('$') && !isValidRelabelTarget(t)) throw badTarget;
  const targetOnly = a === 'lowercase' || a === 'uppercase' || a === 'keepequal' || a === 'dropequal';
  if (targetOnly && !isValidLabelName(t)) throw badTarget;
  if (targetOnly && c.replacement !== DEFAULT_REPLACEMENT) throw new Error(`'replacement' can not be set for ${a} action`);
  if (a === 'labelmap' && !isValidRelabelTarget(c.replacement)) {
    throw new Error(`${goQuote(c.replacement)} is invalid 'replacement' for ${a} action`);
  }
  if (a === 'hashmod' && !isValidLabelName(t)) throw badTarget;
  if (
    (a === 'dropequal' || a === 'keepequal') &&
    // Go compares the regex by pointer, so even an explicit `regex: (.*)` counts as set.
    (c.regexExplicit || c.modulus !== 0n || c.separator !== DEFAULT_SEPARATOR || c.replacement !== DEFAULT_REPLACEMENT)
  ) {
    throw new Error(`${a} action requires only 'source_labels' and \`target_label\`, and no other fields`);
  }
  if (
    (a === 'labeldrop' || a === 'labelkeep') &&
    (c.sourceLabels !== null || t !== '' || c.modulus !== 0n || c.separator !== DEFAULT_SEPARATOR || c.replacement !== DEFAULT_REPLACEMENT)
  ) {
    throw new Error(`${a} action requires only 'regex', and no other fields`);
  }
}

/**
 * Decodes and validates relabel rules as parsed from YAML (relabel_configs or
 * metric_relabel_configs). Throws RelabelConfigError naming the rule's index; pass `field` to
 * have the message name the list too.
 */
export function compileRelabelConfigs(raw: readonly unknown[], field?: string): CompiledRelabel[] {
  return raw.map((entry, i) => {
    try {
      const d = decode(entry);
      validate(d);
      return new CompiledRelabel(d);
    } catch (err) {
      throw new RelabelConfigError(i, (err as Error).message, field);
    }
  });
}
