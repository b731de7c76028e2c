/* fdwatch.c: one epoll(7) set, polled by the default GLib main context as a
 * single fd, for every watch (fdwatch.h). A watch freed while the set is
 * being dispatched is kept until the batch is over, so an event already
 * taken for it is skipped instead of reaching freed memory. */
#include <errno.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <glib-unix.h>
#include "util/fdwatch.h"

#define BATCH 128

struct HvFdWatch {
	int fd;
	GIOCondition cond;
	HvFdFunc fn;
	void *data;
	guint gsrc; /* a GLib fd source instead (an fd epoll refuses), or 0 */
	bool dead;
};

typedef struct {
	GSource src;
	gpointer tag;
	int epfd;
	bool dispatching;
	GPtrArray *dead; /* freed during a dispatch: released at its end */
} EpollSource;

static const struct {
	GIOCondition g;
	uint32_t e;
} conds[] = {
	{ G_IO_IN, EPOLLIN }, { G_IO_OUT, EPOLLOUT }, { G_IO_PRI, EPOLLPRI },
	{ G_IO_ERR, EPOLLERR }, { G_IO_HUP, EPOLLHUP },
};

static EpollSource *the_set;

static uint32_t
to_epoll(GIOCondition c)
{
	uint32_t e = 0;

	for (size_t k = 0; k < G_N_ELEMENTS(conds); k++)
		if (c & conds[k].g)
			e |= conds[k].e;
	return e;
}

static GIOCondition
from_epoll(uint32_t e)
{
	GIOCondition c = 0;

	for (size_t k = 0; k < G_N_ELEMENTS(conds); k++)
		if (e & conds[k].e)
			c |= conds[k].g;
	return c;
}

static gboolean
set_check(GSource *src)
{
	EpollSource *s = (EpollSource *)src;

	return (g_source_query_unix_fd(src, s->tag) & G_IO_IN) != 0;
}

static gboolean
set_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
	EpollSource *s = (EpollSource *)src;
	struct epoll_event ev[BATCH];
	int n;

	(void)cb;
	(void)data;
	do
		n = epoll_wait(s->epfd, ev, BATCH, 0);
	while (n < 0 && errno == EINTR);
	s->dispatching = true;
	for (int k = 0; k < n; k++) {
		HvFdWatch *w = ev[k].data.ptr;

		if (!w->dead)
			w->fn(w->fd, from_epoll(ev[k].events) & (w->cond | G_IO_HUP | G_IO_ERR),
			      w->data);
	}
	s->dispatching = false;
	g_ptr_array_set_size(s->dead, 0);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs set_funcs = {
	.check = set_check,
	.dispatch = set_dispatch,
};

static EpollSource *
the_epoll_set(void)
{
	if (!the_set) {
		int epfd = epoll_create1(EPOLL_CLOEXEC);

		if (epfd < 0)
			return NULL;
		the_set = (EpollSource *)g_source_new(&set_funcs, sizeof(EpollSource));
		the_set->epfd = epfd;
		the_set->dead = g_ptr_array_new_with_free_func(g_free);
		the_set->tag = g_source_add_unix_fd(&the_set->src, epfd, G_IO_IN);
		g_source_set_name(&the_set->src, "hv-fdwatch");
		g_source_attach(&the_set->src, NULL);
	}
	return the_set;
}

static gboolean
glib_fd_cb(gint fd, GIOCondition cond, gpointer data)
{
	HvFdWatch *w = data;

	w->fn(fd, cond, w->data); /* may free w: not touched after */
	return G_SOURCE_CONTINUE;
}

static void
glib_fd_watch(HvFdWatch *w)
{
	if (w->gsrc)
		g_source_remove(w->gsrc);
	w->gsrc = g_unix_fd_add(w->fd, w->cond | G_IO_HUP | G_IO_ERR, glib_fd_cb, w);
}

HvFdWatch *
hv_fd_watch_new(int fd, GIOCondition cond, HvFdFunc fn, void *data)
{
	EpollSource *s = the_epoll_set();
	HvFdWatch *w = g_new0(HvFdWatch, 1);
	struct epoll_event ev = { .events = to_epoll(cond), .data.ptr = w };

	w->fd = fd;
	w->cond = cond;
	w->fn = fn;
	w->data = data;
	if (!s || epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		glib_fd_watch(w);
	return w;
}

void
hv_fd_watch_set(HvFdWatch *w, GIOCondition cond)
{
	struct epoll_event ev = { .events = to_epoll(cond), .data.ptr = w };

	if (w->cond == cond)
		return;
	w->cond = cond;
	if (w->gsrc)
		glib_fd_watch(w);
	else
		epoll_ctl(the_set->epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void
hv_fd_watch_free(HvFdWatch *w)
{
	if (!w)
		return;
	if (w->gsrc) {
		g_source_remove(w->gsrc);
		g_free(w);
		return;
	}
	epoll_ctl(the_set->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	if (the_set->dispatching)
		g_ptr_array_add(the_set->dead, w);
	else
		g_free(w);
}
