// The dashboard's time range and refresh, kept in the hash after the route (#/cluster?range=6h),
// next to its variables' values (#/node?node=worker-1&range=6h): every change is a history entry,
// so back/forward step through ranges and selections, and links share them.
import { useCallback, useSyncExternalStore } from 'react';
import { formatView, parseView, type ViewState } from './timerange.js';
import { RESERVED_PARAMS, withVarParams } from './variables.js';

export function hashQuery(): string {
  const h = window.location.hash;
  const i = h.indexOf('?');
  return i < 0 ? '' : h.slice(i + 1);
}

export function subscribeHash(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The hash query as it is now (re-rendering on every change). */
export function useHashQuery(): string {
  return useSyncExternalStore(subscribeHash, hashQuery);
}

export function useView(route: string, defaultSpan: string): [ViewState, (v: ViewState) => void, (values: Record<string, string[]>) => void] {
  const query = useHashQuery();
  const view = parseView(query, defaultSpan);
  const setView = useCallback(
    (v: ViewState) => {
      // The range first, then everything else the hash had (variables).
      const p = new URLSearchParams(formatView(v, defaultSpan));
      new URLSearchParams(hashQuery()).forEach((val, k) => {
        if (!RESERVED_PARAMS.has(k)) p.append(k, val);
      });
      const q = p.toString();
      window.location.hash = q ? `${route}?${q}` : route;
    },
    [route, defaultSpan],
  );
  const setVars = useCallback(
    (values: Record<string, string[]>) => {
      const q = withVarParams(hashQuery(), values);
      window.location.hash = q ? `${route}?${q}` : route;
    },
    [route],
  );
  return [view, setView, setVars];
}
