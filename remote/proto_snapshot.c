/* proto_snapshot.c: hyperfsd's snapshot, managed-save, save and restore
 * procedures over the driver's snapshot ops and save/restore domain ops. A
 * snapshot on the wire is remote_nonnull_domain_snapshot {name, domain}: the
 * shapes spell it X_STR, X_DOM (the name lands in str[0], the domain in dom).
 * The lists of snapshots are encoded here (X_RAW). */
#include <errno.h>
#include <string.h>
#include "remote/proto_priv.h"

#define SNAP_LIST_MAX 16384 /* REMOTE_DOMAIN_SNAPSHOT_LIST_MAX */

/* virDomainSnapshotListFlags */
enum {
	L_ROOTS = 1 << 0, /* children lists: DESCENDANTS */
	L_LEAVES = 1 << 2,
	L_NO_LEAVES = 1 << 3,
	L_NO_METADATA = 1 << 4,
	L_INACTIVE = 1 << 5,
	L_ACTIVE = 1 << 6,
	L_DISK_ONLY = 1 << 7,
	L_INTERNAL = 1 << 8,
	L_EXTERNAL = 1 << 9,
};

static int
snap_list(RpcClientCtx *c, const char *dom, GPtrArray **out, GError **err)
{
	return HV_CALL(c->conn, snapshot, list, HV_READS, err, dom, out);
}

const HvSnapshotInfo *
rpc_snap_find(GPtrArray *l, const char *name)
{
	for (guint k = 0; name && k < l->len; k++)
		if (g_str_equal(((HvSnapshotInfo *)l->pdata[k])->name, name))
			return l->pdata[k];
	return NULL;
}

bool
rpc_snap_under(GPtrArray *l, const HvSnapshotInfo *i, const char *top, bool deep)
{
	for (unsigned n = 0; i && i->parent && n <= l->len; n++) {
		if (g_str_equal(i->parent, top))
			return true;
		if (!deep)
			return false;
		i = rpc_snap_find(l, i->parent);
	}
	return false;
}

static bool
snap_matches(GPtrArray *l, const HvSnapshotInfo *i, unsigned f, const char *top)
{
	bool active = g_str_equal(i->state, "running") || g_str_equal(i->state, "paused");
	bool disk = g_str_equal(i->state, "disk-snapshot");
	bool external = g_str_equal(i->kind, "external");
	unsigned states = f & (L_INACTIVE | L_ACTIVE | L_DISK_ONLY);
	unsigned loc = f & (L_INTERNAL | L_EXTERNAL);

	if (top ? !rpc_snap_under(l, i, top, f & L_ROOTS) : (f & L_ROOTS) && i->parent)
		return false;
	if ((f & L_LEAVES) && i->children)
		return false;
	if ((f & L_NO_LEAVES) && !i->children)
		return false;
	if (f & L_NO_METADATA)
		return false; /* every snapshot here has metadata */
	if (states && !((states & L_ACTIVE && active) || (states & L_DISK_ONLY && disk) ||
			(states & L_INACTIVE && !active && !disk)))
		return false;
	if (loc && !((loc & L_EXTERNAL && external) || (loc & L_INTERNAL && !external)))
		return false;
	return true;
}

static void
put_snap(GByteArray *out, const char *name, const RpcDom *dom)
{
	xdr_put_string(out, name);
	xdr_put_string(out, dom->name);
	xdr_put_fixed(out, dom->uuid, 16);
	xdr_put_i32(out, dom->id);
}

int
rpc_snap_dom(RpcClientCtx *c, const char *name, RpcDom *d, GError **err)
{
	g_autoptr(HvDomainInfo) i = NULL;
	int rc = HV_CALL(c->conn, domain, get_info, HV_READS, err, name, &i);

	if (rc == 0)
		rpc_dom_fill(d, i);
	return rc;
}

/* The snapshots of a->dom that match flags (under top when given). */
static int
matching(RpcClientCtx *c, RpcMsg *a, const char *top, unsigned flags, GPtrArray **out,
	 GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = snap_list(c, a->dom.name, &l, err);

	if (rc < 0)
		return rc;
	if (top && !rpc_snap_find(l, top))
		return hv_error_set(err, ENOENT, "no snapshot '%s' of domain '%s'", top,
				    a->dom.name);
	*out = g_ptr_array_new_with_free_func(g_free);
	for (guint k = 0; k < l->len; k++)
		if (snap_matches(l, l->pdata[k], flags, top))
			g_ptr_array_add(*out, g_strdup(((HvSnapshotInfo *)l->pdata[k])->name));
	return 0;
}

int
rpc_snap_list_reply(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, const char *top, RpcSnapPick pick,
		    GError **err)
{
	g_autoptr(GPtrArray) names = NULL;
	int need = (int)a->num[0];
	RpcDom dom = { 0 };
	int rc = pick(c, a, top, (unsigned)a->num[1], &names, err);

	if (rc < 0 || (rc = rpc_snap_dom(c, a->dom.name, &dom, err)) < 0) {
		g_free(dom.name);
		return rc;
	}
	r->raw = g_byte_array_new();
	xdr_put_u32(r->raw, need ? MIN(names->len, SNAP_LIST_MAX) : 0);
	for (guint k = 0; need && k < names->len && k < SNAP_LIST_MAX; k++)
		put_snap(r->raw, names->pdata[k], &dom);
	xdr_put_i32(r->raw, (int32_t)names->len);
	g_free(dom.name);
	return 0;
}

/* 274: dom, need_results, flags */
RPC_HANDLER(h_snap_list_all)
{
	return rpc_snap_list_reply(c, a, r, NULL, matching, err);
}

/* 275: snap, need_results, flags */
RPC_HANDLER(h_snap_list_all_children)
{
	return rpc_snap_list_reply(c, a, r, a->str[0], matching, err);
}

static int
names(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, const char *top, int max, unsigned flags,
      GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc;

	if (max < 0 || max > SNAP_LIST_MAX)
		return hv_error_set(err, EINVAL, "too many snapshot names asked: %d", max);
	if ((rc = matching(c, a, top, flags, &l, err)) < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint k = 0; k < l->len && (int)r->strs->len < max; k++)
		g_ptr_array_add(r->strs, g_strdup(l->pdata[k]));
	return 0;
}

static int
count(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, const char *top, unsigned flags, GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = matching(c, a, top, flags, &l, err);

	if (rc == 0)
		r->num[0] = l->len;
	return rc;
}

RPC_HANDLER(h_snap_num) { return count(c, a, r, NULL, (unsigned)a->num[0], err); }
RPC_HANDLER(h_snap_list_names)
{
	return names(c, a, r, NULL, (int)a->num[0], (unsigned)a->num[1], err);
}
RPC_HANDLER(h_snap_num_children) { return count(c, a, r, a->str[0], (unsigned)a->num[0], err); }
RPC_HANDLER(h_snap_list_children_names)
{
	return names(c, a, r, a->str[0], (int)a->num[0], (unsigned)a->num[1], err);
}

/* Replies a snapshot: name and domain. */
static int
reply_snap(RpcClientCtx *c, const char *dom, char *name, RpcMsg *r, GError **err)
{
	r->str[0] = name;
	return rpc_snap_dom(c, dom, &r->dom, err);
}

static int
snap_info(RpcClientCtx *c, RpcMsg *a, const char *name, HvSnapshotInfo **out, GError **err)
{
	return HV_CALL(c->conn, snapshot, get_info, HV_READS, err, a->dom.name, name, out);
}

/* 189: dom, name, flags */
RPC_HANDLER(h_snap_lookup_by_name)
{
	g_autoptr(HvSnapshotInfo) i = NULL;
	int rc = snap_info(c, a, a->str[0], &i, err);

	return rc < 0 ? rc : reply_snap(c, a->dom.name, g_strdup(i->name), r, err);
}

/* The current snapshot's name (owned) or NULL. */
static int
current(RpcClientCtx *c, RpcMsg *a, char **name, GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = snap_list(c, a->dom.name, &l, err);

	*name = NULL;
	for (guint k = 0; rc == 0 && k < l->len; k++)
		if (((HvSnapshotInfo *)l->pdata[k])->current)
			*name = g_strdup(((HvSnapshotInfo *)l->pdata[k])->name);
	return rc;
}

RPC_HANDLER(h_snap_has_current)
{
	g_autofree char *name = NULL;
	int rc = current(c, a, &name, err);

	r->num[0] = name != NULL;
	return rc;
}

RPC_HANDLER(h_snap_current)
{
	char *name = NULL;
	int rc = current(c, a, &name, err);

	if (rc == 0 && !name)
		return hv_error_set(err, ENOENT, "domain '%s' has no current snapshot",
				    a->dom.name);
	return rc < 0 ? rc : reply_snap(c, a->dom.name, name, r, err);
}

RPC_HANDLER(h_snap_get_parent)
{
	g_autoptr(HvSnapshotInfo) i = NULL;
	int rc = snap_info(c, a, a->str[0], &i, err);

	if (rc == 0 && !i->parent)
		return hv_error_set(err, ENOENT, "snapshot '%s' does not have a parent", i->name);
	return rc < 0 ? rc : reply_snap(c, a->dom.name, g_strdup(i->parent), r, err);
}

RPC_HANDLER(h_snap_is_current)
{
	g_autoptr(HvSnapshotInfo) i = NULL;
	int rc = snap_info(c, a, a->str[0], &i, err);

	if (rc == 0)
		r->num[0] = i->current;
	return rc;
}

RPC_HANDLER(h_snap_has_metadata)
{
	g_autoptr(HvSnapshotInfo) i = NULL;
	int rc = snap_info(c, a, a->str[0], &i, err);

	if (rc == 0)
		r->num[0] = 1;
	return rc;
}

/* flags: VIR_DOMAIN_SNAPSHOT_XML_SECURE 1 (the domain inside with its secrets) */
RPC_HANDLER(h_snap_get_xml)
{
	return RPC_SECURE_XML(c, "virDomainSnapshotGetXMLDesc", a->num[0] & 1, &r->str[0], err,
			      HV_CALL(c->conn, snapshot, get_xml, HV_READS, err, a->dom.name,
				      a->str[0], &r->str[0]));
}

/* 185: dom, xml, flags */
RPC_HANDLER(h_snap_create)
{
	char *name = NULL;
	int rc = HV_CALL(c->conn, snapshot, create_xml, HV_WRITES, err, a->dom.name, a->str[0],
			 (unsigned)a->num[0], &name);

	return rc < 0 ? rc : reply_snap(c, a->dom.name, name, r, err);
}

RPC_HANDLER(h_snap_revert)
{
	return HV_CALL(c->conn, snapshot, revert, HV_WRITES, err, a->dom.name, a->str[0],
		       (unsigned)a->num[0]);
}

RPC_HANDLER(h_snap_delete)
{
	return HV_CALL(c->conn, snapshot, delete, HV_WRITES, err, a->dom.name, a->str[0],
		       (unsigned)a->num[0]);
}

/* ---- managed save, save and restore */

RPC_HANDLER(h_dom_managed_save)
{
	return HV_CALL(c->conn, domain, managed_save, HV_WRITES, err, a->dom.name,
		       (unsigned)a->num[0]);
}

RPC_HANDLER(h_dom_managed_save_remove)
{
	return HV_CALL(c->conn, domain, managed_save_remove, HV_WRITES, err, a->dom.name);
}

/* 55: dom, to; 232: dom, to, dxml (refused), flags */
RPC_HANDLER(h_dom_save)
{
	return HV_CALL(c->conn, domain, save, HV_WRITES, err, a->dom.name, a->str[0], 0);
}

RPC_HANDLER(h_dom_save_flags)
{
	if (a->has_str[1] && a->str[1])
		return hv_error_set(err, ENOTSUP, "a changed definition (dxml) is not supported "
				    "when saving domain '%s'", a->dom.name);
	return HV_CALL(c->conn, domain, save, HV_WRITES, err, a->dom.name, a->str[0],
		       (unsigned)a->num[0]);
}

/* 54: from; 233: from, dxml (refused), flags */
RPC_HANDLER(h_dom_restore)
{
	return HV_CALL(c->conn, domain, restore, HV_WRITES, err, a->str[0], 0, NULL);
}

RPC_HANDLER(h_dom_restore_flags)
{
	if (a->has_str[1] && a->str[1])
		return hv_error_set(err, ENOTSUP, "a changed definition (dxml) is not supported "
				    "when restoring '%s'", a->str[0]);
	return HV_CALL(c->conn, domain, restore, HV_WRITES, err, a->str[0], (unsigned)a->num[0],
		       NULL);
}

/* flags: VIR_DOMAIN_SAVE_IMAGE_XML_SECURE 1 */
RPC_HANDLER(h_dom_save_image_xml)
{
	return RPC_SECURE_XML(c, "virDomainSaveImageGetXMLDesc", a->num[0] & 1, &r->str[0], err,
			      HV_CALL(c->conn, domain, save_image_xml, HV_READS, err, a->str[0],
				      &r->str[0]));
}
