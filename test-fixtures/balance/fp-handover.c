/*
 * False-positive classes found on Linux fs/, as small original code: each
 * function here is correct and must stay quiet.
 */
struct spinlock;
struct mutex;
struct rw_semaphore;
struct vfsmount;
struct inode { struct rw_semaphore i_rwsem; };
struct dentry { struct inode *d_inode; };
struct fp_owner { struct spinlock lock; int busy; };
struct fp_item { struct fp_owner *owner; int state; };
struct fp_table { struct spinlock lock; int waiting; };
struct fp_req { struct fp_table *tab; bool took_lock; };
struct fp_trans { bool holding; struct mutex *m; };

static struct spinlock fp_hash_lock;

/* 1. a wait helper drops the caller's lock (only if the caller says it holds it) and retakes it */
static void fp_wait_unlocked(struct fp_item *it, bool hash_locked)
{
	spin_unlock(&it->owner->lock);
	if (hash_locked)
		spin_unlock(&fp_hash_lock);
	fp_schedule();
	if (hash_locked)
		spin_lock(&fp_hash_lock);
}

static struct fp_item *fp_find(struct fp_table *t, int key, bool hash_locked)
{
	struct fp_item *it;

	if (hash_locked)
		lockdep_assert_held(&fp_hash_lock);
repeat:
	it = fp_lookup(t, key);
	if (!it)
		return NULL;
	spin_lock(&it->owner->lock);
	if (it->state) {
		fp_wait_unlocked(it, hash_locked);
		goto repeat;
	}
	spin_unlock(&it->owner->lock);
	return it;
}

static struct fp_item *fp_find_locked(struct fp_table *t, int key)
{
	struct fp_item *it;

	spin_lock(&fp_hash_lock);
	it = fp_find(t, key, true);
	spin_unlock(&fp_hash_lock);
	return it;
}

/* 2. a helper releases the lock through another path to the same object */
static void fp_drop_item(struct fp_item *it)
	__releases(&it->owner->lock)
{
	it->state = 0;
	spin_unlock(&it->owner->lock);
}

static int fp_free_item(struct fp_owner *own, struct fp_item *it)
{
	struct fp_owner *o = own;

	spin_lock(&o->lock);
	if (it->state == 2) {
		fp_drop_item(it);
		return -ESTALE;
	}
	spin_unlock(&o->lock);
	return 0;
}

/* 3. a lock-taking helper that takes one lock or another and returns holding it */
static int fp_lock_for(struct inode *inode, struct rw_semaphore *alloc_sem, int ex)
{
	int status = fp_cluster_lock(inode, ex);

	if (status < 0)
		return status;
	if (ex) {
		inode_lock(inode);
		down_write(alloc_sem);
	} else {
		down_read(alloc_sem);
	}
	return 0;
}

/* 4. a try-result kept as a negated flag */
static int fp_open_last(struct vfsmount *mnt, struct inode *dir, int flags)
{
	bool got_write = false;
	int err;

	if (flags & O_CREAT)
		got_write = !mnt_want_write(mnt);
	inode_lock(dir);
	err = fp_lookup_open(dir, got_write);
	inode_unlock(dir);
	if (got_write)
		mnt_drop_write(mnt);
	return err;
}

/* 5. the result goes to the caller with the parent locked; error paths unlock */
static struct dentry *fp_path_create(struct dentry *parent, const char *name)
{
	struct dentry *dent;

	inode_lock_nested(parent->d_inode, I_MUTEX_PARENT);
	dent = fp_lookup_one(parent, name);
	if (IS_ERR(dent))
		inode_unlock(parent->d_inode);
	return dent;
}

/* 6. whether the lock is held is recorded in a field and tested at the exit */
static int fp_remove(struct fp_trans *trans, int n)
{
	int ret = 0;

	mutex_lock(trans->m);
	trans->holding = true;
	ret = fp_step(trans, n);
	if (ret)
		goto out;
	mutex_unlock(trans->m);
	trans->holding = false;
	ret = fp_finish(trans);
out:
	if (trans->holding) {
		mutex_unlock(trans->m);
		trans->holding = false;
	}
	return ret;
}

/* 7. flag tests on one word imply each other */
static void fp_mark(struct fp_table *t, struct mutex *m, unsigned int flags)
{
	if (!(flags & (FP_SCANNING | FP_BUILDING)))
		mutex_lock(m);
	spin_lock(&t->lock);
	t->waiting++;
	if (flags & FP_SCANNING) {
		spin_unlock(&t->lock);
		return;	/* the mutex was not taken */
	}
	spin_unlock(&t->lock);
	if (flags & FP_BUILDING)
		return;	/* nor here */
	mutex_unlock(m);
}

/* 8. the lock is handed to an object; its destructor releases it */
static void fp_req_free(struct fp_req *req)
{
	if (req->took_lock)
		spin_unlock(&req->tab->lock);
	fp_kfree(req);
}

static struct fp_req *fp_req_start(struct fp_table *t)
{
	struct fp_req *req = fp_alloc();
	int ret;

	if (!req)
		return ERR_PTR(-ENOMEM);
	req->tab = t;
	if (!spin_trylock(&t->lock)) {
		ret = fp_slow_path(t);
		if (ret) {
			fp_kfree(req);
			return ERR_PTR(ret);
		}
		spin_lock(&t->lock);
	}
	req->took_lock = true;
	ret = fp_reserve(req);
	if (ret)
		goto err;
	return req;
err:
	fp_req_free(req);
	return ERR_PTR(ret);
}

/* 9. a trylock whose result goes to the caller through a flags word */
static int fp_try_both(struct inode *inode, struct rw_semaphore *sem, unsigned int *lockflags)
{
	if (!(*lockflags & FP_IOLOCK) && !inode_trylock(inode))
		return -EAGAIN;
	*lockflags |= FP_IOLOCK;
	if (!down_write_trylock(sem))
		return -EAGAIN;
	*lockflags |= FP_SEMLOCK;
	return 0;
}
