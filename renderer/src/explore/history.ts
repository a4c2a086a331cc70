// Query history: the last 50 distinct queries run on the Explore page, newest first, kept in
// localStorage (per browser profile; nothing leaves the machine).

export const HISTORY_KEY = 'kubeglass.explore.history';
export const HISTORY_MAX = 50;

/** The subset of Storage the history needs (localStorage in the app, a Map in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The stored history; an empty list when nothing (or something unreadable) is stored. */
export function loadHistory(store: KeyValueStore | null): string[] {
  if (!store) return [];
  try {
    const raw: unknown = JSON.parse(store.getItem(HISTORY_KEY) ?? '[]');
    if (!Array.isArray(raw)) return [];
    return raw.filter((q): q is string => typeof q === 'string' && q.trim() !== '').slice(0, HISTORY_MAX);
  } catch {
    return [];
  }
}

/** The history with `query` first (moved there if it was already in it), at most HISTORY_MAX long. */
export function withQuery(history: readonly string[], query: string): string[] {
  const q = query.trim();
  if (q === '') return [...history];
  return [q, ...history.filter((h) => h !== q)].slice(0, HISTORY_MAX);
}

/** Adds a query and stores the result (a full or blocked storage only loses the history). */
export function remember(store: KeyValueStore | null, query: string): string[] {
  const next = withQuery(loadHistory(store), query);
  try {
    store?.setItem(HISTORY_KEY, JSON.stringify(next));
  } catch {
    // Quota exceeded or storage disabled: the history just is not kept.
  }
  return next;
}
