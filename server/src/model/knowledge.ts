// One object holding everything the engine knows about the kernel: built-in
// tables merged with the user's `.lockorder`. Lookups by callee name only.
import { BUILTIN_LOCK_APIS, GUARD_TYPES, LockApi } from './lockApi';
import { BUILTIN_FAULT_APIS, BUILTIN_SLEEP_APIS, FaultApi, NOFAULT_SUFFIX, GFP_ALLOCATORS, ATOMIC_GFP } from './faultApi';
import { BUILTIN_ORDERS, OrderChain } from './order';
import { emptyConfig, LockorderConfig } from './config';
import { FsTypes } from './fsTypes';
import { BUILTIN_LOCK_WRAPPERS } from './classes';
import { BUILTIN_GLOCK_ORIGINS, GlockOrigin } from './glocks';
import { BUILTIN_VALUE_APIS } from './valueApi';

export class Knowledge {
  private readonly locks = new Map<string, LockApi>();
  private readonly faults = new Map<string, FaultApi>();
  private readonly sleeps = new Set<string>();
  private readonly noFault = new Set<string>();
  private readonly parityKept = new Map<string, readonly number[]>();
  readonly orders: OrderChain[];
  readonly config: LockorderConfig;
  /** per-filesystem-type lock classes and which filesystem a file's code is */
  readonly fsTypes: FsTypes;
  /** wrapper lock types (classes.ts): type -> the lock field inside it */
  readonly lockWrappers: ReadonlyMap<string, string>;
  /** gfs2 glocks classed by the field they are reached through (glocks.ts); the user's first */
  readonly glockOrigins: readonly GlockOrigin[];

  constructor(config: LockorderConfig = emptyConfig()) {
    this.config = config;
    for (const a of BUILTIN_LOCK_APIS) this.locks.set(a.name, a);
    for (const a of config.locks) this.locks.set(a.name, a); // user entries override
    for (const f of BUILTIN_FAULT_APIS) this.faults.set(f.name, f);
    for (const f of config.mayFault) this.faults.set(f.name, f);
    for (const s of BUILTIN_SLEEP_APIS) this.sleeps.add(s);
    for (const s of config.maySleep) this.sleeps.add(s);
    for (const n of config.noFault) { this.noFault.add(n); this.faults.delete(n); }
    for (const v of BUILTIN_VALUE_APIS) this.parityKept.set(v.name, v.keepsParity);
    for (const v of config.valueApis ?? []) this.parityKept.set(v.name, v.keepsParity); // user entries override
    this.orders = [...BUILTIN_ORDERS, ...config.orders];
    this.fsTypes = new FsTypes(config.perFsClasses ?? []);
    this.glockOrigins = [...(config.glockOrigins ?? []), ...BUILTIN_GLOCK_ORIGINS];
    this.lockWrappers = new Map([...Object.entries(BUILTIN_LOCK_WRAPPERS), ...(config.lockWrappers ?? []).map((w): [string, string] => [w.type, w.field])]);
  }

  lockApi(name: string): LockApi | undefined {
    return this.locks.get(name);
  }

  /** The arguments (`&x`) whose low bit a call leaves as it was (valueApi.ts). */
  keepsParity(name: string): readonly number[] | undefined {
    return this.parityKept.get(name);
  }

  guard(type: string): { acquire: string; release: string; try?: string } | undefined {
    return GUARD_TYPES[type];
  }

  faultApi(name: string): FaultApi | undefined {
    if (this.noFault.has(name) || NOFAULT_SUFFIX.test(name)) return undefined;
    return this.faults.get(name);
  }

  /** Does a call sleep? (lock acquisitions of sleeping kinds are judged by the caller from the lock table) */
  maySleep(name: string, args: readonly string[]): boolean {
    if (this.sleeps.has(name)) return true;
    if (GFP_ALLOCATORS.test(name)) {
      const gfp = args.find((a) => /GFP_|gfp/.test(a));
      return gfp !== undefined && !ATOMIC_GFP.test(gfp) && /GFP_KERNEL|GFP_NOFS|GFP_USER|GFP_NOIO|GFP_HIGHUSER/.test(gfp);
    }
    return false;
  }
}
