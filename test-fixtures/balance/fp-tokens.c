/*
 * Fifth batch of false-positive classes from Linux fs/ (correct code, quiet):
 * an srcu index stored for the matching unlock elsewhere, a lock reached
 * through a pointer variable, tests against named constants, functions that
 * do not return, a structure address stored for the unlock path.
 */
struct srcu_struct;
struct rw_semaphore;
struct mutex;
struct tk_msg { int idx; };
struct tk_file { struct rw_semaphore run_lock; };
struct tk_buf { struct mutex lock; int keys; };
struct tk_wb { struct tk_buf inc; struct tk_buf flushing; };
struct tk_dst { struct tk_buf *wb; };

static struct srcu_struct tk_srcu;

/* the index goes into the message; committing the message unlocks */
static struct tk_msg *tk_new_msg(int nodeid)
{
	struct tk_msg *msg;
	int idx;

	idx = srcu_read_lock(&tk_srcu);
	msg = tk_alloc_msg(nodeid);
	if (!msg) {
		srcu_read_unlock(&tk_srcu, idx);
		return NULL;
	}
	msg->idx = idx;
	return msg;
}

/* the lock is reached through a pointer that is set only when it is taken */
static int tk_read(struct tk_file *f, bool mounted)
{
	struct rw_semaphore *rw_lock = NULL;
	int err;

	if (mounted) {
		rw_lock = &f->run_lock;
		down_read(rw_lock);
	}
	err = tk_read_blocks(f);
	if (rw_lock)
		up_read(rw_lock);
	return err;
}

/* two tests against the same named constant */
static int tk_rename(struct mutex *subvol, unsigned long ino)
{
	int ret;

	if (ino == TK_FIRST_FREE_OBJECTID)
		mutex_lock(subvol);
	ret = tk_do_rename(ino);
	if (ino == TK_FIRST_FREE_OBJECTID)
		mutex_unlock(subvol);
	return ret;
}

/* a panic does not come back */
static int tk_flush(struct mutex *flush_mutex, unsigned long len, unsigned long max)
{
	mutex_lock(flush_mutex);
	if (len > max) {
		tk_fs_panic("journal length %lu", len);
		return 0;
	}
	tk_write(len);
	mutex_unlock(flush_mutex);
	return 0;
}

/* which buffer (and lock) the writer must use is stored in dst; the end call unlocks it */
static void tk_keys_start(struct tk_wb *wb, struct tk_dst *dst)
{
	if (mutex_trylock(&wb->flushing.lock)) {
		if (!wb->inc.keys) {
			dst->wb = &wb->flushing;
			return;
		}
		mutex_unlock(&wb->flushing.lock);
	}
	mutex_lock(&wb->inc.lock);
	dst->wb = &wb->inc;
}
