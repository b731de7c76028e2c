/* remote_snapshot.c: the remote driver's snapshots (libvirt's
 * virDomainSnapshot* procedures), which the tree shows as a remote domain's
 * snapshots/ as it does a local one's. A listing is the names (187, 188), the
 * current one (190, 191) and each snapshot's document (186), all its figures
 * read from that document: parent, state, creation time, memory and the
 * disks' kind; one snapshot's figures are its document, its children (246)
 * and whether it is current (271). libvirt has no snapshot events: what is made, reverted or
 * deleted through this driver is announced here, as the local drivers do;
 * what another client does shows at the next listing (snapshots are never
 * cached). */
#include <string.h>
#include "remote/remote_priv.h"
#include "conf/conf_util.h"
#include "conf/xml.h"

enum {
	PROC_SNAP_CREATE = 185, PROC_SNAP_XML = 186, PROC_SNAP_NUM = 187, PROC_SNAP_NAMES = 188,
	PROC_SNAP_HAS_CURRENT = 190, PROC_SNAP_CURRENT = 191, PROC_SNAP_REVERT = 192,
	PROC_SNAP_DELETE = 193, PROC_SNAP_NUM_CHILDREN = 246, PROC_SNAP_IS_CURRENT = 271,
};

#define SNAP_LIST_MAX 16384 /* REMOTE_DOMAIN_SNAPSHOT_LIST_MAX */

/* The client and the wire name of domain dom, in d (cleared by the caller). */
static int
dom_of(HvConn *c, const char *dom, RpcClient **cl, RpcMsg *d, GError **err)
{
	int rc = remote_client(c->priv, cl, err);

	return rc < 0 ? rc : remote_dom_ref(c->priv, *cl, dom, d, err);
}

/* proc on snapshot name of dom: {name, dom, flags}; its cache entry dropped
 * as inval says. */
static int
snap_call(HvConn *c, const char *dom, const char *name, int32_t proc, unsigned flags,
	  RpcMsg *ret, RemoteInval inval, GError **err)
{
	RpcMsg a = { .str = { (char *)name }, .has_str = { true }, .num = { flags } };

	return remote_dom_do(c, dom, proc, &a, ret, inval, err);
}

/* What a snapshot document says of it (current and children: the caller's). */
static int
info_of(const char *name, const char *xml, HvSnapshotInfo **out, GError **err)
{
	g_autoptr(xmlDoc) doc = hv_xml_parse(xml, strlen(xml), "domainsnapshot", err);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	g_autofree char *mem = NULL, *created = NULL;
	xmlNode *disks;
	HvSnapshotInfo *i;
	bool external;

	if (!root)
		return -EPROTO;
	i = g_new0(HvSnapshotInfo, 1);
	i->name = g_strdup(name);
	if (hv_xml_path(root, "parent/name"))
		i->parent = hv_xml_text(hv_xml_path(root, "parent/name"));
	i->state = hv_xml_child_text(root, "state");
	if (!i->state)
		i->state = g_strdup("shutoff");
	created = hv_xml_child_text(root, "creationTime");
	i->creation_time = created ? g_ascii_strtoll(created, NULL, 10) : 0;
	mem = hv_xml_child_prop(root, "memory", "snapshot");
	external = mem && g_str_equal(mem, "external");
	disks = hv_xml_child(root, "disks");
	for (xmlNode *k = disks ? disks->children : NULL; k && !external; k = k->next) {
		g_autofree char *how = k->type == XML_ELEMENT_NODE ? hv_xml_prop(k, "snapshot") : NULL;

		external = how && g_str_equal(how, "external");
	}
	i->kind = g_strdup(external ? "external" : "internal");
	i->memory = mem ? !g_str_equal(mem, "no")
			: g_str_equal(i->state, "running") || g_str_equal(i->state, "paused");
	*out = i;
	return 0;
}

static int
current_of(RpcClient *cl, RpcMsg *d, char **name, GError **err)
{
	RpcMsg a = { .dom = d->dom }, r = { 0 }, rc_has = { 0 };
	int rc = rpc_client_call(cl, PROC_SNAP_HAS_CURRENT, &a, &rc_has, err);

	if (rc == 0 && rc_has.num[0] > 0 &&
	    (rc = rpc_client_call(cl, PROC_SNAP_CURRENT, &a, &r, err)) == 0)
		*name = g_steal_pointer(&r.str[0]);
	rpc_msg_clear(&r);
	rpc_msg_clear(&rc_has);
	return rc;
}

/* all (stolen) ordered parents before children: each pass takes the
 * snapshots whose parent is out already (or that have none, or a parent
 * not listed); a loop of parents, which a sane peer never sends, ends up last. */
static GPtrArray *
parents_first(GPtrArray *all)
{
	GPtrArray *out = g_ptr_array_new_full(all->len, (GDestroyNotify)hv_snapshot_info_free);
	g_autoptr(GHashTable) out_names = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
	bool moved = true;

	for (guint k = 0; k < all->len; k++)
		g_hash_table_add(names, ((HvSnapshotInfo *)all->pdata[k])->name);
	while (all->len && moved) {
		moved = false;
		for (guint k = 0; k < all->len;) {
			HvSnapshotInfo *i = all->pdata[k];

			if (!i->parent || !g_hash_table_contains(names, i->parent) ||
			    g_hash_table_contains(out_names, i->parent)) {
				g_ptr_array_add(out, g_ptr_array_steal_index(all, k));
				g_hash_table_add(out_names, i->name);
				moved = true;
			} else {
				k++;
			}
		}
	}
	while (all->len)
		g_ptr_array_add(out, g_ptr_array_steal_index(all, 0));
	g_ptr_array_unref(all);
	return out;
}

static int
remote_snap_list(HvConn *c, const char *dom, GPtrArray **out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
		(GDestroyNotify)hv_snapshot_info_free);
	g_autofree char *current = NULL;
	RpcMsg d = { 0 }, n = { 0 }, names = { 0 };
	int rc = dom_of(c, dom, &cl, &d, err);

	if (rc == 0) {
		RpcMsg a = { .dom = d.dom };

		rc = rpc_client_call(cl, PROC_SNAP_NUM, &a, &n, err);
	}
	if (rc == 0 && n.num[0] > 0) {
		RpcMsg a = { .dom = d.dom, .num = { MIN(n.num[0], SNAP_LIST_MAX), 0 } };

		rc = rpc_client_call(cl, PROC_SNAP_NAMES, &a, &names, err);
	}
	if (rc == 0 && names.strs && names.strs->len)
		rc = current_of(cl, &d, &current, err);
	for (guint k = 0; rc == 0 && names.strs && k < names.strs->len; k++) {
		const char *name = names.strs->pdata[k];
		RpcMsg a = { .str = { (char *)name }, .has_str = { true }, .dom = d.dom }, x = { 0 };
		HvSnapshotInfo *i = NULL;

		rc = rpc_client_call(cl, PROC_SNAP_XML, &a, &x, err);
		if (rc == 0 && (rc = info_of(name, x.str[0] ? x.str[0] : "", &i, err)) == 0) {
			i->current = current && g_str_equal(current, name);
			g_ptr_array_add(all, i);
		}
		rpc_msg_clear(&x);
	}
	/* children counted, parents before children (the order HvSnapshotOps.list promises) */
	for (guint k = 0; rc == 0 && k < all->len; k++) {
		HvSnapshotInfo *i = all->pdata[k];

		for (guint j = 0; j < all->len; j++)
			if (((HvSnapshotInfo *)all->pdata[j])->parent &&
			    g_str_equal(((HvSnapshotInfo *)all->pdata[j])->parent, i->name))
				i->children++;
	}
	if (rc == 0)
		all = parents_first(all);
	if (rc == 0)
		*out = g_steal_pointer(&all);
	rpc_msg_clear(&d);
	rpc_msg_clear(&n);
	rpc_msg_clear(&names);
	return rc;
}

/* One snapshot: its document (186), its children (246) and whether it is
 * the current one (271), three calls whatever the number of snapshots; a
 * peer without the two later calls (libvirt before 0.9.13) is answered from
 * the whole listing. */
static int
remote_snap_get_info(HvConn *c, const char *dom, const char *name, HvSnapshotInfo **out,
		     GError **err)
{
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(HvSnapshotInfo) i = NULL;
	RpcMsg x = { 0 }, n = { 0 }, cur = { 0 };
	int rc = snap_call(c, dom, name, PROC_SNAP_XML, 0, &x, REMOTE_INVAL_NONE, err);

	if (rc == 0)
		rc = info_of(name, x.str[0] ? x.str[0] : "", &i, err);
	if (rc == 0)
		rc = snap_call(c, dom, name, PROC_SNAP_NUM_CHILDREN, 0, &n, REMOTE_INVAL_NONE, err);
	if (rc == 0)
		rc = snap_call(c, dom, name, PROC_SNAP_IS_CURRENT, 0, &cur, REMOTE_INVAL_NONE, err);
	rpc_msg_clear(&x);
	if (rc == 0) {
		i->children = MAX(n.num[0], 0);
		i->current = cur.num[0] > 0;
		*out = g_steal_pointer(&i);
	}
	rpc_msg_clear(&n);
	rpc_msg_clear(&cur);
	if (rc != -EOPNOTSUPP)
		return rc;
	g_clear_error(err);
	rc = remote_snap_list(c, dom, &all, err);
	for (guint k = 0; rc == 0 && k < all->len; k++)
		if (g_str_equal(((HvSnapshotInfo *)all->pdata[k])->name, name)) {
			*out = g_ptr_array_steal_index(all, k);
			return 0;
		}
	return rc < 0 ? rc : hv_error_set(err, ENOENT, "domain '%s' has no snapshot '%s'", dom,
					   name);
}

static int
remote_snap_get_xml(HvConn *c, const char *dom, const char *name, char **xml, GError **err)
{
	RpcMsg r = { 0 };
	int rc = snap_call(c, dom, name, PROC_SNAP_XML, 0, &r, REMOTE_INVAL_NONE, err);

	if (rc == 0)
		*xml = g_steal_pointer(&r.str[0]);
	rpc_msg_clear(&r);
	return rc;
}

static int
remote_snap_create(HvConn *c, const char *dom, const char *xml, unsigned flags, char **name_out,
		   GError **err)
{
	RpcMsg a = { .str = { (char *)(xml && *xml ? xml : "<domainsnapshot/>") },
		     .has_str = { true }, .num = { flags } }, r = { 0 };
	int rc = remote_dom_do(c, dom, PROC_SNAP_CREATE, &a, &r, REMOTE_INVAL_ENTRY, err);

	if (rc == 0) {
		hv_conn_emit(c, HV_OBJ_DOMAIN, NULL, dom, "snapshot-created", r.str[0]);
		if (name_out)
			*name_out = g_steal_pointer(&r.str[0]);
	}
	rpc_msg_clear(&r);
	return rc;
}

/* revert or delete, then what changed announced */
static int
snap_change(HvConn *c, const char *dom, const char *name, int32_t proc, unsigned flags,
	    const char *event, GError **err)
{
	int rc = snap_call(c, dom, name, proc, flags, NULL, REMOTE_INVAL_ENTRY, err);

	if (rc == 0)
		hv_conn_emit(c, HV_OBJ_DOMAIN, NULL, dom, event, name);
	return rc;
}

static int
remote_snap_revert(HvConn *c, const char *dom, const char *name, unsigned flags, GError **err)
{
	return snap_change(c, dom, name, PROC_SNAP_REVERT, flags, "snapshot-reverted", err);
}

static int
remote_snap_delete(HvConn *c, const char *dom, const char *name, unsigned flags, GError **err)
{
	return snap_change(c, dom, name, PROC_SNAP_DELETE, flags, "snapshot-deleted", err);
}

const HvSnapshotOps remote_snapshot_ops = HV_SNAPSHOT_OPS(remote_snap);
