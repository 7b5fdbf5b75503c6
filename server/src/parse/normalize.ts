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
  '__net_init', '__net_exit', '__net_initdata', '__net_exitdata', 'EXPORT_FOR_TESTS', 'forceinline', '__always_unused',
  '__init_memblock', '__meminitdata', '__cpuinit', '__devinit', '__devexit', '__noinline_for_stack', '__noinstr',
  '__no_sanitize_memory', '__no_stack_protector', '__must_hold_ptr', 'EXPORT_SYMBOL_FOR_TESTS_ONLY', '__retain',
  '__always_inline_nofault', '__attribute_used__', '__section_used', 'MAYBE_UNUSED', '__unused', '__maybe_unused_fn',
  '__sparse_force', '__le_force', '__kunit_test', 'VISIBLE_IF_KUNIT',
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

/**
 * The source with same-length character rewrites on top. Rewrites are few
 * next to the text, so they are kept apart and applied once at the end
 * (splitting a whole file into one-character strings and joining it back was
 * half of the normaliser's time).
 */
class TextBuf {
  private readonly edits = new Map<number, string>();
  constructor(private readonly src: string) {}
  at(i: number): string { return this.edits.get(i) ?? this.src[i]; }
  set(i: number, ch: string): void {
    if (i < 0 || i >= this.src.length) return;
    if (ch === this.src[i]) this.edits.delete(i); else this.edits.set(i, ch);
  }
  text(): string {
    if (this.edits.size === 0) return this.src;
    const at = [...this.edits.keys()].sort((a, b) => a - b);
    const parts: string[] = [];
    let last = 0;
    for (const i of at) { parts.push(this.src.slice(last, i), this.edits.get(i)!); last = i + 1; }
    parts.push(this.src.slice(last));
    return parts.join('');
  }
}

/** Replace [start,end) with spaces, keeping newlines (so line numbers survive). */
function blank(buf: TextBuf, start: number, end: number): void {
  for (let i = start; i < end; i++) { const c = buf.at(i); if (c !== '\n' && c !== '\r') buf.set(i, ' '); }
}

function overwrite(buf: TextBuf, start: number, word: string): void {
  for (let i = 0; i < word.length; i++) buf.set(start + i, word[i]);
}

/** What a `{` opens: a function body or block, a struct/union/enum body, an initialiser. */
type BraceKind = 'code' | 'type' | 'init';

interface Open {
  ch: '(' | '[' | '{';
  kind: BraceKind | 'paren';
  /** identifier before a `(` (the callee of a call, or `for`/`if`/...) */
  owner: string;
}

/** Built-in operators that take a type name where a call takes an expression. */
const TYPE_TAKING = new Set(['sizeof', 'offsetof', '__builtin_offsetof', 'typeof', '__typeof__', '__typeof', 'typeof_unqual',
  '_Alignof', '__alignof__', 'alignof', '_Static_assert', 'static_assert', '__attribute__', '__attribute', 'asm', '__asm__',
  '__asm', '_Generic', '__builtin_types_compatible_p', '__builtin_choose_expr']);

/** Words that make a macro argument a type name (`struct foo *`, `unsigned long`, `const char *`). */
const TYPE_WORDS = new Set(['struct', 'union', 'enum', 'unsigned', 'signed', 'long', 'short', 'int', 'char', 'void', 'float',
  'double', 'const', 'volatile', '_Bool', 'bool']);

/** Primitive type keywords that tree-sitter will not take as an expression on their own. */
const LONE_TYPE_KEYWORDS = new Set(['void', 'char', 'short', 'long', 'unsigned', 'signed', 'float', 'double', '_Bool']);

const STATEMENT_KEYWORDS = new Set(['if', 'for', 'while', 'do', 'switch', 'return', 'goto', 'break', 'continue']);

const OPERATOR_CHARS = /^[=!<>&|+\-*/%^]$/;

function isUpperMacro(name: string): boolean {
  return /^[A-Z][A-Z0-9_]*$/.test(name) && /[A-Z]/.test(name);
}

/**
 * Semicolons directly inside a call's parentheses (`DLM_ASSERT(x, dump(r););`)
 * become `,` (or a space before the closing parenthesis): the macro argument is
 * a statement list that C cannot spell as an expression. `for (;;)` is left alone.
 * Returns the token list without the rewritten semicolons (or with them as commas).
 */
function fixParenSemicolons(toks: Tok[], buf: TextBuf): Tok[] {
  const stack: { ch: string; owner: string }[] = [];
  const out: Tok[] = [];
  let prev: Tok | undefined;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.text === '#') { out.push(t); continue; }
    if (t.kind === 'punct') {
      if (t.text === '(' || t.text === '[' || t.text === '{') {
        stack.push({ ch: t.text, owner: prev && prev.kind === 'id' ? prev.text : '' });
      } else if (t.text === ')' || t.text === ']') {
        const want = t.text === ')' ? '(' : '[';
        const at = stack.map((s) => s.ch).lastIndexOf(want);
        if (at >= 0) stack.length = at;
      } else if (t.text === '}') {
        const at = stack.map((s) => s.ch).lastIndexOf('{');
        if (at >= 0) stack.length = at; else stack.length = 0;
      } else if (t.text === ';') {
        const top = stack[stack.length - 1];
        if (top && top.ch === '(' && top.owner !== 'for' && top.owner !== '') {
          let n = k + 1;
          while (n < toks.length && toks[n].text === '#') n++;
          const next = toks[n];
          if (next && next.text === ')') { buf.set(t.start, ' '); prev = t; continue; }
          if (next && next.text !== ';') {
            buf.set(t.start, ',');
            const c: Tok = { kind: 'punct', text: ',', start: t.start, end: t.end };
            out.push(c);
            prev = c;
            continue;
          }
        }
      }
    }
    out.push(t);
    prev = t;
  }
  return out;
}

/** Directive name of a preprocessor line token: `if`, `ifdef`, `else`, `endif`, ... */
function directive(src: string, t: Tok): string {
  const m = /^#\s*([a-z_]+)/.exec(src.slice(t.start, Math.min(t.end, t.start + 40)));
  return m ? m[1] : '';
}

/**
 * `#if` groups whose branches are not self-contained (a branch opens a brace it
 * does not close, starts or ends with `else`, or sits between `if (...)` and its
 * `else`) cannot be parsed as C with both branches present. Keep one branch
 * (the first, or the `#else` of an `#if 0`), blank the directives and the others.
 * Balanced groups are left alone: the CFG models them as a correlated choice.
 * Returns the tokens that survive.
 */
function resolveSplitConditionals(src: string, toks: Tok[], buf: TextBuf): Tok[] {
  interface Group { dirs: number[]; cond: string }
  const groups: Group[] = [];
  const stack: Group[] = [];
  for (let k = 0; k < toks.length; k++) {
    if (toks[k].text !== '#') continue;
    const d = directive(src, toks[k]);
    if (d === 'if' || d === 'ifdef' || d === 'ifndef') {
      const g: Group = { dirs: [k], cond: src.slice(toks[k].start, toks[k].end).replace(/^#\s*\w+/, '').trim() };
      stack.push(g);
    } else if (d === 'elif' || d === 'else' || d === 'elifdef' || d === 'elifndef') {
      stack[stack.length - 1]?.dirs.push(k);
    } else if (d === 'endif') {
      const g = stack.pop();
      if (g) { g.dirs.push(k); groups.push(g); }
    }
  }
  if (groups.length === 0) return toks;
  const drop = new Uint8Array(toks.length);
  const firstSig = (a: number, b: number): Tok | undefined => { for (let k = a; k < b; k++) if (toks[k].text !== '#') return toks[k]; return undefined; };
  const lastSig = (a: number, b: number): Tok | undefined => { for (let k = b - 1; k >= a; k--) if (toks[k].text !== '#') return toks[k]; return undefined; };
  const balanced = (a: number, b: number): boolean => {
    let br = 0; let pr = 0;
    for (let k = a; k < b; k++) {
      const x = toks[k].text;
      if (x === '{') br++; else if (x === '}') br--; else if (x === '(') pr++; else if (x === ')') pr--;
    }
    return br === 0 && pr === 0;
  };
  // inner groups first (they were pushed when closed), so an outer group's test sees inner ones resolved
  for (const g of groups) {
    if (drop[g.dirs[0]]) continue;
    const branches: [number, number][] = [];
    for (let i = 0; i + 1 < g.dirs.length; i++) branches.push([g.dirs[i] + 1, g.dirs[i + 1]]);
    const live = (a: number, b: number): [number, number] => [a, b];
    let split = false;
    for (const [a, b] of branches) {
      const [x, y] = live(a, b);
      if (!balanced(x, y)) { split = true; break; }
      const f = firstSig(x, y);
      const l = lastSig(x, y);
      if ((f && f.text === 'else') || (l && l.text === 'else')) { split = true; break; }
    }
    if (!split) {
      // `if (x) stmt;` / `#ifdef` / `else ...` / `#endif`: an else right after the group
      const after = firstSig(g.dirs[g.dirs.length - 1] + 1, Math.min(toks.length, g.dirs[g.dirs.length - 1] + 3));
      if (after && after.text === 'else') split = true;
    }
    if (!split) continue;
    let keep = 0;
    if (/^0\b/.test(g.cond) && branches.length > 1) keep = 1;
    branches.forEach(([a, b], i) => {
      if (i === keep) return;
      for (let k = a; k < b; k++) if (!drop[k]) { drop[k] = 1; blank(buf, toks[k].start, toks[k].end); }
    });
    for (const d of g.dirs) { drop[d] = 1; blank(buf, toks[d].start, toks[d].end); }
  }
  return toks.filter((_, k) => !drop[k]);
}

/** Bracket nesting beyond which the input is left as written: the rewrites below are quadratic in nesting depth. */
export const MAX_NORMALIZE_NESTING = 1000;

export function nestingExceeds(src: string, limit: number): boolean {
  let d = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) { if (++d > limit) return true; } else if (c === 41 || c === 93 || c === 125) { if (d > 0) d--; }
  }
  return false;
}

export function normalizeKernelC(src: string): Normalized {
  // pathological nesting (no kernel file comes near it): tree-sitter and the CFG builder cope, the rewrites would not finish
  if (nestingExceeds(src, MAX_NORMALIZE_NESTING)) return { text: src, annotations: [], macros: [] };
  const buf = new TextBuf(src);
  const toks = fixParenSemicolons(resolveSplitConditionals(src, scan(src), buf), buf);
  const annotations: ContextAnnotation[] = [];
  const macros: MacroSite[] = [];
  const stack: Open[] = [];

  const prevSignificant = (k: number): Tok | undefined => {
    for (let j = k - 1; j >= 0; j--) if (toks[j].text !== '#') return toks[j];
    return undefined;
  };
  const nextSignificant = (k: number): number => {
    let j = k + 1;
    while (j < toks.length && toks[j].text === '#') j++;
    return j;
  };
  const innermostBrace = (): Open | undefined => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i].ch === '{') return stack[i];
    return undefined;
  };
  const inBody = (): boolean => stack.some((o) => o.ch === '{' && (o.kind === 'code' || o.kind === 'init'));

  const prevIndex = (k: number): number => {
    for (let j = k - 1; j >= 0; j--) if (toks[j].text !== '#') return j;
    return -1;
  };
  const braceKind = (k: number): BraceKind => {
    const pi = prevIndex(k);
    const p = pi >= 0 ? toks[pi] : undefined;
    const top = stack[stack.length - 1];
    if (!p) return 'code';
    if (p.text === '=') return 'init';
    if (p.text === 'struct' || p.text === 'union' || p.text === 'enum') return 'type';
    if (p.kind === 'id') {
      const pp = prevSignificant(pi);
      if (pp && (pp.text === 'struct' || pp.text === 'union' || pp.text === 'enum')) return 'type';
    }
    if (top && top.ch === '{' && top.kind === 'init') return 'init';
    if (top && top.ch === '{' && top.kind === 'type') return 'type';
    if (top && (top.ch === '(' || top.ch === '[') && p.text !== ')' ) {
      // `({ ... })` statement expression; `f(a, { ... })` cannot happen in C but
      // `(struct x){ ... }` compound literals can: the `)` case below.
      return p.text === '(' ? 'code' : 'init';
    }
    if (p.text === ',' || p.text === '(' || p.text === '[') return 'init';
    return 'code';
  };

  /** Top-level argument token ranges of the call whose `(` is toks[open]; undefined if unbalanced. */
  const callArgs = (open: number): { close: number; args: [number, number][]; commas: number[] } | undefined => {
    let depth = 0;
    const args: [number, number][] = [];
    const commas: number[] = [];
    let start = open + 1;
    for (let k = open; k < toks.length; k++) {
      const t = toks[k].text;
      if (t === '#') continue;
      if (t === '(' || t === '[' || t === '{') depth++;
      else if (t === ')' || t === ']' || t === '}') {
        depth--;
        if (depth === 0) {
          if (t !== ')') return undefined;
          args.push([start, k]);
          return { close: k, args, commas };
        }
        if (depth < 0) return undefined;
      } else if (t === ',' && depth === 1) {
        args.push([start, k]);
        commas.push(k);
        start = k + 1;
      } else if (t === ';' && depth === 1) return undefined;
    }
    return undefined;
  };

  /** `struct foo *`, `unsigned long`, `const char *`: a type name used as a macro argument. */
  const isTypeArg = (a: number, b: number): boolean => {
    const ts = toks.slice(a, b).filter((t) => t.text !== '#');
    if (ts.length === 0) return false;
    let i = 0;
    let ids = 0;
    let typeWord = false;
    while (i < ts.length && ts[i].kind === 'id') {
      if (TYPE_WORDS.has(ts[i].text)) typeWord = true;
      ids++;
      i++;
    }
    if (ids === 0) return false;
    let stars = 0;
    while (i < ts.length && (ts[i].text === '*' || ts[i].text === 'const' || ts[i].text === 'volatile')) { if (ts[i].text === '*') stars++; i++; }
    if (i !== ts.length) return false;
    if (ids === 1 && stars === 0) return LONE_TYPE_KEYWORDS.has(ts[0].text);
    return typeWord || stars > 0 || ids >= 2;
  };

  /** Rewrite a type-name argument into one identifier of the same length (`struct_foo__`). */
  const rewriteTypeArg = (a: number, b: number): void => {
    const ts = toks.slice(a, b).filter((t) => t.text !== '#');
    const start = ts[0].start;
    const end = ts[ts.length - 1].end;
    const plain = !/[\n/#]/.test(src.slice(start, end));
    if (plain) {
      for (let i = start; i < end; i++) {
        const c = buf.at(i);
        if (c === ' ' || c === '\t' || c === '*') buf.set(i, '_');
      }
      return;
    }
    // spread over lines or around comments: keep the first word (upper-cased so it is no keyword), blank the rest
    overwrite(buf, ts[0].start, ts[0].text.toUpperCase());
    for (let i = 1; i < ts.length; i++) blank(buf, ts[i].start, ts[i].end);
  };

  /** Macro-argument rewrites for a call `name(` at toks[k], `(` at toks[k+1]. */
  const fixCallArgs = (k: number): void => {
    const r = callArgs(k + 1);
    if (!r) return;
    r.args.forEach(([a, b], i) => {
      if (b <= a) return;
      if (isTypeArg(a, b)) { rewriteTypeArg(a, b); return; }
      // ASSERTCMP(x, ==, y): an operator passed as an argument; drop the commas around it
      const ts = toks.slice(a, b);
      if (ts.every((t) => t.kind === 'punct' && OPERATOR_CHARS.test(t.text))) {
        if (i > 0) buf.set(toks[r.commas[i - 1]].start, ' ');
        if (i < r.commas.length) buf.set(toks[r.commas[i]].start, ' ');
      }
    });
  };

  /** A statement-level macro call missing its `;`: put one in the white space after it, if there is any on the line. */
  const addSemicolon = (close: number, next: Tok): boolean => {
    for (let i = toks[close].end; i < next.start; i++) {
      const c = src.charCodeAt(i);
      if (c === 32 || c === 9) { buf.set(i, ';'); return true; }
      if (c !== 10 && c !== 13) return false; // a comment in between
    }
    return false;
  };

  let inCase = false;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.text === '#') continue;
    if (t.kind === 'punct') {
      if (t.text === ':') inCase = false;
      else if (inCase && t.text === '.' && toks[k + 1]?.text === '.' && toks[k + 2]?.text === '.' && toks[k + 2].end === t.start + 3) {
        // GNU case range `case A ... B:` -> `case A || B:` (the CFG does not evaluate case values)
        overwrite(buf, t.start, ' ||');
        k += 2;
        continue;
      }
      if (t.text === '{') stack.push({ ch: '{', kind: braceKind(k), owner: '' });
      else if (t.text === '(' || t.text === '[') {
        const p = prevSignificant(k);
        stack.push({ ch: t.text, kind: 'paren', owner: p && p.kind === 'id' ? p.text : '' });
      } else if (t.text === ')' || t.text === ']' || t.text === '}') {
        const want = t.text === ')' ? '(' : t.text === ']' ? '[' : '{';
        let at = -1;
        for (let i = stack.length - 1; i >= 0; i--) if (stack[i].ch === want) { at = i; break; }
        if (at >= 0) stack.length = at;
        else if (t.text === '}') stack.length = 0;
      }
      continue;
    }
    const name = t.text;
    if (ATTRIBUTE_WORDS.has(name)) { blank(buf, t.start, t.end); continue; }
    if (name === 'case') { inCase = true; continue; }
    if (name === 'static' && toks[k + 1]?.kind === 'id' && toks[k + 2]?.text === '(' && /^(DEFINE|DECLARE)_/.test(toks[k + 1].text) && inBody()) {
      // `static DEFINE_RATELIMIT_STATE(rs, ...);` inside a function
      blank(buf, t.start, t.end);
      continue;
    }
    if ((name === 'offsetof' || name === '__alignof__' || name === '_Alignof') && toks[k + 1]?.text === '(') {
      // offsetof(struct x, a.b[1]) / __alignof__(*p): tree-sitter takes only the plain forms; make them a macro call
      const r = callArgs(k + 1);
      const plain = r && name === 'offsetof' && r.args.length === 2 && r.args[1][1] - r.args[1][0] === 1 && toks[r.args[1][0]].kind === 'id' &&
        !(toks[r.args[0][0]]?.text === 'typeof' || toks[r.args[0][0]]?.text === '__typeof__');
      if (r && !plain) {
        overwrite(buf, t.start, name.toUpperCase());
        fixCallArgs(k);
      }
      continue;
    }
    if (name === 'STATIC') { overwrite(buf, t.start, 'static'); continue; }
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
    const brace = innermostBrace();
    const fileScope = brace === undefined;
    const parenTop = stack.length > 0 && stack[stack.length - 1].ch !== '{';
    if (fileScope && !parenTop && hasCall && FILE_SCOPE_MACRO.test(name)) {
      const close = matchParen(toks, k + 1);
      if (close < 0) continue;
      let end = toks[close].end;
      if (toks[close + 1] && toks[close + 1].text === ';') end = toks[close + 1].end;
      blank(buf, t.start, end);
      k = close;
      continue;
    }
    if (!hasCall || KEYWORDS.has(name) || TYPE_TAKING.has(name)) continue;
    if (inBody() || (fileScope && isUpperMacro(name) && !/SYSCALL_DEFINE/.test(name))) fixCallArgs(k);
    if (!brace || brace.kind !== 'code' || parenTop) continue;
    // statement position inside a function body
    const prev = prevSignificant(k);
    const stmtStart = prev === undefined || prev.text === ';' || prev.text === '{' || prev.text === '}' ||
      prev.text === ':' || prev.text === ')' || prev.text === 'else' || prev.text === 'do';
    if (!stmtStart) continue;
    const close = matchParen(toks, k + 1);
    if (close < 0) continue;
    const ai = nextSignificant(close);
    const after = toks[ai];
    if (after === undefined) continue;
    const newline = src.slice(toks[close].end, after.start).includes('\n') || toks[ai - 1]?.text === '#';
    const isGuard = name === 'scoped_guard' || name === 'scoped_cond_guard';
    const args = (): string[] => splitArgs(src, next.end, toks[close].start);
    if (isGuard) {
      if (after.text === ';') continue;
      overwrite(buf, t.start, 'if');
      blank(buf, t.start + 2, t.end);
      macros.push({ kind: name, name, offset: t.start, args: args() });
      continue;
    }
    const emptyArgs = toks[close].start === next.end || src.slice(next.end, toks[close].start).trim() === '';
    const afterPreproc = toks[ai - 1]?.text === '#';
    const opensBlock = after.text === '{';
    const headsStatement = !afterPreproc && !emptyArgs && after.kind === 'id' && after.text !== 'else' && after.text !== 'case' && after.text !== 'default' &&
      (!isUpperMacro(name) || LOOP_MACRO_NAME.test(name.toLowerCase()) || STATEMENT_KEYWORDS.has(after.text) && !newline);
    const headsDeref = !afterPreproc && !emptyArgs && after.text === '*' && newline && !isUpperMacro(name);
    if (opensBlock && emptyArgs) {
      // `NAME() {`: a block under a macro we cannot see into; run it once
      if (toks[close].end - t.start >= 5) { overwrite(buf, t.start, 'if(1)'); blank(buf, t.start + 5, toks[close].end); }
      continue;
    }
    if (opensBlock || headsStatement || headsDeref) {
      if (name.length >= 5) {
        overwrite(buf, t.start, 'while');
        blank(buf, t.start + 5, t.end);
      } else {
        overwrite(buf, t.start, 'if');
        blank(buf, t.start + 2, t.end);
      }
      macros.push({ kind: 'loop', name, offset: t.start, args: args() });
      continue;
    }
    // `BCH_OPTS()` (an x-macro expanding to statements) or a call missing its `;` before `}` / a label / `#endif`
    if (after.text === '}' || after.text === 'case' || after.text === 'default' || afterPreproc || (newline && after.kind === 'id')) {
      if (!addSemicolon(close, afterPreproc ? toks[ai - 1] : after)) {
        // no white space to use: the call becomes the bare name (`NAME;`), its arguments blanked
        buf.set(next.start, ';');
        blank(buf, next.start + 1, toks[close].end);
      }
    }
  }
  return { text: buf.text(), annotations, macros };
}
