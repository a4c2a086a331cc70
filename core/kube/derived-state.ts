// A cluster without kube-state-metrics still gets its series: Kubeglass renders them itself from the
// objects its informers already hold (nodes and pods are shared with discovery), with
// kube-state-metrics' names and labels, and scrapes that like any target. The target stays in
// the Targets page as "derived from the Kubernetes API", with job="kube-state-metrics" so the
// dashboards and kube-prometheus's rules work unchanged. It runs only while the cluster has no
// kube-state-metrics of its own (ClusterScraping decides), so nothing is counted twice.
import type { GlobalScrapeDefaults, ScrapeConfig } from '../scrape/config.js';
import { parseRawScrapeConfig } from '../scrape/config.js';
import { ScrapeError, type Fetcher } from '../scrape/fetch.js';
import type { KubeObject } from './objects.js';
import type { InformerFactory, InformerHandle, ResourceRef } from './sd/informer.js';
import type { KubeObject as WatchedObject } from './sd/types.js';
import { renderKubeStateMetrics } from './state-metrics.js';

export const DERIVED_STATE_JOB = 'kubeglass/derived-state';
/** The target's address: not a host anyone dials; the route and fetcher recognise it. */
export const DERIVED_STATE_ADDRESS = 'kube-state-metrics.kubeglass-derived';

/** kube-state-metrics' stores, as group-resources, with the API resource each is listed from. */
const RESOURCES: Record<string, ResourceRef> = {
  'daemonsets.apps': { group: 'apps', version: 'v1', resource: 'daemonsets' },
  'deployments.apps': { group: 'apps', version: 'v1', resource: 'deployments' },
  namespaces: { version: 'v1', resource: 'namespaces' },
  nodes: { version: 'v1', resource: 'nodes' },
  pods: { version: 'v1', resource: 'pods' },
  'replicasets.apps': { group: 'apps', version: 'v1', resource: 'replicasets' },
  services: { version: 'v1', resource: 'services' },
};

/** The resources the dashboards cannot do without: no series until these are listed. */
const ESSENTIAL = ['nodes', 'pods'];

export function derivedStateConfig(global: GlobalScrapeDefaults): ScrapeConfig {
  return parseRawScrapeConfig(
    {
      job_name: DERIVED_STATE_JOB,
      // The objects' own namespace/pod/node labels are the series' labels, as with the real one.
      honor_labels: true,
      static_configs: [{ targets: [DERIVED_STATE_ADDRESS] }],
      relabel_configs: [
        { target_label: 'job', replacement: 'kube-state-metrics' },
        { target_label: 'instance', replacement: 'kubeglass (derived from the Kubernetes API)' },
      ],
    },
    global,
    'derived kube-state-metrics',
  );
}

/** Informers of kube-state-metrics' resources and a Fetcher that writes its exposition from them. */
export class DerivedState {
  private readonly handles = new Map<string, InformerHandle<WatchedObject>>();

  constructor(informers: InformerFactory) {
    for (const [gr, ref] of Object.entries(RESOURCES)) this.handles.set(gr, informers.acquire(ref));
  }

  private list = (gr: string): readonly KubeObject[] => {
    const inf = this.handles.get(gr)?.informer;
    return inf?.synced ? (inf.list() as unknown as KubeObject[]) : [];
  };

  /**
   * Renders the exposition now. Fails while the essential resources cannot be listed, or any is
   * still being listed (a partial first scrape would mark the rest stale a moment later); a
   * resource the API refuses (RBAC) is left out and reported by problems().
   */
  render(): string {
    for (const [gr, h] of this.handles) {
      const inf = h.informer;
      if (inf.synced) continue;
      if (ESSENTIAL.includes(gr) || !inf.status.error) {
        const why = inf.status.error ? `: ${inf.status.error}` : '';
        throw new ScrapeError(`cannot derive kube-state-metrics' series: ${gr} are not listed yet${why}`);
      }
    }
    return renderKubeStateMetrics(this.list, 'text');
  }

  readonly fetcher: Fetcher = async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: Buffer.from(this.render()) });

  /** Resources that cannot be listed (RBAC, an API error): their series are missing. */
  problems(): string[] {
    const out: string[] = [];
    for (const [gr, h] of this.handles) if (h.informer.status.error) out.push(`${gr}: ${h.informer.status.error}`);
    return out;
  }

  release(): void {
    for (const h of this.handles.values()) h.release();
    this.handles.clear();
  }
}
