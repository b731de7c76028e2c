/* remote_iface.c: the remote driver's host interfaces and node devices
 * (libvirt's virInterface* and virNodeDevice* procedures), which the tree shows
 * as interfaces/ and node/devices/. Neither kind has events, so nothing is
 * cached: an interface listing is two list-all calls (all, then the active
 * ones), a device listing one list-all call and each device's parent and
 * capabilities pipelined, all in flight together. An interface on the wire is
 * {name, mac}: calls on one look it up first, for its MAC. */
#include <string.h>
#include "remote/remote_priv.h"

enum {
	PROC_NODEDEV_XML = 114, PROC_NODEDEV_PARENT = 115, PROC_NODEDEV_CAPS = 117,
	PROC_NODEDEV_CREATE = 123, PROC_NODEDEV_DESTROY = 124,
	PROC_IFACE_LOOKUP = 128, PROC_IFACE_XML = 130, PROC_IFACE_DEFINE = 131,
	PROC_IFACE_UNDEFINE = 132, PROC_IFACE_CREATE = 133, PROC_IFACE_DESTROY = 134,
	PROC_IFACE_BEGIN = 220, PROC_IFACE_COMMIT = 221, PROC_IFACE_ROLLBACK = 222,
	PROC_IFACE_LIST_ALL = 284, PROC_NODEDEV_LIST_ALL = 285,
};

#define LIST_ACTIVE 2u  /* VIR_CONNECT_LIST_INTERFACES_ACTIVE */
#define CAPS_MAX 64     /* capability types a device has, at most (libvirt's own: 16) */

static int
connected(HvConn *c, RpcClient **cl, GError **err)
{
	return remote_client(c->priv, cl, err);
}

/* ---- interfaces */

static int
iface_list_all(RpcClient *cl, unsigned flags, RpcMsg *r, GError **err)
{
	RpcMsg a = { .num = { 1, flags } };

	return rpc_client_call(cl, PROC_IFACE_LIST_ALL, &a, r, err);
}

static int
remote_iface_list(HvConn *c, GPtrArray **out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	g_autoptr(GHashTable) active = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
		(GDestroyNotify)hv_interface_info_free);
	RpcMsg r = { 0 }, ra = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0)
		rc = iface_list_all(cl, 0, &r, err);
	if (rc == 0)
		rc = iface_list_all(cl, LIST_ACTIVE, &ra, err);
	for (guint k = 0; rc == 0 && ra.strs && k + 1 < ra.strs->len; k += 2)
		g_hash_table_add(active, ra.strs->pdata[k]);
	for (guint k = 0; rc == 0 && r.strs && k + 1 < r.strs->len; k += 2) {
		HvInterfaceInfo *i = g_new0(HvInterfaceInfo, 1);

		i->name = g_strdup(r.strs->pdata[k]);
		i->mac = *(char *)r.strs->pdata[k + 1] ? g_strdup(r.strs->pdata[k + 1]) : NULL;
		i->active = g_hash_table_contains(active, i->name);
		g_ptr_array_add(all, i);
	}
	if (rc == 0)
		*out = g_steal_pointer(&all);
	rpc_msg_clear(&r);
	rpc_msg_clear(&ra);
	return rc;
}

/* The {name, mac} of name, into a->str[0..1] (owned by a). */
static int
iface_lookup(RpcClient *cl, const char *name, RpcMsg *a, GError **err)
{
	RpcMsg q = { .str = { (char *)name }, .has_str = { true } };

	return rpc_client_call(cl, PROC_IFACE_LOOKUP, &q, a, err);
}

/* proc on the interface name: lookup, then {name, mac, num} (n0: flags). */
static int
iface_call(HvConn *c, const char *name, int32_t proc, int64_t n0, RpcMsg *ret, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg id = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0)
		rc = iface_lookup(cl, name, &id, err);
	if (rc == 0) {
		RpcMsg a = { .str = { id.str[0], id.str[1] }, .has_str = { true, true },
			     .num = { n0 } };

		rc = rpc_client_call(cl, proc, &a, ret, err);
	}
	rpc_msg_clear(&id);
	return rc;
}

static int
remote_iface_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	RpcMsg r = { 0 };
	int rc = iface_call(c, name, PROC_IFACE_XML, flags, &r, err);

	if (rc == 0)
		*xml = g_steal_pointer(&r.str[0]);
	rpc_msg_clear(&r);
	return rc;
}

static int
remote_iface_define(HvConn *c, const char *xml, char **name_out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { .str = { (char *)xml }, .has_str = { true } }, r = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0)
		rc = rpc_client_call(cl, PROC_IFACE_DEFINE, &a, &r, err);
	if (rc == 0 && name_out)
		*name_out = g_steal_pointer(&r.str[0]);
	rpc_msg_clear(&r);
	return rc;
}

static int
remote_iface_undefine(HvConn *c, const char *name, GError **err)
{
	return iface_call(c, name, PROC_IFACE_UNDEFINE, 0, NULL, err);
}

static int
remote_iface_start(HvConn *c, const char *name, GError **err)
{
	return iface_call(c, name, PROC_IFACE_CREATE, 0, NULL, err);
}

static int
remote_iface_stop(HvConn *c, const char *name, GError **err)
{
	return iface_call(c, name, PROC_IFACE_DESTROY, 0, NULL, err);
}

static int
change(HvConn *c, int32_t proc, unsigned flags, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { .num = { flags } };
	int rc = connected(c, &cl, err);

	return rc < 0 ? rc : rpc_client_call(cl, proc, &a, NULL, err);
}

static int
remote_iface_begin(HvConn *c, unsigned flags, GError **err)
{
	return change(c, PROC_IFACE_BEGIN, flags, err);
}

static int
remote_iface_commit(HvConn *c, unsigned flags, GError **err)
{
	return change(c, PROC_IFACE_COMMIT, flags, err);
}

static int
remote_iface_rollback(HvConn *c, unsigned flags, GError **err)
{
	return change(c, PROC_IFACE_ROLLBACK, flags, err);
}

const HvInterfaceOps remote_iface_ops = {
	.list = remote_iface_list,
	.get_xml = remote_iface_get_xml,
	.define_xml = remote_iface_define,
	.undefine = remote_iface_undefine,
	.start = remote_iface_start,
	.stop = remote_iface_stop,
	.change_begin = remote_iface_begin,
	.change_commit = remote_iface_commit,
	.change_rollback = remote_iface_rollback,
};

/* ---- node devices */

static int
remote_nodedev_list(HvConn *c, unsigned flags, GPtrArray **out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
		(GDestroyNotify)hv_nodedev_info_free);
	g_autofree RpcCall **calls = NULL;
	RpcMsg a = { .num = { 1, flags } }, r = { 0 };
	guint n;
	int rc = connected(c, &cl, err);

	if (rc == 0)
		rc = rpc_client_call(cl, PROC_NODEDEV_LIST_ALL, &a, &r, err);
	if (rc < 0)
		return rc;
	n = r.strs ? r.strs->len : 0;
	calls = g_new0(RpcCall *, 2 * n + 1);
	for (guint k = 0; k < n; k++) { /* parent and capabilities of each, all in flight */
		RpcMsg q = { .str = { r.strs->pdata[k] }, .has_str = { true }, .num = { CAPS_MAX } };

		calls[2 * k] = rpc_client_send(cl, PROC_NODEDEV_PARENT, &q, NULL);
		calls[2 * k + 1] = rpc_client_send(cl, PROC_NODEDEV_CAPS, &q, NULL);
	}
	for (guint k = 0; k < n; k++) {
		HvNodeDevInfo *d = g_new0(HvNodeDevInfo, 1);
		RpcMsg p = { 0 }, cp = { 0 };
		GStrvBuilder *caps = g_strv_builder_new();

		d->name = g_strdup(r.strs->pdata[k]);
		/* a device gone between the calls keeps its name: the next listing drops it */
		if (calls[2 * k] && rpc_client_wait(calls[2 * k], &p, NULL) == 0)
			d->parent = g_steal_pointer(&p.str[0]);
		if (calls[2 * k + 1] && rpc_client_wait(calls[2 * k + 1], &cp, NULL) == 0)
			for (guint j = 0; cp.strs && j < cp.strs->len; j++)
				g_strv_builder_add(caps, cp.strs->pdata[j]);
		d->caps = g_strv_builder_end(caps);
		g_strv_builder_unref(caps);
		rpc_msg_clear(&p);
		rpc_msg_clear(&cp);
		g_ptr_array_add(all, d);
	}
	rpc_msg_clear(&r);
	*out = g_steal_pointer(&all);
	return 0;
}

static int
remote_nodedev_get_xml(HvConn *c, const char *name, char **xml, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { .str = { (char *)name }, .has_str = { true } }, r = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0)
		rc = rpc_client_call(cl, PROC_NODEDEV_XML, &a, &r, err);
	if (rc == 0)
		*xml = g_steal_pointer(&r.str[0]);
	rpc_msg_clear(&r);
	return rc;
}

static int
remote_nodedev_create(HvConn *c, const char *xml, unsigned flags, char **name_out,
		      GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { .str = { (char *)xml }, .has_str = { true }, .num = { flags } }, r = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0)
		rc = rpc_client_call(cl, PROC_NODEDEV_CREATE, &a, &r, err);
	if (rc == 0 && name_out)
		*name_out = g_steal_pointer(&r.str[0]);
	rpc_msg_clear(&r);
	return rc;
}

static int
remote_nodedev_destroy(HvConn *c, const char *name, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { .str = { (char *)name }, .has_str = { true } };
	int rc = connected(c, &cl, err);

	return rc < 0 ? rc : rpc_client_call(cl, PROC_NODEDEV_DESTROY, &a, NULL, err);
}

const HvNodeDevOps remote_nodedev_ops = {
	.list = remote_nodedev_list,
	.get_xml = remote_nodedev_get_xml,
	.create_xml = remote_nodedev_create,
	.destroy = remote_nodedev_destroy,
};
