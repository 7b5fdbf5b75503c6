/**
 * Partial-order reduction: static persistent sets (Godefroid, "Partial-Order
 * Methods for the Verification of Concurrent Systems", ch. 4, the
 * conflicting-transitions construction at thread granularity).
 *
 * Independence: a transition reads/writes its own thread's state and at most
 * one lock (see state.ts), so transitions of different threads touching
 * different locks (or none: branch choices) commute and cannot enable or
 * disable each other.
 *
 * Construction from a seed thread p: S = {p}; for every q in S whose next
 * transition touches lock L (enabled, or disabled because it waits on L), add
 * every other thread whose *future footprint* (locks reachable from any frame
 * of its stack, through calls and fault paths) contains L. Then no sequence of
 * transitions of threads outside S can touch a lock an S-transition touches,
 * nor enable a waiting S-thread, so the enabled transitions of S form a
 * persistent set. Persistent sets preserve every reachable deadlock (terminal)
 * state, and — because the deadlock's path can be permuted so that the
 * persistent transition moves to the front — with the same path length; a
 * visited-state cache is safe for deadlock detection (no ignoring problem).
 *
 * CPUs (finite `cpus`, see cpu.ts) are shared state too: a thread that is not
 * pinned to a CPU needs a free one for every step; a step that pins its thread
 * (acquiring or spinning on a spinlock, waking up or being granted a sleeping
 * lock while holding one) takes a CPU ("up"); a pinned thread's step never
 * needs one, and freeing a CPU (unlock, sleep) only ever enables steps.
 * - A pinned thread's step commutes with everything CPU-wise (running it
 *   first leaves at least as many CPUs free for whatever the others do) and
 *   no other thread can take its CPU away: nothing to add.
 * - An "up" step of q may take the last CPU and block any thread: every live
 *   thread joins S.
 * - A q kept off every CPU can be enabled only by a CPU owner leaving: the
 *   pinned threads join S (its necessary enabling set).
 * - A plain step of a non-pinned q (a branch, an op on an uncontended lock)
 *   changes no lock and no CPU, so it commutes with everything; other
 *   threads filling the CPUs can disable it, so it is not a "key" transition
 *   and terminal states where q never moves are not all preserved — but
 *   stuck sets are, which is what the explorer looks for: if an execution E
 *   of the others ends stuck while q waits for a CPU, the CPUs are owned by
 *   spinners whose spinning-lock holders are off-CPU; none of them waits on
 *   q (q holds no spinning lock and is in no queue, and waiters for its
 *   sleeping locks are off-CPU, stuck for lack of a CPU anyway), so q's step
 *   followed by E ends stuck too. Nothing to add. (Induction on |E| plus the
 *   threads' remaining step counts; test/sim/property.test.ts checks the
 *   verdicts against brute force.)
 *
 * Among seeds we take the set with the fewest enabled transitions, ties to the
 * lowest seed index (deterministic).
 */
import { CompiledScenario, footprintHas } from './compile';
import { cpuBlocked, cpuView, CpuView, holdsSpin } from './cpu';
import { SimState, Transition } from './state';
import { nextLock } from './step';

function mayTouch(cs: CompiledScenario, s: SimState, r: number, lock: number): boolean {
  const th = s.threads[r];
  if (th.status === 'done' || th.status === 'cut') return false;
  for (const f of th.frames) if (footprintHas(cs, f.prog, f.node, lock)) return true;
  return false;
}

function live(s: SimState, r: number): boolean {
  const st = s.threads[r].status;
  return st !== 'done' && st !== 'cut';
}

/** Does the (enabled) next step of non-pinned q pin it? */
function pinsNow(cs: CompiledScenario, s: SimState, q: number): boolean {
  const th = s.threads[q];
  if (th.status === 'sleep') return true; // only spinning-lock holders sleep off their CPU
  if (th.status === 'wait') return cs.spinning[th.waitLock] || holdsSpin(cs, s, q);
  if (th.status !== 'run') return false;
  const f = th.frames[th.frames.length - 1];
  const op = cs.programs[f.prog].nodes[f.node].op;
  return op !== null && op.k === 'acquire' && cs.spinning[op.lock];
}

/** Threads that must join S because of q's next step (or q's being kept off every CPU). */
function cpuConflicts(cs: CompiledScenario, s: SimState, v: CpuView, q: number, enabled: boolean): number[] {
  const n = s.threads.length;
  const out: number[] = [];
  if (!enabled) {
    if (cpuBlocked(cs, s, v, q)) for (let r = 0; r < n; r++) if (v.pinned[r]) out.push(r);
  } else if (!v.pinned[q] && pinsNow(cs, s, q)) {
    for (let r = 0; r < n; r++) if (r !== q && live(s, r)) out.push(r);
  }
  return out;
}

export function persistentSet(cs: CompiledScenario, s: SimState, enabled: Transition[][]): Transition[] {
  const n = s.threads.length;
  let total = 0;
  for (const e of enabled) total += e.length;
  const cpu = cs.cpuLimited ? cpuView(cs, s) : null;
  let best: boolean[] | null = null;
  let bestCost = Infinity;
  for (let p = 0; p < n; p++) {
    if (enabled[p].length === 0) continue;
    const inS = new Array<boolean>(n).fill(false);
    inS[p] = true;
    const work = [p];
    let cost = enabled[p].length;
    while (work.length > 0 && cost < bestCost) {
      const q = work.pop() as number;
      const add = (r: number): void => {
        if (inS[r]) return;
        inS[r] = true;
        work.push(r);
        cost += enabled[r].length;
      };
      if (cpu) for (const r of cpuConflicts(cs, s, cpu, q, enabled[q].length > 0)) add(r);
      const L = nextLock(cs, s, q);
      if (L < 0) continue;
      for (let r = 0; r < n; r++) if (!inS[r] && mayTouch(cs, s, r, L)) add(r);
    }
    if (cost < bestCost) {
      bestCost = cost;
      best = inS;
      if (cost <= 1) break;
    }
  }
  if (!best || bestCost >= total) return enabled.flat();
  const out: Transition[] = [];
  for (let t = 0; t < n; t++) if (best[t]) out.push(...enabled[t]);
  return out;
}
