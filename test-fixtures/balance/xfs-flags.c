/*
 * xfs_ilock()/xfs_iunlock() take a flag mask: each flag is its own lock
 * (IOLOCK = the VFS i_rwsem, MMAPLOCK = the mapping's invalidate_lock,
 * ILOCK = the xfs inode's own rwsem). Releasing a subset leaks the rest.
 */
struct xfs_inode;

static int toyxfs_punch_ok(struct xfs_inode *ip, long off, long len)
{
	int error;

	xfs_ilock(ip, XFS_IOLOCK_EXCL | XFS_MMAPLOCK_EXCL);
	error = toyxfs_flush(ip, off, len);
	if (error)
		goto out_unlock;
	error = toyxfs_free_range(ip, off, len);
out_unlock:
	xfs_iunlock(ip, XFS_IOLOCK_EXCL | XFS_MMAPLOCK_EXCL);
	return error;
}

static int toyxfs_punch_leak(struct xfs_inode *ip, long off, long len)
{
	int error;

	xfs_ilock(ip, XFS_IOLOCK_EXCL | XFS_MMAPLOCK_EXCL);
	error = toyxfs_flush(ip, off, len);
	if (error) {
		xfs_iunlock(ip, XFS_IOLOCK_EXCL);
		return error; /* expect: lock-leak */
	}
	error = toyxfs_free_range(ip, off, len);
	xfs_iunlock(ip, XFS_IOLOCK_EXCL | XFS_MMAPLOCK_EXCL);
	return error;
}

/* separate unlocks of each flag, in the reverse order: balanced */
static int toyxfs_setsize(struct xfs_inode *ip, long size)
{
	unsigned int lock_flags = XFS_ILOCK_EXCL;
	int error;

	xfs_ilock(ip, XFS_MMAPLOCK_EXCL);
	xfs_ilock(ip, lock_flags);
	error = toyxfs_update_size(ip, size);
	xfs_iunlock(ip, XFS_ILOCK_EXCL);
	xfs_iunlock(ip, XFS_MMAPLOCK_EXCL);
	return error;
}

/* shared ILOCK through the nowait variant: a trylock */
static int toyxfs_read_nowait(struct xfs_inode *ip)
{
	if (!xfs_ilock_nowait(ip, XFS_ILOCK_SHARED))
		return -EAGAIN;
	toyxfs_read_extents(ip);
	xfs_iunlock(ip, XFS_ILOCK_SHARED);
	return 0;
}
