/**
 * Hand-built scenarios modelling the seed threads (shared/seeds/). Used by the
 * tests and the benchmark, and usable as demos. Line numbers come from the
 * patch hunks quoted in the seeds (old side for pre-fix code, new side for
 * fixed code); nodes whose line the seed does not show carry text only.
 */
import { lock, prog, ProgramBuilder, scenario } from './builder';
import { Scenario } from './program';

export interface Example {
  id: string;
  seed: string;
  description: string;
  expect: 'deadlock' | 'no-deadlock';
  scenario: Scenario;
}

const GFS2 = 'fs/gfs2/file.c';
const GFS2_FILE = 'gfs2:ip'; // the user buffer is mmapped from the file being read
const glock = lock('ip.i_gl', 'glock', 'ip->i_gl (gfs2_glock)');

/** Fault handlers for a gfs2 inode: ->fault takes the glock SH, ->page_mkwrite EX. */
function gfs2VmOps(): ProgramBuilder[] {
  return [
    prog('gfs2_vm_fault').branch('fault', 'mkwrite').label('fault').call('gfs2_fault').ret().label('mkwrite').call('gfs2_page_mkwrite').ret(),
    prog('gfs2_fault', GFS2)
      .acquire('ip.i_gl', 'SH', { text: 'gfs2_glock_nq(&gh) [LM_ST_SHARED]' })
      .noop({ text: 'filemap_fault(vmf)' })
      .release('ip.i_gl', { text: 'gfs2_glock_dq(&gh)' }),
    prog('gfs2_page_mkwrite', GFS2)
      .acquire('ip.i_gl', 'EX', { text: 'gfs2_glock_nq(&gh) [LM_ST_EXCLUSIVE]' })
      .release('ip.i_gl', { text: 'gfs2_glock_dq(&gh)' }),
  ];
}

/** Another task touching the mmapped page of the same file. */
const userFault = (): ProgramBuilder => prog('user_access', 'user.c').fault(GFS2_FILE, { text: 'load/store to the mmapped page' });

/** gfs2_file_direct_read before "gfs2: Fix mmap + page fault deadlocks for direct I/O". */
const dioReadPrefix = (): ProgramBuilder => prog('gfs2_file_direct_read', GFS2)
  .noop({ line: 820, text: 'gfs2_holder_init(ip->i_gl, LM_ST_DEFERRED, 0, gh)' })
  .acquire('ip.i_gl', 'DF', { line: 821, text: 'ret = gfs2_glock_nq(gh)' })
  .fault(GFS2_FILE, { line: 825, text: 'ret = iomap_dio_rw(iocb, to, &gfs2_iomap_ops, NULL, 0, 0)' }, 'user buffer (mmapped from the same file)')
  .release('ip.i_gl', { line: 826, text: 'gfs2_glock_dq(gh)' });

/** gfs2_file_direct_read after the fix (new side of the hunk). */
const dioReadFixed = (): ProgramBuilder => prog('gfs2_file_direct_read', GFS2)
  .noop({ line: 838, text: 'gfs2_holder_init(ip->i_gl, LM_ST_DEFERRED, 0, gh)' })
  .label('retry')
  .acquire('ip.i_gl', 'DF', { line: 840, text: 'ret = gfs2_glock_nq(gh)' })
  .label('retry_under_glock')
  .pagefaultDisable({ line: 844, text: 'pagefault_disable()' })
  .nofault('to', true, { line: 845, text: 'to->nofault = true' })
  .fault(GFS2_FILE, { line: 846, text: 'ret = iomap_dio_rw(iocb, to, &gfs2_iomap_ops, NULL, IOMAP_DIO_PARTIAL, written)' }, 'user buffer (mmapped from the same file)')
  .nofault('to', false, { line: 848, text: 'to->nofault = false' })
  .pagefaultEnable({ line: 849, text: 'pagefault_enable()' })
  .branch('fault_in', 'out') // should_fault_in_pages(ret, to, &prev_count, &window_size)
  .label('fault_in')
  .allowDemote('ip.i_gl', { line: 856, text: 'gfs2_holder_allow_demote(gh)' })
  .faultIn(GFS2_FILE, { line: 857, text: 'leftover = fault_in_iov_iter_writeable(to, window_size)' })
  .disallowDemote('ip.i_gl', { line: 858, text: 'gfs2_holder_disallow_demote(gh)' })
  .branch('progress', 'out') // if (leftover != window_size)
  .label('progress')
  .holderQueued('ip.i_gl', 'retry_under_glock', 'retry', { line: 860, text: 'if (!gfs2_holder_queued(gh)) goto retry; goto retry_under_glock' })
  .label('out')
  .holderQueued('ip.i_gl', 'dq', 'uninit', { line: 865, text: 'if (gfs2_holder_queued(gh))' })
  .label('dq')
  .release('ip.i_gl', { line: 866, text: 'gfs2_glock_dq(gh)' })
  .label('uninit')
  .noop({ line: 868, text: 'gfs2_holder_uninit(gh)' });

function gfs2Scenario(title: string, fixed: boolean, withFaultThread: boolean): Scenario {
  const reader = fixed ? dioReadFixed() : dioReadPrefix();
  return scenario({
    title,
    threads: withFaultThread ? [['T0', 'gfs2_file_direct_read'], ['T1', 'user_access']] : [['T0', 'gfs2_file_direct_read']],
    programs: [reader, userFault(), ...gfs2VmOps()],
    locks: [glock],
    faultHandlers: { [GFS2_FILE]: 'gfs2_vm_fault' },
  });
}

/**
 * mmap_read_lock() held across a user-memory access: copy_from_user()'s fault
 * takes mmap_lock shared again (a deadlock behind a queued writer), while
 * get_user_pages_remote() (get_arg_page) faults under the caller's lock.
 */
function mmapReadScenario(withWriter: boolean, gup = false): Scenario {
  const access = gup ? 'get_user_pages_remote under mmap_read_lock' : 'mmap_read_lock across copy_from_user';
  const reader = prog(gup ? 'get_arg_page' : 'ioctl_walk_vmas', gup ? 'fs/exec.c' : 'drivers/example.c')
    .acquire('mm.mmap_lock', 'R', { line: 10, text: 'mmap_read_lock(mm)' });
  if (gup) reader.gupFault('anon', { line: 12, text: 'get_user_pages_remote(mm, pos, 1, gup_flags, &page, NULL)' }, 'get_user_pages_remote (mmap_lock held by the caller)');
  else reader.fault('anon', { line: 12, text: 'copy_from_user(&arg, uarg, sizeof(arg))' }, 'user buffer');
  reader.release('mm.mmap_lock', { line: 14, text: 'mmap_read_unlock(mm)' });
  return scenario({
    title: withWriter ? `${access} vs mmap_write_lock` : `${access} (alone)`,
    threads: withWriter ? [['T0', reader.name], ['T1', 'munmap']] : [['T0', reader.name]],
    programs: [
      reader,
      prog('munmap', 'mm/mmap.c')
        .acquire('mm.mmap_lock', 'W', { text: 'mmap_write_lock(mm)' })
        .release('mm.mmap_lock', { text: 'mmap_write_unlock(mm)' }),
    ],
    locks: [lock('mm.mmap_lock', 'rwsem', 'mm->mmap_lock')],
  });
}

function abbaScenario(trylock: boolean): Scenario {
  const t1 = trylock
    ? prog('path_b', 'example.c')
        .label('retry')
        .acquire('B', 'W', { line: 20, text: 'mutex_lock(&b->lock)' })
        .trylock('A', 'W', 'bail', { line: 21, text: 'if (!mutex_trylock(&a->lock))' })
        .release('A', { line: 23, text: 'mutex_unlock(&a->lock)' })
        .release('B', { line: 24, text: 'mutex_unlock(&b->lock)' })
        .ret()
        .label('bail')
        .release('B', { line: 26, text: 'mutex_unlock(&b->lock)' })
        .goto('retry', { line: 27, text: 'cond_resched(); goto retry' })
    : prog('path_b', 'example.c')
        .acquire('B', 'W', { line: 20, text: 'mutex_lock(&b->lock)' })
        .acquire('A', 'W', { line: 21, text: 'mutex_lock(&a->lock)' })
        .release('A', { line: 23, text: 'mutex_unlock(&a->lock)' })
        .release('B', { line: 24, text: 'mutex_unlock(&b->lock)' });
  return scenario({
    title: trylock ? 'ABBA with trylock bail-out' : 'ABBA',
    threads: [['T0', 'path_a'], ['T1', 'path_b']],
    programs: [
      prog('path_a', 'example.c')
        .acquire('A', 'W', { line: 10, text: 'mutex_lock(&a->lock)' })
        .acquire('B', 'W', { line: 11, text: 'mutex_lock(&b->lock)' })
        .release('B', { line: 13, text: 'mutex_unlock(&b->lock)' })
        .release('A', { line: 14, text: 'mutex_unlock(&a->lock)' }),
      t1,
    ],
    locks: [lock('A', 'mutex', 'a->lock'), lock('B', 'mutex', 'b->lock')],
  });
}

const FUSE = 'fs/fuse/file.c';
const FUSE_FILE = 'fuse:inode';

/**
 * Seed 000: fuse DAX. write(2) holds inode_lock while copying from a user
 * buffer mmapped from the same DAX file (the fault takes i_mmap_sem shared);
 * open(O_TRUNC) takes inode_lock then i_mmap_sem exclusive; a third task faults.
 * `inverted` swaps the truncate order (i_mmap_sem before inode_lock).
 */
function fuseScenario(inverted: boolean): Scenario {
  const trunc = prog('fuse_open_common', FUSE);
  const inodeLock = (): void => {
    trunc.acquire('inode.i_rwsem', 'W', { line: 457, text: 'inode_lock(inode)' });
  };
  const mmapSem = (): void => {
    trunc.acquire('fi.i_mmap_sem', 'W', { line: 462, text: 'down_write(&get_fuse_inode(inode)->i_mmap_sem)' });
  };
  if (inverted) {
    mmapSem();
    inodeLock();
  } else {
    inodeLock();
    mmapSem();
  }
  trunc
    .noop({ line: 463, text: 'err = fuse_break_dax_layouts(inode, 0, 0)' })
    .release('fi.i_mmap_sem', { line: 474, text: 'up_write(&get_fuse_inode(inode)->i_mmap_sem)' })
    .release('inode.i_rwsem', { line: 478, text: 'inode_unlock(inode)' });
  return scenario({
    title: inverted ? 'fuse dax: truncate with inverted order vs write + fault' : 'fuse dax: truncate vs write + fault',
    threads: [['T0', 'fuse_dax_write_iter'], ['T1', 'fuse_open_common'], ['T2', 'user_access']],
    programs: [
      prog('fuse_dax_write_iter', FUSE)
        .acquire('inode.i_rwsem', 'W', { text: 'inode_lock(inode)' })
        .fault(FUSE_FILE, { text: 'ret = dax_iomap_rw(iocb, from, &fuse_iomap_ops)' }, 'user buffer (mmapped from the same DAX file)')
        .release('inode.i_rwsem', { text: 'inode_unlock(inode)' }),
      trunc,
      prog('user_access', 'user.c').fault(FUSE_FILE, { text: 'store to the mmapped DAX page' }),
      prog('__fuse_dax_fault', FUSE)
        .branch('write', 'read')
        .label('write')
        .acquire('sb.s_writers', 'R', { line: 2943, text: 'sb_start_pagefault(sb)' })
        .acquire('fi.i_mmap_sem', 'R', { line: 2951, text: 'down_read(&get_fuse_inode(inode)->i_mmap_sem)' })
        .release('fi.i_mmap_sem', { line: 2956, text: 'up_read(&get_fuse_inode(inode)->i_mmap_sem)' })
        .release('sb.s_writers', { line: 2959, text: 'sb_end_pagefault(sb)' })
        .ret()
        .label('read')
        .acquire('fi.i_mmap_sem', 'R', { line: 2951, text: 'down_read(&get_fuse_inode(inode)->i_mmap_sem)' })
        .release('fi.i_mmap_sem', { line: 2956, text: 'up_read(&get_fuse_inode(inode)->i_mmap_sem)' }),
    ],
    locks: [
      lock('inode.i_rwsem', 'rwsem', 'inode->i_rwsem'),
      lock('fi.i_mmap_sem', 'rwsem', 'fi->i_mmap_sem (fuse_inode)'),
      lock('sb.s_writers', 'percpu_rwsem', 'sb->s_writers (SB_FREEZE_PAGEFAULT)'),
    ],
    faultHandlers: { [FUSE_FILE]: '__fuse_dax_fault' },
  });
}

/** Seed 003: do_dax_fault returned -EIO with i_mmap_mutex still held (before "dax: Missing unlock in error path"). */
function daxFaultScenario(fixed: boolean): Scenario {
  const fault = prog('do_dax_fault', 'fs/dax.c')
    .acquire('mapping.i_mmap_mutex', 'W', { text: 'mutex_lock(&mapping->i_mmap_mutex)' })
    .branch('beyond_eof', 'ok')
    .label('beyond_eof');
  if (fixed) fault.release('mapping.i_mmap_mutex', { line: 359, text: 'mutex_unlock(&mapping->i_mmap_mutex)' });
  fault
    .goto('out', { line: 361, text: 'error = -EIO; goto out' })
    .label('ok')
    .release('mapping.i_mmap_mutex', { text: 'mutex_unlock(&mapping->i_mmap_mutex)' })
    .label('out')
    .noop({ text: 'out: return' });
  return scenario({
    title: fixed ? 'dax fault error path (fixed) vs another fault' : 'dax fault error path leaks i_mmap_mutex vs another fault',
    threads: [['T0', 'user_access'], ['T1', 'user_access']],
    programs: [prog('user_access', 'user.c').fault('dax:inode', { text: 'load from the mmapped DAX page' }), fault],
    locks: [lock('mapping.i_mmap_mutex', 'mutex', 'mapping->i_mmap_mutex')],
    faultHandlers: { 'dax:inode': 'do_dax_fault' },
    leakedLockIsDeadlock: true,
  });
}

export function seedExamples(): Example[] {
  return [
    { id: 'gfs2-dio-read-prefix', seed: '001', expect: 'deadlock', description: 'gfs2 direct read faults on its own mmapped file holding the glock (self-deadlock)', scenario: gfs2Scenario('gfs2 direct read, pre-fix', false, false) },
    { id: 'gfs2-dio-read-prefix-vs-fault', seed: '001', expect: 'deadlock', description: 'pre-fix direct read vs a task faulting on the same file', scenario: gfs2Scenario('gfs2 direct read, pre-fix, vs fault', false, true) },
    { id: 'gfs2-dio-read-fixed', seed: '001', expect: 'no-deadlock', description: 'fixed: pagefault_disable + nofault, allow_demote + fault_in + retry', scenario: gfs2Scenario('gfs2 direct read, fixed', true, false) },
    { id: 'gfs2-dio-read-fixed-vs-fault', seed: '001', expect: 'no-deadlock', description: 'fixed direct read vs a task faulting on the same file', scenario: gfs2Scenario('gfs2 direct read, fixed, vs fault', true, true) },
    { id: 'mmap-read-across-copy', seed: '—', expect: 'no-deadlock', description: 'mmap_read_lock across copy_from_user, no writer', scenario: mmapReadScenario(false) },
    { id: 'mmap-read-across-copy-vs-writer', seed: '—', expect: 'deadlock', description: 'mmap_read_lock across copy_from_user vs mmap_write_lock', scenario: mmapReadScenario(true) },
    { id: 'gup-under-mmap-read-vs-writer', seed: '—', expect: 'no-deadlock', description: 'get_user_pages_remote under mmap_read_lock vs mmap_write_lock: the GUP fault runs under the caller\'s lock', scenario: mmapReadScenario(true, true) },
    { id: 'abba', seed: '—', expect: 'deadlock', description: 'two mutexes taken in opposite orders', scenario: abbaScenario(false) },
    { id: 'abba-trylock', seed: '—', expect: 'no-deadlock', description: 'ABBA where the second path trylocks and backs off', scenario: abbaScenario(true) },
    { id: 'fuse-truncate-vs-fault', seed: '000', expect: 'no-deadlock', description: 'fuse dax truncate (inode_lock → i_mmap_sem W) vs write + fault', scenario: fuseScenario(false) },
    { id: 'fuse-truncate-inverted', seed: '000', expect: 'deadlock', description: 'truncate takes i_mmap_sem W before inode_lock vs write faulting under inode_lock', scenario: fuseScenario(true) },
    { id: 'dax-fault-leak', seed: '003', expect: 'deadlock', description: 'dax fault -EIO path leaks i_mmap_mutex; the next fault hangs', scenario: daxFaultScenario(false) },
    { id: 'dax-fault-fixed', seed: '003', expect: 'no-deadlock', description: 'dax fault error path unlocks', scenario: daxFaultScenario(true) },
  ];
}
