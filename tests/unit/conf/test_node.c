/* test_node.c: unit tests for the test driver's <node> document, inline and
 * with file= references resolved against a temporary directory, and large:
 * thousands of domains, lines past 65535, children held to the document limit. */
#include "conf/node_conf.h"
#include "conf/xml.h"
#include <string.h>
#include <glib/gstdio.h>

static const char node_xml[] =
	"<node>\n"
	"  <cpu><nodes>2</nodes><sockets>2</sockets><cores>2</cores><threads>2</threads>"
	"<active>16</active><mhz>4000</mhz><model>i686</model></cpu>\n"
	"  <memory>8192000</memory>\n"
	"  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
	"<name>fv0</name><memory>1024</memory><test:runstate>5</test:runstate></domain>\n"
	"  <domain file='dom2.xml'/>\n"
	"  <network><name>default</name><bridge name='virbr0'/></network>\n"
	"  <pool type='dir'><name>default-pool</name><target><path>/pool</path></target>\n"
	"    <volume><name>a.img</name><capacity>100</capacity></volume>\n"
	"    <volume file='vol.xml'/>\n"
	"  </pool>\n"
	"</node>\n";

static void
test_node_file(void)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = g_dir_make_tmp("hv-node-XXXXXX", &err);
	g_autofree char *node = g_build_filename(dir, "node.xml", NULL);
	g_autofree char *dom = g_build_filename(dir, "dom2.xml", NULL);
	g_autofree char *vol = g_build_filename(dir, "vol.xml", NULL);
	g_autoptr(HvNodeDef) def = NULL;
	HvNodePoolDef *pool;
	HvDomainDef *d;

	g_assert_no_error(err);
	g_assert_true(g_file_set_contents(node, node_xml, -1, NULL));
	g_assert_true(g_file_set_contents(dom, "<domain type='test'><name>fv1</name></domain>", -1, NULL));
	g_assert_true(g_file_set_contents(vol, "<volume><name>b.img</name><capacity unit='KiB'>1</capacity></volume>", -1, NULL));
	def = hv_node_def_parse_file(node, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(def->nodes, ==, 2);
	g_assert_cmpuint(def->active, ==, 16);
	g_assert_cmpuint(def->mhz, ==, 4000);
	g_assert_cmpstr(def->model, ==, "i686");
	g_assert_cmpuint(def->memory_kib, ==, 8192000);
	g_assert_cmpuint(def->domains->len, ==, 2);
	d = def->domains->pdata[0];
	g_assert_cmpstr(d->name, ==, "fv0");
	g_assert_cmpstr(d->uuid, ==, ""); /* the driver fills it, from its seed */
	{
		g_autofree char *out = hv_domain_def_format(d);

		g_assert_nonnull(strstr(out, "<test:runstate>5</test:runstate>"));
		g_assert_nonnull(strstr(out, "xmlns:test="));
	}
	d = def->domains->pdata[1];
	g_assert_cmpstr(d->name, ==, "fv1");
	g_assert_cmpuint(def->networks->len, ==, 1);
	g_assert_cmpuint(def->pools->len, ==, 1);
	pool = def->pools->pdata[0];
	g_assert_cmpstr(pool->def->name, ==, "default-pool");
	g_assert_cmpuint(pool->volumes->len, ==, 2);
	g_assert_cmpuint(((HvVolumeDef *)pool->volumes->pdata[1])->capacity, ==, 1024);
	{
		g_autofree char *out = hv_pool_def_format(pool->def);

		g_assert_null(strstr(out, "<volume"));
	}
	g_unlink(node);
	g_unlink(dom);
	g_unlink(vol);
	g_rmdir(dir);
}

static void
test_node_refs_refused(void)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(HvNodeDef) def = hv_node_def_parse(node_xml, strlen(node_xml), NULL, &err);

	g_assert_null(def);
	g_assert_nonnull(strstr(err->message, "dom2.xml"));
}

static void
test_node_bad_child(void)
{
	const char *xml = "<node><domain type='test'><name>x</name><vcpu>0</vcpu></domain></node>";
	g_autoptr(GError) err = NULL;
	g_autoptr(HvNodeDef) def = hv_node_def_parse(xml, strlen(xml), NULL, &err);

	g_assert_null(def);
	g_assert_nonnull(strstr(err->message, "<vcpu>"));
}

/* n compact domains, each on its own line, after pad blank lines. */
static GString *
big_node(unsigned n, unsigned pad)
{
	GString *s = g_string_new("<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
				  "<cpu><mhz>2400</mhz></cpu>\n");

	for (unsigned i = 0; i < pad; i++)
		g_string_append_c(s, '\n');
	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(s,
			"<domain type='test'><name>vm%05u</name>"
			"<uuid>%08x-0000-4000-8000-%012x</uuid><memory unit='KiB'>1048576</memory>"
			"<vcpu>2</vcpu><os><type arch='x86_64'>hvm</type></os><devices>"
			"<disk type='file' device='disk'><source file='/i/vm%05u.img'/>"
			"<target dev='vda' bus='virtio'/></disk><interface type='network'>"
			"<mac address='52:54:00:00:%02x:%02x'/><source network='default'/></interface>"
			"</devices>%s</domain>\n",
			i, i, i, i, (i >> 8) & 255, i & 255,
			i % 7 ? "" : "<test:runstate>5</test:runstate>");
	return s;
}

static void
test_node_many(void)
{
	g_autoptr(GString) s = big_node(2000, 0);
	g_autoptr(GError) err = NULL;
	g_autoptr(HvNodeDef) def = NULL;

	g_string_append(s, "<x:meta xmlns:x='urn:x'><x:any a='1'>text</x:any></x:meta>\n"
			   "<network><name>default</name></network>\n</node>\n");
	def = hv_node_def_parse(s->str, s->len, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(def->mhz, ==, 2400);
	g_assert_cmpuint(def->domains->len, ==, 2000);
	g_assert_cmpuint(def->networks->len, ==, 1);
	for (unsigned i = 0; i < 2000; i++) {
		HvDomainDef *d = def->domains->pdata[i];
		g_autofree char *name = g_strdup_printf("vm%05u", i);
		g_autofree char *uuid = g_strdup_printf("%08x-0000-4000-8000-%012x", i, i);

		g_assert_cmpstr(d->name, ==, name);
		g_assert_cmpstr(d->uuid, ==, uuid);
		g_assert_cmpuint(d->max_memory_kib, ==, 1048576);
		g_assert_cmpuint(d->disks->len, ==, 1);
		g_assert_cmpuint(d->interfaces->len, ==, 1);
	}
	{
		/* the test namespace, declared on <node>, goes with the domain */
		g_autofree char *out = hv_domain_def_format(def->domains->pdata[1995]);

		g_assert_nonnull(strstr(out, "<test:runstate>5</test:runstate>"));
		g_assert_nonnull(strstr(out, "xmlns:test='http://libvirt.org/schemas/domain/test/1.0'"));
		g_assert_nonnull(strstr(out, "\n  <name>vm01995</name>\n"));
	}
}

/* A domain's error names its line in the node, past libxml2's 65535, and its
 * own line counted from 1 as if it stood alone; the first in document order
 * wins, even when the domains are parsed by several threads. */
static void
test_node_error_lines(void)
{
	g_autoptr(GString) s = big_node(300, 70000);
	g_autoptr(GError) err = NULL;
	g_autoptr(HvNodeDef) def = NULL;

	g_string_append(s, "<domain type='test'>\n<name>bad</name>\n<vcpu>x</vcpu>\n</domain>\n");
	g_string_append(s, "<domain type='test'><name>bad2</name><vcpu>0</vcpu></domain>\n");
	g_string_append(s, "<network><name>bad net</name></network>\n</node>\n");
	def = hv_node_def_parse(s->str, s->len, NULL, &err);
	g_assert_null(def);
	g_assert_nonnull(err);
	g_assert_true(g_str_has_prefix(err->message, "node line 70303: line 3: domain document"));
	g_assert_nonnull(strstr(err->message, "vcpu"));
}

/* Domains are parsed while the rest is read, networks after: still, of two
 * faulty children the first in the document is told. */
static void
test_node_first_error(void)
{
	static const char bad_net[] = "<network><name>bad/net</name></network>";
	static const char bad_dom[] = "<domain type='test'><name>bad</name><vcpu>0</vcpu></domain>";

	for (int net_first = 0; net_first < 2; net_first++) {
		g_autoptr(GString) s = big_node(300, 0);
		g_autoptr(GError) err = NULL;
		g_autoptr(HvNodeDef) def = NULL;

		g_string_append_printf(s, "%s%s\n</node>\n", net_first ? bad_net : bad_dom,
				       net_first ? bad_dom : bad_net);
		def = hv_node_def_parse(s->str, s->len, NULL, &err);
		g_assert_null(def);
		g_assert_true(g_str_has_prefix(err->message, "node line 303: "));
		g_assert_nonnull(strstr(err->message, net_first ? "network" : "vCPUs"));
	}
}

/* file= domains among many inline ones, read on the parsing threads. */
static void
test_node_many_files(void)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = g_dir_make_tmp("hv-node-XXXXXX", &err);
	g_autofree char *dom = g_build_filename(dir, "dom.xml", NULL);
	g_autoptr(GString) s = big_node(150, 0);
	g_autoptr(HvNodeDef) def = NULL;

	g_assert_no_error(err);
	g_assert_true(g_file_set_contents(dom, "<domain type='test'><name>f</name></domain>", -1,
					  NULL));
	for (int i = 0; i < 150; i++)
		g_string_append(s, i % 2 ? "<domain file='dom.xml'/>\n" : "<domain file='./dom.xml'/>\n");
	g_string_append(s, "</node>\n");
	def = hv_node_def_parse(s->str, s->len, dir, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(def->domains->len, ==, 300);
	g_assert_cmpstr(((HvDomainDef *)def->domains->pdata[149])->name, ==, "vm00149");
	g_assert_cmpstr(((HvDomainDef *)def->domains->pdata[150])->name, ==, "f");
	g_assert_cmpstr(((HvDomainDef *)def->domains->pdata[299])->name, ==, "f");
	g_clear_pointer(&def, hv_node_def_free);

	g_string_truncate(s, s->len - strlen("</node>\n"));
	g_string_append(s, "<domain file='missing.xml'/>\n</node>\n");
	def = hv_node_def_parse(s->str, s->len, dir, &err);
	g_assert_null(def);
	g_assert_true(g_str_has_prefix(err->message, "node line 303: "));
	g_assert_nonnull(strstr(err->message, "missing.xml"));
	g_unlink(dom);
	g_rmdir(dir);
}

/* The node grammar still sees every child: an unknown element or a second
 * <cpu> after hundreds of domains is refused, with its line. */
static void
test_node_skeleton(void)
{
	static const char *const tails[] = { "<bogus/>", "<cpu/>" };

	for (size_t i = 0; i < G_N_ELEMENTS(tails); i++) {
		g_autoptr(GString) s = big_node(600, 0);
		g_autoptr(GError) err = NULL;
		g_autoptr(HvNodeDef) def = NULL;

		g_string_append_printf(s, "%s\n</node>\n", tails[i]);
		def = hv_node_def_parse(s->str, s->len, NULL, &err);
		g_assert_null(def);
		g_assert_nonnull(err);
		g_assert_nonnull(strstr(err->message, "node document does not match the grammar"));
		if (i == 0)
			g_assert_true(g_str_has_prefix(err->message, "line 603: "));
	}
}

/* Past HV_XML_MAX_SIZE a node is fine, but not a child that large. */
static void
test_node_sizes(void)
{
	g_autoptr(GString) s = big_node(3, 0);
	g_autoptr(GError) err = NULL;
	g_autoptr(HvNodeDef) def = NULL;
	gsize at;

	g_string_append_len(s, "<!--", 4);
	for (unsigned i = 0; i < HV_XML_MAX_SIZE / 64 + 16; i++)
		g_string_append(s, "  padding padding padding padding padding padding padding pad\n");
	g_string_append(s, "-->\n");
	at = s->len;
	g_string_append(s, "</node>\n");
	def = hv_node_def_parse(s->str, s->len, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(def->domains->len, ==, 3);
	g_clear_pointer(&def, hv_node_def_free);

	g_string_truncate(s, at);
	g_string_append(s, "<domain type='test'><name>huge</name><description>");
	for (unsigned i = 0; i < HV_XML_MAX_SIZE / 64 + 16; i++)
		g_string_append(s, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n");
	g_string_append(s, "</description></domain>\n</node>\n");
	def = hv_node_def_parse(s->str, s->len, NULL, &err);
	g_assert_null(def);
	g_assert_error(err, HV_ERROR, EFBIG);
	g_assert_nonnull(strstr(err->message, "<domain> is larger than"));
}

/* The refusals of a single document hold for the node. */
static void
test_node_refusals(void)
{
	static const char *const docs[] = {
		"<!DOCTYPE node [<!ENTITY e 'x'>]><node><domain type='test'><name>&e;</name></domain></node>",
		"<node><domain type='test'><name>&amp;x</name><title>&unknown;</title></domain></node>",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(docs); i++) {
		g_autoptr(GError) err = NULL;
		g_autoptr(HvNodeDef) def = hv_node_def_parse(docs[i], strlen(docs[i]), NULL, &err);

		g_assert_null(def);
		g_assert_nonnull(err);
	}
	{
		g_autoptr(GString) s = g_string_new("<node><domain type='test'><name>x</name>");
		g_autoptr(GError) err = NULL;
		g_autoptr(HvNodeDef) def = NULL;

		for (int i = 0; i < HV_XML_MAX_DEPTH; i++)
			g_string_append(s, "<metadata>");
		def = hv_node_def_parse(s->str, s->len, NULL, &err);
		g_assert_null(def);
		g_assert_nonnull(strstr(err->message, "nested deeper"));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/conf/node/file", test_node_file);
	g_test_add_func("/conf/node/refs-refused", test_node_refs_refused);
	g_test_add_func("/conf/node/bad-child", test_node_bad_child);
	g_test_add_func("/conf/node/many", test_node_many);
	g_test_add_func("/conf/node/error-lines", test_node_error_lines);
	g_test_add_func("/conf/node/first-error", test_node_first_error);
	g_test_add_func("/conf/node/many-files", test_node_many_files);
	g_test_add_func("/conf/node/skeleton", test_node_skeleton);
	g_test_add_func("/conf/node/sizes", test_node_sizes);
	g_test_add_func("/conf/node/refusals", test_node_refusals);
	return g_test_run();
}
