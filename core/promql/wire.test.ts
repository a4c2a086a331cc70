import { describe, expect, it } from 'vitest';
import { QueryData } from '../api/contract.js';
import { FloatHistogram } from '../model/histogram.js';
import { formatJSONFloat, formatSampleValue, histogramToJSON, toQueryData } from './wire.js';

describe('formatSampleValue (Go FormatFloat f, -1)', () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-2.5, '-2.5'],
    [0.1, '0.1'],
    [1e21, '1000000000000000000000'],
    [1.5e22, '15000000000000000000000'],
    [-1.2345e25, '-12345000000000000000000000'],
    [1e-7, '0.0000001'],
    [1.234e-10, '0.0000000001234'],
    [-5e-324, '-0.' + '0'.repeat(323) + '5'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [123456789.125, '123456789.125'],
  ])('%d → %s', (v, text) => {
    expect(formatSampleValue(v)).toBe(text);
  });
});

describe('formatJSONFloat (Prometheus jsonutil.MarshalFloat)', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [0.000001, '0.000001'],
    [1e-7, '1e-07'],
    [-2.5e-10, '-2.5e-10'],
    [1e20, '100000000000000000000'],
    [1e21, '1e+21'],
    [1.5e300, '1.5e+300'],
    [NaN, 'NaN'],
    [-Infinity, '-Inf'],
  ])('%d → %s', (v, text) => {
    expect(formatJSONFloat(v)).toBe(text);
  });
});

describe('native histograms in query results', () => {
  const h = new FloatHistogram({
    schema: 0,
    count: 5,
    sum: 12.5,
    zeroThreshold: 0.001,
    zeroCount: 1,
    positiveSpans: [{ offset: 0, length: 3 }],
    positiveBuckets: [1, 0, 2],
    negativeSpans: [{ offset: 0, length: 1 }],
    negativeBuckets: [1],
  });

  it('writes count, sum and the non-empty buckets with their boundary rule', () => {
    expect(histogramToJSON(h)).toEqual({
      count: '5',
      sum: '12.5',
      buckets: [
        [1, '-1', '-0.5', '1'],
        [3, '-0.001', '0.001', '1'],
        [0, '0.5', '1', '1'],
        [0, '2', '4', '2'],
      ],
    });
  });

  it('leaves buckets out when there are none', () => {
    expect(histogramToJSON(new FloatHistogram({ count: 0, sum: 0 }))).toEqual({ count: '0', sum: '0' });
  });

  it('puts histogram samples under "histogram" and series points under "histograms", floats apart', () => {
    const vec = toQueryData({ type: 'vector', value: [{ metric: [], t: 1500, f: 0, h }] });
    expect(vec).toEqual({ resultType: 'vector', result: [{ metric: {}, histogram: [1.5, histogramToJSON(h)] }] });
    const mat = toQueryData({
      type: 'matrix',
      value: [
        {
          metric: [],
          points: [
            { t: 1000, f: 1 },
            { t: 2000, f: 0, h },
          ],
        },
      ],
    });
    expect(mat).toEqual({ resultType: 'matrix', result: [{ metric: {}, values: [[1, '1']], histograms: [[2, histogramToJSON(h)]] }] });
    expect(QueryData.parse(vec)).toEqual(vec);
    expect(QueryData.parse(mat)).toEqual(mat);
  });
});
