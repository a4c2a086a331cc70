// A cluster without kube-state-metrics (the demo cluster after `helm uninstall`): the app derives
// its series from the API, the Cluster overview still counts nodes and pods, and the Targets page
// says which series are derived rather than scraped. A second context scraped in the background
// shows what it costs. A cluster whose kubelets cannot be scraped, without node-exporter, still
// shows CPU and memory usage, from metrics-server, until the kubelets answer again.
import { expect, startDemo, test } from './fixtures.js';

test('a cluster without kube-state-metrics still gets a Cluster overview, from series derived from the API', async ({ page, ws }) => {
  test.setTimeout(150_000);
  const demo = await startDemo(ws.dir, ['--without', 'kube-state-metrics']);
  try {
    const { loginUrl } = await ws.start({ KUBECONFIG: demo.kubeconfig }, ['--scrape-interval', '2s']);
    const origin = new URL(loginUrl).origin;
    const ready = async () => {
      const r = await page.request.get(`${origin}/api/v1/query?${new URLSearchParams({ query: 'sum(kube_node_status_condition{job="kube-state-metrics",condition="Ready",status="true"})' })}`);
      const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result[0]?.value[1] ?? null;
    };
    // Derivation starts after two settled checks (10 s apart) find no kube-state-metrics.
    await expect.poll(ready, { timeout: 60_000, intervals: [2000] }).toBe('3');

    await page.goto(loginUrl);
    const dashboard = page.locator('[data-dashboard="cluster"]');
    await expect(dashboard).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });
    await expect(page.locator('[data-panel-id="nodes-ready"] [data-testid="stat-value"]')).toHaveText('3');

    await page.goto(`${origin}/#/targets`);
    const job = page.locator('[data-pool="kubeglass/derived-state"]');
    await expect(job).toContainText('derived from the Kubernetes API', { timeout: 20_000 });
    await expect(job).toContainText('The cluster has no kube-state-metrics');
    await expect(job).toContainText('1/1 up', { timeout: 20_000 });
    // No kube-state-metrics pod to scrape: the built-in job found nothing.
    await expect(page.locator('[data-pool="kubeglass/kube-state-metrics"]')).not.toContainText('1/1 up');

    // A second context kept scraping in the background, with what it costs.
    await page.goto(`${origin}/#/contexts`);
    const other = page.getByLabel('Keep scraping kubeglass-demo-cert in the background');
    await other.check();
    await expect(other).toBeChecked();
    await expect(page.getByTestId('scraping-kubeglass-demo-cert')).toHaveText(/^[1-9]\d*\/\d+ up · [1-9]\d* samples\/s · ≈\d+(\.\d)?% CPU$/, { timeout: 40_000 });
    await expect(page.getByTestId('scraping-kubeglass-demo')).toHaveText(/^[1-9]\d*\/\d+ up · /);
    await expect(page.getByTestId('scraping-cost')).toContainText('Scraping 2 contexts');
  } finally {
    demo.proc.kill('SIGTERM');
  }
});

test('kubelets that cannot be scraped and no node-exporter: usage from metrics-server on the Cluster overview, said so on the Targets page, until they are back', async ({ page, ws }) => {
  test.setTimeout(180_000);
  const demo = await startDemo(ws.dir, ['--without', 'prometheus-node-exporter', '--faults-stdin']);
  const nodes = ['demo-control-plane-1', 'demo-gpu-01', 'demo-worker-01'];
  try {
    for (const n of nodes) expect(await demo.fault(`refuse ${n} 10250`)).toBe(`ok refuse ${n} 10250`);
    const { loginUrl } = await ws.start({ KUBECONFIG: demo.kubeconfig }, ['--scrape-interval', '2s']);
    const origin = new URL(loginUrl).origin;
    const value = async (query: string) => {
      const r = await page.request.get(`${origin}/api/v1/query?${new URLSearchParams({ query })}`);
      const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result.length ? Number(body.data.result[0]!.value[1]) : null;
    };
    // Derivation starts after two checks (10 s apart) with every node's kubelet down.
    await expect.poll(() => value('count(count by (node) (container_memory_working_set_bytes{job="kubeglass/metrics-server"}))'), { timeout: 60_000, intervals: [2000] }).toBe(3);
    await expect.poll(() => value('sum(rate(container_cpu_usage_seconds_total{job="kubeglass/metrics-server"}[30s]))'), { timeout: 30_000, intervals: [2000] }).toBeGreaterThan(0);
    expect(await value('count(container_cpu_usage_seconds_total{job="kubelet"})')).toBeNull();

    await page.goto(loginUrl);
    await expect(page.locator('[data-dashboard="cluster"]')).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });
    for (const id of ['cpu-usage', 'memory-usage']) {
      const panel = page.locator(`[data-panel-id="${id}"]`);
      await expect(panel.locator('[data-testid="no-data"]')).toHaveCount(0);
      await expect(panel).toContainText(id === 'cpu-usage' ? 'usage' : 'working set');
    }

    // The Node page lists the nodes from kube-state-metrics and shows their CPU and memory from metrics-server.
    await page.goto(`${origin}/#/node?node=demo-worker-01`);
    await expect(page.locator('[data-dashboard="node"]')).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });
    for (const id of ['cpu-busy', 'memory-used', 'cpu-cores']) {
      await expect(page.locator(`[data-panel-id="${id}"] [data-testid="no-data"]`)).toHaveCount(0);
    }
    await expect(page.locator('[data-panel-id="cpu-cores"]')).toContainText(/^\D*\d+/);

    await page.goto(`${origin}/#/targets`);
    const job = page.locator('[data-pool="kubeglass/metrics-server"]');
    await expect(job).toContainText('derived from metrics.k8s.io (metrics-server)', { timeout: 20_000 });
    await expect(job).toContainText(/demo-worker-01: containers’ CPU and memory \(kubelet \/metrics\/cadvisor is down: .*refused/);
    await expect(job).toContainText('1/1 up', { timeout: 20_000 });

    // The kubelets answer again: cAdvisor's series take over. The nodes' own usage stays derived:
    // the cluster's kubelet ServiceMonitor does not scrape /metrics/resource, and there is no node-exporter.
    expect(await demo.fault('clear-targets')).toBe('ok clear-targets');
    await expect(job).not.toContainText('containers’ CPU', { timeout: 60_000 });
    await expect(job).toContainText('demo-worker-01: the node’s CPU and memory (no node-exporter target; no kubelet /metrics/resource target)');
    await expect.poll(() => value('count(count by (node) (container_cpu_usage_seconds_total{job="kubelet", metrics_path="/metrics/cadvisor"}))'), { timeout: 30_000, intervals: [2000] }).toBe(3);
    // Derivation stops at the next check once cAdvisor is back; its series then go stale.
    await expect.poll(() => value('count(container_memory_working_set_bytes{job="kubeglass/metrics-server"})'), { timeout: 30_000, intervals: [2000] }).toBeNull();
  } finally {
    demo.proc.kill('SIGTERM');
  }
});
