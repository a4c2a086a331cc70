// `kubeglass` command line. Subcommands are added by the layers that own them.
import { VERSION } from '../version.js';
import { demoClusterCommand } from '../demo/cli.js';
import { runCheckMetrics } from '../exposition/check.js';
import { PromEngine } from '../promql/engine.js';
import { pinToTime } from '../promql/rewrite.js';
import { PROMQL_TEST_ENGINE_OPTIONS, promqlTestCommand } from '../promql/promqltest.js';
import { captureCommand, exportCommand, importCommand } from './data.js';
import { scrapeCommand } from './scrape.js';
import { serveCommand } from './serve.js';

export class UsageError extends Error {}

const USAGE = `Usage: kubeglass <command> [options]

Commands:
  serve      run Kubeglass in browser mode: the engine in Node and the app on http://127.0.0.1
  scrape     scrape the targets of a Prometheus-style config and print the samples
  import     import OpenMetrics with timestamps into a context's database
  export     write a context's samples as OpenMetrics with timestamps
  capture export
             write a time range of a context to a self-contained capture file
  check-metrics [--format text|openmetrics]
             lint an exposition read on stdin, as promtool check metrics does
  promql-test [--min-pass N] [--verbose] FILE...
             run Prometheus promqltest .test files against the PromQL engine
  demo-cluster [--nodes N] [--seed S] [--port P] [--kubeconfig-out FILE] [--context NAME]
             run a simulated Kubernetes API server on 127.0.0.1 and write a kubeconfig for it
  version    print the version

Run 'kubeglass <command> --help' for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(rest);
      case 'scrape':
        return await scrapeCommand(rest);
      case 'import':
        return await importCommand(rest);
      case 'export':
        return await exportCommand(rest);
      case 'capture':
        return await captureCommand(rest);
      case 'check-metrics':
        return runCheckMetrics(
          rest.some((a) => a === '-h' || a === '--help') ? '' : await readStdin(),
          rest,
          (s) => process.stdout.write(s + '\n'),
          (s) => process.stderr.write(s + '\n'),
        );
      case 'promql-test':
        return await promqlTestCommand(rest, () => new PromEngine(PROMQL_TEST_ENGINE_OPTIONS), undefined, undefined, { stepInvariantRewrite: pinToTime });
      case 'demo-cluster':
        return await demoClusterCommand(rest);
      case 'version':
      case '--version':
        console.log(VERSION);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`kubeglass: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`kubeglass: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
