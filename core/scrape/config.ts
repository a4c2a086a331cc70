// The subset of Prometheus's configuration the scrape engine reads (global and scrape_configs),
// with Prometheus's defaults and its checks. Unknown keys are errors, as in Prometheus, so a typo
// never silently changes what is scraped.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { compileRelabelConfigs, type CompiledRelabel } from './relabel.js';
import { durationField } from './duration.js';

const duration = durationField;

const sizeUnits: Record<string, number> = { B: 1, KB: 1 << 10, MB: 1 << 20, GB: 1 << 30, KiB: 1 << 10, MiB: 1 << 20, GiB: 1 << 30 };
const byteSize = z.union([
  z.number().int().nonnegative(),
  z.string().transform((s, ctx) => {
    const m = /^(\d+)(B|KB|MB|GB|KiB|MiB|GiB)$/.exec(s.trim());
    if (!m) {
      ctx.addIssue({ code: 'custom', message: `not a valid size: "${s}" (use e.g. 10MB)` });
      return z.NEVER;
    }
    return Number(m[1]) * sizeUnits[m[2]!]!;
  }),
]);

const labelSet = z.record(z.string(), z.string());

const TlsConfig = z
  .object({
    ca_file: z.string().optional(),
    ca: z.string().optional(),
    cert_file: z.string().optional(),
    cert: z.string().optional(),
    key_file: z.string().optional(),
    key: z.string().optional(),
    server_name: z.string().optional(),
    insecure_skip_verify: z.boolean().optional(),
  })
  .strict();

/** kubernetes_sd_configs, the part that names what to discover (the cluster is the context's). */
const KubernetesSDConfigSchema = z
  .object({
    role: z.enum(['node', 'pod', 'endpointslice', 'endpoints', 'service']),
    namespaces: z.object({ names: z.array(z.string()).default([]), own_namespace: z.boolean().default(false) }).strict().optional(),
    selectors: z.array(z.object({ role: z.string(), label: z.string().optional(), field: z.string().optional() }).strict()).default([]),
    attach_metadata: z.object({ node: z.boolean().default(false), namespace: z.boolean().default(false) }).strict().optional(),
  })
  .strict();
export type KubernetesSDConfig = z.infer<typeof KubernetesSDConfigSchema>;

export const RawScrapeConfig = z
  .object({
    job_name: z.string().min(1),
    scrape_interval: duration.optional(),
    scrape_timeout: duration.optional(),
    metrics_path: z.string().default('/metrics'),
    scheme: z.enum(['http', 'https']).default('http'),
    params: z.record(z.string(), z.array(z.string())).default({}),
    honor_labels: z.boolean().default(false),
    honor_timestamps: z.boolean().default(true),
    track_timestamps_staleness: z.boolean().default(false),
    sample_limit: z.number().int().nonnegative().default(0),
    label_limit: z.number().int().nonnegative().default(0),
    label_name_length_limit: z.number().int().nonnegative().default(0),
    label_value_length_limit: z.number().int().nonnegative().default(0),
    body_size_limit: byteSize.default(0),
    basic_auth: z.object({ username: z.string().default(''), password: z.string().optional(), password_file: z.string().optional() }).strict().optional(),
    authorization: z.object({ type: z.string().default('Bearer'), credentials: z.string().optional(), credentials_file: z.string().optional() }).strict().optional(),
    bearer_token: z.string().optional(),
    bearer_token_file: z.string().optional(),
    tls_config: TlsConfig.optional(),
    static_configs: z.array(z.object({ targets: z.array(z.string()).default([]), labels: labelSet.default({}) }).strict()).default([]),
    kubernetes_sd_configs: z.array(KubernetesSDConfigSchema).default([]),
    relabel_configs: z.array(z.unknown()).default([]),
    metric_relabel_configs: z.array(z.unknown()).default([]),
  })
  .strict();

const RawConfig = z
  .object({
    global: z
      .object({
        scrape_interval: duration.default(60_000),
        scrape_timeout: duration.default(10_000),
        external_labels: labelSet.default({}),
        body_size_limit: byteSize.default(0),
        sample_limit: z.number().int().nonnegative().default(0),
        label_limit: z.number().int().nonnegative().default(0),
      })
      .strict()
      .default({ scrape_interval: 60_000, scrape_timeout: 10_000, external_labels: {}, body_size_limit: 0, sample_limit: 0, label_limit: 0 }),
    scrape_configs: z.array(RawScrapeConfig).default([]),
  })
  .strict();

export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
  insecureSkipVerify: boolean;
}

export interface ScrapeConfig {
  jobName: string;
  intervalMs: number;
  timeoutMs: number;
  metricsPath: string;
  scheme: 'http' | 'https';
  params: Record<string, string[]>;
  honorLabels: boolean;
  honorTimestamps: boolean;
  trackTimestampsStaleness: boolean;
  sampleLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  bodySizeLimit: number;
  /** The Authorization header value, resolved from basic_auth, authorization or bearer_token. */
  authorization: string | null;
  tls: TlsOptions;
  staticConfigs: { targets: string[]; labels: Record<string, string> }[];
  kubernetesSDConfigs: KubernetesSDConfig[];
  relabelConfigs: CompiledRelabel[];
  metricRelabelConfigs: CompiledRelabel[];
}

export interface ScrapeConfigFile {
  externalLabels: Record<string, string>;
  scrapeConfigs: ScrapeConfig[];
}

export class ConfigError extends Error {}

function readSecret(file: string, baseDir: string): string {
  try {
    return readFileSync(path.resolve(baseDir, file), 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Parses and checks a Prometheus-style config. `baseDir` resolves relative file references. */
export function parseScrapeConfig(text: string, baseDir = process.cwd()): ScrapeConfigFile {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true }) ?? {};
  } catch (err) {
    throw new ConfigError(`not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = RawConfig.safeParse(doc);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.') || 'config'}: ${issue.message}`);
  }
  const raw = result.data;
  const seen = new Set<string>();
  const scrapeConfigs = raw.scrape_configs.map((sc, i): ScrapeConfig => {
    if (seen.has(sc.job_name)) throw new ConfigError(`found multiple scrape configs with job name "${sc.job_name}"`);
    seen.add(sc.job_name);
    return compileScrapeConfig(sc, raw.global, `scrape_configs[${i}] (job "${sc.job_name}")`, baseDir);
  });
  return { externalLabels: raw.global.external_labels, scrapeConfigs };
}

export interface GlobalScrapeDefaults {
  scrape_interval: number;
  scrape_timeout: number;
  sample_limit: number;
  label_limit: number;
  body_size_limit: number;
}

/**
 * One scrape config in Prometheus's YAML form (as parsed from a file, or as generated from a
 * ServiceMonitor), checked and compiled. `where` names it in errors.
 */
export function parseRawScrapeConfig(raw: unknown, global: GlobalScrapeDefaults, where: string): ScrapeConfig {
  const result = RawScrapeConfig.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`${where}: ${issue.path.join('.') || 'config'}: ${issue.message}`);
  }
  return compileScrapeConfig(result.data, global, where, process.cwd());
}

function compileScrapeConfig(sc: z.infer<typeof RawScrapeConfig>, global: GlobalScrapeDefaults, where: string, baseDir: string): ScrapeConfig {
  const intervalMs = sc.scrape_interval ?? global.scrape_interval;
  // As Prometheus: a job's timeout defaults to the global one, capped by the job's interval.
  const timeoutMs = sc.scrape_timeout ?? Math.min(global.scrape_timeout, intervalMs);
  if (intervalMs <= 0) throw new ConfigError(`${where}: scrape_interval must be positive`);
  if (timeoutMs > intervalMs) throw new ConfigError(`${where}: scrape timeout greater than scrape interval`);
  const auths = [sc.basic_auth, sc.authorization, sc.bearer_token ?? sc.bearer_token_file].filter((a) => a !== undefined);
  if (auths.length > 1) throw new ConfigError(`${where}: at most one of basic_auth, authorization and bearer_token may be configured`);
  let authorization: string | null = null;
  if (sc.basic_auth) {
    const password = sc.basic_auth.password ?? (sc.basic_auth.password_file ? readSecret(sc.basic_auth.password_file, baseDir) : '');
    authorization = `Basic ${Buffer.from(`${sc.basic_auth.username}:${password}`).toString('base64')}`;
  } else if (sc.authorization) {
    const credentials = sc.authorization.credentials ?? (sc.authorization.credentials_file ? readSecret(sc.authorization.credentials_file, baseDir) : '');
    authorization = `${sc.authorization.type} ${credentials}`;
  } else if (sc.bearer_token !== undefined || sc.bearer_token_file !== undefined) {
    authorization = `Bearer ${sc.bearer_token ?? readSecret(sc.bearer_token_file!, baseDir)}`;
  }
  const t = sc.tls_config ?? {};
  const tls: TlsOptions = {
    ca: t.ca ?? (t.ca_file ? readSecret(t.ca_file, baseDir) : undefined),
    cert: t.cert ?? (t.cert_file ? readSecret(t.cert_file, baseDir) : undefined),
    key: t.key ?? (t.key_file ? readSecret(t.key_file, baseDir) : undefined),
    serverName: t.server_name,
    insecureSkipVerify: t.insecure_skip_verify ?? false,
  };
  let relabelConfigs: CompiledRelabel[];
  let metricRelabelConfigs: CompiledRelabel[];
  try {
    relabelConfigs = compileRelabelConfigs(sc.relabel_configs, 'relabel_configs');
    metricRelabelConfigs = compileRelabelConfigs(sc.metric_relabel_configs, 'metric_relabel_configs');
  } catch (err) {
    throw new ConfigError(`${where}: ${(err as Error).message}`);
  }
  return {
    jobName: sc.job_name,
    intervalMs,
    timeoutMs,
    metricsPath: sc.metrics_path,
    scheme: sc.scheme,
    params: sc.params,
    honorLabels: sc.honor_labels,
    honorTimestamps: sc.honor_timestamps,
    trackTimestampsStaleness: sc.track_timestamps_staleness,
    sampleLimit: sc.sample_limit || global.sample_limit,
    labelLimit: sc.label_limit || global.label_limit,
    labelNameLengthLimit: sc.label_name_length_limit,
    labelValueLengthLimit: sc.label_value_length_limit,
    bodySizeLimit: sc.body_size_limit || global.body_size_limit,
    authorization,
    tls,
    staticConfigs: sc.static_configs,
    kubernetesSDConfigs: sc.kubernetes_sd_configs,
    relabelConfigs,
    metricRelabelConfigs,
  };
}
