/**
 * Lock semantics: which requests are compatible with which holders / waiters.
 *
 * Every lock keeps its holders and a FIFO wait queue. A request is granted when
 * it is compatible with every holder (including the requesting thread's own
 * holdings: kernel locks are not recursive, so re-acquiring blocks forever) and
 * with every waiter queued ahead of it. The queue check is what makes these
 * kernel behaviours visible:
 *
 * - rw_semaphore writer preference: a down_read() arriving while a writer is
 *   queued goes to the slow path and queues behind it. In kernel/locking/rwsem.c
 *   the reader fast path only succeeds while `!(count & RWSEM_READ_FAILED_MASK)`
 *   and that mask contains RWSEM_FLAG_WAITERS; the slow path refuses reader lock
 *   stealing while a handoff is pending. So `down_read(); [writer queues];
 *   down_read()` in one task self-deadlocks — lockdep's non-recursive reader
 *   ("r"), blocked by a writer *waiter*. mmap_read_lock() held across a user
 *   copy that faults (the fault takes mmap_lock shared again) deadlocks exactly
 *   this way once mmap_write_lock() queues in between.
 * - Recursive readers (`RR`: rcu_read_lock, read_lock on an rwlock in lockdep's
 *   model) are blocked only by a writer *holder*: they ignore the queue.
 * - gfs2 glocks grant "in strictly the order that they are queued"
 *   (Documentation/filesystems/gfs2-glocks.rst): do_promote() walks the queue and
 *   stops at the first waiter may_grant() refuses, so a queued waiter blocks
 *   later requests. may_grant() with an active holder: SH only with SH, DF only
 *   with DF, EX with nothing (we ignore the LM_FLAG_NODE_SCOPE EX–EX case).
 * - percpu_rw_semaphore (sb_writers) behaves like an rwsem here.
 */
import { CLock } from './compile';
import { LockKind, LockMode } from './program';

export interface Holder {
  t: number;
  mode: LockMode;
  /** gfs2_holder_allow_demote() is in effect for this holder. */
  demotable: boolean;
}

export interface Waiter {
  t: number;
  mode: LockMode;
}

export interface LockState {
  /** Sorted by thread index (stable for one thread's own entries). */
  holders: Holder[];
  /** FIFO order. */
  queue: Waiter[];
}

type RwMode = 'W' | 'R' | 'RR';
type GlMode = 'EX' | 'SH' | 'DF';

function asRw(m: LockMode): RwMode {
  switch (m) {
    case 'EX':
      return 'W';
    case 'SH':
    case 'DF':
      return 'R';
    default:
      return m;
  }
}

function asGlock(m: LockMode): GlMode {
  switch (m) {
    case 'W':
      return 'EX';
    case 'R':
    case 'RR':
      return 'SH';
    default:
      return m;
  }
}

export function isRwKind(kind: LockKind): boolean {
  return kind === 'rwsem' || kind === 'rwlock' || kind === 'percpu_rwsem' || kind === 'pseudo';
}

/** Can a lock of `kind` held (or queued) in `held` coexist with a request for `req`? */
export function compatible(kind: LockKind, held: LockMode, req: LockMode): boolean {
  if (kind === 'mutex' || kind === 'spinlock') return false;
  if (kind === 'glock') {
    const a = asGlock(held);
    const b = asGlock(req);
    // may_grant(): SH–SH and DF–DF only; DF–SH incompatible; EX with nothing.
    return (a === 'SH' && b === 'SH') || (a === 'DF' && b === 'DF');
  }
  return asRw(held) !== 'W' && asRw(req) !== 'W';
}

/** Does a request in `mode` respect the FIFO queue (vs. jumping it as a recursive reader)? */
function respectsQueue(kind: LockKind, mode: LockMode): boolean {
  return !(isRwKind(kind) && mode === 'RR');
}

/**
 * Is a request by thread `t` in `mode` grantable, being at queue position
 * `pos` (use `ls.queue.length` for a new request)?
 */
export function canGrant(lock: CLock, ls: LockState, t: number, mode: LockMode, pos: number): boolean {
  for (const h of ls.holders) if (!compatible(lock.kind, h.mode, mode)) return false;
  if (respectsQueue(lock.kind, mode)) {
    for (let j = 0; j < pos; j++) if (ls.queue[j].t !== t && !compatible(lock.kind, ls.queue[j].mode, mode)) return false;
  }
  return true;
}

export interface Blocker {
  t: number;
  mode: LockMode;
  via: 'holder' | 'queued';
}

/** Why a request is not grantable: conflicting holders first, then conflicting waiters ahead. */
export function blockersOf(lock: CLock, ls: LockState, t: number, mode: LockMode, pos: number): Blocker[] {
  const out: Blocker[] = [];
  for (const h of ls.holders) if (!compatible(lock.kind, h.mode, mode)) out.push({ t: h.t, mode: h.mode, via: 'holder' });
  if (respectsQueue(lock.kind, mode)) {
    for (let j = 0; j < pos; j++) {
      const w = ls.queue[j];
      if (w.t !== t && !compatible(lock.kind, w.mode, mode)) out.push({ t: w.t, mode: w.mode, via: 'queued' });
    }
  }
  return out;
}

/** Insert keeping holders sorted by thread (canonical state), after the thread's existing entries. */
export function addHolder(ls: LockState, h: Holder): void {
  let i = ls.holders.length;
  while (i > 0 && ls.holders[i - 1].t > h.t) i--;
  ls.holders.splice(i, 0, h);
}

/** Remove the thread's most recent holding; returns it, or null when it holds nothing. */
export function removeHolder(ls: LockState, t: number): Holder | null {
  for (let i = ls.holders.length - 1; i >= 0; i--) {
    if (ls.holders[i].t === t) return ls.holders.splice(i, 1)[0];
  }
  return null;
}

/**
 * gfs2 demotion: holders marked with gfs2_holder_allow_demote() that are
 * incompatible with `mode` are dropped (the glock is given up; a later
 * gfs2_holder_queued() observes it). Applies to the requesting thread's own
 * holder too: that is the point of allow_demote around fault_in_iov_iter_*().
 * Only glocks demote. Returns the dropped holders.
 */
export function demoteIncompatible(lock: CLock, ls: LockState, mode: LockMode): Holder[] {
  if (lock.kind !== 'glock') return [];
  const dropped: Holder[] = [];
  ls.holders = ls.holders.filter((h) => {
    if (h.demotable && !compatible(lock.kind, h.mode, mode)) {
      dropped.push(h);
      return false;
    }
    return true;
  });
  return dropped;
}
