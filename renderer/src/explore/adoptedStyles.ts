// CodeMirror injects its themes through style-mod, which on a document (as opposed to a shadow
// root) writes a <style> element: the Content-Security-Policy (style-src 'self', no
// 'unsafe-inline') rightly refuses it, and the editor would lose its layout rules. Rather than
// weaken the policy, the first mount happens while the document appears to have no <head>: style-mod
// then keeps the document's rules in a constructable stylesheet (document.adoptedStyleSheets),
// which style-src does not govern since no markup is parsed, and every later editor reuses it.
import { EditorView } from '@codemirror/view';

let installed = false;

export function installAdoptedStyleSet(doc: Document = document): void {
  if (installed || typeof CSSStyleSheet !== 'function' || !('adoptedStyleSheets' in doc)) return;
  installed = true;
  Object.defineProperty(doc, 'head', { configurable: true, get: () => null });
  try {
    new EditorView({ root: doc }).destroy();
  } finally {
    // Back to Document.prototype's getter.
    delete (doc as unknown as { head?: unknown }).head;
  }
}
