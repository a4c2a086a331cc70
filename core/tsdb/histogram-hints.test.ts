import { describe, expect, it } from 'vitest';
import { FloatHistogram, type CounterResetHint } from '../model/histogram.js';
import { STALE_NAN } from '../model/value.js';
import { HistogramChunkTracker } from './histogram-hints.js';

const h = (count: number, buckets: number[], extra: Partial<ConstructorParameters<typeof FloatHistogram>[0]> = {}) =>
  new FloatHistogram({ schema: 0, count, sum: count, positiveSpans: buckets.length ? [{ offset: 0, length: buckets.length }] : [], positiveBuckets: buckets, ...extra });

/** The hints a read gives back for histograms appended a minute apart. */
function readBack(samples: (FloatHistogram | 'float')[], start = 0): (CounterResetHint | 'float')[] {
  const tr = new HistogramChunkTracker();
  return samples.map((s, i) => {
    if (s === 'float') {
      tr.float();
      return 'float';
    }
    return tr.append(start + i * 60_000, s).counterResetHint;
  });
}

describe('HistogramChunkTracker: hints as Prometheus chunks give them back', () => {
  it.each<[string, (FloatHistogram | 'float')[], (CounterResetHint | 'float')[]]>([
    ['a growing counter: unknown, then not_reset', [h(1, [1]), h(2, [2]), h(3, [3])], ['unknown', 'not_reset', 'not_reset']],
    ['a count that drops starts a chunk', [h(2, [2]), h(3, [3]), h(1, [1]), h(2, [2])], ['unknown', 'not_reset', 'unknown', 'not_reset']],
    ['a bucket that drops starts a chunk, even at the same count', [h(1, [1]), h(1, [0, 1]), h(2, [0, 2])], ['unknown', 'unknown', 'not_reset']],
    ['a bucket that appears does not', [h(1, [1]), h(2, [1, 1])], ['unknown', 'not_reset']],
    ['a bucket that disappears while empty does not', [h(1, [0, 1]), h(2, [2], { positiveSpans: [{ offset: 1, length: 1 }] })], ['unknown', 'not_reset']],
    ['a bucket that disappears with observations does', [h(1, [0, 1]), h(2, [])], ['unknown', 'unknown']],
    ['an explicit reset hint starts a chunk', [h(1, [1]), h(2, [2], { counterResetHint: 'reset' }), h(3, [3])], ['unknown', 'unknown', 'not_reset']],
    ['gauges read back as gauges', [h(1, [1], { counterResetHint: 'gauge' }), h(0, [0], { counterResetHint: 'gauge' })], ['gauge', 'gauge']],
    ['a gauge between counters starts chunks both ways', [h(1, [1]), h(2, [2], { counterResetHint: 'gauge' }), h(3, [3])], ['unknown', 'gauge', 'unknown']],
    ['a schema change starts a chunk', [h(1, [1]), h(2, [2], { schema: 1 })], ['unknown', 'unknown']],
    ['a float sample in between ends the chunk', [h(1, [1]), 'float', h(2, [2])], ['unknown', 'float', 'unknown']],
    ['a staleness marker does not', [h(1, [1]), h(0, [], { sum: STALE_NAN }), h(2, [2])], ['unknown', 'not_reset', 'unknown']],
    ['custom bounds that change start a chunk', [h(1, [1], { schema: -53, customValues: [1] }), h(2, [2], { schema: -53, customValues: [2] })], ['unknown', 'unknown']],
  ])('%s', (_name, samples, hints) => {
    expect(readBack(samples)).toEqual(hints);
  });

  it('cuts at 2-hour boundaries as the head does', () => {
    const hours2 = 2 * 60 * 60 * 1000;
    const tr = new HistogramChunkTracker();
    expect(tr.append(hours2 - 60_000, h(1, [1])).counterResetHint).toBe('unknown');
    expect(tr.append(hours2, h(2, [2])).counterResetHint).toBe('unknown');
    expect(tr.append(hours2 + 60_000, h(3, [3])).counterResetHint).toBe('not_reset');
  });

  it('returns copies: the caller keeps its histogram and its hint', () => {
    const tr = new HistogramChunkTracker();
    const a = h(1, [1], { counterResetHint: 'reset' });
    const out = tr.append(0, a);
    expect(out).not.toBe(a);
    expect(a.counterResetHint).toBe('reset');
  });
});
