// List + watch of one resource into an in-memory store, like client-go's reflector and informer:
// list (paged), then watch from the list's resourceVersion with bookmarks, resume each watch where
// the last one ended, re-list when the server says that version is gone (410), and retry failures
// with capped, jittered exponential backoff. Its status says in plain words what is wrong.
import { createKubeApi, describeKubeError, KubeApiError, statusError, type KubeApi, type KubeApiOptions, type Query, type WatchEvent } from './client.js';
import { objectKey, type KubeObject } from './types.js';
import type { KubeConfig } from '@kubernetes/client-node';

export interface ResourceRef {
  /** API group; '' (or absent) for the core group, served under /api. */
  group?: string;
  version: string;
  /** Plural resource name, as in the URL: "pods", "endpointslices", "servicemonitors". */
  resource: string;
  /** Watch one namespace; absent or '' for all namespaces (or a cluster-scoped resource). */
  namespace?: string;
}

export function resourcePath(ref: ResourceRef): string {
  const prefix = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  return `${prefix}${ns}/${ref.resource}`;
}

export interface Selectors {
  label?: string;
  field?: string;
}

export type InformerState = 'connecting' | 'synced' | 'retrying';

export interface InformerStatus {
  /** connecting: never listed yet; synced: the store is current; retrying: a request failed. */
  state: InformerState;
  /** Why the last request failed, in words for a person (null once it works again). */
  error: string | null;
  /** The API server does not serve the resource (a CRD that is not installed): synced and empty. */
  absent: boolean;
  /** Failures in a row. */
  attempt: number;
  /** When the next attempt starts, in ms since the epoch, while retrying. */
  retryAt: number | null;
  /** When the store was last filled by a list. */
  listedAt: number | null;
  objects: number;
}

export type InformerEvent<T> =
  | { type: 'added'; object: T }
  | { type: 'modified'; object: T; old: T }
  | { type: 'deleted'; object: T };

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export interface InformerOptions<T extends KubeObject> {
  resource: ResourceRef;
  selectors?: Selectors;
  /** Objects per list page (client-go's default is 500). */
  pageSize?: number;
  backoff?: Partial<BackoffOptions>;
  /** Server-side watch timeout; client-go picks 5–10 min at random so watches do not expire together. */
  watchTimeoutSeconds?: () => number;
  /** How often to look again for a resource the server does not serve. */
  absentRecheckMs?: number;
  /** Applied to every object before it is stored; by default drops metadata.managedFields. */
  transform?: (obj: T) => T;
  random?: () => number;
  now?: () => number;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, factor: 2 };

/** Drops what discovery never reads and would otherwise double the memory of a large cluster. */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields === undefined) return obj;
  const { managedFields: _drop, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

class GoneError extends Error {}

function isGone(err: unknown): boolean {
  return err instanceof GoneError || (err instanceof KubeApiError && err.status === 410);
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly resource: ResourceRef;
  readonly selectors: Selectors;
  private readonly store = new Map<string, T>();
  private readonly changeListeners = new Set<(ev: InformerEvent<T>) => void>();
  private readonly statusListeners = new Set<(s: InformerStatus) => void>();
  private readonly syncWaiters = new Set<() => void>();
  private readonly abort = new AbortController();
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly now: () => number;
  private resourceVersion = '';
  private started = false;
  private hasSynced = false;
  private current: InformerStatus = { state: 'connecting', error: null, absent: false, attempt: 0, retryAt: null, listedAt: null, objects: 0 };

  constructor(
    private readonly api: KubeApi,
    private readonly opts: InformerOptions<T>,
  ) {
    this.resource = opts.resource;
    this.selectors = opts.selectors ?? {};
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
  }

  get path(): string {
    return resourcePath(this.resource);
  }

  get status(): InformerStatus {
    return this.current;
  }

  /** True once the first list has filled the store (or found the resource absent). */
  get synced(): boolean {
    return this.hasSynced;
  }

  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /** By store key: "namespace/name", or "name" for cluster-scoped objects. */
  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  get size(): number {
    return this.store.size;
  }

  onChange(listener: (ev: InformerEvent<T>) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onStatus(listener: (s: InformerStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Resolves at the first sync; never, if stopped before. */
  waitForSync(): Promise<void> {
    if (this.hasSynced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.add(resolve));
  }

  start(): void {
    if (this.started || this.abort.signal.aborted) return;
    this.started = true;
    void this.run();
  }

  /** Ends the request in flight and every timer; no callback runs afterwards. */
  stop(): void {
    this.abort.abort(new Error('informer stopped'));
    this.changeListeners.clear();
    this.statusListeners.clear();
    this.syncWaiters.clear();
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private setStatus(patch: Partial<InformerStatus>): void {
    if (this.stopped) return;
    this.current = { ...this.current, ...patch, objects: this.store.size };
    for (const l of this.statusListeners) l(this.current);
  }

  private emit(ev: InformerEvent<T>): void {
    if (this.stopped) return;
    for (const l of this.changeListeners) l(ev);
  }

  private markSynced(): void {
    if (this.hasSynced) return;
    this.hasSynced = true;
    for (const w of this.syncWaiters) w();
    this.syncWaiters.clear();
  }

  private selectorQuery(): Query {
    return { labelSelector: this.selectors.label || undefined, fieldSelector: this.selectors.field || undefined };
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let needList = true;
    // The first list may come from the API server's watch cache (resourceVersion=0), which spares
    // etcd; after a 410 the cache is behind what we saw, so later lists read the latest state.
    let listFromCache = true;
    let attempt = 0;
    let gone = 0;
    while (!signal.aborted) {
      try {
        if (needList) {
          // A server that answers 410 to the version its own list just gave must not be hammered.
          if (gone > 1) await this.sleep(this.delay(gone - 1));
          await this.listAll(listFromCache);
          needList = false;
          attempt = 0;
        }
        const started = this.now();
        const events = await this.watchOnce(() => (attempt = gone = 0));
        // A watch that ends at once without news would otherwise spin; give the server a moment.
        if (events === 0 && this.now() - started < 1000) await this.sleep(this.delay(1));
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) {
          gone++;
          needList = true;
          listFromCache = false;
          continue;
        }
        if (err instanceof KubeApiError && err.status === 404) {
          this.becomeAbsent();
          needList = true;
          await this.sleep(this.opts.absentRecheckMs ?? 5 * 60_000);
          continue;
        }
        attempt++;
        const delay = this.delay(attempt);
        this.setStatus({ state: 'retrying', error: describeKubeError(err), attempt, retryAt: this.now() + delay });
        await this.sleep(delay);
      }
    }
  }

  /** Exponential, capped, with "equal jitter": between half and all of the step. */
  private delay(attempt: number): number {
    const step = Math.min(this.backoff.maxMs, this.backoff.initialMs * this.backoff.factor ** Math.max(0, attempt - 1));
    return Math.round(step / 2 + (this.random() * step) / 2);
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.abort.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async listAll(fromCache: boolean): Promise<void> {
    const signal = this.abort.signal;
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    let paged = true;
    for (;;) {
      const query: Query = { ...this.selectorQuery() };
      if (paged) query.limit = this.opts.pageSize ?? 500;
      if (continueToken) query.continue = continueToken;
      else if (fromCache) query.resourceVersion = '0';
      let page: { metadata?: { resourceVersion?: string; continue?: string }; items?: T[] };
      try {
        page = (await this.api.getJson(this.path, query, signal)) as typeof page;
      } catch (err) {
        // An expired continue token: read everything in one go instead, as client-go's pager does.
        if (continueToken && isGone(err)) {
          items.length = 0;
          continueToken = undefined;
          paged = false;
          fromCache = false;
          continue;
        }
        throw err;
      }
      for (const item of page.items ?? []) items.push(this.transform(item));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      continueToken = page.metadata?.continue || undefined;
      if (!continueToken) break;
    }
    if (signal.aborted) return;
    this.replace(items);
    this.resourceVersion = resourceVersion;
    this.markSynced();
    this.setStatus({ state: 'synced', error: null, absent: false, attempt: 0, retryAt: null, listedAt: this.now() });
  }

  private transform(obj: T): T {
    return (this.opts.transform ?? stripManagedFields)(obj);
  }

  /** The store becomes `items`; listeners hear the difference, as client-go's Replace reports it. */
  private replace(items: T[]): void {
    const next = new Map<string, T>();
    for (const item of items) next.set(objectKey(item), item);
    const old = new Map(this.store);
    this.store.clear();
    for (const [k, v] of next) this.store.set(k, v);
    for (const [k, prev] of old) if (!next.has(k)) this.emit({ type: 'deleted', object: prev });
    for (const [k, obj] of next) {
      const prev = old.get(k);
      if (!prev) this.emit({ type: 'added', object: obj });
      else if (prev.metadata?.resourceVersion !== obj.metadata?.resourceVersion || prev.metadata?.resourceVersion === undefined) {
        this.emit({ type: 'modified', object: obj, old: prev });
      }
    }
  }

  private becomeAbsent(): void {
    this.replace([]);
    this.resourceVersion = '';
    this.markSynced();
    this.setStatus({ state: 'synced', error: null, absent: true, attempt: 0, retryAt: null, listedAt: this.now() });
  }

  /** One watch from the last resourceVersion; returns how many events it carried. */
  private async watchOnce(onFirstEvent: () => void): Promise<number> {
    const timeoutSeconds = this.opts.watchTimeoutSeconds?.() ?? Math.round(300 + this.random() * 300);
    const query: Query = {
      ...this.selectorQuery(),
      watch: 'true',
      resourceVersion: this.resourceVersion || undefined,
      allowWatchBookmarks: 'true',
      timeoutSeconds,
    };
    let events = 0;
    await this.api.watch(this.path, query, this.abort.signal, {
      onOpen: () => {
        if (this.current.state !== 'synced' || this.current.error !== null) this.setStatus({ state: 'synced', error: null, retryAt: null });
      },
      onEvent: (ev) => {
        this.apply(ev);
        if (events++ === 0) onFirstEvent();
      },
    });
    return events;
  }

  private apply(ev: WatchEvent): void {
    if (ev.type === 'ERROR') {
      const err = statusError(ev.object);
      throw err.status === 410 ? new GoneError(err.message) : err;
    }
    const raw = ev.object as T | undefined;
    const rv = raw?.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    if (!raw || typeof raw !== 'object') return;
    const obj = this.transform(raw);
    const key = objectKey(obj);
    const prev = this.store.get(key);
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
      this.store.set(key, obj);
      if (rv) this.resourceVersion = rv;
      this.current = { ...this.current, objects: this.store.size };
      this.emit(prev ? { type: 'modified', object: obj, old: prev } : { type: 'added', object: obj });
    } else if (ev.type === 'DELETED') {
      this.store.delete(key);
      if (rv) this.resourceVersion = rv;
      this.current = { ...this.current, objects: this.store.size };
      if (prev) this.emit({ type: 'deleted', object: obj });
    }
  }
}

export interface InformerHandle<T extends KubeObject = KubeObject> {
  readonly informer: Informer<T>;
  /** Gives the informer back; the last release stops it (after the factory's linger time). */
  release(): void;
}

export interface InformerFactoryOptions {
  /** Defaults for every informer the factory makes. */
  informer?: Omit<InformerOptions<KubeObject>, 'resource' | 'selectors' | 'transform'>;
  /**
   * How long an informer nobody holds keeps running. A reloaded configuration releases and
   * re-acquires the same informers within moments; lingering spares the API server the re-lists.
   */
  lingerMs?: number;
}

interface Entry {
  informer: Informer<KubeObject>;
  refs: number;
  linger?: ReturnType<typeof setTimeout>;
}

/**
 * Shares informers: every caller asking for the same resource, namespace and selectors gets the
 * same one (many ServiceMonitors each want the endpointslices of their namespaces).
 */
export class InformerFactory {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(
    readonly api: KubeApi,
    private readonly opts: InformerFactoryOptions = {},
  ) {}

  static fromKubeConfig(kc: KubeConfig, opts: InformerFactoryOptions & { api?: KubeApiOptions } = {}): InformerFactory {
    return new InformerFactory(createKubeApi(kc, opts.api), opts);
  }

  acquire<T extends KubeObject = KubeObject>(resource: ResourceRef, selectors: Selectors = {}): InformerHandle<T> {
    if (this.closed) throw new Error('the informer factory is stopped');
    const key = JSON.stringify([resourcePath(resource), selectors.label ?? '', selectors.field ?? '']);
    let entry = this.entries.get(key);
    if (!entry) {
      const informer = new Informer<KubeObject>(this.api, { ...this.opts.informer, resource, selectors });
      entry = { informer, refs: 0 };
      this.entries.set(key, entry);
      informer.start();
    }
    if (entry.linger) {
      clearTimeout(entry.linger);
      entry.linger = undefined;
    }
    entry.refs++;
    const held = entry;
    let released = false;
    return {
      informer: held.informer as unknown as Informer<T>,
      release: () => {
        if (released) return;
        released = true;
        if (--held.refs > 0) return;
        const end = () => {
          if (this.entries.get(key) === held) this.entries.delete(key);
          held.informer.stop();
        };
        const linger = this.opts.lingerMs ?? 5000;
        if (linger <= 0 || this.closed) end();
        else held.linger = setTimeout(end, linger);
      },
    };
  }

  /** Every running informer, for a status page. */
  informers(): Informer<KubeObject>[] {
    return [...this.entries.values()].map((e) => e.informer);
  }

  stop(): void {
    this.closed = true;
    for (const e of this.entries.values()) {
      if (e.linger) clearTimeout(e.linger);
      e.informer.stop();
    }
    this.entries.clear();
  }
}
