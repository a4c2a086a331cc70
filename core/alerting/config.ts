// The notification config: Alertmanager's YAML (route tree, inhibit_rules, receivers with
// webhook_configs, time_intervals, global.resolve_timeout) plus Kubeglass's own desktop_configs,
// with Alertmanager's checks and defaults. Unknown keys are errors (Alertmanager reads its config
// strictly too), reported with the YAML line.
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { durationField } from '../scrape/duration.js';
import { type AlertMatcher, AlertMatcher as Matcher, parseMatchers, sortMatchers } from './matchers.js';
import { parseTimeInterval, type TimeInterval } from './time-intervals.js';

export class AlertingConfigError extends Error {
  override name = 'AlertingConfigError';
}

export interface RouteConfig {
  receiver?: string;
  /** undefined: inherited from the parent. */
  groupBy?: string[];
  groupByAll: boolean;
  groupWait?: number;
  groupInterval?: number;
  repeatInterval?: number;
  /** match, match_re and matchers together, sorted as Alertmanager sorts them. */
  matchers: AlertMatcher[];
  continue: boolean;
  routes: RouteConfig[];
  muteTimeIntervals: string[];
  activeTimeIntervals: string[];
}

export interface InhibitRuleConfig {
  sourceMatchers: AlertMatcher[];
  targetMatchers: AlertMatcher[];
  equal: string[];
}

export interface WebhookConfig {
  url: string;
  sendResolved: boolean;
  /** 0: all alerts. */
  maxAlerts: number;
  /** Per request; 0: only the flush deadline applies. */
  timeoutMs: number;
}

export interface DesktopConfig {
  sendResolved: boolean;
}

export interface ReceiverConfig {
  name: string;
  webhookConfigs: WebhookConfig[];
  desktopConfigs: DesktopConfig[];
}

export interface AlertingConfig {
  resolveTimeoutMs: number;
  route: RouteConfig;
  inhibitRules: InhibitRuleConfig[];
  receivers: ReceiverConfig[];
  timeIntervals: Map<string, TimeInterval[]>;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const duration = durationField;

const labelName = z.string().refine((s) => LABEL_NAME.test(s), { message: 'invalid label name' });

const matcherList = z.array(z.string()).transform((lines, ctx) => {
  const out: AlertMatcher[] = [];
  for (const line of lines) {
    try {
      out.push(...parseMatchers(line));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }
  return out;
});

const regexMap = z.record(labelName, z.string()).transform((m, ctx) => {
  const out: AlertMatcher[] = [];
  for (const [k, v] of Object.entries(m)) {
    try {
      out.push(new Matcher('=~', k, v));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `invalid regexp value for "${k}": ${(err as Error).message}` });
      return z.NEVER;
    }
  }
  return out;
});

const equalMap = z.record(labelName, z.string()).transform((m) => Object.entries(m).map(([k, v]) => new Matcher('=', k, v)));

interface RawRoute {
  receiver?: string;
  group_by?: string[];
  match?: AlertMatcher[];
  match_re?: AlertMatcher[];
  matchers?: AlertMatcher[];
  mute_time_intervals?: string[];
  active_time_intervals?: string[];
  continue?: boolean;
  routes?: RawRoute[];
  group_wait?: number;
  group_interval?: number;
  repeat_interval?: number;
}

const RawRouteSchema: z.ZodType<RawRoute, unknown> = z.lazy(() =>
  z
    .object({
      receiver: z.string().optional(),
      group_by: z.array(z.string()).optional(),
      match: equalMap.optional(),
      match_re: regexMap.optional(),
      matchers: matcherList.optional(),
      mute_time_intervals: z.array(z.string()).optional(),
      active_time_intervals: z.array(z.string()).optional(),
      continue: z.boolean().optional(),
      routes: z.array(RawRouteSchema).optional(),
      group_wait: duration.optional(),
      group_interval: duration.optional(),
      repeat_interval: duration.optional(),
    })
    .strict(),
);

const httpURL = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
    } catch {
      return false;
    }
  },
  { message: 'want an http or https URL with a host' },
);

const RawWebhook = z
  .object({
    url: httpURL,
    send_resolved: z.boolean().default(true),
    max_alerts: z.number().int().nonnegative().default(0),
    timeout: duration.optional(),
  })
  .strict();

const RawDesktop = z.object({ send_resolved: z.boolean().default(true) }).strict();

const RawReceiver = z
  .object({
    name: z.string().min(1, 'missing name in receiver'),
    webhook_configs: z.array(RawWebhook).default([]),
    desktop_configs: z.array(RawDesktop).default([]),
  })
  .strict();

const RawInhibit = z
  .object({
    source_match: equalMap.optional(),
    source_match_re: regexMap.optional(),
    source_matchers: matcherList.optional(),
    target_match: equalMap.optional(),
    target_match_re: regexMap.optional(),
    target_matchers: matcherList.optional(),
    equal: z.array(labelName).default([]),
  })
  .strict();

const RawNamedIntervals = z.array(z.object({ name: z.string().min(1, 'missing name in time interval'), time_intervals: z.array(z.unknown()).default([]) }).strict());

const RawConfig = z
  .object({
    global: z.object({ resolve_timeout: duration.default(5 * 60_000) }).strict().default({ resolve_timeout: 5 * 60_000 }),
    route: RawRouteSchema.optional(),
    inhibit_rules: z.array(RawInhibit).default([]),
    receivers: z.array(RawReceiver).default([]),
    time_intervals: RawNamedIntervals.default([]),
    mute_time_intervals: RawNamedIntervals.default([]),
  })
  .strict();

function buildRoute(r: RawRoute, where: string): RouteConfig {
  let groupBy: string[] | undefined;
  let groupByAll = false;
  if (r.group_by !== undefined) {
    groupBy = [];
    for (const l of r.group_by) {
      if (l === '...') groupByAll = true;
      else if (!LABEL_NAME.test(l)) throw new AlertingConfigError(`${where}: invalid label name "${l}" in group_by list`);
      else if (groupBy.includes(l)) throw new AlertingConfigError(`${where}: duplicated label "${l}" in group_by`);
      else groupBy.push(l);
    }
    if (groupByAll && groupBy.length > 0)
      throw new AlertingConfigError(`${where}: cannot have wildcard group_by (\`...\`) and other other labels at the same time`);
    // As in Alertmanager, an empty group_by (like `...`) leaves the parent's label list in place.
    if (groupByAll || groupBy.length === 0) groupBy = undefined;
  }
  if (r.group_interval === 0) throw new AlertingConfigError(`${where}: group_interval cannot be zero`);
  if (r.repeat_interval === 0) throw new AlertingConfigError(`${where}: repeat_interval cannot be zero`);
  return {
    receiver: r.receiver || undefined,
    groupBy,
    groupByAll,
    groupWait: r.group_wait,
    groupInterval: r.group_interval,
    repeatInterval: r.repeat_interval,
    matchers: sortMatchers([...(r.match ?? []), ...(r.match_re ?? []), ...(r.matchers ?? [])]),
    continue: r.continue ?? false,
    routes: (r.routes ?? []).map((c, i) => buildRoute(c, `${where}.routes[${i}]`)),
    muteTimeIntervals: r.mute_time_intervals ?? [],
    activeTimeIntervals: r.active_time_intervals ?? [],
  };
}

function walk(r: RouteConfig, where: string, visit: (r: RouteConfig, where: string) => void): void {
  visit(r, where);
  r.routes.forEach((c, i) => walk(c, `${where}.routes[${i}]`, visit));
}

/** Parses and checks a config document (YAML or JSON). Errors name the line and the field. */
export function parseAlertingConfig(text: string): AlertingConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lineCounter.linePos(e.pos[0]);
    throw new AlertingConfigError(`line ${pos.line}:${pos.col}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const result = RawConfig.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    const at = issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]!] : path;
    throw new AlertingConfigError(`${lineOf(doc, lineCounter, at)}${formatPath(path) || 'config'}: ${message}`);
  }
  return buildConfig(result.data);
}

function lineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: (string | number)[]): string {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return `line ${lc.linePos(node.range[0]).line}: `;
  }
  return '';
}

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function buildConfig(raw: z.infer<typeof RawConfig>): AlertingConfig {
  const receivers: ReceiverConfig[] = [];
  const names = new Set<string>();
  for (const r of raw.receivers) {
    if (names.has(r.name)) throw new AlertingConfigError(`notification config name "${r.name}" is not unique`);
    names.add(r.name);
    receivers.push({
      name: r.name,
      webhookConfigs: r.webhook_configs.map((w) => ({ url: w.url, sendResolved: w.send_resolved, maxAlerts: w.max_alerts, timeoutMs: w.timeout ?? 0 })),
      desktopConfigs: r.desktop_configs.map((d) => ({ sendResolved: d.send_resolved })),
    });
  }
  if (!raw.route) throw new AlertingConfigError('no routes provided');
  const route = buildRoute(raw.route, 'route');
  if (!route.receiver) throw new AlertingConfigError('root route must specify a default receiver');
  if (route.matchers.length > 0) throw new AlertingConfigError('root route must not have any matchers');
  if (route.continue) throw new AlertingConfigError('cannot have continue in root route');
  if (route.muteTimeIntervals.length > 0) throw new AlertingConfigError('root route must not have any mute time intervals');
  if (route.activeTimeIntervals.length > 0) throw new AlertingConfigError('root route must not have any active time intervals');

  const timeIntervals = new Map<string, TimeInterval[]>();
  for (const [key, list] of [
    ['mute_time_intervals', raw.mute_time_intervals],
    ['time_intervals', raw.time_intervals],
  ] as const) {
    for (const ti of list) {
      if (timeIntervals.has(ti.name)) throw new AlertingConfigError(`${key === 'time_intervals' ? 'time' : 'mute time'} interval "${ti.name}" is not unique`);
      timeIntervals.set(
        ti.name,
        ti.time_intervals.map((t, i) => {
          try {
            return parseTimeInterval(t);
          } catch (err) {
            throw new AlertingConfigError(`${key} "${ti.name}" [${i}]: ${(err as Error).message}`);
          }
        }),
      );
    }
  }
  walk(route, 'route', (r, where) => {
    if (r.receiver !== undefined && !names.has(r.receiver)) throw new AlertingConfigError(`${where}: undefined receiver "${r.receiver}" used in route`);
    for (const ti of [...r.muteTimeIntervals, ...r.activeTimeIntervals]) {
      if (!timeIntervals.has(ti)) throw new AlertingConfigError(`${where}: undefined time interval "${ti}" used in route`);
    }
  });

  return {
    resolveTimeoutMs: raw.global.resolve_timeout,
    route,
    inhibitRules: raw.inhibit_rules.map((r) => ({
      sourceMatchers: [...(r.source_match ?? []), ...(r.source_match_re ?? []), ...(r.source_matchers ?? [])],
      targetMatchers: [...(r.target_match ?? []), ...(r.target_match_re ?? []), ...(r.target_matchers ?? [])],
      equal: r.equal,
    })),
    receivers,
    timeIntervals,
  };
}

/** The built-in config: one route grouping by alertname and context to the desktop. */
export const DEFAULT_CONFIG_YAML = `# Kubeglass notifications (Alertmanager's format; desktop_configs is Kubeglass's own receiver).
route:
  receiver: desktop
  group_by: [alertname, context]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
inhibit_rules: []
receivers:
  - name: desktop
    desktop_configs:
      - send_resolved: true
`;

export function defaultAlertingConfig(): AlertingConfig {
  return parseAlertingConfig(DEFAULT_CONFIG_YAML);
}
