/*
 * A message handler in the style of a network filesystem's capability grant:
 * under the inode's spinlock it decides a dozen follow-up actions, each
 * remembered in a bool, and does them after the unlock. None of the flags
 * decides a lock operation; tracking them all (2^12 combinations at every
 * statement after they are set) used to exceed the per-statement state
 * budget and the function went unanalysed, its real leak unreported.
 * One flag, `took_sem`, does decide an unlock: it must stay correlated with
 * the down_write() it records, or the up_write() would look unbalanced.
 */
struct rw_semaphore;
struct toyfs_inode {
	spinlock_t i_lock;
	struct rw_semaphore i_sem;
	unsigned int i_flags;
	unsigned int i_issued;
	unsigned int i_wanted;
	long i_size;
	int i_gen;
};
struct toyfs_msg {
	unsigned int caps;
	unsigned int flags;
	long size;
	int gen;
	int status;
};

static int toyfs_grant(struct toyfs_inode *ti, struct toyfs_msg *m)
{
	bool wake = false;
	bool queue_trunc = false;
	bool queue_inval = false;
	bool queue_wb = false;
	bool check_caps = false;
	bool kick_flush = false;
	bool fill_inline = false;
	bool revoke_ack = false;
	bool drop_cache = false;
	bool update_mtime = false;
	bool update_xattr = false;
	bool deleted = false;
	bool took_sem = false;

	if (m->flags & 0x100) {
		down_write(&ti->i_sem);
		took_sem = true;
	}

	spin_lock(&ti->i_lock);
	if (m->status < 0)
		return m->status; /* expect: lock-leak, lock-leak */
	if (m->caps & 1)
		wake = true;
	if (m->size != ti->i_size)
		queue_trunc = true;
	if (m->gen != ti->i_gen)
		queue_inval = true;
	if (ti->i_issued & 4)
		queue_wb = true;
	if (m->caps != ti->i_issued)
		check_caps = true;
	if (ti->i_wanted & 8)
		kick_flush = true;
	if (m->flags & 0x10)
		fill_inline = true;
	if (m->flags & 0x20)
		revoke_ack = true;
	if (ti->i_flags & 0x40)
		drop_cache = true;
	if (m->flags & 0x80)
		update_mtime = true;
	if (m->flags & 0x200)
		update_xattr = true;
	if (ti->i_flags & 0x400)
		deleted = true;
	ti->i_issued = m->caps;
	spin_unlock(&ti->i_lock);

	if (took_sem)
		up_write(&ti->i_sem);

	if (wake)
		toyfs_wake(ti);
	if (queue_trunc)
		toyfs_queue_trunc(ti);
	if (queue_inval)
		toyfs_queue_inval(ti);
	if (queue_wb)
		toyfs_queue_wb(ti);
	if (check_caps)
		toyfs_check_caps(ti);
	if (kick_flush)
		toyfs_kick_flush(ti);
	if (fill_inline)
		toyfs_fill_inline(ti, m);
	if (revoke_ack)
		toyfs_ack(ti, m);
	if (drop_cache)
		toyfs_drop_cache(ti);
	if (update_mtime)
		toyfs_update_mtime(ti, m);
	if (update_xattr)
		toyfs_update_xattr(ti, m);
	if (deleted)
		toyfs_deleted(ti);
	if (wake && queue_trunc)
		toyfs_both(ti);
	return 0;
}
