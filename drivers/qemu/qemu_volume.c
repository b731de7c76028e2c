/* qemu_volume.c: the qemu driver's storage volumes, through the backend of
 * their pool's type. A volume exists in an active pool (EBUSY otherwise); its
 * key is its path; capacity is the virtual size qemu-img reports (cached from
 * create, resize and refresh), allocation what the file takes now. get_xml
 * builds the document from those facts. Also resolves a domain disk's
 * <source pool= volume=/> for the command line. */
#include <string.h>
#include "drivers/qemu/qemu_priv.h"
#include "util/names.h"

/* The errno a lookup left in err (err may be NULL). */
static int
errno_of(GError **err)
{
	return err && *err ? hv_error_errno(*err) : -ENOENT;
}

static QemuVolume *
vol_find(QemuStorage *st, const char *pool, const char *name, QemuPool **pp, GError **err)
{
	QemuPool *p = qemu_pool_find(st, pool, true, err);
	QemuVolume *v;

	if (!p)
		return NULL;
	if (!(v = name ? g_hash_table_lookup(p->vols, name) : NULL))
		hv_error_set(err, ENOENT, "storage volume '%s' not found in pool '%s'",
			     name ? name : "", pool);
	if (pp)
		*pp = p;
	return v;
}

static uint64_t
allocation(const QemuPool *p, const QemuVolume *v)
{
	return qemu_storage_backend(p->def->type)->vol_allocation(v);
}

static HvVolumeInfo *
info_new(const QemuPool *p, const QemuVolume *v)
{
	HvVolumeInfo *i = g_new0(HvVolumeInfo, 1);

	i->name = g_strdup(v->name);
	i->pool = g_strdup(p->name);
	i->key = g_strdup(v->path);
	i->path = g_strdup(v->path);
	i->type = g_strdup("file");
	i->format = g_strdup(v->format);
	i->capacity = v->capacity;
	i->allocation = allocation(p, v);
	return i;
}

static int
vol_list(HvConn *c, const char *pool, GPtrArray **out, GError **err)
{
	QemuStorage *st = qemu_storage(c);
	QemuPool *p;
	GHashTableIter it;
	gpointer v;

	g_mutex_lock(&st->lock);
	if ((p = qemu_pool_find(st, pool, true, err))) {
		*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_volume_info_free);
		g_hash_table_iter_init(&it, p->vols);
		while (g_hash_table_iter_next(&it, NULL, &v))
			g_ptr_array_add(*out, info_new(p, v));
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
	QemuVolume *v;
	QemuPool *p;

	g_mutex_lock(&st->lock);
	if ((v = vol_find(st, pool, name, &p, &lerr)))
		*out = info_new(p, v);
	g_mutex_unlock(&st->lock);
	if (!v) {
		int r = hv_error_errno(lerr);

		g_propagate_error(err, g_steal_pointer(&lerr));
		return r;
	}
	return 0;
}

static char *
volume_xml(const QemuPool *p, const QemuVolume *v)
{
	g_autoptr(GString) s = g_string_new("<volume type='file'>");
	g_autofree char *name = g_markup_escape_text(v->name, -1);
	g_autofree char *path = g_markup_escape_text(v->path, -1);

	g_string_append_printf(s, "<name>%s</name><key>%s</key><capacity unit='bytes'>%"
			       G_GUINT64_FORMAT "</capacity><allocation unit='bytes'>%"
			       G_GUINT64_FORMAT "</allocation><target><path>%s</path>"
			       "<format type='%s'/></target>", name, path, v->capacity,
			       allocation(p, v), path, v->format);
	if (v->backing) {
		g_autofree char *b = g_markup_escape_text(v->backing, -1);

		g_string_append_printf(s, "<backingStore><path>%s</path>", b);
		if (v->backing_format)
			g_string_append_printf(s, "<format type='%s'/>", v->backing_format);
		g_string_append(s, "</backingStore>");
	}
	g_string_append(s, "</volume>");
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static int
vol_get_xml(HvConn *c, const char *pool, const char *name, char **xml, GError **err)
{
	QemuStorage *st = qemu_storage(c);
	g_autoptr(HvVolumeDef) def = NULL;
	g_autofree char *raw = NULL;
	QemuVolume *v;
	QemuPool *p;
	int r = 0;

	g_mutex_lock(&st->lock);
	if (!(v = vol_find(st, pool, name, &p, err)))
		r = -ENOENT;
	else if (!(raw = volume_xml(p, v)) ||
		 !(def = hv_volume_def_parse(p->def, raw, strlen(raw), err)) ||
		 !(*xml = hv_volume_def_format(def)))
		r = hv_error_set(err, EIO, "cannot format the XML of volume '%s'", name);
	g_mutex_unlock(&st->lock);
	return r;
}

static int
create_locked(QemuConn *qc, const char *pool, const char *xml, char **name, GError **err)
{
	QemuStorage *st = qc->storage;
	g_autoptr(HvVolumeDef) def = NULL;
	QemuVolume *v = NULL;
	QemuPool *p;
	int r;

	if (!(p = qemu_pool_find(st, pool, true, err)))
		return errno_of(err);
	if (!(def = hv_volume_def_parse(p->def, xml, strlen(xml), err)))
		return err && *err ? errno_of(err) : -EINVAL;
	if (hv_name_check("storage volume", def->name, err) < 0)
		return -EINVAL;
	if (g_hash_table_contains(p->vols, def->name))
		return hv_error_set(err, EEXIST, "storage volume '%s' already exists in pool '%s'",
				    def->name, pool);
	if (def->capacity == 0 && !def->backing_path)
		return hv_error_set(err, EINVAL, "storage volume '%s': capacity must be more than "
				    "0 bytes", def->name);
	if ((r = qemu_storage_backend(p->def->type)->vol_create(p, def, &v, err)) < 0)
		return r;
	g_hash_table_insert(p->vols, v->name, v);
	*name = g_strdup(v->name);
	hv_conn_emit(qc->conn, HV_OBJ_VOLUME, pool, v->name, "created", "-");
	return 0;
}

static int
vol_create_xml(HvConn *c, const char *pool, const char *xml, char **name_out,
	       GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autofree char *name = NULL;
	int r;

	g_mutex_lock(&qc->storage->lock);
	r = create_locked(qc, pool, xml, &name, err);
	g_mutex_unlock(&qc->storage->lock);
	if (r == 0 && name_out)
		*name_out = g_steal_pointer(&name);
	return r;
}

static int
vol_delete(HvConn *c, const char *pool, const char *name, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuStorage *st = qc->storage;
	QemuVolume *v;
	QemuPool *p;
	int r;

	g_mutex_lock(&st->lock);
	if (!(v = vol_find(st, pool, name, &p, err)))
		r = errno_of(err);
	else if ((r = qemu_storage_backend(p->def->type)->vol_delete(p, v, err)) == 0) {
		hv_conn_emit(qc->conn, HV_OBJ_VOLUME, pool, v->name, "deleted", "-");
		g_hash_table_remove(p->vols, name);
	}
	g_mutex_unlock(&st->lock);
	return r;
}

static int
resize_locked(QemuConn *qc, const char *pool, const char *name, uint64_t bytes, GError **err)
{
	QemuVolume *v;
	QemuPool *p;
	char detail[32];
	int r;

	if (!(v = vol_find(qc->storage, pool, name, &p, err)))
		return errno_of(err);
	if (bytes == 0)
		return hv_error_set(err, EINVAL, "cannot resize volume '%s' in pool '%s' to 0 bytes",
				    name, pool);
	if (bytes < v->capacity)
		return hv_error_set(err, EINVAL, "cannot shrink volume '%s' in pool '%s' from %"
				    G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " bytes", name,
				    pool, v->capacity, bytes);
	if (bytes == v->capacity)
		return 0;
	if ((r = qemu_storage_backend(p->def->type)->vol_resize(p, v, bytes, err)) < 0)
		return r;
	g_snprintf(detail, sizeof(detail), "%" G_GUINT64_FORMAT, v->capacity);
	hv_conn_emit(qc->conn, HV_OBJ_VOLUME, pool, name, "resized", detail);
	return 0;
}

static int
vol_resize(HvConn *c, const char *pool, const char *name, uint64_t bytes, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	int r;

	g_mutex_lock(&qc->storage->lock);
	r = resize_locked(qc, pool, name, bytes, err);
	g_mutex_unlock(&qc->storage->lock);
	return r;
}

int
qemu_volume_resolve(void *opaque, const char *pool, const char *volume, char **path,
		    char **format, GError **err)
{
	QemuStorage *st = opaque;
	QemuVolume *v;

	g_mutex_lock(&st->lock);
	if ((v = vol_find(st, pool, volume, NULL, err))) {
		*path = g_strdup(v->path);
		*format = g_strdup(v->format);
	}
	g_mutex_unlock(&st->lock);
	return v ? 0 : errno_of(err);
}

const HvVolumeOps qemu_volume_ops = {
	.list = vol_list,
	.get_info = vol_get_info,
	.get_xml = vol_get_xml,
	.create_xml = vol_create_xml,
	.delete = vol_delete,
	.resize = vol_resize,
};
