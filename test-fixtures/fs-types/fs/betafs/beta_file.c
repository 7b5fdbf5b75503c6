/*
 * betafs takes toy_registry_lock inside its own mapping's invalidate_lock:
 * by class name the reverse of alpha_register_mapping(), but lockdep gives
 * each filesystem type its own invalidate_lock class
 * (file_system_type.invalidate_lock_key, set in inode_init_always()). An
 * alphafs mapping and a betafs mapping are never the same lock, so the two
 * orders do not close a cycle, and lockdep would not report one.
 */
struct mutex;
struct address_space;
extern struct mutex toy_registry_lock;

void beta_evict_mapping(struct address_space *mapping)
{
	filemap_invalidate_lock(mapping);
	mutex_lock(&toy_registry_lock);
	beta_untrack(mapping);
	mutex_unlock(&toy_registry_lock);
	filemap_invalidate_unlock(mapping);
}
