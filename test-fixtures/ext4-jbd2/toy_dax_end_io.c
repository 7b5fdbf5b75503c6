/*
 * Modelled on seed 003 (dax: call b_end_io outside the i_mmap_mutex). The
 * fault side held the mapping's i_mmap mutex while the end-io callback
 * started a journal transaction; elsewhere the journal handle is held while
 * the i_mmap mutex is taken (jbd2_handle -> i_mmap_mutex). Classic ABBA.
 */
struct mutex;
struct address_space { struct mutex i_mmap_mutex; };
struct inode { struct address_space *i_mapping; };
struct buffer_head { void (*b_end_io)(struct buffer_head *bh, int uptodate); };

/* converting unwritten extents starts a journal transaction */
static int toy_convert_unwritten(struct inode *inode, long offset, long len)
{
	handle_t *handle;
	int ret;

	handle = ext4_journal_start(inode, EXT4_HT_MAP_BLOCKS, 8);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	ret = toy_convert_extents(handle, inode, offset, len);
	ext4_journal_stop(handle);
	return ret;
}

/* before the fix: end-io (journal start) runs under the i_mmap mutex */
static int toy_insert_mapping_buggy(struct inode *inode, struct buffer_head *bh)
{
	struct address_space *mapping = inode->i_mapping;
	int error;

	mutex_lock(&mapping->i_mmap_mutex);
	error = toy_vm_insert(inode, bh);
	toy_convert_unwritten(inode, 0, 4096); /* expect: order-cycle sim=confirmed */
	mutex_unlock(&mapping->i_mmap_mutex);
	return error;
}

/* after the fix: the callback runs once the mutex is dropped */
static int toy_insert_mapping_fixed(struct inode *inode, struct buffer_head *bh)
{
	struct address_space *mapping = inode->i_mapping;
	int error;

	mutex_lock(&mapping->i_mmap_mutex);
	error = toy_vm_insert(inode, bh);
	mutex_unlock(&mapping->i_mmap_mutex);
	toy_convert_unwritten(inode, 0, 4096);
	return error;
}
