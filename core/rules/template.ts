// A Go text/template subset, as Prometheus uses it in alert labels and annotations: text and
// {{actions}} with trim markers and comments, pipelines, variables ($x := …, $x = …), fields
// (.Labels.x, $labels.x), literals, parenthesised pipelines, if/else if/else, range (with $i, $v
// and else, break, continue), with/else, and functions from a map. Functions may be async (the
// `query` function runs PromQL). Errors are worded like Go's: `template: NAME:LINE:COL: …`.
import { GoInt, sprint, sprintf } from './gofmt.js';

export type TemplateFunc = (...args: unknown[]) => unknown;
export type FuncMap = Record<string, TemplateFunc>;

export class TemplateError extends Error {}

type Arg =
  | { k: 'dot'; pos: number }
  | { k: 'field'; names: string[]; pos: number }
  | { k: 'var'; name: string; names: string[]; pos: number }
  | { k: 'ident'; name: string; pos: number }
  | { k: 'str'; v: string; pos: number }
  | { k: 'num'; v: number | GoInt; pos: number }
  | { k: 'bool'; v: boolean; pos: number }
  | { k: 'nil'; pos: number }
  | { k: 'pipe'; pipe: Pipe; names: string[]; pos: number };

interface Cmd {
  args: Arg[];
  pos: number;
  /** The command as Go prints it in errors (`humanize $value`). */
  src: string;
}

interface Pipe {
  decl: string[];
  assign: boolean;
  cmds: Cmd[];
  pos: number;
}

type Node =
  | { k: 'text'; s: string }
  | { k: 'action'; pipe: Pipe; pos: number }
  | { k: 'if' | 'with' | 'range'; pipe: Pipe; list: Node[]; else: Node[] | null; pos: number }
  | { k: 'break' | 'continue'; pos: number };

interface Tok {
  t: 'ident' | 'field' | 'var' | 'str' | 'num' | 'char' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma' | 'dot' | 'eof';
  v: string;
  pos: number;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

/** Go's built-in template functions (names only; implemented in execute). */
const BUILTINS = new Set(['and', 'or', 'not', 'len', 'index', 'slice', 'print', 'printf', 'println', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'html', 'js', 'urlquery', 'call']);

/** A parsed template, ready to execute with data and functions. */
export class Template {
  private constructor(
    readonly name: string,
    private readonly text: string,
    private readonly root: Node[],
    private readonly funcs: FuncMap,
  ) {}

  /** Parses text; function names must be in funcs (or Go's built-ins). Throws TemplateError. */
  static parse(name: string, text: string, funcs: FuncMap): Template {
    const p = new TemplateParser(name, text, funcs);
    return new Template(name, text, p.parse(), funcs);
  }

  /** Executes with data as dot; funcs may override the parse-time map's implementations. */
  async execute(data: unknown, funcs: FuncMap = this.funcs): Promise<string> {
    const ex = new Executor(this.name, this.text, { ...this.funcs, ...funcs });
    const out: string[] = [];
    await ex.walkList(this.root, data, [['$', data]], out);
    return out.join('');
  }
}

function lineCol(text: string, pos: number): string {
  let line = 1;
  let start = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      start = i + 1;
    }
  }
  return `${line}:${Buffer.byteLength(text.slice(start, pos))}`;
}

class TemplateParser {
  private pos = 0;
  private toks: Tok[] = [];
  private ti = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;

  constructor(
    private readonly name: string,
    private readonly text: string,
    private readonly funcs: FuncMap,
  ) {}

  private fail(pos: number, msg: string): never {
    let line = 1;
    for (let i = 0; i < pos && i < this.text.length; i++) if (this.text[i] === '\n') line++;
    throw new TemplateError(`template: ${this.name}:${line}: ${msg}`);
  }

  parse(): Node[] {
    const { list, end } = this.parseList(true);
    if (end !== null) this.fail(end.pos, `unexpected {{${end.word}}}`);
    return list;
  }

  /** Reads nodes up to {{end}}/{{else …}} (returned) or the end of the text. */
  private parseList(top: boolean): { list: Node[]; end: { word: 'end' | 'else'; pos: number; elseToks?: boolean } | null } {
    const list: Node[] = [];
    for (;;) {
      const open = this.text.indexOf('{{', this.pos);
      if (open < 0) {
        if (this.pos < this.text.length) list.push({ k: 'text', s: this.text.slice(this.pos) });
        this.pos = this.text.length;
        if (!top) this.fail(this.text.length, 'unexpected EOF');
        return { list, end: null };
      }
      let textEnd = open;
      let inner = open + 2;
      if (this.text[inner] === '-' && /[ \t\r\n]/.test(this.text[inner + 1] ?? '')) {
        inner += 1;
        while (textEnd > this.pos && /[ \t\r\n]/.test(this.text[textEnd - 1]!)) textEnd--;
      }
      if (textEnd > this.pos) list.push({ k: 'text', s: this.text.slice(this.pos, textEnd) });
      const { toks, after } = this.lexAction(inner, open);
      this.pos = after;
      if (toks === null) continue; // comment
      this.toks = toks;
      this.ti = 0;
      const first = this.peek();
      if (first.t === 'eof') this.fail(first.pos, 'missing value for command');
      if (first.t === 'ident' && KEYWORDS.has(first.v)) {
        this.ti++;
        switch (first.v) {
          case 'end':
            this.expectEof('end');
            return { list, end: { word: 'end', pos: first.pos } };
          case 'else':
            return { list, end: { word: 'else', pos: first.pos } };
          case 'if':
          case 'with':
          case 'range':
            list.push(this.parseControl(first.v, first.pos));
            continue;
          case 'break':
          case 'continue':
            if (this.rangeDepth === 0) this.fail(first.pos, `{{${first.v}}} outside {{range}}`);
            this.expectEof(first.v);
            list.push({ k: first.v, pos: first.pos });
            continue;
          default:
            this.fail(first.pos, `{{${first.v}}} is not supported in alert templates`);
        }
      }
      const pipe = this.parsePipe('command', true);
      list.push({ k: 'action', pipe, pos: first.pos });
    }
  }

  private expectEof(ctx: string): void {
    const t = this.peek();
    if (t.t !== 'eof') this.fail(t.pos, `unexpected ${tokDesc(t)} in ${ctx}`);
  }

  private parseControl(kind: 'if' | 'with' | 'range', pos: number): Node {
    const mark = this.vars.length;
    const pipe = this.parsePipe(kind, true, kind === 'range');
    if (kind === 'range') this.rangeDepth++;
    const { list, end } = this.parseList(false);
    if (kind === 'range') this.rangeDepth--;
    let elseList: Node[] | null = null;
    if (end!.word === 'else') {
      const next = this.peek();
      if (next.t === 'ident' && (next.v === 'if' || next.v === 'with') && kind !== 'range') {
        // {{else if …}} / {{else with …}}: a nested control that shares our {{end}}.
        this.ti++;
        this.vars.length = kind === 'with' ? mark : this.vars.length;
        elseList = [this.parseControl(next.v, next.pos)];
      } else {
        this.expectEof('else');
        const r = this.parseList(false);
        if (r.end!.word !== 'end') this.fail(r.end!.pos, `expected end; found {{else}}`);
        elseList = r.list;
      }
    }
    this.vars.length = mark;
    return { k: kind, pipe, list, else: elseList, pos };
  }

  /** Tokens of the action starting at `inner`; null for a comment. */
  private lexAction(inner: number, open: number): { toks: Tok[] | null; after: number } {
    const t = this.text;
    let i = inner;
    while (i < t.length && /[ \t\r\n]/.test(t[i]!)) i++;
    if (t.startsWith('/*', i)) {
      const close = t.indexOf('*/', i + 2);
      if (close < 0) this.fail(open, 'unclosed comment');
      let j = close + 2;
      const trimRight = t.startsWith(' -}}', j) || t.startsWith('-}}', j);
      while (j < t.length && /[ \t\r\n]/.test(t[j]!) && !t.startsWith(' -}}', j)) j++;
      if (t.startsWith(' -}}', j)) j += 4;
      else if (t.startsWith('}}', j)) j += 2;
      else this.fail(open, 'comment ends before closing delimiter');
      if (trimRight) while (j < t.length && /[ \t\r\n]/.test(t[j]!)) j++;
      return { toks: null, after: j };
    }
    const toks: Tok[] = [];
    let parens = 0;
    for (;;) {
      if (i >= t.length) this.fail(open, 'unclosed action');
      const c = t[i]!;
      if (/[ \t\r\n]/.test(c)) {
        if (t.startsWith('-}}', i + 1) && parens === 0) {
          let j = i + 4;
          while (j < t.length && /[ \t\r\n]/.test(t[j]!)) j++;
          toks.push({ t: 'eof', v: '', pos: i });
          return { toks, after: j };
        }
        i++;
        continue;
      }
      if (t.startsWith('}}', i)) {
        if (parens > 0) this.fail(i, 'unclosed left paren');
        toks.push({ t: 'eof', v: '', pos: i });
        return { toks, after: i + 2 };
      }
      const start = i;
      if (c === '|') {
        toks.push({ t: 'pipe', v: c, pos: i++ });
      } else if (c === '(') {
        parens++;
        toks.push({ t: 'lparen', v: c, pos: i++ });
      } else if (c === ')') {
        parens--;
        if (parens < 0) this.fail(i, `unexpected right paren`);
        toks.push({ t: 'rparen', v: c, pos: i++ });
      } else if (c === ',') {
        toks.push({ t: 'comma', v: c, pos: i++ });
      } else if (t.startsWith(':=', i)) {
        toks.push({ t: 'declare', v: ':=', pos: i });
        i += 2;
      } else if (c === '=') {
        toks.push({ t: 'assign', v: '=', pos: i++ });
      } else if (c === '"') {
        i++;
        while (i < t.length && t[i] !== '"') {
          if (t[i] === '\\') i++;
          if (t[i] === '\n') this.fail(start, 'unterminated quoted string');
          i++;
        }
        if (i >= t.length) this.fail(start, 'unterminated quoted string');
        i++;
        toks.push({ t: 'str', v: unquoteGo(t.slice(start, i), (m) => this.fail(start, m)), pos: start });
      } else if (c === '`') {
        const close = t.indexOf('`', i + 1);
        if (close < 0) this.fail(start, 'unterminated raw quoted string');
        toks.push({ t: 'str', v: t.slice(i + 1, close), pos: start });
        i = close + 1;
      } else if (c === "'") {
        const m = /^'(\\.|[^'\\])'/u.exec(t.slice(i));
        if (!m) this.fail(start, 'unterminated character constant');
        const ch = m[1]!.startsWith('\\') ? unquoteGo(`"${m[1]}"`, (e) => this.fail(start, e)) : m[1]!;
        toks.push({ t: 'num', v: String(ch.codePointAt(0)), pos: start });
        i += m[0].length;
      } else if (c === '$') {
        const m = /^\$[\p{L}_0-9]*/u.exec(t.slice(i))!;
        toks.push({ t: 'var', v: m[0], pos: start });
        i += m[0].length;
      } else if (c === '.') {
        const m = /^\.[\p{L}_][\p{L}_0-9]*/u.exec(t.slice(i));
        if (m) {
          toks.push({ t: 'field', v: m[0].slice(1), pos: start });
          i += m[0].length;
        } else if (/[0-9]/.test(t[i + 1] ?? '')) {
          const n = /^\.[0-9]+([eE][+-]?[0-9]+)?/.exec(t.slice(i))!;
          toks.push({ t: 'num', v: n[0], pos: start });
          i += n[0].length;
        } else {
          toks.push({ t: 'dot', v: '.', pos: i++ });
        }
      } else if (/[0-9+-]/.test(c)) {
        const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)/.exec(t.slice(i))!;
        if (m[0] === '' || m[0] === '+' || m[0] === '-') this.fail(start, `unexpected "${c}" in command`);
        toks.push({ t: 'num', v: m[0], pos: start });
        i += m[0].length;
      } else if (/[\p{L}_]/u.test(c)) {
        const m = /^[\p{L}_][\p{L}_0-9]*/u.exec(t.slice(i))!;
        toks.push({ t: 'ident', v: m[0], pos: start });
        i += m[0].length;
      } else {
        this.fail(start, `unexpected ${JSON.stringify(c)} in command`);
      }
    }
  }

  private peek(): Tok {
    return this.toks[this.ti]!;
  }

  private next(): Tok {
    return this.toks[this.ti++]!;
  }

  /** A pipeline up to eof (or rparen when nested). */
  private parsePipe(ctx: string, top: boolean, range = false): Pipe {
    const pos = this.peek().pos;
    const decl: string[] = [];
    let assign = false;
    // Declarations: $x := / $x = / $i, $v := (range only).
    const save = this.ti;
    if (this.peek().t === 'var') {
      const v1 = this.next();
      if (this.peek().t === 'declare' || this.peek().t === 'assign') {
        assign = this.next().t === 'assign';
        decl.push(v1.v);
      } else if (range && this.peek().t === 'comma') {
        this.next();
        const v2 = this.next();
        if (v2.t !== 'var') this.fail(v2.pos, `range can only initialize variables`);
        const op = this.next();
        if (op.t !== 'declare' && op.t !== 'assign') this.fail(op.pos, `expected := or =`);
        assign = op.t === 'assign';
        decl.push(v1.v, v2.v);
      } else this.ti = save;
    }
    if (assign) for (const d of decl) if (!this.vars.includes(d)) this.fail(pos, `undefined variable "${d}"`);
    if (this.peek().t === 'eof' || (this.peek().t === 'rparen' && !top)) this.fail(pos, `missing value for ${ctx}`);
    const cmds: Cmd[] = [];
    for (;;) {
      const cmd = this.parseCommand();
      cmds.push(cmd);
      const t = this.peek();
      if (t.t === 'pipe') {
        this.next();
        continue;
      }
      if (top ? t.t === 'eof' : t.t === 'rparen') break;
      this.fail(t.pos, `unexpected ${tokDesc(t)} in operand`);
    }
    if (cmds.length === 0) this.fail(pos, `missing value for ${ctx}`);
    for (let i = 1; i < cmds.length; i++) {
      const a = cmds[i]!.args[0]!;
      if (a.k === 'bool' || a.k === 'dot' || a.k === 'nil' || a.k === 'num' || a.k === 'str') this.fail(a.pos, `non executable command in pipeline stage ${i + 1}`);
    }
    if (!assign) for (const d of decl) this.vars.push(d);
    return { decl, assign, cmds, pos };
  }

  private parseCommand(): Cmd {
    const args: Arg[] = [];
    const pos = this.peek().pos;
    for (;;) {
      const t = this.peek();
      if (t.t === 'eof' || t.t === 'pipe' || t.t === 'rparen') break;
      args.push(this.parseOperand());
    }
    if (args.length === 0) this.fail(pos, 'missing value for command');
    const src = this.text.slice(pos, this.peek().pos).trim();
    return { args, pos, src };
  }

  private fieldChain(): string[] {
    const names: string[] = [];
    while (this.peek().t === 'field') names.push(this.next().v);
    return names;
  }

  private parseOperand(): Arg {
    const t = this.next();
    switch (t.t) {
      case 'dot':
        return { k: 'dot', pos: t.pos };
      case 'field':
        return { k: 'field', names: [t.v, ...this.fieldChain()], pos: t.pos };
      case 'var': {
        if (!this.vars.includes(t.v)) this.fail(t.pos, `undefined variable "${t.v}"`);
        // With fields, Go positions the node at its first field (a chain).
        const pos = this.peek().t === 'field' ? this.peek().pos : t.pos;
        return { k: 'var', name: t.v, names: this.fieldChain(), pos };
      }
      case 'str':
        return { k: 'str', v: t.v, pos: t.pos };
      case 'num':
        return { k: 'num', v: parseNumber(t.v, (m) => this.fail(t.pos, m)), pos: t.pos };
      case 'lparen': {
        const pipe = this.parsePipe('parenthesized pipeline', false);
        this.next();
        const pos = this.peek().t === 'field' ? this.peek().pos : t.pos;
        return { k: 'pipe', pipe, names: this.fieldChain(), pos };
      }
      case 'ident':
        if (t.v === 'true' || t.v === 'false') return { k: 'bool', v: t.v === 'true', pos: t.pos };
        if (t.v === 'nil') return { k: 'nil', pos: t.pos };
        if (KEYWORDS.has(t.v)) this.fail(t.pos, `unexpected <${t.v}> in command`);
        if (!BUILTINS.has(t.v) && !(t.v in this.funcs)) this.fail(t.pos, `function "${t.v}" not defined`);
        return { k: 'ident', name: t.v, pos: t.pos };
      default:
        this.fail(t.pos, `unexpected ${tokDesc(t)} in operand`);
    }
  }
}

function tokDesc(t: Tok): string {
  if (t.t === 'eof') return 'EOF';
  return `"${t.v}"`;
}

function parseNumber(s: string, fail: (m: string) => never): number | GoInt {
  const clean = s.replace(/_/g, '');
  if (/^[+-]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|[0-9]+)$/.test(clean)) {
    const neg = clean.startsWith('-');
    const body = clean.replace(/^[+-]/, '');
    let n: number;
    if (/^0[oO]/.test(body)) n = parseInt(body.slice(2), 8);
    else if (/^0[bB]/.test(body)) n = parseInt(body.slice(2), 2);
    else if (/^0[xX]/.test(body)) n = parseInt(body.slice(2), 16);
    else if (/^0[0-7]+$/.test(body)) n = parseInt(body, 8);
    else n = Number(body);
    return new GoInt(neg ? -n : n);
  }
  const f = Number(clean);
  if (!Number.isFinite(f)) fail(`illegal number syntax: ${JSON.stringify(s)}`);
  return f;
}

/** Go's strconv.Unquote of a double-quoted literal. */
export function unquoteGo(lit: string, fail: (m: string) => never): string {
  try {
    return JSON.parse(lit.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b').replace(/\\'/g, "'")) as string;
  } catch {
    fail(`bad string syntax: ${lit}`);
  }
}

class BreakSignal {}
class ContinueSignal {}

type Scope = [string, unknown][];

/** A Go map or struct field lookup on a template value. */
function fieldOf(recv: unknown, name: string, fail: (m: string) => never): unknown {
  if (recv === null || recv === undefined) fail(`nil pointer evaluating interface {}.${name}`);
  if (recv instanceof Map) return recv.has(name) ? recv.get(name) : '';
  if (typeof recv === 'object' && !Array.isArray(recv) && !(recv instanceof GoInt)) {
    const o = recv as Record<string, unknown>;
    if (STRUCT in o) {
      if (name in o) return o[name];
      fail(`can't evaluate field ${name} in type ${o[STRUCT] as string}`);
    }
    // map[string]string with missingkey=zero
    return Object.hasOwn(o, name) ? o[name] : '';
  }
  fail(`can't evaluate field ${name} in type ${typeNameOf(recv)}`);
}

/** Marks an object as a Go struct (fields are not map keys: an unknown one is an error). */
export const STRUCT = Symbol('struct');

export function goStruct<T extends object>(typeName: string, fields: T): T {
  return Object.assign(Object.create(null) as object, fields, { [STRUCT]: typeName }) as T;
}

function typeNameOf(v: unknown): string {
  if (v instanceof GoInt) return 'int';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'template.queryResult';
  return 'interface {}';
}

/** Go's truth: false, 0, nil and empty strings, maps and slices are false. */
export function isTrue(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === '' || v === 0) return false;
  if (v instanceof GoInt) return v.v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (typeof v === 'object' && !(STRUCT in (v as object))) return Object.keys(v).length > 0;
  return true;
}

class Executor {
  constructor(
    private readonly name: string,
    private readonly text: string,
    private readonly funcs: FuncMap,
  ) {}

  private fail(pos: number, at: string, msg: string): never {
    throw new TemplateError(`template: ${this.name}:${lineCol(this.text, pos)}: executing "${this.name}" at <${at}>: ${msg}`);
  }

  async walkList(list: Node[], dot: unknown, scope: Scope, out: string[]): Promise<void> {
    for (const n of list) await this.walk(n, dot, scope, out);
  }

  private async walk(n: Node, dot: unknown, scope: Scope, out: string[]): Promise<void> {
    switch (n.k) {
      case 'text':
        out.push(n.s);
        return;
      case 'action': {
        const v = await this.pipe(n.pipe, dot, scope);
        if (n.pipe.decl.length === 0) out.push(printValue(v));
        return;
      }
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
      case 'if':
      case 'with': {
        const mark = scope.length;
        const v = await this.pipe(n.pipe, dot, scope);
        if (isTrue(v)) await this.walkList(n.list, n.k === 'with' ? v : dot, scope, out);
        else if (n.else) await this.walkList(n.else, dot, scope, out);
        scope.length = mark;
        return;
      }
      case 'range': {
        const mark = scope.length;
        const v = await this.pipe({ ...n.pipe, decl: [] }, dot, scope);
        const items: [unknown, unknown][] = [];
        if (Array.isArray(v)) v.forEach((x, i) => items.push([new GoInt(i), x]));
        else if (v instanceof Map) for (const k of [...v.keys()].sort()) items.push([k, v.get(k)]);
        else if (v instanceof GoInt) for (let i = 0; i < v.v; i++) items.push([new GoInt(i), new GoInt(i)]);
        else if (v && typeof v === 'object' && !(STRUCT in v)) for (const k of Object.keys(v).sort()) items.push([k, (v as Record<string, unknown>)[k]]);
        else if (v !== null && v !== undefined) this.fail(n.pos, 'range', `range can't iterate over ${sprint(v)}`);
        if (items.length === 0) {
          if (n.else) await this.walkList(n.else, dot, scope, out);
          scope.length = mark;
          return;
        }
        for (const [k, x] of items) {
          const inner = scope.length;
          if (n.pipe.decl.length === 1) this.setVar(scope, n.pipe.decl[0]!, x, n.pipe.assign);
          else if (n.pipe.decl.length === 2) {
            this.setVar(scope, n.pipe.decl[0]!, k, n.pipe.assign);
            this.setVar(scope, n.pipe.decl[1]!, x, n.pipe.assign);
          }
          try {
            await this.walkList(n.list, x, scope, out);
          } catch (e) {
            if (e instanceof BreakSignal) {
              scope.length = inner;
              break;
            }
            if (!(e instanceof ContinueSignal)) throw e;
          }
          scope.length = inner;
        }
        scope.length = mark;
        return;
      }
    }
  }

  private setVar(scope: Scope, name: string, v: unknown, assign: boolean): void {
    if (assign) {
      for (let i = scope.length - 1; i >= 0; i--) {
        if (scope[i]![0] === name) {
          scope[i]![1] = v;
          return;
        }
      }
    }
    scope.push([name, v]);
  }

  private async pipe(p: Pipe, dot: unknown, scope: Scope): Promise<unknown> {
    let v: unknown = undefined;
    let first = true;
    for (const c of p.cmds) {
      v = await this.command(c, dot, scope, first ? null : { v });
      first = false;
    }
    for (const d of p.decl) this.setVar(scope, d, v, p.assign);
    return v;
  }

  private lookupVar(scope: Scope, name: string): unknown {
    for (let i = scope.length - 1; i >= 0; i--) if (scope[i]![0] === name) return scope[i]![1];
    return undefined;
  }

  private async command(c: Cmd, dot: unknown, scope: Scope, final: { v: unknown } | null): Promise<unknown> {
    const head = c.args[0]!;
    if (head.k === 'ident') return this.call(head.name, head.pos, c.args.slice(1), dot, scope, final, c.src);
    if (c.args.length > 1 || final) {
      if (head.k === 'field' || head.k === 'var' || head.k === 'pipe') {
        // A method call with arguments: no methods on our values.
        this.fail(head.pos, argText(head), `can't give argument to non-function ${argText(head)}`);
      }
      this.fail(head.pos, argText(head), `can't give argument to non-function ${argText(head)}`);
    }
    return this.arg(head, dot, scope);
  }

  private async arg(a: Arg, dot: unknown, scope: Scope): Promise<unknown> {
    const chain = (recv: unknown, names: string[]) => {
      let v = recv;
      for (const n of names) v = fieldOf(v, n, (m) => this.fail(a.pos, argText(a), m));
      return v;
    };
    switch (a.k) {
      case 'dot':
        return dot;
      case 'field':
        return chain(dot, a.names);
      case 'var':
        return chain(this.lookupVar(scope, a.name), a.names);
      case 'str':
      case 'num':
      case 'bool':
        return a.v;
      case 'nil':
        this.fail(a.pos, 'nil', 'nil is not a command');
        break;
      case 'pipe': {
        const mark = scope.length;
        const v = await this.pipe(a.pipe, dot, scope);
        scope.length = mark;
        return chain(v, a.names);
      }
      case 'ident':
        return this.call(a.name, a.pos, [], dot, scope, null);
    }
  }

  private async call(name: string, pos: number, argNodes: Arg[], dot: unknown, scope: Scope, final: { v: unknown } | null, at = name): Promise<unknown> {
    // and/or short-circuit on their arguments.
    if (name === 'and' || name === 'or') {
      const all = [...argNodes];
      if (all.length === 0 && !final) this.fail(pos, at, `wrong number of args for ${name}: want at least 1 got 0`);
      let v: unknown;
      for (const n of all) {
        v = await this.arg(n, dot, scope);
        if (name === 'and' ? !isTrue(v) : isTrue(v)) return v;
      }
      if (final) v = final.v;
      return v;
    }
    const args: unknown[] = [];
    for (const n of argNodes) args.push(await this.arg(n, dot, scope));
    if (final) args.push(final.v);
    try {
      const builtin = BUILTIN_IMPL[name];
      if (builtin && !(name in this.funcs)) return builtin(...args);
      const fn = this.funcs[name];
      if (!fn) this.fail(pos, at, `"${name}" is not a defined function`);
      return await fn(...args);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      if (e instanceof ArgError) this.fail(pos, at, e.message);
      this.fail(pos, at, `error calling ${name}: ${(e as Error).message}`);
    }
  }
}

/** An error about a call's arguments (reported without "error calling"). */
export class ArgError extends Error {}

function argText(a: Arg): string {
  switch (a.k) {
    case 'dot':
      return '.';
    case 'field':
      return `.${a.names.join('.')}`;
    case 'var':
      return a.name + a.names.map((n) => `.${n}`).join('');
    case 'ident':
      return a.name;
    case 'str':
      return JSON.stringify(a.v);
    case 'num':
      return sprint(a.v);
    case 'bool':
      return String(a.v);
    case 'nil':
      return 'nil';
    case 'pipe':
      return '(...)';
  }
}

/** What {{pipeline}} prints: fmt.Fprint of the value, "<no value>" for a missing one. */
export function printValue(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  return sprint(v);
}

// Go's comparison rules: same basic kind, ints and floats do not mix.
type Kind = 'int' | 'float' | 'string' | 'bool' | 'nil' | 'other';

function kindOf(v: unknown): Kind {
  if (v instanceof GoInt) return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v === null || v === undefined) return 'nil';
  return 'other';
}

function prim(v: unknown): number | string | boolean {
  return v instanceof GoInt ? v.v : (v as number | string | boolean);
}

function eqPair(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'other' || kb === 'other') {
    if (ka === 'nil' || kb === 'nil') return a === b;
    throw new ArgError('error calling eq: non-comparable type');
  }
  if (ka !== kb) {
    if (ka === 'nil' || kb === 'nil') return false;
    throw new ArgError('error calling eq: incompatible types for comparison');
  }
  return prim(a) === prim(b);
}

function less(name: string, a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'bool' || ka === 'nil' || ka === 'other' || kb === 'bool' || kb === 'nil' || kb === 'other') throw new ArgError(`error calling ${name}: invalid type for comparison`);
  if (ka !== kb) throw new ArgError(`error calling ${name}: incompatible types for comparison`);
  return prim(a) < prim(b);
}

function want(name: string, args: unknown[], n: number): void {
  if (args.length !== n) throw new ArgError(`wrong number of args for ${name}: want ${n} got ${args.length}`);
}

const BUILTIN_IMPL: Record<string, TemplateFunc> = {
  not: (...a) => {
    want('not', a, 1);
    return !isTrue(a[0]);
  },
  len: (...a) => {
    want('len', a, 1);
    const v = a[0];
    if (typeof v === 'string') return new GoInt(Buffer.byteLength(v));
    if (Array.isArray(v)) return new GoInt(v.length);
    if (v instanceof Map) return new GoInt(v.size);
    if (v && typeof v === 'object' && !(v instanceof GoInt) && !(STRUCT in v)) return new GoInt(Object.keys(v).length);
    throw new Error(`len of type ${typeNameOf(v)}`);
  },
  index: (...a) => {
    let v = a[0];
    for (const k of a.slice(1)) {
      if (Array.isArray(v)) {
        const i = k instanceof GoInt ? k.v : NaN;
        if (!(i >= 0 && i < v.length)) throw new Error(`error indexing slice: index out of range: ${sprint(k)}`);
        v = v[i];
      } else if (v && typeof v === 'object') {
        v = Object.hasOwn(v, k as string) ? (v as Record<string, unknown>)[k as string] : '';
      } else throw new Error(`can't index item of type ${typeNameOf(v)}`);
    }
    return v;
  },
  print: (...a) => {
    // fmt.Sprint: spaces between operands when neither is a string.
    let s = '';
    a.forEach((x, i) => {
      if (i > 0 && typeof x !== 'string' && typeof a[i - 1] !== 'string') s += ' ';
      s += sprint(x);
    });
    return s;
  },
  printf: (...a) => {
    if (a.length === 0 || typeof a[0] !== 'string') throw new ArgError('wrong number of args for printf: want at least 1 got 0');
    return sprintf(a[0], a.slice(1));
  },
  println: (...a) => `${a.map(sprint).join(' ')}\n`,
  eq: (...a) => {
    if (a.length < 2) throw new ArgError('missing argument for comparison');
    return a.slice(1).some((b) => eqPair(a[0], b));
  },
  ne: (...a) => {
    want('ne', a, 2);
    return !eqPair(a[0], a[1]);
  },
  lt: (...a) => {
    want('lt', a, 2);
    return less('lt', a[0], a[1]);
  },
  le: (...a) => {
    want('le', a, 2);
    return less('le', a[0], a[1]) || eqPair(a[0], a[1]);
  },
  gt: (...a) => {
    want('gt', a, 2);
    return !less('gt', a[0], a[1]) && !eqPair(a[0], a[1]);
  },
  ge: (...a) => {
    want('ge', a, 2);
    return !less('ge', a[0], a[1]);
  },
  html: (...a) =>
    a
      .map(sprint)
      .join('')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&#34;')
      .replace(/'/g, '&#39;')
      .replace(/\0/g, '\uFFFD'),
  js: (...a) =>
    a
      .map(sprint)
      .join('')
      .replace(/[\\'"<>&=]/g, (c) => (c === '\\' ? '\\\\' : c === "'" ? "\\'" : c === '"' ? '\\"' : `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)),
  urlquery: (...a) => encodeURIComponent(a.map(sprint).join('')).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  slice: (...a) => {
    const v = a[0];
    const idx = a.slice(1).map((x) => (x instanceof GoInt ? x.v : NaN));
    if (typeof v === 'string' || Array.isArray(v)) return v.slice(idx[0] ?? 0, idx[1] ?? v.length);
    throw new Error(`can't slice item of type ${typeNameOf(v)}`);
  },
  call: () => {
    throw new Error('call is not supported');
  },
};
