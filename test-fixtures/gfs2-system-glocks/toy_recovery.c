/*
 * gfs2 system inodes (journals, statfs, quota, rindex) are reached only
 * through the superblock or a journal descriptor; their glocks are never a
 * user inode's, though every inode's glock is `ip->i_gl`. Modelled on 6.12
 * gfs2_recover_func(), which holds the journal inode's glock and then takes
 * sd_freeze_mutex, while the freeze and write paths take sd_freeze_mutex
 * before a user inode's glock: no cycle. The same shape on two user inodes is
 * a real ABBA and stays reported.
 */
struct gfs2_glock;
struct gfs2_holder { struct gfs2_glock *gh_gl; };
struct mutex { long owner; };
struct inode { long i_size; };
struct gfs2_inode { struct inode i_inode; struct gfs2_glock *i_gl; };
struct gfs2_jdesc { struct inode *jd_inode; unsigned int jd_jid; };
struct gfs2_sbd {
	struct gfs2_jdesc *sd_jdesc;
	struct inode *sd_statfs_inode;
	struct inode *sd_toy_log;
	struct mutex sd_freeze_mutex;
	struct mutex sd_statfs_mutex;
	struct mutex sd_log_mutex;
	struct mutex sd_toy_mutex;
};

/* a helper naming the glock by its parameter: the caller's argument decides the class */
static int toy_inode_lock(struct gfs2_inode *ip, struct gfs2_holder *gh)
{
	return gfs2_glock_nq_init(ip->i_gl, LM_ST_EXCLUSIVE, 0, gh);
}

/* recovery: the journal inode's glock (through a local alias), then the freeze mutex */
void toy_recover(struct gfs2_jdesc *jd, struct gfs2_sbd *sdp)
{
	struct gfs2_inode *ip = GFS2_I(jd->jd_inode);
	struct gfs2_holder ji_gh;

	if (gfs2_glock_nq_init(ip->i_gl, LM_ST_SHARED, 0, &ji_gh))
		return;
	mutex_lock(&sdp->sd_freeze_mutex);
	toy_replay(jd);
	mutex_unlock(&sdp->sd_freeze_mutex);
	gfs2_glock_dq_uninit(&ji_gh);
}

/* freeze: the freeze mutex, then a user inode's glock: no cycle with toy_recover() */
void toy_freeze_inode(struct gfs2_sbd *sdp, struct inode *inode)
{
	struct gfs2_inode *ip = GFS2_I(inode);
	struct gfs2_holder gh;

	mutex_lock(&sdp->sd_freeze_mutex);
	if (!gfs2_glock_nq_init(ip->i_gl, LM_ST_EXCLUSIVE, 0, &gh)) {
		toy_sync_inode(ip);
		gfs2_glock_dq_uninit(&gh);
	}
	mutex_unlock(&sdp->sd_freeze_mutex);
}

/* statfs sync: sd_statfs_mutex, then the statfs inode's glock through the helper (given an alias) */
void toy_statfs_sync(struct gfs2_sbd *sdp)
{
	struct gfs2_inode *m_ip = GFS2_I(sdp->sd_statfs_inode);
	struct gfs2_holder gh;

	mutex_lock(&sdp->sd_statfs_mutex);
	if (!toy_inode_lock(m_ip, &gh)) {
		toy_statfs_write(m_ip);
		gfs2_glock_dq_uninit(&gh);
	}
	mutex_unlock(&sdp->sd_statfs_mutex);
}

/* a user write: the user inode's glock, then sd_statfs_mutex: no cycle with toy_statfs_sync() */
void toy_statfs_charge(struct gfs2_sbd *sdp, struct inode *inode)
{
	struct gfs2_inode *ip = GFS2_I(inode);
	struct gfs2_holder gh;

	if (gfs2_glock_nq_init(ip->i_gl, LM_ST_EXCLUSIVE, 0, &gh))
		return;
	mutex_lock(&sdp->sd_statfs_mutex);
	toy_charge(inode);
	mutex_unlock(&sdp->sd_statfs_mutex);
	gfs2_glock_dq_uninit(&gh);
}

/* two user inodes: a's glock, then sd_log_mutex ... */
void toy_user_a(struct gfs2_sbd *sdp, struct inode *a)
{
	struct gfs2_inode *ip = GFS2_I(a);
	struct gfs2_holder gh;

	if (gfs2_glock_nq_init(ip->i_gl, LM_ST_EXCLUSIVE, 0, &gh))
		return;
	mutex_lock(&sdp->sd_log_mutex); /* expect: order-cycle */
	toy_log(a);
	mutex_unlock(&sdp->sd_log_mutex);
	gfs2_glock_dq_uninit(&gh);
}

/* ... and sd_log_mutex, then b's glock (through the helper): a real ABBA */
void toy_user_b(struct gfs2_sbd *sdp, struct inode *b)
{
	struct gfs2_holder gh;

	mutex_lock(&sdp->sd_log_mutex);
	if (!toy_inode_lock(GFS2_I(b), &gh)) {
		toy_log(b);
		gfs2_glock_dq_uninit(&gh);
	}
	mutex_unlock(&sdp->sd_log_mutex);
}
