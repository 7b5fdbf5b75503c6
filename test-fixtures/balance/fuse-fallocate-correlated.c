/*
 * Modelled on seed 000 (fuse_file_fallocate / fuse_open_common after the DAX
 * series): the locks are taken under flags and dropped under the same flags.
 * Correlated conditions: must stay quiet.
 */
struct rw_semaphore;
struct inode;
struct fuse_inode { struct rw_semaphore i_mmap_sem; unsigned long state; };
struct file { struct inode *f_inode; unsigned int f_flags; };

static long toy_fallocate(struct file *file, int mode, long offset, long length)
{
	struct inode *inode = file_inode(file);
	struct fuse_inode *fi = get_fuse_inode(inode);
	int err;
	bool lock_inode = !(mode & FALLOC_FL_KEEP_SIZE) || (mode & FALLOC_FL_PUNCH_HOLE);
	bool block_faults = IS_DAX(inode) && lock_inode;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;

	if (lock_inode) {
		inode_lock(inode);
		if (block_faults) {
			down_write(&fi->i_mmap_sem);
			err = toy_break_layouts(inode, 0, 0);
			if (err)
				goto out;
		}
		if (mode & FALLOC_FL_PUNCH_HOLE) {
			err = toy_writeback_range(inode, offset, offset + length - 1);
			if (err)
				goto out;
		}
	}

	err = toy_send_fallocate(file, mode, offset, length);
	if (err == -ENOSYS)
		err = -EOPNOTSUPP;
	if (err)
		goto out;
	if (mode & FALLOC_FL_PUNCH_HOLE)
		truncate_pagecache_range(inode, offset, offset + length - 1);
out:
	if (block_faults)
		up_write(&fi->i_mmap_sem);
	if (lock_inode)
		inode_unlock(inode);
	return err;
}

static int toy_open_common(struct inode *inode, struct file *file, bool isdir)
{
	int err;
	bool is_wb_truncate = (file->f_flags & O_TRUNC) && toy_writeback_cache(inode);
	bool dax_truncate = (file->f_flags & O_TRUNC) && IS_DAX(inode);

	err = toy_generic_open(inode, file);
	if (err)
		return err;

	if (is_wb_truncate || dax_truncate)
		inode_lock(inode);

	if (dax_truncate) {
		down_write(&get_fuse_inode(inode)->i_mmap_sem);
		err = toy_break_layouts(inode, 0, 0);
		if (err)
			goto out;
	}

	err = toy_do_open(inode, file, isdir);
out:
	if (dax_truncate)
		up_write(&get_fuse_inode(inode)->i_mmap_sem);

	if (is_wb_truncate | dax_truncate)
		inode_unlock(inode);
	return err;
}
