/*
 * guard() and scoped_guard(): released when the scope ends, including on
 * early returns and gotos out of the scope. All quiet.
 */
struct mutex;
struct spinlock;
struct toy_table { struct mutex mtx; struct spinlock lock; int n; int slots[8]; };

static int toy_guard_early_return(struct toy_table *t, int i)
{
	guard(mutex)(&t->mtx);
	if (i < 0)
		return -EINVAL;
	if (i >= t->n)
		return -ENOENT;
	t->slots[i] = 0;
	return 0;
}

static int toy_scoped_guard_return(struct toy_table *t, int v)
{
	scoped_guard(spinlock, &t->lock) {
		if (t->n == 8)
			return -ENOSPC;
		t->slots[t->n++] = v;
	}
	return toy_notify(t);
}

static int toy_scoped_guard_goto(struct toy_table *t, int v)
{
	int err = 0;

	scoped_guard(mutex, &t->mtx) {
		if (v < 0) {
			err = -EINVAL;
			goto out;
		}
		t->n = v;
	}
	toy_notify(t);
out:
	return err;
}

static void toy_scoped_guard_stmt(struct toy_table *t)
{
	scoped_guard(spinlock, &t->lock)
		t->n = 0;
	toy_notify(t);
}

static int toy_guard_in_loop(struct toy_table *t)
{
	int i, sum = 0;

	for (i = 0; i < 8; i++) {
		guard(spinlock)(&t->lock);
		if (t->slots[i] < 0)
			break;
		sum += t->slots[i];
	}
	return sum;
}

/* mixing a guard with a plain lock that leaks */
static int toy_guard_plus_leak(struct toy_table *t, int v)
{
	guard(mutex)(&t->mtx);
	spin_lock(&t->lock);
	if (v < 0)
		return -EINVAL; /* expect: lock-leak */
	t->n = v;
	spin_unlock(&t->lock);
	return 0;
}
