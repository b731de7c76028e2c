/* test_node.c: unit tests for the test driver's <node> document, inline and
 * with file= references resolved against a temporary directory. */
#include "conf/node_conf.h"
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
	g_assert_cmpuint(strlen(d->uuid), ==, 36);
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

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/conf/node/file", test_node_file);
	g_test_add_func("/conf/node/refs-refused", test_node_refs_refused);
	g_test_add_func("/conf/node/bad-child", test_node_bad_child);
	return g_test_run();
}
