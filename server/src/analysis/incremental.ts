// Incremental analysis for the editor: re-parse an edited file with
// tree-sitter's incremental parser, rebuild the IR of the top-level items
// around the edit only (the others kept, or moved by whole lines), then
// re-analyse only the functions whose IR changed and the callers whose callee
// summaries changed. A function that only moved has its previous product
// relocated; everything else reuses the previous run's summary, findings,
// events and (for hovers) records. Per edit, the work is proportional to the
// edit and to the number of functions that moved, not to the file.
//
// Exactness: a function's IR is kept only when its original text, its
// normalised text and the normaliser's macro/annotation facts inside it are
// identical and it parsed without error; a kept function that moved is copied
// with its lines shifted. A function's analysis product is kept only when
// everything the dataflow reads is unchanged: the function IR (same object,
// so same text and position), the global lock table and class keys, the
// answers to the struct-field lookups it made, whether it runs as a fault
// handler, its recursion, and the content of every callee summary it can look
// up. A function whose text is unchanged but which moved, or whose callees'
// summaries only moved, is relocated: every position shifted, renamed
// instances renumbered, callee objects swapped (relocateProduct, relocate);
// tests check the result against the product of its relocated records and
// against analysing from scratch.
import { cParser, LineIndex, ParsedFile, SyntaxNode, Tree, TreeEdit } from '../parse/parser';
import { MAX_NORMALIZE_NESTING, normalizeKernelC, Normalized } from '../parse/normalize';
import { buildFileIR, BuildHooks, irOf, ItemFacts } from './fileir';
import { nativeParse, nativeStatus } from '../parse/native';
import type { CNode } from '../parse/lite';
import type { Annotation, FileIR, FunctionIR, IRNode, Pos } from './ir';
import { commonPrefix, commonSuffix, deepening, maxNesting, nestedText, normalizeWindowAt, sameFacts } from './normwindow';


// ------------------------------------------------------------ file IR

export interface IncrementalStats {
  /** files rebuilt from scratch / incrementally */
  full: number;
  incremental: number;
  /** incremental builds that re-normalised only the edited top-level item / the whole file */
  windowed: number;
  wholeNormalized: number;
  /** incremental builds that rebuilt only the top-level items around the edit (the others kept or moved) */
  spliced: number;
  /** of those, builds that re-parsed only the edited function (regional()), not the whole file */
  regional: number;
  /** of those, re-parses of the function the previous build re-parsed, from its tree (a run of edits in one function) */
  regionalFromTree: number;
  /** top-level items the other spliced builds took from the new tree (the region around the edit) */
  regionItems: number;
  /** functions kept (unchanged, or shifted) / rebuilt in incremental builds */
  kept: number;
  shifted: number;
  rebuilt: number;
}

const contentTokens = new WeakMap<FunctionIR, object>();

interface FileState {
  text: string;
  parsed: ParsedFile;
  ir: FileIR;
  /** its top-level items, in order, with what each contributed to the IR */
  tops: Top[];
  /** an upper bound of the text's bracket nesting (the whole-file normaliser gives up beyond MAX_NORMALIZE_NESTING) */
  depthBound: number;
  /** the normalised text's brackets are properly nested (nestedText): a condition of windowed normalisation */
  nested: boolean;
  /**
   * parsed.tree is the last whole-file parse with every later edit applied
   * (Tree.edit) but not re-parsed: regional() re-parsed only the edited
   * functions. Its top-level items and container groups, and the extents of
   * those functions, are what a re-parse gives (regional() checks that);
   * what is inside them is not. parsedOf() re-parses it when a whole tree is
   * wanted.
   */
  stale?: boolean;
  /**
   * While stale: the extents (in this version's normalised text) of the
   * functions regional() re-parsed since the tree was last re-parsed. A
   * whole-file re-parse of the stale tree reports them as changed; their IR
   * is already this version's, so those ranges do not widen the splice.
   */
  staleFns?: { start: number; end: number }[];
  /** the tree regional() parsed the function at [start, end) of this version from (the next edit there re-parses it incrementally) */
  fnTree?: { tree: Tree; start: number; end: number };
}

export function contentOf(fn: FunctionIR): object {
  const m = movedOf(fn);
  if (m) return m.token;
  let t = contentTokens.get(fn);
  if (!t) { t = {}; contentTokens.set(fn, t); }
  return t;
}

/** A memo over functions' content (see contentOf). */
export function memoByContent<V>(memo: WeakMap<object, V>, fn: FunctionIR, compute: (fn: FunctionIR) => V): V {
  const t = contentOf(fn);
  let v = memo.get(t);
  if (v === undefined) { v = compute(fn); memo.set(t, v); }
  return v;
}

/**
 * What a line-shifted copy of a function carries under MOVED: the content
 * token of the function it copies (contentOf), and until its `nodes` are
 * first read, the materialised nodes they are a copy of and by how many
 * lines. (A property, not WeakMaps keyed by the copy: a WeakMap entry for
 * each function moved by each edit cost twice as much as the copy itself.)
 */
interface MovedInfo { token: object; base: IRNode[] | undefined; d: number }
/** Non-enumerable: JSON, Object.keys, spreads, structured clones and deepStrictEqual do not see it. */
const MOVED = Symbol('lockorder.moved');
const movedOf = (fn: object): MovedInfo | undefined => (fn as { [MOVED]?: MovedInfo })[MOVED];

function nodesGetter(this: FunctionIR): IRNode[] {
  const m = movedOf(this);
  const nodes = m?.base ? shiftLines(m.base, m.d) : [];
  if (m) m.base = undefined;
  Object.defineProperty(this, 'nodes', { value: nodes, writable: true, enumerable: true, configurable: true });
  return nodes;
}
function nodesSetter(this: FunctionIR, v: IRNode[]): void {
  const m = movedOf(this);
  if (m) m.base = undefined;
  Object.defineProperty(this, 'nodes', { value: v, writable: true, enumerable: true, configurable: true });
}

/** The `nodes` of a line-shifted copy until first read (one descriptor for all: the copies share a hidden class). */
const LAZY_NODES: PropertyDescriptor = { get: nodesGetter, set: nodesSetter, enumerable: true, configurable: true };

/**
 * `fn` moved by `d` lines, with `annotations` (as built): every position
 * shifted. The CFG nodes (the bulk of a function) are shifted when first
 * read: a function that only moved is usually not read again (its analysis
 * product is relocated, its callees are memoised by content), so most copies
 * never pay for it. Property order, and so JSON, is that of a plain copy.
 */
export function shiftFunction(fn: FunctionIR, annotations: Annotation[], d: number): FunctionIR {
  const m = movedOf(fn);
  const pending: MovedInfo = m?.base ? { token: m.token, base: m.base, d: m.d + d } : { token: contentOf(fn), base: fn.nodes, d };
  let moved: FunctionIR;
  if (memoByContent(layouts, fn, layoutOf)) {
    // the usual layout (cfg.ts builds every function with these keys, in this order), without the walk; `nodes`
    // defined with the one shared descriptor between the other keys (an object literal with `get nodes()` is a
    // dictionary in V8, and every later read of it slow; this keeps the copies fast and of one hidden class)
    const o = {
      name: fn.name, pos: movePos(fn.pos, d), namePos: movePos(fn.namePos, d), bodyPos: movePos(fn.bodyPos, d), isStatic: fn.isStatic,
      params: fn.params, locals: fn.locals, aliases: fn.aliases, annotations: annotations.length ? shiftLines(annotations, d) : annotations,
    } as FunctionIR;
    Object.defineProperty(o, 'nodes', LAZY_NODES);
    o.entry = fn.entry;
    o.exit = fn.exit;
    o.errors = fn.errors;
    o.hash = fn.hash;
    moved = o;
  } else {
    const out = {} as Record<string, unknown>;
    const src = fn as unknown as Record<string, unknown>;
    for (const k of Object.keys(fn)) {
      if (k === 'nodes') {
        Object.defineProperty(out, 'nodes', LAZY_NODES);
        continue;
      }
      const x = k === 'annotations' ? annotations : src[k];
      out[k] = x !== null && typeof x === 'object' ? shiftLines(x, d) : x;
    }
    moved = out as unknown as FunctionIR;
  }
  Object.defineProperty(moved, MOVED, { value: pending, writable: true, configurable: true });
  return moved;
}

/** The keys of a FunctionIR as cfg.ts builds it; params, locals and aliases hold no position. */
const USUAL_LAYOUT = 'name,pos,namePos,bodyPos,isStatic,params,locals,aliases,annotations,nodes,entry,exit,errors,hash';
/** The keys of a position as cfg.ts builds it (what movePos() copies). */
const POS_LAYOUT = 'line,col,endLine,endCol';
const layouts = new WeakMap<object, boolean>();
function layoutOf(fn: FunctionIR): boolean {
  if (Object.keys(fn).join(',') !== USUAL_LAYOUT) return false;
  if ([fn.pos, fn.namePos, fn.bodyPos].some((p) => Object.keys(p).join(',') !== POS_LAYOUT)) return false;
  // what is shared must hold no position
  return shiftLines(fn.params, 1) === fn.params && shiftLines(fn.locals, 1) === fn.locals && shiftLines(fn.aliases, 1) === fn.aliases;
}

/** A position of the usual layout (POS_LAYOUT) moved by `d` lines: shiftLines() for it, without the walk. */
function movePos(p: Pos, d: number): Pos {
  return { line: p.line + d, col: p.col, endLine: p.endLine + d, endCol: p.endCol };
}

/**
 * `v` with every position (`{line, col, endLine, endCol}`) moved by `d`
 * lines: the objects and arrays on the way to a position are copied, every
 * part without one is shared (IR is never modified in place).
 */
export function shiftLines<T>(v: T, d: number): T {
  if (d === 0 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const y = x !== null && typeof x === 'object' ? shiftLines(x, d) : x;
      if (y !== x && !out) out = v.slice(0, i);
      if (out) out.push(y);
    }
    return (out ?? v) as unknown as T;
  }
  const o = v as Record<string, unknown>;
  const isPos = typeof o.line === 'number' && typeof o.endLine === 'number' && typeof o.col === 'number';
  let out: Record<string, unknown> | undefined;
  for (const k in o) {
    const x = o[k];
    const y = x !== null && typeof x === 'object' ? shiftLines(x, d) : x;
    if (!out && (y !== x || isPos)) {
      out = {};
      for (const j in o) { if (j === k) break; out[j] = o[j]; }
    }
    if (out) out[k] = y;
  }
  if (!out) return v;
  if (isPos) {
    out.line = (o.line as number) + d;
    out.endLine = (o.endLine as number) + d;
  }
  return out as T;
}

/**
 * Builds FileIR, incrementally for files it has seen recently: the last
 * `capacity` files keep their tree-sitter tree and texts (memory is bounded;
 * a file edited after falling out is parsed from scratch once).
 */
export class IncrementalFiles {
  private readonly lru = new Map<string, FileState>();
  readonly stats: IncrementalStats = { full: 0, incremental: 0, windowed: 0, wholeNormalized: 0, spliced: 0, regional: 0, regionalFromTree: 0, regionItems: 0, kept: 0, shifted: 0, rebuilt: 0 };

  /**
   * `native`: regional() re-parses a function with the native tree reader
   * (parse/native.ts) when it is built, else with node-tree-sitter from the
   * function's tree of the previous edit.
   */
  constructor(private readonly capacity = 8, private readonly native = nativeStatus().active) {}

  has(path: string): boolean { return this.lru.has(path); }
  forget(path: string): void { this.lru.delete(path); }
  /** The parse of the last build of `path`, with its whole tree up to date (tests compare against a full visit of the same tree). */
  parsedOf(path: string): ParsedFile | undefined {
    const st = this.lru.get(path);
    if (st?.stale) {
      // the edits regional() applied to the tree: one incremental re-parse of the functions they were in
      st.parsed = { ...st.parsed, tree: reparse(st.parsed.normalized.text, st.parsed.tree) };
      st.stale = false;
    }
    return st?.parsed;
  }

  /** The IR of `text` for `path`; incremental when the previous version is remembered. */
  build(path: string, text: string): FileIR {
    const prev = this.lru.get(path);
    if (prev && prev.text === text) { this.touch(path, prev); return prev.ir; }
    if (!prev) {
      this.stats.full++;
      const items: ItemRecord[] = [];
      const errs = new Map<number, boolean>();
      const { ir, parsed } = buildFileIR(path, text, { builtItem: recorder(items), reuseFunction: (node) => { errs.set(node.startIndex, node.hasError); return undefined; } });
      this.remember(path, { text, parsed, ir, tops: topsOf(parsed.tree.rootNode.namedChildren, ir.functions, items, parsed.lines, errs), depthBound: maxNesting(text), nested: nestedText(parsed.normalized.text) });
      return ir;
    }
    this.stats.incremental++;
    // the edit on the original texts, and a bound of the new nesting depth (exact when the bound gets near the limit)
    const pO = commonPrefix(prev.text, text);
    const sO = commonSuffix(prev.text, text, Math.min(prev.text.length, text.length) - pO);
    let depthBound = prev.depthBound + deepening(text.slice(pO, text.length - sO), prev.text.slice(pO, prev.text.length - sO));
    if (depthBound >= MAX_NORMALIZE_NESTING - 64) depthBound = maxNesting(text);
    const win = depthBound <= MAX_NORMALIZE_NESTING && prev.depthBound <= MAX_NORMALIZE_NESTING
      ? normalizeWindowAt(prev.text, prev.parsed, text, prev.nested, { start: pO, oldEnd: prev.text.length - sO }) : undefined;
    let norm: Normalized;
    let nested = true;
    if (win) { this.stats.windowed++; norm = win.norm; } else { this.stats.wholeNormalized++; norm = normalizeKernelC(text); nested = nestedText(norm.text); }
    const a = prev.parsed.normalized.text;
    const b = norm.text;
    // the edit, as one replaced range: common prefix and suffix of both the original and the normalised texts
    // (a windowed normalisation leaves the normalised text outside its window as it was)
    const p = Math.min(pO, commonPrefix(a, b, win ? Math.min(win.start, pO) : 0));
    const maxSuffix = Math.min(a.length, b.length, prev.text.length, text.length) - p;
    const s = Math.min(sO, maxSuffix, commonSuffix(a, b, maxSuffix, win ? Math.min(a.length - win.end, sO, maxSuffix) : 0));
    const oldEnd = a.length - s;
    const newEnd = b.length - s;
    const oldLines = prev.parsed.lines;
    const newLines = oldLines.edited(text, p, oldEnd, newEnd);
    const delta = newEnd - oldEnd;
    const lineDelta = newLines.lineCount - oldLines.lineCount;
    const edit = {
      startIndex: p, oldEndIndex: oldEnd, newEndIndex: newEnd,
      startPosition: oldLines.point(p), oldEndPosition: oldLines.point(oldEnd), newEndPosition: newLines.point(newEnd),
    };
    let tree = prev.parsed.tree;
    // an edit inside one function: re-parse that function only
    if (win) {
      const r = this.regional(path, prev, { text, normalized: norm, lines: newLines }, edit, {
        p, oldEnd, delta, lineDelta, lo: Math.min(p, win.start), hi: Math.max(oldEnd, win.end),
      });
      if (r) {
        tree.edit(edit);
        this.stats.spliced++;
        this.stats.regional++;
        // the functions re-parsed on their own so far, moved by this edit, and this one
        const f = r.span;
        const staleFns = afterEdit((prev.stale ? prev.staleFns ?? [] : []).filter((x) => x.start !== f.start), oldEnd, delta);
        staleFns.push({ start: f.start, end: f.end });
        this.remember(path, { text, parsed: { text, normalized: norm, tree, lines: newLines }, ir: r.ir, tops: r.tops, depthBound, nested, stale: true, staleFns, fnTree: r.fnTree });
        return r.ir;
      }
    }
    // a stale tree is re-parsed together with this edit: the changed ranges inside the functions regional()
    // re-parsed on their own are not this edit's (their IR is current), and are left out below
    const staleFns = prev.stale ? afterEdit((prev.staleFns ?? []).filter((x) => x.end <= p || x.start >= oldEnd), oldEnd, delta) : [];
    tree.edit(edit);
    const newTree = reparse(b, tree);
    const parsed: ParsedFile = { text, normalized: norm, tree: newTree, lines: newLines };
    /** Where an unchanged node [st, en) of the new text was in the old one, and how many lines it moved; undefined if changed. */
    const unchanged = (st: number, en: number): { oldSt: number; d: number; col: number } | undefined => {
      let oldSt: number;
      if (en <= p) oldSt = st;
      else if (st >= newEnd) oldSt = st - delta;
      else return undefined;
      // the texts outside [p, newEnd) are equal by construction; the normaliser's facts may not be
      const oldEn = oldSt + (en - st);
      if (!sameFacts(prev.parsed.normalized, oldSt, oldEn, norm, st, en)) return undefined;
      const was = oldLines.position(oldSt);
      const now = newLines.position(st);
      if (was.col !== now.col) return undefined;
      return { oldSt, d: now.line - was.line, col: now.col };
    };
    /** the functions and declarations of the previous version, by start offset (only those of `tops`) */
    const oldFns = new Map<number, TopFn>();
    const oldItems = new Map<number, ItemRecord>();
    const index = (tops: readonly Top[]): void => {
      for (const t of tops) {
        for (const f of t.fns) oldFns.set(f.start, f);
        for (const i of t.items) oldItems.set(i.start, i);
      }
    };
    // tree-sitter may recover from a syntax error differently with the same text around it: only
    // error-free functions and declarations are reused (an unchanged error-free text parses alike)
    const errs = new Map<number, boolean>();
    const reuseFunction = (node: SyntaxNode): FunctionIR | undefined => {
      const st = node.startIndex;
      const en = node.endIndex;
      const err = node.hasError;
      errs.set(st, err);
      const u = err ? undefined : unchanged(st, en);
      const old = u && oldFns.get(u.oldSt);
      if (!u || !old || old.err || old.end !== u.oldSt + (en - st) || old.fn.pos.col !== u.col) {
        this.stats.rebuilt++;
        return undefined;
      }
      if (u.d === 0) {
        this.stats.kept++;
        old.fn.annotations = old.annotations;
        return old.fn;
      }
      this.stats.shifted++;
      return shiftFunction(old.fn, old.annotations, u.d);
    };
    const items: ItemRecord[] = [];
    const reuseItem = (node: SyntaxNode): ItemFacts | undefined => {
      const st = node.startIndex;
      const en = node.endIndex;
      const u = unchanged(st, en);
      const old = u && oldItems.get(u.oldSt);
      if (!u || !old || old.err || old.end !== u.oldSt + (en - st) || node.hasError) return undefined;
      const facts = u.d === 0 ? old.facts : shiftLines(old.facts, u.d);
      items.push({ start: st, end: en, facts, err: false });
      return facts;
    };
    const hooks = { reuseFunction, reuseItem, builtItem: recorder(items) };
    // a windowed normalisation changed the normaliser's facts only inside its window: rebuild the
    // top-level items around the edit and splice them between the unchanged ones (moved by whole lines)
    if (win) {
      const r = this.splice(path, prev, parsed, hooks, items, errs, index, {
        p, oldEnd, newEnd, delta, lo: Math.min(p, win.start), hi: Math.max(newEnd, win.end + delta),
        changed: tree.getChangedRanges(newTree).filter((r) => !staleFns.some((x) => x.start <= r.startIndex && r.endIndex <= x.end)), lineDelta,
      });
      if (r) {
        this.stats.spliced++;
        this.remember(path, { text, parsed, ir: r.ir, tops: r.tops, depthBound, nested });
        return r.ir;
      }
      items.length = 0;
    }
    index(prev.tops);
    const { ir } = buildFileIR(path, text, { parsed, ...hooks });
    this.remember(path, { text, parsed, ir, tops: topsOf(newTree.rootNode.namedChildren, ir.functions, items, newLines, errs), depthBound, nested });
    return ir;
  }

  /**
   * The IR of the new version from the previous one's top-level items: those
   * before the edited region kept, those after it moved by `lineDelta` lines,
   * those in it rebuilt from the new tree (reusing unchanged functions and
   * declarations there). The region covers the edit, the re-normalised
   * window and every range tree-sitter reports as changed, and grows until
   * the new tree's items around it are the kept ones. Undefined if it cannot
   * be delimited (the caller then visits the whole tree).
   */
  private splice(path: string, prev: FileState, parsed: ParsedFile, hooks: BuildHooks, items: ItemRecord[], errs: ReadonlyMap<number, boolean>, index: (tops: readonly Top[]) => void,
    e: { p: number; oldEnd: number; newEnd: number; delta: number; lo: number; hi: number; changed: readonly { startIndex: number; endIndex: number }[]; lineDelta: number }):
    { ir: FileIR; tops: Top[] } | undefined {
    const root = parsed.tree.rootNode;
    const tops = prev.tops;
    let lo = e.lo;
    let hi = e.hi;
    for (const r of e.changed) { lo = Math.min(lo, r.startIndex); hi = Math.max(hi, r.endIndex); }
    // the old items' lines at the end of the edit: an item starting there may change its column
    const oldEndLine = prev.parsed.lines.lineOf(e.oldEnd);
    const same = (n: SyntaxNode, t: Top, shift: number): boolean => n.startIndex === t.start + shift && n.endIndex === t.end + shift && n.type === t.type;
    for (let round = 0; round < 32; round++) {
      // the new tree's top-level items touching [lo, hi]
      const nodes: SyntaxNode[] = [];
      let c: SyntaxNode | null = root.firstNamedChildForIndex(Math.max(0, lo - 1));
      if (c && c.previousNamedSibling && c.previousNamedSibling.endIndex >= lo) c = c.previousNamedSibling;
      const after = c;
      while (c && c.startIndex <= hi) {
        if (c.endIndex >= lo) nodes.push(c);
        c = c.nextNamedSibling;
      }
      if (nodes.length === 0) {
        // nothing there (blank lines between items): take in the next item, else the previous one
        if (after) { hi = Math.max(hi, after.endIndex); continue; }
        const last = root.lastNamedChild;
        if (!last || last.startIndex >= lo) return undefined;
        lo = Math.min(lo, last.startIndex);
        continue;
      }
      const A = Math.min(lo, nodes[0].startIndex);
      const B = Math.max(hi, nodes[nodes.length - 1].endIndex);
      // kept before: old items ending by A (A <= p: same offsets); kept after: starting past the edit and B
      let kb = 0;
      while (kb < tops.length && tops[kb].end <= A) kb++;
      let ka = kb;
      while (ka < tops.length && !(tops[ka].start >= e.oldEnd && tops[ka].start + e.delta >= B)) ka++;
      if (ka < tops.length && tops[ka].line <= oldEndLine) { hi = Math.max(hi, tops[ka].end + e.delta); continue; }
      const prevNode = nodes[0].previousNamedSibling;
      const before = kb > 0 ? tops[kb - 1] : undefined;
      if (prevNode ? !before || !same(prevNode, before, 0) : before) { lo = Math.min(lo, prevNode ? prevNode.startIndex : before!.start); continue; }
      const nextNode = nodes[nodes.length - 1].nextNamedSibling;
      const next = ka < tops.length ? tops[ka] : undefined;
      if (nextNode ? !next || !same(nextNode, next, e.delta) : next) { hi = Math.max(hi, nextNode ? nextNode.endIndex : next!.end + e.delta); continue; }
      // rebuild the region's items
      this.stats.regionItems += nodes.length;
      index(tops.slice(kb, ka));
      const region = { ...parsed, tree: { rootNode: { namedChildren: nodes } } as unknown as Tree };
      const { ir: sub } = buildFileIR(path, parsed.text, { ...hooks, parsed: region });
      if (sub.notC) return undefined;
      const mid = topsOf(nodes, sub.functions, items, parsed.lines, errs);
      const out: Top[] = [];
      for (let i = 0; i < kb; i++) out.push(keep(tops[i]));
      out.push(...mid);
      for (let i = ka; i < tops.length; i++) out.push(move(tops[i], e.delta, e.lineDelta));
      this.tally(tops.slice(0, kb), tops.slice(ka), e.lineDelta);
      return { ir: assemble(sub, out), tops: out };
    }
    return undefined;
  }

  /**
   * The IR of the new version when the edit lies inside one function
   * definition (at file scope or in #if groups) and only that function's
   * text, re-parsed on its own (tree-sitter's included ranges), gives one
   * error-free function_definition over the same extent: what a whole-file
   * re-parse gives there, since the parser is at the start of a file-scope
   * item in both and no rule continues a function definition past its `}`;
   * every other node keeps its extent. The old tree is only edited, not
   * re-parsed (FileState.stale). Undefined when the edit is not of that kind.
   * `e.lo`/`e.hi`: the edit and the re-normalised window, in the previous text.
   */
  private regional(path: string, prev: FileState, now: Omit<ParsedFile, 'tree'>, edit: TreeEdit,
    e: { p: number; oldEnd: number; delta: number; lineDelta: number; lo: number; hi: number }): { ir: FileIR; tops: Top[]; fnTree: FileState['fnTree']; span: { start: number; end: number } } | undefined {
    // the function holding the edit and the re-normalised window in the previous version, through #if groups (not ERROR nodes)
    let parent: SyntaxNode = prev.parsed.tree.rootNode;
    let fnNode: SyntaxNode | undefined;
    for (let depth = 0; depth < 16 && !fnNode; depth++) {
      const c = parent.firstNamedChildForIndex(e.lo);
      if (!c || c.startIndex > e.lo || c.endIndex < e.hi) return undefined;
      if (c.type === 'function_definition') fnNode = c;
      else if (PREPROC_GROUPS.has(c.type)) parent = c;
      else return undefined;
    }
    if (!fnNode) return undefined;
    const st = fnNode.startIndex;
    const en = fnNode.endIndex + e.delta;
    // its first and last characters are not edited: the text around it lexes as before
    if (!(st < e.p && e.oldEnd < fnNode.endIndex)) return undefined;
    // the file-scope item holding it, and the function in it, as the previous version recorded them
    const tops = prev.tops;
    let ti = 0;
    let hiT = tops.length - 1;
    while (ti < hiT) {
      const mid = (ti + hiT + 1) >> 1;
      if (tops[mid].start <= st) ti = mid; else hiT = mid - 1;
    }
    const top = tops[ti];
    const fi = top ? top.fns.findIndex((f) => f.start === st) : -1;
    if (fi < 0 || top.fns[fi].end !== fnNode.endIndex || top.end < fnNode.endIndex) return undefined;
    // the previous edit's tree of this function: re-parsed incrementally (tree-sitter re-reads the edit only);
    // else parsed whole, which for a very long function costs more than re-parsing the file incrementally
    const text = now.normalized.text;
    let fnTree: FileState['fnTree'];
    let reuse: Tree | undefined;
    let root: CNode | undefined;
    if (this.native) {
      // the native reader parses the function from scratch and reads it in C: cheaper than an incremental
      // re-parse of it whose tree is then read through node-tree-sitter's cursor
      if (en - st > REGIONAL_MAX_FRESH) return undefined;
      root = nativeParse(text, { start: st, end: en });
    } else {
      reuse = prev.fnTree && prev.fnTree.start === st && prev.fnTree.end === fnNode.endIndex ? prev.fnTree.tree : undefined;
      if (!reuse && en - st > REGIONAL_MAX_FRESH) return undefined;
      reuse?.edit(edit);
      const tree = cParser().parse(text, reuse, {
        includedRanges: [{ startIndex: st, endIndex: en, startPosition: now.lines.point(st), endPosition: now.lines.point(en) }],
        bufferSize: Math.max(1024, en - st + 64),
      });
      root = tree.rootNode;
      fnTree = { tree, start: st, end: en };
    }
    const kids = root?.namedChildren;
    const fnNew = kids?.length === 1 ? kids[0] : undefined;
    if (!root || !fnNew || root.hasError || fnNew.type !== 'function_definition' || fnNew.startIndex !== st || fnNew.endIndex !== en) return undefined;
    const sub = irOf(path, now.text, now, { namedChildren: [fnNew] } as unknown as CNode);
    if (sub.notC || sub.functions.length !== 1) return undefined;
    const fn = sub.functions[0];
    this.stats.rebuilt++;
    if (reuse) this.stats.regionalFromTree++;
    const d = e.lineDelta;
    const out: Top[] = [];
    for (let i = 0; i < ti; i++) out.push(keep(tops[i]));
    out.push({
      start: top.start, end: top.end + e.delta, type: top.type, line: top.line,
      fns: top.fns.map((f, i) => (i < fi ? keepFn(f) : i === fi ? { fn, annotations: fn.annotations, start: st, end: en, err: false } : moveFn(f, e.delta, d))),
      items: top.items.map((it) => (it.start < st ? it : moveItem(it, e.delta, d))),
    });
    for (let i = ti + 1; i < tops.length; i++) out.push(move(tops[i], e.delta, d));
    this.tally(tops.slice(0, ti), tops.slice(ti + 1), d, fi, top.fns.length - fi - 1);
    return { ir: assemble(sub, out), tops: out, fnTree, span: { start: st, end: en } };
  }

  /** Count the functions kept before the edit and those kept or shifted (by `d` lines) after it. */
  private tally(before: readonly Top[], after: readonly Top[], d: number, fnsBefore = 0, fnsAfter = 0): void {
    for (const t of before) fnsBefore += t.fns.length;
    for (const t of after) fnsAfter += t.fns.length;
    this.stats.kept += fnsBefore;
    this.stats[d === 0 ? 'kept' : 'shifted'] += fnsAfter;
  }

  private touch(path: string, st: FileState): void {
    this.lru.delete(path);
    this.lru.set(path, st);
  }

  private remember(path: string, st: FileState): void {
    this.lru.delete(path);
    this.lru.set(path, st);
    while (this.lru.size > this.capacity) this.lru.delete(this.lru.keys().next().value as string);
  }
}

/** A file-scope declaration's facts, by its node's offsets. */
interface ItemRecord { start: number; end: number; facts: ItemFacts; /** its node held an ERROR or MISSING node */ err: boolean }
/** A function of a top-level item, with the annotations it was built with (analysis may replace them) and its offsets. */
interface TopFn { fn: FunctionIR; annotations: Annotation[]; start: number; end: number; err: boolean }

/** What one top-level item of a file (a child of its translation unit) contributes to the FileIR, in order. */
interface Top {
  start: number;
  end: number;
  type: string;
  /** 0-based line of its start */
  line: number;
  fns: TopFn[];
  /** file-scope declarations (itself, or inside it when it is a container) */
  items: ItemRecord[];
}

function recorder(items: ItemRecord[]): (node: SyntaxNode, facts: ItemFacts) => void {
  return (node, facts) => { items.push({ start: node.startIndex, end: node.endIndex, facts, err: node.hasError }); };
}

/** Top-level items from the nodes, with the functions and declarations built from them (both in document order). */
function topsOf(nodes: readonly SyntaxNode[], fns: readonly FunctionIR[], items: readonly ItemRecord[], lines: LineIndex, errs: ReadonlyMap<number, boolean>): Top[] {
  const out: Top[] = [];
  let f = 0;
  let i = 0;
  const sortedItems = [...items].sort((x, y) => x.start - y.start);
  for (const n of nodes) {
    const t: Top = { start: n.startIndex, end: n.endIndex, type: n.type, line: lines.lineOf(n.startIndex), fns: [], items: [] };
    for (; f < fns.length; f++) {
      const st = lines.offsetAt(fns[f].pos.line, fns[f].pos.col);
      if (st >= t.end) break;
      t.fns.push({ fn: fns[f], annotations: fns[f].annotations, start: st, end: lines.offsetAt(fns[f].pos.endLine, fns[f].pos.endCol), err: errs.get(st) ?? true });
    }
    for (; i < sortedItems.length && sortedItems[i].start < t.end; i++) t.items.push(sortedItems[i]);
    out.push(t);
  }
  return out;
}

/** Re-parse `text` from `old` (edited): small chunks, as tree-sitter reads little of the text when it reuses most of the old tree. */
function reparse(text: string, old: Tree): Tree {
  return cParser().parse(text, old, { bufferSize: 16 * 1024 });
}

/** Extents that do not overlap an edit ending at `oldEnd`, in the edited text (those after it `delta` characters further). */
function afterEdit(extents: readonly { start: number; end: number }[], oldEnd: number, delta: number): { start: number; end: number }[] {
  return extents.map((x) => (x.start >= oldEnd ? { start: x.start + delta, end: x.end + delta } : x));
}

/** The file's IR from its top-level items in order (the rest, directives and line count, from `sub`). */
function assemble(sub: FileIR, tops: readonly Top[]): FileIR {
  const ir: FileIR = { ...sub, functions: [], prototypes: [], structs: [], globals: [], ops: [], errorFunctions: 0 };
  for (const t of tops) {
    for (const f of t.fns) { ir.functions.push(f.fn); if (f.fn.errors > 0) ir.errorFunctions++; }
    for (const it of t.items) {
      ir.prototypes.push(...it.facts.prototypes);
      ir.structs.push(...it.facts.structs);
      ir.globals.push(...it.facts.globals);
      ir.ops.push(...it.facts.ops);
    }
  }
  return ir;
}

/**
 * The longest function text regional() parses without a tree of it from the
 * previous edit (characters): tree-sitter takes about 0.2 µs a character
 * from scratch, while re-parsing a whole file incrementally takes 1-3 ms.
 * The native reader parses every function from scratch, under the same
 * bound (no edit of 6.12 nfs4proc.c, ext4/inode.c or btrfs/inode.c in the
 * bench's scripts is in a longer function).
 */
const REGIONAL_MAX_FRESH = 8192;

/** Items that group file-scope items without brackets: a function in one is parsed as at file scope. */
const PREPROC_GROUPS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef']);

/** A function before the edit: as it was, with the annotations it was built with (analysis may replace them). */
function keepFn(f: TopFn): TopFn {
  f.fn.annotations = f.annotations;
  return f;
}

/** A function after the edit: `delta` characters and `d` lines further. */
function moveFn(f: TopFn, delta: number, d: number): TopFn {
  if (d === 0) { keepFn(f); return delta === 0 ? f : { ...f, start: f.start + delta, end: f.end + delta }; }
  const fn = shiftFunction(f.fn, f.annotations, d);
  return { fn, annotations: fn.annotations, start: f.start + delta, end: f.end + delta, err: f.err };
}

/** A file-scope declaration after the edit. */
function moveItem(i: ItemRecord, delta: number, d: number): ItemRecord {
  return { start: i.start + delta, end: i.end + delta, facts: d === 0 ? i.facts : shiftLines(i.facts, d), err: i.err };
}

/** A top-level item before the edit: as it was (its functions get back the annotations they were built with). */
function keep(t: Top): Top {
  for (const f of t.fns) keepFn(f);
  return t;
}

/** A top-level item after the edit: `delta` characters and `d` lines further. */
function move(t: Top, delta: number, d: number): Top {
  if (delta === 0 && d === 0) return keep(t);
  const fns = t.fns.map((f) => moveFn(f, delta, d));
  const items = t.items.map((i) => moveItem(i, delta, d));
  return { start: t.start + delta, end: t.end + delta, type: t.type, line: t.line + d, fns, items };
}

