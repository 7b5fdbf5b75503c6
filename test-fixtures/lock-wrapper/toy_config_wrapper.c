/*
 * The same shape with a wrapper declared in .lockorder (lock-wrapper toy_sem m):
 * the mutex inside a struct toy_sem is classed by the field that holds it.
 */
struct mutex { long owner; };
struct toy_sem {
	struct mutex m;
};
struct toy_dev {
	struct toy_sem open_sem;
	struct toy_sem io_sem;
	struct toy_sem reset_sem;
	struct mutex table_lock;
};

static void toy_sem_lock(struct toy_sem *s)
{
	mutex_lock(&s->m);
}

static void toy_sem_unlock(struct toy_sem *s)
{
	mutex_unlock(&s->m);
}

/* open_sem, then table_lock */
void toy_open(struct toy_dev *dev)
{
	toy_sem_lock(&dev->open_sem);
	mutex_lock(&dev->table_lock);
	toy_table_add(dev);
	mutex_unlock(&dev->table_lock);
	toy_sem_unlock(&dev->open_sem);
}

/* table_lock, then io_sem: no cycle with toy_open() */
void toy_submit(struct toy_dev *dev)
{
	mutex_lock(&dev->table_lock);
	toy_sem_lock(&dev->io_sem);
	toy_table_io(dev);
	toy_sem_unlock(&dev->io_sem);
	mutex_unlock(&dev->table_lock);
}

/* reset_sem, then table_lock ... */
void toy_reset(struct toy_dev *dev)
{
	toy_sem_lock(&dev->reset_sem);
	mutex_lock(&dev->table_lock); /* expect: order-cycle */
	toy_table_clear(dev);
	mutex_unlock(&dev->table_lock);
	toy_sem_unlock(&dev->reset_sem);
}

/* ... and table_lock, then reset_sem: a real ABBA */
void toy_shrink(struct toy_dev *dev)
{
	mutex_lock(&dev->table_lock);
	toy_sem_lock(&dev->reset_sem);
	toy_table_shrink(dev);
	toy_sem_unlock(&dev->reset_sem);
	mutex_unlock(&dev->table_lock);
}
