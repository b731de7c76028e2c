/* network_check.c: what a network definition must satisfy before a backend
 * builds anything from it: addresses that parse, ranges and static hosts
 * inside their subnet, no subnet or bridge shared with another network, and
 * only names, addresses and plain text where dnsmasq reads them (a newline
 * or a comma in a name would be a new dnsmasq option). */
#include <string.h>
#include <sys/socket.h>
#include "drivers/network/network_check.h"
#include "drivers/network/network_util.h"
#include "drivers/network/netdev_tap.h"
#include "conf/conf_util.h"

static int
hostile(const HvNetworkDef *def, const char *where, const char *value, GError **err)
{
	g_autofree char *shown = g_strescape(value ? value : "", NULL);

	return hv_error_set(err, EINVAL, "network '%s' %s: '%s' is not allowed (names are letters, "
			    "digits, '-', '_' and '.'; text has no quotes, backslashes or control "
			    "characters)", def->name, where, shown);
}

static int
check_range(const HvNetworkDef *def, const NetAddr *net, const char *range, GError **err)
{
	g_auto(GStrv) se = g_strsplit(range, "-", 2);
	NetAddr s, e;

	if (!se[0] || !se[1] || net_addr_parse(se[0], net->family, &s) < 0 ||
	    net_addr_parse(se[1], net->family, &e) < 0)
		return hv_error_set(err, EINVAL, "network '%s' <range start/end='%s'>: not addresses "
				    "of the subnet's family", def->name, range);
	if (!net_addr_in(net, &s) || !net_addr_in(net, &e)) {
		g_autofree char *sub = net_subnet_str(net);

		return hv_error_set(err, EINVAL, "network '%s' <range start='%s' end='%s'>: outside "
				    "the subnet %s", def->name, se[0], se[1], sub);
	}
	if (net_addr_cmp(&s, &e) > 0)
		return hv_error_set(err, EINVAL, "network '%s' <range start='%s' end='%s'>: start is "
				    "after end", def->name, se[0], se[1]);
	return 0;
}

static int
check_hosts(const HvNetworkDef *def, const NetAddr *net, const HvNetworkIpDef *ip,
	    GError **err)
{
	for (guint k = 0; k < ip->hosts->len; k++) {
		const HvNetworkDhcpHostDef *h = ip->hosts->pdata[k];
		NetAddr a;

		if (!h->mac && !h->name)
			return hv_error_set(err, EINVAL, "network '%s' <dhcp><host>: needs a valid mac= "
					    "or a name=", def->name);
		if (h->name && !net_is_hostname(h->name))
			return hostile(def, "<dhcp><host name=>", h->name, err);
		if (!h->ip)
			continue;
		if (net_addr_parse(h->ip, net->family, &a) < 0)
			return hostile(def, "<dhcp><host ip=>", h->ip, err);
		if (!net_addr_in(net, &a))
			return hv_error_set(err, EINVAL, "network '%s' <dhcp><host ip='%s'>: outside "
					    "the subnet", def->name, h->ip);
	}
	return 0;
}

static int
check_ips(const HvNetworkDef *def, GError **err)
{
	for (guint k = 0; k < def->ips->len; k++) {
		const HvNetworkIpDef *ip = def->ips->pdata[k];
		NetAddr net;
		int r;

		if ((r = net_ip_of(def->name, ip, &net, err)) < 0)
			return r;
		for (guint j = 0; j < ip->ranges->len; j++)
			if ((r = check_range(def, &net, ip->ranges->pdata[j], err)) < 0)
				return r;
		if ((r = check_hosts(def, &net, ip, err)) < 0)
			return r;
		if (ip->tftp_root && !net_is_txt(ip->tftp_root))
			return hostile(def, "<tftp root=>", ip->tftp_root, err);
		if (ip->bootp_file && !net_is_txt(ip->bootp_file))
			return hostile(def, "<bootp file=>", ip->bootp_file, err);
	}
	return 0;
}

/* <srv> and <txt>: read from the document (the typed def has no fields). */
static int
check_srv_txt(const HvNetworkDef *def, GError **err)
{
	static const char *const srv_names[] = { "service", "protocol", "domain", "target", NULL };
	static const char *const srv_nums[] = { "port", "priority", "weight", NULL };
	xmlNode *dns = hv_xml_child(xmlDocGetRootElement(def->doc), "dns");

	for (xmlNode *s = hv_xml_child(dns, "srv"); s; s = hv_xml_next_named(s)) {
		for (const char *const *a = srv_names; *a; a++) {
			g_autofree char *v = hv_xml_prop(s, *a);

			if (v && !net_is_hostname(v))
				return hostile(def, "<dns><srv>", v, err);
		}
		for (const char *const *a = srv_nums; *a; a++) {
			g_autofree char *v = hv_xml_prop(s, *a);

			if (v && (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 5))
				return hostile(def, "<dns><srv> number", v, err);
		}
	}
	for (xmlNode *t = hv_xml_child(dns, "txt"); t; t = hv_xml_next_named(t)) {
		g_autofree char *n = hv_xml_prop(t, "name");
		g_autofree char *v = hv_xml_prop(t, "value");

		if (!net_is_hostname(n))
			return hostile(def, "<dns><txt name=>", n, err);
		if (v && !net_is_txt(v))
			return hostile(def, "<dns><txt value=>", v, err);
	}
	return 0;
}

static int
check_dns(const HvNetworkDef *def, GError **err)
{
	NetAddr a;

	if (def->domain_name && !net_is_hostname(def->domain_name))
		return hostile(def, "<domain name=>", def->domain_name, err);
	for (guint k = 0; k < def->dns_forwarders->len; k++) {
		const char *f = def->dns_forwarders->pdata[k];

		if (!f || (net_addr_parse(f, AF_UNSPEC, &a) < 0 && !net_is_hostname(f)))
			return hostile(def, "<dns><forwarder>", f, err);
	}
	for (guint k = 0; k < def->dns_hosts->len; k++) {
		const HvNetworkDnsHostDef *h = def->dns_hosts->pdata[k];

		if (net_addr_parse(h->ip, AF_UNSPEC, &a) < 0)
			return hostile(def, "<dns><host ip=>", h->ip, err);
		if (!h->hostnames->len)
			return hv_error_set(err, EINVAL, "network '%s' <dns><host ip='%s'>: no "
					    "<hostname>", def->name, h->ip);
		for (guint j = 0; j < h->hostnames->len; j++)
			if (!net_is_hostname(h->hostnames->pdata[j]))
				return hostile(def, "<dns><host><hostname>", h->hostnames->pdata[j], err);
	}
	return check_srv_txt(def, err);
}

static int
check_others(const HvNetworkDef *def, GPtrArray *others, GError **err)
{
	for (guint k = 0; others && k < others->len; k++) {
		const HvNetworkDef *o = others->pdata[k];

		if (!g_strcmp0(o->name, def->name))
			continue;
		if (def->bridge && o->bridge && !strcmp(def->bridge, o->bridge) &&
		    g_strcmp0(def->forward_mode, "bridge"))
			return hv_error_set(err, EEXIST, "network '%s': bridge '%s' is already used by "
					    "network '%s'", def->name, def->bridge, o->name);
		for (guint i = 0; i < def->ips->len; i++)
			for (guint j = 0; j < o->ips->len; j++) {
				NetAddr x, y;
				g_autofree char *sx = NULL, *sy = NULL;

				if (net_ip_of(def->name, def->ips->pdata[i], &x, NULL) < 0 ||
				    net_ip_of(o->name, o->ips->pdata[j], &y, NULL) < 0 ||
				    !net_subnets_overlap(&x, &y))
					continue;
				sx = net_subnet_str(&x);
				sy = net_subnet_str(&y);
				return hv_error_set(err, EEXIST, "network '%s': subnet %s overlaps %s of "
						    "network '%s'", def->name, sx, sy, o->name);
			}
	}
	return 0;
}

int
net_check_def(const HvNetworkDef *def, GPtrArray *others, GError **err)
{
	int r;

	if (!g_strcmp0(def->forward_mode, "hostdev"))
		return hv_error_set(err, EOPNOTSUPP, "network '%s' <forward mode='hostdev'>: SR-IOV "
				    "virtual functions need hardware this node does not have",
				    def->name);
	if (def->bridge && !net_is_ifname(def->bridge))
		return hostile(def, "<bridge name=>", def->bridge, err);
	for (guint k = 0; k < def->forward_devs->len; k++)
		if (!net_is_ifname(def->forward_devs->pdata[k]))
			return hostile(def, "<forward dev=>", def->forward_devs->pdata[k], err);
	if ((r = check_ips(def, err)) < 0 || (r = check_dns(def, err)) < 0)
		return r;
	return check_others(def, others, err);
}

int
net_check_host(const HvNetworkDef *def, bool own_bridge, GError **err)
{
	if (own_bridge && def->bridge && netdev_exists(def->bridge))
		return hv_error_set(err, EEXIST, "cannot start network '%s': a device named '%s' "
				    "already exists", def->name, def->bridge);
	if (!own_bridge && def->bridge && !netdev_exists(def->bridge))
		return hv_error_set(err, ENOENT, "cannot start network '%s': bridge '%s' does not "
				    "exist", def->name, def->bridge);
	for (guint k = 0; k < def->forward_devs->len; k++)
		if (!netdev_exists(def->forward_devs->pdata[k]))
			return hv_error_set(err, ENOENT, "cannot start network '%s': forward device '%s' "
					    "does not exist", def->name,
					    (char *)def->forward_devs->pdata[k]);
	return 0;
}
