/*
 * A static helper declared __must_hold(RCU) that takes rcu_read_lock() itself
 * and, after its own rcu_read_unlock(), drops a reference whose last put
 * sleeps. Its only caller does not hold RCU: the annotation is wrong, the
 * helper runs in process context there and may sleep. Quiet.
 *
 * The flagged twin has the same helper, but one of its callers does call it
 * inside rcu_read_lock(): then the put after the helper's own unlock sleeps
 * inside the caller's RCU read-side section.
 */
struct toy_client { struct list_head servers; };
struct toy_server { struct list_head link; struct toy_super *super; int id; };
struct toy_super { struct rw_semaphore umount; int active; };

static void toy_super_put(struct toy_super *sb)
{
	if (--sb->active == 0) {
		down_write(&sb->umount);
		sb->active = -1;
		up_write(&sb->umount);
	}
}

static struct toy_super *toy_find_super(struct toy_client *clp, int id)
	__must_hold(RCU)
{
	struct toy_server *server;

	rcu_read_lock();
	list_for_each_entry_rcu(server, &clp->servers, link) {
		if (server->id != id)
			continue;
		rcu_read_unlock();
		if (server->super->active < 0) {
			toy_super_put(server->super);
			return NULL;
		}
		return server->super;
	}
	rcu_read_unlock();
	return NULL;
}

int toy_lookup(struct toy_client *clp, int id)
{
	return toy_find_super(clp, id) ? 0 : -ENOENT;
}

static struct toy_super *toy_find_super2(struct toy_client *clp, int id)
	__must_hold(RCU)
{
	struct toy_server *server;

	rcu_read_lock();
	list_for_each_entry_rcu(server, &clp->servers, link) {
		if (server->id != id)
			continue;
		rcu_read_unlock();
		if (server->super->active < 0) {
			toy_super_put(server->super); /* expect: sleep-in-atomic */
			return NULL;
		}
		return server->super;
	}
	rcu_read_unlock();
	return NULL;
}

int toy_lookup2(struct toy_client *clp, int id)
{
	return toy_find_super2(clp, id) ? 0 : -ENOENT;
}

int toy_lookup2_rcu(struct toy_client *clp, int id)
{
	struct toy_super *sb;

	rcu_read_lock();
	sb = toy_find_super2(clp, id); /* expect: sleep-in-atomic */
	rcu_read_unlock();
	return sb ? 0 : -ENOENT;
}
