// Query results, after Prometheus's promql/value.go. Times are ms since the epoch.
import type { FloatHistogram } from '../model/histogram.js';
import { getLabel, METRIC_NAME, type Labels } from '../model/labels.js';

/** A float point, or a native-histogram point when h is set (f is then unused). */
export interface Point {
  t: number;
  f: number;
  h?: FloatHistogram;
}

/** One element of an instant vector. */
export interface Sample {
  metric: Labels;
  t: number;
  f: number;
  /** Set for a native-histogram sample (f is then unused), as Prometheus's Sample.H. */
  h?: FloatHistogram;
  /** The metric name is to be dropped once the enclosing expression is done (3.x delayed name removal). */
  dropName?: boolean;
}

export interface Series {
  metric: Labels;
  points: Point[];
  dropName?: boolean;
}

export type Vector = Sample[];
export type Matrix = Series[];

export interface Scalar {
  t: number;
  v: number;
}

export interface StringValue {
  t: number;
  s: string;
}

export type QueryValue =
  | { type: 'vector'; value: Vector }
  | { type: 'matrix'; value: Matrix }
  | { type: 'scalar'; value: Scalar }
  | { type: 'string'; value: StringValue };

export interface QueryResult {
  /** Instant queries give vector/scalar/string (or matrix for a range selector); range queries a matrix. */
  result: QueryValue;
  /** Annotations, worded like Prometheus's ("PromQL warning: ...", "PromQL info: ..."). */
  warnings: string[];
  infos: string[];
}

/** Errors a query ends with, typed like the HTTP API's errorType. */
export type QueryErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal';

export class QueryError extends Error {
  constructor(
    readonly errorType: QueryErrorType,
    message: string,
  ) {
    super(message);
  }
}

/** The metric name of a label set ('' if none), as Prometheus's getMetricName. */
export function metricName(metric: Labels): string {
  return getLabel(metric, METRIC_NAME);
}
