// The real language server over stdio (dist/server.js): initialize,
// diagnostics with related information, hovers, inlay hints, code actions
// applied and re-checked, the simulate and graph commands.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { CodeAction, Hover, InlayHint, InitializeResult, TextEdit } from 'vscode-languageserver-protocol';
import { applyTextEdits, ROOT, TestClient, tempWorkspace, uriOf } from './harness';

const FIX = path.join(ROOT, 'test-fixtures');
const read = (rel: string): string => fs.readFileSync(path.join(FIX, rel), 'utf8');
const hoverText = (h: Hover | null): string => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '');
const lineOf = (text: string, needle: string): number => {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `fixture has no line with ${needle}`);
  return i;
};
const colOf = (text: string, line: number, needle: string): number => text.split('\n')[line].indexOf(needle);

describe('lsp: initialize and diagnostics', function () {
  this.timeout(60000);
  let c: TestClient;
  let init: InitializeResult;
  const ws = path.join(FIX, 'balance');
  before(async () => { c = new TestClient({ root: ws }); init = await c.initialize(ws); });
  after(async () => { await c.stop(); });

  it('advertises hover, inlay hints, code actions, commands and incremental sync', () => {
    const caps = init.capabilities;
    assert.ok(caps.hoverProvider);
    assert.ok(caps.inlayHintProvider);
    assert.ok(caps.codeActionProvider);
    assert.deepStrictEqual(caps.executeCommandProvider?.commands, ['lockorder.simulate', 'lockorder.graph']);
    assert.strictEqual((caps.textDocumentSync as { change: number }).change, 2);
    assert.strictEqual(init.serverInfo?.name, 'lockorder');
  });

  it('publishes the lock-leak with rule code, README link and related information', async () => {
    const uri = c.open(path.join(ws, 'dax-eio-leak.c'));
    const diags = await c.diagnostics(uri);
    assert.strictEqual(diags.length, 1);
    const d = diags[0];
    assert.strictEqual(d.code, 'lock-leak');
    assert.strictEqual(d.source, 'lockorder');
    assert.strictEqual(d.severity, 2);
    assert.strictEqual(d.codeDescription?.href, 'https://github.com/lockorder/lockorder#rule-lock-leak');
    assert.deepStrictEqual(d.range.start, { line: 27, character: 1 });
    assert.match(d.message, /i_mmap_mutex .*still held when returning an error at line 28/);
    assert.strictEqual(d.relatedInformation?.length, 2);
    assert.strictEqual(d.relatedInformation![0].location.range.start.line, 18);
    assert.match(d.relatedInformation![0].message, /taken here by mutex_lock/);
  });

  it('keeps correlated-condition code quiet (empty diagnostics for the file)', async () => {
    const uri = c.open(path.join(ws, 'fuse-fallocate-correlated.c'));
    await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
    assert.strictEqual((c.diagnosticsFor(uri) ?? []).length, 0);
  });
});

describe('lsp: workspace-wide analysis', function () {
  this.timeout(60000);
  let c: TestClient;
  let dir: string;
  before(async () => {
    dir = tempWorkspace({ 'toy_a.c': read('abba-two-files/toy_a.c'), 'toy_b.c': read('abba-two-files/toy_b.c') });
    c = new TestClient({ root: dir });
    await c.initialize(dir);
  });
  after(async () => { await c.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('indexes unopened files: the ABBA is reported in toy_a.c with the other half in toy_b.c', async () => {
    const uriA = uriOf(path.join(dir, 'toy_a.c'));
    const diags = await c.until('order-cycle in toy_a.c', () => c.diagnosticsFor(uriA)?.find((d) => d.code === 'order-cycle'));
    assert.strictEqual(diags.range.start.line, 8);
    assert.ok(diags.relatedInformation?.some((r) => r.location.uri === uriOf(path.join(dir, 'toy_b.c'))), 'related information points into toy_b.c');
  });

  it('re-analyses the workspace after an edit: fixing toy_b.c clears the diagnostic in toy_a.c', async () => {
    const uriA = uriOf(path.join(dir, 'toy_a.c'));
    const uriB = c.open(path.join(dir, 'toy_b.c'));
    const text = fs.readFileSync(path.join(dir, 'toy_b.c'), 'utf8');
    // take toy_dev_lock first in toy_table_gc, as toy_a.c does
    const fixed = text.replace('void toy_table_gc(void)\n{\n\tmutex_lock(&toy_table_lock);\n\tif (toy_table_has_stale()) {\n\t\tmutex_lock(&toy_dev_lock);',
      'void toy_table_gc(void)\n{\n\tmutex_lock(&toy_dev_lock);\n\tif (toy_table_has_stale()) {\n\t\tmutex_lock(&toy_table_lock);')
      .replace('\t\ttoy_table_drop_stale();\n\t\tmutex_unlock(&toy_dev_lock);\n\t}\n\tmutex_unlock(&toy_table_lock);\n}\n\n/* trylock',
        '\t\ttoy_table_drop_stale();\n\t\tmutex_unlock(&toy_table_lock);\n\t}\n\tmutex_unlock(&toy_dev_lock);\n}\n\n/* trylock');
    assert.notStrictEqual(fixed, text);
    c.change(uriB, [{ text: fixed }]);
    await c.until('toy_a.c cleared', () => c.diagnosticsFor(uriA)?.every((d) => d.code !== 'order-cycle'));
  });
});

describe('lsp: hover', function () {
  this.timeout(60000);
  let c: TestClient;
  before(async () => { c = new TestClient({ root: FIX }); await c.initialize(FIX); await c.indexed(); });
  after(async () => { await c.stop(); });

  const hoverAt = async (rel: string, needle: string, word: string, delta = 1): Promise<string> => {
    const file = path.join(FIX, rel);
    const text = fs.readFileSync(file, 'utf8');
    const uri = c.open(file);
    const line = lineOf(text, needle);
    const h = await c.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line, character: colOf(text, line, word) + delta } });
    return hoverText(h);
  };

  it('on a lock call: lock, class, mode, what is held and the declared order it violates', async () => {
    const t = await hoverAt('fuse-dax/toy_dax.c', 'inode_lock_shared(inode); /* expect', 'inode_lock_shared');
    // the instance is named as written or in its canonical form (single-assignment locals followed)
    assert.match(t, /`inode_lock_shared\(\)` takes `(inode|file_inode\(vmf->vma->vm_file\))->i_rwsem`/);
    assert.match(t, /class: `inode\.i_rwsem` · rwsem · mode shared/);
    assert.match(t, /held here: `vmf->vma->vm_mm->mmap_lock` \(shared, held by the caller\)/);
    assert.match(t, /sb_writers → \*\*inode\.i_rwsem\*\* → mm_struct\.mmap_lock/);
    assert.match(t, /against the declared order/);
  });

  it('on a lock call that respects the order, and where the opposite order is taken', async () => {
    const t = await hoverAt('abba-two-files/toy_a.c', 'mutex_lock(&toy_table_lock); /* expect', 'mutex_lock');
    assert.match(t, /takes `toy_table_lock`/);
    assert.match(t, /held here: `toy_dev_lock`/);
    assert.match(t, /opposite order taken in `toy_table_gc\(\)` at toy_b\.c:9: `toy_table_lock` held, then `toy_dev_lock`/);
    const t2 = await hoverAt('fuse-dax/toy_dax.c', 'down_write(&fi->i_mmap_sem);', 'down_write');
    assert.match(t2, /takes `(fi|get_fuse_inode\(inode\))->i_mmap_sem`/);
    assert.match(t2, /held here: `inode->i_rwsem` \(exclusive, line 72\)/);
  });

  it('on a may-fault call: why, the fault handlers and the lock they take, the deadlock risk', async () => {
    const t = await hoverAt('gfs2-dio/toyfs_file.c', 'ret = iomap_dio_rw(iocb, to, &toy_iomap_ops, NULL, 0, 0);', 'iomap_dio_rw');
    assert.match(t, /`iomap_dio_rw\(\)` may take a page fault/);
    assert.match(t, /get_user_pages/);
    assert.match(t, /`\.page_mkwrite` = `toy_page_mkwrite\(\)`.* takes .*`gfs2_glock\.i_gl` EX/);
    assert.match(t, /deadlock risk.*`[^`]*->i_gl`/);
    assert.match(t, /page faults enabled/);
  });

  it('on a may-fault call made safe by pagefault_disable + nofault', async () => {
    const t = await hoverAt('gfs2-dio/toyfs_file.c', 'ret = iomap_dio_rw(iocb, to, &toy_iomap_ops, NULL, IOMAP_DIO_PARTIAL, written);', 'iomap_dio_rw');
    assert.match(t, /`to->nofault` is set: returns short instead of faulting/);
    assert.doesNotMatch(t, /deadlock risk/);
  });

  it('on a function name: its summary', async () => {
    const t = await hoverAt('fuse-dax/toy_dax.c', 'static int toy_setattr_size_fixed', 'toy_setattr_size_fixed', 3);
    assert.match(t, /`toy_setattr_size_fixed\(\)` summary/);
    assert.match(t, /takes inside: `inode\.i_rwsem` exclusive, `fuse_inode\.i_mmap_sem` exclusive/);
    assert.match(t, /may sleep: yes/);
  });

  it('answers null away from anything it knows', async () => {
    const t = await hoverAt('fuse-dax/toy_dax.c', 'struct iattr { unsigned int ia_valid;', 'ia_valid');
    assert.strictEqual(t, '');
  });
});

describe('lsp: inlay hints', function () {
  this.timeout(60000);
  let c: TestClient;
  const ws = path.join(FIX, 'fuse-dax');
  before(async () => { c = new TestClient({ root: ws, settings: { inlayHints: { enabled: true } } }); await c.initialize(ws); });
  after(async () => { await c.stop(); });

  it('show the held set after each lock-changing statement, and can be turned off live', async () => {
    const file = path.join(ws, 'toy_dax.c');
    const text = fs.readFileSync(file, 'utf8');
    const uri = c.open(file);
    const range = { start: { line: 0, character: 0 }, end: { line: 200, character: 0 } };
    const hints = await c.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range });
    const at = (needle: string): string | undefined => {
      const l = lineOf(text, needle);
      const h = hints.find((x) => x.position.line === l);
      return h ? String(h.label) : undefined;
    };
    assert.match(at('down_write(&fi->i_mmap_sem);') ?? '', /^held: (fi|get_fuse_inode\(inode\))->i_mmap_sem\(W\), inode->i_rwsem\(W\)$/);
    assert.strictEqual(at('up_write(&fi->i_mmap_sem);'), 'held: inode->i_rwsem(W)');
    assert.match(at('inode_lock_shared(inode); /* expect')!, /^held: (inode|file_inode\(vmf->vma->vm_file\))->i_rwsem\(R\), vmf->vma->vm_mm->mmap_lock\(R\)$/);
    const l = lineOf(text, 'down_write(&fi->i_mmap_sem);');
    assert.strictEqual(hints.find((x) => x.position.line === l)!.position.character, text.split('\n')[l].length, 'hint at the end of the line');
    c.settings = { inlayHints: { enabled: false } };
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { lockorder: { inlayHints: { enabled: false } } } });
    const none = await c.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range });
    assert.deepStrictEqual(none, []);
  });
});

describe('lsp: code actions', function () {
  this.timeout(60000);
  let c: TestClient;
  let dir: string;
  const files: Record<string, string> = {
    'eio.c': read('balance/dax-eio-leak.c'),
    'ret.c': `struct mutex;
struct toy { struct mutex lock; int busy; };

static int toy_start(struct toy *t)
{
	mutex_lock(&t->lock);
	if (t->busy)
		return -EBUSY;
	t->busy = 1;
	mutex_unlock(&t->lock);
	return 0;
}
`,
    'label.c': `struct mutex;
struct toy { struct mutex lock; int busy; };

static int toy_setup(struct toy *t)
{
	int err;

	mutex_lock(&t->lock);
	err = toy_prepare(t);
	if (err)
		goto out;
	err = toy_commit(t);
	if (err)
		goto out_unlock;
	t->busy = 1;
out_unlock:
	mutex_unlock(&t->lock);
out:
	return err;
}
`,
    'hold.c': `struct rw_semaphore;
struct inode { struct rw_semaphore i_rwsem; long i_size; };

static void toy_update_size(struct inode *inode, long size)
{
	lockdep_assert_held(&inode->i_rwsem);
	inode->i_size = size;
}
`,
  };
  before(async () => { dir = tempWorkspace(files); c = new TestClient({ root: dir }); await c.initialize(dir); });
  after(async () => { await c.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  /** Open, get the lock-leak, ask for actions, apply the chosen one, send the new text, wait for a clean file. */
  const fixAndRecheck = async (name: string, pick: (a: CodeAction[]) => CodeAction | undefined): Promise<{ before: string; after: string; action: CodeAction }> => {
    const file = path.join(dir, name);
    const text = fs.readFileSync(file, 'utf8');
    const uri = c.open(file);
    const diags = await c.diagnostics(uri, (d) => d.some((x) => x.code === 'lock-leak'));
    const leak = diags.find((d) => d.code === 'lock-leak')!;
    const actions = await c.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: leak.range, context: { diagnostics: [leak] } });
    const action = pick(actions);
    assert.ok(action, `an action among: ${actions.map((a) => a.title).join(' | ')}`);
    const edits = action.edit!.changes![uri] as TextEdit[];
    const after = applyTextEdits(text, edits);
    c.change(uri, [{ text: after }]);
    await c.until(`${name} clean after the fix`, () => { const d = c.diagnosticsFor(uri); return d !== undefined && d.length === 0; });
    return { before: text, after, action };
  };

  it('lock-leak through a shared exit: inserts the unlock before the leaking goto, with its indentation', async () => {
    const r = await fixAndRecheck('eio.c', (a) => a.find((x) => /^Insert mutex_unlock\(&mapping->i_mmap_mutex\);/.test(x.title)));
    assert.strictEqual(r.action.isPreferred, true);
    assert.ok(r.after.includes('\t\terror = -EIO;\n\t\tmutex_unlock(&mapping->i_mmap_mutex);\n\t\tgoto out;\n'), r.after);
    assert.strictEqual(r.after.length, r.before.length + '\t\tmutex_unlock(&mapping->i_mmap_mutex);\n'.length);
  });

  it('lock-leak on an unbraced return: adds braces and the unlock', async () => {
    const r = await fixAndRecheck('ret.c', (a) => a.find((x) => x.title === 'Insert mutex_unlock(&t->lock); before this return'));
    assert.ok(r.after.includes('\tif (t->busy) {\n\t\tmutex_unlock(&t->lock);\n\t\treturn -EBUSY;\n\t}\n'), r.after);
  });

  it('lock-leak with an unlock label: offers both fixes; redirecting the goto is exact', async () => {
    const r = await fixAndRecheck('label.c', (a) => a.find((x) => /Redirect goto out to the unlock label "out_unlock"/.test(x.title)));
    assert.ok(r.after.includes('\tif (err)\n\t\tgoto out_unlock;\n\terr = toy_commit(t);'), r.after);
    assert.strictEqual(r.after.split('\n').length, r.before.split('\n').length);
  });

  it('__must_hold(...) for a function whose summary requires a lock at entry', async () => {
    const file = path.join(dir, 'hold.c');
    const text = fs.readFileSync(file, 'utf8');
    const uri = c.open(file);
    await c.until('hold.c analysed', () => c.diagnosticsFor(uri) !== undefined || c.notes.some((n) => n.method === 'lockorder/status'));
    const line = lineOf(text, 'static void toy_update_size');
    const pos = { line, character: colOf(text, line, 'toy_update_size') + 2 };
    const actions = await c.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: pos, end: pos }, context: { diagnostics: [] } });
    const a = actions.find((x) => x.title === 'Annotate toy_update_size() with __must_hold(&inode->i_rwsem)');
    assert.ok(a, actions.map((x) => x.title).join(' | '));
    const after = applyTextEdits(text, a.edit!.changes![uri] as TextEdit[]);
    assert.ok(after.includes('static void toy_update_size(struct inode *inode, long size) __must_hold(&inode->i_rwsem)\n{'), after);
    c.change(uri, [{ text: after }]);
    // re-checked: still clean, and the action is no longer offered
    const again = await c.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: pos, end: pos }, context: { diagnostics: [] } });
    assert.ok(!again.some((x) => x.title.startsWith('Annotate')), again.map((x) => x.title).join(' | '));
    assert.strictEqual((c.diagnosticsFor(uri) ?? []).length, 0);
  });
});

describe('lsp: commands', function () {
  this.timeout(60000);
  let c: TestClient;
  before(async () => { c = new TestClient({ root: FIX }); await c.initialize(FIX); await c.indexed(); });
  after(async () => { await c.stop(); });

  it('lockorder.graph returns the class graph with the ABBA cycle', async () => {
    const g = await c.request<{ ok: boolean; nodes: { id: string; inCycle: boolean }[]; edges: { from: string; to: string; inCycle: boolean; uri: string; fn: string }[]; cycles: string[][] }>(
      'workspace/executeCommand', { command: 'lockorder.graph', arguments: [{}] });
    assert.ok(g.ok);
    assert.ok(g.cycles.some((cy) => cy.includes('toy_dev_lock') && cy.includes('toy_table_lock')), JSON.stringify(g.cycles));
    const e = g.edges.find((x) => x.from === 'toy_dev_lock' && x.to === 'toy_table_lock');
    assert.ok(e && e.inCycle && e.uri.endsWith('toy_a.c'));
    assert.ok(g.edges.some((x) => x.from === 'inode.i_rwsem' && x.to === 'fuse_inode.i_mmap_sem' && !x.inCycle));
  });

  it('lockorder.simulate returns the witness ending in the wait-for cycle (gfs2 direct I/O vs its own fault)', async () => {
    const file = path.join(FIX, 'gfs2-dio', 'toyfs_file.c');
    const uri = c.open(file);
    const res = await c.request<{ ok: boolean; error?: string; verdict?: string; summary?: string; scenario?: string; threads?: string[]; steps?: { thread: string; op: string; lock?: string; line?: number; uri?: string }[]; cycle?: { thread: string; waitsFor: string; heldBy: string }[]; timeline?: string; function?: string }>(
      'workspace/executeCommand', { command: 'lockorder.simulate', arguments: [{ uri, function: 'toy_direct_read_buggy' }] });
    assert.ok(res.ok, res.error);
    assert.strictEqual(res.function, 'toy_direct_read_buggy');
    assert.strictEqual(res.verdict, 'deadlock');
    assert.match(res.summary ?? '', /^deadlock in \d+ steps/);
    const steps = res.steps ?? [];
    const acq = steps.find((s) => s.op === 'acquire' && /->i_gl\b/.test(s.lock ?? ''));
    assert.ok(acq && acq.line === 79 && acq.uri === uri, JSON.stringify(acq));
    const wait = steps[steps.length - 1];
    assert.strictEqual(wait.op, 'wait');
    assert.match(wait.lock ?? '', /->i_gl\b/);
    assert.ok(res.cycle && res.cycle.length >= 1 && /i_gl/.test(res.cycle[0].waitsFor), JSON.stringify(res.cycle));
    assert.match(res.timeline ?? '', /DEADLOCK/);
    // a chosen scenario: the fixed version does not deadlock against a fault
    const fixed = await c.request<{ ok: boolean; verdict?: string; scenario?: string }>('workspace/executeCommand', { command: 'lockorder.simulate', arguments: [{ uri, function: 'toy_direct_read_fixed', scenario: 'fault' }] });
    assert.ok(fixed.ok);
    assert.strictEqual(fixed.scenario, 'fault');
    assert.notStrictEqual(fixed.verdict, 'deadlock');
  });

  it('diagnostics of open files carry the simulator cross-check ("simulation confirmed")', async () => {
    const uri = c.open(path.join(FIX, 'gfs2-dio', 'toyfs_file.c'));
    const d = await c.diagnostics(uri, (x) => x.filter((y) => y.code === 'fault-while-locked').every((y) => /\[simulation confirmed: deadlock in \d+ steps/.test(y.message)) && x.length > 0);
    assert.strictEqual(d.filter((y) => y.code === 'fault-while-locked').length, 2);
  });

  it('lockorder.simulate by position finds the enclosing function; bad arguments get an error result', async () => {
    const file = path.join(FIX, 'gfs2-dio', 'toyfs_file.c');
    const text = fs.readFileSync(file, 'utf8');
    const uri = c.open(file);
    const line = lineOf(text, 'ret = iomap_dio_rw(iocb, to, &toy_iomap_ops, NULL, 0, 0);');
    const res = await c.request<{ function?: string }>('workspace/executeCommand', { command: 'lockorder.simulate', arguments: [{ uri, position: { line, character: 2 } }] });
    assert.strictEqual(res.function, 'toy_direct_read_buggy');
    const bad = await c.request<{ ok: boolean; error: string }>('workspace/executeCommand', { command: 'lockorder.simulate', arguments: [{}] });
    assert.strictEqual(bad.ok, false);
    assert.match(bad.error, /needs \{uri/);
  });
});
