/*
 * A function that returns a pointer and keeps the lock exactly when the
 * pointer is not NULL hands the lock to its caller with the object, like a
 * trylock's success (mm/nommu.c lock_mm_and_find_vma(): mmap_read_lock(),
 * vma_lookup(), unlock only `if (!vma)`). The same shape returning an int
 * error code is the classic leak on an error path, and stays one.
 */
struct toy_mm { struct rw_semaphore mmap_lock; };
struct toy_vma;

struct toy_vma *pr_lock_and_find(struct toy_mm *mm, unsigned long addr)
{
	struct toy_vma *vma;

	down_read(&mm->mmap_lock);
	vma = toy_vma_lookup(mm, addr);
	if (!vma)
		up_read(&mm->mmap_lock);
	return vma;
}

int pr_lock_and_check(struct toy_mm *mm, unsigned long addr)
{
	int err;

	down_read(&mm->mmap_lock);
	err = toy_check_range(mm, addr);
	if (!err)
		up_read(&mm->mmap_lock);
	return err; /* expect: lock-leak */
}
