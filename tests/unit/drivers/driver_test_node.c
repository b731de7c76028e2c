/* driver_test_node.c: test driver connections and the node: URI parameters,
 * node info and capabilities, loading libvirt test-driver node files (domains
 * start running, <test:runstate>, networks and pools active, volumes), fresh
 * state per connection, read-only connections, and the time to load a
 * 10,000-domain node file (printed, not asserted). */
#include <stdio.h>
#include <string.h>
#include "tests/unit/drivers/driver_test.h"

static void
test_node_info(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?hostname=node1");
	g_autoptr(GError) err = NULL;
	HvNodeInfo ni = { 0 };

	g_assert_cmpint(HV_CALL(fx->c, node, get_info, HV_READS, &err, &ni), ==, 0);
	g_assert_cmpstr(ni.hostname, ==, "node1");
	g_assert_cmpstr(ni.model, ==, "i686");
	g_assert_cmpuint(ni.cpus, ==, 16);
	g_assert_cmpuint(ni.mhz, ==, 1400);
	g_assert_cmpuint(ni.nodes, ==, 2);
	g_assert_cmpuint(ni.sockets, ==, 2);
	g_assert_cmpuint(ni.cores, ==, 2);
	g_assert_cmpuint(ni.threads, ==, 2);
	g_assert_cmpuint(ni.memory_kib, ==, 3145728);
	g_assert_cmpuint(ni.free_memory_kib, ==, 3072); /* libvirt's: its cells' 1 + 2 MiB */
	hv_node_info_clear(&ni);
}

static void
test_capabilities(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;
	g_autofree char *xml = NULL;

	g_assert_cmpint(HV_CALL(fx->c, node, get_capabilities, HV_READS, &err, &xml), ==, 0);
	/* libvirt's test driver's document, blank lines included */
	g_assert_true(g_str_has_prefix(xml, "<capabilities>\n\n  <host>\n    <cpu>\n"
					    "      <arch>i686</arch>\n"));
	g_assert_nonnull(strstr(xml, "<cells num='2'>"));
	g_assert_nonnull(strstr(xml, "<os_type>xen</os_type>"));
	g_assert_nonnull(strstr(xml, "<emulator>/usr/bin/test-hv</emulator>"));
	g_assert_nonnull(strstr(xml, "<domain type='test'/>"));
}

static void
test_bad_uris(void)
{
	static const char *const bad[] = {
		"test:///default?clock=slow",
		"test:///default?seed=-1",
		"test:///default?shutdown-delay=abc",
		"test:///default?shutdown-delay=99999999",
		"test:///default?frobnicate=1",
		"test:///default?extras=volumes,bogus",
		"test:///default?extras=",
		"test://",
		"test:///nonexistent/file.xml",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;
		HvConn *c = hv_conn_open(bad[i], false, &err);

		g_assert_null(c);
		g_assert_nonnull(err);
		g_test_message("%s: %s", bad[i], err->message);
	}
}

/* What hyperfs adds to libvirt's test driver is off unless extras= names it:
 * libvirt's empty default pool, no secret store, no job, lease or port calls
 * (libvirt's "not supported": ENOTSUP), statistics of the state group only. */
static void
test_extras(void)
{
	static const char *const uris[] = { "test:///default", "test:///default?extras=all" };

	for (size_t k = 0; k < G_N_ELEMENTS(uris); k++) {
		g_autoptr(Fx) fx = fx_open(uris[k]);
		g_autoptr(GPtrArray) vols = NULL, secrets = NULL, leases = NULL, ports = NULL;
		g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;
		HvJobInfo j = { 0 };
		int want = k ? 0 : -ENOTSUP;

		g_assert_cmpint(HV_CALL(fx->c, volume, list, HV_READS, &e1, "default-pool", &vols),
				==, 0);
		g_assert_cmpuint(vols->len, ==, k ? 2 : 0);
		g_assert_cmpint(HV_CALL(fx->c, secret, list, HV_READS, &e2, &secrets), ==, want);
		g_assert_cmpint(HV_CALL(fx->c, domain, get_job, HV_READS, &e3, "test", &j), ==, want);
		g_assert_cmpint(HV_CALL(fx->c, network, get_leases, HV_READS, &e4, "default", &leases),
				==, want);
		g_assert_cmpint(HV_CALL(fx->c, network, get_ports, HV_READS, &e5, "default", &ports),
				==, want);
		if (!k)
			g_assert_nonnull(strstr(e2->message, " is not supported by driver 'test'"));
		hv_job_info_clear(&j);
		{
			g_autoptr(GError) e6 = NULL;
			g_autofree char *text = NULL;

			g_assert_cmpint(HV_CALL(fx->c, domain, get_stats, HV_READS, &e6, "test", &text),
					==, 0);
			/* libvirt's test driver: the state group only */
			g_assert_cmpint(!!strstr(text, "cpu.time="), ==, k);
			g_assert_nonnull(strstr(text, "state.state=1\n"));
		}
	}
}

/* Each connection to test:///default starts from the same fresh state. */
static void
test_fresh_state(void)
{
	g_autoptr(Fx) a = fx_open("test:///default");
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(HV_CALL(a->c, domain, destroy, HV_WRITES, &err, "test"), ==, 0);
	{
		g_autoptr(Fx) b = fx_open("test:///default");

		g_assert_cmpint(fx_dom_state(b, "test"), ==, HV_DOMAIN_RUNNING);
	}
	g_assert_cmpint(fx_dom_state(a, "test"), ==, HV_DOMAIN_SHUTOFF);
}

static void
test_readonly(void)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(HvConn) c = hv_conn_open("test:///default", true, &err);

	g_assert_nonnull(c);
	fx_check(HV_CALL(c, domain, destroy, HV_WRITES, &err, "test"), -EROFS, &err);
}

static const char node_file[] =
	"<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
	"  <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads>"
	"<mhz>2000</mhz><model>x86_64</model></cpu>\n"
	"  <memory>16777216</memory>\n"
	"  <domain type='test'><name>a</name><memory>524288</memory><vcpu>1</vcpu>"
	"<os><type>hvm</type></os></domain>\n"
	"  <domain type='test'><name>b</name><memory>524288</memory><vcpu>1</vcpu>"
	"<os><type>hvm</type></os><test:runstate>5</test:runstate></domain>\n"
	"  <domain type='test'><name>c</name><memory>524288</memory><vcpu>1</vcpu>"
	"<os><type>hvm</type></os><test:runstate>3</test:runstate><test:transient/></domain>\n"
	"  <network><name>n1</name><bridge name='br1'/></network>\n"
	"  <pool type='dir'><name>p1</name><target><path>/p1</path></target>\n"
	"    <volume><name>v1</name><capacity>1024</capacity></volume>\n"
	"  </pool>\n"
	"</node>\n";

static void
test_node_file(void)
{
	g_autofree char *path = fx_write_file("node.xml", node_file);
	g_autofree char *uri = g_strdup_printf("test://%s", path);
	g_autoptr(Fx) fx = fx_open(uri);
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(HvNetworkInfo) n = NULL;
	g_autoptr(HvVolumeInfo) v = NULL;
	HvNodeInfo ni = { 0 };

	g_assert_cmpint(HV_CALL(fx->c, domain, list, HV_READS, &err, &list), ==, 0);
	g_assert_cmpuint(list->len, ==, 3);
	g_assert_cmpstr(((HvDomainInfo *)list->pdata[0])->name, ==, "a");
	g_assert_cmpint(((HvDomainInfo *)list->pdata[0])->state, ==, HV_DOMAIN_RUNNING);
	g_assert_cmpint(((HvDomainInfo *)list->pdata[0])->id, ==, 1);
	g_assert_cmpint(((HvDomainInfo *)list->pdata[1])->state, ==, HV_DOMAIN_SHUTOFF);
	g_assert_cmpint(((HvDomainInfo *)list->pdata[2])->state, ==, HV_DOMAIN_PAUSED);
	g_assert_false(((HvDomainInfo *)list->pdata[2])->persistent);
	g_assert_cmpint(HV_CALL(fx->c, network, get_info, HV_READS, &err, "n1", &n), ==, 0);
	g_assert_true(n->active);
	g_assert_cmpint(HV_CALL(fx->c, volume, get_info, HV_READS, &err, "p1", "v1", &v), ==, 0);
	g_assert_cmpstr(v->path, ==, "/p1/v1");
	g_assert_cmpint(HV_CALL(fx->c, node, get_info, HV_READS, &err, &ni), ==, 0);
	g_assert_cmpuint(ni.cpus, ==, 4);
	g_assert_cmpuint(ni.mhz, ==, 2000);
	g_assert_cmpstr(ni.model, ==, "x86_64");
	g_assert_cmpuint(ni.memory_kib, ==, 16777216);
	hv_node_info_clear(&ni);
}

static void
test_node_file_errors(void)
{
	static const char *const bad[] = {
		"<node><domain type='test'><name>x</name><memory>1024</memory><vcpu>1</vcpu>"
		"<os><type>hvm</type></os></domain><domain type='test'><name>x</name>"
		"<memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain></node>",
		"<node><network><name>.bad</name></network></node>",
		"<node><domain>",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *path = fx_write_file("bad.xml", bad[i]);
		g_autofree char *uri = g_strdup_printf("test://%s", path);
		g_autoptr(GError) err = NULL;

		g_assert_null(hv_conn_open(uri, false, &err));
		g_assert_nonnull(err);
		g_test_message("%s", err->message);
	}
}

static char *
big_node_file(unsigned n)
{
	GString *s = g_string_new("<node>\n");
	g_autofree char *text = NULL;

	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(s,
			"<domain type='test'><name>vm%05u</name>"
			"<uuid>00000000-0000-4000-8000-%012x</uuid>"
			"<memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>"
			"<disk type='file' device='disk'><source file='/i/vm%05u.img'/>"
			"<target dev='vda' bus='virtio'/></disk><interface type='network'>"
			"<source network='default'/></interface></devices></domain>\n", i, i, i);
	g_string_append(s, "</node>\n");
	text = g_string_free(s, FALSE);
	return fx_write_file("big.xml", text);
}

/* Not asserted (machines differ): the figure is printed for the bench notes.
 * Node files may be up to HV_NODE_MAX_SIZE (512 MiB), each domain in it up to
 * HV_XML_MAX_SIZE (4 MiB); these ones are compact only to keep the test fast. */
static void
test_load_10k(void)
{
	g_autofree char *path = big_node_file(10000);
	g_autofree char *uri = g_strdup_printf("test://%s?seed=1", path);
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) list = NULL;
	gint64 t0 = g_get_monotonic_time(), t1, t2;
	HvConn *c = hv_conn_open(uri, false, &err);

	g_assert_no_error(err);
	t1 = g_get_monotonic_time();
	g_assert_cmpint(HV_CALL(c, domain, list, HV_READS, &err, &list), ==, 0);
	t2 = g_get_monotonic_time();
	g_assert_cmpuint(list->len, ==, 10000);
	printf("# 10,000-domain node file: open %.1f ms, list %.2f ms\n", (t1 - t0) / 1000.0,
	       (t2 - t1) / 1000.0);
	g_test_message("10k open %.1f ms, list %.2f ms", (t1 - t0) / 1000.0, (t2 - t1) / 1000.0);
	t0 = g_get_monotonic_time();
	hv_conn_close(c);
	printf("# 10,000-domain close %.1f ms\n", (g_get_monotonic_time() - t0) / 1000.0);
}

void
node_tests_register(void)
{
	g_test_add_func("/driver/test/node/info", test_node_info);
	g_test_add_func("/driver/test/node/capabilities", test_capabilities);
	g_test_add_func("/driver/test/node/bad-uris", test_bad_uris);
	g_test_add_func("/driver/test/node/fresh-state", test_fresh_state);
	g_test_add_func("/driver/test/node/extras", test_extras);
	g_test_add_func("/driver/test/node/readonly", test_readonly);
	g_test_add_func("/driver/test/node/node-file", test_node_file);
	g_test_add_func("/driver/test/node/node-file-errors", test_node_file_errors);
	g_test_add_func("/driver/test/node/load-10k", test_load_10k);
}
