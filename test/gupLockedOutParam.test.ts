// A lock-table release with `heldOut`: the callee may drop the lock and says so through an
// `int *` out-parameter (GUP's `&locked`). The built-in GUP entries are exercised by
// test-fixtures/fs-precision/gup-locked-outparam.c; here: the `.lockorder` option that declares
// one, its errors, and the dataflow on a project function declared that way.
import * as assert from 'assert';
import { Workspace } from '../server/src/analysis/workspace';
import { parseConfig } from '../server/src/model/config';
import type { Finding } from '../server/src/analysis/diagnostic';
import * as fs from 'fs';
import * as path from 'path';
import { hoverAt } from '../server/src/analysis/query';

const CONFIG = `
lock  io_lock        acquire arg=0 kind=mutex mode=W instance=$0->io_lock class=myobj.io_lock
lock  io_unlock      release arg=0 kind=mutex mode=W instance=$0->io_lock class=myobj.io_lock
lock  io_wait_ready  release arg=0 kind=mutex mode=W instance=$0->io_lock class=myobj.io_lock held-out=1
`;

const SRC = `struct mutex;
struct myobj { struct mutex io_lock; int ready; };

static int quiet(struct myobj *o)
{
	int locked = 1;
	int ret;

	io_lock(o);
	ret = io_wait_ready(o, &locked);
	if (locked)
		io_unlock(o);
	return ret;
}

static int retake(struct myobj *o, int n)
{
	int locked = 1;

	io_lock(o);
	while (n--) {
		io_wait_ready(o, &locked);
		if (!locked) {
			io_lock(o);
			locked = 1;
		}
	}
	io_unlock(o);
	return 0;
}

static int unlock_always(struct myobj *o)
{
	int locked = 1;
	int ret;

	io_lock(o);
	ret = io_wait_ready(o, &locked);
	io_unlock(o);
	return ret;
}

static int kept_with_null(struct myobj *o)
{
	int ret;

	io_lock(o);
	ret = io_wait_ready(o, NULL);
	io_unlock(o);
	return ret;
}
`;

function warnings(src: string, configText: string): Finding[] {
  const config = parseConfig(configText, '.lockorder');
  assert.deepStrictEqual(config.errors, []);
  const ws = new Workspace({ config });
  ws.setFile('x.c', src);
  return ws.analyze().findings.filter((f) => f.severity === 'warning' || f.severity === 'error');
}

describe('lock table: a release reported through an int * out-parameter (held-out)', () => {
  it('.lockorder parses held-out=N on a release, negative from the end', () => {
    const cfg = parseConfig('lock gup_like release arg=0 kind=rwsem mode=R instance=$0->mmap_lock held-out=-1\nlock other release arg=1 held-out=3\n', 'f');
    assert.deepStrictEqual(cfg.errors, []);
    assert.strictEqual(cfg.locks[0].heldOut, -1);
    assert.strictEqual(cfg.locks[1].heldOut, 3);
  });

  it('.lockorder rejects a held-out that is not an index, or on another operation', () => {
    const cfg = parseConfig('lock a release held-out=locked\nlock b acquire held-out=1\nlock c try held-out=2\n', 'f');
    assert.strictEqual(cfg.locks.length, 0);
    assert.deepStrictEqual(cfg.errors.map((e) => e.line), [1, 2, 3]);
    assert.match(cfg.errors[0].message, /lock a: held-out must be an argument index .*got "locked"/);
    assert.match(cfg.errors[1].message, /lock b: held-out applies to release only/);
  });

  it('the out-variable decides: unlock if (locked), re-take if (!locked), NULL keeps the lock; an unconditional unlock is a double unlock', () => {
    const got = warnings(SRC, CONFIG).map((f) => `${f.function}:${f.pos.line + 1} ${f.rule}`);
    assert.deepStrictEqual(got, ['unlock_always:39 unlock-unheld']);
    const [f] = warnings(SRC, CONFIG);
    assert.match(f.message, /io_unlock\(\) releases o->io_lock .*already released at line 38/);
  });

  it('without held-out the same entry is a plain release, and every unlock after it is a double unlock', () => {
    const got = warnings(SRC, CONFIG.replace(' held-out=1', '')).map((f) => `${f.function}:${f.pos.line + 1} ${f.rule}`).sort();
    assert.deepStrictEqual(got, ['kept_with_null:49 unlock-unheld', 'quiet:12 unlock-unheld', 'retake:22 unlock-unheld', 'retake:28 unlock-unheld', 'unlock_always:39 unlock-unheld']);
  });

  it('a hover on a GUP call with &locked explains the fault (under the caller\'s mmap_lock), not only the lock it may drop', () => {
    const file = path.join(__dirname, '..', '..', 'test-fixtures', 'fs-precision', 'gup-locked-outparam.c');
    const text = fs.readFileSync(file, 'utf8');
    const ws = new Workspace({ keepStates: true });
    ws.setFile(file, text);
    ws.analyze();
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('pin_user_pages_remote('));
    const h = hoverAt(ws, file, line, lines[line].indexOf('pin_user_pages_remote') + 2);
    assert.ok(h && h.kind === 'fault', JSON.stringify(h && h.kind));
    assert.match(h.kind === 'fault' ? h.why : '', /caller holds mmap_lock/);
    // a may-drop lock call that does not fault (populate_vma_page_range) keeps the lock hover
    const pl = lines.findIndex((l) => l.includes('populate_vma_page_range('));
    const p = hoverAt(ws, file, pl, lines[pl].indexOf('populate_vma_page_range') + 2);
    assert.ok(p && p.kind === 'lock', JSON.stringify(p && p.kind));
  });
});
