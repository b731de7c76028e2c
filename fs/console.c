/* console.c: domains/<name>/console, a domain's serial console as a stream.
 * A reader starts at the oldest byte the driver keeps and follows new output
 * like `events`: a read with nothing new is parked and answered when the
 * driver reports `console-output` (from a worker thread, since the driver
 * reports with its locks held), poll() works, O_NONBLOCK gives EAGAIN.
 * Writes go to the guest's serial port. A driver without console_read shows
 * an empty file (EOF at once); writing to it fails with EOPNOTSUPP. */
#include <poll.h>
#include <string.h>
#include "fs/fs.h"

struct ConReader {
	HvNode *n;
	char *name;
	uint64_t pos;     /* touched only by whoever holds the read */
	bool nonblock;
	bool unsupported;
	int refs;         /* the open file, a queued wake-up */
	bool open;
	bool queued;
	uint64_t gen;     /* console-output events seen for this domain */
	fuse_req_t req;   /* a parked read, or NULL */
	size_t size;
	struct fuse_pollhandle *ph;
};

static GMutex con_lock; /* guards every ConReader's fields but pos, and readers */
static GList *readers;
static GThreadPool *waker;

static void
reader_unref(ConReader *r)
{
	bool last;

	g_mutex_lock(&con_lock);
	last = --r->refs == 0;
	g_mutex_unlock(&con_lock);
	if (!last)
		return;
	g_free(r->name);
	g_free(r);
}

static void serve(ConReader *r, fuse_req_t req, size_t size);

/* Worker: answers what a console-output made ready. */
static void
wake_one(gpointer data, gpointer unused)
{
	ConReader *r = data;
	struct fuse_pollhandle *ph;
	fuse_req_t req;
	size_t size;

	g_mutex_lock(&con_lock);
	r->queued = false;
	ph = g_steal_pointer(&r->ph);
	req = g_steal_pointer(&r->req);
	size = r->size;
	g_mutex_unlock(&con_lock);
	if (ph) {
		fuse_lowlevel_notify_poll(ph);
		fuse_pollhandle_destroy(ph);
	}
	if (req)
		serve(r, req, size);
	reader_unref(r);
}

static gpointer
make_waker(gpointer unused)
{
	return g_thread_pool_new(wake_one, NULL, 1, FALSE, NULL);
}

bool
hv_console_on_driver_event(HvNode *n, const HvEvent *ev)
{
	if (ev->kind != HV_OBJ_DOMAIN || strcmp(ev->event, "console-output") != 0)
		return false;
	g_mutex_lock(&con_lock);
	for (GList *l = readers; l; l = l->next) {
		ConReader *r = l->data;

		if (r->n != n || strcmp(r->name, ev->name) != 0)
			continue;
		r->gen++;
		if ((r->req || r->ph) && !r->queued) {
			r->queued = true;
			r->refs++;
			g_thread_pool_push(waker, r, NULL);
		}
	}
	g_mutex_unlock(&con_lock);
	return true;
}

ConReader *
hv_console_open(HvObj *o, bool nonblock)
{
	static GOnce once = G_ONCE_INIT;
	const HvDomainOps *ops = o->node->conn->driver->domain;
	ConReader *r = g_new0(ConReader, 1);

	g_once(&once, make_waker, NULL);
	waker = once.retval;
	r->n = o->node;
	r->name = g_strdup(o->name);
	r->nonblock = nonblock;
	r->unsupported = !ops || !ops->console_read;
	r->refs = 1;
	r->open = true;
	g_mutex_lock(&con_lock);
	readers = g_list_prepend(readers, r);
	g_mutex_unlock(&con_lock);
	return r;
}

void
hv_console_close(ConReader *r)
{
	g_mutex_lock(&con_lock);
	readers = g_list_remove(readers, r);
	r->open = false;
	if (r->req)
		fuse_reply_err(g_steal_pointer(&r->req), EINTR);
	if (r->ph)
		fuse_pollhandle_destroy(g_steal_pointer(&r->ph));
	g_mutex_unlock(&con_lock);
	reader_unref(r);
}

static void
on_interrupt(fuse_req_t req, void *data)
{
	ConReader *r = data;

	g_mutex_lock(&con_lock);
	if (r->req == req) {
		r->req = NULL;
		fuse_reply_err(req, EINTR);
	}
	g_mutex_unlock(&con_lock);
}

/* What is new from pos, at most size bytes; -errno on failure. */
static int
fetch(ConReader *r, uint64_t *pos, size_t size, GString *out)
{
	HvConn *c = r->n->conn;
	g_autoptr(GError) err = NULL;

	return HV_CALL(c, domain, console_read, HV_READS, &err, r->name, pos, size, out);
}

/* Answers req with new output, or parks it; exactly one reply or a park. */
static void
serve(ConReader *r, fuse_req_t req, size_t size)
{
	for (;;) {
		g_autoptr(GString) out = g_string_new(NULL);
		uint64_t gen, pos = r->pos;
		int n;

		g_mutex_lock(&con_lock);
		gen = r->gen;
		g_mutex_unlock(&con_lock);
		n = r->unsupported ? 0 : fetch(r, &pos, size, out);
		if (n < 0) {
			fuse_reply_err(req, n == -ENOENT ? ENOENT : -n);
			return;
		}
		if (n > 0 || r->unsupported) {
			r->pos = pos;
			fuse_reply_buf(req, out->str, out->len);
			return;
		}
		g_mutex_lock(&con_lock);
		if (r->gen != gen) { /* output arrived meanwhile */
			g_mutex_unlock(&con_lock);
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
		g_mutex_unlock(&con_lock);
		return;
	}
}

void
hv_console_read(ConReader *r, fuse_req_t req, size_t size)
{
	fuse_req_interrupt_func(req, on_interrupt, r);
	serve(r, req, size);
}

void
hv_console_poll(ConReader *r, fuse_req_t req, struct fuse_pollhandle *ph)
{
	for (;;) {
		g_autoptr(GString) out = g_string_new(NULL);
		uint64_t gen, pos = r->pos;
		int n;

		g_mutex_lock(&con_lock);
		gen = r->gen;
		g_mutex_unlock(&con_lock);
		n = r->unsupported ? 1 : fetch(r, &pos, 1, out);
		g_mutex_lock(&con_lock);
		if (n == 0 && r->gen != gen) {
			g_mutex_unlock(&con_lock);
			continue;
		}
		if (n != 0) { /* data, end of file or an error: read() will not block */
			if (ph)
				fuse_pollhandle_destroy(ph);
			fuse_reply_poll(req, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
		} else {
			if (r->ph)
				fuse_pollhandle_destroy(r->ph);
			r->ph = ph;
			fuse_reply_poll(req, POLLOUT | POLLWRNORM);
		}
		g_mutex_unlock(&con_lock);
		return;
	}
}

int
hv_console_write(ConReader *r, HvObj *o, const char *buf, size_t size)
{
	HvConn *c = o->node->conn;
	g_autoptr(GError) err = NULL;
	int n = HV_CALL(c, domain, console_write, HV_WRITES, &err, r->name, buf, size);

	return n < 0 ? hv_obj_fail(o, "console", n, err) : n;
}
