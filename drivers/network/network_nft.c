/* network_nft.c: a network's nftables table, after libvirt's nftables
 * backend: a forward chain (nat: out from the subnet, back in for related
 * traffic; route: both ways; isolated: nothing in or out; guests on one
 * bridge talk without passing it), and for nat a postrouting chain that
 * masquerades the subnet with <nat><port> as the source port range, leaving
 * multicast and broadcast alone. ip_forward is the backend's. */
#include <string.h>
#include <sys/socket.h>
#include "drivers/network/network_nft.h"
#include "drivers/network/network_util.h"
#include "conf/conf_util.h"

bool
net_nft_wanted(const HvNetworkDef *def)
{
	return !def->forward_mode || !strcmp(def->forward_mode, "nat") ||
	       !strcmp(def->forward_mode, "route");
}

static void
port_range(const HvNetworkDef *def, unsigned *lo, unsigned *hi)
{
	xmlNode *fwd = hv_xml_child(xmlDocGetRootElement(def->doc), "forward");
	xmlNode *port = hv_xml_child(hv_xml_child(fwd, "nat"), "port");
	g_autofree char *s = hv_xml_prop(port, "start"), *e = hv_xml_prop(port, "end");

	*lo = s ? (unsigned)g_ascii_strtoull(s, NULL, 10) : 1024;
	*hi = e ? (unsigned)g_ascii_strtoull(e, NULL, 10) : 65535;
	if (*lo == 0 || *hi > 65535 || *lo > *hi) {
		*lo = 1024;
		*hi = 65535;
	}
}

/* The rules of one subnet (family "ip" or "ip6"). */
static void
subnet_rules(GString *fw, GString *nat, const HvNetworkDef *def, const char *fam,
	     const char *sub, const char *dev)
{
	const char *mode = def->forward_mode;
	const char *br = def->bridge;
	g_autofree char *out = dev ? g_strdup_printf(" oifname \"%s\"", dev) : g_strdup("");
	g_autofree char *in = dev ? g_strdup_printf(" iifname \"%s\"", dev) : g_strdup("");

	if (!mode)
		return;
	g_string_append_printf(fw, "    iifname \"%s\"%s %s saddr %s accept\n", br, out, fam, sub);
	if (!strcmp(mode, "nat"))
		g_string_append_printf(fw, "    oifname \"%s\"%s %s daddr %s ct state related,established "
				       "accept\n", br, in, fam, sub);
	else
		g_string_append_printf(fw, "    oifname \"%s\"%s %s daddr %s accept\n", br, in, fam, sub);
	if (strcmp(mode, "nat") || strcmp(fam, "ip"))
		return;
	unsigned lo, hi;

	port_range(def, &lo, &hi);
	g_string_append_printf(nat, "    ip saddr %s ip daddr 224.0.0.0/24 return\n"
			       "    ip saddr %s ip daddr 255.255.255.255 return\n"
			       "    ip saddr %s ip daddr != %s%s meta l4proto { tcp, udp } masquerade to :%u-%u\n"
			       "    ip saddr %s ip daddr != %s%s masquerade\n",
			       sub, sub, sub, sub, out, lo, hi, sub, sub, out);
}

char *
net_nft_ruleset(const HvNetworkDef *def)
{
	g_autofree char *table = net_nft_table(def->bridge);
	g_autoptr(GString) fw = g_string_new(NULL), nat = g_string_new(NULL);
	const char *dev = def->forward_devs->len ? def->forward_devs->pdata[0] : NULL;
	GString *s = g_string_new(NULL);

	for (guint k = 0; k < def->ips->len; k++) {
		NetAddr a;
		g_autofree char *sub = NULL;

		if (net_ip_of(def->name, def->ips->pdata[k], &a, NULL) < 0)
			continue;
		sub = net_subnet_str(&a);
		subnet_rules(fw, nat, def, a.family == AF_INET ? "ip" : "ip6", sub, dev);
	}
	/* everything else in or out of the bridge is refused */
	g_string_append_printf(fw, "    iifname \"%s\" oifname \"%s\" accept\n"
			       "    iifname \"%s\" reject\n    oifname \"%s\" reject\n",
			       def->bridge, def->bridge, def->bridge, def->bridge);
	/* declaring then deleting makes the load a replacement, in one transaction */
	g_string_append_printf(s, "table inet %s\ndelete table inet %s\ntable inet %s {\n"
			       "  chain forward {\n    type filter hook forward priority filter; "
			       "policy accept;\n%s  }\n", table, table, table, fw->str);
	if (nat->len)
		g_string_append_printf(s, "  chain postrouting {\n    type nat hook postrouting "
				       "priority srcnat; policy accept;\n%s  }\n", nat->str);
	g_string_append(s, "}\n");
	return g_string_free(s, false);
}

int
net_nft_apply(const HvNetworkDef *def, const char *state, GError **err)
{
	g_autofree char *rules = net_nft_ruleset(def);
	g_autofree char *path = g_build_filename(state, "nftables.rules", NULL);
	const char *argv[] = { "nft", "-f", path, NULL };
	g_autoptr(GError) e = NULL;

	if (!g_file_set_contents(path, rules, -1, &e))
		return hv_error_set(err, EIO, "network '%s': cannot write '%s': %s", def->name,
				    path, e->message);
	return net_exec(def->name, "loading its nftables rules", argv, err);
}

void
net_nft_remove(const char *bridge)
{
	g_autofree char *table = net_nft_table(bridge);
	const char *argv[] = { "nft", "delete", "table", "inet", table, NULL };

	net_exec_ok(argv);
}
