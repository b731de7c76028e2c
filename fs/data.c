/* data.c: volume content as files. A volume's `data` file is its content:
 * reading streams a download (virStorageVolDownload), writing an upload
 * (virStorageVolUpload), both from the offset of each read or write, so tools
 * that seek (cp --sparse, dd seek=) are followed. A copy into volumes/ whose
 * content is not a <volume> document (its first write is not at offset 0, or
 * its first non-blank byte is not '<') makes a volume of the copy's name,
 * format qcow2 when the content starts with qcow2's magic, else raw, and
 * uploads into it, growing it as it comes (pools of files); a copy that fails
 * deletes that volume again. A download whose stream has a descriptor (a
 * local file or device) is answered by splice from it, one copy into the
 * reader's pages; the others (libraries, RPC) are read into a buffer.
 * Called from io.c and scratch.c; the stream is the handle's, under its own
 * lock, since a stream call may take long and must not hold the tree's
 * lock. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "fs/files.h"
#include "fs/io.h"
#include "drivers/conn.h"
#include "drivers/voldata.h"

#define DATA_READ_MAX (1u << 20)

struct HvDataHandle {
	GMutex lock;
	HvDataStream *s;
	HvConn *conn;
	char *pool, *name;
	HvObj *fail_obj;   /* where failures go (the volume, or node/error) */
	char *fail_file;   /* ... under this name */
	bool upload;
	bool made;         /* a copy made the volume: delete it unless finished */
	bool dirty;
	bool synced;       /* a close(2) after writes made them durable */
	int err;           /* the first failure, answered again at close */
};

static HvDataHandle *
handle_new(HvConn *c, const char *pool, const char *name, bool upload)
{
	HvDataHandle *d = g_new0(HvDataHandle, 1);

	g_mutex_init(&d->lock);
	d->conn = c;
	d->pool = g_strdup(pool);
	d->name = g_strdup(name);
	d->upload = upload;
	return d;
}

static int
fail(HvDataHandle *d, int r, const GError *err)
{
	if (!d->err)
		d->err = r;
	return hv_obj_fail(d->fail_obj, d->fail_file, r, err);
}

static int
open_stream(HvDataHandle *d, unsigned flags, GError **err)
{
	return d->upload ? HV_CALL(d->conn, volume, upload, HV_WRITES, err, d->pool, d->name, 0, 0,
				   flags, &d->s)
			 : HV_CALL(d->conn, volume, download, HV_READS, err, d->pool, d->name, 0,
				   0, flags, &d->s);
}

int
hv_data_open(HvFs *fs, HvObj *o, const char *file, struct fuse_file_info *fi, FileHandle *h)
{
	int acc = fi->flags & O_ACCMODE;
	g_autofree char *pool = hv_obj_pool_dup(fs, o);
	g_autoptr(GError) err = NULL;
	HvDataHandle *d;
	int r;

	if (acc == O_RDWR || (fi->flags & O_APPEND))
		return hv_obj_fail(o, file, -EINVAL,
				   (err = g_error_new(HV_ERROR, EINVAL,
						      "data is read (download) or written "
						      "(upload), not both, and not appended to")));
	d = handle_new(o->node->conn, pool, o->name, acc == O_WRONLY);
	d->fail_obj = o;
	d->fail_file = g_strdup(file);
	if ((r = open_stream(d, 0, &err)) < 0) {
		hv_data_close(d);
		return hv_obj_fail(o, file, r, err);
	}
	h->data = d;
	fi->direct_io = 1;
	if (acc == O_RDONLY)
		fi->noflush = 1;
	return 0;
}

/* What a copy's first bytes say: 1 content, 0 a document. */
int
hv_data_is_content(const char *buf, size_t size, off_t off)
{
	size_t k = 0;

	if (off != 0)
		return 1;
	if (size >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		k = 3; /* a UTF-8 byte order mark */
	while (k < size && strchr(" \t\r\n", buf[k]))
		k++;
	return k < size && buf[k] != '<';
}

/* The volume document a copy of content makes: qcow2 by its magic (with the
 * virtual size of its header), else raw, growing as it is written. */
static char *
content_doc(const char *name, const char *buf, size_t size)
{
	g_autofree char *ename = g_markup_escape_text(name, -1);
	uint64_t cap = 0;
	bool qcow2 = size >= 32 && !memcmp(buf, "QFI\xfb", 4);

	if (qcow2)
		for (int k = 24; k < 32; k++)
			cap = cap << 8 | (unsigned char)buf[k];
	/* a raw copy's size is not known before it ends: the volume starts at
	 * one byte, its upload replaces that and grows it (file volumes); a
	 * volume of fixed size (a partition, an LV) is made first instead */
	cap = MAX(cap, 1);
	return g_strdup_printf("<volume><name>%s</name><capacity unit='bytes'>%" G_GUINT64_FORMAT
			       "</capacity><allocation unit='bytes'>0</allocation><target>"
			       "<format type='%s'/></target></volume>",
			       ename, cap, qcow2 ? "qcow2" : "raw");
}

int
hv_data_make(HvObj *dir, const char *name, const char *buf, size_t size, HvDataHandle **out)
{
	HvFs *fs = dir->node->fs;
	g_autofree char *pool = hv_obj_pool_dup(fs, dir);
	g_autofree char *doc = content_doc(name, buf, size);
	g_autofree char *made = NULL;
	g_autoptr(GError) err = NULL;
	HvDataHandle *d = handle_new(dir->node->conn, pool, name, true);
	int r;

	d->fail_obj = dir->node->nodeinfo;
	d->fail_file = g_strdup_printf("volumes/%s", name);
	r = HV_CALL(d->conn, volume, create_xml, HV_WRITES, &err, pool, doc, &made);
	if (r == 0) {
		d->made = true;
		r = open_stream(d, HV_UPLOAD_REPLACE, &err);
	}
	if (r < 0) {
		fail(d, r, err);
		hv_data_close(d);
		return r;
	}
	*out = d;
	return 0;
}

unsigned
hv_data_max_read(void)
{
	int p[2];
	int got = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return HV_DATA_BLKSIZE / 2;
	/* a pipe beyond /proc/sys/fs/pipe-max-size needs CAP_SYS_RESOURCE */
	for (unsigned sz = 2 * HV_DATA_BLKSIZE; sz >= 64 * 1024 && got <= 0; sz /= 2)
		got = fcntl(p[0], F_SETPIPE_SZ, (int)sz);
	close(p[0]);
	close(p[1]);
	return got > 0 ? MIN(HV_DATA_BLKSIZE, (unsigned)got / 2) : 32 * 1024;
}

/* A read answered from the stream's descriptor (a local file or device),
 * spliced by libfuse from it into the reader's pages: one copy, as a plain
 * read of the file makes. Called with the lock held; it is let go before the
 * reply, since a release may free the handle as soon as the reader has its
 * bytes (the descriptor stays open until then: no release comes while a read
 * waits). -ENOTSUP (the lock still held) when the stream has no descriptor. */
static gssize
read_spliced(fuse_req_t req, HvDataHandle *d, size_t size, GError **err)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(0);
	off_t pos = 0;
	int fd = -1;
	gssize n;

	if (!d->s->ops->span || (n = d->s->ops->span(d->s, size, &fd, &pos, err)) == -ENOTSUP)
		return -ENOTSUP;
	g_mutex_unlock(&d->lock);
	if (n < 0)
		return n;
	bv.buf[0] = (struct fuse_buf){ .size = (size_t)n, .fd = fd, .pos = pos,
				       .flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK };
	fuse_reply_data(req, &bv, 0);
	return n;
}

void
hv_data_read(fuse_req_t req, HvDataHandle *d, size_t size, off_t off)
{
	g_autofree char *buf = NULL;
	g_autoptr(GError) err = NULL;
	size_t got = 0;
	gssize n = 0;

	size = MIN(size, (size_t)DATA_READ_MAX);
	g_mutex_lock(&d->lock);
	d->s->offset = (uint64_t)off;
	if ((n = read_spliced(req, d, size, &err)) != -ENOTSUP) {
		if (n < 0) {
			fail(d, (int)n, err);
			fuse_reply_err(req, (int)-n);
		}
		return;
	}
	n = 0;
	buf = g_malloc(size);
	while (got < size && (n = d->s->ops->read(d->s, buf + got, size - got, &err)) > 0)
		got += (size_t)n;
	g_mutex_unlock(&d->lock);
	if (n < 0 && got == 0) {
		fail(d, (int)n, err);
		fuse_reply_err(req, (int)-n);
		return;
	}
	fuse_reply_buf(req, buf, got);
}

int
hv_data_write(HvDataHandle *d, const char *buf, size_t size, off_t off)
{
	g_autoptr(GError) err = NULL;
	int r;

	g_mutex_lock(&d->lock);
	if (d->err) {
		r = d->err; /* reported already */
	} else {
		d->s->offset = (uint64_t)off;
		r = d->s->ops->write(d->s, buf, size, &err);
		d->dirty = true;
	}
	g_mutex_unlock(&d->lock);
	if (r < 0 && err)
		fail(d, r, err);
	return r;
}

/* ftruncate: an upload's volume grows to size (a copy whose end is a hole);
 * anything else keeps the volume's size (`cp x data` truncates first). */
int
hv_data_truncate(HvDataHandle *d, uint64_t size)
{
	g_autoptr(GError) err = NULL;
	int r = 0;

	if (!d || !d->upload)
		return 0;
	g_mutex_lock(&d->lock);
	if (!d->err && size > 0)
		r = hv_voldata_grow(d->s, size, &err);
	g_mutex_unlock(&d->lock);
	return r < 0 ? fail(d, r, err) : 0;
}

/* A close(2) after writes: they are made durable and the volume's facts read
 * again, so close reports a failure; the upload itself ends at the last
 * close (release), since a shell's `exec 3>data; cmd >&3` closes a copy of
 * the descriptor before more writes come. */
int
hv_data_flush(HvDataHandle *d)
{
	g_autoptr(GError) err = NULL;
	int r = 0;

	g_mutex_lock(&d->lock);
	if (d->err)
		r = d->err;
	else if (d->upload && d->dirty) {
		d->dirty = false;
		if ((r = hv_voldata_sync(d->s, &err)) == 0)
			d->synced = true;
	}
	g_mutex_unlock(&d->lock);
	if (r < 0 && err)
		return fail(d, r, err);
	return r;
}

/* The last close: the stream ends (its job with it). A copy that made its
 * volume and failed, or never closed cleanly, takes the volume away again. */
void
hv_data_close(HvDataHandle *d)
{
	if (!d)
		return;
	if (d->s)
		d->s->ops->close(d->s);
	if (d->made && (!d->synced || d->err || d->dirty))
		HV_CALL(d->conn, volume, delete, HV_WRITES, NULL, d->pool, d->name);
	g_free(d->pool);
	g_free(d->name);
	g_free(d->fail_file);
	g_mutex_clear(&d->lock);
	g_free(d);
}
