/* fake_qmp.c: the fake QEMU of the qemu driver's fault tests
 * (test_qemu_faults.c, which re-executes itself as `qemu-faults-unit
 * --fake-qmp LISTEN_FD CTL_FD QMP_PATH` to run fake_main): it serves the QMP
 * socket (greeting, qmp_capabilities, query-status from a run state it is
 * told, query-chardev, query-hotpluggable-cpus, device_add/del of vCPUs with a
 * held reply, quit) and sends the events its control socket scripts, writing
 * back a transcript of every command it got and event it sent. A fake peer
 * for the run states real QEMU cannot be made to reach on demand. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "util/json.h"
#include "tests/unit/qemu/fake_qmp.h"

static void
put(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the peer went: nothing to tell it */
		s += n;
		len -= (size_t)n;
	}
}

static void
send_event(int client, int ctl, const char *event, const char *data)
{
	g_autofree char *line = g_strdup_printf("{\"timestamp\":{\"seconds\":1,\"microseconds\":0},"
						"\"event\":\"%s\"%s%s}\n", event,
						data ? ",\"data\":" : "", data ? data : "");
	g_autofree char *note = g_strdup_printf("event %s\n", event);

	if (client >= 0)
		put(client, line);
	put(ctl, note);
}

#define FAKE_SLOTS 4      /* vCPU slots the fake offers (slot 0: there at start) */
#define HOLD_US (300 * 1000) /* a device_add's reply is held this long */

typedef struct {
	char status[64];
	bool running;
	bool deaf; /* reads nothing more from the QMP socket */
	char *slot[FAKE_SLOTS]; /* the device id in each vCPU slot, NULL when empty */
	char *held;   /* a device_add reply not sent yet */
	int64_t held_until;
	bool hold_forever; /* `hold`: the next device_add never answers */
} FakeState;

/* query-hotpluggable-cpus, the way QEMU 7.2 answers it for -smp 1,maxcpus=4 */
static char *
fake_slots(const FakeState *st)
{
	GString *s = g_string_new("[");

	for (int k = FAKE_SLOTS - 1; k >= 0; k--) {
		g_string_append_printf(s, "%s{\"props\":{\"core-id\":0,\"thread-id\":0,"
				       "\"socket-id\":%d},\"vcpus-count\":1,\"type\":"
				       "\"qemu64-x86_64-cpu\"", k == FAKE_SLOTS - 1 ? "" : ",", k);
		if (k == 0)
			g_string_append(s, ",\"qom-path\":\"/machine/unattached/device[0]\"");
		else if (st->slot[k])
			g_string_append_printf(s, ",\"qom-path\":\"/machine/peripheral/%s\"",
					       st->slot[k]);
		g_string_append_c(s, '}');
	}
	g_string_append_c(s, ']');
	return g_string_free(s, FALSE);
}

/* device_add of a vCPU: QEMU refuses an id in use and a taken slot. */
static char *
fake_plug(FakeState *st, const QJson *msg, const char *id)
{
	const QJson *a = qjson_get(msg, "arguments");
	const char *dev = qjson_get_str(a, "id");
	int64_t sock = -1;

	qjson_get_int(a, "socket-id", &sock);
	for (int k = 1; dev && k < FAKE_SLOTS; k++)
		if (st->slot[k] && g_str_equal(st->slot[k], dev))
			return g_strdup_printf("{\"error\":{\"class\":\"GenericError\",\"desc\":"
					       "\"Duplicate device ID '%s'\"}%s}\n", dev, id);
	if (!dev || sock < 1 || sock >= FAKE_SLOTS || st->slot[sock])
		return g_strdup_printf("{\"error\":{\"class\":\"GenericError\",\"desc\":"
				       "\"CPU slot is taken\"}%s}\n", id);
	st->slot[sock] = g_strdup(dev);
	return g_strdup_printf("{\"return\":{}%s}\n", id);
}

static unsigned
fake_cpus(const FakeState *st)
{
	unsigned n = 1;

	for (int k = 1; k < FAKE_SLOTS; k++)
		n += st->slot[k] != NULL;
	return n;
}

/* One command line from the driver; true: the fake is done (quit). */
static bool
fake_command(int client, int ctl, FakeState *st, const char *line)
{
	g_autoptr(QJson) msg = qjson_parse(line, strlen(line), NULL);
	const char *cmd = qjson_get_str(msg, "execute");
	g_autofree char *id = NULL, *note = NULL, *reply = NULL;
	int64_t n;

	if (!cmd)
		return false;
	id = qjson_get_int(msg, "id", &n) ? g_strdup_printf(",\"id\":%" G_GINT64_FORMAT, n)
					  : g_strdup("");
	note = g_strdup_printf("cmd %s\n", cmd);
	put(ctl, note);
	if (g_str_equal(cmd, "qmp_capabilities") || g_str_equal(cmd, "quit"))
		reply = g_strdup_printf("{\"return\":{}%s}\n", id);
	else if (g_str_equal(cmd, "query-status"))
		reply = g_strdup_printf("{\"return\":{\"status\":\"%s\",\"singlestep\":false,"
					"\"running\":%s}%s}\n", st->status,
					st->running ? "true" : "false", id);
	else if (g_str_equal(cmd, "query-chardev"))
		reply = g_strdup_printf("{\"return\":[]%s}\n", id);
	else if (g_str_equal(cmd, "query-hotpluggable-cpus")) {
		g_autofree char *slots = fake_slots(st);

		reply = g_strdup_printf("{\"return\":%s%s}\n", slots, id);
	} else if (g_str_equal(cmd, "device_add")) {
		/* held: a second writer that did not wait for this one gets in now */
		g_free(st->held);
		st->held = fake_plug(st, msg, id);
		st->held_until = st->hold_forever ? G_MAXINT64 : g_get_monotonic_time() + HOLD_US;
		return false;
	} else if (g_str_equal(cmd, "query-version"))
		reply = g_strdup_printf("{\"return\":{\"qemu\":{\"major\":7,\"minor\":2,\"micro\":0},"
					"\"package\":\"fake\"}%s}\n", id);
	else
		reply = g_strdup_printf("{\"error\":{\"class\":\"CommandNotFound\",\"desc\":"
					"\"The command %s has not been found\"}%s}\n", cmd, id);
	if (g_str_equal(cmd, "quit")) {
		signal(SIGTERM, SIG_IGN); /* exiting anyway: the driver's SIGTERM changes nothing */
		put(client, reply);
		send_event(client, ctl, "SHUTDOWN", "{\"guest\":false,\"reason\":\"host-qmp-quit\"}");
		return true;
	}
	put(client, reply);
	return false;
}

/* One script line from the test: `status RUNSTATE true|false`,
 * `event NAME [DATA]` or `deaf` (answered with `deaf`). */
static void
fake_script(int client, int ctl, FakeState *st, const char *line)
{
	g_auto(GStrv) w = g_strsplit(line, " ", 3);

	if (g_str_equal(line, "deaf")) {
		st->deaf = true;
		put(ctl, "deaf\n");
	} else if (g_str_equal(line, "hold")) {
		st->hold_forever = true;
	} else if (g_str_equal(line, "cpus")) {
		g_autofree char *n = g_strdup_printf("cpus %u\n", fake_cpus(st));

		put(ctl, n);
	} else if (g_strv_length(w) == 3 && g_str_equal(w[0], "status")) {
		g_strlcpy(st->status, w[1], sizeof(st->status));
		st->running = g_str_equal(w[2], "true");
	} else if (g_strv_length(w) >= 2 && g_str_equal(w[0], "event")) {
		send_event(client, ctl, w[1], w[2]);
	}
}

/* Splits buf at newlines: hands each whole line to fn, keeps the rest. */
static bool
take_lines(GString *buf, bool (*fn)(const char *line, void *p), void *p)
{
	char *nl;

	while ((nl = memchr(buf->str, '\n', buf->len))) {
		g_autofree char *line = g_strndup(buf->str, (gsize)(nl - buf->str));

		g_string_erase(buf, 0, (gssize)(nl - buf->str) + 1);
		if (fn(line, p))
			return true;
	}
	return false;
}

typedef struct {
	int client, ctl;
	FakeState st;
} Fake;

static bool
on_cmd_line(const char *line, void *p)
{
	Fake *f = p;

	return fake_command(f->client, f->ctl, &f->st, line);
}

static bool
on_ctl_line(const char *line, void *p)
{
	Fake *f = p;

	fake_script(f->client, f->ctl, &f->st, line);
	return false;
}

bool
fake_fill(int fd, GString *buf)
{
	char chunk[4096];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return false;
	g_string_append_len(buf, chunk, n);
	return true;
}

int
fake_main(int lfd, int ctl)
{
	static const char greeting[] =
		"{\"QMP\":{\"version\":{\"qemu\":{\"micro\":0,\"minor\":2,\"major\":7},"
		"\"package\":\"fake\"},\"capabilities\":[\"oob\"]}}\n";
	g_autoptr(GString) cbuf = g_string_new(NULL), sbuf = g_string_new(NULL);
	Fake f = { .client = -1, .ctl = ctl, .st = { "running", true } };
	sigset_t none;

	/* QEMU dies of the driver's SIGTERM: whatever the test runner left us */
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	put(ctl, "ready\n"); /* exec'd: the driver may read our command line now */

	for (;;) {
		struct pollfd p[2] = { { .fd = ctl, .events = POLLIN },
				       { .fd = f.client >= 0 ? f.client : lfd, .events = POLLIN } };
		int64_t now = g_get_monotonic_time();
		int timeout = -1;

		if (f.st.held && f.st.held_until <= now) {
			put(f.client, f.st.held);
			g_clear_pointer(&f.st.held, g_free);
		}
		if (f.st.held && f.st.held_until != G_MAXINT64)
			timeout = (int)((f.st.held_until - now) / 1000) + 1;
		if (poll(p, f.st.deaf ? 1 : 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return 2;
		}
		if (p[0].revents) {
			if (!fake_fill(ctl, sbuf))
				return 1; /* the test is gone: so are we */
			take_lines(sbuf, on_ctl_line, &f);
		}
		if (!p[1].revents)
			continue;
		if (f.client < 0) {
			if ((f.client = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
				put(f.client, greeting);
			continue;
		}
		if (!fake_fill(f.client, cbuf)) { /* the driver closed: wait for the next one */
			close(f.client);
			f.client = -1;
			g_string_truncate(cbuf, 0);
			continue;
		}
		if (take_lines(cbuf, on_cmd_line, &f))
			return 0; /* quit */
	}
}
