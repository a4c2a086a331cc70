// Imported dashboards, kept in this browser's localStorage (one key per uid, the converted
// dashboard and its import summary), for now: they do not follow the user to another browser or
// into the engine's data directory.
import { useSyncExternalStore } from 'react';
import type { ImportSummary } from './grafana.js';
import { parseDashboard, type Dashboard } from './schema.js';

const PREFIX = 'kubeglass.dashboard.';

export interface Imported {
  dashboard: Dashboard;
  summary: ImportSummary;
  /** Where it came from: a file name, or "pasted". */
  source: string;
  importedAt: number;
}

const listeners = new Set<() => void>();
let version = 0;
function changed(): void {
  version++;
  for (const l of listeners) l();
}
if (typeof window !== 'undefined') window.addEventListener('storage', (e) => e.key?.startsWith(PREFIX) && changed());

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** One imported dashboard, validated again (a stored one from an older schema is reported, not drawn). */
export function loadImported(uid: string): Imported | null {
  const raw = storage()?.getItem(PREFIX + uid);
  if (!raw) return null;
  const v = JSON.parse(raw) as Imported;
  return { ...v, dashboard: parseDashboard(v.dashboard, `imported dashboard ${uid}`) };
}

export function listImported(): { uid: string; title: string; source: string; importedAt: number }[] {
  const s = storage();
  if (!s) return [];
  const out: { uid: string; title: string; source: string; importedAt: number }[] = [];
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i);
    if (!k?.startsWith(PREFIX)) continue;
    try {
      const v = JSON.parse(s.getItem(k) ?? '') as Imported;
      out.push({ uid: k.slice(PREFIX.length), title: v.dashboard.title, source: v.source, importedAt: v.importedAt });
    } catch {
      out.push({ uid: k.slice(PREFIX.length), title: '(unreadable)', source: '', importedAt: 0 });
    }
  }
  return out.sort((a, b) => a.title.localeCompare(b.title));
}

export function saveImported(v: Imported): void {
  const s = storage();
  if (!s) throw new Error('This browser keeps no local storage; the dashboard cannot be saved.');
  s.setItem(PREFIX + v.dashboard.uid, JSON.stringify(v));
  changed();
}

export function deleteImported(uid: string): void {
  storage()?.removeItem(PREFIX + uid);
  changed();
}

/** Re-renders when the stored dashboards change (here or in another tab). */
export function useImportedVersion(): number {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => version,
  );
}
