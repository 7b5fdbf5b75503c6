// Worker failures in the whole-tree pools (analysis/pool.ts, used by batch.ts
// for IR building and parallel.ts for the dataflow): a worker that crashes,
// exits, or stops answering costs the work it had, never the run. Each test
// starts real worker_threads from small scripts written at run time: a bare
// slot protocol, or the real worker (out/.../worker.js) wrapped so that it
// misbehaves on chosen inputs.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WorkerSlot } from '../../server/src/analysis/pool';
import { buildTree } from '../../server/src/analysis/batch';
import { buildFileIR } from '../../server/src/analysis/fileir';
import { Workspace } from '../../server/src/analysis/workspace';
import { fixtureWorkspaces } from '../fixtureExpect';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test-fixtures');
const REAL_WORKER = path.join(__dirname, '..', '..', 'server', 'src', 'analysis', 'worker.js');

let dir = '';
/** A worker script in the test's temp dir. */
function script(name: string, body: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, body);
  return p;
}

/**
 * The real worker, with its message handler wrapped: `pick(m, seen)` says
 * what to do with a message: nothing special (undefined), 'swallow' it (no
 * answer ever comes), or 'crash' (throw), 'exit' or 'hang' (loop forever)
 * one event-loop turn later, as the real IR worker builds each file: work
 * taken earlier is answered first, as it would be by a worker that fails on
 * this input.
 */
function wrappedWorker(name: string, pick: string): string {
  return script(name, `
const wt = require('worker_threads');
const on = wt.parentPort.on.bind(wt.parentPort);
let seen = 0;
wt.parentPort.on = (ev, fn) => on(ev, ev !== 'message' ? fn : (m) => {
  const act = (${pick})(m, ++seen);
  if (!act) return fn(m);
  if (act === 'swallow') return;
  setImmediate(() => {
    if (act === 'crash') throw new Error('misbehaving on purpose');
    if (act === 'exit') process.exit(5);
    for (;;);
  });
});
require(${JSON.stringify(REAL_WORKER)});
`);
}

type Outcome = { replies: [number, unknown][]; failed: { lost: number[]; reason: string }[] };

/** Drive one slot: send `n` messages, resolve once every one is answered or lost. */
function drive(scriptPath: string, n: number, timeoutMs = 60_000): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { replies: [], failed: [] };
    let settled = 0;
    // 50 ms more: a late second callback would show; then the worker is closed (a live one keeps the process up)
    const check = (): void => { if (settled === n) setTimeout(() => { slot.close(); resolve(out); }, 50); };
    const slot: WorkerSlot<number, { i: number }> = new WorkerSlot<number, { i: number }>({ script: scriptPath, timeoutMs }, {
      reply: (w, r) => { out.replies.push([w, r.i]); settled++; check(); },
      failed: (lost, reason) => { out.failed.push({ lost: [...lost], reason }); settled += lost.length; check(); },
    });
    for (let i = 0; i < n; i++) slot.send(i, { i });
    if (n === 0) check();
  });
}

describe('worker pools survive misbehaving workers', function () {
  this.timeout(600_000);

  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockorder-pool-')); });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  describe('WorkerSlot', () => {
    it('answers come back paired with the work sent, in order', async () => {
      const s = script('echo.js', `require('worker_threads').parentPort.on('message', (m) => require('worker_threads').parentPort.postMessage({ i: m.i * 10 }));`);
      const o = await drive(s, 5);
      assert.deepStrictEqual(o.replies, [[0, 0], [1, 10], [2, 20], [3, 30], [4, 40]]);
      assert.deepStrictEqual(o.failed, []);
    });

    it('a crash hands back everything in flight, once', async () => {
      const s = script('crash.js', `const { parentPort } = require('worker_threads');
// the crash a moment later: replies posted just before a crash may otherwise arrive after the 'error' event
// (a worker answers in order: nothing after the message it fails on)
parentPort.on('message', (m) => { if (m.i === 2) setTimeout(() => { throw new Error('boom on 2'); }, 100); else if (m.i < 2) parentPort.postMessage({ i: m.i }); });`);
      const o = await drive(s, 5);
      assert.deepStrictEqual(o.replies.map(([w]) => w), [0, 1]);
      assert.strictEqual(o.failed.length, 1);
      assert.deepStrictEqual(o.failed[0].lost, [2, 3, 4]);
      assert.match(o.failed[0].reason, /worker crashed: .*boom on 2/s);
    });

    it('an exit hands back the work in flight and says the exit code', async () => {
      const s = script('exit.js', `const { parentPort } = require('worker_threads');
parentPort.on('message', (m) => { if (m.i === 1) setTimeout(() => process.exit(3), 100); else if (m.i < 1) parentPort.postMessage({ i: m.i }); });`);
      const o = await drive(s, 3);
      assert.deepStrictEqual(o.replies.map(([w]) => w), [0]);
      assert.deepStrictEqual(o.failed, [{ lost: [1, 2], reason: 'worker exited with code 3' }]);
    });

    it('silence past the timeout terminates the worker and hands back its work', async () => {
      const s = script('silent.js', `const { parentPort } = require('worker_threads');
parentPort.on('message', (m) => { if (m.i < 2) parentPort.postMessage({ i: m.i }); });`);
      const o = await drive(s, 4, 300);
      assert.deepStrictEqual(o.replies.map(([w]) => w), [0, 1]);
      assert.strictEqual(o.failed.length, 1);
      assert.deepStrictEqual(o.failed[0].lost, [2, 3]);
      assert.match(o.failed[0].reason, /^no result after \d+ s \(worker terminated\)$/);
    });

    it('a script that does not exist fails the slot, with the work sent to it', async () => {
      const o = await drive(path.join(dir, 'no-such-worker.js'), 2);
      assert.deepStrictEqual(o.replies, []);
      assert.strictEqual(o.failed.length, 1);
      assert.deepStrictEqual(o.failed[0].lost, [0, 1]);
    });

    it('work that cannot be posted fails the slot on the next tick, not inside send()', async () => {
      const s = script('idle.js', `require('worker_threads').parentPort.on('message', () => undefined);`);
      const events: string[] = [];
      const slot = new WorkerSlot<number, unknown>({ script: s, timeoutMs: 60_000 }, {
        reply: () => events.push('reply'),
        failed: (lost, reason) => events.push(`failed ${lost.join(',')} ${reason.split(':')[0]}`),
      });
      assert.strictEqual(slot.send(7, { f: () => 1 }), true); // a function is not cloneable
      events.push('send returned');
      assert.strictEqual(slot.alive, false);
      assert.strictEqual(slot.send(8, { i: 8 }), false, 'a failed slot takes no more work');
      await new Promise((r) => setTimeout(r, 50));
      slot.close();
      assert.deepStrictEqual(events, ['send returned', 'failed 7 could not send work to the worker']);
    });

    it('after close() the owner hears nothing more', async () => {
      const s = script('slow.js', `const { parentPort } = require('worker_threads');
parentPort.on('message', (m) => setTimeout(() => parentPort.postMessage({ i: m.i }), 100));`);
      const events: string[] = [];
      const slot = new WorkerSlot<number, unknown>({ script: s, timeoutMs: 60_000 }, { reply: () => events.push('reply'), failed: () => events.push('failed') });
      slot.send(0, { i: 0 });
      slot.close();
      await new Promise((r) => setTimeout(r, 300));
      assert.deepStrictEqual(events, []);
      assert.strictEqual(slot.alive, false);
    });
  });

  describe('IR building (batch.ts)', () => {
    const files = fixtureWorkspaces(FIXTURES).flatMap((w) => w.files).slice(0, 24);

    it('a file its worker crashes on, and one it never answers, are reported; every other file is built as in-process', async () => {
      assert.ok(files.length >= 6, 'enough fixture files');
      const crashOn = files[1];
      const hangOn = files[4];
      // the hang is a busy loop, as a real one would be: the worker reads no further message
      const s = wrappedWorker('batch-bad.js', `(m) => m.path === ${JSON.stringify(crashOn)} ? 'crash' : m.path === ${JSON.stringify(hangOn)} ? 'hang' : undefined`);
      const r = await buildTree(files, { workers: 2, workerScript: s, inProcessBelowBytes: 0, fileTimeoutMs: 2_000 });
      assert.strictEqual(r.workers, 2, 'built in workers');
      assert.strictEqual(r.files.length, files.length);
      const byPath = new Map(r.files.map((f) => [f.path, f]));
      assert.match(byPath.get(crashOn)!.skipped ?? '', /^internal error: worker crashed: .*misbehaving on purpose.*; please report this file$/s);
      assert.match(byPath.get(hangOn)!.skipped ?? '', /^internal error: no result after 2 s \(worker terminated\); please report this file$/);
      assert.deepStrictEqual(r.errors.map((e) => e.path).sort(), [crashOn, hangOn].sort());
      for (const f of files) {
        if (f === crashOn || f === hangOn) continue;
        const b = byPath.get(f)!;
        assert.strictEqual(b.skipped, undefined, `${f} built`);
        assert.deepStrictEqual(b.ir, buildFileIR(f, fs.readFileSync(f, 'utf8')).ir, `${f}: same IR as in-process`);
      }
    });

    it('a worker that crashed once on a file: the file is retried on a new worker and built, nothing reported', async () => {
      const flaky = files[2];
      const marker = path.join(dir, 'crashed-once');
      const s = wrappedWorker('batch-flaky.js', `(m) => { if (m.path !== ${JSON.stringify(flaky)} || require('fs').existsSync(${JSON.stringify(marker)})) return undefined; require('fs').writeFileSync(${JSON.stringify(marker)}, ''); return 'crash'; }`);
      const r = await buildTree(files, { workers: 2, workerScript: s, inProcessBelowBytes: 0 });
      assert.ok(fs.existsSync(marker), 'the worker did crash');
      assert.deepStrictEqual(r.errors, []);
      const b = r.files.find((f) => f.path === flaky)!;
      assert.strictEqual(b.skipped, undefined);
      assert.deepStrictEqual(b.ir, buildFileIR(flaky, fs.readFileSync(flaky, 'utf8')).ir);
    });

    it('workers that die at once: the files are built on this thread', async () => {
      const s = script('dies.js', `process.exit(1);`);
      const r = await buildTree(files, { workers: 2, workerScript: s, inProcessBelowBytes: 0 });
      assert.deepStrictEqual(r.errors, []);
      for (const f of r.files) assert.deepStrictEqual(f.ir, buildFileIR(f.path, fs.readFileSync(f.path, 'utf8')).ir, `${f.path}: same IR as in-process`);
    });
  });

  describe('parallel dataflow (parallel.ts)', () => {
    const ws = fixtureWorkspaces(FIXTURES).find((w) => w.name === 'gfs2-dio')!;
    const twins = (): [Workspace, Workspace] => {
      const irs = ws.files.map((f) => ({ f, ir: buildFileIR(f, fs.readFileSync(f, 'utf8')).ir }));
      const mk = (): Workspace => { const w = new Workspace(); for (const { f, ir } of irs) w.setFileIR(f, JSON.parse(JSON.stringify(ir)), 0); return w; };
      return [mk(), mk()];
    };

    for (const [what, pick] of [
      ['a worker that crashes on its first batch', `(m, seen) => m.k === 'batch' && seen === 2 ? 'crash' : undefined`],
      ['a worker that exits on its first batch', `(m, seen) => m.k === 'batch' && seen === 2 ? 'exit' : undefined`],
      ['a worker that never answers a batch', `(m) => m.k === 'batch' ? 'swallow' : undefined`],
    ] as const) {
      it(`${what}: its jobs run on this thread, same result as the sequential loop`, async () => {
        const s = wrappedWorker(`par-${what.replace(/\W+/g, '-')}.js`, pick);
        const [a, b] = twins();
        const seq = a.analyze();
        const par = await b.analyzeParallel({ workers: 2, script: s, inFlight: 1, batch: 1, jobTimeoutMs: 1_000 });
        assert.ok(seq.findings.length > 0, 'the fixture has findings');
        assert.deepStrictEqual(par.findings, seq.findings);
        assert.strictEqual(par.functions, seq.functions);
        assert.deepStrictEqual(new Map([...par.summaries].sort()), new Map([...seq.summaries].sort()));
      });
    }
  });
});
