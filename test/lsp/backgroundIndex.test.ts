// Background indexing of a tree big enough for worker threads (issue 6: "index
// it in the background and answer an edit in milliseconds"): the
// whole-workspace analysis runs in analysis workers, in a workspace of its
// own, while the session's keeps answering for the open documents. An edit
// made while it runs is analysed and published before indexing ends, and
// once the background analysis is adopted every file's findings are
// published, the edit's included.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, TestClient, tempWorkspace } from './harness';

const LEAK = fs.readFileSync(path.join(ROOT, 'test-fixtures', 'balance', 'dax-eio-leak.c'), 'utf8');

/** File `i` of `n`: a device with a mutex and a spinlock, `k` functions that lock and call into the next file, and one leak (error return holding the mutex). */
function generated(i: number, n: number, k: number): string {
  const next = (i + 1) % n;
  const out = [
    `struct dev${i} { struct mutex lock; spinlock_t slock; int state; };`,
    `struct dev${next};`,
    ...Array.from({ length: k }, (_, j) => `void poke${next}_${j}(struct dev${next} *d);`),
  ];
  for (let j = 0; j < k; j++) {
    out.push(
      `void poke${i}_${j}(struct dev${i} *d)`, '{', '\tspin_lock(&d->slock);', '\tif (d->state > 3)', '\t\td->state--;', '\telse', `\t\td->state += ${j};`, '\tspin_unlock(&d->slock);', '}',
      `int work${i}_${j}(struct dev${i} *d, struct dev${next} *e, int x)`, '{', '\tint i;', '\tmutex_lock(&d->lock);',
      '\tfor (i = 0; i < x; i++) {', `\t\tif (i & 1)`, `\t\t\tpoke${i}_${j}(d);`, '\t\telse', `\t\t\tpoke${next}_${(j + 1) % k}(e);`, '\t}',
      '\tif (x > 7) {', '\t\tspin_lock(&d->slock);', '\t\td->state = x;', '\t\tspin_unlock(&d->slock);', '\t}',
      '\tmutex_unlock(&d->lock);', '\treturn 0;', '}',
    );
  }
  out.push(`int leak${i}(struct dev${i} *d, int x)`, '{', '\tmutex_lock(&d->lock);', '\tif (x)', '\t\treturn -EIO;', '\tmutex_unlock(&d->lock);', '\treturn 0;', '}', '');
  return out.join('\n');
}

interface Status { state: string; indexed: number; total: number; versions?: Record<string, number>; counts: { warning: number } }

describe('lsp: the whole-workspace analysis of indexing runs in the background', function () {
  this.timeout(300_000);

  it('an edit made while it runs is answered before indexing ends; then every file is published', async () => {
    const N = 160;
    const files: Record<string, string> = { 'open.c': LEAK };
    for (let i = 0; i < N; i++) files[`d${i % 8}/dev${i}.c`] = generated(i, N, 40);
    const bytes = Object.values(files).reduce((a, t) => a + t.length, 0);
    assert.ok(bytes > 2.5 * 1024 * 1024, `${bytes} bytes: over the 2 MB under which indexing stays on the main thread`);
    const dir = tempWorkspace(files);
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lockorder-bgcache-'));
    const c = new TestClient({ root: dir, env: { LOCKORDER_CACHE_DIR: cache, LOCKORDER_JOBS: '2' } });
    try {
      await c.initialize(dir);
      const file = path.join(dir, 'open.c');
      const uri = c.open(file, LEAK);
      const statuses = (): Status[] => c.notes.filter((n) => n.method === 'lockorder/status').map((n) => n.params as Status);
      // every file parsed: the whole-workspace analysis has started
      await c.until('files parsed', () => statuses().some((s) => s.state === 'indexing' && s.total === N + 1 && s.indexed === s.total) || undefined, 120_000);
      // fix open.c's leak: unlock before the error path's jump to the return
      const lines = LEAK.split('\n');
      const ret = lines.findIndex((l) => /goto out;/.test(l));
      assert.ok(ret > 0, 'the fixture has its error path');
      const indent = /^\s*/.exec(lines[ret])![0];
      c.change(uri, [{ range: { start: { line: ret, character: 0 }, end: { line: ret, character: 0 } }, text: `${indent}mutex_unlock(&mapping->i_mmap_mutex);\n` }]);
      const answered = await c.until('the edit analysed', () => statuses().find((s) => (s.versions?.[uri] ?? 0) >= 2), 120_000);
      assert.strictEqual(answered.state, 'indexing', 'the edit was published while the background analysis ran');
      await c.indexed(240_000);
      // adopted: every generated file's leak is published, and open.c stays fixed
      await c.until(`${N} files with a lock-leak`, () => [...c.diags.values()].filter((d) => d.some((x) => x.code === 'lock-leak')).length === N || undefined, 120_000);
      assert.deepStrictEqual((c.diags.get(uri) ?? []).filter((d) => d.code === 'lock-leak'), [], 'open.c, edited during the background run, has no leak');
      const last = statuses()[statuses().length - 1];
      assert.strictEqual(last.state, 'idle');
      assert.strictEqual(last.counts.warning, N);
    } finally {
      await c.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
