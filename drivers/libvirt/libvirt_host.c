/* libvirt_host.c: the libvirt driver's host interfaces (virInterface*) and
 * node devices (virNodeDevice*), which the tree shows as interfaces/ and
 * node/devices/. Neither kind has events here, so nothing is cached: every
 * call asks libvirt. */
#include <string.h>
#include "drivers/libvirt/libvirt_priv.h"

/* ---- interfaces */

static int
lv_iface_list(HvConn *c, GPtrArray **out, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
		(GDestroyNotify)hv_interface_info_free);
	virInterfacePtr *ifs = NULL;
	int n, rc = lv_conn_get(p, &conn, err);

	if (rc < 0)
		return rc;
	if ((n = virConnectListAllInterfaces(conn, &ifs, 0)) < 0)
		return lv_fail(p, conn, err, "cannot list the host interfaces");
	for (int k = 0; k < n; k++) {
		HvInterfaceInfo *i = g_new0(HvInterfaceInfo, 1);
		const char *mac = virInterfaceGetMACString(ifs[k]);

		i->name = g_strdup(virInterfaceGetName(ifs[k]));
		i->mac = mac && *mac ? g_strdup(mac) : NULL;
		i->active = virInterfaceIsActive(ifs[k]) == 1;
		g_ptr_array_add(all, i);
		virInterfaceFree(ifs[k]);
	}
	free(ifs);
	*out = g_steal_pointer(&all);
	return 0;
}

typedef int (*IfaceFn)(virInterfacePtr i, unsigned flags);

/* One call on the interface name; *xml (optional) its document instead. */
static int
iface_call(HvConn *c, const char *name, const char *verb, IfaceFn fn, unsigned flags,
	   char **xml, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	virInterfacePtr i;
	int rc = lv_conn_get(p, &conn, err);

	if (rc < 0)
		return rc;
	if (!(i = virInterfaceLookupByName(conn, name)))
		return lv_fail(p, conn, err, "interface '%s'", name);
	if (xml && !(*xml = virInterfaceGetXMLDesc(i, flags)))
		rc = lv_fail(p, conn, err, "cannot read the XML of interface '%s'", name);
	else if (!xml && fn(i, flags) < 0)
		rc = lv_fail(p, conn, err, "cannot %s interface '%s'", verb, name);
	virInterfaceFree(i);
	return rc;
}

static int
lv_iface_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	return iface_call(c, name, "read", NULL, flags & HV_XML_INACTIVE, xml, err);
}

static int
undefine_one(virInterfacePtr i, unsigned flags)
{
	return virInterfaceUndefine(i);
}

static int
lv_iface_undefine(HvConn *c, const char *name, GError **err)
{
	return iface_call(c, name, "undefine", undefine_one, 0, NULL, err);
}

static int
lv_iface_start(HvConn *c, const char *name, GError **err)
{
	return iface_call(c, name, "start", virInterfaceCreate, 0, NULL, err);
}

static int
lv_iface_stop(HvConn *c, const char *name, GError **err)
{
	return iface_call(c, name, "stop", virInterfaceDestroy, 0, NULL, err);
}

static int
lv_iface_define(HvConn *c, const char *xml, char **name_out, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	virInterfacePtr i;
	int rc = lv_conn_get(p, &conn, err);

	if (rc < 0)
		return rc;
	if (!(i = virInterfaceDefineXML(conn, xml, 0)))
		return lv_fail(p, conn, err, "cannot define the interface");
	if (name_out)
		*name_out = g_strdup(virInterfaceGetName(i));
	virInterfaceFree(i);
	return 0;
}

typedef int (*ChangeFn)(virConnectPtr conn, unsigned int flags);

static int
change(HvConn *c, ChangeFn fn, const char *verb, unsigned flags, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	int rc = lv_conn_get(p, &conn, err);

	if (rc == 0 && fn(conn, flags) < 0)
		rc = lv_fail(p, conn, err, "cannot %s the interface change", verb);
	return rc;
}

static int
lv_iface_begin(HvConn *c, unsigned flags, GError **err)
{
	return change(c, virInterfaceChangeBegin, "begin", flags, err);
}

static int
lv_iface_commit(HvConn *c, unsigned flags, GError **err)
{
	return change(c, virInterfaceChangeCommit, "commit", flags, err);
}

static int
lv_iface_rollback(HvConn *c, unsigned flags, GError **err)
{
	return change(c, virInterfaceChangeRollback, "roll back", flags, err);
}

const HvInterfaceOps lv_iface_ops = {
	.list = lv_iface_list,
	.get_xml = lv_iface_get_xml,
	.define_xml = lv_iface_define,
	.undefine = lv_iface_undefine,
	.start = lv_iface_start,
	.stop = lv_iface_stop,
	.change_begin = lv_iface_begin,
	.change_commit = lv_iface_commit,
	.change_rollback = lv_iface_rollback,
};

/* ---- node devices */

static HvNodeDevInfo *
dev_info(virNodeDevicePtr d)
{
	HvNodeDevInfo *i = g_new0(HvNodeDevInfo, 1);
	const char *parent = virNodeDeviceGetParent(d);
	int n = virNodeDeviceNumOfCaps(d);

	i->name = g_strdup(virNodeDeviceGetName(d));
	i->parent = g_strdup(parent);
	i->caps = g_new0(char *, (n > 0 ? n : 0) + 1);
	if (n > 0 && (n = virNodeDeviceListCaps(d, i->caps, n)) < 0)
		n = 0;
	i->caps[n > 0 ? n : 0] = NULL;
	return i;
}

static int
lv_nodedev_list(HvConn *c, unsigned flags, GPtrArray **out, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
		(GDestroyNotify)hv_nodedev_info_free);
	virNodeDevicePtr *devs = NULL;
	int n, rc = lv_conn_get(p, &conn, err);

	if (rc < 0)
		return rc;
	if ((n = virConnectListAllNodeDevices(conn, &devs, flags)) < 0)
		return lv_fail(p, conn, err, "cannot list the node devices");
	for (int k = 0; k < n; k++) {
		g_ptr_array_add(all, dev_info(devs[k]));
		virNodeDeviceFree(devs[k]);
	}
	free(devs);
	*out = g_steal_pointer(&all);
	return 0;
}

static int
lv_nodedev_get_xml(HvConn *c, const char *name, char **xml, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	virNodeDevicePtr d;
	int rc = lv_conn_get(p, &conn, err);

	if (rc < 0)
		return rc;
	if (!(d = virNodeDeviceLookupByName(conn, name)))
		return lv_fail(p, conn, err, "node device '%s'", name);
	if (!(*xml = virNodeDeviceGetXMLDesc(d, 0)))
		rc = lv_fail(p, conn, err, "cannot read the XML of node device '%s'", name);
	virNodeDeviceFree(d);
	return rc;
}

static int
lv_nodedev_create(HvConn *c, const char *xml, unsigned flags, char **name_out, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	virNodeDevicePtr d;
	int rc = lv_conn_get(p, &conn, err);

	if (rc < 0)
		return rc;
	if (!(d = virNodeDeviceCreateXML(conn, xml, flags)))
		return lv_fail(p, conn, err, "cannot create the node device");
	if (name_out)
		*name_out = g_strdup(virNodeDeviceGetName(d));
	virNodeDeviceFree(d);
	return 0;
}

static int
lv_nodedev_destroy(HvConn *c, const char *name, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	virNodeDevicePtr d;
	int rc = lv_conn_get(p, &conn, err);

	if (rc < 0)
		return rc;
	if (!(d = virNodeDeviceLookupByName(conn, name)))
		return lv_fail(p, conn, err, "node device '%s'", name);
	if (virNodeDeviceDestroy(d) < 0)
		rc = lv_fail(p, conn, err, "cannot destroy node device '%s'", name);
	virNodeDeviceFree(d);
	return rc;
}

const HvNodeDevOps lv_nodedev_ops = {
	.list = lv_nodedev_list,
	.get_xml = lv_nodedev_get_xml,
	.create_xml = lv_nodedev_create,
	.destroy = lv_nodedev_destroy,
};
