/* libvirt_network.c: the libvirt driver's network ops. Infos are cached as
 * domains' are (libvirt_cache.c); libvirt sends lifecycle events for networks
 * (libvirt_events.c drops the entry) but none for autostart, which is
 * reported here. */
#include "drivers/libvirt/libvirt_priv.h"

static int
info_of(LvPriv *p, virConnectPtr conn, virNetworkPtr n, HvNetworkInfo **out, GError **err)
{
	g_autoptr(HvNetworkInfo) i = g_new0(HvNetworkInfo, 1);
	unsigned char raw[VIR_UUID_BUFLEN];
	g_autofree char *xml = NULL, *fwd = NULL;
	int autostart = 0;

	i->name = g_strdup(virNetworkGetName(n));
	xml = virNetworkGetXMLDesc(n, 0);
	if (!xml)
		return lv_fail(p, conn, err, "cannot read network '%s'", i->name);
	if (virNetworkGetUUID(n, raw) == 0)
		lv_uuid_copy(i->uuid, raw);
	i->active = virNetworkIsActive(n) == 1;
	i->persistent = virNetworkIsPersistent(n) == 1;
	i->autostart = virNetworkGetAutostart(n, &autostart) == 0 && autostart;
	i->bridge = lv_xml_value(xml, "/network/bridge/@name");
	i->forward = lv_xml_value(xml, "/network/forward/@mode");
	fwd = lv_xml_value(xml, "/network/forward");
	if (!i->forward && fwd) /* <forward/> alone is NAT, as in conf/network_conf.c */
		i->forward = g_strdup("nat");
	virResetLastError();
	*out = g_steal_pointer(&i);
	return 0;
}

static void *net_lookup(virConnectPtr c, const char *name) { return virNetworkLookupByName(c, name); }
static const char *net_name(void *n) { return virNetworkGetName(n); }
static void net_free(void *n) { virNetworkFree(n); }
static void *net_define(virConnectPtr c, const char *xml, unsigned flags)
{
	return virNetworkDefineXML(c, xml);
}

static int
net_list_all(virConnectPtr c, void ***objs)
{
	virNetworkPtr *nets = NULL;
	int n = virConnectListAllNetworks(c, &nets, 0);

	*objs = (void **)nets;
	return n;
}

static char *
net_xml(void *n, unsigned flags)
{
	return virNetworkGetXMLDesc(n, (flags & HV_XML_INACTIVE) ? VIR_NETWORK_XML_INACTIVE : 0);
}

static int
net_info(LvPriv *p, virConnectPtr conn, void *n, void **out, GError **err)
{
	HvNetworkInfo *i = NULL;
	int rc = info_of(p, conn, n, &i, err);

	*out = i;
	return rc;
}

static const char *
net_key(const void *info, char **tmp)
{
	(void)tmp;
	return ((const HvNetworkInfo *)info)->name;
}

static const LvKind net_kind = {
	.cache = LV_NETWORKS, .also_drop = -1, .kind = HV_OBJ_NETWORK, .what = "network",
	.defined_detail = "-", .lookup = net_lookup, .list_all = net_list_all,
	.name = net_name, .free = net_free, .xml = net_xml, .define = net_define,
	.info_of = net_info, .info_free = (GDestroyNotify)hv_network_info_free, .key = net_key,
};

static int
lv_net_get_info(HvConn *c, const char *name, HvNetworkInfo **out, GError **err)
{
	return lv_obj_get_info(c, &net_kind, name, (void **)out, err);
}

static int
lv_net_list(HvConn *c, GPtrArray **out, GError **err)
{
	return lv_obj_list(c, &net_kind, out, err);
}

static int
lv_net_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	return lv_obj_get_xml(c, &net_kind, name, flags, xml, err);
}

static int
lv_net_define(HvConn *c, const char *xml, char **name_out, GError **err)
{
	return lv_obj_define(c, &net_kind, xml, name_out, err);
}

static int call_undefine(void *n, unsigned long long arg, unsigned f) { return virNetworkUndefine(n); }
static int call_create(void *n, unsigned long long arg, unsigned f) { return virNetworkCreate(n); }
static int call_destroy(void *n, unsigned long long arg, unsigned f) { return virNetworkDestroy(n); }
static int call_autostart(void *n, unsigned long long arg, unsigned f) { return virNetworkSetAutostart(n, (int)arg); }

LV_VERB(lv_net_undefine, &net_kind, "undefine", call_undefine, NULL, "undefined", "-")
LV_VERB(lv_net_start, &net_kind, "start", call_create, NULL, "started", "-")
LV_VERB(lv_net_stop, &net_kind, "stop", call_destroy, NULL, "stopped", "-")

static int
lv_net_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	return lv_obj_set_autostart(c, &net_kind, call_autostart, name, on, err);
}

const HvNetworkOps lv_network_ops = {
	.list = lv_net_list,
	.get_info = lv_net_get_info,
	.get_xml = lv_net_get_xml,
	.define_xml = lv_net_define,
	.undefine = lv_net_undefine,
	.start = lv_net_start,
	.stop = lv_net_stop,
	.set_autostart = lv_net_set_autostart,
};
