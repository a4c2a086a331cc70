// What a flush hands to receivers, and Alertmanager's webhook message built from it: template.Data
// (receiver, status, alerts, groupLabels, commonLabels, commonAnnotations, externalURL) plus
// version "4", groupKey and truncatedAlerts, encoded the way Go's encoding/json writes it (struct
// field order, map keys sorted, <, >, & escaped, a trailing newline).
import { type AlertStatus, formatTime } from './alert.js';
import { commonLabelSet, type LabelSet, sortedNames } from './labels.js';

export interface NotificationAlert {
  readonly status: AlertStatus;
  readonly labels: LabelSet;
  readonly annotations: LabelSet;
  readonly startsAt: number;
  /** null while firing (Alertmanager does not expose a future end). */
  readonly endsAt: number | null;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/** One notification for one receiver: the group's alerts at flush time, in Alertmanager's order. */
export interface Notification {
  readonly receiver: string;
  readonly groupKey: string;
  readonly groupLabels: LabelSet;
  readonly alerts: readonly NotificationAlert[];
  readonly externalURL: string;
}

export interface TemplateAlert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface TemplateData {
  receiver: string;
  status: AlertStatus;
  alerts: TemplateAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
}

export interface WebhookMessage extends TemplateData {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
}

/** Go's regexp.QuoteMeta (Alertmanager passes the receiver name through it). */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

export function groupStatus(alerts: readonly { status: AlertStatus }[]): AlertStatus {
  return alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved';
}

/** template.Data for these alerts. */
export function templateData(n: Notification, alerts: readonly NotificationAlert[] = n.alerts): TemplateData {
  return {
    receiver: quoteMeta(n.receiver),
    status: groupStatus(alerts),
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: { ...a.labels },
      annotations: { ...a.annotations },
      startsAt: formatTime(a.startsAt),
      endsAt: formatTime(a.endsAt),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
    groupLabels: { ...n.groupLabels },
    commonLabels: commonLabelSet(alerts.map((a) => a.labels)),
    commonAnnotations: commonLabelSet(alerts.map((a) => a.annotations)),
    externalURL: n.externalURL,
  };
}

/** The webhook message; maxAlerts > 0 keeps the first maxAlerts and counts the rest. */
export function webhookMessage(n: Notification, maxAlerts = 0): WebhookMessage {
  const kept = maxAlerts > 0 && n.alerts.length > maxAlerts ? n.alerts.slice(0, maxAlerts) : n.alerts;
  return { ...templateData(n, kept), version: '4', groupKey: n.groupKey, truncatedAlerts: n.alerts.length - kept.length };
}

function str(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function kv(m: Record<string, string>): string {
  return `{${sortedNames(m)
    .map((k) => `${str(k)}:${str(m[k]!)}`)
    .join(',')}}`;
}

/** The request body Alertmanager's webhook notifier sends (json.NewEncoder(...).Encode(msg)). */
export function encodeWebhookMessage(m: WebhookMessage): string {
  const alerts = m.alerts.map(
    (a) =>
      `{"status":${str(a.status)},"labels":${kv(a.labels)},"annotations":${kv(a.annotations)},"startsAt":${str(a.startsAt)},` +
      `"endsAt":${str(a.endsAt)},"generatorURL":${str(a.generatorURL)},"fingerprint":${str(a.fingerprint)}}`,
  );
  return (
    `{"receiver":${str(m.receiver)},"status":${str(m.status)},"alerts":[${alerts.join(',')}],"groupLabels":${kv(m.groupLabels)},` +
    `"commonLabels":${kv(m.commonLabels)},"commonAnnotations":${kv(m.commonAnnotations)},"externalURL":${str(m.externalURL)},` +
    `"version":${str(m.version)},"groupKey":${str(m.groupKey)},"truncatedAlerts":${m.truncatedAlerts}}\n`
  );
}
