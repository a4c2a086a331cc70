// The dashboard format: dashboards are data (JSON in resources/dashboards/), drawn by one generic
// renderer. Schema version 2 adds template variables and richer tables; version 1 files stay valid.
import { z } from 'zod';
import { parseVariableQuery, resolutionOrder, toRegExp } from './variables.js';

export const UNITS = ['bytes', 'Bps', 'percent', 'percentunit', 'seconds', 'ops', 'bits', 'cores', 'short', 'watt', 'celsius', 'hertz', 'ms', 'ns', 'decbytes', 'pps', 'none'] as const;
export const Unit = z.enum(UNITS);
export type Unit = z.infer<typeof Unit>;

/** Colour steps: the last step whose value is at or below the number wins. */
export const Threshold = z.object({ value: z.number().nullable(), color: z.enum(['ok', 'warn', 'bad', 'accent', 'muted']) }).strict();
export type Threshold = z.infer<typeof Threshold>;

export const Target = z
  .object({
    /** PromQL; may use $__rate_interval, $__interval and $__range. */
    expr: z.string().min(1),
    /** Legend template: {{label}} is replaced by the series' label value. */
    legend: z.string().optional(),
    /** Overrides the panel's unit for this target (a table column). */
    unit: Unit.optional(),
    /** Overrides the panel's decimals for this target (a table column). */
    decimals: z.number().int().min(0).max(6).optional(),
    /** Overrides the panel's thresholds for this target (a table column's colours). */
    thresholds: z.array(Threshold).optional(),
    /** Table: query it, but show no value column (a target that only brings labels for label columns). */
    hidden: z.boolean().optional(),
  })
  .strict();
export type Target = z.infer<typeof Target>;

export const GridPos = z
  .object({
    x: z.number().int().min(0).max(23),
    y: z.number().int().min(0),
    w: z.number().int().min(1).max(24),
    h: z.number().int().min(1).max(40),
  })
  .strict()
  .refine((g) => g.x + g.w <= 24, { message: 'x + w must be at most 24 (the grid has 24 columns)' });

const common = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  title: z.string().min(1),
  description: z.string().optional(),
  gridPos: GridPos,
  targets: z.array(Target).min(1).max(16),
  unit: Unit.default('short'),
  decimals: z.number().int().min(0).max(6).optional(),
  thresholds: z.array(Threshold).optional(),
  /** What to say when a query returns no series (else it is derived from the expression). */
  noDataHint: z.string().optional(),
  /** Shown in the panel: what an import could not convert. */
  note: z.string().optional(),
  /** The row (rows[].id) the panel belongs to; its gridPos.y counts from the dashboard's top. */
  row: z.string().optional(),
  /** One copy per selected value of a variable, side by side (h) or stacked (v). */
  repeat: z
    .object({ variable: z.string().min(1), direction: z.enum(['h', 'v']).default('h'), maxPerRow: z.number().int().min(1).max(24).optional() })
    .strict()
    .optional(),
};

export const StatPanel = z.object({ ...common, type: z.literal('stat') }).strict();
export const GaugePanel = z.object({ ...common, type: z.literal('gauge'), min: z.number().default(0), max: z.number().default(100) }).strict();
export const TimeseriesPanel = z
  .object({ ...common, type: z.literal('timeseries'), min: z.number().optional(), max: z.number().optional(), stack: z.boolean().default(false) })
  .strict();
/** A column that shows a label's value (an IP, a model name) from the row's series. */
export const LabelColumn = z
  .object({
    label: z.string().min(1),
    title: z.string().optional(),
    /** Place it before the value columns (default) or after them. */
    after: z.boolean().optional(),
  })
  .strict();
export type LabelColumn = z.infer<typeof LabelColumn>;

/**
 * A table of instant values: one row per value of the `by` labels (series of all targets merged on
 * them), one column per target, label columns, sortable by any column, filterable; a row may link
 * somewhere ($label and ${label} in `link` are the row's label values).
 */
export const TablePanel = z
  .object({
    ...common,
    type: z.literal('table'),
    by: z.array(z.string().min(1)).min(1),
    /** Column titles for the `by` labels (default: the label names). */
    byTitles: z.record(z.string(), z.string()).optional(),
    labelColumns: z.array(LabelColumn).optional(),
    link: z.string().optional(),
    /** Initial sort: a column title (a `by` title, label column title or target legend); "-" first for descending. */
    sort: z.string().optional(),
    filter: z.boolean().default(true),
  })
  .strict();

/** Text (markdown shown as plain text with headings, lists and links); it runs no queries. */
export const TextPanel = z
  .object({ ...common, targets: z.array(Target).max(0).default([]), type: z.literal('text'), content: z.string().default('') })
  .strict();

export const Panel = z.discriminatedUnion('type', [StatPanel, GaugePanel, TimeseriesPanel, TablePanel, TextPanel]);
export type Panel = z.infer<typeof Panel>;
export type PanelInput = z.input<typeof Panel>;

const varName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a variable name is a letter or _ then letters, digits or _').refine((n) => !n.startsWith('__'), {
  message: 'names starting with __ are reserved ($__interval, $__range, …)',
}).refine((n) => !['range', 'from', 'to', 'refresh'].includes(n), { message: 'range, from, to and refresh are the time range\'s URL parameters' });

const variableCommon = {
  name: varName,
  label: z.string().optional(),
  hide: z.boolean().optional(),
  regex: z.string().optional(),
  multi: z.boolean().optional(),
  includeAll: z.boolean().optional(),
  allValue: z.string().optional(),
  default: z.union([z.string(), z.array(z.string())]).optional(),
  sort: z.enum(['none', 'alpha', 'alpha-desc', 'num', 'num-desc']).optional(),
};

export const Variable = z.discriminatedUnion('type', [
  z
    .object({
      ...variableCommon,
      type: z.literal('query'),
      /** label_values(label), label_values(selector, label), label_names(), metrics(regex) or query_result(expr). */
      query: z.string().refine((q) => parseVariableQuery(q) !== null, {
        message: 'expected label_values(label), label_values(selector, label), label_names(), metrics(regex) or query_result(expr)',
      }),
    })
    .strict(),
  z.object({ ...variableCommon, type: z.literal('custom'), query: z.string().min(1) }).strict(),
  z
    .object({
      ...variableCommon,
      type: z.literal('interval'),
      query: z.string().regex(/^\s*\d+(ms|s|m|h|d|w)(\s*,\s*\d+(ms|s|m|h|d|w))*\s*$/, 'expected durations such as "1m,5m,10m"'),
    })
    .strict(),
]);
export type Variable = z.infer<typeof Variable>;

export const Dashboard = z
  .object({
    /** 1: the first format; 2 adds `variables` and the table options (1 files are read as they are). */
    schemaVersion: z.union([z.literal(1), z.literal(2)]),
    uid: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    description: z.string().optional(),
    /** Default range, e.g. "1h". */
    time: z.string().default('1h'),
    variables: z.array(Variable).default([]),
    /** Collapsible rows (Grafana's): a panel's `row` names one; `repeat` repeats the row per value of a variable. */
    rows: z
      .array(z.object({ id: z.string().min(1), title: z.string(), collapsed: z.boolean().default(false), repeat: z.string().optional() }).strict())
      .default([]),
    panels: z.array(Panel).min(1),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.schemaVersion < 2 && d.variables.length > 0) ctx.addIssue({ code: 'custom', path: ['variables'], message: 'variables need schemaVersion 2' });
    const names = new Set<string>();
    for (const [i, v] of d.variables.entries()) {
      if (names.has(v.name)) ctx.addIssue({ code: 'custom', path: ['variables', i, 'name'], message: `duplicate variable "${v.name}"` });
      names.add(v.name);
      if (v.regex !== undefined && toRegExp(v.regex) === null) ctx.addIssue({ code: 'custom', path: ['variables', i, 'regex'], message: `invalid regex ${v.regex}` });
    }
    try {
      resolutionOrder(d.variables);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['variables'], message: (e as Error).message });
    }
    const ids = new Set<string>();
    for (const [i, p] of d.panels.entries()) {
      if (ids.has(p.id)) ctx.addIssue({ code: 'custom', path: ['panels', i, 'id'], message: `duplicate panel id "${p.id}"` });
      ids.add(p.id);
    }
  });
export type Dashboard = z.infer<typeof Dashboard>;

/** Validates a dashboard JSON value; throws an Error naming every problem with its path. */
export function parseDashboard(value: unknown, source = 'dashboard'): Dashboard {
  const r = Dashboard.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`${source} is not a valid dashboard:\n  ${problems.join('\n  ')}`);
}
