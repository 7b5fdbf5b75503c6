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
