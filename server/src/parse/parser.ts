// tree-sitter wrapper: normalise kernel macros, parse, and map offsets to
// 1-based line/column positions in the original text.
import Parser = require('tree-sitter');
import { normalizeKernelC, Normalized } from './normalize';

// tree-sitter-c ships no type declarations; it is the Language object.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const CLanguage: unknown = require('tree-sitter-c');

export type SyntaxNode = Parser.SyntaxNode;
export type Tree = Parser.Tree;
export type TreeEdit = Parser.Edit;

let shared: Parser | undefined;

/** One parser per thread; tree-sitter parsers are not re-entrant but are cheap to reuse. */
export function cParser(): Parser {
  if (!shared) {
    shared = new Parser();
    shared.setLanguage(CLanguage as Parser.Language);
  }
  return shared;
}

/** Maps string offsets (UTF-16 code units, as tree-sitter's node binding reports them) to lines/columns. */
export class LineIndex {
  private readonly starts: ArrayLike<number>;
  constructor(text: string, starts?: ArrayLike<number>) {
    if (starts) { this.starts = starts; return; }
    const all = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) all.push(i + 1);
    this.starts = all;
  }
  /**
   * The index of `text`, which is the old text with [start, oldEnd) replaced
   * by text[start, newEnd): line starts before the edit are kept, those after
   * it moved, only the inserted text is scanned (incremental re-parsing).
   */
  edited(text: string, start: number, oldEnd: number, newEnd: number): LineIndex {
    const old = this.starts;
    const delta = newEnd - oldEnd;
    // one exact-size typed array (this runs on every keystroke of a large file)
    const kept = this.lineOf(start) + 1; // line starts <= start (the first is 0)
    const after = Math.max(kept, this.lineOf(oldEnd) + 1); // and those <= oldEnd, replaced
    let added = 0;
    for (let k = start; k < newEnd; k++) if (text.charCodeAt(k) === 10) added++;
    const starts = new Int32Array(kept + added + old.length - after);
    let n = 0;
    for (let i = 0; i < kept; i++) starts[n++] = old[i];
    for (let k = start; k < newEnd; k++) if (text.charCodeAt(k) === 10) starts[n++] = k + 1;
    for (let i = after; i < old.length; i++) starts[n++] = old[i] + delta;
    return new LineIndex(text, starts);
  }
  /** 0-based line of an offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return lo;
  }
  /** 0-based {line, col}. */
  position(offset: number): { line: number; col: number } {
    const line = this.lineOf(offset);
    return { line, col: offset - this.starts[line] };
  }
  /** tree-sitter's point (row, column) of an offset. */
  point(offset: number): { row: number; column: number } {
    const line = this.lineOf(offset);
    return { row: line, column: offset - this.starts[line] };
  }
  offsetAt(line: number, col: number): number {
    if (line < 0) return 0;
    if (line >= this.starts.length) return this.starts[this.starts.length - 1];
    return this.starts[line] + col;
  }
  get lineCount(): number { return this.starts.length; }
}

export interface ParsedFile {
  text: string;
  normalized: Normalized;
  tree: Tree;
  lines: LineIndex;
}

/** tree-sitter's default buffer is too small for big kernel files; size it to the input. */
function bufferSizeFor(text: string): number {
  return Math.max(32 * 1024, text.length * 2 + 1024);
}

export function parseC(text: string, old?: ParsedFile): ParsedFile {
  const normalized = normalizeKernelC(text);
  const tree = cParser().parse(normalized.text, undefined, { bufferSize: bufferSizeFor(normalized.text) });
  void old;
  return { text, normalized, tree, lines: new LineIndex(text) };
}

/** Plain tree-sitter parse without normalisation (the baseline used by benchmarks). */
export function parsePlain(text: string): Tree {
  return cParser().parse(text, undefined, { bufferSize: bufferSizeFor(text) });
}
