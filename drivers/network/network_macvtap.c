/* network_macvtap.c: the "macvtap" backend (network_backend.h): libvirt's
 * vepa, bridge (without a <bridge name=>), private and passthrough networks
 * over a pool of host interfaces (<forward dev=><interface dev=/></forward>).
 * Nothing runs on the host for such a network: start checks that its
 * interfaces are there; each domain interface on it gets a macvtap on one of
 * them (netdev_macvtap.h), in the network's mode, with the guest's MAC. The
 * guests' DHCP and DNS are whatever the parent link's LAN has: no leases
 * here. Passthrough gives the whole interface to one guest: the pool's
 * first interface that no macvtap of ours holds. */
#include <string.h>
#include "drivers/network/network_backend.h"
#include "drivers/network/network_check.h"
#include "drivers/network/network_util.h"
#include "drivers/network/netdev_macvtap.h"
#include "drivers/network/netdev_tap.h"

static const char *
mode_of(const HvNetworkDef *def)
{
	return def->forward_mode ? def->forward_mode : "vepa";
}

static int
m_check(const HvNetworkDef *def, GPtrArray *others, GError **err)
{
	if (!def->forward_devs->len)
		return hv_error_set(err, EINVAL, "network '%s' <forward mode='%s'>: needs a host "
				    "interface (<forward dev=> or <interface dev=>)", def->name,
				    mode_of(def));
	for (guint k = 0; k < def->forward_devs->len; k++)
		if (!net_is_ifname(def->forward_devs->pdata[k]))
			return hv_error_set(err, EINVAL, "network '%s' <forward>: '%s' is not an "
					    "interface name", def->name,
					    (char *)def->forward_devs->pdata[k]);
	if (def->ips->len)
		return hv_error_set(err, EINVAL, "network '%s' <forward mode='%s'>: a macvtap "
				    "network has no <ip> of its own (its guests are on the LAN of "
				    "'%s')", def->name, mode_of(def),
				    (char *)def->forward_devs->pdata[0]);
	return 0;
}

static int
m_start(NetworkObj *n, GError **err)
{
	return net_check_host(n->def, false, err);
}

static int
m_stop(NetworkObj *n, GError **err)
{
	return 0;
}

/* Nothing of its own to find again. */
static int
m_adopt(NetworkObj *n, bool *alive, GError **err)
{
	*alive = true;
	return 0;
}

/* The pool of interfaces applies live (the next port picks from it); a
 * new mode waits for the next start. */
static int
m_update(NetworkObj *n, const HvNetworkDef *nd, GString *pending, GError **err)
{
	if (g_strcmp0(n->def->forward_mode, nd->forward_mode))
		g_string_append(pending, "<forward mode>\n");
	return 0;
}

int
network_macvtap_pick(const HvNetworkDef *def, char **parent, char **mode, GError **err)
{
	for (guint k = 0; k < def->forward_devs->len; k++) {
		const char *dev = def->forward_devs->pdata[k];

		if (!net_is_ifname(dev) || !netdev_exists(dev))
			continue;
		*parent = g_strdup(dev);
		*mode = g_strdup(mode_of(def));
		return 0;
	}
	return hv_error_set(err, ENOENT, "network '%s': none of its forward interfaces exists",
			    def->name);
}

static int
m_port_alloc(NetworkObj *n, const NetworkPortReq *req, NetworkPort **out, GError **err)
{
	g_autofree char *parent = NULL, *mode = NULL, *ifname = NULL;
	NetworkPort *p;
	int fd, r;

	if ((r = network_macvtap_pick(n->def, &parent, &mode, err)) < 0)
		return r;
	NetdevMacvtapReq mr = { .parent = parent, .mode = mode, .mac = req->mac,
				.ifname = req->ifname };
	if ((r = netdev_macvtap_create(req->domain, &mr, &ifname, &fd, err)) < 0)
		return r;
	p = g_new0(NetworkPort, 1);
	p->kind = NETWORK_PORT_MACVTAP;
	p->ifname = g_steal_pointer(&ifname);
	p->parent = g_steal_pointer(&parent);
	p->mode = g_steal_pointer(&mode);
	p->mac = g_strdup(req->mac);
	p->fds = g_new(int, 1);
	p->fds[0] = fd;
	p->nfds = 1;
	*out = p;
	return 0;
}

static int
m_port_release(NetworkObj *n, const NetworkPort *port, GError **err)
{
	netdev_macvtap_delete(port->ifname);
	return 0;
}

static const char *const macvtap_modes[] = { "vepa", "bridge", "private", "passthrough", NULL };

const NetworkBackend network_macvtap_backend = {
	.name = "macvtap",
	.modes = macvtap_modes,
	.check_def = m_check,
	.start = m_start,
	.stop = m_stop,
	.adopt = m_adopt,
	.update = m_update,
	.port_alloc = m_port_alloc,
	.port_release = m_port_release,
};
