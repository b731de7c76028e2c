/* libvirt_storage.c: the libvirt driver's pool and volume ops. Pool infos
 * are cached like domains' (libvirt sends pool lifecycle and refresh events);
 * volume infos are cached by "pool/name" and listed afresh at each opendir.
 * libvirt has no volume events: created, deleted and resized are reported
 * here, and a volume write drops its pool's info (its allocation moved). */
#include "drivers/libvirt/libvirt_priv.h"
#include "util/names.h"

static int
pool_info_of(LvPriv *p, virConnectPtr conn, virStoragePoolPtr sp, HvPoolInfo **out,
	     GError **err)
{
	g_autoptr(HvPoolInfo) i = g_new0(HvPoolInfo, 1);
	unsigned char raw[VIR_UUID_BUFLEN];
	g_autofree char *xml = NULL;
	virStoragePoolInfo pi;
	int autostart = 0;

	i->name = g_strdup(virStoragePoolGetName(sp));
	if (virStoragePoolGetInfo(sp, &pi) < 0 || !(xml = virStoragePoolGetXMLDesc(sp, 0)))
		return lv_fail(p, conn, err, "cannot read storage pool '%s'", i->name);
	if (virStoragePoolGetUUID(sp, raw) == 0)
		lv_uuid_copy(i->uuid, raw);
	i->state = pi.state < HV_POOL_STATE_LAST ? (HvPoolState)pi.state : HV_POOL_INACCESSIBLE;
	i->capacity = pi.capacity;
	i->allocation = pi.allocation;
	i->available = pi.available;
	i->persistent = virStoragePoolIsPersistent(sp) == 1;
	i->autostart = virStoragePoolGetAutostart(sp, &autostart) == 0 && autostart;
	i->type = lv_xml_value(xml, "/pool/@type");
	i->target_path = lv_xml_value(xml, "/pool/target/path");
	virResetLastError();
	*out = g_steal_pointer(&i);
	return 0;
}

static void *pool_lookup_by_name(virConnectPtr c, const char *name) { return virStoragePoolLookupByName(c, name); }
static const char *pool_name(void *sp) { return virStoragePoolGetName(sp); }
static void pool_free(void *sp) { virStoragePoolFree(sp); }
static void *pool_define(virConnectPtr c, const char *xml, unsigned flags)
{
	return virStoragePoolDefineXML(c, xml, flags);
}

static char *
pool_xml(void *sp, unsigned flags)
{
	return virStoragePoolGetXMLDesc(sp, (flags & HV_XML_INACTIVE) ? VIR_STORAGE_XML_INACTIVE : 0);
}

static int
pool_info(LvPriv *p, virConnectPtr conn, void *sp, void **out, GError **err)
{
	HvPoolInfo *i = NULL;
	int rc = pool_info_of(p, conn, sp, &i, err);

	*out = i;
	return rc;
}

static const char *
pool_key(const void *info, char **tmp)
{
	(void)tmp;
	return ((const HvPoolInfo *)info)->name;
}

/* Drivers without the ListAll calls (libvirt's esx has none for pools):
 * the names, each looked up (in ctx) and freed; a NULL-ended array of what
 * was found, and its length. */
static int
lookup_names(char **names, int n, void *(*lookup)(void *ctx, const char *name), void *ctx,
	     void ***out)
{
	GPtrArray *got = g_ptr_array_new();

	for (int i = 0; i < n; i++) {
		void *obj = lookup(ctx, names[i]);

		if (obj)
			g_ptr_array_add(got, obj);
		free(names[i]);
	}
	virResetLastError();
	n = (int)got->len;
	g_ptr_array_add(got, NULL);
	*out = g_ptr_array_free(got, FALSE);
	return n;
}

static void *pool_by_name(void *conn, const char *name) { return virStoragePoolLookupByName(conn, name); }
static void *vol_by_name(void *sp, const char *name) { return virStorageVolLookupByName(sp, name); }

/* The active and the defined pools. */
static int
pools_by_name(virConnectPtr conn, virStoragePoolPtr **out)
{
	int na = virConnectNumOfStoragePools(conn), nd = virConnectNumOfDefinedStoragePools(conn);
	g_autofree char **names = NULL;

	if (na < 0 || nd < 0)
		return -1;
	names = g_new0(char *, na + nd + 1);
	if ((na = virConnectListStoragePools(conn, names, na)) < 0 ||
	    (nd = virConnectListDefinedStoragePools(conn, names + na, nd)) < 0)
		return -1;
	return lookup_names(names, na + nd, pool_by_name, conn, (void ***)out);
}

/* The same for a pool's volumes. */
static int
vols_by_name(virStoragePoolPtr sp, virStorageVolPtr **out)
{
	int n = virStoragePoolNumOfVolumes(sp);
	g_autofree char **names = NULL;

	if (n < 0)
		return -1;
	names = g_new0(char *, n + 1);
	if ((n = virStoragePoolListVolumes(sp, names, n)) < 0)
		return -1;
	return lookup_names(names, n, vol_by_name, sp, (void ***)out);
}

static int
pool_list_all(virConnectPtr c, void ***objs)
{
	virStoragePoolPtr *pools = NULL;
	int n = virConnectListAllStoragePools(c, &pools, 0);

	if (n < 0 && virGetLastErrorCode() == VIR_ERR_NO_SUPPORT)
		n = pools_by_name(c, &pools);
	*objs = (void **)pools;
	return n;
}

/* a call on a pool drops every volume's info: its volumes may have changed */
static const LvKind pool_kind = {
	.cache = LV_POOLS, .also_drop = LV_VOLUMES, .kind = HV_OBJ_POOL, .what = "storage pool",
	.defined_detail = "-", .lookup = pool_lookup_by_name, .list_all = pool_list_all,
	.name = pool_name, .free = pool_free, .xml = pool_xml, .define = pool_define,
	.info_of = pool_info, .info_free = (GDestroyNotify)hv_pool_info_free, .key = pool_key,
};

static int
pool_lookup(LvPriv *p, virConnectPtr conn, const char *name, virStoragePoolPtr *out,
	    GError **err)
{
	void *sp = NULL;
	int rc = lv_obj_lookup(p, &pool_kind, conn, name, &sp, err);

	*out = sp;
	return rc;
}

static int
lv_pool_get_info(HvConn *c, const char *name, HvPoolInfo **out, GError **err)
{
	return lv_obj_get_info(c, &pool_kind, name, (void **)out, err);
}

static int
lv_pool_list(HvConn *c, GPtrArray **out, GError **err)
{
	return lv_obj_list(c, &pool_kind, out, err);
}

static int
lv_pool_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	return lv_obj_get_xml(c, &pool_kind, name, flags, xml, err);
}

static int
lv_pool_define(HvConn *c, const char *xml, char **name_out, GError **err)
{
	return lv_obj_define(c, &pool_kind, xml, name_out, err);
}

#define POOL_CALL(fn, call) \
	static int fn(void *sp, unsigned long long arg, unsigned f) { return call; }
POOL_CALL(call_undefine, virStoragePoolUndefine(sp))
POOL_CALL(call_create, virStoragePoolCreate(sp, 0))
POOL_CALL(call_destroy, virStoragePoolDestroy(sp))
POOL_CALL(call_build, virStoragePoolBuild(sp, 0))
POOL_CALL(call_refresh, virStoragePoolRefresh(sp, 0))
POOL_CALL(call_delete, virStoragePoolDelete(sp, 0))
POOL_CALL(call_autostart, virStoragePoolSetAutostart(sp, (int)arg))

LV_VERB(lv_pool_undefine, &pool_kind, "undefine", call_undefine, NULL, "undefined", "-")
LV_VERB(lv_pool_start, &pool_kind, "start", call_create, NULL, "started", "-")
LV_VERB(lv_pool_stop, &pool_kind, "stop", call_destroy, NULL, "stopped", "-")
LV_VERB(lv_pool_build, &pool_kind, "build", call_build, NULL, "built", "-")
LV_VERB(lv_pool_refresh, &pool_kind, "refresh", call_refresh, NULL, "refreshed", "-")
LV_VERB(lv_pool_delete, &pool_kind, "delete", call_delete, NULL, "deleted", "-")

static int
lv_pool_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	return lv_obj_set_autostart(c, &pool_kind, call_autostart, name, on, err);
}

const HvPoolOps lv_pool_ops = {
	.list = lv_pool_list,
	.get_info = lv_pool_get_info,
	.get_xml = lv_pool_get_xml,
	.define_xml = lv_pool_define,
	.undefine = lv_pool_undefine,
	.start = lv_pool_start,
	.stop = lv_pool_stop,
	.build = lv_pool_build,
	.refresh = lv_pool_refresh,
	.delete = lv_pool_delete,
	.set_autostart = lv_pool_set_autostart,
};

/* Volumes */

static const char *const vol_types[] = { "file", "block", "dir", "network", "netdir", "ploop" };

static int
vol_info_of(LvPriv *p, virConnectPtr conn, const char *pool, virStorageVolPtr v,
	    HvVolumeInfo **out, GError **err)
{
	g_autoptr(HvVolumeInfo) i = g_new0(HvVolumeInfo, 1);
	g_autofree char *xml = NULL;
	virStorageVolInfo vi;

	i->name = g_strdup(virStorageVolGetName(v));
	i->pool = g_strdup(pool);
	if (virStorageVolGetInfo(v, &vi) < 0 || !(xml = virStorageVolGetXMLDesc(v, 0)))
		return lv_fail(p, conn, err, "cannot read storage volume '%s' of pool '%s'",
			       i->name, pool);
	i->key = g_strdup(virStorageVolGetKey(v));
	i->path = virStorageVolGetPath(v);
	i->type = g_strdup(vi.type >= 0 && vi.type < (int)G_N_ELEMENTS(vol_types) ? vol_types[vi.type]
										  : "file");
	i->format = lv_xml_value(xml, "/volume/target/format/@type");
	i->capacity = vi.capacity;
	i->allocation = vi.allocation;
	virResetLastError();
	*out = g_steal_pointer(&i);
	return 0;
}

static int
vol_lookup(LvPriv *p, virConnectPtr conn, const char *pool, const char *name,
	   virStorageVolPtr *out, GError **err)
{
	g_autoptr(virStoragePool) sp = NULL;
	int rc = pool_lookup(p, conn, pool, &sp, err);

	if (rc < 0)
		return rc;
	*out = virStorageVolLookupByName(sp, name);
	return *out ? 0 : lv_fail(p, conn, err, "storage volume '%s' of pool '%s'", name, pool);
}

/* What a call on one volume starts with: the connection and the volume. */
static int
vol_open(LvPriv *p, const char *pool, const char *name, virConnectPtr *conn,
	 virStorageVolPtr *out, GError **err)
{
	int rc = lv_conn_get(p, conn, err);

	return rc < 0 ? rc : vol_lookup(p, *conn, pool, name, out, err);
}

typedef struct {
	const char *pool, *name;
} VolRef;

static int
vol_fetch(LvPriv *p, virConnectPtr conn, const void *ctx, void **out, GError **err)
{
	const VolRef *r = ctx;
	g_autoptr(virStorageVol) v = NULL;
	int rc = vol_lookup(p, conn, r->pool, r->name, &v, err);

	return rc == 0 ? vol_info_of(p, conn, r->pool, v, (HvVolumeInfo **)out, err) : rc;
}

static int
lv_vol_get_info(HvConn *c, const char *pool, const char *name, HvVolumeInfo **out, GError **err)
{
	g_autofree char *key = g_strdup_printf("%s/%s", pool, name);
	VolRef r = { pool, name };

	return lv_cache_info(c->priv, LV_VOLUMES, key, vol_fetch, &r, (void **)out, err);
}

static int
lv_vol_list(HvConn *c, const char *pool, GPtrArray **out, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(virStoragePool) sp = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)hv_volume_info_free);
	virStorageVolPtr *vols = NULL;
	uint64_t gen;
	int n, rc = lv_conn_get(p, &conn, err);

	if (rc == 0)
		rc = pool_lookup(p, conn, pool, &sp, err);
	if (rc < 0)
		return rc;
	gen = lv_cache_gen(p, LV_VOLUMES);
	n = virStoragePoolListAllVolumes(sp, &vols, 0);
	if (n < 0 && virGetLastErrorCode() == VIR_ERR_NO_SUPPORT)
		n = vols_by_name(sp, &vols);
	if (n < 0)
		return lv_fail(p, conn, err, "cannot list the volumes of storage pool '%s'", pool);
	for (int k = 0; k < n; k++) {
		g_autoptr(GError) e = NULL;
		HvVolumeInfo *i = NULL;

		if (hv_name_check("storage volume", virStorageVolGetName(vols[k]), &e) < 0)
			hv_conn_warn(c, "readdir", -EINVAL, e);
		else if (vol_info_of(p, conn, pool, vols[k], &i, &e) == 0) {
			g_autofree char *key = g_strdup_printf("%s/%s", pool, i->name);

			lv_cache_put(p, LV_VOLUMES, gen, key, i);
			g_ptr_array_add(all, i);
		} else if (rc == 0 && e->code != ENOENT)
			rc = -e->code, g_propagate_error(err, g_steal_pointer(&e));
		virStorageVolFree(vols[k]);
	}
	free(vols);
	if (rc < 0)
		return rc;
	*out = g_steal_pointer(&all);
	return 0;
}

static int
lv_vol_get_xml(HvConn *c, const char *pool, const char *name, char **xml, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(virStorageVol) v = NULL;
	int rc = vol_open(p, pool, name, &conn, &v, err);

	if (rc < 0)
		return rc;
	*xml = virStorageVolGetXMLDesc(v, 0);
	return *xml ? 0 : lv_fail(p, conn, err, "cannot read storage volume '%s' of pool '%s'",
				  name, pool);
}

/* After a volume write: its info and its pool's are stale. */
static void
vol_changed(LvPriv *p, const char *pool, const char *name)
{
	g_autofree char *key = g_strdup_printf("%s/%s", pool, name);

	lv_cache_drop(p, LV_VOLUMES, key, false);
	lv_cache_drop(p, LV_POOLS, pool, false);
}

static int
lv_vol_create(HvConn *c, const char *pool, const char *xml, char **name_out, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(virStoragePool) sp = NULL;
	g_autoptr(virStorageVol) v = NULL;
	int rc = lv_conn_get(p, &conn, err);

	if (rc == 0)
		rc = pool_lookup(p, conn, pool, &sp, err);
	if (rc < 0)
		return rc;
	v = virStorageVolCreateXML(sp, xml, 0);
	if (!v)
		return lv_fail(p, conn, err, "cannot create a volume in storage pool '%s'", pool);
	vol_changed(p, pool, virStorageVolGetName(v));
	hv_conn_emit(c, HV_OBJ_VOLUME, pool, virStorageVolGetName(v), "created", "-");
	if (name_out)
		*name_out = g_strdup(virStorageVolGetName(v));
	return 0;
}

static int
call_vol_delete(virStorageVolPtr v, unsigned long long arg)
{
	return virStorageVolDelete(v, 0);
}

static int
call_vol_resize(virStorageVolPtr v, unsigned long long bytes)
{
	return virStorageVolResize(v, bytes, 0);
}

/* One call on a volume; its info and its pool's are dropped whatever happens,
 * and event (detail) follows a success. */
static int
vol_call(HvConn *c, const char *pool, const char *name, const char *verb,
	 int (*fn)(virStorageVolPtr v, unsigned long long arg), unsigned long long arg,
	 const char *event, const char *detail, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(virStorageVol) v = NULL;
	int rc = vol_open(p, pool, name, &conn, &v, err);

	if (rc == 0 && fn(v, arg) < 0)
		rc = lv_fail(p, conn, err, "cannot %s storage volume '%s' of pool '%s'", verb, name,
			     pool);
	vol_changed(p, pool, name);
	if (rc == 0)
		hv_conn_emit(c, HV_OBJ_VOLUME, pool, name, event, detail);
	return rc;
}

static int
lv_vol_delete(HvConn *c, const char *pool, const char *name, GError **err)
{
	return vol_call(c, pool, name, "delete", call_vol_delete, 0, "deleted", "-", err);
}

static int
lv_vol_resize(HvConn *c, const char *pool, const char *name, uint64_t bytes, GError **err)
{
	g_autofree char *detail = g_strdup_printf("%" G_GUINT64_FORMAT, bytes);

	return vol_call(c, pool, name, "resize", call_vol_resize, bytes, "resized", detail, err);
}

const HvVolumeOps lv_volume_ops = {
	.list = lv_vol_list,
	.get_info = lv_vol_get_info,
	.get_xml = lv_vol_get_xml,
	.create_xml = lv_vol_create,
	.delete = lv_vol_delete,
	.resize = lv_vol_resize,
};
