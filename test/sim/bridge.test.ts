// The engine -> simulator bridge on the seed fixtures: verdicts, witnesses,
// determinism, and the CLI's `simulate` command.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../../server/src/analysis/workspace';
import { simulate } from '../../server/src/sim/scenarios';
import { crossCheck } from '../../server/src/sim/crosscheck';
import { programFromFunction } from '../../server/src/sim/fromEngine';
import { main } from '../../server/src/cli/main';

const FIX = path.join(__dirname, '..', '..', '..', 'test-fixtures');

function workspaceOf(dir: string): Workspace {
  const ws = new Workspace();
  const d = path.join(FIX, dir);
  for (const f of fs.readdirSync(d).filter((x) => x.endsWith('.c')).sort()) ws.setFile(path.join(d, f), fs.readFileSync(path.join(d, f), 'utf8'));
  ws.analyze();
  return ws;
}

describe('sim bridge: seed 001 gfs2 direct I/O', () => {
  const ws = workspaceOf('gfs2-dio');
  const file = path.join(FIX, 'gfs2-dio', 'toyfs_file.c');

  it('confirms the pre-fix read: glock held DF, the fault handler waits for it', () => {
    const out = simulate(ws, { file, fn: 'toy_direct_read_buggy', scenario: 'self' });
    assert.strictEqual(out.verdict, 'deadlock');
    const cyc = out.result!.cycle!;
    assert.ok(cyc.some((e) => e.waitsFor === 'gfs2_glock.i_gl' && e.heldMode === 'DF' && (e.mode === 'SH' || e.mode === 'EX')), JSON.stringify(cyc));
    const wait = out.result!.witness!.filter((s) => s.op === 'wait');
    assert.ok(wait.length > 0 && wait[wait.length - 1].pos?.line === 51, 'waits in the fault handler (toy_fault, line 51)');
    assert.match(out.timeline!, /DEADLOCK/);
  });

  it('does not confirm the fixed read or write in any scenario within the bound', () => {
    for (const fn of ['toy_direct_read_fixed', 'toy_direct_write_fixed']) {
      // no wall-clock budget here: the verdict must not depend on how busy the machine is
      const out = simulate(ws, { file, fn, options: { timeBudgetMs: 600_000 } });
      assert.notStrictEqual(out.verdict, 'deadlock', `${fn}: ${out.title}`);
      const exhaustive = out.tried.filter((t) => t.kind === 'self' || t.kind === 'fault' || t.kind === 'writer');
      assert.ok(exhaustive.length === 3 && exhaustive.every((t) => t.verdict === 'no-deadlock'), JSON.stringify(out.tried));
    }
  });

  it('is deterministic: the same input gives the same witness', () => {
    const a = simulate(ws, { file, fn: 'toy_direct_write_buggy' });
    const b = simulate(workspaceOf('gfs2-dio'), { file, fn: 'toy_direct_write_buggy' });
    assert.deepStrictEqual(a.result!.witness, b.result!.witness);
    assert.strictEqual(a.kind, b.kind);
  });
});

describe('sim bridge: mmap_read_lock held across copy_from_user', () => {
  const ws = workspaceOf('atomic');
  const file = path.join(FIX, 'atomic', 'toy_ioctl.c');

  it('deadlocks only when a writer is in the scenario, queued between the two reads', () => {
    const alone = simulate(ws, { file, fn: 'toy_walk_user_ranges_buggy', scenario: 'self' });
    assert.strictEqual(alone.verdict, 'no-deadlock');
    const w = simulate(ws, { file, fn: 'toy_walk_user_ranges_buggy', scenario: 'writer' });
    assert.strictEqual(w.verdict, 'deadlock');
    const steps = w.result!.witness!;
    const firstRead = steps.findIndex((s) => s.thread === 'T0' && s.op === 'acquire' && s.mode === 'R');
    const writerWait = steps.findIndex((s) => s.thread === 'T1' && s.op === 'wait' && s.mode === 'W');
    const secondRead = steps.findIndex((s, i) => i > writerWait && s.thread === 'T0' && s.op === 'wait' && s.mode === 'R');
    assert.ok(firstRead >= 0 && writerWait > firstRead && secondRead > writerWait, JSON.stringify(steps.map((s) => `${s.thread}:${s.op}:${s.mode}`)));
    assert.ok(w.result!.cycle!.some((e) => e.via === 'queued-waiter'));
  });

  it('the fixed version (copy before the lock) is not confirmed', () => {
    const out = simulate(ws, { file, fn: 'toy_walk_user_ranges_fixed' });
    assert.notStrictEqual(out.verdict, 'deadlock');
  });
});

describe('sim bridge: copy_to_user() under a spinlock, on one CPU', () => {
  const ws = workspaceOf('atomic');
  const file = path.join(FIX, 'atomic', 'toy_ioctl.c');

  it('confirms the buggy ioctl: the fault sleeps holding stat_lock, the second caller spins on the only CPU', () => {
    const out = simulate(ws, { file, fn: 'toy_get_stats_buggy', scenario: 'cpu' });
    assert.strictEqual(out.verdict, 'deadlock', out.result?.summary);
    assert.strictEqual(out.scenario?.cpus, 1);
    const cyc = out.result!.cycle!;
    assert.deepStrictEqual(cyc.map((e) => [e.thread, e.via, e.waitsFor]), [['T0', 'cpu', 'CPU'], ['T1', 'holder', 'toy_sb.stat_lock']]);
    const sleep = out.result!.witness!.find((w) => w.op === 'sleep');
    assert.ok(sleep && sleep.pos?.line === 15 && /copy_to_user/.test(sleep.text ?? ''), JSON.stringify(out.result!.witness));
    assert.match(out.timeline!, /\*\*\* DEADLOCK: T0 sleeps in copy_to_user\(\) holding sbi->stat_lock \(spinlock\); T1 spins on it on the only CPU, so T0 never gets a CPU back \*\*\*/);
    // 'auto' tries it too, and it is the shortest deadlock there
    const auto = simulate(ws, { file, fn: 'toy_get_stats_buggy' });
    assert.strictEqual(auto.kind, 'cpu');
  });

  it('the fixed ioctl (copy after the unlock) is not confirmed; the other scenarios never were', () => {
    const out = simulate(ws, { file, fn: 'toy_get_stats_fixed' });
    assert.strictEqual(out.verdict, 'no-deadlock');
    const cpu = out.tried.find((t) => t.kind === 'cpu');
    assert.ok(cpu && cpu.verdict === 'no-deadlock' && /exhaustive/.test(cpu.summary), JSON.stringify(out.tried));
    const buggy = simulate(ws, { file, fn: 'toy_get_stats_buggy' });
    assert.ok(buggy.tried.filter((t) => t.kind !== 'cpu').every((t) => t.verdict !== 'deadlock'), JSON.stringify(buggy.tried));
  });

  it('a function without a spinlock gets no CPU scenario (it would be the same as pair)', () => {
    const out = simulate(ws, { file, fn: 'toy_walk_user_ranges_fixed', scenario: 'cpu' });
    assert.strictEqual(out.verdict, 'not-run');
    assert.match(out.reason ?? '', /takes no spinlock or rwlock/);
  });
});

describe('sim bridge: may-sleep calls become sleep ops', () => {
  const file = '/virtual/toy_dev.c';
  const src = [
    'struct toy_dev { spinlock_t lock; int n; };',
    'static void toy_wait(struct toy_dev *d)',
    '{',
    '\tspin_lock(&d->lock);',
    '\tmsleep(10);',
    '\tspin_unlock(&d->lock);',
    '}',
    'static void *toy_alloc(struct toy_dev *d)',
    '{',
    '\tvoid *p;',
    '\tspin_lock(&d->lock);',
    '\tp = kmalloc(64, GFP_KERNEL);',
    '\tspin_unlock(&d->lock);',
    '\treturn p;',
    '}',
    'static void *toy_alloc_atomic(struct toy_dev *d)',
    '{',
    '\tvoid *p;',
    '\tspin_lock(&d->lock);',
    '\tp = kmalloc(64, GFP_ATOMIC);',
    '\tspin_unlock(&d->lock);',
    '\treturn p;',
    '}',
    'static void toy_settle(struct toy_dev *d)',
    '{',
    '\tmsleep(1);',
    '}',
    'static void toy_wait_nested(struct toy_dev *d)',
    '{',
    '\tspin_lock(&d->lock);',
    '\ttoy_settle(d);',
    '\tspin_unlock(&d->lock);',
    '}',
    '',
  ].join('\n');
  const ws = new Workspace();
  ws.setFile(file, src);
  const res = ws.analyze();

  it('msleep(), kmalloc(GFP_KERNEL) and a callee that sleeps, under a spinlock: confirmed on one CPU', () => {
    for (const [fn, off] of [['toy_wait', 'sleeps in msleep()'], ['toy_alloc', 'sleeps in kmalloc()'], ['toy_wait_nested', 'sleeps in toy_settle() → msleep']]) {
      const out = simulate(ws, { file, fn, scenario: 'cpu' });
      assert.strictEqual(out.verdict, 'deadlock', `${fn}: ${out.result?.summary ?? out.reason}`);
      assert.strictEqual(out.result!.cycle!.find((e) => e.via === 'cpu')?.cpu?.offCpu, off, fn);
    }
  });

  it('kmalloc(GFP_ATOMIC) does not sleep', () => {
    assert.strictEqual(simulate(ws, { file, fn: 'toy_alloc_atomic', scenario: 'cpu' }).verdict, 'no-deadlock');
  });

  it('the cross-check confirms the sleep-in-atomic findings with the CPU scenario', () => {
    crossCheck(ws, res.findings);
    const sia = res.findings.filter((f) => f.rule === 'sleep-in-atomic');
    assert.deepStrictEqual(sia.map((f) => [f.function, f.pos.line + 1, f.simulation]), [
      ['toy_wait', 5, 'confirmed'],
      ['toy_alloc', 12, 'confirmed'],
      ['toy_wait_nested', 31, 'confirmed'],
    ]);
    assert.match(sia[0].simulationDetail ?? '', /on one CPU/);
  });
});

describe('sim bridge: programs from product graphs', () => {
  it('are minimised: op-less chains and choices between equal futures are gone, every visible step keeps its source line', () => {
    const ws = workspaceOf('gfs2-dio');
    const file = path.join(FIX, 'gfs2-dio', 'toyfs_file.c');
    const found = ws.findFunction('toy_direct_read_fixed', file)!;
    const rec = ws.reanalyze(found.file, found.fn, { product: true })!;
    const built = programFromFunction(ws, found.file, found.fn);
    assert.ok(!built.error);
    const nodes = built.program.nodes;
    assert.ok(nodes.length * 5 < rec.product!.node.length, `${nodes.length} sim nodes for ${rec.product!.node.length} product nodes`);
    assert.ok(nodes.filter((n) => n.op).every((n) => n.pos && n.pos.line > 0 && n.text), JSON.stringify(nodes));
    // the fixed read keeps its structure: DF glock, faults disabled around the copy, fault-in with demote, retry
    const ops = new Set(nodes.flatMap((n) => (n.op ? [n.op.kind] : [])));
    for (const k of ['acquire', 'release', 'pagefault_disable', 'nofault_set', 'fault', 'allow_demote', 'fault_in', 'holder_queued_branch']) assert.ok(ops.has(k as never), k);
  });

  it('a trylock in a branch condition never waits (toy_table_gc_try against toy_register)', () => {
    const ws = workspaceOf('abba-two-files');
    const file = path.join(FIX, 'abba-two-files', 'toy_a.c');
    const partner = (fn: string) => [{ fn, file: path.join(FIX, 'abba-two-files', 'toy_b.c') }];
    assert.strictEqual(simulate(ws, { file, fn: 'toy_register', scenario: 'partner', partners: partner('toy_table_gc') }).verdict, 'deadlock');
    const out = simulate(ws, { file, fn: 'toy_register', scenario: 'partner', partners: partner('toy_table_gc_try') });
    assert.strictEqual(out.verdict, 'no-deadlock', out.timeline);
    const t = Object.values(out.scenario!.programs['toy_table_gc_try'].nodes).find((n) => n.op?.kind === 'acquire' && n.op.lock === 'toy_dev_lock');
    assert.ok(t && t.op?.kind === 'acquire' && t.op.try === true, JSON.stringify(t));
  });

  it('a fault handler against a declared order runs as the fault of the documented path itself', () => {
    const ws = workspaceOf('fuse-dax');
    const file = path.join(FIX, 'fuse-dax', 'toy_dax.c');
    const declared = { first: 'inode.i_rwsem', firstKind: 'rwsem', then: 'mm_struct.mmap_lock', thenKind: 'rwsem' };
    const bad = simulate(ws, { file, fn: 'toy_dax_fault_inode_lock', scenario: 'declared', declared });
    assert.strictEqual(bad.verdict, 'deadlock');
    assert.deepStrictEqual(bad.scenario!.faultHandlers, { file: 'toy_dax_fault_inode_lock' });
    // the merged design (its own semaphore) is fine, even though the other handler is in the same vm_ops
    assert.strictEqual(simulate(ws, { file, fn: 'toy_dax_fault', scenario: 'declared', declared }).verdict, 'no-deadlock');
  });
});

describe('sim bridge: correlated flags stay correlated', () => {
  it('fuse fallocate (lock under a flag, unlock under the same flag) never deadlocks against itself', () => {
    const ws = workspaceOf('balance');
    const out = simulate(ws, { file: path.join(FIX, 'balance', 'fuse-fallocate-correlated.c'), fn: 'toy_fallocate', scenario: 'pair' });
    assert.strictEqual(out.verdict, 'no-deadlock', out.result?.summary);
  });
});

describe('lockorder simulate (CLI)', () => {
  const run = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await main(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
    return { code, out, err };
  };
  it('prints the verdict and the timeline, exit 1 on a deadlock', async () => {
    const r = await run(['simulate', path.join(FIX, 'ext4-jbd2', 'toy_dax_end_io.c') + ':toy_insert_mapping_buggy', '--scenario', 'pair']);
    assert.ok(r.out.includes('scenario pair'), r.out);
  });
  it('json format carries the witness', async () => {
    const r = await run(['simulate', path.join(FIX, 'gfs2-dio', 'toyfs_file.c') + ':toy_direct_read_buggy', '--format', 'json']);
    assert.strictEqual(r.code, 1);
    const j = JSON.parse(r.out);
    assert.strictEqual(j.verdict, 'deadlock');
    assert.ok(Array.isArray(j.witness) && j.witness.length > 0);
  });
  it('unknown function or file: exit 2 with a clear message', async () => {
    const a = await run(['simulate', path.join(FIX, 'gfs2-dio', 'toyfs_file.c') + ':no_such_fn']);
    assert.strictEqual(a.code, 2);
    assert.match(a.err, /no function no_such_fn\(\)/);
    const b = await run(['simulate', '/nonexistent/x.c:f']);
    assert.strictEqual(b.code, 2);
    assert.match(b.err, /cannot read/);
    const c = await run(['simulate', 'nocolon']);
    assert.strictEqual(c.code, 2);
  });
});
