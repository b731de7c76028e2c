/* client_stream.c: the byte stream under a client connection (client.h),
 * by transport: a unix socket, a TCP connect with a deadline that a cancel fd
 * can end (tcp, tls, libssh2), a child process on a socketpair (ssh, ext),
 * or libssh2's in-process session (ssh2.c). client.c adds TLS on top. */
#include <errno.h>
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "remote/client_stream.h"
#include "util/error.h"

static int
connect_unix(const char *path, GError **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return hv_error_set(err, ENAMETOOLONG, "socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hv_error_set(err, errno, "cannot create a socket: %s", g_strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return hv_error_set(err, e, "cannot connect to '%s': %s", path, g_strerror(e));
	}
	return fd;
}

/* Non-blocking connect with the call timeout, then back to blocking; gives up
 * (-ECANCELED) as soon as cancel_fd (> 0) is readable. */
static int
connect_addr(const struct addrinfo *ai, int cancel_fd)
{
	gint64 deadline = g_get_monotonic_time() + RPC_CLIENT_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
	struct pollfd p[2];
	int fd, r, e = 0;
	socklen_t el = sizeof(e);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		e = errno;
		close(fd);
		return -e;
	}
	p[0] = (struct pollfd){ .fd = fd, .events = POLLOUT };
	p[1] = (struct pollfd){ .fd = cancel_fd > 0 ? cancel_fd : -1, .events = POLLIN };
	do {
		gint64 left = deadline - g_get_monotonic_time();

		r = left > 0 ? poll(p, 2, (int)((left + 999) / 1000)) : 0;
	} while (r < 0 && errno == EINTR);
	if (r <= 0 || p[1].revents) {
		close(fd);
		return r > 0 ? -ECANCELED : -ETIMEDOUT;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e) {
		close(fd);
		return -(e ? e : EIO);
	}
	g_unix_set_fd_nonblocking(fd, FALSE, NULL);
	/* small pipelined frames: no Nagle delay (libvirt sets it too) */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	return fd;
}

static int
connect_tcp(const char *host, int port, int cancel_fd, GError **err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char portstr[16];
	int rc, fd = -ECONNREFUSED;

	g_snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc)
		return hv_error_set(err, EHOSTUNREACH, "cannot resolve '%s': %s", host,
				    gai_strerror(rc));
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
		if ((fd = connect_addr(ai, cancel_fd)) >= 0 || fd == -ECANCELED)
			break;
	freeaddrinfo(res);
	if (fd < 0)
		return hv_error_set(err, -fd, "cannot connect to '%s:%d': %s", host, port,
				    g_strerror(-fd));
	return fd;
}

/* ssh's command line (docs/remote.md): BatchMode, host keys checked unless
 * no_verify, and hyperfsd --stdio (or NETCAT -U SOCKET) on the far side. */
static GStrv
ssh_argv(const RpcConnectOpts *o)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_autofree char *q = NULL, *far = NULL;

	g_strv_builder_add_many(b, o->command ? o->command : "ssh", "-T", "-e", "none", "-o",
				"BatchMode=yes", "-o",
				o->no_verify ? "StrictHostKeyChecking=no" : "StrictHostKeyChecking=yes",
				NULL);
	if (o->port > 0) {
		g_autofree char *port = g_strdup_printf("%d", o->port);

		g_strv_builder_add_many(b, "-p", port, NULL);
	}
	if (o->user)
		g_strv_builder_add_many(b, "-l", o->user, NULL);
	if (o->keyfile)
		g_strv_builder_add_many(b, "-i", o->keyfile, NULL);
	if (o->known_hosts) {
		g_autofree char *kh = g_strdup_printf("UserKnownHostsFile=%s", o->known_hosts);

		g_strv_builder_add_many(b, "-o", kh, NULL);
	}
	if (o->netcat) {
		q = g_shell_quote(o->socket ? o->socket : "/run/hyperfs/hyperfs-sock");
		far = g_strdup_printf("%s -U %s", o->netcat, q);
	}
	g_strv_builder_add_many(b, "--", o->target, far ? far : "hyperfsd --stdio", NULL);
	return g_strv_builder_end(b);
}

/* Runs argv with stdin and stdout on one end of a socketpair; returns the other. */
static int
spawn_stream(char **argv, GPid *pid, GError **err)
{
	g_autoptr(GError) e = NULL;
	int sv[2];
	gboolean ok;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return hv_error_set(err, errno, "cannot create a socketpair: %s", g_strerror(errno));
	ok = g_spawn_async_with_fds(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
				    NULL, NULL, pid, sv[1], sv[1], -1, &e);
	close(sv[1]);
	if (!ok) {
		close(sv[0]);
		return hv_error_set(err, ENOENT, "cannot run '%s': %s", argv[0], e->message);
	}
	return sv[0];
}

int
rpc_stream_open(const RpcConnectOpts *o, GPid *child, HvSsh2 **ssh2, GError **err)
{
	const char *t = o->transport;
	int fd;

	if (g_str_equal(t, "unix")) {
		fd = connect_unix(o->target, err);
	} else if (g_str_equal(t, "tcp") || g_str_equal(t, "tls")) {
		fd = connect_tcp(o->target, o->port, o->cancel_fd, err);
	} else if (g_str_equal(t, "ext")) {
		char *argv[] = { "/bin/sh", "-c", (char *)o->command, NULL };

		fd = o->command ? spawn_stream(argv, child, err)
				: hv_error_set(err, EINVAL, "the ext transport needs command=");
	} else if (g_str_equal(t, "ssh")) {
		g_auto(GStrv) argv = ssh_argv(o);

		fd = spawn_stream(argv, child, err);
	} else if (g_str_equal(t, "libssh2")) {
		fd = connect_tcp(o->target, o->port, o->cancel_fd, err);
		if (fd >= 0)
			fd = hv_ssh2_open(fd, o, ssh2, err);
	} else {
		fd = hv_error_set(err, ENOTSUP, "transport '%s' is not supported", t);
	}
	return fd;
}
