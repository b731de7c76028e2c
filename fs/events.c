/* events.c: driver events in, in this order: a domain's console output wakes
 * its console readers (console.c) and is no events line; a crash is noted in
 * the domain's error file; the line goes into the node's ring and the node's
 * `events` readers (a stream, stream.c) are answered at once, from the ring
 * alone; last, the event is queued for the node's notifier (inval.c), whose
 * invalidations may wait on the kernel but never hold up a reader. */
#include <poll.h>
#include <string.h>
#include <time.h>
#include "fs/stream.h"

#define RING_MAX 4096

static const char *const kind_names[HV_OBJ_LAST] = {
	[HV_OBJ_NODE] = "node",	  [HV_OBJ_DOMAIN] = "domain", [HV_OBJ_NETWORK] = "network",
	[HV_OBJ_POOL] = "pool",	  [HV_OBJ_VOLUME] = "volume",
	[HV_OBJ_SECRET] = "secret",
};

void
hv_events_init(HvNode *n)
{
	g_mutex_init(&n->ev_lock);
	g_cond_init(&n->ev_cond);
	n->ring = g_ptr_array_new_with_free_func(g_free);
	g_queue_init(&n->inval);
	g_cond_init(&n->inval_cond);
	hv_streams_init(n);
}

void
hv_events_clear(HvNode *n)
{
	hv_streams_clear(n);
	g_cond_clear(&n->inval_cond); /* the notifier has emptied its queue */
	g_ptr_array_unref(n->ring);
	g_cond_clear(&n->ev_cond);
	g_mutex_clear(&n->ev_lock);
}

static char *
format_line(const HvEvent *ev)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	if (ev->kind == HV_OBJ_VOLUME)
		return g_strdup_printf("%s.%03ldZ %s %s/%s %s %s\n", when, ts.tv_nsec / 1000000,
				       kind_names[ev->kind], ev->parent ? ev->parent : "",
				       ev->name, ev->event, ev->detail);
	return g_strdup_printf("%s.%03ldZ %s %s %s %s\n", when, ts.tv_nsec / 1000000,
			       kind_names[ev->kind], ev->name, ev->event, ev->detail);
}

/* A domain that crashed by itself (a guest panic, a KVM internal error) failed
 * without a failed write: its `error` file says so too. */
static void
note_crash(HvNode *n, const HvEvent *ev)
{
	HvFs *fs = n->fs;
	g_autoptr(GError) err = NULL;
	HvObj *o;

	if (ev->kind != HV_OBJ_DOMAIN || strcmp(ev->event, "crashed") != 0 || !n->domains)
		return;
	g_mutex_lock(&fs->lock);
	o = hv_obj_child(fs, n->domains, DK_DOMAIN, ev->name);
	o->refs++;
	g_mutex_unlock(&fs->lock);
	err = g_error_new(HV_ERROR, EIO, "domain '%s' crashed (%s)", ev->name, ev->detail);
	hv_obj_fail(o, "state", -EIO, err);
	hv_obj_unref(fs, o);
}

/* Puts one line into out for a reader that may read less than a line: a line
 * that fits goes whole; one that does not stops the answer, unless out is
 * still empty, when its head goes now and its tail waits in r->rest for the
 * next read. Nothing taken is ever dropped. 1 when the line was taken. */
static int
put_line(HvStream *r, size_t size, GString *out, const char *line, size_t len)
{
	size_t room = size - out->len;

	if (len <= room) {
		g_string_append_len(out, line, (gssize)len);
		return 1;
	}
	if (out->len > 0)
		return 0;
	g_string_append_len(out, line, (gssize)room);
	r->rest = g_string_new_len(line + room, (gssize)(len - room));
	return 1;
}

/* The tail of a line a short read cut, first. */
static void
put_rest(HvStream *r, size_t size, GString *out)
{
	size_t n = MIN(size, r->rest->len);

	g_string_append_len(out, r->rest->str, (gssize)n);
	g_string_erase(r->rest, 0, (gssize)n);
	if (r->rest->len == 0)
		g_string_free(g_steal_pointer(&r->rest), TRUE);
}

/* The events source: lines of the ring from the reader's cursor, whole and in
 * order whatever the reader's buffer size. */
static int
fetch_lines(HvStream *r, size_t size, GString *out, bool peek)
{
	HvNode *n = r->n;
	int ready;

	g_mutex_lock(&n->ev_lock);
	ready = r->rest || r->pos < n->ring_first + n->ring->len;
	if (ready && !peek && r->rest)
		put_rest(r, size, out);
	if (ready && !peek && !r->rest && r->pos < n->ring_first) {
		/* the reader fell more than RING_MAX lines behind: say so, once */
		g_autoptr(GDateTime) now = g_date_time_new_now_utc();
		g_autofree char *ts = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ");
		g_autofree char *line =
			g_strdup_printf("%.23sZ node %s overflow %" G_GUINT64_FORMAT "\n", ts,
					n->name, n->ring_first - r->pos);

		if (put_line(r, size, out, line, strlen(line)))
			r->pos = n->ring_first;
	}
	while (ready && !peek && !r->rest && r->pos >= n->ring_first &&
	       r->pos < n->ring_first + n->ring->len) {
		const char *line = n->ring->pdata[r->pos - n->ring_first];

		if (!put_line(r, size, out, line, strlen(line)))
			break;
		r->pos++;
	}
	g_mutex_unlock(&n->ev_lock);
	return ready;
}

static const HvStreamSource events_source = {
	.fetch = fetch_lines,
	.ready = POLLIN | POLLRDNORM,
	.idle = 0,
};

HvStream *
hv_events_open(HvNode *n, bool nonblock)
{
	uint64_t now;

	g_mutex_lock(&n->ev_lock);
	now = n->ring_first + n->ring->len; /* each open starts at the moment of the open */
	g_mutex_unlock(&n->ev_lock);
	return hv_stream_open(n, &events_source, NULL, now, nonblock);
}

void
hv_events_on_driver_event(HvConn *c, const HvEvent *ev, void *opaque)
{
	HvNode *n = opaque;
	uint64_t seq;

	if (hv_console_on_driver_event(n, ev))
		return;
	note_crash(n, ev);
	g_mutex_lock(&n->ev_lock);
	g_ptr_array_add(n->ring, format_line(ev));
	if (n->ring->len > RING_MAX) {
		g_ptr_array_remove_index(n->ring, 0);
		n->ring_first++;
	}
	seq = ++n->ev_seq;
	g_mutex_unlock(&n->ev_lock);
	hv_stream_wake(n, &events_source, NULL); /* readers first */
	hv_inval_queue(n, ev, seq);
}

/* A notifier held up (by a lookup stuck in a slow driver call) makes one
 * wait time out, not every one: until it moves again, nobody waits on it. */
void
hv_events_wait_settled(HvNode *n, unsigned ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
	uint64_t target;

	g_mutex_lock(&n->ev_lock);
	target = n->ev_seq;
	while (n->inval_seq < target && !(n->inval_held && n->inval_seq == n->inval_held_at))
		if (!g_cond_wait_until(&n->ev_cond, &n->ev_lock, deadline)) {
			n->inval_held = true;
			n->inval_held_at = n->inval_seq;
			break;
		}
	g_mutex_unlock(&n->ev_lock);
}
