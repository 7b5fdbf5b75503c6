/*
 * A lock that lockdep_set_class() gives its own key keeps that class when a
 * helper takes it through its parameter. btrfs keys the inode's file extent
 * tree (file_extent_tree_class) apart from its io tree, and
 * btrfs_inode_safe_disk_i_size_write() searches the file extent tree, whose
 * helper takes `$0->lock`, under the inode's spinlock, while the io tree's
 * lock is held around the inode's spinlock elsewhere. Only the io tree's
 * class (and any other unkeyed tree's) is ordered before the inode lock.
 * Quiet: the keyed tree reached through a helper. Flagged: the same shape
 * through a tree field nothing gives a key.
 */
struct kcl_tree { spinlock_t lock; unsigned long bits; };
struct kcl_inode {
	spinlock_t lock;
	spinlock_t log_lock;
	unsigned long size;
	unsigned long log_size;
	struct kcl_tree io_tree;
	struct kcl_tree *file_tree;
	struct kcl_tree *log_tree;
};

static struct lock_class_key kcl_file_tree_class;

static int kcl_init_file_tree(struct kcl_inode *inode)
{
	inode->file_tree = kmalloc(sizeof(struct kcl_tree), GFP_KERNEL);
	if (!inode->file_tree)
		return -ENOMEM;
	spin_lock_init(&inode->file_tree->lock);
	lockdep_set_class(&inode->file_tree->lock, &kcl_file_tree_class);
	return 0;
}

static int kcl_tree_find(struct kcl_tree *tree, unsigned long *out)
{
	int ret;

	spin_lock(&tree->lock);
	*out = tree->bits;
	ret = tree->bits ? 0 : 1;
	spin_unlock(&tree->lock);
	return ret;
}

/* the io tree's lock, then the inode's: kcl_tree.lock -> kcl_inode.lock, kcl_inode.log_lock */
static void kcl_set_delalloc(struct kcl_inode *inode, unsigned long bits)
{
	spin_lock(&inode->io_tree.lock);
	inode->io_tree.bits |= bits;
	spin_lock(&inode->lock);
	inode->size += 1;
	spin_unlock(&inode->lock);
	spin_lock(&inode->log_lock); /* expect: order-cycle (with kcl_log_size_write) */
	inode->log_size += 1;
	spin_unlock(&inode->log_lock);
	spin_unlock(&inode->io_tree.lock);
}

/* quiet: the file tree's lock has its own class */
static void kcl_safe_size_write(struct kcl_inode *inode)
{
	unsigned long end;

	spin_lock(&inode->lock);
	if (inode->file_tree && !kcl_tree_find(inode->file_tree, &end))
		inode->size = end;
	spin_unlock(&inode->lock);
}

/* flagged: the log tree's lock is any tree's class */
static void kcl_log_size_write(struct kcl_inode *inode)
{
	unsigned long end;

	spin_lock(&inode->log_lock);
	if (inode->log_tree && !kcl_tree_find(inode->log_tree, &end))
		inode->log_size = end;
	spin_unlock(&inode->log_lock);
}
