/*
 * Quota core (generic, like fs/quota/dquot.c): it runs on every
 * filesystem's dquots. A dquot belongs to one super_block (dquot->dq_sb,
 * looked up by (sb, id)), and dqget() reads it in under its dq_lock.
 */
struct mutex;
struct super_block;
struct dquot {
	struct mutex dq_lock;
	struct super_block *dq_sb;
	int dq_id;
};

/* dqget(): find or allocate the dquot of (sb, id), then wait_on_dquot() */
struct dquot *toy_dqget(struct super_block *sb, int id)
{
	struct dquot *dquot = toy_find_dquot(sb, id);

	mutex_lock(&dquot->dq_lock);
	mutex_unlock(&dquot->dq_lock);
	return dquot;
}
