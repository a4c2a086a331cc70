import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoCluster, type RunningDemoCluster } from '../demo/index.js';
import { sharedCA } from '../demo/testing.js';
import { createKubeFetcher, kubeStatusMessage } from './fetcher.js';

let demo: RunningDemoCluster;
beforeAll(async () => {
  demo = await startDemoCluster({ nodes: 3, seed: 1, ca: await sharedCA() });
}, 60_000);
afterAll(() => demo?.close());

function kubeconfig(context: string, yaml = demo.kubeconfig): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  kc.setCurrentContext(context);
  return kc;
}

const get = (kc: KubeConfig, path: string) =>
  createKubeFetcher(kc)({ url: `${demo.url}${path}`, accept: 'application/json', timeoutMs: 5000, bodySizeLimit: 0, authorization: null });

describe('createKubeFetcher: requests to the API server with the context credentials', () => {
  it.each(['token', 'client certificate'])('authenticates with a %s and trusts the cluster CA', async (kind) => {
    const kc = kubeconfig(kind === 'token' ? demo.contextName : `${demo.contextName}-cert`);
    const res = await get(kc, '/version');
    expect(JSON.parse(res.body.toString()).gitVersion).toMatch(/^v1\.32/);
  });

  it("says what the API server's Status says when it refuses", async () => {
    const bad = kubeconfig(demo.contextName, demo.kubeconfig.replace(demo.token, 'not-the-token'));
    await expect(get(bad, '/version')).rejects.toThrow(/^server returned HTTP status 401 Unauthorized: Unauthorized$/);
    await expect(get(kubeconfig(demo.contextName), '/api/v1/namespaces/default/pods/nope')).rejects.toThrow(/404 Not Found: pods "nope" not found/);
  });

  it('reports credentials that cannot be had (an exec plugin that fails) as the scrape error', async () => {
    const yaml = demo.kubeconfig.replace(/token: .*/, 'exec:\n        apiVersion: client.authentication.k8s.io/v1\n        command: /bin/false\n        interactiveMode: Never');
    await expect(get(kubeconfig(demo.contextName, yaml), '/version')).rejects.toThrow(/^credentials for the cluster: /);
  });
});

describe('kubeStatusMessage', () => {
  it.each<[string, string, string | null]>([
    ['application/json', '{"kind":"Status","status":"Failure","message":"pods \\"x\\" is forbidden"}', 'pods "x" is forbidden'],
    ['application/json', '{"kind":"Pod"}', null],
    ['text/plain', 'oops', null],
    ['application/json', '{not json', null],
  ])('%s %s', (type, body, msg) => {
    expect(kubeStatusMessage(403, type, Buffer.from(body))).toBe(msg);
  });
});
