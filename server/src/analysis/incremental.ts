// Incremental analysis for the editor: re-parse an edited file with
// tree-sitter's incremental parser and keep the IR of every function whose
// text did not change, then re-analyse only the functions whose IR changed
// and the callers whose callee summaries changed. Everything else reuses the
// previous run's summary, findings, events and (for hovers) records.
//
// Exactness: a function's IR is kept only when its original text, its
// normalised text and the normaliser's macro/annotation facts inside it are
// identical; a kept function that moved is copied with its lines shifted. A
// function's analysis product is kept only when everything the dataflow reads
// is unchanged: the function IR (same object, so same text and position), the
// struct/global tables of the workspace, whether it runs as a fault handler,
// its recursion, and the content of every callee summary it can look up.
// Positions are part of that (messages quote line numbers), so a function that
// only moved is re-analysed; its callers are not, unless its summary changed.
import { createHash } from 'crypto';
import { cParser, LineIndex, ParsedFile, SyntaxNode } from '../parse/parser';
import { MAX_NORMALIZE_NESTING, nestingExceeds, normalizeKernelC, Normalized } from '../parse/normalize';
import type { FnRecords } from './dataflow';
import type { State } from './state';
import type { Finding } from './diagnostic';
import type { FnEvents } from './events';
import { buildFileIR, ItemFacts } from './fileir';
import type { Annotation, Cond, FileIR, FunctionIR, Op } from './ir';
import type { Summary, SummaryLookup } from './summaryTypes';

// ------------------------------------------------------------ file IR

interface FileState {
  text: string;
  parsed: ParsedFile;
  ir: FileIR;
  /** start offset -> function, with the annotations it had when built (analysis may replace them) */
  byStart: Map<number, { fn: FunctionIR; annotations: Annotation[] }>;
  /** start offset -> what a file-scope declaration produced */
  items: Map<number, { end: number; line: number; col: number; facts: ItemFacts }>;
  /** an upper bound of the text's bracket nesting (the whole-file normaliser gives up beyond MAX_NORMALIZE_NESTING) */
  depthBound: number;
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
  /** functions kept (unchanged, or shifted) / rebuilt in incremental builds */
  kept: number;
  shifted: number;
  rebuilt: number;
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  // compare in chunks first (string slices compare with memcmp), then by char
  let step = 4096;
  while (step >= 16) {
    while (i + step <= n && a.slice(i, i + step) === b.slice(i, i + step)) i += step;
    step >>= 2;
  }
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffix(a: string, b: string, max: number): number {
  let i = 0;
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

/** Items of a translation unit the window may descend through (as fileir.ts's visit does). */
const CONTAINERS = new Set(['translation_unit', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef',
  'linkage_specification', 'declaration_list']);
const CONDITIONAL = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b/m;

/**
 * Braces, parentheses and brackets balanced (never below zero), ending
 * outside any comment, string or character literal: a self-contained piece
 * of C as far as the normaliser's scanner is concerned.
 */
function selfContained(t: string): boolean {
  let depth = 0;
  const n = t.length;
  let lineStart = true;
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c === 10) { lineStart = true; continue; }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) continue;
    if (c === 47 && t.charCodeAt(i + 1) === 42) { const e = t.indexOf('*/', i + 2); if (e < 0) return false; i = e + 1; continue; }
    if (c === 47 && t.charCodeAt(i + 1) === 47) { const e = t.indexOf('\n', i); if (e < 0) return depth === 0; i = e - 1; continue; }
    if (c === 35 && lineStart) {
      // preprocessor line with continuations
      let j = i;
      for (;;) {
        const e = t.indexOf('\n', j);
        if (e < 0) return depth === 0;
        let k = e - 1;
        while (k > j && (t.charCodeAt(k) === 13 || t.charCodeAt(k) === 32 || t.charCodeAt(k) === 9)) k--;
        if (t.charCodeAt(k) === 92) { j = e + 1; continue; }
        i = e - 1;
        break;
      }
      continue;
    }
    lineStart = false;
    if (c === 34 || c === 39) {
      let j = i + 1;
      for (;;) {
        if (j >= n) return false;
        const d = t.charCodeAt(j);
        if (d === 92) { j += 2; continue; }
        if (d === c) break;
        if (d === 10) return false;
        j++;
      }
      i = j;
      continue;
    }
    if (c === 123 || c === 40 || c === 91) depth++;
    else if (c === 125 || c === 41 || c === 93) { if (--depth < 0) return false; }
  }
  return depth === 0;
}

/**
 * Normalise only the edited top-level item(s): the old tree's item(s)
 * overlapping the edit, widened to whole lines, normalised on their own and
 * spliced into the previous normalised text. The normaliser's state at a
 * top-level item boundary is neutral, so the result is what normalising the
 * whole file gives, provided the item is self-contained before and after the
 * edit and holds no preprocessor conditional (whose group resolution is
 * file-wide). Undefined when that cannot be guaranteed: the caller then
 * normalises the whole file.
 */
export function normalizeWindow(oldText: string, old: ParsedFile, text: string, edit?: { start: number; oldEnd: number }): Normalized | undefined {
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
  const ws = oldText.lastIndexOf('\n', lo - 1) + 1;
  let we = oldText.indexOf('\n', hi);
  if (we < 0) we = oldText.length;
  if (we + d < p) return undefined;
  const oldWin = oldText.slice(ws, we);
  const newWin = text.slice(ws, we + d);
  const oldNorm = old.normalized;
  if (CONDITIONAL.test(oldWin) || CONDITIONAL.test(newWin) || !selfContained(oldWin) || !selfContained(newWin)) return undefined;
  if (/^\s*else\b/.test(newWin) || /\belse\s*$/.test(newWin) || /^\s*else\b/.test(oldWin) || /\belse\s*$/.test(oldWin)) return undefined;
  // inside a branch the normaliser blanked (a split #if group): leave it to the whole-file pass
  if (oldNorm.text.slice(ws, we).trim() === '' && oldWin.trim() !== '') return undefined;
  const w = normalizeKernelC(newWin);
  const shiftSites = <T extends { offset: number }>(before: readonly T[], inside: readonly T[]): T[] => {
    const out: T[] = [];
    for (const x of before) if (x.offset < ws) out.push(x);
    for (const x of inside) out.push({ ...x, offset: x.offset + ws });
    for (const x of before) if (x.offset >= we) out.push({ ...x, offset: x.offset + d });
    return out;
  };
  return {
    text: oldNorm.text.slice(0, ws) + w.text + oldNorm.text.slice(we),
    annotations: shiftSites(oldNorm.annotations, w.annotations),
    macros: shiftSites(oldNorm.macros, w.macros),
  };
}

/** A kept function that moved: the IR it is a line-shifted copy of, and by how many lines (analysis products of that one can be relocated). */
export const shiftOrigins = new WeakMap<FunctionIR, { from: FunctionIR; d: number }>();

/** A deep copy with every position (`{line, col, endLine, endCol}`) moved by `d` lines. */
export function shiftLines<T>(v: T, d: number): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) { const x: unknown = v[i]; out[i] = x !== null && typeof x === 'object' ? shiftLines(x, d) : x; }
    return out as unknown as T;
  }
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in o) { const x = o[k]; out[k] = x !== null && typeof x === 'object' ? shiftLines(x, d) : x; }
  if (typeof o.line === 'number' && typeof o.endLine === 'number' && typeof o.col === 'number') {
    out.line = o.line + d;
    out.endLine = o.endLine + d;
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
  readonly stats: IncrementalStats = { full: 0, incremental: 0, windowed: 0, wholeNormalized: 0, kept: 0, shifted: 0, rebuilt: 0 };

  constructor(private readonly capacity = 8) {}

  has(path: string): boolean { return this.lru.has(path); }
  forget(path: string): void { this.lru.delete(path); }

  /** The IR of `text` for `path`; incremental when the previous version is remembered. */
  build(path: string, text: string): FileIR {
    const prev = this.lru.get(path);
    if (prev && prev.text === text) { this.touch(path, prev); return prev.ir; }
    if (!prev) {
      this.stats.full++;
      const items: FileState['items'] = new Map();
      const { ir, parsed } = buildFileIR(path, text, { builtItem: this.recorder(items) });
      this.remember(path, text, parsed, ir, items, maxNesting(text));
      return ir;
    }
    this.stats.incremental++;
    // the edit on the original texts, and a bound of the new nesting depth (exact when the bound gets near the limit)
    const pO = commonPrefix(prev.text, text);
    const sO = commonSuffix(prev.text, text, Math.min(prev.text.length, text.length) - pO);
    let depthBound = prev.depthBound + deepening(text.slice(pO, text.length - sO), prev.text.slice(pO, prev.text.length - sO));
    if (depthBound >= MAX_NORMALIZE_NESTING - 64) depthBound = maxNesting(text);
    let norm = depthBound <= MAX_NORMALIZE_NESTING && prev.depthBound <= MAX_NORMALIZE_NESTING
      ? normalizeWindow(prev.text, prev.parsed, text, { start: pO, oldEnd: prev.text.length - sO }) : undefined;
    if (norm) this.stats.windowed++;
    else { this.stats.wholeNormalized++; norm = normalizeKernelC(text); }
    const a = prev.parsed.normalized.text;
    const b = norm.text;
    // the edit, as one replaced range: common prefix and suffix of both the original and the normalised texts
    const p = Math.min(commonPrefix(prev.text, text), commonPrefix(a, b));
    const maxSuffix = Math.min(a.length, b.length, prev.text.length, text.length) - p;
    const s = Math.min(commonSuffix(prev.text, text, maxSuffix), commonSuffix(a, b, maxSuffix));
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
    const newTree = cParser().parse(b, tree, { bufferSize: Math.max(32 * 1024, b.length * 2 + 1024) });
    const parsed: ParsedFile = { text, normalized: norm, tree: newTree, lines: newLines };
    const delta = newEnd - oldEnd;
    /** Where an unchanged node [st, en) of the new text was in the old one, and how many lines it moved; undefined if changed. */
    const unchanged = (st: number, en: number): { oldSt: number; d: number; col: number } | undefined => {
      let oldSt: number;
      if (en <= p) oldSt = st;
      else if (st >= newEnd) oldSt = st - delta;
      else return undefined;
      const oldEn = oldSt + (en - st);
      if (prev.text.slice(oldSt, oldEn) !== text.slice(st, en) || a.slice(oldSt, oldEn) !== b.slice(st, en) ||
          !sameFacts(prev.parsed.normalized, oldSt, oldEn, norm!, st, en)) return undefined;
      const was = oldLines.position(oldSt);
      const now = newLines.position(st);
      if (was.col !== now.col) return undefined;
      return { oldSt, d: now.line - was.line, col: now.col };
    };
    const reuseFunction = (node: SyntaxNode): FunctionIR | undefined => {
      const st = node.startIndex;
      const en = node.endIndex;
      const u = unchanged(st, en);
      const old = u && prev.byStart.get(u.oldSt);
      if (!u || !old || oldLines.offsetAt(old.fn.pos.endLine, old.fn.pos.endCol) !== u.oldSt + (en - st) || old.fn.pos.col !== u.col) {
        this.stats.rebuilt++;
        return undefined;
      }
      if (u.d === 0) {
        this.stats.kept++;
        old.fn.annotations = old.annotations;
        return old.fn;
      }
      this.stats.shifted++;
      const moved = shiftLines({ ...old.fn, annotations: old.annotations }, u.d);
      shiftOrigins.set(moved, { from: old.fn, d: u.d });
      return moved;
    };
    const items: FileState['items'] = new Map();
    const reuseItem = (node: SyntaxNode): ItemFacts | undefined => {
      const st = node.startIndex;
      const en = node.endIndex;
      const u = unchanged(st, en);
      const old = u && prev.items.get(u.oldSt);
      if (!u || !old || old.end !== u.oldSt + (en - st)) return undefined;
      const facts = u.d === 0 ? old.facts : shiftLines(old.facts, u.d);
      const pos = newLines.position(st);
      items.set(st, { end: en, line: pos.line, col: pos.col, facts });
      return facts;
    };
    const { ir } = buildFileIR(path, text, { parsed, reuseFunction, reuseItem, builtItem: this.recorder(items, newLines) });
    this.remember(path, text, parsed, ir, items, depthBound);
    return ir;
  }

  private recorder(items: FileState['items'], lines?: LineIndex): (node: SyntaxNode, facts: ItemFacts) => void {
    return (node, facts) => {
      const pos = lines ? lines.position(node.startIndex) : { line: node.startPosition.row, col: node.startPosition.column };
      items.set(node.startIndex, { end: node.endIndex, line: pos.line, col: pos.col, facts });
    };
  }

  private touch(path: string, st: FileState): void {
    this.lru.delete(path);
    this.lru.set(path, st);
  }

  private remember(path: string, text: string, parsed: ParsedFile, ir: FileIR, items: FileState['items'], depthBound: number): void {
    const byStart = new Map<number, { fn: FunctionIR; annotations: Annotation[] }>();
    for (const fn of ir.functions) byStart.set(parsed.lines.offsetAt(fn.pos.line, fn.pos.col), { fn, annotations: fn.annotations });
    this.lru.delete(path);
    this.lru.set(path, { text, parsed, ir, byStart, items, depthBound });
    while (this.lru.size > this.capacity) this.lru.delete(this.lru.keys().next().value as string);
  }
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
}

interface ReuseEntry {
  fn: FunctionIR;
  annotations: string;
  env: string;
  flags: string;
  /** callee summaries as the dataflow saw them, their content versions with and without positions */
  sums: (Summary | undefined)[];
  versions: string[];
  shapes: string[];
  product: FnProduct;
}

/** Every summary the dataflow of `fn` may look up: direct callees (get) and ops members of indirect calls (indirect). */
const depsMemo = new WeakMap<FunctionIR, { name: string; indirect: boolean }[]>();
export function summaryDeps(fn: FunctionIR): { name: string; indirect: boolean }[] {
  let d = depsMemo.get(fn);
  if (d) return d;
  const seen = new Set<string>();
  d = [];
  const out = d;
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
  depsMemo.set(fn, d);
  return d;
}

export interface ReuseStats { reused: number; relocated: number; analysed: number }

/**
 * The per-function product cache of Workspace.analyze(). Keyed by
 * `${file}::${name}`; an entry is valid while the function's IR object, the
 * workspace tables, its flags and the content versions of its callees'
 * summaries are what they were when it was computed.
 */
export class AnalysisReuse {
  private prev = new Map<string, ReuseEntry>();
  private next = new Map<string, ReuseEntry>();
  private env = '';
  private readonly sumVersions = new WeakMap<Summary, string>();
  private readonly sumShapes = new WeakMap<Summary, string>();
  private readonly tableVersions = new WeakMap<FileIR, string>();
  stats: ReuseStats = { reused: 0, relocated: 0, analysed: 0 };

  /**
   * Start a run over these files (their struct and global tables are an
   * input of every function). `inputs`: every other workspace-wide input of
   * the dataflow (plain data, e.g. lockdep class keys); a change to any of
   * them invalidates every product.
   */
  begin(files: Iterable<FileIR>, inputs?: unknown): void {
    const h = createHash('sha1');
    if (inputs !== undefined) h.update(JSON.stringify(inputs, positionFree) ?? '');
    for (const ir of files) h.update(this.tables(ir));
    this.env = h.digest('hex');
    this.next = new Map();
    this.stats = { reused: 0, relocated: 0, analysed: 0 };
  }

  /** Finish a run: entries not used by it are dropped. */
  end(): void {
    this.prev = this.next;
    this.next = new Map();
  }

  /** Forget everything (the lock knowledge changed). */
  clear(): void {
    this.prev = new Map();
    this.next = new Map();
  }

  /** Content version of a summary (memoised per object). */
  version(s: Summary | undefined): string {
    if (!s) return '-';
    let v = this.sumVersions.get(s);
    if (v === undefined) {
      v = createHash('sha1').update(JSON.stringify(s)).digest('base64');
      this.sumVersions.set(s, v);
    }
    return v;
  }

  /** Content version of a summary without its positions (what a relocated caller depends on). */
  shape(s: Summary | undefined): string {
    if (!s) return '-';
    let v = this.sumShapes.get(s);
    if (v === undefined) {
      v = createHash('sha1').update(JSON.stringify(s, positionFree)).digest('base64');
      this.sumShapes.set(s, v);
    }
    return v;
  }

  private tables(ir: FileIR): string {
    let v = this.tableVersions.get(ir);
    if (v === undefined) {
      // positions of struct and global definitions do not reach the dataflow
      v = createHash('sha1').update(JSON.stringify([ir.structs, ir.globals], positionFree)).digest('base64');
      this.tableVersions.set(ir, v);
    }
    return v;
  }

  /**
   * Look a function up before analysing it: `hit` is the previous product if
   * all its inputs are unchanged; otherwise analyse and `store` the product.
   * Callee versions are taken now, as the dataflow will see them (a recursive
   * function does not see its own new summary).
   */
  check(id: string, fn: FunctionIR, lookup: SummaryLookup, flags: string, needRecords: boolean):
    { hit?: FnProduct; relocated?: FnRecords; store: (p: FnProduct) => void } {
    const deps = summaryDeps(fn);
    const sums = deps.map((d) => (d.indirect ? lookup.indirect?.(d.name) : lookup.get(d.name)));
    const versions = sums.map((x) => this.version(x));
    const annotations = annotationKey(fn);
    const store = (product: FnProduct): void => {
      this.next.set(id, { fn, annotations, env: this.env, flags, sums, versions, shapes: sums.map((x) => this.shape(x)), product });
      this.stats.analysed++;
    };
    const e = this.prev.get(id);
    if (!e || e.env !== this.env || e.flags !== flags || e.versions.length !== versions.length) return { store };
    if (e.fn === fn && e.annotations === annotations && !(needRecords && !e.product.rec) && e.versions.every((v, i) => v === versions[i])) {
      this.next.set(id, e);
      this.stats.reused++;
      return { hit: e.product, store: () => undefined };
    }
    // the same function moved, or its callees' summaries moved: relocate the records instead of re-running the dataflow
    const rec = e.product.rec;
    // walk back through the line-shifted copies made since that run
    let d: number | undefined = 0;
    for (let cur = fn, hops = 0; cur !== e.fn; hops++) {
      const o = shiftOrigins.get(cur);
      if (!o || hops > 64) { d = undefined; break; }
      d += o.d;
      cur = o.from;
    }
    const foreign = d !== 0 && fn.annotations.some((a) => a.pos.line < fn.pos.line || a.pos.line > fn.pos.endLine); // from a header prototype
    if (!rec || d === undefined || foreign || JSON.stringify(fn.annotations, positionFree) !== JSON.stringify(e.fn.annotations, positionFree) ||
        !sums.every((x, i) => this.shape(x) === e.shapes[i])) return { store };
    const swap = new Map<object, object | undefined>();
    e.sums.forEach((old, i) => { if (old) swap.set(old, sums[i]); });
    swap.set(e.fn, fn);
    this.stats.relocated++;
    this.stats.analysed--;
    return { relocated: relocate(rec, d, swap), store };
  }
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
