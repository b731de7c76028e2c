/* client.c: the client side of libvirt's RPC protocol (client.h): a socket, a
 * table of calls in flight keyed by serial, and one reader thread that
 * completes them, answers and sends keepalive pings and passes events on. The
 * stream is a socket, TLS over a socket (tls.c), or a socketpair to a child
 * process (ssh, ext) or to libssh2's pump thread (ssh2.c). The bodies are
 * encoded and decoded with the shapes of proto.c's table. */
#include <errno.h>
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "remote/client.h"
#include "remote/proto.h"
#include "remote/ssh2.h"
#include "remote/tls.h"
#include "util/error.h"


struct RpcClient {
	gint refs;
	int fd;
	HvTls *tls;   /* NULL: plain socket */
	GPid child;   /* ssh or ext; 0: none */
	HvSsh2 *ssh2; /* libssh2: the session behind fd */
	GThread *reader;
	GMutex lock; /* pending, serial, dead, closing */
	GCond cond;
	GMutex write_lock;
	GHashTable *pending; /* serial -> RpcCall* (owned by the waiter) */
	uint32_t serial;
	bool dead;
	bool closing;
	char *why;
	uint64_t calls;
	gint64 ka_interval; /* µs; 0: no pings */
	int ka_count;
	RpcClientEventFunc on_event;
	RpcClientDeadFunc on_dead;
	void *opaque;
};

struct RpcCall {
	RpcClient *cl;
	uint32_t serial;
	int32_t proc;
	gint64 deadline; /* monotonic, from the send */
	bool done;
	int rc;
	GBytes *body;
	char *msg;
};

/* libvirt error codes -> errno; everything else is EIO. */
static const struct {
	int code, err;
} virt_errno[] = {
	{ VIR_ERR_NO_SUPPORT, ENOTSUP },
	{ 84 /* VIR_ERR_OPERATION_UNSUPPORTED */, ENOTSUP },
	{ 74 /* VIR_ERR_ARGUMENT_UNSUPPORTED */, ENOTSUP },
	{ VIR_ERR_INVALID_ARG, EINVAL },
	{ VIR_ERR_XML_ERROR, EINVAL },
	{ 35 /* VIR_ERR_XML_DETAIL */, EINVAL },
	{ 67 /* VIR_ERR_CONFIG_UNSUPPORTED */, EINVAL },
	{ VIR_ERR_OPERATION_DENIED, EACCES },
	{ VIR_ERR_NO_DOMAIN, ENOENT },
	{ VIR_ERR_NO_NETWORK, ENOENT },
	{ VIR_ERR_NO_STORAGE_POOL, ENOENT },
	{ VIR_ERR_NO_STORAGE_VOL, ENOENT },
	{ 28 /* VIR_ERR_DOM_EXIST */, EEXIST },
	{ 37 /* VIR_ERR_NETWORK_EXIST */, EEXIST },
	{ 90 /* VIR_ERR_STORAGE_VOL_EXIST */, EEXIST },
	{ VIR_ERR_OPERATION_INVALID, EBUSY },
	{ 87 /* VIR_ERR_RESOURCE_BUSY */, EBUSY },
	{ 68 /* VIR_ERR_OPERATION_TIMEOUT */, ETIMEDOUT },
};

/* libvirtd reports a taken name or uuid, a full pool, and a verb that does not
 * apply (its test driver: "Domain 'x' is already running", "domain 'x' not
 * paused") with generic codes (OPERATION_FAILED, INTERNAL_ERROR,
 * OPERATION_INVALID): its messages say which. */
static const struct {
	const char *words;
	int err;
} virt_words[] = {
	{ "already exists", EEXIST },
	{ "already defined with uuid", EEXIST },
	{ "already in use", EEXIST },
	{ "not enough free space", ENOSPC },
	{ "no space left", ENOSPC },
	/* a verb that does not apply in the current state (the tree says EBUSY) */
	{ "is already running", EBUSY },
	{ "not paused", EBUSY },
	{ "not running", EBUSY },
	{ "is already active", EBUSY },
	{ "is not active", EBUSY },
};

static int
errno_of_virt(int code, const char *message)
{
	g_autofree char *low = message ? g_ascii_strdown(message, -1) : NULL;

	if (low && (code == VIR_ERR_OPERATION_FAILED || code == VIR_ERR_INTERNAL_ERROR ||
		    code == VIR_ERR_OPERATION_INVALID))
		for (size_t i = 0; i < G_N_ELEMENTS(virt_words); i++)
			if (strstr(low, virt_words[i].words))
				return virt_words[i].err;
	for (size_t i = 0; i < G_N_ELEMENTS(virt_errno); i++)
		if (virt_errno[i].code == code)
			return virt_errno[i].err;
	return EIO;
}

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

static int
write_all(RpcClient *cl, const uint8_t *p, size_t n)
{
	int rc = 0;

	g_mutex_lock(&cl->write_lock);
	while (n > 0) {
		ssize_t w = cl->tls ? hv_tls_send(cl->tls, p, n) : send(cl->fd, p, n, MSG_NOSIGNAL);

		if (cl->tls && w < 0)
			errno = (int)-w;
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = -(w < 0 ? errno : EIO);
			shutdown(cl->fd, SHUT_RDWR); /* the reader reports it */
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	g_mutex_unlock(&cl->write_lock);
	return rc;
}

static void
send_keepalive(RpcClient *cl, int proc)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	RpcHeader h = { RPC_KEEPALIVE_PROGRAM, RPC_KEEPALIVE_VERSION, proc, RPC_MESSAGE, 0, RPC_OK };
	size_t start = rpc_frame_begin(out, &h);

	rpc_frame_end(out, start);
	write_all(cl, out->data, out->len);
}

/* Marks the client dead and fails every call in flight; lock held. */
static bool
mark_dead(RpcClient *cl, const char *why)
{
	GHashTableIter it;
	RpcCall *call;

	if (cl->dead)
		return false;
	cl->dead = true;
	cl->why = g_strdup(why);
	g_hash_table_iter_init(&it, cl->pending);
	while (g_hash_table_iter_next(&it, NULL, (void **)&call)) {
		call->done = true;
		call->rc = -ENOTCONN;
		call->msg = g_strdup(why);
		g_hash_table_iter_remove(&it);
	}
	g_cond_broadcast(&cl->cond);
	return true;
}

static void
complete(RpcClient *cl, const RpcHeader *h, const uint8_t *body, size_t len)
{
	RpcCall *call;

	g_mutex_lock(&cl->lock);
	call = g_hash_table_lookup(cl->pending, GUINT_TO_POINTER(h->serial));
	if (call && call->proc == h->proc) {
		g_hash_table_remove(cl->pending, GUINT_TO_POINTER(h->serial));
		call->body = g_bytes_new(body, len);
		call->rc = h->status == RPC_OK ? 0 : -EPROTO; /* decoded by the waiter */
		call->done = true;
		g_cond_broadcast(&cl->cond);
	}
	g_mutex_unlock(&cl->lock);
}

/* One whole frame: 0, or -EBADMSG when the peer breaks the protocol. */
static int
handle_frame(RpcClient *cl, const uint8_t *p, size_t len)
{
	RpcHeader h;
	XdrIn in;

	xdr_in_init(&in, p, len);
	if (rpc_header_decode(&in, &h) < 0)
		return -EBADMSG;
	p += RPC_HEADER_SIZE;
	len -= RPC_HEADER_SIZE;
	if (h.prog == RPC_KEEPALIVE_PROGRAM) {
		if (h.proc == RPC_KEEPALIVE_PING)
			send_keepalive(cl, RPC_KEEPALIVE_PONG);
		return 0;
	}
	if (h.prog != RPC_PROGRAM)
		return -EBADMSG;
	if (h.type == RPC_REPLY)
		complete(cl, &h, p, len);
	else if (h.type == RPC_MESSAGE && cl->on_event)
		cl->on_event(cl, h.proc, p, len, cl->opaque);
	return 0;
}

/* Consumes whole frames from buf; -errno on a bad frame. */
static int
drain(RpcClient *cl, GByteArray *buf)
{
	size_t off = 0;
	int rc = 0;

	while (buf->len - off >= RPC_LEN_SIZE) {
		uint32_t n;

		rc = rpc_frame_length(buf->data + off, RPC_MAX_FRAME, &n);
		if (rc < 0 || buf->len - off < n)
			break;
		rc = handle_frame(cl, buf->data + off + RPC_LEN_SIZE, n - RPC_LEN_SIZE);
		if (rc < 0)
			break;
		off += n;
	}
	g_byte_array_remove_range(buf, 0, (guint)off);
	return rc;
}

static gpointer
reader_main(gpointer data)
{
	RpcClient *cl = data;
	g_autoptr(GByteArray) buf = g_byte_array_new();
	gint64 last_rx = g_get_monotonic_time(), last_ping = 0;
	gint64 dead_after = cl->ka_interval * (cl->ka_count + 1);
	const char *why = NULL;
	char tmp[65536], whybuf[96];
	bool report;

	for (;;) {
		struct pollfd p = { .fd = cl->fd, .events = POLLIN };
		gint64 now = g_get_monotonic_time(), next;
		int timeout = 1000;
		ssize_t n;
		int r;

		if (cl->ka_interval) { /* wake for the next ping, or the verdict */
			next = MIN(MAX(last_rx, last_ping) + cl->ka_interval, last_rx + dead_after);
			timeout = next > now ? (int)MIN((next - now + 999) / 1000, 1000) : 0;
		}
		r = cl->tls && hv_tls_pending(cl->tls) ? 1 : poll(&p, 1, timeout);
		now = g_get_monotonic_time();
		if (r == 0) {
			if (!cl->ka_interval)
				continue;
			if (now - last_rx >= dead_after) {
				g_snprintf(whybuf, sizeof(whybuf),
					   "the peer stopped answering keepalive pings (silent for %.1f s)",
					   (double)(now - last_rx) / G_TIME_SPAN_SECOND);
				why = whybuf;
				break;
			}
			if (now - last_rx >= cl->ka_interval && now - last_ping >= cl->ka_interval) {
				send_keepalive(cl, RPC_KEEPALIVE_PING);
				last_ping = now;
			}
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			n = -1;
		else if (cl->tls && (n = hv_tls_recv(cl->tls, tmp, sizeof(tmp))) < 0)
			errno = (int)-n, n = -1;
		else if (!cl->tls)
			n = recv(cl->fd, tmp, sizeof(tmp), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			why = n == 0 ? "the peer closed the connection" : "the connection failed";
			break;
		}
		last_rx = now;
		g_byte_array_append(buf, (const guint8 *)tmp, (guint)n);
		if (drain(cl, buf) < 0) {
			why = "the peer sent a malformed message";
			break;
		}
	}
	g_mutex_lock(&cl->lock);
	report = mark_dead(cl, why) && !cl->closing;
	g_mutex_unlock(&cl->lock);
	if (report && cl->on_dead)
		cl->on_dead(cl, why, cl->opaque);
	return NULL;
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

RpcClient *
rpc_client_open(const RpcConnectOpts *o, RpcClientEventFunc on_event, RpcClientDeadFunc on_dead,
		void *opaque, GError **err)
{
	struct timeval tv = { .tv_sec = RPC_CLIENT_TIMEOUT_MS / 1000 };
	const char *t = o->transport;
	HvTls *tls = NULL;
	HvSsh2 *ssh2 = NULL;
	GPid child = 0;
	RpcClient *cl;
	int fd;

	if (g_str_equal(t, "unix")) {
		fd = connect_unix(o->target, err);
	} else if (g_str_equal(t, "tcp") || g_str_equal(t, "tls")) {
		fd = connect_tcp(o->target, o->port, o->cancel_fd, err);
	} else if (g_str_equal(t, "ext")) {
		char *argv[] = { "/bin/sh", "-c", (char *)o->command, NULL };

		fd = o->command ? spawn_stream(argv, &child, err)
				: hv_error_set(err, EINVAL, "the ext transport needs command=");
	} else if (g_str_equal(t, "ssh")) {
		g_auto(GStrv) argv = ssh_argv(o);

		fd = spawn_stream(argv, &child, err);
	} else if (g_str_equal(t, "libssh2")) {
		fd = connect_tcp(o->target, o->port, o->cancel_fd, err);
		if (fd >= 0)
			fd = hv_ssh2_open(fd, o, &ssh2, err);
	} else {
		fd = hv_error_set(err, ENOTSUP, "transport '%s' is not supported", t);
	}
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (g_str_equal(t, "tls") &&
	    !(tls = hv_tls_client_new(fd, o->pkipath, o->target, o->no_verify,
				      RPC_CLIENT_TIMEOUT_MS, err))) {
		close(fd);
		return NULL;
	}
	cl = g_new0(RpcClient, 1);
	cl->refs = 1;
	cl->fd = fd;
	cl->tls = tls;
	cl->child = child;
	cl->ssh2 = ssh2;
	g_mutex_init(&cl->lock);
	g_cond_init(&cl->cond);
	g_mutex_init(&cl->write_lock);
	cl->pending = g_hash_table_new(NULL, NULL);
	cl->on_event = on_event;
	cl->on_dead = on_dead;
	cl->opaque = opaque;
	if (o->keepalive_interval >= 0)
		cl->ka_interval = (gint64)(o->keepalive_interval ? o->keepalive_interval
								: RPC_KEEPALIVE_INTERVAL_S) *
				  G_TIME_SPAN_SECOND;
	cl->ka_count = o->keepalive_count > 0 ? o->keepalive_count : RPC_KEEPALIVE_COUNT;
	cl->reader = g_thread_new("hv-rpc-reader", reader_main, cl);
	return cl;
}

RpcClient *
rpc_client_connect(const char *transport, const char *target, int port,
		   RpcClientEventFunc on_event, RpcClientDeadFunc on_dead, void *opaque,
		   GError **err)
{
	RpcConnectOpts o = { .transport = transport, .target = target, .port = port };

	return rpc_client_open(&o, on_event, on_dead, opaque, err);
}

RpcClient *
rpc_client_ref(RpcClient *cl)
{
	g_atomic_int_inc(&cl->refs);
	return cl;
}

void
rpc_client_close(RpcClient *cl)
{
	GThread *t;

	if (!cl)
		return;
	g_mutex_lock(&cl->lock);
	cl->closing = true;
	t = g_steal_pointer(&cl->reader);
	g_mutex_unlock(&cl->lock);
	shutdown(cl->fd, SHUT_RDWR);
	if (t && t != g_thread_self())
		g_thread_join(t);
	else if (t)
		g_thread_unref(t);
}

void
rpc_client_unref(RpcClient *cl)
{
	if (!cl || !g_atomic_int_dec_and_test(&cl->refs))
		return;
	rpc_client_close(cl);
	hv_tls_free(cl->tls);
	close(cl->fd);
	hv_ssh2_free(cl->ssh2); /* after close: its pump sees EOF */
	if (cl->child > 0) { /* ssh or ext: it sees EOF; make sure it goes */
		kill(cl->child, SIGTERM);
		waitpid(cl->child, NULL, 0);
		g_spawn_close_pid(cl->child);
	}
	g_hash_table_unref(cl->pending);
	g_free(cl->why);
	g_mutex_clear(&cl->lock);
	g_cond_clear(&cl->cond);
	g_mutex_clear(&cl->write_lock);
	g_free(cl);
}

bool
rpc_client_alive(RpcClient *cl)
{
	bool alive;

	g_mutex_lock(&cl->lock);
	alive = !cl->dead && !cl->closing;
	g_mutex_unlock(&cl->lock);
	return alive;
}

char *
rpc_client_why(RpcClient *cl)
{
	char *why;

	g_mutex_lock(&cl->lock);
	why = cl->dead ? g_strdup(cl->why) : cl->closing ? g_strdup("closed") : NULL;
	g_mutex_unlock(&cl->lock);
	return why;
}

uint64_t
rpc_client_calls(RpcClient *cl)
{
	uint64_t n;

	g_mutex_lock(&cl->lock);
	n = cl->calls;
	g_mutex_unlock(&cl->lock);
	return n;
}

void
rpc_call_free(RpcCall *call)
{
	if (!call)
		return;
	g_mutex_lock(&call->cl->lock);
	if (!call->done)
		g_hash_table_remove(call->cl->pending, GUINT_TO_POINTER(call->serial));
	g_mutex_unlock(&call->cl->lock);
	rpc_client_unref(call->cl);
	if (call->body)
		g_bytes_unref(call->body);
	g_free(call->msg);
	g_free(call);
}

RpcCall *
rpc_client_send(RpcClient *cl, int32_t proc, const RpcMsg *args, GError **err)
{
	const RpcProc *p = rpc_proc_lookup(proc);
	g_autoptr(GByteArray) out = g_byte_array_new();
	RpcMsg none = { 0 };
	RpcHeader h = { RPC_PROGRAM, RPC_PROTOCOL_VERSION, proc, RPC_CALL, 0, RPC_OK };
	RpcCall *call;
	size_t start;

	if (!p) {
		hv_error_set(err, ENOTSUP, "procedure %d has no row in the table", proc);
		return NULL;
	}
	call = g_new0(RpcCall, 1);
	call->cl = rpc_client_ref(cl);
	call->proc = proc;
	g_mutex_lock(&cl->lock);
	if (cl->dead || cl->closing) {
		hv_error_set(err, ENOTCONN, "%s: not connected (%s)", p->name,
			     cl->why ? cl->why : "closed");
		g_mutex_unlock(&cl->lock);
		rpc_call_free(call);
		return NULL;
	}
	call->serial = h.serial = ++cl->serial;
	call->deadline = g_get_monotonic_time() + RPC_CLIENT_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
	cl->calls++;
	g_hash_table_insert(cl->pending, GUINT_TO_POINTER(call->serial), call);
	g_mutex_unlock(&cl->lock);
	g_debug("rpc call %s serial %u", p->name, call->serial);
	start = rpc_frame_begin(out, &h);
	rpc_msg_encode(p->args, args ? args : &none, out);
	if (rpc_frame_end(out, start) < 0) {
		hv_error_set(err, EMSGSIZE, "the arguments of %s exceed %u bytes", p->name,
			     RPC_MAX_FRAME);
		rpc_call_free(call);
		return NULL;
	}
	write_all(cl, out->data, out->len); /* a failure surfaces through the reader */
	return call;
}

static int
decode_error(RpcCall *call, const char *name, GError **err)
{
	RpcError e = { 0 };
	XdrIn in;
	int rc;

	xdr_in_init(&in, g_bytes_get_data(call->body, NULL), g_bytes_get_size(call->body));
	if (rpc_error_decode(&in, &e) < 0) {
		rpc_error_clear(&e);
		return hv_error_set(err, EPROTO, "%s: the peer sent an undecodable error", name);
	}
	rc = hv_error_set(err, errno_of_virt(e.code, e.message), "%s",
			  e.message ? e.message : "the peer reported an error");
	rpc_error_clear(&e);
	return rc;
}

int
rpc_client_wait(RpcCall *call, RpcMsg *ret, GError **err)
{
	RpcClient *cl = call->cl;
	const RpcProc *p = rpc_proc_lookup(call->proc);
	RpcMsg none = { 0 };
	XdrIn in;
	int rc;

	g_mutex_lock(&cl->lock);
	while (!call->done)
		if (!g_cond_wait_until(&cl->cond, &cl->lock, call->deadline))
			break;
	g_mutex_unlock(&cl->lock);
	if (!call->done) {
		/* suspect: probe now; a silent peer is declared dead by the reader */
		send_keepalive(cl, RPC_KEEPALIVE_PING);
		rc = hv_error_set(err, ETIMEDOUT, "%s: no reply within %d ms", p->name,
				  RPC_CLIENT_TIMEOUT_MS);
	}
	else if (call->rc == -ENOTCONN)
		rc = hv_error_set(err, ENOTCONN, "%s: %s", p->name, call->msg);
	else if (call->rc < 0)
		rc = decode_error(call, p->name, err);
	else {
		xdr_in_init(&in, g_bytes_get_data(call->body, NULL), g_bytes_get_size(call->body));
		rc = rpc_msg_decode(p->ret, &in, ret ? ret : &none);
		if (rc == 0)
			rc = xdr_in_finish(&in);
		if (rc < 0)
			hv_error_set(err, EPROTO, "%s: the reply does not decode", p->name);
		rpc_msg_clear(&none);
	}
	rpc_call_free(call);
	return rc;
}

int
rpc_client_call(RpcClient *cl, int32_t proc, const RpcMsg *args, RpcMsg *ret, GError **err)
{
	g_autoptr(GError) e = NULL;
	RpcCall *call = rpc_client_send(cl, proc, args, &e);
	int rc = call ? rpc_client_wait(call, ret, &e) : hv_error_errno(e);

	if (e)
		g_propagate_error(err, g_steal_pointer(&e));
	return rc;
}
