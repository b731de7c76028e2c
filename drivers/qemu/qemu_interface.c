/* qemu_interface.c: the host side of the qemu driver's network interfaces.
 * The command-line builder asks which tap an interface gets (its bridge,
 * from <source bridge=> or the network's; its name, vnet%d unless asked;
 * its MAC with 0xfe first); before spawning, the taps are created and
 * attached (drivers/network/netdev_tap.c) and their descriptors become 3,
 * 4, ... in QEMU; a tap goes when QEMU closes it, however QEMU ends. */
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_interface.h"
#include "drivers/driver.h"
#include "drivers/network/netdev_tap.h"
#include "drivers/network/netdev_macvtap.h"
#include "drivers/network/netdev_bandwidth.h"
#include "drivers/network/network_backend.h"

#define TAP_GONE_US (2 * G_USEC_PER_SEC)

void
qemu_tap_free(QemuTap *t)
{
	if (!t)
		return;
	g_free(t->bridge);
	g_free(t->parent);
	g_free(t->mode);
	g_free(t->guest_mac);
	g_free(t->ifname);
	g_free(t->mac);
	g_free(t);
}

bool
qemu_interface_is_tap(const HvDomainNetDef *n)
{
	return n->type && (g_str_equal(n->type, "bridge") || g_str_equal(n->type, "network") ||
			   g_str_equal(n->type, "direct"));
}

static int
unsupported(const HvDomainDef *def, const char *what, GError **err)
{
	return hv_error_set(err, EOPNOTSUPP, "domain '%s': %s is not supported by the qemu driver",
			    def->name, what);
}

/* Where interface k goes: its own bridge or host interface, or its
 * network's. */
static int
target_of(const HvDomainDef *def, guint k, const HvDomainNetDef *n,
	  QemuNetworkResolve resolve_network, void *opaque, QemuNetTarget *out, GError **err)
{
	bool network = g_str_equal(n->type, "network"), direct = g_str_equal(n->type, "direct");
	int r;

	if (!n->source || !*n->source)
		return unsupported(def, network ? "<interface type='network'> without <source "
					"network=>" : direct ? "<interface type='direct'> without "
					"<source dev=>" : "<interface type='bridge'> without <source "
					"bridge=>", err);
	if (direct) {
		if (!netdev_macvtap_mode_ok(n->source_mode))
			return hv_error_set(err, EINVAL, "domain '%s': interface %u: <source mode='%s'> "
					    "is not one of vepa, bridge, private, passthrough",
					    def->name, k, n->source_mode);
		out->parent = g_strdup(n->source);
		out->mode = g_strdup(n->source_mode ? n->source_mode : "vepa");
		return 0;
	}
	if (!network) {
		out->bridge = g_strdup(n->source);
		return 0;
	}
	if (!resolve_network)
		return hv_error_set(err, EOPNOTSUPP, "domain '%s': <interface type='network'> "
				    "(network '%s'): the qemu driver has no network backend yet "
				    "(use <interface type='bridge'> with the network's bridge)",
				    def->name, n->source);
	if ((r = resolve_network(opaque, n->source, out, err)) < 0) {
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
	QemuNetTarget to = { 0 };
	QemuTap *t;
	int r;

	if ((r = target_of(def, k, n, resolve_network, opaque, &to, err)) < 0) {
		g_free(to.bridge), g_free(to.parent), g_free(to.mode);
		return r;
	}
	if (!taps) {
		g_free(to.bridge), g_free(to.parent), g_free(to.mode);
		return unsupported(def, "a tap interface (no tap support here)", err);
	}
	t = g_new0(QemuTap, 1);
	t->iface = k;
	t->bridge = to.bridge;
	t->parent = to.parent;
	t->mode = to.mode;
	/* vnet*, macvtap*: libvirt's automatic names, assigned again at each start */
	if (n->target_dev && !g_str_has_prefix(n->target_dev, "vnet") &&
	    !g_str_has_prefix(n->target_dev, "macvtap"))
		t->ifname = g_strdup(n->target_dev);
	if (n->mac)
		t->mac = g_strdup_printf("fe%s", n->mac + 2);
	t->guest_mac = g_strdup(n->mac);
	t->fd = QEMU_TAP_FD_BASE + (int)taps->len;
	g_ptr_array_add(taps, t);
	*fd = t->fd;
	return 0;
}

int
qemu_interface_resolve_network(void *opaque, const char *network, QemuNetTarget *out,
			       GError **err)
{
	HvConn *c = opaque;
	g_autoptr(HvNetworkInfo) info = NULL;
	g_autoptr(HvNetworkDef) def = NULL;
	g_autofree char *xml = NULL;
	int r;

	if ((r = c->driver->network->get_info(c, network, &info, err)) < 0)
		return r;
	if (!info->active)
		return hv_error_set(err, EBUSY, "network '%s' is not active", network);
	if (info->bridge && *info->bridge) {
		out->bridge = g_strdup(info->bridge);
		return 0;
	}
	if ((r = c->driver->network->get_xml(c, network, 0, &xml, err)) < 0)
		return r;
	if (!(def = hv_network_def_parse(xml, strlen(xml), err)))
		return -EIO;
	if (network_backend_for(def, NULL) != &network_macvtap_backend)
		return hv_error_set(err, EOPNOTSUPP, "network '%s' has no bridge", network);
	return network_macvtap_pick(def, &out->parent, &out->mode, err);
}

/* <bandwidth> on a new tap (swapped: the tap's transmit is the guest's
 * receive) or macvtap, as libvirt does. */
static int
set_bandwidth(const char *dom, const char *ifname, const HvDomainNetDef *n, bool swapped,
	      GError **err)
{
	g_autofree char *who = g_strdup_printf("domain '%s': interface '%s'", dom, ifname);

	return netdev_bandwidth_set(who, ifname, n->bandwidth, swapped, false, err);
}

int
qemu_interface_open_taps(const char *dom, HvDomainDef *live, GPtrArray *taps, GArray *fds,
			 GError **err)
{
	for (guint k = 0; k < taps->len; k++) {
		const QemuTap *t = taps->pdata[k];
		HvDomainNetDef *n = live->interfaces->pdata[t->iface];
		NetdevTapReq req = { .bridge = t->bridge, .ifname = t->ifname, .mac = t->mac };
		NetdevMacvtapReq mreq = { .parent = t->parent, .mode = t->mode,
					  .mac = t->guest_mac, .ifname = t->ifname };
		char *ifname = NULL;
		int fd, r;

		r = t->parent ? netdev_macvtap_create(dom, &mreq, &ifname, &fd, err)
			      : netdev_tap_create(dom, &req, &ifname, &fd, err);
		if (r == 0 && n->bandwidth && (r = set_bandwidth(dom, ifname, n, !t->parent, err)) < 0) {
			if (t->parent)
				netdev_macvtap_delete(ifname);
			close(fd);
			g_free(ifname);
		}
		if (r < 0) {
			for (guint j = 0; j < k; j++) /* the macvtaps made so far */
				if (((QemuTap *)taps->pdata[j])->parent)
					netdev_macvtap_delete(((HvDomainNetDef *)live->interfaces->pdata[
						((QemuTap *)taps->pdata[j])->iface])->target_dev);
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

GPtrArray *
qemu_interface_links_down(const HvDomainDef *def)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);

	for (guint k = 0; def->interfaces && k < def->interfaces->len; k++)
		if (((HvDomainNetDef *)def->interfaces->pdata[k])->link_down)
			g_ptr_array_add(a, g_strdup_printf("{\"name\":\"net%u\",\"up\":false}", k));
	return a;
}

void
qemu_interface_release(const HvDomainDef *def)
{
	for (guint k = 0; def && def->interfaces && k < def->interfaces->len; k++) {
		const HvDomainNetDef *n = def->interfaces->pdata[k];

		if (n->target_dev && n->bandwidth) /* its policer's table outlives it */
			netdev_bandwidth_clear(n->target_dev);
		if (n->target_dev && (!g_strcmp0(n->type, "direct") ||
				      g_str_has_prefix(n->target_dev, "macvtap")))
			netdev_macvtap_delete(n->target_dev);
	}
}

void
qemu_interface_wait_gone(GPtrArray *taps)
{
	netdev_wait_gone(taps, TAP_GONE_US);
}
