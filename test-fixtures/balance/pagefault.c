/*
 * Modelled on seed 001 (gfs2 direct I/O): page faults disabled and the
 * iterator marked nofault around the copy, both undone right after. The
 * buggy versions return early with faults still disabled, or leave the
 * caller's iterator in nofault mode.
 */
struct iov_iter { int nofault; };
struct kiocb;

static long toy_dio_read_ok(struct kiocb *iocb, struct iov_iter *to)
{
	long ret;

	pagefault_disable();
	to->nofault = true;
	ret = toy_dio_rw(iocb, to);
	to->nofault = false;
	pagefault_enable();
	return ret;
}

static long toy_dio_read_early(struct kiocb *iocb, struct iov_iter *to)
{
	long ret;

	pagefault_disable();
	to->nofault = true;
	ret = toy_dio_rw(iocb, to);
	to->nofault = false;
	if (ret == -EFAULT)
		return ret; /* expect: pagefault-imbalance */
	pagefault_enable();
	return ret;
}

static long toy_dio_write_nofault_left(struct kiocb *iocb, struct iov_iter *from)
{
	long ret;

	pagefault_disable();
	from->nofault = true;
	ret = toy_dio_rw(iocb, from);
	pagefault_enable();
	if (ret < 0)
		return ret; /* expect: pagefault-imbalance */
	from->nofault = false;
	return ret;
}

static long toy_dio_write_fixed(struct kiocb *iocb, struct iov_iter *from)
{
	long ret;

	pagefault_disable();
	from->nofault = true;
	ret = toy_dio_rw(iocb, from);
	from->nofault = false;
	pagefault_enable();
	return ret;
}

static int toy_copy_atomic(void *dst, const void *src, unsigned long n)
{
	unsigned long left;

	pagefault_disable();
	left = __copy_from_user_inatomic(dst, src, n);
	pagefault_enable();
	return left ? -EFAULT : 0;
}
