import { useEffect, useState } from 'react';
import type { RemoteWriteState } from '../../../core/api/contract.js';
import { useClient } from '../api/hooks.js';

const when = (t: number | null) => (t === null ? 'never' : new Date(t).toLocaleTimeString());

/** A context's remote-write endpoint: set, change or turn off, and how sending goes. */
export function RemoteWritePanel({ contexts }: { contexts: string[] }) {
  const client = useClient();
  const [chosen, setChosen] = useState<string | null>(null);
  const context = chosen !== null && contexts.includes(chosen) ? chosen : (contexts[0] ?? '');
  const [state, setState] = useState<RemoteWriteState | null>(null);
  const [url, setUrl] = useState<string | null>(null);
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (!context) return;
    const controller = new AbortController();
    client.call('remoteWrite.get', { context }, { signal: controller.signal }).then(setState, (err: Error) => {
      if (!controller.signal.aborted) setError(err.message);
    });
    const timer = setTimeout(() => setTick((t) => t + 1), 5000);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [client, context, tick]);

  if (!context) return null;
  const shownUrl = url ?? state?.config?.url ?? '';
  const save = (e: React.FormEvent) => {
    e.preventDefault();
    client.call('remoteWrite.set', { context, config: { url: shownUrl.trim(), ...(token ? { bearerToken: token } : { keepSecrets: true }) } }).then(
      (s) => {
        setState(s);
        setUrl(null);
        setToken('');
        setError(null);
      },
      (err: Error) => setError(err.message),
    );
  };
  const turnOff = () =>
    client.call('remoteWrite.set', { context, config: null }).then(
      (s) => {
        setState(s);
        setUrl(null);
        setError(null);
      },
      (err: Error) => setError(err.message),
    );
  const st = state?.stats;
  return (
    <section aria-label="Remote write">
      <h2>Remote write</h2>
      <p className="muted">Send a context's live samples to a Prometheus remote-write endpoint (Prometheus, Mimir, Thanos Receive, VictoriaMetrics). A slow or down endpoint never holds up scraping: the queue keeps the newest samples and retries.</p>
      <form className="capture-form" onSubmit={save} aria-label="Remote-write endpoint">
        <label>
          Context{' '}
          <select value={context} onChange={(e) => setChosen(e.target.value)}>
            {contexts.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          URL <input value={shownUrl} onChange={(e) => setUrl(e.target.value)} placeholder="https://prometheus.example/api/v1/write" size={40} required />
        </label>
        <label>
          Bearer token <input type="password" value={token} onChange={(e) => setToken(e.target.value)} placeholder={state?.config?.hasBearerToken ? 'unchanged' : 'none'} autoComplete="off" />
        </label>
        <button type="submit">{state?.config ? 'Update' : 'Send to this endpoint'}</button>
        {state?.config && (
          <button type="button" onClick={() => void turnOff()}>
            Turn off
          </button>
        )}
      </form>
      {error && (
        <div className="ctx-problem" role="alert">
          {error}
        </div>
      )}
      {state?.config && st && (
        <p data-testid="remote-write-status">
          {st.samplesSent} samples sent ({(st.bytesSent / 1024).toFixed(0)} KiB), {st.samplesPending} pending, {st.samplesFailed} refused, {st.samplesDropped} dropped; last send {when(st.lastSendAt)}
          {st.lastError && (
            <span className="ctx-problem">
              {' '}
              · last error {when(st.lastErrorAt)}: {st.lastError}
            </span>
          )}
        </p>
      )}
    </section>
  );
}
