// A plain-JavaScript copy of a tree-sitter tree: one subtree (a function
// definition) read with a single TreeCursor walk (liteTree), or a whole file
// read by the native tree reader (parse/native.ts) into the same arrays.
//
// node-tree-sitter's node objects cross into native code for every property
// (`type`, `namedChildren`, `childForFieldName`, ...) and allocate a wrapper per
// node each time; building a function's CFG asks for the same nodes many
// times, which made the JS node API most of the cost of building the IR. Here
// each node is visited once with the cursor (type id, start, end, field id)
// and everything after that is array lookups. `LiteNode` offers the subset of
// the SyntaxNode API the IR builder uses (`CNode`), with the same answers.
import type { SyntaxNode } from './parser';

/** The part of tree-sitter's SyntaxNode the IR builder reads; both real and lite nodes have it. */
export interface CNode {
  readonly type: string;
  readonly text: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly namedChildren: readonly CNode[];
  readonly children: readonly CNode[];
  readonly lastChild: CNode | null;
  readonly previousNamedSibling: CNode | null;
  readonly nextNamedSibling: CNode | null;
  readonly isMissing: boolean;
  readonly hasError: boolean;
  child(index: number): CNode | null;
  childForFieldName(fieldName: string): CNode | null;
  descendantsOfType(type: string): CNode[];
}

// Type and field names by id, learned from the cursor the first time an id is seen
// (one grammar per process: tree-sitter-c).
const typeNames: string[] = [];
const typeNamed: boolean[] = [];
const typeLeaf: boolean[] = [];
const fieldIds = new Map<string, number>();
const fieldNames: string[] = [];

/**
 * Named node types of tree-sitter-c that are tokens (no fields, no children in
 * its node-types.json; test/parse/lite.test.ts keeps this list in step). They
 * and every anonymous node (`(`, `->`, `if`: string tokens, tree-sitter-c
 * aliases no rule to one) are leaves, so the walk does not ask for children.
 */
export const LEAF_TYPES: ReadonlySet<string> = new Set([
  'character', 'comment', 'escape_sequence', 'false', 'field_identifier', 'identifier', 'ms_restrict_modifier',
  'ms_signed_ptr_modifier', 'ms_unsigned_ptr_modifier', 'number_literal', 'preproc_arg', 'preproc_directive',
  'primitive_type', 'statement_identifier', 'string_content', 'system_lib_string', 'true', 'type_identifier',
]);

/**
 * The arrays behind lite nodes, indexed by node in preorder: filled by
 * liteTree()'s cursor walk (plain arrays) or by the native tree reader
 * (parse/native.ts: typed arrays of a whole file, the same layout).
 */
export interface LiteArrays {
  readonly type: ArrayLike<number>;
  readonly start: ArrayLike<number>;
  readonly end: ArrayLike<number>;
  readonly field: ArrayLike<number>;
  /** parent / first child / next sibling, -1 for none */
  readonly parent: ArrayLike<number>;
  readonly first: ArrayLike<number>;
  readonly next: ArrayLike<number>;
  /** FLAG_MISSING: a MISSING node; FLAG_ERROR: the subtree under the node contains an ERROR or MISSING node */
  readonly flags: ArrayLike<number>;
}
export const FLAG_MISSING = 1;
export const FLAG_ERROR = 2;

/** One subtree of a LiteArrays: its root node is `root`, whose parent and siblings are outside it. */
class LiteTree {
  /** lite nodes made so far, by index - root */
  readonly nodes: (LiteNode | undefined)[] = [];
  constructor(readonly source: string, readonly a: LiteArrays, readonly root: number) {}

  node(i: number): LiteNode {
    return this.nodes[i - this.root] ?? (this.nodes[i - this.root] = new LiteNode(this, i));
  }
}

export class LiteNode implements CNode {
  private kids?: LiteNode[];
  private named?: LiteNode[];
  constructor(private readonly t: LiteTree, private readonly i: number) {}

  get type(): string { return typeNames[this.t.a.type[this.i]]; }
  get text(): string { return this.t.source.slice(this.t.a.start[this.i], this.t.a.end[this.i]); }
  get startIndex(): number { return this.t.a.start[this.i]; }
  get endIndex(): number { return this.t.a.end[this.i]; }
  get isMissing(): boolean { return (this.t.a.flags[this.i] & FLAG_MISSING) !== 0; }
  get hasError(): boolean { return (this.t.a.flags[this.i] & FLAG_ERROR) !== 0; }
  get isNamed(): boolean { return typeNamed[this.t.a.type[this.i]]; }

  get children(): readonly LiteNode[] {
    if (!this.kids) {
      const out: LiteNode[] = [];
      for (let c = this.t.a.first[this.i]; c >= 0; c = this.t.a.next[c]) out.push(this.t.node(c));
      this.kids = out;
    }
    return this.kids;
  }
  get namedChildren(): readonly LiteNode[] {
    if (!this.named) this.named = this.children.filter((c) => c.isNamed);
    return this.named;
  }
  get lastChild(): LiteNode | null {
    const k = this.children;
    return k.length ? k[k.length - 1] : null;
  }
  get parent(): LiteNode | null {
    const p = this.i === this.t.root ? -1 : this.t.a.parent[this.i];
    return p >= 0 ? this.t.node(p) : null;
  }
  get previousNamedSibling(): LiteNode | null {
    const sibs = this.parent?.children;
    if (!sibs) return null;
    for (let k = sibs.indexOf(this) - 1; k >= 0; k--) if (sibs[k].isNamed) return sibs[k];
    return null;
  }
  get nextNamedSibling(): LiteNode | null {
    const sibs = this.parent?.children;
    if (!sibs) return null;
    for (let k = sibs.indexOf(this) + 1; k > 0 && k < sibs.length; k++) if (sibs[k].isNamed) return sibs[k];
    return null;
  }
  child(index: number): LiteNode | null {
    return this.children[index] ?? null;
  }
  childForFieldName(fieldName: string): LiteNode | null {
    const id = fieldIds.get(fieldName);
    if (id === undefined) return null;
    for (let c = this.t.a.first[this.i]; c >= 0; c = this.t.a.next[c]) if (this.t.a.field[c] === id) return this.t.node(c);
    return null;
  }
  /** The named nodes of type `type` in this subtree, in document order (this node included). */
  descendantsOfType(type: string): LiteNode[] {
    const out: LiteNode[] = [];
    const a = this.t.a;
    // preorder without recursion (nesting can be thousands deep): the next node is the
    // first child, else the next sibling of the nearest node on the way up that has one
    for (let i = this.i; i >= 0;) {
      if (typeNames[a.type[i]] === type) out.push(this.t.node(i));
      if (a.first[i] >= 0) { i = a.first[i]; continue; }
      while (i !== this.i && a.next[i] < 0) i = a.parent[i];
      i = i === this.i ? -1 : a.next[i];
    }
    return out;
  }
  /** This node as the root of its own lite tree (no parent, no siblings): what liteTree() gives for it. */
  subtree(): LiteNode {
    return this.i === this.t.root ? this : new LiteTree(this.t.source, this.t.a, this.i).node(this.i);
  }
}

/**
 * Copy the subtree under `node` (usually a function_definition). `source` is
 * the text tree-sitter parsed (the normalised text), which node texts come from.
 */
export function liteTree(node: SyntaxNode, source: string): LiteNode {
  const type: number[] = [], start: number[] = [], end: number[] = [], field: number[] = [];
  const parents: number[] = [], first: number[] = [], next: number[] = [], flags: number[] = [];
  const c = node.walk();
  const stack: number[] = [];
  let last = -1; // the previous sibling of the node being entered, -1 at a first child
  for (;;) {
    const i = type.length;
    const typeId = c.nodeTypeId;
    if (typeNames[typeId] === undefined) learnType(typeId, c.nodeType, c.nodeIsNamed);
    const fid = c.currentFieldId;
    if (fid && fieldNames[fid] === undefined) learnField(fid, c.currentFieldName);
    const s = c.startIndex;
    const e = c.endIndex;
    type.push(typeId); start.push(s); end.push(e); field.push(fid || 0);
    const parent = stack.length ? stack[stack.length - 1] : -1;
    parents.push(parent); first.push(-1); next.push(-1);
    let f = typeId === 0xffff || typeNames[typeId] === 'ERROR' ? FLAG_ERROR : 0;
    if (s === e && c.nodeIsMissing) f = FLAG_MISSING | FLAG_ERROR;
    flags.push(f);
    if (last >= 0) next[last] = i; else if (parent >= 0) first[parent] = i;
    if (!typeLeaf[typeId] && c.gotoFirstChild()) { stack.push(i); last = -1; continue; }
    last = i;
    // leave finished subtrees: next sibling, or up and on
    for (;;) {
      if (stack.length === 0) {
        // "contains an error" from the leaves up (children come after their parent)
        for (let k = flags.length - 1; k > 0; k--) if (flags[k] & FLAG_ERROR) flags[parents[k]] |= FLAG_ERROR;
        return new LiteTree(source, { type, start, end, field, parent: parents, first, next, flags }, 0).node(0);
      }
      if (c.gotoNextSibling()) break;
      c.gotoParent();
      last = stack.pop()!;
    }
  }
}

function learnType(typeId: number, name: string, named: boolean): void {
  typeNames[typeId] = name;
  typeNamed[typeId] = named;
  typeLeaf[typeId] = typeId !== 0xffff && (!named || LEAF_TYPES.has(name));
}
function learnField(fid: number, name: string): void {
  fieldNames[fid] = name;
  fieldIds.set(name, fid);
}

/** The root node of a whole file's tree as the native reader returns it (parse/native.ts). */
export function liteRoot(source: string, arrays: LiteArrays): LiteNode {
  return new LiteTree(source, arrays, 0).node(0);
}

/**
 * Learn the grammar's symbol and field names by id (the native reader reports
 * them all at once, where liteTree() learns them from the cursor); returns the
 * leaf mask by symbol id: the types whose children the reader must not read,
 * as liteTree() does not.
 */
export function learnGrammar(g: { names: readonly string[]; named: readonly boolean[]; fields: readonly (string | undefined)[] }): Uint8Array {
  for (let id = 0; id < g.names.length; id++) if (typeNames[id] === undefined) learnType(id, g.names[id], g.named[id]);
  if (typeNames[0xffff] === undefined) learnType(0xffff, 'ERROR', true);
  for (let id = 1; id < g.fields.length; id++) if (g.fields[id] !== undefined && fieldNames[id] === undefined) learnField(id, g.fields[id]!);
  const mask = new Uint8Array(g.names.length);
  for (let id = 0; id < mask.length; id++) mask[id] = typeLeaf[id] ? 1 : 0;
  return mask;
}
