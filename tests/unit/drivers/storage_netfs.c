/* storage_netfs.c: unit tests for what the netfs backend decides without a
 * server: a pool's <source> read and refused (netfs_source_of, its NFS
 * version), an image's format and size from its first bytes
 * (storage_img_header), and of a local file in-process or through qemu-img
 * (storage_img_probe, against qemu-img's own answers), the URLs QEMU opens
 * network disks by (storage_network_url), and libnfs's failures as errnos.
 * The real server is tests/storage/test_netfs.py's. */
#include <string.h>
#include <glib/gstdio.h>
#include "drivers/storage/storage_netfs.h"

static void
sources(void)
{
	static const struct {
		const char *source; /* inside <source> */
		int err;            /* 0, or the errno */
		const char *dir;    /* as read */
		unsigned version;
	} cases[] = {
		{ "<host name='h'/><dir path='/srv/x'/>", 0, "/srv/x" },
		{ "<host name='h'/><dir path='/export'/><protocol ver='4'/>", 0, "/export", 4 },
		{ "<host name='h'/><dir path='/x'/><format type='nfs'/><protocol ver='3'/>", 0, "/x", 3 },
		{ "<host name='h'/><dir path='/export'/><protocol ver='5'/>", EINVAL, NULL },
		{ "<host name='h'/><dir path='/x'/><format type='cifs'/><protocol ver='4'/>", EINVAL,
		  NULL },
		{ "<host name='h'/><dir path='/srv/x//'/><format type='nfs'/>", 0, "/srv/x" },
		{ "<host name='h'/><dir path='/'/>", 0, "/" },
		{ "<dir path='/srv/x'/>", EINVAL, NULL },
		{ "<host name='a/b'/><dir path='/srv/x'/>", EINVAL, NULL },
		{ "<host name='h'/>", EINVAL, NULL },
		{ "<host name='h'/><dir path='srv/x'/>", EINVAL, NULL },
		{ "<host name='h'/><dir path='/srv/../etc'/>", EINVAL, NULL },
		{ "<host name='h'/><dir path='/srv/x'/><format type='zfs'/>", EINVAL, NULL },
	};

	for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
		g_autofree char *xml = g_strdup_printf("<pool type='netfs'><name>n</name><source>%s"
						       "</source><target><path>/t</path></target>"
						       "</pool>", cases[k].source);
		g_autoptr(HvPoolDef) def = hv_pool_def_parse(xml, strlen(xml), NULL);
		g_autoptr(GError) err = NULL;
		g_auto(NetfsSource) s = { 0 };
		int r;

		if (!def) { /* the grammar refused it already: fine for an error case */
			g_assert_cmpint(cases[k].err, !=, 0);
			continue;
		}
		r = netfs_source_of(def, &s, &err);
		g_assert_cmpint(r, ==, -cases[k].err);
		if (r == 0) {
			g_assert_cmpstr(s.dir, ==, cases[k].dir);
			g_assert_cmpuint(s.version, ==, cases[k].version);
		}
		else
			g_assert_true(strstr(err->message, "storage pool 'n'"));
	}
}

/* storage_img_probe answers what qemu-img info answers: in-process for
 * raw and a plain qcow2, through qemu-img for a qcow2 with a backing file
 * and for the formats it knows besides (vmdk, vdi, qed). */
static void
probes(void)
{
	static const struct {
		const char *name, *make; /* a qemu-img create, or NULL: 1000 bytes of text */
		const char *format;
	} cases[] = {
		{ "a.raw", NULL, "raw" },
		{ "b.qcow2", "-f qcow2 @ 48M", "qcow2" },
		{ "c.qcow2", "-f qcow2 -b b.qcow2 -F qcow2 @", "qcow2" }, /* b.qcow2 beside it */
		{ "d.vmdk", "-f vmdk @ 16M", "vmdk" },
		{ "e.vdi", "-f vdi @ 16M", "vdi" },
		{ "f.qed", "-f qed @ 16M", "qed" },
	};
	g_autofree char *dir = g_dir_make_tmp("hv-probe-XXXXXX", NULL);

	if (!g_find_program_in_path("qemu-img")) {
		g_test_skip("qemu-img is not installed");
		return;
	}
	for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
		g_autofree char *path = g_build_filename(dir, cases[k].name, NULL);
		g_autoptr(StorageVol) mine = storage_vol_new("v", path);
		g_autoptr(StorageVol) theirs = storage_vol_new("v", path);
		g_autoptr(GError) err = NULL;

		if (!cases[k].make) { /* 1000 bytes: qemu-img says 1024 */
			g_autofree char *text = g_strnfill(1000, 'x');

			g_assert_true(g_file_set_contents(path, text, 1000, NULL));
		} else {
			g_auto(GStrv) words = g_strsplit(cases[k].make, " ", -1);
			g_autoptr(GPtrArray) argv = g_ptr_array_new();
			g_autofree char *serr = NULL;
			int status;

			g_ptr_array_add(argv, "qemu-img");
			g_ptr_array_add(argv, "create");
			g_ptr_array_add(argv, "-q");
			for (char **w = words; *w; w++)
				g_ptr_array_add(argv, g_str_equal(*w, "@") ? path : *w);
			g_ptr_array_add(argv, NULL);
			g_assert_true(g_spawn_sync(dir, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH,
						   NULL, NULL, NULL, &serr, &status, NULL));
			if (!g_spawn_check_wait_status(status, NULL))
				g_error("qemu-img create %s: %s", cases[k].make, serr);
		}
		g_assert_cmpint(storage_img_probe(path, mine, &err), ==, 0);
		g_assert_no_error(err);
		g_assert_cmpint(storage_img_info(path, theirs, &err), ==, 0);
		g_assert_cmpstr(mine->format, ==, cases[k].format);
		g_assert_cmpstr(mine->format, ==, theirs->format);
		g_assert_cmpuint(mine->capacity, ==, theirs->capacity);
		g_assert_cmpstr(mine->backing, ==, theirs->backing);
		g_assert_cmpstr(mine->backing_format, ==, theirs->backing_format);
	}
	for (size_t k = G_N_ELEMENTS(cases); k-- > 0;) {
		g_autofree char *path = g_build_filename(dir, cases[k].name, NULL);

		g_unlink(path);
	}
	g_rmdir(dir);
}

static void
headers(void)
{
	uint8_t q[512] = "QFI\xfb";
	g_autoptr(StorageVol) v = storage_vol_new("v", "nfs://h/x/v");

	storage_img_header(v, (const uint8_t *)"plain bytes", 11, 4096);
	g_assert_cmpstr(v->format, ==, "raw");
	g_assert_cmpuint(v->capacity, ==, 4096);
	/* version 3, backing file "base.img" at 0x100, virtual size 32 MiB */
	q[7] = 3;
	q[14] = 0x01; /* backing_file_offset 0x100 */
	q[19] = 8;    /* backing_file_size */
	q[28] = 0x02; /* size: 0x02000000 */
	memcpy(q + 0x100, "base.img", 8);
	storage_img_header(v, q, sizeof(q), 196616);
	g_assert_cmpstr(v->format, ==, "qcow2");
	g_assert_cmpuint(v->capacity, ==, 32u << 20);
	g_assert_cmpstr(v->backing, ==, "base.img");
	/* a backing name past what was read is not made up */
	storage_img_header(v, q, 0x104, 196616);
	g_assert_null(v->backing);
	/* too short for a header: raw */
	storage_img_header(v, q, 8, 8);
	g_assert_cmpstr(v->format, ==, "raw");
}

static void
urls(void)
{
	static const struct {
		const char *protocol, *host, *path, *url;
	} cases[] = {
		{ "nfs", "192.0.2.1", "/export/a.img", "nfs://192.0.2.1/export/a.img" },
		{ "nfs", "srv", "export/a.img", "nfs://srv/export/a.img" },
		{ "iscsi", "192.0.2.2:3260", "iqn.2024-01.x:t/1", "iscsi://192.0.2.2:3260/iqn.2024-01.x:t/1" },
		{ "gluster", "h", "v/i", NULL },
		{ "nfs", "", "/x", NULL },
		{ "nfs", NULL, "/x", NULL },
		{ NULL, "h", "/x", NULL },
	};

	for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
		g_autofree char *u = storage_network_url(cases[k].protocol, cases[k].host,
							 cases[k].path);

		g_assert_cmpstr(u, ==, cases[k].url);
	}
}

#ifdef HV_WITH_LIBNFS
static void
errnos(void)
{
	g_assert_cmpint(netfs_nfs_errno(-ENOENT, "NFS3ERR_NOENT"), ==, ENOENT);
	g_assert_cmpint(netfs_nfs_errno(-EFAULT, "mount_cb: RPC error. Program is not available"),
			==, ECONNREFUSED);
	g_assert_cmpint(netfs_nfs_errno(-EIO, "nfs_service failed"), ==, ECONNRESET);
	g_assert_cmpint(netfs_nfs_errno(-EIO, "command timed out"), ==, ETIMEDOUT);
	g_assert_cmpint(netfs_nfs_errno(-1000000, NULL), ==, EIO);
	g_assert_false(netfs_nfs_wire_failure(EEXIST));
	g_assert_true(netfs_nfs_wire_failure(ETIMEDOUT));
}
#endif

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/storage/netfs/sources", sources);
	g_test_add_func("/storage/netfs/headers", headers);
	g_test_add_func("/storage/img/probes", probes);
	g_test_add_func("/storage/netfs/urls", urls);
#ifdef HV_WITH_LIBNFS
	g_test_add_func("/storage/netfs/errnos", errnos);
#endif
	return g_test_run();
}
