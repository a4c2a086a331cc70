// Time for the notification pipeline: every timer (group_wait, group_interval, retries, timeouts)
// goes through a Clock, so tests drive it with FakeClock instead of sleeping.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs fn after ms (0 allowed). */
  setTimer(fn: () => void | Promise<void>, ms: number): TimerHandle;
}

// setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days); longer ones are chained.
const MAX_DELAY = 2 ** 31 - 1;

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const due = Date.now() + Math.max(0, ms);
    let t: ReturnType<typeof setTimeout>;
    const arm = () => {
      const left = due - Date.now();
      t = setTimeout(() => (left > MAX_DELAY ? arm() : void fn()), Math.min(Math.max(0, left), MAX_DELAY));
      t.unref?.();
    };
    arm();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A promise that settles after ms on the clock, or rejects when signal aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      timer.cancel();
      reject(signal!.reason as Error);
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An AbortSignal that aborts after ms on the clock (and when parent aborts). */
export function timeoutSignal(clock: Clock, ms: number, reason: string, parent?: AbortSignal): { signal: AbortSignal; cancel(): void } {
  const ctl = new AbortController();
  const timer = clock.setTimer(() => ctl.abort(new Error(reason)), ms);
  const onParent = () => ctl.abort(parent!.reason);
  if (parent?.aborted) ctl.abort(parent.reason);
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: ctl.signal,
    cancel: () => {
      timer.cancel();
      parent?.removeEventListener('abort', onParent);
    },
  };
}

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void | Promise<void>;
  cancelled: boolean;
}

/** Lets microtasks and promise chains started by timers run to completion. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * A manual clock: time moves only in advance(), which fires due timers in order and lets the
 * promise chains they start settle (not real I/O) before moving on.
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(start: number | string = Date.UTC(2026, 0, 1)) {
    this.t = typeof start === 'string' ? Date.parse(start) : start;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void | Promise<void>, ms: number): TimerHandle {
    const timer: FakeTimer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Pending timers (for assertions). */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by ms, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers.splice(this.timers.indexOf(due), 1);
      this.t = Math.max(this.t, due.at);
      // Not awaited: a callback may itself wait on this clock (a retry's backoff).
      void due.fn();
      await settle();
    }
    this.t = end;
  }
}
