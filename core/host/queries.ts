// PromQL for the engine host: runs queries on the local TSDB of the context being viewed, and
// answers the label and series lookups Explore's editor and Grafana make. One instance per
// engine; the database is opened on first use and swapped when the viewed context changes.
import type { Handlers, QueryResponse } from '../api/contract.js';
import { ContractError, type ErrorCode } from '../api/errors.js';
import { labelsKey, labelsToRecord } from '../model/labels.js';
import type { Matcher } from '../model/matchers.js';
import { PromEngine } from '../promql/engine.js';
import { parseExpr, parseMetricSelector, ParseError } from '../promql/parser.js';
import { formatExpr } from '../promql/printer.js';
import { QueryError, type QueryResult } from '../promql/value.js';
import { toQueryData } from '../promql/wire.js';
import type { Tsdb } from '../tsdb/sqlite/tsdb.js';
import { openCapture } from '../tsdb/store.js';
import { ContextDbs, type DbLease } from './dbs.js';

export type QueryHandlers = Pick<Handlers, 'promql.query' | 'promql.queryRange' | 'promql.series' | 'promql.labels' | 'promql.labelValues' | 'promql.metadata' | 'promql.format'>;

export interface QueryServiceOptions {
  dataDir: string;
  /** The context whose data queries read (null: none chosen). */
  context: () => string | null;
  /** Opens a context's database (tests swap in their own). */
  open?: (dataDir: string, context: string) => Tsdb;
  /** Databases shared with the scraper; by default the service opens its own. */
  dbs?: ContextDbs;
  /** A capture file every query reads instead of the context's database, or null. */
  capture?: () => string | null;
  engine?: PromEngine;
  now?: () => number;
}

const ERROR_CODES: Record<QueryError['errorType'], ErrorCode> = {
  bad_data: 'bad_data',
  execution: 'execution',
  timeout: 'timeout',
  canceled: 'cancelled',
  internal: 'internal',
};

interface OpenDb {
  /** The context, or "capture:" and the capture's file. */
  context: string;
  tsdb: Tsdb;
  lease: DbLease;
  /** Queries running on it. */
  users: number;
  /** No longer the viewed context's: closed when its last query ends. */
  retired: boolean;
}

export class QueryService {
  private db: OpenDb | null = null;
  private readonly engine: PromEngine;
  private readonly now: () => number;
  private readonly dbs: ContextDbs;

  constructor(private readonly opts: QueryServiceOptions) {
    this.engine = opts.engine ?? new PromEngine();
    this.now = opts.now ?? Date.now;
    this.dbs = opts.dbs ?? new ContextDbs(opts.dataDir, opts.open);
  }

  close(): void {
    if (this.db) this.retire(this.db);
    this.db = null;
  }

  /** The database of the viewed context, (re)opened when the context changed. */
  private current(): OpenDb {
    const capture = this.opts.capture?.() ?? null;
    const context = capture !== null ? `capture:${capture}` : this.opts.context();
    if (context === null) throw new ContractError('unavailable', 'no context selected: choose a kubeconfig context to query its data');
    if (this.db?.context !== context) {
      this.close();
      try {
        const lease = capture !== null ? captureLease(context, capture) : this.dbs.acquire(context);
        this.db = { context, tsdb: lease.tsdb, lease, users: 0, retired: false };
      } catch (err) {
        const what = capture !== null ? `the capture ${capture}` : `the data of context "${context}"`;
        throw new ContractError('unavailable', `cannot open ${what}: ${(err as Error).message}`);
      }
    }
    return this.db;
  }

  private storage(): Tsdb {
    return this.current().tsdb;
  }

  /** Closes a database no longer viewed once the queries still reading it (they yield) are done. */
  private retire(db: OpenDb): void {
    db.retired = true;
    if (db.users === 0) db.lease.release();
  }

  private async run(fn: (db: Tsdb) => Promise<QueryResult>): Promise<QueryResponse> {
    const db = this.current();
    db.users++;
    try {
      const r = await fn(db.tsdb);
      return { data: toQueryData(r.result), warnings: r.warnings, infos: r.infos };
    } catch (err) {
      throw asContractError(err);
    } finally {
      db.users--;
      if (db.retired && db.users === 0) db.lease.release();
    }
  }

  private selectors(match: string[] | undefined): Matcher[][] | null {
    if (!match || match.length === 0) return null;
    return match.map((m) => {
      try {
        return parseMetricSelector(m);
      } catch (err) {
        throw asContractError(err);
      }
    });
  }

  readonly handlers: QueryHandlers = {
    'promql.query': ({ query, time, timeoutMs, lookbackDeltaMs }, { signal }) =>
      this.run((db) => this.engine.instantQuery(db, query, time ?? this.now(), { signal, lookbackDeltaMs, timeoutMs })),
    'promql.queryRange': async ({ query, start, end, step, timeoutMs, lookbackDeltaMs }, { signal }) => {
      // Prometheus's guard against a range that would return more than 11,000 points per series.
      if ((end - start) / step > 11_000) {
        throw new ContractError('bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
      }
      return this.run((db) => this.engine.rangeQuery(db, query, start, end, step, { signal, lookbackDeltaMs, timeoutMs }));
    },
    'promql.series': async ({ match, start, end, limit }) => {
      const q = this.storage().querier(start ?? -Infinity, end ?? Infinity);
      const seen = new Map<string, Record<string, string>>();
      for (const ms of this.selectors(match)!) {
        for (const s of q.select(ms)) {
          seen.set(labelsKey(s.labels), labelsToRecord(s.labels));
          if (limit && seen.size >= limit) return [...seen.values()];
        }
      }
      return [...seen.values()];
    },
    'promql.labels': async ({ match, start, end, limit }) => {
      const q = this.storage().querier(start ?? -Infinity, end ?? Infinity);
      const sets = this.selectors(match);
      const names = sets ? [...new Set(sets.flatMap((ms) => q.labelNames(ms)))].sort() : q.labelNames();
      return limit ? names.slice(0, limit) : names;
    },
    'promql.labelValues': async ({ name, match, start, end, limit }) => {
      const q = this.storage().querier(start ?? -Infinity, end ?? Infinity);
      const sets = this.selectors(match);
      const values = sets ? [...new Set(sets.flatMap((ms) => q.labelValues(name, ms)))].sort() : q.labelValues(name);
      return limit ? values.slice(0, limit) : values;
    },
    'promql.metadata': async ({ metric, limit }) => {
      const out: Record<string, { type: string; help: string; unit: string }[]> = {};
      let n = 0;
      for (const [name, m] of [...this.storage().metadata()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (metric !== undefined && metric !== '' && name !== metric) continue;
        if (limit && n >= limit) break;
        out[name] = [{ type: m.type, help: m.help, unit: m.unit }];
        n++;
      }
      return out;
    },
    'promql.format': async ({ query }) => {
      try {
        return formatExpr(parseExpr(query));
      } catch (err) {
        throw asContractError(err);
      }
    },
  };

}

/** A capture, opened read-only for as long as it is viewed (it is not shared with the scraper). */
function captureLease(context: string, file: string): DbLease {
  const tsdb = openCapture(file);
  let released = false;
  return {
    context,
    tsdb,
    release: () => {
      if (!released) tsdb.close();
      released = true;
    },
  };
}

function asContractError(err: unknown): Error {
  if (err instanceof QueryError) return new ContractError(ERROR_CODES[err.errorType], err.message);
  if (err instanceof ParseError) return new ContractError('bad_data', err.message);
  return err as Error;
}
