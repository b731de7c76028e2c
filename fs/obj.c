/* obj.c: the tree's object tables. Every folder (and every temporary file a
 * tool creates) is an HvObj with a unique id that never gets reused in a mount,
 * so a stale inode can never name a new object. Objects live while the kernel
 * holds a lookup reference or a file is open, and are freed when gone. */
#include <string.h>
#include <time.h>
#include "fs/inode.h"

static void
obj_free(HvObj *o)
{
	if (o->children)
		g_hash_table_unref(o->children);
	if (o->data)
		g_string_free(o->data, TRUE);
	hv_ver_free(o);
	g_free(o->name);
	g_free(o->error);
	g_free(o);
}

void
hv_obj_free_all(HvFs *fs)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, fs->objs);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		g_hash_table_iter_remove(&it);
		obj_free(v);
	}
	g_hash_table_unref(fs->objs);
	fs->objs = NULL;
	fs->root = NULL;
}

void
hv_obj_touch(HvObj *o)
{
	clock_gettime(CLOCK_REALTIME, &o->mtime);
}

HvObj *
hv_obj_new(HvFs *fs, DirKind kind, HvNode *node, HvObj *parent, const char *name)
{
	HvObj *o = g_new0(HvObj, 1);

	o->id = fs->next_id++;
	o->kind = kind;
	o->node = node;
	o->parent = parent;
	o->name = g_strdup(name);
	hv_obj_touch(o);
	if (hv_dir_is_collection(hv_dir_ops[kind]) || hv_dir_ops[kind]->scratch)
		o->children = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(fs->objs, &o->id, o);
	return o;
}

HvObj *
hv_obj_get(HvFs *fs, uint64_t id)
{
	return g_hash_table_lookup(fs->objs, &id);
}

HvObj *
hv_obj_child(HvFs *fs, HvObj *dir, DirKind kind, const char *name)
{
	HvObj *o = g_hash_table_lookup(dir->children, name);

	if (o)
		return o;
	o = hv_obj_new(fs, kind, dir->node, dir, name);
	g_hash_table_insert(dir->children, o->name, o);
	return o;
}

static void
maybe_free(HvFs *fs, HvObj *o)
{
	if (!o->dead || o->nlookup > 0 || o->refs > 0)
		return;
	if (o->snapshots) {
		o->snapshots->parent = NULL;
		hv_obj_kill(fs, o->snapshots);
		o->snapshots = NULL;
	}
	if (o->volumes) {
		o->volumes->parent = NULL;
		hv_obj_kill(fs, o->volumes);
		o->volumes = NULL;
	}
	g_hash_table_remove(fs->objs, &o->id);
	obj_free(o);
}

void
hv_obj_kill(HvFs *fs, HvObj *o)
{
	if (o->dead)
		return;
	o->dead = true;
	if (o->kind == DK_SCRATCH && o->parent) { /* its folder's limits (scratch.c) */
		o->parent->scratch_n--;
		o->parent->scratch_bytes -= o->data->len;
	}
	if (o->parent && o->parent->children &&
	    g_hash_table_lookup(o->parent->children, o->name) == o)
		g_hash_table_remove(o->parent->children, o->name);
	if (o->children) {
		GHashTableIter it;
		gpointer v;

		/* children of a gone folder are gone too */
		g_hash_table_iter_init(&it, o->children);
		while (g_hash_table_iter_next(&it, NULL, &v)) {
			HvObj *c = v;

			c->dead = true;
			c->parent = NULL;
			g_hash_table_iter_remove(&it);
			maybe_free(fs, c);
		}
	}
	maybe_free(fs, o);
}

void
hv_obj_forget(HvFs *fs, HvObj *o, uint64_t n)
{
	o->nlookup -= (int64_t)n;
	if (o->nlookup < 0)
		o->nlookup = 0;
	maybe_free(fs, o);
}

void
hv_obj_ref(HvFs *fs, HvObj *o)
{
	g_mutex_lock(&fs->lock);
	o->refs++;
	g_mutex_unlock(&fs->lock);
}

void
hv_obj_unref(HvFs *fs, HvObj *o)
{
	g_mutex_lock(&fs->lock);
	o->refs--;
	maybe_free(fs, o);
	g_mutex_unlock(&fs->lock);
}

/* The pool's name, copied under the lock: hv_obj_kill clears o->parent and
 * may free the pool's folder while another thread asks. */
char *
hv_obj_pool_dup(HvFs *fs, HvObj *o)
{
	const char *name;
	char *copy;

	g_mutex_lock(&fs->lock);
	switch (o->kind) {
	case DK_POOL:
		name = o->name;
		break;
	case DK_VOLUMES:
	case DK_SNAPSHOTS:
		name = o->parent ? o->parent->name : "";
		break;
	case DK_SNAPSHOT:
	case DK_VOLUME:
		name = o->parent && o->parent->parent ? o->parent->parent->name : "";
		break;
	default:
		name = "";
	}
	copy = g_strdup(name);
	g_mutex_unlock(&fs->lock);
	return copy;
}
