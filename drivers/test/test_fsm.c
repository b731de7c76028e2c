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

typedef void (*TestAct)(TestConn *tc, HvEntry *o);

typedef struct {
	bool ok;
	HvDomainState to; /* KEEP: the state does not change */
	int reason;
	const char *event;
	const char *detail;
	TestAct act;     /* runs after the state change and the event; may remove o */
	const char *why; /* when refused */
} TestTransition;

static void act_boot(TestConn *tc, HvEntry *o);
static void act_shutdown(TestConn *tc, HvEntry *o);
static void act_stop(TestConn *tc, HvEntry *o);
static void act_reboot(TestConn *tc, HvEntry *o);

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
		[HV_DOMAIN_RUNNING] = GO(KEEP, 0, "rebooted", "-", act_reboot),
		[HV_DOMAIN_BLOCKED] = GO(KEEP, 0, "rebooted", "-", act_reboot),
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
test_domain_cpu_ns(TestConn *tc, const HvEntry *o)
{
	const TestDomain *d = test_dom(o);
	int64_t now = test_clock_ns(tc);
	unsigned vcpus = o->def.domain->vcpus ? o->def.domain->vcpus : 1;

	if (!accumulates(d->state) || now <= d->since_ns)
		return d->cpu_ns;
	return d->cpu_ns + (uint64_t)(now - d->since_ns) * vcpus / 2;
}

/* Folds the time since the last change into cpu_ns (before vcpus or state change). */
void
test_domain_settle_cpu(TestConn *tc, HvEntry *o)
{
	TestDomain *d = test_dom(o);

	d->cpu_ns = test_domain_cpu_ns(tc, o);
	d->since_ns = test_clock_ns(tc);
}

void
test_domain_boot(TestConn *tc, HvEntry *o, int reason)
{
	TestDomain *d = test_dom(o);

	d->state = HV_DOMAIN_RUNNING;
	d->reason = reason;
	d->id = tc->next_id++;
	d->cpu_ns = 0;
	d->since_ns = test_clock_ns(tc);
	hv_entry_started(o); /* config == live until changed */
}

static void
act_boot(TestConn *tc, HvEntry *o)
{
	test_domain_boot(tc, o, test_dom(o)->reason);
}

/* The process is gone: the persistent config becomes current again, and a
 * transient domain vanishes. */
static void
act_stop(TestConn *tc, HvEntry *o)
{
	test_dom(o)->id = -1;
	hv_entry_stopped(o);
}

/* Whether a poweroff or reboot's lifecycle action (<on_poweroff>,
 * <on_reboot>) keeps the guest running: restart, rename-restart and
 * coredump-restart, as libvirt's test driver acts on them. */
static bool
runs_on(const char *action, bool dflt)
{
	return action ? g_str_has_suffix(action, "restart") : dflt;
}

/* A reboot whose <on_reboot> stops the guest (destroy, preserve, ...). */
static void
act_reboot(TestConn *tc, HvEntry *o)
{
	TestDomain *d = test_dom(o);

	if (runs_on(o->def.domain->on_reboot, true))
		return;
	d->state = HV_DOMAIN_SHUTOFF;
	d->reason = R_OFF_SHUTDOWN;
	d->gen++;
	hv_entry_emit(o, "stopped", "shutdown");
	act_stop(tc, o);
}

static void
act_shutdown(TestConn *tc, HvEntry *o)
{
	test_timer_after(tc, tc->domains, test_domain_finish_shutdown, test_domain_shutdown_due, o,
			 test_dom(o)->gen, tc->params.shutdown_delay_ms);
}

/* The end of a shutdown stops the domain the way destroy does, so it holds a
 * destroy-class job: a change in progress on the domain is told (job.h). */
static const HvJobType shutdown_job = { "shutdown", HV_JOB_DESTROY, 0 };

void
test_domain_shutdown_due(TestConn *tc, HvEntry *o, unsigned gen)
{
	HvJob *job;

	if (test_dom(o)->gen == gen && test_dom(o)->state == HV_DOMAIN_SHUTDOWN &&
	    hv_job_try_begin(o, &shutdown_job, &job, NULL) == 0) {
		test_domain_finish_shutdown(tc, o);
		hv_job_end(job);
	}
}

/* The guest finished shutting down (timer thread or no delay). */
void
test_domain_finish_shutdown(TestConn *tc, HvEntry *o)
{
	TestDomain *d = test_dom(o);

	test_domain_settle_cpu(tc, o);
	d->gen++;
	if (runs_on(o->def.domain->on_poweroff, false)) {
		/* <on_poweroff> restart: it runs on, booted again, with no event */
		d->state = HV_DOMAIN_RUNNING;
		d->reason = R_BOOTED;
		return;
	}
	d->state = HV_DOMAIN_SHUTOFF;
	d->reason = R_OFF_SHUTDOWN;
	/* a guest that takes shutdown-delay to go reports its end first, as
	 * QEMU's does; at once, libvirt's test driver reports the stop alone */
	if (tc->params.shutdown_delay_ms)
		hv_entry_emit(o, "shutdown", "finished");
	hv_entry_emit(o, "stopped", "shutdown");
	act_stop(tc, o);
}

int
test_domain_fsm(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	TestConn *tc = test_tab_conn(t);
	TestDomain *d = test_dom(o);
	const TestTransition *tr;

	g_assert(code >= 0 && code < TEST_VERB_LAST && d->state < HV_DOMAIN_STATE_LAST);
	tr = &fsm[code][d->state];
	if (!tr->ok)
		return hv_error_set(err, EBUSY, "cannot %s domain '%s': %s", verb_names[code],
				    o->name, tr->why);
	test_tick(tc);
	test_domain_settle_cpu(tc, o);
	if (tr->to != KEEP) {
		d->state = tr->to;
		d->reason = tr->reason;
	}
	d->gen++;
	hv_entry_emit(o, tr->event, tr->detail);
	if (tr->act)
		tr->act(tc, o);
	return 0;
}
