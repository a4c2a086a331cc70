// Label sets as Alertmanager handles them (prometheus/common model.LabelSet): a plain name → value
// map, its fingerprint, its String() form (used in group keys) and its ordering.
import { compareStrings } from '../model/labels.js';

export type LabelSet = Readonly<Record<string, string>>;

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xff;
const encoder = new TextEncoder();

/** Label names in Go's byte order. */
export function sortedNames(ls: LabelSet): string[] {
  return Object.keys(ls).sort(compareStrings);
}

/**
 * model.LabelSet.Fingerprint(): FNV-1a 64 over the names in order, each name and value followed
 * by the separator byte 0xff, printed as Fingerprint.String() does (%016x).
 */
export function fingerprint(ls: LabelSet): string {
  let h = FNV_OFFSET;
  const add = (b: number) => {
    h ^= BigInt(b);
    h = (h * FNV_PRIME) & MASK;
  };
  for (const name of sortedNames(ls)) {
    for (const b of encoder.encode(name)) add(b);
    add(SEPARATOR);
    for (const b of encoder.encode(ls[name]!)) add(b);
    add(SEPARATOR);
  }
  return h.toString(16).padStart(16, '0');
}

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;
const SHORT_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

/** Go's strconv.Quote (the %q verb). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const short = SHORT_ESCAPES[ch];
    if (short) out += short;
    else if (PRINTABLE.test(ch)) out += ch;
    else {
      const cp = ch.codePointAt(0)!;
      if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
      else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    }
  }
  return out + '"';
}

/** model.LabelSet.String(): `{a="b", c="d"}`, names sorted, values Go-quoted. */
export function labelSetString(ls: LabelSet): string {
  return `{${sortedNames(ls)
    .map((n) => `${n}=${goQuote(ls[n]!)}`)
    .join(', ')}}`;
}

/** model.LabelSet.Before: fewer labels first, then the first differing name or value. */
export function labelSetBefore(a: LabelSet, b: LabelSet): boolean {
  const an = Object.keys(a);
  const bn = Object.keys(b);
  if (an.length !== bn.length) return an.length < bn.length;
  for (const name of [...an, ...bn].sort(compareStrings)) {
    const av = a[name];
    if (av === undefined) return true;
    const bv = b[name];
    if (bv === undefined) return false;
    const c = compareStrings(av, bv);
    if (c !== 0) return c < 0;
  }
  return false;
}

/** types.AlertSlice's order: by job, then instance (alerts lacking one last), then label set. */
export function compareAlertLabels(a: LabelSet, b: LabelSet): number {
  for (const key of ['job', 'instance']) {
    const av = a[key];
    const bv = b[key];
    if (av === undefined && bv === undefined) continue;
    if (av === undefined) return 1;
    if (bv === undefined) return -1;
    if (av !== bv) return compareStrings(av, bv);
  }
  if (labelSetBefore(a, b)) return -1;
  if (labelSetBefore(b, a)) return 1;
  return 0;
}

/** A copy with names in Go's order, so JSON.stringify writes them as encoding/json writes maps. */
export function sortedLabelSet(ls: LabelSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of sortedNames(ls)) out[n] = ls[n]!;
  return out;
}

/** The labels two sets share with equal values (commonLabels). */
export function commonLabelSet(sets: readonly LabelSet[]): Record<string, string> {
  if (sets.length === 0) return {};
  const out: Record<string, string> = { ...sets[0] };
  for (const s of sets.slice(1)) for (const n of Object.keys(out)) if (s[n] !== out[n]) delete out[n];
  return out;
}
