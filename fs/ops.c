/* ops.c: the FUSE low-level handlers for names: lookup, forget, getattr,
 * setattr, statfs, mkdir, mknod, rmdir, unlink, rename, create, and the table
 * of every handler. Each resolves its inode to (object, file index) under the
 * tree lock (inode.c), takes a reference, drops the lock, calls the driver,
 * and ends in exactly one fuse_reply_*. A lookup or getattr calls only what
 * fs.h allows it. Open files are in io.c, temporary files in scratch.c,
 * listings in dir.c. */
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include "fs/files.h"
#include "fs/inode.h"
#include "fs/move.h"
#include "fs/io.h"
#include "util/names.h"

static HvFs *
fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* Replies with an entry for (o, idx) and counts the kernel's reference. */
static void
reply_entry(fuse_req_t req, HvFs *fs, HvObj *o, unsigned idx)
{
	struct fuse_entry_param e = { 0 };
	int r = hv_ino_entry(fs, o, idx, &e);

	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	hv_ino_take(fs, o, idx, &e.attr);
	if (fuse_reply_entry(req, &e) != 0) {
		g_mutex_lock(&fs->lock);
		hv_ino_forget_locked(fs, e.ino, 1);
		g_mutex_unlock(&fs->lock);
	}
}

/* A dynamic child by name: a driver object, else a scratch file. 0 with a
 * referenced *out, -ENOENT, or the driver's error (-ENOTCONN while a remote
 * node is away), so that an outage is never reported as a missing object.
 * An object the driver no longer knows (a stopped pool's volume) is unhooked.
 * Called without the lock; dir referenced. */
static int
find_child(HvFs *fs, HvObj *dir, const char *name, HvObj **out)
{
	const DirOps *ops = hv_dir_ops[dir->kind];
	HvObj *o = NULL;
	int r = -ENOENT;

	*out = NULL;
	if (hv_dir_is_collection(ops) && hv_name_check("", name, NULL) == 0)
		r = hv_coll_exists(dir, name, NULL);
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
		} else if (o && r == -ENOENT) {
			hv_obj_kill(fs, o);
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
	HvObj *dir = hv_ino_resolve(fs, parent, &idx), *o;
	const DirOps *ops;
	int i;

	if (!dir || idx != 0 || dir->kind == DK_SCRATCH) {
		fuse_reply_err(req, dir ? ENOTDIR : ENOENT);
		goto out;
	}
	ops = hv_dir_ops[dir->kind];
	i = hv_file_index(ops, name);
	if (i >= 0 && !hv_file_present(dir, i)) {
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
op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t n)
{
	HvFs *fs = fs_of(req);

	g_mutex_lock(&fs->lock);
	hv_ino_forget_locked(fs, ino, n);
	g_mutex_unlock(&fs->lock);
	fuse_reply_none(req);
}

static void
op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	HvFs *fs = fs_of(req);

	g_mutex_lock(&fs->lock);
	for (size_t i = 0; i < count; i++)
		hv_ino_forget_locked(fs, f[i].ino, f[i].nlookup);
	g_mutex_unlock(&fs->lock);
	fuse_reply_none(req);
}

/* getattr, and setattr once it changed what it was asked to (r == 0). */
static void
reply_attr(fuse_req_t req, HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino, int r)
{
	struct stat st;

	if (r == 0)
		r = hv_ino_attr(fs, o, idx, ino, &st);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, hv_ino_timeout(fs, o, idx));
	hv_obj_unref(fs, o);
}

static void
op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *o = hv_ino_req(req, ino, &idx);

	if (o)
		reply_attr(req, fs, o, idx, ino, 0);
}

static void
op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
	   struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *o = hv_ino_req(req, ino, &idx);
	int r = 0;

	if (!o)
		return;
	if (fs->readonly)
		r = -EROFS;
	else if (to_set & FUSE_SET_ATTR_SIZE)
		r = hv_io_truncate(fs, o, idx, fi, (size_t)attr->st_size);
	else if ((to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
		 o->kind != DK_SCRATCH)
		r = -EPERM; /* modes are honest: they say what a file does */
	reply_attr(req, fs, o, idx, ino, r);
}

static void
op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv = { .f_bsize = 4096, .f_frsize = 4096, .f_namemax = HV_NAME_MAX };

	fuse_reply_statfs(req, &sv);
}

/* Drops the references a lookup took (either may be NULL). */
static void
refs_drop(HvFs *fs, HvObj *dir, HvObj *o)
{
	if (o)
		hv_obj_unref(fs, o);
	if (dir)
		hv_obj_unref(fs, dir);
}

/* Only folders whose kind has a mkdir hook (snapshots/) make objects. */
static void
op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	HvFs *fs = fs_of(req);
	g_autoptr(GError) err = NULL;
	unsigned idx;
	HvObj *dir = hv_ino_resolve(fs, parent, &idx), *o = NULL;
	int r = dir ? 0 : -ENOENT;

	if (r == 0 && (fs->readonly || idx != 0 || !hv_dir_ops[dir->kind]->mkdir))
		r = fs->readonly ? -EROFS : -EPERM;
	else if (r == 0 && hv_name_check("", name, NULL) < 0)
		r = -EINVAL;
	else if (r == 0 && find_child(fs, dir, name, &o) == 0)
		r = -EEXIST;
	else if (r == 0 && (r = hv_dir_ops[dir->kind]->mkdir(dir, name, &err)) < 0)
		hv_obj_fail(dir, "mkdir", r, err);
	else if (r == 0 && (r = find_child(fs, dir, name, &o)) == 0)
		reply_entry(req, fs, o, 0);
	if (r < 0)
		fuse_reply_err(req, -r);
	refs_drop(fs, dir, o);
}

static void
op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	fuse_reply_err(req, EPERM);
}

/* What rmdir, unlink and rename act on: the child name of the folder parent.
 * *dir and *o come back referenced (or NULL); the return is 0 or the errno
 * to answer: a read-only mount, the caller's own refusal (pre), a static file
 * (which no POSIX call removes or renames), no such child, or the node being
 * away. */
static int
name_target(HvFs *fs, fuse_ino_t parent, const char *name, int pre, HvObj **dir, HvObj **o)
{
	unsigned idx;

	*o = NULL;
	*dir = hv_ino_resolve(fs, parent, &idx);
	if (!*dir)
		return -ENOENT;
	if (fs->readonly)
		return -EROFS;
	if (pre < 0)
		return pre;
	if (hv_file_index(hv_dir_ops[(*dir)->kind], name) >= 0)
		return -EPERM;
	return find_child(fs, *dir, name, o);
}

/* Ends a name operation: one reply, then the references name_target took. */
static void
name_done(fuse_req_t req, HvFs *fs, HvObj *dir, HvObj *o, int r)
{
	fuse_reply_err(req, -r);
	refs_drop(fs, dir, o);
}

static void
op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	HvFs *fs = fs_of(req);
	HvObj *dir, *o;
	g_autoptr(GError) err = NULL;
	int r = name_target(fs, parent, name, 0, &dir, &o);

	if (r == 0 && !(hv_dir_is_collection(hv_dir_ops[dir->kind]) && hv_coll_removes(dir)))
		r = -ENOENT;
	else if (r == 0 && o->kind == DK_SCRATCH)
		r = -ENOTDIR;
	else if (r == 0 && (r = hv_coll_remove(dir, name, &err)) < 0)
		hv_obj_fail(o, "rmdir", r, err);
	name_done(req, fs, dir, o, r);
}

static void
op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	HvFs *fs = fs_of(req);
	HvObj *dir, *o;
	int r = name_target(fs, parent, name, 0, &dir, &o);

	if (r == 0 && o->kind != DK_SCRATCH) {
		r = -EISDIR;
	} else if (r == 0) {
		g_mutex_lock(&fs->lock);
		hv_obj_kill(fs, o);
		g_mutex_unlock(&fs->lock);
	}
	name_done(req, fs, dir, o, r);
}

static void
op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
	  const char *newname, unsigned int flags)
{
	HvFs *fs = fs_of(req);
	HvObj *dir, *o, *to = NULL;
	g_autoptr(GError) err = NULL;
	unsigned idx;
	int pre = flags & ~1u ? -EINVAL : 0; /* RENAME_NOREPLACE: a move never replaces */
	int r;

	/* between two nodes' domains/: a migration (move.c) */
	if (newparent != parent) {
		to = hv_ino_resolve(fs, newparent, &idx);
		dir = hv_ino_resolve(fs, parent, &idx);
		pre = pre ?: hv_move_check(dir, to, name, newname);
		if (dir)
			hv_obj_unref(fs, dir);
	} else if (flags) {
		pre = -EINVAL;
	}
	r = name_target(fs, parent, name, pre, &dir, &o);
	if (r == 0 && to && o->kind == DK_SCRATCH)
		r = -EXDEV;
	else if (r == 0 && to && (r = hv_move_domain(o, to, &err)) < 0)
		hv_obj_fail(o, "mv", r, err);
	else if (r == 0 && !to && o->kind != DK_SCRATCH && (r = hv_rename_check(dir, o)) == 0 &&
		 (r = hv_rename_domain(o, newname, &err)) < 0)
		hv_obj_fail(o, "mv", r, err);
	else if (r == 0 && !to && o->kind == DK_SCRATCH)
		r = hv_scratch_rename(fs, dir, o, newname);
	else if (r == 0 && !to) {
		fuse_reply_err(req, 0);
		hv_rename_done(o, newname);
		req = NULL;
	}
	if (r == 0 && to) {
		fuse_reply_err(req, 0);
		hv_move_done(o, to);
		req = NULL;
	}
	if (req)
		fuse_reply_err(req, -r);
	if (o)
		hv_obj_unref(fs, o);
	if (dir)
		hv_obj_unref(fs, dir);
	if (to)
		hv_obj_unref(fs, to);
}

static void
op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	  struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *dir = hv_ino_req(req, parent, &idx), *o = NULL;
	struct fuse_entry_param e = { 0 };
	int r;

	if (!dir)
		return;
	r = hv_scratch_create(fs, dir, name, &o);
	if (r == 0)
		r = hv_scratch_open(fs, o, fi);
	if (r == 0)
		r = hv_ino_entry(fs, o, 0, &e);
	if (r < 0) {
		fuse_reply_err(req, -r);
	} else {
		hv_ino_take(fs, o, 0, &e.attr);
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
	/* a volume's data is read by splice from its file (fs/data.c) */
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE;
	/* volume data (fs/data.c) moves in 1 MiB requests, not 128 KiB: libfuse
	 * asks the kernel for the pages (FUSE_MAX_PAGES); reads in what one
	 * splice can answer (max_read, the same as the mount option: main.c) */
	conn->max_write = HV_DATA_BLKSIZE;
	conn->max_readahead = HV_DATA_BLKSIZE;
	conn->max_read = ((HvFs *)userdata)->max_read;
	/* READDIRPLUS_AUTO stays: with every chunk a readdirplus, a cold glob
	 * over domains/ looks up no folder (3.0 requests per state instead of
	 * 3.9), but a plain `ls domains` of 10,000 costs 2.4x (bench/README.md). */
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
