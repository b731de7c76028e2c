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
#include "drivers/qemu/qemu_saveimg.h"
#include "drivers/objstore.h"
#include "drivers/storage/storage_class.h"
#include "drivers/secret/secret_store.h"

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
static const char *const fault_states[] = { "internal-error", "guest-panicked", "io-error", NULL };

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
	case QR_OFF_SAVED: return "saved";
	case QR_OFF_MIGRATED: return "migrated";
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
	qemu_interface_release(qemu_dom_def(d));
	run_files_remove(qc, d->o->name);
	d->id = -1;
	d->pid = 0;
	d->stop_reason = 0;
	d->reboot_asked = false;
	d->restarting = false;
	d->balloon_kib = 0;
	g_clear_pointer(&d->unplugging, g_ptr_array_unref);
	qemu_domain_set_state(qc, d, HV_DOMAIN_SHUTOFF, reason, "stopped",
			      stop_detail(reason, d->panicked));
	d->panicked = false;
	hv_entry_broadcast(d->o); /* a job waiting for the guest (a vCPU unplug) */
	hv_entry_stopped(d->o);   /* the pending config; a transient domain goes */
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
	const HvDomainDef *def = qemu_dom_def(d);

	for (guint a = 0; def->disks && a < def->disks->len; a++) {
		const HvDomainDiskDef *mine = def->disks->pdata[a];

		if (!disk_writable(mine))
			continue;
		for (guint k = 0; k < hv_objtab_count(qc->domains); k++) {
			QemuDomain *o = qemu_dom(hv_objtab_nth(qc->domains, k));
			const HvDomainDef *odef = qemu_dom_def(o);

			if (o == d || (!qemu_domain_active(o) && !qemu_domain_starting(o)))
				continue;
			for (guint b = 0; odef->disks && b < odef->disks->len; b++) {
				const HvDomainDiskDef *theirs = odef->disks->pdata[b];

				if (disk_writable(theirs) && same_file(mine->source, theirs->source))
					return hv_error_set(err, EBUSY, "cannot start domain '%s': disk "
							    "'%s' is in use in write mode by domain "
							    "'%s'", d->o->name, mine->source, o->o->name);
			}
		}
	}
	return 0;
}

/* Lock held, the start job held: checks, the live definition and the
 * command line (and the taps it needs, created by the caller). */
/* -incoming and -loadvm of a start from saved memory. */
static int
start_extra(const char *name, const QemuStartArg *a, char ***argv, GError **err)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	uint64_t offset;
	int r;

	g_strv_builder_addv(b, (const char **)*argv);
	if (a->image) {
		g_autofree char *uri = NULL;

		if ((r = hv_saveimg_read(a->image, NULL, NULL, &offset, err)) < 0) {
			g_prefix_error(err, "cannot start domain '%s': ", name);
			return r;
		}
		uri = qemu_saveimg_incoming(a->image, offset);
		g_strv_builder_add_many(b, "-incoming", uri, NULL);
	}
	if (a->loadvm)
		g_strv_builder_add_many(b, "-loadvm", a->loadvm, NULL);
	g_strfreev(*argv);
	*argv = g_strv_builder_end(b);
	return 0;
}

/* The secrets QEMU reads at start (QemuSecret), 0600, as base64. */
static int
secrets_write(GPtrArray *secrets, GError **err)
{
	for (guint k = 0; k < secrets->len; k++) {
		const QemuSecret *s = secrets->pdata[k];
		gsize n;
		const guchar *d = g_bytes_get_data(s->value, &n);
		g_autofree char *b64 = g_base64_encode(d, n);
		size_t len = strlen(b64);
		int fd;
		ssize_t w;

		unlink(s->path);
		fd = open(s->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		w = fd < 0 ? -1 : write(fd, b64, len);
		explicit_bzero(b64, len);
		if (fd >= 0)
			close(fd);
		if (w != (ssize_t)len)
			return hv_error_set(err, errno ? errno : EIO, "cannot write secret file '%s': "
					    "%s", s->path, g_strerror(errno ? errno : EIO));
	}
	return 0;
}

/* QEMU has read them (it answers QMP), or it never will. */
static void
secrets_remove(GPtrArray *secrets)
{
	for (guint k = 0; k < secrets->len; k++)
		unlink(((QemuSecret *)secrets->pdata[k])->path);
}

static int
start_prepare(QemuConn *qc, QemuDomain *d, const char *incoming, HvDomainDef **live,
	      char ***argv, GPtrArray *taps, GPtrArray *secrets, GError **err)
{
	const char *name = d->o->name;
	g_autofree char *qmp = NULL, *pid = NULL, *log = NULL, *console = NULL, *vnc = NULL;
	g_autofree char *secret = NULL, *layout = NULL;
	QemuPaths paths;
	int r;

	if (qemu_domain_active(d))
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
	secret = qemu_run_path(qc, name, "secret");
	paths = (QemuPaths){ .qmp = qmp, .pidfile = pid, .log = log, .console = console, .vnc = vnc,
			     .resolve_volume = storage_volume_resolve, .resolve_opaque = qc->storage,
			     .taps = taps, .incoming = incoming, .secret_prefix = secret,
			     .secrets = secrets, .resolve_secret = secret_store_value,
			     .secret_opaque = qc->conn->secrets };
	if (qc->conn->driver->network && qc->conn->driver->network->get_info) {
		paths.resolve_network = qemu_interface_resolve_network;
		paths.network_opaque = qc->conn;
	}
	*live = hv_domain_def_copy(qemu_dom_def(d));
	layout = hv_domain_def_format(*live); /* the PCI slots its XML shows */
	paths.layout = layout;
	if ((r = qemu_command_build(*live, qc->emulator, &paths, argv, err)) < 0) {
		g_clear_pointer(live, hv_domain_def_free);
		return r;
	}
	return 0;
}

/* Lock held on entry and return: a start that failed (or was destroyed)
 * leaves nothing behind. */
static int
start_fail(QemuConn *qc, QemuDomain *d, pid_t pid, GError **err)
{
	hv_core_unlock(&qc->core);
	qemu_process_kill(pid);
	hv_core_lock(&qc->core);
	if (qemu_domain_active(d) && d->pid == pid) /* a destroy may have set the reason */
		qemu_process_stopped(qc, d, d->stop_reason ? d->stop_reason : QR_OFF_FAILED);
	else if (!qemu_domain_active(d))
		run_files_remove(qc, d->o->name);
	if (!qemu_domain_active(d))
		d->pid = 0;
	hv_core_unlock(&qc->core);
	qemu_reap_monitors(qc);
	hv_core_lock(&qc->core);
	return err && *err ? hv_error_errno(*err) : -EIO;
}

/* No lock held: the taps (their names go into the live definition,
 * <target dev=>), run/NAME.xml, and QEMU itself. */
static int
start_spawn(QemuConn *qc, const char *name, HvDomainDef *live, char **argv, GPtrArray *taps,
	    pid_t *pid, GError **err)
{
	g_autofree char *log = qemu_run_path(qc, name, "qemu.log");
	g_autofree char *xml = NULL;
	g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
	int r;

	run_files_remove(qc, name);
	if ((r = qemu_interface_open_taps(name, live, taps, fds, err)) < 0)
		return r;
	xml = hv_domain_def_format_status(live);
	if (!xml) {
		qemu_interface_close_fds(fds);
		qemu_interface_release(live);
		return hv_error_set(err, EIO, "domain '%s': cannot format its live definition", name);
	}
	if ((r = hv_store_write_live(qc->domains->store, name, xml, err)) < 0) {
		qemu_interface_close_fds(fds);
		qemu_interface_release(live);
		return r;
	}
	r = spawn(argv, log, (const int *)fds->data, (int)fds->len, pid, err);
	qemu_interface_close_fds(fds); /* QEMU holds them now: the taps go when it exits */
	if (r < 0)
		qemu_interface_release(live); /* the macvtaps do not */
	return r;
}

/* Lock held: the domain runs (paused, under -S) on its live definition
 * (taken). Returns the balloon target to set before cont, or 0. */
static uint64_t
start_record(QemuConn *qc, QemuDomain *d, QemuMon *m, HvDomainDef *live)
{
	HvEntry *o = d->o;
	uint64_t balloon = live->current_memory_kib < live->max_memory_kib
				   ? live->current_memory_kib : 0;

	d->mon = qemu_mon_ref(m);
	d->id = qc->next_id++;
	d->state = HV_DOMAIN_PAUSED;
	d->reason = 0;
	d->vcpu_threads = live->vcpus;
	if (o->persistent)
		o->newdef.domain = g_steal_pointer(&o->def.domain);
	else
		hv_domain_def_free(o->def.domain);
	o->def.domain = live;
	hv_entry_started(o);
	return balloon;
}

/* Lock held: started, unless the KVM check found a fault. */
static int
start_done(QemuConn *qc, QemuDomain *d, const QemuStartArg *a, char *fault, GError **err)
{
	g_autofree char *owned = fault;
	int r = 0;

	g_clear_pointer(&d->error, g_free);
	qemu_domain_set_state(qc, d, HV_DOMAIN_RUNNING, QR_BOOTED, "started",
			      a->detail ? a->detail : "booted");
	if (a->paused)
		qemu_domain_set_state(qc, d, HV_DOMAIN_PAUSED, QR_PAUSED_USER, "suspended",
				      "paused");
	if (fault) {
		r = hv_error_set(err, EIO, "%s", fault);
		qemu_process_set_fault(qc, d, g_steal_pointer(&owned));
	}
	return r;
}

/* Whether a destroy (or an abort) got through the start job: then err says
 * that rather than what it did to QEMU (a closed socket, an exit). */
static bool
start_stopped(HvJob *job, GError **err)
{
	if (!hv_job_stop_requested(job))
		return false;
	if (err)
		g_clear_error(err);
	hv_job_check(job, err);
	return true;
}

/* After the spawn, lock held: the monitor, then continue the guest. Every
 * step without the lock ends with hv_job_check(): a destroy got through.
 * <0 with *started false: undo the start; with *started true: it runs, with
 * a fault (QEMU stays for inspection). */
static int
start_run(QemuConn *qc, QemuDomain *d, HvJob *job, const QemuStartArg *a, HvDomainDef **live,
	  bool *started, GError **err)
{
	const char *name = d->o->name;
	g_autofree char *qmp = qemu_run_path(qc, name, "qmp");
	g_autofree char *log = qemu_run_path(qc, name, "qemu.log");
	g_autofree char *fault = NULL;
	g_autoptr(QemuMon) m = NULL;
	bool kvm = (*live)->type && g_str_equal((*live)->type, "kvm");
	pid_t pid = d->pid;
	uint64_t balloon;
	g_autoptr(GPtrArray) down = qemu_interface_links_down(*live);
	int r = 0;

	hv_core_unlock(&qc->core);
	m = wait_monitor(qc, name, pid, qmp, log, err);
	hv_core_lock(&qc->core);
	if (start_stopped(job, err))
		return -ECANCELED;
	if (!m)
		return -EIO;
	balloon = start_record(qc, d, m, g_steal_pointer(live));
	hv_core_unlock(&qc->core);
	qemu_console_attach(qc, name, m, true);
	for (guint k = 0; k < down->len && r == 0; k++) /* <link state='down'/> */
		r = qemu_mon_command(m, "set_link", down->pdata[k], NULL, err);
	if (r == 0 && a->incoming) { /* a migration target: paused until the guest has come */
		hv_core_lock(&qc->core);
		if (hv_job_check(job, err) < 0)
			return -ECANCELED;
		d->reason = QR_PAUSED_MIGRATION;
		*started = true;
		return 0;
	}
	if (r < 0 || (a->image && qemu_saveimg_wait_in(m, name, err) < 0) ||
	    (balloon && !a->image && qemu_mon_balloon(m, balloon, err) < 0) ||
	    (!a->paused && qemu_mon_command(m, "cont", NULL, NULL, err) < 0)) {
		hv_core_lock(&qc->core);
		return start_stopped(job, err) ? -ECANCELED : -EIO;
	}
	if (kvm) { /* KVM that cannot run the guest fails at its first instructions */
		g_usleep(KVM_SETTLE_US);
		fault = qemu_process_fault(qc, name, m);
	}
	hv_core_lock(&qc->core);
	if (hv_job_check(job, err) < 0)
		return -ECANCELED;
	if (d->mon != m)
		return hv_error_set(err, EIO, "domain '%s' stopped at start", name);
	*started = true;
	return start_done(qc, d, a, g_steal_pointer(&fault), err);
}

int
qemu_process_start(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	QemuConn *qc = t->opaque;
	QemuDomain *d = qemu_dom(o);
	g_autoptr(HvDomainDef) live = NULL;
	g_auto(GStrv) argv = NULL;
	g_autoptr(GPtrArray) taps = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_tap_free);
	g_autoptr(GPtrArray) secrets = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_secret_free);
	g_autofree char *managed = qemu_managed_save_path(qc, o->name);
	QemuStartArg plain = { 0 };
	const QemuStartArg *a = arg ? arg : &plain;
	bool started = false;
	bool saved_running = true;
	pid_t pid = 0;
	int r;

	/* the next start of a managed-saved domain restores it */
	if (!arg && g_file_test(managed, G_FILE_TEST_EXISTS) &&
	    hv_saveimg_read(managed, NULL, &saved_running, &(uint64_t){ 0 }, NULL) == 0)
		plain = (QemuStartArg){ .image = managed, .paused = !saved_running,
					.detail = "restored" };
	if ((r = start_prepare(qc, d, a->incoming, &live, &argv, taps, secrets, err)) < 0 ||
	    ((a->image || a->loadvm) && (r = start_extra(o->name, a, &argv, err)) < 0))
		return r;
	hv_core_unlock(&qc->core);
	qemu_reap_monitors(qc);
	if ((r = secrets_write(secrets, err)) == 0)
		r = start_spawn(qc, o->name, live, argv, taps, &pid, err);
	hv_core_lock(&qc->core);
	if (r < 0 || hv_job_check(job, err) < 0) {
		secrets_remove(secrets);
		return start_fail(qc, d, pid, err);
	}
	d->pid = pid; /* from now on a destroy can end it */
	r = start_run(qc, d, job, a, &live, &started, err);
	secrets_remove(secrets);
	if (r < 0 && !started)
		return start_fail(qc, d, pid, err);
	if (r == 0 && a == &plain && plain.image) {
		unlink(managed); /* restored: the image is used up */
		qemu_emit(qc, o->name, "save-discarded", "restored");
	}
	return r; /* a fault at start keeps QEMU for inspection */
}

/* Lock held, the destroy job held (it got through any other job: a start or
 * a change in progress sees hv_job_check() fail and undoes itself). */
int
qemu_process_destroy(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	QemuDomain *d = qemu_dom(o);
	pid_t pid = d->pid;
	QemuConn *qc = t->opaque;
	g_autoptr(GPtrArray) taps = NULL;
	g_autoptr(QemuMon) m = NULL;
	int reason = code ? code : QR_OFF_DESTROYED; /* code: QR_OFF_MIGRATED */

	if (!qemu_domain_active(d) && !pid) {
		if (qemu_domain_starting(d))
			return 0; /* not spawned yet: the start sees the destroy and stops */
		return hv_error_set(err, EBUSY, "cannot destroy domain '%s': domain is not running",
				    o->name);
	}
	d->stop_reason = reason;
	taps = qemu_interface_taps_of(qemu_dom_def(d));
	/* QEMU 7.2 leaves SIGTERM pending while the guest is panicked or powered
	 * off under -action ...=pause, but answers QMP: ask it to quit first */
	if ((d->state == HV_DOMAIN_CRASHED || d->state == HV_DOMAIN_SHUTDOWN ||
	     d->reason == QR_PAUSED_SHUTTING_DOWN) && d->mon)
		m = qemu_mon_ref(d->mon);
	hv_core_unlock(&qc->core);
	if (m)
		(void)qemu_mon_command(m, "quit", NULL, NULL, NULL);
	qemu_process_kill(pid);
	hv_core_lock(&qc->core);
	if (qemu_domain_active(d) && d->pid == pid)
		qemu_process_stopped(qc, d, reason);
	hv_core_unlock(&qc->core);
	qemu_reap_monitors(qc);
	if (!qemu_pid_alive(pid))
		qemu_interface_wait_gone(taps);
	hv_core_lock(&qc->core);
	if (qemu_pid_alive(pid))
		return hv_error_set(err, EIO, "domain '%s': QEMU (pid %d) survived SIGKILL", o->name,
				    (int)pid);
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

/* Lock held: the run state QEMU reported while we were away. */
static void
reattach_record(QemuConn *qc, QemuDomain *d, QemuMon *m, pid_t pid, bool running,
		const char *st)
{
	d->mon = qemu_mon_ref(m);
	d->pid = pid;
	d->id = qc->next_id++;
	d->vcpu_threads = qemu_dom_def(d)->vcpus; /* at least; unplugs before are unknown */
	d->state = running ? HV_DOMAIN_RUNNING : HV_DOMAIN_PAUSED;
	d->reason = running ? QR_BOOTED : QR_PAUSED_USER;
	/* what the guest did while we were away (-action ...=pause) */
	if (st && g_str_equal(st, "shutdown")) {
		d->reason = QR_PAUSED_SHUTTING_DOWN;
	} else if (st && (g_str_equal(st, "guest-panicked") || g_str_equal(st, "internal-error"))) {
		d->state = HV_DOMAIN_CRASHED;
		d->reason = g_str_equal(st, "guest-panicked") ? QR_CRASHED_PANICKED
							       : QR_CRASHED_UNKNOWN;
	}
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
	bool ok;

	if (pid > 0 && (m = qemu_mon_open(qmp, qc->mon_cb, qc, NULL)) &&
	    qemu_mon_command(m, "query-status", NULL, &status, NULL) < 0)
		g_clear_pointer(&status, qjson_free);
	hv_core_lock(&qc->core);
	d = qemu_domain_lookup(qc, name);
	ok = d && m && status;
	if (ok) {
		reattach_record(qc, d, m, pid, qjson_get_bool(status, "running", false),
				qjson_get_str(status, "status"));
	} else if (d) {
		/* gone while we were away: back to the persistent definition */
		run_files_remove(qc, name);
		hv_entry_stopped(d->o);
	}
	hv_core_unlock(&qc->core);
	if (ok)
		qemu_console_attach(qc, name, m, false);
	if (m && !ok)
		qemu_mon_close(m);
}
