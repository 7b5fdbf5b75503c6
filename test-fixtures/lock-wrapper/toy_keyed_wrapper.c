/*
 * A wrapper lock that is also given a lockdep key of its own (f2fs keys
 * sbi->cp_global_sem per superblock: lockdep_set_class(&...internal_rwsem,
 * &sbi->cp_global_sem_key)). It keeps the class of the field holding the
 * wrapper wherever it is taken: directly through the wrapper's helper, or
 * through a function whose summary carries the already refined class to its
 * own callers. A real ABBA between two such paths is still found.
 */
struct rw_semaphore;
struct mutex;
struct f2fs_rwsem;
struct lock_class_key;
struct kw_sb_info {
	struct f2fs_rwsem global_sem;
	struct lock_class_key global_sem_key;
	struct mutex quota_lock;
};

static void kw_init(struct kw_sb_info *sbi)
{
	lockdep_register_key(&sbi->global_sem_key);
	lockdep_set_class(&sbi->global_sem.internal_rwsem, &sbi->global_sem_key);
}

/* global_sem, then quota_lock */
static void kw_write_checkpoint(struct kw_sb_info *sbi)
{
	f2fs_down_write(&sbi->global_sem);
	mutex_lock(&sbi->quota_lock); /* expect: order-cycle (with kw_quota_checkpoint) */
	kw_sync(sbi);
	mutex_unlock(&sbi->quota_lock);
	f2fs_up_write(&sbi->global_sem);
}

/* the same global_sem, taken one call further down */
static void kw_block_ops(struct kw_sb_info *sbi)
{
	f2fs_down_write(&sbi->global_sem);
	kw_flush(sbi);
	f2fs_up_write(&sbi->global_sem);
}

/* quota_lock, then global_sem through kw_block_ops: the opposite order */
static void kw_quota_checkpoint(struct kw_sb_info *sbi)
{
	mutex_lock(&sbi->quota_lock);
	kw_block_ops(sbi);
	mutex_unlock(&sbi->quota_lock);
}
