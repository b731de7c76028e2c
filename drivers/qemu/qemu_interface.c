/* qemu_interface.c: the host side of the qemu driver's network interfaces.
 * The command-line builder asks which tap an interface gets (its bridge,
 * from <source bridge=> or the network's; its name, vnet%d unless asked;
 * its MAC with 0xfe first); before spawning, the taps are created and
 * attached (drivers/network/netdev_tap.c) and their descriptors become 3,
 * 4, ... in QEMU; a tap goes when QEMU closes it, however QEMU ends. */
#include <unistd.h>
#include "drivers/qemu/qemu_interface.h"
#include "drivers/driver.h"
#include "drivers/network/netdev_tap.h"

#define TAP_GONE_US (2 * G_USEC_PER_SEC)

void
qemu_tap_free(QemuTap *t)
{
	if (!t)
		return;
	g_free(t->bridge);
	g_free(t->ifname);
	g_free(t->mac);
	g_free(t);
}

bool
qemu_interface_is_tap(const HvDomainNetDef *n)
{
	return n->type && (g_str_equal(n->type, "bridge") || g_str_equal(n->type, "network"));
}

static int
unsupported(const HvDomainDef *def, const char *what, GError **err)
{
	return hv_error_set(err, EOPNOTSUPP, "domain '%s': %s is not supported by the qemu driver",
			    def->name, what);
}

/* The bridge of interface k: its own, or its network's. */
static int
bridge_of(const HvDomainDef *def, guint k, const HvDomainNetDef *n,
	  QemuNetworkResolve resolve_network, void *opaque, char **bridge, GError **err)
{
	bool network = g_str_equal(n->type, "network");
	int r;

	if (!n->source || !*n->source)
		return unsupported(def, network ? "<interface type='network'> without <source "
					"network=>" : "<interface type='bridge'> without <source "
					"bridge=>", err);
	if (!network) {
		*bridge = g_strdup(n->source);
		return 0;
	}
	if (!resolve_network)
		return hv_error_set(err, EOPNOTSUPP, "domain '%s': <interface type='network'> "
				    "(network '%s'): the qemu driver has no network backend yet "
				    "(use <interface type='bridge'> with the network's bridge)",
				    def->name, n->source);
	if ((r = resolve_network(opaque, n->source, bridge, err)) < 0) {
		g_prefix_error(err, "cannot start domain '%s': interface %u: ", def->name, k);
		return r;
	}
	return 0;
}

int
qemu_interface_plan_tap(const HvDomainDef *def, guint k, const HvDomainNetDef *n,
			GPtrArray *taps, QemuNetworkResolve resolve_network, void *opaque,
			int *fd, GError **err)
{
	g_autofree char *bridge = NULL;
	QemuTap *t;
	int r;

	if ((r = bridge_of(def, k, n, resolve_network, opaque, &bridge, err)) < 0)
		return r;
	if (!taps)
		return unsupported(def, "a tap interface (no tap support here)", err);
	t = g_new0(QemuTap, 1);
	t->iface = k;
	t->bridge = g_steal_pointer(&bridge);
	/* vnet*: libvirt's automatic names, assigned again at each start */
	if (n->target_dev && !g_str_has_prefix(n->target_dev, "vnet"))
		t->ifname = g_strdup(n->target_dev);
	if (n->mac)
		t->mac = g_strdup_printf("fe%s", n->mac + 2);
	t->fd = QEMU_TAP_FD_BASE + (int)taps->len;
	g_ptr_array_add(taps, t);
	*fd = t->fd;
	return 0;
}

int
qemu_interface_resolve_network(void *opaque, const char *network, char **bridge, GError **err)
{
	HvConn *c = opaque;
	g_autoptr(HvNetworkInfo) info = NULL;
	int r;

	if ((r = c->driver->network->get_info(c, network, &info, err)) < 0)
		return r;
	if (!info->active)
		return hv_error_set(err, EBUSY, "network '%s' is not active", network);
	if (!info->bridge || !*info->bridge)
		return hv_error_set(err, EOPNOTSUPP, "network '%s' has no bridge", network);
	*bridge = g_strdup(info->bridge);
	return 0;
}

int
qemu_interface_open_taps(const char *dom, HvDomainDef *live, GPtrArray *taps, GArray *fds,
			 GError **err)
{
	for (guint k = 0; k < taps->len; k++) {
		const QemuTap *t = taps->pdata[k];
		HvDomainNetDef *n = live->interfaces->pdata[t->iface];
		NetdevTapReq req = { .bridge = t->bridge, .ifname = t->ifname, .mac = t->mac };
		char *ifname = NULL;
		int fd, r;

		if ((r = netdev_tap_create(dom, &req, &ifname, &fd, err)) < 0) {
			qemu_interface_close_fds(fds);
			return r;
		}
		g_array_append_val(fds, fd);
		g_free(n->target_dev);
		n->target_dev = ifname;
	}
	return 0;
}

void
qemu_interface_close_fds(GArray *fds)
{
	for (guint k = 0; k < fds->len; k++)
		close(g_array_index(fds, int, k));
	g_array_set_size(fds, 0);
}

GPtrArray *
qemu_interface_taps_of(const HvDomainDef *def)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);

	for (guint k = 0; def->interfaces && k < def->interfaces->len; k++) {
		const HvDomainNetDef *n = def->interfaces->pdata[k];

		if (n->type && !g_str_equal(n->type, "user") && n->target_dev)
			g_ptr_array_add(a, g_strdup(n->target_dev));
	}
	return a;
}

void
qemu_interface_wait_gone(GPtrArray *taps)
{
	netdev_wait_gone(taps, TAP_GONE_US);
}
