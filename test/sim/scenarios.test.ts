import * as assert from 'assert';
import { explore, exploreBruteForce, replaySchedule } from '../../server/src/sim/explore';
import { lock, prog, scenario } from '../../server/src/sim/builder';
import { seedExamples, Example } from '../../server/src/sim/examples';
import { ExploreResult, WitnessStep } from '../../server/src/sim/result';
import { Scenario } from '../../server/src/sim/program';
import { renderTimeline } from '../../server/src/sim/timeline';

function example(id: string): Example {
  const ex = seedExamples().find((e) => e.id === id);
  if (!ex) throw new Error(`no example ${id}`);
  return ex;
}

function indexOfStep(w: WitnessStep[], pred: (s: WitnessStep) => boolean): number {
  const i = w.findIndex(pred);
  assert.ok(i >= 0, 'expected step not in witness');
  return i;
}

function assertDeadlock(r: ExploreResult): void {
  assert.strictEqual(r.verdict, 'deadlock', r.summary);
  assert.ok(r.witness && r.witness.length > 0);
  assert.ok(r.cycle && r.cycle.length > 0);
}

describe('sim: seed scenarios', () => {
  for (const ex of seedExamples()) {
    it(`${ex.id} (seed ${ex.seed}) → ${ex.expect}`, () => {
      const r = explore(ex.scenario);
      assert.strictEqual(r.verdict, ex.expect, r.summary);
      const b = exploreBruteForce(ex.scenario);
      assert.strictEqual(b.verdict, ex.expect, b.summary);
      if (ex.expect === 'deadlock') assert.ok((r.steps as number) >= (b.steps as number));
      else assert.ok(r.states <= b.states);
    });
  }
});

describe('sim: (a) seed 001 pre-fix gfs2 direct read', () => {
  it('self-deadlocks through its own fault on the glock it holds in DF', () => {
    const r = explore(example('gfs2-dio-read-prefix').scenario);
    assertDeadlock(r);
    assert.deepStrictEqual(r.cycle, [{ thread: 'T0', waitsFor: 'ip.i_gl', mode: 'SH', heldBy: 'T0', heldMode: 'DF', via: 'holder' }]);
    const w = r.witness as WitnessStep[];
    const dfAt = indexOfStep(w, (s) => s.op === 'acquire' && s.lock === 'ip.i_gl' && s.mode === 'DF');
    const faultAt = indexOfStep(w, (s) => s.op === 'fault' && s.thread === 'T0');
    assert.ok(dfAt < faultAt);
    assert.deepStrictEqual(w[dfAt].pos, { file: 'fs/gfs2/file.c', line: 821, col: 1 });
    assert.strictEqual(w[w.length - 1].op, 'wait');
  });

  it('with ->page_mkwrite as the handler waits in EX', () => {
    const sc = example('gfs2-dio-read-prefix').scenario;
    const mk: Scenario = { ...sc, faultHandlers: { 'gfs2:ip': 'gfs2_page_mkwrite' } };
    const r = explore(mk);
    assertDeadlock(r);
    assert.deepStrictEqual(r.cycle, [{ thread: 'T0', waitsFor: 'ip.i_gl', mode: 'EX', heldBy: 'T0', heldMode: 'DF', via: 'holder' }]);
    assert.match(renderTimeline(r, mk), /\*\*\* DEADLOCK: T0 waits for ip->i_gl \(EX\) held by T0 in DF \*\*\*/);
  });

  it('also deadlocks with a second task faulting on the same file', () => {
    const r = explore(example('gfs2-dio-read-prefix-vs-fault').scenario);
    assertDeadlock(r);
    assert.ok(r.cycle?.every((e) => e.waitsFor === 'ip.i_gl'));
  });
});

describe('sim: (b) seed 001 fixed (pagefault_disable + nofault, allow_demote + fault_in + retry)', () => {
  it('no deadlock within the bound, alone and vs a faulting task', () => {
    for (const id of ['gfs2-dio-read-fixed', 'gfs2-dio-read-fixed-vs-fault']) {
      const r = explore(example(id).scenario);
      assert.strictEqual(r.verdict, 'no-deadlock', r.summary);
      assert.ok(r.bound.loopBoundHit, 'the retry loop is cut by the loop bound');
      assert.match(r.summary, /^no deadlock within bound loop bound 2 \(\d+ states\)$/);
    }
  });

  it('still none with loop bound 3', () => {
    const r = explore(example('gfs2-dio-read-fixed-vs-fault').scenario, { loopBound: 3 });
    assert.strictEqual(r.verdict, 'no-deadlock', r.summary);
  });

  it('fault_in without allow_demote self-deadlocks (the demote is what makes the fix work)', () => {
    const sc = example('gfs2-dio-read-fixed').scenario;
    const reader = sc.programs['gfs2_file_direct_read'];
    const nodes = reader.nodes.map((n) =>
      n.op && (n.op.kind === 'allow_demote' || n.op.kind === 'disallow_demote') ? { id: n.id, succ: n.succ, text: 'removed' } : n,
    );
    const broken: Scenario = { ...sc, programs: { ...sc.programs, gfs2_file_direct_read: { ...reader, nodes } } };
    const r = explore(broken);
    assertDeadlock(r);
    assert.ok((r.witness as WitnessStep[]).some((s) => s.op === 'fault_in'));
    assert.deepStrictEqual(r.cycle?.[0].heldMode, 'DF');
  });

  it('the copy without pagefault_disable and nofault self-deadlocks', () => {
    const sc = example('gfs2-dio-read-fixed').scenario;
    const reader = sc.programs['gfs2_file_direct_read'];
    const drop = new Set(['pagefault_disable', 'pagefault_enable', 'nofault_set', 'nofault_clear']);
    const nodes = reader.nodes.map((n) => (n.op && drop.has(n.op.kind) ? { id: n.id, succ: n.succ } : n));
    const r = explore({ ...sc, programs: { ...sc.programs, gfs2_file_direct_read: { ...reader, nodes } } });
    assertDeadlock(r);
  });

  it('replaying the fixed path shows the suppressed fault, the demotion and the retry', () => {
    const sc = example('gfs2-dio-read-fixed').scenario;
    // Every decision of T0 takes the first path: fault in, gfs2_fault (SH), "made progress".
    const schedule = Array.from({ length: 11 }, () => ({ thread: 'T0', choice: 0 }));
    const { witness, cycle } = replaySchedule(sc, schedule);
    assert.strictEqual(cycle, undefined);
    const ops = witness.map((s) => s.op);
    const at = (op: string): number => ops.indexOf(op);
    assert.ok(at('fault-suppressed') > at('pagefault_disable'));
    assert.match(witness[at('fault-suppressed')].note ?? '', /pagefault_disable/);
    assert.ok(at('allow_demote') < at('fault_in') && at('fault_in') < at('demoted'));
    assert.deepStrictEqual(
      witness.filter((s) => s.lock === 'ip.i_gl').map((s) => [s.op, s.mode ?? '']),
      [
        ['acquire', 'DF'],
        ['allow_demote', ''],
        ['demoted', 'DF'],
        ['acquire', 'SH'],
        ['release', 'SH'],
        ['disallow_demote', ''],
        ['holder_queued', ''],
      ],
    );
    assert.match(witness[ops.lastIndexOf('holder_queued')].note ?? '', /given up/);
  });
});

describe('sim: (c) mmap_read_lock held across copy_from_user', () => {
  it('no deadlock without a writer', () => {
    const r = explore(example('mmap-read-across-copy').scenario);
    assert.strictEqual(r.verdict, 'no-deadlock');
    assert.match(r.summary, /exhaustive/);
  });

  it('deadlocks once mmap_write_lock queues between the two reads', () => {
    const r = explore(example('mmap-read-across-copy-vs-writer').scenario);
    assertDeadlock(r);
    const w = r.witness as WitnessStep[];
    const firstRead = indexOfStep(w, (s) => s.thread === 'T0' && s.op === 'acquire' && s.lock === 'mm.mmap_lock' && s.mode === 'R');
    const writerQueued = indexOfStep(w, (s) => s.thread === 'T1' && s.op === 'wait' && s.mode === 'W');
    const secondRead = indexOfStep(w, (s) => s.thread === 'T0' && s.op === 'wait' && s.mode === 'R');
    assert.ok(firstRead < writerQueued && writerQueued < secondRead, 'writer queued between the two reads');
    assert.deepStrictEqual(r.cycle, [
      { thread: 'T0', waitsFor: 'mm.mmap_lock', mode: 'R', heldBy: 'T1', heldMode: 'W', via: 'queued-waiter' },
      { thread: 'T1', waitsFor: 'mm.mmap_lock', mode: 'W', heldBy: 'T0', heldMode: 'R', via: 'holder' },
    ]);
    assert.strictEqual(r.steps, 3);
  });

  it('recursive readers (read_lock on an rwlock) are not blocked by a queued writer', () => {
    const mk = (kind: 'rwlock' | 'rwsem', mode: 'RR' | 'R'): Scenario =>
      scenario({
        threads: [['T0', 'reader'], ['T1', 'writer']],
        programs: [
          prog('reader').acquire('L', mode).acquire('L', mode).release('L').release('L'),
          prog('writer').acquire('L', 'W').release('L'),
        ],
        locks: [lock('L', kind)],
      });
    assert.strictEqual(explore(mk('rwlock', 'RR')).verdict, 'no-deadlock');
    assert.strictEqual(explore(mk('rwsem', 'R')).verdict, 'deadlock');
  });
});

describe('sim: (d)/(e) ABBA', () => {
  it('two mutexes in opposite orders deadlock; the witness ends in the 2-cycle', () => {
    const r = explore(example('abba').scenario);
    assertDeadlock(r);
    const w = r.witness as WitnessStep[];
    assert.deepStrictEqual(
      w.map((s) => [s.thread, s.op, s.lock]),
      [
        ['T0', 'acquire', 'A'],
        ['T1', 'acquire', 'B'],
        ['T0', 'wait', 'B'],
        ['T1', 'wait', 'A'],
      ],
    );
    assert.deepStrictEqual(
      r.cycle?.map((e) => [e.thread, e.waitsFor, e.heldBy]),
      [
        ['T0', 'B', 'T1'],
        ['T1', 'A', 'T0'],
      ],
    );
  });

  it('the trylock bail-out variant does not deadlock', () => {
    const r = explore(example('abba-trylock').scenario);
    assert.strictEqual(r.verdict, 'no-deadlock', r.summary);
  });

  it('a mutex taken twice by one thread is a self-deadlock', () => {
    const sc = scenario({ threads: [['T0', 'p']], programs: [prog('p').acquire('M', 'W').acquire('M', 'W')], locks: [lock('M', 'mutex')] });
    const r = explore(sc);
    assertDeadlock(r);
    assert.deepStrictEqual(r.cycle?.map((e) => [e.thread, e.heldBy]), [['T0', 'T0']]);
  });
});

describe('sim: (f) seed 000 fuse truncate vs dax fault', () => {
  it('truncate taking inode_lock → i_mmap_sem (W) does not deadlock with write + fault', () => {
    const r = explore(example('fuse-truncate-vs-fault').scenario);
    assert.strictEqual(r.verdict, 'no-deadlock', r.summary);
  });

  it('the inverted order deadlocks against write faulting under inode_lock', () => {
    const r = explore(example('fuse-truncate-inverted').scenario);
    assertDeadlock(r);
    const locks = new Set(r.cycle?.map((e) => e.waitsFor));
    assert.deepStrictEqual([...locks].sort(), ['fi.i_mmap_sem', 'inode.i_rwsem']);
  });
});

describe('sim: seed 003 leaked lock', () => {
  it('a fault returning with i_mmap_mutex held hangs the next fault', () => {
    const r = explore(example('dax-fault-leak').scenario);
    assert.strictEqual(r.verdict, 'deadlock');
    assert.strictEqual(r.hang, 'leaked-lock');
    assert.ok((r.witness as WitnessStep[]).some((s) => s.op === 'exit' && /still holding/.test(s.note ?? '')));
    assert.match(renderTimeline(r, example('dax-fault-leak').scenario), /\*\*\* HANG: T1 waits for mapping->i_mmap_mutex/);
  });

  it('is not reported when finished threads are helpers (leakedLockIsDeadlock off)', () => {
    const sc = { ...example('dax-fault-leak').scenario, leakedLockIsDeadlock: false };
    assert.strictEqual(explore(sc).verdict, 'no-deadlock');
  });
});

describe('sim: determinism and replay', () => {
  it('same input → same witness, schedule and cycle', () => {
    for (const ex of seedExamples()) {
      const a = explore(ex.scenario);
      const b = explore(ex.scenario);
      assert.deepStrictEqual(
        { w: a.witness, s: a.schedule, c: a.cycle, n: a.states },
        { w: b.witness, s: b.schedule, c: b.cycle, n: b.states },
      );
    }
  });

  it('does not depend on the key order of programs / locks / handlers', () => {
    const sc = example('fuse-truncate-inverted').scenario;
    const rev = <T>(r: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(r).reverse());
    const shuffled: Scenario = { ...sc, programs: rev(sc.programs), locks: rev(sc.locks), faultHandlers: rev(sc.faultHandlers) };
    const a = explore(sc);
    const b = explore(shuffled);
    assert.deepStrictEqual(a.witness, b.witness);
    assert.deepStrictEqual(a.cycle, b.cycle);
  });

  it('replaySchedule reproduces the witness and the cycle', () => {
    for (const id of ['abba', 'mmap-read-across-copy-vs-writer', 'fuse-truncate-inverted', 'gfs2-dio-read-prefix-vs-fault']) {
      const sc = example(id).scenario;
      const r = explore(sc);
      const again = replaySchedule(sc, r.schedule ?? []);
      assert.deepStrictEqual(again.witness, r.witness);
      assert.deepStrictEqual(again.cycle, r.cycle);
    }
  });

  it('the brute-force witness is never longer than the reduced one', () => {
    const sc = example('fuse-truncate-inverted').scenario;
    const b = exploreBruteForce(sc);
    const r = explore(sc);
    assert.strictEqual(b.reduction, 'none');
    assert.strictEqual(r.reduction, 'persistent-sets');
    assert.ok((b.steps as number) <= (r.steps as number));
  });
});

describe('sim: bounds', () => {
  it('reports bound-exhausted when the state budget runs out', () => {
    const r = explore(example('fuse-truncate-vs-fault').scenario, { maxStates: 10 });
    assert.strictEqual(r.verdict, 'bound-exhausted');
    assert.ok(r.bound.stateBudgetHit);
    assert.match(r.summary, /state budget 10/);
  });

  it('reports the step bound', () => {
    const r = explore(example('fuse-truncate-vs-fault').scenario, { maxSteps: 3 });
    assert.strictEqual(r.verdict, 'no-deadlock');
    assert.ok(r.bound.stepBoundHit);
    assert.match(r.summary, /within bound 3 steps/);
  });

  it('a deadlock deeper than the step bound is not found', () => {
    const r = explore(example('abba').scenario, { maxSteps: 3 });
    assert.strictEqual(r.verdict, 'no-deadlock');
    assert.strictEqual(explore(example('abba').scenario, { maxSteps: 4 }).verdict, 'deadlock');
  });

  it('inline depth limits nested calls', () => {
    const sc = scenario({
      threads: [['T0', 'p']],
      programs: [prog('p').acquire('M', 'W').call('q'), prog('q').call('r'), prog('r').acquire('M', 'W')],
      locks: [lock('M', 'mutex')],
    });
    assert.strictEqual(explore(sc).verdict, 'deadlock');
    const r = explore(sc, { maxInlineDepth: 1 });
    assert.strictEqual(r.verdict, 'no-deadlock');
    assert.ok(r.bound.inlineBoundHit);
  });

  it('rejects malformed scenarios', () => {
    const sc = scenario({ threads: [['T0', 'nope']], programs: [prog('p').acquire('X', 'W')], locks: [] });
    assert.throws(() => explore(sc), /unknown program nope.*unknown lock X|unknown lock X.*unknown program nope/);
  });
});

describe('sim: timeline', () => {
  it('renders one column per thread, step numbers, file:line, and the cycle', () => {
    const sc = example('abba').scenario;
    const text = renderTimeline(explore(sc), sc);
    const lines = text.split('\n');
    assert.match(lines[0], /^Simulation: ABBA$/);
    assert.ok(lines.some((l) => /^\s*1 \| acquire a->lock \(W\)/.test(l)));
    assert.ok(lines.some((l) => /T0 \(path_a\)\s+\| T1 \(path_b\)/.test(l)));
    assert.ok(lines.some((l) => /example\.c:20 {2}mutex_lock\(&b->lock\)/.test(l)));
    assert.strictEqual(lines[lines.length - 1], '*** DEADLOCK: T0 waits for b->lock (W) held by T1 in W; T1 waits for a->lock (W) held by T0 in W ***');
  });

  it('prints only the summary when there is no deadlock', () => {
    const sc = example('abba-trylock').scenario;
    const text = renderTimeline(explore(sc), sc);
    assert.match(text, /no deadlock within bound loop bound 2 \(\d+ states\)/);
    assert.ok(!text.includes('DEADLOCK'));
  });
});
