import { describe, expect, it } from 'vitest';
import { type Alert, receiveAlert } from './alert.js';
import { Inhibitor } from './inhibit.js';
import { parseMatchers } from './matchers.js';

const NOW = Date.UTC(2026, 0, 1);
const alert = (labels: Record<string, string>, resolved = false): Alert =>
  receiveAlert({ labels, startsAt: new Date(NOW - 60_000), endsAt: new Date(resolved ? NOW - 1 : NOW + 60_000) }, NOW, 300_000);

const rule = { sourceMatchers: parseMatchers('severity="critical"'), targetMatchers: parseMatchers('severity=~"warning|critical"'), equal: ['context'] };

describe('Inhibitor', () => {
  it.each([
    ['a firing source with equal labels inhibits', [{ severity: 'critical', context: 'prod', alertname: 'S' }], { severity: 'warning', context: 'prod' }, true],
    ['equal labels must match', [{ severity: 'critical', context: 'dev', alertname: 'S' }], { severity: 'warning', context: 'prod' }, false],
    ['missing on both sides counts as equal', [{ severity: 'critical', alertname: 'S' }], { severity: 'warning' }, true],
    ['a resolved source does not inhibit', [{ severity: 'critical', context: 'prod', alertname: 'S', resolved: 'y' }], { severity: 'warning', context: 'prod' }, false],
    ['targets must match the target matchers', [{ severity: 'critical', context: 'prod', alertname: 'S' }], { severity: 'info', context: 'prod' }, false],
    ['an alert matching both sides does not inhibit itself', [{ severity: 'critical', context: 'prod', alertname: 'S' }], { severity: 'critical', context: 'prod', alertname: 'S' }, false],
    ['nor another alert that matches both sides', [{ severity: 'critical', context: 'prod', alertname: 'S' }], { severity: 'critical', context: 'prod', alertname: 'T' }, false],
  ])('%s', (_, sources, target, want) => {
    const alerts = sources.map((s: Record<string, string>) => {
      const { resolved, ...l } = s;
      return alert(l, resolved === 'y');
    });
    const inhibitor = new Inhibitor([rule], () => alerts);
    expect(inhibitor.inhibitedBy(target, NOW) !== undefined).toBe(want);
    if (want) expect(inhibitor.inhibitedBy(target, NOW)).toBe(alerts[0]!.fingerprint);
  });
});

it('reuses the source lists until the alerts change', () => {
  const alerts = [alert({ severity: 'critical', context: 'prod', alertname: 'S' })];
  let version = 1;
  let listed = 0;
  const inhibitor = new Inhibitor(
    [rule],
    () => {
      listed++;
      return alerts;
    },
    () => version,
  );
  for (let i = 0; i < 100; i++) expect(inhibitor.inhibitedBy({ severity: 'warning', context: 'prod' }, NOW)).toBeDefined();
  expect(listed).toBe(1);
  alerts.length = 0;
  version++;
  expect(inhibitor.inhibitedBy({ severity: 'warning', context: 'prod' }, NOW)).toBeUndefined();
  expect(listed).toBe(2);
});
