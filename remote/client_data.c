/* client_data.c: an HvDataStream over libvirt's stream packets, the client
 * side of server_stream.c (and of libvirtd's streams): the remote driver's
 * volume upload and download. The call is made and answered first; then a
 * download's packets are queued by the reader thread and taken by read, an
 * upload's bytes go out as data packets of at most RPC_STREAM_CHUNK. finish
 * sends the empty OK packet and waits for the peer's confirmation (or its
 * error); close without finish aborts. Every wait has the call deadline, so
 * a peer that goes silent fails the stream with ETIMEDOUT. A tunnelled
 * migration's stream (remote_migrate.c) is an upload of this kind. */
#include <errno.h>
#include <string.h>
#include "remote/client_data.h"
#include "util/error.h"

typedef struct {
	RpcClient *cl;
	int32_t proc;
	uint32_t serial;
	GMutex lock; /* all below */
	GCond cond;
	GQueue packets;  /* GBytes*: data not read yet */
	size_t head_off; /* bytes of the first packet already read */
	bool eof;        /* an empty CONTINUE: the data ended */
	unsigned oks;    /* empty OK packets: confirmations of a finish or abort */
	bool failed;     /* the peer sent an error */
	int err;
	char *msg;
	bool ended;      /* finished or aborted: nothing more to send */
	unsigned oks_sent; /* oks when the end went out */
} DataRpc;

/* The reader thread's: a packet of this stream. */
static void
on_packet(RpcClient *cl, const RpcHeader *h, const uint8_t *body, size_t len, void *opaque)
{
	DataRpc *d = opaque;

	g_mutex_lock(&d->lock);
	if (h->type == RPC_STREAM && h->status == RPC_CONTINUE && len > 0) {
		g_queue_push_tail(&d->packets, g_bytes_new(body, len));
	} else if (h->type == RPC_STREAM && h->status == RPC_CONTINUE) {
		d->eof = true;
	} else if (h->type == RPC_STREAM && h->status == RPC_OK) {
		d->oks++;
	} else {
		RpcError e = { 0 };
		XdrIn in;

		xdr_in_init(&in, body, len);
		d->failed = true;
		if (h->type == RPC_STREAM && rpc_error_decode(&in, &e) == 0) {
			d->err = rpc_errno_of_virt(e.code, e.message);
			d->msg = g_strdup(e.message ? e.message : "the stream failed");
		} else {
			d->err = EPROTO;
			d->msg = g_strdup("the peer sent a stream packet this client does not take "
					  "(a sparse stream's hole)");
		}
		rpc_error_clear(&e);
	}
	g_cond_broadcast(&d->cond);
	g_mutex_unlock(&d->lock);
}

/* Waits until ready(d) or a failure; lock held. 0, or -errno with err set. */
static int
wait_for(DataRpc *d, bool (*ready)(DataRpc *d), GError **err)
{
	gint64 deadline = g_get_monotonic_time() + RPC_CLIENT_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

	while (!ready(d) && !d->failed) {
		bool alive;

		/* the reader holds the client's lock while it takes ours: never the reverse */
		g_mutex_unlock(&d->lock);
		alive = rpc_client_alive(d->cl);
		g_mutex_lock(&d->lock);
		if (!alive)
			return hv_error_set(err, ENOTCONN, "the stream's connection went away");
		if (ready(d) || d->failed)
			break;
		if (!g_cond_wait_until(&d->cond, &d->lock, MIN(deadline,
				       g_get_monotonic_time() + G_TIME_SPAN_SECOND)) &&
		    g_get_monotonic_time() >= deadline)
			return hv_error_set(err, ETIMEDOUT, "the stream's peer sent nothing within %d ms",
					    RPC_CLIENT_TIMEOUT_MS);
	}
	if (!ready(d))
		return hv_error_set(err, d->err, "%s", d->msg);
	return 0;
}

static bool
has_data(DataRpc *d)
{
	return d->packets.length > 0 || d->eof;
}

static gssize
data_read(HvDataStream *s, void *buf, size_t len, GError **err)
{
	DataRpc *d = s->priv;
	size_t n = 0;
	int rc;

	g_mutex_lock(&d->lock);
	rc = wait_for(d, has_data, err);
	while (rc == 0 && n < len && d->packets.length > 0) {
		GBytes *b = g_queue_peek_head(&d->packets);
		gsize size;
		const uint8_t *p = g_bytes_get_data(b, &size);
		size_t k = MIN(len - n, size - d->head_off);

		memcpy((uint8_t *)buf + n, p + d->head_off, k);
		n += k;
		d->head_off += k;
		if (d->head_off == size) {
			g_bytes_unref(g_queue_pop_head(&d->packets));
			d->head_off = 0;
		}
	}
	g_mutex_unlock(&d->lock);
	if (rc < 0)
		return rc;
	s->offset += n;
	return (gssize)n; /* 0: the end (an empty CONTINUE came) */
}

static int
failed_now(DataRpc *d, GError **err)
{
	int rc = 0;

	g_mutex_lock(&d->lock);
	if (d->failed)
		rc = hv_error_set(err, d->err, "%s", d->msg);
	g_mutex_unlock(&d->lock);
	return rc;
}

static int
data_write(HvDataStream *s, const void *buf, size_t len, GError **err)
{
	DataRpc *d = s->priv;
	const uint8_t *p = buf;
	int rc = failed_now(d, err);

	while (rc == 0 && len > 0) {
		size_t k = MIN(len, RPC_STREAM_CHUNK);

		rc = rpc_client_stream_send(d->cl, d->proc, d->serial, RPC_CONTINUE, p, k, err);
		p += k;
		len -= k;
		s->offset += k;
	}
	return rc;
}

static bool
confirmed(DataRpc *d)
{
	return d->oks > d->oks_sent;
}

/* Sends the end (finish: OK, abort: ERROR) and waits for the confirmation,
 * an empty OK. */
static int
end(DataRpc *d, int status, GError **err)
{
	int rc;

	d->ended = true;
	g_mutex_lock(&d->lock);
	d->oks_sent = d->oks;
	g_mutex_unlock(&d->lock);
	rc = rpc_client_stream_send(d->cl, d->proc, d->serial, status, NULL, 0, err);
	if (rc < 0)
		return rc;
	g_mutex_lock(&d->lock);
	rc = wait_for(d, confirmed, err);
	g_mutex_unlock(&d->lock);
	return rc;
}

static int
data_finish(HvDataStream *s, GError **err)
{
	DataRpc *d = s->priv;
	int rc = failed_now(d, err);

	return rc < 0 ? rc : end(d, RPC_OK, err);
}

static void
data_rpc_free(DataRpc *d)
{
	rpc_client_stream_end(d->cl, d->serial);
	rpc_client_unref(d->cl);
	g_queue_clear_full(&d->packets, (GDestroyNotify)g_bytes_unref);
	g_mutex_clear(&d->lock);
	g_cond_clear(&d->cond);
	g_free(d->msg);
	g_free(d);
}

static void
data_close(HvDataStream *s)
{
	DataRpc *d = s->priv;
	g_autoptr(GError) e = NULL;

	if (!d->ended && !d->failed && end(d, RPC_ERROR, &e) < 0)
		g_debug("stream of procedure %d: abort: %s", d->proc, e->message);
	data_rpc_free(d);
	g_free(s);
}

static const HvDataStreamOps data_ops = { .read = data_read, .write = data_write,
					  .finish = data_finish, .close = data_close };

int
rpc_data_open(RpcClient *cl, int32_t proc, const RpcMsg *args, uint64_t offset,
	      uint64_t length, HvDataStream **out, GError **err)
{
	return rpc_data_open_ret(cl, proc, args, NULL, offset, length, out, err);
}

int
rpc_data_open_ret(RpcClient *cl, int32_t proc, const RpcMsg *args, RpcMsg *ret,
		  uint64_t offset, uint64_t length, HvDataStream **out, GError **err)
{
	DataRpc *d = g_new0(DataRpc, 1);
	HvDataStream *s;
	RpcCall *call;
	int rc;

	d->cl = rpc_client_ref(cl);
	d->proc = proc;
	g_mutex_init(&d->lock);
	g_cond_init(&d->cond);
	g_queue_init(&d->packets);
	call = rpc_client_send_stream(cl, proc, args, on_packet, d, &d->serial, err);
	rc = call ? rpc_client_wait(call, ret, err) : -EIO;
	if (rc < 0) {
		d->ended = true;
		data_rpc_free(d);
		return rc;
	}
	s = g_new0(HvDataStream, 1);
	s->ops = &data_ops;
	s->offset = offset;
	s->end = length ? offset + length : UINT64_MAX;
	s->priv = d;
	*out = s;
	return 0;
}
