// How Kubeglass reaches a target from outside the cluster. Prometheus runs inside and dials pod IPs;
// a laptop cannot, so each target's request goes through the API server's proxy subresource of the
// pod (or node) behind it, keeping the target's labels (instance stays the pod IP and port). Where
// the proxy cannot reach it, a port-forward to the pod can; a target with neither says why.
import { ADDRESS, getLabel, SCHEME, type Labels } from '../model/labels.js';

export type TargetAccess =
  | { via: 'proxy'; /** Path and query on the API server. */ path: string; reason: string }
  | { via: 'port-forward'; namespace: string; pod: string; port: number; scheme: 'http' | 'https'; /** Path and query on the pod. */ path: string; reason: string }
  | { via: 'none'; reason: string };

const KUBELET_PORT = '10250';

function splitAddress(address: string): { host: string; port: string } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(address) ?? /^([^:]+)(?::(\d+))?$/.exec(address);
  return m ? { host: m[1]!, port: m[2] ?? '' } : { host: address, port: '' };
}

/**
 * Where to send a target's scrape. `discovered` are its labels before relabeling (the
 * __meta_kubernetes_* ones name the pod or node), `relabeled` after (address, scheme), `url` the
 * URL Prometheus would scrape (its path and query are kept). `preferPortForward` is the user's
 * choice, or the proxy being forbidden for this context.
 */
export function targetAccess(target: { discovered: Labels; relabeled: Labels; url: string }, preferPortForward = false): TargetAccess {
  const { discovered, relabeled } = target;
  const scheme = getLabel(relabeled, SCHEME) === 'https' ? 'https' : 'http';
  const { host, port } = splitAddress(getLabel(relabeled, ADDRESS));
  const u = new URL(target.url);
  const path = u.pathname + u.search;
  const namespace = getLabel(discovered, '__meta_kubernetes_namespace');
  const pod = getLabel(discovered, '__meta_kubernetes_pod_name');
  const podIP = getLabel(discovered, '__meta_kubernetes_pod_ip');
  // A node role target, or an endpoint backed by a node (the kubelet Service the Operator keeps).
  const node =
    getLabel(discovered, '__meta_kubernetes_node_name') ||
    (getLabel(discovered, '__meta_kubernetes_endpointslice_address_target_kind') === 'Node' ? getLabel(discovered, '__meta_kubernetes_endpointslice_address_target_name') : '');
  const prefix = scheme === 'https' ? 'https:' : '';

  if (pod && namespace) {
    // Relabeling may point the address elsewhere (a node, a sidecar host): then the pod is not it.
    if (podIP && host !== podIP) return { via: 'none', reason: `the address ${host} is not pod ${namespace}/${pod}'s IP ${podIP}, so neither its proxy nor a port-forward reaches it` };
    if (preferPortForward) {
      if (!port) return { via: 'none', reason: `no port to forward to on pod ${namespace}/${pod}` };
      return { via: 'port-forward', namespace, pod, port: Number(port), scheme, path, reason: `port-forward to pod ${namespace}/${pod}:${port}` };
    }
    const target = `${prefix}${encodeURIComponent(pod)}${port ? `:${port}` : ''}`;
    return { via: 'proxy', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${target}/proxy${path}`, reason: `API server proxy of pod ${namespace}/${pod}` };
  }
  if (node) {
    // The kubelet's own port is the node proxy's default; other ports (a host-network exporter) are named.
    const target = port === KUBELET_PORT || port === '' ? encodeURIComponent(node) : `${prefix}${encodeURIComponent(node)}:${port}`;
    return { via: 'proxy', path: `/api/v1/nodes/${target}/proxy${path}`, reason: `API server proxy of node ${node}` };
  }
  return { via: 'none', reason: `${host || 'the target'} is not a pod or node the API server can proxy to` };
}
