/* qemu_process.c: QEMU processes (libvirt's qemu_process). Start spawns QEMU
 * detached from hyperfs (double fork, its own session, output to
 * run/NAME.qemu.log) with -S, connects QMP and continues it; destroy sends
 * SIGTERM, then SIGKILL; a closed QMP socket means the process is gone;
 * re-attach after a restart of hyperfs. Monitors are opened with the event
 * callbacks registered at open (qc->mon_cb, qemu_events.c). */
#include <signal.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "drivers/qemu/qemu_process.h"
#include "drivers/qemu/qemu_command.h"
#include "drivers/qemu/qemu_console.h"
#include "drivers/qemu/qemu_interface.h"
#include "drivers/qemu/qemu_pool.h"

#define START_DEADLINE_US (30 * G_USEC_PER_SEC)
#define TERM_GRACE_US (3 * G_USEC_PER_SEC)
#define KILL_GRACE_US (5 * G_USEC_PER_SEC)
#define KVM_SETTLE_US (300 * 1000) /* after cont, before a KVM guest counts as running */

/* Files in run/ that only live while QEMU runs (NAME.log stays for reading). */
static const char *const run_files[] = { "pid", "qmp", "xml", "console", "vnc", "png" };

static void
run_files_remove(QemuConn *qc, const char *name)
{
	for (size_t k = 0; k < G_N_ELEMENTS(run_files); k++) {
		g_autofree char *p = qemu_run_path(qc, name, run_files[k]);

		unlink(p);
	}
	qemu_screenshot_leftovers(qc, name);
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

/* ---- faults */

/* Why QEMU stopped the guest, when it was not asked to: KVM's internal
 * errors, or a guest-panicked that came without its event. */
static const char *const fault_states[] = { "internal-error", "guest-panicked", "io-error" };

char *
qemu_process_fault(QemuConn *qc, const char *name, QemuMon *m)
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

void
qemu_process_set_fault(QemuConn *qc, QemuDomain *d, char *msg)
{
	g_free(d->error);
	d->error = msg;
	if (d->state != HV_DOMAIN_CRASHED)
		qemu_domain_set_state(qc, d, HV_DOMAIN_CRASHED, QR_CRASHED_UNKNOWN, "crashed",
				      strstr(msg, "guest-panicked") ? "panicked" : "internal-error");
}

/* ---- the end of a process */

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
	qemu_domain_set_state(qc, d, HV_DOMAIN_SHUTOFF, reason, "stopped",
			      stop_detail(reason, d->panicked));
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

static QemuMon *
wait_monitor(QemuConn *qc, const char *name, pid_t pid, const char *qmp, const char *log,
	     GError **err)
{
	int64_t deadline = g_get_monotonic_time() + START_DEADLINE_US;

	for (;;) {
		g_autoptr(GError) lerr = NULL;
		QemuMon *m;

		if (g_file_test(qmp, G_FILE_TEST_EXISTS) &&
		    (m = qemu_mon_open(qmp, qc->mon_cb, qc, &lerr)))
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

void
qemu_process_kill(pid_t pid)
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
		paths.resolve_network = qemu_interface_resolve_network;
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

static int
start_fail(QemuConn *qc, const char *name, pid_t pid, GError **err)
{
	QemuDomain *d;

	qemu_process_kill(pid);
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

/* Outside the lock: the taps (their names go into the live definition,
 * <target dev=>), run/NAME.xml, QEMU itself and its monitor. */
static int
start_spawn(QemuConn *qc, const char *name, HvDomainDef *live, char **argv, GPtrArray *taps,
	    pid_t *pid, QemuMon **mon, GError **err)
{
	g_autofree char *qmp = qemu_run_path(qc, name, "qmp");
	g_autofree char *log = qemu_run_path(qc, name, "qemu.log");
	g_autofree char *xml_path = qemu_run_path(qc, name, "xml");
	g_autofree char *xml = NULL;
	g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
	int r;

	run_files_remove(qc, name);
	if ((r = qemu_interface_open_taps(name, live, taps, fds, err)) < 0)
		return r;
	xml = hv_domain_def_format(live);
	if (!xml || !g_file_set_contents(xml_path, xml, -1, NULL)) {
		qemu_interface_close_fds(fds);
		return hv_error_set(err, EIO, "domain '%s': cannot write '%s'", name, xml_path);
	}
	r = spawn(argv, log, (const int *)fds->data, (int)fds->len, pid, err);
	qemu_interface_close_fds(fds); /* QEMU holds them now: the taps go when it exits */
	if (r < 0 || !(*mon = wait_monitor(qc, name, *pid, qmp, log, err)))
		return err && *err ? hv_error_errno(*err) : -EIO;
	return 0;
}

/* Lock held: the domain runs (paused, under -S) on its live definition
 * (taken). Returns the balloon target to set before cont, or 0. */
static uint64_t
start_record(QemuConn *qc, QemuDomain *d, QemuMon *m, pid_t pid, HvDomainDef *live)
{
	uint64_t balloon = live->current_memory_kib < live->max_memory_kib
				   ? live->current_memory_kib : 0;

	d->mon = qemu_mon_ref(m);
	d->pid = pid;
	d->id = qc->next_id++;
	d->state = HV_DOMAIN_PAUSED;
	d->reason = 0;
	d->starting = true;
	d->vcpu_threads = live->vcpus;
	if (d->persistent)
		d->newdef = g_steal_pointer(&d->def);
	else
		hv_domain_def_free(d->def);
	d->def = live;
	return balloon;
}

/* Lock held: started, unless the KVM check found a fault. */
static int
start_done(QemuConn *qc, QemuDomain *d, QemuMon *m, char *fault, GError **err)
{
	g_autofree char *owned = fault;
	int r = 0;

	if (!d)
		return 0;
	d->busy = false;
	if (d->mon != m)
		return 0;
	d->starting = false;
	g_clear_pointer(&d->error, g_free);
	qemu_domain_set_state(qc, d, HV_DOMAIN_RUNNING, QR_BOOTED, "started", "booted");
	if (fault) {
		r = hv_error_set(err, EIO, "%s", fault);
		qemu_process_set_fault(qc, d, g_steal_pointer(&owned));
	}
	return r;
}

int
qemu_process_start(QemuConn *qc, const char *name, GError **err)
{
	g_autoptr(HvDomainDef) live = NULL;
	g_auto(GStrv) argv = NULL;
	g_autoptr(QemuMon) m = NULL;
	g_autofree char *fault = NULL;
	g_autoptr(GPtrArray) taps = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_tap_free);
	uint64_t balloon;
	bool kvm;
	pid_t pid = 0;
	int r;

	qemu_reap_monitors(qc);
	g_mutex_lock(&qc->lock);
	r = start_prepare(qc, name, &live, &argv, taps, err);
	g_mutex_unlock(&qc->lock);
	if (r < 0)
		return r;
	if (start_spawn(qc, name, live, argv, taps, &pid, &m, err) < 0)
		return start_fail(qc, name, pid, err);
	kvm = live->type && g_str_equal(live->type, "kvm");
	g_mutex_lock(&qc->lock);
	balloon = start_record(qc, g_hash_table_lookup(qc->domains, name), m, pid,
			       g_steal_pointer(&live));
	g_mutex_unlock(&qc->lock);
	qemu_console_attach(qc, name, m, true);
	if ((balloon && qemu_mon_balloon(m, balloon, err) < 0) ||
	    qemu_mon_command(m, "cont", NULL, NULL, err) < 0)
		return start_fail(qc, name, pid, err);
	if (kvm) { /* KVM that cannot run the guest fails at its first instructions */
		g_usleep(KVM_SETTLE_US);
		fault = qemu_process_fault(qc, name, m);
	}
	g_mutex_lock(&qc->lock);
	r = start_done(qc, g_hash_table_lookup(qc->domains, name), m, g_steal_pointer(&fault),
		       err);
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
	taps = qemu_interface_taps_of(d->def);
	/* QEMU 7.2 leaves SIGTERM pending while the guest is panicked or powered
	 * off under -action ...=pause, but answers QMP: ask it to quit first */
	if ((d->state == HV_DOMAIN_CRASHED || d->state == HV_DOMAIN_SHUTDOWN ||
	     d->reason == QR_PAUSED_SHUTTING_DOWN) && d->mon)
		m = qemu_mon_ref(d->mon);
	g_mutex_unlock(&qc->lock);
	if (m)
		(void)qemu_mon_command(m, "quit", NULL, NULL, NULL);
	qemu_process_kill(pid);
	g_mutex_lock(&qc->lock);
	d = g_hash_table_lookup(qc->domains, name);
	if (d && qemu_domain_active(d) && d->pid == pid)
		qemu_process_stopped(qc, d, QR_OFF_DESTROYED);
	g_mutex_unlock(&qc->lock);
	qemu_reap_monitors(qc);
	if (qemu_pid_alive(pid))
		return hv_error_set(err, EIO, "domain '%s': QEMU (pid %d) survived SIGKILL", name,
				    (int)pid);
	qemu_interface_wait_gone(taps);
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

	if (pid > 0 && (m = qemu_mon_open(qmp, qc->mon_cb, qc, NULL)) &&
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
