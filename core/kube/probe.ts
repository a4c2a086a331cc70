// Asks a context's API server for /version: the cheapest call that proves the address, the TLS
// trust and the credentials all work. Errors become one sentence a person can act on.
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import type { ConnectionStatus } from '../api/contract.js';

export interface ProbeResult {
  state: ConnectionStatus['state'];
  serverVersion: string | null;
  message: string;
  latencyMs: number | null;
}

function networkMessage(err: { code?: unknown; message?: unknown; cause?: unknown }): string | null {
  const code = typeof err.code === 'string' ? err.code : undefined;
  const cause = err.cause as { code?: unknown } | undefined;
  const c = code ?? (typeof cause?.code === 'string' ? cause.code : undefined);
  switch (c) {
    case 'ECONNREFUSED':
      return 'connection refused: nothing is listening at the API server address';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the API server host name does not resolve (offline, or VPN not connected?)';
    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `the API server cannot be reached (${c})`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the API server's TLS certificate is not trusted (${c}); check certificate-authority in the kubeconfig`;
    default:
      return null;
  }
}

export async function probeKubeconfig(kubeconfigYaml: string, timeoutMs = 5000): Promise<ProbeResult> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigYaml);
    const api = kc.makeApiClient(VersionApi);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'KG_TIMEOUT' })), timeoutMs);
    });
    const info = await Promise.race([api.getCode(), timeout]);
    return {
      state: 'connected',
      serverVersion: info.gitVersion,
      message: `connected to Kubernetes ${info.gitVersion}`,
      latencyMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown; body?: unknown };
    if (e.code === 'KG_TIMEOUT') {
      return { state: 'unreachable', serverVersion: null, message: `no answer from the API server within ${timeoutMs / 1000} s`, latencyMs: null };
    }
    if (e.code === 401 || e.code === 403) {
      return {
        state: 'unauthorized',
        serverVersion: null,
        message:
          e.code === 401
            ? 'the API server rejected the credentials (401): log in again or refresh the token'
            : 'the credentials are valid but may not read /version (403)',
        latencyMs: null,
      };
    }
    if (typeof e.code === 'number') {
      return { state: 'error', serverVersion: null, message: `the API server answered HTTP ${e.code}`, latencyMs: null };
    }
    const net = networkMessage(e);
    if (net) return { state: 'unreachable', serverVersion: null, message: net, latencyMs: null };
    const message = typeof e.message === 'string' ? e.message : String(err);
    if (message.includes('HTTP protocol is not allowed')) {
      return {
        state: 'error',
        serverVersion: null,
        message: 'the API server URL uses plain http://; use https://, or set insecure-skip-tls-verify: true on the cluster if you really mean it',
        latencyMs: null,
      };
    }
    return { state: 'error', serverVersion: null, message, latencyMs: null };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
