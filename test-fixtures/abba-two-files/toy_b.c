/* ... and this file takes table_lock then dev_lock. */
DEFINE_MUTEX(toy_table_lock);
extern struct mutex toy_dev_lock;

void toy_table_gc(void)
{
	mutex_lock(&toy_table_lock);
	if (toy_table_has_stale()) {
		mutex_lock(&toy_dev_lock);
		toy_table_drop_stale();
		mutex_unlock(&toy_dev_lock);
	}
	mutex_unlock(&toy_table_lock);
}

/* trylock in the inverted order never waits: no deadlock */
void toy_table_gc_try(void)
{
	mutex_lock(&toy_table_lock);
	if (mutex_trylock(&toy_dev_lock)) {
		toy_table_drop_stale();
		mutex_unlock(&toy_dev_lock);
	}
	mutex_unlock(&toy_table_lock);
}
