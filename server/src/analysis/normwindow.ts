// Windowed normalisation for incremental re-parsing: after an edit, the
// kernel-macro normaliser runs only over a window of whole top-level items
// around it, and the result is spliced into the previous normalised text; the
// window is accepted only where whole-file normalisation would give the same
// text and facts (test/robustness/incremental*.test.ts compare the two).
import type { ParsedFile, SyntaxNode } from '../parse/parser';
import { MAX_NORMALIZE_NESTING, nestingExceeds, normalizeKernelC, Normalized } from '../parse/normalize';


/** Maximum bracket nesting, counted the way normalize.ts's guard counts it. */
export function maxNesting(t: string): number {
  let d = 0;
  let max = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) { if (++d > max) max = d; } else if ((c === 41 || c === 93 || c === 125) && d > 0) d--;
  }
  return max;
}

/** Brackets that can deepen the nesting after an edit: openers inserted, closers deleted. */
export function deepening(inserted: string, deleted: string): number {
  let n = 0;
  for (let i = 0; i < inserted.length; i++) { const c = inserted.charCodeAt(i); if (c === 40 || c === 91 || c === 123) n++; }
  for (let i = 0; i < deleted.length; i++) { const c = deleted.charCodeAt(i); if (c === 41 || c === 93 || c === 125) n++; }
  return n;
}


export function commonPrefix(a: string, b: string, known = 0): number {
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

export function commonSuffix(a: string, b: string, max: number, known = 0): number {
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
export function sameFacts(a: Normalized, aStart: number, aEnd: number, b: Normalized, bStart: number, bEnd: number): boolean {
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

export function normalizeWindowAt(oldText: string, old: ParsedFile, text: string, nested: boolean, edit?: { start: number; oldEnd: number }): NormalizedWindow | undefined {
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
