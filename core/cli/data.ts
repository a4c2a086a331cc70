// `kubeglass import` and `kubeglass export`: OpenMetrics with timestamps into and out of a
// context's database, to move data to and from Prometheus.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ParseError } from '../exposition/types.js';
import { Matcher } from '../model/matchers.js';
import { lockDataDir } from '../settings/lock.js';
import { defaultDataDir } from '../settings/paths.js';
import { exportOpenMetrics, importOpenMetrics } from '../tsdb/openmetrics-io.js';
import { TsdbError } from '../tsdb/sqlite/tsdb.js';
import { contextDbFile, createCapture, describeCapture, openCapture, openContextDb } from '../tsdb/store.js';
import { RemoteWriteClient } from '../remote/client.js';
import { RemoteWriteQueue } from '../remote/queue.js';
import { sendStored } from '../remote/send.js';

const IMPORT_HELP = `Usage: kubeglass import --context NAME [--data-dir DIR] FILE

Imports OpenMetrics text with timestamps (what promtool tsdb create-blocks-from openmetrics reads)
into the context's database. Use - as FILE to read standard input.`;

const EXPORT_HELP = `Usage: kubeglass export --context NAME [--data-dir DIR] [--match NAME=VALUE ...] [--from T] [--to T]

Writes the context's samples as OpenMetrics with timestamps to standard output. --from and --to
take Unix seconds or RFC 3339 times; --match keeps series whose label NAME equals VALUE.`;

/** --match NAME=VALUE options as equality matchers; none selects every series. */
function parseMatchers(options: string[] | undefined): Matcher[] {
  const matchers = (options ?? []).map((m) => {
    const eq = m.indexOf('=');
    if (eq <= 0) throw new Error(`--match takes NAME=VALUE, not "${m}"`);
    return new Matcher('=', m.slice(0, eq), m.slice(eq + 1));
  });
  return matchers.length > 0 ? matchers : [new Matcher('=~', '__name__', '.+')];
}

function parseTime(s: string): number {
  const n = Number(s);
  if (Number.isFinite(n)) return Math.round(n * 1000);
  const d = Date.parse(s);
  if (Number.isNaN(d)) throw new Error(`cannot parse time "${s}": use Unix seconds or RFC 3339`);
  return d;
}

export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { context: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(IMPORT_HELP);
    return 0;
  }
  if (!values.context || positionals.length !== 1) {
    console.error(`kubeglass import: --context and one FILE are required\n\n${IMPORT_HELP}`);
    return 2;
  }
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  const file = positionals[0]!;
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let db;
  let lock;
  try {
    // One writer per data directory: a running Kubeglass holds the lock and would fight this.
    lock = lockDataDir(dataDir);
    db = openContextDb(dataDir, values.context);
  } catch (err) {
    lock?.release();
    console.error(`kubeglass import: ${(err as Error).message}`);
    return 1;
  }
  try {
    const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
    const r = await importOpenMetrics(db, input);
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    console.error(
      `imported ${r.samples} samples of ${r.series} series into ${db.file} in ${secs.toFixed(1)} s (${(((cpu.user + cpu.system) / 1e6 / Math.max(1, r.samples)) * 1e6).toFixed(2)} CPU s per million samples)` +
        (r.outOfOrder || r.duplicate ? `; rejected ${r.outOfOrder} out of order, ${r.duplicate} duplicate sample for timestamp` : ''),
    );
    return 0;
  } catch (err) {
    if (err instanceof ParseError || err instanceof TsdbError) {
      console.error(`kubeglass import: ${file === '-' ? 'stdin' : file}: ${err.message}`);
      return 1;
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`kubeglass import: cannot read ${file}: no such file`);
      return 1;
    }
    throw err;
  } finally {
    db.close();
    lock.release();
  }
}

export async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      context: { type: 'string' },
      'data-dir': { type: 'string' },
      match: { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(EXPORT_HELP);
    return 0;
  }
  if (!values.context) {
    console.error(`kubeglass export: --context is required\n\n${EXPORT_HELP}`);
    return 2;
  }
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  let matchers: Matcher[];
  let mint: number;
  let maxt: number;
  try {
    matchers = parseMatchers(values.match);
    mint = values.from ? parseTime(values.from) : -Number.MAX_SAFE_INTEGER;
    maxt = values.to ? parseTime(values.to) : Number.MAX_SAFE_INTEGER;
  } catch (err) {
    console.error(`kubeglass export: ${(err as Error).message}`);
    return 2;
  }
  let db;
  try {
    db = openContextDb(dataDir, values.context, { readonly: true });
  } catch (err) {
    console.error(`kubeglass export: no data for context "${values.context}" (${contextDbFile(dataDir, values.context)}): ${(err as Error).message}`);
    return 1;
  }
  try {
    const r = exportOpenMetrics(db, (s) => process.stdout.write(s), { matchers, mint, maxt });
    console.error(`exported ${r.samples} samples of ${r.series} series`);
    return 0;
  } finally {
    db.close();
  }
}

const CAPTURE_HELP = `Usage: kubeglass capture export --context NAME --from T --to T --out FILE [--data-dir DIR]
                         [--match NAME=VALUE ...] [--name NAME] [--note TEXT]
       kubeglass capture send FILE --url URL [--bearer-token T]

export writes a time range of a context to one self-contained capture file, which opens read-only
anywhere, with no cluster (kubeglass serve --capture FILE).
send writes a capture's samples to a Prometheus remote-write endpoint (remote-write 1.0), ten
minutes at a time; the receiver must accept samples that old (an empty Prometheus with
--web.enable-remote-write-receiver does, up to an hour behind its newest sample).`;

async function captureSend(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { url: { type: 'string' }, 'bearer-token': { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1 || !values.url) {
    console.error(`kubeglass capture send: a capture FILE and --url are required\n\n${CAPTURE_HELP}`);
    return 2;
  }
  let summary;
  try {
    summary = describeCapture(path.resolve(positionals[0]!));
    new URL(values.url);
  } catch (err) {
    console.error(`kubeglass capture send: ${(err as Error).message}`);
    return 2;
  }
  if (summary.minTime === null || summary.maxTime === null) {
    console.error(`kubeglass capture send: ${summary.file} holds no samples`);
    return 1;
  }
  const db = openCapture(summary.file);
  const queue = new RemoteWriteQueue(new RemoteWriteClient({ url: values.url, bearerToken: values['bearer-token'] }), { capacity: 1_000_000 });
  try {
    const t0 = Date.now();
    const sent = await sendStored(db, summary.minTime, summary.maxTime, queue, (end, n) => console.error(`  up to ${new Date(end).toISOString()}: ${n} samples`));
    const st = queue.stats();
    console.error(`sent ${st.samplesSent} of ${sent} samples of "${summary.name}" to ${values.url} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${st.samplesFailed} refused, ${st.samplesDropped} dropped`);
    if (st.lastError) console.error(`last error: ${st.lastError}`);
    return st.samplesSent === sent ? 0 : 1;
  } finally {
    queue.close();
    db.close();
  }
}

export async function captureCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'send') return captureSend(rest);
  if (sub !== 'export') {
    console.error(sub === undefined || sub === '--help' || sub === '-h' ? CAPTURE_HELP : `kubeglass capture: unknown subcommand "${sub}"\n\n${CAPTURE_HELP}`);
    return sub === '--help' || sub === '-h' ? 0 : 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      context: { type: 'string' },
      'data-dir': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      match: { type: 'string', multiple: true },
      name: { type: 'string' },
      note: { type: 'string' },
    },
    strict: true,
  });
  if (!values.context || !values.from || !values.to || !values.out) {
    console.error(`kubeglass capture export: --context, --from, --to and --out are required\n\n${CAPTURE_HELP}`);
    return 2;
  }
  let from: number;
  let to: number;
  let matchers: Matcher[];
  try {
    from = parseTime(values.from);
    to = parseTime(values.to);
    if (to < from) throw new Error('--to is before --from');
    matchers = parseMatchers(values.match);
  } catch (err) {
    console.error(`kubeglass capture export: ${(err as Error).message}`);
    return 2;
  }
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  try {
    const c = await createCapture(dataDir, {
      context: values.context,
      from,
      to,
      matchers,
      name: values.name ?? path.basename(values.out),
      note: values.note,
      file: path.resolve(values.out),
    });
    console.error(`captured ${c.series} series of context "${c.context}" into ${c.file} (${c.bytes} bytes)`);
    return 0;
  } catch (err) {
    console.error(`kubeglass capture export: ${(err as Error).message}`);
    return 1;
  }
}
