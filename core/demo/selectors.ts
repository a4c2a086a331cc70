// Label and field selectors with the grammar and semantics of k8s.io/apimachinery's labels and
// fields packages: the same operators, the same "!= also matches a missing label", the same
// escapes in field values. Errors carry messages close to the real server's, for 400 responses.
import type { LabelSelectorSpec } from '../kube/objects.js';

export class SelectorError extends Error {}

export type LabelOp = 'in' | 'notin' | '=' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const bad = (why: string) => new SelectorError(`unable to parse requirement: key: Invalid value: "${key}": ${why}`);
  if (slash >= 0 && (prefix === '' || prefix.length > 253 || !DNS1123_SUBDOMAIN_RE.test(prefix))) {
    throw bad('prefix part must be a lowercase RFC 1123 subdomain');
  }
  if (name === '' || name.length > 63 || !NAME_RE.test(name)) {
    throw bad("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
  }
}

function validateValue(key: string, value: string, index: number): void {
  if (value === '') return;
  if (value.length > 63 || !NAME_RE.test(value)) {
    throw new SelectorError(
      `unable to parse requirement: values[${index}][${key}]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

type Tok = { kind: 'id'; text: string } | { kind: 'sym'; text: string } | { kind: 'end'; text: '' };

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);

function lex(input: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (SPECIAL.has(c)) {
      // The operator runs "==" and "!=" are one token; everything else is one character.
      const two = input.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        toks.push({ kind: 'sym', text: two });
        i += 2;
      } else {
        toks.push({ kind: 'sym', text: c });
        i++;
      }
    } else {
      let j = i;
      while (j < input.length && !SPECIAL.has(input[j]!) && !/\s/.test(input[j]!)) j++;
      toks.push({ kind: 'id', text: input.slice(i, j) });
      i = j;
    }
  }
  toks.push({ kind: 'end', text: '' });
  return toks;
}

export function parseLabelSelector(input: string): LabelSelector {
  const toks = lex(input);
  let pos = 0;
  const peek = () => toks[pos]!;
  const take = () => toks[pos++]!;
  const found = (t: Tok, expected: string) => new SelectorError(`found '${t.text}', expected: ${expected}`);
  const reqs: LabelRequirement[] = [];
  if (peek().kind === 'end') return reqs;
  for (;;) {
    let op: LabelOp | null = null;
    if (peek().kind === 'sym' && peek().text === '!') {
      take();
      op = '!';
    }
    const keyTok = take();
    if (keyTok.kind !== 'id') throw found(keyTok, 'identifier');
    const key = keyTok.text;
    validateKey(key);
    if (op === '!') {
      reqs.push({ key, op, values: [] });
    } else if (peek().kind === 'end' || peek().text === ',') {
      reqs.push({ key, op: 'exists', values: [] });
    } else {
      const opTok = take();
      const opText = opTok.text;
      if (opTok.kind === 'id' && (opText === 'in' || opText === 'notin')) {
        const open = take();
        if (open.text !== '(') throw found(open, "'('");
        const values: string[] = [];
        if (peek().text === ')') {
          take();
        } else {
          for (;;) {
            const v = take();
            if (v.kind !== 'id') throw found(v, 'identifier');
            values.push(v.text);
            const sep = take();
            if (sep.text === ')') break;
            if (sep.text !== ',') throw found(sep, "',' or ')'");
          }
        }
        if (values.length === 0) throw new SelectorError(`unable to parse requirement: values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`);
        values.forEach((v, i) => validateValue(key, v, i));
        reqs.push({ key, op: opText, values });
      } else if (opTok.kind === 'sym' && ['=', '==', '!=', '>', '<'].includes(opText)) {
        let value = '';
        if (peek().kind === 'id') value = take().text;
        else if (peek().kind !== 'end' && peek().text !== ',') throw found(peek(), 'identifier');
        if (opText === '>' || opText === '<') {
          if (!/^-?\d+$/.test(value)) {
            throw new SelectorError(`unable to parse requirement: values[0]: Invalid value: "${value}": for 'Gt', 'Lt' operators, the value must be an integer`);
          }
          reqs.push({ key, op: opText === '>' ? 'gt' : 'lt', values: [value] });
        } else {
          validateValue(key, value, 0);
          reqs.push({ key, op: opText === '!=' ? '!=' : '=', values: [value] });
        }
      } else {
        throw found(opTok, 'in, notin, =, ==, !=, gt, lt');
      }
    }
    const next = take();
    if (next.kind === 'end') break;
    if (next.text !== ',') throw found(next, "',' or 'end of string'");
    if (peek().kind === 'end') throw found(peek(), 'identifier after \',\'');
  }
  return reqs;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of selector) {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case '!=':
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** A selector from a workload's spec.selector (matchLabels and matchExpressions). */
export function fromLabelSelectorSpec(spec: LabelSelectorSpec | undefined): LabelSelector {
  const out: LabelSelector = [];
  for (const [key, value] of Object.entries(spec?.matchLabels ?? {})) out.push({ key, op: '=', values: [value] });
  for (const e of spec?.matchExpressions ?? []) {
    const op: LabelOp = e.operator === 'In' ? 'in' : e.operator === 'NotIn' ? 'notin' : e.operator === 'Exists' ? 'exists' : '!';
    out.push({ key: e.key, op, values: [...(e.values ?? [])] });
  }
  return out;
}

/** metav1.FormatLabelSelector: how tables print a workload's selector. */
export function formatLabelSelectorSpec(spec: LabelSelectorSpec | undefined): string {
  if (!spec) return '<none>';
  const parts: string[] = [];
  const keys = Object.keys(spec.matchLabels ?? {}).sort();
  for (const k of keys) parts.push(`${k}=${spec.matchLabels![k]}`);
  for (const e of spec.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${[...(e.values ?? [])].sort().join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${e.key} notin (${[...(e.values ?? [])].sort().join(',')})`);
        break;
      case 'Exists':
        parts.push(e.key);
        break;
      default:
        parts.push(`!${e.key}`);
    }
  }
  const s = parts.join(',');
  return s === '' ? '<none>' : s;
}

/** labels.FormatLabels: "k=v,k2=v2" sorted by key, or "<none>". */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export type FieldSelector = FieldRequirement[];

/** Splits on separators that are not escaped with a backslash. */
function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function unescapeFieldValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = v[i + 1];
    if (n === '\\' || n === ',' || n === '=') {
      out += n;
      i++;
    } else {
      throw new SelectorError(`invalid field selector: invalid escape sequence: \\${n ?? ''}`);
    }
  }
  return out;
}

/** Finds the operator outside escapes, trying "!=" and "==" before "=" as fields.ParseSelector does. */
function splitTerm(term: string): FieldRequirement | null {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) {
        return { field: term.slice(0, i), op: op === '!=' ? '!=' : '=', value: unescapeFieldValue(term.slice(i + op.length)) };
      }
    }
  }
  return null;
}

export function parseFieldSelector(input: string): FieldSelector {
  if (input.trim() === '') return [];
  return splitUnescaped(input, ',').map((term) => {
    const req = splitTerm(term);
    if (!req) throw new SelectorError(`invalid selector: '${input}'; can't understand '${term}'`);
    return { ...req, field: req.field.trim() };
  });
}

export function matchesFields(selector: FieldSelector, fields: Record<string, string>): boolean {
  for (const r of selector) {
    const v = fields[r.field] ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** The value a selector pins a field to ("metadata.name=x" → "x"), if it does. */
export function pinnedField(selector: FieldSelector, field: string): string | undefined {
  return selector.find((r) => r.field === field && r.op === '=')?.value;
}
