/*
 * A trylock's result kept before it is tested: stored in a field
 * (`vmf->pte = pte_offset_map_lock(..., &vmf->ptl)` on 6.5+ kernels, where a
 * NULL pte means nothing was locked), assigned twice in one statement
 * (`start_pte = pte = ...`), or copied (`pte = ...; start_pte = pte;`). The
 * later test of the field or copy says whether the lock was taken; the store
 * of a trylock's result does not hand the lock over to that memory.
 */
struct toy_mutex;
struct toy_req { int busy; struct mutex lock; int have; };

static int str_field(struct toy_req *req, struct mutex *m)
{
	req->have = mutex_trylock(m);
	if (!req->have)
		return -EBUSY;
	req->busy = 1;
	mutex_unlock(m);
	return 0;
}

static int str_chained(struct mutex *m)
{
	int got, first;

	first = got = mutex_trylock(m);
	if (!first)
		return -EBUSY;
	toy_work();
	mutex_unlock(m);
	return 0;
}

static int str_copied(struct mutex *m, unsigned long n)
{
	int got, held;

	got = mutex_trylock(m);
	held = got;
	if (!held)
		return -EBUSY;
	while (n--) {
		if (toy_need_break(n)) {
			mutex_unlock(m);
			held = 0;
			cond_resched();
			got = mutex_trylock(m);
			held = got;
			if (!held)
				break;
		}
	}
	if (held)
		mutex_unlock(m);
	return 0;
}

/* the field says the lock was taken, and a return forgets it: still a leak */
static int str_field_leak(struct toy_req *req, struct mutex *m, int bad)
{
	req->have = mutex_trylock(m);
	if (!req->have)
		return -EBUSY;
	if (bad)
		return -EINVAL; /* expect: lock-leak */
	mutex_unlock(m);
	return 0;
}
