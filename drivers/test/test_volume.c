/* test_volume.c: storage volumes of the test driver. A volume lives in an active
 * pool (libvirt refuses volume operations on an inactive one: -EBUSY here); its
 * path and key are the pool's target path plus its name; creating one needs its
 * allocation free in the pool (-ENOSPC); a resize may only grow it (-EINVAL). */
#include <string.h>
#include "drivers/test/test_priv.h"
#include "util/names.h"

/* Lock held. Steals vol. Also used by the node loader. */
int
test_pool_add_volume(TestConn *tc, TestPool *p, HvVolumeDef *vol, GError **err)
{
	g_autoptr(HvVolumeDef) owned = vol;
	uint64_t cap, alloc, avail;
	const char *dir = p->def->target_path ? p->def->target_path : "";

	if (hv_name_check("storage volume", vol->name, err) < 0)
		return -EINVAL;
	if (test_set_lookup(&p->vols, vol->name))
		return hv_error_set(err, EEXIST, "storage volume '%s' already exists in pool '%s'",
				    vol->name, p->name);
	if (vol->allocation > vol->capacity)
		vol->allocation = vol->capacity;
	test_pool_sizes(p, &cap, &alloc, &avail);
	if (vol->allocation > avail)
		return hv_error_set(err, ENOSPC, "not enough free space in pool '%s' for volume "
				    "'%s': %" G_GUINT64_FORMAT " bytes needed, %" G_GUINT64_FORMAT
				    " available", p->name, vol->name, vol->allocation, avail);
	g_free(vol->target_path);
	vol->target_path = g_strdup_printf("%s/%s", dir, vol->name);
	g_free(vol->key);
	vol->key = g_strdup(vol->target_path);
	if (!vol->type)
		vol->type = g_strdup("file");
	test_set_add(&p->vols, vol->name, NULL, g_steal_pointer(&owned));
	return 0;
}

/* The pool, when volumes can be used: it exists and is active. */
static TestPool *
active_pool(TestConn *tc, const char *pool, GError **err)
{
	TestPool *p = test_pool_find(tc, pool, err);

	if (p && p->state != HV_POOL_RUNNING && p->state != HV_POOL_DEGRADED) {
		hv_error_set(err, EBUSY, "storage pool '%s' is not active", pool);
		return NULL;
	}
	return p;
}

static HvVolumeDef *
vol_find(TestConn *tc, const char *pool, const char *name, TestPool **pp, GError **err)
{
	TestPool *p = active_pool(tc, pool, err);
	HvVolumeDef *v;

	if (!p)
		return NULL;
	if (!(v = test_set_lookup(&p->vols, name)))
		hv_error_set(err, ENOENT, "storage volume '%s' not found in pool '%s'",
			     name ? name : "", pool);
	if (pp)
		*pp = p;
	return v;
}

static HvVolumeInfo *
info_new(const char *pool, const HvVolumeDef *v)
{
	HvVolumeInfo *i = g_new0(HvVolumeInfo, 1);

	i->name = g_strdup(v->name);
	i->pool = g_strdup(pool);
	i->key = g_strdup(v->key);
	i->path = g_strdup(v->target_path);
	i->type = g_strdup(v->type);
	i->format = g_strdup(v->format);
	i->capacity = v->capacity;
	i->allocation = v->allocation;
	return i;
}

static int
vol_list(HvConn *c, const char *pool, GPtrArray **out, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(GError) lerr = NULL;
	TestPool *p;

	test_lock(tc);
	if ((p = active_pool(tc, pool, &lerr))) {
		GPtrArray *a = g_ptr_array_new_full(p->vols.order->len,
						    (GDestroyNotify)hv_volume_info_free);

		for (guint i = 0; i < p->vols.order->len; i++)
			g_ptr_array_add(a, info_new(p->name, p->vols.order->pdata[i]));
		*out = a;
	}
	test_unlock(tc, NULL);
	return p ? 0 : test_error_take(err, g_steal_pointer(&lerr));
}

static int
vol_get_info(HvConn *c, const char *pool, const char *name, HvVolumeInfo **out,
	     GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(GError) lerr = NULL;
	HvVolumeDef *v;

	test_lock(tc);
	if ((v = vol_find(tc, pool, name, NULL, &lerr)))
		*out = info_new(pool, v);
	test_unlock(tc, NULL);
	return v ? 0 : test_error_take(err, g_steal_pointer(&lerr));
}

static int
vol_get_xml(HvConn *c, const char *pool, const char *name, char **xml, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(GError) lerr = NULL;
	HvVolumeDef *v;

	test_lock(tc);
	if ((v = vol_find(tc, pool, name, NULL, &lerr)))
		*xml = hv_volume_def_format(v);
	test_unlock(tc, NULL);
	if (!v)
		return test_error_take(err, g_steal_pointer(&lerr));
	if (!*xml)
		return hv_error_set(err, EIO, "cannot format the XML of volume '%s'", name);
	return 0;
}

static int
create_locked(TestConn *tc, const char *pool, const char *xml, char **name, GArray *q,
	      GError **err)
{
	g_autoptr(HvVolumeDef) v = NULL;
	g_autoptr(GError) perr = NULL;
	TestPool *p;
	int r;

	if (!(p = active_pool(tc, pool, &perr)))
		return test_error_take(err, g_steal_pointer(&perr));
	if (!(v = hv_volume_def_parse(p->def, xml, strlen(xml), &perr)))
		return test_error_take(err, g_steal_pointer(&perr));
	*name = g_strdup(v->name);
	if ((r = test_pool_add_volume(tc, p, g_steal_pointer(&v), err)) < 0)
		return r;
	test_tick(tc);
	test_evq_add(q, HV_OBJ_VOLUME, pool, *name, "created", "-");
	return 0;
}

static int
vol_create_xml(HvConn *c, const char *pool, const char *xml, char **name_out,
	       GError **err)
{
	TestConn *tc = test_conn(c);
	g_autofree char *name = NULL;
	GArray *q = test_evq_new();
	int r;

	test_lock(tc);
	r = create_locked(tc, pool, xml, &name, q, err);
	test_unlock(tc, q);
	if (r == 0 && name_out)
		*name_out = g_steal_pointer(&name);
	return r;
}

static int
vol_delete(HvConn *c, const char *pool, const char *name, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(GError) lerr = NULL;
	GArray *q = test_evq_new();
	HvVolumeDef *v;
	TestPool *p;

	test_lock(tc);
	if ((v = vol_find(tc, pool, name, &p, &lerr))) {
		test_tick(tc);
		test_evq_add(q, HV_OBJ_VOLUME, pool, name, "deleted", "-");
		test_set_remove(&p->vols, v->name, NULL, v);
	}
	test_unlock(tc, q);
	return v ? 0 : test_error_take(err, g_steal_pointer(&lerr));
}

static int
resize_locked(TestConn *tc, const char *pool, const char *name, uint64_t bytes, GArray *q,
	      GError **err)
{
	HvVolumeDef *v = vol_find(tc, pool, name, NULL, err);
	char detail[32];

	if (!v)
		return err && *err ? hv_error_errno(*err) : -ENOENT;
	if (bytes == 0)
		return hv_error_set(err, EINVAL, "cannot resize volume '%s' in pool '%s' to 0 bytes",
				    name, pool);
	if (bytes < v->capacity)
		return hv_error_set(err, EINVAL, "cannot shrink volume '%s' in pool '%s' from %"
				    G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " bytes", name,
				    pool, v->capacity, bytes);
	if (bytes == v->capacity)
		return 0;
	test_tick(tc);
	v->capacity = bytes;
	g_snprintf(detail, sizeof(detail), "%" G_GUINT64_FORMAT, bytes);
	test_evq_add(q, HV_OBJ_VOLUME, pool, name, "resized", detail);
	return 0;
}

static int
vol_resize(HvConn *c, const char *pool, const char *name, uint64_t bytes, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(GError) lerr = NULL;
	GArray *q = test_evq_new();
	int r;

	test_lock(tc);
	r = resize_locked(tc, pool, name, bytes, q, &lerr);
	test_unlock(tc, q);
	return r < 0 ? test_error_take(err, g_steal_pointer(&lerr)) : r;
}

const HvVolumeOps test_volume_ops = {
	.list = vol_list,
	.get_info = vol_get_info,
	.get_xml = vol_get_xml,
	.create_xml = vol_create_xml,
	.delete = vol_delete,
	.resize = vol_resize,
};
