import { describe, expect, it } from 'vitest';
import { desktopNotice, desktopReceiver } from './desktop-receiver.js';
import type { Notification, NotificationAlert } from './payload.js';

const alert = (pod: string, status: 'firing' | 'resolved', annotations: Record<string, string> = {}, context = 'prod'): NotificationAlert => ({
  status,
  labels: { alertname: 'KubePodCrashLooping', pod, context },
  annotations,
  startsAt: 0,
  endsAt: status === 'resolved' ? 1 : null,
  generatorURL: '',
  fingerprint: `fp-${pod}`,
});
const note = (alerts: NotificationAlert[]): Notification => ({ receiver: 'desktop', groupKey: 'gk', groupLabels: { alertname: 'KubePodCrashLooping', context: 'prod' }, externalURL: '', alerts });

describe('desktopNotice', () => {
  it.each([
    ['one firing alert', [alert('a', 'firing', { summary: 'Pod a is crash looping.' })], '[FIRING:1] KubePodCrashLooping (prod)', 'Pod a is crash looping.', 'fp-a'],
    [
      'two firing, one resolved',
      [alert('x', 'resolved'), alert('a', 'firing', { description: 'Pod a restarts.' }), alert('b', 'firing')],
      '[FIRING:2] KubePodCrashLooping (prod)',
      'Pod a restarts. (+1 more)',
      'fp-a',
    ],
    ['all resolved', [alert('a', 'resolved', { summary: 'Pod a is crash looping.' })], '[RESOLVED] KubePodCrashLooping (prod)', 'Pod a is crash looping.', 'fp-a'],
    ['no annotations: the distinguishing labels', [alert('a', 'firing')], '[FIRING:1] KubePodCrashLooping (prod)', 'pod=a', 'fp-a'],
    ['several contexts: none named', [alert('a', 'firing', {}, 'prod'), alert('b', 'firing', {}, 'dev')], '[FIRING:2] KubePodCrashLooping', 'pod=a (+1 more)', 'fp-a'],
  ])('%s', (_, alerts, title, body, alertKey) => {
    expect(desktopNotice(note(alerts))).toMatchObject({ title, body, alertKey, groupKey: 'gk' });
  });

  it('keeps the body short', () => {
    expect(desktopNotice(note([alert('a', 'firing', { summary: 'x'.repeat(1000) })])).body.length).toBeLessThanOrEqual(240);
  });
});

it('the receiver hands the notice to the injected show()', async () => {
  const shown: string[] = [];
  const r = desktopReceiver({ sendResolved: false }, (n) => void shown.push(n.title));
  expect(r).toMatchObject({ name: 'desktop[0]', sendResolved: false });
  await r.notify(note([alert('a', 'firing')]));
  expect(shown).toEqual(['[FIRING:1] KubePodCrashLooping (prod)']);
});
