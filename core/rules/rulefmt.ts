// Prometheus rule files (model/rulefmt): groups of recording and alerting rules, validated with
// Prometheus's wording. Also reads the Prometheus Operator's PrometheusRule objects (their
// spec.groups), kubectl `List`s of them, and files of several YAML documents.
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import { parseDuration, parseExpr, ParseError } from '../promql/parser.js';
import { templateParseError } from './template-funcs.js';

export interface RuleDef {
  /** Set for a recording rule. */
  record?: string;
  /** Set for an alerting rule. */
  alert?: string;
  expr: string;
  /** ms */
  for: number;
  /** ms */
  keepFiringFor: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** 1-based line of the rule in its file. */
  line: number;
}

export interface RuleGroupDef {
  name: string;
  /** ms; undefined: the global evaluation interval. */
  interval?: number;
  /** ms; undefined: the global default (0). */
  queryOffset?: number;
  /** Most series (recording) or alerts (alerting) a rule may produce; 0 = no limit. */
  limit: number;
  /** Labels added to every rule of the group (a rule's own labels win). */
  labels: Record<string, string>;
  rules: RuleDef[];
  line: number;
}

export interface ParseRuleFileOptions {
  /** Accept (and ignore) fields Prometheus does not know, like promtool's --ignore-unknown-fields. */
  ignoreUnknownFields?: boolean;
}

export interface ParsedRuleFile {
  groups: RuleGroupDef[];
  /** Errors worded like Prometheus's (`5:7: group "g", rule 1, "x": …`); empty when the file is valid. */
  errors: string[];
}

const GROUP_FIELDS: Record<string, string> = { name: 'name', interval: 'interval', query_offset: 'query_offset', limit: 'limit', rules: 'rules', labels: 'labels' };
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
// PrometheusRule groups may carry fields for other consumers (Thanos).
const OPERATOR_GROUP_FIELDS = new Set(['partial_response_strategy']);

/** Prometheus 3.x's metric-name rule (UTF-8 names allowed): non-empty. */
function validMetricName(s: string): boolean {
  return s.length > 0;
}

function validLabelName(s: string): boolean {
  return s.length > 0;
}

/** Parses and validates rule file content: a plain rule file, PrometheusRule manifests, or several documents. */
export function parseRuleFile(content: string, opts: ParseRuleFileOptions = {}): ParsedRuleFile {
  const lc = new LineCounter();
  const docs = parseAllDocuments(content, { lineCounter: lc, uniqueKeys: true });
  const errors: string[] = [];
  const groups: RuleGroupDef[] = [];
  const pos = (n: YamlNode | null | undefined): { line: number; col: number } => {
    const off = n?.range?.[0];
    if (off === undefined) return { line: 0, col: 0 };
    const p = lc.linePos(off);
    return { line: p.line, col: p.col };
  };
  const docList = Array.isArray(docs) ? docs : [docs];
  const groupNodes: { node: YamlNode; operator: boolean }[] = [];
  for (const doc of docList) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const p = e.linePos?.[0];
        errors.push(`yaml: ${p ? `line ${p.line}: ` : ''}${e.message.split('\n')[0]}`);
      }
      continue;
    }
    const root = doc.contents as YamlNode | null;
    if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) continue;
    if (!isMap(root)) {
      errors.push(`yaml: unmarshal errors:\n  line ${pos(root).line}: cannot unmarshal into rulefmt.RuleGroups`);
      continue;
    }
    collectGroups(root, groupNodes, errors, pos, opts);
  }
  if (errors.length > 0) return { groups: [], errors: mergeUnmarshal(errors) };
  const seen = new Set<string>();
  for (const { node, operator } of groupNodes) {
    const g = readGroup(node, operator, errors, pos, opts);
    if (!g) continue;
    const p = pos(node);
    if (g.name === '') errors.push(`${p.line}:${p.col}: Groupname must not be empty`);
    if (seen.has(g.name)) errors.push(`${p.line}:${p.col}: groupname: "${g.name}" is repeated in the same file`);
    seen.add(g.name);
    for (const [k, v] of Object.entries(g.labels)) {
      if (!validLabelName(k) || k === '__name__') errors.push(`invalid label name: ${k}`);
      void v;
    }
    groups.push(g);
  }
  return { groups: errors.length > 0 ? [] : groups, errors: mergeUnmarshal(errors) };
}

const UNMARSHAL = 'yaml: unmarshal errors:\n  ';

/**
 * Decoding problems stop Prometheus before validation, so when there are any only they are
 * reported; yaml.v3 puts every field problem of a document in one error, a line each.
 */
function mergeUnmarshal(errors: string[]): string[] {
  const lines = errors.filter((e) => e.startsWith(UNMARSHAL)).map((e) => e.slice(UNMARSHAL.length));
  const decode = errors.filter((e) => e.startsWith('not a valid duration string') || e.startsWith('yaml: line') || e.startsWith('yaml: '));
  if (lines.length === 0 && decode.length === 0) return errors;
  const other = decode.filter((e) => !e.startsWith(UNMARSHAL));
  return lines.length > 0 ? [UNMARSHAL + lines.join('\n  '), ...other] : other;
}

type PosFn = (n: YamlNode | null | undefined) => { line: number; col: number };

function collectGroups(root: YAMLMap, out: { node: YamlNode; operator: boolean }[], errors: string[], pos: PosFn, opts: ParseRuleFileOptions): void {
  const kind = scalarString(root.get('kind', true) as YamlNode | undefined);
  if (kind === 'PrometheusRule') {
    const spec = root.get('spec', true) as YamlNode | undefined;
    const gs = spec && isMap(spec) ? (spec.get('groups', true) as YamlNode | undefined) : undefined;
    if (gs && isSeq(gs)) for (const g of gs.items) out.push({ node: g as YamlNode, operator: true });
    else if (gs) errors.push(`yaml: unmarshal errors:\n  line ${pos(gs).line}: spec.groups must be a list`);
    return;
  }
  if (kind === 'List' || kind === 'PrometheusRuleList') {
    const items = root.get('items', true) as YamlNode | undefined;
    if (items && isSeq(items)) for (const it of items.items) if (isMap(it)) collectGroups(it, out, errors, pos, opts);
    return;
  }
  for (const pair of root.items as Pair<YamlNode, YamlNode>[]) {
    const key = scalarString(pair.key);
    if (key === 'groups') {
      if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) continue;
      if (!isSeq(pair.value)) {
        errors.push(`yaml: unmarshal errors:\n  line ${pos(pair.value).line}: cannot unmarshal into []rulefmt.RuleGroup`);
        continue;
      }
      for (const g of pair.value.items) out.push({ node: g as YamlNode, operator: false });
    } else if (!opts.ignoreUnknownFields) {
      errors.push(`yaml: unmarshal errors:\n  line ${pos(pair.key).line}: field ${key} not found in type rulefmt.RuleGroups`);
    }
  }
}

function scalarString(n: YamlNode | null | undefined): string | undefined {
  if (!n || !isScalar(n) || n.value === null) return undefined;
  return String(n.value);
}

/** A scalar as Go's yaml decodes it into a string field (numbers and bools keep their source text). */
function stringField(n: YamlNode | null | undefined, what: string, errors: string[], pos: PosFn): string {
  if (!n || (isScalar(n) && n.value === null)) return '';
  if (!isScalar(n)) {
    errors.push(`yaml: unmarshal errors:\n  line ${pos(n).line}: cannot unmarshal !!${isMap(n) ? 'map' : 'seq'} into string (${what})`);
    return '';
  }
  if (typeof n.value === 'string') return n.value;
  return n.source ?? String(n.value);
}

function durationField(n: YamlNode | null | undefined, errors: string[]): number | undefined {
  const s = scalarString(n);
  if (s === undefined) return undefined;
  try {
    return parseDuration(s);
  } catch {
    errors.push(`not a valid duration string: "${s}"`);
    return undefined;
  }
}

function mapField(n: YamlNode | null | undefined, what: string, errors: string[], pos: PosFn): Record<string, string> {
  const out: Record<string, string> = {};
  if (!n || (isScalar(n) && n.value === null)) return out;
  if (!isMap(n)) {
    errors.push(`yaml: unmarshal errors:\n  line ${pos(n).line}: cannot unmarshal into map[string]string (${what})`);
    return out;
  }
  for (const pair of n.items as Pair<YamlNode, YamlNode>[]) out[stringField(pair.key, what, errors, pos)] = stringField(pair.value, what, errors, pos);
  return out;
}

function readGroup(node: YamlNode, operator: boolean, errors: string[], pos: PosFn, opts: ParseRuleFileOptions): RuleGroupDef | null {
  if (!isMap(node)) {
    errors.push(`yaml: unmarshal errors:\n  line ${pos(node).line}: cannot unmarshal into rulefmt.RuleGroup`);
    return null;
  }
  const g: RuleGroupDef = { name: '', limit: 0, labels: {}, rules: [], line: pos(node).line };
  let ruleNodes: YamlNode[] = [];
  for (const pair of node.items as Pair<YamlNode, YamlNode>[]) {
    const key = scalarString(pair.key) ?? '';
    switch (GROUP_FIELDS[key]) {
      case 'name':
        g.name = stringField(pair.value, 'name', errors, pos);
        break;
      case 'interval':
        g.interval = durationField(pair.value, errors);
        break;
      case 'query_offset':
        g.queryOffset = durationField(pair.value, errors);
        break;
      case 'limit': {
        const s = scalarString(pair.value) ?? '0';
        if (!/^[+-]?[0-9]+$/.test(s)) errors.push(`yaml: unmarshal errors:\n  line ${pos(pair.value).line}: cannot unmarshal !!str \`${s}\` into int`);
        else g.limit = Number(s);
        break;
      }
      case 'labels':
        g.labels = mapField(pair.value, 'labels', errors, pos);
        break;
      case 'rules':
        if (pair.value && isSeq(pair.value)) ruleNodes = pair.value.items as YamlNode[];
        else if (pair.value && !(isScalar(pair.value) && pair.value.value === null)) errors.push(`yaml: unmarshal errors:\n  line ${pos(pair.value).line}: cannot unmarshal into []rulefmt.Rule`);
        break;
      default:
        if (operator && OPERATOR_GROUP_FIELDS.has(key)) break;
        if (!opts.ignoreUnknownFields) errors.push(`yaml: unmarshal errors:\n  line ${pos(pair.key).line}: field ${key} not found in type rulefmt.RuleGroup`);
    }
  }
  ruleNodes.forEach((rn, i) => {
    const r = readRule(rn, g.name, i + 1, errors, pos, opts);
    if (r) g.rules.push(r);
  });
  return g;
}

function readRule(node: YamlNode, group: string, index: number, errors: string[], pos: PosFn, opts: ParseRuleFileOptions): RuleDef | null {
  if (!isMap(node)) {
    errors.push(`yaml: unmarshal errors:\n  line ${pos(node).line}: cannot unmarshal into rulefmt.Rule`);
    return null;
  }
  const fieldErrors: string[] = [];
  const nodes: Record<string, YamlNode> = {};
  for (const pair of node.items as Pair<YamlNode, YamlNode>[]) {
    const key = scalarString(pair.key) ?? '';
    if (!RULE_FIELDS.has(key)) {
      if (!opts.ignoreUnknownFields) fieldErrors.push(`yaml: unmarshal errors:\n  line ${pos(pair.key).line}: field ${key} not found in type rulefmt.RuleNode`);
      continue;
    }
    nodes[key] = pair.value ?? (pair.key as YamlNode);
  }
  const r: RuleDef = {
    expr: stringField(nodes.expr, 'expr', fieldErrors, pos),
    for: durationField(nodes.for, fieldErrors) ?? 0,
    keepFiringFor: durationField(nodes.keep_firing_for, fieldErrors) ?? 0,
    labels: mapField(nodes.labels, 'labels', fieldErrors, pos),
    annotations: mapField(nodes.annotations, 'annotations', fieldErrors, pos),
    line: pos(node).line,
  };
  const record = stringField(nodes.record, 'record', fieldErrors, pos);
  const alert = stringField(nodes.alert, 'alert', fieldErrors, pos);
  if (record !== '') r.record = record;
  if (alert !== '') r.alert = alert;
  if (fieldErrors.length > 0) {
    errors.push(...fieldErrors);
    return null;
  }
  const name = alert !== '' ? alert : record;
  const at = (n: YamlNode | undefined, alt?: YamlNode) => {
    if (!n) return '';
    const p = pos(n);
    if (!alt) return `${p.line}:${p.col}: `;
    const q = pos(alt);
    if (q.line === 0) return `${p.line}:${p.col}: `;
    return `${p.line}:${p.col}: ${q.line}:${q.col}: `;
  };
  const err = (prefix: string, msg: string) => errors.push(`${prefix}group ${JSON.stringify(group)}, rule ${index}, ${JSON.stringify(name)}: ${msg}`);
  const recAlert = at(nodes.record ?? ZERO, nodes.alert ?? ZERO);
  if (record !== '' && alert !== '') err(recAlert, "only one of 'record' and 'alert' must be set");
  if (record === '' && alert === '') err(recAlert, "one of 'record' or 'alert' must be set");
  if (r.expr === '') err(at(nodes.expr ?? ZERO), "field 'expr' must be set in rule");
  else {
    try {
      parseExpr(r.expr);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      err(at(nodes.expr), `could not parse expression: ${e.message}`);
    }
  }
  if (record !== '') {
    const rn = at(nodes.record);
    if (Object.keys(r.annotations).length > 0) err(rn, "invalid field 'annotations' in recording rule");
    if (r.for !== 0) err(rn, "invalid field 'for' in recording rule");
    if (r.keepFiringFor !== 0) err(rn, "invalid field 'keep_firing_for' in recording rule");
    if (!validMetricName(record)) err(rn, `invalid recording rule name: ${record}`);
    if (record.includes('{') || record.includes('}')) err(rn, `braces present in the recording rule name; should it be in expr?: ${record}`);
  }
  for (const k of Object.keys(r.labels)) if (!validLabelName(k) || k === '__name__') err('', `invalid label name: ${k}`);
  for (const k of Object.keys(r.annotations)) if (!validLabelName(k)) err('', `invalid annotation name: ${k}`);
  if (alert !== '') {
    for (const [k, v] of Object.entries(r.labels)) {
      const e = templateParseError(alert, v);
      if (e) err('', `label ${JSON.stringify(k)}: ${e}`);
    }
    for (const [k, v] of Object.entries(r.annotations)) {
      const e = templateParseError(alert, v);
      if (e) err('', `annotation ${JSON.stringify(k)}: ${e}`);
    }
  }
  return r;
}

/** Stand-in for a missing node: Prometheus reports 0:0 for it. */
const ZERO = { range: undefined } as unknown as YamlNode;

/** Parses content and throws RuleFileError listing every problem. */
export function loadRuleFile(content: string, file = '', opts: ParseRuleFileOptions = {}): RuleGroupDef[] {
  const r = parseRuleFile(content, opts);
  if (r.errors.length > 0) throw new RuleFileError(file, r.errors);
  return r.groups;
}

export class RuleFileError extends Error {
  constructor(
    readonly file: string,
    readonly errors: string[],
  ) {
    super(`${file === '' ? '' : `${file}: `}${errors.join('; ')}`);
    this.name = 'RuleFileError';
  }
}
