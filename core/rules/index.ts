// Prometheus rule files and their evaluation (issue 8): load and validate rule files, build
// groups, run them on a clock, and answer /api/v1/rules and /api/v1/alerts.
export { parseRuleFile, loadRuleFile, RuleFileError, type ParsedRuleFile, type ParseRuleFileOptions, type RuleDef, type RuleGroupDef } from './rulefmt.js';
export { Group, groupsFromDefs, evalTimestamp, groupHash, type GroupOptions, type GroupsFromDefsOptions, type Rule } from './group.js';
export { AlertingRule, RESOLVED_RETENTION_MS, ALERT_METRIC_NAME, ALERT_FOR_STATE_METRIC_NAME, type Alert, type AlertState, type NotifierAlert, type AlertingRuleOptions } from './alerting.js';
export { RecordingRule } from './recording.js';
export { RuleBase, engineQueryFunc, type QueryFunc, type RuleHealth, type RuleEvalOptions } from './rule.js';
export { RuleScheduler, type SchedulerOptions } from './scheduler.js';
export { rulesResponse, alertsResponse, apiAlert, type ApiAlert, type ApiAlertingRule, type ApiRecordingRule, type ApiRuleGroup, type RulesFilter } from './api.js';
export { AlertTemplate, prometheusFuncs, templateParseError, type AlertTemplateData, type TemplateContext } from './template-funcs.js';
export { Template, TemplateError } from './template.js';
export { runRuleUnitTests, type UnitTestOptions, type UnitTestOutcome } from './unittest.js';
