// The engine: owns kubeconfig state, settings and (in later layers) the Kubernetes clients,
// scrapers, storage and rules. It runs off the UI thread (a worker thread in browser mode,
// a utilityProcess in Electron) and is reached only through the contract's handlers.
import os from 'node:os';
import type { AlertSettings, AppInfo, ConnectionStatus, ContextsState, EventPayload, Handlers, Reachability } from '../api/contract.js';
import { ContractError } from '../api/contract.js';
import type { EventName } from '../api/names.js';
import { chooseContext, loadKubeconfig, singleContextKubeconfig, toContextsState, type KubeconfigEnv, type MergedKubeconfig } from '../kube/kubeconfig.js';
import { probeKubeconfig, type ProbeResult } from '../kube/probe.js';
import { watchFiles, type FileWatch } from '../kube/watch.js';
import { lockDataDir } from '../settings/lock.js';
import { SettingsStore } from '../settings/store.js';
import { createCapture, deleteCapture, describeCapture, listCaptures, listContextDbs, type CaptureSummary } from '../tsdb/store.js';
import { Matcher } from '../model/matchers.js';
import { VERSION } from '../version.js';
import { ContextDbs } from './dbs.js';
import { startDemoCluster, type RunningDemoCluster } from '../demo/index.js';
import path from 'node:path';
import { QueryService, type QueryHandlers } from './queries.js';
import { ScrapeService } from './scraping.js';
import { AlertingService } from './alerting.js';
import { RemoteWriteService } from './remote-write.js';

export interface EngineOptions {
  dataDir: string;
  shell: AppInfo['shell'];
  env?: KubeconfigEnv;
  home?: string;
  /** Replaces the API-server probe (tests). */
  probe?: (kubeconfigYaml: string) => Promise<ProbeResult>;
  probeIntervalMs?: number;
  watch?: boolean;
  now?: () => number;
  /**
   * Discover and scrape the selected context into its database (default true). Off for tests of
   * other layers and for `kubeglass serve --no-scrape`.
   */
  scrape?: boolean;
  scrapeIntervalMs?: number;
  /**
   * Open on this capture, read-only, and keep it open (`kubeglass serve --capture`): no scraping,
   * rules or demo cluster; every page reads the capture.
   */
  capture?: string;
  /**
   * With no kubeconfig context at all, run the built-in demo cluster and open on it (default
   * true). It stops as soon as a real kubeconfig appears.
   */
  demo?: boolean;
  /** Size of the demo cluster (default 6 nodes). */
  demoNodes?: number;
  log?: (line: string) => void;
  /** Query this context's data whatever context is selected (`kubeglass serve --context`). */
  context?: string;
  /** Evaluate alert rules for the scraped contexts (default: whenever scraping runs). */
  alerting?: boolean;
  /** The evaluation interval of rule groups without their own (default 30s). */
  ruleIntervalMs?: number;
  /** Where links in notifications point (the app's address in browser mode). */
  externalURL?: string;
  /** The built-in rules (default resources/rules). */
  builtinRulesDir?: string;
}

export type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export class Engine {
  private merged: MergedKubeconfig;
  private state: ContextsState;
  private connection: ConnectionStatus;
  private readonly settings: SettingsStore;
  private watcher: FileWatch | null = null;
  private probeTimer: ReturnType<typeof setInterval> | null = null;
  private probeGeneration = 0;
  private readonly probe: (yaml: string) => Promise<ProbeResult>;
  private readonly now: () => number;
  private emit: Emit = () => {};
  private readonly lock: { release(): void };
  private readonly queries: QueryService;
  private readonly dbs: ContextDbs;
  private readonly scraping: ScrapeService | null;
  private readonly alerting: AlertingService | null;
  private demo: RunningDemoCluster | null = null;
  /** Probe answers of this session, per context. */
  private readonly reach = new Map<string, Reachability>();
  private readonly remoteWrite: RemoteWriteService;
  private probingOthers = false;
  private othersTimer: ReturnType<typeof setInterval> | null = null;
  /** The capture the pages read instead of live data. */
  private viewCapture: CaptureSummary | null = null;
  private demoStarting: Promise<void> | null = null;
  private closed = false;
  readonly handlers: Handlers;

  constructor(private readonly opts: EngineOptions) {
    // Checked before the data directory is locked: a wrong file leaves nothing held.
    if (opts.capture !== undefined) this.viewCapture = this.describeCapture(opts.capture);
    this.lock = lockDataDir(opts.dataDir);
    this.now = opts.now ?? Date.now;
    this.probe = opts.probe ?? ((yaml) => probeKubeconfig(yaml));
    this.settings = new SettingsStore(opts.dataDir);
    this.merged = this.loadMerged();
    this.state = this.buildState();
    this.connection = this.idleConnection();
    this.dbs = new ContextDbs(opts.dataDir);
    this.remoteWrite = new RemoteWriteService({ get: () => this.settings.get().remoteWrite, set: (remoteWrite) => this.settings.update({ remoteWrite }) });
    this.queries = new QueryService({
      dataDir: opts.dataDir,
      context: () => opts.context ?? this.state.selected,
      capture: () => this.viewCapture?.file ?? null,
      now: this.now,
      dbs: this.dbs,
    });
    this.scraping =
      opts.scrape === false || opts.capture !== undefined
        ? null
        : new ScrapeService({
            dbs: this.dbs,
            kubeconfigFor: (context) => (this.merged.contexts.has(context) ? singleContextKubeconfig(this.merged, context) : null),
            preferPortForward: (context) => this.settings.get().portForwardContexts.includes(context),
            appendableFor: (context, tsdb) => this.remoteWrite.appendableFor(context, tsdb),
            scrapeIntervalMs: opts.scrapeIntervalMs,
            log: opts.log,
            now: this.now,
          });
    this.alerting =
      this.scraping && opts.alerting !== false
        ? new AlertingService({
            dataDir: opts.dataDir,
            dbs: this.dbs,
            defaultIntervalMs: opts.ruleIntervalMs,
            externalURL: opts.externalURL,
            builtinRulesDir: opts.builtinRulesDir,
            watch: opts.watch,
            log: opts.log,
            kubeconfigFor: (context) => (this.merged.contexts.has(context) ? singleContextKubeconfig(this.merged, context) : null),
            // The demo cluster's PrometheusRules (its CountGreaterThan5 example) are read unless turned off.
            clusterRulesDefault: () => this.state.origin === 'demo',
            onDesktop: (n) => this.emit('alerts.notification', n),
            settings: {
              get: () => {
                const s = this.settings.get();
                return { clusterRules: s.clusterRules, mutedContexts: s.mutedContexts, doNotDisturb: s.doNotDisturb };
              },
              update: (patch) => void this.settings.update(patch),
            },
          })
        : null;
    this.handlers = { ...this.ownHandlers, ...this.queries.handlers };
  }

  /** Starts watching kubeconfig files and probing the selected context; events go to `emit`. */
  start(emit: Emit): void {
    this.emit = emit;
    if (this.opts.watch !== false) this.rewatch();
    void this.checkConnection();
    void this.probeOthers();
    this.syncScraping();
    this.demoIfNeeded();
    const every = this.opts.probeIntervalMs ?? 30_000;
    if (every > 0) {
      this.probeTimer = setInterval(() => void this.checkConnection(), every);
      this.probeTimer.unref?.();
      // The other contexts less often: a long kubeconfig must not mean a probe storm.
      this.othersTimer = setInterval(() => void this.probeOthers(), Math.max(every * 10, 60_000));
      this.othersTimer.unref?.();
    }
  }

  /** Stops everything; resolves once scrapes have stopped and databases are closed. */
  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    if (this.probeTimer) clearInterval(this.probeTimer);
    if (this.othersTimer) clearInterval(this.othersTimer);
    this.probeGeneration++;
    this.queries.close();
    try {
      await this.alerting?.close();
      await this.scraping?.close();
      await this.demoStarting;
      await this.demo?.close();
      this.remoteWrite.close();
    } finally {
      this.lock.release();
    }
  }

  private readonly ownHandlers: Omit<Handlers, keyof QueryHandlers> = {
    'app.info': async () => this.appInfo(),
    'remoteWrite.get': async ({ context }) => this.remoteWrite.state(context),
    'remoteWrite.set': async ({ context, config }) => {
      const { rewire } = this.remoteWrite.configure(context, config);
      // Scrapes already running append straight to the database: they start again through the tee.
      if (rewire) await this.scraping?.restart(context);
      return this.remoteWrite.state(context);
    },
    'captures.create': async ({ context, name, note, from, to }) => {
      // The live database when the context is open (scraped or viewed), else its file.
      const known = this.merged.contexts.has(context) || listContextDbs(this.opts.dataDir).some((d) => d.context === context);
      if (!known) throw new ContractError('not_found', `context "${context}" has no stored data`);
      const lease = this.dbs.acquire(context);
      try {
        return await createCapture(this.opts.dataDir, { context, name, note, from, to, matchers: [new Matcher('=~', '__name__', '.+')], source: lease.tsdb }, this.now());
      } catch (err) {
        throw new ContractError('internal', `the capture was not written: ${(err as Error).message}`);
      } finally {
        lease.release();
      }
    },
    'captures.delete': async ({ file }) => {
      if (this.viewCapture?.file === file) throw new ContractError('unavailable', 'the capture is open: go back to live data first');
      try {
        deleteCapture(this.opts.dataDir, file);
      } catch (err) {
        throw new ContractError('not_found', (err as Error).message);
      }
      return {};
    },
    'captures.open': async ({ file }) => {
      if (this.opts.capture !== undefined) throw new ContractError('unavailable', 'this window shows the capture it was started with (kubeglass serve --capture)');
      // Only captures of this data directory: the renderer names files, it does not choose paths.
      const known = listCaptures(this.opts.dataDir).find((c) => c.file === file);
      if (!known) throw new ContractError('not_found', `${file} is not a capture in ${path.join(this.opts.dataDir, 'captures')}`);
      this.viewCapture = this.describeCapture(file);
      return this.appInfo();
    },
    'captures.close': async () => {
      if (this.opts.capture !== undefined) throw new ContractError('unavailable', 'this window shows the capture it was started with (kubeglass serve --capture)');
      this.viewCapture = null;
      return this.appInfo();
    },
    'contexts.list': async () => this.state,
    'contexts.select': async ({ name }) => {
      if (!this.merged.contexts.has(name)) throw new ContractError('not_found', `context "${name}" is not in the kubeconfig`);
      this.settings.update({ selectedContext: name });
      this.publish(this.buildState());
      return this.state;
    },
    'contexts.reload': async () => {
      this.reload(true);
      return this.state;
    },
    'connection.get': async () => this.connection,
    'connection.check': async () => this.checkConnection(),
    'contexts.setPortForward': async ({ name, portForward }) => {
      if (portForward && !this.merged.contexts.has(name)) throw new ContractError('not_found', `context "${name}" is not in the kubeconfig`);
      const current = this.settings.get().portForwardContexts.filter((c) => c !== name);
      this.settings.update({ portForwardContexts: portForward ? [...current, name] : current });
      this.publish(this.buildState());
      return this.state;
    },
    'contexts.setBackground': async ({ name, background }) => {
      if (background && !this.merged.contexts.has(name)) throw new ContractError('not_found', `context "${name}" is not in the kubeconfig`);
      const current = this.settings.get().backgroundContexts.filter((c) => c !== name);
      this.settings.update({ backgroundContexts: background ? [...current, name] : current });
      this.publish(this.buildState());
      return this.state;
    },
    'targets.list': async () => this.scraping?.state() ?? { context: null, state: 'off', message: 'scraping is turned off', jobs: [], active: [], dropped: [] },
    'scraping.status': async () => this.scraping?.status() ?? { engineCpuPercent: 0, contexts: [] },
    'alerts.list': async ({ context }) => ({ viewed: this.viewedContext(), alerts: this.alerting?.alerts(context) ?? [] }),
    'rules.list': async (filter) => this.alerting?.rules(this.viewedContext(), filter) ?? { viewed: this.viewedContext(), contexts: [], problems: [] },
    'alerts.reloadRules': async () => {
      await this.alerting?.reload();
      return this.alerting?.rules(this.viewedContext()) ?? { viewed: this.viewedContext(), contexts: [], problems: [] };
    },
    'silences.list': async () => this.alerting?.silences() ?? [],
    'silences.create': async ({ fingerprint, comment, createdBy, durationMs }) => {
      if (!this.alerting) throw new ContractError('unavailable', 'alerting is turned off');
      return this.alerting.silence(fingerprint, { comment, createdBy, durationMs });
    },
    'silences.expire': async ({ id }) => {
      if (!this.alerting) throw new ContractError('unavailable', 'alerting is turned off');
      return this.alerting.expireSilence(id);
    },
    'alerts.settings': async () => this.alertSettings(),
    'alerts.setSettings': async (p) => {
      if (!this.alerting) throw new ContractError('unavailable', 'alerting is turned off');
      await this.alerting.setSettings(p);
      return this.alertSettings();
    },
    'storage.list': async () => ({
      dataDir: this.opts.dataDir,
      databases: listContextDbs(this.opts.dataDir),
      captures: listCaptures(this.opts.dataDir),
    }),
  };

  private appInfo(): AppInfo {
    return {
      name: 'Kubeglass',
      version: VERSION,
      shell: this.opts.shell,
      dataDir: this.opts.dataDir,
      platform: `${os.platform()}-${os.arch()}`,
      nodeVersion: process.versions.node,
      capture: this.viewCapture,
      captureLocked: this.opts.capture !== undefined,
    };
  }

  private describeCapture(file: string): CaptureSummary {
    try {
      return describeCapture(file);
    } catch (err) {
      throw new ContractError('bad_data', (err as Error).message);
    }
  }

  /** The context Prometheus's API and the Alerts page's timeline read: serve's --context, else the selected one. */
  private viewedContext(): string | null {
    return this.opts.context ?? this.state.selected;
  }

  private alertSettings(): AlertSettings {
    const contexts = this.state.contexts.map((c) => c.name);
    return this.alerting?.settings(contexts) ?? { doNotDisturb: false, mutedContexts: [], clusterRules: [] };
  }

  private env(): KubeconfigEnv {
    return this.opts.env ?? process.env;
  }

  private buildState(): ContextsState {
    const selected = chooseContext(this.merged, this.settings.get().selectedContext);
    const { backgroundContexts, portForwardContexts } = this.settings.get();
    const state = toContextsState(this.merged, selected, this.now(), backgroundContexts, portForwardContexts);
    state.reachability = this.reachabilityState(state.contexts.map((c) => c.name));
    if (this.settings.loadProblem) state.issues.push({ file: this.opts.dataDir, severity: 'warning', message: this.settings.loadProblem });
    return state;
  }

  private publish(next: ContextsState): void {
    const prevSelected = this.state.selected;
    const prevServer = this.selectedFingerprint(this.state);
    this.state = next;
    this.emit('contexts.changed', next);
    if (next.selected !== prevSelected || this.selectedFingerprint(next) !== prevServer) void this.checkConnection();
    this.syncScraping();
  }

  /** Each scraped context's kubeconfig when its scrapes started: a change starts them over. */
  private readonly scrapedFingerprints = new Map<string, string>();

  /** Scrapes the selected context and the background ones; new credentials or server restart one. */
  private syncScraping(): void {
    if (!this.scraping) return;
    const { selected, background } = this.state;
    const wanted = new Set(background);
    if (selected !== null) wanted.add(selected);
    for (const c of wanted) {
      // A change of access (port-forward chosen or not) starts the context's scrapes over too.
      const fp = (this.merged.contexts.has(c) ? singleContextKubeconfig(this.merged, c) : '') + (this.state.portForward.includes(c) ? '\npods by port-forward' : '');
      const prev = this.scrapedFingerprints.get(c);
      if (prev !== undefined && prev !== fp) {
        void this.scraping.restart(c);
        void this.alerting?.restart(c);
      }
      this.scrapedFingerprints.set(c, fp);
    }
    for (const c of [...this.scrapedFingerprints.keys()]) if (!wanted.has(c)) this.scrapedFingerprints.delete(c);
    void this.alerting?.follow(wanted);
    void this.scraping.follow(selected);
    void this.scraping.keepInBackground(background.filter((c) => c !== selected));
  }

  private selectedFingerprint(state: ContextsState): string {
    if (state.selected === null || !this.merged.contexts.has(state.selected)) return '';
    return singleContextKubeconfig(this.merged, state.selected);
  }

  /** Re-reads the kubeconfig files; publishes only when something a user could see changed. */
  /**
   * The user's kubeconfig; while it has no context and the demo cluster runs, the demo's (a file
   * of its own, listed as the only one, so the UI can say it is the demo).
   */
  private loadMerged(): MergedKubeconfig {
    const real = loadKubeconfig(this.env(), this.opts.home);
    if (real.contexts.size > 0 || !this.demo) {
      if (real.contexts.size > 0 && this.demo) this.stopDemo();
      return real;
    }
    const demo = loadKubeconfig({ KUBECONFIG: this.demo.kubeconfigPath! }, this.opts.home);
    const issues = [
      {
        file: real.files[0] ?? '',
        severity: 'info' as const,
        message: 'No kubeconfig context was found, so Kubeglass opened its built-in demo cluster: simulated nodes and data. Add a kubeconfig and the demo ends.',
      },
      ...demo.issues,
    ];
    return { ...demo, origin: 'demo', watched: real.files, issues };
  }

  private demoIfNeeded(): void {
    if (this.opts.demo === false || this.opts.capture !== undefined || this.demo || this.demoStarting || this.closed || this.merged.contexts.size > 0) return;
    const dir = path.join(this.opts.dataDir, 'demo');
    this.demoStarting = startDemoCluster({ nodes: this.opts.demoNodes ?? 6, stateDir: dir, kubeconfigOut: path.join(dir, 'kubeconfig'), contextName: 'kubeglass-demo' }).then(
      async (d) => {
        this.demoStarting = null;
        if (this.closed) return d.close();
        this.demo = d;
        this.reload(true);
      },
      (err: unknown) => {
        this.demoStarting = null;
        this.opts.log?.(`the demo cluster did not start: ${(err as Error).message}`);
      },
    );
  }

  private stopDemo(): void {
    const d = this.demo;
    this.demo = null;
    void d?.close();
  }

  private reload(force: boolean): void {
    const merged = this.loadMerged();
    const filesChanged = merged.files.join('\0') !== this.merged.files.join('\0');
    if (!force && merged.fingerprint === this.merged.fingerprint) return;
    this.merged = merged;
    if (filesChanged && this.opts.watch !== false) this.rewatch();
    this.publish(this.buildState());
  }

  private rewatch(): void {
    this.watcher?.close();
    // While the demo runs, the user's own (missing) files are watched: creating one ends the demo.
    const files = this.merged.watched ?? this.merged.files;
    this.watcher = watchFiles(files, () => this.reload(false));
  }

  private idleConnection(): ConnectionStatus {
    return { context: this.state.selected, state: 'none', serverVersion: null, message: 'no context selected', checkedAt: null, latencyMs: null };
  }

  private async checkConnection(): Promise<ConnectionStatus> {
    const generation = ++this.probeGeneration;
    const context = this.state.selected;
    if (context === null) {
      this.setConnection(this.idleConnection());
      return this.connection;
    }
    const info = this.state.contexts.find((c) => c.name === context);
    if (info && info.problems.length > 0) {
      this.setConnection({ context, state: 'error', serverVersion: null, message: info.problems.join('; '), checkedAt: this.now(), latencyMs: null });
      return this.connection;
    }
    if (this.connection.context !== context) {
      this.setConnection({ context, state: 'connecting', serverVersion: null, message: `connecting to ${info?.server ?? context}`, checkedAt: null, latencyMs: null });
    }
    const result = await this.probe(singleContextKubeconfig(this.merged, context));
    this.recordReach(context, result);
    // A newer check (another context chosen meanwhile) owns the status now.
    if (generation !== this.probeGeneration) return this.connection;
    this.setConnection({ context, ...result, checkedAt: this.now() });
    return this.connection;
  }

  /** Every context's reachability; never-probed ones are "unknown" with their stored last contact. */
  private reachabilityState(names: string[]): Record<string, Reachability> {
    const stored = this.settings.get().lastContact;
    const out: Record<string, Reachability> = {};
    for (const name of names) out[name] = this.reach.get(name) ?? { state: 'unknown', lastContact: stored[name] ?? null, offlineSince: null, checkedAt: null, message: '' };
    return out;
  }

  /** Files a probe's answer; publishes when a context goes online or offline. */
  private recordReach(context: string, result: ProbeResult): void {
    const now = this.now();
    const prev = this.reach.get(context);
    const stored = this.settings.get().lastContact;
    const online = result.state === 'connected';
    const lastContact = online ? now : (prev?.lastContact ?? stored[context] ?? null);
    const state: Reachability['state'] = online ? 'online' : result.state === 'unreachable' ? 'offline' : 'unknown';
    const next: Reachability = {
      state,
      lastContact,
      offlineSince: state === 'offline' ? (prev?.state === 'offline' ? prev.offlineSince : now) : null,
      checkedAt: now,
      message: result.message,
    };
    this.reach.set(context, next);
    // Written at most once a minute per context: "offline since" needs minutes, not every probe.
    if (online && now - (stored[context] ?? 0) >= 60_000) this.settings.update({ lastContact: { ...stored, [context]: now } });
    if (prev?.state !== next.state && !this.closed) this.publish(this.buildState());
  }

  /**
   * Probes the contexts that are not selected, one at a time, so the Contexts page can say which
   * are offline; the selected one is probed on its own schedule.
   */
  private async probeOthers(): Promise<void> {
    if (this.probingOthers || this.opts.capture !== undefined) return;
    this.probingOthers = true;
    try {
      for (const info of this.state.contexts) {
        if (this.closed) return;
        if (info.name === this.state.selected || info.problems.length > 0 || !this.merged.contexts.has(info.name)) continue;
        const result = await this.probe(singleContextKubeconfig(this.merged, info.name)).catch(
          (err: Error): ProbeResult => ({ state: 'error', serverVersion: null, message: err.message, latencyMs: null }),
        );
        this.recordReach(info.name, result);
      }
    } finally {
      this.probingOthers = false;
    }
  }

  private setConnection(next: ConnectionStatus): void {
    const prev = this.connection;
    this.connection = next;
    if (prev?.state !== next.state || prev.context !== next.context || prev.message !== next.message || prev.serverVersion !== next.serverVersion) {
      this.emit('connection.changed', next);
    }
  }
}
