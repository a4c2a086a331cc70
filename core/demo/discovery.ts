// Discovery documents from the resource registry: the legacy ones (/api, /apis, /apis/<g>,
// /api/v1, /apis/<g>/<v>) and the aggregated APIGroupDiscoveryList (apidiscovery.k8s.io v2 and
// v2beta1) that kubectl 1.32 asks /api and /apis for, which saves it one request per group.
import { storageVersionHash, type ResourceRegistry, type ResourceType } from './resources.js';

export interface SubresourceInfo {
  /** "pods/proxy": the parent's plural and the subresource. */
  resource: ResourceType;
  subresource: string;
  /** The kind the subresource answers with, e.g. "PodProxyOptions" or "Pod". */
  kind: string;
  verbs: string[];
}

const version = (group: string, v: string) => ({ groupVersion: group ? `${group}/${v}` : v, version: v });

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupDoc(name: string, versions: string[]): Record<string, unknown> {
  return { name, versions: versions.map((v) => version(name, v)), preferredVersion: version(name, versions[0]!) };
}

export function apiGroupList(registry: ResourceRegistry): Record<string, unknown> {
  const groups = registry.groups().filter((g) => g.name !== '');
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => groupDoc(g.name, g.versions)) };
}

export function apiGroup(registry: ResourceRegistry, group: string): Record<string, unknown> | undefined {
  const g = registry.groups().find((x) => x.name === group && group !== '');
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g.name, g.versions) } : undefined;
}

export function apiResourceList(registry: ResourceRegistry, group: string, v: string, subresources: SubresourceInfo[]): Record<string, unknown> | undefined {
  const types = registry.inGroupVersion(group, v);
  if (types.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    const entry: Record<string, unknown> = { name: t.resource, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: t.verbs };
    if (t.shortNames?.length) entry.shortNames = t.shortNames;
    if (t.categories?.length) entry.categories = t.categories;
    entry.storageVersionHash = storageVersionHash(t);
    resources.push(entry);
    for (const s of subresources.filter((x) => x.resource === t)) {
      resources.push({ name: `${t.resource}/${s.subresource}`, singularName: '', namespaced: t.namespaced, kind: s.kind, verbs: s.verbs });
    }
  }
  const doc: Record<string, unknown> = { kind: 'APIResourceList' };
  if (group) doc.apiVersion = 'v1';
  doc.groupVersion = group ? `${group}/${v}` : v;
  doc.resources = resources;
  return doc;
}

function aggregatedResource(t: ResourceType, subresources: SubresourceInfo[]): Record<string, unknown> {
  const r: Record<string, unknown> = {
    resource: t.resource,
    responseKind: { group: t.group, version: t.version, kind: t.kind },
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular,
    verbs: t.verbs,
  };
  if (t.shortNames?.length) r.shortNames = t.shortNames;
  if (t.categories?.length) r.categories = t.categories;
  const subs = subresources.filter((x) => x.resource === t);
  if (subs.length > 0) {
    r.subresources = subs.map((s) => ({ subresource: s.subresource, responseKind: { group: t.group, version: t.version, kind: s.kind }, verbs: s.verbs }));
  }
  return r;
}

/** The aggregated document for /api (core: true) or /apis. */
export function aggregatedDiscovery(registry: ResourceRegistry, subresources: SubresourceInfo[], core: boolean, apiVersion: 'v2' | 'v2beta1'): Record<string, unknown> {
  const groups = registry.groups().filter((g) => (g.name === '') === core);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: g.name ? { name: g.name, creationTimestamp: null } : { creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: registry.inGroupVersion(g.name, v).map((t) => aggregatedResource(t, subresources)),
        freshness: 'Current',
      })),
    })),
  };
}

