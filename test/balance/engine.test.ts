// Balance rules and the engine around them: what fixtures cannot say inline
// (message wording, fix-it data, the budget note, degraded parsing).
import * as assert from 'assert';
import { Workspace } from '../../server/src/analysis/workspace';
import type { Finding } from '../../server/src/analysis/diagnostic';

function check(src: string, file = 'x.c', opts: ConstructorParameters<typeof Workspace>[0] = {}): Finding[] {
  const ws = new Workspace(opts);
  ws.setFile(file, src);
  return ws.analyze().findings;
}
const warnings = (fs: Finding[]): Finding[] => fs.filter((f) => f.severity === 'warning' || f.severity === 'error');

const LEAK = `struct mutex;
struct address_space { struct mutex i_mmap_mutex; };
struct inode { struct address_space *i_mapping; long i_size; };

static int insert(struct inode *inode, unsigned long pgoff)
{
	struct address_space *mapping = inode->i_mapping;
	int error;

	mutex_lock(&mapping->i_mmap_mutex);
	if (pgoff >= inode->i_size) {
		error = -EIO;
		goto out;
	}
	error = do_insert(inode, pgoff);
	mutex_unlock(&mapping->i_mmap_mutex);
out:
	return error;
}
`;

describe('balance: messages and fix-its', () => {
  it('lock-leak names the lock, its class and mode, where it was taken, the path and the fix', () => {
    const [f] = warnings(check(LEAK));
    assert.strictEqual(f.rule, 'lock-leak');
    assert.strictEqual(f.function, 'insert');
    assert.strictEqual(f.pos.line + 1, 18);
    assert.strictEqual(f.message,
      'inode->i_mapping->i_mmap_mutex (address_space.i_mmap_mutex) taken at line 10 by mutex_lock() is still held when returning an error at line 18 ' +
      '(path: lines 10 → 11 → 18); other paths release it. Call mutex_unlock(&mapping->i_mmap_mutex) before this return, or jump to the function\'s unlock label.');
    assert.deepStrictEqual(f.related.map((r) => [r.pos.line + 1, r.message]), [
      [10, 'inode->i_mapping->i_mmap_mutex taken here by mutex_lock()'],
      [18, 'this return is reached with it released'],
    ]);
  });

  it('lock-leak carries fix-it data: the unlock call to insert before the leaking return', () => {
    const [f] = warnings(check(LEAK));
    assert.deepStrictEqual(f.fix, { kind: 'insert-unlock', line: 17, col: 1, text: 'mutex_unlock(&mapping->i_mmap_mutex);' });
  });

  it('the fix-it uses the matching release for each API family', () => {
    const src = `void f(struct inode *inode, struct s *s, unsigned long flags, int e)
{
	inode_lock_shared(inode);
	spin_lock_irqsave(&s->lock, flags);
	if (e)
		return;
	spin_unlock_irqrestore(&s->lock, flags);
	inode_unlock_shared(inode);
}
`;
    const fixes = warnings(check(src)).map((f) => f.fix && 'text' in f.fix ? f.fix.text : '').sort();
    assert.deepStrictEqual(fixes, ['inode_unlock_shared(inode);', 'spin_unlock_irqrestore(&s->lock, flags);']);
  });

  it('unlock-unheld after a failed trylock says where the attempt failed', () => {
    const src = `void f(struct d *d)
{
	if (mutex_trylock(&d->lock))
		d->n = 0;
	mutex_unlock(&d->lock);
}
`;
    const [f] = warnings(check(src));
    assert.strictEqual(f.rule, 'unlock-unheld');
    assert.match(f.message, /^mutex_unlock\(\) releases d->lock \(d\.lock\), which is not held on the path where mutex_trylock\(\) failed at line 3 \(path: lines 3 → 5\); check the return value before unlocking\.$/);
  });

  it('double-lock on a rw_semaphore read side explains the queued-writer deadlock', () => {
    const src = `int f(struct d *d)
{
	down_read(&d->sem);
	down_read(&d->sem);
	up_read(&d->sem);
	up_read(&d->sem);
	return 0;
}
`;
    const fs = warnings(check(src));
    assert.deepStrictEqual(fs.map((f) => [f.rule, f.pos.line + 1]), [['double-lock', 4]]);
    assert.match(fs[0].message, /^d->sem \(d\.sem, shared\) is already held here \(taken at line 3 by down_read\(\), path: lines 3 → 4\) and down_read\(\) takes it again: rw_semaphore readers do not recurse/);
  });

  it('pagefault-imbalance names the pagefault_disable() line', () => {
    const src = `long f(struct iov_iter *to)
{
	long ret;
	pagefault_disable();
	ret = copy(to);
	if (ret < 0)
		return ret;
	pagefault_enable();
	return ret;
}
`;
    const [f] = warnings(check(src));
    assert.strictEqual(f.rule, 'pagefault-imbalance');
    assert.match(f.message, /^returns at line 7 with page faults still disabled \(pagefault_disable\(\) at line 4\)/);
  });

  it('positions point at the original text after normalisation blanks annotations', () => {
    const src = `static int __must_check f(struct s *s)
	__must_hold(&s->m)
{
	list_for_each_entry(p, &s->list, node) {
		spin_lock(&s->lock);
		if (p->bad)
			return -EIO;
		spin_unlock(&s->lock);
	}
	return 0;
}
`;
    const [f] = warnings(check(src));
    assert.strictEqual(f.rule, 'lock-leak');
    assert.deepStrictEqual([f.pos.line, f.pos.col], [6, 3]);
    assert.strictEqual(src.split('\n')[f.pos.line].slice(f.pos.col, f.pos.col + 6), 'return');
    assert.strictEqual(src.split('\n')[f.related[0].pos.line].slice(f.related[0].pos.col, f.related[0].pos.col + 9), 'spin_lock');
  });
});

describe('balance: budget', () => {
  it('a function with too many lock states gets exactly one information note and no guess', () => {
    // 16 independent conditional locks, each released under a different condition: 2^16 held sets
    let body = '';
    for (let i = 0; i < 16; i++) body += `\tif (a->f${i}) mutex_lock(&a->m${i});\n`;
    body += '\twork(a);\n';
    for (let i = 0; i < 16; i++) body += `\tif (a->g${i}) mutex_unlock(&a->m${i});\n`;
    const src = `int big(struct a *a)\n{\n${body}\treturn 0;\n}\n`;
    const fs = check(src);
    assert.deepStrictEqual(fs.map((f) => [f.rule, f.severity, f.function]), [['analysis-budget', 'information', 'big']]);
    assert.match(fs[0].message, /stopped analysing big\(\) after reaching its budget .*no lock findings are reported/);
  });

  it('10,000 gotos into one cleanup ladder finish within the budget', () => {
    let body = '\tmutex_lock(&s->m);\n';
    for (let i = 0; i < 10000; i++) body += `\tif (step${i % 50}(s, ${i}))\n\t\tgoto out_unlock;\n`;
    const src = `int many(struct s *s)\n{\n${body}\tmutex_unlock(&s->m);\n\treturn 0;\nout_unlock:\n\tmutex_unlock(&s->m);\n\treturn -EIO;\n}\n`;
    const t0 = Date.now();
    const fs = check(src);
    assert.deepStrictEqual(fs, []);
    assert.ok(Date.now() - t0 < 30_000);
  });

  it('a small budget turns a normal function into the note, never a partial result', () => {
    const fs = check(LEAK, 'x.c', { budget: { steps: 5, statesPerNode: 512 } });
    assert.deepStrictEqual(fs.map((f) => [f.rule, f.severity]), [['analysis-budget', 'information']]);
  });
});

describe('balance: degraded input', () => {
  it('an unparsable statement degrades that statement only: the leak around it is still found', () => {
    const src = `int f(struct s *s)
{
	mutex_lock(&s->m);
	@@ this is not C $$ ;
	if (s->bad)
		return -EIO;
	mutex_unlock(&s->m);
	return 0;
}
`;
    const fs = warnings(check(src));
    assert.deepStrictEqual(fs.map((f) => [f.rule, f.pos.line + 1]), [['lock-leak', 6]]);
  });

  it('calls inside an ERROR node still count', () => {
    const src = `int f(struct s *s)
{
	mutex_lock(&s->m);
	weird macro soup ( mutex_unlock(&s->m) ) here ;;
	return 0;
}
`;
    assert.deepStrictEqual(warnings(check(src)), []);
  });

  it('binary input, prose, an empty file and unbalanced braces give a result, not a crash', () => {
    const inputs = ['\u0000\u0001\u0002ELF\u0000\u0000', 'Just some words, not C at all.\n', '', 'int f(void) {{{{ return; ', '}}}} int g(void) { mutex_lock(&m); }'];
    for (const src of inputs) {
      const ws = new Workspace();
      ws.setFile('in.c', src);
      const r = ws.analyze();
      assert.strictEqual(r.files, 1);
    }
  });
});
