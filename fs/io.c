/* io.c: open files. Reads serve a snapshot taken at open (kept in the kernel's
 * page cache until an event invalidates it). Control files act in write(2);
 * XML documents are buffered and committed in flush(2), so close() reports a
 * bad document. Temporary files that tools create (sed -i, cp into a folder)
 * are scratch objects: renaming one over config.xml, or closing one copied into
 * a collection, commits it. */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include "fs/files.h"
#include "fs/io.h"
#include "util/names.h"
#include "util/parse.h"

#define SCRATCH_MAX 32 /* temporary files per folder */

typedef struct {
	HvObj *o;
	unsigned idx;
	const FileDef *fd; /* NULL for scratch files */
	GString *content;  /* read snapshot */
	GString *wbuf;     /* F_XML writes */
	bool dirty;
	bool committed;
	bool oversize; /* a write went past the document limit: never commit */
	bool ver_writer; /* counted as a writer of a versioned file (ops.c) */
	EvReader *ev;
	ConReader *con; /* F_CONSOLE */
} FileHandle;

static HvFs *
fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static FileHandle *
fh_of(struct fuse_file_info *fi)
{
	return (FileHandle *)(uintptr_t)fi->fh;
}

static int
open_file(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino, struct fuse_file_info *fi,
	  FileHandle *h)
{
	const FileDef *fd = &hv_dir_ops[o->kind]->files[idx - 1];
	int acc = fi->flags & O_ACCMODE;
	g_autoptr(GError) err = NULL;
	int r;

	h->fd = fd;
	if (fd->flags & F_DIR)
		return -EISDIR;
	if (acc != O_RDONLY && fs->readonly)
		return -EROFS;
	if (acc != O_RDONLY && !(fd->flags & (F_WRITE | F_XML)))
		return -EACCES;
	if (fd->flags & F_STREAM) {
		h->ev = hv_events_open(o->node, fi->flags & O_NONBLOCK);
		fi->direct_io = 1;
		fi->nonseekable = 1;
		return 0;
	}
	if (fd->flags & F_CONSOLE) {
		h->con = hv_console_open(o, fi->flags & O_NONBLOCK);
		fi->direct_io = 1;
		fi->nonseekable = 1;
		return 0;
	}
	if ((fd->flags & F_WRITE) && acc != O_RDONLY && (fi->flags & O_APPEND))
		return hv_obj_fail(o, fd->name, -EINVAL,
				   (err = g_error_new(HV_ERROR, EINVAL,
						      "control files take whole values: "
						      "append (>>) is not supported")));
	if ((fd->flags & F_XML) && acc != O_RDONLY) {
		/* committed at the first close after a write: a shell's `>` opens,
		 * dup2()s and closes once before the command writes anything */
		h->wbuf = g_string_new(NULL);
		fi->direct_io = 1;
		if (fi->flags & O_TRUNC)
			return 0;
	} else if (acc != O_RDONLY) {
		fi->direct_io = 1; /* a control write must not land in the page cache */
		r = hv_ops_ver_open_write(fs, o, idx, ino);
		h->ver_writer = r == 0 && hv_ops_versioned(o, idx);
		return r;
	}
	h->content = g_string_new(NULL);
	r = fd->read(o, h->content, &err);
	if (r < 0)
		return r == -ENOENT ? r : hv_obj_fail(o, fd->name, r, err);
	if (h->wbuf)
		g_string_assign(h->wbuf, h->content->str);
	/* Files that change are read directly: a page cache filled under a size
	 * the kernel cached a moment earlier tears "paused\n" into "running" when
	 * a reader races a writer (tests/test_cache.py). Files that never change,
	 * and versions of small files that still hold what the driver says
	 * (ops.c), are the exception. A read-only open skips the flush round
	 * trip. */
	if ((fd->flags & F_CACHE) ||
	    (acc == O_RDONLY && !h->wbuf && hv_ops_ver_match(fs, o, idx, ino, h->content)))
		fi->keep_cache = 1;
	else
		fi->direct_io = 1;
	if (acc == O_RDONLY)
		fi->noflush = 1;
	return 0;
}

void
hv_io_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *o = hv_ops_resolve(fs, ino, &idx);
	FileHandle *h;
	int r;

	if (!o) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (o->kind == DK_SCRATCH) {
		r = hv_io_open_scratch(fs, o, fi);
	} else if (idx == 0) {
		r = -EISDIR;
	} else {
		h = g_new0(FileHandle, 1);
		h->o = o;
		h->idx = idx;
		r = open_file(fs, o, idx, ino, fi, h);
		if (r == 0) {
			fi->fh = (uintptr_t)h;
			o = NULL; /* the handle keeps the reference */
		} else {
			if (h->content)
				g_string_free(h->content, TRUE);
			if (h->wbuf)
				g_string_free(h->wbuf, TRUE);
			g_free(h);
		}
	}
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_open(req, fi);
	if (o)
		hv_obj_unref(fs, o);
}

int
hv_io_open_scratch(HvFs *fs, HvObj *o, struct fuse_file_info *fi)
{
	FileHandle *h = g_new0(FileHandle, 1);

	if ((fi->flags & O_ACCMODE) != O_RDONLY && fs->readonly) {
		g_free(h);
		return -EROFS;
	}
	hv_obj_ref(fs, o);
	h->o = o;
	if (fi->flags & O_TRUNC) {
		g_mutex_lock(&fs->lock);
		g_string_truncate(o->data, 0);
		g_mutex_unlock(&fs->lock);
	}
	fi->direct_io = 1;
	fi->fh = (uintptr_t)h;
	return 0;
}

/* Replies from a copy: the kernel wakes the reader inside writev(), so a
 * release of this handle may free the snapshot before writev() returns. */
static void
reply_slice(fuse_req_t req, const GString *s, size_t size, off_t off)
{
	g_autofree char *copy = NULL;
	size_t n;

	if ((size_t)off >= s->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	n = MIN(size, s->len - (size_t)off);
	copy = g_memdup2(s->str + off, n);
	fuse_reply_buf(req, copy, n);
}

void
hv_io_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	FileHandle *h = fh_of(fi);

	if (h->ev) {
		hv_events_read(h->ev, req, size);
	} else if (h->con) {
		hv_console_read(h->con, req, size);
	} else if (!h->fd) {
		g_mutex_lock(&fs->lock);
		reply_slice(req, h->o->data, size, off);
		g_mutex_unlock(&fs->lock);
	} else if (h->wbuf) {
		reply_slice(req, h->wbuf, size, off);
	} else if (h->content) {
		reply_slice(req, h->content, size, off);
	} else {
		fuse_reply_err(req, EBADF);
	}
}

/* Writes into a document buffer at an offset, within the document limit. */
static int
buf_write(GString *b, const char *buf, size_t size, off_t off)
{
	if (off < 0 || (uint64_t)off + size > HV_DOC_MAX)
		return -EFBIG;
	if ((size_t)off > b->len) {
		size_t old = b->len;

		g_string_set_size(b, (gsize)off);
		memset(b->str + old, 0, (size_t)off - old);
	}
	if ((size_t)off + size > b->len)
		g_string_set_size(b, (gsize)off + size);
	memcpy(b->str + off, buf, size);
	return 0;
}

static int
control_write(HvObj *o, const FileDef *fd, const char *buf, size_t size, off_t off)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *tok = NULL;
	int r;

	if (off != 0)
		r = hv_error_set(&err, EINVAL, "write the whole value at offset 0 (got offset %lld)",
				 (long long)off);
	else if (size > HV_CTL_MAX)
		r = hv_error_set(&err, EINVAL, "value too long (%zu bytes; at most %d)", size,
				 HV_CTL_MAX);
	else if (!(tok = hv_parse_token(buf, size, &err)))
		r = -EINVAL;
	else
		r = fd->write(o, tok, &err);
	return r < 0 ? hv_obj_fail(o, fd->name, r, err) : 0;
}

/* A temporary file's failure belongs to its folder: node/error for a copy into
 * a collection, else the object whose folder it sits in. */
static void
scratch_fail(HvObj *o, int r)
{
	g_autoptr(GError) err = g_error_new(HV_ERROR, -r, "document is larger than %u bytes",
					    HV_DOC_MAX);
	HvObj *dir = o->parent;
	g_autofree char *what = g_strdup_printf("%s/%s", dir ? dir->name : "", o->name);

	if (!dir)
		return;
	if (o->commit_on_close)
		hv_obj_fail(dir->node->nodeinfo, what, r, err);
	else
		hv_obj_fail(dir, o->name, r, err);
}

void
hv_io_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
	    struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	FileHandle *h = fh_of(fi);
	g_autoptr(GError) err = NULL;
	int r;

	if (h->con) {
		r = hv_console_write(h->con, h->o, buf, size);
		if (r >= 0) {
			fuse_reply_write(req, (size_t)r);
			return;
		}
	} else if (!h->fd) {
		g_mutex_lock(&fs->lock);
		r = buf_write(h->o->data, buf, size, off);
		g_mutex_unlock(&fs->lock);
		if (r < 0 && !h->oversize)
			scratch_fail(h->o, r);
		h->oversize |= r < 0;
		h->dirty = true;
	} else if (h->wbuf) {
		r = buf_write(h->wbuf, buf, size, off);
		if (r < 0) {
			h->oversize = true;
			hv_obj_fail(h->o, h->fd->name, r,
				    (err = g_error_new(HV_ERROR, EFBIG,
						       "document is larger than %u bytes",
						       HV_DOC_MAX)));
		}
		h->dirty = true;
	} else if (h->fd->write) {
		r = control_write(h->o, h->fd, buf, size, off);
		if (r == 0) /* so that `stat` right after `echo` sees the new size */
			hv_events_wait_settled(h->o->node, 200);
	} else {
		r = -EBADF;
	}
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_write(req, size);
}

/* Commits a document to the object's config.xml. */
static int
commit_config(HvObj *o, const char *buf, size_t len)
{
	int i = hv_ops_static_index(hv_dir_ops[o->kind], "config.xml");
	const FileDef *fd;
	g_autoptr(GError) err = NULL;
	int r;

	if (i < 0 || !hv_dir_ops[o->kind]->files[i].commit)
		return -EPERM;
	fd = &hv_dir_ops[o->kind]->files[i];
	r = fd->commit(o, buf, len, &err); /* sizes are checked by hv_files_same_name */
	return r < 0 ? hv_obj_fail(o, fd->name, r, err) : 0;
}

/* Defines the object in a document copied into a collection. */
static int
commit_define(HvObj *dir, const char *buf, size_t len, const char *file)
{
	g_autoptr(GError) err = NULL;
	int r = hv_files_define(dir, buf, len, &err);

	if (r < 0) {
		g_autofree char *what = g_strdup_printf("%s/%s", dir->name, file);

		hv_obj_fail(dir->node->nodeinfo, what, r, err);
	}
	return r;
}

static int
flush_scratch(HvFs *fs, HvObj *o)
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
	/* copied into a collection: the file never stays */
	hv_obj_kill(fs, o);
	g_mutex_unlock(&fs->lock);
	if (!dir)
		return 0;
	r = commit_define(dir, data, len, o->name);
	hv_obj_unref(fs, dir);
	return r;
}

void
hv_io_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	FileHandle *h = fh_of(fi);
	int r = 0;

	if (h->dirty && h->oversize) {
		h->dirty = false;
		h->committed = true;
		r = -EFBIG; /* already reported in write(2); nothing changes */
		if (!h->fd && h->o->commit_on_close) {
			g_mutex_lock(&fs->lock);
			hv_obj_kill(fs, h->o);
			g_mutex_unlock(&fs->lock);
		}
	} else if (h->dirty) {
		h->dirty = false;
		h->committed = true;
		if (!h->fd && h->o->commit_on_close)
			r = flush_scratch(fs, h->o);
		else if (h->wbuf)
			r = commit_config(h->o, h->wbuf->str, h->wbuf->len);
		if (r == 0 && h->o->node)
			hv_events_wait_settled(h->o->node, 200);
	}
	fuse_reply_err(req, -r);
}

void
hv_io_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	FileHandle *h = fh_of(fi);

	if (h->ev)
		hv_events_close(h->ev);
	if (h->con)
		hv_console_close(h->con);
	if (h->content)
		g_string_free(h->content, TRUE);
	if (h->wbuf)
		g_string_free(h->wbuf, TRUE);
	if (h->ver_writer)
		hv_ops_ver_close_write(fs, h->o, h->idx);
	if (!h->fd && h->o->commit_on_close && !h->committed) {
		g_mutex_lock(&fs->lock);
		hv_obj_kill(fs, h->o); /* never flushed: leave nothing behind */
		g_mutex_unlock(&fs->lock);
	}
	hv_obj_unref(fs, h->o);
	g_free(h);
	fuse_reply_err(req, 0);
}

void
hv_io_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	FileHandle *h = fh_of(fi);

	if (h->ev) {
		hv_events_poll(h->ev, req, ph);
		return;
	}
	if (h->con) {
		hv_console_poll(h->con, req, ph);
		return;
	}
	if (ph)
		fuse_pollhandle_destroy(ph);
	fuse_reply_poll(req, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
}

int
hv_io_truncate(HvFs *fs, HvObj *o, unsigned idx, struct fuse_file_info *fi, size_t size)
{
	FileHandle *h = fi ? fh_of(fi) : NULL;

	if (o->kind == DK_SCRATCH) {
		if (size > HV_DOC_MAX)
			return -EFBIG;
		g_mutex_lock(&fs->lock);
		g_string_set_size(o->data, size);
		g_mutex_unlock(&fs->lock);
		return 0;
	}
	if (idx == 0)
		return -EISDIR;
	if (h && h->wbuf) {
		if (size > HV_DOC_MAX)
			return -EFBIG;
		g_string_set_size(h->wbuf, size);
		h->dirty = true;
		return 0;
	}
	if (hv_dir_ops[o->kind]->files[idx - 1].flags & F_WRITE)
		return 0; /* `echo verb > state` truncates first: nothing to do */
	return hv_dir_ops[o->kind]->files[idx - 1].flags & F_XML ? -EINVAL : -EACCES;
}

int
hv_io_create_scratch(HvFs *fs, HvObj *dir, const char *name, HvObj **out)
{
	const DirOps *ops = hv_dir_ops[dir->kind];
	HvObj *o;

	if (fs->readonly)
		return -EROFS;
	if (!ops->scratch)
		return -EACCES;
	if (hv_ops_static_index(ops, name) >= 0)
		return -EEXIST;
	if (!*name || strchr(name, '/') || strlen(name) > HV_NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	if (ops->exists && ops->exists(dir, name, NULL) == 0)
		return -EEXIST;
	g_mutex_lock(&fs->lock);
	if (g_hash_table_lookup(dir->children, name)) {
		g_mutex_unlock(&fs->lock);
		return -EEXIST;
	}
	if (g_hash_table_size(dir->children) >= SCRATCH_MAX && !ops->list) {
		g_mutex_unlock(&fs->lock);
		return -ENOSPC;
	}
	o = hv_obj_new(fs, DK_SCRATCH, dir->node, dir, name);
	o->data = g_string_new(NULL);
	o->commit_on_close = ops->create && name[0] != '.';
	g_hash_table_insert(dir->children, o->name, o);
	o->refs++;
	g_mutex_unlock(&fs->lock);
	*out = o;
	return 0;
}

int
hv_io_rename_scratch(HvFs *fs, HvObj *dir, HvObj *o, const char *newname)
{
	const DirOps *ops = hv_dir_ops[dir->kind];
	g_autofree char *data = NULL;
	size_t len;
	int i = hv_ops_static_index(ops, newname), r;

	g_mutex_lock(&fs->lock);
	len = o->data->len;
	data = g_strndup(o->data->str, len);
	g_mutex_unlock(&fs->lock);
	if (i >= 0 && strcmp(newname, "config.xml") == 0)
		r = commit_config(dir, data, len);
	else if (i >= 0)
		return -EPERM;
	else if (ops->create)
		r = commit_define(dir, data, len, newname);
	else
		return -EPERM; /* scratch files only ever become documents */
	if (r == 0) {
		g_mutex_lock(&fs->lock);
		hv_obj_kill(fs, o);
		g_mutex_unlock(&fs->lock);
	}
	return r;
}
