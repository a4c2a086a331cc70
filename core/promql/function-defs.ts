// The signatures of PromQL's functions, as Prometheus 3.14's promql/parser/functions.go declares
// them. The parser checks calls against this table (argument count and types); the engine looks
// implementations up by name. Experimental functions are listed too: Kubeglass enables them all,
// as promqltest does.
import type { FunctionDef, ValueType } from './ast.js';

const fn = (name: string, argTypes: ValueType[], variadic: number, returnType: ValueType, experimental = false): FunctionDef =>
  experimental ? { name, argTypes, variadic, returnType, experimental } : { name, argTypes, variadic, returnType };

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

const DEFS: FunctionDef[] = [
  fn('abs', [V], 0, V),
  fn('absent', [V], 0, V),
  fn('absent_over_time', [M], 0, V),
  fn('acos', [V], 0, V),
  fn('acosh', [V], 0, V),
  fn('asin', [V], 0, V),
  fn('asinh', [V], 0, V),
  fn('atan', [V], 0, V),
  fn('atanh', [V], 0, V),
  fn('avg_over_time', [M], 0, V),
  fn('ceil', [V], 0, V),
  fn('changes', [M], 0, V),
  fn('clamp', [V, S, S], 0, V),
  fn('clamp_max', [V, S], 0, V),
  fn('clamp_min', [V, S], 0, V),
  fn('cos', [V], 0, V),
  fn('cosh', [V], 0, V),
  fn('count_over_time', [M], 0, V),
  fn('day_of_month', [V], 1, V),
  fn('day_of_week', [V], 1, V),
  fn('day_of_year', [V], 1, V),
  fn('days_in_month', [V], 1, V),
  fn('deg', [V], 0, V),
  fn('delta', [M], 0, V),
  fn('deriv', [M], 0, V),
  fn('double_exponential_smoothing', [M, S, S], 0, V, true),
  fn('end', [], 0, S, true),
  fn('exp', [V], 0, V),
  fn('first_over_time', [M], 0, V),
  fn('floor', [V], 0, V),
  fn('histogram_avg', [V], 0, V),
  fn('histogram_count', [V], 0, V),
  fn('histogram_fraction', [S, S, V], 0, V),
  fn('histogram_quantile', [S, V], 0, V),
  fn('histogram_quantiles', [V, STR, S, S], 9, V, true),
  fn('histogram_stddev', [V], 0, V),
  fn('histogram_stdvar', [V], 0, V),
  fn('histogram_sum', [V], 0, V),
  fn('hour', [V], 1, V),
  fn('idelta', [M], 0, V),
  fn('increase', [M], 0, V),
  fn('info', [V, V], 1, V, true),
  fn('irate', [M], 0, V),
  fn('label_join', [V, STR, STR, STR], -1, V),
  fn('label_replace', [V, STR, STR, STR, STR], 0, V),
  fn('last_over_time', [M], 0, V),
  fn('ln', [V], 0, V),
  fn('log10', [V], 0, V),
  fn('log2', [V], 0, V),
  fn('mad_over_time', [M], 0, V, true),
  fn('max_of', [S, S], 0, S, true),
  fn('max_over_time', [M], 0, V),
  fn('min_of', [S, S], 0, S, true),
  fn('min_over_time', [M], 0, V),
  fn('minute', [V], 1, V),
  fn('month', [V], 1, V),
  fn('pi', [], 0, S),
  fn('predict_linear', [M, S], 0, V),
  fn('present_over_time', [M], 0, V),
  fn('quantile_over_time', [S, M], 0, V),
  fn('rad', [V], 0, V),
  fn('range', [], 0, S, true),
  fn('rate', [M], 0, V),
  fn('resets', [M], 0, V),
  fn('round', [V, S], 1, V),
  fn('scalar', [V], 0, S),
  fn('sgn', [V], 0, V),
  fn('sin', [V], 0, V),
  fn('sinh', [V], 0, V),
  fn('sort', [V], 0, V),
  fn('sort_by_label', [V, STR], -1, V, true),
  fn('sort_by_label_desc', [V, STR], -1, V, true),
  fn('sort_desc', [V], 0, V),
  fn('sqrt', [V], 0, V),
  fn('start', [], 0, S, true),
  fn('start_timestamp', [V], 0, V, true),
  fn('stddev_over_time', [M], 0, V),
  fn('stdvar_over_time', [M], 0, V),
  fn('step', [], 0, S, true),
  fn('sum_over_time', [M], 0, V),
  fn('tan', [V], 0, V),
  fn('tanh', [V], 0, V),
  fn('time', [], 0, S),
  fn('timestamp', [V], 0, V),
  fn('ts_of_first_over_time', [M], 0, V, true),
  fn('ts_of_last_over_time', [M], 0, V, true),
  fn('ts_of_max_over_time', [M], 0, V, true),
  fn('ts_of_min_over_time', [M], 0, V, true),
  fn('vector', [S], 0, V),
  fn('year', [V], 1, V),
];

/** Every function by name. Aggregations (sum, topk, limitk, …) are operators, not listed here. */
export const FUNCTION_DEFS: ReadonlyMap<string, FunctionDef> = new Map(DEFS.map((d) => [d.name, d]));

export function getFunctionDef(name: string): FunctionDef | undefined {
  return FUNCTION_DEFS.get(name);
}
