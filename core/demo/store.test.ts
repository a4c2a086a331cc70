import { describe, expect, it } from 'vitest';
import { ObjectStore, type Change } from './store.js';
import type { KubeObject } from '../kube/objects.js';

const pod = (namespace: string, name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, uid: `${namespace}-${name}`, resourceVersion: '', creationTimestamp: '2025-01-01T00:00:00Z' },
  ...extra,
});

describe('ObjectStore', () => {
  it('gives every write the next resourceVersion and lists in etcd key order', () => {
    const s = new ObjectStore(100);
    s.bootstrap('pods', [pod('b', 'x'), pod('a', 'y'), pod('a-b', 'z')]);
    expect(s.resourceVersion).toBe(103);
    expect(s.list('pods').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['a-b/z', 'a/y', 'b/x']);
    expect(s.list('pods', 'a').map((o) => o.metadata.name)).toEqual(['y']);
    const created = s.create('pods', pod('a', 'w'), 0);
    expect(created.metadata.resourceVersion).toBe('104');
    const updated = s.update('pods', { ...created, spec: { changed: true } }, 0);
    expect(updated.metadata.resourceVersion).toBe('105');
    const deleted = s.delete('pods', 'a', 'w', 0);
    expect(deleted.metadata.resourceVersion).toBe('106');
    expect(s.get('pods', 'a', 'w')).toBeUndefined();
    expect(() => s.create('pods', pod('a', 'y'), 0)).toThrow(/already exists/);
    expect(() => s.update('pods', pod('a', 'nope'), 0)).toThrow(/not found/);
  });

  it('never mutates what it stored: an earlier read keeps its state', () => {
    const s = new ObjectStore();
    const first = s.create('pods', pod('a', 'p', { spec: { v: 1 } }), 0);
    s.update('pods', { ...first, spec: { v: 2 } }, 0);
    expect(first.spec).toEqual({ v: 1 });
    expect(s.get('pods', 'a', 'p')!.spec).toEqual({ v: 2 });
  });

  it('replays changes after a resourceVersion, and reports expired once compacted', () => {
    const s = new ObjectStore(10);
    s.bootstrap('pods', [pod('a', 'p')]);
    const base = s.resourceVersion;
    expect(s.changesSince(base - 1)).toBe('expired');
    s.create('pods', pod('a', 'q'), 1);
    s.update('pods', pod('a', 'p', { spec: { v: 2 } }), 2);
    s.delete('pods', 'a', 'q', 3);
    const changes = s.changesSince(base) as Change[];
    expect(changes.map((c) => [c.type, c.object.metadata.name, c.rv])).toEqual([
      ['ADDED', 'q', base + 1],
      ['MODIFIED', 'p', base + 2],
      ['DELETED', 'q', base + 3],
    ]);
    expect(changes[1]!.prev!.spec).toBeUndefined();
    expect((s.changesSince(base + 2) as Change[]).map((c) => c.type)).toEqual(['DELETED']);
    s.compact(base + 2);
    expect(s.oldestResourceVersion).toBe(base + 2);
    expect(s.changesSince(base + 1)).toBe('expired');
    expect((s.changesSince(base + 2) as Change[]).length).toBe(1);
  });

  it('reconstructs a resource as it was at an older resourceVersion', () => {
    const s = new ObjectStore(1);
    s.bootstrap('pods', [pod('a', 'p', { spec: { v: 1 } }), pod('a', 'r')]);
    const before = s.resourceVersion;
    s.create('pods', pod('a', 'q'), 0);
    s.update('pods', pod('a', 'p', { spec: { v: 2 } }), 0);
    s.delete('pods', 'a', 'r', 0);
    s.create('nodes', { ...pod('', 'n'), metadata: { ...pod('', 'n').metadata, namespace: undefined } }, 0);
    const then = s.listAt('pods', before);
    expect(Array.isArray(then)).toBe(true);
    expect((then as KubeObject[]).map((o) => [o.metadata.name, o.spec])).toEqual([
      ['p', { v: 1 }],
      ['r', undefined],
    ]);
    expect((s.listAt('pods', s.resourceVersion) as KubeObject[]).map((o) => o.metadata.name)).toEqual(['p', 'q']);
    expect(s.listAt('pods', s.resourceVersion + 1)).toBe('future');
    s.compact();
    expect(s.listAt('pods', before)).toBe('expired');
  });

  it('compacts by age and by count, keeping the newest changes', () => {
    const s = new ObjectStore(1);
    for (let i = 0; i < 10; i++) s.create('pods', pod('a', `p${i}`), i * 1000);
    s.compactOlderThan(5000, 100);
    expect(s.historyLength).toBe(5);
    s.compactOlderThan(0, 2);
    expect(s.historyLength).toBe(2);
    expect(s.changesSince(s.resourceVersion - 2)).not.toBe('expired');
    expect(s.changesSince(s.resourceVersion - 3)).toBe('expired');
  });

  it('tells subscribers about each change as it happens', () => {
    const s = new ObjectStore(1);
    const seen: string[] = [];
    const stop = s.subscribe((c) => seen.push(`${c.type}:${c.object.metadata.name}`));
    s.create('pods', pod('a', 'x'), 0);
    stop();
    s.create('pods', pod('a', 'y'), 0);
    expect(seen).toEqual(['ADDED:x']);
  });
});
