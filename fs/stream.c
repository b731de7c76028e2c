/* stream.c: parked reads, for every file that is a stream (`events`,
 * `console`). A read with nothing new is parked, not slept on, so no FUSE
 * worker waits: the source's wake-up answers it later (at once for `events`,
 * on the node's waker thread for `console`, whose source calls the driver), an
 * interrupt answers EINTR, and closing the file answers EINTR. poll(2) parks a
 * poll handle the same way; O_NONBLOCK reads with nothing new fail with
 * EAGAIN. All state is the node's own (HvNode.streams). */
#include <poll.h>
#include <string.h>
#include "fs/stream.h"

static void serve(HvStream *r, fuse_req_t req, size_t size);

static void
stream_unref(HvStream *r)
{
	HvStreamSet *s = &r->n->streams;
	bool last;

	g_mutex_lock(&s->lock);
	last = --r->refs == 0;
	g_mutex_unlock(&s->lock);
	if (!last)
		return;
	if (r->rest)
		g_string_free(r->rest, TRUE);
	g_mutex_clear(&r->read_lock);
	g_free(r->name);
	g_free(r);
}

/* Answers what a wake-up made ready: the poll handle, then the parked read. */
static void
answer(HvStream *r, fuse_req_t req, size_t size, struct fuse_pollhandle *ph)
{
	if (ph) {
		fuse_lowlevel_notify_poll(ph);
		fuse_pollhandle_destroy(ph);
	}
	if (req)
		serve(r, req, size);
	stream_unref(r);
}

/* The waker thread: answers readers whose source calls the driver. */
static void
waker_main(gpointer data, gpointer unused)
{
	HvStream *r = data;
	HvStreamSet *s = &r->n->streams;
	struct fuse_pollhandle *ph;
	fuse_req_t req;
	size_t size;

	g_mutex_lock(&s->lock);
	r->queued = false;
	ph = g_steal_pointer(&r->ph);
	req = g_steal_pointer(&r->req);
	size = r->size;
	g_mutex_unlock(&s->lock);
	answer(r, req, size, ph);
}

void
hv_streams_init(HvNode *n)
{
	g_mutex_init(&n->streams.lock);
	/* one thread at most, shared with glib's pool while idle */
	n->streams.waker = g_thread_pool_new(waker_main, NULL, 1, FALSE, NULL);
}

void
hv_streams_clear(HvNode *n)
{
	g_thread_pool_free(n->streams.waker, FALSE, TRUE);
	g_list_free(n->streams.readers);
	g_mutex_clear(&n->streams.lock);
}

HvStream *
hv_stream_open(HvNode *n, const HvStreamSource *src, const char *name, uint64_t pos,
	       bool nonblock)
{
	HvStream *r = g_new0(HvStream, 1);

	r->n = n;
	r->src = src;
	r->name = g_strdup(name);
	r->pos = pos;
	r->nonblock = nonblock;
	r->refs = 1;
	r->open = true;
	g_mutex_init(&r->read_lock);
	g_mutex_lock(&n->streams.lock);
	n->streams.readers = g_list_prepend(n->streams.readers, r);
	g_mutex_unlock(&n->streams.lock);
	return r;
}

void
hv_stream_close(HvStream *r)
{
	HvStreamSet *s = &r->n->streams;

	g_mutex_lock(&s->lock);
	s->readers = g_list_remove(s->readers, r);
	r->open = false;
	if (r->req)
		fuse_reply_err(g_steal_pointer(&r->req), EINTR);
	if (r->ph)
		fuse_pollhandle_destroy(g_steal_pointer(&r->ph));
	g_mutex_unlock(&s->lock);
	stream_unref(r);
}

void
hv_stream_wake(HvNode *n, const HvStreamSource *src, const char *name)
{
	HvStreamSet *s = &n->streams;
	g_autoptr(GPtrArray) now = g_ptr_array_new();

	g_mutex_lock(&s->lock);
	for (GList *l = s->readers; l; l = l->next) {
		HvStream *r = l->data;

		if (r->src != src || (name && g_strcmp0(r->name, name) != 0))
			continue;
		r->gen++;
		if (!r->req && !r->ph)
			continue;
		if (src->deferred) {
			if (!r->queued) {
				r->queued = true;
				r->refs++;
				g_thread_pool_push(s->waker, r, NULL);
			}
		} else {
			r->refs++;
			g_ptr_array_add(now, r);
		}
	}
	g_mutex_unlock(&s->lock);
	for (guint i = 0; i < now->len; i++) {
		HvStream *r = now->pdata[i];
		struct fuse_pollhandle *ph;
		fuse_req_t req;
		size_t size;

		g_mutex_lock(&s->lock);
		ph = g_steal_pointer(&r->ph);
		req = g_steal_pointer(&r->req);
		size = r->size;
		g_mutex_unlock(&s->lock);
		answer(r, req, size, ph);
	}
}

static void
on_interrupt(fuse_req_t req, void *data)
{
	HvStream *r = data;
	HvStreamSet *s = &r->n->streams;

	g_mutex_lock(&s->lock);
	if (r->req == req) {
		r->req = NULL;
		fuse_reply_err(req, EINTR);
	}
	g_mutex_unlock(&s->lock);
}

static uint64_t
gen_of(HvStream *r)
{
	uint64_t gen;

	g_mutex_lock(&r->n->streams.lock);
	gen = r->gen;
	g_mutex_unlock(&r->n->streams.lock);
	return gen;
}

/* Answers req with what is new, or parks it: exactly one reply or a park. The
 * source is asked without the lock; a wake-up meanwhile (gen moved) asks
 * again, so nothing pushed between the fetch and the park is missed. */
static void
serve_locked(HvStream *r, fuse_req_t req, size_t size)
{
	HvStreamSet *s = &r->n->streams;

	for (;;) {
		g_autoptr(GString) out = g_string_new(NULL);
		uint64_t gen = gen_of(r);
		int n = r->src->fetch(r, size, out, false);

		if (n < 0) {
			fuse_reply_err(req, -n);
			return;
		}
		if (n > 0) {
			fuse_reply_buf(req, out->str, out->len);
			return;
		}
		g_mutex_lock(&s->lock);
		if (r->gen != gen) {
			g_mutex_unlock(&s->lock);
			continue;
		}
		if (r->nonblock)
			fuse_reply_err(req, EAGAIN);
		else if (!r->open || fuse_req_interrupted(req))
			fuse_reply_err(req, EINTR);
		else if (r->req)
			fuse_reply_err(req, EBUSY); /* one blocked read per open file */
		else {
			r->req = req;
			r->size = size;
		}
		g_mutex_unlock(&s->lock);
		return;
	}
}

/* One taker of the source at a time: a new read and the waker answering a
 * parked one would otherwise move the same cursor. */
static void
serve(HvStream *r, fuse_req_t req, size_t size)
{
	g_mutex_lock(&r->n->streams.lock); /* a close while the read parks must not free r */
	r->refs++;
	g_mutex_unlock(&r->n->streams.lock);
	g_mutex_lock(&r->read_lock);
	serve_locked(r, req, size);
	g_mutex_unlock(&r->read_lock);
	stream_unref(r);
}

void
hv_stream_read(HvStream *r, fuse_req_t req, size_t size)
{
	fuse_req_interrupt_func(req, on_interrupt, r);
	serve(r, req, size);
}

void
hv_stream_poll(HvStream *r, fuse_req_t req, struct fuse_pollhandle *ph)
{
	HvStreamSet *s = &r->n->streams;

	for (;;) {
		g_autoptr(GString) out = g_string_new(NULL);
		uint64_t gen = gen_of(r);
		int n;

		g_mutex_lock(&r->read_lock);
		n = r->src->fetch(r, 1, out, true);
		g_mutex_unlock(&r->read_lock);

		g_mutex_lock(&s->lock);
		if (n == 0 && r->gen != gen) {
			g_mutex_unlock(&s->lock);
			continue;
		}
		if (n != 0) { /* data, end of file or an error: read() will not block */
			if (ph)
				fuse_pollhandle_destroy(ph);
			fuse_reply_poll(req, (unsigned)r->src->ready);
		} else {
			if (r->ph)
				fuse_pollhandle_destroy(r->ph);
			r->ph = ph;
			fuse_reply_poll(req, (unsigned)r->src->idle);
		}
		g_mutex_unlock(&s->lock);
		return;
	}
}
