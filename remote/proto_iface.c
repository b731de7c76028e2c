/* proto_iface.c: hyperfsd's host interface procedures: counts and names of
 * the active and defined ones, list all (libvirt's ACTIVE/INACTIVE filter),
 * lookups by name and MAC with libvirt's messages, the XML and whether one is
 * active; define, undefine, start, stop and the change transaction (begin,
 * commit, rollback). An interface on the wire is {name, mac}. */
#include <errno.h>
#include "remote/proto_priv.h"

#define IFACE_LIST_MAX 16384 /* REMOTE_INTERFACE_LIST_MAX */
#define LIST_INACTIVE 1u      /* VIR_CONNECT_LIST_INTERFACES_INACTIVE */
#define LIST_ACTIVE 2u

static int
iface_list(RpcClientCtx *c, GPtrArray **l, GError **err)
{
	return HV_CALL(c->conn, iface, list, HV_READS, err, l);
}

/* Counted (max < 0) or named, the active or the defined ones. */
static int
iface_names(RpcClientCtx *c, int64_t max, bool active, RpcMsg *r, GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc;

	if (max > IFACE_LIST_MAX)
		return hv_error_set(err, EINVAL, "too many interface names requested: %lld",
				    (long long)max);
	if ((rc = iface_list(c, &l, err)) < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint k = 0; k < l->len; k++) {
		const HvInterfaceInfo *i = l->pdata[k];

		if (i->active != active)
			continue;
		rpc_name_out(r, max, i->name);
	}
	return 0;
}

RPC_HANDLER(h_num_of_ifaces) { return iface_names(c, -1, true, r, err); }
RPC_HANDLER(h_num_of_defined_ifaces) { return iface_names(c, -1, false, r, err); }
RPC_HANDLER(h_list_ifaces) { return iface_names(c, a->num[0] < 0 ? 0 : a->num[0], true, r, err); }
RPC_HANDLER(h_list_defined_ifaces) { return iface_names(c, a->num[0] < 0 ? 0 : a->num[0], false, r, err); }

RPC_HANDLER(h_list_all_ifaces)
{
	g_autoptr(GPtrArray) l = NULL;
	unsigned f = (unsigned)a->num[1];
	int rc = iface_list(c, &l, err);

	if (rc < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint k = 0; k < l->len; k++) {
		const HvInterfaceInfo *i = l->pdata[k];
		unsigned want = f & (LIST_ACTIVE | LIST_INACTIVE);

		if (want && want != (LIST_ACTIVE | LIST_INACTIVE) && !!(want & LIST_ACTIVE) != i->active)
			continue;
		if (a->num[0]) {
			g_ptr_array_add(r->strs, g_strdup(i->name));
			g_ptr_array_add(r->strs, g_strdup(i->mac ? i->mac : ""));
		}
		r->num[0]++;
	}
	return 0;
}

/* By name (by_mac false) or MAC: the {name, mac} reply, and whether it is active. */
static int
iface_find(RpcClientCtx *c, const char *key, bool by_mac, RpcMsg *r, GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = iface_list(c, &l, err);

	if (rc < 0)
		return rc;
	for (guint k = 0; k < l->len; k++) {
		const HvInterfaceInfo *i = l->pdata[k];

		if (by_mac ? g_ascii_strcasecmp(i->mac ? i->mac : "", key) == 0
			   : g_strcmp0(i->name, key) == 0) {
			r->str[0] = g_strdup(i->name);
			r->str[1] = g_strdup(i->mac ? i->mac : "");
			r->num[0] = i->active;
			return 0;
		}
	}
	return hv_error_set(err, ENOENT, "no interface with matching %s '%s'", by_mac ? "mac" : "name",
			    key);
}

RPC_HANDLER(h_iface_lookup_by_name) { return iface_find(c, a->str[0], false, r, err); }
RPC_HANDLER(h_iface_lookup_by_mac) { return iface_find(c, a->str[0], true, r, err); }

RPC_HANDLER(h_iface_is_active)
{
	RpcMsg tmp = { 0 };
	int rc = iface_find(c, a->str[0], false, &tmp, err);

	r->num[0] = tmp.num[0];
	rpc_msg_clear(&tmp);
	return rc;
}

RPC_HANDLER(h_iface_get_xml)
{
	return HV_CALL(c->conn, iface, get_xml, HV_READS, err, a->str[0], (unsigned)a->num[0],
		       &r->str[0]);
}

/* ---- the writes: define, undefine, start, stop, and the transaction */

/* The {name, mac} reply of a defined interface. */
RPC_HANDLER(h_iface_define_xml)
{
	g_autofree char *name = NULL;
	int rc;

	if (a->num[0])
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", (unsigned)a->num[0]);
	if ((rc = HV_CALL(c->conn, iface, define_xml, HV_WRITES, err, a->str[0], &name)) < 0)
		return rc;
	return iface_find(c, name, false, r, err);
}

RPC_HANDLER(h_iface_undefine)
{
	return HV_CALL(c->conn, iface, undefine, HV_WRITES, err, a->str[0]);
}

static int
iface_flags(const RpcMsg *a, int at, GError **err)
{
	return a->num[at] ? hv_error_set(err, EINVAL, "unsupported flags (0x%x)",
					 (unsigned)a->num[at]) : 0;
}

RPC_HANDLER(h_iface_create)
{
	return iface_flags(a, 0, err) ?: HV_CALL(c->conn, iface, start, HV_WRITES, err, a->str[0]);
}

RPC_HANDLER(h_iface_destroy)
{
	return iface_flags(a, 0, err) ?: HV_CALL(c->conn, iface, stop, HV_WRITES, err, a->str[0]);
}

RPC_HANDLER(h_iface_change_begin)
{
	return iface_flags(a, 0, err) ?: HV_CALL(c->conn, iface, change_begin, HV_WRITES, err, 0);
}

RPC_HANDLER(h_iface_change_commit)
{
	return iface_flags(a, 0, err) ?: HV_CALL(c->conn, iface, change_commit, HV_WRITES, err, 0);
}

RPC_HANDLER(h_iface_change_rollback)
{
	return iface_flags(a, 0, err) ?: HV_CALL(c->conn, iface, change_rollback, HV_WRITES, err, 0);
}
