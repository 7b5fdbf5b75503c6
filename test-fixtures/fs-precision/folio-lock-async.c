/*
 * __folio_lock_async() returns 0 when it took the folio lock, and
 * -EIOCBQUEUED when it queued a wait entry instead (mm/filemap.c
 * filemap_update_page(): trylock, else the async lock, then folio_unlock()
 * at the end). Unknown, the unlock looked like the release of a lock the
 * failed trylock never took.
 */
struct toy_folio;
struct wait_page_queue;

static int fla_update_folio(struct toy_folio *folio, struct wait_page_queue *waitq)
{
	int error;

	if (!folio_trylock(folio)) {
		error = __folio_lock_async(folio, waitq);
		if (error)
			return error;
	}
	toy_mark_uptodate(folio);
	folio_unlock(folio);
	return 0;
}

/* the error path unlocks what it did not get: still flagged */
static int fla_update_folio_bad(struct toy_folio *folio, struct wait_page_queue *waitq)
{
	int error;

	if (!folio_trylock(folio)) {
		error = __folio_lock_async(folio, waitq);
		if (error) {
			folio_unlock(folio); /* expect: unlock-unheld */
			return error;
		}
	}
	toy_mark_uptodate(folio);
	folio_unlock(folio);
	return 0;
}
