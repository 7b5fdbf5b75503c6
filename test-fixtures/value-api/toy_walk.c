/*
 * A project's own wrapper of read_seqbegin_or_lock(), declared in .lockorder
 * (keeps-parity toy_seqbegin_or_lock arg=1): the RCU read section balanced
 * through the cookie's low bit, as fs/d_path.c does, stays quiet. The same
 * walk through a helper nobody declared (toy_seqbegin_other) leaves the
 * cookie's parity unknown after the call, and the section's balance with it.
 */
struct seqlock;
extern struct seqlock toy_rename_lock;
struct toy_dentry;
struct toy_buf { int len; };

static int toy_path(struct toy_dentry *d, struct toy_buf *p)
{
	int seq = 0;
	int err;

	rcu_read_lock();
restart:
	toy_seqbegin_or_lock(&toy_rename_lock, &seq);
	err = toy_walk(d, p);
	if (!(seq & 1))
		rcu_read_unlock();
	if (need_seqretry(&toy_rename_lock, seq)) {
		seq = 1;
		goto restart;
	}
	done_seqretry(&toy_rename_lock, seq);
	return err;
}

static int toy_path_other(struct toy_dentry *d, struct toy_buf *p)
{
	int seq = 0;
	int err;

	rcu_read_lock();
restart:
	toy_seqbegin_other(&toy_rename_lock, &seq);
	err = toy_walk(d, p);
	if (!(seq & 1))
		rcu_read_unlock(); /* expect: unlock-unheld */
	if (need_seqretry(&toy_rename_lock, seq)) {
		seq = 1;
		goto restart;
	}
	done_seqretry(&toy_rename_lock, seq);
	return err; /* expect: lock-leak */
}
