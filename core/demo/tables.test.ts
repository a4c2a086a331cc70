import { describe, expect, it } from 'vitest';
import { humanDuration, nodeRoles, podSummary, toTable } from './tables.js';
import type { Pod } from '../kube/objects.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration', () => {
  it('rounds like apimachinery: seconds to 2m, m+s to 10m, minutes to 3h, h+m to 8h, hours to 2d, d+h to 8d, days to 2y', () => {
    const cases: [number, string][] = [
      [-3 * s, '<invalid>'],
      [-1500, '0s'],
      [0, '0s'],
      [119 * s, '119s'],
      [2 * m, '2m'],
      [9 * m + 59 * s, '9m59s'],
      [10 * m + 30 * s, '10m'],
      [179 * m, '179m'],
      [3 * h, '3h'],
      [7 * h + 59 * m, '7h59m'],
      [8 * h + 30 * m, '8h'],
      [47 * h, '47h'],
      [48 * h, '2d'],
      [7 * d + 23 * h, '7d23h'],
      [8 * d, '8d'],
      [729 * d, '729d'],
      [730 * d, '2y'],
      [731 * d, '2y1d'],
      [8 * 365 * d, '8y'],
    ];
    for (const [ms, want] of cases) expect(humanDuration(ms), String(ms)).toBe(want);
  });
});

const NOW = Date.UTC(2025, 0, 10);
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

function pod(status: Partial<Pod['status']>, extra: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: 'u', resourceVersion: '1', creationTimestamp: iso(NOW - 3 * h), ...meta },
    spec: { containers: [{ name: 'app', image: 'x' }], ...extra },
    status: { phase: 'Running', ...status },
  };
}

const running = { running: { startedAt: iso(NOW - h) } };

describe('pod STATUS, READY and RESTARTS', () => {
  it('reports running, crash-looping, completed, init and terminating pods as the server printer does', () => {
    const ok = pod({ conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'app', state: running, lastState: {}, ready: true, restartCount: 0, image: 'x', imageID: '' }] });
    expect(podSummary(ok, NOW)).toEqual({ ready: '1/1', reason: 'Running', restarts: '0' });

    const crash = pod({
      containerStatuses: [
        {
          name: 'app',
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: iso(NOW - 90 * s) } },
          ready: false,
          restartCount: 7,
          image: 'x',
          imageID: '',
        },
      ],
    });
    expect(podSummary(crash, NOW)).toEqual({ ready: '0/1', reason: 'CrashLoopBackOff', restarts: '7 (90s ago)' });

    const done = pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } }, lastState: {}, ready: false, restartCount: 0, image: 'x', imageID: '' }] });
    expect(podSummary(done, NOW).reason).toBe('Completed');

    const init = pod(
      { phase: 'Pending', initContainerStatuses: [{ name: 'init', state: { waiting: { reason: 'PodInitializing' } }, lastState: {}, ready: false, restartCount: 0, image: 'x', imageID: '' }] },
      { initContainers: [{ name: 'init', image: 'x' }] },
    );
    expect(podSummary(init, NOW).reason).toBe('Init:0/1');

    const terminating = pod({ conditions: [{ type: 'Ready', status: 'True' }] }, {}, { deletionTimestamp: iso(NOW) });
    expect(podSummary(terminating, NOW).reason).toBe('Terminating');

    const pending = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] });
    expect(podSummary(pending, NOW)).toEqual({ ready: '0/1', reason: 'Pending', restarts: '0' });
  });
});

describe('toTable', () => {
  it('prints node roles sorted, with <none> when there are none', () => {
    expect(nodeRoles({ 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'gpu' })).toEqual(['control-plane', 'gpu', 'worker']);
    expect(nodeRoles({})).toEqual([]);
  });

  it('carries the object as PartialObjectMetadata by default, and none or all of it when asked', () => {
    const p = pod({ conditions: [{ type: 'Ready', status: 'True' }] });
    const meta = toTable('pods', [p], NOW, { includeObject: 'Metadata', resourceVersion: '5' });
    expect(meta).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '5' } });
    const rows = meta.rows as { cells: unknown[]; object: unknown }[];
    expect(rows[0]!.cells.slice(0, 5)).toEqual(['p', '0/1', 'Running', '0', '3h']);
    expect(rows[0]!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
    expect((meta.columnDefinitions as { name: string }[]).map((c) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    const none = toTable('pods', [p], NOW, { includeObject: 'None', resourceVersion: '5', noHeaders: true });
    expect((none.rows as object[])[0]).not.toHaveProperty('object');
    expect(none).not.toHaveProperty('columnDefinitions');
    const full = toTable('pods', [p], NOW, { includeObject: 'Object', resourceVersion: '5' });
    expect((full.rows as { object: unknown }[])[0]!.object).toBe(p);
  });

  it('falls back to Name and Created At for kinds without a printer', () => {
    const t = toTable('widgets.example.com', [pod({})], NOW, { includeObject: 'None', resourceVersion: '1' });
    expect((t.columnDefinitions as { name: string }[]).map((c) => c.name)).toEqual(['Name', 'Created At']);
    expect((t.rows as { cells: unknown[] }[])[0]!.cells).toEqual(['p', iso(NOW - 3 * h)]);
  });
});
