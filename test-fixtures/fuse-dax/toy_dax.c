/*
 * Modelled on seed 000 (fuse, dax: serialize truncate/punch_hole and the dax
 * fault path). The fault path must not take i_rwsem: writers hold i_rwsem
 * while faulting on their user buffer. A per-inode rw_semaphore taken shared
 * by the fault handler and exclusively by truncate serialises the two.
 */
struct rw_semaphore;
struct inode { long i_size; struct address_space *i_mapping; };
struct fuse_inode { struct inode inode; struct rw_semaphore i_mmap_sem; };
struct vm_fault { struct vm_area_struct *vma; };
struct iattr { unsigned int ia_valid; long ia_size; };

/* an early attempt: serialise DAX faults with the inode lock */
static vm_fault_t toy_dax_fault_inode_lock(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	vm_fault_t ret;

	inode_lock_shared(inode); /* expect: order-violation sim=confirmed */
	ret = dax_iomap_fault(vmf, 0, NULL, NULL, &toy_iomap_ops);
	inode_unlock_shared(inode);
	return ret;
}

/* the merged design: a dedicated semaphore, ordered after mmap_lock */
static vm_fault_t toy_dax_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct super_block *sb = inode->i_sb;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	vm_fault_t ret;

	if (write)
		sb_start_pagefault(sb);
	down_read(&get_fuse_inode(inode)->i_mmap_sem);
	ret = dax_iomap_fault(vmf, 0, NULL, NULL, &toy_iomap_ops);
	up_read(&get_fuse_inode(inode)->i_mmap_sem);
	if (write)
		sb_end_pagefault(sb);
	return ret;
}

static const struct vm_operations_struct toy_dax_vm_ops = {
	.fault = toy_dax_fault,
	.huge_fault = toy_dax_fault_inode_lock,
	.page_mkwrite = toy_dax_fault,
	.pfn_mkwrite = toy_dax_fault,
};

/* truncate before the series: nothing keeps DAX faults out */
static int toy_setattr_size_buggy(struct inode *inode, struct iattr *attr)
{
	int err;

	inode_lock(inode);
	err = toy_send_setattr(inode, attr);
	if (err)
		goto out;
	i_size_write(inode, attr->ia_size);
	truncate_pagecache(inode, attr->ia_size); /* expect: truncate-fault-unserialized */
out:
	inode_unlock(inode);
	return err;
}

/* truncate after the series: faults blocked while the mapping shrinks */
static int toy_setattr_size_fixed(struct inode *inode, struct iattr *attr)
{
	struct fuse_inode *fi = get_fuse_inode(inode);
	int err;

	inode_lock(inode);
	down_write(&fi->i_mmap_sem);
	err = toy_break_dax_layouts(inode, 0, 0);
	if (err)
		goto out;
	err = toy_send_setattr(inode, attr);
	if (err)
		goto out;
	i_size_write(inode, attr->ia_size);
	truncate_pagecache(inode, attr->ia_size);
out:
	up_write(&fi->i_mmap_sem);
	inode_unlock(inode);
	return err;
}

/* punch hole holding the semaphore only shared: faults still get in */
static long toy_punch_hole_shared(struct inode *inode, long offset, long length)
{
	struct fuse_inode *fi = get_fuse_inode(inode);

	inode_lock(inode);
	down_read(&fi->i_mmap_sem);
	truncate_pagecache_range(inode, offset, offset + length - 1); /* expect: truncate-fault-unserialized */
	up_read(&fi->i_mmap_sem);
	inode_unlock(inode);
	return 0;
}

/*
 * Mount-time log replay truncates a recovered file without the semaphore:
 * fill_super runs before the superblock is visible, nothing can be mapped
 * or faulted yet (f2fs_fill_super -> f2fs_recover_fsync_data). Quiet.
 */
static int toy_replay_inode(struct inode *inode, long size)
{
	truncate_pagecache(inode, size);
	return 0;
}

static int toy_fill_super(struct super_block *sb, void *data, int silent)
{
	struct inode *inode = toy_iget(sb, 1);

	if (toy_needs_replay(sb))
		toy_replay_inode(inode, toy_replayed_size(sb));
	return 0;
}
