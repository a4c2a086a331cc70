// The Cluster overview against the demo cluster: every panel draws data, the stat and gauge
// numbers equal what the app's own Prometheus API answers for the same expressions at the same
// time, range switches cancel the queries in flight, and drag-to-zoom and back/forward move the range.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, instant, startDemo, test } from './fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const CADVISOR = 'job="kubelet", metrics_path="/metrics/cadvisor", container!="", image!=""';

test('the Cluster overview draws every panel with data, and its numbers are the API answers', async ({ page, ws }, testInfo) => {
  // The kubelet ServiceMonitor asks for 30 s, so a CPU rate needs up to a minute of scrapes.
  test.setTimeout(180_000);
  const demo = await startDemo(ws.dir);
  try {
    const { loginUrl } = await ws.start({ KUBECONFIG: demo.kubeconfig }, ['--scrape-interval', '2s']);
    const origin = new URL(loginUrl).origin;
    // Wait for data: kube-state-metrics, and two cAdvisor scrapes (a rate) 20 s ago, since range
    // queries end at the last whole step (15 s) before now.
    const rate = `sum(rate(container_cpu_usage_seconds_total{${CADVISOR}}[1m] offset 20s))`;
    await expect
      .poll(async () => (await instant(page.request, origin, rate)).length, { timeout: 120_000, intervals: [2000] })
      .toBe(1);
    await expect.poll(async () => (await instant(page.request, origin, 'kube_node_status_condition')).length, { timeout: 30_000 }).toBeGreaterThan(0);

    // The landing page, with a context selected, is the Cluster overview.
    const t0 = Date.now();
    await page.setViewportSize({ width: 1440, height: 1100 });
    await page.goto(loginUrl);
    const dashboard = page.locator('[data-dashboard="cluster"]');
    await expect(dashboard).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });
    const wallMs = Date.now() - t0;
    const drawnMs = Number(await dashboard.getAttribute('data-load-ms'));
    testInfo.annotations.push({ type: 'time-to-all-panels', description: `${drawnMs} ms from the range being set to every panel drawn; ${wallMs} ms from navigation` });
    console.log(`cluster overview: all panels drawn ${drawnMs} ms after the range was set, ${wallMs} ms after navigation (login included)`);

    const panels = page.locator('section.panel');
    const count = await panels.count();
    expect(count).toBe(15);
    for (let i = 0; i < count; i++) {
      const p = panels.nth(i);
      const id = await p.getAttribute('data-panel-id');
      await expect(p, `panel ${id}`).toHaveAttribute('data-state', 'ready');
    }
    // Time series: uPlot canvases with points for usage, requests and allocatable.
    for (const id of ['cpu-usage', 'memory-usage']) {
      const chart = page.locator(`[data-panel-id="${id}"] .ts-chart`);
      await expect(chart.locator('canvas')).toHaveCount(1);
      expect(Number(await chart.getAttribute('data-series'))).toBeGreaterThanOrEqual(3);
      expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(3);
      await expect(chart.locator('.u-legend')).toContainText('requests');
      await expect(chart.locator('.u-legend')).toContainText('allocatable');
    }
    // The node table: one row per node.
    await expect(page.locator('[data-panel-id="nodes"] tbody tr')).toHaveCount(3);

    // Every stat and gauge number equals the API's answer for the same expression at the same time.
    const values = page.locator('[data-testid="stat-value"], [data-testid="gauge-value"]');
    const n = await values.count();
    expect(n).toBe(16);
    for (let i = 0; i < n; i++) {
      const v = values.nth(i);
      const expr = (await v.getAttribute('data-expr'))!;
      const time = Number(await v.getAttribute('data-time')) / 1000;
      const shown = Number(await v.getAttribute('data-raw'));
      const api = await instant(page.request, origin, expr, time);
      expect(api.length, expr).toBe(1);
      expect(Number(api[0]!.value[1]), expr).toBeCloseTo(shown, 9);
      expect(await v.textContent()).not.toBe('–');
    }
    // And the counts are what the demo cluster has: 3 nodes, all Ready.
    await expect(page.locator('[data-panel-id="nodes-ready"] [data-testid="stat-value"]')).toHaveText('3');
    await expect(page.locator('[data-panel-id="nodes-not-ready"] [data-testid="stat-value"]')).toHaveText('0');

    // Switching the range while queries are in flight cancels them: hold every range query for
    // 3 s, switch to 6h, then to 24h before they answer; the browser aborts the 6h requests.
    const aborted: string[] = [];
    page.on('requestfailed', (r) => {
      if (r.url().includes('/rpc/promql.')) aborted.push(`${r.url()} ${r.failure()?.errorText ?? ''}`);
    });
    let held = 0;
    await page.route('**/rpc/promql.queryRange', async (route) => {
      held++;
      await new Promise((r) => setTimeout(r, 3000));
      await route.continue().catch(() => {});
    });
    await page.getByRole('button', { name: '6h', exact: true }).click();
    await expect(page).toHaveURL(/#\/cluster\?range=6h$/);
    const cpu = page.locator('[data-panel-id="cpu-usage"]');
    await expect(cpu).toHaveAttribute('data-state', 'loading');
    await expect.poll(() => held).toBeGreaterThanOrEqual(8); // both time series panels, four targets each
    await page.getByRole('button', { name: '24h', exact: true }).click();
    const abortedRange = () => aborted.filter((a) => a.includes('promql.queryRange') && a.includes('ERR_ABORTED')).length;
    await expect.poll(abortedRange, { message: 'aborted 6h range queries' }).toBeGreaterThanOrEqual(8);
    console.log(`range switch: ${held} range queries held, ${aborted.length} promql requests aborted:\n  ${aborted.join('\n  ')}`);
    await page.unroute('**/rpc/promql.queryRange');
    await expect(dashboard).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });
    await expect(cpu).toHaveAttribute('data-window', /^24h@/);
    await expect(cpu).toHaveAttribute('data-state', 'ready');

    // Back and forward move through the ranges.
    await page.goBack();
    await expect(page).toHaveURL(/#\/cluster\?range=6h$/);
    await expect(cpu).toHaveAttribute('data-window', /^6h@/);
    await page.goForward();
    await expect(page).toHaveURL(/#\/cluster\?range=24h$/);

    // Drag across a chart: the dashboard's range becomes the selection (absolute, in the hash).
    await page.getByRole('button', { name: '15m', exact: true }).click();
    await expect(dashboard).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });
    await expect(cpu).toHaveAttribute('data-window', /^15m@/);
    // The screenshot for the test report and the README, on the range the fresh data fills best.
    await page.mouse.move(0, 0);
    const shot = await page.screenshot({ fullPage: true });
    await testInfo.attach('cluster-overview', { body: shot, contentType: 'image/png' });
    // The README's copy is refreshed on request only, so a test run leaves the checkout clean.
    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(path.join(ROOT, 'docs', 'screenshots'), { recursive: true });
      writeFileSync(path.join(ROOT, 'docs', 'screenshots', 'cluster.png'), shot);
    }
    const over = page.locator('[data-panel-id="cpu-usage"] .u-over');
    const box = (await over.boundingBox())!;

    // The legends show the latest values; hovering one chart moves the other's crosshair and
    // legend too (uPlot cursor sync), to the values at that time.
    const memTime = page.locator('[data-panel-id="memory-usage"] .u-legend .u-series').first();
    await expect(memTime).toContainText('latest');
    await page.mouse.move(box.x + box.width * 0.97, box.y + box.height / 2);
    await expect(memTime).not.toContainText('latest');
    await expect(page.locator('[data-panel-id="memory-usage"] .u-legend')).toContainText('GiB');
    // A click on a legend entry hides that series, a second shows it again.
    const requests = page.locator('[data-panel-id="cpu-usage"] .u-legend .u-series', { hasText: 'requests' });
    await requests.locator('th').click();
    await expect(requests).toHaveClass(/u-off/);
    await requests.locator('th').click();
    await expect(requests).not.toHaveClass(/u-off/);

    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect(page).toHaveURL(/#\/cluster\?from=\d+&to=\d+$/);
    const hash = new URLSearchParams(new URL(page.url()).hash.split('?')[1]);
    const span = Number(hash.get('to')) - Number(hash.get('from'));
    expect(span).toBeGreaterThan(60_000); // about a fifth of 15 minutes
    expect(span).toBeLessThan(5 * 60_000);
    await expect(page.getByTestId('range-label')).toContainText('→');
    await expect(dashboard).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });
    await expect(cpu).toHaveAttribute('data-window', new RegExp(`^${hash.get('from')}-${hash.get('to')}@`));
    // That stretch is mostly from before scraping began: a stat there says so, rather than blaming the exporter.
    const readyNodes = page.locator('[data-panel-id="nodes-ready"]');
    if ((await readyNodes.getAttribute('data-state')) === 'nodata') {
      await expect(readyNodes.getByTestId('no-data')).toHaveText(/^No samples of kube_node_status_condition in this range; Kubeglass has it from other times/);
    }
  } finally {
    demo.proc.kill('SIGTERM');
  }
});

test('a panel without data says why, a failing or slow query affects only its own panel, and auto-refresh re-queries', async ({ page, ws }) => {
  // The fixture's kubeconfig points at a stand-in API server with no exporters: nothing to scrape.
  const { loginUrl } = await ws.start({}, ['--no-scrape']);
  await page.goto(loginUrl);
  const dashboard = page.locator('[data-dashboard="cluster"]');
  await expect(dashboard).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });
  const ready = page.locator('[data-panel-id="nodes-ready"]');
  await expect(ready).toHaveAttribute('data-state', 'nodata');
  // The reason comes from the metric's absence and the Targets state: here, scraping is off.
  await expect(ready.getByTestId('no-data')).toHaveText(/^No series for kube_node_status_condition: no context is being scraped/);
  await expect(page.locator('[data-panel-id="cpu-usage"]').getByTestId('no-data')).toHaveText(
    /^No series for container_cpu_usage_seconds_total: no context is being scraped/,
  );

  // A failing query breaks only its own panel, which shows the error; a slow one only keeps its
  // own panel loading while the others finish.
  await page.route('**/rpc/promql.query', async (route) => {
    const body = route.request().postData() ?? '';
    if (body.includes('nvidia_com_gpu')) {
      await route.fulfill({ status: 422, contentType: 'application/json', body: JSON.stringify({ ok: false, error: { code: 'execution', message: 'injected failure' } }) });
    } else if (body.includes('status!=\\"true\\"')) {
      await new Promise((r) => setTimeout(r, 4000));
      await route.continue().catch(() => {});
    } else {
      await route.continue();
    }
  });
  await page.reload();
  const gpu = page.locator('[data-panel-id="gpu"]');
  const slow = page.locator('[data-panel-id="nodes-not-ready"]');
  await expect(gpu).toHaveAttribute('data-state', 'error');
  await expect(gpu.getByRole('alert')).toHaveText('injected failure');
  await expect(ready).toHaveAttribute('data-state', 'nodata');
  await expect(slow).toHaveAttribute('data-state', 'loading');
  await expect(page.locator('[data-panel-id="memory-capacity"]')).toHaveAttribute('data-state', 'nodata');
  await expect(dashboard).toHaveAttribute('data-loaded', 'false');
  await expect(slow).toHaveAttribute('data-state', 'nodata', { timeout: 10_000 });
  await expect(dashboard).toHaveAttribute('data-loaded', 'true');
  await page.unroute('**/rpc/promql.query');

  // Auto-refresh from the address: every 10 s the panels query again, ending at the new "now".
  await page.goto(new URL(loginUrl).origin + '/#/cluster?range=15m&refresh=10s');
  await expect(page.getByRole('combobox', { name: 'Auto-refresh' })).toHaveValue('10s');
  const first = await ready.getAttribute('data-window');
  expect(first).toMatch(/^15m@/);
  await expect(ready).not.toHaveAttribute('data-window', first!, { timeout: 15_000 });
  const second0 = Number(/@(\d+)/.exec((await ready.getAttribute('data-window'))!)![1]);
  expect(second0 - Number(/@(\d+)/.exec(first!)![1])).toBeGreaterThanOrEqual(9_000);

  // Scraping on, but this API server offers nothing to discover: no kube-state-metrics target.
  await ws.stop();
  const second = await ws.start();
  await page.goto(second.loginUrl);
  await expect(page.locator('[data-panel-id="nodes-ready"]').getByTestId('no-data')).toHaveText(
    'No series for kube_node_status_condition: there is no kube-state-metrics target. Is it installed in the cluster? See Targets.',
  );
});

// In a browser nine hours ahead of UTC (as the CI machine is on UTC), so local and UTC differ.
test.describe(() => {
test.use({ timezoneId: 'Asia/Seoul' });
test('ranges: presets from 5 minutes to 30 days, an absolute range typed in, t ← / t z from the keyboard, and UTC', async ({ page, ws }) => {
  const { loginUrl } = await ws.start({}, ['--no-scrape']);
  await page.goto(loginUrl);
  const origin = new URL(loginUrl).origin;
  await page.goto(`${origin}/#/cluster?range=1h`);
  const dashboard = page.locator('[data-dashboard="cluster"]');
  await expect(dashboard).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });
  for (const p of ['5m', '30d']) {
    await page.getByRole('button', { name: p, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`#/cluster\\?range=${p}$`));
  }
  await page.getByRole('button', { name: '1h', exact: true }).click();
  const range = () => {
    const q = new URLSearchParams(new URL(page.url()).hash.split('?')[1]);
    return { from: Number(q.get('from')), to: Number(q.get('to')) };
  };

  // t ←: half an hour earlier, an hour long.
  const before = Date.now();
  await page.locator('body').press('t');
  await page.locator('body').press('ArrowLeft');
  await expect(page).toHaveURL(/#\/cluster\?from=\d+&to=\d+$/);
  const back = range();
  expect(back.to - back.from).toBe(3_600_000);
  expect(Math.abs(back.to - (before - 1_800_000))).toBeLessThan(60_000);
  // t z: twice as long.
  await page.locator('body').press('t');
  await page.locator('body').press('z');
  await expect.poll(() => range().to - range().from).toBe(7_200_000);

  // An absolute range, typed in local time; an end before the start is refused with a reason.
  await page.getByRole('button', { name: 'Absolute…' }).click();
  await page.getByLabel('Range start').fill('2026-01-02T03:04');
  await page.getByLabel('Range end').fill('2026-01-01T00:00');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'The end must be after the start.' })).toBeVisible();
  await page.getByLabel('Range end').fill('2026-01-02T05:04');
  await page.getByRole('button', { name: 'Apply' }).click();
  const abs = range();
  expect(abs.to - abs.from).toBe(2 * 3_600_000);
  expect(await page.evaluate((t) => new Date(t).getHours() * 60 + new Date(t).getMinutes(), abs.from)).toBe(3 * 60 + 4);
  await expect(dashboard).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });

  // UTC: the range reads in UTC, a range typed now is UTC, and the choice survives a reload.
  const utc = page.getByRole('button', { name: 'UTC', exact: true });
  await utc.click();
  await expect(utc).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('range-label')).toContainText('UTC');
  await page.getByRole('button', { name: 'Absolute…' }).click();
  await page.getByLabel('Range start').fill('2026-03-04T05:06');
  await page.getByLabel('Range end').fill('2026-03-04T07:06');
  await page.getByRole('button', { name: 'Apply' }).click();
  expect(range().from).toBe(Date.UTC(2026, 2, 4, 5, 6));
  await page.reload();
  await expect(page.getByRole('button', { name: 'UTC', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('range-label')).toContainText('UTC');
  await page.getByRole('button', { name: 'UTC', exact: true }).click();
  await expect(page.getByTestId('range-label')).not.toContainText('UTC');
});
});
