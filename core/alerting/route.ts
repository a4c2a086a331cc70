// The routing tree (dispatch/route.go): options inherited from the parent, depth-first matching
// where the first matching child stops the search unless it has `continue`, and the route key that
// group keys begin with.
import type { RouteConfig } from './config.js';
import type { LabelSet } from './labels.js';
import { type AlertMatcher, matchesAll, matchersString } from './matchers.js';

export interface RouteOpts {
  receiver: string;
  groupBy: ReadonlySet<string>;
  groupByAll: boolean;
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
  muteTimeIntervals: readonly string[];
  activeTimeIntervals: readonly string[];
}

const DEFAULT_OPTS: RouteOpts = {
  receiver: '',
  groupBy: new Set(),
  groupByAll: false,
  groupWait: 30_000,
  groupInterval: 5 * 60_000,
  repeatInterval: 4 * 3600_000,
  muteTimeIntervals: [],
  activeTimeIntervals: [],
};

export class Route {
  readonly opts: RouteOpts;
  readonly matchers: readonly AlertMatcher[];
  readonly continue: boolean;
  readonly routes: Route[];
  /** Route.Key(): the parent's key, '/', then this route's matchers. */
  readonly key: string;

  constructor(cfg: RouteConfig, parent?: Route) {
    const p = parent?.opts ?? DEFAULT_OPTS;
    this.opts = {
      receiver: cfg.receiver ?? p.receiver,
      groupBy: cfg.groupBy !== undefined && !cfg.groupByAll ? new Set(cfg.groupBy) : p.groupBy,
      groupByAll: cfg.groupBy !== undefined && !cfg.groupByAll ? false : cfg.groupByAll || p.groupByAll,
      groupWait: cfg.groupWait ?? p.groupWait,
      groupInterval: cfg.groupInterval ?? p.groupInterval,
      repeatInterval: cfg.repeatInterval ?? p.repeatInterval,
      muteTimeIntervals: cfg.muteTimeIntervals,
      activeTimeIntervals: cfg.activeTimeIntervals,
    };
    this.matchers = cfg.matchers;
    this.continue = cfg.continue;
    this.key = (parent ? parent.key + '/' : '') + matchersString(this.matchers);
    this.routes = cfg.routes.map((c) => new Route(c, this));
  }

  /** The routes an alert with these labels goes to (Route.Match). */
  match(ls: LabelSet): Route[] {
    if (!matchesAll(this.matchers, ls)) return [];
    const all: Route[] = [];
    for (const child of this.routes) {
      const m = child.match(ls);
      all.push(...m);
      if (m.length > 0 && !child.continue) break;
    }
    return all.length > 0 ? all : [this];
  }

  /** The labels an alert is grouped by on this route. */
  groupLabels(ls: LabelSet): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(ls)) if (this.opts.groupByAll || this.opts.groupBy.has(k)) out[k] = v;
    return out;
  }

  walk(visit: (r: Route) => void): void {
    visit(this);
    for (const r of this.routes) r.walk(visit);
  }
}
