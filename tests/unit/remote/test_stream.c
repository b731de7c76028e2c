/* test_stream.c: libvirt's stream packets end to end: hyperfsd's server
 * (in-process, on its own thread) serving a qemu node's dir pool, and the
 * remote driver's volume upload and download (client_data.c) against it:
 * bytes go up and come back the same, a part from an offset, an aborted upload
 * stops writing, a missing volume and a read-only client are refused. */
#include <string.h>
#include <glib/gstdio.h>
#include "drivers/conn.h"
#include "remote/server.h"

typedef struct {
	char *dir, *sock, *sock_ro, *root, *pool;
	HvServer *srv;
	GThread *thread;
	HvConn *c;
} Fix;

static gpointer
server_main(gpointer data)
{
	hv_server_run(data);
	return NULL;
}

static HvConn *
open_node(Fix *f, const char *sock, bool ro)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *uri = g_strdup_printf("qemu+unix:///system?socket=%s&root=%s", sock,
					       f->root);
	HvConn *c = hv_conn_open(uri, ro, &err);

	g_assert_no_error(err);
	return c;
}

static void
fix_setup(Fix *f, gconstpointer data)
{
	HvServerLimits lim = { .max_clients = 8, .max_requests = 5, .max_frame = RPC_MAX_FRAME,
			       .max_queued = RPC_MAX_FRAME, .default_uri = "test:///default" };
	g_autoptr(GError) err = NULL;
	g_autofree char *l1 = NULL, *l2 = NULL, *xml = NULL;

	f->dir = g_dir_make_tmp("hv-stream-XXXXXX", &err);
	g_assert_no_error(err);
	f->sock = g_build_filename(f->dir, "sock", NULL);
	f->sock_ro = g_build_filename(f->dir, "sock-ro", NULL);
	f->root = g_build_filename(f->dir, "root", NULL);
	f->pool = g_build_filename(f->dir, "pool", NULL);
	g_mkdir(f->pool, 0755);
	l1 = g_strconcat("unix:", f->sock, NULL);
	l2 = g_strconcat("unix-ro:", f->sock_ro, NULL);
	f->srv = hv_server_new(&lim);
	g_assert_cmpint(hv_server_listen(f->srv, l1, &err), ==, 0);
	g_assert_cmpint(hv_server_listen(f->srv, l2, &err), ==, 0);
	f->thread = g_thread_new("server", server_main, f->srv);
	f->c = open_node(f, f->sock, false);
	xml = g_strdup_printf("<pool type='dir'><name>p</name><target><path>%s</path></target>"
			      "</pool>", f->pool);
	g_assert_cmpint(HV_CALL(f->c, pool, define_xml, HV_WRITES, &err, xml, NULL), ==, 0);
	g_assert_cmpint(HV_CALL(f->c, pool, start, HV_WRITES, &err, "p"), ==, 0);
	g_assert_cmpint(HV_CALL(f->c, volume, create_xml, HV_WRITES, &err, "p",
				"<volume><name>v</name><capacity unit='bytes'>4096</capacity>"
				"</volume>", NULL), ==, 0);
}

static void
fix_teardown(Fix *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

	HV_CALL(f->c, pool, stop, HV_WRITES, &err, "p");
	hv_conn_close(f->c);
	hv_server_quit(f->srv);
	g_thread_join(f->thread);
	hv_server_free(f->srv);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->dir);
	g_free(f->sock);
	g_free(f->sock_ro);
	g_free(f->root);
	g_free(f->pool);
}

static GBytes *
pattern(size_t n)
{
	uint8_t *b = g_malloc(n);

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7 + i / 251);
	return g_bytes_new_take(b, n);
}

static int
upload(HvConn *c, const char *vol, uint64_t off, GBytes *data, bool finish, GError **err)
{
	HvDataStream *s = NULL;
	gsize n;
	const uint8_t *p = g_bytes_get_data(data, &n);
	int rc = HV_CALL(c, volume, upload, HV_WRITES, err, "p", vol, off, 0, 0, &s);

	if (rc < 0)
		return rc;
	for (gsize done = 0; rc == 0 && done < n; done += 100000) /* writes of any size */
		rc = s->ops->write(s, p + done, MIN(100000, n - done), err);
	if (rc == 0 && finish)
		rc = s->ops->finish(s, err);
	s->ops->close(s);
	return rc;
}

static GBytes *
download(HvConn *c, uint64_t off, uint64_t len, GError **err)
{
	g_autoptr(GByteArray) got = g_byte_array_new();
	HvDataStream *s = NULL;
	uint8_t buf[70000];
	gssize n;

	if (HV_CALL(c, volume, download, HV_READS, err, "p", "v", off, len, 0, &s) < 0)
		return NULL;
	while ((n = s->ops->read(s, buf, sizeof(buf), err)) > 0)
		g_byte_array_append(got, buf, (guint)n);
	g_assert_cmpint(n, ==, 0);
	g_assert_cmpint(s->ops->finish(s, err), ==, 0);
	s->ops->close(s);
	return g_byte_array_free_to_bytes(g_steal_pointer(&got));
}

static void
test_round_trip(Fix *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) in = pattern(3 * 262120 + 12345); /* several packets and a tail */
	g_autoptr(GBytes) out = NULL, part = NULL, want = NULL;

	g_assert_cmpint(upload(f->c, "v", 0, in, true, &err), ==, 0);
	g_assert_no_error(err);
	out = download(f->c, 0, 0, &err);
	g_assert_no_error(err);
	g_assert_true(g_bytes_equal(in, out));
	part = download(f->c, 1000, 5000, &err);
	want = g_bytes_new_from_bytes(in, 1000, 5000);
	g_assert_true(g_bytes_equal(part, want));
}

static void
test_abort(Fix *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) in = pattern(5000), more = pattern(600000), out = NULL;

	g_assert_cmpint(upload(f->c, "v", 0, in, true, &err), ==, 0);
	/* given up at once: close without finish; the daemon confirms the abort */
	g_assert_cmpint(upload(f->c, "v", 5000, more, false, &err), ==, 0);
	g_assert_no_error(err);
	/* the connection goes on, and the first upload is there */
	out = download(f->c, 0, 5000, &err);
	g_assert_true(g_bytes_equal(in, out));
}

static void
test_refused(Fix *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL, e2 = NULL, e3 = NULL;
	g_autoptr(GBytes) in = pattern(10);
	HvConn *ro = open_node(f, f->sock_ro, false);
	HvDataStream *s = NULL;

	g_assert_cmpint(upload(f->c, "nosuch", 0, in, true, &err), ==, -ENOENT);
	g_assert_nonnull(strstr(err->message, "nosuch"));
	/* the read-only socket: libvirt refuses both ways there */
	g_assert_cmpint(HV_CALL(ro, volume, download, HV_READS, &e2, "p", "v", 0, 0, 0, &s), ==,
			-EACCES);
	g_assert_nonnull(strstr(e2->message, "read only access prevents virStorageVolDownload"));
	/* sparse streams are refused by name */
	g_assert_cmpint(HV_CALL(f->c, volume, download, HV_READS, &e3, "p", "v", 0, 0, 1, &s), ==,
			-ENOTSUP);
	g_assert_nonnull(strstr(e3->message, "sparse"));
	hv_conn_close(ro);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/stream/round-trip", Fix, NULL, fix_setup, test_round_trip, fix_teardown);
	g_test_add("/stream/abort", Fix, NULL, fix_setup, test_abort, fix_teardown);
	g_test_add("/stream/refused", Fix, NULL, fix_setup, test_refused, fix_teardown);
	return g_test_run();
}
