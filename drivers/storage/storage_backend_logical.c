/* storage_backend_logical.c: the `logical` pool backend: an LVM2 volume
 * group (<source><name>, the pool's name when absent) on the source devices,
 * through LVM's tools and their JSON reports. build runs pvcreate on each
 * device (refusing one that holds a signature unless told to overwrite) and
 * vgcreate; start checks the group and activates it (vgchange -ay); stop
 * deactivates; delete runs vgremove and pvremove. Volumes are the group's
 * LVs: plain ones, and thin ones (a volume whose allocation is below its
 * capacity is made thin in the group's first thin pool). On a host without
 * device-mapper (this one) the tools work on metadata only: nothing is
 * activated, so volumes have no device nodes and their content cannot be
 * reached (ENODEV), and thin pools cannot be made; docs/storage.md says so. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "drivers/storage/storage_util.h"
#include "util/json.h"
#include "util/names.h"
#include "conf/conf_util.h"

#define LVM_OUT_MAX (4u << 20)

static char *
vg_name(const HvPoolDef *def)
{
	char *n = NULL;
	xmlNode *root = def->doc ? xmlDocGetRootElement(def->doc) : NULL;
	xmlNode *e = root ? hv_xml_path(root, "source/name") : NULL;

	if (e)
		n = hv_xml_text(e);
	if (n && *n)
		return n;
	g_free(n);
	return g_strdup(def->name);
}

/* The source devices, in order. */
static GPtrArray *
devices(const HvPoolDef *def)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	xmlNode *root = def->doc ? xmlDocGetRootElement(def->doc) : NULL;
	xmlNode *src = root ? hv_xml_child(root, "source") : NULL;

	for (xmlNode *n = src ? src->children : NULL; n; n = n->next) {
		char *p;

		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "device"))
			continue;
		if ((p = hv_xml_prop(n, "path")))
			g_ptr_array_add(a, p);
	}
	return a;
}

/* Runs an LVM tool; without device-mapper with --driverloaded n (metadata
 * only) where the tool takes it. */
static int
lvm(const char *tool, const char *const *args, bool dm_opt, char **out, const char *what,
    GError **err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	g_ptr_array_add(argv, (char *)tool);
	if (dm_opt && !storage_dm_available()) {
		g_ptr_array_add(argv, "--driverloaded");
		g_ptr_array_add(argv, "n");
	}
	for (size_t k = 0; args[k]; k++)
		g_ptr_array_add(argv, (char *)args[k]);
	g_ptr_array_add(argv, NULL);
	g_setenv("LVM_SUPPRESS_FD_WARNINGS", "1", TRUE);
	return storage_run((const char *const *)argv->pdata, out, what, err);
}

/* The rows of `report[0].KEY` of an LVM JSON report. */
static QJson *
report(const char *out, const char *key, QJson **root, GError **err)
{
	QJson *r, *first;

	if (strlen(out) > LVM_OUT_MAX || !(*root = qjson_parse(out, strlen(out), err)))
		return NULL;
	r = qjson_get(*root, "report");
	first = r && r->type == QJ_ARR && r->items->len ? r->items->pdata[0] : NULL;
	return first ? qjson_get(first, key) : NULL;
}

static uint64_t
num(const QJson *row, const char *key)
{
	const char *s = qjson_get_str(row, key);

	return s ? g_ascii_strtoull(s, NULL, 10) : 0;
}

static int
logical_check_def(const HvPoolDef *def, GError **err)
{
	g_autofree char *vg = vg_name(def);

	if (hv_name_check("volume group", vg, NULL) < 0 || strchr(vg, '/') || vg[0] == '-')
		return hv_error_set(err, EINVAL, "storage pool '%s': '%s' is not a volume group "
				    "name", def->name, vg);
	return 0;
}

static int
logical_build(StoragePool *p, unsigned flags, GError **err)
{
	g_autoptr(GPtrArray) devs = devices(p->def);
	g_autofree char *vg = vg_name(p->def);
	g_autofree char *what = g_strdup_printf("build storage pool '%s'", p->name);
	g_autoptr(GPtrArray) vgargs = g_ptr_array_new();
	int r;

	if (devs->len == 0)
		return hv_error_set(err, EINVAL, "cannot %s: it names no <source><device path=/>",
				    what);
	for (guint k = 0; k < devs->len; k++) {
		const char *d = devs->pdata[k];
		g_autofree char *sig = NULL;
		const char *probe[] = { "blkid", "-p", "-o", "value", "-s", "TYPE", d, NULL };

		if (!g_file_test(d, G_FILE_TEST_EXISTS))
			return hv_error_set(err, ENOENT, "cannot %s: device '%s' does not exist",
					    what, d);
		if (storage_run(probe, &sig, what, NULL) == 0 && *g_strstrip(sig) &&
		    !(flags & STORAGE_BUILD_OVERWRITE))
			return hv_error_set(err, EEXIST, "cannot %s: device '%s' holds %s already "
					    "(write build-overwrite to state to make it anew)", what,
					    d, sig);
	}
	g_ptr_array_add(vgargs, "-q");
	g_ptr_array_add(vgargs, vg);
	for (guint k = 0; k < devs->len; k++) {
		const char *pv[] = { "-q", "-ff", "-y", devs->pdata[k], NULL };

		if ((r = lvm("pvcreate", pv, false, NULL, what, err)) < 0)
			return r;
		g_ptr_array_add(vgargs, devs->pdata[k]);
	}
	g_ptr_array_add(vgargs, NULL);
	return lvm("vgcreate", (const char *const *)vgargs->pdata, false, NULL, what, err);
}

static int
vg_exists(StoragePool *p, const char *verb, GError **err)
{
	g_autofree char *vg = vg_name(p->def);
	g_autofree char *what = g_strdup_printf("%s storage pool '%s'", verb, p->name);
	const char *args[] = { "--reportformat", "json", "-o", "vg_name", vg, NULL };

	if (lvm("vgs", args, false, NULL, what, NULL) < 0)
		return hv_error_set(err, ENOENT, "cannot %s: volume group '%s' does not exist "
				    "(write build to state first)", what, vg);
	return 0;
}

static int
logical_check(StoragePool *p, bool *active, GError **err)
{
	*active = vg_exists(p, "check", NULL) == 0;
	return 0;
}

static int
logical_start(StoragePool *p, GError **err)
{
	g_autofree char *vg = vg_name(p->def);
	g_autofree char *what = g_strdup_printf("start storage pool '%s'", p->name);
	const char *args[] = { "-q", "-ay", vg, NULL };
	int r;

	if ((r = vg_exists(p, "start", err)) < 0)
		return r;
	if (!storage_dm_available())
		return 0; /* metadata only: nothing to activate */
	return lvm("vgchange", args, false, NULL, what, err);
}

static int
logical_stop(StoragePool *p, GError **err)
{
	g_autofree char *vg = vg_name(p->def);
	g_autofree char *what = g_strdup_printf("stop storage pool '%s'", p->name);
	const char *args[] = { "-q", "-an", vg, NULL };

	if (!storage_dm_available())
		return 0;
	return lvm("vgchange", args, false, NULL, what, err);
}

static int
logical_delete(StoragePool *p, unsigned flags, GError **err)
{
	g_autoptr(GPtrArray) devs = devices(p->def);
	g_autofree char *vg = vg_name(p->def);
	g_autofree char *what = g_strdup_printf("delete storage pool '%s'", p->name);
	const char *args[] = { "-q", "-f", vg, NULL };
	int r;

	if ((r = lvm("vgremove", args, true, NULL, what, err)) < 0)
		return r;
	for (guint k = 0; k < devs->len; k++) {
		const char *pv[] = { "-q", "-ff", "-y", devs->pdata[k], NULL };

		if ((r = lvm("pvremove", pv, false, NULL, what, err)) < 0)
			return r;
	}
	return 0;
}

static StorageVol *
lv_vol(const QJson *row)
{
	const char *name = qjson_get_str(row, "lv_name");
	const char *path = qjson_get_str(row, "lv_path");
	const char *attr = qjson_get_str(row, "lv_attr");
	g_autoptr(StorageVol) v = NULL;
	double pct = 0;

	/* hidden LVs ([tp_tdata]) and thin pools themselves are no volumes */
	if (!name || !attr || name[0] == '[' || attr[0] == 't' ||
	    hv_name_check("storage volume", name, NULL) < 0)
		return NULL;
	v = storage_vol_new(name, path && *path ? path : name);
	v->type = g_strdup("block");
	v->format = g_strdup("raw");
	v->capacity = num(row, "lv_size");
	v->allocation = v->capacity;
	if (attr[0] == 'V' && qjson_get_str(row, "data_percent")) { /* thin: what it uses */
		pct = g_ascii_strtod(qjson_get_str(row, "data_percent"), NULL);
		v->allocation = (uint64_t)((double)v->capacity * pct / 100.0);
	}
	return g_steal_pointer(&v);
}

static int
lvs(StoragePool *p, QJson **root, QJson **rows, GError **err)
{
	g_autofree char *vg = vg_name(p->def), *out = NULL;
	g_autofree char *what = g_strdup_printf("refresh storage pool '%s'", p->name);
	const char *args[] = { "--reportformat", "json", "--units", "b", "--nosuffix", "-o",
			       "lv_name,lv_path,lv_size,lv_attr,pool_lv,data_percent", vg, NULL };
	int r;

	if ((r = lvm("lvs", args, false, &out, what, err)) < 0)
		return r;
	*rows = report(out, "lv", root, err);
	return *rows ? 0 : hv_error_set(err, EIO, "cannot %s: unreadable lvs report", what);
}

static int
logical_refresh(StoragePool *p, GHashTable *out, GError **err)
{
	g_autoptr(QJson) root = NULL;
	QJson *rows = NULL;
	int r;

	if ((r = lvs(p, &root, &rows, err)) < 0)
		return r;
	for (guint k = 0; rows->items && k < rows->items->len; k++) {
		StorageVol *v = lv_vol(rows->items->pdata[k]);

		if (v)
			g_hash_table_insert(out, v->name, v);
	}
	return 0;
}

static void
logical_sizes(StoragePool *p, StorageSizes *out)
{
	g_autofree char *vg = vg_name(p->def), *txt = NULL;
	const char *args[] = { "--reportformat", "json", "--units", "b", "--nosuffix", "-o",
			       "vg_size,vg_free", vg, NULL };
	g_autoptr(QJson) root = NULL;
	QJson *rows;

	if (lvm("vgs", args, false, &txt, "size", NULL) < 0 ||
	    !(rows = report(txt, "vg", &root, NULL)) || !rows->items || !rows->items->len)
		return;
	out->capacity = num(rows->items->pdata[0], "vg_size");
	out->available = num(rows->items->pdata[0], "vg_free");
	out->allocation = out->capacity - MIN(out->capacity, out->available);
}

/* The group's first thin pool, or NULL. */
static char *
thin_pool(StoragePool *p)
{
	g_autoptr(QJson) root = NULL;
	QJson *rows = NULL;

	if (lvs(p, &root, &rows, NULL) < 0)
		return NULL;
	for (guint k = 0; rows->items && k < rows->items->len; k++) {
		const char *attr = qjson_get_str(rows->items->pdata[k], "lv_attr");

		if (attr && attr[0] == 't')
			return g_strdup(qjson_get_str(rows->items->pdata[k], "lv_name"));
	}
	return NULL;
}

static int
logical_vol_create(StoragePool *p, const HvVolumeDef *def, StorageVol **out, GError **err)
{
	g_autofree char *vg = vg_name(p->def), *tp = NULL, *tpath = NULL;
	g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT "b", def->capacity);
	g_autofree char *what = g_strdup_printf("create volume '%s' in pool '%s'", def->name,
						p->name);
	bool thin = def->allocation < def->capacity && (tp = thin_pool(p));
	const char *plain[] = { "-q", "-an", "-Zn", "-L", size, "-n", def->name, vg, NULL };
	const char *thinargs[] = { "-q", "-V", size, "-T", NULL, "-n", def->name, NULL };
	g_autoptr(GHashTable) vols = storage_vol_table_new();
	StorageVol *v;
	int r;

	if (def->format && !g_str_equal(def->format, "raw"))
		return hv_error_set(err, EOPNOTSUPP, "cannot %s: LVs hold raw content (format '%s' "
				    "asked)", what, def->format);
	if (def->capacity == 0)
		return hv_error_set(err, EINVAL, "cannot %s: an LV needs a capacity", what);
	if (thin) {
		thinargs[4] = tpath = g_strdup_printf("%s/%s", vg, tp);
		r = lvm("lvcreate", thinargs, true, NULL, what, err);
	} else {
		if (storage_dm_available())
			plain[1] = "-ay", plain[2] = "-Zy";
		r = lvm("lvcreate", plain, true, NULL, what, err);
	}
	if (r < 0)
		return r;
	if ((r = logical_refresh(p, vols, err)) < 0)
		return r;
	if (!(v = g_hash_table_lookup(vols, def->name)))
		return hv_error_set(err, EIO, "cannot %s: lvs does not show it", what);
	g_hash_table_steal(vols, def->name);
	*out = v;
	return 0;
}

static int
logical_vol_delete(StoragePool *p, StorageVol *v, GError **err)
{
	g_autofree char *vg = vg_name(p->def);
	g_autofree char *lv = g_strdup_printf("%s/%s", vg, v->name);
	g_autofree char *what = g_strdup_printf("delete volume '%s' in pool '%s'", v->name,
						p->name);
	const char *args[] = { "-q", "-f", lv, NULL };

	return lvm("lvremove", args, true, NULL, what, err);
}

static int
logical_vol_resize(StoragePool *p, StorageVol *v, uint64_t bytes, unsigned flags, GError **err)
{
	g_autofree char *vg = vg_name(p->def);
	g_autofree char *lv = g_strdup_printf("%s/%s", vg, v->name);
	g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT "b", bytes);
	g_autofree char *what = g_strdup_printf("resize volume '%s' in pool '%s'", v->name,
						p->name);
	const char *args[] = { "-q", "-f", "-L", size, lv, NULL };
	int r;

	if ((r = lvm("lvresize", args, true, NULL, what, err)) < 0)
		return r;
	v->capacity = bytes;
	if (v->allocation > bytes || g_str_equal(v->type, "block"))
		v->allocation = bytes;
	return 0;
}

/* An LV's content needs its device, which only activation makes. */
static int
need_node(StoragePool *p, StorageVol *v, GError **err)
{
	if (g_file_test(v->path, G_FILE_TEST_EXISTS))
		return 0;
	return hv_error_set(err, ENODEV, "volume '%s' in pool '%s' has no device '%s': %s",
			    v->name, p->name, v->path,
			    storage_dm_available() ? "it is not active"
						   : "this host has no device-mapper to activate it");
}

static int
logical_upload(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
	       StorageStream **out, GError **err)
{
	return need_node(p, v, err) ?: storage_local_upload(p, v, offset, length, out, err);
}

static int
logical_download(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
		 StorageStream **out, GError **err)
{
	return need_node(p, v, err) ?: storage_local_download(p, v, offset, length, out, err);
}

const StorageBackend storage_backend_logical = {
	.type = "logical",
	.check_def = logical_check_def,
	.build = logical_build,
	.check = logical_check,
	.start = logical_start,
	.stop = logical_stop,
	.delete = logical_delete,
	.refresh = logical_refresh,
	.sizes = logical_sizes,
	.vol_create = logical_vol_create,
	.vol_delete = logical_vol_delete,
	.vol_resize = logical_vol_resize,
	.vol_upload = logical_upload,
	.vol_download = logical_download,
};
