/*
 * Quiet: callee effects that only happen on some paths (gfs2_recover_journal
 * with wait=false, gfs2_dispose_glock_lru's spin_trylock, gfs2_trans_end whose
 * withdraw path drops superblock holders).
 */
struct spinlock;
struct toy_jd { unsigned long flags; };
struct toy_sdp { spinlock_t jindex_spin; struct gfs2_holder journal_gh; };
struct toy_obj { spinlock_t ref_lock; };

/* sleeps only when asked to wait */
static int toy_recover_journal(struct toy_jd *jd, bool wait)
{
	toy_queue_recovery(jd);
	if (wait)
		wait_on_bit(&jd->flags, 0, TASK_UNINTERRUPTIBLE);
	return 0;
}

static int toy_recover_set(struct toy_sdp *sdp, struct toy_jd *jd)
{
	int rv;

	spin_lock(&sdp->jindex_spin);
	rv = toy_recover_journal(jd, false);
	spin_unlock(&sdp->jindex_spin);
	return rv;
}

/* only a trylock inside: never waits, so no order edge against the caller's lock */
static void toy_dispose_one(struct toy_obj *o)
{
	if (!spin_trylock(&o->ref_lock))
		return;
	toy_free(o);
	spin_unlock(&o->ref_lock);
}

static DEFINE_SPINLOCK(toy_lru_lock);

static void toy_scan_lru(struct toy_obj *o)
{
	spin_lock(&toy_lru_lock);
	toy_dispose_one(o);
	spin_unlock(&toy_lru_lock);
}

static void toy_put(struct toy_obj *o)
{
	spin_lock(&o->ref_lock);
	spin_lock(&toy_lru_lock);
	toy_lru_del(o);
	spin_unlock(&toy_lru_lock);
	spin_unlock(&o->ref_lock);
}

/* drops the superblock's holder only on its withdraw error path */
static void toy_trans_end(struct toy_sdp *sdp)
{
	if (toy_withdrawn(sdp)) {
		gfs2_glock_dq(&sdp->journal_gh);
		return;
	}
	toy_log_commit(sdp);
}

static void toy_two_transactions(struct toy_sdp *sdp)
{
	toy_trans_begin(sdp);
	toy_trans_end(sdp);
	toy_trans_begin(sdp);
	toy_trans_end(sdp);
}
