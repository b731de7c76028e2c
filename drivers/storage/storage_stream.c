/* storage_stream.c: volume content as a stream over a local file or block
 * device, for the backends whose volumes are such (dir, fs, disk, logical,
 * scsi, mpath): pread/pwrite at the stream's offset, so a reader or writer
 * that seeks is followed, and a download's descriptor itself (span), which
 * FUSE splices from; sizes of devices from BLKGETSIZE64. */
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "drivers/storage/storage_util.h"

typedef struct {
	StorageStream pub;
	int fd;
	char *path;
	bool block;
} FdStream;

uint64_t
storage_path_size(const char *path)
{
	struct stat st;
	uint64_t n = 0;
	int fd;

	if (stat(path, &st) < 0)
		return 0;
	if (!S_ISBLK(st.st_mode))
		return (uint64_t)st.st_size;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (ioctl(fd, BLKGETSIZE64, &n) < 0)
		n = 0;
	close(fd);
	return n;
}

static gssize
fd_read(StorageStream *s, void *buf, size_t len, GError **err)
{
	FdStream *f = (FdStream *)s;
	ssize_t n;

	if (s->offset >= s->end)
		return 0;
	len = (size_t)MIN((uint64_t)len, s->end - s->offset);
	do
		n = pread(f->fd, buf, len, (off_t)s->offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hv_error_set(err, errno, "cannot read '%s': %s", f->path, g_strerror(errno));
	s->offset += (uint64_t)n;
	return n;
}

static int
fd_write(StorageStream *s, const void *buf, size_t len, GError **err)
{
	FdStream *f = (FdStream *)s;
	const char *p = buf;

	if (s->offset + len > s->end || s->offset + len < s->offset)
		return hv_error_set(err, ENOSPC, "cannot write '%s': %zu bytes at offset %"
				    G_GUINT64_FORMAT " go past its end (%" G_GUINT64_FORMAT
				    " bytes)", f->path, len, s->offset, s->end);
	while (len > 0) {
		ssize_t n = pwrite(f->fd, p, len, (off_t)s->offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hv_error_set(err, errno, "cannot write '%s': %s", f->path,
					    g_strerror(errno));
		p += n;
		len -= (size_t)n;
		s->offset += (uint64_t)n;
	}
	return 0;
}

static int
fd_finish(StorageStream *s, GError **err)
{
	FdStream *f = (FdStream *)s;

	if (fdatasync(f->fd) < 0 && errno != EINVAL)
		return hv_error_set(err, errno, "cannot flush '%s': %s", f->path, g_strerror(errno));
	return 0;
}

static void
fd_close(StorageStream *s)
{
	FdStream *f = (FdStream *)s;

	if (!s)
		return;
	close(f->fd);
	g_free(f->path);
	g_free(f);
}

static int
fd_truncate(StorageStream *s, uint64_t bytes, GError **err)
{
	FdStream *f = (FdStream *)s;

	if (f->block)
		return 0; /* a device keeps its size */
	if (ftruncate(f->fd, (off_t)bytes) < 0)
		return hv_error_set(err, errno, "cannot cut '%s' to %" G_GUINT64_FORMAT " bytes: %s",
				    f->path, bytes, g_strerror(errno));
	return 0;
}

/* A download's descriptor itself, for the caller to splice from. */
static gssize
fd_span(StorageStream *s, size_t len, int *fd, off_t *pos, GError **err)
{
	FdStream *f = (FdStream *)s;

	len = s->offset >= s->end ? 0 : (size_t)MIN((uint64_t)len, s->end - s->offset);
	*fd = f->fd;
	*pos = (off_t)s->offset;
	s->offset += len;
	return (gssize)len;
}

static const StorageStreamOps fd_ops = {
	.read = fd_read,
	.write = fd_write,
	.finish = fd_finish,
	.close = fd_close,
	.truncate = fd_truncate,
	.span = fd_span,
};

int
storage_fd_stream_open(const char *path, bool upload, uint64_t offset, uint64_t length,
		       StorageStream **out, GError **err)
{
	int fd = open(path, (upload ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	struct stat st;
	FdStream *f;
	uint64_t size;

	if (fd < 0)
		return hv_error_set(err, errno, "cannot open '%s': %s", path, g_strerror(errno));
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		close(fd);
		return hv_error_set(err, EINVAL, "cannot open '%s': not a file or block device",
				    path);
	}
	size = storage_path_size(path);
	f = g_new0(FdStream, 1);
	f->fd = fd;
	f->path = g_strdup(path);
	f->block = S_ISBLK(st.st_mode);
	f->pub.ops = &fd_ops;
	f->pub.offset = offset;
	f->pub.end = upload && !f->block ? UINT64_MAX : size;
	if (length && offset + length > offset && offset + length < f->pub.end)
		f->pub.end = offset + length;
	*out = &f->pub;
	return 0;
}

int
storage_local_upload(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
		     StorageStream **out, GError **err)
{
	return storage_fd_stream_open(v->path, true, offset, length, out, err);
}

int
storage_local_download(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
		       StorageStream **out, GError **err)
{
	return storage_fd_stream_open(v->path, false, offset, length, out, err);
}
