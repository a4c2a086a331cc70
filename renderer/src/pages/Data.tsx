import { useCallback, useEffect, useState } from 'react';
import type { CaptureInfo, StorageState } from '../../../core/api/contract.js';
import { useClient, useContexts } from '../api/hooks.js';
import { RemoteWritePanel } from '../components/RemoteWritePanel.js';

const fmtBytes = (n: number) => (n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);
const fmtTime = (t: number | null) => (t === null ? '—' : new Date(t).toLocaleString());

const SAVE_SPANS = [
  ['15m', 15 * 60_000],
  ['1h', 3_600_000],
  ['6h', 6 * 3_600_000],
  ['24h', 24 * 3_600_000],
] as const;

/** Saves a past range of a context as a capture. */
function SaveCapture({ contexts, onSaved }: { contexts: string[]; onSaved: (c: CaptureInfo) => void }) {
  const client = useClient();
  const [chosen, setContext] = useState<string | null>(null);
  const context = chosen !== null && contexts.includes(chosen) ? chosen : (contexts[0] ?? '');
  const [name, setName] = useState('');
  const [note, setNote] = useState('');
  const [span, setSpan] = useState<string>('1h');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = (e: React.FormEvent) => {
    e.preventDefault();
    const ms = SAVE_SPANS.find(([k]) => k === span)![1];
    const to = Date.now();
    setBusy(true);
    client.call('captures.create', { context, name: name.trim(), note, from: to - ms, to }).then(
      (c) => {
        setBusy(false);
        setError(null);
        setName('');
        setNote('');
        onSaved(c);
      },
      (err: Error) => {
        setBusy(false);
        setError(err.message);
      },
    );
  };
  if (contexts.length === 0) return null;
  return (
    <form className="capture-form" onSubmit={save} aria-label="Save a capture">
      <label>
        Context{' '}
        <select value={context} onChange={(e) => setContext(e.target.value)}>
          {contexts.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label>
        Last{' '}
        <select value={span} onChange={(e) => setSpan(e.target.value)} aria-label="Range">
          {SAVE_SPANS.map(([k]) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      </label>
      <label>
        Name <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} placeholder="incident-42" />
      </label>
      <label>
        Note <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={4000} placeholder="what happened" />
      </label>
      <button type="submit" disabled={busy || name.trim() === ''}>
        {busy ? 'Saving…' : 'Save capture'}
      </button>
      {error && (
        <div className="ctx-problem" role="alert">
          {error}
        </div>
      )}
    </form>
  );
}

export function DataPage() {
  const client = useClient();
  const contexts = useContexts();
  const [state, setState] = useState<StorageState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  useEffect(() => {
    const controller = new AbortController();
    client.call('storage.list', {}, { signal: controller.signal }).then(setState, (err: Error) => {
      if (!controller.signal.aborted) setError(err.message);
    });
    return () => controller.abort();
  }, [client, generation]);
  const open = (c: CaptureInfo) =>
    client.call('captures.open', { file: c.file }).then(
      () => {
        // Every page reads the capture from here on: start them afresh on its span.
        window.location.hash = '#/cluster';
        window.location.reload();
      },
      (err: Error) => setActionError(err.message),
    );
  const remove = (c: CaptureInfo) => {
    if (!window.confirm(`Delete the capture "${c.name}"? This cannot be undone.`)) return;
    client.call('captures.delete', { file: c.file }).then(
      () => {
        setActionError(null);
        refresh();
      },
      (err: Error) => setActionError(err.message),
    );
  };
  const contextNames = [
    ...new Set([...(contexts.status === 'ready' ? contexts.value.contexts.map((c) => c.name) : []), ...(state?.databases.map((d) => d.context).filter((c) => c) ?? [])]),
  ];
  if (error) return <div className="banner banner-error" role="alert">{error}</div>;
  if (!state) return <p className="muted">Loading…</p>;
  return (
    <section className="page">
      <h1>Data</h1>
      <p className="muted">
        Stored in <code>{state.dataDir}</code>
      </p>
      <h2>Context databases</h2>
      {state.databases.length === 0 ? (
        <p className="muted">No metrics stored yet.</p>
      ) : (
        <table className="grid" aria-label="Context databases">
          <thead>
            <tr>
              <th>Context</th>
              <th>Series</th>
              <th>From</th>
              <th>To</th>
              <th>Size</th>
            </tr>
          </thead>
          <tbody>
            {state.databases.map((d) => (
              <tr key={d.file}>
                <td>
                  {d.context || <code>{d.file}</code>}
                  {d.error && <div className="ctx-problem">{d.error}</div>}
                </td>
                <td>{d.series}</td>
                <td>{fmtTime(d.minTime)}</td>
                <td>{fmtTime(d.maxTime)}</td>
                <td>{fmtBytes(d.bytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RemoteWritePanel contexts={contextNames} />
      <h2>Captures</h2>
      <p className="muted">
        A capture is one self-contained file of a context's data over a time range. Open it here, or anywhere with <code>kubeglass serve --capture FILE</code>, with no
        cluster in reach.
      </p>
      <SaveCapture contexts={contextNames} onSaved={refresh} />
      {actionError && (
        <div className="banner banner-error" role="alert">
          {actionError}
        </div>
      )}
      {state.captures.length === 0 ? (
        <p className="muted">
          No captures yet. Save one above, or with <code>kubeglass capture export</code>.
        </p>
      ) : (
        <table className="grid" aria-label="Captures">
          <thead>
            <tr>
              <th>Name</th>
              <th>Context</th>
              <th>Span</th>
              <th>Series</th>
              <th>Size</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {state.captures.map((c) => (
              <tr key={c.file}>
                <td>
                  {c.name}
                  {c.note && <div className="muted">{c.note}</div>}
                  {c.error && <div className="ctx-problem">{c.error}</div>}
                </td>
                <td>{c.context}</td>
                <td>
                  {fmtTime(c.minTime)} – {fmtTime(c.maxTime)}
                </td>
                <td>{c.series}</td>
                <td>{fmtBytes(c.bytes)}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => void open(c)} disabled={!!c.error} aria-label={`Open ${c.name}`}>
                    Open
                  </button>{' '}
                  <button type="button" onClick={() => remove(c)} aria-label={`Delete ${c.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
