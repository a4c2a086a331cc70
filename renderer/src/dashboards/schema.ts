// The dashboard format: dashboards are data (JSON in resources/dashboards/), drawn by one generic
// renderer. Kept small on purpose; template variables come later.
import { z } from 'zod';

export const UNITS = ['bytes', 'percent', 'percentunit', 'seconds', 'ops', 'bits', 'cores', 'short'] as const;
export const Unit = z.enum(UNITS);
export type Unit = z.infer<typeof Unit>;

export const Target = z
  .object({
    /** PromQL; may use $__rate_interval, $__interval and $__range. */
    expr: z.string().min(1),
    /** Legend template: {{label}} is replaced by the series' label value. */
    legend: z.string().optional(),
    /** Overrides the panel's unit for this target (a table column). */
    unit: Unit.optional(),
  })
  .strict();
export type Target = z.infer<typeof Target>;

/** Colour steps: the last step whose value is at or below the number wins. */
export const Threshold = z.object({ value: z.number().nullable(), color: z.enum(['ok', 'warn', 'bad', 'accent', 'muted']) }).strict();
export type Threshold = z.infer<typeof Threshold>;

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
};

export const StatPanel = z.object({ ...common, type: z.literal('stat') }).strict();
export const GaugePanel = z.object({ ...common, type: z.literal('gauge'), min: z.number().default(0), max: z.number().default(100) }).strict();
export const TimeseriesPanel = z
  .object({ ...common, type: z.literal('timeseries'), min: z.number().optional(), max: z.number().optional(), stack: z.boolean().default(false) })
  .strict();
/** A table of instant values: one row per value of the `by` labels, one column per target. */
export const TablePanel = z.object({ ...common, type: z.literal('table'), by: z.array(z.string().min(1)).min(1) }).strict();

export const Panel = z.discriminatedUnion('type', [StatPanel, GaugePanel, TimeseriesPanel, TablePanel]);
export type Panel = z.infer<typeof Panel>;
export type PanelInput = z.input<typeof Panel>;

export const Dashboard = z
  .object({
    schemaVersion: z.literal(1),
    uid: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    description: z.string().optional(),
    /** Default range, e.g. "1h". */
    time: z.string().default('1h'),
    panels: z.array(Panel).min(1),
  })
  .strict()
  .superRefine((d, ctx) => {
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
