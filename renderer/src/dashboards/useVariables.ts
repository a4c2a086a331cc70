// Resolves a dashboard's template variables against the engine: each variable's options (after
// the variables its query uses, so chains work), then its value from the URL, its default or the
// first option. Options are cached per query and range; a change of selection re-resolves only
// what depends on it (the rest comes from the cache).
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useClient } from '../api/hooks.js';
import type { Variable } from './schema.js';
import {
  customOptions,
  parseVariableQuery,
  parseVarParams,
  queryResultText,
  refineOptions,
  resolveVariables,
  type ResolvedVariable,
  type VarOption,
  type VarValues,
} from './variables.js';

export type VariableState = ResolvedVariable<Variable>;

export interface Variables {
  /** In declared order. */
  states: VariableState[];
  values: VarValues;
  /** Every variable resolved for the current URL. */
  ready: boolean;
}

type Client = ReturnType<typeof useClient>;

async function fetchRaw(client: Client, def: Variable, query: string, start: number, end: number): Promise<string[]> {
  if (def.type !== 'query') return customOptions(query).map((o) => o.value);
  const q = parseVariableQuery(query);
  if (!q) throw new Error(`cannot read the variable query ${query}`);
  switch (q.kind) {
    case 'label_values':
      return client.call('promql.labelValues', { name: q.label, ...(q.match ? { match: [q.match] } : {}), start, end });
    case 'label_names':
      return client.call('promql.labels', { ...(q.match ? { match: [q.match] } : {}), start, end });
    case 'metrics': {
      const names = await client.call('promql.labelValues', { name: '__name__', start, end });
      const re = new RegExp(q.regex);
      return names.filter((n) => re.test(n));
    }
    case 'query_result': {
      const r = await client.call('promql.query', { query: q.expr, time: end });
      const d = r.data;
      if (d.resultType === 'vector') return d.result.map((s) => ('value' in s ? queryResultText(s.metric, s.value[1], s.value[0]) : ''));
      if (d.resultType === 'scalar') return [String(d.result[1])];
      return [];
    }
  }
}

export function useVariables(defs: readonly Variable[], hashQuery: string, start: number, end: number, rangeKey: string): Variables {
  const client = useClient();
  const names = useMemo(() => defs.map((d) => d.name), [defs]);
  const requested = useMemo(() => parseVarParams(hashQuery, names), [hashQuery, names]);
  const reqKey = JSON.stringify(requested);
  const cache = useRef(new Map<string, Promise<VarOption[]>>());
  const [resolved, setResolved] = useState<{ key: string; states: VariableState[] } | null>(null);
  const runKey = `${reqKey}|${rangeKey}`;
  // The range at the time of this run (a refresh tick alone does not re-resolve the variables).
  const range = useRef({ start, end });
  useLayoutEffect(() => {
    range.current = { start, end };
  });

  useEffect(() => {
    if (defs.length === 0) return;
    const controller = new AbortController();
    const { signal } = controller;
    void resolveVariables(
      defs,
      requested,
      (def, query, regex) => {
        const ckey = `${query}|${regex ?? ''}|${def.sort ?? ''}|${rangeKey}`;
        let p = cache.current.get(ckey);
        if (!p) {
          // Not cancelled with the run: another run may reuse the same answer from the cache.
          p = fetchRaw(client, def, query, range.current.start, range.current.end).then((raw) => refineOptions(raw, regex, def.sort));
          cache.current.set(ckey, p);
          p.catch(() => cache.current.delete(ckey));
        }
        return p;
      },
      () => signal.aborted,
    ).then((states) => {
      if (states && !signal.aborted) setResolved({ key: runKey, states });
    });
    return () => controller.abort();
    // requested is described by runKey.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, defs, runKey]);

  return useMemo(() => {
    if (defs.length === 0) return { states: [], values: {}, ready: true };
    const states = resolved?.states ?? [];
    return { states, values: Object.fromEntries(states.map((s) => [s.def.name, s.value])), ready: resolved?.key === runKey };
  }, [defs.length, resolved, runKey]);
}
