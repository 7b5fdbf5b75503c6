/*
 * might_lock() tells lockdep that the code may take a lock here, in this
 * context; it takes nothing. Of a lock whose type is not in the analysed
 * files (a struct from a header), it is not a sleeping lock in atomic
 * context by its author's own account (folio_memcg_lock() under
 * local_irq_save(), memcg->move_lock a spinlock); a seqlock's lock is a
 * spinlock (mnt_get_write_access(), mount_lock.lock under
 * preempt_disable()). Of a known mutex under a spinlock, it is flagged.
 */
struct toy_memcg;
struct mutex;
struct toy_stats { spinlock_t lock; struct mutex update_mutex; };
extern seqlock_t toy_mount_lock;

static void ml_get_write(int *writers)
{
	preempt_disable();
	might_lock(&toy_mount_lock.lock);
	(*writers)++;
	preempt_enable();
}

static void ml_memcg_lock(struct toy_memcg *memcg)
{
	unsigned long flags;

	local_irq_save(flags);
	might_lock(&memcg->move_lock);
	toy_memcg_account(memcg);
	local_irq_restore(flags);
}

static void ml_stats_update(struct toy_stats *st)
{
	spin_lock(&st->lock);
	might_lock(&st->update_mutex); /* expect: sleep-in-atomic */
	toy_stats_bump(st);
	spin_unlock(&st->lock);
}
