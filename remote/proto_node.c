/* proto_node.c: hyperfsd's connection and node procedures (open, close, type,
 * versions, hostname, uri, capabilities, node info, features, auth) and the
 * domain event callback registration, which the daemon implements through the
 * RpcClientCtx hooks. */
#include <string.h>
#include "remote/proto_priv.h"

#define VIR_CONNECT_RO 1u
#define LIB_VERSION (0u * 1000000u + 1u * 1000u + 0u) /* HV_VERSION 0.1.0 */

/* virDrvFeature numbers we claim. */
enum {
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

RPC_HANDLER(h_get_version)
{
	r->num[0] = LIB_VERSION;
	return 0;
}

RPC_HANDLER(h_get_lib_version)
{
	r->num[0] = LIB_VERSION;
	return 0;
}

RPC_HANDLER(h_get_max_vcpus)
{
	r->num[0] = 255;
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
		r->num[0] = 1;
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
