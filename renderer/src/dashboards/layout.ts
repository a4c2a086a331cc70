// A dashboard's layout for the current variable values: panels grouped into sections (the panels
// before the first row, then one section per row), repeated rows and panels expanded for the
// selected values of their variable (as Grafana does at render time), each section's panels with
// their y counted from the section's top and the variables' values in their queries and titles.
import type { Dashboard, Panel } from './schema.js';
import { interpolateVars, type VarValue, type VarValues } from './variables.js';

export interface Section {
  /** Stable key: the row's id and, for a repeated row, the value. */
  key: string;
  /** Null for the panels above the first row. */
  row: { id: string; title: string; collapsed: boolean } | null;
  panels: Panel[];
  /** Grid rows the section's panels take. */
  height: number;
}

/** The panel with the variables' values in its expressions and title (the same object when it has none). */
export function interpolatePanel(p: Panel, vars: VarValues): Panel {
  if (Object.keys(vars).length === 0) return p;
  return {
    ...p,
    title: interpolateVars(p.title, vars, 'text'),
    ...(p.description !== undefined ? { description: interpolateVars(p.description, vars, 'text') } : {}),
    targets: p.targets.map((t) => ({ ...t, expr: interpolateVars(t.expr, vars), ...(t.legend !== undefined ? { legend: interpolateVars(t.legend, vars, 'text') } : {}) })),
  } as Panel;
}

/** The variable narrowed to one of its values (a repeat's copy). */
function single(v: VarValue, i: number): VarValue {
  const value = v.values[i]!;
  return { values: [value], texts: [v.texts && !v.all ? (v.texts[i] ?? value) : value], all: false, multi: false, includeAll: false };
}

/** A safe id suffix for a value. */
function suffix(value: string, i: number): string {
  const s = value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return s ? `${s}-${i}` : String(i);
}

/**
 * Expands repeated panels of one section (ys relative to it): each copy takes the same height, side
 * by side (h: the width divided by the count, at least 24/maxPerRow) or stacked (v); panels below
 * move down by the rows the copies add.
 */
function expandPanels(panels: Panel[], vars: VarValues, idSuffix: string): Panel[] {
  let out: Panel[] = panels.map((p) => ({ ...p, ...(idSuffix ? { id: `${p.id}-${idSuffix}` } : {}) }) as Panel);
  for (const orig of panels) {
    const rep = orig.repeat;
    const v = rep ? vars[rep.variable] : undefined;
    if (!rep || !v || v.values.length <= 1) continue;
    const id = idSuffix ? `${orig.id}-${idSuffix}` : orig.id;
    const at = out.findIndex((p) => p.id === id);
    const p = out[at]!;
    const n = v.values.length;
    const copies: Panel[] = [];
    let added: number;
    if (rep.direction === 'v') {
      for (let i = 0; i < n; i++) copies.push({ ...p, id: `${p.id}-r${suffix(v.values[i]!, i)}`, gridPos: { ...p.gridPos, y: p.gridPos.y + i * p.gridPos.h } });
      added = (n - 1) * p.gridPos.h;
    } else {
      const maxPerRow = rep.maxPerRow ?? 4;
      const w = Math.max(1, Math.floor(Math.max(24 / n, 24 / maxPerRow)));
      const perRow = Math.max(1, Math.floor(24 / w));
      for (let i = 0; i < n; i++) {
        copies.push({
          ...p,
          id: `${p.id}-r${suffix(v.values[i]!, i)}`,
          gridPos: { x: (i % perRow) * w, y: p.gridPos.y + Math.floor(i / perRow) * p.gridPos.h, w, h: p.gridPos.h },
        });
      }
      added = (Math.ceil(n / perRow) - 1) * p.gridPos.h;
    }
    const bottom = p.gridPos.y + p.gridPos.h;
    out = [
      ...out.slice(0, at).map((q) => (added && q.gridPos.y >= bottom ? { ...q, gridPos: { ...q.gridPos, y: q.gridPos.y + added } } : q)),
      ...copies.map((c, i) => Object.assign(c, { repeatIndex: i })),
      ...out.slice(at + 1).map((q) => (added && q.gridPos.y >= bottom ? { ...q, gridPos: { ...q.gridPos, y: q.gridPos.y + added } } : q)),
    ] as Panel[];
  }
  return out;
}

/** Interpolates each panel, a repeated copy with its own value of the repeat variable. */
function interpolateAll(panels: Panel[], vars: VarValues): Panel[] {
  return panels.map((p) => {
    const idx = (p as Panel & { repeatIndex?: number }).repeatIndex;
    const rep = p.repeat;
    let own = vars;
    if (rep && idx !== undefined && vars[rep.variable]) own = { ...vars, [rep.variable]: single(vars[rep.variable]!, idx) };
    else if (rep && vars[rep.variable]?.values.length === 1) own = { ...vars, [rep.variable]: single(vars[rep.variable]!, 0) };
    const { repeatIndex: _drop, ...rest } = p as Panel & { repeatIndex?: number };
    return interpolatePanel(rest as Panel, own);
  });
}

/** `collapsed`: row ids whose state the user toggled (else each row's own). */
export function layoutDashboard(d: Dashboard, vars: VarValues, toggled: ReadonlySet<string> = new Set()): Section[] {
  const sections: Section[] = [];
  const make = (key: string, row: Section['row'], panels: Panel[], own: VarValues, sfx: string): Section => {
    const minY = panels.length ? Math.min(...panels.map((p) => p.gridPos.y)) : 0;
    const shifted = panels.map((p) => (minY ? ({ ...p, gridPos: { ...p.gridPos, y: p.gridPos.y - minY } } as Panel) : p));
    const shown = row?.collapsed ? [] : interpolateAll(expandPanels(shifted, own, sfx), own);
    return { key, row, panels: shown, height: shown.length ? Math.max(...shown.map((p) => p.gridPos.y + p.gridPos.h)) : 0 };
  };
  const top = d.panels.filter((p) => !p.row || !d.rows.some((r) => r.id === p.row));
  if (top.length || d.rows.length === 0) sections.push(make('top', null, top, vars, ''));
  for (const r of d.rows) {
    const collapsed = toggled.has(r.id) ? !r.collapsed : r.collapsed;
    const mine = d.panels.filter((p) => p.row === r.id);
    const v = r.repeat ? vars[r.repeat] : undefined;
    const copies = v && v.values.length > 0 ? v.values.map((_, i) => i) : [null];
    for (const i of copies) {
      const own = i === null || !r.repeat ? vars : { ...vars, [r.repeat]: single(v!, i) };
      const sfx = i === null || copies.length === 1 ? '' : suffix(v!.values[i]!, i);
      sections.push(make(sfx ? `${r.id}-${sfx}` : r.id, { id: r.id, title: interpolateVars(r.title, own, 'text'), collapsed }, mine, own, sfx));
    }
  }
  return sections;
}
