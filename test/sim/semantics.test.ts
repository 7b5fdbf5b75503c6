import * as assert from 'assert';
import { compatible } from '../../server/src/sim/semantics';
import { explore } from '../../server/src/sim/explore';
import { lock, prog, scenario } from '../../server/src/sim/builder';
import { LockMode } from '../../server/src/sim/program';

describe('sim: lock compatibility', () => {
  it('gfs2 glock follows may_grant(): SH–SH, DF–DF only', () => {
    const modes: LockMode[] = ['SH', 'DF', 'EX'];
    const table = modes.map((h) => modes.map((r) => (compatible('glock', h, r) ? 'Y' : 'N')).join('')).join(' ');
    assert.strictEqual(table, 'YNN NYN NNN');
  });

  it('rw kinds: readers share, writers exclude; mutex/spinlock exclude everything', () => {
    for (const kind of ['rwsem', 'rwlock', 'percpu_rwsem'] as const) {
      assert.ok(compatible(kind, 'R', 'R') && compatible(kind, 'RR', 'R') && compatible(kind, 'R', 'RR'));
      assert.ok(!compatible(kind, 'W', 'R') && !compatible(kind, 'R', 'W') && !compatible(kind, 'W', 'W'));
    }
    assert.ok(!compatible('mutex', 'R', 'R') && !compatible('spinlock', 'W', 'W'));
  });

  it('glock waiters are granted in strict queue order', () => {
    // T0 holds SH; T1 queues for DF (blocked by SH); T2 then asks SH: compatible with the holder,
    // but must queue behind T1. T0 then waits for T2's lock -> T0 → T2 → T1 → T0.
    const sc = scenario({
      threads: [['T0', 'a'], ['T1', 'b'], ['T2', 'c']],
      programs: [
        prog('a').acquire('G', 'SH').acquire('X', 'W').release('X').release('G'),
        prog('b').acquire('G', 'DF').release('G'),
        prog('c').acquire('X', 'W').acquire('G', 'SH').release('G').release('X'),
      ],
      locks: [lock('G', 'glock'), lock('X', 'mutex')],
    });
    const r = explore(sc);
    assert.strictEqual(r.verdict, 'deadlock', r.summary);
    assert.ok(r.cycle?.some((e) => e.thread === 'T2' && e.heldBy === 'T1' && e.via === 'queued-waiter'));
  });

  it("faults take the mmap_lock of the faulting thread's own mm", () => {
    const mk = (mm?: string) =>
      scenario({
        threads: [mm ? { name: 'T0', program: 'walk', mm } : ['T0', 'walk'], ['T1', 'munmap']],
        programs: [
          prog('walk').acquire('mm.mmap_lock', 'R').fault('anon').release('mm.mmap_lock'),
          prog('munmap').acquire('mm.mmap_lock', 'W').release('mm.mmap_lock'),
        ],
        locks: [lock('mm.mmap_lock', 'rwsem'), lock('mm2.mmap_lock', 'rwsem')],
      });
    assert.strictEqual(explore(mk()).verdict, 'deadlock');
    assert.strictEqual(explore(mk('mm2.mmap_lock')).verdict, 'no-deadlock');
  });

  it('pagefault_disable suppresses the fault; nofault on any iterator too', () => {
    const mk = (guard: 'pf' | 'nofault' | 'none') => {
      const p = prog('walk').acquire('mm.mmap_lock', 'R');
      if (guard === 'pf') p.pagefaultDisable();
      if (guard === 'nofault') p.nofault('from', true);
      p.fault('anon');
      if (guard === 'pf') p.pagefaultEnable();
      if (guard === 'nofault') p.nofault('from', false);
      p.release('mm.mmap_lock');
      return scenario({
        threads: [['T0', 'walk'], ['T1', 'munmap']],
        programs: [p, prog('munmap').acquire('mm.mmap_lock', 'W').release('mm.mmap_lock')],
        locks: [lock('mm.mmap_lock', 'rwsem')],
      });
    };
    assert.strictEqual(explore(mk('none')).verdict, 'deadlock');
    assert.strictEqual(explore(mk('pf')).verdict, 'no-deadlock');
    assert.strictEqual(explore(mk('nofault')).verdict, 'no-deadlock');
  });
});
