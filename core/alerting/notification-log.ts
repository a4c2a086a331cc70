// The notification log (nflog) and the dedup decision built on it: per receiver integration and
// group key, which alerts were last notified firing and resolved, and when. A flush notifies only
// when the firing set gained an alert, everything resolved after something was notified firing,
// a newly resolved alert is to be sent, or the repeat interval has passed.

export interface LogEntry {
  readonly firing: ReadonlySet<string>;
  readonly resolved: ReadonlySet<string>;
  readonly timestamp: number;
  readonly expiresAt: number;
}

const subset = (set: ReadonlySet<string>, sub: ReadonlySet<string>) => [...sub].every((k) => set.has(k));

/** DedupStage.needsUpdate. */
export function needsUpdate(
  entry: LogEntry | undefined,
  firing: ReadonlySet<string>,
  resolved: ReadonlySet<string>,
  sendResolved: boolean,
  repeatIntervalMs: number,
  now: number,
): boolean {
  if (!entry) return firing.size > 0;
  if (!subset(entry.firing, firing)) return true;
  if (firing.size === 0) return entry.firing.size > 0;
  if (sendResolved && !subset(entry.resolved, resolved)) return true;
  return entry.timestamp < now - repeatIntervalMs;
}

export class NotificationLog {
  private readonly entries = new Map<string, LogEntry>();

  private static key(receiver: string, groupKey: string): string {
    return `${receiver}\u0000${groupKey}`;
  }

  query(receiver: string, groupKey: string, now: number): LogEntry | undefined {
    const e = this.entries.get(NotificationLog.key(receiver, groupKey));
    return e && e.expiresAt > now ? e : undefined;
  }

  log(receiver: string, groupKey: string, firing: Iterable<string>, resolved: Iterable<string>, now: number, expiryMs: number): void {
    this.entries.set(NotificationLog.key(receiver, groupKey), { firing: new Set(firing), resolved: new Set(resolved), timestamp: now, expiresAt: now + expiryMs });
  }

  gc(now: number): number {
    let n = 0;
    for (const [k, e] of this.entries) {
      if (e.expiresAt <= now) {
        this.entries.delete(k);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Plain data for persisting (Alertmanager keeps its nflog on disk across restarts). */
  snapshot(): NotificationLogSnapshot[] {
    return [...this.entries].map(([k, e]) => {
      const [receiver, groupKey] = k.split('\u0000') as [string, string];
      return { receiver, groupKey, firing: [...e.firing], resolved: [...e.resolved], timestamp: e.timestamp, expiresAt: e.expiresAt };
    });
  }

  restore(data: readonly NotificationLogSnapshot[]): void {
    for (const d of data) {
      this.entries.set(NotificationLog.key(d.receiver, d.groupKey), { firing: new Set(d.firing), resolved: new Set(d.resolved), timestamp: d.timestamp, expiresAt: d.expiresAt });
    }
  }
}

export interface NotificationLogSnapshot {
  receiver: string;
  groupKey: string;
  firing: string[];
  resolved: string[];
  timestamp: number;
  expiresAt: number;
}
