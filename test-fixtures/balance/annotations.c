/*
 * Sparse context annotations and lockdep assertions are facts the body must
 * agree with.
 */
struct mutex;
struct spinlock;
struct toy_queue { struct mutex mtx; struct spinlock lock; int len; };

/* declared to return with the lock held, but the "empty" path drops it and returns success */
static int toy_queue_lock_nonempty(struct toy_queue *q)
	__acquires(&q->lock)
{
	spin_lock(&q->lock);
	if (!q->len) {
		spin_unlock(&q->lock);
		return 0; /* expect: annotation-mismatch */
	}
	return 1;
}

/* quiet: the usual __acquires reading, the lock is not held only when an error is returned */
static int toy_queue_lock_or_fail(struct toy_queue *q)
	__acquires(&q->lock)
{
	if (toy_queue_dead(q))
		return -ENODEV;
	spin_lock(&q->lock);
	return 0;
}

/* fixed: holds it on every path */
static void toy_queue_lock(struct toy_queue *q)
	__acquires(&q->lock)
{
	spin_lock(&q->lock);
	q->len++;
}

static void toy_queue_unlock(struct toy_queue *q)
	__releases(&q->lock)
{
	q->len--;
	spin_unlock(&q->lock);
}

/* must be called with the mutex held, and must leave it held */
static void toy_queue_flush(struct toy_queue *q)
	__must_hold(&q->mtx)
{
	q->len = 0;
	if (toy_queue_slow(q)) {
		mutex_unlock(&q->mtx);
		toy_wait_for_io(q);
		return; /* expect: annotation-mismatch */
	}
	toy_queue_kick(q);
}

static void toy_queue_flush_fixed(struct toy_queue *q)
	__must_hold(&q->mtx)
{
	q->len = 0;
	if (toy_queue_slow(q)) {
		mutex_unlock(&q->mtx);
		toy_wait_for_io(q);
		mutex_lock(&q->mtx);
		return;
	}
	toy_queue_kick(q);
}

static void toy_queue_assert_after_unlock(struct toy_queue *q)
{
	mutex_lock(&q->mtx);
	q->len = 1;
	mutex_unlock(&q->mtx);
	lockdep_assert_held(&q->mtx); /* expect: annotation-mismatch */
	toy_queue_kick(q);
}

static void toy_queue_assert_ok(struct toy_queue *q)
{
	mutex_lock(&q->mtx);
	q->len = 1;
	lockdep_assert_held(&q->mtx);
	toy_queue_kick(q);
	mutex_unlock(&q->mtx);
}
