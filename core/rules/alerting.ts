// Alerting rules (rules/alerting.go): one alert per label set of the expression's result, going
// inactive → pending → firing (after `for`), kept firing for `keep_firing_for` once the
// condition clears, and kept 15 minutes after resolving so the resolution is re-sent. Labels and
// annotations are templates expanded per alert; ALERTS and ALERTS_FOR_STATE series are written.
import { compareStrings, labelsKey, LabelsBuilder, labelsFrom, labelsToRecord, METRIC_NAME, type Labels } from '../model/labels.js';
import type { Sample } from '../promql/value.js';
import { RuleBase, type RuleEvalOptions } from './rule.js';
import { AlertTemplate, queryEscape } from './template-funcs.js';

export type AlertState = 'inactive' | 'pending' | 'firing';

/** How long a resolved alert is kept (and re-sent), as Prometheus's resolvedRetention. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

export const ALERT_METRIC_NAME = 'ALERTS';
export const ALERT_FOR_STATE_METRIC_NAME = 'ALERTS_FOR_STATE';

export interface Alert {
  state: AlertState;
  labels: Labels;
  annotations: Labels;
  /** The value of the expression at the last evaluation. */
  value: number;
  /** ms; when the alert became active (pending). */
  activeAt: number;
  /** ms; when it fired (null if it has not). */
  firedAt: number | null;
  resolvedAt: number | null;
  lastSentAt: number | null;
  validUntil: number | null;
  keepFiringSince: number | null;
}

/** An alert as sent to Alertmanager (notifier.Alert), times in ms. */
export interface NotifierAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
}

export interface AlertingRuleOptions {
  forMs?: number;
  keepFiringForMs?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export class AlertingRule extends RuleBase {
  readonly type = 'alerting' as const;
  readonly holdDurationMs: number;
  readonly keepFiringForMs: number;
  readonly labels: Labels;
  readonly annotations: Labels;
  /** Active alerts by label-set key. */
  readonly active = new Map<string, Alert>();
  /** ALERTS samples are written only once the `for` state was restored (or needs no restoring). */
  restored = false;
  private readonly labelTemplates: [string, AlertTemplate][];
  private readonly annotationTemplates: [string, AlertTemplate][];

  /** Throws TemplateError when a label or annotation template does not parse. */
  constructor(
    readonly name: string,
    readonly expr: string,
    opts: AlertingRuleOptions = {},
  ) {
    super();
    this.holdDurationMs = opts.forMs ?? 0;
    this.keepFiringForMs = opts.keepFiringForMs ?? 0;
    this.labels = labelsFrom(opts.labels ?? {});
    this.annotations = Object.entries(opts.annotations ?? {})
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([name, value]) => ({ name, value }));
    this.labelTemplates = this.labels.map((l) => [l.name, new AlertTemplate(name, l.value)]);
    this.annotationTemplates = Object.entries(opts.annotations ?? {})
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([k, v]) => [k, new AlertTemplate(name, v)]);
  }

  /** The rule's state: the most severe of its alerts'. */
  state(): AlertState {
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) {
      if (a.state === 'firing') return 'firing';
      if (a.state === 'pending') s = 'pending';
    }
    return s;
  }

  /** Active alerts (pending, firing, and resolved ones still kept), sorted by labels. */
  activeAlerts(): Alert[] {
    return [...this.active.values()].filter((a) => a.state !== 'inactive');
  }

  /** Every kept alert, resolved ones included. */
  allAlerts(): Alert[] {
    return [...this.active.values()];
  }

  async eval(ts: number, opts: RuleEvalOptions): Promise<Sample[]> {
    const qt = ts - opts.queryOffsetMs;
    const res = await opts.query(this.expr, qt);
    const alerts = new Map<string, Alert>();
    const ctx = { timeMs: ts, query: opts.query, externalURL: opts.externalURL };
    for (const smpl of res) {
      const data = { labels: labelsToRecord(smpl.metric), externalLabels: opts.externalLabels, externalURL: opts.externalURL, value: smpl.f };
      const lb = new LabelsBuilder(smpl.metric);
      lb.del(METRIC_NAME);
      for (const [name, t] of this.labelTemplates) lb.set(name, await t.expand(data, ctx));
      lb.set('alertname', this.name);
      // Annotations keep empty values (a ScratchBuilder in Prometheus, not a Builder).
      const annotations: Labels = [];
      for (const [name, t] of this.annotationTemplates) (annotations as { name: string; value: string }[]).push({ name, value: await t.expand(data, ctx) });
      const labels = lb.labels();
      const key = labelsKey(labels);
      if (alerts.has(key)) throw new Error('vector contains metrics with the same labelset after applying alert labels');
      alerts.set(key, {
        labels,
        annotations,
        activeAt: ts,
        state: 'pending',
        value: smpl.f,
        firedAt: null,
        resolvedAt: null,
        lastSentAt: null,
        validUntil: null,
        keepFiringSince: null,
      });
    }
    for (const [key, a] of alerts) {
      const prev = this.active.get(key);
      if (prev && prev.state !== 'inactive') {
        prev.value = a.value;
        prev.annotations = a.annotations;
        continue;
      }
      this.active.set(key, a);
    }
    const out: Sample[] = [];
    let numActivePending = 0;
    for (const [key, a] of this.active) {
      if (!alerts.has(key)) {
        let keepFiring = false;
        if (a.state === 'firing' && this.keepFiringForMs > 0) {
          if (a.keepFiringSince === null) a.keepFiringSince = ts;
          if (ts - a.keepFiringSince < this.keepFiringForMs) keepFiring = true;
        }
        if (a.state === 'pending' || (a.resolvedAt !== null && ts - a.resolvedAt > RESOLVED_RETENTION_MS)) this.active.delete(key);
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAt = ts;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = null;
      }
      numActivePending++;
      if (a.state === 'pending' && ts - a.activeAt >= this.holdDurationMs) {
        a.state = 'firing';
        a.firedAt = ts;
      }
      if (a.state === 'firing' && ts - a.activeAt < this.holdDurationMs) {
        a.state = 'pending';
        a.firedAt = null;
        a.lastSentAt = null;
        a.keepFiringSince = null;
      }
      if (this.restored) {
        out.push(this.alertSample(a, qt));
        out.push(this.forStateSample(a, qt, Math.trunc(a.activeAt / 1000)));
      }
    }
    if (opts.limit > 0 && numActivePending > opts.limit) {
      this.active.clear();
      throw new Error(`exceeded limit of ${opts.limit} with ${numActivePending} alerts`);
    }
    return out;
  }

  private alertSample(a: Alert, t: number): Sample {
    const lb = new LabelsBuilder(this.labels);
    for (const l of a.labels) lb.set(l.name, l.value);
    lb.set(METRIC_NAME, ALERT_METRIC_NAME);
    lb.set('alertname', this.name);
    lb.set('alertstate', a.state);
    return { metric: lb.labels(), t, f: 1 };
  }

  forStateSample(a: Alert | null, t: number, v: number): Sample {
    const lb = new LabelsBuilder(this.labels);
    if (a) for (const l of a.labels) lb.set(l.name, l.value);
    lb.set(METRIC_NAME, ALERT_FOR_STATE_METRIC_NAME);
    lb.set('alertname', this.name);
    return { metric: lb.labels(), t, f: v };
  }

  /**
   * The alerts due to be sent at ts (rules/alerting.go sendAlerts): firing ones not sent within
   * resendDelay, and resolved ones not sent since they resolved; marks them sent.
   */
  alertsToSend(ts: number, resendDelayMs: number, intervalMs: number, externalURL: string): NotifierAlert[] {
    const out: NotifierAlert[] = [];
    for (const a of this.active.values()) {
      if (a.state === 'pending') continue;
      const resolvedSinceSent = a.resolvedAt !== null && (a.lastSentAt === null || a.resolvedAt > a.lastSentAt);
      const due = resolvedSinceSent || a.lastSentAt === null || a.lastSentAt + resendDelayMs < ts;
      if (!due) continue;
      a.lastSentAt = ts;
      a.validUntil = ts + 4 * Math.max(intervalMs, resendDelayMs);
      out.push({
        labels: labelsToRecord(a.labels),
        annotations: labelsToRecord(a.annotations),
        startsAt: a.firedAt ?? a.activeAt,
        endsAt: a.resolvedAt ?? a.validUntil,
        generatorURL: `${externalURL}/graph?g0.expr=${queryEscape(this.expr)}&g0.tab=1`,
      });
    }
    return out;
  }
}
