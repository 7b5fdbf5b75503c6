/**
 * Transition execution. A transition runs one scheduling decision of one
 * thread (a branch choice, a lock operation, or the grant of a queued request)
 * and then runs that thread's invisible steps eagerly (pagefault_disable /
 * enable, nofault, calls, returns, faults that are suppressed or that enter
 * the fault path) until it rests at the next branch or visible op.
 *
 * With finite CPUs (cpu.ts) a thread holding a spinning lock that reaches a
 * `sleep` op or a fault that runs stops there in status 'sleep' (off its CPU);
 * its next transition, enabled only when a CPU is free, wakes it up and
 * continues (into the fault path, for a fault). A thread that is not pinned to
 * a CPU has no enabled transition while every CPU is pinned.
 */
import { CNode, CompiledScenario, COp } from './compile';
import { LockMode, SourcePos } from './program';
import { addHolder, canGrant, compatible, demoteIncompatible, removeHolder } from './semantics';
import { cloneLock, cloneThread, Frame, SimState, ThreadState, Transition } from './state';
import { cpuBlocked, cpuView, CpuView, holdsSpin } from './cpu';

export interface Limits {
  /** Max visits of any loop header per activation. */
  loopBound: number;
  /** Max nested calls (synthetic fault frames not counted). */
  maxInlineDepth: number;
}

export interface StepStats {
  inlineSkips: number;
}

export type EventOp =
  | 'acquire'
  | 'wait'
  | 'trylock-fail'
  | 'release'
  | 'release-unheld'
  | 'demoted'
  | 'allow_demote'
  | 'disallow_demote'
  | 'holder_queued'
  | 'fault'
  | 'fault-suppressed'
  | 'fault_in'
  | 'pagefault_disable'
  | 'pagefault_enable'
  | 'nofault_set'
  | 'nofault_clear'
  | 'call'
  | 'call-skipped'
  | 'branch'
  | 'exit'
  | 'cut'
  | 'sleep'
  | 'wake';

export interface SimEvent {
  t: number;
  op: EventOp;
  lock?: number;
  mode?: LockMode;
  pos?: SourcePos;
  text?: string;
  /** Program whose node produced the event. */
  fn?: string;
  note?: string;
}

export type Recorder = (e: SimEvent) => void;

interface Ctx {
  cs: CompiledScenario;
  lim: Limits;
  stats: StepStats;
  rec?: Recorder;
  /** The state being built (read only for event notes). */
  state: SimState;
}

function nodeAt(cs: CompiledScenario, f: Frame): CNode {
  return cs.programs[f.prog].nodes[f.node];
}

function isBranch(n: CNode): boolean {
  return n.op === null && n.succ.length > 1;
}

/** Source position / text of the thread's current point: the node's own, else the nearest caller's. */
function where(cs: CompiledScenario, th: ThreadState): { pos?: SourcePos; text?: string; fn: string } {
  const top = th.frames[th.frames.length - 1];
  const topNode = nodeAt(cs, top);
  const fn = cs.programs[top.prog].name;
  for (let i = th.frames.length - 1; i >= 0; i--) {
    const n = nodeAt(cs, th.frames[i]);
    if (n.pos) return { pos: n.pos, text: topNode.text, fn };
  }
  return { text: topNode.text, fn };
}

function emit(c: Ctx, t: number, th: ThreadState, e: Omit<SimEvent, 't' | 'pos' | 'text' | 'fn'>): void {
  if (c.rec) c.rec({ t, ...e, ...where(c.cs, th) });
}

/** Would entering `target` in the top frame exceed the loop bound? */
function overBound(c: Ctx, th: ThreadState, target: number): boolean {
  const f = th.frames[th.frames.length - 1];
  const h = c.cs.programs[f.prog].nodes[target].header;
  return h >= 0 && f.visits[h] >= c.lim.loopBound;
}

/** Move the top frame to `target`, counting loop-header visits; cuts the thread past the bound. */
function goTo(c: Ctx, t: number, th: ThreadState, target: number): void {
  const f = th.frames[th.frames.length - 1];
  const h = c.cs.programs[f.prog].nodes[target].header;
  if (h >= 0) {
    if (f.visits[h] >= c.lim.loopBound) {
      emit(c, t, th, { op: 'cut', note: `loop bound ${c.lim.loopBound} reached` });
      th.status = 'cut';
      return;
    }
    f.visits = f.visits.slice();
    f.visits[h]++;
  }
  f.node = target;
}

/** Continue after the op of the top node: to its successor, or return from the frame. */
function next(c: Ctx, t: number, th: ThreadState): void {
  const n = nodeAt(c.cs, th.frames[th.frames.length - 1]);
  if (n.succ.length === 0) popFrame(c, t, th);
  else goTo(c, t, th, n.succ[0]);
}

function popFrame(c: Ctx, t: number, th: ThreadState): void {
  if (th.frames.length === 1 && c.rec) {
    const held = c.state.locks.flatMap((ls, L) => (ls.holders.some((h) => h.t === t) ? [c.cs.locks[L].label || c.cs.locks[L].id] : []));
    emit(c, t, th, { op: 'exit', note: held.length > 0 ? `returns still holding ${held.join(', ')}` : 'returns' });
  }
  th.frames.pop();
  if (th.frames.length === 0) {
    th.status = 'done';
    return;
  }
  next(c, t, th); // the caller's top node is the call / fault node
}

function pushFrame(c: Ctx, th: ThreadState, prog: number): void {
  const p = c.cs.programs[prog];
  const visits = new Array<number>(p.nHeaders).fill(0);
  const h = p.nodes[p.entry].header;
  if (h >= 0) visits[h] = 1;
  th.frames.push({ prog, node: p.entry, visits });
}

function inlineDepth(c: Ctx, th: ThreadState): number {
  let d = -1;
  for (const f of th.frames) if (!c.cs.programs[f.prog].synthetic) d++;
  return d;
}

/** Spinning locks the thread holds, for notes. */
function spinHeld(c: Ctx, t: number): string {
  return c.cs.spinLocks
    .filter((L) => c.state.locks[L].holders.some((h) => h.t === t))
    .map((L) => `${c.cs.locks[L].label || c.cs.locks[L].id}`)
    .join(', ');
}

/** A spinning-lock holder schedules at its current op: off its CPU until a transition wakes it. */
function goToSleep(c: Ctx, t: number, th: ThreadState, what: string): void {
  th.status = 'sleep';
  emit(c, t, th, { op: 'sleep', note: `${what} holding ${spinHeld(c, t)} — leaves its CPU` });
}

/** Would this thread, at a sleeping point, leave a CPU it owns (finite CPUs, holds a spinning lock)? */
function sleepsOffCpu(c: Ctx, t: number): boolean {
  return c.cs.cpuLimited && holdsSpin(c.cs, c.state, t);
}

function enterFaultPath(c: Ctx, t: number, th: ThreadState, file: number): void {
  const row = c.cs.faultProg.get(c.cs.threads[t].mm) as number[];
  pushFrame(c, th, row[file]);
}

/** Run invisible steps until the thread rests at a branch or a visible op (or stops). */
export function settle(c: Ctx, t: number, th: ThreadState): void {
  for (let guard = 0; th.status === 'run'; guard++) {
    if (guard > 100000) throw new Error('sim: invisible-step loop did not settle');
    const f = th.frames[th.frames.length - 1];
    const n = nodeAt(c.cs, f);
    const op: COp | null = n.op;
    if (op === null) {
      if (n.succ.length === 0) {
        popFrame(c, t, th);
      } else if (n.succ.length === 1) {
        goTo(c, t, th, n.succ[0]);
      } else {
        if (n.succ.every((s) => overBound(c, th, s))) {
          emit(c, t, th, { op: 'cut', note: `loop bound ${c.lim.loopBound} reached` });
          th.status = 'cut';
        }
        return;
      }
      continue;
    }
    switch (op.k) {
      case 'pagefault_disable':
        th.pf++;
        emit(c, t, th, { op: op.k, note: `depth ${th.pf}` });
        next(c, t, th);
        break;
      case 'pagefault_enable':
        th.pf = Math.max(0, th.pf - 1);
        emit(c, t, th, { op: op.k, note: `depth ${th.pf}` });
        next(c, t, th);
        break;
      case 'nofault_set':
        th.nofault |= 1 << op.iter;
        emit(c, t, th, { op: op.k, note: `${op.name}->nofault = true` });
        next(c, t, th);
        break;
      case 'nofault_clear':
        th.nofault &= ~(1 << op.iter);
        emit(c, t, th, { op: op.k, note: `${op.name}->nofault = false` });
        next(c, t, th);
        break;
      case 'call':
        if (op.prog < 0 || inlineDepth(c, th) >= c.lim.maxInlineDepth) {
          if (op.prog >= 0) c.stats.inlineSkips++;
          emit(c, t, th, { op: 'call-skipped', note: op.prog < 0 ? `${op.name}: not in scenario` : `${op.name}: inline depth ${c.lim.maxInlineDepth}` });
          next(c, t, th);
        } else {
          emit(c, t, th, { op: 'call', note: op.name });
          pushFrame(c, th, op.prog);
        }
        break;
      case 'fault':
        if (th.pf > 0 || th.nofault !== 0) {
          emit(c, t, th, {
            op: 'fault-suppressed',
            note: `${op.label}: ${th.pf > 0 ? 'pagefault_disable()' : 'iter->nofault'} — copy returns short`,
          });
          next(c, t, th);
        } else if (sleepsOffCpu(c, t)) {
          goToSleep(c, t, th, `${op.label}: the page fault sleeps`);
          return;
        } else {
          emit(c, t, th, { op: 'fault', note: op.label });
          if (op.underMmap) pushFrame(c, th, c.cs.faultProgHeld[op.file]);
          else enterFaultPath(c, t, th, op.file);
        }
        break;
      case 'fault_in':
        if (sleepsOffCpu(c, t)) {
          goToSleep(c, t, th, `${op.label}: faulting in sleeps`);
          return;
        }
        emit(c, t, th, { op: 'fault_in', note: op.label });
        enterFaultPath(c, t, th, op.file);
        break;
      case 'sleep':
        // Sleeping matters only to a thread that owns its CPU (see cpu.ts); otherwise a no-op.
        if (sleepsOffCpu(c, t)) {
          goToSleep(c, t, th, `${op.label || 'may sleep'}: schedule()`);
          return;
        }
        next(c, t, th);
        break;
      default:
        return; // visible op: a scheduling point
    }
  }
}

/**
 * Contended lock touched by the thread's next transition, or -1 when the step
 * is thread-local for reduction purposes: a branch choice, an op on an
 * uncontended lock (see `CompiledScenario.contended`), or a stopped thread.
 */
export function nextLock(cs: CompiledScenario, s: SimState, t: number): number {
  const th = s.threads[t];
  if (th.status === 'wait') return th.waitLock;
  if (th.status !== 'run') return -1;
  const op = nodeAt(cs, th.frames[th.frames.length - 1]).op;
  return op !== null && 'lock' in op && cs.contended[op.lock] ? op.lock : -1;
}

/** Enabled transitions of thread t, in choice order. `cpu`: the state's CPU view, when already computed. */
export function enabledOf(cs: CompiledScenario, lim: Limits, s: SimState, t: number, cpu?: CpuView): Transition[] {
  const th = s.threads[t];
  if (cs.cpuLimited && cpuBlocked(cs, s, cpu ?? cpuView(cs, s), t)) return [];
  if (th.status === 'sleep') return [{ t, choice: 0 }];
  if (th.status === 'wait') {
    const ls = s.locks[th.waitLock];
    const pos = ls.queue.findIndex((w) => w.t === t);
    return canGrant(cs.locks[th.waitLock], ls, t, th.waitMode as LockMode, pos) ? [{ t, choice: 0 }] : [];
  }
  if (th.status !== 'run') return [];
  const f = th.frames[th.frames.length - 1];
  const n = nodeAt(cs, f);
  if (!isBranch(n)) return [{ t, choice: 0 }];
  const out: Transition[] = [];
  const prog = cs.programs[f.prog];
  n.succ.forEach((sIdx, i) => {
    const h = prog.nodes[sIdx].header;
    if (h < 0 || f.visits[h] < lim.loopBound) out.push({ t, choice: i });
  });
  return out;
}

/** Initial state: every thread at its program entry, settled. */
export function initialState(cs: CompiledScenario, lim: Limits, stats: StepStats, rec?: Recorder): SimState {
  const s: SimState = {
    threads: cs.threads.map(() => ({ status: 'run', frames: [], pf: 0, nofault: 0, waitLock: -1, waitMode: null })),
    locks: cs.locks.map(() => ({ holders: [], queue: [] })),
  };
  const c: Ctx = { cs, lim, stats, rec, state: s };
  cs.threads.forEach((thr, t) => {
    const th = s.threads[t];
    pushFrame(c, th, thr.prog);
    settle(c, t, th);
  });
  return s;
}

/** Execute an enabled transition; returns the successor state (the input is not modified). */
export function step(cs: CompiledScenario, lim: Limits, stats: StepStats, s: SimState, tr: Transition, rec?: Recorder): SimState {
  const t = tr.t;
  const th = cloneThread(s.threads[t]);
  const ns: SimState = { threads: s.threads.slice(), locks: s.locks.slice() };
  ns.threads[t] = th;
  const c: Ctx = { cs, lim, stats, rec, state: ns };
  const f = th.frames[th.frames.length - 1];
  const n = nodeAt(cs, f);

  if (th.status === 'sleep') {
    th.status = 'run';
    emit(c, t, th, { op: 'wake', note: 'back on a CPU' });
    const op = n.op as COp;
    if (op.k === 'fault' || op.k === 'fault_in') {
      emit(c, t, th, { op: op.k, note: op.label });
      enterFaultPath(c, t, th, op.file);
    } else {
      next(c, t, th);
    }
  } else if (th.status === 'wait') {
    const L = th.waitLock;
    const ls = (ns.locks[L] = cloneLock(s.locks[L]));
    ls.queue = ls.queue.filter((w) => w.t !== t);
    addHolder(ls, { t, mode: th.waitMode as LockMode, demotable: false });
    emit(c, t, th, { op: 'acquire', lock: L, mode: th.waitMode as LockMode, note: 'granted after waiting' });
    th.status = 'run';
    th.waitLock = -1;
    th.waitMode = null;
    next(c, t, th);
  } else if (n.op === null) {
    goTo(c, t, th, n.succ[tr.choice]);
    // Recorded at the branch target, so the witness can show the source of the path taken.
    emit(c, t, th, { op: 'branch', note: `path ${tr.choice + 1} of ${n.succ.length}` });
  } else {
    const op = n.op;
    if (!('lock' in op)) throw new Error(`sim: thread ${t} is not at a scheduling point`);
    const L = op.lock;
    const lock = cs.locks[L];
    const ls = (ns.locks[L] = cloneLock(s.locks[L]));
    switch (op.k) {
      case 'acquire': {
        if (op.try) {
          if (canGrant(lock, ls, t, op.mode, ls.queue.length)) {
            addHolder(ls, { t, mode: op.mode, demotable: false });
            emit(c, t, th, { op: 'acquire', lock: L, mode: op.mode, note: 'trylock succeeded' });
            next(c, t, th);
          } else {
            emit(c, t, th, { op: 'trylock-fail', lock: L, mode: op.mode });
            goTo(c, t, th, op.onFail);
          }
          break;
        }
        for (const d of demoteIncompatible(lock, ls, op.mode)) {
          const victim = d.t === t ? th : ns.threads[d.t];
          emit(c, d.t, victim, { op: 'demoted', lock: L, mode: d.mode, note: `holder dropped: ${cs.threads[t].name} wants ${op.mode}` });
        }
        if (canGrant(lock, ls, t, op.mode, ls.queue.length)) {
          addHolder(ls, { t, mode: op.mode, demotable: false });
          emit(c, t, th, { op: 'acquire', lock: L, mode: op.mode });
          next(c, t, th);
        } else {
          ls.queue.push({ t, mode: op.mode });
          th.status = 'wait';
          th.waitLock = L;
          th.waitMode = op.mode;
          emit(c, t, th, { op: 'wait', lock: L, mode: op.mode });
        }
        break;
      }
      case 'release': {
        const h = removeHolder(ls, t);
        emit(c, t, th, h ? { op: 'release', lock: L, mode: h.mode } : { op: 'release-unheld', lock: L, note: 'not held (no-op)' });
        next(c, t, th);
        break;
      }
      case 'allow_demote': {
        for (const h of ls.holders) if (h.t === t) h.demotable = true;
        emit(c, t, th, { op: 'allow_demote', lock: L });
        // A waiter already queued incompatibly triggers the demotion now.
        if (lock.kind === 'glock') {
          const victims = ls.holders.filter((h) => h.t === t && ls.queue.some((w) => !compatible(lock.kind, h.mode, w.mode)));
          if (victims.length > 0) {
            ls.holders = ls.holders.filter((h) => !victims.includes(h));
            for (const v of victims) emit(c, t, th, { op: 'demoted', lock: L, mode: v.mode, note: 'holder dropped: an incompatible request is queued' });
          }
        }
        next(c, t, th);
        break;
      }
      case 'disallow_demote':
        for (const h of ls.holders) if (h.t === t) h.demotable = false;
        emit(c, t, th, { op: 'disallow_demote', lock: L });
        next(c, t, th);
        break;
      case 'holder_queued': {
        const held = ls.holders.some((h) => h.t === t);
        emit(c, t, th, { op: 'holder_queued', lock: L, note: held ? 'still queued' : 'glock was given up' });
        goTo(c, t, th, held ? op.ifQueued : op.ifNot);
        break;
      }
    }
  }
  settle(c, t, th);
  return ns;
}
