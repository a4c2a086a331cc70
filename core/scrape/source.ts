// Where targets come from. Kubernetes discovery (a later layer) and static lists implement the
// same interface, Prometheus's discovery model: a source sends the full set of its target groups
// each time anything changes.
import { ADDRESS, labelsFrom, type Labels } from '../model/labels.js';

export interface TargetGroup {
  /** Identifies the group within its source (a pod, an endpoints object, a static entry). */
  source: string;
  /** Per-target labels (at least __address__; discovery adds __meta_*). */
  targets: Labels[];
  /** Labels shared by every target of the group; a target's own labels win. */
  labels: Labels;
}

export interface TargetSource {
  /** Calls back with the complete current set of groups, now and on every change. */
  subscribe(onGroups: (groups: TargetGroup[]) => void): () => void;
}

/** static_configs: a fixed list, sent once. */
export class StaticSource implements TargetSource {
  private readonly groups: TargetGroup[];

  constructor(configs: { targets: string[]; labels: Record<string, string> }[]) {
    this.groups = configs.map((c, i) => ({
      source: String(i),
      targets: c.targets.map((address) => labelsFrom([[ADDRESS, address]])),
      labels: labelsFrom(c.labels),
    }));
  }

  subscribe(onGroups: (groups: TargetGroup[]) => void): () => void {
    onGroups(this.groups);
    return () => {};
  }
}

/** A group's targets with the group labels merged under their own. */
export function expandGroup(group: TargetGroup): Labels[] {
  return group.targets.map((t) => {
    const merged = new Map<string, string>();
    for (const l of group.labels) merged.set(l.name, l.value);
    for (const l of t) merged.set(l.name, l.value);
    return labelsFrom(merged);
  });
}
