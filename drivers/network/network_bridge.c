/* network_bridge.c: the "bridge" backend (network_backend.h): isolated, nat,
 * route and open networks on a bridge of their own, with their addresses,
 * dnsmasq (network_dnsmasq.c), nftables table (network_nft.c) and
 * ip_forward; and <forward mode='bridge'> onto a host bridge that exists
 * already (nothing to build: a check). Every step of a start is undone when
 * a later one fails; stop removes what start made, whichever parts exist. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "drivers/network/network_backend.h"
#include "drivers/network/network_check.h"
#include "drivers/network/network_dnsmasq.h"
#include "drivers/network/network_nft.h"
#include "drivers/network/network_util.h"
#include "drivers/network/netdev_tap.h"
#include "drivers/network/netdev_bandwidth.h"
#include "conf/conf_util.h"

static bool
on_host_bridge(const HvNetworkDef *def)
{
	return !g_strcmp0(def->forward_mode, "bridge");
}

static int
link_up(const HvNetworkDef *def, GError **err)
{
	xmlNode *b = hv_xml_child(xmlDocGetRootElement(def->doc), "bridge");
	g_autofree char *stp = hv_xml_prop(b, "stp");
	const char *add[] = { "ip", "link", "add", "name", def->bridge, "type", "bridge",
			      "forward_delay", "0", "stp_state",
			      g_strcmp0(stp, "off") ? "1" : "0", NULL };
	const char *mac[] = { "ip", "link", "set", "dev", def->bridge, "address", def->mac, NULL };
	int r;

	if ((r = net_exec(def->name, "creating its bridge", add, err)) < 0)
		return r;
	if (def->mac && (r = net_exec(def->name, "setting the bridge's MAC", mac, err)) < 0)
		return r;
	for (guint k = 0; k < def->ips->len; k++) {
		NetAddr a;
		char buf[64];
		const HvNetworkIpDef *ip = def->ips->pdata[k];

		if ((r = net_ip_of(def->name, ip, &a, err)) < 0)
			return r;
		g_snprintf(buf, sizeof(buf), "%s/%u", ip->address, a.prefix);
		const char *addr[] = { "ip", a.family == AF_INET ? "-4" : "-6", "addr", "add", buf,
				       "dev", def->bridge, a.family == AF_INET6 ? "nodad" : NULL, NULL };
		if ((r = net_exec(def->name, "adding an address to its bridge", addr, err)) < 0)
			return r;
	}
	const char *up[] = { "ip", "link", "set", "dev", def->bridge, "up", NULL };
	return net_exec(def->name, "bringing its bridge up", up, err);
}

static int
write_sysctl(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, "1\n", 2);
	int e = errno;

	if (fd >= 0)
		close(fd);
	errno = e;
	return n == 2 ? 0 : -1;
}

/* nat and route forward: the node must route (per network namespace). */
static int
ip_forward(const HvNetworkDef *def, GError **err)
{
	static const char *const files[] = { "/proc/sys/net/ipv4/ip_forward",
					     "/proc/sys/net/ipv6/conf/all/forwarding" };
	const char *mode = def->forward_mode;

	if (!mode || (strcmp(mode, "nat") && strcmp(mode, "route")))
		return 0;
	for (int k = 0; k < 2; k++) {
		bool v6 = k == 1;
		bool has = false;

		for (guint j = 0; j < def->ips->len; j++)
			has |= (g_strcmp0(((HvNetworkIpDef *)def->ips->pdata[j])->family, "ipv6") == 0) == v6;
		if (has && write_sysctl(files[k]) < 0)
			return hv_error_set(err, errno, "network '%s': cannot enable forwarding in "
					    "'%s': %s", def->name, files[k], g_strerror(errno));
	}
	return 0;
}

/* A network's <bandwidth> on its bridge, as libvirt: inbound shaped on the
 * bridge's transmit over a class for the whole rate, outbound policed. */
static int
bandwidth(const HvNetworkDef *def, GError **err)
{
	g_autofree char *who = NULL;

	if (!def->bandwidth)
		return 0;
	who = g_strdup_printf("network '%s'", def->name);
	return netdev_bandwidth_set(who, def->bridge, def->bandwidth, true, true, err);
}

static void
remove_all(const NetworkObj *n)
{
	const HvNetworkDef *def = n->def;
	const char *del[] = { "ip", "link", "del", "dev", def->bridge, NULL };

	net_dnsmasq_stop(n->state_dir);
	net_nft_remove(def->bridge);
	if (def->bandwidth)
		netdev_bandwidth_clear(def->bridge);
	if (netdev_exists(def->bridge))
		net_exec_ok(del);
	net_state_remove(n->state_dir);
}

static int
b_start(NetworkObj *n, GError **err)
{
	const HvNetworkDef *def = n->def;
	int r;

	if (on_host_bridge(def))
		return net_check_host(def, false, err);
	if (!def->bridge)
		return hv_error_set(err, EINVAL, "cannot start network '%s': no bridge name",
				    def->name);
	if ((r = net_check_host(def, true, err)) < 0)
		return r;
	if (g_mkdir_with_parents(n->state_dir, 0700) < 0)
		return hv_error_set(err, errno, "network '%s': cannot create '%s': %s", def->name,
				    n->state_dir, g_strerror(errno));
	if ((r = link_up(def, err)) < 0 || (r = bandwidth(def, err)) < 0 ||
	    (r = ip_forward(def, err)) < 0 ||
	    (net_nft_wanted(def) && (r = net_nft_apply(def, n->state_dir, err)) < 0) ||
	    (net_dnsmasq_wanted(def) && ((r = net_dnsmasq_write(n->state_dir, def, err)) < 0 ||
					 (r = net_dnsmasq_start(n->state_dir, def, err)) < 0))) {
		g_prefix_error(err, "cannot start network '%s': ", def->name);
		remove_all(n);
		return r;
	}
	return 0;
}

static int
b_stop(NetworkObj *n, GError **err)
{
	if (!on_host_bridge(n->def) && n->def->bridge)
		remove_all(n);
	return 0;
}

/* The bridge is what makes the network: while it is there, the rules are
 * loaded again (the same table, replaced) and a dnsmasq that died is started
 * again; without it, what is left goes and the network is inactive. */
static int
b_adopt(NetworkObj *n, bool *alive, GError **err)
{
	const HvNetworkDef *def = n->def;
	int r;

	*alive = def->bridge && netdev_exists(def->bridge);
	if (on_host_bridge(def))
		return 0;
	if (!*alive) {
		if (def->bridge)
			remove_all(n);
		return 0;
	}
	if (net_nft_wanted(def) && (r = net_nft_apply(def, n->state_dir, err)) < 0)
		return r;
	if (net_dnsmasq_wanted(def) && !net_dnsmasq_pid(n->state_dir) &&
	    ((r = net_dnsmasq_write(n->state_dir, def, err)) < 0 ||
	     (r = net_dnsmasq_start(n->state_dir, def, err)) < 0))
		return r;
	return 0;
}

/* What dnsmasq serves is applied now (its files written again and dnsmasq
 * restarted: ranges, SRV and TXT are only read at its start; the lease file
 * stays); the bridge, forward mode and addresses wait for the next start. */
static int
b_update(NetworkObj *n, const HvNetworkDef *nd, GString *pending, GError **err)
{
	const HvNetworkDef *od = n->def;
	bool ips_same = od->ips->len == nd->ips->len;
	int r;

	for (guint k = 0; ips_same && k < od->ips->len; k++) {
		const HvNetworkIpDef *a = od->ips->pdata[k], *b = nd->ips->pdata[k];

		ips_same = !g_strcmp0(a->address, b->address) && a->prefix == b->prefix &&
			   !g_strcmp0(a->netmask, b->netmask) && !g_strcmp0(a->family, b->family);
	}
	if (g_strcmp0(od->bridge, nd->bridge))
		g_string_append(pending, "<bridge>\n");
	if (g_strcmp0(od->forward_mode, nd->forward_mode))
		g_string_append(pending, "<forward>\n");
	if (!ips_same)
		g_string_append(pending, "<ip> addresses\n");
	if (memcmp(od->bandwidth ? od->bandwidth : &(HvBandwidth){ 0 },
		   nd->bandwidth ? nd->bandwidth : &(HvBandwidth){ 0 }, sizeof(HvBandwidth)))
		g_string_append(pending, "<bandwidth>\n");
	if (on_host_bridge(od) || !net_dnsmasq_wanted(od))
		return 0;
	net_dnsmasq_stop(n->state_dir);
	if ((r = net_dnsmasq_write(n->state_dir, nd, err)) < 0 ||
	    (r = net_dnsmasq_start(n->state_dir, nd, err)) < 0)
		return r;
	return 0;
}

static int
b_leases(NetworkObj *n, GPtrArray **out, GError **err)
{
	*out = net_dnsmasq_leases(n->state_dir, n->def);
	return 0;
}

static int
b_check(const HvNetworkDef *def, GPtrArray *others, GError **err)
{
	return net_check_def(def, others, err);
}

static const char *const bridge_modes[] = { "none", "nat", "route", "open", "bridge", NULL };

const NetworkBackend network_bridge_backend = {
	.name = "bridge",
	.modes = bridge_modes,
	.check_def = b_check,
	.start = b_start,
	.stop = b_stop,
	.adopt = b_adopt,
	.update = b_update,
	.leases = b_leases,
};
