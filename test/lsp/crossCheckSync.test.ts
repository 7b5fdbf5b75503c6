// In-process check of the simulation worker's sync (no thread, no LSP): the
// server's Session hands the worker's CrossCheckHost only what changed, and
// after every kind of change (open document edited, closed back to disk,
// indexed file from the IR cache, removed, .lockorder, engine settings) the
// host's analysis has exactly the server's findings, so the findings asked
// for by identity are all found. Both sides analyse files in path order, so
// the order files were added in (indexing, opening) does not change findings.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { buildTree } from '../../server/src/analysis/batch';
import { DiskCache } from '../../server/src/analysis/cache';
import { CheckReply, CrossCheckHost, findingKey, SyncItem } from '../../server/src/lsp/crossCheckWorker';
import { Session } from '../../server/src/lsp/session';
import { parseSettings } from '../../server/src/lsp/settings';
import { ROOT, tempWorkspace } from './harness';

const FIX = path.join(ROOT, 'test-fixtures');
const read = (rel: string): string => fs.readFileSync(path.join(FIX, rel), 'utf8');

describe('lsp: the simulation worker stays in sync with the server', function () {
  this.timeout(60000);

  it('after edits, closing, indexing, removal, .lockorder and settings changes it finds every finding of the server', async () => {
    const dir = tempWorkspace({ 'toy_a.c': read('abba-two-files/toy_a.c'), 'toy_b.c': read('abba-two-files/toy_b.c'), 'dax.c': read('balance/dax-eio-leak.c') });
    const a = path.join(dir, 'toy_a.c');
    const b = path.join(dir, 'toy_b.c');
    const dax = path.join(dir, 'dax.c');
    try {
      const s = new Session();
      s.roots = [dir];
      s.loadConfig();
      const host = new CrossCheckHost();
      let id = 0;
      let full = true;
      /** sync the host as crossCheckClient.ts does, ask it for every finding of the server; returns the kinds of items sent */
      const check = (what: string): SyncItem['kind'][] => {
        s.flush();
        const sync = s.takeWorkerSync(full);
        full = false;
        const want = s.ws.lastResult!.findings.map(findingKey);
        const r: CheckReply = host.handle({ type: 'check', id: ++id, engine: sync.engine, config: sync.config, files: sync.files, want, options: { maxFindings: 0 } });
        assert.strictEqual(r.type, 'verdicts', what);
        if (r.type !== 'verdicts') return [];
        assert.deepStrictEqual(r.verdicts.map((v) => v.key), want, `${what}: every finding of the server is found`);
        assert.strictEqual(r.findings, want.length, `${what}: and no other`);
        return sync.files.map((f) => f.kind);
      };
      // indexed through the real IR builder (the IR cache in front), one document open
      const built = await buildTree([b, dax], { workers: 0, cache: new DiskCache() });
      for (const f of built.files) s.addIR(f.path, f.ir, f.size, f.skipped, f.hash);
      s.openDoc(a, read('abba-two-files/toy_a.c'), 1);
      assert.deepStrictEqual(check('first sync').sort(), ['ir', 'ir', 'text']);
      assert.ok(s.ws.lastResult!.findings.some((f) => f.rule === 'order-cycle'));

      s.changeDoc(a, `\n${read('abba-two-files/toy_a.c')}`, 2);
      assert.deepStrictEqual(check('an edit'), ['text']);
      assert.deepStrictEqual(check('nothing changed'), []);

      s.closeDoc(a);
      assert.deepStrictEqual(check('closed: back to the disk text'), ['disk']);

      fs.writeFileSync(path.join(dir, '.lockorder'), 'order toy_table_lock -> toy_dev_lock\n');
      s.loadConfig();
      assert.deepStrictEqual(check('.lockorder'), []);
      assert.ok(s.ws.lastResult!.findings.some((f) => f.rule === 'order-violation'), 'the declared order is in force on both sides');

      s.applySettings(parseSettings({ disabledRules: ['lock-leak'] }));
      assert.deepStrictEqual(check('engine settings'), []);
      s.applySettings(parseSettings({ disabledRules: ['lock-leak'], maxFileSize: 1024 }));
      assert.deepStrictEqual(check('size limit moved: everything again').sort(), ['disk', 'disk', 'disk']);
      assert.ok(s.ws.lastResult!.findings.some((f) => f.rule === 'file-skipped'));
      s.applySettings(parseSettings({}));
      check('defaults again');

      s.forget(b);
      assert.deepStrictEqual(check('removed'), ['remove']);
      assert.ok(!s.ws.lastResult!.findings.some((f) => f.rule === 'order-cycle'));

      // a new worker starts from nothing: the whole state at once
      const fresh = new CrossCheckHost();
      const sync = s.takeWorkerSync(true);
      const want = s.ws.lastResult!.findings.map(findingKey);
      const r = fresh.handle({ type: 'check', id: 1, engine: sync.engine, config: sync.config, files: sync.files, want, options: { maxFindings: 0 } });
      assert.ok(r.type === 'verdicts' && r.verdicts.length === want.length && r.findings === want.length);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file removed and indexed again: the analysis keeps path order, the cycle stays reported in the same place on both sides', async () => {
    const take = (fn: string, first: string, then: string): string =>
      `extern struct mutex alpha_lock;\nextern struct mutex beta_lock;\nvoid ${fn}(void)\n{\n\tmutex_lock(&${first});\n\tmutex_lock(&${then});\n\tmutex_unlock(&${then});\n\tmutex_unlock(&${first});\n}\n`;
    const dir = tempWorkspace({ 'p1.c': take('p1', 'alpha_lock', 'beta_lock'), 'p2.c': take('p2', 'alpha_lock', 'beta_lock'), 'q.c': take('q', 'beta_lock', 'alpha_lock') });
    const [p1, p2, q] = ['p1.c', 'p2.c', 'q.c'].map((f) => path.join(dir, f));
    try {
      const s = new Session();
      s.roots = [dir];
      s.loadConfig();
      const index = async (files: string[]): Promise<void> => {
        for (const f of (await buildTree(files, { workers: 0, cache: new DiskCache() })).files) s.addIR(f.path, f.ir, f.size, f.skipped, f.hash);
      };
      await index([p1, p2, q]);
      s.flush();
      const cycleIn = (): string | undefined => s.ws.lastResult!.findings.find((f) => f.rule === 'order-cycle')?.function;
      assert.strictEqual(cycleIn(), 'p1', 'the first file with the edge reports the cycle');
      const host = new CrossCheckHost();
      const ask = (full: boolean): number => {
        const sync = s.takeWorkerSync(full);
        const r = host.handle({ type: 'check', id: full ? 1 : 2, engine: sync.engine, config: sync.config, files: sync.files, want: s.ws.lastResult!.findings.map(findingKey), options: { maxFindings: 0 } });
        return r.type === 'verdicts' ? r.verdicts.length : -1;
      };
      assert.strictEqual(ask(true), 1, 'the worker finds the cycle where the server reports it');
      // p1.c leaves the workspace and comes back, last: the analysis still reads the files in path order (as the CLI does)
      s.forget(p1);
      await index([p1]);
      s.flush();
      assert.strictEqual(cycleIn(), 'p1', 'the order files were added in does not move the finding');
      assert.deepStrictEqual(s.ws.fileList(), [p1, p2, q]);
      assert.strictEqual(ask(false), 1, 'the worker, synced by delta, still finds it in p1');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
