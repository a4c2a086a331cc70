// Series by label set, without a key string per series. A string key (labelsKey) kept for every
// live series costs its length again in memory (~600 bytes for a cAdvisor series); like
// Prometheus's stripeSeries (hash → series, with a collision list), this keys by a hash of the
// labels and compares the label sets themselves on a hit.
import { labelsEqual, type Labels } from './labels.js';

/** FNV-1a over UTF-16 units, in two lanes, folded into a 52-bit integer (a safe Map key). */
export function labelsHash52(labels: Labels): number {
  let a = 0x811c9dc5;
  let b = 0x2f0c5a71;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // A separator no label text contains, so ("ab","c") and ("a","bc") differ.
    a = Math.imul(a ^ 0xffff, 0x01000193);
    b = Math.imul(b ^ 0xffff, 0x5bd1e995);
  };
  for (const l of labels) {
    mix(l.name);
    mix(l.value);
  }
  return (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
}

export class SeriesMap<V extends { labels: Labels }> {
  private readonly map = new Map<number, V | V[]>();
  private count = 0;

  /** `hash` is replaceable so tests can force collisions. */
  constructor(private readonly hash: (labels: Labels) => number = labelsHash52) {}

  get size(): number {
    return this.count;
  }

  get(labels: Labels): V | undefined {
    const e = this.map.get(this.hash(labels));
    if (e === undefined) return undefined;
    if (!Array.isArray(e)) return labelsEqual(e.labels, labels) ? e : undefined;
    return e.find((v) => labelsEqual(v.labels, labels));
  }

  /** Adds or replaces the entry for `v.labels`. */
  set(v: V): void {
    const h = this.hash(v.labels);
    const e = this.map.get(h);
    if (e === undefined) {
      this.map.set(h, v);
      this.count++;
    } else if (!Array.isArray(e)) {
      if (labelsEqual(e.labels, v.labels)) this.map.set(h, v);
      else {
        this.map.set(h, [e, v]);
        this.count++;
      }
    } else {
      const i = e.findIndex((x) => labelsEqual(x.labels, v.labels));
      if (i >= 0) e[i] = v;
      else {
        e.push(v);
        this.count++;
      }
    }
  }

  /** Removes the entry for `labels`, or only if it is `only` when given. */
  delete(labels: Labels, only?: V): boolean {
    const h = this.hash(labels);
    const e = this.map.get(h);
    if (e === undefined) return false;
    if (!Array.isArray(e)) {
      if (!labelsEqual(e.labels, labels) || (only !== undefined && e !== only)) return false;
      this.map.delete(h);
      this.count--;
      return true;
    }
    const i = e.findIndex((x) => labelsEqual(x.labels, labels) && (only === undefined || x === only));
    if (i < 0) return false;
    e.splice(i, 1);
    if (e.length === 1) this.map.set(h, e[0]!);
    this.count--;
    return true;
  }

  clear(): void {
    this.map.clear();
    this.count = 0;
  }
}
