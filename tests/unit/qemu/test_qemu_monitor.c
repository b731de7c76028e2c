/* test_qemu_monitor.c: the QMP client's deadlines and command count against a
 * fake QMP peer in a thread: it greets, answers every command, and on the
 * test's word stops reading (deaf), swallows a command (mute) or sends an
 * event. A deaf peer fills the socket: the command fails with ETIMEDOUT at its
 * deadline and leaves the monitor broken (later commands fail at once, one
 * waiting for the slot within its own deadline); events still come. */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "drivers/qemu/qemu_monitor.h"

#define SHORT_MS 300
#define WAIT_US (5 * G_USEC_PER_SEC) /* for what the reader thread delivers */
#define BIG (8u << 20)               /* more than any socket buffer holds */

typedef struct {
	char *dir, *path;
	int lfd;
	int ctl[2];   /* the test writes one-letter orders to ctl[1] */
	GThread *thread;
} Peer;

static void
put(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/* Answers each whole command line in buf; mute swallows the next one. */
static void
answer(int fd, GString *buf, bool *mute)
{
	char *nl;

	while ((nl = memchr(buf->str, '\n', buf->len))) {
		g_autofree char *line = g_strndup(buf->str, (gsize)(nl - buf->str));
		g_autoptr(QJson) msg = qjson_parse(line, strlen(line), NULL);
		g_autofree char *reply = NULL;
		int64_t id = 0;

		g_string_erase(buf, 0, (gssize)(nl - buf->str) + 1);
		if (*mute) {
			*mute = false;
			continue;
		}
		if (qjson_get_int(msg, "id", &id))
			reply = g_strdup_printf("{\"return\":{},\"id\":%" G_GINT64_FORMAT "}\n", id);
		else
			reply = g_strdup("{\"return\":{}}\n");
		put(fd, reply);
	}
}

static gpointer
peer_main(gpointer data)
{
	Peer *p = data;
	g_autoptr(GString) buf = g_string_new(NULL);
	bool deaf = false, mute = false;
	int client = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);

	put(client, "{\"QMP\":{\"version\":{\"qemu\":{\"micro\":0,\"minor\":2,\"major\":7},"
		    "\"package\":\"fake\"},\"capabilities\":[]}}\n");
	for (;;) {
		struct pollfd fds[2] = { { .fd = p->ctl[0], .events = POLLIN },
					 { .fd = client, .events = POLLIN } };
		char chunk[65536], order;
		ssize_t n;

		if (poll(fds, deaf ? 1 : 2, -1) < 0)
			continue;
		if (fds[0].revents) {
			if (read(p->ctl[0], &order, 1) != 1 || order == 'q')
				break;
			deaf |= order == 'd';
			mute |= order == 'm';
			if (order == 'e')
				put(client, "{\"event\":\"STOP\",\"timestamp\":{\"seconds\":1,"
					    "\"microseconds\":0}}\n");
			continue;
		}
		if ((n = read(client, chunk, sizeof(chunk))) <= 0)
			break;
		g_string_append_len(buf, chunk, n);
		answer(client, buf, &mute);
	}
	close(client);
	return NULL;
}

static void
peer_start(Peer *p)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	g_autoptr(GError) err = NULL;

	p->dir = g_dir_make_tmp("hq-mon-XXXXXX", &err);
	g_assert_no_error(err);
	p->path = g_build_filename(p->dir, "qmp", NULL);
	g_assert_cmpuint(strlen(p->path), <, sizeof(sa.sun_path));
	strcpy(sa.sun_path, p->path);
	p->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(bind(p->lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	g_assert_cmpint(listen(p->lfd, 1), ==, 0);
	g_assert_cmpint(pipe(p->ctl), ==, 0);
	p->thread = g_thread_new("fake-qmp", peer_main, p);
}

static void
peer_order(Peer *p, char order)
{
	g_assert_cmpint(write(p->ctl[1], &order, 1), ==, 1);
}

static void
peer_stop(Peer *p)
{
	peer_order(p, 'q');
	g_thread_join(p->thread);
	close(p->ctl[0]);
	close(p->ctl[1]);
	close(p->lfd);
	g_unlink(p->path);
	g_rmdir(p->dir);
	g_free(p->path);
	g_free(p->dir);
}

/* ---- what the monitor hands to the driver */

typedef struct {
	GMutex lock;
	GCond cond;
	unsigned events;
} Seen;

static void
on_event(QemuMon *m, const char *event, const QJson *data, void *opaque)
{
	Seen *s = opaque;

	g_mutex_lock(&s->lock);
	s->events++;
	g_cond_broadcast(&s->cond);
	g_mutex_unlock(&s->lock);
}

static const QemuMonCallbacks callbacks = { .event = on_event };

static QemuMon *
open_mon(Peer *p, Seen *s)
{
	g_autoptr(GError) err = NULL;
	QemuMon *m = qemu_mon_open(p->path, &callbacks, s, &err);

	g_assert_no_error(err);
	g_assert_nonnull(m);
	return m;
}

static void
wait_events(Seen *s, unsigned n)
{
	int64_t deadline = g_get_monotonic_time() + WAIT_US;

	g_mutex_lock(&s->lock);
	while (s->events < n && g_cond_wait_until(&s->cond, &s->lock, deadline))
		;
	g_assert_cmpuint(s->events, ==, n);
	g_mutex_unlock(&s->lock);
}

/* A command with an argument larger than any socket buffer. */
static char *
big_args(void)
{
	GString *s = g_string_sized_new(BIG + 32);

	g_string_append(s, "{\"filename\":\"");
	for (size_t k = 0; k < BIG; k++)
		g_string_append_c(s, 'x');
	g_string_append(s, "\"}");
	return g_string_free(s, FALSE);
}

static void
counts_commands(void)
{
	Peer p = { 0 };
	Seen s = { 0 };
	g_autoptr(GError) err = NULL;
	QemuMon *m;

	peer_start(&p);
	m = open_mon(&p, &s);
	g_assert_cmpuint(qemu_mon_commands_sent(m), ==, 1); /* qmp_capabilities */
	g_assert_cmpint(qemu_mon_command(m, "query-status", NULL, NULL, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(qemu_mon_balloon(m, 1024, &err), ==, 0);
	g_assert_cmpuint(qemu_mon_commands_sent(m), ==, 3);
	/* a reply that never comes: ETIMEDOUT, and the monitor stays usable */
	qemu_mon_set_timeout(m, SHORT_MS);
	peer_order(&p, 'm');
	g_assert_cmpint(qemu_mon_command(m, "stop", NULL, NULL, &err), ==, -ETIMEDOUT);
	g_assert_nonnull(strstr(err->message, "no reply from QEMU to 'stop'"));
	g_clear_error(&err);
	g_assert_cmpint(qemu_mon_command(m, "cont", NULL, NULL, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpuint(qemu_mon_commands_sent(m), ==, 5);
	qemu_mon_unref(m);
	peer_stop(&p);
}

static void
send_deadline(void)
{
	Peer p = { 0 };
	Seen s = { 0 };
	g_autoptr(GError) err = NULL;
	g_autofree char *args = big_args();
	g_autofree char *want = NULL;
	QemuMon *m;

	peer_start(&p);
	m = open_mon(&p, &s);
	qemu_mon_set_timeout(m, SHORT_MS);
	peer_order(&p, 'd');
	g_assert_cmpint(qemu_mon_command(m, "screendump", args, NULL, &err), ==, -ETIMEDOUT);
	want = g_strdup_printf("cannot send 'screendump' to QEMU: QMP socket '%s' took no data "
			       "for 300 ms (QEMU is not reading its commands)", p.path);
	g_assert_cmpstr(err->message, ==, want);
	g_clear_error(&err);
	/* broken: nothing more is sent, and that is said at once */
	g_assert_cmpint(qemu_mon_command(m, "query-status", NULL, NULL, &err), ==, -EPIPE);
	g_assert_nonnull(strstr(err->message, "is unusable (QEMU took none of 'screendump' for "
					      "300 ms)"));
	g_assert_cmpuint(qemu_mon_commands_sent(m), ==, 2);
	/* events still come */
	peer_order(&p, 'e');
	wait_events(&s, 1);
	qemu_mon_close(m);
	qemu_mon_unref(m);
	peer_stop(&p);
}

typedef struct {
	QemuMon *m;
	const char *args;
	int r;
	GError *err;
} Call;

static gpointer
call_thread(gpointer data)
{
	Call *c = data;

	c->r = qemu_mon_command(c->m, "screendump", c->args, NULL, &c->err);
	return NULL;
}

/* A command waiting for the slot that a stuck send holds gets an answer too. */
static void
slot_deadline(void)
{
	Peer p = { 0 };
	Seen s = { 0 };
	g_autofree char *args = big_args();
	g_autoptr(GError) err = NULL;
	int64_t deadline = g_get_monotonic_time() + WAIT_US;
	Call a = { 0 };
	GThread *t;
	int r;

	peer_start(&p);
	a.m = open_mon(&p, &s);
	a.args = args;
	qemu_mon_set_timeout(a.m, SHORT_MS);
	peer_order(&p, 'd');
	t = g_thread_new("stuck", call_thread, &a);
	while (qemu_mon_commands_sent(a.m) < 2 && g_get_monotonic_time() < deadline)
		g_usleep(1000);
	g_assert_cmpuint(qemu_mon_commands_sent(a.m), ==, 2); /* a holds the slot */
	r = qemu_mon_command(a.m, "query-status", NULL, NULL, &err);
	g_assert_true(r == -ETIMEDOUT || r == -EPIPE);
	g_assert_nonnull(strstr(err->message, "cannot send 'query-status' to QEMU"));
	g_thread_join(t);
	g_assert_cmpint(a.r, ==, -ETIMEDOUT);
	g_clear_error(&a.err);
	qemu_mon_close(a.m);
	qemu_mon_unref(a.m);
	peer_stop(&p);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/qemu/monitor/counts", counts_commands);
	g_test_add_func("/qemu/monitor/send-deadline", send_deadline);
	g_test_add_func("/qemu/monitor/slot-deadline", slot_deadline);
	return g_test_run();
}
