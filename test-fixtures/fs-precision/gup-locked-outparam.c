/*
 * GUP's "locked" out-parameter: the caller takes mmap_lock shared and passes
 * &locked; when a fault had to retry, the callee has dropped mmap_lock and
 * set *locked = 0. The caller unlocks only if (locked), or takes the lock
 * again if (!locked) before the next round. Both forms are balanced. An
 * unconditional unlock after such a call is a double unlock on the path
 * where the callee dropped the lock; forgetting the unlock when locked is
 * still set leaks it. NULL instead of &locked: the lock is never dropped.
 */
struct rw_semaphore;
struct mm_struct { struct rw_semaphore mmap_lock; };
struct vm_area_struct { struct mm_struct *vm_mm; unsigned long vm_start, vm_end; };
struct page;

/* process_vm_rw_single_vec(): unlock only if the callee still holds it */
static long gl_pin_once(struct mm_struct *mm, unsigned long pa, unsigned long n, struct page **pages)
{
	long pinned;
	int locked = 1;

	mmap_read_lock(mm);
	pinned = pin_user_pages_remote(mm, pa, n, 0, pages, &locked);
	if (locked)
		mmap_read_unlock(mm);
	if (pinned <= 0)
		return -EFAULT;
	return pinned;
}

/* the same in a loop, with an early return after the conditional unlock */
static int gl_pin_loop(struct mm_struct *mm, unsigned long pa, unsigned long nr, struct page **pages)
{
	int rc = 0;

	while (!rc && nr) {
		long pinned;
		int locked = 1;

		mmap_read_lock(mm);
		pinned = get_user_pages_remote(mm, pa, nr, 0, pages, &locked);
		if (locked)
			mmap_read_unlock(mm);
		if (pinned <= 0)
			return -EFAULT;
		rc = gl_consume(pages, pinned);
		nr -= pinned;
	}
	return rc;
}

/* __mm_populate(): take the lock when not held, populate through the vma, unlock at the end if held */
static int gl_populate(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma = NULL;
	unsigned long nstart, nend;
	int locked = 0;
	long ret = 0;

	for (nstart = start; nstart < end; nstart = nend) {
		if (!locked) {
			locked = 1;
			mmap_read_lock(mm);
			vma = gl_find_vma(mm, nstart, end);
		}
		if (!vma)
			break;
		nend = vma->vm_end < end ? vma->vm_end : end;
		ret = populate_vma_page_range(vma, nstart, nend, &locked);
		if (ret < 0)
			break;
		nend = nstart + ret * 4096;
		ret = 0;
	}
	if (locked)
		mmap_read_unlock(mm);
	return ret;
}

/* madvise_populate(): the lock taken here, and re-taken whenever the callee dropped it */
static long gl_prefault(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	int locked = 1;
	long pages;

	mmap_read_lock(mm);
	while (start < end) {
		pages = faultin_page_range(mm, start, end, 1, &locked);
		if (!locked) {
			mmap_read_lock(mm);
			locked = 1;
		}
		if (pages < 0) {
			mmap_read_unlock(mm);
			return pages;
		}
		start += pages * 4096;
	}
	mmap_read_unlock(mm);
	return 0;
}

/* the result tested in the condition: the out-parameter is still followed */
static long gl_pin_tested(struct mm_struct *mm, unsigned long pa, struct page **pages)
{
	int locked = 1;
	long ret = 0;

	mmap_read_lock(mm);
	if (pin_user_pages_remote(mm, pa, 1, 0, pages, &locked) <= 0)
		ret = -EFAULT;
	if (locked)
		mmap_read_unlock(mm);
	return ret;
}

/* NULL: the callee never drops the lock, the unconditional unlock is right */
static long gl_pin_null(struct mm_struct *mm, unsigned long pa, struct page **pages)
{
	long pinned;

	mmap_read_lock(mm);
	pinned = get_user_pages_remote(mm, pa, 1, 0, pages, NULL);
	mmap_read_unlock(mm);
	return pinned;
}

/* BUG: unlocks even when the callee dropped the lock */
static long gl_pin_unlock_always(struct mm_struct *mm, unsigned long pa, struct page **pages)
{
	long pinned;
	int locked = 1;

	mmap_read_lock(mm);
	pinned = pin_user_pages_remote(mm, pa, 1, 0, pages, &locked);
	mmap_read_unlock(mm); /* expect: unlock-unheld */
	return pinned;
}

/* BUG: the error return forgets the unlock while locked is still set */
static long gl_pin_leak(struct mm_struct *mm, unsigned long pa, struct page **pages)
{
	long pinned;
	int locked = 1;

	mmap_read_lock(mm);
	pinned = get_user_pages_remote(mm, pa, 1, 0, pages, &locked);
	if (pinned <= 0)
		return -EFAULT; /* expect: lock-leak */
	if (locked)
		mmap_read_unlock(mm);
	return pinned;
}
