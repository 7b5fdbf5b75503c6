// Lock classes that lockdep keeps per filesystem type, and which filesystem
// a piece of code works on. The VFS gives every file_system_type its own
// lock_class_key for these locks (include/linux/fs.h, struct
// file_system_type; set in fs/inode.c inode_init_always() and fs/super.c
// alloc_super()), so btrfs's i_rwsem and f2fs's i_rwsem are two classes:
// btrfs holding its device_list_mutex while taking a btrfs mapping's
// invalidate_lock, and f2fs taking its internal_rwsem under an f2fs
// mapping's invalidate_lock, do not close a cycle. Order rules qualify these
// classes with the filesystem whose code takes them (the directory under
// fs/), leave them generic in VFS and library code (fs/*.c, fs/iomap,
// mm/, ...), which runs on any filesystem's objects, and match a generic
// class with every filesystem's.
import { baseClass } from './classes';

/** Base classes (before any `/subclass`) that have one lockdep class per filesystem type. */
export const PER_FS_TYPE_CLASSES: readonly { cls: string; key: string }[] = [
  { cls: 'inode.i_rwsem', key: 'i_mutex_key / i_mutex_dir_key' },
  { cls: 'inode.i_lock', key: 'i_lock_key' },
  { cls: 'address_space.invalidate_lock', key: 'invalidate_lock_key' },
  { cls: 'super_block.s_umount', key: 's_umount_key' },
  { cls: 's_vfs_rename_mutex', key: 's_vfs_rename_key' },
  { cls: 'super_block.s_vfs_rename_mutex', key: 's_vfs_rename_key' },
  { cls: 'sb_writers', key: 's_writers_key[SB_FREEZE_WRITE]' },
  { cls: 'sb_pagefaults', key: 's_writers_key[SB_FREEZE_PAGEFAULT]' },
  { cls: 'sb_internal', key: 's_writers_key[SB_FREEZE_FS]' },
  // mnt_want_write() is sb_start_write() on the mount's superblock
  { cls: 'mnt_writers', key: 's_writers_key[SB_FREEZE_WRITE] (through mnt_want_write)' },
];

/**
 * Classes lockdep does not key per filesystem type, but whose every instance
 * belongs to one mounted filesystem (one super_block, or the journal of one).
 * Two filesystems' code never takes the same instance, so at such a class a
 * deadlock cycle cannot pass from one filesystem's edges to another's: the
 * order rules attribute these classes to a filesystem like the per-type ones
 * (generic code, fs/jbd2 and fs/quota included, is matched with each). A
 * filesystem type is coarser than its instances, so nothing that can deadlock
 * on one superblock is split. Only classes that two filesystems' code takes
 * belong here; a class private to one filesystem needs no attribution.
 */
export const PER_FS_INSTANCE_CLASSES: readonly { cls: string; why: string }[] = [
  // fs/jbd2/journal.c journal_init_common(): lockdep_register_key(&journal->jbd2_trans_commit_key) and
  // lockdep_init_map(&journal->j_trans_commit_map, "jbd2_handle", &journal->jbd2_trans_commit_key, 0):
  // 6.12 keys it per journal (6.1: one static key). A journal is one filesystem's (ext4 sbi->s_journal,
  // ocfs2 osb->journal->j_journal; an external journal device is claimed by one mount).
  { cls: 'jbd2_handle', why: 'journal_t.j_trans_commit_map: a class per journal since jbd2_trans_commit_key moved into journal_t; a journal belongs to one filesystem' },
  // fs/quota/dquot.c get_empty_dquot(): mutex_init(&dquot->dq_lock) (one class), dquot->dq_sb = sb;
  // dqget(sb, qid) finds a dquot by (dq_sb, dq_id) (find_dquot()): a dquot belongs to one super_block.
  { cls: 'dquot.dq_lock', why: 'get_empty_dquot(): one class, but dquot->dq_sb = sb: a dquot belongs to one super_block' },
];

/**
 * Directories under fs/ that are not a filesystem type: libraries and VFS
 * clients that run on other filesystems' objects (their code is generic,
 * like fs/*.c). Longest match wins (`smb/server` before `smb`).
 */
export const GENERIC_FS_DIRS: readonly string[] = [
  'cachefiles', 'crypto', 'dlm', 'exportfs', 'iomap', 'jbd2', 'lockd', 'netfs', 'nfs_common', 'nfsd', 'nls', 'notify',
  'quota', 'tests', 'unicode', 'verity', 'smb/common', 'smb/server',
];

/**
 * Stacking code: what it takes on its own objects is its own filesystem's,
 * but what the VFS helpers it calls take (vfs_iter_write(),
 * backing_file_write_iter() on the real file), and what it takes on the
 * objects underneath by their usual names (`real.file`, `upperdir`,
 * `lower_dentry`, `host_file`), belongs to the filesystem underneath. A
 * directory, or one file (`fuse/passthrough.c`: fuse is a filesystem of its
 * own). (cachefiles has no objects of its own: it is in GENERIC_FS_DIRS.)
 */
export const STACKING_FS_PATHS: readonly { path: string; lower: RegExp }[] = [
  // ovl_inode_real(), ovl_dentry_upper(), realfile, real.file, upperdir, ofs->workdir
  { path: 'overlayfs', lower: /real|upper|lower|workdir/ },
  // ecryptfs_inode_to_lower(), lower_dentry, lower_file
  { path: 'ecryptfs', lower: /lower/ },
  // host_file, cfi->cfi_container
  { path: 'coda', lower: /host|container/ },
  { path: 'fuse/passthrough.c', lower: /backing/ },
];

/** The filesystem-type view of the engine: which classes are per type, and which type a file's code works on. */
export class FsTypes {
  private readonly perType: ReadonlySet<string>;
  private readonly perInstance: ReadonlySet<string>;

  constructor(extraClasses: readonly string[] = []) {
    this.perType = new Set([...PER_FS_TYPE_CLASSES.map((c) => c.cls), ...extraClasses]);
    this.perInstance = new Set(PER_FS_INSTANCE_CLASSES.map((c) => c.cls));
  }

  /** Does lockdep keep this class (or its base, before `/subclass`) per filesystem type? */
  perFsType(cls: string): boolean {
    return this.perType.has(baseClass(cls));
  }

  /**
   * Is this class one filesystem's in the order rules: kept per type by
   * lockdep, or every instance of it belongs to one mounted filesystem
   * (PER_FS_INSTANCE_CLASSES)?
   */
  perFilesystem(cls: string): boolean {
    const base = baseClass(cls);
    return this.perType.has(base) || this.perInstance.has(base);
  }

  /**
   * The filesystem whose code this file is (`btrfs` for .../fs/btrfs/ioctl.c,
   * after the last `/fs/` of the path), undefined for generic code: VFS core
   * (fs/namei.c), the libraries in GENERIC_FS_DIRS, anything outside fs/.
   */
  fsOf(file: string): string | undefined {
    return placeOf(file).fs;
  }

  /**
   * The filesystem a per-type (or per-instance) class held in `file` belongs
   * to (undefined: generic, or not such a class); in stacking code, the one underneath
   * when the instance names an object underneath (`file_inode(real.file)`).
   */
  held(file: string, cls: string, inst?: string): string | undefined {
    if (!this.perFilesystem(cls)) return undefined;
    const here = placeOf(file);
    if (here.stacking && inst !== undefined && here.stacking.test(inst)) return `lower:${here.fs}`;
    return here.fs;
  }

  /**
   * The filesystem a per-type class acquired in `file` belongs to: as
   * held(), and in stacking code also the filesystem underneath when a VFS
   * helper outside it takes the lock (`innerFile`: `lower:overlayfs`).
   */
  acquired(file: string, cls: string, innerFile?: string, inst?: string): string | undefined {
    const fs = this.held(file, cls, inst);
    const here = placeOf(file);
    if (fs === here.fs && here.stacking && innerFile !== undefined && placeOf(innerFile).fs !== here.fs) return `lower:${here.fs}`;
    return fs;
  }
}

/**
 * The directory of the filesystem a file belongs to: `.../fs/xfs` for
 * `.../fs/xfs/scrub/dir.c` (a filesystem's subdirectories are part of it),
 * undefined for generic code (VFS core, libraries, anything outside fs/).
 */
export function filesystemDir(file: string): string | undefined {
  return placeOf(file).dir;
}

/**
 * Where a file is: the filesystem it belongs to and its directory, and for
 * stacking code what names the objects underneath. Memoised per path: the
 * rules ask for every function's events on every analysis.
 */
interface Place { fs?: string; dir?: string; stacking?: RegExp }

const places = new Map<string, Place>();

function placeOf(file: string): Place {
  let p = places.get(file);
  if (!p) {
    p = locate(file.replace(/\\/g, '/'));
    places.set(file, p);
  }
  return p;
}

function locate(path: string): Place {
  const i = path.lastIndexOf('/fs/');
  const at = i >= 0 ? i + 1 : path.startsWith('fs/') ? 0 : -1;
  if (at < 0) return {};
  const rest = path.slice(at + 3); // after "fs/"
  const parts = rest.split('/');
  if (parts.length < 2) return {}; // fs/namei.c: VFS core
  if (GENERIC_FS_DIRS.some((d) => rest.startsWith(`${d}/`))) return {};
  const fs = parts[0];
  return { fs, dir: path.slice(0, at + 3) + fs, stacking: STACKING_FS_PATHS.find((s) => rest === s.path || rest.startsWith(`${s.path}/`))?.lower };
}

/** How a class attributed to a filesystem reads in a message: `inode.i_rwsem (btrfs)`. */
export function fsClassPhrase(cls: string, fs: string | undefined): string {
  if (!fs) return cls;
  return fs.startsWith('lower:') ? `${cls} (the filesystem under ${fs.slice(6)})` : `${cls} (${fs})`;
}
