// The PromQL editor: CodeMirror 6 with codemirror-promql's language (highlighting), completion
// (metric names, labels and values from our own API through the contract) and linter. Ctrl/Cmd+Enter
// runs the query.
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintKeymap } from '@codemirror/lint';
import { EditorState, Prec } from '@codemirror/state';
import { EditorView, highlightSpecialChars, keymap, placeholder } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';
import { useEffect, useLayoutEffect, useRef } from 'react';
import type { PrometheusClient } from '@prometheus-io/codemirror-promql';
import { installAdoptedStyleSet } from './adoptedStyles.js';

// Before any editor mounts its theme (see adoptedStyles.ts).
installAdoptedStyleSet();

// Colours come from classes in styles.css, so the editor follows the light and dark themes.
const promqlHighlight = HighlightStyle.define([
  { tag: tags.keyword, class: 'pq-keyword' },
  { tag: tags.function(tags.variableName), class: 'pq-function' },
  { tag: tags.labelName, class: 'pq-label' },
  { tag: tags.string, class: 'pq-string' },
  { tag: tags.number, class: 'pq-number' },
  { tag: tags.operator, class: 'pq-operator' },
  { tag: tags.modifier, class: 'pq-keyword' },
  { tag: tags.comment, class: 'pq-comment' },
  { tag: tags.invalid, class: 'pq-invalid' },
]);

export interface EditorProps {
  value: string;
  onChange(value: string): void;
  onRun(): void;
  client: PrometheusClient;
}

export function PromQLEditor({ value, onChange, onRun, client }: EditorProps) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, onRun });
  useLayoutEffect(() => {
    latest.current = { onChange, onRun };
  });

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const promql = new PromQLExtension().setComplete({ remote: client, maxMetricsMetadata: 10_000 });
    const run = () => {
      latest.current.onRun();
      return true;
    };
    const v = new EditorView({
      parent: el,
      state: EditorState.create({
        doc: value,
        extensions: [
          Prec.highest(keymap.of([{ key: 'Mod-Enter', run }])),
          history(),
          highlightSpecialChars(),
          bracketMatching(),
          closeBrackets(),
          autocompletion({ activateOnTyping: true }),
          syntaxHighlighting(promqlHighlight),
          placeholder('PromQL expression, e.g. rate(node_cpu_seconds_total{mode="idle"}[5m])   (Ctrl/Cmd+Enter runs it)'),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': 'PromQL expression', 'data-testid': 'promql-input' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) latest.current.onChange(u.state.doc.toString());
          }),
          promql.asExtension(),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      promql.destroy();
      view.current = null;
    };
    // The editor is created once per client; outside changes of `value` arrive through the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);

  // A query chosen elsewhere (history, a link, back/forward) replaces the text.
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const cur = v.state.doc.toString();
    if (cur !== value) v.dispatch({ changes: { from: 0, to: cur.length, insert: value } });
  }, [value]);

  return <div className="promql-editor" ref={box} />;
}
