// Query results, after Prometheus's promql/value.go. Times are ms since the epoch.
import type { Labels } from '../model/labels.js';

export interface FPoint {
  t: number;
  f: number;
}

/** One element of an instant vector. */
export interface Sample {
  metric: Labels;
  t: number;
  f: number;
  /** The metric name is to be dropped once the enclosing expression is done (3.x delayed name removal). */
  dropName?: boolean;
}

export interface Series {
  metric: Labels;
  floats: FPoint[];
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
