/* proto_lists.c: the older list calls (ListDomains by id, the NumOf/List
 * pairs of names for defined and active networks and pools, a pool's volume
 * names) over the drivers' bulk lists, and the calls that make transient
 * objects (DomainCreateXML, NetworkCreateXML, StoragePoolCreateXML) and
 * volume copies (StorageVolCreateXMLFrom, StorageVolWipe). A max argument
 * that is negative or above libvirt's list bound is refused as libvirt's
 * daemon does; fewer names than max are fine. */
#include <errno.h>
#include "remote/proto_priv.h"

#define LIST_MAX 16384 /* REMOTE_{DOMAIN,NETWORK,STORAGE_POOL}_LIST_MAX */
#define VOL_LIST_MAX 16384 /* REMOTE_STORAGE_VOL_LIST_MAX */

static int
check_max(int64_t max, int64_t bound, const char *what, GError **err)
{
	if (max < 0 || max > bound)
		return hv_error_set(err, EINVAL, "too many %s requested: %lld, the limit is %lld",
				    what, (long long)max, (long long)bound);
	return 0;
}

static bool
dom_active(const HvDomainInfo *i)
{
	return i->state != HV_DOMAIN_SHUTOFF && i->state != HV_DOMAIN_NOSTATE;
}

RPC_HANDLER(h_list_domains)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = check_max(a->num[0], LIST_MAX, "domains", err);

	if (rc < 0 || (rc = HV_CALL(c->conn, domain, list, HV_READS, err, &l)) < 0)
		return rc;
	rpc_msg_init_lists(r);
	for (guint k = 0; k < l->len && r->ints->len < a->num[0]; k++) {
		const HvDomainInfo *i = l->pdata[k];
		int32_t id = i->id;

		if (dom_active(i))
			g_array_append_val(r->ints, id);
	}
	return 0;
}

RPC_HANDLER(h_list_defined_domains)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = check_max(a->num[0], LIST_MAX, "domain names", err);

	if (rc < 0 || (rc = HV_CALL(c->conn, domain, list, HV_READS, err, &l)) < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint k = 0; k < l->len && r->strs->len < a->num[0]; k++) {
		const HvDomainInfo *i = l->pdata[k];

		if (!dom_active(i))
			g_ptr_array_add(r->strs, g_strdup(i->name));
	}
	return 0;
}

/* Networks and pools: one list, counted or named, active or defined. */
typedef enum { L_COUNT_ACTIVE, L_COUNT_DEFINED, L_NAMES_ACTIVE, L_NAMES_DEFINED } ListWant;

/* What a kind's listing needs: its list call and what is active. */
typedef struct {
	const char *what;
	int (*list)(HvConn *conn, GPtrArray **l, GError **err);
	bool (*active)(const void *info);
} NamesKind;

static int
nets_list(HvConn *conn, GPtrArray **l, GError **err)
{
	return HV_CALL(conn, network, list, HV_READS, err, l);
}

static bool
net_active(const void *i)
{
	return ((const HvNetworkInfo *)i)->active;
}

static int
pools_list(HvConn *conn, GPtrArray **l, GError **err)
{
	return HV_CALL(conn, pool, list, HV_READS, err, l);
}

static bool
pool_active(const void *i)
{
	return ((const HvPoolInfo *)i)->state != HV_POOL_INACTIVE;
}

static const NamesKind net_names_kind = { "network names", nets_list, net_active };
static const NamesKind pool_names_kind = { "storage pool names", pools_list, pool_active };

/* Both info structs start with their name. */
G_STATIC_ASSERT(G_STRUCT_OFFSET(HvNetworkInfo, name) == 0);
G_STATIC_ASSERT(G_STRUCT_OFFSET(HvPoolInfo, name) == 0);

static int
obj_names(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, const NamesKind *k, ListWant w, GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	bool names = w == L_NAMES_ACTIVE || w == L_NAMES_DEFINED;
	bool active = w == L_COUNT_ACTIVE || w == L_NAMES_ACTIVE;
	int rc = names ? check_max(a->num[0], LIST_MAX, k->what, err) : 0;

	if (rc < 0 || (rc = k->list(c->conn, &l, err)) < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint n = 0; n < l->len; n++) {
		if (k->active(l->pdata[n]) != active)
			continue;
		if (!names)
			r->num[0]++;
		else if (r->strs->len < a->num[0])
			g_ptr_array_add(r->strs, g_strdup(*(char **)l->pdata[n]));
	}
	return 0;
}

static int
net_names(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, ListWant w, GError **err)
{
	return obj_names(c, a, r, &net_names_kind, w, err);
}

static int
pool_names(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, ListWant w, GError **err)
{
	return obj_names(c, a, r, &pool_names_kind, w, err);
}

RPC_HANDLER(h_num_of_networks) { return net_names(c, a, r, L_COUNT_ACTIVE, err); }
RPC_HANDLER(h_num_of_defined_networks) { return net_names(c, a, r, L_COUNT_DEFINED, err); }
RPC_HANDLER(h_list_networks) { return net_names(c, a, r, L_NAMES_ACTIVE, err); }
RPC_HANDLER(h_list_defined_networks) { return net_names(c, a, r, L_NAMES_DEFINED, err); }

RPC_HANDLER(h_num_of_pools) { return pool_names(c, a, r, L_COUNT_ACTIVE, err); }
RPC_HANDLER(h_num_of_defined_pools) { return pool_names(c, a, r, L_COUNT_DEFINED, err); }
RPC_HANDLER(h_list_pools) { return pool_names(c, a, r, L_NAMES_ACTIVE, err); }
RPC_HANDLER(h_list_defined_pools) { return pool_names(c, a, r, L_NAMES_DEFINED, err); }

RPC_HANDLER(h_pool_list_volumes)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = check_max(a->num[0], VOL_LIST_MAX, "storage volume names", err);

	if (rc < 0 || (rc = HV_CALL(c->conn, volume, list, HV_READS, err, a->pool.name, &l)) < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint k = 0; k < l->len && r->strs->len < a->num[0]; k++)
		g_ptr_array_add(r->strs, g_strdup(((const HvVolumeInfo *)l->pdata[k])->name));
	return 0;
}

/* ---- transient objects and copies */

RPC_HANDLER(h_dom_create_xml)
{
	g_autofree char *name = NULL;
	int rc = rpc_check_flags(c, "virDomainCreateXML", (unsigned)a->num[0], err) ?:
		 HV_CALL(c->conn, domain, create_xml, HV_WRITES, err, a->str[0],
			 (unsigned)a->num[0], &name);

	return rc < 0 ? rc : h_dom_lookup_by_name(c, &(RpcMsg){ .str = { name } }, r, err);
}

RPC_HANDLER(h_net_create_xml)
{
	g_autofree char *name = NULL;
	int rc = HV_CALL(c->conn, network, create_xml, HV_WRITES, err, a->str[0], &name);

	return rc < 0 ? rc : h_net_lookup_by_name(c, &(RpcMsg){ .str = { name } }, r, err);
}

RPC_HANDLER(h_pool_create_xml)
{
	g_autofree char *name = NULL;
	int rc = HV_CALL(c->conn, pool, create_xml, HV_WRITES, err, a->str[0],
			 (unsigned)a->num[0], &name);

	return rc < 0 ? rc : h_pool_lookup_by_name(c, &(RpcMsg){ .str = { name } }, r, err);
}

RPC_HANDLER(h_vol_create_xml_from)
{
	g_autofree char *name = NULL;
	int rc = HV_CALL(c->conn, volume, clone_xml, HV_WRITES, err, a->pool.name, a->str[0],
			 a->vol.pool, a->vol.name, &name);
	RpcMsg q = { .str = { name } };

	q.pool.name = a->pool.name;
	return rc < 0 ? rc : h_vol_lookup_by_name(c, &q, r, err);
}

RPC_HANDLER(h_vol_wipe)
{
	return HV_CALL(c->conn, volume, wipe, HV_WRITES, err, a->vol.pool, a->vol.name, 0u);
}

RPC_HANDLER(h_vol_wipe_pattern)
{
	return HV_CALL(c->conn, volume, wipe, HV_WRITES, err, a->vol.pool, a->vol.name,
		       (unsigned)a->num[0]);
}
