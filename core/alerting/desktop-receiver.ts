// Kubeglass's desktop integration: one short notice per notification, shown by whatever the host
// injects (Electron's Notification, the Web Notification API in browser mode).
import type { DesktopConfig } from './config.js';
import { groupStatus, type Notification } from './payload.js';
import type { Receiver } from './receiver.js';

export interface DesktopNotice {
  /** e.g. "[FIRING:2] KubePodCrashLooping (prod)". */
  title: string;
  /** The first alert's summary (or description), and how many more there are. */
  body: string;
  /** What a click should open: the fingerprint of the first alert in the notice. */
  alertKey: string;
  groupKey: string;
  status: 'firing' | 'resolved';
}

const MAX_BODY = 240;

export function desktopNotice(n: Notification, contextLabel = 'context'): DesktopNotice {
  const status = groupStatus(n.alerts);
  const shown = n.alerts.filter((a) => a.status === status);
  const first = shown[0] ?? n.alerts[0];
  const tag = status === 'firing' ? `[FIRING:${shown.length}]` : `[RESOLVED]`;
  const name = n.groupLabels.alertname ?? first?.labels.alertname ?? Object.values(n.groupLabels).join(' ');
  const contexts = [...new Set(shown.map((a) => a.labels[contextLabel]).filter((c): c is string => !!c))];
  const where = contexts.length === 1 ? ` (${contexts[0]})` : '';
  const a = first?.annotations ?? {};
  let body = a.summary ?? a.description ?? a.message ?? '';
  if (!body && first) {
    body = Object.entries(first.labels)
      .filter(([k]) => k !== 'alertname' && k !== contextLabel)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
  }
  if (shown.length > 1) body += `${body ? ' ' : ''}(+${shown.length - 1} more)`;
  if (body.length > MAX_BODY) body = body.slice(0, MAX_BODY - 1) + '…';
  return { title: `${tag} ${name}${where}`.trim(), body, alertKey: first?.fingerprint ?? '', groupKey: n.groupKey, status };
}

export function desktopReceiver(
  cfg: DesktopConfig,
  show: (notice: DesktopNotice) => void | Promise<void>,
  opts: { index?: number; contextLabel?: string } = {},
): Receiver {
  return {
    name: `desktop[${opts.index ?? 0}]`,
    sendResolved: cfg.sendResolved,
    async notify(n) {
      await show(desktopNotice(n, opts.contextLabel));
    },
  };
}
