/* driver_test_fsm.c: every domain verb in every state, table-driven. Each case
 * opens a fresh node holding one domain in the starting state (libvirt's
 * <test:runstate>), applies the verb, and checks the result, the new state and
 * the events. This table restates the expected behaviour independently of the
 * driver's own table. */
#include <stddef.h>
#include "tests/unit/drivers/driver_test.h"

typedef int (*VerbFn)(HvConn *c, const char *name, GError **err);

static const struct {
	const char *name;
	size_t off;
} verbs[] = {
	{ "start", offsetof(HvDomainOps, start) },
	{ "shutdown", offsetof(HvDomainOps, shutdown) },
	{ "destroy", offsetof(HvDomainOps, destroy) },
	{ "reboot", offsetof(HvDomainOps, reboot) },
	{ "reset", offsetof(HvDomainOps, reset) },
	{ "suspend", offsetof(HvDomainOps, suspend) },
	{ "resume", offsetof(HvDomainOps, resume) },
};

enum { START, SHUTDOWN, DESTROY, REBOOT, RESET, SUSPEND, RESUME };
enum { R = HV_DOMAIN_RUNNING, B = HV_DOMAIN_BLOCKED, P = HV_DOMAIN_PAUSED,
       SD = HV_DOMAIN_SHUTDOWN, SO = HV_DOMAIN_SHUTOFF, CR = HV_DOMAIN_CRASHED,
       PM = HV_DOMAIN_PMSUSPENDED };
#define BUSY(v, s) { v, s, -EBUSY, s, "" }

static const struct {
	int verb;
	int from;
	int r;
	int to;
	const char *events;
} cases[] = {
	BUSY(START, R), BUSY(START, B), BUSY(START, P), BUSY(START, SD), BUSY(START, PM),
	{ START, SO, 0, R, "domain vm started booted\n" },
	{ START, CR, 0, R, "domain vm started booted\n" },
	{ SHUTDOWN, R, 0, SD, "domain vm shutdown requested\n" },
	{ SHUTDOWN, B, 0, SD, "domain vm shutdown requested\n" },
	{ SHUTDOWN, P, 0, SD, "domain vm shutdown requested\n" },
	{ SHUTDOWN, PM, 0, SD, "domain vm shutdown requested\n" },
	BUSY(SHUTDOWN, SD), BUSY(SHUTDOWN, SO), BUSY(SHUTDOWN, CR),
	{ DESTROY, R, 0, SO, "domain vm stopped destroyed\n" },
	{ DESTROY, B, 0, SO, "domain vm stopped destroyed\n" },
	{ DESTROY, P, 0, SO, "domain vm stopped destroyed\n" },
	{ DESTROY, SD, 0, SO, "domain vm stopped destroyed\n" },
	{ DESTROY, PM, 0, SO, "domain vm stopped destroyed\n" },
	BUSY(DESTROY, SO), BUSY(DESTROY, CR),
	{ REBOOT, R, 0, R, "domain vm rebooted -\n" },
	{ REBOOT, B, 0, B, "domain vm rebooted -\n" },
	BUSY(REBOOT, P), BUSY(REBOOT, SD), BUSY(REBOOT, SO), BUSY(REBOOT, CR), BUSY(REBOOT, PM),
	{ RESET, R, 0, R, "domain vm reset -\n" },
	{ RESET, B, 0, B, "domain vm reset -\n" },
	{ RESET, P, 0, P, "domain vm reset -\n" },
	{ RESET, SD, 0, R, "domain vm reset -\n" },
	{ RESET, PM, 0, PM, "domain vm reset -\n" },
	BUSY(RESET, SO), BUSY(RESET, CR),
	{ SUSPEND, R, 0, P, "domain vm suspended paused\n" },
	{ SUSPEND, B, 0, P, "domain vm suspended paused\n" },
	BUSY(SUSPEND, P), BUSY(SUSPEND, SD), BUSY(SUSPEND, SO), BUSY(SUSPEND, CR), BUSY(SUSPEND, PM),
	{ RESUME, P, 0, R, "domain vm resumed unpaused\n" },
	BUSY(RESUME, R), BUSY(RESUME, B), BUSY(RESUME, SD), BUSY(RESUME, SO), BUSY(RESUME, CR),
	BUSY(RESUME, PM),
};

static char *
node_in_state(int state)
{
	g_autofree char *name = g_strdup_printf("fsm-%d.xml", state);
	g_autofree char *xml = g_strdup_printf(
		"<node>\n"
		"  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
		"    <name>vm</name>\n"
		"    <memory>1048576</memory>\n"
		"    <vcpu>1</vcpu>\n"
		"    <os><type>hvm</type></os>\n"
		"    <test:runstate>%d</test:runstate>\n"
		"  </domain>\n"
		"</node>\n",
		state);

	return fx_write_file(name, xml);
}

static void
test_every_verb_in_every_state(void)
{
	/* every (verb, state) pair is covered exactly once */
	g_assert_cmpuint(G_N_ELEMENTS(cases), ==, G_N_ELEMENTS(verbs) * 7);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path = node_in_state(cases[i].from);
		g_autofree char *uri = g_strdup_printf("test://%s?shutdown-delay=600000", path);
		g_autoptr(Fx) fx = fx_open(uri);
		g_autoptr(GError) err = NULL;
		g_autofree char *ev = NULL;
		VerbFn fn = *(const VerbFn *)((const char *)fx->c->driver->domain + verbs[cases[i].verb].off);
		int r;

		g_test_message("%s from state %d", verbs[cases[i].verb].name, cases[i].from);
		g_assert_cmpint(fx_dom_state(fx, "vm"), ==, cases[i].from);
		r = fn(fx->c, "vm", &err);
		fx_check(r, cases[i].r, &err);
		g_assert_cmpint(fx_dom_state(fx, "vm"), ==, cases[i].to);
		ev = fx_take_events(fx);
		g_assert_cmpstr(ev, ==, cases[i].events);
	}
}

/* The refusal message names the verb, the domain and the reason, libvirt style. */
static void
test_refusal_message(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, resume, HV_WRITES, &err, "test"), ==, -EBUSY);
	g_assert_cmpstr(err->message, ==, "cannot resume domain 'test': domain is not paused");
	g_clear_error(&err);
	g_assert_cmpint(HV_CALL(fx->c, domain, start, HV_WRITES, &err, "nope"), ==, -ENOENT);
	g_assert_cmpstr(err->message, ==, "domain 'nope' not found");
}

/* shutdown passes through "shutdown" and ends in "shutoff" on the timer. */
static void
test_shutdown_delay(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?shutdown-delay=150");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvDomainInfo) info = NULL;
	g_autofree char *ev = NULL;
	gint64 t0 = g_get_monotonic_time();

	g_assert_cmpint(HV_CALL(fx->c, domain, shutdown, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(fx_dom_state(fx, "test"), ==, HV_DOMAIN_SHUTDOWN);
	g_assert_true(fx_wait_event(fx, "domain test stopped shutdown", 5000));
	g_assert_cmpint(g_get_monotonic_time() - t0, >=, 150000);
	g_assert_cmpint(HV_CALL(fx->c, domain, get_info, HV_READS, &err, "test", &info), ==, 0);
	g_assert_cmpint(info->state, ==, HV_DOMAIN_SHUTOFF);
	g_assert_cmpint(info->reason, ==, 1);
	g_assert_cmpint(info->id, ==, -1);
	ev = fx_take_events(fx);
	g_assert_cmpstr(ev, ==, "domain test shutdown requested\n"
				"domain test shutdown finished\n"
				"domain test stopped shutdown\n");
}

/* destroy during a shutdown wins; the pending timer does nothing later. */
static void
test_destroy_cancels_shutdown(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?shutdown-delay=300");
	g_autoptr(GError) err = NULL;
	g_autofree char *ev = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, shutdown, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, destroy, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, start, HV_WRITES, &err, "test"), ==, 0);
	g_usleep(500000);
	g_assert_cmpint(fx_dom_state(fx, "test"), ==, HV_DOMAIN_RUNNING);
	ev = fx_take_events(fx);
	g_assert_cmpstr(ev, ==, "domain test shutdown requested\n"
				"domain test stopped destroyed\n"
				"domain test started booted\n");
}

static void
test_shutdown_immediate(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?shutdown-delay=0");
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, shutdown, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(fx_dom_state(fx, "test"), ==, HV_DOMAIN_SHUTOFF);
}

/* start assigns a new id from an increasing counter. */
static void
test_ids(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?shutdown-delay=0");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvDomainInfo) a = NULL;
	g_autoptr(HvDomainInfo) b = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, get_info, HV_READS, &err, "test", &a), ==, 0);
	g_assert_cmpint(a->id, ==, 1);
	g_assert_cmpint(HV_CALL(fx->c, domain, destroy, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, start, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, get_info, HV_READS, &err, "test", &b), ==, 0);
	g_assert_cmpint(b->id, ==, 2);
}

void
fsm_tests_register(void)
{
	g_test_add_func("/driver/test/fsm/every-verb-every-state", test_every_verb_in_every_state);
	g_test_add_func("/driver/test/fsm/refusal-message", test_refusal_message);
	g_test_add_func("/driver/test/fsm/shutdown-delay", test_shutdown_delay);
	g_test_add_func("/driver/test/fsm/destroy-cancels-shutdown", test_destroy_cancels_shutdown);
	g_test_add_func("/driver/test/fsm/shutdown-immediate", test_shutdown_immediate);
	g_test_add_func("/driver/test/fsm/ids", test_ids);
}
