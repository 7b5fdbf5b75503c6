/*
 * Two pointers compared before a lock is handed from one object to the other
 * (the shape of a rename between two directories that may be the same one:
 * lock the source, and when the target differs drop the source and lock the
 * target; the target's unlock at the end releases whichever is held).
 * Quiet: where the test found the pointers equal, the lock taken through one
 * is the lock released through the other; and a copy of a field that is
 * stored to afterwards is not named through that field (a reparenting that
 * compares a node with its old parent).
 * Flagged: the same shape where the equality is not known at the unlock (a
 * third pointer compared, one side reassigned or its address passed on after
 * the test), or where the unequal path forgets to drop the first lock.
 */
struct rw_semaphore;
struct pe_dir {
	struct rw_semaphore sem;
	unsigned long flags;
};
struct pe_op {
	struct pe_dir *src;
	struct pe_dir *dst;
	struct pe_dir *aux;
};

/* locals copied from fields, the test written as `!=` */
static void pe_move(struct pe_op *op)
{
	struct pe_dir *from = op->src;
	struct pe_dir *to = op->dst;

	down_write(&from->sem);
	pe_remove(from);
	if (to != from) {
		up_write(&from->sem);
		down_write(&to->sem);
	}
	pe_add(to);
	if (pe_busy(op))
		pe_note(op);
	up_write(&to->sem);
}

/* parameters, the test written as `==` with the branches swapped */
static int pe_link(struct pe_dir *a, struct pe_dir *b)
{
	int err;

	down_write(&a->sem);
	err = pe_check(a);
	if (a == b) {
		pe_add(b);
	} else {
		up_write(&a->sem);
		down_write(&b->sem);
		pe_add(b);
	}
	up_write(&b->sem);
	return err;
}

/* the test compares the source with a third pointer: the target's unlock may miss the source's lock */
static void pe_move_other(struct pe_op *op)
{
	struct pe_dir *from = op->src;
	struct pe_dir *to = op->dst;
	struct pe_dir *aux = op->aux;

	down_write(&from->sem);
	pe_remove(from);
	if (aux != from) {
		up_write(&from->sem);
		down_write(&to->sem);
	}
	pe_add(to);
	up_write(&to->sem);
} /* expect: lock-leak */

/* the unequal path keeps the source locked as well */
static void pe_move_forget(struct pe_dir *from, struct pe_dir *to)
{
	down_write(&from->sem);
	pe_remove(from);
	if (to != from)
		down_write(&to->sem);
	pe_add(to);
	up_write(&to->sem);
} /* expect: lock-leak */

/* the target is looked up again after the test: on the equal path it may be another directory now */
static void pe_move_again(struct pe_dir *from, struct pe_dir *to)
{
	down_write(&from->sem);
	pe_remove(from);
	if (to != from) {
		up_write(&from->sem);
		down_write(&to->sem);
	} else if (pe_busy_dir(to)) {
		to = pe_lookup(from);
	}
	pe_add(to);
	up_write(&to->sem);
} /* expect: lock-leak */

/* the target's address is handed to a call after the test: it may point elsewhere afterwards */
static void pe_move_swap(struct pe_dir *from, struct pe_dir *to)
{
	down_write(&from->sem);
	pe_remove(from);
	if (to != from) {
		up_write(&from->sem);
		down_write(&to->sem);
	}
	pe_swap(&to);
	pe_add(to);
	up_write(&to->sem);
} /* expect: lock-leak */

/* a second lock taken only when the pointers differ, the later test written the other way round */
static void pe_pair(struct pe_dir *a, struct pe_dir *b)
{
	down_write(&a->sem);
	if (a != b)
		down_write_nested(&b->sem, 1);
	pe_add(b);
	if (b != a)
		up_write(&b->sem);
	up_write(&a->sem);
}

/* copies of fields compared, the unequal path jumping over a hand-over written with goto */
static int pe_count_ops(struct pe_op *op)
{
	struct pe_dir *x = op->src;
	struct pe_dir *y = op->dst;
	int n;

	down_write(&x->sem);
	n = pe_count(x);
	if (x == y)
		goto same;
	up_write(&x->sem);
	down_write(&y->sem);
same:
	n += pe_count(y);
	up_write(&y->sem);
	return n;
}

struct spinlock;
struct pe_node {
	struct spinlock lock;
	struct pe_node *parent;
	int count;
};

/*
 * the parent pointer is stored after it was copied: the copy's name through the field
 * (`old` is `n->parent`) no longer means the copy, so `n == old` gives the node's lock no such name
 */
static void pe_reparent(struct pe_node *n, struct pe_node *to)
{
	struct pe_node *old = n->parent;

	spin_lock(&to->parent->lock);
	if (n != old)
		spin_lock_nested(&old->lock, 1);
	spin_lock_nested(&n->lock, 2);
	n->parent = to->parent;
	if (n != old)
		old->count--;
	if (n->parent != old)
		spin_unlock(&n->parent->lock);
	if (n != old)
		spin_unlock(&old->lock);
	spin_unlock(&n->lock);
}
