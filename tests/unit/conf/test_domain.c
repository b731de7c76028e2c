/* test_domain.c: unit tests for the domain model (conf/domain_*.c): typed
 * fields, units, uuid forms, semantic check messages, format and copy. */
#include "conf/domain_conf.h"
#include <string.h>

#define DOM_HEAD "<domain type='test'><name>d1</name>"

static HvDomainDef *
parse(const char *xml, GError **err)
{
	return hv_domain_def_parse(xml, strlen(xml), err);
}

static void
test_fields(void)
{
	const char *xml =
		"<domain type='kvm'>\n"
		"  <name>guest</name>\n"
		"  <uuid>C7A5FDBDEDAF9455926AD65C16DB1809</uuid>\n"
		"  <title>T</title><description>D &amp; more</description>\n"
		"  <memory unit='MiB'>512</memory>\n"
		"  <currentMemory unit='b'>1025</currentMemory>\n"
		"  <vcpu current='2'>4</vcpu>\n"
		"  <os><type arch='x86_64'>hvm</type></os>\n"
		"  <devices>\n"
		"    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
		"<source file='/var//lib/x.img'/><target dev='vda' bus='virtio'/><readonly/></disk>\n"
		"    <disk type='volume'><source pool='p' volume='v'/><target dev='vdb'/></disk>\n"
		"    <interface type='network'><mac address='52:54:00:AB:CD:EF'/>"
		"<source network='default'/><target dev='vnet0'/><model type='virtio'/></interface>\n"
		"  </devices>\n"
		"</domain>\n";
	g_autoptr(GError) err = NULL;
	g_autoptr(HvDomainDef) def = parse(xml, &err);
	HvDomainDiskDef *d;
	HvDomainNetDef *n;

	g_assert_no_error(err);
	g_assert_cmpstr(def->type, ==, "kvm");
	g_assert_cmpstr(def->name, ==, "guest");
	g_assert_cmpstr(def->uuid, ==, "c7a5fdbd-edaf-9455-926a-d65c16db1809");
	g_assert_cmpstr(def->title, ==, "T");
	g_assert_cmpstr(def->description, ==, "D & more");
	g_assert_cmpuint(def->max_memory_kib, ==, 524288);
	g_assert_cmpuint(def->current_memory_kib, ==, 2);
	g_assert_cmpuint(def->max_vcpus, ==, 4);
	g_assert_cmpuint(def->vcpus, ==, 2);
	g_assert_cmpstr(def->os_type, ==, "hvm");
	g_assert_cmpstr(def->arch, ==, "x86_64");
	g_assert_cmpuint(def->disks->len, ==, 2);
	d = def->disks->pdata[0];
	g_assert_cmpstr(d->device, ==, "disk");
	g_assert_cmpstr(d->type, ==, "file");
	g_assert_cmpstr(d->source, ==, "/var/lib/x.img");
	g_assert_cmpstr(d->driver_type, ==, "qcow2");
	g_assert_cmpstr(d->target_dev, ==, "vda");
	g_assert_cmpstr(d->target_bus, ==, "virtio");
	g_assert_true(d->readonly);
	d = def->disks->pdata[1];
	g_assert_cmpstr(d->source_pool, ==, "p");
	g_assert_cmpstr(d->source_volume, ==, "v");
	g_assert_false(d->readonly);
	n = def->interfaces->pdata[0];
	g_assert_cmpstr(n->type, ==, "network");
	g_assert_cmpstr(n->mac, ==, "52:54:00:ab:cd:ef");
	g_assert_cmpstr(n->source, ==, "default");
	g_assert_cmpstr(n->target_dev, ==, "vnet0");
	g_assert_cmpstr(n->model, ==, "virtio");
}

static void
test_units(void)
{
	static const struct {
		const char *unit;
		const char *val;
		uint64_t kib;
	} cases[] = {
		{ "b", "2048", 2 }, { "bytes", "1", 1 }, { "k", "3", 3 }, { "KiB", "3", 3 },
		{ "KB", "1024", 1000 }, { "M", "1", 1024 }, { "MiB", "2", 2048 },
		{ "MB", "1", 977 }, { "G", "1", 1048576 }, { "GiB", "1", 1048576 },
		{ "GB", "1", 976563 }, { "T", "1", 1073741824 }, { "TiB", "1", 1073741824 },
		{ "TB", "1", 976562500 }, { NULL, "7", 7 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *xml = g_strdup_printf(DOM_HEAD "<memory%s%s%s>%s</memory></domain>",
						       cases[i].unit ? " unit='" : "",
						       cases[i].unit ? cases[i].unit : "",
						       cases[i].unit ? "'" : "", cases[i].val);
		g_autoptr(GError) err = NULL;
		g_autoptr(HvDomainDef) def = parse(xml, &err);

		g_assert_no_error(err);
		g_assert_cmpuint(def->max_memory_kib, ==, cases[i].kib);
		g_assert_cmpuint(def->current_memory_kib, ==, cases[i].kib);
	}
}

static void
test_errors(void)
{
	static const struct {
		const char *xml;
		const char *needle;
	} cases[] = {
		{ "<domain type='test'><memory>1</memory></domain>", "element name" },
		{ "<domain type='test'><name>a/b</name></domain>", "<name>" },
		{ "<domain type='test'><name>..</name></domain>", "<name>" },
		{ DOM_HEAD "<uuid>xyz</uuid></domain>", "<uuid>" },
		/* a <currentMemory> above <memory> is clamped (virDomainDefPostParseMemory),
		 * a <maxMemory> below it refused */
		{ DOM_HEAD "<maxMemory slots='1' unit='KiB'>5</maxMemory><memory unit='KiB'>10</memory></domain>",
		  "<maxMemory>" },
		{ DOM_HEAD "<memory unit='parsec'>10</memory></domain>", "<memory>" },
		{ DOM_HEAD "<memory>-3</memory></domain>", "<memory>" },
		{ DOM_HEAD "<memory unit='EiB'>100</memory></domain>", "<memory>" },
		{ DOM_HEAD "<vcpu current='3'>2</vcpu></domain>", "<vcpu" },
		{ DOM_HEAD "<vcpu>0</vcpu></domain>", "<vcpu>" },
		{ DOM_HEAD "<devices><disk type='file'><target dev='vda'/></disk>"
		  "<disk type='file'><target dev='vda'/></disk></devices></domain>", "<disk>" },
		{ DOM_HEAD "<devices><interface type='user'><mac address='zz'/></interface></devices></domain>",
		  "<interface>" },
		{ "<network><name>n</name></network>", "<domain>" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) err = NULL;
		g_autoptr(HvDomainDef) def = parse(cases[i].xml, &err);

		if (def || !err)
			g_error("case %zu accepted: %s", i, cases[i].xml);
		g_assert_cmpint(err->code, ==, EINVAL);
		if (!strstr(err->message, cases[i].needle))
			g_error("case %zu: '%s' lacks '%s'", i, err->message, cases[i].needle);
	}
}

static void
test_format_copy(void)
{
	const char *xml = DOM_HEAD "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
			  "<memory unit='MiB'>1</memory><vcpu current='1'>2</vcpu>"
			  "<features><unknown a=\"x\">keep</unknown></features></domain>";
	g_autoptr(HvDomainDef) def = parse(xml, NULL);
	g_autoptr(HvDomainDef) copy = NULL;
	g_autofree char *out = NULL;
	g_autofree char *out2 = NULL;

	g_assert_nonnull(def);
	out = hv_domain_def_format(def);
	g_assert_cmpstr(out, ==,
			"<domain type='test'>\n"
			"  <name>d1</name>\n"
			"  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>\n"
			"  <memory unit='KiB'>1024</memory>\n"
			"  <currentMemory unit='KiB'>1024</currentMemory>\n"
			"  <vcpu placement='static' current='1'>2</vcpu>\n"
			"  <features>\n"
			"    <unknown a='x'>keep</unknown>\n"
			"  </features>\n"
			/* virDomainDefFormatInternal's defaults */
			"  <clock offset='utc'/>\n"
			"  <on_poweroff>destroy</on_poweroff>\n"
			"  <on_reboot>restart</on_reboot>\n"
			"  <on_crash>destroy</on_crash>\n"
			"</domain>\n");
	copy = hv_domain_def_copy(def);
	out2 = hv_domain_def_format(copy);
	g_assert_cmpstr(out, ==, out2);
}

/* What the driver fills in (a MAC, memory) is written, and survives a copy;
 * the live form puts id= after type=; the kept document keeps namespaced
 * elements, escapes and the test namespace's hints. */
static void
test_generated_and_live(void)
{
	const char *xml = "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
			  "<name>d1</name><memory>1024</memory>"
			  "<description>a &amp; b&#10;c</description><test:runstate>3</test:runstate>"
			  "<devices><interface type='network'><source network='default'/></interface>"
			  "</devices></domain>";
	g_autoptr(HvDomainDef) def = parse(xml, NULL);
	g_autoptr(HvDomainDef) copy = NULL;
	g_autofree char *out = NULL;
	g_autofree char *copied = NULL;
	g_autofree char *live = NULL;
	HvDomainNetDef *n;

	g_assert_nonnull(def);
	g_assert_cmpint(def->test_runstate, ==, 3);
	g_assert_false(def->test_transient);
	n = def->interfaces->pdata[0];
	g_assert_null(n->mac);
	n->mac = g_strdup("52:54:00:01:02:03");
	def->max_memory_kib = def->current_memory_kib = 2048;
	out = hv_domain_def_format(def);
	g_assert_nonnull(strstr(out, "    <interface type='network'>\n"
				     "      <mac address='52:54:00:01:02:03'/>\n"
				     "      <source network='default'/>\n"));
	g_assert_nonnull(strstr(out, "<memory unit='KiB'>2048</memory>"));
	g_assert_nonnull(strstr(out, "<description>a &amp; b\nc</description>"));
	g_assert_nonnull(strstr(out, "<test:runstate>3</test:runstate>"));
	copy = hv_domain_def_copy(def);
	copied = hv_domain_def_format(copy);
	g_assert_cmpstr(copied, ==, out);
	g_assert_cmpint(copy->test_runstate, ==, 3);
	live = hv_domain_def_format_live(def, 7);
	g_assert_true(g_str_has_prefix(live, "<domain type='test' id='7' xmlns:test="));
	g_assert_cmpstr(strchr(live, '\n'), ==, strchr(out, '\n'));
}

static void
test_uuid(void)
{
	g_autoptr(HvDomainDef) def = parse(DOM_HEAD "</domain>", NULL);
	g_autofree char *out = NULL;

	g_assert_nonnull(def);
	g_assert_cmpstr(def->uuid, ==, "");
	hv_domain_def_ensure_uuid(def);
	g_assert_cmpuint(strlen(def->uuid), ==, 36);
	g_assert_cmpint(def->uuid[14], ==, '4');
	out = hv_domain_def_format(def);
	g_assert_nonnull(strstr(out, def->uuid));
}

static void
test_extra(void)
{
	const char *xml =
		DOM_HEAD "<maxMemory slots='4' unit='GiB'>2</maxMemory><vcpu placement='auto'>2</vcpu>"
		"<os><type machine='pc'>hvm</type><kernel>/k</kernel><boot dev='hd'/><boot dev='cdrom'/></os>"
		"<features><acpi/><pae/></features><cpu mode='host-model'/><clock offset='utc'/>"
		"<on_crash>preserve</on_crash>"
		"<devices><controller type='usb' index='0' model='qemu-xhci'/>"
		"<serial type='pty'><target port='0'/></serial>"
		"<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng></devices></domain>";
	g_autoptr(GError) err = NULL;
	g_autoptr(HvDomainDef) def = parse(xml, &err);
	HvDomainDeviceDef *d;

	g_assert_no_error(err);
	g_assert_cmpuint(def->max_memory_hotplug_kib, ==, 2097152);
	g_assert_cmpuint(def->max_memory_slots, ==, 4);
	g_assert_cmpstr(def->vcpu_placement, ==, "auto");
	g_assert_cmpstr(def->machine, ==, "pc");
	g_assert_cmpstr(def->kernel, ==, "/k");
	g_assert_cmpuint(def->boot_devs->len, ==, 2);
	g_assert_cmpstr(def->boot_devs->pdata[1], ==, "cdrom");
	g_assert_cmpuint(def->features->len, ==, 2);
	g_assert_cmpstr(def->cpu_mode, ==, "host-model");
	g_assert_cmpstr(def->clock_offset, ==, "utc");
	g_assert_cmpstr(def->on_poweroff, ==, "destroy");
	g_assert_cmpstr(def->on_crash, ==, "preserve");
	g_assert_cmpuint(def->devices->len, ==, 3);
	d = def->devices->pdata[0];
	g_assert_cmpstr(d->kind, ==, "controller");
	g_assert_cmpint(d->index, ==, 0);
	g_assert_cmpstr(d->model, ==, "qemu-xhci");
	d = def->devices->pdata[2];
	g_assert_cmpstr(d->kind, ==, "rng");
	g_assert_cmpstr(d->source, ==, "/dev/urandom");
}

static gpointer
parse_many(gpointer data)
{
	const char *xml = data;

	for (int i = 0; i < 500; i++) {
		g_autoptr(GError) err = NULL;
		g_autoptr(HvDomainDef) def = parse(xml, &err);

		g_assert_no_error(err);
		g_assert_cmpuint(def->disks->len, ==, 1);
	}
	return NULL;
}

/* 8 threads x 500 parses of a typical guest: the grammar is shared, the
 * validation contexts are not; also a rough speed check for big nodes. */
static void
test_threads(void)
{
	const char *xml =
		"<domain type='kvm'><name>t</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
		"<memory unit='KiB'>219136</memory><vcpu placement='static'>1</vcpu>"
		"<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>"
		"<clock offset='utc'/><on_poweroff>destroy</on_poweroff>"
		"<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
		"<disk type='block' device='disk'><source dev='/dev/HostVG/t'/>"
		"<target dev='hda' bus='ide'/><address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>"
		"<controller type='ide' index='0'/><interface type='user'><mac address='52:54:00:00:00:01'/></interface>"
		"<input type='mouse' bus='ps2'/><memballoon model='virtio'/></devices></domain>";
	GThread *t[8];
	gint64 start = g_get_monotonic_time();

	for (int i = 0; i < 8; i++)
		t[i] = g_thread_new("parse", parse_many, (gpointer)xml);
	for (int i = 0; i < 8; i++)
		g_thread_join(t[i]);
	g_test_message("4000 domain parses on 8 threads: %.3f s",
		       (g_get_monotonic_time() - start) / 1e6);
}

/* hv_domain_xml_hide_secrets: each input and what libvirt shows without
 * VIR_DOMAIN_XML_SECURE. */
static const struct {
	const char *in, *out;
} hide_rows[] = {
	{ "<graphics type='vnc' port='-1' passwd='s3cret'/>", "<graphics type='vnc' port='-1'/>" },
	{ "<graphics type='vnc' passwd='x' passwdValidTo='2030-01-01T00:00:00'>",
	  "<graphics type='vnc' passwdValidTo='2030-01-01T00:00:00'>" },
	{ "<graphics passwd=\"a'b\" type='spice'>", "<graphics type='spice'>" },
	{ "<graphics type='vnc' passwd = 'a>b' keymap='de'/>", "<graphics type='vnc' keymap='de'/>" },
	{ "<graphics\n  passwd='x'\n  type='vnc'/>", "<graphics\n  type='vnc'/>" },
	{ "<a passwd='keep'/><graphics type='rdp' passwd='x'/><b passwd='keep'/>",
	  "<a passwd='keep'/><graphics type='rdp'/><b passwd='keep'/>" },
	{ "<graphicsX passwd='keep'/>", "<graphicsX passwd='keep'/>" },
	{ "<graphics type='vnc' passwd='unterminated", "<graphics type='vnc' passwd='unterminated" },
	{ "<graphics", "<graphics" },
	{ "", "" },
};

static void
test_hide_secrets(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(hide_rows); i++) {
		g_autofree char *out = hv_domain_xml_hide_secrets(hide_rows[i].in);

		g_assert_cmpstr(out, ==, hide_rows[i].out);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/conf/domain/fields", test_fields);
	g_test_add_func("/conf/domain/units", test_units);
	g_test_add_func("/conf/domain/errors", test_errors);
	g_test_add_func("/conf/domain/format-copy", test_format_copy);
	g_test_add_func("/conf/domain/uuid", test_uuid);
	g_test_add_func("/conf/domain/hide-secrets", test_hide_secrets);
	g_test_add_func("/conf/domain/generated-live", test_generated_and_live);
	g_test_add_func("/conf/domain/extra", test_extra);
	g_test_add_func("/conf/domain/threads", test_threads);
	return g_test_run();
}
