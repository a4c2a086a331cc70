// Grafana dashboard import on the demo cluster: both reference dashboards (Node Exporter Full 1860
// and StarsL's 11074) imported through the Dashboards page's file picker, a node chosen in the
// variable picker, every row opened, and most panels drawn with data (the ones without are named);
// a pasted dashboard with a repeated panel and a repeated row expands per selected value.
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, startDemo, test } from './fixtures.js';

const REF = '/work/shared/dashboards';
const FILES = [`${REF}/node-exporter-full-1860.json`, `${REF}/starsl-node-exporter-en-11074.json`];

async function instantCount(request: APIRequestContext, origin: string, query: string): Promise<number> {
  const r = await request.get(`${origin}/api/v1/query?${new URLSearchParams({ query })}`);
  expect(r.status(), await r.text()).toBe(200);
  return ((await r.json()) as { data: { result: unknown[] } }).data.result.length;
}

interface Census {
  total: number;
  data: number;
  ready: number;
  text: number;
  /** Panels whose metric has no series on the demo cluster (the panel names it). */
  absent: number;
  without: string[];
}

/** Opens every row, waits for all panels to finish, and counts them by state. */
async function census(page: Page, uid: string): Promise<Census> {
  const dashboard = page.locator(`[data-dashboard="${uid}"]`);
  for (;;) {
    const closed = page.locator('.dash-row[aria-expanded="false"]');
    if ((await closed.count()) === 0) break;
    await closed.first().click();
  }
  await expect(dashboard).toHaveAttribute('data-loaded', 'true', { timeout: 90_000 });
  const panels = await page.locator('section.panel').evaluateAll((els) =>
    els.map((e) => ({
      id: e.getAttribute('data-panel-id') ?? '',
      state: e.getAttribute('data-state') ?? '',
      title: e.getAttribute('aria-label') ?? '',
      body: (e.querySelector('.panel-body')?.textContent ?? '').replace(/\s+/g, ' ').slice(0, 160),
    })),
  );
  const data = panels.filter((p) => p.state !== 'text' && p.state !== 'unsupported');
  const ready = data.filter((p) => p.state === 'ready');
  const without = data.filter((p) => p.state !== 'ready').map((p) => `${p.title} [${p.state}]: ${p.body}`);
  // "No series for METRIC": the panel names a metric that has no series (the demo does not export it).
  const absent = data.filter((p) => p.state === 'nodata' && p.body.startsWith('No series for ')).length;
  return { total: panels.length, data: data.length, ready: ready.length, text: panels.length - data.length, absent, without };
}

test('both reference Grafana dashboards import and draw the demo cluster; repeats expand', async ({ page, ws }) => {
  test.setTimeout(300_000);
  const demo = await startDemo(ws.dir);
  try {
    const { loginUrl } = await ws.start({ KUBECONFIG: demo.kubeconfig }, ['--scrape-interval', '2s']);
    const origin = new URL(loginUrl).origin;
    const rate = 'sum(rate(node_cpu_seconds_total{job="node-exporter", mode="idle"}[1m] offset 20s))';
    await expect.poll(() => instantCount(page.request, origin, rate), { timeout: 120_000, intervals: [2000] }).toBe(1);
    const nodes = await instantCount(page.request, origin, 'node_uname_info{job="node-exporter"}');
    expect(nodes).toBe(3);
    await page.setViewportSize({ width: 1440, height: 1100 });
    await page.goto(loginUrl);

    // ---- Import both files through the file picker.
    await page.goto(`${origin}/#/dashboards`);
    await expect(page.getByRole('heading', { name: 'Import Grafana dashboard' })).toBeVisible();
    await expect(page.getByText("kept in this browser's local storage")).toBeVisible();
    await page.getByLabel('Grafana dashboard file').setInputFiles(FILES);
    const list = page.locator('[data-testid="imported-dashboards"] li');
    await expect(list).toHaveCount(2);
    await expect(page.locator('[data-testid="import-summary"]')).toBeVisible();

    const results: Record<string, Census & { converted: number; grafanaPanels: number }> = {};
    for (const [uid, title] of [
      ['rydddlpwk', 'Node Exporter Full'],
      ['xfpjb9fgz', 'Node Exporter for Prometheus Dashboard EN'],
    ] as const) {
      await page.goto(`${origin}/#/dashboards`);
      await page.locator(`[data-testid="imported-dashboards"] li[data-uid="${uid}"] a`).click();
      await expect(page).toHaveURL(new RegExp(`#/d/${uid}`));
      await expect(page.locator(`[data-dashboard="${uid}"] h1`)).toContainText(title);
      const summary = page.locator('[data-testid="import-summary"]');
      const grafanaPanels = Number(await summary.getAttribute('data-panels'));
      const converted = Number(await summary.getAttribute('data-converted'));
      // A short range: the demo cluster has minutes of history.
      await page.goto(`${origin}/#/d/${uid}?range=15m`);
      await expect(page.locator(`[data-dashboard="${uid}"]`)).toHaveAttribute('data-loaded', 'true', { timeout: 60_000 });
      // Choose another node in the variable picker.
      if (uid === 'rydddlpwk') {
        const picker = page.locator('[data-var="nodename"] select');
        const options = await picker.locator('option').allTextContents();
        expect(options).toHaveLength(3);
        await picker.selectOption(options[1]!);
        await expect(page.locator('[data-var="nodename"]')).toHaveAttribute('data-value', options[1]!);
        await expect(page.locator('[data-var="node"]')).toHaveAttribute('data-value', /.+/);
      } else {
        await page.locator('[data-var="node"] button').click();
        const boxes = page.locator('[data-var="node"] [role="listbox"] input[type="checkbox"]');
        await expect(boxes).toHaveCount(3);
        // The first node is selected by default: pick the second instead (one click at a time, each
        // waiting for the address to carry it).
        const labels = page.locator('[data-var="node"] [role="listbox"] label');
        const first = (await labels.nth(0).textContent())!.trim();
        const second = (await labels.nth(1).textContent())!.trim();
        await expect(page.locator('[data-var="node"]')).toHaveAttribute('data-value', first);
        await boxes.nth(1).click();
        await expect(page.locator('[data-var="node"]')).toHaveAttribute('data-value', `${first},${second}`);
        await boxes.nth(0).click();
        await expect(page.locator('[data-var="node"]')).toHaveAttribute('data-value', second);
        await page.keyboard.press('Escape');
      }
      const c = await census(page, uid);
      results[uid] = { ...c, converted, grafanaPanels };
      console.log(
        `${title}: ${grafanaPanels} Grafana panels, ${converted} converted, ${c.total} rendered (${c.text} text/notes), ${c.ready} of ${c.data} with data, ${c.absent} on metrics the demo does not export`,
      );
      for (const w of c.without) console.log(`  without data: ${w}`);
      test.info().annotations.push({ type: `${uid} panels`, description: `${converted}/${grafanaPanels} converted, ${c.total} rendered, ${c.ready}/${c.data} with data; without: ${c.without.join(' | ')}` });
      await page.mouse.move(0, 0);
      // The page scrolls inside main.content: back to the top for the screenshot.
      await page.locator('main.content').evaluate((el) => el.scrollTo(0, 0));
      // Attached to the report, and kept in the test's output directory.
      await test.info().attach(`grafana-${uid}`, { body: await page.screenshot({ fullPage: true, path: test.info().outputPath(`grafana-${uid}.png`) }), contentType: 'image/png' });
    }
    const full = results['rydddlpwk']!;
    const starsl = results['xfpjb9fgz']!;
    expect(full.converted).toBe(full.grafanaPanels);
    expect(starsl.converted).toBe(starsl.grafanaPanels);
    // Node Exporter Full: 125 panels, 73 with data; the others (47 on the first runs) chart metrics the
    // demo's node-exporter does not export (pressure, hwmon, systemd, softnet, timex, …): each says so.
    expect(full.total).toBe(125);
    expect(full.ready).toBeGreaterThanOrEqual(70);
    expect(full.ready / (full.data - full.absent)).toBeGreaterThanOrEqual(0.95);
    // StarsL 11074: every panel with data.
    expect(starsl.total).toBe(24);
    expect(starsl.ready).toBe(starsl.data);

    // ---- A repeated panel and a repeated row, pasted.
    const repeated = {
      uid: 'repeat-e2e',
      title: 'Repeat e2e',
      schemaVersion: 39,
      templating: {
        list: [
          {
            name: 'instance',
            type: 'query',
            query: { query: 'label_values(node_uname_info{job="node-exporter"}, instance)' },
            multi: true,
            includeAll: true,
            current: { text: 'All', value: ['$__all'] },
          },
        ],
      },
      panels: [
        {
          id: 1,
          type: 'stat',
          title: 'Load on $instance',
          repeat: 'instance',
          repeatDirection: 'h',
          gridPos: { x: 0, y: 0, w: 8, h: 4 },
          targets: [{ expr: 'node_load1{instance="$instance"}', refId: 'A' }],
        },
        { id: 2, type: 'row', title: 'Node $instance', repeat: 'instance', collapsed: false, gridPos: { x: 0, y: 4, w: 24, h: 1 }, panels: [] },
        { id: 3, type: 'timeseries', title: 'CPU $instance', gridPos: { x: 0, y: 5, w: 24, h: 5 }, targets: [{ expr: 'sum(rate(node_cpu_seconds_total{instance="$instance"}[$__rate_interval]))', refId: 'A' }] },
        { id: 4, type: 'piechart', title: 'A pie', gridPos: { x: 0, y: 10, w: 6, h: 4 }, targets: [] },
      ],
    };
    await page.goto(`${origin}/#/dashboards`);
    await page.getByLabel('Grafana dashboard JSON').fill(JSON.stringify(repeated));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(page.locator('[data-testid="import-result"]')).toHaveAttribute('data-uid', 'repeat-e2e');
    await expect(page.locator('[data-testid="import-result"]')).toContainText('A pie (piechart)');
    await page.goto(`${origin}/#/d/repeat-e2e?range=15m`);
    await expect(page.locator('[data-dashboard="repeat-e2e"]')).toHaveAttribute('data-loaded', 'true', { timeout: 60_000 });
    const copies = page.locator('section.panel[aria-label^="Load on "]');
    await expect(copies).toHaveCount(3);
    // The copies' ids: the panel's and the value's.
    expect((await copies.evaluateAll((els) => els.map((e) => e.getAttribute('data-panel-id') ?? ''))).every((id) => id.startsWith('p1-r'))).toBe(true);
    for (let i = 0; i < 3; i++) await expect(copies.nth(i)).toHaveAttribute('data-state', 'ready');
    const titles = (await copies.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))).sort();
    expect(new Set(titles).size).toBe(3);
    for (const t of titles) expect(t).toMatch(/^Load on \S+$/);
    await expect(page.locator('.dash-row')).toHaveCount(3);
    await expect(page.locator('section.panel[aria-label^="CPU "][data-state="ready"]')).toHaveCount(3);
    // The pie chart sits in the repeated row: one note per copy.
    await expect(page.locator('section.panel[data-state="unsupported"]')).toHaveCount(3);
    await expect(page.locator('section.panel[data-state="unsupported"]').first()).toContainText('panel type piechart is not supported');
    await test.info().attach('grafana-repeat', { body: await page.screenshot({ fullPage: true, path: test.info().outputPath('grafana-repeat.png') }), contentType: 'image/png' });
    // Fewer values: the copies follow the selection.
    await page.locator('[data-var="instance"] button').click();
    const boxes = page.locator('[data-var="instance"] [role="listbox"] input[type="checkbox"]');
    await boxes.nth(1).click();
    await page.keyboard.press('Escape');
    await expect(copies).toHaveCount(1);
    await expect(page.locator('.dash-row')).toHaveCount(1);
  } finally {
    demo.proc.kill('SIGTERM');
  }
});
