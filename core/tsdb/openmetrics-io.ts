// OpenMetrics text with timestamps in and out of a context's database, so data moves to and from
// Prometheus (promtool tsdb create-blocks-from openmetrics reads our export). Import streams the
// input in slices, so a multi-gigabyte file needs memory for one slice, not the file.
import { isAscii } from 'node:buffer';
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
const NEWLINE = 10;

export async function importOpenMetrics(db: Tsdb, input: AsyncIterable<Buffer | string>): Promise<ImportResult> {
  const result: ImportResult = { samples: 0, series: 0, outOfOrder: 0, duplicate: 0 };
  const seen = new Set<string>();
  // Metadata lines of the family in progress, repeated at the top of the next slice so each slice
  // parses as a complete document.
  let carry = '';
  let carryName = '';
  let lineBase = 0;
  let countedLabels: Labels | null = null;

  const parseSlice = async (doc: string, header: string) => {
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
        throw new ParseError(lineBase + err.line - countLines(header), err.column, err.reason);
      }
      throw err;
    }
  };

  // The input is kept as the Buffers it was read in until a slice's worth has come, then copied
  // once into a reused buffer behind the carried header and decoded once into the slice's string.
  // (Concatenating strings instead copied every byte three times into fresh memory, and decoded
  // each chunk through a StringDecoder.) Slices end at a newline, so no character is ever split.
  const parts: Buffer[] = [];
  let pendingBytes = 0;
  let docBuf = Buffer.allocUnsafe(0);
  /** The header, the first n pending bytes and the tail as one string; those bytes are consumed. */
  const take = (header: string, n: number, tail: string): string => {
    const need = Buffer.byteLength(header) + n + tail.length;
    if (docBuf.length < need) docBuf = Buffer.allocUnsafe(need + (need >> 3));
    let o = docBuf.write(header, 0);
    for (let left = n; left > 0; ) {
      const b = parts[0]!;
      if (b.length <= left) {
        o += b.copy(docBuf, o);
        left -= b.length;
        parts.shift();
      } else {
        o += b.copy(docBuf, o, 0, left);
        parts[0] = b.subarray(left);
        left = 0;
      }
    }
    pendingBytes -= n;
    o += docBuf.write(tail, o, 'latin1');
    const bytes = docBuf.subarray(0, o);
    // Latin-1 is the same string for ASCII, and a plain copy where UTF-8 must be decoded.
    return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  };
  /** Bytes up to the newline before the last line (the last line stays, so the final slice holds # EOF), or 0. */
  const cutPoint = (): number => {
    let end = pendingBytes;
    for (let k = parts.length - 1; k >= 0; k--) {
      const b = parts[k]!;
      end -= b.length;
      const from = k === parts.length - 1 ? b.length - 2 : b.length - 1;
      const i = from >= 0 ? b.lastIndexOf(NEWLINE, from) : -1;
      if (i >= 0) return end + i + 1;
    }
    return 0;
  };

  for await (const chunk of input) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (b.length === 0) continue;
    parts.push(b);
    pendingBytes += b.length;
    if (pendingBytes < SLICE) continue;
    const cut = cutPoint();
    if (cut === 0) continue;
    // The header is parsed again at the top of this slice, which rebuilds the carry from scratch.
    const header = carry;
    carry = '';
    carryName = '';
    const doc = take(header, cut, '# EOF\n');
    await parseSlice(doc, header);
    lineBase += countLines(doc) - countLines(header) - 1;
  }
  const header = carry;
  carry = '';
  carryName = '';
  const doc = take(header, pendingBytes, '');
  if (!doc.endsWith('# EOF\n') && !doc.endsWith('# EOF')) {
    throw new ParseError(lineBase + countLines(doc) - countLines(header) + 1, 1, 'the input does not end with # EOF');
  }
  await parseSlice(doc, header);
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
