// Per-filesystem-type lock classes (model/fsTypes.ts): lockdep keeps
// i_rwsem, invalidate_lock, sb_writers, s_umount ... per file_system_type,
// so order rules must not join one filesystem's class with another's, must
// match generic VFS code with each filesystem, and must see through
// stacking filesystems. The fixture test-fixtures/fs-types has the expected
// findings inline; these tests show what changes when the same code is not
// laid out as filesystems, and check the table and `.lockorder` extension.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FsTypes } from '../server/src/model/fsTypes';
import { parseConfig } from '../server/src/model/config';
import { Workspace } from '../server/src/analysis/workspace';
import { buildGraph } from '../server/src/analysis/graph';
import { hoverAt, sitesTaking } from '../server/src/analysis/query';
import { fsOf as faultPathFs } from '../server/src/analysis/faultpath';
import type { LockorderConfig } from '../server/src/model/config';

const FIX = path.join(__dirname, '..', '..', 'test-fixtures', 'fs-types');

function analyse(files: Record<string, string>, config?: LockorderConfig): { rule: string; file: string; line: number; message: string }[] {
  const w = new Workspace({ config });
  for (const [f, text] of Object.entries(files)) w.setFile(f, text);
  return w.analyze().findings.filter((f) => f.severity === 'warning').map((f) => ({ rule: f.rule, file: f.file, line: f.pos.line + 1, message: f.message }));
}

/** The fs-types fixture's files: relative path -> text. */
function fixtureTexts(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) walk(p); else if (d.name.endsWith('.c')) out[path.relative(FIX, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(FIX);
  return out;
}

describe('per-filesystem-type lock classes', () => {
  it('which filesystem a file is: the directory under the last fs/, generic for VFS core, libraries, VFS clients and non-fs code', () => {
    const t = new FsTypes();
    assert.strictEqual(t.fsOf('/src/linux-6.12/fs/btrfs/ioctl.c'), 'btrfs');
    assert.strictEqual(t.fsOf('fs/xfs/scrub/dir_repair.c'), 'xfs');
    assert.strictEqual(t.fsOf('/home/me/fs/linux/fs/ext4/inode.c'), 'ext4');
    assert.strictEqual(t.fsOf('C:\\src\\linux\\fs\\gfs2\\file.c'), 'gfs2');
    assert.strictEqual(t.fsOf('fs/smb/client/file.c'), 'smb');
    for (const generic of ['/src/linux/fs/namei.c', 'fs/iomap/buffered-io.c', 'fs/jbd2/transaction.c', 'fs/nfsd/vfs.c', 'fs/smb/server/vfs.c', 'mm/filemap.c', 'test-fixtures/gfs2-dio/toy.c']) {
      assert.strictEqual(t.fsOf(generic), undefined, generic);
    }
  });

  it('fault paths are per filesystem too: a filesystem\'s subdirectories share its fault handlers; elsewhere a directory is one', () => {
    assert.strictEqual(faultPathFs('/k/fs/xfs/scrub/dir_repair.c'), faultPathFs('/k/fs/xfs/xfs_file.c'));
    assert.strictEqual(faultPathFs('/k/fs/xfs/xfs_file.c'), '/k/fs/xfs');
    assert.notStrictEqual(faultPathFs('/k/fs/ext4/inode.c'), faultPathFs('/k/fs/xfs/xfs_file.c'));
    assert.strictEqual(faultPathFs('/w/test-fixtures/fuse-dax/toy_dax.c'), '/w/test-fixtures/fuse-dax');
    assert.strictEqual(faultPathFs('/k/fs/iomap/buffered-io.c'), '/k/fs/iomap');
  });

  it('which classes lockdep keeps per filesystem type', () => {
    const t = new FsTypes();
    for (const c of ['inode.i_rwsem', 'inode.i_rwsem/I_MUTEX_PARENT', 'address_space.invalidate_lock', 'sb_writers', 'sb_internal', 'super_block.s_umount', 'inode.i_lock']) assert.ok(t.perFsType(c), c);
    for (const c of ['address_space.i_mmap_rwsem', 'mm_struct.mmap_lock', 'jbd2_handle', 'dquot.dq_lock', 'btrfs_fs_info.subvol_sem']) assert.ok(!t.perFsType(c), c);
    assert.strictEqual(t.held('fs/btrfs/inode.c', 'address_space.i_mmap_rwsem'), undefined, 'one class for every filesystem: not attributed');
  });

  it('classes whose every instance is one mounted filesystem\'s (a journal, a dquot) are attributed like per-type ones', () => {
    const t = new FsTypes();
    for (const c of ['jbd2_handle', 'dquot.dq_lock']) {
      assert.ok(!t.perFsType(c), `${c}: lockdep does not key it per filesystem type`);
      assert.ok(t.perFilesystem(c), c);
      assert.strictEqual(t.held('fs/ext4/ioctl.c', c), 'ext4', c);
      assert.strictEqual(t.acquired('fs/ocfs2/quota_global.c', c, 'fs/jbd2/transaction.c'), 'ocfs2', c);
      for (const generic of ['fs/jbd2/transaction.c', 'fs/quota/dquot.c']) assert.strictEqual(t.held(generic, c), undefined, `${c} in ${generic}`);
    }
    for (const c of ['address_space.i_mmap_rwsem', 'mm_struct.mmap_lock', 'btrfs_fs_info.subvol_sem']) assert.ok(!t.perFilesystem(c), c);
    // ext4_ioctl_setproject() (jbd2_handle, then dqget()'s dq_lock) against ocfs2_release_dquot() (dq_lock, then
    // ocfs2_start_trans()): no journal or dquot is both filesystems', so no cycle; in one filesystem, an ABBA
    const dir = path.join(__dirname, '..', '..', 'test-fixtures', 'fs-instance');
    const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
    const dquot = read('fs/quota/toy_dquot.c');
    const block = read('fs/blockfs/block_ioctl.c');
    const cluster = read('fs/clusterfs/cluster_quota.c').replace(/\/\* a dquot looked up inside[^]*$/, '');
    assert.ok(!cluster.includes('cluster_set_project'));
    const laidOut = { '/k/fs/quota/toy_dquot.c': dquot, '/k/fs/blockfs/block_ioctl.c': block, '/k/fs/clusterfs/cluster_quota.c': cluster };
    assert.deepStrictEqual(analyse(laidOut), []);
    const oneFs = { '/k/fs/quota/toy_dquot.c': dquot, '/k/fs/clusterfs/block_ioctl.c': block, '/k/fs/clusterfs/cluster_quota.c': cluster };
    const found = analyse(oneFs);
    assert.deepStrictEqual(found.map((f) => f.rule), ['order-cycle']);
    assert.match(found[0].message, /jbd2_handle \(clusterfs\)/);
    assert.match(found[0].message, /dquot\.dq_lock \(clusterfs\)/);
  });

  it('stacking code: its own locks are its own, what a VFS helper takes underneath belongs to the lower filesystem', () => {
    const t = new FsTypes();
    assert.strictEqual(t.acquired('fs/overlayfs/file.c', 'sb_writers', 'fs/read_write.c'), 'lower:overlayfs');
    assert.strictEqual(t.acquired('fs/overlayfs/file.c', 'inode.i_lock', 'fs/overlayfs/util.c'), 'overlayfs');
    assert.strictEqual(t.acquired('fs/overlayfs/file.c', 'inode.i_rwsem'), 'overlayfs');
    assert.strictEqual(t.acquired('fs/fuse/passthrough.c', 'sb_writers', 'fs/backing-file.c'), 'lower:fuse');
    assert.strictEqual(t.acquired('fs/fuse/file.c', 'inode.i_rwsem', 'mm/filemap.c'), 'fuse', 'fuse itself is not stacking');
    // objects underneath named the stacking filesystem's way, taken directly
    assert.strictEqual(t.acquired('fs/overlayfs/file.c', 'sb_writers', undefined, 'file_inode(real.file)->i_sb:sb_writers'), 'lower:overlayfs');
    assert.strictEqual(t.held('fs/overlayfs/dir.c', 'inode.i_rwsem', 'd_inode(upperdir)->i_rwsem'), 'lower:overlayfs');
    assert.strictEqual(t.held('fs/overlayfs/file.c', 'inode.i_rwsem', 'file_inode(file)->i_rwsem'), 'overlayfs');
    assert.strictEqual(t.acquired('fs/ecryptfs/inode.c', 'inode.i_rwsem', undefined, 'd_inode(lower_dir_dentry)->i_rwsem'), 'lower:ecryptfs');
    // cachefiles has no objects of its own: all it locks is the cache filesystem's, like a VFS client
    assert.strictEqual(t.fsOf('fs/cachefiles/namei.c'), undefined);
  });

  it('laid out as filesystems, the fixture reports only the same-filesystem cycle and violations; the same code as one filesystem also reports the cross-filesystem ones', () => {
    const texts = fixtureTexts();
    const asTree = analyse(Object.fromEntries(Object.entries(texts).map(([f, t]) => [path.join('/k', f), t])));
    const rules = asTree.map((f) => `${path.basename(f.file)}:${f.line} ${f.rule}`).sort();
    assert.deepStrictEqual(rules, ['alpha_file.c:18 order-cycle', 'alpha_file.c:38 order-violation', 'ovl_toy.c:30 order-violation']);
    const cycle = asTree.find((f) => f.rule === 'order-cycle')!;
    assert.match(cycle.message, /takes inode\.i_rwsem \(alphafs\) while holding toy_sync_lock/);
    assert.match(cycle.message, /toy_vfs_sync_inode\(\) takes toy_sync_lock while holding inode\.i_rwsem \(alphafs\)/);
    // the same files in one directory (no filesystem types): alpha's and beta's invalidate_lock are one class,
    // and overlayfs's i_rwsem and the real file's sb_writers are of one filesystem
    const flat = analyse(Object.fromEntries(Object.entries(texts).map(([f, t]) => [path.join('/k/flat', path.basename(f)), t])));
    const flatRules = flat.map((f) => `${path.basename(f.file)}:${f.line} ${f.rule}`);
    assert.ok(flat.some((f) => f.rule === 'order-cycle' && /toy_registry_lock/.test(f.message) && /address_space\.invalidate_lock/.test(f.message)), flatRules.join('\n'));
    assert.ok(flat.some((f) => f.rule === 'order-violation' && /toy_vfs_iter_write\(\) takes sb_writers/.test(f.message)), flatRules.join('\n'));
    assert.ok(flat.some((f) => f.rule === 'order-violation' && f.message.includes('file_inode(realfile)->i_sb:sb_writers')), flatRules.join('\n'));
  });

  it('.lockorder per-fs-class adds a class: a project lock keyed per filesystem type stops joining two filesystems', () => {
    const a = 'struct mutex; struct toy_inode { struct mutex io_lock; };\nextern struct mutex toy_list_lock;\n' +
      'void a_fn(struct toy_inode *ti)\n{\n\tmutex_lock(&toy_list_lock);\n\tmutex_lock(&ti->io_lock);\n\ta_work(ti);\n\tmutex_unlock(&ti->io_lock);\n\tmutex_unlock(&toy_list_lock);\n}\n';
    const b = 'struct mutex; struct toy_inode { struct mutex io_lock; };\nextern struct mutex toy_list_lock;\n' +
      'void b_fn(struct toy_inode *ti)\n{\n\tmutex_lock(&ti->io_lock);\n\tmutex_lock(&toy_list_lock);\n\tb_work(ti);\n\tmutex_unlock(&toy_list_lock);\n\tmutex_unlock(&ti->io_lock);\n}\n';
    const files = { '/k/fs/afs1/a.c': a, '/k/fs/bfs1/b.c': b };
    assert.deepStrictEqual(analyse(files).map((f) => f.rule), ['order-cycle'], 'a plain class is one lock class everywhere');
    const cfg = parseConfig('per-fs-class toy_inode.io_lock\n', '.lockorder');
    assert.deepStrictEqual(cfg.errors, []);
    assert.deepStrictEqual(analyse(files, cfg), []);
    assert.deepStrictEqual(parseConfig('per-fs-class\nper-fs-class a b\n', '.lockorder').errors.map((e) => e.line), [1, 2]);
  });

  it('the lock hover lists opposite-order sites of the same filesystem only', () => {
    const w = new Workspace({ keepStates: true });
    const files = Object.entries(fixtureTexts()).map(([f, t]) => [path.join('/k', f), t] as const);
    for (const [f, t] of files) w.setFile(f, t);
    w.analyze();
    const [alpha, text] = files.find(([f]) => f.endsWith('alpha_file.c'))!;
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('filemap_invalidate_lock(mapping);'));
    const h = hoverAt(w, alpha, line, lines[line].indexOf('filemap_invalidate_lock') + 2);
    assert.ok(h && h.kind === 'lock', JSON.stringify(h));
    const lock = h.locks.find((l) => l.cls === 'address_space.invalidate_lock')!;
    assert.deepStrictEqual(lock.opposite, [], 'betafs takes the registry under its own invalidate_lock: another class');
    // the same question without a filesystem to ask from finds betafs's site
    assert.deepStrictEqual(sitesTaking(w, 'address_space.invalidate_lock', 'toy_registry_lock').map((o) => o.fn), ['beta_evict_mapping']);
  });

  it('lockorder graph keeps one edge per class pair', () => {
    const w = new Workspace();
    for (const [f, t] of Object.entries(fixtureTexts())) w.setFile(path.join(os.tmpdir(), 'k', f), t);
    const g = buildGraph(w.analyze());
    const pairs = g.edges.filter((e) => e.kind === 'order').map((e) => `${e.from} -> ${e.to}`);
    assert.strictEqual(new Set(pairs).size, pairs.length, pairs.join('\n'));
    const inv = g.edges.filter((e) => e.from === 'inode.i_rwsem' && e.to === 'toy_sync_lock');
    assert.strictEqual(inv.length, 1);
    assert.ok(inv[0].cycle, 'the alphafs cycle marks the class pair');
    assert.ok(g.edges.some((e) => e.from === 'toy_registry_lock' && e.to === 'address_space.invalidate_lock' && !e.cycle));
  });
});
