/* test_qemu_faults.c: the qemu driver's fault detection (docs/qemu-driver.md,
 * "Faults and refusals at start") against a fake QEMU, for the run states real
 * QEMU cannot be made to reach on demand (KVM internal-error, a guest-panicked
 * without its event). The fake is this program re-executed as
 * `qemu-faults-unit --fake-qmp LISTEN_FD CTL_FD QMP_PATH`: a child process that
 * serves the QMP socket (greeting, qmp_capabilities, query-status from a run
 * state it is told, query-chardev, quit) and names that socket in its command
 * line, as QEMU does. Each case writes lib/NAME.xml, run/NAME.xml,
 * run/NAME.pid (the fake's pid) and run/NAME.qemu.log under a temporary root
 * and opens qemu:///session?root=ROOT, so the driver's own re-attach path
 * connects the monitor; then the test has the fake change its run state and
 * send events (STOP, GUEST_PANICKED) and checks what the driver made of them:
 * the state, reason, `error` and events; then destroy, and that the fake
 * exited, was reaped and left no runtime files. The control socket carries
 * the script to the fake and back a transcript of every command it got and
 * event it sent; the fake exits when the test goes. One more case has the
 * fake stop reading its QMP socket (deaf-monitor): the send deadline. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "drivers/conn.h"
#include "drivers/qemu/qemu_domain.h"
#include "tests/unit/qemu/fake_qmp.h"

#define WAIT_US (2 * G_USEC_PER_SEC) /* for anything the driver does in the background */
#define LOG_LINE "emulation failure"

static char *self_exe;

/* ---- the test's side */

typedef struct {
	GMutex lock;
	GString *events; /* "EVENT DETAIL\n" for each domain event but console-output */
} Recorder;

static void
record(HvConn *c, const HvEvent *ev, void *opaque)
{
	Recorder *r = opaque;

	if (ev->kind != HV_OBJ_DOMAIN || g_str_equal(ev->event, "console-output"))
		return;
	g_mutex_lock(&r->lock);
	g_string_append_printf(r->events, "%s %s\n", ev->event, ev->detail);
	g_mutex_unlock(&r->lock);
}

static char *
take_events(Recorder *r)
{
	char *s;

	g_mutex_lock(&r->lock);
	s = g_strdup(r->events->str);
	g_string_truncate(r->events, 0);
	g_mutex_unlock(&r->lock);
	return s;
}

/* Reads the fake's transcript into out until it holds `until` (NULL: until
 * the fake closes it); fails the test after WAIT_US. */
static void
read_transcript(int ctl, GString *out, const char *until)
{
	int64_t deadline = g_get_monotonic_time() + WAIT_US;

	while (!until || !strstr(out->str, until)) {
		struct pollfd p = { .fd = ctl, .events = POLLIN };
		int64_t left = deadline - g_get_monotonic_time();

		g_assert_cmpint(left, >, 0);
		if (poll(&p, 1, (int)(left / 1000) + 1) <= 0)
			continue;
		if (!fake_fill(ctl, out)) {
			g_assert_null(until);
			return;
		}
	}
}

/* The test's own probe (query-version) is not part of what is compared. */
static char *
without_probes(const char *transcript)
{
	g_auto(GStrv) lines = g_strsplit(transcript, "\n", -1);
	GString *s = g_string_new(NULL);

	for (guint k = 0; lines[k]; k++)
		if (*lines[k] && !g_str_equal(lines[k], "cmd query-version"))
			g_string_append_printf(s, "%s\n", lines[k]);
	return g_string_free(s, FALSE);
}

/* Every event QEMU sent so far has been handled, and so has every check
 * they started: the reply to a command of ours comes after them on the
 * socket (the reader dispatches in order), and fault checks count as workers. */
static void
settle(HvConn *c, const char *name)
{
	QemuConn *qc = qemu_conn(c);
	g_autoptr(QemuMon) m = NULL;
	g_autoptr(GError) err = NULL;
	int64_t deadline = g_get_monotonic_time() + WAIT_US;
	QemuDomain *d;

	hv_core_lock(&qc->core);
	if ((d = qemu_domain_lookup(qc, name)) && d->mon)
		m = qemu_mon_ref(d->mon);
	hv_core_unlock(&qc->core);
	g_assert_nonnull(m);
	g_assert_cmpint(qemu_mon_command(m, "query-version", NULL, NULL, &err), ==, 0);
	g_assert_no_error(err);
	hv_core_lock(&qc->core);
	while (qc->workers && g_cond_wait_until(&qc->cond, &qc->core.mutex, deadline))
		;
	g_assert_cmpuint(qc->workers, ==, 0);
	hv_core_unlock(&qc->core);
}

/* The driver's own account of why the guest stopped (not in HvDomainInfo). */
static char *
domain_error(HvConn *c, const char *name)
{
	QemuConn *qc = qemu_conn(c);
	QemuDomain *d;
	char *e;

	hv_core_lock(&qc->core);
	d = qemu_domain_lookup(qc, name);
	g_assert_nonnull(d);
	e = g_strdup(d->error);
	hv_core_unlock(&qc->core);
	return e;
}

static void
assert_state(HvConn *c, const char *name, HvDomainState state, int reason)
{
	g_autoptr(HvDomainInfo) info = NULL;
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(HV_CALL(c, domain, get_info, HV_READS, &err, name, &info), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(info->state, ==, state);
	g_assert_cmpint(info->reason, ==, reason);
}

/* Starts the fake on a listening socket at qmp; *ctl gets the control socket.
 * Returns once the fake runs (it says "ready"). */
static pid_t
fake_spawn(const char *qmp, int *ctl)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, sv[2];
	g_autofree char *lfd_s = NULL, *ctl_s = NULL;
	g_autoptr(GString) ready = g_string_new(NULL);
	char *argv[6];
	pid_t pid;

	g_assert_cmpuint(strlen(qmp), <, sizeof(sa.sun_path));
	strcpy(sa.sun_path, qmp);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(lfd, >=, 0);
	g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	g_assert_cmpint(listen(lfd, 4), ==, 0);
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
	lfd_s = g_strdup_printf("%d", lfd);
	ctl_s = g_strdup_printf("%d", sv[1]);
	argv[0] = self_exe;
	argv[1] = (char *)"--fake-qmp";
	argv[2] = lfd_s;
	argv[3] = ctl_s;
	argv[4] = (char *)qmp; /* the driver checks that the pid names its socket */
	argv[5] = NULL;
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		fcntl(lfd, F_SETFD, 0);
		fcntl(sv[1], F_SETFD, 0);
		execv(self_exe, argv);
		_exit(127);
	}
	close(lfd);
	close(sv[1]);
	*ctl = sv[0];
	read_transcript(*ctl, ready, "ready\n"); /* before that, /proc/PID/cmdline is ours */
	g_assert_cmpstr(ready->str, ==, "ready\n");
	return pid;
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
rm_tree(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *f;

	while (dir && (f = g_dir_read_name(dir))) {
		g_autofree char *p = g_build_filename(path, f, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			rm_tree(p);
		else
			g_assert_cmpint(g_unlink(p), ==, 0);
	}
	g_assert_cmpint(g_rmdir(path), ==, 0);
}

typedef struct {
	const char *name;       /* the domain, and the test path */
	const char *script;     /* what QEMU does once the driver is attached */
	HvDomainState state;    /* what the driver makes of it */
	int reason;
	const char *events;
	const char *error;      /* the domain's error, or NULL */
	const char *transcript; /* the fake's, from the script on; without query-version */
	bool quit;              /* destroy asks QEMU to quit (crashed) rather than SIGTERM */
} Case;

static const Case cases[] = {
	{ /* KVM's internal error: QEMU stops the guest, says why only when asked */
	  "kvm-internal", "status internal-error false\nevent STOP\n",
	  HV_DOMAIN_CRASHED, QR_CRASHED_UNKNOWN, "suspended paused\ncrashed internal-error\n",
	  "domain 'kvm-internal': QEMU stopped the guest: internal-error (" LOG_LINE ")",
	  "event STOP\ncmd query-status\ncmd quit\nevent SHUTDOWN\n", true },
	{ /* a panic whose GUEST_PANICKED event never came: the run state tells */
	  "panic-no-event", "status guest-panicked false\nevent STOP\n",
	  HV_DOMAIN_CRASHED, QR_CRASHED_UNKNOWN, "suspended paused\ncrashed panicked\n",
	  "domain 'panic-no-event': QEMU stopped the guest: guest-panicked (" LOG_LINE ")",
	  "event STOP\ncmd query-status\ncmd quit\nevent SHUTDOWN\n", true },
	{ /* GUEST_PANICKED (panic=pause, <on_crash>preserve</on_crash>), then its
	   * STOP: the event said it all, no query-status, no error text */
	  "panic-event", "status guest-panicked false\n"
	  "event GUEST_PANICKED {\"action\":\"pause\",\"info\":{\"type\":\"hyper-v\","
	  "\"arg1\":1,\"arg2\":0,\"arg3\":0,\"arg4\":0,\"arg5\":0}}\nevent STOP\n",
	  HV_DOMAIN_CRASHED, QR_CRASHED_PANICKED, "crashed panicked\n", NULL,
	  "event GUEST_PANICKED\nevent STOP\ncmd quit\nevent SHUTDOWN\n", true },
	{ /* a plain pause (someone ran `stop`) is asked about and is no fault */
	  "user-pause", "status paused false\nevent STOP\n",
	  HV_DOMAIN_PAUSED, QR_PAUSED_USER, "suspended paused\n", NULL,
	  "event STOP\ncmd query-status\n", false },
};

/* A running domain whose QEMU is the fake, re-attached by a fresh connection. */
typedef struct {
	char *root, *run;
	HvConn *c;
	Recorder rec;
	int ctl;
	pid_t pid;
} Fixture;

static void
fixture_start_vcpus(Fixture *fx, const char *name, const char *vcpu)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *lib = NULL, *qmp = NULL, *xml = NULL, *uri = NULL, *file = NULL;
	g_autofree char *pid_s = NULL;
	g_autoptr(GString) transcript = g_string_new(NULL);

	fx->root = g_dir_make_tmp("hq-faults-XXXXXX", &err);
	g_assert_no_error(err);
	lib = g_build_filename(fx->root, "lib", NULL);
	fx->run = g_build_filename(fx->root, "run", NULL);
	qmp = g_strdup_printf("%s/%s.qmp", fx->run, name);
	xml = g_strdup_printf(
		"<domain type='kvm'><name>%s</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
		"<memory unit='MiB'>64</memory>%s<os><type arch='x86_64' machine='pc'>"
		"hvm</type></os><on_crash>preserve</on_crash><devices><panic model='pvpanic'/>"
		"</devices></domain>", name, vcpu);
	fx->rec.events = g_string_new(NULL);
	g_mutex_init(&fx->rec.lock);
	g_assert_cmpint(g_mkdir(lib, 0700), ==, 0);
	g_assert_cmpint(g_mkdir(fx->run, 0700), ==, 0);
	file = g_strdup_printf("%s.xml", name);
	write_file(lib, file, xml);
	write_file(fx->run, file, xml); /* the live definition: a running domain */
	g_free(file);
	file = g_strdup_printf("%s.qemu.log", name);
	write_file(fx->run, file, "KVM internal error. Suberror: 1\n" LOG_LINE "\n");
	fx->pid = fake_spawn(qmp, &fx->ctl);
	pid_s = g_strdup_printf("%d\n", (int)fx->pid);
	g_free(file);
	file = g_strdup_printf("%s.pid", name);
	write_file(fx->run, file, pid_s);

	/* the driver re-attaches: QEMU reports 'running' */
	uri = g_strdup_printf("qemu:///session?root=%s", fx->root);
	fx->c = hv_conn_open(uri, false, &err);
	g_assert_no_error(err);
	g_assert_nonnull(fx->c);
	hv_conn_set_event_cb(fx->c, record, &fx->rec);
	assert_state(fx->c, name, HV_DOMAIN_RUNNING, QR_BOOTED);
	read_transcript(fx->ctl, transcript, "cmd query-chardev\n");
	g_assert_cmpstr(transcript->str, ==,
			"cmd qmp_capabilities\ncmd query-status\ncmd query-chardev\n");
}

static void
fixture_start(Fixture *fx, const char *name)
{
	fixture_start_vcpus(fx, name, "<vcpu>1</vcpu>");
}

/* destroy ends it (quit for a crashed one: *status the fake's exit) and
 * nothing stays; transcript gets the rest of what the fake saw. */
static void
fixture_destroy(Fixture *fx, const char *name, int *status, GString *transcript)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *events = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, destroy, HV_WRITES, &err, name), ==, 0);
	g_assert_no_error(err);
	assert_state(fx->c, name, HV_DOMAIN_SHUTOFF, QR_OFF_DESTROYED);
	events = take_events(&fx->rec);
	g_assert_cmpstr(events, ==, "stopped destroyed\n");
	g_assert_cmpint(waitpid(fx->pid, status, 0), ==, fx->pid);
	read_transcript(fx->ctl, transcript, NULL);
	close(fx->ctl);
	for (const char *const *ext = (const char *const[]){ "pid", "qmp", "xml", NULL }; *ext;
	     ext++) {
		g_autofree char *p = g_strdup_printf("%s/%s.%s", fx->run, name, *ext);

		g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
	}
	g_assert_cmpuint(qemu_conn(fx->c)->workers, ==, 0);
	hv_conn_close(fx->c);
	rm_tree(fx->root);
	g_free(fx->root);
	g_free(fx->run);
	g_string_free(fx->rec.events, TRUE);
	g_mutex_clear(&fx->rec.lock);
}

static void
fault_case(gconstpointer data)
{
	const Case *k = data;
	g_autofree char *events = NULL, *error = NULL, *got = NULL;
	g_autoptr(GString) transcript = g_string_new(NULL);
	Fixture fx = { 0 };
	int status;

	fixture_start(&fx, k->name);
	/* what QEMU does; the last event of the script is STOP */
	g_assert_cmpint(write(fx.ctl, k->script, strlen(k->script)), ==,
			(ssize_t)strlen(k->script));
	read_transcript(fx.ctl, transcript, "event STOP\n");
	settle(fx.c, k->name);
	assert_state(fx.c, k->name, k->state, k->reason);
	events = take_events(&fx.rec);
	g_assert_cmpstr(events, ==, k->events);
	error = domain_error(fx.c, k->name);
	g_assert_cmpstr(error, ==, k->error);
	fixture_destroy(&fx, k->name, &status, transcript);
	if (k->quit)
		g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	else
		g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	got = without_probes(transcript->str);
	g_assert_cmpstr(got, ==, k->transcript);
}

/* A QEMU that stops reading its QMP socket: a command that cannot be sent
 * fails at its deadline, the monitor is broken (verbs fail at once, saying
 * so; stats still answer), and destroy still ends QEMU. */
static void
deaf_monitor(void)
{
	static const char name[] = "deaf";
	g_autoptr(GError) err = NULL;
	g_autoptr(GString) transcript = g_string_new(NULL);
	g_autoptr(GString) args = g_string_new("{\"filename\":\"");
	g_autoptr(QemuMon) m = NULL;
	g_autofree char *stats = NULL;
	QemuConn *qc;
	Fixture fx = { 0 };
	int status;

	fixture_start(&fx, name);
	g_assert_cmpint(write(fx.ctl, "deaf\n", 5), ==, 5);
	read_transcript(fx.ctl, transcript, "deaf\n");
	qc = qemu_conn(fx.c);
	hv_core_lock(&qc->core);
	m = qemu_mon_ref(((QemuDomain *)qemu_domain_lookup(qc, name))->mon);
	hv_core_unlock(&qc->core);
	qemu_mon_set_timeout(m, 300);
	for (size_t k = 0; k < (8u << 20); k++) /* more than the socket holds */
		g_string_append_c(args, 'x');
	g_string_append(args, "\"}");
	g_assert_cmpint(qemu_mon_command(m, "screendump", args->str, NULL, &err), ==, -ETIMEDOUT);
	g_assert_nonnull(strstr(err->message, "took no data for 300 ms"));
	g_clear_error(&err);
	g_assert_cmpint(HV_CALL(fx.c, domain, suspend, HV_WRITES, &err, name), ==, -EPIPE);
	g_assert_nonnull(strstr(err->message, "cannot send 'stop' to QEMU"));
	g_assert_nonnull(strstr(err->message, "unusable"));
	g_clear_error(&err);
	g_assert_cmpint(HV_CALL(fx.c, domain, get_stats, HV_READS, &err, name, &stats), ==, 0);
	g_assert_no_error(err);
	/* qmp_capabilities, query-status, query-chardev, screendump */
	g_assert_nonnull(strstr(stats, "\ndebug.qmp.commands=4\n"));
	assert_state(fx.c, name, HV_DOMAIN_RUNNING, QR_BOOTED);
	fixture_destroy(&fx, name, &status, transcript);
	g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

/* ---- vCPU writers: one set-vcpus job at a time per domain */

typedef struct {
	HvConn *c;
	const char *name;
	unsigned n;
	int r;
	GError *err;
} Writer;

static gpointer
writer_thread(gpointer data)
{
	Writer *w = data;

	w->r = HV_CALL(w->c, domain, set_vcpus, HV_WRITES, &w->err, w->name, w->n,
		       HV_AFFECT_LIVE | HV_AFFECT_CONFIG);
	return NULL;
}

static unsigned
fake_cpu_count(Fixture *fx)
{
	g_autoptr(GString) got = g_string_new(NULL);
	const char *p;

	g_assert_cmpint(write(fx->ctl, "cpus\n", 5), ==, 5);
	read_transcript(fx->ctl, got, "cpus ");
	while (!strchr((p = strstr(got->str, "cpus ")), '\n'))
		g_assert_true(fake_fill(fx->ctl, got));
	return (unsigned)g_ascii_strtoull(p + 5, NULL, 10);
}

static unsigned
config_vcpus(HvConn *c, const char *name, unsigned flags)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *xml = NULL;
	g_autoptr(HvDomainDef) def = NULL;

	g_assert_cmpint(HV_CALL(c, domain, get_xml, HV_READS, &err, name, flags, &xml), ==, 0);
	def = hv_domain_def_parse(xml, strlen(xml), &err);
	g_assert_no_error(err);
	return def->vcpus;
}

/* Two writers at once (1 -> 2, then 1 -> 3 while the first one's device_add
 * is in flight): the second waits for the first one's job and then works from
 * the count it left, so both succeed and QEMU, the live count and config.xml
 * agree on 3. Without the job the second reads the count before the first
 * changed it and plugs vCPU 1 again: QEMU's "Duplicate device ID". */
static void
vcpu_writers(void)
{
	static const char name[] = "vcpus";
	g_autoptr(GString) transcript = g_string_new(NULL);
	g_autoptr(HvDomainInfo) info = NULL;
	g_autoptr(GError) err = NULL;
	Writer a = { .name = name, .n = 2 }, b = { .name = name, .n = 3 };
	GThread *ta, *tb;
	Fixture fx = { 0 };
	int status;

	fixture_start_vcpus(&fx, name, "<vcpu current='1'>4</vcpu>");
	a.c = b.c = fx.c;
	ta = g_thread_new("writer-a", writer_thread, &a);
	read_transcript(fx.ctl, transcript, "cmd device_add\n"); /* a's reply is held */
	tb = g_thread_new("writer-b", writer_thread, &b);
	g_thread_join(ta);
	g_thread_join(tb);
	g_assert_no_error(a.err);
	g_assert_no_error(b.err);
	g_assert_cmpint(a.r, ==, 0);
	g_assert_cmpint(b.r, ==, 0);
	g_assert_cmpuint(fake_cpu_count(&fx), ==, 3);
	g_assert_cmpint(HV_CALL(fx.c, domain, get_info, HV_READS, &err, name, &info), ==, 0);
	g_assert_cmpuint(info->vcpus, ==, 3);
	g_assert_cmpuint(config_vcpus(fx.c, name, 0), ==, 3);
	g_assert_cmpuint(config_vcpus(fx.c, name, HV_XML_INACTIVE), ==, 3);
	g_free(take_events(&fx.rec));
	fixture_destroy(&fx, name, &status, transcript);
}

/* A destroy gets through a job that waits for QEMU forever (a device_add
 * that never answers): the destroy ends QEMU, and the writer fails. */
static void
destroy_through_job(void)
{
	static const char name[] = "stuck";
	g_autoptr(GString) transcript = g_string_new(NULL);
	Writer a = { .name = name, .n = 2 };
	GThread *ta;
	Fixture fx = { 0 };
	int status;

	fixture_start_vcpus(&fx, name, "<vcpu current='1'>4</vcpu>");
	a.c = fx.c;
	g_assert_cmpint(write(fx.ctl, "hold\n", 5), ==, 5);
	ta = g_thread_new("writer", writer_thread, &a);
	read_transcript(fx.ctl, transcript, "cmd device_add\n");
	fixture_destroy(&fx, name, &status, transcript); /* destroy: within the bound */
	g_thread_join(ta);
	g_assert_cmpint(a.r, <, 0);
	g_assert_nonnull(a.err);
	g_clear_error(&a.err);
	g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

int
main(int argc, char **argv)
{
	if (argc == 5 && g_str_equal(argv[1], "--fake-qmp"))
		return fake_main(atoi(argv[2]), atoi(argv[3]));
	self_exe = g_file_read_link("/proc/self/exe", NULL);
	g_assert_nonnull(self_exe);
	g_test_init(&argc, &argv, NULL);
	for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
		g_autofree char *path = g_strdup_printf("/qemu/faults/%s", cases[k].name);

		g_test_add_data_func(path, &cases[k], fault_case);
	}
	g_test_add_func("/qemu/faults/deaf-monitor", deaf_monitor);
	g_test_add_func("/qemu/jobs/vcpu-writers", vcpu_writers);
	g_test_add_func("/qemu/jobs/destroy-through-job", destroy_through_job);
	return g_test_run();
}
