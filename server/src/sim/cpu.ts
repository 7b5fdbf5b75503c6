/**
 * The CPU model (`Scenario.cpus`): which threads occupy a CPU with preemption
 * off, and who is kept off a CPU by them.
 *
 * Kernel behaviour modelled. spin_lock() / read_lock() / write_lock() disable
 * preemption before spinning, and keep it disabled while the lock is held: a
 * spinner or a holder of a spinning lock owns its CPU until it drops the lock.
 * Every other thread is preemptible and shares the remaining CPUs (the
 * scheduler eventually runs each runnable task), so it can make a step only
 * while some CPU is not owned that way. A spinning-lock holder that sleeps —
 * a `sleep` op (msleep, schedule, a GFP_KERNEL allocation, might_sleep()), a
 * user-copy page fault that actually runs, or waiting for a sleeping lock
 * (mutex, rwsem, glock) — calls schedule() still holding the spinlock: it
 * leaves its CPU, and to continue it needs a free one again. If the CPUs are
 * all taken by threads spinning on the lock it holds, it never runs again and
 * they spin forever: "T1 spins on S held by T0; T0 sleeps and cannot get a
 * CPU back" (the hang behind "BUG: sleeping function called from invalid
 * context" / "scheduling while atomic").
 *
 * That the sleep happens at all is the behaviour of a kernel where in_atomic()
 * cannot see a spinlock (CONFIG_PREEMPT_COUNT off: PREEMPT_NONE / VOLUNTARY
 * builds without DEBUG_ATOMIC_SLEEP), so might_sleep()'s cond_resched() and
 * handle_mm_fault() really schedule; waiting for a contended sleeping lock
 * schedules on every configuration. With PREEMPT_COUNT the fault handler
 * refuses to run (the copy returns short) and DEBUG_ATOMIC_SLEEP prints the
 * BUG instead — the static rule reports the bug either way.
 *
 * Not modelled as CPU owners: rcu_read_lock(), preempt_disable(),
 * local_irq_disable() without a spinlock (the bridge drops them). A thread
 * that sleeps there is off its CPU, but no thread can spin waiting for it, so
 * its CPU comes back as soon as the others sleep, finish or leave their
 * spinlocks: not a hang (the bug is RCU / preempt-count corruption, which the
 * static rule reports). pagefault_disable() does not disable preemption.
 *
 * Threads that finished do not own a CPU; a thread stopped by the loop bound
 * keeps its CPU if it is in atomic context (it is still running).
 */
import { CompiledScenario } from './compile';
import { SimState } from './state';

/** Does thread t hold a spinning lock (spinlock / rwlock)? */
export function holdsSpin(cs: CompiledScenario, s: SimState, t: number): boolean {
  for (const L of cs.spinLocks) for (const h of s.locks[L].holders) if (h.t === t) return true;
  return false;
}

/** Does thread t own its CPU with preemption off (spinning, or running / cut while holding a spinning lock)? */
export function isPinned(cs: CompiledScenario, s: SimState, t: number): boolean {
  const th = s.threads[t];
  switch (th.status) {
    case 'wait':
      return cs.spinning[th.waitLock];
    case 'run':
    case 'cut':
      return holdsSpin(cs, s, t);
    default:
      return false;
  }
}

export interface CpuView {
  /** pinned[t]: t owns a CPU with preemption off. */
  pinned: boolean[];
  count: number;
  /** Every CPU is owned: threads that are not pinned cannot make a step. */
  full: boolean;
}

export function cpuView(cs: CompiledScenario, s: SimState): CpuView {
  const pinned = s.threads.map((_, t) => cs.cpuLimited && isPinned(cs, s, t));
  let count = 0;
  for (const p of pinned) if (p) count++;
  return { pinned, count, full: count >= cs.cpus };
}

/** Thread t has a step to make (or a wake-up / grant to receive) but no CPU to make it on. */
export function cpuBlocked(cs: CompiledScenario, s: SimState, v: CpuView, t: number): boolean {
  const st = s.threads[t].status;
  return v.full && !v.pinned[t] && (st === 'run' || st === 'wait' || st === 'sleep');
}
