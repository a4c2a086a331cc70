import { describe, expect, it } from 'vitest';
import { apiTime, gettableAlerts, gettableSilences, parsePostableSilence } from './api-v2.js';
import { FakeClock } from './clock.js';
import type { AlertView } from './notifier.js';
import { Silences } from './silences.js';

const T = Date.parse('2026-01-01T00:00:00Z');
const view = (fp: string, over: Partial<AlertView> = {}): AlertView => ({
  fingerprint: fp,
  labels: { alertname: fp },
  annotations: {},
  startsAt: T,
  endsAt: T + 60_000,
  updatedAt: T,
  generatorURL: '',
  status: 'firing',
  state: 'active',
  silencedBy: [],
  inhibitedBy: [],
  suppressedBecause: null,
  receivers: ['r'],
  ...over,
});

describe('gettableAlerts', () => {
  const views = [
    view('b', { state: 'suppressed', silencedBy: ['s1'] }),
    view('a', { generatorURL: 'http://g' }),
    view('c', { state: 'suppressed', inhibitedBy: ['a'] }),
    view('d', { status: 'resolved' }),
  ];

  it('lists unresolved alerts by fingerprint with millisecond times', () => {
    const out = gettableAlerts(views);
    expect(out.map((a) => a.fingerprint)).toEqual(['a', 'b', 'c']);
    expect(out[0]).toEqual({
      annotations: {},
      endsAt: '2026-01-01T00:01:00.000Z',
      fingerprint: 'a',
      receivers: [{ name: 'r' }],
      startsAt: '2026-01-01T00:00:00.000Z',
      status: { inhibitedBy: [], silencedBy: [], state: 'active' },
      updatedAt: '2026-01-01T00:00:00.000Z',
      generatorURL: 'http://g',
      labels: { alertname: 'a' },
    });
    expect('generatorURL' in out[1]!).toBe(false);
  });

  it.each([
    [{ silenced: false }, ['a', 'c']],
    [{ inhibited: false }, ['a', 'b']],
    [{ active: false }, ['b', 'c']],
  ])('filters %j → %j', (opts, want) => {
    expect(gettableAlerts(views, opts).map((a) => a.fingerprint)).toEqual(want);
  });
});

it('gettableSilences orders active by end, then pending by start, then expired newest first', async () => {
  const clock = new FakeClock(T);
  let n = 0;
  const s = new Silences(clock, { newId: () => `s${++n}` });
  const mk = (startsIn: number, lasts: number) => s.create({ matchers: ['a="1"'], startsAt: T + startsIn, durationMs: lasts, createdBy: 'me', comment: 'c' });
  mk(0, 60_000); // s1 active, ends first
  mk(0, 30_000); // s2 active, ends sooner
  mk(120_000, 60_000); // s3 pending
  mk(60_000, 60_000); // s4 pending, starts sooner
  s.expire(mk(0, 60_000).id); // s5 expired
  const out = gettableSilences(s.list());
  expect(out.map((x) => `${x.id}:${x.status.state}`)).toEqual(['s2:active', 's1:active', 's4:pending', 's3:pending', 's5:expired']);
  expect(out[0]!.matchers).toEqual([{ isEqual: true, isRegex: false, name: 'a', value: '1' }]);
  expect(out[0]!.endsAt).toBe(apiTime(T + 30_000));
});

describe('parsePostableSilence', () => {
  it('reads the API body', () => {
    const { id, input } = parsePostableSilence({
      matchers: [{ name: 'a', value: 'b.*', isRegex: true, isEqual: false }],
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2026-01-01T01:00:00Z',
      createdBy: 'me',
      comment: 'c',
    });
    expect(id).toBeUndefined();
    expect(input).toMatchObject({ startsAt: T, endsAt: T + 3600_000, createdBy: 'me', comment: 'c' });
    expect(input.matchers).toEqual([{ name: 'a', value: 'b.*', isRegex: true, isEqual: false }]);
  });

  it.each([
    [null, 'JSON object'],
    [{ matchers: 'x' }, 'matchers must be a list'],
    [{ matchers: [{ name: 'a' }] }, 'needs name, value and isRegex'],
    [{ matchers: [], startsAt: 'soon' }, 'startsAt must be an RFC 3339 time'],
  ])('%j → %s', (body, message) => {
    expect(() => parsePostableSilence(body)).toThrow(message);
  });
});
