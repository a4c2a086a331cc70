// The parts of Kubernetes API objects that discovery reads, as the API server sends them in JSON.
// Every field is optional: the server omits empty ones, and a watch may carry objects written by
// older or newer API versions. Role functions read them defensively and never mutate them.

export interface OwnerReference {
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface ObjectReference {
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface ContainerPort {
  name?: string;
  containerPort?: number;
  protocol?: string;
}

export interface Container {
  name?: string;
  image?: string;
  ports?: ContainerPort[];
}

export interface ContainerStatus {
  name?: string;
  containerID?: string;
}

export interface Pod extends KubeObject {
  spec?: {
    nodeName?: string;
    containers?: Container[];
    initContainers?: Container[];
  };
  status?: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: { type?: string; status?: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface Node extends KubeObject {
  spec?: { providerID?: string };
  status?: {
    addresses?: { type?: string; address?: string }[];
    conditions?: { type?: string; status?: string }[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  };
}

export interface ServicePort {
  name?: string;
  protocol?: string;
  port?: number;
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    externalName?: string;
    loadBalancerIP?: string;
    ports?: ServicePort[];
    ipFamilyPolicy?: string;
    ipFamilies?: string[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface EndpointPort {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
}

export interface Endpoint {
  addresses?: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
  deprecatedTopology?: Record<string, string>;
}

export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: Endpoint[];
  ports?: EndpointPort[];
}

export type Namespace = KubeObject;
export type ReplicaSet = KubeObject;
export type Job = KubeObject;

/** The label every EndpointSlice carries with the name of its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** The store key client-go uses: "namespace/name", or just "name" for cluster-scoped objects. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  return ns === '' ? name : `${ns}/${name}`;
}

export function namespacedName(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
