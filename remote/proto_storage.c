/* proto_storage.c: hyperfsd's network, storage pool and volume procedures.
 * Objects are addressed by name (volumes by pool and name); list filters follow
 * libvirt's virConnectListAll{Networks,StoragePools}Flags. */
#include <errno.h>
#include <string.h>
#include "remote/proto_priv.h"

/* Flag pairs shared by networks and pools: INACTIVE/ACTIVE, PERSISTENT/
 * TRANSIENT, AUTOSTART/NO_AUTOSTART (libvirt numbers them alike). */
static bool
obj_matches(unsigned f, bool active, bool persistent, bool autostart)
{
	const struct {
		unsigned yes, no;
		bool v;
	} pairs[] = { { 2, 1, active }, { 4, 8, persistent }, { 16, 32, autostart } };

	for (size_t k = 0; k < G_N_ELEMENTS(pairs); k++) {
		unsigned want = f & (pairs[k].yes | pairs[k].no);

		if (want && want != (pairs[k].yes | pairs[k].no) &&
		    !!(want & pairs[k].yes) != pairs[k].v)
			return false;
	}
	return true;
}

static void
named_fill(RpcNamed *n, const char *name, const char *uuid)
{
	g_free(n->name);
	n->name = g_strdup(name);
	rpc_uuid_parse(uuid, n->uuid);
}

/* ---- networks ---- */

static int
net_info(RpcClientCtx *c, const char *name, HvNetworkInfo **out, GError **err)
{
	return HV_CALL(c->conn, network, get_info, HV_READS, err, name, out);
}

RPC_HANDLER(h_list_all_networks)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = HV_CALL(c->conn, network, list, HV_READS, err, &l);

	if (rc < 0)
		return rc;
	rpc_msg_init_lists(r);
	for (guint k = 0; k < l->len; k++) {
		const HvNetworkInfo *i = l->pdata[k];
		RpcNamed n = { 0 };

		if (!obj_matches((unsigned)a->num[1], i->active, i->persistent, i->autostart))
			continue;
		if (a->num[0]) {
			named_fill(&n, i->name, i->uuid);
			g_array_append_val(r->nets, n);
		}
		r->num[0]++;
	}
	return 0;
}

/* A name that is not there: libvirt's lookup message, which clients match. */
static int
no_such(int rc, GError **err, const char *what, const char *name)
{
	if (rc != -ENOENT || !err || !*err)
		return rc;
	g_clear_error(err);
	return hv_error_set(err, ENOENT, "no %s with matching name '%s'", what, name);
}

RPC_HANDLER(h_net_lookup_by_name)
{
	g_autoptr(HvNetworkInfo) i = NULL;
	int rc = net_info(c, a->str[0], &i, err);

	if (rc == 0)
		named_fill(&r->net, i->name, i->uuid);
	return no_such(rc, err, "network", a->str[0]);
}

RPC_HANDLER(h_net_lookup_by_uuid)
{
	g_autoptr(GPtrArray) l = NULL;
	char want[HV_UUID_STRLEN];
	int rc = HV_CALL(c->conn, network, list, HV_READS, err, &l);

	if (rc < 0)
		return rc;
	rpc_uuid_format(a->uuid, want);
	for (guint k = 0; k < l->len; k++) {
		const HvNetworkInfo *i = l->pdata[k];

		if (g_ascii_strcasecmp(i->uuid, want) == 0) {
			named_fill(&r->net, i->name, i->uuid);
			return 0;
		}
	}
	return hv_error_set(err, ENOENT, "no network with matching uuid '%s'", want);
}

RPC_HANDLER(h_net_get_xml)
{
	unsigned f = ((unsigned)a->num[0] & 1u) ? HV_XML_INACTIVE : 0;
	int rc = rpc_check_flags(c, "virNetworkGetXMLDesc", (unsigned)a->num[0], err);

	return rc < 0 ? rc : HV_CALL(c->conn, network, get_xml, HV_READS, err, a->net.name, f, &r->str[0]);
}

typedef enum { Q_ACTIVE, Q_PERSISTENT, Q_AUTOSTART, Q_BRIDGE } NetQuery;

static int
net_query(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, NetQuery q, GError **err)
{
	g_autoptr(HvNetworkInfo) i = NULL;
	int rc = net_info(c, a->net.name, &i, err);

	if (rc < 0)
		return rc;
	switch (q) {
	case Q_ACTIVE: r->num[0] = i->active; break;
	case Q_PERSISTENT: r->num[0] = i->persistent; break;
	case Q_AUTOSTART: r->num[0] = i->autostart; break;
	case Q_BRIDGE:
		if (!i->bridge)
			return hv_error_set(err, ENOENT, "network '%s' has no bridge", i->name);
		r->str[0] = g_strdup(i->bridge);
		break;
	}
	return 0;
}

RPC_HANDLER(h_net_is_active) { return net_query(c, a, r, Q_ACTIVE, err); }
RPC_HANDLER(h_net_is_persistent) { return net_query(c, a, r, Q_PERSISTENT, err); }
RPC_HANDLER(h_net_get_autostart) { return net_query(c, a, r, Q_AUTOSTART, err); }
RPC_HANDLER(h_net_get_bridge) { return net_query(c, a, r, Q_BRIDGE, err); }

RPC_HANDLER(h_net_set_autostart)
{
	return HV_CALL(c->conn, network, set_autostart, HV_WRITES, err, a->net.name, a->num[0] != 0);
}

RPC_HANDLER(h_net_create) { return HV_CALL(c->conn, network, start, HV_WRITES, err, a->net.name); }
RPC_HANDLER(h_net_destroy) { return HV_CALL(c->conn, network, stop, HV_WRITES, err, a->net.name); }
RPC_HANDLER(h_net_undefine) { return HV_CALL(c->conn, network, undefine, HV_WRITES, err, a->net.name); }

RPC_HANDLER(h_net_define)
{
	g_autofree char *name = NULL;
	int rc = HV_CALL(c->conn, network, define_xml, HV_WRITES, err, a->str[0], &name);

	return rc < 0 ? rc : h_net_lookup_by_name(c, &(RpcMsg){ .str = { name } }, r, err);
}

/* ---- pools ---- */

static int
pool_info(RpcClientCtx *c, const char *name, HvPoolInfo **out, GError **err)
{
	return HV_CALL(c->conn, pool, get_info, HV_READS, err, name, out);
}

RPC_HANDLER(h_list_all_pools)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = HV_CALL(c->conn, pool, list, HV_READS, err, &l);

	if (rc < 0)
		return rc;
	rpc_msg_init_lists(r);
	for (guint k = 0; k < l->len; k++) {
		const HvPoolInfo *i = l->pdata[k];
		RpcNamed n = { 0 };

		if (!obj_matches((unsigned)a->num[1] & 63u, i->state != HV_POOL_INACTIVE,
				 i->persistent, i->autostart))
			continue;
		if (a->num[0]) {
			named_fill(&n, i->name, i->uuid);
			g_array_append_val(r->pools, n);
		}
		r->num[0]++;
	}
	return 0;
}

RPC_HANDLER(h_pool_lookup_by_name)
{
	g_autoptr(HvPoolInfo) i = NULL;
	int rc = pool_info(c, a->str[0], &i, err);

	if (rc == 0)
		named_fill(&r->pool, i->name, i->uuid);
	return no_such(rc, err, "storage pool", a->str[0]);
}

RPC_HANDLER(h_pool_lookup_by_uuid)
{
	g_autoptr(GPtrArray) l = NULL;
	char want[HV_UUID_STRLEN];
	int rc = HV_CALL(c->conn, pool, list, HV_READS, err, &l);

	if (rc < 0)
		return rc;
	rpc_uuid_format(a->uuid, want);
	for (guint k = 0; k < l->len; k++) {
		const HvPoolInfo *i = l->pdata[k];

		if (g_ascii_strcasecmp(i->uuid, want) == 0) {
			named_fill(&r->pool, i->name, i->uuid);
			return 0;
		}
	}
	return hv_error_set(err, ENOENT, "no storage pool with matching uuid '%s'", want);
}

RPC_HANDLER(h_pool_lookup_by_volume)
{
	return h_pool_lookup_by_name(c, &(RpcMsg){ .str = { a->vol.pool } }, r, err);
}

RPC_HANDLER(h_pool_get_info)
{
	g_autoptr(HvPoolInfo) i = NULL;
	int rc = pool_info(c, a->pool.name, &i, err);

	if (rc < 0)
		return rc;
	r->num[0] = i->state;
	r->num[1] = (int64_t)i->capacity;
	r->num[2] = (int64_t)i->allocation;
	r->num[3] = (int64_t)i->available;
	return 0;
}

static int
pool_flag(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, int which, GError **err)
{
	g_autoptr(HvPoolInfo) i = NULL;
	int rc = pool_info(c, a->pool.name, &i, err);

	if (rc == 0)
		r->num[0] = which == 0 ? i->state != HV_POOL_INACTIVE
			  : which == 1 ? i->persistent : i->autostart;
	return rc;
}

RPC_HANDLER(h_pool_is_active) { return pool_flag(c, a, r, 0, err); }
RPC_HANDLER(h_pool_is_persistent) { return pool_flag(c, a, r, 1, err); }
RPC_HANDLER(h_pool_get_autostart) { return pool_flag(c, a, r, 2, err); }

RPC_HANDLER(h_pool_get_xml)
{
	unsigned f = ((unsigned)a->num[0] & 1u) ? HV_XML_INACTIVE : 0;
	int rc = rpc_check_flags(c, "virStoragePoolGetXMLDesc", (unsigned)a->num[0], err);

	return rc < 0 ? rc : HV_CALL(c->conn, pool, get_xml, HV_READS, err, a->pool.name, f, &r->str[0]);
}

RPC_HANDLER(h_pool_set_autostart)
{
	return HV_CALL(c->conn, pool, set_autostart, HV_WRITES, err, a->pool.name, a->num[0] != 0);
}

RPC_HANDLER(h_pool_create) { return HV_CALL(c->conn, pool, start, HV_WRITES, err, a->pool.name); }
RPC_HANDLER(h_pool_destroy) { return HV_CALL(c->conn, pool, stop, HV_WRITES, err, a->pool.name); }
RPC_HANDLER(h_pool_build) { return HV_CALL(c->conn, pool, build, HV_WRITES, err, a->pool.name); }
RPC_HANDLER(h_pool_refresh) { return HV_CALL(c->conn, pool, refresh, HV_WRITES, err, a->pool.name); }
RPC_HANDLER(h_pool_delete) { return HV_CALL(c->conn, pool, delete, HV_WRITES, err, a->pool.name); }
RPC_HANDLER(h_pool_undefine) { return HV_CALL(c->conn, pool, undefine, HV_WRITES, err, a->pool.name); }

RPC_HANDLER(h_pool_define)
{
	g_autofree char *name = NULL;
	int rc = HV_CALL(c->conn, pool, define_xml, HV_WRITES, err, a->str[0], &name);

	return rc < 0 ? rc : h_pool_lookup_by_name(c, &(RpcMsg){ .str = { name } }, r, err);
}

/* 75: type, srcSpec (optional), flags. A write, as libvirt's (it refuses
 * read-only connections). */
RPC_HANDLER(h_find_pool_sources)
{
	return HV_CALL(c->conn, pool, find_sources, HV_WRITES, err, a->str[0], a->str[1],
		       (unsigned)a->num[0], &r->str[0]);
}

/* ---- volumes ---- */

static void
vol_fill(RpcVol *v, const HvVolumeInfo *i)
{
	g_free(v->pool);
	g_free(v->name);
	g_free(v->key);
	v->pool = g_strdup(i->pool);
	v->name = g_strdup(i->name);
	v->key = g_strdup(i->key ? i->key : i->path ? i->path : i->name);
}

static int
vol_list(RpcClientCtx *c, const char *pool, GPtrArray **l, GError **err)
{
	return HV_CALL(c->conn, volume, list, HV_READS, err, pool, l);
}

RPC_HANDLER(h_pool_list_all_volumes)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = vol_list(c, a->pool.name, &l, err);

	if (rc < 0)
		return rc;
	rpc_msg_init_lists(r);
	for (guint k = 0; k < l->len; k++) {
		RpcVol v = { 0 };

		if (a->num[0]) {
			vol_fill(&v, l->pdata[k]);
			g_array_append_val(r->vols, v);
		}
		r->num[0]++;
	}
	return 0;
}

RPC_HANDLER(h_pool_num_of_volumes)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = vol_list(c, a->pool.name, &l, err);

	if (rc == 0)
		r->num[0] = l->len;
	return rc;
}

static int
vol_info(RpcClientCtx *c, const char *pool, const char *name, HvVolumeInfo **out, GError **err)
{
	return HV_CALL(c->conn, volume, get_info, HV_READS, err, pool, name, out);
}

RPC_HANDLER(h_vol_lookup_by_name)
{
	g_autoptr(HvVolumeInfo) i = NULL;
	int rc = vol_info(c, a->pool.name, a->str[0], &i, err);

	if (rc == 0)
		vol_fill(&r->vol, i);
	return rc;
}

/* By path or key: a scan of every pool's volumes. */
RPC_HANDLER(h_vol_lookup_by_path)
{
	g_autoptr(GPtrArray) pools = NULL;
	int rc = HV_CALL(c->conn, pool, list, HV_READS, err, &pools);

	for (guint p = 0; rc == 0 && p < pools->len; p++) {
		g_autoptr(GPtrArray) l = NULL;

		if (vol_list(c, ((HvPoolInfo *)pools->pdata[p])->name, &l, NULL) < 0)
			continue;
		for (guint k = 0; k < l->len; k++) {
			const HvVolumeInfo *i = l->pdata[k];

			if (g_strcmp0(i->path, a->str[0]) == 0 || g_strcmp0(i->key, a->str[0]) == 0) {
				vol_fill(&r->vol, i);
				return 0;
			}
		}
	}
	return rc < 0 ? rc : hv_error_set(err, ENOENT, "no storage vol with matching path '%s'",
					  a->str[0]);
}

static const char *const vol_types[] = { "file", "block", "dir", "network", "netdir", "ploop" };

RPC_HANDLER(h_vol_get_info)
{
	g_autoptr(HvVolumeInfo) i = NULL;
	int rc = vol_info(c, a->vol.pool, a->vol.name, &i, err);

	if (rc < 0)
		return rc;
	r->num[0] = 0;
	for (size_t k = 0; k < G_N_ELEMENTS(vol_types); k++)
		if (g_strcmp0(i->type, vol_types[k]) == 0)
			r->num[0] = (int64_t)k;
	r->num[1] = (int64_t)i->capacity;
	r->num[2] = (int64_t)i->allocation;
	return 0;
}

RPC_HANDLER(h_vol_get_path)
{
	g_autoptr(HvVolumeInfo) i = NULL;
	int rc = vol_info(c, a->vol.pool, a->vol.name, &i, err);

	if (rc == 0)
		r->str[0] = g_strdup(i->path ? i->path : "");
	return rc;
}

RPC_HANDLER(h_vol_get_xml)
{
	return HV_CALL(c->conn, volume, get_xml, HV_READS, err, a->vol.pool, a->vol.name, &r->str[0]);
}

RPC_HANDLER(h_vol_create_xml)
{
	g_autofree char *name = NULL;
	int rc = HV_CALL(c->conn, volume, create_xml, HV_WRITES, err, a->pool.name, a->str[0], &name);
	RpcMsg q = { .str = { name } };

	q.pool.name = a->pool.name;
	return rc < 0 ? rc : h_vol_lookup_by_name(c, &q, r, err);
}

RPC_HANDLER(h_vol_delete)
{
	return HV_CALL(c->conn, volume, delete, HV_WRITES, err, a->vol.pool, a->vol.name);
}

RPC_HANDLER(h_vol_resize)
{
	return HV_CALL(c->conn, volume, resize, HV_WRITES, err, a->vol.pool, a->vol.name,
		       (uint64_t)a->num[0]);
}
