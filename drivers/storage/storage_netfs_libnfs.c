/* storage_netfs_libnfs.c: netfs pools through the userspace libnfs client
 * (NFSv3, or NFSv4 for <protocol ver='4'/>), for hosts whose kernel has no
 * NFS client (this one): nothing is mounted. start mounts the export in a libnfs context that the pool keeps
 * while active (used under the storage lock); volumes are the regular
 * files of the export's top folder, with their format and size read from
 * their first bytes (storage_img_header: no qemu-img per file), their
 * allocation from the server's `used`, pool sizes from its statvfs. Raw
 * volumes are created, resized and deleted through libnfs, qcow2 ones with
 * qemu-img on their nfs:// URL (qemu-block-extra). A volume's path and key
 * are nfs://HOST/DIR/NAME, and a domain reaches it through QEMU's nfs
 * driver (vol_source: protocol nfs); QEMU speaks NFSv3 only, so on an NFSv4
 * pool those two are refused. Content streams (upload, download,
 * clone, wipe) each mount a context of their own (storage_netfs_nfs.c), so
 * they run beside the pool's without a lock. A failure on the wire drops the
 * pool's context; for RETRY_US after, calls fail at once with ENOTCONN (and
 * infos show the sizes the server gave last), then one tries anew. */
#include <fcntl.h>
#include <string.h>
#include <sys/time.h> /* libnfs.h 4.0 uses struct timeval without including it */
#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-nfs.h>
#include "drivers/storage/storage_netfs.h"
#include "util/names.h"

#define HEADER_BYTES 4096 /* enough of an image to know its format */
#define RETRY_US (5 * G_USEC_PER_SEC) /* a server away: asked again after */
/* libnfs 4.0 never renews an NFSv4 lease (servers give 60-90 s): a context
 * idle for longer than this is made anew before its next call, or the
 * server answers NFS4ERR_EXPIRED */
#define V4_FRESH_US (30 * G_USEC_PER_SEC)
#define URL_UNSAFE "?#%&;, \\\"'"

typedef struct {
	/* the pool's mounted context, used under the storage lock; NULL after a
	 * failure on the wire until it is made again (not before retry_at: a
	 * server that is away costs one timeout, then answers at once) */
	struct nfs_context *nfs;
	NetfsSource src;
	gint64 retry_at; /* monotonic µs */
	gint64 used_at;  /* NFSv4: when the context was last handed out */
	char *away;      /* why the context went */
	StorageSizes sizes; /* as of the last statvfs */
} NfsPool;

static NfsPool *
pool_of(const StoragePool *p)
{
	return p->priv;
}

/* The pool's context: the one it has (NFSv4: unless idle past V4_FRESH_US),
 * or a new one once retry_at passed since the last went; NULL with ENOTCONN
 * (or the new one's failure). */
static struct nfs_context *
pool_nfs(StoragePool *p, GError **err)
{
	NfsPool *np = pool_of(p);
	gint64 now = g_get_monotonic_time();

	if (np->nfs && np->src.version == 4 && now - np->used_at > V4_FRESH_US) {
		nfs_destroy_context(np->nfs); /* its lease may be gone: a new client */
		np->nfs = NULL;
	}
	np->used_at = now;
	if (np->nfs)
		return np->nfs;
	if (now < np->retry_at) {
		hv_error_set(err, ENOTCONN, "storage pool '%s': NFS server '%s' is away (%s); "
			     "asked again in %" G_GINT64_FORMAT " s", p->name, np->src.host, np->away,
			     (np->retry_at - now) / G_USEC_PER_SEC + 1);
		return NULL;
	}
	if (netfs_nfs_connect(p->name, &np->src, &np->nfs, err) < 0) {
		np->retry_at = now + RETRY_US;
		g_free(np->away);
		np->away = g_strdup(err && *err ? (*err)->message : "it does not answer");
		return NULL;
	}
	return np->nfs;
}

/* -errno with the reason for call r that failed doing what ("list ...");
 * a failure on the wire drops the context (pool_nfs makes a new one). */
static int
pool_failed(StoragePool *p, int r, GError **err, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static int
pool_failed(StoragePool *p, int r, GError **err, const char *fmt, ...)
{
	NfsPool *np = pool_of(p);
	g_autofree char *what = NULL, *why = g_strdup(nfs_get_error(np->nfs));
	int e = netfs_nfs_errno(r, why);
	va_list ap;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (netfs_nfs_wire_failure(e)) {
		nfs_destroy_context(np->nfs);
		np->nfs = NULL;
		np->retry_at = g_get_monotonic_time() + RETRY_US;
		g_free(np->away);
		np->away = g_strdup(why ? why : "no answer");
	}
	return hv_error_set(err, e, "storage pool '%s': cannot %s: %s", p->name, what,
			    why ? why : "(no message)");
}

/* nfs://HOST/DIR/NAME, with libnfs's ?version=4 on an NFSv4 pool */
static char *
vol_url(const NetfsSource *s, const char *name)
{
	return g_strdup_printf("nfs://%s%s/%s%s", s->host, g_str_equal(s->dir, "/") ? "" : s->dir,
			       name, s->version == 4 ? "?version=4" : "");
}

/* QEMU's nfs driver (and so qemu-img on an nfs:// URL) speaks NFSv3 only,
 * and takes no ?version=: what needs it is refused on an NFSv4 pool. */
static int
needs_nfs3(StoragePool *p, const char *what, GError **err)
{
	if (pool_of(p)->src.version != 4)
		return 0;
	return hv_error_set(err, EOPNOTSUPP, "storage pool '%s' is reached over NFSv4 "
			    "(<protocol ver='4'/>), and %s goes through QEMU's nfs driver, which "
			    "speaks NFSv3 only", p->name, what);
}

/* A name that may stand in an nfs:// URL (QEMU's and libnfs's parsers split
 * at '?', and read '%' escapes). */
static int
url_name_check(const char *pool, const char *name, GError **err)
{
	if (strpbrk(name, URL_UNSAFE))
		return hv_error_set(err, EINVAL, "storage volume '%s' in netfs pool '%s': a name "
				    "there becomes part of an nfs:// URL and may not hold any of "
				    "%s", name, pool, URL_UNSAFE);
	return 0;
}

static int
libnfs_check_def(const HvPoolDef *def, GError **err)
{
	g_auto(NetfsSource) s = { 0 };

	if (netfs_source_of(def, &s, err) < 0)
		return -EINVAL;
	if (!g_str_equal(s.format, "auto") && !g_str_equal(s.format, "nfs"))
		return hv_error_set(err, EOPNOTSUPP, "storage pool '%s': netfs format '%s' needs "
				    "a kernel mount, and this host serves netfs through libnfs "
				    "(NFS only: auto or nfs)", def->name, s.format);
	if (s.port)
		return hv_error_set(err, EOPNOTSUPP, "storage pool '%s': libnfs finds the NFS "
				    "server's ports through its portmapper; <host port=> is not "
				    "supported", def->name);
	return 0;
}

/* Nothing to make: the export is the server's (libvirt's build makes the
 * mount folder, which this way does not use). */
static int
libnfs_build(StoragePool *p, unsigned flags, GError **err)
{
	return 0;
}

static int
libnfs_start(StoragePool *p, GError **err)
{
	NfsPool *np = g_new0(NfsPool, 1);
	int r;

	if ((r = netfs_source_of(p->def, &np->src, err)) < 0 ||
	    (r = netfs_nfs_connect(p->name, &np->src, &np->nfs, err)) < 0) {
		netfs_source_clear(&np->src);
		g_free(np);
		return r;
	}
	np->used_at = g_get_monotonic_time();
	p->priv = np;
	return 0;
}

/* Nothing is mounted: stopping, or letting the pool go at exit, is
 * dropping the context. */
static void
libnfs_release(StoragePool *p)
{
	NfsPool *np = pool_of(p);

	if (np) {
		if (np->nfs)
			nfs_destroy_context(np->nfs);
		netfs_source_clear(&np->src);
		g_free(np->away);
		g_free(np);
		p->priv = NULL;
	}
}

static int
libnfs_stop(StoragePool *p, GError **err)
{
	libnfs_release(p);
	return 0;
}

static int
libnfs_delete(StoragePool *p, unsigned flags, GError **err)
{
	return 0; /* the export stays the server's */
}

/* v's format and sizes from its first bytes and attributes. */
static int
probe(StoragePool *p, struct nfs_context *nfs, StorageVol *v, GError **err)
{
	g_autofree char *path = g_strconcat("/", v->name, NULL);
	g_autofree uint8_t *buf = g_malloc0(HEADER_BYTES);
	struct nfsfh *fh = NULL;
	struct nfs_stat_64 st;
	int r, n;

	if ((r = nfs_open(nfs, path, O_RDONLY, &fh)) < 0)
		return pool_failed(p, r, err, "open volume '%s'", v->name);
	if ((r = nfs_fstat64(nfs, fh, &st)) < 0 ||
	    (n = r = nfs_pread(nfs, fh, 0, HEADER_BYTES, buf)) < 0) {
		nfs_close(nfs, fh); /* local for NFSv3: the error stays */
		return pool_failed(p, r, err, "read volume '%s'", v->name);
	}
	nfs_close(nfs, fh);
	storage_img_header(v, buf, (size_t)n, st.nfs_size);
	v->allocation = st.nfs_used;
	return 0;
}

static StorageVol *
vol_new(const NfsPool *np, const char *name)
{
	g_autofree char *url = vol_url(&np->src, name);
	StorageVol *v = storage_vol_new(name, url);

	g_free(v->type);
	v->type = g_strdup("network");
	return v;
}

static int
libnfs_refresh(StoragePool *p, GHashTable *out, GError **err)
{
	NfsPool *np = pool_of(p);
	struct nfs_context *nfs = pool_nfs(p, err);
	struct nfsdir *d = NULL;
	struct nfsdirent *e;
	int r;

	if (!nfs)
		return hv_error_errno(*err);
	if ((r = nfs_opendir(nfs, "/", &d)) < 0)
		return pool_failed(p, r, err, "list %s:%s", np->src.host, np->src.dir);
	while ((e = nfs_readdir(nfs, d))) {
		g_autoptr(GError) lerr = NULL;
		StorageVol *v;

		if (e->type != NF3REG || hv_name_check("storage volume", e->name, NULL) < 0 ||
		    url_name_check(p->name, e->name, NULL) < 0)
			continue;
		v = vol_new(np, e->name);
		if (probe(p, nfs, v, &lerr) < 0) {
			storage_vol_free(v);
			if (!np->nfs) { /* the server went: the listing is not the truth */
				nfs_closedir(nfs, d);
				g_propagate_error(err, g_steal_pointer(&lerr));
				return hv_error_errno(*err);
			}
			continue; /* gone since the listing, or unreadable */
		}
		g_hash_table_insert(out, v->name, v);
	}
	nfs_closedir(nfs, d);
	return 0;
}

/* Cheap, on every info: while the server is away, what it said last. */
static void
libnfs_sizes(StoragePool *p, StorageSizes *out)
{
	NfsPool *np = pool_of(p);
	struct nfs_context *nfs = np ? pool_nfs(p, NULL) : NULL;
	struct nfs_statvfs_64 s;
	int r;

	if (nfs && (r = nfs_statvfs64(nfs, "/", &s)) == 0) {
		np->sizes.capacity = s.f_blocks * s.f_frsize;
		np->sizes.allocation = (s.f_blocks - s.f_bfree) * s.f_frsize;
		np->sizes.available = s.f_bavail * s.f_frsize;
	} else if (nfs) {
		pool_failed(p, r, NULL, "read the sizes of %s:%s", np->src.host, np->src.dir);
	}
	if (np)
		*out = np->sizes;
}

static uint64_t
libnfs_vol_allocation(StoragePool *p, const StorageVol *v)
{
	NfsPool *np = pool_of(p);
	struct nfs_context *nfs = np ? pool_nfs(p, NULL) : NULL;
	g_autofree char *path = g_strconcat("/", v->name, NULL);
	struct nfs_stat_64 st;
	int r;

	if (!nfs)
		return v->allocation;
	if ((r = nfs_stat64(nfs, path, &st)) < 0) {
		pool_failed(p, r, NULL, "stat volume '%s'", v->name);
		return v->allocation;
	}
	return st.nfs_used;
}

static int
create_raw(StoragePool *p, struct nfs_context *nfs, StorageVol *v, const HvVolumeDef *def,
	   GError **err)
{
	g_autofree char *path = g_strconcat("/", v->name, NULL);
	struct nfsfh *fh = NULL;
	int r;

	if ((r = nfs_create(nfs, path, O_WRONLY | O_EXCL, 0600, &fh)) < 0)
		return pool_failed(p, r, err, "create volume '%s'", v->name);
	if ((r = nfs_ftruncate(nfs, fh, def->capacity)) < 0) {
		nfs_close(nfs, fh);
		r = pool_failed(p, r, err, "create volume '%s'", v->name);
		if (pool_of(p)->nfs)
			nfs_unlink(nfs, path);
		return r;
	}
	nfs_close(nfs, fh);
	return 0;
}

static int
create_img(StoragePool *p, struct nfs_context *nfs, StorageVol *v, const HvVolumeDef *def,
	   GError **err)
{
	g_autofree char *path = g_strconcat("/", v->name, NULL);
	struct nfs_stat_64 st;

	if (nfs_stat64(nfs, path, &st) == 0)
		return hv_error_set(err, EEXIST, "cannot create volume '%s': the file exists",
				    v->path);
	return storage_img_create(v->path, v->format, def, err);
}

static int
libnfs_vol_create(StoragePool *p, const HvVolumeDef *def, StorageVol **out, GError **err)
{
	struct nfs_context *nfs;
	g_autoptr(StorageVol) v = NULL;
	const char *fmt;
	int r;

	if (url_name_check(p->name, def->name, err) < 0)
		return -EINVAL;
	if (!(fmt = storage_new_file_format(p, def, err)))
		return hv_error_errno(*err);
	if (!g_str_equal(fmt, "raw") && needs_nfs3(p, "a volume in an image format", err) < 0)
		return -EOPNOTSUPP;
	if (!(nfs = pool_nfs(p, err)))
		return hv_error_errno(*err);
	v = vol_new(pool_of(p), def->name);
	v->format = g_strdup(fmt);
	if ((r = (g_str_equal(fmt, "raw") ? create_raw : create_img)(p, nfs, v, def, err)) < 0)
		return r;
	if ((r = probe(p, nfs, v, err)) < 0) {
		g_autofree char *path = g_strconcat("/", v->name, NULL);

		if (pool_of(p)->nfs)
			nfs_unlink(nfs, path);
		return r;
	}
	*out = g_steal_pointer(&v);
	return 0;
}

static int
libnfs_vol_delete(StoragePool *p, StorageVol *v, GError **err)
{
	struct nfs_context *nfs = pool_nfs(p, err);
	g_autofree char *path = g_strconcat("/", v->name, NULL);
	int r;

	if (!nfs)
		return hv_error_errno(*err);
	if ((r = nfs_unlink(nfs, path)) < 0 && r != -ENOENT)
		return pool_failed(p, r, err, "delete volume '%s'", v->name);
	return 0;
}

static int
libnfs_vol_resize(StoragePool *p, StorageVol *v, uint64_t bytes, unsigned flags, GError **err)
{
	struct nfs_context *nfs = pool_nfs(p, err);
	g_autofree char *path = g_strconcat("/", v->name, NULL);
	g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT, bytes);
	g_autofree char *what = g_strdup_printf("resize volume '%s' in pool '%s'", v->name,
						p->name);
	const char *args[] = { "resize", "-q", "-f", v->format, v->path, size, NULL };
	int r;

	if (!nfs)
		return hv_error_errno(*err);
	if (!g_str_equal(v->format, "raw") && needs_nfs3(p, "resizing an image", err) < 0)
		return -EOPNOTSUPP;
	if (g_str_equal(v->format, "raw")) {
		if ((r = nfs_truncate(nfs, path, bytes)) < 0)
			return pool_failed(p, r, err, "resize volume '%s'", v->name);
	} else if ((r = storage_qemu_img(args, NULL, what, err)) < 0) {
		return r;
	}
	return probe(p, nfs, v, err);
}

static int
libnfs_vol_source(StoragePool *p, const StorageVol *v, StorageVolSource *out, GError **err)
{
	NfsPool *np = pool_of(p);

	if (needs_nfs3(p, "a domain's disk", err) < 0)
		return -EOPNOTSUPP;
	out->type = g_strdup("network");
	out->protocol = g_strdup("nfs");
	out->path = g_strdup_printf("%s/%s", g_str_equal(np->src.dir, "/") ? "" : np->src.dir,
				    v->name);
	out->format = g_strdup(v->format);
	out->hosts = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(out->hosts, g_strdup(np->src.host));
	return 0;
}

static int
libnfs_vol_upload(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
		  StorageStream **out, GError **err)
{
	return netfs_nfs_stream_open(p->name, &pool_of(p)->src, v->name, v->path, true, offset,
				     length, out, err);
}

static int
libnfs_vol_download(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
		    StorageStream **out, GError **err)
{
	return netfs_nfs_stream_open(p->name, &pool_of(p)->src, v->name, v->path, false, offset,
				     length, out, err);
}

const StorageBackend storage_backend_netfs_libnfs = {
	.type = "netfs",
	.check_def = libnfs_check_def,
	.build = libnfs_build,
	.start = libnfs_start,
	.stop = libnfs_stop,
	.delete = libnfs_delete,
	.refresh = libnfs_refresh,
	.sizes = libnfs_sizes,
	.vol_create = libnfs_vol_create,
	.vol_delete = libnfs_vol_delete,
	.vol_resize = libnfs_vol_resize,
	.vol_allocation = libnfs_vol_allocation,
	.vol_source = libnfs_vol_source,
	.vol_upload = libnfs_vol_upload,
	.vol_download = libnfs_vol_download,
	.release = libnfs_release,
};
