// Explore on the demo cluster: completion offers real metric names from our API, a query runs
// with Ctrl+Enter into a chart with a legend whose entries toggle and isolate series, the table
// view lists the instant answer, a broken query shows the linter's mark and the server's
// line:column error, the address reproduces the query after a reload, and CodeMirror runs under
// the Content-Security-Policy without a single violation.
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, startDemo, test } from './fixtures.js';

const QUERY = 'rate(node_cpu_seconds_total{mode="idle"}[1m])';

async function seriesCount(request: APIRequestContext, origin: string, query: string): Promise<number> {
  const r = await request.get(`${origin}/api/v1/query?${new URLSearchParams({ query })}`);
  if (r.status() !== 200) return -1;
  const body = (await r.json()) as { data: { result: unknown[] } };
  return body.data.result.length;
}

async function setQuery(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('promql-input');
  await input.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await expect(input).toHaveText(text);
}

test('Explore: completion from our API, graph with legend toggling, table, parse errors, shareable link', async ({ page, ws }, testInfo) => {
  test.setTimeout(180_000);
  const cspViolations: string[] = [];
  let stage = 'start';
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${stage}: ${m.text()}`);
  });
  // Playwright's screenshots inject a caret-hiding style of their own, which the CSP refuses: not the app's.
  const shot = async (name: string) => {
    const before = cspViolations.length;
    const body = await page.screenshot({ fullPage: true });
    await page.waitForTimeout(200);
    cspViolations.splice(before);
    await testInfo.attach(name, { body, contentType: 'image/png' });
  };
  const demo = await startDemo(ws.dir);
  try {
    const { loginUrl } = await ws.start({ KUBECONFIG: demo.kubeconfig }, ['--scrape-interval', '2s']);
    const origin = new URL(loginUrl).origin;
    stage = 'A 1m rate needs two node-exporter scrape';
    // A 1m rate needs two node-exporter scrapes.
    await expect.poll(async () => seriesCount(page.request, origin, QUERY), { timeout: 120_000, intervals: [2000] }).toBeGreaterThan(0);
    const cpus = await seriesCount(page.request, origin, QUERY);

    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(loginUrl);
    await page.getByRole('link', { name: 'Explore' }).click();
    await expect(page).toHaveURL(/#\/explore$/);
    const explore = page.locator('section.explore');
    await expect(explore).toHaveAttribute('data-state', 'idle');

    stage = 'Completion';
    // Completion: a prefix offers the metric names our API knows, with their metadata.
    const input = page.getByTestId('promql-input');
    await input.click();
    await page.keyboard.type('node_cpu_sec', { delay: 30 });
    const completions = page.locator('.cm-tooltip-autocomplete');
    await expect(completions).toBeVisible();
    await expect(completions.locator('li', { hasText: 'node_cpu_seconds_total' })).toHaveCount(1);
    await page.keyboard.press('Escape');

    stage = 'Highlighting';
    // Highlighting: the language marks functions, labels and strings.
    await setQuery(page, QUERY);
    await expect(input.locator('.pq-function', { hasText: 'rate' })).toHaveCount(1);
    await expect(input.locator('.pq-string')).toHaveCount(1);

    stage = 'Ctrl/Cmd+Enter runs it';
    // Ctrl/Cmd+Enter runs it: a chart with one series per CPU, and the address carries the query.
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect(page).toHaveURL(/#\/explore\?q=rate.*&range=1h&view=graph/);
    await expect(explore).toHaveAttribute('data-state', 'graph', { timeout: 20_000 });
    const chart = page.getByTestId('explore-chart').locator('.ts-chart');
    await expect(chart).toHaveAttribute('data-series', /^[1-9]\d*$/);
    const drawn = Number(await chart.getAttribute('data-series'));
    console.log(`explore: ${drawn} series in the graph, ${cpus} in the instant answer, ${await chart.getAttribute('data-points')} points`);
    expect(drawn).toBeGreaterThanOrEqual(cpus);
    await expect(page.getByTestId('query-meta')).toContainText(/step \d+s · \d+ points per series · \d+ series/);
    const rows = chart.locator('.u-legend tr.u-series');
    await expect(rows).toHaveCount(drawn + 1); // the time row first
    await expect(chart.locator('.u-legend')).toContainText('mode="idle"');

    stage = 'Legend';
    // Legend: a click hides a series and shows it again; a shift-click shows only that one.
    const first = rows.nth(1);
    await first.locator('th').click();
    await expect(first).toHaveClass(/u-off/);
    await expect(page.getByTestId('query-meta')).toContainText(`(${drawn - 1} shown)`);
    await first.locator('th').click();
    await expect(first).not.toHaveClass(/u-off/);
    if (drawn > 1) {
      await rows.nth(2).locator('th').click({ modifiers: ['Shift'] });
      await expect(rows.nth(2)).not.toHaveClass(/u-off/);
      await expect(first).toHaveClass(/u-off/);
      await expect(page.getByTestId('query-meta')).toContainText('(1 shown)');
      await rows.nth(2).locator('th').click({ modifiers: ['Shift'] });
      await expect(first).not.toHaveClass(/u-off/);
    }
    stage = 'Stacked';
    // Stacked: the same series, drawn on top of each other.
    // The box follows the address (the view's state), which changes a moment after the click.
    await page.getByLabel('Stacked').click();
    await expect(page.getByLabel('Stacked')).toBeChecked();
    await expect(page).toHaveURL(/stacked=1/);
    await expect(chart).toHaveAttribute('data-series', String(drawn));
    await page.mouse.move(0, 0);
    await shot('explore-graph');

    stage = 'Table';
    // Table: the instant answer, one row per series, sortable by value.
    await page.getByRole('tab', { name: 'Table' }).click();
    await expect(page).toHaveURL(/view=table/);
    await expect(explore).toHaveAttribute('data-state', 'table', { timeout: 20_000 });
    const table = page.getByTestId('explore-table');
    await expect(table.locator('tbody tr')).not.toHaveCount(0);
    await expect(table.locator('tbody tr').first()).toContainText('mode="idle"');
    await table.getByRole('button', { name: /Value/ }).click();
    const values = (await table.locator('tbody td.num').allTextContents()).map(Number);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    await shot('explore-table');

    stage = 'The shareable link';
    // The shareable link: opening the address again runs the same query in the same view.
    const link = page.url();
    await page.goto('about:blank');
    await page.goto(link);
    await expect(explore).toHaveAttribute('data-state', 'table', { timeout: 20_000 });
    await expect(input).toHaveText(QUERY);
    await expect(table.locator('tbody tr')).not.toHaveCount(0);
    stage = 'The history remembers the query; a click';
    // The history remembers the query; a click runs it again.
    await expect(page.getByTestId('query-history')).toContainText(QUERY);

    stage = 'A broken query';
    // A broken query: the linter marks it in the editor and the server's error carries line:column.
    await page.getByRole('tab', { name: 'Graph' }).click();
    await setQuery(page, 'sum(rate(node_cpu_seconds_total))');
    await expect(input.locator('.cm-lintRange-error, .cm-lintPoint-error')).not.toHaveCount(0, { timeout: 5000 });
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(explore).toHaveAttribute('data-state', 'error');
    await expect(page.getByTestId('query-error')).toHaveText(/^\d+:\d+: parse error: /);
    await shot('explore-error');

    stage = 'A history entry brings the good query ba';
    // A history entry brings the good query back.
    await page.getByTestId('query-history').getByRole('button', { name: QUERY }).click();
    await expect(explore).toHaveAttribute('data-state', 'graph', { timeout: 20_000 });
    await expect(input).toHaveText(QUERY);

    expect(cspViolations).toEqual([]);
  } finally {
    demo.proc.kill('SIGTERM');
  }
});
