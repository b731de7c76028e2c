/* server.c: hyperfsd's sockets and the server's life: listeners (unix,
 * unix-ro, tcp, tls), accepting clients with who they are (peer credentials,
 * address), the --stdio client (stdin/stdout, for ssh and ext), the keepalive
 * timer, and shutdown. Clients are in server_client.c, nodes and each client's
 * own connection in server_node.c; all of it runs on one GMainLoop. */
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib-unix.h>
#include "remote/server_priv.h"

#define HANDSHAKE_MAX_US (10 * G_USEC_PER_SEC) /* a TLS client must finish its handshake */

typedef struct {
	int fd;
	guint watch;
	bool readonly;
	bool unix_sock;
	bool tls;
	char *path; /* unix socket to unlink */
} Listener;

HvServer *hv_the_server; /* for driver event callbacks (server_node.c) */

static gboolean
listener_accept(gint fd, GIOCondition cond, gpointer data)
{
	Listener *l = data;
	HvServer *s = hv_the_server;
	g_autoptr(GError) e = NULL;
	g_autofree char *id = NULL;
	Client *cl;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return G_SOURCE_CONTINUE;
	/* replies and events are small frames: no Nagle delay (libvirtd sets it
	 * too); harmless on a unix socket, where it fails */
	if (!l->unix_sock)
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (g_hash_table_size(s->clients) >= s->lim.max_clients) {
		g_message("refusing a client: %u clients already", s->lim.max_clients);
		close(cfd);
		return G_SOURCE_CONTINUE;
	}
	id = hv_peer_identity(cfd, l->unix_sock,
			      l->unix_sock ? (l->readonly ? "unix-ro" : "unix") : l->tls ? "tls" : "tcp");
	cl = hv_client_new(s, cfd, cfd, l->readonly, l->unix_sock || l->tls,
			   l->readonly ? " (ro)" : l->tls ? " (tls)" : "", id);
	if (l->tls) {
		cl->handshaking = true;
		cl->tls = hv_tls_server_session(s->tls, cfd, &e);
		if (!cl->tls) {
			g_message("client %s: %s", cl->peer, e->message);
			hv_client_free(cl);
			return G_SOURCE_CONTINUE;
		}
	}
	hv_client_update_watch(cl);
	return G_SOURCE_CONTINUE;
}

/* The --stdio client is whoever started us: under ssh, the login user and
 * where they came from (SSH_CONNECTION: client address and port first). */
static char *
stdio_identity(void)
{
	const char *ssh = g_getenv("SSH_CONNECTION");
	g_auto(GStrv) w = ssh ? g_strsplit(ssh, " ", 3) : NULL;

	if (w && w[0] && w[1])
		return g_strdup_printf("stdio uid=%u ssh=%s:%s", (unsigned)getuid(), w[0], w[1]);
	return g_strdup_printf("stdio uid=%u ppid=%d", (unsigned)getuid(), (int)getppid());
}

int
hv_server_serve_stdio(HvServer *s, GError **err)
{
	g_autofree char *id = NULL;
	Client *cl;

	if (!g_unix_set_fd_nonblocking(0, TRUE, NULL) || !g_unix_set_fd_nonblocking(1, TRUE, NULL))
		return hv_error_set(err, errno, "cannot make stdin/stdout non-blocking: %s",
				    g_strerror(errno));
	id = stdio_identity();
	cl = hv_client_new(s, 0, 1, false, true, " (stdio)", id);
	cl->stdio = true;
	hv_client_update_watch(cl);
	return 0;
}

void
hv_server_set_tls(HvServer *s, HvTlsServer *tls)
{
	hv_tls_server_free(s->tls);
	s->tls = tls;
}

/* ---- listeners ---- */

static int
listen_unix(Listener *l, const char *path, GError **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return hv_error_set(err, ENAMETOOLONG, "socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	unlink(path);
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return hv_error_set(err, errno, "cannot bind '%s': %s", path, g_strerror(errno));
	l->path = g_strdup(path);
	l->unix_sock = true;
	if (chmod(path, l->readonly ? 0777 : 0700) < 0)
		return hv_error_set(err, errno, "cannot chmod '%s': %s", path, g_strerror(errno));
	return 0;
}

static int
listen_tcp(Listener *l, const char *hostport, GError **err)
{
	g_autofree char *host = NULL;
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *ai = NULL;
	int one = 1, rc;

	if (!colon)
		return hv_error_set(err, EINVAL, "'%s' is not HOST:PORT", hostport);
	host = g_strndup(hostport, (gsize)(colon - hostport));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	rc = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &ai);
	if (rc != 0)
		return hv_error_set(err, EINVAL, "cannot resolve '%s': %s", hostport, gai_strerror(rc));
	l->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd >= 0)
		setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l->fd < 0 || bind(l->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		int e = errno;

		freeaddrinfo(ai);
		return hv_error_set(err, e, "cannot bind '%s': %s", hostport, g_strerror(e));
	}
	freeaddrinfo(ai);
	return 0;
}

static void
listener_free(Listener *l)
{
	if (!l)
		return;
	if (l->watch)
		g_source_remove(l->watch);
	if (l->fd >= 0)
		close(l->fd);
	if (l->path)
		unlink(l->path);
	g_free(l->path);
	g_free(l);
}

int
hv_server_listen(HvServer *s, const char *addr, GError **err)
{
	Listener *l = g_new0(Listener, 1);
	int rc;

	l->fd = -1;
	if (g_str_has_prefix(addr, "unix:")) {
		rc = listen_unix(l, addr + 5, err);
	} else if (g_str_has_prefix(addr, "unix-ro:")) {
		l->readonly = true;
		rc = listen_unix(l, addr + 8, err);
	} else if (g_str_has_prefix(addr, "tcp:")) {
		rc = listen_tcp(l, addr + 4, err);
	} else if (g_str_has_prefix(addr, "tls:")) {
		l->tls = true;
		rc = s->tls ? listen_tcp(l, addr + 4, err)
			    : hv_error_set(err, EINVAL, "'%s' needs certificates (--pki DIR)", addr);
	} else {
		rc = hv_error_set(err, EINVAL,
				  "listen address '%s' must be unix:PATH, unix-ro:PATH, tcp:HOST:PORT "
				  "or tls:HOST:PORT", addr);
	}
	if (rc == 0 && listen(l->fd, 64) < 0)
		rc = hv_error_set(err, errno, "cannot listen on '%s': %s", addr, g_strerror(errno));
	if (rc < 0) {
		listener_free(l);
		return rc;
	}
	l->watch = g_unix_fd_add(l->fd, G_IO_IN, listener_accept, l);
	g_ptr_array_add(s->listeners, l);
	return 0;
}

/* Pings idle clients that speak keepalive; drops those that stay silent. */
static gboolean
keepalive_tick(gpointer data)
{
	HvServer *s = data;
	g_autoptr(GPtrArray) dead = g_ptr_array_new();
	gint64 now = g_get_monotonic_time();
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, s->clients);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		Client *cl = v;

		if (cl->handshaking && now - cl->last_rx > HANDSHAKE_MAX_US) {
			g_ptr_array_add(dead, cl);
			continue;
		}
		if (!cl->ctx.keepalive || now - cl->last_rx < (gint64)s->lim.keepalive_interval * G_USEC_PER_SEC)
			continue;
		if (cl->pings >= s->lim.keepalive_count) {
			g_ptr_array_add(dead, cl);
			continue;
		}
		cl->pings++;
		hv_client_send_keepalive(cl, RPC_KEEPALIVE_PING);
		hv_client_update_watch(cl);
	}
	for (guint i = 0; i < dead->len; i++) {
		g_message("client %s: no keepalive answer; dropping it",
			  ((Client *)dead->pdata[i])->peer);
		hv_client_free(dead->pdata[i]);
	}
	return G_SOURCE_CONTINUE;
}

HvServer *
hv_server_new(const HvServerLimits *lim)
{
	HvServer *s = g_new0(HvServer, 1);

	s->lim = *lim;
	if (!s->lim.max_requests) /* 0 would never read anyone */
		s->lim.max_requests = 5;
	s->loop = g_main_loop_new(NULL, FALSE);
	s->clients = g_hash_table_new(g_int64_hash, g_int64_equal);
	s->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)hv_node_free);
	s->listeners = g_ptr_array_new_with_free_func((GDestroyNotify)listener_free);
	if (lim->keepalive_interval)
		s->keepalive_timer = g_timeout_add_seconds(lim->keepalive_interval, keepalive_tick, s);
	hv_the_server = s;
	return s;
}

void
hv_server_run(HvServer *s)
{
	g_main_loop_run(s->loop);
}

void
hv_server_quit(HvServer *s)
{
	g_main_loop_quit(s->loop);
}

void
hv_server_free(HvServer *s)
{
	GHashTableIter it;
	gpointer v;

	if (!s)
		return;
	g_ptr_array_unref(s->listeners);
	for (;;) {
		g_hash_table_iter_init(&it, s->clients);
		if (!g_hash_table_iter_next(&it, NULL, &v))
			break;
		hv_client_write(v);
		hv_client_free(v);
	}
	if (s->keepalive_timer)
		g_source_remove(s->keepalive_timer);
	g_hash_table_unref(s->clients);
	g_hash_table_unref(s->nodes);
	hv_tls_server_free(s->tls);
	g_main_loop_unref(s->loop);
	hv_the_server = NULL;
	g_free(s);
}
