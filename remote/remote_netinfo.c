/* remote_netinfo.c: the remote driver's calls whose replies are lists of
 * structures (the peer's proto_network.c encodes them, and so does libvirtd):
 * a network's DHCP leases (virNetworkGetDHCPLeases, 341) for the `leases`
 * file, a domain's addresses (virDomainInterfaceAddresses, 353, from the
 * leases and from the host's neighbour table) for `addresses`, and
 * virNetworkUpdate (291). Decoded with xdr.h's bounded readers: a count is
 * checked against what is left of the reply before anything is allocated. */
#include <string.h>
#include "remote/remote_priv.h"
#include "remote/xdr.h"

enum {
	PROC_DOM_LOOKUP_NAME = 23, PROC_NET_LOOKUP = 46, PROC_NET_UPDATE = 291,
	PROC_NET_GET_DHCP_LEASES = 341, PROC_DOM_INTERFACE_ADDRESSES = 353,
};
enum { SRC_LEASE = 0, SRC_ARP = 2 };        /* VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_* */
#define LEASES_MAX 65536u                  /* REMOTE_NETWORK_DHCP_LEASES_MAX */
#define IFACES_MAX 2048u                   /* REMOTE_DOMAIN_INTERFACE_MAX */
#define IFACE_ADDRS_MAX 2048u              /* REMOTE_DOMAIN_IP_ADDR_MAX */
#define NAME_MAX_LEN 4096u

/* A lookup by name (proc), then a call with the object in args. */
static int
lookup(RpcClient *cl, int32_t proc, const char *name, RpcMsg *holder, GError **err)
{
	RpcMsg a = { .str = { (char *)name }, .has_str = { true } };

	return rpc_client_call(cl, proc, &a, holder, err);
}

/* string<> *, absent or not */
static char *
opt_string(XdrIn *in)
{
	bool present;

	return xdr_get_opt_string(in, NAME_MAX_LEN, &present);
}

static int
bad_reply(const char *kind, const char *name, GError **err)
{
	return hv_error_set(err, EPROTO, "%s '%s': the peer's reply does not decode", kind, name);
}

/* One remote_network_dhcp_lease: iface, expirytime, type, mac*, iaid*,
 * ipaddr, prefix, hostname*, clientid*. NULL when it does not decode. */
static HvNetworkLease *
lease_get(XdrIn *in)
{
	g_autofree char *iaid = NULL, *ip = NULL, *clientid = NULL;
	HvNetworkLease *l;
	unsigned prefix;

	g_free(xdr_get_string(in, NAME_MAX_LEN)); /* the interface: the network's bridge */
	l = g_new0(HvNetworkLease, 1);
	l->expiry = (int64_t)xdr_get_u64(in);
	(void)xdr_get_i32(in);
	l->mac = opt_string(in);
	iaid = opt_string(in);
	ip = xdr_get_string(in, NAME_MAX_LEN);
	prefix = xdr_get_u32(in);
	l->hostname = opt_string(in);
	clientid = opt_string(in);
	if (in->bad || !ip || !l->mac) {
		hv_network_lease_free(l);
		return NULL;
	}
	l->ip = g_strdup_printf("%s/%u", ip, prefix);
	return l;
}

int
remote_net_get_leases(HvConn *c, const char *name, GPtrArray **out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	g_autoptr(GPtrArray) leases = NULL;
	RpcMsg d = { 0 }, r = { 0 };
	XdrIn in;
	uint32_t n = 0;
	int rc = remote_client(c->priv, &cl, err);

	if (rc == 0)
		rc = lookup(cl, PROC_NET_LOOKUP, name, &d, err);
	if (rc == 0) {
		RpcMsg a = { .net = d.net, .num = { 1, 0 } }; /* need_results, flags */

		rc = rpc_client_call(cl, PROC_NET_GET_DHCP_LEASES, &a, &r, err);
	}
	if (rc == 0) {
		leases = g_ptr_array_new_with_free_func((GDestroyNotify)hv_network_lease_free);
		xdr_in_init(&in, r.raw ? r.raw->data : NULL, r.raw ? r.raw->len : 0);
		n = xdr_get_count(&in, LEASES_MAX, 32);
		for (uint32_t k = 0; k < n && !in.bad; k++) {
			HvNetworkLease *l = lease_get(&in);

			if (l)
				g_ptr_array_add(leases, l);
			else
				in.bad = true;
		}
		(void)xdr_get_u32(&in); /* ret: their number */
		rc = xdr_in_finish(&in) < 0 ? bad_reply("network", name, err) : 0;
	}
	if (rc == 0)
		*out = g_steal_pointer(&leases);
	rpc_msg_clear(&d);
	rpc_msg_clear(&r);
	return rc;
}

/* One remote_domain_interface: name, hwaddr*, addrs<> of {type, addr,
 * prefix}; its addresses go to out with source. */
static void
iface_get(XdrIn *in, const char *source, GPtrArray *out)
{
	g_autofree char *dev = xdr_get_string(in, NAME_MAX_LEN);
	g_autofree char *mac = opt_string(in);
	uint32_t n = xdr_get_count(in, IFACE_ADDRS_MAX, 12);

	for (uint32_t k = 0; k < n && !in->bad; k++) {
		int32_t type = xdr_get_i32(in);
		g_autofree char *ip = xdr_get_string(in, NAME_MAX_LEN);
		uint32_t prefix = xdr_get_u32(in);
		HvDomainAddress *a;

		if (in->bad || !ip || !dev)
			break;
		a = g_new0(HvDomainAddress, 1);
		a->device = g_strdup(dev);
		a->mac = g_strdup(mac ? mac : "-");
		a->family = g_strdup(type == 1 ? "ipv6" : "ipv4");
		a->ip = g_strdup_printf("%s/%u", ip, prefix);
		a->source = g_strdup(source);
		g_ptr_array_add(out, a);
	}
}

/* The addresses of one source; -errno with the peer's reason. */
static int
addresses_from(RpcClient *cl, const RpcMsg *d, int src, const char *source, GPtrArray *out,
	       GError **err)
{
	RpcMsg a = { .dom = d->dom, .num = { src, 0 } }, r = { 0 };
	XdrIn in;
	uint32_t n;
	int rc = rpc_client_call(cl, PROC_DOM_INTERFACE_ADDRESSES, &a, &r, err);

	if (rc == 0) {
		xdr_in_init(&in, r.raw ? r.raw->data : NULL, r.raw ? r.raw->len : 0);
		n = xdr_get_count(&in, IFACES_MAX, 12);
		for (uint32_t k = 0; k < n && !in.bad; k++)
			iface_get(&in, source, out);
		rc = xdr_in_finish(&in) < 0 ? bad_reply("domain", d->dom.name, err) : 0;
	}
	rpc_msg_clear(&r);
	return rc;
}

/* As the local drivers: the leases, and the neighbour table for the
 * interfaces no lease names. */
int
remote_dom_get_addresses(HvConn *c, const char *name, GPtrArray **out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	g_autoptr(GPtrArray) all = NULL, arp = NULL;
	RpcMsg d = { 0 };
	int rc = remote_client(c->priv, &cl, err);

	if (rc == 0)
		rc = lookup(cl, PROC_DOM_LOOKUP_NAME, name, &d, err);
	all = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_address_free);
	arp = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_address_free);
	if (rc == 0)
		rc = addresses_from(cl, &d, SRC_LEASE, "lease", all, err);
	if (rc == -EBUSY) { /* libvirtd: "domain is not running", which has none */
		g_clear_error(err);
		*out = g_steal_pointer(&all);
		rpc_msg_clear(&d);
		return 0;
	}
	if (rc == 0 && addresses_from(cl, &d, SRC_ARP, "arp", arp, NULL) == 0) {
		for (guint k = 0; k < arp->len; k++) {
			HvDomainAddress *x = arp->pdata[k];
			bool leased = false;

			for (guint j = 0; j < all->len; j++)
				leased |= !g_ascii_strcasecmp(((HvDomainAddress *)all->pdata[j])->mac,
							      x->mac);
			if (!leased)
				g_ptr_array_add(all, g_steal_pointer(&arp->pdata[k]));
		}
	}
	if (rc == 0)
		*out = g_steal_pointer(&all);
	rpc_msg_clear(&d);
	return rc;
}

int
remote_net_update(HvConn *c, const char *name, unsigned command, unsigned section,
		  int parent_index, const char *xml, unsigned flags, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg d = { 0 };
	int rc = remote_client(c->priv, &cl, err);

	if (rc == 0)
		rc = lookup(cl, PROC_NET_LOOKUP, name, &d, err);
	if (rc == 0) {
		/* on the wire section comes first (libvirt's own order) */
		RpcMsg a = { .net = d.net, .num = { section, command, parent_index, flags },
			     .str = { (char *)xml }, .has_str = { true } };

		rc = rpc_client_call(cl, PROC_NET_UPDATE, &a, NULL, err);
	}
	if (rc == 0 && !remote_peer_reports(c->priv, HV_OBJ_NETWORK, "defined"))
		hv_conn_emit(c, HV_OBJ_NETWORK, NULL, name, "defined", "updated");
	rpc_msg_clear(&d);
	return rc;
}
