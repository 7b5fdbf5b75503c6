/*
 * A helper whose return value has the same sign on every path tells its
 * callers so. mm/compaction.c's compact_lock_irqsave() always takes the zone
 * lock and always returns true; isolate_freepages_block() keeps
 * `locked = compact_lock_irqsave(...)` and unlocks `if (locked)` at the end.
 * Without the return value, the path "locked is false but the lock is held"
 * looked possible: a leak at the return and a second spin_lock in the loop.
 */
struct toy_cc { int async; int contended; int stop; };

static bool cr_lock_irqsave(spinlock_t *lock, unsigned long *flags, struct toy_cc *cc)
	__acquires(lock)
{
	if (cc->async && !cc->contended) {
		if (spin_trylock_irqsave(lock, *flags))
			return true;
		cc->contended = true;
	}
	spin_lock_irqsave(lock, *flags);
	return true;
}

static unsigned long cr_isolate_block(struct toy_cc *cc, spinlock_t *zone_lock, unsigned long pfn, unsigned long end)
{
	unsigned long flags = 0, n = 0;
	bool locked = false;

	for (; pfn < end; pfn++) {
		if (toy_pfn_skip(pfn))
			continue;
		if (!locked) {
			locked = cr_lock_irqsave(zone_lock, &flags, cc);
			if (!toy_pfn_buddy(pfn))
				goto isolate_fail;
		}
		n++;
isolate_fail:
		if (cc->stop)
			break;
	}
	if (locked)
		spin_unlock_irqrestore(zone_lock, flags);
	return n;
}

/* the same helper, and a return that forgets the lock: still a leak */
static unsigned long cr_isolate_leaky(struct toy_cc *cc, spinlock_t *zone_lock, unsigned long pfn, unsigned long end)
{
	unsigned long flags = 0, n = 0;
	bool locked = false;

	for (; pfn < end; pfn++) {
		if (!locked)
			locked = cr_lock_irqsave(zone_lock, &flags, cc);
		if (cc->stop)
			return n; /* expect: lock-leak */
		n++;
	}
	if (locked)
		spin_unlock_irqrestore(zone_lock, flags);
	return n;
}

/* a helper that returns 0 on every path: the caller's error branch cannot run */
static int cr_prepare(spinlock_t *lock)
{
	toy_prepare();
	return 0;
}

static int cr_caller(spinlock_t *lock)
{
	int err;

	spin_lock(lock);
	err = cr_prepare(lock);
	if (err)
		return err;
	spin_unlock(lock);
	return 0;
}
