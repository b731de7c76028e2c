/* test_qemu_command.c: the qemu driver's command-line builder, one domain
 * document per case in xml/, compared with golden/NAME.args (one argument a
 * line) or golden/NAME.err (the refusal message); plus the JSON reader and the
 * sorted tables. A case named layout-* is also its own layout (QemuPaths.layout):
 * its PCI addresses become bus=pci.0,addr= (qemu_command_addr.c).
 * HYPERFS_REGENERATE=1 rewrites the golden files for review. */
#include <string.h>
#include "drivers/qemu/qemu_command.h"
#include "util/json.h"

static const char *srcdir;

/* Pool 'p' holds volume 'v' (qcow2) and 'r' (raw); pool 'ceph' (rbd, Ceph
 * pool 'rbd', two monitors) holds 'img' (cephx user admin) and 'open' (no
 * auth); pool 'lun' (iscsi-direct with CHAP user 'me') holds 'unit:0:0:1';
 * nothing else exists. */
static int
fake_resolve(void *opaque, const char *pool, const char *volume, StorageVolSource *out,
	     GError **err)
{
	static const char key[] = "\x01\x02" "fake-cephx-key" "\xff";

	if (g_strcmp0(pool, "ceph") == 0 &&
	    (g_strcmp0(volume, "img") == 0 || g_strcmp0(volume, "open") == 0)) {
		out->type = g_strdup("network");
		out->protocol = g_strdup("rbd");
		out->path = g_strdup_printf("rbd/%s", volume);
		out->format = g_strdup("raw");
		out->hosts = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(out->hosts, g_strdup("mon1.example.org:6789"));
		g_ptr_array_add(out->hosts, g_strdup("192.0.2.7"));
		if (g_str_equal(volume, "img")) {
			out->auth_user = g_strdup("admin");
			out->auth_secret = g_bytes_new_static(key, sizeof(key) - 1);
		}
		return 0;
	}
	if (g_strcmp0(pool, "lun") == 0 && g_strcmp0(volume, "unit:0:0:1") == 0) {
		out->type = g_strdup("network");
		out->protocol = g_strdup("iscsi");
		out->path = g_strdup("iqn.2024-01.example:t1/1");
		out->format = g_strdup("raw");
		out->hosts = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(out->hosts, g_strdup("192.0.2.30:3260"));
		out->auth_user = g_strdup("me");
		out->auth_secret = g_bytes_new_static("chap-password", 13);
		return 0;
	}
	if (g_strcmp0(pool, "p") != 0)
		return hv_error_set(err, ENOENT, "storage pool '%s' not found", pool);
	if (g_strcmp0(volume, "v") != 0 && g_strcmp0(volume, "r") != 0)
		return hv_error_set(err, ENOENT, "storage volume '%s' not found in pool '%s'",
				    volume, pool);
	out->path = g_strdup_printf("/pools/p/%s", volume);
	out->format = g_strdup(g_str_equal(volume, "v") ? "qcow2" : "raw");
	return 0;
}

/* The node's secrets: ceph 'client.admin secret' (uuid
 * 3e6a9b52-...-0001) and iscsi 'libvirtiscsi'; the ceph one by uuid or usage. */
static int
fake_secret(void *opaque, const char *type, const char *uuid_or_usage, GBytes **value,
	    GError **err)
{
	static const struct {
		const char *type, *uuid, *usage, *value;
	} rows[] = {
		{ "ceph", "3e6a9b52-1c2d-4e5f-8a9b-0c1d2e3f0001", "client.admin secret",
		  "\x01\x02" "fake-cephx-key" "\xff" },
		{ "iscsi", "3e6a9b52-1c2d-4e5f-8a9b-0c1d2e3f0002", "libvirtiscsi", "chap-password" },
	};

	for (size_t k = 0; k < G_N_ELEMENTS(rows); k++)
		if (g_str_equal(type, rows[k].type) && (g_str_equal(uuid_or_usage, rows[k].uuid) ||
							 g_str_equal(uuid_or_usage, rows[k].usage))) {
			*value = g_bytes_new_static(rows[k].value, strlen(rows[k].value));
			return 0;
		}
	return hv_error_set(err, ENOENT, "no %s secret '%s' (define it in secrets/)", type,
			    uuid_or_usage);
}

/* Network 'default' has bridge virbr0; nothing else exists. */
static int
fake_network(void *opaque, const char *network, QemuNetTarget *out, GError **err)
{
	if (g_strcmp0(network, "default") != 0)
		return hv_error_set(err, ENOENT, "network '%s' not found", network);
	out->bridge = g_strdup("virbr0");
	return 0;
}

static const QemuPaths paths = {
	.qmp = "/run/hq/NAME.qmp",
	.pidfile = "/run/hq/NAME.pid",
	.log = "/run/hq/NAME.log",
	.console = "/run/hq/NAME.console",
	.vnc = "/run/hq/NAME.vnc",
	.resolve_volume = fake_resolve,
	.resolve_network = fake_network,
	.secret_prefix = "/run/hq/NAME.secret",
	.resolve_secret = fake_secret,
};

static char *
render(const char *name)
{
	g_autofree char *path = g_strdup_printf("%s/xml/%s.xml", srcdir, name);
	g_autofree char *xml = NULL;
	g_autoptr(HvDomainDef) def = NULL;
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) argv = NULL;
	g_autofree char *joined = NULL;
	g_autoptr(GPtrArray) taps = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_tap_free);
	g_autoptr(GPtrArray) secrets = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_secret_free);
	g_autoptr(GString) out = g_string_new(NULL);
	QemuPaths p = paths;
	gsize len;

	g_assert_true(g_file_get_contents(path, &xml, &len, NULL));
	def = hv_domain_def_parse(xml, len, &err);
	g_assert_no_error(err);
	p.taps = taps;
	p.secrets = g_str_has_prefix(name, "err-nosecrets-") ? NULL : secrets;
	if (g_str_has_prefix(name, "err-nonet-"))
		p.resolve_network = NULL; /* a driver with no network backend */
	if (g_str_has_prefix(name, "layout-"))
		p.layout = xml; /* its own addresses: the PCI slots of the command line */
	if (qemu_command_build(def, "/usr/bin/qemu-system-x86_64", &p, &argv, &err) < 0)
		return g_strdup_printf("error %d: %s\n", err->code, err->message);
	joined = g_strjoinv("\n", argv);
	g_string_append_printf(out, "%s\n", joined);
	/* the taps the process layer is asked to create, one comment line each */
	for (guint k = 0; k < taps->len; k++) {
		const QemuTap *t = taps->pdata[k];

		if (t->parent) /* a macvtap: the guest's MAC */
			g_string_append_printf(out, "# macvtap fd=%d interface=%u parent=%s mode=%s "
					       "ifname=%s mac=%s\n", t->fd, t->iface, t->parent,
					       t->mode, t->ifname ? t->ifname : "(macvtap%d)",
					       t->guest_mac ? t->guest_mac : "(none)");
		else
			g_string_append_printf(out, "# tap fd=%d interface=%u bridge=%s ifname=%s "
					       "mac=%s\n", t->fd, t->iface, t->bridge,
					       t->ifname ? t->ifname : "(vnet%d)",
					       t->mac ? t->mac : "(none)");
	}
	/* the secret files the process layer is asked to write */
	for (guint k = 0; k < secrets->len; k++) {
		const QemuSecret *s = secrets->pdata[k];
		gsize n;
		const guchar *d = g_bytes_get_data(s->value, &n);
		g_autofree char *b64 = g_base64_encode(d, n);

		g_string_append_printf(out, "# secret id=%s file=%s base64=%s\n", s->id, s->path,
				       b64);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
golden_case(gconstpointer data)
{
	const char *name = data;
	g_autofree char *got = render(name);
	const char *ext = g_str_has_prefix(got, "error ") ? "err" : "args";
	g_autofree char *gold = g_strdup_printf("%s/golden/%s.%s", srcdir, name, ext);
	g_autofree char *want = NULL;

	if (g_getenv("HYPERFS_REGENERATE")) {
		g_assert_true(g_file_set_contents(gold, got, -1, NULL));
		return;
	}
	if (!g_file_get_contents(gold, &want, NULL, NULL))
		g_error("missing golden file %s (HYPERFS_REGENERATE=1 creates it); got:\n%s", gold, got);
	g_assert_cmpstr(got, ==, want);
}

static void
json_reader(void)
{
	static const char *const bad[] = { "", "{", "{\"a\":}", "[1,]", "\"\\u0000\"", "tru",
					   "{\"a\":1}x", "\"\x01\"", NULL };
	g_autoptr(QJson) j = NULL;
	g_autoptr(GError) err = NULL;
	g_autoptr(GString) deep = g_string_new(NULL);
	int64_t v;

	static const char msg[] = "{\"event\":\"STOP\",\"data\":{\"actual\":268435456,"
		"\"guest\":true,\"s\":\"a\\\"b\\u00e9\\ud83d\\ude00\"},\"x\":[1,2.5,null,false]}";

	j = qjson_parse(msg, strlen(msg), &err);
	g_assert_no_error(err);
	g_assert_cmpstr(qjson_get_str(j, "event"), ==, "STOP");
	g_assert_true(qjson_get_int(qjson_get(j, "data"), "actual", &v));
	g_assert_cmpint(v, ==, 268435456);
	g_assert_true(qjson_get_bool(qjson_get(j, "data"), "guest", false));
	g_assert_cmpstr(qjson_get_str(qjson_get(j, "data"), "s"), ==, "a\"b\xc3\xa9\xf0\x9f\x98\x80");
	g_assert_cmpuint(qjson_get(j, "x")->items->len, ==, 4);
	for (int k = 0; bad[k]; k++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(QJson) b = qjson_parse(bad[k], strlen(bad[k]), &e);

		g_assert_null(b);
		g_assert_nonnull(e);
	}
	for (int k = 0; k < QJSON_MAX_DEPTH + 2; k++)
		g_string_append_c(deep, '[');
	g_assert_null(qjson_parse(deep->str, deep->len, NULL));
}

static void
json_writer(void)
{
	g_autoptr(GString) s = g_string_new(NULL);

	qjson_append_str(s, "a\"b\\c\nd");
	g_assert_cmpstr(s->str, ==, "\"a\\\"b\\\\c\\u000ad\"");
}

int
main(int argc, char **argv)
{
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *xmldir = NULL;
	const char *f;

	g_test_init(&argc, &argv, NULL);
	srcdir = argc > 1 ? argv[1] : ".";
	xmldir = g_strdup_printf("%s/xml", srcdir);
	dir = g_dir_open(xmldir, 0, NULL);
	g_assert_nonnull(dir);
	while ((f = g_dir_read_name(dir)))
		if (g_str_has_suffix(f, ".xml"))
			g_ptr_array_add(names, g_strndup(f, strlen(f) - 4));
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	for (guint k = 0; k < names->len; k++) {
		g_autofree char *t = g_strdup_printf("/qemu/command/%s", (char *)names->pdata[k]);

		g_test_add_data_func(t, names->pdata[k], golden_case);
	}
	g_test_add_func("/qemu/json/reader", json_reader);
	g_test_add_func("/qemu/json/writer", json_writer);
	return g_test_run();
}
