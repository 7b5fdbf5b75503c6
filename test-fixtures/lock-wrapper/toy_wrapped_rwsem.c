/*
 * A wrapper lock type whose init macro gives every init site its own lockdep
 * key (f2fs's struct f2fs_rwsem: init_f2fs_rwsem(&sbi->cp_rwsem) declares a
 * static lock_class_key per use). The rw_semaphore inside is classed by the
 * field holding the wrapper (toy_sb_info.cp_rwsem, toy_sb_info.pin_sem, ...),
 * not by the wrapper's own field (f2fs_rwsem.internal_rwsem), also when it is
 * taken through a helper that names it by its parameter.
 */
struct rw_semaphore { long count; };
struct mutex { long owner; };
struct f2fs_rwsem {
	struct rw_semaphore internal_rwsem;
};
struct toy_sb_info {
	struct f2fs_rwsem cp_rwsem;
	struct f2fs_rwsem pin_sem;
	struct f2fs_rwsem gc_lock;
	struct mutex build_lock;
};
struct f2fs_inode_info {
	struct f2fs_rwsem i_gc_rwsem[2];
	struct toy_sb_info *sbi;
};
struct inode;

static inline void f2fs_down_read(struct f2fs_rwsem *sem)
{
	down_read(&sem->internal_rwsem);
}

static inline void f2fs_up_read(struct f2fs_rwsem *sem)
{
	up_read(&sem->internal_rwsem);
}

static inline void f2fs_down_write(struct f2fs_rwsem *sem)
{
	down_write(&sem->internal_rwsem);
}

static inline void f2fs_up_write(struct f2fs_rwsem *sem)
{
	up_write(&sem->internal_rwsem);
}

/* a helper of the helper: the class is still refined at its caller */
static void toy_lock_gc(struct f2fs_rwsem *sem)
{
	f2fs_down_write(sem);
}

/* cp_rwsem, then build_lock */
void toy_checkpoint(struct toy_sb_info *sbi)
{
	f2fs_down_write(&sbi->cp_rwsem);
	mutex_lock(&sbi->build_lock);
	toy_flush(sbi);
	mutex_unlock(&sbi->build_lock);
	f2fs_up_write(&sbi->cp_rwsem);
}

/*
 * build_lock, then pin_sem: another class than cp_rwsem, so no cycle with
 * toy_checkpoint() (sbi is a local standing for a call of unknown type: its
 * declared type names the class)
 */
void toy_build(struct inode *inode)
{
	struct toy_sb_info *sbi = TOY_SB(inode);

	mutex_lock(&sbi->build_lock);
	f2fs_down_read(&sbi->pin_sem);
	toy_scan(sbi);
	f2fs_up_read(&sbi->pin_sem);
	mutex_unlock(&sbi->build_lock);
}

/* the lock inside named directly: i_gc_rwsem, then build_lock */
void toy_migrate(struct f2fs_inode_info *fi)
{
	down_write(&fi->i_gc_rwsem[1].internal_rwsem);
	mutex_lock(&fi->sbi->build_lock);
	toy_move(fi);
	mutex_unlock(&fi->sbi->build_lock);
	up_write(&fi->i_gc_rwsem[1].internal_rwsem);
}

/* through a helper and an accessor: i_gc_rwsem again, then build_lock */
void toy_preallocate(struct inode *inode)
{
	f2fs_down_write(&F2FS_I(inode)->i_gc_rwsem[1]);
	mutex_lock(&F2FS_I(inode)->sbi->build_lock);
	toy_prealloc(inode);
	mutex_unlock(&F2FS_I(inode)->sbi->build_lock);
	f2fs_up_write(&F2FS_I(inode)->i_gc_rwsem[1]);
}

/* gc_lock, then build_lock ... */
void toy_gc(struct toy_sb_info *sbi)
{
	f2fs_down_write(&sbi->gc_lock);
	mutex_lock(&sbi->build_lock); /* expect: order-cycle */
	toy_collect(sbi);
	mutex_unlock(&sbi->build_lock);
	f2fs_up_write(&sbi->gc_lock);
}

/* ... and build_lock, then the same gc_lock through two helpers: a real ABBA */
void toy_build_and_gc(struct toy_sb_info *sbi)
{
	mutex_lock(&sbi->build_lock);
	toy_lock_gc(&sbi->gc_lock);
	toy_collect(sbi);
	f2fs_up_write(&sbi->gc_lock);
	mutex_unlock(&sbi->build_lock);
}
