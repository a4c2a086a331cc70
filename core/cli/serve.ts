// `kubeglass serve`: browser mode. The engine runs in a worker thread so that nothing it does
// (kubeconfig reads, probes, later scrapes and queries) can stall the HTTP server.
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnEngineWorker } from '../host/spawn.js';
import { parseDuration } from '../scrape/duration.js';
import { EngineSupervisor } from '../host/supervisor.js';
import { startBrowserServer } from '../server/http.js';
import { defaultDataDir } from '../settings/paths.js';
import { describeCapture } from '../tsdb/store.js';

const HELP = `Usage: kubeglass serve [--data-dir DIR] [--context NAME] [--port P] [--no-scrape] [--scrape-interval DUR]
                      [--rule-interval DUR]
       kubeglass serve --capture FILE [--port P] [--data-dir DIR]

Runs Kubeglass in browser mode on 127.0.0.1 and prints the URL to open (it carries a
per-launch access token). The Prometheus HTTP API (/api/v1/query, query_range, series,
labels, …) is served on the same port without the token, for Grafana or promtool.

Options:
  --data-dir DIR   where settings and metrics are kept (default: ${defaultDataDir()})
  --context NAME   query this context's data (default: the selected kubeconfig context); the
                   context need not be in the kubeconfig (data imported or kept from before)
  --port P         TCP port on 127.0.0.1 (default: any free port)
  --no-scrape      do not discover and scrape the selected context (view stored data only)
  --scrape-interval DUR
                   how often targets without their own interval are scraped (default 30s)
  --rule-interval DUR
                   how often rule groups without their own interval are evaluated (default 30s)
  --capture FILE   show this capture (kubeglass capture export), read-only, with no cluster:
                   every page and the Prometheus API read it; nothing is scraped. Without
                   --data-dir, settings go to a temporary directory
  -h, --help       show this help`;

/** The built renderer and engine worker sit beside this bundle in dist/. */
function distPath(...parts: string[]): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), '..', ...parts);
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      context: { type: 'string' },
      'no-scrape': { type: 'boolean' },
      'scrape-interval': { type: 'string' },
      'rule-interval': { type: 'string' },
      capture: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`kubeglass serve: --port must be a number from 0 to 65535, not "${values.port}"`);
    return 2;
  }
  let scrapeIntervalMs: number | undefined;
  if (values['scrape-interval'] !== undefined) {
    try {
      scrapeIntervalMs = parseDuration(values['scrape-interval']);
      if (scrapeIntervalMs <= 0) throw new Error('must be positive');
    } catch (err) {
      console.error(`kubeglass serve: --scrape-interval "${values['scrape-interval']}": ${(err as Error).message}`);
      return 2;
    }
  }
  let ruleIntervalMs: number | undefined;
  if (values['rule-interval'] !== undefined) {
    try {
      ruleIntervalMs = parseDuration(values['rule-interval']);
      if (ruleIntervalMs <= 0) throw new Error('must be positive');
    } catch (err) {
      console.error(`kubeglass serve: --rule-interval "${values['rule-interval']}": ${(err as Error).message}`);
      return 2;
    }
  }
  let capture: string | undefined;
  if (values.capture !== undefined) {
    capture = path.resolve(values.capture);
    try {
      describeCapture(capture);
    } catch (err) {
      console.error(`kubeglass serve: --capture: ${(err as Error).message}`);
      return 1;
    }
  }
  // A capture needs no data directory of its own: a temporary one keeps the user's (and the lock
  // a running Kubeglass holds on it) out of the way.
  const dataDir = path.resolve(values['data-dir'] ?? (capture !== undefined ? mkdtempSync(path.join(os.tmpdir(), 'kubeglass-capture-')) : defaultDataDir()));
  const staticDir = distPath('renderer');
  if (!existsSync(path.join(staticDir, 'index.html'))) {
    console.error(`kubeglass serve: the app is not built (${staticDir} is missing); run "npm run build"`);
    return 1;
  }

  const engine = new EngineSupervisor({
    spawn: () => spawnEngineWorker(distPath('host', 'worker.js'), { dataDir, shell: 'browser', context: values.context, scrape: !values['no-scrape'] && capture === undefined, scrapeIntervalMs, ruleIntervalMs, capture }),
    log: (line) => console.error(`kubeglass serve: ${line}`),
  });
  await engine.start();
  let server;
  try {
    server = await startBrowserServer({ api: engine, staticDir, port });
  } catch (err) {
    await engine.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`kubeglass serve: port ${port} on 127.0.0.1 is already in use; pick another with --port or omit it`);
      return 1;
    }
    throw err;
  }
  console.log(capture !== undefined ? `Kubeglass is showing the capture ${capture} in browser mode, read-only.` : `Kubeglass is running in browser mode (data: ${dataDir}).`);
  console.log(`Open ${server.loginUrl}`);

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (code: number) => {
      if (stopping) return;
      stopping = true;
      await server.close();
      await engine.close();
      resolve(code);
    };
    process.once('SIGINT', () => void stop(0));
    process.once('SIGTERM', () => void stop(0));
  });
}
