// startDemoCluster: a simulated cluster behind a real HTTPS Kubernetes API on 127.0.0.1, with a
// kubeconfig for it. What tests, the CLI and the app (as the default context when there is no
// kubeconfig) start.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DemoApiServer } from './api-server.js';
import { Authenticator, defaultAuthorizer, type Authorizer, type RequestAttributes, type UserInfo } from './auth.js';
import { issueClientCertificate, issueServerCertificate, loadOrCreateCertificateAuthority, type CertificateAuthority, type IssuedCertificate } from './certs.js';
import { DemoCluster, type Clock } from './cluster.js';
import { demoKubeconfig, writeKubeconfig } from './kubeconfig-out.js';
import { registerMetricsApi } from './metrics-api.js';
import { ClusterNetwork } from './network.js';
import { registerPortForward } from './portforward.js';
import { registerProxies } from './proxy.js';
import type { Node } from '../kube/objects.js';

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
  /** Nodes whose node-exporter is a real one: node name → URL of its /metrics. */
  nodeExporterUrls?: Record<string, string>;
  /** How long proxying to an unreachable host takes to fail (the API server's dialer: 30 s). */
  dialTimeoutMs?: number;
}

export interface DemoUserOptions {
  name: string;
  groups?: string[];
  /**
   * Resources ("services/proxy", "pods/proxy", "pods/portforward", "nodes") the user may not
   * use. Everything else is allowed: reading every kind, the proxies and port-forward.
   */
  deny?: string[];
}

export interface DemoUser {
  name: string;
  token: string;
  /** A kubeconfig for this user alone (token auth, same cluster and CA). */
  kubeconfig: string;
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
  /** What listens where in the cluster; target faults go here. */
  network: ClusterNetwork;
  /** Adds a bearer-token user, with what it may not do. */
  addUser(opts: DemoUserOptions): DemoUser;
  /** The API server goes away (connections dropped, port closed); the cluster keeps its state. */
  stopApiServer(): Promise<void>;
  /** …and comes back on the same port. */
  startApiServer(): Promise<void>;
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
  const restricted = new Map<string, Set<string>>();
  const base = opts.authorizer ?? defaultAuthorizer;
  const authorizer: Authorizer = (user: UserInfo, attrs: RequestAttributes) => {
    const deny = restricted.get(user.name);
    if (!deny) return base(user, attrs);
    if ('path' in attrs) return attrs.verb === 'get';
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    if (deny.has(resource) || deny.has(attrs.group ? `${resource}.${attrs.group}` : resource)) return false;
    if (attrs.subresource === 'proxy' || attrs.subresource === 'portforward') return true;
    return ['get', 'list', 'watch'].includes(attrs.verb);
  };
  const server = new DemoApiServer({
    cluster,
    tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem: ca.certPem },
    authenticator,
    authorizer,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
  });
  const network = new ClusterNetwork(cluster, {
    ...(opts.dialTimeoutMs !== undefined ? { dialTimeoutMs: opts.dialTimeoutMs } : {}),
    nodeExporterUrls: new Map(Object.entries(opts.nodeExporterUrls ?? {})),
  });
  const controlPlane = (cluster.store.list('nodes') as Node[]).find((n) => 'node-role.kubernetes.io/control-plane' in (n.metadata.labels ?? {}));
  const cpIp = controlPlane?.status.addresses.find((a) => a.type === 'InternalIP')?.address;
  if (cpIp) network.apiServerHost = `${cpIp}:6443`;
  registerProxies(server, network);
  registerPortForward(server, network);
  registerMetricsApi(server);
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
    network,
    addUser(u: DemoUserOptions): DemoUser {
      const userToken = randomBytes(24).toString('base64url');
      authenticator.addToken(userToken, { name: u.name, groups: u.groups ?? [] });
      restricted.set(u.name, new Set(u.deny ?? []));
      const userConfig = demoKubeconfig({ server: url, caPem: ca.certPem, contextName: u.name, token: userToken });
      return { name: u.name, token: userToken, kubeconfig: userConfig };
    },
    stopApiServer: () => server.stop(),
    async startApiServer() {
      if (!closed && !server.isListening) await server.listen();
    },
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
export {
  apiServerDown,
  apiServerUp,
  clearTargetFaults,
  crashLoopBackOff,
  hangTarget,
  malformedTarget,
  nodeNotReady,
  nodeReady,
  oomKilled,
  refuseTarget,
  restrictedUser,
  slowProxy,
  stopCrashLoop,
  type TargetRef,
  uninstallAddon,
} from './faults.js';
export { ClusterNetwork, type Listener, type TargetFault } from './network.js';
export { metricsModel, type MetricsModel } from './model.js';
export { demoKubeconfig } from './kubeconfig-out.js';
