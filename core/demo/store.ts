// The demo cluster's etcd and watch cache in one: objects by GroupResource and key, one global
// resourceVersion counter, and a bounded history of changes. The history serves watches that
// resume from a resourceVersion and consistent pages (continue tokens) at an older one; what has
// been compacted away answers "expired", which the API turns into 410 Gone.
//
// Stored objects are never mutated: every write stores a new object, so a page being written or
// an event queued for a slow watcher keeps the state it was taken from.
import { keyOf, objectKey, type KubeObject } from '../kube/objects.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  rv: number;
  type: ChangeType;
  /** GroupResource, e.g. "pods" or "deployments.apps". */
  gr: string;
  key: string;
  /** The object after the change; for DELETED, the last state with the deletion's resourceVersion. */
  object: KubeObject;
  /** The object before the change (MODIFIED, DELETED). */
  prev?: KubeObject;
  /** Cluster time of the change (ms), for time-based compaction. */
  at: number;
}

export class StoreError extends Error {
  constructor(
    readonly reason: 'AlreadyExists' | 'NotFound',
    message: string,
  ) {
    super(message);
  }
}

export type Listener = (change: Change) => void;

const withRv = (obj: KubeObject, rv: number): KubeObject => ({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } });

export class ObjectStore {
  private readonly maps = new Map<string, Map<string, KubeObject>>();
  /** Sorted keys per resource, dropped when a key is added or removed (not on updates). */
  private readonly sortedKeys = new Map<string, string[]>();
  private history: Change[] = [];
  private rv: number;
  /** Every change with rv > compacted is in the history. */
  private compacted: number;
  private readonly listeners = new Set<Listener>();

  constructor(startRv = 1) {
    this.rv = startRv;
    this.compacted = startRv;
  }

  /** The current resourceVersion (etcd's revision). */
  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion still served from history: watches from older ones get 410. */
  get oldestResourceVersion(): number {
    return this.compacted;
  }

  private map(gr: string): Map<string, KubeObject> {
    let m = this.maps.get(gr);
    if (!m) {
      m = new Map();
      this.maps.set(gr, m);
    }
    return m;
  }

  /**
   * Stores objects as a cluster that has run for a while has them: each with its own
   * resourceVersion, but with no history (long since compacted), so no watch can resume from
   * before this point.
   */
  bootstrap(gr: string, objects: Iterable<KubeObject>): void {
    const m = this.map(gr);
    for (const obj of objects) {
      this.rv++;
      m.set(keyOf(obj), withRv(obj, this.rv));
    }
    this.sortedKeys.delete(gr);
    this.compacted = this.rv;
  }

  get(gr: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.maps.get(gr)?.get(objectKey(namespace, name));
  }

  count(gr: string): number {
    return this.maps.get(gr)?.size ?? 0;
  }

  private keys(gr: string): string[] {
    let keys = this.sortedKeys.get(gr);
    if (!keys) {
      keys = [...(this.maps.get(gr)?.keys() ?? [])].sort();
      this.sortedKeys.set(gr, keys);
    }
    return keys;
  }

  /** Current objects in key order (etcd's: namespace, then name), optionally one namespace's. */
  list(gr: string, namespace?: string): KubeObject[] {
    const m = this.maps.get(gr);
    if (!m) return [];
    const out: KubeObject[] = [];
    for (const k of this.keys(gr)) {
      const o = m.get(k)!;
      if (namespace === undefined || o.metadata.namespace === namespace) out.push(o);
    }
    return out;
  }

  /**
   * Objects as they were at resourceVersion rv, in key order: undoes the history newer than rv.
   * 'expired' if that history is compacted, 'future' if rv has not happened yet.
   */
  listAt(gr: string, rv: number): KubeObject[] | 'expired' | 'future' {
    if (rv > this.rv) return 'future';
    if (rv === this.rv) return this.list(gr);
    if (rv < this.compacted) return 'expired';
    const state = new Map(this.maps.get(gr) ?? []);
    let touched = false;
    for (let i = this.history.length - 1; i >= 0 && this.history[i]!.rv > rv; i--) {
      const c = this.history[i]!;
      if (c.gr !== gr) continue;
      touched = true;
      if (c.type === 'ADDED') state.delete(c.key);
      else state.set(c.key, c.prev!);
    }
    if (!touched) return this.list(gr);
    return [...state.keys()].sort().map((k) => state.get(k)!);
  }

  /** Changes after rv (all resources), or 'expired' when some of them are compacted away. */
  changesSince(rv: number): Change[] | 'expired' {
    if (rv < this.compacted) return 'expired';
    // History is in rv order; find the first change after rv.
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid]!.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  create(gr: string, obj: KubeObject, at: number): KubeObject {
    const m = this.map(gr);
    const key = keyOf(obj);
    if (m.has(key)) throw new StoreError('AlreadyExists', `${gr} "${obj.metadata.name}" already exists`);
    const stored = withRv(obj, ++this.rv);
    m.set(key, stored);
    this.sortedKeys.delete(gr);
    this.record({ rv: this.rv, type: 'ADDED', gr, key, object: stored, at });
    return stored;
  }

  update(gr: string, obj: KubeObject, at: number): KubeObject {
    const m = this.map(gr);
    const key = keyOf(obj);
    const prev = m.get(key);
    if (!prev) throw new StoreError('NotFound', `${gr} "${obj.metadata.name}" not found`);
    const stored = withRv(obj, ++this.rv);
    m.set(key, stored);
    this.record({ rv: this.rv, type: 'MODIFIED', gr, key, object: stored, prev, at });
    return stored;
  }

  delete(gr: string, namespace: string | undefined, name: string, at: number): KubeObject {
    const m = this.map(gr);
    const key = objectKey(namespace, name);
    const prev = m.get(key);
    if (!prev) throw new StoreError('NotFound', `${gr} "${name}" not found`);
    m.delete(key);
    this.sortedKeys.delete(gr);
    const last = withRv(prev, ++this.rv);
    this.record({ rv: this.rv, type: 'DELETED', gr, key, object: last, prev, at });
    return last;
  }

  private record(change: Change): void {
    this.history.push(change);
    for (const l of this.listeners) l(change);
  }

  /** Forgets history up to rv (default: all of it), as an etcd compaction does. */
  compact(rv = this.rv): void {
    const upTo = Math.min(rv, this.rv);
    if (upTo <= this.compacted) return;
    let n = 0;
    while (n < this.history.length && this.history[n]!.rv <= upTo) n++;
    this.history = this.history.slice(n);
    this.compacted = upTo;
  }

  /** Forgets changes made before a cluster time, and beyond a count, keeping the newest. */
  compactOlderThan(at: number, maxChanges: number): void {
    let n = 0;
    while (n < this.history.length && (this.history[n]!.at < at || this.history.length - n > maxChanges)) n++;
    if (n > 0) this.compact(this.history[n - 1]!.rv);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get historyLength(): number {
    return this.history.length;
  }
}
