// Content negotiation as the API server does it: the Accept header's media types in preference
// order, where "application/json;as=Table;v=v1;g=meta.k8s.io" asks for a server-side Table,
// "as=PartialObjectMetadata(List)" for metadata only, and "as=APIGroupDiscoveryList" (on /api and
// /apis) for aggregated discovery. Protobuf and CBOR are not offered; clients list JSON after them.

export type Target =
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'partial'; version: 'v1' | 'v1beta1'; list: boolean }
  | { kind: 'aggregated'; version: 'v2' | 'v2beta1' };

export interface Allowed {
  table?: boolean;
  partial?: boolean;
  aggregated?: boolean;
}

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [type, ...rawParams] = part.split(';').map((s) => s.trim());
    if (!type) continue;
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim().toLowerCase();
      const v = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (k === 'q') q = Number(v);
      else params.set(k, v);
    }
    if (Number.isFinite(q) && q > 0) out.push({ type: type.toLowerCase(), params, q });
  }
  // Stable: equal q keeps the client's order.
  return out.map((m, i) => ({ m, i })).sort((a, b) => b.m.q - a.m.q || a.i - b.i).map((x) => x.m);
}

function choose(m: MediaRange, allowed: Allowed): Target | null {
  const isJson = m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';
  const as = m.params.get('as');
  if (m.type === 'application/yaml') return as ? null : { kind: 'yaml' };
  if (!isJson) return null;
  if (!as) return { kind: 'json' };
  const g = m.params.get('g');
  const v = m.params.get('v');
  if (g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) {
    if (as === 'Table' && allowed.table) return { kind: 'table', version: v };
    if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && allowed.partial) {
      return { kind: 'partial', version: v, list: as === 'PartialObjectMetadataList' };
    }
  }
  if (g === 'apidiscovery.k8s.io' && (v === 'v2' || v === 'v2beta1') && as === 'APIGroupDiscoveryList' && allowed.aggregated) {
    return { kind: 'aggregated', version: v };
  }
  return null;
}

/** The first acceptable target, JSON for a missing Accept, or null (406). */
export function negotiate(accept: string | undefined, allowed: Allowed = {}): Target | null {
  if (accept === undefined || accept.trim() === '') return { kind: 'json' };
  for (const m of parseAccept(accept)) {
    const t = choose(m, allowed);
    if (t) return t;
  }
  return null;
}

export function contentType(t: Target): string {
  switch (t.kind) {
    case 'json':
      return 'application/json';
    case 'yaml':
      return 'application/yaml';
    case 'table':
      return `application/json;as=Table;v=${t.version};g=meta.k8s.io`;
    case 'partial':
      return `application/json;as=${t.list ? 'PartialObjectMetadataList' : 'PartialObjectMetadata'};v=${t.version};g=meta.k8s.io`;
    case 'aggregated':
      return `application/json;g=apidiscovery.k8s.io;v=${t.version};as=APIGroupDiscoveryList`;
  }
}

export const ACCEPTED_TYPES = 'only the following media types are accepted: application/json, application/yaml';
