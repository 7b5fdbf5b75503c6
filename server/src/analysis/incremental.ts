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
import { createHash } from 'crypto';
import { cParser, LineIndex, ParsedFile, SyntaxNode, Tree } from '../parse/parser';
import { MAX_NORMALIZE_NESTING, nestingExceeds, normalizeKernelC, Normalized } from '../parse/normalize';
import type { FnRecords } from './dataflow';
import type { State } from './state';
import type { Finding } from './diagnostic';
import type { FnEvents } from './events';
import { buildFileIR, BuildHooks, ItemFacts } from './fileir';
import type { Annotation, Cond, FileIR, FunctionIR, IRNode, Op } from './ir';
import type { Summary, SummaryLookup } from './summaryTypes';
import type { StructTable } from '../model/classes';

// ------------------------------------------------------------ file IR

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
}

/** Maximum bracket nesting, counted the way normalize.ts's guard counts it. */
function maxNesting(t: string): number {
  let d = 0;
  let max = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) { if (++d > max) max = d; } else if ((c === 41 || c === 93 || c === 125) && d > 0) d--;
  }
  return max;
}

/** Brackets that can deepen the nesting after an edit: openers inserted, closers deleted. */
function deepening(inserted: string, deleted: string): number {
  let n = 0;
  for (let i = 0; i < inserted.length; i++) { const c = inserted.charCodeAt(i); if (c === 40 || c === 91 || c === 123) n++; }
  for (let i = 0; i < deleted.length; i++) { const c = deleted.charCodeAt(i); if (c === 41 || c === 93 || c === 125) n++; }
  return n;
}

export interface IncrementalStats {
  /** files rebuilt from scratch / incrementally */
  full: number;
  incremental: number;
  /** incremental builds that re-normalised only the edited top-level item / the whole file */
  windowed: number;
  wholeNormalized: number;
  /** incremental builds that rebuilt only the top-level items around the edit (the others kept or moved) */
  spliced: number;
  /** functions kept (unchanged, or shifted) / rebuilt in incremental builds */
  kept: number;
  shifted: number;
  rebuilt: number;
}

function commonPrefix(a: string, b: string, known = 0): number {
  const n = Math.min(a.length, b.length);
  let i = Math.min(known, n);
  // compare in chunks first (string slices compare with memcmp), then by char
  let step = 4096;
  while (step >= 16) {
    while (i + step <= n && a.slice(i, i + step) === b.slice(i, i + step)) i += step;
    step >>= 2;
  }
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffix(a: string, b: string, max: number, known = 0): number {
  let i = Math.min(known, max);
  let step = 4096;
  while (step >= 16) {
    while (i + step <= max && a.slice(a.length - i - step, a.length - i) === b.slice(b.length - i - step, b.length - i)) i += step;
    step >>= 2;
  }
  while (i < max && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

/** First index in a list sorted by offset whose offset is >= off. */
function lowerBound(list: readonly { offset: number }[], off: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].offset < off) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Are the normaliser's facts (macro sites, context annotations) inside two ranges the same, relative to the range start? */
function sameFacts(a: Normalized, aStart: number, aEnd: number, b: Normalized, bStart: number, bEnd: number): boolean {
  const cmp = <T extends { offset: number }>(x: readonly T[], y: readonly T[]): boolean => {
    let i = lowerBound(x, aStart);
    let j = lowerBound(y, bStart);
    for (;;) {
      const xi = i < x.length && x[i].offset < aEnd ? x[i] : undefined;
      const yj = j < y.length && y[j].offset < bEnd ? y[j] : undefined;
      if (!xi || !yj) return !xi && !yj;
      if (xi.offset - aStart !== yj.offset - bStart || JSON.stringify({ ...xi, offset: 0 }) !== JSON.stringify({ ...yj, offset: 0 })) return false;
      i++;
      j++;
    }
  };
  return sorted(a.macros) && sorted(b.macros) && sorted(a.annotations) && sorted(b.annotations) &&
    cmp(a.macros, b.macros) && cmp(a.annotations, b.annotations);
}

const sortedMemo = new WeakMap<object, boolean>();
function sorted(list: readonly { offset: number }[]): boolean {
  let v = sortedMemo.get(list);
  if (v === undefined) {
    v = true;
    for (let i = 1; i < list.length; i++) if (list[i].offset < list[i - 1].offset) { v = false; break; }
    sortedMemo.set(list, v);
  }
  return v;
}

/**
 * Items of a translation unit the window may descend through (as fileir.ts's
 * visit does): preprocessor groups only, whose items sit at bracket depth 0
 * (not `extern "C" { ... }`, whose items the normaliser sees inside braces).
 */
const CONTAINERS = new Set(['translation_unit', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef']);

interface WindowScan {
  /** brackets properly nested (each closer matches its opener) and closed, ending outside any comment or literal */
  ok: boolean;
  /** holds preprocessor conditionals, and they form complete groups (every #if closed, no stray #else/#endif) */
  conditionals: boolean;
  closed: boolean;
  /** the last character outside comments and preprocessor lines */
  last: number;
}

/**
 * What the normaliser's scanner sees of a piece of C: whether its brackets
 * are self-contained, and its preprocessor conditionals.
 */
function scanWindow(t: string): WindowScan {
  const stack: number[] = [];
  const n = t.length;
  let lineStart = true;
  let conditionals = false;
  let depth = 0;
  let closed = true;
  let last = 0;
  const done = (ok: boolean): WindowScan => ({ ok: ok && stack.length === 0, conditionals, closed: closed && depth === 0, last });
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c === 10) { lineStart = true; continue; }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) continue;
    if (c === 47 && t.charCodeAt(i + 1) === 42) { const e = t.indexOf('*/', i + 2); if (e < 0) return done(false); i = e + 1; continue; }
    if (c === 47 && t.charCodeAt(i + 1) === 47) { const e = t.indexOf('\n', i); if (e < 0) return done(true); i = e - 1; continue; }
    if (c === 35 && lineStart) {
      // preprocessor line with continuations
      const m = /^#[ \t]*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b/.exec(t.slice(i, i + 16));
      if (m) {
        conditionals = true;
        if (m[1].startsWith('if')) depth++;
        else if (m[1] === 'endif') { if (--depth < 0) closed = false; } else if (depth <= 0) closed = false;
      }
      let j = i;
      for (;;) {
        const e = t.indexOf('\n', j);
        if (e < 0) return done(true);
        let k = e - 1;
        while (k > j && (t.charCodeAt(k) === 13 || t.charCodeAt(k) === 32 || t.charCodeAt(k) === 9)) k--;
        if (t.charCodeAt(k) === 92) { j = e + 1; continue; }
        i = e - 1;
        break;
      }
      continue;
    }
    lineStart = false;
    last = c;
    if (c === 34 || c === 39) {
      let j = i + 1;
      for (;;) {
        if (j >= n) return done(false);
        const d = t.charCodeAt(j);
        if (d === 92) { j += 2; continue; }
        if (d === c) break;
        if (d === 10) return done(false);
        j++;
      }
      i = j;
      last = c;
      continue;
    }
    if (c === 123) stack.push(125);
    else if (c === 40) stack.push(41);
    else if (c === 91) stack.push(93);
    else if (c === 125 || c === 41 || c === 93) { if (stack.pop() !== c) return done(false); }
  }
  return done(true);
}

/** The window normalizeWindow() re-normalised, in the old text: [start, end); `end + d` in the new one. */
export interface NormalizedWindow { norm: Normalized; start: number; end: number }

/**
 * Normalise only the edited top-level item(s): the old tree's item(s)
 * overlapping the edit, widened to whole lines, normalised on their own and
 * spliced into the previous normalised text. The normaliser's state at a
 * top-level item boundary is neutral, so the result is what normalising the
 * whole file gives, provided the item is self-contained before and after the
 * edit (brackets nested, no open comment or literal). Preprocessor
 * conditionals inside it are resolved group by group, from the group's own
 * tokens and the two after its #endif: the window may hold them when they
 * form complete groups and the window ends in `}` or `;` (so what follows
 * each #endif is inside it). Undefined when that cannot be guaranteed: the
 * caller then normalises the whole file.
 */
export function normalizeWindow(oldText: string, old: ParsedFile, text: string, edit?: { start: number; oldEnd: number }): Normalized | undefined {
  return normalizeWindowAt(oldText, old, text, nestedText(old.normalized.text), edit)?.norm;
}

/**
 * Are the brackets of a (normalised) text properly nested and closed? Then
 * the normaliser's bracket stack is empty at every top-level item, which
 * windowed normalisation relies on (an unclosed `{` earlier in the file puts
 * every later item inside a body as the normaliser sees it).
 */
export function nestedText(normalized: string): boolean {
  return scanWindow(normalized).ok;
}

function normalizeWindowAt(oldText: string, old: ParsedFile, text: string, nested: boolean, edit?: { start: number; oldEnd: number }): NormalizedWindow | undefined {
  if (!nested) return undefined;
  // the whole-file normaliser leaves pathologically nested files as written (the caller may know the nesting is shallow)
  if (!edit && (nestingExceeds(text, MAX_NORMALIZE_NESTING) || nestingExceeds(oldText, MAX_NORMALIZE_NESTING))) return undefined;
  const p = edit ? edit.start : commonPrefix(oldText, text);
  const oldEnd = edit ? edit.oldEnd : oldText.length - commonSuffix(oldText, text, Math.min(oldText.length, text.length) - p);
  const d = text.length - oldText.length;
  // innermost run of top-level items overlapping [p, oldEnd]
  let parent = old.tree.rootNode;
  let lo = -1;
  let hi = -1;
  for (let depth = 0; depth < 32; depth++) {
    const items: SyntaxNode[] = [];
    let c: SyntaxNode | null = parent.firstNamedChildForIndex(Math.max(0, p - 1));
    if (c && c.previousNamedSibling && c.previousNamedSibling.endIndex >= p) c = c.previousNamedSibling;
    while (c && c.startIndex <= oldEnd) {
      if (c.endIndex >= p) items.push(c);
      c = c.nextNamedSibling;
    }
    if (items.length === 0) { lo = p; hi = oldEnd; break; }
    const only = items.length === 1 ? items[0] : undefined;
    if (only && CONTAINERS.has(only.type) && only.startIndex < p && only.endIndex > oldEnd) { parent = only; continue; }
    lo = items[0].startIndex;
    hi = items[items.length - 1].endIndex;
    break;
  }
  if (lo < 0) return undefined;
  lo = Math.min(lo, p);
  hi = Math.max(hi, oldEnd);
  // whole lines
  const ws = lo > 0 ? oldText.lastIndexOf('\n', lo - 1) + 1 : 0; // (lastIndexOf clamps a negative start to 0)
  let we = oldText.indexOf('\n', hi);
  if (we < 0) we = oldText.length;
  if (we + d < p) return undefined;
  const oldWin = oldText.slice(ws, we);
  const newWin = text.slice(ws, we + d);
  const oldNorm = old.normalized;
  const so = scanWindow(oldWin);
  const sn = scanWindow(newWin);
  if (!so.ok || !sn.ok) return undefined;
  if ((so.conditionals || sn.conditionals) && !(so.closed && sn.closed && (so.last === 125 || so.last === 59) && (sn.last === 125 || sn.last === 59))) return undefined;
  if (/^\s*else\b/.test(newWin) || /\belse\s*$/.test(newWin) || /^\s*else\b/.test(oldWin) || /\belse\s*$/.test(oldWin)) return undefined;
  // inside a branch the normaliser blanked (a split #if group): leave it to the whole-file pass
  if (oldNorm.text.slice(ws, we).trim() === '' && oldWin.trim() !== '') return undefined;
  const w = normalizeKernelC(newWin);
  // the rest of the file stays properly nested around the window
  if (!scanWindow(w.text).ok || !scanWindow(oldNorm.text.slice(ws, we)).ok) return undefined;
  const shiftSites = <T extends { offset: number }>(before: readonly T[], inside: readonly T[]): T[] => {
    const out: T[] = [];
    for (const x of before) if (x.offset < ws) out.push(x);
    for (const x of inside) out.push({ ...x, offset: x.offset + ws });
    for (const x of before) if (x.offset >= we) out.push({ ...x, offset: x.offset + d });
    return out;
  };
  return {
    norm: {
      text: oldNorm.text.slice(0, ws) + w.text + oldNorm.text.slice(we),
      annotations: shiftSites(oldNorm.annotations, w.annotations),
      macros: shiftSites(oldNorm.macros, w.macros),
    },
    start: ws,
    end: we,
  };
}

/**
 * Functions with the same content: a built FunctionIR and every line-shifted
 * copy made of it (or of a copy) share one token. Facts that do not depend on
 * positions (callees, summary dependencies) are memoised per token, and a
 * previous analysis product of a function with the same token can be
 * relocated instead of recomputed (the distance is the difference of the two
 * functions' start lines). A token is a small object of its own, so a copy
 * keeps no earlier IR alive.
 */
const contentTokens = new WeakMap<FunctionIR, object>();
export function contentOf(fn: FunctionIR): object {
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

/** Line-shifted copies whose `nodes` have not been read yet: the materialised nodes they are a copy of, and by how many lines. */
const pendingNodes = new WeakMap<object, { base: IRNode[]; d: number }>();

function nodesGetter(this: FunctionIR): IRNode[] {
  const p = pendingNodes.get(this);
  const nodes = p ? shiftLines(p.base, p.d) : [];
  pendingNodes.delete(this);
  Object.defineProperty(this, 'nodes', { value: nodes, writable: true, enumerable: true, configurable: true });
  return nodes;
}
function nodesSetter(this: FunctionIR, v: IRNode[]): void {
  pendingNodes.delete(this);
  Object.defineProperty(this, 'nodes', { value: v, writable: true, enumerable: true, configurable: true });
}

/**
 * `fn` moved by `d` lines, with `annotations` (as built): every position
 * shifted. The CFG nodes (the bulk of a function) are shifted when first
 * read: a function that only moved is usually not read again (its analysis
 * product is relocated, its callees are memoised by content), so most copies
 * never pay for it. Property order, and so JSON, is that of a plain copy.
 */
export function shiftFunction(fn: FunctionIR, annotations: Annotation[], d: number): FunctionIR {
  const p = pendingNodes.get(fn);
  const pending = p ? { base: p.base, d: p.d + d } : { base: fn.nodes, d };
  let moved: FunctionIR;
  if (memoByContent(layouts, fn, layoutOf)) {
    // the usual layout (cfg.ts builds every function with these keys, in this order): one object literal
    moved = {
      name: fn.name, pos: shiftLines(fn.pos, d), namePos: shiftLines(fn.namePos, d), bodyPos: shiftLines(fn.bodyPos, d), isStatic: fn.isStatic,
      params: fn.params, locals: fn.locals, aliases: fn.aliases, annotations: shiftLines(annotations, d),
      get nodes(): IRNode[] { return nodesGetter.call(this as FunctionIR); },
      set nodes(v: IRNode[]) { nodesSetter.call(this as FunctionIR, v); },
      entry: fn.entry, exit: fn.exit, errors: fn.errors, hash: fn.hash,
    };
  } else {
    const out = {} as Record<string, unknown>;
    const src = fn as unknown as Record<string, unknown>;
    for (const k of Object.keys(fn)) {
      if (k === 'nodes') {
        Object.defineProperty(out, 'nodes', { get: nodesGetter, set: nodesSetter, enumerable: true, configurable: true });
        continue;
      }
      const x = k === 'annotations' ? annotations : src[k];
      out[k] = x !== null && typeof x === 'object' ? shiftLines(x, d) : x;
    }
    moved = out as unknown as FunctionIR;
  }
  pendingNodes.set(moved, pending);
  contentTokens.set(moved, contentOf(fn));
  return moved;
}

/** The keys of a FunctionIR as cfg.ts builds it; params, locals and aliases hold no position. */
const USUAL_LAYOUT = 'name,pos,namePos,bodyPos,isStatic,params,locals,aliases,annotations,nodes,entry,exit,errors,hash';
const layouts = new WeakMap<object, boolean>();
function layoutOf(fn: FunctionIR): boolean {
  if (Object.keys(fn).join(',') !== USUAL_LAYOUT) return false;
  // what is shared must hold no position
  return shiftLines(fn.params, 1) === fn.params && shiftLines(fn.locals, 1) === fn.locals && shiftLines(fn.aliases, 1) === fn.aliases;
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
  readonly stats: IncrementalStats = { full: 0, incremental: 0, windowed: 0, wholeNormalized: 0, spliced: 0, kept: 0, shifted: 0, rebuilt: 0 };

  constructor(private readonly capacity = 8) {}

  has(path: string): boolean { return this.lru.has(path); }
  forget(path: string): void { this.lru.delete(path); }
  /** The parse the last build of `path` used (tests compare against a full visit of the same tree). */
  parsedOf(path: string): ParsedFile | undefined { return this.lru.get(path)?.parsed; }

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
    const pt = (lines: LineIndex, off: number): { row: number; column: number } => {
      const q = lines.position(off);
      return { row: q.line, column: q.col };
    };
    const tree = prev.parsed.tree;
    tree.edit({
      startIndex: p, oldEndIndex: oldEnd, newEndIndex: newEnd,
      startPosition: pt(oldLines, p), oldEndPosition: pt(oldLines, oldEnd), newEndPosition: pt(newLines, newEnd),
    });
    // small chunks: tree-sitter reads little of the text when it reuses most of the old tree
    const newTree = cParser().parse(b, tree, { bufferSize: 16 * 1024 });
    const parsed: ParsedFile = { text, normalized: norm, tree: newTree, lines: newLines };
    const delta = newEnd - oldEnd;
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
        changed: tree.getChangedRanges(newTree), lineDelta: newLines.lineCount - oldLines.lineCount,
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
      index(tops.slice(kb, ka));
      const region = { ...parsed, tree: { rootNode: { namedChildren: nodes } } as unknown as Tree };
      const { ir: sub } = buildFileIR(path, parsed.text, { ...hooks, parsed: region });
      if (sub.notC) return undefined;
      const mid = topsOf(nodes, sub.functions, items, parsed.lines, errs);
      const out: Top[] = [];
      for (let i = 0; i < kb; i++) out.push(keep(tops[i]));
      out.push(...mid);
      for (let i = ka; i < tops.length; i++) out.push(move(tops[i], e.delta, e.lineDelta));
      const ir: FileIR = { ...sub, functions: [], prototypes: [], structs: [], globals: [], ops: [], errorFunctions: 0 };
      for (const t of out) {
        for (const f of t.fns) { ir.functions.push(f.fn); if (f.fn.errors > 0) ir.errorFunctions++; }
        for (const it of t.items) {
          ir.prototypes.push(...it.facts.prototypes);
          ir.structs.push(...it.facts.structs);
          ir.globals.push(...it.facts.globals);
          ir.ops.push(...it.facts.ops);
        }
      }
      for (let i = 0; i < kb; i++) this.stats.kept += tops[i].fns.length;
      for (let i = ka; i < tops.length; i++) this.stats[e.lineDelta === 0 ? 'kept' : 'shifted'] += tops[i].fns.length;
      return { ir, tops: out };
    }
    return undefined;
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

/** A top-level item before the edit: as it was (its functions get back the annotations they were built with). */
function keep(t: Top): Top {
  for (const f of t.fns) f.fn.annotations = f.annotations;
  return t;
}

/** A top-level item after the edit: `delta` characters and `d` lines further. */
function move(t: Top, delta: number, d: number): Top {
  if (delta === 0 && d === 0) return keep(t);
  const fns = t.fns.map((f) => {
    if (d === 0) { f.fn.annotations = f.annotations; return { ...f, start: f.start + delta, end: f.end + delta }; }
    const fn = shiftFunction(f.fn, f.annotations, d);
    return { fn, annotations: fn.annotations, start: f.start + delta, end: f.end + delta, err: f.err };
  });
  const items = t.items.map((i) => ({ start: i.start + delta, end: i.end + delta, facts: d === 0 ? i.facts : shiftLines(i.facts, d), err: i.err }));
  return { start: t.start + delta, end: t.end + delta, type: t.type, line: t.line + d, fns, items };
}

// ------------------------------------------------------------ analysis products

/** What one function contributes to a workspace analysis; reused while its inputs are unchanged. */
export interface FnProduct {
  summary: Summary;
  /** per-function findings (rules and the budget note), as produced */
  findings: Finding[];
  /** events for the workspace rules (absent when the budget was hit) */
  events?: FnEvents;
  budgetHit?: string;
  /** dataflow records, kept for hovers when the workspace keeps states */
  rec?: FnRecords;
  /** the same, for a relocated product: relocated when first read (recordsOf) */
  lazyRec?: LazyRecords;
}

/** A product's dataflow records, if it keeps them (relocating them now if they were relocated lazily). */
export function recordsOf(p: FnProduct): FnRecords | undefined {
  return p.rec ?? p.lazyRec?.get();
}

/**
 * Dataflow records of an earlier run to be moved by `d` lines with some of
 * the objects they reference replaced (relocate()), done on first get().
 * Moving records that were never read composes the two moves, so a function
 * that moves on every edit is relocated once, when someone reads it.
 */
export class LazyRecords {
  private rec?: FnRecords;
  private base?: FnRecords;
  private d = 0;
  /** objects the base references (its run's callee summaries and function IR) and what replaces each */
  private from: object[] = [];
  private to: (object | undefined)[] = [];

  static of(rec: FnRecords): LazyRecords {
    const l = new LazyRecords();
    l.rec = rec;
    return l;
  }

  get(): FnRecords {
    if (!this.rec) {
      const swap = new Map<object, object | undefined>();
      this.from.forEach((k, i) => swap.set(k, this.to[i]));
      this.rec = relocate(this.base!, this.d, swap);
      this.base = undefined;
      this.from = [];
      this.to = [];
    }
    return this.rec;
  }

  /** These records moved again: by `d` lines, `from[i]` (what the previous run saw) replaced by `to[i]`. */
  moved(d: number, from: object[], to: (object | undefined)[]): LazyRecords {
    const l = new LazyRecords();
    if (this.rec) {
      l.base = this.rec;
      l.d = d;
      l.from = from;
      l.to = to;
      return l;
    }
    // each object the base references was replaced by what the previous run saw, which is now replaced again
    l.base = this.base;
    l.d = this.d + d;
    l.from = this.from;
    l.to = this.to.map((v) => {
      const j = v === undefined ? -1 : from.indexOf(v);
      return j >= 0 ? to[j] : v;
    });
    return l;
  }
}

/** A struct field lookup an analysis made, and its answer. */
export type StructLookup = [struct: string, field: string, type: string | undefined];

interface ReuseEntry {
  fn: FunctionIR;
  annotations: string;
  env: string;
  flags: string;
  /** the struct table version its struct lookups were last checked against, and the lookups (undefined: not recorded) */
  structs: string;
  structLookups?: StructLookup[];
  /** callee summaries as the dataflow saw them */
  sums: (Summary | undefined)[];
  product: FnProduct;
}

/** Every summary the dataflow of `fn` may look up: direct callees (get) and ops members of indirect calls (indirect). */
const depsMemo = new WeakMap<object, { name: string; indirect: boolean }[]>();
export function summaryDeps(fn: FunctionIR): { name: string; indirect: boolean }[] {
  return memoByContent(depsMemo, fn, depsOf);
}
function depsOf(fn: FunctionIR): { name: string; indirect: boolean }[] {
  const seen = new Set<string>();
  const out: { name: string; indirect: boolean }[] = [];
  const call = (name: string, indirect: boolean): void => {
    const k = `${indirect ? '>' : ''}${name}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ name, indirect });
  };
  const fromOp = (op: Op): void => {
    if (op.k === 'call') call(op.call.name, !!op.call.indirect);
    else if (op.k === 'branch') fromCond(op.cond);
  };
  const fromCond = (c: Cond): void => {
    switch (c.k) {
      case 'not': fromCond(c.e); break;
      case 'and': case 'or': fromCond(c.a); fromCond(c.b); break;
      case 'seq': c.pre.forEach(fromOp); fromCond(c.c); break;
      case 'test': if (c.s.k === 'call') call(c.s.call.name, !!c.s.call.indirect); break;
      default: break;
    }
  };
  for (const n of fn.nodes) if (n.op) fromOp(n.op);
  return out;
}

interface SummaryInfo { version?: string; shape?: string; atFree?: boolean; from?: Summary; d?: number }

/**
 * reused: products kept as they were; relocated: products of functions that
 * moved (or whose callees' summaries moved), `productLevel` of them without
 * re-running anything; analysed: dataflow runs.
 */
export interface ReuseStats { reused: number; relocated: number; productLevel: number; analysed: number }

/**
 * The per-function product cache of Workspace.analyze(). Keyed by an id
 * (`${file}::${name}`, numbered for #ifdef twins); an entry is valid while the
 * function's IR object, the workspace tables, its flags and the content of
 * its callees' summaries are what they were when it was computed.
 *
 * A function that only moved (same content, see contentOf) and whose callee
 * summaries only moved is relocated: positions shifted, renamed instances
 * renumbered. Without findings, its product is relocated directly (summary
 * and events; its records lazily); with findings (whose messages quote line
 * numbers), its records are relocated and the per-function rules re-run.
 * check() says which products it relocated at product level (`moved`), so
 * a caller can verify them against the product of the relocated records.
 */
export class AnalysisReuse {
  private prev = new Map<string, ReuseEntry>();
  private next = new Map<string, ReuseEntry>();
  private env = '';
  /** per summary object: content versions (memoised), and for a relocated one, what it was relocated from */
  private readonly info = new WeakMap<Summary, SummaryInfo>();
  /** summaries relocated in this run / in the last one (entries of the next run compare against the latter) */
  private movedNow = new Map<Summary, SummaryInfo>();
  private movedPrev = new Map<Summary, SummaryInfo>();
  private readonly tableVersions = new WeakMap<FileIR, { structs: string; globals: string }>();
  /** the run's struct table, and its content version: entries record the lookups they made in it instead of depending on all of it */
  private structs?: StructTable;
  private structsVersion = '';
  stats: ReuseStats = { reused: 0, relocated: 0, productLevel: 0, analysed: 0 };
  /** ids of the functions whose dataflow ran in the last run */
  analysedIds: string[] = [];

  /**
   * Start a run over these files (their global lock tables are an input of
   * every function). `inputs`: every other workspace-wide input of the
   * dataflow (plain data, e.g. lockdep class keys); a change to any of them
   * invalidates every product. `structs`: the run's struct table, when the
   * caller records each analysis's struct lookups (check()'s store); without
   * it the struct tables are a workspace-wide input too.
   */
  begin(files: Iterable<FileIR>, inputs?: unknown, structs?: StructTable): void {
    const h = createHash('sha1');
    const hs = createHash('sha1');
    if (inputs !== undefined) h.update(JSON.stringify(inputs, positionFree) ?? '');
    for (const ir of files) {
      const t = this.tables(ir);
      h.update(t.globals);
      hs.update(t.structs);
    }
    this.env = h.digest('hex');
    this.structs = structs;
    this.structsVersion = structs ? hs.digest('hex') : '';
    if (!structs) this.env += hs.digest('hex');
    this.next = new Map();
    this.stats = { reused: 0, relocated: 0, productLevel: 0, analysed: 0 };
    this.analysedIds = [];
  }

  /** Finish a run: entries not used by it are dropped. */
  end(): void {
    this.prev = this.next;
    this.next = new Map();
    this.movedPrev = this.movedNow;
    this.movedNow = new Map();
  }

  /** Forget everything (the lock knowledge changed). */
  clear(): void {
    this.prev = new Map();
    this.next = new Map();
  }

  /** Content version of a summary (memoised per object). */
  version(s: Summary | undefined): string {
    if (!s) return '-';
    const i = this.infoOf(s);
    return (i.version ??= createHash('sha1').update(JSON.stringify(s)).digest('base64'));
  }

  private infoOf(s: Summary): SummaryInfo {
    let i = this.info.get(s);
    if (!i) {
      // a summary relocated in this run or the last: its shape is known, and it is new in every run
      // (kept in plain per-run maps, much cheaper than weak entries)
      i = this.movedNow.get(s) ?? this.movedPrev.get(s);
      if (i) return i;
      i = {};
      this.info.set(s, i);
    }
    return i;
  }

  /** Content version of a summary without its positions (what a relocated caller depends on). */
  shape(s: Summary | undefined): string {
    if (!s) return '-';
    const i = this.infoOf(s);
    return (i.shape ??= createHash('sha1').update(JSON.stringify(s, positionFree)).digest('base64'));
  }

  /**
   * Does a summary name no renamed instance (`inode@123`)? Those numbers are
   * the callee's lines: records or products of a caller relocated by its own
   * distance would renumber them wrongly, so such callers are re-analysed.
   */
  private atFree(s: Summary | undefined): boolean {
    if (!s) return true;
    const i = this.infoOf(s);
    return (i.atFree ??= !JSON.stringify(s).includes('@'));
  }

  private same(a: Summary | undefined, b: Summary | undefined): boolean {
    if (a === b) return true;
    if (!a || !b) return false;
    const ia = this.movedNow.get(a) ?? this.movedPrev.get(a);
    if (ia?.from === b && ia.d !== 0) return false; // moved: its position differs
    return this.version(a) === this.version(b);
  }

  private tables(ir: FileIR): { structs: string; globals: string } {
    let v = this.tableVersions.get(ir);
    if (v === undefined) {
      // positions of struct and global definitions do not reach the dataflow
      v = {
        structs: createHash('sha1').update(JSON.stringify(ir.structs, positionFree)).digest('base64'),
        globals: createHash('sha1').update(JSON.stringify(ir.globals, positionFree)).digest('base64'),
      };
      this.tableVersions.set(ir, v);
    }
    return v;
  }

  /**
   * Are the struct lookups an entry's analysis made still answered alike?
   * (Only asked when the struct table changed since the entry was checked.)
   */
  private structsHold(e: ReuseEntry): boolean {
    if (e.structs === this.structsVersion) return true;
    const t = this.structs;
    if (!t || !e.structLookups) return false;
    for (const [st, f, r] of e.structLookups) if (t.fieldType(st, f) !== r) return false;
    e.structs = this.structsVersion;
    return true;
  }

  /**
   * Look a function up before analysing it: `hit` is the previous product if
   * all its inputs are unchanged (or that product relocated); `relocated`
   * the previous records relocated (compute the product from them);
   * otherwise analyse. Either way, `store` the product computed. Callee
   * summaries are taken now, as the dataflow will see them (a recursive
   * function does not see its own new summary).
   */
  check(id: string, fn: FunctionIR, lookup: SummaryLookup | readonly (Summary | undefined)[], flags: string, needRecords: boolean):
    { hit?: FnProduct; moved?: boolean; relocated?: FnRecords; store: (p: FnProduct, structLookups?: StructLookup[]) => void } {
    // the summaries of summaryDeps(fn), as the dataflow will look them up (or already looked up by the caller)
    const sums = Array.isArray(lookup) ? lookup as (Summary | undefined)[]
      : summaryDeps(fn).map((d) => (d.indirect ? (lookup as SummaryLookup).indirect?.(d.name) : (lookup as SummaryLookup).get(d.name)));
    const annotations = annotationKey(fn);
    const e = this.prev.get(id);
    const store = (product: FnProduct, structLookups?: StructLookup[]): void => {
      this.next.set(id, { fn, annotations, env: this.env, flags, sums, product, structs: this.structsVersion, structLookups });
      this.stats.analysed++;
      this.analysedIds.push(id);
    };
    if (!e || e.env !== this.env || e.flags !== flags || e.sums.length !== sums.length || !this.structsHold(e)) return { store };
    const prevRec = e.product.lazyRec ?? (e.product.rec ? LazyRecords.of(e.product.rec) : undefined);
    if (needRecords && !prevRec) return { store };
    if (e.fn === fn && e.annotations === annotations && sums.every((x, i) => this.same(x, e.sums[i]))) {
      this.next.set(id, e);
      this.stats.reused++;
      return { hit: e.product, store: () => undefined };
    }
    // the same function moved, or its callees' summaries moved: relocate instead of re-running the dataflow
    if (contentOf(fn) !== contentOf(e.fn)) return { store };
    const d = fn.pos.line - e.fn.pos.line;
    const foreign = d !== 0 && fn.annotations.some((a) => a.pos.line < fn.pos.line || a.pos.line > fn.pos.endLine); // from a header prototype
    if (foreign || ((fn.annotations.length || e.fn.annotations.length) && JSON.stringify(fn.annotations, positionFree) !== JSON.stringify(e.fn.annotations, positionFree)) ||
        !sums.every((x, i) => this.atFree(x) && this.shape(x) === this.shape(e.sums[i]))) return { store };
    // what the records reference that this run replaces: the callee summaries seen then, and the function IR
    const from: object[] = [];
    const to: (object | undefined)[] = [];
    e.sums.forEach((old, i) => { if (old) { from.push(old); to.push(sums[i]); } });
    from.push(e.fn);
    to.push(fn);
    if (e.product.findings.length === 0 && !e.product.budgetHit) {
      const moved = relocateProduct(e.product, d, e.sums, sums);
      if (moved) {
        if (prevRec) moved.lazyRec = prevRec.moved(d, from, to);
        // relocated by d lines, with no renamed instance: the same shape
        this.movedNow.set(moved.summary, { from: e.product.summary, d, shape: this.shape(e.product.summary), atFree: true });
        this.next.set(id, { fn, annotations, env: this.env, flags, sums, product: moved, structs: e.structs, structLookups: e.structLookups });
        this.stats.relocated++;
        this.stats.productLevel++;
        return { hit: moved, moved: true, store: () => undefined };
      }
    }
    if (!prevRec) return { store };
    this.stats.relocated++;
    this.stats.analysed--;
    // the product is computed from the relocated records: same struct lookups as their analysis made
    const lookups = e.structLookups;
    return { relocated: prevRec.moved(d, from, to).get(), store: (p: FnProduct) => store(p, lookups) };
  }
}

/** Parts of products that hold no position, no renamed instance and no callee object: shared by every relocation. */
const STATIC = new WeakSet<object>();

const isPosition = (v: object): boolean => {
  const o = v as { line?: unknown; endLine?: unknown };
  return typeof o.line === 'number' && typeof o.endLine === 'number';
};

/** Every object of a summary that holds a position (itself or inside), in a fixed order (memoised per summary object). */
const positionedMemo = new WeakMap<Summary, object[]>();
function positionedOf(s: Summary): object[] {
  let l = positionedMemo.get(s);
  if (!l) {
    const out: object[] = [];
    const walk = (v: unknown): boolean => {
      if (v === null || typeof v !== 'object') return false;
      let has = isPosition(v);
      for (const x of Array.isArray(v) ? v : Object.values(v as object)) if (walk(x)) has = true;
      if (has) out.push(v);
      return has;
    };
    walk(s);
    l = out;
    positionedMemo.set(s, l);
  }
  return l;
}

/**
 * A product without findings moved by `d` lines, its callee summaries
 * `before` replaced by `after` (same shapes): positions shifted, except
 * those it shares with a callee's summary (`inner.pos = deep.pos`), which
 * become the new callee's. Exactly what summarising and extracting events
 * from relocate()d records gives, as long as no string names a renamed
 * instance (`x@123`): undefined then, and when the callee summaries do not
 * pair up object for object.
 */
export function relocateProduct(p: FnProduct, d: number, before: readonly (Summary | undefined)[], after: readonly (Summary | undefined)[]): FnProduct | undefined {
  const memo = new Map<object, unknown>();
  // the callees' objects that hold positions, old to new (an object reached through two callees must map to one thing)
  for (let i = 0; i < before.length; i++) {
    const a = before[i];
    const b = after[i];
    if (!a || !b) { if (a !== b) return undefined; continue; }
    const pa = positionedOf(a);
    const pb = a === b ? pa : positionedOf(b);
    if (pa.length !== pb.length) return undefined;
    for (let k = 0; k < pa.length; k++) {
      const x = pa[k];
      const y = pb[k];
      if (isPosition(x) !== isPosition(y) || Array.isArray(x) !== Array.isArray(y)) return undefined;
      const m = memo.get(x);
      if (m === undefined) memo.set(x, y); else if (m !== y) return undefined;
    }
  }
  let ok = true;
  // objects met that relocation may change: positions, renamed instances, callee objects (and copies made)
  let touched = 0;
  // copy-on-write: what holds no position and no callee object is shared with the previous product (products are never modified)
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (v.indexOf('@') >= 0) { ok = false; touched++; }
      return v;
    }
    if (v === null || typeof v !== 'object') return v;
    if (STATIC.has(v)) return v;
    if (memo.has(v)) { touched++; return memo.get(v); }
    const before = touched;
    let res: unknown = v;
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const y = copy(v[i]);
        if (y !== v[i] && !out) out = v.slice(0, i);
        if (out) out.push(y);
      }
      if (out) res = out;
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) { ok = false; return v; }
      const o = v as Record<string, unknown>;
      const moves = d !== 0 && typeof o.line === 'number';
      let out: Record<string, unknown> | undefined;
      for (const k of Object.keys(o)) {
        const y = copy(o[k]);
        if (!out && (y !== o[k] || moves)) {
          out = {};
          for (const j of Object.keys(o)) { if (j === k) break; out[j] = o[j]; }
        }
        if (out) out[k] = y;
      }
      if (typeof o.line === 'number') touched++;
      if (out && moves) {
        out.line = (o.line as number) + d;
        if (typeof o.endLine === 'number') out.endLine = o.endLine + d;
      }
      if (out) res = out;
    }
    // nothing in it can ever change: later relocations skip it
    if (touched === before) STATIC.add(v);
    else touched++;
    memo.set(v, res);
    return res;
  };
  const out: FnProduct = { ...p, summary: copy(p.summary) as Summary, findings: [] };
  if (p.events) out.events = copy(p.events) as FnEvents;
  delete out.rec;
  delete out.lazyRec;
  return ok ? out : undefined;
}

/** A Map filled from `fill` on first use. */
class LazyMap<K, V> extends Map<K, V> {
  private pending?: () => Map<K, V>;
  constructor(fill: () => Map<K, V>) { super(); this.pending = fill; }
  private ready(): void {
    const f = this.pending;
    if (!f) return;
    this.pending = undefined;
    for (const [k, v] of f()) super.set(k, v);
  }
  override get(k: K): V | undefined { this.ready(); return super.get(k); }
  override has(k: K): boolean { this.ready(); return super.has(k); }
  override set(k: K, v: V): this { this.ready(); return super.set(k, v); }
  override delete(k: K): boolean { this.ready(); return super.delete(k); }
  override clear(): void { this.pending = undefined; super.clear(); }
  override get size(): number { this.ready(); return super.size; }
  override forEach(cb: (v: V, k: K, m: Map<K, V>) => void, thisArg?: unknown): void { this.ready(); super.forEach(cb, thisArg); }
  override entries(): MapIterator<[K, V]> { this.ready(); return super.entries(); }
  override keys(): MapIterator<K> { this.ready(); return super.keys(); }
  override values(): MapIterator<V> { this.ready(); return super.values(); }
  override [Symbol.iterator](): MapIterator<[K, V]> { this.ready(); return super[Symbol.iterator](); }
}

/** JSON.stringify replacer dropping positions. */
function positionFree(this: unknown, key: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as { line?: unknown }).line === 'number' && 'endLine' in (v as object)) return undefined;
  return v;
}

/**
 * A copy of a function's dataflow records moved by `d` lines: positions and
 * trail lines shifted, renamed instances (`inode@123`) renumbered, and
 * references to the previous run's function IR and callee summaries swapped
 * for the current ones. Class instances (the resolver) are shared: they hold
 * no positions. Shared sub-objects stay shared.
 */
export function relocate(rec: FnRecords, d: number, swap: Map<object, object | undefined>): FnRecords {
  const memo = new Map<object, unknown>(swap);
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (d === 0 || v.indexOf('@') < 0) return v;
      const m = /^([^\s"'@]*[\w)\]])@(\d+)$/.exec(v);
      return m ? `${m[1]}@${Number(m[2]) + d}` : v;
    }
    if (v === null || typeof v !== 'object') return v;
    if (memo.has(v)) return memo.get(v);
    if (v === rec.heldAt && v instanceof Map) {
      // per-node states (hovers): the biggest part of the records and rarely read; relocated on first use
      const out = new LazyMap<number, State[]>(() => { const m = new Map<number, State[]>(); for (const [k, x] of rec.heldAt) m.set(k, copy(x) as State[]); return m; });
      memo.set(v, out);
      return out;
    }
    if (v instanceof Map) {
      const out = new Map();
      memo.set(v, out);
      for (const [k, x] of v) out.set(k, copy(x));
      return out;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      memo.set(v, out);
      for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    memo.set(v, out);
    for (const k of Object.keys(o)) out[k] = copy(o[k]);
    if (d !== 0 && typeof o.line === 'number') {
      // a position, or a trail step {line, what}
      out.line = o.line + d;
      if (typeof o.endLine === 'number') out.endLine = o.endLine + d;
    }
    return out;
  };
  return copy(rec) as FnRecords;
}

function annotationKey(fn: FunctionIR): string {
  return fn.annotations.length ? JSON.stringify(fn.annotations) : '';
}
