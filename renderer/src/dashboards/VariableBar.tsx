// The dashboard's variable pickers: a select for a single value, a checklist (with All) for
// several. Hidden variables are resolved but not shown.
import { useEffect, useRef, useState } from 'react';
import type { VariableState } from './useVariables.js';
import { ALL, urlValues } from './variables.js';

/**
 * `pending`: the selection the address asks for while it is being resolved (shown at once, so a
 * click shows its effect before the options are fetched again).
 */
export function VariableBar({
  states,
  pending,
  onChange,
}: {
  states: VariableState[];
  pending: Readonly<Record<string, string[]>> | null;
  onChange(values: Record<string, string[]>): void;
}) {
  const shown = states.filter((s) => !s.def.hide);
  if (shown.length === 0) return null;
  return (
    <div className="varbar" role="toolbar" aria-label="Variables">
      {shown.map((s) => (
        <div className="var" key={s.def.name} data-var={s.def.name} data-value={urlValues(s.value).join(',')}>
          <span className="var-label muted">{s.def.label ?? s.def.name}</span>
          {s.def.multi ? (
            <MultiPicker state={s} pending={pending?.[s.def.name] ?? null} onChange={(v) => onChange({ [s.def.name]: v })} />
          ) : (
            <SinglePicker state={s} pending={pending?.[s.def.name]?.[0] ?? null} onChange={(v) => onChange({ [s.def.name]: v })} />
          )}
          {s.missing.length > 0 && (
            <span className="var-missing" role="status" data-testid="var-missing">
              {s.missing.join(', ')} not found; showing {s.value.values.length ? (s.value.all ? 'All' : (s.value.texts ?? s.value.values).join(', ')) : 'nothing'}
            </span>
          )}
          {s.error && (
            <span className="var-error" role="alert" title={s.error}>
              ⚠
            </span>
          )}
        </div>
      ))}
    </div>
  );
}

function SinglePicker({ state, pending, onChange }: { state: VariableState; pending: string | null; onChange(v: string[]): void }) {
  const { def, options, value } = state;
  const resolved = value.all ? ALL : (value.values[0] ?? '');
  const current = pending !== null && (pending === ALL || options.some((o) => o.value === pending)) ? pending : resolved;
  return (
    <select aria-label={def.label ?? def.name} value={current} onChange={(e) => onChange([e.target.value])} disabled={options.length === 0}>
      {options.length === 0 && <option value="">(none)</option>}
      {def.includeAll && <option value={ALL}>All</option>}
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.text}
        </option>
      ))}
    </select>
  );
}

/** The value a pending selection will have (options as last resolved). */
function pendingValue(state: VariableState, pending: string[]): VariableState['value'] {
  if (pending.includes(ALL)) return { ...state.value, all: true, values: state.options.map((o) => o.value), texts: ['All'] };
  const chosen = state.options.filter((o) => pending.includes(o.value));
  return { ...state.value, all: false, values: chosen.map((o) => o.value), texts: chosen.map((o) => o.text) };
}

function MultiPicker({ state, pending, onChange }: { state: VariableState; pending: string[] | null; onChange(v: string[]): void }) {
  const { def, options } = state;
  const value = pending ? pendingValue(state, pending) : state.value;
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', esc);
    };
  }, [open]);
  const label = def.label ?? def.name;
  const summary = value.all ? 'All' : value.values.length === 0 ? '(none)' : (value.texts ?? value.values).join(', ');
  const toggle = (v: string) => {
    const cur = value.all ? [] : value.values;
    const next = cur.includes(v) ? cur.filter((x) => x !== v) : [...cur, v];
    onChange(next.length === 0 && def.includeAll ? [ALL] : next);
  };
  return (
    <div className="var-multi" ref={box}>
      <button type="button" aria-haspopup="listbox" aria-expanded={open} aria-label={label} onClick={() => setOpen((o) => !o)} className="var-button">
        {summary} ▾
      </button>
      {open && (
        <div className="var-menu" role="listbox" aria-multiselectable="true" aria-label={label}>
          {def.includeAll && (
            <label className="var-option">
              <input type="checkbox" checked={value.all} onChange={() => onChange([ALL])} /> All
            </label>
          )}
          {options.map((o) => (
            <label className="var-option" key={o.value}>
              <input type="checkbox" checked={!value.all && value.values.includes(o.value)} onChange={() => toggle(o.value)} /> {o.text}
            </label>
          ))}
          {options.length === 0 && <div className="muted var-option">No values</div>}
        </div>
      )}
    </div>
  );
}
