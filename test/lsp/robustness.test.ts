// Indexing progress, cancellation, settings/config reload, and the
// robustness asked of the server (issue 6): malformed JSON-RPC, unknown
// methods, unopened documents, out-of-range edits, a 10,000-edit soak.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type { Hover, InlayHint } from 'vscode-languageserver-protocol';
import { ROOT, TestClient, tempWorkspace, uriOf } from './harness';

const FIX = path.join(ROOT, 'test-fixtures');
const LEAK = fs.readFileSync(path.join(FIX, 'balance', 'dax-eio-leak.c'), 'utf8');

describe('lsp: indexing, progress and configuration', function () {
  this.timeout(90000);

  it('indexes every C file of the workspace folder with $/progress begin, reports and end', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`sub${i % 3}/f${i}.c`] = LEAK.replace(/toy_insert_mapping/g, `toy_insert_mapping_${i}`);
    files['notes.txt'] = 'not C';
    const dir = tempWorkspace(files);
    const c = new TestClient({ root: dir });
    try {
      await c.initialize(dir);
      await c.indexed();
      assert.strictEqual(c.progressCreated.length, 1, 'one work-done progress token created');
      const token = c.progressCreated[0];
      const values = c.notes.filter((n) => n.method === '$/progress' && (n.params as { token: string }).token === token).map((n) => (n.params as { value: { kind: string; message?: string; percentage?: number } }).value);
      assert.strictEqual(values[0].kind, 'begin');
      assert.strictEqual(values[values.length - 1].kind, 'end');
      assert.ok(values.some((v) => v.kind === 'report' && /\/60 files/.test(v.message ?? '')), JSON.stringify(values));
      // every file's leak is published without opening it
      await c.until('60 files with diagnostics', () => [...c.diags.values()].filter((d) => d.some((x) => x.code === 'lock-leak')).length === 60 || undefined);
      const stats = await c.request<{ files: number }>('lockorder/stats', {});
      assert.strictEqual(stats.files, 60);
      const status = c.notes.filter((n) => n.method === 'lockorder/status').map((n) => n.params as { state: string; counts: { warning: number } });
      assert.ok(status.some((s) => s.state === 'indexing'));
      assert.strictEqual(status[status.length - 1].counts.warning, 60);
    } finally {
      await c.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies lockorder.* settings live: severity per rule, rules off', async () => {
    const dir = tempWorkspace({ 'a.c': LEAK });
    const c = new TestClient({ root: dir, settings: { severity: { 'lock-leak': 'error' } } });
    try {
      await c.initialize(dir);
      const uri = c.open(path.join(dir, 'a.c'));
      const d1 = await c.diagnostics(uri);
      assert.strictEqual(d1[0].severity, 1, 'lock-leak as error');
      c.settings = { disabledRules: ['lock-leak'] };
      await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
      await c.diagnostics(uri, (d) => d.length === 0);
      c.settings = {};
      await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
      const d3 = await c.diagnostics(uri, (d) => d.length === 1);
      assert.strictEqual(d3[0].severity, 2);
    } finally {
      await c.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('watches .lockorder: a declared order changes diagnostics; a bad line is reported on the file', async () => {
    const src = `struct mutex;
struct toy { struct mutex a; struct mutex b; };

static void toy_ab(struct toy *t)
{
	mutex_lock(&t->b);
	mutex_lock(&t->a);
	mutex_unlock(&t->a);
	mutex_unlock(&t->b);
}
`;
    const dir = tempWorkspace({ 'toy.c': src });
    const c = new TestClient({ root: dir });
    try {
      await c.initialize(dir);
      const uri = c.open(path.join(dir, 'toy.c'));
      await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
      assert.strictEqual((c.diagnosticsFor(uri) ?? []).length, 0);
      const cfg = path.join(dir, '.lockorder');
      fs.writeFileSync(cfg, 'order toy.a -> toy.b\nbogus line here\n');
      await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(cfg), type: 1 }] });
      const d = await c.diagnostics(uri, (x) => x.some((y) => y.code === 'order-violation'));
      assert.ok(d.length >= 1);
      const cfgDiags = await c.diagnostics(uriOf(cfg));
      assert.match(cfgDiags[0].message, /unknown directive "bogus"/);
      assert.strictEqual(cfgDiags[0].range.start.line, 1);
      fs.unlinkSync(cfg);
      await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(cfg), type: 3 }] });
      await c.diagnostics(uri, (x) => x.length === 0);
    } finally {
      await c.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lsp: cancellation', function () {
  this.timeout(60000);
  it('a request cancelled right after it was sent answers RequestCancelled; the next one is served', async () => {
    const dir = tempWorkspace({ 'a.c': LEAK });
    const c = new TestClient({ root: dir });
    try {
      await c.initialize(dir);
      const uri = c.open(path.join(dir, 'a.c'));
      await c.diagnostics(uri);
      // make the analysis stale so the request has work to wait for, then cancel it at once
      c.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '/* edit */\n' }]);
      const cts = new CancellationTokenSource();
      const p = c.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 19, character: 2 } }, cts);
      cts.cancel();
      await assert.rejects(p, (e: { code?: number }) => e.code === -32800);
      const ok = await c.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 19, character: 2 } });
      assert.ok(ok && JSON.stringify(ok.contents).includes('mutex_lock'));
    } finally {
      await c.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lsp: robustness', function () {
  this.timeout(180000);
  let c: TestClient;
  let dir: string;
  before(async () => { dir = tempWorkspace({ 'a.c': LEAK }); c = new TestClient({ root: dir, nodeArgs: ['--expose-gc'] }); await c.initialize(dir); await c.indexed(); });
  after(async () => { await c.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  const alive = async (): Promise<void> => {
    const s = await Promise.race([c.request<{ files: number }>('lockorder/stats', {}), new Promise<never>((_, rej) => setTimeout(() => rej(new Error('server stopped answering')), 5000))]);
    assert.ok(s.files >= 1);
  };
  const raw = (s: string): Promise<void> => new Promise((r) => c.proc.stdin!.write(s, () => r()));

  it('survives malformed JSON-RPC: bad JSON, a header without Content-Length, garbage bytes', async () => {
    await raw('Content-Length: 5\r\n\r\n{bad}');
    await alive();
    await raw('Content-Type: application/json\r\n\r\n{"jsonrpc":"2.0","id":99,"method":"x"}');
    await alive();
    await raw('Content-Length: 30\r\n\r\n{"jsonrpc":"2.0","id":"x","m"}');
    await alive();
    await raw('Content-Length: 41\r\n\r\n{"jsonrpc":"2.0","id":7,"params":[1,2,3]}');
    await alive();
    await raw('Content-Length: 999999999999\r\n\r\n');
    await alive();
    assert.ok(!c.exited);
  });

  it('answers unknown methods with MethodNotFound and ignores unknown notifications', async () => {
    await assert.rejects(c.request('lockorder/noSuchMethod', { a: 1 }), (e: { code?: number }) => e.code === -32601);
    await c.conn.sendNotification('lockorder/noSuchNotification', { a: 1 });
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri: 'file:///nowhere/never-opened.c', version: 3 }, contentChanges: [{ text: 'x' }] });
    await c.conn.sendNotification('textDocument/didClose', { textDocument: { uri: 'file:///nowhere/never-opened.c' } });
    await alive();
  });

  it('serves requests for documents that were never opened', async () => {
    const never = uriOf(path.join(dir, 'missing.c'));
    assert.strictEqual(await c.request('textDocument/hover', { textDocument: { uri: never }, position: { line: 3, character: 3 } }), null);
    assert.deepStrictEqual(await c.request('textDocument/inlayHint', { textDocument: { uri: never }, range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } } }), []);
    assert.deepStrictEqual(await c.request('textDocument/codeAction', { textDocument: { uri: never }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [] } }), []);
    // an indexed file that is not open is served from disk
    const h = await c.request<Hover | null>('textDocument/hover', { textDocument: { uri: uriOf(path.join(dir, 'a.c')) }, position: { line: 18, character: 3 } });
    assert.ok(h && JSON.stringify(h.contents).includes('i_mmap_mutex'));
    const sim = await c.request<{ ok: boolean; error: string }>('workspace/executeCommand', { command: 'lockorder.simulate', arguments: [{ uri: never, position: { line: 0, character: 0 } }] });
    assert.strictEqual(sim.ok, false);
    assert.match(sim.error, /not part of the analysed workspace/);
  });

  it('accepts edits with out-of-range positions and goes on analysing', async () => {
    const uri = c.open(path.join(dir, 'a.c'));
    await c.diagnostics(uri);
    c.change(uri, [{ range: { start: { line: 9999, character: 50 }, end: { line: 10050, character: 3 } }, text: '\n/* appended */\n' }]);
    c.change(uri, [{ range: { start: { line: 2, character: 500 }, end: { line: 1, character: 0 } }, text: '' }]);
    c.change(uri, [{ range: { start: { line: -4, character: -1 }, end: { line: 0, character: 0 } }, text: '' }]);
    await alive();
    const hints = await c.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: -5, character: 0 }, end: { line: 100000, character: 0 } } });
    assert.ok(Array.isArray(hints));
    const h = await c.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 123456, character: 99 } });
    assert.strictEqual(h, null);
    // the document is still analysed after the odd edits
    c.change(uri, [{ text: LEAK }]);
    await c.diagnostics(uri, (d) => d.some((x) => x.code === 'lock-leak'));
  });

  it('10,000 edits: memory stays flat within 10% after warm-up', async () => {
    const uri = uriOf(path.join(dir, 'a.c'));
    c.change(uri, [{ text: LEAK }]);
    const line = 19; // inside toy_insert_mapping_buggy: `size = ...`
    const heap = async (): Promise<number> => (await c.request<{ memory: { heapUsed: number } }>('lockorder/stats', {})).memory.heapUsed;
    const batch = async (n: number, k: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        // insert then delete a character: the text oscillates, each edit is a real incremental change
        const ins = (k + i) % 2 === 0;
        c.change(uri, [ins ? { range: { start: { line, character: 1 }, end: { line, character: 1 } }, text: ' ' }
          : { range: { start: { line, character: 1 }, end: { line, character: 2 } }, text: '' }]);
      }
      // force an analysis of the current text
      await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 18, character: 3 } });
    };
    const t0 = Date.now();
    let done = 0;
    for (; done < 2000; done += 250) await batch(250, done);
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) warm.push(await heap());
    const baseline = Math.min(...warm);
    const samples: number[] = [];
    for (; done < 10000; done += 250) {
      await batch(250, done);
      if (done % 1000 === 750) samples.push(await heap());
    }
    const final = await heap();
    samples.push(final);
    const worst = Math.max(...samples);
    const ms = Date.now() - t0;
    // eslint-disable-next-line no-console
    console.log(`      10,000 edits in ${ms} ms; heap after warm-up ${(baseline / 1048576).toFixed(1)} MB, worst ${(worst / 1048576).toFixed(1)} MB, final ${(final / 1048576).toFixed(1)} MB`);
    assert.ok(final <= baseline * 1.1, `final heap ${final} > 110% of ${baseline}`);
    assert.ok(worst <= baseline * 1.1, `heap grew to ${worst} (> 110% of ${baseline})`);
    const d = await c.diagnostics(uri);
    assert.ok(d.some((x) => x.code === 'lock-leak'), 'still analysing correctly');
  });

  it('starts the same server as `lockorder lsp --stdio`', async () => {
    const cli = new TestClient({ command: [process.execPath, path.join(ROOT, 'bin', 'lockorder.js'), 'lsp', '--stdio'], root: dir });
    try {
      const init = await cli.initialize(dir);
      assert.strictEqual(init.serverInfo?.name, 'lockorder');
      const uri = cli.open(path.join(dir, 'a.c'), LEAK);
      const d = await cli.diagnostics(uri);
      assert.strictEqual(d[0].code, 'lock-leak');
    } finally {
      await cli.stop();
    }
    assert.ok(cli.exited, 'exits on shutdown/exit');
  });
});
