/* scratch.c: temporary files. Tools create them in a folder: `sed -i` writes
 * one and renames it over config.xml, which commits it; `cp X.xml domains/`
 * writes one into a collection, and closing it defines the object the
 * document declares. Either way the file never stays: it lives in the tree
 * only (an HvObj of kind DK_SCRATCH holding its bytes). A folder holds at
 * most SCRATCH_MAX of them and SCRATCH_BYTES in all, dot-named ones that never
 * commit included (rm removes them); past that, creating or growing one fails
 * with ENOSPC. Failures go to the folder's error file (node/error for a copy
 * into a collection, or any temporary file there). */
#include <fcntl.h>
#include <string.h>
#include "fs/files.h"
#include "fs/inode.h"
#include "fs/io.h"
#include "util/names.h"

#define SCRATCH_MAX 32			 /* temporary files per folder */
#define SCRATCH_BYTES (4 * HV_DOC_MAX) /* their bytes, per folder */

/* Where the failures of a temporary file name in dir go. */
static void
fail_in(HvObj *dir, const char *name, int r, const GError *err)
{
	g_autofree char *what = g_strdup_printf("%s/%s", dir->name, name);

	if (hv_dir_is_collection(hv_dir_ops[dir->kind]))
		hv_obj_fail(dir->node->nodeinfo, what, r, err);
	else
		hv_obj_fail(dir, name, r, err);
}

/* The folder's count of its temporary files' bytes follows o's size, which
 * was old. Lock held. */
static void
account(HvObj *o, size_t old)
{
	if (o->parent && !o->dead)
		o->parent->scratch_bytes = o->parent->scratch_bytes - old + o->data->len;
}

/* Whether o may grow to len bytes within its folder's limit. Lock held. */
static bool
fits(HvObj *o, size_t len)
{
	return !o->parent || len <= o->data->len ||
	       o->parent->scratch_bytes - o->data->len + len <= SCRATCH_BYTES;
}

int
hv_scratch_create(HvFs *fs, HvObj *dir, const char *name, HvObj **out)
{
	const DirOps *ops = hv_dir_ops[dir->kind];
	bool coll = hv_dir_is_collection(ops);
	HvObj *o;

	if (fs->readonly)
		return -EROFS;
	if (!ops->scratch)
		return -EACCES;
	if (hv_file_index(ops, name) >= 0)
		return -EEXIST;
	if (!*name || strchr(name, '/') || strlen(name) > HV_NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	if (coll && hv_coll_exists(dir, name, NULL) == 0)
		return -EEXIST;
	g_mutex_lock(&fs->lock);
	if (g_hash_table_lookup(dir->children, name)) {
		g_mutex_unlock(&fs->lock);
		return -EEXIST;
	}
	if (dir->scratch_n >= SCRATCH_MAX) {
		g_autoptr(GError) err = g_error_new(HV_ERROR, ENOSPC,
						    "'%s' holds %u temporary files already, the "
						    "most a folder may (ls -a shows them; rm one)",
						    dir->name, dir->scratch_n);

		g_mutex_unlock(&fs->lock);
		fail_in(dir, name, -ENOSPC, err);
		return -ENOSPC;
	}
	dir->scratch_n++;
	o = hv_obj_new(fs, DK_SCRATCH, dir->node, dir, name);
	o->data = g_string_new(NULL);
	o->commit_on_close = coll && hv_coll_defines(dir) && name[0] != '.';
	g_hash_table_insert(dir->children, o->name, o);
	o->refs++;
	g_mutex_unlock(&fs->lock);
	*out = o;
	return 0;
}

int
hv_scratch_open(HvFs *fs, HvObj *o, struct fuse_file_info *fi)
{
	FileHandle *h;

	if ((fi->flags & O_ACCMODE) != O_RDONLY && fs->readonly)
		return -EROFS;
	h = g_new0(FileHandle, 1);
	hv_obj_ref(fs, o);
	h->o = o;
	if (fi->flags & O_TRUNC) {
		size_t old;

		g_mutex_lock(&fs->lock);
		old = o->data->len;
		g_string_truncate(o->data, 0);
		account(o, old);
		g_mutex_unlock(&fs->lock);
	}
	fi->direct_io = 1;
	fi->fh = (uintptr_t)h;
	return 0;
}

/* A temporary file's failure belongs to its folder: node/error for a copy into
 * a collection, else the object whose folder it sits in. */
static void
scratch_fail(HvFs *fs, HvObj *o, int r)
{
	g_autoptr(GError) err =
		r == -ENOSPC ? g_error_new(HV_ERROR, ENOSPC,
					   "the temporary files in this folder hold %u bytes, "
					   "the most a folder may (ls -a shows them; rm one)",
					   SCRATCH_BYTES)
			     : g_error_new(HV_ERROR, -r, "document is larger than %u bytes",
					   HV_DOC_MAX);
	HvObj *dir;

	g_mutex_lock(&fs->lock);
	if ((dir = o->parent))
		dir->refs++;
	g_mutex_unlock(&fs->lock);
	if (!dir)
		return;
	fail_in(dir, o->name, r, err);
	hv_obj_unref(fs, dir);
}

/* A copy into volumes/ whose first bytes are content, not a document: the
 * temporary file goes, a volume of its name comes and the copy uploads into
 * it (data.c). */
static int
become_content(HvFs *fs, FileHandle *h, const char *buf, size_t size)
{
	HvObj *dir;
	int r;

	g_mutex_lock(&fs->lock);
	if ((dir = h->o->dead ? NULL : h->o->parent))
		dir->refs++;
	hv_obj_kill(fs, h->o);
	g_mutex_unlock(&fs->lock);
	if (!dir)
		return -ENOENT;
	r = hv_data_make(dir, h->o->name, buf, size, &h->data);
	hv_obj_unref(fs, dir);
	return r;
}

int
hv_scratch_write(HvFs *fs, FileHandle *h, const char *buf, size_t size, off_t off)
{
	int r;

	bool first;

	if (!h->data && !h->doc && h->o->commit_on_close && h->o->parent &&
	    h->o->parent->kind == DK_VOLUMES) {
		if (!hv_data_is_content(buf, size, off))
			h->doc = true;
		else if ((r = become_content(fs, h, buf, size)) < 0)
			return r;
	}
	if (h->data)
		return hv_data_write(h->data, buf, size, off);

	g_mutex_lock(&fs->lock); /* the bytes and the handle's flags */
	if (off >= 0 && !fits(h->o, (size_t)off + size)) {
		r = -ENOSPC;
	} else {
		size_t old = h->o->data->len;

		r = hv_io_buf_write(h->o->data, buf, size, off);
		account(h->o, old);
	}
	first = r < 0 && !h->oversize;
	h->oversize |= r < 0;
	if (first)
		h->wfail = r;
	h->dirty = true;
	g_mutex_unlock(&fs->lock);
	if (first)
		scratch_fail(fs, h->o, r);
	return r;
}

int
hv_scratch_truncate(HvFs *fs, HvObj *o, size_t size)
{
	size_t old;

	if (size > HV_DOC_MAX)
		return -EFBIG;
	g_mutex_lock(&fs->lock);
	if (!fits(o, size)) {
		g_mutex_unlock(&fs->lock);
		scratch_fail(fs, o, -ENOSPC);
		return -ENOSPC;
	}
	old = o->data->len;
	g_string_set_size(o->data, size);
	if (size > old)
		memset(o->data->str + old, 0, size - old);
	account(o, old);
	g_mutex_unlock(&fs->lock);
	return 0;
}

static void
scratch_drop(HvFs *fs, HvObj *o, const char *kernel_name)
{
	g_autofree char *name = g_strdup(kernel_name ? kernel_name : o->name);
	HvNode *n = o->node;
	fuse_ino_t dir;

	g_mutex_lock(&fs->lock);
	dir = o->parent ? HV_INO(o->parent->id, 0) : 0;
	hv_obj_kill(fs, o);
	g_mutex_unlock(&fs->lock);
	if (n && dir)
		hv_inval_name(n, dir, name);
}

/* Defines the object in a document copied into the collection dir. */
static int
define_copy(HvObj *dir, const char *buf, size_t len, const char *file)
{
	g_autoptr(GError) err = NULL;
	int r = hv_coll_define(dir, buf, len, &err);

	if (r < 0) {
		g_autofree char *what = g_strdup_printf("%s/%s", dir->name, file);

		hv_obj_fail(dir->node->nodeinfo, what, r, err);
	}
	return r;
}

/* The first close after a write of a copy into a collection: the copy is
 * dropped (it never stays) and its document defines the object. */
static int
commit_copy(HvFs *fs, HvObj *o)
{
	g_autofree char *data = NULL;
	size_t len;
	HvObj *dir;
	int r;

	g_mutex_lock(&fs->lock);
	dir = o->dead ? NULL : o->parent;
	len = o->data->len;
	data = g_strndup(o->data->str, len);
	if (dir)
		dir->refs++;
	hv_obj_kill(fs, o);
	g_mutex_unlock(&fs->lock);
	if (!dir)
		return 0;
	r = define_copy(dir, data, len, o->name);
	if (dir->node) /* the open file keeps o and its name */
		hv_inval_name(dir->node, HV_INO(dir->id, 0), o->name);
	hv_obj_unref(fs, dir);
	return r;
}

int
hv_scratch_flush(HvFs *fs, FileHandle *h)
{
	bool dirty, oversize;
	int r = 0;

	if (h->data) {
		h->committed = true;
		return hv_data_flush(h->data);
	}
	g_mutex_lock(&fs->lock);
	dirty = h->dirty;
	oversize = h->oversize;
	h->dirty = false;
	h->committed |= dirty;
	g_mutex_unlock(&fs->lock);
	if (!dirty)
		return 0;
	if (oversize) {
		if (h->o->commit_on_close)
			scratch_drop(fs, h->o, NULL);
		return h->wfail ?: -EFBIG; /* already reported in write(2); nothing changes */
	}
	if (h->o->commit_on_close)
		r = commit_copy(fs, h->o);
	if (r == 0 && h->o->node)
		hv_events_wait_settled(h->o->node, 200);
	return r;
}

void
hv_scratch_release(HvFs *fs, FileHandle *h)
{
	if (h->o->commit_on_close && !h->committed && !h->data)
		scratch_drop(fs, h->o, NULL); /* never flushed: leave nothing behind */
}

int
hv_scratch_rename(HvFs *fs, HvObj *dir, HvObj *o, const char *newname)
{
	const DirOps *ops = hv_dir_ops[dir->kind];
	g_autofree char *data = NULL;
	size_t len;
	int i = hv_file_index(ops, newname), r;

	g_mutex_lock(&fs->lock);
	len = o->data->len;
	data = g_strndup(o->data->str, len);
	g_mutex_unlock(&fs->lock);
	if (i >= 0 && strcmp(newname, "config.xml") == 0)
		r = hv_io_commit_config(dir, data, len);
	else if (i >= 0)
		return -EPERM;
	else if (hv_dir_is_collection(ops) && hv_coll_defines(dir))
		r = define_copy(dir, data, len, newname);
	else
		return -EPERM; /* scratch files only ever become documents */
	if (r == 0) /* the kernel moves the file's name to newname */
		scratch_drop(fs, o, newname);
	return r;
}
