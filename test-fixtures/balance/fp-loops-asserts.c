/*
 * More false-positive classes found on Linux fs/ (all correct code, all quiet):
 * loop cursors moved by iterator macros, assertions that end a path, sparse's
 * own statements and pseudo-locks, locks changed by a callee through an
 * out-parameter, per-level locks in a loop.
 */
struct spinlock;
struct mutex;
struct rw_semaphore;
struct percpu_rw_semaphore;
struct folio;
struct list_head { struct list_head *next, *prev; };
struct inode { struct rw_semaphore i_rwsem; };
struct lf_page { struct list_head lru; struct folio *folio; };
struct lf_sb { struct percpu_rw_semaphore rw_sem[3]; struct mutex io_mutex; struct spinlock lock; };
struct lf_info { struct spinlock lock; int n; };
struct lf_gfs_holder;
struct gfs2_holder { struct gfs2_glock *gh_gl; };

/* the iterator moves `pg` each time round: each folio is unlocked once */
static void lf_unlock_all(struct list_head *pages)
{
	struct lf_page *pg;

	list_for_each_entry(pg, pages, lru) {
		if (lf_folio_dirty(pg->folio))
			lf_writeback(pg->folio);
		folio_unlock(pg->folio);
	}
}

/* a failed trylock cannot get past the assertion */
static void lf_clear(struct lf_sb *sb)
{
	int status;

	status = mutex_trylock(&sb->io_mutex);
	BUG_ON(!status);
	lf_clear_io(sb);
	mutex_unlock(&sb->io_mutex);
}

/* sparse's own statement: the context is dropped without a lock call */
static bool lf_prepare_wait(struct lf_sb *sb, int idx)
	__releases(&sb->lock)
{
	if (lf_dying(sb)) {
		__release(&sb->lock);
		goto fail;
	}
	spin_unlock(&sb->lock);
	return true;
fail:
	lf_put(sb);
	return false;
}

/* sparse's pseudo-lock for RCU */
static void lf_break_callbacks(struct lf_sb *sb)
	__releases(RCU)
{
	spin_lock(&sb->lock);
	lf_mark(sb);
	spin_unlock(&sb->lock);
	rcu_read_unlock();
}

/* the annotation names a local, as the kernel often does */
static int lf_build(struct inode *inode)
	__releases(info->lock)
	__acquires(info->lock)
{
	struct lf_info *info = lf_info_of(inode);

	if (info->n)
		return 0;
	spin_unlock(&info->lock);
	lf_fill(inode);
	spin_lock(&info->lock);
	return 1;
}

/* __releases() on a read side */
static void lf_end_io_read(struct inode *inode)
	__releases(inode->i_rwsem)
{
	up_read(&inode->i_rwsem);
}

/* the callee may trade the shared lock for the exclusive one and says so through *shared */
static int lf_write_checks(struct inode *inode, bool *shared)
{
	if (*shared && lf_needs_exclusive(inode)) {
		inode_unlock_shared(inode);
		*shared = false;
		inode_lock(inode);
	}
	return lf_checks(inode);
}

static int lf_dio_write(struct inode *inode, int flags)
{
	bool shared = flags & 1;
	int ret;

	if (shared)
		inode_lock_shared(inode);
	else
		inode_lock(inode);
	ret = lf_write_checks(inode, &shared);
	if (ret <= 0)
		goto out;
	ret = lf_do_write(inode);
out:
	if (shared)
		inode_unlock_shared(inode);
	else
		inode_unlock(inode);
	return ret;
}

/* one lock per freeze level, through pointer arithmetic */
static void lf_freeze_unlock(struct lf_sb *sb, int level)
{
	for (level--; level >= 0; level--)
		percpu_up_write(sb->rw_sem + level);
}

/* holders in an array, dequeued in a loop */
static void lf_dq_all(struct gfs2_holder *ghs, unsigned int num_gh)
{
	while (num_gh--)
		gfs2_glock_dq(&ghs[num_gh]);
}

/* a callee returns the second folio locked; unlocking it is not unlocking ours */
static int lf_copy_folio(struct lf_page *pg, struct lf_sb *sb)
{
	struct folio *folio = pg->folio;
	struct folio *dfolio;

	folio_lock(folio);
	dfolio = lf_grab_folio(sb, folio);
	if (IS_ERR(dfolio)) {
		folio_unlock(folio);
		return PTR_ERR(dfolio);
	}
	lf_copy(dfolio, folio);
	folio_unlock(dfolio);
	folio_unlock(folio);
	return 0;
}
