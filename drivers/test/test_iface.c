/* test_iface.c: the test node's host interfaces, kept in memory as libvirt
 * 9.0's test driver keeps them: test:///default starts with libvirt's eth1
 * (active, aa:bb:cc:dd:ee:ff, the document libvirt shows), a node document
 * with none. Define (a redefinition keeps the state), undefine, start, stop
 * and one transaction at a time (begin keeps a copy of the definitions,
 * rollback brings them back, inactive, commit drops it), with libvirt's
 * answers. */
#include <errno.h>
#include <string.h>
#include "drivers/test/test_priv.h"
#include "conf/conf_util.h"
#include "conf/xml.h"

static const char eth1_xml[] =
	"<interface type='ethernet' name='eth1'>\n"
	"  <start mode='onboot'/>\n"
	"  <mtu size='1492'/>\n"
	"  <protocol family='ipv4'>\n"
	"    <ip address='192.168.0.5' prefix='24'/>\n"
	"    <route gateway='192.168.0.1'/>\n"
	"  </protocol>\n"
	"  <mac address='aa:bb:cc:dd:ee:ff'/>\n"
	"</interface>\n";

typedef struct {
	char *name;
	char *mac; /* "" when the document has none */
	char *xml;
	bool active;
} TestIface;

static void
iface_free(TestIface *i)
{
	if (!i)
		return;
	g_free(i->name);
	g_free(i->mac);
	g_free(i->xml);
	g_free(i);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestIface, iface_free)

static TestIface *
iface_new(const char *name, const char *mac, const char *xml, bool active)
{
	TestIface *i = g_new0(TestIface, 1);

	i->name = g_strdup(name);
	i->mac = g_strdup(mac ? mac : "");
	i->xml = g_strdup(xml);
	i->active = active;
	return i;
}

/* The definitions alone: libvirt's copy leaves every interface inactive, so a
 * rollback brings them back stopped. */
static GPtrArray *
set_copy(GPtrArray *set)
{
	GPtrArray *c = g_ptr_array_new_with_free_func((GDestroyNotify)iface_free);

	for (guint k = 0; k < set->len; k++) {
		const TestIface *i = set->pdata[k];

		g_ptr_array_add(c, iface_new(i->name, i->mac, i->xml, false));
	}
	return c;
}

void
test_ifaces_init(TestConn *tc)
{
	const char *path = g_uri_get_path(tc->conn->uri);

	tc->ifaces = g_ptr_array_new_with_free_func((GDestroyNotify)iface_free);
	if (path && g_str_equal(path, "/default"))
		g_ptr_array_add(tc->ifaces, iface_new("eth1", "aa:bb:cc:dd:ee:ff", eth1_xml, true));
}

void
test_ifaces_free(TestConn *tc)
{
	g_clear_pointer(&tc->ifaces, g_ptr_array_unref);
	g_clear_pointer(&tc->ifaces_saved, g_ptr_array_unref);
}

/* Lock held. */
static TestIface *
find(TestConn *tc, const char *name, GError **err)
{
	for (guint k = 0; k < tc->ifaces->len; k++) {
		TestIface *i = tc->ifaces->pdata[k];

		if (g_str_equal(i->name, name))
			return i;
	}
	hv_error_set(err, ENOENT, "no interface with matching name '%s'", name);
	return NULL;
}

static int
iface_list(HvConn *c, GPtrArray **out, GError **err)
{
	TestConn *tc = test_conn(c);

	*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_interface_info_free);
	hv_core_lock(&tc->core);
	for (guint k = 0; k < tc->ifaces->len; k++) {
		const TestIface *t = tc->ifaces->pdata[k];
		HvInterfaceInfo *i = g_new0(HvInterfaceInfo, 1);

		i->name = g_strdup(t->name);
		i->mac = g_strdup(t->mac);
		i->active = t->active;
		g_ptr_array_add(*out, i);
	}
	hv_core_unlock(&tc->core);
	return 0;
}

static int
iface_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	TestConn *tc = test_conn(c);
	TestIface *i;

	hv_core_lock(&tc->core);
	if ((i = find(tc, name, err)))
		*xml = g_strdup(i->xml);
	hv_core_unlock(&tc->core);
	return i ? 0 : -ENOENT;
}

/* The document's name and MAC, and the document as libvirt formats it. */
static TestIface *
iface_parse(const char *xml, GError **err)
{
	g_autoptr(xmlDoc) doc = hv_xml_parse(xml, strlen(xml), "interface", err);
	g_autofree char *name = NULL, *mac = NULL, *text = NULL;
	xmlNode *root;

	if (!doc)
		return NULL;
	root = xmlDocGetRootElement(doc);
	if (strcmp((const char *)root->name, "interface")) {
		hv_error_set(err, EINVAL, "expecting root element of 'interface', not '%s'",
			     (const char *)root->name);
		return NULL;
	}
	if (!(name = hv_xml_prop(root, "name")) || !*name) {
		hv_error_set(err, EINVAL, "interface has no name");
		return NULL;
	}
	mac = hv_xml_child_prop(root, "mac", "address");
	text = hv_xml_format(root);
	return iface_new(name, mac, text, false);
}

static int
iface_define(HvConn *c, const char *xml, char **name_out, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(TestIface) n = iface_parse(xml, err);
	TestIface *old;

	if (!n)
		return -EINVAL;
	hv_core_lock(&tc->core);
	if ((old = find(tc, n->name, NULL))) {
		n->active = old->active;
		g_ptr_array_remove(tc->ifaces, old);
	}
	if (name_out)
		*name_out = g_strdup(n->name);
	g_ptr_array_add(tc->ifaces, g_steal_pointer(&n));
	hv_core_unlock(&tc->core);
	return 0;
}

static int
iface_undefine(HvConn *c, const char *name, GError **err)
{
	TestConn *tc = test_conn(c);
	TestIface *i;

	hv_core_lock(&tc->core);
	if ((i = find(tc, name, err)))
		g_ptr_array_remove(tc->ifaces, i);
	hv_core_unlock(&tc->core);
	return i ? 0 : -ENOENT;
}

/* libvirt's test driver says only "Requested operation is not valid". */
static int
iface_set_active(HvConn *c, const char *name, bool on, GError **err)
{
	TestConn *tc = test_conn(c);
	TestIface *i;
	int r = 0;

	hv_core_lock(&tc->core);
	if (!(i = find(tc, name, err)))
		r = -ENOENT;
	else if (i->active == on)
		r = hv_error_set(err, EBUSY, "%s", "");
	else
		i->active = on;
	hv_core_unlock(&tc->core);
	return r;
}

static int
iface_start(HvConn *c, const char *name, GError **err)
{
	return iface_set_active(c, name, true, err);
}

static int
iface_stop(HvConn *c, const char *name, GError **err)
{
	return iface_set_active(c, name, false, err);
}

typedef enum { TXN_BEGIN, TXN_COMMIT, TXN_ROLLBACK } TxnStep;

static int
iface_txn(HvConn *c, TxnStep step, GError **err)
{
	static const char *const none[] = {
		[TXN_COMMIT] = "no transaction running, nothing to be committed.",
		[TXN_ROLLBACK] = "no transaction running, nothing to rollback.",
	};
	TestConn *tc = test_conn(c);
	int r = 0;

	hv_core_lock(&tc->core);
	if (step == TXN_BEGIN && tc->ifaces_saved)
		r = hv_error_set(err, EBUSY, "there is another transaction running.");
	else if (step != TXN_BEGIN && !tc->ifaces_saved)
		r = hv_error_set(err, EBUSY, "%s", none[step]);
	else if (step == TXN_BEGIN)
		tc->ifaces_saved = set_copy(tc->ifaces);
	else if (step == TXN_COMMIT)
		g_clear_pointer(&tc->ifaces_saved, g_ptr_array_unref);
	else {
		g_ptr_array_unref(tc->ifaces);
		tc->ifaces = g_steal_pointer(&tc->ifaces_saved);
	}
	hv_core_unlock(&tc->core);
	return r;
}

static int
iface_begin(HvConn *c, unsigned flags, GError **err)
{
	return iface_txn(c, TXN_BEGIN, err);
}

static int
iface_commit(HvConn *c, unsigned flags, GError **err)
{
	return iface_txn(c, TXN_COMMIT, err);
}

static int
iface_rollback(HvConn *c, unsigned flags, GError **err)
{
	return iface_txn(c, TXN_ROLLBACK, err);
}

const HvInterfaceOps test_iface_ops = {
	.list = iface_list,
	.get_xml = iface_get_xml,
	.define_xml = iface_define,
	.undefine = iface_undefine,
	.start = iface_start,
	.stop = iface_stop,
	.change_begin = iface_begin,
	.change_commit = iface_commit,
	.change_rollback = iface_rollback,
};
