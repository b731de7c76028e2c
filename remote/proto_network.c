/* proto_network.c: the handlers of the network procedures whose replies are
 * lists of structures, encoded here (X_RAW): virNetworkGetDHCPLeases (341),
 * virDomainInterfaceAddresses (353); and virNetworkUpdate (291). */
#include <string.h>
#include "remote/proto_priv.h"
#include "remote/xdr.h"

#define LEASES_MAX 65536   /* REMOTE_NETWORK_DHCP_LEASES_MAX */
#define IFACES_MAX 2048    /* REMOTE_DOMAIN_INTERFACE_MAX */

enum { IP_ADDR_IPV4 = 0, IP_ADDR_IPV6 = 1 };                  /* virIPAddrType */
enum { SRC_LEASE = 0, SRC_AGENT = 1, SRC_ARP = 2 };          /* ..._ADDRESSES_SRC_* */

/* "192.168.1.5/24" -> "192.168.1.5" and 24 */
static char *
split_prefix(const char *ip, unsigned *prefix)
{
	const char *slash = strchr(ip, '/');

	*prefix = slash ? (unsigned)g_ascii_strtoull(slash + 1, NULL, 10) : 0;
	return slash ? g_strndup(ip, (gsize)(slash - ip)) : g_strdup(ip);
}

/* args: net, mac (optional), need_results, flags; ret: leases<>, count */
RPC_HANDLER(h_net_get_dhcp_leases)
{
	g_autoptr(GPtrArray) leases = NULL;
	g_autoptr(HvNetworkInfo) info = NULL;
	const char *mac = a->has_str[0] ? a->str[0] : NULL;
	guint n = 0;
	int rc;

	if ((rc = HV_CALL(c->conn, network, get_leases, HV_READS, err, a->net.name, &leases)) < 0 ||
	    (rc = HV_CALL(c->conn, network, get_info, HV_READS, err, a->net.name, &info)) < 0)
		return rc;
	r->raw = g_byte_array_new();
	for (guint k = 0; k < leases->len; k++)
		n += !mac || !g_ascii_strcasecmp(((HvNetworkLease *)leases->pdata[k])->mac, mac);
	xdr_put_u32(r->raw, a->num[0] ? MIN(n, LEASES_MAX) : 0);
	for (guint k = 0, sent = 0; a->num[0] && k < leases->len && sent < LEASES_MAX; k++) {
		const HvNetworkLease *l = leases->pdata[k];
		unsigned prefix;
		g_autofree char *ip = NULL;

		if (mac && g_ascii_strcasecmp(l->mac, mac))
			continue;
		ip = split_prefix(l->ip, &prefix);
		xdr_put_string(r->raw, info->bridge);
		xdr_put_u64(r->raw, (uint64_t)l->expiry);
		xdr_put_i32(r->raw, strchr(ip, ':') ? IP_ADDR_IPV6 : IP_ADDR_IPV4);
		xdr_put_opt_string(r->raw, l->mac);
		xdr_put_opt_string(r->raw, NULL); /* iaid */
		xdr_put_string(r->raw, ip);
		xdr_put_u32(r->raw, prefix);
		xdr_put_opt_string(r->raw, l->hostname);
		xdr_put_opt_string(r->raw, NULL); /* clientid */
		sent++;
	}
	xdr_put_u32(r->raw, n);
	return 0;
}

/* args: dom, source, flags; ret: ifaces<> of {name, hwaddr, addrs<> of
 * {type, addr, prefix}}, one per device, addresses of the source asked. */
RPC_HANDLER(h_dom_interface_addresses)
{
	static const char *const sources[] = { [SRC_LEASE] = "lease", [SRC_ARP] = "arp" };
	g_autoptr(GPtrArray) addrs = NULL;
	g_autoptr(GPtrArray) devs = g_ptr_array_new();
	const char *want;
	int rc;

	if (a->num[0] != SRC_LEASE && a->num[0] != SRC_ARP)
		return hv_error_set(err, ENOTSUP, "domain '%s': interface addresses from the guest "
				    "agent are not supported (use --source lease or arp)", a->dom.name);
	want = sources[a->num[0]];
	if ((rc = HV_CALL(c->conn, domain, get_addresses, HV_READS, err, a->dom.name, &addrs)) < 0)
		return rc;
	for (guint k = 0; k < addrs->len; k++) {
		HvDomainAddress *x = addrs->pdata[k];
		bool seen = false;

		for (guint j = 0; j < devs->len; j++)
			seen |= !strcmp(((HvDomainAddress *)devs->pdata[j])->device, x->device);
		if (!seen && !strcmp(x->source, want) && devs->len < IFACES_MAX)
			g_ptr_array_add(devs, x);
	}
	r->raw = g_byte_array_new();
	xdr_put_u32(r->raw, devs->len);
	for (guint j = 0; j < devs->len; j++) {
		const HvDomainAddress *d = devs->pdata[j];
		guint count = 0;

		for (guint k = 0; k < addrs->len; k++) {
			const HvDomainAddress *x = addrs->pdata[k];

			count += !strcmp(x->device, d->device) && !strcmp(x->source, want);
		}
		xdr_put_string(r->raw, d->device);
		xdr_put_opt_string(r->raw, d->mac);
		xdr_put_u32(r->raw, count);
		for (guint k = 0; k < addrs->len; k++) {
			const HvDomainAddress *x = addrs->pdata[k];
			g_autofree char *ip = NULL;
			unsigned prefix;

			if (strcmp(x->device, d->device) || strcmp(x->source, want))
				continue;
			ip = split_prefix(x->ip, &prefix);
			xdr_put_i32(r->raw, strcmp(x->family, "ipv6") ? IP_ADDR_IPV4 : IP_ADDR_IPV6);
			xdr_put_string(r->raw, ip);
			xdr_put_u32(r->raw, prefix);
		}
	}
	return 0;
}

/* args: net, command, section, parentIndex, xml, flags. libvirt's public
 * call hands (section, command) to its driver in that order and the remote
 * driver sends them on in its fields: on the wire the "command" field holds
 * the section and the "section" field the command. */
RPC_HANDLER(h_net_update)
{
	return HV_CALL(c->conn, network, update, HV_WRITES, err, a->net.name, (unsigned)a->num[1],
		       (unsigned)a->num[0], (int)a->num[2], a->str[0], (unsigned)a->num[3]);
}
