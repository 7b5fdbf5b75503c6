/*
 * Lock state a caller can only follow through values, modelled on Linux 6.12
 * fs/ (correct code, quiet), each next to the same shape with a real leak
 * (flagged):
 *  - a helper that locks two directories unless it returns ERR_PTR, dropping
 *    the caller's rename mutex then (namei.c lock_two_directories() under
 *    lock_rename_child()): the caller splits on the return value;
 *  - a status compared with a zero constant (`if (ret != nfs_ok)
 *    mutex_unlock()`, nfsd4_lock_ol_stateid());
 *  - lock_two_nondirectories() with a target that may be NULL (vfs_rename());
 *  - a locked buffer passed by reference to a function that may replace it
 *    (btrfs balance_level() and btrfs_cow_block(..., &left));
 *  - the locked object's pointer copied into another local that unlocks it
 *    or is returned (orangefs_devreq_read()'s `cur_op = op; break;`,
 *    bcachefs writepoint_find()'s `wp = oldest; return wp;`).
 */
struct mutex;
struct rw_semaphore;
struct spinlock;
struct rs_sb { struct mutex rename_mutex; };
struct rs_inode { struct rw_semaphore i_rwsem; };
struct rs_dentry { struct rs_dentry *d_parent; struct rs_inode *d_inode; struct rs_sb *d_sb; };
struct rs_stateid { struct mutex st_mutex; int st_type; };
struct rs_buf { struct mutex lock; int nritems; };
struct rs_op { struct spinlock lock; struct rs_op *next; int state; };

/* 1. both parents locked unless it returns an error; the caller's rename mutex dropped then */
static struct rs_dentry *rs_lock_two_dirs(struct rs_dentry *p1, struct rs_dentry *p2)
{
	struct rs_dentry *p = rs_ancestor(p2, p1);

	if (p) {
		inode_lock_nested(p2->d_inode, 1);
		inode_lock_nested(p1->d_inode, 2);
		return p;
	}
	if (rs_unrelated(p1, p2)) {
		mutex_unlock(&p1->d_sb->rename_mutex);
		return ERR_PTR(-EXDEV);
	}
	inode_lock_nested(p1->d_inode, 1);
	inode_lock_nested(p2->d_inode, 2);
	return NULL;
}

/* returns NULL with p2 locked, or what rs_lock_two_dirs() returns */
struct rs_dentry *rs_lock_rename_child(struct rs_dentry *c1, struct rs_dentry *p2)
{
	if (READ_ONCE(c1->d_parent) == p2) {
		inode_lock_nested(p2->d_inode, 1);
		if (rs_still_child(c1, p2))
			return NULL;
		inode_unlock(p2->d_inode);
	}
	mutex_lock(&c1->d_sb->rename_mutex);
	if (c1->d_parent != p2)
		return rs_lock_two_dirs(c1->d_parent, p2);
	inode_lock_nested(p2->d_inode, 1);
	return NULL;
}

/* a caller that forgets the parents on an error after locking them */
int rs_rename_leaky(struct rs_dentry *c1, struct rs_dentry *p2)
{
	struct rs_dentry *trap;

	trap = rs_lock_two_dirs(c1, p2);
	if (IS_ERR(trap))
		return PTR_ERR(trap);
	if (rs_busy(c1))
		return -EBUSY; /* expect: lock-leak, lock-leak */
	inode_unlock(c1->d_inode);
	inode_unlock(p2->d_inode);
	mutex_unlock(&c1->d_sb->rename_mutex);
	return 0;
}

/* 2. held exactly when it returns nfs_ok (zero) */
static __be32 rs_lock_stateid(struct rs_stateid *stp)
{
	__be32 ret;

	mutex_lock_nested(&stp->st_mutex, 1);
	ret = rs_verify(stp);
	if (ret != nfs_ok)
		mutex_unlock(&stp->st_mutex);
	return ret;
}

/* the same, compared with a constant the analysis cannot evaluate: still a leak on one value */
static int rs_lock_stateid_leaky(struct rs_stateid *stp)
{
	int ret;

	mutex_lock(&stp->st_mutex);
	ret = rs_verify(stp);
	if (ret == RS_REVOKED) {
		mutex_unlock(&stp->st_mutex);
		return 0;
	}
	return 0; /* expect: lock-leak */
}

/* 3. the target may not exist: nothing is locked for it */
int rs_rename(struct rs_inode *source, struct rs_dentry *new_dentry)
{
	struct rs_inode *target = new_dentry->d_inode;
	int error;

	lock_two_nondirectories(source, target);
	error = -EPERM;
	if (rs_swapfile(source) || (target && rs_swapfile(target)))
		goto out;
	error = rs_do_rename(source, target);
out:
	inode_unlock(source);
	if (target)
		inode_unlock(target);
	return error;
}

/* a target that is never NULL here, unlocked only on success */
int rs_exchange_leaky(struct rs_inode *source, struct rs_inode *target)
{
	lock_two_nondirectories(source, target);
	if (rs_swapfile(source)) {
		inode_unlock(source);
		return -EPERM; /* expect: lock-leak */
	}
	inode_unlock(source);
	inode_unlock(target);
	return 0;
}

/* 4. a locked buffer passed by reference comes back locked (maybe another copy of it) */
int rs_balance(struct rs_buf *parent, int slot)
{
	struct rs_buf *left = NULL;
	int ret = 0;

	if (slot) {
		left = rs_read_slot(parent, slot - 1);
		if (IS_ERR(left)) {
			ret = PTR_ERR(left);
			left = NULL;
			goto out;
		}
		mutex_lock(&left->lock);
		ret = rs_cow_block(parent, left, &left);
		if (ret)
			goto out;
	}
	ret = rs_push(parent, left);
out:
	if (left)
		mutex_unlock(&left->lock);
	return ret;
}

/* the same, but the error path jumps past the unlock */
int rs_balance_leaky(struct rs_buf *parent, int slot)
{
	struct rs_buf *left = NULL;
	int ret = 0;

	if (slot) {
		left = rs_read_slot(parent, slot - 1);
		if (IS_ERR(left))
			return PTR_ERR(left);
		mutex_lock(&left->lock);
		ret = rs_cow_block(parent, left, &left);
		if (ret)
			return ret; /* expect: lock-leak */
	}
	ret = rs_push(parent, left);
	if (left)
		mutex_unlock(&left->lock);
	return ret;
}

/* 5. the lock is held past the loop through a copy of the cursor */
int rs_read_op(struct rs_op *head, char *buf)
{
	struct rs_op *op, *cur_op;

	cur_op = NULL;
	for (op = head->next; op != head; op = op->next) {
		spin_lock(&op->lock);
		if (rs_given_up(op)) {
			spin_unlock(&op->lock);
			continue;
		}
		cur_op = op;
		break;
	}
	if (!cur_op)
		return -EAGAIN;
	cur_op->state = 1;
	spin_unlock(&cur_op->lock);
	return copy_to_user(buf, &cur_op->state, sizeof(int));
}

/* returned through the copy: the caller unlocks it */
struct rs_op *rs_pick_op(struct rs_op *ops, int n)
{
	struct rs_op *wp, *oldest;

	wp = rs_find(ops, n);
	if (wp) {
		spin_lock(&wp->lock);
		return wp;
	}
	oldest = &ops[0];
	spin_lock(&oldest->lock);
	if (rs_busy(oldest)) {
		spin_unlock(&oldest->lock);
		return NULL;
	}
	wp = oldest;
	wp->state = 2;
	return wp;
}

/* the copy is reassigned before the unlock: the lock is leaked, not released */
int rs_read_op_leaky(struct rs_op *head, char *buf)
{
	struct rs_op *op, *cur_op;

	cur_op = NULL;
	for (op = head->next; op != head; op = op->next) {
		spin_lock(&op->lock);
		if (rs_given_up(op)) {
			spin_unlock(&op->lock);
			continue;
		}
		cur_op = op;
		break;
	}
	if (!cur_op)
		return -EAGAIN;
	cur_op = head;
	spin_unlock(&cur_op->lock);
	return copy_to_user(buf, &op->state, sizeof(int)); /* expect: sleep-in-atomic */
}
