// The API contract: every call the renderer may make and every event it may receive.
// Both transports (Electron IPC and browser-mode HTTP) validate against these schemas at
// their boundary, and the engine host validates again before dispatch.
import { z } from 'zod';
import { ContractError } from './errors.js';
import type { CallName, EventName } from './names.js';

export { ContractError, serializeError, type ErrorCode, type SerializedError } from './errors.js';

const contextName = z.string().min(1).max(1024);

/** What the renderer may know about a kubeconfig context: names and locations, never credentials. */
export const ContextInfo = z.object({
  name: z.string(),
  cluster: z.string(),
  user: z.string(),
  namespace: z.string(),
  /** The API server URL; an address, not a secret. Empty when the cluster entry is missing. */
  server: z.string(),
  /** The kubeconfig file that defined this context (first file wins, as in kubectl). */
  source: z.string(),
  /** Why this context cannot be used as is (missing cluster or user entry, …). */
  problems: z.array(z.string()),
});
export type ContextInfo = z.infer<typeof ContextInfo>;

export const KubeconfigIssue = z.object({
  file: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
});
export type KubeconfigIssue = z.infer<typeof KubeconfigIssue>;

/** Whether a context's API server answers: offline contexts still show their stored data. */
export const Reachability = z.object({
  state: z.enum(['online', 'offline', 'unknown']),
  /** The last time its API server answered, kept across restarts; null if never seen. */
  lastContact: z.number().nullable(),
  /** When it was first found unreachable after answering (or after start), null while online. */
  offlineSince: z.number().nullable(),
  checkedAt: z.number().nullable(),
  message: z.string(),
});
export type Reachability = z.infer<typeof Reachability>;

export const ContextsState = z.object({
  /** The files read, in precedence order. */
  files: z.array(z.string()),
  /** Where the file list came from: the KUBECONFIG variable, the default path, or the built-in demo cluster. */
  origin: z.enum(['KUBECONFIG', 'default', 'demo']),
  contexts: z.array(ContextInfo),
  /** current-context as the kubeconfig files say (kubectl's), or null. */
  kubeconfigCurrent: z.string().nullable(),
  /** The context Kubeglass shows: the user's last choice, else the kubeconfig's current, else the first. */
  selected: z.string().nullable(),
  /** Contexts the user keeps scraping while another is selected (for alerts). */
  background: z.array(z.string()).default([]),
  /** Contexts whose pods the user chose to reach by port-forward rather than the API server's proxy. */
  portForward: z.array(z.string()).default([]),
  /** Per context: reachable or offline, and since when. */
  reachability: z.record(z.string(), Reachability).default({}),
  issues: z.array(KubeconfigIssue),
  loadedAt: z.number(),
});
export type ContextsState = z.infer<typeof ContextsState>;

export const ConnectionState = z.enum(['none', 'connecting', 'connected', 'unauthorized', 'unreachable', 'error']);
export const ConnectionStatus = z.object({
  context: z.string().nullable(),
  state: ConnectionState,
  /** gitVersion from the API server's /version, when connected. */
  serverVersion: z.string().nullable(),
  message: z.string(),
  checkedAt: z.number().nullable(),
  latencyMs: z.number().nullable(),
});
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  shell: z.enum(['electron', 'browser']),
  dataDir: z.string(),
  platform: z.string(),
  nodeVersion: z.string(),
  /** The capture every page reads instead of live data, or null. */
  capture: z.lazy(() => CaptureInfo).nullable().default(null),
  /** True under `kubeglass serve --capture`: the capture cannot be closed. */
  captureLocked: z.boolean().default(false),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const DatabaseInfo = z.object({
  file: z.string(),
  context: z.string(),
  bytes: z.number(),
  series: z.number(),
  minTime: z.number().nullable(),
  maxTime: z.number().nullable(),
  error: z.string().optional(),
});
export type DatabaseInfo = z.infer<typeof DatabaseInfo>;

export const CaptureInfo = DatabaseInfo.extend({
  name: z.string(),
  note: z.string(),
  createdAt: z.number(),
});
export type CaptureInfo = z.infer<typeof CaptureInfo>;

/** A context's remote-write endpoint as the renderer sets it (secrets go in, never come back out). */
export const RemoteWriteConfig = z
  .object({
    url: z
      .string()
      .url()
      .max(2048)
      .refine((u) => /^https?:\/\//.test(u), { message: 'the URL must be http:// or https://' }),
    bearerToken: z.string().max(8192).optional(),
    basicAuth: z.object({ username: z.string().min(1).max(1024), password: z.string().max(8192) }).strict().optional(),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string().max(8192)).optional(),
    /** Keep the stored token or password when none is given (the renderer never holds them). */
    keepSecrets: z.boolean().optional(),
  })
  .strict();
export type RemoteWriteConfig = z.infer<typeof RemoteWriteConfig>;

export const RemoteWriteState = z.object({
  context: z.string(),
  config: z.object({ url: z.string(), hasBearerToken: z.boolean(), basicAuthUser: z.string().nullable(), headers: z.array(z.string()) }).nullable(),
  /** The queue's counters since the endpoint was set (or the app started). */
  stats: z
    .object({
      samplesSent: z.number(),
      samplesFailed: z.number(),
      samplesDropped: z.number(),
      samplesRetried: z.number(),
      samplesPending: z.number(),
      batchesSent: z.number(),
      bytesSent: z.number(),
      lastError: z.string().nullable(),
      lastErrorAt: z.number().nullable(),
      lastSendAt: z.number().nullable(),
    })
    .nullable(),
});
export type RemoteWriteState = z.infer<typeof RemoteWriteState>;

export const StorageState = z.object({
  dataDir: z.string(),
  databases: z.array(DatabaseInfo),
  captures: z.array(CaptureInfo),
});
export type StorageState = z.infer<typeof StorageState>;

const empty = z.object({}).strict();

// PromQL over the selected context's local data. Results use the Prometheus HTTP API's shapes
// (values as strings, times in seconds) so one format serves the renderer and /api/v1 alike.
const query = z.string().min(1).max(256 * 1024);
const ms = z.number().finite();
const matchers = z.array(z.string().min(1).max(64 * 1024)).max(256);
const limit = z.number().int().nonnegative().optional();
export const PromSample = z.tuple([z.number(), z.string()]);
/**
 * A native histogram as the HTTP API writes it: count, sum, and each non-empty bucket as
 * [boundaries (0 left-open, 1 right-open, 2 open, 3 closed), lower, upper, count].
 */
export const PromHistogram = z.object({
  count: z.string(),
  sum: z.string(),
  buckets: z.array(z.tuple([z.number().int().min(0).max(3), z.string(), z.string(), z.string()])).optional(),
});
export type PromHistogram = z.infer<typeof PromHistogram>;
const PromHistogramSample = z.tuple([z.number(), PromHistogram]);
const metric = z.record(z.string(), z.string());
export const QueryData = z.discriminatedUnion('resultType', [
  z.object({
    resultType: z.literal('vector'),
    result: z.array(z.union([z.object({ metric, value: PromSample }).strict(), z.object({ metric, histogram: PromHistogramSample }).strict()])),
  }),
  z.object({
    resultType: z.literal('matrix'),
    result: z.array(z.object({ metric, values: z.array(PromSample).optional(), histograms: z.array(PromHistogramSample).optional() })),
  }),
  z.object({ resultType: z.literal('scalar'), result: PromSample }),
  z.object({ resultType: z.literal('string'), result: PromSample }),
]);
export type QueryData = z.infer<typeof QueryData>;
export const QueryResponse = z.object({ data: QueryData, warnings: z.array(z.string()), infos: z.array(z.string()) });
export type QueryResponse = z.infer<typeof QueryResponse>;
/** One scrape target, for the Targets page and /api/v1/targets. */
export const TargetInfo = z.object({
  /** The scrape pool (job_name): serviceMonitor/ns/name/0, kubeglass/node-exporter … */
  scrapePool: z.string(),
  /** The URL Prometheus would scrape (its labels keep pointing there). */
  url: z.string(),
  /** How Kubeglass reaches it, e.g. "API server proxy of pod monitoring/node-exporter-x". */
  via: z.string().nullable(),
  /** Why it cannot be reached at all, where that is so. */
  unreachable: z.string().nullable(),
  health: z.enum(['unknown', 'up', 'down']),
  lastError: z.string(),
  lastScrape: z.number().nullable(),
  lastScrapeDurationMs: z.number(),
  samplesScraped: z.number(),
  samplesPostRelabeling: z.number(),
  seriesAdded: z.number(),
  samplesRejected: z.number(),
  intervalMs: z.number(),
  timeoutMs: z.number(),
  labels: z.record(z.string(), z.string()),
  discoveredLabels: z.record(z.string(), z.string()),
});
export type TargetInfo = z.infer<typeof TargetInfo>;

export const ScrapeJobInfo = z.object({
  scrapePool: z.string(),
  /** "built in", or the ServiceMonitor/PodMonitor it was generated from. */
  origin: z.string(),
  notes: z.array(z.string()),
  /** Discovery: connecting, synced, or retrying with the error in plain words. */
  discovery: z.object({ state: z.enum(['connecting', 'synced', 'retrying']), error: z.string().nullable() }).nullable(),
  /** Why the job does not run (an invalid monitor, or the cluster's own monitors cover it). */
  disabled: z.string().nullable(),
});

export const TargetsState = z.object({
  /** The context being scraped, or null when none is. */
  context: z.string().nullable(),
  state: z.enum(['off', 'running', 'error']),
  message: z.string(),
  jobs: z.array(ScrapeJobInfo),
  active: z.array(TargetInfo),
  dropped: z.array(z.object({ scrapePool: z.string(), discoveredLabels: z.record(z.string(), z.string()), reason: z.string() })),
});
export type TargetsState = z.infer<typeof TargetsState>;

export const ContextScrapeStatus = z.object({
  context: z.string(),
  role: z.enum(['selected', 'background']),
  state: z.enum(['running', 'error']),
  message: z.string(),
  targetsUp: z.number(),
  targets: z.number(),
  samplesPerSecond: z.number(),
  /** An estimate: the engine's CPU over the last minute, split by each context's share of samples. */
  cpuPercent: z.number(),
});
export const ScrapingStatus = z.object({
  /** Percent of one core the engine used over the last minute. */
  engineCpuPercent: z.number(),
  contexts: z.array(ContextScrapeStatus),
});
export type ScrapingStatus = z.infer<typeof ScrapingStatus>;

export const MetricMetadataEntry = z.object({ type: z.string(), help: z.string(), unit: z.string() });

// Alerting: rule groups per context in the shapes of Prometheus's /api/v1/rules (plus where each
// group came from), pending and firing alerts with what the notifier does with them, silences.
const labelMap = z.record(z.string(), z.string());
export const ApiAlertShape = z.object({
  labels: labelMap,
  annotations: labelMap,
  state: z.enum(['pending', 'firing', 'inactive']),
  activeAt: z.string().optional(),
  keepFiringSince: z.string().optional(),
  value: z.string(),
});
const ruleCommon = { name: z.string(), query: z.string(), health: z.enum(['ok', 'err', 'unknown']), lastError: z.string().optional(), evaluationTime: z.number(), lastEvaluation: z.string() };
export const RuleInfo = z.discriminatedUnion('type', [
  z.object({
    ...ruleCommon,
    type: z.literal('alerting'),
    state: z.enum(['inactive', 'pending', 'firing']),
    duration: z.number(),
    keepFiringFor: z.number(),
    labels: labelMap,
    annotations: labelMap,
    alerts: z.array(ApiAlertShape),
  }),
  z.object({ ...ruleCommon, type: z.literal('recording'), labels: labelMap.optional() }),
]);
export type RuleInfo = z.infer<typeof RuleInfo>;
export const RuleGroupInfo = z.object({
  name: z.string(),
  file: z.string(),
  /** built in (resources/rules), the user's rule files, or the cluster's PrometheusRule objects. */
  source: z.enum(['builtin', 'user', 'cluster']),
  rules: z.array(RuleInfo),
  interval: z.number(),
  limit: z.number(),
  evaluationTime: z.number(),
  lastEvaluation: z.string(),
});
export type RuleGroupInfo = z.infer<typeof RuleGroupInfo>;
export const RuleProblem = z.object({
  source: z.enum(['builtin', 'user', 'cluster', 'config']),
  file: z.string(),
  /** The context whose PrometheusRule it is (null for files). */
  context: z.string().nullable(),
  error: z.string(),
});
export type RuleProblem = z.infer<typeof RuleProblem>;
export const RulesState = z.object({
  /** The context Prometheus's API answers for (the selected one, or serve's --context). */
  viewed: z.string().nullable(),
  contexts: z.array(z.object({ context: z.string(), groups: z.array(RuleGroupInfo) })),
  problems: z.array(RuleProblem),
});
export type RulesState = z.infer<typeof RulesState>;
const RulesFilterParams = z
  .object({
    type: z.enum(['alert', 'record']).optional(),
    ruleName: z.array(z.string()).max(1024).optional(),
    ruleGroup: z.array(z.string()).max(1024).optional(),
    file: z.array(z.string()).max(1024).optional(),
    excludeAlerts: z.boolean().optional(),
  })
  .strict();
export type RulesFilterParams = z.infer<typeof RulesFilterParams>;
export const AlertInfo = z.object({
  /** The notifier's fingerprint of the alert's labels with its context (what silences and clicks name). */
  fingerprint: z.string(),
  context: z.string(),
  rule: z.string(),
  group: z.string(),
  file: z.string(),
  labels: labelMap,
  annotations: labelMap,
  state: z.enum(['pending', 'firing']),
  /** The expression's value, as Prometheus writes it. */
  value: z.string(),
  activeAt: z.number(),
  firedAt: z.number().nullable(),
  keepFiringSince: z.number().nullable(),
  silencedBy: z.array(z.string()),
  inhibitedBy: z.array(z.string()),
  /** Why it is not notified (silenced, inhibited, do not disturb, context muted), or null. */
  suppressedBecause: z.string().nullable(),
});
export type AlertInfo = z.infer<typeof AlertInfo>;
export const AlertsState = z.object({ viewed: z.string().nullable(), alerts: z.array(AlertInfo) });
export type AlertsState = z.infer<typeof AlertsState>;
export const SilenceInfo = z.object({
  id: z.string(),
  matchers: z.array(z.string()),
  startsAt: z.number(),
  endsAt: z.number(),
  createdBy: z.string(),
  comment: z.string(),
  updatedAt: z.number(),
  state: z.enum(['pending', 'active', 'expired']),
});
export type SilenceInfo = z.infer<typeof SilenceInfo>;
export const AlertSettings = z.object({
  doNotDisturb: z.boolean(),
  mutedContexts: z.array(z.string()),
  /** Per context: whether its PrometheusRule objects are evaluated, and whether the user chose so. */
  clusterRules: z.array(z.object({ context: z.string(), enabled: z.boolean(), chosen: z.boolean() })),
});
export type AlertSettings = z.infer<typeof AlertSettings>;
export const AlertNotification = z.object({
  title: z.string(),
  body: z.string(),
  /** The fingerprint of the alert a click opens. */
  alertKey: z.string(),
  groupKey: z.string(),
  status: z.enum(['firing', 'resolved']),
  context: z.string().nullable(),
});
export type AlertNotification = z.infer<typeof AlertNotification>;

interface CallSpec {
  params: z.ZodType;
  result: z.ZodType;
}

export const calls = {
  'app.info': { params: empty, result: AppInfo },
  'contexts.list': { params: empty, result: ContextsState },
  'contexts.select': { params: z.object({ name: contextName }).strict(), result: ContextsState },
  'contexts.reload': { params: empty, result: ContextsState },
  'contexts.setBackground': { params: z.object({ name: contextName, background: z.boolean() }).strict(), result: ContextsState },
  'contexts.setPortForward': { params: z.object({ name: contextName, portForward: z.boolean() }).strict(), result: ContextsState },
  'connection.get': { params: empty, result: ConnectionStatus },
  'connection.check': { params: empty, result: ConnectionStatus },
  'storage.list': { params: empty, result: StorageState },
  'remoteWrite.get': { params: z.object({ context: contextName }).strict(), result: RemoteWriteState },
  'remoteWrite.set': { params: z.object({ context: contextName, config: RemoteWriteConfig.nullable() }).strict(), result: RemoteWriteState },
  'captures.create': {
    params: z
      .object({ context: contextName, name: z.string().trim().min(1).max(200), note: z.string().max(4000).default(''), from: ms, to: ms })
      .strict()
      .refine((p) => p.to > p.from, { message: 'the range must end after it starts' }),
    result: CaptureInfo,
  },
  'captures.delete': { params: z.object({ file: z.string().min(1).max(4096) }).strict(), result: z.object({}) },
  'captures.open': { params: z.object({ file: z.string().min(1).max(4096) }).strict(), result: AppInfo },
  'captures.close': { params: empty, result: AppInfo },
  'promql.query': {
    params: z.object({ query, time: ms.optional(), timeoutMs: z.number().positive().optional(), lookbackDeltaMs: z.number().positive().optional() }).strict(),
    result: QueryResponse,
  },
  'promql.queryRange': {
    params: z.object({ query, start: ms, end: ms, step: z.number().positive(), timeoutMs: z.number().positive().optional(), lookbackDeltaMs: z.number().positive().optional() }).strict(),
    result: QueryResponse,
  },
  'promql.series': { params: z.object({ match: matchers.min(1), start: ms.optional(), end: ms.optional(), limit }).strict(), result: z.array(metric) },
  'promql.labels': { params: z.object({ match: matchers.optional(), start: ms.optional(), end: ms.optional(), limit }).strict(), result: z.array(z.string()) },
  'promql.labelValues': {
    params: z.object({ name: z.string().min(1).max(1024), match: matchers.optional(), start: ms.optional(), end: ms.optional(), limit }).strict(),
    result: z.array(z.string()),
  },
  'promql.metadata': { params: z.object({ metric: z.string().optional(), limit }).strict(), result: z.record(z.string(), z.array(MetricMetadataEntry)) },
  'promql.format': { params: z.object({ query }).strict(), result: z.string() },
  'targets.list': { params: empty, result: TargetsState },
  'scraping.status': { params: empty, result: ScrapingStatus },
  'alerts.list': { params: z.object({ context: contextName.optional() }).strict(), result: AlertsState },
  'rules.list': { params: RulesFilterParams, result: RulesState },
  'alerts.reloadRules': { params: empty, result: RulesState },
  'silences.list': { params: empty, result: z.array(SilenceInfo) },
  'silences.create': {
    params: z.object({ fingerprint: z.string().min(1).max(64), comment: z.string().max(4096).optional(), createdBy: z.string().max(256).optional(), durationMs: z.number().positive().max(366 * 24 * 3600_000).optional() }).strict(),
    result: SilenceInfo,
  },
  'silences.expire': { params: z.object({ id: z.string().min(1).max(128) }).strict(), result: SilenceInfo },
  'alerts.settings': { params: empty, result: AlertSettings },
  'alerts.setSettings': {
    params: z
      .object({
        doNotDisturb: z.boolean().optional(),
        mute: z.object({ context: contextName, muted: z.boolean() }).strict().optional(),
        clusterRules: z.object({ context: contextName, enabled: z.boolean() }).strict().optional(),
      })
      .strict(),
    result: AlertSettings,
  },
} as const satisfies Record<CallName, CallSpec>;

export const events = {
  'contexts.changed': ContextsState,
  'connection.changed': ConnectionStatus,
  'alerts.notification': AlertNotification,
  /** The shell asks the page to show an alert (a desktop notification was clicked). */
  'alerts.open': z.object({ alertKey: z.string(), context: z.string().nullable() }),
} as const satisfies Record<EventName, z.ZodType>;

export type Params<C extends CallName> = z.infer<(typeof calls)[C]['params']>;
export type Result<C extends CallName> = z.infer<(typeof calls)[C]['result']>;
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;

/** Validates a call's params; throws ContractError('invalid_params') naming the offending field. */
export function parseParams<C extends CallName>(name: C, params: unknown): Params<C> {
  const result = calls[name].params.safeParse(params ?? {});
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first && first.path.length ? `${first.path.join('.')}: ` : '';
    throw new ContractError('invalid_params', `${name}: ${where}${first?.message ?? 'invalid parameters'}`);
  }
  return result.data as Params<C>;
}

/** The interface both transports implement and the renderer consumes. */
export interface KubeglassApi {
  call<C extends CallName>(name: C, params: Params<C>, options?: { signal?: AbortSignal }): Promise<Result<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** A contract implementation that can also hand every event to one listener (what a transport forwards). */
export interface EventSourceApi extends KubeglassApi {
  onAnyEvent(listener: (name: EventName, payload: unknown) => void): () => void;
}

/** What the engine host implements: one handler per call, with cancellation. */
export type Handlers = {
  [C in CallName]: (params: Params<C>, ctx: { signal: AbortSignal }) => Promise<Result<C>>;
};
