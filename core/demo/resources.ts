// The kinds the demo API server knows, described once: discovery, routing, field selectors and
// the object store all read this registry, so a later kind (metrics.k8s.io, CRDs) is one entry.
import { createHash } from 'node:crypto';
import type { CoreEvent, KubeObject, Node, Pod, Service } from '../kube/objects.js';

export interface ResourceType {
  group: string;
  version: string;
  /** Plural, as in URLs. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  /**
   * Field-selector values beyond metadata.name and metadata.namespace, which every kind has.
   * The keys are the only extra labels the kind accepts, as the real server's field label
   * conversion functions allow.
   */
  fields?: (obj: KubeObject) => Record<string, string>;
}

/** What the demo server can do with stored objects: read them. Writes go through the cluster API. */
export const READ_VERBS = ['get', 'list', 'watch'];

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const podFields = (o: KubeObject): Record<string, string> => {
  const p = o as Pod;
  return {
    'spec.nodeName': str(p.spec?.nodeName),
    'spec.restartPolicy': str(p.spec?.restartPolicy),
    'spec.schedulerName': str(p.spec?.schedulerName),
    'spec.serviceAccountName': str(p.spec?.serviceAccountName),
    'spec.hostNetwork': String(p.spec?.hostNetwork === true),
    'status.phase': str(p.status?.phase),
    'status.podIP': str(p.status?.podIP),
    'status.nominatedNodeName': str(p.status?.nominatedNodeName),
  };
};

const eventFields = (o: KubeObject): Record<string, string> => {
  const e = o as CoreEvent;
  return {
    'involvedObject.kind': str(e.involvedObject?.kind),
    'involvedObject.namespace': str(e.involvedObject?.namespace),
    'involvedObject.name': str(e.involvedObject?.name),
    'involvedObject.uid': str(e.involvedObject?.uid),
    'involvedObject.apiVersion': str(e.involvedObject?.apiVersion),
    'involvedObject.resourceVersion': str(e.involvedObject?.resourceVersion),
    'involvedObject.fieldPath': str(e.involvedObject?.fieldPath),
    reason: str(e.reason),
    reportingComponent: str(e.reportingComponent),
    source: str(e.source?.component),
    type: str(e.type),
  };
};

export const BUILTIN_TYPES: ResourceType[] = [
  {
    group: '', version: 'v1', resource: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false,
    shortNames: ['ns'], verbs: READ_VERBS,
    fields: (o) => ({ 'status.phase': str((o.status as { phase?: string } | undefined)?.phase) }),
  },
  {
    group: '', version: 'v1', resource: 'nodes', singular: 'node', kind: 'Node', namespaced: false,
    shortNames: ['no'], verbs: READ_VERBS,
    fields: (o) => ({ 'spec.unschedulable': String((o as Node).spec?.unschedulable === true) }),
  },
  {
    group: '', version: 'v1', resource: 'pods', singular: 'pod', kind: 'Pod', namespaced: true,
    shortNames: ['po'], categories: ['all'], verbs: READ_VERBS, fields: podFields,
  },
  {
    group: '', version: 'v1', resource: 'services', singular: 'service', kind: 'Service', namespaced: true,
    shortNames: ['svc'], categories: ['all'], verbs: READ_VERBS,
    fields: (o) => ({ 'spec.clusterIP': str((o as Service).spec?.clusterIP), 'spec.type': str((o as Service).spec?.type) }),
  },
  { group: '', version: 'v1', resource: 'endpoints', singular: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'], verbs: READ_VERBS },
  { group: '', version: 'v1', resource: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'], verbs: READ_VERBS, fields: eventFields },
  { group: 'apps', version: 'v1', resource: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'], verbs: READ_VERBS },
  { group: 'apps', version: 'v1', resource: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], verbs: READ_VERBS },
  {
    group: 'apps', version: 'v1', resource: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true,
    shortNames: ['rs'], categories: ['all'], verbs: READ_VERBS,
    fields: (o) => ({ 'status.replicas': String((o.status as { replicas?: number } | undefined)?.replicas ?? 0) }),
  },
  { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', singular: 'lease', kind: 'Lease', namespaced: true, verbs: READ_VERBS },
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', singular: 'endpointslice', kind: 'EndpointSlice', namespaced: true, verbs: READ_VERBS },
];

export const MONITORING_GROUP = 'monitoring.coreos.com';

/** The Prometheus Operator's CRDs the demo cluster has installed (kube-prometheus). */
export const MONITORING_TYPES: ResourceType[] = [
  { group: MONITORING_GROUP, version: 'v1', resource: 'podmonitors', singular: 'podmonitor', kind: 'PodMonitor', namespaced: true, shortNames: ['pmon'], categories: ['prometheus-operator'], verbs: READ_VERBS },
  { group: MONITORING_GROUP, version: 'v1', resource: 'prometheusrules', singular: 'prometheusrule', kind: 'PrometheusRule', namespaced: true, shortNames: ['promrule'], categories: ['prometheus-operator'], verbs: READ_VERBS },
  { group: MONITORING_GROUP, version: 'v1', resource: 'servicemonitors', singular: 'servicemonitor', kind: 'ServiceMonitor', namespaced: true, shortNames: ['smon'], categories: ['prometheus-operator'], verbs: READ_VERBS },
];

export const apiVersionOf = (t: { group: string; version: string }): string => (t.group ? `${t.group}/${t.version}` : t.version);

/** Kubernetes' GroupResource string: "pods", "deployments.apps". Keys the object store. */
export const groupResource = (t: { group: string; resource: string }): string => (t.group ? `${t.resource}.${t.group}` : t.resource);

/** discovery.StorageVersionHash: the first 8 bytes of sha256("group/version/kind"), base64. */
export function storageVersionHash(t: ResourceType): string {
  return createHash('sha256').update(`${t.group}/${t.version}/${t.kind}`).digest().subarray(0, 8).toString('base64');
}

export class ResourceRegistry {
  private readonly types: ResourceType[] = [];

  constructor(types: ResourceType[] = [...BUILTIN_TYPES, ...MONITORING_TYPES]) {
    for (const t of types) this.add(t);
  }

  add(type: ResourceType): void {
    if (this.lookup(type.group, type.version, type.resource)) throw new Error(`${groupResource(type)} ${type.version} is already registered`);
    this.types.push(type);
  }

  all(): readonly ResourceType[] {
    return this.types;
  }

  lookup(group: string, version: string, resource: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.resource === resource);
  }

  /** By kind and apiVersion, as objects name themselves. */
  forObject(obj: { apiVersion: string; kind: string }): ResourceType | undefined {
    return this.types.find((t) => apiVersionOf(t) === obj.apiVersion && t.kind === obj.kind);
  }

  /**
   * By "pods", "deployments.apps", "deployments", "deploy", or a kind ("Deployment"): the
   * spellings a test or a fault script would use.
   */
  resolve(ref: string): ResourceType {
    const exact = this.types.find((t) => groupResource(t) === ref);
    if (exact) return exact;
    const lower = ref.toLowerCase();
    const matches = this.types.filter(
      (t) => t.resource === lower || t.singular === lower || t.kind.toLowerCase() === lower || (t.shortNames ?? []).includes(lower),
    );
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new Error(`"${ref}" is ambiguous: ${matches.map(groupResource).join(', ')}`);
    throw new Error(`unknown resource "${ref}"`);
  }

  /** Groups in the order discovery lists them: the core group first, then by first registration. */
  groups(): { name: string; versions: string[] }[] {
    const out: { name: string; versions: string[] }[] = [];
    for (const t of this.types) {
      let g = out.find((x) => x.name === t.group);
      if (!g) {
        g = { name: t.group, versions: [] };
        out.push(g);
      }
      if (!g.versions.includes(t.version)) g.versions.push(t.version);
    }
    return out.sort((a, b) => (a.name === '' ? -1 : b.name === '' ? 1 : 0));
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.types.filter((t) => t.group === group && t.version === version);
  }

  /** The field labels a kind accepts in a field selector. */
  fieldLabels(t: ResourceType, sample?: KubeObject): Set<string> {
    const labels = new Set(['metadata.name']);
    if (t.namespaced) labels.add('metadata.namespace');
    if (t.fields) for (const k of Object.keys(t.fields(sample ?? { apiVersion: '', kind: '', metadata: { name: '', uid: '', resourceVersion: '', creationTimestamp: '' } }))) labels.add(k);
    return labels;
  }
}

export function fieldSet(t: ResourceType, obj: KubeObject): Record<string, string> {
  const base: Record<string, string> = { 'metadata.name': obj.metadata.name };
  if (t.namespaced) base['metadata.namespace'] = obj.metadata.namespace ?? '';
  return t.fields ? { ...base, ...t.fields(obj) } : base;
}
