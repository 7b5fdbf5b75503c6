/*
 * A lock taken through one pointer and released through a field a helper
 * stored that same pointer in: `pend->link = link` done by the helper on every
 * path, then the unlock names `link_conn(pend->link)->plock`. It is the lock
 * taken above, so nothing is held when the caller goes on to allocate.
 *
 * In the flagged twins the field may not hold that pointer at the unlock (the
 * helper stores it only for some flags, or another call is handed the whole
 * object first and may store something else there): the unlock may release
 * another connection's lock and leave ours held across the allocation.
 */
struct spinlock;
struct toy_conn { spinlock_t plock; struct list_head pending; };
struct toy_link { struct toy_conn *conn; };
struct toy_pending { struct toy_link *link; struct list_head node; int flags; };
struct toy_file { void *private; };

struct toy_conn *link_conn(struct toy_link *link);
void toy_pending_touch(struct toy_pending *pend);

static void toy_queue_pending_locked(struct toy_link *link, struct toy_pending *pend)
{
	pend->flags = 0;
	pend->link = link;
	list_add_tail(&pend->node, &link_conn(link)->pending);
}

static void toy_queue_pending(struct toy_link *link, struct toy_pending *pend)
{
	spin_lock(&link_conn(link)->plock);
	toy_queue_pending_locked(link, pend);
	spin_unlock(&link_conn(pend->link)->plock);
}

/* quiet: the unlock names the lock taken above, through the stored pointer */
int toy_open(struct toy_link *link, struct toy_file *file)
{
	struct toy_pending pend;

	toy_queue_pending(link, &pend);
	file->private = kzalloc(64, GFP_KERNEL);
	if (!file->private)
		return -ENOMEM;
	return 0;
}

/* the store done directly, not by a helper: quiet too */
int toy_open_direct(struct toy_link *link, struct toy_pending *pend, struct toy_file *file)
{
	spin_lock(&link_conn(link)->plock);
	pend->link = link;
	spin_unlock(&link_conn(pend->link)->plock);
	file->private = kzalloc(64, GFP_KERNEL);
	return file->private ? 0 : -ENOMEM;
}

static void toy_queue_pending_some(struct toy_link *link, struct toy_pending *pend, int flags)
{
	if (flags)
		pend->link = link;
	list_add_tail(&pend->node, &link_conn(link)->pending);
}

static void toy_queue_pending_maybe(struct toy_link *link, struct toy_pending *pend, int flags)
{
	spin_lock(&link_conn(link)->plock);
	toy_queue_pending_some(link, pend, flags);
	spin_unlock(&link_conn(pend->link)->plock);
}

/* flagged: with flags 0, pend->link is another link, whose lock the unlock drops */
int toy_open_maybe(struct toy_link *link, struct toy_file *file, int flags)
{
	struct toy_pending pend;

	toy_queue_pending_maybe(link, &pend, flags);
	file->private = kzalloc(64, GFP_KERNEL); /* expect: sleep-in-atomic */
	if (!file->private)
		return -ENOMEM;
	return 0;
}

/* flagged: the whole object goes to a call between the store and the unlock */
int toy_open_touched(struct toy_link *link, struct toy_pending *pend, struct toy_file *file)
{
	spin_lock(&link_conn(link)->plock);
	pend->link = link;
	toy_pending_touch(pend);
	spin_unlock(&link_conn(pend->link)->plock);
	file->private = kzalloc(64, GFP_KERNEL); /* expect: sleep-in-atomic */
	return file->private ? 0 : -ENOMEM;
}
