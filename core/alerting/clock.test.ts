import { describe, expect, it } from 'vitest';
import { FakeClock, realClock, sleep, timeoutSignal } from './clock.js';

describe('FakeClock', () => {
  it('fires due timers in order, at their time, and not cancelled ones', async () => {
    const clock = new FakeClock(0);
    const fired: [string, number][] = [];
    clock.setTimer(() => void fired.push(['b', clock.now()]), 20);
    clock.setTimer(() => void fired.push(['a', clock.now()]), 10);
    const c = clock.setTimer(() => void fired.push(['c', clock.now()]), 15);
    clock.setTimer(() => void clock.setTimer(() => void fired.push(['nested', clock.now()]), 5), 12);
    c.cancel();
    await clock.advance(19);
    expect(fired).toEqual([
      ['a', 10],
      ['nested', 17],
    ]);
    expect(clock.now()).toBe(19);
    await clock.advance(1);
    expect(fired.at(-1)).toEqual(['b', 20]);
    expect(clock.pending).toBe(0);
  });

  it('sleep and timeoutSignal run on it', async () => {
    const clock = new FakeClock(0);
    let woke = false;
    void sleep(clock, 100).then(() => (woke = true));
    const t = timeoutSignal(clock, 50, 'too slow');
    await clock.advance(50);
    expect(t.signal.aborted).toBe(true);
    expect((t.signal.reason as Error).message).toBe('too slow');
    expect(woke).toBe(false);
    await clock.advance(50);
    expect(woke).toBe(true);
  });

  it('sleep rejects when its signal aborts', async () => {
    const clock = new FakeClock(0);
    const ctl = new AbortController();
    const p = sleep(clock, 1000, ctl.signal);
    ctl.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});

it('realClock chains timers longer than setTimeout allows instead of firing at once', async () => {
  let fired = false;
  const t = realClock.setTimer(() => void (fired = true), 40 * 24 * 3600_000);
  await new Promise((r) => setTimeout(r, 20));
  expect(fired).toBe(false);
  t.cancel();
});
