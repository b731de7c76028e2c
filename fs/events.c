/* events.c: driver events in, two things out. Each node keeps a ring of event
 * lines that `events` readers consume with their own cursor (blocked reads are
 * parked and answered later, so no FUSE thread waits), and a notifier thread
 * turns each event into kernel cache invalidations. The notifier holds no lock
 * that a handler needs while it talks to the kernel. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "fs/fs.h"
#include "util/error.h"

#define RING_MAX 4096

struct EvReader {
	HvNode *n;
	uint64_t cursor;
	bool nonblock;
	fuse_req_t req; /* a parked read, or NULL */
	size_t size;
	struct fuse_pollhandle *ph;
};

typedef struct {
	HvNode *node; /* NULL: stop */
	HvObjKind kind;
	char *parent;
	char *name;
	uint64_t seq;
} InvalWork;

static const char *const kind_names[HV_OBJ_LAST] = {
	[HV_OBJ_NODE] = "node",	  [HV_OBJ_DOMAIN] = "domain", [HV_OBJ_NETWORK] = "network",
	[HV_OBJ_POOL] = "pool",	  [HV_OBJ_VOLUME] = "volume",
};

void
hv_events_init(HvNode *n)
{
	g_mutex_init(&n->ev_lock);
	g_cond_init(&n->ev_cond);
	n->ring = g_ptr_array_new_with_free_func(g_free);
}

void
hv_events_clear(HvNode *n)
{
	g_ptr_array_unref(n->ring);
	g_list_free(n->readers);
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

void
hv_events_on_driver_event(HvConn *c, const HvEvent *ev, void *opaque)
{
	HvNode *n = opaque;
	InvalWork *w;

	if (hv_console_on_driver_event(n, ev))
		return;
	note_crash(n, ev);
	w = g_new0(InvalWork, 1);
	g_mutex_lock(&n->ev_lock);
	g_ptr_array_add(n->ring, format_line(ev));
	if (n->ring->len > RING_MAX) {
		g_ptr_array_remove_index(n->ring, 0);
		n->ring_first++;
	}
	w->seq = ++n->ev_seq;
	g_mutex_unlock(&n->ev_lock);

	w->node = n;
	w->kind = ev->kind;
	w->parent = g_strdup(ev->parent);
	w->name = g_strdup(ev->name);
	g_async_queue_push(n->fs->inval, w);
}

/* Lines from the reader's cursor that fit in size; ev_lock held. */
static GString *
take_lines(EvReader *r, size_t size)
{
	HvNode *n = r->n;
	GString *out = g_string_new(NULL);

	if (r->cursor < n->ring_first) {
		/* the reader fell more than RING_MAX lines behind: say so, once */
		g_autoptr(GDateTime) now = g_date_time_new_now_utc();
		g_autofree char *ts = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ");

		g_string_append_printf(out, "%.23sZ node %s overflow %" G_GUINT64_FORMAT "\n", ts,
				       n->name, n->ring_first - r->cursor);
		r->cursor = n->ring_first;
	}
	while (r->cursor < n->ring_first + n->ring->len) {
		const char *line = n->ring->pdata[r->cursor - n->ring_first];
		size_t len = strlen(line);

		if (out->len + len > size && out->len > 0)
			break;
		g_string_append_len(out, line, (gssize)MIN(len, size));
		r->cursor++;
	}
	return out;
}

static bool
pending(EvReader *r)
{
	return r->cursor < r->n->ring_first + r->n->ring->len;
}

EvReader *
hv_events_open(HvNode *n, bool nonblock)
{
	EvReader *r = g_new0(EvReader, 1);

	r->n = n;
	r->nonblock = nonblock;
	g_mutex_lock(&n->ev_lock);
	r->cursor = n->ring_first + n->ring->len;
	n->readers = g_list_prepend(n->readers, r);
	g_mutex_unlock(&n->ev_lock);
	return r;
}

void
hv_events_close(EvReader *r)
{
	HvNode *n = r->n;

	g_mutex_lock(&n->ev_lock);
	n->readers = g_list_remove(n->readers, r);
	if (r->req)
		fuse_reply_err(r->req, EINTR);
	if (r->ph)
		fuse_pollhandle_destroy(r->ph);
	g_mutex_unlock(&n->ev_lock);
	g_free(r);
}

static void
on_interrupt(fuse_req_t req, void *data)
{
	EvReader *r = data;

	g_mutex_lock(&r->n->ev_lock);
	if (r->req == req) {
		r->req = NULL;
		fuse_reply_err(req, EINTR);
	}
	g_mutex_unlock(&r->n->ev_lock);
}

void
hv_events_read(EvReader *r, fuse_req_t req, size_t size)
{
	HvNode *n = r->n;
	g_autoptr(GString) out = NULL;

	fuse_req_interrupt_func(req, on_interrupt, r);
	g_mutex_lock(&n->ev_lock);
	if (pending(r)) {
		out = take_lines(r, size);
		fuse_reply_buf(req, out->str, out->len);
	} else if (r->nonblock) {
		fuse_reply_err(req, EAGAIN);
	} else if (fuse_req_interrupted(req)) {
		fuse_reply_err(req, EINTR);
	} else if (r->req) {
		fuse_reply_err(req, EBUSY); /* one blocked read per open file */
	} else {
		r->req = req;
		r->size = size;
	}
	g_mutex_unlock(&n->ev_lock);
}

void
hv_events_poll(EvReader *r, fuse_req_t req, struct fuse_pollhandle *ph)
{
	HvNode *n = r->n;

	g_mutex_lock(&n->ev_lock);
	if (pending(r)) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, POLLIN | POLLRDNORM);
	} else {
		if (r->ph)
			fuse_pollhandle_destroy(r->ph);
		r->ph = ph;
		fuse_reply_poll(req, 0);
	}
	g_mutex_unlock(&n->ev_lock);
}

/* Answers parked reads and polls that now have lines; ev_lock held. */
static void
wake_readers(HvNode *n)
{
	for (GList *l = n->readers; l; l = l->next) {
		EvReader *r = l->data;

		if (!pending(r))
			continue;
		if (r->req) {
			g_autoptr(GString) out = take_lines(r, r->size);
			fuse_req_t req = r->req;

			r->req = NULL;
			fuse_reply_buf(req, out->str, out->len);
		}
		if (r->ph) {
			fuse_lowlevel_notify_poll(r->ph);
			fuse_pollhandle_destroy(r->ph);
			r->ph = NULL;
		}
	}
}

void
hv_events_wait_settled(HvNode *n, unsigned ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
	uint64_t target;

	g_mutex_lock(&n->ev_lock);
	target = n->ev_seq;
	while (n->inval_seq < target)
		if (!g_cond_wait_until(&n->ev_cond, &n->ev_lock, deadline))
			break;
	g_mutex_unlock(&n->ev_lock);
}

static gpointer
notifier(gpointer data)
{
	HvFs *fs = data;

	for (;;) {
		InvalWork *w = g_async_queue_pop(fs->inval);
		HvNode *n = w->node;

		if (!n) {
			g_free(w);
			break;
		}
		hv_invalidate(fs, n, w->kind, w->parent, w->name);
		g_mutex_lock(&n->ev_lock);
		n->inval_seq = w->seq;
		g_cond_broadcast(&n->ev_cond);
		wake_readers(n);
		g_mutex_unlock(&n->ev_lock);
		g_free(w->parent);
		g_free(w->name);
		g_free(w);
	}
	return NULL;
}

void
hv_events_start(HvFs *fs)
{
	fs->notifier = g_thread_new("hv-notify", notifier, fs);
}

void
hv_events_stop(HvFs *fs)
{
	if (!fs->notifier)
		return;
	g_async_queue_push(fs->inval, g_new0(InvalWork, 1));
	g_thread_join(fs->notifier);
	fs->notifier = NULL;
}
