// gfs2 glock classes by origin. Every inode's glock is `ip->i_gl`, one class
// (`gfs2_glock.i_gl`) by the field alone; but gfs2's system inodes (journals,
// the rindex, statfs, quota change and quota inodes) are reached only through
// the superblock or a journal descriptor, and their glocks are taken in known
// places and orders (recovery holds a journal's glock; do_sync takes the quota
// inode's glock under its i_rwsem). A user inode's glock and a system inode's
// are never the same glock, so the code's way of reaching the inode names the
// class: `GFS2_I(sdp->sd_rindex)->i_gl` is `gfs2_glock.sd_rindex`,
// `GFS2_I(jd->jd_inode)->i_gl` is `gfs2_glock.jd_inode`.
// `.lockorder`: `glock-origin STRUCT FIELD [holds=inode|glock] [class=CLASS]` (config.ts).

export interface GlockOrigin {
  /** the struct holding the field (checked when the owner's type is known) */
  struct: string;
  field: string;
  /** what the field holds: an inode whose `i_gl` is meant, or a glock pointer itself */
  holds: 'inode' | 'glock';
  /** the class its glock gets */
  cls: string;
}

/** The class every inode glock has by its field alone: refinable by origin, here and at a helper's call. */
export const INODE_GLOCK_CLASS = 'gfs2_glock.i_gl';

export const BUILTIN_GLOCK_ORIGINS: readonly GlockOrigin[] = [
  // journal inodes: any journal descriptor's (recovery of another node's journal), and this node's own
  { struct: 'gfs2_jdesc', field: 'jd_inode', holds: 'inode', cls: 'gfs2_glock.jd_inode' },
  { struct: 'gfs2_sbd', field: 'sd_jinode_gl', holds: 'glock', cls: 'gfs2_glock.jd_inode' },
  { struct: 'gfs2_sbd', field: 'sd_jindex', holds: 'inode', cls: 'gfs2_glock.sd_jindex' },
  { struct: 'gfs2_sbd', field: 'sd_rindex', holds: 'inode', cls: 'gfs2_glock.sd_rindex' },
  { struct: 'gfs2_sbd', field: 'sd_statfs_inode', holds: 'inode', cls: 'gfs2_glock.sd_statfs_inode' },
  // the per-node statfs change files: this node's, and each journal's (recovery updates another node's)
  { struct: 'gfs2_sbd', field: 'sd_sc_inode', holds: 'inode', cls: 'gfs2_glock.sd_sc_inode' },
  { struct: 'local_statfs_inode', field: 'si_sc_inode', holds: 'inode', cls: 'gfs2_glock.sd_sc_inode' },
  { struct: 'gfs2_sbd', field: 'sd_qc_inode', holds: 'inode', cls: 'gfs2_glock.sd_qc_inode' },
  { struct: 'gfs2_sbd', field: 'sd_quota_inode', holds: 'inode', cls: 'gfs2_glock.sd_quota_inode' },
];
