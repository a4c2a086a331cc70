// The rule manager's state in the shapes of Prometheus's /api/v1/rules and /api/v1/alerts
// (web/api/v1/api.go): durations in seconds, times as RFC 3339, alert values as Go's 'e' format.
import { formatTime } from '../alerting/alert.js';
import { labelsToRecord } from '../model/labels.js';
import { parseExpr } from '../promql/parser.js';
import { formatExpr } from '../promql/printer.js';
import { AlertingRule, type Alert } from './alerting.js';
import { formatFloat } from './gofmt.js';
import type { Group, Rule } from './group.js';

export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
  keepFiringSince?: string;
  value: string;
}

export interface ApiAlertingRule {
  state: 'inactive' | 'pending' | 'firing';
  name: string;
  query: string;
  duration: number;
  keepFiringFor: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  alerts: ApiAlert[];
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  evaluationTime: number;
  lastEvaluation: string;
  type: 'alerting';
}

export interface ApiRecordingRule {
  name: string;
  query: string;
  labels?: Record<string, string>;
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  evaluationTime: number;
  lastEvaluation: string;
  type: 'recording';
}

export interface ApiRuleGroup {
  name: string;
  file: string;
  rules: (ApiAlertingRule | ApiRecordingRule)[];
  interval: number;
  limit: number;
  evaluationTime: number;
  lastEvaluation: string;
}

export interface RulesFilter {
  /** 'alert' or 'record' (the API's type parameter). */
  type?: 'alert' | 'record';
  ruleName?: string[];
  ruleGroup?: string[];
  file?: string[];
  excludeAlerts?: boolean;
}

/** The expression as Prometheus prints it back (its parsed form), or as written if it does not parse. */
function queryString(expr: string): string {
  try {
    return formatExpr(parseExpr(expr));
  } catch {
    return expr;
  }
}

export function apiAlert(a: Alert): ApiAlert {
  const out: ApiAlert = { labels: labelsToRecord(a.labels), annotations: labelsToRecord(a.annotations), state: a.state, activeAt: formatTime(a.activeAt), value: formatFloat(a.value, 'e', -1) };
  if (a.keepFiringSince !== null) out.keepFiringSince = formatTime(a.keepFiringSince);
  return out;
}

function apiRule(r: Rule, excludeAlerts: boolean): ApiAlertingRule | ApiRecordingRule {
  const lastEvaluation = formatTime(r.lastEvaluation);
  const evaluationTime = r.evaluationTimeMs / 1000;
  if (r instanceof AlertingRule) {
    const out: ApiAlertingRule = {
      state: r.state(),
      name: r.name,
      query: queryString(r.expr),
      duration: r.holdDurationMs / 1000,
      keepFiringFor: r.keepFiringForMs / 1000,
      labels: labelsToRecord(r.labels),
      annotations: labelsToRecord(r.annotations),
      alerts: excludeAlerts ? [] : r.activeAlerts().map(apiAlert),
      health: r.health,
      evaluationTime,
      lastEvaluation,
      type: 'alerting',
    };
    if (r.lastError) out.lastError = r.lastError;
    return out;
  }
  const out: ApiRecordingRule = { name: r.name, query: queryString(r.expr), health: r.health, evaluationTime, lastEvaluation, type: 'recording' };
  if (r.labels.length > 0) out.labels = labelsToRecord(r.labels);
  if (r.lastError) out.lastError = r.lastError;
  // Field order as Prometheus writes it.
  return { name: out.name, query: out.query, ...(out.labels ? { labels: out.labels } : {}), health: out.health, ...(out.lastError ? { lastError: out.lastError } : {}), evaluationTime, lastEvaluation, type: 'recording' };
}

/** /api/v1/rules's data: { groups: [...] }. */
export function rulesResponse(groups: Group[], filter: RulesFilter = {}): { groups: ApiRuleGroup[] } {
  const out: ApiRuleGroup[] = [];
  for (const g of groups) {
    if (filter.ruleGroup?.length && !filter.ruleGroup.includes(g.name)) continue;
    if (filter.file?.length && !filter.file.includes(g.file)) continue;
    const rules = g.rules
      .filter((r) => !filter.type || (filter.type === 'alert') === (r instanceof AlertingRule))
      .filter((r) => !filter.ruleName?.length || filter.ruleName.includes(r.name))
      .map((r) => apiRule(r, filter.excludeAlerts ?? false));
    // Prometheus drops groups left empty by a filter.
    if (rules.length === 0 && (filter.type || filter.ruleName?.length)) continue;
    out.push({ name: g.name, file: g.file, rules, interval: g.intervalMs / 1000, limit: g.limit, evaluationTime: g.evaluationTimeMs / 1000, lastEvaluation: formatTime(g.lastEvaluation) });
  }
  return { groups: out };
}

/** /api/v1/alerts's data: { alerts: [...] }, every pending and firing alert. */
export function alertsResponse(groups: Group[]): { alerts: ApiAlert[] } {
  const alerts: ApiAlert[] = [];
  for (const g of groups) for (const r of g.alertingRules()) for (const a of r.activeAlerts()) alerts.push(apiAlert(a));
  return { alerts };
}
