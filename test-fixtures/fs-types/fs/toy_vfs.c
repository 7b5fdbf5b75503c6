/*
 * VFS core (a file directly in fs/): it runs on every filesystem's inodes,
 * so the i_rwsem and sb_writers it takes are those of whichever filesystem
 * it is given. lockdep keeps i_rwsem, invalidate_lock, sb_writers, s_umount
 * ... per filesystem type (struct file_system_type's lock_class_keys), so
 * lockorder matches this generic code against each filesystem's own.
 */
struct mutex;
struct inode;
struct file;
struct iov_iter;

struct mutex toy_sync_lock;
struct mutex toy_registry_lock;

/* generic order: the inode's i_rwsem, then toy_sync_lock */
void toy_vfs_sync_inode(struct inode *inode)
{
	inode_lock(inode);
	mutex_lock(&toy_sync_lock);
	toy_write_inode(inode);
	mutex_unlock(&toy_sync_lock);
	inode_unlock(inode);
}

/* the write path takes freeze protection (sb_writers) of the file's own filesystem */
long toy_vfs_iter_write(struct file *file, struct iov_iter *from)
{
	long ret;

	file_start_write(file);
	ret = toy_do_write(file, from);
	file_end_write(file);
	return ret;
}
