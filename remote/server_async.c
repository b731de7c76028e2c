/* server_async.c: calls that take long (a migration's perform, which holds
 * for as long as the guest takes to move) run on a thread of their own, so
 * that the main loop goes on serving every client meanwhile: keepalive
 * PONGs, `virsh domjobinfo` and `domjobabort` of the very migration. Their
 * rows carry RPC_SLOW (proto.c). Each runs with its own copy of the
 * client's context (the call's procedure and serial are its own), and a
 * stream it attaches (a tunnelled migration's PrepareTunnel3Params) is
 * handed to the client on the main loop with the reply, so that the
 * stream's first packet finds it. The reply is queued on the main loop once
 * the call is done, in the client's order of replies; a client that goes
 * away meanwhile is freed when its last such call ends (hv_client_free). */
#include "remote/server_priv.h"

typedef struct {
	RpcClientCtx ctx; /* first: the handler's, a copy of the client's */
	Client *cl;
	RpcHeader h;
	GBytes *body;
	GByteArray *reply;
	HvDataStream *stream; /* attached by the handler, given to cl with the reply */
	RpcStreamDir dir;
} SlowCall;

/* ctx->stream_open of a slow call: kept until the reply goes. */
static int
slow_stream_open(RpcClientCtx *ctx, HvDataStream *st, RpcStreamDir dir, GError **err)
{
	SlowCall *s = (SlowCall *)ctx;

	if (s->stream) {
		st->ops->close(st);
		return hv_error_set(err, EBUSY, "a call has one stream");
	}
	s->stream = st;
	s->dir = dir;
	return 0;
}

static gboolean
slow_done(gpointer data)
{
	SlowCall *s = data;
	Client *cl = s->cl;

	if (s->stream && cl->gone) {
		s->stream->ops->close(s->stream);
	} else if (s->stream) {
		g_autoptr(GError) e = NULL;

		s->ctx.stream_open = hv_stream_open; /* the client's own engine now */
		if (hv_stream_open(&s->ctx, s->stream, s->dir, &e) < 0)
			g_message("client %s: the stream of procedure %d serial %u: %s", cl->peer,
				  s->h.proc, s->h.serial, e->message);
	}
	if (!cl->gone) {
		size_t end;

		g_byte_array_append(cl->out, s->reply->data, s->reply->len);
		end = cl->out->len;
		g_array_append_val(cl->reply_ends, end);
		hv_client_update_watch(cl);
	}
	cl->async--;
	g_byte_array_unref(s->reply);
	g_bytes_unref(s->body);
	g_free(s);
	if (cl->gone && !cl->async)
		hv_client_free(cl);
	return G_SOURCE_REMOVE;
}

static gpointer
slow_thread(gpointer data)
{
	SlowCall *s = data;
	gsize len;
	const uint8_t *body = g_bytes_get_data(s->body, &len);

	rpc_dispatch(&s->ctx, &s->h, body, len, s->reply);
	g_idle_add(slow_done, s);
	return NULL;
}

void
hv_client_dispatch_slow(Client *cl, const RpcHeader *h, const uint8_t *body, size_t len)
{
	SlowCall *s = g_new0(SlowCall, 1);

	s->ctx = cl->ctx;
	s->ctx.stream_open = slow_stream_open;
	s->cl = cl;
	s->h = *h;
	s->body = g_bytes_new(body, len);
	s->reply = g_byte_array_new();
	cl->async++;
	g_thread_unref(g_thread_new("rpc-slow", slow_thread, s));
}
