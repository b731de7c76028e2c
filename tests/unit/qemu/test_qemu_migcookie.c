/* test_qemu_migcookie.c: the qemu driver's migration cookie
 * (qemu_migcookie.c, docs/moving-and-keeping.md "The cookie"): what begin,
 * prepare and perform write (libvirt's <qemu-migration> XML with a <hyperfs>
 * element) is read back; a cookie as libvirtd's qemu driver writes it is read
 * (<nbd port=>, <nbd><disk>, <statistics>); the older text form is still read;
 * a peer's garbage (not XML, another root, another magic line, a bad disk, a
 * port out of range, a name with '/', too many disks, counts that are not
 * counts, an entity declaration) is refused with EINVAL and a reason; keys
 * and elements a later version adds are skipped. */
#include <errno.h>
#include <string.h>
#include "drivers/qemu/qemu_migcookie.h"

static void
xml_round_trip(void)
{
	g_auto(QemuMigCookie) in = { 0 }, mc = { 0 };
	g_autoptr(GError) err = NULL;
	g_autofree char *text = NULL;
	const QemuMigDisk *d;

	qemu_mig_cookie_init(&in);
	qemu_mig_cookie_add_disk(&in, "vda", 64u << 20, "qcow2", "b00t:2049:1234");
	in.nbd_port = 40211;
	g_ptr_array_add(in.exports, g_strdup("vda"));
	in.stats = true;
	in.total_ms = 1933;
	in.downtime_ms = 27;
	in.ram_bytes = 268967936;
	text = qemu_mig_cookie_format(&in, "web<1>", "4db3b6ef-5a49-402c-8915-e9e102d7c31c");
	g_assert_true(g_str_has_prefix(text, "<qemu-migration>\n  <name>web&lt;1&gt;</name>\n"
					       "  <uuid>4db3b6ef-5a49-402c-8915-e9e102d7c31c</uuid>\n"
					       "  <hostname>"));
	g_assert_nonnull(strstr(text, "  <nbd port='40211'>\n"
				"    <disk target='vda' capacity='67108864'/>\n  </nbd>\n"));
	g_assert_nonnull(strstr(text, "    <time_elapsed>1933</time_elapsed>\n"
				"    <downtime>27</downtime>\n"
				"    <memory_processed>268967936</memory_processed>\n"));
	g_assert_nonnull(strstr(text, "  <hyperfs version='1'>\n    <disk target='vda' capacity="
				"'67108864' format='qcow2' id='b00t:2049:1234'/>\n"
				"    <export target='vda'/>\n  </hyperfs>\n</qemu-migration>\n"));
	g_assert_cmpint(qemu_mig_cookie_parse(text, &mc, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpstr(mc.name, ==, "web<1>");
	g_assert_cmpstr(mc.uuid, ==, "4db3b6ef-5a49-402c-8915-e9e102d7c31c");
	g_assert_cmpstr(mc.hostname, ==, g_get_host_name());
	g_assert_cmpstr(mc.hostuuid, ==, qemu_mig_host_uuid());
	g_assert_cmpuint(strlen(qemu_mig_host_uuid()), ==, 36);
	g_assert_false(mc.from_libvirt);
	g_assert_cmpuint(mc.disks->len, ==, 1); /* <nbd>'s disk is <hyperfs>'s, told once */
	d = mc.disks->pdata[0];
	g_assert_cmpstr(d->format, ==, "qcow2");
	g_assert_cmpstr(d->id, ==, "b00t:2049:1234");
	g_assert_cmpuint(mc.nbd_port, ==, 40211);
	g_assert_cmpstr(mc.exports->pdata[0], ==, "vda");
	g_assert_true(mc.stats);
	g_assert_cmpuint(mc.downtime_ms, ==, 27);
}

/* As libvirtd 9.0's qemu driver writes them: begin with copy-storage,
 * prepare, perform (elements hyperfs does not read are skipped). */
static void
reads_libvirtd(void)
{
	static const char begin[] =
		"<qemu-migration>\n  <name>web1</name>\n"
		"  <uuid>d324015d-b8b6-4467-91eb-86a89ac8560f</uuid>\n"
		"  <hostname>lv</hostname>\n  <hostuuid>5e1ad2c2-0ee5-4c1e-8a4c-5f0f7d9a1b2c</hostuuid>\n"
		"  <feature name='nbd'/>\n  <nbd>\n    <disk target='vda' capacity='67108864'/>\n"
		"  </nbd>\n  <allowReboot value='yes'/>\n  <capabilities>\n"
		"    <cap name='xbzrle' auto='no'/>\n  </capabilities>\n</qemu-migration>\n";
	static const char prepare[] =
		"<qemu-migration>\n  <name>web1</name>\n  <uuid>d324015d-b8b6-4467-91eb-86a89ac8560f"
		"</uuid>\n  <hostname>lv</hostname>\n  <hostuuid>5e1ad2c2-0ee5-4c1e-8a4c-5f0f7d9a1b2c"
		"</hostuuid>\n  <feature name='nbd'/>\n  <nbd port='49153'/>\n</qemu-migration>\n";
	static const char perform[] =
		"<qemu-migration>\n  <name>web1</name>\n  <uuid>d324015d-b8b6-4467-91eb-86a89ac8560f"
		"</uuid>\n  <hostname>lv</hostname>\n  <hostuuid>5e1ad2c2-0ee5-4c1e-8a4c-5f0f7d9a1b2c"
		"</hostuuid>\n  <statistics>\n    <started>1764780000000</started>\n"
		"    <stopped>1764780001200</stopped>\n    <time_elapsed>1200</time_elapsed>\n"
		"    <downtime>112</downtime>\n    <setup_time>3</setup_time>\n"
		"    <memory_total>285024256</memory_total>\n"
		"    <memory_processed>101093376</memory_processed>\n  </statistics>\n"
		"</qemu-migration>\n";
	g_auto(QemuMigCookie) b = { 0 }, p = { 0 }, f = { 0 };

	g_assert_cmpint(qemu_mig_cookie_parse(begin, &b, NULL), ==, 0);
	g_assert_true(b.from_libvirt);
	g_assert_cmpstr(b.name, ==, "web1");
	g_assert_cmpuint(b.disks->len, ==, 1);
	g_assert_cmpstr(((QemuMigDisk *)b.disks->pdata[0])->target, ==, "vda");
	g_assert_cmpuint(((QemuMigDisk *)b.disks->pdata[0])->capacity, ==, 64u << 20);
	g_assert_cmpuint(b.nbd_port, ==, 0);
	g_assert_cmpint(qemu_mig_cookie_parse(prepare, &p, NULL), ==, 0);
	g_assert_cmpuint(p.nbd_port, ==, 49153);
	g_assert_cmpuint(p.exports->len, ==, 0);
	g_assert_cmpint(qemu_mig_cookie_parse(perform, &f, NULL), ==, 0);
	g_assert_true(f.stats);
	g_assert_cmpuint(f.total_ms, ==, 1200);
	g_assert_cmpuint(f.downtime_ms, ==, 112);
	g_assert_cmpuint(f.ram_bytes, ==, 101093376);
}

static void
reads_what_the_phases_write(void)
{
	g_auto(QemuMigCookie) mc = { 0 };
	g_autoptr(GError) err = NULL;
	const QemuMigDisk *d;

	g_assert_cmpint(qemu_mig_cookie_parse("hyperfs-migration 1\n"
					      "disk vda 67108864 qcow2 b00t:2049:1234\n"
					      "disk vdb 1048576 raw -\n\n"
					      "nbd 40211\nexport vda\nlater-key a b c\n",
					      &mc, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpuint(mc.disks->len, ==, 2);
	d = mc.disks->pdata[0];
	g_assert_cmpstr(d->target, ==, "vda");
	g_assert_cmpuint(d->capacity, ==, 64u << 20);
	g_assert_cmpstr(d->format, ==, "qcow2");
	g_assert_cmpstr(d->id, ==, "b00t:2049:1234");
	g_assert_cmpstr(((QemuMigDisk *)mc.disks->pdata[1])->format, ==, "raw");
	g_assert_cmpuint(mc.nbd_port, ==, 40211);
	g_assert_cmpuint(mc.exports->len, ==, 1);
	g_assert_cmpstr(mc.exports->pdata[0], ==, "vda");
}

static void
reads_old_stats(void)
{
	const char *text = "hyperfs-migration 1\nstats 1933 27 268967936\n";
	g_auto(QemuMigCookie) mc = { 0 };
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(qemu_mig_cookie_parse(text, &mc, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_true(mc.stats);
	g_assert_cmpuint(mc.total_ms, ==, 1933);
	g_assert_cmpuint(mc.downtime_ms, ==, 27);
	g_assert_cmpuint(mc.ram_bytes, ==, 268967936);
	g_assert_cmpuint(mc.disks->len, ==, 0);
}

static void
empty_is_no_cookie(void)
{
	for (int k = 0; k < 2; k++) {
		g_auto(QemuMigCookie) mc = { 0 };

		g_assert_cmpint(qemu_mig_cookie_parse(k ? "" : NULL, &mc, NULL), ==, 0);
		g_assert_cmpuint(mc.disks->len, ==, 0);
		g_assert_cmpuint(mc.nbd_port, ==, 0);
		g_assert_false(mc.stats);
	}
}

static void
garbage_is_refused(void)
{
	static const struct {
		const char *text, *reason;
	} bad[] = {
		{ "garbage", "neither libvirt's <qemu-migration> nor hyperfs's text" },
		{ "<domain/>", "expected a <qemu-migration> document" },
		{ "<qemu-migration><nbd port='0'/></qemu-migration>", "bad NBD port" },
		{ "<qemu-migration><nbd port='65536'/></qemu-migration>", "bad NBD port" },
		{ "<qemu-migration><nbd><disk target='vda' capacity='-1'/></nbd></qemu-migration>",
		  "bad disk line" },
		{ "<qemu-migration><nbd><disk capacity='1'/></nbd></qemu-migration>", "bad disk line" },
		{ "<qemu-migration><statistics><downtime>x</downtime></statistics></qemu-migration>",
		  "bad stats line" },
		{ "<qemu-migration><hyperfs version='1'><disk target='../vda' capacity='1' "
		  "format='raw' id='-'/></hyperfs></qemu-migration>", "bad disk line" },
		{ "<qemu-migration><hyperfs version='1'><disk target='vda' capacity='1' "
		  "format='vmdk' id='-'/></hyperfs></qemu-migration>", "bad disk line" },
		{ "<qemu-migration><hyperfs version='1'><export target='a/b'/></hyperfs>"
		  "</qemu-migration>", "bad export" },
		{ "<!DOCTYPE q [<!ENTITY e 'x'>]><qemu-migration><name>&e;</name></qemu-migration>",
		  "neither" },
		{ "hyperfs-migration 2\nnbd 1\n", "not a hyperfs cookie" },
		{ "hyperfs-migration 1\ndisk vda 64 qcow2\n", "needs 4 words" },
		{ "hyperfs-migration 1\ndisk vda -1 qcow2 -\n", "bad disk line" },
		{ "hyperfs-migration 1\ndisk vda 64 vmdk -\n", "bad disk line" },
		{ "hyperfs-migration 1\ndisk ../vda 64 raw -\n", "bad disk line" },
		{ "hyperfs-migration 1\nnbd 0\n", "bad NBD port" },
		{ "hyperfs-migration 1\nnbd 65536\n", "bad NBD port" },
		{ "hyperfs-migration 1\nnbd 80x\n", "bad NBD port" },
		{ "hyperfs-migration 1\nexport a/b\n", "bad export" },
		{ "hyperfs-migration 1\nexport\n", "needs 1 words" },
		{ "hyperfs-migration 1\nstats 1 2\n", "needs 3 words" },
		{ "hyperfs-migration 1\nstats 1 -2 3\n", "bad stats line" },
		{ "hyperfs-migration 1\nstats 1 2 9223372036854775808\n", "bad stats line" },
		{ "hyperfs-migration 1\nstats 1 2 x\n", "bad stats line" },
	};

	for (size_t k = 0; k < G_N_ELEMENTS(bad); k++) {
		g_auto(QemuMigCookie) mc = { 0 };
		g_autoptr(GError) err = NULL;

		g_assert_cmpint(qemu_mig_cookie_parse(bad[k].text, &mc, &err), ==, -EINVAL);
		g_assert_nonnull(err);
		g_assert_cmpint(err->code, ==, EINVAL);
		if (!strstr(err->message, bad[k].reason))
			g_error("'%s': '%s' lacks '%s'", bad[k].text, err->message, bad[k].reason);
	}
}

static void
too_many_disks(void)
{
	for (int xml = 0; xml < 2; xml++) {
		g_autoptr(GString) t = g_string_new(xml ? "<qemu-migration><hyperfs version='1'>"
						    : "hyperfs-migration 1\n");
		g_auto(QemuMigCookie) mc = { 0 };
		g_autoptr(GError) err = NULL;

		for (int k = 0; k < 65; k++)
			g_string_append_printf(t, xml ? "<export target='d%d'/>" : "export d%d\n", k);
		if (xml)
			g_string_append(t, "</hyperfs></qemu-migration>");
		g_assert_cmpint(qemu_mig_cookie_parse(t->str, &mc, &err), ==, -EINVAL);
		g_assert_nonnull(strstr(err->message, "more than 64 disks"));
	}
}

/* Elements and versions hyperfs does not know are skipped. */
static void
later_versions_skipped(void)
{
	g_auto(QemuMigCookie) mc = { 0 };

	g_assert_cmpint(qemu_mig_cookie_parse("<qemu-migration><later a='b'/><hyperfs version='2'>"
					      "<disk target='../x'/></hyperfs><nbd port='7'/>"
					      "</qemu-migration>", &mc, NULL), ==, 0);
	g_assert_cmpuint(mc.nbd_port, ==, 7);
	g_assert_cmpuint(mc.disks->len, ==, 0);
	g_assert_null(mc.name);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/qemu/migcookie/xml-round-trip", xml_round_trip);
	g_test_add_func("/qemu/migcookie/libvirtd", reads_libvirtd);
	g_test_add_func("/qemu/migcookie/later", later_versions_skipped);
	g_test_add_func("/qemu/migcookie/round-trip", reads_what_the_phases_write);
	g_test_add_func("/qemu/migcookie/stats", reads_old_stats);
	g_test_add_func("/qemu/migcookie/empty", empty_is_no_cookie);
	g_test_add_func("/qemu/migcookie/garbage", garbage_is_refused);
	g_test_add_func("/qemu/migcookie/too-many", too_many_disks);
	return g_test_run();
}
