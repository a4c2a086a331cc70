// AlertingService over real context databases with a fake clock: rules from the three sources
// (built-in resources/rules, the user's rules/ folder, a context's PrometheusRule objects), a broken
// user file reported without stopping the others, ALERTS written to the context's database, the
// notifier receiving alerts with the context label (desktop notice and silences), the state file,
// and /api/v1/rules and /api/v1/alerts answered from the viewed context's groups.
import http from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayload } from '../api/contract.js';
import { portPair, RpcClient, RpcServer } from '../api/rpc.js';
import { fakeHandlers } from '../api/testing.js';
import { FakeClock } from '../alerting/clock.js';
import type { KubeObject } from '../kube/sd/types.js';
import { labelsFrom } from '../model/labels.js';
import { PromEngine } from '../promql/engine.js';
import { startBrowserServer } from '../server/http.js';
import { AlertingService, type ClusterRuleSource } from './alerting.js';
import { ContextDbs } from './dbs.js';

const S = 1000;
const START = Date.UTC(2026, 0, 1, 0, 0, 0);

function pingRule(): KubeObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'ping', namespace: 'default' },
    spec: {
      groups: [
        {
          name: 'ping',
          rules: [{ alert: 'CountGreaterThan5', expr: 'ping_request_count > 5', for: '10s', labels: { severity: 'info' }, annotations: { summary: 'The ping app has answered more than 5 requests.' } }],
        },
      ],
    },
  } as unknown as KubeObject;
}

describe('AlertingService', () => {
  let dir: string;
  let dbs: ContextDbs;
  let clock: FakeClock;
  let svc: AlertingService | null;
  let notices: EventPayload<'alerts.notification'>[];
  let settings: { clusterRules: Record<string, boolean>; mutedContexts: string[]; doNotDisturb: boolean };
  let objects: KubeObject[];
  let changed: (() => void) | null;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kg-alerting-'));
    dbs = new ContextDbs(dir);
    clock = new FakeClock(START);
    notices = [];
    settings = { clusterRules: {}, mutedContexts: [], doNotDisturb: false };
    objects = [pingRule()];
    changed = null;
    svc = null;
    mkdirSync(path.join(dir, 'rules'));
    writeFileSync(
      path.join(dir, 'rules', 'mine.yaml'),
      'groups:\n- name: mine\n  rules:\n  - record: ping:doubled\n    expr: ping_request_count * 2\n  - alert: Always\n    expr: vector(1)\n    annotations:\n      summary: "ctx {{ $externalLabels.context }}"\n',
    );
    writeFileSync(path.join(dir, 'rules', 'broken.yml'), 'groups:\n- name: b\n  rules:\n  - alert: X\n    expr: "sum("\n');
    // ping_request_count = 7 from a minute before START to 3 minutes after, every 5 s.
    const lease = dbs.acquire('ctx-a');
    const app = lease.tsdb.appender();
    for (let t = START - 60 * S; t <= START + 180 * S; t += 5 * S) app.append(labelsFrom({ __name__: 'ping_request_count', pod: 'ping-0', namespace: 'default' }), t, 7);
    await app.commit();
    lease.release();
  });

  afterEach(async () => {
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(extra: Partial<ConstructorParameters<typeof AlertingService>[0]> = {}): AlertingService {
    svc = new AlertingService({
      dataDir: dir,
      dbs,
      clock,
      engine: new PromEngine(),
      defaultIntervalMs: 5 * S,
      watch: false,
      onDesktop: (n) => notices.push(n),
      kubeconfigFor: () => 'kubeconfig',
      clusterRules: (): ClusterRuleSource => ({
        list: () => objects,
        onChange: (fn) => {
          changed = fn;
          return () => (changed = null);
        },
        stop: () => {},
      }),
      clusterRulesDefault: (c) => c === 'ctx-a',
      settings: { get: () => settings, update: (p) => Object.assign(settings, p) },
      ...extra,
    });
    return svc;
  }

  it('evaluates built-in, user and PrometheusRule groups per context and notifies with the context label', async () => {
    const s = start();
    await s.follow(['ctx-a']);
    await s.settled();
    const rules = s.rules('ctx-a');
    const groups = rules.contexts.find((c) => c.context === 'ctx-a')!.groups;
    expect(new Set(groups.map((g) => g.source))).toEqual(new Set(['builtin', 'user', 'cluster']));
    expect(groups.map((g) => g.name)).toEqual(expect.arrayContaining(['general.rules', 'kubernetes-apps', 'node-exporter', 'mine', 'ping']));
    expect(groups.find((g) => g.name === 'ping')!.file).toBe('prometheusrule/default/ping');
    expect(rules.problems).toHaveLength(1);
    expect(rules.problems[0]).toMatchObject({ source: 'user', file: path.join(dir, 'rules', 'broken.yml') });
    expect(rules.problems[0]!.error).toMatch(/parse error/);

    // Pending after the first evaluation, firing once `for: 10s` has passed.
    await clock.advance(6 * S);
    expect(s.alerts().find((a) => a.rule === 'CountGreaterThan5')?.state).toBe('pending');
    await clock.advance(15 * S);
    const firing = s.alerts().find((a) => a.rule === 'CountGreaterThan5')!;
    expect(firing).toMatchObject({ state: 'firing', context: 'ctx-a', value: '7e+00', file: 'prometheusrule/default/ping' });
    expect(s.alerts().find((a) => a.rule === 'Always')!.annotations.summary).toBe('ctx ctx-a');

    // ALERTS in the context's own database.
    const lease = dbs.acquire('ctx-a');
    const v = await new PromEngine().instantQuery(lease.tsdb, 'ALERTS{alertname="CountGreaterThan5"}', clock.now());
    lease.release();
    expect(v.result.type).toBe('vector');
    const series = v.result.value as unknown as { metric: { name: string; value: string }[] }[];
    expect(series.map((x) => Object.fromEntries(x.metric.map((l) => [l.name, l.value])))).toEqual([
      { __name__: 'ALERTS', alertname: 'CountGreaterThan5', alertstate: 'firing', namespace: 'default', pod: 'ping-0', severity: 'info' },
    ]);
    // Recording rules from the user's file write too.
    const lease2 = dbs.acquire('ctx-a');
    const rec = await new PromEngine().instantQuery(lease2.tsdb, 'ping:doubled', clock.now());
    lease2.release();
    expect((rec.result.value as { f: number }[])[0]!.f).toBe(14);

    // The notifier has it with the context label; after group_wait (30 s) a desktop notice.
    const inNotifier = s.notifier.alerts().find((a) => a.labels.alertname === 'CountGreaterThan5')!;
    expect(inNotifier.labels.context).toBe('ctx-a');
    expect(inNotifier.fingerprint).toBe(firing.fingerprint);
    await clock.advance(35 * S);
    const notice = notices.find((n) => n.title.includes('CountGreaterThan5'))!;
    expect(notice).toMatchObject({ status: 'firing', context: 'ctx-a', alertKey: firing.fingerprint, title: '[FIRING:1] CountGreaterThan5 (ctx-a)' });

    // One-click silence from the alert; the state file keeps it.
    const sil = s.silence(firing.fingerprint, {});
    expect(sil.state).toBe('active');
    expect(sil.matchers).toContain('context="ctx-a"');
    expect(s.alerts().find((a) => a.rule === 'CountGreaterThan5')!.silencedBy).toEqual([sil.id]);
    expect(JSON.parse(readFileSync(path.join(dir, 'alerting-state.json'), 'utf8')).silences).toHaveLength(1);
    expect(s.expireSilence(sil.id).state).toBe('expired');
  });

  it('drops PrometheusRule groups when turned off, follows object changes, and stops contexts no longer scraped', async () => {
    const s = start();
    await s.follow(['ctx-a', 'ctx-b']);
    await s.settled();
    expect(s.groups('ctx-a').some((g) => g.name === 'ping')).toBe(true);
    // ctx-b is not the demo: no PrometheusRules unless chosen.
    expect(s.groups('ctx-b').some((g) => g.name === 'ping')).toBe(false);
    expect(s.settings(['ctx-a', 'ctx-b']).clusterRules).toEqual([
      { context: 'ctx-a', enabled: true, chosen: false },
      { context: 'ctx-b', enabled: false, chosen: false },
    ]);
    objects = [...objects, { ...pingRule(), metadata: { name: 'bad', namespace: 'x' }, spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: '(' }] }] } } as unknown as KubeObject];
    changed!();
    await new Promise((r) => setTimeout(r, 300));
    await s.settled();
    expect(s.problems().map((p) => [p.source, p.file, p.context])).toContainEqual(['cluster', 'prometheusrule/x/bad', 'ctx-a']);
    await s.setSettings({ clusterRules: { context: 'ctx-a', enabled: false } });
    expect(s.groups('ctx-a').some((g) => g.name === 'ping')).toBe(false);
    expect(settings.clusterRules).toEqual({ 'ctx-a': false });
    await s.setSettings({ mute: { context: 'ctx-a', muted: true }, doNotDisturb: true });
    expect(s.notifier.muteState()).toMatchObject({ doNotDisturb: { on: true }, contexts: [{ context: 'ctx-a' }] });
    // A new kubeconfig for the context reads its PrometheusRules again through a new source.
    await s.setSettings({ clusterRules: { context: 'ctx-a', enabled: true } });
    let made = 0;
    (s as unknown as { opts: { clusterRules: unknown } }).opts.clusterRules = (): ClusterRuleSource => {
      made++;
      return { list: () => objects.slice(0, 1), onChange: () => () => {}, stop: () => {} };
    };
    await s.restart('ctx-a');
    expect(made).toBe(1);
    expect(s.groups('ctx-a').some((g) => g.name === 'ping')).toBe(true);
    expect(s.problems().some((p) => p.file === 'prometheusrule/x/bad')).toBe(false);
    await s.follow(['ctx-b']);
    expect(s.groups('ctx-a')).toEqual([]);
    expect(s.groups('ctx-b').length).toBeGreaterThan(0);
  });

  it('re-reads the user folder on reload (a fixed file loads)', async () => {
    const s = start();
    await s.follow(['ctx-a']);
    await s.settled();
    writeFileSync(path.join(dir, 'rules', 'broken.yml'), 'groups:\n- name: fixed\n  rules:\n  - alert: Y\n    expr: vector(2)\n');
    await s.reload();
    expect(s.problems()).toEqual([]);
    expect(s.groups('ctx-a').some((g) => g.name === 'fixed')).toBe(true);
    // A broken alerting.yml is reported and the default config stays in use.
    writeFileSync(path.join(dir, 'alerting.yml'), 'route: [\n');
    await s.reload();
    expect(s.problems()).toEqual([expect.objectContaining({ source: 'config', file: path.join(dir, 'alerting.yml') })]);
    expect(s.notifier.currentConfig.route.receiver).toBe('desktop');
  });

  it('watches the rules folder: a new file is picked up by itself', async () => {
    const s = start({ watch: true });
    await s.follow(['ctx-a']);
    await s.settled();
    writeFileSync(path.join(dir, 'rules', 'new.yaml'), 'groups:\n- name: added\n  rules:\n  - record: one\n    expr: vector(1)\n');
    const deadline = Date.now() + 5000;
    while (!s.groups('ctx-a').some((g) => g.name === 'added') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(s.groups('ctx-a').some((g) => g.name === 'added')).toBe(true);
  });

  it('reads alerting.yml and persists the notification log so a restart does not notify again', async () => {
    writeFileSync(path.join(dir, 'alerting.yml'), 'route:\n  receiver: d\n  group_by: [alertname, context]\n  group_wait: 1s\nreceivers:\n  - name: d\n    desktop_configs:\n      - send_resolved: true\n');
    let s = start();
    await s.follow(['ctx-a']);
    await clock.advance(25 * S);
    expect(notices.filter((n) => n.title.includes('CountGreaterThan5'))).toHaveLength(1);
    await s.close();
    expect(existsSync(path.join(dir, 'alerting-state.json'))).toBe(true);
    notices = [];
    s = start();
    await s.follow(['ctx-a']);
    await clock.advance(40 * S);
    expect(s.alerts().find((a) => a.rule === 'CountGreaterThan5')?.state).toBe('firing');
    expect(notices.filter((n) => n.title.includes('CountGreaterThan5'))).toHaveLength(0);
  });

  it('sends firing to a webhook once and, when the series ends, resolved once', async () => {
    writeFileSync(
      path.join(dir, 'alerting.yml'),
      'route:\n  receiver: hook\n  group_by: [alertname, context]\n  group_wait: 1s\n  group_interval: 5s\n  repeat_interval: 1h\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: http://hook.invalid/x\n        send_resolved: true\n',
    );
    const bodies: { status: string; alerts: { status: string; labels: Record<string, string> }[] }[] = [];
    const fakeFetch = (async (_url: string, init: { body: string }) => {
      bodies.push(JSON.parse(init.body));
      return new Response('ok', { status: 200 });
    }) as unknown as typeof fetch;
    const s = start({ fetch: fakeFetch });
    await s.follow(['ctx-a']);
    await clock.advance(60 * S);
    const mine = () => bodies.filter((b) => b.alerts.some((x) => x.labels.alertname === 'CountGreaterThan5'));
    expect(mine().map((b) => b.status)).toEqual(['firing']);
    expect(mine()[0]!.alerts[0]!.labels.context).toBe('ctx-a');
    // The series ends (no samples after 3 minutes + lookback): the alert resolves, notified once.
    await clock.advance(10 * 60 * S);
    expect(mine().map((b) => b.status)).toEqual(['firing', 'resolved']);
    await clock.advance(10 * 60 * S);
    expect(mine().map((b) => b.status)).toEqual(['firing', 'resolved']);
  });

  it('answers /api/v1/rules and /api/v1/alerts for the viewed context in Prometheus\'s shapes', async () => {
    const s = start();
    await s.follow(['ctx-a']);
    await clock.advance(21 * S);
    const [a, b] = portPair();
    const rpc = new RpcServer(
      b,
      fakeHandlers({
        'rules.list': async (f) => s.rules('ctx-a', f),
        'alerts.list': async ({ context }) => ({ viewed: 'ctx-a', alerts: s.alerts(context) }),
      }),
    );
    const server = await startBrowserServer({ api: new RpcClient(a), staticDir: dir, token: 'tok' });
    const get = (p: string) =>
      new Promise<{ status: number; body: { status: string; data: Record<string, unknown[]> } }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: server.port, path: p }, (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
          })
          .on('error', reject);
      });
    try {
      const rules = await get('/api/v1/rules?type=alert&rule_group[]=ping');
      expect(rules.status).toBe(200);
      const groups = rules.body.data.groups as Record<string, unknown>[];
      expect(groups).toHaveLength(1);
      expect(Object.keys(groups[0]!)).toEqual(['name', 'file', 'rules', 'interval', 'limit', 'evaluationTime', 'lastEvaluation']);
      expect(groups[0]).toMatchObject({ name: 'ping', file: 'prometheusrule/default/ping', interval: 5, limit: 0 });
      const rule = (groups[0]!.rules as Record<string, unknown>[])[0]!;
      expect(Object.keys(rule)).toEqual(['state', 'name', 'query', 'duration', 'keepFiringFor', 'labels', 'annotations', 'alerts', 'health', 'evaluationTime', 'lastEvaluation', 'type']);
      expect(rule).toMatchObject({ state: 'firing', name: 'CountGreaterThan5', query: 'ping_request_count > 5', duration: 10, health: 'ok', type: 'alerting' });
      const alerts = await get('/api/v1/alerts');
      const one = (alerts.body.data.alerts as Record<string, unknown>[]).find((x) => (x.labels as Record<string, string>).alertname === 'CountGreaterThan5')!;
      expect(Object.keys(one)).toEqual(['labels', 'annotations', 'state', 'activeAt', 'value']);
      expect(one).toMatchObject({ labels: { alertname: 'CountGreaterThan5', namespace: 'default', pod: 'ping-0', severity: 'info' }, state: 'firing', value: '7e+00' });
      expect(one.activeAt).toMatch(/^2026-01-01T00:00:0\d(\.\d+)?Z$/);
      expect((await get('/api/v1/rules?type=bogus')).status).toBe(400);
    } finally {
      await server.close();
      rpc.close();
    }
  });
});
