// An in-memory Appendable with Prometheus's append rules (per-series order, duplicates), for
// tests and for commands that scrape without a database. Not the TSDB: that is SQLite-backed.
import type { FloatHistogram } from '../model/histogram.js';
import { labelsKey, type Labels } from '../model/labels.js';
import { HistogramChunkTracker } from './histogram-hints.js';
import { FloatBuffer, floatBits, isStaleNaN } from '../model/value.js';
import type { Matcher } from '../model/matchers.js';
import type { Appendable, Appender, AppendRejection, MetricMetadata, Querier, Queryable, StoredSeries } from './interface.js';

export interface MemorySeries {
  labels: Labels;
  /** Timestamps (ms) and values, in append order (values in a typed array: see FloatBuffer). */
  t: number[];
  v: FloatBuffer;
  /** Native-histogram samples by index, allocated once a series has one. */
  h?: (FloatHistogram | undefined)[];
  /** Which hint each histogram reads back with, as from Prometheus's chunks. */
  chunks?: HistogramChunkTracker;
}

export class MemoryStorage implements Appendable, Queryable {
  readonly series = new Map<string, MemorySeries>();
  readonly metadata = new Map<string, MetricMetadata>();
  commits = 0;
  rollbacks = 0;

  appender(): Appender {
    const pending: { key: string; labels: Labels; t: number; i: number; h?: FloatHistogram }[] = [];
    const values = new FloatBuffer();
    const meta = new Map<string, MetricMetadata>();
    // Latest timestamp per series including this batch, to judge order before commit.
    const latest = new Map<string, { t: number; v: number; h?: FloatHistogram }>();
    const last = (key: string) => {
      const p = latest.get(key);
      if (p) return p;
      const s = this.series.get(key);
      const n = s ? s.t.length : 0;
      return n > 0 ? { t: s!.t[n - 1]!, v: s!.v.get(n - 1), h: s!.h?.[n - 1] } : null;
    };
    const add = (labels: Labels, t: number, v: number, h: FloatHistogram | undefined): AppendRejection | null => {
      const key = labelsKey(labels);
      const prev = last(key);
      if (prev) {
        if (t < prev.t) return 'out_of_order';
        // Same timestamp: Prometheus accepts an identical value silently, rejects a different one.
        if (t === prev.t) {
          const same = h || prev.h ? h !== undefined && prev.h !== undefined && h.equals(prev.h) : floatBits(v) === floatBits(prev.v);
          return same ? null : 'duplicate';
        }
      }
      pending.push({ key, labels, t, i: values.length, h });
      values.push(v);
      latest.set(key, { t, v, h });
      return null;
    };
    return {
      append: (labels, t, v) => add(labels, t, v, undefined),
      appendHistogram: (labels, t, h) => add(labels, t, 0, h.copy()),
      updateMetadata: (family, m) => {
        meta.set(family, m);
      },
      commit: async () => {
        for (const p of pending) {
          let s = this.series.get(p.key);
          if (!s) this.series.set(p.key, (s = { labels: p.labels, t: [], v: new FloatBuffer(8) }));
          if (s.t.length > 0 && s.t[s.t.length - 1] === p.t) continue;
          if (p.h) (s.h ??= new Array<FloatHistogram | undefined>(s.t.length))[s.t.length] = (s.chunks ??= new HistogramChunkTracker()).append(p.t, p.h);
          else if (s.h) {
            s.h[s.t.length] = undefined;
            // Prometheus keeps a staleness marker in the histogram chunk; a float starts a new one.
            if (!isStaleNaN(values.get(p.i))) s.chunks?.float();
          }
          s.t.push(p.t);
          s.v.push(values.get(p.i));
        }
        for (const [k, m] of meta) this.metadata.set(k, m);
        pending.length = 0;
        values.clear();
        meta.clear();
        latest.clear();
        this.commits++;
      },
      rollback: () => {
        pending.length = 0;
        values.clear();
        meta.clear();
        latest.clear();
        this.rollbacks++;
      },
    };
  }

  /** Sorted label names and values are computed per call: this store serves tests and small tools. */
  querier(mint: number, maxt: number): Querier {
    const matching = (matchers: Matcher[] = []) =>
      [...this.series.values()].filter((s) => matchers.every((m) => m.matches(s.labels.find((l) => l.name === m.name)?.value ?? '')));
    return {
      select: (matchers): StoredSeries[] =>
        matching(matchers).map((s) => ({
          labels: s.labels,
          samples: () => {
            let lo = 0;
            while (lo < s.t.length && s.t[lo]! < mint) lo++;
            let hi = lo;
            while (hi < s.t.length && s.t[hi]! <= maxt) hi++;
            // A typed-array copy keeps staleness markers' NaN payload.
            return { t: Float64Array.from(s.t.slice(lo, hi)), v: s.v.view().slice(lo, hi), h: s.h?.slice(lo, hi) };
          },
        })),
      labelNames: (matchers) => [...new Set(matching(matchers).flatMap((s) => s.labels.map((l) => l.name)))].sort(),
      labelValues: (name, matchers) =>
        [...new Set(matching(matchers).flatMap((s) => s.labels.filter((l) => l.name === name).map((l) => l.value)))].sort(),
    };
  }

  /** Series whose __name__ is `name`, for tests. */
  byName(name: string): MemorySeries[] {
    return [...this.series.values()].filter((s) => s.labels.some((l) => l.name === '__name__' && l.value === name));
  }
}
