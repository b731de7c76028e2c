/* shared_job.c: per-object jobs (drivers/job.h): one modifying job at a
 * time, the wait bound and its EBUSY message, a waiter admitted when the
 * holder ends, destroy getting through and the holder noticing, concurrent
 * queries, writer preference, removal while waiting, abort, the snapshot.
 * Threads synchronise on conditions, never on sleeps. */
#include <string.h>
#include "tests/unit/drivers/shared_test.h"

static const HvJobType set_x = { "set-x", HV_JOB_MODIFY, 0 };
static const HvJobType migrate = { "migrate", HV_JOB_MODIFY,
				   HV_JOBF_ABORTABLE | HV_JOBF_QUERIES };
static const HvJobType query_x = { "query-x", HV_JOB_QUERY, 0 };

static HvEntry *
one(Tx *tx)
{
	tx_define(tx, "a", NULL);
	return tx_entry(tx, "a");
}

/* A thread that begins a job and reports. */
typedef struct {
	Tx *tx;
	HvEntry *o;
	const HvJobType *type;
	int r;
	char *msg;
	bool done;
	GThread *th;
} Waiter;

static gpointer
waiter_main(gpointer p)
{
	Waiter *w = p;
	g_autoptr(GError) err = NULL;
	HvJob *j = NULL;

	hv_core_lock(&w->tx->core);
	w->r = hv_job_begin(w->o, w->type, &j, &err);
	w->msg = err ? g_strdup(err->message) : NULL;
	hv_job_end(j);
	w->done = true;
	hv_core_unlock(&w->tx->core);
	return NULL;
}

static void
waiter_start(Waiter *w, Tx *tx, HvEntry *o, const HvJobType *type)
{
	*w = (Waiter){ .tx = tx, .o = o, .type = type };
	w->th = g_thread_new("waiter", waiter_main, w);
}

/* Lock held: waits until pred holds for o (polling under the lock). */
static void
until_waiting(Tx *tx, HvEntry *o, unsigned modifiers)
{
	while (o->jobs.modifiers_waiting != modifiers) {
		hv_core_unlock(&tx->core);
		g_usleep(1000);
		hv_core_lock(&tx->core);
	}
}

static void
waiter_join(Waiter *w)
{
	g_thread_join(w->th);
	g_free(w->msg);
}

static void
test_one_modifier(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	HvEntry *o = one(tx);
	HvJob *a = NULL, *b = NULL;

	hv_core_lock(&tx->core);
	g_assert_cmpint(hv_job_try_begin(o, &set_x, &a, &err), ==, 0);
	g_assert_cmpint(hv_job_try_begin(o, &set_x, &b, &err), ==, -EBUSY);
	g_assert_true(g_regex_match_simple("^network 'a' is busy: job 'set-x' has held it for "
					   "[0-9]+ ms$", err->message, 0, 0));
	g_clear_error(&err);
	tx_check(hv_job_try_begin(o, &query_x, &b, &err), -EBUSY, &err);
	hv_job_end(a);
	g_assert_cmpint(hv_job_try_begin(o, &set_x, &b, &err), ==, 0);
	hv_job_end(b);
	hv_core_unlock(&tx->core);
}

/* A modifier waits at most the bound, then EBUSY names the holder. */
static void
test_wait_bound(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	HvEntry *o = one(tx);
	HvJob *a = NULL, *b = NULL;
	int64_t t0;

	tx->core.job_wait_ms = 1100;
	hv_core_lock(&tx->core);
	g_assert_cmpint(hv_job_try_begin(o, &set_x, &a, &err), ==, 0);
	t0 = g_get_monotonic_time();
	g_assert_cmpint(hv_job_begin(o, &set_x, &b, &err), ==, -EBUSY);
	g_assert_cmpint(g_get_monotonic_time() - t0, >=, 1100 * 1000);
	g_assert_true(g_regex_match_simple("^network 'a' is busy: job 'set-x' has held it for "
					   "[0-9]+ s$", err->message, 0, 0));
	hv_job_end(a);
	hv_core_unlock(&tx->core);
}

/* A waiting modifier gets the object when the holder ends. */
static void
test_waiter_admitted(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	HvEntry *o = one(tx);
	HvJob *a = NULL;
	Waiter w;

	hv_core_lock(&tx->core);
	g_assert_cmpint(hv_job_try_begin(o, &set_x, &a, &err), ==, 0);
	waiter_start(&w, tx, o, &set_x);
	until_waiting(tx, o, 1);
	hv_job_end(a);
	hv_core_unlock(&tx->core);
	waiter_join(&w);
	g_assert_cmpint(w.r, ==, 0);
}

typedef struct {
	Tx *tx;
	HvJob *job;
	int r;
	char *msg;
	bool waiting;
	unsigned notified;
} Holder;

static void
notified(HvJob *j, void *data)
{
	((Holder *)data)->notified++;
}

/* Holds a modifying job and waits on the object, as a holder waiting for
 * its hypervisor would. */
static gpointer
holder_main(gpointer p)
{
	Holder *h = p;
	g_autoptr(GError) err = NULL;

	hv_core_lock(&h->tx->core);
	h->waiting = true;
	do
		h->r = hv_job_wait(h->job, g_get_monotonic_time() + 30 * G_USEC_PER_SEC, &err);
	while (h->r == 0);
	h->msg = g_strdup(err->message);
	hv_core_unlock(&h->tx->core);
	return NULL;
}

/* Destroy never waits behind a modifying job; the holder is told. */
static void
test_destroy_gets_through(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	HvEntry *o = one(tx);
	HvJob *d = NULL, *d2 = NULL;
	Holder h = { .tx = tx };
	GThread *th;

	hv_core_lock(&tx->core);
	g_assert_cmpint(hv_job_try_begin(o, &set_x, &h.job, &err), ==, 0);
	hv_job_set_notify(h.job, notified, &h);
	th = g_thread_new("holder", holder_main, &h);
	while (!h.waiting) {
		hv_core_unlock(&tx->core);
		g_usleep(1000);
		hv_core_lock(&tx->core);
	}
	/* try_begin: it must not need to wait at all */
	g_assert_cmpint(hv_job_try_begin(o, &hv_job_destroy, &d, &err), ==, 0);
	g_assert_cmpuint(h.notified, ==, 1);
	g_assert_true(hv_job_stop_requested(h.job));
	tx_check(hv_job_try_begin(o, &hv_job_destroy, &d2, &err), -EBUSY, &err);
	hv_core_unlock(&tx->core);
	g_thread_join(th);
	g_assert_cmpint(h.r, ==, -ECANCELED);
	g_assert_cmpstr(h.msg, ==, "job 'set-x' on network 'a' was interrupted by 'destroy'");
	hv_core_lock(&tx->core);
	g_assert_cmpint(hv_job_check(h.job, &err), ==, -ECANCELED);
	hv_job_end(h.job);
	hv_job_end(d);
	hv_core_unlock(&tx->core);
	g_free(h.msg);
}

/* Queries run side by side; a modifier that allows queries runs beside them. */
static void
test_queries(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	HvEntry *o = one(tx);
	HvJob *q1 = NULL, *q2 = NULL, *q3 = NULL, *m = NULL, *x = NULL;
	HvJobInfo info;

	hv_core_lock(&tx->core);
	g_assert_cmpint(hv_job_try_begin(o, &query_x, &q1, &err), ==, 0);
	g_assert_cmpint(hv_job_try_begin(o, &query_x, &q2, &err), ==, 0);
	g_assert_cmpint(hv_job_try_begin(o, &set_x, &x, &err), ==, -EBUSY);
	g_assert_nonnull(strstr(err->message, "job 'query-x'"));
	g_clear_error(&err);
	g_assert_cmpint(hv_job_try_begin(o, &migrate, &m, &err), ==, 0);
	g_assert_cmpint(hv_job_try_begin(o, &query_x, &q3, &err), ==, 0);
	g_assert_true(hv_job_snapshot(o, &info));
	g_assert_cmpstr(info.type, ==, "migrate");
	g_assert_true(info.modifying && info.abortable && !info.abort_requested);
	g_assert_cmpuint(info.queries, ==, 3);
	hv_job_info_clear(&info);
	tx_check(hv_job_try_begin(o, &set_x, &x, &err), -EBUSY, &err);
	hv_job_end(q1);
	hv_job_end(q2);
	hv_job_end(q3);
	hv_job_end(m);
	g_assert_false(hv_job_snapshot(o, &info));
	hv_core_unlock(&tx->core);
}

/* A waiting modifier keeps new queries out, so queries cannot starve it. */
static void
test_writer_preference(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	HvEntry *o = one(tx);
	HvJob *q1 = NULL, *q2 = NULL;
	Waiter w;

	hv_core_lock(&tx->core);
	g_assert_cmpint(hv_job_try_begin(o, &query_x, &q1, &err), ==, 0);
	waiter_start(&w, tx, o, &set_x);
	until_waiting(tx, o, 1);
	tx_check(hv_job_try_begin(o, &query_x, &q2, &err), -EBUSY, &err);
	hv_job_end(q1);
	hv_core_unlock(&tx->core);
	waiter_join(&w);
	g_assert_cmpint(w.r, ==, 0);
}

/* A waiter whose object goes away gives up with ENOENT. */
static void
test_removed_while_waiting(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	HvEntry *o = one(tx);
	HvJob *a = NULL;
	Waiter w;

	hv_core_lock(&tx->core);
	g_assert_cmpint(hv_job_try_begin(o, &set_x, &a, &err), ==, 0);
	waiter_start(&w, tx, o, &set_x);
	until_waiting(tx, o, 1);
	hv_objtab_remove(tx->nets, o);
	while (!w.done) {
		hv_core_unlock(&tx->core);
		g_usleep(1000);
		hv_core_lock(&tx->core);
	}
	g_assert_cmpint(w.r, ==, -ENOENT);
	hv_job_end(a); /* frees o */
	hv_core_unlock(&tx->core);
	waiter_join(&w);
}

static void
test_abort_and_progress(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	HvEntry *o = one(tx);
	HvJob *j = NULL;
	HvJobInfo info;

	hv_core_lock(&tx->core);
	tx_check(hv_job_abort(o, &err), -EBUSY, &err); /* no job */
	g_assert_cmpint(hv_job_try_begin(o, &set_x, &j, &err), ==, 0);
	g_assert_cmpint(hv_job_abort(o, &err), ==, -EBUSY);
	g_assert_cmpstr(err->message, ==, "job 'set-x' on network 'a' cannot be aborted");
	g_clear_error(&err);
	hv_job_end(j);
	g_assert_cmpint(hv_job_try_begin(o, &migrate, &j, &err), ==, 0);
	hv_job_set_progress(j, &(HvJobProgress){ .total_bytes = 100, .processed_bytes = 40,
						 .remaining_bytes = 60, .rate = 7, .iteration = 2 });
	g_assert_cmpint(hv_job_check(j, &err), ==, 0);
	g_assert_cmpint(hv_job_abort(o, &err), ==, 0);
	g_assert_true(hv_job_stop_requested(j));
	g_assert_cmpint(hv_job_check(j, &err), ==, -ECANCELED);
	g_assert_cmpstr(err->message, ==, "job 'migrate' on network 'a' was aborted");
	g_assert_true(hv_job_snapshot(o, &info));
	g_assert_true(info.abort_requested);
	g_assert_cmpuint(info.total_bytes, ==, 100);
	g_assert_cmpuint(info.processed_bytes, ==, 40);
	g_assert_cmpuint(info.remaining_bytes, ==, 60);
	g_assert_cmpuint(info.rate, ==, 7);
	g_assert_cmpuint(info.iteration, ==, 2);
	hv_job_info_clear(&info);
	hv_job_end(j);
	hv_core_unlock(&tx->core);
}

/* define, undefine and autostart take a modifying job: they wait for one. */
static void
test_glue_takes_jobs(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	HvEntry *o = one(tx);
	HvJob *a = NULL;

	tx->core.job_wait_ms = 10;
	hv_core_lock(&tx->core);
	g_assert_cmpint(hv_job_try_begin(o, &set_x, &a, &err), ==, 0);
	hv_core_unlock(&tx->core);
	tx_check(hv_objtab_set_autostart(tx->nets, "a", true, &err), -EBUSY, &err);
	tx_check(hv_objtab_undefine(tx->nets, "a", &err), -EBUSY, &err);
	tx_check(hv_objtab_run(tx->nets, "a", HV_VERB_START, NULL, &err), -EBUSY, &err);
	hv_core_lock(&tx->core);
	hv_job_end(a);
	hv_core_unlock(&tx->core);
	g_assert_cmpint(hv_objtab_set_autostart(tx->nets, "a", true, &err), ==, 0);
}

void
job_tests_register(void)
{
	g_test_add_func("/drivers/job/one-modifier", test_one_modifier);
	g_test_add_func("/drivers/job/wait-bound", test_wait_bound);
	g_test_add_func("/drivers/job/waiter-admitted", test_waiter_admitted);
	g_test_add_func("/drivers/job/destroy-gets-through", test_destroy_gets_through);
	g_test_add_func("/drivers/job/queries", test_queries);
	g_test_add_func("/drivers/job/writer-preference", test_writer_preference);
	g_test_add_func("/drivers/job/removed-while-waiting", test_removed_while_waiting);
	g_test_add_func("/drivers/job/abort-and-progress", test_abort_and_progress);
	g_test_add_func("/drivers/job/glue-takes-jobs", test_glue_takes_jobs);
}
