// Alerts as Prometheus posts them to Alertmanager, and as Alertmanager keeps them: timestamps in
// epoch milliseconds, endsAt always set once received (now + resolve_timeout when the sender gave
// none), and the merge rule for a re-sent alert with the same label set (types.Alert.Merge).
import { fingerprint, type LabelSet } from './labels.js';

/** An alert as a sender posts it (Alertmanager's PostableAlert); times as RFC 3339, Date or ms. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string | number | Date;
  endsAt?: string | number | Date;
  generatorURL?: string;
}

export interface Alert {
  readonly labels: LabelSet;
  readonly annotations: LabelSet;
  readonly startsAt: number;
  /** Always set after ingestion; with `timeout` it was not given and resolve_timeout applies. */
  readonly endsAt: number;
  readonly generatorURL: string;
  readonly updatedAt: number;
  readonly timeout: boolean;
  readonly fingerprint: string;
}

export type AlertStatus = 'firing' | 'resolved';

/** Go's zero time.Time, as JSON prints it. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';
const ZERO_MS = -62135596800000;

/** A time in ms, or null when absent or Go's zero time. */
export function parseTime(t: string | number | Date | undefined): number | null {
  if (t === undefined || t === '') return null;
  const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Date.parse(t);
  if (Number.isNaN(ms)) throw new Error(`invalid time ${JSON.stringify(t)}: want RFC 3339`);
  return ms <= ZERO_MS ? null : ms;
}

/** time.Time's JSON form (RFC 3339 with trailing zeros of the fraction dropped), UTC. */
export function formatTime(ms: number | null): string {
  if (ms === null) return ZERO_TIME;
  return new Date(ms)
    .toISOString()
    .replace(/\.000Z$/, 'Z')
    .replace(/(\.\d*?)0+Z$/, '$1Z');
}

export function isResolvedAt(a: Pick<Alert, 'endsAt'>, now: number): boolean {
  return a.endsAt <= now;
}

export function statusAt(a: Pick<Alert, 'endsAt'>, now: number): AlertStatus {
  return isResolvedAt(a, now) ? 'resolved' : 'firing';
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * What Alertmanager's API does to a posted alert: empty labels dropped, startsAt defaulted to
 * now (or endsAt), endsAt to now + resolveTimeout (marked as timeout), then validated.
 */
export function receiveAlert(p: PostableAlert, now: number, resolveTimeoutMs: number): Alert {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.labels ?? {})) if (v !== '') labels[k] = v;
  if (Object.keys(labels).length === 0) throw new Error('at least one label pair required');
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_NAME.test(k)) throw new Error(`invalid label set: invalid name "${k}"`);
    if (typeof v !== 'string') throw new Error(`invalid label set: invalid value for "${k}"`);
  }
  let startsAt = parseTime(p.startsAt);
  const givenEnd = parseTime(p.endsAt);
  if (startsAt === null) startsAt = givenEnd ?? now;
  const endsAt = givenEnd ?? now + resolveTimeoutMs;
  if (endsAt < startsAt) throw new Error('start time must be before end time');
  return {
    labels,
    annotations: { ...(p.annotations ?? {}) },
    startsAt,
    endsAt,
    generatorURL: p.generatorURL ?? '',
    updatedAt: now,
    timeout: givenEnd === null,
    fingerprint: fingerprint(labels),
  };
}

/** types.Alert.Merge: the younger alert wins, keeping the earliest start and the right end. */
export function mergeAlerts(a: Alert, o: Alert, now: number): Alert {
  if (o.updatedAt < a.updatedAt) return mergeAlerts(o, a, now);
  let { startsAt, endsAt } = o;
  if (a.startsAt < o.startsAt) startsAt = a.startsAt;
  if (isResolvedAt(o, now)) {
    if (isResolvedAt(a, now) && a.endsAt > o.endsAt) endsAt = a.endsAt;
  } else if (a.endsAt > o.endsAt && !a.timeout) endsAt = a.endsAt;
  return { ...o, startsAt, endsAt };
}

/** The alerts Alertmanager holds (provider/mem): one per label set, re-sent ones merged. */
export class AlertStore {
  private readonly alerts = new Map<string, Alert>();
  /** Bumped on every change, so derived data (inhibition sources) can be cached. */
  version = 0;

  /** Stores the alert (merged with the one it continues, if any) and returns what was stored. */
  put(alert: Alert, now: number): Alert {
    const old = this.alerts.get(alert.fingerprint);
    let stored = alert;
    if (
      old &&
      ((alert.endsAt > old.startsAt && alert.endsAt < old.endsAt) || (alert.startsAt > old.startsAt && alert.startsAt < old.endsAt))
    ) {
      stored = mergeAlerts(old, alert, now);
    }
    this.alerts.set(alert.fingerprint, stored);
    this.version++;
    return stored;
  }

  get(fp: string): Alert | undefined {
    return this.alerts.get(fp);
  }

  list(): Alert[] {
    return [...this.alerts.values()];
  }

  /** Drops resolved alerts (Alertmanager's periodic GC); returns how many. */
  gc(now: number): number {
    let n = 0;
    for (const [fp, a] of this.alerts) {
      if (isResolvedAt(a, now)) {
        this.alerts.delete(fp);
        n++;
      }
    }
    if (n > 0) this.version++;
    return n;
  }
}
