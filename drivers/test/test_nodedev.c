/* test_nodedev.c: the test node's node devices: test:///default has libvirt
 * 9.0's test devices (computer, two fibre channel SCSI hosts and a vHBA under
 * the first), with the documents and the order its test driver shows; a node
 * document has none. Listing with a flag the test driver does not take is
 * refused in its words; a vHBA is created and destroyed as libvirt's test
 * driver does it. */
#include <errno.h>
#include <string.h>
#include "drivers/test/test_priv.h"
#include "conf/conf_util.h"
#include "conf/xml.h"

#define LIST_CAP_FLAGS 0x7fffffffu /* VIR_CONNECT_LIST_NODE_DEVICES_CAP_* */

#define FC_HOST(n, parent, uid, wwn, fabric, vports)                                        \
	"<device>\n  <name>scsi_host" #n "</name>\n  <parent>" parent "</parent>\n"        \
	"  <capability type='scsi_host'>\n    <host>" #n "</host>\n"                \
	"    <unique_id>" #uid "</unique_id>\n    <capability type='fc_host'>\n"   \
	"      <wwnn>20000000" wwn "</wwnn>\n      <wwpn>10000000" wwn "</wwpn>\n"  \
	"      <fabric_wwn>20000000" fabric "</fabric_wwn>\n    </capability>\n"   \
	vports "  </capability>\n</device>\n"
#define VPORTS "    <capability type='vport_ops'>\n      <max_vports>0</max_vports>\n" \
	"      <vports>0</vports>\n    </capability>\n"

static const struct {
	const char *name, *parent, *cap, *xml;
} devices[] = {
	{ "scsi_host1", "computer", "scsi_host", FC_HOST(1, "computer", 0, "12341234", "43214321", VPORTS) },
	{ "scsi_host2", "computer", "scsi_host", FC_HOST(2, "computer", 1, "56785678", "87658765", VPORTS) },
	{ "computer", NULL, "system",
	  "<device>\n  <name>computer</name>\n  <capability type='system'>\n"
	  "    <hardware>\n      <vendor>Libvirt</vendor>\n      <version>Test driver</version>\n"
	  "      <serial>123456</serial>\n"
	  "      <uuid>11111111-2222-3333-4444-555555555555</uuid>\n    </hardware>\n"
	  "    <firmware>\n      <vendor>Libvirt</vendor>\n      <version>Test Driver</version>\n"
	  "      <release_date>01/22/2007</release_date>\n    </firmware>\n"
	  "  </capability>\n</device>\n" },
	{ "scsi_host11", "scsi_host1", "scsi_host", FC_HOST(11, "scsi_host1", 10, "34563456", "43214321", "") },
};

typedef struct {
	char *name, *parent, *cap, *xml;
} TestNodeDev;

static void
dev_free(TestNodeDev *d)
{
	if (!d)
		return;
	g_free(d->name);
	g_free(d->parent);
	g_free(d->cap);
	g_free(d->xml);
	g_free(d);
}

static TestNodeDev *
dev_new(const char *name, const char *parent, const char *cap, char *xml)
{
	TestNodeDev *d = g_new0(TestNodeDev, 1);

	d->name = g_strdup(name);
	d->parent = g_strdup(parent);
	d->cap = g_strdup(cap);
	d->xml = xml;
	return d;
}

void
test_nodedevs_init(TestConn *tc)
{
	const char *path = g_uri_get_path(tc->conn->uri);

	tc->nodedevs = g_ptr_array_new_with_free_func((GDestroyNotify)dev_free);
	for (size_t k = 0; path && g_str_equal(path, "/default") && k < G_N_ELEMENTS(devices); k++)
		g_ptr_array_add(tc->nodedevs, dev_new(devices[k].name, devices[k].parent,
						      devices[k].cap, g_strdup(devices[k].xml)));
}

/* Lock held. */
static TestNodeDev *
dev_find(TestConn *tc, const char *name, GError **err)
{
	for (guint k = 0; k < tc->nodedevs->len; k++)
		if (g_str_equal(((TestNodeDev *)tc->nodedevs->pdata[k])->name, name))
			return tc->nodedevs->pdata[k];
	hv_error_set(err, ENOENT, "no node device with matching name '%s'", name);
	return NULL;
}

static int
nodedev_list(HvConn *c, unsigned flags, GPtrArray **out, GError **err)
{
	TestConn *tc = test_conn(c);

	if (flags & ~LIST_CAP_FLAGS)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testConnectListAllNodeDevices", flags & ~LIST_CAP_FLAGS);
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_nodedev_info_free);
	hv_core_lock(&tc->core);
	for (guint k = 0; k < tc->nodedevs->len; k++) {
		const TestNodeDev *d = tc->nodedevs->pdata[k];
		HvNodeDevInfo *i = g_new0(HvNodeDevInfo, 1);
		const char *caps[] = { d->cap, NULL };

		i->name = g_strdup(d->name);
		i->parent = g_strdup(d->parent);
		i->caps = g_strdupv((char **)caps);
		g_ptr_array_add(*out, i);
	}
	hv_core_unlock(&tc->core);
	return 0;
}

static int
nodedev_get_xml(HvConn *c, const char *name, char **xml, GError **err)
{
	TestConn *tc = test_conn(c);
	TestNodeDev *d;

	hv_core_lock(&tc->core);
	if ((d = dev_find(tc, name, err)))
		*xml = g_strdup(d->xml);
	hv_core_unlock(&tc->core);
	return d ? 0 : -ENOENT;
}

/* The <capability type=TYPE> child of n, or NULL. */
static xmlNode *
cap_child(xmlNode *n, const char *type)
{
	for (xmlNode *k = n ? n->children : NULL; k; k = k->next) {
		g_autofree char *t = NULL;

		if (k->type == XML_ELEMENT_NODE && !strcmp((const char *)k->name, "capability") &&
		    (t = hv_xml_prop(k, "type")) && g_str_equal(t, type))
			return k;
	}
	return NULL;
}

/* libvirt's test driver makes a vHBA as a copy of scsi_host11 named
 * scsi_host12 (replacing the last one made), with the document's parent and
 * WWNs; libvirt's internal errors (EPROTO) for what is missing. */
static int
nodedev_create_xml(HvConn *c, const char *xml, unsigned flags, char **name_out, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(xmlDoc) doc = NULL;
	g_autofree char *parent = NULL, *wwnn = NULL, *wwpn = NULL;
	xmlNode *fc;
	TestNodeDev *old;
	int r = 0;

	if (flags)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testNodeDeviceCreateXML", flags);
	if (!(doc = hv_xml_parse(xml, strlen(xml), "node device", err)))
		return -EINVAL;
	parent = hv_xml_child_text(xmlDocGetRootElement(doc), "parent");
	fc = cap_child(cap_child(xmlDocGetRootElement(doc), "scsi_host"), "fc_host");
	wwnn = fc ? hv_xml_child_text(fc, "wwnn") : NULL;
	wwpn = fc ? hv_xml_child_text(fc, "wwpn") : NULL;
	hv_core_lock(&tc->core);
	if (!wwnn || !wwpn)
		r = hv_error_set(err, EPROTO, "no %s supplied for 'new device', and auto-generation "
				 "failed", wwnn ? "WWPN" : "WWNN");
	else if (!parent || !dev_find(tc, parent, NULL))
		r = hv_error_set(err, EPROTO, "Could not find parent device for 'new device'");
	else if (!dev_find(tc, "scsi_host11", NULL))
		r = hv_error_set(err, EPROTO, "cannot make a vHBA: its model scsi_host11 is gone");
	if (r == 0) {
		if ((old = dev_find(tc, "scsi_host12", NULL)))
			g_ptr_array_remove(tc->nodedevs, old);
		g_ptr_array_add(tc->nodedevs, dev_new("scsi_host12", parent, "scsi_host",
			g_strdup_printf("<device>\n  <name>scsi_host12</name>\n  <parent>%s</parent>\n"
					"  <capability type='scsi_host'>\n    <host>11</host>\n"
					"    <unique_id>10</unique_id>\n"
					"    <capability type='fc_host'>\n      <wwnn>%s</wwnn>\n"
					"      <wwpn>%s</wwpn>\n"
					"      <fabric_wwn>2000000043214321</fabric_wwn>\n"
					"    </capability>\n  </capability>\n</device>\n",
					parent, wwnn, wwpn)));
		if (name_out)
			*name_out = g_strdup("scsi_host12");
	}
	hv_core_unlock(&tc->core);
	return r;
}

/* A device with a parent goes; the root (computer) stays, and the call
 * succeeds all the same, as in libvirt's test driver. */
static int
nodedev_destroy(HvConn *c, const char *name, GError **err)
{
	TestConn *tc = test_conn(c);
	TestNodeDev *d;

	hv_core_lock(&tc->core);
	if ((d = dev_find(tc, name, err)) && d->parent)
		g_ptr_array_remove(tc->nodedevs, d);
	hv_core_unlock(&tc->core);
	return d ? 0 : -ENOENT;
}

const HvNodeDevOps test_nodedev_ops = {
	.list = nodedev_list,
	.get_xml = nodedev_get_xml,
	.create_xml = nodedev_create_xml,
	.destroy = nodedev_destroy,
};
