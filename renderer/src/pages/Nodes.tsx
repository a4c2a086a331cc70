// The node table (StarsL's "server resource overview"): resources/dashboards/nodes.json.
import { DashboardView } from '../dashboards/DashboardView.js';
import { builtinDashboard } from '../dashboards/registry.js';

export function NodesPage() {
  return <DashboardView dashboard={builtinDashboard('nodes.json')} route="/nodes" />;
}
