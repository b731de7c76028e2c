/* io.c: open files. A read serves a snapshot taken at open (each open its
 * own, so slow files are read once per open; versions of small files stay in
 * the kernel's page cache, inode.c); streams park their reads (stream.c).
 * Control files act in write(2); XML documents are buffered and committed in
 * flush(2), so close() reports a bad document. Temporary files that tools
 * create are in scratch.c. */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include "fs/files.h"
#include "fs/inode.h"
#include "fs/io.h"

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

/* The first page-cache open of a version pushes its content into the inode's
 * page cache before the open is answered (the inode exists: the kernel is
 * opening it), so the reader's read(2) finds it there and costs no READ round
 * trip. A version's content never changes, so the pages can never be stale; if
 * the kernel refuses or later drops them, the read asks as before. */
static void
store_pages(HvFs *fs, fuse_ino_t ino, const GString *content)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(content->len);

	bv.buf[0].mem = content->str;
	fuse_lowlevel_notify_store(fs->se, ino, 0, &bv, 0);
}

static int
open_file(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino, struct fuse_file_info *fi,
	  FileHandle *h)
{
	const FileDef *fd = &hv_dir_ops[o->kind]->files[idx - 1];
	int acc = fi->flags & O_ACCMODE;
	g_autoptr(GError) err = NULL;
	bool store;
	int r;

	h->fd = fd;
	if (fd->flags & F_DIR)
		return -EISDIR;
	if (acc != O_RDONLY && fs->readonly)
		return -EROFS;
	if (fd->flags & F_DATA)
		return hv_data_open(fs, o, fd->name, fi, h);
	if (acc != O_RDONLY && !(fd->flags & (F_WRITE | F_XML)))
		return -EACCES;
	if (acc != O_WRONLY && !fd->read && !(fd->flags & (F_STREAM | F_CONSOLE)))
		return -EACCES; /* write-only (a secret's value): never read */
	if (fd->flags & (F_STREAM | F_CONSOLE)) {
		h->stream = (fd->flags & F_STREAM) ? hv_events_open(o->node, fi->flags & O_NONBLOCK)
						   : hv_console_open(o, fi->flags & O_NONBLOCK);
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
		r = hv_ver_open_write(fs, o, idx, ino);
		h->ver_writer = r == 0 && hv_ver_is(o, idx);
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
	 * a reader races a writer (tests/test_cache.py). Versions of small files
	 * that still hold what the driver says (inode.c) are the exception. A
	 * read-only open skips the flush round trip. */
	if (acc == O_RDONLY && !h->wbuf && hv_ver_match(fs, o, idx, ino, h->content, &store)) {
		fi->keep_cache = 1;
		if (store)
			store_pages(fs, ino, h->content);
	} else
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
	HvObj *o = hv_ino_req(req, ino, &idx);
	FileHandle *h;
	int r;

	if (!o)
		return;
	if (o->kind == DK_SCRATCH) {
		r = hv_scratch_open(fs, o, fi);
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

	if (h->stream) {
		hv_stream_read(h->stream, req, size);
	} else if (h->data) {
		hv_data_read(req, h->data, size, off);
	} else if (!h->fd) {
		g_mutex_lock(&fs->lock);
		reply_slice(req, h->o->data, size, off);
		g_mutex_unlock(&fs->lock);
	} else if (h->wbuf) {
		g_mutex_lock(&fs->lock); /* a write on another thread may grow it */
		reply_slice(req, h->wbuf, size, off);
		g_mutex_unlock(&fs->lock);
	} else if (h->content) {
		reply_slice(req, h->content, size, off);
	} else {
		fuse_reply_err(req, EBADF);
	}
}

int
hv_io_buf_write(GString *b, const char *buf, size_t size, off_t off)
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

void
hv_io_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
	    struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	FileHandle *h = fh_of(fi);
	g_autoptr(GError) err = NULL;
	int r;

	if (h->stream && (h->fd->flags & F_CONSOLE)) {
		r = hv_console_write(h->stream, h->o, buf, size);
		if (r >= 0) {
			fuse_reply_write(req, (size_t)r);
			return;
		}
	} else if (h->data && h->fd) {
		r = hv_data_write(h->data, buf, size, off);
	} else if (!h->fd) {
		r = hv_scratch_write(fs, h, buf, size, off);
	} else if (h->wbuf) {
		g_mutex_lock(&fs->lock); /* the buffer and its flags */
		r = hv_io_buf_write(h->wbuf, buf, size, off);
		h->oversize |= r < 0;
		h->dirty = true;
		g_mutex_unlock(&fs->lock);
		if (r < 0)
			hv_obj_fail(h->o, h->fd->name, r,
				    (err = g_error_new(HV_ERROR, EFBIG,
						       "document is larger than %u bytes",
						       HV_DOC_MAX)));
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

int
hv_io_commit_config(HvObj *o, const char *buf, size_t len)
{
	int i = hv_file_index(hv_dir_ops[o->kind], "config.xml");
	const FileDef *fd;
	g_autoptr(GError) err = NULL;
	int r;

	if (i < 0 || !hv_dir_ops[o->kind]->files[i].commit)
		return -EPERM;
	fd = &hv_dir_ops[o->kind]->files[i];
	r = fd->commit(o, buf, len, &err); /* sizes are checked by hv_files_same_name */
	return r < 0 ? hv_obj_fail(o, fd->name, r, err) : 0;
}

/* Commits a copy: the driver is called without the lock, while another
 * thread's write may grow the buffer. */
static int
commit_wbuf(HvFs *fs, FileHandle *h)
{
	g_autofree char *doc = NULL;
	size_t len;

	g_mutex_lock(&fs->lock);
	len = h->wbuf->len;
	doc = g_strndup(h->wbuf->str, len);
	g_mutex_unlock(&fs->lock);
	return hv_io_commit_config(h->o, doc, len);
}

void
hv_io_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	FileHandle *h = fh_of(fi);
	bool dirty, oversize;
	int r = 0;

	if (!h->fd) {
		fuse_reply_err(req, -hv_scratch_flush(fs, h));
		return;
	}
	if (h->data) {
		fuse_reply_err(req, -hv_data_flush(h->data));
		return;
	}
	g_mutex_lock(&fs->lock); /* a write on another thread sets them */
	dirty = h->dirty;
	oversize = h->oversize;
	h->dirty = false;
	h->committed |= dirty;
	g_mutex_unlock(&fs->lock);
	if (dirty && oversize) {
		r = -EFBIG; /* already reported in write(2); nothing changes */
	} else if (dirty) {
		if (h->wbuf)
			r = commit_wbuf(fs, h);
		if (r == 0)
			hv_events_wait_settled(h->o->node, 200);
	}
	fuse_reply_err(req, -r);
}

void
hv_io_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	FileHandle *h = fh_of(fi);

	if (h->stream)
		hv_stream_close(h->stream);
	hv_data_close(h->data);
	if (h->content)
		g_string_free(h->content, TRUE);
	if (h->wbuf)
		g_string_free(h->wbuf, TRUE);
	if (h->ver_writer)
		hv_ver_close_write(fs, h->o, h->idx);
	if (!h->fd)
		hv_scratch_release(fs, h);
	hv_obj_unref(fs, h->o);
	g_free(h);
	fuse_reply_err(req, 0);
}

void
hv_io_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	FileHandle *h = fh_of(fi);

	if (h->stream) {
		hv_stream_poll(h->stream, req, ph);
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

	if (h && h->data)
		return hv_data_truncate(h->data, size);
	if (o->kind == DK_SCRATCH)
		return hv_scratch_truncate(fs, o, size);
	if (idx == 0)
		return -EISDIR;
	if (hv_dir_ops[o->kind]->files[idx - 1].flags & F_DATA)
		return 0; /* `cp x data` truncates first: the volume keeps its size */
	if (h && h->wbuf) {
		if (size > HV_DOC_MAX)
			return -EFBIG;
		g_mutex_lock(&fs->lock);
		g_string_set_size(h->wbuf, size);
		h->dirty = true;
		g_mutex_unlock(&fs->lock);
		return 0;
	}
	if (hv_dir_ops[o->kind]->files[idx - 1].flags & F_WRITE)
		return 0; /* `echo verb > state` truncates first: nothing to do */
	return hv_dir_ops[o->kind]->files[idx - 1].flags & F_XML ? -EINVAL : -EACCES;
}
