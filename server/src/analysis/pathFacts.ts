// Which path facts (variable signs, condition atoms) the path-sensitive dataflow keeps for a
// function: relevantFacts picks the facts a later test can use, lockRelevantFacts keeps of those
// only the ones that can decide something about locks (control dependence over the CFG's
// post-dominators), and the nodes where that choice assumed a single lock state.
import type { Knowledge } from '../model/knowledge';
import type { LockApi } from '../model/lockApi';
import type { Call, Cond, FunctionIR, Op } from './ir';
import { isVarOf } from './ir';
import { mentions } from './state';
import type { Summary, SummaryLookup } from './summaryTypes';
import { callClobbers, canonAtom, coversExpr, flagTest, IDENT, parityVar, SIGN_MACROS } from './atoms';
import { heldOutVar } from './outParams';
import { postDominators } from './postDominators';

/** What the path-sensitive pass tracks (relevantFacts). */
export interface Facts {
  vars: Set<string>;
  atoms: Set<string>;
  /** tracked equality atoms `x==E` (or `E==x`) whose x is copied from E in the function: atom -> x, E */
  eqs: Map<string, { x: string; e: string }>;
  /** branch nodes whose facts were left untracked on the assumption that they see one lock state (checked as states arrive) */
  assumedSingle?: Set<number>;
  /** per variable x given integer literals: its tracked low-bit atoms (`x&1`), which those assignments decide */
  parity?: Map<string, string[]>;
}

/**
 * a plain lvalue (`of->prealloc_buf`, `p->s.buf`, `x`), or its address; not an array element
 * (`a[i]` is changed by a store to `a[j]` with j == i)
 */
const LVALUE = /^&?[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*$/;

/**
 * Which variables and condition atoms are worth remembering along a path.
 * A fact pays only if a later test can use it: a variable tested twice
 * (`if (lock_inode) ... if (lock_inode)`), or tested or returned after being
 * given a known value (a constant, a trylock / gfs2_glock_nq() result); an
 * atom tested twice. Everything else splits the path without being recorded,
 * which keeps the number of distinct states, and the work, small.
 */
export function relevantFacts(fn: FunctionIR, know: Knowledge, summaries?: SummaryLookup, multiLock?: Uint8Array): Facts {
  const tested = new Map<string, number>();
  /** `x = E` copies into a local or parameter x (E not reading x): the atoms `x==E` and `E==x` they decide */
  const copyEqs = new Map<string, { x: string; e: string }>();
  /** `p = &E`: stores through p may change E (not followed: an E so reachable is not tracked) */
  const addressed: string[] = [];
  const atoms = new Map<string, number>();
  const known = new Set<string>();
  const returned = new Set<string>();
  const storedAtoms = new Set<string>();
  /** variables assigned an integer literal (`seq = 1`): their low bit is known there */
  const parityKnown = new Set<string>();
  /** `ret = err1;`: the variables whose value a variable takes */
  const copies = new Map<string, Set<string>>();
  const bump = (m: Map<string, number>, k: string): void => { m.set(k, (m.get(k) ?? 0) + 1); };
  /** the call just before a `field = $store` assignment returned a lock operation's result */
  let lockResultStored = false;
  const fromOp = (op: Op): void => {
    switch (op.k) {
      case 'assign':
        if (op.value.k === 'const' || op.value.k === 'var' || op.value.k === 'not') known.add(op.lhs);
        if (op.value.k === 'var') { const l = copies.get(op.lhs); if (l) l.add(op.value.name); else copies.set(op.lhs, new Set([op.value.name])); }
        if (op.value.k === 'const' && !/^[A-Za-z_$]\w*$/.test(op.lhs)) storedAtoms.add(op.lhs);
        if (op.value.k === 'const' && op.value.parity !== undefined) parityKnown.add(op.lhs);
        if (op.from?.startsWith('&')) addressed.push(op.from.slice(1));
        // (E a plain lvalue rooted in a local or parameter: a global may change in any call, a READ_ONCE() concurrently)
        if (op.from !== undefined && IDENT.test(op.lhs) && isVarOf(fn, op.lhs) && LVALUE.test(op.from) && isVarOf(fn, /\w+/.exec(op.from)![0]) && !mentions(op.from, op.lhs)) {
          copyEqs.set(`${op.lhs}==${op.from}`, { x: op.lhs, e: op.from });
          copyEqs.set(`${op.from}==${op.lhs}`, { x: op.lhs, e: op.from });
        }
        // a field given a trylock's result (`vmf->pte = pte_offset_map_lock(...)`): its tests say whether the lock was
        // taken (only then: tracking every field stored from a call multiplies states for nothing)
        if (op.value.k === 'var' && op.value.name === '$store') {
          if (lockResultStored) storedAtoms.add(op.lhs);
          lockResultStored = false;
        }
        break;
      case 'call': {
        const api = op.call.indirect ? undefined : know.lockApi(op.call.name);
        const lockResult = isLockResult(api, api || op.call.indirect ? undefined : summaries?.get(op.call.name));
        if (op.assignTo && lockResult) known.add(op.assignTo);
        if (op.assignTo === '$store') lockResultStored = lockResult;
        // `&locked` given to a may-release GUP call: zero after it means the lock was dropped
        const out = api ? heldOutVar(api, op.call) : undefined;
        if (out) known.add(out);
        break;
      }
      case 'return':
        if (op.value.k === 'var') returned.add(op.value.name);
        break;
      case 'branch': fromCond(op.cond); break;
      default: break;
    }
  };
  const fromCond = (c: Cond): void => {
    switch (c.k) {
      case 'not': fromCond(c.e); break;
      case 'and': case 'or': fromCond(c.a); fromCond(c.b); break;
      case 'seq': c.pre.forEach(fromOp); fromCond(c.c); break;
      case 'test': {
        if (c.s.k === 'call' && !c.s.call.indirect) fromOp({ k: 'call', call: c.s.call });
        if (c.s.k === 'var') bump(tested, c.s.name);
        else if (c.s.k === 'atom') {
          const m = /^([A-Z_]+)\(([A-Za-z_]\w*)\)$/.exec(c.s.text);
          if (m && SIGN_MACROS[m[1]]) bump(tested, m[2]);
          else bump(atoms, canonAtom(c.s.text));
        }
        break;
      }
      default: break;
    }
  };
  for (const n of fn.nodes) if (n.op) fromOp(n.op);
  // what is copied into a returned variable is returned too (`if (err1 && ...) err = err1; return err;`)
  for (const work = [...returned]; work.length;) {
    for (const src of copies.get(work.pop()!) ?? []) if (!returned.has(src)) { returned.add(src); work.push(src); }
  }
  const vars = new Set<string>(['$call', '$test', '$ret', '$not', '$store']);
  for (const [v, n] of tested) if (n >= 2 || known.has(v)) vars.add(v);
  // returned after a test (`if (IS_ERR(dent)) { unlock; } return dent;`): the exit's value says success or failure
  for (const v of returned) if (known.has(v) || tested.has(v)) vars.add(v);
  // what a tracked variable is copied from is tracked too (`pte = pte_offset_map_lock(...); start_pte = pte; if (!start_pte)`)
  for (const work = [...vars]; work.length;) {
    for (const src of copies.get(work.pop()!) ?? []) if (!vars.has(src) && (known.has(src) || tested.has(src))) { vars.add(src); work.push(src); }
  }
  const keepAtoms = new Set<string>();
  for (const [a, n] of atoms) if (n >= 2 || storedAtoms.has(a)) keepAtoms.add(a);
  for (const a of storedAtoms) if (atoms.has(a)) keepAtoms.add(a);
  // `x & 1` tested where x is given integer literals (`seq = 1`): those decide it (a variable whose
  // address is kept, `p = &x`, may change through it and is left alone, as for equalities)
  const parity = new Map<string, string[]>();
  for (const a of atoms.keys()) {
    const x = parityVar(a);
    if (x === undefined || !parityKnown.has(x) || !isVarOf(fn, x) || addressed.includes(x)) continue;
    parity.set(x, [...(parity.get(x) ?? []), a]);
    keepAtoms.add(a);
  }
  // `x == E` tested after a copy `x = E`: the copy decides it (and, with x's and E's nullness, a later reassignment of x)
  const eqs = new Map<string, { x: string; e: string }>();
  for (const a of atoms.keys()) {
    const eq = copyEqs.get(a);
    if (eq && !addressed.some((p) => coversExpr(p, eq.e) || p === eq.x)) { eqs.set(a, eq); keepAtoms.add(a); }
  }
  // flag tests on one word (`flags & (A|B)` then `flags & A`) imply each other
  const byBase = new Map<string, string[]>();
  for (const a of atoms.keys()) { const f = flagTest(a); if (f) byBase.set(f.base, [...(byBase.get(f.base) ?? []), a]); }
  for (const list of byBase.values()) if (list.length >= 2) for (const a of list) keepAtoms.add(a);
  // of those, only the facts that can matter for locks
  // (a returned variable stays: its sign at the exits is the summary's return sign; in a function
  // that takes or releases locks, what decides it is kept too, for outcomes by return value)
  const { rel: lockRel, assumedSingle } = lockRelevantFacts(fn, know, summaries, byBase, [...returned].filter((v) => vars.has(v)), eqs, parity, multiLock);
  for (const v of [...vars]) if (!v.startsWith('$') && !lockRel.has(`v:${v}`) && !returned.has(v)) vars.delete(v);
  for (const a of [...keepAtoms]) if (!lockRel.has(atomKey(a))) keepAtoms.delete(a);
  // (a kept `x == E` is also decided by the nullness of x and E once x is reassigned, where the path
  // knows them: x's sign only where it is tracked anyway, for locks; tracking it for this would
  // multiply the states of functions comparing integers, `vcn != vcn0`, for nothing)
  for (const a of [...eqs.keys()]) if (!keepAtoms.has(a)) eqs.delete(a);
  for (const [x, l] of parity) { const kept = l.filter((a) => keepAtoms.has(a)); if (kept.length) parity.set(x, kept); else parity.delete(x); }
  return { vars, atoms: keepAtoms, eqs, assumedSingle, parity };
}

/**
 * Does a call's result say whether it took a lock: a trylock, a glock holder's enqueue, an acquire
 * that returns something having taken it (`success`), or a callee whose locks follow its return
 * value (`byReturn`)? Such a result, kept in a variable or field, is tested for the lock state.
 */
function isLockResult(api: LockApi | undefined, sum: Summary | undefined): boolean {
  if (api) return api.op === 'try' || api.op === 'holder_nq' || api.op === 'holder_nq_init' || api.op === 'holder_queued' || (api.op === 'acquire' && !!api.success);
  return !!sum?.byReturn;
}

/** The fact an atom is. */
function atomKey(a: string): string {
  return `a:${a}`;
}

/**
 * The variables (`v:name`) and condition atoms (`a:text`) whose value can decide something about
 * locks. Tracking a fact multiplies the states at every node after its tests; a fact that only
 * steers other work costs that for nothing (a message handler's dozen bool flags, set under a
 * spinlock and acted on after it, used to exceed the per-node state budget).
 *
 * A branch controls the nodes control-dependent on it (post-dominators). A fact is kept when
 * - a branch testing it controls a lock operation: a lock-table call, a callee whose summary
 *   changes held locks (as applySummary applies it), a pagefault_disable/enable, an iov_iter
 *   nofault store, a store that hands a lock over, an assignment to a variable or pointer a lock
 *   is named through, a plain call a locked folio may be passed to, or (in a function that takes
 *   or releases a lock at all) a return;
 * - a branch testing it controls an assignment to a kept fact (`if (x) locked = true;`) and the
 *   side of that branch skipping the assignment can still read the kept fact;
 * - it is correlated with the lock state: assigned under a branch that controls a lock operation
 *   or tests a kept fact, where the side skipping the assignment can still read it (`if (locked)
 *   { ...; done = 1; }` then `if (!done) msleep()`; an early `return` on the other side reads
 *   nothing), unless every read of it is dead (below), copied from or into a kept variable, or
 *   given a lock operation's result;
 * - it is a flag test sharing a flag with a kept one on the same word (they imply each other).
 * Returned variables of a function that takes or releases a lock are kept (outcomes by return
 * value). A fact that is none of these is independent of the held locks along every path: which
 * of its branches a path takes changes neither the locks held anywhere nor the facts that decide
 * them.
 */
function lockRelevantFacts(fn: FunctionIR, know: Knowledge, summaries: SummaryLookup | undefined, byBase: ReadonlyMap<string, string[]>, returned: readonly string[],
  eqs: ReadonlyMap<string, { x: string; e: string }>, parity: ReadonlyMap<string, readonly string[]>, multiLock?: Uint8Array): { rel: Set<string>; assumedSingle: Set<number> } {
  /** per copy `x = E`: the equality atoms it makes true */
  const eqByCopy = new Map<string, string[]>();
  for (const [a, { x, e }] of eqs) eqByCopy.set(`${x}\0${e}`, [...(eqByCopy.get(`${x}\0${e}`) ?? []), a]);
  const n = fn.nodes.length;
  const keyOfAtom = (t: string): string => {
    const m = /^([A-Z_]+)\(([A-Za-z_]\w*)\)$/.exec(t);
    return m && SIGN_MACROS[m[1]] ? `v:${m[2]}` : atomKey(t);
  };
  const lockArgs: string[] = [];
  /** calls that change no lock: a locked folio passed to one is handed over (folioPassedOn) */
  const plainCalls: [number, readonly string[]][] = [];
  let folios = false;
  const rel = new Set<string>();
  /** per node: facts tested, facts assigned, facts copied (dst, src), lock-state op? */
  const tests: string[][] = Array.from({ length: n }, () => []);
  const assigns: string[][] = Array.from({ length: n }, () => []);
  const copies: [string, string][] = [];
  const lockOp = new Uint8Array(n);
  /** per node: a call (it may forget atoms over memory it can reach), what it writes (as written) */
  const hasCall = new Uint8Array(n);
  const writes: string[][] = Array.from({ length: n }, () => []);
  const pendingAssign: [number, string][] = [];
  const pendingEscape: [number, string][] = [];
  /** the last call seen changes locks (its result stored: `*foliop = folio_lock...`) */
  let lastCallLocks = false;
  /** records what a call does to locks; returns whether its result says if it took one (isLockResult) */
  const callLock = (call: Call, node: number, assignTo?: string): boolean => {
    hasCall[node] = 1;
    if (assignTo && !assignTo.startsWith('$')) writes[node].push(assignTo);
    if (call.guard !== undefined) { lockOp[node] = 1; return false; }
    const api = call.indirect ? undefined : know.lockApi(call.name);
    const sum = api ? undefined : call.indirect ? summaries?.indirect?.(call.name) : summaries?.get(call.name);
    // (as applySummary: a conditional summary without outcomes by return value changes nothing held)
    const sumEffects = !!sum && (!!sum.mayRelease?.length ||
      (!sum.incomplete && (!sum.conditional || !!sum.byReturn) && (sum.acquires.length > 0 || sum.releases.length > 0 || !!sum.byReturn)));
    lastCallLocks = !!api || sumEffects;
    if (api && assignTo && !assignTo.startsWith('$')) lockArgs.push(assignTo);
    if (api || sumEffects) {
      lockOp[node] = 1;
      lockArgs.push(...call.args);
      if (api?.kind === 'folio' || [...(sum?.acquires ?? []), ...(sum?.byReturn ?? []).flatMap((o) => o.acquires)].some((e) => e.kind === 'folio')) folios = true;
    } else if (!api) plainCalls.push([node, call.args]);
    const lockResult = isLockResult(api, sum);
    if (assignTo && !assignTo.startsWith('$')) { assigns[node].push(`v:${assignTo}`); if (lockResult) rel.add(`v:${assignTo}`); }
    const out = api ? heldOutVar(api, call) : undefined;
    if (out) rel.add(`v:${out}`);
    // NULL-tolerant lock calls split on their pointer arguments' signs
    if (api?.nullArgs) for (const a of call.args) if (IDENT.test(a)) rel.add(`v:${a}`);
    return lockResult;
  };
  let storeIsLockResult = false;
  const fromOp = (op: Op, node: number): void => {
    switch (op.k) {
      case 'call': {
        // (an indirect call's result stored in a field is not followed: relevantFacts does not track it)
        const lockResult = callLock(op.call, node, op.assignTo);
        storeIsLockResult = op.assignTo === '$store' && lockResult && !op.call.indirect;
        break;
      }
      case 'assign': {
        const ident = /^[A-Za-z_$]\w*$/.test(op.lhs);
        const key = ident ? `v:${op.lhs}` : keyOfAtom(op.lhs);
        if (!op.lhs.startsWith('$')) assigns[node].push(key);
        // (`x = E` gives `x == E` its value)
        if (op.from !== undefined) for (const a of eqByCopy.get(`${op.lhs}\0${op.from}`) ?? []) assigns[node].push(atomKey(a));
        // (`x = 1` gives `x & 1` its value)
        if (op.value.k === 'const' && op.value.parity !== undefined) for (const a of parity.get(op.lhs) ?? []) assigns[node].push(atomKey(a));
        if (ident && (op.value.k === 'var' || op.value.k === 'not') && !op.value.name.startsWith('$')) copies.push([op.lhs, op.value.name]);
        // (a stored pointer hands over what is locked through it; a stored call result, the lock that call took)
        if (op.escapes === '$call' ? lastCallLocks : op.escapes) pendingEscape.push([node, op.escapes!]);
        if (op.value.k === 'var' && op.value.name === '$store' && storeIsLockResult) rel.add(key);
        pendingAssign.push([node, op.lhs]);
        if (!op.lhs.startsWith('$')) writes[node].push(op.lhs);
        break;
      }
      case 'nofault': lockOp[node] = 1; break;
      case 'clobber': for (const v of op.vars) { pendingAssign.push([node, v]); writes[node].push(v); } break;
      case 'branch': fromCond(op.cond, node); break;
      default: break;
    }
  };
  const fromCond = (c: Cond, node: number): void => {
    switch (c.k) {
      case 'not': fromCond(c.e, node); break;
      case 'and': case 'or': fromCond(c.a, node); fromCond(c.b, node); break;
      case 'seq': c.pre.forEach((o) => fromOp(o, node)); fromCond(c.c, node); break;
      case 'test':
        if (c.s.k === 'call') callLock(c.s.call, node);
        else if (c.s.k === 'var') tests[node].push(`v:${c.s.name}`);
        else if (c.s.k === 'atom') tests[node].push(keyOfAtom(canonAtom(c.s.text)));
        break;
      default: break;
    }
  };
  fn.nodes.forEach((x, i) => { if (x.op) fromOp(x.op, i); });
  // an assignment to (or `&v` of) a variable that names a lock (in a lock call's arguments or their
  // alias expansions) renames it; a store to a pointer a lock is named through retargets it
  const lockArgIds = new Set<string>();
  const lockPaths = new Set<string>();
  for (const a0 of lockArgs) {
    const a = a0.replace(/^&/, '');
    lockPaths.add(a);
    for (const m of a.matchAll(/[A-Za-z_]\w*/g)) {
      lockArgIds.add(m[0]);
      const e = fn.aliases[m[0]];
      if (e) for (const x of e.matchAll(/[A-Za-z_]\w*/g)) lockArgIds.add(x[0]);
    }
  }
  const underLockPath = (lhs: string): boolean => [...lockPaths].some((p) => p === lhs || [`${lhs}->`, `${lhs}.`, `${lhs}[`].some((q) => p.startsWith(q)));
  for (const [node, what] of pendingEscape) if (what === '$call' || lockArgIds.has(what)) lockOp[node] = 1;
  for (const [node, lhs] of pendingAssign) {
    if (IDENT.test(lhs) ? lockArgIds.has(lhs) : underLockPath(lhs)) lockOp[node] = 1;
  }
  if (folios) for (const [node, args] of plainCalls) if (args.some((a) => [...a.matchAll(/[A-Za-z_]\w*/g)].some((m) => lockArgIds.has(m[0])))) lockOp[node] = 1;
  const takesLocks = lockOp.some((x) => x === 1) || fn.annotations.length > 0;
  if (takesLocks) {
    fn.nodes.forEach((x, i) => { if (x.op?.k === 'return') lockOp[i] = 1; });
    for (const v of returned) rel.add(`v:${v}`);
  }
  // control dependence: branch -> nodes it controls, node -> (branch, which successor's side) controlling it
  const ipdom = postDominators(fn);
  const controls: number[][] = Array.from({ length: n }, () => []);
  const controlledBy: { b: number; arms: number }[][] = Array.from({ length: n }, () => []);
  fn.nodes.forEach((x, b) => {
    if (x.op?.k !== 'branch' || ipdom[b] === -1) return;
    const stop = ipdom[b];
    const arms = new Map<number, number>();
    x.succ.forEach((s, i) => {
      for (let r = s; r !== stop && r >= 0 && r < n; r = ipdom[r]) {
        const prev = arms.get(r);
        if (prev !== undefined && prev & (1 << i)) break;
        arms.set(r, (prev ?? 0) | (1 << i));
      }
    });
    for (const [r, a] of arms) { controls[b].push(r); controlledBy[r].push({ b, arms: a }); }
  });
  const lockBranch = new Uint8Array(n);
  controls.forEach((cs, b) => { if (cs.some((r) => lockOp[r])) lockBranch[b] = 1; });
  for (let b = 0; b < n; b++) if (lockBranch[b]) for (const t of tests[b]) rel.add(t);
  // where a fact is read: its tests (a returned variable: the returns too)
  const readAt = new Map<string, number[]>();
  const addRead = (f: string, i: number): void => { const l = readAt.get(f); if (l) l.push(i); else readAt.set(f, [i]); };
  tests.forEach((ts, i) => { for (const t of ts) addRead(t, i); });
  const returnNodes = fn.nodes.flatMap((x, i) => (x.op?.k === 'return' ? [i] : []));
  for (const v of returned) for (const i of returnNodes) addRead(`v:${v}`, i);
  const preds: number[][] = Array.from({ length: n }, () => []);
  fn.nodes.forEach((x, i) => { for (const t of x.succ) if (t < n) preds[t].push(i); });
  const readable = new Map<string, Uint8Array>();
  /** the nodes from which a read of fact f is reachable */
  const reaches = (f: string): Uint8Array => {
    let r = readable.get(f);
    if (r) return r;
    r = new Uint8Array(n);
    const work = [...(readAt.get(f) ?? [])];
    for (const i of work) r[i] = 1;
    while (work.length) { const x = work.pop()!; for (const p of preds[x]) if (!r[p]) { r[p] = 1; work.push(p); } }
    readable.set(f, r);
    return r;
  };
  /**
   * Does branch b's choice show in fact f's value where f is read? b decides whether assignment `a`
   * to f runs; that matters only when the side of b that skips `a` can still reach a read of f
   * (an early `return` on the other side never reads it).
   */
  const decides = (c: { b: number; arms: number }, f: string): boolean => {
    const succ = fn.nodes[c.b].succ;
    const r = reaches(f);
    return succ.some((s, i) => !(c.arms & (1 << i)) && s < n && r[s] === 1) || c.arms === (1 << succ.length) - 1;
  };
  // A read of a fact where the lock state is one and the same on every path (the quick pass says so;
  // the path-sensitive pass checks it as states arrive) and whose branch can change nothing the
  // kept facts or the lock state show (no lock operation, no write of what a kept fact reads, no test
  // of a kept fact, no call that forgets a kept atom, anywhere it decides; every path through it
  // comes back) learns nothing about locks from the fact's correlation with them: both sides see
  // that one lock state, and the states meeting after it are the same whichever side was taken.
  const toExit = new Uint8Array(n);
  if (fn.exit < n) {
    toExit[fn.exit] = 1;
    for (const work = [fn.exit]; work.length;) { const x = work.pop()!; for (const p of preds[x]) if (!toExit[p]) { toExit[p] = 1; work.push(p); } }
  }
  /** the nodes a branch decides: reachable from its successors before their paths meet again */
  const armsMemo = new Map<number, number[] | null>();
  const armsOf = (t: number): number[] | null => {
    let arms = armsMemo.get(t);
    if (arms !== undefined) return arms;
    const stop = ipdom[t];
    arms = [];
    if (stop < 0 || stop >= n) arms = null;
    else {
      const inArms = new Uint8Array(n);
      const work = fn.nodes[t].succ.filter((x) => x !== stop && x < n);
      for (const x of work) inArms[x] = 1;
      while (work.length) {
        const x = work.pop()!;
        arms.push(x);
        for (const y of fn.nodes[x].succ) if (y !== stop && y < n && !inArms[y]) { inArms[y] = 1; work.push(y); }
      }
    }
    armsMemo.set(t, arms);
    return arms;
  };
  const keptAtoms = (): string[] => [...rel].filter((k) => k.startsWith('a:')).map((k) => k.slice(2));
  const writesKept = (w: string, atoms: readonly string[]): boolean =>
    rel.has(IDENT.test(w) ? `v:${w}` : keyOfAtom(w)) || atoms.some((a) => mentions(a, w));
  let deadMemo = new Map<number, boolean>();
  let deadFor = -1;
  const deadRead = (t: number): boolean => {
    if (!multiLock || multiLock[t] || fn.nodes[t].op?.k !== 'branch') return false;
    if (deadFor !== rel.size) { deadMemo = new Map(); deadFor = rel.size; }
    let dead = deadMemo.get(t);
    if (dead !== undefined) return dead;
    const arms = armsOf(t);
    const atoms = keptAtoms();
    const callsForget = atoms.some((a) => callClobbers(fn, a));
    dead = !!arms && [t, ...arms].every((x) => toExit[x] && !lockOp[x] && !tests[x].some((f) => rel.has(f)) &&
      !writes[x].some((w) => writesKept(w, atoms)) && !(callsForget && hasCall[x]));
    deadMemo.set(t, dead);
    return dead;
  };
  /** facts left untracked because every read of theirs is dead (their reads must stay single-lock-state) */
  let skipped = new Set<string>();
  const liveRead = (f: string): boolean => (readAt.get(f) ?? []).some((t) => !deadRead(t));
  for (let changed = true; changed;) {
    const size = rel.size;
    skipped = new Set();
    for (let a = 0; a < n; a++) {
      for (const f of assigns[a]) {
        if (rel.has(f)) {
          for (const c of controlledBy[a]) if (tests[c.b].some((t) => !rel.has(t)) && decides(c, f)) for (const t of tests[c.b]) rel.add(t);
        } else if (controlledBy[a].some((c) => (lockBranch[c.b] === 1 || tests[c.b].some((t) => rel.has(t))) && decides(c, f))) {
          if (liveRead(f)) rel.add(f); else skipped.add(f);
        }
      }
    }
    // flag tests on one word sharing a flag imply each other (`flags & (A|B)` false: `flags & A` false)
    for (const list of byBase.values()) {
      for (const x of list) {
        if (!rel.has(atomKey(x))) continue;
        const fx = flagTest(x)!.flags;
        for (const y of list) if (flagTest(y)!.flags.some((f) => fx.includes(f))) rel.add(atomKey(y));
      }
    }
    for (const [dst, src] of copies) {
      if (rel.has(`v:${dst}`)) rel.add(`v:${src}`);
      else if (rel.has(`v:${src}`)) rel.add(`v:${dst}`);
    }
    changed = rel.size !== size;
  }
  const assumedSingle = new Set<number>();
  for (const f of skipped) if (!rel.has(f)) for (const t of readAt.get(f) ?? []) assumedSingle.add(t);
  return { rel, assumedSingle };
}
