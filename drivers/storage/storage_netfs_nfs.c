/* storage_netfs_nfs.c: the libnfs plumbing of netfs pools (the libnfs way,
 * storage_netfs_libnfs.c): a context with the pool's export mounted (the
 * server's portmapper reached first, so a server that is not there fails in
 * seconds with the connect's errno; a folder it does not export is ENOENT
 * naming what it exports), libnfs's failures as errnos, and volume content
 * as a stream over a context of its own (downloads keep the next 512 KiB
 * READ in flight while FUSE takes the last one's bytes). */
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h> /* libnfs.h 4.0 uses struct timeval without including it */
#include <unistd.h>
#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-mount.h>
#include "drivers/storage/storage_netfs.h"

#define PORTMAP_PORT "111"
#define NFS4_PORT "2049" /* NFSv4 has no portmapper: its one port */
/* libnfs 4.0 encodes an NFSv4 WRITE into a buffer of 4 KiB (and knows no
 * server maximum: nfs_get_writemax is 0): larger ones fail with "Failed to
 * encode COMPOUND4args". What it takes, with room for a long file handle. */
#define NFS4_WRITE_MAX 2048u
#ifndef NFS_V4
#define NFS_V4 4 /* nfs_set_version's; defined in libnfs-raw-nfs4.h */
#endif
#define REACH_TIMEOUT_MS 3000 /* a server that is not there */
#define RPC_TIMEOUT_MS 5000   /* one NFS call (libnfs takes whole seconds) */
/* One download read: 4 FUSE reads of 128 KiB. Larger ones (1 MiB, or 4 MiB
 * that libnfs splits into parallel READs) were slower against ganesha here. */
#define AHEAD_BYTES (512u << 10)

/* What libnfs's words say when its status is no errno of the server's:
 * RPC failures come back as EFAULT or EIO. */
static const struct {
	const char *words;
	int err;
} wire_words[] = {
	{ "imed out", ETIMEDOUT }, { "imeout", ETIMEDOUT },
	{ "not available", ECONNREFUSED }, { "refused", ECONNREFUSED },
	{ "nfs_service failed", ECONNRESET }, { "isconnect", ECONNRESET },
};

int
netfs_nfs_errno(int r, const char *why)
{
	int e = r < 0 && r > -4096 ? -r : EIO;

	if (e != EFAULT && e != EIO)
		return e;
	for (size_t k = 0; why && k < G_N_ELEMENTS(wire_words); k++)
		if (strstr(why, wire_words[k].words))
			return wire_words[k].err;
	return EIO;
}

bool
netfs_nfs_wire_failure(int err)
{
	static const int answers[] = { ENOENT, EEXIST, EACCES, EPERM, ENOSPC, EDQUOT, EROFS,
				       ENOTDIR, EISDIR, EINVAL, EFBIG, ENAMETOOLONG, ENOTEMPTY };

	for (size_t k = 0; k < G_N_ELEMENTS(answers); k++)
		if (answers[k] == err)
			return false;
	return true;
}

/* Connects to the server's portmapper and lets go: the errno of a server
 * that is not there (ECONNREFUSED, EHOSTUNREACH, ETIMEDOUT) at once, where
 * libnfs would say only "nfs_service failed". */
static int
reach(const char *pool, const NetfsSource *s, GError **err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	const char *port = s->version == 4 ? NFS4_PORT : PORTMAP_PORT;
	int e = ETIMEDOUT, g = getaddrinfo(s->host, port, &hints, &ai);

	if (g != 0)
		return hv_error_set(err, EHOSTUNREACH, "storage pool '%s': cannot find NFS server "
				    "'%s': %s", pool, s->host, gai_strerror(g));
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct pollfd pf = { .fd = fd, .events = POLLOUT };
		socklen_t len = sizeof(e);

		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			e = 0;
		else if (errno != EINPROGRESS)
			e = errno;
		else if (poll(&pf, 1, REACH_TIMEOUT_MS) <= 0)
			e = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			e = errno;
		close(fd);
		if (e == 0)
			break;
	}
	freeaddrinfo(ai);
	if (e)
		return hv_error_set(err, e, "storage pool '%s': cannot reach NFS server '%s' (its "
				    "%s, TCP port %s): %s", pool, s->host,
				    s->version == 4 ? "NFSv4 service" : "portmapper", port,
				    g_strerror(e));
	return 0;
}

/* Whether the server exports dir or a folder above it: ENOENT naming what it
 * exports when not, else 0 (the mount failed for another reason). */
static int
check_exported(const char *pool, const NetfsSource *s, GError **err)
{
	struct exportnode *list = mount_getexports(s->host);
	g_autoptr(GString) names = g_string_new(NULL);
	bool found = false;

	if (!list)
		return 0;
	for (struct exportnode *e = list; e; e = e->ex_next) {
		size_t n = strlen(e->ex_dir);

		g_string_append_printf(names, "%s%s", names->len ? " " : "", e->ex_dir);
		if (!strncmp(s->dir, e->ex_dir, n) && (s->dir[n] == '\0' || s->dir[n] == '/'))
			found = true;
	}
	mount_free_export_list(list);
	if (found)
		return 0;
	return hv_error_set(err, ENOENT, "storage pool '%s': NFS server '%s' exports no '%s' "
			    "(it exports: %s)", pool, s->host, s->dir, names->str);
}

/* A libnfs context with the pool's export mounted, or -errno. */
int
netfs_nfs_connect(const char *pool, const NetfsSource *s, struct nfs_context **out, GError **err)
{
	struct nfs_context *nfs;
	int r;

	if ((r = reach(pool, s, err)) < 0)
		return r;
	if (!(nfs = nfs_init_context()))
		return hv_error_set(err, ENOMEM, "storage pool '%s': no NFS context", pool);
	nfs_set_timeout(nfs, RPC_TIMEOUT_MS);
	if (s->version == 4) {
		/* each context is an NFSv4 client of its own: with libnfs's one
		 * default name, a stream's SETCLIENTID would expire the pool's */
		static gint seq;
		g_autofree char *id = g_strdup_printf("hyperfs-%d-%d-%s", (int)getpid(),
						      g_atomic_int_add(&seq, 1), g_get_host_name());

		if (nfs_set_version(nfs, NFS_V4) < 0) {
			nfs_destroy_context(nfs);
			return hv_error_set(err, EOPNOTSUPP, "storage pool '%s': this libnfs has "
					    "no NFSv4", pool);
		}
		nfs4_set_client_name(nfs, id);
	}
	if ((r = nfs_mount(nfs, s->host, s->dir)) < 0) {
		g_autofree char *why = g_strdup(nfs_get_error(nfs));

		nfs_destroy_context(nfs);
		/* NFSv4 has no export list: its paths are the server's pseudo folders */
		if (s->version != 4 && check_exported(pool, s, err) < 0)
			return -ENOENT;
		return hv_error_set(err, netfs_nfs_errno(r, why), "storage pool '%s': cannot "
				    "mount %s:%s over NFSv%u: %s", pool, s->host, s->dir,
				    s->version == 4 ? 4 : 3, why);
	}
	*out = nfs;
	return 0;
}

/* One READ of a download: asked for, or come. */
typedef struct {
	uint8_t *buf;      /* AHEAD_BYTES */
	uint64_t off, len; /* where it starts; what came */
	bool busy;         /* asked for, no answer yet */
	bool valid;        /* came: buf holds len bytes from off */
	int status;        /* the answer's: bytes or -errno */
} Ahead;

typedef struct {
	StorageStream pub;
	struct nfs_context *nfs;
	struct nfsfh *fh;
	char *url;
	uint64_t chunk; /* the server's largest read or write (at most 1 MiB) */
	/* download: two READs of AHEAD_BYTES, the one being copied out and the
	 * next one already asked for (libnfs's async calls), so the server
	 * sends while FUSE takes the bytes */
	Ahead ahead[2];
} NfsStream;

/* -errno for failed call r on n's context, saying what ("read") failed */
static int
ns_fail(NfsStream *n, int r, const char *what, GError **err)
{
	const char *why = nfs_get_error(n->nfs);

	return hv_error_set(err, r < 0 ? netfs_nfs_errno(r, why) : EIO, "cannot %s '%s': %s", what,
			    n->url, why ? why : "(no message)");
}

static void
ahead_came(int status, struct nfs_context *nfs, void *data, void *priv)
{
	Ahead *a = priv;

	a->busy = false;
	a->valid = status >= 0;
	a->status = status >= 0 ? status : (status > -4096 ? status : -EIO);
	if (status > 0)
		memcpy(a->buf, data, (size_t)MIN((uint64_t)status, (uint64_t)AHEAD_BYTES));
	a->len = status > 0 ? (uint64_t)status : 0;
}

/* Asks for the READ at off into a (not busy). */
static void
ahead_ask(NfsStream *n, Ahead *a, uint64_t off)
{
	if (!a->buf)
		a->buf = g_malloc(AHEAD_BYTES);
	a->off = off;
	a->len = 0;
	a->valid = false;
	a->busy = true;
	if (nfs_pread_async(n->nfs, n->fh, off, MIN((uint64_t)AHEAD_BYTES, n->pub.end - off),
			    ahead_came, a) < 0) {
		a->busy = false;
		a->status = -EIO;
	}
}

/* Runs the context until a's answer came (RPC_TIMEOUT_MS at most). */
static int
ahead_wait(NfsStream *n, Ahead *a)
{
	gint64 deadline = g_get_monotonic_time() + RPC_TIMEOUT_MS * 1000;

	while (a->busy) {
		struct pollfd pf = { .fd = nfs_get_fd(n->nfs), .events = nfs_which_events(n->nfs) };
		int k = poll(&pf, 1, 100);

		if (k < 0 && errno != EINTR)
			return -errno;
		if (nfs_service(n->nfs, k > 0 ? pf.revents : 0) < 0)
			return -ECONNRESET;
		if (a->busy && g_get_monotonic_time() > deadline)
			return -ETIMEDOUT;
	}
	return a->status < 0 ? a->status : 0;
}

/* The READ that holds off (asked for or come), or NULL. */
static Ahead *
ahead_holding(NfsStream *n, uint64_t off)
{
	for (int k = 0; k < 2; k++) {
		Ahead *a = &n->ahead[k];

		if ((a->busy && off >= a->off && off < a->off + AHEAD_BYTES) ||
		    (a->valid && off >= a->off && off < a->off + a->len))
			return a;
	}
	return NULL;
}

static gssize
ns_read(StorageStream *s, void *buf, size_t len, GError **err)
{
	NfsStream *n = (NfsStream *)s;
	Ahead *a, *next;
	uint64_t skip, more;
	int r;

	if (s->offset >= s->end)
		return 0;
	if (!(a = ahead_holding(n, s->offset))) {
		/* a seek: what is asked for elsewhere must come before its buffer
		 * is used again */
		for (int k = 0; k < 2; k++)
			if ((r = ahead_wait(n, &n->ahead[k])) == -ETIMEDOUT || r == -ECONNRESET)
				return ns_fail(n, r, "read", err);
		a = &n->ahead[0];
		ahead_ask(n, a, s->offset);
	}
	if ((r = ahead_wait(n, a)) < 0)
		return ns_fail(n, r, "read", err);
	if (a->len == 0 || s->offset >= a->off + a->len)
		return 0; /* the file is shorter than it was */
	next = a == &n->ahead[0] ? &n->ahead[1] : &n->ahead[0];
	more = a->off + a->len;
	if (!next->busy && !(next->valid && next->off == more) && more < s->end &&
	    a->len == MIN((uint64_t)AHEAD_BYTES, s->end - a->off))
		ahead_ask(n, next, more);
	skip = s->offset - a->off;
	len = (size_t)MIN(MIN((uint64_t)len, s->end - s->offset), a->len - skip);
	memcpy(buf, a->buf + skip, len);
	s->offset += len;
	return (gssize)len;
}

static int
ns_write(StorageStream *s, const void *buf, size_t len, GError **err)
{
	NfsStream *n = (NfsStream *)s;
	const char *p = buf;

	while (len > 0) {
		int r = nfs_pwrite(n->nfs, n->fh, s->offset, MIN((uint64_t)len, n->chunk), p);

		if (r <= 0)
			return ns_fail(n, r, "write", err);
		p += r;
		len -= (size_t)r;
		s->offset += (uint64_t)r;
	}
	return 0;
}

static int
ns_finish(StorageStream *s, GError **err)
{
	NfsStream *n = (NfsStream *)s;
	int r = nfs_fsync(n->nfs, n->fh);

	if (r < 0)
		return ns_fail(n, r, "flush", err);
	return 0;
}

static int
ns_truncate(StorageStream *s, uint64_t bytes, GError **err)
{
	NfsStream *n = (NfsStream *)s;
	int r = nfs_ftruncate(n->nfs, n->fh, bytes);

	if (r < 0)
		return ns_fail(n, r, "cut", err);
	return 0;
}

static void
ns_close(StorageStream *s)
{
	NfsStream *n = (NfsStream *)s;

	if (!s)
		return;
	if (n->fh)
		nfs_close(n->nfs, n->fh);
	nfs_destroy_context(n->nfs); /* READs still asked for are cancelled */
	g_free(n->ahead[0].buf);
	g_free(n->ahead[1].buf);
	g_free(n->url);
	g_free(n);
}

static const StorageStreamOps nfs_stream_ops = {
	.read = ns_read,
	.write = ns_write,
	.finish = ns_finish,
	.close = ns_close,
	.truncate = ns_truncate,
};

int
netfs_nfs_stream_open(const char *pool, const NetfsSource *src, const char *name,
		      const char *url, bool upload, uint64_t offset, uint64_t length,
		      StorageStream **out, GError **err)
{
	g_autofree char *path = g_strconcat("/", name, NULL);
	NfsStream *n = g_new0(NfsStream, 1);
	struct nfs_stat_64 st;
	int r;

	n->pub.ops = &nfs_stream_ops;
	n->url = g_strdup(url);
	if ((r = netfs_nfs_connect(pool, src, &n->nfs, err)) < 0) {
		g_free(n->url);
		g_free(n);
		return r;
	}
	if ((r = nfs_open(n->nfs, path, upload ? O_WRONLY : O_RDONLY, &n->fh)) < 0 ||
	    (r = nfs_fstat64(n->nfs, n->fh, &st)) < 0) {
		r = ns_fail(n, r, "open", err);
		ns_close(&n->pub);
		return r;
	}
	n->chunk = MAX(MIN(upload ? nfs_get_writemax(n->nfs) : nfs_get_readmax(n->nfs),
			   1u << 20), 4096);
	if (upload && src->version == 4)
		n->chunk = NFS4_WRITE_MAX;
	n->pub.offset = offset;
	n->pub.end = upload ? UINT64_MAX : st.nfs_size;
	if (length && offset + length > offset && offset + length < n->pub.end)
		n->pub.end = offset + length;
	*out = &n->pub;
	return 0;
}

