// Offline review: a capture saved from the Data page on the demo cluster, the cluster and the app
// stopped, then `kubeglass serve --capture FILE` with no cluster in reach shows the same numbers
// in every panel of the Cluster overview and the same node table as the live app did.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, instant, startDemo, test } from './fixtures.js';

const CADVISOR = 'job="kubelet", metrics_path="/metrics/cadvisor", container!="", image!=""';

/** Every stat and gauge of the loaded Cluster overview: expression, time and raw value. */
async function overviewNumbers(page: Page): Promise<{ expr: string; time: string; raw: string; text: string }[]> {
  const dashboard = page.locator('[data-dashboard="cluster"]');
  await expect(dashboard).toHaveAttribute('data-loaded', 'true', { timeout: 30_000 });
  const panels = page.locator('section.panel');
  for (let i = 0; i < (await panels.count()); i++) await expect(panels.nth(i)).toHaveAttribute('data-state', 'ready');
  const values = page.locator('[data-testid="stat-value"], [data-testid="gauge-value"]');
  const out = [];
  for (let i = 0; i < (await values.count()); i++) {
    const v = values.nth(i);
    out.push({ expr: (await v.getAttribute('data-expr'))!, time: (await v.getAttribute('data-time'))!, raw: (await v.getAttribute('data-raw'))!, text: (await v.textContent())! });
  }
  return out;
}

test('a capture saved on the demo cluster shows the same numbers with no cluster, under serve --capture', async ({ page, ws }) => {
  test.setTimeout(240_000);
  const demo = await startDemo(ws.dir);
  let live: Awaited<ReturnType<typeof overviewNumbers>>;
  let liveNodes: string[];
  let hash: string;
  let liveApi: string;
  let rangeEnd: number;
  try {
    const { loginUrl } = await ws.start({ KUBECONFIG: demo.kubeconfig }, ['--scrape-interval', '2s']);
    const origin = new URL(loginUrl).origin;
    const rate = `sum(rate(container_cpu_usage_seconds_total{${CADVISOR}}[1m] offset 20s))`;
    await expect.poll(async () => (await instant(page.request, origin, rate)).length, { timeout: 120_000, intervals: [2000] }).toBe(1);

    // A fixed range that ended a moment ago: the same view, live and from the capture.
    rangeEnd = Math.floor((Date.now() - 5_000) / 1000) * 1000;
    hash = `from=${rangeEnd - 10 * 60_000}&to=${rangeEnd}`;
    await page.setViewportSize({ width: 1440, height: 1100 });
    await page.goto(loginUrl);
    await page.goto(`${origin}/#/cluster?${hash}`);
    live = await overviewNumbers(page);
    expect(live.length).toBe(16);
    liveNodes = await page.locator('[data-panel-id="nodes"] tbody tr').allTextContents();
    expect(liveNodes).toHaveLength(3);
    liveApi = JSON.stringify(await instant(page.request, origin, 'sum by (node) (kube_node_status_capacity{resource="cpu"})', rangeEnd / 1000));

    // Save the last 15 minutes from the Data page.
    await page.getByRole('link', { name: 'Data' }).click();
    const form = page.getByRole('form', { name: 'Save a capture' });
    await form.getByLabel('Range').selectOption('15m');
    await form.getByPlaceholder('incident-42').fill('e2e incident');
    await form.getByPlaceholder('what happened').fill('saved by the capture e2e');
    await form.getByRole('button', { name: 'Save capture' }).click();
    const row = page.getByRole('table', { name: 'Captures' }).locator('tbody tr');
    await expect(row).toHaveCount(1, { timeout: 30_000 });
    await expect(row.first()).toContainText('e2e incident');
    await expect(row.first()).toContainText('saved by the capture e2e');
  } finally {
    await ws.stop();
    demo.proc.kill();
  }

  // No cluster, no kubeconfig: only the capture file.
  const captures = path.join(ws.dataDir, 'captures');
  const files = readdirSync(captures).filter((f) => f.endsWith('.kgcapture'));
  expect(files).toHaveLength(1);
  const { loginUrl } = await ws.start({ KUBECONFIG: path.join(ws.dir, 'no-such-kubeconfig') }, ['--capture', path.join(captures, files[0]!)]);
  const origin = new URL(loginUrl).origin;
  await page.goto(loginUrl);
  await expect(page.getByTestId('capture-banner')).toContainText('e2e incident');
  await expect(page.getByTestId('capture-banner')).not.toContainText('Back to live data');
  await page.goto(`${origin}/#/cluster?${hash}`);
  const offline = await overviewNumbers(page);
  expect(offline).toEqual(live);
  expect(await page.locator('[data-panel-id="nodes"] tbody tr').allTextContents()).toEqual(liveNodes);
  // The Prometheus API reads the capture too.
  expect(JSON.stringify(await instant(page.request, origin, 'sum by (node) (kube_node_status_capacity{resource="cpu"})', rangeEnd / 1000))).toBe(liveApi);

  // Without a range in the URL, pages open on the capture's span, not on "the last hour".
  await page.goto(`${origin}/#/cluster`);
  await expect(page.locator('[data-dashboard="cluster"]')).toHaveAttribute('data-loaded', 'true', { timeout: 30_000 });
  await expect(page.locator('[data-panel-id="nodes-ready"] [data-testid="stat-value"]')).toHaveText('3');
});
