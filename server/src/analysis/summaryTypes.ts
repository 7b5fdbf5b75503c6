// Function summaries: what a call to a function does to the caller's locks,
// in terms of the callee's parameters (`$0->i_rwsem`), plus what it may do
// inside (acquire classes, fault, sleep). Computed bottom-up over the call
// graph by summaries.ts; consumed by the dataflow at call sites.
import type { LockKind, Mode, Sign } from '../model/lockApi';
import type { Pos } from './ir';

export interface LockEffect {
  /** instance template over parameters: `$0->i_rwsem`; or a global name */
  template: string;
  cls: string;
  kind: LockKind;
  mode: Mode;
}

export interface InnerAcquire extends LockEffect {
  /** where, inside the callee (or deeper), it is taken */
  file: string;
  pos: Pos;
  /** call chain below the callee, outermost first: ["gfs2_page_mkwrite", "gfs2_glock_nq"] */
  chain: string[];
  /** caller-held locks the callee has already dropped when it takes this one */
  releasedBefore?: Released[];
  /** taken by the function itself on every path to its return (not under a condition, not deeper) */
  must?: boolean;
}

export interface FaultSite {
  file: string;
  pos: Pos;
  /** the may-fault call at the bottom */
  api: string;
  chain: string[];
  /** GUP-based (only nofault / FOLL_NOFAULT stops it) */
  gup: boolean;
  /** the iov_iter argument template, when the fault is through an iterator ($1) */
  iter?: string;
  releasedBefore?: Released[];
}

/** A caller-held lock a callee drops: its template over the callee's parameters, and its class. */
export interface Released { template?: string; cls: string }

export interface Summary {
  name: string;
  file: string;
  pos: Pos;
  /** locks held at every exit that were not held at entry */
  acquires: LockEffect[];
  /** locks released that the function did not take: held at entry */
  releases: LockEffect[];
  /** locks required at entry (__must_hold, lockdep_assert_held, released-without-taking) */
  requires: LockEffect[];
  /** classes acquired (and released) inside, with the call chain to them */
  inner: InnerAcquire[];
  /** may fault on a user buffer with page faults enabled */
  fault?: FaultSite;
  /** may sleep (with the caller-held locks it drops before sleeping) */
  sleep?: { file: string; pos: Pos; api: string; chain: string[]; releasedBefore?: Released[] };
  /** shrinks the page cache of a mapping, with the classes held exclusively there (inside the callee) */
  truncate?: { file: string; pos: Pos; api: string; chain: string[]; heldX: string[] };
  /** analysis could not complete (budget, recursion): effects unknown */
  incomplete?: string;
  /**
   * classes of locks the function (or a callee) releases on some path without having taken
   * them: a caller's lock handed over through an object (`as->took_gc_lock`, a transaction)
   */
  mayRelease?: string[];
  /** the function returns with some lock held on only some return values (trylock-like) */
  conditional?: boolean;
  /**
   * the sign of the return value, the same on every path (`return true;` in compaction's
   * compact_lock_irqsave(), `return 0;`): a caller's `locked = f()` knows it
   */
  returns?: Sign;
  /**
   * constants the function stores in the task's own state on every path to its return, its only store
   * to that field (`current->journal_info = NULL;` in gfs2_trans_end()): after the call, a caller's test
   * of the field is decided instead of forgotten
   */
  taskStores?: Record<string, number>;
  /**
   * pointers the function stores in a parameter's field on every path to its return, its only store
   * there (`open->tlink = tlink;` in cifs_add_pending_open_locked(): `{ "$2->tlink": "$1" }`): after the
   * call, a lock the caller holds through the stored pointer is also named through the field
   */
  fieldStores?: Record<string, string>;
  /**
   * A conditional function whose every conditional effect is decided by the sign of its return
   * value (`lock_two_directories()`: both parents locked unless it returns ERR_PTR, the rename mutex
   * dropped then): the return signs of the two outcomes (disjoint) and the effects each has on top of
   * the unconditional `acquires` / `releases`. Callers split on it as on a trylock.
   */
  byReturn?: ReturnOutcome[];
}

/** One outcome of a `byReturn` function: its return signs (N/Z/P bits) and its extra effects. */
export interface ReturnOutcome {
  ret: number;
  /** (`try`: taken by a trylock inside, which never waits: no order edge, no sleep) */
  acquires: (LockEffect & { try?: boolean })[];
  releases: LockEffect[];
}

export interface SummaryLookup {
  get(name: string): Summary | undefined;
  /**
   * A call through a function pointer `x->member(...)`, resolved through the
   * ops-struct initialisers of the workspace when exactly one function is
   * registered for that member; undefined when none or several are.
   */
  indirect?(member: string): Summary | undefined;
}
