/*
 * Modelled on seed 001 (gfs2: fix mmap + page fault deadlocks for direct I/O).
 * A cluster filesystem takes its inode glock in deferred (DF) mode for direct
 * I/O. Its ->page_mkwrite handler takes the same glock EX and ->fault takes
 * it SH. If the user buffer of a direct read is mmapped from the same file,
 * the fault inside the direct I/O wants the glock the reader already holds.
 */
struct gfs2_glock;
struct gfs2_holder { struct gfs2_glock *gh_gl; };
struct inode { long i_size; };
struct toy_inode { struct inode i_inode; struct gfs2_glock *i_gl; };
struct iov_iter { bool nofault; unsigned long count; };
struct file { struct inode *f_inode; };
struct kiocb { struct file *ki_filp; long ki_pos; };
struct vm_fault { struct vm_area_struct *vma; };

extern const struct iomap_ops toy_iomap_ops;

/* ---- the fault path of this filesystem ---- */

static vm_fault_t toy_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct toy_inode *ip = TOY_I(inode);
	struct gfs2_holder gh;
	vm_fault_t ret;
	int err;

	gfs2_holder_init(ip->i_gl, LM_ST_EXCLUSIVE, 0, &gh);
	err = gfs2_glock_nq(&gh);
	if (err) {
		ret = VM_FAULT_SIGBUS;
		goto out_uninit;
	}
	ret = toy_write_fault_locked(vmf);
	gfs2_glock_dq(&gh);
out_uninit:
	gfs2_holder_uninit(&gh);
	return ret;
}

static vm_fault_t toy_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct toy_inode *ip = TOY_I(inode);
	struct gfs2_holder gh;
	vm_fault_t ret;
	int err;

	gfs2_holder_init(ip->i_gl, LM_ST_SHARED, 0, &gh);
	err = gfs2_glock_nq(&gh);
	if (err) {
		ret = VM_FAULT_SIGBUS;
		goto out_uninit;
	}
	ret = filemap_fault(vmf);
	gfs2_glock_dq(&gh);
out_uninit:
	gfs2_holder_uninit(&gh);
	return ret;
}

static const struct vm_operations_struct toy_vm_ops = {
	.fault = toy_fault,
	.map_pages = filemap_map_pages,
	.page_mkwrite = toy_page_mkwrite,
};

/* ---- direct I/O before the fix ---- */

static ssize_t toy_direct_read_buggy(struct kiocb *iocb, struct iov_iter *to, struct gfs2_holder *gh)
{
	struct file *file = iocb->ki_filp;
	struct toy_inode *ip = TOY_I(file->f_mapping->host);
	ssize_t ret;

	if (!iov_iter_count(to))
		return 0;
	gfs2_holder_init(ip->i_gl, LM_ST_DEFERRED, 0, gh);
	ret = gfs2_glock_nq(gh);
	if (ret)
		goto out_uninit;
	ret = iomap_dio_rw(iocb, to, &toy_iomap_ops, NULL, 0, 0); /* expect: fault-while-locked sim=confirmed */
	gfs2_glock_dq(gh);
out_uninit:
	gfs2_holder_uninit(gh);
	return ret;
}

static ssize_t toy_direct_write_buggy(struct kiocb *iocb, struct iov_iter *from, struct gfs2_holder *gh)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file->f_mapping->host;
	struct toy_inode *ip = TOY_I(inode);
	size_t len = iov_iter_count(from);
	ssize_t ret;

	gfs2_holder_init(ip->i_gl, LM_ST_DEFERRED, 0, gh);
	ret = gfs2_glock_nq(gh);
	if (ret)
		goto out_uninit;
	if (iocb->ki_pos + len > i_size_read(&ip->i_inode))
		goto out;
	ret = iomap_dio_rw(iocb, from, &toy_iomap_ops, NULL, 0, 0); /* expect: fault-while-locked sim=confirmed */
	if (ret == -ENOTBLK)
		ret = 0;
out:
	gfs2_glock_dq(gh);
out_uninit:
	gfs2_holder_uninit(gh);
	return ret;
}

/* ---- direct I/O after the fix: faults disabled under the glock, fault-in and retry ---- */

static ssize_t toy_direct_read_fixed(struct kiocb *iocb, struct iov_iter *to, struct gfs2_holder *gh)
{
	struct file *file = iocb->ki_filp;
	struct toy_inode *ip = TOY_I(file->f_mapping->host);
	size_t prev_count = 0, window_size = 0;
	size_t written = 0;
	ssize_t ret;

	if (!iov_iter_count(to))
		return 0;
	gfs2_holder_init(ip->i_gl, LM_ST_DEFERRED, 0, gh);
retry:
	ret = gfs2_glock_nq(gh);
	if (ret)
		goto out_uninit;
retry_under_glock:
	pagefault_disable();
	to->nofault = true;
	ret = iomap_dio_rw(iocb, to, &toy_iomap_ops, NULL, IOMAP_DIO_PARTIAL, written);
	to->nofault = false;
	pagefault_enable();
	if (ret > 0)
		written = ret;

	if (toy_should_fault_in_pages(ret, to, &prev_count, &window_size)) {
		size_t leftover;

		gfs2_holder_allow_demote(gh);
		leftover = fault_in_iov_iter_writeable(to, window_size);
		gfs2_holder_disallow_demote(gh);
		if (leftover != window_size) {
			if (!gfs2_holder_queued(gh))
				goto retry;
			goto retry_under_glock;
		}
	}
	if (gfs2_holder_queued(gh))
		gfs2_glock_dq(gh);
out_uninit:
	gfs2_holder_uninit(gh);
	if (ret < 0)
		return ret;
	return written;
}

static ssize_t toy_direct_write_fixed(struct kiocb *iocb, struct iov_iter *from, struct gfs2_holder *gh)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file->f_mapping->host;
	struct toy_inode *ip = TOY_I(inode);
	size_t prev_count = 0, window_size = 0;
	size_t read = 0;
	ssize_t ret;

	gfs2_holder_init(ip->i_gl, LM_ST_DEFERRED, 0, gh);
retry:
	ret = gfs2_glock_nq(gh);
	if (ret)
		goto out_uninit;
retry_under_glock:
	if (iocb->ki_pos + iov_iter_count(from) > i_size_read(&ip->i_inode))
		goto out;
	from->nofault = true;
	ret = iomap_dio_rw(iocb, from, &toy_iomap_ops, NULL, IOMAP_DIO_PARTIAL, read);
	from->nofault = false;
	if (ret == -ENOTBLK)
		ret = 0;
	if (ret > 0)
		read = ret;

	if (toy_should_fault_in_pages(ret, from, &prev_count, &window_size)) {
		size_t leftover;

		gfs2_holder_allow_demote(gh);
		leftover = fault_in_iov_iter_readable(from, window_size);
		gfs2_holder_disallow_demote(gh);
		if (leftover != window_size) {
			if (!gfs2_holder_queued(gh))
				goto retry;
			goto retry_under_glock;
		}
	}
out:
	if (gfs2_holder_queued(gh))
		gfs2_glock_dq(gh);
out_uninit:
	gfs2_holder_uninit(gh);
	if (ret < 0)
		return ret;
	return read;
}
