// A live differential of ALERTS against the real Prometheus (Debian's 2.42): the same rule file
// (alerting rules with `for`, `keep_firing_for`, templated labels and annotations) and the same
// hand-written data, backfilled into Prometheus with promtool and imported into our TSDB.
// Prometheus runs the rules on its own clock; a recording rule `kg:eval` in the same group marks
// every evaluation timestamp it used, and our Group is evaluated at exactly those timestamps
// (with `for`-state restoring at start-up as Prometheus does: no ALERTS from the first two
// evaluations). The ALERTS and ALERTS_FOR_STATE series (labels, sample timestamps and values)
// must be equal over the whole run, and the alerts still active at the end must carry the same
// annotations.
//
// promtool 2.42's `tsdb create-blocks-from rules` evaluates recording rules only ("Alerting rules
// are not evaluated"), so the oracle is the live server. It evaluates at wall-clock now, so the
// data runs from 10 minutes before the test into the next two minutes, the alerts' timeline is
// compressed into ~50 s (2 s evaluation interval, `for` of 6-10 s), and Prometheus runs with an
// out-of-order window: its last backfilled block ends in the future, and the rule outputs written
// "now" fall below the head's minimum valid time (ErrOutOfBounds otherwise).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryData } from '../api/contract.js';
import { labelsToRecord } from '../model/labels.js';
import { PromEngine } from '../promql/engine.js';
import { toQueryData } from '../promql/wire.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { importOpenMetrics } from '../tsdb/openmetrics-io.js';
import { Tsdb } from '../tsdb/sqlite/tsdb.js';
import { groupsFromDefs } from './group.js';
import { engineQueryFunc } from './rule.js';
import { loadRuleFile } from './rulefmt.js';
import { PROMETHEUS, PROMTOOL, startPrometheus, type RunningPrometheus } from '../testing/prometheus.js';

const available = existsSync(PROMETHEUS) && existsSync(PROMTOOL);
if (!available && process.env.CI) throw new Error('CI must install prometheus (see .ci/run)');
if (!available) console.warn('alerts.differential.test: prometheus/promtool not installed; skipping the ALERTS comparison with the real Prometheus');

const RULES = `groups:
  - name: kg-alerts
    rules:
      - record: kg:eval
        expr: vector(1)
      - alert: HighTemperature
        expr: kg_temp > 5
        for: 10s
        labels:
          severity: '{{ if gt $value 50.0 }}critical{{ else }}warning{{ end }}'
          team: infra
        annotations:
          summary: '{{ $labels.node }} is at {{ $value | humanize }} degrees'
          description: 'rule {{ $labels.alertname }}, {{ printf "%.1f" $value }} on {{ $labels.node }}'
      - alert: Flapping
        expr: kg_errors > 0
        for: 6s
        keep_firing_for: 10s
        labels:
          severity: page
        annotations:
          summary: '{{ $labels.node }}: {{ $value }} errors'
      - alert: Immediate
        expr: sum by (zone) (kg_errors) >= 2
        annotations:
          summary: 'zone {{ $labels.zone }}'
`;

/** Seconds since the timeline's base B at which each series changes value, [from, value]. */
const TIMELINE: { series: string; steps: [number, number][] }[] = [
  // pending at B, firing at B+10, its severity label flips at B+20 (a new alert, the old resolves), gone at B+34.
  { series: 'kg_temp{node="a",zone="z1"}', steps: [[-1e9, 1], [0, 10], [20, 60], [34, 1]] },
  // pending for 7 s, never fires.
  { series: 'kg_temp{node="b",zone="z1"}', steps: [[-1e9, 1], [5, 12], [12, 1]] },
  // fires at B+6, clears at B+12 but keeps firing for 10 s, returns at B+16 (still firing), clears at B+24 and resolves at B+34.
  { series: 'kg_errors{node="c",zone="z2"}', steps: [[-1e9, 0], [0, 1], [12, 0], [16, 2], [24, 0]] },
  { series: 'kg_errors{node="d",zone="z2"}', steps: [[-1e9, 0], [18, 1], [22, 0]] },
];
const HISTORY_S = 600;
const LEAD_S = 20; // B: seconds from the test's start (backfill, start-up and two evaluations first)
const RUN_S = 50; // evaluated until B + RUN_S
const DATA_S = 120; // data until B + DATA_S

function valueAt(steps: [number, number][], rel: number): number {
  let v = steps[0]![1];
  for (const [from, x] of steps) if (rel >= from) v = x;
  return v;
}

function openMetrics(baseS: number): string {
  const lines: string[] = [];
  for (const family of ['kg_temp', 'kg_errors']) {
    lines.push(`# TYPE ${family} gauge`);
    for (const s of TIMELINE.filter((x) => x.series.startsWith(`${family}{`))) {
      for (let t = baseS - HISTORY_S; t <= baseS + DATA_S; t++) lines.push(`${s.series} ${valueAt(s.steps, t - baseS)} ${t}`);
    }
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}


/** Series keyed by their label set, each with [t, value] pairs. */
function normalize(d: QueryData): Map<string, [number, string][]> {
  const out = new Map<string, [number, string][]>();
  const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
  if (d.resultType === 'matrix') for (const s of d.result) out.set(key(s.metric), s.values ?? []);
  else if (d.resultType === 'vector') for (const s of d.result) out.set(key(s.metric), 'value' in s ? [s.value] : []);
  return out;
}

/** Every difference between two matrices (empty when equal). */
function differences(ours: QueryData, theirs: QueryData): string[] {
  const a = normalize(ours);
  const b = normalize(theirs);
  const out: string[] = [];
  for (const k of b.keys()) if (!a.has(k)) out.push(`missing series ${k}: Prometheus ${JSON.stringify(b.get(k))}`);
  for (const [k, pa] of a) {
    const pb = b.get(k);
    if (!pb) out.push(`extra series ${k}: ${JSON.stringify(pa)}`);
    else if (JSON.stringify(pa) !== JSON.stringify(pb)) out.push(`${k}:\n  ours       ${JSON.stringify(pa)}\n  Prometheus ${JSON.stringify(pb)}`);
  }
  return out;
}

describe.skipIf(!available)('ALERTS against the real Prometheus, live, on the same data', () => {
  let dir: string;
  let prom: RunningPrometheus | null = null;
  let db: Tsdb;
  let baseS = 0;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kg-alerts-diff-'));
    baseS = Math.ceil(Date.now() / 1000) + LEAD_S;
    const om = openMetrics(baseS);
    writeFileSync(path.join(dir, 'data.om'), om);
    writeFileSync(path.join(dir, 'rules.yml'), RULES);
    execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', path.join(dir, 'data.om'), path.join(dir, 'tsdb')], { stdio: 'ignore' });
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      `global: {scrape_interval: 1m, evaluation_interval: 2s}\nrule_files: [${JSON.stringify(path.join(dir, 'rules.yml'))}]\nscrape_configs: []\nstorage: {tsdb: {out_of_order_time_window: 1h}}\n`,
    );
    prom = await startPrometheus({ configFile: path.join(dir, 'prometheus.yml'), tsdbPath: path.join(dir, 'tsdb') });
    db = Tsdb.open(path.join(dir, 'kubeglass.db'));
    await importOpenMetrics(db, Readable.from([om]));
  }, 60_000);

  afterAll(() => {
    prom?.stop();
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const prometheus = (pathAndQuery: string): Promise<QueryData> => prom!.api(pathAndQuery);

  it('gives the same ALERTS and ALERTS_FOR_STATE series at every evaluation', async () => {
    // Let Prometheus run the timeline.
    const until = (baseS + RUN_S) * 1000;
    while (Date.now() < until + 2500) await new Promise((r) => setTimeout(r, 500));
    const evals = await prometheus(`/api/v1/query?query=${encodeURIComponent(`kg:eval[${HISTORY_S}s]`)}&time=${(baseS + RUN_S) / 1}`);
    expect(evals.resultType).toBe('matrix');
    const stamps = (evals.resultType === 'matrix' ? (evals.result[0]?.values ?? []) : []).map(([t]) => Math.round(t * 1000));
    // Started before the timeline (the two evaluations without ALERTS are done by B) and ran through it.
    expect(stamps.length).toBeGreaterThan(RUN_S / 2 - 5);
    expect(stamps[2]!).toBeLessThan(baseS * 1000);
    const endMs = stamps[stamps.length - 1]!;
    const at = (endMs / 1000).toFixed(3);

    // Kubeglass: the same rule file, one group evaluated at Prometheus's timestamps over our TSDB.
    const outputs = new MemoryStorage();
    const engine = new PromEngine({ prometheus2: true });
    const file = path.join(dir, 'rules.yml');
    const [group] = groupsFromDefs(file, loadRuleFile(readFileSync(file, 'utf8'), file), {
      query: engineQueryFunc(engine, db),
      appendable: outputs,
      queryable: outputs,
      restore: true,
      defaultIntervalMs: 2000,
    });
    for (const [i, ts] of stamps.entries()) {
      await group!.eval(ts);
      for (const r of group!.rules) expect(r.lastError, `${r.name} @${ts}`).toBeNull();
      if (i === 1) group!.restoreForState(ts);
    }

    for (const metric of ['ALERTS', 'ALERTS_FOR_STATE']) {
      const q = `${metric}[${HISTORY_S}s]`;
      const theirs = await prometheus(`/api/v1/query?query=${encodeURIComponent(q)}&time=${at}`);
      const ours = toQueryData((await engine.instantQuery(outputs, q, endMs)).result);
      expect(differences(ours, theirs), metric).toEqual([]);
      // The timeline reached every state: pending, firing, and alerts that resolved.
      if (metric === 'ALERTS') {
        const states = new Set(theirs.resultType === 'matrix' ? theirs.result.map((s) => `${s.metric.alertname}/${s.metric.alertstate}`) : []);
        expect([...states].sort()).toEqual(['Flapping/firing', 'Flapping/pending', 'HighTemperature/firing', 'HighTemperature/pending', 'Immediate/firing']);
      }
    }

    // The alerts still kept at the end (the resolved ones within 15 minutes) carry the same annotations.
    const api = (await (await fetch(`http://127.0.0.1:${prom!.port}/api/v1/rules?type=alert`)).json()) as {
      data: { groups: { rules: { name: string; alerts: { labels: Record<string, string>; annotations: Record<string, string>; state: string }[] }[] }[] };
    };
    const key = (l: Record<string, string>) => JSON.stringify(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1)));
    const theirAlerts = api.data.groups.flatMap((g) => g.rules.flatMap((r) => r.alerts.map((a) => `${key(a.labels)} ${a.state} ${key(a.annotations)}`))).sort();
    const ourAlerts = group!
      .alertingRules()
      .flatMap((r) => r.activeAlerts().map((a) => `${key({ ...labelsToRecord(r.labels), ...labelsToRecord(a.labels) })} ${a.state} ${key(labelsToRecord(a.annotations))}`))
      .sort();
    expect(ourAlerts).toEqual(theirAlerts);
  }, 150_000);
});
