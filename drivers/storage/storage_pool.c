/* storage_pool.c: pools and volumes whatever the driver that holds them:
 * the objects, start and stop through the backend, refresh and the volume
 * events it implies, sizes and infos, the volume XML built from what the
 * backend reports, and volume create, resize and delete with the checks
 * every backend shares. The caller holds the core lock around each call. */
#include <string.h>
#include "drivers/storage/storage_pool.h"
#include "conf/conf_util.h"
#include "conf/xml.h"
#include "util/names.h"

StorageVol *
storage_vol_new(const char *name, const char *path)
{
	StorageVol v = { .name = g_strdup(name), .path = g_strdup(path), .key = g_strdup(path),
			 .type = g_strdup("file") };

	return g_memdup2(&v, sizeof(v));
}

void
storage_vol_free(StorageVol *v)
{
	if (!v)
		return;
	g_free(v->name);
	g_free(v->key);
	g_free(v->path);
	g_free(v->type);
	g_free(v->format);
	g_free(v->backing);
	g_free(v->backing_format);
	g_free(v);
}

GHashTable *
storage_vol_table_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
				     (GDestroyNotify)storage_vol_free);
}

StoragePool *
storage_pool_new(HvPoolDef *def, const StorageBackend *backend, const StorageHost *host)
{
	StoragePool *p = g_new0(StoragePool, 1);

	p->name = g_strdup(def->name);
	p->def = def;
	p->state = HV_POOL_INACTIVE;
	p->vols = storage_vol_table_new();
	p->backend = backend;
	p->host = host;
	return p;
}

void
storage_pool_free(StoragePool *p)
{
	if (!p)
		return;
	if (p->priv && p->backend->release)
		p->backend->release(p);
	g_free(p->name);
	g_clear_pointer(&p->vols, g_hash_table_unref);
	g_free(p);
}

int
storage_backend_refuse(const StoragePool *p, const char *what, GError **err)
{
	return hv_error_set(err, EOPNOTSUPP, "storage pool '%s': pools of type '%s' do not "
			    "support %s", p->name, p->backend->type, what);
}

static void
emit_vol(HvCore *c, StoragePool *p, const char *vol, const char *event, const char *detail)
{
	hv_core_emit(c, HV_OBJ_VOLUME, p->name, vol, event, detail);
}

int
storage_pool_refresh(StoragePool *p, HvCore *c, GError **err)
{
	g_autoptr(GHashTable) now = storage_vol_table_new();
	GHashTableIter it;
	gpointer k;
	int r;

	if ((r = STORAGE_CALL(p, refresh, "refresh", err, now)) < 0)
		return r;
	g_hash_table_iter_init(&it, p->vols);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if (!g_hash_table_contains(now, k))
			emit_vol(c, p, k, "deleted", "-");
	g_hash_table_iter_init(&it, now);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if (!g_hash_table_contains(p->vols, k))
			emit_vol(c, p, k, "created", "-");
	g_hash_table_unref(p->vols);
	p->vols = g_steal_pointer(&now);
	return 0;
}

int
storage_pool_start(StoragePool *p, HvCore *c, bool readopt, GError **err)
{
	bool active = false;
	int r;

	if (readopt && p->backend->check && (r = p->backend->check(p, &active, err)) < 0)
		return r;
	if (!active && (r = STORAGE_CALL(p, start, "start", err)) < 0)
		return r;
	if ((r = storage_pool_refresh(p, c, err)) < 0) {
		if (p->backend->stop)
			(void)p->backend->stop(p, NULL);
		return r;
	}
	p->state = HV_POOL_RUNNING;
	return 0;
}

int
storage_pool_stop(StoragePool *p, GError **err)
{
	int r;

	if ((r = STORAGE_CALL(p, stop, "stop", err)) < 0)
		return r;
	g_hash_table_remove_all(p->vols); /* not reported: an inactive pool lists none */
	p->state = HV_POOL_INACTIVE;
	return 0;
}

void
storage_pool_sizes(StoragePool *p, StorageSizes *out)
{
	memset(out, 0, sizeof(*out));
	if (p->state == HV_POOL_RUNNING && p->backend->sizes)
		p->backend->sizes(p, out);
}

HvPoolInfo *
storage_pool_info(StoragePool *p)
{
	HvPoolInfo *i = g_new0(HvPoolInfo, 1);
	StorageSizes s;

	i->name = g_strdup(p->name);
	memcpy(i->uuid, p->def->uuid, HV_UUID_STRLEN);
	i->type = g_strdup(p->def->type);
	i->state = p->state;
	storage_pool_sizes(p, &s);
	i->capacity = s.capacity;
	i->allocation = s.allocation;
	i->available = s.available;
	i->target_path = g_strdup(p->def->target_path);
	return i;
}

/* txt (taken) with what the backend adds to the live <source>: a disk's
 * <freeExtent>s, which libvirt shows inside <device> and never reads back
 * (the formatter's rules drop them, so they are added to its output). */
static char *
with_source_facts(StoragePool *p, char *txt)
{
	g_autoptr(xmlDoc) doc = txt ? hv_xml_parse(txt, strlen(txt), "storage pool", NULL) : NULL;
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *src, *dev;

	if (!root)
		return txt;
	src = hv_xml_path_ensure(root, "source");
	dev = hv_xml_child(src, "device");
	p->backend->source_xml(p, dev ? dev : src);
	g_free(txt);
	return hv_xml_format(root);
}

/* The live definition shows the sizes as they are now, as libvirt's does. */
char *
storage_pool_xml(StoragePool *p, HvPoolDef *def)
{
	if (def == p->def && p->state == HV_POOL_RUNNING) {
		StorageSizes s;

		storage_pool_sizes(p, &s);
		def->capacity = s.capacity;
		def->allocation = s.allocation;
		def->available = s.available;
		if (p->backend->source_xml)
			return with_source_facts(p, hv_pool_def_format(def));
	}
	return hv_pool_def_format(def);
}

/* ---- volumes */

StorageVol *
storage_vol_find(StoragePool *p, const char *name, GError **err)
{
	StorageVol *v = name ? g_hash_table_lookup(p->vols, name) : NULL;

	if (!v)
		hv_error_set(err, ENOENT, "storage volume '%s' not found in pool '%s'",
			     name ? name : "", p->name);
	return v;
}

static uint64_t
allocation(StoragePool *p, const StorageVol *v)
{
	return p->backend->vol_allocation ? p->backend->vol_allocation(p, v) : v->allocation;
}

HvVolumeInfo *
storage_vol_info(StoragePool *p, const StorageVol *v)
{
	HvVolumeInfo *i = g_new0(HvVolumeInfo, 1);

	i->name = g_strdup(v->name);
	i->pool = g_strdup(p->name);
	i->key = g_strdup(v->key);
	i->path = g_strdup(v->path);
	i->type = g_strdup(v->type);
	i->format = g_strdup(v->format);
	i->capacity = v->capacity;
	i->allocation = allocation(p, v);
	return i;
}

/* The document of what the backend reports, parsed and formatted like any
 * volume document so it reads as libvirt's. */
static char *
vol_facts_xml(StoragePool *p, const StorageVol *v)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autofree char *type = g_markup_escape_text(v->type, -1);
	g_autofree char *name = g_markup_escape_text(v->name, -1);
	g_autofree char *key = g_markup_escape_text(v->key, -1);
	g_autofree char *path = g_markup_escape_text(v->path, -1);

	g_string_append_printf(s, "<volume type='%s'><name>%s</name><key>%s</key>"
			       "<capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>"
			       "<allocation unit='bytes'>%" G_GUINT64_FORMAT "</allocation>"
			       "<target><path>%s</path><format type='%s'/></target>", type, name,
			       key, v->capacity, allocation(p, v), path, v->format);
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

int
storage_vol_xml(StoragePool *p, const StorageVol *v, char **xml, GError **err)
{
	g_autoptr(HvVolumeDef) def = NULL;
	g_autofree char *raw = vol_facts_xml(p, v);

	if (!(def = hv_volume_def_parse(p->def, raw, strlen(raw), err)) ||
	    !(*xml = hv_volume_def_format(def)))
		return hv_error_set(err, EIO, "cannot format the XML of volume '%s'", v->name);
	return 0;
}

/* A new volume's document, checked: a name the tree can show, not taken. */
static int
new_vol_def(StoragePool *p, const char *xml, HvVolumeDef **out, GError **err)
{
	g_autoptr(HvVolumeDef) def = NULL;

	if (!(def = hv_volume_def_parse(p->def, xml, strlen(xml), err)))
		return err && *err ? hv_error_errno(*err) : -EINVAL;
	if (hv_name_check("storage volume", def->name, err) < 0)
		return -EINVAL;
	if (g_hash_table_contains(p->vols, def->name))
		return hv_error_set(err, EEXIST, "storage volume '%s' already exists in pool '%s'",
				    def->name, p->name);
	*out = g_steal_pointer(&def);
	return 0;
}

/* v made: in the table, reported. */
static void
vol_made(StoragePool *p, HvCore *c, StorageVol *v, char **name)
{
	g_hash_table_insert(p->vols, v->name, v);
	*name = g_strdup(v->name);
	emit_vol(c, p, v->name, "created", "-");
}

int
storage_vol_create(StoragePool *p, HvCore *c, const char *xml, char **name, GError **err)
{
	g_autoptr(HvVolumeDef) def = NULL;
	StorageVol *v = NULL;
	int r;

	if ((r = new_vol_def(p, xml, &def, err)) < 0)
		return r;
	if (def->capacity == 0 && !def->backing_path)
		return hv_error_set(err, EINVAL, "storage volume '%s': capacity must be more than "
				    "0 bytes", def->name);
	if ((r = STORAGE_CALL(p, vol_create, "volume creation", err, def, &v)) < 0)
		return r;
	vol_made(p, c, v, name);
	return 0;
}

int
storage_vol_create_from(StoragePool *p, HvCore *c, const char *xml, const char *src,
			char **name, GError **err)
{
	g_autoptr(HvVolumeDef) def = NULL;
	StorageVol *sv, *v = NULL;
	int r;

	if (!p->backend->vol_create_from)
		return 0;
	if (!(sv = storage_vol_find(p, src, err)))
		return -ENOENT;
	if ((r = new_vol_def(p, xml, &def, err)) < 0 ||
	    (r = p->backend->vol_create_from(p, def, p, sv, &v, err)) < 0)
		return r;
	vol_made(p, c, v, name);
	return 1;
}

int
storage_vol_delete(StoragePool *p, HvCore *c, const char *name, GError **err)
{
	StorageVol *v = storage_vol_find(p, name, err);
	int r;

	if (!v)
		return -ENOENT;
	if ((r = STORAGE_CALL(p, vol_delete, "volume deletion", err, v)) < 0)
		return r;
	emit_vol(c, p, v->name, "deleted", "-");
	g_hash_table_remove(p->vols, name);
	return 0;
}

int
storage_vol_resize(StoragePool *p, HvCore *c, const char *name, uint64_t bytes, unsigned flags,
		   GError **err)
{
	StorageVol *v = storage_vol_find(p, name, err);
	char detail[32];
	int r;

	if (!v)
		return -ENOENT;
	if (bytes == 0)
		return hv_error_set(err, EINVAL, "cannot resize volume '%s' in pool '%s' to 0 bytes",
				    name, p->name);
	if (bytes < v->capacity && !(flags & STORAGE_RESIZE_SHRINK))
		return hv_error_set(err, EINVAL, "cannot shrink volume '%s' in pool '%s' from %"
				    G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " bytes", name,
				    p->name, v->capacity, bytes);
	if (bytes < v->capacity && bytes < allocation(p, v))
		return hv_error_set(err, EINVAL, "cannot shrink volume '%s' in pool '%s' below its "
				    "allocation of %" G_GUINT64_FORMAT " bytes", name, p->name,
				    allocation(p, v));
	if (bytes == v->capacity)
		return 0;
	if ((r = STORAGE_CALL(p, vol_resize, "volume resize", err, v, bytes, flags)) < 0)
		return r;
	g_snprintf(detail, sizeof(detail), "%" G_GUINT64_FORMAT, v->capacity);
	emit_vol(c, p, name, "resized", detail);
	return 0;
}

int
storage_vol_source(StoragePool *p, const char *name, StorageVolSource *out, GError **err)
{
	StorageVol *v = storage_vol_find(p, name, err);

	memset(out, 0, sizeof(*out));
	if (!v)
		return -ENOENT;
	if (p->backend->vol_source)
		return p->backend->vol_source(p, v, out, err);
	out->type = g_strdup(g_str_equal(v->type, "block") ? "block" : "file");
	out->path = g_strdup(v->path);
	out->format = g_strdup(v->format);
	return 0;
}

/* One row a protocol QEMU opens by URL: SCHEME HOST / PATH. */
static const char *const url_schemes[] = { "nfs", "iscsi", NULL };

char *
storage_network_url(const char *protocol, const char *host, const char *path)
{
	if (!protocol || !host || !*host || !path || !g_strv_contains(url_schemes, protocol))
		return NULL;
	while (*path == '/')
		path++;
	return g_strconcat(protocol, "://", host, "/", path, NULL);
}

char *
storage_rbd_spec(const StorageVolSource *v)
{
	GString *s = g_string_new("rbd:");

	g_string_append(s, v->path);
	if (v->auth_user)
		g_string_append_printf(s, ":id=%s:auth_supported=cephx\\;none", v->auth_user);
	else
		g_string_append(s, ":auth_supported=none");
	for (guint k = 0; v->hosts && k < v->hosts->len; k++) {
		g_auto(GStrv) parts = g_strsplit(v->hosts->pdata[k], ":", 2);

		g_string_append_printf(s, "%s%s%s%s", k ? "\\;" : ":mon_host=", parts[0],
				       parts[1] ? "\\:" : "", parts[1] ? parts[1] : "");
	}
	return g_string_free(s, FALSE);
}

void
storage_vol_source_clear(StorageVolSource *s)
{
	g_clear_pointer(&s->type, g_free);
	g_clear_pointer(&s->path, g_free);
	g_clear_pointer(&s->format, g_free);
	g_clear_pointer(&s->protocol, g_free);
	g_clear_pointer(&s->hosts, g_ptr_array_unref);
	g_clear_pointer(&s->auth_user, g_free);
	g_clear_pointer(&s->auth_secret_usage, g_free);
	g_clear_pointer(&s->auth_secret, g_bytes_unref);
}
