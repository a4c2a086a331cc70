import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '..');

test('the Data page lists each context database and capture with series, span and size', async ({ page, ws }) => {
  // Seed the staging context's database through the command line, as a user moving data in would.
  const om = path.join(ws.dir, 'seed.om');
  let text = '# TYPE node_load1 gauge\n';
  for (const instance of ['a', 'b', 'c']) for (let i = 0; i < 10; i++) text += `node_load1{instance="${instance}"} ${i} ${1_704_067_200 + i * 15}\n`;
  writeFileSync(om, text + '# EOF\n');
  const kubeglass = (...args: string[]) => execFileSync(process.execPath, [path.join(ROOT, 'bin', 'kubeglass.mjs'), ...args], { stdio: 'pipe' });
  kubeglass('import', '--data-dir', ws.dataDir, '--context', 'staging', om);
  kubeglass('capture', 'export', '--data-dir', ws.dataDir, '--context', 'staging', '--from', '1704067200', '--to', '1704067260', '--match', 'instance=a', '--name', 'incident-7', '--note', 'load spike', '--out', path.join(ws.dataDir, 'captures', 'incident-7.kgcapture'));

  const { loginUrl } = await ws.start();
  await page.goto(loginUrl);
  await page.getByRole('link', { name: 'Data' }).click();
  const dbRow = page.getByRole('table', { name: 'Context databases' }).locator('tbody tr');
  await expect(dbRow).toHaveCount(1);
  await expect(dbRow.first()).toContainText('staging');
  await expect(dbRow.first().locator('td').nth(1)).toHaveText('3');
  const capRow = page.getByRole('table', { name: 'Captures' }).locator('tbody tr');
  await expect(capRow).toHaveCount(1);
  await expect(capRow.first()).toContainText('incident-7');
  await expect(capRow.first()).toContainText('load spike');
  await expect(capRow.first().locator('td').nth(3)).toHaveText('1');
});
