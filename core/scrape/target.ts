// From discovered labels to a scrape target, as Prometheus's PopulateLabels (3.x): defaults from
// the scrape config, target relabeling, then the checks and the instance default. 3.x adds no
// default port to __address__.
import {
  ADDRESS,
  INSTANCE,
  JOB,
  LabelsBuilder,
  META_PREFIX,
  METRICS_PATH,
  PARAM_PREFIX,
  RESERVED_PREFIX,
  SCHEME,
  SCRAPE_INTERVAL,
  SCRAPE_TIMEOUT,
  labelsKey,
  type Labels,
} from '../model/labels.js';
import type { ScrapeConfig } from './config.js';
import { formatDuration, parseDuration } from './duration.js';
import { relabel } from './relabel.js';

export interface Target {
  /** Labels every sample of this target gets (job, instance, target labels), no __ labels. */
  labels: Labels;
  /** Labels after relabeling, __ labels included (the Targets page shows them). */
  relabeled: Labels;
  /** Labels as discovered, before relabeling. */
  discovered: Labels;
  url: string;
  intervalMs: number;
  timeoutMs: number;
  /** Identity for deduplication and the scrape offset. */
  key: string;
  /** Where the request really goes, where that differs from url (a Kubernetes API-server proxy). */
  requestUrl?: string;
  /** How the target is reached, in words, for the Targets page. */
  via?: string;
  /** Set where the target cannot be reached at all: each scrape fails with this reason. */
  unreachable?: string;
}

export type PopulateResult = { target: Target } | { dropped: Labels; reason: string };

export function populateTarget(discovered: Labels, cfg: ScrapeConfig): PopulateResult {
  const b = new LabelsBuilder(discovered);
  const setDefault = (name: string, value: string) => {
    if (b.get(name) === '') b.set(name, value);
  };
  setDefault(JOB, cfg.jobName);
  setDefault(SCRAPE_INTERVAL, formatDuration(cfg.intervalMs));
  setDefault(SCRAPE_TIMEOUT, formatDuration(cfg.timeoutMs));
  setDefault(METRICS_PATH, cfg.metricsPath);
  setDefault(SCHEME, cfg.scheme);
  for (const [name, values] of Object.entries(cfg.params)) if (values.length > 0) setDefault(PARAM_PREFIX + name, values[0]!);

  const preRelabel = b.labels();
  const relabeled = relabel(preRelabel, cfg.relabelConfigs);
  if (relabeled === null) return { dropped: discovered, reason: 'dropped by relabeling' };

  const r = new LabelsBuilder(relabeled);
  const address = r.get(ADDRESS);
  if (address === '') return { dropped: discovered, reason: 'no address' };
  if (address.includes('/') || /\s/.test(address)) return { dropped: discovered, reason: `invalid (non-empty) address: ${address}` };

  let intervalMs: number;
  let timeoutMs: number;
  try {
    intervalMs = parseDuration(r.get(SCRAPE_INTERVAL));
    timeoutMs = parseDuration(r.get(SCRAPE_TIMEOUT));
  } catch (err) {
    return { dropped: discovered, reason: `error parsing scrape interval or timeout: ${(err as Error).message}` };
  }
  if (intervalMs === 0) return { dropped: discovered, reason: 'scrape interval cannot be 0' };
  if (timeoutMs === 0) return { dropped: discovered, reason: 'scrape timeout cannot be 0' };
  if (timeoutMs > intervalMs) {
    return { dropped: discovered, reason: `scrape timeout cannot be greater than scrape interval (${formatDuration(timeoutMs)} > ${formatDuration(intervalMs)})` };
  }

  // Meta labels go after relabeling; instance defaults to the address.
  for (const name of r.names()) if (name.startsWith(META_PREFIX)) r.del(name);
  if (r.get(INSTANCE) === '') r.set(INSTANCE, address);
  const final = r.labels();

  const scheme = r.get(SCHEME);
  const query = new URLSearchParams();
  const fromLabels = new Set<string>();
  for (const l of final) {
    if (l.name.startsWith(PARAM_PREFIX)) {
      const name = l.name.slice(PARAM_PREFIX.length);
      query.append(name, l.value);
      fromLabels.add(name);
    }
  }
  // Extra values of multi-valued params come from the config, as in Prometheus.
  for (const [name, values] of Object.entries(cfg.params)) {
    if (!fromLabels.has(name)) for (const v of values) query.append(name, v);
    else for (const v of values.slice(1)) query.append(name, v);
  }
  const qs = query.toString();
  const url = `${scheme}://${address}${r.get(METRICS_PATH)}${qs ? `?${qs}` : ''}`;

  const labels = final.filter((l) => !l.name.startsWith(RESERVED_PREFIX));
  return {
    target: { labels, relabeled: final, discovered, url, intervalMs, timeoutMs, key: labelsKey(final) },
  };
}
