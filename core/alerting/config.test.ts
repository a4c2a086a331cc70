import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_YAML, defaultAlertingConfig, parseAlertingConfig } from './config.js';
import { Route } from './route.js';

describe('the built-in config', () => {
  it('routes everything to the desktop, grouped by alertname and context', () => {
    const c = defaultAlertingConfig();
    const r = new Route(c.route);
    expect(r.opts).toMatchObject({ receiver: 'desktop', groupWait: 30_000, groupInterval: 300_000, repeatInterval: 4 * 3600_000, groupByAll: false });
    expect([...r.opts.groupBy]).toEqual(['alertname', 'context']);
    expect(c.receivers).toEqual([{ name: 'desktop', webhookConfigs: [], desktopConfigs: [{ sendResolved: true }] }]);
    expect(c.resolveTimeoutMs).toBe(300_000);
    expect(DEFAULT_CONFIG_YAML).toContain('desktop_configs');
  });
});

describe('parsing', () => {
  const TREE = `
global: {resolve_timeout: 1m}
route:
  receiver: a
  group_by: [alertname]
  group_wait: 10s
  routes:
    - match: {severity: critical}
      match_re: {team: "db|web"}
      matchers: ['env!="dev"']
      receiver: b
      group_interval: 1m
      continue: true
      routes:
        - matchers: ['x=~"y.*"']
          group_by: ['...']
    - matchers: ['a="1", b="2"']
      group_by: []
receivers:
  - name: a
    webhook_configs: [{url: "http://hook.test/x", max_alerts: 5, timeout: 3s}]
  - name: b
    webhook_configs: [{url: "https://hook.test/y", send_resolved: false}]
    desktop_configs: [{}]
inhibit_rules:
  - source_match: {severity: critical}
    target_matchers: ['severity=~"warning|info"']
    equal: [context, namespace]
`;

  it('reads the route tree with inherited options, legacy matchers and group_by', () => {
    const c = parseAlertingConfig(TREE);
    const root = new Route(c.route);
    const [b, other] = root.routes;
    const leaf = b!.routes[0]!;
    expect(b!.key).toBe('{}/{env!="dev",severity="critical",team=~"db|web"}');
    expect(b!.opts).toMatchObject({ receiver: 'b', groupWait: 10_000, groupInterval: 60_000, repeatInterval: 4 * 3600_000 });
    expect(b!.continue).toBe(true);
    expect(leaf.opts).toMatchObject({ receiver: 'b', groupByAll: true, groupInterval: 60_000 });
    expect(leaf.key).toBe('{}/{env!="dev",severity="critical",team=~"db|web"}/{x=~"y.*"}');
    expect(other!.key).toBe('{}/{a="1",b="2"}');
    // Alertmanager's quirk: `group_by: []` inherits the parent's list.
    expect([...other!.opts.groupBy]).toEqual(['alertname']);
    expect(c.resolveTimeoutMs).toBe(60_000);
    expect(c.receivers[0]!.webhookConfigs).toEqual([{ url: 'http://hook.test/x', sendResolved: true, maxAlerts: 5, timeoutMs: 3000 }]);
    expect(c.receivers[1]!.webhookConfigs[0]!.sendResolved).toBe(false);
    expect(c.receivers[1]!.desktopConfigs).toEqual([{ sendResolved: true }]);
    expect(c.inhibitRules[0]!.sourceMatchers.map(String)).toEqual(['severity="critical"']);
    expect(c.inhibitRules[0]!.targetMatchers.map(String)).toEqual(['severity=~"warning|info"']);
    expect(c.inhibitRules[0]!.equal).toEqual(['context', 'namespace']);
  });

  const base = (route: string, extra = '') => `route:\n${route}\nreceivers: [{name: r}]\n${extra}`;

  it.each([
    ['', 'no routes provided'],
    ['route: {group_by: [a]}\nreceivers: [{name: r}]', 'root route must specify a default receiver'],
    [base('  receiver: r\n  matchers: [a="b"]'), 'root route must not have any matchers'],
    [base('  receiver: r\n  continue: true'), 'cannot have continue in root route'],
    [base('  receiver: nope'), 'undefined receiver "nope" used in route'],
    [base('  receiver: r\n  routes: [{receiver: x}]'), 'route.routes[0]: undefined receiver "x" used in route'],
    [base("  receiver: r\n  group_by: ['...', a]"), 'cannot have wildcard group_by'],
    [base('  receiver: r\n  group_by: [a, a]'), 'duplicated label "a" in group_by'],
    [base('  receiver: r\n  group_by: ["a-b"]'), 'invalid label name "a-b" in group_by list'],
    [base('  receiver: r\n  group_interval: 0s'), 'group_interval cannot be zero'],
    [base('  receiver: r\n  repeat_interval: 0s'), 'repeat_interval cannot be zero'],
    [base('  receiver: r\n  group_wait: 5 minutes'), 'line 3: route.group_wait: not a valid duration string: "5 minutes"'],
    [base('  receiver: r\n  routes: [{matchers: [a="b]}]'), 'route.routes[0].matchers: matcher value contains unescaped double quote'],
    [base('  receiver: r\n  routes: [{match_re: {a: "("}}]'), 'invalid regexp value for "a"'],
    [base('  receiver: r\n  grouping: [a]'), 'line 3: route: unknown field "grouping"'],
    [base('  receiver: r', 'receivers: []'), 'not valid YAML'],
    ['route: {receiver: r}\nreceivers: [{name: r}, {name: r}]', 'notification config name "r" is not unique'],
    ['route: {receiver: r}\nreceivers: [{name: r, slack_configs: [{}]}]', 'receivers[0]: unknown field "slack_configs"'],
    ['route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: "ftp://x"}]}]', 'receivers[0].webhook_configs[0].url: want an http or https URL'],
    ['route: {receiver: r}\nreceivers: [{name: ""}]', 'missing name in receiver'],
    ['route: {receiver: r, routes: [{mute_time_intervals: [night]}]}\nreceivers: [{name: r}]', 'undefined time interval "night" used in route'],
    ['route: {receiver: r, mute_time_intervals: [n]}\nreceivers: [{name: r}]\ntime_intervals: [{name: n}]', 'root route must not have any mute time intervals'],
    ['route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals: [{name: n, time_intervals: [{weekdays: [funday]}]}]', 'time_intervals "n" [0]: "funday" is not a valid name'],
    ['route: {receiver: r}\nreceivers: [{name: r}]\ninhibit_rules: [{equal: ["a b"]}]', 'inhibit_rules[0].equal[0]: invalid label name'],
    ['route: {receiver: r}\nreceivers: [{name: r}]\ntemplates: [x.tmpl]', 'unknown field "templates"'],
  ])('%j → %s', (yaml, message) => {
    expect(() => parseAlertingConfig(yaml)).toThrow(message);
  });
});
