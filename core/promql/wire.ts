// Query results in the Prometheus HTTP API's JSON shapes: times in seconds, values as strings
// (JSON has no NaN or Inf), formatted as Go's strconv.FormatFloat(v, 'f', -1, 64) does.
import type { PromHistogram, QueryData } from '../api/contract.js';
import type { FloatHistogram } from '../model/histogram.js';
import { labelsToRecord } from '../model/labels.js';
import type { Point, QueryValue } from './value.js';

/** Go's FormatFloat(v, 'f', -1, 64): the shortest round-tripping digits, never an exponent. */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const intLen = (dot < 0 ? mantissa.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = `0.${'0'.repeat(-intLen)}${digits}`;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return negative ? `-${out}` : out;
}

/**
 * A float as the HTTP API writes it (Prometheus's jsonutil.MarshalFloat): Go's shortest 'f'
 * form, but 'e' form below 1e-6 and from 1e21 on.
 */
export function formatJSONFloat(v: number): string {
  const abs = Math.abs(v);
  if (abs !== 0 && Number.isFinite(v) && (abs < 1e-6 || abs >= 1e21)) {
    // Go writes at least two exponent digits.
    return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return formatSampleValue(v);
}

export function histogramToJSON(h: FloatHistogram): PromHistogram {
  const out: PromHistogram = { count: formatJSONFloat(h.count), sum: formatJSONFloat(h.sum) };
  const buckets: NonNullable<PromHistogram['buckets']> = [];
  for (const b of h.allBucketIterator()) {
    if (b.count === 0) continue;
    const boundaries = b.lowerInclusive ? (b.upperInclusive ? 3 : 1) : b.upperInclusive ? 0 : 2;
    buckets.push([boundaries, formatJSONFloat(b.lower), formatJSONFloat(b.upper), formatJSONFloat(b.count)]);
  }
  if (buckets.length > 0) out.buckets = buckets;
  return out;
}

const point = (p: Point): [number, string] => [p.t / 1000, formatJSONFloat(p.f)];

export function toQueryData(v: QueryValue): QueryData {
  switch (v.type) {
    case 'vector':
      return {
        resultType: 'vector',
        result: v.value.map((s) =>
          s.h ? { metric: labelsToRecord(s.metric), histogram: [s.t / 1000, histogramToJSON(s.h)] } : { metric: labelsToRecord(s.metric), value: [s.t / 1000, formatJSONFloat(s.f)] },
        ),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: v.value.map((s) => {
          const floats = s.points.filter((p) => !p.h);
          const out: { metric: Record<string, string>; values?: [number, string][]; histograms?: [number, PromHistogram][] } = { metric: labelsToRecord(s.metric) };
          if (floats.length > 0) out.values = floats.map(point);
          if (floats.length < s.points.length) out.histograms = s.points.filter((p) => p.h).map((p) => [p.t / 1000, histogramToJSON(p.h!)]);
          return out;
        }),
      };
    case 'scalar':
      return { resultType: 'scalar', result: [v.value.t / 1000, formatJSONFloat(v.value.v)] };
    case 'string':
      return { resultType: 'string', result: [v.value.t / 1000, v.value.s] };
  }
}
