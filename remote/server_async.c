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
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>
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

/* Finished calls go back to the main loop through a queue of ours and an
 * eventfd the loop watches (util/fdwatch.h), not through g_idle_add, whose
 * lock and allocations are glib's own: a ThreadSanitizer build sees our locks
 * only (util/tsan_glib.c), and this way each call's hand-over is one it sees. */
static GMutex done_lock;
static GQueue done_calls = G_QUEUE_INIT;
static int done_fd = -1;
static HvFdWatch *done_watch;

static void slow_done(SlowCall *s);

static void
done_ready(int fd, GIOCondition cond, void *data)
{
	uint64_t n;
	GQueue calls = G_QUEUE_INIT;

	(void)cond;
	(void)data;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		g_warning("slow calls: cannot read their eventfd: %s", g_strerror(errno));
	g_mutex_lock(&done_lock);
	calls = done_calls;
	done_calls = (GQueue)G_QUEUE_INIT;
	g_mutex_unlock(&done_lock);
	for (GList *l = calls.head; l; l = l->next)
		slow_done(l->data);
	g_list_free(calls.head);
}

/* On the main loop, before the first slow call: the eventfd and its watch. */
static void
done_setup(void)
{
	if (done_fd >= 0)
		return;
	done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (done_fd < 0)
		g_error("slow calls: no eventfd: %s", g_strerror(errno));
	done_watch = hv_fd_watch_new(done_fd, G_IO_IN, done_ready, NULL);
}

static void
done_push(SlowCall *s)
{
	uint64_t one = 1;

	g_mutex_lock(&done_lock);
	g_queue_push_tail(&done_calls, s);
	g_mutex_unlock(&done_lock);
	if (write(done_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		g_warning("slow calls: cannot write their eventfd: %s", g_strerror(errno));
}

static void
slow_done(SlowCall *s)
{
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
}

static gpointer
slow_thread(gpointer data)
{
	SlowCall *s = data;
	gsize len;
	const uint8_t *body = g_bytes_get_data(s->body, &len);

	rpc_dispatch(&s->ctx, &s->h, body, len, s->reply);
	done_push(s);
	return NULL;
}

void
hv_client_dispatch_slow(Client *cl, const RpcHeader *h, const uint8_t *body, size_t len)
{
	SlowCall *s = g_new0(SlowCall, 1);

	done_setup();
	s->ctx = cl->ctx;
	s->ctx.stream_open = slow_stream_open;
	s->cl = cl;
	s->h = *h;
	s->body = g_bytes_new(body, len);
	s->reply = g_byte_array_new();
	cl->async++;
	g_thread_unref(g_thread_new("rpc-slow", slow_thread, s));
}
