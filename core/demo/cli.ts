// `kubeglass demo-cluster`: runs the simulated cluster's API server until SIGINT/SIGTERM and
// writes a kubeconfig for it, so kubectl (or Kubeglass itself) can be pointed at it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_NODES, MIN_NODES } from './catalog.js';
import { generateCluster } from './generate.js';
import { createInterface, type Interface } from 'node:readline';
import { FAULT_COMMANDS_HELP, runFaultCommand } from './fault-commands.js';
import { startDemoCluster, uninstallAddon } from './index.js';

/** The node names a cluster of this size and seed has (generation is cheap next to starting). */
function demoNodeNames(nodes: number, seed: string): string[] {
  return (generateCluster({ seed, nodes, now: Date.now() }).objects.get('nodes') ?? []).map((n) => n.metadata.name);
}

const HELP = `Usage: kubeglass demo-cluster [--nodes N] [--seed S] [--port P] [--kubeconfig-out FILE] [--context NAME] [--state-dir DIR] [--node-exporter-url [NODE=]URL]... [--without APP]... [--faults-stdin]

Runs a simulated Kubernetes cluster behind a real HTTPS API server on 127.0.0.1 and writes a
kubeconfig for it (CA embedded; a bearer-token context, current, and a client-certificate
context "<NAME>-cert"). kubectl works against it: get, list, watch, tables, top, the pods/,
nodes/ and services/ proxies and port-forward to the simulated exporters (node-exporter,
the kubelet's cAdvisor, kube-state-metrics, DCGM, the ping app). Stops on Ctrl+C.

Options:
  --nodes N            cluster size, ${MIN_NODES} to ${MAX_NODES} (default 8)
  --seed S             the same seed gives the same cluster (default 1)
  --port P             TCP port on 127.0.0.1 (default: any free port)
  --kubeconfig-out F   where to write the kubeconfig (default: <state-dir>/kubeconfig, else a
                       temporary file removed on exit)
  --context NAME       name of the kubeconfig cluster and context (default kubeglass-demo)
  --state-dir DIR      keep the CA and token here, so a kubeconfig stays valid across restarts
  --node-exporter-url [NODE=]URL
                       back NODE's node-exporter (default: the first worker) with a real one,
                       e.g. http://127.0.0.1:9100/metrics; repeatable
  --without APP        a cluster without this add-on (kube-state-metrics,
                       prometheus-node-exporter, dcgm-exporter): its objects and monitors
                       are deleted, as helm uninstall would; repeatable
  --faults-stdin       read fault commands from stdin, one per line, and answer each
                       with "ok …" or "error: …" (for tests; "help" lists them)
  -h, --help           show this help`;

export interface DemoClusterCommandIO {
  out?: (line: string) => void;
  /** Where --faults-stdin reads commands (default process.stdin). */
  input?: NodeJS.ReadableStream;
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
      'node-exporter-url': { type: 'string', multiple: true },
      without: { type: 'string', multiple: true },
      'faults-stdin': { type: 'boolean' },
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
  const nodeExporterUrls: { node: string | null; url: string }[] = [];
  for (const spec of values['node-exporter-url'] ?? []) {
    const m = /^(?:([a-z0-9][a-z0-9.-]*)=)?(https?:\/\/.+)$/.exec(spec);
    if (!m) {
      err(`kubeglass demo-cluster: --node-exporter-url takes [NODE=]http(s)://…, not "${spec}"`);
      return 2;
    }
    nodeExporterUrls.push({ node: m[1] ?? null, url: m[2]! });
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
    const seed = values.seed ?? '1';
    // Which node a URL without NODE= backs: the first worker of the cluster this seed and size make.
    const names = nodeExporterUrls.length > 0 ? demoNodeNames(nodes, seed) : [];
    const urls: Record<string, string> = {};
    for (const u of nodeExporterUrls) {
      const node = u.node ?? names.find((n) => n.includes('worker')) ?? names[0]!;
      if (!names.includes(node)) {
        err(`kubeglass demo-cluster: --node-exporter-url: the cluster has no node "${node}" (it has ${names.join(', ')})`);
        return 2;
      }
      urls[node] = u.url;
    }
    const demo = await startDemoCluster({ nodes, seed, port, contextName: context, kubeconfigOut, stateDir, nodeExporterUrls: urls });
    for (const app of values.without ?? []) {
      try {
        uninstallAddon(demo.cluster, app);
      } catch (e) {
        await demo.close();
        err(`kubeglass demo-cluster: --without ${app}: ${(e as Error).message}`);
        return 2;
      }
    }
    const ms = Math.round(performance.now() - started);
    const setVar = process.platform === 'win32' ? `set KUBECONFIG=${kubeconfigOut}` : `export KUBECONFIG=${kubeconfigOut}`;
    out(`Demo cluster: ${demo.cluster.summary()} (started in ${ms} ms)`);
    out(`API server:   ${demo.url}`);
    out(`kubeconfig:   ${kubeconfigOut}`);
    out(`              ${setVar}; kubectl get nodes`);
    for (const [node, url] of Object.entries(urls)) out(`node-exporter: ${node} answers with ${url}`);
    for (const app of values.without ?? []) out(`without:      ${app}`);
    let faults: Interface | null = null;
    if (values['faults-stdin']) {
      faults = createInterface({ input: io.input ?? process.stdin, terminal: false });
      // One at a time, in order: a test's "api-down" must finish before its next command.
      let queue = Promise.resolve();
      faults.on('line', (line) => {
        queue = queue.then(async () => out(line.trim() === 'help' ? FAULT_COMMANDS_HELP : await runFaultCommand(demo, line)));
      });
    }
    out('Press Ctrl+C to stop.');
    const reason = await (io.stop ?? signals!.promise);
    faults?.close();
    await demo.close();
    out(`Demo cluster stopped${typeof reason === 'string' ? ` (${reason})` : ''}.`);
    return 0;
  } finally {
    signals?.dispose();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}
