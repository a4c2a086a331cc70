import { beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_EVENT_CHANNEL } from '../core/api/names.js';

const electron = vi.hoisted(() => {
  class FakeNotification {
    static supported = true;
    static made: FakeNotification[] = [];
    static isSupported() {
      return FakeNotification.supported;
    }
    handlers = new Map<string, () => void>();
    shown = false;
    constructor(readonly opts: { title: string; body: string; silent?: boolean }) {
      FakeNotification.made.push(this);
    }
    on(event: string, fn: () => void) {
      this.handlers.set(event, fn);
      return this;
    }
    show() {
      this.shown = true;
    }
  }
  return { Notification: FakeNotification };
});

vi.mock('electron', () => electron);

const { createAlertNotifier } = await import('./notifications.js');

const notice = { title: '[FIRING:1] CountGreaterThan5 (kubeglass-demo)', body: 'The ping app has answered more than 5 requests.', alertKey: 'abc123', groupKey: 'g', status: 'firing' as const, context: 'kubeglass-demo' };

function fakeWindow(minimized = false) {
  return { isDestroyed: vi.fn(() => false), isMinimized: vi.fn(() => minimized), restore: vi.fn(), show: vi.fn(), focus: vi.fn(), webContents: { send: vi.fn() } };
}

beforeEach(() => {
  electron.Notification.made = [];
  electron.Notification.supported = true;
});

describe('createAlertNotifier', () => {
  it('shows an Electron Notification with the title and body', () => {
    const n = createAlertNotifier(() => null);
    n.show(notice);
    expect(electron.Notification.made).toHaveLength(1);
    const made = electron.Notification.made[0]!;
    expect(made.opts).toEqual({ title: notice.title, body: notice.body, silent: false });
    expect(made.shown).toBe(true);
    expect(n.open).toBe(1);
    made.handlers.get('close')!();
    expect(n.open).toBe(0);
  });

  it('on click restores and focuses the window and tells the page to open the alert', () => {
    const win = fakeWindow(true);
    const n = createAlertNotifier(() => win);
    n.show(notice);
    electron.Notification.made[0]!.handlers.get('click')!();
    expect(win.restore).toHaveBeenCalled();
    expect(win.show).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
    expect(win.webContents.send).toHaveBeenCalledWith(IPC_EVENT_CHANNEL, 'alerts.open', { alertKey: 'abc123', context: 'kubeglass-demo' });
    expect(n.open).toBe(0);
  });

  it('resolved notices are silent; nothing is shown where notifications are unsupported; a click without a window does nothing', () => {
    const n = createAlertNotifier(() => null);
    n.show({ ...notice, status: 'resolved', title: '[RESOLVED] CountGreaterThan5' });
    expect(electron.Notification.made[0]!.opts.silent).toBe(true);
    expect(() => electron.Notification.made[0]!.handlers.get('click')!()).not.toThrow();
    electron.Notification.supported = false;
    n.show(notice);
    expect(electron.Notification.made).toHaveLength(1);
  });
});
