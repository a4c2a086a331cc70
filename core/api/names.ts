// The names of every contract call and event, kept apart from their schemas so the
// sandboxed preload can bundle them without pulling in a validation library.

export const CALL_NAMES = [
  'app.info',
  'contexts.list',
  'contexts.select',
  'contexts.reload',
  'contexts.setBackground',
  'contexts.setPortForward',
  'connection.get',
  'connection.check',
  'storage.list',
  'remoteWrite.get',
  'remoteWrite.set',
  'captures.create',
  'captures.delete',
  'captures.open',
  'captures.close',
  'promql.query',
  'promql.queryRange',
  'promql.series',
  'promql.labels',
  'promql.labelValues',
  'promql.metadata',
  'promql.format',
  'targets.list',
  'scraping.status',
  'alerts.list',
  'rules.list',
  'alerts.reloadRules',
  'silences.list',
  'silences.create',
  'silences.expire',
  'alerts.settings',
  'alerts.setSettings',
] as const;

export const EVENT_NAMES = ['contexts.changed', 'connection.changed', 'alerts.notification', 'alerts.open'] as const;

export type CallName = (typeof CALL_NAMES)[number];
export type EventName = (typeof EVENT_NAMES)[number];

const callSet: ReadonlySet<string> = new Set(CALL_NAMES);
const eventSet: ReadonlySet<string> = new Set(EVENT_NAMES);

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && callSet.has(name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && eventSet.has(name);
}

/** IPC channel prefix; one channel per call so main can register exactly the contract. */
export const IPC_CALL_PREFIX = 'kubeglass:call:';
export const IPC_EVENT_CHANNEL = 'kubeglass:event';
export const IPC_CANCEL_CHANNEL = 'kubeglass:cancel';
