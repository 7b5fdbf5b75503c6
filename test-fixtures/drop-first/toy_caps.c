/*
 * A callee two calls down drops its caller's lock before it takes another
 * (ceph: ceph_mdsc_submit_request() holds mdsc->mutex around
 * __register_request(), whose ceph_reserve_caps() unlocks mdsc->mutex to
 * take a session's s_mutex and trim caps, then relocks it). The middle
 * function neither requires nor releases the mutex (the drop is
 * conditional), but the caller's mutex is not held when s_mutex is taken:
 * no edge mdsc.mutex -> sess.s_mutex, so no cycle with the reply handler.
 * A variant whose reservation keeps the mutex is a real ABBA.
 */
struct mutex;
struct sess { struct mutex s_mutex; };
struct mdsc { struct mutex mutex; struct sess *session; };
struct req;

/* called with m->mutex held; drops it to trim a session's caps */
static int toy_reserve_caps(struct mdsc *m, int need)
{
	struct sess *s;

	if (need > toy_avail(m)) {
		s = m->session;
		mutex_unlock(&m->mutex);
		mutex_lock(&s->s_mutex);
		toy_trim_caps(s, need);
		mutex_unlock(&s->s_mutex);
		mutex_lock(&m->mutex);
	}
	return 0;
}

static void toy_register_request(struct mdsc *m, struct req *r)
{
	if (toy_wants_caps(r))
		toy_reserve_caps(m, toy_caps_needed(r));
	toy_insert_request(m, r);
}

void toy_submit_request(struct mdsc *m, struct req *r)
{
	mutex_lock(&m->mutex);
	toy_register_request(m, r);
	mutex_unlock(&m->mutex);
}

/* the reply handler: a session's s_mutex, then the client's mutex */
void toy_handle_reply(struct mdsc *m, struct sess *s)
{
	mutex_lock(&s->s_mutex);
	mutex_lock(&m->mutex);
	toy_finish_request(m);
	mutex_unlock(&m->mutex);
	mutex_unlock(&s->s_mutex);
}

/* the same shape, but the trim keeps the caller's lock: s_mutex is taken inside list_lock */
struct mdsc2 { struct mutex list_lock; struct sess *session; };

static int toy_reserve_caps_locked(struct mdsc2 *m, int need)
{
	struct sess *s;

	if (need > toy_avail2(m)) {
		s = m->session;
		mutex_lock(&s->s_mutex);
		toy_trim_caps(s, need);
		mutex_unlock(&s->s_mutex);
	}
	return 0;
}

static void toy_register_request_locked(struct mdsc2 *m, struct req *r)
{
	if (toy_wants_caps(r))
		toy_reserve_caps_locked(m, toy_caps_needed(r));
}

void toy_submit_request_locked(struct mdsc2 *m, struct req *r)
{
	mutex_lock(&m->list_lock);
	toy_register_request_locked(m, r); /* expect: order-cycle */
	mutex_unlock(&m->list_lock);
}

void toy_handle_reply_locked(struct mdsc2 *m, struct sess *s)
{
	mutex_lock(&s->s_mutex);
	mutex_lock(&m->list_lock);
	toy_finish_request2(m);
	mutex_unlock(&m->list_lock);
	mutex_unlock(&s->s_mutex);
}
