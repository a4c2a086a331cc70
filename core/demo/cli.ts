// `kubeglass demo-cluster`: runs the simulated cluster's API server until SIGINT/SIGTERM and
// writes a kubeconfig for it, so kubectl (or Kubeglass itself) can be pointed at it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_NODES, MIN_NODES } from './catalog.js';
import { startDemoCluster } from './index.js';

const HELP = `Usage: kubeglass demo-cluster [--nodes N] [--seed S] [--port P] [--kubeconfig-out FILE] [--context NAME] [--state-dir DIR]

Runs a simulated Kubernetes cluster behind a real HTTPS API server on 127.0.0.1 and writes a
kubeconfig for it (CA embedded; a bearer-token context, current, and a client-certificate
context "<NAME>-cert"). kubectl works against it: get, list, watch, tables. Stops on Ctrl+C.

Options:
  --nodes N            cluster size, ${MIN_NODES} to ${MAX_NODES} (default 8)
  --seed S             the same seed gives the same cluster (default 1)
  --port P             TCP port on 127.0.0.1 (default: any free port)
  --kubeconfig-out F   where to write the kubeconfig (default: <state-dir>/kubeconfig, else a
                       temporary file removed on exit)
  --context NAME       name of the kubeconfig cluster and context (default kubeglass-demo)
  --state-dir DIR      keep the CA and token here, so a kubeconfig stays valid across restarts
  -h, --help           show this help`;

export interface DemoClusterCommandIO {
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Resolves to stop the server; by default SIGINT or SIGTERM. */
  stop?: Promise<unknown>;
}

function untilSignal(): { promise: Promise<string>; dispose: () => void } {
  let dispose = () => {};
  const promise = new Promise<string>((resolve) => {
    const onInt = () => resolve('SIGINT');
    const onTerm = () => resolve('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    dispose = () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
  });
  return { promise, dispose };
}

export async function demoClusterCommand(argv: string[], io: DemoClusterCommandIO = {}): Promise<number> {
  const out = io.out ?? ((s: string) => console.log(s));
  const err = io.err ?? ((s: string) => console.error(s));
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      seed: { type: 'string' },
      port: { type: 'string' },
      'kubeconfig-out': { type: 'string' },
      context: { type: 'string' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out(HELP);
    return 0;
  }
  const nodes = values.nodes === undefined ? 8 : Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < MIN_NODES || nodes > MAX_NODES) {
    err(`kubeglass demo-cluster: --nodes must be a whole number from ${MIN_NODES} to ${MAX_NODES}, not "${values.nodes}"`);
    return 2;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    err(`kubeglass demo-cluster: --port must be a number from 0 to 65535, not "${values.port}"`);
    return 2;
  }
  const context = values.context ?? 'kubeglass-demo';
  if (!/^[A-Za-z0-9][A-Za-z0-9._@:-]*$/.test(context)) {
    err(`kubeglass demo-cluster: --context "${context}" is not a usable kubeconfig name`);
    return 2;
  }
  const stateDir = values['state-dir'] ? path.resolve(values['state-dir']) : undefined;
  let tempDir: string | undefined;
  let kubeconfigOut = values['kubeconfig-out'] ? path.resolve(values['kubeconfig-out']) : undefined;
  if (!kubeconfigOut) {
    if (stateDir) kubeconfigOut = path.join(stateDir, 'kubeconfig');
    else {
      tempDir = await mkdtemp(path.join(os.tmpdir(), 'kubeglass-demo-'));
      kubeconfigOut = path.join(tempDir, 'kubeconfig');
    }
  }
  const signals = io.stop ? undefined : untilSignal();
  try {
    const started = performance.now();
    const demo = await startDemoCluster({ nodes, seed: values.seed ?? '1', port, contextName: context, kubeconfigOut, stateDir });
    const ms = Math.round(performance.now() - started);
    const setVar = process.platform === 'win32' ? `set KUBECONFIG=${kubeconfigOut}` : `export KUBECONFIG=${kubeconfigOut}`;
    out(`Demo cluster: ${demo.cluster.summary()} (started in ${ms} ms)`);
    out(`API server:   ${demo.url}`);
    out(`kubeconfig:   ${kubeconfigOut}`);
    out(`              ${setVar}; kubectl get nodes`);
    out('Press Ctrl+C to stop.');
    const reason = await (io.stop ?? signals!.promise);
    await demo.close();
    out(`Demo cluster stopped${typeof reason === 'string' ? ` (${reason})` : ''}.`);
    return 0;
  } finally {
    signals?.dispose();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}
