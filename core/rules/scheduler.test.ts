import { describe, expect, it } from 'vitest';
import { FakeClock } from '../alerting/clock.js';
import { formatLabels } from '../model/labels.js';
import { isStaleNaN } from '../model/value.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { AlertingRule } from './alerting.js';
import { evalTimestamp, Group } from './group.js';
import { RecordingRule } from './recording.js';
import { RuleScheduler } from './scheduler.js';

const S = 1000;

function makeGroup(storage: MemoryStorage, clock: FakeClock, name: string, opts: { restore?: boolean; rules?: (AlertingRule | RecordingRule)[] } = {}) {
  const rules = opts.rules ?? [new RecordingRule(`${name}_out`, 'vector(1)'), new AlertingRule('Always', 'vector(1)', { forMs: 0 })];
  return new Group({
    name,
    file: 'f.yaml',
    intervalMs: 10 * S,
    rules,
    query: (_e, t) => Promise.resolve([{ metric: [], t, f: 1 }]),
    appendable: storage,
    queryable: storage,
    now: () => clock.now(),
    restore: opts.restore,
  });
}

describe('RuleScheduler', () => {
  it('evaluates each group at its own slots, one interval apart, starting at the next slot', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 0, 0, 3));
    const storage = new MemoryStorage();
    const seen: [string, number][] = [];
    const sched = new RuleScheduler({ clock, onEvaluated: (g, ts) => seen.push([g.name, ts]) });
    const a = makeGroup(storage, clock, 'a');
    const b = makeGroup(storage, clock, 'b');
    await sched.update([a, b]);
    await clock.advance(35 * S);
    const slotA = evalTimestamp('f.yaml', 'a', 10 * S, Date.UTC(2026, 0, 1, 0, 0, 3)) + 10 * S;
    const slotB = evalTimestamp('f.yaml', 'b', 10 * S, Date.UTC(2026, 0, 1, 0, 0, 3)) + 10 * S;
    expect(seen.filter(([n]) => n === 'a').map(([, t]) => t)).toEqual([slotA, slotA + 10 * S, slotA + 20 * S].filter((t) => t <= clock.now()));
    expect(seen.filter(([n]) => n === 'b').map(([, t]) => t)).toEqual([slotB, slotB + 10 * S, slotB + 20 * S].filter((t) => t <= clock.now()));
    expect(a.lastEvalTimestamp).toBe(seen.filter(([n]) => n === 'a').at(-1)![1]);
    await sched.stop();
    expect(clock.pending).toBe(0);
  });

  it('skips slots missed by a slow evaluation', async () => {
    const clock = new FakeClock(0);
    const storage = new MemoryStorage();
    const seen: number[] = [];
    let slow = true;
    const g = new Group({
      name: 'slow',
      file: 'f',
      intervalMs: 10 * S,
      rules: [new RecordingRule('r', 'x')],
      query: async (_e, t) => {
        if (slow) {
          slow = false;
          await new Promise<void>((resolve) => clock.setTimer(resolve, 25 * S));
        }
        return [{ metric: [], t, f: 1 }];
      },
      appendable: storage,
    });
    const sched = new RuleScheduler({ clock, onEvaluated: (_g, ts) => seen.push(ts) });
    await sched.update([g]);
    const first = g.evalTimestamp(0) + 10 * S;
    await clock.advance(first + 50 * S);
    // The first evaluation ends 25 s late: the next is the latest slot already due (+20 s, as
    // Prometheus's ticker gives), the +10 s slot is skipped.
    expect(seen[0]).toBe(first);
    expect(seen[1]! - seen[0]!).toBe(20 * S);
    expect(seen.slice(1).every((t, i, xs) => i === 0 || t - xs[i - 1]! === 10 * S)).toBe(true);
    await sched.stop();
  });

  it('restores for state after the second evaluation and writes ALERTS only from then on', async () => {
    const clock = new FakeClock(0);
    const storage = new MemoryStorage();
    const g = makeGroup(storage, clock, 'r', { restore: true });
    const sched = new RuleScheduler({ clock });
    await sched.update([g]);
    const rule = g.rules[1] as AlertingRule;
    const first = g.evalTimestamp(0) + 10 * S;
    await clock.advance(first + 10 * S);
    expect(g.shouldRestore).toBe(false);
    expect(rule.restored).toBe(true);
    const alerts = [...storage.series.values()].filter((s) => formatLabels(s.labels).startsWith('ALERTS{'));
    expect(alerts.map((s) => s.t.length)).toEqual([]);
    await clock.advance(10 * S);
    const after = [...storage.series.values()].filter((s) => formatLabels(s.labels).startsWith('ALERTS{'));
    expect(after.map((s) => s.t)).toEqual([[first + 20 * S]]);
    await sched.stop();
  });

  it('carries state into a reloaded group and marks removed groups stale', async () => {
    const clock = new FakeClock(0);
    const storage = new MemoryStorage();
    const sched = new RuleScheduler({ clock });
    const a = makeGroup(storage, clock, 'a');
    const gone = makeGroup(storage, clock, 'gone');
    await sched.update([a, gone]);
    await clock.advance(25 * S);
    const active = (a.rules[1] as AlertingRule).activeAlerts()[0]!;
    const reloaded = makeGroup(storage, clock, 'a');
    await sched.update([reloaded]);
    expect(sched.groups()).toEqual([reloaded]);
    expect((reloaded.rules[1] as AlertingRule).activeAlerts()[0]).toBe(active);
    const out = [...storage.series.values()].find((s) => formatLabels(s.labels) === 'gone_out')!;
    expect(isStaleNaN(out.v.get(out.t.length - 1))).toBe(true);
    const kept = [...storage.series.values()].find((s) => formatLabels(s.labels) === 'a_out')!;
    expect(isStaleNaN(kept.v.get(kept.t.length - 1))).toBe(false);
    await sched.stop();
  });
});
