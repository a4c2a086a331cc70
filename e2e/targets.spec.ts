// The Targets page against the demo cluster: real discovery, real scrapes through the API
// server's proxy (or port-forwards, when the user chooses them), the Operator's labels.
import { expect, startDemo, test } from './fixtures.js';

test('scrapes the demo cluster through the API server and lists its targets with the Operator labels', async ({ page, ws }) => {
  // The cluster's kubelet ServiceMonitor asks for 30 s, so its first scrapes take up to that long.
  test.setTimeout(120_000);
  const demo = await startDemo(ws.dir);
  try {
    const { loginUrl } = await ws.start({ KUBECONFIG: demo.kubeconfig }, ['--scrape-interval', '2s']);
    await page.goto(loginUrl);
    await page.getByRole('link', { name: 'Targets' }).click();
    await expect(page.getByTestId('targets-summary')).toContainText('scraping context "kubeglass-demo"');
    // One node-exporter per node, named by its node, scraped through its pod's proxy.
    const exporters = page.locator('tbody tr', { hasText: 'job="node-exporter"' });
    await expect(exporters).toHaveCount(3);
    await expect(exporters.first()).toContainText('via API server proxy of pod monitoring/');
    await expect(exporters.filter({ hasText: 'UP' })).toHaveCount(3, { timeout: 20_000 });
    // The kubelet's cAdvisor through each node's proxy.
    const cadvisor = page.locator('tbody tr', { hasText: 'metrics_path="/metrics/cadvisor"' });
    await expect(cadvisor).toHaveCount(3);
    await expect(cadvisor.filter({ hasText: 'UP' })).toHaveCount(3, { timeout: 45_000 });
    // A fault shows with its reason: filter to the unhealthy ones.
    await page.getByLabel('Unhealthy only').check();
    await expect(page.locator('tbody tr', { hasText: 'job="node-exporter"' })).toHaveCount(0);

    // The user chooses port-forward for this context: its pods are then scraped through one.
    await page.getByRole('link', { name: 'Contexts' }).click();
    await page.getByLabel('Reach pods of kubeglass-demo by port-forward').check();
    await page.getByRole('link', { name: 'Targets' }).click();
    await page.getByLabel('Unhealthy only').uncheck();
    const forwarded = page.locator('tbody tr', { hasText: 'job="node-exporter"' });
    await expect(forwarded.filter({ hasText: 'via port-forward to pod monitoring/' })).toHaveCount(3, { timeout: 30_000 });
    await expect(forwarded.filter({ hasText: 'UP' })).toHaveCount(3, { timeout: 30_000 });
    // The kubelet is a node, not a pod: still the node proxy.
    await expect(page.locator('tbody tr', { hasText: 'metrics_path="/metrics/cadvisor"' }).first()).toContainText('via API server proxy of node');
  } finally {
    demo.proc.kill('SIGTERM');
  }
});
