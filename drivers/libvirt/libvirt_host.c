/* libvirt_host.c: the libvirt driver's host interfaces (virInterface*) and
 * node devices (virNodeDevice*), which the tree shows as interfaces/ and
 * node/devices/. Neither kind has events here, so nothing is cached: every
 * call asks libvirt. */
#include <string.h>
#include "drivers/libvirt/libvirt_priv.h"

/* ---- what both kinds do alike, over one HostKind row each */

/* libvirt's calls for one kind, named alike for both (LV_HOST_KIND makes
 * them), and what the messages call it. */
typedef struct {
	const char *what;  /* "interface", "node device" */
	const char *all;   /* "host interfaces", "node devices" */
	const char *make_verb; /* "define", "create" */
	void *(*lookup)(virConnectPtr conn, const char *name);
	int (*list_all)(virConnectPtr conn, void ***objs, unsigned flags);
	const char *(*name)(void *obj);
	void (*free)(void *obj);
	char *(*xml)(void *obj, unsigned flags);
	void *(*make)(virConnectPtr conn, const char *xml, unsigned flags);
	void *(*info)(void *obj);
	GDestroyNotify info_free;
} HostKind;

/* The row ROW of libvirt's vir<Type>* calls (its ListAll<Types>), made from
 * XML by vir<Type><Make>, its info by info (a GDestroyNotify frees it). */
#define LV_HOST_KIND(row, Type, Types, Make, what_, all_, verb_, info_, info_free_)           \
	static void *row##_lookup(virConnectPtr c, const char *name)                         \
	{                                                                                   \
		return vir##Type##LookupByName(c, name);                                   \
	}                                                                                   \
	static int row##_list_all(virConnectPtr c, void ***objs, unsigned flags)             \
	{                                                                                   \
		vir##Type##Ptr *all = NULL;                                                \
		int n = virConnectListAll##Types(c, &all, flags);                          \
                                                                                            \
		*objs = (void **)all;                                                      \
		return n;                                                                  \
	}                                                                                   \
	static const char *row##_name(void *o) { return vir##Type##GetName(o); }             \
	static void row##_free(void *o) { vir##Type##Free(o); }                              \
	static char *row##_xml(void *o, unsigned flags) { return vir##Type##GetXMLDesc(o, flags); } \
	static void *row##_make(virConnectPtr c, const char *xml, unsigned flags)            \
	{                                                                                   \
		return vir##Type##Make(c, xml, flags);                                     \
	}                                                                                   \
	static const HostKind row = {                                                       \
		.what = what_, .all = all_, .make_verb = verb_, .lookup = row##_lookup,    \
		.list_all = row##_list_all, .name = row##_name, .free = row##_free,        \
		.xml = row##_xml, .make = row##_make, .info = info_,                       \
		.info_free = (GDestroyNotify)info_free_,                                   \
	}

static int
host_list(HvConn *c, const HostKind *k, unsigned flags, GPtrArray **out, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(k->info_free);
	void **objs = NULL;
	int n, rc = lv_conn_get(p, &conn, err);

	if (rc < 0)
		return rc;
	if ((n = k->list_all(conn, &objs, flags)) < 0)
		return lv_fail(p, conn, err, "cannot list the %s", k->all);
	for (int i = 0; i < n; i++) {
		g_ptr_array_add(all, k->info(objs[i]));
		k->free(objs[i]);
	}
	free(objs);
	*out = g_steal_pointer(&all);
	return 0;
}

typedef int (*HostFn)(void *obj, unsigned flags);

/* One call on the object name (fn, with flags); *xml (optional) its document
 * instead. */
static int
host_call(HvConn *c, const HostKind *k, const char *name, const char *verb, HostFn fn,
	  unsigned flags, char **xml, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	void *obj;
	int rc = lv_obj_open(p, k->lookup, k->what, name, &conn, &obj, err);

	if (rc < 0)
		return rc;
	if (xml && !(*xml = k->xml(obj, flags)))
		rc = lv_fail(p, conn, err, "cannot read the XML of %s '%s'", k->what, name);
	else if (!xml && fn(obj, flags) < 0)
		rc = lv_fail(p, conn, err, "cannot %s %s '%s'", verb, k->what, name);
	k->free(obj);
	return rc;
}

/* A new object from xml (defined or created, as the kind does); its name
 * into *name_out (optional). */
static int
host_make(HvConn *c, const HostKind *k, const char *xml, unsigned flags, char **name_out,
	  GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	void *obj;
	int rc = lv_obj_new(p, k->make, xml, flags, k->make_verb, k->what, &conn, &obj, err);

	if (rc < 0)
		return rc;
	if (name_out)
		*name_out = g_strdup(k->name(obj));
	k->free(obj);
	return 0;
}

/* ---- interfaces */

static void *
iface_info(void *obj)
{
	HvInterfaceInfo *i = g_new0(HvInterfaceInfo, 1);
	const char *mac = virInterfaceGetMACString(obj);

	i->name = g_strdup(virInterfaceGetName(obj));
	i->mac = mac && *mac ? g_strdup(mac) : NULL;
	i->active = virInterfaceIsActive(obj) == 1;
	return i;
}

LV_HOST_KIND(iface_kind, Interface, Interfaces, DefineXML, "interface", "host interfaces",
	     "define", iface_info, hv_interface_info_free);

static int
lv_iface_list(HvConn *c, GPtrArray **out, GError **err)
{
	return host_list(c, &iface_kind, 0, out, err);
}

static int
lv_iface_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	return host_call(c, &iface_kind, name, "read", NULL, flags & HV_XML_INACTIVE, xml, err);
}

static int undefine_one(void *i, unsigned flags) { return virInterfaceUndefine(i); }
static int create_one(void *i, unsigned flags) { return virInterfaceCreate(i, flags); }
static int destroy_one(void *i, unsigned flags) { return virInterfaceDestroy(i, flags); }

static int
lv_iface_undefine(HvConn *c, const char *name, GError **err)
{
	return host_call(c, &iface_kind, name, "undefine", undefine_one, 0, NULL, err);
}

static int
lv_iface_start(HvConn *c, const char *name, GError **err)
{
	return host_call(c, &iface_kind, name, "start", create_one, 0, NULL, err);
}

static int
lv_iface_stop(HvConn *c, const char *name, GError **err)
{
	return host_call(c, &iface_kind, name, "stop", destroy_one, 0, NULL, err);
}

static int
lv_iface_define(HvConn *c, const char *xml, char **name_out, GError **err)
{
	return host_make(c, &iface_kind, xml, 0, name_out, err);
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

static void *
dev_info(void *obj)
{
	HvNodeDevInfo *i = g_new0(HvNodeDevInfo, 1);
	const char *parent = virNodeDeviceGetParent(obj);
	int n = virNodeDeviceNumOfCaps(obj);

	i->name = g_strdup(virNodeDeviceGetName(obj));
	i->parent = g_strdup(parent);
	i->caps = g_new0(char *, (n > 0 ? n : 0) + 1);
	if (n > 0 && (n = virNodeDeviceListCaps(obj, i->caps, n)) < 0)
		n = 0;
	i->caps[n > 0 ? n : 0] = NULL;
	return i;
}

LV_HOST_KIND(dev_kind, NodeDevice, NodeDevices, CreateXML, "node device", "node devices",
	     "create", dev_info, hv_nodedev_info_free);

static int
lv_nodedev_list(HvConn *c, unsigned flags, GPtrArray **out, GError **err)
{
	return host_list(c, &dev_kind, flags, out, err);
}

static int
lv_nodedev_get_xml(HvConn *c, const char *name, char **xml, GError **err)
{
	return host_call(c, &dev_kind, name, "read", NULL, 0, xml, err);
}

static int dev_destroy(void *d, unsigned flags) { return virNodeDeviceDestroy(d); }

static int
lv_nodedev_destroy(HvConn *c, const char *name, GError **err)
{
	return host_call(c, &dev_kind, name, "destroy", dev_destroy, 0, NULL, err);
}

static int
lv_nodedev_create(HvConn *c, const char *xml, unsigned flags, char **name_out, GError **err)
{
	return host_make(c, &dev_kind, xml, flags, name_out, err);
}

const HvNodeDevOps lv_nodedev_ops = {
	.list = lv_nodedev_list,
	.get_xml = lv_nodedev_get_xml,
	.create_xml = lv_nodedev_create,
	.destroy = lv_nodedev_destroy,
};
