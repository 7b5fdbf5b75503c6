/**
 * Thread-program IR for the runtime simulator.
 *
 * Everything here is plain JSON-serialisable data: a front end (the analysis
 * layer, a test, the CLI) builds a {@link Scenario} out of control-flow graphs
 * whose only visible steps are lock operations, page faults and calls, and
 * hands it to `explore()`.
 */

export type LockKind = 'mutex' | 'spinlock' | 'rwsem' | 'rwlock' | 'glock' | 'percpu_rwsem' | 'pseudo';

/**
 * Acquisition modes.
 * - `W`  exclusive (mutex_lock, spin_lock, down_write, write_lock, percpu_down_write)
 * - `R`  non-recursive reader (down_read, mmap_read_lock, sb_start_write on the percpu rwsem):
 *        blocked by a W holder AND by a queued writer (lockdep's "r").
 * - `RR` recursive reader (rcu_read_lock, read_lock on an rwlock): blocked only by a W holder (lockdep's "R").
 * - `EX` / `SH` / `DF`: gfs2 glock states LM_ST_EXCLUSIVE / LM_ST_SHARED / LM_ST_DEFERRED.
 */
export type LockMode = 'W' | 'R' | 'RR' | 'EX' | 'SH' | 'DF';

export interface SimLock {
  id: string;
  kind: LockKind;
  /** Human readable, e.g. "ip->i_gl (gfs2_glock)". */
  label: string;
}

export interface SourcePos {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

export type SimOp =
  /**
   * Lock acquisition. With `try`, the step never blocks: it succeeds (continue at
   * `node.succ[0]`) exactly when the request is grantable right now, otherwise it
   * fails and continues at `onFail`.
   */
  | { kind: 'acquire'; lock: string; mode: LockMode; try?: boolean; onFail?: number }
  | { kind: 'release'; lock: string }
  /**
   * Touch a user buffer that may fault; `file` names the mmapped file (key into `faultHandlers`).
   * `underMmap`: get_user_pages() and the other GUP calls made with mmap_lock held by contract: the
   * fault runs the handler under the caller's mmap_lock instead of taking it again.
   */
  | { kind: 'fault'; file: string; label?: string; underMmap?: boolean }
  | { kind: 'pagefault_disable' }
  | { kind: 'pagefault_enable' }
  | { kind: 'nofault_set'; iter: string }
  | { kind: 'nofault_clear'; iter: string }
  /** fault_in_iov_iter_{readable,writeable}: always runs the fault path. */
  | { kind: 'fault_in'; file: string; label?: string }
  /**
   * A call that may sleep (msleep, schedule, wait_event, a GFP_KERNEL allocation,
   * might_sleep()). It matters only with a finite `Scenario.cpus`: a thread in
   * atomic context (holding a spinlock / rwlock) gives up its CPU here and needs
   * a free one to continue. Otherwise it is a no-op.
   */
  | { kind: 'sleep'; label?: string }
  /** gfs2_holder_allow_demote(): the holder may be dropped when someone wants the glock incompatibly. */
  | { kind: 'allow_demote'; lock: string }
  | { kind: 'disallow_demote'; lock: string }
  /** Run another program inline (bounded inline depth). A call to a program not in the scenario is skipped. */
  | { kind: 'call'; program: string }
  /** gfs2_holder_queued(): continue at `ifQueued` if this thread still holds the glock, else at `ifNot`. */
  | { kind: 'holder_queued_branch'; lock: string; ifQueued: number; ifNot: number }
  | { kind: 'noop' };

export type SimOpKind = SimOp['kind'];

export interface SimNode {
  id: number;
  /**
   * Successors. A node without an op (or with `noop`) and 2+ successors is a
   * nondeterministic branch: every successor is explored. A node with no
   * successors returns from the program. Ignored for `holder_queued_branch`.
   */
  succ: number[];
  op?: SimOp;
  pos?: SourcePos;
  /** Source text shown in witnesses, e.g. "gfs2_glock_nq(gh)". */
  text?: string;
}

export interface ThreadProgram {
  name: string;
  nodes: SimNode[];
  entry: number;
}

export interface ScenarioThread {
  name: string;
  program: string;
  /** Lock id of this thread's mm->mmap_lock; defaults to `Scenario.mmapLock`. */
  mm?: string;
}

export interface Scenario {
  title?: string;
  threads: ScenarioThread[];
  programs: Record<string, ThreadProgram>;
  /** file key → name of the program run by the page-fault handler for that file. */
  faultHandlers: Record<string, string>;
  locks: Record<string, SimLock>;
  /** Default mmap_lock id for faults; defaults to "mm.mmap_lock" (added as an rwsem if missing). */
  mmapLock?: string;
  /**
   * When true, a thread that finishes while still holding a lock some other
   * thread waits for is reported as a hang (kind 'leaked-lock'). Use it when the
   * threads are whole syscalls / faults (seed 003: missing unlock on -EIO).
   * Default false: a finished thread is assumed to be a helper whose caller releases.
   */
  leakedLockIsDeadlock?: boolean;
  /**
   * Number of CPUs. Default: unlimited (every thread always has a CPU; sleeping
   * is invisible). With a number, a thread holding a spinning lock (spinlock,
   * rwlock) or spinning for one occupies a CPU with preemption off; every other
   * thread needs a CPU that is not so occupied to make a step, and a spinning-lock
   * holder that sleeps (a `sleep` op, a page fault that runs, waiting for a
   * sleeping lock) leaves its CPU and needs a free one to resume. See cpu.ts.
   */
  cpus?: number;
}

export const DEFAULT_MMAP_LOCK = 'mm.mmap_lock';

/** Returns a list of problems (empty when the scenario is well formed). */
export function validateScenario(sc: Scenario): string[] {
  const errs: string[] = [];
  if (sc.threads.length === 0) errs.push('scenario has no threads');
  if (sc.cpus !== undefined && !(Number.isInteger(sc.cpus) && sc.cpus >= 1)) errs.push(`cpus must be a positive integer (got ${sc.cpus})`);
  const names = new Set<string>();
  for (const th of sc.threads) {
    if (names.has(th.name)) errs.push(`duplicate thread name ${th.name}`);
    names.add(th.name);
    if (!sc.programs[th.program]) errs.push(`thread ${th.name}: unknown program ${th.program}`);
  }
  for (const [file, prog] of Object.entries(sc.faultHandlers)) {
    if (!sc.programs[prog]) errs.push(`fault handler for ${file}: unknown program ${prog}`);
  }
  for (const [id, l] of Object.entries(sc.locks)) {
    if (l.id !== id) errs.push(`lock key ${id} does not match its id ${l.id}`);
  }
  const lockKnown = (id: string): boolean => id in sc.locks || id === (sc.mmapLock ?? DEFAULT_MMAP_LOCK);
  for (const [key, p] of Object.entries(sc.programs)) {
    if (p.name !== key) errs.push(`program key ${key} does not match its name ${p.name}`);
    const ids = new Set<number>();
    for (const n of p.nodes) {
      if (ids.has(n.id)) errs.push(`${p.name}: duplicate node id ${n.id}`);
      ids.add(n.id);
    }
    if (!ids.has(p.entry)) errs.push(`${p.name}: entry ${p.entry} is not a node`);
    for (const n of p.nodes) {
      const where = `${p.name}#${n.id}`;
      const targets = [...n.succ];
      const op = n.op;
      if (op) {
        if ('lock' in op && !lockKnown(op.lock)) errs.push(`${where}: unknown lock ${op.lock}`);
        if (op.kind === 'acquire' && op.try && op.onFail === undefined) errs.push(`${where}: trylock without onFail`);
        if (op.kind === 'acquire' && op.onFail !== undefined) targets.push(op.onFail);
        if (op.kind === 'holder_queued_branch') targets.push(op.ifQueued, op.ifNot);
      }
      for (const t of targets) if (!ids.has(t)) errs.push(`${where}: successor ${t} is not a node`);
    }
  }
  return errs;
}
