// Alerting for the engine host: for every scraped context (the selected one and those kept in the
// background) rule groups from three sources — the built-in resources/rules, the user's rule files
// (DATA_DIR/rules/*.yaml|yml) and, where enabled, the context's PrometheusRule objects — are
// evaluated on their intervals against that context's database, and their alerts (with a
// `context` label) go to one shared Alertmanager-style Notifier, whose state is kept in the data
// directory so a restart does not notify again.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as yamlStringify } from 'yaml';
import type { AlertInfo, AlertSettings, EventPayload, RuleGroupInfo, RuleProblem, RulesFilterParams, RulesState, SilenceInfo } from '../api/contract.js';
import { ContractError } from '../api/errors.js';
import {
  type Clock,
  type DesktopNotice,
  defaultAlertingConfig,
  fingerprint,
  Notifier,
  type NotifierState,
  type PostableAlert,
  parseAlertingConfig,
  realClock,
  type Silence,
  type SilenceState,
} from '../alerting/index.js';
import { KubernetesDiscovery } from '../kube/sd/discovery.js';
import type { InformerHandle } from '../kube/sd/informer.js';
import type { KubeObject } from '../kube/sd/types.js';
import { labelsToRecord } from '../model/labels.js';
import { PromEngine } from '../promql/engine.js';
import type { NotifierAlert } from '../rules/alerting.js';
import { rulesResponse, apiAlert } from '../rules/api.js';
import { groupsFromDefs, type Group } from '../rules/group.js';
import { engineQueryFunc } from '../rules/rule.js';
import { parseRuleFile, type RuleGroupDef } from '../rules/rulefmt.js';
import { RuleScheduler } from '../rules/scheduler.js';
import type { ContextDbs, DbLease } from './dbs.js';

export type RuleSource = 'builtin' | 'user' | 'cluster';

/** A file's parsed groups (or why it could not be used). */
interface RuleFile {
  file: string;
  source: RuleSource;
  groups: RuleGroupDef[];
  error: string | null;
}

/** Where a context's PrometheusRule objects come from (tests inject their own). */
export interface ClusterRuleSource {
  /** The objects now. */
  list(): KubeObject[];
  /** Called when they change; returns an unsubscribe. */
  onChange(fn: () => void): () => void;
  stop(): void;
}

export interface AlertingServiceOptions {
  dataDir: string;
  dbs: ContextDbs;
  clock?: Clock;
  engine?: PromEngine;
  /** Default: resources/rules next to the build (or the sources). */
  builtinRulesDir?: string;
  /** The evaluation interval of groups without their own (default 30s, kube-prometheus's). */
  defaultIntervalMs?: number;
  /** A desktop notice is due (the engine emits it as an event). */
  onDesktop?: (n: EventPayload<'alerts.notification'>) => void;
  fetch?: typeof fetch;
  externalURL?: string;
  log?: (line: string) => void;
  /** Watch DATA_DIR/rules and alerting.yml for changes (default true). */
  watch?: boolean;
  /** A kubeconfig with just this context, or null (for reading PrometheusRule objects). */
  kubeconfigFor?: (context: string) => string | null;
  /** Makes the PrometheusRule source of a context (default: an informer through KubernetesDiscovery). */
  clusterRules?: (context: string, kubeconfig: string) => ClusterRuleSource;
  /** Whether a context reads its PrometheusRule objects when the user has not chosen (default: off). */
  clusterRulesDefault?: (context: string) => boolean;
  /** The user's choices, persisted by the engine's settings. */
  settings: {
    get(): { clusterRules: Record<string, boolean>; mutedContexts: string[]; doNotDisturb: boolean };
    update(patch: Partial<{ clusterRules: Record<string, boolean>; mutedContexts: string[]; doNotDisturb: boolean }>): void;
  };
}

interface ContextRules {
  context: string;
  lease: DbLease;
  scheduler: RuleScheduler;
  cluster: { source: ClusterRuleSource; unsubscribe: () => void; timer: ReturnType<typeof setTimeout> | null } | null;
  clusterFiles: RuleFile[];
  /** group key → source */
  sources: Map<string, RuleSource>;
  loadedOnce: boolean;
  /** The rule files the running groups were built from (a rebuild with the same ones does nothing). */
  builtFrom: string;
  chain: Promise<void>;
}

const STATE_FILE = 'alerting-state.json';
const CONFIG_FILE = 'alerting.yml';

/** resources/rules: two levels up from this module, in the sources (core/host) and the build (dist/host). */
export function defaultBuiltinRulesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', '..', 'resources', 'rules');
}

function readRuleDir(dir: string, source: RuleSource): RuleFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => /\.ya?ml$/i.test(f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return [{ file: dir, source, groups: [], error: (err as Error).message }];
  }
  return names.map((n) => {
    const file = path.join(dir, n);
    try {
      const parsed = parseRuleFile(readFileSync(file, 'utf8'));
      if (parsed.errors.length > 0) return { file, source, groups: [], error: parsed.errors.join('; ') };
      return { file, source, groups: parsed.groups, error: null };
    } catch (err) {
      return { file, source, groups: [], error: (err as Error).message };
    }
  });
}

/** One PrometheusRule object's groups, named `prometheusrule/NAMESPACE/NAME`. */
export function clusterRuleFile(obj: KubeObject): RuleFile {
  const file = `prometheusrule/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
  try {
    const parsed = parseRuleFile(yamlStringify({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: obj.metadata?.name }, spec: (obj as { spec?: unknown }).spec ?? {} }), { ignoreUnknownFields: true });
    if (parsed.errors.length > 0) return { file, source: 'cluster', groups: [], error: parsed.errors.join('; ') };
    return { file, source: 'cluster', groups: parsed.groups, error: null };
  } catch (err) {
    return { file, source: 'cluster', groups: [], error: (err as Error).message };
  }
}

function informerClusterRules(context: string, kubeconfig: string): ClusterRuleSource {
  const discovery = KubernetesDiscovery.fromKubeconfig(kubeconfig, context);
  const m = discovery.monitoring();
  m.serviceMonitors.release();
  m.podMonitors.release();
  const h: InformerHandle<KubeObject> = m.prometheusRules;
  return {
    list: () => h.informer.list(),
    // Changes, and status changes (the first list, a re-list after an outage) both re-read the objects.
    onChange: (fn) => {
      const offChange = h.informer.onChange(() => fn());
      const offStatus = h.informer.onStatus(() => fn());
      return () => {
        offChange();
        offStatus();
      };
    },
    stop: () => {
      h.release();
      discovery.stop();
    },
  };
}

export class AlertingService {
  readonly notifier: Notifier;
  private readonly clock: Clock;
  private readonly engine: PromEngine;
  private readonly contexts = new Map<string, ContextRules>();
  private builtin: RuleFile[] = [];
  private user: RuleFile[] = [];
  private configProblem: string | null = null;
  /** alerting.yml's text as last loaded (null: absent), so a reload re-routes only when it changed. */
  private configText: string | null = null;
  private watchers: FSWatcher[] = [];
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private saveTimer: ReturnType<typeof setInterval> | null = null;
  private lastSaved = '';
  private closed = false;
  private wanted = new Set<string>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly opts: AlertingServiceOptions) {
    this.clock = opts.clock ?? realClock;
    this.engine = opts.engine ?? new PromEngine();
    this.notifier = new Notifier({
      config: this.loadConfig(),
      clock: this.clock,
      fetch: opts.fetch,
      externalURL: opts.externalURL,
      showDesktop: (n) => this.showDesktop(n),
      events: {
        onNotified: () => this.save(),
        onNotifyFailed: (receiver, integration, _ctx, err) => opts.log?.(`alert notification to ${receiver}/${integration} failed: ${err.message}`),
      },
    });
    this.restoreState();
    this.applyMutes();
    this.builtin = readRuleDir(opts.builtinRulesDir ?? defaultBuiltinRulesDir(), 'builtin');
    this.user = readRuleDir(this.userDir(), 'user');
    if (opts.watch !== false) this.watchFiles();
    this.saveTimer = setInterval(() => this.save(), 10_000);
    this.saveTimer.unref?.();
  }

  private userDir(): string {
    return path.join(this.opts.dataDir, 'rules');
  }

  private loadConfig() {
    const file = path.join(this.opts.dataDir, CONFIG_FILE);
    this.configProblem = null;
    this.configText = null;
    if (!existsSync(file)) return defaultAlertingConfig();
    try {
      this.configText = readFileSync(file, 'utf8');
      return parseAlertingConfig(this.configText);
    } catch (err) {
      this.configProblem = (err as Error).message;
      this.opts.log?.(`${file}: ${this.configProblem}; the default alerting config is used`);
      return defaultAlertingConfig();
    }
  }

  private restoreState(): void {
    const file = path.join(this.opts.dataDir, STATE_FILE);
    try {
      const raw = readFileSync(file, 'utf8');
      this.notifier.restore(JSON.parse(raw) as NotifierState);
      this.lastSaved = raw;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.log?.(`cannot restore ${file}: ${(err as Error).message}`);
    }
  }

  /** Writes the notifier's state (silences, notification log) atomically when it changed. */
  save(): void {
    const text = JSON.stringify(this.notifier.snapshot());
    if (text === this.lastSaved) return;
    const file = path.join(this.opts.dataDir, STATE_FILE);
    try {
      mkdirSync(this.opts.dataDir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, file);
      this.lastSaved = text;
    } catch (err) {
      this.opts.log?.(`cannot save ${file}: ${(err as Error).message}`);
    }
  }

  private applyMutes(): void {
    const s = this.opts.settings.get();
    this.notifier.setDoNotDisturb(s.doNotDisturb);
    for (const c of this.notifier.muteState().contexts) if (!s.mutedContexts.includes(c.context)) this.notifier.unmuteContext(c.context);
    for (const c of s.mutedContexts) this.notifier.muteContext(c);
  }

  private showDesktop(n: DesktopNotice): void {
    const alert = this.notifier.alerts().find((a) => a.fingerprint === n.alertKey);
    this.opts.onDesktop?.({ ...n, context: alert?.labels.context ?? null });
  }

  private watchFiles(): void {
    const schedule = () => {
      if (this.reloadTimer) clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => void this.reload(), 200);
      this.reloadTimer.unref?.();
    };
    try {
      mkdirSync(this.userDir(), { recursive: true });
      this.watchers.push(watch(this.userDir(), schedule));
    } catch (err) {
      this.opts.log?.(`cannot watch ${this.userDir()}: ${(err as Error).message}`);
    }
    try {
      this.watchers.push(watch(this.opts.dataDir, (_e, name) => name === CONFIG_FILE && schedule()));
    } catch {
      // The data directory always exists; nothing else to do.
    }
    for (const w of this.watchers) w.on('error', () => {});
  }

  /** Re-reads user rule files and alerting.yml and reloads every context's groups. */
  async reload(): Promise<void> {
    if (this.closed) return;
    this.user = readRuleDir(this.userDir(), 'user');
    const file = path.join(this.opts.dataDir, CONFIG_FILE);
    let text: string | null = null;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // absent: the default config
    }
    // Routes and groups start afresh on a new config; unchanged, they keep their timers.
    if (text !== this.configText || this.configProblem !== null) this.notifier.reload(this.loadConfig());
    for (const c of this.contexts.values()) await this.rebuild(c);
  }

  /** Evaluates rules for exactly these contexts (the ones being scraped). */
  follow(contexts: Iterable<string>): Promise<void> {
    this.wanted = new Set(contexts);
    this.chain = this.chain.then(async () => {
      const wanted = this.closed ? new Set<string>() : this.wanted;
      for (const c of [...this.contexts.keys()]) if (!wanted.has(c)) await this.stopContext(c);
      for (const c of wanted) if (!this.contexts.has(c)) await this.startContext(c);
    });
    this.chain = this.chain.catch((err: unknown) => this.opts.log?.(`alerting: ${(err as Error).message}`));
    return this.chain;
  }

  /**
   * The context's kubeconfig changed (new credentials or server): its PrometheusRules are read
   * again through the new one; its groups and their alert state are kept.
   */
  restart(context: string): Promise<void> {
    this.chain = this.chain
      .then(async () => {
        const c = this.contexts.get(context);
        if (!c || this.closed) return;
        this.stopCluster(c);
        this.syncCluster(c);
        await this.rebuild(c);
      })
      .catch((err: unknown) => this.opts.log?.(`alerting: ${(err as Error).message}`));
    return this.chain;
  }

  private clusterRulesOn(context: string): boolean {
    const chosen = this.opts.settings.get().clusterRules[context];
    return chosen ?? this.opts.clusterRulesDefault?.(context) ?? false;
  }

  private async startContext(context: string): Promise<void> {
    let lease: DbLease;
    try {
      lease = this.opts.dbs.acquire(context);
    } catch (err) {
      this.opts.log?.(`alerting: cannot open the data of context "${context}": ${(err as Error).message}`);
      return;
    }
    const scheduler = new RuleScheduler({
      clock: this.clock,
      onError: (g, err) => this.opts.log?.(`rule group ${g.name} (${context}): ${(err as Error).message}`),
    });
    const c: ContextRules = { context, lease, scheduler, cluster: null, clusterFiles: [], sources: new Map(), loadedOnce: false, builtFrom: '', chain: Promise.resolve() };
    this.contexts.set(context, c);
    this.syncCluster(c);
    await this.rebuild(c);
  }

  private async stopContext(context: string): Promise<void> {
    const c = this.contexts.get(context);
    if (!c) return;
    this.contexts.delete(context);
    this.stopCluster(c);
    await c.chain;
    await c.scheduler.stop();
    c.lease.release();
  }

  /** Starts or stops reading the context's PrometheusRule objects as the setting says. */
  private syncCluster(c: ContextRules): void {
    const on = this.clusterRulesOn(c.context);
    if (on && !c.cluster) {
      const kubeconfig = this.opts.kubeconfigFor?.(c.context) ?? null;
      if (kubeconfig === null) return;
      try {
        const source = (this.opts.clusterRules ?? informerClusterRules)(c.context, kubeconfig);
        const cluster = { source, unsubscribe: () => {}, timer: null as ReturnType<typeof setTimeout> | null };
        cluster.unsubscribe = source.onChange(() => {
          if (cluster.timer) clearTimeout(cluster.timer);
          cluster.timer = setTimeout(() => void this.rebuild(c), 250);
          cluster.timer.unref?.();
        });
        c.cluster = cluster;
      } catch (err) {
        c.clusterFiles = [{ file: `prometheusrule/*`, source: 'cluster', groups: [], error: (err as Error).message }];
      }
    } else if (!on && c.cluster) {
      this.stopCluster(c);
    }
  }

  private stopCluster(c: ContextRules): void {
    if (!c.cluster) return;
    if (c.cluster.timer) clearTimeout(c.cluster.timer);
    c.cluster.unsubscribe();
    c.cluster.source.stop();
    c.cluster = null;
    c.clusterFiles = [];
  }

  /** The context's groups from all three sources, handed to its scheduler (state carried over). */
  private rebuild(c: ContextRules): Promise<void> {
    c.chain = c.chain.then(async () => {
      if (this.closed || this.contexts.get(c.context) !== c) return;
      if (c.cluster) c.clusterFiles = c.cluster.source.list().map(clusterRuleFile).sort((a, b) => a.file.localeCompare(b.file));
      const files = [...this.builtin, ...this.user, ...c.clusterFiles];
      const builtFrom = JSON.stringify(files.map((f) => [f.file, f.source, f.error, f.groups]));
      if (c.loadedOnce && builtFrom === c.builtFrom) return;
      c.builtFrom = builtFrom;
      const query = engineQueryFunc(this.engine, c.lease.tsdb);
      const groups: Group[] = [];
      const sources = new Map<string, RuleSource>();
      for (const f of files) {
        if (f.error) continue;
        for (const g of groupsFromDefs(f.file, f.groups, {
          query,
          appendable: c.lease.tsdb,
          queryable: c.lease.tsdb,
          externalURL: this.opts.externalURL,
          externalLabels: { context: c.context },
          now: () => this.clock.now(),
          notify: (alerts) => this.send(c.context, alerts),
          restore: !c.loadedOnce,
          defaultIntervalMs: this.opts.defaultIntervalMs ?? 30_000,
        })) {
          groups.push(g);
          sources.set(g.key, f.source);
        }
      }
      c.sources = sources;
      c.loadedOnce = true;
      await c.scheduler.update(groups);
    });
    c.chain = c.chain.catch((err: unknown) => this.opts.log?.(`alerting: rules of context "${c.context}": ${(err as Error).message}`));
    return c.chain;
  }

  private send(context: string, alerts: NotifierAlert[]): void {
    const postable: PostableAlert[] = alerts.map((a) => ({
      labels: { ...a.labels, context },
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      generatorURL: a.generatorURL,
    }));
    const r = this.notifier.put(postable);
    for (const e of r.errors) this.opts.log?.(`alert not accepted: ${e}`);
  }

  /** Waits for pending rule reloads (tests). */
  async settled(): Promise<void> {
    await this.chain;
    for (const c of this.contexts.values()) await c.chain;
  }

  /** The groups of a context being evaluated (empty if it is not). */
  groups(context: string): Group[] {
    return this.contexts.get(context)?.scheduler.groups() ?? [];
  }

  /** Files that could not be used, and a broken alerting.yml. */
  problems(): RuleProblem[] {
    const out: RuleProblem[] = [];
    if (this.configProblem) out.push({ source: 'config', file: path.join(this.opts.dataDir, CONFIG_FILE), context: null, error: this.configProblem });
    for (const f of [...this.builtin, ...this.user]) if (f.error) out.push({ source: f.source, file: f.file, context: null, error: f.error });
    for (const c of this.contexts.values()) for (const f of c.clusterFiles) if (f.error) out.push({ source: 'cluster', file: f.file, context: c.context, error: f.error });
    return out;
  }

  rules(viewed: string | null, filter: RulesFilterParams = {}): RulesState {
    const contexts = [...this.contexts.values()].map((c) => {
      const groups = c.scheduler.groups();
      const r = rulesResponse(groups, filter);
      const out: RuleGroupInfo[] = r.groups.map((g) => ({ ...g, source: c.sources.get(`${g.file};${g.name}`) ?? 'user' }));
      return { context: c.context, groups: out };
    });
    return { viewed, contexts, problems: this.problems() };
  }

  /** Pending and firing alerts of every context, with what the notifier does with them. */
  alerts(context?: string): AlertInfo[] {
    const views = new Map(this.notifier.alerts().map((v) => [v.fingerprint, v]));
    const out: AlertInfo[] = [];
    for (const c of this.contexts.values()) {
      if (context !== undefined && c.context !== context) continue;
      for (const g of c.scheduler.groups()) {
        for (const rule of g.alertingRules()) {
          for (const a of rule.activeAlerts()) {
            if (a.state === 'inactive') continue;
            const labels = labelsToRecord(a.labels);
            const fp = fingerprint({ ...labels, context: c.context });
            const v = views.get(fp);
            const api = apiAlert(a);
            out.push({
              fingerprint: fp,
              context: c.context,
              rule: rule.name,
              group: g.name,
              file: g.file,
              labels,
              annotations: api.annotations,
              state: a.state === 'firing' ? 'firing' : 'pending',
              value: api.value,
              activeAt: a.activeAt,
              firedAt: a.firedAt,
              keepFiringSince: a.keepFiringSince,
              silencedBy: v?.silencedBy ?? [],
              inhibitedBy: v?.inhibitedBy ?? [],
              suppressedBecause: v?.suppressedBecause ?? null,
            });
          }
        }
      }
    }
    return out.sort((x, y) => (x.state === y.state ? x.activeAt - y.activeAt : x.state === 'firing' ? -1 : 1));
  }

  silences(): SilenceInfo[] {
    return this.notifier.silences.list().map((s) => silenceInfo(s, s.state));
  }

  /** Silences one alert (all its labels, context included) for durationMs (default 2h). */
  silence(fp: string, opts: { comment?: string; createdBy?: string; durationMs?: number }): SilenceInfo {
    let labels = this.notifier.alerts().find((a) => a.fingerprint === fp)?.labels;
    if (!labels) {
      // Pending alerts have not reached the notifier yet: silence them by their labels.
      const a = this.alerts().find((x) => x.fingerprint === fp);
      if (a) labels = { ...a.labels, context: a.context };
    }
    if (!labels) throw new ContractError('not_found', `no alert with fingerprint ${fp}`);
    const s = this.notifier.silences.create({
      matchers: Object.entries(labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
      createdBy: opts.createdBy || 'kubeglass',
      comment: opts.comment || `silenced from the Alerts page`,
      durationMs: opts.durationMs ?? 2 * 3600_000,
    });
    this.save();
    return silenceInfo(s, 'active');
  }

  expireSilence(id: string): SilenceInfo {
    let s: Silence;
    try {
      s = this.notifier.silences.expire(id);
    } catch (err) {
      throw new ContractError('not_found', (err as Error).message);
    }
    this.save();
    return silenceInfo(s, 'expired');
  }

  /** Settings for the given contexts (PrometheusRule reading: the user's choice or the default). */
  settings(contexts: string[]): AlertSettings {
    const s = this.opts.settings.get();
    const all = [...new Set([...contexts, ...this.contexts.keys()])].sort();
    return {
      doNotDisturb: s.doNotDisturb,
      mutedContexts: [...s.mutedContexts].sort(),
      clusterRules: all.map((context) => ({ context, enabled: this.clusterRulesOn(context), chosen: s.clusterRules[context] !== undefined })),
    };
  }

  async setSettings(p: { doNotDisturb?: boolean; mute?: { context: string; muted: boolean }; clusterRules?: { context: string; enabled: boolean } }): Promise<void> {
    const s = this.opts.settings.get();
    if (p.doNotDisturb !== undefined) this.opts.settings.update({ doNotDisturb: p.doNotDisturb });
    if (p.mute) {
      const rest = s.mutedContexts.filter((c) => c !== p.mute!.context);
      this.opts.settings.update({ mutedContexts: p.mute.muted ? [...rest, p.mute.context] : rest });
    }
    this.applyMutes();
    if (p.clusterRules) {
      this.opts.settings.update({ clusterRules: { ...s.clusterRules, [p.clusterRules.context]: p.clusterRules.enabled } });
      const c = this.contexts.get(p.clusterRules.context);
      if (c) {
        this.syncCluster(c);
        await this.rebuild(c);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.watchers) w.close();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    if (this.saveTimer) clearInterval(this.saveTimer);
    await this.follow([]);
    this.save();
    this.notifier.stop();
  }
}

function silenceInfo(s: Silence, state: SilenceState): SilenceInfo {
  return {
    id: s.id,
    matchers: s.matchers.map((m) => m.toString()),
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    createdBy: s.createdBy,
    comment: s.comment,
    updatedAt: s.updatedAt,
    state,
  };
}

