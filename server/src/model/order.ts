// Declared lock order: built in from the kernel's own documentation, extended
// by `/* lockorder: a -> b -> c */` comments and by `.lockorder` `order` lines.

export interface OrderChain {
  /** classes, outermost (taken first) first */
  classes: string[];
  /** where this chain was declared: "built-in: mm/filemap.c", "file.c:12", ".lockorder:3" */
  source: string;
}

/**
 * Built-in chains. Sources: mm/rmap.c "Lock ordering in mm", mm/filemap.c
 * "Lock ordering", Documentation/filesystems/locking.rst, include/linux/fs.h
 * (freeze protection), Documentation/filesystems/gfs2-glocks.rst.
 * Folio lock vs i_mmap_rwsem is deliberately absent: mm/rmap.c documents it
 * both ways (main order vs its hugetlbfs section).
 */
export const BUILTIN_ORDERS: readonly OrderChain[] = [
  { classes: ['sb_writers', 'inode.i_rwsem', 'mm_struct.mmap_lock', 'address_space.invalidate_lock', 'folio_lock'], source: 'built-in: mm/rmap.c "Lock ordering in mm"' },
  { classes: ['address_space.i_mmap_rwsem', 'anon_vma.rwsem', 'page_table_lock', 'address_space.i_pages'], source: 'built-in: mm/rmap.c "Lock ordering in mm"' },
  { classes: ['mm_struct.mmap_lock', 'address_space.i_mmap_rwsem'], source: 'built-in: mm/filemap.c "Lock ordering"' },
  { classes: ['inode.i_rwsem', 'address_space.invalidate_lock', 'address_space.i_mmap_rwsem'], source: 'built-in: mm/filemap.c "Lock ordering" (truncate path)' },
  { classes: ['inode.i_rwsem', 'mm_struct.mmap_lock'], source: 'built-in: mm/filemap.c (generic_perform_write faults with i_rwsem held)' },
  { classes: ['mm_struct.mmap_lock', 'sb_pagefaults', 'sb_internal'], source: 'built-in: include/linux/fs.h (freeze protection)' },
  { classes: ['sb_writers', 'inode.i_rwsem'], source: 'built-in: include/linux/fs.h (freeze protection)' },
  { classes: ['inode.i_rwsem', 'xfs_inode.i_lock'], source: 'built-in: fs/xfs/xfs_inode.c (xfs_ilock)' },
  { classes: ['address_space.invalidate_lock', 'xfs_inode.i_lock'], source: 'built-in: fs/xfs/xfs_inode.c (xfs_ilock)' },
  { classes: ['inode.i_rwsem', 'gfs2_glock.sd_rename_gl', 'gfs2_glock.i_gl', 'gfs2_glock.rd_gl', 'gfs2_glock.sd_trans_gl'], source: 'built-in: Documentation/filesystems/gfs2-glocks.rst' },
  { classes: ['jbd2_handle', 'address_space.i_mmap_rwsem'], source: 'built-in: ext4/jbd2 (i_mmap lock nests inside the journal handle)' },
];

export interface ParsedChain { classes: string[]; error?: string }

/** Parse `a -> b -> c` (also accepts `=>` and `>`). */
export function parseChain(text: string): ParsedChain {
  const t = text.trim().replace(/\*\/\s*$/, '').trim();
  if (!t) return { classes: [], error: 'empty lock order' };
  const parts = t.split(/\s*(?:->|=>|→)\s*/);
  if (parts.length < 2) return { classes: [], error: `expected "a -> b", got "${t}"` };
  for (const p of parts) {
    if (!/^[A-Za-z_][\w.:#/\[\]-]*$/.test(p)) return { classes: [], error: `"${p}" is not a lock class name (expected e.g. inode.i_rwsem or fuse_inode.i_mmap_sem)` };
  }
  return { classes: parts };
}

/** All (a, b) pairs a chain implies, transitively (a before b). */
export function chainPairs(chain: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < chain.length; i++) for (let j = i + 1; j < chain.length; j++) out.push([chain[i], chain[j]]);
  return out;
}
