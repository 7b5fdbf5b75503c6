// The CPU model (Scenario.cpus): spinlock holders that sleep lose their CPU to
// threads spinning on their lock.
import * as assert from 'assert';
import { explore, exploreBruteForce, replaySchedule } from '../../server/src/sim/explore';
import { lock, prog, scenario } from '../../server/src/sim/builder';
import { ProgramBuilder } from '../../server/src/sim/builder';
import { ExploreResult } from '../../server/src/sim/result';
import { Scenario } from '../../server/src/sim/program';
import { deadlockLine, renderTimeline } from '../../server/src/sim/timeline';

const S = lock('S', 'spinlock', 'sbi->stat_lock (toy_sb.stat_lock)');
const M = lock('M', 'mutex', 'ctx->mutex');

/** copy_to_user() under spin_lock(), as in test-fixtures/atomic/toy_ioctl.c. */
const statsBuggy = (): ProgramBuilder =>
  prog('get_stats', 'toy_ioctl.c')
    .acquire('S', 'W', { line: 14, text: 'spin_lock(&sbi->stat_lock)' })
    .fault('file', { line: 15, text: 'copy_to_user(arg, &sbi->free_blocks, 8)' }, 'copy_to_user')
    .release('S', { line: 17, text: 'spin_unlock(&sbi->stat_lock)' });

const statsFixed = (): ProgramBuilder =>
  prog('get_stats', 'toy_ioctl.c')
    .acquire('S', 'W', { line: 25, text: 'spin_lock(&sbi->stat_lock)' })
    .release('S', { line: 27, text: 'spin_unlock(&sbi->stat_lock)' })
    .fault('file', { line: 28, text: 'copy_to_user(arg, &free, 8)' }, 'copy_to_user');

function stats(p: ProgramBuilder, threads: number, cpus?: number): Scenario {
  return scenario({
    title: 'get_stats',
    threads: Array.from({ length: threads }, (_, i) => [`T${i}`, 'get_stats'] as [string, string]),
    programs: [p, prog('handler')],
    locks: [S],
    faultHandlers: { file: 'handler' },
    cpus,
  });
}

function both(sc: Scenario): ExploreResult {
  const r = explore(sc);
  const b = exploreBruteForce(sc);
  assert.strictEqual(r.verdict, b.verdict, `reduced ${r.summary} vs brute ${b.summary}`);
  return r;
}

describe('sim: CPUs — sleeping in atomic context', () => {
  it('copy_to_user() under a spinlock hangs on one CPU: the sleeper cannot get its CPU back from the spinner', () => {
    const sc = stats(statsBuggy(), 2, 1);
    const r = both(sc);
    assert.strictEqual(r.verdict, 'deadlock', r.summary);
    assert.strictEqual(r.steps, 2);
    assert.deepStrictEqual(r.cycle?.map((e) => [e.thread, e.via, e.waitsFor, e.heldBy]), [
      ['T0', 'cpu', 'CPU', 'T1'],
      ['T1', 'holder', 'S', 'T0'],
    ]);
    assert.deepStrictEqual(r.cycle?.[0].cpu, { cpus: 1, occupiedBy: [{ thread: 'T1', spinsOn: 'S' }], offCpu: 'sleeps in copy_to_user()', holding: ['S'] });
    assert.strictEqual(r.cycle?.[0].heldMode, 'spinning on S');
    const w = r.witness ?? [];
    const sleep = w.find((s) => s.op === 'sleep');
    assert.ok(sleep && sleep.thread === 'T0' && sleep.pos?.line === 15, JSON.stringify(w));
    assert.match(sleep.note ?? '', /copy_to_user: the page fault sleeps holding sbi->stat_lock/);
    const spin = w[w.length - 1];
    assert.deepStrictEqual([spin.thread, spin.op, spin.lock, spin.pos?.line], ['T1', 'wait', 'S', 14]);
    assert.strictEqual(
      deadlockLine(r, sc),
      '*** DEADLOCK: T0 sleeps in copy_to_user() holding sbi->stat_lock (spinlock); T1 spins on it on the only CPU, so T0 never gets a CPU back ***',
    );
    const text = renderTimeline(r, sc);
    assert.match(text, /SLEEP: copy_to_user: the page fault sleeps holding/);
    assert.match(text, /SPIN on sbi->stat_lock \(W\), keeping its CPU/);
    // the schedule replays to the same story
    const again = replaySchedule(sc, r.schedule ?? []);
    assert.deepStrictEqual(again.cycle, r.cycle);
  });

  it('no hang with unlimited CPUs, nor with as many CPUs as threads', () => {
    for (const [threads, cpus] of [[2, undefined], [2, 2], [3, 3]] as const) {
      const r = both(stats(statsBuggy(), threads, cpus));
      assert.strictEqual(r.verdict, 'no-deadlock', `${threads} threads, ${cpus} CPUs: ${r.summary}`);
    }
  });

  it('on two CPUs it takes two spinners: "both CPUs are taken by T1, T2"', () => {
    const sc = stats(statsBuggy(), 3, 2);
    const r = both(sc);
    assert.strictEqual(r.verdict, 'deadlock', r.summary);
    const cpuEdge = r.cycle?.find((e) => e.via === 'cpu');
    assert.deepStrictEqual(cpuEdge?.cpu?.occupiedBy.map((o) => o.thread), ['T1', 'T2']);
    assert.match(deadlockLine(r, sc), /T0 sleeps in copy_to_user\(\) holding sbi->stat_lock \(spinlock\); T\d spins on it; both CPUs are taken by T1, T2, so T0 never gets a CPU back/);
  });

  it('the fixed version (copy after the unlock) does not hang, on one CPU or two', () => {
    for (const [threads, cpus] of [[2, 1], [3, 1], [3, 2]] as const) {
      const r = both(stats(statsFixed(), threads, cpus));
      assert.strictEqual(r.verdict, 'no-deadlock', r.summary);
      assert.match(r.summary, /exhaustive/);
    }
  });

  it('pagefault_disable() around the copy: the fault does not run, no sleep, no hang', () => {
    const p = prog('get_stats').acquire('S', 'W').pagefaultDisable().fault('file', undefined, 'copy_to_user').pagefaultEnable().release('S');
    assert.strictEqual(both(stats(p, 2, 1)).verdict, 'no-deadlock');
  });

  it('an explicit may-sleep call (msleep) under a spinlock hangs the same way', () => {
    const sc = stats(prog('get_stats').acquire('S', 'W').sleep('msleep', { line: 3, text: 'msleep(10)' }).release('S'), 2, 1);
    const r = both(sc);
    assert.strictEqual(r.verdict, 'deadlock');
    assert.strictEqual(r.cycle?.[0].cpu?.offCpu, 'sleeps in msleep()');
    assert.match(deadlockLine(r, sc), /^\*\*\* DEADLOCK: T0 sleeps in msleep\(\) holding sbi->stat_lock \(spinlock\); T1 spins on it on the only CPU/);
  });

  it('sleeping outside atomic context is harmless on one CPU (and a no-op with unlimited CPUs)', () => {
    const p = prog('get_stats').sleep('msleep').acquire('S', 'W').release('S').sleep('schedule');
    for (const cpus of [undefined, 1]) assert.strictEqual(both(stats(p, 3, cpus)).verdict, 'no-deadlock');
    // the sleep op adds no states when CPUs are unlimited
    const withSleep = explore(stats(p, 2));
    const without = explore(stats(prog('get_stats').acquire('S', 'W').release('S'), 2));
    assert.strictEqual(withSleep.states, without.states);
  });

  it('waiting for a mutex while holding a spinlock: the mutex holder is preempted and never runs again', () => {
    // T0 holds the mutex (preemptible); T1 takes the spinlock and sleeps on the mutex;
    // T2 spins on the spinlock on the only CPU, so T0 never gets to unlock.
    const sc = scenario({
      threads: [['T0', 'holder'], ['T1', 'sleeper'], ['T2', 'spinner']],
      programs: [
        prog('holder').acquire('M', 'W', { text: 'mutex_lock(&ctx->mutex)' }).noop({ text: 'work' }).release('M', { text: 'mutex_unlock(&ctx->mutex)' }),
        prog('sleeper').acquire('S', 'W', { text: 'spin_lock(&sbi->stat_lock)' }).acquire('M', 'W', { text: 'mutex_lock(&ctx->mutex)' }).release('M').release('S'),
        prog('spinner').acquire('S', 'W', { text: 'spin_lock(&sbi->stat_lock)' }).release('S'),
      ],
      locks: [S, M],
      cpus: 1,
    });
    const r = both(sc);
    assert.strictEqual(r.verdict, 'deadlock', r.summary);
    assert.ok(r.cycle?.some((e) => e.via === 'cpu' && e.thread === 'T0' && e.cpu?.offCpu === 'is preempted'), JSON.stringify(r.cycle));
    assert.strictEqual(both({ ...sc, cpus: undefined }).verdict, 'no-deadlock');
  });

  it('a sleeping-lock waiter whose lock is free still needs a CPU', () => {
    // T0 holds S and waits for M (held by T1); T1 unlocks M, but T2 spins on S on the only CPU.
    const sc = scenario({
      threads: [['T0', 'a'], ['T1', 'b'], ['T2', 'c']],
      programs: [
        prog('a').acquire('S', 'W').acquire('M', 'W').release('M').release('S'),
        prog('b').acquire('M', 'W').release('M'),
        prog('c').acquire('S', 'W').release('S'),
      ],
      locks: [S, M],
      cpus: 1,
    });
    const sched = ['T1', 'T0', 'T0', 'T1', 'T2'].map((thread) => ({ thread, choice: 0 }));
    const { witness, cycle } = replaySchedule(sc, sched);
    assert.deepStrictEqual(witness.map((w) => `${w.thread} ${w.op} ${w.lock ?? ''}`), ['T1 acquire M', 'T0 acquire S', 'T0 wait M', 'T1 release M', 'T1 exit ', 'T2 wait S']);
    assert.deepStrictEqual(cycle?.map((e) => [e.thread, e.via, e.heldBy]), [['T0', 'cpu', 'T2'], ['T2', 'holder', 'T0']]);
    assert.strictEqual(cycle?.[0].cpu?.offCpu, 'sleeps waiting for M');
    assert.match(deadlockLine({ ...explore(sc), cycle, hang: 'cycle' }, sc), /T0 sleeps waiting for M holding sbi->stat_lock \(spinlock\); T2 spins on it on the only CPU/);
  });

  it('a spinner waiting for a running holder is not a hang', () => {
    // On two CPUs T0 holds S and runs; T1 spins; T2 (preemptible) has no CPU until T0 unlocks.
    const sc = scenario({
      threads: [['T0', 'a'], ['T1', 'a'], ['T2', 'b']],
      programs: [prog('a').acquire('S', 'W').noop().release('S'), prog('b').acquire('M', 'W').release('M')],
      locks: [S, M],
      cpus: 2,
    });
    assert.strictEqual(both(sc).verdict, 'no-deadlock');
  });

  it('rwlock readers spin too: read_lock() against a sleeping write_lock() holder', () => {
    const sc = scenario({
      threads: [['T0', 'w'], ['T1', 'r']],
      programs: [prog('w').acquire('RW', 'W').sleep('kmalloc').release('RW'), prog('r').acquire('RW', 'RR').release('RW')],
      locks: [lock('RW', 'rwlock')],
      cpus: 1,
    });
    const r = both(sc);
    assert.strictEqual(r.verdict, 'deadlock');
    assert.strictEqual(r.cycle?.find((e) => e.via === 'cpu')?.cpu?.offCpu, 'sleeps in kmalloc()');
  });

  it('a preempted thread that runs ahead (and out of the loop bound) does not hide the hang from the reduction', () => {
    // T0 holds a mutex and spins in a loop without locks; the reduced search lets it run ahead
    // (its steps touch nothing shared) — the CPU hang of T1 and T2 is found all the same.
    const sc = scenario({
      threads: [['T0', 'holder'], ['T1', 'sleeper'], ['T2', 'spinner']],
      programs: [
        prog('holder').acquire('M', 'W').label('head').branch('body', 'out').label('body').goto('head').label('out').noop(),
        prog('sleeper').acquire('S', 'W').acquire('M', 'W').release('M').release('S'),
        prog('spinner').acquire('S', 'W').release('S'),
      ],
      locks: [S, M],
      cpus: 1,
    });
    const r = both(sc);
    assert.strictEqual(r.verdict, 'deadlock');
    assert.ok(r.states <= exploreBruteForce(sc).states);
  });

  it('rejects a CPU count that is not a positive integer', () => {
    assert.throws(() => explore(stats(statsBuggy(), 2, 0)), /cpus must be a positive integer/);
    assert.throws(() => explore(stats(statsBuggy(), 2, 1.5)), /cpus must be a positive integer/);
  });
});
