// Wrapper lock types (classes.ts BUILTIN_LOCK_WRAPPERS, `.lockorder` lock-wrapper) and the
// freeze-level table entries (lockApi.ts sb_wait_write / sb_freeze_unlock).
import * as assert from 'assert';
import { classOf, StructTable } from '../server/src/model/classes';
import { parseConfig } from '../server/src/model/config';
import { Knowledge } from '../server/src/model/knowledge';
import { Resolver } from '../server/src/analysis/locks';
import { fnWith, pos } from './irStub';

describe('lock wrappers', () => {
  const structs = new StructTable();
  structs.add([
    { name: 'f2fs_rwsem', fields: [{ name: 'internal_rwsem', type: 'rw_semaphore' }] },
    { name: 'f2fs_sb_info', fields: [{ name: 'cp_rwsem', type: 'f2fs_rwsem' }, { name: 'gc_lock', type: 'f2fs_rwsem' }] },
  ] as never);

  it('a lock inside a wrapper is classed by the field holding the wrapper', () => {
    const env = { varType: (n: string) => (n === 'sbi' ? 'f2fs_sb_info' : n === 'sem' ? 'f2fs_rwsem' : undefined) };
    assert.strictEqual(classOf('sbi->cp_rwsem.internal_rwsem', env, structs), 'f2fs_sb_info.cp_rwsem');
    assert.strictEqual(classOf('(sbi->gc_lock)->internal_rwsem', env, structs), 'f2fs_sb_info.gc_lock');
    // the holder unknown (a helper's parameter): the wrapper's own class, refined by callers
    assert.strictEqual(classOf('sem->internal_rwsem', env, structs), 'f2fs_rwsem.internal_rwsem');
    // no wrapper table: the old class
    assert.strictEqual(classOf('sbi->cp_rwsem.internal_rwsem', env, structs, new Map()), 'f2fs_rwsem.internal_rwsem');
  });

  it('a helper\'s wrapper class is refined at the call, from the argument as written or through an alias', () => {
    const r = new Resolver(fnWith([{ name: 'inode', type: 'inode' }], { sbi: 'f2fs_sb_info' }, { sbi: 'F2FS_I_SB(inode)' }), structs, new Map());
    assert.strictEqual(r.refineClass('f2fs_rwsem.internal_rwsem', '$0->internal_rwsem', ['&sbi->cp_rwsem']), 'f2fs_sb_info.cp_rwsem');
    assert.strictEqual(r.refineClass('f2fs_rwsem.internal_rwsem/1', '$0->internal_rwsem', ['&sbi->gc_lock', '1']), 'f2fs_sb_info.gc_lock/1');
    assert.strictEqual(r.refineClass('f2fs_rwsem.internal_rwsem', '$0->internal_rwsem', ['p']), 'f2fs_rwsem.internal_rwsem');
    assert.strictEqual(r.refineClass('inode.i_rwsem', '$0->i_rwsem', ['inode']), 'inode.i_rwsem');
  });

  it('.lockorder lock-wrapper adds a wrapper type; malformed lines are errors', () => {
    const cfg = parseConfig('lock-wrapper toy_sem m\nlock-wrapper toy_sem\nlock-wrapper a b c\n', '.lockorder');
    assert.deepStrictEqual(cfg.lockWrappers, [{ type: 'toy_sem', field: 'm' }]);
    assert.deepStrictEqual(cfg.errors.map((e) => e.line), [2, 3]);
    const know = new Knowledge(cfg);
    assert.strictEqual(know.lockWrappers.get('toy_sem'), 'm');
    assert.strictEqual(know.lockWrappers.get('f2fs_rwsem'), 'internal_rwsem');
  });
});

describe('freeze levels', () => {
  const know = new Knowledge();
  const r = new Resolver(fnWith([{ name: 'sb', type: 'super_block' }]), new StructTable(), new Map());
  const call = (name: string, args: string[]) => ({ name, args, pos, argPos: [] }) as never;
  it('sb_wait_write takes the one level it names, for write', () => {
    const refs = r.refs(know.lockApi('sb_wait_write')!, call('sb_wait_write', ['sb', 'SB_FREEZE_PAGEFAULT']));
    assert.deepStrictEqual(refs.map((x) => `${x.inst} ${x.cls} ${x.mode}`), ['sb:sb_pagefaults sb_pagefaults W']);
  });
  it('sb_freeze_unlock releases every level below the one it names', () => {
    const lv = (level: string) => r.refs(know.lockApi('sb_freeze_unlock')!, call('sb_freeze_unlock', ['sb', level])).map((x) => x.cls);
    assert.deepStrictEqual(lv('SB_FREEZE_WRITE'), ['sb_writers']);
    assert.deepStrictEqual(lv('SB_FREEZE_PAGEFAULT'), ['sb_pagefaults', 'sb_writers']);
    assert.deepStrictEqual(lv('SB_FREEZE_FS'), ['sb_internal', 'sb_pagefaults', 'sb_writers']);
  });
});
