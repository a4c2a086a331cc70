import { describe, expect, it } from 'vitest';
import { formatLabels, labelsFrom, labelsKey } from '../model/labels.js';
import { isStaleNaN, STALE_NAN } from '../model/value.js';
import { PromEngine } from '../promql/engine.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { AlertingRule, type NotifierAlert } from './alerting.js';
import { alertsResponse, rulesResponse } from './api.js';
import { evalTimestamp, Group, groupsFromDefs } from './group.js';
import { RecordingRule } from './recording.js';
import { engineQueryFunc } from './rule.js';
import { loadRuleFile } from './rulefmt.js';

const M = 60_000;

/** A storage with gauges set per test; the group writes into the same storage. */
function setup() {
  const storage = new MemoryStorage();
  const engine = new PromEngine();
  const set = async (series: string, t: number, v: number) => {
    const m = /^(\w+)(?:\{(.*)\})?$/.exec(series)!;
    const pairs: [string, string][] = [['__name__', m[1]!]];
    for (const kv of (m[2] ?? '').split(',').filter(Boolean)) {
      const [k, val] = kv.split('=') as [string, string];
      pairs.push([k.trim(), val.replace(/"/g, '')]);
    }
    const app = storage.appender();
    app.append(labelsFrom(pairs), t, v);
    await app.commit();
  };
  /** Samples of every series whose text form starts with prefix: "labels" → [t, value|'stale'][]. */
  const dump = (prefix: string) => {
    const out: Record<string, [number, number | 'stale'][]> = {};
    for (const s of storage.series.values()) {
      const name = formatLabels(s.labels);
      if (!name.startsWith(prefix)) continue;
      out[name] = s.t.map((t, i) => [t, isStaleNaN(s.v.get(i)) ? 'stale' : s.v.get(i)]);
    }
    return out;
  };
  return { storage, engine, set, dump, query: engineQueryFunc(engine, storage) };
}

describe('Group evaluation', () => {
  it('records series under the rule name with its labels, and marks vanished ones stale', async () => {
    const { storage, set, dump, query } = setup();
    const rule = new RecordingRule('job:x:sum', 'sum by (job) (x)', { env: 'prod' });
    const g = new Group({ name: 'g', file: 'f', intervalMs: M, rules: [rule], query, appendable: storage });
    await set('x{job="a"}', 0, 1);
    await set('x{job="b"}', 0, 2);
    await g.eval(0);
    expect(rule.health).toBe('ok');
    await set('x{job="a"}', M, 3);
    // x{job="b"} ends (stale), so job b's output goes stale at the next evaluation.
    await set('x{job="b"}', M, STALE_NAN);
    await g.eval(M);
    expect(dump('job:x:sum')).toEqual({
      'job:x:sum{env="prod", job="a"}': [
        [0, 1],
        [M, 3],
      ],
      'job:x:sum{env="prod", job="b"}': [
        [0, 2],
        [M, 'stale'],
      ],
    });
  });

  it('writes a stale marker when a recorded series disappears', async () => {
    const { storage, dump, query } = setup();
    let show = true;
    const rule = new RecordingRule('r', 'vector(1)');
    const g = new Group({ name: 'g', file: 'f', intervalMs: M, rules: [rule], query: (e, t) => (show ? query(e, t) : Promise.resolve([])), appendable: storage });
    await g.eval(0);
    show = false;
    await g.eval(M);
    await g.eval(2 * M);
    expect(dump('r')).toEqual({ r: [[0, 1], [M, 'stale']] });
  });

  it('queries and writes query_offset before the evaluation time', async () => {
    const { storage, dump } = setup();
    const asked: number[] = [];
    const rec = new RecordingRule('r', 'vector(1)');
    const alert = new AlertingRule('A', 'vector(1)');
    const g = new Group({
      name: 'g',
      file: 'f',
      intervalMs: M,
      queryOffsetMs: 30_000,
      rules: [rec, alert],
      query: (_e, t) => {
        asked.push(t);
        return Promise.resolve([{ metric: [], t, f: 1 }]);
      },
      appendable: storage,
    });
    await g.eval(M);
    expect(asked).toEqual([30_000, 30_000]);
    expect(dump('r')).toEqual({ r: [[30_000, 1]] });
    expect(dump('ALERTS{')).toEqual({ 'ALERTS{alertname="A", alertstate="firing"}': [[30_000, 1]] });
    // The alert itself is active from the evaluation time.
    expect(alert.activeAlerts()[0]!.activeAt).toBe(M);
  });

  it('refuses duplicate label sets and enforces the limit', async () => {
    const { storage, set, query } = setup();
    await set('x{a="1"}', 0, 1);
    await set('x{a="2"}', 0, 1);
    const dup = new RecordingRule('r', 'x', { a: 'same' });
    const limited = new AlertingRule('A', 'x');
    const g = new Group({ name: 'g', file: 'f', intervalMs: M, limit: 1, rules: [dup, limited], query, appendable: storage });
    await g.eval(0);
    expect(dup.health).toBe('err');
    expect(dup.lastError).toBe('vector contains metrics with the same labelset after applying rule labels');
    expect(limited.health).toBe('err');
    expect(limited.lastError).toBe('exceeded limit of 1 with 2 alerts');
    expect(limited.activeAlerts()).toEqual([]);
  });

  it('keeps the error of a failing query on the rule and goes on with the next rule', async () => {
    const { storage, query } = setup();
    const bad = new RecordingRule('bad', 'label_replace(vector(1), "x", "$1", "y", "(")');
    const good = new RecordingRule('good', 'vector(1)');
    const g = new Group({ name: 'g', file: 'f', intervalMs: M, rules: [bad, good], query, appendable: storage });
    await g.eval(0);
    expect(bad.health).toBe('err');
    expect(bad.lastError).toMatch(/regex/);
    expect(good.health).toBe('ok');
    expect(good.lastError).toBeNull();
  });

  it('moves alerts inactive → pending → firing → resolved with ALERTS and ALERTS_FOR_STATE', async () => {
    const { storage, set, dump, query } = setup();
    const rule = new AlertingRule('High', 'x > 5', { forMs: 2 * M, labels: { severity: '{{ if gt $value 8.0 }}page{{ else }}ticket{{ end }}' }, annotations: { v: '{{ $value }}' } });
    const sent: NotifierAlert[][] = [];
    const g = new Group({ name: 'g', file: 'f', intervalMs: M, rules: [rule], query, appendable: storage, notify: (a) => sent.push(a), externalURL: 'http://kg' });
    expect(rule.restored).toBe(true);
    const values = [1, 6, 7, 7, 7, 2, 2];
    const states: string[] = [];
    for (const [i, v] of values.entries()) {
      await set('x{i="1"}', i * M, v);
      await g.eval(i * M);
      states.push(rule.state());
    }
    expect(states).toEqual(['inactive', 'pending', 'pending', 'firing', 'firing', 'inactive', 'inactive']);
    expect(dump('ALERTS')).toEqual({
      'ALERTS{alertname="High", alertstate="pending", i="1", severity="ticket"}': [
        [M, 1],
        [2 * M, 1],
        [3 * M, 'stale'],
      ],
      'ALERTS{alertname="High", alertstate="firing", i="1", severity="ticket"}': [
        [3 * M, 1],
        [4 * M, 1],
        [5 * M, 'stale'],
      ],
      'ALERTS_FOR_STATE{alertname="High", i="1", severity="ticket"}': [
        [M, 60],
        [2 * M, 60],
        [3 * M, 60],
        [4 * M, 60],
        [5 * M, 'stale'],
      ],
    });
    // Firing at 3m (sent), not again at 4m (resend delay 1m not passed), resolved once at 5m.
    expect(sent.map((b) => b.map((a) => [a.startsAt, a.endsAt, a.annotations.v]))).toEqual([[[3 * M, 3 * M + 4 * M, '7']], [[3 * M, 5 * M, '7']]]);
    expect(sent[0]![0]!.generatorURL).toBe('http://kg/graph?g0.expr=x+%3E+5&g0.tab=1');
    // The resolved alert is kept (for re-sending) but no longer listed as active.
    expect(rule.allAlerts().map((a) => a.state)).toEqual(['inactive']);
    expect(rule.activeAlerts()).toEqual([]);
  });

  it('keeps firing for keep_firing_for after the condition clears', async () => {
    const { storage, set, query } = setup();
    const rule = new AlertingRule('K', 'x > 5', { keepFiringForMs: 2 * M });
    const g = new Group({ name: 'g', file: 'f', intervalMs: M, rules: [rule], query, appendable: storage });
    const states: string[] = [];
    for (const [i, v] of [9, 1, 1, 1].entries()) {
      await set('x', i * M, v);
      await g.eval(i * M);
      states.push(rule.state());
    }
    expect(states).toEqual(['firing', 'firing', 'firing', 'inactive']);
  });

  it('restores the for state from ALERTS_FOR_STATE after a restart', async () => {
    const T = 100 * M;
    const cases = [
      // [active since (s), last sample at (ms), expected activeAt]
      { name: 'pending for 10m of 30m, down 5m: shifted by the downtime', since: (T - 15 * M) / 1000, last: T - 5 * M, want: T - 10 * M },
      { name: 'already firing: kept', since: (T - 50 * M) / 1000, last: T - 5 * M, want: T - 50 * M },
      { name: 'less than the grace period left: fires after the grace period', since: (T - 30 * M) / 1000, last: T - 5 * M, want: T + 10 * M - 30 * M },
    ];
    for (const c of cases) {
      const { storage, set, query } = setup();
      await set('ALERTS_FOR_STATE{alertname="Slow",i="1"}', c.last, c.since);
      await set('x{i="1"}', T - M, 9);
      const rule = new AlertingRule('Slow', 'x > 5', { forMs: 30 * M + (c.name.startsWith('less') ? -4 * M : 0) });
      const g = new Group({ name: 'g', file: 'f', intervalMs: M, rules: [rule], query, appendable: storage, queryable: storage, restore: true });
      expect(rule.restored).toBe(false);
      await g.eval(T - M);
      await g.eval(T);
      g.restoreForState(T);
      expect(rule.restored, c.name).toBe(true);
      const want = c.name.startsWith('less') ? T + 10 * M - 26 * M : c.want;
      expect(rule.activeAlerts()[0]!.activeAt, c.name).toBe(want);
    }
  });

  it('aligns evaluation timestamps to the group interval with a per-group offset', () => {
    const start = Date.UTC(2026, 0, 1, 12, 0, 7, 123);
    const a = evalTimestamp('f', 'a', 30_000, start);
    const b = evalTimestamp('f', 'b', 30_000, start);
    for (const t of [a, b]) {
      expect(t).toBeLessThanOrEqual(start);
      expect(t).toBeGreaterThan(start - 30_000);
    }
    expect(a).not.toBe(b);
    // The same slot for any start within the interval, and the next slot one interval later.
    expect(evalTimestamp('f', 'a', 30_000, a)).toBe(a);
    expect(evalTimestamp('f', 'a', 30_000, a + 29_999)).toBe(a);
    expect(evalTimestamp('f', 'a', 30_000, a + 30_000)).toBe(a + 30_000);
  });

  it('answers /api/v1/rules and /api/v1/alerts in Prometheus shapes', async () => {
    const { storage, set, query } = setup();
    let clock = 1_700_000_000_000;
    const groups = groupsFromDefs(
      'rules.yaml',
      loadRuleFile(`groups:
  - name: g
    interval: 30s
    labels: { team: core }
    rules:
      - record: job:x:max
        expr: max by (job)(x)
      - alert: X
        expr: x>5
        for: 1m
        labels: { severity: warning }
        annotations: { summary: "x is {{ $value }}" }
`),
      { query, appendable: storage, now: () => (clock += 5) },
    );
    await set('x{job="j"}', 0, 7.5);
    await groups[0]!.eval(0);
    const rules = rulesResponse(groups);
    expect(rules).toEqual({
      groups: [
        {
          name: 'g',
          file: 'rules.yaml',
          interval: 30,
          limit: 0,
          evaluationTime: expect.any(Number) as number,
          lastEvaluation: expect.stringMatching(/^2023-11-14T22:13:2\d\.\d+Z$/) as string,
          rules: [
            { name: 'job:x:max', query: 'max by (job) (x)', labels: { team: 'core' }, health: 'ok', evaluationTime: 0.005, lastEvaluation: expect.any(String) as string, type: 'recording' },
            {
              state: 'pending',
              name: 'X',
              query: 'x > 5',
              duration: 60,
              keepFiringFor: 0,
              labels: { severity: 'warning', team: 'core' },
              annotations: { summary: 'x is {{ $value }}' },
              alerts: [{ labels: { alertname: 'X', job: 'j', severity: 'warning', team: 'core' }, annotations: { summary: 'x is 7.5' }, state: 'pending', activeAt: '1970-01-01T00:00:00Z', value: '7.5e+00' }],
              health: 'ok',
              evaluationTime: 0.005,
              lastEvaluation: expect.any(String) as string,
              type: 'alerting',
            },
          ],
        },
      ],
    });
    expect(rulesResponse(groups, { type: 'record' }).groups[0]!.rules.map((r) => r.name)).toEqual(['job:x:max']);
    expect(alertsResponse(groups).alerts.map((a) => [a.state, a.value])).toEqual([['pending', '7.5e+00']]);
    expect(rulesResponse([]).groups).toEqual([]);
    expect(labelsKey(groups[0]!.rules[0]!.labels)).toContain('team');
  });
});
