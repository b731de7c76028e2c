/* remote_sched.c: one reconnect scheduler for every remote node of the
 * process (remote_priv.h), instead of a supervisor thread per node: one thread
 * keeps the nodes that want attention with the time they want it, and hands
 * each due node to a small pool of workers that run remote_supervise (a
 * disconnect's clean-up, or one connect attempt). A node is never run by two
 * workers at once; remote_sched_cancel waits for its running step. */
#include "remote/remote_priv.h"

#define SCHED_WORKERS 16

static struct {
	GMutex lock;
	GCond cond;
	GPtrArray *queue; /* RemotePriv* with sched_queued */
	GThreadPool *pool;
	GThread *thread;
} S;
static gsize S_started;

static void
run_step(gpointer data, gpointer unused)
{
	RemotePriv *p = data;
	gint64 next = remote_supervise(p);

	g_mutex_lock(&S.lock);
	p->sched_running = false;
	if (next > 0 && !p->sched_cancelled) {
		if (!p->sched_queued) {
			p->sched_queued = true;
			p->sched_due = next;
			g_ptr_array_add(S.queue, p);
		} else { /* asked for meanwhile (a death): the earlier wins */
			p->sched_due = MIN(p->sched_due, next);
		}
	}
	g_cond_broadcast(&S.cond);
	g_mutex_unlock(&S.lock);
}

static gpointer
sched_main(gpointer unused)
{
	g_mutex_lock(&S.lock);
	for (;;) {
		gint64 now = g_get_monotonic_time(), first = 0;

		for (guint i = 0; i < S.queue->len;) {
			RemotePriv *p = S.queue->pdata[i];

			if (p->sched_running) {
				i++; /* comes back when its step ends */
			} else if (p->sched_due <= now) {
				p->sched_queued = false;
				p->sched_running = true;
				g_ptr_array_remove_index_fast(S.queue, i);
				g_thread_pool_push(S.pool, p, NULL);
			} else {
				first = first ? MIN(first, p->sched_due) : p->sched_due;
				i++;
			}
		}
		if (first)
			g_cond_wait_until(&S.cond, &S.lock, first);
		else
			g_cond_wait(&S.cond, &S.lock);
	}
	return NULL;
}

static void
sched_start(void)
{
	if (!g_once_init_enter(&S_started))
		return;
	g_mutex_init(&S.lock);
	g_cond_init(&S.cond);
	S.queue = g_ptr_array_new();
	S.pool = g_thread_pool_new(run_step, NULL, SCHED_WORKERS, FALSE, NULL);
	S.thread = g_thread_new("hv-remote-sched", sched_main, NULL);
	g_once_init_leave(&S_started, 1);
}

void
remote_sched_at(RemotePriv *p, gint64 when)
{
	sched_start();
	g_mutex_lock(&S.lock);
	if (!p->sched_cancelled) {
		if (p->sched_queued) {
			p->sched_due = MIN(p->sched_due, when);
		} else {
			p->sched_queued = true;
			p->sched_due = when;
			g_ptr_array_add(S.queue, p);
		}
		g_cond_broadcast(&S.cond);
	}
	g_mutex_unlock(&S.lock);
}

void
remote_sched_cancel(RemotePriv *p)
{
	sched_start();
	g_mutex_lock(&S.lock);
	p->sched_cancelled = true;
	if (p->sched_queued) {
		g_ptr_array_remove_fast(S.queue, p);
		p->sched_queued = false;
	}
	while (p->sched_running)
		g_cond_wait(&S.cond, &S.lock);
	g_mutex_unlock(&S.lock);
}
