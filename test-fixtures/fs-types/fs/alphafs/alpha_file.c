/*
 * alphafs: a filesystem of its own (fs/alphafs/). What it takes of the
 * per-filesystem-type classes is alphafs's.
 */
struct mutex;
struct inode { struct super_block *i_sb; };
struct address_space;
extern struct mutex toy_sync_lock;
extern struct mutex toy_registry_lock;

/*
 * toy_sync_lock, then an alphafs inode's i_rwsem: the reverse of
 * toy_vfs_sync_inode(), which runs on alphafs inodes too. A real ABBA.
 */
void alpha_flush_all(struct inode *inode)
{
	mutex_lock(&toy_sync_lock);
	inode_lock(inode); /* expect: order-cycle */
	alpha_flush(inode);
	inode_unlock(inode);
	mutex_unlock(&toy_sync_lock);
}

/* the registry, then an alphafs mapping's invalidate_lock (betafs takes them the other way round: not a cycle) */
void alpha_register_mapping(struct address_space *mapping)
{
	mutex_lock(&toy_registry_lock);
	filemap_invalidate_lock(mapping);
	alpha_track(mapping);
	filemap_invalidate_unlock(mapping);
	mutex_unlock(&toy_registry_lock);
}

/* freeze protection inside i_rwsem, both alphafs's: against the declared sb_writers -> i_rwsem */
void alpha_touch(struct inode *inode)
{
	inode_lock(inode);
	sb_start_write(inode->i_sb); /* expect: order-violation */
	alpha_update_times(inode);
	sb_end_write(inode->i_sb);
	inode_unlock(inode);
}
