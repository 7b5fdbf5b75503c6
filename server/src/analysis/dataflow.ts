// Held-lock dataflow over a function's CFG.
//
// Path-sensitive where kernel code needs it: the worklist carries a set of
// distinct abstract states per node (not a join), so correlated flags
// (`if (lock_inode) inode_lock(); ... if (lock_inode) inode_unlock();`),
// trylock / gfs2_glock_nq() / mutex_lock_interruptible() return values and
// gfs2_holder_queued() tests stay exact. Work is bounded by a per-function
// step budget and a per-node state cap; when either is hit the function gets
// an information note and no findings (never a guess).
//
// The dataflow records what happened (acquisitions with the held set before,
// releases, calls, exits); the rules in rules/ read those records. Which path
// facts the path-sensitive pass keeps is chosen in pathFacts.ts; condition
// atoms are spelled and forgotten by atoms.ts; `&v` out-parameters: outParams.ts.
import type { Knowledge } from '../model/knowledge';
import type { LockApi, LockKind } from '../model/lockApi';
import { ATOMIC_KINDS, RECURSIVE_KINDS } from '../model/lockApi';
import type { FaultApi } from '../model/faultApi';
import type { StructTable } from '../model/classes';
import { baseClass } from '../model/classes';
import type { Call, Cond, FunctionIR, Op, Pos, Rel, Value } from './ir';
import { forEachOp, isParam, isVarOf } from './ir';
import { ClassKey, isIndexed, LockRef, Resolver } from './locks';
import {
  ANY, addHeld, dropAtomsOf, findHeld, Held, initialState, mentions, N, P, removeHeld, setVar, SIGN_BITS, signOf, State,
  stateKey, lockPartKey, lockStateKey, newKeySpace, trailOf, varSign, withTrail, Z,
} from './state';
import type { LockEffect, Released, Summary, SummaryLookup } from './summaryTypes';
import { canonAtom, coversExpr, EQ_VARS, forgetClobbered, IDENT, impliedFlagTest, SIGN_MACROS } from './atoms';
import { heldOutVar, outParamClobbers, parityClobbers } from './outParams';
import type { Facts } from './pathFacts';
import { relevantFacts } from './pathFacts';
import { checkLockLeak } from './rules/lock-leak';
import { checkDoubleLock } from './rules/double-lock';
import { checkUnlockUnheld } from './rules/unlock-unheld';
import { checkPagefaultImbalance } from './rules/pagefault-imbalance';
import { checkAnnotationMismatch } from './rules/annotation-mismatch';

export interface Budget {
  /** node visits per function */
  steps: number;
  /** distinct states per CFG node */
  statesPerNode: number;
}

export const DEFAULT_BUDGET: Budget = { steps: 200_000, statesPerNode: 512 };

export interface AcquireRec {
  ref: LockRef; before: State; pos: Pos; try: boolean; callee?: Summary; chain?: string[]; args?: readonly string[];
  /** the callee's class for it, where the call refined it (a lock inside a wrapper type: `Resolver.refineClass`) */
  calleeCls?: string;
}
export interface ReleaseRec { ref: LockRef; before: State; pos: Pos; problem?: 'double-release' | 'failed-try' | 'mode'; heldMode?: string }
export interface CallRec { call: Call; before: State; fault?: FaultApi; callee?: Summary; sleeps: boolean }
export interface ExitRec { state: State; pos: Pos; ret: number; /** `return v;`: the variable returned */ retVar?: string; /** it is a pointer */ pointer?: boolean }
export interface AssertRec { ref: LockRef; before: State; pos: Pos; api: string }
export interface PfRec { pos: Pos; what: 'enable-without-disable' }

export interface FnRecords {
  fn: FunctionIR;
  file: string;
  resolver: Resolver;
  budgetHit?: string;
  steps: number;
  acquires: AcquireRec[];
  releases: ReleaseRec[];
  calls: CallRec[];
  exits: ExitRec[];
  asserts: AssertRec[];
  pf: PfRec[];
  /** states reaching each node (for hovers and inlay hints): node -> held sets */
  heldAt: Map<number, State[]>;
  /** initial state (entry-held locks from annotations) */
  entry: State;
  product?: ProductGraph;
  /** every CFG node was reached with a single lock state (ignoring acquisition sites) */
  uniform?: boolean;
  /** analysed path-sensitively (variable signs and condition atoms tracked) */
  pathFacts?: boolean;
  /** (quick pass) per CFG node: 1 when it was reached with more than one lock state (sites included) */
  multiLock?: Uint8Array;
}

export interface DataflowCtx {
  file: string;
  know: Knowledge;
  structs: StructTable;
  globals: ReadonlyMap<string, string>;
  summaries?: SummaryLookup;
  budget?: Budget;
  /** keep per-node states (editor features); off in batch CLI runs */
  keepStates?: boolean;
  /** locks held on entry by how the function is called (fault handlers: mmap_lock shared) */
  entryHeld?: readonly Held[];
  /** record the path-sensitive product graph (CFG node x abstract state), for the simulator */
  product?: boolean;
  /** lockdep class keys set in the workspace (lockdep_set_class) */
  classKeys?: readonly ClassKey[];
}

/**
 * The explored product graph: each product node is a CFG node in one abstract
 * state; infeasible combinations of correlated conditions never appear in it.
 */
export interface ProductGraph {
  node: number[];
  state: State[];
  succ: number[][];
}

const REL_SET: Record<Rel, number> = { nz: N | P, z: Z, neg: N, nonneg: Z | P, pos: P, le0: N | Z, eqN: N, eqP: P };
/** relations whose false branch learns nothing (equality with one nonzero constant) */
const ONE_WAY: ReadonlySet<Rel> = new Set<Rel>(['eqN', 'eqP']);

class BudgetExceeded extends Error {}
/** A node the relevance filter took for single-lock-state was reached with a second one: analyse again without that assumption. */
class LockStateNotUnique extends Error {}

/** suffix of a caller's lock released through a variable since reassigned (still released: summaries) */
export const ENTRY_GONE = '@entry';

/**
 * Two passes. The first tracks no path facts (no variable signs, no condition
 * atoms): cheap, and it over-approximates the feasible paths, so it can only
 * report more. If in that pass every CFG node is reached with one lock state
 * (the lock state does not depend on the path) and the balance rules find
 * nothing, its records are exact and final. Otherwise the function is analysed
 * again, path-sensitively, within the budget. The quick pass also says which
 * nodes see a single lock state (it runs for the simulator's product graph
 * too, for that alone): facts read only there need not be kept for their
 * correlation with the lock state (pathFacts.ts: lockRelevantFacts).
 */
export function analyzeFunction(fn: FunctionIR, ctx: DataflowCtx): FnRecords {
  const quick = analyzeOnce(fn, ctx, false);
  if (!ctx.product && !quick.budgetHit && quick.uniform && balanceClean(quick)) return quick;
  // the quick pass's single-lock-state nodes let the path-sensitive pass drop facts read only there
  // (lockRelevantFacts); a node that turns out to see two lock states sends it back to the full set
  const single = quick.budgetHit ? undefined : quick.multiLock;
  if (single) {
    try {
      return analyzeOnce(fn, ctx, true, single);
    } catch (err) {
      if (!(err instanceof LockStateNotUnique)) throw err;
    }
  }
  return analyzeOnce(fn, ctx, true);
}

/** The quick pass is final when the balance rules find nothing in it. */
function balanceClean(rec: FnRecords): boolean {
  return checkLockLeak(rec).length === 0 && checkDoubleLock(rec).length === 0 && checkUnlockUnheld(rec).length === 0 &&
    checkPagefaultImbalance(rec).length === 0 && checkAnnotationMismatch(rec).length === 0;
}

/**
 * The quick pass gives up sooner than the function's budget: it is final only
 * for functions whose lock state does not depend on the path, which it
 * analyses in a few states per node and a few thousand steps (kernel fs/: at
 * most 4 states at a node, under 20,000 steps). A function that needs more
 * goes on to the path-sensitive pass, as after a quick pass that is not
 * final; what the give-up saves is the quick pass of the functions that hit
 * the budget (6.12 btrfs_next_old_leaf: 0.65 s of quick pass before).
 */
function quickBudget(b: Budget): Budget {
  return { steps: Math.min(b.steps, 25_000), statesPerNode: Math.min(b.statesPerNode, 256) };
}

function analyzeOnce(fn: FunctionIR, ctx: DataflowCtx, pathFacts: boolean, multiLock?: Uint8Array): FnRecords {
  newKeySpace();
  const budget = pathFacts ? ctx.budget ?? DEFAULT_BUDGET : quickBudget(ctx.budget ?? DEFAULT_BUDGET);
  const resolver = new Resolver(fn, ctx.structs, ctx.globals, ctx.classKeys, ctx.know.lockWrappers, ctx.know.glockOrigins);
  const relevant: Facts = pathFacts
    ? relevantFacts(fn, ctx.know, ctx.summaries, multiLock) : { vars: new Set<string>(['$call', '$test', '$ret']), atoms: new Set<string>(), eqs: new Map() };
  /** nodes the filter assumed single-lock-state (checked as states arrive), and the lock state seen there first */
  const assumedSingle = relevant.assumedSingle?.size ? relevant.assumedSingle : undefined;
  const singleSeen = new Map<number, State>();
  /** the quick pass: nodes reached with more than one lock state */
  const multi = pathFacts ? undefined : new Uint8Array(fn.nodes.length);
  /** per variable x: the tracked equality atoms `x==E` over it */
  const eqsOf = new Map<string, string[]>();
  /** per copy `x = E` (as `x\0E`): its tracked equality atom */
  const eqOfCopy = new Map<string, string>();
  /** the expressions E of tracked equality atoms that are not plain variables: their truth (non-NULL) is an atom */
  const eqExprs = new Set<string>();
  for (const [text, { x, e }] of relevant.eqs) {
    eqsOf.set(x, [...(eqsOf.get(x) ?? []), text]);
    eqOfCopy.set(`${x}\0${e}`, text);
    if (!IDENT.test(e)) eqExprs.add(e);
  }
  /**
   * the variables whose equality a test may establish (`a == b`): locals and parameters whose address is
   * never stored (`p = &a`: a store through p would change a unseen; `f(&a)` is a clobber, which forgets it)
   */
  const eqVars = new Set<string>([...Object.keys(fn.locals), ...fn.params.map((p) => p.name)]);
  /** paths this function stores to (`dentry->d_parent = ...`): a local's expansion through one names another object after it */
  const storedPaths = new Set<string>();
  forEachOp(fn, (op) => {
    if (op.k !== 'assign') return;
    if (op.from?.startsWith('&')) eqVars.delete(/^&\(?([A-Za-z_]\w*)/.exec(op.from)?.[1] ?? '');
    if (!IDENT.test(op.lhs) && !op.lhs.startsWith('$')) { storedPaths.add(op.lhs); storedPaths.add(resolver.expand(op.lhs)); }
  });
  /**
   * the name a lock is given through `v` (its expansion: `orig_dvnode` is `op->file[0].vnode`), when that
   * name keeps meaning v's value: not an expansion through a path this function stores to
   * (`old_parent` is `dentry->d_parent`, then `dentry->d_parent = target->d_parent`)
   */
  const stableName = (v: string): string | undefined => {
    const e = resolver.expand(v);
    if (e === v) return e;
    for (const l of storedPaths) if (coversExpr(l, e)) return undefined;
    return e;
  };
  const outClobbers = outParamClobbers(fn, ctx.know);
  /** tracked low-bit atoms per variable, and the `&x` clobbers after calls that keep x's low bit */
  const parityOf = relevant.parity ?? new Map<string, string[]>();
  const parityKept = parityOf.size ? parityClobbers(fn, ctx.know) : undefined;
  const firstLock = new Map<number, string>();
  let uniform = true;
  const rec: FnRecords = {
    fn, file: ctx.file, resolver, steps: 0, acquires: [], releases: [], calls: [], exits: [], asserts: [], pf: [],
    heldAt: new Map(), entry: initialState(),
  };
  const seenRec = new Set<string>();
  const once = (key: string): boolean => { if (seenRec.has(key)) return false; seenRec.add(key); return true; };
  const heldKey = (s: State): string => s.held.map((h) => `${h.inst}:${h.mode}:${h.site.line}:${h.demotable ? 'd' : ''}`).join(',') + `|${s.pf}|${s.nofault.join(',')}`;

  // ---- entry state: context annotations say what is held at entry
  // the lock calls of the body, to read annotations in their terms
  const bodyRefs: LockRef[] = [];
  for (const n of fn.nodes) {
    const op = n.op;
    if (!op || op.k !== 'call' || op.call.indirect) continue;
    const api = ctx.know.lockApi(op.call.name);
    if (!api || (api.op !== 'release' && api.op !== 'acquire' && api.op !== 'assert' && api.op !== 'try')) continue;
    bodyRefs.push(...resolver.refs(api, op.call));
  }
  for (const a of fn.annotations) {
    const inst = resolver.annotationInstance(a.arg);
    if (bodyRefs.some((r) => r.inst === inst)) continue;
    // `fsnotify_mark_srcu` in the annotation, `fsnotify_mark_srcu:srcu` in srcu_read_unlock()
    const m = [...new Set(bodyRefs.filter((r) => r.inst.startsWith(`${inst}:`)).map((r) => r.inst))];
    if (m.length === 1) resolver.annotationAliases.set(inst, m[0]);
  }
  // every instance this function takes, per class (directly or through a callee's summary): the
  // class fallback below only applies to a class the function takes exactly one lock of
  const classInsts = new Map<string, Set<string>>();
  const noteInst = (cls: string, inst: string): void => {
    const base = baseClass(cls);
    const set = classInsts.get(base) ?? new Set<string>();
    set.add(inst);
    classInsts.set(base, set);
  };
  for (const n of fn.nodes) {
    const op = n.op;
    if (!op || op.k !== 'call' || op.call.indirect) continue;
    const api = ctx.know.lockApi(op.call.name);
    if (api && (api.op === 'acquire' || api.op === 'try')) { for (const r of resolver.refs(api, op.call)) noteInst(r.cls, r.inst); continue; }
    const sum = api ? undefined : ctx.summaries?.get(op.call.name);
    for (const e of [...(sum?.acquires ?? []), ...(sum?.inner ?? [])]) noteInst(e.cls, resolver.instance(e.template, op.call.args));
  }
  /** An annotated lock's kind: its declared type, else the kind of the API this function releases or asserts it with. */
  const annotatedKind = (inst: string, raw: string): LockKind => {
    const k = resolver.declaredKind(raw) ?? resolver.declaredKind(inst);
    if (k) return k;
    return bodyRefs.find((r) => r.inst === inst)?.kind ?? 'mutex';
  };
  let entry = initialState();
  for (const a of fn.annotations) {
    if (a.kind === '__must_hold' || a.kind === '__releases' || a.kind === '__must_hold_shared' || a.kind === '__releases_shared') {
      const inst = resolver.annotationInstance(a.arg);
      const shared = a.kind.endsWith('_shared');
      // sparse's __releases(x) does not say shared or exclusive: take the mode the body releases it in
      const mode = shared ? 'R' : bodyRefs.find((r) => r.inst === inst && (r.mode === 'R' || r.mode === 'W'))?.mode ?? 'W';
      entry = addHeld(entry, { inst, cls: resolver.classFor(undefined, inst, a.arg), kind: annotatedKind(inst, a.arg), mode, site: a.pos, via: a.kind, count: 1, entry: true });
    }
  }
  for (const h of ctx.entryHeld ?? []) entry = addHeld(entry, { ...h, entry: true });
  rec.entry = entry;

  // ------------------------------------------------------------ lock semantics
  const acquire = (s: State, ref: LockRef, pos: Pos, isTry: boolean, extra?: Partial<Held>, callee?: Summary, args?: readonly string[]): State => {
    const prev = findHeld(s, ref.inst);
    if (once(`a|${pos.line}|${pos.col}|${ref.inst}|${heldKey(s)}`)) rec.acquires.push({ ref, before: s, pos, try: isTry, callee });
    if (prev) {
      // nested (rcu, array elements in a loop, a second reader or glock holder the double-lock rule
      // reports): count it, so the matching releases balance; the count saturates so loops reach a
      // fixpoint. A second exclusive acquisition deadlocks on the spot: the held entry stays as it was.
      const nests = RECURSIVE_KINDS.has(ref.kind) || ref.indexed || (ref.mode === 'RR' && prev.mode === 'RR') ||
        (ref.mode === 'R' && prev.mode === 'R') || ref.kind === 'glock';
      if (!nests) return s;
      return withTrail({ ...s, held: s.held.map((h) => (h === prev ? { ...h, count: Math.min(h.count + 1, 3) } : h)) }, { line: pos.line, what: `${ref.via}(${ref.inst}) again` });
    }
    const h: Held = { inst: ref.inst, cls: ref.cls, kind: ref.kind, mode: ref.mode, site: pos, via: ref.via, count: 1, args, ...extra };
    return withTrail(derefNonNull(addHeld(s, h), ref.inst), { line: pos.line, what: `${ref.via}: ${ref.inst} taken` });
  };
  /**
   * A locked folio passed to a function (`btrfs_read_folio(NULL, folio)`, a writeback submit) may be
   * unlocked by the I/O it starts, when that completes: the balance rules no longer speak about it.
   */
  const folioPassedOn = (s: State, call: Call): State => {
    if (!s.held.some((h) => h.kind === 'folio' && !h.handedOff)) return s;
    const objs = new Set(call.args.map((a) => resolver.expand(a)));
    const passed = (h: Held): boolean => h.kind === 'folio' && !h.handedOff && objs.has(h.inst.replace(/:folio_lock$/, '').replace(/^\((.*)\)$/, '$1'));
    if (!s.held.some(passed)) return s;
    return { ...s, held: s.held.map((h) => (passed(h) ? { ...h, handedOff: true } : h)) };
  };
  /** A local on this function's stack (not a parameter, not a path). */
  const isPlainLocal = (name: string): boolean => IDENT.test(name) && name in fn.locals && !isParam(fn, name);
  /**
   * A locked object's pointer stored through a pointer (`path->nodes[level] = eb`, `*foliop = folio`),
   * or a lock token stored so (`*idx = srcu_read_lock(&s)`): whoever owns that memory now owns the lock.
   */
  const escape = (s: State, what: string, pos: Pos): State => {
    const names = what === '$call' ? [] : [...new Set([what, resolver.expand(what)])];
    const under = (inst: string, w: string): boolean => inst === w || [`${w}->`, `${w}:`, `${w}.`, `(${w})`].some((p) => inst.startsWith(p));
    // a trylock's result is whether it succeeded, not the lock (`vmf->pte = pte_offset_map_lock(..., &vmf->ptl)`)
    const owned = (h: Held): boolean => !h.handedOff && (what === '$call'
      ? h.site.line === pos.line && h.site.col >= pos.col && h.site.endLine <= pos.endLine && ctx.know.lockApi(h.via)?.op !== 'try'
      : names.some((w) => under(h.inst, w)) || h.token === what);
    if (!s.held.some(owned)) return s;
    return withTrail({ ...s, held: s.held.map((h) => (owned(h) ? { ...h, handedOff: true } : h)) }, { line: pos.line, what: `stored: ${what === '$call' ? 'the lock' : what} handed over` });
  };
  /** `spin_lock(&parent->d_lock)` dereferences `parent`: from here on it is a valid pointer. */
  const derefNonNull = (s: State, inst: string): State => {
    const m = /^([A-Za-z_]\w*)(->|$)/.exec(inst);
    if (!m || !relevant.vars.has(m[1])) return s;
    const v = m[1];
    if (!isVarOf(fn, v)) return s;
    const cur = varSign(s, v);
    if (!(cur & P) || cur === P) return s;
    return { ...s, vars: { ...s.vars, [v]: P } };
  };

  /**
   * `direct`: an unlock call written in this function. A release inferred from a
   * callee's summary is weaker evidence: it never counts as a double release and
   * does not mark the lock as released for later checks.
   */
  const release = (s: State, ref0: LockRef, pos: Pos, direct = true): State => {
    const viaCopy = findHeld(s, ref0.inst) ? undefined : s.held.find((h) => h.alias === ref0.inst);
    const ref = viaCopy ? { ...ref0, inst: viaCopy.inst } : sameLockByClass(s, ref0, direct);
    const h = findHeld(s, ref.inst);
    if (!h) {
      // elements of an array (`qa_qd[x]`) are different locks on each iteration: never a double release
      // a lock this function never took (the caller's, or one handed over by a call we cannot see
      // into, like a d_walk() callback) may be handed over again: only a lock taken here and
      // released twice is a double unlock
      // (nested rcu_read_lock()s, preempt_disable()s: the nesting count across retry loops is not exact)
      const nested = RECURSIVE_KINDS.has(ref.kind) && trailOf(s).some((t) => t.what.endsWith(`(${ref.inst}) again`));
      const problem: ReleaseRec['problem'] | undefined = s.notHeld.includes(ref.inst) && !ref.indexed && direct && !s.softReleased?.includes(ref.inst) &&
        !s.entryAssumed.includes(ref.inst) && !nested ? 'double-release' : undefined;
      if (!direct && s.notHeld.includes(ref.inst)) return s;
      if (once(`r|${pos.line}|${pos.col}|${ref.inst}|${heldKey(s)}|${problem ?? ''}`)) rec.releases.push({ ref, before: s, pos, problem });
      if (problem) return s;
      // released without being taken on this path: the caller holds it (a precondition)
      const entryAssumed = s.entryAssumed.includes(ref.inst) ? s.entryAssumed : [...s.entryAssumed, ref.inst].sort();
      return withTrail(soften(removeHeld({ ...s, entryAssumed }, ref.inst), ref.inst, direct), { line: pos.line, what: `${ref.via}: ${ref.inst} released (held by the caller)` });
    }
    // (a summary's release mode is the first path's: `super_unlock(sb, excl)` picks up_read or up_write)
    const modeMismatch = direct && !h.handedOff && ((h.mode === 'W' && ref.mode === 'R' && h.kind !== 'journal') || (h.mode === 'R' && ref.mode === 'W' && h.kind !== 'journal' && h.kind !== 'percpu_rwsem'));
    if (once(`r|${pos.line}|${pos.col}|${ref.inst}|${heldKey(s)}`)) rec.releases.push({ ref, before: s, pos, problem: modeMismatch ? 'mode' : undefined, heldMode: h.mode });
    if (h.count > 1) return { ...s, held: s.held.map((x) => (x === h ? { ...x, count: x.count - 1 } : x)) };
    return withTrail(soften(removeHeld(s, ref.inst, !ref.indexed), ref.inst, direct), { line: pos.line, what: `${ref.via}: ${ref.inst} released` });
  };
  /**
   * The same lock reached through another path (`spin_lock(&cl->cl_lock)`, then a helper
   * releasing `&s->sc_client->cl_lock`): when the named instance is not held but exactly one
   * lock of its class (and kind) taken in this function is, that is the one being released.
   */
  const sameLockByClass = (s: State, ref: LockRef, direct: boolean): LockRef => {
    // a glock released through its holder (`gfs2_glock_dq_uninit(&sdp->sd_freeze_gh)` in a helper):
    // the glock that holder was queued for
    const viaHolder = /^(.*)->gh_gl$/.exec(ref.inst);
    if (viaHolder && !findHeld(s, ref.inst)) {
      const g = s.held.find((h) => h.kind === 'glock' && h.holder === viaHolder[1]);
      if (g) return { ...ref, inst: g.inst };
    }
    // an unlock written here names its object; one that names another object of the class
    // releases a lock a callee took where we could not see (`folio_unlock(dfolio)` after
    // nilfs_grab_folio()), not the one we hold
    if (direct) return ref;
    if (ref.indexed || findHeld(s, ref.inst) || s.notHeld.includes(ref.inst)) return ref;
    const field = (x: string): string => x.replace(/^.*(->|\.|:)/, '');
    const taken = [...classInsts.entries()].filter(([c]) => sameClass(c, baseClass(ref.cls))).reduce((n, [, set]) => n + set.size, 0);
    if (taken > 1) return ref;
    const cands = s.held.filter((h) => !h.entry && sameClass(h.cls, ref.cls) && (!direct || h.kind === ref.kind) && field(h.inst) === field(ref.inst) && !h.inst.includes('@'));
    if (cands.length !== 1) return ref;
    return { ...ref, inst: cands[0].inst };
  };
  /** Mark a release that only a callee's summary vouches for (or clear the mark on a direct one). */
  const soften = (s: State, inst: string, direct: boolean): State => {
    const has = s.softReleased?.includes(inst) ?? false;
    if (direct) return has ? { ...s, softReleased: s.softReleased!.filter((x) => x !== inst) } : s;
    if (has || !s.notHeld.includes(inst)) return s;
    return { ...s, softReleased: [...(s.softReleased ?? []), inst].sort() };
  };

  /**
   * A call that may drop a lock and says so through `&v` (GUP's `int *locked`): where this path holds
   * the lock, two outcomes, still held with v nonzero or released with v zero, so a later
   * `if (locked) mmap_read_unlock(mm)` follows the right one. NULL passed there: the lock is kept.
   * A lock this path does not hold (the caller's, or `locked = 0`: the callee takes and drops it
   * itself), or an out-parameter that is not `&v`: the lock state stays, v is forgotten.
   * (The `&v` clobber op after the call leaves v to this: see `outClobbers`.)
   */
  const mayReleaseOut = (s0: State, api: LockApi, call: Call): State[] => {
    const v = heldOutVar(api, call);
    if (v === null) return [s0];
    const forget = (s: State): State => (v ? forgetReleased(setVar(s, v, ANY), v, true) : s);
    const refs = resolver.refs(api, call).map((r) => heldAs(s0, r)).filter((r) => findHeld(s0, r.inst));
    if (refs.length === 0 || !v) return [forget(s0)];
    const track = relevant.vars.has(v);
    const nonzero = (varSign(s0, v) & (N | P)) || (N | P);
    const insts = refs.map((r) => r.inst).join(', ');
    const kept = withTrail(forgetReleased(setVar(s0, v, track ? nonzero : ANY), v, true), { line: call.pos.line, what: `${call.name}() kept ${insts} (${v} != 0)` });
    let dropped = s0;
    for (const r of refs) dropped = release(dropped, r, call.pos);
    dropped = withTrail(forgetReleased(setVar(dropped, v, track ? Z : ANY), v, true), { line: call.pos.line, what: `${call.name}() dropped ${insts} (${v} = 0)` });
    return [kept, dropped];
  };
  /**
   * The held lock a may-release call names: its instance, else the one held lock of its class and
   * kind (populate_vma_page_range(vma, ...) drops `vma->vm_mm->mmap_lock`, the caller took `mm->mmap_lock`;
   * the callee requires it held, so with one mmap_lock held that is the one).
   */
  const heldAs = (s: State, ref: LockRef): LockRef => {
    if (findHeld(s, ref.inst)) return ref;
    const cands = s.held.filter((h) => h.kind === ref.kind && sameClass(h.cls, ref.cls) && !h.inst.includes('@'));
    return cands.length === 1 ? { ...ref, inst: cands[0].inst } : ref;
  };

  /**
   * A call whose lock arguments may be NULL (`nullArgs`): one state per outcome of the tracked
   * pointer arguments that may be NULL, with the locks of the non-NULL ones.
   */
  const nullSplit = (s0: State, api: LockApi, call: Call): [State, LockRef[]][] => {
    const refs = resolver.refs(api, call);
    const argIdx = [api.arg, ...(api.alsoArgs ?? [])];
    let out: [State, LockRef[]][] = [[s0, []]];
    refs.forEach((ref, i) => {
      const raw = call.args[argIdx[i]] ?? '';
      const v = IDENT.test(raw) && relevant.vars.has(raw) ? raw : undefined;
      const next: [State, LockRef[]][] = [];
      for (const [s, rs] of out) {
        const cur = v ? varSign(s, v) : ANY;
        if (raw === 'NULL' || cur === Z) { next.push([s, rs]); continue; }
        if (!v || !(cur & Z)) { next.push([s, [...rs, ref]]); continue; }
        next.push([setVarKeep(s, v, cur & ~Z), [...rs, ref]]);
        next.push([setVarKeep(s, v, Z), rs]);
      }
      out = next;
    });
    return out;
  };

  /** Apply a lock-table call; returns the resulting states, each with the call's return sign in `$call`. */
  const applyApi = (s0: State, api: LockApi, call: Call): State[] => {
    const pos = call.pos;
    switch (api.op) {
      case 'acquire': {
        if (api.nullArgs) return nullSplit(s0, api, call).map(([s1, refs]) => refs.reduce((x, ref) => acquire(x, ref, pos, false, undefined, undefined, call.args), s1));
        let s = s0;
        for (const ref of resolver.refs(api, call)) s = acquire(s, ref, pos, false, undefined, undefined, call.args);
        // what it returns having taken the lock (pte_offset_map_lock: the mapped PTEs, not NULL)
        if (api.success) s = setVar(s, '$call', SIGN_BITS[api.success]);
        return [s];
      }
      case 'try': {
        const refs = resolver.refs(api, call);
        let ok = s0;
        // only a genuine trylock (1 on success, 0 on contention) never waits; *_interruptible,
        // *_killable and journal starts wait and may fail with an error
        const trylock = api.success === 'P' && api.failure === 'Z';
        for (const ref of refs) ok = acquire(ok, ref, pos, trylock, undefined, undefined, call.args);
        ok = setVar(withTrail(ok, { line: pos.line, what: `${call.name}() succeeded` }), '$call', SIGN_BITS[api.success ?? 'P']);
        let fail = s0;
        for (const ref of refs) if (!findHeld(fail, ref.inst)) fail = removeHeld(fail, ref.inst);
        fail = setVar(withTrail(fail, { line: pos.line, what: `${call.name}() failed` }), '$call', SIGN_BITS[api.failure ?? 'Z']);
        return [ok, fail];
      }
      case 'release': {
        if (api.heldOut !== undefined) return mayReleaseOut(s0, api, call);
        if (api.nullArgs) return nullSplit(s0, api, call).map(([s1, refs]) => refs.reduce((x, ref) => release(x, ref, pos), s1));
        let s = s0;
        const refs = resolver.refs(api, call);
        if (api.name === '__release' && refs.every((r) => !findHeld(s, r.inst))) {
          // `__release(mru_lock); /* help sparse */` while returning with the real lock held: the developer
          // says the locks this function holds go on to someone else
          return [withTrail({ ...s, held: s.held.map((h) => (h.entry ? h : { ...h, handedOff: true })) }, { line: pos.line, what: '__release(): locks handed over' })];
        }
        for (const ref of refs) s = release(s, ref, pos);
        return [s];
      }
      case 'downgrade': {
        let s = s0;
        for (const ref of resolver.refs(api, call)) {
          const h = findHeld(s, ref.inst);
          if (h) s = addHeld(s, { ...h, mode: 'R' });
        }
        return [s];
      }
      case 'assert': {
        let s = s0;
        for (const ref of resolver.refs(api, call)) {
          if (once(`as|${pos.line}|${ref.inst}|${heldKey(s)}`)) rec.asserts.push({ ref, before: s, pos, api: call.name });
          if (!findHeld(s, ref.inst) && !s.notHeld.includes(ref.inst)) {
            // an assertion is a fact: the caller holds it
            s = addHeld({ ...s, entryAssumed: [...new Set([...s.entryAssumed, ref.inst])].sort() }, { inst: ref.inst, cls: ref.cls, kind: ref.kind, mode: ref.mode, site: pos, via: call.name, count: 1, entry: true });
          }
        }
        return [s];
      }
      case 'might': {
        for (const ref of resolver.refs(api, call)) {
          if (once(`a|${pos.line}|${ref.inst}|${heldKey(s0)}`)) rec.acquires.push({ ref, before: s0, pos, try: false });
        }
        return [s0];
      }
      case 'pf_disable':
        return [withTrail({ ...s0, pf: s0.pf + 1, pfSeen: true }, { line: pos.line, what: 'pagefault_disable()' })];
      case 'pf_enable':
        if (s0.pf === 0) {
          if (s0.pfSeen && once(`pf|${pos.line}`)) rec.pf.push({ pos, what: 'enable-without-disable' });
          return [s0];
        }
        return [withTrail({ ...s0, pf: s0.pf - 1 }, { line: pos.line, what: 'pagefault_enable()' })];
      case 'holder_init': {
        const g = resolver.glock(api, call);
        const gh = resolver.holderName(call, api);
        return [{ ...s0, holders: { ...s0.holders, [gh]: g } }];
      }
      case 'holder_nq':
      case 'holder_nq_init': {
        let s = s0;
        const gh = resolver.holderName(call, api);
        if (api.op === 'holder_nq_init') s = { ...s, holders: { ...s.holders, [gh]: resolver.glock(api, call) } };
        const hi = s.holders[gh] ?? { gl: `${gh}->gh_gl`, cls: 'gfs2_glock', mode: 'EX' as const, tryFlag: false };
        const ref: LockRef = { inst: hi.gl, cls: hi.cls, kind: 'glock', mode: hi.mode, via: call.name, indexed: /\[/.test(hi.gl) };
        const ok = setVar(acquire(s, ref, pos, hi.tryFlag, { holder: gh }, undefined, call.args), '$call', Z);
        // gfs2_glock_nq() can fail (-EIO on withdraw, GLR_TRYFAILED with LM_FLAG_TRY): the glock is not held then
        const fail = setVar(withTrail(s, { line: pos.line, what: `${call.name}() failed` }), '$call', N);
        return [ok, fail];
      }
      case 'holder_dq': {
        const gh = resolver.holderName(call, api);
        const h = s0.held.find((x) => x.holder === gh);
        const gl = h?.inst ?? s0.holders[gh]?.gl ?? `${gh}->gh_gl`;
        const ref: LockRef = { inst: gl, cls: h?.cls ?? s0.holders[gh]?.cls ?? 'gfs2_glock', kind: 'glock', mode: h?.mode ?? 'EX', via: call.name, indexed: isIndexed(gl) || isIndexed(gh) };
        return [release(s0, ref, pos)];
      }
      case 'holder_uninit': {
        const gh = resolver.holderName(call, api);
        if (!(gh in s0.holders)) return [s0];
        const holders = { ...s0.holders };
        delete holders[gh];
        return [{ ...s0, holders }];
      }
      case 'holder_initialized': {
        const gh = resolver.holderName(call, api);
        // exact for a holder on this function's stack; anything else may have been set up elsewhere
        if (!isPlainLocal(gh)) return [setVar(s0, '$call', P), setVar(s0, '$call', Z)];
        return [setVar(s0, '$call', gh in s0.holders || s0.held.some((h) => h.holder === gh) ? P : Z)];
      }
      case 'handoff': {
        const insts = new Set(resolver.refs(api, call).map((r) => r.inst));
        if (!s0.held.some((h) => insts.has(h.inst))) return [s0];
        return [withTrail({ ...s0, held: s0.held.map((h) => (insts.has(h.inst) ? { ...h, handedOff: true } : h)) }, { line: pos.line, what: `${call.name}(): handed over` })];
      }
      case 'holder_allow_demote': {
        const gh = resolver.holderName(call, api);
        return [{ ...s0, held: s0.held.map((h) => (h.holder === gh ? { ...h, demotable: true } : h)) }];
      }
      case 'holder_disallow_demote': {
        // while demotable, another node's or task's request may have taken the glock away:
        // from here on the holder is either still queued or gone (gfs2_holder_queued() tells)
        const gh = resolver.holderName(call, api);
        const h = s0.held.find((x) => x.holder === gh && x.demotable);
        const kept: State = { ...s0, held: s0.held.map((x) => (x.holder === gh ? { ...x, demotable: false } : x)) };
        if (!h) return [kept];
        return [kept, withTrail(removeHeld(s0, h.inst), { line: pos.line, what: `${h.inst} dequeued while demotable` })];
      }
      case 'holder_queued': {
        const gh = resolver.holderName(call, api);
        const h = s0.held.find((x) => x.holder === gh);
        if (h && h.demotable) {
          // the holder may have been dequeued while demotable: both answers are possible
          return [setVar(s0, '$call', P), setVar(removeHeld(s0, h.inst), '$call', Z)];
        }
        return [setVar(s0, '$call', h ? P : Z)];
      }
      default:
        return [s0];
    }
  };

  /**
   * Apply a callee's summary at a call site. `lockEffects` false: the lock table says what the call
   * does to held locks (a may-release GUP call with a body in the workspace); the summary still
   * gives what it takes inside and what it may hand over.
   */
  const applySummary = (s0: State, sum: Summary, call: Call, lockEffects = true): State[] => {
    let s = s0;
    const pos = call.pos;
    for (const inner of sum.inner) {
      const inst = resolver.instance(inner.template, call.args);
      const cls = resolver.refineClass(inner.cls, inner.template, call.args);
      const ref: LockRef = { inst, cls, kind: inner.kind, mode: inner.mode, via: sum.name, indexed: isIndexed(inst) };
      // the callee may drop locks we hold before it takes this one (a __releases helper)
      const before = inner.releasedBefore?.length ? { ...s, held: withoutReleased(s.held, inner.releasedBefore, (t) => resolver.instance(t, call.args)) } : s;
      if (once(`ai|${pos.line}|${pos.col}|${cls}|${heldKey(before)}`)) rec.acquires.push({ ref, before, pos, try: false, callee: sum, chain: [sum.name, ...inner.chain], args: call.args, ...(cls !== inner.cls ? { calleeCls: inner.cls } : {}) });
    }
    if (sum.mayRelease?.length) {
      const may = sum.mayRelease;
      const hands = (h: Held): boolean => !h.handedOff && may.some((c) => sameClass(baseClass(c), baseClass(h.cls)) || resolver.wrapperClassCovers(c, h));
      if (s.held.some(hands)) s = { ...s, held: s.held.map((h) => (hands(h) ? { ...h, handedOff: true } : h)) };
    }
    if (!lockEffects || sum.incomplete) return [s];
    // a conditional callee whose return value does not tell its outcomes: a lock of an object we were
    // given, a parameter's, held by our caller, that it releases on every path is released for our caller too
    // (shrink_kill()'s `victim = __dentry_kill(victim)`: the dentry's lock dropped, the parent returned
    // locked or NULL). Only our caller's: a lock of a class we took stays held as before, its release correlated
    // with what we may not follow (bch2_journal_keys_to_write_buffer_end() after a start that set the
    // field tested before it); and not per-task or global ones: a journal handle a callee stops only
    // when it is not nested (ocfs2_commit_trans()) is what made it conditional
    if (sum.conditional && !sum.byReturn) {
      for (const r of sum.releases) {
        // (a lock of the object one of our parameters points to, passed as it is: `$0->d_lock` of `victim`)
        const m = /^\$(\d+)(?:->|\.)/.exec(r.template);
        const arg = m ? call.args[Number(m[1])] : undefined;
        if (!arg || !isParam(fn, arg)) continue;
        const inst = resolver.instance(r.template, call.args);
        const cls = resolver.refineClass(r.cls, r.template, call.args);
        // (by class: a lock we took may be named otherwise there, `unlock_rename(cache->graveyard, dir)`)
        if (findHeld(s, inst) || s.held.some((h) => h.alias === inst || (!h.entry && sameClass(baseClass(h.cls), baseClass(cls))))) continue;
        s = release(s, { inst, cls, kind: r.kind, mode: r.mode, via: sum.name, indexed: isIndexed(inst) }, pos, false);
      }
      return [s];
    }
    /** (`recordAsTry`: the callee's `inner` records already give the order edges and sleeps, with what it drops first) */
    const effects = (s1: State, releases: readonly LockEffect[], acquires: readonly (LockEffect & { try?: boolean })[], recordAsTry = false): State => {
      let x = s1;
      for (const r of releases) {
        const inst = resolver.instance(r.template, call.args);
        x = release(x, { inst, cls: resolver.refineClass(r.cls, r.template, call.args), kind: r.kind, mode: r.mode, via: sum.name, indexed: isIndexed(inst) }, pos, false);
      }
      for (const a of acquires) {
        const inst = resolver.instance(a.template, call.args);
        x = acquire(x, { inst, cls: resolver.refineClass(a.cls, a.template, call.args), kind: a.kind, mode: a.mode, via: sum.name, indexed: isIndexed(inst) }, pos, recordAsTry || !!a.try);
      }
      return x;
    };
    s = effects(s, sum.releases, sum.acquires);
    if (!sum.conditional || !sum.byReturn) return [s];
    // decided by the return value: one state per outcome, the value's sign in `$call` (as a trylock's)
    return sum.byReturn.map((o) => setVar(withTrail(effects(s, o.releases, o.acquires, true), { line: pos.line, what: `${sum.name}() returned ${signWords(o.ret)}` }), '$call', o.ret));
  };

  const callOp = (s0: State, call: Call, assignTo?: string): State[] => {
    let states: State[];
    let api: LockApi | undefined;
    let callName = call.name;
    if (call.guard !== undefined) {
      const g = ctx.know.guard(call.guard);
      const which = call.name === 'guard' ? g?.acquire : call.name === 'guard_release' ? g?.release : g?.try;
      api = which ? ctx.know.lockApi(which) : undefined;
      if (api && call.name === 'guard_try' && api.op === 'acquire') api = { ...api, op: 'try', success: 'P', failure: 'Z' };
      callName = which ?? call.name;
    } else if (!call.indirect) {
      api = ctx.know.lockApi(call.name);
    }
    const fault = call.indirect ? undefined : ctx.know.faultApi(callName);
    // a may-release GUP call (`heldOut`) is an ordinary call too: its body's summary still counts,
    // the table decides only what happens to the lock it names
    const plain = !api || api.heldOut !== undefined;
    const sum = !plain ? undefined : call.indirect ? ctx.summaries?.indirect?.(call.name) : ctx.summaries?.get(call.name);
    const sleeps = !call.indirect && ctx.know.maySleep(callName, call.args);
    if ((fault || sum || sleeps || plain) && once(`c|${call.pos.line}|${call.pos.col}|${heldKey(s0)}`)) {
      rec.calls.push({ call, before: s0, fault, callee: sum, sleeps });
    }
    if (api) states = applyApi(sum ? applySummary(s0, sum, call, false)[0] : s0, api, call);
    else if (sum) {
      // a callee whose return value has one sign on every path (`return true;`): the caller's `x = f()` knows it
      const ret = sum.returns && !sum.incomplete ? SIGN_BITS[sum.returns] : undefined;
      states = applySummary(s0, sum, call).map((x) => (ret !== undefined && x.vars.$call === undefined ? setVar(x, '$call', ret) : x));
    }
    else states = [s0];
    if (plain) states = states.map((x) => folioPassedOn(x, call));
    // a call may change anything reachable through pointer arguments; locals keep their facts
    return states.map((s) => {
      let out = s;
      if (assignTo) {
        const sign = out.vars.$call;
        if (eqsOf.has(assignTo)) out = keepEqSides(out, assignTo);
        out = setVar(out, assignTo, relevant.vars.has(assignTo) ? sign ?? ANY : ANY);
        out = renameStale(out, assignTo);
        // `idx = srcu_read_lock(&s)`: idx is the token that unlocks it (stored somewhere, it hands the lock on)
        if (api && api.op === 'acquire' && !assignTo.startsWith('$')) {
          const at = (h: Held): boolean => h.site.line === call.pos.line && h.site.col === call.pos.col;
          if (out.held.some(at)) out = { ...out, held: out.held.map((h) => (at(h) ? { ...h, token: assignTo } : h)) };
        }
      }
      if (out.vars.$call !== undefined) out = setVar(out, '$call', ANY);
      if (plain) out = forgetClobbered(out, fn);
      // `&of->buf` passed on: the callee may change it (a `&v` of a variable is a clobber op)
      if (eqExprs.size) for (const a of call.args) if (a.startsWith('&') && !IDENT.test(a.slice(1))) out = dropEqsOver(out, a.slice(1));
      // what the callee left in the task's own state (`current->journal_info = NULL` in gfs2_trans_end())
      if (sum?.taskStores && !sum.incomplete) {
        for (const [field, v] of Object.entries(sum.taskStores)) if (relevant.atoms.has(field)) out = { ...out, atoms: { ...out.atoms, [field]: v !== 0 } };
      }
      // an object handed to a call may get another pointer stored in it; a callee's own stores say which
      if (plain && out.held.some((h) => h.aliasPath)) for (const a of call.args) out = a.startsWith('&') ? dropStoreAliases(out, a.slice(1)) : dropStoreAliases(out, a, true);
      if (sum?.fieldStores && !sum.incomplete) {
        for (const [lhsT, vT] of Object.entries(sum.fieldStores)) {
          const v = resolver.instance(vT, call.args);
          const lhs = resolver.instance(lhsT, call.args);
          out = storeAlias(dropStoreAliases(out, lhs), lhs, v);
        }
      }
      return out;
    });
  };

  /**
   * `x = y;` between locals (or parameters): a lock held through `y` (`y->lock`, taken in this
   * function) is also `x->lock` until one of them is assigned again (orangefs's `cur_op = op;
   * break;` then `spin_unlock(&cur_op->lock)`, a `return wp;` of `wp = oldest`).
   */
  const copyAlias = (s: State, x: string, y: string): State => {
    if (x === y || !IDENT.test(y) || x.startsWith('$')) return s;
    if (!isVarOf(fn, x) || !isVarOf(fn, y)) return s;
    // (a copy or store alias takes the place of one from an equality test: the lock has one alias slot)
    const rooted = (h: Held): boolean => !h.entry && (!h.alias || !!h.aliasEq) && !h.inst.includes('@') && (h.inst.startsWith(`${y}->`) || h.inst.startsWith(`${y}.`));
    if (!s.held.some(rooted)) return s;
    // a lock named through another local's expansion over x or y (`parent` is `p->d_parent`, then
    // `d = p; p = parent;` in a lock-coupling walk): reassigning them leaves that expansion stale,
    // the copy would follow the wrong object
    const expansions = Object.values(fn.aliases).filter((e) => mentions(e, x) || mentions(e, y));
    if (expansions.length && s.held.some((h) => expansions.some((e) => h.inst.includes(e)))) return s;
    // (the lock call dereferenced y, and y was not assigned since: x is a valid pointer)
    const out: State = relevant.vars.has(x) ? { ...s, vars: { ...s.vars, [x]: P } } : s;
    return { ...out, held: out.held.map((h) => (rooted(h) ? { ...h, alias: x + h.inst.slice(y.length), aliasEq: undefined } : h)) };
  };

  /**
   * `p->f = v;` (written here, or done by a callee on every path: its summary's `fieldStores`): a lock
   * this function took through v (`tlink_tcon(tlink)->open_file_lock`) is also the one named through
   * p->f (`tlink_tcon(open->tlink)->open_file_lock`, as cifs_add_pending_open() unlocks it) until p, v
   * or that path is assigned again, or p is handed to a call (which could store there).
   */
  const storeAlias = (s: State, lhs: string, v: string): State => {
    if (!IDENT.test(v) || v.startsWith('$') || fn.aliases[v] !== undefined) return s;
    const m = /^([A-Za-z_]\w*)(?:->|\.)[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*$/.exec(lhs);
    if (!m || !isVarOf(fn, v) || !isVarOf(fn, m[1]) || m[1] === v) return s;
    const named = (h: Held): boolean => !h.entry && (!h.alias || !!h.aliasEq) && !h.inst.includes('@') && mentions(h.inst, v);
    if (!s.held.some(named)) return s;
    const path = resolver.expand(lhs);
    const re = new RegExp(`(?<![\\w>.])${v}(?!\\w)`, 'g');
    return { ...s, held: s.held.map((h) => (named(h) ? { ...h, alias: h.inst.replace(re, path), aliasPath: path, aliasEq: undefined } : h)) };
  };
  /**
   * Field-store aliases that a store to `lhs` (or `&lhs` passed to a call) may have made stale; `under`:
   * only paths through what `lhs` points to (`lhs` itself passed to a call, which gets a copy of it).
   */
  const dropStoreAliases = (s: State, lhs: string, under = false): State => {
    const hit = (h: Held): boolean => h.aliasPath !== undefined && [lhs, resolver.expand(lhs)].some((l) => (!under && (h.aliasPath === l || h.aliasPath!.startsWith(`${l}.`))) || h.aliasPath!.startsWith(`${l}->`));
    if (!s.held.some(hit)) return s;
    return { ...s, held: s.held.map((h) => (hit(h) ? withoutAlias(h) : h)) };
  };

  /** A variable was reassigned: locks named through it now belong to another object. */
  const renameStale = (s: State, v: string): State => {
    // the caller's lock released through parameter v (`victim = __dentry_kill(victim)` released
    // `victim->d_lock`) stays released when v names another object: kept under a stale name the summary reads
    const gone = !isParam(fn, v) ? [] : s.notHeld.filter((n) => s.entryAssumed.includes(n) && namedVia(n, v) && !n.includes('@'));
    let out = forgetReleased(s, v);
    if (gone.length) out = { ...out, notHeld: [...new Set([...out.notHeld, ...gone.map((n) => `${n}${ENTRY_GONE}`)])].sort() };
    if (out.held.some((h) => h.alias)) {
      // a copy reassigned: its alias goes; the original reassigned: the copy names the lock now
      out = { ...out, held: out.held.map((h) => {
        if (!h.alias) return h;
        // (an equality from a test: gone when either side names another object)
        if (h.aliasEq) return namedVia(h.alias, v) || namedVia(h.inst, v) ? withoutAlias(h) : h;
        if (mentionsRoot(h.alias, v)) return withoutAlias(h);
        if (namedVia(h.inst, v)) return { ...withoutAlias(h), inst: h.alias };
        return h;
      }).sort((a, b) => (a.inst < b.inst ? -1 : a.inst > b.inst ? 1 : 0)) };
    }
    if (!out.held.some((h) => namedVia(h.inst, v))) return out;
    // one stale entry per instance and site: a loop that leaves the previous object's lock held
    // (handed to a callee we cannot follow) must not grow the held set on every iteration
    // (an annotation naming a local, `__releases(ci->i_ceph_lock)` with `ci` set from a parameter in
    // its declaration, means the value the local is given, not a stale one)
    const isLocal = v in fn.locals && !isParam(fn, v);
    const held: Held[] = [];
    for (const h of out.held) {
      const x = namedVia(h.inst, v) && !(h.entry && isLocal) ? { ...h, inst: `${h.inst}@${h.site.line + 1}` } : h;
      if (!held.some((y) => y.inst === x.inst)) held.push(x);
    }
    return { ...out, held: held.sort((a, b) => (a.inst < b.inst ? -1 : a.inst > b.inst ? 1 : 0)) };
  };
  /**
   * A store to a pointer field (`dentry->d_parent = target->d_parent`): locks named through that
   * path now belong to the old object (stale, like a reassigned variable), and what was released
   * through it says nothing about the new one.
   */
  const retargetPath = (s: State, lhs: string): State => {
    const under = (x: string): boolean => !x.includes('@') && (x.startsWith(`${lhs}->`) || x.startsWith(`${lhs}.`) || x.startsWith(`${lhs}:`));
    const eqUnder = (h: Held): boolean => !!h.aliasEq && (under(h.inst) || under(h.alias!));
    if (!s.held.some((h) => under(h.inst) || eqUnder(h)) && !s.notHeld.some(under)) return s;
    const held: Held[] = [];
    for (const h0 of s.held) {
      const h = eqUnder(h0) ? withoutAlias(h0) : h0;
      const x = under(h.inst) ? { ...h, inst: `${h.inst}@${h.site.line + 1}` } : h;
      if (!held.some((y) => y.inst === x.inst)) held.push(x);
    }
    return { ...s, held: held.sort((a, b) => (a.inst < b.inst ? -1 : a.inst > b.inst ? 1 : 0)), notHeld: s.notHeld.filter((n) => !under(n)), softReleased: s.softReleased?.filter((n) => !under(n)) };
  };
  /**
   * Is an instance named through variable `v`, directly or through its alias expansion (`folio`
   * is `__filemap_get_folio(...)`: when that assignment runs again, in a retry loop, it is a new folio)?
   */
  const namedVia = (inst: string, v: string): boolean => {
    if (mentionsRoot(inst, v)) return true;
    const alias = fn.aliases[v];
    if (!alias || inst.includes('@')) return false;
    const e = resolver.expand(v);
    return e !== v && (inst === e || [`${e}->`, `${e}.`, `${e}:`, `(${e})`].some((p) => inst.startsWith(p)));
  };
  /** `v` now names another object: what this path released through the old one says nothing about it. */
  const forgetReleased = (s: State, v: string, keepSelf = false): State => {
    const stale = (n: string): boolean => namedVia(n, v) && !(keepSelf && n === v);
    if (!s.notHeld.some(stale)) return s;
    const out: State = { ...s, notHeld: s.notHeld.filter((n) => !stale(n)) };
    return s.softReleased?.some(stale) ? { ...out, softReleased: s.softReleased.filter((n) => !stale(n)) } : out;
  };

  /**
   * A test found pointers `a` and `b` equal on this branch (`a == b` true, `a != b` false; both locals
   * or parameters whose address is never stored): a lock held through one (`a->sem`, or through its
   * expansion, `op->src->sem`) is also the one named through the other (`b->sem`), as a copy's alias,
   * until either is assigned or `&`-passed, or a store hits the path under either name. A lock that
   * already has an alias keeps it (it has one slot).
   */
  const equalAlias = (s: State, a: string, b: string): State => {
    if (a === b || !eqVars.has(a) || !eqVars.has(b)) return s;
    const ea = stableName(a);
    const eb = stableName(b);
    if (ea === undefined || eb === undefined || ea === eb || ea.includes('@') || eb.includes('@')) return s;
    const under = (inst: string, e: string): boolean => inst === e || [`${e}->`, `${e}.`, `${e}:`].some((p) => inst.startsWith(p));
    const renamed = (h: Held): string | undefined => {
      if (h.entry || h.alias || h.handedOff || h.inst.includes('@')) return undefined;
      const ua = under(h.inst, ea);
      const ub = under(h.inst, eb);
      // (named through both, or through a longer path than the other's name: `a->b->lock` with `b` compared)
      if (ua === ub) return undefined;
      const alias = ua ? eb + h.inst.slice(ea.length) : ea + h.inst.slice(eb.length);
      return findHeld(s, alias) ? undefined : alias;
    };
    if (!s.held.some((h) => renamed(h) !== undefined)) return s;
    return { ...s, held: s.held.map((h) => { const alias = renamed(h); return alias === undefined ? h : { ...h, alias, aliasEq: true }; }) };
  };
  /** the sides of a pointer equality atom (`a==b`, both plain variables) */
  const eqSides = (text: string): [string, string] | undefined => {
    const m = EQ_VARS.exec(text);
    return m && eqVars.has(m[1]) && eqVars.has(m[2]) ? [m[1], m[2]] : undefined;
  };

  /** Forget the tracked equalities `x == E` (and E's nullness) whose E changes with lvalue p. */
  const dropEqsOver = (s: State, p: string): State => {
    let atoms: Record<string, boolean> | undefined;
    for (const [text, { e }] of relevant.eqs) {
      if (!coversExpr(p.replace(/^\((.*)\)$/, '$1'), e)) continue;
      for (const k of [text, e]) if (k in (atoms ?? s.atoms)) { atoms ??= { ...s.atoms }; delete atoms[k]; }
    }
    return atoms ? { ...s, atoms } : s;
  };
  /** Is E (a side of a tracked `x == E`) NULL: Z, non-NULL: N|P, unknown: ANY. A variable by its sign, an expression by its atom. */
  const nullness = (s: State, e: string): number => {
    if (IDENT.test(e)) { const v = varSign(s, e); return v === Z ? Z : v & Z ? ANY : N | P; }
    const a = s.atoms[e];
    return a === undefined ? ANY : a ? N | P : Z;
  };
  /**
   * `x == E` from what the path knows of both sides' nullness: one NULL and the other not, false;
   * both NULL, true (`buf = of->prealloc_buf` found NULL, then `buf = kmalloc(...)` tested non-NULL).
   */
  const impliedEquality = (s: State, text: string): boolean | undefined => {
    const eq = relevant.eqs.get(text);
    if (!eq) return undefined;
    const a = nullness(s, eq.x);
    const b = nullness(s, eq.e);
    if (a === ANY || b === ANY) return undefined;
    return a === Z && b === Z ? true : a === Z || b === Z ? false : undefined;
  };
  /**
   * x is about to be reassigned: where `x == E` held and x's nullness is known, E has that nullness
   * (kept as E's sign or atom, which forget E as they forget any fact over what E reads).
   */
  const keepEqSides = (s: State, x: string): State => {
    let out = s;
    for (const text of eqsOf.get(x) ?? []) {
      if (out.atoms[text] !== true) continue;
      const xs = varSign(out, x);
      if (xs !== Z && xs & Z) continue;
      const e = relevant.eqs.get(text)!.e;
      if (IDENT.test(e)) {
        const m = xs & varSign(out, e);
        if (relevant.vars.has(e) && m && m !== varSign(out, e)) out = setVarKeep(out, e, m);
      } else if (out.atoms[e] !== (xs !== Z)) out = { ...out, atoms: { ...out.atoms, [e]: xs !== Z } };
    }
    return out;
  };

  const valueSign = (s: State, v: Value): number => {
    switch (v.k) {
      case 'const': return signOf(v.v);
      case 'var': return varSign(s, v.name);
      case 'not': {
        const x = varSign(s, v.name);
        return x === Z ? P : (x & Z) === 0 ? Z : Z | P;
      }
      default: return ANY;
    }
  };

  const step = (op: Op, s: State): State[] => {
    switch (op.k) {
      case 'call': return callOp(s, op.call, op.assignTo);
      case 'assign': {
        if (/^[A-Za-z_$]\w*$/.test(op.lhs)) {
          const s1 = eqsOf.has(op.lhs) ? keepEqSides(s, op.lhs) : s;
          let sign = relevant.vars.has(op.lhs) ? valueSign(s1, op.value) : ANY;
          // `x = E` with E's nullness known (the truth of atom E): x's
          if (sign === ANY && op.from && relevant.vars.has(op.lhs) && !IDENT.test(op.from) && s1.atoms[op.from] !== undefined) sign = s1.atoms[op.from] ? N | P : Z;
          let out = renameStale(setVar(s1, op.lhs, sign), op.lhs);
          if (op.value.k === 'var') out = copyAlias(out, op.lhs, op.value.name);
          // `x = E`: `x == E` holds until x or what E reads is assigned (setVar/dropAtomsOf forget it then)
          const eq = op.from !== undefined ? eqOfCopy.get(`${op.lhs}\0${op.from}`) : undefined;
          if (eq !== undefined && out.atoms[eq] !== true) out = { ...out, atoms: { ...out.atoms, [eq]: true } };
          // `x = 1`: `x & 1` is true until x is assigned again (setVar forgets it then)
          if (op.value.k === 'const' && op.value.parity !== undefined) {
            const odd = op.value.parity === 1;
            for (const a of parityOf.get(op.lhs) ?? []) if (out.atoms[a] !== odd) out = { ...out, atoms: { ...out.atoms, [a]: odd } };
          }
          return [out];
        }
        let out = retargetPath(dropAtomsOf(s, op.lhs), op.lhs);
        out = dropStoreAliases(out, op.lhs);
        if (op.from !== undefined) out = storeAlias(out, op.lhs, op.from);
        if (op.escapes) out = escape(out, op.escapes, op.pos);
        // `trans->removing_chunk = true;` ... `if (trans->removing_chunk)`: the store decides the test
        // (and a NULL stored in the E of a tracked `x == E`: its nullness, which that test may need)
        if (op.value.k === 'const' && (relevant.atoms.has(op.lhs) || eqExprs.has(op.lhs))) return [{ ...out, atoms: { ...out.atoms, [op.lhs]: op.value.v !== 0 } }];
        // `vmf->pte = pte_offset_map_lock(...)` ... `if (!vmf->pte)`: the call's result decides it (zero or not)
        if (op.value.k === 'var' && op.value.name === '$store') {
          const sign = varSign(out, '$store');
          out = setVar(out, '$store', ANY);
          const truth = sign === Z ? false : (sign & Z) === 0 ? true : undefined;
          if (truth !== undefined && (relevant.atoms.has(op.lhs) || eqExprs.has(op.lhs))) return [{ ...out, atoms: { ...out.atoms, [op.lhs]: truth } }];
        }
        return [out];
      }
      case 'nofault': {
        const iter = resolver.expand(op.iter);
        const nofault = op.on ? [...new Set([...s.nofault, iter])].sort() : s.nofault.filter((x) => x !== iter);
        return [withTrail({ ...s, nofault }, { line: op.pos.line, what: `${op.iter}->nofault = ${op.on}` })];
      }
      case 'clobber': {
        let out = s;
        // `&v` passed on: v may now point elsewhere (but `spin_unlock(&lock)` does not make `lock` another lock)
        // (the `&locked` of a may-release call was set by the call itself)
        const keep = outClobbers.get(op);
        const keepLowBit = parityKept?.get(op);
        for (const v of op.vars) {
          if (keep?.has(v)) continue;
          // the call kept v's low bit (read_seqbegin_or_lock(lock, &seq)): what the path knew of `v & 1` still holds
          const lowBits = keepLowBit?.has(v) ? (parityOf.get(v) ?? []).filter((a) => out.atoms[a] !== undefined).map((a): [string, boolean] => [a, out.atoms[a]]) : [];
          // a pointer to an object this path holds locked, passed by reference (btrfs_cow_block(...,
          // &buf)), comes back pointing at a locked object, maybe another one: never at nothing
          const lockedObj = varSign(out, v) === P && out.held.some((h) => !h.handedOff && !h.entry && mentionsRoot(h.inst, v) && h.inst.startsWith(`${v}->`));
          if (eqsOf.has(v)) out = keepEqSides(out, v);
          out = dropStoreAliases(forgetReleased(setVar(out, v, lockedObj ? P : ANY), v, true), v);
          if (lowBits.length) out = { ...out, atoms: { ...out.atoms, ...Object.fromEntries(lowBits) } };
          // (v may point elsewhere now: an equality found by a test over it is gone)
          const stale = (h: Held): boolean => !!h.aliasEq && (namedVia(h.alias!, v) || namedVia(h.inst, v));
          if (out.held.some(stale)) out = { ...out, held: out.held.map((h) => (stale(h) ? withoutAlias(h) : h)) };
        }
        return [out];
      }
      default: return [s];
    }
  };

  /** Evaluate a condition: the states in which it is true / false. */
  const evalCond = (c: Cond, s: State): [State, boolean][] => {
    switch (c.k) {
      case 'lit': return [[s, c.v]];
      case 'unknown': return [[s, true], [s, false]];
      case 'not': return evalCond(c.e, s).map(([x, b]) => [x, !b]);
      case 'and': return evalCond(c.a, s).flatMap(([x, b]): [State, boolean][] => (b ? evalCond(c.b, x) : [[x, false]]));
      case 'or': return evalCond(c.a, s).flatMap(([x, b]): [State, boolean][] => (b ? [[x, true]] : evalCond(c.b, x)));
      case 'seq': {
        let states = [s];
        for (const op of c.pre) states = states.flatMap((x) => step(op, x));
        return states.flatMap((x) => evalCond(c.c, x));
      }
      case 'test': {
        const subj = c.s;
        if (subj.k === 'var') return splitSign(s, subj.name, REL_SET[c.rel], ONE_WAY.has(c.rel));
        if (subj.k === 'atom') {
          const m = /^([A-Z_]+)\(([A-Za-z_]\w*)\)$/.exec(subj.text);
          if (m && SIGN_MACROS[m[1]]) {
            const inner = REL_SET[SIGN_MACROS[m[1]]];
            return splitSign(s, m[2], inner).map(([x, b]) => [x, c.rel === 'z' || c.rel === 'le0' ? !b : b]);
          }
          // (`a==b` and `b==a` are one fact: canonAtom)
          const text = canonAtom(subj.text);
          const sides = eqSides(text);
          const known = s.atoms[text] ?? impliedFlagTest(s.atoms, text) ?? impliedEquality(s, text);
          const truthy = c.rel === 'nz' || c.rel === 'pos' || c.rel === 'neg';
          // where the pointers are equal, a lock held through one is named through the other too
          const eq = (x: State): State => (sides ? equalAlias(x, sides[0], sides[1]) : x);
          if (known !== undefined) return [[known ? eq(s) : s, truthy ? known : !known]];
          if (!relevant.atoms.has(text)) return truthy ? [[eq(s), true], [s, false]] : [[s, true], [eq(s), false]];
          const t: State = { ...s, atoms: { ...s.atoms, [text]: true } };
          const f: State = { ...s, atoms: { ...s.atoms, [text]: false } };
          return [[eq(t), truthy], [f, !truthy]];
        }
        // a call tested for its value
        return callOp(s, subj.call, '$test').flatMap((x) => splitSign(x, '$test', REL_SET[c.rel]).map(([y, b]): [State, boolean] => [setVar(y, '$test', ANY), b]));
      }
    }
  };

  const splitSign = (s: State, name: string, relSet: number, oneWay = false): [State, boolean][] => {
    if (!relevant.vars.has(name)) return [[s, true], [s, false]];
    const cur = varSign(s, name);
    const t = cur & relSet;
    const f = oneWay ? cur : cur & ~relSet;
    const out: [State, boolean][] = [];
    if (t) out.push([t === cur ? s : setVarKeep(s, name, t), true]);
    if (f) out.push([f === cur ? s : setVarKeep(s, name, f), false]);
    return out;
  };

  /** Refine a variable's sign without forgetting atoms over it (a test is not an assignment). */
  const setVarKeep = (s: State, name: string, sign: number): State => {
    const vars = { ...s.vars };
    if (sign === ANY) delete vars[name]; else vars[name] = sign;
    return { ...s, vars };
  };

  // ------------------------------------------------------------------ worklist
  // the worklist: FIFO, as parallel arrays (node, state, product id)
  const seen: (Set<string> | undefined)[] = new Array(fn.nodes.length);
  const qNode: number[] = [fn.entry];
  const qState: State[] = [entry];
  const qPid: number[] = [0];
  const product: ProductGraph | undefined = ctx.product ? { node: [fn.entry], state: [entry], succ: [[]] } : undefined;
  const productId = new Map<string, number>();
  if (product) productId.set(`${fn.entry}#${stateKey(entry)}`, 0);
  rec.product = product;
  let qi = 0;
  /** the product node being expanded */
  let pid = 0;
  const push = (to: number, st: State): void => {
    let set = seen[to];
    if (!set) { set = new Set(); seen[to] = set; }
    const k = stateKey(st);
    // one lock state here? (the quick pass records where not; the path-sensitive pass checks where the
    // relevance filter assumed it). Compared only when a second distinct state arrives.
    if (!set.has(k) && (multi ? !multi[to] : assumedSingle?.has(to))) {
      const first = singleSeen.get(to);
      if (first === undefined) singleSeen.set(to, st);
      else if (lockPartKey(first) !== lockPartKey(st)) {
        if (multi) multi[to] = 1; else throw new LockStateNotUnique();
      }
    }
    if (uniform) {
      const lk = lockStateKey(st);
      const first = firstLock.get(to);
      if (first === undefined) firstLock.set(to, lk); else if (first !== lk) uniform = false;
    }
    let id = -1;
    if (product) {
      const pk = `${to}#${k}`;
      const known = productId.get(pk);
      if (known !== undefined) id = known;
      else { id = product.node.length; productId.set(pk, id); product.node.push(to); product.state.push(st); product.succ.push([]); }
      if (!product.succ[pid].includes(id)) product.succ[pid].push(id);
    }
    if (set.has(k)) return;
    if (set.size >= budget.statesPerNode) throw new BudgetExceeded(`${budget.statesPerNode} distinct lock states at one statement`);
    set.add(k);
    qNode.push(to); qState.push(st); qPid.push(id);
  };
  try {
    while (qi < qNode.length) {
      const n = qNode[qi];
      const s = qState[qi];
      pid = qPid[qi];
      qi++;
      if (++rec.steps > budget.steps) throw new BudgetExceeded(`${budget.steps} steps`);
      const node = fn.nodes[n];
      if (ctx.keepStates) {
        const arr = rec.heldAt.get(n);
        if (!arr) rec.heldAt.set(n, [s]); else if (arr.length < 16) arr.push(s);
      }
      const op = node.op;
      if (!op) { for (const t of node.succ) push(t, s); continue; }
      switch (op.k) {
        case 'branch': {
          for (const [x, b] of evalCond(op.cond, s)) {
            const to = node.succ[b ? 0 : 1];
            if (to !== undefined) push(to, withTrail(x, { line: op.pos.line, what: b ? 'condition true' : 'condition false' }));
          }
          break;
        }
        case 'choice':
          for (const t of node.succ) push(t, s);
          break;
        case 'return': {
          const ret = valueSign(s, op.value);
          if (once(`x|${op.pos.line}|${stateKey(s)}`)) {
            const ex: ExitRec = { state: withTrail(s, { line: op.pos.line, what: 'return' }), pos: op.pos, ret };
            if (op.value.k === 'var' && !op.value.name.startsWith('$')) ex.retVar = op.value.name;
            if (op.pointer) ex.pointer = true;
            rec.exits.push(ex);
          }
          for (const t of node.succ) push(t, s);
          break;
        }
        default:
          for (const x of step(op, s)) for (const t of node.succ) push(t, x);
      }
    }
  } catch (err) {
    if (!(err instanceof BudgetExceeded)) throw err;
    rec.budgetHit = err.message;
  }
  rec.uniform = uniform;
  rec.pathFacts = pathFacts;
  if (multi) rec.multiLock = multi;
  return rec;
}

/**
 * The caller's held locks minus those a callee drops first: matched by
 * instance, or by class when the caller holds exactly one lock of that class
 * (the callee may name it through a different path: EXT4_SB(sb) vs
 * EXT4_SB(journal->j_private)).
 */
export function withoutReleased<T extends { inst: string; cls: string }>(held: readonly T[], released: readonly Released[], resolve: (template: string) => string): T[] {
  const drop = new Set<T>();
  for (const r of released) {
    const inst = r.template ? resolve(r.template) : undefined;
    const byInst = inst ? held.find((h) => h.inst === inst) : undefined;
    if (byInst) { drop.add(byInst); continue; }
    const sameCls = held.filter((h) => h.cls === r.cls);
    if (sameCls.length === 1) drop.add(sameCls[0]);
  }
  return held.filter((h) => !drop.has(h));
}

/** Two class names for the same lock class (one may lack the struct type: `cl_lock` vs `nfs4_client.cl_lock`). */
function sameClass(a: string, b: string): boolean {
  // (or only the struct is known: a glock released through an unknown holder is `gfs2_glock`)
  return a === b || (!a.includes('.') && (b.endsWith(`.${a}`) || b.startsWith(`${a}.`))) || (!b.includes('.') && (a.endsWith(`.${b}`) || a.startsWith(`${b}.`)));
}

function mentionsRoot(inst: string, v: string): boolean {
  return !inst.includes('@') && mentions(inst, v) && (inst.startsWith(v) || inst.startsWith(`(${v}`) || new RegExp(`\\(${v}\\)`).test(inst) || new RegExp(`\\b${v}->`).test(inst));
}

/** A held lock without its alias (from a copy, a field store or an equality test). */
function withoutAlias(h: Held): Held {
  return { ...h, alias: undefined, aliasPath: undefined, aliasEq: undefined };
}

/** A return-sign set in words, for path trails. */
function signWords(sign: number): string {
  const w: string[] = [];
  if (sign & N) w.push('an error');
  if (sign & Z) w.push('0');
  if (sign & P) w.push('a positive value');
  return w.join(' or ');
}

/** Is a held lock one that makes the context atomic? */
export function isAtomic(h: Held): boolean {
  return ATOMIC_KINDS.has(h.kind);
}
