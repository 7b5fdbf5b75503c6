/*
 * Third batch of false-positive classes from Linux fs/ (all correct, all quiet):
 * locks whose ownership moves on (into a structure, to the caller by
 * convention, to another task, to a transaction), and conditions the engine
 * must read as the same test.
 */
struct spinlock;
struct mutex;
struct rw_semaphore;
struct semaphore;
struct folio;
struct inode { struct rw_semaphore i_rwsem; struct spinlock i_lock; long i_blocks; };
struct own_node { struct mutex lock; };
struct own_path { struct own_node *nodes[8]; int locks[8]; };
struct own_sb { struct semaphore rescan_sem; struct spinlock cache_lock; };
struct xfs_inode;
struct xfs_trans;
struct gfs2_glock;
struct gfs2_holder { struct gfs2_glock *gh_gl; };
struct own_ip { struct gfs2_glock *i_gl; struct gfs2_holder i_iopen_gh; };
struct iov_iter;
struct kiocb { struct inode *ki_inode; };
struct vm_fault { struct folio *folio; };

/* the locked node is stored in the path; releasing the path unlocks it */
static int own_walk_down(struct own_path *path, int level)
{
	struct own_node *next = own_read_node(path, level);

	if (!next)
		return -EIO;
	mutex_lock(&next->lock);
	if (own_stale(next)) {
		mutex_unlock(&next->lock);
		return -EAGAIN;
	}
	path->nodes[level] = next;
	path->locks[level] = 1;
	return 0;
}

/* ->page_mkwrite hands the locked folio to the fault path with VM_FAULT_LOCKED */
static int own_page_mkwrite(struct vm_fault *vmf)
{
	struct folio *folio = vmf->folio;

	folio_lock(folio);
	if (own_folio_truncated(folio)) {
		folio_unlock(folio);
		return VM_FAULT_NOPAGE;
	}
	own_mark_dirty(folio);
	return VM_FAULT_LOCKED;
}

/* the iopen glock is held through a holder that lives in the inode until eviction */
static int own_iopen_lock(struct own_ip *ip)
{
	int error;

	error = gfs2_glock_nq_init(ip->i_gl, LM_ST_SHARED, 0, &ip->i_iopen_gh);
	if (error)
		return error;
	if (own_iopen_stale(ip)) {
		gfs2_glock_dq_uninit(&ip->i_iopen_gh);
		return -ESTALE;
	}
	return 0;
}

/* a semaphore taken here is released by the thread it starts */
static int own_start_rescan(struct own_sb *sb)
{
	int err;

	down(&sb->rescan_sem);
	err = own_kthread_run(sb);
	if (err) {
		up(&sb->rescan_sem);
		return err;
	}
	return 0;
}

/* the caller gets the object back locked; __release() tells sparse so */
static struct own_node *own_cache_lookup(struct own_sb *sb, int key)
{
	struct own_node *n;

	spin_lock(&sb->cache_lock);
	n = own_lookup(sb, key);
	if (n)
		__release(cache_lock);	/* own_cache_done() unlocks */
	else
		spin_unlock(&sb->cache_lock);
	return n;
}

/* `== true` on a bool, and an accessor compared with a constant, are tests the engine correlates */
static int own_setattr(struct vfsmount *mnt, struct inode *inode, bool get_write, struct iov_iter *it)
{
	int err = 0;

	if (get_write == true) {
		err = mnt_want_write(mnt);
		if (err)
			return err;
	}
	if (iov_iter_rw(it) == READ)
		inode_lock(inode);
	err = own_do_setattr(inode);
	if (iov_iter_rw(it) == READ)
		inode_unlock(inode);
	if (get_write == true)
		mnt_drop_write(mnt);
	return err;
}

/* compile-time conditions stay the same when the variable they measure is assigned */
static void own_copy_blocks(struct inode *dst, struct inode *src)
{
	long blocks;

	if (sizeof(blocks) > sizeof(long))
		spin_lock(&src->i_lock);
	blocks = src->i_blocks;
	if (sizeof(blocks) > sizeof(long))
		spin_unlock(&src->i_lock);
	dst->i_blocks = blocks;
}

/* a local set from an accessor names the same lock as the accessor */
static void own_del(struct inode *inode)
{
	struct own_sb *sb = own_sb_of(inode);

	spin_lock(&own_sb_of(inode)->cache_lock);
	if (own_idle(inode)) {
		spin_unlock(&sb->cache_lock);
		return;
	}
	own_forget(inode);
	spin_unlock(&sb->cache_lock);
}

/* joining the locked inode to the transaction: commit/cancel unlocks it */
static int own_xfs_change(struct xfs_inode *ip, struct xfs_trans *tp)
{
	int error;

	xfs_ilock(ip, XFS_ILOCK_EXCL);
	error = own_reserve(tp, ip);
	if (error) {
		xfs_iunlock(ip, XFS_ILOCK_EXCL);
		return error;
	}
	xfs_trans_ijoin(tp, ip, XFS_ILOCK_EXCL);
	return own_trans_commit(tp);
}

/* a try helper that returns which locks it took (non-zero) or 0 */
static unsigned int own_lock_dir(struct xfs_inode *dp)
{
	if (!xfs_ilock_nowait(dp, XFS_IOLOCK_SHARED))
		return 0;
	if (!xfs_ilock_nowait(dp, XFS_ILOCK_SHARED)) {
		xfs_iunlock(dp, XFS_IOLOCK_SHARED);
		return 0;
	}
	return XFS_IOLOCK_SHARED | XFS_ILOCK_SHARED;
}

/* a helper that returns the folio it locked */
static struct folio *own_get_locked_folio(struct own_sb *sb, int index)
{
	struct folio *folio = own_find_folio(sb, index);

	if (!folio)
		return NULL;
	folio_lock(folio);
	if (own_folio_gone(folio)) {
		folio_unlock(folio);
		return NULL;
	}
	return folio;
}
