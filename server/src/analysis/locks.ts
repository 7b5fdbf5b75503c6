// From a call and its lock-table entry to concrete lock references: the
// normalised instance (local aliases followed), its class and mode.
import type { FlagLock, LockApi, LockKind, Mode } from '../model/lockApi';
import { GLOCK_STATES } from '../model/lockApi';
import { baseClass, classOf, DEFAULT_WRAPPERS, StructTable, TypeEnv, splitLast, typeOfExpr, unparen } from '../model/classes';
import { BUILTIN_GLOCK_ORIGINS, GlockOrigin, INODE_GLOCK_CLASS } from '../model/glocks';
import { lockObject, rootVar } from '../parse/exprs';
import type { Call, FunctionIR } from './ir';

/** `lockdep_set_class(&sdp->sd_quota_inode->i_rwsem, &gfs2_quota_imutex_key)`: field path and key. */
export interface ClassKey { viaField: string; lockField: string; cls: string; file: string }

export interface LockRef {
  inst: string;
  cls: string;
  kind: LockKind;
  mode: Mode;
  via: string;
  /** instance indexed by a variable (`a[i]->lock`): distinct objects per iteration */
  indexed: boolean;
}

const KIND_OF_TYPE: Record<string, LockKind> = {
  mutex: 'mutex', spinlock_t: 'spinlock', raw_spinlock_t: 'spinlock', rwlock_t: 'rwlock', rw_semaphore: 'rwsem',
  percpu_rw_semaphore: 'percpu_rwsem', seqlock_t: 'seqlock', semaphore: 'semaphore',
};

export class Resolver implements TypeEnv {
  constructor(
    private readonly fn: FunctionIR,
    private readonly structs: StructTable,
    private readonly globals: ReadonlyMap<string, string>,
    private readonly classKeys: readonly ClassKey[] = [],
    private readonly wrappers: ReadonlyMap<string, string> = DEFAULT_WRAPPERS,
    private readonly glockOrigins: readonly GlockOrigin[] = BUILTIN_GLOCK_ORIGINS,
  ) {
    for (const [t, f] of wrappers) this.wrapperClasses.set(`${t}.${f}`, f);
  }

  /**
   * The class of a glock by the way the code reaches it (model/glocks.ts): `GFS2_I(sdp->sd_rindex)->i_gl`
   * (local aliases followed) is `gfs2_glock.sd_rindex`, `sdp->sd_jinode_gl` `gfs2_glock.jd_inode`;
   * undefined for any other glock (a user inode's `ip->i_gl` keeps `gfs2_glock.i_gl`).
   */
  glockOrigin(gl: string): string | undefined {
    const sp = splitLast(unparen(gl));
    if (!sp) return undefined;
    let holds: 'inode' | 'glock' = 'glock';
    let at = sp;
    if (sp.field === 'i_gl') {
      // the inode: GFS2_I(x) (or a gfs2_inode pointer whose alias is one)
      const ip = unparen(sp.base);
      const m = /^GFS2_I\((.*)\)$/.exec(ip);
      const inner = m ? splitLast(unparen(m[1])) : undefined;
      if (!inner) return undefined;
      holds = 'inode';
      at = inner;
    }
    const o = this.glockOrigins.find((x) => x.field === at.field && x.holds === holds);
    if (!o) return undefined;
    const owner = typeOfExpr(at.base, this, this.structs);
    return owner === undefined || owner === o.struct ? o.cls : undefined;
  }

  /** `f2fs_rwsem.internal_rwsem` -> `internal_rwsem`: the classes of locks inside wrapper types, before refinement */
  private readonly wrapperClasses = new Map<string, string>();

  /**
   * A callee's class for a lock inside a wrapper type (`f2fs_rwsem.internal_rwsem`, named through its
   * parameter) becomes, at the call, the class of the field holding the wrapper in the caller's terms:
   * f2fs_down_read(&sbi->cp_rwsem) takes `f2fs_sb_info.cp_rwsem`. A lock reached through a field that
   * lockdep_set_class gives its own key (`inode->file_extent_tree` passed to a helper that takes
   * `$0->lock`) has the key's class. Any other class is kept.
   */
  refineClass(cls: string, template: string, args: readonly string[]): string {
    const c = this.refineWrapped(cls, template, args);
    // a lock the workspace gives its own lockdep key (lockdep_set_class), reached at this call through
    // the keyed field: the key's class, as when the caller takes it directly (refs()). A lock inside a
    // wrapper keeps the class of the field holding the wrapper, refined here or already by a callee
    // (f2fs keys `sbi->cp_global_sem` per superblock: no finer than `f2fs_sb_info.cp_global_sem`, the
    // class its every f2fs_down_write() gets, whichever function's summary carries it).
    if (c !== cls || !this.classKeys.length) return c;
    const inst = this.instance(template, args);
    return this.insideWrapper(inst) ? cls : this.keyed(inst, cls);
  }

  /** `sbi->cp_global_sem.internal_rwsem`: the lock field of a wrapper type (by the field's name when the type is unknown). */
  private insideWrapper(inst: string): boolean {
    const sp = splitLast(inst);
    if (!sp) return false;
    const field = sp.field.replace(/\[.*$/, '');
    const t = typeOfExpr(sp.base, this, this.structs);
    if (t !== undefined) return this.wrappers.get(t) === field;
    return [...this.wrappers.values()].includes(field);
  }

  private refineWrapped(cls: string, template: string, args: readonly string[]): string {
    const base = baseClass(cls);
    if (base === INODE_GLOCK_CLASS) {
      // an inode glock named through a parameter (`ip->i_gl`): a system inode's at this call has its own class
      const c = this.glockOrigin(this.instance(template, args));
      return c ? c + cls.slice(base.length) : cls;
    }
    if (!this.wrapperClasses.has(base)) return cls;
    // the arguments as written first (`sbi` declared here), then with local aliases followed
    const raw = this.substitute(template, args);
    for (const e of [raw, this.expand(raw)]) {
      const c = classOf(e, this, this.structs, this.wrappers);
      if (c.includes('.') && c !== base) return c + cls.slice(base.length);
    }
    return cls;
  }

  /**
   * A callee's may-release class names `h` too: the same class, or the unrefined wrapper class
   * (`f2fs_rwsem.internal_rwsem`) of a held lock inside a wrapper, whatever field holds it.
   */
  wrapperClassCovers(cls: string, h: { inst: string; cls?: string }): boolean {
    // an inode glock released through a parameter may be a system inode's, whatever its class at the caller
    if (baseClass(cls) === INODE_GLOCK_CLASS) return h.cls !== undefined && this.glockOrigins.some((o) => o.cls === baseClass(h.cls!));
    const f = this.wrapperClasses.get(baseClass(cls));
    return f !== undefined && (splitLast(h.inst)?.field === f);
  }

  /** A lock given its own lockdep key, reached through the same field, belongs to that key's class. */
  private keyed(inst: string, cls: string): string {
    for (const k of this.classKeys) {
      if (inst.endsWith(`${k.lockField}`) && new RegExp(`[>.]${k.viaField}\\b`).test(inst)) return k.cls;
    }
    return cls;
  }

  varType(name: string): string | undefined {
    const p = this.fn.params.find((x) => x.name === name);
    if (p) return p.type;
    return this.fn.locals[name] ?? this.globals.get(name);
  }

  /** expand() results: a pure function of the text for this function (the dataflow asks for the same paths at every step) */
  private readonly expanded = new Map<string, string>();

  /** Follow single-assignment local aliases at the root of an access path. */
  expand(expr: string): string {
    let e = this.expanded.get(expr);
    if (e === undefined) { e = this.expandUncached(expr); this.expanded.set(expr, e); }
    return e;
  }

  private expandUncached(expr: string): string {
    let e = lockObject(expr);
    for (let i = 0; i < 4; i++) {
      const root = rootVar(e);
      if (!root) break;
      const alias = this.fn.aliases[root];
      if (!alias || new RegExp(`\\b${root}\\b`).test(alias)) break;
      const idx = e.indexOf(root);
      const rest = e.slice(idx + root.length);
      if (alias.startsWith('&') && rest.startsWith('->')) {
        // fiq = &fc->iq; fiq->lock  is  fc->iq.lock
        e = lockObject(e.slice(0, idx) + lockObject(alias) + '.' + rest.slice(2));
        continue;
      }
      e = lockObject(e.slice(0, idx) + `(${alias})` + rest);
      e = e.replace(/^\(([^()]*(?:\([^()]*\))?[^()]*)\)(?=->|\.|$)/, '$1');
    }
    // `&x->f` inside: normalise `(&a->b)->c` forms and the `(*p).f` spelling
    e = e.replace(/\(\*([A-Za-z_]\w*)\)\./g, '$1->');
    return e;
  }

  instance(template: string, args: readonly string[]): string {
    return this.expand(this.substitute(template, args));
  }

  /** A template with the call's arguments put in, local aliases not followed. */
  private substitute(template: string, args: readonly string[]): string {
    const out = template.replace(/\$(\d)/g, (_, d: string) => {
      const a = args[Number(d)] ?? '?';
      const o = lockObject(a);
      return /^[\w]+$/.test(o) || /^[\w]+\(.*\)$/.test(o) ? o : `(${o})`;
    });
    return out.replace(/(?<![\w)\]])\(([A-Za-z_][\w]*(?:->[\w]+|\.[\w]+)*)\)/g, '$1');
  }

  classFor(api: LockApi | undefined, inst: string, raw: string, clsOverride?: string): string {
    if (clsOverride) return clsOverride;
    if (api?.cls) return api.cls;
    const c1 = classOf(lockObject(raw), this, this.structs, this.wrappers);
    if (c1.includes('.') || !splitLast(lockObject(raw))) return c1;
    const c2 = classOf(inst, this, this.structs, this.wrappers);
    return c2.includes('.') ? c2 : c1;
  }

  kindFor(api: LockApi, inst: string, raw: string): LockKind {
    if (api.kind) return api.kind;
    // lockdep_assert_held(&x): kind from the declared type of the field / global
    const declared = this.declaredKind(raw) ?? this.declaredKind(inst);
    if (declared) return declared;
    // might_lock(&x) of a lock of unknown type: it sits where the code may take x, in the same context, so
    // it is not a sleeping lock taken in atomic context by its author's own account (a spinlock, say)
    return api.op === 'might' ? 'spinlock' : 'mutex';
  }

  /**
   * Lock kind from the declared type of a struct field (`spinlock_t cl_lock;`), a global, or a
   * parameter or local (`spinlock_t *ptl`: mm's page-table locks are passed around as pointers), if known.
   */
  declaredKind(expr: string): LockKind | undefined {
    const t = typeOfExpr(lockObject(expr), this, this.structs);
    return t ? KIND_OF_TYPE[t] : undefined;
  }

  /** Lock references named by a call through a lock-table entry (several for flag masks and *_two calls). */
  refs(api: LockApi, call: Call): LockRef[] {
    const out: LockRef[] = [];
    if (api.flags && api.flagArg !== undefined) {
      let flagText = call.args[api.flagArg] ?? '';
      // a flags variable assigned once from constants (uint iolock = XFS_IOLOCK_EXCL | ...)
      if (/^[a-z_]\w*$/.test(flagText) && this.fn.aliases[flagText]) flagText = this.fn.aliases[flagText];
      for (const [flag, fs] of Object.entries(api.flags)) {
        if (!new RegExp(`\\b${flag}\\b`).test(flagText)) continue;
        for (const f of Array.isArray(fs) ? fs : [fs as FlagLock]) {
          // `$0` is the lock owner argument (the inode of xfs_ilock(ip, ...), of xfs_trans_ijoin(tp, ip, ...))
          const inst = this.instance(f.instance, api.arg > 0 ? [call.args[api.arg] ?? '?', ...call.args.slice(1)] : call.args);
          out.push({ inst, cls: f.cls, kind: f.kind, mode: f.mode, via: call.name, indexed: isIndexed(inst) });
        }
      }
      return out;
    }
    const argIdx = [api.arg, ...(api.alsoArgs ?? [])];
    for (const i of argIdx) {
      const raw = i >= 0 ? (call.args[i] ?? '') : '';
      // `$0` in a template is the lock argument itself
      const inst = i >= 0 ? this.instance(api.instance ?? '$0', [raw, ...call.args.slice(1)]) : (api.instance ?? api.name);
      let cls = this.classFor(api, inst, api.instance ? inst : raw);
      if (api.subclassArg !== undefined && call.args[api.subclassArg]) cls = `${cls}/${call.args[api.subclassArg]}`;
      out.push({ inst: normIndex(inst), cls: this.keyed(inst, cls), kind: this.kindFor(api, inst, raw), mode: api.mode ?? 'W', via: call.name, indexed: isIndexed(inst) });
    }
    return out;
  }

  /** The glock instance and class from a holder_init / nq_init call. */
  glock(api: LockApi, call: Call): { gl: string; cls: string; mode: Mode; tryFlag: boolean } {
    const glIdx = api.op === 'holder_init' && api.name === 'gfs2_holder_reinit' ? -1 : 0;
    const glRaw = glIdx >= 0 ? call.args[glIdx] ?? '?' : '?';
    const gl = this.expand(glRaw);
    const field = splitLast(gl)?.field ?? gl;
    const cls = this.glockOrigin(gl) ?? `gfs2_glock.${field}`;
    const state = call.args[api.stateArg ?? 1] ?? '';
    const mode = GLOCK_STATES[state] ?? 'EX';
    const flags = call.args[api.glockFlagsArg ?? 2] ?? '';
    return { gl, cls, mode, tryFlag: /LM_FLAG_TRY/.test(flags) };
  }

  holderName(call: Call, api: LockApi): string {
    return this.expand(call.args[api.arg] ?? '?');
  }

  /** Instance named by a context annotation or an assertion argument. */
  annotationInstance(arg: string): string {
    const e = this.expand(arg);
    // sparse's pseudo-lock for rcu_read_lock(): __acquires(RCU), __releases(RCU)
    const rcu = /^(rcu|rcu_bh|rcu_sched)$/i.exec(e);
    if (rcu) return rcu[1].toLowerCase();
    return this.annotationAliases.get(e) ?? e;
  }

  /**
   * Annotation instance -> the instance the function's own lock calls use for it
   * (`__releases(&fsnotify_mark_srcu)` vs `srcu_read_unlock(&fsnotify_mark_srcu, idx)`),
   * filled in by the dataflow before it reads the annotations.
   */
  readonly annotationAliases = new Map<string, string>();
}

/**
 * An instance that names a different lock per value of a variable: `a[i]->lock`,
 * `sb->s_writers.rw_sem + level`.
 */
export function isIndexed(inst: string): boolean {
  return /\[[^\]\d]/.test(inst) || /[+-]\s*[A-Za-z_]\w*(?![\w(>])/.test(inst);
}

/** `a[i]->lock` and `a[j]->lock` are the same shape: index variables become `*`. */
export function normIndex(inst: string): string {
  return inst.replace(/\[([^\]]*)\]/g, (m, idx: string) => (/^\d+$/.test(idx) ? m : '[*]'));
}
