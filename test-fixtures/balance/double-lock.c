/*
 * Taking a lock this path already holds. Mutexes and spinlocks do not
 * recurse; a second down_read() deadlocks once a writer queues between the
 * two; a second holder on a glock the task holds is a recursive request.
 */
struct mutex;
struct rw_semaphore;
struct gfs2_glock;
struct gfs2_holder { struct gfs2_glock *gh_gl; };
struct inode { struct rw_semaphore i_rwsem; };
struct gfs2_inode { struct inode i_inode; struct gfs2_glock *i_gl; };
struct toy_sb { struct mutex s_mutex; struct rw_semaphore s_meta; int dirty; };

static void toy_sync_helper(struct toy_sb *sb)
{
	mutex_lock(&sb->s_mutex);
	sb->dirty = 0;
	mutex_unlock(&sb->s_mutex);
}

static void toy_mutex_twice(struct toy_sb *sb, int force)
{
	mutex_lock(&sb->s_mutex);
	if (force)
		mutex_lock(&sb->s_mutex); /* expect: double-lock */
	sb->dirty = 1;
	mutex_unlock(&sb->s_mutex);
}

/* the second acquisition hides in a callee */
static void toy_mutex_via_callee(struct toy_sb *sb)
{
	mutex_lock(&sb->s_mutex);
	toy_sync_helper(sb); /* expect: double-lock */
	mutex_unlock(&sb->s_mutex);
}

static void toy_mutex_via_callee_fixed(struct toy_sb *sb)
{
	toy_sync_helper(sb);
	mutex_lock(&sb->s_mutex);
	sb->dirty = 2;
	mutex_unlock(&sb->s_mutex);
}

static int toy_read_meta(struct toy_sb *sb)
{
	int v;

	down_read(&sb->s_meta);
	v = sb->dirty;
	down_read(&sb->s_meta); /* expect: double-lock */
	v += sb->dirty;
	up_read(&sb->s_meta);
	up_read(&sb->s_meta);
	return v;
}

static int toy_read_meta_fixed(struct toy_sb *sb)
{
	int v;

	down_read(&sb->s_meta);
	v = sb->dirty;
	v += sb->dirty;
	up_read(&sb->s_meta);
	return v;
}

static int toy_glock_recursive(struct gfs2_inode *ip)
{
	struct gfs2_holder gh, gh2;
	int error;

	error = gfs2_glock_nq_init(ip->i_gl, LM_ST_SHARED, 0, &gh);
	if (error)
		return error;
	error = gfs2_glock_nq_init(ip->i_gl, LM_ST_EXCLUSIVE, 0, &gh2); /* expect: double-lock */
	if (!error) {
		toy_write_inode(ip);
		gfs2_glock_dq_uninit(&gh2);
	}
	gfs2_glock_dq_uninit(&gh);
	return error;
}

static int toy_glock_fixed(struct gfs2_inode *ip)
{
	struct gfs2_holder gh;
	int error;

	error = gfs2_glock_nq_init(ip->i_gl, LM_ST_EXCLUSIVE, 0, &gh);
	if (error)
		return error;
	toy_write_inode(ip);
	gfs2_glock_dq_uninit(&gh);
	return 0;
}

/* a lock per array element, taken in a loop: different instances, quiet */
static void toy_lock_all(struct toy_sb **sbs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		mutex_lock(&sbs[i]->s_mutex);
	for (i = 0; i < n; i++)
		mutex_unlock(&sbs[i]->s_mutex);
}
