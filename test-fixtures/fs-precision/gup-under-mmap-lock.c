/*
 * get_user_pages() and the other GUP calls that are given the target mm's
 * mmap_lock by their caller fault through handle_mm_fault() under that lock
 * and never take it again: holding it across them is their contract
 * (get_arg_page(), __access_remote_vm()). The _fast / _unlocked variants
 * take mmap_lock themselves, so calling one with it held queues a second
 * read behind any writer: that stays flagged. copy_to_user_page() copies
 * into a kernel mapping of a page GUP already pinned and never faults.
 */
struct rw_semaphore;
struct mm_struct { struct rw_semaphore mmap_lock; };
struct page;
struct vm_area_struct;

static struct page *gm_get_arg_page(struct mm_struct *mm, unsigned long pos, int write)
{
	struct page *page;
	int ret;

	mmap_read_lock(mm);
	ret = get_user_pages_remote(mm, pos, 1, write ? FOLL_WRITE : 0, &page, NULL);
	mmap_read_unlock(mm);
	if (ret <= 0)
		return NULL;
	return page;
}

static int gm_access_remote(struct mm_struct *mm, unsigned long addr, void *buf, int len, int write)
{
	struct page *page;
	struct vm_area_struct *vma;
	void *maddr;

	mmap_read_lock(mm);
	if (get_user_pages_remote(mm, addr, 1, FOLL_FORCE, &page, NULL) <= 0) {
		mmap_read_unlock(mm);
		return 0;
	}
	vma = gm_find_vma(mm, addr);
	maddr = kmap_local_page(page);
	if (write)
		copy_to_user_page(vma, page, addr, maddr, buf, len);
	else
		copy_from_user_page(vma, page, addr, buf, maddr, len);
	kunmap_local(maddr);
	put_page(page);
	mmap_read_unlock(mm);
	return len;
}

/* the fast variant falls back to get_user_pages_unlocked(), which takes mmap_lock shared itself */
static int gm_pin_fast_locked(struct mm_struct *mm, unsigned long addr, struct page **pages)
{
	int ret;

	mmap_read_lock(mm);
	ret = get_user_pages_fast(addr, 1, 0, pages); /* expect: fault-while-locked */
	mmap_read_unlock(mm);
	return ret;
}
