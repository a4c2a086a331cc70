// Inhibition (inhibit/inhibit.go): an alert matching a rule's target matchers is muted while a
// firing alert matches its source matchers and has the same values for the `equal` labels. An
// alert that matches both sides cannot be inhibited by another alert that also matches both,
// so an alert never inhibits itself.
import { type Alert, isResolvedAt } from './alert.js';
import type { InhibitRuleConfig } from './config.js';
import type { LabelSet } from './labels.js';
import { matchesAll } from './matchers.js';

export class Inhibitor {
  private cache: { version: number; sources: Alert[][] } | null = null;

  constructor(
    private readonly rules: readonly InhibitRuleConfig[],
    /** The alerts currently known (sources are looked up here). */
    private readonly alerts: () => Iterable<Alert>,
    /** Changes whenever the alerts do; lets the per-rule source lists be reused. */
    private readonly version: () => number = () => NaN,
  ) {}

  /** Per rule, the alerts matching its source matchers (resolved or not: that depends on now). */
  private sources(): Alert[][] {
    const v = this.version();
    if (this.cache && this.cache.version === v) return this.cache.sources;
    const all = [...this.alerts()];
    const sources = this.rules.map((r) => all.filter((a) => matchesAll(r.sourceMatchers, a.labels)));
    this.cache = Number.isNaN(v) ? null : { version: v, sources };
    return sources;
  }

  /** The fingerprint of the alert inhibiting this label set, or undefined. */
  inhibitedBy(ls: LabelSet, now: number): string | undefined {
    let sources: Alert[][] | null = null;
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i]!;
      if (!matchesAll(rule.targetMatchers, ls)) continue;
      sources ??= this.sources();
      const excludeTwoSided = matchesAll(rule.sourceMatchers, ls);
      for (const a of sources[i]!) {
        if (isResolvedAt(a, now)) continue;
        if (rule.equal.some((n) => (a.labels[n] ?? '') !== (ls[n] ?? ''))) continue;
        if (excludeTwoSided && matchesAll(rule.targetMatchers, a.labels)) continue;
        return a.fingerprint;
      }
    }
    return undefined;
  }
}
