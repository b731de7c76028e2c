/* rpc_loop.c: the shared I/O threads of rpc_loop.h. RPC_LOOP_THREADS loops,
 * started on first use, each an epoll set plus an eventfd that wakes it when
 * a watch is added or kicked; watches are dealt round-robin. A loop thread
 * takes the ready and due watches under its lock and runs each one's function
 * with the lock released, marking it current, so that rpc_watch_free can wait
 * until a running function has returned. */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "remote/rpc_loop.h"

typedef struct RpcLoop RpcLoop;

struct RpcWatch {
	RpcLoop *loop;
	int fd;
	gint64 deadline; /* 0: none */
	bool ready;      /* readable, or kicked */
	RpcWatchFunc fn;
	void *opaque;
};

struct RpcLoop {
	GMutex lock;
	GCond cond;       /* current went back to NULL */
	int ep, wake;
	GHashTable *watches; /* set of RpcWatch*, this loop's */
	RpcWatch *current;   /* whose function runs now */
	GThread *thread;
};

static RpcLoop loops[RPC_LOOP_THREADS];
static gsize loops_started;
static guint next_loop;

static void
wake(RpcLoop *l)
{
	uint64_t one = 1;

	if (write(l->wake, &one, sizeof(one)) < 0) {
		/* already pending: the loop wakes anyway */
	}
}

/* The earliest deadline; lock held. -1: none. */
static int
timeout_ms(RpcLoop *l)
{
	GHashTableIter it;
	RpcWatch *w;
	gint64 first = 0, now;

	g_hash_table_iter_init(&it, l->watches);
	while (g_hash_table_iter_next(&it, (void **)&w, NULL))
		if (w->ready || (w->deadline && (!first || w->deadline < first)))
			first = w->ready ? 1 : w->deadline;
	if (!first)
		return -1;
	now = g_get_monotonic_time();
	return first <= now ? 0 : (int)MIN((first - now + 999) / 1000, 60000);
}

/* Runs every ready or due watch; lock held, released around each function. */
static void
dispatch(RpcLoop *l, gint64 now)
{
	g_autoptr(GPtrArray) due = g_ptr_array_new();
	GHashTableIter it;
	RpcWatch *w;

	g_hash_table_iter_init(&it, l->watches);
	while (g_hash_table_iter_next(&it, (void **)&w, NULL))
		if (w->ready || (w->deadline && w->deadline <= now))
			g_ptr_array_add(due, w);
	for (guint i = 0; i < due->len; i++) {
		bool readable;
		gint64 next;

		w = due->pdata[i];
		if (!g_hash_table_contains(l->watches, w))
			continue; /* freed by another thread meanwhile */
		readable = w->ready;
		w->ready = false;
		l->current = w;
		g_mutex_unlock(&l->lock);
		next = w->fn(w->opaque, readable, now);
		g_mutex_lock(&l->lock);
		l->current = NULL;
		if (next < 0) {
			g_hash_table_remove(l->watches, w);
			epoll_ctl(l->ep, EPOLL_CTL_DEL, w->fd, NULL);
		} else {
			w->deadline = next;
		}
		g_cond_broadcast(&l->cond);
	}
}

static gpointer
loop_main(gpointer data)
{
	RpcLoop *l = data;
	struct epoll_event ev[64];

	for (;;) {
		int n, t;

		g_mutex_lock(&l->lock);
		t = timeout_ms(l);
		g_mutex_unlock(&l->lock);
		n = epoll_wait(l->ep, ev, G_N_ELEMENTS(ev), t);
		if (n < 0 && errno != EINTR)
			g_error("rpc loop: epoll_wait: %s", g_strerror(errno));
		g_mutex_lock(&l->lock);
		for (int i = 0; i < n; i++) {
			RpcWatch *w = ev[i].data.ptr;
			uint64_t v;

			if (!w) {
				if (read(l->wake, &v, sizeof(v)) < 0) {
					/* nothing pending */
				}
			} else if (g_hash_table_contains(l->watches, w)) {
				w->ready = true; /* a freed and reused address gets a spare wake-up */
			}
		}
		dispatch(l, g_get_monotonic_time());
		g_mutex_unlock(&l->lock);
	}
	return NULL;
}

static void
loops_start(void)
{
	if (!g_once_init_enter(&loops_started))
		return;
	for (int i = 0; i < RPC_LOOP_THREADS; i++) {
		RpcLoop *l = &loops[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
		g_autofree char *name = g_strdup_printf("hv-rpc-io-%d", i);

		g_mutex_init(&l->lock);
		g_cond_init(&l->cond);
		l->watches = g_hash_table_new(NULL, NULL);
		l->ep = epoll_create1(EPOLL_CLOEXEC);
		l->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (l->ep < 0 || l->wake < 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, l->wake, &ev) < 0)
			g_error("rpc loop: cannot set up epoll: %s", g_strerror(errno));
		l->thread = g_thread_new(name, loop_main, l);
	}
	g_once_init_leave(&loops_started, 1);
}

RpcWatch *
rpc_watch_add(int fd, gint64 deadline, RpcWatchFunc fn, void *opaque)
{
	RpcWatch *w = g_new0(RpcWatch, 1);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = w };
	RpcLoop *l;

	loops_start();
	l = &loops[g_atomic_int_add(&next_loop, 1) % RPC_LOOP_THREADS];
	w->loop = l;
	w->fd = fd;
	w->deadline = deadline;
	w->fn = fn;
	w->opaque = opaque;
	g_mutex_lock(&l->lock);
	g_hash_table_add(l->watches, w);
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		w->ready = true; /* its function finds the socket broken */
	g_mutex_unlock(&l->lock);
	wake(l);
	return w;
}

void
rpc_watch_kick(RpcWatch *w)
{
	RpcLoop *l = w->loop;

	g_mutex_lock(&l->lock);
	if (g_hash_table_contains(l->watches, w))
		w->deadline = 1;
	g_mutex_unlock(&l->lock);
	wake(l);
}

void
rpc_watch_free(RpcWatch *w)
{
	RpcLoop *l;

	if (!w)
		return;
	l = w->loop;
	g_mutex_lock(&l->lock);
	if (g_hash_table_remove(l->watches, w))
		epoll_ctl(l->ep, EPOLL_CTL_DEL, w->fd, NULL);
	while (l->current == w && l->thread != g_thread_self())
		g_cond_wait(&l->cond, &l->lock);
	g_mutex_unlock(&l->lock);
	g_free(w);
}

unsigned
rpc_loop_threads(void)
{
	return g_atomic_pointer_get(&loops_started) ? RPC_LOOP_THREADS : 0;
}
