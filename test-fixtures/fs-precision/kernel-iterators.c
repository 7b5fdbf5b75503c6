/*
 * Copies under a lock the fault handler takes, through iov_iters over kernel
 * memory, a callee or two down: a block read into a kvec the helper sets up
 * itself (as orangefs_writepage_locked() builds an iov_iter_bvec and
 * mmap_vmcore_fault() an iov_iter_xarray), and a request built on the
 * caller's stack whose iterator the transport copies from (smb2 requests
 * through smb_send_rqst() -> smb_compress() -> copy_from_iter_full()). Such a
 * copy never touches a user page: quiet. The same lock held across a copy to
 * the caller's own iov_iter (a ->read_iter's) is still a finding.
 */
struct rw_semaphore;
struct kvec { void *iov_base; unsigned long iov_len; };
struct iov_iter { int type; unsigned long count; };
struct kit_inode { struct address_space *i_mapping; struct rw_semaphore kit_sem; };
struct kit_req { struct iov_iter rq_iter; void *buf; };
struct vm_fault { struct vm_area_struct *vma; };

static unsigned long kit_copy_out(void *buf, unsigned long len, struct iov_iter *to)
{
	return copy_to_iter(buf, len, to);
}

/* fills a kernel buffer through an iterator it builds itself */
static int kit_read_block(struct kit_inode *ki, void *buf, unsigned long len)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, len);
	if (kit_copy_out(kit_block_data(ki), len, &iter) != len)
		return -EIO;
	return 0;
}

/* the transport copies out of whatever iterator the request carries */
static int kit_send(struct kit_req *rq)
{
	if (!copy_from_iter_full(rq->buf, 64, &rq->rq_iter))
		return -EFAULT;
	return 0;
}

static int kit_query(struct kit_inode *ki)
{
	struct kit_req rq;

	kit_setup_request(&rq, ki);
	return kit_send(&rq);
}

static vm_fault_t kit_page_mkwrite(struct vm_fault *vmf)
{
	struct kit_inode *ki = kit_inode_of(vmf->vma);

	down_read(&ki->kit_sem);
	kit_mark_dirty(ki);
	up_read(&ki->kit_sem);
	return 0;
}

static const struct vm_operations_struct kit_vm_ops = {
	.fault = filemap_fault,
	.page_mkwrite = kit_page_mkwrite,
};

static int kit_readdir(struct kit_inode *ki, void *buf)
{
	int err;

	down_write(&ki->kit_sem);
	err = kit_read_block(ki, buf, 4096);
	if (!err)
		err = kit_query(ki);
	up_write(&ki->kit_sem);
	return err;
}

static long kit_read_iter(struct kit_inode *ki, struct iov_iter *to)
{
	long n;

	down_write(&ki->kit_sem);
	n = kit_copy_out(kit_block_data(ki), 64, to); /* expect: fault-while-locked */
	up_write(&ki->kit_sem);
	return n;
}
