import { describe, expect, it } from 'vitest';
import { type LogEntry, needsUpdate, NotificationLog } from './notification-log.js';

const NOW = 10_000_000;
const REPEAT = 3600_000;
const entry = (firing: string[], resolved: string[], age = 60_000): LogEntry => ({ firing: new Set(firing), resolved: new Set(resolved), timestamp: NOW - age, expiresAt: NOW + REPEAT });

describe('needsUpdate (DedupStage)', () => {
  it.each([
    ['nothing logged, something firing', undefined, ['a'], [], true, true],
    ['nothing logged, only resolved', undefined, [], ['a'], true, false],
    ['a new firing alert', entry(['a'], []), ['a', 'b'], [], true, true],
    ['same firing set', entry(['a', 'b'], []), ['a', 'b'], [], true, false],
    ['firing set shrank, no send_resolved', entry(['a', 'b'], []), ['a'], ['b'], false, false],
    ['firing set shrank, send_resolved', entry(['a', 'b'], []), ['a'], ['b'], true, true],
    ['newly resolved already logged', entry(['a'], ['b']), ['a'], ['b'], true, false],
    ['all resolved after firing was sent', entry(['a'], []), [], ['a'], false, true],
    ['all resolved and that was sent', entry([], ['a']), [], ['a'], true, false],
    ['repeat interval passed', entry(['a'], [], REPEAT + 1), ['a'], [], true, true],
    ['exactly the repeat interval', entry(['a'], [], REPEAT), ['a'], [], true, false],
  ])('%s → %s', (_, e, firing, resolved, sendResolved, want) => {
    expect(needsUpdate(e, new Set(firing), new Set(resolved), sendResolved, REPEAT, NOW)).toBe(want);
  });
});

it('log entries are per receiver and group, and expire', () => {
  const log = new NotificationLog();
  log.log('r/webhook[0]', 'g', ['a'], [], NOW, 2 * REPEAT);
  expect(log.query('r/webhook[0]', 'g', NOW)?.firing).toEqual(new Set(['a']));
  expect(log.query('r/desktop[0]', 'g', NOW)).toBeUndefined();
  expect(log.query('r/webhook[0]', 'g', NOW + 2 * REPEAT)).toBeUndefined();
  expect(log.gc(NOW + 2 * REPEAT)).toBe(1);
  expect(log.size).toBe(0);
});
