// Alerting end to end on the demo cluster: its PrometheusRule CountGreaterThan5
// (ping_request_count > 5, for: 10s) is turned on from the Alerts page, goes pending then firing
// there, a desktop notification is raised through the browser's Notification API, a local webhook
// receives Alertmanager's v4 JSON with the context label, Prometheus's /api/v1/alerts and
// /api/v1/rules list it, and silencing it from the page works.
import { writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect, startDemo, test } from './fixtures.js';

interface Hook {
  version: string;
  status: string;
  receiver: string;
  groupLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; fingerprint: string }[];
}

test('CountGreaterThan5 goes pending then firing, notifies the desktop and a webhook, and can be silenced', async ({ page, ws, context }) => {
  test.setTimeout(180_000);
  const hooks: Hook[] = [];
  const hookServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        hooks.push(JSON.parse(body) as Hook);
      } catch {
        // not JSON: not counted
      }
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  const hookPort = (hookServer.address() as AddressInfo).port;
  mkdirSync(ws.dataDir, { recursive: true });
  writeFileSync(
    path.join(ws.dataDir, 'alerting.yml'),
    `route:
  receiver: both
  group_by: [alertname, context]
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 1h
receivers:
  - name: both
    desktop_configs:
      - send_resolved: true
    webhook_configs:
      - url: http://127.0.0.1:${hookPort}/hook
        send_resolved: true
`,
  );

  await context.grantPermissions(['notifications']);
  await page.addInitScript(() => {
    type Ctor = new (title: string, opts?: { body?: string; tag?: string }) => object;
    const w = globalThis as unknown as { __notes: { title: string; body: string }[]; __instances: object[]; Notification: Ctor };
    w.__notes = [];
    w.__instances = [];
    const Real = w.Notification;
    class Recording extends Real {
      constructor(title: string, opts?: { body?: string; tag?: string }) {
        w.__notes.push({ title, body: opts?.body ?? '' });
        super(title, opts);
        w.__instances.push(this);
      }
    }
    w.Notification = Recording;
  });

  const demo = await startDemo(ws.dir);
  try {
    const { loginUrl } = await ws.start({ KUBECONFIG: demo.kubeconfig }, ['--scrape-interval', '2s', '--rule-interval', '2s']);
    const origin = new URL(loginUrl).origin;
    await page.goto(loginUrl);
    await page.goto(`${origin}/#/alerts`);
    await expect(page.getByRole('heading', { name: 'Alerts', level: 1 })).toBeVisible();
    // Permission was granted in this browser context: the page says so instead of offering the button.
    await expect(page.getByTestId('notifications-on')).toBeVisible();

    // A context given by a kubeconfig reads its PrometheusRules only when asked: turn them on.
    const evaluate = page.getByTestId('alert-contexts').getByRole('row').filter({ has: page.getByRole('cell', { name: 'kubeglass-demo', exact: true }) }).getByRole('checkbox', { name: /Evaluate/ });
    await expect(evaluate).toHaveCount(1, { timeout: 20_000 });
    await expect(evaluate).not.toBeChecked();
    await evaluate.click();
    await expect(evaluate).toBeChecked();
    await expect(page.locator('[data-testid="rule-row"][data-rule="CountGreaterThan5"]')).toHaveCount(1, { timeout: 20_000 });
    // Built-in rules are there too.
    await expect(page.locator('[data-testid="rule-row"][data-rule="KubePodCrashLooping"]').first()).toBeAttached();

    const row = page.locator('[data-testid="alert-row"][data-alertname="CountGreaterThan5"]');
    const t0 = Date.now();
    await expect(row.first()).toHaveAttribute('data-state', 'pending', { timeout: 90_000 });
    const tPending = Date.now();
    await expect(row.first()).toHaveAttribute('data-state', 'firing', { timeout: 30_000 });
    const tFiring = Date.now();
    console.log(`CountGreaterThan5: pending ${((tPending - t0) / 1000).toFixed(1)} s after the rules were turned on, firing ${((tFiring - tPending) / 1000).toFixed(1)} s later`);
    await expect(row.first().locator('td').nth(2)).toHaveText('kubeglass-demo');

    // The desktop notification through the Notification API.
    await expect
      .poll(async () => page.evaluate(() => (globalThis as unknown as { __notes: { title: string }[] }).__notes.map((n) => n.title)), { timeout: 20_000 })
      .toContainEqual(expect.stringMatching(/^\[FIRING:\d+\] CountGreaterThan5 \(kubeglass-demo\)$/));

    // Clicking it opens the alert on the Alerts page.
    await page.evaluate(() => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = '#/cluster';
    });
    await expect(page.getByRole('heading', { name: 'Alerts', level: 1 })).toHaveCount(0);
    await page.evaluate(() => {
      const w = globalThis as unknown as { __instances: { onclick: (() => void) | null }[] };
      w.__instances.at(-1)?.onclick?.();
    });
    await expect(page).toHaveURL(/#\/alerts\?alert=[0-9a-f]+$/);
    await expect(page.locator('tr.alert-focused')).toHaveAttribute('data-alertname', 'CountGreaterThan5');

    // The webhook: Alertmanager's v4 payload with the context label.
    await expect.poll(() => hooks.length, { timeout: 20_000 }).toBeGreaterThan(0);
    const hook = hooks.find((h) => h.alerts.some((a) => a.labels.alertname === 'CountGreaterThan5'))!;
    expect(hook.version).toBe('4');
    expect(hook.status).toBe('firing');
    expect(hook.receiver).toBe('both');
    expect(hook.alerts[0]!.labels).toMatchObject({ alertname: 'CountGreaterThan5', context: 'kubeglass-demo', severity: 'info' });
    expect(hook.alerts[0]!.status).toBe('firing');
    expect(hook.alerts[0]!.annotations.summary).toBe('The ping app has answered more than 5 requests.');

    // An alert that resolves: firing until a moment 15 s from now, then resolved, sent exactly once.
    const until = Math.floor(Date.now() / 1000) + 15;
    mkdirSync(path.join(ws.dataDir, 'rules'), { recursive: true });
    writeFileSync(path.join(ws.dataDir, 'rules', 'flip.yaml'), `groups:\n- name: flip\n  rules:\n  - alert: Flip\n    expr: vector(1) unless on() (vector(time()) > ${until})\n`);
    const flips = (status: string) => hooks.filter((h) => h.status === status && h.alerts.some((a) => a.labels.alertname === 'Flip'));
    await expect.poll(() => flips('firing').length, { timeout: 30_000 }).toBe(1);
    await expect.poll(() => flips('resolved').length, { timeout: 45_000 }).toBe(1);
    expect(flips('resolved')[0]!.alerts[0]!.status).toBe('resolved');
    expect(flips('resolved')[0]!.alerts[0]!.endsAt).not.toBe('0001-01-01T00:00:00Z');
    // Two group intervals later it has not been sent again.
    await page.waitForTimeout(11_000);
    expect(flips('resolved')).toHaveLength(1);
    expect(flips('firing')).toHaveLength(1);

    // Prometheus's API for the selected context.
    const alerts = (await (await page.request.get(`${origin}/api/v1/alerts`)).json()) as { status: string; data: { alerts: { labels: Record<string, string>; state: string }[] } };
    expect(alerts.status).toBe('success');
    expect(alerts.data.alerts.find((a) => a.labels.alertname === 'CountGreaterThan5')?.state).toBe('firing');
    const rules = (await (await page.request.get(`${origin}/api/v1/rules?type=alert&rule_name[]=CountGreaterThan5`)).json()) as {
      data: { groups: { file: string; rules: { name: string; state: string; health: string }[] }[] };
    };
    expect(rules.data.groups.map((g) => g.file)).toContain('prometheusrule/demo/ping');
    expect(rules.data.groups.flatMap((g) => g.rules).find((r) => r.name === 'CountGreaterThan5')).toMatchObject({ state: 'firing', health: 'ok' });

    // The timeline draws the ALERTS series.
    await expect(page.getByTestId('timeline-row').first()).toBeVisible({ timeout: 20_000 });

    // Silence it in one click.
    await row.first().getByRole('button', { name: 'Silence 2h' }).click();
    await expect(row.first()).toHaveAttribute('data-silenced', 'true');
    await expect(page.getByTestId('silence-row')).toHaveCount(1);
    await expect(page.getByTestId('silence-row').first()).toContainText('alertname="CountGreaterThan5"');
    await expect(row.first()).toContainText('silenced');
  } finally {
    demo.proc.kill('SIGTERM');
    hookServer.close();
  }
});

test('the Alerts page lists built-in and user rules, reports a broken rule file, and offers desktop notifications', async ({ page, ws }) => {
  mkdirSync(path.join(ws.dataDir, 'rules'), { recursive: true });
  writeFileSync(path.join(ws.dataDir, 'rules', 'mine.yaml'), 'groups:\n- name: mine\n  rules:\n  - alert: AlwaysOn\n    expr: vector(1)\n    labels:\n      severity: info\n');
  writeFileSync(path.join(ws.dataDir, 'rules', 'broken.yaml'), 'groups:\n- name: broken\n  rules:\n  - alert: Bad\n    expr: "sum("\n');
  const { loginUrl } = await ws.start({}, ['--rule-interval', '1s']);
  await page.goto(loginUrl);
  await page.getByRole('link', { name: 'Alerts' }).click();
  await expect(page).toHaveURL(/#\/alerts$/);
  // Permission not granted yet: the page offers the button.
  await expect(page.getByTestId('enable-notifications')).toBeVisible();
  await expect(page.getByTestId('rule-problems')).toContainText('broken.yaml');
  await expect(page.getByTestId('rule-problems')).toContainText('parse error');
  await expect(page.locator('[data-testid="rule-row"][data-rule="TargetDown"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="rule-row"][data-rule="AlwaysOn"]')).toHaveCount(1);
  // The user's rule fires at once (no `for`) in the selected context.
  await expect(page.locator('[data-testid="alert-row"][data-alertname="AlwaysOn"]')).toHaveAttribute('data-state', 'firing', { timeout: 15_000 });

  // Fixing the file and reloading the rules clears the problem.
  writeFileSync(path.join(ws.dataDir, 'rules', 'broken.yaml'), 'groups:\n- name: fixed\n  rules:\n  - record: fixed_one\n    expr: vector(1)\n');
  await page.getByRole('button', { name: 'Reload rules' }).click();
  await expect(page.getByTestId('rule-problems')).toHaveCount(0);
  await expect(page.locator('[data-testid="rule-row"][data-rule="fixed_one"]')).toHaveCount(1);
});
