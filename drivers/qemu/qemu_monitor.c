/* qemu_monitor.c: the QMP client. One non-blocking socket, one reader thread
 * splitting lines, one command in flight at a time (busy), matched by its
 * "id". Every exchange has a deadline: the wait for the command slot, the
 * send and the reply share one. Lines are bounded (QEMU_MON_MAX_LINE); a peer
 * that breaks the protocol is treated as gone, one that stops reading leaves
 * the monitor broken (no later command is sent). */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "drivers/qemu/qemu_monitor.h"
#include "util/error.h"
#include "util/sync.h"

struct QemuMon {
	gatomicrefcount refs;
	int fd;
	char *path;
	QemuMonCallbacks cb;
	void *opaque;
	GThread *reader;
	GMutex lock;     /* guards what follows */
	GCond cond;
	bool closing, closed, dead;
	bool busy;        /* a command in flight (its name: cmd) */
	char cmd[64];
	char *broken;     /* why no command may be sent any more, or NULL */
	int timeout_ms;
	uint64_t sent;    /* commands whose sending began */
	uint64_t next_id;
	uint64_t want_id; /* the command waiting, 0 if none */
	QJson *reply;     /* its reply once read */
	GString *buf;     /* unread bytes */
};

/* Reads one line (without '\n') within timeout_ms (-1: forever). */
static char *
read_line(QemuMon *m, int timeout_ms, GError **err)
{
	int64_t deadline = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;

	for (;;) {
		char *nl = memchr(m->buf->str, '\n', m->buf->len);
		char chunk[8192];
		struct pollfd pfd = { .fd = m->fd, .events = POLLIN };
		int wait = -1;
		ssize_t n;

		if (nl) {
			char *line = g_strndup(m->buf->str, (gsize)(nl - m->buf->str));

			g_string_erase(m->buf, 0, (gssize)(nl - m->buf->str) + 1);
			return line;
		}
		if (m->buf->len > QEMU_MON_MAX_LINE) {
			hv_error_set(err, EPROTO, "QMP line over %u bytes on '%s'", QEMU_MON_MAX_LINE,
				     m->path);
			return NULL;
		}
		if (timeout_ms >= 0) {
			int64_t left = deadline - g_get_monotonic_time();

			if (left <= 0) {
				hv_error_set(err, ETIMEDOUT, "no answer from QMP socket '%s'", m->path);
				return NULL;
			}
			wait = (int)(left / 1000) + 1;
		}
		if (poll(&pfd, 1, wait) < 0 && errno != EINTR) {
			hv_error_set(err, errno, "poll on QMP socket '%s': %s", m->path, g_strerror(errno));
			return NULL;
		}
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(m->fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			hv_error_set(err, EPIPE, "QMP socket '%s' closed", m->path);
			return NULL;
		}
		g_string_append_len(m->buf, chunk, n);
	}
}

/* "10 s", or "250 ms" for what is not whole seconds. */
static char *
span(int ms)
{
	return ms % 1000 ? g_strdup_printf("%d ms", ms) : g_strdup_printf("%d s", ms / 1000);
}

/* Sends all of s before deadline (monotonic us). A peer that takes nothing
 * until then fails it with ETIMEDOUT. */
static int
send_all(QemuMon *m, const char *what, const char *s, size_t len, int64_t deadline,
	 GError **err)
{
	while (len) {
		ssize_t n = send(m->fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		struct pollfd pfd = { .fd = m->fd, .events = POLLOUT };
		int64_t left;

		if (n > 0) {
			s += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return hv_error_set(err, EPIPE, "cannot write to QMP socket '%s': %s", m->path,
					    g_strerror(errno));
		if ((left = deadline - g_get_monotonic_time()) <= 0) {
			g_autofree char *t = span(m->timeout_ms);

			return hv_error_set(err, ETIMEDOUT, "cannot send '%s' to QEMU: QMP socket '%s' "
					    "took no data for %s (QEMU is not reading its commands)",
					    what, m->path, t);
		}
		if (poll(&pfd, 1, (int)(left / 1000) + 1) < 0 && errno != EINTR)
			return hv_error_set(err, errno, "poll on QMP socket '%s': %s", m->path,
					    g_strerror(errno));
	}
	return 0;
}

static void
dispatch(QemuMon *m, QJson *msg)
{
	const char *ev = qjson_get_str(msg, "event");
	int64_t id;

	if (ev) {
		if (m->cb.event)
			m->cb.event(m, ev, qjson_get(msg, "data"), m->opaque);
		qjson_free(msg);
		return;
	}
	g_mutex_lock(&m->lock);
	if (qjson_get_int(msg, "id", &id) && m->want_id && (uint64_t)id == m->want_id && !m->reply) {
		m->reply = msg;
		msg = NULL;
		g_cond_broadcast(&m->cond);
	}
	g_mutex_unlock(&m->lock);
	qjson_free(msg); /* a stale or unknown reply */
}

static gpointer
reader_main(gpointer data)
{
	QemuMon *m = data;
	bool closing;

	for (;;) {
		g_autoptr(GError) err = NULL;
		g_autofree char *line = read_line(m, -1, &err);
		QJson *msg;

		if (!line)
			break;
		if (!*line)
			continue;
		if (!(msg = qjson_parse(line, strlen(line), &err)))
			break;
		dispatch(m, msg);
	}
	g_mutex_lock(&m->lock);
	m->dead = true;
	closing = m->closing;
	g_cond_broadcast(&m->cond);
	g_mutex_unlock(&m->lock);
	if (!closing && m->cb.eof)
		m->cb.eof(m, m->opaque);
	return NULL;
}

/* A non-blocking client of path. A listener whose backlog is full is tried
 * again until the deadline, never waited on without one. */
static int
sock_connect(const char *path, GError **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = g_get_monotonic_time() + QEMU_MON_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return hv_error_set(err, ENAMETOOLONG, "QMP socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return hv_error_set(err, errno, "socket: %s", g_strerror(errno));
	while ((r = connect(fd, (struct sockaddr *)&sa, sizeof(sa))) < 0 &&
	       (errno == EINTR || errno == EAGAIN) && g_get_monotonic_time() < deadline)
		if (errno == EAGAIN)
			g_usleep(10000);
	if (r < 0) {
		int e = errno;

		close(fd);
		return hv_error_set(err, e, "cannot connect to QMP socket '%s': %s", path,
				    g_strerror(e));
	}
	return fd;
}

static void
mon_free(QemuMon *m)
{
	qemu_mon_close(m);
	g_free(m->path);
	g_free(m->broken);
	qjson_free(m->reply);
	g_string_free(m->buf, TRUE);
	g_mutex_clear(&m->lock);
	g_cond_clear(&m->cond);
	g_free(m);
}

/* Sends a command and reads its reply synchronously (before the reader runs). */
static int
handshake(QemuMon *m, GError **err)
{
	static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\n";
	int64_t deadline = g_get_monotonic_time() + m->timeout_ms * G_TIME_SPAN_MILLISECOND;
	g_autofree char *greeting = read_line(m, m->timeout_ms, err);
	g_autoptr(QJson) g = NULL;
	int r;

	if (!greeting || !(g = qjson_parse(greeting, strlen(greeting), err)))
		return -EPROTO;
	if (!qjson_get(g, "QMP"))
		return hv_error_set(err, EPROTO, "'%s' did not greet with QMP", m->path);
	m->sent++;
	if ((r = send_all(m, "qmp_capabilities", caps, strlen(caps), deadline, err)) < 0)
		return r;
	for (;;) {
		int64_t left = (deadline - g_get_monotonic_time()) / 1000;
		g_autofree char *line = read_line(m, (int)MAX(left, 0), err);
		g_autoptr(QJson) rep = NULL;

		if (!line || !(rep = qjson_parse(line, strlen(line), err)))
			return -EPROTO;
		if (qjson_get(rep, "event"))
			continue; /* nothing to say yet: the reader is not running */
		if (qjson_get(rep, "error"))
			return hv_error_set(err, EPROTO, "qmp_capabilities refused by '%s'", m->path);
		return 0;
	}
}

QemuMon *
qemu_mon_open(const char *path, const QemuMonCallbacks *cb, void *opaque, GError **err)
{
	QemuMon *m;
	int fd = sock_connect(path, err);

	if (fd < 0)
		return NULL;
	m = g_new0(QemuMon, 1);
	m->refs = 1;
	m->fd = fd;
	m->path = g_strdup(path);
	m->cb = *cb;
	m->opaque = opaque;
	m->next_id = 1;
	m->timeout_ms = QEMU_MON_TIMEOUT_MS;
	m->buf = g_string_new(NULL);
	g_mutex_init(&m->lock);
	g_cond_init(&m->cond);
	if (handshake(m, err) < 0) {
		mon_free(m);
		return NULL;
	}
	m->reader = g_thread_new("qmp", reader_main, m);
	return m;
}

static int
reply_error(QemuMon *m, const char *cmd, QJson *reply, GError **err)
{
	QJson *e = qjson_get(reply, "error");
	const char *desc = qjson_get_str(e, "desc");
	const char *cls = qjson_get_str(e, "class");

	return hv_error_set(err, EIO, "QEMU refused '%s': %s%s%s%s", cmd,
			    desc ? desc : "no reason given", cls ? " (" : "", cls ? cls : "",
			    cls ? ")" : "");
}

/* Takes the command slot before deadline; lock held. 0, or -errno when the
 * monitor is gone or broken or another command kept the slot too long. */
static int
take_slot(QemuMon *m, const char *cmd, int64_t deadline, GError **err)
{
	while (m->busy && !m->dead && !m->broken)
		if (!g_cond_wait_until(&m->cond, &m->lock, deadline))
			break;
	if (m->dead)
		return hv_error_set(err, EPIPE, "QEMU is gone (QMP socket '%s' closed)", m->path);
	if (m->broken)
		return hv_error_set(err, EPIPE, "cannot send '%s' to QEMU: QMP socket '%s' is "
				    "unusable (%s)", cmd, m->path, m->broken);
	if (m->busy) {
		g_autofree char *t = span(m->timeout_ms);

		return hv_error_set(err, ETIMEDOUT, "cannot send '%s' to QEMU: QMP socket '%s' was "
				    "busy with '%s' for %s", cmd, m->path, m->cmd, t);
	}
	m->busy = true;
	g_strlcpy(m->cmd, cmd, sizeof(m->cmd));
	m->sent++;
	m->want_id = m->next_id++;
	g_clear_pointer(&m->reply, qjson_free);
	return 0;
}

/* The reply's "return" value, detached from the message. */
static QJson *
take_return(QJson *r)
{
	QJson *ret_val = qjson_get(r, "return");
	guint k;

	if (!ret_val)
		return qjson_parse("{}", 2, NULL);
	for (k = 0; k < r->items->len; k++)
		if (r->items->pdata[k] == ret_val)
			break;
	r->items->pdata[k] = qjson_parse("null", 4, NULL);
	return ret_val;
}

int
qemu_mon_command(QemuMon *m, const char *cmd, const char *args, QJson **reply, GError **err)
{
	g_autoptr(GString) msg = g_string_new("{\"execute\":");
	g_autoptr(QJson) r = NULL;
	g_autoptr(GError) serr = NULL;
	int64_t deadline;
	uint64_t id;
	bool dead;
	int ret;

	g_mutex_lock(&m->lock);
	deadline = g_get_monotonic_time() + m->timeout_ms * G_TIME_SPAN_MILLISECOND;
	ret = take_slot(m, cmd, deadline, err);
	id = m->want_id;
	g_mutex_unlock(&m->lock);
	if (ret < 0)
		return ret;
	qjson_append_str(msg, cmd);
	if (args)
		g_string_append_printf(msg, ",\"arguments\":%s", args);
	g_string_append_printf(msg, ",\"id\":%" G_GUINT64_FORMAT "}\n", id);
	ret = send_all(m, cmd, msg->str, msg->len, deadline, &serr);
	g_mutex_lock(&m->lock);
	if (ret == -ETIMEDOUT) { /* half a command may sit in the stream: no more */
		g_autofree char *t = span(m->timeout_ms);

		m->broken = g_strdup_printf("QEMU took none of '%s' for %s", cmd, t);
	}
	while (ret == 0 && !m->reply && !m->dead)
		if (!g_cond_wait_until(&m->cond, &m->lock, deadline))
			break;
	r = g_steal_pointer(&m->reply);
	dead = m->dead; /* the reader thread sets it, under the lock */
	m->want_id = 0;
	m->busy = false;
	g_cond_broadcast(&m->cond);
	g_mutex_unlock(&m->lock);
	if (ret < 0) {
		g_propagate_error(err, g_steal_pointer(&serr));
		return ret;
	}
	if (!r)
		return hv_error_set(err, dead ? EPIPE : ETIMEDOUT, "no reply from QEMU to '%s'",
				    cmd);
	if (qjson_get(r, "error"))
		return reply_error(m, cmd, r, err);
	if (reply)
		*reply = take_return(r);
	return 0;
}

int
qemu_mon_balloon(QemuMon *m, uint64_t kib, GError **err)
{
	g_autofree char *args = g_strdup_printf("{\"value\":%" G_GUINT64_FORMAT "}", kib * 1024);

	return qemu_mon_command(m, "balloon", args, NULL, err);
}

uint64_t
qemu_mon_commands_sent(QemuMon *m)
{
	return hv_locked_u64(&m->lock, &m->sent);
}

void
qemu_mon_set_timeout(QemuMon *m, int timeout_ms)
{
	g_mutex_lock(&m->lock);
	m->timeout_ms = timeout_ms;
	g_mutex_unlock(&m->lock);
}

void
qemu_mon_close(QemuMon *m)
{
	GThread *t;

	if (!m)
		return;
	g_mutex_lock(&m->lock);
	if (m->closed) {
		g_mutex_unlock(&m->lock);
		return;
	}
	m->closed = true;
	m->closing = true;
	t = g_steal_pointer(&m->reader);
	g_mutex_unlock(&m->lock);
	shutdown(m->fd, SHUT_RDWR);
	if (t)
		g_thread_join(t);
	close(m->fd);
	m->fd = -1;
}

HV_REF_FNS(QemuMon, qemu_mon, mon_free)
