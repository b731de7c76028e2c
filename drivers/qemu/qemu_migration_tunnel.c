/* qemu_migration_tunnel.c: tunnelled migration for the qemu driver
 * (HV_MIGRATE_TUNNELLED: driver.h's migrate_prepare_tunnel and
 * migrate_perform_tunnel). QEMU's migration stream goes through a unix
 * socket in the node's run folder on each side instead of a TCP connection
 * between the two QEMUs. The target's QEMU listens (-incoming unix:PATH) and
 * the stream prepare gives is a connection to it; the source's QEMU sends
 * (`migrate unix:PATH`) to a socket the driver listens on, and a pump thread
 * copies what comes into the caller's stream (hyperfsd's RPC stream to the
 * target's daemon), finishing it once QEMU has sent everything. The rest is
 * qemu_migration.c's: the job, abort, finish and confirm. */
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "drivers/qemu/qemu_migcookie.h"
#include "drivers/qemu/qemu_migration.h"
#include "drivers/qemu/qemu_migration_nbd.h"

#define CONNECT_WAIT_US (5 * G_USEC_PER_SEC) /* the target's QEMU to listen */
#define FEED_TIMEOUT_S 60  /* a target QEMU that takes nothing for so long is stuck */
#define PUMP_CHUNK (256u << 10)
#define FEED_BUFFER (4 << 20) /* the daemon's loop writes; QEMU's pauses are absorbed */
#define DRAIN_WAIT_US (60 * G_USEC_PER_SEC) /* the last bytes, after QEMU completed */

static int
refuse(const char *what, unsigned flags, GError **err)
{
	if (flags & HV_MIGRATE_OFFLINE)
		return hv_error_set(err, EINVAL, "tunnelled offline migration does not make sense "
				    "(%s)", what);
	if (flags & QEMU_MIG_COPY)
		return hv_error_set(err, EPROTONOSUPPORT, "migration of non-shared storage is not "
				    "supported with tunnelled migration (%s)", what);
	return 0;
}

/* RUN/mig-PID-N.sock, a name of its own for each tunnel end. */
static char *
sock_path(HvConn *c, struct sockaddr_un *sa, GError **err)
{
	static gint next;
	g_autofree char *name = g_strdup_printf("mig-%d-%d", (int)getpid(),
						g_atomic_int_add(&next, 1));
	char *path = qemu_run_path(qemu_conn(c), name, "sock");

	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa->sun_path)) {
		hv_error_set(err, ENAMETOOLONG, "the migration tunnel's socket '%s' is too long a "
			     "path for a unix socket (the node's run folder is too deep)", path);
		g_free(path);
		return NULL;
	}
	strcpy(sa->sun_path, path);
	return path;
}

/* ---- the target: a stream into the incoming QEMU */

typedef struct {
	int fd;
	char *name;
} Feed;

static int
feed_write(HvDataStream *s, const void *buf, size_t len, GError **err)
{
	Feed *f = s->priv;
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = send(f->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hv_error_set(err, errno == EAGAIN ? ETIMEDOUT : errno,
					    "cannot feed the incoming migration of domain '%s': %s",
					    f->name, errno == EAGAIN ? "QEMU takes nothing"
								     : g_strerror(errno));
		p += n;
		len -= (size_t)n;
		s->offset += (uint64_t)n;
	}
	return 0;
}

static int
feed_finish(HvDataStream *s, GError **err)
{
	Feed *f = s->priv;

	(void)shutdown(f->fd, SHUT_WR); /* QEMU has all of it; finish waits for its end */
	return 0;
}

static void
feed_close(HvDataStream *s)
{
	Feed *f = s->priv;

	close(f->fd);
	g_free(f->name);
	g_free(f);
	g_free(s);
}

static const HvDataStreamOps feed_ops = { .write = feed_write, .finish = feed_finish,
					  .close = feed_close };

/* Connects to the listening QEMU, with a deadline. */
static int
feed_connect(const struct sockaddr_un *sa, GError **err)
{
	gint64 end = g_get_monotonic_time() + CONNECT_WAIT_US;
	struct timeval tv = { .tv_sec = FEED_TIMEOUT_S };

	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e;

		if (fd < 0)
			return hv_error_set(err, errno, "cannot create a socket: %s", g_strerror(errno));
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
			(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ FEED_BUFFER }, sizeof(int));
			return fd;
		}
		e = errno;
		close(fd);
		if ((e != ENOENT && e != ECONNREFUSED) || g_get_monotonic_time() > end)
			return hv_error_set(err, e, "cannot connect to the incoming migration's "
					    "socket '%s': %s", sa->sun_path, g_strerror(e));
		g_usleep(20 * 1000);
	}
}

int
qemu_migrate_prepare_tunnel(HvConn *c, const GArray *params, HvMigCookie *ck, unsigned flags,
			    HvDataStream **st, GError **err)
{
	struct sockaddr_un sa;
	g_autofree char *path = NULL, *incoming = NULL;
	g_autoptr(HvDomainDef) def = NULL;
	const HvParam *dn = hv_params_find(params, "destination_name");
	const HvParam *dx = hv_params_find(params, "destination_xml");
	Feed *f;
	int r, fd;

	*st = NULL;
	if ((r = refuse("prepare", flags, err)) < 0)
		return r;
	if (!dx || !dx->s)
		return hv_error_set(err, EINVAL, "a migration needs the domain's definition "
				    "(destination_xml)");
	if (!(def = hv_domain_defs.parse(dx->s, strlen(dx->s), err)))
		return err && *err ? -(*err)->code : -EINVAL;
	if (!(path = sock_path(c, &sa, err)))
		return -ENAMETOOLONG;
	(void)unlink(path);
	incoming = g_strdup_printf("unix:%s", path);
	if ((r = qemu_migrate_prepare_at(c, params, flags, incoming, err)) < 0)
		return r;
	fd = feed_connect(&sa, err);
	(void)unlink(path); /* connected: the name is not needed any more */
	if (fd < 0) {
		(void)qemu_migrate_finish(c, params, ck, flags, true, NULL); /* QEMU goes */
		return fd;
	}
	f = g_new0(Feed, 1);
	f->fd = fd;
	f->name = g_strdup(dn && dn->s && *dn->s ? dn->s : def->name);
	{ /* as prepare's: whose cookie it is (a libvirtd source reads it) */
		g_auto(QemuMigCookie) out = { 0 };

		qemu_mig_cookie_init(&out);
		ck->out = qemu_mig_cookie_format(&out, f->name, def->uuid);
	}
	*st = g_new0(HvDataStream, 1);
	(*st)->ops = &feed_ops;
	(*st)->end = UINT64_MAX;
	(*st)->priv = f;
	return 0;
}

/* ---- the source: QEMU -> a socket here -> the caller's stream */

typedef struct {
	int lfd, wake;  /* the listening socket; an eventfd that stops the pump */
	HvDataStream *st;
	const char *name;
	GMutex lock;    /* done, rc, err */
	GCond cond;
	bool done;
	int rc;
	GError *err;
} Pump;

/* Waits for fd or the wake; false when woken. */
static bool
wait_in(Pump *p, int fd)
{
	struct pollfd ps[2] = { { .fd = fd, .events = POLLIN }, { .fd = p->wake, .events = POLLIN } };
	int n;

	do
		n = poll(ps, 2, -1);
	while (n < 0 && errno == EINTR);
	return n > 0 && !ps[1].revents;
}

/* The pump's work: 0 when QEMU's whole stream went into st and st is
 * finished; -ECANCELED when woken. */
static int
pump_copy(Pump *p, GError **err)
{
	g_autofree uint8_t *buf = g_malloc(PUMP_CHUNK);
	int fd, r = 0;

	if (!wait_in(p, p->lfd))
		return -ECANCELED;
	if ((fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return hv_error_set(err, errno, "the migration tunnel of domain '%s': accept: %s",
				    p->name, g_strerror(errno));
	while (r == 0) {
		ssize_t n;

		if (!wait_in(p, fd)) {
			r = -ECANCELED;
			break;
		}
		n = read(fd, buf, PUMP_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = hv_error_set(err, errno, "the migration tunnel of domain '%s': cannot "
					 "read QEMU's stream: %s", p->name, g_strerror(errno));
		else if (n == 0)
			break; /* QEMU sent it all and closed */
		else
			r = p->st->ops->write(p->st, buf, (size_t)n, err);
	}
	close(fd); /* on a failure QEMU's migration fails at its next write */
	return r < 0 ? r : p->st->ops->finish(p->st, err);
}

static gpointer
pump_run(gpointer data)
{
	Pump *p = data;
	GError *e = NULL;
	int r = pump_copy(p, &e);

	g_mutex_lock(&p->lock);
	p->rc = r;
	p->err = e;
	p->done = true;
	g_cond_broadcast(&p->cond);
	g_mutex_unlock(&p->lock);
	return NULL;
}

static int
pump_listen(const struct sockaddr_un *sa, GError **err)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return hv_error_set(err, errno, "cannot create a socket: %s", g_strerror(errno));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(fd, 1) < 0) {
		int e = errno;

		close(fd);
		return hv_error_set(err, e, "cannot listen on the migration tunnel's socket '%s': "
				    "%s", sa->sun_path, g_strerror(e));
	}
	return fd;
}

/* After QEMU's end: the pump drains (ok) or is stopped; its result. */
static int
pump_end(Pump *p, GThread *t, bool ok)
{
	gint64 end = g_get_monotonic_time() + DRAIN_WAIT_US;

	g_mutex_lock(&p->lock);
	while (ok && !p->done && g_cond_wait_until(&p->cond, &p->lock, end))
		;
	g_mutex_unlock(&p->lock);
	(void)eventfd_write(p->wake, 1);
	g_thread_join(t);
	if (ok && p->rc == -ECANCELED)
		return hv_error_set(&p->err, ETIMEDOUT, "the migration tunnel of domain '%s' did "
				    "not drain in %d s", p->name, (int)(DRAIN_WAIT_US / G_USEC_PER_SEC));
	return p->rc;
}

int
qemu_migrate_perform_tunnel(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
			    unsigned flags, HvDataStream *st, GError **err)
{
	struct sockaddr_un sa;
	g_autofree char *path = NULL, *target = NULL;
	Pump p = { .st = st, .name = name, .lfd = -1 };
	GThread *t;
	int r, pr;

	if ((r = refuse("perform", flags, err)) < 0)
		return r;
	if (!(path = sock_path(c, &sa, err)))
		return -ENAMETOOLONG;
	(void)unlink(path);
	if ((p.lfd = pump_listen(&sa, err)) < 0)
		return p.lfd;
	if ((p.wake = eventfd(0, EFD_CLOEXEC)) < 0) {
		r = hv_error_set(err, errno, "cannot create an eventfd: %s", g_strerror(errno));
		close(p.lfd);
		(void)unlink(path);
		return r;
	}
	g_mutex_init(&p.lock);
	g_cond_init(&p.cond);
	t = g_thread_new("migrate-tunnel", pump_run, &p);
	target = g_strdup_printf("unix:%s", path);
	r = qemu_migrate_send(c, name, params, ck, flags, target, NULL, err);
	pr = pump_end(&p, t, r == 0);
	if (pr < 0 && pr != -ECANCELED) { /* the tunnel's own reason is the better one */
		g_clear_error(err);
		r = hv_error_set(err, -pr, "migration of domain '%s' failed: the tunnel to the "
				 "destination stopped: %s", name, p.err ? p.err->message : "");
	}
	g_clear_error(&p.err);
	close(p.lfd);
	close(p.wake);
	(void)unlink(path);
	g_mutex_clear(&p.lock);
	g_cond_clear(&p.cond);
	return r;
}
