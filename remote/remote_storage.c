/* remote_storage.c: the remote driver's network, pool and volume ops. Nothing
 * is cached: a listing is one list-all call plus a few pipelined calls per
 * object (all in flight together), an info is a lookup plus the same calls.
 * libvirt sends no events for these objects, so each successful write reports
 * its own event (defined, started, autostart-changed, ...). */
#include <string.h>
#include "remote/client_data.h"
#include "remote/remote_priv.h"

enum {
	PROC_NET_CREATE = 39, PROC_NET_DEFINE = 41, PROC_NET_DESTROY = 42, PROC_NET_XML = 43,
	PROC_NET_GET_AUTOSTART = 44, PROC_NET_BRIDGE = 45, PROC_NET_LOOKUP = 46,
	PROC_NET_SET_AUTOSTART = 48, PROC_NET_UNDEFINE = 49, PROC_NET_IS_ACTIVE = 152,
	PROC_NET_IS_PERSISTENT = 153, PROC_NET_LIST = 283,
	PROC_POOL_DEFINE = 77, PROC_POOL_CREATE = 78, PROC_POOL_BUILD = 79, PROC_POOL_DESTROY = 80,
	PROC_POOL_DELETE = 81, PROC_POOL_UNDEFINE = 82, PROC_POOL_REFRESH = 83,
	PROC_POOL_LOOKUP = 84, PROC_POOL_INFO = 87, PROC_POOL_XML = 88,
	PROC_POOL_GET_AUTOSTART = 89, PROC_POOL_SET_AUTOSTART = 90, PROC_POOL_IS_PERSISTENT = 155,
	PROC_POOL_LIST = 281, PROC_VOL_LIST = 282,
	PROC_VOL_CREATE = 93, PROC_VOL_DELETE = 94, PROC_VOL_LOOKUP = 95, PROC_VOL_INFO = 98,
	PROC_VOL_XML = 99, PROC_VOL_PATH = 100, PROC_VOL_RESIZE = 260,
	PROC_VOL_UPLOAD = 208, PROC_VOL_DOWNLOAD = 209,
	PROC_VOL_CREATE_FROM = 125, PROC_VOL_WIPE = 165, PROC_VOL_WIPE_PATTERN = 259,
};

#define MAX_BATCH 6

/* A few calls on one object, in flight together; calls[0] decides success. */
typedef struct {
	RpcCall *calls[MAX_BATCH];
	RpcMsg r[MAX_BATCH];
	bool ok[MAX_BATCH];
	int n;
} Batch;

static void
batch_send(Batch *b, RpcClient *cl, const int32_t *procs, int n, const RpcMsg *args)
{
	b->n = n;
	for (int k = 0; k < n; k++)
		b->calls[k] = rpc_client_send(cl, procs[k], args, NULL);
}

static int
batch_wait(Batch *b, const char *what, const char *name, GError **err)
{
	int rc = 0;

	for (int k = 0; k < b->n; k++) {
		if (!b->calls[k])
			b->ok[k] = false;
		else
			b->ok[k] = rpc_client_wait(b->calls[k], &b->r[k], k == 0 ? err : NULL) == 0;
		if (k == 0 && !b->ok[0])
			rc = !b->calls[0] ? hv_error_set(err, ENOTCONN, "%s '%s': the connection is gone",
							 what, name)
					  : (err && *err ? hv_error_errno(*err) : -EIO);
	}
	return rc;
}

static void
batch_clear(Batch *b)
{
	for (int k = 0; k < b->n; k++)
		rpc_msg_clear(&b->r[k]);
}

static char *
take_str(Batch *b, int k)
{
	return b->ok[k] ? g_steal_pointer(&b->r[k].str[0]) : NULL;
}

static int
connected(HvConn *c, RpcClient **cl, GError **err)
{
	return remote_client(c->priv, cl, err);
}

/* ---- networks ---- */

/* One kind's listing: its list call, then each object's batch of queries
 * sent at once and finished in order (names the peer sent are checked first;
 * an object gone meanwhile is left out). */
typedef struct {
	HvObjKind kind;
	int32_t list_proc;
	int32_t lookup_proc; /* by name; its reply holds the RpcNamed at arg_off */
	size_t list_off;  /* the GArray of RpcNamed in the reply (RpcMsg member) */
	size_t arg_off;   /* the RpcNamed of a query's args (RpcMsg member) */
	const int32_t *procs;
	size_t nprocs;
	const char *what;  /* "network", "pool": for messages */
	size_t info_size, name_off, uuid_off; /* its info, and where name and uuid go in it */
	void (*fill)(Batch *b, void *info); /* the rest of the info, from a batch that answered */
	GDestroyNotify free;
	int32_t xml_proc, define_proc, autostart_proc; /* KIND_WRITES' calls */
} ListKind;
#define INFO_LAYOUT(T) sizeof(T), G_STRUCT_OFFSET(T, name), G_STRUCT_OFFSET(T, uuid)

/* The batch of n waited for (calls[0] decides), then its info filled. */
static int
kind_finish(const ListKind *k, Batch *b, const RpcNamed *n, void **out, GError **err)
{
	int rc = batch_wait(b, k->what, n->name, err);

	if (rc == 0) {
		char *info = g_malloc0(k->info_size);

		*(char **)(info + k->name_off) = g_strdup(n->name);
		rpc_uuid_format(n->uuid, info + k->uuid_off);
		k->fill(b, info);
		*out = info;
	}
	batch_clear(b);
	return rc;
}

static int
kind_list(HvConn *c, const ListKind *k, GPtrArray **out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(k->free);
	g_autofree Batch *b = NULL;
	RpcMsg a = { .num = { 1, 0 } }, r = { 0 };
	int rc = connected(c, &cl, err);
	GArray *names;

	if (rc == 0)
		rc = rpc_client_call(cl, k->list_proc, &a, &r, err);
	if (rc == 0) {
		names = *(GArray **)((char *)&r + k->list_off);
		remote_names_filter(c->priv, k->kind, names, G_STRUCT_OFFSET(RpcNamed, name),
				    "readdir");
		b = g_new0(Batch, names->len + 1);
		for (guint i = 0; i < names->len; i++) {
			RpcMsg qa = { 0 };

			*(RpcNamed *)((char *)&qa + k->arg_off) = g_array_index(names, RpcNamed, i);
			batch_send(&b[i], cl, k->procs, k->nprocs, &qa);
		}
		for (guint i = 0; i < names->len; i++) {
			void *info = NULL;

			if (kind_finish(k, &b[i], &g_array_index(names, RpcNamed, i), &info, NULL) == 0)
				g_ptr_array_add(all, info);
		}
		*out = g_steal_pointer(&all);
	}
	rpc_msg_clear(&r);
	return rc;
}

/* One object's info: the lookup by name (the peer's name must be the one
 * asked for), then the kind's batch of queries, finished as in a listing. */
static int
kind_get_info(HvConn *c, const ListKind *k, const char *name, void **out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { .str = { (char *)name }, .has_str = { true } }, d = { 0 };
	Batch b = { 0 };
	int rc = connected(c, &cl, err);
	RpcNamed *n = (RpcNamed *)((char *)&d + k->arg_off);

	if (rc == 0)
		rc = rpc_client_call(cl, k->lookup_proc, &a, &d, err);
	if (rc == 0)
		rc = remote_same_name(c->priv, k->kind, name, n->name, err);
	if (rc == 0) {
		RpcMsg qa = { 0 };

		*(RpcNamed *)((char *)&qa + k->arg_off) = *n;
		batch_send(&b, cl, k->procs, k->nprocs, &qa);
		rc = kind_finish(k, &b, n, out, err);
	}
	rpc_msg_clear(&d);
	return rc;
}

/* A kind's list and get_info ops over its ListKind row. */
#define KIND_CALLS(pfx, kind, Info)                                                        \
	static int remote_##pfx##_list(HvConn *c, GPtrArray **out, GError **err)         \
	{                                                                                \
		return kind_list(c, &kind, out, err);                                    \
	}                                                                                \
	static int remote_##pfx##_get_info(HvConn *c, const char *name, Info **out,     \
					   GError **err)                                  \
	{                                                                                \
		return kind_get_info(c, &kind, name, (void **)out, err);                  \
	}

static const int32_t net_procs[] = { PROC_NET_IS_ACTIVE, PROC_NET_IS_PERSISTENT,
				     PROC_NET_GET_AUTOSTART, PROC_NET_XML, PROC_NET_BRIDGE };

static void
net_fill(Batch *b, void *info)
{
	g_autofree char *xml = take_str(b, 3);
	HvNetworkInfo *i = info;

	i->active = b->r[0].num[0];
	i->persistent = b->ok[1] && b->r[1].num[0];
	i->autostart = b->ok[2] && b->r[2].num[0];
	i->bridge = take_str(b, 4);
	if (i->bridge && !*i->bridge)
		g_clear_pointer(&i->bridge, g_free);
	i->forward = remote_xpath(xml, "/network/forward/@mode");
	if (!i->forward && remote_xpath_exists(xml, "/network/forward"))
		i->forward = g_strdup("nat");
}

static int
net_lookup(RpcClient *cl, const char *name, RpcMsg *holder, GError **err)
{
	RpcMsg a = { .str = { (char *)name }, .has_str = { true } };

	return rpc_client_call(cl, PROC_NET_LOOKUP, &a, holder, err);
}

static const ListKind net_list_kind = {
	HV_OBJ_NETWORK, PROC_NET_LIST, PROC_NET_LOOKUP, G_STRUCT_OFFSET(RpcMsg, nets),
	G_STRUCT_OFFSET(RpcMsg, net), net_procs, G_N_ELEMENTS(net_procs), "network",
	INFO_LAYOUT(HvNetworkInfo), net_fill,
	(GDestroyNotify)hv_network_info_free, PROC_NET_XML, PROC_NET_DEFINE, PROC_NET_SET_AUTOSTART,
};

/* One call on a named network (or pool): lookup, then proc with num[0] = n0. */
static int
named_call(HvConn *c, HvObjKind kind, const char *name, int32_t proc, int64_t n0, RpcMsg *ret,
	   const char *event, const char *detail, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg d = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0)
		rc = kind == HV_OBJ_NETWORK ? net_lookup(cl, name, &d, err)
					    : remote_lookup_pool(cl, name, &d.pool, err);
	if (rc == 0) {
		RpcMsg a = { .net = d.net, .pool = d.pool, .num = { n0 } };

		rc = rpc_client_call(cl, proc, &a, ret, err);
	}
	if (rc == 0 && event && !remote_peer_reports(c->priv, kind, event))
		hv_conn_emit(c, kind, NULL, name, event, detail);
	rpc_msg_clear(&d);
	return rc;
}

/* GetXMLDesc of a network or pool. libvirt's test driver takes no flags there
 * ("unsupported flags (0x1) in function testNetworkGetXMLDesc"): then the
 * document is asked for again without INACTIVE (that driver keeps one). */
static int
named_xml(HvConn *c, HvObjKind kind, const char *name, int32_t proc, unsigned flags, char **xml,
	  GError **err)
{
	g_autoptr(GError) e = NULL;
	RpcMsg r = { 0 };
	int rc = named_call(c, kind, name, proc, flags & HV_XML_INACTIVE, &r, NULL, NULL, &e);

	if (rc == -EINVAL && (flags & HV_XML_INACTIVE) && strstr(e->message, "unsupported flags")) {
		g_clear_error(&e);
		rpc_msg_clear(&r);
		rc = named_call(c, kind, name, proc, 0, &r, NULL, NULL, &e);
	}
	if (rc == 0)
		*xml = g_steal_pointer(&r.str[0]);
	else
		g_propagate_error(err, g_steal_pointer(&e));
	rpc_msg_clear(&r);
	return rc;
}

/* Define a network or pool, or create a volume in pool, from xml: its name
 * checked, its event (defined, created) reported unless the peer does. */
static int
make_call(HvConn *c, HvObjKind kind, const char *pool, int32_t proc, const char *xml,
	  const char *event, char **name_out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { .str = { (char *)xml }, .has_str = { true } }, r = { 0 };
	int rc = connected(c, &cl, err);
	const char *name;

	if (rc == 0 && pool)
		rc = remote_lookup_pool(cl, pool, &a.pool, err);
	if (rc == 0)
		rc = rpc_client_call(cl, proc, &a, &r, err);
	name = kind == HV_OBJ_NETWORK ? r.net.name : kind == HV_OBJ_POOL ? r.pool.name : r.vol.name;
	if (rc == 0)
		rc = remote_name_check(c->priv, kind, name, err);
	if (rc == 0) {
		if (!remote_peer_reports(c->priv, kind, event))
			hv_conn_emit(c, kind, pool, name, event, "-");
		if (name_out)
			*name_out = g_strdup(name);
	}
	g_free(a.pool.name);
	rpc_msg_clear(&r);
	return rc;
}

/* A kind's get_xml, define and set_autostart ops over its ListKind row, and
 * the ops every kind with them has (KIND_OPS, in its ops table). */
#define KIND_WRITES(pfx, row)                                                           \
	static int remote_##pfx##_get_xml(HvConn *c, const char *name, unsigned flags,  \
					  char **xml, GError **err)                     \
	{                                                                               \
		return named_xml(c, row.kind, name, row.xml_proc, flags, xml, err);     \
	}                                                                               \
	static int remote_##pfx##_define(HvConn *c, const char *xml, char **name_out,   \
					 GError **err)                                  \
	{                                                                               \
		return make_call(c, row.kind, NULL, row.define_proc, xml, "defined",    \
				 name_out, err);                                        \
	}                                                                               \
	static int remote_##pfx##_set_autostart(HvConn *c, const char *name, bool on,   \
						GError **err)                           \
	{                                                                               \
		return named_call(c, row.kind, name, row.autostart_proc, on, NULL,      \
				  "autostart-changed", on ? "1" : "0", err);            \
	}
#define KIND_OPS(pfx)                                                                   \
	.list = remote_##pfx##_list, .get_info = remote_##pfx##_get_info,               \
	.get_xml = remote_##pfx##_get_xml, .define_xml = remote_##pfx##_define,         \
	.undefine = remote_##pfx##_undefine, .start = remote_##pfx##_start,             \
	.stop = remote_##pfx##_stop, .set_autostart = remote_##pfx##_set_autostart

/* All of the above for one kind. */
#define KIND(pfx, row, Info)                                                                \
	KIND_CALLS(pfx, row, Info)                                                          \
	KIND_WRITES(pfx, row)

KIND(net, net_list_kind, HvNetworkInfo)

#define NAMED_ACTION(fn, kind, proc, event)                                           \
	static int fn(HvConn *c, const char *name, GError **err)                       \
	{                                                                              \
		return named_call(c, kind, name, proc, 0, NULL, event, "-", err);      \
	}
NAMED_ACTION(remote_net_undefine, HV_OBJ_NETWORK, PROC_NET_UNDEFINE, "undefined")
NAMED_ACTION(remote_net_start, HV_OBJ_NETWORK, PROC_NET_CREATE, "started")
NAMED_ACTION(remote_net_stop, HV_OBJ_NETWORK, PROC_NET_DESTROY, "stopped")
NAMED_ACTION(remote_pool_undefine, HV_OBJ_POOL, PROC_POOL_UNDEFINE, "undefined")
NAMED_ACTION(remote_pool_start, HV_OBJ_POOL, PROC_POOL_CREATE, "started")
NAMED_ACTION(remote_pool_stop, HV_OBJ_POOL, PROC_POOL_DESTROY, "stopped")
NAMED_ACTION(remote_pool_build, HV_OBJ_POOL, PROC_POOL_BUILD, "built")
NAMED_ACTION(remote_pool_refresh, HV_OBJ_POOL, PROC_POOL_REFRESH, "refreshed")
NAMED_ACTION(remote_pool_delete, HV_OBJ_POOL, PROC_POOL_DELETE, "deleted")

const HvNetworkOps remote_network_ops = {
	KIND_OPS(net),
	.get_leases = remote_net_get_leases,
	.get_ports = remote_net_get_ports,
	.update = remote_net_update,
};

/* ---- pools ---- */

static const int32_t pool_procs[] = { PROC_POOL_INFO, PROC_POOL_XML, PROC_POOL_IS_PERSISTENT,
				      PROC_POOL_GET_AUTOSTART };

int
remote_lookup_pool(RpcClient *cl, const char *name, RpcNamed *out, GError **err)
{
	RpcMsg a = { .str = { (char *)name }, .has_str = { true } }, r = { 0 };
	int rc = rpc_client_call(cl, PROC_POOL_LOOKUP, &a, &r, err);

	if (rc == 0) {
		*out = r.pool;
		r.pool.name = NULL;
	}
	rpc_msg_clear(&r);
	return rc;
}

static void
pool_fill(Batch *b, void *info)
{
	g_autofree char *xml = take_str(b, 1);
	HvPoolInfo *i = info;

	i->state = (HvPoolState)b->r[0].num[0];
	i->capacity = (uint64_t)b->r[0].num[1];
	i->allocation = (uint64_t)b->r[0].num[2];
	i->available = (uint64_t)b->r[0].num[3];
	i->type = remote_xpath(xml, "/pool/@type");
	i->target_path = remote_xpath(xml, "/pool/target/path");
	i->persistent = b->ok[2] && b->r[2].num[0];
	i->autostart = b->ok[3] && b->r[3].num[0];
}

static const ListKind pool_list_kind = {
	HV_OBJ_POOL, PROC_POOL_LIST, PROC_POOL_LOOKUP, G_STRUCT_OFFSET(RpcMsg, pools),
	G_STRUCT_OFFSET(RpcMsg, pool), pool_procs, G_N_ELEMENTS(pool_procs), "pool",
	INFO_LAYOUT(HvPoolInfo), pool_fill,
	(GDestroyNotify)hv_pool_info_free, PROC_POOL_XML, PROC_POOL_DEFINE, PROC_POOL_SET_AUTOSTART,
};

KIND(pool, pool_list_kind, HvPoolInfo)

const HvPoolOps remote_pool_ops = {
	KIND_OPS(pool),
	.build = remote_pool_build,
	.refresh = remote_pool_refresh,
	.delete = remote_pool_delete,
};

/* ---- volumes ---- */

static const int32_t vol_procs[] = { PROC_VOL_INFO, PROC_VOL_PATH, PROC_VOL_XML };
static const char *const vol_types[] = { "file", "block", "dir", "network", "netdir", "ploop" };

/* pool: the one asked for (the peer's word for it is used only on the wire). */
static int
vol_finish(Batch *b, const char *pool, const RpcVol *v, HvVolumeInfo **out, GError **err)
{
	g_autofree char *xml = NULL;
	HvVolumeInfo *i;
	int rc = batch_wait(b, "volume", v->name, err);
	int64_t t;

	if (rc == 0) {
		i = g_new0(HvVolumeInfo, 1);
		i->name = g_strdup(v->name);
		i->pool = g_strdup(pool);
		i->key = g_strdup(v->key);
		t = b->r[0].num[0];
		i->type = g_strdup(t >= 0 && t < (int64_t)G_N_ELEMENTS(vol_types) ? vol_types[t] : "file");
		i->capacity = (uint64_t)b->r[0].num[1];
		i->allocation = (uint64_t)b->r[0].num[2];
		i->path = take_str(b, 1);
		xml = take_str(b, 2);
		i->format = remote_xpath(xml, "/volume/target/format/@type");
		*out = i;
	}
	batch_clear(b);
	return rc;
}

/* The pool (by uuid, as libvirtd wants it) and the volume in it. */
static int
vol_lookup(RpcClient *cl, const char *pool, const char *name, RpcMsg *holder, GError **err)
{
	RpcNamed p = { 0 };
	int rc = remote_lookup_pool(cl, pool, &p, err);

	if (rc == 0) {
		RpcMsg a = { .pool = p, .str = { (char *)name }, .has_str = { true } };

		rc = rpc_client_call(cl, PROC_VOL_LOOKUP, &a, holder, err);
	}
	g_free(p.name);
	return rc;
}

static int
remote_vol_list(HvConn *c, const char *pool, GPtrArray **out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)hv_volume_info_free);
	g_autofree Batch *b = NULL;
	RpcMsg a = { .num = { 1, 0 } }, r = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0)
		rc = remote_lookup_pool(cl, pool, &a.pool, err);
	if (rc == 0)
		rc = rpc_client_call(cl, PROC_VOL_LIST, &a, &r, err);
	if (rc == 0) {
		remote_names_filter(c->priv, HV_OBJ_VOLUME, r.vols, G_STRUCT_OFFSET(RpcVol, name),
				    "readdir");
		b = g_new0(Batch, r.vols->len + 1);
		for (guint k = 0; k < r.vols->len; k++) {
			RpcMsg va = { .vol = g_array_index(r.vols, RpcVol, k) };

			batch_send(&b[k], cl, vol_procs, G_N_ELEMENTS(vol_procs), &va);
		}
		for (guint k = 0; k < r.vols->len; k++) {
			HvVolumeInfo *i = NULL;

			if (vol_finish(&b[k], pool, &g_array_index(r.vols, RpcVol, k), &i, NULL) == 0)
				g_ptr_array_add(all, i);
		}
		*out = g_steal_pointer(&all);
	}
	g_free(a.pool.name);
	rpc_msg_clear(&r);
	return rc;
}

static int
remote_vol_get_info(HvConn *c, const char *pool, const char *name, HvVolumeInfo **out,
		    GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg d = { 0 };
	Batch b = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0)
		rc = vol_lookup(cl, pool, name, &d, err);
	if (rc == 0)
		rc = remote_same_name(c->priv, HV_OBJ_VOLUME, name, d.vol.name, err);
	if (rc == 0) {
		RpcMsg a = { .vol = d.vol };

		batch_send(&b, cl, vol_procs, G_N_ELEMENTS(vol_procs), &a);
		rc = vol_finish(&b, pool, &d.vol, out, err);
	}
	rpc_msg_clear(&d);
	return rc;
}

/* proc on the volume, with num after it: one call (reply in ret), or with
 * out, a data stream (client_data.c) over offset num[0], length num[1]. */
static int
vol_do(HvConn *c, const char *pool, const char *name, int32_t proc, const int64_t num[3],
       RpcMsg *ret, HvDataStream **out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg d = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0)
		rc = vol_lookup(cl, pool, name, &d, err);
	if (rc == 0) {
		RpcMsg a = { .vol = d.vol, .num = { num[0], num[1], num[2] } };

		rc = out ? rpc_data_open(cl, proc, &a, (uint64_t)num[0], (uint64_t)num[1], out, err)
			 : rpc_client_call(cl, proc, &a, ret, err);
	}
	rpc_msg_clear(&d);
	return rc;
}

/* One call on a volume: num[0] = n0, num[1] = 0 (flags). */
static int
vol_call(HvConn *c, const char *pool, const char *name, int32_t proc, int64_t n0, RpcMsg *ret,
	 GError **err)
{
	return vol_do(c, pool, name, proc, (const int64_t[3]){ n0, 0, 0 }, ret, NULL, err);
}

static int
remote_vol_get_xml(HvConn *c, const char *pool, const char *name, char **xml, GError **err)
{
	RpcMsg r = { 0 };
	int rc = vol_call(c, pool, name, PROC_VOL_XML, 0, &r, err);

	if (rc == 0)
		*xml = g_steal_pointer(&r.str[0]);
	rpc_msg_clear(&r);
	return rc;
}

static int
remote_vol_create(HvConn *c, const char *pool, const char *xml, char **name_out, GError **err)
{
	return make_call(c, HV_OBJ_VOLUME, pool, PROC_VOL_CREATE, xml, "created", name_out, err);
}

static int
remote_vol_delete(HvConn *c, const char *pool, const char *name, GError **err)
{
	int rc = vol_call(c, pool, name, PROC_VOL_DELETE, 0, NULL, err);

	if (rc == 0)
		hv_conn_emit(c, HV_OBJ_VOLUME, pool, name, "deleted", "-");
	return rc;
}

static int
remote_vol_resize(HvConn *c, const char *pool, const char *name, uint64_t bytes, GError **err)
{
	g_autofree char *d = g_strdup_printf("%" G_GUINT64_FORMAT, bytes);
	int rc = vol_call(c, pool, name, PROC_VOL_RESIZE, (int64_t)bytes, NULL, err);

	if (rc == 0)
		hv_conn_emit(c, HV_OBJ_VOLUME, pool, name, "resized", d);
	return rc;
}

/* A copy of src in pool (virStorageVolCreateXMLFrom), named by xml. */
static int
remote_vol_clone(HvConn *c, const char *pool, const char *xml, const char *src_pool,
		 const char *src, char **name_out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg s = { 0 }, r = { 0 };
	RpcMsg a = { .str = { (char *)xml }, .has_str = { true } };
	int rc = connected(c, &cl, err);

	if (rc == 0)
		rc = vol_lookup(cl, src_pool, src, &s, err);
	if (rc == 0)
		rc = remote_lookup_pool(cl, pool, &a.pool, err);
	if (rc == 0) {
		a.vol = s.vol;
		rc = rpc_client_call(cl, PROC_VOL_CREATE_FROM, &a, &r, err);
	}
	if (rc == 0)
		rc = remote_name_check(c->priv, HV_OBJ_VOLUME, r.vol.name, err);
	if (rc == 0) {
		hv_conn_emit(c, HV_OBJ_VOLUME, pool, r.vol.name, "created", "-");
		if (name_out)
			*name_out = g_strdup(r.vol.name);
	}
	g_free(a.pool.name);
	rpc_msg_clear(&s);
	rpc_msg_clear(&r);
	return rc;
}

/* virStorageVolWipe, or WipePattern for an algorithm other than zero. */
static int
remote_vol_wipe(HvConn *c, const char *pool, const char *name, unsigned algorithm, GError **err)
{
	return algorithm ? vol_call(c, pool, name, PROC_VOL_WIPE_PATTERN, algorithm, NULL, err)
			 : vol_call(c, pool, name, PROC_VOL_WIPE, 0, NULL, err);
}

/* A volume's data over a stream (client_data.c). */
static int
vol_data(HvConn *c, const char *pool, const char *name, int32_t proc, uint64_t offset,
	 uint64_t length, unsigned flags, HvDataStream **out, GError **err)
{
	return vol_do(c, pool, name, proc, (const int64_t[3]){ (int64_t)offset, (int64_t)length, flags },
		      NULL, out, err);
}

static int
remote_vol_upload(HvConn *c, const char *pool, const char *name, uint64_t offset,
		  uint64_t length, unsigned flags, HvDataStream **out, GError **err)
{
	return vol_data(c, pool, name, PROC_VOL_UPLOAD, offset, length, flags, out, err);
}

static int
remote_vol_download(HvConn *c, const char *pool, const char *name, uint64_t offset,
		    uint64_t length, unsigned flags, HvDataStream **out, GError **err)
{
	return vol_data(c, pool, name, PROC_VOL_DOWNLOAD, offset, length, flags, out, err);
}

const HvVolumeOps remote_volume_ops = {
	.list = remote_vol_list,
	.get_info = remote_vol_get_info,
	.get_xml = remote_vol_get_xml,
	.create_xml = remote_vol_create,
	.delete = remote_vol_delete,
	.resize = remote_vol_resize,
	.upload = remote_vol_upload,
	.download = remote_vol_download,
	.clone_xml = remote_vol_clone,
	.wipe = remote_vol_wipe,
};
