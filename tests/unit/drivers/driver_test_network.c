/* driver_test_network.c: test driver networks: the default network, define,
 * start/stop in every state, undefine of an active network (transient, as in
 * libvirt), autostart, bridge assignment, uuid rules. */
#include <string.h>
#include "tests/unit/drivers/driver_test.h"

#define NET_XML(name, extra) \
	"<network><name>" name "</name>" extra \
	"<ip address='10.0.0.1' netmask='255.255.255.0'/></network>"

static HvNetworkInfo *
net_info(Fx *fx, const char *name)
{
	g_autoptr(GError) err = NULL;
	HvNetworkInfo *i = NULL;

	g_assert_cmpint(HV_CALL(fx->c, network, get_info, HV_READS, &err, name, &i), ==, 0);
	return i;
}

static void
test_default_network(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(HvNetworkInfo) i = net_info(fx, "default");

	g_assert_true(i->active);
	g_assert_true(i->persistent);
	g_assert_false(i->autostart);
	g_assert_cmpstr(i->bridge, ==, "virbr0");
	g_assert_cmpstr(i->forward, ==, "nat");
	g_assert_cmpstr(i->uuid, ==, "dd8fe884-6c02-601e-7551-cca97df1c5df");
}

static void
test_lifecycle(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvNetworkInfo) i = NULL;
	g_autoptr(GPtrArray) list = NULL;
	g_autofree char *name = NULL;
	g_autofree char *ev = NULL;

	g_assert_cmpint(HV_CALL(fx->c, network, define_xml, HV_WRITES, &err,
				NET_XML("lan", "<forward mode='route'/>"), &name), ==, 0);
	g_assert_cmpstr(name, ==, "lan");
	i = net_info(fx, "lan");
	g_assert_false(i->active);
	g_assert_cmpstr(i->bridge, ==, "virbr1"); /* virbr0 is taken */
	fx_check(HV_CALL(fx->c, network, stop, HV_WRITES, &err, "lan"), -EBUSY, &err);
	g_assert_cmpint(HV_CALL(fx->c, network, start, HV_WRITES, &err, "lan"), ==, 0);
	fx_check(HV_CALL(fx->c, network, start, HV_WRITES, &err, "lan"), -EBUSY, &err);
	g_assert_cmpint(HV_CALL(fx->c, network, set_autostart, HV_WRITES, &err, "lan", true), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, network, stop, HV_WRITES, &err, "lan"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, network, undefine, HV_WRITES, &err, "lan"), ==, 0);
	fx_check(HV_CALL(fx->c, network, get_info, HV_READS, &err, "lan", NULL), -ENOENT, &err);
	g_assert_cmpint(HV_CALL(fx->c, network, list, HV_READS, &err, &list), ==, 0);
	g_assert_cmpuint(list->len, ==, 1);
	ev = fx_take_events(fx);
	g_assert_cmpstr(ev, ==, "network lan defined added\n"
				"network lan started -\n"
				"network lan autostart-changed 1\n"
				"network lan stopped -\n"
				"network lan autostart-changed 0\n"
				"network lan undefined removed\n");
}

/* Undefining an active network leaves it running as a transient network that
 * vanishes when it stops (libvirt); the tree refuses rmdir before that. */
static void
test_undefine_active(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvNetworkInfo) i = NULL;
	g_autofree char *ev = NULL;

	g_assert_cmpint(HV_CALL(fx->c, network, undefine, HV_WRITES, &err, "default"), ==, 0);
	i = net_info(fx, "default");
	g_assert_true(i->active);
	g_assert_false(i->persistent);
	fx_check(HV_CALL(fx->c, network, undefine, HV_WRITES, &err, "default"), -EBUSY, &err);
	fx_check(HV_CALL(fx->c, network, set_autostart, HV_WRITES, &err, "default", true), -EBUSY,
		 &err);
	g_assert_cmpint(HV_CALL(fx->c, network, stop, HV_WRITES, &err, "default"), ==, 0);
	fx_check(HV_CALL(fx->c, network, get_info, HV_READS, &err, "default", NULL), -ENOENT, &err);
	ev = fx_take_events(fx);
	g_assert_cmpstr(ev, ==, "network default undefined removed\n"
				"network default stopped -\n"
				"network default undefined removed\n");
}

/* Redefining an active network keeps the running definition until it stops. */
static void
test_redefine_active(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;
	g_autofree char *live = NULL;
	g_autofree char *conf = NULL;
	g_autofree char *after = NULL;

	g_assert_cmpint(HV_CALL(fx->c, network, define_xml, HV_WRITES, &err,
				NET_XML("default", "<bridge name='br9'/>"), NULL), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, network, get_xml, HV_READS, &err, "default", 0, &live), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, network, get_xml, HV_READS, &err, "default",
				HV_XML_INACTIVE, &conf), ==, 0);
	g_assert_nonnull(strstr(live, "virbr0"));
	g_assert_nonnull(strstr(conf, "br9"));
	g_assert_nonnull(strstr(conf, "dd8fe884-6c02-601e-7551-cca97df1c5df"));
	g_assert_cmpint(HV_CALL(fx->c, network, stop, HV_WRITES, &err, "default"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, network, get_xml, HV_READS, &err, "default", 0, &after), ==, 0);
	g_assert_nonnull(strstr(after, "br9"));
}

static void
test_uuid_rules(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;

	fx_check(HV_CALL(fx->c, network, define_xml, HV_WRITES, &err,
			 NET_XML("other", "<uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>"), NULL),
		 -EEXIST, &err);
	fx_check(HV_CALL(fx->c, network, define_xml, HV_WRITES, &err,
			 NET_XML("default", "<uuid>dd8fe884-6c02-601e-7551-cca97df1c5d0</uuid>"), NULL),
		 -EEXIST, &err);
	fx_check(HV_CALL(fx->c, network, define_xml, HV_WRITES, &err, NET_XML("a/b", ""), NULL),
		 -EINVAL, &err);
	fx_check(HV_CALL(fx->c, network, define_xml, HV_WRITES, &err, "<network>", NULL), -EINVAL,
		 &err);
}

void
network_tests_register(void)
{
	g_test_add_func("/driver/test/network/default", test_default_network);
	g_test_add_func("/driver/test/network/lifecycle", test_lifecycle);
	g_test_add_func("/driver/test/network/undefine-active", test_undefine_active);
	g_test_add_func("/driver/test/network/redefine-active", test_redefine_active);
	g_test_add_func("/driver/test/network/uuid-rules", test_uuid_rules);
}
