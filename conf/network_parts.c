/* network_parts.c: the typed parts of a network beyond its identity: forward
 * devices, <ip> with DHCP, DNS hosts and forwarders; the semantic checks a
 * grammar can't express; and libvirt's canonical shape at format time. */
#include "conf/network_priv.h"
#include "conf/normalise.h"
#include "conf/rules.h"
#include <string.h>

static void
dhcp_host_free(HvNetworkDhcpHostDef *h)
{
	if (!h)
		return;
	g_free(h->mac);
	g_free(h->name);
	g_free(h->ip);
	g_free(h);
}

static void
ip_free(HvNetworkIpDef *ip)
{
	if (!ip)
		return;
	g_free(ip->family);
	g_free(ip->address);
	g_free(ip->netmask);
	g_clear_pointer(&ip->ranges, g_ptr_array_unref);
	g_clear_pointer(&ip->hosts, g_ptr_array_unref);
	g_free(ip->tftp_root);
	g_free(ip->bootp_file);
	g_free(ip);
}

static void
dns_host_free(HvNetworkDnsHostDef *h)
{
	if (!h)
		return;
	g_free(h->ip);
	g_clear_pointer(&h->hostnames, g_ptr_array_unref);
	g_free(h);
}

void
hv_network_parts_init(HvNetworkDef *def)
{
	def->forward_devs = g_ptr_array_new_with_free_func(g_free);
	def->ips = g_ptr_array_new_with_free_func((GDestroyNotify)ip_free);
	def->dns_hosts = g_ptr_array_new_with_free_func((GDestroyNotify)dns_host_free);
	def->dns_forwarders = g_ptr_array_new_with_free_func(g_free);
}

void
hv_network_parts_free(HvNetworkDef *def)
{
	g_free(def->mac);
	g_free(def->domain_name);
	g_clear_pointer(&def->forward_devs, g_ptr_array_unref);
	g_clear_pointer(&def->ips, g_ptr_array_unref);
	g_clear_pointer(&def->dns_hosts, g_ptr_array_unref);
	g_clear_pointer(&def->dns_forwarders, g_ptr_array_unref);
}

static void
parse_ip(HvNetworkDef *def, xmlNode *el)
{
	HvNetworkIpDef *ip = g_new0(HvNetworkIpDef, 1);
	xmlNode *dhcp = hv_xml_child(el, "dhcp");
	g_autofree char *prefix = hv_xml_prop(el, "prefix");

	ip->ranges = g_ptr_array_new_with_free_func(g_free);
	ip->hosts = g_ptr_array_new_with_free_func((GDestroyNotify)dhcp_host_free);
	ip->family = hv_xml_prop(el, "family");
	if (!ip->family)
		ip->family = g_strdup("ipv4");
	ip->address = hv_xml_prop(el, "address");
	ip->netmask = hv_xml_prop(el, "netmask");
	ip->prefix = prefix ? (unsigned)g_ascii_strtoull(prefix, NULL, 10) : 0;
	ip->tftp_root = hv_xml_child_prop(el, "tftp", "root");
	ip->bootp_file = hv_xml_child_prop(dhcp, "bootp", "file");
	for (xmlNode *r = hv_xml_child(dhcp, "range"); r; r = hv_xml_next_named(r)) {
		g_autofree char *s = hv_xml_prop(r, "start");
		g_autofree char *e = hv_xml_prop(r, "end");

		g_ptr_array_add(ip->ranges, g_strdup_printf("%s-%s", s, e));
	}
	for (xmlNode *h = hv_xml_child(dhcp, "host"); h; h = hv_xml_next_named(h)) {
		HvNetworkDhcpHostDef *hd = g_new0(HvNetworkDhcpHostDef, 1);
		g_autofree char *mac = hv_xml_prop(h, "mac");

		hd->mac = hv_mac_normalise(mac);
		hd->name = hv_xml_prop(h, "name");
		hd->ip = hv_xml_prop(h, "ip");
		g_ptr_array_add(ip->hosts, hd);
	}
	g_ptr_array_add(def->ips, ip);
}

static void
parse_dns(HvNetworkDef *def, xmlNode *dns)
{
	for (xmlNode *f = hv_xml_child(dns, "forwarder"); f; f = hv_xml_next_named(f)) {
		char *a = hv_xml_prop(f, "addr");

		g_ptr_array_add(def->dns_forwarders, a ? a : hv_xml_prop(f, "domain"));
	}
	for (xmlNode *h = hv_xml_child(dns, "host"); h; h = hv_xml_next_named(h)) {
		HvNetworkDnsHostDef *hd = g_new0(HvNetworkDnsHostDef, 1);

		hd->ip = hv_xml_prop(h, "ip");
		hd->hostnames = g_ptr_array_new_with_free_func(g_free);
		for (xmlNode *n = hv_xml_child(h, "hostname"); n; n = hv_xml_next_named(n))
			g_ptr_array_add(hd->hostnames, g_strstrip(hv_xml_text(n)));
		g_ptr_array_add(def->dns_hosts, hd);
	}
}

int
hv_network_parts_parse(HvNetworkDef *def, xmlNode *root, GError **err)
{
	xmlNode *fwd = hv_xml_child(root, "forward");
	g_autofree char *mac = hv_xml_child_prop(root, "mac", "address");
	char *dev;

	def->mac = hv_mac_normalise(mac);
	def->domain_name = hv_xml_child_prop(root, "domain", "name");
	if ((dev = hv_xml_prop(fwd, "dev")))
		g_ptr_array_add(def->forward_devs, dev);
	for (xmlNode *i = hv_xml_child(fwd, "interface"); i; i = hv_xml_next_named(i)) {
		dev = hv_xml_prop(i, "dev");
		if (def->forward_devs->len == 1 && i == hv_xml_child(fwd, "interface") &&
		    !g_strcmp0(dev, def->forward_devs->pdata[0]) && xmlHasProp(fwd, (const xmlChar *)"dev")) {
			g_free(dev);
			continue; /* <forward dev='x'> repeats its first interface */
		}
		g_ptr_array_add(def->forward_devs, dev);
	}
	for (xmlNode *ip = hv_xml_child(root, "ip"); ip; ip = hv_xml_next_named(ip))
		parse_ip(def, ip);
	parse_dns(def, hv_xml_child(root, "dns"));
	return 0;
}

/* Forward modes where the host routes for the guests (an <ip> makes sense). */
static const char *const routed_modes[] = { "nat", "route", "open", NULL };

int
hv_network_check(const HvNetworkDef *def, GError **err)
{
	const char *mode = def->forward_mode;
	xmlNode *fwd = hv_xml_child(xmlDocGetRootElement(def->doc), "forward");
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	if (mode && !strcmp(mode, "open") && def->forward_devs->len)
		return hv_error_set(err, EINVAL,
				    "network '%s' <forward mode='open'>: a forward dev is not allowed in open mode",
				    def->name);
	if (hv_xml_run_checks(xmlDocGetRootElement(def->doc), hv_network_checks,
			      hv_network_checks_len, "network", def->name, err) < 0)
		return -EINVAL;
	if (hv_network_check_addresses(def->name, xmlDocGetRootElement(def->doc), err) < 0)
		return -EINVAL;
	if (mode && strcmp(mode, "nat") && hv_xml_child(fwd, "nat"))
		return hv_error_set(err, EINVAL,
				    "network '%s' <forward mode='%s'>: <nat> is only for mode 'nat'",
				    def->name, mode);
	for (xmlNode *i = hv_xml_child(fwd, "interface"); i; i = hv_xml_next_named(i)) {
		g_autofree char *dev = hv_xml_prop(i, "dev");

		if (dev && !g_hash_table_add(seen, g_steal_pointer(&dev)))
			return hv_error_set(err, EINVAL,
					    "network '%s' <forward>: <interface dev=> is listed more than once",
					    def->name);
	}
	if (mode && hv_str_index(routed_modes, mode) < 0 && def->ips->len)
		return hv_error_set(err, EINVAL,
				    "network '%s' <ip>: not supported with <forward mode='%s'>",
				    def->name, mode);
	if (mode && !strcmp(mode, "bridge") && def->bridge && def->forward_devs->len)
		return hv_error_set(err, EINVAL,
				    "network '%s' <forward mode='bridge'>: give a <bridge name=> or forward interfaces, not both",
				    def->name);
	return 0;
}

static const char *const network_order[] = {
	"name", "uuid", "metadata", "forward", "bridge", "mtu", "mac", "domain", "dns", "vlan",
	"bandwidth", "ip", "route", "virtualport", "portgroup", NULL,
};

/* Children in virNetworkDefFormatBuf's, virNetworkDNSDefFormat's and
 * virNetworkIPDefFormat's order (forward interfaces and addresses keep theirs). */
static const struct {
	const char *path;
	const char *const *order;
} child_orders[] = {
	{ "forward", (const char *const[]){ "driver", "nat", "pf", NULL } },
	{ "forward/nat", (const char *const[]){ "address", "port", NULL } },
	{ "dns", (const char *const[]){ "forwarder", "txt", "srv", "host", NULL } },
	{ "portgroup", (const char *const[]){ "vlan", "virtualport", "bandwidth", NULL } },
	{ "bandwidth", (const char *const[]){ "inbound", "outbound", NULL } },
};

static void
reorder_children(xmlNode *root)
{
	static const char *const ip_order[] = { "tftp", "dhcp", NULL };
	static const char *const dhcp_order[] = { "range", "host", "bootp", NULL };

	for (size_t i = 0; i < G_N_ELEMENTS(child_orders); i++)
		for (xmlNode *el = hv_xml_path(root, child_orders[i].path); el; el = hv_xml_next_named(el))
			hv_xml_reorder(el, child_orders[i].order);
	for (xmlNode *ip = hv_xml_child(root, "ip"); ip; ip = hv_xml_next_named(ip)) {
		hv_xml_reorder(ip, ip_order);
		hv_xml_reorder(hv_xml_child(ip, "dhcp"), dhcp_order);
	}
}

/* A forward dev is written both as dev= and as its first <interface>; the
 * rest of libvirt's shape is the rule table (rules_network.c). */
void
hv_network_normalise(const HvNetworkDef *def, xmlNode *root)
{
	xmlNode *fwd = hv_xml_child(root, "forward");
	xmlNode *mac = hv_xml_child(root, "mac");

	if (fwd && !hv_xml_child(fwd, "pf") && def->forward_devs->len) {
		const char *first = def->forward_devs->pdata[0];

		hv_xml_default_prop(fwd, "dev", first);
		hv_xml_prop_to_front(fwd, "dev");
		if (!hv_xml_child(fwd, "interface") && !hv_xml_child(fwd, "address"))
			xmlSetProp(xmlNewChild(fwd, NULL, (const xmlChar *)"interface", NULL),
				   (const xmlChar *)"dev", (const xmlChar *)first);
	}
	if (mac && def->mac)
		hv_xml_set_prop(mac, "address", def->mac);
	hv_xml_apply_rules(root, hv_network_rules, hv_network_rules_len);
	reorder_children(root);
	hv_xml_reorder(root, network_order);
}
