// Condition atoms, the text facts the path-sensitive dataflow keeps along a path (`x==E`,
// `c->flags&(A|B)`, `seq&1`, `IS_ERR(p)`), and the expression tests they rest on: one spelling
// per fact (canonAtom), what known flag tests imply about another (impliedFlagTest), and which
// atoms a call makes the path forget (forgetClobbered). Read by dataflow.ts and pathFacts.ts.
import type { FunctionIR, Rel } from './ir';
import { isVarOf } from './ir';
import type { State } from './state';

/** a plain identifier (a variable, not a path through it) */
export const IDENT = /^[A-Za-z_]\w*$/;

/** Does changing lvalue `p` change expression `e` (`of->buf` by `of->buf`, `of->s.buf` by `of->s`)? */
export function coversExpr(p: string, e: string): boolean {
  return e === p || (e.startsWith(p) && /^(->|\.|\[)/.test(e.slice(p.length)));
}

/** The IS_ERR family is a sign test on a pointer: ERR_PTR values are "negative". */
export const SIGN_MACROS: Record<string, Rel> = { IS_ERR: 'neg', IS_ERR_OR_NULL: 'le0', IS_ERR_VALUE: 'neg', PTR_ERR_OR_ZERO: 'neg' };

/** an equality atom between two plain variables (`new_dvnode==orig_dvnode`) */
export const EQ_VARS = /^([A-Za-z_]\w*)==([A-Za-z_]\w*)$/;
/** One text for `a==b` and `b==a` between plain variables (the sides in order): one fact, whichever way it is written. */
export function canonAtom(text: string): string {
  const m = EQ_VARS.exec(text);
  return m && m[1] > m[2] ? `${m[2]}==${m[1]}` : text;
}

const LOW_BIT_X1 = /^\(?([A-Za-z_]\w*)&(?:0[xX]0*1|0*1)[uUlL]*\)?$/;
const LOW_BIT_1X = /^\(?(?:0[xX]0*1|0*1)[uUlL]*&([A-Za-z_]\w*)\)?$/;
/** `x&1` (`1&x`, `x&0x1`, `x&1U`): a test of the low bit of variable x; x, or undefined. */
export function parityVar(atom: string): string | undefined {
  return LOW_BIT_X1.exec(atom)?.[1] ?? LOW_BIT_1X.exec(atom)?.[1];
}

/** `c->flags&(A|B)`: the word tested and the flag names. */
export function flagTest(atom: string): { base: string; flags: string[] } | undefined {
  const m = /^(.+?)&\(?([A-Z][A-Z0-9_]*(?:\|[A-Z][A-Z0-9_]*)*)\)?$/.exec(atom);
  if (!m || /[&|]/.test(m[1])) return undefined;
  return { base: m[1], flags: m[2].split('|') };
}

/**
 * What known flag tests on the same word say about this one: `flags & (A|B)` false
 * means `flags & A` is false; `flags & A` true means `flags & (A|B)` is true.
 */
export function impliedFlagTest(atoms: Readonly<Record<string, boolean>>, atom: string): boolean | undefined {
  const t = flagTest(atom);
  if (!t) return undefined;
  for (const [k, v] of Object.entries(atoms)) {
    const o = flagTest(k);
    if (!o || o.base !== t.base) continue;
    if (!v && t.flags.every((f) => o.flags.includes(f))) return false;
    if (v && o.flags.every((f) => t.flags.includes(f))) return true;
  }
  return undefined;
}

/** Per function: does a call clobber the condition atom (it reads memory a callee may change)? */
const CLOBBERED = new WeakMap<FunctionIR, Map<string, boolean>>();
/** Atoms objects after a call: the same object in gives the same object out (states stay shareable). */
const AFTER_CALL = new WeakMap<object, Readonly<Record<string, boolean>>>();

/**
 * A call may change task state (`current->journal_info`, set by
 * gfs2_trans_begin()) and globals: atoms reading those are forgotten after
 * the call. Atoms over the function's own parameters and locals are kept
 * (`inode == sdp->sd_rindex`, `attr->ia_valid & ATTR_SIZE`): that is what
 * correlated conditions in kernel code rely on, and callees rarely change them.
 */
export function forgetClobbered(s: State, fn: FunctionIR): State {
  const keys = Object.keys(s.atoms);
  if (keys.length === 0) return s;
  const known = AFTER_CALL.get(s.atoms);
  if (known) return known === s.atoms ? s : { ...s, atoms: known };
  let changed = false;
  const atoms: Record<string, boolean> = {};
  for (const k of keys) {
    if (callClobbers(fn, k)) { changed = true; continue; }
    atoms[k] = s.atoms[k];
  }
  AFTER_CALL.set(s.atoms, changed ? atoms : s.atoms);
  return changed ? { ...s, atoms } : s;
}

/** Does a plain call forget this atom (it reads task state, a global, or memory not rooted in a parameter or local)? */
export function callClobbers(fn: FunctionIR, k: string): boolean {
  let memo = CLOBBERED.get(fn);
  if (!memo) { memo = new Map(); CLOBBERED.set(fn, memo); }
  let drop = memo.get(k);
  if (drop === undefined) {
    const stable = /^#|^[A-Z][A-Z0-9_]*\(/.test(k);
    const roots = [...k.matchAll(/(?<![\w>.])([a-z_]\w*)(?=\s*(->|\.))/g)].map((m) => m[1]);
    drop = !stable && roots.some((r) => r === 'current' || !isVarOf(fn, r));
    memo.set(k, drop);
  }
  return drop;
}
