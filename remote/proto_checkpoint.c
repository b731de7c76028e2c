/* proto_checkpoint.c: hyperfsd's checkpoint procedures (411-417) over the
 * driver's checkpoint ops (HvCheckpointOps). A checkpoint on the wire is
 * remote_nonnull_domain_checkpoint {name, domain}, laid out as a snapshot is:
 * the shapes spell it X_STR, X_DOM. Lists (413, 414) are picked here with
 * libvirt's filters: roots (or, of a checkpoint, all descendants), leaves,
 * no leaves; and encoded as snapshot lists are (rpc_snap_list_reply). */
#include <errno.h>
#include "remote/proto_priv.h"

enum { L_ROOTS = 1 << 0, L_TOPOLOGICAL = 1 << 1, L_LEAVES = 1 << 2, L_NO_LEAVES = 1 << 3 };

static int
cp_list(RpcClientCtx *c, const char *dom, GPtrArray **out, GError **err)
{
	return HV_CALL(c->conn, checkpoint, list, HV_READS, err, dom, out);
}

/* The checkpoints of a->dom that match flags (under top when given). */
static int
matching(RpcClientCtx *c, RpcMsg *a, const char *top, unsigned flags, GPtrArray **out,
	 GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	unsigned known = L_ROOTS | L_TOPOLOGICAL | L_LEAVES | L_NO_LEAVES;
	int rc;

	if (flags & ~known)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", flags & ~known);
	if ((rc = cp_list(c, a->dom.name, &l, err)) < 0)
		return rc;
	if (top && !rpc_snap_find(l, top))
		return hv_error_set(err, ENOENT, "no domain checkpoint with matching name '%s'", top);
	*out = g_ptr_array_new_with_free_func(g_free);
	for (guint k = 0; k < l->len; k++) {
		const HvSnapshotInfo *i = l->pdata[k];

		if (top ? !rpc_snap_under(l, i, top, flags & L_ROOTS) : (flags & L_ROOTS) && i->parent)
			continue;
		if (((flags & L_LEAVES) && i->children) || ((flags & L_NO_LEAVES) && !i->children))
			continue;
		g_ptr_array_add(*out, g_strdup(i->name));
	}
	return 0;
}

/* 413: dom, need_results, flags */
RPC_HANDLER(h_list_all_checkpoints)
{
	return rpc_snap_list_reply(c, a, r, NULL, matching, err);
}

/* 414: checkpoint, need_results, flags */
RPC_HANDLER(h_checkpoint_list_all_children)
{
	return rpc_snap_list_reply(c, a, r, a->str[0], matching, err);
}

/* 411: dom, xml, flags */
RPC_HANDLER(h_checkpoint_create_xml)
{
	char *name = NULL;
	int rc = HV_CALL(c->conn, checkpoint, create_xml, HV_WRITES, err, a->dom.name, a->str[0],
			 (unsigned)a->num[0], &name);

	if (rc < 0)
		return rc;
	r->str[0] = name;
	return rpc_snap_dom(c, a->dom.name, &r->dom, err);
}

/* 412: checkpoint, flags */
/* flags: VIR_DOMAIN_CHECKPOINT_XML_SECURE 1 (the domain inside with its secrets) */
RPC_HANDLER(h_checkpoint_get_xml)
{
	return RPC_SECURE_XML(c, "virDomainCheckpointGetXMLDesc", a->num[0] & 1, &r->str[0], err,
			      HV_CALL(c->conn, checkpoint, get_xml, HV_READS, err, a->dom.name,
				      a->str[0], (unsigned)a->num[0], &r->str[0]));
}

/* The checkpoint called name (lookup), or name's parent (parent). */
static int
one(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, const char *name, bool parent, unsigned flags,
    GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	const HvSnapshotInfo *i;
	int rc;

	if (flags)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", flags);
	if ((rc = cp_list(c, a->dom.name, &l, err)) < 0)
		return rc;
	if (!(i = rpc_snap_find(l, name)))
		return hv_error_set(err, ENOENT, "no domain checkpoint with matching name '%s'", name);
	if (parent && !i->parent)
		return hv_error_set(err, ENOENT, "checkpoint '%s' does not have a parent", name);
	r->str[0] = g_strdup(parent ? i->parent : i->name);
	return rpc_snap_dom(c, a->dom.name, &r->dom, err);
}

/* 415: dom, name, flags */
RPC_HANDLER(h_checkpoint_lookup_by_name)
{
	return one(c, a, r, a->str[0], false, (unsigned)a->num[0], err);
}

/* 416: checkpoint, flags */
RPC_HANDLER(h_checkpoint_get_parent)
{
	return one(c, a, r, a->str[0], true, (unsigned)a->num[0], err);
}

/* 417: checkpoint, flags */
RPC_HANDLER(h_checkpoint_delete)
{
	return HV_CALL(c->conn, checkpoint, delete, HV_WRITES, err, a->dom.name, a->str[0],
		       (unsigned)a->num[0]);
}
