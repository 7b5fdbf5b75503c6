// File-level extraction: tree-sitter tree -> FileIR (functions with CFGs,
// prototypes with context annotations, struct lock fields, global locks,
// ops-struct initialisers and `lockorder:` directives).
import { LineIndex, parseC, ParsedFile, SyntaxNode } from '../parse/parser';
import { normalizeKernelC } from '../parse/normalize';
import { stripText } from '../parse/exprs';
import { CNode, LiteNode, liteTree } from '../parse/lite';
import { nativeParse, nativeStatus } from '../parse/native';
import { buildFunction, FileCtx, functionName, paramsOf, posOf, typeName } from './cfg';
import type { FileIR, FunctionIR, GlobalLock, OpsInit, OrderDirective, Prototype, StructDef } from './ir';

const LOCK_TYPES = new Set(['mutex', 'spinlock_t', 'spinlock', 'raw_spinlock_t', 'rwlock_t', 'rw_semaphore',
  'percpu_rw_semaphore', 'seqlock_t', 'semaphore']);

const DEFINE_LOCK: Record<string, string> = {
  DEFINE_MUTEX: 'mutex', DEFINE_SPINLOCK: 'spinlock_t', DEFINE_RAW_SPINLOCK: 'raw_spinlock_t',
  DEFINE_RWLOCK: 'rwlock_t', DECLARE_RWSEM: 'rw_semaphore', DEFINE_STATIC_PERCPU_RWSEM: 'percpu_rw_semaphore',
  DEFINE_PERCPU_RWSEM: 'percpu_rw_semaphore', DEFINE_SEQLOCK: 'seqlock_t', DEFINE_SEMAPHORE: 'semaphore',
};

/** Heuristic: does this text look like C at all? Binary or prose gets a result, not a crash. */
function looksLikeC(text: string): boolean {
  if (text.indexOf('\0') >= 0) return false;
  return /[;{}]/.test(text) || text.trim().length === 0;
}

/**
 * `/* lockorder: ... *\/` and `// lockorder: ...` comments: what
 * /(?:\/\*|\/\/)\s*lockorder:([^\n]*?)(?:\*\/|$)/gm matches, found from the
 * occurrences of `lockorder:` (rare) rather than by trying the pattern at
 * every offset of the file, which an edit of a large file paid for.
 */
function directivesOf(text: string, file: { lines: LineIndex }): OrderDirective[] {
  const out: OrderDirective[] = [];
  const KEY = 'lockorder:';
  let done = 0; // where the previous match ended: matches do not overlap
  for (let i = text.indexOf(KEY); i >= 0; i = text.indexOf(KEY, Math.max(i + 1, done))) {
    // the comment opener right before it, across white space
    let k = i;
    while (k > 0 && /\s/.test(text[k - 1])) k--;
    const open = k - 2;
    if (open < done || !(text.startsWith('/*', open) || text.startsWith('//', open))) continue;
    // up to the first `*/` or line end
    let e = i + KEY.length;
    while (e < text.length && !text.startsWith('*/', e) && !LINE_END.has(text.charCodeAt(e))) e++;
    const end = text.startsWith('*/', e) ? e + 2 : e;
    const s = file.lines.position(i);
    const t = file.lines.position(end);
    out.push({ text: text.slice(i + KEY.length, e).trim(), pos: { line: s.line, col: s.col, endLine: t.line, endCol: t.col } });
    done = end;
  }
  return out;
}
/** Where a multiline regular expression's `$` matches: before \n, \r, U+2028, U+2029. */
const LINE_END = new Set([10, 13, 0x2028, 0x2029]);

function structDef(node: CNode, ctx: FileCtx): StructDef | undefined {
  const name = node.childForFieldName('name')?.text;
  const body = node.childForFieldName('body');
  if (!name || !body) return undefined;
  const fields = [];
  for (const f of body.namedChildren) {
    if (f.type !== 'field_declaration') continue;
    const t = typeName(f.childForFieldName('type'));
    for (const d of f.namedChildren) {
      if (d === f.childForFieldName('type')) continue;
      let cur: CNode | null = d;
      let pointer = false;
      while (cur && cur.type !== 'field_identifier') {
        if (cur.type === 'pointer_declarator') pointer = true;
        cur = cur.childForFieldName('declarator') ?? null;
      }
      if (cur) fields.push({ name: cur.text, type: t, pointer });
    }
  }
  return { name, fields, pos: posOf(ctx, node) };
}

function opsInit(decl: CNode, ctx: FileCtx): OpsInit | undefined {
  const t = decl.childForFieldName('type');
  if (!t || t.type !== 'struct_specifier') return undefined;
  const structType = t.childForFieldName('name')?.text ?? '';
  for (const d of decl.namedChildren) {
    if (d.type !== 'init_declarator') continue;
    const value = d.childForFieldName('value');
    if (!value || value.type !== 'initializer_list') continue;
    const members: Record<string, string> = {};
    for (const pair of value.namedChildren) {
      if (pair.type !== 'initializer_pair') continue;
      const designator = pair.childForFieldName('designator') ?? pair.namedChildren[0];
      const v = pair.childForFieldName('value');
      const field = designator?.text.replace(/^\./, '');
      if (!field || !v) continue;
      const vt = stripText(v.text).replace(/^&/, '');
      if (/^[A-Za-z_]\w*$/.test(vt)) members[field] = vt;
    }
    if (Object.keys(members).length === 0) continue;
    let nameNode: CNode | null = d.childForFieldName('declarator');
    while (nameNode && nameNode.type !== 'identifier') nameNode = nameNode.childForFieldName('declarator');
    return { structType, varName: nameNode?.text ?? '', members, pos: posOf(ctx, decl) };
  }
  return undefined;
}

/** Incremental rebuilds (analysis/incremental.ts): an already parsed tree, and functions kept from the previous IR. */
export interface BuildHooks {
  parsed?: ParsedFile;
  /** the previous IR of an unchanged function_definition node, or undefined to build it */
  reuseFunction?: (node: SyntaxNode) => FunctionIR | undefined;
  /** the facts an unchanged file-scope declaration produced last time, or undefined to extract them */
  reuseItem?: (node: SyntaxNode) => ItemFacts | undefined;
  /** what a file-scope declaration produced (for reuseItem next time) */
  builtItem?: (node: SyntaxNode, facts: ItemFacts) => void;
}

/** What one file-scope item (declaration, struct, typedef, macro statement) contributes to a FileIR. */
export type ItemFacts = Pick<FileIR, 'structs' | 'globals' | 'ops' | 'prototypes'>;
const ITEM_TYPES = new Set(['declaration', 'struct_specifier', 'type_definition', 'expression_statement']);

export function buildFileIR(path: string, text: string, hooks?: BuildHooks): { ir: FileIR; parsed: ParsedFile } {
  const parsed = hooks?.parsed ?? parseC(text);
  return { ir: irOf(path, text, parsed, parsed.tree.rootNode, hooks), parsed };
}

/**
 * The FileIR of `text`, when the tree is not wanted (batch runs, queries): read
 * by the native tree reader when it is built (parse/native.ts), the same IR
 * as buildFileIR() at a fraction of the cost of walking node-tree-sitter's nodes.
 */
export function fileIR(path: string, text: string): FileIR {
  if (!nativeStatus().active) return buildFileIR(path, text).ir;
  const normalized = normalizeKernelC(text);
  const root = nativeParse(normalized.text);
  if (!root) return buildFileIR(path, text).ir;
  return irOf(path, text, { normalized, lines: new LineIndex(text) }, root);
}

/** The FileIR of the items under `root` (a whole file's translation unit, or a stand-in holding some of its items). */
export function irOf(path: string, text: string, parsed: Pick<ParsedFile, 'normalized' | 'lines'>, root: CNode, hooks?: BuildHooks): FileIR {
  const ctx: FileCtx = {
    text,
    source: parsed.normalized.text,
    lines: parsed.lines,
    macros: new Map(parsed.normalized.macros.map((m) => [m.offset, m])),
    annotations: parsed.normalized.annotations,
  };
  const ir: FileIR = {
    path, functions: [], prototypes: [], structs: [], globals: [], ops: [],
    directives: directivesOf(text, parsed), errorFunctions: 0, lines: parsed.lines.lineCount,
  };
  if (!looksLikeC(text)) { ir.notC = true; return ir; }
  // hooks see node-tree-sitter's nodes: the incremental builder passes its own tree
  const real = (c: CNode): SyntaxNode => c as SyntaxNode;
  const visit = (node: CNode, depth: number): void => {
    for (const c of node.namedChildren) {
      const item = hooks && ITEM_TYPES.has(c.type);
      if (item && hooks.reuseItem) {
        const old = hooks.reuseItem(real(c));
        if (old) { ir.structs.push(...old.structs); ir.globals.push(...old.globals); ir.ops.push(...old.ops); ir.prototypes.push(...old.prototypes); continue; }
      }
      const mark = item ? [ir.structs.length, ir.globals.length, ir.ops.length, ir.prototypes.length] : undefined;
      switch (c.type) {
        case 'function_definition': {
          const f = hooks?.reuseFunction?.(real(c)) ?? buildFunction(c instanceof LiteNode ? c.subtree() : liteTree(real(c), ctx.source), ctx);
          if (f) {
            ir.functions.push(f);
            if (f.errors > 0) ir.errorFunctions++;
          }
          break;
        }
        case 'declaration': {
          declaration(c);
          break;
        }
        case 'struct_specifier': {
          const s = structDef(c, ctx);
          if (s) ir.structs.push(s);
          break;
        }
        case 'type_definition': case 'expression_statement': {
          for (const s of c.descendantsOfType('struct_specifier')) { const d = structDef(s, ctx); if (d) ir.structs.push(d); }
          if (c.type === 'expression_statement') globalMacro(c);
          break;
        }
        case 'preproc_if': case 'preproc_ifdef': case 'preproc_else': case 'preproc_elif': case 'linkage_specification':
        case 'declaration_list': case 'ERROR': case 'preproc_elifdef':
          if (depth < 64) visit(c, depth + 1);
          break;
        default:
          break;
      }
      if (mark) hooks?.builtItem?.(real(c), { structs: ir.structs.slice(mark[0]), globals: ir.globals.slice(mark[1]), ops: ir.ops.slice(mark[2]), prototypes: ir.prototypes.slice(mark[3]) });
    }
  };
  const declaration = (c: CNode): void => {
    const tn = c.childForFieldName('type');
    if (tn && tn.type === 'struct_specifier' && tn.childForFieldName('body')) {
      const s = structDef(tn, ctx);
      if (s) ir.structs.push(s);
    }
    const ops = opsInit(c, ctx);
    if (ops) ir.ops.push(ops);
    const t = typeName(tn);
    for (const d of c.namedChildren) {
      if (d === tn) continue;
      // prototypes: int foo(struct x *a) __acquires(a->lock);
      let fd: CNode | null = d;
      while (fd && fd.type !== 'function_declarator' && fd.type !== 'identifier') fd = fd.childForFieldName('declarator');
      if (fd && fd.type === 'function_declarator') {
        const fake = { childForFieldName: (n: string) => (n === 'declarator' ? d : null) } as unknown as CNode;
        const info = functionName(fake);
        if (info) {
          const anns = ctx.annotations.filter((a) => a.offset >= c.startIndex && a.offset < c.endIndex);
          if (anns.length) {
            const proto: Prototype = {
              name: info.name, params: paramsOf(info.params), pos: posOf(ctx, c),
              annotations: anns.map((a) => ({ kind: a.kind, arg: stripText(a.arg), pos: posOf(ctx, { startIndex: a.offset, endIndex: a.offset + a.kind.length }) })),
            };
            ir.prototypes.push(proto);
          }
        }
        continue;
      }
      // DEFINE_MUTEX(foo) parses as a declaration of `foo` with type DEFINE_MUTEX
      if (DEFINE_LOCK[t]) {
        let id: CNode | null = d;
        while (id && id.type !== 'identifier') id = id.childForFieldName('declarator') ?? id.namedChildren[0] ?? null;
        if (id) ir.globals.push({ name: id.text, type: DEFINE_LOCK[t], pos: posOf(ctx, c) });
        continue;
      }
      if (LOCK_TYPES.has(t)) {
        let id: CNode | null = d;
        while (id && id.type !== 'identifier') id = id.childForFieldName('declarator') ?? null;
        if (id) ir.globals.push({ name: id.text, type: t, pos: posOf(ctx, c) } as GlobalLock);
      }
    }
  };
  const globalMacro = (c: CNode): void => {
    const call = c.namedChildren[0];
    if (call?.type !== 'call_expression') return;
    const fn = call.childForFieldName('function')?.text ?? '';
    const arg = call.childForFieldName('arguments')?.namedChildren[0];
    if (DEFINE_LOCK[fn] && arg) ir.globals.push({ name: arg.text, type: DEFINE_LOCK[fn], pos: posOf(ctx, c) });
  };
  visit(root, 0);
  return ir;
}
