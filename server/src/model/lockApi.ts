// The kernel's lock API knowledge, as data. One table: every acquire, release,
// trylock, assertion and holder call the engine understands lives here (and in
// the user's `.lockorder`, which adds entries of the same shape). No other file
// compares callee names against lock function names.

/** Lock families, which decide nesting, sleeping and atomic-context rules. */
export type LockKind =
  | 'mutex' | 'spinlock' | 'rwlock' | 'rwsem' | 'percpu_rwsem' | 'semaphore' | 'seqlock'
  | 'glock' | 'journal' | 'folio' | 'rcu' | 'srcu' | 'preempt' | 'irq' | 'bitlock';

/**
 * Modes: W exclusive; R non-recursive shared (down_read: blocked by a queued
 * writer); RR recursive shared (rcu_read_lock, read_lock: blocked only by a
 * writer that holds the lock); gfs2 glock states EX / SH / DF.
 */
export type Mode = 'W' | 'R' | 'RR' | 'EX' | 'SH' | 'DF';

/** What a successful / failed try returns, abstracted to sign: P positive, Z zero, N negative (or ERR_PTR). */
export type Sign = 'P' | 'Z' | 'N';

export type ApiOp =
  | 'acquire'        // takes the lock, always succeeds
  | 'try'            // may fail; `success`/`failure` give the return value in each case
  | 'release'
  | 'downgrade'      // W -> R (downgrade_write)
  | 'assert'         // lockdep_assert_held*: a fact, and a check
  | 'might'          // might_lock(): an order edge without holding
  | 'pf_disable' | 'pf_enable'
  | 'holder_init'    // gfs2_holder_init(gl, state, flags, gh)
  | 'holder_nq'      // gfs2_glock_nq(gh): 0 on success
  | 'holder_nq_init' // gfs2_glock_nq_init(gl, state, flags, gh)
  | 'holder_dq'      // gfs2_glock_dq(gh) / gfs2_glock_dq_uninit(gh)
  | 'holder_uninit'
  | 'holder_allow_demote' | 'holder_disallow_demote'
  | 'holder_queued' // gfs2_holder_queued(gh): true iff the holder is held
  | 'set_class'      // lockdep_set_class(&lock, &key): locks reached that way get their own class
  | 'handoff'        // the lock now belongs to an object that releases it later (xfs_trans_ijoin: the transaction)
  | 'holder_initialized'; // gfs2_holder_initialized(gh): true after holder_init / nq_init until uninit

export interface LockApi {
  name: string;
  op: ApiOp;
  kind?: LockKind;
  mode?: Mode;
  /** index of the argument naming the lock (or the holder); -1: a per-task lock with no argument (rcu, preempt) */
  arg: number;
  /**
   * instance template: `$0` is the lock argument with a leading `&` removed.
   * Default `$0`. inode_lock: `$0->i_rwsem`.
   */
  instance?: string;
  /** fixed class name (lockdep style); default derived from the instance expression */
  cls?: string;
  /**
   * index of a flags argument decoded through `flags` (xfs_ilock): each flag named in it stands for
   * one lock, or several (sb_freeze_unlock(sb, SB_FREEZE_FS) releases every level up to FS)
   */
  flagArg?: number;
  flags?: Record<string, FlagLock | readonly FlagLock[]>;
  /**
   * try: sign of the return value on success / failure. acquire: `success` is what it returns having
   * taken the lock, when a caller tests it (pte_offset_map_lock: the mapped PTEs, not NULL)
   */
  success?: Sign;
  failure?: Sign;
  /** index of an argument giving the glock state (LM_ST_*) for holder calls */
  stateArg?: number;
  /** index of a flags argument whose LM_FLAG_TRY makes a glock request a trylock */
  glockFlagsArg?: number;
  /** another lock released/acquired together: lock_two_nondirectories(a, b) */
  alsoArgs?: number[];
  /**
   * the lock arguments may be NULL, and nothing is taken or released for a NULL one
   * (lock_two_nondirectories(inode, NULL)): a path where the argument is NULL holds nothing for it
   */
  nullArgs?: boolean;
  /** a subclass argument (mutex_lock_nested, inode_lock_nested) becomes part of the class */
  subclassArg?: number;
  /** the release of a shared acquisition */
  shared?: boolean;
  /**
   * release: the callee MAY release the lock and says so through the `int *` out-parameter at this
   * index: `*p != 0` still held, `*p == 0` released (GUP's `&locked`). Negative counts from the end
   * (-1: the last argument). NULL there: the lock is kept. Without it, a release always releases.
   */
  heldOut?: number;
  /** entries added by `.lockorder` carry their origin for error messages */
  origin?: string;
}

/** One lock a flag of a `flags` table names; `$0` in the instance is the lock-owner argument. */
export interface FlagLock { instance: string; cls: string; kind: LockKind; mode: Mode }

/** Lock kinds that make the context atomic (no sleeping, no faulting). */
export const ATOMIC_KINDS: ReadonlySet<LockKind> = new Set(['spinlock', 'rwlock', 'rcu', 'preempt', 'irq', 'bitlock', 'seqlock']);
/** Kinds that may be taken recursively by the same task without deadlock. */
export const RECURSIVE_KINDS: ReadonlySet<LockKind> = new Set(['rcu', 'srcu', 'preempt', 'irq']);
/** Kinds that are one per task whatever names them: rcu_read_lock(), preempt_disable(), local_irq/bh_disable(). */
export const PER_TASK_KINDS: ReadonlySet<LockKind> = new Set(['rcu', 'preempt', 'irq']);
/** Kinds whose acquisition may sleep. */
export const SLEEPING_KINDS: ReadonlySet<LockKind> = new Set(['mutex', 'rwsem', 'percpu_rwsem', 'semaphore', 'glock', 'journal', 'folio']);

const e = (entries: LockApi[]): LockApi[] => entries;

function family(kind: LockKind, names: { acq?: string[]; rel?: string[]; tryNz?: string[]; tryZ?: string[] }, mode: Mode, instance?: string, cls?: string, shared = false): LockApi[] {
  const out: LockApi[] = [];
  for (const n of names.acq ?? []) out.push({ name: n, op: 'acquire', kind, mode, arg: 0, instance, cls, subclassArg: /_nested$/.test(n) ? 1 : undefined });
  for (const n of names.rel ?? []) out.push({ name: n, op: 'release', kind, mode, arg: 0, instance, cls, shared });
  for (const n of names.tryNz ?? []) out.push({ name: n, op: 'try', kind, mode, arg: 0, instance, cls, success: 'P', failure: 'Z' });
  for (const n of names.tryZ ?? []) out.push({ name: n, op: 'try', kind, mode, arg: 0, instance, cls, success: 'Z', failure: 'N' });
  return out;
}

const XFS_FLAGS: LockApi['flags'] = {
  XFS_IOLOCK_EXCL: { instance: 'VFS_I($0)->i_rwsem', cls: 'inode.i_rwsem', kind: 'rwsem', mode: 'W' },
  XFS_IOLOCK_SHARED: { instance: 'VFS_I($0)->i_rwsem', cls: 'inode.i_rwsem', kind: 'rwsem', mode: 'R' },
  XFS_MMAPLOCK_EXCL: { instance: 'VFS_I($0)->i_mapping->invalidate_lock', cls: 'address_space.invalidate_lock', kind: 'rwsem', mode: 'W' },
  XFS_MMAPLOCK_SHARED: { instance: 'VFS_I($0)->i_mapping->invalidate_lock', cls: 'address_space.invalidate_lock', kind: 'rwsem', mode: 'R' },
  XFS_ILOCK_EXCL: { instance: '$0->i_lock', cls: 'xfs_inode.i_lock', kind: 'rwsem', mode: 'W' },
  XFS_ILOCK_SHARED: { instance: '$0->i_lock', cls: 'xfs_inode.i_lock', kind: 'rwsem', mode: 'R' },
};

/**
 * The freeze levels of a super_block: `sb->s_writers.rw_sem[level-1]`, the percpu rwsems that
 * sb_start_write() / sb_start_pagefault() / sb_start_intwrite() take for read (lockdep: sb_writers,
 * sb_pagefaults, sb_internal; `__sb_start_write(sb, level)` takes `rw_sem + level-1`).
 * fs/super.c's freeze side takes them for write one level at a time and releases them top down.
 */
const SB_LEVEL: Record<'write' | 'pagefault' | 'fs', FlagLock> = {
  write: { instance: '$0:sb_writers', cls: 'sb_writers', kind: 'percpu_rwsem', mode: 'W' },
  pagefault: { instance: '$0:sb_pagefaults', cls: 'sb_pagefaults', kind: 'percpu_rwsem', mode: 'W' },
  fs: { instance: '$0:sb_internal', cls: 'sb_internal', kind: 'percpu_rwsem', mode: 'W' },
};
/** sb_wait_write(sb, level): percpu_down_write(sb->s_writers.rw_sem + level-1), that level only */
const SB_FREEZE_LEVEL: LockApi['flags'] = { SB_FREEZE_WRITE: SB_LEVEL.write, SB_FREEZE_PAGEFAULT: SB_LEVEL.pagefault, SB_FREEZE_FS: SB_LEVEL.fs };
/** sb_freeze_unlock(sb, level): percpu_up_write() of levels level-1 down to 0, every level below `level` */
const SB_FREEZE_BELOW: LockApi['flags'] = {
  SB_FREEZE_WRITE: [SB_LEVEL.write],
  SB_FREEZE_PAGEFAULT: [SB_LEVEL.pagefault, SB_LEVEL.write],
  SB_FREEZE_FS: [SB_LEVEL.fs, SB_LEVEL.pagefault, SB_LEVEL.write],
};

/** The built-in table. Order does not matter; names are unique. */
export const BUILTIN_LOCK_APIS: readonly LockApi[] = e([
  // ---- VFS inode rwsem (i_rwsem)
  ...family('rwsem', { acq: ['inode_lock'], rel: ['inode_unlock'], tryNz: ['inode_trylock'] }, 'W', '$0->i_rwsem', 'inode.i_rwsem'),
  ...family('rwsem', { acq: ['inode_lock_shared'], rel: ['inode_unlock_shared'], tryNz: ['inode_trylock_shared'] }, 'R', '$0->i_rwsem', 'inode.i_rwsem', true),
  { name: 'inode_lock_nested', op: 'acquire', kind: 'rwsem', mode: 'W', arg: 0, instance: '$0->i_rwsem', cls: 'inode.i_rwsem', subclassArg: 1 },
  { name: 'inode_lock_shared_nested', op: 'acquire', kind: 'rwsem', mode: 'R', arg: 0, instance: '$0->i_rwsem', cls: 'inode.i_rwsem', subclassArg: 1 },
  { name: 'inode_lock_killable', op: 'try', kind: 'rwsem', mode: 'W', arg: 0, instance: '$0->i_rwsem', cls: 'inode.i_rwsem', success: 'Z', failure: 'N' },
  { name: 'inode_lock_shared_killable', op: 'try', kind: 'rwsem', mode: 'R', arg: 0, instance: '$0->i_rwsem', cls: 'inode.i_rwsem', success: 'Z', failure: 'N' },
  // (either inode may be NULL: vfs_rename() passes a target that does not exist yet)
  { name: 'lock_two_nondirectories', op: 'acquire', kind: 'rwsem', mode: 'W', arg: 0, instance: '$0->i_rwsem', cls: 'inode.i_rwsem', alsoArgs: [1], nullArgs: true },
  { name: 'unlock_two_nondirectories', op: 'release', kind: 'rwsem', mode: 'W', arg: 0, instance: '$0->i_rwsem', cls: 'inode.i_rwsem', alsoArgs: [1], nullArgs: true },
  { name: 'lockdep_assert_held_inode', op: 'assert', kind: 'rwsem', mode: 'W', arg: 0, instance: '$0->i_rwsem', cls: 'inode.i_rwsem' },
  // ---- address_space invalidate_lock (was i_mmap_sem / MMAPLOCK)
  ...family('rwsem', { acq: ['filemap_invalidate_lock'], rel: ['filemap_invalidate_unlock'] }, 'W', '$0->invalidate_lock', 'address_space.invalidate_lock'),
  ...family('rwsem', { acq: ['filemap_invalidate_lock_shared'], rel: ['filemap_invalidate_unlock_shared'], tryNz: ['filemap_invalidate_trylock_shared'] }, 'R', '$0->invalidate_lock', 'address_space.invalidate_lock', true),
  { name: 'filemap_invalidate_lock_two', op: 'acquire', kind: 'rwsem', mode: 'W', arg: 0, instance: '$0->invalidate_lock', cls: 'address_space.invalidate_lock', alsoArgs: [1], nullArgs: true },
  { name: 'filemap_invalidate_unlock_two', op: 'release', kind: 'rwsem', mode: 'W', arg: 0, instance: '$0->invalidate_lock', cls: 'address_space.invalidate_lock', alsoArgs: [1], nullArgs: true },
  // ---- address_space i_mmap_rwsem
  ...family('rwsem', { acq: ['i_mmap_lock_write'], rel: ['i_mmap_unlock_write'], tryNz: ['i_mmap_trylock_write'] }, 'W', '$0->i_mmap_rwsem', 'address_space.i_mmap_rwsem'),
  ...family('rwsem', { acq: ['i_mmap_lock_read'], rel: ['i_mmap_unlock_read'], tryNz: ['i_mmap_trylock_read'] }, 'R', '$0->i_mmap_rwsem', 'address_space.i_mmap_rwsem', true),
  { name: 'i_mmap_assert_locked', op: 'assert', kind: 'rwsem', mode: 'R', arg: 0, instance: '$0->i_mmap_rwsem', cls: 'address_space.i_mmap_rwsem' },
  { name: 'i_mmap_assert_write_locked', op: 'assert', kind: 'rwsem', mode: 'W', arg: 0, instance: '$0->i_mmap_rwsem', cls: 'address_space.i_mmap_rwsem' },
  // ---- mm_struct mmap_lock
  ...family('rwsem', { acq: ['mmap_write_lock', 'mmap_write_lock_nested'], rel: ['mmap_write_unlock'], tryZ: ['mmap_write_lock_killable'] }, 'W', '$0->mmap_lock', 'mm_struct.mmap_lock'),
  ...family('rwsem', { acq: ['mmap_read_lock'], rel: ['mmap_read_unlock', 'mmap_read_unlock_non_owner'], tryNz: ['mmap_read_trylock'], tryZ: ['mmap_read_lock_killable'] }, 'R', '$0->mmap_lock', 'mm_struct.mmap_lock', true),
  { name: 'mmap_write_downgrade', op: 'downgrade', kind: 'rwsem', mode: 'R', arg: 0, instance: '$0->mmap_lock', cls: 'mm_struct.mmap_lock' },
  { name: 'mmap_assert_locked', op: 'assert', kind: 'rwsem', mode: 'R', arg: 0, instance: '$0->mmap_lock', cls: 'mm_struct.mmap_lock' },
  { name: 'mmap_assert_write_locked', op: 'assert', kind: 'rwsem', mode: 'W', arg: 0, instance: '$0->mmap_lock', cls: 'mm_struct.mmap_lock' },
  // GUP with `int *locked`: called with mmap_lock held for read, may drop it (a fault that retried) and then
  // sets *locked = 0; the caller unlocks only `if (locked)`. The locked argument is the last one (6.1's
  // *_remote() had a `vmas` argument before it, so an index from the end serves both). populate_vma_page_range() and 6.1's faultin_vma_page_range()
  // name the mm through the vma. (These are also may-fault GUP calls, model/faultApi.ts.)
  ...['get_user_pages_remote', 'pin_user_pages_remote', 'faultin_page_range'].map((name): LockApi =>
    ({ name, op: 'release', kind: 'rwsem', mode: 'R', arg: 0, instance: '$0->mmap_lock', cls: 'mm_struct.mmap_lock', shared: true, heldOut: -1 })),
  ...['populate_vma_page_range', 'faultin_vma_page_range'].map((name): LockApi =>
    ({ name, op: 'release', kind: 'rwsem', mode: 'R', arg: 0, instance: '$0->vm_mm->mmap_lock', cls: 'mm_struct.mmap_lock', shared: true, heldOut: -1 })),
  // mm/gup.c's own: `locked` is second to last (6.12: mm, start, nr_pages, pages, locked, flags; 6.1: a vmas
  // argument before it). Called with *locked == 0 it takes and drops mmap_lock itself: nothing held here then.
  { name: '__get_user_pages_locked', op: 'release', kind: 'rwsem', mode: 'R', arg: 0, instance: '$0->mmap_lock', cls: 'mm_struct.mmap_lock', shared: true, heldOut: -2 },
  // ---- generic rw_semaphore
  ...family('rwsem', { acq: ['down_write', 'down_write_nested', 'down_write_non_owner'], rel: ['up_write'], tryNz: ['down_write_trylock'], tryZ: ['down_write_killable', 'down_write_killable_nested'] }, 'W'),
  ...family('rwsem', { acq: ['down_read', 'down_read_nested', 'down_read_non_owner'], rel: ['up_read', 'up_read_non_owner'], tryNz: ['down_read_trylock'], tryZ: ['down_read_killable', 'down_read_interruptible', 'down_read_killable_nested'] }, 'R', undefined, undefined, true),
  { name: 'downgrade_write', op: 'downgrade', kind: 'rwsem', mode: 'R', arg: 0 },
  // ---- percpu rw semaphores
  ...family('percpu_rwsem', { acq: ['percpu_down_write'], rel: ['percpu_up_write'] }, 'W'),
  ...family('percpu_rwsem', { acq: ['percpu_down_read'], rel: ['percpu_up_read'], tryNz: ['percpu_down_read_trylock'] }, 'R', undefined, undefined, true),
  // ---- freeze protection (sb_writers pseudo rwsems, lockdep: sb_writers / sb_pagefaults / sb_internal)
  ...family('percpu_rwsem', { acq: ['sb_start_write'], rel: ['sb_end_write'], tryNz: ['sb_start_write_trylock'] }, 'R', '$0:sb_writers', 'sb_writers', true),
  ...family('percpu_rwsem', { acq: ['sb_start_pagefault'], rel: ['sb_end_pagefault'] }, 'R', '$0:sb_pagefaults', 'sb_pagefaults', true),
  ...family('percpu_rwsem', { acq: ['sb_start_intwrite'], rel: ['sb_end_intwrite'], tryNz: ['sb_start_intwrite_trylock'] }, 'R', '$0:sb_internal', 'sb_internal', true),
  // the freezer (fs/super.c, static): takes the levels for write one by one, drops them from the top
  { name: 'sb_wait_write', op: 'acquire', arg: 0, flagArg: 1, flags: SB_FREEZE_LEVEL },
  { name: 'sb_freeze_unlock', op: 'release', arg: 0, flagArg: 1, flags: SB_FREEZE_BELOW },
  ...family('percpu_rwsem', { acq: ['file_start_write'], rel: ['file_end_write'] }, 'R', 'file_inode($0)->i_sb:sb_writers', 'sb_writers', true),
  ...family('percpu_rwsem', { rel: [], tryZ: ['mnt_want_write', 'mnt_want_write_file'] }, 'R', '$0:mnt_writers', 'mnt_writers'),
  ...family('percpu_rwsem', { rel: ['mnt_drop_write', 'mnt_drop_write_file'] }, 'R', '$0:mnt_writers', 'mnt_writers', true),
  // ---- mutexes
  ...family('mutex', { acq: ['mutex_lock', 'mutex_lock_nested', 'mutex_lock_io'], rel: ['mutex_unlock'], tryNz: ['mutex_trylock'], tryZ: ['mutex_lock_interruptible', 'mutex_lock_killable', 'mutex_lock_interruptible_nested', 'mutex_lock_killable_nested'] }, 'W'),
  ...family('semaphore', { acq: ['down'], rel: ['up'], tryZ: ['down_interruptible', 'down_killable', 'down_trylock_inverted_placeholder'] }, 'W'),
  ...family('mutex', { acq: ['rt_mutex_lock'], rel: ['rt_mutex_unlock'], tryNz: ['rt_mutex_trylock'] }, 'W'),
  // ---- spinlocks (irq variants are spinlocks + irq state: same instance)
  ...family('spinlock', {
    acq: ['spin_lock', 'spin_lock_nested', 'spin_lock_bh', 'spin_lock_irq', 'spin_lock_irqsave', 'spin_lock_irqsave_nested', 'raw_spin_lock', 'raw_spin_lock_irq', 'raw_spin_lock_irqsave', 'raw_spin_lock_bh', 'raw_spin_lock_nested', 'arch_spin_lock'],
    rel: ['spin_unlock', 'spin_unlock_bh', 'spin_unlock_irq', 'spin_unlock_irqrestore', 'raw_spin_unlock', 'raw_spin_unlock_irq', 'raw_spin_unlock_irqrestore', 'raw_spin_unlock_bh', 'arch_spin_unlock'],
    tryNz: ['spin_trylock', 'spin_trylock_bh', 'spin_trylock_irq', 'spin_trylock_irqsave', 'raw_spin_trylock', 'raw_spin_trylock_irqsave'],
  }, 'W'),
  { name: 'atomic_dec_and_lock', op: 'try', kind: 'spinlock', mode: 'W', arg: 1, success: 'P', failure: 'Z' },
  { name: '_atomic_dec_and_lock', op: 'try', kind: 'spinlock', mode: 'W', arg: 1, success: 'P', failure: 'Z' },
  { name: 'refcount_dec_and_lock', op: 'try', kind: 'spinlock', mode: 'W', arg: 1, success: 'P', failure: 'Z' },
  { name: 'refcount_dec_and_mutex_lock', op: 'try', kind: 'mutex', mode: 'W', arg: 1, success: 'P', failure: 'Z' },
  { name: 'atomic_dec_and_mutex_lock', op: 'try', kind: 'mutex', mode: 'W', arg: 1, success: 'P', failure: 'Z' },
  // ---- page-table locks (include/linux/mm.h): the PTE lock comes back through `spinlock_t **ptlp`, named by the
  // caller's variable (`&ptl`: ptl, as spin_lock(ptl) names it). Since 6.5 a NULL pte means no page table and no
  // lock, and callers test it; before, it could not fail and callers do not. Both read right as an acquire that
  // returns a non-NULL pte: the NULL branch (which takes nothing) is not analysed.
  { name: 'pte_offset_map_lock', op: 'acquire', kind: 'spinlock', mode: 'W', arg: 3, success: 'P' },
  { name: 'pte_alloc_map_lock', op: 'acquire', kind: 'spinlock', mode: 'W', arg: 3, success: 'P' },
  { name: 'pte_unmap_unlock', op: 'release', kind: 'spinlock', mode: 'W', arg: 1 },
  // ---- rwlocks: read_lock is a recursive reader (lockdep: R), write_lock exclusive
  ...family('rwlock', { acq: ['write_lock', 'write_lock_bh', 'write_lock_irq', 'write_lock_irqsave'], rel: ['write_unlock', 'write_unlock_bh', 'write_unlock_irq', 'write_unlock_irqrestore'], tryNz: ['write_trylock'] }, 'W'),
  ...family('rwlock', { acq: ['read_lock', 'read_lock_bh', 'read_lock_irq', 'read_lock_irqsave'], rel: ['read_unlock', 'read_unlock_bh', 'read_unlock_irq', 'read_unlock_irqrestore'], tryNz: ['read_trylock'] }, 'RR', undefined, undefined, true),
  // ---- seqlocks (writer side is a spinlock)
  ...family('seqlock', { acq: ['write_seqlock', 'write_seqlock_irq', 'write_seqlock_irqsave', 'write_seqlock_bh'], rel: ['write_sequnlock', 'write_sequnlock_irq', 'write_sequnlock_irqrestore', 'write_sequnlock_bh'] }, 'W'),
  // ---- bit spinlocks
  ...family('bitlock', { acq: ['bit_spin_lock'], rel: ['bit_spin_unlock', '__bit_spin_unlock'], tryNz: ['bit_spin_trylock'] }, 'W', '$1:bit$0', 'bit_spin_lock'),
  // ---- folio / page lock
  ...family('folio', { acq: ['folio_lock', 'lock_page', '__folio_lock'], rel: ['folio_unlock', 'unlock_page'], tryNz: ['folio_trylock', 'trylock_page'], tryZ: ['folio_lock_killable', '__folio_lock_killable', 'lock_page_killable', '__folio_lock_async'] }, 'W', '$0:folio_lock', 'folio_lock'),
  // ---- per-task contexts (no lock argument)
  { name: 'rcu_read_lock', op: 'acquire', kind: 'rcu', mode: 'RR', arg: -1, instance: 'rcu', cls: 'rcu_read_lock' },
  { name: 'rcu_read_unlock', op: 'release', kind: 'rcu', mode: 'RR', arg: -1, instance: 'rcu', cls: 'rcu_read_lock', shared: true },
  { name: 'rcu_read_lock_bh', op: 'acquire', kind: 'rcu', mode: 'RR', arg: -1, instance: 'rcu_bh', cls: 'rcu_read_lock_bh' },
  { name: 'rcu_read_unlock_bh', op: 'release', kind: 'rcu', mode: 'RR', arg: -1, instance: 'rcu_bh', cls: 'rcu_read_lock_bh', shared: true },
  { name: 'rcu_read_lock_sched', op: 'acquire', kind: 'rcu', mode: 'RR', arg: -1, instance: 'rcu_sched', cls: 'rcu_read_lock_sched' },
  { name: 'rcu_read_unlock_sched', op: 'release', kind: 'rcu', mode: 'RR', arg: -1, instance: 'rcu_sched', cls: 'rcu_read_lock_sched', shared: true },
  // the srcu_struct itself is the lock (`__releases(&fsnotify_mark_srcu)` names it so)
  { name: 'srcu_read_lock', op: 'acquire', kind: 'srcu', mode: 'RR', arg: 0, cls: 'srcu' },
  { name: 'srcu_read_unlock', op: 'release', kind: 'srcu', mode: 'RR', arg: 0, cls: 'srcu', shared: true },
  // sparse's statements that adjust the context count without a lock call (`__release(&l); goto fail;`)
  { name: '__acquire', op: 'acquire', arg: 0 },
  { name: '__release', op: 'release', arg: 0 },
  // jffs2's wait macro: queue, drop the spinlock, sleep
  { name: 'sleep_on_spinunlock', op: 'release', kind: 'spinlock', mode: 'W', arg: 1 },
  { name: 'preempt_disable', op: 'acquire', kind: 'preempt', mode: 'RR', arg: -1, instance: 'preempt', cls: 'preempt_disable' },
  { name: 'preempt_enable', op: 'release', kind: 'preempt', mode: 'RR', arg: -1, instance: 'preempt', cls: 'preempt_disable', shared: true },
  { name: 'preempt_enable_no_resched', op: 'release', kind: 'preempt', mode: 'RR', arg: -1, instance: 'preempt', cls: 'preempt_disable', shared: true },
  { name: 'local_irq_disable', op: 'acquire', kind: 'irq', mode: 'RR', arg: -1, instance: 'irq', cls: 'irqs_disabled' },
  { name: 'local_irq_enable', op: 'release', kind: 'irq', mode: 'RR', arg: -1, instance: 'irq', cls: 'irqs_disabled', shared: true },
  { name: 'local_irq_save', op: 'acquire', kind: 'irq', mode: 'RR', arg: -1, instance: 'irq', cls: 'irqs_disabled' },
  { name: 'local_irq_restore', op: 'release', kind: 'irq', mode: 'RR', arg: -1, instance: 'irq', cls: 'irqs_disabled', shared: true },
  { name: 'local_bh_disable', op: 'acquire', kind: 'irq', mode: 'RR', arg: -1, instance: 'bh', cls: 'bh_disabled' },
  { name: 'local_bh_enable', op: 'release', kind: 'irq', mode: 'RR', arg: -1, instance: 'bh', cls: 'bh_disabled', shared: true },
  // ---- page faults
  { name: 'pagefault_disable', op: 'pf_disable', arg: -1 },
  { name: 'pagefault_enable', op: 'pf_enable', arg: -1 },
  // ---- jbd2 / ext4 journal handle: a pseudo-lock (lockdep's jbd2_handle)
  { name: 'jbd2_journal_start', op: 'try', kind: 'journal', mode: 'R', arg: -1, instance: 'jbd2_handle', cls: 'jbd2_handle', success: 'P', failure: 'N' },
  { name: 'jbd2__journal_start', op: 'try', kind: 'journal', mode: 'R', arg: -1, instance: 'jbd2_handle', cls: 'jbd2_handle', success: 'P', failure: 'N' },
  { name: 'ext4_journal_start', op: 'try', kind: 'journal', mode: 'R', arg: -1, instance: 'jbd2_handle', cls: 'jbd2_handle', success: 'P', failure: 'N' },
  { name: '__ext4_journal_start', op: 'try', kind: 'journal', mode: 'R', arg: -1, instance: 'jbd2_handle', cls: 'jbd2_handle', success: 'P', failure: 'N' },
  { name: 'ext4_journal_start_sb', op: 'try', kind: 'journal', mode: 'R', arg: -1, instance: 'jbd2_handle', cls: 'jbd2_handle', success: 'P', failure: 'N' },
  { name: 'ext4_journal_start_with_reserve', op: 'try', kind: 'journal', mode: 'R', arg: -1, instance: 'jbd2_handle', cls: 'jbd2_handle', success: 'P', failure: 'N' },
  { name: 'ext4_journal_start_with_revoke', op: 'try', kind: 'journal', mode: 'R', arg: -1, instance: 'jbd2_handle', cls: 'jbd2_handle', success: 'P', failure: 'N' },
  { name: 'jbd2_journal_stop', op: 'release', kind: 'journal', mode: 'R', arg: -1, instance: 'jbd2_handle', cls: 'jbd2_handle', shared: true },
  { name: 'ext4_journal_stop', op: 'release', kind: 'journal', mode: 'R', arg: -1, instance: 'jbd2_handle', cls: 'jbd2_handle', shared: true },
  { name: '__ext4_journal_stop', op: 'release', kind: 'journal', mode: 'R', arg: -1, instance: 'jbd2_handle', cls: 'jbd2_handle', shared: true },
  // ---- xfs inode locks, decoded from the flag mask
  { name: 'xfs_ilock', op: 'acquire', arg: 0, flagArg: 1, flags: XFS_FLAGS },
  { name: 'xfs_iunlock', op: 'release', arg: 0, flagArg: 1, flags: XFS_FLAGS },
  { name: 'xfs_ilock_nowait', op: 'try', arg: 0, flagArg: 1, flags: XFS_FLAGS, success: 'P', failure: 'Z' },
  { name: 'xfs_assert_ilocked', op: 'assert', arg: 0, flagArg: 1, flags: XFS_FLAGS },
  // joining a locked inode / dquot / buffer to a transaction hands the lock to it: commit or cancel unlocks
  { name: 'xfs_trans_ijoin', op: 'handoff', arg: 1, flagArg: 2, flags: XFS_FLAGS },
  { name: 'xfs_trans_dqjoin', op: 'handoff', kind: 'mutex', mode: 'W', arg: 1, instance: '$0->q_qlock', cls: 'xfs_dquot.q_qlock' },
  { name: 'xfs_trans_bjoin', op: 'handoff', kind: 'semaphore', mode: 'W', arg: 1, instance: '$0->b_sema', cls: 'xfs_buf.b_sema' },
  // ---- gfs2 glock holders
  { name: 'gfs2_holder_init', op: 'holder_init', kind: 'glock', arg: 3, stateArg: 1, glockFlagsArg: 2 },
  { name: 'gfs2_holder_reinit', op: 'holder_init', kind: 'glock', arg: 2, stateArg: 0, glockFlagsArg: 1 },
  { name: 'gfs2_glock_nq', op: 'holder_nq', kind: 'glock', arg: 0, success: 'Z', failure: 'N' },
  { name: 'gfs2_glock_nq_init', op: 'holder_nq_init', kind: 'glock', arg: 3, stateArg: 1, glockFlagsArg: 2, success: 'Z', failure: 'N' },
  { name: 'gfs2_glock_dq', op: 'holder_dq', kind: 'glock', arg: 0 },
  { name: 'gfs2_glock_dq_wait', op: 'holder_dq', kind: 'glock', arg: 0 },
  { name: 'gfs2_glock_dq_uninit', op: 'holder_dq', kind: 'glock', arg: 0 },
  { name: 'gfs2_holder_uninit', op: 'holder_uninit', kind: 'glock', arg: 0 },
  { name: 'gfs2_holder_allow_demote', op: 'holder_allow_demote', kind: 'glock', arg: 0 },
  { name: 'gfs2_holder_disallow_demote', op: 'holder_disallow_demote', kind: 'glock', arg: 0 },
  { name: 'gfs2_holder_queued', op: 'holder_queued', kind: 'glock', arg: 0 },
  { name: 'gfs2_holder_initialized', op: 'holder_initialized', kind: 'glock', arg: 0 },
  { name: 'gfs2_holder_mark_uninitialized', op: 'holder_uninit', kind: 'glock', arg: 0 },
  // ---- assertions (lockdep)
  { name: 'lockdep_assert_held', op: 'assert', arg: 0 },
  { name: 'lockdep_assert_held_write', op: 'assert', arg: 0, mode: 'W' },
  { name: 'lockdep_assert_held_read', op: 'assert', arg: 0, mode: 'R' },
  { name: 'lockdep_assert_held_once', op: 'assert', arg: 0 },
  { name: 'assert_spin_locked', op: 'assert', kind: 'spinlock', arg: 0 },
  { name: 'might_lock', op: 'might', arg: 0, mode: 'W' },
  // ---- lockdep class keys: a lock given its own key is its own class (gfs2's quota inode i_rwsem)
  { name: 'lockdep_set_class', op: 'set_class', arg: 0 },
  { name: 'lockdep_set_class_and_name', op: 'set_class', arg: 0 },
  { name: 'lockdep_set_class_and_subclass', op: 'set_class', arg: 0 },
  { name: 'might_lock_read', op: 'might', arg: 0, mode: 'R' },
]);

/** guard(type)(args) / scoped_guard(type, args): guard type -> acquire/release API names. */
export const GUARD_TYPES: Readonly<Record<string, { acquire: string; release: string; try?: string }>> = {
  mutex: { acquire: 'mutex_lock', release: 'mutex_unlock', try: 'mutex_trylock' },
  mutex_intr: { acquire: 'mutex_lock', release: 'mutex_unlock', try: 'mutex_lock_interruptible' },
  spinlock: { acquire: 'spin_lock', release: 'spin_unlock', try: 'spin_trylock' },
  spinlock_irq: { acquire: 'spin_lock_irq', release: 'spin_unlock_irq', try: 'spin_trylock_irq' },
  spinlock_irqsave: { acquire: 'spin_lock_irqsave', release: 'spin_unlock_irqrestore', try: 'spin_trylock_irqsave' },
  spinlock_bh: { acquire: 'spin_lock_bh', release: 'spin_unlock_bh' },
  raw_spinlock: { acquire: 'raw_spin_lock', release: 'raw_spin_unlock', try: 'raw_spin_trylock' },
  raw_spinlock_irq: { acquire: 'raw_spin_lock_irq', release: 'raw_spin_unlock_irq' },
  raw_spinlock_irqsave: { acquire: 'raw_spin_lock_irqsave', release: 'raw_spin_unlock_irqrestore' },
  read_lock: { acquire: 'read_lock', release: 'read_unlock' },
  read_lock_irq: { acquire: 'read_lock_irq', release: 'read_unlock_irq' },
  read_lock_irqsave: { acquire: 'read_lock_irqsave', release: 'read_unlock_irqrestore' },
  write_lock: { acquire: 'write_lock', release: 'write_unlock' },
  write_lock_irq: { acquire: 'write_lock_irq', release: 'write_unlock_irq' },
  write_lock_irqsave: { acquire: 'write_lock_irqsave', release: 'write_unlock_irqrestore' },
  rwsem_read: { acquire: 'down_read', release: 'up_read', try: 'down_read_trylock' },
  rwsem_read_intr: { acquire: 'down_read', release: 'up_read', try: 'down_read_interruptible' },
  rwsem_read_try: { acquire: 'down_read', release: 'up_read', try: 'down_read_trylock' },
  rwsem_write: { acquire: 'down_write', release: 'up_write', try: 'down_write_trylock' },
  rwsem_write_try: { acquire: 'down_write', release: 'up_write', try: 'down_write_trylock' },
  rcu: { acquire: 'rcu_read_lock', release: 'rcu_read_unlock' },
  preempt: { acquire: 'preempt_disable', release: 'preempt_enable' },
  irq: { acquire: 'local_irq_disable', release: 'local_irq_enable' },
  irqsave: { acquire: 'local_irq_save', release: 'local_irq_restore' },
  srcu: { acquire: 'srcu_read_lock', release: 'srcu_read_unlock' },
  inode_lock: { acquire: 'inode_lock', release: 'inode_unlock' },
  inode_lock_shared: { acquire: 'inode_lock_shared', release: 'inode_unlock_shared' },
  pagefault: { acquire: 'pagefault_disable', release: 'pagefault_enable' },
};

/** gfs2 LM_ST_* state constants -> glock modes. */
export const GLOCK_STATES: Readonly<Record<string, Mode>> = {
  LM_ST_EXCLUSIVE: 'EX', LM_ST_SHARED: 'SH', LM_ST_DEFERRED: 'DF',
};
