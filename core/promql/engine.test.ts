// Engine behaviours beyond Prometheus's own test files, written in their format (FORMAT.md) and
// run by the same runner, each case from a bug found in review.
import { describe, expect, it } from 'vitest';
import { labelsFrom } from '../model/labels.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { PromEngine } from './engine.js';
import { PROMQL_TEST_ENGINE_OPTIONS, runPromqlTest } from './promqltest.js';

const cases: [string, string][] = [
  [
    'a subquery keeps the name to drop until the end (no clash inside it)',
    `load 1m
  a_total{env="1"} 0+10x10
  b_total{env="1"} 0+10x10

eval instant at 10m sum(last_over_time(abs({env="1"})[10m:]))
  {} 200

eval instant at 10m label_replace(last_over_time(abs(a_total)[10m:]), "n", "$1", "__name__", "(.+)")
  {env="1", n="a_total"} 100
`,
  ],
  [
    'absent() takes labels from the first "=" matcher of each name, as Prometheus does',
    `eval instant at 0m absent(nope{job!="b",job="a"})
  {job="a"} 1

eval instant at 0m absent(nope{job="a",job="b",foo="bar"})
  {foo="bar"} 1

eval instant at 0m absent_over_time(nope{job=~"x",job="a"}[5m])
  {job="a"} 1
`,
  ],
  [
    'label values holding "ÿ" (U+00FF) do not merge groups',
    `load 1m
  m{a="xÿ", b="y"} 1
  m{a="x", b="ÿy"} 2

eval instant at 0m sum by (a, b) (m)
  {a="xÿ", b="y"} 1
  {a="x", b="ÿy"} 2
`,
  ],
  [
    'anchored ranges take the value at the window start from the lookback, with no extrapolation',
    `load 1m
  c 0 10 20 5 15

eval instant at 4m increase(c[2m] anchored)
  {} 15

eval instant at 4m rate(c[2m] anchored)
  {} 0.125

eval instant at 4m delta(c[2m] anchored)
  {} -5

eval instant at 4m resets(c[2m] anchored)
  {} 1

eval instant at 4m resets(c[2m])
  {} 0

eval instant at 4m changes(c[2m] anchored)
  {} 2

eval instant at 4m c[2m] anchored
  expect range vector from 2m to 4m step 1m
  c 20 5 15

eval instant at 4m sum_over_time(c[2m] anchored)
  expect fail msg: anchored modifier can only be used with: changes, delta, increase, rate, resets - not with sum_over_time
`,
  ],
  [
    'smoothed selectors interpolate between the samples either side',
    `load 1m
  c 0 10 20 5 15

eval instant at 90s c smoothed
  c 15

eval instant at 5m c smoothed
  c 15

eval instant at 150s increase(c[2m] smoothed)
  {} 17.5

eval instant at 150s changes(c[2m] smoothed)
  expect fail msg: smoothed modifier can only be used with: delta, increase, rate - not with changes
`,
  ],
  [
    'a comparison that drops a sample still counts its match (Prometheus errors on the ambiguity)',
    `load 1m
  many{job="a", i="1"} 1
  many{job="a", i="2"} 5
  one{job="a"} 3

eval instant at 0m many > on(job) one
  expect fail msg: multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)
`,
  ],
  [
    'info() adds the data labels of target_info (or chosen info metrics) by instance and job',
    `load 1m
  up{instance="a:1", job="node", zone="z1"} 1 1
  up{instance="b:1", job="node"} 1 1
  target_info{instance="a:1", job="node", k8s_cluster="prod", zone="z9"} 1 1
  build_info{instance="a:1", job="node", version="1.2"} 1 1
  build_info{instance="b:1", job="node", version="1.3"} 1 1

eval instant at 1m info(up)
  up{instance="a:1", job="node", k8s_cluster="prod", zone="z1"} 1
  up{instance="b:1", job="node"} 1

eval instant at 1m info(up, {k8s_cluster=~".+"})
  up{instance="a:1", job="node", k8s_cluster="prod", zone="z1"} 1

eval instant at 1m info(up, {__name__="build_info"})
  up{instance="a:1", job="node", version="1.2", zone="z1"} 1
  up{instance="b:1", job="node", version="1.3"} 1

eval instant at 1m info(build_info)
  build_info{instance="a:1", job="node", version="1.2", k8s_cluster="prod", zone="z9"} 1
  build_info{instance="b:1", job="node", version="1.3"} 1

clear

load 1m
  m{instance="a", job="j"} 1
  a_info{instance="a", job="j", owner="x"} 1
  b_info{instance="a", job="j", owner="y"} 1
  h{instance="a", job="j"} {{schema:0 sum:1 count:1}}

eval instant at 0m info(m, {__name__=~".+_info"})
  expect fail msg: conflicting label: owner

eval instant at 0m info(m, {__name__="h"})
  expect fail msg: info sample should be float
`,
  ],
  [
    'the type and unit labels go where the name goes',
    `load 1m
  m{__type__="counter", __unit__="bytes", a="1"} 1

eval instant at 0m -m
  {a="1"} -1

eval instant at 0m m
  m{__type__="counter", __unit__="bytes", a="1"} 1

eval instant at 0m sum by (__unit__) (m)
  {__unit__="bytes"} 1
`,
  ],
  [
    'histogram_quantile warns about an invalid φ even with no input',
    `eval instant at 0m histogram_quantile(NaN, nothing)
  expect warn msg: PromQL warning: quantile value should be between 0 and 1, got NaN (1:20)
`,
  ],
];

describe('engine', () => {
  it.each(cases)('%s', async (_name, source) => {
    const outcomes = await runPromqlTest(source, new PromEngine(PROMQL_TEST_ENGINE_OPTIONS));
    const failed = outcomes.filter((o) => o.status !== 'passed');
    expect(failed.map((o) => `${o.line}: ${o.message ?? o.status}`)).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(0);
  });
});

describe('sample limit', () => {
  it('counts what a query holds at its peak, not every input it ever read (Prometheus: x + x + x at 820 of 1000)', async () => {
    const storage = new MemoryStorage();
    const app = storage.appender();
    for (let i = 0; i < 410; i++) app.append(labelsFrom({ __name__: 'x', i: String(i) }), 0, i);
    await app.commit();
    const engine = new PromEngine({ maxSamples: 1000 });
    const r = await engine.instantQuery(storage, 'x + x + x', 60_000);
    expect(r.result.type === 'vector' && r.result.value.length).toBe(410);
    await expect(engine.instantQuery(storage, 'x + x + x + (x + (x + x))', 60_000)).rejects.toThrow('query processing would load too many samples into memory in query execution');
  });
});
