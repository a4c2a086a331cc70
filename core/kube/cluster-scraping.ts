// Scraping one kubeconfig context: the built-in jobs plus every ServiceMonitor and PodMonitor,
// discovered with Kubernetes SD, routed through the API server's proxy, into one Appendable.
// Monitors are followed live: a new, changed or deleted monitor adds, replaces or removes its
// pools. Where the cluster's own monitors already scrape node-exporter, kube-state-metrics or the
// kubelet, the built-in job for it stands down, so nothing is scraped twice. Where the cluster has
// no kube-state-metrics at all, its series are derived from the API (derived-state.ts); where a
// node's kubelet or node-exporter cannot be scraped, its usage comes from metrics-server
// (metrics-server.ts). A pod whose proxied scrapes are persistently slow is reached by
// port-forward until the proxy is fast again (slow-proxy.ts).
import { KubeConfig } from '@kubernetes/client-node';
import { ADDRESS, getLabel } from '../model/labels.js';
import { parseRawScrapeConfig, type GlobalScrapeDefaults, type ScrapeConfig } from '../scrape/config.js';
import { ScrapeError, type Fetcher } from '../scrape/fetch.js';
import { ScrapeManager, type DroppedTarget, type TargetStatus } from '../scrape/manager.js';
import { StaticSource } from '../scrape/source.js';
import type { Target } from '../scrape/target.js';
import type { Appendable } from '../tsdb/interface.js';
import { targetAccess } from './access.js';
import { defaultJobs } from './defaults.js';
import { DERIVED_STATE_ADDRESS, DERIVED_STATE_JOB, DerivedState, derivedStateConfig } from './derived-state.js';
import { createKubeFetcher } from './fetcher.js';
import { listMetrics, METRICS_SERVER_ADDRESS, METRICS_SERVER_JOB, metricsServerConfig, UsageDerivation, UsageSeries, type NodeMetrics, type PodMetrics } from './metrics-server.js';
import { SlowProxyDecisions, type ScrapeObservation, type SlowProxyPolicy } from './slow-proxy.js';
import { portForwardUrl, PortForwards } from './portforward.js';
import { podMonitorJobs, serviceMonitorJobs, type MonitorJob, type PodMonitor, type ServiceMonitor } from './monitors.js';
import { KubernetesDiscovery, type KubernetesSDSource, type SourceStatus } from './sd/discovery.js';
import type { InformerHandle } from './sd/informer.js';
import type { KubeObject } from './sd/types.js';

export interface ClusterScrapingOptions {
  /** A kubeconfig holding the context (singleContextKubeconfig gives one). */
  kubeconfig: string;
  context?: string;
  appendable: Appendable;
  scrapeIntervalMs?: number;
  scrapeTimeoutMs?: number;
  /** Scrape pods through port-forwards rather than the API server's proxy. */
  preferPortForward?: boolean;
  log?: (line: string) => void;
  now?: () => number;
  /** False: pools are built but only scrape when asked (tests). */
  autoStart?: boolean;
  /** How often to check whether the cluster has a kube-state-metrics of its own (default 10 s). */
  derivedCheckMs?: number;
  /** When a pod whose proxied scrapes are slow moves to a port-forward (slow-proxy.ts); false: never. */
  slowProxy?: Partial<SlowProxyPolicy> | false;
}

/** A pod target reached through the proxy, by its request URL: where a port-forward would go instead. */
interface PodRoute {
  /** namespace/pod:port */
  key: string;
  forwardUrl: string;
  ready: boolean;
}

export interface ClusterJobStatus {
  job: string;
  /** Where the job comes from: built in, or the monitor object it was generated from. */
  origin: string;
  notes: string[];
  discovery: SourceStatus | null;
  /** Why the job is not running (an invalid monitor, or a built-in job the cluster's monitors cover). */
  disabled?: string;
}

interface RunningJob {
  job: MonitorJob;
  origin: string;
  key: string;
  source: KubernetesSDSource | null;
  disabled?: string;
}

/** Which built-in job a monitor makes redundant, judged by the apps its selector names. */
function coveredDefaults(selectorValues: string[]): Set<string> {
  const out = new Set<string>();
  for (const v of selectorValues) {
    if (/^(prometheus-)?node-exporter$/.test(v)) out.add('kubeglass/node-exporter');
    if (v === 'kube-state-metrics') out.add('kubeglass/kube-state-metrics');
    if (v === 'kubelet') for (const j of defaultJobs()) if (j.jobName.startsWith('kubeglass/kubelet/')) out.add(j.jobName);
  }
  return out;
}

function selectorValues(m: ServiceMonitor | PodMonitor): string[] {
  const sel = m.spec?.selector ?? {};
  return [...Object.values(sel.matchLabels ?? {}), ...(sel.matchExpressions ?? []).flatMap((e) => e.values ?? [])];
}

export class ClusterScraping {
  readonly manager: ScrapeManager;
  private readonly discovery: KubernetesDiscovery;
  private readonly kc: KubeConfig;
  private readonly server: string;
  private readonly global: GlobalScrapeDefaults;
  private readonly jobs = new Map<string, RunningJob>();
  private monitors: { serviceMonitors: InformerHandle<KubeObject>; podMonitors: InformerHandle<KubeObject> } | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private stopped = false;
  private readonly portForwards: PortForwards;
  /** Pods are reached by port-forward: chosen, or the pod proxy turned out forbidden. */
  private podPortForward: false | 'chosen' | 'forbidden';
  /** kube-state-metrics' series rendered from the API, while the cluster has none of its own. */
  private derived: DerivedState | null = null;
  /** Consecutive checks that found no kube-state-metrics target. */
  private ksmMissing = 0;
  private derivedTimer: ReturnType<typeof setInterval> | null = null;
  /** Pods moved to port-forwards because their proxied scrapes were slow, and back. */
  private readonly slowProxy: SlowProxyDecisions | null;
  private readonly podRoutes = new Map<string, PodRoute>();
  private rerouteTimer: ReturnType<typeof setTimeout> | null = null;
  /** Nodes' CPU and memory usage from metrics-server, where their kubelet or node-exporter cannot be scraped. */
  private readonly usage = { derivation: new UsageDerivation(), series: new UsageSeries(), running: false };
  private usageNodes: InformerHandle<KubeObject> | null = null;
  /** Held only while usage is derived (PodMetrics do not say where a pod runs). */
  private usagePods: InformerHandle<KubeObject> | null = null;
  private readonly kubeFetcher: Fetcher;

  constructor(private readonly opts: ClusterScrapingOptions) {
    this.kc = new KubeConfig();
    this.kc.loadFromString(opts.kubeconfig);
    if (opts.context) this.kc.setCurrentContext(opts.context);
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error(`the kubeconfig has no cluster for context "${this.kc.getCurrentContext()}"`);
    this.server = cluster.server.replace(/\/+$/, '');
    const interval = opts.scrapeIntervalMs ?? 30_000;
    this.global = { scrape_interval: interval, scrape_timeout: Math.min(opts.scrapeTimeoutMs ?? 10_000, interval), sample_limit: 0, label_limit: 0, body_size_limit: 0 };
    this.discovery = new KubernetesDiscovery(this.kc);
    this.podPortForward = opts.preferPortForward ? 'chosen' : false;
    this.portForwards = new PortForwards(this.kc);
    this.slowProxy = opts.slowProxy === false ? null : new SlowProxyDecisions(opts.slowProxy ?? {});
    this.kubeFetcher = createKubeFetcher(this.kc, { portForwards: this.portForwards, onPodProxyForbidden: () => this.proxyForbidden() });
    const fetcher = this.adaptive(this.kubeFetcher);
    this.manager = new ScrapeManager({
      appendable: opts.appendable,
      fetcherFor: (config) => (config.jobName === DERIVED_STATE_JOB && this.derived ? this.derived.fetcher : config.jobName === METRICS_SERVER_JOB ? this.usageFetcher : fetcher),
      route: (t) => this.route(t),
      log: opts.log,
      now: opts.now,
      autoStart: opts.autoStart,
    });
  }

  private route(t: Target): Pick<Target, 'requestUrl' | 'via' | 'unreachable'> {
    if (getLabel(t.relabeled, ADDRESS) === DERIVED_STATE_ADDRESS) {
      return { requestUrl: t.url, via: 'rendered by Kubeglass from the nodes, pods and workloads it watches, because the cluster has no kube-state-metrics' };
    }
    if (getLabel(t.relabeled, ADDRESS) === METRICS_SERVER_ADDRESS) {
      return { requestUrl: t.url, via: 'computed by Kubeglass from metrics.k8s.io (metrics-server), for the nodes whose kubelet or node-exporter cannot be scraped' };
    }
    const a = targetAccess(t, this.podPortForward !== false);
    if (a.via === 'proxy') {
      const requestUrl = this.server + a.path;
      const fwd = this.slowProxy ? targetAccess(t, true) : null;
      if (fwd?.via !== 'port-forward') return { requestUrl, via: a.reason };
      // The proxy stays the request URL; the fetcher swaps in the port-forward while the proxy is slow.
      const key = `${fwd.namespace}/${fwd.pod}:${fwd.port}`;
      this.podRoutes.set(requestUrl, { key, forwardUrl: portForwardUrl(fwd, fwd.scheme, fwd.path), ready: getLabel(t.discovered, '__meta_kubernetes_pod_ready') === 'true' });
      const now = (this.opts.now ?? Date.now)();
      const d = this.slowProxy!.path(key, now);
      if (d.changed) this.scheduleReroute();
      if (d.path === 'forward') return { requestUrl, via: `${fwd.reason} (${d.reason})` };
      return { requestUrl, via: d.reason ? `${a.reason} (${d.reason})` : a.reason };
    }
    if (a.via === 'port-forward') {
      const why = this.podPortForward === 'forbidden' ? ' (the API server does not let this user proxy to pods)' : '';
      return { requestUrl: portForwardUrl(a, a.scheme, a.path), via: a.reason + why };
    }
    return { unreachable: a.reason };
  }

  /**
   * The fetcher every kube job uses, with the slow-proxy switch: a pod target's scrape goes
   * through its port-forward while the decisions say the proxy is slow, and each scrape's
   * duration and outcome feed the decisions.
   */
  private adaptive(inner: Fetcher): Fetcher {
    const f: Fetcher = async (req) => {
      const r = this.slowProxy && this.podPortForward === false ? this.podRoutes.get(req.url) : undefined;
      if (!r || !this.slowProxy) return inner(req);
      const decisions = this.slowProxy;
      const now = this.opts.now ?? Date.now;
      const { path, changed } = decisions.path(r.key, now());
      if (changed) {
        this.opts.log?.(`pod ${r.key}: trying the API server proxy again`);
        this.scheduleReroute();
      }
      const started = performance.now();
      let outcome: ScrapeObservation['outcome'] = 'ok';
      try {
        return await inner(path === 'forward' ? { ...req, url: r.forwardUrl } : req);
      } catch (err) {
        outcome = err instanceof Error && err.message.startsWith('context deadline exceeded') ? 'timeout' : 'error';
        throw err;
      } finally {
        const o = { durationMs: performance.now() - started, timeoutMs: req.timeoutMs, outcome, podReady: r.ready };
        if (!req.signal?.aborted && !this.stopped && decisions.observe(r.key, path, o, now())) {
          const next = decisions.current(r.key);
          if (next.path !== path) this.opts.log?.(`pod ${r.key}: scraping through ${next.path === 'forward' ? 'a port-forward' : 'the API server proxy'}: ${next.reason}`);
          this.scheduleReroute();
        }
      }
    };
    f.close = () => inner.close?.();
    return f;
  }

  /** Targets' paths changed: their routes (and what the Targets page says) are asked for again. */
  private scheduleReroute(): void {
    if (this.rerouteTimer || this.stopped) return;
    this.rerouteTimer = setTimeout(() => {
      this.rerouteTimer = null;
      this.refreshRoutes();
    }, 0);
  }

  /** Re-routes every target, forgetting pods no longer scraped. */
  private refreshRoutes(): void {
    if (this.stopped) return;
    this.podRoutes.clear();
    this.manager.reroute();
    this.slowProxy?.retain(new Set([...this.podRoutes.values()].map((r) => r.key)));
  }

  /** The pod proxy is forbidden for this user: every pool is rebuilt to reach pods by port-forward. */
  private proxyForbidden(): void {
    if (this.podPortForward !== false || this.stopped) return;
    this.podPortForward = 'forbidden';
    this.opts.log?.('the API server refused a pod proxy request (403): scraping pods through port-forwards');
    for (const name of [...this.jobs.keys()]) this.removeJob(name);
    this.sync();
  }

  /** Starts discovery and scraping; monitors are followed from here on. */
  start(): void {
    const m = this.discovery.monitoring();
    this.monitors = { serviceMonitors: m.serviceMonitors, podMonitors: m.podMonitors };
    m.prometheusRules.release();
    for (const h of Object.values(this.monitors)) this.unsubscribe.push(h.informer.onChange(() => this.scheduleSync()));
    // Jobs start once the monitors are listed: a built-in job that a monitor covers would
    // otherwise scrape once, write every series under its labels and hand over a moment later.
    void Promise.all(Object.values(this.monitors).map((h) => h.informer.waitForSync())).then(() => this.scheduleSync());
    this.usageNodes = this.discovery.informers.acquire({ version: 'v1', resource: 'nodes' });
    const every = this.opts.derivedCheckMs ?? 10_000;
    if (every > 0) {
      this.derivedTimer = setInterval(() => void this.checkDerived(), every);
      this.derivedTimer.unref?.();
    }
  }

  /**
   * Derives nodes' usage from metrics-server where it cannot be scraped (checkUsage), and
   * kube-state-metrics' series when discovery has settled and found no kube-state-metrics
   * target twice in a row (a restarting one is not mistaken for a missing one); stops as soon as
   * the cluster has one again, whose own series then take over.
   */
  async checkDerived(): Promise<void> {
    if (this.stopped) return;
    // Also the moment to forget routes of targets that went away.
    this.refreshRoutes();
    const settled = [...this.jobs.values()].every((j) => !j.source || j.source.status().state === 'synced') && !!this.monitors?.serviceMonitors.informer.synced && !!this.monitors.podMonitors.informer.synced;
    if (settled) await this.checkUsage();
    const real = this.manager.targets().active.some((t) => t.job !== DERIVED_STATE_JOB && t.labels.job === 'kube-state-metrics');
    if (real) {
      this.ksmMissing = 0;
      if (this.derived) {
        this.opts.log?.('kube-state-metrics found in the cluster: no longer deriving its series from the API');
        const d = this.derived;
        this.derived = null;
        await this.manager.removePool(DERIVED_STATE_JOB);
        d.release();
      }
      return;
    }
    if (this.derived) return;
    if (!settled) return;
    if (++this.ksmMissing < 2) return;
    this.opts.log?.('no kube-state-metrics in the cluster: deriving its series from the Kubernetes API');
    this.derived = new DerivedState(this.discovery.informers);
    const config = derivedStateConfig(this.global);
    this.manager.addPool(config, new StaticSource(config.staticConfigs));
  }

  /**
   * Derives nodes' usage from metrics-server where their own sources have been missing or down
   * on two checks (metrics-server.ts), and stops for each node whose source is up again.
   */
  private async checkUsage(): Promise<void> {
    const nodes = this.usageNodes?.informer;
    if (!nodes?.synced || this.stopped) return;
    const active = this.manager.targets().active.filter((t) => t.job !== METRICS_SERVER_JOB);
    const before = this.usage.derivation.plan.size;
    const plan = this.usage.derivation.update(nodes.list().map((n) => n.metadata?.name ?? '').filter(Boolean), active);
    if (plan.size > 0 && !this.usage.running) {
      this.opts.log?.(`deriving CPU and memory usage from metrics-server for ${plan.size} node(s) whose kubelet or node-exporter cannot be scraped`);
      this.usage.running = true;
      this.usagePods = this.discovery.informers.acquire({ version: 'v1', resource: 'pods' });
      const config = metricsServerConfig(this.global);
      this.manager.addPool(config, new StaticSource(config.staticConfigs));
    } else if (plan.size === 0 && this.usage.running) {
      this.opts.log?.('every node’s usage is scraped again: no longer deriving it from metrics-server');
      this.usage.running = false;
      await this.manager.removePool(METRICS_SERVER_JOB);
      this.usagePods?.release();
      this.usagePods = null;
    } else if (plan.size !== before) {
      this.opts.log?.(`deriving usage from metrics-server for ${plan.size} node(s)`);
    }
  }

  /** The metrics-server job's fetcher: NodeMetrics and PodMetrics, rendered for the derived nodes. */
  private readonly usageFetcher: Fetcher = async (req) => {
    const plan = this.usage.derivation.plan;
    const wantNodes = [...plan.values()].some((p) => p.node);
    const wantPods = [...plan.values()].some((p) => p.containers);
    const [nodeMetrics, podMetrics] = await Promise.all([
      wantNodes ? listMetrics<NodeMetrics>(this.kubeFetcher, this.server, 'nodes', req.timeoutMs, req.signal) : [],
      wantPods ? listMetrics<PodMetrics>(this.kubeFetcher, this.server, 'pods', req.timeoutMs, req.signal) : [],
    ]);
    const podNodes = new Map<string, string>();
    const pods = this.usagePods?.informer;
    if (wantPods && !pods?.synced) throw new ScrapeError('cannot place PodMetrics on their nodes: pods are not listed yet');
    for (const p of pods?.list() ?? []) {
      const node = (p as unknown as { spec?: { nodeName?: string } }).spec?.nodeName;
      if (node) podNodes.set(`${p.metadata?.namespace}/${p.metadata?.name}`, node);
    }
    const text = this.usage.series.render(plan, nodeMetrics, podMetrics, (ns, pod) => podNodes.get(`${ns}/${pod}`));
    return { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: Buffer.from(text) };
  };

  /** Nodes whose usage comes from metrics-server, with why. */
  get derivedUsage(): ReadonlyMap<string, { containers?: string; node?: string }> {
    return this.usage.running ? this.usage.derivation.plan : new Map();
  }

  private syncTimer: ReturnType<typeof setTimeout> | null = null;

  /** Monitor changes come in bursts (the initial list): one re-plan per burst. */
  private scheduleSync(): void {
    if (this.syncTimer || this.stopped) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      this.sync();
    }, 50);
  }

  /** Brings the pools in line with the built-in jobs and the monitors now known. */
  sync(): void {
    if (this.stopped || !this.monitors?.serviceMonitors.informer.synced || !this.monitors.podMonitors.informer.synced) return;
    const wanted = new Map<string, { job: MonitorJob; origin: string }>();
    const covered = new Set<string>();
    const invalid: ClusterJobStatus[] = [];
    for (const obj of this.monitors?.serviceMonitors.informer.list() ?? []) {
      const sm = obj as unknown as ServiceMonitor;
      for (const j of serviceMonitorJobs(sm)) wanted.set(j.jobName, { job: j, origin: `ServiceMonitor ${sm.metadata.namespace}/${sm.metadata.name}` });
      for (const c of coveredDefaults(selectorValues(sm))) covered.add(c);
    }
    for (const obj of this.monitors?.podMonitors.informer.list() ?? []) {
      const pm = obj as unknown as PodMonitor;
      for (const j of podMonitorJobs(pm)) wanted.set(j.jobName, { job: j, origin: `PodMonitor ${pm.metadata.namespace}/${pm.metadata.name}` });
      for (const c of coveredDefaults(selectorValues(pm))) covered.add(c);
    }
    for (const j of defaultJobs()) wanted.set(j.jobName, { job: j, origin: 'built in' });

    for (const [name, running] of this.jobs) {
      const next = wanted.get(name);
      if (!next || JSON.stringify(next.job.config) !== running.key || covered.has(name) !== (running.disabled !== undefined)) this.removeJob(name);
    }
    for (const [name, { job, origin }] of wanted) {
      if (this.jobs.has(name)) continue;
      const key = JSON.stringify(job.config);
      if (covered.has(name)) {
        this.jobs.set(name, { job, origin, key, source: null, disabled: 'the cluster’s own ServiceMonitors or PodMonitors scrape these targets' });
        continue;
      }
      let config: ScrapeConfig;
      let source: KubernetesSDSource;
      try {
        config = parseRawScrapeConfig(job.config, this.global, `${origin}, job ${name}`);
        source = this.discovery.source(config.kubernetesSDConfigs[0]!);
      } catch (err) {
        this.jobs.set(name, { job, origin, key, source: null, disabled: (err as Error).message });
        invalid.push({ job: name, origin, notes: job.notes, discovery: null, disabled: (err as Error).message });
        continue;
      }
      this.jobs.set(name, { job, origin, key, source });
      this.manager.addPool(config, source);
    }
    for (const i of invalid) this.opts.log?.(`${i.origin}: ${i.disabled}`);
  }

  private removeJob(name: string): void {
    const running = this.jobs.get(name);
    if (!running) return;
    this.jobs.delete(name);
    if (running.source) void this.manager.removePool(name);
  }

  /** Every job with where it comes from, its discovery's health and why it may be off. */
  jobStatus(): ClusterJobStatus[] {
    const out: ClusterJobStatus[] = [...this.jobs.entries()].map(([job, r]) => ({
      job,
      origin: r.origin,
      notes: r.job.notes,
      discovery: r.source?.status() ?? null,
      ...(r.disabled ? { disabled: r.disabled } : {}),
    }));
    if (this.derived) {
      const problems = this.derived.problems();
      out.push({
        job: DERIVED_STATE_JOB,
        origin: 'derived from the Kubernetes API',
        notes: [
          'The cluster has no kube-state-metrics: Kubeglass writes its series (nodes, pods, requests and limits, restarts, workloads) from the objects it watches, with the same names and labels.',
          ...problems.map((p) => `not derived, the API refused the list: ${p}`),
        ],
        discovery: null,
      });
    }
    const usage = this.derivedUsage;
    if (usage.size > 0) {
      const lines = [...usage].sort(([a], [b]) => a.localeCompare(b)).map(([node, p]) => {
        const what = [p.containers ? `containers’ CPU and memory (${p.containers})` : '', p.node ? `the node’s CPU and memory (${p.node})` : ''].filter(Boolean);
        return `${node}: ${what.join('; ')}`;
      });
      out.push({
        job: METRICS_SERVER_JOB,
        origin: 'derived from metrics.k8s.io (metrics-server)',
        notes: [
          'Where a node’s kubelet or node-exporter cannot be scraped, Kubeglass writes its CPU and memory usage from metrics-server under job="kubeglass/metrics-server", with the kubelet’s metric names (CPU counters integrated from the reported rates; working set as reported). The dashboards use them only where the scraped series are missing. Derived now:',
          ...lines,
        ],
        discovery: null,
      });
    }
    return out;
  }

  /**
   * The cluster's ServiceMonitors and PodMonitors being listed: until they are, no job starts (see
   * start()); `error` says why the API server does not answer, where it does not.
   */
  monitorsStatus(): { synced: boolean; error: string | null } {
    const hs = this.monitors ? [this.monitors.serviceMonitors, this.monitors.podMonitors] : [];
    return { synced: hs.length > 0 && hs.every((h) => h.informer.synced), error: hs.map((h) => h.informer.status.error).find((e) => e) ?? null };
  }

  /** Whether kube-state-metrics' series are being derived from the API. */
  get deriving(): boolean {
    return this.derived !== null;
  }

  targets(): { active: TargetStatus[]; dropped: DroppedTarget[] } {
    return this.manager.targets();
  }

  /** Stops scraping (no staleness markers: the next start resumes) and discovery. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    if (this.rerouteTimer) clearTimeout(this.rerouteTimer);
    if (this.derivedTimer) clearInterval(this.derivedTimer);
    for (const u of this.unsubscribe) u();
    await this.manager.stop();
    this.derived?.release();
    this.derived = null;
    this.usageNodes?.release();
    this.usagePods?.release();
    this.usageNodes = this.usagePods = null;
    this.kubeFetcher.close?.();
    this.portForwards.close();
    this.monitors?.serviceMonitors.release();
    this.monitors?.podMonitors.release();
    this.discovery.stop();
  }
}
