/* The other half of the seed 003 ABBA: a transaction that unmaps pages. */
struct mutex;
struct address_space { struct mutex i_mmap_mutex; };
struct inode { struct address_space *i_mapping; };

static int toy_truncate_blocks(struct inode *inode)
{
	struct address_space *mapping = inode->i_mapping;
	handle_t *handle;

	handle = ext4_journal_start(inode, EXT4_HT_TRUNCATE, 16);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	mutex_lock(&mapping->i_mmap_mutex);
	toy_unmap_range(mapping);
	mutex_unlock(&mapping->i_mmap_mutex);
	ext4_journal_stop(handle);
	return 0;
}
