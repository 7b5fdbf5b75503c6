// Per-function control-flow graph: tree-sitter function_definition -> FunctionIR.
//
// Handles if/else, switch/case/default with fallthrough, for/while/do,
// break/continue, goto and labels (cleanup ladders), return, statement
// expressions, conditional expressions and short-circuit operators with calls,
// guard() released at scope exit, scoped_guard released at block exit, and
// preprocessor conditionals inside bodies (a correlated choice on the macro).
// ERROR nodes degrade to the statements/calls found inside them.
import { createHash } from 'crypto';
import type { LineIndex } from '../parse/parser';
import type { CNode } from '../parse/lite';
import type { ContextAnnotation, MacroSite } from '../parse/normalize';
import { canon, exprVars, stripText } from '../parse/exprs';
import type { Annotation, Call, Cond, FunctionIR, IRNode, Op, Param, Pos, Rel, Value } from './ir';
import { ACCESSOR_TYPES } from '../model/classes';
import { ZERO_CONSTANTS } from '../model/constants';

export interface FileCtx {
  text: string;
  /** the text tree-sitter parsed (kernel macros normalised, same offsets as `text`) */
  source: string;
  lines: LineIndex;
  macros: Map<number, MacroSite>;
  annotations: ContextAnnotation[];
}

export function posOf(ctx: FileCtx, node: { startIndex: number; endIndex: number }): Pos {
  const s = ctx.lines.position(node.startIndex);
  const e = ctx.lines.position(node.endIndex);
  return { line: s.line, col: s.col, endLine: e.line, endCol: e.col };
}

interface GuardRec { type: string; args: string[]; pos: Pos }

interface Scope {
  guards: GuardRec[];
  breakTo?: number;
  continueTo?: number;
  id: number;
}

interface PendingGoto { from: number; label: string; scopes: Scope[] }

/** `VM_FAULT_NOPAGE`, `XFS_IOLOCK_SHARED | XFS_ILOCK_EXCL`: a flag or code constant, taken as non-zero. */
function flagConstant(node: CNode): boolean {
  const u = unwrap(node);
  if (!u) return false;
  if (u.type === 'identifier') return /^[A-Z][A-Z0-9_]*[A-Z]$/.test(u.text) && u.text !== 'NULL';
  if (u.type === 'binary_expression' && u.child(1)?.text === '|') {
    const l = u.childForFieldName('left');
    const r = u.childForFieldName('right');
    return !!l && !!r && flagConstant(l) && flagConstant(r);
  }
  return false;
}

/** `f(x, p->y) == CONST`: a call whose arguments are plain paths, compared with an upper-case constant. */
function callVsConstant(call: CNode, k: CNode): boolean {
  const c = unwrap(call);
  const kk = unwrap(k);
  if (!c || !kk || c.type !== 'call_expression' || kk.type !== 'identifier' || !/^[A-Z][A-Z0-9_]*$/.test(kk.text)) return false;
  const fn = c.childForFieldName('function');
  if (!fn || fn.type !== 'identifier') return false;
  const args = c.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
  return args.every((a) => { const u = unwrap(a); return !!u && (u.type === 'identifier' || u.type === 'field_expression' || (u.type === 'pointer_expression' && u.child(0)?.text === '&')) && isPure(u); });
}

/**
 * Calls that name an existing object the same way every time (`get_fuse_inode(inode)`, `EXT4_SB(sb)`,
 * `container_of(...)`): a local set from one is an alias. Other calls (`btrfs_root_node(root)`, an
 * allocator, a lookup) may return a different object each time.
 */
export function stableAccessor(name: string): boolean {
  return /^[A-Z][A-Z0-9_]*$/.test(name) || name in ACCESSOR_TYPES || /^(container_of|list_(first_|last_)?entry|hlist_entry|rb_entry|file_inode|d_inode|page_folio|folio_inode|inode_sb)$/.test(name) ||
    /^(get_\w+_(inode|sb|conn|info)|\w+_(inode|sb)_info|\w+_I|\w+_SB|\w+_of)$/.test(name);
}

/** Calls that do not return. */
const NO_RETURN = new Set(['BUG', 'panic', 'do_exit', 'make_task_dead', 'kthread_exit', '__builtin_unreachable', 'unreachable']);
/** Assertions: the path on which the condition fails does not go on (BUG_ON(x) when x; ASSERT(x) when !x). */
const ASSERTIONS = new Set(['BUG_ON', 'VM_BUG_ON', 'DBG_BUGON', 'mlog_bug_on_msg', 'ASSERT', 'J_ASSERT']);

/** Calls whose value is their (first) argument's truth: WARN_ON(x) returns x. */
const PASS_THROUGH = new Set(['likely', 'unlikely', 'WARN_ON', 'WARN_ON_ONCE', 'WARN', 'WARN_ONCE',
  'data_race', 'READ_ONCE', '__builtin_expect', 'gfs2_assert_warn', 'unlikely_notrace']);

const STATEMENT_TYPES = new Set(['compound_statement', 'expression_statement', 'if_statement', 'while_statement',
  'for_statement', 'do_statement', 'switch_statement', 'return_statement', 'break_statement', 'continue_statement',
  'goto_statement', 'labeled_statement', 'declaration', 'case_statement', 'preproc_if', 'preproc_ifdef',
  'attributed_statement', 'ERROR']);

export function functionName(fn: CNode): { name: string; node: CNode; params: CNode | null } | undefined {
  let d = fn.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') {
    d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c.type.endsWith('declarator')) ?? null;
  }
  if (!d) return undefined;
  const id = d.childForFieldName('declarator');
  if (!id) return undefined;
  let nameNode: CNode | null = id;
  while (nameNode && nameNode.type !== 'identifier') nameNode = nameNode.childForFieldName('declarator') ?? nameNode.namedChildren.find((c) => c.type === 'identifier') ?? null;
  if (!nameNode) return undefined;
  return { name: nameNode.text, node: nameNode, params: d.childForFieldName('parameters') };
}

/** Type name of a declaration's type node: struct name, typedef name or base type. */
export function typeName(t: CNode | null): string {
  if (!t) return '';
  if (t.type === 'struct_specifier' || t.type === 'union_specifier' || t.type === 'enum_specifier') {
    return t.childForFieldName('name')?.text ?? '';
  }
  return stripText(t.text);
}

function declaratorInfo(d: CNode | null): { name: string; pointer: boolean } {
  let pointer = false;
  let cur = d;
  while (cur) {
    if (cur.type === 'identifier' || cur.type === 'field_identifier') return { name: cur.text, pointer };
    if (cur.type === 'pointer_declarator' || cur.type === 'abstract_pointer_declarator') pointer = true;
    if (cur.type === 'array_declarator') pointer = true;
    cur = cur.childForFieldName('declarator') ?? cur.namedChildren.find((c) => c.type.endsWith('declarator') || c.type === 'identifier') ?? null;
  }
  return { name: '', pointer };
}

export function paramsOf(list: CNode | null): Param[] {
  if (!list) return [];
  const out: Param[] = [];
  for (const p of list.namedChildren) {
    if (p.type !== 'parameter_declaration') continue;
    const info = declaratorInfo(p.childForFieldName('declarator'));
    out.push({ name: info.name, type: typeName(p.childForFieldName('type')), pointer: info.pointer });
  }
  return out;
}

/**
 * Nesting depth beyond which the builder stops descending (10,000 nested
 * blocks, a 10,000-term `&&` chain): the rest is an opaque statement or an
 * unknown condition, like an ERROR node, instead of a stack overflow.
 */
const MAX_NEST = 300;

function constValue(node: CNode | null, depth = 0): number | undefined {
  if (!node || depth > MAX_NEST) return undefined;
  switch (node.type) {
    case 'number_literal': {
      const v = Number.parseInt(node.text.replace(/[uUlL]+$/, ''), node.text.startsWith('0x') ? 16 : 10);
      return Number.isFinite(v) ? v : undefined;
    }
    case 'true': return 1;
    case 'false': return 0;
    case 'null': return 0;
    case 'identifier':
      if (node.text === 'NULL' || ZERO_CONSTANTS.has(node.text)) return 0;
      return undefined;
    case 'parenthesized_expression': return constValue(node.namedChildren[0] ?? null, depth + 1);
    case 'cast_expression': return constValue(node.childForFieldName('value'), depth + 1);
    case 'unary_expression': {
      const op = node.child(0)?.text;
      const arg = node.childForFieldName('argument');
      if (op === '-') {
        // -EIO, -ENOMEM, -1: an error code; only the sign matters to the analysis
        if (arg && arg.type === 'identifier' && /^E[A-Z0-9]+$/.test(arg.text)) return -1;
        const v = constValue(arg, depth + 1);
        return v === undefined ? undefined : -v;
      }
      if (op === '!') { const v = constValue(arg, depth + 1); return v === undefined ? undefined : (v ? 0 : 1); }
      return undefined;
    }
    case 'call_expression': {
      const fn = node.childForFieldName('function')?.text;
      if (fn === 'ERR_PTR') return -1;
      return undefined;
    }
    default: return undefined;
  }
}

/**
 * The low bit of an integer literal (`0`, `1`, `0x10`, `-3`, `true`), exactly; undefined for anything else
 * (a macro, an error code constValue() reads as -1, a cast, which may not keep it: `(bool)2`).
 */
function literalParity(node: CNode | null, depth = 0): 0 | 1 | undefined {
  if (!node || depth > MAX_NEST) return undefined;
  switch (node.type) {
    case 'number_literal': {
      const m = /^(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|([0-9]+))[uUlL]*$/.exec(node.text);
      if (!m) return undefined;
      const last = (m[1] ?? m[2] ?? m[3]).slice(-1);
      return (Number.parseInt(last, 16) & 1) as 0 | 1;
    }
    case 'true': return 1;
    case 'false': return 0;
    case 'parenthesized_expression': return literalParity(node.namedChildren.length === 1 ? node.namedChildren[0] : null, depth + 1);
    case 'unary_expression': return node.child(0)?.text === '-' || node.child(0)?.text === '+' ? literalParity(node.childForFieldName('argument'), depth + 1) : undefined;
    default: return undefined;
  }
}

function unwrap(node: CNode | null): CNode | null {
  let n = node;
  while (n && (n.type === 'parenthesized_expression' || n.type === 'cast_expression')) {
    const next: CNode | null = n.type === 'cast_expression' ? n.childForFieldName('value') : (n.namedChildren.find((c) => c.type !== 'comment') ?? null);
    if (!next || next.type === 'compound_statement') return n;
    n = next;
  }
  return n;
}

function containsCall(node: CNode, depth = 0): boolean {
  if (node.type === 'call_expression' || node.type === 'compound_statement' || depth > MAX_NEST) return true;
  for (const c of node.namedChildren) if (containsCall(c, depth + 1)) return true;
  return false;
}

/** Side-effect free enough to correlate two evaluations by text: no calls except ALL-CAPS macros, no assignments. */
function isPure(node: CNode, depth = 0): boolean {
  if (depth > MAX_NEST) return false;
  switch (node.type) {
    case 'call_expression': {
      const fn = node.childForFieldName('function');
      if (!fn || fn.type !== 'identifier' || !/^[A-Z][A-Z0-9_]*$/.test(fn.text) || fn.text.startsWith('WARN')) return false;
      break;
    }
    case 'assignment_expression':
    case 'update_expression':
    case 'compound_statement':
      return false;
    default:
      break;
  }
  for (const c of node.namedChildren) if (!isPure(c, depth + 1)) return false;
  return true;
}

function countErrors(node: CNode): number {
  if (!node.hasError) return 0;
  let n = 0;
  const walk = (x: CNode, depth: number): void => {
    if (x.type === 'ERROR' || x.isMissing) n++;
    if ((!x.hasError && !x.isMissing) || depth > MAX_NEST) return;
    for (const c of x.children) walk(c, depth + 1);
  };
  walk(node, 0);
  return n;
}

class Builder {
  nodes: IRNode[] = [{ succ: [] }, { succ: [] }];
  cur: number | null = 0;
  scopes: Scope[] = [];
  labels = new Map<string, { node: number; scopes: Scope[] }>();
  gotos: PendingGoto[] = [];
  locals: Record<string, string> = {};
  /** parameters and locals declared as pointers: `p++` moves one, and leaves it as NULL or not as it was */
  pointers = new Set<string>();
  assignCount = new Map<string, number>();
  aliasCand = new Map<string, string>();
  private scopeSeq = 0;
  /** current stmt/expr/cond nesting, and how many subtrees MAX_NEST cut off */
  private depth = 0;
  deepCuts = 0;

  constructor(private readonly ctx: FileCtx) {}

  pos(n: CNode): Pos { return posOf(this.ctx, n); }

  newNode(op?: Op): number {
    this.nodes.push(op ? { op, succ: [] } : { succ: [] });
    return this.nodes.length - 1;
  }
  link(from: number | null, to: number): void {
    if (from === null) return;
    const s = this.nodes[from].succ;
    if (!s.includes(to) || this.nodes[from].op?.k === 'branch') s.push(to);
  }
  /** Append an op after the current node. */
  emit(op: Op): number {
    const n = this.newNode(op);
    this.link(this.cur, n);
    this.cur = n;
    return n;
  }
  join(): number { return this.newNode(); }

  pushScope(extra?: Partial<Scope>): Scope {
    const s: Scope = { guards: [], id: ++this.scopeSeq, ...extra };
    this.scopes.push(s);
    return s;
  }
  /** Emit releases of the guards of `scope` (innermost first) on the current path. */
  releaseGuards(scope: Scope, posAt: Pos): void {
    for (let i = scope.guards.length - 1; i >= 0; i--) {
      const g = scope.guards[i];
      this.emit({ k: 'call', call: { name: 'guard_release', args: g.args, pos: posAt, guard: g.type } });
    }
  }
  popScope(posAt: Pos): void {
    const s = this.scopes.pop();
    if (s && this.cur !== null) this.releaseGuards(s, posAt);
  }
  /** Release guards of every scope above index `downTo` (exclusive) on the current path. */
  unwindTo(downTo: number, posAt: Pos): void {
    for (let i = this.scopes.length - 1; i > downTo; i--) this.releaseGuards(this.scopes[i], posAt);
  }

  noteAssign(name: string, rhs?: string): void {
    this.assignCount.set(name, (this.assignCount.get(name) ?? 0) + 1);
    if (rhs !== undefined) this.aliasCand.set(name, rhs);
  }

  // ---------------------------------------------------------------- statements
  stmt(node: CNode): void {
    if (this.depth >= MAX_NEST) { this.deepCuts++; if (this.cur !== null) this.emit({ k: 'opaque', pos: this.pos(node) }); return; }
    this.depth++;
    try { this.stmtAt(node); } finally { this.depth--; }
  }

  private stmtAt(node: CNode): void {
    if (this.cur === null) {
      // unreachable code: only labels (and case labels) make it reachable again
      if (node.type !== 'labeled_statement' && node.type !== 'compound_statement' && node.type !== 'case_statement' &&
          !(node.type.startsWith('preproc') || node.type === 'ERROR')) {
        if (!this.containsLabel(node)) return;
      }
    }
    switch (node.type) {
      case 'compound_statement': return this.block(node);
      case 'expression_statement': {
        const e = node.namedChildren.find((c) => c.type !== 'comment');
        if (e) this.exprStmt(e);
        return;
      }
      case 'declaration': return this.declaration(node);
      case 'if_statement': return this.ifStmt(node);
      case 'while_statement': return this.whileStmt(node);
      case 'for_statement': return this.forStmt(node);
      case 'do_statement': return this.doStmt(node);
      case 'switch_statement': return this.switchStmt(node);
      case 'return_statement': return this.returnStmt(node);
      case 'break_statement': return this.jumpOut('break', node);
      case 'continue_statement': return this.jumpOut('continue', node);
      case 'goto_statement': return this.gotoStmt(node);
      case 'labeled_statement': return this.labeled(node);
      case 'case_statement': return this.caseBody(node);
      case 'attributed_statement': {
        for (const c of node.namedChildren) if (STATEMENT_TYPES.has(c.type)) this.stmt(c);
        return;
      }
      case 'preproc_if': case 'preproc_ifdef': case 'preproc_elif': case 'preproc_elifdef':
        return this.preproc(node);
      case 'preproc_else':
        for (const c of node.namedChildren) this.stmtOrDecl(c);
        return;
      case 'ERROR': return this.errorNode(node);
      case 'comment': case 'preproc_call': case 'preproc_def': case 'preproc_function_def': case 'preproc_include':
      case 'type_definition': case 'function_definition': case 'struct_specifier': case 'enum_specifier':
        return;
      default:
        if (node.type.endsWith('_expression') || node.type === 'identifier') this.exprStmt(node);
        return;
    }
  }

  private stmtOrDecl(c: CNode): void {
    if (STATEMENT_TYPES.has(c.type) || c.type.startsWith('preproc')) this.stmt(c);
    else if (c.type.endsWith('_expression')) this.exprStmt(c);
  }

  private containsLabel(node: CNode, depth = 0): boolean {
    if (node.type === 'labeled_statement' || node.type === 'case_statement' || depth > MAX_NEST) return true;
    for (const c of node.namedChildren) if (this.containsLabel(c, depth + 1)) return true;
    return false;
  }

  block(node: CNode): void {
    this.pushScope();
    for (const c of node.namedChildren) this.stmt(c);
    this.popScope(this.pos(node.lastChild ?? node));
  }

  private errorNode(node: CNode): void {
    this.emit({ k: 'opaque', pos: this.pos(node) });
    for (const c of node.namedChildren) this.stmtOrDecl(c);
  }

  private declaration(node: CNode): void {
    const tn = typeName(node.childForFieldName('type'));
    for (const d of node.namedChildren) {
      if (d.type === 'init_declarator') {
        const info = declaratorInfo(d.childForFieldName('declarator'));
        if (info.name) this.locals[info.name] = tn;
        if (info.name && info.pointer) this.pointers.add(info.name);
        const value = d.childForFieldName('value');
        if (value && info.name) this.assign(info.name, value, d, true);
        else if (value) this.expr(value);
      } else if (d.type.endsWith('declarator') || d.type === 'identifier') {
        const info = declaratorInfo(d);
        if (info.name) this.locals[info.name] = tn;
        if (info.name && info.pointer) this.pointers.add(info.name);
      }
    }
  }

  private ifStmt(node: CNode): void {
    const site = this.ctx.macros.get(node.startIndex);
    if (site && (site.kind === 'scoped_guard' || site.kind === 'scoped_cond_guard')) return this.scopedGuard(node, site);
    const cond = this.cond(node.childForFieldName('condition'));
    const br = this.emit({ k: 'branch', cond, pos: this.pos(node.childForFieldName('condition') ?? node) });
    const end = this.join();
    const thenStart = this.join();
    const elseStart = this.join();
    this.nodes[br].succ = [thenStart, elseStart];
    this.cur = thenStart;
    const cons = node.childForFieldName('consequence');
    if (cons) this.stmt(cons);
    this.link(this.cur, end);
    this.cur = elseStart;
    const alt = node.childForFieldName('alternative');
    if (alt) {
      for (const c of alt.namedChildren) this.stmt(c);
    }
    this.link(this.cur, end);
    this.cur = end;
  }

  private scopedGuard(node: CNode, site: MacroSite): void {
    const type = site.args[0] ?? '';
    const pos = this.pos(node.childForFieldName('condition') ?? node);
    if (site.kind === 'scoped_cond_guard') {
      // scoped_cond_guard(type, fail, args...): on failure `fail` runs instead of the body
      const args = site.args.slice(2).map(stripText);
      const call: Call = { name: 'guard_try', args, pos, guard: type };
      const br = this.emit({ k: 'branch', cond: { k: 'test', s: { k: 'call', call }, rel: 'nz' }, pos });
      const ok = this.join();
      const fail = this.join();
      const end = this.join();
      this.nodes[br].succ = [ok, fail];
      this.cur = ok;
      const s = this.pushScope();
      s.guards.push({ type, args, pos });
      const body = node.childForFieldName('consequence');
      if (body) this.stmt(body);
      this.popScope(this.pos(node));
      this.link(this.cur, end);
      this.cur = fail;
      const failText = (site.args[1] ?? '').trim();
      if (/^return\b/.test(failText)) {
        this.unwindTo(-1, pos);
        const r = this.emit({ k: 'return', value: { k: 'const', v: -1 }, pos });
        this.link(r, 1);
        this.cur = null;
      }
      this.link(this.cur, end);
      this.cur = end;
      return;
    }
    const args = site.args.slice(1).map(stripText);
    this.emit({ k: 'call', call: { name: 'guard', args, pos, guard: type } });
    const s = this.pushScope();
    s.guards.push({ type, args, pos });
    const body = node.childForFieldName('consequence');
    if (body) this.stmt(body);
    this.popScope(this.pos(node));
  }

  private loop(cond: Cond, condPos: Pos, body: CNode | null, update: CNode | null, doWhile: boolean): void {
    const head = this.join();
    const exit = this.join();
    const cont = this.join();
    this.link(this.cur, head);
    if (doWhile) {
      this.cur = head;
      this.pushScope({ breakTo: exit, continueTo: cont });
      if (body) this.stmt(body);
      this.popScope(condPos);
      this.link(this.cur, cont);
      this.cur = cont;
      const br = this.emit({ k: 'branch', cond, pos: condPos });
      this.nodes[br].succ = [head, exit];
    } else {
      this.cur = head;
      const br = this.emit({ k: 'branch', cond, pos: condPos });
      const bodyStart = this.join();
      this.nodes[br].succ = [bodyStart, exit];
      this.cur = bodyStart;
      this.pushScope({ breakTo: exit, continueTo: cont });
      if (body) this.stmt(body);
      this.popScope(condPos);
      this.link(this.cur, cont);
      this.cur = cont;
      if (update) this.expr(update);
      this.link(this.cur, head);
    }
    this.cur = exit;
  }

  private whileStmt(node: CNode): void {
    const c = node.childForFieldName('condition');
    let cond = this.cond(c);
    const site = this.ctx.macros.get(node.startIndex);
    if (site && site.kind === 'loop') {
      // list_for_each_entry(pos, ...), xa_for_each(xa, index, entry): the macro moves its cursors
      // (locals named in its arguments) on every iteration
      const cursors = site.args.map((a) => a.trim()).filter((a) => /^[A-Za-z_]\w*$/.test(a) && a in this.locals);
      if (cursors.length) {
        const p = this.pos(c ?? node);
        for (const v of cursors) this.noteAssign(v);
        const before = cond.k === 'seq' ? cond.pre : [];
        cond = { k: 'seq', pre: [...before, ...cursors.map((v): Op => ({ k: 'assign', lhs: v, value: { k: 'unknown' }, pos: p }))], c: { k: 'unknown' } };
      }
    }
    this.loop(cond, this.pos(c ?? node), node.childForFieldName('body'), null, false);
  }
  private doStmt(node: CNode): void {
    const c = node.childForFieldName('condition');
    this.loop(this.cond(c), this.pos(c ?? node), node.childForFieldName('body'), null, true);
  }
  private forStmt(node: CNode): void {
    this.pushScope();
    const init = node.childForFieldName('initializer');
    if (init) {
      if (init.type === 'declaration') this.declaration(init);
      else this.exprStmt(init);
    }
    const c = node.childForFieldName('condition');
    const cond: Cond = c ? this.cond(c) : { k: 'lit', v: true };
    this.loop(cond, this.pos(c ?? node), node.childForFieldName('body'), node.childForFieldName('update'), false);
    this.popScope(this.pos(node));
  }

  private switchStmt(node: CNode): void {
    const c = node.childForFieldName('condition');
    if (c) this.expr(c);
    const choice = this.emit({ k: 'choice', pos: this.pos(c ?? node) });
    const exit = this.join();
    const body = node.childForFieldName('body');
    this.cur = null;
    this.pushScope({ breakTo: exit });
    let hasDefault = false;
    const cases: readonly CNode[] = body ? body.namedChildren : [];
    for (const cs of cases) {
      if (cs.type === 'case_statement') {
        const entry = this.join();
        this.nodes[choice].succ.push(entry);
        this.link(this.cur, entry); // fallthrough from the previous case
        this.cur = entry;
        if (!cs.childForFieldName('value')) hasDefault = true;
        this.caseBody(cs);
      } else {
        this.stmt(cs);
      }
    }
    this.popScope(this.pos(node));
    this.link(this.cur, exit);
    if (!hasDefault) this.nodes[choice].succ.push(exit);
    this.cur = exit;
  }

  private caseBody(cs: CNode): void {
    const value = cs.childForFieldName('value');
    for (const c of cs.namedChildren) {
      if (c === value || (value && c.startIndex === value.startIndex && c.endIndex === value.endIndex)) continue;
      this.stmt(c);
    }
  }

  private returnStmt(node: CNode): void {
    const e = node.namedChildren.find((c) => c.type !== 'comment') ?? null;
    let value: Value = { k: 'unknown' };
    if (e) {
      const cv = constValue(e);
      const u = unwrap(e);
      if (cv !== undefined) value = { k: 'const', v: cv };
      else if (u && flagConstant(u)) value = { k: 'const', v: 1 }; // VM_FAULT_NOPAGE, XFS_IOLOCK_SHARED | XFS_ILOCK_EXCL: a non-zero code
      else if (u && u.type === 'identifier') value = { k: 'var', name: u.text };
      else if (u && u.type === 'call_expression' && !PASS_THROUGH.has(u.childForFieldName('function')?.text ?? '')) {
        this.callExpr(u, '$ret');
        value = { k: 'var', name: '$ret' };
      } else this.expr(e);
    }
    const p = this.pos(node);
    this.unwindTo(-1, p);
    const r = this.emit(value.k === 'var' && this.pointers.has(value.name) ? { k: 'return', value, pos: p, pointer: true } : { k: 'return', value, pos: p });
    this.link(r, 1);
    this.cur = null;
  }

  private jumpOut(kind: 'break' | 'continue', node: CNode): void {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const target = kind === 'break' ? this.scopes[i].breakTo : this.scopes[i].continueTo;
      if (target !== undefined) {
        this.unwindTo(i - 1 < 0 ? -1 : i - 1 + 0, this.pos(node));
        this.link(this.cur, target);
        this.cur = null;
        return;
      }
    }
    this.cur = null; // break outside loop/switch: malformed, stop the path
  }

  private gotoStmt(node: CNode): void {
    const label = node.childForFieldName('label')?.text ?? '';
    if (this.cur === null) return;
    const from = this.join();
    this.link(this.cur, from);
    this.gotos.push({ from, label, scopes: [...this.scopes] });
    this.cur = null;
  }

  private labeled(node: CNode): void {
    const name = node.childForFieldName('label')?.text ?? '';
    let ln = this.labels.get(name);
    if (!ln) { ln = { node: this.join(), scopes: [...this.scopes] }; this.labels.set(name, ln); }
    else ln.scopes = [...this.scopes];
    this.link(this.cur, ln.node);
    this.cur = ln.node;
    for (const c of node.namedChildren) if (c.type !== 'statement_identifier') this.stmt(c);
  }

  resolveGotos(): void {
    for (const g of this.gotos) {
      const target = this.labels.get(g.label);
      if (!target) continue; // goto to an unknown label (macro-generated): path ends
      // release guards of scopes that the jump leaves (not ancestors of the label)
      const keep = new Set(target.scopes.map((s) => s.id));
      this.cur = g.from;
      for (let i = g.scopes.length - 1; i >= 0; i--) {
        if (keep.has(g.scopes[i].id)) continue;
        const gs = g.scopes[i].guards;
        for (let j = gs.length - 1; j >= 0; j--) {
          this.emit({ k: 'call', call: { name: 'guard_release', args: gs[j].args, pos: gs[j].pos, guard: gs[j].type } });
        }
      }
      this.link(this.cur, target.node);
    }
    this.cur = null;
  }

  private preproc(node: CNode): void {
    // #if/#ifdef inside a body: a choice correlated on the condition text
    let condText = '';
    const nameNode = node.childForFieldName('name');
    const condNode = node.childForFieldName('condition');
    if (nameNode) condText = `defined(${nameNode.text})`;
    else if (condNode) condText = stripText(condNode.text);
    const negate = node.type === 'preproc_ifdef' && /^#\s*ifndef/.test(node.text);
    const atom: Cond = { k: 'test', s: { k: 'atom', text: `#${condText}`, vars: [] }, rel: 'nz' };
    const cond: Cond = negate ? { k: 'not', e: atom } : atom;
    const br = this.emit({ k: 'branch', cond, pos: this.pos(node) });
    const thenStart = this.join();
    const elseStart = this.join();
    const end = this.join();
    this.nodes[br].succ = [thenStart, elseStart];
    this.cur = thenStart;
    const alt = node.childForFieldName('alternative');
    for (const c of node.namedChildren) {
      if (c === nameNode || c === condNode || (alt && c.startIndex === alt.startIndex)) continue;
      if (condNode && c.startIndex === condNode.startIndex) continue;
      if (nameNode && c.startIndex === nameNode.startIndex) continue;
      this.stmtOrDecl(c);
    }
    this.link(this.cur, end);
    this.cur = elseStart;
    if (alt) this.stmt(alt);
    this.link(this.cur, end);
    this.cur = end;
  }

  // --------------------------------------------------------------- expressions
  exprStmt(e: CNode): void {
    if (e.type === 'assignment_expression') {
      const left = e.childForFieldName('left');
      const right = e.childForFieldName('right');
      const op = e.child(1)?.text ?? '=';
      if (left && right) {
        if (op === '=') return this.assignTo(left, right, e);
        this.expr(right);
        const ln = unwrap(left);
        if (ln?.type === 'identifier') {
          this.noteAssign(ln.text);
          this.emit({ k: 'assign', lhs: ln.text, value: { k: 'unknown' }, pos: this.pos(e) });
        }
        return;
      }
    }
    if (e.type === 'comma_expression') {
      for (const c of e.namedChildren) this.exprStmt(c);
      return;
    }
    this.expr(e);
  }

  private assignTo(left: CNode, right: CNode, whole: CNode): void {
    const l = unwrap(left);
    if (l && l.type === 'field_expression' && l.childForFieldName('field')?.text === 'nofault') {
      const v = constValue(right);
      if (v !== undefined) {
        this.emit({ k: 'nofault', iter: canon(l.childForFieldName('argument')), on: v !== 0, pos: this.pos(whole) });
        return;
      }
    }
    if (l && l.type === 'identifier') return this.assign(l.text, right, whole, false);
    const r = unwrap(right);
    // `vmf->pte = pte_offset_map_lock(...)`: the call's result is what the field holds (`$store`), so a
    // later `if (!vmf->pte)` knows whether the trylock-like call succeeded
    const storesCall = !!l && isPure(l) && !!r && r.type === 'call_expression' && !PASS_THROUGH.has(r.childForFieldName('function')?.text ?? '');
    if (storesCall) this.callExpr(r!, '$store'); else this.expr(right);
    if (l) this.expr(l);
    // a store through a field or pointer: facts about expressions over it are stale; a constant
    // stored in a field (`trans->removing_chunk = true`) is a fact a later test can use
    const cv = constValue(right);
    const op: Op = {
      k: 'assign', lhs: canon(left),
      value: storesCall ? { k: 'var', name: '$store' } : cv !== undefined && l && isPure(l) ? { k: 'const', v: cv } : { k: 'unknown' },
      pos: this.pos(whole),
    };
    const throughPointer = /->|^\*|\[/.test(op.lhs);
    // (`open->tlink = tlink`: the field holds that pointer now, `from`)
    if (throughPointer && r && r.type === 'identifier' && !/^[A-Z][A-Z0-9_]*$/.test(r.text)) { op.escapes = r.text; op.from = r.text; }
    else if (throughPointer && r && r.type === 'call_expression') op.escapes = '$call';
    // `dst->wb = &wb->flushing`: the address of a structure whose lock we hold
    else if (throughPointer && r && r.type === 'pointer_expression' && r.child(0)?.text === '&' && isPure(r)) op.escapes = canon(r.childForFieldName('argument'));
    this.emit(op);
  }

  /** `name = value` (declaration initialiser or assignment). */
  assign(name: string, value: CNode, whole: CNode, isDecl: boolean): void {
    const p = this.pos(whole);
    const cv = constValue(value);
    if (cv !== undefined) {
      this.noteAssign(name);
      const parity = literalParity(value);
      this.emit({ k: 'assign', lhs: name, value: parity === undefined ? { k: 'const', v: cv } : { k: 'const', v: cv, parity }, pos: p });
      return;
    }
    const u = unwrap(value);
    if (u && u.type === 'call_expression' && !PASS_THROUGH.has(u.childForFieldName('function')?.text ?? '')) {
      // callExpr() counts the assignment; here only the alias candidate (`fi = get_fuse_inode(inode)`;
      // not a fresh allocation, which names no existing object)
      if (stableAccessor(u.childForFieldName('function')?.text ?? '')) this.aliasCand.set(name, canon(u));
      this.callExpr(u, name);
      return;
    }
    if (u && (u.type === 'identifier' || u.type === 'field_expression' || (u.type === 'pointer_expression' && u.child(0)?.text === '&'))) {
      this.noteAssign(name, canon(u));
      this.expr(u);
      // (an address, `rw_lock = &ni->run_lock`, is a valid pointer)
      const value: Value = u.type === 'identifier' ? { k: 'var', name: u.text } : u.type === 'pointer_expression' ? { k: 'const', v: 1 } : { k: 'unknown' };
      const op: Op = { k: 'assign', lhs: name, value, pos: p };
      // `buf = of->prealloc_buf`: a later `buf == of->prealloc_buf` holds until either side changes
      // (an address, `p = &of->buf`, says what a store through p may change)
      if (isPure(u) && !/^[A-Z][A-Z0-9_]*$/.test(u.text)) op.from = canon(u);
      this.emit(op);
      return;
    }
    if (u && u.type === 'initializer_list') { this.noteAssign(name); return; }
    // `pte = kernel ? pte_offset_kernel(...) : pte_offset_map_lock(...)`: each arm assigns its own value, so a
    // lock call's result in one arm stays with the path that took the lock
    if (u && u.type === 'conditional_expression') {
      const cond = u.childForFieldName('condition');
      const cons = u.childForFieldName('consequence');
      const alt = u.childForFieldName('alternative');
      if (cond && cons && alt && (containsCall(cons) || containsCall(alt))) {
        const br = this.emit({ k: 'branch', cond: this.cond(cond), pos: this.pos(cond) });
        const a = this.join(); const b = this.join(); const end = this.join();
        this.nodes[br].succ = [a, b];
        this.cur = a; this.assign(name, cons, whole, isDecl); this.link(this.cur, end);
        this.cur = b; this.assign(name, alt, whole, isDecl); this.link(this.cur, end);
        this.cur = end;
        return;
      }
    }
    // `start_pte = pte = pte_offset_map_lock(...)`: the inner assignment, then a copy of what it stored
    if (u && u.type === 'assignment_expression' && (u.child(1)?.text ?? '=') === '=') {
      const il = unwrap(u.childForFieldName('left'));
      const ir = u.childForFieldName('right');
      if (il && ir && il.type === 'identifier') {
        this.assign(il.text, ir, u, false);
        this.noteAssign(name, il.text);
        this.emit({ k: 'assign', lhs: name, value: { k: 'var', name: il.text }, pos: p });
        return;
      }
    }
    // x = !call(...): the call's result, negated (a trylock-like result kept as a flag)
    if (u && u.type === 'unary_expression' && u.child(0)?.text === '!') {
      const inner = unwrap(u.childForFieldName('argument'));
      if (inner && inner.type === 'call_expression' && !PASS_THROUGH.has(inner.childForFieldName('function')?.text ?? '')) {
        this.noteAssign(name);
        this.callExpr(inner, '$not');
        this.emit({ k: 'assign', lhs: name, value: { k: 'not', name: '$not' }, pos: p });
        return;
      }
    }
    // flag masks kept in a variable: uint iolock = XFS_IOLOCK_EXCL | XFS_MMAPLOCK_EXCL;
    if (u && u.type === 'binary_expression' && /^[A-Z0-9_|\s()]+$/.test(u.text)) {
      this.noteAssign(name, stripText(u.text));
      this.emit({ k: 'assign', lhs: name, value: { k: 'unknown' }, pos: p });
      return;
    }
    this.noteAssign(name);
    this.expr(value);
    void isDecl;
    this.emit({ k: 'assign', lhs: name, value: { k: 'unknown' }, pos: p });
  }

  /** Emit the calls of an expression in evaluation order. */
  expr(node: CNode | null): void {
    if (!node || this.cur === null) return;
    if (this.depth >= MAX_NEST) { this.deepCuts++; this.emit({ k: 'opaque', pos: this.pos(node) }); return; }
    this.depth++;
    try { this.exprAt(node); } finally { this.depth--; }
  }

  private exprAt(node: CNode): void {
    switch (node.type) {
      case 'call_expression': this.callExpr(node); return;
      case 'compound_statement': this.block(node); return; // statement expression ({ ... })
      case 'conditional_expression': {
        const cond = node.childForFieldName('condition');
        const cons = node.childForFieldName('consequence');
        const alt = node.childForFieldName('alternative');
        if ((cons && containsCall(cons)) || (alt && containsCall(alt))) {
          const br = this.emit({ k: 'branch', cond: this.cond(cond), pos: this.pos(cond ?? node) });
          const a = this.join(); const b = this.join(); const end = this.join();
          this.nodes[br].succ = [a, b];
          this.cur = a; this.expr(cons); this.link(this.cur, end);
          this.cur = b; this.expr(alt); this.link(this.cur, end);
          this.cur = end;
        } else {
          this.expr(cond);
        }
        return;
      }
      case 'binary_expression': {
        const op = node.child(1)?.text;
        const l = node.childForFieldName('left');
        const r = node.childForFieldName('right');
        if ((op === '&&' || op === '||') && r && containsCall(r)) {
          const c = this.cond(l);
          const br = this.emit({ k: 'branch', cond: op === '&&' ? c : { k: 'not', e: c }, pos: this.pos(l ?? node) });
          const a = this.join(); const end = this.join();
          this.nodes[br].succ = [a, end];
          this.cur = a; this.expr(r); this.link(this.cur, end);
          this.cur = end;
          return;
        }
        this.expr(l); this.expr(r);
        return;
      }
      case 'assignment_expression': this.exprStmt(node); return;
      case 'update_expression': {
        const arg = unwrap(node.childForFieldName('argument'));
        if (arg?.type === 'identifier') {
          this.noteAssign(arg.text);
          this.emit({ k: 'assign', lhs: arg.text, value: this.stepped(arg.text), pos: this.pos(node) });
        } else this.expr(arg);
        return;
      }
      case 'string_literal': case 'number_literal': case 'identifier': case 'char_literal':
      case 'field_identifier': case 'comment': case 'sizeof_expression': case 'type_descriptor':
        return;
      default:
        for (const c of node.namedChildren) this.expr(c);
    }
  }

  callExpr(node: CNode, assignTo?: string): void {
    const fn = node.childForFieldName('function');
    const argsNode = node.childForFieldName('arguments');
    const argNodes = argsNode ? argsNode.namedChildren.filter((c) => c.type !== 'comment') : [];
    const fname = unwrap(fn)?.type === 'identifier' ? unwrap(fn)!.text : '';
    if ((NO_RETURN.has(fname) || /_panic$/.test(fname)) && !assignTo) {
      // BUG(), panic(): the path ends here
      for (const a of argNodes) this.expr(a);
      this.emit({ k: 'call', call: { name: fname, args: argNodes.map(canon), pos: this.pos(node) } });
      this.cur = null;
      return;
    }
    if (ASSERTIONS.has(fname) && argNodes[0] && !assignTo) {
      // BUG_ON(x), ASSERT(x): the code after it may assume the assertion holds
      const fatalWhen = fname === 'ASSERT' || fname === 'J_ASSERT' ? { k: 'not' as const, e: this.cond(argNodes[0]) } : this.cond(argNodes[0]);
      const br = this.emit({ k: 'branch', cond: fatalWhen, pos: this.pos(node) });
      const dead = this.join();
      const cont = this.join();
      this.nodes[br].succ = [dead, cont];
      this.cur = cont;
      return;
    }
    // guard(type)(args): the callee is itself a call
    if (fn && fn.type === 'call_expression' && fn.childForFieldName('function')?.text === 'guard') {
      const type = stripText(fn.childForFieldName('arguments')?.namedChildren[0]?.text ?? '');
      const args = argNodes.map(canon);
      const p = this.pos(node);
      this.emit({ k: 'call', call: { name: 'guard', args, pos: p, guard: type } });
      const scope = this.scopes[this.scopes.length - 1];
      if (scope) scope.guards.push({ type, args, pos: p });
      return;
    }
    for (const a of argNodes) this.expr(a);
    let name = '';
    let indirect = false;
    const f = unwrap(fn);
    if (f?.type === 'identifier') name = f.text;
    else if (f?.type === 'field_expression') { name = f.childForFieldName('field')?.text ?? ''; indirect = true; this.expr(f); }
    else if (f?.type === 'pointer_expression') { name = canon(f.childForFieldName('argument')); indirect = true; }
    else if (f) { name = stripText(f.text); indirect = true; this.expr(f); }
    const call: Call = { name, args: argNodes.map(canon), pos: this.pos(node) };
    if (indirect) call.indirect = true;
    if (assignTo) this.noteAssign(assignTo);
    this.emit(assignTo ? { k: 'call', call, assignTo } : { k: 'call', call });
    const clobbered = argNodes
      .map((a) => unwrap(a))
      .filter((a): a is CNode => !!a && a.type === 'pointer_expression' && a.child(0)?.text === '&' && a.childForFieldName('argument')?.type === 'identifier')
      .map((a) => a.childForFieldName('argument')!.text);
    if (clobbered.length) this.emit({ k: 'clobber', vars: clobbered });
  }

  // ---------------------------------------------------------------- conditions
  /** The value of `x` after `x++` / `x--`: a pointer stays NULL or non-NULL (another object, though); a number is unknown. */
  private stepped(name: string): Value {
    return this.pointers.has(name) ? { k: 'var', name } : { k: 'unknown' };
  }

  /** A condition; calls inside it become part of the Cond so short-circuiting is exact. */
  cond(node: CNode | null): Cond {
    if (!node) return { k: 'unknown' };
    if (this.depth >= MAX_NEST) { this.deepCuts++; return { k: 'unknown' }; }
    this.depth++;
    try { return this.condAt(node); } finally { this.depth--; }
  }

  private condAt(node: CNode): Cond {
    switch (node.type) {
      case 'parenthesized_expression': {
        const inner = node.namedChildren.find((c) => c.type !== 'comment');
        if (inner && inner.type === 'compound_statement') return this.opaqueCond(node);
        return this.cond(inner ?? null);
      }
      case 'cast_expression': return this.cond(node.childForFieldName('value'));
      case 'update_expression': {
        // `if (ptep++)`: tests the pointer, then moves it (NULL or not, as it was). tree-sitter-c reads
        // `!ptep++` (mm/madvise.c) as `(!ptep)++`; C means `!(ptep++)`
        let arg = unwrap(node.childForFieldName('argument'));
        const postfix = node.child(0)?.type !== '++' && node.child(0)?.type !== '--';
        const negated = arg?.type === 'unary_expression' && arg.child(0)?.text === '!';
        if (negated) arg = unwrap(arg!.childForFieldName('argument'));
        if (arg?.type === 'identifier' && postfix && this.pointers.has(arg.text)) {
          this.noteAssign(arg.text);
          const c: Cond = { k: 'seq', pre: [{ k: 'assign', lhs: arg.text, value: this.stepped(arg.text), pos: this.pos(node) }], c: { k: 'test', s: { k: 'var', name: arg.text }, rel: 'nz' } };
          return negated ? { k: 'not', e: c } : c;
        }
        return this.opaqueCond(node);
      }
      case 'number_literal': case 'true': case 'false': case 'null':
        return { k: 'lit', v: (constValue(node) ?? 1) !== 0 };
      case 'identifier':
        if (node.text === 'NULL') return { k: 'lit', v: false };
        if (/^[A-Z][A-Z0-9_]*$/.test(node.text)) return { k: 'test', s: { k: 'atom', text: node.text, vars: [] }, rel: 'nz' };
        return { k: 'test', s: { k: 'var', name: node.text }, rel: 'nz' };
      case 'unary_expression': {
        const op = node.child(0)?.text;
        const arg = node.childForFieldName('argument');
        if (op === '!') return { k: 'not', e: this.cond(arg) };
        break;
      }
      case 'binary_expression': {
        const op = node.child(1)?.text ?? '';
        const l = node.childForFieldName('left');
        const r = node.childForFieldName('right');
        if (op === '&&') return { k: 'and', a: this.cond(l), b: this.cond(r) };
        if (op === '||') return { k: 'or', a: this.cond(l), b: this.cond(r) };
        if ((op === '|' || op === '&') && l && r && this.boolish(l) && this.boolish(r)) {
          return op === '&' ? { k: 'and', a: this.cond(l), b: this.cond(r) } : { k: 'or', a: this.cond(l), b: this.cond(r) };
        }
        const rel = this.relation(op, l, r);
        if (rel) return rel;
        // `ino != dn->inode->i_ino` is the negation of `ino == dn->inode->i_ino`: one atom for both
        if (op === '!=' && l && r && isPure(node)) {
          return { k: 'not', e: { k: 'test', s: { k: 'atom', text: stripText(`${canon(l)}==${canon(r)}`), vars: exprVars(stripText(node.text)) }, rel: 'nz' } };
        }
        if (op === '==' && l && r && isPure(node)) {
          return { k: 'test', s: { k: 'atom', text: stripText(`${canon(l)}==${canon(r)}`), vars: exprVars(stripText(node.text)) }, rel: 'nz' };
        }
        break;
      }
      case 'call_expression': {
        const fname = node.childForFieldName('function')?.text ?? '';
        const args = node.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
        if (PASS_THROUGH.has(fname) && args.length >= 1) {
          // WARN(cond, fmt...) / WARN_ON(cond): the value is the first argument
          return this.cond(args[0]);
        }
        if (isPure(node)) return { k: 'test', s: { k: 'atom', text: canon(node), vars: exprVars(stripText(node.text)) }, rel: 'nz' };
        return this.callTest(node, 'nz');
      }
      case 'assignment_expression': {
        // if ((ret = foo()) != 0) / if (!(p = bar()))
        const left = unwrap(node.childForFieldName('left'));
        const right = node.childForFieldName('right');
        if (left?.type === 'identifier' && right) {
          const pre = this.captureOps(() => this.assign(left.text, right, node, false));
          return { k: 'seq', pre, c: { k: 'test', s: { k: 'var', name: left.text }, rel: 'nz' } };
        }
        break;
      }
      default:
        break;
    }
    if (isPure(node)) return { k: 'test', s: { k: 'atom', text: canon(node), vars: exprVars(stripText(node.text)) }, rel: 'nz' };
    return this.opaqueCond(node);
  }

  private boolish(n: CNode): boolean {
    const u = unwrap(n);
    if (!u) return false;
    if (u.type === 'identifier') return !/^[A-Z][A-Z0-9_]*$/.test(u.text);
    if (u.type === 'unary_expression' && u.child(0)?.text === '!') return true;
    if (u.type === 'binary_expression') {
      const op = u.child(1)?.text;
      return op === '&&' || op === '||' || op === '==' || op === '!=';
    }
    return false;
  }

  private relation(op: string, l: CNode | null, r: CNode | null): Cond | undefined {
    if (!l || !r) return undefined;
    const rels: Record<string, [Rel, Rel]> = {
      // op: [relation when comparing subject OP 0, relation when 0 OP subject]
      '==': ['z', 'z'], '!=': ['nz', 'nz'], '<': ['neg', 'pos'], '>': ['pos', 'neg'],
      '>=': ['nonneg', 'le0'], '<=': ['le0', 'nonneg'],
    };
    const entry = rels[op];
    if (!entry) return undefined;
    let subj: CNode | null = null;
    let rel: Rel | undefined;
    if (constValue(r) === 0) { subj = l; rel = entry[0]; }
    else if (constValue(l) === 0) { subj = r; rel = entry[1]; }
    else if ((op === '==' || op === '!=') && (callVsConstant(l, r) || callVsConstant(r, l))) {
      // `iov_iter_rw(iter) == READ`: an accessor's result against a constant, correlated by its text
      const test: Cond = { k: 'test', s: { k: 'atom', text: stripText(`${canon(l)}==${canon(r)}`), vars: exprVars(stripText(`${l.text} ${r.text}`)) }, rel: 'nz' };
      return op === '==' ? test : { k: 'not', e: test };
    } else if ((op === '==' || op === '!=') && (r.type === 'true' || l.type === 'true')) {
      // `get_write == true`: a bool compared with true is its truth
      subj = r.type === 'true' ? l : r;
      rel = op === '==' ? 'nz' : 'z';
    } else if (op === '==' || op === '!=') {
      // ret == -ENOSPC: a variable compared with a nonzero constant says its sign when equal
      // (an upper-case constant, `error != GLR_TRYFAILED`, is taken as a non-zero code)
      const cr = constValue(r) ?? (flagConstant(r) ? 1 : undefined);
      const cl = constValue(l) ?? (flagConstant(l) ? 1 : undefined);
      const c = cr ?? cl;
      const side = cr !== undefined ? l : r;
      const us = unwrap(side);
      if (c !== undefined && us?.type === 'identifier' && !/^[A-Z][A-Z0-9_]*$/.test(us.text)) {
        let test: Cond = { k: 'test', s: { k: 'var', name: us.text }, rel: c < 0 ? 'eqN' : 'eqP' };
        const named = constValue(r) === undefined && constValue(l) === undefined;
        if (named) {
          // `old_ino == BTRFS_FIRST_FREE_OBJECTID`: the sign says when it cannot hold (a zero
          // `error` is not GLR_TRYFAILED), the text correlates two such tests exactly
          test = { k: 'and', a: { k: 'test', s: { k: 'atom', text: stripText(`${canon(l)}==${canon(r)}`), vars: [us.text] }, rel: 'nz' }, b: { k: 'test', s: { k: 'var', name: us.text }, rel: 'nz' } };
        }
        return op === '==' ? test : { k: 'not', e: test };
      }
    }
    if (!subj || !rel) {
      // comparisons between two expressions: an atom if pure
      return undefined;
    }
    const u = unwrap(subj);
    if (!u) return undefined;
    if (u.type === 'identifier') return { k: 'test', s: { k: 'var', name: u.text }, rel };
    if (u.type === 'call_expression' && !isPure(u) && !PASS_THROUGH.has(u.childForFieldName('function')?.text ?? '')) return this.callTest(u, rel);
    if (u.type === 'assignment_expression') {
      const left = unwrap(u.childForFieldName('left'));
      const right = u.childForFieldName('right');
      if (left?.type === 'identifier' && right) {
        const pre = this.captureOps(() => this.assign(left.text, right, u, false));
        return { k: 'seq', pre, c: { k: 'test', s: { k: 'var', name: left.text }, rel } };
      }
    }
    if (isPure(u)) return { k: 'test', s: { k: 'atom', text: canon(u), vars: exprVars(stripText(u.text)) }, rel };
    return undefined;
  }

  private callTest(node: CNode, rel: Rel): Cond {
    // argument calls run first; the call itself is the tested subject
    const argsNode = node.childForFieldName('arguments');
    const argNodes = argsNode ? argsNode.namedChildren.filter((c) => c.type !== 'comment') : [];
    const pre = this.captureOps(() => { for (const a of argNodes) this.expr(a); });
    const fn = unwrap(node.childForFieldName('function'));
    let name = fn?.type === 'identifier' ? fn.text : fn?.type === 'field_expression' ? (fn.childForFieldName('field')?.text ?? '') : stripText(fn?.text ?? '');
    if (!name) name = '?';
    const call: Call = { name, args: argNodes.map(canon), pos: this.pos(node) };
    if (fn?.type !== 'identifier') call.indirect = true;
    const test: Cond = { k: 'test', s: { k: 'call', call }, rel };
    return pre.length ? { k: 'seq', pre, c: test } : test;
  }

  /** A condition we cannot interpret: its calls still happen, then both outcomes are possible. */
  private opaqueCond(node: CNode): Cond {
    const pre = this.captureOps(() => this.expr(node));
    return pre.length ? { k: 'seq', pre, c: { k: 'unknown' } } : { k: 'unknown' };
  }

  /**
   * Run `f` against a scratch chain and return the straight-line ops it emitted.
   * Used for calls inside conditions; if `f` produced control flow (a statement
   * expression with branches), the ops are linearised, which over-approximates.
   */
  captureOps(f: () => void): Op[] {
    const saveCur = this.cur;
    const start = this.nodes.length;
    const scratch = this.newNode();
    this.cur = scratch;
    f();
    const ops: Op[] = [];
    for (let i = start + 1; i < this.nodes.length; i++) {
      const op = this.nodes[i].op;
      if (op && op.k !== 'branch' && op.k !== 'choice' && op.k !== 'return') ops.push(op);
    }
    this.nodes.length = start;
    this.cur = saveCur;
    return ops;
  }
}

function annotationsFor(ctx: FileCtx, from: number, to: number): Annotation[] {
  return ctx.annotations
    .filter((a) => a.offset >= from && a.offset < to)
    .map((a) => ({ kind: a.kind, arg: stripText(a.arg), pos: posOf(ctx, { startIndex: a.offset, endIndex: a.offset + a.kind.length }) }));
}

export function buildFunction(fn: CNode, ctx: FileCtx): FunctionIR | undefined {
  const info = functionName(fn);
  const body = fn.childForFieldName('body');
  if (!info || !body) return undefined;
  const b = new Builder(ctx);
  const params = paramsOf(info.params);
  for (const p of params) if (p.pointer) b.pointers.add(p.name);
  b.pushScope();
  for (const c of body.namedChildren) b.stmt(c);
  b.popScope(b.pos(body.lastChild ?? body));
  // falling off the end of the body is an implicit `return;`
  if (b.cur !== null) {
    const p = b.pos(body.lastChild ?? body);
    const r = b.emit({ k: 'return', value: { k: 'unknown' }, pos: p });
    b.link(r, 1);
  }
  b.resolveGotos();
  const aliases: Record<string, string> = {};
  for (const [name, rhs] of b.aliasCand) {
    if (b.assignCount.get(name) === 1 && !params.some((p) => p.name === name)) aliases[name] = rhs;
  }
  const storage = fn.children.filter((c) => c.type === 'storage_class_specifier').map((c) => c.text);
  const text = ctx.text.slice(fn.startIndex, fn.endIndex);
  return {
    name: info.name,
    pos: posOf(ctx, fn),
    namePos: posOf(ctx, info.node),
    bodyPos: posOf(ctx, body),
    isStatic: storage.includes('static'),
    params,
    locals: b.locals,
    aliases,
    annotations: annotationsFor(ctx, fn.startIndex, body.startIndex),
    nodes: b.nodes,
    entry: 0,
    exit: 1,
    errors: countErrors(fn) + b.deepCuts,
    ...(/\bVM_FAULT_LOCKED\b/.test(ctx.text.slice(body.startIndex, body.endIndex)) ? { returnsLocked: true } : {}),
    hash: createHash('sha1').update(text).digest('hex').slice(0, 16),
  };
}
