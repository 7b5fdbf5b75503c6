/*
 * clusterfs (ocfs2-like): releasing a dquot writes it back in a transaction
 * started under the dquot's dq_lock (ocfs2_release_dquot(): dq_lock, then
 * ocfs2_start_trans()). With blockfs that is no cycle (see block_ioctl.c). But
 * clusterfs also looks a dquot up inside its own transaction, and that is
 * the reverse order on the same super_block's dquots and journal: a real
 * ABBA, still reported.
 */
struct mutex;
struct super_block;
struct dquot {
	struct mutex dq_lock;
	struct super_block *dq_sb;
	int dq_id;
};
typedef struct journal_s journal_t;
typedef struct handle_s handle_t;
struct cluster_journal {
	journal_t *j_journal;
};

/* ocfs2_start_trans(): returns holding a jbd2 handle */
handle_t *cluster_start_trans(struct cluster_journal *cj, int credits)
{
	return jbd2_journal_start(cj->j_journal, credits);
}

void cluster_commit_trans(struct cluster_journal *cj, handle_t *handle)
{
	jbd2_journal_stop(handle);
}

int cluster_release_dquot(struct cluster_journal *cj, struct dquot *dquot)
{
	handle_t *handle;

	mutex_lock(&dquot->dq_lock);
	handle = cluster_start_trans(cj, 2); /* expect: order-cycle */
	if (IS_ERR(handle)) {
		mutex_unlock(&dquot->dq_lock);
		return PTR_ERR(handle);
	}
	cluster_write_dquot(dquot);
	cluster_commit_trans(cj, handle);
	mutex_unlock(&dquot->dq_lock);
	return 0;
}

/* a dquot looked up inside clusterfs's own transaction: against cluster_release_dquot() */
int cluster_set_project(struct cluster_journal *cj, struct super_block *sb, int projid)
{
	handle_t *handle;
	struct dquot *dq;

	handle = jbd2_journal_start(cj->j_journal, 4);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	dq = toy_dqget(sb, projid);
	cluster_transfer(sb, dq);
	jbd2_journal_stop(handle);
	return 0;
}
