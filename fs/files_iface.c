/* files_iface.c: interfaces/ and node/devices/, the host's network interfaces
 * (libvirt's virInterface*) and its devices (virNodeDevice*), for drivers
 * that have them. An interface: its document (config.xml, a redefinition
 * keeps its state), `state` (active or inactive; start, stop, and destroy as
 * virsh iface-destroy says it), `mac` and `error`; cp of an <interface>
 * document defines one, rmdir undefines it. A device: its document, `parent`,
 * `capabilities` (one libvirt capability type a line) and `error`; cp of a
 * <device> document creates one (a vHBA), rmdir destroys it, where the
 * driver allows. libvirt has no interface events and the node device events
 * are not carried here, so both kinds are uncached: every lookup and read
 * asks the driver (collection.c lists them). */
#include <string.h>
#include "fs/files.h"

/* ---- interfaces */

int
hv_iface_find(HvObj *o, const char *name, HvInterfaceInfo **out, GError **err)
{
	g_autoptr(GPtrArray) all = NULL;
	int r = HV_CALL(o->node->conn, iface, list, HV_READS, err, &all);

	if (r < 0)
		return r;
	for (guint i = 0; i < all->len; i++) {
		HvInterfaceInfo *it = all->pdata[i];

		if (strcmp(it->name, name) == 0) {
			*out = it;
			all->pdata[i] = NULL;
			return 0;
		}
	}
	return hv_error_set(err, ENOENT, "no interface '%s'", name);
}

static int
r_iface_state(HvObj *o, GString *out, GError **err)
{
	g_autoptr(HvInterfaceInfo) i = NULL;
	int r = hv_iface_find(o, o->name, &i, err);

	if (r == 0)
		g_string_append(out, i->active ? "active\n" : "inactive\n");
	return r;
}

static const HvVerb iface_verbs[] = {
	{ "start", offsetof(HvInterfaceOps, start) },
	{ "stop", offsetof(HvInterfaceOps, stop) },
	{ "destroy", offsetof(HvInterfaceOps, stop) }, /* virsh iface-destroy */
};

static int
w_iface_state(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;
	int r = hv_files_verb(c, c->driver->iface, iface_verbs, G_N_ELEMENTS(iface_verbs),
			      "interface", o->name, tok, err);

	if (r == -EBUSY && err) { /* the drivers say nothing, or libvirt's generic words */
		g_clear_error(err);
		hv_error_set(err, EBUSY, "interface '%s' is %s already", o->name,
			     strcmp(tok, "start") == 0 ? "active" : "inactive");
	}
	return r;
}

static int
r_iface_mac(HvObj *o, GString *out, GError **err)
{
	g_autoptr(HvInterfaceInfo) i = NULL;
	int r = hv_iface_find(o, o->name, &i, err);

	if (r == 0 && i->mac)
		g_string_append_printf(out, "%s\n", i->mac);
	return r;
}

static const FileDef iface_files[] = {
	{ "config.xml", F_XML | F_SLOW | F_VOLATILE, hv_coll_read_config, NULL,
	  hv_coll_commit_config },
	{ "state", F_WRITE | F_SLOW | F_VOLATILE, r_iface_state, w_iface_state },
	{ "mac", F_SLOW | F_VOLATILE, r_iface_mac },
	{ "error", F_VOLATILE, hv_files_error },
};

const DirOps hv_iface_ops = {
	HV_FILES(iface_files),
	.scratch = true,
	.uncached = true,
};

const DirOps hv_ifaces_ops = {
	.child_kind = DK_IFACE,
	.scratch = true,
};

/* ---- node devices */

int
hv_nodedev_find(HvObj *o, const char *name, HvNodeDevInfo **out, GError **err)
{
	g_autoptr(GPtrArray) all = NULL;
	int r = HV_CALL(o->node->conn, nodedev, list, HV_READS, err, 0, &all);

	if (r < 0)
		return r;
	for (guint i = 0; i < all->len; i++) {
		HvNodeDevInfo *d = all->pdata[i];

		if (strcmp(d->name, name) == 0) {
			*out = d;
			all->pdata[i] = NULL;
			return 0;
		}
	}
	return hv_error_set(err, ENOENT, "no node device '%s'", name);
}

static int
r_dev_config(HvObj *o, GString *out, GError **err)
{
	g_autofree char *xml = NULL;
	int r = HV_CALL(o->node->conn, nodedev, get_xml, HV_READS, err, o->name, &xml);

	if (r == 0)
		g_string_append(out, xml);
	return r;
}

static int
r_dev_parent(HvObj *o, GString *out, GError **err)
{
	HvNodeDevInfo *d = NULL;
	int r = hv_nodedev_find(o, o->name, &d, err);

	if (r == 0 && d->parent)
		g_string_append_printf(out, "%s\n", d->parent);
	hv_nodedev_info_free(d);
	return r;
}

static int
r_dev_caps(HvObj *o, GString *out, GError **err)
{
	HvNodeDevInfo *d = NULL;
	int r = hv_nodedev_find(o, o->name, &d, err);

	for (guint k = 0; r == 0 && d->caps && d->caps[k]; k++)
		g_string_append_printf(out, "%s\n", d->caps[k]);
	hv_nodedev_info_free(d);
	return r;
}

static const FileDef nodedev_files[] = {
	{ "config.xml", F_SLOW | F_VOLATILE, r_dev_config },
	{ "parent", F_SLOW | F_VOLATILE, r_dev_parent },
	{ "capabilities", F_SLOW | F_VOLATILE, r_dev_caps },
	{ "error", F_VOLATILE, hv_files_error },
};

const DirOps hv_nodedev_ops = {
	HV_FILES(nodedev_files),
	.uncached = true,
};

const DirOps hv_nodedevs_ops = {
	.child_kind = DK_NODEDEV,
	.scratch = true,
};
