// The Nodes, Node, Workloads and GPU dashboards against the demo cluster: every panel draws data,
// the node table has one row per node with the API's numbers, sorts and filters, a row opens that
// node's page (its variable in the address), the namespace variable narrows the workloads, and the
// GPU page says plainly when there are no DCGM metrics.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { expect, instant, startDemo, test } from './fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Attaches a page's screenshot to the report; with UPDATE_SCREENSHOTS set, also docs/screenshots/NAME.png for the README. */
async function screenshot(page: Page, name: string, target?: Locator): Promise<void> {
  await page.mouse.move(0, 0);
  const shot = target ? await target.screenshot() : await page.screenshot({ fullPage: true });
  await test.info().attach(name, { body: shot, contentType: 'image/png' });
  if (process.env.UPDATE_SCREENSHOTS) {
    mkdirSync(path.join(ROOT, 'docs', 'screenshots'), { recursive: true });
    writeFileSync(path.join(ROOT, 'docs', 'screenshots', `${name}.png`), shot);
  }
}

const CADVISOR = 'job="kubelet", metrics_path="/metrics/cadvisor", container!="", image!=""';
const NE = 'job="node-exporter"';

/** Waits for the dashboard to draw and checks that every panel has data. */
async function expectAllReady(page: Page, uid: string): Promise<Locator> {
  const dashboard = page.locator(`[data-dashboard="${uid}"]`);
  await expect(dashboard).toHaveAttribute('data-loaded', 'true', { timeout: 30_000 });
  const ms = await dashboard.getAttribute('data-load-ms');
  test.info().annotations.push({ type: 'time-to-all-panels', description: `${uid}: ${ms} ms` });
  console.log(`${uid}: all panels drawn ${ms} ms after the range was set`);
  const panels = page.locator('section.panel');
  const n = await panels.count();
  expect(n).toBeGreaterThan(4);
  for (let i = 0; i < n; i++) {
    const p = panels.nth(i);
    const id = await p.getAttribute('data-panel-id');
    await expect(p, `${uid}: panel ${id}: ${await p.locator('.panel-body').textContent()}`).toHaveAttribute('data-state', 'ready');
  }
  return dashboard;
}

/** Equal but for float rounding. */
function expectSame(shown: number, api: number, what: string): void {
  expect(Math.abs(shown - api), `${what}: shown ${shown}, API ${api}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(api)));
}

/** Every stat and gauge number on the page is the API's answer for the same expression at the same time. */
async function expectStatsAreApiAnswers(page: Page, origin: string): Promise<void> {
  const values = page.locator('[data-testid="stat-value"], [data-testid="gauge-value"]');
  const n = await values.count();
  expect(n).toBeGreaterThan(0);
  for (let i = 0; i < n; i++) {
    const v = values.nth(i);
    const expr = (await v.getAttribute('data-expr'))!;
    const api = await instant(page.request, origin, expr, Number(await v.getAttribute('data-time')) / 1000);
    expect(api.length, expr).toBe(1);
    expectSame(Number(await v.getAttribute('data-raw')), Number(api[0]!.value[1]), expr);
  }
}

/**
 * Opens a dashboard on an absolute hour ending 10 s ago, so every sample of it is stored before the
 * panels query (a scrape in flight at "now" could otherwise land between the page's query and the API's).
 */
async function openSettled(page: Page, origin: string, hash: string, uid: string): Promise<void> {
  const to = Date.now() - 10_000;
  const from = to - 3_600_000;
  await page.goto(`${origin}/${hash}${hash.includes('?') ? '&' : '?'}from=${from}&to=${to}`);
  await expect(page.locator('section.panel').first()).toHaveAttribute('data-window', new RegExp(`^${from}-${to}@`));
  await expect(page.locator(`[data-dashboard="${uid}"]`)).toHaveAttribute('data-loaded', 'true', { timeout: 30_000 });
}

/** A column's raw numbers, top to bottom. */
async function columnValues(table: Locator, col: string): Promise<number[]> {
  const cells = await table.locator(`tbody td[data-col="${col}"]`).evaluateAll((tds) => tds.map((td) => td.getAttribute('data-raw') ?? ''));
  return cells.map((c) => (c === '' ? Number.NaN : Number(c)));
}

test('node table, node detail, workloads and GPU pages draw the demo cluster', async ({ page, ws }) => {
  test.setTimeout(240_000);
  // Four nodes with seed 1: its workloads include containers with CPU limits (throttling data).
  const demo = await startDemo(ws.dir, ['--nodes', '4', '--seed', '1']);
  try {
    const { loginUrl } = await ws.start({ KUBECONFIG: demo.kubeconfig }, ['--scrape-interval', '2s']);
    const origin = new URL(loginUrl).origin;
    // Rates need two scrapes; range queries end at the last whole step, so look 20 s back.
    for (const q of [
      `sum(rate(node_cpu_seconds_total{${NE}, mode="idle"}[1m] offset 20s))`,
      `sum(rate(container_cpu_usage_seconds_total{${CADVISOR}}[1m] offset 20s))`,
      `sum(rate(container_cpu_cfs_periods_total{${CADVISOR}}[1m] offset 20s))`,
      'sum(kube_node_info)',
      'sum(DCGM_FI_DEV_GPU_UTIL offset 20s)',
    ]) {
      await expect.poll(async () => (await instant(page.request, origin, q)).length, { timeout: 120_000, intervals: [2000], message: q }).toBe(1);
    }
    await page.setViewportSize({ width: 1440, height: 1100 });
    await page.goto(loginUrl);

    // ---- The node table: one row per node, the API's numbers, threshold colours.
    await page.goto(`${origin}/#/nodes`);
    await expect(page.getByRole('link', { name: 'Nodes', exact: true })).toHaveAttribute('aria-current', 'page');
    await expectAllReady(page, 'nodes');
    const uname = await instant(page.request, origin, `node_uname_info{${NE}}`);
    const hostnames = uname.map((s) => s.metric['nodename']!).sort();
    expect(hostnames).toHaveLength(4);
    const table = page.locator('[data-panel-id="nodes"] table');
    const rows = table.locator('tbody tr');
    await expect(rows).toHaveCount(4);
    await expect(page.locator('[data-panel-id="nodes"] [data-testid="table-count"]')).toHaveText('4 rows');
    // Sorted by hostname at first.
    expect(await table.locator('tbody td[data-col="by:nodename"]').allTextContents()).toEqual(hostnames);
    const ips = Object.fromEntries((await instant(page.request, origin, 'kube_node_info')).map((s) => [s.metric['node']!, s.metric['internal_ip']!]));
    for (const host of hostnames) {
      const row = table.locator(`tbody tr[data-row="${host}"]`);
      const instance = uname.find((s) => s.metric['nodename'] === host)!.metric['instance']!;
      await expect(row.locator('td[data-col="label:internal_ip"]')).toHaveText(ips[host]!);
      await expect(row.locator('td[data-col="label:instance"]')).toHaveText(instance);
      const raw = async (col: string) => Number(await row.locator(`td[data-col="${col}"]`).getAttribute('data-raw'));
      const cores = (await instant(page.request, origin, `count(node_cpu_seconds_total{${NE}, mode="system", instance="${instance}"})`))[0]!.value[1];
      expect(await raw('target:4'), `${host} CPU cores`).toBe(Number(cores));
      const mem = (await instant(page.request, origin, `node_memory_MemTotal_bytes{${NE}, instance="${instance}"}`))[0]!.value[1];
      expect(await raw('target:3'), `${host} memory`).toBe(Number(mem));
      expect(await raw('target:2'), `${host} uptime`).toBeGreaterThan(60);
      for (const pct of ['target:6', 'target:7', 'target:8']) {
        const v = await raw(pct);
        expect(v, `${host} ${pct}`).toBeGreaterThan(0);
        expect(v, `${host} ${pct}`).toBeLessThan(100);
      }
      for (const positive of ['target:5', 'target:9', 'target:10', 'target:11', 'target:12', 'target:13', 'target:14']) {
        expect(await raw(positive), `${host} ${positive}`).toBeGreaterThan(0);
      }
      // Percentages carry a threshold colour.
      await expect(row.locator('td[data-col="target:6"]')).toHaveClass(/tone-(ok|warn|bad)/);
      await expect(row.locator('td[data-col="target:6"]')).toHaveText(/^\d+\.\d%$/);
    }

    // Every number in the table is the API's answer for its column's expression at the table's time.
    await openSettled(page, origin, '#/nodes', 'nodes');
    const tableTime = Number(await table.getAttribute('data-time')) / 1000;
    const valueHeaders = table.locator('thead th[data-expr]');
    expect(await valueHeaders.count()).toBe(13);
    for (const th of await valueHeaders.all()) {
      const col = (await th.getAttribute('data-col'))!;
      const expr = (await th.getAttribute('data-expr'))!;
      expect(expr).not.toContain('$');
      const api = new Map((await instant(page.request, origin, expr, tableTime)).map((s) => [s.metric['nodename'], Number(s.value[1])]));
      for (const host of hostnames) {
        const shown = Number(await table.locator(`tbody tr[data-row="${host}"] td[data-col="${col}"]`).getAttribute('data-raw'));
        expect(api.has(host), `${col} ${host}`).toBe(true);
        expectSame(shown, api.get(host)!, `${col} ${host}`);
      }
    }
    await expectStatsAreApiAnswers(page, origin);
    await page.goto(`${origin}/#/nodes`);
    await expect(page.locator('[data-dashboard="nodes"]')).toHaveAttribute('data-loaded', 'true', { timeout: 30_000 });

    // Sorting: a click on a number column sorts largest first, a second click smallest first.
    const memHeader = table.locator('th[data-col="target:3"]');
    await memHeader.getByRole('button').click();
    await expect(memHeader).toHaveAttribute('aria-sort', 'descending');
    const desc = await columnValues(table, 'target:3');
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await memHeader.getByRole('button').click();
    await expect(memHeader).toHaveAttribute('aria-sort', 'ascending');
    expect(await columnValues(table, 'target:3')).toEqual([...desc].reverse());
    const hostHeader = table.locator('th[data-col="by:nodename"]');
    await hostHeader.getByRole('button').click();
    await expect(hostHeader).toHaveAttribute('aria-sort', 'ascending');
    expect(await table.locator('tbody td[data-col="by:nodename"]').allTextContents()).toEqual(hostnames);

    // The filter keeps the rows with a matching cell.
    const filter = page.locator('[data-panel-id="nodes"] [data-testid="table-filter"]');
    await filter.fill('worker');
    const workers = hostnames.filter((h) => h.includes('worker'));
    await expect(rows).toHaveCount(workers.length);
    await expect(page.locator('[data-panel-id="nodes"] [data-testid="table-count"]')).toHaveText(`${workers.length} of 4 rows`);
    await filter.fill(ips[hostnames[0]!]!);
    await expect(rows).toHaveCount(1);
    await filter.fill('');
    await expect(rows).toHaveCount(4);
    await screenshot(page, 'nodes');

    // ---- A row opens its node: the node variable in the address, that node's numbers.
    await page.getByRole('button', { name: '6h', exact: true }).click();
    await expect(page).toHaveURL(/#\/nodes\?range=6h/);
    const target = workers[workers.length - 1]!;
    const targetInstance = uname.find((s) => s.metric['nodename'] === target)!.metric['instance']!;
    await table.locator(`tbody tr[data-row="${target}"] td[data-col="target:2"]`).click();
    await expect(page).toHaveURL(new RegExp(`#/node\\?node=${target}&range=6h$`));
    const node = await expectAllReady(page, 'node');
    await expect(page.locator('h1')).toHaveText(`Node ${target}`);
    await expect(page.getByRole('combobox', { name: 'Node' })).toHaveValue(target);
    await expect(page.getByRole('link', { name: 'Nodes', exact: true })).toHaveAttribute('aria-current', 'page');
    const ram = page.locator('[data-panel-id="memory-total"] [data-testid="stat-value"]');
    const ramApi = Number((await instant(page.request, origin, `node_memory_MemTotal_bytes{${NE}, instance="${targetInstance}"}`))[0]!.value[1]);
    await expect(ram).toHaveAttribute('data-raw', String(ramApi));
    expect(await ram.getAttribute('data-expr')).toContain(`instance="${targetInstance}"`);
    // The disk table: device, filesystem, mount point, size, available, used.
    const disks = page.locator('[data-panel-id="disk-space"] tbody tr');
    expect(await disks.count()).toBeGreaterThan(0);
    await expect(page.locator('[data-panel-id="disk-space"] tbody tr[data-row="/"] td[data-col="label:fstype"]')).toHaveText(/^(ext4|xfs)$/);
    // Chained variables: the largest mount point is in a title, the interfaces are the node's.
    await expect(page.locator('[data-panel-id="max-mount-used"] .panel-title')).toHaveText('Used max mount (/)');
    await expect(page.locator('[data-var="device"]')).toHaveAttribute('data-value', '$__all');
    const bandwidth = page.locator('[data-panel-id="network-bandwidth"] .ts-chart');
    expect(Number(await bandwidth.getAttribute('data-series'))).toBeGreaterThanOrEqual(2);
    expect(Number(await page.locator('[data-panel-id="cpu-modes"] .ts-chart').getAttribute('data-points'))).toBeGreaterThan(3);
    await screenshot(page, 'node', node);
    await openSettled(page, origin, `#/node?node=${target}`, 'node');
    await expectStatsAreApiAnswers(page, origin);
    await page.goBack();
    await expect(page).toHaveURL(new RegExp(`#/node\\?node=${target}&range=6h$`));
    await expect(node).toHaveAttribute('data-loaded', 'true', { timeout: 30_000 });
    // Choosing another node in the picker changes the address and the numbers.
    const other = hostnames.find((h) => h.includes('gpu')) ?? hostnames[0]!;
    const otherInstance = uname.find((s) => s.metric['nodename'] === other)!.metric['instance']!;
    await page.getByRole('combobox', { name: 'Node' }).selectOption(other);
    await expect(page).toHaveURL(new RegExp(`#/node\\?range=6h&node=${other}$`));
    const otherRam = Number((await instant(page.request, origin, `node_memory_MemTotal_bytes{${NE}, instance="${otherInstance}"}`))[0]!.value[1]);
    await expect(ram).toHaveAttribute('data-raw', String(otherRam));
    await expect(node).toHaveAttribute('data-loaded', 'true', { timeout: 30_000 });
    await page.goBack();
    await expect(ram).toHaveAttribute('data-raw', String(ramApi));

    // ---- Workloads: all namespaces, then one.
    await page.goto(`${origin}/#/workloads`);
    await openSettled(page, origin, '#/workloads', 'workloads');
    await expectStatsAreApiAnswers(page, origin);
    await page.goto(`${origin}/#/workloads`);
    await expectAllReady(page, 'workloads');
    const pods = page.locator('[data-panel-id="pods"] tbody tr');
    const podRows = await pods.count();
    const namespaces = new Set(await page.locator('[data-panel-id="pods"] tbody td[data-col="by:namespace"]').allTextContents());
    expect(namespaces.size).toBeGreaterThan(2);
    const nsRows = page.locator('[data-panel-id="namespaces"] tbody tr');
    await expect(nsRows).toHaveCount(namespaces.size);
    const cpuByPod = page.locator('[data-panel-id="cpu-pod"] .ts-chart');
    const allSeries = Number(await cpuByPod.getAttribute('data-series'));
    expect(allSeries).toBeGreaterThan(3);
    expect(allSeries).toBeLessThanOrEqual(podRows);
    // Throttling: the limited containers' share of throttled periods.
    expect(Number(await page.locator('[data-panel-id="cpu-throttling"] .ts-chart').getAttribute('data-series'))).toBeGreaterThan(0);
    await screenshot(page, 'workloads');

    const ns = 'shop';
    const vars = page.getByRole('toolbar', { name: 'Variables' });
    expect(namespaces.has(ns)).toBe(true);
    await vars.getByRole('button', { name: 'Namespace' }).click();
    await page.getByRole('listbox', { name: 'Namespace' }).getByLabel(ns, { exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`#/workloads\\?namespace=${ns}$`));
    await page.keyboard.press('Escape');
    await expect(page.locator('[data-dashboard="workloads"]')).toHaveAttribute('data-loaded', 'true', { timeout: 30_000 });
    await expect(page.locator('[data-var="namespace"]')).toHaveAttribute('data-value', ns);
    await expect(nsRows).toHaveCount(1);
    await expect(nsRows.locator('td[data-col="by:namespace"]')).toHaveText(ns);
    await expect.poll(async () => new Set(await page.locator('[data-panel-id="pods"] tbody td[data-col="by:namespace"]').allTextContents())).toEqual(new Set([ns]));
    const shopPods = await instant(page.request, origin, `sum by (pod) (rate(container_cpu_usage_seconds_total{${CADVISOR}, namespace="${ns}"}[2m]))`);
    const shopPodInfo = await instant(page.request, origin, `kube_pod_info{namespace="${ns}"}`);
    // Rows: the pods with usage, and those with only requests, limits or restarts (not running now).
    await expect.poll(() => pods.count()).toBeGreaterThanOrEqual(shopPods.length);
    expect(await pods.count()).toBeLessThanOrEqual(shopPodInfo.length);
    expect(await pods.count()).toBeLessThan(podRows);
    await expect(cpuByPod).toHaveAttribute('data-series', String(shopPods.length));
    // The chained pod variable offers only that namespace's pods.
    await vars.getByRole('button', { name: 'Pod' }).click();
    const podOptions = (await page.getByRole('listbox', { name: 'Pod' }).locator('label').allTextContents()).map((s) => s.trim()).filter((s) => s !== 'All');
    const apiPods = shopPodInfo.map((s) => s.metric['pod']!).sort();
    expect(podOptions.sort()).toEqual(apiPods);
    await page.keyboard.press('Escape');

    // ---- GPUs: one row per GPU.
    await page.goto(`${origin}/#/gpu`);
    await expectAllReady(page, 'gpu');
    const gpus = await instant(page.request, origin, 'DCGM_FI_DEV_GPU_UTIL');
    await expect(page.locator('[data-panel-id="gpu-table"] tbody tr')).toHaveCount(gpus.length);
    await expect(page.locator('[data-panel-id="gpus"] [data-testid="stat-value"]')).toHaveText(String(gpus.length));
    await expect(page.getByTestId('no-dcgm')).toHaveCount(0);
    await openSettled(page, origin, '#/gpu', 'gpu');
    await expectStatsAreApiAnswers(page, origin);
    await screenshot(page, 'gpu');
  } finally {
    demo.proc.kill('SIGTERM');
  }
});

test('the GPU page says so when there are no DCGM metrics, and a link to an unknown node says so', async ({ page, ws }) => {
  const { loginUrl } = await ws.start({}, ['--no-scrape']);
  await page.goto(loginUrl);
  await page.goto(`${new URL(loginUrl).origin}/#/gpu`);
  await expect(page.getByTestId('no-dcgm')).toContainText('No GPU metrics');
  const dashboard = page.locator('[data-dashboard="gpu"]');
  await expect(dashboard).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });
  await expect(page.locator('[data-panel-id="gpus"]')).toHaveAttribute('data-state', 'nodata');
  await expect(page.locator('[data-panel-id="util"]').getByTestId('no-data')).toContainText('DCGM_FI_DEV_GPU_UTIL');

  // A link to a node Kubeglass does not know says so, and the page still draws (without data).
  await page.goto(`${new URL(loginUrl).origin}/#/node?node=no-such-node`);
  await expect(page.getByTestId('var-missing')).toHaveText('no-such-node not found; showing nothing');
  await expect(page.locator('[data-dashboard="node"]')).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });
  await expect(page.locator('[data-panel-id="uptime"]')).toHaveAttribute('data-state', 'nodata');
});
