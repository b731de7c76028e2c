/* driver_test_jobs.c: per-object jobs through the test driver's API: a vCPU
 * change that takes a while (set-delay=) holds its job and shows in get_job;
 * another change gets EBUSY naming it once job-wait= passes; reads do not
 * wait; destroy gets through at once and the change is cancelled. And a
 * get_info that info-delay= makes late holds up nobody else. */
#include <string.h>
#include "tests/unit/drivers/driver_test.h"

typedef struct {
	Fx *fx;
	int r;
	char *msg;
} Setter;

static gpointer
set_vcpus_main(gpointer p)
{
	Setter *s = p;
	g_autoptr(GError) err = NULL;

	s->r = HV_CALL(s->fx->c, domain, set_vcpus, HV_WRITES, &err, "test", 1, HV_AFFECT_LIVE);
	s->msg = err ? g_strdup(err->message) : NULL;
	return NULL;
}

/* Waits (polling) until the domain's job is of that type. */
static void
until_job(Fx *fx, const char *type)
{
	for (;;) {
		g_autoptr(GError) err = NULL;
		HvJobInfo info;
		bool match;

		g_assert_cmpint(HV_CALL(fx->c, domain, get_job, HV_READS, &err, "test", &info), ==, 0);
		match = g_strcmp0(info.type, type) == 0;
		hv_job_info_clear(&info);
		if (match)
			return;
		g_usleep(1000);
	}
}

static void
test_destroy_through_a_change(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?set-delay=3600000&job-wait=20&extras=jobs");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvDomainInfo) info = NULL;
	g_autofree char *ev = NULL;
	Setter s = { .fx = fx };
	GThread *th = g_thread_new("setter", set_vcpus_main, &s);
	HvJobInfo job;

	until_job(fx, "set-vcpus");
	g_assert_cmpint(HV_CALL(fx->c, domain, get_job, HV_READS, &err, "test", &job), ==, 0);
	g_assert_true(job.modifying && !job.abortable);
	hv_job_info_clear(&job);
	g_assert_cmpint(HV_CALL(fx->c, domain, set_memory, HV_WRITES, &err, "test", 1024,
				HV_AFFECT_LIVE), ==, -EBUSY);
	g_assert_true(g_str_has_prefix(err->message,
				       "domain 'test' is busy: job 'set-vcpus' has held it for "));
	g_clear_error(&err);
	fx_check(HV_CALL(fx->c, domain, abort_job, HV_WRITES, &err, "test"), -EBUSY, &err);
	g_assert_cmpint(HV_CALL(fx->c, domain, get_info, HV_READS, &err, "test", &info), ==, 0);
	g_assert_cmpuint(info->vcpus, ==, 2); /* not changed yet */
	g_assert_cmpint(HV_CALL(fx->c, domain, destroy, HV_WRITES, &err, "test"), ==, 0);
	g_thread_join(th);
	g_assert_cmpint(s.r, ==, -ECANCELED);
	g_assert_cmpstr(s.msg, ==, "job 'set-vcpus' on domain 'test' was interrupted by 'destroy'");
	g_free(s.msg);
	ev = fx_take_events(fx);
	g_assert_cmpstr(ev, ==, "domain test stopped destroyed\n");
}

typedef struct {
	HvConn *c;
	int r;
	gint64 start_us; /* set just before the call, atomically */
	gint64 end_us;
} Late;

static gpointer
late_info_main(gpointer p)
{
	Late *l = p;
	g_autoptr(GError) err = NULL;
	g_autoptr(HvDomainInfo) info = NULL;

	g_atomic_pointer_set(&l->start_us, g_get_monotonic_time());
	l->r = HV_CALL(l->c, domain, get_info, HV_READS, &err, "test", &info);
	l->end_us = g_get_monotonic_time();
	return NULL;
}

/* info-delay: a late get_info holds no lock: a change made meanwhile, and its
 * event, are done before the late answer comes. */
static void
test_late_info(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?info-delay=1000&extras=jobs");
	g_autoptr(GError) err = NULL;
	Late l = { .c = fx->c };
	GThread *th = g_thread_new("late", late_info_main, &l);
	gint64 done_us;

	while (!g_atomic_pointer_get(&l.start_us))
		g_usleep(1000);
	g_assert_cmpint(HV_CALL(fx->c, domain, suspend, HV_WRITES, &err, "test"), ==, 0);
	g_assert_true(fx_wait_event(fx, "domain test suspended paused", 10000));
	done_us = g_get_monotonic_time();
	g_thread_join(th);
	g_assert_cmpint(l.r, ==, 0);
	g_assert_cmpint(l.end_us - l.start_us, >=, 1000 * 1000);
	g_assert_cmpint(done_us, <, l.end_us);
}

/* job-wait and set-delay are checked like every parameter. */
static void
test_job_params(void)
{
	g_autoptr(GError) err = NULL;
	HvConn *c = hv_conn_open("test:///default?job-wait=x", false, &err);

	g_assert_null(c);
	g_assert_cmpint(hv_error_errno(err), ==, -EINVAL);
	g_assert_nonnull(strstr(err->message, "job-wait"));
}

void
job_tests_register(void)
{
	g_test_add_func("/driver/test/jobs/destroy-through-a-change", test_destroy_through_a_change);
	g_test_add_func("/driver/test/jobs/params", test_job_params);
	g_test_add_func("/driver/test/jobs/late-info", test_late_info);
}
