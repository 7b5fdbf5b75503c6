/*
 * False positives found on Linux 6.12 fs/ and fixed; everything here must stay
 * quiet. Helpers that drop the caller's lock before they sleep or lock
 * (xfs_iget_recycle, ext4_fc_wait_committing_inode, fuse_read_forget).
 */
struct spinlock;
struct mutex;
struct toy_iq { spinlock_t lock; int pending; };
struct toy_node { spinlock_t flags_lock; struct mutex io_mutex; };
struct toy_sbi { spinlock_t commit_lock; };
struct toy_copy_state { struct iov_iter *iter; };

/* drops the caller's spinlock, then sleeps */
static void toy_wait_committing(struct toy_sbi *sbi)
	__releases(&sbi->commit_lock)
{
	spin_unlock(&sbi->commit_lock);
	schedule();
}

static void toy_start_update(struct toy_sbi *sbi)
{
restart:
	spin_lock(&sbi->commit_lock);
	if (toy_committing(sbi)) {
		toy_wait_committing(sbi);
		goto restart;
	}
	spin_unlock(&sbi->commit_lock);
}

/* drops the caller's spinlock, then takes a sleeping lock */
static int toy_recycle(struct toy_node *n)
	__releases(&n->flags_lock)
{
	spin_unlock(&n->flags_lock);
	mutex_lock(&n->io_mutex);
	toy_reinit(n);
	mutex_unlock(&n->io_mutex);
	return 0;
}

static int toy_cache_hit(struct toy_node *n)
{
	spin_lock(&n->flags_lock);
	if (toy_reclaimable(n))
		return toy_recycle(n);
	spin_unlock(&n->flags_lock);
	return 0;
}

/* two levels: the helper's helper drops it, then copies to the user (may fault) */
static int toy_read_one(struct toy_iq *iq, struct toy_copy_state *cs)
	__releases(&iq->lock)
{
	int n = iq->pending;

	spin_unlock(&iq->lock);
	return copy_to_iter(&n, sizeof(n), cs->iter);
}

static int toy_read_batch(struct toy_iq *iq, struct toy_copy_state *cs)
	__releases(&iq->lock)
{
	return toy_read_one(iq, cs);
}

static int toy_dev_read(struct toy_iq *iq, struct toy_copy_state *cs)
{
	spin_lock(&iq->lock);
	if (iq->pending)
		return toy_read_batch(iq, cs);
	spin_unlock(&iq->lock);
	return 0;
}
