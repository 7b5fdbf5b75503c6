// Function summaries from dataflow records, expressed over parameters so a
// caller can substitute its own arguments: `inode_lock(inode)` inside
// `foo(struct inode *inode)` becomes `$0->i_rwsem`.
import { lockObject, rootVar } from '../parse/exprs';
import type { FnRecords } from './dataflow';
import { ENTRY_GONE } from './dataflow';
import type { FunctionIR } from './ir';
import { forEachOp, isParam } from './ir';
import type { InnerAcquire, LockEffect, Released, ReturnOutcome, Summary } from './summaryTypes';
import type { State } from './state';
import { N, signLetter } from './state';
import { KERNEL_ITER_INIT, TRUNCATE_APIS, USER_ITER_INIT } from '../model/faultApi';

/**
 * How deep below a callee its acquisitions still count for the caller's
 * order edges. Long chains through rare paths (withdraw, shutdown, error
 * handling) are the classic source of false lock-order reports (Smatch's
 * author says as much); two levels cover the helpers that matter.
 */
export const MAX_INNER_DEPTH = 1;

/** Does CFG node `n` dominate the function's exit (every path to a return passes through it)? */
export function dominatesExit(fn: FunctionIR, n: number): boolean {
  // remove n and see whether the exit is still reachable from the entry
  if (n === fn.entry) return true;
  const seen = new Uint8Array(fn.nodes.length);
  const stack = [fn.entry];
  seen[fn.entry] = 1;
  while (stack.length) {
    const x = stack.pop()!;
    if (x === fn.exit) return false;
    for (const y of fn.nodes[x].succ) if (!seen[y] && y !== n) { seen[y] = 1; stack.push(y); }
  }
  return true;
}

/** The CFG node of the call at `pos` (a call inside a condition belongs to its branch node). */
function nodeAt(fn: FunctionIR, pos: { line: number; col: number }): number | undefined {
  for (let i = 0; i < fn.nodes.length; i++) {
    const op = fn.nodes[i].op;
    if (!op) continue;
    const p = op.k === 'call' ? op.call.pos : op.k === 'branch' ? op.pos : undefined;
    if (!p) continue;
    if (op.k === 'call' && p.line === pos.line && p.col === pos.col) return i;
    if (op.k === 'branch' && (p.line < pos.line || (p.line === pos.line && p.col <= pos.col)) && (p.endLine > pos.line || (p.endLine === pos.line && p.endCol >= pos.col))) return i;
  }
  return undefined;
}

/**
 * Is the iov_iter `inst` (as named in `rec`'s function) one over kernel memory, so that a copy
 * through it cannot fault on a user page? True when this function set it up with a kernel
 * constructor (iov_iter_kvec/bvec/xarray/folio_queue/discard), or when it lives in an object local
 * to this function (`req->subreq->io_iter`, `rqst.rq_iter` of a request built here) that no user
 * constructor (iov_iter_ubuf, import_iovec, ...) filled. A user buffer reaches a copy through the
 * parameters (read_iter/write_iter's iterator) or through a user constructor, never otherwise.
 */
export function kernelIterator(rec: FnRecords, inst: string): boolean {
  const it = lockObject(inst);
  const root = rootVar(it);
  if (!root || isParam(rec.fn, root) || !(root in rec.fn.locals)) return false;
  const initialises = (table: Readonly<Record<string, number>>): boolean => rec.calls.some((c) => {
    const k = table[c.call.name];
    return k !== undefined && c.call.args[k] !== undefined && lockObject(rec.resolver.expand(c.call.args[k])) === it;
  });
  if (initialises(USER_ITER_INIT)) return false;
  if (initialises(KERNEL_ITER_INIT)) return true;
  // (a bare `struct iov_iter` local may be a copy of the caller's iterator: unknown)
  return it !== root && rec.fn.locals[root] !== 'iov_iter';
}

/** Rewrite an instance over the function's parameters; undefined if it names a local object. */
export function toTemplate(inst: string, fn: FunctionIR, globals: ReadonlyMap<string, string>): string | undefined {
  // stale (reassigned) names and array elements are not one lock a caller can name
  if (inst.includes('@') || inst.includes('[*]')) return undefined;
  const root = rootVar(inst);
  if (!root) return inst; // per-task pseudo-locks: rcu, jbd2_handle
  const idx = fn.params.findIndex((p) => p.name === root);
  if (idx >= 0) {
    const re = new RegExp(`(?<![\\w>.])${root}\\b`, 'g');
    return inst.replace(re, `$${idx}`);
  }
  if (globals.has(root) || inst === 'rcu' || inst === 'jbd2_handle' || inst === 'preempt' || inst === 'irq' || inst === 'bh' || inst.startsWith('rcu')) return inst;
  // an accessor over a parameter: get_fuse_inode(inode)->i_mmap_sem, EXT4_SB(inode->i_sb)->s_fc_lock
  let out = inst;
  let hit = false;
  for (let i = 0; i < fn.params.length; i++) {
    const p = fn.params[i].name;
    if (!p) continue;
    const re = new RegExp(`(?<=\\()${p}(?=\\)|->|\\.|,)`, 'g');
    if (re.test(out)) { out = out.replace(new RegExp(`(?<=\\()${p}(?=\\)|->|\\.|,)`, 'g'), `$${i}`); hit = true; }
  }
  if (hit) return out;
  return undefined;
}

/**
 * `current->X = constant;` that every path to the return passes, when it is the function's only store to
 * that field (a callee run after it is taken not to write it: the task-state fields tested this way,
 * journal_info, are each written by a few dedicated functions).
 */
function taskStoresOf(fn: FunctionIR): Record<string, number> | undefined {
  let out: Record<string, number> | undefined;
  const seen = new Set<string>();
  fn.nodes.forEach((n, i) => {
    const op = n.op;
    if (op?.k !== 'assign' || !op.lhs.startsWith('current->')) return;
    if (seen.has(op.lhs)) { if (out) delete out[op.lhs]; return; }
    seen.add(op.lhs);
    if (op.value.k === 'const' && dominatesExit(fn, i)) (out ??= {})[op.lhs] = op.value.v;
  });
  return out && Object.keys(out).length ? out : undefined;
}

/** A field path over a variable: `open->tlink`, `p->a.b` (no calls, indexes or casts). */
const FIELD_PATH = /^([A-Za-z_]\w*)->[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*$/;

/**
 * `p->f = v;` with p and v parameters neither of which the function reassigns (nor passes by
 * address), the store passed by every path to the return and the function's only store to that
 * path (or to one it extends), and p never handed whole to a call that could store there again:
 * `{ "$2->tlink": "$1" }`.
 */
function fieldStoresOf(fn: FunctionIR): Record<string, string> | undefined {
  const idx = new Map<string, number>();
  fn.params.forEach((p, i) => { if (p.name) idx.set(p.name, i); });
  const changed = new Set<string>();
  const passed = new Set<string>();
  const stores = new Map<string, number[]>();
  forEachOp(fn, (op, i) => {
    if (op.k === 'assign') {
      if (/^[A-Za-z_]\w*$/.test(op.lhs)) changed.add(op.lhs);
      else stores.set(op.lhs, [...(stores.get(op.lhs) ?? []), i]);
    } else if (op.k === 'clobber') op.vars.forEach((v) => changed.add(v));
    else if (op.k === 'call') for (const a of op.call.args) if (/^[A-Za-z_]\w*$/.test(a)) passed.add(a);
  });
  let out: Record<string, string> | undefined;
  for (const [lhs, at] of stores) {
    const m = FIELD_PATH.exec(lhs);
    if (!m || at.length !== 1) continue;
    const root = m[1];
    const op = fn.nodes[at[0]].op;
    if (op?.k !== 'assign' || op.from === undefined || !/^[A-Za-z_]\w*$/.test(op.from)) continue;
    const v = op.from;
    const pi = idx.get(root);
    const vi = idx.get(v);
    if (pi === undefined || vi === undefined || changed.has(root) || changed.has(v) || passed.has(root)) continue;
    // another store to the path, or to a path it goes through (`p->a = q` under `p->a->b = v`)
    if ([...stores.keys()].some((o) => o !== lhs && (lhs.startsWith(`${o}->`) || lhs.startsWith(`${o}.`) || o.startsWith(`${lhs}->`) || o.startsWith(`${lhs}.`)))) continue;
    if (!dominatesExit(fn, at[0])) continue;
    (out ??= {})[`$${pi}${lhs.slice(root.length)}`] = `$${vi}`;
  }
  return out;
}

export function summarize(rec: FnRecords, globals: ReadonlyMap<string, string>): Summary {
  const fn = rec.fn;
  const entryInsts = new Set(rec.entry.held.map((h) => h.inst));
  const entryCls = new Map(rec.entry.held.map((h) => [h.inst, h.cls]));
  for (const r of rec.releases) if (!entryCls.has(r.ref.inst)) entryCls.set(r.ref.inst, r.ref.cls);
  /** caller-held locks already dropped at this point */
  const released = (s: State): Released[] | undefined => {
    const out: Released[] = [];
    for (const inst of s.notHeld) {
      if (!entryInsts.has(inst) && !s.entryAssumed.includes(inst)) continue;
      out.push({ template: toTemplate(inst, fn, globals), cls: entryCls.get(inst) ?? inst });
    }
    return out.length ? out : undefined;
  };
  /**
   * A callee's "drops the caller's lock first", seen from this function's
   * callers: a lock this function holds on entry, or one it does not hold at
   * the call (`before`) and can name in its callers' terms (a parameter's or
   * a global's): then only a caller can hold it. ceph_reserve_caps() drops
   * `mdsc->mutex` only when it must trim, so __register_request(), which
   * passes it on, neither requires nor releases it, but its callers' mutex
   * is still dropped before the session mutex is taken.
   */
  const lift = (inner: readonly Released[] | undefined, args: readonly string[], before: State): Released[] => {
    const out: Released[] = [];
    for (const r of inner ?? []) {
      const inst = r.template ? rec.resolver.instance(r.template, args) : undefined;
      if (!inst) { out.push({ cls: r.cls }); continue; }
      const isEntry = entryInsts.has(inst) || exits.some((ex) => ex.state.entryAssumed.includes(inst));
      const template = toTemplate(inst, fn, globals);
      if (isEntry || (template !== undefined && !before.held.some((h) => h.inst === inst && !h.entry))) out.push({ template, cls: r.cls });
    }
    return out;
  };
  const merge = (a: Released[] | undefined, b: Released[]): Released[] | undefined => {
    const all = [...(a ?? []), ...b];
    return all.length ? all : undefined;
  };
  const must = (pos: { line: number; col: number }): boolean => {
    const n = nodeAt(fn, pos);
    return n !== undefined && dominatesExit(fn, n);
  };
  const sum: Summary = { name: fn.name, file: rec.file, pos: fn.namePos, acquires: [], releases: [], requires: [], inner: [] };
  if (rec.budgetHit) { sum.incomplete = `analysis budget hit (${rec.budgetHit})`; return sum; }
  const exits = rec.exits;
  const effect = (h: { inst: string; cls: string; kind: LockEffect['kind']; mode: LockEffect['mode'] }): LockEffect | undefined => {
    const template = toTemplate(h.inst, fn, globals);
    return template ? { template, cls: h.cls, kind: h.kind, mode: h.mode } : undefined;
  };
  /** effects that happen on some exits only: where (per exit) they did */
  const condEffects: CondEffect[] = [];
  if (exits.length > 0) {
    const one = signLetter(exits.reduce((m, ex) => m | ex.ret, 0));
    if (one) sum.returns = one;
    // held at every exit, taken here
    // held at every exit, taken here, and not the caller's own lock re-taken (__releases + __acquires)
    const first = exits[0].state.held.filter((h) => !h.entry && !entryInsts.has(h.inst) && !exits.some((ex) => ex.state.entryAssumed.includes(h.inst)));
    for (const h of first) {
      if (exits.every((ex) => ex.state.held.some((x) => x.inst === h.inst && !x.entry))) {
        const e = effect(h);
        if (e) sum.acquires.push(e);
      } else if (exits.some((ex) => !ex.state.held.some((x) => x.inst === h.inst))) {
        sum.conditional = true;
      }
    }
    // locks held at some exits only (taken here, from any exit), for the by-return-value split
    const partial = new Map<string, { h: State['held'][number]; held: boolean[] }>();
    for (const ex of exits) {
      for (const h of ex.state.held) {
        if (h.entry || entryInsts.has(h.inst) || partial.has(h.inst) || exits.some((x) => x.state.entryAssumed.includes(h.inst))) continue;
        const held = exits.map((x) => x.state.held.some((y) => y.inst === h.inst && !y.entry));
        if (held.some((b) => !b)) partial.set(h.inst, { h, held });
      }
    }
    // (taken only by trylocks here, directly or in a callee: the caller's split is a trylock's too)
    for (const { h, held } of partial.values()) {
      const takes = rec.acquires.filter((a) => a.ref.inst === h.inst);
      condEffects.push({ kind: 'acquire', h, happened: held, try: takes.length > 0 && takes.every((a) => a.try) });
    }
    // released without being taken (caller's lock, or held on entry by annotation), not re-taken at exit
    const assumed = new Set<string>();
    for (const ex of exits) for (const a of ex.state.entryAssumed) assumed.add(a);
    for (const h of rec.entry.held) {
      if (!exits.every((ex) => !ex.state.held.some((x) => x.inst === h.inst))) continue;
      const e = effect(h);
      if (e) sum.releases.push(e);
    }
    for (const inst of assumed) {
      const rel = rec.releases.find((r) => r.ref.inst === inst) ?? rec.asserts.find((r) => r.ref.inst === inst);
      if (!rel) continue;
      const e = effect(rel.ref);
      if (!e) continue;
      // a precondition / a release effect only if every path does it: a lock dropped on some
      // error path deep down (gfs2 withdraw) is not something callers can rely on either way
      const asserted = rec.asserts.some((r) => r.ref.inst === inst);
      if (asserted || exits.every((ex) => ex.state.entryAssumed.includes(inst))) sum.requires.push(e);
      const gone = exits.map((ex) => (ex.state.notHeld.includes(inst) || ex.state.notHeld.includes(`${inst}${ENTRY_GONE}`)) && !ex.state.held.some((x) => x.inst === inst));
      if (gone.every((b) => b)) sum.releases.push(e);
      else if (exits.some((ex) => ex.state.notHeld.includes(inst))) { sum.conditional = true; condEffects.push({ kind: 'release', e, happened: gone }); }
    }
    if (sum.conditional) {
      const split = byReturn(exits, condEffects, effect, fn);
      if (split) sum.byReturn = split;
    }
  }
  for (const a of fn.annotations) {
    if (a.kind.startsWith('__must_hold')) {
      const inst = rec.resolver.annotationInstance(a.arg);
      const t = toTemplate(inst, fn, globals);
      if (t && !sum.requires.some((r) => r.template === t)) sum.requires.push({ template: t, cls: rec.resolver.classFor(undefined, inst, a.arg), kind: 'mutex', mode: a.kind.endsWith('_shared') ? 'R' : 'W' });
    }
  }
  // everything acquired inside, directly or through callees, for order edges
  const seen = new Set<string>();
  for (const a of rec.acquires) {
    if (a.try) continue; // a trylock never waits: no order edge, no sleep
    if ((a.chain?.length ?? 0) > MAX_INNER_DEPTH) continue;
    const rb = released(a.before);
    const key = `${a.ref.cls}|${a.ref.mode}|${rb?.map((r) => r.cls).join(',') ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const t = toTemplate(a.ref.inst, fn, globals) ?? `?${a.ref.inst}`;
    const inner: InnerAcquire = { template: t, cls: a.ref.cls, kind: a.ref.kind, mode: a.ref.mode, file: rec.file, pos: a.pos, chain: a.chain ? a.chain : [] };
    if (!a.chain && must(a.pos)) inner.must = true;
    let dropped = rb;
    if (a.chain && a.callee) {
      const deep = a.callee.inner.find((x) => x.cls === (a.calleeCls ?? a.ref.cls));
      if (deep) {
        inner.file = deep.file; inner.pos = deep.pos;
        // what the callee dropped first, if it was our caller's lock, is dropped for our callers too
        dropped = merge(rb, lift(deep.releasedBefore, a.args ?? [], a.before));
      }
    }
    if (dropped) inner.releasedBefore = dropped;
    sum.inner.push(inner);
  }
  // classes released somewhere without being taken here (balance rules: possible hand-over)
  const mayRelease = new Set<string>();
  for (const r of rec.releases) if (!r.before.held.some((h) => h.inst === r.ref.inst && !h.entry)) mayRelease.add(r.ref.cls);
  for (const c of rec.calls) for (const m of c.callee?.mayRelease ?? []) mayRelease.add(m);
  if (mayRelease.size) sum.mayRelease = [...mayRelease].sort();
  // may fault with page faults enabled / may sleep
  for (const c of rec.calls) {
    if (!sum.fault && c.before.pf === 0) {
      if (c.fault && !c.fault.faultIn) {
        const iterArg = c.fault.iterArg;
        const iterInst = iterArg !== undefined ? rec.resolver.expand(c.call.args[iterArg] ?? '') : undefined;
        if (!(iterInst && (c.before.nofault.includes(iterInst) || kernelIterator(rec, iterInst)))) {
          sum.fault = { file: rec.file, pos: c.call.pos, api: c.call.name, chain: [], gup: !!c.fault.gup, iter: iterInst ? toTemplate(iterInst, fn, globals) : undefined, releasedBefore: released(c.before) };
        }
      } else if (c.callee?.fault) {
        const f = c.callee.fault;
        // the callee faults through an iterator it was given: which one is ours, in our caller's terms
        const iterInst = f.iter ? rec.resolver.instance(f.iter, c.call.args) : undefined;
        if (!(iterInst && (c.before.nofault.includes(iterInst) || kernelIterator(rec, iterInst)))) {
          sum.fault = { file: f.file, pos: f.pos, api: f.api, chain: [c.callee.name, ...f.chain], gup: f.gup, iter: iterInst ? toTemplate(iterInst, fn, globals) : undefined, releasedBefore: merge(released(c.before), lift(f.releasedBefore, c.call.args, c.before)) };
        }
      }
    }
    // a callee "sleeps" for its callers only if it sleeps on every path (if (wait) wait_on_bit() does not)
    if (!sum.sleep && must(c.call.pos)) {
      if (c.sleeps) sum.sleep = { file: rec.file, pos: c.call.pos, api: c.call.name, chain: [], releasedBefore: released(c.before) };
      else if (c.callee?.sleep && c.callee.sleep.chain.length === 0 && !c.callee.sleep.releasedBefore) sum.sleep = { ...c.callee.sleep, chain: [c.callee.name], releasedBefore: released(c.before) };
    }
    {
      // the guards a truncate has on ANY path through it: a lock taken only for DAX inodes
      // (fuse's fault_blocked flag) shows the author gates the truncate deliberately
      const heldX = c.before.held.filter((h) => h.mode === 'W' || h.mode === 'EX').map((h) => h.cls);
      const direct = !c.call.indirect && TRUNCATE_APIS.some((t) => t.name === c.call.name);
      const deep = !direct && c.callee?.truncate && c.callee.truncate.chain.length < MAX_INNER_DEPTH ? c.callee.truncate : undefined;
      if (direct || deep) {
        const more = deep ? [...heldX, ...deep.heldX] : heldX;
        if (!sum.truncate) sum.truncate = deep ? { ...deep, chain: [c.callee!.name, ...deep.chain], heldX: [...new Set(more)] } : { file: rec.file, pos: c.call.pos, api: c.call.name, chain: [], heldX: [...new Set(more)] };
        else sum.truncate.heldX = [...new Set([...sum.truncate.heldX, ...more])];
      }
    }
  }
  const stores = taskStoresOf(fn);
  if (stores) sum.taskStores = stores;
  const fieldStores = fieldStoresOf(fn);
  if (fieldStores) sum.fieldStores = fieldStores;
  if (!sum.sleep) {
    const sl = rec.acquires.find((a) => ['mutex', 'rwsem', 'percpu_rwsem', 'semaphore', 'glock', 'folio'].includes(a.ref.kind) && !a.try && !a.chain && must(a.pos));
    if (sl) sum.sleep = { file: rec.file, pos: sl.pos, api: sl.ref.via, chain: [], releasedBefore: released(sl.before) };
  }
  return sum;
}

/** Local types that are numbers (a returned one may be an error code), not struct pointers. */
const SCALAR = /^(?:unsigned|signed|int|long|short|char|bool|_Bool|size_t|ssize_t|loff_t|vm_fault_t|blk_status_t|__be\d+|__le\d+|[us]\d+|__[us]\d+|u?int\d+_t|void)$|\b(?:int|long|short|char)\b/;

type CondEffect =
  | { kind: 'acquire'; h: { inst: string; cls: string; kind: LockEffect['kind']; mode: LockEffect['mode'] }; happened: boolean[]; try: boolean }
  | { kind: 'release'; e: LockEffect; happened: boolean[] };

/**
 * The return-value split of a conditional function: every effect that happens on some exits only
 * happens exactly on the exits of one of two disjoint sets of return signs (a trylock's success and
 * failure, `lock_two_directories()`'s pointer and ERR_PTR). Undefined when the return value does not
 * tell (an exit of unknown sign on both sides, an effect on some exits of one sign only).
 */
function byReturn(exits: readonly { ret: number; retVar?: string }[], effs: readonly CondEffect[],
  effect: (h: { inst: string; cls: string; kind: LockEffect['kind']; mode: LockEffect['mode'] }) => LockEffect | undefined, fn: FunctionIR): ReturnOutcome[] | undefined {
  if (effs.length === 0) return undefined;
  let rets = exits.map((ex) => ex.ret);
  const signs = (happened: boolean[], want: boolean): number => rets.reduce((m, r, i) => (happened[i] === want ? m | r : m), 0);
  let a = signs(effs[0].happened, true);
  let b = signs(effs[0].happened, false);
  if (a & b) {
    // kernel convention: where one outcome's returns are all explicit errors (ERR_PTR(-EXDEV)) and
    // the other's return a struct pointer the analysis did not follow (`if (p) return p;`), that
    // pointer is an object, not an ERR_PTR (an int `return error;` stays a possible error)
    const errSide = a === N ? true : b === N ? false : undefined;
    if (errSide === undefined) return undefined;
    const objectPtr = (v: string | undefined): boolean => !!v && v in fn.locals && !isParam(fn, v) && !SCALAR.test(fn.locals[v]);
    rets = rets.map((r, i) => (effs[0].happened[i] !== errSide && r !== N && objectPtr(exits[i].retVar) ? r & ~N : r));
    a = signs(effs[0].happened, true);
    b = signs(effs[0].happened, false);
  }
  if (!a || !b || (a & b)) return undefined;
  const out: ReturnOutcome[] = [{ ret: a, acquires: [], releases: [] }, { ret: b, acquires: [], releases: [] }];
  for (const c of effs) {
    const on = signs(c.happened, true);
    const off = signs(c.happened, false);
    const side = on === a && off === b ? out[0] : on === b && off === a ? out[1] : undefined;
    if (!side) return undefined;
    if (c.kind === 'acquire') {
      const e = effect(c.h);
      if (!e) return undefined;
      side.acquires.push(c.try ? { ...e, try: true } : e);
    } else side.releases.push(c.e);
  }
  // only functions that drop a caller's lock on one outcome (lock_two_directories() and the rename
  // mutex, check_journal_end()): a pure conditional acquirer (page_ext_get(), a trylock wrapper)
  // held in its callers would need its release helpers split the same way (page_ext_put(NULL)
  // releases nothing), which they are not yet
  if (!out.some((o) => o.releases.length > 0)) return undefined;
  return out;
}
