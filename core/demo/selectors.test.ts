import { describe, expect, it } from 'vitest';
import {
  formatLabelSelectorSpec,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors.js';

const labels = { app: 'ping', tier: 'web', 'app.kubernetes.io/name': 'ping', replicas: '3' };
const match = (sel: string, l: Record<string, string> | undefined = labels) => matchesLabels(parseLabelSelector(sel), l);

describe('label selectors', () => {
  it('matches equality, inequality and set requirements as apimachinery does', () => {
    expect(match('app=ping')).toBe(true);
    expect(match('app==ping')).toBe(true);
    expect(match('app=other')).toBe(false);
    expect(match('app!=other')).toBe(true);
    expect(match('app!=ping')).toBe(false);
    // != and notin also match objects without the label at all.
    expect(match('missing!=x')).toBe(true);
    expect(match('missing notin (a,b)')).toBe(true);
    expect(match('tier in (web, db)')).toBe(true);
    expect(match('tier in (db)')).toBe(false);
    expect(match('tier notin (web)')).toBe(false);
    expect(match('missing in (x)')).toBe(false);
    expect(match('app.kubernetes.io/name=ping,tier')).toBe(true);
    expect(match('!tier')).toBe(false);
    expect(match('!missing')).toBe(true);
    expect(match('missing')).toBe(false);
    expect(match('replicas>2')).toBe(true);
    expect(match('replicas<3')).toBe(false);
    expect(match('app>1')).toBe(false);
    expect(match('')).toBe(true);
    expect(matchesLabels(parseLabelSelector('app=ping'), undefined)).toBe(false);
    expect(match('app=', { app: '' })).toBe(true);
  });

  it('rejects malformed selectors with parse errors', () => {
    for (const bad of ['app in x', 'app in ()', 'app=ping,', '=x', 'a b', 'app=-bad-', 'bad key!=x y', 'replicas>two', '-app=x']) {
      expect(() => parseLabelSelector(bad), bad).toThrow(SelectorError);
    }
    expect(() => parseLabelSelector('app in x')).toThrow("found 'x', expected: '('");
    expect(() => parseLabelSelector('app=-bad-')).toThrow(/unable to parse requirement: values\[0\]\[app\]: Invalid value: "-bad-"/);
  });

  it('formats workload selectors as kubectl -o wide shows them', () => {
    expect(formatLabelSelectorSpec({ matchLabels: { b: '2', a: '1' } })).toBe('a=1,b=2');
    expect(formatLabelSelectorSpec({ matchExpressions: [{ key: 'k', operator: 'In', values: ['y', 'x'] }, { key: 'e', operator: 'Exists' }] })).toBe('k in (x,y),e');
    expect(formatLabelSelectorSpec({})).toBe('<none>');
  });
});

describe('field selectors', () => {
  const fields = { 'metadata.name': 'a,b=c', 'spec.nodeName': 'n1', 'status.phase': 'Running' };

  it('parses =, == and != with escapes, and matches exactly', () => {
    const sel = parseFieldSelector('spec.nodeName=n1,status.phase!=Pending');
    expect(sel).toEqual([
      { field: 'spec.nodeName', op: '=', value: 'n1' },
      { field: 'status.phase', op: '!=', value: 'Pending' },
    ]);
    expect(matchesFields(sel, fields)).toBe(true);
    expect(matchesFields(parseFieldSelector('status.phase==Pending'), fields)).toBe(false);
    expect(matchesFields(parseFieldSelector(String.raw`metadata.name=a\,b\=c`), fields)).toBe(true);
    // An empty value selects objects whose field is empty (unscheduled pods: spec.nodeName=).
    expect(matchesFields(parseFieldSelector('spec.nodeName='), { 'spec.nodeName': '' })).toBe(true);
    expect(parseFieldSelector('')).toEqual([]);
  });

  it('rejects terms without an operator and bad escapes', () => {
    expect(() => parseFieldSelector('foo')).toThrow("invalid selector: 'foo'; can't understand 'foo'");
    expect(() => parseFieldSelector(String.raw`a=b\x`)).toThrow(SelectorError);
  });
});
