/* qemu_console.c: the serial consoles of running domains. The driver holds
 * the console's pty (or a unix socket client) open while QEMU runs; one thread
 * a connection drains every console into a ring per domain (QEMU_CONSOLE_RING
 * bytes) and reports new output with `console-output TOTAL`, which wakes
 * readers and is never an events line. Input goes to the same descriptor.
 * After a restart of hyperfs the ring starts from the tail of run/NAME.log. */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include "drivers/qemu/qemu_console.h"

#define COALESCE_US 20000 /* output is read and reported at most this often */

static QemuConsole *
console_of(QemuDomain *d)
{
	if (!d->con) {
		d->con = g_new0(QemuConsole, 1);
		hv_ring_init(&d->con->ring, QEMU_CONSOLE_RING);
		d->con->fd = -1;
	}
	return d->con;
}

static void
wake(QemuConn *qc)
{
	uint64_t one = 1;

	if (qc->con_wake >= 0)
		(void)!write(qc->con_wake, &one, sizeof(one));
}

/* Reads all there is; lock held. Closes the descriptor at its end. */
static void
drain(QemuConn *qc, QemuDomain *d)
{
	QemuConsole *con = d->con;
	guint8 buf[16384];
	size_t got = 0;
	char detail[32];

	for (;;) {
		ssize_t n = read(con->fd, buf, sizeof(buf));

		if (n > 0) {
			hv_ring_append(&con->ring, buf, (size_t)n);
			got += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EINTR))
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
			close(con->fd);
			con->fd = -1;
		}
		break;
	}
	if (!got)
		return;
	g_snprintf(detail, sizeof(detail), "%" G_GUINT64_FORMAT, hv_ring_total(&con->ring));
	qemu_emit(qc, d->o->name, "console-output", detail);
}

static gpointer
console_thread(gpointer data)
{
	QemuConn *qc = data;

	for (;;) {
		g_autoptr(GArray) pfds = g_array_new(FALSE, TRUE, sizeof(struct pollfd));
		struct pollfd w = { .fd = qc->con_wake, .events = POLLIN };
		bool quit;

		g_array_append_val(pfds, w);
		hv_core_lock(&qc->core);
		quit = qc->con_quit;
		for (guint k = 0; k < hv_objtab_count(qc->domains); k++) {
			QemuDomain *d = qemu_dom(hv_objtab_nth(qc->domains, k));
			struct pollfd p = { .events = POLLIN };

			if (d->con && d->con->fd >= 0) {
				p.fd = d->con->fd;
				g_array_append_val(pfds, p);
			}
		}
		hv_core_unlock(&qc->core);
		if (quit)
			break;
		if (poll((struct pollfd *)pfds->data, pfds->len, -1) < 0 && errno != EINTR)
			break;
		if (g_array_index(pfds, struct pollfd, 0).revents) {
			uint64_t n;

			(void)!read(qc->con_wake, &n, sizeof(n));
		}
		hv_core_lock(&qc->core);
		for (guint k = 1; k < pfds->len; k++) {
			struct pollfd *p = &g_array_index(pfds, struct pollfd, k);

			if (!p->revents)
				continue;
			/* a descriptor closed since poll() may have been reused: the
			 * owner found now reads it without blocking, at worst nothing */
			for (guint i = 0; i < hv_objtab_count(qc->domains); i++) {
				QemuDomain *d = qemu_dom(hv_objtab_nth(qc->domains, i));

				if (d->con && d->con->fd == p->fd) {
					drain(qc, d);
					break;
				}
			}
		}
		hv_core_unlock(&qc->core);
		g_usleep(COALESCE_US);
	}
	return NULL;
}

int
qemu_console_start_thread(QemuConn *qc, GError **err)
{
	qc->con_wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (qc->con_wake < 0)
		return hv_error_set(err, errno, "cannot create an eventfd: %s", g_strerror(errno));
	qc->con_thread = g_thread_new("qemu-console", console_thread, qc);
	return 0;
}

void
qemu_console_stop_thread(QemuConn *qc)
{
	if (!qc->con_thread)
		return;
	hv_core_lock(&qc->core);
	qc->con_quit = true;
	hv_core_unlock(&qc->core);
	wake(qc);
	g_thread_join(qc->con_thread);
	qc->con_thread = NULL;
	close(qc->con_wake);
	qc->con_wake = -1;
}

/* "pty:/dev/pts/3" or "unix:/path,server=on": a descriptor to talk to it. */
static int
open_backend(const char *filename)
{
	int fd = -1;

	if (g_str_has_prefix(filename, "pty:")) {
		struct termios t;

		fd = open(filename + 4, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && tcgetattr(fd, &t) == 0) {
			cfmakeraw(&t);
			tcsetattr(fd, TCSANOW, &t);
		}
	} else if (g_str_has_prefix(filename, "unix:")) {
		g_autofree char *path = g_strndup(filename + 5, strcspn(filename + 5, ","));
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		if (strlen(path) >= sizeof(a.sun_path))
			return -1;
		memcpy(a.sun_path, path, strlen(path));
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 &&
		    errno != EINPROGRESS) {
			close(fd);
			fd = -1;
		}
	}
	return fd;
}

/* The filename of charserial0 from query-chardev, or NULL. */
static char *
serial_filename(QemuMon *m)
{
	g_autoptr(QJson) list = NULL;

	if (qemu_mon_command(m, "query-chardev", NULL, &list, NULL) < 0 || list->type != QJ_ARR)
		return NULL;
	for (guint k = 0; k < list->items->len; k++) {
		const char *label = qjson_get_str(list->items->pdata[k], "label");

		if (label && g_str_equal(label, "charserial0"))
			return g_strdup(qjson_get_str(list->items->pdata[k], "filename"));
	}
	return NULL;
}

/* The last QEMU_CONSOLE_RING bytes of run/NAME.log; lock held. */
static void
seed_from_log(QemuConn *qc, QemuConsole *con, const char *name)
{
	g_autofree char *path = qemu_run_path(qc, name, "log");
	g_autofree char *text = NULL;
	gsize len;

	if (!g_file_get_contents(path, &text, &len, NULL))
		return;
	hv_ring_append(&con->ring, (const guint8 *)text, len);
}

void
qemu_console_attach(QemuConn *qc, const char *name, QemuMon *m, bool fresh)
{
	g_autofree char *filename = serial_filename(m);
	int fd = filename ? open_backend(filename) : -1;
	QemuDomain *d;

	hv_core_lock(&qc->core);
	if ((d = qemu_domain_of_mon(qc, name, m))) {
		QemuConsole *con = console_of(d);

		if (con->fd >= 0)
			close(con->fd);
		con->fd = g_steal_fd(&fd);
		g_free(con->pty);
		con->pty = filename && g_str_has_prefix(filename, "pty:") ? g_strdup(filename + 4)
									 : NULL;
		/* positions only grow: a reader that follows the console across a
		 * restart of the domain sees the new boot after the old one */
		hv_ring_restart(&con->ring);
		if (!fresh)
			seed_from_log(qc, con, name);
	}
	hv_core_unlock(&qc->core);
	if (fd >= 0)
		close(fd);
	wake(qc);
}

void
qemu_console_detach(QemuConn *qc, QemuDomain *d)
{
	if (d->con)
		g_clear_pointer(&d->con->pty, g_free);
	if (!d->con || d->con->fd < 0)
		return;
	drain(qc, d); /* the last words */
	if (d->con->fd >= 0)
		close(d->con->fd);
	d->con->fd = -1;
	wake(qc);
}

int
qemu_console_read(HvConn *c, const char *name, uint64_t *pos, size_t max, GString *out,
		  GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuDomain *d;
	size_t n = 0;

	hv_core_lock(&qc->core);
	if (!(d = qemu_domain_find(qc, name, err))) {
		hv_core_unlock(&qc->core);
		return -ENOENT;
	}
	if (d->con) /* lost from the ring, or an older ring: from its start */
		n = hv_ring_read(&d->con->ring, pos, max, out);
	hv_core_unlock(&qc->core);
	return (int)n;
}

int
qemu_console_write(HvConn *c, const char *name, const char *buf, size_t len, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuDomain *d;
	ssize_t n = 0;
	int r;

	hv_core_lock(&qc->core);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	else if (!qemu_domain_active(d))
		r = hv_error_set(err, EBUSY, "cannot write to the console of domain '%s': domain "
				 "is not running", name);
	else if (!d->con || d->con->fd < 0)
		r = hv_error_set(err, EOPNOTSUPP, "domain '%s' has no serial console that takes "
				 "input (a pty or unix <serial> does)", name);
	else if ((n = write(d->con->fd, buf, len)) < 0)
		r = hv_error_set(err, errno, "cannot write to the console of domain '%s': %s",
				 name, g_strerror(errno));
	else
		r = (int)n;
	hv_core_unlock(&qc->core);
	return r;
}
