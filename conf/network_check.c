/* network_check.c: the checks virNetworkDefParseXML and the parsers it calls
 * (network_conf.c, virsocketaddr.c at v4.0.0) make on addresses and numbers,
 * which the condition language of the rule tables can't say: <ip> families,
 * netmasks and prefixes, DHCP ranges inside their subnet (virSocketAddrGetRange),
 * static hosts, a disabled DNS with records, SRV and NAT port ranges, the
 * forward dev against its first interface, one forward interface for
 * nat/route/open, static routes whose gateway no <ip> reaches, and vlan tags
 * (virNetDevVlanParse, for domain interfaces too). One small
 * function per element, run in libvirt's order. */
#include "conf/network_priv.h"
#include "conf/normalise.h"
#include <arpa/inet.h>
#include <string.h>

typedef struct {
	int family; /* AF_INET, AF_INET6 or 0 (unparsable) */
	guint8 b[16];
} Addr;

static Addr
addr_of(xmlNode *el, const char *attr)
{
	g_autofree char *v = hv_xml_prop(el, attr);
	Addr a = { 0 };

	if (v && inet_pton(AF_INET, v, a.b) == 1)
		a.family = AF_INET;
	else if (v && inet_pton(AF_INET6, v, a.b) == 1)
		a.family = AF_INET6;
	return a;
}

static size_t
addr_len(const Addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

/* Whether a and b agree in their first prefix bits. */
static bool
same_subnet(const Addr *a, const Addr *b, unsigned prefix)
{
	for (unsigned i = 0; i < addr_len(a) * 8 && i < prefix; i++) {
		guint8 m = 0x80 >> (i % 8);

		if ((a->b[i / 8] & m) != (b->b[i / 8] & m))
			return false;
	}
	return true;
}

static unsigned
mask_bits(const Addr *m)
{
	unsigned n = 0;

	for (size_t i = 0; i < addr_len(m); i++)
		for (guint8 bit = 0x80; bit && (m->b[i] & bit); bit >>= 1)
			n++;
	return n;
}

/* virNetworkIPDefPrefix: prefix=, else the netmask's bits, else the class of
 * an IPv4 address (A 8, B 16, C 24) or 64 for IPv6. */
static unsigned
ip_prefix(xmlNode *ip, const Addr *addr)
{
	g_autofree char *p = hv_xml_prop(ip, "prefix");
	Addr mask = addr_of(ip, "netmask");

	if (p && g_ascii_strtoull(p, NULL, 10) > 0)
		return (unsigned)g_ascii_strtoull(p, NULL, 10);
	if (mask.family)
		return mask_bits(&mask);
	if (addr->family == AF_INET6)
		return 64;
	return addr->b[0] < 128 ? 8 : addr->b[0] < 192 ? 16 : addr->b[0] < 224 ? 24 : 0;
}

static bool
hv_xml_is(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !n->ns && !strcmp((const char *)n->name, name);
}

#define FAIL(...) hv_error_set(err, EINVAL, __VA_ARGS__)

/* virSocketAddrGetRange: start and end of one family, inside the <ip>'s
 * subnet (not its network or broadcast address), at most 65535 apart, in
 * order. net is NULL for a NAT range. */
static int
check_range(const char *name, xmlNode *el, const Addr *net, unsigned prefix, GError **err)
{
	Addr s = addr_of(el, "start"), e = addr_of(el, "end");
	size_t len = addr_len(&s), same = s.family == AF_INET ? 2 : 14;

	if (!s.family || !e.family)
		return 0; /* the grammar's */
	if (s.family != e.family || (net && net->family != s.family))
		return FAIL("network '%s' line %d: mismatch of address family in a range", name, el->line);
	if (net && (!same_subnet(&s, net, prefix) || !same_subnet(&e, net, prefix))) {
		g_autofree char *sv = hv_xml_prop(el, "start");
		g_autofree char *ev = hv_xml_prop(el, "end");
		Addr sub = *net;
		char buf[INET6_ADDRSTRLEN];

		for (unsigned i = prefix; i < addr_len(&sub) * 8; i++)
			sub.b[i / 8] &= ~(0x80 >> (i % 8));
		inet_ntop(sub.family, sub.b, buf, sizeof(buf));
		return FAIL("network '%s' <range start='%s' end='%s'>: outside the subnet %s/%u", name, sv, ev,
			    buf, prefix);
	}
	if (net && s.family == AF_INET) {
		bool is_net = true, is_bcast = true;

		for (unsigned i = prefix; i < 32; i++) {
			guint8 m = 0x80 >> (i % 8);

			is_net &= !(s.b[i / 8] & m);
			is_bcast &= !!(e.b[i / 8] & m);
		}
		if (prefix < 32 && is_net)
			return FAIL("network '%s' line %d: the start of the range is the network address", name, el->line);
		if (prefix < 32 && is_bcast)
			return FAIL("network '%s' line %d: the end of the range is the broadcast address", name, el->line);
	}
	if (memcmp(s.b, e.b, same))
		return FAIL("network '%s' line %d: the range is too large (> 65535)", name, el->line);
	if (memcmp(s.b + same, e.b + same, len - same) > 0)
		return FAIL("network '%s' line %d: the range is reversed", name, el->line);
	return 0;
}

/* virNetworkDHCPHostDefParseXML */
static int
check_dhcp_host(const char *name, xmlNode *h, bool v6, GError **err)
{
	g_autofree char *mac = hv_xml_prop(h, "mac");
	g_autofree char *id = hv_xml_prop(h, "id");
	g_autofree char *hname = hv_xml_prop(h, "name");

	if (mac && v6)
		return FAIL("network '%s' line %d: a MAC address is not allowed in an IPv6 static host", name, h->line);
	if (mac && (g_ascii_xdigit_value(mac[1]) & 1))
		return FAIL("network '%s' line %d: expected a unicast MAC address, found multicast '%s'", name, h->line, mac);
	if (id && id[strspn(id, "0123456789abcdefABCDEF:")])
		return FAIL("network '%s' line %d: invalid character in id '%s'", name, h->line, id);
	if (hname && !g_ascii_isalpha(hname[0]))
		return FAIL("network '%s' line %d: cannot use host name '%s'", name, h->line, hname);
	if (v6 && !id && !hname)
		return FAIL("network '%s' line %d: a static host of an IPv6 network needs id or name", name, h->line);
	if (!v6 && !mac && !hname)
		return FAIL("network '%s' line %d: a static host of an IPv4 network needs mac or name", name, h->line);
	return 0;
}

/* virNetworkIPDefParseXML and virNetworkDHCPDefParseXML */
static int
check_ip(const char *name, xmlNode *ip, GError **err)
{
	g_autofree char *family = hv_xml_prop(ip, "family");
	g_autofree char *prefix_s = hv_xml_prop(ip, "prefix");
	Addr addr = addr_of(ip, "address"), mask = addr_of(ip, "netmask");
	unsigned long prefix = prefix_s ? strtoul(prefix_s, NULL, 10) : 0;
	bool has_mask = xmlHasProp(ip, (const xmlChar *)"netmask");
	bool v6 = !g_strcmp0(family, "ipv6");
	xmlNode *dhcp = hv_xml_child(ip, "dhcp");

	if (!v6 && addr.family == AF_INET6)
		return FAIL("network '%s' line %d: family ipv4 given for the IPv6 address", name, ip->line);
	if (!v6 && has_mask && mask.family != AF_INET)
		return FAIL("network '%s' line %d: the netmask and the address must both be IPv4", name, ip->line);
	if (!v6 && has_mask && prefix > 0)
		return FAIL("network '%s' line %d: an IP address cannot have both a prefix and a netmask", name, ip->line);
	if (!v6 && !has_mask && prefix > 32)
		return FAIL("network '%s' line %d: invalid IPv4 prefix '%lu'", name, ip->line, prefix);
	if (v6 && addr.family != AF_INET6)
		return FAIL("network '%s' line %d: family ipv6 given for a non-IPv6 address", name, ip->line);
	if (v6 && has_mask)
		return FAIL("network '%s' line %d: a netmask is not allowed for an IPv6 address", name, ip->line);
	if (v6 && prefix > 128)
		return FAIL("network '%s' line %d: invalid IPv6 prefix '%lu'", name, ip->line, prefix);
	for (xmlNode *c = dhcp ? dhcp->children : NULL; c && addr.family; c = c->next) {
		if (hv_xml_is(c, "range") && check_range(name, c, &addr, ip_prefix(ip, &addr), err) < 0)
			return -EINVAL;
		if (hv_xml_is(c, "host") && check_dhcp_host(name, c, addr.family == AF_INET6, err) < 0)
			return -EINVAL;
	}
	if (hv_xml_child(ip, "tftp") && addr.family != AF_INET)
		return FAIL("network '%s' line %d: <tftp> is only for an IPv4 <ip>", name, ip->line);
	return 0;
}

/* virNetworkDNSDefParseXML, virNetworkDNSSrvDefParseXML, virNetworkDNSTxtDefParseXML */
static int
check_dns(const char *name, xmlNode *dns, GError **err)
{
	static const struct {
		const char *attr;
		unsigned long min, max;
	} srv_ranges[] = { { "port", 1, 65535 }, { "priority", 0, 65535 }, { "weight", 0, 65535 } };
	g_autofree char *enable = hv_xml_prop(dns, "enable");

	if (!g_strcmp0(enable, "no") && (hv_xml_child(dns, "forwarder") || hv_xml_child(dns, "host") ||
					 hv_xml_child(dns, "srv") || hv_xml_child(dns, "txt")))
		return FAIL("network '%s' <dns enable='no'>: extra data in a disabled DNS", name);
	for (xmlNode *s = hv_xml_child(dns, "srv"); s; s = hv_xml_next_named(s))
		for (size_t i = 0; i < G_N_ELEMENTS(srv_ranges); i++) {
			g_autofree char *v = hv_xml_prop(s, srv_ranges[i].attr);
			unsigned long n = v ? strtoul(v, NULL, 10) : srv_ranges[i].min;

			if (n < srv_ranges[i].min || n > srv_ranges[i].max)
				return FAIL("network '%s' line %d: invalid DNS SRV %s '%s'", name, s->line,
					    srv_ranges[i].attr, v);
		}
	for (xmlNode *t = hv_xml_child(dns, "txt"); t; t = hv_xml_next_named(t)) {
		g_autofree char *tname = hv_xml_prop(t, "name");

		if (tname && tname[strcspn(tname, " ,")])
			return FAIL("network '%s' line %d: prohibited character in DNS TXT record name '%s'",
				    name, t->line, tname);
	}
	return 0;
}

/* "dddd:bb:ss.f" of a forward <address type='pci'> (virPCIDeviceAddressParseXML
 * reads any base), NULL for another type */
static char *
pci_key(xmlNode *a)
{
	static const char *const f[] = { "domain", "bus", "slot", "function" };
	g_autofree char *type = hv_xml_prop(a, "type");
	unsigned long v[4];

	if (g_strcmp0(type, "pci"))
		return NULL;
	for (int i = 0; i < 4; i++) {
		g_autofree char *s = hv_xml_prop(a, f[i]);

		v[i] = s ? strtoul(s, NULL, 0) : 0;
	}
	return g_strdup_printf("%04lx:%02lx:%02lx.%lx", v[0], v[1], v[2], v[3]);
}

/* virNetworkForwardDefParseXML and virNetworkForwardNatDefParseXML */
static int
check_forward(const char *name, xmlNode *fwd, GError **err)
{
	g_autofree char *mode = hv_xml_prop(fwd, "mode");
	g_autofree char *dev = hv_xml_prop(fwd, "dev");
	g_autofree char *first = hv_xml_child_prop(fwd, "interface", "dev");
	unsigned nifs = hv_xml_count(fwd, "interface");
	xmlNode *nat = hv_xml_child(fwd, "nat");
	xmlNode *port = hv_xml_child(nat, "port");

	if (dev && first && strcmp(dev, first))
		return FAIL("network '%s': <forward dev='%s'> must match the first <interface dev='%s'/>", name,
			    dev, first);
	if ((!mode || !strcmp(mode, "nat") || !strcmp(mode, "route") || !strcmp(mode, "open")) &&
	    MAX(nifs, dev ? 1u : 0u) > 1)
		return FAIL("network '%s' <forward>: only one forwarding interface is supported in this mode", name);
	for (xmlNode *a = nifs || dev ? NULL : hv_xml_child(fwd, "address"); a; a = hv_xml_next_named(a)) {
		g_autofree char *key = pci_key(a);

		for (xmlNode *b = hv_xml_child(fwd, "address"); key && b != a; b = hv_xml_next_named(b)) {
			g_autofree char *other = pci_key(b);

			if (!g_strcmp0(key, other))
				return FAIL("network '%s' <forward>: PCI device '%s' can only be listed once", name, key);
		}
	}
	if (hv_xml_child(nat, "address") && check_range(name, hv_xml_child(nat, "address"), NULL, 0, err) < 0)
		return -EINVAL;
	if (hv_xml_child(nat, "address") && addr_of(hv_xml_child(nat, "address"), "start").family == AF_INET6)
		return FAIL("network '%s' <nat>: the SNAT range must be IPv4", name);
	if (port) {
		g_autofree char *s = hv_xml_prop(port, "start");
		g_autofree char *e = hv_xml_prop(port, "end");
		unsigned long ps = s ? strtoul(s, NULL, 10) : 0, pe = e ? strtoul(e, NULL, 10) : 0;

		if (!s || ps > 65535)
			return FAIL("network '%s' <nat><port>: missing or invalid start", name);
		if (!e || pe > 65535 || pe < ps)
			return FAIL("network '%s' <nat><port>: missing or invalid end", name);
	}
	return 0;
}

/* virNetworkDefParseXML: each static route's gateway inside the subnet of an
 * <ip> of its family. (Its multicast bridge MAC check is left to the start of
 * the network, where the kernel refuses one.) */
static int
check_root(const char *name, xmlNode *root, GError **err)
{
	for (xmlNode *r = hv_xml_child(root, "route"); r; r = hv_xml_next_named(r)) {
		Addr gw = addr_of(r, "gateway");
		bool reached = !gw.family;

		for (xmlNode *ip = hv_xml_child(root, "ip"); ip && !reached; ip = hv_xml_next_named(ip)) {
			Addr a = addr_of(ip, "address");

			reached = a.family == gw.family && same_subnet(&a, &gw, ip_prefix(ip, &a));
		}
		if (!reached)
			return FAIL("network '%s' line %d: the static route's gateway is reached by no <ip> of the network",
				    name, r->line);
	}
	return 0;
}

/* virNetDevVlanParse: tag ids up to 4095, one native tag, and no native tag
 * with trunk='no'. For networks, portgroups and domain interfaces. */
int
hv_vlan_check(xmlNode *vlan, const char *what, GError **err)
{
	g_autofree char *trunk = hv_xml_prop(vlan, "trunk");
	unsigned natives = 0;

	for (xmlNode *t = hv_xml_child(vlan, "tag"); t; t = hv_xml_next_named(t)) {
		g_autofree char *id = hv_xml_prop(t, "id");

		if (id && strtoul(id, NULL, 10) > 4095)
			return FAIL("%s line %d: vlan tag id %s too large (maximum 4095)", what, t->line, id);
		natives += xmlHasProp(t, (const xmlChar *)"nativeMode") != NULL;
	}
	if (natives > 1)
		return FAIL("%s line %d: duplicate native vlan setting", what, vlan->line);
	if (natives && trunk && !g_ascii_strcasecmp(trunk, "no"))
		return FAIL("%s line %d: trunk='no' is not allowed with a native vlan id", what, vlan->line);
	return 0;
}

/* Every <vlan> at any depth under root. */
int
hv_vlan_check_all(xmlNode *root, const char *what, GError **err)
{
	for (xmlNode *c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || c->ns)
			continue;
		if (!strcmp((const char *)c->name, "vlan") ? hv_vlan_check(c, what, err) < 0
							  : hv_vlan_check_all(c, what, err) < 0)
			return -EINVAL;
	}
	return 0;
}

int
hv_network_check_addresses(const char *name, xmlNode *root, GError **err)
{
	xmlNode *dns = hv_xml_child(root, "dns");
	xmlNode *fwd = hv_xml_child(root, "forward");

	g_autofree char *what = g_strdup_printf("network '%s'", name);

	if (check_root(name, root, err) < 0)
		return -EINVAL;
	if (hv_vlan_check_all(root, what, err) < 0)
		return -EINVAL;
	if (dns && check_dns(name, dns, err) < 0)
		return -EINVAL;
	for (xmlNode *ip = hv_xml_child(root, "ip"); ip; ip = hv_xml_next_named(ip))
		if (check_ip(name, ip, err) < 0)
			return -EINVAL;
	if (fwd && check_forward(name, fwd, err) < 0)
		return -EINVAL;
	return 0;
}
