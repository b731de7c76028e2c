/* ro_peer.c: the read-only test's peers (test_readonly.c): libvirt's
 * dispatcher in-process (its own node, its own event registrations) or a unix
 * socket to a real server, and calls on either by procedure row (arguments
 * encoded and the reply decoded with the row's shapes). */
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "tests/unit/remote/ro_peer.h"
static int
local_open(RpcClientCtx *c, const char *uri, GError **err)
{
	Peer *p = c->owner;

	p->base = hv_conn_open(URI, false, err);
	c->conn = p->base ? hv_conn_view_new(p->base, c->readonly, "test") : NULL;
	return c->conn ? 0 : -EIO;
}

static void
local_close(RpcClientCtx *c)
{
	Peer *p = c->owner;

	g_clear_pointer(&c->conn, hv_conn_close);
	g_clear_pointer(&p->base, hv_conn_close);
}

/* In-process event registrations, numbered as the server numbers them. */
static int
local_register(RpcClientCtx *c, HvObjKind kind, int event_id, const char *name, GError **err)
{
	Peer *p = c->owner;
	int id = ++p->next_cb;

	g_array_append_val(p->cbs, id);
	return id;
}

static int
local_deregister(RpcClientCtx *c, int id, GError **err)
{
	Peer *p = c->owner;

	for (guint i = 0; i < p->cbs->len; i++)
		if (g_array_index(p->cbs, int, i) == id) {
			g_array_remove_index(p->cbs, i);
			return 0;
		}
	return hv_error_set(err, ENOENT, "no event callback %d", id);
}

Peer *
peer_local(void)
{
	Peer *p = g_new0(Peer, 1);

	p->fd = -1;
	p->cbs = g_array_new(FALSE, FALSE, sizeof(int));
	p->ctx = (RpcClientCtx){ .owner = p, .open = local_open, .close = local_close,
				 .event_register = local_register,
				 .event_deregister = local_deregister };
	return p;
}

void
peer_free(Peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	else if (p->ctx.close)
		local_close(&p->ctx);
	if (p->cbs)
		g_array_unref(p->cbs);
	g_free(p);
}

static void
read_exact(int fd, void *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		g_assert_cmpint(r, >, 0);
		got += (size_t)r;
	}
}

/* One call: RPC_OK or RPC_ERROR, and the reply body. */
int
peer_call(Peer *p, int proc, const GByteArray *body, GByteArray **reply)
{
	RpcHeader h = { RPC_PROGRAM, RPC_PROTOCOL_VERSION, proc, RPC_CALL, ++p->serial, RPC_OK };
	g_autoptr(GByteArray) out = g_byte_array_new();
	RpcHeader rh;
	uint32_t len;
	XdrIn in;

	if (p->fd < 0) {
		rpc_dispatch(&p->ctx, &h, body ? body->data : NULL, body ? body->len : 0, out);
	} else {
		size_t start = rpc_frame_begin(out, &h);

		if (body)
			g_byte_array_append(out, body->data, body->len);
		rpc_frame_end(out, start);
		g_assert_cmpint(write(p->fd, out->data, out->len), ==, (gssize)out->len);
		for (;;) { /* skip anything that is not our reply */
			g_byte_array_set_size(out, 4);
			read_exact(p->fd, out->data, 4);
			g_assert_cmpint(rpc_frame_length(out->data, RPC_MAX_FRAME, &len), ==, 0);
			g_byte_array_set_size(out, len);
			read_exact(p->fd, out->data + 4, len - 4);
			xdr_in_init(&in, out->data + 4, len - 4);
			g_assert_cmpint(rpc_header_decode(&in, &rh), ==, 0);
			if (rh.type == RPC_REPLY && rh.serial == h.serial)
				break;
		}
	}
	xdr_in_init(&in, out->data + 4, out->len - 4);
	g_assert_cmpint(rpc_header_decode(&in, &rh), ==, 0);
	g_assert_cmpuint(rh.serial, ==, h.serial);
	*reply = g_byte_array_new();
	g_byte_array_append(*reply, out->data + 28, out->len - 28);
	return rh.status;
}

/* A call by row: args encoded and the reply decoded with its shapes; 0, or the
 * libvirt error code (negative) with *msg. */
int
call_msg(Peer *p, int proc, const RpcMsg *a, RpcMsg *r, char **msg)
{
	const RpcProc *row = rpc_proc_lookup(proc);
	g_autoptr(GByteArray) body = g_byte_array_new();
	g_autoptr(GByteArray) reply = NULL;
	RpcMsg none = { 0 };
	XdrIn in;
	int st;

	rpc_msg_encode(row->args, a ? a : &none, body);
	st = peer_call(p, proc, body, &reply);
	xdr_in_init(&in, reply->data, reply->len);
	if (st != RPC_OK) {
		RpcError e = { 0 };
		int code;

		g_assert_cmpint(rpc_error_decode(&in, &e), ==, 0);
		code = e.code;
		if (msg)
			*msg = g_steal_pointer(&e.message);
		rpc_error_clear(&e);
		return -code;
	}
	if (r)
		g_assert_cmpint(rpc_msg_decode(row->ret, &in, r), ==, 0);
	return 0;
}

void
must(Peer *p, int proc, const RpcMsg *a, RpcMsg *r)
{
	g_autofree char *msg = NULL;
	int rc = call_msg(p, proc, a, r, &msg);

	if (rc)
		g_error("%s failed: %s", rpc_proc_lookup(proc)->name, msg);
}

/* Opens the connection and registers one callback of each kind (ids 1, 2, 3),
 * so that a deregistration has one to remove. */
void
open_conn(Peer *p, bool readonly)
{
	RpcMsg a = { .str = { URI }, .has_str = { true } };
	static const int procs[] = { 316, 313, 368 };

	p->ctx.readonly = readonly;
	must(p, 1, &a, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(procs); i++) {
		RpcMsg e = { 0 }, r = { 0 };

		must(p, procs[i], &e, &r);
		g_assert_cmpint(r.num[0], ==, (int64_t)i + 1);
	}
}

Peer *
peer_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	Peer *p = g_new0(Peer, 1);

	g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
	p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(connect(p->fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	return p;
}
