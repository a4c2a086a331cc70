import { useEffect, useState } from 'react';
import type { StorageState } from '../../../core/api/contract.js';
import { useClient } from '../api/hooks.js';

const fmtBytes = (n: number) => (n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);
const fmtTime = (t: number | null) => (t === null ? '—' : new Date(t).toLocaleString());

export function DataPage() {
  const client = useClient();
  const [state, setState] = useState<StorageState | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    client.call('storage.list', {}, { signal: controller.signal }).then(setState, (err: Error) => {
      if (!controller.signal.aborted) setError(err.message);
    });
    return () => controller.abort();
  }, [client]);
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
      <h2>Captures</h2>
      {state.captures.length === 0 ? (
        <p className="muted">
          No captures. <code>kubeglass capture export</code> writes one.
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
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
