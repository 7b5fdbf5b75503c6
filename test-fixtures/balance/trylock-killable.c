/*
 * Trylocks and waits that can fail: the lock is held only when the call says
 * so. Bail-outs on failure are quiet; unlocking after a failed attempt is a
 * bug (unlock-unheld).
 */
struct mutex;
struct rw_semaphore;
struct gfs2_glock;
struct gfs2_holder { struct gfs2_glock *gh_gl; };
struct inode { struct rw_semaphore i_rwsem; };
struct gfs2_inode { struct inode i_inode; struct gfs2_glock *i_gl; };
struct toy_dev { struct mutex lock; struct rw_semaphore sem; int busy; };

static int toy_trylock_bail(struct toy_dev *d)
{
	if (!mutex_trylock(&d->lock))
		return -EBUSY;
	d->busy++;
	mutex_unlock(&d->lock);
	return 0;
}

static int toy_trylock_var(struct toy_dev *d)
{
	int locked = mutex_trylock(&d->lock);

	if (!locked)
		return -EAGAIN;
	d->busy--;
	mutex_unlock(&d->lock);
	return 0;
}

static int toy_inode_trylock_nowait(struct inode *inode, int nowait)
{
	if (nowait) {
		if (!inode_trylock(inode))
			return -EAGAIN;
	} else {
		inode_lock(inode);
	}
	toy_write(inode);
	inode_unlock(inode);
	return 0;
}

static int toy_interruptible(struct toy_dev *d)
{
	int ret;

	ret = mutex_lock_interruptible(&d->lock);
	if (ret)
		return ret;
	d->busy = 1;
	mutex_unlock(&d->lock);
	return 0;
}

static int toy_killable_read(struct toy_dev *d)
{
	if (down_read_killable(&d->sem))
		return -EINTR;
	toy_read(d);
	up_read(&d->sem);
	return 0;
}

static int toy_glock_nq_checked(struct gfs2_inode *ip)
{
	struct gfs2_holder gh;
	int error;

	gfs2_holder_init(ip->i_gl, LM_ST_SHARED, 0, &gh);
	error = gfs2_glock_nq(&gh);
	if (error)
		goto out_uninit;
	toy_read_inode(ip);
	gfs2_glock_dq(&gh);
out_uninit:
	gfs2_holder_uninit(&gh);
	return error;
}

/* buggy: unlocks after the trylock failed */
static void toy_trylock_unlock_anyway(struct toy_dev *d)
{
	if (mutex_trylock(&d->lock))
		d->busy = 0;
	mutex_unlock(&d->lock); /* expect: unlock-unheld */
}

/* fixed twin */
static void toy_trylock_unlock_fixed(struct toy_dev *d)
{
	if (mutex_trylock(&d->lock)) {
		d->busy = 0;
		mutex_unlock(&d->lock);
	}
}

/* buggy: the interruptible wait failed, yet the error path unlocks */
static int toy_interruptible_bad(struct toy_dev *d)
{
	int ret = mutex_lock_interruptible(&d->lock);

	if (ret)
		goto out;
	d->busy = 2;
out:
	mutex_unlock(&d->lock); /* expect: unlock-unheld */
	return ret;
}

/* a second unlock on the error path */
static int toy_double_unlock(struct toy_dev *d, int flag)
{
	int err = 0;

	down_write(&d->sem);
	if (flag) {
		up_write(&d->sem);
		err = -EINVAL;
		goto out;
	}
	toy_update(d);
out:
	up_write(&d->sem); /* expect: unlock-unheld */
	return err;
}

/* fixed twin */
static int toy_double_unlock_fixed(struct toy_dev *d, int flag)
{
	int err = 0;

	down_write(&d->sem);
	if (flag) {
		err = -EINVAL;
		goto out;
	}
	toy_update(d);
out:
	up_write(&d->sem);
	return err;
}
