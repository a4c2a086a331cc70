// Rule unit tests in promtool's format (`promtool test rules`): input_series loaded into memory,
// every group evaluated at each evaluation_interval step from 0 to the last eval_time, the
// firing alerts compared with alert_rule_test's exp_alerts, and promql_expr_test's queries with
// their exp_samples. The same files run through the real promtool give an exact differential.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compareLabels, formatLabels, labelsFrom, labelsKey, type Labels } from '../model/labels.js';
import { STALE_NAN } from '../model/value.js';
import { PromEngine } from '../promql/engine.js';
import { parseDuration } from '../promql/parser.js';
import { formatDurationMs } from '../promql/printer.js';
import { parseSeriesDescription } from '../promql/testfile.js';
import type { Queryable } from '../tsdb/interface.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { groupsFromDefs, type Group } from './group.js';
import { engineQueryFunc } from './rule.js';
import { loadRuleFile } from './rulefmt.js';

interface UnitTestFile {
  rule_files?: string[];
  evaluation_interval?: string;
  group_eval_order?: string[];
  tests?: TestGroup[];
}

interface TestGroup {
  name?: string;
  interval?: string;
  input_series?: { series: string; values: string }[];
  external_labels?: Record<string, string>;
  external_url?: string;
  alert_rule_test?: { eval_time: string; alertname: string; exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[] }[];
  promql_expr_test?: { expr: string; eval_time: string; exp_samples?: { labels: string; value: number | string }[] }[];
}

export interface UnitTestOptions {
  /** Directory rule_files are relative to (the test file's). */
  baseDir: string;
  readFile?: (file: string) => string;
  /** Evaluate with Prometheus 2.x's window rules (closed at the start), to compare with Debian's promtool 2.42. */
  prometheus2?: boolean;
}

export interface UnitTestOutcome {
  /** The test group's name (or its index). */
  name: string;
  /** Failures, worded after promtool's; empty when the group passed. */
  errors: string[];
  /** How many alert and expression checks ran. */
  checks: number;
}

const dur = (s: string | undefined, dflt: number) => (s === undefined ? dflt : parseDuration(String(s)));

/** An alert as compared: labels and annotations in Prometheus's text form. */
function alertText(labels: Labels, annotations: Labels): string {
  return `{labels: ${formatLabels(labels)}, annotations: ${formatLabels(annotations)}}`;
}

/** Runs a promtool rule-test file's text; one outcome per test group. */
export async function runRuleUnitTests(text: string, opts: UnitTestOptions): Promise<UnitTestOutcome[]> {
  const file = parseYaml(text) as UnitTestFile;
  const read = opts.readFile ?? ((f: string) => readFileSync(f, 'utf8'));
  const engine = new PromEngine({ prometheus2: opts.prometheus2 ?? false });
  const evalInterval = dur(file.evaluation_interval, 60_000);
  const order = new Map((file.group_eval_order ?? []).map((n, i) => [n, i]));
  const outcomes: UnitTestOutcome[] = [];
  for (const [idx, tg] of (file.tests ?? []).entries()) {
    const name = tg.name ?? `test ${idx + 1}`;
    const errors: string[] = [];
    let checks = 0;
    outcomes.push({ name, errors, checks: 0 });
    // Input series.
    const storage = new MemoryStorage();
    const interval = dur(tg.interval, evalInterval);
    const app = storage.appender();
    for (const s of tg.input_series ?? []) {
      const desc = parseSeriesDescription(`${s.series} ${s.values}`);
      desc.values.forEach((v, k) => {
        if (v.kind === 'float') app.append(desc.metric, k * interval, v.value);
        else if (v.kind === 'stale') app.append(desc.metric, k * interval, STALE_NAN);
      });
    }
    await app.commit();
    const readable: Queryable = storage;
    const query = engineQueryFunc(engine, readable);
    // Rule groups (the test's external labels and URL apply to templates).
    let groups: Group[] = [];
    try {
      for (const rf of file.rule_files ?? []) {
        const p = path.resolve(opts.baseDir, rf);
        groups.push(
          ...groupsFromDefs(p, loadRuleFile(read(p), p), {
            query,
            appendable: storage,
            queryable: storage,
            externalLabels: tg.external_labels ?? {},
            externalURL: tg.external_url ?? '',
            defaultIntervalMs: evalInterval,
          }),
        );
      }
    } catch (e) {
      errors.push((e as Error).message);
      continue;
    }
    groups = groups.map((g, i) => ({ g, i })).sort((a, b) => (order.get(a.g.name) ?? 0) - (order.get(b.g.name) ?? 0) || a.i - b.i).map((x) => x.g);
    for (const g of groups) for (const r of g.alertingRules()) r.restored = true;

    const alertTests = (tg.alert_rule_test ?? []).map((t) => ({ ...t, at: dur(t.eval_time, 0) }));
    const exprTests = (tg.promql_expr_test ?? []).map((t) => ({ ...t, at: dur(t.eval_time, 0) }));
    const maxt = Math.max(0, ...alertTests.map((t) => t.at), ...exprTests.map((t) => t.at));
    const times = [...new Set(alertTests.map((t) => t.at))].sort((a, b) => a - b);
    let curr = 0;
    let evalFailed = false;
    for (let ts = 0; ts <= maxt; ts += evalInterval) {
      const evalErrors: string[] = [];
      for (const g of groups) {
        await g.eval(ts);
        for (const r of g.rules) if (r.lastError !== null) evalErrors.push(`    rule: ${r.name}, time: ${formatDurationMs(ts)}, err: ${r.lastError}`);
      }
      // As promtool: evaluation errors end the test group.
      errors.push(...evalErrors);
      if (evalErrors.length > 0) {
        evalFailed = true;
        break;
      }
      while (curr < times.length && ts <= times[curr]! && times[curr]! < ts + evalInterval) {
        const t = times[curr]!;
        for (const test of alertTests.filter((x) => x.at === t)) {
          checks++;
          const got: string[] = [];
          for (const g of groups) {
            for (const r of g.alertingRules()) {
              if (r.name !== test.alertname) continue;
              for (const a of r.activeAlerts()) if (a.state === 'firing') got.push(alertText(a.labels, a.annotations));
            }
          }
          const exp = (test.exp_alerts ?? []).map((a) => alertText(labelsFrom({ ...(a.exp_labels ?? {}), alertname: test.alertname }), labelsFrom(a.exp_annotations ?? {})));
          got.sort();
          exp.sort();
          if (JSON.stringify(got) !== JSON.stringify(exp)) {
            errors.push(`    alertname: ${test.alertname}, time: ${formatDurationMs(t)}, \n        exp:[${exp.join(', ')}], \n        got:[${got.join(', ')}]`);
          }
        }
        curr++;
      }
    }
    if (!evalFailed) {
      for (const t of exprTests) {
        checks++;
        let got;
        try {
          got = await query(t.expr, t.at);
        } catch (e) {
          errors.push(`    expr: ${JSON.stringify(t.expr)}, time: ${formatDurationMs(t.at)}, err: ${(e as Error).message}`);
          continue;
        }
        const fmt = (ls: { metric: Labels; f: number }[]) =>
          [...ls]
            .sort((a, b) => compareLabels(a.metric, b.metric))
            .map((s) => `${formatLabels(s.metric)} ${s.f}`)
            .join(', ');
        const exp = (t.exp_samples ?? []).map((s) => ({ metric: parseSeriesDescription(s.labels).metric, f: Number(s.value) }));
        const gotS = fmt(got);
        const expS = fmt(exp);
        const same =
          got.length === exp.length &&
          [...got]
            .sort((a, b) => compareLabels(a.metric, b.metric))
            .every((s, i) => {
              const e = [...exp].sort((a, b) => compareLabels(a.metric, b.metric))[i]!;
              return labelsKey(s.metric) === labelsKey(e.metric) && (s.f === e.f || (Number.isNaN(s.f) && Number.isNaN(e.f)));
            });
        if (!same) errors.push(`    expr: ${JSON.stringify(t.expr)}, time: ${formatDurationMs(t.at)},\n        exp: ${expS}\n        got: ${gotS}`);
      }
    }
    outcomes[outcomes.length - 1]!.checks = checks;
  }
  return outcomes;
}
