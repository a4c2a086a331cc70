// Grouping timers, driven by a fake clock: group_wait, group_interval, repeat_interval, resolved
// alerts sent once, dedup per receiver, continue, and what mutes a notification.
import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { parseAlertingConfig } from './config.js';
import { Notifier } from './notifier.js';
import type { Notification } from './payload.js';
import { NotifyError, type Receiver } from './receiver.js';

const S = 1000;
const M = 60 * S;

interface Sent {
  at: number;
  receiver: string;
  status: string;
  alerts: string[];
  groupKey: string;
}

function setup(yaml: string, receiverNames: string[] = ['r']) {
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  const t0 = clock.now();
  const sent: Sent[] = [];
  const fail: { next: number; retryable: boolean } = { next: 0, retryable: true };
  const recv = (name: string, sendResolved = true): Receiver => ({
    name: 'test',
    sendResolved,
    async notify(n: Notification) {
      if (fail.next > 0) {
        fail.next--;
        throw new NotifyError('boom', fail.retryable);
      }
      sent.push({
        at: (clock.now() - t0) / S,
        receiver: name,
        status: n.alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
        alerts: n.alerts.map((a) => `${a.labels.alertname}${a.labels.pod ? '/' + a.labels.pod : ''}:${a.status}`),
        groupKey: n.groupKey,
      });
    },
  });
  const extra: Record<string, Receiver[]> = {};
  for (const name of receiverNames) extra[name] = [recv(name, !name.endsWith('-noresolved'))];
  const notifier = new Notifier({ config: parseAlertingConfig(yaml), clock, extraReceivers: extra, random: () => 0.5 });
  const at = (sec: number) => t0 + sec * S;
  const firing = (name: string, extraLabels: Record<string, string> = {}, startsAt = clock.now()) => ({
    labels: { alertname: name, ...extraLabels },
    annotations: { summary: `${name} is firing` },
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(clock.now() + 24 * 60 * M).toISOString(),
  });
  const resolved = (name: string, extraLabels: Record<string, string> = {}, startsAt = t0) => ({
    labels: { alertname: name, ...extraLabels },
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(clock.now()).toISOString(),
  });
  const advanceTo = (sec: number) => clock.advance(at(sec) - clock.now());
  return { clock, notifier, sent, fail, firing, resolved, advanceTo, t0 };
}

const BASIC = `
route:
  receiver: r
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers: [{name: r}]
`;

describe('grouping timers', () => {
  it('waits group_wait before the first notification and batches what arrives meanwhile', async () => {
    const { notifier, sent, firing, advanceTo } = setup(BASIC);
    notifier.put([firing('A', { pod: 'p1' })]);
    await advanceTo(10);
    notifier.put([firing('A', { pod: 'p2' }), firing('B')]);
    await advanceTo(29);
    expect(sent).toEqual([]);
    await advanceTo(30);
    expect(sent.map((s) => [s.at, s.alerts])).toEqual([[30, ['A/p1:firing', 'A/p2:firing']]]);
    await advanceTo(40);
    expect(sent.map((s) => [s.at, s.alerts])).toEqual([
      [30, ['A/p1:firing', 'A/p2:firing']],
      [40, ['B:firing']],
    ]);
    expect(sent[0]!.groupKey).toBe('{}:{alertname="A"}');
  });

  it('flushes at once when the alert started longer than group_wait ago', async () => {
    const { notifier, sent, firing, advanceTo, t0 } = setup(BASIC);
    await advanceTo(100);
    notifier.put([firing('A', {}, t0)]);
    await advanceTo(100);
    expect(sent.map((s) => s.at)).toEqual([100]);
  });

  it('sends changes at the next group_interval, not before', async () => {
    const { notifier, sent, firing, advanceTo } = setup(BASIC);
    notifier.put([firing('A', { pod: 'p1' })]);
    await advanceTo(30);
    notifier.put([firing('A', { pod: 'p2' })]);
    await advanceTo(30 + 299);
    expect(sent).toHaveLength(1);
    await advanceTo(330);
    expect(sent.map((s) => [s.at, s.alerts])).toEqual([
      [30, ['A/p1:firing']],
      [330, ['A/p1:firing', 'A/p2:firing']],
    ]);
  });

  it('does not re-send an unchanged group before repeat_interval, then repeats it', async () => {
    const { notifier, sent, firing, advanceTo } = setup(BASIC.replace('4h', '1h'));
    const keepFiring = async (until: number) => {
      for (let t = 0; t <= until; t += 60) {
        await advanceTo(t);
        notifier.put([firing('A')]);
      }
    };
    await keepFiring(3 * 3600);
    // Flushes every 5m from 30s; a repeat needs more than an hour since the last send, so the
    // flush at exactly 1h (3630) is skipped, as in Alertmanager (entry.Timestamp.Before(now-repeat)).
    expect(sent.map((s) => s.at)).toEqual([30, 3930, 7830]);
  });

  it('sends a resolved alert once, then drops it; the group ends when empty', async () => {
    const { notifier, sent, firing, resolved, advanceTo } = setup(BASIC);
    notifier.put([firing('A', { pod: 'p1' }), firing('A', { pod: 'p2' })]);
    await advanceTo(30);
    await advanceTo(100);
    notifier.put([resolved('A', { pod: 'p1' })]);
    await advanceTo(330);
    expect(sent.map((s) => [s.at, s.status, s.alerts])).toEqual([
      [30, 'firing', ['A/p1:firing', 'A/p2:firing']],
      [330, 'firing', ['A/p1:resolved', 'A/p2:firing']],
    ]);
    expect(notifier.groups()[0]!.alerts.map((a) => a.labels.pod)).toEqual(['p2']);
    notifier.put([resolved('A', { pod: 'p2' })]);
    await advanceTo(630);
    expect(sent.at(-1)).toMatchObject({ at: 630, status: 'resolved', alerts: ['A/p2:resolved'] });
    expect(notifier.groups()).toEqual([]);
    await advanceTo(3600);
    expect(sent).toHaveLength(3);
  });

  it('without send_resolved: resolved alerts are left out and a fully resolved group is not sent', async () => {
    const { notifier, sent, firing, resolved, advanceTo } = setup(BASIC.replace('receiver: r', 'receiver: r-noresolved').replace('{name: r}', '{name: r-noresolved}'), ['r-noresolved']);
    notifier.put([firing('A', { pod: 'p1' }), firing('A', { pod: 'p2' })]);
    await advanceTo(30);
    notifier.put([resolved('A', { pod: 'p1' })]);
    await advanceTo(330);
    // The firing set shrank: nothing new to say.
    expect(sent.map((s) => s.at)).toEqual([30]);
    notifier.put([firing('A', { pod: 'p3' })]);
    await advanceTo(630);
    expect(sent.at(-1)!.alerts).toEqual(['A/p2:firing', 'A/p3:firing']);
    notifier.put([resolved('A', { pod: 'p2' }), resolved('A', { pod: 'p3' })]);
    await advanceTo(930);
    expect(sent).toHaveLength(2);
    expect(notifier.groups()).toEqual([]);
  });

  it('retries a failed delivery with backoff within the group_interval and keeps resolved alerts until it succeeds', async () => {
    const { notifier, sent, fail, firing, advanceTo } = setup(BASIC);
    fail.next = 3;
    notifier.put([firing('A')]);
    await advanceTo(30);
    expect(sent).toEqual([]);
    // 500ms, 750ms, 1125ms with the jitter pinned to its middle.
    await advanceTo(33);
    expect(sent.map((s) => s.at)).toEqual([32.375]);
  });

  it('gives up on an error that is not retryable and tries again at the next flush', async () => {
    const { notifier, sent, fail, firing, advanceTo } = setup(BASIC);
    fail.next = 1;
    fail.retryable = false;
    notifier.put([firing('A')]);
    await advanceTo(300);
    expect(sent).toEqual([]);
    await advanceTo(330);
    expect(sent.map((s) => s.at)).toEqual([330]);
  });
});

describe('routing', () => {
  const TREE = `
route:
  receiver: default
  group_by: [alertname]
  group_wait: 10s
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      continue: true
    - matchers: ['team=~"db|storage"']
      receiver: db
      group_by: ['...']
    - match: {team: web}
      receiver: web
receivers: [{name: default}, {name: pager}, {name: db}, {name: web}]
`;

  it.each([
    [{ severity: 'critical', team: 'db' }, ['pager', 'db']],
    [{ severity: 'critical', team: 'web' }, ['pager', 'web']],
    [{ severity: 'critical' }, ['pager']],
    [{ team: 'storage' }, ['db']],
    [{ team: 'other' }, ['default']],
  ])('%j goes to %j', async (labels, receivers) => {
    const { notifier, sent, firing, advanceTo } = setup(TREE, ['default', 'pager', 'db', 'web']);
    notifier.put([firing('X', labels)]);
    await advanceTo(10);
    expect(sent.map((s) => s.receiver).sort()).toEqual([...receivers].sort());
  });

  it("group_by ['...'] groups by every label, and group keys carry the route's matchers", async () => {
    const { notifier, sent, firing, advanceTo } = setup(TREE, ['default', 'pager', 'db', 'web']);
    notifier.put([firing('X', { team: 'db', pod: 'a' }), firing('X', { team: 'db', pod: 'b' })]);
    await advanceTo(10);
    expect(sent.map((s) => s.groupKey).sort()).toEqual([
      '{}/{team=~"db|storage"}:{alertname="X", pod="a", team="db"}',
      '{}/{team=~"db|storage"}:{alertname="X", pod="b", team="db"}',
    ]);
  });
});

describe('muting', () => {
  const CFG = `
route: {receiver: r, group_by: [alertname, context], group_wait: 10s, group_interval: 1m}
receivers: [{name: r}]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [context]
`;

  it('silenced alerts are not notified; once the silence expires they are', async () => {
    const { notifier, sent, firing, advanceTo } = setup(CFG);
    notifier.put([firing('A', { context: 'prod' })]);
    const fp = notifier.alerts()[0]!.fingerprint;
    const s = notifier.silenceAlert(fp, { createdBy: 'me', comment: 'known', durationMs: 5 * M });
    expect(notifier.alerts()[0]).toMatchObject({ state: 'suppressed', silencedBy: [s.id] });
    await advanceTo(200);
    expect(sent).toEqual([]);
    notifier.silences.expire(s.id);
    await advanceTo(250);
    expect(sent.map((x) => x.at)).toEqual([250]);
  });

  it('inhibits a warning while a critical alert with the same context fires', async () => {
    const { notifier, sent, firing, advanceTo } = setup(CFG);
    notifier.put([firing('Crit', { context: 'prod', severity: 'critical' }), firing('Warn', { context: 'prod', severity: 'warning' }), firing('Warn', { context: 'dev', severity: 'warning' })]);
    await advanceTo(10);
    expect(sent.map((s) => s.alerts[0]).sort()).toEqual(['Crit:firing', 'Warn:firing']);
    expect(sent.find((s) => s.alerts[0] === 'Warn:firing')!.groupKey).toContain('context="dev"');
    const warnProd = notifier.alerts().find((a) => a.labels.alertname === 'Warn' && a.labels.context === 'prod')!;
    expect(warnProd.inhibitedBy).toHaveLength(1);
  });

  it('do-not-disturb and a muted context suppress notifications but keep tracking alerts', async () => {
    const { notifier, sent, firing, advanceTo, t0 } = setup(CFG);
    notifier.setDoNotDisturb(true, t0 + 2 * M);
    notifier.muteContext('dev');
    notifier.put([firing('A', { context: 'prod' }), firing('A', { context: 'dev' })]);
    await advanceTo(70);
    expect(sent).toEqual([]);
    expect(notifier.alerts().map((a) => a.suppressedBecause)).toEqual(['do not disturb', 'do not disturb']);
    await advanceTo(130);
    expect(sent.map((s) => [s.at, s.groupKey])).toEqual([[130, '{}:{alertname="A", context="prod"}']]);
    expect(notifier.muteState()).toEqual({ doNotDisturb: { on: false, until: t0 + 2 * M }, contexts: [{ context: 'dev', until: null }] });
    notifier.unmuteContext('dev');
    await advanceTo(190);
    expect(sent.map((s) => s.groupKey)).toContain('{}:{alertname="A", context="dev"}');
  });
});

describe('time intervals on routes', () => {
  const CFG = `
route:
  receiver: r
  group_by: [alertname]
  group_wait: 10s
  group_interval: 1h
  repeat_interval: 24h
  routes:
    - matchers: [when="night"]
      mute_time_intervals: [day]
    - matchers: [when="day"]
      active_time_intervals: [day]
receivers: [{name: r}]
time_intervals:
  - name: day
    time_intervals: [{times: [{start_time: "08:00", end_time: "20:00"}]}]
`;

  it('mutes a route inside its mute interval and one with active intervals outside them', async () => {
    // The clock starts at 00:00 UTC: outside "day".
    const { notifier, sent, firing, advanceTo } = setup(CFG);
    notifier.put([firing('N', { when: 'night' }), firing('D', { when: 'day' })]);
    await advanceTo(10);
    expect(sent.map((s) => s.alerts[0])).toEqual(['N:firing']);
    // From 08:00 the day route may notify; the night route is muted.
    await advanceTo(8 * 3600 + 10);
    expect(sent.map((s) => [s.at, s.alerts[0]])).toEqual([
      [10, 'N:firing'],
      [8 * 3600 + 10, 'D:firing'],
    ]);
    // A new night alert during the day waits for 20:00.
    notifier.put([firing('N', { when: 'night', pod: 'p2' })]);
    await advanceTo(20 * 3600);
    expect(sent).toHaveLength(2);
    await advanceTo(20 * 3600 + 10);
    expect(sent.at(-1)!.alerts).toEqual(['N:firing', 'N/p2:firing']);
  });
});

describe('integrations of one receiver', () => {
  it('are deduplicated separately: a failed one is retried at the next flush, the other is not re-sent', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const got: string[] = [];
    let failB = true;
    const mk = (name: string): Receiver => ({
      name,
      async notify() {
        if (name === 'b' && failB) throw new NotifyError('down', false);
        got.push(`${name}@${(clock.now() - Date.parse('2026-01-01T00:00:00Z')) / S}`);
      },
    });
    const failed: string[] = [];
    const notifier = new Notifier({
      config: parseAlertingConfig(BASIC),
      clock,
      extraReceivers: { r: [mk('a'), mk('b')] },
      events: { onNotifyFailed: (receiver, integration, _ctx, err) => void failed.push(`${receiver}/${integration}: ${err.message}`) },
    });
    notifier.put([{ labels: { alertname: 'A' }, endsAt: new Date(clock.now() + 3600_000) }]);
    await clock.advance(30 * S);
    expect(got).toEqual(['a@30']);
    expect(failed).toEqual(['r/b: down']);
    failB = false;
    await clock.advance(5 * M);
    expect(got).toEqual(['a@30', 'b@330']);
    notifier.stop();
  });
});

describe('the notifier', () => {
  it('keeps alerts and the notification log across a config reload, so nothing is sent twice', async () => {
    const { notifier, sent, firing, advanceTo } = setup(BASIC);
    notifier.put([firing('A')]);
    await advanceTo(30);
    notifier.reload(parseAlertingConfig(BASIC.replace('group_wait: 30s', 'group_wait: 5s')));
    expect(notifier.groups().map((g) => g.groupKey)).toEqual(['{}:{alertname="A"}']);
    await advanceTo(600);
    expect(sent.map((s) => s.at)).toEqual([30]);
  });

  it('a restart restored from snapshot() does not re-send what was notified, and keeps silences and mutes', async () => {
    const { notifier, sent, firing, advanceTo, clock } = setup(BASIC);
    notifier.put([firing('A'), firing('B')]);
    const s = notifier.silences.create({ matchers: ['alertname="B"'], durationMs: 3600_000, createdBy: 'me', comment: 'c' });
    notifier.muteContext('dev', null);
    await advanceTo(30);
    expect(sent).toHaveLength(1);
    const state = JSON.parse(JSON.stringify(notifier.snapshot())) as ReturnType<Notifier['snapshot']>;
    notifier.stop();

    const again = new Notifier({ config: parseAlertingConfig(BASIC), clock, extraReceivers: { r: [{ name: 'test', notify: async () => void sent.push({ at: 0, receiver: 'r', status: '', alerts: [], groupKey: 'again' }) }] } });
    again.restore(state);
    again.put([firing('A'), firing('B')]);
    await advanceTo(400);
    expect(sent).toHaveLength(1);
    expect(again.silences.get(s.id)).toBeDefined();
    expect(again.muteState().contexts).toEqual([{ context: 'dev', until: null }]);
    again.stop();
  });

  it('reports invalid alerts and accepts the rest', () => {
    const { notifier } = setup(BASIC);
    const res = notifier.put([{ labels: {} }, { labels: { alertname: 'A' } }, { labels: { 'bad-name': 'x' } }]);
    expect(res.accepted).toBe(1);
    expect(res.errors).toHaveLength(2);
    expect(notifier.alerts().map((a) => [a.labels.alertname, a.status, a.state, a.receivers])).toEqual([['A', 'firing', 'active', ['r']]]);
  });

  it('stop() leaves no timers behind', async () => {
    const { notifier, clock, firing } = setup(BASIC);
    notifier.put([firing('A')]);
    notifier.stop();
    expect(clock.pending).toBe(0);
  });

  it('sends through the webhook from the config, retrying a 5xx', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const statuses = [503, 502, 200];
    const bodies: string[] = [];
    const notifier = new Notifier({
      clock,
      random: () => 0.5,
      config: parseAlertingConfig(`
route: {receiver: hook, group_wait: 1s}
receivers: [{name: hook, webhook_configs: [{url: "http://hook.test/x"}]}]
`),
      fetch: async (_url, init) => {
        bodies.push(String(init?.body));
        return new Response('', { status: statuses.shift() ?? 200 });
      },
    });
    notifier.put([{ labels: { alertname: 'A' } }]);
    await clock.advance(1000 + 500 + 750);
    expect(bodies).toHaveLength(3);
    expect(JSON.parse(bodies[2]!)).toMatchObject({ receiver: 'hook', status: 'firing', groupKey: '{}:{}' });
    notifier.stop();
  });
});
