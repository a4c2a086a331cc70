// Value formatting by unit, with decimals chosen from the magnitude unless a panel fixes them.
import type { Unit } from './schema.js';

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** Decimals that keep about three significant digits: 1234 → 0, 12.3 → 1, 1.23 → 2, 0.0123 → 4. */
export function autoDecimals(v: number): number {
  const a = Math.abs(v);
  if (a === 0 || !Number.isFinite(a)) return 0;
  if (Number.isInteger(v) && a < 1e15) return 0;
  if (a >= 100) return 0;
  if (a >= 10) return 1;
  if (a >= 1) return 2;
  return Math.min(6, Math.max(2, 1 - Math.floor(Math.log10(a)) + 1));
}

function fixed(v: number, decimals: number | undefined): string {
  const d = decimals ?? autoDecimals(v);
  const s = v.toFixed(d);
  // Trim zeros that only auto decimals add (1.50 → 1.5), never ones the panel asked for.
  return decimals === undefined && s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function scaled(v: number, base: number, prefixes: string[], suffix: string, decimals: number | undefined, sep = ' '): string {
  let i = 0;
  let x = v;
  while (Math.abs(x) >= base && i < prefixes.length - 1) {
    x /= base;
    i++;
  }
  const p = prefixes[i]!;
  const unit = p + suffix;
  return unit ? `${fixed(x, decimals)}${sep}${unit}` : fixed(x, decimals);
}

function duration(v: number, decimals: number | undefined): string {
  const a = Math.abs(v);
  if (a === 0) return '0 s';
  if (a < 1e-3) return `${fixed(v * 1e6, decimals)} µs`;
  if (a < 1) return `${fixed(v * 1e3, decimals)} ms`;
  if (a < 60) return `${fixed(v, decimals)} s`;
  if (a < 3600) return `${fixed(v / 60, decimals)} min`;
  if (a < 86400) return `${fixed(v / 3600, decimals)} h`;
  return `${fixed(v / 86400, decimals)} d`;
}

/** Formats one value for display; null/NaN as "–". */
export function formatValue(v: number | null | undefined, unit: Unit, decimals?: number): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'bytes':
      return scaled(v, 1024, IEC, '', decimals).replace(/^(-?[\d.]+)$/, '$1 B');
    case 'percent':
      return `${fixed(v, decimals)}%`;
    case 'percentunit':
      return `${fixed(v * 100, decimals)}%`;
    case 'seconds':
      return duration(v, decimals);
    case 'ops':
      return `${scaled(v, 1000, SI, '', decimals, '')} ops/s`.replace(/ {2}/, ' ');
    case 'Bps':
      return `${scaled(v, 1024, IEC, '', decimals).replace(/^(-?[\d.]+)$/, '$1 B')}/s`;
    case 'bits':
      return scaled(v, 1000, SI, 'b/s', decimals);
    case 'watt':
      return scaled(v, 1000, SI, 'W', decimals);
    case 'hertz':
      return scaled(v, 1000, SI, 'Hz', decimals);
    case 'celsius':
      return `${fixed(v, decimals)} °C`;
    case 'cores':
      return `${fixed(v, decimals)} ${Math.abs(v) === 1 ? 'core' : 'cores'}`;
    case 'short':
      return scaled(v, 1000, SI, '', decimals, ' ');
    case 'ms':
      return duration(v / 1e3, decimals);
    case 'ns':
      return duration(v / 1e9, decimals);
    case 'decbytes':
      return scaled(v, 1000, SI, 'B', decimals);
    case 'pps':
      return `${scaled(v, 1000, SI, '', decimals, '')} p/s`.replace(/ {2}/, ' ');
    case 'none':
      return fixed(v, decimals);
  }
}
