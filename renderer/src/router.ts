// Hash routes: they work the same on app:// (Electron) and http:// (browser mode), and a hash
// change never counts as a navigation that the Electron shell has to vet.
import { useSyncExternalStore } from 'react';

export const ROUTES = [
  { path: '/cluster', label: 'Cluster' },
  { path: '/nodes', label: 'Nodes' },
  { path: '/node', label: 'Node', nav: false },
  { path: '/workloads', label: 'Workloads' },
  { path: '/gpu', label: 'GPUs' },
  { path: '/dashboards', label: 'Dashboards' },
  { path: '/d', label: 'Dashboard', nav: false },
  { path: '/explore', label: 'Explore' },
  { path: '/overview', label: 'Overview' },
  { path: '/alerts', label: 'Alerts' },
  { path: '/targets', label: 'Targets' },
  { path: '/contexts', label: 'Contexts' },
  { path: '/data', label: 'Data' },
] as const;

export type RoutePath = (typeof ROUTES)[number]['path'];

/** The route in the hash (#/cluster?range=6h → /cluster), or null when the hash names none. */
function current(): RoutePath | null {
  // #/d/<uid> is an imported dashboard.
  const hash = window.location.hash.replace(/^#/, '').replace(/\?.*$/, '').replace(/^\/d\/.*$/, '/d');
  return (ROUTES.find((r) => r.path === hash)?.path ?? null) as RoutePath | null;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The current route; without one in the hash, `fallback` (the cluster overview when a context is selected). */
export function useRoute(fallback: RoutePath): RoutePath {
  return useSyncExternalStore(subscribe, current) ?? fallback;
}
