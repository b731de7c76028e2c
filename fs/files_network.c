/* files_network.c: networks/ and networks/<name>/ through the network ops. */
#include "fs/files.h"

static const HvVerb verbs[] = {
	{ "start", offsetof(HvNetworkOps, start) },
	{ "stop", offsetof(HvNetworkOps, stop) },
};

static int
info(HvObj *o, HvNetworkInfo **out, GError **err)
{
	HvConn *c = o->node->conn;

	return HV_CALL(c, network, get_info, HV_READS, err, o->name, out);
}

#define NET_READER(fname, fmt, expr)                            \
	static int fname(HvObj *o, GString *out, GError **err)  \
	{                                                       \
		g_autoptr(HvNetworkInfo) i = NULL;               \
		int r = info(o, &i, err);                       \
		if (r < 0)                                      \
			return r;                               \
		g_string_append_printf(out, fmt "\n", expr);    \
		return 0;                                       \
	}

NET_READER(r_state, "%s", i->active ? "active" : "inactive")
NET_READER(r_autostart, "%d", i->autostart ? 1 : 0)
NET_READER(r_persistent, "%d", i->persistent ? 1 : 0)
NET_READER(r_uuid, "%s", i->uuid)
NET_READER(r_bridge, "%s", i->bridge ? i->bridge : "")

static int
r_info(HvObj *o, GString *out, GError **err)
{
	g_autoptr(HvNetworkInfo) i = NULL;
	int r = info(o, &i, err);

	if (r < 0)
		return r;
	g_string_append_printf(out,
			       "name: %s\nuuid: %s\nactive: %s\npersistent: %s\nautostart: %s\n"
			       "bridge: %s\nforward: %s\n",
			       i->name, i->uuid, hv_bool_word(i->active),
			       hv_bool_word(i->persistent), hv_bool_word(i->autostart),
			       i->bridge ? i->bridge : "", i->forward ? i->forward : "none");
	return 0;
}

static int
w_state(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;

	return hv_files_verb(c, c->driver->network, verbs, G_N_ELEMENTS(verbs), "network",
			     o->name, tok, err);
}

/* One line a lease: MAC IP/PREFIX HOSTNAME EXPIRY ('-' for none). */
static int
r_leases(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autoptr(GPtrArray) a = NULL;
	int r = HV_CALL(c, network, get_leases, HV_READS, err, o->name, &a);

	if (r < 0)
		return r;
	for (guint k = 0; k < a->len; k++) {
		const HvNetworkLease *l = a->pdata[k];

		g_string_append_printf(out, "%s %s %s ", l->mac, l->ip, l->hostname ? l->hostname : "-");
		if (l->expiry)
			g_string_append_printf(out, "%" G_GINT64_FORMAT "\n", l->expiry);
		else
			g_string_append(out, "-\n");
	}
	return 0;
}

/* One line an interface on the network: DOMAIN MAC DEVICE. */
static int
r_ports(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autoptr(GPtrArray) a = NULL;
	int r = HV_CALL(c, network, get_ports, HV_READS, err, o->name, &a);

	if (r < 0)
		return r;
	for (guint k = 0; k < a->len; k++) {
		const HvNetworkPort *p = a->pdata[k];

		g_string_append_printf(out, "%s %s %s\n", p->domain, p->mac ? p->mac : "-",
				       p->device ? p->device : "-");
	}
	return 0;
}

/* The running definition (equal to config.xml while inactive): what
 * `virsh net-dumpxml` shows, config.xml being `--inactive`. */
static int
r_live(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *xml = NULL;
	int r = HV_CALL(c, network, get_xml, HV_READS, err, o->name, 0, &xml);

	if (r < 0)
		return r;
	g_string_append(out, xml);
	return 0;
}

/* A new config.xml: an active network applies what it can live, and what
 * waits for its next start goes into `error` (EAGAIN: the write itself
 * succeeded). */
static int
w_config(HvObj *o, const char *buf, size_t len, GError **err)
{
	g_autoptr(HvNetworkInfo) i = NULL;
	g_autoptr(GError) note = NULL;
	int r = hv_coll_commit_config(o, buf, len, err);

	if (r < 0 || info(o, &i, NULL) < 0 || !i->pending)
		return r;
	hv_error_set(&note, EAGAIN, "network '%s': applied live what can be (DHCP ranges and "
		     "hosts, DNS hosts, SRV, TXT); saved for its next start: %s", o->name,
		     i->pending);
	hv_obj_fail(o, "config.xml", -EAGAIN, note);
	return 0;
}

static bool
has_leases(HvObj *o)
{
	const HvNetworkOps *ops = o->node->conn->driver->network;

	return ops && ops->get_leases;
}

static bool
has_ports(HvObj *o)
{
	const HvNetworkOps *ops = o->node->conn->driver->network;

	return ops && ops->get_ports;
}

/* Leases and ports change without an event: F_VOLATILE | F_SLOW (fs.h). */
static const FileDef network_files[] = {
	{ "config.xml", F_XML | F_SLOW, hv_coll_read_config, NULL, w_config },
	{ "live.xml", F_SLOW, r_live },
	{ "state", F_WRITE, r_state, w_state },
	{ "autostart", F_WRITE, r_autostart, hv_coll_write_autostart },
	{ "persistent", 0, r_persistent },
	{ "uuid", 0, r_uuid },
	{ "bridge", 0, r_bridge },
	{ "info", 0, r_info },
	{ "error", F_VOLATILE, hv_files_error },
	{ "leases", F_VOLATILE | F_SLOW, r_leases, .present = has_leases },
	{ "ports", F_VOLATILE | F_SLOW, r_ports, .present = has_ports },
};

const DirOps hv_network_ops = {
	HV_FILES(network_files),
	.scratch = true,
};

/* networks/: its children come from collection.c */
const DirOps hv_networks_ops = {
	.child_kind = DK_NETWORK,
	.scratch = true,
};
