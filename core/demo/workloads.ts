// What runs on the demo cluster, added through the generator's builders: the control plane's
// static pods, kube-proxy and CoreDNS; node-exporter and kube-state-metrics as their Helm charts
// deploy them; the ping demo app; and application Deployments sized to the cluster.
import {
  ARCHETYPES,
  DAY,
  KSM_LABELS,
  KSM_SELECTOR,
  KUBERNETES_VERSION,
  MINUTE,
  NODE_EXPORTER_LABELS,
  NODE_EXPORTER_SELECTOR,
  PING_PORT,
  SECOND,
} from './catalog.js';
import type { Generator } from './generate.js';
import type { PodSpec } from '../kube/objects.js';

export function addControlPlane(g: Generator): void {
  const components: { name: string; image: string; port: number; cpu: string; memory?: string }[] = [
    { name: 'etcd', image: 'registry.k8s.io/etcd:3.5.16-0', port: 2381, cpu: '100m', memory: '100Mi' },
    { name: 'kube-apiserver', image: `registry.k8s.io/kube-apiserver:${KUBERNETES_VERSION}`, port: 6443, cpu: '250m' },
    { name: 'kube-controller-manager', image: `registry.k8s.io/kube-controller-manager:${KUBERNETES_VERSION}`, port: 10257, cpu: '200m' },
    { name: 'kube-scheduler', image: `registry.k8s.io/kube-scheduler:${KUBERNETES_VERSION}`, port: 10259, cpu: '100m' },
  ];
  for (const node of g.nodes.filter((n) => n.kind === 'control-plane')) {
    for (const c of components) {
      const hash = g.rng.hex(32);
      const requests: Record<string, string> = { cpu: c.cpu };
      if (c.memory) requests.memory = c.memory;
      const template: PodSpec = {
        containers: [g.container(c.name, c.image, [], requests, {}, { command: [c.name] })],
        hostNetwork: true,
        priorityClassName: 'system-node-critical',
        tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
      };
      const pod = g.makePod({
        name: `${c.name}-${node.obj.metadata.name}`,
        namespace: 'kube-system',
        labels: { component: c.name, tier: 'control-plane' },
        annotations: {
          'kubernetes.io/config.hash': hash,
          'kubernetes.io/config.mirror': hash,
          'kubernetes.io/config.seen': new Date(node.created).toISOString(),
          'kubernetes.io/config.source': 'file',
        },
        // Mirror pods of static pods are owned by their node.
        ownerRefs: [{ apiVersion: 'v1', kind: 'Node', name: node.obj.metadata.name, uid: node.obj.metadata.uid, controller: true }],
        template,
        node,
        created: g.between(node.created, g.now - 3 * DAY),
        restarts: g.rng.chance(0.3) ? g.rng.range(1, 3) : 0,
      });
      g.add('pods', pod);
    }
  }
}

export function addKubeProxy(g: Generator): void {
  const created = g.bornAt + 60 * SECOND;
  g.daemonSet({
    name: 'kube-proxy',
    namespace: 'kube-system',
    labels: { 'k8s-app': 'kube-proxy' },
    selector: { 'k8s-app': 'kube-proxy' },
    podLabels: { 'k8s-app': 'kube-proxy' },
    created,
    spec: {
      containers: [
        g.container('kube-proxy', `registry.k8s.io/kube-proxy:${KUBERNETES_VERSION}`, [], { cpu: '100m' }, {}, {
          command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
          securityContext: { privileged: true },
        }),
      ],
      hostNetwork: true,
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      priorityClassName: 'system-node-critical',
      serviceAccountName: 'kube-proxy',
      tolerations: [{ operator: 'Exists' }],
    },
  });
}

export function addCoreDNS(g: Generator): void {
  const created = g.bornAt + 60 * SECOND;
  const labels = { 'k8s-app': 'kube-dns' };
  g.deployment({
    name: 'coredns',
    namespace: 'kube-system',
    labels,
    selector: labels,
    podLabels: labels,
    replicas: 2,
    created,
    nodes: g.nodes.filter((n) => n.kind !== 'gpu'),
    spec: {
      containers: [
        g.container(
          'coredns',
          'registry.k8s.io/coredns/coredns:v1.11.3',
          [
            { name: 'dns', port: 53, protocol: 'UDP' },
            { name: 'dns-tcp', port: 53 },
            { name: 'metrics', port: 9153 },
          ],
          { cpu: '100m', memory: '70Mi' },
          { memory: '170Mi' },
          { args: ['-conf', '/etc/coredns/Corefile'] },
        ),
      ],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      priorityClassName: 'system-cluster-critical',
      serviceAccountName: 'coredns',
      tolerations: [
        { key: 'CriticalAddonsOnly', operator: 'Exists' },
        { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      ],
    },
  });
  g.service({
    name: 'kube-dns',
    namespace: 'kube-system',
    labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
    annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    selector: labels,
    clusterIP: '10.96.0.10',
    created,
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
      { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
    ],
  });
}

export function addMonitoring(g: Generator): void {
  const created = g.nsCreated.get('monitoring')! + 30 * SECOND;
  const helm = { 'meta.helm.sh/release-name': 'node-exporter', 'meta.helm.sh/release-namespace': 'monitoring' };
  g.daemonSet({
    name: 'node-exporter',
    namespace: 'monitoring',
    labels: NODE_EXPORTER_LABELS,
    selector: NODE_EXPORTER_SELECTOR,
    podLabels: NODE_EXPORTER_LABELS,
    created,
    annotations: helm,
    spec: {
      containers: [
        g.container('node-exporter', 'quay.io/prometheus/node-exporter:v1.8.2', [{ name: 'metrics', port: 9100 }], {}, {}, {
          args: ['--path.procfs=/host/proc', '--path.sysfs=/host/sys', '--path.rootfs=/host/root', '--path.udev.data=/host/root/run/udev/data', '--web.listen-address=[$(HOST_IP)]:9100'],
          env: [{ name: 'HOST_IP', value: '0.0.0.0' }],
          livenessProbe: { httpGet: { path: '/', port: 9100, scheme: 'HTTP' }, failureThreshold: 3, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 },
          readinessProbe: { httpGet: { path: '/', port: 9100, scheme: 'HTTP' }, failureThreshold: 3, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
        }),
      ],
      hostNetwork: true,
      hostPID: true,
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      securityContext: { fsGroup: 65534, runAsGroup: 65534, runAsNonRoot: true, runAsUser: 65534 },
      serviceAccountName: 'node-exporter-prometheus-node-exporter',
      tolerations: [{ effect: 'NoSchedule', operator: 'Exists' }],
    },
  });
  g.service({
    name: 'node-exporter',
    namespace: 'monitoring',
    labels: NODE_EXPORTER_LABELS,
    annotations: { ...helm, 'prometheus.io/scrape': 'true' },
    selector: NODE_EXPORTER_SELECTOR,
    created,
    ports: [{ name: 'metrics', port: 9100, protocol: 'TCP', targetPort: 9100 }],
  });
  const ksmHelm = { 'meta.helm.sh/release-name': 'kube-state-metrics', 'meta.helm.sh/release-namespace': 'monitoring' };
  g.deployment({
    name: 'kube-state-metrics',
    namespace: 'monitoring',
    labels: KSM_LABELS,
    selector: KSM_SELECTOR,
    podLabels: KSM_LABELS,
    replicas: 1,
    created: created + 10 * SECOND,
    nodes: g.nodes.filter((n) => n.kind === 'worker'),
    annotations: ksmHelm,
    spec: {
      containers: [
        g.container('kube-state-metrics', 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.14.0', [{ name: 'http', port: 8080 }, { name: 'telemetry', port: 8081 }], { cpu: '10m', memory: '32Mi' }, { memory: '256Mi' }, {
          args: ['--port=8080', '--telemetry-port=8081', '--resources=certificatesigningrequests,configmaps,cronjobs,daemonsets,deployments,endpoints,jobs,leases,namespaces,nodes,pods,replicasets,services,statefulsets'],
        }),
      ],
      securityContext: { fsGroup: 65534, runAsGroup: 65534, runAsNonRoot: true, runAsUser: 65534 },
      serviceAccountName: 'kube-state-metrics',
    },
  });
  g.service({
    name: 'kube-state-metrics',
    namespace: 'monitoring',
    labels: KSM_LABELS,
    annotations: { ...ksmHelm, 'prometheus.io/scrape': 'true' },
    selector: KSM_SELECTOR,
    created: created + 10 * SECOND,
    ports: [
      { name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 },
      { name: 'telemetry', port: 8081, protocol: 'TCP', targetPort: 8081 },
    ],
  });
}

export function addPingApp(g: Generator): void {
  const created = g.nsCreated.get('demo')! + MINUTE;
  const labels = { app: 'ping', 'app.kubernetes.io/name': 'ping' };
  g.deployment({
    name: 'ping',
    namespace: 'demo',
    labels,
    selector: { app: 'ping' },
    podLabels: labels,
    podAnnotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PING_PORT) },
    replicas: 3,
    created,
    nodes: g.nodes.filter((n) => n.kind === 'worker'),
    spec: {
      containers: [
        g.container('ping', 'ghcr.io/kubeglass/ping:0.3.1', [{ name: 'metrics', port: PING_PORT }], { cpu: '20m', memory: '32Mi' }, { memory: '64Mi' }, {
          args: ['--listen=:8090', '--targets=kubernetes.default.svc:443,kube-dns.kube-system.svc:53'],
          readinessProbe: { httpGet: { path: '/healthz', port: 'metrics', scheme: 'HTTP' }, periodSeconds: 5, failureThreshold: 3, successThreshold: 1, timeoutSeconds: 1 },
        }),
      ],
    },
  });
  g.service({
    name: 'ping',
    namespace: 'demo',
    labels,
    annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PING_PORT) },
    selector: { app: 'ping' },
    created,
    ports: [{ name: 'metrics', port: PING_PORT, protocol: 'TCP', targetPort: 'metrics' }],
  });
}

export function addApplications(g: Generator): void {
  const rng = g.rng;
  const workers = g.nodes.filter((n) => n.kind === 'worker');
  const target = workers.length * 7;
  const namespaces = g.workloadNamespaces();
  const counts = new Map<string, number>();
  let placed = 0;
  let i = 0;
  while (placed < target) {
    const ns = namespaces[i % namespaces.length]!;
    const arch = ARCHETYPES[Math.floor(i / namespaces.length) % ARCHETYPES.length]!;
    i++;
    const countKey = `${ns}/${arch.name}`;
    const n = (counts.get(countKey) ?? 0) + 1;
    counts.set(countKey, n);
    const name = n === 1 ? arch.name : `${arch.name}-${n}`;
    const replicas = Math.min(rng.range(arch.replicas[0], arch.replicas[1]), Math.max(1, target - placed));
    const labels = { app: name, 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': ns };
    const created = g.between(g.nsCreated.get(ns)! + MINUTE, g.now - DAY);
    const limits: Record<string, string> = { memory: arch.memLimit };
    if (arch.cpuLimit) limits.cpu = arch.cpuLimit;
    g.deployment({
      name,
      namespace: ns,
      labels,
      selector: { app: name },
      podLabels: labels,
      replicas,
      created,
      nodes: workers,
      pendingChance: 0.006,
      restartChance: 0.1,
      spec: {
        containers: [
          g.container(name.split('-')[0]!, arch.image, arch.ports, { cpu: arch.cpu, memory: arch.memory }, limits, {
            livenessProbe: { httpGet: { path: '/healthz', port: arch.ports[0]!.port, scheme: 'HTTP' }, periodSeconds: 10, failureThreshold: 3, successThreshold: 1, timeoutSeconds: 1 },
          }),
        ],
      },
    });
    placed += replicas;
    if (arch.service) {
      g.service({
        name,
        namespace: ns,
        labels,
        selector: { app: name },
        created,
        type: arch.name === 'gateway' && n === 1 ? 'LoadBalancer' : 'ClusterIP',
        ports: arch.ports.map((p) => ({ name: p.name, port: p.name === 'http' ? 80 : p.port, protocol: 'TCP', targetPort: p.name })),
      });
    }
  }
  // GPU inference: one replica per GPU node, tolerating the GPU taint.
  const gpus = g.nodes.filter((n) => n.kind === 'gpu');
  const mlCreated = g.between(g.nsCreated.get('ml')! + MINUTE, g.now - DAY);
  const labels = { app: 'inference', 'app.kubernetes.io/name': 'inference', 'app.kubernetes.io/part-of': 'ml' };
  g.deployment({
    name: 'inference',
    namespace: 'ml',
    labels,
    selector: { app: 'inference' },
    podLabels: labels,
    replicas: gpus.length,
    created: mlCreated,
    nodes: gpus,
    restartChance: 0.1,
    spec: {
      containers: [
        g.container('inference', 'nvcr.io/nvidia/tritonserver:24.11-py3', [{ name: 'http', port: 8000 }, { name: 'metrics', port: 8002 }], { cpu: '2', memory: '8Gi', 'nvidia.com/gpu': '1' }, { memory: '16Gi', 'nvidia.com/gpu': '1' }),
      ],
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    },
  });
  g.service({
    name: 'inference',
    namespace: 'ml',
    labels,
    selector: { app: 'inference' },
    created: mlCreated,
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
      { name: 'metrics', port: 8002, protocol: 'TCP', targetPort: 'metrics' },
    ],
  });
}
