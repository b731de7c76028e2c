/* inval.c: one driver event -> the kernel cache invalidations it calls for. Runs
 * on the notifier thread only (events.c), never inside a FUSE handler, and calls
 * the kernel without holding the tree lock. An object the driver no longer
 * knows is unhooked and its directory entry dropped. */
#include <string.h>
#include "fs/fs.h"

static void
add_obj_inos(GArray *inos, HvObj *o)
{
	const DirOps *ops = hv_dir_ops[o->kind];

	hv_obj_touch(o);
	for (size_t i = 0; i <= ops->nfiles; i++) {
		fuse_ino_t ino = HV_INO(o->id, i);

		g_array_append_val(inos, ino);
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
	g_autoptr(GArray) inos = g_array_new(FALSE, FALSE, sizeof(fuse_ino_t));
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

	for (guint i = 0; i < inos->len; i++)
		fuse_lowlevel_notify_inval_inode(fs->se, g_array_index(inos, fuse_ino_t, i), 0, 0);
	if (dir)
		drop_if_gone(fs, dir, o, name);
	for (guint i = 0; vdir && i < vols->len; i++) {
		HvObj *v;

		g_mutex_lock(&fs->lock);
		v = g_hash_table_lookup(vdir->children, vols->pdata[i]);
		if (v && v->kind != DK_SCRATCH) {
			g_autoptr(GArray) vinos = g_array_new(FALSE, FALSE, sizeof(fuse_ino_t));

			v->refs++;
			add_obj_inos(vinos, v);
			g_mutex_unlock(&fs->lock);
			for (guint j = 0; j < vinos->len; j++)
				fuse_lowlevel_notify_inval_inode(fs->se,
								 g_array_index(vinos, fuse_ino_t, j), 0, 0);
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
