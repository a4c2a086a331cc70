// Kubernetes objects → target groups with Prometheus's __meta_kubernetes_* labels, for the node,
// pod, service and endpointslice roles, following Prometheus's discovery/kubernetes package
// (node.go, pod.go, service.go, endpointslice.go) label for label and target for target.
//
// Label sets are assembled in Maps that keep empty values, as Go's model.LabelSet does, so that
// merges override exactly as Prometheus's do; they become Labels (where empty means absent, as it
// does once Prometheus builds the target) only at the end.
import { ADDRESS, INSTANCE, labelsFrom, sanitizeLabelName, type Labels } from '../../model/labels.js';
import type { TargetGroup } from '../../scrape/source.js';
import {
  SERVICE_NAME_LABEL,
  namespacedName,
  type Container,
  type ContainerStatus,
  type Endpoint,
  type EndpointPort,
  type EndpointSlice,
  type Job,
  type KubeObject,
  type Namespace,
  type Node,
  type ObjectMeta,
  type OwnerReference,
  type Pod,
  type ReplicaSet,
  type Service,
} from './types.js';

export type Role = 'node' | 'pod' | 'service' | 'endpointslice';

const META = '__meta_kubernetes_';
const NAMESPACE_LABEL = `${META}namespace`;
const PRESENT = 'true';

type LabelSet = Map<string, string>;

export { sanitizeLabelName };

/** Go's net.JoinHostPort: IPv6 literals (anything with a colon) get brackets. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Two Kubernetes keys can sanitise to the same label name ("a.b" and "a/b"). Go's map order makes
 * Prometheus's winner random; walking the keys sorted makes ours stable (the last key wins).
 */
function sortedEntries(rec: Record<string, string> | undefined): [string, string][] {
  if (!rec) return [];
  return Object.entries(rec).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function addAnnotationsAndLabels(ls: LabelSet, meta: ObjectMeta | undefined, resource: string): void {
  for (const [k, v] of sortedEntries(meta?.labels)) {
    const ln = sanitizeLabelName(k);
    ls.set(`${META}${resource}_label_${ln}`, v);
    ls.set(`${META}${resource}_labelpresent_${ln}`, PRESENT);
  }
  for (const [k, v] of sortedEntries(meta?.annotations)) {
    const ln = sanitizeLabelName(k);
    ls.set(`${META}${resource}_annotation_${ln}`, v);
    ls.set(`${META}${resource}_annotationpresent_${ln}`, PRESENT);
  }
}

function addObjectMeta(ls: LabelSet, meta: ObjectMeta | undefined, role: Role): void {
  ls.set(`${META}${role}_name`, meta?.name ?? '');
  addAnnotationsAndLabels(ls, meta, role);
}

/** model.LabelSet.Merge: a copy of `base` with every label of `other` set over it. */
function merge(base: LabelSet, other: LabelSet): LabelSet {
  const out = new Map(base);
  for (const [k, v] of other) out.set(k, v);
  return out;
}

function toLabels(ls: LabelSet): Labels {
  return labelsFrom(ls);
}

function group(source: string, labels: LabelSet | null, targets: LabelSet[]): TargetGroup {
  return { source, labels: labels ? toLabels(labels) : [], targets: targets.map(toLabels) };
}

/**
 * What a role function may look up beyond its own object. A lookup is present exactly when
 * Prometheus would have the corresponding informer: `node` with attach_metadata.node, `namespace`
 * with attach_metadata.namespace, `replicaSet` with attach_metadata.deployment, `job` with
 * attach_metadata.job or .cronjob; `pod` and `service` for the endpointslice role.
 */
export interface RoleLookups {
  node?: (name: string) => Node | undefined;
  namespace?: (name: string) => Namespace | undefined;
  pod?: (namespace: string, name: string) => Pod | undefined;
  service?: (namespace: string, name: string) => Service | undefined;
  replicaSet?: (namespace: string, name: string) => ReplicaSet | undefined;
  job?: (namespace: string, name: string) => Job | undefined;
  /** attach_metadata.job / .cronjob (deployment is implied by `replicaSet`). */
  jobMetadata?: boolean;
  cronJobMetadata?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Metadata attached from other objects

function nodeMetaLabels(lookups: RoleLookups, nodeName: string | undefined): LabelSet | null {
  if (!lookups.node || nodeName === undefined) return null;
  const node = lookups.node(nodeName);
  if (!node) return null;
  const ls: LabelSet = new Map();
  addObjectMeta(ls, node.metadata, 'node');
  return ls;
}

function withNamespaceMeta(ls: LabelSet, lookups: RoleLookups, namespace: string): LabelSet {
  if (!lookups.namespace) return ls;
  const ns = lookups.namespace(namespace);
  if (!ns) return ls;
  const extra: LabelSet = new Map();
  // The namespace's own name is already there as __meta_kubernetes_namespace.
  addAnnotationsAndLabels(extra, ns.metadata, 'namespace');
  return merge(ls, extra);
}

// ---------------------------------------------------------------------------------------------
// node

export function nodeSource(name: string): string {
  return `node/${name}`;
}

// The preference order of k8s.io/kubernetes/pkg/util/node, which Prometheus copies.
const NODE_ADDRESS_PREFERENCE = ['InternalIP', 'InternalDNS', 'ExternalIP', 'ExternalDNS', 'LegacyHostIP', 'Hostname'];

/** The address Prometheus scrapes a node at, and the first address of every type. */
export function nodeAddress(node: Node): { address: string | null; byType: Map<string, string> } {
  const byType = new Map<string, string>();
  for (const a of node.status?.addresses ?? []) {
    const type = a.type ?? '';
    if (!byType.has(type)) byType.set(type, a.address ?? '');
  }
  for (const type of NODE_ADDRESS_PREFERENCE) {
    const address = byType.get(type);
    if (address !== undefined) return { address, byType };
  }
  return { address: null, byType };
}

/**
 * One target per node, at its preferred address and kubelet port. Null when the node has no
 * address at all: Prometheus then logs a warning and sends nothing for it.
 */
export function nodeTargetGroup(node: Node): TargetGroup | null {
  const name = node.metadata?.name ?? '';
  const labels: LabelSet = new Map([[`${META}node_provider_id`, node.spec?.providerID ?? '']]);
  for (const c of node.status?.conditions ?? []) {
    labels.set(`${META}node_condition_${sanitizeLabelName((c.type ?? '').toLowerCase())}`, (c.status ?? '').toLowerCase());
  }
  addObjectMeta(labels, node.metadata, 'node');

  const { address, byType } = nodeAddress(node);
  if (address === null) return null;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  const target: LabelSet = new Map([
    [ADDRESS, joinHostPort(address, port)],
    [INSTANCE, name],
  ]);
  for (const [type, a] of byType) target.set(sanitizeLabelName(`${META}node_address_${type}`), a);
  return group(nodeSource(name), labels, [target]);
}

// ---------------------------------------------------------------------------------------------
// pod

export function podSource(namespace: string, name: string): string {
  return `pod/${namespacedName(namespace, name)}`;
}

/** metav1.GetControllerOf: the owner reference marked as the controller. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

function podReady(pod: Pod): string {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  return (ready ? (ready.status ?? '') : 'Unknown').toLowerCase();
}

/** The labels every target of a pod shares (pod.go's podLabels). */
function podLabels(pod: Pod, lookups: RoleLookups): LabelSet {
  const ls: LabelSet = new Map([
    [`${META}pod_ip`, pod.status?.podIP ?? ''],
    [`${META}pod_ready`, podReady(pod)],
    [`${META}pod_phase`, pod.status?.phase ?? ''],
    [`${META}pod_node_name`, pod.spec?.nodeName ?? ''],
    [`${META}pod_host_ip`, pod.status?.hostIP ?? ''],
    [`${META}pod_uid`, pod.metadata?.uid ?? ''],
  ]);
  addObjectMeta(ls, pod.metadata, 'pod');

  const owner = controllerOf(pod);
  if (owner) {
    const namespace = pod.metadata?.namespace ?? '';
    const ownerName = owner.name ?? '';
    if (owner.kind) ls.set(`${META}pod_controller_kind`, owner.kind);
    if (ownerName) ls.set(`${META}pod_controller_name`, ownerName);
    if (owner.kind === 'ReplicaSet' && lookups.replicaSet) {
      const rs = lookups.replicaSet(namespace, ownerName);
      const rsOwner = rs && controllerOf(rs);
      if (rsOwner?.kind === 'Deployment') ls.set(`${META}pod_deployment_name`, rsOwner.name ?? '');
    } else if (owner.kind === 'Job') {
      if (lookups.jobMetadata) ls.set(`${META}pod_job_name`, ownerName);
      if (lookups.cronJobMetadata && lookups.job) {
        const job = lookups.job(namespace, ownerName);
        const jobOwner = job && controllerOf(job);
        if (jobOwner?.kind === 'CronJob') ls.set(`${META}pod_cronjob_name`, jobOwner.name ?? '');
      }
    }
  }
  return ls;
}

/** Regular containers first, then init containers, as Prometheus lists them. */
function allContainers(pod: Pod): { container: Container; isInit: boolean }[] {
  return [
    ...(pod.spec?.containers ?? []).map((container) => ({ container, isInit: false })),
    ...(pod.spec?.initContainers ?? []).map((container) => ({ container, isInit: true })),
  ];
}

function containerID(statuses: ContainerStatus[] | undefined, name: string | undefined): string {
  return statuses?.find((s) => s.name === name)?.containerID ?? '';
}

function containerPortLabels(c: Container, port: { name?: string; containerPort?: number; protocol?: string }, isInit: boolean): [string, string][] {
  return [
    [`${META}pod_container_name`, c.name ?? ''],
    [`${META}pod_container_image`, c.image ?? ''],
    [`${META}pod_container_port_name`, port.name ?? ''],
    [`${META}pod_container_port_number`, String(port.containerPort ?? 0)],
    [`${META}pod_container_port_protocol`, port.protocol ?? ''],
    [`${META}pod_container_init`, String(isInit)],
  ];
}

/**
 * One target per declared container port, and one per container without ports (at the bare pod
 * IP: relabeling must add a port). A pod without an IP yet, or (with node metadata) on a node the
 * node selectors filtered out, gives an empty group, which removes earlier targets.
 */
export function podTargetGroup(pod: Pod, lookups: RoleLookups = {}): TargetGroup {
  const namespace = pod.metadata?.namespace ?? '';
  const source = podSource(namespace, pod.metadata?.name ?? '');
  const podIP = pod.status?.podIP ?? '';
  if (podIP === '') return group(source, null, []);
  if (lookups.node && !lookups.node(pod.spec?.nodeName ?? '')) return group(source, null, []);

  let labels = podLabels(pod, lookups);
  labels.set(NAMESPACE_LABEL, namespace);
  const nodeMeta = nodeMetaLabels(lookups, pod.spec?.nodeName ?? '');
  if (nodeMeta) labels = merge(labels, nodeMeta);
  labels = withNamespaceMeta(labels, lookups, namespace);

  const targets: LabelSet[] = [];
  for (const { container: c, isInit } of allContainers(pod)) {
    const id = containerID(isInit ? pod.status?.initContainerStatuses : pod.status?.containerStatuses, c.name);
    const ports = c.ports ?? [];
    if (ports.length === 0) {
      targets.push(
        new Map([
          [ADDRESS, podIP],
          [`${META}pod_container_name`, c.name ?? ''],
          [`${META}pod_container_id`, id],
          [`${META}pod_container_image`, c.image ?? ''],
          [`${META}pod_container_init`, String(isInit)],
        ]),
      );
      continue;
    }
    for (const port of ports) {
      targets.push(
        new Map([
          [ADDRESS, joinHostPort(podIP, port.containerPort ?? 0)],
          [`${META}pod_container_id`, id],
          ...containerPortLabels(c, port, isInit),
        ]),
      );
    }
  }
  return group(source, labels, targets);
}

// ---------------------------------------------------------------------------------------------
// service

export function serviceSource(namespace: string, name: string): string {
  return `svc/${namespace}/${name}`;
}

function serviceLabels(svc: Service): LabelSet {
  const ls: LabelSet = new Map([[NAMESPACE_LABEL, svc.metadata?.namespace ?? '']]);
  addObjectMeta(ls, svc.metadata, 'service');
  return ls;
}

/** status.loadBalancer.ingress IPs joined by commas, else the deprecated spec.loadBalancerIP. */
function loadBalancerIPs(svc: Service): string {
  const ips = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter((ip) => ip !== '');
  return ips.length > 0 ? ips.join(',') : (svc.spec?.loadBalancerIP ?? '');
}

/** One target per service port, at the service's cluster DNS name. */
export function serviceTargetGroup(svc: Service, lookups: RoleLookups = {}): TargetGroup {
  const name = svc.metadata?.name ?? '';
  const namespace = svc.metadata?.namespace ?? '';
  const labels = withNamespaceMeta(serviceLabels(svc), lookups, namespace);
  const type = svc.spec?.type ?? '';
  const targets = (svc.spec?.ports ?? []).map((port) => {
    const number = String(port.port ?? 0);
    const t: LabelSet = new Map([
      [ADDRESS, joinHostPort(`${name}.${namespace}.svc`, number)],
      [`${META}service_port_name`, port.name ?? ''],
      [`${META}service_port_number`, number],
      [`${META}service_port_protocol`, port.protocol ?? ''],
      [`${META}service_type`, type],
    ]);
    if (type === 'ExternalName') t.set(`${META}service_external_name`, svc.spec?.externalName ?? '');
    else t.set(`${META}service_cluster_ip`, svc.spec?.clusterIP ?? '');
    if (type === 'LoadBalancer') t.set(`${META}service_loadbalancer_ip`, loadBalancerIPs(svc));
    return t;
  });
  return group(serviceSource(namespace, name), labels, targets);
}

// ---------------------------------------------------------------------------------------------
// endpointslice

export function endpointSliceSource(namespace: string, name: string): string {
  return `endpointslice/${namespace}/${name}`;
}

/**
 * Whether the slice is the secondary address family of a dual-stack service: its targets would
 * duplicate the primary slice's, so Prometheus keeps its group empty.
 */
function nonPrimaryIPFamilySlice(svc: Service | undefined, eps: EndpointSlice): boolean {
  const policy = svc?.spec?.ipFamilyPolicy;
  if (policy !== 'PreferDualStack' && policy !== 'RequireDualStack') return false;
  const primary = svc?.spec?.ipFamilies?.[0];
  if (primary === undefined) return false;
  return (eps.addressType ?? '') !== primary;
}

function endpointLabels(ep: Endpoint, port: EndpointPort, addr: string): LabelSet {
  const ES = `${META}endpointslice_`;
  const t: LabelSet = new Map([[ADDRESS, port.port != null ? joinHostPort(addr, port.port) : addr]]);
  if (port.name != null) t.set(`${ES}port_name`, port.name);
  if (port.protocol != null) t.set(`${ES}port_protocol`, port.protocol);
  if (port.port != null) t.set(`${ES}port`, String(port.port));
  if (port.appProtocol != null) t.set(`${ES}port_app_protocol`, port.appProtocol);
  const cond = ep.conditions ?? {};
  if (cond.ready != null) t.set(`${ES}endpoint_conditions_ready`, String(cond.ready));
  if (cond.serving != null) t.set(`${ES}endpoint_conditions_serving`, String(cond.serving));
  if (cond.terminating != null) t.set(`${ES}endpoint_conditions_terminating`, String(cond.terminating));
  if (ep.hostname != null) t.set(`${ES}endpoint_hostname`, ep.hostname);
  if (ep.targetRef) {
    t.set(`${ES}address_target_kind`, ep.targetRef.kind ?? '');
    t.set(`${ES}address_target_name`, ep.targetRef.name ?? '');
  }
  if (ep.nodeName != null) t.set(`${ES}endpoint_node_name`, ep.nodeName);
  if (ep.zone != null) t.set(`${ES}endpoint_zone`, ep.zone);
  for (const [k, v] of sortedEntries(ep.deprecatedTopology)) {
    const ln = sanitizeLabelName(k);
    t.set(`${ES}endpoint_topology_${ln}`, v);
    t.set(`${ES}endpoint_topology_present_${ln}`, PRESENT);
  }
  return t;
}

/**
 * One target per endpoint address and slice port. Endpoints backed by a pod carry the pod's
 * labels and, where a container declares the port, the container's; every other declared port of
 * those pods becomes a target of its own, so sidecar metrics ports are found too.
 */
export function endpointSliceTargetGroup(eps: EndpointSlice, lookups: RoleLookups = {}): TargetGroup {
  const namespace = eps.metadata?.namespace ?? '';
  let labels: LabelSet = new Map([
    [NAMESPACE_LABEL, namespace],
    [`${META}endpointslice_address_type`, eps.addressType ?? ''],
  ]);
  addObjectMeta(labels, eps.metadata, 'endpointslice');

  const serviceName = eps.metadata?.labels?.[SERVICE_NAME_LABEL];
  const svc = serviceName !== undefined ? lookups.service?.(namespace, serviceName) : undefined;
  if (svc) labels = merge(labels, serviceLabels(svc));
  labels = withNamespaceMeta(labels, lookups, namespace);

  const source = endpointSliceSource(namespace, eps.metadata?.name ?? '');
  if (nonPrimaryIPFamilySlice(svc, eps)) return group(source, labels, []);

  const seenPods = new Map<string, { pod: Pod; ports: EndpointPort[] }>();
  const targets: LabelSet[] = [];

  for (const ep of eps.endpoints ?? []) {
    for (const port of eps.ports ?? []) {
      for (const addr of ep.addresses ?? []) {
        let target = endpointLabels(ep, port, addr);
        if (lookups.node) {
          const nodeName = ep.targetRef?.kind === 'Node' ? ep.targetRef.name : ep.nodeName;
          const nodeMeta = nodeMetaLabels(lookups, nodeName);
          if (nodeMeta) target = merge(target, nodeMeta);
        }

        const ref = ep.targetRef;
        const pod = ref?.kind === 'Pod' ? lookups.pod?.(ref.namespace ?? '', ref.name ?? '') : undefined;
        if (!pod) {
          targets.push(target);
          continue;
        }
        const podKey = namespacedName(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
        let seen = seenPods.get(podKey);
        if (!seen) seenPods.set(podKey, (seen = { pod, ports: [] }));

        target = merge(target, podLabels(pod, lookups));
        if (port.port != null) {
          // Every container is searched and the last one declaring the port wins, as in Go,
          // where the `break` leaves only the loop over one container's ports.
          for (const { container: c, isInit } of allContainers(pod)) {
            const cport = (c.ports ?? []).find((p) => p.containerPort === port.port);
            if (cport) for (const [k, v] of containerPortLabels(c, cport, isInit)) target.set(k, v);
          }
        }
        seen.ports.push(port);
        targets.push(target);
      }
    }
  }

  for (const { pod, ports } of seenPods.values()) {
    const podIP = pod.status?.podIP ?? '';
    if (podIP === '') continue;
    for (const { container: c, isInit } of allContainers(pod)) {
      for (const cport of c.ports ?? []) {
        if (ports.some((p) => p.port != null && p.port === cport.containerPort)) continue;
        const t: LabelSet = new Map([[ADDRESS, joinHostPort(podIP, cport.containerPort ?? 0)], ...containerPortLabels(c, cport, isInit)]);
        targets.push(merge(t, podLabels(pod, lookups)));
      }
    }
  }
  return group(source, labels, targets);
}
