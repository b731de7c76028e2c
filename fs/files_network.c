/* files_network.c: networks/ and networks/<name>/ through the network ops. */
#include "fs/files.h"
#include "util/parse.h"

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

static int
r_config(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *xml = NULL;
	int r = HV_CALL(c, network, get_xml, HV_READS, err, o->name, HV_XML_INACTIVE, &xml);

	if (r < 0)
		return r;
	g_string_append(out, xml);
	return 0;
}

static int
c_config(HvObj *o, const char *buf, size_t len, GError **err)
{
	HvConn *c = o->node->conn;
	int r = hv_files_same_name(HV_OBJ_NETWORK, o, buf, len, err);

	if (r < 0)
		return r;
	return HV_CALL(c, network, define_xml, HV_WRITES, err, buf, NULL);
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

static int
w_autostart(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;
	bool on;
	int r = hv_parse_bool(tok, &on, err);

	if (r < 0)
		return r;
	return HV_CALL(c, network, set_autostart, HV_WRITES, err, o->name, on);
}

static const FileDef network_files[] = {
	{ "config.xml", F_XML, r_config, NULL, c_config },
	{ "state", F_WRITE, r_state, w_state },
	{ "autostart", F_WRITE, r_autostart, w_autostart },
	{ "persistent", 0, r_persistent },
	{ "uuid", 0, r_uuid },
	{ "bridge", 0, r_bridge },
	{ "info", 0, r_info },
	{ "error", F_VOLATILE, hv_files_error },
};

const DirOps hv_network_ops = {
	HV_FILES(network_files),
	.scratch = true,
};

static int
list(HvObj *dir, GPtrArray **names, GError **err)
{
	g_autoptr(GPtrArray) all = NULL;
	int r = HV_CALL(dir->node->conn, network, list, HV_READS, err, &all);

	return r < 0 ? r : hv_files_names_of(all, names);
}

static int
exists(HvObj *dir, const char *name, GError **err)
{
	g_autoptr(HvNetworkInfo) i = NULL;

	return HV_CALL(dir->node->conn, network, get_info, HV_READS, err, name, &i);
}

static int
create(HvObj *dir, const char *xml, GError **err)
{
	return HV_CALL(dir->node->conn, network, define_xml, HV_WRITES, err, xml, NULL);
}

static int
remove_network(HvObj *dir, const char *name, GError **err)
{
	HvConn *c = dir->node->conn;
	g_autoptr(HvNetworkInfo) i = NULL;
	int r = HV_CALL(c, network, get_info, HV_READS, err, name, &i);

	if (r < 0)
		return r;
	if (i->active)
		return hv_error_set(err, EBUSY, "network '%s' is active: write stop to its state first",
				    name);
	return HV_CALL(c, network, undefine, HV_WRITES, err, name);
}

const DirOps hv_networks_ops = {
	.child_kind = DK_NETWORK,
	.obj_kind = HV_OBJ_NETWORK,
	.list = list,
	.exists = exists,
	.create = create,
	.remove = remove_network,
	.scratch = true,
};
