// One node's details (#/node?node=NAME): resources/dashboards/node.json, its `node` variable in the address.
import { DashboardView } from '../dashboards/DashboardView.js';
import { builtinDashboard } from '../dashboards/registry.js';

export function NodePage() {
  return <DashboardView dashboard={builtinDashboard('node.json')} route="/node" />;
}
