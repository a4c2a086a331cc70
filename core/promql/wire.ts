// Query results in the Prometheus HTTP API's JSON shapes: times in seconds, values as strings
// (JSON has no NaN or Inf), formatted as Go's strconv.FormatFloat(v, 'f', -1, 64) does.
import type { QueryData } from '../api/contract.js';
import { labelsToRecord } from '../model/labels.js';
import type { FPoint, QueryValue } from './value.js';

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

const point = (p: FPoint): [number, string] => [p.t / 1000, formatSampleValue(p.f)];

export function toQueryData(v: QueryValue): QueryData {
  switch (v.type) {
    case 'vector':
      return { resultType: 'vector', result: v.value.map((s) => ({ metric: labelsToRecord(s.metric), value: [s.t / 1000, formatSampleValue(s.f)] })) };
    case 'matrix':
      return { resultType: 'matrix', result: v.value.map((s) => ({ metric: labelsToRecord(s.metric), values: s.floats.map(point) })) };
    case 'scalar':
      return { resultType: 'scalar', result: [v.value.t / 1000, formatSampleValue(v.value.v)] };
    case 'string':
      return { resultType: 'string', result: [v.value.t / 1000, v.value.s] };
  }
}
