/// <reference types="vite/client" />
// The built-in dashboards: every JSON file in resources/dashboards/, bundled by Vite (so they work
// offline in Electron) and validated on first use.
import { parseDashboard, type Dashboard } from './schema.js';

const modules = import.meta.glob<{ default: unknown }>('../../../resources/dashboards/*.json', { eager: true });

/** File name → the JSON value, for every file in resources/dashboards/. */
export const DASHBOARD_SOURCES: Readonly<Record<string, unknown>> = Object.fromEntries(
  Object.entries(modules).map(([p, m]) => [p.slice(p.lastIndexOf('/') + 1), m.default]),
);

const cache = new Map<string, Dashboard>();

/** A built-in dashboard by file name; throws with every schema problem if it is missing or invalid. */
export function builtinDashboard(file: string): Dashboard {
  let d = cache.get(file);
  if (!d) {
    if (!(file in DASHBOARD_SOURCES)) throw new Error(`no built-in dashboard resources/dashboards/${file}`);
    d = parseDashboard(DASHBOARD_SOURCES[file], `resources/dashboards/${file}`);
    cache.set(file, d);
  }
  return d;
}
