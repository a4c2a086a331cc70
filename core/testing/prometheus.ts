// The real Prometheus (Debian's 2.42) as an oracle in tests: started on 127.0.0.1 on a free port
// over a TSDB directory and config the test wrote, queried through its HTTP API, stopped after.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { QueryData } from '../api/contract.js';

export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningPrometheus {
  port: number;
  /** Its process id (benchmarks read its CPU time from /proc). */
  pid: number;
  /** GET on its API; throws with Prometheus's error where the status is not "success". */
  api(pathAndQuery: string): Promise<QueryData>;
  stop(): void;
}

/** Starts Prometheus and resolves once /-/ready answers (or after ~30 s, when the first API call says why). */
export async function startPrometheus(opts: { configFile: string; tsdbPath: string; args?: string[] }): Promise<RunningPrometheus> {
  const port = await freePort();
  const proc: ChildProcess = spawn(
    PROMETHEUS,
    [`--config.file=${opts.configFile}`, `--storage.tsdb.path=${opts.tsdbPath}`, '--storage.tsdb.retention.time=100y', `--web.listen-address=127.0.0.1:${port}`, '--log.level=error', ...(opts.args ?? [])],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 200; i++) {
    const ready = await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok).catch(() => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    port,
    pid: proc.pid!,
    api: async (pathAndQuery) => {
      const r = await fetch(`http://127.0.0.1:${port}${pathAndQuery}`);
      const body = (await r.json()) as { status: string; data: QueryData; error?: string };
      if (body.status !== 'success') throw new Error(`Prometheus: ${body.error}`);
      return body.data;
    },
    stop: () => proc.kill(),
  };
}
