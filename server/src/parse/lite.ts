// A plain-JavaScript copy of one tree-sitter subtree (a function definition),
// read with a single TreeCursor walk.
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

/** The arrays behind the nodes of one subtree; index 0 is the subtree's root. */
class LiteTree {
  readonly type: number[] = [];
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly field: number[] = [];
  readonly parent: number[] = [];
  readonly missing: Set<number> = new Set();
  /** first child / next sibling, -1 for none */
  readonly first: number[] = [];
  readonly next: number[] = [];
  /** the subtree under the node contains an ERROR or MISSING node */
  readonly error: boolean[] = [];
  readonly nodes: (LiteNode | undefined)[] = [];
  constructor(readonly source: string) {}

  node(i: number): LiteNode {
    return this.nodes[i] ?? (this.nodes[i] = new LiteNode(this, i));
  }
}

export class LiteNode implements CNode {
  private kids?: LiteNode[];
  private named?: LiteNode[];
  constructor(private readonly t: LiteTree, private readonly i: number) {}

  get type(): string { return typeNames[this.t.type[this.i]]; }
  get text(): string { return this.t.source.slice(this.t.start[this.i], this.t.end[this.i]); }
  get startIndex(): number { return this.t.start[this.i]; }
  get endIndex(): number { return this.t.end[this.i]; }
  get isMissing(): boolean { return this.t.missing.has(this.i); }
  get hasError(): boolean { return this.t.error[this.i]; }
  get isNamed(): boolean { return typeNamed[this.t.type[this.i]]; }

  get children(): readonly LiteNode[] {
    if (!this.kids) {
      const out: LiteNode[] = [];
      for (let c = this.t.first[this.i]; c >= 0; c = this.t.next[c]) out.push(this.t.node(c));
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
    const p = this.t.parent[this.i];
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
    for (let c = this.t.first[this.i]; c >= 0; c = this.t.next[c]) if (this.t.field[c] === id) return this.t.node(c);
    return null;
  }
}

/**
 * Copy the subtree under `node` (usually a function_definition). `source` is
 * the text tree-sitter parsed (the normalised text), which node texts come from.
 */
export function liteTree(node: SyntaxNode, source: string): LiteNode {
  const t = new LiteTree(source);
  const c = node.walk();
  const stack: number[] = [];
  let last = -1; // the previous sibling of the node being entered, -1 at a first child
  for (;;) {
    const i = t.type.length;
    const typeId = c.nodeTypeId;
    if (typeNames[typeId] === undefined) {
      const name = c.nodeType;
      typeNames[typeId] = name;
      typeNamed[typeId] = c.nodeIsNamed;
      typeLeaf[typeId] = typeId !== 0xffff && (!typeNamed[typeId] || LEAF_TYPES.has(name));
    }
    const fid = c.currentFieldId;
    if (fid && fieldNames[fid] === undefined) {
      const name = c.currentFieldName;
      fieldNames[fid] = name;
      fieldIds.set(name, fid);
    }
    const start = c.startIndex;
    const end = c.endIndex;
    t.type.push(typeId); t.start.push(start); t.end.push(end); t.field.push(fid || 0);
    const parent = stack.length ? stack[stack.length - 1] : -1;
    t.parent.push(parent); t.first.push(-1); t.next.push(-1);
    let err = typeId === 0xffff || typeNames[typeId] === 'ERROR';
    if (start === end && c.nodeIsMissing) { t.missing.add(i); err = true; }
    t.error.push(err);
    if (last >= 0) t.next[last] = i; else if (parent >= 0) t.first[parent] = i;
    if (!typeLeaf[typeId] && c.gotoFirstChild()) { stack.push(i); last = -1; continue; }
    last = i;
    // leave finished subtrees: next sibling, or up and on
    for (;;) {
      if (stack.length === 0) return finish(t);
      if (c.gotoNextSibling()) break;
      c.gotoParent();
      last = stack.pop()!;
    }
  }
}

/** Propagate "contains an error" from the leaves up (children come after their parent). */
function finish(t: LiteTree): LiteNode {
  for (let i = t.type.length - 1; i > 0; i--) if (t.error[i]) t.error[t.parent[i]] = true;
  return t.node(0);
}
