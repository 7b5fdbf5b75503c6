/* An ABBA between two plain mutexes, split across two files: this file takes
 * dev_lock then table_lock. */
static DEFINE_MUTEX(toy_dev_lock);
extern struct mutex toy_table_lock;

int toy_register(struct toy_dev *dev)
{
	mutex_lock(&toy_dev_lock);
	mutex_lock(&toy_table_lock); /* expect: order-cycle sim=confirmed */
	toy_table_insert(dev);
	mutex_unlock(&toy_table_lock);
	mutex_unlock(&toy_dev_lock);
	return 0;
}

/* the same order as toy_register: fine */
int toy_rename(struct toy_dev *dev, const char *name)
{
	mutex_lock(&toy_dev_lock);
	mutex_lock(&toy_table_lock);
	toy_table_rename(dev, name);
	mutex_unlock(&toy_table_lock);
	mutex_unlock(&toy_dev_lock);
	return 0;
}
