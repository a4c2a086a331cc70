// ServiceMonitors and PodMonitors as scrape configs, generated the way the Prometheus Operator
// generates them (pkg/prometheus/promcfg.go): the same job names, kubernetes_sd roles and
// relabelings, so targets carry the Operator's labels (job, namespace, service, pod, container,
// endpoint, node) and kube-prometheus's rules and dashboards work unchanged.
import { sanitizeLabelName } from '../model/labels.js';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** A relabeling as the monitoring.coreos.com CRDs spell it (camelCase). */
export interface CrdRelabelConfig {
  sourceLabels?: string[];
  separator?: string;
  targetLabel?: string;
  regex?: string;
  modulus?: number;
  replacement?: string;
  action?: string;
}

/** What both endpoint kinds share. */
interface EndpointCommon {
  path?: string;
  scheme?: 'http' | 'https' | 'HTTP' | 'HTTPS';
  params?: Record<string, string[]>;
  interval?: string;
  scrapeTimeout?: string;
  honorLabels?: boolean;
  honorTimestamps?: boolean;
  trackTimestampsStaleness?: boolean;
  relabelings?: CrdRelabelConfig[];
  metricRelabelings?: CrdRelabelConfig[];
  filterRunning?: boolean;
  // Credentials held in Secrets; noted, not read (see MonitorJob.notes).
  bearerTokenSecret?: { name: string; key: string };
  basicAuth?: unknown;
  authorization?: unknown;
  oauth2?: unknown;
}

export interface ServiceMonitorEndpoint extends EndpointCommon {
  port?: string;
  targetPort?: string | number;
}

export interface PodMetricsEndpoint extends EndpointCommon {
  port?: string;
  portNumber?: number;
  targetPort?: string | number;
}

interface MonitorSpecCommon {
  jobLabel?: string;
  podTargetLabels?: string[];
  selector: LabelSelector;
  namespaceSelector?: { any?: boolean; matchNames?: string[] };
  sampleLimit?: number;
  labelLimit?: number;
  labelNameLengthLimit?: number;
  labelValueLengthLimit?: number;
  attachMetadata?: { node?: boolean };
}

export interface ServiceMonitor {
  metadata: { name: string; namespace: string };
  spec: MonitorSpecCommon & { endpoints?: ServiceMonitorEndpoint[]; targetLabels?: string[] };
}

export interface PodMonitor {
  metadata: { name: string; namespace: string };
  spec: MonitorSpecCommon & { podMetricsEndpoints?: PodMetricsEndpoint[] };
}

/** A generated job: a scrape config in Prometheus's YAML form, for parseRawScrapeConfig. */
export interface MonitorJob {
  /** serviceMonitor/<ns>/<name>/<i> or podMonitor/<ns>/<name>/<i>, as the Operator names them. */
  jobName: string;
  config: Record<string, unknown> & { job_name: string; relabel_configs: Record<string, unknown>[] };
  /** What the job asks for that Kubeglass does not do, in plain words (shown with its targets). */
  notes: string[];
}

type Raw = Record<string, unknown>;

function crdRelabelings(rc: CrdRelabelConfig[] = []): Raw[] {
  return rc.map((c) => {
    const out: Raw = {};
    if (c.sourceLabels && c.sourceLabels.length > 0) out['source_labels'] = c.sourceLabels;
    if (c.separator !== undefined) out['separator'] = c.separator;
    if (c.targetLabel) out['target_label'] = c.targetLabel;
    if (c.regex) out['regex'] = c.regex;
    if (c.modulus) out['modulus'] = c.modulus;
    if (c.replacement !== undefined) out['replacement'] = c.replacement;
    if (c.action) out['action'] = c.action.toLowerCase();
    return out;
  });
}

/** Keep/drop rules for a label selector over the given meta label kind ("service" or "pod"). */
function selectorRelabelings(sel: LabelSelector, kind: 'service' | 'pod'): Raw[] {
  const label = (k: string) => `__meta_kubernetes_${kind}_label_${sanitizeLabelName(k)}`;
  const present = (k: string) => `__meta_kubernetes_${kind}_labelpresent_${sanitizeLabelName(k)}`;
  const out: Raw[] = [];
  for (const k of Object.keys(sel.matchLabels ?? {}).sort()) {
    out.push({ action: 'keep', source_labels: [label(k), present(k)], regex: `(${sel.matchLabels![k]});true` });
  }
  for (const e of sel.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
        out.push({ action: 'keep', source_labels: [label(e.key), present(e.key)], regex: `(${(e.values ?? []).join('|')});true` });
        break;
      case 'NotIn':
        out.push({ action: 'drop', source_labels: [label(e.key), present(e.key)], regex: `(${(e.values ?? []).join('|')});true` });
        break;
      case 'Exists':
        out.push({ action: 'keep', source_labels: [present(e.key)], regex: 'true' });
        break;
      case 'DoesNotExist':
        out.push({ action: 'drop', source_labels: [present(e.key)], regex: 'true' });
        break;
    }
  }
  return out;
}

function namespaces(m: { metadata: { namespace: string }; spec: MonitorSpecCommon }): { names: string[] } | undefined {
  const sel = m.spec.namespaceSelector;
  if (sel?.any) return undefined;
  return { names: sel?.matchNames && sel.matchNames.length > 0 ? sel.matchNames : [m.metadata.namespace] };
}

/** Scrape settings an endpoint sets, in Prometheus's keys. */
function endpointSettings(ep: EndpointCommon): Raw {
  const out: Raw = {};
  if (ep.interval) out['scrape_interval'] = ep.interval;
  if (ep.scrapeTimeout) out['scrape_timeout'] = ep.scrapeTimeout;
  if (ep.path) out['metrics_path'] = ep.path;
  if (ep.params) out['params'] = ep.params;
  if (ep.scheme) out['scheme'] = ep.scheme.toLowerCase();
  if (ep.honorLabels) out['honor_labels'] = true;
  if (ep.honorTimestamps !== undefined) out['honor_timestamps'] = ep.honorTimestamps;
  if (ep.trackTimestampsStaleness !== undefined) out['track_timestamps_staleness'] = ep.trackTimestampsStaleness;
  return out;
}

function limits(spec: MonitorSpecCommon): Raw {
  const out: Raw = {};
  if (spec.sampleLimit) out['sample_limit'] = spec.sampleLimit;
  if (spec.labelLimit) out['label_limit'] = spec.labelLimit;
  if (spec.labelNameLengthLimit) out['label_name_length_limit'] = spec.labelNameLengthLimit;
  if (spec.labelValueLengthLimit) out['label_value_length_limit'] = spec.labelValueLengthLimit;
  return out;
}

/** Credentials the Operator would read from Secrets: Kubeglass scrapes through the API server, which does not pass them on. */
function credentialNotes(ep: EndpointCommon): string[] {
  const kinds = [ep.bearerTokenSecret && 'bearerTokenSecret', ep.basicAuth && 'basicAuth', ep.authorization && 'authorization', ep.oauth2 && 'oauth2'].filter(Boolean);
  return kinds.length > 0 ? [`endpoint credentials (${kinds.join(', ')}) are not sent: scrapes go through the Kubernetes API server`] : [];
}

const RUNNING_FILTER: Raw = { action: 'drop', source_labels: ['__meta_kubernetes_pod_phase'], regex: '(Failed|Succeeded)' };
const INIT_RELABELINGS: Raw[] = [{ source_labels: ['job'], target_label: '__tmp_prometheus_job_name' }];

/** One job per endpoint of a ServiceMonitor (endpointslice role). */
export function serviceMonitorJobs(m: ServiceMonitor): MonitorJob[] {
  const { name, namespace } = m.metadata;
  return (m.spec.endpoints ?? []).map((ep, i): MonitorJob => {
    const jobName = `serviceMonitor/${namespace}/${name}/${i}`;
    const rel: Raw[] = [...INIT_RELABELINGS, ...selectorRelabelings(m.spec.selector ?? {}, 'service')];
    if (ep.port) rel.push({ action: 'keep', source_labels: ['__meta_kubernetes_endpointslice_port_name'], regex: ep.port });
    else if (typeof ep.targetPort === 'string' && ep.targetPort !== '') rel.push({ action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: ep.targetPort });
    else if (typeof ep.targetPort === 'number' && ep.targetPort !== 0) rel.push({ action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(ep.targetPort) });
    const kindName = ['__meta_kubernetes_endpointslice_address_target_kind', '__meta_kubernetes_endpointslice_address_target_name'];
    rel.push(
      { source_labels: kindName, separator: ';', regex: 'Node;(.*)', replacement: '${1}', target_label: 'node' },
      { source_labels: kindName, separator: ';', regex: 'Pod;(.*)', replacement: '${1}', target_label: 'pod' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
    );
    if (ep.filterRunning ?? true) rel.push(RUNNING_FILTER);
    for (const l of m.spec.targetLabels ?? []) rel.push(labelCopy('service', l));
    for (const l of m.spec.podTargetLabels ?? []) rel.push(labelCopy('pod', l));
    // The service name is the job, unless jobLabel names a service label that has a value.
    rel.push({ source_labels: ['__meta_kubernetes_service_name'], target_label: 'job', replacement: '${1}' });
    if (m.spec.jobLabel) {
      rel.push({ source_labels: [`__meta_kubernetes_service_label_${sanitizeLabelName(m.spec.jobLabel)}`], target_label: 'job', regex: '(.+)', replacement: '${1}' });
    }
    const endpointName = ep.port || (ep.targetPort !== undefined && ep.targetPort !== '' ? String(ep.targetPort) : '');
    if (endpointName) rel.push({ target_label: 'endpoint', replacement: endpointName });
    return monitorJob(jobName, 'endpointslice', m, ep, rel);
  });
}

/** One job per endpoint of a PodMonitor (pod role). */
export function podMonitorJobs(m: PodMonitor): MonitorJob[] {
  const { name, namespace } = m.metadata;
  return (m.spec.podMetricsEndpoints ?? []).map((ep, i): MonitorJob => {
    const jobName = `podMonitor/${namespace}/${name}/${i}`;
    const rel: Raw[] = [...INIT_RELABELINGS];
    if (ep.filterRunning ?? true) rel.push(RUNNING_FILTER);
    rel.push(...selectorRelabelings(m.spec.selector ?? {}, 'pod'));
    if (ep.port) rel.push({ action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: ep.port });
    else if (ep.portNumber) rel.push({ action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(ep.portNumber) });
    else if (typeof ep.targetPort === 'string' && ep.targetPort !== '') rel.push({ action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: ep.targetPort });
    else if (typeof ep.targetPort === 'number' && ep.targetPort !== 0) rel.push({ action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(ep.targetPort) });
    rel.push(
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    );
    for (const l of m.spec.podTargetLabels ?? []) rel.push(labelCopy('pod', l));
    rel.push({ target_label: 'job', replacement: `${namespace}/${name}` });
    if (m.spec.jobLabel) {
      rel.push({ source_labels: [`__meta_kubernetes_pod_label_${sanitizeLabelName(m.spec.jobLabel)}`], target_label: 'job', regex: '(.+)', replacement: '${1}' });
    }
    if (ep.port) rel.push({ target_label: 'endpoint', replacement: ep.port });
    else if (ep.targetPort !== undefined && ep.targetPort !== '') rel.push({ target_label: 'endpoint', replacement: String(ep.targetPort) });
    return monitorJob(jobName, 'pod', m, ep, rel);
  });
}

/** The job of one monitor endpoint: its relabelings, then the endpoint's own, last. */
function monitorJob(jobName: string, role: 'endpointslice' | 'pod', m: { metadata: { namespace: string }; spec: MonitorSpecCommon }, ep: EndpointCommon, rel: Raw[]): MonitorJob {
  const config: MonitorJob['config'] = {
    job_name: jobName,
    kubernetes_sd_configs: [sdConfig(role, m)],
    ...endpointSettings(ep),
    relabel_configs: [...rel, ...crdRelabelings(ep.relabelings)],
    ...limits(m.spec),
  };
  const metricRel = crdRelabelings(ep.metricRelabelings);
  if (metricRel.length > 0) config['metric_relabel_configs'] = metricRel;
  return { jobName, config, notes: credentialNotes(ep) };
}

/** Copies an object label (a service's or pod's) onto targets, as targetLabels/podTargetLabels do. */
function labelCopy(kind: 'service' | 'pod', l: string): Raw {
  return { source_labels: [`__meta_kubernetes_${kind}_label_${sanitizeLabelName(l)}`], target_label: sanitizeLabelName(l), regex: '(.+)', replacement: '${1}' };
}

function sdConfig(role: 'endpointslice' | 'pod', m: { metadata: { namespace: string }; spec: MonitorSpecCommon }): Raw {
  const sd: Raw = { role };
  const ns = namespaces(m);
  if (ns) sd['namespaces'] = ns;
  if (m.spec.attachMetadata?.node) sd['attach_metadata'] = { node: true };
  return sd;
}
