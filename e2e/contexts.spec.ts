import { writeFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, kubeconfigA, test } from './fixtures.js';

const current = (page: Page) => page.getByTestId('current-context');
const badge = (page: Page) => page.getByRole('banner').getByTestId('connection-badge');
const modifier = process.platform === 'darwin' ? 'Meta' : 'Control';

async function switchByKeyboard(page: Page, filter: string) {
  await page.keyboard.press(`${modifier}+k`);
  const dialog = page.getByRole('dialog', { name: 'Switch context' });
  await expect(dialog).toBeVisible();
  await page.keyboard.type(filter);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
}

test('switches between three contexts from two kubeconfig files, and the choice persists', async ({ page, ws }) => {
  const first = await ws.start();
  await page.goto(first.loginUrl);
  // The token left the address bar for an HttpOnly cookie.
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/(#.*)?$/);

  // current-context comes from the second file, the first one to set it.
  await expect(current(page)).toHaveText('staging');
  await expect(badge(page)).toHaveAttribute('data-state', 'connected');
  await expect(badge(page)).toContainText('v1.32.9-e2e');

  // All three contexts are listed, from both files, with the first file's "prod" cluster winning.
  await page.getByRole('link', { name: 'Contexts' }).click();
  const rows = page.getByRole('table', { name: 'Contexts' }).locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText('prod-admin');
  await expect(rows.nth(0)).toContainText(`http://127.0.0.1:${ws.apiPort}`);
  await expect(page.getByText('must-not-win')).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText('E2E-SECRET');
  // Each context's reachability: lab's server refuses connections, the others answer.
  await expect(page.getByTestId('reach-lab')).toContainText('offline since', { timeout: 15_000 });
  await expect(page.getByTestId('reach-lab')).toContainText('never reached');
  await expect(page.getByTestId('reach-prod-admin')).toHaveText('online');
  await expect(page.getByTestId('reach-staging')).toHaveText('online');

  // Keyboard: Ctrl+K, type, Enter.
  await switchByKeyboard(page, 'prod');
  await expect(current(page)).toHaveText('prod-admin');
  await expect(badge(page)).toHaveAttribute('data-state', 'connected');

  // Arrow keys and Escape: the dialog closes without changing anything.
  await page.keyboard.press(`${modifier}+k`);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Escape');
  await expect(current(page)).toHaveText('prod-admin');

  // Mouse, from the contexts page: the third context, whose server is down.
  await page.getByRole('button', { name: 'Use lab' }).click();
  await expect(current(page)).toHaveText('lab');
  await expect(badge(page)).toHaveAttribute('data-state', 'unreachable');

  // A reload keeps the choice (it lives in the engine, not the page).
  await page.reload();
  await expect(current(page)).toHaveText('lab');

  // So does a restart of Kubeglass on the same data directory.
  await switchByKeyboard(page, 'prod-adm');
  await expect(current(page)).toHaveText('prod-admin');
  await ws.stop();
  const second = await ws.start();
  await page.goto(second.loginUrl);
  await expect(current(page)).toHaveText('prod-admin');
});

test('follows kubeconfig edits live and explains a broken file without losing the others', async ({ page, ws }) => {
  const { loginUrl } = await ws.start();
  await page.goto(loginUrl);
  await expect(current(page)).toHaveText('staging');
  await page.getByRole('link', { name: 'Contexts' }).click();

  writeFileSync(ws.fileA, kubeconfigA(ws.apiPort) + '- name: added-later\n  context: {cluster: prod, user: admin}\n');
  await expect(page.getByRole('table', { name: 'Contexts' }).locator('tbody tr')).toHaveCount(4);
  await expect(page.getByRole('cell', { name: 'added-later', exact: true })).toBeVisible();

  writeFileSync(ws.fileA, 'clusters: [\n  {name: broken\n');
  const problems = page.getByRole('list', { name: 'Kubeconfig problems' });
  await expect(problems).toContainText(ws.fileA);
  await expect(problems).toContainText('not valid YAML');
  await expect(page.getByRole('table', { name: 'Contexts' }).locator('tbody tr')).toHaveCount(1);
  await expect(current(page)).toHaveText('staging');
});

test('without the access token the page explains how to get in, and the API refuses', async ({ page, ws }) => {
  const { loginUrl } = await ws.start();
  const origin = new URL(loginUrl).origin;
  await page.goto(origin + '/');
  await expect(page.getByRole('alert')).toContainText('Access token needed');
  const response = await page.request.post(origin + '/rpc/contexts.list', { data: {} });
  expect(response.status()).toBe(401);
});
