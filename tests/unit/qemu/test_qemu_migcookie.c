/* test_qemu_migcookie.c: the qemu driver's migration cookie reader
 * (qemu_migration_nbd.c, docs/moving-and-keeping.md "The cookie"): what
 * begin, prepare and perform write is read back; a peer's garbage (another
 * magic line, a bad disk line, a port out of range, a name with '/', too many
 * disks, a stats line that is not three counts) is refused with EINVAL and a
 * reason; keys a later version adds are skipped. */
#include <errno.h>
#include <string.h>
#include "drivers/qemu/qemu_migration_nbd.h"

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
reads_perform_stats(void)
{
	g_autofree char *text = qemu_mig_cookie_stats(1933, 27, 268967936);
	g_auto(QemuMigCookie) mc = { 0 };
	g_autoptr(GError) err = NULL;

	g_assert_cmpstr(text, ==, "hyperfs-migration 1\nstats 1933 27 268967936\n");
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
		{ "<qemu-migration><nbd port='1'/></qemu-migration>", "not a hyperfs cookie" },
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
	g_autoptr(GString) t = g_string_new("hyperfs-migration 1\n");
	g_auto(QemuMigCookie) mc = { 0 };
	g_autoptr(GError) err = NULL;

	for (int k = 0; k < 65; k++)
		g_string_append_printf(t, "export d%d\n", k);
	g_assert_cmpint(qemu_mig_cookie_parse(t->str, &mc, &err), ==, -EINVAL);
	g_assert_nonnull(strstr(err->message, "more than 64 disks"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/qemu/migcookie/round-trip", reads_what_the_phases_write);
	g_test_add_func("/qemu/migcookie/stats", reads_perform_stats);
	g_test_add_func("/qemu/migcookie/empty", empty_is_no_cookie);
	g_test_add_func("/qemu/migcookie/garbage", garbage_is_refused);
	g_test_add_func("/qemu/migcookie/too-many", too_many_disks);
	return g_test_run();
}
