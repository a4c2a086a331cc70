// Desktop notifications for alerts in browser mode: the engine's alerts.notification events
// become Web Notifications (once the user has allowed them on the Alerts page); a click focuses
// the window and opens the alert. In Electron, main shows the notification itself and sends
// alerts.open when it is clicked.
import { useEffect } from 'react';
import { useClient } from '../api/hooks.js';

export function openAlert(alertKey: string): void {
  window.location.hash = `#/alerts?alert=${encodeURIComponent(alertKey)}`;
}

export function useAlertNotifications(): void {
  const client = useClient();
  useEffect(() => {
    let shell: string | null = null;
    let live = true;
    client.call('app.info', {}).then(
      (i) => {
        if (live) shell = i.shell;
      },
      () => {},
    );
    const offNotice = client.on('alerts.notification', (n) => {
      if (shell === 'electron' || !('Notification' in window) || Notification.permission !== 'granted') return;
      const notice = new Notification(n.title, { body: n.body, tag: n.groupKey });
      notice.onclick = () => {
        window.focus();
        openAlert(n.alertKey);
        notice.close();
      };
    });
    const offOpen = client.on('alerts.open', (o) => {
      window.focus();
      openAlert(o.alertKey);
    });
    return () => {
      live = false;
      offNotice();
      offOpen();
    };
  }, [client]);
}
