/* test_fsm.c: the domain state machine of the test driver, as one table of
 * verb x current state -> allowed?, new state and reason, event and detail, and
 * the side effect (boot, stop, schedule the end of a shutdown). A refused verb
 * changes nothing and fails with -EBUSY, worded the way libvirt words it.
 * CPU time is accounted here: it grows while a domain is active and not paused. */
#include "drivers/test/test_priv.h"

#define KEEP HV_DOMAIN_STATE_LAST

/* libvirt's reason codes (virDomainRunningReason, ...ShutoffReason, ...) */
enum { R_BOOTED = 1, R_UNPAUSED = 5, R_PAUSED_USER = 1, R_SHUTDOWN_USER = 1,
       R_OFF_SHUTDOWN = 1, R_OFF_DESTROYED = 2 };

typedef void (*TestAct)(TestConn *tc, TestDomain *d, GArray *q);

typedef struct {
	bool ok;
	HvDomainState to; /* KEEP: the state does not change */
	int reason;
	const char *event;
	const char *detail;
	TestAct act;     /* runs after the state change and the event; may free d */
	const char *why; /* when refused */
} TestTransition;

static void act_boot(TestConn *tc, TestDomain *d, GArray *q);
static void act_shutdown(TestConn *tc, TestDomain *d, GArray *q);
static void act_stop(TestConn *tc, TestDomain *d, GArray *q);

#define GO(st, rsn, ev, det, fn) { .ok = true, .to = (st), .reason = (rsn), .event = (ev), \
				   .detail = (det), .act = (fn) }
#define NO(text) { .ok = false, .why = (text) }

static const char *const verb_names[TEST_VERB_LAST] = {
	[TEST_VERB_START] = "start",     [TEST_VERB_SHUTDOWN] = "shutdown",
	[TEST_VERB_DESTROY] = "destroy", [TEST_VERB_REBOOT] = "reboot",
	[TEST_VERB_RESET] = "reset",     [TEST_VERB_SUSPEND] = "suspend",
	[TEST_VERB_RESUME] = "resume",
};

static const TestTransition fsm[TEST_VERB_LAST][HV_DOMAIN_STATE_LAST] = {
	[TEST_VERB_START] = {
		[HV_DOMAIN_NOSTATE] = GO(HV_DOMAIN_RUNNING, R_BOOTED, "started", "booted", act_boot),
		[HV_DOMAIN_RUNNING] = NO("domain is already running"),
		[HV_DOMAIN_BLOCKED] = NO("domain is already running"),
		[HV_DOMAIN_PAUSED] = NO("domain is already running"),
		[HV_DOMAIN_SHUTDOWN] = NO("domain is already running"),
		[HV_DOMAIN_SHUTOFF] = GO(HV_DOMAIN_RUNNING, R_BOOTED, "started", "booted", act_boot),
		[HV_DOMAIN_CRASHED] = GO(HV_DOMAIN_RUNNING, R_BOOTED, "started", "booted", act_boot),
		[HV_DOMAIN_PMSUSPENDED] = NO("domain is already running"),
	},
	[TEST_VERB_SHUTDOWN] = {
		[HV_DOMAIN_NOSTATE] = NO("domain is not running"),
		[HV_DOMAIN_RUNNING] = GO(HV_DOMAIN_SHUTDOWN, R_SHUTDOWN_USER, "shutdown", "requested", act_shutdown),
		[HV_DOMAIN_BLOCKED] = GO(HV_DOMAIN_SHUTDOWN, R_SHUTDOWN_USER, "shutdown", "requested", act_shutdown),
		[HV_DOMAIN_PAUSED] = GO(HV_DOMAIN_SHUTDOWN, R_SHUTDOWN_USER, "shutdown", "requested", act_shutdown),
		[HV_DOMAIN_SHUTDOWN] = NO("domain is already shutting down"),
		[HV_DOMAIN_SHUTOFF] = NO("domain is not running"),
		[HV_DOMAIN_CRASHED] = NO("domain is not running"),
		[HV_DOMAIN_PMSUSPENDED] = GO(HV_DOMAIN_SHUTDOWN, R_SHUTDOWN_USER, "shutdown", "requested", act_shutdown),
	},
	[TEST_VERB_DESTROY] = {
		[HV_DOMAIN_NOSTATE] = NO("domain is not running"),
		[HV_DOMAIN_RUNNING] = GO(HV_DOMAIN_SHUTOFF, R_OFF_DESTROYED, "stopped", "destroyed", act_stop),
		[HV_DOMAIN_BLOCKED] = GO(HV_DOMAIN_SHUTOFF, R_OFF_DESTROYED, "stopped", "destroyed", act_stop),
		[HV_DOMAIN_PAUSED] = GO(HV_DOMAIN_SHUTOFF, R_OFF_DESTROYED, "stopped", "destroyed", act_stop),
		[HV_DOMAIN_SHUTDOWN] = GO(HV_DOMAIN_SHUTOFF, R_OFF_DESTROYED, "stopped", "destroyed", act_stop),
		[HV_DOMAIN_SHUTOFF] = NO("domain is not running"),
		[HV_DOMAIN_CRASHED] = NO("domain is not running"),
		[HV_DOMAIN_PMSUSPENDED] = GO(HV_DOMAIN_SHUTOFF, R_OFF_DESTROYED, "stopped", "destroyed", act_stop),
	},
	[TEST_VERB_REBOOT] = {
		[HV_DOMAIN_NOSTATE] = NO("domain is not running"),
		[HV_DOMAIN_RUNNING] = GO(KEEP, 0, "rebooted", "-", NULL),
		[HV_DOMAIN_BLOCKED] = GO(KEEP, 0, "rebooted", "-", NULL),
		[HV_DOMAIN_PAUSED] = NO("domain is paused"),
		[HV_DOMAIN_SHUTDOWN] = NO("domain is shutting down"),
		[HV_DOMAIN_SHUTOFF] = NO("domain is not running"),
		[HV_DOMAIN_CRASHED] = NO("domain is not running"),
		[HV_DOMAIN_PMSUSPENDED] = NO("domain is suspended by power management"),
	},
	[TEST_VERB_RESET] = {
		[HV_DOMAIN_NOSTATE] = NO("domain is not running"),
		[HV_DOMAIN_RUNNING] = GO(KEEP, 0, "reset", "-", NULL),
		[HV_DOMAIN_BLOCKED] = GO(KEEP, 0, "reset", "-", NULL),
		[HV_DOMAIN_PAUSED] = GO(KEEP, 0, "reset", "-", NULL),
		[HV_DOMAIN_SHUTDOWN] = GO(HV_DOMAIN_RUNNING, R_BOOTED, "reset", "-", NULL),
		[HV_DOMAIN_SHUTOFF] = NO("domain is not running"),
		[HV_DOMAIN_CRASHED] = NO("domain is not running"),
		[HV_DOMAIN_PMSUSPENDED] = GO(KEEP, 0, "reset", "-", NULL),
	},
	[TEST_VERB_SUSPEND] = {
		[HV_DOMAIN_NOSTATE] = NO("domain is not running"),
		[HV_DOMAIN_RUNNING] = GO(HV_DOMAIN_PAUSED, R_PAUSED_USER, "suspended", "paused", NULL),
		[HV_DOMAIN_BLOCKED] = GO(HV_DOMAIN_PAUSED, R_PAUSED_USER, "suspended", "paused", NULL),
		[HV_DOMAIN_PAUSED] = NO("domain is already paused"),
		[HV_DOMAIN_SHUTDOWN] = NO("domain is shutting down"),
		[HV_DOMAIN_SHUTOFF] = NO("domain is not running"),
		[HV_DOMAIN_CRASHED] = NO("domain is not running"),
		[HV_DOMAIN_PMSUSPENDED] = NO("domain is suspended by power management"),
	},
	[TEST_VERB_RESUME] = {
		[HV_DOMAIN_NOSTATE] = NO("domain is not running"),
		[HV_DOMAIN_RUNNING] = NO("domain is not paused"),
		[HV_DOMAIN_BLOCKED] = NO("domain is not paused"),
		[HV_DOMAIN_PAUSED] = GO(HV_DOMAIN_RUNNING, R_UNPAUSED, "resumed", "unpaused", NULL),
		[HV_DOMAIN_SHUTDOWN] = NO("domain is not paused"),
		[HV_DOMAIN_SHUTOFF] = NO("domain is not running"),
		[HV_DOMAIN_CRASHED] = NO("domain is not running"),
		[HV_DOMAIN_PMSUSPENDED] = NO("domain is not paused"),
	},
};

const char *
test_verb_name(TestVerb verb)
{
	return verb < TEST_VERB_LAST ? verb_names[verb] : "?";
}

/* Active: the domain has a process (an id), whatever its state. */
bool
test_domain_state_active(HvDomainState s)
{
	return s != HV_DOMAIN_SHUTOFF && s != HV_DOMAIN_CRASHED && s != HV_DOMAIN_NOSTATE;
}

/* Each vCPU of a guest that runs is busy half the time. */
static bool
accumulates(HvDomainState s)
{
	return s == HV_DOMAIN_RUNNING || s == HV_DOMAIN_BLOCKED || s == HV_DOMAIN_SHUTDOWN;
}

uint64_t
test_domain_cpu_ns(TestConn *tc, const TestDomain *d)
{
	int64_t now = test_clock_ns(tc);
	unsigned vcpus = d->def->vcpus ? d->def->vcpus : 1;

	if (!accumulates(d->state) || now <= d->since_ns)
		return d->cpu_ns;
	return d->cpu_ns + (uint64_t)(now - d->since_ns) * vcpus / 2;
}

/* Folds the time since the last change into cpu_ns (before vcpus or state change). */
void
test_domain_settle_cpu(TestConn *tc, TestDomain *d)
{
	d->cpu_ns = test_domain_cpu_ns(tc, d);
	d->since_ns = test_clock_ns(tc);
}

void
test_domain_boot(TestConn *tc, TestDomain *d, int reason)
{
	d->state = HV_DOMAIN_RUNNING;
	d->reason = reason;
	d->id = tc->next_id++;
	d->cpu_ns = 0;
	d->since_ns = test_clock_ns(tc);
	g_clear_pointer(&d->newdef, hv_domain_def_free); /* config == live until changed */
}

static void
act_boot(TestConn *tc, TestDomain *d, GArray *q)
{
	test_domain_boot(tc, d, d->reason);
}

/* The process is gone: the persistent config becomes current again, and a
 * transient domain vanishes. */
static void
act_stop(TestConn *tc, TestDomain *d, GArray *q)
{
	d->id = -1;
	if (d->newdef) {
		hv_domain_def_free(d->def);
		d->def = g_steal_pointer(&d->newdef);
	}
	if (!d->persistent) {
		test_evq_add(q, HV_OBJ_DOMAIN, NULL, d->name, "undefined", "removed");
		test_set_remove(&tc->domains, d->name, d->uuid, d);
	}
}

static void
act_shutdown(TestConn *tc, TestDomain *d, GArray *q)
{
	if (tc->params.shutdown_delay_ms == 0)
		test_domain_finish_shutdown(tc, d, q);
	else
		test_timer_add(tc, TEST_JOB_SHUTDOWN, d->name, d->gen,
			       tc->params.shutdown_delay_ms);
}

/* The guest finished shutting down (timer thread or no delay). */
void
test_domain_finish_shutdown(TestConn *tc, TestDomain *d, GArray *q)
{
	test_domain_settle_cpu(tc, d);
	d->state = HV_DOMAIN_SHUTOFF;
	d->reason = R_OFF_SHUTDOWN;
	d->gen++;
	test_evq_add(q, HV_OBJ_DOMAIN, NULL, d->name, "shutdown", "finished");
	test_evq_add(q, HV_OBJ_DOMAIN, NULL, d->name, "stopped", "shutdown");
	act_stop(tc, d, q);
}

int
test_domain_verb(TestConn *tc, TestVerb verb, const char *name, GArray *q, GError **err)
{
	const TestTransition *t;
	TestDomain *d;

	if (!(d = test_domain_find(tc, name, err)))
		return -ENOENT;
	g_assert(verb < TEST_VERB_LAST && d->state < HV_DOMAIN_STATE_LAST);
	t = &fsm[verb][d->state];
	if (!t->ok)
		return hv_error_set(err, EBUSY, "cannot %s domain '%s': %s", verb_names[verb],
				    name, t->why);
	test_tick(tc);
	test_domain_settle_cpu(tc, d);
	if (t->to != KEEP) {
		d->state = t->to;
		d->reason = t->reason;
	}
	d->gen++;
	test_evq_add(q, HV_OBJ_DOMAIN, NULL, d->name, t->event, t->detail);
	if (t->act)
		t->act(tc, d, q);
	return 0;
}
