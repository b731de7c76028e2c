/* server.c: hyperfsd's sockets: listeners (unix, unix-ro, tcp, tls) and the
 * --stdio client (stdin/stdout, for ssh and ext), clients with
 * their framing state machine, output queues with back-pressure, keepalive, and
 * the fan-out of driver events to the clients that registered for them. All of
 * it runs on one GMainLoop; driver events may arrive from driver threads and are
 * moved onto the loop with g_idle_add. */
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib-unix.h>
#include "remote/server.h"
#include "remote/tls.h"

#define LIFECYCLE_EVENT_ID 0
#define MAX_EVENT_ID 64
#define MAX_CALLBACKS 256
#define READ_CHUNK 65536u
#define MAX_NODES 64 /* distinct URIs open at once */
#define HANDSHAKE_MAX_US (10 * G_USEC_PER_SEC) /* a TLS client must finish its handshake */

typedef struct {
	char *uri;
	HvConn *conn;
	guint64 id;
	int refs;
} SharedConn;

typedef struct {
	int id;
	HvObjKind kind; /* domain, network or pool */
	int event_id;
	char *name; /* NULL: every object of its kind */
} Callback;

typedef struct {
	HvServer *srv;
	guint64 id;
	int fd;
	int wfd;      /* fd, or stdout for the --stdio client */
	guint watch;  /* on fd (and wfd when it is fd) */
	guint wwatch; /* on wfd when it is not fd */
	GIOCondition cond;
	HvTls *tls;
	bool handshaking;
	bool hs_write; /* the handshake waits to write */
	bool stdio;    /* the daemon ends with it */
	char *peer;
	RpcClientCtx ctx;
	SharedConn *shared;
	uint8_t word[4];
	size_t word_have;
	uint32_t frame_len; /* 0: reading the length word */
	GByteArray *in;
	GByteArray *out;
	size_t out_pos;
	GArray *reply_ends; /* size_t: where each unsent reply ends in out */
	bool throttled;     /* max_requests replies wait: not read */
	GArray *callbacks; /* Callback */
	int next_cb;
	gint64 last_rx;
	unsigned pings;
} Client;

typedef struct {
	int fd;
	guint watch;
	bool readonly;
	bool unix_sock;
	bool tls;
	char *path; /* unix socket to unlink */
} Listener;

struct HvServer {
	HvServerLimits lim;
	GMainLoop *loop;
	GHashTable *clients; /* id -> Client* */
	GHashTable *conns;   /* uri -> SharedConn* */
	GPtrArray *listeners;
	guint64 next_id;
	guint keepalive_timer;
	HvTlsServer *tls; /* for tls: listeners */
};

static HvServer *the_server; /* for driver event callbacks */

static void client_free(Client *cl);
static void client_update_watch(Client *cl);

/* ---- shared connections ---- */

/* A node stays open until the daemon exits, like a real host's state does:
 * the next client sees what the previous one left. */
static void
conn_release(HvServer *s, SharedConn *sc)
{
	if (sc)
		sc->refs--;
}

static void
conn_free(SharedConn *sc)
{
	hv_conn_close(sc->conn);
	g_free(sc->uri);
	g_free(sc);
}

typedef struct {
	guint64 conn_id;
	HvObjKind kind;
	char *name, *event, *detail;
} PendingEvent;

static void
pending_free(PendingEvent *p)
{
	g_free(p->name);
	g_free(p->event);
	g_free(p->detail);
	g_free(p);
}

static bool
client_queue_full(const Client *cl)
{
	return cl->out->len - cl->out_pos > cl->srv->lim.max_queued;
}

/* Calls read whose replies have not all gone out yet. */
static unsigned
client_pending(const Client *cl)
{
	return cl->reply_ends->len;
}

static bool
client_busy(const Client *cl)
{
	return client_queue_full(cl) || client_pending(cl) >= cl->srv->lim.max_requests;
}

static void
client_sent(Client *cl)
{
	guint n = 0;

	while (n < cl->reply_ends->len && g_array_index(cl->reply_ends, size_t, n) <= cl->out_pos)
		n++;
	if (n)
		g_array_remove_range(cl->reply_ends, 0, n);
}

static void
client_send_event(Client *cl, const RpcDom *dom, int type, int detail)
{
	for (guint i = 0; i < cl->callbacks->len; i++) {
		const Callback *cb = &g_array_index(cl->callbacks, Callback, i);

		if (cb->kind != HV_OBJ_DOMAIN || cb->event_id != LIFECYCLE_EVENT_ID ||
		    (cb->name && g_strcmp0(cb->name, dom->name)))
			continue;
		if (client_queue_full(cl)) {
			g_message("client %s: not reading its events; dropping it", cl->peer);
			client_free(cl);
			return;
		}
		rpc_lifecycle_message(cl->out, cb->id, dom, type, detail);
	}
	client_update_watch(cl);
}

static void
client_send_obj_event(Client *cl, HvObjKind kind, int event_id, const RpcNamed *obj, int type)
{
	for (guint i = 0; i < cl->callbacks->len; i++) {
		const Callback *cb = &g_array_index(cl->callbacks, Callback, i);

		if (cb->kind != kind || cb->event_id != event_id ||
		    (cb->name && g_strcmp0(cb->name, obj->name)))
			continue;
		if (client_queue_full(cl)) {
			g_message("client %s: not reading its events; dropping it", cl->peer);
			client_free(cl);
			return;
		}
		rpc_obj_event_message(cl->out, kind, event_id, cb->id, obj, type);
	}
	client_update_watch(cl);
}

static SharedConn *
shared_by_id(HvServer *s, guint64 id)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, s->conns);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((SharedConn *)v)->id == id)
			return v;
	return NULL;
}

/* A network or pool event: its uuid (when the object is still there) and the
 * clients of that node that registered for it. */
static void
deliver_obj_event(HvServer *s, PendingEvent *p)
{
	g_autoptr(GPtrArray) targets = g_ptr_array_new();
	SharedConn *sc = shared_by_id(s, p->conn_id);
	RpcNamed obj = { .name = p->name };
	GHashTableIter it;
	gpointer v;
	int event_id, type;

	if (!sc || !rpc_obj_event(p->kind, p->event, &event_id, &type))
		return;
	if (p->kind == HV_OBJ_NETWORK && sc->conn->driver->network &&
	    sc->conn->driver->network->get_info) {
		g_autoptr(HvNetworkInfo) ni = NULL;

		if (sc->conn->driver->network->get_info(sc->conn, p->name, &ni, NULL) == 0)
			rpc_uuid_parse(ni->uuid, obj.uuid);
	} else if (p->kind == HV_OBJ_POOL && sc->conn->driver->pool && sc->conn->driver->pool->get_info) {
		g_autoptr(HvPoolInfo) pi = NULL;

		if (sc->conn->driver->pool->get_info(sc->conn, p->name, &pi, NULL) == 0)
			rpc_uuid_parse(pi->uuid, obj.uuid);
	}
	g_hash_table_iter_init(&it, s->clients);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((Client *)v)->shared == sc)
			g_ptr_array_add(targets, v);
	for (guint i = 0; i < targets->len; i++)
		client_send_obj_event(targets->pdata[i], p->kind, event_id, &obj, type);
}

static gboolean
deliver_event(gpointer data)
{
	PendingEvent *p = data;
	HvServer *s = the_server;
	g_autoptr(HvDomainInfo) info = NULL;
	g_autoptr(GPtrArray) targets = g_ptr_array_new();
	SharedConn *sc = NULL;
	GHashTableIter it;
	gpointer v;
	RpcDom dom = { .name = p->name, .id = -1 };
	int type, detail;

	if (s && (p->kind == HV_OBJ_NETWORK || p->kind == HV_OBJ_POOL)) {
		deliver_obj_event(s, p);
		return G_SOURCE_REMOVE;
	}
	if (!s || p->kind != HV_OBJ_DOMAIN || !rpc_lifecycle_event(p->event, p->detail, &type, &detail))
		return G_SOURCE_REMOVE;
	g_hash_table_iter_init(&it, s->conns);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((SharedConn *)v)->id == p->conn_id)
			sc = v;
	if (!sc)
		return G_SOURCE_REMOVE;
	if (sc->conn->driver->domain && sc->conn->driver->domain->get_info &&
	    sc->conn->driver->domain->get_info(sc->conn, p->name, &info, NULL) == 0) {
		rpc_uuid_parse(info->uuid, dom.uuid);
		dom.id = info->id;
	}
	g_hash_table_iter_init(&it, s->clients);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((Client *)v)->shared == sc)
			g_ptr_array_add(targets, v);
	for (guint i = 0; i < targets->len; i++)
		client_send_event(targets->pdata[i], &dom, type, detail);
	return G_SOURCE_REMOVE;
}

/* Called by drivers, maybe on their own threads, maybe with their locks held. */
static void
on_driver_event(HvConn *c, const HvEvent *ev, void *opaque)
{
	PendingEvent *p = g_new0(PendingEvent, 1);

	p->conn_id = GPOINTER_TO_SIZE(opaque);
	p->kind = ev->kind;
	p->name = g_strdup(ev->name);
	p->event = g_strdup(ev->event);
	p->detail = g_strdup(ev->detail);
	g_idle_add_full(G_PRIORITY_DEFAULT, deliver_event, p, (GDestroyNotify)pending_free);
}

/* ---- client hooks (RpcClientCtx) ---- */

static int
hook_open(RpcClientCtx *ctx, const char *uri, GError **err)
{
	Client *cl = ctx->owner;
	HvServer *s = cl->srv;
	SharedConn *sc;

	if (!uri || !*uri)
		uri = s->lim.default_uri;
	sc = g_hash_table_lookup(s->conns, uri);
	if (!sc && g_hash_table_size(s->conns) >= MAX_NODES)
		return hv_error_set(err, ENOSPC, "cannot open '%s': %d nodes are open already", uri,
				    MAX_NODES);
	if (!sc) {
		HvConn *c = hv_conn_open(uri, false, err);

		if (!c)
			return -EIO;
		sc = g_new0(SharedConn, 1);
		sc->uri = g_strdup(uri);
		sc->conn = c;
		sc->id = ++s->next_id;
		hv_conn_set_event_cb(c, on_driver_event, GSIZE_TO_POINTER(sc->id));
		g_hash_table_insert(s->conns, sc->uri, sc);
	}
	sc->refs++;
	cl->shared = sc;
	ctx->conn = sc->conn;
	g_message("client %s: opened '%s'%s", cl->peer, uri, ctx->readonly ? " read-only" : "");
	return 0;
}

static void
hook_close(RpcClientCtx *ctx)
{
	Client *cl = ctx->owner;

	g_array_set_size(cl->callbacks, 0);
	conn_release(cl->srv, g_steal_pointer(&cl->shared));
	ctx->conn = NULL;
}

static void
callback_clear(void *p)
{
	g_free(((Callback *)p)->name);
}

static int
hook_register(RpcClientCtx *ctx, HvObjKind kind, int event_id, const char *name, GError **err)
{
	Client *cl = ctx->owner;
	Callback cb = { .kind = kind, .event_id = event_id };
	int max = kind == HV_OBJ_DOMAIN ? MAX_EVENT_ID : 1; /* network/pool: lifecycle, one more */

	if (event_id < 0 || event_id > max)
		return hv_error_set(err, EINVAL, "unsupported event ID %d", event_id);
	if (cl->callbacks->len >= MAX_CALLBACKS)
		return hv_error_set(err, ENOSPC, "too many event callbacks (at most %d)", MAX_CALLBACKS);
	cb.id = cl->next_cb++;
	cb.name = g_strdup(name);
	g_array_append_val(cl->callbacks, cb);
	return cb.id;
}

static int
hook_deregister(RpcClientCtx *ctx, int callback_id, GError **err)
{
	Client *cl = ctx->owner;

	for (guint i = 0; i < cl->callbacks->len; i++)
		if (g_array_index(cl->callbacks, Callback, i).id == callback_id) {
			g_array_remove_index(cl->callbacks, i);
			return 0;
		}
	return hv_error_set(err, ENOENT, "no event callback %d", callback_id);
}

/* ---- clients ---- */

static void
client_free(Client *cl)
{
	if (!cl)
		return;
	g_message("client %s: disconnected", cl->peer);
	g_hash_table_steal(cl->srv->clients, &cl->id);
	if (cl->watch)
		g_source_remove(cl->watch);
	if (cl->wwatch)
		g_source_remove(cl->wwatch);
	hv_tls_free(cl->tls);
	close(cl->fd);
	if (cl->wfd != cl->fd)
		close(cl->wfd);
	if (cl->stdio)
		hv_server_quit(cl->srv);
	conn_release(cl->srv, cl->shared);
	g_byte_array_unref(cl->in);
	g_byte_array_unref(cl->out);
	g_array_unref(cl->reply_ends);
	g_array_unref(cl->callbacks);
	g_free(cl->peer);
	g_free(cl);
}

static gboolean client_io(gint fd, GIOCondition cond, gpointer data);

static GIOCondition
client_want(const Client *cl)
{
	GIOCondition want = 0;

	if (cl->handshaking)
		return cl->hs_write ? G_IO_OUT : G_IO_IN;
	if (!client_busy(cl))
		want |= G_IO_IN;
	if (cl->out->len > cl->out_pos)
		want |= G_IO_OUT;
	return want;
}

static void
client_update_watch(Client *cl)
{
	GIOCondition want = client_want(cl);

	if (cl->watch && want == cl->cond)
		return;
	if (cl->watch)
		g_source_remove(cl->watch);
	if (cl->wwatch)
		g_source_remove(cl->wwatch);
	cl->wwatch = 0;
	cl->cond = want;
	if (cl->wfd == cl->fd) {
		cl->watch = g_unix_fd_add(cl->fd, want | G_IO_HUP | G_IO_ERR, client_io, cl);
		return;
	}
	cl->watch = g_unix_fd_add(cl->fd, (want & G_IO_IN) | G_IO_HUP | G_IO_ERR, client_io, cl);
	if (want & G_IO_OUT)
		cl->wwatch = g_unix_fd_add(cl->wfd, G_IO_OUT | G_IO_ERR, client_io, cl);
}

static ssize_t
client_recv(Client *cl, void *buf, size_t n)
{
	ssize_t r;

	if (!cl->tls)
		return read(cl->fd, buf, n);
	r = hv_tls_recv(cl->tls, buf, n);
	if (r < 0)
		errno = (int)-r;
	return r < 0 ? -1 : r;
}

static ssize_t
client_send(Client *cl, const void *buf, size_t n)
{
	ssize_t r;

	if (cl->tls) {
		r = hv_tls_send(cl->tls, buf, n);
		if (r < 0)
			errno = (int)-r;
		return r < 0 ? -1 : r;
	}
	if (cl->wfd != cl->fd)
		return write(cl->wfd, buf, n);
	return send(cl->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static bool
client_tls_pending(Client *cl)
{
	return cl->tls && hv_tls_pending(cl->tls) > 0;
}

static void
send_keepalive(Client *cl, int proc)
{
	RpcHeader h = { RPC_KEEPALIVE_PROGRAM, RPC_KEEPALIVE_VERSION, proc, RPC_MESSAGE, 0, RPC_OK };

	rpc_frame_end(cl->out, rpc_frame_begin(cl->out, &h));
}

/* One whole frame in cl->in (header and body, without the length word).
 * Returns false when the client must be dropped. */
static bool
client_frame(Client *cl)
{
	RpcHeader h;
	XdrIn in;
	g_autofree char *msg = NULL;

	xdr_in_init(&in, cl->in->data, cl->in->len);
	if (rpc_header_decode(&in, &h) < 0)
		return false;
	if (h.prog == RPC_KEEPALIVE_PROGRAM) {
		if (h.type == RPC_MESSAGE && h.proc == RPC_KEEPALIVE_PING)
			send_keepalive(cl, RPC_KEEPALIVE_PONG);
		return true;
	}
	if (h.type != RPC_CALL) {
		g_message("client %s: ignoring a message of type %d (procedure %d, serial %u)",
			  cl->peer, h.type, h.proc, h.serial);
		return true;
	}
	if (h.prog != RPC_PROGRAM || h.vers != RPC_PROTOCOL_VERSION) {
		msg = g_strdup_printf("cannot find program %u version %u", h.prog, h.vers);
		rpc_reply_error(cl->out, &h, VIR_ERR_RPC, msg);
	} else if (h.status != RPC_OK) {
		rpc_reply_error(cl->out, &h, VIR_ERR_RPC, "a call must have status OK");
	} else {
		rpc_dispatch(&cl->ctx, &h, cl->in->data + RPC_HEADER_SIZE,
			     cl->in->len - RPC_HEADER_SIZE, cl->out);
	}
	{
		size_t end = cl->out->len;

		g_array_append_val(cl->reply_ends, end);
	}
	return true;
}

static bool client_write(Client *cl);

/* Before reading another call: at max_requests unanswered calls, try to send;
 * if the client still does not take its replies, stop reading it. */
static bool
client_may_read(Client *cl)
{
	if (client_pending(cl) >= cl->srv->lim.max_requests && !client_write(cl))
		return false;
	if (!client_busy(cl)) {
		cl->throttled = false;
		return true;
	}
	if (!cl->throttled)
		g_message("client %s: %u requests in flight and its replies are not read; "
			  "not reading it until they are", cl->peer, client_pending(cl));
	cl->throttled = true;
	return false;
}

/* Reads what is there; false when the client is gone or broke the protocol. */
static bool
client_read(Client *cl)
{
	for (int rounds = 0; (rounds < 64 || client_tls_pending(cl)) && client_may_read(cl);
	     rounds++) {
		uint8_t buf[READ_CHUNK];
		size_t want = cl->frame_len ? MIN(READ_CHUNK, cl->frame_len - RPC_LEN_SIZE - cl->in->len)
					    : 4 - cl->word_have;
		ssize_t n = client_recv(cl, buf, want);
		int rc;

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (n == 0)
			return false;
		cl->last_rx = g_get_monotonic_time();
		cl->pings = 0;
		if (!cl->frame_len) {
			memcpy(cl->word + cl->word_have, buf, (size_t)n);
			cl->word_have += (size_t)n;
			if (cl->word_have < 4)
				continue;
			rc = rpc_frame_length(cl->word, cl->srv->lim.max_frame, &cl->frame_len);
			if (rc < 0) {
				g_message("client %s: bad frame length (%s); dropping it", cl->peer,
					  g_strerror(-rc));
				return false;
			}
			cl->word_have = 0;
			g_byte_array_set_size(cl->in, 0);
			continue;
		}
		g_byte_array_append(cl->in, buf, (guint)n);
		if (cl->in->len + RPC_LEN_SIZE < cl->frame_len)
			continue;
		if (!client_frame(cl)) {
			g_message("client %s: malformed header; dropping it", cl->peer);
			return false;
		}
		if (cl->frame_len > (1u << 20)) { /* give big buffers back */
			g_byte_array_unref(cl->in);
			cl->in = g_byte_array_new();
		}
		g_byte_array_set_size(cl->in, 0);
		cl->frame_len = 0;
	}
	return true;
}

static bool
client_write(Client *cl)
{
	while (cl->out->len > cl->out_pos) {
		ssize_t n = client_send(cl, cl->out->data + cl->out_pos, cl->out->len - cl->out_pos);

		if (n < 0) {
			client_sent(cl);
			return errno == EAGAIN || errno == EINTR;
		}
		cl->out_pos += (size_t)n;
	}
	g_byte_array_set_size(cl->out, 0);
	g_array_set_size(cl->reply_ends, 0);
	cl->out_pos = 0;
	return true;
}

/* One TLS handshake step; once done and the client accepted, libvirt's
 * confirmation byte is queued. False when the client is refused. */
static bool
client_handshake(Client *cl)
{
	g_autoptr(GError) e = NULL;
	int rc = hv_tls_handshake_step(cl->tls, &cl->hs_write, &e);

	if (rc < 0) {
		g_message("client %s: refused: %s", cl->peer, e->message);
		return false;
	}
	if (rc == 1) {
		cl->handshaking = false;
		g_byte_array_append(cl->out, (const guint8 *)"\1", 1);
		g_message("client %s: TLS session accepted", cl->peer);
	}
	return true;
}

static gboolean
client_io(gint fd, GIOCondition cond, gpointer data)
{
	Client *cl = data;

	if (cl->handshaking && !client_handshake(cl))
		goto drop;
	if (!cl->handshaking) {
		if ((cond & G_IO_IN) && !client_read(cl))
			goto drop;
		if (!client_write(cl))
			goto drop;
		if (client_tls_pending(cl) && !client_busy(cl) && !client_read(cl))
			goto drop;
	}
	if ((cond & (G_IO_HUP | G_IO_ERR)) && !(cond & G_IO_IN))
		goto drop;
	if (client_want(cl) == cl->cond)
		return G_SOURCE_CONTINUE;
	if (fd == cl->fd) /* client_update_watch replaces this source */
		cl->watch = 0;
	else
		cl->wwatch = 0;
	client_update_watch(cl);
	return G_SOURCE_REMOVE;
drop:
	if (fd == cl->fd)
		cl->watch = 0;
	else
		cl->wwatch = 0;
	client_free(cl);
	return G_SOURCE_REMOVE;
}

static Client *
client_new(HvServer *s, int fd, int wfd, bool readonly, bool secure, const char *kind)
{
	Client *cl = g_new0(Client, 1);

	cl->srv = s;
	cl->fd = fd;
	cl->wfd = wfd;
	cl->id = ++s->next_id;
	cl->peer = g_strdup_printf("#%" G_GUINT64_FORMAT "%s", cl->id, kind);
	cl->in = g_byte_array_new();
	cl->out = g_byte_array_new();
	cl->reply_ends = g_array_new(FALSE, FALSE, sizeof(size_t));
	cl->callbacks = g_array_new(FALSE, TRUE, sizeof(Callback));
	g_array_set_clear_func(cl->callbacks, callback_clear);
	cl->next_cb = 1;
	cl->last_rx = g_get_monotonic_time();
	cl->ctx = (RpcClientCtx){ .readonly = readonly, .secure = secure, .owner = cl,
				  .open = hook_open, .close = hook_close,
				  .event_register = hook_register,
				  .event_deregister = hook_deregister };
	g_hash_table_insert(s->clients, &cl->id, cl);
	g_message("client %s: connected", cl->peer);
	return cl;
}

static gboolean
listener_accept(gint fd, GIOCondition cond, gpointer data)
{
	Listener *l = data;
	HvServer *s = the_server;
	g_autoptr(GError) e = NULL;
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
	cl = client_new(s, cfd, cfd, l->readonly, l->unix_sock || l->tls,
			l->readonly ? " (ro)" : l->tls ? " (tls)" : "");
	if (l->tls) {
		cl->handshaking = true;
		cl->tls = hv_tls_server_session(s->tls, cfd, &e);
		if (!cl->tls) {
			g_message("client %s: %s", cl->peer, e->message);
			client_free(cl);
			return G_SOURCE_CONTINUE;
		}
	}
	client_update_watch(cl);
	return G_SOURCE_CONTINUE;
}

int
hv_server_serve_stdio(HvServer *s, GError **err)
{
	Client *cl;

	if (!g_unix_set_fd_nonblocking(0, TRUE, NULL) || !g_unix_set_fd_nonblocking(1, TRUE, NULL))
		return hv_error_set(err, errno, "cannot make stdin/stdout non-blocking: %s",
				    g_strerror(errno));
	cl = client_new(s, 0, 1, false, true, " (stdio)");
	cl->stdio = true;
	client_update_watch(cl);
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
		send_keepalive(cl, RPC_KEEPALIVE_PING);
		client_update_watch(cl);
	}
	for (guint i = 0; i < dead->len; i++) {
		g_message("client %s: no keepalive answer; dropping it",
			  ((Client *)dead->pdata[i])->peer);
		client_free(dead->pdata[i]);
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
	s->conns = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)conn_free);
	s->listeners = g_ptr_array_new_with_free_func((GDestroyNotify)listener_free);
	if (lim->keepalive_interval)
		s->keepalive_timer = g_timeout_add_seconds(lim->keepalive_interval, keepalive_tick, s);
	the_server = s;
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
		client_write(v);
		client_free(v);
	}
	if (s->keepalive_timer)
		g_source_remove(s->keepalive_timer);
	g_hash_table_unref(s->clients);
	g_hash_table_unref(s->conns);
	hv_tls_server_free(s->tls);
	g_main_loop_unref(s->loop);
	the_server = NULL;
	g_free(s);
}
