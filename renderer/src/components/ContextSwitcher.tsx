// A kubectx-style switcher: opened with Ctrl+K (⌘K on macOS) or the top-bar button, filtered by
// typing, chosen with the arrow keys and Enter, dismissed with Escape.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { ContextInfo } from '../../../core/api/contract.js';

export function matchContext(c: ContextInfo, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  const hay = `${c.name} ${c.cluster} ${c.user} ${c.namespace}`.toLowerCase();
  return q.split(/\s+/).every((word) => hay.includes(word));
}

interface Props {
  contexts: ContextInfo[];
  selected: string | null;
  /** Contexts found unreachable: still listed (their stored data is viewable), marked offline. */
  offline?: string[];
  onChoose(name: string): void;
  onClose(): void;
}

export function ContextSwitcher({ contexts, selected, offline = [], onChoose, onClose }: Props) {
  const [query, setQuery] = useState('');
  const visible = useMemo(() => contexts.filter((c) => matchContext(c, query)), [contexts, query]);
  const [wanted, setActive] = useState(() => Math.max(0, contexts.findIndex((c) => c.name === selected)));
  // Filtering can shrink the list under the highlighted row; clamp rather than store twice.
  const active = Math.min(wanted, Math.max(0, visible.length - 1));
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();

  useEffect(() => input.current?.focus(), []);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive(Math.min(active + 1, visible.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive(Math.max(active - 1, 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const c = visible[active];
      if (c) onChoose(c.name);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    }
  };

  return (
    <div className="overlay" onMouseDown={onClose}>
      <div className="palette" role="dialog" aria-modal="true" aria-label="Switch context" onMouseDown={(e) => e.stopPropagation()} onKeyDown={onKeyDown}>
        <input
          ref={input}
          className="palette-input"
          placeholder="Switch context…"
          aria-label="Filter contexts"
          role="combobox"
          aria-expanded="true"
          aria-controls={listId}
          aria-activedescendant={visible[active] ? `${listId}-${active}` : undefined}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
        />
        <ul id={listId} role="listbox" aria-label="Contexts" className="palette-list">
          {visible.map((c, i) => (
            <li
              key={c.name}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseEnter={() => setActive(i)}
              onClick={() => onChoose(c.name)}
            >
              <span className="ctx-name">{c.name}</span>
              {c.name === selected && <span className="ctx-current">current</span>}
              {offline.includes(c.name) && <span className="ctx-offline">offline</span>}
              <span className="ctx-meta">
                {c.cluster || '—'} · {c.namespace}
                {c.problems.length > 0 && <span className="ctx-problem"> · {c.problems[0]}</span>}
              </span>
            </li>
          ))}
          {visible.length === 0 && <li className="palette-empty">No context matches “{query}”</li>}
        </ul>
      </div>
    </div>
  );
}
