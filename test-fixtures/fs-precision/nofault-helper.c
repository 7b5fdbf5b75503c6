/*
 * mm/vmalloc.c has a static zero_iter(): it zeroes an iov_iter with
 * copy_page_to_iter_nofault(), which never takes a page fault, so
 * vmap_ram_vread_iter() may call it under vb->lock. The fault table once
 * listed "zero_iter" as a user copy; the real API is iov_iter_zero(),
 * which does fault.
 */
struct toy_block { spinlock_t lock; };

static size_t zero_iter(struct iov_iter *iter, size_t count)
{
	size_t remains = count;

	while (remains > 0) {
		size_t num = min_t(size_t, remains, PAGE_SIZE);
		size_t copied = copy_page_to_iter_nofault(ZERO_PAGE(0), 0, num, iter);

		remains -= copied;
		if (copied < num)
			break;
	}
	return count - remains;
}

static size_t nfh_read_block(struct toy_block *vb, struct iov_iter *iter, size_t hole)
{
	size_t n;

	spin_lock(&vb->lock);
	n = zero_iter(iter, hole);
	spin_unlock(&vb->lock);
	return n;
}

static size_t nfh_read_block_faulting(struct toy_block *vb, struct iov_iter *iter, size_t hole)
{
	size_t n;

	spin_lock(&vb->lock);
	n = iov_iter_zero(hole, iter); /* expect: sleep-in-atomic */
	spin_unlock(&vb->lock);
	return n;
}
