/* test_timer.c: the test driver's timer thread. Delayed transitions (a shutdown
 * that takes shutdown-delay ms, a pool build that takes build-delay ms) are
 * queued as jobs ordered by due time; one thread per connection sleeps on a
 * GCond until the first is due and runs it under the connection lock. A job
 * whose object changed state meanwhile (generation mismatch) is dropped. */
#include "drivers/test/test_priv.h"

static void
job_free(TestJob *j)
{
	if (!j)
		return;
	g_free(j->name);
	g_free(j);
}

/* Runs j under the lock; events go to q. */
static void
job_run(TestConn *tc, const TestJob *j, GArray *q)
{
	TestDomain *d;
	TestPool *p;

	switch (j->kind) {
	case TEST_JOB_SHUTDOWN:
		d = test_set_lookup(&tc->domains, j->name);
		if (d && d->gen == j->gen && d->state == HV_DOMAIN_SHUTDOWN)
			test_domain_finish_shutdown(tc, d, q);
		break;
	case TEST_JOB_BUILD:
		p = test_set_lookup(&tc->pools, j->name);
		if (p && p->gen == j->gen && p->state == HV_POOL_BUILDING)
			test_pool_finish_build(tc, p, q);
		break;
	}
}

static gpointer
timer_main(gpointer data)
{
	TestConn *tc = data;

	test_lock(tc);
	while (!tc->quit) {
		TestJob *j = g_queue_peek_head(&tc->jobs);
		GArray *q;

		if (!j) {
			g_cond_wait(&tc->cond, &tc->lock);
			continue;
		}
		if (j->due_us > g_get_monotonic_time()) {
			g_cond_wait_until(&tc->cond, &tc->lock, j->due_us);
			continue;
		}
		g_queue_pop_head(&tc->jobs);
		q = test_evq_new();
		job_run(tc, j, q);
		job_free(j);
		test_unlock(tc, q);
		test_lock(tc);
	}
	test_unlock(tc, NULL);
	return NULL;
}

int
test_timer_start(TestConn *tc, GError **err)
{
	g_autoptr(GError) terr = NULL;

	tc->timer = g_thread_try_new("hv-test-timer", timer_main, tc, &terr);
	if (!tc->timer)
		return hv_error_set(err, EAGAIN, "cannot start the test driver's timer thread: %s",
				    terr->message);
	return 0;
}

/* Stops and joins the thread; pending jobs are dropped. */
void
test_timer_stop(TestConn *tc)
{
	if (tc->timer) {
		test_lock(tc);
		tc->quit = true;
		g_cond_signal(&tc->cond);
		test_unlock(tc, NULL);
		g_thread_join(tc->timer);
		tc->timer = NULL;
	}
	g_queue_clear_full(&tc->jobs, (GDestroyNotify)job_free);
}

/* Called with the lock held. Inserts in due order, searching from the tail
 * (delays are constant per connection, so that is almost always O(1)). */
void
test_timer_add(TestConn *tc, TestJobKind kind, const char *name, unsigned gen,
	       unsigned delay_ms)
{
	TestJob *j = g_new0(TestJob, 1);
	GList *l;

	j->kind = kind;
	j->name = g_strdup(name);
	j->gen = gen;
	j->due_us = g_get_monotonic_time() + (int64_t)delay_ms * 1000;
	for (l = tc->jobs.tail; l; l = l->prev)
		if (((TestJob *)l->data)->due_us <= j->due_us)
			break;
	if (l)
		g_queue_insert_after(&tc->jobs, l, j);
	else
		g_queue_push_head(&tc->jobs, j);
	if (tc->jobs.head->data == j)
		g_cond_signal(&tc->cond);
}
