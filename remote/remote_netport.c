/* remote_netport.c: the `ports` file of a remote node's network, from the
 * peer's network ports (libvirt >= 5.5, and hyperfsd: proto_netport.c):
 * virNetworkListAllPorts (404), then each port's document
 * (virNetworkPortGetXMLDesc, 409) for its owner and MAC; the host device is
 * the owner's interface with that MAC in its running definition (libvirt's
 * port document does not name it), "-" when not found. */
#include <string.h>
#include "remote/remote_priv.h"
#include "remote/netport_xdr.h"
#include "remote/xdr.h"
#include "conf/domain_conf.h"

enum { PROC_NET_LOOKUP = 46, PROC_NET_LIST_ALL_PORTS = 404, PROC_NET_PORT_GET_XML = 409 };
#define NAME_MAX_LEN 4096u

/* The device of the owner's interface with mac, from its live definition. */
static char *
device_of(HvConn *c, GHashTable *defs, const char *owner, const char *mac)
{
	HvDomainDef *def = g_hash_table_lookup(defs, owner);

	if (!def && !g_hash_table_contains(defs, owner)) {
		g_autofree char *xml = NULL;

		if (c->driver->domain->get_xml(c, owner, 0, &xml, NULL) == 0)
			def = hv_domain_def_parse(xml, strlen(xml), NULL);
		g_hash_table_insert(defs, g_strdup(owner), def);
	}
	for (guint k = 0; def && def->interfaces && k < def->interfaces->len; k++) {
		const HvDomainNetDef *n = def->interfaces->pdata[k];

		if (n->mac && !g_ascii_strcasecmp(n->mac, mac) && n->target_dev)
			return g_strdup(n->target_dev);
	}
	return NULL;
}

/* One port's document, as an HvNetworkPort. */
static int
port_get(HvConn *c, RpcClient *cl, const RpcNamed *net, const uint8_t uuid[16],
	 GHashTable *defs, GPtrArray *out, GError **err)
{
	RpcMsg a = { .net = *net }, r = { 0 };
	HvNetworkPort *p;
	int rc;

	memcpy(a.uuid, uuid, 16);
	if ((rc = rpc_client_call(cl, PROC_NET_PORT_GET_XML, &a, &r, err)) < 0)
		return rc;
	p = g_new0(HvNetworkPort, 1);
	if ((rc = netport_parse(r.str[0] ? r.str[0] : "", &p->domain, &p->mac, err)) < 0) {
		hv_network_port_free(p);
		rpc_msg_clear(&r);
		return rc;
	}
	p->device = device_of(c, defs, p->domain, p->mac);
	g_ptr_array_add(out, p);
	rpc_msg_clear(&r);
	return 0;
}

int
remote_net_get_ports(HvConn *c, const char *name, GPtrArray **out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	g_autoptr(GPtrArray) ports = g_ptr_array_new_with_free_func(
		(GDestroyNotify)hv_network_port_free);
	g_autoptr(GHashTable) defs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							    (GDestroyNotify)hv_domain_def_free);
	g_autoptr(GArray) uuids = g_array_new(FALSE, FALSE, 16);
	RpcMsg d = { 0 }, r = { 0 };
	XdrIn in;
	int rc = remote_client(c->priv, &cl, err);

	if (rc == 0) {
		RpcMsg a = { .str = { (char *)name }, .has_str = { true } };

		rc = rpc_client_call(cl, PROC_NET_LOOKUP, &a, &d, err);
	}
	if (rc == 0) {
		RpcMsg a = { .net = d.net, .num = { 1, 0 } }; /* need_results, flags */

		rc = rpc_client_call(cl, PROC_NET_LIST_ALL_PORTS, &a, &r, err);
	}
	if (rc == 0) { /* ports<> of {net {name, uuid}, uuid}, then their number */
		uint32_t n;

		xdr_in_init(&in, r.raw ? r.raw->data : NULL, r.raw ? r.raw->len : 0);
		n = xdr_get_count(&in, NETPORT_LIST_MAX, 36);
		for (uint32_t k = 0; k < n && !in.bad; k++) {
			uint8_t u[32];

			g_free(xdr_get_string(&in, NAME_MAX_LEN)); /* the network's name: ours */
			xdr_get_fixed(&in, u, 32);
			g_array_append_vals(uuids, u + 16, 1);
		}
		(void)xdr_get_u32(&in);
		if (xdr_in_finish(&in) < 0)
			rc = hv_error_set(err, EPROTO, "network '%s': the peer's port list does not "
					  "decode", name);
	}
	for (guint k = 0; rc == 0 && k < uuids->len; k++)
		rc = port_get(c, cl, &d.net, (const uint8_t *)uuids->data + 16 * k, defs, ports, err);
	if (rc == 0)
		*out = g_steal_pointer(&ports);
	rpc_msg_clear(&d);
	rpc_msg_clear(&r);
	return rc;
}
