// Remote write from the app: the Data page points the demo cluster's context at the real
// Prometheus (--web.enable-remote-write-receiver) and what Prometheus stores equals what the app
// stores for the same series and times.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startPrometheus } from '../core/testing/prometheus.js';
import { expect, instant, startDemo, test } from './fixtures.js';

test('the Data page sends live samples to a remote-write endpoint, and Prometheus stores what the app stores', async ({ page, ws }) => {
  test.setTimeout(180_000);
  const promDir = path.join(ws.dir, 'prometheus');
  mkdirSync(promDir, { recursive: true });
  writeFileSync(path.join(promDir, 'prometheus.yml'), 'global: {}\n');
  const prom = await startPrometheus({ configFile: path.join(promDir, 'prometheus.yml'), tsdbPath: path.join(promDir, 'tsdb'), args: ['--web.enable-remote-write-receiver'] });
  const demo = await startDemo(ws.dir);
  try {
    const { loginUrl } = await ws.start({ KUBECONFIG: demo.kubeconfig }, ['--scrape-interval', '2s']);
    const origin = new URL(loginUrl).origin;
    await page.goto(loginUrl);
    await page.getByRole('link', { name: 'Data' }).click();
    const form = page.getByRole('form', { name: 'Remote-write endpoint' });
    await form.getByPlaceholder('https://prometheus.example/api/v1/write').fill(`http://127.0.0.1:${prom.port}/api/v1/write`);
    await form.getByRole('button', { name: 'Send to this endpoint' }).click();
    const enabledAt = Date.now();
    await expect(page.getByTestId('remote-write-status')).toContainText('samples sent', { timeout: 15_000 });
    await expect.poll(async () => Number(/(\d+) samples sent/.exec((await page.getByTestId('remote-write-status').textContent()) ?? '')?.[1] ?? 0), { timeout: 60_000 }).toBeGreaterThan(100);

    // Same series, same values at the same instant: up of every node-exporter target, at a time
    // after remote write was turned on (so both stores hold the sample the instant query finds).
    const query = 'up{job="node-exporter"}';
    const promSeries = async (at: number) => {
      const d = await prom.api(`/api/v1/query?query=${encodeURIComponent(query)}&time=${at}`);
      return d.resultType === 'vector' ? d.result.map((s) => `${s.metric.instance} ${'value' in s ? s.value[1] : ''}`).sort() : [];
    };
    await expect
      .poll(
        async () => {
          const at = Date.now() / 1000 - 3;
          const ours = (await instant(page.request, origin, query, at)).map((s) => `${s.metric.instance} ${s.value[1]}`).sort();
          const theirs = await promSeries(at);
          return ours.length === 3 && JSON.stringify(ours) === JSON.stringify(theirs) ? 'equal' : `ours ${JSON.stringify(ours)} theirs ${JSON.stringify(theirs)}`;
        },
        { timeout: 60_000, intervals: [2000] },
      )
      .toBe('equal');
    // And a counter's raw samples over 20 s that all came after remote write was on, sample for sample.
    const wait = enabledAt + 26_000 - Date.now();
    if (wait > 0) await page.waitForTimeout(wait);
    const end = Date.now() / 1000 - 3;
    const raw = 'node_cpu_seconds_total{cpu="0",mode="idle"}[20s]';
    const ourRaw = await page.request.get(`${origin}/api/v1/query?${new URLSearchParams({ query: raw, time: String(end) })}`).then((r) => r.json());
    const theirRaw = await prom.api(`/api/v1/query?query=${encodeURIComponent(raw)}&time=${end}`);
    const norm = (r: { result: { metric: Record<string, string>; values?: [number, string][] }[] }) => r.result.map((x) => `${x.metric.instance} ${JSON.stringify(x.values)}`).sort();
    expect(norm(theirRaw as never)).toEqual(norm((ourRaw as { data: never }).data));
    expect(norm(theirRaw as never).length).toBe(3);

    // Turned off: the form offers to send again, and the status goes.
    await page.getByRole('button', { name: 'Turn off' }).click();
    await expect(form.getByRole('button', { name: 'Send to this endpoint' })).toBeVisible();
    await expect(page.getByTestId('remote-write-status')).toHaveCount(0);
  } finally {
    await ws.stop();
    demo.proc.kill();
    prom.stop();
  }
});
