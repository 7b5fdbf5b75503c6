/*
 * A stacking filesystem: overlayfs locks its own inode and writes through
 * the real file underneath (ovl_write_iter() does this). The sb_writers
 * toy_vfs_iter_write() takes is the real file's filesystem's, not
 * overlayfs's, so the declared order sb_writers -> i_rwsem (within one
 * filesystem) is not broken.
 */
struct inode { struct super_block *i_sb; };
struct file;
struct kiocb { struct file *ki_filp; };
struct iov_iter;

long ovl_toy_write_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct file *realfile = ovl_toy_real(file);
	long ret;

	inode_lock(inode);
	ret = toy_vfs_iter_write(realfile, iter);
	inode_unlock(inode);
	return ret;
}

/* its own superblock's freeze protection inside its own inode's i_rwsem: against the declared order */
void ovl_toy_touch(struct inode *inode)
{
	inode_lock(inode);
	sb_start_write(inode->i_sb); /* expect: order-violation */
	ovl_toy_update(inode);
	sb_end_write(inode->i_sb);
	inode_unlock(inode);
}

/* the older form (Linux 6.1 ovl_write_iter): freeze protection taken directly on the real file, underneath */
long ovl_toy_write_iter_direct(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct file *realfile = ovl_toy_real(file);
	long ret;

	inode_lock(inode);
	file_start_write(realfile);
	ret = ovl_toy_do_write(realfile, iter);
	file_end_write(realfile);
	inode_unlock(inode);
	return ret;
}
