/* qemu_volume.c: the qemu driver's volume ops: each takes the storage lock,
 * finds the pool (a volume exists in an active pool, EBUSY otherwise) and
 * hands over to drivers/storage/storage_pool.c, which does what is the same
 * whatever the driver. Also resolves a domain disk's <source pool= volume=/>
 * for the command line. */
#include "drivers/qemu/qemu_pool.h"

/* The errno a lookup left in err (err may be NULL). */
static int
errno_of(GError **err)
{
	return err && *err ? hv_error_errno(*err) : -ENOENT;
}

/* Lock held: the active pool, and in it the volume when name is not NULL. */
static StoragePool *
pool_of(HvConn *c, const char *pool, const char *name, StorageVol **v, GError **err)
{
	StoragePool *p = qemu_pool_find(qemu_storage(c), pool, true, err);

	if (p && name && !(*v = storage_vol_find(p, name, err)))
		return NULL;
	return p;
}

static int
vol_list(HvConn *c, const char *pool, GPtrArray **out, GError **err)
{
	QemuStorage *st = qemu_storage(c);
	StoragePool *p;
	GHashTableIter it;
	gpointer v;

	g_mutex_lock(&st->lock);
	if ((p = pool_of(c, pool, NULL, NULL, err))) {
		*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_volume_info_free);
		g_hash_table_iter_init(&it, p->vols);
		while (g_hash_table_iter_next(&it, NULL, &v))
			g_ptr_array_add(*out, storage_vol_info(p, v));
	}
	g_mutex_unlock(&st->lock);
	return p ? 0 : errno_of(err);
}

static int
vol_get_info(HvConn *c, const char *pool, const char *name, HvVolumeInfo **out,
	     GError **err)
{
	QemuStorage *st = qemu_storage(c);
	g_autoptr(GError) lerr = NULL;
	StorageVol *v = NULL;
	StoragePool *p;

	g_mutex_lock(&st->lock);
	if ((p = pool_of(c, pool, name, &v, &lerr)))
		*out = storage_vol_info(p, v);
	g_mutex_unlock(&st->lock);
	if (!p) {
		int r = hv_error_errno(lerr);

		g_propagate_error(err, g_steal_pointer(&lerr));
		return r;
	}
	return 0;
}

static int
vol_get_xml(HvConn *c, const char *pool, const char *name, char **xml, GError **err)
{
	QemuStorage *st = qemu_storage(c);
	StorageVol *v = NULL;
	StoragePool *p;
	int r;

	g_mutex_lock(&st->lock);
	r = (p = pool_of(c, pool, name, &v, err)) ? storage_vol_xml(p, v, xml, err) : -ENOENT;
	g_mutex_unlock(&st->lock);
	return r;
}

static int
vol_create_xml(HvConn *c, const char *pool, const char *xml, char **name_out,
	       GError **err)
{
	QemuStorage *st = qemu_storage(c);
	g_autofree char *name = NULL;
	StoragePool *p;
	int r;

	g_mutex_lock(&st->lock);
	if ((p = pool_of(c, pool, NULL, NULL, err)))
		r = storage_vol_create(p, c, xml, &name, err);
	else
		r = errno_of(err);
	g_mutex_unlock(&st->lock);
	if (r == 0 && name_out)
		*name_out = g_steal_pointer(&name);
	return r;
}

static int
vol_delete(HvConn *c, const char *pool, const char *name, GError **err)
{
	QemuStorage *st = qemu_storage(c);
	StoragePool *p;
	int r;

	g_mutex_lock(&st->lock);
	p = pool_of(c, pool, NULL, NULL, err);
	r = p ? storage_vol_delete(p, c, name, err) : errno_of(err);
	g_mutex_unlock(&st->lock);
	return r;
}

static int
vol_resize(HvConn *c, const char *pool, const char *name, uint64_t bytes, GError **err)
{
	QemuStorage *st = qemu_storage(c);
	StoragePool *p;
	int r;

	g_mutex_lock(&st->lock);
	p = pool_of(c, pool, NULL, NULL, err);
	r = p ? storage_vol_resize(p, c, name, bytes, 0, err) : errno_of(err);
	g_mutex_unlock(&st->lock);
	return r;
}

int
qemu_volume_resolve(void *opaque, const char *pool, const char *volume, char **path,
		    char **format, GError **err)
{
	QemuStorage *st = opaque;
	StorageVolSource src = { 0 };
	StoragePool *p;
	int r;

	g_mutex_lock(&st->lock);
	if ((p = qemu_pool_find(st, pool, true, err)))
		r = storage_vol_source(p, volume, &src, err);
	else
		r = errno_of(err);
	g_mutex_unlock(&st->lock);
	if (r == 0 && src.protocol)
		r = hv_error_set(err, EOPNOTSUPP, "volume '%s' of pool '%s' is reached over %s, "
				 "which the qemu driver cannot use yet", volume, pool, src.protocol);
	if (r == 0) {
		*path = g_steal_pointer(&src.path);
		*format = g_steal_pointer(&src.format);
	}
	storage_vol_source_clear(&src);
	return r;
}

const HvVolumeOps qemu_volume_ops = {
	.list = vol_list,
	.get_info = vol_get_info,
	.get_xml = vol_get_xml,
	.create_xml = vol_create_xml,
	.delete = vol_delete,
	.resize = vol_resize,
};
