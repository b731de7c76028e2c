/* server_client.c: one hyperfsd client on the main loop: the framing state
 * machine (length word, then the frame), its output queue with back-pressure
 * (max_client_requests unanswered calls or max_queued_bytes waiting: the
 * client is not read until it catches up), the TLS handshake steps, keepalive
 * PONGs, and the hand-off of each CALL to the dispatcher (proto.c). */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>
#include "remote/server_priv.h"

#define READ_CHUNK 65536u

bool
hv_client_queue_full(const Client *cl)
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
	return hv_client_queue_full(cl) || client_pending(cl) >= cl->srv->lim.max_requests;
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

void
hv_client_free(Client *cl)
{
	if (!cl)
		return;
	if (!cl->gone) {
		g_message("client %s: disconnected", cl->peer);
		g_hash_table_steal(cl->srv->clients, &cl->id);
		hv_fd_watch_free(g_steal_pointer(&cl->watch));
		hv_fd_watch_free(g_steal_pointer(&cl->wwatch));
		cl->gone = true;
	}
	if (cl->async)
		return; /* a slow call still uses it: server_async.c frees it */
	hv_tls_free(cl->tls);
	close(cl->fd);
	if (cl->wfd != cl->fd)
		close(cl->wfd);
	if (cl->stdio)
		hv_server_quit(cl->srv);
	hv_stream_close_all(cl);
	hv_client_conn_free(g_steal_pointer(&cl->cc));
	g_byte_array_unref(cl->in);
	g_byte_array_unref(cl->out);
	g_array_unref(cl->reply_ends);
	g_free(cl->peer);
	g_free(cl->identity);
	g_free(cl);
}

static void client_io(int fd, GIOCondition cond, void *data);

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

void
hv_client_update_watch(Client *cl)
{
	GIOCondition want = client_want(cl);

	if (cl->watch && want == cl->cond)
		return;
	cl->cond = want;
	if (cl->wfd == cl->fd)
		want |= G_IO_HUP | G_IO_ERR;
	else
		want = (want & G_IO_IN) | G_IO_HUP | G_IO_ERR;
	if (cl->watch)
		hv_fd_watch_set(cl->watch, want);
	else
		cl->watch = hv_fd_watch_new(cl->fd, want, client_io, cl);
	if (cl->wfd == cl->fd)
		return;
	if (!(cl->cond & G_IO_OUT))
		hv_fd_watch_free(g_steal_pointer(&cl->wwatch));
	else if (!cl->wwatch)
		cl->wwatch = hv_fd_watch_new(cl->wfd, G_IO_OUT | G_IO_ERR, client_io, cl);
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

void
hv_client_send_keepalive(Client *cl, int proc)
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
			hv_client_send_keepalive(cl, RPC_KEEPALIVE_PONG);
		return true;
	}
	if (h.prog == RPC_PROGRAM && (h.type == RPC_STREAM || h.type == RPC_STREAM_HOLE)) {
		hv_stream_packet(cl, &h, cl->in->data + RPC_HEADER_SIZE, cl->in->len - RPC_HEADER_SIZE);
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
	} else if (rpc_proc_slow(rpc_proc_lookup(h.proc))) {
		hv_client_dispatch_slow(cl, &h, cl->in->data + RPC_HEADER_SIZE,
					cl->in->len - RPC_HEADER_SIZE);
		return true; /* its reply is queued when it is done */
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

/* Before reading another call: at max_requests unanswered calls, try to send;
 * if the client still does not take its replies, stop reading it. */
static bool
client_may_read(Client *cl)
{
	if (client_pending(cl) >= cl->srv->lim.max_requests && !hv_client_write(cl))
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

bool
hv_client_write(Client *cl)
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
		g_autofree char *dn = hv_tls_peer_dn(cl->tls);
		g_autofree char *shown = rpc_log_text(dn);
		char *id = g_strdup_printf("%s dn='%s'", cl->identity, shown);

		g_free(cl->identity);
		cl->identity = id;
		cl->handshaking = false;
		g_byte_array_append(cl->out, (const guint8 *)"\1", 1);
		g_message("client %s [%s]: TLS session accepted", cl->peer, cl->identity);
	}
	return true;
}

static void
client_io(int fd, GIOCondition cond, void *data)
{
	Client *cl = data;

	(void)fd;
	if (cl->handshaking && !client_handshake(cl))
		goto drop;
	if (!cl->handshaking) {
		if ((cond & G_IO_IN) && !client_read(cl))
			goto drop;
		if (!hv_client_write(cl))
			goto drop;
		hv_stream_pump(cl); /* the next packet of a download, once the last is out */
		if (client_tls_pending(cl) && !client_busy(cl) && !client_read(cl))
			goto drop;
	}
	if ((cond & (G_IO_HUP | G_IO_ERR)) && !(cond & G_IO_IN))
		goto drop;
	hv_client_update_watch(cl);
	return;
drop:
	hv_client_free(cl);
}

Client *
hv_client_new(HvServer *s, int fd, int wfd, bool readonly, bool secure, const char *kind,
	      const char *identity)
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
	cl->identity = g_strdup(identity);
	cl->last_rx = g_get_monotonic_time();
	cl->ctx = (RpcClientCtx){ .readonly = readonly, .secure = secure, .owner = cl };
	hv_client_ctx_hooks(&cl->ctx);
	cl->ctx.stream_open = hv_stream_open;
	g_hash_table_insert(s->clients, &cl->id, cl);
	g_message("client %s [%s]: connected", cl->peer, cl->identity);
	return cl;
}

