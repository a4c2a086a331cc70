// Aggregation groups and their timers (dispatch/dispatch.go): every alert goes to each route it
// matches, into the group for that route and its group_by labels. A new group flushes after
// group_wait (at once if its alert started longer than group_wait ago), then every group_interval;
// a flush sends the group's alerts through the notification stage and, when that succeeded,
// drops the alerts that were resolved (unless they were updated meanwhile). An empty group ends.
import { type Alert, isResolvedAt } from './alert.js';
import { type Clock, type TimerHandle, timeoutSignal } from './clock.js';
import { compareAlertLabels, fingerprint, labelSetString, type LabelSet } from './labels.js';
import type { NotificationAlert } from './payload.js';
import type { Route } from './route.js';

/** What the notification stage knows about a flush (Alertmanager passes it in the context). */
export interface FlushContext {
  readonly now: number;
  readonly groupKey: string;
  readonly groupLabels: LabelSet;
  readonly receiver: string;
  readonly repeatInterval: number;
  readonly muteTimeIntervals: readonly string[];
  readonly activeTimeIntervals: readonly string[];
  /** Aborts when the next flush is due (group_interval). */
  readonly signal: AbortSignal;
}

/** Returns whether notifying succeeded (then resolved alerts leave the group). */
export type NotifyStage = (ctx: FlushContext, alerts: NotificationAlert[]) => Promise<boolean>;

export interface GroupSnapshot {
  groupKey: string;
  receiver: string;
  labels: LabelSet;
  alerts: Alert[];
}

class AggregationGroup {
  readonly key: string;
  private readonly alerts = new Map<string, Alert>();
  private timer: TimerHandle | null = null;
  private hasFlushed = false;
  private busy = false;
  private missedTick = false;
  private stopped = false;

  constructor(
    readonly labels: LabelSet,
    readonly route: Route,
    private readonly clock: Clock,
    private readonly stage: NotifyStage,
    private readonly onEmpty: (g: AggregationGroup) => void,
  ) {
    this.key = `${route.key}:${labelSetString(labels)}`;
    this.resetTimer(route.opts.groupWait);
  }

  insert(alert: Alert): void {
    this.alerts.set(alert.fingerprint, alert);
    // An alert older than group_wait need not wait for it (only before the first flush).
    if (!this.hasFlushed && alert.startsAt + this.route.opts.groupWait < this.clock.now()) this.resetTimer(0);
  }

  list(): Alert[] {
    return [...this.alerts.values()];
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private resetTimer(ms: number): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimer(() => this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.busy) {
      this.missedTick = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.missedTick = false;
        const opts = this.route.opts;
        const t = timeoutSignal(this.clock, opts.groupInterval, 'notification timed out: the next flush is due');
        const ctx: FlushContext = {
          now: this.clock.now(),
          groupKey: this.key,
          groupLabels: this.labels,
          receiver: opts.receiver,
          repeatInterval: opts.repeatInterval,
          muteTimeIntervals: opts.muteTimeIntervals,
          activeTimeIntervals: opts.activeTimeIntervals,
          signal: t.signal,
        };
        this.resetTimer(opts.groupInterval);
        this.hasFlushed = true;
        try {
          await this.flush(ctx);
        } finally {
          t.cancel();
        }
      } while (this.missedTick && !this.stopped);
    } finally {
      this.busy = false;
    }
  }

  private async flush(ctx: FlushContext): Promise<void> {
    if (this.alerts.size === 0) return;
    const sent = this.list()
      .map((a) => ({ alert: a, resolved: isResolvedAt(a, ctx.now) }))
      .sort((a, b) => compareAlertLabels(a.alert.labels, b.alert.labels));
    const payload: NotificationAlert[] = sent.map(({ alert: a, resolved }) => ({
      status: resolved ? 'resolved' : 'firing',
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: resolved ? a.endsAt : null,
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    }));
    let ok = false;
    try {
      ok = await this.stage(ctx, payload);
    } catch {
      ok = false;
    }
    if (!ok || this.stopped) return;
    for (const { alert, resolved } of sent) {
      if (resolved && this.alerts.get(alert.fingerprint)?.updatedAt === alert.updatedAt) this.alerts.delete(alert.fingerprint);
    }
    if (this.alerts.size === 0) {
      this.stop();
      this.onEmpty(this);
    }
  }
}

export class Dispatcher {
  /** Per route, groups by their group-label fingerprint. */
  private readonly groups = new Map<Route, Map<string, AggregationGroup>>();
  private stopped = false;

  constructor(
    readonly route: Route,
    private readonly stage: NotifyStage,
    private readonly clock: Clock,
  ) {}

  /** Routes and groups an alert (as stored, i.e. merged with earlier versions). */
  insert(alert: Alert): void {
    if (this.stopped) return;
    for (const r of this.route.match(alert.labels)) {
      const labels = r.groupLabels(alert.labels);
      const fp = fingerprint(labels);
      let byFp = this.groups.get(r);
      if (!byFp) this.groups.set(r, (byFp = new Map()));
      let g = byFp.get(fp);
      if (!g) {
        const groups = byFp;
        g = new AggregationGroup(labels, r, this.clock, this.stage, (done) => {
          if (groups.get(fp) === done) groups.delete(fp);
        });
        byFp.set(fp, g);
      }
      g.insert(alert);
    }
  }

  /** The current groups and their alerts. */
  snapshot(): GroupSnapshot[] {
    const out: GroupSnapshot[] = [];
    for (const byFp of this.groups.values()) {
      for (const g of byFp.values()) out.push({ groupKey: g.key, receiver: g.route.opts.receiver, labels: g.labels, alerts: g.list() });
    }
    return out.sort((a, b) => (a.groupKey < b.groupKey ? -1 : a.groupKey > b.groupKey ? 1 : a.receiver < b.receiver ? -1 : 1));
  }

  stop(): void {
    this.stopped = true;
    for (const byFp of this.groups.values()) for (const g of byFp.values()) g.stop();
    this.groups.clear();
  }
}
