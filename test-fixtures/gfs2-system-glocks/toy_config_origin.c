/*
 * A system inode declared in .lockorder (glock-origin gfs2_sbd sd_toy_log):
 * its glock, reached as GFS2_I(sdp->sd_toy_log)->i_gl, is gfs2_glock.sd_toy_log.
 */
struct gfs2_glock;
struct gfs2_holder { struct gfs2_glock *gh_gl; };
struct mutex { long owner; };
struct inode { long i_size; };
struct gfs2_inode { struct inode i_inode; struct gfs2_glock *i_gl; };
struct gfs2_sbd {
	struct inode *sd_toy_log;
	struct mutex sd_toy_mutex;
};

/* the declared system inode's glock, then sd_toy_mutex ... */
void toy_log_flush(struct gfs2_sbd *sdp)
{
	struct gfs2_holder gh;

	if (gfs2_glock_nq_init(GFS2_I(sdp->sd_toy_log)->i_gl, LM_ST_EXCLUSIVE, 0, &gh))
		return;
	mutex_lock(&sdp->sd_toy_mutex);
	toy_flush(sdp);
	mutex_unlock(&sdp->sd_toy_mutex);
	gfs2_glock_dq_uninit(&gh);
}

/* ... and sd_toy_mutex, then a user inode's glock: no cycle */
void toy_log_user(struct gfs2_sbd *sdp, struct inode *inode)
{
	struct gfs2_inode *ip = GFS2_I(inode);
	struct gfs2_holder gh;

	mutex_lock(&sdp->sd_toy_mutex);
	if (!gfs2_glock_nq_init(ip->i_gl, LM_ST_SHARED, 0, &gh)) {
		toy_read(ip);
		gfs2_glock_dq_uninit(&gh);
	}
	mutex_unlock(&sdp->sd_toy_mutex);
}
