/* qemu_monitor.c: the QMP client. One socket, one reader thread splitting
 * lines, one command in flight at a time (cmd_lock), matched by its "id".
 * Lines are bounded (QEMU_MON_MAX_LINE); a peer that breaks the protocol
 * is treated as gone. */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "drivers/qemu/qemu_monitor.h"
#include "util/error.h"

struct QemuMon {
	gint refs;
	int fd;
	char *path;
	QemuMonCallbacks cb;
	void *opaque;
	GThread *reader;
	GMutex cmd_lock; /* one command in flight */
	GMutex lock;     /* guards what follows */
	GCond cond;
	bool closing, closed, dead;
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

static int
write_all(QemuMon *m, const char *s, size_t len, GError **err)
{
	while (len) {
		ssize_t n = send(m->fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hv_error_set(err, EPIPE, "cannot write to QMP socket '%s': %s", m->path,
					    g_strerror(errno));
		s += n;
		len -= (size_t)n;
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

static int
sock_connect(const char *path, GError **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return hv_error_set(err, ENAMETOOLONG, "QMP socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return hv_error_set(err, errno, "socket: %s", g_strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
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
	qjson_free(m->reply);
	g_string_free(m->buf, TRUE);
	g_mutex_clear(&m->cmd_lock);
	g_mutex_clear(&m->lock);
	g_cond_clear(&m->cond);
	g_free(m);
}

/* Sends a command and reads its reply synchronously (before the reader runs). */
static int
handshake(QemuMon *m, GError **err)
{
	static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\n";
	g_autofree char *greeting = read_line(m, QEMU_MON_TIMEOUT_MS, err);
	g_autoptr(QJson) g = NULL;

	if (!greeting || !(g = qjson_parse(greeting, strlen(greeting), err)))
		return -EPROTO;
	if (!qjson_get(g, "QMP"))
		return hv_error_set(err, EPROTO, "'%s' did not greet with QMP", m->path);
	if (write_all(m, caps, strlen(caps), err) < 0)
		return -EPIPE;
	for (;;) {
		g_autofree char *line = read_line(m, QEMU_MON_TIMEOUT_MS, err);
		g_autoptr(QJson) r = NULL;

		if (!line || !(r = qjson_parse(line, strlen(line), err)))
			return -EPROTO;
		if (qjson_get(r, "event"))
			continue; /* nothing to say yet: the reader is not running */
		if (qjson_get(r, "error"))
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
	m->buf = g_string_new(NULL);
	g_mutex_init(&m->cmd_lock);
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

int
qemu_mon_command(QemuMon *m, const char *cmd, const char *args, QJson **reply, GError **err)
{
	g_autoptr(GString) msg = g_string_new("{\"execute\":");
	g_autoptr(QJson) r = NULL;
	int64_t deadline = g_get_monotonic_time() + QEMU_MON_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
	uint64_t id;
	int ret = 0;

	g_mutex_lock(&m->cmd_lock);
	g_mutex_lock(&m->lock);
	id = m->next_id++;
	m->want_id = id;
	g_clear_pointer(&m->reply, qjson_free);
	g_mutex_unlock(&m->lock);
	qjson_append_str(msg, cmd);
	if (args)
		g_string_append_printf(msg, ",\"arguments\":%s", args);
	g_string_append_printf(msg, ",\"id\":%" G_GUINT64_FORMAT "}\n", id);
	if (m->dead)
		ret = hv_error_set(err, EPIPE, "QEMU is gone (QMP socket '%s' closed)", m->path);
	else
		ret = write_all(m, msg->str, msg->len, err);
	g_mutex_lock(&m->lock);
	while (ret == 0 && !m->reply && !m->dead)
		if (!g_cond_wait_until(&m->cond, &m->lock, deadline))
			break;
	r = g_steal_pointer(&m->reply);
	m->want_id = 0;
	g_mutex_unlock(&m->lock);
	g_mutex_unlock(&m->cmd_lock);
	if (ret < 0)
		return ret;
	if (!r)
		return hv_error_set(err, m->dead ? EPIPE : ETIMEDOUT, "no reply from QEMU to '%s'",
				    cmd);
	if (qjson_get(r, "error"))
		return reply_error(m, cmd, r, err);
	if (reply) {
		QJson *ret_val = qjson_get(r, "return");
		guint k;

		/* detach "return" from the message */
		for (k = 0; ret_val && k < r->items->len; k++)
			if (r->items->pdata[k] == ret_val)
				break;
		if (ret_val) {
			r->items->pdata[k] = qjson_parse("null", 4, NULL);
			*reply = ret_val;
		} else {
			*reply = qjson_parse("{}", 2, NULL);
		}
	}
	return 0;
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

QemuMon *
qemu_mon_ref(QemuMon *m)
{
	g_atomic_int_inc(&m->refs);
	return m;
}

void
qemu_mon_unref(QemuMon *m)
{
	if (m && g_atomic_int_dec_and_test(&m->refs))
		mon_free(m);
}
