/*
 * A helper documented __must_hold(&c->lock) walks a list; the caller takes
 * the lock around it. The buggy walker returns from inside
 * list_for_each_entry() with the lock still held.
 */
struct spinlock;
struct list_head { struct list_head *next, *prev; };
struct toy_entry { struct list_head node; struct spinlock lock; int key; int refs; };
struct toy_cache { struct spinlock lock; struct list_head entries; int hits; };

static struct toy_entry *toy_cache_find(struct toy_cache *c, int key)
	__must_hold(&c->lock)
{
	struct toy_entry *e;

	list_for_each_entry(e, &c->entries, node) {
		if (e->key == key) {
			c->hits++;
			return e;
		}
	}
	return NULL;
}

static int toy_cache_get(struct toy_cache *c, int key)
{
	struct toy_entry *e;

	spin_lock(&c->lock);
	e = toy_cache_find(c, key);
	if (e)
		e->refs++;
	spin_unlock(&c->lock);
	return e ? 0 : -ENOENT;
}

static int toy_cache_drop_buggy(struct toy_cache *c, int key)
{
	struct toy_entry *e, *tmp;

	spin_lock(&c->lock);
	list_for_each_entry_safe(e, tmp, &c->entries, node) {
		if (e->key != key)
			continue;
		if (e->refs)
			return -EBUSY; /* expect: lock-leak */
		list_del(&e->node);
		toy_free_entry(e);
	}
	spin_unlock(&c->lock);
	return 0;
}

static int toy_cache_drop_fixed(struct toy_cache *c, int key)
{
	struct toy_entry *e, *tmp;
	int ret = 0;

	spin_lock(&c->lock);
	list_for_each_entry_safe(e, tmp, &c->entries, node) {
		if (e->key != key)
			continue;
		if (e->refs) {
			ret = -EBUSY;
			break;
		}
		list_del(&e->node);
		toy_free_entry(e);
	}
	spin_unlock(&c->lock);
	return ret;
}

/* per-entry locks in a loop: each iteration takes and drops its own */
static void toy_cache_age(struct toy_cache *c)
{
	struct toy_entry *e;

	list_for_each_entry(e, &c->entries, node) {
		spin_lock(&e->lock);
		e->refs >>= 1;
		spin_unlock(&e->lock);
	}
}
