/* qemu_process.c: QEMU processes of the qemu driver. Start spawns QEMU
 * detached from hyperfs (double fork, its own session, stdout/stderr to
 * run/NAME.qemu.log) with -S, connects QMP and continues it; destroy sends
 * SIGTERM, then SIGKILL; a closed QMP socket means the process is gone. The
 * QMP event table turns events into states and hv_conn_emit lines. */
#include <signal.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "drivers/qemu/qemu_priv.h"
#include "drivers/qemu/qemu_command.h"

#define START_DEADLINE_US (30 * G_USEC_PER_SEC)
#define TERM_GRACE_US (3 * G_USEC_PER_SEC)
#define KILL_GRACE_US (5 * G_USEC_PER_SEC)
#define KVM_SETTLE_US (300 * 1000) /* after cont, before a KVM guest counts as running */
#define BIOS_RESET_US (2 * G_USEC_PER_SEC) /* SeaBIOS's hard reset after a restart */

/* Files in run/ that only live while QEMU runs (NAME.log stays for reading). */
static const char *const run_files[] = { "pid", "qmp", "xml", "console", "vnc", "png" };

static void
run_files_remove(QemuConn *qc, const char *name)
{
	for (size_t k = 0; k < G_N_ELEMENTS(run_files); k++) {
		g_autofree char *p = qemu_run_path(qc, name, run_files[k]);

		unlink(p);
	}
}

/* Alive and not a zombie. */
bool
qemu_pid_alive(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *stat = NULL;
	const char *p;

	if (pid <= 0 || !g_file_get_contents(path, &stat, NULL, NULL))
		return false;
	if (!(p = strrchr(stat, ')')) || strlen(p) < 3)
		return false;
	return p[2] != 'Z' && p[2] != 'X';
}

uint64_t
qemu_process_cpu_ns(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);

	return pid > 0 ? qemu_proc_cpu_ns(path) : 0;
}

uint64_t
qemu_proc_cpu_ns(const char *path)
{
	g_autofree char *stat = NULL;
	g_auto(GStrv) f = NULL;
	const char *p;
	long hz = sysconf(_SC_CLK_TCK);

	if (!g_file_get_contents(path, &stat, NULL, NULL) || !(p = strrchr(stat, ')')))
		return 0;
	f = g_strsplit(p + 2, " ", 16); /* f[0] is field 3 (state); utime 14, stime 15 */
	if (g_strv_length(f) < 14 || hz <= 0)
		return 0;
	return (g_ascii_strtoull(f[11], NULL, 10) + g_ascii_strtoull(f[12], NULL, 10)) *
	       (1000000000ull / (uint64_t)hz);
}

static char *log_tail(const char *log);

/* ---- events */

typedef void (*EventFunc)(QemuConn *qc, QemuDomain *d, const QJson *data);

static void
set_state(QemuConn *qc, QemuDomain *d, HvDomainState s, int reason, const char *event,
	  const char *detail)
{
	d->state = s;
	d->reason = reason;
	qemu_emit(qc, d->name, event, detail);
}

/* The balloon's actual size, shown in stats; memory shows the target. */
static void
ev_balloon(QemuConn *qc, QemuDomain *d, const QJson *data)
{
	int64_t actual;

	if (qjson_get_int(data, "actual", &actual) && actual > 0)
		d->balloon_kib = (uint64_t)actual / 1024;
}

/* ---- lifecycle actions (<on_poweroff>, <on_reboot>, <on_crash>) that QEMU
 * leaves to the driver: it paused the guest (qemu_command.c, -action), and
 * the driver restarts it (system_reset + cont, from a thread: events arrive
 * on the monitor's reader), keeps it (preserve) or ends QEMU (destroy). */

typedef struct {
	QemuConn *qc;
	char *name;
	QemuMon *m;
	bool reboot_is_shutdown;
} Restart;

static gpointer
restart_thread(gpointer data)
{
	Restart *rs = data;
	g_autoptr(GError) err = NULL;
	QemuDomain *d;
	int r = 0;

	/* With -action reboot=shutdown (on_reboot destroy or preserve) QEMU turns
	 * a reset into a shutdown, and SeaBIOS, finding itself reset warm, resets
	 * the machine once more at once (a hard reboot, within milliseconds):
	 * reboot=reset until that reset came (at most BIOS_RESET_US). */
	if (rs->reboot_is_shutdown)
		r = qemu_mon_command(rs->m, "set-action", "{\"reboot\":\"reset\"}", NULL, &err);
	if (r == 0)
		r = qemu_mon_command(rs->m, "system_reset", NULL, NULL, &err);
	g_mutex_lock(&rs->qc->lock);
	if (r == 0 && (d = g_hash_table_lookup(rs->qc->domains, rs->name)) && d->mon == rs->m)
		d->bios_reset = true;
	g_mutex_unlock(&rs->qc->lock);
	if (r == 0)
		r = qemu_mon_command(rs->m, "cont", NULL, NULL, &err);
	g_mutex_lock(&rs->qc->lock);
	if (r == 0) {
		int64_t deadline = g_get_monotonic_time() + BIOS_RESET_US;

		while ((d = g_hash_table_lookup(rs->qc->domains, rs->name)) && d->mon == rs->m &&
		       d->bios_reset)
			if (!g_cond_wait_until(&rs->qc->cond, &rs->qc->lock, deadline))
				break;
	}
	if ((d = g_hash_table_lookup(rs->qc->domains, rs->name)) && d->mon == rs->m)
		d->bios_reset = false;
	g_mutex_unlock(&rs->qc->lock);
	if (rs->reboot_is_shutdown)
		(void)qemu_mon_command(rs->m, "set-action", "{\"reboot\":\"shutdown\"}", NULL,
				       r == 0 ? &err : NULL);
	g_mutex_lock(&rs->qc->lock);
	if ((d = g_hash_table_lookup(rs->qc->domains, rs->name)) && d->mon == rs->m &&
	    d->restarting) {
		d->restarting = false;
		d->panicked = false;
		if (r == 0) {
			set_state(rs->qc, d, HV_DOMAIN_RUNNING, QR_BOOTED, "rebooted", "-");
		} else {
			g_free(d->error);
			d->error = g_strdup_printf("domain '%s': restart failed: %s", d->name,
						   err->message);
			g_warning("%s", d->error);
		}
	}
	g_mutex_unlock(&rs->qc->lock);
	qemu_mon_unref(rs->m);
	qemu_worker_end(rs->qc);
	g_free(rs->name);
	g_free(rs);
	return NULL;
}

/* Lock held. */
static void
lifecycle_restart(QemuConn *qc, QemuDomain *d)
{
	Restart *rs;
	QemuActions a;

	if (d->restarting || !d->mon)
		return;
	d->restarting = true;
	rs = g_new0(Restart, 1);
	rs->reboot_is_shutdown = qemu_command_actions(d->def, &a, NULL) == 0 &&
				 g_str_equal(a.reboot, "shutdown");
	rs->qc = qc;
	rs->name = g_strdup(d->name);
	rs->m = qemu_mon_ref(d->mon);
	qc->workers++;
	g_thread_unref(g_thread_new("qemu-restart", restart_thread, rs));
}

static void kill_wait(pid_t pid);

typedef struct {
	QemuConn *qc;
	QemuMon *m;
	pid_t pid;
} Quit;

/* QEMU 7.2 paused in its shutdown (or panicked) run state leaves SIGTERM
 * pending: ask it to quit over QMP, then signals if it stays. */
static gpointer
quit_thread(gpointer data)
{
	Quit *q = data;

	(void)qemu_mon_command(q->m, "quit", NULL, NULL, NULL);
	kill_wait(q->pid);
	qemu_mon_unref(q->m);
	qemu_worker_end(q->qc);
	g_free(q);
	return NULL;
}

/* Lock held: QEMU goes; the stop is reported when its socket closes. */
static void
lifecycle_destroy(QemuConn *qc, QemuDomain *d, int reason)
{
	Quit *q;

	if (!d->stop_reason)
		d->stop_reason = reason;
	if (!d->mon || d->pid <= 0)
		return;
	q = g_new0(Quit, 1);
	q->m = qemu_mon_ref(d->mon);
	q->pid = d->pid;
	q->qc = qc;
	qc->workers++;
	g_thread_unref(g_thread_new("qemu-quit", quit_thread, q));
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
	set_state(qc, d, HV_DOMAIN_CRASHED, QR_CRASHED_PANICKED, "crashed", "panicked");
	if (!action || !g_str_equal(action, "pause") || d->stop_reason ||
	    qemu_command_actions(d->def, &a, NULL) < 0)
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
	qemu_emit(qc, d->name, reboot ? "rebooted" : "reset", "-");
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
	if (!d->starting && d->state == HV_DOMAIN_PAUSED)
		set_state(qc, d, HV_DOMAIN_RUNNING, QR_UNPAUSED, "resumed", "unpaused");
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

	if (!d->stop_reason && qemu_command_actions(d->def, &a, NULL) == 0 &&
	    g_str_equal(a.shutdown, "pause"))
		act = shutdown_action(&a, reason);
	if (!act && !d->stop_reason && reason && g_str_equal(reason, "guest-panic"))
		d->stop_reason = QR_OFF_CRASHED; /* QEMU exits by itself (on_crash destroy) */
	if (act && g_str_equal(act, "restart")) {
		set_state(qc, d, HV_DOMAIN_SHUTDOWN, QR_SHUTDOWN_USER, "shutdown", "finished");
		lifecycle_restart(qc, d);
		return;
	}
	if (act && g_str_equal(act, "preserve")) {
		if (d->panicked)
			return; /* stays crashed */
		set_state(qc, d, HV_DOMAIN_PAUSED, QR_PAUSED_SHUTTING_DOWN, "shutdown", "finished");
		return;
	}
	if (act) /* destroy: QEMU paused, end it */
		lifecycle_destroy(qc, d, d->panicked ? QR_OFF_CRASHED : QR_OFF_SHUTDOWN);
	if (!d->stop_reason)
		d->stop_reason = QR_OFF_SHUTDOWN;
	if (d->stop_reason == QR_OFF_SHUTDOWN)
		set_state(qc, d, HV_DOMAIN_SHUTDOWN, QR_SHUTDOWN_USER, "shutdown", "finished");
}

/* Why QEMU stopped the guest, when it was not asked to: KVM's internal
 * errors, or a guest-panicked that came without its event. */
static const char *const fault_states[] = { "internal-error", "guest-panicked", "io-error" };

/* The run state of QEMU when it is a fault, as an error message; else NULL.
 * No lock held. */
static char *
fault_of(QemuConn *qc, const char *name, QemuMon *m)
{
	g_autoptr(QJson) st = NULL;
	g_autofree char *log = qemu_run_path(qc, name, "qemu.log");
	g_autofree char *why = NULL;
	const char *status;

	if (qemu_mon_command(m, "query-status", NULL, &st, NULL) < 0 ||
	    !(status = qjson_get_str(st, "status")) ||
	    !g_strv_contains((const char *const *)fault_states, status))
		return NULL;
	why = log_tail(log);
	return g_strdup_printf("domain '%s': QEMU stopped the guest: %s (%s)", name, status, why);
}

/* Lock held: the guest is dead in the water; QEMU stays for inspection. */
static void
set_fault(QemuConn *qc, QemuDomain *d, char *msg)
{
	g_free(d->error);
	d->error = msg;
	if (d->state != HV_DOMAIN_CRASHED)
		set_state(qc, d, HV_DOMAIN_CRASHED, QR_CRASHED_UNKNOWN, "crashed",
			  strstr(msg, "guest-panicked") ? "panicked" : "internal-error");
}

typedef struct {
	QemuConn *qc;
	char *name;
	QemuMon *m;
} FaultCheck;

static gpointer
fault_check(gpointer data)
{
	FaultCheck *f = data;
	char *msg = fault_of(f->qc, f->name, f->m);
	QemuDomain *d;

	g_mutex_lock(&f->qc->lock);
	if (msg && (d = g_hash_table_lookup(f->qc->domains, f->name)) && d->mon == f->m)
		set_fault(f->qc, d, g_steal_pointer(&msg));
	g_mutex_unlock(&f->qc->lock);
	g_free(msg);
	qemu_mon_unref(f->m);
	qemu_worker_end(f->qc);
	g_free(f->name);
	g_free(f);
	return NULL;
}

static void
ev_stop(QemuConn *qc, QemuDomain *d, const QJson *data)
{
	FaultCheck *f;

	if (!d->starting && !d->restarting && d->state == HV_DOMAIN_RUNNING)
		set_state(qc, d, HV_DOMAIN_PAUSED, QR_PAUSED_USER, "suspended", "paused");
	/* after a lifecycle event or a panic the run state is known already */
	if (d->starting || d->restarting || !d->mon || d->state == HV_DOMAIN_SHUTDOWN ||
	    d->state == HV_DOMAIN_CRASHED || d->reason == QR_PAUSED_SHUTTING_DOWN)
		return;
	/* the reader thread delivers this: ask QEMU why from another thread */
	f = g_new0(FaultCheck, 1);
	f->qc = qc;
	f->name = g_strdup(d->name);
	f->m = qemu_mon_ref(d->mon);
	qc->workers++;
	g_thread_unref(g_thread_new("qemu-fault", fault_check, f));
}

static const struct {
	const char *name;
	EventFunc fn;
} events[] = { /* sorted by name: bsearch */
	{ "BALLOON_CHANGE", ev_balloon },
	{ "DEVICE_DELETED", ev_device_deleted },
	{ "GUEST_PANICKED", ev_panicked },
	{ "RESET", ev_reset },
	{ "RESUME", ev_resume },
	{ "SHUTDOWN", ev_shutdown },
	{ "STOP", ev_stop },
};

static int
event_cmp(const void *key, const void *row)
{
	return strcmp(key, *(const char *const *)row);
}

static QemuDomain *
find_by_mon(QemuConn *qc, QemuMon *m)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, qc->domains);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((QemuDomain *)v)->mon == m)
			return v;
	return NULL;
}

static void
on_event(QemuMon *m, const char *event, const QJson *data, void *opaque)
{
	QemuConn *qc = opaque;
	const typeof(events[0]) *row = bsearch(event, events, G_N_ELEMENTS(events),
					       sizeof(events[0]), event_cmp);
	QemuDomain *d;

	if (!row)
		return;
	g_mutex_lock(&qc->lock);
	if ((d = find_by_mon(qc, m)))
		row->fn(qc, d, data);
	g_mutex_unlock(&qc->lock);
}

static void
on_eof(QemuMon *m, void *opaque)
{
	QemuConn *qc = opaque;
	QemuDomain *d;

	g_mutex_lock(&qc->lock);
	if ((d = find_by_mon(qc, m)))
		qemu_process_stopped(qc, d, d->stop_reason ? d->stop_reason : QR_OFF_CRASHED);
	g_mutex_unlock(&qc->lock);
}

const QemuMonCallbacks qemu_mon_callbacks = { .event = on_event, .eof = on_eof };

static const char *
stop_detail(int reason, bool panicked)
{
	switch (reason) {
	case QR_OFF_SHUTDOWN: return "shutdown";
	case QR_OFF_DESTROYED: return "destroyed";
	default: return panicked ? "crashed" : "failed";
	}
}

void
qemu_process_stopped(QemuConn *qc, QemuDomain *d, int reason)
{
	if (!qemu_domain_active(d))
		return;
	if (d->mon)
		g_ptr_array_add(qc->dead_mons, g_steal_pointer(&d->mon));
	qemu_console_detach(qc, d);
	run_files_remove(qc, d->name);
	d->id = -1;
	d->pid = 0;
	d->starting = false;
	d->stop_reason = 0;
	d->reboot_asked = false;
	d->restarting = false;
	d->balloon_kib = 0;
	g_clear_pointer(&d->unplugging, g_ptr_array_unref);
	if (d->newdef) {
		hv_domain_def_free(d->def);
		d->def = g_steal_pointer(&d->newdef);
	}
	set_state(qc, d, HV_DOMAIN_SHUTOFF, reason, "stopped", stop_detail(reason, d->panicked));
	d->panicked = false;
	g_cond_broadcast(&qc->cond);
	if (!d->persistent && !d->busy) {
		qemu_emit(qc, d->name, "undefined", "removed");
		g_hash_table_remove(qc->domains, d->name);
	}
}

/* ---- spawning */

/* Double fork: QEMU is not our child, so it outlives us and we never reap it.
 * Only async-signal-safe calls between fork and exec. */
#define MAX_PASSED_FDS 32

/* fds[k] becomes descriptor QEMU_TAP_FD_BASE + k in QEMU. */
static int
spawn(char **argv, const char *log, const int *fds, int nfds, pid_t *out, GError **err)
{
	int logfd = -1, nullfd = -1;
	int p[2] = { -1, -1 };
	pid_t child, pid = 0;
	int status, r = 0;

	if (nfds > MAX_PASSED_FDS)
		return hv_error_set(err, EOPNOTSUPP, "more than %d tap interfaces", MAX_PASSED_FDS);
	logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (logfd < 0 || nullfd < 0 || pipe2(p, O_CLOEXEC) < 0) {
		r = hv_error_set(err, errno, "cannot prepare to run QEMU (log '%s'): %s", log,
				 g_strerror(errno));
		goto out;
	}
	if ((child = fork()) < 0) {
		r = hv_error_set(err, errno, "fork: %s", g_strerror(errno));
		goto out;
	}
	if (child == 0) {
		pid_t gc;

		setsid();
		dup2(nullfd, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		if ((gc = fork()) != 0) {
			(void)!write(p[1], &gc, sizeof(gc));
			_exit(gc < 0);
		}
		{
			int moved[MAX_PASSED_FDS];

			/* above the target range first, so no dup2 clobbers a source */
			for (int k = 0; k < nfds; k++)
				moved[k] = fcntl(fds[k], F_DUPFD_CLOEXEC, QEMU_TAP_FD_BASE + nfds);
			for (int k = 0; k < nfds; k++)
				if (moved[k] < 0 || dup2(moved[k], QEMU_TAP_FD_BASE + k) < 0)
					_exit(126);
		}
		close_range(QEMU_TAP_FD_BASE + nfds, ~0u, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	p[1] = -1;
	if (read(p[0], &pid, sizeof(pid)) != sizeof(pid) || pid <= 0)
		r = hv_error_set(err, EIO, "cannot run '%s'", argv[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	*out = pid;
out:
	if (logfd >= 0)
		close(logfd);
	if (nullfd >= 0)
		close(nullfd);
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	return r;
}

/* The last line QEMU wrote to its log: why it failed. */
static char *
log_tail(const char *log)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	guint n;

	if (!g_file_get_contents(log, &text, NULL, NULL))
		return g_strdup("no log");
	g_strstrip(text);
	lines = g_strsplit(text, "\n", -1);
	n = g_strv_length(lines);
	return g_strdup(n ? lines[n - 1] : "no message");
}

static QemuMon *
wait_monitor(QemuConn *qc, const char *name, pid_t pid, const char *qmp, const char *log,
	     GError **err)
{
	int64_t deadline = g_get_monotonic_time() + START_DEADLINE_US;

	for (;;) {
		g_autoptr(GError) lerr = NULL;
		QemuMon *m;

		if (g_file_test(qmp, G_FILE_TEST_EXISTS) &&
		    (m = qemu_mon_open(qmp, &qemu_mon_callbacks, qc, &lerr)))
			return m;
		if (!qemu_pid_alive(pid)) {
			g_autofree char *why = log_tail(log);

			hv_error_set(err, EIO, "domain '%s': QEMU exited at start: %s", name, why);
			return NULL;
		}
		if (g_get_monotonic_time() > deadline) {
			hv_error_set(err, ETIMEDOUT, "domain '%s': no QMP socket from QEMU after %d s%s%s",
				     name, (int)(START_DEADLINE_US / G_USEC_PER_SEC),
				     lerr ? ": " : "", lerr ? lerr->message : "");
			return NULL;
		}
		g_usleep(10000);
	}
}

static void
kill_wait(pid_t pid)
{
	int64_t t;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (t = g_get_monotonic_time() + TERM_GRACE_US; qemu_pid_alive(pid) &&
	     g_get_monotonic_time() < t;)
		g_usleep(10000);
	if (!qemu_pid_alive(pid))
		return;
	kill(pid, SIGKILL);
	for (t = g_get_monotonic_time() + KILL_GRACE_US; qemu_pid_alive(pid) &&
	     g_get_monotonic_time() < t;)
		g_usleep(10000);
}

static bool
disk_writable(const HvDomainDiskDef *k)
{
	return k->source && !k->readonly && !(k->device && g_str_equal(k->device, "cdrom"));
}

/* The same path, or two paths of the same file. */
static bool
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (g_str_equal(a, b))
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* A disk that d would write and that another running (or starting) domain
 * writes too: EBUSY naming both. Lock held. */
static int
check_disks(QemuConn *qc, QemuDomain *d, GError **err)
{
	GHashTableIter it;
	gpointer v;

	for (guint a = 0; d->def->disks && a < d->def->disks->len; a++) {
		const HvDomainDiskDef *mine = d->def->disks->pdata[a];

		if (!disk_writable(mine))
			continue;
		g_hash_table_iter_init(&it, qc->domains);
		while (g_hash_table_iter_next(&it, NULL, &v)) {
			QemuDomain *o = v;

			if (o == d || (!qemu_domain_active(o) && !o->busy))
				continue;
			for (guint b = 0; o->def->disks && b < o->def->disks->len; b++) {
				const HvDomainDiskDef *theirs = o->def->disks->pdata[b];

				if (disk_writable(theirs) && same_file(mine->source, theirs->source))
					return hv_error_set(err, EBUSY, "cannot start domain '%s': disk "
							    "'%s' is in use in write mode by domain "
							    "'%s'", d->name, mine->source, o->name);
			}
		}
	}
	return 0;
}

/* <interface type='network'>: the bridge of that network, when this driver
 * has a network backend (it has none yet: the builder then refuses, saying so).
 * Called under the domain lock: a network backend must not take it. */
static int
resolve_network(void *opaque, const char *network, char **bridge, GError **err)
{
	HvConn *c = opaque;
	g_autoptr(HvNetworkInfo) info = NULL;
	int r;

	if ((r = c->driver->network->get_info(c, network, &info, err)) < 0)
		return r;
	if (!info->active)
		return hv_error_set(err, EBUSY, "network '%s' is not active", network);
	if (!info->bridge || !*info->bridge)
		return hv_error_set(err, EOPNOTSUPP, "network '%s' has no bridge", network);
	*bridge = g_strdup(info->bridge);
	return 0;
}

/* Under the lock: checks, the live definition and the command line (and the
 * taps it needs, created by the caller). */
static int
start_prepare(QemuConn *qc, const char *name, HvDomainDef **live, char ***argv, GPtrArray *taps,
	      GError **err)
{
	QemuDomain *d = qemu_domain_find(qc, name, err);
	g_autofree char *qmp = NULL, *pid = NULL, *log = NULL, *console = NULL, *vnc = NULL;
	QemuPaths paths;
	int r;

	if (!d)
		return -ENOENT;
	if (qemu_domain_active(d) || d->busy)
		return hv_error_set(err, EBUSY, "cannot start domain '%s': domain is already running",
				    name);
	if (!qc->emulator)
		return hv_error_set(err, ENOENT, "cannot start domain '%s': qemu-system-x86_64 is "
				    "not installed (not found in PATH)", name);
	if (check_disks(qc, d, err) < 0)
		return -EBUSY;
	qmp = qemu_run_path(qc, name, "qmp");
	pid = qemu_run_path(qc, name, "pid");
	log = qemu_run_path(qc, name, "log");
	console = qemu_run_path(qc, name, "console");
	vnc = qemu_run_path(qc, name, "vnc");
	paths = (QemuPaths){ .qmp = qmp, .pidfile = pid, .log = log, .console = console, .vnc = vnc,
			     .resolve_volume = qemu_volume_resolve, .resolve_opaque = qc->storage,
			     .taps = taps };
	if (qc->conn->driver->network && qc->conn->driver->network->get_info) {
		paths.resolve_network = resolve_network;
		paths.network_opaque = qc->conn;
	}
	*live = hv_domain_def_copy(d->def);
	if ((r = qemu_command_build(*live, qc->emulator, &paths, argv, err)) < 0) {
		g_clear_pointer(live, hv_domain_def_free);
		return r;
	}
	d->busy = true;
	return 0;
}

static void
close_fds(GArray *fds)
{
	for (guint k = 0; k < fds->len; k++)
		close(g_array_index(fds, int, k));
	g_array_set_size(fds, 0);
}

static int
start_fail(QemuConn *qc, const char *name, pid_t pid, GError **err)
{
	QemuDomain *d;

	kill_wait(pid);
	g_mutex_lock(&qc->lock);
	if ((d = g_hash_table_lookup(qc->domains, name))) {
		d->busy = false;
		if (qemu_domain_active(d))
			qemu_process_stopped(qc, d, QR_OFF_FAILED);
		else
			run_files_remove(qc, name);
	}
	g_mutex_unlock(&qc->lock);
	qemu_reap_monitors(qc);
	return hv_error_errno(*err);
}

int
qemu_process_start(QemuConn *qc, const char *name, GError **err)
{
	g_autoptr(HvDomainDef) live = NULL;
	g_auto(GStrv) argv = NULL;
	g_autofree char *qmp = qemu_run_path(qc, name, "qmp");
	g_autofree char *log = qemu_run_path(qc, name, "qemu.log");
	g_autofree char *xml_path = qemu_run_path(qc, name, "xml");
	g_autofree char *xml = NULL;
	g_autoptr(QemuMon) m = NULL;
	g_autofree char *fault = NULL;
	g_autoptr(GPtrArray) taps = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_tap_free);
	g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
	uint64_t balloon = 0;
	bool kvm = false;
	QemuDomain *d;
	pid_t pid = 0;
	int r;

	qemu_reap_monitors(qc);
	g_mutex_lock(&qc->lock);
	r = start_prepare(qc, name, &live, &argv, taps, err);
	g_mutex_unlock(&qc->lock);
	if (r < 0)
		return r;
	run_files_remove(qc, name);
	/* taps: their names go into the live definition (<target dev=>) */
	for (guint k = 0; k < taps->len; k++) {
		QemuTap *t = taps->pdata[k];
		HvDomainNetDef *n = live->interfaces->pdata[t->iface];
		char *ifname = NULL;
		int fd;

		if (qemu_tap_create(name, t, &ifname, &fd, err) < 0) {
			close_fds(fds);
			return start_fail(qc, name, 0, err);
		}
		g_array_append_val(fds, fd);
		g_free(n->target_dev);
		n->target_dev = ifname;
	}
	xml = hv_domain_def_format(live);
	if (!xml || !g_file_set_contents(xml_path, xml, -1, NULL)) {
		close_fds(fds);
		hv_error_set(err, EIO, "domain '%s': cannot write '%s'", name, xml_path);
		return start_fail(qc, name, 0, err);
	}
	r = spawn(argv, log, (const int *)fds->data, (int)fds->len, &pid, err);
	close_fds(fds); /* QEMU holds them now: the taps go when it exits */
	if (r < 0 || !(m = wait_monitor(qc, name, pid, qmp, log, err)))
		return start_fail(qc, name, pid, err);
	g_mutex_lock(&qc->lock);
	d = g_hash_table_lookup(qc->domains, name);
	d->mon = qemu_mon_ref(m);
	d->pid = pid;
	d->id = qc->next_id++;
	d->state = HV_DOMAIN_PAUSED;
	d->reason = 0;
	d->starting = true;
	d->vcpu_threads = live->vcpus;
	if (live->current_memory_kib < live->max_memory_kib)
		balloon = live->current_memory_kib;
	kvm = live->type && g_str_equal(live->type, "kvm");
	if (d->persistent)
		d->newdef = g_steal_pointer(&d->def);
	else
		hv_domain_def_free(d->def);
	d->def = g_steal_pointer(&live);
	g_mutex_unlock(&qc->lock);
	qemu_console_attach(qc, name, m, true);
	if (balloon) {
		g_autofree char *args = g_strdup_printf("{\"value\":%" G_GUINT64_FORMAT "}",
							balloon * 1024);

		if (qemu_mon_command(m, "balloon", args, NULL, err) < 0)
			return start_fail(qc, name, pid, err);
	}
	if (qemu_mon_command(m, "cont", NULL, NULL, err) < 0)
		return start_fail(qc, name, pid, err);
	r = 0;
	if (kvm) { /* KVM that cannot run the guest fails at its first instructions */
		g_usleep(KVM_SETTLE_US);
		fault = fault_of(qc, name, m);
	}
	g_mutex_lock(&qc->lock);
	d = g_hash_table_lookup(qc->domains, name);
	if (d && d->mon == m) {
		d->starting = false;
		d->busy = false;
		g_clear_pointer(&d->error, g_free);
		set_state(qc, d, HV_DOMAIN_RUNNING, QR_BOOTED, "started", "booted");
		if (fault) {
			r = hv_error_set(err, EIO, "%s", fault);
			set_fault(qc, d, g_steal_pointer(&fault));
		}
	} else if (d) {
		d->busy = false;
	}
	g_mutex_unlock(&qc->lock);
	return r;
}

int
qemu_process_destroy(QemuConn *qc, const char *name, GError **err)
{
	g_autoptr(QemuMon) m = NULL;
	g_autoptr(GPtrArray) taps = NULL;
	QemuDomain *d;
	pid_t pid;

	g_mutex_lock(&qc->lock);
	if (!(d = qemu_domain_find(qc, name, err))) {
		g_mutex_unlock(&qc->lock);
		return -ENOENT;
	}
	if (!qemu_domain_active(d)) {
		g_mutex_unlock(&qc->lock);
		return hv_error_set(err, EBUSY, "cannot destroy domain '%s': domain is not running",
				    name);
	}
	pid = d->pid;
	d->stop_reason = QR_OFF_DESTROYED;
	taps = qemu_taps_of(d->def);
	/* QEMU 7.2 leaves SIGTERM pending while the guest is panicked or powered
	 * off under -action ...=pause, but answers QMP: ask it to quit first */
	if ((d->state == HV_DOMAIN_CRASHED || d->state == HV_DOMAIN_SHUTDOWN ||
	     d->reason == QR_PAUSED_SHUTTING_DOWN) && d->mon)
		m = qemu_mon_ref(d->mon);
	g_mutex_unlock(&qc->lock);
	if (m)
		(void)qemu_mon_command(m, "quit", NULL, NULL, NULL);
	kill_wait(pid);
	g_mutex_lock(&qc->lock);
	d = g_hash_table_lookup(qc->domains, name);
	if (d && qemu_domain_active(d) && d->pid == pid)
		qemu_process_stopped(qc, d, QR_OFF_DESTROYED);
	g_mutex_unlock(&qc->lock);
	qemu_reap_monitors(qc);
	if (qemu_pid_alive(pid))
		return hv_error_set(err, EIO, "domain '%s': QEMU (pid %d) survived SIGKILL", name,
				    (int)pid);
	qemu_taps_wait_gone(taps, 2 * G_USEC_PER_SEC);
	return 0;
}

/* ---- re-attaching after a restart of hyperfs */

static pid_t
read_pidfile(const char *path, const char *qmp)
{
	g_autofree char *text = NULL, *cmdpath = NULL, *cmd = NULL;
	gsize len;
	guint64 v;

	if (!g_file_get_contents(path, &text, NULL, NULL) ||
	    !g_ascii_string_to_unsigned(g_strstrip(text), 10, 1, G_MAXINT, &v, NULL))
		return 0;
	/* the pid must still be that QEMU: its command line names our QMP socket */
	cmdpath = g_strdup_printf("/proc/%d/cmdline", (int)v);
	if (!g_file_get_contents(cmdpath, &cmd, &len, NULL))
		return 0;
	for (gsize k = 0; k + 1 < len; k++)
		if (!cmd[k])
			cmd[k] = ' ';
	return strstr(cmd, qmp) && qemu_pid_alive((pid_t)v) ? (pid_t)v : 0;
}

void
qemu_process_reattach(QemuConn *qc, const char *name)
{
	g_autofree char *pidfile = qemu_run_path(qc, name, "pid");
	g_autofree char *qmp = qemu_run_path(qc, name, "qmp");
	g_autoptr(QemuMon) m = NULL;
	g_autoptr(QJson) status = NULL;
	pid_t pid = read_pidfile(pidfile, qmp);
	QemuDomain *d;
	bool running = false;
	const char *st = NULL;

	if (pid > 0 && (m = qemu_mon_open(qmp, &qemu_mon_callbacks, qc, NULL)) &&
	    qemu_mon_command(m, "query-status", NULL, &status, NULL) == 0) {
		running = qjson_get_bool(status, "running", false);
		st = qjson_get_str(status, "status");
	}
	g_mutex_lock(&qc->lock);
	d = g_hash_table_lookup(qc->domains, name);
	if (d && m && status) {
		d->mon = qemu_mon_ref(m);
		d->pid = pid;
		d->id = qc->next_id++;
		d->vcpu_threads = d->def->vcpus; /* at least; unplugs before are unknown */
		d->state = running ? HV_DOMAIN_RUNNING : HV_DOMAIN_PAUSED;
		d->reason = running ? QR_BOOTED : QR_PAUSED_USER;
		/* what the guest did while we were away (-action ...=pause) */
		if (st && g_str_equal(st, "shutdown"))
			d->reason = QR_PAUSED_SHUTTING_DOWN;
		else if (st && (g_str_equal(st, "guest-panicked") ||
				g_str_equal(st, "internal-error"))) {
			d->state = HV_DOMAIN_CRASHED;
			d->reason = g_str_equal(st, "guest-panicked") ? QR_CRASHED_PANICKED
								       : QR_CRASHED_UNKNOWN;
		}
	} else if (d) {
		/* gone while we were away: back to the persistent definition */
		run_files_remove(qc, name);
		if (d->newdef) {
			hv_domain_def_free(d->def);
			d->def = g_steal_pointer(&d->newdef);
		}
		if (!d->persistent)
			g_hash_table_remove(qc->domains, name);
	}
	g_mutex_unlock(&qc->lock);
	if (d && m && status)
		qemu_console_attach(qc, name, m, false);
	if (m && !(d && status))
		qemu_mon_close(m);
}
