/* inval.c: one driver event -> the kernel cache invalidations it calls for. Runs
 * on the notifier thread only (events.c), never inside a FUSE handler, and calls
 * the kernel without holding the tree lock. An object the driver no longer
 * knows is unhooked and its directory entry dropped. */
#include <string.h>
#include "fs/fs.h"
#include "fs/io.h"

/* One invalidation: an inode's attributes and pages, or (name set) the name
 * of a versioned file in the folder ino, whose next lookup finds the new
 * version (ops.c). Names point into the static file tables. */
typedef struct {
	fuse_ino_t ino;
	const char *name;
} Inval;

static void
add_obj_inos(GArray *inos, HvObj *o)
{
	const DirOps *ops = hv_dir_ops[o->kind];

	hv_obj_touch(o);
	for (size_t i = 0; i <= ops->nfiles; i++) {
		Inval v = { HV_INO(o->id, i), NULL };

		if (hv_ops_versioned(o, (unsigned)i))
			v = (Inval){ HV_INO(o->id, 0), ops->files[i - 1].name };
		g_array_append_val(inos, v);
	}
}

static void
inval_all(HvFs *fs, GArray *inos)
{
	for (guint i = 0; i < inos->len; i++) {
		Inval *v = &g_array_index(inos, Inval, i);

		if (v->name)
			fuse_lowlevel_notify_inval_entry(fs->se, v->ino, v->name, strlen(v->name));
		else
			fuse_lowlevel_notify_inval_inode(fs->se, v->ino, 0, 0);
	}
}

static HvObj *
collection(HvNode *n, HvObjKind kind, const char *parent, HvObj **pool)
{
	*pool = NULL;
	switch (kind) {
	case HV_OBJ_DOMAIN:
		return n->domains;
	case HV_OBJ_NETWORK:
		return n->networks;
	case HV_OBJ_POOL:
		return n->pools;
	case HV_OBJ_VOLUME:
		*pool = parent ? g_hash_table_lookup(n->pools->children, parent) : NULL;
		return *pool ? (*pool)->volumes : NULL;
	default:
		return NULL;
	}
}

static void
drop_if_gone(HvFs *fs, HvObj *dir, HvObj *o, const char *name)
{
	if (hv_dir_ops[dir->kind]->exists(dir, name, NULL) != -ENOENT)
		return;
	if (o) {
		g_mutex_lock(&fs->lock);
		hv_obj_kill(fs, o);
		g_mutex_unlock(&fs->lock);
	}
	fuse_lowlevel_notify_inval_entry(fs->se, HV_INO(dir->id, 0), name, strlen(name));
	fuse_lowlevel_notify_inval_inode(fs->se, HV_INO(dir->id, 0), 0, 0);
}

void
hv_invalidate(HvFs *fs, HvNode *n, HvObjKind kind, const char *parent, const char *name)
{
	g_autoptr(GArray) inos = g_array_new(FALSE, FALSE, sizeof(Inval));
	g_autoptr(GPtrArray) vols = g_ptr_array_new_with_free_func(g_free);
	HvObj *dir, *o = NULL, *pool, *vdir = NULL;

	g_mutex_lock(&fs->lock);
	dir = collection(n, kind, parent, &pool);
	if (kind == HV_OBJ_NODE)
		add_obj_inos(inos, n->nodeinfo);
	if (dir) {
		dir->refs++;
		o = g_hash_table_lookup(dir->children, name);
		if (o && o->kind == DK_SCRATCH)
			o = NULL;
	}
	if (o) {
		o->refs++;
		add_obj_inos(inos, o);
		if (o->volumes) {
			GHashTableIter it;
			gpointer k;

			vdir = o->volumes;
			vdir->refs++;
			g_hash_table_iter_init(&it, vdir->children);
			while (g_hash_table_iter_next(&it, &k, NULL))
				g_ptr_array_add(vols, g_strdup(k));
		}
	}
	if (pool)
		add_obj_inos(inos, pool); /* its capacity and allocation follow its volumes */
	g_mutex_unlock(&fs->lock);

	inval_all(fs, inos);
	if (dir)
		drop_if_gone(fs, dir, o, name);
	for (guint i = 0; vdir && i < vols->len; i++) {
		HvObj *v;

		g_mutex_lock(&fs->lock);
		v = g_hash_table_lookup(vdir->children, vols->pdata[i]);
		if (v && v->kind != DK_SCRATCH) {
			g_autoptr(GArray) vinos = g_array_new(FALSE, FALSE, sizeof(Inval));

			v->refs++;
			add_obj_inos(vinos, v);
			g_mutex_unlock(&fs->lock);
			inval_all(fs, vinos);
			drop_if_gone(fs, vdir, v, vols->pdata[i]);
			hv_obj_unref(fs, v);
		} else {
			g_mutex_unlock(&fs->lock);
		}
	}
	if (vdir)
		hv_obj_unref(fs, vdir);
	if (o)
		hv_obj_unref(fs, o);
	if (dir)
		hv_obj_unref(fs, dir);
}
