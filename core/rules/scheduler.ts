// Runs rule groups on a clock, as Prometheus's Group.run: the first evaluation at the group's
// next slot (evalTimestamp + interval), then one per interval, skipping missed slots; a group that
// should restore `for` state does so after its second evaluation. The only timers of core/rules.
import type { Clock, TimerHandle } from '../alerting/clock.js';
import type { Group } from './group.js';

export interface SchedulerOptions {
  clock: Clock;
  /** Called after each evaluation (for metrics, UI updates). */
  onEvaluated?: (group: Group, ts: number) => void;
  /** Called when an evaluation throws (rule errors are kept on the rules and do not throw). */
  onError?: (group: Group, err: unknown) => void;
}

interface Running {
  group: Group;
  timer: TimerHandle | null;
  next: number;
  evals: number;
  stopped: boolean;
  /** The evaluation in flight, if any. */
  busy: Promise<void> | null;
}

export class RuleScheduler {
  private readonly running = new Map<string, Running>();

  constructor(private readonly opts: SchedulerOptions) {}

  /** The groups being run, in the order they were given. */
  groups(): Group[] {
    return [...this.running.values()].map((r) => r.group);
  }

  /**
   * Replaces the running groups. A new group with the key (file, name) of a running one takes
   * over its state (active alerts, previous series) where rules are unchanged; groups that are
   * gone get stale markers for their outputs.
   */
  async update(groups: Group[]): Promise<void> {
    const old = new Map(this.running);
    this.running.clear();
    for (const g of groups) {
      const prev = old.get(g.key);
      if (prev) {
        await this.halt(prev);
        g.copyState(prev.group);
        old.delete(g.key);
      }
      this.start(g);
    }
    for (const r of old.values()) {
      await this.halt(r);
      await r.group.markStale(this.opts.clock.now()).catch((e: unknown) => this.opts.onError?.(r.group, e));
    }
  }

  /** Stops every group (no stale markers: the series end by staleness lookback, as on shutdown). */
  async stop(): Promise<void> {
    for (const r of this.running.values()) await this.halt(r);
    this.running.clear();
  }

  private async halt(r: Running): Promise<void> {
    r.stopped = true;
    r.timer?.cancel();
    r.timer = null;
    if (r.busy) await r.busy.catch(() => undefined);
  }

  private start(group: Group): void {
    const now = this.opts.clock.now();
    const r: Running = { group, timer: null, next: group.evalTimestamp(now) + group.intervalMs, evals: 0, stopped: false, busy: null };
    this.running.set(group.key, r);
    this.schedule(r);
  }

  private schedule(r: Running): void {
    if (r.stopped) return;
    r.timer = this.opts.clock.setTimer(() => {
      r.busy = this.tick(r);
      return r.busy;
    }, r.next - this.opts.clock.now());
  }

  private async tick(r: Running): Promise<void> {
    if (r.stopped) return;
    const interval = r.group.intervalMs;
    const now = this.opts.clock.now();
    // Slots missed while an evaluation (or the machine) was too slow are skipped.
    const missed = Math.max(0, Math.floor((now - r.next) / interval));
    const ts = r.next + missed * interval;
    try {
      await r.group.eval(ts);
      r.evals++;
      if (r.group.shouldRestore && r.evals >= 2) r.group.restoreForState(this.opts.clock.now());
      this.opts.onEvaluated?.(r.group, ts);
    } catch (e) {
      this.opts.onError?.(r.group, e);
    } finally {
      r.busy = null;
    }
    r.next = ts + interval;
    this.schedule(r);
  }
}
