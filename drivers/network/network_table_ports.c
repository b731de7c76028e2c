/* network_table_ports.c: who is on a driver's networks, as the tree's
 * `ports`, `leases` and `addresses` files and virsh net-dhcp-leases and
 * domifaddr show it: a network's leases from its backend, its ports from the
 * live definitions of the running domains, and a domain's addresses from the
 * leases of its networks, else from the host's neighbour table (arp). Reads
 * through the connection's own ops only (no domain internals). */
#include <string.h>
#include "drivers/network/network_table.h"
#include "drivers/objtab.h"
#include "drivers/network/network_backend.h"

int
net_table_leases_locked(HvObjTab *t, HvEntry *o, const char *state, GPtrArray **out,
			   GError **err)
{
	NetworkObj n = { .name = o->name, .def = o->def.network, .state_dir = state,
			 .priv = o->priv };

	if (!(n.backend = network_backend_for(o->def.network, err)))
		return -EOPNOTSUPP;
	if (!o->active || !n.backend->leases) { /* an inactive network has none */
		*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_network_lease_free);
		return 0;
	}
	return n.backend->leases(&n, out, err);
}

/* The live definitions of the running domains (HvDomainDef*). */
static GPtrArray *
running_defs(HvConn *c)
{
	GPtrArray *defs = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_def_free);
	g_autoptr(GPtrArray) infos = NULL;

	if (!c->driver->domain || c->driver->domain->list(c, &infos, NULL) < 0)
		return defs;
	for (guint k = 0; k < infos->len; k++) {
		const HvDomainInfo *i = infos->pdata[k];
		g_autofree char *xml = NULL;
		HvDomainDef *def;

		if (i->state == HV_DOMAIN_SHUTOFF ||
		    c->driver->domain->get_xml(c, i->name, 0, &xml, NULL) < 0)
			continue;
		if ((def = hv_domain_def_parse(xml, strlen(xml), NULL)))
			g_ptr_array_add(defs, def);
	}
	return defs;
}

int
net_table_ports(HvConn *c, const char *name, GPtrArray **out, GError **err)
{
	g_autoptr(HvNetworkInfo) info = NULL;
	g_autoptr(GPtrArray) defs = NULL;
	int r;

	if ((r = c->driver->network->get_info(c, name, &info, err)) < 0)
		return r;
	defs = running_defs(c);
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_network_port_free);
	for (guint k = 0; k < defs->len; k++) {
		const HvDomainDef *d = defs->pdata[k];

		for (guint j = 0; d->interfaces && j < d->interfaces->len; j++) {
			const HvDomainNetDef *n = d->interfaces->pdata[j];
			HvNetworkPort *p;

			if (g_strcmp0(n->type, "network") || g_strcmp0(n->source, name))
				continue;
			p = g_new0(HvNetworkPort, 1);
			p->domain = g_strdup(d->name);
			p->mac = g_strdup(n->mac);
			p->device = g_strdup(n->target_dev);
			g_ptr_array_add(*out, p);
		}
	}
	return 0;
}

int
net_table_bridge_of(HvConn *c, const char *network, char **bridge, GError **err)
{
	g_autoptr(HvNetworkInfo) info = NULL;
	int r;

	if (!c->driver->network || !c->driver->network->get_info)
		return hv_error_set(err, EOPNOTSUPP, "network '%s': this driver has no networks",
				    network);
	if ((r = c->driver->network->get_info(c, network, &info, err)) < 0)
		return r;
	if (!info->active)
		return hv_error_set(err, EBUSY, "network '%s' is not active", network);
	if (!info->bridge || !*info->bridge)
		return hv_error_set(err, EOPNOTSUPP, "network '%s' has no bridge", network);
	*bridge = g_strdup(info->bridge);
	return 0;
}

static HvDomainAddress *
address_new(const HvDomainNetDef *n, const char *ip, const char *source)
{
	HvDomainAddress *a = g_new0(HvDomainAddress, 1);

	a->device = g_strdup(n->target_dev ? n->target_dev : "-");
	a->mac = g_strdup(n->mac);
	a->family = g_strdup(strchr(ip, ':') ? "ipv6" : "ipv4");
	a->ip = g_strdup(ip);
	a->source = g_strdup(source);
	return a;
}

static bool
from_leases(HvConn *c, const HvDomainNetDef *n, GPtrArray *out)
{
	g_autoptr(GPtrArray) leases = NULL;
	bool found = false;

	if (g_strcmp0(n->type, "network") || !n->source || !c->driver->network->get_leases ||
	    c->driver->network->get_leases(c, n->source, &leases, NULL) < 0)
		return false;
	for (guint k = 0; k < leases->len; k++) {
		const HvNetworkLease *l = leases->pdata[k];

		if (!g_ascii_strcasecmp(l->mac, n->mac)) {
			g_ptr_array_add(out, address_new(n, l->ip, "lease"));
			found = true;
		}
	}
	return found;
}

/* /proc/self/net/arp: "IP HWTYPE FLAGS MAC MASK DEVICE", complete entries
 * (flag 0x2), in the network namespace of this process, the taps' one. */
static void
from_arp(const char *arp, const HvDomainNetDef *n, GPtrArray *out)
{
	g_auto(GStrv) lines = g_strsplit(arp, "\n", -1);

	for (char **l = lines; *l; l++) {
		g_auto(GStrv) f = g_strsplit_set(*l, " \t", -1);
		const char *v[6];
		int k = 0;

		for (char **p = f; *p && k < 6; p++)
			if (**p)
				v[k++] = *p;
		if (k < 6 || !(g_ascii_strtoull(v[2], NULL, 16) & 0x2) ||
		    g_ascii_strcasecmp(v[3], n->mac))
			continue;
		g_autofree char *ip = g_strdup_printf("%s/0", v[0]);

		g_ptr_array_add(out, address_new(n, ip, "arp"));
	}
}

int
net_table_dom_addresses(HvConn *c, const char *name, GPtrArray **out, GError **err)
{
	g_autofree char *xml = NULL, *arp = NULL;
	g_autoptr(HvDomainDef) def = NULL;
	g_autoptr(HvDomainInfo) info = NULL;
	int r;

	if ((r = c->driver->domain->get_info(c, name, &info, err)) < 0)
		return r;
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_address_free);
	if (info->state == HV_DOMAIN_SHUTOFF) /* no addresses */
		return 0;
	g_clear_pointer(out, g_ptr_array_unref);
	if ((r = c->driver->domain->get_xml(c, name, 0, &xml, err)) < 0)
		return r;
	if (!(def = hv_domain_def_parse_own(xml, strlen(xml), err)))
		return -EIO;
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_address_free);
	for (guint k = 0; def->interfaces && k < def->interfaces->len; k++) {
		const HvDomainNetDef *n = def->interfaces->pdata[k];

		if (!n->mac || from_leases(c, n, *out))
			continue;
		if (!arp) /* read once, only when some interface has no lease */
			g_file_get_contents("/proc/self/net/arp", &arp, NULL, NULL);
		if (arp)
			from_arp(arp, n, *out);
	}
	return 0;
}
