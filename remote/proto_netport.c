/* proto_netport.c: libvirt's network ports (libvirt >= 5.5) over the
 * driver's get_ports: virNetworkListAllPorts (404), virNetworkPortLookupByUUID
 * (405) and virNetworkPortGetXMLDesc (409), so that `virsh net-port-list`,
 * `net-port-dumpxml` and a remote driver see a network's ports. Our ports
 * have no UUID of their own: each gets a stable one, a name-based (SHA-1)
 * UUID of the network's UUID, the domain and the MAC. Both sides code the
 * port here (netport_xdr.h). */
#include <string.h>
#include "remote/proto_priv.h"
#include "remote/netport_xdr.h"
#include "remote/xdr.h"
#include "conf/xml.h"
#include "conf/conf_util.h"

void
netport_uuid(const char *net_uuid, const char *domain, const char *mac, uint8_t out[16])
{
	g_autoptr(GChecksum) h = g_checksum_new(G_CHECKSUM_SHA1);
	guint8 sum[20];
	gsize n = sizeof(sum);

	g_checksum_update(h, (const guchar *)net_uuid, -1);
	g_checksum_update(h, (const guchar *)"/", 1);
	g_checksum_update(h, (const guchar *)domain, -1);
	g_checksum_update(h, (const guchar *)"/", 1);
	g_checksum_update(h, (const guchar *)mac, -1);
	g_checksum_get_digest(h, sum, &n);
	memcpy(out, sum, 16);
	out[6] = (out[6] & 0x0f) | 0x50; /* version 5 */
	out[8] = (out[8] & 0x3f) | 0x80; /* RFC 4122 variant */
}

/* The ports of network name, and its info (for the UUIDs and the bridge). */
static int
ports_of(RpcClientCtx *c, const char *name, GPtrArray **ports, HvNetworkInfo **info,
	 GError **err)
{
	int rc;

	if ((rc = HV_CALL(c->conn, network, get_info, HV_READS, err, name, info)) < 0)
		return rc;
	return HV_CALL(c->conn, network, get_ports, HV_READS, err, name, ports);
}

static void
put_port(GByteArray *out, const HvNetworkInfo *info, const HvNetworkPort *p)
{
	uint8_t nu[16], pu[16];

	rpc_uuid_parse(info->uuid, nu);
	netport_uuid(info->uuid, p->domain, p->mac, pu);
	xdr_put_string(out, info->name);
	xdr_put_fixed(out, nu, 16);
	xdr_put_fixed(out, pu, 16);
}

/* args: net, need_results, flags; ret: ports<> of {net, uuid}, ret */
RPC_HANDLER(h_net_list_all_ports)
{
	g_autoptr(GPtrArray) ports = NULL;
	g_autoptr(HvNetworkInfo) info = NULL;
	guint n;
	int rc;

	if ((rc = ports_of(c, a->net.name, &ports, &info, err)) < 0)
		return rc;
	n = MIN(ports->len, NETPORT_LIST_MAX);
	r->raw = g_byte_array_new();
	xdr_put_u32(r->raw, a->num[0] ? n : 0);
	for (guint k = 0; a->num[0] && k < n; k++)
		put_port(r->raw, info, ports->pdata[k]);
	xdr_put_u32(r->raw, n);
	return 0;
}

/* The port of network name with uuid, or ENOENT. */
static int
find_port(RpcClientCtx *c, const char *name, const uint8_t uuid[16], HvNetworkPort **out,
	  HvNetworkInfo **info, GError **err)
{
	g_autoptr(GPtrArray) ports = NULL;
	int rc;

	if ((rc = ports_of(c, name, &ports, info, err)) < 0)
		return rc;
	for (guint k = 0; k < ports->len; k++) {
		HvNetworkPort *p = ports->pdata[k];
		uint8_t pu[16];

		netport_uuid((*info)->uuid, p->domain, p->mac, pu);
		if (!memcmp(pu, uuid, 16)) {
			*out = g_ptr_array_steal_index(ports, k);
			return 0;
		}
	}
	return hv_error_set(err, ENOENT, "network '%s' has no port with that uuid", name);
}

/* args: net, uuid; ret: port */
RPC_HANDLER(h_net_port_lookup_uuid)
{
	g_autoptr(HvNetworkInfo) info = NULL;
	HvNetworkPort *p = NULL;
	int rc;

	if ((rc = find_port(c, a->net.name, a->uuid, &p, &info, err)) < 0)
		return rc;
	r->raw = g_byte_array_new();
	put_port(r->raw, info, p);
	hv_network_port_free(p);
	return 0;
}

/* args: port {net, uuid}, flags; ret: libvirt's <networkport> document */
RPC_HANDLER(h_net_port_get_xml)
{
	g_autoptr(HvNetworkInfo) info = NULL;
	g_autoptr(HvDomainInfo) dom = NULL;
	HvNetworkPort *p = NULL;
	char uuid[HV_UUID_STRLEN];
	int rc;

	if ((rc = find_port(c, a->net.name, a->uuid, &p, &info, err)) < 0)
		return rc;
	rpc_uuid_format(a->uuid, uuid);
	/* the owner's uuid, if it is still there */
	(void)HV_CALL(c->conn, domain, get_info, HV_READS, NULL, p->domain, &dom);
	r->str[0] = netport_xml(uuid, p, dom ? dom->uuid : NULL, info->bridge);
	hv_network_port_free(p);
	return 0;
}

char *
netport_xml(const char *uuid, const HvNetworkPort *p, const char *owner_uuid, const char *bridge)
{
	g_autofree char *name = g_markup_escape_text(p->domain, -1);
	g_autofree char *mac = g_markup_escape_text(p->mac, -1);
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "<networkport>\n  <uuid>%s</uuid>\n  <owner>\n    <name>%s</name>\n",
			       uuid, name);
	if (owner_uuid && *owner_uuid)
		g_string_append_printf(s, "    <uuid>%s</uuid>\n", owner_uuid);
	g_string_append_printf(s, "  </owner>\n  <mac address='%s'/>\n", mac);
	if (bridge && *bridge) {
		g_autofree char *br = g_markup_escape_text(bridge, -1);

		g_string_append_printf(s, "  <plug type='network' bridge='%s'/>\n", br);
	}
	g_string_append(s, "</networkport>\n");
	return g_string_free(s, false);
}

int
netport_parse(const char *xml, char **owner, char **mac, GError **err)
{
	g_autoptr(xmlDoc) doc = hv_xml_parse(xml, strlen(xml), "network port", err);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;

	if (!root || strcmp((const char *)root->name, "networkport"))
		return hv_error_set(err, EPROTO, "the peer's network port document is not a "
				    "<networkport>");
	*owner = hv_xml_child_text(hv_xml_child(root, "owner"), "name");
	*mac = hv_xml_child_prop(root, "mac", "address");
	if (!*owner || !*mac) {
		g_clear_pointer(owner, g_free);
		g_clear_pointer(mac, g_free);
		return hv_error_set(err, EPROTO, "the peer's network port has no owner or MAC");
	}
	return 0;
}
