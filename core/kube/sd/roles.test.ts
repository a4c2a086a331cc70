// Cases from Prometheus's discovery/kubernetes/*_test.go: the same objects, the same expected
// label sets. Expectations are written as in Go, empty values included; an empty value means
// "absent" once a target is built, so `norm` drops them before comparing.
import { describe, expect, it } from 'vitest';
import { labelsToRecord } from '../../model/labels.js';
import type { TargetGroup } from '../../scrape/source.js';
import {
  endpointSliceTargetGroup,
  joinHostPort,
  nodeTargetGroup,
  podTargetGroup,
  sanitizeLabelName,
  serviceTargetGroup,
  type RoleLookups,
} from './roles.js';
import type { EndpointSlice, KubeObject, Namespace, Node, Pod, Service } from './types.js';

type Rec = Record<string, string>;
interface Expected {
  source: string;
  labels?: Rec;
  targets?: Rec[];
}

const dropEmpty = (r: Rec): Rec => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== ''));
const norm = (e: Expected) => ({ source: e.source, labels: dropEmpty(e.labels ?? {}), targets: (e.targets ?? []).map(dropEmpty) });
const actual = (g: TargetGroup | null) => g && { source: g.source, labels: labelsToRecord(g.labels), targets: g.targets.map(labelsToRecord) };

function lookupsFrom(objects: KubeObject[], extra: Partial<RoleLookups> = {}): RoleLookups {
  const find = (kind: string) => (ns: string, name: string) =>
    objects.find((o) => o.kind === kind && (o.metadata?.namespace ?? '') === ns && o.metadata?.name === name);
  return { pod: find('Pod') as RoleLookups['pod'], service: find('Service') as RoleLookups['service'], ...extra };
}
const byName = <T extends KubeObject>(objs: T[]) => (name: string) => objs.find((o) => o.metadata?.name === name);

// ---------------------------------------------------------------------------------------------

describe('sanitizeLabelName and joinHostPort', () => {
  it.each([
    ['test/label', 'test_label'],
    ['kubernetes.io/service-name', 'kubernetes_io_service_name'],
    ['app.kubernetes.io/part-of', 'app_kubernetes_io_part_of'],
    ['Already_OK_09', 'Already_OK_09'],
    ['ünï', '_n_'],
    ['a😀b', 'a_b'], // one code point, one underscore, as Go's regexp replaces runes
    ['', ''],
  ])('%j → %j', (input, want) => expect(sanitizeLabelName(input)).toBe(want));

  it('brackets IPv6 hosts only', () => {
    expect(joinHostPort('1.2.3.4', 80)).toBe('1.2.3.4:80');
    expect(joinHostPort('fd00::1', '9000')).toBe('[fd00::1]:9000');
  });
});

// ---------------------------------------------------------------------------------------------
// node_test.go

function makeNode(name: string, address: string, providerID: string, labels: Rec = {}, annotations: Rec = {}, conditions?: { type: string; status: string }[]): Node {
  return {
    kind: 'Node',
    metadata: { name, labels, annotations },
    spec: { providerID },
    status: { addresses: [{ type: 'InternalIP', address }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } }, conditions },
  };
}

describe('node role', () => {
  it('TestNodeDiscoveryBeforeStart: labels, annotations, provider id, address', () => {
    const node = makeNode('test', '1.2.3.4', 'aws:///nl-north-7b/i-03149834983492827', { 'test-label': 'testvalue' }, { 'test-annotation': 'testannotationvalue' });
    expect(actual(nodeTargetGroup(node))).toEqual(
      norm({
        source: 'node/test',
        targets: [{ __address__: '1.2.3.4:10250', instance: 'test', __meta_kubernetes_node_address_InternalIP: '1.2.3.4' }],
        labels: {
          __meta_kubernetes_node_name: 'test',
          __meta_kubernetes_node_provider_id: 'aws:///nl-north-7b/i-03149834983492827',
          __meta_kubernetes_node_label_test_label: 'testvalue',
          __meta_kubernetes_node_labelpresent_test_label: 'true',
          __meta_kubernetes_node_annotation_test_annotation: 'testannotationvalue',
          __meta_kubernetes_node_annotationpresent_test_annotation: 'true',
        },
      }),
    );
  });

  it('TestNodeDiscoveryUpdate: label names keep their case', () => {
    const node = makeNode('test0', '1.2.3.4', 'aws:///fr-south-1c/i-49508290343823952', { Unschedulable: 'true' });
    expect(actual(nodeTargetGroup(node))?.labels).toEqual({
      __meta_kubernetes_node_label_Unschedulable: 'true',
      __meta_kubernetes_node_labelpresent_Unschedulable: 'true',
      __meta_kubernetes_node_name: 'test0',
      __meta_kubernetes_node_provider_id: 'aws:///fr-south-1c/i-49508290343823952',
    });
  });

  const base = { __meta_kubernetes_node_name: 'test', __meta_kubernetes_node_provider_id: 'aws:///test-zone/i-test' };
  it.each([
    ['node ready true', [{ type: 'Ready', status: 'True' }], { ...base, __meta_kubernetes_node_condition_ready: 'true' }],
    ['node ready false', [{ type: 'Ready', status: 'False' }], { ...base, __meta_kubernetes_node_condition_ready: 'false' }],
    ['node ready unknown', [{ type: 'Ready', status: 'Unknown' }], { ...base, __meta_kubernetes_node_condition_ready: 'unknown' }],
    ['node no conditions', undefined, base],
    [
      'node multiple conditions',
      [
        { type: 'MemoryPressure', status: 'False' },
        { type: 'Ready', status: 'True' },
        { type: 'DiskPressure', status: 'False' },
      ],
      {
        ...base,
        __meta_kubernetes_node_condition_memorypressure: 'false',
        __meta_kubernetes_node_condition_ready: 'true',
        __meta_kubernetes_node_condition_diskpressure: 'false',
      },
    ],
  ])('TestNodeDiscoveryConditions: %s', (_name, conditions, want) => {
    const g = nodeTargetGroup(makeNode('test', '1.2.3.4', 'aws:///test-zone/i-test', {}, {}, conditions));
    expect(actual(g)?.labels).toEqual(want);
  });

  it.each([
    ['InternalIP first', [['Hostname', 'h'], ['ExternalIP', '5.6.7.8'], ['InternalIP', '10.0.0.1'], ['InternalIP', '10.0.0.2']], '10.0.0.1:10250'],
    ['then InternalDNS', [['Hostname', 'h'], ['ExternalIP', '5.6.7.8'], ['InternalDNS', 'n.internal']], 'n.internal:10250'],
    ['then ExternalIP', [['Hostname', 'h'], ['ExternalDNS', 'n.example'], ['ExternalIP', '5.6.7.8']], '5.6.7.8:10250'],
    ['then ExternalDNS', [['Hostname', 'h'], ['ExternalDNS', 'n.example']], 'n.example:10250'],
    ['then LegacyHostIP', [['Hostname', 'h'], ['LegacyHostIP', '9.9.9.9']], '9.9.9.9:10250'],
    ['then Hostname', [['Hostname', 'h']], 'h:10250'],
    ['IPv6 in brackets', [['InternalIP', 'fd00::5']], '[fd00::5]:10250'],
  ])('address preference: %s', (_name, addrs, want) => {
    const node: Node = { metadata: { name: 'n' }, status: { addresses: addrs.map(([type, address]) => ({ type, address })), daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } };
    const t = actual(nodeTargetGroup(node))!.targets[0]!;
    expect(t.__address__).toBe(want);
    // Every address type appears once, with its first address.
    const types = new Set(addrs.map(([type]) => type));
    for (const type of types) expect(t[`__meta_kubernetes_node_address_${type}`]).toBe(addrs.find(([ty]) => ty === type)![1]);
  });

  it('a node without any address gives no group; a missing kubelet port is 0', () => {
    expect(nodeTargetGroup({ metadata: { name: 'n' }, status: {} })).toBeNull();
    const g = nodeTargetGroup({ metadata: { name: 'n' }, status: { addresses: [{ type: 'InternalIP', address: '1.1.1.1' }] } });
    expect(actual(g)!.targets[0]!.__address__).toBe('1.1.1.1:0');
  });
});

// ---------------------------------------------------------------------------------------------
// pod_test.go

function makeMultiPortPods(): Pod {
  return {
    kind: 'Pod',
    metadata: {
      name: 'testpod',
      namespace: 'default',
      labels: { 'test/label': 'testvalue' },
      annotations: { 'test/annotation': 'testannotationvalue' },
      uid: 'abc123',
      ownerReferences: [{ kind: 'testcontrollerkind', name: 'testcontrollername', controller: true }],
    },
    spec: {
      nodeName: 'testnode',
      containers: [
        {
          name: 'testcontainer0',
          image: 'testcontainer0:latest',
          ports: [
            { name: 'testport0', protocol: 'TCP', containerPort: 9000 },
            { name: 'testport1', protocol: 'UDP', containerPort: 9001 },
          ],
        },
        { name: 'testcontainer1', image: 'testcontainer1:latest' },
      ],
    },
    status: {
      podIP: '1.2.3.4',
      hostIP: '2.3.4.5',
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        { name: 'testcontainer0', containerID: 'docker://a1b2c3d4e5f6' },
        { name: 'testcontainer1', containerID: 'containerd://6f5e4d3c2b1a' },
      ],
    },
  };
}

function makePods(namespace: string): Pod {
  return {
    kind: 'Pod',
    metadata: { name: 'testpod', namespace, uid: 'abc123' },
    spec: { nodeName: 'testnode', containers: [{ name: 'testcontainer', image: 'testcontainer:latest', ports: [{ name: 'testport', protocol: 'TCP', containerPort: 9000 }] }] },
    status: {
      podIP: '1.2.3.4',
      hostIP: '2.3.4.5',
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'testcontainer', containerID: 'docker://a1b2c3d4e5f6' }],
    },
  };
}

function makeInitContainerPods(): Pod {
  const pod = makePods('default');
  pod.spec!.initContainers = [{ name: 'initcontainer', image: 'initcontainer:latest' }];
  pod.status = { ...pod.status, phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }], initContainerStatuses: [{ name: 'initcontainer', containerID: 'containerd://6f5e4d3c2b1a' }] };
  return pod;
}

const podTarget9000 = {
  __address__: '1.2.3.4:9000',
  __meta_kubernetes_pod_container_name: 'testcontainer',
  __meta_kubernetes_pod_container_image: 'testcontainer:latest',
  __meta_kubernetes_pod_container_port_name: 'testport',
  __meta_kubernetes_pod_container_port_number: '9000',
  __meta_kubernetes_pod_container_port_protocol: 'TCP',
  __meta_kubernetes_pod_container_init: 'false',
  __meta_kubernetes_pod_container_id: 'docker://a1b2c3d4e5f6',
};

function expectedPodTargetGroup(ns: string): Expected & { labels: Rec; targets: Rec[] } {
  return {
    source: `pod/${ns}/testpod`,
    targets: [{ ...podTarget9000 }],
    labels: {
      __meta_kubernetes_pod_name: 'testpod',
      __meta_kubernetes_namespace: ns,
      __meta_kubernetes_pod_node_name: 'testnode',
      __meta_kubernetes_pod_ip: '1.2.3.4',
      __meta_kubernetes_pod_host_ip: '2.3.4.5',
      __meta_kubernetes_pod_ready: 'true',
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_uid: 'abc123',
    },
  };
}

function makeNamespace(name: string, labels: Rec, annotations: Rec): Namespace {
  return { kind: 'Namespace', metadata: { name, labels, annotations } };
}

function ownedPod(kind: string, ownerName: string): Pod {
  const pod = makePods('default');
  pod.metadata = { ...pod.metadata, uid: 'pod123', ownerReferences: [{ kind, name: ownerName, uid: 'x', controller: true }] };
  return pod;
}

const replicaSet = { kind: 'ReplicaSet', metadata: { name: 'testdeployment-rs-abc', namespace: 'default', ownerReferences: [{ kind: 'Deployment', name: 'testdeployment', controller: true }] } };
const plainJob = { kind: 'Job', metadata: { name: 'testjob', namespace: 'default' } };
const cronJobJob = { kind: 'Job', metadata: { name: 'testcronjob-job-abc', namespace: 'default', ownerReferences: [{ kind: 'CronJob', name: 'testcronjob', controller: true }] } };
const find = (objs: KubeObject[]) => (ns: string, name: string) => objs.find((o) => o.metadata?.namespace === ns && o.metadata?.name === name);

describe('pod role', () => {
  it('TestPodDiscoveryBeforeRun: a target per port, one per portless container, controller labels', () => {
    const c0 = {
      __meta_kubernetes_pod_container_name: 'testcontainer0',
      __meta_kubernetes_pod_container_image: 'testcontainer0:latest',
      __meta_kubernetes_pod_container_init: 'false',
      __meta_kubernetes_pod_container_id: 'docker://a1b2c3d4e5f6',
    };
    expect(actual(podTargetGroup(makeMultiPortPods()))).toEqual(
      norm({
        source: 'pod/default/testpod',
        targets: [
          { ...c0, __address__: '1.2.3.4:9000', __meta_kubernetes_pod_container_port_name: 'testport0', __meta_kubernetes_pod_container_port_number: '9000', __meta_kubernetes_pod_container_port_protocol: 'TCP' },
          { ...c0, __address__: '1.2.3.4:9001', __meta_kubernetes_pod_container_port_name: 'testport1', __meta_kubernetes_pod_container_port_number: '9001', __meta_kubernetes_pod_container_port_protocol: 'UDP' },
          {
            __address__: '1.2.3.4',
            __meta_kubernetes_pod_container_name: 'testcontainer1',
            __meta_kubernetes_pod_container_image: 'testcontainer1:latest',
            __meta_kubernetes_pod_container_init: 'false',
            __meta_kubernetes_pod_container_id: 'containerd://6f5e4d3c2b1a',
          },
        ],
        labels: {
          __meta_kubernetes_pod_name: 'testpod',
          __meta_kubernetes_namespace: 'default',
          __meta_kubernetes_pod_label_test_label: 'testvalue',
          __meta_kubernetes_pod_labelpresent_test_label: 'true',
          __meta_kubernetes_pod_annotation_test_annotation: 'testannotationvalue',
          __meta_kubernetes_pod_annotationpresent_test_annotation: 'true',
          __meta_kubernetes_pod_node_name: 'testnode',
          __meta_kubernetes_pod_ip: '1.2.3.4',
          __meta_kubernetes_pod_host_ip: '2.3.4.5',
          __meta_kubernetes_pod_ready: 'true',
          __meta_kubernetes_pod_phase: 'Running',
          __meta_kubernetes_pod_uid: 'abc123',
          __meta_kubernetes_pod_controller_kind: 'testcontrollerkind',
          __meta_kubernetes_pod_controller_name: 'testcontrollername',
        },
      }),
    );
  });

  it('TestPodDiscoveryInitContainer: init containers come last, with their own status ids', () => {
    const want = expectedPodTargetGroup('default');
    want.targets.push({
      __address__: '1.2.3.4',
      __meta_kubernetes_pod_container_name: 'initcontainer',
      __meta_kubernetes_pod_container_image: 'initcontainer:latest',
      __meta_kubernetes_pod_container_init: 'true',
      __meta_kubernetes_pod_container_id: 'containerd://6f5e4d3c2b1a',
    });
    want.labels.__meta_kubernetes_pod_phase = 'Pending';
    want.labels.__meta_kubernetes_pod_ready = 'false';
    expect(actual(podTargetGroup(makeInitContainerPods()))).toEqual(norm(want));
  });

  it('TestPodDiscoveryAdd / Namespaces: the namespace label and source follow the pod', () => {
    for (const ns of ['default', 'ns1', 'own-ns']) expect(actual(podTargetGroup(makePods(ns)))).toEqual(norm(expectedPodTargetGroup(ns)));
  });

  it('TestPodDiscoveryUpdateEmptyPodIP: a pod without an IP gives an empty group', () => {
    const pod = makePods('default');
    pod.status!.podIP = '';
    expect(actual(podTargetGroup(pod))).toEqual({ source: 'pod/default/testpod', labels: {}, targets: [] });
  });

  it('a pod without a Ready condition is ready "unknown"; a missing container status leaves no id', () => {
    const pod = makePods('default');
    pod.status = { podIP: '1.2.3.4' };
    const g = actual(podTargetGroup(pod))!;
    expect(g.labels.__meta_kubernetes_pod_ready).toBe('unknown');
    expect(g.labels.__meta_kubernetes_pod_phase).toBeUndefined();
    expect(g.targets[0]!.__meta_kubernetes_pod_container_id).toBeUndefined();
  });

  it('TestPodDiscoveryWithNodeMetadata: node name and labels on the group', () => {
    const node = makeNode('testnode', '', '', { l1: 'v1' });
    const want = expectedPodTargetGroup('default');
    Object.assign(want.labels, { __meta_kubernetes_node_name: 'testnode', __meta_kubernetes_node_label_l1: 'v1', __meta_kubernetes_node_labelpresent_l1: 'true' });
    expect(actual(podTargetGroup(makePods('default'), { node: byName([node]) }))).toEqual(norm(want));
  });

  it('TestPodDiscoveryWithNodeSelector: a pod on a node outside the node store gives an empty group', () => {
    const worker = makeNode('worker-node', '10.0.0.1', '', { 'node-type': 'worker' });
    const lookups = { node: byName([worker]) };
    const onWorker = makePods('default');
    onWorker.metadata = { ...onWorker.metadata, name: 'pod-on-worker', uid: 'worker-pod-123' };
    onWorker.spec!.nodeName = 'worker-node';
    onWorker.status!.podIP = '192.168.1.1';
    const onFiltered = makePods('default');
    onFiltered.metadata = { ...onFiltered.metadata, name: 'pod-on-filtered-node' };
    onFiltered.spec!.nodeName = 'filtered-node';
    expect(actual(podTargetGroup(onWorker, lookups))).toEqual(
      norm({
        source: 'pod/default/pod-on-worker',
        targets: [{ ...podTarget9000, __address__: '192.168.1.1:9000' }],
        labels: {
          __meta_kubernetes_namespace: 'default',
          __meta_kubernetes_pod_name: 'pod-on-worker',
          __meta_kubernetes_pod_ip: '192.168.1.1',
          __meta_kubernetes_pod_ready: 'true',
          __meta_kubernetes_pod_phase: 'Running',
          __meta_kubernetes_pod_node_name: 'worker-node',
          __meta_kubernetes_pod_host_ip: '2.3.4.5',
          __meta_kubernetes_pod_uid: 'worker-pod-123',
          __meta_kubernetes_node_name: 'worker-node',
          __meta_kubernetes_node_label_node_type: 'worker',
          __meta_kubernetes_node_labelpresent_node_type: 'true',
        },
      }),
    );
    expect(actual(podTargetGroup(onFiltered, lookups))).toEqual({ source: 'pod/default/pod-on-filtered-node', labels: {}, targets: [] });
  });

  it('TestPodDiscoveryWithNamespaceMetadata: namespace labels and annotations, no second namespace name', () => {
    const ns = makeNamespace('test-ns', { app: 'web', tier: 'frontend' }, { maintainer: 'devops', build: 'v3.4.5' });
    const want = expectedPodTargetGroup('test-ns');
    Object.assign(want.labels, {
      __meta_kubernetes_namespace_annotation_maintainer: 'devops',
      __meta_kubernetes_namespace_annotationpresent_maintainer: 'true',
      __meta_kubernetes_namespace_annotation_build: 'v3.4.5',
      __meta_kubernetes_namespace_annotationpresent_build: 'true',
      __meta_kubernetes_namespace_label_app: 'web',
      __meta_kubernetes_namespace_labelpresent_app: 'true',
      __meta_kubernetes_namespace_label_tier: 'frontend',
      __meta_kubernetes_namespace_labelpresent_tier: 'true',
    });
    expect(actual(podTargetGroup(makePods('test-ns'), { namespace: byName([ns]) }))).toEqual(norm(want));
    // A namespace not (yet) in the store adds nothing.
    expect(actual(podTargetGroup(makePods('other'), { namespace: byName([ns]) }))).toEqual(norm(expectedPodTargetGroup('other')));
  });

  const ownerLabels = (kind: string, name: string, extra: Rec) => ({
    ...expectedPodTargetGroup('default').labels,
    __meta_kubernetes_pod_uid: 'pod123',
    __meta_kubernetes_pod_controller_kind: kind,
    __meta_kubernetes_pod_controller_name: name,
    ...extra,
  });

  it.each<[string, Pod, RoleLookups, Rec]>([
    [
      'TestPodDiscoveryWithDeployment',
      ownedPod('ReplicaSet', 'testdeployment-rs-abc'),
      { replicaSet: find([replicaSet]) },
      ownerLabels('ReplicaSet', 'testdeployment-rs-abc', { __meta_kubernetes_pod_deployment_name: 'testdeployment' }),
    ],
    ['deployment metadata off', ownedPod('ReplicaSet', 'testdeployment-rs-abc'), {}, ownerLabels('ReplicaSet', 'testdeployment-rs-abc', {})],
    ['replica set not in the store', ownedPod('ReplicaSet', 'gone'), { replicaSet: find([replicaSet]) }, ownerLabels('ReplicaSet', 'gone', {})],
    ['TestPodDiscoveryWithJob', ownedPod('Job', 'testjob'), { job: find([plainJob]), jobMetadata: true }, ownerLabels('Job', 'testjob', { __meta_kubernetes_pod_job_name: 'testjob' })],
    [
      'TestPodDiscoveryWithCronJob (job metadata only: no cronjob name)',
      ownedPod('Job', 'testcronjob-job-abc'),
      { job: find([cronJobJob]), jobMetadata: true },
      ownerLabels('Job', 'testcronjob-job-abc', { __meta_kubernetes_pod_job_name: 'testcronjob-job-abc' }),
    ],
    [
      'TestPodDiscoveryWithCronJobUpdate (cronjob metadata)',
      ownedPod('Job', 'testcronjob-job-abc'),
      { job: find([cronJobJob]), cronJobMetadata: true },
      ownerLabels('Job', 'testcronjob-job-abc', { __meta_kubernetes_pod_cronjob_name: 'testcronjob' }),
    ],
  ])('%s', (_name, pod, lookups, want) => {
    expect(actual(podTargetGroup(pod, lookups))!.labels).toEqual(want);
  });

  it('an owner reference that is not the controller names no controller', () => {
    const pod = makePods('default');
    pod.metadata!.ownerReferences = [{ kind: 'ReplicaSet', name: 'rs', controller: false }, { kind: 'Node', name: 'n' }];
    expect(actual(podTargetGroup(pod))!.labels.__meta_kubernetes_pod_controller_kind).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// service_test.go

function makeService(namespace: string, patch: Partial<Service['spec']> = {}, name = 'testservice'): Service {
  return {
    kind: 'Service',
    metadata: { name, namespace },
    spec: { ports: [{ name: 'testport', protocol: 'TCP', port: 30900 }], type: 'ClusterIP', clusterIP: '10.0.0.1', ...patch },
  };
}

const svcTarget = (addr: string, extra: Rec) => ({
  __meta_kubernetes_service_port_protocol: 'TCP',
  __address__: addr,
  __meta_kubernetes_service_port_name: 'testport',
  ...extra,
});

describe('service role', () => {
  it.each<[string, Service, Expected]>([
    [
      'cluster IP',
      makeService('default'),
      {
        source: 'svc/default/testservice',
        targets: [svcTarget('testservice.default.svc:30900', { __meta_kubernetes_service_type: 'ClusterIP', __meta_kubernetes_service_cluster_ip: '10.0.0.1', __meta_kubernetes_service_port_number: '30900' })],
        labels: { __meta_kubernetes_service_name: 'testservice', __meta_kubernetes_namespace: 'default' },
      },
    ],
    [
      'external name',
      makeService('default', { ports: [{ name: 'testport', protocol: 'TCP', port: 31900 }], type: 'ExternalName', externalName: 'FooExternalName', clusterIP: undefined }, 'testservice-external'),
      {
        source: 'svc/default/testservice-external',
        targets: [
          svcTarget('testservice-external.default.svc:31900', {
            __meta_kubernetes_service_type: 'ExternalName',
            __meta_kubernetes_service_port_number: '31900',
            __meta_kubernetes_service_external_name: 'FooExternalName',
          }),
        ],
        labels: { __meta_kubernetes_service_name: 'testservice-external', __meta_kubernetes_namespace: 'default' },
      },
    ],
    [
      'load balancer from spec.loadBalancerIP',
      makeService('default', { ports: [{ name: 'testport', protocol: 'TCP', port: 31900 }], type: 'LoadBalancer', loadBalancerIP: '127.0.0.1' }, 'testservice-loadbalancer'),
      {
        source: 'svc/default/testservice-loadbalancer',
        targets: [
          svcTarget('testservice-loadbalancer.default.svc:31900', {
            __meta_kubernetes_service_type: 'LoadBalancer',
            __meta_kubernetes_service_port_number: '31900',
            __meta_kubernetes_service_cluster_ip: '10.0.0.1',
            __meta_kubernetes_service_loadbalancer_ip: '127.0.0.1',
          }),
        ],
        labels: { __meta_kubernetes_service_name: 'testservice-loadbalancer', __meta_kubernetes_namespace: 'default' },
      },
    ],
    [
      'load balancer from status.loadBalancer.ingress',
      {
        ...makeService('default', { ports: [{ name: 'testport', protocol: 'TCP', port: 31900 }], type: 'LoadBalancer', loadBalancerIP: '127.0.0.1' }, 'testservice-lb-ingress'),
        status: { loadBalancer: { ingress: [{ ip: '192.168.1.15' }, { hostname: 'lb.example' }, { ip: '2001:db8::1' }] } },
      },
      {
        source: 'svc/default/testservice-lb-ingress',
        targets: [
          svcTarget('testservice-lb-ingress.default.svc:31900', {
            __meta_kubernetes_service_type: 'LoadBalancer',
            __meta_kubernetes_service_port_number: '31900',
            __meta_kubernetes_service_cluster_ip: '10.0.0.1',
            __meta_kubernetes_service_loadbalancer_ip: '192.168.1.15,2001:db8::1',
          }),
        ],
        labels: { __meta_kubernetes_service_name: 'testservice-lb-ingress', __meta_kubernetes_namespace: 'default' },
      },
    ],
  ])('TestServiceDiscoveryAdd: %s', (_name, svc, want) => {
    expect(actual(serviceTargetGroup(svc))).toEqual(norm(want));
  });

  it('TestServiceDiscoveryUpdate: a target per port, labels and annotations', () => {
    const svc = makeService('default', {
      ports: [
        { name: 'testport0', protocol: 'TCP', port: 30900 },
        { name: 'testport1', protocol: 'UDP', port: 30901 },
      ],
    });
    svc.metadata = { ...svc.metadata, labels: { 'test-label': 'testvalue' }, annotations: { 'test-annotation': 'testannotationvalue' } };
    const common = { __meta_kubernetes_service_type: 'ClusterIP', __meta_kubernetes_service_cluster_ip: '10.0.0.1' };
    expect(actual(serviceTargetGroup(svc))).toEqual(
      norm({
        source: 'svc/default/testservice',
        targets: [
          { ...common, __address__: 'testservice.default.svc:30900', __meta_kubernetes_service_port_protocol: 'TCP', __meta_kubernetes_service_port_name: 'testport0', __meta_kubernetes_service_port_number: '30900' },
          { ...common, __address__: 'testservice.default.svc:30901', __meta_kubernetes_service_port_protocol: 'UDP', __meta_kubernetes_service_port_name: 'testport1', __meta_kubernetes_service_port_number: '30901' },
        ],
        labels: {
          __meta_kubernetes_service_name: 'testservice',
          __meta_kubernetes_namespace: 'default',
          __meta_kubernetes_service_label_test_label: 'testvalue',
          __meta_kubernetes_service_labelpresent_test_label: 'true',
          __meta_kubernetes_service_annotation_test_annotation: 'testannotationvalue',
          __meta_kubernetes_service_annotationpresent_test_annotation: 'true',
        },
      }),
    );
  });

  it('TestServiceDiscoveryWithNamespaceMetadata', () => {
    const ns = makeNamespace('test-ns', { environment: 'production', team: 'backend' }, { owner: 'platform', version: 'v1.2.3' });
    expect(actual(serviceTargetGroup(makeService('test-ns'), { namespace: byName([ns]) }))!.labels).toEqual({
      __meta_kubernetes_namespace: 'test-ns',
      __meta_kubernetes_namespace_annotation_owner: 'platform',
      __meta_kubernetes_namespace_annotationpresent_owner: 'true',
      __meta_kubernetes_namespace_annotation_version: 'v1.2.3',
      __meta_kubernetes_namespace_annotationpresent_version: 'true',
      __meta_kubernetes_namespace_label_environment: 'production',
      __meta_kubernetes_namespace_labelpresent_environment: 'true',
      __meta_kubernetes_namespace_label_team: 'backend',
      __meta_kubernetes_namespace_labelpresent_team: 'true',
      __meta_kubernetes_service_name: 'testservice',
    });
  });

  it('a service without ports has a group and no targets', () => {
    expect(actual(serviceTargetGroup(makeService('default', { ports: [] })))!.targets).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// endpointslice_test.go

function makeEndpointSliceV1(namespace: string): EndpointSlice {
  return {
    kind: 'EndpointSlice',
    metadata: { name: 'testendpoints', namespace, labels: { 'kubernetes.io/service-name': 'testendpoints' }, annotations: { 'test.annotation': 'test' } },
    addressType: 'IPv4',
    ports: [{ name: 'testport', port: 9000, protocol: 'TCP', appProtocol: 'http' }],
    endpoints: [
      {
        addresses: ['1.2.3.4'],
        conditions: { ready: true, serving: true, terminating: false },
        hostname: 'testendpoint1',
        targetRef: {},
        nodeName: 'foobar',
        deprecatedTopology: { topology: 'value' },
        zone: 'us-east-1a',
      },
      { addresses: ['2.3.4.5'], conditions: { ready: true, serving: true, terminating: false }, zone: 'us-east-1b' },
      { addresses: ['3.4.5.6'], conditions: { ready: false, serving: true, terminating: true }, zone: 'us-east-1c' },
      { addresses: ['4.5.6.7'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Node', name: 'barbaz' }, zone: 'us-east-1a' },
    ],
  };
}

const ES = '__meta_kubernetes_endpointslice_';
const port9000 = { [`${ES}port`]: '9000', [`${ES}port_app_protocol`]: 'http', [`${ES}port_name`]: 'testport', [`${ES}port_protocol`]: 'TCP' };
const cond = (ready: string, serving: string, terminating: string) => ({
  [`${ES}endpoint_conditions_ready`]: ready,
  [`${ES}endpoint_conditions_serving`]: serving,
  [`${ES}endpoint_conditions_terminating`]: terminating,
});
const sliceV1Targets = (): Rec[] => [
  {
    __address__: '1.2.3.4:9000',
    [`${ES}address_target_kind`]: '',
    [`${ES}address_target_name`]: '',
    ...cond('true', 'true', 'false'),
    [`${ES}endpoint_hostname`]: 'testendpoint1',
    [`${ES}endpoint_node_name`]: 'foobar',
    [`${ES}endpoint_topology_present_topology`]: 'true',
    [`${ES}endpoint_topology_topology`]: 'value',
    [`${ES}endpoint_zone`]: 'us-east-1a',
    ...port9000,
  },
  { __address__: '2.3.4.5:9000', ...cond('true', 'true', 'false'), [`${ES}endpoint_zone`]: 'us-east-1b', ...port9000 },
  { __address__: '3.4.5.6:9000', ...cond('false', 'true', 'true'), [`${ES}endpoint_zone`]: 'us-east-1c', ...port9000 },
  { __address__: '4.5.6.7:9000', [`${ES}address_target_kind`]: 'Node', [`${ES}address_target_name`]: 'barbaz', ...cond('true', 'true', 'false'), [`${ES}endpoint_zone`]: 'us-east-1a', ...port9000 },
];
const sliceV1Labels = (ns: string): Rec => ({
  [`${ES}address_type`]: 'IPv4',
  __meta_kubernetes_namespace: ns,
  [`${ES}name`]: 'testendpoints',
  [`${ES}label_kubernetes_io_service_name`]: 'testendpoints',
  [`${ES}labelpresent_kubernetes_io_service_name`]: 'true',
  [`${ES}annotation_test_annotation`]: 'test',
  [`${ES}annotationpresent_test_annotation`]: 'true',
});

const podMeta = (ip: string) => ({
  __meta_kubernetes_pod_host_ip: '2.3.4.5',
  __meta_kubernetes_pod_ip: ip,
  __meta_kubernetes_pod_name: 'testpod',
  __meta_kubernetes_pod_node_name: 'testnode',
  __meta_kubernetes_pod_phase: '',
  __meta_kubernetes_pod_ready: 'unknown',
  __meta_kubernetes_pod_uid: 'deadbeef',
});
const containerMeta = (name: string, portName: string, port: string, init: string) => ({
  __meta_kubernetes_pod_container_name: name,
  __meta_kubernetes_pod_container_image: `${name}:latest`,
  __meta_kubernetes_pod_container_port_name: portName,
  __meta_kubernetes_pod_container_port_number: port,
  __meta_kubernetes_pod_container_port_protocol: 'TCP',
  __meta_kubernetes_pod_container_init: init,
});

function makeTestPod(namespace: string, podIP: string, containers: Pod['spec']): Pod {
  return { kind: 'Pod', metadata: { name: 'testpod', namespace, uid: 'deadbeef' }, spec: { nodeName: 'testnode', ...containers }, status: { hostIP: '2.3.4.5', podIP } };
}

function makeDualStackService(policy: string, families: string[]): Service {
  return { kind: 'Service', metadata: { name: 'testsvc', namespace: 'default' }, spec: { ipFamilyPolicy: policy, ipFamilies: families } };
}
function makeDualStackEndpointSlice(name: string, addressType: string, addr: string): EndpointSlice {
  return {
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'testsvc' } },
    addressType,
    ports: [{ name: 'http', port: 9000, protocol: 'TCP' }],
    endpoints: [{ addresses: [addr], conditions: { ready: true } }],
  };
}
const dualStackGroupLabels = (addrType: string, sliceName: string): Rec => ({
  __meta_kubernetes_namespace: 'default',
  [`${ES}address_type`]: addrType,
  [`${ES}name`]: sliceName,
  [`${ES}label_kubernetes_io_service_name`]: 'testsvc',
  [`${ES}labelpresent_kubernetes_io_service_name`]: 'true',
  __meta_kubernetes_service_name: 'testsvc',
});
const dualStackTarget = (addr: string): Rec => ({
  __address__: addr,
  [`${ES}endpoint_conditions_ready`]: 'true',
  [`${ES}port`]: '9000',
  [`${ES}port_name`]: 'http',
  [`${ES}port_protocol`]: 'TCP',
});

describe('endpointslice role', () => {
  it('TestEndpointSliceDiscoveryBeforeRun: per endpoint × port × address, every optional field', () => {
    expect(actual(endpointSliceTargetGroup(makeEndpointSliceV1('default')))).toEqual(
      norm({ source: 'endpointslice/default/testendpoints', targets: sliceV1Targets(), labels: sliceV1Labels('default') }),
    );
  });

  it('TestEndpointSliceDiscoveryUpdate: no labels, fewer endpoints', () => {
    const eps = makeEndpointSliceV1('default');
    eps.metadata = { name: 'testendpoints', namespace: 'default' };
    eps.endpoints = eps.endpoints!.slice(0, 2);
    expect(actual(endpointSliceTargetGroup(eps))).toEqual(
      norm({
        source: 'endpointslice/default/testendpoints',
        targets: sliceV1Targets().slice(0, 2),
        labels: { [`${ES}address_type`]: 'IPv4', [`${ES}name`]: 'testendpoints', __meta_kubernetes_namespace: 'default' },
      }),
    );
  });

  it('TestEndpointSliceDiscoveryAdd: pod metadata on the endpoint, uncovered container ports as extra targets', () => {
    const pod = makeTestPod('default', '1.2.3.4', {
      containers: [
        { name: 'c1', image: 'c1:latest', ports: [{ name: 'mainport', containerPort: 9000, protocol: 'TCP' }] },
        { name: 'c2', image: 'c2:latest', ports: [{ name: 'sideport', containerPort: 9001, protocol: 'TCP' }] },
      ],
    });
    const eps: EndpointSlice = {
      metadata: { name: 'testendpoints', namespace: 'default' },
      addressType: 'IPv4',
      ports: [{ name: 'testport', port: 9000, protocol: 'TCP' }],
      endpoints: [{ addresses: ['4.3.2.1'], targetRef: { kind: 'Pod', name: 'testpod', namespace: 'default' }, conditions: { ready: false } }],
    };
    expect(actual(endpointSliceTargetGroup(eps, lookupsFrom([pod])))).toEqual(
      norm({
        source: 'endpointslice/default/testendpoints',
        targets: [
          {
            __address__: '4.3.2.1:9000',
            [`${ES}address_target_kind`]: 'Pod',
            [`${ES}address_target_name`]: 'testpod',
            [`${ES}endpoint_conditions_ready`]: 'false',
            [`${ES}port`]: '9000',
            [`${ES}port_name`]: 'testport',
            [`${ES}port_protocol`]: 'TCP',
            ...containerMeta('c1', 'mainport', '9000', 'false'),
            ...podMeta('1.2.3.4'),
          },
          { __address__: '1.2.3.4:9001', ...containerMeta('c2', 'sideport', '9001', 'false'), ...podMeta('1.2.3.4') },
        ],
        labels: { [`${ES}address_type`]: 'IPv4', [`${ES}name`]: 'testendpoints', __meta_kubernetes_namespace: 'default' },
      }),
    );
    // Without the pod in the store the endpoint is a plain target, and no extra ports appear.
    const alone = actual(endpointSliceTargetGroup(eps, lookupsFrom([])))!;
    expect(alone.targets).toHaveLength(1);
    expect(alone.targets[0]!.__meta_kubernetes_pod_name).toBeUndefined();
  });

  it('TestEndpointSliceDiscoveryWithService(Update): service name and labels on the group', () => {
    const svc: Service = { kind: 'Service', metadata: { name: 'testendpoints', namespace: 'default', labels: { 'app/name': 'svc', component: 'testing' } } };
    expect(actual(endpointSliceTargetGroup(makeEndpointSliceV1('default'), lookupsFrom([svc])))).toEqual(
      norm({
        source: 'endpointslice/default/testendpoints',
        targets: sliceV1Targets(),
        labels: {
          ...sliceV1Labels('default'),
          __meta_kubernetes_service_label_app_name: 'svc',
          __meta_kubernetes_service_label_component: 'testing',
          __meta_kubernetes_service_labelpresent_app_name: 'true',
          __meta_kubernetes_service_labelpresent_component: 'true',
          __meta_kubernetes_service_name: 'testendpoints',
        },
      }),
    );
  });

  it('TestEndpointsSlicesDiscoveryWithNodeMetadata: node labels by nodeName, or by a Node targetRef', () => {
    const nodes = [makeNode('foobar', '', '', { az: 'us-east1' }), makeNode('barbaz', '', '', { az: 'us-west2' })];
    const svc: Service = { kind: 'Service', metadata: { name: 'testendpoints', namespace: 'default', labels: { 'app/name': 'test' } } };
    const targets = sliceV1Targets();
    Object.assign(targets[0]!, { __meta_kubernetes_node_label_az: 'us-east1', __meta_kubernetes_node_labelpresent_az: 'true', __meta_kubernetes_node_name: 'foobar' });
    Object.assign(targets[3]!, { __meta_kubernetes_node_label_az: 'us-west2', __meta_kubernetes_node_labelpresent_az: 'true', __meta_kubernetes_node_name: 'barbaz' });
    expect(actual(endpointSliceTargetGroup(makeEndpointSliceV1('default'), lookupsFrom([svc], { node: byName(nodes) })))).toEqual(
      norm({
        source: 'endpointslice/default/testendpoints',
        targets,
        labels: {
          ...sliceV1Labels('default'),
          __meta_kubernetes_service_label_app_name: 'test',
          __meta_kubernetes_service_labelpresent_app_name: 'true',
          __meta_kubernetes_service_name: 'testendpoints',
        },
      }),
    );
  });

  it('TestEndpointSliceDiscoveryNamespaces: a pod-backed slice in ns2', () => {
    const pod = makeTestPod('ns2', '4.3.2.1', { containers: [{ name: 'c1', image: 'c1:latest', ports: [{ name: 'mainport', containerPort: 9000, protocol: 'TCP' }] }] });
    const eps: EndpointSlice = {
      metadata: { name: 'testendpoints', namespace: 'ns2' },
      addressType: 'IPv4',
      ports: [{ name: 'testport', port: 9000, protocol: 'TCP' }],
      endpoints: [{ addresses: ['4.3.2.1'], targetRef: { kind: 'Pod', name: 'testpod', namespace: 'ns2' } }],
    };
    expect(actual(endpointSliceTargetGroup(eps, lookupsFrom([pod])))).toEqual(
      norm({
        source: 'endpointslice/ns2/testendpoints',
        targets: [
          {
            __address__: '4.3.2.1:9000',
            [`${ES}address_target_kind`]: 'Pod',
            [`${ES}address_target_name`]: 'testpod',
            [`${ES}port`]: '9000',
            [`${ES}port_name`]: 'testport',
            [`${ES}port_protocol`]: 'TCP',
            ...containerMeta('c1', 'mainport', '9000', 'false'),
            ...podMeta('4.3.2.1'),
          },
        ],
        labels: { [`${ES}address_type`]: 'IPv4', [`${ES}name`]: 'testendpoints', __meta_kubernetes_namespace: 'ns2' },
      }),
    );
  });

  it('TestEndpointSliceDiscoverySidecarContainer: init containers match slice ports; the last container with the port wins', () => {
    const pod = makeTestPod('default', '4.3.2.1', {
      initContainers: [
        { name: 'ic1', image: 'ic1:latest', ports: [{ name: 'initport', containerPort: 1111, protocol: 'TCP' }] },
        { name: 'ic2', image: 'ic2:latest', ports: [{ name: 'initport', containerPort: 9111, protocol: 'TCP' }] },
      ],
      containers: [{ name: 'c1', image: 'c1:latest', ports: [{ name: 'mainport', containerPort: 9000, protocol: 'TCP' }] }],
    });
    const eps: EndpointSlice = {
      metadata: { name: 'testsidecar', namespace: 'default' },
      addressType: 'IPv4',
      ports: [
        { name: 'testport', port: 9000, protocol: 'TCP' },
        { name: 'initport', port: 9111, protocol: 'TCP' },
      ],
      endpoints: [{ addresses: ['4.3.2.1'], targetRef: { kind: 'Pod', name: 'testpod', namespace: 'default' } }],
    };
    const ref = { [`${ES}address_target_kind`]: 'Pod', [`${ES}address_target_name`]: 'testpod', [`${ES}port_protocol`]: 'TCP' };
    expect(actual(endpointSliceTargetGroup(eps, lookupsFrom([pod])))).toEqual(
      norm({
        source: 'endpointslice/default/testsidecar',
        targets: [
          { __address__: '4.3.2.1:9000', ...ref, [`${ES}port`]: '9000', [`${ES}port_name`]: 'testport', ...containerMeta('c1', 'mainport', '9000', 'false'), ...podMeta('4.3.2.1') },
          { __address__: '4.3.2.1:9111', ...ref, [`${ES}port`]: '9111', [`${ES}port_name`]: 'initport', ...containerMeta('ic2', 'initport', '9111', 'true'), ...podMeta('4.3.2.1') },
          { __address__: '4.3.2.1:1111', ...containerMeta('ic1', 'initport', '1111', 'true'), ...podMeta('4.3.2.1') },
        ],
        labels: { [`${ES}address_type`]: 'IPv4', [`${ES}name`]: 'testsidecar', __meta_kubernetes_namespace: 'default' },
      }),
    );

    // Two containers declaring the slice's port: Go's `break` leaves only one container's loop.
    const dup = makeTestPod('default', '4.3.2.1', {
      containers: [
        { name: 'first', image: 'first:latest', ports: [{ name: 'a', containerPort: 9000, protocol: 'TCP' }] },
        { name: 'second', image: 'second:latest', ports: [{ name: 'b', containerPort: 9000, protocol: 'TCP' }] },
      ],
    });
    const one: EndpointSlice = { ...eps, ports: [{ name: 'testport', port: 9000, protocol: 'TCP' }] };
    const g = actual(endpointSliceTargetGroup(one, lookupsFrom([dup])))!;
    expect(g.targets.map((t) => t.__meta_kubernetes_pod_container_name)).toEqual(['second']);
  });

  it('a pod-backed endpoint of a pod without an IP gets no extra port targets', () => {
    const pod = makeTestPod('default', '', { containers: [{ name: 'c', image: 'c:latest', ports: [{ name: 'x', containerPort: 1, protocol: 'TCP' }] }] });
    const eps: EndpointSlice = {
      metadata: { name: 's', namespace: 'default' },
      addressType: 'IPv4',
      ports: [{ port: 9000 }],
      endpoints: [{ addresses: ['4.3.2.1'], targetRef: { kind: 'Pod', name: 'testpod', namespace: 'default' } }],
    };
    expect(actual(endpointSliceTargetGroup(eps, lookupsFrom([pod])))!.targets.map((t) => t.__address__)).toEqual(['4.3.2.1:9000']);
  });

  it('a port without a number: the bare address, and no port labels', () => {
    const eps: EndpointSlice = { metadata: { name: 's', namespace: 'default' }, addressType: 'IPv6', ports: [{}], endpoints: [{ addresses: ['fd00::1'] }] };
    expect(actual(endpointSliceTargetGroup(eps))!.targets).toEqual([{ __address__: 'fd00::1' }]);
  });

  it('TestEndpointsSlicesDiscoveryWithNamespaceMetadata', () => {
    const ns = makeNamespace('test-ns', { service: 'web', layer: 'frontend' }, { contact: 'platform', release: 'v5.6.7' });
    const svc: Service = { kind: 'Service', metadata: { name: 'testendpoints', namespace: 'test-ns', labels: { 'app/name': 'test' } } };
    const g = actual(endpointSliceTargetGroup(makeEndpointSliceV1('test-ns'), lookupsFrom([svc], { namespace: byName([ns]) })))!;
    expect(g.targets).toEqual(sliceV1Targets().map(dropEmpty));
    expect(g.labels).toEqual({
      ...sliceV1Labels('test-ns'),
      __meta_kubernetes_namespace_annotation_contact: 'platform',
      __meta_kubernetes_namespace_annotationpresent_contact: 'true',
      __meta_kubernetes_namespace_annotation_release: 'v5.6.7',
      __meta_kubernetes_namespace_annotationpresent_release: 'true',
      __meta_kubernetes_namespace_label_service: 'web',
      __meta_kubernetes_namespace_labelpresent_service: 'true',
      __meta_kubernetes_namespace_label_layer: 'frontend',
      __meta_kubernetes_namespace_labelpresent_layer: 'true',
      __meta_kubernetes_service_label_app_name: 'test',
      __meta_kubernetes_service_labelpresent_app_name: 'true',
      __meta_kubernetes_service_name: 'testendpoints',
    });
  });

  it.each<[string, string, string[], [string, string, string, string | null][]]>([
    ['PreferDualStack, IPv4 primary', 'PreferDualStack', ['IPv4', 'IPv6'], [['testsvc-ipv4', 'IPv4', '1.2.3.4', '1.2.3.4:9000'], ['testsvc-ipv6', 'IPv6', 'fd00::1', null]]],
    ['RequireDualStack, IPv4 primary', 'RequireDualStack', ['IPv4', 'IPv6'], [['testsvc-ipv4', 'IPv4', '1.2.3.4', '1.2.3.4:9000'], ['testsvc-ipv6', 'IPv6', 'fd00::1', null]]],
    ['SingleStack IPv4', 'SingleStack', ['IPv4'], [['testsvc-ipv4', 'IPv4', '1.2.3.4', '1.2.3.4:9000']]],
    ['SingleStack IPv6', 'SingleStack', ['IPv6'], [['testsvc-ipv6', 'IPv6', 'fd00::1', '[fd00::1]:9000']]],
    ['PreferDualStack, IPv6 primary', 'PreferDualStack', ['IPv6', 'IPv4'], [['testsvc-ipv6', 'IPv6', 'fd00::1', '[fd00::1]:9000'], ['testsvc-ipv4', 'IPv4', '1.2.3.4', null]]],
  ])('dual stack: %s', (_name, policy, families, slices) => {
    const lookups = lookupsFrom([makeDualStackService(policy, families)]);
    for (const [name, type, addr, want] of slices) {
      expect(actual(endpointSliceTargetGroup(makeDualStackEndpointSlice(name, type, addr), lookups))).toEqual(
        norm({ source: `endpointslice/default/${name}`, labels: dualStackGroupLabels(type, name), targets: want === null ? [] : [dualStackTarget(want)] }),
      );
    }
  });
});
