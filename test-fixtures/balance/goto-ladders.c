/*
 * Cleanup ladders: several labels, each undoing one step, entered from the
 * step that failed. The quiet version unwinds exactly what was taken; the
 * buggy one jumps to a label below the unlock after taking the lock.
 */
struct mutex;
struct spinlock;
struct rw_semaphore;
struct inode { struct rw_semaphore i_rwsem; };
struct toyfs_sb { struct mutex s_lock; struct spinlock s_stat_lock; struct inode *root; };

static int toyfs_ladder_ok(struct toyfs_sb *sb, struct inode *dir)
{
	void *buf;
	int err;

	buf = kmalloc(64, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	inode_lock(dir);
	mutex_lock(&sb->s_lock);
	err = toyfs_reserve(sb);
	if (err)
		goto out_unlock_sb;

	spin_lock(&sb->s_stat_lock);
	err = toyfs_account(sb);
	if (err)
		goto out_unlock_stat;
	err = toyfs_link(dir, buf);
	if (err < 0)
		goto out_unlock_stat;
	spin_unlock(&sb->s_stat_lock);
	mutex_unlock(&sb->s_lock);
	inode_unlock(dir);
	return 0;

out_unlock_stat:
	spin_unlock(&sb->s_stat_lock);
out_unlock_sb:
	mutex_unlock(&sb->s_lock);
	inode_unlock(dir);
	kfree(buf);
	return err;
}

static int toyfs_ladder_leak(struct toyfs_sb *sb, struct inode *dir)
{
	void *buf;
	int err;

	buf = kmalloc(64, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	inode_lock(dir);
	mutex_lock(&sb->s_lock);
	err = toyfs_reserve(sb);
	if (err)
		goto out_free;	/* should be out_unlock_sb */

	err = toyfs_link(dir, buf);
	if (err)
		goto out_unlock_sb;
	mutex_unlock(&sb->s_lock);
	inode_unlock(dir);
	return 0;

out_unlock_sb:
	mutex_unlock(&sb->s_lock);
	inode_unlock(dir);
out_free:
	kfree(buf);
	return err; /* expect: lock-leak, lock-leak */
}

/* three labels, entered in a loop with a retry: still balanced */
static int toyfs_ladder_retry(struct toyfs_sb *sb, struct inode *dir, int tries)
{
	int err;

	inode_lock_shared(dir);
retry:
	mutex_lock(&sb->s_lock);
	err = toyfs_reserve(sb);
	if (err == -EAGAIN && tries-- > 0) {
		mutex_unlock(&sb->s_lock);
		toyfs_wait(sb);
		goto retry;
	}
	if (err)
		goto out_unlock;
	err = toyfs_lookup(dir);
	if (err)
		goto out_unlock;
	spin_lock(&sb->s_stat_lock);
	err = toyfs_account(sb);
	if (err)
		goto out_unlock_stat;
	toyfs_commit(sb);
out_unlock_stat:
	spin_unlock(&sb->s_stat_lock);
out_unlock:
	mutex_unlock(&sb->s_lock);
	inode_unlock_shared(dir);
	return err;
}
