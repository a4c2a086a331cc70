// Go's fmt verbs as Prometheus templates use them (printf, humanize's %.4g): floats are rounded
// from their exact binary value, ties to even, as strconv.FormatFloat does (JS's toFixed and
// toPrecision round ties up, which differs on values such as 1234.5).
import { goQuote } from '../alerting/labels.js';
import { formatGoV } from '../promql/printer.js';

/** A Go int (template literals without a dot, len's result); floats are plain numbers. */
export class GoInt {
  constructor(readonly v: number) {}
  toString(): string {
    return String(this.v);
  }
}

interface Digits {
  /** Decimal digits without leading or trailing zeros ('' for zero). */
  d: string;
  /** Position of the decimal point relative to the digits' start. */
  dp: number;
}

/** The exact decimal expansion of a finite, non-negative double. */
function exactDigits(v: number): Digits {
  if (v === 0) return { d: '', dp: 0 };
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v);
  const bits = buf.getBigUint64(0);
  let exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & 0xfffffffffffffn;
  if (exp === 0) exp = 1;
  else mant |= 1n << 52n;
  exp -= 1075;
  let s: string;
  let dp: number;
  if (exp >= 0) {
    s = (mant << BigInt(exp)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-exp)).toString();
    dp = s.length + exp;
  }
  return trim({ d: s, dp });
}

function trim(x: Digits): Digits {
  let d = x.d;
  let dp = x.dp;
  let i = 0;
  while (i < d.length && d[i] === '0') i++;
  d = d.slice(i);
  dp -= i;
  d = d.replace(/0+$/, '');
  if (d === '') dp = 0;
  return { d, dp };
}

/** Rounds to nd significant digits, ties to even (Go's decimal.Round). */
function roundTo(x: Digits, nd: number): Digits {
  if (nd < 0 || nd >= x.d.length) return x;
  const rest = x.d.slice(nd);
  let up: boolean;
  if (rest[0]! > '5') up = true;
  else if (rest[0]! < '5') up = false;
  else if (rest.length > 1) up = true;
  else up = nd > 0 && (Number(x.d[nd - 1]) & 1) === 1;
  let head = x.d.slice(0, nd);
  let dp = x.dp;
  if (up) {
    const n = (BigInt(head === '' ? '0' : head) + 1n).toString();
    if (n.length > head.length) dp++;
    head = n;
  }
  return trim({ d: head, dp });
}

function digitAt(x: Digits, i: number): string {
  return i >= 0 && i < x.d.length ? x.d[i]! : '0';
}

function fmtE(x: Digits, prec: number, neg: boolean): string {
  let s = neg ? '-' : '';
  s += x.d === '' ? '0' : x.d[0]!;
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(x, i);
  }
  const exp = x.d === '' ? 0 : x.dp - 1;
  const abs = Math.abs(exp);
  return `${s}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

function fmtF(x: Digits, prec: number, neg: boolean): string {
  let s = neg ? '-' : '';
  if (x.dp > 0) {
    for (let i = 0; i < x.dp; i++) s += digitAt(x, i);
  } else s += '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) s += digitAt(x, x.dp + i);
  }
  return s;
}

/** strconv.FormatFloat(v, fmt, prec, 64) for fmt e, f, g; prec -1 means shortest. */
export function formatFloat(v: number, fmt: 'e' | 'f' | 'g', prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  if (prec < 0) {
    if (fmt === 'g') return formatGoV(v);
    // Shortest digits that round-trip: JS's own.
    const [m, e] = abs.toExponential().split('e') as [string, string];
    const d = trim({ d: m.replace('.', ''), dp: Number(e) + 1 });
    if (fmt === 'e') return fmtE(d, Math.max(d.d.length - 1, 0), neg);
    return fmtF(d, Math.max(d.d.length - d.dp, 0), neg);
  }
  const exact = exactDigits(abs);
  if (fmt === 'e') return fmtE(roundTo(exact, prec + 1), prec, neg);
  if (fmt === 'f') return fmtF(roundTo(exact, exact.dp + prec), prec, neg);
  if (prec === 0) prec = 1;
  const digs = roundTo(exact, prec);
  let eprec = prec;
  if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
  const exp = digs.dp - 1;
  if (exp < -4 || exp >= eprec) {
    const p = Math.min(prec, Math.max(digs.d.length, 1));
    return fmtE(digs, p - 1, neg);
  }
  const p = prec > digs.dp ? digs.d.length : prec;
  return fmtF(digs, Math.max(p - digs.dp, 0), neg);
}

/** Go's type name of a template value, for fmt's %!verb(type=value) complaints. */
export function goTypeName(v: unknown): string {
  if (v instanceof GoInt) return 'int';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return 'template.queryResult';
  return 'map[string]string';
}

/** fmt's %v (and Sprint) of a template value. */
export function sprint(v: unknown): string {
  if (v instanceof GoInt) return String(v.v);
  if (typeof v === 'number') return formatGoV(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object' && v !== null && 'goString' in v && typeof (v as { goString: unknown }).goString === 'function') {
    return (v as { goString(): string }).goString();
  }
  if (Array.isArray(v)) return `[${v.map(sprint).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('Labels' in o && 'Value' in o) return `&{${sprint(o.Labels)} ${sprint(o.Value)}}`;
    const keys = Object.keys(o).sort();
    return `map[${keys.map((k) => `${k}:${sprint(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** fmt.Sprintf for the verbs templates use: %s %d %f %e %g %v %q %x %X %t %%, flags, width, precision. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    let j = i + 1;
    let flags = '';
    while (j < format.length && '+-# 0'.includes(format[j]!)) flags += format[j++];
    let width = -1;
    let ws = '';
    while (j < format.length && /[0-9]/.test(format[j]!)) ws += format[j++];
    if (ws !== '') width = Number(ws);
    let prec = -1;
    if (format[j] === '.') {
      j++;
      let ps = '';
      while (j < format.length && /[0-9]/.test(format[j]!)) ps += format[j++];
      prec = ps === '' ? 0 : Number(ps);
    }
    const verb = format[j];
    i = j;
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++];
    let s = formatOne(verb, arg, flags, prec);
    if (width >= 0 && s.length < width) {
      if (flags.includes('-')) s = s.padEnd(width);
      else if (flags.includes('0') && /[dfegxXv]/.test(verb) && (typeof arg === 'number' || arg instanceof GoInt)) {
        const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
        s = sign + s.slice(sign.length).padStart(width - sign.length, '0');
      } else s = s.padStart(width);
    }
    out += s;
  }
  if (argi < args.length) out += `%!(EXTRA ${args.slice(argi).map((a) => `${goTypeName(a)}=${sprint(a)}`).join(', ')})`;
  return out;
}

function bad(verb: string, arg: unknown): string {
  return `%!${verb}(${goTypeName(arg)}=${sprint(arg)})`;
}

function withSign(s: string, flags: string): string {
  if (flags.includes('+') && !s.startsWith('-')) return `+${s}`;
  if (flags.includes(' ') && !s.startsWith('-')) return ` ${s}`;
  return s;
}

function formatOne(verb: string, arg: unknown, flags: string, prec: number): string {
  const isFloat = typeof arg === 'number';
  const isInt = arg instanceof GoInt;
  switch (verb) {
    case 'v':
      if (isFloat) return withSign(formatFloat(arg, 'g', prec), flags);
      return sprint(arg);
    case 's':
      if (typeof arg === 'string') return prec >= 0 ? [...arg].slice(0, prec).join('') : arg;
      if (isFloat || isInt || typeof arg === 'boolean') return bad(verb, arg);
      return sprint(arg);
    case 'q':
      if (typeof arg === 'string') return goQuote(arg);
      return bad(verb, arg);
    case 'd':
      if (isInt) return withSign(String(arg.v), flags);
      return bad(verb, arg);
    case 't':
      if (typeof arg === 'boolean') return String(arg);
      return bad(verb, arg);
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      if (!isFloat) return bad(verb, arg);
      const f = verb.toLowerCase() as 'f' | 'e' | 'g';
      const p = prec >= 0 ? prec : f === 'g' ? -1 : 6;
      const s = withSign(formatFloat(arg, f, p), flags);
      return verb === 'E' || verb === 'G' ? s.toUpperCase() : s;
    }
    case 'x':
    case 'X': {
      let s: string;
      if (isInt) s = arg.v < 0 ? `-${(-arg.v).toString(16)}` : arg.v.toString(16);
      else if (typeof arg === 'string') s = [...new TextEncoder().encode(arg)].map((b) => b.toString(16).padStart(2, '0')).join('');
      else return bad(verb, arg);
      return verb === 'X' ? s.toUpperCase() : s;
    }
    default:
      return bad(verb, arg);
  }
}
