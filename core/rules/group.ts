// A rule group (rules/group.go): its rules evaluated in order at one timestamp, their outputs
// appended, stale markers for series a rule no longer produces, health and timings per rule and
// group, the `for` state restored from ALERTS_FOR_STATE after a restart, and the aligned
// evaluation timestamps that spread groups over their interval.
import { labelsKey, METRIC_NAME, stringLabelsBytes, type Labels } from '../model/labels.js';
import { Matcher } from '../model/matchers.js';
import { isStaleNaN, STALE_NAN } from '../model/value.js';
import { xxhash64 } from '../model/xxhash.js';
import type { Appendable, AppendRejection, Queryable } from '../tsdb/interface.js';
import { AlertingRule, type NotifierAlert } from './alerting.js';
import { RecordingRule } from './recording.js';
import type { QueryFunc, RuleBase } from './rule.js';
import type { RuleGroupDef } from './rulefmt.js';

export type Rule = RecordingRule | AlertingRule;

export interface GroupOptions {
  name: string;
  /** The file (or source) the group came from; part of the group's identity and hash. */
  file: string;
  intervalMs: number;
  queryOffsetMs?: number;
  limit?: number;
  rules: Rule[];
  query: QueryFunc;
  appendable: Appendable;
  /** Where ALERTS_FOR_STATE is read back from to restore `for` state (usually the same storage). */
  queryable?: Queryable;
  externalURL?: string;
  externalLabels?: Record<string, string>;
  /** Wall clock, ms (lastEvaluation, durations). */
  now?: () => number;
  /** Receives alerts due to be sent after each alerting rule's evaluation. */
  notify?: (alerts: NotifierAlert[], rule: AlertingRule) => void;
  /**
   * Restore `for` state from ALERTS_FOR_STATE after the second evaluation (as Prometheus does for
   * the groups it loads at start-up); until then alerting rules write no ALERTS series.
   */
  restore?: boolean;
  /** Prometheus's --rules.alert.resend-delay (1m). */
  resendDelayMs?: number;
  /** --rules.alert.for-outage-tolerance (1h). */
  outageToleranceMs?: number;
  /** --rules.alert.for-grace-period (10m). */
  forGracePeriodMs?: number;
}

const APPEND_ERRORS: Record<AppendRejection, string> = {
  out_of_order: 'out of order sample',
  duplicate: 'duplicate sample for timestamp',
  too_old: 'too old sample',
};

/** The group's hash: labels {file, name} hashed as Prometheus does. */
export function groupHash(file: string, name: string): bigint {
  return xxhash64(
    stringLabelsBytes([
      { name: 'file', value: file },
      { name: 'name', value: name },
    ]),
  );
}

/**
 * Group.EvalTimestamp: the latest evaluation time at or before startMs, on the group's own grid
 * (multiples of the interval shifted by hash % interval, so groups spread over the interval).
 */
export function evalTimestamp(file: string, name: string, intervalMs: number, startMs: number): number {
  // Prometheus's offset is hash % interval in nanoseconds; samples carry milliseconds, so the
  // offset is taken to the millisecond below and the grid stays on whole milliseconds.
  const interval = BigInt(Math.round(intervalMs * 1e6));
  const offset = Number((groupHash(file, name) % interval) / 1_000_000n);
  const adj = startMs - offset;
  const rem = ((adj % intervalMs) + intervalMs) % intervalMs;
  return adj - rem + offset;
}

export class Group {
  readonly name: string;
  readonly file: string;
  readonly intervalMs: number;
  readonly queryOffsetMs: number;
  readonly limit: number;
  readonly rules: Rule[];
  /** Wall-clock start of the last evaluation, ms (null before the first). */
  lastEvaluation: number | null = null;
  /** The evaluation timestamp of the last evaluation (ms). */
  lastEvalTimestamp: number | null = null;
  evaluationTimeMs = 0;
  /** Set when the next evaluations should restore `for` state (after a restart). */
  shouldRestore = false;
  private seriesInPreviousEval: Map<string, Labels>[];
  private readonly now: () => number;

  constructor(private readonly opts: GroupOptions) {
    this.name = opts.name;
    this.file = opts.file;
    this.intervalMs = opts.intervalMs;
    this.queryOffsetMs = opts.queryOffsetMs ?? 0;
    this.limit = opts.limit ?? 0;
    this.rules = opts.rules;
    this.seriesInPreviousEval = opts.rules.map(() => new Map());
    this.now = opts.now ?? Date.now;
    this.shouldRestore = opts.restore ?? false;
    for (const r of this.alertingRules()) r.restored = !this.shouldRestore;
  }

  /** The group's identity in a manager: file and name. */
  get key(): string {
    return `${this.file};${this.name}`;
  }

  alertingRules(): AlertingRule[] {
    return this.rules.filter((r): r is AlertingRule => r instanceof AlertingRule);
  }

  /** evalTimestamp() for this group. */
  evalTimestamp(startMs: number): number {
    return evalTimestamp(this.file, this.name, this.intervalMs, startMs);
  }

  /** Evaluates every rule in order at ts (ms) and appends their outputs and stale markers. */
  async eval(ts: number): Promise<void> {
    const groupStart = this.now();
    const ruleOpts = {
      query: this.opts.query,
      queryOffsetMs: this.queryOffsetMs,
      limit: this.limit,
      externalURL: this.opts.externalURL ?? '',
      externalLabels: this.opts.externalLabels ?? {},
    };
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i]!;
      const start = this.now();
      try {
        await this.evalRule(i, rule, ts, ruleOpts);
      } finally {
        rule.lastEvaluation = start;
        rule.evaluationTimeMs = this.now() - start;
      }
    }
    this.lastEvaluation = groupStart;
    this.lastEvalTimestamp = ts;
    this.evaluationTimeMs = this.now() - groupStart;
  }

  private async evalRule(i: number, rule: Rule, ts: number, ruleOpts: Parameters<RuleBase['eval']>[1]): Promise<void> {
    let vector;
    try {
      vector = await rule.eval(ts, ruleOpts);
    } catch (e) {
      rule.health = 'err';
      rule.lastError = (e as Error).message ?? String(e);
      return;
    }
    rule.health = 'ok';
    rule.lastError = null;
    if (rule instanceof AlertingRule && this.opts.notify) {
      const due = rule.alertsToSend(ts, this.opts.resendDelayMs ?? 60_000, this.intervalMs, this.opts.externalURL ?? '');
      if (due.length > 0) this.opts.notify(due, rule);
    }
    const app = this.opts.appendable.appender();
    const returned = new Map<string, Labels>();
    for (const s of vector) {
      const rej = s.h && app.appendHistogram ? app.appendHistogram(s.metric, s.t, s.h) : app.append(s.metric, s.t, s.f);
      if (rej) {
        rule.health = 'err';
        rule.lastError = APPEND_ERRORS[rej];
      } else returned.set(labelsKey(s.metric), s.metric);
    }
    const staleT = ts - this.queryOffsetMs;
    for (const [key, lset] of this.seriesInPreviousEval[i]!) {
      // Series no longer produced: a stale marker (rejections are expected when another rule writes it).
      if (!returned.has(key)) app.append(lset, staleT, STALE_NAN);
    }
    try {
      await app.commit();
      this.seriesInPreviousEval[i] = returned;
    } catch (e) {
      rule.health = 'err';
      rule.lastError = (e as Error).message;
    }
  }

  /**
   * Stale markers for every series the group's rules produced last (Prometheus does this when a
   * group is removed or renamed, so its outputs end at once instead of after the lookback).
   */
  async markStale(ts: number): Promise<void> {
    const app = this.opts.appendable.appender();
    for (const m of this.seriesInPreviousEval) for (const lset of m.values()) app.append(lset, ts - this.queryOffsetMs, STALE_NAN);
    await app.commit();
    this.seriesInPreviousEval = this.rules.map(() => new Map());
  }

  /** Series each rule produced at its last evaluation (for carrying state over on reload). */
  previousSeries(): Map<string, Labels>[] {
    return this.seriesInPreviousEval;
  }

  /** Takes over another group's state (active alerts, previous series) for rules that did not change. */
  copyState(from: Group): void {
    const byKey = new Map<string, number>();
    from.rules.forEach((r, i) => byKey.set(ruleIdentity(r), i));
    this.lastEvaluation = from.lastEvaluation;
    this.evaluationTimeMs = from.evaluationTimeMs;
    this.lastEvalTimestamp = from.lastEvalTimestamp;
    this.rules.forEach((r, i) => {
      const j = byKey.get(ruleIdentity(r));
      if (j === undefined) return;
      byKey.delete(ruleIdentity(r));
      const old = from.rules[j]!;
      this.seriesInPreviousEval[i] = from.seriesInPreviousEval[j]!;
      r.health = old.health;
      r.lastError = old.lastError;
      r.lastEvaluation = old.lastEvaluation;
      r.evaluationTimeMs = old.evaluationTimeMs;
      if (r instanceof AlertingRule && old instanceof AlertingRule) {
        for (const [k, a] of old.active) r.active.set(k, a);
        r.restored = old.restored;
      }
    });
  }

  /**
   * Group.RestoreForState: for each active alert whose rule's `for` is at least the grace
   * period, the last ALERTS_FOR_STATE sample within the outage tolerance gives back its activeAt,
   * shifted by the downtime (or to fire no sooner than the grace period from ts).
   */
  restoreForState(ts: number): void {
    const tolerance = this.opts.outageToleranceMs ?? 3_600_000;
    const grace = this.opts.forGracePeriodMs ?? 600_000;
    const queryable = this.opts.queryable;
    try {
      for (const rule of this.alertingRules()) {
        const hold = rule.holdDurationMs;
        if (hold < grace || !queryable) {
          rule.restored = true;
          continue;
        }
        const sample = rule.forStateSample(null, ts, 0);
        const matchers = sample.metric.filter((l) => !l.value.includes('{{')).map((l) => new Matcher('=', l.name, l.value));
        const q = queryable.querier(ts - tolerance, ts);
        const byLabels = new Map<string, { t: number; v: number }>();
        for (const s of q.select(matchers)) {
          const { t, v } = s.samples();
          let last = -1;
          for (let k = 0; k < t.length; k++) if (t[k]! >= ts - tolerance && t[k]! <= ts) last = k;
          if (last < 0) continue;
          byLabels.set(labelsKey(s.labels.filter((l) => l.name !== METRIC_NAME)), { t: t[last]!, v: v[last]! });
        }
        if (byLabels.size > 0) {
          for (const a of rule.active.values()) {
            const found = byLabels.get(labelsKey(a.labels));
            if (!found || isStaleNaN(found.v)) continue;
            const downAt = Math.floor(found.t / 1000) * 1000;
            let restoredActiveAt = Math.trunc(found.v) * 1000;
            const timeSpentPending = downAt - restoredActiveAt;
            const timeRemainingPending = hold - timeSpentPending;
            if (timeRemainingPending <= 0) {
              // It was firing: the next evaluation fires it again if still active.
            } else if (timeRemainingPending < grace) {
              restoredActiveAt = ts + grace - hold;
            } else {
              restoredActiveAt += ts - downAt;
            }
            a.activeAt = restoredActiveAt;
          }
        }
        rule.restored = true;
      }
    } finally {
      this.shouldRestore = false;
    }
  }
}

function ruleIdentity(r: Rule): string {
  return `${r.type}\u0000${r.name}\u0000${r.expr}\u0000${labelsKey(r.labels)}`;
}

export interface GroupsFromDefsOptions extends Omit<GroupOptions, 'name' | 'file' | 'intervalMs' | 'queryOffsetMs' | 'limit' | 'rules'> {
  /** The global evaluation interval for groups without their own (Prometheus's default 1m). */
  defaultIntervalMs?: number;
  /** The global rule query offset (default 0). */
  defaultQueryOffsetMs?: number;
}

/** Groups for a file's parsed definitions (group labels merged under each rule's own). */
export function groupsFromDefs(file: string, defs: RuleGroupDef[], opts: GroupsFromDefsOptions): Group[] {
  return defs.map((g) => {
    const rules: Rule[] = g.rules.map((r) => {
      const labels = { ...g.labels, ...r.labels };
      if (r.alert !== undefined) return new AlertingRule(r.alert, r.expr, { forMs: r.for, keepFiringForMs: r.keepFiringFor, labels, annotations: r.annotations });
      return new RecordingRule(r.record!, r.expr, labels);
    });
    return new Group({
      ...opts,
      name: g.name,
      file,
      intervalMs: g.interval || opts.defaultIntervalMs || 60_000,
      queryOffsetMs: g.queryOffset ?? opts.defaultQueryOffsetMs ?? 0,
      limit: g.limit,
      rules,
    });
  });
}
