// OpenMetrics text with timestamps in and out of a context's database, so data moves to and from
// Prometheus (promtool tsdb create-blocks-from openmetrics reads our export). Import streams the
// input in slices, so a multi-gigabyte file needs memory for one slice, not the file.
import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import { OpenMetricsParser } from '../exposition/openmetrics.js';
import { ParseError } from '../exposition/types.js';
import { labelsKey, METRIC_NAME, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matchers.js';
import { isStaleNaN } from '../model/value.js';
import { escapeHelp, formatFloat, formatSeries } from '../exposition/format.js';
import type { MetricMetadata } from './interface.js';
import type { Tsdb } from './sqlite/tsdb.js';

export interface ImportResult {
  samples: number;
  series: number;
  outOfOrder: number;
  duplicate: number;
}

const SLICE = 4 << 20;

export async function importOpenMetrics(db: Tsdb, input: AsyncIterable<Buffer | string>): Promise<ImportResult> {
  const result: ImportResult = { samples: 0, series: 0, outOfOrder: 0, duplicate: 0 };
  const seen = new Set<string>();
  // Metadata lines of the family in progress, repeated at the top of the next slice so each slice
  // parses as a complete document.
  let carry = '';
  let carryName = '';
  let lineBase = 0;
  let pending = '';
  let sawEof = false;
  let countedLabels: Labels | null = null;

  const parseSlice = async (text: string, last: boolean) => {
    if (sawEof && text.trim() !== '') throw new ParseError(lineBase + 1, 1, 'unexpected data after # EOF');
    // The header is parsed again at the top of this slice, which rebuilds the carry from scratch.
    const header = carry;
    carry = '';
    carryName = '';
    const doc = header + text + (last ? '' : '# EOF\n');
    const p = new OpenMetricsParser(doc, { repeatedSeries: true });
    const app = db.appender({ durable: false });
    const meta = new Map<string, Partial<MetricMetadata>>();
    try {
      for (let kind = p.next(); kind !== 'eof'; kind = p.next()) {
        if (kind === 'type' || kind === 'help' || kind === 'unit') {
          const name = p.metaName();
          if (name !== carryName) {
            carryName = name;
            carry = '';
          }
          const m = meta.get(name) ?? {};
          if (kind === 'type') {
            m.type = p.type();
            carry += `# TYPE ${name} ${m.type}\n`;
          } else if (kind === 'help') {
            m.help = p.help();
            carry += `# HELP ${name} ${escapeHelp(m.help)}\n`;
          } else {
            m.unit = p.unit();
            carry += `# UNIT ${name} ${m.unit}\n`;
          }
          meta.set(name, m);
          continue;
        }
        if (kind !== 'series') continue;
        const t = p.timestamp();
        if (t === null) throw new ParseError(p.line(), 1, 'sample without a timestamp: an import needs one on every sample');
        // Consecutive samples of one series share one label-set object (repeatedSeries), which
        // the appender finds its series by.
        const labels = p.labels();
        const rejection = app.append(labels, t, p.value());
        if (rejection === 'out_of_order') result.outOfOrder++;
        else if (rejection === 'duplicate') result.duplicate++;
        else {
          result.samples++;
          if (labels !== countedLabels) {
            countedLabels = labels;
            const key = labelsKey(labels);
            if (!seen.has(key)) {
              seen.add(key);
              result.series++;
            }
          }
        }
      }
      for (const [name, m] of meta) app.updateMetadata(name, { type: m.type ?? 'unknown', help: m.help ?? '', unit: m.unit ?? '' });
      await app.commit();
    } catch (err) {
      app.rollback();
      if (err instanceof ParseError) {
        // Report lines of the input, not of the slice with its repeated header.
        const carried = header.split('\n').length - 1;
        throw new ParseError(lineBase + err.line - carried, err.column, err.reason);
      }
      throw err;
    }
    if (last) sawEof = true;
  };

  // Decodes across chunk boundaries: a character split between two Buffers stays whole. An ASCII
  // chunk, when the decoder holds no partial character, is copied as Latin-1 (the same string):
  // several times cheaper than decoding UTF-8. The decoder is empty after a chunk ending in ASCII.
  const decoder = new StringDecoder('utf8');
  let decoderEmpty = true;
  for await (const chunk of input) {
    if (typeof chunk === 'string') {
      pending += chunk;
    } else if (decoderEmpty && isAscii(chunk)) {
      pending += chunk.toString('latin1');
    } else {
      pending += decoder.write(chunk);
      decoderEmpty = chunk.length > 0 && chunk[chunk.length - 1]! < 0x80;
    }
    if (pending.length < SLICE) continue;
    // Keep the last complete line for later, so the final slice always holds the # EOF line.
    const cut = pending.lastIndexOf('\n', pending.length - 2) + 1;
    if (cut === 0) continue;
    const slice = pending.slice(0, cut);
    pending = pending.slice(cut);
    await parseSlice(slice, false);
    lineBase += countLines(slice);
  }
  pending += decoder.end();
  if (!pending.endsWith('# EOF\n') && !pending.endsWith('# EOF')) {
    throw new ParseError(lineBase + pending.split('\n').length, 1, 'the input does not end with # EOF');
  }
  await parseSlice(pending, true);
  db.checkpoint();
  return result;
}

/** Newlines in s, found with indexOf (memchr) rather than split, which would allocate every line. */
function countLines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

export interface ExportOptions {
  matchers: Matcher[];
  mint: number;
  maxt: number;
}

/**
 * Writes series as OpenMetrics with timestamps (seconds). Each metric name is its own family; its
 * TYPE is written when it is one OpenMetrics allows for that name (gauge, unknown), otherwise
 * the family is written as unknown so promtool accepts it. Staleness markers have no text form
 * and are left out.
 */
export function exportOpenMetrics(db: Tsdb, write: (s: string) => void, opts: ExportOptions): { series: number; samples: number } {
  const q = db.querier(opts.mint, opts.maxt);
  const meta = db.metadata();
  const byName = new Map<string, { labels: Labels; samples: () => { t: Float64Array; v: Float64Array } }[]>();
  for (const s of q.select(opts.matchers)) {
    const name = s.labels.find((l) => l.name === METRIC_NAME)?.value ?? '';
    let list = byName.get(name);
    if (!list) byName.set(name, (list = []));
    list.push(s);
  }
  let series = 0;
  let samples = 0;
  let buf = '';
  const flush = () => {
    if (buf.length > 0) write(buf);
    buf = '';
  };
  for (const name of [...byName.keys()].sort()) {
    const m = meta.get(name);
    const type = m && (m.type === 'gauge' || m.type === 'unknown') ? m.type : 'unknown';
    buf += `# TYPE ${name} ${type}\n`;
    if (m?.help) buf += `# HELP ${name} ${escapeHelp(m.help)}\n`;
    for (const s of byName.get(name)!) {
      const prefix = `${formatSeries(s.labels)} `;
      const { t, v } = s.samples();
      let wrote = false;
      for (let i = 0; i < t.length; i++) {
        if (isStaleNaN(v[i]!)) continue;
        buf += `${prefix}${formatFloat(v[i]!)} ${formatSeconds(t[i]!)}\n`;
        samples++;
        wrote = true;
        if (buf.length > 1 << 20) flush();
      }
      if (wrote) series++;
    }
  }
  buf += '# EOF\n';
  flush();
  return { series, samples };
}

function formatSeconds(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const s = Math.floor(abs / 1000);
  const frac = abs - s * 1000;
  return frac === 0 ? `${sign}${s}` : `${sign}${s}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}
