// NVIDIA GPUs from the DCGM exporter (resources/dashboards/gpu.json), with a plain statement at
// the top when the cluster has no DCGM metrics at all.
import { useEffect, useState } from 'react';
import { useClient } from '../api/hooks.js';
import { DashboardView } from '../dashboards/DashboardView.js';
import { builtinDashboard } from '../dashboards/registry.js';

export function GpuPage() {
  const client = useClient();
  const [hasDcgm, setHasDcgm] = useState<boolean | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    client.call('promql.series', { match: ['{__name__=~"DCGM_FI_DEV_.+"}'], limit: 1 }, { signal: controller.signal }).then(
      (s) => setHasDcgm(s.length > 0),
      () => {
        if (!controller.signal.aborted) setHasDcgm(null);
      },
    );
    return () => controller.abort();
  }, [client]);
  return (
    <>
      {hasDcgm === false && (
        <div className="banner dashboard-notice" role="status" data-testid="no-dcgm">
          No GPU metrics: Kubeglass has no DCGM metrics (DCGM_FI_DEV_*) for this cluster. GPU panels need NVIDIA&apos;s dcgm-exporter (installed
          with the GPU Operator) running on the GPU nodes; see Targets for what is scraped.
        </div>
      )}
      <DashboardView dashboard={builtinDashboard('gpu.json')} route="/gpu" />
    </>
  );
}
