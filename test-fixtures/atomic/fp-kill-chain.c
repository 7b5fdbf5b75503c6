/*
 * Killing a chain of nodes: toy_node_kill() always drops the node's lock and
 * returns the parent locked when it was the last reference (else NULL), so its
 * callers cannot tell from the return value alone what it holds; what it
 * drops it drops on every path. toy_kill_chain() walks up with the same
 * variable, so the caller's node is released on the first step even though
 * the variable names a parent afterwards. The callers' cond_resched() runs
 * with nothing held: quiet.
 *
 * Flagged twin: toy_kill_chain_busy() returns early, still holding the
 * caller's lock, for a busy node; its caller then reschedules under it.
 */
struct spinlock;
struct toy_node { spinlock_t lock; struct toy_node *up; int refs; };

bool toy_node_lockable(struct toy_node *node);
void toy_node_free(struct toy_node *node);

static struct toy_node *toy_node_kill(struct toy_node *node)
{
	struct toy_node *up = NULL;

	spin_unlock(&node->lock);
	toy_node_free(node);
	if (!node->up)
		return NULL;
	up = node->up;
	spin_lock(&up->lock);
	if (--up->refs) {
		spin_unlock(&up->lock);
		return NULL;
	}
	return up;
}

void toy_prune_one(struct toy_node *n)
{
	struct toy_node *up;

	spin_lock(&n->lock);
	up = toy_node_kill(n);
	if (up)
		spin_unlock(&up->lock);
	cond_resched();
}

static void toy_kill_chain(struct toy_node *victim)
{
	do {
		victim = toy_node_kill(victim);
	} while (victim && toy_node_lockable(victim));
	if (victim)
		spin_unlock(&victim->lock);
}

void toy_prune(struct toy_node *n)
{
	for (;;) {
		cond_resched();
		if (!n->refs)
			break;
		spin_lock(&n->lock);
		toy_kill_chain(n);
	}
}

static void toy_kill_chain_busy(struct toy_node *victim)
{
	if (victim->refs)
		return;
	do {
		victim = toy_node_kill(victim);
	} while (victim && toy_node_lockable(victim));
	if (victim)
		spin_unlock(&victim->lock);
}

void toy_prune_busy(struct toy_node *n)
{
	for (;;) {
		cond_resched(); /* expect: sleep-in-atomic */
		if (!n->refs)
			break;
		spin_lock(&n->lock);
		toy_kill_chain_busy(n);
	}
}
