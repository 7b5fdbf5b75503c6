// The per-function dataflow spread over worker threads (parallel.ts) gives
// exactly what the sequential loop gives: the same findings (messages,
// positions, order), the same summaries and the same budget count, on every
// fixture workspace and on real kernel code (6.12 fs/gfs2 and fs/fuse,
// skipped when the Debian tarball is absent). A worker that cannot start
// leaves the work to the main thread with the same result.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../../server/src/analysis/workspace';
import { buildFileIR } from '../../server/src/analysis/fileir';
import { parseConfig } from '../../server/src/model/config';
import { collectFiles } from '../../server/src/cli/main';
import type { AnalysisResult } from '../../server/src/analysis/workspace';
import { fixtureWorkspaces } from '../fixtureExpect';
import { kernelTree, missingKernel } from '../kernelSource';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test-fixtures');
const SCRIPT = path.join(__dirname, '..', '..', 'server', 'src', 'analysis', 'worker.js');

/** Two workspaces over the same files (IR built once, copied). */
function twins(files: string[], configFile?: string): [Workspace, Workspace] {
  const config = configFile && fs.existsSync(configFile) ? parseConfig(fs.readFileSync(configFile, 'utf8'), configFile) : undefined;
  const irs = files.map((f) => ({ f, ir: buildFileIR(f, fs.readFileSync(f, 'utf8')).ir }));
  const mk = (): Workspace => {
    const w = new Workspace({ config });
    for (const { f, ir } of irs) w.setFileIR(f, JSON.parse(JSON.stringify(ir)), 0);
    return w;
  };
  return [mk(), mk()];
}

function assertSame(seq: AnalysisResult, par: AnalysisResult): void {
  assert.strictEqual(par.functions, seq.functions);
  assert.strictEqual(par.budgetHits, seq.budgetHits, 'budget hits');
  assert.deepStrictEqual(par.findings, seq.findings);
  assert.deepStrictEqual(new Map([...par.summaries].sort()), new Map([...seq.summaries].sort()));
  assert.strictEqual(par.events.length, seq.events.length);
}

describe('parallel analysis equals the sequential loop', function () {
  this.timeout(600_000);

  for (const ws of fixtureWorkspaces(FIXTURES)) {
    it(`fixture ${ws.name}`, async () => {
      const [a, b] = twins(ws.files, path.join(FIXTURES, ws.name, '.lockorder'));
      const seq = a.analyze();
      const par = await b.analyzeParallel({ workers: 2, script: SCRIPT, inFlight: 1 });
      assert.ok(seq.findings.length > 0 || ws.name === 'fs-precision', 'fixture has findings');
      assertSame(seq, par);
    });
  }

  it('#ifdef variants of one static function: callers read the definition analysed before them', async () => {
    // both definitions have the same summary key; the sequential loop reads the first (the second is analysed after the caller)
    const text = [
      'struct inode { spinlock_t i_lock; int i_state; };',
      '#ifdef CONFIG_CGROUP_WRITEBACK',
      'static void drop_and_wait(struct inode *inode) __releases(&inode->i_lock)',
      '{',
      '\tspin_unlock(&inode->i_lock);',
      '}',
      '#endif',
      'void mark_dirty(struct inode *inode)',
      '{',
      '\tspin_lock(&inode->i_lock);',
      '\tinode->i_state = 1;',
      '\tdrop_and_wait(inode);',
      '\tspin_lock(&inode->i_lock);',
      '\tspin_unlock(&inode->i_lock);',
      '}',
      '#ifndef CONFIG_CGROUP_WRITEBACK',
      'static void drop_and_wait(struct inode *inode) __releases(&inode->i_lock)',
      '{',
      '\tspin_unlock(&inode->i_lock);',
      '\tmark_dirty(inode);',
      '}',
      '#endif',
      '',
    ].join('\n');
    const mk = (): Workspace => { const w = new Workspace({}); w.setFile('/virtual/writeback.c', text); return w; };
    const seq = mk().analyze();
    const par = await mk().analyzeParallel({ workers: 2, script: SCRIPT, inFlight: 1 });
    assert.ok(!seq.findings.some((f) => f.rule === 'double-lock'), 'the caller sees that drop_and_wait() drops i_lock');
    assertSame(seq, par);
  });

  it('a worker script that does not exist: the main thread does the work, same result', async () => {
    const ws = fixtureWorkspaces(FIXTURES).find((w) => w.name === 'gfs2-dio')!;
    const [a, b] = twins(ws.files);
    const seq = a.analyze();
    const par = await b.analyzeParallel({ workers: 2, script: path.join(FIXTURES, 'no-such-worker.js') });
    assertSame(seq, par);
  });

  const why = missingKernel('6.12');
  if (why) {
    it(`Linux 6.12 fs/gfs2 + fs/fuse (skipped: ${why})`);
    return;
  }
  it('Linux 6.12 fs/gfs2 + fs/fuse', async () => {
    const root = kernelTree('6.12', ['fs/gfs2', 'fs/fuse'])!;
    const files = collectFiles([path.join(root, 'fs/gfs2'), path.join(root, 'fs/fuse')]);
    const [a, b] = twins(files);
    const seq = a.analyze();
    const par = await b.analyzeParallel({ workers: 2, script: SCRIPT });
    assert.ok(seq.functions > 1000, `${seq.functions} functions`);
    assertSame(seq, par);
  });
});
