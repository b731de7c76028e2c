/* qemu_snapmeta.c: snapshot metadata in LIB/snapshot/DOMAIN/ (qemu_snapmeta.h). */
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_snapmeta.h"
#include "util/files.h"

static char *
dom_dir(QemuConn *qc, const char *dom)
{
	return g_build_filename(qc->lib_dir, "snapshot", dom, NULL);
}

static char *
snap_path(QemuConn *qc, const char *dom, const char *name)
{
	g_autofree char *dir = dom_dir(qc, dom);
	g_autofree char *file = g_strconcat(name, ".xml", NULL);

	return g_build_filename(dir, file, NULL);
}

bool
qemu_snapmeta_exists(QemuConn *qc, const char *dom, const char *name)
{
	g_autofree char *p = snap_path(qc, dom, name);

	return g_file_test(p, G_FILE_TEST_IS_REGULAR);
}

HvSnapshotDef *
qemu_snapmeta_load(QemuConn *qc, const char *dom, const char *name, GError **err)
{
	g_autofree char *p = snap_path(qc, dom, name);
	g_autofree char *xml = NULL;
	gsize len;
	HvSnapshotDef *def;

	if (!g_file_get_contents(p, &xml, &len, NULL)) {
		hv_error_set(err, ENOENT, "no snapshot '%s' of domain '%s'", name, dom);
		return NULL;
	}
	if (!(def = hv_snapshot_def_parse(xml, len, err)))
		return NULL;
	if (!def->name || !g_str_equal(def->name, name)) {
		hv_snapshot_def_free(def);
		hv_error_set(err, EIO, "snapshot metadata '%s' names another snapshot", p);
		return NULL;
	}
	return def;
}

/* g_file_set_contents writes a temporary file, fsyncs and renames it. */
static int
write_atomic(const char *path, const char *text, GError **err)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *dir = g_path_get_dirname(path);

	g_mkdir_with_parents(dir, 0700);
	if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT |
				      G_FILE_SET_CONTENTS_DURABLE, 0600, &e))
		return hv_error_set(err, EIO, "cannot write '%s': %s", path, e->message);
	return 0;
}

int
qemu_snapmeta_store(QemuConn *qc, const char *dom, const HvSnapshotDef *def, GError **err)
{
	g_autofree char *p = snap_path(qc, dom, def->name);
	g_autofree char *xml = hv_snapshot_def_format(def);

	return write_atomic(p, xml, err);
}

int
qemu_snapmeta_remove(QemuConn *qc, const char *dom, const char *name, GError **err)
{
	g_autofree char *p = snap_path(qc, dom, name);

	if (unlink(p) < 0 && errno != ENOENT)
		return hv_error_set(err, errno, "cannot remove '%s': %s", p, g_strerror(errno));
	return 0;
}

static bool
placed(GPtrArray *out, const char *name)
{
	for (guint k = 0; k < out->len; k++)
		if (g_str_equal(((HvSnapshotDef *)out->pdata[k])->name, name))
			return true;
	return false;
}

static gint
by_time(gconstpointer a, gconstpointer b)
{
	const HvSnapshotDef *x = *(HvSnapshotDef *const *)a, *y = *(HvSnapshotDef *const *)b;

	if (x->creation_time != y->creation_time)
		return x->creation_time < y->creation_time ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Parents first: each pass takes those whose parent is placed (or gone). */
static GPtrArray *
topo(GPtrArray *defs)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_snapshot_def_free);
	bool moved = true;

	g_ptr_array_sort(defs, by_time);
	while (defs->len && moved) {
		moved = false;
		for (guint k = 0; k < defs->len;) {
			HvSnapshotDef *d = defs->pdata[k];

			if (!d->parent || placed(out, d->parent) || !placed(defs, d->parent)) {
				g_ptr_array_add(out, g_ptr_array_steal_index(defs, k));
				moved = true;
			} else {
				k++;
			}
		}
	}
	while (defs->len) /* a loop of parents: never written, but never lost either */
		g_ptr_array_add(out, g_ptr_array_steal_index(defs, 0));
	return out;
}

GPtrArray *
qemu_snapmeta_all(QemuConn *qc, const char *dom)
{
	g_autofree char *dir = dom_dir(qc, dom);
	g_autoptr(GPtrArray) defs = g_ptr_array_new_with_free_func(
		(GDestroyNotify)hv_snapshot_def_free);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *f;

	while (d && (f = g_dir_read_name(d))) {
		g_autofree char *name = NULL;
		HvSnapshotDef *def;

		if (!g_str_has_suffix(f, ".xml") || f[0] == '.')
			continue;
		name = g_strndup(f, strlen(f) - 4);
		if ((def = qemu_snapmeta_load(qc, dom, name, NULL)))
			g_ptr_array_add(defs, def);
	}
	return topo(defs);
}

char *
qemu_snapmeta_current(QemuConn *qc, const char *dom)
{
	g_autofree char *dir = dom_dir(qc, dom);
	g_autofree char *p = g_build_filename(dir, "current", NULL);
	char *text = NULL;

	if (!g_file_get_contents(p, &text, NULL, NULL))
		return NULL;
	g_strstrip(text);
	if (!*text || !qemu_snapmeta_exists(qc, dom, text))
		g_clear_pointer(&text, g_free);
	return text;
}

int
qemu_snapmeta_set_current(QemuConn *qc, const char *dom, const char *name, GError **err)
{
	g_autofree char *dir = dom_dir(qc, dom);
	g_autofree char *p = g_build_filename(dir, "current", NULL);

	if (!name) {
		unlink(p);
		return 0;
	}
	return write_atomic(p, name, err);
}

bool
qemu_snapmeta_external(const HvSnapshotDef *def)
{
	if (def->memory && g_str_equal(def->memory, "external"))
		return true;
	for (guint k = 0; def->disks && k < def->disks->len; k++) {
		const HvSnapshotDiskDef *d = def->disks->pdata[k];

		if (d->snapshot && g_str_equal(d->snapshot, "external"))
			return true;
	}
	return false;
}

HvSnapshotInfo *
qemu_snapmeta_info(const HvSnapshotDef *def, GPtrArray *all, const char *current)
{
	HvSnapshotInfo *i = g_new0(HvSnapshotInfo, 1);

	i->name = g_strdup(def->name);
	i->parent = g_strdup(def->parent);
	i->state = g_strdup(def->state ? def->state : "shutoff");
	i->kind = g_strdup(qemu_snapmeta_external(def) ? "external" : "internal");
	i->memory = def->memory && !g_str_equal(def->memory, "no");
	i->current = current && g_str_equal(current, def->name);
	i->creation_time = def->creation_time;
	for (guint k = 0; all && k < all->len; k++) {
		const HvSnapshotDef *o = all->pdata[k];

		if (o->parent && g_str_equal(o->parent, def->name))
			i->children++;
	}
	return i;
}

void
qemu_snapmeta_forget_domain(QemuConn *qc, const char *dom)
{
	g_autofree char *dir = dom_dir(qc, dom);

	hv_remove_flat_dir(dir);
}
