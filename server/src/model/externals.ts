// What well-known kernel functions do when their bodies are not among the
// analysed files (e.g. checking fs/gfs2 alone, whose fault handler calls
// mm/filemap.c's filemap_fault()). When the body IS analysed, its real
// summary wins. Data, like the lock table.
import type { LockKind, Mode } from './lockApi';

export interface ExternalEffect {
  /** classes taken (and released) inside, outermost first */
  inner: { cls: string; kind: LockKind; mode: Mode }[];
  sleeps?: boolean;
  /** e.g. "mm/filemap.c" */
  where: string;
}

export const EXTERNAL_EFFECTS: Readonly<Record<string, ExternalEffect>> = {
  filemap_fault: { where: 'mm/filemap.c', sleeps: true, inner: [{ cls: 'address_space.invalidate_lock', kind: 'rwsem', mode: 'R' }, { cls: 'folio_lock', kind: 'folio', mode: 'W' }] },
  filemap_page_mkwrite: { where: 'mm/filemap.c', sleeps: true, inner: [{ cls: 'sb_pagefaults', kind: 'percpu_rwsem', mode: 'R' }, { cls: 'folio_lock', kind: 'folio', mode: 'W' }] },
  iomap_page_mkwrite: { where: 'fs/iomap/buffered-io.c', sleeps: true, inner: [{ cls: 'folio_lock', kind: 'folio', mode: 'W' }] },
  block_page_mkwrite: { where: 'fs/buffer.c', sleeps: true, inner: [{ cls: 'folio_lock', kind: 'folio', mode: 'W' }] },
  generic_perform_write: { where: 'mm/filemap.c', sleeps: true, inner: [{ cls: 'folio_lock', kind: 'folio', mode: 'W' }] },
  truncate_pagecache: { where: 'mm/truncate.c', sleeps: true, inner: [{ cls: 'address_space.i_mmap_rwsem', kind: 'rwsem', mode: 'W' }, { cls: 'folio_lock', kind: 'folio', mode: 'W' }] },
  truncate_setsize: { where: 'mm/truncate.c', sleeps: true, inner: [{ cls: 'address_space.i_mmap_rwsem', kind: 'rwsem', mode: 'W' }, { cls: 'folio_lock', kind: 'folio', mode: 'W' }] },
  unmap_mapping_range: { where: 'mm/memory.c', sleeps: true, inner: [{ cls: 'address_space.i_mmap_rwsem', kind: 'rwsem', mode: 'R' }] },
};

/** vm_operations_struct members that run on a page fault, entered with mmap_lock held shared. */
export const FAULT_MEMBERS: readonly string[] = ['fault', 'huge_fault', 'page_mkwrite', 'pfn_mkwrite'];
