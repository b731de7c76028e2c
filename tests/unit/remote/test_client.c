/* test_client.c: remote/client.c against a scripted peer on a unix socket
 * (replies out of order matched by serial, a libvirt error turned into errno, a
 * peer that goes away failing calls at once), the lifecycle mapping both ways,
 * and drivers/conn.c routing DRIVER+TRANSPORT URIs to the remote driver. */
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "drivers/conn.h"
#include "remote/client.h"
#include "remote/proto.h"

static bool
read_full(int fd, void *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return false;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return true;
}

static bool
read_call(int fd, RpcHeader *h)
{
	uint8_t buf[4096], word[4];
	uint32_t len;
	XdrIn in;

	if (!read_full(fd, word, 4) || rpc_frame_length(word, sizeof(buf), &len) < 0 ||
	    !read_full(fd, buf, len - 4))
		return false;
	xdr_in_init(&in, buf, len - 4);
	return rpc_header_decode(&in, h) == 0;
}

static void
reply(int fd, const RpcHeader *call, const XField *shape, const RpcMsg *m)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	RpcHeader h = *call;
	size_t start;

	h.type = RPC_REPLY;
	h.status = RPC_OK;
	start = rpc_frame_begin(out, &h);
	rpc_msg_encode(shape, m, out);
	rpc_frame_end(out, start);
	g_assert_cmpint(write(fd, out->data, out->len), ==, (ssize_t)out->len);
}

/* The peer: two calls answered in reverse order, one error, then it hangs up
 * while a fourth call waits. */
static gpointer
peer_main(gpointer data)
{
	static const XField str[] = { X_STR, X_END }, hyper[] = { X_HYPER, X_END };
	int lfd = GPOINTER_TO_INT(data), fd = accept(lfd, NULL, NULL);
	RpcHeader a, b, c, d;
	g_autoptr(GByteArray) out = g_byte_array_new();

	g_assert_true(read_call(fd, &a) && read_call(fd, &b));
	reply(fd, &b, hyper, &(RpcMsg){ .num = { 42 } });
	reply(fd, &a, str, &(RpcMsg){ .str = { "peer-host" } });
	g_assert_true(read_call(fd, &c));
	c.type = RPC_REPLY;
	rpc_reply_error(out, &c, VIR_ERR_NO_DOMAIN, "Domain not found: 'x'");
	g_assert_cmpint(write(fd, out->data, out->len), ==, (ssize_t)out->len);
	g_assert_true(read_call(fd, &d));
	close(fd);
	return NULL;
}

static void
test_client_peer(void)
{
	g_autofree char *dir = g_dir_make_tmp("hv-client-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "sock", NULL);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	g_autoptr(GError) err = NULL;
	RpcMsg r1 = { 0 }, r2 = { 0 }, lookup = { .str = { "x" }, .has_str = { true } };
	RpcClient *cl;
	RpcCall *c1, *c2, *c4;
	GThread *peer;
	gint64 t;
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);

	g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
	g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	g_assert_cmpint(listen(lfd, 1), ==, 0);
	peer = g_thread_new("peer", peer_main, GINT_TO_POINTER(lfd));

	cl = rpc_client_connect("unix", path, 0, NULL, NULL, NULL, &err);
	g_assert_no_error(err);
	c1 = rpc_client_send(cl, 59 /* hostname */, NULL, &err);
	c2 = rpc_client_send(cl, 4 /* version */, NULL, &err);
	g_assert_nonnull(c1);
	g_assert_nonnull(c2);
	g_assert_cmpint(rpc_client_wait(c1, &r1, &err), ==, 0);
	g_assert_cmpint(rpc_client_wait(c2, &r2, &err), ==, 0);
	g_assert_cmpstr(r1.str[0], ==, "peer-host");
	g_assert_cmpint(r2.num[0], ==, 42);
	rpc_msg_clear(&r1);

	g_assert_cmpint(rpc_client_call(cl, 23, &lookup, &r1, &err), ==, -ENOENT);
	g_assert_cmpstr(err->message, ==, "Domain not found: 'x'");
	g_clear_error(&err);

	t = g_get_monotonic_time();
	c4 = rpc_client_send(cl, 59, NULL, &err);
	g_assert_cmpint(rpc_client_wait(c4, NULL, &err), ==, -ENOTCONN);
	g_assert_cmpint(g_get_monotonic_time() - t, <, G_USEC_PER_SEC);
	g_clear_error(&err);
	g_assert_false(rpc_client_alive(cl));
	g_assert_null(rpc_client_send(cl, 59, NULL, &err));
	g_assert_error(err, HV_ERROR, ENOTCONN);
	g_assert_cmpuint(rpc_client_calls(cl), ==, 4);

	rpc_client_unref(cl);
	g_thread_join(peer);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

static void
test_lifecycle_words(void)
{
	static const char *const pairs[][2] = {
		{ "defined", "added" }, { "undefined", "removed" }, { "started", "booted" },
		{ "suspended", "paused" }, { "resumed", "unpaused" }, { "stopped", "destroyed" },
		{ "shutdown", "finished" }, { "crashed", "panicked" },
	};
	const char *ev, *det;
	int type, code;

	for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++) {
		g_assert_true(rpc_lifecycle_event(pairs[i][0], pairs[i][1], &type, &code));
		g_assert_true(rpc_lifecycle_words(type, code, &ev, &det));
		g_assert_cmpstr(ev, ==, pairs[i][0]);
		g_assert_cmpstr(det, ==, pairs[i][1]);
	}
	g_assert_true(rpc_lifecycle_words(2, 99, &ev, &det)); /* unknown detail */
	g_assert_cmpstr(ev, ==, "started");
	g_assert_cmpstr(det, ==, "-");
	g_assert_false(rpc_lifecycle_words(99, 0, &ev, &det));
}

static void
test_routing(void)
{
	static const struct {
		const char *uri;
		int err;
		const char *msg;
	} cases[] = {
		{ "qemu+libssh://root@web2/system", ENOTSUP, "transport 'libssh' is not supported" },
		{ "test+libssh2://root@127.0.0.1:1/default", ECONNREFUSED, "cannot connect to '127.0.0.1:1'" },
		{ "test+ext:///default", EINVAL, "needs command=" },
		{ "test+tls:///default", EINVAL, "needs a host" },
		{ "test+bogus:///default", ENOTSUP, "no driver serves" },
		{ "test+unix:///default?socket=/nonexistent/hv-sock", ENOENT, "/nonexistent/hv-sock" },
		{ "test+tcp:///default", EINVAL, "needs a host" },
	};
	HvConn *c;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) err = NULL;

		g_assert_null(hv_conn_open(cases[i].uri, false, &err));
		g_assert_error(err, HV_ERROR, cases[i].err);
		g_assert_nonnull(strstr(err->message, cases[i].msg));
	}
	c = hv_conn_open("test:///default", false, NULL);
	g_assert_nonnull(c);
	g_assert_cmpstr(c->driver->name, ==, "test");
	hv_conn_close(c);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/remote/client/peer", test_client_peer);
	g_test_add_func("/remote/client/lifecycle-words", test_lifecycle_words);
	g_test_add_func("/remote/client/routing", test_routing);
	return g_test_run();
}
