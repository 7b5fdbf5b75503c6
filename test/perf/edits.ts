// Scripted editor edits for latency measurements (bench/bench.ts) and the
// incremental-equivalence tests: each edit is what a kernel developer does
// inside a function body, applied to the evolving text, and kept small and
// syntactically local: a statement inserted, a statement deleted, a lock call
// inserted or removed, a character typed into an identifier, a line split.

export interface TextEdit {
  /** 0-based line/character range in the text before the edit (LSP-style) */
  start: { line: number; character: number };
  end: { line: number; character: number };
  newText: string;
  kind: string;
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATEMENTS = [
  '\tmutex_lock(&inode->i_mutex_dummy);',
  '\tspin_lock(&lockorder_bench_lock);',
  '\tspin_unlock(&lockorder_bench_lock);',
  '\tret = lockorder_bench_helper(inode);',
  '\tif (ret)\n\t\tgoto out;',
  '\tmight_sleep();',
  '\tcount++;',
];

/** Lines that are plain statements inside a function body: `\t...;` with balanced brackets and no braces. */
function statementLines(lines: readonly string[]): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (depth > 0 && /^\t+[a-z_][^{}]*;\s*$/.test(l) && !/^\s*(case|default)\b/.test(l) && balanced(l)) out.push(i);
    for (const ch of l) { if (ch === '{') depth++; else if (ch === '}') depth = Math.max(0, depth - 1); }
    if (/^}/.test(l)) depth = 0;
  }
  return out;
}

function balanced(s: string): boolean {
  let d = 0;
  for (const ch of s.replace(/"([^"\\]|\\.)*"|'([^'\\]|\\.)*'/g, '""')) {
    if (ch === '(' || ch === '[') d++;
    else if (ch === ')' || ch === ']') { if (--d < 0) return false; }
  }
  return d === 0;
}

/** The next scripted edit for `text` (does not apply it). */
export function nextEdit(text: string, rand: () => number): TextEdit {
  const lines = text.split('\n');
  const cands = statementLines(lines);
  if (cands.length === 0) {
    // no function bodies (a table file): type at the end of a random line
    const i = Math.floor(rand() * lines.length);
    return { start: { line: i, character: lines[i].length }, end: { line: i, character: lines[i].length }, newText: ' ', kind: 'type-space' };
  }
  const i = cands[Math.floor(rand() * cands.length)];
  const l = lines[i];
  const r = rand();
  if (r < 0.3) {
    // type a character into the first identifier of the statement (balanced stays balanced)
    const m = /[a-z_]\w*/.exec(l);
    const at = m ? m.index + Math.max(1, Math.floor(m[0].length / 2)) : l.length;
    return { start: { line: i, character: at }, end: { line: i, character: at }, newText: 'x', kind: 'type-char' };
  }
  if (r < 0.55) {
    const s = STATEMENTS[Math.floor(rand() * STATEMENTS.length)];
    return { start: { line: i + 1, character: 0 }, end: { line: i + 1, character: 0 }, newText: `${s}\n`, kind: 'insert-statement' };
  }
  if (r < 0.75) return { start: { line: i, character: 0 }, end: { line: i + 1, character: 0 }, newText: '', kind: 'delete-statement' };
  if (r < 0.9) {
    // duplicate the statement (paste)
    return { start: { line: i, character: 0 }, end: { line: i, character: 0 }, newText: `${l}\n`, kind: 'paste-line' };
  }
  // blank line (Enter at end of line)
  return { start: { line: i, character: l.length }, end: { line: i, character: l.length }, newText: '\n', kind: 'newline' };
}

/** Apply an LSP-style edit to text. */
export function applyEdit(text: string, e: TextEdit): string {
  const offset = (pos: { line: number; character: number }): number => {
    let off = 0;
    for (let l = 0; l < pos.line; l++) {
      const n = text.indexOf('\n', off);
      if (n < 0) return text.length;
      off = n + 1;
    }
    return Math.min(off + pos.character, text.length);
  };
  return text.slice(0, offset(e.start)) + e.newText + text.slice(offset(e.end));
}
