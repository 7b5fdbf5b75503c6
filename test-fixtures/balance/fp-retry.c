/*
 * Fourth batch of false-positive classes from Linux fs/ (correct code, quiet):
 * retry loops that fetch a new object each time, folios unlocked by the I/O
 * they are handed to, glocks dropped through their holder in a helper, try
 * loops on a glock, per-element locks taken through a wrapper.
 */
struct mutex;
struct folio;
struct address_space;
struct gfs2_glock;
struct gfs2_holder { struct gfs2_glock *gh_gl; unsigned int gh_flags; };
struct rt_sbd { struct gfs2_glock *sd_freeze_gl; struct gfs2_holder sd_freeze_gh; struct mutex lock; };
struct rt_buf { struct mutex b_lock; };

/* each time round, a new folio comes back from the page cache */
static struct folio *rt_prepare_folio(struct address_space *mapping, long index)
{
	struct folio *folio;

again:
	folio = rt_find_or_create_folio(mapping, index);
	if (!folio)
		return NULL;
	folio_lock(folio);
	if (rt_folio_stale(folio)) {
		folio_unlock(folio);
		rt_folio_put(folio);
		goto again;
	}
	if (!rt_folio_uptodate(folio)) {
		rt_read_folio(folio);	/* unlocks it when the read completes */
		folio_lock(folio);
		if (rt_folio_stale(folio)) {
			folio_unlock(folio);
			rt_folio_put(folio);
			goto again;
		}
	}
	return folio;
}

/* the helper drops the freeze glock through its holder */
static void rt_freeze_unlock(struct rt_sbd *sdp)
{
	gfs2_glock_dq_uninit(&sdp->sd_freeze_gh);
}

static int rt_check_clean(struct rt_sbd *sdp)
{
	int error;

	error = gfs2_glock_nq_init(sdp->sd_freeze_gl, LM_ST_EXCLUSIVE, 0, &sdp->sd_freeze_gh);
	if (error)
		return error;
	error = rt_check_journals(sdp);
	if (!error)
		return 0;	/* success: the freeze glock stays held in sd_freeze_gh */
	rt_freeze_unlock(sdp);
	error = gfs2_glock_nq_init(sdp->sd_freeze_gl, LM_ST_SHARED, 0, &sdp->sd_freeze_gh);
	return error;
}

/* a try request repeated while it reports GLR_TRYFAILED */
static int rt_flock(struct gfs2_holder *fl_gh, unsigned int sleeptime)
{
	int error = 0;

	for (sleeptime = 1; sleeptime <= 4; sleeptime <<= 1) {
		error = gfs2_glock_nq(fl_gh);
		if (error != GLR_TRYFAILED)
			break;
		fl_gh->gh_flags |= LM_FLAG_TRY;
		rt_msleep(sleeptime);
	}
	return error;
}

/* a wrapper takes each buffer's lock in turn */
static void rt_buf_lock(struct rt_buf *bp)
{
	mutex_lock(&bp->b_lock);
}

static void rt_relock_all(struct rt_buf **bufs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		rt_buf_lock(bufs[i]);
}
