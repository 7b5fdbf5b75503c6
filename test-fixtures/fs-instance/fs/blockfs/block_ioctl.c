/*
 * blockfs (ext4-like): setting a project id looks the new dquot up inside a
 * running transaction (ext4_ioctl_setproject(): ext4_journal_start(), then
 * dqget()): jbd2_handle, then dq_lock, both of an blockfs instance. clusterfs
 * takes the two the other way round on its own dquots and its own journal:
 * no instance is shared, so no cycle. lockdep (6.12) keys jbd2_handle per
 * journal; a dquot is one super_block's.
 */
struct super_block;
struct dquot;
typedef struct journal_s journal_t;
typedef struct handle_s handle_t;

int block_set_project(struct super_block *sb, journal_t *journal, int projid)
{
	handle_t *handle;
	struct dquot *dq;

	handle = jbd2_journal_start(journal, 4);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	dq = toy_dqget(sb, projid);
	block_transfer(sb, dq);
	jbd2_journal_stop(handle);
	return 0;
}
