// Grafana dashboard import: a Grafana dashboard JSON (schemaVersion 16–39; the old rows[] layout
// and the flat panels list with row panels) converted to our Dashboard schema. Pure: no React, no
// I/O. Whatever cannot be converted becomes a visible note (on the panel, or in the summary),
// never an exception for a well-formed JSON object.
import { parseDashboard, type Dashboard, type PanelInput, type Threshold, type Unit } from './schema.js';
import { PRESETS } from './timerange.js';
import { parseVariableQuery, toRegExp } from './variables.js';

type Json = Record<string, unknown>;

export interface ImportSummary {
  /** Grafana panels found (rows not counted). */
  panels: number;
  /** Converted to one of our data panels. */
  converted: number;
  /** Text panels kept as text. */
  text: number;
  /** Panels of a type we do not draw (kept as a note). */
  unsupported: string[];
  variables: number;
  droppedVariables: string[];
  rows: number;
  repeated: number;
  notes: string[];
}

export interface ImportResult {
  dashboard: Dashboard;
  summary: ImportSummary;
}

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};

/** Grafana unit ids → ours (anything else: short). */
const UNIT_MAP: Record<string, Unit> = {
  bytes: 'bytes',
  decbytes: 'decbytes',
  kbytes: 'bytes',
  bits: 'bits',
  decbits: 'bits',
  bps: 'bits',
  binbps: 'Bps',
  Bps: 'Bps',
  binBps: 'Bps',
  KBs: 'Bps',
  percent: 'percent',
  percentunit: 'percentunit',
  s: 'seconds',
  dtdurations: 'seconds',
  dtdhms: 'seconds',
  ms: 'ms',
  ns: 'ns',
  ops: 'ops',
  opm: 'ops',
  iops: 'ops',
  reqps: 'ops',
  rps: 'ops',
  wps: 'ops',
  eps: 'ops',
  pps: 'pps',
  short: 'short',
  none: 'none',
  locale: 'short',
  celsius: 'celsius',
  hertz: 'hertz',
  watt: 'watt',
};

export function mapUnit(u: unknown): Unit {
  const s = str(u);
  if (!s) return 'short';
  return UNIT_MAP[s] ?? 'short';
}

/** A Grafana colour name or CSS colour → our tone. */
export function mapColor(c: unknown): Threshold['color'] {
  const s = (str(c) ?? '').toLowerCase().trim();
  if (/green|#(?:3|5|7)[0-9a-f]b[0-9a-f]{3}|#7eb26d|#299c46/.test(s)) return 'ok';
  if (/red/.test(s)) return 'bad';
  if (/yellow|orange/.test(s)) return 'warn';
  if (/blue|purple/.test(s)) return 'accent';
  if (s === 'transparent' || s === 'text' || s === '') return 'muted';
  let rgb: [number, number, number] | null = null;
  const m = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/.exec(s);
  if (m) rgb = [Number(m[1]), Number(m[2]), Number(m[3])];
  const h = /^#([0-9a-f]{6})$/.exec(s);
  if (h) rgb = [parseInt(h[1]!.slice(0, 2), 16), parseInt(h[1]!.slice(2, 4), 16), parseInt(h[1]!.slice(4, 6), 16)];
  if (!rgb) return 'accent';
  const [r, g, b] = rgb.map((x) => x / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max - min < 0.1) return 'muted';
  let hue: number;
  if (max === r) hue = (60 * ((g - b) / (max - min)) + 360) % 360;
  else if (max === g) hue = 60 * ((b - r) / (max - min)) + 120;
  else hue = 60 * ((r - g) / (max - min)) + 240;
  if (hue < 18 || hue >= 330) return 'bad';
  if (hue < 70) return 'warn';
  if (hue < 170) return 'ok';
  return 'accent';
}

/** fieldConfig steps, or singlestat/table-old "a,b" thresholds with their colours. */
function mapThresholds(p: Json): Threshold[] | undefined {
  const steps = arr(obj(obj(obj(p['fieldConfig'])['defaults'])['thresholds'])['steps']);
  if (steps.length) {
    const out = steps.map((s) => ({ value: num(obj(s)['value']) ?? null, color: mapColor(obj(s)['color']) }));
    // The base step of a single green/default step says nothing.
    return out.length === 1 && out[0]!.value === null ? undefined : out;
  }
  return legacyThresholds(p['thresholds'], p['colors']);
}

function legacyThresholds(thresholds: unknown, colors: unknown): Threshold[] | undefined {
  const t = (typeof thresholds === 'string' ? thresholds.split(',') : arr(thresholds)).map(num).filter((x): x is number => x !== undefined);
  const c = arr(colors);
  if (!t.length || c.length < t.length + 1) return undefined;
  return [{ value: null, color: mapColor(c[0]) }, ...t.map((v, i) => ({ value: v, color: mapColor(c[i + 1]) }))];
}

function decimals(v: unknown): number | undefined {
  const n = num(v);
  return n === undefined ? undefined : Math.max(0, Math.min(6, Math.round(n)));
}

/** A Grafana grid position on our 24-column grid (heights capped at 40 rows). */
function gridPos(g: Json): { x: number; y: number; w: number; h: number } {
  const x = Math.max(0, Math.min(23, Math.round(num(g['x']) ?? 0)));
  const w = Math.max(1, Math.min(24 - x, Math.round(num(g['w']) ?? 12)));
  return { x, y: Math.max(0, Math.round(num(g['y']) ?? 0)), w, h: Math.max(1, Math.min(40, Math.round(num(g['h']) ?? 8))) };
}

/** Labels a table groups rows by: the `by (…)` labels every target shares, else instance. */
function tableBy(exprs: string[]): string[] {
  let common: string[] | null = null;
  for (const e of exprs) {
    const m = /\bby\s*\(([^)]*)\)/.exec(e);
    if (!m) continue;
    const labels = m[1]!.split(',').map((s) => s.trim()).filter(Boolean);
    common = common ? common.filter((l) => labels.includes(l)) : labels;
  }
  return common && common.length ? common : ['instance'];
}

interface Ctx {
  summary: ImportSummary;
  ids: Set<string>;
  varNames: Set<string>;
}

function panelId(ctx: Ctx, p: Json): string {
  const raw = String(p['id'] ?? ctx.ids.size + 1).toLowerCase().replace(/[^a-z0-9-]/g, '-');
  let id = `p${raw}`;
  for (let i = 2; ctx.ids.has(id); i++) id = `p${raw}-${i}`;
  ctx.ids.add(id);
  return id;
}

const DATA_TYPES = new Set(['timeseries', 'graph', 'stat', 'singlestat', 'gauge', 'bargauge', 'table', 'table-old']);

/** One Grafana panel → ours (a text panel with a note when it cannot be drawn). */
function convertPanel(ctx: Ctx, p: Json, pos: { x: number; y: number; w: number; h: number }, row: string | undefined): PanelInput {
  const type = str(p['type']) ?? '(none)';
  const rawTitle = (str(p['title']) ?? '').trim();
  const title = rawTitle || '\u00a0';
  const base = {
    id: panelId(ctx, p),
    title,
    gridPos: pos,
    ...(str(p['description']) ? { description: str(p['description'])! } : {}),
    ...(row ? { row } : {}),
  };
  const repeatVar = str(p['repeat']);
  const repeat =
    repeatVar && ctx.varNames.has(repeatVar)
      ? {
          repeat: {
            variable: repeatVar,
            direction: str(p['repeatDirection']) === 'v' ? ('v' as const) : ('h' as const),
            ...(num(p['maxPerRow']) ? { maxPerRow: Math.max(1, Math.min(24, Math.round(num(p['maxPerRow'])!))) } : {}),
          },
        }
      : {};
  if (repeatVar) {
    if (repeat.repeat) ctx.summary.repeated++;
    else ctx.summary.notes.push(`${rawTitle || type}: repeats by $${repeatVar}, which is not a variable here; shown once`);
  }
  if (type === 'text') {
    ctx.summary.text++;
    const options = obj(p['options']);
    return { ...base, type: 'text', content: str(options['content']) ?? str(p['content']) ?? '' };
  }
  if (!DATA_TYPES.has(type)) {
    ctx.summary.unsupported.push(`${rawTitle || '(untitled)'} (${type})`);
    return { ...base, type: 'text', content: '', note: `panel type ${type} is not supported` };
  }
  const fieldDefaults = obj(obj(p['fieldConfig'])['defaults']);
  const yaxis = obj(arr(p['yaxes'])[0]);
  const unit = mapUnit(fieldDefaults['unit'] ?? p['format'] ?? yaxis['format']);
  const notes: string[] = [];
  const rawTargets = arr(p['targets']).map(obj).filter((t) => t['hide'] !== true);
  const targets = rawTargets
    .filter((t) => typeof t['expr'] === 'string' && (t['expr'] as string).trim() !== '')
    .map((t) => {
      const legend = str(t['legendFormat']);
      return { expr: (t['expr'] as string).trim(), ...(legend && legend !== '__auto' ? { legend } : {}), refId: str(t['refId']) ?? '' };
    });
  if (rawTargets.length > targets.length) notes.push(`${rawTargets.length - targets.length} query(ies) without a PromQL expression skipped`);
  if (targets.length > 16) {
    notes.push(`only the first 16 of ${targets.length} queries`);
    targets.length = 16;
  }
  if (targets.length === 0) {
    ctx.summary.unsupported.push(`${rawTitle || '(untitled)'} (${type} without PromQL queries)`);
    return { ...base, type: 'text', content: '', note: `this ${type} panel has no PromQL queries` };
  }
  const dec = decimals(fieldDefaults['decimals'] ?? p['decimals']);
  const thresholds = mapThresholds(p);
  const common = {
    ...base,
    unit,
    ...(dec !== undefined ? { decimals: dec } : {}),
    ...(thresholds ? { thresholds } : {}),
    ...repeat,
  };
  const stripRef = (t: { expr: string; legend?: string; refId: string }) => ({ expr: t.expr, ...(t.legend !== undefined ? { legend: t.legend } : {}) });
  ctx.summary.converted++;
  const withNote = <T extends object>(x: T): T => (notes.length ? { ...x, note: notes.join('; ') } : x);
  switch (type) {
    case 'timeseries':
    case 'graph': {
      const stacking = str(obj(obj(fieldDefaults['custom'])['stacking'])['mode']);
      const stack = type === 'graph' ? p['stack'] === true : stacking === 'normal' || stacking === 'percent';
      const min = num(fieldDefaults['min'] ?? yaxis['min']);
      const max = num(fieldDefaults['max'] ?? yaxis['max']);
      return withNote({ ...common, type: 'timeseries', targets: targets.map(stripRef), stack, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) });
    }
    case 'stat':
    case 'singlestat':
    {
      // One query: Grafana shows no legend under a single value (its {{label}} template would show raw).
      const statTargets = targets.slice(0, type === 'singlestat' ? 1 : 16).map(stripRef);
      return withNote({ ...common, type: 'stat', targets: statTargets.length === 1 ? [{ expr: statTargets[0]!.expr }] : statTargets });
    }
    case 'gauge':
    case 'bargauge': {
      const min = num(fieldDefaults['min']) ?? 0;
      const max = num(fieldDefaults['max']) ?? (unit === 'percentunit' ? 1 : 100);
      if (type === 'bargauge' || targets.length > 1) notes.push(targets.length > 1 ? `a gauge of the first of ${targets.length} queries` : 'bar gauge drawn as a gauge');
      return withNote({ ...common, type: 'gauge', targets: targets.slice(0, 1).map(stripRef), min, max: max > min ? max : min + 1 });
    }
    default: {
      // table / table-old: one row per value of the grouping labels, a column per query.
      const styles = arr(p['styles']).map(obj);
      const labelStyles = styles.filter((s) => {
        const pat = str(s['pattern']) ?? '';
        return str(s['type']) !== 'hidden' && /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(pat) && pat !== 'Time' && pat !== 'Value';
      });
      const labels = labelStyles.map((s) => s['pattern'] as string);
      const by = labels.includes('instance') ? ['instance'] : labels.length ? labels : tableBy(targets.map((t) => t.expr));
      const titles = Object.fromEntries(labelStyles.map((s) => [s['pattern'] as string, (str(s['alias']) ?? '').trim() || (s['pattern'] as string)]));
      // A catch-all hidden style (pattern /.*/) hides the values no other style names.
      const hideRest = styles.some((s) => str(s['type']) === 'hidden' && ['/.*/', '.*'].includes(str(s['pattern']) ?? ''));
      const tableTargets = targets.map((t) => {
        const style = styles.find((s) => str(s['pattern']) === `Value #${t.refId}`);
        if (!style) return hideRest && targets.length > 1 ? { ...stripRef(t), hidden: true } : stripRef(t);
        if (str(style['type']) === 'hidden') return { ...stripRef(t), hidden: true };
        const th = legacyThresholds(style['thresholds'], style['colors']);
        const alias = (str(style['alias']) ?? '').trim();
        const d = decimals(style['decimals']);
        return { ...stripRef(t), ...(alias ? { legend: alias } : {}), unit: mapUnit(style['unit']), ...(th ? { thresholds: th } : {}), ...(d !== undefined ? { decimals: d } : {}) };
      });
      const labelColumns = labels.filter((l) => !by.includes(l)).map((l) => ({ label: l, title: titles[l]! }));
      return withNote({
        ...common,
        type: 'table',
        targets: tableTargets,
        by,
        byTitles: Object.fromEntries(by.map((b) => [b, titles[b] ?? b])),
        ...(labelColumns.length ? { labelColumns } : {}),
      });
    }
  }
}

/** Grafana's variable sort ids → ours. */
function mapSort(s: unknown): 'none' | 'alpha' | 'alpha-desc' | 'num' | 'num-desc' {
  switch (num(s)) {
    case 1:
    case 5:
    case 7:
      return 'alpha';
    case 2:
    case 6:
    case 8:
      return 'alpha-desc';
    case 3:
      return 'num';
    case 4:
      return 'num-desc';
    default:
      return 'none';
  }
}

const RESERVED_NAMES = new Set(['range', 'from', 'to', 'refresh']);

function convertVariables(ctx: Ctx, list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const raw of list.map(obj)) {
    const name = str(raw['name']) ?? '';
    const type = str(raw['type']) ?? '';
    const drop = (why: string) => ctx.summary.droppedVariables.push(`$${name || '(unnamed)'}: ${why}`);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__') || RESERVED_NAMES.has(name)) {
      drop('its name cannot be used here');
      continue;
    }
    if (type === 'datasource') {
      drop('data source variables are not needed (one data source: Kubeglass)');
      continue;
    }
    const label = str(raw['label'])?.trim();
    const current = obj(raw['current']);
    const cur = current['value'];
    const dflt = Array.isArray(cur) ? cur.filter((x): x is string => typeof x === 'string') : typeof cur === 'string' && cur !== '' ? cur : undefined;
    const defaultValue = dflt === undefined || (Array.isArray(dflt) && dflt.length === 0) || /\$\{?DS_|\$datasource/.test(String(dflt)) ? {} : { default: dflt };
    const common = {
      name,
      ...(label ? { label } : {}),
      ...(num(raw['hide']) === 2 ? { hide: true } : {}),
      ...(raw['multi'] === true ? { multi: true } : {}),
      ...(raw['includeAll'] === true ? { includeAll: true } : {}),
      ...(str(raw['allValue']) ? { allValue: str(raw['allValue'])! } : {}),
      ...defaultValue,
    };
    if (type === 'query') {
      const q = str(raw['query']) ?? str(obj(raw['query'])['query']) ?? str(raw['definition']) ?? '';
      if (!parseVariableQuery(q)) {
        drop(`query ${JSON.stringify(q)} is not label_values, label_names, metrics or query_result`);
        continue;
      }
      const regex = str(raw['regex']);
      if (regex && toRegExp(regex) === null) {
        drop(`invalid regex ${regex}`);
        continue;
      }
      out.push({ ...common, type: 'query', query: q, ...(regex ? { regex } : {}), sort: mapSort(raw['sort']) });
    } else if (type === 'custom') {
      const q = str(raw['query']) ?? '';
      if (!q.trim()) {
        drop('custom variable without options');
        continue;
      }
      out.push({ ...common, type: 'custom', query: q });
    } else if (type === 'interval') {
      const items = (str(raw['query']) ?? '').split(',').map((s) => s.trim()).filter((s) => /^\d+(ms|s|m|h|d|w)$/.test(s));
      if (!items.length) {
        drop('interval variable without durations');
        continue;
      }
      out.push({ ...common, type: 'interval', query: items.join(',') });
    } else if (type === 'constant' || type === 'textbox') {
      const v = str(raw['query']) ?? (typeof cur === 'string' ? cur : '');
      // One option: a constant is hidden; a text box shows its value (not editable here).
      out.push({ ...common, type: 'custom', query: v.replace(/,/g, '\\,') || ' ', ...(type === 'constant' ? { hide: true } : {}), default: v });
      if (type === 'textbox') ctx.summary.notes.push(`$${name} is a text box in Grafana; here it keeps its value ${JSON.stringify(v)}`);
    } else {
      drop(`variable type ${type || '(none)'} is not supported`);
      continue;
    }
    ctx.varNames.add(name);
  }
  return out;
}

/** Text, URLs and the like: our uid rule (lowercase letters, digits, dashes). */
export function toUid(s: string): string {
  const u = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return u || 'imported';
}

/** Old layout: rows[] of panels with spans (12 columns) and pixel heights → flat panels with gridPos. */
function flattenOldRows(rows: Json[]): Json[] {
  const out: Json[] = [];
  let y = 0;
  let id = 1_000_000;
  for (const row of rows) {
    const height = num(String(row['height'] ?? '250').replace('px', '')) ?? 250;
    const h = Math.max(1, Math.ceil(height / 30));
    const title = str(row['title']) ?? '';
    const hasHeader = row['showTitle'] === true || row['collapse'] === true || arr(rows).length > 1;
    const children: Json[] = [];
    let x = 0;
    let rowY = y + (hasHeader ? 1 : 0);
    let lineH = 0;
    for (const p of arr(row['panels']).map(obj)) {
      const w = Math.max(1, Math.min(24, Math.round((num(p['span']) ?? 12) * 2)));
      if (x + w > 24) {
        rowY += lineH;
        x = 0;
        lineH = 0;
      }
      const ph = p['height'] !== undefined ? Math.max(1, Math.ceil((num(String(p['height']).replace('px', '')) ?? height) / 30)) : h;
      children.push({ ...p, gridPos: { x, y: rowY, w, h: ph } });
      x += w;
      lineH = Math.max(lineH, ph);
    }
    const end = rowY + lineH;
    if (hasHeader) {
      const collapsed = row['collapse'] === true;
      out.push({ type: 'row', id: id++, title: title || 'Row', collapsed, gridPos: { x: 0, y, w: 24, h: 1 }, ...(str(row['repeat']) ? { repeat: row['repeat'] } : {}), panels: collapsed ? children : [] });
      if (!collapsed) out.push(...children);
    } else out.push(...children);
    y = end;
  }
  return out;
}

/** Converts a Grafana dashboard (the JSON value, or {dashboard: …} as the HTTP API returns it). */
export function convertGrafana(input: unknown): ImportResult {
  let g = obj(input);
  if (g['dashboard'] && typeof g['dashboard'] === 'object' && !g['panels'] && !g['rows']) g = obj(g['dashboard']);
  if (!Array.isArray(g['panels']) && !Array.isArray(g['rows'])) throw new Error('This is not a Grafana dashboard: it has neither "panels" nor "rows".');
  const summary: ImportSummary = { panels: 0, converted: 0, text: 0, unsupported: [], variables: 0, droppedVariables: [], rows: 0, repeated: 0, notes: [] };
  const ctx: Ctx = { summary, ids: new Set(), varNames: new Set() };
  const variables = convertVariables(ctx, arr(obj(g['templating'])['list']));
  summary.variables = variables.length;

  const flat = Array.isArray(g['panels']) && g['panels'].length ? arr(g['panels']).map(obj) : flattenOldRows(arr(g['rows']).map(obj));
  const rows: { id: string; title: string; collapsed: boolean; repeat?: string }[] = [];
  const panels: PanelInput[] = [];
  let currentRow: string | undefined;
  const add = (p: Json, row: string | undefined) => {
    summary.panels++;
    try {
      panels.push(convertPanel(ctx, p, gridPos(obj(p['gridPos'])), row));
    } catch (e) {
      summary.unsupported.push(`${str(p['title']) ?? '(untitled)'}: ${(e as Error).message}`);
    }
  };
  for (const p of flat) {
    if (p['type'] === 'row') {
      const id = `row-${rows.length + 1}`;
      const repeat = str(p['repeat']);
      rows.push({ id, title: str(p['title']) ?? '', collapsed: p['collapsed'] === true, ...(repeat && ctx.varNames.has(repeat) ? { repeat } : {}) });
      if (repeat && ctx.varNames.has(repeat)) summary.repeated++;
      currentRow = id;
      for (const child of arr(p['panels']).map(obj)) add(child, id);
      continue;
    }
    add(p, currentRow);
  }
  summary.rows = rows.length;
  if (panels.length === 0) panels.push({ id: 'empty', type: 'text', title: 'Empty dashboard', gridPos: { x: 0, y: 0, w: 24, h: 2 }, content: 'This Grafana dashboard has no panels.' });
  // Panels referring to $datasource / ${DS_…} only do so in datasource fields, which we ignore.
  const title = (str(g['title']) ?? '').trim() || 'Imported dashboard';
  const uid = toUid(str(g['uid']) ?? title);
  const from = str(obj(g['time'])['from']) ?? 'now-1h';
  const m = /^now-(\d+[smhdw])$/.exec(from);
  const value = {
    schemaVersion: 2,
    uid,
    title,
    ...(str(g['description']) ? { description: str(g['description']) } : {}),
    time: m && (PRESETS as readonly string[]).includes(m[1]!) ? m[1] : '1h',
    variables,
    rows,
    panels,
  };
  return { dashboard: parseDashboard(value, `Grafana dashboard "${title}"`), summary };
}
