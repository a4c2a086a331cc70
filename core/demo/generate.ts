// Builds the demo cluster's initial objects from a seed, a size and a "now": nodes with real
// capacity and conditions, the system and monitoring workloads a monitored cluster has
// (node-exporter as the prometheus-node-exporter chart deploys it, kube-state-metrics), the `ping`
// demo app, and ordinary application workloads, all with the metadata and status a real cluster
// would show. Same inputs, same objects: every choice is drawn from the seeded Rng.
import {
  CONTAINERD,
  CONTROL_PLANE_TYPE,
  DAY,
  GPU_TYPES,
  HOUR,
  KERNELS,
  KUBERNETES_VERSION,
  MAX_NODES,
  MIN_NODES,
  MINUTE,
  OS_IMAGES,
  SECOND,
  WORKER_TYPES,
  WORKLOAD_NAMESPACES,
  ZONES,
  imageID,
  memoryKi,
  milliCpu,
  qosClass,
  reservedMilliCpu,
  SA_MOUNT,
  type InstanceType,
} from './catalog.js';
import {
  daemonSetStatus,
  daemonSetWantsNode,
  deploymentStatus,
  endpointSliceContents,
  endpointsSubsets,
  indexByOwner,
  replicaSetStatus,
  serviceAddresses,
} from './controllers.js';
import { Rng } from './prng.js';
import {
  microTime,
  rfc3339,
  type Condition,
  type Container,
  type ContainerStatus,
  type CoreEvent,
  type KubeObject,
  type Node,
  type ObjectMeta,
  type OwnerReference,
  type Pod,
  type PodSpec,
  type Service,
  type ServicePort,
  type Taint,
  type Workload,
} from '../kube/objects.js';
import { addDcgmExporter, addMonitoringObjects } from './monitoring.js';
import { addApplications, addControlPlane, addCoreDNS, addKubeProxy, addMonitoring, addPingApp } from './workloads.js';

export interface GenerateOptions {
  seed: string;
  nodes: number;
  /** The cluster's "now" in ms; every age is relative to it. */
  now: number;
}

export interface GeneratedCluster {
  /** Objects by GroupResource ("pods", "deployments.apps"), in creation order. */
  objects: Map<string, KubeObject[]>;
  startResourceVersion: number;
  /** When the cluster was created. */
  bornAt: number;
}

export interface NodeModel {
  obj: Node;
  index: number;
  ip: string;
  zone: string;
  type: InstanceType;
  kind: 'control-plane' | 'worker' | 'gpu';
  created: number;
  podCount: number;
  /** Milli-CPU requested by pods placed here so far. */
  cpuRequested: number;
  allocatableMilli: number;
}

export class Generator {
  readonly rng: Rng;
  private readonly uids: Rng;
  private readonly ips: Rng;
  readonly objects = new Map<string, KubeObject[]>();
  readonly nodes: NodeModel[] = [];
  readonly nsCreated = new Map<string, number>();
  private readonly usedServiceIPs = new Set<string>(['10.96.0.1', '10.96.0.10']);
  private readonly podIndex = new Map<string, number>();
  bornAt = 0;

  constructor(
    readonly seed: string,
    readonly size: number,
    readonly now: number,
  ) {
    const root = new Rng(seed);
    this.rng = root.fork('layout');
    this.uids = root.fork('uids');
    this.ips = root.fork('service-ips');
  }

  add(gr: string, obj: KubeObject): void {
    let list = this.objects.get(gr);
    if (!list) {
      list = [];
      this.objects.set(gr, list);
    }
    list.push(obj);
  }

  list<T extends KubeObject>(gr: string): T[] {
    return (this.objects.get(gr) ?? []) as T[];
  }

  meta(name: string, namespace: string | undefined, created: number, extra: Partial<ObjectMeta> = {}): ObjectMeta {
    const m: ObjectMeta = { name, uid: this.uids.uuid(), resourceVersion: '', creationTimestamp: rfc3339(created) };
    if (namespace !== undefined) m.namespace = namespace;
    return { ...m, ...extra };
  }

  /** A time between a and b (clamped to be no later than now). */
  between(a: number, b: number): number {
    const hi = Math.min(b, this.now);
    if (hi <= a) return Math.min(a, this.now);
    return Math.floor(a + this.rng.next() * (hi - a));
  }

  run(): void {
    const rng = this.rng;
    this.bornAt = this.now - rng.range(45, 400) * DAY - rng.int(DAY);
    this.makeNamespaces();
    this.makeNodes();
    this.makeLeases();
    addControlPlane(this);
    addKubeProxy(this);
    addCoreDNS(this);
    addMonitoring(this);
    addPingApp(this);
    addApplications(this);
    addDcgmExporter(this);
    this.makeKubernetesService();
    this.makeEndpoints();
    this.makeEvents();
    addMonitoringObjects(this);
  }

  private ownerRef(obj: KubeObject, controller = true): OwnerReference {
    return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, uid: obj.metadata.uid, controller, blockOwnerDeletion: true };
  }

  private makeNamespaces(): void {
    const rng = this.rng;
    const system = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
    const workloadCount = Math.min(WORKLOAD_NAMESPACES.length, 2 + Math.floor(this.size / 25));
    const names = [...system, 'monitoring', 'demo', 'ml', ...WORKLOAD_NAMESPACES.slice(0, workloadCount)];
    for (const name of names) {
      const created = system.includes(name) ? this.bornAt + rng.int(5) * SECOND : this.between(this.bornAt + HOUR, this.bornAt + 20 * DAY);
      this.nsCreated.set(name, created);
      this.add('namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: this.meta(name, undefined, created, { labels: { 'kubernetes.io/metadata.name': name } }),
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    }
  }

  workloadNamespaces(): string[] {
    return [...this.nsCreated.keys()].filter((n) => WORKLOAD_NAMESPACES.includes(n));
  }

  private makeNodes(): void {
    const rng = this.rng;
    const cpCount = this.size < 10 ? 1 : 3;
    const gpuCount = Math.max(1, Math.floor((this.size - cpCount) / 10));
    const workerCount = this.size - cpCount - gpuCount;
    const width = String(Math.max(workerCount, gpuCount)).length < 2 ? 2 : String(Math.max(workerCount, gpuCount)).length;
    const plan: { name: string; kind: NodeModel['kind'] }[] = [];
    for (let i = 1; i <= cpCount; i++) plan.push({ name: `demo-control-plane-${i}`, kind: 'control-plane' });
    for (let i = 1; i <= gpuCount; i++) plan.push({ name: `demo-gpu-${String(i).padStart(width, '0')}`, kind: 'gpu' });
    for (let i = 1; i <= workerCount; i++) plan.push({ name: `demo-worker-${String(i).padStart(width, '0')}`, kind: 'worker' });
    const osImage = rng.pick(OS_IMAGES);
    plan.forEach((p, index) => {
      const type = p.kind === 'control-plane' ? CONTROL_PLANE_TYPE : p.kind === 'gpu' ? rng.pick(GPU_TYPES) : rng.pick(WORKER_TYPES);
      const zoneIdx = index % ZONES.length;
      const zone = ZONES[zoneIdx]!;
      const ip = `10.0.${16 * zoneIdx + Math.floor(index / 250)}.${10 + (index % 250)}`;
      // Control planes are as old as the cluster; workers come and go with the autoscaler.
      const created = p.kind === 'control-plane' ? this.bornAt + 30 * SECOND + index * 90 * SECOND : this.between(this.bornAt + HOUR, this.now - 2 * HOUR);
      const labels: Record<string, string> = {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/instance-type': type.name,
        'beta.kubernetes.io/os': 'linux',
        'failure-domain.beta.kubernetes.io/region': 'us-east-1',
        'failure-domain.beta.kubernetes.io/zone': zone,
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': p.name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': type.name,
        'topology.kubernetes.io/region': 'us-east-1',
        'topology.kubernetes.io/zone': zone,
      };
      const taints: Taint[] = [];
      if (p.kind === 'control-plane') {
        labels['node-role.kubernetes.io/control-plane'] = '';
        labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
        taints.push({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
      } else {
        labels['node-role.kubernetes.io/worker'] = '';
      }
      if (p.kind === 'gpu') {
        labels['nvidia.com/gpu.present'] = 'true';
        labels['nvidia.com/gpu.product'] = 'NVIDIA-A10G';
        taints.push({ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' });
      }
      const capMem = memoryKi(type.memGiB);
      const capacity: Record<string, string> = {
        cpu: String(type.cpu),
        'ephemeral-storage': '104845292Ki',
        'hugepages-1Gi': '0',
        'hugepages-2Mi': '0',
        memory: `${capMem}Ki`,
        pods: '110',
      };
      const allocMilli = type.cpu * 1000 - reservedMilliCpu(type.cpu);
      const allocatable: Record<string, string> = {
        cpu: `${allocMilli}m`,
        'ephemeral-storage': '95551679124',
        'hugepages-1Gi': '0',
        'hugepages-2Mi': '0',
        // kube-reserved memory and the eviction threshold together: 1.5 GiB.
        memory: `${capMem - 1572864}Ki`,
        pods: '110',
      };
      if (type.gpus > 0) capacity['nvidia.com/gpu'] = allocatable['nvidia.com/gpu'] = String(type.gpus);
      // A few nodes lag one patch release behind, as they do mid-upgrade.
      const kubelet = p.kind !== 'control-plane' && rng.chance(0.08) ? 'v1.32.3' : KUBERNETES_VERSION;
      const heartbeat = this.now - rng.int(5 * MINUTE);
      const hb = rfc3339(heartbeat);
      const since = rfc3339(created + 20 * SECOND);
      const conditions: Condition[] = [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: hb, lastTransitionTime: since, reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
        { type: 'DiskPressure', status: 'False', lastHeartbeatTime: hb, lastTransitionTime: since, reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
        { type: 'PIDPressure', status: 'False', lastHeartbeatTime: hb, lastTransitionTime: since, reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
        { type: 'Ready', status: 'True', lastHeartbeatTime: hb, lastTransitionTime: rfc3339(created + 45 * SECOND), reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ];
      const instanceId = `i-0${rng.hex(16)}`;
      const node: Node = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: this.meta(p.name, undefined, created, {
          labels,
          annotations: {
            'node.alpha.kubernetes.io/ttl': '0',
            'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
          },
        }),
        spec: {
          podCIDR: `10.${64 + (index >> 8)}.${index & 255}.0/24`,
          podCIDRs: [`10.${64 + (index >> 8)}.${index & 255}.0/24`],
          providerID: `aws:///${zone}/${instanceId}`,
          ...(taints.length > 0 ? { taints } : {}),
        },
        status: {
          capacity,
          allocatable,
          conditions,
          addresses: [
            { type: 'InternalIP', address: ip },
            { type: 'Hostname', address: p.name },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
          nodeInfo: {
            machineID: rng.hex(32),
            systemUUID: `ec2${rng.hex(5)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`,
            bootID: rng.uuid(),
            kernelVersion: KERNELS[osImage]!,
            osImage,
            containerRuntimeVersion: CONTAINERD,
            kubeletVersion: kubelet,
            operatingSystem: 'linux',
            architecture: 'amd64',
          },
        },
      };
      this.add('nodes', node);
      this.nodes.push({ obj: node, index, ip, zone, type, kind: p.kind, created, podCount: 0, cpuRequested: 0, allocatableMilli: allocMilli });
    });
  }

  private makeLeases(): void {
    for (const n of this.nodes) {
      this.add('leases.coordination.k8s.io', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: this.meta(n.obj.metadata.name, 'kube-node-lease', n.created + 10 * SECOND, {
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: n.obj.metadata.name, uid: n.obj.metadata.uid }],
        }),
        spec: { holderIdentity: n.obj.metadata.name, leaseDurationSeconds: 40, renewTime: microTime(this.now - this.rng.int(10 * SECOND)) },
      });
    }
    const cps = this.nodes.filter((n) => n.kind === 'control-plane');
    for (const component of ['kube-controller-manager', 'kube-scheduler']) {
      const leader = this.rng.pick(cps);
      const acquired = this.between(this.now - 20 * DAY, this.now - HOUR);
      this.add('leases.coordination.k8s.io', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: this.meta(component, 'kube-system', this.bornAt + 40 * SECOND),
        spec: {
          holderIdentity: `${leader.obj.metadata.name}_${this.rng.uuid()}`,
          leaseDurationSeconds: 15,
          acquireTime: microTime(acquired),
          renewTime: microTime(this.now - this.rng.int(2 * SECOND)),
          leaseTransitions: this.rng.range(1, 9),
        },
      });
    }
  }

  /** A pod's spec with the defaults the API server and admission fill in. */
  private podSpec(template: PodSpec, nodeName: string | undefined): PodSpec {
    const volume = `kube-api-access-${this.rng.suffix(5)}`;
    const hostNetwork = template.hostNetwork === true;
    // Pods share the template's nested parts (probes, resources): stored objects are never
    // mutated in place, and copying them for thousands of pods is most of generation's cost.
    const spec: PodSpec = {
      ...template,
      containers: template.containers.map((c) => ({
        ...c,
        imagePullPolicy: 'IfNotPresent',
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        volumeMounts: [...((c.volumeMounts as unknown[] | undefined) ?? []), { name: volume, readOnly: true, mountPath: SA_MOUNT }],
      })),
      dnsPolicy: hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: template.priorityClassName === 'system-node-critical' ? 2000001000 : template.priorityClassName === 'system-cluster-critical' ? 2000000000 : 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: template.securityContext ?? {},
      serviceAccount: template.serviceAccountName ?? 'default',
      serviceAccountName: template.serviceAccountName ?? 'default',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        ...((template.tolerations as unknown[] | undefined) ?? []),
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      volumes: [
        ...((template.volumes as unknown[] | undefined) ?? []),
        {
          name: volume,
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
    };
    if (nodeName) spec.nodeName = nodeName;
    return spec;
  }

  private nextPodIP(node: NodeModel): string {
    const n = (this.podIndex.get(node.obj.metadata.name) ?? 0) + 1;
    this.podIndex.set(node.obj.metadata.name, n);
    return `10.${64 + (node.index >> 8)}.${node.index & 255}.${1 + n}`;
  }

  /** A pod of a controller, running (or pending when node is undefined) as of now. */
  makePod(opts: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    owner?: KubeObject;
    ownerRefs?: OwnerReference[];
    template: PodSpec;
    node: NodeModel | undefined;
    created: number;
    restarts?: number;
    pendingMessage?: string;
  }): Pod {
    const rng = this.rng;
    const node = opts.node;
    const spec = this.podSpec(opts.template, node?.obj.metadata.name);
    const metadata = this.meta(opts.name, opts.namespace, opts.created, {
      labels: opts.labels,
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      ...(opts.owner ? { generateName: opts.name.slice(0, opts.name.lastIndexOf('-') + 1), ownerReferences: [this.ownerRef(opts.owner)] } : {}),
      ...(opts.ownerRefs ? { ownerReferences: opts.ownerRefs } : {}),
    });
    const created = rfc3339(opts.created);
    if (!node) {
      const pod: Pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata,
        spec,
        status: {
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: created, reason: 'Unschedulable', message: opts.pendingMessage ?? '' }],
          qosClass: qosClass(spec.containers),
        },
      };
      return pod;
    }
    const start = opts.created + rng.range(1, 4) * SECOND;
    const containerStatuses: ContainerStatus[] = spec.containers.map((c) => {
      const restarts = opts.restarts ?? 0;
      let runningSince = start + rng.range(1, 20) * SECOND;
      const cs: ContainerStatus = {
        name: c.name,
        state: { running: { startedAt: '' } },
        lastState: {},
        ready: true,
        restartCount: restarts,
        image: c.image.includes('/') && c.image.split('/')[0]!.includes('.') ? c.image : `docker.io/${c.image.includes('/') ? c.image : `library/${c.image}`}`,
        imageID: imageID(c.image),
        containerID: `containerd://${rng.hex(64)}`,
        started: true,
      };
      if (restarts > 0) {
        const finished = this.between(runningSince + MINUTE, this.now - 2 * MINUTE);
        const oom = rng.chance(0.2);
        cs.lastState = {
          terminated: {
            exitCode: oom ? 137 : 1,
            reason: oom ? 'OOMKilled' : 'Error',
            startedAt: rfc3339(this.between(runningSince, finished)),
            finishedAt: rfc3339(finished),
            containerID: `containerd://${rng.hex(64)}`,
          },
        };
        runningSince = finished + rng.range(1, 30) * SECOND;
      }
      cs.state = { running: { startedAt: rfc3339(runningSince) } };
      return cs;
    });
    const readySince = rfc3339(Math.max(...containerStatuses.map((c) => Date.parse(c.state.running!.startedAt))) + rng.range(2, 15) * SECOND);
    const hostNetwork = spec.hostNetwork === true;
    const podIP = hostNetwork ? node.ip : this.nextPodIP(node);
    node.podCount++;
    for (const c of spec.containers) node.cpuRequested += milliCpu(c.resources?.requests?.cpu ?? '0');
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata,
      spec,
      status: {
        phase: 'Running',
        conditions: [
          { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(start) },
          { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: created },
          { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: readySince },
          { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: readySince },
          { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: created },
        ],
        hostIP: node.ip,
        hostIPs: [{ ip: node.ip }],
        podIP,
        podIPs: [{ ip: podIP }],
        startTime: rfc3339(start),
        containerStatuses,
        qosClass: qosClass(spec.containers),
      },
    };
  }

  container(name: string, image: string, ports: { name: string; port: number; protocol?: string }[], requests: Record<string, string>, limits: Record<string, string>, extra: Record<string, unknown> = {}): Container {
    const c: Container = {
      name,
      image,
      ...extra,
      resources: { ...(Object.keys(limits).length > 0 ? { limits } : {}), requests },
    };
    if (ports.length > 0) c.ports = ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP' }));
    return c;
  }

  /** A DaemonSet and one pod on every node it tolerates. */
  daemonSet(opts: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    selector: Record<string, string>;
    podLabels: Record<string, string>;
    spec: PodSpec;
    created: number;
    annotations?: Record<string, string>;
  }): Workload {
    const ds: Workload = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: this.meta(opts.name, opts.namespace, opts.created, {
        generation: 1,
        labels: opts.labels,
        annotations: { 'deprecated.daemonset.template.generation': '1', ...opts.annotations },
      }),
      spec: {
        selector: { matchLabels: opts.selector },
        template: { metadata: { labels: opts.podLabels }, spec: opts.spec },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
        revisionHistoryLimit: 10,
      },
    };
    this.add('daemonsets.apps', ds);
    const revisionHash = this.rng.suffix(9);
    for (const node of this.nodes) {
      if (!daemonSetWantsNode(ds, node.obj)) continue;
      const spec: PodSpec = {
        ...opts.spec,
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node.obj.metadata.name] }] }],
            },
          },
        },
      };
      const pod = this.makePod({
        name: `${opts.name}-${this.rng.suffix(5)}`,
        namespace: opts.namespace,
        labels: { ...opts.podLabels, 'controller-revision-hash': revisionHash, 'pod-template-generation': '1' },
        owner: ds,
        template: spec,
        node,
        created: Math.max(opts.created, node.created) + this.rng.range(5, 40) * SECOND,
        restarts: this.rng.chance(0.05) ? this.rng.range(1, 3) : 0,
      });
      this.add('pods', pod);
    }
    return ds;
  }

  /** Picks a node for a pod: two random candidates, the one with less CPU requested wins. */
  private schedule(candidates: NodeModel[], cpuMilli: number): NodeModel | undefined {
    const fits = (n: NodeModel) => n.podCount < 110 && n.cpuRequested + cpuMilli <= n.allocatableMilli;
    const a = candidates[this.rng.int(candidates.length)];
    const b = candidates[this.rng.int(candidates.length)];
    for (const n of [a, b].sort((x, y) => (x?.cpuRequested ?? 0) - (y?.cpuRequested ?? 0))) if (n && fits(n)) return n;
    return candidates.find(fits);
  }

  private unschedulableMessage(cpu: boolean): string {
    const total = this.nodes.length;
    const tainted = this.nodes.filter((n) => n.kind !== 'worker').length;
    const workers = total - tainted;
    return (
      `0/${total} nodes are available: ${tainted} node(s) had untolerated taint(s), ${workers} Insufficient ${cpu ? 'cpu' : 'memory'}. ` +
      `preemption: 0/${total} nodes are available: ${tainted} Preemption is not helpful for scheduling, ${workers} No preemption victims found for incoming pod.`
    );
  }

  /** A Deployment with its current ReplicaSet (and the previous one, scaled to 0) and pods. */
  deployment(opts: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    selector: Record<string, string>;
    podLabels: Record<string, string>;
    spec: PodSpec;
    replicas: number;
    created: number;
    nodes: NodeModel[];
    annotations?: Record<string, string>;
    podAnnotations?: Record<string, string>;
    pendingChance?: number;
    restartChance?: number;
  }): Workload {
    const rng = this.rng;
    const revision = rng.chance(0.6) ? 1 : rng.range(2, 6);
    const deploy: Workload = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: this.meta(opts.name, opts.namespace, opts.created, {
        generation: revision,
        labels: opts.labels,
        annotations: { 'deployment.kubernetes.io/revision': String(revision), ...opts.annotations },
      }),
      spec: {
        replicas: opts.replicas,
        selector: { matchLabels: opts.selector },
        template: { metadata: { labels: opts.podLabels, ...(opts.podAnnotations ? { annotations: opts.podAnnotations } : {}) }, spec: opts.spec },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
    };
    this.add('deployments.apps', deploy);
    const rsFor = (rev: number, created: number, replicas: number): Workload => {
      const hash = rng.suffix(rng.range(9, 10));
      const rs: Workload = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: this.meta(`${opts.name}-${hash}`, opts.namespace, created, {
          generation: 1,
          labels: { ...opts.podLabels, 'pod-template-hash': hash },
          annotations: {
            'deployment.kubernetes.io/desired-replicas': String(opts.replicas),
            'deployment.kubernetes.io/max-replicas': String(opts.replicas + Math.ceil(opts.replicas * 0.25)),
            'deployment.kubernetes.io/revision': String(rev),
          },
          ownerReferences: [this.ownerRef(deploy)],
        }),
        spec: {
          replicas,
          selector: { matchLabels: { ...opts.selector, 'pod-template-hash': hash } },
          template: { metadata: { labels: { ...opts.podLabels, 'pod-template-hash': hash } }, spec: opts.spec },
        },
      };
      this.add('replicasets.apps', rs);
      return rs;
    };
    const currentCreated = revision === 1 ? opts.created + SECOND : this.between(opts.created + DAY, this.now - 30 * MINUTE);
    if (revision > 1) rsFor(revision - 1, this.between(opts.created, currentCreated - HOUR), 0);
    const rs = rsFor(revision, currentCreated, opts.replicas);
    const cpu = opts.spec.containers.reduce((s, c) => s + milliCpu(c.resources?.requests?.cpu ?? '0'), 0);
    const hash = rs.metadata.labels!['pod-template-hash']!;
    for (let i = 0; i < opts.replicas; i++) {
      const pending = opts.pendingChance !== undefined && rng.chance(opts.pendingChance);
      const node = pending ? undefined : this.schedule(opts.nodes, cpu);
      // Most pods date from their ReplicaSet; some were replaced since (node drains, evictions).
      const created = rng.chance(0.75) ? currentCreated + rng.range(1, 5) * SECOND : this.between(currentCreated, this.now - 5 * MINUTE);
      const pod = this.makePod({
        name: `${rs.metadata.name}-${rng.suffix(5)}`,
        namespace: opts.namespace,
        labels: { ...opts.podLabels, 'pod-template-hash': hash },
        ...(opts.podAnnotations ? { annotations: opts.podAnnotations } : {}),
        owner: rs,
        template: opts.spec,
        node,
        created,
        restarts: opts.restartChance !== undefined && rng.chance(opts.restartChance) ? rng.range(1, 4) : 0,
        ...(pending ? { pendingMessage: this.unschedulableMessage(true) } : {}),
      });
      this.add('pods', pod);
    }
    return deploy;
  }

  service(opts: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    selector?: Record<string, string>;
    ports: ServicePort[];
    created: number;
    clusterIP?: string;
    type?: string;
  }): Service {
    let ip = opts.clusterIP;
    while (!ip) {
      const candidate = `10.${96 + this.ips.int(16)}.${this.ips.int(256)}.${1 + this.ips.int(254)}`;
      if (!this.usedServiceIPs.has(candidate)) ip = candidate;
    }
    this.usedServiceIPs.add(ip);
    const type = opts.type ?? 'ClusterIP';
    const ports = opts.ports.map((p) => (type === 'LoadBalancer' ? { ...p, nodePort: 30000 + this.ips.int(2768) } : p));
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: this.meta(opts.name, opts.namespace, opts.created, {
        ...(opts.labels ? { labels: opts.labels } : {}),
        ...(opts.annotations ? { annotations: opts.annotations } : {}),
      }),
      spec: {
        ...(opts.selector ? { selector: opts.selector } : {}),
        ports,
        clusterIP: ip,
        clusterIPs: [ip],
        type,
        sessionAffinity: 'None',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: 'Cluster',
        ...(type === 'LoadBalancer' ? { allocateLoadBalancerNodePorts: true, externalTrafficPolicy: 'Cluster' } : {}),
      },
      status: { loadBalancer: type === 'LoadBalancer' ? { ingress: [{ ip: `203.0.113.${10 + this.ips.int(240)}`, ipMode: 'VIP' }] } : {} },
    };
    this.add('services', svc);
    return svc;
  }

  private makeKubernetesService(): void {
    this.service({
      name: 'kubernetes',
      namespace: 'default',
      labels: { component: 'apiserver', provider: 'kubernetes' },
      clusterIP: '10.96.0.1',
      created: this.bornAt + 20 * SECOND,
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
    });
  }

  /** Endpoints and EndpointSlices for every service, and workload status, from the pods. */
  private makeEndpoints(): void {
    const pods = this.list<Pod>('pods');
    // Pods by namespace and one label pair: a service's candidates are the pods with its
    // selector's first pair, not every pod of the namespace.
    const byLabel = new Map<string, Pod[]>();
    for (const p of pods) {
      for (const [k, v] of Object.entries(p.metadata.labels ?? {})) {
        const key = `${p.metadata.namespace}\u0000${k}=${v}`;
        let list = byLabel.get(key);
        if (!list) {
          list = [];
          byLabel.set(key, list);
        }
        list.push(p);
      }
    }
    const candidates = (svc: Service): Pod[] => {
      const first = Object.entries(svc.spec.selector ?? {})[0];
      return first ? (byLabel.get(`${svc.metadata.namespace}\u0000${first[0]}=${first[1]}`) ?? []) : [];
    };
    const nodes = new Map(this.nodes.map((n) => [n.obj.metadata.name, n.obj]));
    const cpIPs = this.nodes.filter((n) => n.kind === 'control-plane').map((n) => n.ip);
    for (const svc of this.list<Service>('services')) {
      const ns = svc.metadata.namespace!;
      const created = Date.parse(svc.metadata.creationTimestamp) + SECOND;
      if (svc.metadata.name === 'kubernetes' && ns === 'default') {
        this.add('endpoints', {
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: this.meta('kubernetes', 'default', created, { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }),
          subsets: [{ addresses: cpIPs.map((ip) => ({ ip })), ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
        });
        this.add('endpointslices.discovery.k8s.io', {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: this.meta('kubernetes', 'default', created, { generation: 1, labels: { 'kubernetes.io/service-name': 'kubernetes' } }),
          addressType: 'IPv4',
          endpoints: cpIPs.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
          ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
        });
        continue;
      }
      const addrs = serviceAddresses(svc, candidates(svc));
      const endpoints: KubeObject = {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: this.meta(svc.metadata.name, ns, created, {
          ...(svc.metadata.labels ? { labels: svc.metadata.labels } : {}),
          annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': rfc3339(this.between(created, this.now - MINUTE)) },
        }),
      };
      const subsets = endpointsSubsets(svc, addrs);
      if (subsets) endpoints.subsets = subsets;
      this.add('endpoints', endpoints);
      const contents = endpointSliceContents(svc, addrs, nodes);
      for (const content of contents) {
        this.add('endpointslices.discovery.k8s.io', {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: this.meta(`${svc.metadata.name}-${this.rng.suffix(5)}`, ns, created, {
            generation: 1,
            generateName: `${svc.metadata.name}-`,
            labels: {
              ...svc.metadata.labels,
              'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
              'kubernetes.io/service-name': svc.metadata.name,
            },
            annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': endpoints.metadata.annotations!['endpoints.kubernetes.io/last-change-trigger-time']! },
            ownerReferences: [this.ownerRef(svc)],
          }),
          addressType: 'IPv4',
          endpoints: content.endpoints,
          ports: content.ports,
        });
      }
    }
    const podsByOwner = indexByOwner(pods);
    const podsOf = (o: KubeObject) => podsByOwner.get(o.metadata.uid) ?? [];
    const replicaSets = this.list<Workload>('replicasets.apps');
    for (const rs of replicaSets) rs.status = replicaSetStatus(rs, podsOf(rs));
    const rsByOwner = indexByOwner(replicaSets);
    for (const d of this.list<Workload>('deployments.apps')) {
      d.status = deploymentStatus(d, rsByOwner.get(d.metadata.uid) ?? [], podsOf, rfc3339(Date.parse(d.metadata.creationTimestamp) + 5 * SECOND));
    }
    const nodeObjs = this.nodes.map((n) => n.obj);
    for (const ds of this.list<Workload>('daemonsets.apps')) ds.status = daemonSetStatus(ds, nodeObjs, podsOf(ds));
  }

  /** Event names are the object's name and the report time in hex nanoseconds, as client-go's recorder makes them. */
  eventName(objName: string, at: number): string {
    return `${objName}.${(BigInt(Math.floor(at)) * 1000000n + BigInt(this.rng.int(1000000))).toString(16)}`;
  }

  private event(opts: { involved: KubeObject; fieldPath?: string; reason: string; message: string; type: 'Normal' | 'Warning'; component: string; host?: string; first: number; last: number; count: number }): void {
    const io = opts.involved;
    const ev: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: this.meta(this.eventName(io.metadata.name, opts.first), io.metadata.namespace ?? 'default', opts.first),
      involvedObject: {
        kind: io.kind,
        ...(io.metadata.namespace ? { namespace: io.metadata.namespace } : {}),
        name: io.metadata.name,
        uid: io.metadata.uid,
        apiVersion: io.apiVersion,
        ...(opts.fieldPath ? { fieldPath: opts.fieldPath } : {}),
      },
      reason: opts.reason,
      message: opts.message,
      source: { component: opts.component, ...(opts.host ? { host: opts.host } : {}) },
      firstTimestamp: rfc3339(opts.first),
      lastTimestamp: rfc3339(opts.last),
      count: opts.count,
      type: opts.type,
      eventTime: null,
      reportingComponent: opts.component,
      reportingInstance: opts.host ?? '',
    };
    this.add('events', ev);
  }

  private makeEvents(): void {
    const rng = this.rng;
    const pods = this.list<Pod>('pods');
    const recent = this.now - HOUR;
    for (const pod of pods) {
      const created = Date.parse(pod.metadata.creationTimestamp);
      if (pod.status.phase === 'Pending') {
        this.event({ involved: pod, reason: 'FailedScheduling', message: pod.status.conditions![0]!.message!, type: 'Warning', component: 'default-scheduler', first: Math.max(created, recent), last: this.now - rng.int(5 * MINUTE), count: rng.range(3, 40) });
        continue;
      }
      if (created < recent) continue;
      const node = pod.spec.nodeName!;
      const c = pod.spec.containers[0]!;
      const field = `spec.containers{${c.name}}`;
      this.event({ involved: pod, reason: 'Scheduled', message: `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`, type: 'Normal', component: 'default-scheduler', first: created, last: created, count: 1 });
      this.event({ involved: pod, fieldPath: field, reason: 'Pulled', message: `Container image "${c.image}" already present on machine`, type: 'Normal', component: 'kubelet', host: node, first: created + SECOND, last: created + SECOND, count: 1 });
      this.event({ involved: pod, fieldPath: field, reason: 'Created', message: `Created container: ${c.name}`, type: 'Normal', component: 'kubelet', host: node, first: created + 2 * SECOND, last: created + 2 * SECOND, count: 1 });
      this.event({ involved: pod, fieldPath: field, reason: 'Started', message: `Started container ${c.name}`, type: 'Normal', component: 'kubelet', host: node, first: created + 3 * SECOND, last: created + 3 * SECOND, count: 1 });
    }
    // Readiness probes that flapped recently, the background noise of a real cluster.
    const running = pods.filter((p) => p.status.phase === 'Running' && !p.spec.hostNetwork);
    const noisy = Math.min(running.length, 3 + Math.floor(this.size / 2));
    for (let i = 0; i < noisy; i++) {
      const pod = rng.pick(running);
      const c = pod.spec.containers[0]!;
      const last = this.now - rng.int(50 * MINUTE);
      this.event({
        involved: pod,
        fieldPath: `spec.containers{${c.name}}`,
        reason: 'Unhealthy',
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
        type: 'Warning',
        component: 'kubelet',
        host: pod.spec.nodeName!,
        first: last - rng.int(10 * MINUTE),
        last,
        count: rng.range(1, 6),
      });
    }
    const rsByOwner = indexByOwner(this.list<Workload>('replicasets.apps'));
    for (const d of this.list<Workload>('deployments.apps')) {
      const rs = (rsByOwner.get(d.metadata.uid) ?? []).find((r) => r.spec.replicas! > 0);
      if (!rs || Date.parse(rs.metadata.creationTimestamp) < recent) continue;
      const t = Date.parse(rs.metadata.creationTimestamp);
      this.event({ involved: d, reason: 'ScalingReplicaSet', message: `Scaled up replica set ${rs.metadata.name} from 0 to ${d.spec.replicas}`, type: 'Normal', component: 'deployment-controller', first: t, last: t, count: 1 });
    }
  }
}

export function generateCluster(opts: GenerateOptions): GeneratedCluster {
  if (!Number.isInteger(opts.nodes) || opts.nodes < MIN_NODES || opts.nodes > MAX_NODES) {
    throw new RangeError(`the demo cluster has ${MIN_NODES} to ${MAX_NODES} nodes, not ${opts.nodes}`);
  }
  const g = new Generator(opts.seed, opts.nodes, Math.floor(opts.now / 1000) * 1000);
  g.run();
  const startResourceVersion = 40000 + new Rng(opts.seed).fork('resource-version').int(60000);
  return { objects: g.objects, startResourceVersion, bornAt: g.bornAt };
}

