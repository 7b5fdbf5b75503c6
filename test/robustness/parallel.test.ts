// The per-function dataflow spread over worker threads (parallel.ts) gives
// exactly what the sequential loop gives: the same findings (messages,
// positions, order), the same summaries and the same budget count, on every
// fixture workspace and on real kernel code (6.12 fs/gfs2 and fs/fuse,
// skipped when the Debian tarball is absent). A worker that cannot start
// leaves the work to the main thread with the same result. The editor's run
// (keepStates, background indexing) gives the same result too, and the delta
// runs that start from its products equal from-scratch analyses.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../../server/src/analysis/workspace';
import { buildFileIR } from '../../server/src/analysis/fileir';
import { parseConfig } from '../../server/src/model/config';
import { collectFiles } from '../../server/src/cli/main';
import type { AnalysisResult } from '../../server/src/analysis/workspace';
import type { FileIR, FunctionIR } from '../../server/src/analysis/ir';
import * as irText from '../../server/src/analysis/irText';
import { installSkeleton, takeText, workerTexts } from '../../server/src/analysis/irText';
import { buildTree } from '../../server/src/analysis/batch';
import { calleesOf } from '../../server/src/analysis/callgraph';
import { summaryDeps } from '../../server/src/analysis/reuse';
import { fixtureWorkspaces } from '../fixtureExpect';
import { kernelTree, missingKernel } from '../kernelSource';
import { applyEdit, nextEdit, rng } from '../perf/edits';
import { findingsOf, productsOf, workspaceEditMatchesFresh } from './fresh';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test-fixtures');
const SCRIPT = path.join(__dirname, '..', '..', 'server', 'src', 'analysis', 'worker.js');

/**
 * Two workspaces over the same files (IR built once, copied). The second's IR
 * comes as an IR worker sends it (irText.ts): a skeleton, each function's
 * body kept as workerTexts()' JSON, so its jobs carry texts.
 */
function twins(files: string[], configFile?: string): [Workspace, Workspace, FunctionIR[]] {
  const config = configFile && fs.existsSync(configFile) ? parseConfig(fs.readFileSync(configFile, 'utf8'), configFile) : undefined;
  const irs = files.map((f) => ({ f, ir: buildFileIR(f, fs.readFileSync(f, 'utf8')).ir }));
  const a = new Workspace({ config });
  const b = new Workspace({ config });
  const fns: FunctionIR[] = [];
  for (const { f, ir } of irs) {
    a.setFileIR(f, JSON.parse(JSON.stringify(ir)), 0);
    const { json, spans, skel } = workerTexts(ir);
    assert.strictEqual(json, JSON.stringify(ir), `${f}: workerTexts().json is JSON.stringify()`);
    const copy = JSON.parse(skel) as FileIR;
    assert.ok(installSkeleton(copy, json, spans));
    fns.push(...copy.functions);
    b.setFileIR(f, copy, 0);
  }
  return [a, b, fns];
}

/** The second twin's jobs carried the texts of its functions: none is left (sent, or dropped when a prototype gave the function its annotations). */
function textsSent(fns: FunctionIR[]): void {
  const left = fns.filter((fn) => takeText(fn) !== undefined);
  assert.deepStrictEqual(left.map((fn) => fn.name), []);
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
      const [a, b, fns] = twins(ws.files, path.join(FIXTURES, ws.name, '.lockorder'));
      const seq = a.analyze();
      const par = await b.analyzeParallel({ workers: 2, script: SCRIPT, inFlight: 1 });
      assert.ok(seq.findings.length > 0 || ws.name === 'fs-precision', 'fixture has findings');
      assertSame(seq, par);
      textsSent(fns);
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

  it("annotations a header's prototype gives a definition reach the worker (the IR text is not sent for it)", async () => {
    // irText.ts: the main thread sends a function's JSON text instead of its object, unless the object changed
    const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'lockorder-proto-'));
    const header = path.join(dir, 'w.h');
    const source = path.join(dir, 'w.c');
    fs.writeFileSync(header, 'struct inode { spinlock_t i_lock; int i_state; };\nvoid drop_lock(struct inode *inode) __releases(&inode->i_lock);\n');
    fs.writeFileSync(source, [
      '#include "w.h"',
      'void drop_lock(struct inode *inode)',
      '{',
      '\tinode->i_state = 0;',
      '\tspin_unlock(&inode->i_lock);',
      '}',
      '',
    ].join('\n'));
    const [a, b, fns] = twins([header, source]);
    const seq = a.analyze();
    const par = await b.analyzeParallel({ workers: 2, script: SCRIPT, inFlight: 1 });
    assert.deepStrictEqual(seq.findings.filter((f) => f.rule === 'unlock-unheld'), [], 'the prototype says i_lock is held on entry');
    assertSame(seq, par);
    textsSent(fns);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('IR built in workers: the main thread keeps skeletons, never parses a body, and gets the same IR, calls and result', async () => {
    // irText.ts: bodies stay JSON text on the main thread (callNodes for the call graph), parsed only when read
    const ws = fixtureWorkspaces(FIXTURES).find((w) => w.name === 'gfs2-dio')!;
    const files = collectFiles([FIXTURES]);
    const built = await buildTree(files, { workers: 2, inProcessBelowBytes: 0, workerScript: SCRIPT });
    assert.strictEqual(built.workers, 2);
    const before = irText.bodiesParsed;
    const seq = new Workspace({});
    const par = new Workspace({});
    let fns = 0;
    for (const f of built.files) {
      const fresh = buildFileIR(f.path, fs.readFileSync(f.path, 'utf8')).ir;
      for (const [i, fn] of f.ir.functions.entries()) {
        // the call graph and the summary lookups read the skeleton: the same calls as the whole body
        assert.deepStrictEqual(calleesOf(fn), calleesOf(fresh.functions[i]), fn.name);
        assert.deepStrictEqual(summaryDeps(fn), summaryDeps(fresh.functions[i]), fn.name);
        fns++;
      }
      seq.setFileIR(f.path, fresh, 0);
      par.setFileIR(f.path, f.ir, 0);
    }
    assert.ok(fns > 100, `${fns} functions`);
    const a = seq.analyze();
    const b = await par.analyzeParallel({ workers: 2, script: SCRIPT });
    assertSame(a, b);
    assert.strictEqual(irText.bodiesParsed - before, 0, 'bodies parsed on the main thread');
    // and a body read is the body (the skeleton's callNodes stay out of JSON and comparisons)
    const one = built.files.find((f) => f.path === ws.files[0])!;
    assert.deepStrictEqual(JSON.parse(JSON.stringify(one.ir)), JSON.parse(JSON.stringify(buildFileIR(one.path, fs.readFileSync(one.path, 'utf8')).ir)));
    assert.ok(irText.bodiesParsed - before > 0);
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
    const [a, b, fns] = twins(files);
    const seq = a.analyze();
    const par = await b.analyzeParallel({ workers: 2, script: SCRIPT });
    assert.ok(seq.functions > 1000, `${seq.functions} functions`);
    assertSame(seq, par);
    textsSent(fns);
  });
});

/**
 * The editor's whole-workspace run in workers (keepStates: background
 * indexing): the same result as a sequential run, and scripted edits to
 * every file in turn, each a run that starts from the products the workers
 * made, must give what a from-scratch analysis gives. Only `open` keeps
 * records (an open document: analysed on the main thread); the others'
 * products are workers', which must be re-analysed, not relocated, once
 * they or a callee move.
 */
export async function editorRunThenEdits(files: string[], open: string, edits: number, seed: number): Promise<Workspace> {
  const texts = new Map(files.map((f) => [path.resolve(f), fs.readFileSync(f, 'utf8')]));
  const ws = new Workspace({ keepStates: true, recordsFor: (p) => p === open });
  for (const [f, t] of texts) ws.setFile(f, t);
  const par = await ws.analyzeParallel({ workers: 2, script: SCRIPT, inFlight: 1, batch: 4, yieldMs: 1 });
  const seq = new Workspace({ keepStates: true });
  for (const [f, t] of texts) seq.setFile(f, t);
  assert.strictEqual(JSON.stringify(par.findings.map((f) => ({ ...f, witness: undefined }))), findingsOf(seq), 'the parallel run\'s findings');
  assert.strictEqual(productsOf(ws), productsOf(seq), 'the parallel run\'s summaries and events');
  assert.strictEqual(ws.runs.full, 1);
  const rand = rng(seed);
  const order = [...texts.keys()];
  for (let k = 0; k < edits; k++) {
    const f = order[k % order.length];
    workspaceEditMatchesFresh(ws, texts, f, applyEdit(texts.get(f)!, nextEdit(texts.get(f)!, rand)), `edit ${k} (${path.basename(f)})`, false);
  }
  return ws;
}

describe("the editor's run in workers is a start for delta runs", function () {
  this.timeout(600_000);

  it('fixtures abba-two-files, ext4-jbd2, gfs2-dio and fuse-dax: scripted edits to every file in turn (seed 5)', async () => {
    for (const name of ['abba-two-files', 'ext4-jbd2', 'gfs2-dio', 'fuse-dax']) {
      const w = fixtureWorkspaces(FIXTURES).find((x) => x.name === name)!;
      const ws = await editorRunThenEdits(w.files, path.resolve(w.files[0]), 3 * w.files.length + 6, 5);
      assert.ok(ws.runs.delta > 0, `${name}: delta runs after the parallel one (${JSON.stringify(ws.runs)})`);
    }
  });

  const why = missingKernel('6.12');
  if (why) {
    it(`Linux 6.12 fs/fuse: 12 edits to file.c, dir.c, inode.c (skipped: ${why})`);
    return;
  }
  it('Linux 6.12 fs/fuse: 12 edits to file.c, dir.c and inode.c in turn (seed 9), records for file.c only', async () => {
    const dir = path.join(kernelTree('6.12', ['fs/fuse'])!, 'fs/fuse');
    const edited = ['file.c', 'dir.c', 'inode.c'].map((f) => path.join(dir, f));
    const others = collectFiles([dir]).filter((f) => !edited.includes(path.resolve(f)));
    // the edited files first: editorRunThenEdits() edits its files in turn from the first
    const ws = await editorRunThenEdits([...edited, ...others], edited[0], 0, 9);
    const texts = new Map([...edited, ...others].map((f) => [path.resolve(f), fs.readFileSync(f, 'utf8')]));
    const rand = rng(9);
    for (let k = 0; k < 12; k++) {
      const f = edited[k % edited.length];
      workspaceEditMatchesFresh(ws, texts, f, applyEdit(texts.get(f)!, nextEdit(texts.get(f)!, rand)), `edit ${k} (${path.basename(f)})`, false);
    }
    assert.ok(ws.runs.delta >= 8, `mostly delta runs: ${JSON.stringify(ws.runs)}`);
  });
});
