// Which calls may take a page fault on a user buffer, and which may sleep.
// Data, extended by `.lockorder` (`may-fault`, `may-sleep`, `no-fault`).

export interface FaultApi {
  name: string;
  /** why it may fault, in the words of the hover */
  why: string;
  /** argument index of the iov_iter whose ->nofault suppresses the fault (copy_page_to_iter(page, off, n, iter)) */
  iterArg?: number;
  /** GUP-based: pagefault_disable() alone does not stop it, only iter->nofault / FOLL_NOFAULT (commit 3337ab08d08b) */
  gup?: boolean;
  /** fault_in_*: performs the fault on purpose, expected outside the locks */
  faultIn?: boolean;
  /**
   * GUP called with the target mm's mmap_lock held (get_user_pages(), *_remote(), __get_user_pages()):
   * it faults through handle_mm_fault() under the caller's lock and never takes mmap_lock itself.
   * The _fast and _unlocked variants take it themselves.
   */
  underMmapLock?: boolean;
  origin?: string;
}

const uaccess = (names: string[], why: string): FaultApi[] => names.map((name) => ({ name, why }));
const iter = (names: string[], iterArg: number, why: string, gup = false): FaultApi[] => names.map((name) => ({ name, why, iterArg, gup }));

export const BUILTIN_FAULT_APIS: readonly FaultApi[] = [
  ...uaccess(['copy_to_user', 'copy_from_user', '__copy_to_user', '__copy_from_user', 'get_user', 'put_user',
    '__get_user', '__put_user', 'clear_user', '__clear_user', 'strncpy_from_user', 'strnlen_user', 'copy_struct_from_user',
    'memdup_user', 'memdup_user_nul', 'vmemdup_user', 'strndup_user', 'copy_in_user', 'check_zeroed_user',
    'might_fault', 'access_process_vm'], 'copies to or from a user address; a missing page faults and the fault handler runs'),
  // (copy_to_user_page() / copy_from_user_page() are not here: despite the names they copy to or from a
  // kernel mapping of a page GUP already pinned, memcpy() plus cache flushing, and never fault)
  ...iter(['copy_page_to_iter', 'copy_page_from_iter', 'copy_folio_to_iter', 'copy_folio_from_iter'], 3, 'copies into a user iov_iter; a missing page faults'),
  ...iter(['copy_to_iter', 'copy_from_iter', '_copy_to_iter', '_copy_from_iter', 'copy_from_iter_nocache', 'copy_to_iter_full', 'copy_from_iter_full', 'csum_and_copy_to_iter', 'copy_mc_to_iter'], 2, 'copies to or from a user iov_iter; a missing page faults'),
  ...iter(['iov_iter_zero'], 1, 'zeroes a user iov_iter; a missing page faults'),
  ...iter(['iomap_dio_rw', '__iomap_dio_rw'], 1, 'direct I/O pins the user buffer with get_user_pages(), which faults pages in', true),
  ...iter(['iov_iter_get_pages2', 'iov_iter_get_pages_alloc2', 'iov_iter_extract_pages', 'iov_iter_get_pages', 'iov_iter_get_pages_alloc'], 0, 'pins user pages with get_user_pages(), which faults them in', true),
  ...iter(['generic_perform_write', 'iomap_file_buffered_write', 'filemap_read', 'generic_file_read_iter', 'generic_file_write_iter', '__generic_file_write_iter', 'generic_file_direct_write', 'iomap_file_buffered_write_punch_delalloc', 'filemap_splice_read'], 1, 'copies between the page cache and the user buffer; a missing user page faults'),
  ...uaccess(['get_user_pages_fast', 'get_user_pages_unlocked', 'pin_user_pages_fast', 'pin_user_pages_unlocked', 'get_user_pages_fast_only'],
    'get_user_pages() faults missing pages in (takes mmap_lock shared)').map((f) => ({ ...f, gup: true })),
  ...uaccess(['get_user_pages', 'get_user_pages_remote', 'pin_user_pages', 'pin_user_pages_remote', '__get_user_pages'],
    'get_user_pages() faults missing pages in (the caller holds mmap_lock; the fault handler runs under it)').map((f) => ({ ...f, gup: true, underMmapLock: true })),
  ...uaccess(['fault_in_iov_iter_readable', 'fault_in_iov_iter_writeable', 'fault_in_readable', 'fault_in_writeable',
    'fault_in_safe_writeable', 'fault_in_subpage_writeable'], 'faults the user pages in on purpose').map((f) => ({ ...f, faultIn: true })),
];

/** GUP calls made with mmap_lock held by design: holding mmap_lock across them is their contract, not a deadlock. */
export const GUP_UNDER_MMAP_LOCK: ReadonlySet<string> = new Set(BUILTIN_FAULT_APIS.filter((f) => f.underMmapLock).map((f) => f.name));

/**
 * iov_iter constructors, name -> argument index of the iterator they set up. Over kernel memory
 * (kvec, bio_vec pages, a page-cache xarray, a folio queue, discard): a copy through such an
 * iterator never touches a user page, so it cannot take a page fault.
 */
export const KERNEL_ITER_INIT: Readonly<Record<string, number>> = {
  iov_iter_kvec: 0, iov_iter_bvec: 0, iov_iter_xarray: 0, iov_iter_folio_queue: 0, iov_iter_discard: 0,
};
/** Over user memory (a __user buffer or iovec array). */
export const USER_ITER_INIT: Readonly<Record<string, number>> = {
  iov_iter_ubuf: 0, iov_iter_init: 0, import_ubuf: 3, import_iovec: 5, __import_iovec: 5,
};

/** Variants that never fault: the _inatomic/_nofault family. */
export const NOFAULT_SUFFIX = /(_inatomic|_nofault|_nocheck_nofault)$/;

export const BUILTIN_SLEEP_APIS: readonly string[] = [
  'msleep', 'msleep_interruptible', 'ssleep', 'usleep_range', 'schedule', 'schedule_timeout', 'io_schedule',
  'wait_for_completion', 'wait_for_completion_interruptible', 'wait_for_completion_killable', 'wait_event',
  'wait_event_interruptible', 'wait_event_killable', 'wait_on_bit', 'wait_on_page_writeback', 'folio_wait_writeback',
  'synchronize_rcu', 'synchronize_srcu', 'flush_work', 'flush_workqueue', 'cancel_work_sync', 'filemap_write_and_wait',
  'filemap_write_and_wait_range', 'filemap_fdatawait', 'filemap_fdatawrite', 'sync_blockdev', 'cond_resched',
  'vmalloc', 'vzalloc', 'kvmalloc', 'kvzalloc', 'might_sleep', 'submit_bio_wait', 'truncate_inode_pages',
  'truncate_inode_pages_range', 'truncate_pagecache', 'truncate_pagecache_range', 'inode_dio_wait', 'iput',
  'mutex_lock', 'down_read', 'down_write', 'inode_lock', 'inode_lock_shared',
];

/** Allocation calls that sleep unless given an atomic GFP mask. */
export const GFP_ALLOCATORS = /^(kmalloc|kzalloc|kcalloc|kmalloc_array|kmem_cache_alloc|kmem_cache_zalloc|alloc_pages|alloc_page|__get_free_pages|get_zeroed_page|kstrdup|kmemdup|krealloc|mempool_alloc|folio_alloc|filemap_alloc_folio|bio_alloc|__filemap_get_folio)$/;
export const ATOMIC_GFP = /GFP_ATOMIC|GFP_NOWAIT|__GFP_HIGH\b(?!.*__GFP_DIRECT_RECLAIM)/;

/**
 * Functions during which no task can fault on the filesystem's pages, by
 * the kernel's naming of the callback: a truncate there races no fault.
 */
export const NO_FAULT_CONTEXTS: readonly { pattern: RegExp; why: string }[] = [
  // ->fill_super (mount_bdev(), get_tree_bdev(), ...): log replay and orphan cleanup at mount
  // truncate before the superblock is visible, so nothing is mapped yet
  { pattern: /(^|_)fill_super$/, why: 'mount: the filesystem is not visible to any task yet' },
];

/**
 * Calls that shrink a file's mapping (truncate, punch hole): the truncate
 * side of truncate-vs-fault races. Whole-cache drops that are not size
 * changes (truncate_inode_pages() on directory caches and verity metadata,
 * truncate_inode_pages_final() at eviction, invalidate_inode_pages2_range()
 * for direct-I/O coherence) are deliberately not here.
 */
export const TRUNCATE_APIS: readonly { name: string; inodeArg: number; via: 'inode' | 'mapping' }[] = [
  { name: 'truncate_pagecache', inodeArg: 0, via: 'inode' },
  { name: 'truncate_pagecache_range', inodeArg: 0, via: 'inode' },
  { name: 'truncate_setsize', inodeArg: 0, via: 'inode' },
  { name: 'truncate_inode_pages_range', inodeArg: 0, via: 'mapping' },
];
