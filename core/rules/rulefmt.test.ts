import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRuleFile } from './rulefmt.js';

const shared = new URL('../../../shared/rules', import.meta.url).pathname;

describe('rule files', () => {
  it.each(readdirSync(shared).filter((f) => f.endsWith('.yaml')))('loads kube-prometheus %s unchanged', (f) => {
    const r = parseRuleFile(readFileSync(path.join(shared, f), 'utf8'));
    expect(r.errors).toEqual([]);
    expect(r.groups.length).toBeGreaterThan(0);
    for (const g of r.groups) for (const rule of g.rules) expect(rule.expr).not.toBe('');
  });

  it('reads a plain file with every group and rule field', () => {
    const r = parseRuleFile(`groups:
  - name: g
    interval: 30s
    query_offset: 1m
    limit: 5
    labels: { team: a }
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels: { x: "1" }
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 10m
        labels: { severity: page }
        annotations: { summary: "{{ $labels.job }} down" }
`);
    expect(r.errors).toEqual([]);
    expect(r.groups).toEqual([
      {
        name: 'g',
        interval: 30_000,
        queryOffset: 60_000,
        limit: 5,
        labels: { team: 'a' },
        line: 2,
        rules: [
          { record: 'job:up:sum', expr: 'sum by (job) (up)', for: 0, keepFiringFor: 0, labels: { x: '1' }, annotations: {}, line: 8 },
          { alert: 'Down', expr: 'up == 0', for: 300_000, keepFiringFor: 600_000, labels: { severity: 'page' }, annotations: { summary: '{{ $labels.job }} down' }, line: 11 },
        ],
      },
    ]);
  });

  it('reads PrometheusRule manifests, Lists of them and several documents', () => {
    const manifest = (name: string) => `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: { name: ${name}, namespace: monitoring, labels: { prometheus: k8s } }
spec:
  groups:
    - name: ${name}
      partial_response_strategy: warn
      rules:
        - alert: A
          expr: vector(1)
`;
    const r = parseRuleFile(`${manifest('one')}---\n${manifest('two')}---\ngroups:\n  - name: plain\n    rules: [{ record: r, expr: "1" }]\n`);
    expect(r.errors).toEqual([]);
    expect(r.groups.map((g) => g.name)).toEqual(['one', 'two', 'plain']);
    const list = parseRuleFile(`apiVersion: v1\nkind: List\nitems:\n${manifest('three').replace(/^/gm, '    ').replace(/^ {4}apiVersion/, '  - apiVersion')}`);
    expect(list.errors).toEqual([]);
    expect(list.groups.map((g) => g.name)).toEqual(['three']);
    expect(parseRuleFile('').groups).toEqual([]);
  });

  // The messages below are promtool check rules' (2.42) for the same file, except rule 1's, which
  // follows 3.x (UTF-8 metric names are valid; braces are refused).
  it('reports validation errors with Prometheus wording and positions', () => {
    const r = parseRuleFile(`groups:
  - name: a
    rules:
      - record: 'job:x{bad}'
        expr: sum(x)
      - alert: Both
        record: both
        expr: up
      - expr: up
      - alert: BadExpr
        expr: sum(rate(x[5m])
      - alert: BadTemplate
        expr: up
        annotations:
          summary: '{{ $labels.x '
          other: '{{ nofunc 1 }}'
        labels:
          sev: '{{ if }}'
      - record: rec
        expr: up
        for: 5m
        annotations:
          a: b
      - alert: NoExpr
  - name: a
    rules: []
`);
    expect(r.errors).toEqual([
      `4:17: group "a", rule 1, "job:x{bad}": braces present in the recording rule name; should it be in expr?: job:x{bad}`,
      `7:17: 6:16: group "a", rule 2, "Both": only one of 'record' and 'alert' must be set`,
      `0:0: group "a", rule 3, "": one of 'record' or 'alert' must be set`,
      `11:15: group "a", rule 4, "BadExpr": could not parse expression: 1:16: parse error: unclosed left parenthesis`,
      `group "a", rule 5, "BadTemplate": label "sev": template: __alert_BadTemplate:1: missing value for if`,
      `group "a", rule 5, "BadTemplate": annotation "summary": template: __alert_BadTemplate:1: unclosed action`,
      `group "a", rule 5, "BadTemplate": annotation "other": template: __alert_BadTemplate:1: function "nofunc" not defined`,
      `19:17: group "a", rule 6, "rec": invalid field 'annotations' in recording rule`,
      `19:17: group "a", rule 6, "rec": invalid field 'for' in recording rule`,
      `0:0: group "a", rule 7, "NoExpr": field 'expr' must be set in rule`,
      `25:5: groupname: "a" is repeated in the same file`,
    ]);
  });

  it('reports unknown fields and bad durations as decoding errors', () => {
    expect(parseRuleFile('groups:\n  - name: a\n    unknown: 1\n    rules:\n      - alert: X\n        expr: up\n        foo: bar\n').errors).toEqual([
      'yaml: unmarshal errors:\n  line 3: field unknown not found in type rulefmt.RuleGroup\n  line 7: field foo not found in type rulefmt.RuleNode',
    ]);
    expect(parseRuleFile('groups:\n  - name: a\n    interval: 5x\n    rules:\n      - alert: X\n        expr: up\n').errors).toEqual(['not a valid duration string: "5x"']);
    expect(parseRuleFile('groups:\n  - name: a\n    unknown: 1\n    rules: []\n', { ignoreUnknownFields: true }).errors).toEqual([]);
  });
});
