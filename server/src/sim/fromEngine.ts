// From an analysed function to a simulator thread program.
//
// The program is built from the dataflow's path-sensitive product graph (CFG
// node x abstract state), not from the raw CFG: infeasible combinations of
// correlated conditions (`if (lock_inode) inode_lock(); ... if (lock_inode)
// inode_unlock();`) never appear in it, so the simulated thread stays as
// precise as the static analysis. Each product edge becomes the lock
// operations that change the abstract state along it (acquired / released
// locks, pagefault_disable depth, iov_iter nofault, gfs2 demotable holders),
// preceded by what the CFG node does that does not change the caller's state:
// a user-buffer access that may fault, fault_in_*(), a call that may sleep
// (the built-in / .lockorder may-sleep list, GFP_KERNEL-style allocations, a
// callee whose summary sleeps), and the locks a callee takes and drops inside
// (from its summary). Lock acquisitions themselves are not `sleep` ops: a
// mutex / rwsem / glock sleeps in the simulator exactly when it has to wait.
import type { Workspace } from '../analysis/workspace';
import type { FnRecords, ProductGraph } from '../analysis/dataflow';
import type { Call, FunctionIR, Op, Pos } from '../analysis/ir';
import type { Held, State } from '../analysis/state';
import type { LockKind as EngineKind } from '../model/lockApi';
import type { LockKind, LockMode, SimLock, SimNode, SimOp, ThreadProgram } from './program';
import { minimizeProgramWithin } from './minimize';
import { GUP_UNDER_MMAP_LOCK } from '../model/faultApi';
import { pastDeadline } from './clock';

/** The key of "the file whose pages the user buffer maps": one inode per scenario. */
export const SAME_FILE = 'file';
export const MMAP_LOCK = 'mm_struct.mmap_lock';
/** Above this many product nodes a function is not simulated (the verdict says so). */
export const MAX_PRODUCT_NODES = 4000;
/** Why a program, scenario or exploration was not done: the caller's deadline had passed. */
export const SIM_TIME_UP = 'the simulation time budget is used up';

export interface BuiltProgram {
  program: ThreadProgram;
  locks: Record<string, SimLock>;
  /** why it could not be built (budget, too large) */
  error?: string;
}

const SIM_KIND: Record<EngineKind, LockKind | undefined> = {
  mutex: 'mutex', semaphore: 'mutex', folio: 'mutex', spinlock: 'spinlock', bitlock: 'spinlock', seqlock: 'spinlock',
  rwlock: 'rwlock', rwsem: 'rwsem', percpu_rwsem: 'percpu_rwsem', glock: 'glock', journal: 'rwsem',
  rcu: undefined, srcu: undefined, preempt: undefined, irq: undefined,
};

/** A lock instance in a scenario is its class: every thread works on the same inode / mapping / mm. */
export function simLockId(cls: string): string { return cls; }

function simMode(kind: EngineKind, mode: string): LockMode {
  if (kind === 'journal') return 'R'; // a running handle; jbd2 commit is the writer
  return mode as LockMode;
}

function toSourcePos(file: string, p: Pos): { file: string; line: number; col: number } {
  return { file, line: p.line + 1, col: p.col + 1 };
}

class ProgramBuilder {
  nodes: SimNode[] = [];
  locks: Record<string, SimLock> = {};
  constructor(private readonly file: string) {}
  node(op?: SimOp, pos?: Pos, text?: string): SimNode {
    const n: SimNode = { id: this.nodes.length, succ: [] };
    if (op) n.op = op;
    if (pos) n.pos = toSourcePos(this.file, pos);
    if (text) n.text = text;
    this.nodes.push(n);
    return n;
  }
  lock(cls: string, kind: EngineKind, label?: string): string | undefined {
    const k = SIM_KIND[kind];
    if (!k) return undefined;
    const id = simLockId(cls);
    if (!this.locks[id]) this.locks[id] = { id, kind: k, label: label ? `${label} (${cls})` : cls };
    return id;
  }
  /** A fresh chain of ops starting at a new no-op node: its first and last nodes. */
  fresh(ops: { op: SimOp; pos?: Pos; text?: string }[]): { start: SimNode; end: SimNode } {
    const start = this.node();
    return { start, end: this.chain(start, ops) };
  }
  /** Append a chain of ops after `from`; returns the last node. */
  chain(from: SimNode, ops: { op: SimOp; pos?: Pos; text?: string }[]): SimNode {
    let cur = from;
    for (const o of ops) {
      const n = this.node(o.op, o.pos, o.text);
      cur.succ.push(n.id);
      cur = n;
    }
    return cur;
  }
}

function opPos(op: Op | undefined): Pos | undefined {
  if (!op) return undefined;
  switch (op.k) {
    case 'call': return op.call.pos;
    case 'assign': case 'nofault': case 'branch': case 'choice': case 'return': case 'opaque': return op.pos;
    default: return undefined;
  }
}

function callText(op: Op | undefined): string | undefined {
  if (op?.k !== 'call') return undefined;
  return `${op.call.guard !== undefined ? `guard(${op.call.guard})` : op.call.name}(${op.call.args.join(', ')})`;
}

/** The calls an op makes, in order (a branch's condition may call too). */
function callsOf(op: Op | undefined): Call[] {
  if (!op) return [];
  if (op.k === 'call') return [op.call];
  if (op.k === 'branch') {
    const out: Call[] = [];
    const walk = (c: import('../analysis/ir').Cond): void => {
      switch (c.k) {
        case 'not': walk(c.e); break;
        case 'and': case 'or': walk(c.a); walk(c.b); break;
        case 'seq': for (const p of c.pre) out.push(...callsOf(p)); walk(c.c); break;
        case 'test': if (c.s.k === 'call') out.push(c.s.call); break;
        default: break;
      }
    };
    walk(op.cond);
    return out;
  }
  return [];
}

/** Ops for what a CFG node does that does not show in the caller's abstract state. */
function nodeEffects(ws: Workspace, rec: FnRecords, fnFile: string, op: Op | undefined, b: ProgramBuilder): { op: SimOp; pos?: Pos; text?: string }[] {
  const out: { op: SimOp; pos?: Pos; text?: string }[] = [];
  const know = ws.knowledge;
  for (const call of callsOf(op)) {
    if (call.indirect) continue;
    const fault = know.faultApi(call.name);
    if (fault) {
      out.push({ op: fault.faultIn ? { kind: 'fault_in', file: SAME_FILE, label: call.name } : { kind: 'fault', file: SAME_FILE, label: call.name, underMmap: GUP_UNDER_MMAP_LOCK.has(call.name) }, pos: call.pos, text: `${call.name}(${call.args.join(', ')})` });
      continue;
    }
    // a lock call's effect is in the product graph; one that may drop its lock (GUP's `&locked`) also runs a body
    const lockApi = know.lockApi(call.name);
    if (lockApi && lockApi.heldOut === undefined) continue;
    const sleeps = know.maySleep(call.name, call.args);
    if (sleeps) out.push({ op: { kind: 'sleep', label: call.name }, pos: call.pos, text: `${call.name}(${call.args.join(', ')})` });
    const sum = ws.calleeSummary(fnFile, call.name);
    if (!sum || sum.incomplete) continue;
    for (const inner of sum.inner) {
      if (inner.releasedBefore?.length) continue;
      const id = b.lock(inner.cls, inner.kind);
      if (!id) continue;
      const via = `${call.name}() → ${[...inner.chain].join(' → ') || inner.cls}`;
      out.push({ op: { kind: 'acquire', lock: id, mode: simMode(inner.kind, inner.mode) }, pos: call.pos, text: `${via} takes ${inner.cls}` });
      out.push({ op: { kind: 'release', lock: id }, pos: call.pos, text: `${call.name}() drops ${inner.cls}` });
    }
    // a callee that sleeps after dropping a lock of ours is left out (the release is not modelled inside the call)
    if (sum.sleep && !sleeps && !sum.sleep.releasedBefore?.length) {
      out.push({ op: { kind: 'sleep', label: `${call.name}() → ${sum.sleep.api}` }, pos: call.pos, text: `${call.name}() may sleep (${[call.name, ...sum.sleep.chain, sum.sleep.api].join(' → ')})` });
    }
    if (sum.fault) out.push({ op: { kind: 'fault', file: SAME_FILE, label: `${call.name}() → ${sum.fault.api}`, underMmap: GUP_UNDER_MMAP_LOCK.has(sum.fault.api) }, pos: call.pos, text: `${call.name}() may fault (${[call.name, ...sum.fault.chain, sum.fault.api].join(' → ')})` });
  }
  void rec;
  return out;
}

const heldKeyOf = (h: Held): string => h.inst;

/** Ops for the state change along one product edge. */
function edgeEffects(u: State, v: State, b: ProgramBuilder, pos: Pos | undefined, text: string | undefined): { acquires: { op: SimOp; pos?: Pos; text?: string }[]; rest: { op: SimOp; pos?: Pos; text?: string }[]; dequeued: Held[] } {
  const acquires: { op: SimOp; pos?: Pos; text?: string }[] = [];
  const rest: { op: SimOp; pos?: Pos; text?: string }[] = [];
  const dequeued: Held[] = [];
  const uh = new Map(u.held.map((h) => [heldKeyOf(h), h]));
  const vh = new Map(v.held.map((h) => [heldKeyOf(h), h]));
  for (const [k, h] of uh) {
    if (vh.has(k)) continue;
    if (h.inst.includes('@')) continue;
    // a demotable glock that disappears on a holder_queued() test was taken away, not released by us
    if (h.demotable && h.kind === 'glock') { dequeued.push(h); continue; }
    const id = b.lock(h.cls, h.kind, h.inst);
    if (id) rest.push({ op: { kind: 'release', lock: id }, pos, text: text ?? `release ${h.inst}` });
  }
  for (const [k, h] of vh) {
    const prev = uh.get(k);
    if (prev) {
      if (!prev.demotable && h.demotable) { const id = b.lock(h.cls, h.kind, h.inst); if (id) rest.push({ op: { kind: 'allow_demote', lock: id }, pos, text }); }
      if (prev.demotable && !h.demotable) { const id = b.lock(h.cls, h.kind, h.inst); if (id) rest.push({ op: { kind: 'disallow_demote', lock: id }, pos, text }); }
      continue;
    }
    if (h.entry) continue;
    const id = b.lock(h.cls, h.kind, h.inst);
    if (id) acquires.push({ op: { kind: 'acquire', lock: id, mode: simMode(h.kind, h.mode) }, pos, text: text ?? `${h.via}: ${h.inst}` });
  }
  for (let d = u.pf; d < v.pf; d++) rest.push({ op: { kind: 'pagefault_disable' }, pos, text: 'pagefault_disable()' });
  for (let d = v.pf; d < u.pf; d++) rest.push({ op: { kind: 'pagefault_enable' }, pos, text: 'pagefault_enable()' });
  for (const it of v.nofault) if (!u.nofault.includes(it)) rest.push({ op: { kind: 'nofault_set', iter: it }, pos, text: `${it}->nofault = true` });
  for (const it of u.nofault) if (!v.nofault.includes(it)) rest.push({ op: { kind: 'nofault_clear', iter: it }, pos, text: `${it}->nofault = false` });
  return { acquires, rest, dequeued };
}

/**
 * Build the thread program of `fn` (analysed in `ws`) from its product graph.
 * `deadline` (Date.now() ms): past it the build stops and the result carries
 * SIM_TIME_UP as its error (re-analysing the function is bounded by the
 * analysis budget; the product walk and minimisation check the deadline).
 */
export function programFromFunction(ws: Workspace, file: string, fn: FunctionIR, name = fn.name, deadline?: number): BuiltProgram {
  const b = new ProgramBuilder(file);
  const empty = (error: string): BuiltProgram => ({ program: { name, nodes: [{ id: 0, succ: [] }], entry: 0 }, locks: {}, error });
  const late = (): boolean => pastDeadline(deadline);
  if (late()) return empty(SIM_TIME_UP);
  const rec = ws.reanalyze(file, fn, { product: true });
  if (late()) return empty(SIM_TIME_UP);
  if (!rec) return empty('no analysis has run');
  if (rec.budgetHit) return empty(`${fn.name}() hit the analysis budget (${rec.budgetHit})`);
  const pg: ProductGraph | undefined = rec.product;
  if (!pg) return empty('no product graph');
  if (pg.node.length > MAX_PRODUCT_NODES) return empty(`${fn.name}() has ${pg.node.length} path states, over the simulation limit of ${MAX_PRODUCT_NODES}`);
  // one "head" sim node per product node, carrying the node's own effects
  const head: SimNode[] = [];
  const tail: SimNode[] = [];
  for (let p = 0; p < pg.node.length; p++) {
    if ((p & 255) === 255 && late()) return empty(SIM_TIME_UP);
    const op = fn.nodes[pg.node[p]].op;
    const h = b.node(undefined, opPos(op), callText(op));
    head.push(h);
    tail.push(b.chain(h, nodeEffects(ws, rec, file, op, b)));
  }
  for (let p = 0; p < pg.node.length; p++) {
    if ((p & 255) === 255 && late()) return empty(SIM_TIME_UP);
    const op = fn.nodes[pg.node[p]].op;
    const pos = opPos(op);
    const text = callText(op);
    const succs = pg.succ[p];
    const edges = succs.map((q) => ({ q, ...edgeEffects(pg.state[p], pg.state[q], b, pos, text) }));
    const t = tail[p];
    // gfs2_holder_queued(): the glock may have been taken away while demotable
    const lost = edges.find((e) => e.dequeued.length > 0);
    if (lost && edges.length === 2) {
      const kept = edges.find((e) => e !== lost)!;
      const id = b.lock(lost.dequeued[0].cls, lost.dequeued[0].kind, lost.dequeued[0].inst)!;
      const q1 = b.fresh([...kept.acquires, ...kept.rest]);
      const q2 = b.fresh([...lost.acquires, ...lost.rest]);
      q1.end.succ.push(head[kept.q].id);
      q2.end.succ.push(head[lost.q].id);
      const br = b.node({ kind: 'holder_queued_branch', lock: id, ifQueued: q1.start.id, ifNot: q2.start.id }, pos, 'gfs2_holder_queued()');
      t.succ.push(br.id);
      continue;
    }
    // a genuine trylock: one successor acquires, the other does not, and the call is a try
    // (a call statement, or a call in a branch condition: `if (mutex_trylock(&m))`)
    const isTry = callsOf(op).some((c) => (c.guard === undefined && !c.indirect && isTrylock(ws, c.name)) || c.name === 'guard_try');
    const withAcq = edges.filter((e) => e.acquires.length > 0);
    if (isTry && edges.length === 2 && withAcq.length === 1) {
      const ok = withAcq[0];
      const fail = edges.find((e) => e !== ok)!;
      const acq = ok.acquires[0].op as Extract<SimOp, { kind: 'acquire' }>;
      const failed = b.fresh(fail.rest);
      failed.end.succ.push(head[fail.q].id);
      const tryNode = b.node({ ...acq, try: true, onFail: failed.start.id }, ok.acquires[0].pos, ok.acquires[0].text);
      t.succ.push(tryNode.id);
      const okEnd = b.chain(tryNode, [...ok.acquires.slice(1), ...ok.rest]);
      okEnd.succ.push(head[ok.q].id);
      continue;
    }
    for (const e of edges) {
      const end = b.chain(t, [...e.rest.filter((r) => r.op.kind === 'release'), ...e.acquires, ...e.rest.filter((r) => r.op.kind !== 'release')]);
      end.succ.push(head[e.q].id);
    }
  }
  const program = minimizeProgramWithin({ name, nodes: b.nodes, entry: head[0].id }, deadline);
  return program ? { program, locks: b.locks } : empty(SIM_TIME_UP);
}

function isTrylock(ws: Workspace, name: string): boolean {
  const api = ws.knowledge.lockApi(name);
  return !!api && api.op === 'try' && api.success === 'P' && api.failure === 'Z';
}
