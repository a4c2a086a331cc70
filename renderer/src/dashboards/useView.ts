// The dashboard's time range and refresh, kept in the hash after the route (#/cluster?range=6h):
// every change is a history entry, so back/forward step through ranges and links share them.
import { useCallback, useSyncExternalStore } from 'react';
import { formatView, parseView, type ViewState } from './timerange.js';

function hashQuery(): string {
  const h = window.location.hash;
  const i = h.indexOf('?');
  return i < 0 ? '' : h.slice(i + 1);
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useView(route: string, defaultSpan: string): [ViewState, (v: ViewState) => void] {
  const query = useSyncExternalStore(subscribe, hashQuery);
  const view = parseView(query, defaultSpan);
  const setView = useCallback(
    (v: ViewState) => {
      const q = formatView(v, defaultSpan);
      window.location.hash = q ? `${route}?${q}` : route;
    },
    [route, defaultSpan],
  );
  return [view, setView];
}
