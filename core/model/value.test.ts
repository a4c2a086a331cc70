import { describe, expect, it } from 'vitest';
import { FloatBuffer, floatBits, isStaleNaN, STALE_NAN, STALE_NAN_BITS, writeFloatBits } from './value.js';

describe('staleness markers', () => {
  it.each([
    ['an ordinary NaN', NaN, false],
    ['zero', 0, false],
    ['-0', -0, false],
    ['+Inf', Infinity, false],
    ['a number', 42.5, false],
    ['the stale marker', STALE_NAN, true],
    ['the stale marker after a trip through an array and a Map', new Map([['k', [STALE_NAN][0]!]]).get('k')!, true],
    ['the stale marker after a Float64Array (V8 may quiet it)', new Float64Array([STALE_NAN])[0]!, true],
  ])('%s → %s', (_n, v, stale) => {
    expect(isStaleNaN(v)).toBe(stale);
  });

  it('loses its payload across structuredClone, which is why it never crosses a thread as a number', () => {
    expect(isStaleNaN(structuredClone(STALE_NAN))).toBe(false);
  });

  it("is written with Prometheus's exact bits", () => {
    expect(floatBits(STALE_NAN)).toBe(STALE_NAN_BITS);
    expect(floatBits(new Float64Array([STALE_NAN])[0]!)).toBe(STALE_NAN_BITS);
    const dv = new DataView(new ArrayBuffer(8));
    writeFloatBits(dv, 0, STALE_NAN);
    expect(dv.getBigUint64(0)).toBe(0x7ff0000000000002n);
    expect(floatBits(-0)).toBe(0x8000000000000000n);
    expect(floatBits(NaN)).not.toBe(STALE_NAN_BITS);
  });
});

describe('FloatBuffer', () => {
  it('keeps staleness markers where a number[] in optimized code may not', () => {
    // Warm a store loop up so the optimizing compiler handles it, as in a long-running scrape.
    const buf = new FloatBuffer(4);
    for (let round = 0; round < 2000; round++) {
      buf.clear();
      for (let i = 0; i < 100; i++) buf.push(i % 10 === 0 ? STALE_NAN : i % 7 === 0 ? NaN : i);
    }
    for (let i = 0; i < 100; i++) expect(isStaleNaN(buf.get(i))).toBe(i % 10 === 0);
    expect(buf.view().length).toBe(100);
  });
});
