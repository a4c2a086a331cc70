// An in-memory Appendable with Prometheus's append rules (per-series order, duplicates), for
// tests and for commands that scrape without a database. Not the TSDB: that is SQLite-backed.
import { labelsKey, type Labels } from '../model/labels.js';
import { FloatBuffer, floatBits } from '../model/value.js';
import type { Matcher } from '../model/matchers.js';
import type { Appendable, Appender, AppendRejection, MetricMetadata, Querier, Queryable, StoredSeries } from './interface.js';

export interface MemorySeries {
  labels: Labels;
  /** Timestamps (ms) and values, in append order (values in a typed array: see FloatBuffer). */
  t: number[];
  v: FloatBuffer;
}

export class MemoryStorage implements Appendable, Queryable {
  readonly series = new Map<string, MemorySeries>();
  readonly metadata = new Map<string, MetricMetadata>();
  commits = 0;
  rollbacks = 0;

  appender(): Appender {
    const pending: { key: string; labels: Labels; t: number; i: number }[] = [];
    const values = new FloatBuffer();
    const meta = new Map<string, MetricMetadata>();
    // Latest timestamp per series including this batch, to judge order before commit.
    const latest = new Map<string, { t: number; v: number }>();
    const last = (key: string) => {
      const p = latest.get(key);
      if (p) return p;
      const s = this.series.get(key);
      return s && s.t.length > 0 ? { t: s.t[s.t.length - 1]!, v: s.v.get(s.v.length - 1) } : null;
    };
    return {
      append: (labels, t, v): AppendRejection | null => {
        const key = labelsKey(labels);
        const prev = last(key);
        if (prev) {
          if (t < prev.t) return 'out_of_order';
          // Same timestamp: Prometheus accepts an identical value silently, rejects a different one.
          if (t === prev.t) return floatBits(v) === floatBits(prev.v) ? null : 'duplicate';
        }
        pending.push({ key, labels, t, i: values.length });
        values.push(v);
        latest.set(key, { t, v });
        return null;
      },
      updateMetadata: (family, m) => {
        meta.set(family, m);
      },
      commit: async () => {
        for (const p of pending) {
          let s = this.series.get(p.key);
          if (!s) this.series.set(p.key, (s = { labels: p.labels, t: [], v: new FloatBuffer(8) }));
          if (s.t.length > 0 && s.t[s.t.length - 1] === p.t) continue;
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
            return { t: Float64Array.from(s.t.slice(lo, hi)), v: s.v.view().slice(lo, hi) };
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
