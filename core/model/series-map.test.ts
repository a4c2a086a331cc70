import { describe, expect, it } from 'vitest';
import { labelsFrom, type Labels } from './labels.js';
import { labelsHash52, SeriesMap } from './series-map.js';

const L = (...pairs: [string, string][]) => labelsFrom(pairs);
const entry = (labels: Labels, tag: string) => ({ labels, tag });

describe('labelsHash52', () => {
  it.each<[string, Labels, Labels]>([
    ['name/value boundary', L(['ab', 'c']), L(['a', 'bc'])],
    ['label boundary', L(['a', 'b'], ['c', 'd']), L(['a', 'bc'], ['', 'd'])],
    ['value order', L(['a', '1'], ['b', '2']), L(['a', '2'], ['b', '1'])],
    ['non-ASCII', L(['a', 'é']), L(['a', 'e'])],
  ])('tells apart %s', (_n, x, y) => {
    expect(labelsHash52(x)).not.toBe(labelsHash52(y));
  });

  it('is a safe integer, equal for equal label sets built apart', () => {
    const h = labelsHash52(L(['__name__', 'up'], ['job', 'node']));
    expect(Number.isSafeInteger(h)).toBe(true);
    expect(h).toBe(labelsHash52(L(['__name__', 'up'], ['job', 'node'])));
  });

  it('spreads 200k realistic label sets without a collision', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) seen.add(labelsHash52(L(['__name__', 'container_cpu_usage_seconds_total'], ['pod', `pod-${Math.floor(i / 40)}`], ['cpu', String(i % 40)])));
    expect(seen.size).toBe(200_000);
  });
});

describe('SeriesMap', () => {
  // Every label set in one bucket: the collision paths are what is exercised.
  for (const [name, make] of [
    ['real hash', () => new SeriesMap<ReturnType<typeof entry>>()],
    ['all colliding', () => new SeriesMap<ReturnType<typeof entry>>(() => 7)],
  ] as const) {
    it(`finds, replaces and deletes by label set (${name})`, () => {
      const m = make();
      const a = entry(L(['a', '1']), 'a');
      const b = entry(L(['a', '2']), 'b');
      const c = entry(L(['b', '1']), 'c');
      for (const e of [a, b, c]) m.set(e);
      expect(m.size).toBe(3);
      expect(m.get(L(['a', '2']))).toBe(b);
      expect(m.get(L(['a', '3']))).toBeUndefined();
      const b2 = entry(L(['a', '2']), 'b2');
      m.set(b2);
      expect(m.size).toBe(3);
      expect(m.get(L(['a', '2']))).toBe(b2);
      // Only the given entry is removed.
      expect(m.delete(L(['a', '2']), b)).toBe(false);
      expect(m.delete(L(['a', '2']), b2)).toBe(true);
      expect(m.get(L(['a', '2']))).toBeUndefined();
      expect(m.delete(L(['a', '1']))).toBe(true);
      expect(m.get(L(['b', '1']))).toBe(c);
      expect(m.size).toBe(1);
      m.clear();
      expect(m.size).toBe(0);
      expect(m.get(L(['b', '1']))).toBeUndefined();
    });
  }
});
