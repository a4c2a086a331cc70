// The notifier as one object (what Alertmanager is as a process): takes alerts as Prometheus
// posts them, keeps them, routes and groups them, and notifies receivers, with silences,
// inhibition, per-context mutes and do-not-disturb. The host gives it a clock, the desktop
// notice function and optionally extra receivers; everything else comes from the config.
import { AlertStore, type Alert, type PostableAlert, receiveAlert, statusAt } from './alert.js';
import { type Clock, realClock, type TimerHandle } from './clock.js';
import { type AlertingConfig, defaultAlertingConfig } from './config.js';
import { type DesktopNotice, desktopReceiver } from './desktop-receiver.js';
import { Dispatcher, type GroupSnapshot } from './dispatcher.js';
import { Inhibitor } from './inhibit.js';
import type { LabelSet } from './labels.js';
import { NotificationLog, type NotificationLogSnapshot } from './notification-log.js';
import { createPipeline, type MuteState, type PipelineEvents, suppression } from './pipeline.js';
import type { Receiver } from './receiver.js';
import { Route } from './route.js';
import { type Silence, silenceFromAlert, Silences, type SilenceSnapshot, type SilencesOptions } from './silences.js';
import { webhookReceiver } from './webhook-receiver.js';

export interface NotifierOptions {
  /** Default: the built-in config (desktop, grouped by alertname and context). */
  config?: AlertingConfig;
  clock?: Clock;
  /** Shows a desktop notice (Electron Notification, Web Notification); without it desktop_configs do nothing. */
  showDesktop?: (notice: DesktopNotice) => void | Promise<void>;
  /** For webhook_configs (default: global fetch). */
  fetch?: typeof fetch;
  /** Integrations added to receivers by name (in addition to those from the config). */
  extraReceivers?: Readonly<Record<string, readonly Receiver[]>>;
  /** The externalURL field of notifications (Alertmanager's --web.external-url). */
  externalURL?: string;
  /** The label that names an alert's context (for per-context mutes and desktop titles). */
  contextLabel?: string;
  silences?: SilencesOptions;
  events?: PipelineEvents;
  /** How often resolved alerts, expired silences and old log entries are dropped (default 15m). */
  maintenanceIntervalMs?: number;
  random?: () => number;
}

export type AlertState = 'active' | 'suppressed';

/** An alert as the Alerts page shows it (Alertmanager's GettableAlert). */
export interface AlertView {
  fingerprint: string;
  labels: LabelSet;
  annotations: LabelSet;
  startsAt: number;
  endsAt: number;
  updatedAt: number;
  generatorURL: string;
  status: 'firing' | 'resolved';
  state: AlertState;
  silencedBy: string[];
  inhibitedBy: string[];
  /** Why it is not notified: silenced, inhibited, do not disturb, context muted; null if it is. */
  suppressedBecause: string | null;
  /** The receivers of the routes it matches, in route order (as Alertmanager lists them). */
  receivers: string[];
}

export interface PutResult {
  accepted: number;
  errors: string[];
}

/** What survives a restart: silences, the notification log (so firing alerts are not re-sent) and mutes. */
export interface NotifierState {
  version: 1;
  silences: SilenceSnapshot[];
  notificationLog: NotificationLogSnapshot[];
  mutes: MuteSnapshot;
}

export interface MuteSnapshot {
  doNotDisturb: { on: boolean; until: number | null };
  contexts: { context: string; until: number | null }[];
}

/** Per-context mutes and do-not-disturb, each until a time or indefinitely (null). */
export class Mutes implements MuteState {
  private dnd: { until: number | null } | null = null;
  private readonly contexts = new Map<string, number | null>();

  setDoNotDisturb(on: boolean, until: number | null = null): void {
    this.dnd = on ? { until } : null;
  }

  muteContext(context: string, until: number | null = null): void {
    this.contexts.set(context, until);
  }

  unmuteContext(context: string): void {
    this.contexts.delete(context);
  }

  doNotDisturb(now: number): boolean {
    return this.dnd !== null && (this.dnd.until === null || now < this.dnd.until);
  }

  contextMuted(context: string, now: number): boolean {
    if (!this.contexts.has(context)) return false;
    const until = this.contexts.get(context)!;
    return until === null || now < until;
  }

  restore(s: MuteSnapshot): void {
    this.dnd = s.doNotDisturb.on ? { until: s.doNotDisturb.until } : null;
    this.contexts.clear();
    for (const c of s.contexts) this.contexts.set(c.context, c.until);
  }

  snapshot(now: number): MuteSnapshot {
    return {
      doNotDisturb: { on: this.doNotDisturb(now), until: this.dnd?.until ?? null },
      contexts: [...this.contexts]
        .filter(([c]) => this.contextMuted(c, now))
        .map(([context, until]) => ({ context, until }))
        .sort((a, b) => (a.context < b.context ? -1 : 1)),
    };
  }
}

export class Notifier {
  readonly silences: Silences;
  readonly mutes = new Mutes();
  private readonly clock: Clock;
  private readonly store = new AlertStore();
  private readonly nflog = new NotificationLog();
  private readonly contextLabel: string;
  private config!: AlertingConfig;
  private route!: Route;
  private inhibitor!: Inhibitor;
  private pipelineDeps!: Parameters<typeof createPipeline>[0];
  private dispatcher!: Dispatcher;
  private maintenance: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly opts: NotifierOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.contextLabel = opts.contextLabel ?? 'context';
    this.silences = new Silences(this.clock, opts.silences);
    this.reload(opts.config ?? defaultAlertingConfig());
    this.scheduleMaintenance();
  }

  /** Applies a new config: routes and groups start afresh, alerts, silences and the log are kept. */
  reload(config: AlertingConfig): void {
    this.dispatcher?.stop();
    this.config = config;
    this.route = new Route(config.route);
    this.inhibitor = new Inhibitor(
      config.inhibitRules,
      () => this.store.list(),
      () => this.store.version,
    );
    const receivers = new Map<string, Receiver[]>();
    for (const rc of config.receivers) {
      const list: Receiver[] = [];
      rc.webhookConfigs.forEach((w, index) => list.push(webhookReceiver(w, { fetch: this.opts.fetch, clock: this.clock, index })));
      rc.desktopConfigs.forEach((d, index) => {
        const show = this.opts.showDesktop;
        if (show) list.push(desktopReceiver(d, show, { index, contextLabel: this.contextLabel }));
      });
      list.push(...(this.opts.extraReceivers?.[rc.name] ?? []));
      receivers.set(rc.name, list);
    }
    this.pipelineDeps = {
      clock: this.clock,
      inhibitor: this.inhibitor,
      silences: this.silences,
      mutes: this.mutes,
      nflog: this.nflog,
      timeIntervals: config.timeIntervals,
      receivers,
      externalURL: this.opts.externalURL ?? '',
      contextLabel: this.contextLabel,
      events: this.opts.events,
      random: this.opts.random,
    };
    this.dispatcher = new Dispatcher(this.route, createPipeline(this.pipelineDeps), this.clock);
    for (const a of this.store.list()) this.dispatcher.insert(a);
  }

  get currentConfig(): AlertingConfig {
    return this.config;
  }

  /** Takes alerts as Prometheus sends them (POST /api/v2/alerts); invalid ones are reported. */
  put(alerts: readonly PostableAlert[]): PutResult {
    const now = this.clock.now();
    const errors: string[] = [];
    let accepted = 0;
    for (const p of alerts) {
      let alert: Alert;
      try {
        alert = receiveAlert(p, now, this.config.resolveTimeoutMs);
      } catch (err) {
        errors.push(`${JSON.stringify(p.labels ?? {})}: ${(err as Error).message}`);
        continue;
      }
      const stored = this.store.put(alert, now);
      if (!this.stopped) this.dispatcher.insert(stored);
      accepted++;
    }
    return { accepted, errors };
  }

  /** All known alerts with their notification state, firing first. */
  alerts(): AlertView[] {
    const now = this.clock.now();
    return this.store
      .list()
      .map((a): AlertView => {
        const inhibitor = this.inhibitor.inhibitedBy(a.labels, now);
        const silencedBy = this.silences.mutedBy(a.labels);
        const why = suppression(this.pipelineDeps, a.labels, now);
        return {
          fingerprint: a.fingerprint,
          labels: a.labels,
          annotations: a.annotations,
          startsAt: a.startsAt,
          endsAt: a.endsAt,
          updatedAt: a.updatedAt,
          generatorURL: a.generatorURL,
          status: statusAt(a, now),
          state: why === null ? 'active' : 'suppressed',
          silencedBy,
          inhibitedBy: inhibitor ? [inhibitor] : [],
          suppressedBecause: why,
          receivers: this.route.match(a.labels).map((r) => r.opts.receiver),
        };
      })
      .sort((x, y) => (x.status === y.status ? x.startsAt - y.startsAt : x.status === 'firing' ? -1 : 1));
  }

  /** The aggregation groups and their alerts. */
  groups(): GroupSnapshot[] {
    return this.dispatcher.snapshot();
  }

  /** Silences one alert (by fingerprint) with an equality matcher for each of its labels. */
  silenceAlert(fp: string, opts: { createdBy: string; comment: string; durationMs?: number; endsAt?: number }): Silence {
    const a = this.store.get(fp);
    if (!a) throw new Error(`no alert with fingerprint ${fp}`);
    return silenceFromAlert(this.silences, a.labels, opts);
  }

  setDoNotDisturb(on: boolean, until: number | null = null): void {
    this.mutes.setDoNotDisturb(on, until);
  }

  muteContext(context: string, until: number | null = null): void {
    this.mutes.muteContext(context, until);
  }

  unmuteContext(context: string): void {
    this.mutes.unmuteContext(context);
  }

  muteState(): MuteSnapshot {
    return this.mutes.snapshot(this.clock.now());
  }

  /** State to persist (JSON-safe); restore() reads it back, e.g. at start before the first put(). */
  snapshot(): NotifierState {
    const now = this.clock.now();
    return { version: 1, silences: this.silences.snapshot(), notificationLog: this.nflog.snapshot(), mutes: this.mutes.snapshot(now) };
  }

  restore(state: NotifierState): void {
    if (state.version !== 1) throw new Error(`unknown notifier state version ${String(state.version)}`);
    this.silences.restore(state.silences);
    this.nflog.restore(state.notificationLog);
    this.mutes.restore(state.mutes);
  }

  /** Drops resolved alerts (groups keep theirs until notified), old silences and log entries. */
  maintain(): void {
    const now = this.clock.now();
    this.store.gc(now);
    this.silences.gc();
    this.nflog.gc(now);
  }

  stop(): void {
    this.stopped = true;
    this.dispatcher.stop();
    this.maintenance?.cancel();
  }

  private scheduleMaintenance(): void {
    const every = this.opts.maintenanceIntervalMs ?? 15 * 60_000;
    this.maintenance = this.clock.setTimer(() => {
      if (this.stopped) return;
      this.maintain();
      this.scheduleMaintenance();
    }, every);
  }
}
