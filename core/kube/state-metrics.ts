// kube-state-metrics v2.14 over Kubernetes objects: families, help texts (with "[STABLE] " for
// stable ones), label names and their order, one store per resource written in resource order,
// and headers written even for families without series, as its own writer does. Two users: the
// demo cluster's kube-state-metrics (objects from its store), and clusters without one, whose
// series Kubeglass derives from its informers' objects (derived-state.ts).
import { goFloat, labelBlock, MetricWriter, type Format } from '../exposition/writer.js';
import { parseQuantity, parseTime, type Condition, type KubeObject, type Node, type Pod, type Service, type Workload } from './objects.js';

type Sample = [labels: [string, string][], value: number];
interface FamilyDef<T> {
  name: string;
  type: 'gauge' | 'counter';
  stable: boolean;
  help: string;
  gen: (o: T) => Sample[];
}

const seconds = (ts: string | undefined | null) => {
  const t = parseTime(ts);
  return t === null ? null : Math.floor(t / 1000);
};
const created = <T extends KubeObject>(o: T): Sample[] => {
  const s = seconds(o.metadata.creationTimestamp);
  return s === null ? [] : [[[], s]];
};
const bool = (b: boolean) => (b ? 1 : 0);

/** SanitizeLabelName: characters outside [a-zA-Z0-9_] become "_". */
const sanitize = (s: string) => s.replace(/[^a-zA-Z0-9_]/g, '_');

function resourceSamples(resources: Record<string, string>, withNode?: string, container?: string): Sample[] {
  const out: Sample[] = [];
  for (const name of Object.keys(resources).sort()) {
    const q = resources[name]!;
    let unit: string | null = null;
    if (name === 'cpu') unit = 'core';
    else if (name === 'memory' || name === 'ephemeral-storage' || name === 'storage' || name.startsWith('hugepages-')) unit = 'byte';
    else if (name === 'pods' || name.includes('/')) unit = 'integer';
    if (unit === null) continue;
    const labels: [string, string][] = [];
    if (container !== undefined) labels.push(['container', container]);
    if (withNode !== undefined) labels.push(['node', withNode]);
    labels.push(['resource', sanitize(name)], ['unit', unit]);
    out.push([labels, parseQuantity(q)]);
  }
  return out;
}

const conditionSamples = (conds: Condition[] | undefined): Sample[] =>
  (conds ?? []).flatMap((c) =>
    (['true', 'false', 'unknown'] as const).map((s): Sample => [
      [
        ['condition', c.type],
        ['status', s],
      ],
      bool(c.status.toLowerCase() === s),
    ]),
  );

const nodeFamilies: FamilyDef<Node>[] = [
  { name: 'kube_node_annotations', type: 'gauge', stable: false, help: 'Kubernetes annotations converted to Prometheus labels.', gen: () => [] },
  { name: 'kube_node_created', type: 'gauge', stable: true, help: 'Unix creation timestamp', gen: created },
  { name: 'kube_node_deletion_timestamp', type: 'gauge', stable: false, help: 'Unix deletion timestamp', gen: () => [] },
  {
    name: 'kube_node_info',
    type: 'gauge',
    stable: true,
    help: 'Information about a cluster node.',
    gen: (n) => {
      const i = n.status.nodeInfo;
      return [
        [
          [
            ['kernel_version', i.kernelVersion ?? ''],
            ['os_image', i.osImage ?? ''],
            ['container_runtime_version', i.containerRuntimeVersion ?? ''],
            ['kubelet_version', i.kubeletVersion ?? ''],
            ['kubeproxy_version', 'deprecated'],
            ['provider_id', n.spec.providerID ?? ''],
            ['pod_cidr', n.spec.podCIDR ?? ''],
            ['system_uuid', i.systemUUID ?? ''],
            ['internal_ip', n.status.addresses.find((a) => a.type === 'InternalIP')?.address ?? ''],
          ],
          1,
        ],
      ];
    },
  },
  { name: 'kube_node_labels', type: 'gauge', stable: true, help: 'Kubernetes labels converted to Prometheus labels.', gen: () => [[[], 1]] },
  {
    name: 'kube_node_role',
    type: 'gauge',
    stable: false,
    help: 'The role of a cluster node.',
    gen: (n) =>
      Object.keys(n.metadata.labels ?? {})
        .filter((l) => l.startsWith('node-role.kubernetes.io/'))
        .map((l): Sample => [[['role', l.slice('node-role.kubernetes.io/'.length)]], 1]),
  },
  {
    name: 'kube_node_spec_taint',
    type: 'gauge',
    stable: true,
    help: 'The taint of a cluster node.',
    gen: (n) =>
      (n.spec.taints ?? []).map((t): Sample => [
        [
          ['key', t.key],
          ['value', t.value ?? ''],
          ['effect', t.effect],
        ],
        1,
      ]),
  },
  { name: 'kube_node_spec_unschedulable', type: 'gauge', stable: true, help: 'Whether a node can schedule new pods.', gen: (n) => [[[], bool(n.spec.unschedulable === true)]] },
  {
    name: 'kube_node_status_allocatable',
    type: 'gauge',
    stable: true,
    help: 'The allocatable for different resources of a node that are available for scheduling.',
    gen: (n) => resourceSamples(n.status.allocatable),
  },
  { name: 'kube_node_status_capacity', type: 'gauge', stable: true, help: 'The capacity for different resources of a node.', gen: (n) => resourceSamples(n.status.capacity) },
  { name: 'kube_node_status_condition', type: 'gauge', stable: true, help: 'The condition of a cluster node.', gen: (n) => conditionSamples(n.status.conditions) },
  {
    name: 'kube_node_status_addresses',
    type: 'gauge',
    stable: false,
    help: 'Node address information.',
    gen: (n) =>
      n.status.addresses.map((a): Sample => [
        [
          ['type', a.type],
          ['address', a.address],
        ],
        1,
      ]),
  },
];

const PHASES = ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running'];

function ownerOf(o: KubeObject): { kind: string; name: string; controller: string } {
  const r = (o.metadata.ownerReferences ?? [])[0];
  return r ? { kind: r.kind, name: r.name, controller: r.controller === undefined ? '<none>' : String(r.controller) } : { kind: '<none>', name: '<none>', controller: '<none>' };
}

const perContainer = (p: Pod, f: (cs: NonNullable<Pod['status']['containerStatuses']>[number]) => Sample[] | Sample | null): Sample[] => {
  const out: Sample[] = [];
  for (const cs of p.status.containerStatuses ?? []) {
    const r = f(cs);
    if (!r) continue;
    if (Array.isArray(r[0])) out.push(r as Sample);
    else out.push(...(r as Sample[]));
  }
  return out;
};

const podFamilies: FamilyDef<Pod>[] = [
  {
    name: 'kube_pod_completion_time',
    type: 'gauge',
    stable: true,
    help: 'Completion time in unix timestamp for a pod.',
    gen: () => [],
  },
  {
    name: 'kube_pod_container_info',
    type: 'gauge',
    stable: true,
    help: 'Information about a container in a pod.',
    gen: (p) =>
      p.spec.containers.flatMap((c) =>
        (p.status.containerStatuses ?? [])
          .filter((cs) => cs.name === c.name)
          .map((cs): Sample => [
            [
              ['container', cs.name],
              ['image_spec', c.image],
              ['image', cs.image],
              ['image_id', cs.imageID],
              ['container_id', cs.containerID ?? ''],
            ],
            1,
          ]),
      ),
  },
  {
    name: 'kube_pod_container_resource_limits',
    type: 'gauge',
    stable: false,
    help: 'The number of requested limit resource by a container. It is recommended to use the kube_pod_resource_limits metric exposed by kube-scheduler instead, as it is more precise.',
    gen: (p) => p.spec.containers.flatMap((c) => resourceSamples(c.resources?.limits ?? {}, p.spec.nodeName ?? '', c.name).filter((s) => s[0][2]![1] !== 'pods')),
  },
  {
    name: 'kube_pod_container_resource_requests',
    type: 'gauge',
    stable: false,
    help: 'The number of requested request resource by a container. It is recommended to use the kube_pod_resource_requests metric exposed by kube-scheduler instead, as it is more precise.',
    gen: (p) => p.spec.containers.flatMap((c) => resourceSamples(c.resources?.requests ?? {}, p.spec.nodeName ?? '', c.name).filter((s) => s[0][2]![1] !== 'pods')),
  },
  {
    name: 'kube_pod_container_state_started',
    type: 'gauge',
    stable: true,
    help: 'Start time in unix timestamp for a pod container.',
    gen: (p) =>
      perContainer(p, (cs) => {
        const s = seconds(cs.state.running?.startedAt ?? cs.state.terminated?.startedAt);
        return s === null ? null : [[['container', cs.name]], s];
      }),
  },
  {
    name: 'kube_pod_container_status_last_terminated_reason',
    type: 'gauge',
    stable: false,
    help: 'Describes the last reason the container was in terminated state.',
    gen: (p) =>
      perContainer(p, (cs) =>
        cs.lastState?.terminated
          ? [
              [
                ['container', cs.name],
                ['reason', cs.lastState.terminated.reason ?? ''],
              ],
              1,
            ]
          : null,
      ),
  },
  {
    name: 'kube_pod_container_status_last_terminated_exitcode',
    type: 'gauge',
    stable: false,
    help: 'Describes the exit code for the last container in terminated state.',
    gen: (p) => perContainer(p, (cs) => (cs.lastState?.terminated ? [[['container', cs.name]], cs.lastState.terminated.exitCode] : null)),
  },
  {
    name: 'kube_pod_container_status_last_terminated_timestamp',
    type: 'gauge',
    stable: false,
    help: 'Last terminated time for a pod container in unix timestamp.',
    gen: (p) =>
      perContainer(p, (cs) => {
        const s = seconds(cs.lastState?.terminated?.finishedAt);
        return s === null ? null : [[['container', cs.name]], s];
      }),
  },
  { name: 'kube_pod_container_status_ready', type: 'gauge', stable: true, help: 'Describes whether the containers readiness check succeeded.', gen: (p) => perContainer(p, (cs) => [[['container', cs.name]], bool(cs.ready)]) },
  { name: 'kube_pod_container_status_restarts_total', type: 'counter', stable: true, help: 'The number of container restarts per container.', gen: (p) => perContainer(p, (cs) => [[['container', cs.name]], cs.restartCount]) },
  { name: 'kube_pod_container_status_running', type: 'gauge', stable: true, help: 'Describes whether the container is currently in running state.', gen: (p) => perContainer(p, (cs) => [[['container', cs.name]], bool(!!cs.state.running)]) },
  { name: 'kube_pod_container_status_terminated', type: 'gauge', stable: true, help: 'Describes whether the container is currently in terminated state.', gen: (p) => perContainer(p, (cs) => [[['container', cs.name]], bool(!!cs.state.terminated)]) },
  {
    name: 'kube_pod_container_status_terminated_reason',
    type: 'gauge',
    stable: false,
    help: 'Describes the reason the container is currently in terminated state.',
    gen: (p) =>
      perContainer(p, (cs) =>
        cs.state.terminated
          ? [
              [
                ['container', cs.name],
                ['reason', cs.state.terminated.reason ?? ''],
              ],
              1,
            ]
          : null,
      ),
  },
  { name: 'kube_pod_container_status_waiting', type: 'gauge', stable: true, help: 'Describes whether the container is currently in waiting state.', gen: (p) => perContainer(p, (cs) => [[['container', cs.name]], bool(!!cs.state.waiting)]) },
  {
    name: 'kube_pod_container_status_waiting_reason',
    type: 'gauge',
    stable: true,
    help: 'Describes the reason the container is currently in waiting state.',
    gen: (p) =>
      perContainer(p, (cs) =>
        cs.state.waiting
          ? [
              [
                ['container', cs.name],
                ['reason', cs.state.waiting.reason],
              ],
              1,
            ]
          : null,
      ),
  },
  { name: 'kube_pod_created', type: 'gauge', stable: true, help: 'Unix creation timestamp', gen: created },
  { name: 'kube_pod_deletion_timestamp', type: 'gauge', stable: false, help: 'Unix deletion timestamp', gen: () => [] },
  {
    name: 'kube_pod_info',
    type: 'gauge',
    stable: true,
    help: 'Information about pod.',
    gen: (p) => {
      const owner = (p.metadata.ownerReferences ?? [])[0];
      return [
        [
          [
            ['host_ip', p.status.hostIP ?? ''],
            ['pod_ip', p.status.podIP ?? ''],
            ['node', p.spec.nodeName ?? ''],
            ['created_by_kind', owner?.kind ?? '<none>'],
            ['created_by_name', owner?.name ?? '<none>'],
            ['priority_class', String(p.spec.priorityClassName ?? '')],
            ['host_network', String(p.spec.hostNetwork === true)],
          ],
          1,
        ],
      ];
    },
  },
  {
    name: 'kube_pod_ips',
    type: 'gauge',
    stable: false,
    help: 'Pod IP addresses',
    gen: (p) =>
      (p.status.podIPs ?? []).map((ip): Sample => [
        [
          ['ip', ip.ip],
          ['ip_family', ip.ip.includes(':') ? '6' : '4'],
        ],
        1,
      ]),
  },
  { name: 'kube_pod_annotations', type: 'gauge', stable: false, help: 'Kubernetes annotations converted to Prometheus labels.', gen: () => [] },
  { name: 'kube_pod_labels', type: 'gauge', stable: true, help: 'Kubernetes labels converted to Prometheus labels.', gen: () => [[[], 1]] },
  {
    name: 'kube_pod_owner',
    type: 'gauge',
    stable: true,
    help: "Information about the Pod's owner.",
    gen: (p) => {
      const o = ownerOf(p);
      return [
        [
          [
            ['owner_kind', o.kind],
            ['owner_name', o.name],
            ['owner_is_controller', o.controller],
          ],
          1,
        ],
      ];
    },
  },
  {
    name: 'kube_pod_restart_policy',
    type: 'gauge',
    stable: true,
    help: 'Describes the restart policy in use by this pod.',
    gen: (p) => [[[['type', p.spec.restartPolicy ?? 'Always']], 1]],
  },
  {
    name: 'kube_pod_start_time',
    type: 'gauge',
    stable: true,
    help: 'Start time in unix timestamp for a pod.',
    gen: (p) => {
      const s = seconds(p.status.startTime);
      return s === null ? [] : [[[], s]];
    },
  },
  {
    name: 'kube_pod_status_phase',
    type: 'gauge',
    stable: true,
    help: 'The pods current phase.',
    gen: (p) => PHASES.map((ph): Sample => [[['phase', ph]], bool(p.status.phase === ph)]),
  },
  {
    name: 'kube_pod_status_qos_class',
    type: 'gauge',
    stable: false,
    help: 'The pods current qosClass.',
    gen: (p) => ['BestEffort', 'Burstable', 'Guaranteed'].map((q): Sample => [[['qos_class', q]], bool(p.status.qosClass === q)]),
  },
  {
    name: 'kube_pod_status_ready',
    type: 'gauge',
    stable: true,
    help: 'Describes whether the pod is ready to serve requests.',
    gen: (p) => {
      const c = (p.status.conditions ?? []).find((x) => x.type === 'Ready');
      return c ? (['true', 'false', 'unknown'] as const).map((s): Sample => [[['condition', s]], bool(c.status.toLowerCase() === s)]) : [];
    },
  },
  {
    name: 'kube_pod_status_reason',
    type: 'gauge',
    stable: false,
    help: 'The pod status reasons',
    gen: (p) => ['Evicted', 'NodeAffinity', 'NodeLost', 'Shutdown', 'UnexpectedAdmissionError'].map((r): Sample => [[['reason', r]], bool(p.status.reason === r)]),
  },
  {
    name: 'kube_pod_status_scheduled',
    type: 'gauge',
    stable: true,
    help: 'Describes the status of the scheduling process for the pod.',
    gen: (p) => {
      const c = (p.status.conditions ?? []).find((x) => x.type === 'PodScheduled');
      return c ? (['true', 'false', 'unknown'] as const).map((s): Sample => [[['condition', s]], bool(c.status.toLowerCase() === s)]) : [];
    },
  },
  {
    name: 'kube_pod_status_scheduled_time',
    type: 'gauge',
    stable: true,
    help: 'Unix timestamp when pod moved into scheduled status',
    gen: (p) => {
      const c = (p.status.conditions ?? []).find((x) => x.type === 'PodScheduled' && x.status === 'True');
      const s = seconds(c?.lastTransitionTime);
      return s === null ? [] : [[[], s]];
    },
  },
  {
    name: 'kube_pod_status_unschedulable',
    type: 'gauge',
    stable: true,
    help: 'Describes the unschedulable status for the pod.',
    gen: (p) => ((p.status.conditions ?? []).some((x) => x.type === 'PodScheduled' && x.status === 'False' && x.reason === 'Unschedulable') ? [[[], 1]] : []),
  },
];

const wl = (o: Workload) => (o.status ?? {}) as Record<string, number | undefined | unknown>;
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

const daemonSetFamilies: FamilyDef<Workload>[] = [
  { name: 'kube_daemonset_created', type: 'gauge', stable: true, help: 'Unix creation timestamp', gen: created },
  { name: 'kube_daemonset_status_current_number_scheduled', type: 'gauge', stable: true, help: 'The number of nodes running at least one daemon pod and are supposed to.', gen: (d) => [[[], num(wl(d).currentNumberScheduled)]] },
  { name: 'kube_daemonset_status_desired_number_scheduled', type: 'gauge', stable: true, help: 'The number of nodes that should be running the daemon pod.', gen: (d) => [[[], num(wl(d).desiredNumberScheduled)]] },
  { name: 'kube_daemonset_status_number_available', type: 'gauge', stable: true, help: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available', gen: (d) => [[[], num(wl(d).numberAvailable)]] },
  { name: 'kube_daemonset_status_number_misscheduled', type: 'gauge', stable: true, help: 'The number of nodes running a daemon pod but are not supposed to.', gen: (d) => [[[], num(wl(d).numberMisscheduled)]] },
  { name: 'kube_daemonset_status_number_ready', type: 'gauge', stable: true, help: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', gen: (d) => [[[], num(wl(d).numberReady)]] },
  { name: 'kube_daemonset_status_number_unavailable', type: 'gauge', stable: true, help: 'The number of nodes that should be running the daemon pod and have none of the daemon pod running and available', gen: (d) => [[[], num(wl(d).numberUnavailable)]] },
  { name: 'kube_daemonset_status_observed_generation', type: 'gauge', stable: true, help: 'The most recent generation observed by the daemon set controller.', gen: (d) => [[[], num(wl(d).observedGeneration)]] },
  { name: 'kube_daemonset_status_updated_number_scheduled', type: 'gauge', stable: true, help: 'The total number of nodes that are running updated daemon pod', gen: (d) => [[[], num(wl(d).updatedNumberScheduled)]] },
  { name: 'kube_daemonset_metadata_generation', type: 'gauge', stable: true, help: 'Sequence number representing a specific generation of the desired state.', gen: (d) => [[[], d.metadata.generation ?? 0]] },
  { name: 'kube_daemonset_annotations', type: 'gauge', stable: false, help: 'Kubernetes annotations converted to Prometheus labels.', gen: () => [] },
  { name: 'kube_daemonset_labels', type: 'gauge', stable: true, help: 'Kubernetes labels converted to Prometheus labels.', gen: () => [[[], 1]] },
];

const deploymentFamilies: FamilyDef<Workload>[] = [
  { name: 'kube_deployment_created', type: 'gauge', stable: true, help: 'Unix creation timestamp', gen: created },
  { name: 'kube_deployment_status_replicas', type: 'gauge', stable: true, help: 'The number of replicas per deployment.', gen: (d) => [[[], num(wl(d).replicas)]] },
  { name: 'kube_deployment_status_replicas_ready', type: 'gauge', stable: true, help: 'The number of ready replicas per deployment.', gen: (d) => [[[], num(wl(d).readyReplicas)]] },
  { name: 'kube_deployment_status_replicas_available', type: 'gauge', stable: true, help: 'The number of available replicas per deployment.', gen: (d) => [[[], num(wl(d).availableReplicas)]] },
  { name: 'kube_deployment_status_replicas_unavailable', type: 'gauge', stable: true, help: 'The number of unavailable replicas per deployment.', gen: (d) => [[[], num(wl(d).unavailableReplicas)]] },
  { name: 'kube_deployment_status_replicas_updated', type: 'gauge', stable: true, help: 'The number of updated replicas per deployment.', gen: (d) => [[[], num(wl(d).updatedReplicas)]] },
  { name: 'kube_deployment_status_observed_generation', type: 'gauge', stable: true, help: 'The generation observed by the deployment controller.', gen: (d) => [[[], num(wl(d).observedGeneration)]] },
  {
    name: 'kube_deployment_status_condition',
    type: 'gauge',
    stable: true,
    help: 'The current status conditions of a deployment.',
    gen: (d) => {
      const conds = (wl(d).conditions as Condition[] | undefined) ?? [];
      return conds.flatMap((c) =>
        (['true', 'false', 'unknown'] as const).map((s): Sample => [
          [
            ['reason', c.reason ?? ''],
            ['condition', c.type],
            ['status', s],
          ],
          bool(c.status.toLowerCase() === s),
        ]),
      );
    },
  },
  { name: 'kube_deployment_spec_replicas', type: 'gauge', stable: true, help: 'Number of desired pods for a deployment.', gen: (d) => [[[], d.spec.replicas ?? 1]] },
  { name: 'kube_deployment_spec_paused', type: 'gauge', stable: true, help: 'Whether the deployment is paused and will not be processed by the deployment controller.', gen: (d) => [[[], bool(d.spec.paused === true)]] },
  {
    name: 'kube_deployment_spec_strategy_rollingupdate_max_unavailable',
    type: 'gauge',
    stable: true,
    help: 'Maximum number of unavailable replicas during a rolling update of a deployment.',
    gen: (d) => [[[], Math.floor(((d.spec.replicas ?? 1) * 25) / 100)]],
  },
  {
    name: 'kube_deployment_spec_strategy_rollingupdate_max_surge',
    type: 'gauge',
    stable: true,
    help: 'Maximum number of replicas that can be scheduled above the desired number of replicas during a rolling update of a deployment.',
    gen: (d) => [[[], Math.ceil(((d.spec.replicas ?? 1) * 25) / 100)]],
  },
  { name: 'kube_deployment_metadata_generation', type: 'gauge', stable: true, help: 'Sequence number representing a specific generation of the desired state.', gen: (d) => [[[], d.metadata.generation ?? 0]] },
  { name: 'kube_deployment_labels', type: 'gauge', stable: true, help: 'Kubernetes labels converted to Prometheus labels.', gen: () => [[[], 1]] },
  { name: 'kube_deployment_annotations', type: 'gauge', stable: false, help: 'Kubernetes annotations converted to Prometheus labels.', gen: () => [] },
];

const namespaceFamilies: FamilyDef<KubeObject>[] = [
  { name: 'kube_namespace_created', type: 'gauge', stable: true, help: 'Unix creation timestamp', gen: created },
  { name: 'kube_namespace_labels', type: 'gauge', stable: true, help: 'Kubernetes labels converted to Prometheus labels.', gen: () => [[[], 1]] },
  { name: 'kube_namespace_annotations', type: 'gauge', stable: false, help: 'Kubernetes annotations converted to Prometheus labels.', gen: () => [] },
  {
    name: 'kube_namespace_status_phase',
    type: 'gauge',
    stable: true,
    help: 'kubernetes namespace status phase.',
    gen: (ns) => ['Active', 'Terminating'].map((ph): Sample => [[['phase', ph]], bool((ns.status as { phase?: string } | undefined)?.phase === ph)]),
  },
  { name: 'kube_namespace_status_condition', type: 'gauge', stable: false, help: 'The condition of a namespace.', gen: () => [] },
];

const replicaSetFamilies: FamilyDef<Workload>[] = [
  { name: 'kube_replicaset_created', type: 'gauge', stable: true, help: 'Unix creation timestamp', gen: created },
  { name: 'kube_replicaset_status_replicas', type: 'gauge', stable: true, help: 'The number of replicas per ReplicaSet.', gen: (r) => [[[], num(wl(r).replicas)]] },
  { name: 'kube_replicaset_status_fully_labeled_replicas', type: 'gauge', stable: true, help: 'The number of fully labeled replicas per ReplicaSet.', gen: (r) => [[[], num(wl(r).fullyLabeledReplicas)]] },
  { name: 'kube_replicaset_status_ready_replicas', type: 'gauge', stable: true, help: 'The number of ready replicas per ReplicaSet.', gen: (r) => [[[], num(wl(r).readyReplicas)]] },
  { name: 'kube_replicaset_status_observed_generation', type: 'gauge', stable: true, help: 'The generation observed by the ReplicaSet controller.', gen: (r) => [[[], num(wl(r).observedGeneration)]] },
  { name: 'kube_replicaset_spec_replicas', type: 'gauge', stable: true, help: 'Number of desired pods for a ReplicaSet.', gen: (r) => [[[], r.spec.replicas ?? 1]] },
  { name: 'kube_replicaset_metadata_generation', type: 'gauge', stable: true, help: 'Sequence number representing a specific generation of the desired state.', gen: (r) => [[[], r.metadata.generation ?? 0]] },
  {
    name: 'kube_replicaset_owner',
    type: 'gauge',
    stable: true,
    help: "Information about the ReplicaSet's owner.",
    gen: (r) => {
      const o = ownerOf(r);
      return [
        [
          [
            ['owner_kind', o.kind],
            ['owner_name', o.name],
            ['owner_is_controller', o.controller],
          ],
          1,
        ],
      ];
    },
  },
  { name: 'kube_replicaset_annotations', type: 'gauge', stable: false, help: 'Kubernetes annotations converted to Prometheus labels.', gen: () => [] },
  { name: 'kube_replicaset_labels', type: 'gauge', stable: true, help: 'Kubernetes labels converted to Prometheus labels.', gen: () => [[[], 1]] },
];

const serviceFamilies: FamilyDef<Service>[] = [
  {
    name: 'kube_service_info',
    type: 'gauge',
    stable: true,
    help: 'Information about service.',
    gen: (s) => [
      [
        [
          ['cluster_ip', s.spec.clusterIP ?? ''],
          ['external_name', s.spec.externalName ?? ''],
          ['load_balancer_ip', String(s.spec.loadBalancerIP ?? '')],
        ],
        1,
      ],
    ],
  },
  { name: 'kube_service_created', type: 'gauge', stable: true, help: 'Unix creation timestamp', gen: created },
  { name: 'kube_service_spec_type', type: 'gauge', stable: true, help: 'Type about service.', gen: (s) => [[[['type', s.spec.type]], 1]] },
  { name: 'kube_service_annotations', type: 'gauge', stable: false, help: 'Kubernetes annotations converted to Prometheus labels.', gen: () => [] },
  { name: 'kube_service_labels', type: 'gauge', stable: true, help: 'Kubernetes labels converted to Prometheus labels.', gen: () => [[[], 1]] },
  { name: 'kube_service_spec_external_ip', type: 'gauge', stable: true, help: 'Service external ips. One series for each ip', gen: () => [] },
  {
    name: 'kube_service_status_load_balancer_ingress',
    type: 'gauge',
    stable: true,
    help: 'Service load balancer ingress status',
    gen: (s) =>
      (s.status?.loadBalancer?.ingress ?? []).map((i): Sample => [
        [
          ['ip', i.ip ?? ''],
          ['hostname', i.hostname ?? ''],
        ],
        1,
      ]),
  },
];

export interface Store<T extends KubeObject> {
  gr: string;
  resource: string;
  families: FamilyDef<T>[];
  defaults: (o: T) => [string, string][];
}

export const KSM_STORES: Store<KubeObject>[] = [
  { gr: 'daemonsets.apps', resource: 'daemonsets', families: daemonSetFamilies as FamilyDef<KubeObject>[], defaults: (o) => [['namespace', o.metadata.namespace!], ['daemonset', o.metadata.name]] },
  { gr: 'deployments.apps', resource: 'deployments', families: deploymentFamilies as FamilyDef<KubeObject>[], defaults: (o) => [['namespace', o.metadata.namespace!], ['deployment', o.metadata.name]] },
  { gr: 'namespaces', resource: 'namespaces', families: namespaceFamilies, defaults: (o) => [['namespace', o.metadata.name]] },
  { gr: 'nodes', resource: 'nodes', families: nodeFamilies as FamilyDef<KubeObject>[], defaults: (o) => [['node', o.metadata.name]] },
  { gr: 'pods', resource: 'pods', families: podFamilies as FamilyDef<KubeObject>[], defaults: (o) => [['namespace', o.metadata.namespace!], ['pod', o.metadata.name], ['uid', o.metadata.uid]] },
  { gr: 'replicasets.apps', resource: 'replicasets', families: replicaSetFamilies as FamilyDef<KubeObject>[], defaults: (o) => [['namespace', o.metadata.namespace!], ['replicaset', o.metadata.name]] },
  { gr: 'services', resource: 'services', families: serviceFamilies as FamilyDef<KubeObject>[], defaults: (o) => [['namespace', o.metadata.namespace!], ['service', o.metadata.name], ['uid', o.metadata.uid]] },
];

/** Each object's rendered lines per family, kept while the stored object is the same (objects are immutable). */
const rendered = new WeakMap<KubeObject, string[]>();

function objectLines(store: Store<KubeObject>, o: KubeObject): string[] {
  let lines = rendered.get(o);
  if (lines) return lines;
  const defaults = store.defaults(o);
  lines = store.families.map((f) => {
    let s = '';
    for (const [labels, value] of f.gen(o)) s += `${f.name}${labelBlock([...defaults, ...labels])} ${goFloat(value)}\n`;
    return s;
  });
  rendered.set(o, lines);
  return lines;
}

/**
 * kube-state-metrics' /metrics over the objects `list` gives per group-resource ("pods",
 * "deployments.apps"). `resources` and `excludeResources` are its query parameters of the same
 * names (comma-separated resource names).
 */
export function renderKubeStateMetrics(list: (gr: string) => readonly KubeObject[], format: Format, resources?: Set<string>, excludeResources?: Set<string>): string {
  const w = new MetricWriter(format);
  for (const store of KSM_STORES) {
    if (resources && !resources.has(store.resource)) continue;
    if (excludeResources?.has(store.resource)) continue;
    const perObject = list(store.gr).map((o) => objectLines(store, o));
    store.families.forEach((f, i) => {
      // kube-state-metrics writes its headers itself: counters keep their _total in OpenMetrics too.
      w.raw(`# HELP ${f.name} ${f.stable ? '[STABLE] ' : ''}${f.help}\n# TYPE ${f.name} ${f.type}\n`);
      for (const lines of perObject) if (lines[i]) w.raw(lines[i]!);
    });
  }
  return w.text();
}
