// startDemoCluster: a simulated cluster behind a real HTTPS Kubernetes API on 127.0.0.1, with a
// kubeconfig for it. What tests, the CLI and the app (as the default context when there is no
// kubeconfig) start.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DemoApiServer } from './api-server.js';
import { Authenticator, type Authorizer } from './auth.js';
import { issueClientCertificate, issueServerCertificate, loadOrCreateCertificateAuthority, type CertificateAuthority, type IssuedCertificate } from './certs.js';
import { DemoCluster, type Clock } from './cluster.js';
import { demoKubeconfig, writeKubeconfig } from './kubeconfig-out.js';

export interface StartDemoClusterOptions {
  nodes?: number;
  seed?: string | number;
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** Names the kubeconfig's cluster and contexts (default "kubeglass-demo"). */
  contextName?: string;
  /** Also write the kubeconfig here (mode 0600). */
  kubeconfigOut?: string;
  /** Keeps the CA and the token across restarts (ca.crt, ca.key, token). */
  stateDir?: string;
  /** Use this CA instead of loading or making one (tests share one to save key generation). */
  ca?: CertificateAuthority;
  clock?: Clock;
  /** Let the cluster evolve with its clock (default true). */
  evolve?: boolean;
  /** How often the cluster catches up with its clock when nobody asks (default 1000 ms). */
  tickMs?: number;
  bookmarkIntervalMs?: number;
  historyWindowMs?: number;
  authorizer?: Authorizer;
}

export interface RunningDemoCluster {
  url: string;
  /** The kubeconfig as YAML: token context current, "<name>-cert" for the client certificate. */
  kubeconfig: string;
  kubeconfigPath?: string;
  caPem: string;
  ca: CertificateAuthority;
  token: string;
  clientCert: IssuedCertificate;
  contextName: string;
  cluster: DemoCluster;
  server: DemoApiServer;
  close(): Promise<void>;
}

export const ADMIN_USER = 'kubeglass-demo-admin';

async function loadOrCreateToken(stateDir: string | undefined): Promise<string> {
  if (stateDir) {
    try {
      const t = (await readFile(path.join(stateDir, 'token'), 'utf8')).trim();
      if (/^[A-Za-z0-9._-]{16,}$/.test(t)) return t;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const token = randomBytes(24).toString('base64url');
  if (stateDir) {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await writeFile(path.join(stateDir, 'token'), `${token}\n`, { mode: 0o600 });
  }
  return token;
}

export async function startDemoCluster(opts: StartDemoClusterOptions = {}): Promise<RunningDemoCluster> {
  // Key generation runs on libuv's thread pool: start it first, so it overlaps generating the cluster.
  const credentials = (async () => {
    const ca = opts.ca ?? (await loadOrCreateCertificateAuthority(opts.stateDir));
    const [serving, clientCert, token] = await Promise.all([
      issueServerCertificate(ca),
      issueClientCertificate(ca, { user: ADMIN_USER, groups: ['system:masters'] }),
      loadOrCreateToken(opts.stateDir),
    ]);
    return { ca, serving, clientCert, token };
  })();
  // If generation throws (a bad size), the credentials' outcome no longer matters.
  credentials.catch(() => {});
  const cluster = new DemoCluster({
    nodes: opts.nodes,
    seed: opts.seed,
    clock: opts.clock,
    evolve: opts.evolve,
    historyWindowMs: opts.historyWindowMs,
  });
  const { ca, serving, clientCert, token } = await credentials;
  const authenticator = new Authenticator();
  authenticator.addToken(token, { name: ADMIN_USER, groups: ['system:masters'] });
  const server = new DemoApiServer({
    cluster,
    tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem: ca.certPem },
    authenticator,
    authorizer: opts.authorizer,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
  });
  const url = await server.listen();
  const contextName = opts.contextName ?? 'kubeglass-demo';
  const kubeconfig = demoKubeconfig({ server: url, caPem: ca.certPem, contextName, token, clientCert });
  if (opts.kubeconfigOut) await writeKubeconfig(opts.kubeconfigOut, kubeconfig);
  cluster.startTicking(opts.tickMs ?? 1000);
  let closed = false;
  return {
    url,
    kubeconfig,
    ...(opts.kubeconfigOut ? { kubeconfigPath: opts.kubeconfigOut } : {}),
    caPem: ca.certPem,
    ca,
    token,
    clientCert,
    contextName,
    cluster,
    server,
    async close() {
      if (closed) return;
      closed = true;
      cluster.stopTicking();
      await server.close();
    },
  };
}

export { DemoCluster, ManualClock, systemClock, type Clock } from './cluster.js';
export { DemoApiServer } from './api-server.js';
export { Authenticator, defaultAuthorizer, type Authorizer, type UserInfo } from './auth.js';
export { createCertificateAuthority, issueClientCertificate, issueServerCertificate, type CertificateAuthority } from './certs.js';
export { crashLoopBackOff, nodeNotReady, nodeReady, oomKilled, stopCrashLoop } from './faults.js';
export { demoKubeconfig } from './kubeconfig-out.js';
