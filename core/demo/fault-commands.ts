// Faults scripted from outside the process: `kubeglass demo-cluster --faults-stdin` reads one
// command per line and answers "ok …" or "error: …" on stdout, so end-to-end tests (and anyone at
// a terminal) can break and heal a running demo cluster without linking to it.
import {
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
  slowProxy,
  stopCrashLoop,
  uninstallAddon,
  type RunningDemoCluster,
  type TargetRef,
} from './index.js';

export const FAULT_COMMANDS_HELP = `Commands (one per line):
  malformed NODE|NS/POD PORT     the target answers a broken exposition
  hang NODE|NS/POD PORT [MS]     the target accepts and says nothing (default 120000 ms)
  refuse NODE|NS/POD PORT        nothing listens on the target's port
  slow-proxy NODE|NS/POD PORT MS the API server's proxy to the target stalls MS first
  slow-proxy all MS              …to every target (port-forwards stay fast)
  clear-targets                  every target answers normally again
  node-not-ready NODE            the node stops reporting (NotReady, Unknown)
  node-ready NODE                …and is back
  crashloop NS/POD               the pod's first container crash-loops
  stop-crashloop NS/POD          …and runs again
  oom NS/POD                     the pod's first container is OOM-killed once
  uninstall APP                  helm uninstall (e.g. kube-state-metrics)
  api-down | api-up              the API server goes away / comes back`;

function target(where: string, port: string): TargetRef {
  const p = Number(port);
  if (!Number.isInteger(p) || p <= 0 || p > 65535) throw new Error(`"${port}" is not a port`);
  const slash = where.indexOf('/');
  return slash < 0 ? { node: where, port: p } : { namespace: where.slice(0, slash), pod: where.slice(slash + 1), port: p };
}

function delay(ms: string): number {
  const n = Number(ms);
  if (!/^\d+$/.test(ms) || !Number.isSafeInteger(n)) throw new Error(`"${ms}" is not a delay in milliseconds`);
  return n;
}

function pod(ref: string): [string, string] {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) throw new Error(`"${ref}" is not NAMESPACE/POD`);
  return [ref.slice(0, slash), ref.slice(slash + 1)];
}

/** Runs one command line against the cluster; returns the answer line. Never throws. */
export async function runFaultCommand(demo: RunningDemoCluster, line: string): Promise<string> {
  const [cmd, ...args] = line.trim().split(/\s+/);
  const need = (n: number) => {
    if (args.length < n) throw new Error(`${cmd} needs ${n} argument${n === 1 ? '' : 's'}`);
  };
  try {
    switch (cmd) {
      case 'malformed':
        need(2);
        malformedTarget(demo.network, target(args[0]!, args[1]!));
        break;
      case 'hang':
        need(2);
        hangTarget(demo.network, target(args[0]!, args[1]!), args[2] === undefined ? undefined : Number(args[2]));
        break;
      case 'refuse':
        need(2);
        refuseTarget(demo.network, target(args[0]!, args[1]!));
        break;
      case 'slow-proxy':
        if (args[0] === 'all') {
          need(2);
          slowProxy(demo.network, undefined, delay(args[1]!));
        } else {
          need(3);
          slowProxy(demo.network, target(args[0]!, args[1]!), delay(args[2]!));
        }
        break;
      case 'clear-targets':
        clearTargetFaults(demo.network);
        break;
      case 'node-not-ready':
        need(1);
        nodeNotReady(demo.cluster, args[0]!);
        break;
      case 'node-ready':
        need(1);
        nodeReady(demo.cluster, args[0]!);
        break;
      case 'crashloop':
        need(1);
        crashLoopBackOff(demo.cluster, ...pod(args[0]!));
        break;
      case 'stop-crashloop':
        need(1);
        stopCrashLoop(demo.cluster, ...pod(args[0]!));
        break;
      case 'oom':
        need(1);
        oomKilled(demo.cluster, ...pod(args[0]!));
        break;
      case 'uninstall':
        need(1);
        uninstallAddon(demo.cluster, args[0]!);
        break;
      case 'api-down':
        await apiServerDown(demo);
        break;
      case 'api-up':
        await apiServerUp(demo);
        break;
      case undefined:
      case '':
        return 'error: empty command';
      default:
        return `error: unknown command "${cmd}"`;
    }
    return `ok ${line.trim()}`;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}
