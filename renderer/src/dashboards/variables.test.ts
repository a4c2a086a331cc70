import { describe, expect, it } from 'vitest';
import { parseDashboard } from './schema.js';
import {
  ALL,
  customOptions,
  formatVar,
  interpolateLink,
  interpolateVars,
  parseVariableQuery,
  parseVarParams,
  queryResultText,
  referencedVars,
  refineOptions,
  resolutionOrder,
  resolveVariables,
  selectValue,
  urlValues,
  varsSignature,
  withVarParams,
  type Format,
  type VariableDef,
  type VarValue,
} from './variables.js';

const single = (v: string): VarValue => ({ values: [v], all: false, multi: false, includeAll: false });
const multi = (vs: string[], all = false, allValue?: string): VarValue => ({ values: vs, all, multi: true, includeAll: true, allValue });

describe('parseVariableQuery', () => {
  const cases: [string, ReturnType<typeof parseVariableQuery>][] = [
    ['label_values(job)', { kind: 'label_values', label: 'job', match: null }],
    ['label_values(node_uname_info{job=~"$job"}, nodename)', { kind: 'label_values', label: 'nodename', match: 'node_uname_info{job=~"$job"}' }],
    ['label_values(node_uname_info{origin_prometheus=~"$origin_prometheus",job=~"$job"}, nodename)', { kind: 'label_values', label: 'nodename', match: 'node_uname_info{origin_prometheus=~"$origin_prometheus",job=~"$job"}' }],
    ["label_values(node_network_info{device!~'tap.*|veth.*'},device)", { kind: 'label_values', label: 'device', match: "node_network_info{device!~'tap.*|veth.*'}" }],
    ['label_values(up{a="x,y"}, instance)', { kind: 'label_values', label: 'instance', match: 'up{a="x,y"}' }],
    ['  label_values( kube_pod_info , namespace ) ', { kind: 'label_values', label: 'namespace', match: 'kube_pod_info' }],
    ['query_result(topk(1, sort_desc(max by (mountpoint) (node_filesystem_size_bytes))))', { kind: 'query_result', expr: 'topk(1, sort_desc(max by (mountpoint) (node_filesystem_size_bytes)))' }],
    ['metrics(node_.*)', { kind: 'metrics', regex: 'node_.*' }],
    ['label_names()', { kind: 'label_names', match: null }],
    ['up', null],
    ['label_values()', null],
    ['label_values(up, a, b)', null],
    ['query_result()', null],
  ];
  it.each(cases)('%s', (q, want) => {
    expect(parseVariableQuery(q)).toEqual(want);
  });
});

describe('custom options and refinement', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c'], ['a', 'b', 'c']],
    [' a , b ', ['a', 'b'], ['a', 'b']],
    ['Production : prod, Staging : stage', ['Production', 'Staging'], ['prod', 'stage']],
    ['a\\,b,c', ['a,b', 'c'], ['a,b', 'c']],
    ['', [], []],
  ])('custom %j', (q, texts, values) => {
    const o = customOptions(q);
    expect(o.map((x) => x.text)).toEqual(texts);
    expect(o.map((x) => x.value)).toEqual(values);
  });
  it.each<[string[], string | undefined, string | undefined, string[]]>([
    [['b', 'a', 'a'], undefined, undefined, ['b', 'a']],
    [['node-10', 'node-9', 'node-1'], undefined, 'num', ['node-1', 'node-9', 'node-10']],
    [['node-10', 'node-9', 'node-1'], undefined, 'alpha', ['node-1', 'node-10', 'node-9']],
    [['b', 'a', 'c'], undefined, 'alpha-desc', ['c', 'b', 'a']],
    [['10.0.0.1:9100', '10.0.0.2:9100', 'x'], '/(.*):9100/', undefined, ['10.0.0.1', '10.0.0.2']],
    [['prod-a', 'dev-b'], '/^prod/', undefined, ['prod-a']],
    [['{mountpoint="/data"} 1 2', '{mountpoint="/"} 1 2'], '/.*mountpoint="(?<value>[^"]*)".*/', undefined, ['/data', '/']],
  ])('refine %j with %s sorted %s', (raw, regex, sort, want) => {
    expect(refineOptions(raw, regex, sort as VariableDef['sort']).map((o) => o.value)).toEqual(want);
  });
  it('formats query_result lines as Grafana does', () => {
    expect(queryResultText({ __name__: 'up', job: 'x' }, '1', 1700000000.5)).toBe('up{job="x"} 1 1700000000500');
    expect(queryResultText({ mountpoint: '/' }, '2', 1)).toBe('{mountpoint="/"} 2 1000');
  });
});

describe('selectValue', () => {
  const opts = ['a', 'b', 'c'].map((v) => ({ text: v, value: v }));
  const def = (over: Partial<VariableDef> = {}): VariableDef => ({ name: 'v', type: 'query', query: 'label_values(x)', ...over });
  it.each<[string, Partial<VariableDef>, string[], { values: string[]; all: boolean }]>([
    ['first option by default', {}, [], { values: ['a'], all: false }],
    ['the URL value', {}, ['b'], { values: ['b'], all: false }],
    ['an unknown URL value falls back', {}, ['zz'], { values: ['a'], all: false }],
    ['the default', { default: 'c' }, [], { values: ['c'], all: false }],
    ['single takes the first of several', {}, ['c', 'b'], { values: ['c'], all: false }],
    ['multi keeps several in URL order', { multi: true }, ['c', 'a', 'zz'], { values: ['c', 'a'], all: false }],
    ['All when includeAll and nothing asked', { multi: true, includeAll: true }, [], { values: ['a', 'b', 'c'], all: true }],
    ['All from the URL', { multi: true, includeAll: true }, [ALL], { values: ['a', 'b', 'c'], all: true }],
    ['All ignored without includeAll', { multi: true }, [ALL], { values: ['a'], all: false }],
    ['default All', { includeAll: true, default: ALL }, [], { values: ['a', 'b', 'c'], all: true }],
    ['default list', { multi: true, default: ['b', 'c'] }, [], { values: ['b', 'c'], all: false }],
  ])('%s', (_name, over, requested, want) => {
    const v = selectValue(def(over), opts, requested);
    expect({ values: v.values, all: v.all }).toEqual(want);
    expect(urlValues(v)).toEqual(v.all ? [ALL] : v.values);
  });
  it('no options: no value', () => {
    expect(selectValue(def(), [], ['x']).values).toEqual([]);
  });
});

describe('interpolation', () => {
  const vars = {
    node: single('worker-1'),
    ns: multi(['shop', 'a.b']),
    one: multi(['shop']),
    all: multi(['x', 'y'], true),
    allv: multi(['x', 'y'], true, '.*'),
    q: single('it"s\\'),
    interval: single('5m'),
  };
  it.each<[string, string]>([
    ['up{node="$node"}', 'up{node="worker-1"}'],
    ['up{node="${node}"}', 'up{node="worker-1"}'],
    ['up{node="[[node]]"}', 'up{node="worker-1"}'],
    ['up{ns=~"$ns"}', 'up{ns=~"(shop|a\\\\.b)"}'],
    ['up{ns=~"$one"}', 'up{ns=~"shop"}'],
    ['up{ns=~"$all"}', 'up{ns=~"(x|y)"}'],
    ['up{ns=~"$allv"}', 'up{ns=~".*"}'],
    ["up{ns=~'$ns'}", "up{ns=~'(shop|a\\\\.b)'}"],
    ['up{q="$q"}', 'up{q="it\\"s\\\\"}'],
    ["up{q='$q'}", "up{q='it\"s\\\\'}"],
    ['rate(x[$interval])', 'rate(x[5m])'],
    ['rate(x[$__rate_interval]) $unknown', 'rate(x[$__rate_interval]) $unknown'],
    ['label_replace(x, "a", "$1", "b", "(.*)")', 'label_replace(x, "a", "$1", "b", "(.*)")'],
    ['up{ns=~"${ns:pipe}"}', 'up{ns=~"shop|a.b"}'],
    ['up{ns=~"${ns:regex}"}', 'up{ns=~"(shop|a\\\\.b)"}'],
    ['x ${ns:csv}', 'x shop,a.b'],
    ['x ${ns:json}', 'x ["shop","a.b"]'],
    ['x ${node:raw}', 'x worker-1'],
    ['up{node="$node"} or up{node="$nodex"}', 'up{node="worker-1"} or up{node="$nodex"}'],
  ])('%s', (expr, want) => {
    expect(interpolateVars(expr, vars)).toBe(want);
  });
  it.each<[string, string]>([
    ['Node $node', 'Node worker-1'],
    ['Namespaces: $ns', 'Namespaces: shop, a.b'],
    ['All: $all', 'All: All'],
    ['${ns:text}', 'shop + a.b'],
  ])('text %s', (t, want) => {
    expect(interpolateVars(t, vars, 'text')).toBe(want);
  });
  it.each<[Format, string]>([
    ['glob', '{shop,a.b}'],
    ['singlequote', "'shop','a.b'"],
    ['doublequote', '"shop","a.b"'],
    ['percentencode', 'shop%2Ca.b'],
    ['queryparam', 'var-ns=shop&var-ns=a.b'],
    ['lucene', '("shop" OR "a.b")'],
  ])('format %s', (f, want) => {
    expect(formatVar('ns', vars.ns, f, 'promql')).toBe(want);
  });
  it('lists referenced variables', () => {
    expect(referencedVars('a{x="$node", y=~"${ns:regex}", z="[[q]]"} $node')).toEqual(['node', 'ns', 'q']);
  });
  it('links from row labels, URL-encoded', () => {
    expect(interpolateLink('#/node?node=${nodename}&x=$ip', { nodename: 'a b&c', ip: '10.0.0.1' })).toBe('#/node?node=a%20b%26c&x=10.0.0.1');
    expect(interpolateLink('#/node?node=$missing', {})).toBe('#/node?node=$missing');
  });
});

describe('chained variables', () => {
  const v = (name: string, query: string): VariableDef => ({ name, type: 'query', query });
  it('resolves each after the ones its query uses', () => {
    const order = resolutionOrder([v('instance', 'label_values(up{node="$node"}, instance)'), v('node', 'label_values(up{job="$job"}, node)'), v('job', 'label_values(job)')]);
    expect(order.map((d) => d.name)).toEqual(['job', 'node', 'instance']);
  });
  it('rejects cycles', () => {
    expect(() => resolutionOrder([v('a', 'label_values(x{b="$b"}, a)'), v('b', 'label_values(x{a="$a"}, b)')])).toThrow(/cycle: a → b → a/);
  });
});

describe('resolveVariables', () => {
  // A fake engine: node_uname_info series, answering label_values by exact and regex matchers.
  const series = [
    { job: 'node', nodename: 'w1', instance: '10.0.0.1:9100' },
    { job: 'node', nodename: 'w2', instance: '10.0.0.2:9100' },
    { job: 'gpu', nodename: 'g1', instance: '10.0.0.9:9100' },
  ];
  const asked: string[] = [];
  const fetchOptions = (def: VariableDef, query: string, regex: string | undefined) => {
    asked.push(query);
    const q = parseVariableQuery(query);
    if (q?.kind !== 'label_values') return Promise.reject(new Error(`unsupported ${query}`));
    const matchers = [...(q.match ?? '').matchAll(/(\w+)(=~|=)"([^"]*)"/g)].map((m) => ({ name: m[1]!, re: m[2] === '=~', value: m[3]!.replace(/\\\\/g, '\\') }));
    const ok = (s: Record<string, string>) => matchers.every((m) => (m.re ? new RegExp(`^(?:${m.value})$`).test(s[m.name] ?? '') : s[m.name] === m.value));
    const raw = [...new Set(series.filter(ok).map((s) => s[q.label as keyof (typeof series)[0]]!))].sort();
    return Promise.resolve(refineOptions(raw, regex, def.sort));
  };
  const defs: VariableDef[] = [
    { name: 'instance', type: 'query', query: 'label_values(node_uname_info{nodename=~"$node"}, instance)', regex: '/(.*):9100/', hide: true, multi: true, includeAll: true },
    { name: 'node', type: 'query', query: 'label_values(node_uname_info{job=~"$job"}, nodename)', multi: true, includeAll: true },
    { name: 'job', type: 'query', query: 'label_values(node_uname_info, job)' },
    { name: 'interval', type: 'interval', query: '1m,5m', default: '5m' },
    { name: 'env', type: 'custom', query: 'Production : prod, Dev : dev' },
  ];
  it.each<[string, Record<string, string[]>, Record<string, string[]>, string[]]>([
    ['defaults', {}, { job: ['gpu'], node: ['g1'], instance: ['10.0.0.9'], interval: ['5m'], env: ['prod'] }, ['label_values(node_uname_info, job)', 'label_values(node_uname_info{job=~"gpu"}, nodename)', 'label_values(node_uname_info{nodename=~"g1"}, instance)']],
    ['a chain from the URL', { job: ['node'] }, { job: ['node'], node: ['w1', 'w2'], instance: ['10.0.0.1', '10.0.0.2'], interval: ['5m'], env: ['prod'] }, ['label_values(node_uname_info{job=~"node"}, nodename)', 'label_values(node_uname_info{nodename=~"(w1|w2)"}, instance)']],
    ['one of several', { job: ['node'], node: ['w2'], env: ['dev'] }, { job: ['node'], node: ['w2'], instance: ['10.0.0.2'], interval: ['5m'], env: ['dev'] }, ['label_values(node_uname_info{nodename=~"w2"}, instance)']],
    ['a stale value falls back', { job: ['node'], node: ['gone'] }, { job: ['node'], node: ['w1', 'w2'], instance: ['10.0.0.1', '10.0.0.2'], interval: ['5m'], env: ['prod'] }, []],
  ])('%s', async (_name, requested, want, queries) => {
    asked.length = 0;
    const r = (await resolveVariables(defs, requested, fetchOptions))!;
    expect(r.map((v) => v.def.name)).toEqual(defs.map((d) => d.name));
    expect(Object.fromEntries(r.map((v) => [v.def.name, v.value.values]))).toEqual(want);
    expect(asked).toEqual(expect.arrayContaining(queries));
    expect(asked).toHaveLength(3);
  });
  it('names a stale value, keeps going past a failing query, and stops when aborted', async () => {
    const r = (await resolveVariables(defs, { job: ['node'], node: ['gone'] }, fetchOptions))!;
    expect(r.find((v) => v.def.name === 'node')!.missing).toEqual(['gone']);
    const failing = await resolveVariables([{ name: 'x', type: 'query', query: 'query_result(up)' }, ...defs.slice(3)], {}, fetchOptions);
    expect(failing![0]).toMatchObject({ options: [], error: 'unsupported query_result(up)', value: { values: [] } });
    expect(failing![1]!.value.values).toEqual(['5m']);
    expect(await resolveVariables(defs, {}, fetchOptions, () => true)).toBeNull();
  });
});

describe('URL parameters', () => {
  it('reads variable values, Grafana var- names too, and sets them keeping the range', () => {
    expect(parseVarParams('node=worker-1&range=6h', ['node'])).toEqual({ node: ['worker-1'] });
    expect(parseVarParams('ns=a&ns=b&var-node=x', ['ns', 'node', 'pod'])).toEqual({ ns: ['a', 'b'], node: ['x'] });
    expect(withVarParams('range=6h&ns=a', { ns: ['b', 'c'] })).toBe('range=6h&ns=b&ns=c');
    expect(withVarParams('', { ns: [ALL] })).toBe('ns=%24__all');
    expect(parseVarParams('ns=%24__all', ['ns'])).toEqual({ ns: [ALL] });
  });
  it('signs resolved values stably', () => {
    expect(varsSignature({ a: single('x'), b: multi(['y']) })).toBe(varsSignature({ b: multi(['y']), a: single('x') }));
    expect(varsSignature({ a: single('x') })).not.toBe(varsSignature({ a: single('y') }));
  });
});

describe('variables in the dashboard schema', () => {
  const base = { schemaVersion: 2, uid: 'x', title: 'X', panels: [{ id: 'a', type: 'stat', title: 'A', gridPos: { x: 0, y: 0, w: 4, h: 2 }, targets: [{ expr: 'up' }] }] };
  it('accepts query, custom and interval variables', () => {
    const d = parseDashboard({
      ...base,
      variables: [
        { name: 'job', type: 'query', query: 'label_values(job)', multi: true, includeAll: true },
        { name: 'node', type: 'query', query: 'label_values(up{job=~"$job"}, node)' },
        { name: 'env', type: 'custom', query: 'prod,dev' },
        { name: 'interval', type: 'interval', query: '1m,5m,10m', default: '5m' },
      ],
    });
    expect(d.variables.map((v) => v.name)).toEqual(['job', 'node', 'env', 'interval']);
    expect(parseDashboard({ ...base, schemaVersion: 1 }).variables).toEqual([]);
  });
  it.each<[string, unknown[], RegExp]>([
    ['a bad query', [{ name: 'a', type: 'query', query: 'up' }], /expected label_values/],
    ['a duplicate', [{ name: 'a', type: 'custom', query: 'x' }, { name: 'a', type: 'custom', query: 'y' }], /duplicate variable "a"/],
    ['a reserved name', [{ name: '__x', type: 'custom', query: 'x' }], /reserved/],
    ['a time parameter', [{ name: 'range', type: 'custom', query: 'x' }], /time range/],
    ['a bad interval', [{ name: 'i', type: 'interval', query: '1m,fast' }], /durations/],
    ['a bad regex', [{ name: 'a', type: 'custom', query: 'x', regex: '/(/' }], /invalid regex/],
    ['a cycle', [{ name: 'a', type: 'query', query: 'label_values(x{b="$b"}, a)' }, { name: 'b', type: 'query', query: 'label_values(x{a="$a"}, b)' }], /cycle/],
  ])('rejects %s', (_n, variables, re) => {
    expect(() => parseDashboard({ ...base, variables })).toThrow(re);
  });
  it('variables need schemaVersion 2', () => {
    expect(() => parseDashboard({ ...base, schemaVersion: 1, variables: [{ name: 'a', type: 'custom', query: 'x' }] })).toThrow(/schemaVersion 2/);
  });
});
