// Inhibition (inhibit/inhibit.go): an alert matching a rule's target matchers is muted while a
// firing alert matches its source matchers and has the same values for the `equal` labels. An
// alert that matches both sides cannot be inhibited by another alert that also matches both,
// so an alert never inhibits itself.
import { type Alert, isResolvedAt } from './alert.js';
import type { InhibitRuleConfig } from './config.js';
import type { LabelSet } from './labels.js';
import { matchesAll } from './matchers.js';

export class Inhibitor {
  constructor(
    private readonly rules: readonly InhibitRuleConfig[],
    /** The alerts currently known (sources are looked up here). */
    private readonly alerts: () => Iterable<Alert>,
  ) {}

  /** The fingerprint of the alert inhibiting this label set, or undefined. */
  inhibitedBy(ls: LabelSet, now: number): string | undefined {
    for (const rule of this.rules) {
      if (!matchesAll(rule.targetMatchers, ls)) continue;
      const excludeTwoSided = matchesAll(rule.sourceMatchers, ls);
      for (const a of this.alerts()) {
        if (isResolvedAt(a, now) || !matchesAll(rule.sourceMatchers, a.labels)) continue;
        if (rule.equal.some((n) => (a.labels[n] ?? '') !== (ls[n] ?? ''))) continue;
        if (excludeTwoSided && matchesAll(rule.targetMatchers, a.labels)) continue;
        return a.fingerprint;
      }
    }
    return undefined;
  }
}
