/*
 * Quiet: a fault handler whose callee locks a system inode that has its own
 * lockdep class (gfs2_page_mkwrite -> gfs2_quota_unlock -> do_sync locks the
 * quota inode; gfs2 gives it gfs2_quota_imutex_key with lockdep_set_class()),
 * so it is not the i_rwsem class ordered before mmap_lock; a truncate that
 * holds the fault guard exactly for DAX inodes, through a helper
 * (fuse_setattr -> fuse_do_setattr).
 */
struct rw_semaphore;
struct inode { struct address_space *i_mapping; struct toy_sb *i_sb; long i_size; };
struct toy_sb { struct inode *quota_inode; };
struct vm_fault { struct vm_area_struct *vma; };
struct iattr { unsigned int ia_valid; long ia_size; };

static struct lock_class_key toy_quota_imutex_key;

static void toy_fill_super(struct toy_sb *sb)
{
	sb->quota_inode = toy_lookup_system_inode(sb, "quota");
	lockdep_set_class(&sb->quota_inode->i_rwsem, &toy_quota_imutex_key);
}

static void toy_quota_sync(struct toy_sb *sb)
{
	struct inode *qi = sb->quota_inode;

	inode_lock(qi);
	toy_write_quota(qi);
	inode_unlock(qi);
}

static void toy_quota_unlock(struct inode *inode)
{
	if (toy_quota_dirty(inode))
		toy_quota_sync(inode->i_sb);
}

static vm_fault_t toy_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);

	filemap_invalidate_lock_shared(inode->i_mapping);
	toy_alloc_backing(inode);
	toy_quota_unlock(inode);
	filemap_invalidate_unlock_shared(inode->i_mapping);
	return 0;
}

static const struct vm_operations_struct toy_vm_ops = {
	.fault = filemap_fault,
	.page_mkwrite = toy_page_mkwrite,
};

static int toy_do_setattr(struct inode *inode, struct iattr *attr)
{
	struct address_space *mapping = inode->i_mapping;
	bool fault_blocked = false;

	if (IS_DAX(inode) && (attr->ia_valid & ATTR_SIZE)) {
		filemap_invalidate_lock(mapping);
		fault_blocked = true;
	}
	truncate_pagecache(inode, attr->ia_size);
	if (fault_blocked)
		filemap_invalidate_unlock(mapping);
	return 0;
}

static int toy_setattr(struct inode *inode, struct iattr *attr)
{
	return toy_do_setattr(inode, attr);
}

static const struct inode_operations toy_file_iops = {
	.setattr = toy_setattr,
};

/* the truncate path everyone else takes: guard held exclusively */
static long toy_punch_hole(struct inode *inode, long off, long len)
{
	filemap_invalidate_lock(inode->i_mapping);
	truncate_pagecache_range(inode, off, off + len - 1);
	filemap_invalidate_unlock(inode->i_mapping);
	return 0;
}
