// The kubeconfig a demo cluster hands out: the CA embedded (so no file paths to go stale), one
// user with the bearer token and one with the client certificate, a context for each; the
// token context is current. kubectl, client-go and @kubernetes/client-node all read it as is.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';

export interface DemoKubeconfigOptions {
  server: string;
  caPem: string;
  /** Names the cluster and the token context; the certificate context is "<name>-cert". */
  contextName: string;
  token: string;
  clientCert?: { certPem: string; keyPem: string };
  namespace?: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export function demoKubeconfig(opts: DemoKubeconfigOptions): string {
  const name = opts.contextName;
  const users: Record<string, unknown>[] = [{ name: `${name}-admin`, user: { token: opts.token } }];
  const contexts: Record<string, unknown>[] = [
    { name, context: { cluster: name, user: `${name}-admin`, ...(opts.namespace ? { namespace: opts.namespace } : {}) } },
  ];
  if (opts.clientCert) {
    users.push({ name: `${name}-cert`, user: { 'client-certificate-data': b64(opts.clientCert.certPem), 'client-key-data': b64(opts.clientCert.keyPem) } });
    contexts.push({ name: `${name}-cert`, context: { cluster: name, user: `${name}-cert`, ...(opts.namespace ? { namespace: opts.namespace } : {}) } });
  }
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caPem) } }],
    users,
    contexts,
    'current-context': name,
    preferences: {},
  });
}

/** Writes a kubeconfig readable only by its owner (it holds credentials). */
export async function writeKubeconfig(file: string, yaml: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, yaml, { mode: 0o600 });
  await chmod(file, 0o600);
}
