/*
 * A reply handler that, under the object's spinlock, may have to drop the
 * lock to wait for something and take it again; each such step also records,
 * in a bool, an action to take later. The branches that drop and retake the
 * lock decide a lock operation, so a flag set in one is correlated with the
 * lock state (which spin_lock() the lock is held from) and used to be tracked.
 * The flags are read only after the final unlock, where every path is in the
 * same lock state, and what they decide takes no lock: their correlation with
 * the lock state cannot show there, and they are no longer tracked.
 * relockfs_handle() is settled by the quick pass (one lock state per statement,
 * sites aside, and nothing to report); relockfs_handle_stale(), the same shape
 * with a real leak on an early return, needs the path-sensitive pass, where a
 * dozen flags made 2^12 states at every statement after them: it went
 * unanalysed (budget) and its leak unreported.
 */
struct relockfs_obj {
	spinlock_t lock;
	unsigned int state;
	unsigned int pending;
	int gen;
};
struct relockfs_reply {
	unsigned int bits;
	int status;
	int gen;
};

static void relockfs_handle(struct relockfs_obj *o, struct relockfs_reply *r)
{
	bool a0 = false, a1 = false, a2 = false, a3 = false, a4 = false, a5 = false;
	bool a6 = false, a7 = false, a8 = false, a9 = false, a10 = false, a11 = false;

	spin_lock(&o->lock);
	if (r->bits & 0x1) { spin_unlock(&o->lock); relockfs_wait(o, 0); spin_lock(&o->lock); a0 = true; }
	if (r->bits & 0x2) { spin_unlock(&o->lock); relockfs_wait(o, 1); spin_lock(&o->lock); a1 = true; }
	if (r->bits & 0x4) { spin_unlock(&o->lock); relockfs_wait(o, 2); spin_lock(&o->lock); a2 = true; }
	if (r->bits & 0x8) { spin_unlock(&o->lock); relockfs_wait(o, 3); spin_lock(&o->lock); a3 = true; }
	if (r->bits & 0x10) { spin_unlock(&o->lock); relockfs_wait(o, 4); spin_lock(&o->lock); a4 = true; }
	if (r->bits & 0x20) { spin_unlock(&o->lock); relockfs_wait(o, 5); spin_lock(&o->lock); a5 = true; }
	if (r->bits & 0x40) { spin_unlock(&o->lock); relockfs_wait(o, 6); spin_lock(&o->lock); a6 = true; }
	if (r->bits & 0x80) { spin_unlock(&o->lock); relockfs_wait(o, 7); spin_lock(&o->lock); a7 = true; }
	if (r->bits & 0x100) { spin_unlock(&o->lock); relockfs_wait(o, 8); spin_lock(&o->lock); a8 = true; }
	if (r->bits & 0x200) { spin_unlock(&o->lock); relockfs_wait(o, 9); spin_lock(&o->lock); a9 = true; }
	if (r->bits & 0x400) { spin_unlock(&o->lock); relockfs_wait(o, 10); spin_lock(&o->lock); a10 = true; }
	if (r->bits & 0x800) { spin_unlock(&o->lock); relockfs_wait(o, 11); spin_lock(&o->lock); a11 = true; }
	o->state = r->bits;
	spin_unlock(&o->lock);

	if (a0)
		relockfs_act(o, 0);
	if (a1)
		relockfs_act(o, 1);
	if (a2)
		relockfs_act(o, 2);
	if (a3)
		relockfs_act(o, 3);
	if (a4)
		relockfs_act(o, 4);
	if (a5)
		relockfs_act(o, 5);
	if (a6)
		relockfs_act(o, 6);
	if (a7)
		relockfs_act(o, 7);
	if (a8)
		relockfs_act(o, 8);
	if (a9)
		relockfs_act(o, 9);
	if (a10)
		relockfs_act(o, 10);
	if (a11 && a0)
		relockfs_act(o, 12);
}

static int relockfs_handle_stale(struct relockfs_obj *o, struct relockfs_reply *r)
{
	bool a0 = false, a1 = false, a2 = false, a3 = false, a4 = false, a5 = false;
	bool a6 = false, a7 = false, a8 = false, a9 = false, a10 = false, a11 = false;

	spin_lock(&o->lock);
	if (r->bits & 0x1) { spin_unlock(&o->lock); relockfs_wait(o, 0); spin_lock(&o->lock); a0 = true; }
	if (r->bits & 0x2) { spin_unlock(&o->lock); relockfs_wait(o, 1); spin_lock(&o->lock); a1 = true; }
	if (r->bits & 0x4) { spin_unlock(&o->lock); relockfs_wait(o, 2); spin_lock(&o->lock); a2 = true; }
	if (r->bits & 0x8) { spin_unlock(&o->lock); relockfs_wait(o, 3); spin_lock(&o->lock); a3 = true; }
	if (r->bits & 0x10) { spin_unlock(&o->lock); relockfs_wait(o, 4); spin_lock(&o->lock); a4 = true; }
	if (r->bits & 0x20) { spin_unlock(&o->lock); relockfs_wait(o, 5); spin_lock(&o->lock); a5 = true; }
	if (r->bits & 0x40) { spin_unlock(&o->lock); relockfs_wait(o, 6); spin_lock(&o->lock); a6 = true; }
	if (r->bits & 0x80) { spin_unlock(&o->lock); relockfs_wait(o, 7); spin_lock(&o->lock); a7 = true; }
	if (r->bits & 0x100) { spin_unlock(&o->lock); relockfs_wait(o, 8); spin_lock(&o->lock); a8 = true; }
	if (r->bits & 0x200) { spin_unlock(&o->lock); relockfs_wait(o, 9); spin_lock(&o->lock); a9 = true; }
	if (r->bits & 0x400) { spin_unlock(&o->lock); relockfs_wait(o, 10); spin_lock(&o->lock); a10 = true; }
	if (r->bits & 0x800) { spin_unlock(&o->lock); relockfs_wait(o, 11); spin_lock(&o->lock); a11 = true; }
	if (r->gen != o->gen)
		return -1; /* expect: lock-leak */
	o->state = r->bits;
	spin_unlock(&o->lock);

	if (a0)
		relockfs_act(o, 0);
	if (a1)
		relockfs_act(o, 1);
	if (a2)
		relockfs_act(o, 2);
	if (a3)
		relockfs_act(o, 3);
	if (a4)
		relockfs_act(o, 4);
	if (a5)
		relockfs_act(o, 5);
	if (a6)
		relockfs_act(o, 6);
	if (a7)
		relockfs_act(o, 7);
	if (a8)
		relockfs_act(o, 8);
	if (a9)
		relockfs_act(o, 9);
	if (a10)
		relockfs_act(o, 10);
	if (a11 && a0)
		relockfs_act(o, 12);
	return 0;
}

/*
 * Where the lock state differs at the read the correlation still counts: `idle`
 * is set only where the trylock failed, and the sleep it guards runs only then
 * (tracking it keeps this quiet).
 */
static void relockfs_maybe_sleep(struct relockfs_obj *o)
{
	bool idle;
	int locked = spin_trylock(&o->lock);

	if (locked) {
		o->pending = 0;
		idle = false;
	} else {
		idle = true;
	}
	relockfs_note(o);
	if (idle)
		msleep(10);
	if (locked)
		spin_unlock(&o->lock);
}
