/* test_timer.c: the test driver's timer thread. Delayed transitions (a shutdown
 * that takes shutdown-delay ms, a pool build that takes build-delay ms) are
 * queued as timers ordered by due time; one thread per connection sleeps on a
 * GCond until the first is due and runs it under the connection lock. A timer
 * names its object's table and the function that finishes the transition
 * (test_fsm.c, test_pool.c), which drops it when the object changed state
 * meanwhile (generation mismatch): the timer calls nothing else. */
#include "drivers/test/test_priv.h"

static void
timer_free(TestTimer *j)
{
	if (!j)
		return;
	g_free(j->name);
	g_free(j);
}

/* Runs j under the lock. */
static void
timer_run(TestConn *tc, const TestTimer *j)
{
	HvEntry *o = hv_objtab_lookup(j->tab, j->name);

	if (o)
		j->fire(tc, o, j->gen);
}

static gpointer
timer_main(gpointer data)
{
	TestConn *tc = data;

	hv_core_lock(&tc->core);
	while (!tc->quit) {
		TestTimer *j = g_queue_peek_head(&tc->timers);

		if (!j) {
			g_cond_wait(&tc->cond, &tc->core.mutex);
			continue;
		}
		if (j->due_us > g_get_monotonic_time()) {
			g_cond_wait_until(&tc->cond, &tc->core.mutex, j->due_us);
			continue;
		}
		g_queue_pop_head(&tc->timers);
		timer_run(tc, j);
		timer_free(j);
		hv_core_flush(&tc->core);
	}
	hv_core_unlock(&tc->core);
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

/* Stops and joins the thread; pending timers are dropped. */
void
test_timer_stop(TestConn *tc)
{
	if (tc->timer) {
		hv_core_lock(&tc->core);
		tc->quit = true;
		g_cond_signal(&tc->cond);
		hv_core_unlock(&tc->core);
		g_thread_join(tc->timer);
		tc->timer = NULL;
	}
	g_queue_clear_full(&tc->timers, (GDestroyNotify)timer_free);
}

/* Called with the lock held. Inserts in due order, searching from the tail
 * (delays are constant per connection, so that is almost always O(1)). */
void
test_timer_add(TestConn *tc, HvObjTab *tab, TestTimerFire fire, const char *name, unsigned gen,
	       unsigned delay_ms)
{
	TestTimer *j = g_new0(TestTimer, 1);
	GList *l;

	j->tab = tab;
	j->fire = fire;
	j->name = g_strdup(name);
	j->gen = gen;
	j->due_us = g_get_monotonic_time() + (int64_t)delay_ms * 1000;
	for (l = tc->timers.tail; l; l = l->prev)
		if (((TestTimer *)l->data)->due_us <= j->due_us)
			break;
	if (l)
		g_queue_insert_after(&tc->timers, l, j);
	else
		g_queue_push_head(&tc->timers, j);
	if (tc->timers.head->data == j)
		g_cond_signal(&tc->cond);
}

void
test_timer_after(TestConn *tc, HvObjTab *tab, TestFinish now, TestTimerFire due, HvEntry *o,
		 unsigned gen, unsigned delay_ms)
{
	if (delay_ms == 0)
		now(tc, o);
	else
		test_timer_add(tc, tab, due, o->name, gen, delay_ms);
}
