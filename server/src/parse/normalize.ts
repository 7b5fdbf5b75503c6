// Byte-offset-preserving normalisation of kernel C before tree-sitter sees it.
//
// Every rewrite replaces text with text of exactly the same length (spaces, or a
// keyword padded with spaces), and never touches a newline, so every offset,
// line and column the engine reports points at the user's original text.
//
// What gets rewritten (the shapes that make raw tree-sitter-c produce ERROR
// nodes in ~16% of Linux 6.12 fs/ functions):
//   - attribute-like keywords: __user, __must_check, __always_inline, __init, ...
//   - attribute macros with arguments: __aligned(8), __printf(2, 3), __counted_by(n)
//   - sparse / context-analysis annotations (__acquires(x) ...): blanked, but
//     recorded as ContextAnnotation facts for the engine
//   - EXPORT_SYMBOL*(sym) and friends at file scope
//   - iterator macros used as loop heads: `list_for_each_entry(p, h, m) {`
//     becomes `while              (p, h, m) {` (a comma expression: same
//     semantics for the CFG, zero or more iterations)
//   - `scoped_guard(mutex, &l) {` becomes `if          (mutex, &l) {`; the engine
//     recognises it from the recorded MacroSite and releases at block exit.

export interface ContextAnnotation {
  /** e.g. "__acquires", "__must_hold", "__releases_shared" */
  kind: string;
  /** argument text, as written */
  arg: string;
  /** offset of the annotation keyword in the original text */
  offset: number;
}

export interface MacroSite {
  /** "loop" for iterator macros rewritten to while, "scoped_guard" / "scoped_cond_guard" rewritten to if */
  kind: 'loop' | 'scoped_guard' | 'scoped_cond_guard';
  name: string;
  /** offset of the macro name (= start of the rewritten statement) */
  offset: number;
  /** argument texts of the macro call, split at top-level commas */
  args: string[];
}

export interface Normalized {
  text: string;
  annotations: ContextAnnotation[];
  macros: MacroSite[];
}

/** Keywords that only carry attributes for the compiler/sparse; blanked wherever they stand. */
const ATTRIBUTE_WORDS = new Set([
  '__user', '__kernel', '__iomem', '__rcu', '__percpu', '__force', '__bitwise', '__safe', '__private',
  '__must_check', '__always_inline', 'noinline', '__noinline', 'noinline_for_stack', '__init', '__exit',
  '__cold', '__hot', '__maybe_unused', '__used', '__always_unused', '__sched', '__weak', '__visible',
  'notrace', '__noreturn', '__latent_entropy', '__randomize_layout', '__no_randomize_layout', '__packed',
  '__read_mostly', '__ro_after_init', '__initdata', '__initconst', '__exitdata', '__refdata', '__ref',
  '__meminit', '__init_or_module', '__cacheline_aligned', '__cacheline_aligned_in_smp',
  '____cacheline_aligned', '____cacheline_aligned_in_smp', '__attribute_const__', '__pure', '__malloc',
  '__nocfi', '__kprobes', '__flatten', 'asmlinkage', '__nonstring', '__fastpath_inline', '__noclone',
  '__nostackprotector', '__no_kcsan', '__no_sanitize_address', 'noinstr', '__cpuidle', '__irq_entry',
  '__softirq_entry', '__lockfunc', '__mustcheck', '__deprecated', '__gfs2_inline', 'fastcall',
  'context_unsafe', '__context_unsafe', '__ksym', '__kfunc', '__bpf_kfunc', '__no_context_analysis',
]);

/** Attribute macros taking arguments; blanked with their argument list. */
const ATTRIBUTE_CALLS = new Set([
  '__aligned', '__printf', '__scanf', '__counted_by', '__counted_by_le', '__counted_by_be', '__sized_by',
  '__section', '__free', '__cleanup', '__alloc_size', '__assume_aligned', '__nonnull', '__diag_ignore',
  '__releases_ptr', '__acquire_ret', '__acquires_ret', '__guarded_by', '__pt_guarded_by', '__context__',
  '__malloc_like', '__realloc_size', '__access', '__must_be_array',
]);

/** Context annotations: recorded as facts, then blanked. */
const CONTEXT_ANNOTATIONS = new Set([
  '__acquires', '__releases', '__must_hold', '__must_not_hold', '__cond_acquires', '__cond_releases',
  '__acquires_shared', '__releases_shared', '__must_hold_shared', '__cond_acquires_shared',
]);

/** File-scope macros that declare nothing the engine needs and often lack a ';'. */
const FILE_SCOPE_MACRO = /^(EXPORT_SYMBOL\w*|EXPORT_TRACEPOINT_SYMBOL\w*|MODULE_\w+|ALLOW_ERROR_INJECTION|NOKPROBE_SYMBOL|__setup|early_param|core_param|module_param\w*|late_initcall\w*|core_initcall\w*|fs_initcall\w*|device_initcall\w*|subsys_initcall\w*|arch_initcall\w*|postcore_initcall\w*|pure_initcall|module_init|module_exit|BTF_\w+|KUNIT_\w+|kunit_test_suites?)$/;

/** Iterator-like macros used as loop heads. Any `NAME(...) {` in statement position also qualifies. */
const LOOP_MACRO_NAME = /for_each|foreach|_each_|^each_/;

const KEYWORDS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'do', 'else', 'case', 'goto',
  'typeof', '__typeof__', '_Alignof', 'defined', '__attribute__', '__builtin_expect', 'asm', '__asm__',
  'volatile', '__volatile__', '_Static_assert', 'static_assert', 'offsetof', 'BUILD_BUG_ON']);

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

/** Token kinds produced by the light-weight scanner used here. */
interface Tok { kind: 'id' | 'punct'; text: string; start: number; end: number }

/**
 * A light scanner over C: skips comments, string/char literals and
 * preprocessor lines (but reports `#` line starts so callers can ignore them).
 */
function scan(src: string): Tok[] {
  const toks: Tok[] = [];
  const n = src.length;
  let i = 0;
  let lineStart = true;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10) { lineStart = true; i++; continue; }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) { i++; continue; }
    if (c === 47 && src.charCodeAt(i + 1) === 42) { // /* */
      const e = src.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 47) { // //
      const e = src.indexOf('\n', i);
      i = e < 0 ? n : e;
      continue;
    }
    if (c === 35 && lineStart) { // preprocessor line, with continuations
      let j = i;
      while (j < n) {
        const e = src.indexOf('\n', j);
        if (e < 0) { j = n; break; }
        let k = e - 1;
        while (k > j && (src.charCodeAt(k) === 13 || src.charCodeAt(k) === 32 || src.charCodeAt(k) === 9)) k--;
        if (src.charCodeAt(k) === 92) { j = e + 1; continue; }
        j = e;
        break;
      }
      toks.push({ kind: 'punct', text: '#', start: i, end: j });
      i = j;
      continue;
    }
    lineStart = false;
    if (c === 34 || c === 39) { // string / char literal
      let j = i + 1;
      while (j < n) {
        const d = src.charCodeAt(j);
        if (d === 92) { j += 2; continue; }
        if (d === c || d === 10) { j++; break; }
        j++;
      }
      toks.push({ kind: 'punct', text: c === 34 ? '"' : "'", start: i, end: j });
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentChar(src.charCodeAt(j))) j++;
      toks.push({ kind: 'id', text: src.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (c >= 48 && c <= 57) {
      let j = i + 1;
      while (j < n && (isIdentChar(src.charCodeAt(j)) || src.charCodeAt(j) === 46)) j++;
      toks.push({ kind: 'punct', text: '0', start: i, end: j });
      i = j;
      continue;
    }
    toks.push({ kind: 'punct', text: src[i], start: i, end: i + 1 });
    i++;
  }
  return toks;
}

/** Index of the token closing the parenthesis opened at toks[open], or -1. */
function matchParen(toks: Tok[], open: number): number {
  let depth = 0;
  for (let k = open; k < toks.length; k++) {
    const t = toks[k].text;
    if (t === '#') continue;
    if (t === '(') depth++;
    else if (t === ')') { depth--; if (depth === 0) return k; }
    else if ((t === ';' || t === '{' || t === '}') && depth <= 1 && k > open) {
      // a statement boundary inside the parens: not a well-formed macro call
      if (t !== '{' && t !== '}') return -1;
    }
  }
  return -1;
}

/** Split the text between two offsets at top-level commas. */
export function splitArgs(src: string, start: number, end: number): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = start;
  for (let i = start; i < end; i++) {
    const ch = src[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) { out.push(src.slice(cur, i).trim()); cur = i + 1; }
  }
  const last = src.slice(cur, end).trim();
  if (last.length > 0 || out.length > 0) out.push(last);
  return out;
}

/** Replace [start,end) with spaces, keeping newlines (so line numbers survive). */
function blank(buf: string[], start: number, end: number): void {
  for (let i = start; i < end; i++) if (buf[i] !== '\n' && buf[i] !== '\r') buf[i] = ' ';
}

function overwrite(buf: string[], start: number, word: string): void {
  for (let i = 0; i < word.length; i++) buf[start + i] = word[i];
}

export function normalizeKernelC(src: string): Normalized {
  const toks = scan(src);
  const buf = src.split('');
  const annotations: ContextAnnotation[] = [];
  const macros: MacroSite[] = [];
  let depth = 0; // brace depth
  let parenDepth = 0;

  const prevSignificant = (k: number): Tok | undefined => {
    for (let j = k - 1; j >= 0; j--) if (toks[j].text !== '#') return toks[j];
    return undefined;
  };

  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.text === '#') continue;
    if (t.kind === 'punct') {
      if (t.text === '{') depth++;
      else if (t.text === '}') depth = Math.max(0, depth - 1);
      else if (t.text === '(') parenDepth++;
      else if (t.text === ')') parenDepth = Math.max(0, parenDepth - 1);
      continue;
    }
    const name = t.text;
    if (ATTRIBUTE_WORDS.has(name)) { blank(buf, t.start, t.end); continue; }
    const next = toks[k + 1];
    const hasCall = next !== undefined && next.text === '(';
    if (hasCall && (ATTRIBUTE_CALLS.has(name) || CONTEXT_ANNOTATIONS.has(name))) {
      const close = matchParen(toks, k + 1);
      if (close < 0) continue;
      if (CONTEXT_ANNOTATIONS.has(name)) {
        annotations.push({ kind: name, arg: src.slice(next.end, toks[close].start).trim(), offset: t.start });
      }
      blank(buf, t.start, toks[close].end);
      k = close;
      continue;
    }
    if (depth === 0 && parenDepth === 0 && hasCall && FILE_SCOPE_MACRO.test(name)) {
      const close = matchParen(toks, k + 1);
      if (close < 0) continue;
      let end = toks[close].end;
      if (toks[close + 1] && toks[close + 1].text === ';') end = toks[close + 1].end;
      blank(buf, t.start, end);
      k = close;
      continue;
    }
    if (depth > 0 && hasCall && !KEYWORDS.has(name)) {
      const prev = prevSignificant(k);
      const stmtStart = prev === undefined || prev.text === ';' || prev.text === '{' || prev.text === '}' ||
        prev.text === ':' || prev.text === ')' || prev.text === 'else';
      if (!stmtStart) continue;
      const close = matchParen(toks, k + 1);
      if (close < 0) continue;
      const after = toks[close + 1];
      if (after === undefined) continue;
      const opensBlock = after.text === '{';
      const headsStatement = after.kind === 'id' && LOOP_MACRO_NAME.test(name) && !KEYWORDS.has(after.text);
      if (!opensBlock && !headsStatement) continue;
      const args = splitArgs(src, next.end, toks[close].start);
      if (name === 'scoped_guard' || name === 'scoped_cond_guard') {
        if (name.length < 2) continue;
        overwrite(buf, t.start, 'if');
        blank(buf, t.start + 2, t.end);
        macros.push({ kind: name, name, offset: t.start, args });
      } else if (name.length >= 5) {
        overwrite(buf, t.start, 'while');
        blank(buf, t.start + 5, t.end);
        macros.push({ kind: 'loop', name, offset: t.start, args });
      }
    }
  }
  return { text: buf.join(''), annotations, macros };
}
