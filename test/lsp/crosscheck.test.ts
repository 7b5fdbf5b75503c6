// The simulator cross-check of open files runs in a worker thread
// (lsp/crossCheckWorker.ts, driven by lsp/crossCheckClient.ts): its verdicts
// reach the diagnostics, an edit made while it simulates is published at once
// and the stale verdict is dropped, and a failing worker leaves the server
// working with findings "not-run". The worker's test hooks
// (LOCKORDER_TEST_CROSSCHECK_GATE / _FAIL) make this deterministic: no timing
// assertions.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, TestClient, tempWorkspace } from './harness';
import { CONFIRMED, crossStats, faults, logs, release, released, startedIds, waitFor, withGatedServer, withServer } from './gated';

const FIX = path.join(ROOT, 'test-fixtures');
const read = (rel: string): string => fs.readFileSync(path.join(FIX, rel), 'utf8');
const GFS2 = read('gfs2-dio/toyfs_file.c');

const statusVersion = (c: TestClient, uri: string, v: number): boolean =>
  c.notes.some((n) => n.method === 'lockorder/status' && (n.params as { versions?: Record<string, number> }).versions?.[uri] === v);

describe('lsp: simulation cross-check in a worker thread', function () {
  this.timeout(120000);

  it('confirms the ABBA of an open file whose other half is only indexed, and again after an edit (synced by delta)', async () => {
    const dir = tempWorkspace({ 'toy_a.c': read('abba-two-files/toy_a.c'), 'toy_b.c': read('abba-two-files/toy_b.c') });
    const c = new TestClient({ root: dir });
    try {
      await c.initialize(dir);
      await c.indexed();
      const file = path.join(dir, 'toy_a.c');
      const uri = c.open(file);
      const d = await c.diagnostics(uri, (x) => x.some((y) => y.code === 'order-cycle' && CONFIRMED.test(y.message)));
      assert.strictEqual(d.find((y) => y.code === 'order-cycle')!.range.start.line, 8);
      const s1 = await crossStats(c);
      assert.ok(s1.applied >= 1 && s1.failures === 0, JSON.stringify(s1));
      // a line inserted at the top: the worker gets the new text only, and confirms the moved finding
      c.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n' }]);
      await c.diagnostics(uri, (x) => x.some((y) => y.code === 'order-cycle' && y.range.start.line === 9 && CONFIRMED.test(y.message)));
      const s2 = await crossStats(c);
      assert.ok(s2.applied > s1.applied && s2.failures === 0, JSON.stringify(s2));
    } finally {
      await c.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an edit sent while the worker simulates is published at once; the stale verdict is dropped, the new one applied', async () => {
    await withGatedServer({ 'toyfs_file.c': GFS2 }, async (c, dir, gate) => {
      const uri = c.open(path.join(dir, 'toyfs_file.c'));
      const v1 = await c.diagnostics(uri, (x) => faults(x).length === 2);
      assert.deepStrictEqual(faults(v1).map((x) => x.range.start.line), [82, 103]);
      // the worker has analysed v1 and now waits before simulating
      const first = await waitFor(c, () => startedIds(gate)[0], 'the first cross-check to start');
      c.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n' }]);
      // published while the worker is still held: the main thread does not wait for it
      const v2 = await c.diagnostics(uri, (x) => faults(x).length === 2 && faults(x)[0].range.start.line === 83);
      await c.until('status for version 2', () => statusVersion(c, uri, 2));
      assert.ok(!released(gate, first), 'the first cross-check is still held');
      assert.ok(faults(v2).every((x) => !x.message.includes('[simulation')), 'no verdict yet');
      // let the first (now stale) cross-check finish: its verdict must not be applied to version 2
      release(gate, first);
      // the request for version 2 is sent only once the stale reply was handled
      await waitFor(c, () => startedIds(gate).some((i) => i > first), 'the cross-check of version 2 to start');
      const mid = await crossStats(c); // a round trip: every notification sent before it has arrived
      assert.strictEqual(mid.dropped, 1, JSON.stringify(mid));
      assert.strictEqual(mid.applied, 0, JSON.stringify(mid));
      assert.ok(faults(c.diagnosticsFor(uri)!).every((x) => !x.message.includes('[simulation') && x.range.start.line >= 83), JSON.stringify(c.diagnosticsFor(uri)));
      release(gate, 'all');
      const done = await c.diagnostics(uri, (x) => faults(x).length === 2 && faults(x).every((y) => CONFIRMED.test(y.message)));
      assert.deepStrictEqual(faults(done).map((x) => x.range.start.line), [83, 104]);
      const end = await crossStats(c);
      assert.ok(end.applied >= 1 && end.failures === 0, JSON.stringify(end));
    });
  });

  for (const when of ['start', 'check']) {
    it(`a worker that fails at ${when}: logged, findings stay "not-run", the server keeps serving`, async () => {
      await withServer({ 'toyfs_file.c': GFS2 }, { LOCKORDER_TEST_CROSSCHECK_FAIL: when }, async (c, dir) => {
        const file = path.join(dir, 'toyfs_file.c');
        const uri = c.open(file);
        await c.diagnostics(uri, (x) => faults(x).length === 2);
        await c.until('the worker failure logged', () => logs(c).some((m) => /simulation cross-check worker .*stay "not-run"/.test(m)));
        // each later analysis tries a new worker, until the cross-check is turned off
        let added = 0;
        const insertLine = (): void => { c.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n' }]); added++; };
        for (let i = 0; i < 4 && !logs(c).some((m) => /cross-check off after 3 failures/.test(m)); i++) {
          const before = logs(c).length;
          insertLine();
          await c.until(`analysis ${i + 2} and the worker's failure`, () => logs(c).length > before);
        }
        assert.ok(logs(c).some((m) => /cross-check off after 3 failures/.test(m)), logs(c).join('\n'));
        // still serving: an edit is analysed and published, hovers answer, nothing is simulated
        insertLine();
        const d = await c.diagnostics(uri, (x) => faults(x).length === 2 && faults(x)[0].range.start.line === 82 + added);
        assert.ok(faults(d).every((x) => !x.message.includes('[simulation')), JSON.stringify(d));
        const line = GFS2.split('\n').findIndex((l) => l.includes('ret = iomap_dio_rw(iocb, to,')) + added;
        const h = await c.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line, character: 10 } });
        assert.ok(h && /fault/i.test(h.contents.value), JSON.stringify(h));
        const s = await crossStats(c);
        assert.strictEqual(s.failures, 3, JSON.stringify(s));
        assert.strictEqual(s.applied, 0);
        assert.ok(!c.exited);
      });
    });
  }

  it('works from the server bundle alone (no crossCheckWorker.js beside it): the bundle is the worker script', async () => {
    const dist = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lockorder-bundle-')), 'dist');
    fs.mkdirSync(dist);
    fs.copyFileSync(path.join(ROOT, 'dist', 'server.js'), path.join(dist, 'server.js'));
    const dir = tempWorkspace({ 'toyfs_file.c': GFS2 });
    const c = new TestClient({ root: dir, command: [process.execPath, path.join(dist, 'server.js'), '--stdio'], env: { NODE_PATH: path.join(ROOT, 'node_modules') } });
    try {
      await c.initialize(dir);
      const uri = c.open(path.join(dir, 'toyfs_file.c'));
      await c.diagnostics(uri, (x) => faults(x).length === 2 && faults(x).every((y) => CONFIRMED.test(y.message)));
      const s = await crossStats(c);
      assert.ok(s.applied >= 1 && s.failures === 0, JSON.stringify(s));
    } finally {
      await c.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(path.dirname(dist), { recursive: true, force: true });
    }
  });
});
