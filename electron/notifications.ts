// Desktop notifications for alerts in the Electron shell: each alerts.notification event from the
// engine becomes an Electron Notification; clicking it brings the window forward and tells the page
// to open the alert (the alerts.open event). Only this module touches Electron's Notification.
import { Notification } from 'electron';
import type { AlertNotification } from '../core/api/contract.js';
import { IPC_EVENT_CHANNEL } from '../core/api/names.js';

/** The window a click brings forward (the narrow part of BrowserWindow this module uses). */
export interface NotificationWindow {
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
  webContents: { send(channel: string, ...args: unknown[]): void };
}

export interface AlertNotifier {
  show(n: AlertNotification): void;
  /** Notifications still on screen (kept so their click handlers are not garbage collected). */
  readonly open: number;
}

/** `target` gives the window to open alerts in (the first open window), or null when there is none. */
export function createAlertNotifier(target: () => NotificationWindow | null): AlertNotifier {
  const open = new Set<Notification>();
  return {
    get open() {
      return open.size;
    },
    show(n) {
      if (!Notification.isSupported()) return;
      const note = new Notification({ title: n.title, body: n.body, silent: n.status === 'resolved' });
      open.add(note);
      const forget = () => open.delete(note);
      note.on('close', forget);
      note.on('click', () => {
        forget();
        const win = target();
        if (!win || win.isDestroyed()) return;
        if (win.isMinimized()) win.restore();
        win.show();
        win.focus();
        win.webContents.send(IPC_EVENT_CHANNEL, 'alerts.open', { alertKey: n.alertKey, context: n.context });
      });
      note.show();
    },
  };
}
