// histogram_quantile, histogram_fraction and histogram_stdvar of native histograms. Inputs and
// expected values come from Prometheus's native_histograms.test; that file is compared with a
// tolerance, so where it rounds (or was produced by an older formula) the check is approximate
// and says so. Everything else is exact.

import { describe, expect, test } from 'vitest';
import { goExp2, goLog2 } from '../model/histogram.js';
import { histogramFraction, histogramQuantile, histogramStdVar } from './histogram-quantile.js';
import { parseHistogramText } from './testfile.js';

/** The `{{…}}` notation of Prometheus's test files. */
const h = parseHistogramText;

/** Within a few units in the last place, for expectations the test file rounds. */
function expectNear(got: number, want: number, ulps = 4): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(ulps * Number.EPSILON * Math.max(Math.abs(want), 1e-300));
}

const POSITIVE = '{{schema:0 count:12 sum:100 z_bucket:2 z_bucket_w:0.001 buckets:[2 3 0 1 4]}}';
const NEGATIVE = '{{schema:0 count:12 sum:100 z_bucket:2 z_bucket_w:0.001 n_buckets:[2 3 0 1 4]}}';
const BOTH = '{{schema:0 count:24 sum:100 z_bucket:4 z_bucket_w:0.001 buckets:[2 3 0 1 4] n_buckets:[2 3 0 1 4]}}';

describe('histogramQuantile', () => {
  test.each([
    // Exponential interpolation inside buckets, linear inside the zero bucket.
    [POSITIVE, 1, 16],
    [POSITIVE, 0.9, 12.99603834169977],
    [POSITIVE, 0.6, 4.594793419988138],
    [POSITIVE, 0.5, 1.5874010519681994],
    [POSITIVE, 0, 0],
    [NEGATIVE, 1, 0],
    [NEGATIVE, 0.5, -1.5874010519681996], // not the mirror of the positive case: 1-1/3 ≠ 2/3 in float64
    [NEGATIVE, 0, -16],
    [BOTH, 1, 16],
    [BOTH, 0.99, 15.34822590920423],
    [BOTH, 0.7, 1.2030250360821164],
    [BOTH, 0.5, 0],
    [BOTH, 0.3, -1.2030250360821169],
    [BOTH, 0.01, -15.34822590920423],
    [BOTH, 0, -16],
    ['{{schema:0 sum:5 count:4 buckets:[1 2 1]}}', 0.5, 1.414213562373095],
    ['{{schema:0 sum:-5 count:4 n_buckets:[1 2 1]}}', 0.5, -1.414213562373095],
    ['{{schema:0 z_bucket:1 z_bucket_w:0.5 sum:0.25 count:1}}', 0.5, 0],
    // The quantile falls into a run of empty buckets: the lower bound of the next populated one.
    ['{{schema:0 sum:0 count:8 buckets:[1 2 1] n_buckets:[1 2 1]}}', 0.5, 0.5],
    ['{{schema:-1 sum:6 count:5 buckets:[0 5]}}', 0.5, 2],
    ['{{schema:-1 sum:6 count:5 buckets:[0 0 5]}}', 0.5, 8],
    ['{{schema:0 sum:4 count:5 buckets:[0 0 5]}}', 0.5, 2.82842712474619],
    ['{{schema:1 sum:4 count:5 buckets:[0 0 5]}}', 0.5, 1.6817928305074292],
    ['{{schema:-1 sum:6 count:5 n_buckets:[0 0 5]}}', 0.5, -8],
    ['{{schema:1 sum:4 count:5 n_buckets:[0 0 5]}}', 0.5, -1.6817928305074292],
    ['{{schema:0 count:12 sum:100 z_bucket:2 z_bucket_w:0.001 buckets:[2 3 0 1 4]}}', 0.6320802083934297, 6],
    ['{{schema:-53 sum:5 count:4 custom_values:[5 10] buckets:[1 2 1]}}', 0.5, 7.5],
  ])('%s at %s is %s', (text, q, want) => {
    const r = histogramQuantile(q, h(text));
    expect(r.value).toBe(want);
    expect(r.infos).toEqual([]);
  });

  test.each([
    // native_histograms.test has these one or two ulps apart (written with a tolerance, or from
    // an older formula); the exact values follow from today's formula and Go's Exp2.
    [POSITIVE, 0.99, 15.67072476139083, goExp2(3 + (4 - 3) * (3.88 / 4))],
    [NEGATIVE, 0.1, -12.996038341699768, -goExp2(3.7)],
    [BOTH, 0.9, 10.556063286183155, goExp2(3 + (4 - (1 - 0.9) * 24) / 4)],
    [POSITIVE, 0.1, 0.0006, 0.0006000000000000001],
    [NEGATIVE, 0.99, -0.00006, -0.00006000000000000005],
    [NEGATIVE, 0.9, -0.0006, -0.0005999999999999998],
    [BOTH, 0.55, 0.0006, 0.0006000000000000005],
    [BOTH, 0.45, -0.0006, -0.0005999999999999996],
    ['{{schema:0 sum:4 count:5 buckets:[0 5]}}', 0.5, 1.4142135623730951, goExp2(0.5)],
    ['{{schema:1 sum:4 count:5 buckets:[0 5]}}', 0.5, 1.189207, goExp2(0.25)],
  ])('%s at %s is about %s', (text, q, rounded, exact) => {
    const got = histogramQuantile(q, h(text)).value;
    expect(got).toBe(exact);
    expect(Math.abs(got - rounded)).toBeLessThanOrEqual(1e-6 * Math.abs(rounded));
  });

  test('mirrored buckets give mirrored results where the float fractions agree', () => {
    expect(histogramQuantile(0.9, h(POSITIVE)).value).toBe(-histogramQuantile(0.1, h(NEGATIVE)).value);
  });

  test.each([
    [-1, -Infinity],
    [1.001, Infinity],
    [NaN, NaN],
  ])('φ = %s gives %s', (q, want) => {
    expect(histogramQuantile(q, h(POSITIVE)).value).toBe(want);
  });

  test('φ out of range wins over an empty histogram; φ NaN or no observations give NaN', () => {
    expect(histogramQuantile(-1, h('{{}}')).value).toBe(-Infinity);
    expect(histogramQuantile(2, h('{{}}')).value).toBe(Infinity);
    expect(histogramQuantile(0.5, h('{{}}')).value).toBeNaN();
    expect(histogramQuantile(0.5, h('{{schema:-53 custom_values:[-2 3]}}')).value).toBeNaN();
  });

  test('custom buckets: linear, 0 as the lower bound of a positive first bucket, bounds at ±Inf', () => {
    const cbh = h('{{schema:-53 sum:5 count:4 custom_values:[5 10] buckets:[1 2 1]}}');
    expect(histogramQuantile(0.125, cbh).value).toBe(2.5); // half of (-Inf, 5] taken as (0, 5]
    expect(histogramQuantile(0.99, cbh).value).toBe(10); // in (10, +Inf]: its lower bound
    expect(histogramQuantile(0.6, cbh).value).toBe(5 + 5 * (1.4 / 2));
    const negativeFirst = h('{{schema:-53 sum:-5 count:4 custom_values:[-5 10] buckets:[2 2]}}');
    expect(histogramQuantile(0.25, negativeFirst).value).toBe(-5); // (-Inf, -5]: its upper bound
    expect(histogramQuantile(0.75, negativeFirst).value).toBe(-5 + 15 * 0.5);
  });

  test('a zero bucket with only negative buckets beside it reaches up to 0', () => {
    const only = h('{{schema:0 count:3 sum:-1 z_bucket:2 z_bucket_w:0.5 n_buckets:[1]}}');
    // From the top, the rank ends 0.5 into the zero bucket's 2, interpolated over [-0.5, 0].
    expect(histogramQuantile(0.5, only).value).toBe(-0.375);
    expect(histogramQuantile(0.5, h('{{schema:0 count:3 sum:1 z_bucket:2 z_bucket_w:0.5 buckets:[1]}}')).value).toBe(0.375);
  });

  test('NaN observations: NaN beyond the buckets, otherwise a result skewed upwards', () => {
    const allNaN = h('{{schema:0 count:3 sum:NaN}}');
    expect(histogramQuantile(1, allNaN)).toEqual({ value: NaN, infos: ['quantile_nan_result'] });
    expect(histogramQuantile(0.4, allNaN)).toEqual({ value: NaN, infos: ['quantile_nan_result'] });
    const someNaN = h('{{schema:0 count:15 sum:NaN buckets:[12]}}');
    expect(histogramQuantile(1, someNaN)).toEqual({ value: NaN, infos: ['quantile_nan_result'] });
    expect(histogramQuantile(0.81, someNaN)).toEqual({ value: NaN, infos: ['quantile_nan_result'] });
    expect(histogramQuantile(0.8, someNaN)).toEqual({ value: 1, infos: ['quantile_nan_skew'] });
    expect(histogramQuantile(0.4, someNaN)).toEqual({ value: 0.7071067811865475, infos: ['quantile_nan_skew'] });
  });

  test('a NaN sum from ±Inf observations (buckets add up to the count) is not reported', () => {
    const infs = h('{{schema:0 count:4 sum:NaN buckets:[4]}}');
    expect(histogramQuantile(0.5, infs)).toEqual({ value: goExp2(-1 + 0.5), infos: [] });
  });

  test('like Prometheus, the NaN scan leaves the last bucket for the interpolation', () => {
    // The rank lies in (0.5, 1], but Go interpolates 0.625 of the way through (1, 2], the bucket
    // its scan for missing (NaN) observations stopped at.
    const r = histogramQuantile(0.25, h('{{schema:0 count:10 sum:NaN buckets:[4 4]}}'));
    expect(r).toEqual({ value: goExp2(0.625), infos: ['quantile_nan_skew'] });
  });

  test('buckets that fall short of the count without NaN give the highest upper bound', () => {
    expect(histogramQuantile(0.2, h('{{schema:0 count:10 sum:5 buckets:[1]}}')).value).toBe(1);
  });
});

describe('histogramFraction', () => {
  test.each([
    [0, Infinity, 1],
    [-Infinity, 0, 0],
    [-0.001, 0, 0],
    [0, 0.001, 0.16666666666666666],
    [0.001, Infinity, 0.8333333333333334],
    [0, 0.0005, 0.08333333333333333],
    [-Infinity, -0.001, 0],
    [1, 2, 0.25],
    [1.5, 2, 0.10375937481971091],
    [1, 8, 0.3333333333333333],
    [0, 6, 0.6320802083934297],
    [1, 6, 0.29874687506009634],
    [1.5, 6, 0.15250624987980724],
    [-2, -1, 0],
    [-6, -1.5, 0],
    [42, 3.1415, 0],
    [0, 0, 0],
    [-3.1, -3.1, 0],
    [-Infinity, Infinity, 1],
    [3.1415, NaN, NaN],
    [NaN, 42, NaN],
  ])('positive buckets (%s, %s] is %s', (lower, upper, want) => {
    expect(histogramFraction(lower, upper, h(POSITIVE))).toEqual({ value: want, infos: [] });
  });

  test('(0, 1.5] interpolates exponentially (the test file rounds it to 0.4795739585136224)', () => {
    const got = histogramFraction(0, 1.5, h(POSITIVE)).value;
    expect(got).toBe((4 + 3 * goLog2(1.5)) / 12);
    expectNear(got, 0.4795739585136224);
  });

  test.each([
    [0, Infinity, 0],
    [-Infinity, 0, 1],
    [-0.001, 0, 0.16666666666666666],
    [-0.0005, 0, 0.08333333333333333],
    [-2, -1, 0.25],
    [-2, -1.5, 0.10375937481971091],
    [-8, -1, 0.3333333333333333],
    [-6, 0, 0.6320802083934297],
    [-6, -1, 0.29874687506009634],
    [1, 2, 0],
  ])('negative buckets (%s, %s] is %s', (lower, upper, want) => {
    expect(histogramFraction(lower, upper, h(NEGATIVE)).value).toBe(want);
  });

  test.each([
    ['{{schema:0 sum:5 count:4 buckets:[1 2 1]}}', 1, 2, 0.5],
    ['{{schema:0 sum:5 count:4 buckets:[1 2 1]}}', 0, 8, 1],
    ['{{schema:-1 sum:4 count:5 buckets:[1] offset:1}}', 1, 4, 1],
    ['{{schema:0 z_bucket:1 z_bucket_w:0.5 sum:0.25 count:1}}', -0.5, 0.5, 1],
    ['{{schema:0 sum:-5 count:4 n_buckets:[1 2 1]}}', -2, -1, 0.5],
    ['{{schema:-1 sum:6 count:5 buckets:[0 5]}}', 0, 2, 0.5],
    ['{{schema:0 sum:4 count:5 buckets:[0 0 5]}}', 0, 2.82842712474619, 0.5],
    ['{{schema:-1 sum:6 count:5 n_buckets:[0 0 5]}}', -8, 0, 0.5],
    ['{{schema:-53 sum:5 count:4 custom_values:[5 10] buckets:[1 2 1]}}', 5, 10, 0.5],
  ])('%s (%s, %s] is %s', (text, lower, upper, want) => {
    expect(histogramFraction(lower, upper, h(text)).value).toBe(want);
  });

  test('empty histograms give NaN, whatever the bounds', () => {
    expect(histogramFraction(-Infinity, Infinity, h('{{}}')).value).toBeNaN();
    expect(histogramFraction(3, 1, h('{{schema:-53 custom_values:[-2 3]}}')).value).toBeNaN();
  });

  test('nothing is interpolated in buckets reaching to ±Inf', () => {
    const belowZero = h('{{schema:-53 sum:-5 count:4 custom_values:[-5 10] buckets:[2 2]}}');
    // (-Inf, -5] counts whole for any bound inside it …
    expect(histogramFraction(-Infinity, -7, belowZero).value).toBe(0.5);
    expect(histogramFraction(-100, -7, belowZero).value).toBe(0);
    // … and (10, +Inf] not at all.
    const cbh = h('{{schema:-53 sum:5 count:4 custom_values:[5 10] buckets:[1 2 1]}}');
    expect(histogramFraction(7.5, 100, cbh).value).toBe(0.25);
    expect(histogramFraction(10, Infinity, cbh).value).toBe(0.25);
  });

  test('a first custom bucket reaching across 0 is taken as the zero bucket, from 0 up', () => {
    const cbh = h('{{schema:-53 sum:5 count:4 custom_values:[5 10] buckets:[1 2 1]}}');
    // (-Inf, 5] becomes (0, 5] and is interpolated linearly: 2/5 of 1 observation out of 4.
    expect(histogramFraction(-Infinity, 2, cbh).value).toBe(0.1);
    expect(histogramFraction(-100, 2, cbh).value).toBe(0.1);
  });

  test('NaN observations are in no bucket and reported', () => {
    const r = histogramFraction(-Infinity, 0.7071067811865475, h('{{schema:0 count:15 sum:NaN buckets:[12]}}'));
    expect(r).toEqual({ value: (12 * (goLog2(0.7071067811865475) + 1)) / 15, infos: ['fraction_nans'] });
    expect(r.value).toBeCloseTo(0.4, 12); // as the test file writes it
    expect(histogramFraction(-Infinity, Infinity, h('{{schema:0 count:15 sum:NaN buckets:[12]}}'))).toEqual({ value: 0.8, infos: ['fraction_nans'] });
    expect(histogramFraction(-Infinity, Infinity, h('{{schema:0 count:3 sum:NaN}}'))).toEqual({ value: 0, infos: ['fraction_nans'] });
    // A NaN sum without missing observations (±Inf observed) is not reported.
    expect(histogramFraction(-Infinity, Infinity, h('{{schema:0 count:4 sum:NaN buckets:[4]}}'))).toEqual({ value: 1, infos: [] });
  });
});

describe('histogramStdVar', () => {
  const ONE = '{{schema:3 count:7 sum:62 z_bucket:1 buckets:[0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 1 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1] n_buckets:[0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1]}}';

  test.each([
    ['{{schema:2 count:4 sum:10 buckets:[1 0 0 0 1 0 0 1 1]}}', 1.163807968526718, 1.0787993180043811],
    ['{{schema:8 count:10 sum:10 buckets:[1 2 3 4]}}', 2.3971123370139447e-5, 0.0048960313898237465],
    [ONE, 1844.4651144196398, 42.94723640025793],
    ['{{schema:0 count:10 sum:-112946 z_bucket:0 n_buckets:[0 0 1 1 1 0 1 1 0 0 3 0 0 0 1 0 0 1]}}', 759352122.1939945, 27556.344499842402],
    ['{{schema:0 count:10 sum:-100 z_bucket:0 n_buckets:[0 0 0 0 10]}}', 1.725830020304794, 1.3137084989847612],
  ])('%s', (text, variance, stddev) => {
    expect(histogramStdVar(h(text))).toBe(variance);
    expect(Math.sqrt(histogramStdVar(h(text)))).toBe(stddev);
  });

  test('a NaN or infinite sum carries through; no observations give NaN', () => {
    expect(histogramStdVar(h(ONE.replace('sum:62', 'sum:NaN')))).toBeNaN();
    expect(histogramStdVar(h(ONE.replace('sum:62', 'sum:Inf')))).toBe(Infinity);
    expect(histogramStdVar(h('{{}}'))).toBeNaN();
  });

  test('custom buckets count at their midpoints, so a populated (-Inf, x] bucket gives +Inf', () => {
    expect(histogramStdVar(h('{{schema:-53 count:4 sum:20 custom_values:[0 5 10] offset:1 buckets:[2 2]}}'))).toBe(6.25);
    expect(histogramStdVar(h('{{schema:-53 sum:5 count:4 custom_values:[5 10] buckets:[1 2 1]}}'))).toBe(Infinity);
  });
});
