/*
 * Declared lock order from a .lockorder file and from source comments.
 * The .lockorder beside this file says io_lock -> meta_lock, and adds the
 * project helpers toy_lock_meta()/toy_unlock_meta().
 */
/* lockorder: toy_sb.s_rename_lock -> toy_inode.io_lock */
/* lockorder: this is not -> */ /* expect: annotation-mismatch */

struct mutex;
struct toy_inode { struct mutex io_lock; struct mutex meta_lock; };
struct toy_sb { struct mutex s_rename_lock; };

/* follows both declared orders */
static void toy_rename_ok(struct toy_sb *sb, struct toy_inode *ti)
{
	mutex_lock(&sb->s_rename_lock);
	mutex_lock(&ti->io_lock);
	toy_lock_meta(ti);
	toy_update(ti);
	toy_unlock_meta(ti);
	mutex_unlock(&ti->io_lock);
	mutex_unlock(&sb->s_rename_lock);
}

/* takes io_lock while holding meta_lock (taken through the project helper): against .lockorder */
static void toy_writeback_bad(struct toy_inode *ti)
{
	toy_lock_meta(ti);
	mutex_lock(&ti->io_lock); /* expect: order-violation */
	toy_update(ti);
	mutex_unlock(&ti->io_lock);
	toy_unlock_meta(ti);
}

/* takes the rename lock inside io_lock: against the source comment */
static void toy_rename_bad(struct toy_sb *sb, struct toy_inode *ti)
{
	mutex_lock(&ti->io_lock);
	mutex_lock(&sb->s_rename_lock); /* expect: order-violation */
	toy_update(ti);
	mutex_unlock(&sb->s_rename_lock);
	mutex_unlock(&ti->io_lock);
}

/* a trylock against the order never waits: fine */
static void toy_writeback_try(struct toy_inode *ti)
{
	toy_lock_meta(ti);
	if (mutex_trylock(&ti->io_lock)) {
		toy_update(ti);
		mutex_unlock(&ti->io_lock);
	}
	toy_unlock_meta(ti);
}
