// Pods' CPU and memory against requests and limits, throttling, OOM kills and restarts, by
// namespace and pod: resources/dashboards/workloads.json.
import { DashboardView } from '../dashboards/DashboardView.js';
import { builtinDashboard } from '../dashboards/registry.js';

export function WorkloadsPage() {
  return <DashboardView dashboard={builtinDashboard('workloads.json')} route="/workloads" />;
}
