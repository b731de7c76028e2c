/* client.c: the client side of libvirt's RPC protocol (client.h): a
 * non-blocking socket, a table of calls in flight keyed by serial, and a watch
 * on one of the shared I/O threads (rpc_loop.c) that completes them, answers
 * and sends keepalive pings and passes events on. The
 * stream is a socket, TLS over a socket (tls.c), or a socketpair to a child
 * process (ssh, ext) or to libssh2's pump thread (ssh2.c). The bodies are
 * encoded and decoded with the shapes of proto.c's table. */
#include <errno.h>
#include <glib-unix.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "remote/client.h"
#include "remote/client_stream.h"
#include "remote/proto.h"
#include "remote/rpc_loop.h"
#include "remote/ssh2.h"
#include "util/sync.h"
#include "remote/tls.h"
#include "util/error.h"

/* keepalive frames queued while a writer has the socket, at most */
#define RPC_CTL_MAX 4096
#define RPC_CTL_RETRY_US (50 * G_TIME_SPAN_MILLISECOND)

struct RpcClient {
	gatomicrefcount refs;
	int fd;
	HvTls *tls;   /* NULL: plain socket */
	GPid child;   /* ssh or ext; 0: none */
	HvSsh2 *ssh2; /* libssh2: the session behind fd */
	RpcWatch *watch; /* on a shared I/O thread (rpc_loop.h) */
	GMutex lock; /* pending, serial, dead, closing */
	GCond cond;
	GMutex write_lock; /* one writer at a time; the fd is non-blocking */
	GMutex ctl_lock;   /* ctl */
	GByteArray *ctl;   /* keepalive frames the I/O thread could not send at once */
	/* the I/O thread's own */
	GByteArray *rx;
	gint64 last_rx, last_ping;
	GHashTable *pending; /* serial -> RpcCall* (owned by the waiter) */
	GHashTable *streams; /* serial -> StreamSink* (rpc_client_send_stream) */
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

typedef struct {
	RpcClientStreamFunc fn;
	void *opaque;
} StreamSink;

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

/* libvirt error codes -> errno; everything else is EIO. Shared with the
 * libvirt driver (drivers/libvirt/), which meets the same codes in-process. */
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
	{ 45 /* VIR_ERR_AUTH_FAILED */, EACCES },
	{ VIR_ERR_NO_DOMAIN, ENOENT },
	{ VIR_ERR_NO_NETWORK, ENOENT },
	{ VIR_ERR_NO_STORAGE_POOL, ENOENT },
	{ VIR_ERR_NO_STORAGE_VOL, ENOENT },
	{ VIR_ERR_NO_SECRET, ENOENT },
	{ 53 /* VIR_ERR_NO_NODE_DEVICE */, ENOENT },
	{ 57 /* VIR_ERR_NO_INTERFACE */, ENOENT },
	{ 62 /* VIR_ERR_NO_NWFILTER */, ENOENT },
	{ 72 /* VIR_ERR_NO_DOMAIN_SNAPSHOT */, ENOENT },
	{ 103 /* VIR_ERR_NO_DOMAIN_CHECKPOINT */, ENOENT },
	{ VIR_ERR_INVALID_SECRET, EPERM },
	{ 28 /* VIR_ERR_DOM_EXIST */, EEXIST },
	{ 37 /* VIR_ERR_NETWORK_EXIST */, EEXIST },
	{ 90 /* VIR_ERR_STORAGE_VOL_EXIST */, EEXIST },
	{ VIR_ERR_OPERATION_INVALID, EBUSY },
	{ 87 /* VIR_ERR_RESOURCE_BUSY */, EBUSY },
	{ 68 /* VIR_ERR_OPERATION_TIMEOUT */, ETIMEDOUT },
	{ 80 /* VIR_ERR_NO_DOMAIN_METADATA */, ENODATA },
	{ 78 /* VIR_ERR_OPERATION_ABORTED */, ECANCELED },
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
	{ "already defined for use with", EEXIST }, /* a secret's usage taken */
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

int
rpc_errno_of_virt(int code, const char *message)
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


/* One send on the non-blocking socket: the bytes sent or -errno (-EAGAIN:
 * the socket takes nothing now; TLS then wants the same bytes again). */
static ssize_t
send_some(RpcClient *cl, const uint8_t *p, size_t n)
{
	ssize_t w;

	do {
		w = cl->tls ? hv_tls_send(cl->tls, p, n) : send(cl->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (!cl->tls && w < 0)
			w = -errno;
	} while (w == -EINTR);
	return w == 0 ? -EIO : w;
}

static int
wait_writable(RpcClient *cl, gint64 deadline)
{
	struct pollfd p = { .fd = cl->fd, .events = POLLOUT };

	for (;;) {
		gint64 left = deadline - g_get_monotonic_time();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)((left + 999) / 1000));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/* Sends the queued keepalive frames first; write_lock held. With a deadline
 * it waits for the socket until then; without, it sends what the socket
 * takes now and leaves the rest queued (-EAGAIN). */
static int
flush_ctl(RpcClient *cl, gint64 deadline)
{
	for (;;) {
		ssize_t w;

		g_mutex_lock(&cl->ctl_lock);
		if (cl->ctl->len == 0) {
			g_mutex_unlock(&cl->ctl_lock);
			return 0;
		}
		w = send_some(cl, cl->ctl->data, cl->ctl->len);
		if (w > 0)
			g_byte_array_remove_range(cl->ctl, 0, (guint)w);
		g_mutex_unlock(&cl->ctl_lock);
		if (w > 0)
			continue;
		if (w != -EAGAIN || !deadline)
			return (int)w;
		if ((w = wait_writable(cl, deadline)) < 0)
			return (int)w;
	}
}

/* A whole frame, within RPC_CLIENT_TIMEOUT_MS; on failure the socket is shut
 * down and the I/O thread reports the death. */
static int
write_all(RpcClient *cl, const uint8_t *p, size_t n)
{
	gint64 deadline = g_get_monotonic_time() + RPC_CLIENT_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
	int rc;

	g_mutex_lock(&cl->write_lock);
	rc = flush_ctl(cl, deadline);
	while (rc == 0 && n > 0) {
		ssize_t w = send_some(cl, p, n);

		if (w == -EAGAIN) {
			rc = wait_writable(cl, deadline);
			continue;
		}
		if (w < 0) {
			rc = (int)w;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	if (rc < 0)
		shutdown(cl->fd, SHUT_RDWR);
	g_mutex_unlock(&cl->write_lock);
	return rc;
}

/* Sends queued keepalives unless a call is being written (its writer sends
 * them first); never waits. */
static void
try_flush(RpcClient *cl)
{
	int rc;

	if (!g_mutex_trylock(&cl->write_lock))
		return;
	rc = flush_ctl(cl, 0);
	if (rc < 0 && rc != -EAGAIN)
		shutdown(cl->fd, SHUT_RDWR);
	g_mutex_unlock(&cl->write_lock);
}

/* Queues a PING or PONG and sends it if no call is being written; never
 * waits (the I/O thread sends it), so a stuck peer holds up no other. */
static void
send_keepalive(RpcClient *cl, int proc)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	RpcHeader h = { RPC_KEEPALIVE_PROGRAM, RPC_KEEPALIVE_VERSION, proc, RPC_MESSAGE, 0, RPC_OK };
	size_t start = rpc_frame_begin(out, &h);

	rpc_frame_end(out, start);
	g_mutex_lock(&cl->ctl_lock);
	if (cl->ctl->len < RPC_CTL_MAX) /* a peer that reads nothing misses pongs */
		g_byte_array_append(cl->ctl, out->data, out->len);
	g_mutex_unlock(&cl->ctl_lock);
	try_flush(cl);
}

static bool
ctl_pending(RpcClient *cl)
{
	bool pending;

	g_mutex_lock(&cl->ctl_lock);
	pending = cl->ctl->len > 0;
	g_mutex_unlock(&cl->ctl_lock);
	return pending;
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

/* A stream's packet, to its sink; the lock is held while it runs, so that
 * rpc_client_stream_end waits for a sink that runs. */
static void
stream_packet(RpcClient *cl, const RpcHeader *h, const uint8_t *body, size_t len)
{
	StreamSink *sink;

	g_mutex_lock(&cl->lock);
	sink = g_hash_table_lookup(cl->streams, GUINT_TO_POINTER(h->serial));
	if (sink)
		sink->fn(cl, h, body, len, sink->opaque);
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
	if (h.type == RPC_STREAM || h.type == RPC_STREAM_HOLE)
		stream_packet(cl, &h, p, len);
	else if (h.type == RPC_REPLY)
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

/* Reads what the socket has and handles the whole frames; NULL, or why the
 * connection is over. */
static const char *
client_read(RpcClient *cl, gint64 now)
{
	char tmp[65536];

	for (int round = 0;; round++) {
		ssize_t n;

		if (round >= 16 && !(cl->tls && hv_tls_pending(cl->tls)))
			return NULL; /* level-triggered: the loop comes back */
		if (cl->tls && (n = hv_tls_recv(cl->tls, tmp, sizeof(tmp))) < 0)
			errno = (int)-n, n = -1;
		else if (!cl->tls)
			n = recv(cl->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return NULL;
		if (n <= 0)
			return n == 0 ? "the peer closed the connection" : "the connection failed";
		cl->last_rx = now;
		g_byte_array_append(cl->rx, (const guint8 *)tmp, (guint)n);
		if (drain(cl, cl->rx) < 0)
			return "the peer sent a malformed message";
		if ((size_t)n < sizeof(tmp) && !(cl->tls && hv_tls_pending(cl->tls)))
			return NULL;
	}
}

/* The I/O thread's work for one connection (rpc_loop.h): what came in, a
 * ping to a quiet peer, the verdict on a silent one, queued keepalives. */
static gint64
client_io(void *data, bool readable, gint64 now)
{
	RpcClient *cl = data;
	gint64 dead_after = cl->ka_interval * (cl->ka_count + 1), next = 0;
	const char *why = readable ? client_read(cl, now) : NULL;
	char whybuf[96];
	bool report;

	if (!why && cl->ka_interval) {
		if (now - cl->last_rx >= dead_after) {
			g_snprintf(whybuf, sizeof(whybuf),
				   "the peer stopped answering keepalive pings (silent for %.1f s)",
				   (double)(now - cl->last_rx) / G_TIME_SPAN_SECOND);
			why = whybuf;
		} else if (now - cl->last_rx >= cl->ka_interval &&
			   now - cl->last_ping >= cl->ka_interval) {
			send_keepalive(cl, RPC_KEEPALIVE_PING);
			cl->last_ping = now;
		}
		next = MIN(MAX(cl->last_rx, cl->last_ping) + cl->ka_interval,
			   cl->last_rx + dead_after);
	}
	if (!why && ctl_pending(cl)) { /* a writer had the socket: try again soon */
		try_flush(cl);
		next = next ? MIN(next, now + RPC_CTL_RETRY_US) : now + RPC_CTL_RETRY_US;
	}
	if (!why)
		return next;
	g_mutex_lock(&cl->lock);
	report = mark_dead(cl, why) && !cl->closing;
	g_mutex_unlock(&cl->lock);
	if (report && cl->on_dead)
		cl->on_dead(cl, why, cl->opaque);
	return -1;
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

	fd = rpc_stream_open(o, &child, &ssh2, err);
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
	g_mutex_init(&cl->ctl_lock);
	cl->pending = g_hash_table_new(NULL, NULL);
	cl->streams = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	cl->on_event = on_event;
	cl->on_dead = on_dead;
	cl->opaque = opaque;
	if (o->keepalive_interval >= 0)
		cl->ka_interval = (gint64)(o->keepalive_interval ? o->keepalive_interval
								: RPC_KEEPALIVE_INTERVAL_S) *
				  G_TIME_SPAN_SECOND;
	cl->ka_count = o->keepalive_count > 0 ? o->keepalive_count : RPC_KEEPALIVE_COUNT;
	cl->ctl = g_byte_array_new();
	cl->rx = g_byte_array_new();
	cl->last_rx = g_get_monotonic_time();
	g_unix_set_fd_nonblocking(fd, TRUE, NULL);
	cl->watch = rpc_watch_add(fd, cl->ka_interval ? cl->last_rx + cl->ka_interval : 0, client_io,
				  cl);
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

void
rpc_client_close(RpcClient *cl)
{
	RpcWatch *w;

	if (!cl)
		return;
	g_mutex_lock(&cl->lock);
	cl->closing = true;
	w = g_steal_pointer(&cl->watch);
	g_mutex_unlock(&cl->lock);
	rpc_watch_free(w); /* its function is not running now, and never runs again */
	shutdown(cl->fd, SHUT_RDWR);
	g_mutex_lock(&cl->lock);
	mark_dead(cl, "closed");
	g_mutex_unlock(&cl->lock);
}

static void
client_free(RpcClient *cl)
{
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
	g_hash_table_unref(cl->streams);
	g_free(cl->why);
	g_mutex_clear(&cl->lock);
	g_cond_clear(&cl->cond);
	g_mutex_clear(&cl->write_lock);
	g_mutex_clear(&cl->ctl_lock);
	g_byte_array_unref(cl->ctl);
	g_byte_array_unref(cl->rx);
	g_free(cl);
}

HV_REF_FNS(RpcClient, rpc_client, client_free)

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
	return hv_locked_u64(&cl->lock, &cl->calls);
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

static RpcCall *send_call(RpcClient *cl, int32_t proc, const RpcMsg *args, StreamSink *sink,
			  GError **err);

RpcCall *
rpc_client_send(RpcClient *cl, int32_t proc, const RpcMsg *args, GError **err)
{
	return send_call(cl, proc, args, NULL, err);
}

RpcCall *
rpc_client_send_stream(RpcClient *cl, int32_t proc, const RpcMsg *args, RpcClientStreamFunc fn,
		       void *opaque, uint32_t *serial, GError **err)
{
	StreamSink *sink = g_new0(StreamSink, 1);
	RpcCall *call;

	sink->fn = fn;
	sink->opaque = opaque;
	call = send_call(cl, proc, args, sink, err);
	if (call)
		*serial = call->serial;
	return call;
}

void
rpc_client_stream_end(RpcClient *cl, uint32_t serial)
{
	g_mutex_lock(&cl->lock);
	g_hash_table_remove(cl->streams, GUINT_TO_POINTER(serial));
	g_mutex_unlock(&cl->lock);
}

int
rpc_client_stream_send(RpcClient *cl, int32_t proc, uint32_t serial, int status,
		       const void *buf, size_t len, GError **err)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	RpcHeader h = { RPC_PROGRAM, RPC_PROTOCOL_VERSION, proc, RPC_STREAM, serial, status };
	size_t start = rpc_frame_begin(out, &h);
	int rc;

	g_byte_array_append(out, buf, (guint)len);
	rpc_frame_end(out, start);
	if (!rpc_client_alive(cl))
		return hv_error_set(err, ENOTCONN, "stream of procedure %d: not connected", proc);
	if ((rc = write_all(cl, out->data, out->len)) < 0)
		return hv_error_set(err, -rc, "stream of procedure %d: %s", proc, g_strerror(-rc));
	return 0;
}

/* How long a call of p waits for its reply. */
static int
call_timeout_ms(const RpcProc *p)
{
	return rpc_proc_slow(p) ? RPC_CLIENT_SLOW_TIMEOUT_MS : RPC_CLIENT_TIMEOUT_MS;
}

static RpcCall *
send_call(RpcClient *cl, int32_t proc, const RpcMsg *args, StreamSink *sink, GError **err)
{
	const RpcProc *p = rpc_proc_lookup(proc);
	g_autoptr(GByteArray) out = g_byte_array_new();
	RpcMsg none = { 0 };
	RpcHeader h = { RPC_PROGRAM, RPC_PROTOCOL_VERSION, proc, RPC_CALL, 0, RPC_OK };
	RpcCall *call;
	size_t start;

	if (!p) {
		g_free(sink);
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
		g_free(sink);
		rpc_call_free(call);
		return NULL;
	}
	call->serial = h.serial = ++cl->serial;
	if (sink)
		g_hash_table_insert(cl->streams, GUINT_TO_POINTER(call->serial), sink);
	call->deadline = g_get_monotonic_time() + call_timeout_ms(p) * G_TIME_SPAN_MILLISECOND;
	cl->calls++;
	g_hash_table_insert(cl->pending, GUINT_TO_POINTER(call->serial), call);
	g_mutex_unlock(&cl->lock);
	g_debug("rpc call %s serial %u", p->name, call->serial);
	start = rpc_frame_begin(out, &h);
	rpc_msg_encode(p->args, args ? args : &none, out);
	if (rpc_frame_end(out, start) < 0) {
		hv_error_set(err, EMSGSIZE, "the arguments of %s exceed %u bytes", p->name,
			     RPC_MAX_FRAME);
		rpc_client_stream_end(cl, call->serial);
		rpc_call_free(call);
		return NULL;
	}
	write_all(cl, out->data, out->len); /* a failure surfaces through the I/O thread */
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
	rc = hv_error_set(err, rpc_errno_of_virt(e.code, e.message), "%s",
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
		/* suspect: probe now; a silent peer is declared dead by the I/O thread */
		send_keepalive(cl, RPC_KEEPALIVE_PING);
		rc = hv_error_set(err, ETIMEDOUT, "%s: no reply within %d ms", p->name,
				  call_timeout_ms(p));
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
