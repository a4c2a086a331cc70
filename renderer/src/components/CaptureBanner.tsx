import { useState } from 'react';
import type { AppInfo } from '../../../core/api/contract.js';
import { useClient } from '../api/hooks.js';

const fmt = (t: number | null) => (t === null ? '—' : new Date(t).toLocaleString());

/** Says, on every page, that what is shown is an offline capture and not live data. */
export function CaptureBanner({ info }: { info: AppInfo }) {
  const client = useClient();
  const [error, setError] = useState<string | null>(null);
  const c = info.capture;
  if (!c) return null;
  const close = () =>
    client.call('captures.close', {}).then(
      () => window.location.reload(),
      (err: Error) => setError(err.message),
    );
  return (
    <div className="banner banner-capture" role="status" data-testid="capture-banner">
      <strong>Offline capture “{c.name}”</strong> of context <strong>{c.context}</strong>, {fmt(c.minTime)} – {fmt(c.maxTime)}. Read-only; nothing here is live.
      {c.note && <span className="muted"> {c.note}</span>}
      {!info.captureLocked && (
        <button type="button" onClick={close}>
          Back to live data
        </button>
      )}
      {error && <span className="ctx-problem"> {error}</span>}
    </div>
  );
}
