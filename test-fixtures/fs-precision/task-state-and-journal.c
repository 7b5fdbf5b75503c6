/*
 * Quiet: a journal start nested in a running handle (ext4_punch_hole ->
 * ext4_ext_remove_space) only nests, it never waits, so taking data_sem
 * between the outer start and the nested one is not an inversion of
 * "journal handle -> data_sem".
 */
struct rw_semaphore;
struct toy_ip { struct rw_semaphore rw_mutex; struct rw_semaphore data_sem; };

static int toy_remove_space(struct inode *inode, struct toy_ip *ip)
{
	handle_t *handle;

	handle = ext4_journal_start(inode, EXT4_HT_TRUNCATE, 4);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	toy_remove_extents(handle, ip);
	ext4_journal_stop(handle);
	return 0;
}

static int toy_punch(struct inode *inode, struct toy_ip *ip)
{
	handle_t *handle;
	int ret;

	handle = ext4_journal_start(inode, EXT4_HT_TRUNCATE, 8);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	down_write(&ip->data_sem);
	ret = toy_remove_space(inode, ip);
	up_write(&ip->data_sem);
	ext4_journal_stop(handle);
	return ret;
}

/* the documented order elsewhere: journal handle, then data_sem */
static int toy_map_blocks(struct inode *inode, struct toy_ip *ip)
{
	handle_t *handle;

	handle = ext4_journal_start(inode, EXT4_HT_MAP_BLOCKS, 2);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	down_write(&ip->data_sem);
	toy_alloc(ip);
	up_write(&ip->data_sem);
	ext4_journal_stop(handle);
	return 0;
}

/*
 * Retry on -ENOSPC after the error branch stopped the handle (ext4's
 * ext4_convert_inline_data_to_extent): `ret == -ENOSPC` implies ret != 0, so
 * the retry never runs with the handle still open, and the truncate-on-failure
 * (invalidate_lock) happens after the stop: no jbd2 -> invalidate_lock edge.
 */
static int toy_convert_inline(struct inode *inode)
{
	handle_t *handle;
	int ret, retries = 0;

retry:
	handle = ext4_journal_start(inode, EXT4_HT_WRITE_PAGE, 4);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	ret = toy_write_begin(handle, inode);
	if (ret) {
		ext4_journal_stop(handle);
		handle = NULL;
		filemap_invalidate_lock(inode->i_mapping);
		toy_truncate_failed(inode);
		filemap_invalidate_unlock(inode->i_mapping);
	}
	if (ret == -ENOSPC && toy_should_retry(inode, &retries))
		goto retry;
	if (handle)
		ext4_journal_stop(handle);
	return ret;
}

/* the documented direction: invalidate_lock, then a journal handle (ext4 page_mkwrite, punch hole) */
static int toy_punch_invalidate(struct inode *inode)
{
	handle_t *handle;

	filemap_invalidate_lock(inode->i_mapping);
	handle = ext4_journal_start(inode, EXT4_HT_TRUNCATE, 8);
	if (!IS_ERR(handle)) {
		toy_punch_blocks(handle, inode);
		ext4_journal_stop(handle);
	}
	filemap_invalidate_unlock(inode->i_mapping);
	return 0;
}
