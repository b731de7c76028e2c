/* storage_rbd_stream.c: an RBD image's content as a stream (upload,
 * download, clone and wipe of rbd volumes), over the pool's connection
 * (counted: the stream keeps it). rbd_read/rbd_write at the stream's offset,
 * so readers and writers that seek are followed. An upload may run past the
 * image's end: the image grows ahead in steps (a resize is a metadata
 * update, too dear for every 128 KiB write), and finish cuts it back to the
 * last byte written, or the size it had. A download keeps the next
 * RA_SLOTS chunks of RA_CHUNK bytes in flight (rbd_aio_read) ahead of a
 * reader that goes forward, as `rbd export` keeps its reads in flight; a
 * seek elsewhere starts the window anew there. */
#include <string.h>
#include "drivers/storage/storage_rbd.h"
#include "util/sync.h"

#define GROW_STEP (64ull << 20) /* bytes an upload grows its image ahead */
#define RA_CHUNK (4u << 20)       /* a read ahead: an RBD object of the default order */
#define RA_SLOTS 4

/* One read in flight or done: chunk idx of the image. */
typedef struct {
	uint64_t idx;
	char *buf;
	rbd_completion_t c; /* NULL: no read */
	ssize_t got;        /* after the wait: bytes, or -errno */
	bool waited;
} RaSlot;

typedef struct {
	StorageStream pub;
	RbdConn *conn;
	rbd_image_t img;
	char *what;         /* pool/image, for messages */
	bool upload;
	uint64_t size;      /* the image's size now */
	uint64_t size0;     /* ... when opened */
	uint64_t written;   /* one past the last byte written */
	bool grown;         /* the stream grew it ahead */
	RaSlot ra[RA_SLOTS]; /* download: chunk k is in ra[k % RA_SLOTS] */
	uint64_t ra_first;   /* the window: chunks ra_first .. ra_first + RA_SLOTS - 1 */
	bool ra_on;
} RbdStream;

static void
conn_free(RbdConn *c)
{
	if (c->io)
		rados_ioctx_destroy(c->io);
	if (c->cluster)
		rados_shutdown(c->cluster);
	g_free(c->pool);
	g_free(c->mon_host);
	g_free(c->user);
	g_free(c);
}

HV_REF_FNS(RbdConn, rbd_conn, conn_free)

int
rbd_fail(const char *pool, int r, GError **err, const char *fmt, ...)
{
	g_autofree char *what = NULL;
	int e = r < 0 ? -r : EIO;
	va_list ap;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return hv_error_set(err, e, "storage pool '%s': cannot %s: %s", pool, what,
			    g_strerror(e));
}

/* ---- the read-ahead window */

static void
slot_drop(RaSlot *sl)
{
	if (sl->c) {
		if (!sl->waited)
			rbd_aio_wait_for_complete(sl->c);
		rbd_aio_release(sl->c);
		sl->c = NULL;
	}
}

/* Chunk idx asked for into its slot (nothing past the end). */
static void
slot_issue(RbdStream *rs, uint64_t idx)
{
	RaSlot *sl = &rs->ra[idx % RA_SLOTS];
	uint64_t off = idx * RA_CHUNK;

	slot_drop(sl);
	sl->idx = idx;
	sl->waited = false;
	if (off >= rs->size)
		return;
	if (!sl->buf)
		sl->buf = g_malloc(RA_CHUNK);
	if (rbd_aio_create_completion(NULL, NULL, &sl->c) < 0) {
		sl->c = NULL;
		return;
	}
	if (rbd_aio_read(rs->img, off, (size_t)MIN((uint64_t)RA_CHUNK, rs->size - off), sl->buf,
			 sl->c) < 0) {
		rbd_aio_release(sl->c);
		sl->c = NULL;
	}
}

/* The window moved to start at chunk first: the chunks it left are let go,
 * the ones it reaches asked for; a jump elsewhere asks for all anew. */
static void
window_at(RbdStream *rs, uint64_t first)
{
	uint64_t from = first;

	if (rs->ra_on && first >= rs->ra_first && first < rs->ra_first + RA_SLOTS)
		from = rs->ra_first + RA_SLOTS;
	for (uint64_t k = from; k < first + RA_SLOTS; k++)
		slot_issue(rs, k);
	rs->ra_first = first;
	rs->ra_on = true;
}

/* Bytes of chunk idx at its offset rel, copied to buf (at most len): the
 * slot's when its read came, else a plain read. */
static ssize_t
window_read(RbdStream *rs, uint64_t off, void *buf, size_t len)
{
	uint64_t idx = off / RA_CHUNK, rel = off % RA_CHUNK;
	RaSlot *sl = &rs->ra[idx % RA_SLOTS];

	len = (size_t)MIN((uint64_t)len, RA_CHUNK - rel);
	if (sl->c && sl->idx == idx) {
		if (!sl->waited) {
			rbd_aio_wait_for_complete(sl->c);
			sl->got = rbd_aio_get_return_value(sl->c);
			sl->waited = true;
		}
		if (sl->got >= 0) {
			if (rel >= (uint64_t)sl->got)
				return 0;
			len = (size_t)MIN((uint64_t)len, (uint64_t)sl->got - rel);
			memcpy(buf, sl->buf + rel, len);
			return (ssize_t)len;
		}
	}
	return rbd_read(rs->img, off, len, buf); /* no slot, or its read failed */
}

static gssize
rs_read(StorageStream *s, void *buf, size_t len, GError **err)
{
	RbdStream *rs = (RbdStream *)s;
	size_t done = 0;

	if (s->offset >= s->end)
		return 0;
	len = (size_t)MIN((uint64_t)len, s->end - s->offset);
	while (done < len) {
		ssize_t n;

		window_at(rs, s->offset / RA_CHUNK);
		if ((n = window_read(rs, s->offset, (char *)buf + done, len - done)) < 0)
			return hv_error_set(err, (int)-n, "cannot read RBD image '%s': %s", rs->what,
					    g_strerror((int)-n));
		if (n == 0)
			break;
		s->offset += (uint64_t)n;
		done += (size_t)n;
	}
	return (gssize)done;
}

/* The image at least end bytes long, ahead by a step. */
static int
grow(RbdStream *rs, uint64_t end, GError **err)
{
	uint64_t to = MAX(end, rs->size + GROW_STEP);
	int r;

	if ((r = rbd_resize(rs->img, to)) < 0)
		return hv_error_set(err, -r, "cannot grow RBD image '%s' to %" G_GUINT64_FORMAT
				    " bytes: %s", rs->what, to, g_strerror(-r));
	rs->size = to;
	rs->grown = true;
	return 0;
}

static int
rs_write(StorageStream *s, const void *buf, size_t len, GError **err)
{
	RbdStream *rs = (RbdStream *)s;
	uint64_t end = s->offset + len;
	const char *p = buf;
	int r;

	if (end < s->offset || end > s->end)
		return hv_error_set(err, ENOSPC, "cannot write RBD image '%s': %zu bytes at offset %"
				    G_GUINT64_FORMAT " go past its end (%" G_GUINT64_FORMAT " bytes)",
				    rs->what, len, s->offset, s->end);
	if (end > rs->size && (r = grow(rs, end, err)) < 0)
		return r;
	while (len > 0) {
		ssize_t n = rbd_write(rs->img, s->offset, len, p);

		if (n <= 0)
			return hv_error_set(err, n < 0 ? (int)-n : EIO, "cannot write RBD image '%s': "
					    "%s", rs->what, g_strerror(n < 0 ? (int)-n : EIO));
		p += n;
		len -= (size_t)n;
		s->offset += (uint64_t)n;
	}
	rs->written = MAX(rs->written, end);
	return 0;
}

static int
rs_finish(StorageStream *s, GError **err)
{
	RbdStream *rs = (RbdStream *)s;
	uint64_t keep = MAX(rs->written, rs->size0);
	int r;

	if (rs->grown && rs->size > keep) {
		if ((r = rbd_resize(rs->img, keep)) < 0)
			return hv_error_set(err, -r, "cannot cut RBD image '%s' to %" G_GUINT64_FORMAT
					    " bytes: %s", rs->what, keep, g_strerror(-r));
		rs->size = keep;
	}
	if (rs->upload && (r = rbd_flush(rs->img)) < 0)
		return hv_error_set(err, -r, "cannot flush RBD image '%s': %s", rs->what,
				    g_strerror(-r));
	return 0;
}

/* A copy that makes the volume replaces it from bytes on: the image is cut
 * there, and grows again as the copy comes. */
static int
rs_truncate(StorageStream *s, uint64_t bytes, GError **err)
{
	RbdStream *rs = (RbdStream *)s;
	int r;

	if ((r = rbd_resize(rs->img, bytes)) < 0)
		return hv_error_set(err, -r, "cannot cut RBD image '%s' to %" G_GUINT64_FORMAT
				    " bytes: %s", rs->what, bytes, g_strerror(-r));
	rs->size = rs->size0 = bytes;
	rs->written = MIN(rs->written, bytes);
	return 0;
}

static void
rs_close(StorageStream *s)
{
	RbdStream *rs = (RbdStream *)s;

	if (!s)
		return;
	if (rs->grown)
		rs_finish(s, NULL); /* given up: nothing past what was written */
	for (int k = 0; k < RA_SLOTS; k++) {
		slot_drop(&rs->ra[k]);
		g_free(rs->ra[k].buf);
	}
	rbd_close(rs->img);
	rbd_conn_unref(rs->conn);
	g_free(rs->what);
	g_free(rs);
}

static const StorageStreamOps rbd_stream_ops = {
	.read = rs_read,
	.write = rs_write,
	.finish = rs_finish,
	.close = rs_close,
	.truncate = rs_truncate,
};

int
rbd_stream_open(const char *pool, RbdConn *c, const char *name, bool upload, uint64_t offset,
		uint64_t length, StorageStream **out, GError **err)
{
	rbd_image_t img = NULL;
	rbd_image_info_t info;
	RbdStream *rs;
	int r;

	r = upload ? rbd_open(c->io, name, &img, NULL) : rbd_open_read_only(c->io, name, &img, NULL);
	if (r < 0)
		return rbd_fail(pool, r, err, "open RBD image '%s/%s'", c->pool, name);
	if ((r = rbd_stat(img, &info, sizeof(info))) < 0) {
		rbd_close(img);
		return rbd_fail(pool, r, err, "stat RBD image '%s/%s'", c->pool, name);
	}
	rs = g_new0(RbdStream, 1);
	rs->pub.ops = &rbd_stream_ops;
	rs->conn = rbd_conn_ref(c);
	rs->img = img;
	rs->what = g_strdup_printf("%s/%s", c->pool, name);
	rs->upload = upload;
	rs->size = rs->size0 = info.size;
	rs->pub.offset = offset;
	rs->pub.end = upload ? UINT64_MAX : info.size;
	if (length && offset + length > offset && offset + length < rs->pub.end)
		rs->pub.end = offset + length;
	*out = &rs->pub;
	return 0;
}
