/*
 * An RCU read section balanced through the low bit of a seqlock cookie, as
 * the kernel's path walkers do it: `seq = 0` starts lockless (even: the RCU
 * section ends after the walk), `seq = 1` retries under the seqlock (odd: no
 * RCU section to end), and read_seqbegin_or_lock(lock, &seq) keeps the low bit
 * of seq. Correct code (quiet), and the same shapes really unbalanced
 * (flagged): a retry that starts lockless again, a retry written with another
 * even value, an RCU section opened on every pass but closed only on the
 * lockless one, and a cookie made odd by a helper that is not
 * read_seqbegin_or_lock (only the calls valueApi.ts names keep the low bit).
 */
struct seqlock;
extern struct seqlock sp_rename_lock;
extern struct seqlock sp_mount_lock;
struct sp_dentry;
struct sp_buf { int len; };

/* one level: the walk under RCU first, then (odd) under the seqlock */
static int sp_dentry_path(struct sp_dentry *d, struct sp_buf *p)
{
	int seq = 0;
	int err;

	rcu_read_lock();
restart:
	read_seqbegin_or_lock(&sp_rename_lock, &seq);
	err = sp_walk(d, p);
	if (!(seq & 1))
		rcu_read_unlock();
	if (need_seqretry(&sp_rename_lock, seq)) {
		seq = 1;
		goto restart;
	}
	done_seqretry(&sp_rename_lock, seq);
	return err;
}

/* two levels, each with its own cookie, the inner one restarted from even on each outer pass */
static int sp_prepend_path(struct sp_dentry *d, struct sp_buf *p)
{
	unsigned seq, m_seq = 0;
	int err;

	rcu_read_lock();
restart_mnt:
	read_seqbegin_or_lock(&sp_mount_lock, &m_seq);
	seq = 0;
	rcu_read_lock();
restart:
	read_seqbegin_or_lock(&sp_rename_lock, &seq);
	err = sp_walk(d, p);
	if (!(seq & 1))
		rcu_read_unlock();
	if (need_seqretry(&sp_rename_lock, seq)) {
		seq = 1;
		goto restart;
	}
	done_seqretry(&sp_rename_lock, seq);
	if (!(m_seq & 1))
		rcu_read_unlock();
	if (need_seqretry(&sp_mount_lock, m_seq)) {
		m_seq = 1;
		goto restart_mnt;
	}
	done_seqretry(&sp_mount_lock, m_seq);
	return err;
}

/* the retry starts lockless again: its pass ends an RCU section the first pass already ended */
static int sp_retry_even(struct sp_dentry *d, struct sp_buf *p)
{
	int seq = 0;
	int err;

	rcu_read_lock();
restart:
	read_seqbegin_or_lock(&sp_rename_lock, &seq);
	err = sp_walk(d, p);
	if (!(seq & 1))
		rcu_read_unlock(); /* expect: unlock-unheld */
	if (need_seqretry(&sp_rename_lock, seq)) {
		seq = 0;
		goto restart;
	}
	done_seqretry(&sp_rename_lock, seq);
	return err;
}

/* the same with 2, which is not zero but even: the low bit decides, not the sign */
static int sp_retry_two(struct sp_dentry *d, struct sp_buf *p)
{
	int seq = 0;
	int err;

	rcu_read_lock();
restart:
	read_seqbegin_or_lock(&sp_rename_lock, &seq);
	err = sp_walk(d, p);
	if (!(seq & 1))
		rcu_read_unlock(); /* expect: unlock-unheld */
	if (need_seqretry(&sp_rename_lock, seq)) {
		seq = 2;
		goto restart;
	}
	done_seqretry(&sp_rename_lock, seq);
	return err;
}

/* RCU entered on every pass, left only on the lockless one: the odd pass returns inside it */
static int sp_lock_each_pass(struct sp_dentry *d, struct sp_buf *p)
{
	int seq = 0;
	int err;

restart:
	rcu_read_lock();
	read_seqbegin_or_lock(&sp_rename_lock, &seq);
	err = sp_walk(d, p);
	if (!(seq & 1))
		rcu_read_unlock();
	if (need_seqretry(&sp_rename_lock, seq)) {
		seq = 1;
		goto restart;
	}
	done_seqretry(&sp_rename_lock, seq);
	return err; /* expect: lock-leak */
}

/* the helper leaves seq odd: the RCU section is never left */
static void sp_begin_locked(struct seqlock *sl, int *seq)
{
	sp_seqlock_excl(sl);
	*seq = 1;
}

static int sp_helper_odd(struct sp_dentry *d, struct sp_buf *p)
{
	int seq = 0;
	int err;

	rcu_read_lock();
	sp_begin_locked(&sp_rename_lock, &seq);
	err = sp_walk(d, p);
	if (!(seq & 1))
		rcu_read_unlock();
	return err; /* expect: lock-leak */
}
