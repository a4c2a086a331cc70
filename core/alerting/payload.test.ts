import { describe, expect, it } from 'vitest';
import { encodeWebhookMessage, type Notification, quoteMeta, templateData, webhookMessage } from './payload.js';

const T = Date.parse('2026-01-01T00:00:00Z');
const n: Notification = {
  receiver: 'team.ops',
  groupKey: '{}:{alertname="A"}',
  groupLabels: { alertname: 'A' },
  externalURL: 'http://kubeglass.test',
  alerts: [
    { status: 'resolved', labels: { alertname: 'A', pod: 'p1', ns: 'x' }, annotations: { summary: 's', d: '1' }, startsAt: T, endsAt: T + 1500, generatorURL: 'g', fingerprint: 'f1' },
    { status: 'firing', labels: { alertname: 'A', pod: 'p2', ns: 'x' }, annotations: { summary: 's', d: '2' }, startsAt: T, endsAt: null, generatorURL: 'g', fingerprint: 'f2' },
  ],
};

describe('templateData', () => {
  it('has the group status, common labels and annotations, and Go time strings', () => {
    const d = templateData(n);
    expect(d).toMatchObject({ receiver: 'team\\.ops', status: 'firing', commonLabels: { alertname: 'A', ns: 'x' }, commonAnnotations: { summary: 's' } });
    expect(d.alerts.map((a) => [a.status, a.startsAt, a.endsAt])).toEqual([
      ['resolved', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01.5Z'],
      ['firing', '2026-01-01T00:00:00Z', '0001-01-01T00:00:00Z'],
    ]);
    expect(templateData({ ...n, alerts: [n.alerts[0]!] }).status).toBe('resolved');
  });
});

it('webhookMessage truncates to max_alerts and computes common labels on what it keeps', () => {
  const m = webhookMessage(n, 1);
  expect(m).toMatchObject({ version: '4', groupKey: n.groupKey, truncatedAlerts: 1, status: 'resolved', commonLabels: { alertname: 'A', pod: 'p1', ns: 'x' } });
  expect(webhookMessage(n, 0).truncatedAlerts).toBe(0);
  expect(webhookMessage(n, 5).alerts).toHaveLength(2);
});

it('encodes as Go does: field order, sorted keys, HTML-safe escapes, trailing newline', () => {
  const body = encodeWebhookMessage(webhookMessage({ ...n, alerts: [{ ...n.alerts[1]!, annotations: { z: '<b>&', a: 'x\u2028y' } }] }));
  expect(body.endsWith('}\n')).toBe(true);
  expect(Object.keys(JSON.parse(body) as object)).toEqual(['receiver', 'status', 'alerts', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'version', 'groupKey', 'truncatedAlerts']);
  expect(body).toContain('"annotations":{"a":"x\\u2028y","z":"\\u003cb\\u003e\\u0026"}');
  expect(body).toContain('"labels":{"alertname":"A","ns":"x","pod":"p2"}');
});

it.each([
  ['plain', 'plain'],
  ['a.b*c', 'a\\.b\\*c'],
  ['(x|y)[z]{1}^$?+\\', '\\(x\\|y\\)\\[z\\]\\{1\\}\\^\\$\\?\\+\\\\'],
])('quoteMeta(%j) = %j', (s, want) => {
  expect(quoteMeta(s)).toBe(want);
});
