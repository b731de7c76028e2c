/* test_storage.c: unit tests for the network, pool and volume models. */
#include "conf/network_conf.h"
#include "conf/storage_conf.h"
#include <string.h>

static void
test_network(void)
{
	const char *xml = "<network><name>default</name><uuid>81ff0d90c91e6742a7cb000000000000</uuid>"
			  "<forward mode='nat'/><bridge name='virbr0' stp='on'/>"
			  "<ip address='192.168.122.1' prefix='24'/></network>";
	g_autoptr(GError) err = NULL;
	g_autoptr(HvNetworkDef) def = hv_network_def_parse(xml, strlen(xml), &err);
	g_autoptr(HvNetworkDef) copy = NULL;
	g_autofree char *out = NULL;

	g_assert_no_error(err);
	g_assert_cmpstr(def->name, ==, "default");
	g_assert_cmpstr(def->uuid, ==, "81ff0d90-c91e-6742-a7cb-000000000000");
	g_assert_cmpstr(def->bridge, ==, "virbr0");
	g_assert_cmpstr(def->forward_mode, ==, "nat");
	g_assert_cmpuint(def->ips->len, ==, 1); /* nat needs an <ip> (virNetworkDefParseXML) */
	copy = hv_network_def_copy(def);
	g_assert_cmpstr(copy->bridge, ==, "virbr0");
	out = hv_network_def_format(copy);
	g_assert_nonnull(strstr(out, "<bridge name='virbr0'"));
}

static void
test_network_isolated(void)
{
	const char *xml = "<network><name>iso</name></network>";
	g_autoptr(HvNetworkDef) def = hv_network_def_parse(xml, strlen(xml), NULL);

	g_assert_nonnull(def);
	g_assert_null(def->forward_mode);
	g_assert_null(def->bridge);
	hv_network_def_ensure_uuid(def);
	g_assert_cmpuint(strlen(def->uuid), ==, 36);
}

static void
test_pool(void)
{
	const char *xml = "<pool type='dir'><name>p</name>"
			  "<capacity unit='GiB'>1</capacity><allocation>100</allocation>"
			  "<available unit='KiB'>2</available>"
			  "<target><path>///var/////lib//images/</path></target></pool>";
	g_autoptr(GError) err = NULL;
	g_autoptr(HvPoolDef) def = hv_pool_def_parse(xml, strlen(xml), &err);
	g_autofree char *out = NULL;

	g_assert_no_error(err);
	g_assert_cmpstr(def->type, ==, "dir");
	g_assert_cmpuint(def->capacity, ==, 1073741824);
	g_assert_cmpuint(def->allocation, ==, 100);
	g_assert_cmpuint(def->available, ==, 2048);
	g_assert_cmpstr(def->target_path, ==, "/var/lib/images");
	out = hv_pool_def_format(def);
	g_assert_nonnull(strstr(out, "<capacity unit='bytes'>1073741824</capacity>"));
	g_assert_nonnull(strstr(out, "<path>/var/lib/images</path>"));
}

static void
test_volume(void)
{
	const char *pxml = "<pool type='dir'><name>p</name><target><path>/p</path></target></pool>";
	const char *xml = "<volume><name>v.img</name><key>/p/v.img</key>"
			  "<capacity unit='MiB'>2</capacity><allocation unit='KiB'>4</allocation>"
			  "<target><path>/p//v.img</path><format type='qcow2'/></target>"
			  "<backingStore><path>/p/base.img</path></backingStore></volume>";
	g_autoptr(HvPoolDef) pool = hv_pool_def_parse(pxml, strlen(pxml), NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(HvVolumeDef) def = hv_volume_def_parse(pool, xml, strlen(xml), &err);
	g_autoptr(HvVolumeDef) copy = NULL;

	g_assert_no_error(err);
	g_assert_cmpstr(def->name, ==, "v.img");
	g_assert_cmpstr(def->key, ==, "/p/v.img");
	g_assert_cmpstr(def->type, ==, "file");
	g_assert_cmpstr(def->format, ==, "qcow2");
	g_assert_cmpuint(def->capacity, ==, 2097152);
	g_assert_cmpuint(def->allocation, ==, 4096);
	g_assert_cmpstr(def->target_path, ==, "/p/v.img");
	g_assert_cmpstr(def->backing_path, ==, "/p/base.img");
	copy = hv_volume_def_copy(def);
	g_assert_cmpuint(copy->capacity, ==, 2097152);
}

/* A key and path the driver computed are written, in libvirt's order. */
static void
test_volume_key_path(void)
{
	const char *xml = "<volume><name>v.img</name><capacity>1024</capacity></volume>";
	g_autoptr(HvVolumeDef) def = hv_volume_def_parse(NULL, xml, strlen(xml), NULL);
	g_autofree char *out = NULL;

	g_assert_nonnull(def);
	def->key = g_strdup("/p/v.img");
	def->target_path = g_strdup("/p/v.img");
	out = hv_volume_def_format(def);
	g_assert_nonnull(strstr(out, "  <name>v.img</name>\n  <key>/p/v.img</key>\n"));
	g_assert_nonnull(strstr(out, "  <capacity unit='bytes'>1024</capacity>\n"));
	g_assert_nonnull(strstr(out, "  <target>\n    <path>/p/v.img</path>\n"));
}

static void
test_volume_errors(void)
{
	const char *xml = "<volume><name>v</name></volume>";
	g_autoptr(GError) err = NULL;
	g_autoptr(HvVolumeDef) def = hv_volume_def_parse(NULL, xml, strlen(xml), &err);

	g_assert_null(def);
	g_assert_nonnull(strstr(err->message, "<capacity>"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/conf/network/basic", test_network);
	g_test_add_func("/conf/network/isolated", test_network_isolated);
	g_test_add_func("/conf/pool/basic", test_pool);
	g_test_add_func("/conf/volume/basic", test_volume);
	g_test_add_func("/conf/volume/errors", test_volume_errors);
	g_test_add_func("/conf/volume/key-path", test_volume_key_path);
	return g_test_run();
}
