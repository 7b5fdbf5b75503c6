/*
 * A callee that stores a constant in the task's own state on every path
 * (gfs2_trans_end(): current->journal_info = NULL) decides the caller's
 * later test of it. fs/gfs2/bmap.c punch_hole() ends a transaction and
 * drops i_rw_mutex, then at `out:` drops them again only
 * `if (current->journal_info)`: with the store forgotten at the call, that
 * second up_write() looked reachable after the first.
 */
struct toy_sbd;
struct toy_inode { struct rw_semaphore i_rw_mutex; };
struct toy_trans { int blocks; };

static int toy_trans_begin(struct toy_sbd *sdp, unsigned int blocks)
{
	struct toy_trans *tr = toy_alloc_trans(blocks);

	if (!tr)
		return -ENOMEM;
	current->journal_info = tr;
	return 0;
}

static void toy_trans_end(struct toy_sbd *sdp)
{
	struct toy_trans *tr = current->journal_info;

	current->journal_info = NULL;
	toy_commit(sdp, tr);
	toy_free_trans(tr);
}

static int tss_punch_hole(struct toy_sbd *sdp, struct toy_inode *ip, long btotal)
{
	int ret = 0;

	if (btotal) {
		if (current->journal_info == NULL) {
			ret = toy_trans_begin(sdp, 4);
			if (ret)
				goto out;
			down_write(&ip->i_rw_mutex);
		}
		toy_statfs_change(sdp, btotal);
		up_write(&ip->i_rw_mutex);
		toy_trans_end(sdp);
	}
out:
	if (current->journal_info) {
		up_write(&ip->i_rw_mutex);
		toy_trans_end(sdp);
	}
	return ret;
}

/* without the end of the transaction, the second release is real */
static int tss_punch_hole_twice(struct toy_sbd *sdp, struct toy_inode *ip, long btotal)
{
	if (current->journal_info == NULL) {
		if (toy_trans_begin(sdp, 4))
			return -ENOMEM;
		down_write(&ip->i_rw_mutex);
	}
	toy_statfs_change(sdp, btotal);
	up_write(&ip->i_rw_mutex);
	if (current->journal_info) {
		up_write(&ip->i_rw_mutex); /* expect: unlock-unheld */
		toy_trans_end(sdp);
	}
	return 0;
}
