// Recording rules (rules/recording.go): the expression's result under the rule's name, with the
// rule's labels set over the result's.
import { labelsKey, LabelsBuilder, labelsFrom, METRIC_NAME, type Labels } from '../model/labels.js';
import type { Sample } from '../promql/value.js';
import { RuleBase, type RuleEvalOptions } from './rule.js';

export class RecordingRule extends RuleBase {
  readonly type = 'recording' as const;
  readonly labels: Labels;

  constructor(
    readonly name: string,
    readonly expr: string,
    labels: Record<string, string> = {},
  ) {
    super();
    this.labels = labelsFrom(labels);
  }

  async eval(ts: number, opts: RuleEvalOptions): Promise<Sample[]> {
    const t = ts - opts.queryOffsetMs;
    const vector = await opts.query(this.expr, t);
    const seen = new Set<string>();
    const out: Sample[] = [];
    for (const s of vector) {
      const lb = new LabelsBuilder(s.metric);
      lb.set(METRIC_NAME, this.name);
      for (const l of this.labels) lb.set(l.name, l.value);
      const metric = lb.labels();
      const key = labelsKey(metric);
      if (seen.has(key)) throw new Error('vector contains metrics with the same labelset after applying rule labels');
      seen.add(key);
      out.push(s.h ? { metric, t, f: 0, h: s.h } : { metric, t, f: s.f });
    }
    if (opts.limit > 0 && out.length > opts.limit) throw new Error(`exceeded limit of ${opts.limit} with ${out.length} series`);
    return out;
  }
}
