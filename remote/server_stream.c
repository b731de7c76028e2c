/* server_stream.c: hyperfsd's one stream engine. A handler attaches an
 * HvDataStream to its call (ctx->stream_open); after the reply the bytes move
 * as libvirt's VIR_NET_STREAM packets under the call's procedure and serial:
 * data with status CONTINUE, the end of the data as an empty CONTINUE, a
 * failure as status ERROR with libvirt's error. The client ends its side with
 * an empty OK packet (finish: answered with an empty OK once the bytes are
 * flushed, or an error) or an ERROR packet (abort: answered with an empty OK).
 * Flow control as libvirtd: the daemon queues the next outgoing packet only
 * when the client has taken the one before; incoming data is written as it
 * comes, and a client that sends faster than the volume takes waits on its
 * socket. */
#include <errno.h>
#include <string.h>
#include "remote/server_priv.h"
#include "util/error.h"

#define MAX_STREAMS 16     /* open at once per client */
#define RETRY_MS 50        /* a stream with nothing yet (a console) is read again */
#define VIR_FROM_STREAMS 38 /* VIR_FROM_STREAMS */

typedef struct {
	Client *cl;
	int32_t proc;
	uint32_t serial;
	HvDataStream *ds;
	RpcStreamDir dir;
	bool eof_sent;  /* the outgoing side ended: waiting for the client's finish */
	guint retry;    /* timer after a read found nothing yet */
} ServerStream;

static void
stream_free(ServerStream *st)
{
	if (!st)
		return;
	if (st->retry)
		g_source_remove(st->retry);
	if (st->ds)
		st->ds->ops->close(st->ds);
	g_free(st);
}

static ServerStream *
stream_find(Client *cl, const RpcHeader *h)
{
	for (guint i = 0; cl->streams && i < cl->streams->len; i++) {
		ServerStream *st = cl->streams->pdata[i];

		if (st->serial == h->serial && st->proc == h->proc)
			return st;
	}
	return NULL;
}

static void
stream_remove(Client *cl, ServerStream *st)
{
	g_ptr_array_remove(cl->streams, st);
	stream_free(st);
}

/* One packet of st: data, or the end of the data (empty), with status
 * CONTINUE; the confirmation of the client's finish or abort (empty) with OK. */
static void
send_packet(ServerStream *st, int status, const void *buf, size_t len)
{
	RpcHeader h = { RPC_PROGRAM, RPC_PROTOCOL_VERSION, st->proc, RPC_STREAM, st->serial,
			status };
	size_t start = rpc_frame_begin(st->cl->out, &h);

	g_byte_array_append(st->cl->out, buf, (guint)len);
	rpc_frame_end(st->cl->out, start);
}

static void
send_error(ServerStream *st, int e, const char *msg)
{
	RpcHeader h = { RPC_PROGRAM, RPC_PROTOCOL_VERSION, st->proc, RPC_STREAM, st->serial,
			RPC_ERROR };
	int code = e == ENOTSUP ? VIR_ERR_NO_SUPPORT
		 : e == EINVAL ? VIR_ERR_INVALID_ARG
		 : e == EROFS || e == EACCES || e == EPERM ? VIR_ERR_OPERATION_DENIED
		 : VIR_ERR_OPERATION_FAILED;
	RpcError re = { .code = code, .domain = VIR_FROM_STREAMS, .level = 2, .message = (char *)msg };
	size_t start = rpc_frame_begin(st->cl->out, &h);

	rpc_error_encode(st->cl->out, &re);
	rpc_frame_end(st->cl->out, start);
}

static void
fail(ServerStream *st, int rc, GError *e)
{
	g_autofree char *msg = g_strdup(e ? e->message : g_strerror(-rc));

	g_message("client %s: stream of procedure %d serial %u failed: %s", st->cl->peer, st->proc,
		  st->serial, msg);
	send_error(st, -rc, msg);
	stream_remove(st->cl, st);
}

int
hv_stream_open(RpcClientCtx *ctx, HvDataStream *s, RpcStreamDir dir, GError **err)
{
	Client *cl = ctx->owner;
	ServerStream *st;

	if (!cl->streams)
		cl->streams = g_ptr_array_new();
	if (cl->streams->len >= MAX_STREAMS) {
		s->ops->close(s);
		return hv_error_set(err, EMFILE, "too many streams open on this connection (at most %d)",
				    MAX_STREAMS);
	}
	st = g_new0(ServerStream, 1);
	st->cl = cl;
	st->proc = ctx->call_proc;
	st->serial = ctx->call_serial;
	st->ds = s;
	st->dir = dir;
	g_ptr_array_add(cl->streams, st);
	return 0;
}

static gboolean
retry_due(gpointer data)
{
	ServerStream *st = data;
	Client *cl = st->cl;

	st->retry = 0;
	hv_stream_pump(cl);
	hv_client_update_watch(cl);
	return G_SOURCE_REMOVE;
}

/* Reads one packet's worth of st; false when st was removed. */
static bool
pump_one(ServerStream *st)
{
	g_autoptr(GError) e = NULL;
	g_autofree uint8_t *buf = g_malloc(RPC_STREAM_CHUNK);
	gssize n = st->ds->ops->read(st->ds, buf, RPC_STREAM_CHUNK, &e);

	if (n == -EAGAIN) {
		if (!st->retry)
			st->retry = g_timeout_add(RETRY_MS, retry_due, st);
		return true;
	}
	if (n < 0) {
		fail(st, (int)n, e);
		return false;
	}
	send_packet(st, RPC_CONTINUE, buf, (size_t)n);
	if (n == 0)
		st->eof_sent = true;
	return true;
}

void
hv_stream_pump(Client *cl)
{
	for (guint i = 0; cl->streams && i < cl->streams->len; i++) {
		ServerStream *st = cl->streams->pdata[i];

		if (cl->out->len > cl->out_pos)
			return; /* the packet before is not taken yet */
		if (!(st->dir & RPC_STREAM_OUT) || st->eof_sent || st->retry)
			continue;
		if (!pump_one(st))
			i--;
	}
}

/* The client's finish: flushed and confirmed with an empty OK, or its error. */
static void
finish(ServerStream *st)
{
	g_autoptr(GError) e = NULL;
	int rc = 0;

	if (st->dir & RPC_STREAM_IN)
		rc = st->ds->ops->finish(st->ds, &e);
	if (rc < 0) {
		fail(st, rc, e);
		return;
	}
	send_packet(st, RPC_OK, NULL, 0);
	stream_remove(st->cl, st);
}

static void
write_data(ServerStream *st, const uint8_t *body, size_t len)
{
	g_autoptr(GError) e = NULL;
	int rc;

	if (!(st->dir & RPC_STREAM_IN)) {
		fail(st, -EINVAL, NULL);
		return;
	}
	if ((rc = st->ds->ops->write(st->ds, body, len, &e)) < 0)
		fail(st, rc, e);
}

void
hv_stream_packet(Client *cl, const RpcHeader *h, const uint8_t *body, size_t len)
{
	ServerStream *st = stream_find(cl, h);

	if (!st) { /* libvirtd ignores packets of a stream that is gone */
		g_debug("client %s: a stream packet for procedure %d serial %u, which has no stream",
			cl->peer, h->proc, h->serial);
		return;
	}
	if (h->type == RPC_STREAM_HOLE) {
		g_autoptr(GError) e = NULL;

		hv_error_set(&e, ENOTSUP, "sparse streams are not supported");
		fail(st, -ENOTSUP, e);
		return;
	}
	switch (h->status) {
	case RPC_CONTINUE:
		write_data(st, body, len);
		break;
	case RPC_OK:
		finish(st);
		break;
	default: /* abort: nothing more is written; confirmed with an empty OK */
		g_message("client %s: stream of procedure %d serial %u aborted by the client",
			  cl->peer, h->proc, h->serial);
		send_packet(st, RPC_OK, NULL, 0);
		stream_remove(cl, st); /* closed: nothing more is written */
		break;
	}
}

void
hv_stream_close_all(Client *cl)
{
	if (!cl->streams)
		return;
	g_ptr_array_set_free_func(cl->streams, (GDestroyNotify)stream_free);
	g_clear_pointer(&cl->streams, g_ptr_array_unref);
}
