// Lock classes as lockdep names them: struct type + field (`inode.i_rwsem`,
// `fuse_inode.i_mmap_sem`), or the variable name of a global lock. Instances
// are expressions; the class is derived from the expression's static type.
import type { StructDef } from '../analysis/ir';

/** Return types of the kernel's container/accessor helpers. */
export const ACCESSOR_TYPES: Readonly<Record<string, string>> = {
  get_fuse_inode: 'fuse_inode', GFS2_I: 'gfs2_inode', GFS2_SB: 'gfs2_sbd', XFS_I: 'xfs_inode', VFS_I: 'inode',
  EXT4_I: 'ext4_inode_info', EXT4_SB: 'ext4_sb_info', BTRFS_I: 'btrfs_inode', F2FS_I: 'f2fs_inode_info',
  file_inode: 'inode', d_inode: 'inode', d_backing_inode: 'inode', igrab: 'inode', NFS_I: 'nfs_inode',
  OCFS2_I: 'ocfs2_inode_info', CIFS_I: 'cifsInodeInfo', XFS_M: 'xfs_mount', get_fuse_conn: 'fuse_conn',
  page_folio: 'folio', container_of: '', EROFS_I: 'erofs_inode', NILFS_I: 'nilfs_inode_info',
};

/** Field types of core kernel structs the analysis needs even without their headers. */
export const BUILTIN_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  inode: { i_mapping: 'address_space', i_data: 'address_space', i_sb: 'super_block', i_rwsem: 'rw_semaphore', i_lock: 'spinlock_t' },
  file: { f_mapping: 'address_space', f_inode: 'inode', f_pos_lock: 'mutex', f_lock: 'spinlock_t' },
  address_space: { host: 'inode', invalidate_lock: 'rw_semaphore', i_mmap_rwsem: 'rw_semaphore', i_pages: 'xarray', private_lock: 'spinlock_t' },
  vm_area_struct: { vm_mm: 'mm_struct', vm_file: 'file' },
  vm_fault: { vma: 'vm_area_struct' },
  mm_struct: { mmap_lock: 'rw_semaphore', page_table_lock: 'spinlock_t' },
  kiocb: { ki_filp: 'file' },
  task_struct: { mm: 'mm_struct' },
  super_block: { s_umount: 'rw_semaphore' },
  seqlock_t: { lock: 'spinlock_t' },
  gfs2_inode: { i_inode: 'inode', i_gl: 'gfs2_glock', i_rw_mutex: 'rw_semaphore' },
  xfs_inode: { i_lock: 'rw_semaphore', i_mount: 'xfs_mount' },
  fuse_inode: { inode: 'inode', i_mmap_sem: 'rw_semaphore', mutex: 'mutex', lock: 'spinlock_t' },
  ext4_inode_info: { vfs_inode: 'inode', i_data_sem: 'rw_semaphore', i_mmap_sem: 'rw_semaphore' },
};

/**
 * Wrapper lock types: a struct that holds one lock and whose init macro gives every init site its
 * own lockdep key (f2fs: `init_f2fs_rwsem(&sbi->cp_rwsem)` declares a `static struct lock_class_key`
 * per use). A lock inside one is classed by the field that holds the wrapper
 * (`f2fs_sb_info.cp_rwsem`), not by the wrapper's own field (`f2fs_rwsem.internal_rwsem`), which
 * stays the class only where the holder is not known (a helper's parameter: the call site refines
 * it, `Resolver.refineClass`). type -> the lock field inside it. `.lockorder`: `lock-wrapper TYPE FIELD`.
 */
export const BUILTIN_LOCK_WRAPPERS: Readonly<Record<string, string>> = {
  f2fs_rwsem: 'internal_rwsem',
};
/** BUILTIN_LOCK_WRAPPERS as the map classOf() and the Resolver take (the `.lockorder` ones are added by Knowledge) */
export const DEFAULT_WRAPPERS: ReadonlyMap<string, string> = new Map(Object.entries(BUILTIN_LOCK_WRAPPERS));

export interface TypeEnv {
  /** type of a local, parameter or global */
  varType(name: string): string | undefined;
}

export class StructTable {
  private readonly fields = new Map<string, Map<string, string>>();
  constructor() {
    for (const [s, fs] of Object.entries(BUILTIN_FIELDS)) this.fields.set(s, new Map(Object.entries(fs)));
  }
  add(defs: readonly StructDef[]): void {
    for (const d of defs) {
      let m = this.fields.get(d.name);
      if (!m) { m = new Map(); this.fields.set(d.name, m); }
      for (const f of d.fields) if (!m.has(f.name)) m.set(f.name, f.type);
    }
  }
  fieldType(struct: string, field: string): string | undefined {
    return this.fields.get(struct)?.get(field);
  }
  /** struct fields whose type is a lock type: the workspace's own lock classes */
  lockFields(): { cls: string; type: string }[] {
    const out: { cls: string; type: string }[] = [];
    for (const [s, fs] of this.fields) for (const [f, t] of fs) if (LOCK_FIELD_TYPES.has(t)) out.push({ cls: `${s}.${f}`, type: t });
    return out;
  }
}

export const LOCK_FIELD_TYPES: ReadonlySet<string> = new Set(['mutex', 'spinlock_t', 'rwlock_t', 'rw_semaphore', 'percpu_rw_semaphore', 'raw_spinlock_t', 'seqlock_t', 'semaphore']);

/** `(a->b[i])` -> `a->b[i]`: one pair of parentheses around the whole expression removed. */
/** A lock class without its lockdep subclass: `inode.i_rwsem/I_MUTEX_PARENT` -> `inode.i_rwsem`. */
export function baseClass(cls: string): string {
  const slash = cls.indexOf('/');
  return slash < 0 ? cls : cls.slice(0, slash);
}

export function unparen(e: string): string {
  if (!e.startsWith('(') || !e.endsWith(')')) return e;
  let depth = 0;
  for (let i = 0; i < e.length - 1; i++) {
    if (e[i] === '(') depth++;
    else if (e[i] === ')') depth--;
    if (depth === 0) return e; // the first parenthesis closes before the end: `(a)->b(c)`
  }
  return e.slice(1, -1);
}

/** Split `a->b.c` into base `a->b` and last field `c`. */
export function splitLast(expr: string): { base: string; field: string } | undefined {
  let depth = 0;
  for (let i = expr.length - 1; i > 0; i--) {
    const ch = expr[i];
    if (ch === ')' || ch === ']') depth++;
    else if (ch === '(' || ch === '[') depth--;
    else if (depth === 0) {
      if (ch === '>' && expr[i - 1] === '-') return { base: expr.slice(0, i - 1), field: expr.slice(i + 1) };
      if (ch === '.') return { base: expr.slice(0, i), field: expr.slice(i + 1) };
    }
  }
  return undefined;
}

export function typeOfExpr(expr: string, env: TypeEnv, structs: StructTable, depth = 0): string | undefined {
  if (depth > 8) return undefined;
  let e = expr;
  while (e.startsWith('&') || e.startsWith('*')) e = e.slice(1);
  if (e.startsWith('(') && e.endsWith(')')) e = e.slice(1, -1);
  if (/^[A-Za-z_]\w*$/.test(e)) {
    if (e === 'current') return 'task_struct';
    return env.varType(e);
  }
  const call = /^([A-Za-z_]\w*)\((.*)\)$/.exec(e);
  if (call) {
    const t = ACCESSOR_TYPES[call[1]];
    return t ? t : undefined;
  }
  const sp = splitLast(e);
  if (sp) {
    const bt = typeOfExpr(sp.base, env, structs, depth + 1);
    if (!bt) return undefined;
    return structs.fieldType(bt, sp.field.replace(/\[.*$/, ''));
  }
  return undefined;
}

/** The lockdep-style class of a lock instance expression. */
export function classOf(instance: string, env: TypeEnv, structs: StructTable, wrappers: ReadonlyMap<string, string> = DEFAULT_WRAPPERS): string {
  const sp = splitLast(instance);
  if (!sp) return instance; // a global lock: its name is its class
  const field = sp.field.replace(/\[.*$/, '');
  const t = typeOfExpr(sp.base, env, structs);
  if (t && wrappers.get(t) === field) {
    // the lock inside a wrapper: the class is the field holding the wrapper, when that is known
    const outer = classOf(unparen(sp.base), env, structs, wrappers);
    if (outer.includes('.')) return outer;
  }
  return t ? `${t}.${field}` : field;
}
