// The real Alertmanager (Debian's prometheus-alertmanager) as the oracle for the webhook payload:
// the same config and the same alerts go to it (over its API, its webhook pointing at a server in
// this test) and to our Notifier (on a fake clock, its webhook captured); the messages must agree
// field for field, types and values (fingerprints, group keys, labels, times, truncation), and
// byte for byte as JSON. CI installs the binary (.ci/run); elsewhere the test is skipped, and says
// so, when it is missing.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostableAlert } from './alert.js';
import { type GettableAlert, type GettableSilence, gettableAlerts, gettableSilences } from './api-v2.js';
import { FakeClock } from './clock.js';
import { parseAlertingConfig } from './config.js';
import { Notifier } from './notifier.js';

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const available = existsSync(ALERTMANAGER);
if (!available && process.env.CI) throw new Error('CI must install prometheus-alertmanager (see .ci/run)');
if (!available) console.warn(`alertmanager oracle test skipped: ${ALERTMANAGER} is not installed (apt-get install prometheus-alertmanager)`);

const EXTERNAL_URL = 'http://alertmanager.test:9093';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, get: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await get();
      if (v !== undefined) return v;
    } catch {
      // not there yet
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The JSON types of a value, recursively (object keys sorted, array element shapes merged). */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return [...new Set(v.map((x) => JSON.stringify(shape(x))))].map((s) => JSON.parse(s) as unknown);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, shape((v as Record<string, unknown>)[k])]),
    );
  }
  return v === null ? 'null' : typeof v;
}

function configYaml(hookBase: string): string {
  return `
global:
  resolve_timeout: 5m
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['team=~"db|storage"', 'severity!="info"']
      receiver: hook.db
      group_by: [alertname, cluster]
receivers:
  - name: hook
    webhook_configs:
      - url: ${hookBase}/hook
        send_resolved: true
  - name: hook.db
    webhook_configs:
      - url: ${hookBase}/db
        send_resolved: true
        max_alerts: 1
`;
}

const ROUTING_YAML = (hookBase: string) => `
route:
  receiver: hook
  group_by: ['...']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: [severity="critical"]
      receiver: crit
      group_by: [alertname]
      continue: true
    - match: {team: web}
      receiver: web
    - matchers: [team="db"]
      group_by: []
receivers:
  - name: hook
    webhook_configs: [{url: "${hookBase}/hook"}]
  - name: crit
    webhook_configs: [{url: "${hookBase}/crit"}]
  - name: web
    webhook_configs: [{url: "${hookBase}/web", send_resolved: false}]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity=~"warning|critical"]
    equal: [cluster]
`;

interface Received {
  path: string;
  body: string;
}

/** A local webhook target recording every request. */
async function startHookServer(): Promise<{ base: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The real Alertmanager on a free port with this config, clustering off. */
async function startAlertmanager(yaml: string): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubeglass-am-'));
  writeFileSync(path.join(dir, 'alertmanager.yml'), yaml);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const proc: ChildProcess = spawn(
    ALERTMANAGER,
    [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${EXTERNAL_URL}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  proc.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  // Alertmanager writes its snapshots as it shuts down: the directory goes once it has exited.
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill();
      await exited;
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  };
  await waitFor('alertmanager to be ready', async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined)).catch((err: Error) => {
    void stop();
    throw new Error(`${err.message}\n${log}`);
  });
  return { url, stop };
}

async function postJSON(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.text()).toBe(200);
}

/** Our Notifier on a fake clock, its webhooks captured instead of sent. */
function ourNotifier(yaml: string, t0: number) {
  const clock = new FakeClock(t0);
  const sent: { url: string; body: string }[] = [];
  const notifier = new Notifier({
    config: parseAlertingConfig(yaml),
    clock,
    externalURL: EXTERNAL_URL,
    fetch: async (url, init) => {
      sent.push({ url: String(url), body: String(init?.body) });
      return new Response('', { status: 200 });
    },
  });
  return { clock, sent, notifier };
}

describe.skipIf(!available)('webhook payload against the real Alertmanager', () => {
  let hooks: Awaited<ReturnType<typeof startHookServer>>;
  let am: Awaited<ReturnType<typeof startAlertmanager>>;
  let amURL: string;
  let yaml: string;
  let received: Received[];

  beforeAll(async () => {
    hooks = await startHookServer();
    received = hooks.received;
    yaml = configYaml(hooks.base);
    am = await startAlertmanager(yaml);
    amURL = am.url;
  }, 60_000);

  afterAll(async () => {
    await am?.stop();
    await hooks?.close();
  });

  it('sends the same firing and resolved messages', async () => {
    const t0 = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const node = (instance: string): PostableAlert => ({
      labels: { alertname: 'High "load" ü', job: 'node', instance, severity: 'warning' },
      annotations: { summary: `Load on ${instance} is <high> & rising`, runbook: 'https://runbooks.test/load' },
      startsAt: iso(t0),
      generatorURL: 'http://prometheus.test/graph?g0.expr=node_load1+%3E+4&g0.tab=1',
    });
    const disk = (instance: string): PostableAlert => ({
      labels: { alertname: 'DiskFull', job: 'db', instance, team: 'db', cluster: 'c1' },
      annotations: { summary: 'Disk almost full' },
      // Earlier than the others, but less than group_wait ago, so both land in the first flush.
      startsAt: iso(t0 - 300),
      generatorURL: 'http://prometheus.test/graph',
    });
    const firing = [node('n2:9100'), node('n1:9100'), disk('y'), disk('x')];

    // The real Alertmanager.
    const post = (alerts: PostableAlert[]) => postJSON(`${amURL}/api/v2/alerts`, alerts);
    await post(firing);
    const amHook1 = await waitFor('the firing /hook message', () => received.find((r) => r.path === '/hook'));
    const amDb = await waitFor('the /db message', () => received.find((r) => r.path === '/db'));
    const t1 = Date.now();
    const resolvedN1: PostableAlert = { ...node('n1:9100'), endsAt: iso(t1) };
    await post([resolvedN1]);
    const amHook2 = await waitFor('the resolved /hook message', () => received.filter((r) => r.path === '/hook')[1]);

    // Ours, on a fake clock that starts when the alerts were posted.
    const { clock, sent: ours, notifier } = ourNotifier(yaml, t0);
    expect(notifier.put(firing).errors).toEqual([]);
    await clock.advance(1000);
    const ourHook1 = ours.find((r) => r.url.endsWith('/hook'))!;
    const ourDb = ours.find((r) => r.url.endsWith('/db'))!;
    expect(ourHook1 && ourDb).toBeTruthy();
    await clock.advance(Math.max(0, t1 - clock.now()));
    expect(notifier.put([resolvedN1]).errors).toEqual([]);
    await clock.advance(2000);
    const ourHookMessages = ours.filter((r) => r.url.endsWith('/hook'));
    expect(ourHookMessages).toHaveLength(2);
    const ourHook2 = ourHookMessages[1]!;
    notifier.stop();

    for (const [theirs, mine] of [
      [amHook1, ourHook1],
      [amDb, ourDb],
      [amHook2, ourHook2],
    ] as const) {
      const a = JSON.parse(theirs.body) as Record<string, unknown>;
      const b = JSON.parse(mine.body) as Record<string, unknown>;
      expect(shape(b)).toEqual(shape(a));
      expect(b).toEqual(a);
      expect(mine.body).toBe(theirs.body);
    }
    // What the comparison covered, spelled out.
    const h2 = JSON.parse(amHook2.body) as { status: string; alerts: { status: string; fingerprint: string; endsAt: string }[]; groupKey: string };
    expect(h2.status).toBe('firing');
    expect(h2.alerts.map((x) => x.status)).toEqual(['resolved', 'firing']);
    expect(h2.alerts[1]!.endsAt).toBe('0001-01-01T00:00:00Z');
    expect(h2.groupKey).toBe('{}:{alertname="High \\"load\\" ü"}');
    const db = JSON.parse(amDb.body) as { truncatedAlerts: number; receiver: string; groupKey: string };
    expect(db).toMatchObject({ truncatedAlerts: 1, receiver: 'hook\\.db', groupKey: '{}/{severity!="info",team=~"db|storage"}:{alertname="DiskFull", cluster="c1"}' });
    // Alertmanager sent nothing more than these (dedup held the unchanged groups back).
    expect(received.filter((r) => r.path === '/hook')).toHaveLength(2);
  }, 60_000);
});

describe.skipIf(!available)('routing, inhibition and silences against the real Alertmanager', () => {
  let hooks: Awaited<ReturnType<typeof startHookServer>>;
  let am: Awaited<ReturnType<typeof startAlertmanager>>;

  beforeAll(async () => {
    hooks = await startHookServer();
    am = await startAlertmanager(ROUTING_YAML(hooks.base));
  }, 60_000);

  afterAll(async () => {
    await am?.stop();
    await hooks?.close();
  });

  it('notifies the same groups with the same alerts', async () => {
    const yaml = ROUTING_YAML(hooks.base);
    const t0 = Date.now();
    const a = (labels: Record<string, string>): PostableAlert => ({ labels, annotations: { summary: labels.alertname! }, startsAt: new Date(t0).toISOString() });
    const alerts = [
      a({ alertname: 'NodeDown', severity: 'critical', cluster: 'a', team: 'web' }), // crit (continue) and web; matches both inhibit sides
      a({ alertname: 'NodeDown', severity: 'critical', cluster: 'a', team: 'web', node: 'n2' }), // two-sided: not inhibited by its twin
      a({ alertname: 'HighLatency', severity: 'warning', cluster: 'a', team: 'web' }), // inhibited
      a({ alertname: 'HighLatency', severity: 'warning', cluster: 'b', team: 'web' }), // not inhibited (other cluster)
      a({ alertname: 'Noisy', severity: 'info', cluster: 'b', pod: 'x' }), // silenced
      a({ alertname: 'Other', severity: 'info', cluster: 'b', pod: 'x' }), // root route
      a({ alertname: 'Db', team: 'db', pod: 'p1' }), // group_by: [] inherits `...`: one group each
      a({ alertname: 'Db', team: 'db', pod: 'p2' }),
    ];
    const silence = { matchers: [{ name: 'alertname', value: 'Noisy', isRegex: false, isEqual: true }], startsAt: new Date(t0).toISOString(), endsAt: new Date(t0 + 3600_000).toISOString(), createdBy: 'test', comment: 'noisy' };

    // Ours first: it says how many messages to wait for.
    const ours = ourNotifier(yaml, t0);
    ours.notifier.silences.create({ ...silence, startsAt: t0, endsAt: t0 + 3600_000 });
    expect(ours.notifier.put(alerts).errors).toEqual([]);
    await ours.clock.advance(1000);
    await ours.clock.advance(5000);
    ours.notifier.stop();
    // crit: both NodeDown; web (grouped by every label): each NodeDown and HighLatency in b; hook:
    // Other and each Db.
    expect(ours.sent.length).toBe(7);

    await postJSON(`${am.url}/api/v2/silences`, silence);
    await postJSON(`${am.url}/api/v2/alerts`, alerts);
    await waitFor(`${ours.sent.length} messages from Alertmanager`, () => (hooks.received.length >= ours.sent.length ? true : undefined));

    const summary = (path: string, body: string) => {
      const m = JSON.parse(body) as { groupKey: string; alerts: { labels: Record<string, string> }[] };
      return `${path} ${m.groupKey} ${m.alerts.map((x) => JSON.stringify(x.labels)).join(' ')}`;
    };
    const theirs = hooks.received.map((r) => summary(r.path, r.body)).sort();
    const mine = ours.sent.map((r) => summary(new URL(r.url).pathname, r.body)).sort();
    expect(mine).toEqual(theirs);
    const byKey = new Map(hooks.received.map((r) => [(JSON.parse(r.body) as { groupKey: string }).groupKey, r.body]));
    for (const r of ours.sent) expect(r.body).toBe(byKey.get((JSON.parse(r.body) as { groupKey: string }).groupKey));

    // The API v2 views of the same alerts and silence. Silence IDs and receive times differ, and
    // with two eligible sources Alertmanager names whichever its map yields first.
    const theirAlerts = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as GettableAlert[];
    const ourAlerts = gettableAlerts(ours.notifier.alerts());
    expect(shape(ourAlerts)).toEqual(shape(theirAlerts));
    const comparable = (list: GettableAlert[]) =>
      list.map((x) => ({ ...x, updatedAt: undefined, endsAt: undefined, status: { ...x.status, silencedBy: x.status.silencedBy.length, inhibitedBy: x.status.inhibitedBy.length } }));
    expect(comparable(ourAlerts)).toEqual(comparable(theirAlerts));
    const theirSilences = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as GettableSilence[];
    const ourSilences = gettableSilences(ours.notifier.silences.list());
    expect(shape(ourSilences)).toEqual(shape(theirSilences));
    const comparableSilence = (list: GettableSilence[]) => list.map((x) => ({ ...x, id: undefined, updatedAt: undefined, startsAt: undefined }));
    expect(comparableSilence(ourSilences)).toEqual(comparableSilence(theirSilences));
  }, 60_000);
});
