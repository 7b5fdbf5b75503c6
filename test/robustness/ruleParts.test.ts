// The workspace rules keep each component's part between the editor's runs
// (analysis/ruleRun.ts) and a delta run re-checks only the components an
// edit reaches (analysis/delta.ts). A part must be computed again when what
// it read changes even though its own function did not: a fault handler in
// another file (fault-while-locked), another function of the same file
// (sleep-in-atomic's test of a __must_hold annotation every caller
// contradicts), the partner of a cycle in another file (order-cycle). Each
// step edits one file, takes the delta run, and must give what a from-scratch
// analysis gives, with the finding expected there or not.
import * as assert from 'assert';
import { readFileSync } from 'fs';
import * as path from 'path';
import { Workspace } from '../../server/src/analysis/workspace';
import { workspaceEditMatchesFresh } from './fresh';

const DIR = '/ws/toyfs';
const SOURCES: Record<string, string> = {
  'mmap.c': [
    'struct toy_inode { struct rw_semaphore i_mmap_sem; struct inode vfs_inode; };',
    '',
    'static vm_fault_t toy_page_mkwrite(struct vm_fault *vmf)',
    '{',
    '\tstruct toy_inode *ti = toy_i(file_inode(vmf->vma->vm_file));',
    '',
    '\tdown_read(&ti->i_mmap_sem);',
    '\tup_read(&ti->i_mmap_sem);',
    '\treturn 0;',
    '}',
    '',
    'static const struct vm_operations_struct toy_vm_ops = {',
    '\t.page_mkwrite = toy_page_mkwrite,',
    '};',
  ].join('\n'),
  'write.c': [
    'struct toy_inode { struct rw_semaphore i_mmap_sem; struct inode vfs_inode; };',
    '',
    'ssize_t toy_write(struct toy_inode *ti, const char __user *buf, char *kbuf, size_t len)',
    '{',
    '\tdown_write(&ti->i_mmap_sem);',
    '\tif (copy_from_user(kbuf, buf, len)) {',
    '\t\tup_write(&ti->i_mmap_sem);',
    '\t\treturn -EFAULT;',
    '\t}',
    '\tup_write(&ti->i_mmap_sem);',
    '\treturn len;',
    '}',
  ].join('\n'),
  'super.c': [
    'struct toy_client { struct list_head servers; };',
    'struct toy_server { struct list_head link; struct toy_super *super; int id; };',
    'struct toy_super { struct rw_semaphore umount; int active; };',
    '',
    'static void toy_super_put(struct toy_super *sb)',
    '{',
    '\tif (--sb->active == 0) {',
    '\t\tdown_write(&sb->umount);',
    '\t\tsb->active = -1;',
    '\t\tup_write(&sb->umount);',
    '\t}',
    '}',
    '',
    'static struct toy_super *toy_find_super(struct toy_client *clp, int id)',
    '\t__must_hold(RCU)',
    '{',
    '\tstruct toy_server *server;',
    '',
    '\trcu_read_lock();',
    '\tlist_for_each_entry_rcu(server, &clp->servers, link) {',
    '\t\tif (server->id != id)',
    '\t\t\tcontinue;',
    '\t\trcu_read_unlock();',
    '\t\tif (server->super->active < 0) {',
    '\t\t\ttoy_super_put(server->super);',
    '\t\t\treturn NULL;',
    '\t\t}',
    '\t\treturn server->super;',
    '\t}',
    '\trcu_read_unlock();',
    '\treturn NULL;',
    '}',
    '',
    'int toy_lookup(struct toy_client *clp, int id)',
    '{',
    '\treturn toy_find_super(clp, id) ? 0 : -ENOENT;',
    '}',
  ].join('\n'),
  'ab.c': [
    'struct toy_dir { struct mutex a; struct mutex b; };',
    '',
    'void toy_ab(struct toy_dir *d)',
    '{',
    '\tmutex_lock(&d->a);',
    '\tmutex_lock(&d->b);',
    '\tmutex_unlock(&d->b);',
    '\tmutex_unlock(&d->a);',
    '}',
  ].join('\n'),
  'ba.c': [
    'struct toy_dir { struct mutex a; struct mutex b; };',
    '',
    'void toy_ba(struct toy_dir *d)',
    '{',
    '\tmutex_lock(&d->b);',
    '\tmutex_lock(&d->a);',
    '\tmutex_unlock(&d->a);',
    '\tmutex_unlock(&d->b);',
    '}',
  ].join('\n'),
};

describe('robustness: workspace rules across delta runs', () => {
  it('a kept part is checked again when the fault path, its file\'s callers or a cycle partner change; findings equal a from-scratch analysis', () => {
    const texts = new Map(Object.entries(SOURCES).map(([f, t]) => [`${DIR}/${f}`, t]));
    const ws = new Workspace({ keepStates: true });
    for (const [f, t] of texts) ws.setFile(f, t);
    ws.analyze();
    const rules = (): string[] => ws.lastResult!.findings.map((f) => `${f.rule}@${f.file.slice(DIR.length + 1)}:${f.pos.line + 1}`).sort();
    assert.deepStrictEqual(rules(), ['fault-while-locked@write.c:6', 'order-cycle@ab.c:6']);
    const step = (file: string, edit: (ls: string[]) => void, expect: string[], what: string): void => {
      const path = `${DIR}/${file}`;
      const ls = texts.get(path)!.split('\n');
      edit(ls);
      workspaceEditMatchesFresh(ws, texts, path, ls.join('\n'), what);
      assert.deepStrictEqual(rules(), expect, what);
    };
    const related = (): number[] => ws.lastResult!.findings.filter((f) => f.rule === 'fault-while-locked').flatMap((f) => f.related.map((r) => r.pos.line + 1));
    // the handler moves: the writer's finding (its own events unchanged) names the handler's new line
    step('mmap.c', (ls) => ls.splice(2, 0, '/* the toy fault path */', ''), ['fault-while-locked@write.c:6', 'order-cycle@ab.c:6'], 'handler moved');
    assert.deepStrictEqual(related(), [5, 9], 'the related note follows the handler');
    step('mmap.c', (ls) => ls.splice(ls.indexOf('\tdown_read(&ti->i_mmap_sem);'), 2), ['order-cycle@ab.c:6'], 'handler no longer takes the lock');
    step('mmap.c', (ls) => ls.splice(ls.indexOf('\treturn 0;'), 0, '\tdown_read(&ti->i_mmap_sem);', '\tup_read(&ti->i_mmap_sem);'), ['fault-while-locked@write.c:6', 'order-cycle@ab.c:6'], 'handler takes it again');
    // its caller inside RCU: toy_find_super's __must_hold(RCU) is no longer contradicted by every caller (its own events
    // unchanged, its finding appears), and the caller's call sleeps inside RCU
    step('super.c', (ls) => ls.splice(ls.indexOf('\treturn toy_find_super(clp, id) ? 0 : -ENOENT;'), 1, '\tint ret;', '', '\trcu_read_lock();',
      '\tret = toy_find_super(clp, id) ? 0 : -ENOENT;', '\trcu_read_unlock();', '\treturn ret;'),
    ['fault-while-locked@write.c:6', 'order-cycle@ab.c:6', 'sleep-in-atomic@super.c:25', 'sleep-in-atomic@super.c:39'], 'the caller holds RCU');
    // the cycle's partner moves, then goes
    step('ba.c', (ls) => ls.splice(2, 0, '/* the other order */', ''), ['fault-while-locked@write.c:6', 'order-cycle@ab.c:6', 'sleep-in-atomic@super.c:25', 'sleep-in-atomic@super.c:39'], 'partner moved');
    assert.ok(ws.lastResult!.findings.find((f) => f.rule === 'order-cycle')!.message.includes('ba.c:8'), 'the cycle names the partner\'s new line');
    step('ba.c', (ls) => { const i = ls.indexOf('\tmutex_lock(&d->b);'); ls[i] = '\tmutex_lock(&d->a);'; ls[i + 1] = '\tmutex_lock(&d->b);'; },
      ['fault-while-locked@write.c:6', 'sleep-in-atomic@super.c:25', 'sleep-in-atomic@super.c:39'], 'partner takes the same order');
  });

  // order-cycle keeps its fold of the edges and its last cycle search between runs, and a delta run updates them
  // from the components it re-checked (rules/order-cycle.ts, refold): they must still read every edge's mode, which
  // node pairs exist and where each is first seen, as a fold over every component does
  it('order-cycle across delta runs: an edge\'s mode, its example, a new or lost node pair; findings equal a from-scratch analysis', () => {
    const d = '/ws/cyc';
    const fn = (name: string, body: string[]): string => [`void ${name}(struct toy_dev *d)`, '{', ...body.map((l) => `\t${l}`), '}', ''].join('\n');
    const HDR = 'struct toy_dev { rwlock_t rw; spinlock_t s; struct mutex m; struct mutex n; };\n\n';
    const texts = new Map<string, string>([
      [`${d}/a.c`, HDR + fn('toy_rw_then_s', ['read_lock(&d->rw);', 'spin_lock(&d->s);', 'spin_unlock(&d->s);', 'read_unlock(&d->rw);'])],
      [`${d}/b.c`, HDR + fn('toy_s_then_rw', ['spin_lock(&d->s);', 'read_lock(&d->rw);', 'read_unlock(&d->rw);', 'spin_unlock(&d->s);'])
        + fn('toy_m_then_n', ['mutex_lock(&d->m);', 'mutex_lock(&d->n);', 'mutex_unlock(&d->n);', 'mutex_unlock(&d->m);'])],
      [`${d}/c.c`, HDR + fn('toy_quiet', ['mutex_lock(&d->n);', 'mutex_unlock(&d->n);'])],
    ]);
    const ws = new Workspace({ keepStates: true });
    for (const [f, t] of texts) ws.setFile(f, t);
    ws.analyze();
    const cycles = (): string[] => ws.lastResult!.findings.filter((f) => f.rule === 'order-cycle').map((f) => f.message.replace(/ Two tasks.*$| Tasks running.*$/, '')).sort();
    const step = (file: string, from: string, to: string, what: string): void => {
      const path = `${d}/${file}`;
      const t = texts.get(path)!;
      assert.ok(t.includes(from), `${what}: the edit applies`);
      workspaceEditMatchesFresh(ws, texts, path, t.replace(from, to), what);
    };
    // a read_lock (recursive reader) closing the ring is not a deadlock (lockdep's rule)
    assert.deepStrictEqual(cycles(), []);
    step('b.c', "\tspin_lock(&d->s);\n\tread_lock(&d->rw);", "\tspin_lock(&d->s);\n\twrite_lock(&d->rw);", 'the edge s -> rw becomes exclusive');
    assert.strictEqual(cycles().length, 1, 'the ring is now a deadlock');
    assert.match(cycles()[0], /toy_s_then_rw\(\) takes .*b\.c:6/);
    step('b.c', "\twrite_lock(&d->rw);", "\tread_lock(&d->rw);", 'and back');
    assert.deepStrictEqual(cycles(), []);
    // a new node pair n -> m in a function that had none: the fold gains a key (and a cycle with m -> n)
    step('c.c', "\tmutex_lock(&d->n);\n\tmutex_unlock(&d->n);", "\tmutex_lock(&d->n);\n\tmutex_lock(&d->m);\n\tmutex_unlock(&d->m);\n\tmutex_unlock(&d->n);", 'a new edge closes a cycle');
    assert.strictEqual(cycles().length, 1);
    assert.match(cycles()[0], /toy_quiet\(\) takes .*c\.c:6/);
    // the same node pair's example moves to another function: the cycle names the one that remains
    step('b.c', "\tmutex_lock(&d->m);\n\tmutex_lock(&d->n);\n\tmutex_unlock(&d->n);\n\tmutex_unlock(&d->m);", "\tmutex_lock(&d->m);\n\tmutex_unlock(&d->m);", 'the edge m -> n is lost, the cycle goes');
    assert.deepStrictEqual(cycles(), []);
    step('c.c', "void toy_quiet", "/* moved */\nvoid toy_quiet", 'a lone edge moves');
    assert.deepStrictEqual(cycles(), []);
  });

  it('truncate-fault-unserialized judges again only the filesystems whose truncating functions changed', () => {
    // the fuse-dax fixture in two filesystems: each has a guard (i_mmap_sem, taken shared by its fault
    // handler, exclusively around one truncate) and two truncates without it
    const fixture = readFileSync(path.join(__dirname, '..', '..', '..', 'test-fixtures', 'fuse-dax', 'toy_dax.c'), 'utf8');
    const a = '/ws/fs/toya/dax.c';
    const b = '/ws/fs/toyb/dax.c';
    const texts = new Map<string, string>([[a, fixture], [b, fixture]]);
    const ws = new Workspace({ keepStates: true });
    for (const [f, t] of texts) ws.setFile(f, t);
    ws.analyze();
    const count = (file: string): number => ws.lastResult!.findings.filter((f) => f.rule === 'truncate-fault-unserialized' && f.file === file).length;
    const step = (file: string, from: string, to: string, what: string): void => {
      const t = texts.get(file)!;
      assert.ok(t.includes(from), `${what}: the edit applies`);
      workspaceEditMatchesFresh(ws, texts, file, t.replace(from, to), what);
    };
    assert.deepStrictEqual([count(a), count(b)], [2, 2]);
    const buggy = '\ti_size_write(inode, attr->ia_size);\n\ttruncate_pagecache(inode, attr->ia_size); /* expect: truncate-fault-unserialized */';
    step(a, buggy, '\tdown_write(&get_fuse_inode(inode)->i_mmap_sem);\n' + buggy + '\n\tup_write(&get_fuse_inode(inode)->i_mmap_sem);', 'toya\'s buggy setattr takes the guard');
    assert.deepStrictEqual([count(a), count(b)], [1, 2]);
    step(b, '\tdown_write(&fi->i_mmap_sem);\n\terr = toy_break_dax_layouts', '\terr = toy_break_dax_layouts', 'toyb\'s fixed setattr loses the guard: no truncate holds it, it is no guard');
    assert.deepStrictEqual([count(a), count(b)], [1, 0]);
    step(b, '\terr = toy_break_dax_layouts', '\tdown_write(&fi->i_mmap_sem);\n\terr = toy_break_dax_layouts', 'and gets it back');
    assert.deepStrictEqual([count(a), count(b)], [1, 2]);
    step(a, 'static int toy_replay_inode', '/* moved */\nstatic int toy_replay_inode', 'a truncating function moves');
    assert.deepStrictEqual([count(a), count(b)], [1, 2]);
  });
});
