// `kubeglass scrape --config FILE`: the scrape engine on its own, with a Prometheus-style config.
// Prints what it stores as text-format lines with timestamps, and target health on stderr.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, parseScrapeConfig } from '../scrape/config.js';
import { ScrapeManager } from '../scrape/manager.js';
import { formatSample } from '../exposition/format.js';
import { StaticSource } from '../scrape/source.js';
import type { Appendable, Appender } from '../tsdb/interface.js';

const HELP = `Usage: kubeglass scrape --config FILE [--once]

Scrapes the static_configs targets of a Prometheus-style config (scrape_configs with
static_configs, relabel_configs, metric_relabel_configs, scrape_interval, scrape_timeout,
scheme, params, basic_auth / authorization, tls_config, limits) and prints every sample
written, report series and staleness markers included, as "series value timestamp" lines.

Options:
  --config FILE   the configuration file (required)
  --once          scrape every target once, print, and exit (exit 1 if any target is down)
  -h, --help      show this help`;

/** Writes committed samples to `out` as text lines. */
function printingAppendable(out: (line: string) => void): Appendable {
  return {
    appender(): Appender {
      let lines: string[] = [];
      return {
        append(labels, t, v) {
          lines.push(formatSample(labels, t, v));
          return null;
        },
        updateMetadata() {},
        async commit() {
          if (lines.length) out(lines.join('\n'));
          lines = [];
        },
        rollback() {
          lines = [];
        },
      };
    },
  };
}

export async function scrapeCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.config) {
    console.error(`kubeglass scrape: --config FILE is required\n\n${HELP}`);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(values.config, 'utf8');
  } catch (err) {
    console.error(`kubeglass scrape: cannot read ${values.config}: ${(err as Error).message}`);
    return 1;
  }
  let config;
  try {
    config = parseScrapeConfig(text, path.dirname(path.resolve(values.config)));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`kubeglass scrape: ${values.config}: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const manager = new ScrapeManager({
    appendable: printingAppendable((s) => process.stdout.write(s + '\n')),
    autoStart: !values.once,
    log: (line) => console.error(line),
  });
  for (const sc of config.scrapeConfigs) manager.addPool(sc, new StaticSource(sc.staticConfigs));
  const { active, dropped } = manager.targets();
  for (const d of dropped) console.error(`dropped target (${d.job}): ${JSON.stringify(d.discovered)}: ${d.reason}`);
  if (active.length === 0) console.error('kubeglass scrape: no targets to scrape');

  if (values.once) {
    await manager.scrapeAllOnce();
    const down = manager.targets().active.filter((t) => t.health !== 'up');
    for (const t of manager.targets().active) {
      console.error(`${t.health.padEnd(4)} ${t.job} ${t.url} ${t.samplesScraped} samples ${t.lastScrapeDurationMs} ms${t.lastError ? ` — ${t.lastError}` : ''}`);
    }
    await manager.stop();
    return down.length > 0 ? 1 : 0;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await manager.stop();
  return 0;
}
