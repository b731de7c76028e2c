/* ops.c: the FUSE low-level handlers for names: lookup, forget, getattr,
 * setattr, readdir(plus), create, unlink, rmdir, mkdir, rename, statfs. Each
 * handler resolves its inode to (object, file index) under the tree lock, takes
 * a reference, drops the lock, calls the driver, and ends in exactly one
 * fuse_reply_*. The handlers for open files are in io.c. */
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include "fs/io.h"
#include "util/names.h"

static HvFs *
fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* A gone object's folder may still be cached by the kernel while an object
 * of the same name was defined again (undefine and define racing a listing).
 * Its inode then means the object of that name now: the files say whether it
 * exists. Temporary files have no successor. Lock held. */
static HvObj *
successor(HvFs *fs, HvObj *o)
{
	HvObj *dir = o->parent;

	if (o->kind == DK_SCRATCH || !dir || dir->dead || !hv_dir_ops[dir->kind]->list ||
	    hv_dir_ops[dir->kind]->child_kind != o->kind)
		return NULL;
	return hv_obj_child(fs, dir, o->kind, o->name);
}

HvObj *
hv_ops_resolve(HvFs *fs, fuse_ino_t ino, unsigned *idx)
{
	HvObj *o;

	g_mutex_lock(&fs->lock);
	o = ino == FUSE_ROOT_ID ? fs->root : hv_obj_get(fs, HV_INO_ID(ino));
	if (o && o->dead)
		o = successor(fs, o);
	if (o) {
		o->refs++;
		*idx = ino == FUSE_ROOT_ID ? 0 : HV_INO_IDX(ino);
		if (*idx > hv_dir_ops[o->kind]->nfiles) {
			o->refs--;
			o = NULL;
		}
	}
	g_mutex_unlock(&fs->lock);
	return o;
}

fuse_ino_t
hv_ops_ino(HvObj *o, unsigned idx)
{
	return o->kind == DK_ROOT ? FUSE_ROOT_ID : HV_INO(o->id, idx);
}

static mode_t
file_mode(HvFs *fs, HvObj *o, unsigned idx)
{
	mode_t m;

	if (o->kind == DK_SCRATCH)
		m = S_IFREG | 0644;
	else if (idx == 0)
		m = S_IFDIR | (hv_dir_ops[o->kind]->scratch ? 0755 : 0555);
	else if (hv_dir_ops[o->kind]->files[idx - 1].flags & (F_WRITE | F_XML))
		m = S_IFREG | 0644;
	else
		m = S_IFREG | 0444;
	if (fs->readonly)
		m &= ~(mode_t)0222;
	return m;
}

/* Attributes of (o, idx); a file's size is the length of what reading it gives.
 * Called without the lock, o referenced. */
int
hv_ops_attr(HvFs *fs, HvObj *o, unsigned idx, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = hv_ops_ino(o, idx);
	st->st_mode = file_mode(fs, o, idx);
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = o->mtime;
	if (o->kind == DK_SCRATCH) {
		g_mutex_lock(&fs->lock);
		st->st_size = (off_t)o->data->len;
		g_mutex_unlock(&fs->lock);
	} else if (idx > 0) {
		const FileDef *fd = &hv_dir_ops[o->kind]->files[idx - 1];

		if (fd->read) {
			g_autoptr(GString) s = g_string_new(NULL);
			g_autoptr(GError) err = NULL;
			int r = fd->read(o, s, &err);

			if (r == -ENOENT)
				return r;
			st->st_size = r < 0 ? 0 : (off_t)s->len;
		}
	}
	st->st_blocks = (st->st_size + 511) / 512;
	return 0;
}

/* How long the kernel may keep (o, idx)'s attributes: scratch files and files
 * that change without events are never cached. */
double
hv_ops_timeout(HvFs *fs, HvObj *o, unsigned idx)
{
	if (o->kind == DK_SCRATCH)
		return 0;
	if (idx > 0 && (hv_dir_ops[o->kind]->files[idx - 1].flags & F_VOLATILE))
		return 0;
	return fs->timeout;
}

/* Replies with an entry for (o, idx) and counts the kernel's reference. */
static void
reply_entry(fuse_req_t req, HvFs *fs, HvObj *o, unsigned idx)
{
	struct fuse_entry_param e = { 0 };
	int r = hv_ops_attr(fs, o, idx, &e.attr);

	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	e.ino = e.attr.st_ino;
	/* a scratch file's name is soon renamed over or gone: never cache it */
	e.attr_timeout = hv_ops_timeout(fs, o, idx);
	e.entry_timeout = o->kind == DK_SCRATCH ? 0 : fs->timeout;
	g_mutex_lock(&fs->lock);
	o->nlookup++;
	g_mutex_unlock(&fs->lock);
	if (fuse_reply_entry(req, &e) != 0) {
		g_mutex_lock(&fs->lock);
		hv_obj_forget(fs, o, 1);
		g_mutex_unlock(&fs->lock);
	}
}

bool
hv_ops_present(HvObj *o, int i)
{
	const FileDef *fd = &hv_dir_ops[o->kind]->files[i];

	return !fd->present || fd->present(o);
}

int
hv_ops_static_index(const DirOps *ops, const char *name)
{
	for (size_t i = 0; i < ops->nfiles; i++)
		if (strcmp(ops->files[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A dynamic child by name: a driver object, else a scratch file. 0 with a
 * referenced *out, -ENOENT, or the driver's error (-ENOTCONN while a remote
 * node is away), so that an outage is never reported as a missing object.
 * Called without the lock; dir referenced. */
static int
find_child(HvFs *fs, HvObj *dir, const char *name, HvObj **out)
{
	const DirOps *ops = hv_dir_ops[dir->kind];
	HvObj *o = NULL;
	int r = -ENOENT;

	*out = NULL;
	if (ops->exists && hv_name_check("", name, NULL) == 0)
		r = ops->exists(dir, name, NULL);
	if (r == 0) {
		g_mutex_lock(&fs->lock);
		o = g_hash_table_lookup(dir->children, name);
		if (!o || o->kind == DK_SCRATCH)
			o = hv_obj_child(fs, dir, ops->child_kind, name);
		o->refs++;
		g_mutex_unlock(&fs->lock);
		*out = o;
		return 0;
	}
	if (dir->children) {
		g_mutex_lock(&fs->lock);
		o = g_hash_table_lookup(dir->children, name);
		if (o && o->kind == DK_SCRATCH) {
			o->refs++;
			*out = o;
			r = 0;
		}
		g_mutex_unlock(&fs->lock);
	}
	return r;
}

static void
op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *dir = hv_ops_resolve(fs, parent, &idx), *o;
	const DirOps *ops;
	int i;

	if (!dir || idx != 0 || dir->kind == DK_SCRATCH) {
		fuse_reply_err(req, dir ? ENOTDIR : ENOENT);
		goto out;
	}
	ops = hv_dir_ops[dir->kind];
	i = hv_ops_static_index(ops, name);
	if (i >= 0 && !hv_ops_present(dir, i)) {
		fuse_reply_err(req, ENOENT);
	} else if (i >= 0 && (ops->files[i].flags & F_DIR)) {
		g_mutex_lock(&fs->lock);
		o = ops->files[i].subdir(dir);
		o->refs++;
		g_mutex_unlock(&fs->lock);
		reply_entry(req, fs, o, 0);
		hv_obj_unref(fs, o);
	} else if (i >= 0) {
		reply_entry(req, fs, dir, (unsigned)i + 1);
	} else if ((i = find_child(fs, dir, name, &o)) == 0) {
		reply_entry(req, fs, o, 0);
		hv_obj_unref(fs, o);
	} else {
		fuse_reply_err(req, -i);
	}
out:
	if (dir)
		hv_obj_unref(fs, dir);
}

static void
forget_one(HvFs *fs, fuse_ino_t ino, uint64_t n)
{
	HvObj *o;

	if (ino == FUSE_ROOT_ID)
		return;
	o = hv_obj_get(fs, HV_INO_ID(ino));
	if (o)
		hv_obj_forget(fs, o, n);
}

static void
op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t n)
{
	HvFs *fs = fs_of(req);

	g_mutex_lock(&fs->lock);
	forget_one(fs, ino, n);
	g_mutex_unlock(&fs->lock);
	fuse_reply_none(req);
}

static void
op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	HvFs *fs = fs_of(req);

	g_mutex_lock(&fs->lock);
	for (size_t i = 0; i < count; i++)
		forget_one(fs, f[i].ino, f[i].nlookup);
	g_mutex_unlock(&fs->lock);
	fuse_reply_none(req);
}

static void
op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *o = hv_ops_resolve(fs, ino, &idx);
	struct stat st;
	int r;

	if (!o) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	r = hv_ops_attr(fs, o, idx, &st);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, hv_ops_timeout(fs, o, idx));
	hv_obj_unref(fs, o);
}

static void
op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
	   struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *o = hv_ops_resolve(fs, ino, &idx);
	struct stat st;
	int r = 0;

	if (!o) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (fs->readonly)
		r = -EROFS;
	else if (to_set & FUSE_SET_ATTR_SIZE)
		r = hv_io_truncate(fs, o, idx, fi, (size_t)attr->st_size);
	else if ((to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
		 o->kind != DK_SCRATCH)
		r = -EPERM; /* modes are honest: they say what a file does */
	if (r == 0)
		r = hv_ops_attr(fs, o, idx, &st);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, hv_ops_timeout(fs, o, idx));
	hv_obj_unref(fs, o);
}

static void
op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv = { .f_bsize = 4096, .f_frsize = 4096, .f_namemax = HV_NAME_MAX };

	fuse_reply_statfs(req, &sv);
}

static void
op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	HvFs *fs = fs_of(req);

	fuse_reply_err(req, fs->readonly ? EROFS : EPERM);
}

static void
op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	fuse_reply_err(req, EPERM);
}

static void
op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *dir = hv_ops_resolve(fs, parent, &idx), *o = NULL;
	g_autoptr(GError) err = NULL;
	int r;

	if (!dir) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (fs->readonly) {
		r = -EROFS;
	} else if (!hv_dir_ops[dir->kind]->remove) {
		r = hv_ops_static_index(hv_dir_ops[dir->kind], name) >= 0 ? -EPERM : -ENOENT;
	} else if ((r = find_child(fs, dir, name, &o)) < 0) {
		/* r says why: no such object, or the node is away */
	} else if (o->kind == DK_SCRATCH) {
		r = -ENOTDIR;
	} else {
		r = hv_dir_ops[dir->kind]->remove(dir, name, &err);
		if (r < 0)
			hv_obj_fail(o, "rmdir", r, err);
	}
	fuse_reply_err(req, -r);
	if (o)
		hv_obj_unref(fs, o);
	hv_obj_unref(fs, dir);
}

static void
op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *dir = hv_ops_resolve(fs, parent, &idx), *o = NULL;
	int r = -ENOENT;

	if (!dir) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (fs->readonly) {
		r = -EROFS;
	} else if (hv_ops_static_index(hv_dir_ops[dir->kind], name) >= 0) {
		r = -EPERM;
	} else if ((r = find_child(fs, dir, name, &o)) == 0) {
		r = o->kind == DK_SCRATCH ? 0 : -EISDIR;
		if (r == 0) {
			g_mutex_lock(&fs->lock);
			hv_obj_kill(fs, o);
			g_mutex_unlock(&fs->lock);
		}
	}
	fuse_reply_err(req, -r);
	if (o)
		hv_obj_unref(fs, o);
	hv_obj_unref(fs, dir);
}

static void
op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
	  const char *newname, unsigned int flags)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *dir = hv_ops_resolve(fs, parent, &idx), *o = NULL;
	int r;

	if (!dir) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (fs->readonly)
		r = -EROFS;
	else if (newparent != parent)
		r = -EXDEV;
	else if (flags)
		r = -EINVAL;
	else if (hv_ops_static_index(hv_dir_ops[dir->kind], name) >= 0)
		r = -EPERM;
	else if ((r = find_child(fs, dir, name, &o)) < 0)
		; /* no such file, or the node is away */
	else if (o->kind != DK_SCRATCH)
		r = -EPERM;
	else
		r = hv_io_rename_scratch(fs, dir, o, newname);
	fuse_reply_err(req, -r);
	if (o)
		hv_obj_unref(fs, o);
	hv_obj_unref(fs, dir);
}

static void
op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	  struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *dir = hv_ops_resolve(fs, parent, &idx), *o = NULL;
	struct fuse_entry_param e = { 0 };
	int r;

	if (!dir) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	r = hv_io_create_scratch(fs, dir, name, &o);
	if (r == 0)
		r = hv_io_open_scratch(fs, o, fi);
	if (r == 0)
		r = hv_ops_attr(fs, o, 0, &e.attr);
	if (r < 0) {
		fuse_reply_err(req, -r);
	} else {
		e.ino = e.attr.st_ino;
		g_mutex_lock(&fs->lock);
		o->nlookup++;
		g_mutex_unlock(&fs->lock);
		fuse_reply_create(req, &e, fi);
	}
	if (o)
		hv_obj_unref(fs, o);
	hv_obj_unref(fs, dir);
}

static void
op_init(void *userdata, struct fuse_conn_info *conn)
{
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
	conn->want &= ~(unsigned)FUSE_CAP_WRITEBACK_CACHE;
}

const struct fuse_lowlevel_ops hv_fuse_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.statfs = op_statfs,
	.mkdir = op_mkdir,
	.mknod = op_mknod,
	.rmdir = op_rmdir,
	.unlink = op_unlink,
	.rename = op_rename,
	.create = op_create,
	.open = hv_io_open,
	.read = hv_io_read,
	.write = hv_io_write,
	.flush = hv_io_flush,
	.release = hv_io_release,
	.opendir = hv_io_opendir,
	.readdir = hv_io_readdir,
	.readdirplus = hv_io_readdirplus,
	.releasedir = hv_io_releasedir,
	.poll = hv_io_poll,
};
