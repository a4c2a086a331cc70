// The generated cluster both TSDB and PromQL benchmarks run on: ../shared/bench/gen-cluster.mjs,
// seed 42, written once per size into the output directory and reused by later runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** The shared benchmark kit (beside the project root). */
export const SHARED_BENCH = path.resolve(process.cwd(), '..', 'shared', 'bench');

export function clusterDataset(out: string, nodes: string, hours: string): string {
  mkdirSync(out, { recursive: true });
  const file = path.join(out, `cluster-${nodes}n-${hours}h.om`);
  if (!existsSync(file)) execFileSync('node', [path.join(SHARED_BENCH, 'gen-cluster.mjs'), '--nodes', nodes, '--hours', hours, '--seed', '42', '--out', file], { stdio: 'inherit' });
  return file;
}
