/* obj.c: the tree's object tables. Every folder (and every temporary file a
 * tool creates) is an HvObj with a unique id that never gets reused in a mount,
 * so a stale inode can never name a new object. Objects live while the kernel
 * holds a lookup reference or a file is open, and are freed when gone. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "fs/fs.h"

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
	if (hv_dir_ops[kind]->list || hv_dir_ops[kind]->scratch)
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

static const char *
errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ EINVAL, "EINVAL" }, { EBUSY, "EBUSY" },   { EEXIST, "EEXIST" },
		{ ENOENT, "ENOENT" }, { EFBIG, "EFBIG" },   { ERANGE, "ERANGE" },
		{ EROFS, "EROFS" },   { EPERM, "EPERM" },   { EACCES, "EACCES" },
		{ ENOTSUP, "ENOTSUP" }, { EIO, "EIO" },     { ENOTCONN, "ENOTCONN" },
		{ ENOSPC, "ENOSPC" }, { EAGAIN, "EAGAIN" }, { ENOTEMPTY, "ENOTEMPTY" },
		{ ENOMEM, "ENOMEM" }, { EINTR, "EINTR" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (names[i].e == e)
			return names[i].name;
	return "EIO";
}

/* One clean line whatever a user wrote: control characters, DEL and bytes that
 * are not UTF-8 become \xNN. */
static char *
clean_text(const char *s)
{
	GString *out = g_string_new(NULL);
	const char *end = s + strlen(s);

	while (s < end) {
		gunichar c = g_utf8_get_char_validated(s, end - s);

		if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append_printf(out, "\\x%02x", (unsigned char)*s++);
		} else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
			g_string_append_printf(out, "\\x%02x", (unsigned)c);
			s = g_utf8_next_char(s);
		} else {
			const char *next = g_utf8_next_char(s);

			g_string_append_len(out, s, next - s);
			s = next;
		}
	}
	return g_string_free(out, FALSE);
}

int
hv_obj_fail(HvObj *o, const char *file, int r, const GError *err)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *ts = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	g_autofree char *msg = clean_text(err ? err->message : g_strerror(-r));
	char *line;
	HvFs *fs;

	line = g_strdup_printf("%s %s %s: %s\n", ts, file, errno_name(-r), msg);
	if (o) {
		fs = o->node ? o->node->fs : NULL;
		if (fs)
			g_mutex_lock(&fs->lock);
		g_free(o->error);
		o->error = g_strdup(line);
		if (fs)
			g_mutex_unlock(&fs->lock);
	}
	fprintf(stderr, "hyperfs: %s%s%s: %s", o && o->node ? o->node->name : "",
		o && o->name ? "/" : "", o && o->name ? o->name : "", line);
	g_free(line);
	return r;
}

const char *
hv_obj_pool_name(HvObj *o)
{
	switch (o->kind) {
	case DK_POOL:
		return o->name;
	case DK_VOLUMES:
		return o->parent ? o->parent->name : "";
	case DK_VOLUME:
		return o->parent && o->parent->parent ? o->parent->parent->name : "";
	default:
		return "";
	}
}
