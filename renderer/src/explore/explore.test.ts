import { EqlRegex, EqlSingle, Neq, NeqRegex } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import type { KubeglassApi } from '../../../core/api/contract.js';
import { HISTORY_KEY, HISTORY_MAX, loadHistory, remember, withQuery, type KeyValueStore } from './history.js';
import { ContractPrometheusClient, selectorFor } from './promClient.js';
import { describeStep, legendClick, sortTable, stackColumns, tableRows } from './series.js';
import { exploreHash, formatExploreState, parseExploreState } from './urlState.js';

function memoryStore(): KeyValueStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe('history', () => {
  it('keeps distinct queries newest first, at most 50', () => {
    let h: string[] = [];
    for (let i = 0; i < 60; i++) h = withQuery(h, `q${i}`);
    expect(h).toHaveLength(HISTORY_MAX);
    expect(h[0]).toBe('q59');
    expect(withQuery(['a', 'b', 'c'], ' c ')).toEqual(['c', 'a', 'b']);
    expect(withQuery(['a'], '  ')).toEqual(['a']);
  });
  it('stores in and loads from a key-value store, ignoring garbage', () => {
    const store = memoryStore();
    expect(loadHistory(store)).toEqual([]);
    remember(store, 'up');
    remember(store, 'rate(x[5m])');
    expect(remember(store, 'up')).toEqual(['up', 'rate(x[5m])']);
    expect(loadHistory(store)).toEqual(['up', 'rate(x[5m])']);
    store.map.set(HISTORY_KEY, '{not json');
    expect(loadHistory(store)).toEqual([]);
    store.map.set(HISTORY_KEY, JSON.stringify(['ok', 3, null, '']));
    expect(loadHistory(store)).toEqual(['ok']);
    expect(loadHistory(null)).toEqual([]);
  });
  it('survives a store that refuses writes', () => {
    const store: KeyValueStore = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(remember(store, 'up')).toEqual(['up']);
  });
});

describe('URL state', () => {
  it('round-trips query, range, view and stacking', () => {
    const s = { expr: 'sum by (mode) (rate(node_cpu_seconds_total{mode!="idle"}[1m]))', range: { kind: 'relative' as const, span: '6h' }, view: 'table' as const, stacked: true };
    expect(parseExploreState(formatExploreState(s))).toEqual(s);
    const abs = { expr: 'up', range: { kind: 'absolute' as const, from: 1000, to: 5000 }, view: 'graph' as const, stacked: false };
    expect(parseExploreState(formatExploreState(abs))).toEqual(abs);
    expect(exploreHash(abs)).toBe('#/explore?q=up&from=1000&to=5000&view=graph');
  });
  it('falls back to defaults for missing or malformed parts', () => {
    expect(parseExploreState('')).toEqual({ expr: '', range: { kind: 'relative', span: '1h' }, view: 'graph', stacked: false });
    expect(parseExploreState('q=up&range=banana&view=pie&from=9&to=3').range).toEqual({ kind: 'relative', span: '1h' });
    expect(parseExploreState('q=a%2Bb%20%26%20c').expr).toBe('a+b & c');
  });
});

describe('selectorFor', () => {
  it('builds a selector from the metric and matchers, skipping the label being completed and empty values', () => {
    expect(selectorFor('up')).toBe('up');
    expect(
      selectorFor(
        'node_cpu_seconds_total',
        [
          { type: EqlSingle, name: 'mode', value: 'idle' },
          { type: Neq, name: 'cpu', value: '0' },
          { type: EqlRegex, name: 'instance', value: 'a.*' },
          { type: NeqRegex, name: 'job', value: 'x|y' },
          { type: EqlSingle, name: 'empty', value: '' },
          { type: EqlSingle, name: 'node', value: 'n1' },
        ],
        'node',
      ),
    ).toBe('node_cpu_seconds_total{mode="idle",cpu!="0",instance=~"a.*",job!~"x|y"}');
    expect(selectorFor('', [{ type: EqlSingle, name: 'job', value: 'a"b' }])).toBe('{job="a\\"b"}');
    expect(selectorFor('my.metric', [{ type: EqlSingle, name: 'job', value: 'x' }])).toBe('{"my.metric",job="x"}');
  });
});

type Calls = { name: string; params: Record<string, unknown> }[];

function fakeApi(calls: Calls, fail = false): Pick<KubeglassApi, 'call'> {
  const call = (name: string, params: Record<string, unknown>): Promise<unknown> => {
    calls.push({ name, params });
    if (fail) return Promise.reject(new Error('engine away'));
    switch (name) {
      case 'promql.labels':
        return Promise.resolve(params['match'] ? ['__name__', 'cpu', 'mode'] : ['__name__', 'cpu', 'job', 'mode']);
      case 'promql.labelValues':
        return Promise.resolve(params['name'] === '__name__' ? ['node_cpu_seconds_total', 'up'] : ['idle', 'user']);
      case 'promql.metadata':
        return Promise.resolve({ up: [{ type: 'gauge', help: 'Target up', unit: '' }] });
      case 'promql.series':
        return Promise.resolve([{ __name__: 'up', job: 'a' }]);
      default:
        return Promise.reject(new Error(`unexpected ${name}`));
    }
  };
  return { call: call as unknown as KubeglassApi['call'] };
}

describe('ContractPrometheusClient', () => {
  const NOW = 1_700_000_000_000;
  it('answers the editor through contract calls, over the lookback window', async () => {
    const calls: Calls = [];
    const c = new ContractPrometheusClient(fakeApi(calls), { now: () => NOW, lookbackMs: 3_600_000 });
    expect(await c.metricNames()).toEqual(['node_cpu_seconds_total', 'up']);
    expect(calls[0]).toEqual({ name: 'promql.labelValues', params: { name: '__name__', start: NOW - 3_600_000, end: NOW } });
    expect(await c.labelNames()).toEqual(['__name__', 'cpu', 'job', 'mode']);
    expect(await c.labelNames('node_cpu_seconds_total')).toEqual(['__name__', 'cpu', 'mode']);
    expect(calls[2]!.params['match']).toEqual(['node_cpu_seconds_total']);
    expect(await c.labelValues('mode', 'node_cpu_seconds_total', [{ type: EqlSingle, name: 'cpu', value: '0' }])).toEqual(['idle', 'user']);
    expect(calls[3]!.params).toEqual({ name: 'mode', match: ['node_cpu_seconds_total{cpu="0"}'], start: NOW - 3_600_000, end: NOW });
    expect(await c.metricMetadata()).toEqual({ up: [{ type: 'gauge', help: 'Target up' }] });
    const series = await c.series('up', [{ type: EqlSingle, name: 'job', value: 'a' }]);
    expect(series).toEqual([new Map([['__name__', 'up'], ['job', 'a']])]);
    expect(calls[5]!.params['match']).toEqual(['up{job="a"}']);
    expect(await c.flags()).toEqual({});
  });
  it('caches answers for a while', async () => {
    const calls: Calls = [];
    let now = NOW;
    const c = new ContractPrometheusClient(fakeApi(calls), { now: () => now, cacheMs: 60_000 });
    await c.metricNames();
    await c.metricNames();
    expect(calls).toHaveLength(1);
    now += 61_000;
    await c.metricNames();
    expect(calls).toHaveLength(2);
  });
  it('answers empty on errors, reports them, and asks again next time', async () => {
    const calls: Calls = [];
    const errors: unknown[] = [];
    const c = new ContractPrometheusClient(fakeApi(calls, true), { now: () => NOW, onError: (e) => errors.push(e) });
    expect(await c.metricNames()).toEqual([]);
    expect(await c.metricMetadata()).toEqual({});
    expect(await c.series('up')).toEqual([]);
    expect(errors).toHaveLength(3);
    await c.metricNames();
    expect(calls.filter((x) => x.name === 'promql.labelValues')).toHaveLength(2);
  });
});

describe('legend clicks', () => {
  it('toggles one series, or isolates it and back', () => {
    expect(legendClick([false, false, false], 1, false)).toEqual([false, true, false]);
    expect(legendClick([false, true, false], 1, false)).toEqual([false, false, false]);
    const isolated = legendClick([false, true, false], 2, true);
    expect(isolated).toEqual([true, true, false]);
    expect(legendClick(isolated, 2, true)).toEqual([false, false, false]);
    expect(legendClick(isolated, 0, true)).toEqual([false, true, true]);
  });
});

describe('stacking', () => {
  it('adds each visible series onto the ones before it', () => {
    const data: [number[], ...(number | null)[][]] = [
      [1, 2, 3],
      [1, null, 2],
      [10, 10, null],
      [100, 100, 100],
    ];
    expect(stackColumns(data)).toEqual([[1, 2, 3], [1, null, 2], [11, 10, null], [111, 110, 102]]);
    expect(stackColumns(data, [false, true, false])).toEqual([[1, 2, 3], [1, null, 2], [10, 10, null], [101, 100, 102]]);
  });
});

describe('table', () => {
  it('turns instant answers into rows and sorts them', () => {
    const rows = tableRows({
      resultType: 'vector',
      result: [
        { metric: { __name__: 'up', instance: 'node-10' }, value: [1, '1'] },
        { metric: { __name__: 'up', instance: 'node-2' }, value: [1, '0'] },
        { metric: { instance: 'node-3', job: 'a' }, value: [1, 'NaN'] },
      ],
    });
    expect(rows.map((r) => r.series)).toEqual(['up{instance="node-10"}', 'up{instance="node-2"}', '{instance="node-3", job="a"}']);
    expect(sortTable(rows, { key: 'series', desc: false }).map((r) => r.labels['instance'])).toEqual(['node-3', 'node-2', 'node-10']);
    expect(sortTable(rows, { key: 'value', desc: false }).map((r) => r.text)).toEqual(['0', '1', 'NaN']);
    expect(sortTable(rows, { key: 'value', desc: true }).map((r) => r.text)).toEqual(['1', '0', 'NaN']);
    expect(tableRows({ resultType: 'scalar', result: [1, '2.5'] })).toEqual([{ series: 'scalar', labels: {}, value: 2.5, text: '2.5' }]);
  });
  it('describes the step', () => {
    expect(describeStep(15_000, 3_600_000)).toBe('step 15s · 241 points per series');
    expect(describeStep(120_000, 6 * 3_600_000)).toBe('step 2m · 181 points per series');
  });
});
