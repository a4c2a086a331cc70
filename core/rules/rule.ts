// What recording and alerting rules share (rules/rule.go): health, last error, the time and
// duration of the last evaluation, and the query function they evaluate through.
import type { Queryable } from '../tsdb/interface.js';
import type { PromEngine } from '../promql/engine.js';
import type { Sample, Vector } from '../promql/value.js';
import type { QueryFunc } from './template-funcs.js';

export type { QueryFunc };

export type RuleHealth = 'ok' | 'err' | 'unknown';

/** What a rule's evaluation needs from its group. */
export interface RuleEvalOptions {
  query: QueryFunc;
  /** ms the query time lags the evaluation time (the group's query_offset). */
  queryOffsetMs: number;
  /** The group's limit (0: none). */
  limit: number;
  externalURL: string;
  externalLabels: Record<string, string>;
}

export abstract class RuleBase {
  health: RuleHealth = 'unknown';
  lastError: string | null = null;
  /** ms since the epoch of the last evaluation's start (wall clock), null before the first. */
  lastEvaluation: number | null = null;
  /** Duration of the last evaluation, ms. */
  evaluationTimeMs = 0;

  abstract readonly name: string;
  abstract readonly type: 'recording' | 'alerting';
  /** The expression as written. */
  abstract readonly expr: string;

  /** The rule's output samples at ts (ms); throws on failure. */
  abstract eval(ts: number, opts: RuleEvalOptions): Promise<Sample[]>;
}

/**
 * Prometheus's EngineQueryFunc: an instant query whose vector result is returned as is and whose
 * scalar result becomes a one-sample vector without labels; anything else is an error.
 */
export function engineQueryFunc(engine: PromEngine, storage: Queryable, opts: { timeoutMs?: number } = {}): QueryFunc {
  return async (expr, t) => {
    const r = await engine.instantQuery(storage, expr, t, { timeoutMs: opts.timeoutMs });
    if (r.result.type === 'vector') return r.result.value;
    if (r.result.type === 'scalar') return [{ metric: [], t: r.result.value.t, f: r.result.value.v }] as Vector;
    throw new Error('rule result is not a vector or scalar');
  };
}
