/*
 * Freeze levels. The freezer takes a super_block's three freeze levels for
 * write one at a time (sb_wait_write(sb, SB_FREEZE_WRITE / _PAGEFAULT / _FS):
 * percpu_down_write(sb->s_writers.rw_sem + level-1)), and drops every level
 * below the one it names (sb_freeze_unlock). lockdep keys the levels apart
 * (sb_writers, sb_pagefaults, sb_internal), as sb_start_write(),
 * sb_start_pagefault() and sb_start_intwrite() take them. The freezer drops
 * s_umount before the first level and re-takes it under it (sb_writers ->
 * s_umount), then takes the other two under s_umount: no cycle among its own
 * locks.
 */
struct rw_semaphore { long count; };
struct percpu_rw_semaphore { long count; };
struct sb_writers { int frozen; struct percpu_rw_semaphore rw_sem[3]; };
struct super_block {
	struct rw_semaphore s_umount;
	struct sb_writers s_writers;
};

static void sb_wait_write(struct super_block *sb, int level)
{
	percpu_down_write(sb->s_writers.rw_sem + level-1);
}

static void sb_freeze_unlock(struct super_block *sb, int level)
{
	for (level--; level >= 0; level--)
		percpu_up_write(sb->s_writers.rw_sem + level);
}

int toy_freeze(struct super_block *sb)
{
	int ret;

	down_write(&sb->s_umount);
	if (sb->s_writers.frozen) {
		up_write(&sb->s_umount);
		return -16;
	}
	sb->s_writers.frozen = 1;
	/* new writers first, without s_umount: sb_writers -> s_umount */
	up_write(&sb->s_umount);
	sb_wait_write(sb, SB_FREEZE_WRITE);
	down_write(&sb->s_umount);

	/* then page faults and internal writers, under s_umount */
	sb->s_writers.frozen = 2;
	sb_wait_write(sb, SB_FREEZE_PAGEFAULT); /* expect: order-cycle (with toy_page_mkwrite) */
	ret = toy_sync_fs(sb);
	if (ret) {
		sb->s_writers.frozen = 0;
		sb_freeze_unlock(sb, SB_FREEZE_PAGEFAULT);
		up_write(&sb->s_umount);
		return ret;
	}
	sb->s_writers.frozen = 3;
	sb_wait_write(sb, SB_FREEZE_FS);
	ret = toy_freeze_fs(sb);
	if (ret) {
		sb->s_writers.frozen = 0;
		sb_freeze_unlock(sb, SB_FREEZE_FS);
		up_write(&sb->s_umount);
		return ret;
	}
	sb->s_writers.frozen = 4;
	toy_freeze_handover(sb);
	up_write(&sb->s_umount);
	return 0;
}

/* a writer: sb_writers, then s_umount, the freezer's own order */
int toy_write_remount(struct super_block *sb)
{
	int ret;

	sb_start_write(sb);
	down_read(&sb->s_umount);
	ret = toy_write_super(sb);
	up_read(&sb->s_umount);
	sb_end_write(sb);
	return ret;
}

/*
 * a page fault: sb_pagefaults, then s_umount, against the freezer's s_umount
 * -> sb_pagefaults. The freezer holds s_umount waiting for the fault to
 * leave; the fault waits for s_umount. A real ABBA.
 */
int toy_page_mkwrite(struct super_block *sb)
{
	int ret;

	sb_start_pagefault(sb);
	down_read(&sb->s_umount);
	ret = toy_fault_super(sb);
	up_read(&sb->s_umount);
	sb_end_pagefault(sb);
	return ret;
}
