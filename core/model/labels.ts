// Label sets: sorted by name, compared and keyed by a canonical string, as Prometheus's labels.Labels.

export interface Label {
  readonly name: string;
  readonly value: string;
}

/** Sorted by name, names unique, no empty values (an empty value means "absent", as in Prometheus). */
export type Labels = readonly Label[];

export const METRIC_NAME = '__name__';
export const ADDRESS = '__address__';
export const SCHEME = '__scheme__';
export const METRICS_PATH = '__metrics_path__';
export const SCRAPE_INTERVAL = '__scrape_interval__';
export const SCRAPE_TIMEOUT = '__scrape_timeout__';
export const PARAM_PREFIX = '__param_';
export const META_PREFIX = '__meta_';
export const RESERVED_PREFIX = '__';
export const JOB = 'job';
export const INSTANCE = 'instance';

/**
 * Separates names and values in keys built from label sets. Prometheus uses the byte 0xff, which
 * UTF-8 never contains; in a JS string "\xff" is the letter ÿ, which a label value may hold (and
 * two different label sets would share a key). A lone low surrogate cannot come out of decoding
 * UTF-8 (expositions, imports, remote data), so it plays 0xff's part.
 */
export const LABEL_SEP = '\udfff';
const SEP = LABEL_SEP;

/** Builds a Labels from pairs; later values win, empty values drop the label. */
export function labelsFrom(pairs: Iterable<readonly [string, string]> | Record<string, string>): Labels {
  const map = new Map<string, string>(Symbol.iterator in pairs ? (pairs as Iterable<readonly [string, string]>) : Object.entries(pairs));
  const out: Label[] = [];
  for (const [name, value] of map) if (value !== '') out.push({ name, value });
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

export function getLabel(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return '';
}

/**
 * A string that identifies the label set: equal sets, equal keys. Used as a Map key, and kept as
 * long as its series lives: join() makes one flat string, where `+=` would leave a tree of ~4
 * cons strings per label (~30 per series, 90 MB of a 50-node cluster's 430 MB heap).
 */
export function labelsKey(labels: Labels): string {
  const parts: string[] = new Array(labels.length * 4);
  let i = 0;
  for (const l of labels) {
    parts[i++] = l.name;
    parts[i++] = SEP;
    parts[i++] = l.value;
    parts[i++] = SEP;
  }
  return parts.join('');
}

export function labelsEqual(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  return true;
}

export function labelsToRecord(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) out[l.name] = l.value;
  return out;
}

/** Prometheus's text form: name{a="b", c="d"}, with the name pulled out front when present. */
export function formatLabels(labels: Labels): string {
  const name = getLabel(labels, METRIC_NAME);
  const rest = labels.filter((l) => l.name !== METRIC_NAME).map((l) => `${l.name}=${JSON.stringify(l.value)}`);
  return rest.length === 0 ? name || '{}' : `${name}{${rest.join(', ')}}`;
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Legacy (pre-UTF-8) label-name rule, which relabeling and most exporters still follow. */
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name);
}

/**
 * Prometheus's strutil.SanitizeLabelName: each character outside [a-zA-Z0-9_] becomes "_" (one
 * per code point, as Go's regexp replaces runes).
 */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/gu, '_');
}

export function isValidMetricName(name: string): boolean {
  return METRIC_NAME_RE.test(name);
}

/** A mutable builder for the hot path (relabeling, target labels): set/del then labels(). */
export class LabelsBuilder {
  private readonly map = new Map<string, string>();

  constructor(base: Labels = []) {
    for (const l of base) this.map.set(l.name, l.value);
  }

  get(name: string): string {
    return this.map.get(name) ?? '';
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** Setting an empty value deletes, as Prometheus's labels.Builder does. */
  set(name: string, value: string): this {
    if (value === '') this.map.delete(name);
    else this.map.set(name, value);
    return this;
  }

  del(name: string): this {
    this.map.delete(name);
    return this;
  }

  names(): string[] {
    return [...this.map.keys()];
  }

  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }

  labels(): Labels {
    return labelsFrom(this.map);
  }
}

/** 64-bit FNV-1a over the canonical key, as a bigint: stable across runs and platforms. */
export function labelsHash(labels: Labels): bigint {
  return fnv1a64(labelsKey(labels));
}

export function fnv1a64(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(s);
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/** Go's string order is by UTF-8 bytes, i.e. by code point; JS's < is by UTF-16 unit. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Move surrogates (code points above U+FFFF) after U+E000–U+FFFF.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Prometheus's labels.Compare. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareStrings(a[i]!.name, b[i]!.name) || compareStrings(a[i]!.value, b[i]!.value);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * The byte form Prometheus 3.x hashes a label set in (its default "stringlabels" layout): each
 * name and value prefixed by its size (one byte, or 255 and three bytes). limit_ratio's sampling
 * and a rule group's evaluation offset hash it.
 */
export function stringLabelsBytes(ls: Labels): Uint8Array {
  const enc = new TextEncoder();
  const parts: number[] = [];
  const put = (s: string) => {
    const b = enc.encode(s);
    if (b.length < 255) parts.push(b.length);
    else parts.push(255, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff);
    for (const x of b) parts.push(x);
  };
  for (const l of ls) {
    put(l.name);
    put(l.value);
  }
  return Uint8Array.from(parts);
}
