/* test_codec.c: remote/'s XDR primitives and RPC codec with good, truncated,
 * oversize and garbage inputs; the procedure table's order and shapes; and the
 * dispatcher end to end against test:///default (read-only refusals, unknown
 * procedures, undecodable arguments, booleans as libvirt reads them). */
#include <string.h>
#include "remote/proto.h"

static void
test_primitives(void)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	XdrIn in;
	bool present;
	char *s;

	xdr_put_u32(b, 0xdeadbeef);
	xdr_put_u64(b, 0x0102030405060708ull);
	xdr_put_string(b, "abcde");
	xdr_put_opt_string(b, NULL);
	xdr_put_opt_string(b, "x");
	g_assert_cmpuint(b->len, ==, 4 + 8 + 4 + 8 + 4 + 4 + 4 + 4);
	xdr_in_init(&in, b->data, b->len);
	g_assert_cmphex(xdr_get_u32(&in), ==, 0xdeadbeef);
	g_assert_cmphex(xdr_get_u64(&in), ==, 0x0102030405060708ull);
	s = xdr_get_string(&in, 16);
	g_assert_cmpstr(s, ==, "abcde");
	g_free(s);
	g_assert_null(xdr_get_opt_string(&in, 16, &present));
	g_assert_false(present);
	s = xdr_get_opt_string(&in, 16, &present);
	g_assert_cmpstr(s, ==, "x");
	g_free(s);
	g_assert_cmpint(xdr_in_finish(&in), ==, 0);

	/* every truncation fails, sticky, without reading past the end */
	for (guint n = 0; n < b->len; n++) {
		xdr_in_init(&in, b->data, n);
		xdr_get_u32(&in);
		xdr_get_u64(&in);
		g_free(xdr_get_string(&in, 16));
		g_free(xdr_get_opt_string(&in, 16, &present));
		g_free(xdr_get_opt_string(&in, 16, &present));
		g_assert_cmpint(xdr_in_finish(&in), ==, -EBADMSG);
	}
}

static void
test_string_limits(void)
{
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xf0, 'a', 'b', 'c', 'd' };
	static const uint8_t over[] = { 0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e', 0, 0, 0 };
	static const uint8_t nul[] = { 0, 0, 0, 3, 'a', 0, 'c', 0 };
	XdrIn in;

	xdr_in_init(&in, huge, sizeof(huge)); /* claims 4 GiB: refused before allocating */
	g_assert_null(xdr_get_string(&in, RPC_STRING_MAX));
	g_assert_true(in.bad);
	xdr_in_init(&in, over, sizeof(over)); /* longer than the caller's limit */
	g_assert_null(xdr_get_string(&in, 4));
	xdr_in_init(&in, nul, sizeof(nul)); /* embedded NUL */
	g_assert_null(xdr_get_string(&in, 16));
	xdr_in_init(&in, huge, sizeof(huge)); /* list count beyond what is there */
	g_assert_cmpuint(xdr_get_count(&in, G_MAXUINT32, 4), ==, 0);
	g_assert_true(in.bad);
}

/* libvirt's decoder takes any nonzero word as true; lengths stay strict. */
static void
test_bool(void)
{
	static const uint32_t words[] = { 1, 2, 0x01000000, 0x80000000, 0xffffffff };
	static const uint8_t truncated[] = { 1, 0, 0, 0, 0, 0, 0, 9, 'a', 'b', 'c', 'd' };
	static const uint8_t opt_le[] = { 1, 0, 0, 0, 0, 0, 0, 1, 'x', 0, 0, 0 };
	XdrIn in;
	bool present;
	char *s;

	for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
		g_autoptr(GByteArray) b = g_byte_array_new();

		xdr_put_u32(b, words[i]);
		xdr_in_init(&in, b->data, b->len);
		g_assert_true(xdr_get_bool(&in));
		g_assert_cmpint(xdr_in_finish(&in), ==, 0);
	}
	xdr_in_init(&in, (const uint8_t[]){ 0, 0, 0, 0 }, 4);
	g_assert_false(xdr_get_bool(&in));
	g_assert_cmpint(xdr_in_finish(&in), ==, 0);
	/* an optional string whose "present" word is 01 00 00 00 (a little-endian 1) */
	xdr_in_init(&in, opt_le, sizeof(opt_le));
	s = xdr_get_opt_string(&in, 16, &present);
	g_assert_true(present);
	g_assert_cmpstr(s, ==, "x");
	g_free(s);
	g_assert_cmpint(xdr_in_finish(&in), ==, 0);
	/* present, but its length says 9 bytes and 4 follow: still refused */
	xdr_in_init(&in, truncated, sizeof(truncated));
	g_assert_null(xdr_get_opt_string(&in, 16, &present));
	g_assert_true(in.bad);
	/* every optional member of a shape */
	{
		static const XField shape[] = { X_OPTSTR, X_OPTDOM, X_OPTNET, X_OPTPOOL, X_END };
		g_autoptr(GByteArray) b = g_byte_array_new();
		RpcMsg m = { 0 };

		xdr_put_u32(b, 7);
		xdr_put_string(b, "uri");
		for (int k = 0; k < 3; k++) {
			xdr_put_u32(b, 0xffffffff);
			xdr_put_string(b, "obj");
			xdr_put_fixed(b, "0123456789abcdef", 16);
			if (k == 0)
				xdr_put_i32(b, 3);
		}
		xdr_in_init(&in, b->data, b->len);
		g_assert_cmpint(rpc_msg_decode(shape, &in, &m), ==, 0);
		g_assert_true(m.has_str[0] && m.has_dom && m.has_net && m.has_pool);
		g_assert_cmpstr(m.dom.name, ==, "obj");
		rpc_msg_clear(&m);
	}
}

static void
test_frame_length(void)
{
	static const struct {
		uint8_t w[4];
		int rc;
	} rows[] = {
		{ { 0, 0, 0, 0 }, -EBADMSG },       { { 0, 0, 0, 27 }, -EBADMSG },
		{ { 0, 0, 0, 28 }, 0 },             { { 0x02, 0, 0, 0 }, 0 },
		{ { 0x02, 0, 0, 1 }, -EMSGSIZE },   { { 0xff, 0xff, 0xff, 0xff }, -EMSGSIZE },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		uint32_t len = 0;

		g_assert_cmpint(rpc_frame_length(rows[i].w, RPC_MAX_FRAME, &len), ==, rows[i].rc);
	}
}

static const XField every[] = { X_INT, X_UINT, X_HYPER, X_STR, X_OPTSTR, X_UUID, X_DOM,
				X_OPTDOM, X_NET, X_POOL, X_VOL, X_MODEL32, X_DOM_LIST,
				X_NET_LIST, X_POOL_LIST, X_VOL_LIST, X_INT_LIST, X_END };

static void
fill(RpcMsg *m)
{
	RpcDom d = { .name = g_strdup("web1"), .id = 7 };
	int32_t none = 0;

	rpc_msg_init_lists(m);
	m->num[0] = -5;
	m->num[1] = 0xfffffffe;
	m->num[2] = 1ll << 40;
	m->str[0] = g_strdup("hello");
	m->str[1] = g_strdup("opt");
	m->has_str[1] = true;
	memset(m->uuid, 0xab, 16);
	m->dom.name = g_strdup("test");
	m->dom.id = 1;
	m->has_dom = true;
	m->net.name = g_strdup("default");
	m->pool.name = g_strdup("default-pool");
	m->vol = (RpcVol){ g_strdup("p"), g_strdup("v"), g_strdup("k") };
	strcpy(m->model, "x86_64");
	g_array_append_val(m->doms, d);
	g_array_append_val(m->ints, none);
}

static void
test_roundtrip(void)
{
	g_autoptr(GByteArray) a = g_byte_array_new();
	g_autoptr(GByteArray) b = g_byte_array_new();
	RpcMsg m = { 0 }, back = { 0 };
	XdrIn in;

	fill(&m);
	rpc_msg_encode(every, &m, a);
	xdr_in_init(&in, a->data, a->len);
	g_assert_cmpint(rpc_msg_decode(every, &in, &back), ==, 0);
	g_assert_cmpint(back.num[0], ==, -5);
	g_assert_cmpint(back.num[1], ==, 0xfffffffe);
	g_assert_cmpint(back.num[2], ==, 1ll << 40);
	g_assert_cmpstr(back.str[1], ==, "opt");
	g_assert_cmpstr(back.model, ==, "x86_64");
	g_assert_cmpstr(g_array_index(back.doms, RpcDom, 0).name, ==, "web1");
	rpc_msg_encode(every, &back, b);
	g_assert_cmpmem(a->data, a->len, b->data, b->len);
	/* every truncation and one trailing byte fail cleanly */
	for (guint n = 0; n <= a->len; n++) {
		RpcMsg t = { 0 };
		g_autoptr(GByteArray) c = g_byte_array_new();

		g_byte_array_append(c, a->data, n);
		if (n == a->len)
			g_byte_array_append(c, (const guint8 *)"\0", 1);
		xdr_in_init(&in, c->data, c->len);
		g_assert_cmpint(rpc_msg_decode(every, &in, &t), ==, -EBADMSG);
		rpc_msg_clear(&t);
	}
	rpc_msg_clear(&m);
	rpc_msg_clear(&back);
}

static void
test_garbage(void)
{
	g_autoptr(GRand) r = g_rand_new_with_seed(42);

	for (int i = 0; i < 20000; i++) {
		uint8_t buf[256];
		size_t n = g_rand_int_range(r, 0, sizeof(buf));
		RpcMsg m = { 0 };
		RpcError e = { 0 };
		XdrIn in;

		for (size_t k = 0; k < n; k++)
			buf[k] = g_rand_int_range(r, 0, 4) ? 0 : (uint8_t)g_rand_int(r);
		xdr_in_init(&in, buf, n);
		rpc_msg_decode(every, &in, &m);
		rpc_msg_clear(&m);
		xdr_in_init(&in, buf, n);
		rpc_error_decode(&in, &e);
		rpc_error_clear(&e);
	}
}

static void
test_table(void)
{
	size_t n;
	const RpcProc *p = rpc_procs(&n);

	for (size_t i = 0; i < n; i++) {
		g_assert_nonnull(p[i].handler);
		g_assert_true(g_str_has_prefix(p[i].name, "vir"));
		if (i)
			g_assert_cmpint(p[i - 1].proc, <, p[i].proc);
		g_assert_true(rpc_proc_lookup(p[i].proc) == &p[i]);
	}
	g_assert_null(rpc_proc_lookup(0));
	g_assert_null(rpc_proc_lookup(999999));
	/* every row that changes something says so */
	g_assert_true(rpc_proc_writes(rpc_proc_lookup(34)));  /* suspend */
	g_assert_false(rpc_proc_writes(rpc_proc_lookup(212))); /* get state */
}

/* ---- the dispatcher against test:///default ---- */

static int
ctx_open(RpcClientCtx *c, const char *uri, GError **err)
{
	c->conn = hv_conn_open(uri ? uri : "test:///default", false, err);
	return c->conn ? 0 : -EIO;
}

static void
ctx_close(RpcClientCtx *c)
{
	g_clear_pointer(&c->conn, hv_conn_close);
}

/* Calls proc with body; returns the reply's status and its body in *reply. */
static int
call(RpcClientCtx *c, int proc, const GByteArray *body, GByteArray **reply)
{
	RpcHeader h = { RPC_PROGRAM, RPC_PROTOCOL_VERSION, proc, RPC_CALL, 77, RPC_OK };
	g_autoptr(GByteArray) out = g_byte_array_new();
	RpcHeader rh;
	uint32_t len;
	XdrIn in;

	rpc_dispatch(c, &h, body ? body->data : NULL, body ? body->len : 0, out);
	g_assert_cmpint(rpc_frame_length(out->data, RPC_MAX_FRAME, &len), ==, 0);
	g_assert_cmpuint(len, ==, out->len);
	xdr_in_init(&in, out->data + 4, out->len - 4);
	g_assert_cmpint(rpc_header_decode(&in, &rh), ==, 0);
	g_assert_cmpuint(rh.serial, ==, 77);
	g_assert_cmpint(rh.type, ==, RPC_REPLY);
	*reply = g_byte_array_new();
	g_byte_array_append(*reply, out->data + 28, out->len - 28);
	return rh.status;
}

static int
error_code(const GByteArray *body, char **msg)
{
	RpcError e = { 0 };
	XdrIn in;
	int code;

	xdr_in_init(&in, body->data, body->len);
	g_assert_cmpint(rpc_error_decode(&in, &e), ==, 0);
	code = e.code;
	*msg = g_steal_pointer(&e.message);
	rpc_error_clear(&e);
	return code;
}

static void
test_dispatch(void)
{
	RpcClientCtx c = { .open = ctx_open, .close = ctx_close };
	g_autoptr(GByteArray) body = g_byte_array_new();
	g_autoptr(GByteArray) reply = NULL;
	g_autofree char *msg = NULL;
	RpcMsg m = { 0 };
	XdrIn in;

	/* before open: only the NO_CONN rows */
	g_assert_cmpint(call(&c, 212, NULL, &reply), ==, RPC_ERROR);
	g_clear_pointer(&reply, g_byte_array_unref);
	g_assert_cmpint(call(&c, 66, NULL, &reply), ==, RPC_OK);
	g_clear_pointer(&reply, g_byte_array_unref);
	/* the URI's "present" word as a client that writes it little-endian: 01 00 00 00 */
	xdr_put_u32(body, 0x01000000);
	xdr_put_string(body, "test:///default");
	xdr_put_u32(body, 0);
	g_assert_cmpint(call(&c, 1, body, &reply), ==, RPC_OK);
	g_clear_pointer(&reply, g_byte_array_unref);

	/* lookup by name, then the state */
	g_byte_array_set_size(body, 0);
	xdr_put_string(body, "test");
	g_assert_cmpint(call(&c, 23, body, &reply), ==, RPC_OK);
	xdr_in_init(&in, reply->data, reply->len);
	g_assert_cmpint(rpc_msg_decode((const XField[]){ X_DOM, X_END }, &in, &m), ==, 0);
	g_assert_cmpstr(m.dom.name, ==, "test");
	g_assert_cmpint(m.dom.id, ==, 1);
	g_clear_pointer(&reply, g_byte_array_unref);

	/* a missing domain is VIR_ERR_NO_DOMAIN */
	g_byte_array_set_size(body, 0);
	xdr_put_string(body, "nosuch");
	g_assert_cmpint(call(&c, 23, body, &reply), ==, RPC_ERROR);
	g_assert_cmpint(error_code(reply, &msg), ==, VIR_ERR_NO_DOMAIN);
	g_clear_pointer(&msg, g_free);
	g_clear_pointer(&reply, g_byte_array_unref);

	/* read-only: suspend refused, state allowed */
	c.readonly = true;
	g_byte_array_set_size(body, 0);
	rpc_msg_encode((const XField[]){ X_DOM, X_END }, &m, body);
	g_assert_cmpint(call(&c, 34, body, &reply), ==, RPC_ERROR);
	g_assert_cmpint(error_code(reply, &msg), ==, VIR_ERR_OPERATION_DENIED);
	g_assert_cmpstr(msg, ==, "operation forbidden: read only access prevents virDomainSuspend");
	g_clear_pointer(&msg, g_free);
	g_clear_pointer(&reply, g_byte_array_unref);
	c.readonly = false;

	/* unknown procedure: VIR_ERR_NO_SUPPORT */
	g_assert_cmpint(call(&c, 4242, body, &reply), ==, RPC_ERROR);
	g_assert_cmpint(error_code(reply, &msg), ==, VIR_ERR_NO_SUPPORT);
	g_clear_pointer(&msg, g_free);
	g_clear_pointer(&reply, g_byte_array_unref);

	/* arguments that do not decode: VIR_ERR_RPC */
	g_byte_array_set_size(body, 0);
	xdr_put_u32(body, 0xffffffff);
	g_assert_cmpint(call(&c, 23, body, &reply), ==, RPC_ERROR);
	g_assert_cmpint(error_code(reply, &msg), ==, VIR_ERR_RPC);
	g_clear_pointer(&msg, g_free);
	g_clear_pointer(&reply, g_byte_array_unref);

	/* suspend works on a writable client */
	g_byte_array_set_size(body, 0);
	rpc_msg_encode((const XField[]){ X_DOM, X_END }, &m, body);
	g_assert_cmpint(call(&c, 34, body, &reply), ==, RPC_OK);
	g_clear_pointer(&reply, g_byte_array_unref);
	xdr_put_u32(body, 0);
	g_assert_cmpint(call(&c, 212, body, &reply), ==, RPC_OK);
	xdr_in_init(&in, reply->data, reply->len);
	g_assert_cmpint(xdr_get_i32(&in), ==, HV_DOMAIN_PAUSED);
	g_clear_pointer(&reply, g_byte_array_unref);

	rpc_msg_clear(&m);
	g_assert_cmpint(call(&c, 2, NULL, &reply), ==, RPC_OK);
	g_assert_null(c.conn);
}

static void
test_lifecycle(void)
{
	int type, detail;

	g_assert_true(rpc_lifecycle_event("stopped", "destroyed", &type, &detail));
	g_assert_cmpint(type, ==, 5);
	g_assert_cmpint(detail, ==, 1);
	g_assert_false(rpc_lifecycle_event("memory-changed", "1024", &type, &detail));
}

static void
test_uuid(void)
{
	uint8_t u[16];
	char s[HV_UUID_STRLEN];

	rpc_uuid_parse("6695eb01-f6a4-8304-79aa-97f2502e193f", u);
	rpc_uuid_format(u, s);
	g_assert_cmpstr(s, ==, "6695eb01-f6a4-8304-79aa-97f2502e193f");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/remote/xdr/primitives", test_primitives);
	g_test_add_func("/remote/xdr/string-limits", test_string_limits);
	g_test_add_func("/remote/xdr/bool", test_bool);
	g_test_add_func("/remote/rpc/frame-length", test_frame_length);
	g_test_add_func("/remote/rpc/roundtrip", test_roundtrip);
	g_test_add_func("/remote/rpc/garbage", test_garbage);
	g_test_add_func("/remote/proto/table", test_table);
	g_test_add_func("/remote/proto/dispatch", test_dispatch);
	g_test_add_func("/remote/proto/lifecycle", test_lifecycle);
	g_test_add_func("/remote/proto/uuid", test_uuid);
	return g_test_run();
}
