// Issue 6's end-to-end check: the app, pointed at a 20-node demo cluster, discovers every target
// and scrapes it through the API server with the Operator's labels; faults injected into the
// running cluster (`demo-cluster --faults-stdin`) show on the Targets page with their reason, and
// everything recovers when they clear.
import type { Page } from '@playwright/test';
import { expect, startDemo, test } from './fixtures.js';

const row = (page: Page, instance: string) => page.locator('tbody tr', { hasText: 'job="node-exporter"' }).filter({ hasText: `instance="${instance}"` });

test('a 20-node demo cluster: every target up, faults on the Targets page with their reason, recovery', async ({ page, ws }) => {
  test.setTimeout(240_000);
  const demo = await startDemo(ws.dir, ['--nodes', '20', '--faults-stdin']);
  try {
    const { loginUrl } = await ws.start({ KUBECONFIG: demo.kubeconfig }, ['--scrape-interval', '5s']);
    const origin = new URL(loginUrl).origin;
    const targets = async () => {
      const r = await page.request.get(`${origin}/api/v1/targets`);
      return ((await r.json()) as { data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] } }).data.activeTargets;
    };
    // Discovery: a node-exporter and three kubelet endpoints per node, kube-state-metrics, the ping app.
    await expect
      .poll(async () => (await targets()).filter((t) => t.labels.job === 'node-exporter' && t.health === 'up').length, { timeout: 90_000, intervals: [2000] })
      .toBe(20);
    const all = await targets();
    expect(all.filter((t) => t.labels.job === 'kubelet').length).toBe(60);
    expect(all.some((t) => t.labels.job === 'kube-state-metrics')).toBe(true);
    // The Operator's labels on what was stored.
    const r = await page.request.get(`${origin}/api/v1/series?${new URLSearchParams({ 'match[]': 'node_load1' })}`);
    const series = ((await r.json()) as { data: Record<string, string>[] }).data;
    expect(series).toHaveLength(20);
    for (const s of series) expect(Object.keys(s).sort()).toEqual(expect.arrayContaining(['container', 'endpoint', 'instance', 'job', 'namespace', 'pod', 'service']));

    await page.goto(loginUrl);
    await page.getByRole('link', { name: 'Targets' }).click();
    await expect(row(page, 'demo-worker-01')).toContainText('via API server proxy of pod monitoring/');

    // Three target faults at once, each with its own reason.
    expect(await demo.fault('malformed demo-worker-01 9100')).toBe('ok malformed demo-worker-01 9100');
    expect(await demo.fault('hang demo-worker-02 9100 60000')).toMatch(/^ok/);
    expect(await demo.fault('refuse demo-worker-03 9100')).toMatch(/^ok/);
    await expect(row(page, 'demo-worker-01')).toContainText(/DOWN[\s\S]*line \d+/i, { timeout: 45_000 });
    await expect(row(page, 'demo-worker-02')).toContainText(/DOWN[\s\S]*(deadline exceeded|timeout)/i, { timeout: 45_000 });
    await expect(row(page, 'demo-worker-03')).toContainText(/DOWN[\s\S]*(refused|503)/i, { timeout: 45_000 });
    await page.getByLabel('Unhealthy only').check();
    await expect(page.locator('tbody tr', { hasText: 'job="node-exporter"' })).toHaveCount(3);

    // They clear: every node-exporter is up again, with no error.
    expect(await demo.fault('clear-targets')).toBe('ok clear-targets');
    await expect(page.locator('tbody tr', { hasText: 'job="node-exporter"' })).toHaveCount(0, { timeout: 45_000 });
    await page.getByLabel('Unhealthy only').uncheck();
    await expect(row(page, 'demo-worker-01')).not.toContainText('line ');

    // The API server goes away: every target says so; it comes back and so do they.
    expect(await demo.fault('api-down')).toBe('ok api-down');
    await expect(row(page, 'demo-worker-04')).toContainText(/DOWN[\s\S]*(ECONNREFUSED|connect)/i, { timeout: 45_000 });
    expect(await demo.fault('api-up')).toBe('ok api-up');
    await expect.poll(async () => (await targets()).filter((t) => t.labels.job === 'node-exporter' && t.health === 'up').length, { timeout: 60_000, intervals: [2000] }).toBe(20);
  } finally {
    demo.proc.kill('SIGTERM');
  }
});

test('a slow API server proxy moves the pod to a port-forward, with the reason on the Targets page', async ({ page, ws }) => {
  test.setTimeout(150_000);
  const demo = await startDemo(ws.dir, ['--faults-stdin']);
  try {
    const { loginUrl } = await ws.start({ KUBECONFIG: demo.kubeconfig }, ['--scrape-interval', '5s']);
    await page.goto(loginUrl);
    await page.getByRole('link', { name: 'Targets' }).click();
    await expect(row(page, 'demo-worker-01')).toContainText('via API server proxy of pod monitoring/', { timeout: 60_000 });
    // 3 s of the 5 s timeout, three scrapes in a row: the proxy is slow; a port-forward is not.
    expect(await demo.fault('slow-proxy demo-worker-01 9100 3000')).toBe('ok slow-proxy demo-worker-01 9100 3000');
    await expect(row(page, 'demo-worker-01')).toContainText(/via port-forward to pod monitoring\/node-exporter-[a-z0-9]+:9100 \(the API server proxy was slow: 3 scrapes in a row took at least 50% of the 5\.0 s timeout or timed out, the last took [3-4]\.\d s; the proxy is tried again at \d\d:\d\d:\d\d UTC\)/, { timeout: 90_000 });
    await expect(row(page, 'demo-worker-01')).toHaveAttribute('data-health', 'up', { timeout: 20_000 });
    // The other nodes' exporters keep the proxy.
    await expect(row(page, 'demo-gpu-01')).toContainText('via API server proxy of pod monitoring/');
  } finally {
    demo.proc.kill('SIGTERM');
  }
});
