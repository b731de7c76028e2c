/* dir.c: listing folders. opendir takes one snapshot of the names (one bulk
 * driver call for a collection), and readdir/readdirplus page through it, so a
 * 10,000-domain listing costs one driver call however the kernel pages it. */
#include <string.h>
#include <sys/stat.h>
#include "fs/files.h"
#include "fs/inode.h"
#include "fs/io.h"

typedef struct {
	HvObj *dir;
	GPtrArray *names; /* after "." and ".." */
	guint nlisted;    /* names[0..nlisted) came from the driver or the table */
} DirHandle;

static HvFs *
fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static int
snapshot(HvFs *fs, HvObj *dir, GPtrArray **out, guint *nlisted)
{
	const DirOps *ops = hv_dir_ops[dir->kind];
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GError) err = NULL;
	int r;

	if (hv_dir_is_collection(ops)) {
		r = hv_coll_list(dir, &names, &err);
		if (r < 0)
			return hv_obj_fail(dir, "readdir", r, err);
	} else {
		names = g_ptr_array_new_with_free_func(g_free);
	}
	for (size_t i = 0; i < ops->nfiles; i++)
		if (hv_file_present(dir, (int)i))
			g_ptr_array_add(names, g_strdup(ops->files[i].name));
	*nlisted = names->len;
	if (dir->children && dir->kind != DK_ROOT) {
		GHashTableIter it;
		gpointer v;

		g_mutex_lock(&fs->lock);
		g_hash_table_iter_init(&it, dir->children);
		while (g_hash_table_iter_next(&it, NULL, &v))
			if (((HvObj *)v)->kind == DK_SCRATCH)
				g_ptr_array_add(names, g_strdup(((HvObj *)v)->name));
		g_mutex_unlock(&fs->lock);
	}
	*out = g_steal_pointer(&names);
	return 0;
}

void
hv_io_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	unsigned idx;
	HvObj *o = hv_ino_req(req, ino, &idx);
	g_autoptr(GPtrArray) names = NULL;
	DirHandle *h;
	guint nlisted = 0;
	int r = -ENOTDIR;

	if (!o)
		return;
	if (idx == 0 && o->kind != DK_SCRATCH)
		r = snapshot(fs_of(req), o, &names, &nlisted);
	if (r < 0) {
		hv_obj_unref(fs_of(req), o);
		fuse_reply_err(req, -r);
		return;
	}
	h = g_new0(DirHandle, 1);
	h->dir = o; /* the handle keeps the reference */
	h->names = g_steal_pointer(&names);
	h->nlisted = nlisted;
	fi->fh = (uintptr_t)h;
	fuse_reply_open(req, fi);
}

/* The object and file index an entry names; referenced. NULL if it is gone.
 * Only a name the driver listed may make a new object: a temporary file that
 * vanished since opendir must not come back as a folder. */
static HvObj *
entry_obj(HvFs *fs, HvObj *dir, const char *name, bool listed, unsigned *idx)
{
	const DirOps *ops = hv_dir_ops[dir->kind];
	int i = hv_file_index(ops, name);
	HvObj *o;

	*idx = 0;
	g_mutex_lock(&fs->lock);
	if (i >= 0 && (ops->files[i].flags & F_DIR)) {
		o = ops->files[i].subdir(dir);
	} else if (i >= 0) {
		o = dir;
		*idx = (unsigned)i + 1;
	} else {
		o = g_hash_table_lookup(dir->children, name);
		if (o && o->kind == DK_SCRATCH && listed)
			o = NULL; /* a scratch file took a listed name: skip it */
		else if (!o && hv_dir_is_collection(ops) && listed)
			o = hv_obj_child(fs, dir, ops->child_kind, name);
	}
	if (o)
		o->refs++;
	g_mutex_unlock(&fs->lock);
	return o;
}

static void
list(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi, bool plus)
{
	HvFs *fs = fs_of(req);
	DirHandle *h = (DirHandle *)(uintptr_t)fi->fh;
	g_autofree char *buf = g_malloc(size);
	size_t used = 0;
	off_t total = (off_t)h->names->len + 2;

	for (off_t k = off; k < total; k++) {
		struct fuse_entry_param e = { 0 };
		const char *name = k == 0 ? "." : k == 1 ? ".." : h->names->pdata[k - 2];
		HvObj *o = NULL;
		unsigned idx = 0;
		size_t n;

		if (k < 2) {
			e.attr.st_ino = k == 0 ? hv_ino_of(h->dir, 0) : FUSE_ROOT_ID;
			e.attr.st_mode = S_IFDIR;
		} else {
			o = entry_obj(fs, h->dir, name, (guint)(k - 2) < h->nlisted, &idx);
			if (!o || hv_ino_entry(fs, o, idx, &e) < 0) {
				if (o)
					hv_obj_unref(fs, o);
				continue;
			}
		}
		if (plus)
			n = fuse_add_direntry_plus(req, buf + used, size - used, name, &e, k + 1);
		else
			n = fuse_add_direntry(req, buf + used, size - used, name, &e.attr, k + 1);
		if (n > size - used) {
			if (o)
				hv_obj_unref(fs, o);
			break;
		}
		used += n;
		if (o) {
			if (plus)
				hv_ino_take(fs, o, idx, &e.attr);
			hv_obj_unref(fs, o);
		}
	}
	fuse_reply_buf(req, buf, used);
}

void
hv_io_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	list(req, size, off, fi, false);
}

void
hv_io_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		  struct fuse_file_info *fi)
{
	list(req, size, off, fi, true);
}

void
hv_io_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	DirHandle *h = (DirHandle *)(uintptr_t)fi->fh;

	hv_obj_unref(fs, h->dir);
	g_ptr_array_unref(h->names);
	g_free(h);
	fuse_reply_err(req, 0);
}
