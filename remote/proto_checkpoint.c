/* proto_checkpoint.c: hyperfsd's checkpoint procedures (411-417) over the
 * driver's checkpoint ops (HvCheckpointOps). A checkpoint on the wire is
 * remote_nonnull_domain_checkpoint {name, domain}, laid out as a snapshot is:
 * the shapes spell it X_STR, X_DOM. Lists (413, 414) are encoded here with
 * libvirt's filters: roots (or, of a checkpoint, all descendants), leaves,
 * no leaves. */
#include <errno.h>
#include "remote/proto_priv.h"
#include "remote/xdr.h"

#define CHECKPOINT_LIST_MAX 16384 /* REMOTE_DOMAIN_CHECKPOINT_LIST_MAX */

enum { L_ROOTS = 1 << 0, L_TOPOLOGICAL = 1 << 1, L_LEAVES = 1 << 2, L_NO_LEAVES = 1 << 3 };

static int
cp_list(RpcClientCtx *c, const char *dom, GPtrArray **out, GError **err)
{
	return HV_CALL(c->conn, checkpoint, list, HV_READS, err, dom, out);
}

static int
dom_of(RpcClientCtx *c, const char *name, RpcDom *d, GError **err)
{
	g_autoptr(HvDomainInfo) i = NULL;
	int rc = HV_CALL(c->conn, domain, get_info, HV_READS, err, name, &i);

	if (rc == 0)
		rpc_dom_fill(d, i);
	return rc;
}

/* The list of a domain's checkpoints, or of top's descendants. */
static int
list_all(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, const char *top, int need, unsigned flags,
	 GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	g_autoptr(GPtrArray) pick = g_ptr_array_new();
	unsigned known = L_ROOTS | L_TOPOLOGICAL | L_LEAVES | L_NO_LEAVES;
	RpcDom dom = { 0 };
	int rc;

	if (flags & ~known)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", flags & ~known);
	if ((rc = cp_list(c, a->dom.name, &l, err)) < 0)
		return rc;
	if (top && !rpc_snap_find(l, top))
		return hv_error_set(err, ENOENT, "no domain checkpoint with matching name '%s'", top);
	for (guint k = 0; k < l->len; k++) {
		const HvSnapshotInfo *i = l->pdata[k];

		if (top ? !rpc_snap_under(l, i, top, flags & L_ROOTS) : (flags & L_ROOTS) && i->parent)
			continue;
		if (((flags & L_LEAVES) && i->children) || ((flags & L_NO_LEAVES) && !i->children))
			continue;
		g_ptr_array_add(pick, i->name);
	}
	if ((rc = dom_of(c, a->dom.name, &dom, err)) < 0)
		return rc;
	r->raw = g_byte_array_new();
	xdr_put_u32(r->raw, need ? MIN(pick->len, CHECKPOINT_LIST_MAX) : 0);
	for (guint k = 0; need && k < pick->len && k < CHECKPOINT_LIST_MAX; k++) {
		xdr_put_string(r->raw, pick->pdata[k]);
		xdr_put_string(r->raw, dom.name);
		xdr_put_fixed(r->raw, dom.uuid, 16);
		xdr_put_i32(r->raw, dom.id);
	}
	xdr_put_i32(r->raw, (int32_t)pick->len);
	g_free(dom.name);
	return 0;
}

/* 413: dom, need_results, flags */
RPC_HANDLER(h_list_all_checkpoints)
{
	return list_all(c, a, r, NULL, (int)a->num[0], (unsigned)a->num[1], err);
}

/* 414: checkpoint, need_results, flags */
RPC_HANDLER(h_checkpoint_list_all_children)
{
	return list_all(c, a, r, a->str[0], (int)a->num[0], (unsigned)a->num[1], err);
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
	return dom_of(c, a->dom.name, &r->dom, err);
}

/* 412: checkpoint, flags */
RPC_HANDLER(h_checkpoint_get_xml)
{
	return HV_CALL(c->conn, checkpoint, get_xml, HV_READS, err, a->dom.name, a->str[0],
		       (unsigned)a->num[0], &r->str[0]);
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
	return dom_of(c, a->dom.name, &r->dom, err);
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
