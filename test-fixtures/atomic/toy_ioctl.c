/*
 * copy_to_user() under a spinlock (sleep-in-atomic), and mmap_read_lock()
 * held across copy_from_user() (fault-while-locked: the fault takes mmap_lock
 * shared again and deadlocks once a writer queues in between).
 */
struct spinlock;
struct toy_sb { spinlock_t stat_lock; unsigned long free_blocks; };
struct mm_struct;

static long toy_get_stats_buggy(struct toy_sb *sbi, unsigned long __user *arg)
{
	long ret = 0;

	spin_lock(&sbi->stat_lock);
	if (copy_to_user(arg, &sbi->free_blocks, sizeof(sbi->free_blocks))) /* expect: sleep-in-atomic sim=confirmed (one CPU: the fault sleeps holding stat_lock while a second caller spins on it) */
		ret = -EFAULT;
	spin_unlock(&sbi->stat_lock);
	return ret;
}

static long toy_get_stats_fixed(struct toy_sb *sbi, unsigned long __user *arg)
{
	unsigned long free;

	spin_lock(&sbi->stat_lock);
	free = sbi->free_blocks;
	spin_unlock(&sbi->stat_lock);
	if (copy_to_user(arg, &free, sizeof(free)))
		return -EFAULT;
	return 0;
}

static int toy_walk_user_ranges_buggy(struct mm_struct *mm, const void __user *ubuf, struct toy_range *r)
{
	int ret = 0;

	mmap_read_lock(mm);
	if (copy_from_user(r, ubuf, sizeof(*r))) /* expect: fault-while-locked sim=confirmed */
		ret = -EFAULT;
	else
		ret = toy_check_vmas(mm, r);
	mmap_read_unlock(mm);
	return ret;
}

static int toy_walk_user_ranges_fixed(struct mm_struct *mm, const void __user *ubuf, struct toy_range *r)
{
	int ret;

	if (copy_from_user(r, ubuf, sizeof(*r)))
		return -EFAULT;
	mmap_read_lock(mm);
	ret = toy_check_vmas(mm, r);
	mmap_read_unlock(mm);
	return ret;
}
