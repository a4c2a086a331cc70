// Alertmanager-style notifications for Kubeglass: the public surface of core/alerting.
//
//   const notifier = new Notifier({
//     config: parseAlertingConfig(yamlText),        // or omit for the built-in desktop config
//     showDesktop: (n) => new Notification({ title: n.title, body: n.body }).show(),
//     externalURL: 'http://127.0.0.1:PORT/#/alerts',
//   });
//   notifier.restore(savedState);                    // silences, notification log, mutes
//   notifier.put(alertsFromRules);                   // every evaluation, like Prometheus does
//   notifier.silenceAlert(fp, { createdBy, comment, durationMs });
//   notifier.muteContext('prod'); notifier.setDoNotDisturb(true, until);
//   notifier.alerts(); notifier.groups(); notifier.silences.list();
//   save(notifier.snapshot()); notifier.stop();
//
// Alerts name their context in the `context` label (NotifierOptions.contextLabel).
export { type GettableAlert, type GettableSilence, gettableAlerts, gettableSilences, parsePostableSilence } from './api-v2.js';
export { type Alert, type PostableAlert, type AlertStatus, formatTime, parseTime, receiveAlert } from './alert.js';
export { type Clock, type TimerHandle, FakeClock, realClock } from './clock.js';
export {
  type AlertingConfig,
  AlertingConfigError,
  DEFAULT_CONFIG_YAML,
  type DesktopConfig,
  type InhibitRuleConfig,
  type ReceiverConfig,
  type RouteConfig,
  type WebhookConfig,
  defaultAlertingConfig,
  parseAlertingConfig,
} from './config.js';
export { type DesktopNotice, desktopNotice, desktopReceiver } from './desktop-receiver.js';
export type { FlushContext, GroupSnapshot } from './dispatcher.js';
export { fingerprint, labelSetString, type LabelSet } from './labels.js';
export { AlertMatcher, parseMatcher, parseMatchers } from './matchers.js';
export {
  type AlertView,
  type MuteSnapshot,
  Mutes,
  Notifier,
  type NotifierOptions,
  type NotifierState,
  type PutResult,
} from './notifier.js';
export { type Notification, type NotificationAlert, type WebhookMessage, encodeWebhookMessage, templateData, webhookMessage } from './payload.js';
export type { PipelineEvents } from './pipeline.js';
export { NotifyError, type Receiver } from './receiver.js';
export { type Silence, type SilenceInput, type SilenceSnapshot, type SilenceState, Silences, silenceFromAlert, silenceState } from './silences.js';
export { webhookReceiver } from './webhook-receiver.js';
