// The Cluster overview: the built-in resources/dashboards/cluster.json, drawn by the generic runtime.
import { DashboardView } from '../dashboards/DashboardView.js';
import { builtinDashboard } from '../dashboards/registry.js';

export function ClusterPage() {
  return <DashboardView dashboard={builtinDashboard('cluster.json')} route="/cluster" />;
}
