// lockorder.simulate runs in the simulation worker (lsp/crossCheckWorker.ts,
// driven by lsp/crossCheckClient.ts), not on the thread that serves edits
// and requests: its answer is the one simulate() gives on a Workspace of the
// same texts (unsaved edits included: the request carries the sync delta),
// the server keeps answering while the worker simulates, and when the worker
// cannot answer (fails to start, crashes on the request, does not answer in
// time) the command still answers, from the main thread. The worker's test
// hooks (LOCKORDER_TEST_CROSSCHECK_GATE / _FAIL) make this deterministic: no
// timing assertions.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { Workspace } from '../../server/src/analysis/workspace';
import { emptyConfig } from '../../server/src/model/config';
import { simulate as runSimulator, ScenarioKind } from '../../server/src/sim/scenarios';
import { adaptSimResult, simulate as simulateCommand, SimulateResponse } from '../../server/src/lsp/commands';
import { CrossCheckClient } from '../../server/src/lsp/crossCheckClient';
import { Session } from '../../server/src/lsp/session';
import { DEFAULT_SETTINGS, workspaceOptions } from '../../server/src/lsp/settings';
import { pathToUri } from '../../server/src/lsp/uris';
import { ROOT, TestClient, tempWorkspace } from './harness';
import { CONFIRMED, CrossStats, crossStats as stats, faults, logs, release, started, waitFor, withGatedServer, withServer } from './gated';

const GFS2 = fs.readFileSync(path.join(ROOT, 'test-fixtures', 'gfs2-dio', 'toyfs_file.c'), 'utf8');
const FN = 'toy_direct_read_buggy';
const fellBack = (c: TestClient): string[] => logs(c).filter((m) => /lockorder\.simulate of .* runs on the main thread/.test(m));

/** Ask for the stats until `pred` holds (or fail after `ms`). */
async function statsUntil(c: TestClient, what: string, pred: (s: CrossStats) => boolean, ms = 30000): Promise<CrossStats> {
  const t0 = Date.now();
  for (;;) {
    const s = await stats(c);
    if (pred(s)) return s;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The command's answer as the main thread gives it, as it reaches the client (JSON): simulate() on a Workspace holding `text` at `file` (the server's engine options). */
function direct(file: string, text: string, fn = FN, scenario: ScenarioKind = 'auto'): SimulateResponse {
  const ws = new Workspace({ ...workspaceOptions(DEFAULT_SETTINGS), config: emptyConfig() });
  ws.setFile(file, text);
  ws.analyze();
  return untimed(JSON.parse(JSON.stringify(adaptSimResult(runSimulator(ws, { file, fn, scenario }), fn, pathToUri(file), pathToUri))) as SimulateResponse);
}

/** The exploration's wall-clock time in the timeline's header ("..., 13 transitions, 1 ms]") is the one thing two runs may differ in. */
const untimed = (r: SimulateResponse): SimulateResponse => (r.timeline === undefined ? r : { ...r, timeline: r.timeline.replace(/, \d+ ms\]/g, ', _ ms]') });

const simulateReq = async (c: TestClient, uri: string, fn = FN): Promise<SimulateResponse> =>
  untimed(await c.request<SimulateResponse>('workspace/executeCommand', { command: 'lockorder.simulate', arguments: [{ uri, function: fn }] }));

const insertLines = (c: TestClient, uri: string, n: number): void =>
  c.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n'.repeat(n) }]);

/** A gated server with the gfs2 fixture open, its first cross-check released and both findings confirmed. */
async function withOpenConfirmed(body: (c: TestClient, gate: string, file: string, uri: string) => Promise<void>): Promise<void> {
  await withGatedServer({ 'toyfs_file.c': GFS2 }, async (c, dir, gate) => {
    const file = path.join(dir, 'toyfs_file.c');
    const uri = c.open(file);
    await waitFor(c, () => started(gate, 1), 'the first cross-check to start');
    release(gate, 1);
    await c.diagnostics(uri, (x) => faults(x).length === 2 && faults(x).every((y) => CONFIRMED.test(y.message)));
    await body(c, gate, file, uri);
  });
}

describe('lsp: lockorder.simulate runs in the simulation worker', function () {
  this.timeout(120000);

  it('answers as simulate() on the same texts, unsaved edits included; a cross-check ahead of it is aborted and asked again', async () => {
    // on disk the function has another name: the worker must simulate the editor's text, not the file
    await withGatedServer({ 'toyfs_file.c': GFS2.split(FN).join('toy_direct_read_on_disk') }, async (c, dir, gate) => {
      const file = path.join(dir, 'toyfs_file.c');
      const uri = c.open(file, GFS2);
      await c.diagnostics(uri, (x) => faults(x).length === 2);
      // the first cross-check (request 1: the whole state) is held in the worker after its analysis
      await waitFor(c, () => started(gate, 1), 'the first cross-check to start');
      // an unsaved edit while it is held: analysed and published at once; its cross-check waits (one at a time)
      insertLines(c, uri, 3);
      await c.diagnostics(uri, (x) => faults(x).length === 2 && faults(x)[0].range.start.line === 85);
      const edited = `\n\n\n${GFS2}`;
      const pending = simulateReq(c, uri);
      // the simulate request is sent behind the held cross-check, and carries the edit (the cross-check of
      // the edit is not sent yet: the worker is busy), so the worker can only know the edit from it
      const s0 = await statsUntil(c, 'the simulate request sent to the worker', (s) => s.simSent === 1);
      assert.strictEqual(s0.sent, 1, JSON.stringify(s0));
      // the user is waiting: the held cross-check (never released) is aborted in the worker, its reply is
      // not applied, and a cross-check of the current analysis is asked for again, behind the simulation
      await waitFor(c, () => fs.existsSync(path.join(gate, 'aborted-1')), 'the held cross-check to be aborted');
      await waitFor(c, () => started(gate, 2), 'the simulation to start in the worker');
      const mid = await statsUntil(c, 'the aborted cross-check reply', (s) => s.aborted === 1 && s.sent === 2);
      assert.strictEqual(mid.dropped + mid.applied, 0, JSON.stringify(mid));
      assert.strictEqual(mid.simAnswered, 0, 'the simulation is still held');
      release(gate, 'all');
      const res = await pending;
      assert.strictEqual(res.verdict, 'deadlock', JSON.stringify(res));
      assert.deepStrictEqual(res, direct(file, edited));
      // the edit's own cross-check, after the simulation, is applied
      const done = await c.diagnostics(uri, (x) => faults(x).length === 2 && faults(x).every((y) => CONFIRMED.test(y.message)));
      assert.deepStrictEqual(faults(done).map((x) => x.range.start.line), [85, 106]);
      // a function the simulator does not know: the same error as on the main thread, and the worker is fine
      const none = await simulateReq(c, uri, 'toy_direct_read_on_disk');
      assert.deepStrictEqual(none, { ok: false, function: 'toy_direct_read_on_disk', uri, error: `no function toy_direct_read_on_disk() in ${file}` });
      const end = await stats(c);
      assert.deepStrictEqual({ simSent: end.simSent, simAnswered: end.simAnswered, simFallbacks: end.simFallbacks, failures: end.failures }, { simSent: 2, simAnswered: 2, simFallbacks: 0, failures: 0 });
      assert.ok(end.applied >= 1, JSON.stringify(end));
      assert.deepStrictEqual(fellBack(c), []);
    });
  });

  it('a cancelled simulation is answered at once and stopped in the worker, which then serves the next request', async () => {
    await withOpenConfirmed(async (c, gate, file, uri) => {
      // the simulation (request 2) is held in the worker; the client gives up on it
      const cts = new CancellationTokenSource();
      const asked = c.request('workspace/executeCommand', { command: 'lockorder.simulate', arguments: [{ uri, function: FN }] }, cts);
      await waitFor(c, () => started(gate, 2), 'the simulation to start in the worker');
      cts.cancel();
      await assert.rejects(asked, (e: Error) => /cancelled/.test(e.message), 'answered as cancelled');
      // the worker stops it without being released, answers nothing for it, and is free again
      await waitFor(c, () => fs.existsSync(path.join(gate, 'aborted-2')), 'the simulation to be aborted in the worker');
      const s1 = await stats(c);
      assert.deepStrictEqual({ simCancelled: s1.simCancelled, simFallbacks: s1.simFallbacks, failures: s1.failures }, { simCancelled: 1, simFallbacks: 0, failures: 0 });
      assert.deepStrictEqual(fellBack(c), [], 'nothing was simulated on the main thread');
      release(gate, 'all');
      const res = await simulateReq(c, uri);
      assert.deepStrictEqual(res, direct(file, GFS2));
    });
  });

  it('while the worker simulates, hovers are answered and an edit is analysed and published', async () => {
    await withOpenConfirmed(async (c, gate, file, uri) => {
      let answer: SimulateResponse | undefined;
      const pending = simulateReq(c, uri).then((r) => { answer = r; return r; });
      // the simulation (request 2) is held in the worker: everything below is served meanwhile
      await waitFor(c, () => started(gate, 2), 'the simulation to start in the worker');
      const line = GFS2.split('\n').findIndex((l) => l.includes('ret = iomap_dio_rw(iocb, to,'));
      const h = await c.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line, character: 10 } });
      assert.ok(h && /fault/i.test(h.contents.value), JSON.stringify(h));
      insertLines(c, uri, 1);
      await c.diagnostics(uri, (x) => faults(x).length === 2 && faults(x)[0].range.start.line === 83);
      assert.strictEqual(answer, undefined, 'the simulation is still held in the worker');
      assert.ok(!fs.existsSync(path.join(gate, 'release-2')) && !fs.existsSync(path.join(gate, 'release-all')));
      release(gate, 'all');
      // the answer is about the text the command was sent for (before the edit)
      assert.deepStrictEqual(await pending, direct(file, GFS2));
      const s = await stats(c);
      assert.deepStrictEqual({ simAnswered: s.simAnswered, simFallbacks: s.simFallbacks, failures: s.failures }, { simAnswered: 1, simFallbacks: 0, failures: 0 });
      assert.deepStrictEqual(fellBack(c), []);
    });
  });

  for (const when of ['start', 'simulate'] as const) {
    it(`a worker that fails at ${when}: the command answers from the main thread, logged in one line`, async () => {
      await withServer({ 'toyfs_file.c': GFS2 }, { LOCKORDER_TEST_CROSSCHECK_FAIL: when }, async (c, dir) => {
        const file = path.join(dir, 'toyfs_file.c');
        const uri = c.open(file);
        if (when === 'start') await c.until('the cross-check worker failure logged', () => logs(c).some((m) => /simulation cross-check worker .*stay "not-run"/.test(m)));
        else await c.diagnostics(uri, (x) => faults(x).length === 2 && faults(x).every((y) => CONFIRMED.test(y.message)));
        const expected = direct(file, GFS2);
        assert.strictEqual(expected.verdict, 'deadlock');
        const res = await simulateReq(c, uri);
        assert.deepStrictEqual(res, expected);
        assert.strictEqual(fellBack(c).length, 1, logs(c).join('\n'));
        assert.ok(!fellBack(c)[0].includes('\n'), fellBack(c)[0]);
        // at once, when the worker stopped: not after the request's timeout
        assert.match(fellBack(c)[0], /runs on the main thread: the simulation worker stopped$/);
        const s = await stats(c);
        assert.strictEqual(s.simAnswered, 0, JSON.stringify(s));
        assert.strictEqual(s.simFallbacks, 1, JSON.stringify(s));
        assert.strictEqual(s.failures, when === 'start' ? 2 : 1, JSON.stringify(s));
        if (when === 'start') {
          // the third failure turns the worker off: the command does not wait for it any more
          insertLines(c, uri, 1);
          await c.until('the cross-check off', () => logs(c).some((m) => /cross-check off after 3 failures/.test(m)));
          assert.deepStrictEqual(await simulateReq(c, uri), direct(file, `\n${GFS2}`));
          assert.match(fellBack(c)[1] ?? '', /off after 3 failures/);
        } else {
          // the worker is replaced after the next analysis: an edit's findings are confirmed again
          insertLines(c, uri, 1);
          await c.diagnostics(uri, (x) => faults(x).length === 2 && faults(x)[0].range.start.line === 83 && faults(x).every((y) => CONFIRMED.test(y.message)));
        }
        assert.ok(!c.exited);
      });
    });
  }

  it('a worker that does not answer in time: the request is answered from the main thread (in process)', async () => {
    const dir = tempWorkspace({ 'toyfs_file.c': GFS2, 'silent-worker.js': "require('worker_threads').parentPort.on('message', () => undefined);\n" });
    const file = path.join(dir, 'toyfs_file.c');
    const session = new Session();
    session.roots = [dir];
    session.loadConfig();
    session.openDoc(file, GFS2, 1);
    const logged: string[] = [];
    const client = new CrossCheckClient(session, (s) => logged.push(s), () => undefined, path.join(dir, 'silent-worker.js'), 200);
    try {
      const res = untimed(JSON.parse(JSON.stringify(await simulateCommand(session, { uri: pathToUri(file), function: FN }, pathToUri, { worker: client, log: (s) => logged.push(s) }))) as SimulateResponse);
      assert.deepStrictEqual(res, direct(file, GFS2));
      assert.strictEqual(logged.length, 1, logged.join('\n'));
      assert.match(logged[0], /lockorder\.simulate of toy_direct_read_buggy\(\) runs on the main thread: the simulation worker did not answer within 200 ms/);
      assert.deepStrictEqual({ simSent: client.stats.simSent, simAnswered: client.stats.simAnswered, simFallbacks: client.stats.simFallbacks }, { simSent: 1, simAnswered: 0, simFallbacks: 1 });
    } finally {
      client.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
