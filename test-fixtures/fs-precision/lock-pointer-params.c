/*
 * A lock reached through a pointer parameter or local (`spinlock_t *ptl`)
 * has the kind of its declared type. mm/userfaultfd.c's double_pt_lock()
 * takes two page-table spinlocks in address order, and when both pointers
 * name the same lock it only tells sparse so with __acquire(ptl2); the
 * callers that run it under another spinlock were told "ptl2, a sleeping
 * lock" because a bare parameter's type was not looked at. A mutex reached
 * the same way under a spinlock is still a sleeping lock.
 */
struct mutex;

static void lpp_double_lock(spinlock_t *ptl1, spinlock_t *ptl2)
	__acquires(ptl1)
	__acquires(ptl2)
{
	spinlock_t *tmp;

	if (ptl1 > ptl2) {
		tmp = ptl1;
		ptl1 = ptl2;
		ptl2 = tmp;
	}
	spin_lock(ptl1);
	if (ptl1 != ptl2)
		spin_lock_nested(ptl2, SINGLE_DEPTH_NESTING);
	else
		__acquire(ptl2);
}

static void lpp_double_unlock(spinlock_t *ptl1, spinlock_t *ptl2)
	__releases(ptl1)
	__releases(ptl2)
{
	spin_unlock(ptl1);
	if (ptl1 != ptl2)
		spin_unlock(ptl2);
	else
		__release(ptl2);
}

static int lpp_move_pte(spinlock_t *dst_ptl, spinlock_t *src_ptl, int *pte)
{
	lpp_double_lock(dst_ptl, src_ptl);
	*pte = 0;
	lpp_double_unlock(dst_ptl, src_ptl);
	return 0;
}

static void lpp_under_spinlock(spinlock_t *outer, spinlock_t *inner)
{
	spin_lock(outer);
	__acquire(inner);
	__release(inner);
	spin_unlock(outer);
}

static void lpp_mutex_param(spinlock_t *outer, struct mutex *m)
{
	spin_lock(outer);
	mutex_lock(m); /* expect: sleep-in-atomic */
	mutex_unlock(m);
	spin_unlock(outer);
}

/* a lock taken through a helper's summary is named by the helper, once: "by lpp_lock_one()" */
static void lpp_lock_one(spinlock_t *l)
	__acquires(l)
{
	spin_lock(l);
}

static int lpp_leaky(spinlock_t *l, int bad)
{
	lpp_lock_one(l);
	if (bad)
		return -EINVAL; /* expect: lock-leak */
	spin_unlock(l);
	return 0;
}
