/* qemu_events.c: QMP events of the qemu driver's monitors (the callbacks
 * qemu_driver.c registers at open), and the helper threads they start: the
 * lifecycle actions QEMU leaves to the driver (restart, destroy of a paused
 * guest) and the fault check of a guest QEMU stopped by itself. An event comes
 * on a monitor's reader thread, which never waits for QEMU: helpers send the
 * commands. State changes are made and emitted with the lock held, in order. */
#include <string.h>
#include "drivers/qemu/qemu_events.h"
#include "drivers/qemu/qemu_command.h"
#include "drivers/qemu/qemu_hotplug.h"
#include "drivers/qemu/qemu_process.h"
#include "util/table.h"

#define BIOS_RESET_US (2 * G_USEC_PER_SEC) /* SeaBIOS's hard reset after a restart */

/* ---- helper threads: each holds a monitor reference and counts as a worker
 * of the connection, which waits for them before it goes. */

typedef struct {
	QemuConn *qc;
	char *name;
	QemuMon *m;
	pid_t pid;
	bool reboot_is_shutdown; /* restart: -action reboot=shutdown */
} Helper;

/* Lock held. */
static void
helper_start(QemuConn *qc, QemuDomain *d, const char *thread, GThreadFunc fn,
	     bool reboot_is_shutdown)
{
	Helper *h = g_new0(Helper, 1);

	h->qc = qc;
	h->name = g_strdup(d->o->name);
	h->m = qemu_mon_ref(d->mon);
	h->pid = d->pid;
	h->reboot_is_shutdown = reboot_is_shutdown;
	qc->workers++;
	g_thread_unref(g_thread_new(thread, fn, h));
}

static void
helper_end(Helper *h)
{
	qemu_mon_unref(h->m);
	hv_core_lock(&h->qc->core);
	h->qc->workers--;
	g_cond_broadcast(&h->qc->cond);
	hv_core_unlock(&h->qc->core);
	g_free(h->name);
	g_free(h);
}

/* Lock held: the domain, as long as its QEMU is the helper's. */
static QemuDomain *
helper_domain(Helper *h)
{
	return qemu_domain_of_mon(h->qc, h->name, h->m);
}

/* ---- lifecycle actions (<on_poweroff>, <on_reboot>, <on_crash>) that QEMU
 * leaves to the driver: it paused the guest (qemu_command.c, -action), and
 * the driver restarts it (system_reset + cont), keeps it (preserve) or ends
 * QEMU (destroy). */

/* system_reset + cont. With -action reboot=shutdown (on_reboot destroy or
 * preserve) QEMU turns a reset into a shutdown, and SeaBIOS, finding itself
 * reset warm, resets the machine once more at once (a hard reboot, within
 * milliseconds): reboot=reset until that reset came (at most BIOS_RESET_US). */
static int
restart_reset(Helper *h, GError **err)
{
	QemuDomain *d;
	int r = 0;

	if (h->reboot_is_shutdown)
		r = qemu_mon_command(h->m, "set-action", "{\"reboot\":\"reset\"}", NULL, err);
	if (r == 0)
		r = qemu_mon_command(h->m, "system_reset", NULL, NULL, err);
	hv_core_lock(&h->qc->core);
	if (r == 0 && (d = helper_domain(h)))
		d->bios_reset = true;
	hv_core_unlock(&h->qc->core);
	if (r == 0)
		r = qemu_mon_command(h->m, "cont", NULL, NULL, err);
	hv_core_lock(&h->qc->core);
	if (r == 0) {
		int64_t deadline = g_get_monotonic_time() + BIOS_RESET_US;

		while ((d = helper_domain(h)) && d->bios_reset)
			if (!g_cond_wait_until(&h->qc->cond, &h->qc->core.mutex, deadline))
				break;
	}
	if ((d = helper_domain(h)))
		d->bios_reset = false;
	hv_core_unlock(&h->qc->core);
	if (h->reboot_is_shutdown)
		(void)qemu_mon_command(h->m, "set-action", "{\"reboot\":\"shutdown\"}", NULL,
				       r == 0 ? err : NULL);
	return r;
}

static gpointer
restart_thread(gpointer data)
{
	Helper *h = data;
	g_autoptr(GError) err = NULL;
	int r = restart_reset(h, &err);
	QemuDomain *d;

	hv_core_lock(&h->qc->core);
	if ((d = helper_domain(h)) && d->restarting) {
		d->restarting = false;
		d->panicked = false;
		if (r == 0) {
			qemu_domain_set_state(h->qc, d, HV_DOMAIN_RUNNING, QR_BOOTED, "rebooted", "-");
		} else {
			g_free(d->error);
			d->error = g_strdup_printf("domain '%s': restart failed: %s", d->o->name,
						   err->message);
			g_warning("%s", d->error);
		}
	}
	hv_core_unlock(&h->qc->core);
	helper_end(h);
	return NULL;
}

/* Lock held. */
static void
lifecycle_restart(QemuConn *qc, QemuDomain *d)
{
	QemuActions a;
	bool reboot_is_shutdown;

	if (d->restarting || !d->mon)
		return;
	d->restarting = true;
	reboot_is_shutdown = qemu_command_actions(d->o->def.domain, &a, NULL) == 0 &&
			     g_str_equal(a.reboot, "shutdown");
	helper_start(qc, d, "qemu-restart", restart_thread, reboot_is_shutdown);
}

/* QEMU 7.2 paused in its shutdown (or panicked) run state leaves SIGTERM
 * pending: ask it to quit over QMP, then signals if it stays. */
static gpointer
quit_thread(gpointer data)
{
	Helper *h = data;

	(void)qemu_mon_command(h->m, "quit", NULL, NULL, NULL);
	qemu_process_kill(h->pid);
	helper_end(h);
	return NULL;
}

/* Lock held: QEMU goes; the stop is reported when its socket closes. */
static void
lifecycle_destroy(QemuConn *qc, QemuDomain *d, int reason)
{
	if (!d->stop_reason)
		d->stop_reason = reason;
	if (d->mon && d->pid > 0)
		helper_start(qc, d, "qemu-quit", quit_thread, false);
}

/* ---- faults */

static gpointer
fault_thread(gpointer data)
{
	Helper *h = data;
	char *msg = qemu_process_fault(h->qc, h->name, h->m);
	QemuDomain *d;

	hv_core_lock(&h->qc->core);
	if (msg && (d = helper_domain(h)))
		qemu_process_set_fault(h->qc, d, g_steal_pointer(&msg));
	hv_core_unlock(&h->qc->core);
	g_free(msg);
	helper_end(h);
	return NULL;
}

/* ---- the events */

typedef void (*EventFunc)(QemuConn *qc, QemuDomain *d, const QJson *data);

/* The balloon's actual size, shown in stats; memory shows the target. */
static void
ev_balloon(QemuConn *qc, QemuDomain *d, const QJson *data)
{
	int64_t actual;

	if (qjson_get_int(data, "actual", &actual) && actual > 0)
		d->balloon_kib = (uint64_t)actual / 1024;
}

/* QEMU pauses a panicked guest (action "pause") under -action panic=pause,
 * and also under panic=shutdown when shutdown=pause: then the driver does
 * <on_crash>. Action "poweroff": QEMU shuts down by itself (ev_shutdown). */
static void
ev_panicked(QemuConn *qc, QemuDomain *d, const QJson *data)
{
	const char *action = qjson_get_str(data, "action");
	QemuActions a;

	d->panicked = true;
	qemu_domain_set_state(qc, d, HV_DOMAIN_CRASHED, QR_CRASHED_PANICKED, "crashed",
			      "panicked");
	if (!action || !g_str_equal(action, "pause") || d->stop_reason ||
	    qemu_command_actions(d->o->def.domain, &a, NULL) < 0)
		return;
	if (g_str_equal(a.on_crash, "restart"))
		lifecycle_restart(qc, d);
	else if (g_str_equal(a.on_crash, "destroy"))
		lifecycle_destroy(qc, d, QR_OFF_CRASHED);
}

static void
ev_reset(QemuConn *qc, QemuDomain *d, const QJson *data)
{
	bool reboot = d->reboot_asked || qjson_get_bool(data, "guest", false);

	d->reboot_asked = false;
	if (d->bios_reset && qjson_get_bool(data, "guest", false)) {
		d->bios_reset = false; /* SeaBIOS's own after our restart */
		g_cond_broadcast(&qc->cond);
		return;
	}
	if (d->restarting)
		return; /* ours: restart_thread reports it */
	qemu_emit(qc, d->o->name, reboot ? "rebooted" : "reset", "-");
}

/* A device_del done (the guest let it go). QEMU 7.2 reports a vCPU only by
 * its child's path (/machine/peripheral/vcpu1/lapic, no device id): the
 * id is the path's component under /machine/peripheral/. qemu_hotplug.c. */
static void
ev_device_deleted(QemuConn *qc, QemuDomain *d, const QJson *data)
{
	static const char prefix[] = "/machine/peripheral/";
	const char *dev = qjson_get_str(data, "device");
	const char *path = qjson_get_str(data, "path");
	g_autofree char *id = NULL;

	if (path && g_str_has_prefix(path, prefix)) {
		const char *p = path + strlen(prefix);

		id = g_strndup(p, strcspn(p, "/"));
	} else if (dev) {
		id = g_strdup(dev);
	}
	if (id)
		qemu_vcpu_deleted(qc, d, id);
}

static void
ev_resume(QemuConn *qc, QemuDomain *d, const QJson *data)
{
	if (d->state == HV_DOMAIN_PAUSED)
		qemu_domain_set_state(qc, d, HV_DOMAIN_RUNNING, QR_UNPAUSED, "resumed", "unpaused");
}

/* Which lifecycle element a SHUTDOWN's reason falls under, or NULL (the
 * host asked: quit, signal). */
static const char *
shutdown_action(const QemuActions *a, const char *reason)
{
	if (!reason)
		return NULL;
	if (g_str_equal(reason, "guest-shutdown"))
		return a->on_poweroff;
	if (g_str_equal(reason, "guest-reset") || g_str_equal(reason, "host-qmp-system-reset"))
		return a->on_reboot;
	if (g_str_equal(reason, "guest-panic"))
		return a->on_crash;
	return NULL;
}

/* The guest powered off (or, with on_reboot=destroy, rebooted), QEMU was
 * signalled or told to quit. QEMU exits by itself unless -action
 * shutdown=pause: then the driver acts on the lifecycle element. */
static void
ev_shutdown(QemuConn *qc, QemuDomain *d, const QJson *data)
{
	const char *reason = qjson_get_str(data, "reason");
	const char *act = NULL;
	QemuActions a;

	if (!d->stop_reason && qemu_command_actions(d->o->def.domain, &a, NULL) == 0 &&
	    g_str_equal(a.shutdown, "pause"))
		act = shutdown_action(&a, reason);
	if (!act && !d->stop_reason && reason && g_str_equal(reason, "guest-panic"))
		d->stop_reason = QR_OFF_CRASHED; /* QEMU exits by itself (on_crash destroy) */
	if (act && g_str_equal(act, "restart")) {
		qemu_domain_set_state(qc, d, HV_DOMAIN_SHUTDOWN, QR_SHUTDOWN_USER, "shutdown",
				      "finished");
		lifecycle_restart(qc, d);
		return;
	}
	if (act && g_str_equal(act, "preserve")) {
		if (d->panicked)
			return; /* stays crashed */
		qemu_domain_set_state(qc, d, HV_DOMAIN_PAUSED, QR_PAUSED_SHUTTING_DOWN, "shutdown",
				      "finished");
		return;
	}
	if (act) /* destroy: QEMU paused, end it */
		lifecycle_destroy(qc, d, d->panicked ? QR_OFF_CRASHED : QR_OFF_SHUTDOWN);
	if (!d->stop_reason)
		d->stop_reason = QR_OFF_SHUTDOWN;
	if (d->stop_reason == QR_OFF_SHUTDOWN)
		qemu_domain_set_state(qc, d, HV_DOMAIN_SHUTDOWN, QR_SHUTDOWN_USER, "shutdown",
				      "finished");
}

static void
ev_stop(QemuConn *qc, QemuDomain *d, const QJson *data)
{
	if (!d->restarting && d->state == HV_DOMAIN_RUNNING)
		qemu_domain_set_state(qc, d, HV_DOMAIN_PAUSED, QR_PAUSED_USER, "suspended", "paused");
	/* after a lifecycle event or a panic the run state is known already */
	if (d->restarting || !d->mon || d->state == HV_DOMAIN_SHUTDOWN ||
	    d->state == HV_DOMAIN_CRASHED || d->reason == QR_PAUSED_SHUTTING_DOWN)
		return;
	/* the reader thread delivers this: ask QEMU why from another thread */
	helper_start(qc, d, "qemu-fault", fault_thread, false);
}

/* at_start: also handled between spawn and cont (STOP and RESUME are then
 * the driver's own: -S, cont) */
static const struct {
	const char *name;
	EventFunc fn;
	bool at_start;
} events[] = {
	{ "BALLOON_CHANGE", ev_balloon, true },
	{ "DEVICE_DELETED", ev_device_deleted, true },
	{ "GUEST_PANICKED", ev_panicked, true },
	{ "RESET", ev_reset, true },
	{ "RESUME", ev_resume, false },
	{ "SHUTDOWN", ev_shutdown, true },
	{ "STOP", ev_stop, false },
};

static void
on_event(QemuMon *m, const char *event, const QJson *data, void *opaque)
{
	QemuConn *qc = opaque;
	const typeof(events[0]) *row = HV_TABLE_FIND(events, event);
	QemuDomain *d;

	if (!row)
		return;
	hv_core_lock(&qc->core);
	if ((d = qemu_domain_by_mon(qc, m)) && (row->at_start || !qemu_domain_starting(d)))
		row->fn(qc, d, data);
	hv_core_unlock(&qc->core);
}

static void
on_eof(QemuMon *m, void *opaque)
{
	QemuConn *qc = opaque;
	QemuDomain *d;

	hv_core_lock(&qc->core);
	if ((d = qemu_domain_by_mon(qc, m)))
		qemu_process_stopped(qc, d, d->stop_reason ? d->stop_reason : QR_OFF_CRASHED);
	hv_core_unlock(&qc->core);
}

const QemuMonCallbacks qemu_event_callbacks = { .event = on_event, .eof = on_eof };
