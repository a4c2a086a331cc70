// Test doubles for the contract: a state with no contexts and a handler set that answers every
// call, for tests of the transports (RPC, HTTP) that need an engine but not its behaviour.
import type { ConnectionStatus, ContextsState, Handlers } from './contract.js';

export const EMPTY_CONTEXTS: ContextsState = { files: [], origin: 'default', contexts: [], kubeconfigCurrent: null, selected: null, background: [], portForward: [], reachability: {}, issues: [], loadedAt: 1 };
export const NO_CONNECTION: ConnectionStatus = { context: null, state: 'none', serverVersion: null, message: '', checkedAt: null, latencyMs: null };

export function fakeHandlers(overrides: Partial<Handlers> = {}): Handlers {
  return {
    'app.info': async () => ({ name: 'Kubeglass', version: 't', shell: 'browser', dataDir: '/d', platform: 'x', nodeVersion: '20', capture: null, captureLocked: false }),
    'contexts.list': async () => EMPTY_CONTEXTS,
    'contexts.select': async ({ name }) => ({ ...EMPTY_CONTEXTS, selected: name }),
    'contexts.reload': async () => EMPTY_CONTEXTS,
    'contexts.setBackground': async () => EMPTY_CONTEXTS,
    'contexts.setPortForward': async () => EMPTY_CONTEXTS,
    'connection.get': async () => NO_CONNECTION,
    'connection.check': async () => NO_CONNECTION,
    'storage.list': async () => ({ dataDir: '/d', databases: [], captures: [] }),
    'remoteWrite.get': async ({ context }) => ({ context, config: null, stats: null }),
    'remoteWrite.set': async ({ context }) => ({ context, config: null, stats: null }),
    'captures.create': async () => { throw new Error('no captures here'); },
    'captures.delete': async () => ({}),
    'captures.open': async () => { throw new Error('no captures here'); },
    'captures.close': async () => ({ name: 'Kubeglass', version: 't', shell: 'browser', dataDir: '/d', platform: 'x', nodeVersion: '20', capture: null, captureLocked: false }),
    'promql.query': async () => ({ data: { resultType: 'vector', result: [] }, warnings: [], infos: [] }),
    'promql.queryRange': async () => ({ data: { resultType: 'matrix', result: [] }, warnings: [], infos: [] }),
    'promql.series': async () => [],
    'promql.labels': async () => [],
    'promql.labelValues': async () => [],
    'promql.metadata': async () => ({}),
    'promql.format': async ({ query }) => query,
    'targets.list': async () => ({ context: null, state: 'off', message: '', jobs: [], active: [], dropped: [] }),
    'scraping.status': async () => ({ engineCpuPercent: 0, contexts: [] }),
    'alerts.list': async () => ({ viewed: null, alerts: [] }),
    'rules.list': async () => ({ viewed: null, contexts: [], problems: [] }),
    'alerts.reloadRules': async () => ({ viewed: null, contexts: [], problems: [] }),
    'silences.list': async () => [],
    'silences.create': async ({ fingerprint }) => ({ id: 's1', matchers: [`fp="${fingerprint}"`], startsAt: 1, endsAt: 2, createdBy: 't', comment: '', updatedAt: 1, state: 'active' }),
    'silences.expire': async ({ id }) => ({ id, matchers: [], startsAt: 1, endsAt: 1, createdBy: 't', comment: '', updatedAt: 1, state: 'expired' }),
    'alerts.settings': async () => ({ doNotDisturb: false, mutedContexts: [], clusterRules: [] }),
    'alerts.setSettings': async () => ({ doNotDisturb: false, mutedContexts: [], clusterRules: [] }),
    ...overrides,
  };
}
