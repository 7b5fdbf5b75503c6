/*
 * Lock-taking helpers that return 0 holding the lock, from Linux fs/
 * (correct code, quiet), and the same shapes with a real leak (flagged):
 *  - a retry loop that drops both locks and starts again, then returns
 *    early (before taking the second lock) on its next attempt
 *    (xfs_mmaplock_two_inodes_and_break_dax_layout);
 *  - an error path whose return value is copied from a second error
 *    variable tested non-zero (`if (err1 && err == -EAGAIN) err = err1;`,
 *    ubifs reserve_space).
 */
struct rw_semaphore;
struct mutex;
struct rs_inode { struct rw_semaphore mmaplock; };
struct rs_wbuf { struct mutex io_mutex; int lnum; };

/* returns 0 with both locked (or one, if they are the same inode), an error with none */
static int rs_lock_two(struct rs_inode *ip1, struct rs_inode *ip2)
{
	int error;
	bool retry;

again:
	retry = false;
	down_write(&ip1->mmaplock);
	error = rs_break_layouts(ip1, &retry);
	if (error || retry) {
		up_write(&ip1->mmaplock);
		if (error == 0 && retry)
			goto again;
		return error;
	}

	if (ip1 == ip2)
		return 0;

	down_write(&ip2->mmaplock);
	if (rs_busy(ip2)) {
		up_write(&ip2->mmaplock);
		up_write(&ip1->mmaplock);
		goto again;
	}
	return 0;
}

/* a retry loop too, but the error path after the check forgets ip2, which the success path drops */
static int rs_check_two_leaky(struct rs_inode *ip1, struct rs_inode *ip2)
{
	int error;

again:
	down_write(&ip1->mmaplock);
	down_write(&ip2->mmaplock);
	if (rs_busy(ip2)) {
		up_write(&ip2->mmaplock);
		up_write(&ip1->mmaplock);
		goto again;
	}
	error = rs_check(ip2);
	if (error < 0) {
		up_write(&ip1->mmaplock);
		return error; /* expect: lock-leak */
	}
	up_write(&ip2->mmaplock);
	up_write(&ip1->mmaplock);
	return 0;
}

/* returns 0 holding io_mutex when there is room; an error (never 0) after unlocking */
static int rs_reserve(struct rs_wbuf *wbuf, int len)
{
	int err, err1;

	mutex_lock(&wbuf->io_mutex);
	if (rs_room(wbuf, len))
		return 0;
	err = rs_sync(wbuf);
	if (err)
		goto out_return;
	err = rs_seek(wbuf);
	if (err)
		goto out_unlock;
	return 0;

out_unlock:
	mutex_unlock(&wbuf->io_mutex);
	return err;

out_return:
	err1 = rs_return_leb(wbuf);
	if (err1 && err == -EAGAIN)
		err = err1;
	mutex_unlock(&wbuf->io_mutex);
	return err;
}

/* the same, but the error is reset to 0 on one path: 0 no longer tells the caller it holds the lock */
static int rs_reserve_leaky(struct rs_wbuf *wbuf, int len)
{
	int err, err1;

	mutex_lock(&wbuf->io_mutex);
	if (rs_room(wbuf, len))
		return 0; /* expect: lock-leak */
	err = rs_sync(wbuf);
	if (err)
		goto out_return;
	return 0;

out_return:
	err1 = rs_return_leb(wbuf);
	if (err1 == -EAGAIN)
		err = 0;
	mutex_unlock(&wbuf->io_mutex);
	return err;
}
