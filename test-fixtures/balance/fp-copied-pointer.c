/*
 * A pointer copied from a field, and a later comparison with that field
 * deciding the unlock (the shape of a sysfs-like file's read and write paths:
 * a preallocated buffer guarded by a mutex, else a fresh allocation).
 * Quiet: the comparison follows the copy, so it is true exactly on the path
 * that took the mutex (the field was non-NULL, copied, locked) and false on
 * the path that allocated (the field was NULL, the copy now non-NULL).
 * Flagged: the same shape where the comparison does not follow the copy
 * (another field), or where the field is changed between copy and test
 * (a store, or its address passed to a call).
 */
struct mutex;
struct pf_kiocb;
struct pf_file {
	struct mutex spare_mutex;
	struct mutex op_mutex;
	char *spare_buf;
	char *other_buf;
	int busy;
};

/* the buffer is the spare one (locked) or a fresh one (freed) */
static long pf_read(struct pf_file *f, long len)
{
	char *buf;

	buf = f->spare_buf;
	if (buf)
		mutex_lock(&f->spare_mutex);
	else
		buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	mutex_lock(&f->op_mutex);
	if (!pf_get_active(f)) {
		len = -ENODEV;
		mutex_unlock(&f->op_mutex);
		goto out_free;
	}
	len = pf_fill(f, buf, len);
	pf_put_active(f);
	mutex_unlock(&f->op_mutex);

	if (len < 0)
		goto out_free;
	if (pf_copy_out(buf, len) != len) {
		len = -EFAULT;
		goto out_free;
	}
out_free:
	if (buf == f->spare_buf)
		mutex_unlock(&f->spare_mutex);
	else
		kfree(buf);
	return len;
}

/* the same, declared with its copy, and the comparison written the other way round */
static long pf_write(struct pf_file *f, long len)
{
	char *buf = f->spare_buf;
	long ret;

	if (buf)
		mutex_lock(&f->spare_mutex);
	else
		buf = kmalloc(len + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	ret = pf_copy_in(buf, len);
	if (ret)
		goto out_free;
	mutex_lock(&f->op_mutex);
	len = pf_store(f, buf, len);
	mutex_unlock(&f->op_mutex);
out_free:
	if (f->spare_buf != buf)
		kfree(buf);
	else
		mutex_unlock(&f->spare_mutex);
	return len;
}

/* the comparison is with another field: the spare buffer's mutex stays held when that differs */
static long pf_read_other(struct pf_file *f, long len)
{
	char *buf;

	buf = f->spare_buf;
	if (buf)
		mutex_lock(&f->spare_mutex);
	else
		buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	len = pf_fill(f, buf, len);
	if (buf == f->other_buf)
		mutex_unlock(&f->spare_mutex);
	else
		kfree(buf);
	return len; /* expect: lock-leak */
}

/* the field is cleared between the copy and the comparison: the locked path frees instead */
static long pf_read_detach(struct pf_file *f, long len)
{
	char *buf;

	buf = f->spare_buf;
	if (buf)
		mutex_lock(&f->spare_mutex);
	else
		buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	len = pf_fill(f, buf, len);
	if (f->busy)
		f->spare_buf = NULL;
	if (buf == f->spare_buf)
		mutex_unlock(&f->spare_mutex);
	else
		kfree(buf);
	return len; /* expect: lock-leak */
}

/* the field's address is passed on between the copy and the comparison: the callee may have replaced it */
static long pf_read_swap(struct pf_file *f, long len)
{
	char *buf;

	buf = f->spare_buf;
	if (buf)
		mutex_lock(&f->spare_mutex);
	else
		buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	pf_swap_spare(&f->spare_buf);
	if (buf == f->spare_buf)
		mutex_unlock(&f->spare_mutex);
	else
		kfree(buf);
	return len; /* expect: lock-leak */
}
