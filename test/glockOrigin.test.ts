// gfs2 system inodes' glocks classed by origin (model/glocks.ts, `.lockorder` glock-origin).
import * as assert from 'assert';
import { StructTable } from '../server/src/model/classes';
import { parseConfig } from '../server/src/model/config';
import { Knowledge } from '../server/src/model/knowledge';
import { Resolver } from '../server/src/analysis/locks';
import { fnWith, pos } from './irStub';

describe('gfs2 glock origins', () => {
  const structs = new StructTable();
  structs.add([
    { name: 'gfs2_sbd', fields: [{ name: 'sd_jdesc', type: 'gfs2_jdesc' }, { name: 'sd_rindex', type: 'inode' }, { name: 'sd_statfs_inode', type: 'inode' }, { name: 'sd_jinode_gl', type: 'gfs2_glock' }, { name: 'sd_rename_gl', type: 'gfs2_glock' }] },
    { name: 'gfs2_jdesc', fields: [{ name: 'jd_inode', type: 'inode' }] },
    { name: 'toy_sbd', fields: [{ name: 'sd_rindex', type: 'inode' }] },
  ] as never);
  const nq = { name: 'gfs2_glock_nq_init', op: 'holder_nq_init', kind: 'glock', arg: 3, stateArg: 1, glockFlagsArg: 2 } as never;
  const call = (gl: string) => ({ name: 'gfs2_glock_nq_init', args: [gl, 'LM_ST_SHARED', '0', '&gh'], pos, argPos: [] }) as never;
  const r = new Resolver(
    fnWith([{ name: 'sdp', type: 'gfs2_sbd' }, { name: 'inode', type: 'inode' }, { name: 'jd', type: 'gfs2_jdesc' }, { name: 'tsb', type: 'toy_sbd' }],
      { ip: 'gfs2_inode', m_ip: 'gfs2_inode', jip: 'gfs2_inode' },
      { ip: 'GFS2_I(inode)', m_ip: 'GFS2_I(sdp->sd_statfs_inode)', jip: 'GFS2_I(sdp->sd_jdesc->jd_inode)' }),
    structs, new Map());

  it('a system inode reached through the superblock or a journal descriptor has its own glock class', () => {
    const cls = (gl: string) => r.glock(nq, call(gl)).cls;
    assert.strictEqual(cls('GFS2_I(sdp->sd_rindex)->i_gl'), 'gfs2_glock.sd_rindex');
    assert.strictEqual(cls('m_ip->i_gl'), 'gfs2_glock.sd_statfs_inode');
    assert.strictEqual(cls('jip->i_gl'), 'gfs2_glock.jd_inode');
    assert.strictEqual(cls('GFS2_I(jd->jd_inode)->i_gl'), 'gfs2_glock.jd_inode');
    // this node's journal glock, kept in the superblock, is a journal inode's
    assert.strictEqual(cls('sdp->sd_jinode_gl'), 'gfs2_glock.jd_inode');
    // user inodes and other glocks keep their classes
    assert.strictEqual(cls('ip->i_gl'), 'gfs2_glock.i_gl');
    assert.strictEqual(cls('GFS2_I(inode)->i_gl'), 'gfs2_glock.i_gl');
    assert.strictEqual(cls('sdp->sd_rename_gl'), 'gfs2_glock.sd_rename_gl');
    // the same field name in another struct is not gfs2's superblock
    assert.strictEqual(cls('GFS2_I(tsb->sd_rindex)->i_gl'), 'gfs2_glock.i_gl');
  });

  it('a helper locking its parameter\'s i_gl takes the system class when given a system inode', () => {
    assert.strictEqual(r.refineClass('gfs2_glock.i_gl', '$0->i_gl', ['m_ip', '&gh']), 'gfs2_glock.sd_statfs_inode');
    assert.strictEqual(r.refineClass('gfs2_glock.i_gl', '$0->i_gl', ['GFS2_I(jd->jd_inode)']), 'gfs2_glock.jd_inode');
    assert.strictEqual(r.refineClass('gfs2_glock.i_gl', '$0->i_gl', ['ip']), 'gfs2_glock.i_gl');
    assert.strictEqual(r.refineClass('gfs2_glock.i_gl', '$0->i_gl', ['GFS2_I(inode)']), 'gfs2_glock.i_gl');
    // a helper that may drop an inode glock it names by its parameter covers a held system inode glock
    assert.ok(r.wrapperClassCovers('gfs2_glock.i_gl', { inst: 'm_ip->i_gl', cls: 'gfs2_glock.sd_statfs_inode' }));
    assert.ok(!r.wrapperClassCovers('gfs2_glock.i_gl', { inst: 'x->rd_gl', cls: 'gfs2_glock.rd_gl' }));
  });

  it('.lockorder glock-origin adds an origin; malformed lines are errors', () => {
    const cfg = parseConfig('glock-origin toy_sbd sd_log_inode\nglock-origin toy_sbd sd_gl holds=glock class=toy.gl\nglock-origin toy_sbd\nglock-origin a b holds=dir\nglock-origin a b what=1\n', '.lockorder');
    assert.deepStrictEqual(cfg.glockOrigins, [
      { struct: 'toy_sbd', field: 'sd_log_inode', holds: 'inode', cls: 'gfs2_glock.sd_log_inode' },
      { struct: 'toy_sbd', field: 'sd_gl', holds: 'glock', cls: 'toy.gl' },
    ]);
    assert.deepStrictEqual(cfg.errors.map((e) => e.line), [3, 4, 5]);
    const know = new Knowledge(cfg);
    assert.ok(know.glockOrigins.some((o) => o.field === 'sd_log_inode'));
    assert.ok(know.glockOrigins.some((o) => o.field === 'sd_rindex'));
  });
});
