/**
 * Random small lock programs for property tests: 2–3 threads over 2–4 locks
 * (mutex, spinlock, rwsem R/W, rwlock RR/W, glock EX/SH/DF), with branches,
 * trylocks, bounded loops, faults (into a handler that takes a lock),
 * may-sleep calls, pagefault_disable regions, gfs2 allow_demote regions and
 * holder_queued; on unlimited CPUs, 1 CPU or 2 CPUs.
 */
import * as fc from 'fast-check';
import { lock, prog, ProgramBuilder, scenario } from '../../server/src/sim/builder';
import { LockKind, LockMode, Scenario } from '../../server/src/sim/program';

export type Stmt =
  | { k: 'acq'; lock: number; mode: number }
  | { k: 'rel'; lock: number }
  | { k: 'try'; lock: number; mode: number; then: Stmt[]; else: Stmt[] }
  | { k: 'if'; a: Stmt[]; b: Stmt[] }
  | { k: 'loop'; body: Stmt[] }
  | { k: 'fault' }
  | { k: 'sleep' }
  | { k: 'nofault'; body: Stmt[] }
  | { k: 'demote'; lock: number; body: Stmt[] }
  | { k: 'queued'; lock: number; a: Stmt[]; b: Stmt[] };

export interface GenSpec {
  kinds: LockKind[];
  threads: Stmt[][];
  handler: Stmt[];
  leak: boolean;
  /** undefined: unlimited CPUs. */
  cpus?: number;
}

const MODES: Record<LockKind, LockMode[]> = {
  mutex: ['W'],
  spinlock: ['W'],
  rwsem: ['R', 'W'],
  percpu_rwsem: ['R', 'W'],
  rwlock: ['RR', 'W'],
  glock: ['SH', 'DF', 'EX'],
  pseudo: ['R', 'W'],
};

function stmtArb(depth: number): fc.Arbitrary<Stmt> {
  const lockIx = fc.nat(3);
  const mode = fc.nat(2);
  const leaf: fc.Arbitrary<Stmt>[] = [
    fc.record({ k: fc.constant('acq' as const), lock: lockIx, mode }),
    fc.record({ k: fc.constant('acq' as const), lock: lockIx, mode }),
    fc.record({ k: fc.constant('rel' as const), lock: lockIx }),
    fc.record({ k: fc.constant('rel' as const), lock: lockIx }),
    fc.constant({ k: 'fault' as const }),
    fc.constant({ k: 'sleep' as const }),
  ];
  if (depth <= 0) return fc.oneof(...leaf);
  const block = fc.array(stmtArb(depth - 1), { maxLength: 2 });
  return fc.oneof(
    { weight: 6, arbitrary: fc.oneof(...leaf) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('try' as const), lock: lockIx, mode, then: block, else: block }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('if' as const), a: block, b: block }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('loop' as const), body: block }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('nofault' as const), body: block }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('demote' as const), lock: lockIx, body: block }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('queued' as const), lock: lockIx, a: block, b: block }) },
  );
}

export function genSpec(): fc.Arbitrary<GenSpec> {
  const kind = fc.constantFrom<LockKind>('mutex', 'spinlock', 'spinlock', 'rwsem', 'rwsem', 'rwlock', 'glock', 'glock');
  return fc.record(
    {
      kinds: fc.array(kind, { minLength: 2, maxLength: 4 }),
      threads: fc.array(fc.array(stmtArb(2), { minLength: 1, maxLength: 5 }), { minLength: 2, maxLength: 3 }),
      handler: fc.array(stmtArb(0), { maxLength: 2 }),
      leak: fc.boolean(),
      cpus: fc.constantFrom(1, 1, 2),
    },
    { requiredKeys: ['kinds', 'threads', 'handler', 'leak'] },
  );
}

/**
 * CPU-heavy variant: spinlocks / rwlocks mixed with sleeping locks, may-sleep
 * calls and faults, 3–4 threads on 1 or 2 CPUs (so that CPUs can run out).
 */
export function genCpuSpec(): fc.Arbitrary<GenSpec> {
  const kind = fc.constantFrom<LockKind>('spinlock', 'spinlock', 'rwlock', 'mutex', 'mutex', 'rwsem');
  return fc.record({
    kinds: fc.array(kind, { minLength: 2, maxLength: 3 }),
    threads: fc.array(fc.array(stmtArb(2), { minLength: 1, maxLength: 4 }), { minLength: 3, maxLength: 4 }),
    handler: fc.array(stmtArb(0), { maxLength: 2 }),
    leak: fc.boolean(),
    cpus: fc.constantFrom(1, 2, 2),
  });
}

export function toScenario(g: GenSpec): Scenario {
  const nLocks = g.kinds.length;
  const lockId = (i: number): string => `L${i % nLocks}`;
  const modeOf = (i: number, m: number): LockMode => {
    const ms = MODES[g.kinds[i % nLocks]];
    return ms[m % ms.length];
  };
  let label = 0;
  const emit = (b: ProgramBuilder, body: Stmt[]): void => {
    for (const s of body) {
      const k = label++;
      switch (s.k) {
        case 'acq':
          b.acquire(lockId(s.lock), modeOf(s.lock, s.mode));
          break;
        case 'rel':
          b.release(lockId(s.lock));
          break;
        case 'fault':
          b.fault('f');
          break;
        case 'sleep':
          b.sleep('msleep');
          break;
        case 'try':
          b.trylock(lockId(s.lock), modeOf(s.lock, s.mode), `else${k}`);
          emit(b, s.then);
          b.release(lockId(s.lock)).goto(`join${k}`).label(`else${k}`);
          emit(b, s.else);
          b.label(`join${k}`).noop();
          break;
        case 'if':
          b.branch(`a${k}`, `b${k}`).label(`a${k}`);
          emit(b, s.a);
          b.goto(`join${k}`).label(`b${k}`);
          emit(b, s.b);
          b.label(`join${k}`).noop();
          break;
        case 'loop':
          b.label(`head${k}`).branch(`body${k}`, `exit${k}`).label(`body${k}`);
          emit(b, s.body);
          b.goto(`head${k}`).label(`exit${k}`).noop();
          break;
        case 'nofault':
          b.pagefaultDisable().nofault('it', true);
          emit(b, s.body);
          b.nofault('it', false).pagefaultEnable();
          break;
        case 'demote':
          b.allowDemote(lockId(s.lock)).faultIn('f');
          emit(b, s.body);
          b.disallowDemote(lockId(s.lock));
          break;
        case 'queued':
          b.holderQueued(lockId(s.lock), `q${k}`, `n${k}`).label(`q${k}`);
          emit(b, s.a);
          b.goto(`join${k}`).label(`n${k}`);
          emit(b, s.b);
          b.label(`join${k}`).noop();
          break;
      }
    }
  };
  const programs = g.threads.map((body, i) => {
    const b = prog(`p${i}`);
    emit(b, body);
    return b;
  });
  const handler = prog('handler');
  emit(handler, g.handler);
  return scenario({
    threads: g.threads.map((_, i) => [`T${i}`, `p${i}`] as [string, string]),
    programs: [...programs, handler],
    locks: g.kinds.map((k, i) => lock(`L${i}`, k)),
    faultHandlers: { f: 'handler' },
    leakedLockIsDeadlock: g.leak,
    cpus: g.cpus,
  });
}
