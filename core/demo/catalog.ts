// What the demo cluster is made of, as data: the Kubernetes version it claims, node instance
// types, the application archetypes its workloads are drawn from, the labels the Helm charts of
// node-exporter and kube-state-metrics put on their objects, and the quantity arithmetic kubelets
// use for allocatable resources.
import { createHash } from 'node:crypto';
import type { Container } from '../kube/objects.js';

export const KUBERNETES_VERSION = 'v1.32.4';
export const MIN_NODES = 3;
export const MAX_NODES = 500;

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface InstanceType {
  name: string;
  cpu: number;
  memGiB: number;
  gpus: number;
}

export const CONTROL_PLANE_TYPE: InstanceType = { name: 'm6i.xlarge', cpu: 4, memGiB: 16, gpus: 0 };
export const WORKER_TYPES: InstanceType[] = [
  { name: 'm6i.2xlarge', cpu: 8, memGiB: 32, gpus: 0 },
  { name: 'm6i.4xlarge', cpu: 16, memGiB: 64, gpus: 0 },
  { name: 'c6i.4xlarge', cpu: 16, memGiB: 32, gpus: 0 },
  { name: 'r6i.2xlarge', cpu: 8, memGiB: 64, gpus: 0 },
];
export const GPU_TYPES: InstanceType[] = [
  { name: 'g5.2xlarge', cpu: 8, memGiB: 32, gpus: 1 },
  { name: 'g5.12xlarge', cpu: 48, memGiB: 192, gpus: 4 },
];
export const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
export const OS_IMAGES = ['Ubuntu 22.04.5 LTS', 'Ubuntu 24.04.1 LTS'];
export const KERNELS: Record<string, string> = { 'Ubuntu 22.04.5 LTS': '6.8.0-1021-aws', 'Ubuntu 24.04.1 LTS': '6.8.0-1019-aws' };
export const CONTAINERD = 'containerd://1.7.24';

export const WORKLOAD_NAMESPACES = ['shop', 'payments', 'search', 'analytics', 'auth', 'checkout', 'inventory', 'notifications', 'catalog', 'media'];

export interface Archetype {
  name: string;
  image: string;
  ports: { name: string; port: number }[];
  cpu: string;
  memory: string;
  memLimit: string;
  cpuLimit?: string;
  replicas: [number, number];
  service: boolean;
}

export const ARCHETYPES: Archetype[] = [
  { name: 'frontend', image: 'nginx:1.27.3', ports: [{ name: 'http', port: 8080 }], cpu: '100m', memory: '128Mi', memLimit: '256Mi', replicas: [2, 6], service: true },
  { name: 'api', image: 'ghcr.io/acme/api:2.14.1', ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }], cpu: '250m', memory: '512Mi', memLimit: '1Gi', replicas: [2, 8], service: true },
  { name: 'worker', image: 'ghcr.io/acme/worker:2.14.1', ports: [{ name: 'metrics', port: 9090 }], cpu: '500m', memory: '1Gi', memLimit: '2Gi', cpuLimit: '1', replicas: [1, 6], service: false },
  { name: 'redis', image: 'redis:7.4.1', ports: [{ name: 'redis', port: 6379 }], cpu: '100m', memory: '256Mi', memLimit: '256Mi', cpuLimit: '100m', replicas: [1, 1], service: true },
  { name: 'gateway', image: 'envoyproxy/envoy:v1.32.2', ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 9901 }], cpu: '200m', memory: '256Mi', memLimit: '512Mi', replicas: [2, 4], service: true },
  { name: 'consumer', image: 'ghcr.io/acme/consumer:1.3.0', ports: [{ name: 'metrics', port: 8081 }], cpu: '200m', memory: '384Mi', memLimit: '768Mi', replicas: [1, 4], service: false },
  { name: 'scheduler', image: 'ghcr.io/acme/scheduler:0.9.4', ports: [{ name: 'http', port: 8080 }], cpu: '50m', memory: '64Mi', memLimit: '128Mi', cpuLimit: '100m', replicas: [1, 1], service: true },
];

/** The labels the prometheus-node-exporter Helm chart puts on its pods and service. */
export const NODE_EXPORTER_LABELS: Record<string, string> = {
  'helm.sh/chart': 'prometheus-node-exporter-4.43.1',
  'app.kubernetes.io/managed-by': 'Helm',
  'app.kubernetes.io/component': 'metrics',
  'app.kubernetes.io/part-of': 'prometheus-node-exporter',
  'app.kubernetes.io/name': 'prometheus-node-exporter',
  'app.kubernetes.io/instance': 'node-exporter',
  'app.kubernetes.io/version': '1.8.2',
  jobLabel: 'node-exporter',
};
export const NODE_EXPORTER_SELECTOR = { 'app.kubernetes.io/name': 'prometheus-node-exporter', 'app.kubernetes.io/instance': 'node-exporter' };

export const KSM_LABELS: Record<string, string> = {
  'helm.sh/chart': 'kube-state-metrics-5.27.0',
  'app.kubernetes.io/managed-by': 'Helm',
  'app.kubernetes.io/component': 'metrics',
  'app.kubernetes.io/part-of': 'kube-state-metrics',
  'app.kubernetes.io/name': 'kube-state-metrics',
  'app.kubernetes.io/instance': 'kube-state-metrics',
  'app.kubernetes.io/version': '2.14.0',
};
export const KSM_SELECTOR = { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': 'kube-state-metrics' };

export const PING_PORT = 8090;

/** Memory capacity in KiB a node of this nominal size reports (the kernel keeps some for itself). */
export function memoryKi(gib: number): number {
  return Math.round(gib * 1048576 * 0.962);
}

/** The cloud providers' CPU reservation ladder: 6% of the first core, 1% of the second, … */
export function reservedMilliCpu(cpus: number): number {
  return 60 + (cpus > 1 ? 10 : 0) + 5 * Math.max(0, Math.min(2, cpus - 2)) + 2.5 * Math.max(0, cpus - 4);
}

export function milliCpu(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000;
}

export function qosClass(containers: Container[]): string {
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      if (l === undefined || (req[r] ?? l) !== l) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export const imageDigest = (image: string) => createHash('sha256').update(image).digest('hex');

export function imageID(image: string): string {
  const repo = image.replace(/:[^:/]+$/, '');
  const qualified = repo.includes('/') && repo.split('/')[0]!.includes('.') ? repo : `docker.io/${repo.includes('/') ? repo : `library/${repo}`}`;
  return `${qualified}@sha256:${imageDigest(image)}`;
}

export const SA_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
