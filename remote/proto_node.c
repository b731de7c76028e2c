/* proto_node.c: hyperfsd's connection and node procedures (open, close, type,
 * versions, hostname, uri, capabilities, node info, features, auth) and the
 * domain event callback registration, which the daemon implements through the
 * RpcClientCtx hooks. */
#include <string.h>
#include "remote/proto_priv.h"

#define VIR_CONNECT_RO 1u
#define LIB_VERSION (0u * 1000000u + 1u * 1000u + 0u) /* HV_VERSION 0.1.0 */
/* The library version the daemon answers: the libvirt whose protocol it
 * speaks (clients such as virsh and the bindings decide features by it). */
#define PROTOCOL_LIB_VERSION (9u * 1000000u + 0u * 1000u + 0u)
#define DEFAULT_MAX_VCPUS 255u

/* virDrvFeature numbers we claim. */
enum {
	FEATURE_MIGRATION_P2P = 4, /* Perform3Params runs the whole migration (proto_migrate.c) */
	FEATURE_MIGRATION_V3 = 6,
	FEATURE_MIGRATION_OFFLINE = 12,
	FEATURE_MIGRATION_PARAMS = 13,
	FEATURE_TYPED_PARAM_STRING = 9,
	FEATURE_PROGRAM_KEEPALIVE = 10,
	FEATURE_REMOTE_EVENT_CALLBACK = 14,
};

RPC_HANDLER(h_connect_open)
{
	if (c->conn)
		return hv_error_set(err, EISCONN, "the connection is already open");
	if ((unsigned)a->num[0] & VIR_CONNECT_RO)
		c->readonly = true;
	return c->open(c, a->str[0], err);
}

RPC_HANDLER(h_connect_close)
{
	c->close(c);
	return 0;
}

RPC_HANDLER(h_get_type)
{
	r->str[0] = g_ascii_strup(c->conn->driver->name, -1);
	return 0;
}

/* The driver's hypervisor version; hyperfs's own for a driver that has none. */
RPC_HANDLER(h_get_version)
{
	uint64_t v = LIB_VERSION;

	if (c->conn->driver->node->get_version) {
		int rc = HV_CALL(c->conn, node, get_version, HV_READS, err, &v);

		if (rc < 0)
			return rc;
	}
	r->num[0] = (int64_t)v;
	return 0;
}

RPC_HANDLER(h_get_lib_version)
{
	r->num[0] = PROTOCOL_LIB_VERSION;
	return 0;
}

RPC_HANDLER(h_get_max_vcpus)
{
	unsigned max = DEFAULT_MAX_VCPUS;

	if (c->conn->driver->node->get_max_vcpus) {
		int rc = HV_CALL(c->conn, node, get_max_vcpus, HV_READS, err, a->str[0], &max);

		if (rc < 0)
			return rc;
	}
	r->num[0] = max;
	return 0;
}

RPC_HANDLER(h_node_get_info)
{
	HvNodeInfo i = { 0 };
	int rc = HV_CALL(c->conn, node, get_info, HV_READS, err, &i);

	if (rc < 0)
		return rc;
	g_strlcpy(r->model, i.model ? i.model : "", 32);
	r->num[0] = (int64_t)i.memory_kib;
	r->num[1] = i.cpus;
	r->num[2] = i.mhz;
	r->num[3] = i.nodes;
	r->num[4] = i.sockets;
	r->num[5] = i.cores;
	r->num[6] = i.threads;
	hv_node_info_clear(&i);
	return 0;
}

RPC_HANDLER(h_node_get_free_memory)
{
	HvNodeInfo i = { 0 };
	int rc = HV_CALL(c->conn, node, get_info, HV_READS, err, &i);

	r->num[0] = (int64_t)(i.free_memory_kib * 1024);
	hv_node_info_clear(&i);
	return rc;
}

RPC_HANDLER(h_get_hostname)
{
	HvNodeInfo i = { 0 };
	int rc = HV_CALL(c->conn, node, get_info, HV_READS, err, &i);

	if (rc == 0)
		r->str[0] = g_strdup(i.hostname ? i.hostname : g_get_host_name());
	hv_node_info_clear(&i);
	return rc;
}

RPC_HANDLER(h_get_capabilities)
{
	return HV_CALL(c->conn, node, get_capabilities, HV_READS, err, &r->str[0]);
}

RPC_HANDLER(h_get_uri)
{
	r->str[0] = g_strdup(c->conn->uri_str);
	return 0;
}

RPC_HANDLER(h_is_secure)
{
	r->num[0] = c->secure;
	return 0;
}

RPC_HANDLER(h_supports_feature)
{
	switch (a->num[0]) {
	case FEATURE_PROGRAM_KEEPALIVE:
		c->keepalive = true;
		r->num[0] = 1;
		break;
	case FEATURE_REMOTE_EVENT_CALLBACK:
	case FEATURE_TYPED_PARAM_STRING: /* clients then add VIR_TYPED_PARAM_STRING_OKAY */
		r->num[0] = 1;
		break;
	case FEATURE_MIGRATION_P2P:
	case FEATURE_MIGRATION_V3: /* proto_migrate.c, when the driver migrates */
	case FEATURE_MIGRATION_OFFLINE:
	case FEATURE_MIGRATION_PARAMS:
		r->num[0] = c->conn && c->conn->driver->domain &&
			    c->conn->driver->domain->migrate_begin;
		break;
	default:
		r->num[0] = 0;
		break;
	}
	return 0;
}

/* Only REMOTE_AUTH_NONE: access is decided by which socket the client used. */
RPC_HANDLER(h_auth_list)
{
	int32_t none = 0;

	rpc_msg_init_lists(r);
	g_array_append_val(r->ints, none);
	return 0;
}

static int
event_register(RpcClientCtx *c, HvObjKind kind, int event_id, const char *name, RpcMsg *r,
	       GError **err)
{
	int id = c->event_register(c, kind, event_id, name, err);

	if (id < 0)
		return id;
	r->num[0] = id;
	return 0;
}

RPC_HANDLER(h_event_register_any)
{
	return event_register(c, HV_OBJ_DOMAIN, (int)a->num[0], a->has_dom ? a->dom.name : NULL, r,
			      err);
}

RPC_HANDLER(h_net_event_register_any)
{
	return event_register(c, HV_OBJ_NETWORK, (int)a->num[0], a->has_net ? a->net.name : NULL, r,
			      err);
}

RPC_HANDLER(h_pool_event_register_any)
{
	return event_register(c, HV_OBJ_POOL, (int)a->num[0], a->has_pool ? a->pool.name : NULL, r,
			      err);
}

RPC_HANDLER(h_event_deregister_any)
{
	return c->event_deregister(c, (int)a->num[0], err);
}

/* ---- the host: CPU map, cells, sysinfo, CPU counters */

#define NODE_MAX_CELLS 1024    /* REMOTE_NODE_MAX_CELLS */
#define NODE_CPU_STATS_MAX 16  /* REMOTE_NODE_CPU_STATS_MAX */

RPC_HANDLER(h_node_get_cpu_map)
{
	uint8_t map[HV_CPUMAP_BYTES];
	unsigned online = 0;
	int n = HV_CALL(c->conn, node, get_cpu_map, HV_READS, err, map, &online);

	if (n < 0)
		return n;
	rpc_msg_init_extra(r);
	if (a->num[0]) /* need_map */
		g_byte_array_append(r->bytes, map, (guint)MIN((n + 7) / 8, HV_CPUMAP_BYTES));
	r->num[0] = a->num[1] ? online : 0;
	r->num[1] = n;
	return 0;
}

RPC_HANDLER(h_node_get_cells_free_memory)
{
	g_autoptr(GArray) cells = NULL;
	int rc;

	if (a->num[1] < 0 || a->num[1] > NODE_MAX_CELLS)
		return hv_error_set(err, EINVAL, "maxCells > REMOTE_NODE_MAX_CELLS");
	rc = HV_CALL(c->conn, node, get_cells_free_memory, HV_READS, err, (int)a->num[0],
		     (int)a->num[1], &cells);
	if (rc < 0)
		return rc;
	rpc_msg_init_extra(r);
	g_array_append_vals(r->u64s, cells->data, cells->len);
	return 0;
}

RPC_HANDLER(h_get_sysinfo)
{
	return HV_CALL(c->conn, node, get_sysinfo, HV_READS, err, &r->str[0]);
}

RPC_HANDLER(h_node_get_cpu_stats)
{
	g_autoptr(GArray) ps = NULL;
	int rc;

	if (a->num[1] < 0 || a->num[1] > NODE_CPU_STATS_MAX)
		return hv_error_set(err, EINVAL, "nparams too large");
	rc = HV_CALL(c->conn, node, get_cpu_stats, HV_READS, err, (int)a->num[0], &ps);
	if (rc < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint k = 0; k < ps->len && k < a->num[1]; k++) {
		const HvParam *p = &g_array_index(ps, HvParam, k);

		rpc_msg_param_add(r, p->field, RPC_PARAM_ULLONG, p->i, 0, NULL);
	}
	r->num[0] = a->num[1] == 0 ? ps->len : r->params->len;
	return 0;
}

RPC_HANDLER(h_node_get_security_model)
{
	return HV_CALL(c->conn, node, get_security_model, HV_READS, err, &r->str[0], &r->str[1]);
}

/* flags are the driver's to check (none defined yet) */
RPC_HANDLER(h_get_domain_capabilities)
{
	return HV_CALL(c->conn, node, get_domain_capabilities, HV_READS, err, a->str[0], a->str[1],
		       a->str[2], a->str[3], &r->str[0]);
}
