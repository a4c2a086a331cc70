// Hash routes: they work the same on app:// (Electron) and http:// (browser mode), and a hash
// change never counts as a navigation that the Electron shell has to vet.
import { useSyncExternalStore } from 'react';

export const ROUTES = [
  { path: '/overview', label: 'Overview' },
  { path: '/targets', label: 'Targets' },
  { path: '/contexts', label: 'Contexts' },
  { path: '/data', label: 'Data' },
] as const;

export type RoutePath = (typeof ROUTES)[number]['path'];

function current(): RoutePath {
  const hash = window.location.hash.replace(/^#/, '');
  return (ROUTES.find((r) => r.path === hash)?.path ?? '/overview') as RoutePath;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoute(): RoutePath {
  return useSyncExternalStore(subscribe, current);
}
