import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { silenceFromAlert, Silences, silenceState } from './silences.js';

const H = 3600_000;

function setup() {
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  let n = 0;
  const changes: number[] = [];
  const silences = new Silences(clock, { newId: () => `s${++n}`, onChange: () => changes.push(clock.now()) });
  return { clock, silences, changes, t0: clock.now() };
}

describe('creating', () => {
  it.each([
    [{ matchers: [] }, 'at least one matcher required'],
    [{ matchers: ['a=~".*"', 'b=""'] }, 'at least one matcher must not match the empty string'],
    [{ matchers: ['a="b"'], durationMs: undefined }, 'invalid zero end timestamp'],
    [{ matchers: ['a="b"'], durationMs: 0 }, 'start time must be before end time'],
    [{ matchers: ['a="b"'], startsAt: -2 * H, durationMs: H }, "end time can't be in the past"],
    [{ matchers: ['a="b"'], durationMs: H, createdBy: ' ' }, 'createdBy is required'],
    [{ matchers: ['a="b"'], durationMs: H, comment: '' }, 'comment is required'],
    [{ matchers: ['a=~"("'], durationMs: H }, 'invalid regular expression'],
  ])('%j → %s', (input, message) => {
    const { silences, t0 } = setup();
    const startsAt = 'startsAt' in input && input.startsAt !== undefined ? t0 + input.startsAt : undefined;
    expect(() => silences.create({ createdBy: 'me', comment: 'why', ...input, startsAt })).toThrow(message);
  });

  it('accepts matcher strings, matcher objects in the API form, and moves a past start to now', () => {
    const { silences, t0 } = setup();
    const s = silences.create({
      matchers: ['{a="b", c=~"d.*"}', { name: 'e', value: 'f', isRegex: false, isEqual: false }],
      startsAt: t0 - H,
      endsAt: t0 + H,
      createdBy: 'me',
      comment: 'maintenance',
    });
    expect(s).toMatchObject({ id: 's1', startsAt: t0, endsAt: t0 + H, createdBy: 'me', comment: 'maintenance' });
    expect(s.matchers.map(String)).toEqual(['a="b"', 'c=~"d.*"', 'e!="f"']);
  });
});

describe('lifecycle', () => {
  it('is pending, active, then expired; mutes only while active', async () => {
    const { clock, silences, t0 } = setup();
    const s = silences.create({ matchers: ['alertname="A"'], startsAt: t0 + H, endsAt: t0 + 2 * H, createdBy: 'me', comment: 'c' });
    const labels = { alertname: 'A', pod: 'p' };
    expect(silences.list().map((x) => x.state)).toEqual(['pending']);
    expect(silences.mutedBy(labels)).toEqual([]);
    await clock.advance(H);
    expect(silenceState(s, clock.now())).toBe('active');
    expect(silences.mutedBy(labels)).toEqual(['s1']);
    expect(silences.mutedBy({ alertname: 'B' })).toEqual([]);
    await clock.advance(H);
    expect(silences.list(['expired'])).toHaveLength(1);
    expect(silences.mutedBy(labels)).toEqual([]);
  });

  it('expire ends an active silence now and keeps a pending one from starting', async () => {
    const { clock, silences, t0 } = setup();
    const active = silences.create({ matchers: ['a="1"'], durationMs: H, createdBy: 'me', comment: 'c' });
    const pending = silences.create({ matchers: ['a="2"'], startsAt: t0 + H, durationMs: H, createdBy: 'me', comment: 'c' });
    await clock.advance(60_000);
    expect(silences.expire(active.id)).toMatchObject({ startsAt: t0, endsAt: t0 + 60_000 });
    expect(silences.expire(pending.id)).toMatchObject({ startsAt: t0 + 60_000, endsAt: t0 + 60_000 });
    expect(silences.list(['active', 'pending'])).toEqual([]);
    expect(() => silences.expire(active.id)).toThrow('already expired');
    expect(() => silences.expire('nope')).toThrow('not found');
  });

  it('drops expired silences after the retention, and survives a snapshot round trip', async () => {
    const { clock, silences, changes } = setup();
    silences.create({ matchers: ['a=~"x|y"'], durationMs: H, createdBy: 'me', comment: 'c' });
    const copy = new Silences(clock);
    copy.restore(JSON.parse(JSON.stringify(silences.snapshot())));
    expect(copy.mutedBy({ a: 'y' })).toEqual(['s1']);
    await clock.advance(H + 120 * H - 1);
    expect(silences.gc()).toBe(0);
    await clock.advance(1);
    expect(silences.gc()).toBe(1);
    expect(changes).toHaveLength(2);
  });
});

describe('update', () => {
  it.each([
    ['an active silence extended: in place', 0, { endsAt: 3 }, true],
    ['an active silence with a new comment: in place', 0, { comment: 'new' }, true],
    ['an active silence moved to start later: replaced', 0, { startsAt: 1 }, false],
    ['an active silence with other matchers: replaced', 0, { matchers: ['a="2"'] }, false],
    ['a pending silence moved: in place', 1, { startsAt: 1.5, endsAt: 3 }, true],
  ])('%s', async (_, startsIn, change, inPlace) => {
    const { clock, silences, t0 } = setup();
    const old = silences.create({ matchers: ['a="1"'], startsAt: t0 + startsIn * H, endsAt: t0 + 2 * H, createdBy: 'me', comment: 'c' });
    await clock.advance(H / 2);
    const input = {
      matchers: ['a="1"'],
      startsAt: old.startsAt,
      endsAt: old.endsAt,
      createdBy: 'me',
      comment: 'c',
      ...change,
      ...('startsAt' in change ? { startsAt: t0 + change.startsAt! * H } : {}),
      ...('endsAt' in change ? { endsAt: t0 + change.endsAt! * H } : {}),
    };
    const next = silences.update(old.id, input);
    expect(next.id === old.id).toBe(inPlace);
    if (!inPlace) expect(silenceState(silences.get(old.id)!, clock.now())).toBe('expired');
    expect(silences.list(['active', 'pending'])).toHaveLength(1);
  });
});

it('silenceFromAlert matches exactly that alert, for two hours by default', () => {
  const { silences, t0 } = setup();
  const s = silenceFromAlert(silences, { alertname: 'KubePodCrashLooping', pod: 'api-1', context: 'prod' }, { createdBy: 'me', comment: 'looking' });
  expect(s.matchers.map(String).sort()).toEqual(['alertname="KubePodCrashLooping"', 'context="prod"', 'pod="api-1"']);
  expect(s.endsAt - t0).toBe(2 * 3600_000);
  expect(silences.mutedBy({ alertname: 'KubePodCrashLooping', pod: 'api-1', context: 'prod' })).toEqual([s.id]);
  expect(silences.mutedBy({ alertname: 'KubePodCrashLooping', pod: 'api-2', context: 'prod' })).toEqual([]);
  const byName = silenceFromAlert(silences, { alertname: 'X', pod: 'p' }, { createdBy: 'me', comment: 'c', only: ['alertname'], durationMs: 60_000 });
  expect(byName.matchers.map(String)).toEqual(['alertname="X"']);
});
