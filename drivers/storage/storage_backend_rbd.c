/* storage_backend_rbd.c: the rbd pool type, a Ceph pool through librados and
 * librbd, as libvirt's storage_backend_rbd.c behaves: <source><name> is the
 * Ceph pool, <host>s its monitors, <auth type='ceph' username=...> takes the
 * cephx key from a ceph secret (StorageHost.secret_value). start connects
 * (bounded by CONNECT_TIMEOUT: a monitor that is not there is ETIMEDOUT,
 * never a hang) and keeps the connection while the pool is active; volumes
 * are the pool's RBD images (raw, type network, key and path POOL/IMAGE).
 * Create, delete (with the image's snapshots, unless one has clones),
 * resize; clone within the pool from a protected snapshot (one without
 * changes since is used again); content through storage_rbd_stream.c. */
#include <string.h>
#include "drivers/storage/storage_rbd.h"
#include "conf/conf_util.h"
#include "conf/xml.h"
#include "util/names.h"

#define CONNECT_TIMEOUT "5" /* s: client_mount_timeout, the monitor's handshake */
#define MON_OP_TIMEOUT "5"  /* s: rados_mon_op_timeout (pool sizes, ...) */
#define OSD_OP_TIMEOUT "10" /* s: rados_osd_op_timeout (every image call) */
#define SIZES_EVERY_US G_USEC_PER_SEC /* pool sizes asked of the cluster at most */
#define SIZES_AWAY_US (30 * G_USEC_PER_SEC) /* ... and after it did not answer */
#define NAME_UNSAFE "/@:,;\\'\" \t\n" /* break a spec (pool/image@snap) or QEMU's rbd: */
#define SNAP_PREFIX "libvirt-"

typedef struct {
	RbdConn *conn;
	StorageSizes sizes;
	gint64 sizes_next; /* monotonic µs: when the cluster is asked again */
} RbdPool;

/* What the pool's <source> says. */
typedef struct {
	char *pool;
	GString *mon_host;
	char *auth_type;
	char *user;
	char *secret; /* usage or uuid */
} Source;

static void
source_clear(Source *s)
{
	g_free(s->pool);
	if (s->mon_host)
		g_string_free(s->mon_host, TRUE);
	g_free(s->auth_type);
	g_free(s->user);
	g_free(s->secret);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Source, source_clear)

static int
source_of(const HvPoolDef *def, Source *s, GError **err)
{
	xmlNode *root = def->doc ? xmlDocGetRootElement(def->doc) : NULL;
	xmlNode *src = root ? hv_xml_path(root, "source") : NULL;
	xmlNode *auth = src ? hv_xml_path(src, "auth") : NULL;

	memset(s, 0, sizeof(*s));
	s->mon_host = g_string_new(NULL);
	s->pool = src ? hv_xml_text(hv_xml_child(src, "name")) : NULL;
	for (xmlNode *h = src ? src->children : NULL; h; h = h->next) {
		g_autofree char *name = NULL, *port = NULL;

		if (h->type != XML_ELEMENT_NODE || strcmp((const char *)h->name, "host"))
			continue;
		if (!(name = hv_xml_prop(h, "name")) || !*name || strpbrk(name, ",; \\"))
			return hv_error_set(err, EINVAL, "storage pool '%s': a monitor <host> needs "
					    "a name= (without , ; or blanks)", def->name);
		port = hv_xml_prop(h, "port");
		g_string_append_printf(s->mon_host, "%s%s%s%s", s->mon_host->len ? "," : "",
				       name, port ? ":" : "", port ? port : "");
	}
	if (auth) {
		xmlNode *sec = hv_xml_child(auth, "secret");

		s->auth_type = hv_xml_prop(auth, "type");
		s->user = hv_xml_prop(auth, "username");
		s->secret = sec ? hv_xml_prop(sec, "usage") : NULL;
		if (sec && !s->secret)
			s->secret = hv_xml_prop(sec, "uuid");
	}
	if (!s->pool || !*s->pool || strpbrk(s->pool, NAME_UNSAFE))
		return hv_error_set(err, EINVAL, "storage pool '%s': type rbd needs <source><name> "
				    "naming the Ceph pool (without any of / @ : , ; quotes or "
				    "blanks)", def->name);
	if (!s->mon_host->len)
		return hv_error_set(err, EINVAL, "storage pool '%s': type rbd needs at least one "
				    "monitor, <source><host name=... port=.../>", def->name);
	if (s->auth_type && (strcmp(s->auth_type, "ceph") || !s->user || !*s->user ||
			     !s->secret || strpbrk(s->user, NAME_UNSAFE)))
		return hv_error_set(err, EINVAL, "storage pool '%s': <auth> must be type 'ceph' "
				    "with a username and a <secret usage=.../> or uuid", def->name);
	return 0;
}

static int
rbd_check_def(const HvPoolDef *def, GError **err)
{
	g_auto(Source) s = { 0 };

	return source_of(def, &s, err);
}

/* rados_conf_set's rows: (option, value) */
static int
conf_set(const char *pool, rados_t c, const char *const (*rows)[2], size_t n, GError **err)
{
	int r;

	for (size_t k = 0; k < n; k++)
		if ((r = rados_conf_set(c, rows[k][0], rows[k][1])) < 0)
			return rbd_fail(pool, r, err, "set RADOS option '%s'", rows[k][0]);
	return 0;
}

/* The base64 cephx key of the pool's secret, or -errno (ENOENT, ENOKEY). */
static int
cephx_key(StoragePool *p, const Source *s, char **key, GError **err)
{
	g_autoptr(GBytes) v = NULL;
	gsize n;
	const guchar *d;
	int r;

	if (!p->host || !p->host->secret_value)
		return hv_error_set(err, ENOENT, "storage pool '%s': this driver has no secrets "
				    "for cephx", p->name);
	if ((r = p->host->secret_value(p->host->opaque, "ceph", s->secret, &v, err)) < 0)
		return r;
	d = g_bytes_get_data(v, &n);
	if (n == 0)
		return hv_error_set(err, ENOKEY, "storage pool '%s': ceph secret '%s' is empty",
				    p->name, s->secret);
	*key = g_base64_encode(d, n);
	return 0;
}

/* Why rados_connect failed, in words a user can act on. */
static const char *
connect_why(int e)
{
	static const struct {
		int err;
		const char *why;
	} table[] = {
		{ ETIMEDOUT, "no monitor answered" },
		{ EACCES, "the monitor refused the cephx key" },
		{ EPERM, "the monitor refused the cephx key" },
		{ ENOENT, "the monitor does not know the user" },
		{ EINVAL, "the monitor address or key is not valid" },
	};

	for (size_t k = 0; k < G_N_ELEMENTS(table); k++)
		if (table[k].err == e)
			return table[k].why;
	return g_strerror(e);
}

static int
conn_open(StoragePool *p, RbdConn **out, GError **err)
{
	g_auto(Source) s = { 0 };
	g_autofree char *key = NULL;
	RbdConn *c;
	int r;

	if ((r = source_of(p->def, &s, err)) < 0)
		return r;
	if (s.auth_type && (r = cephx_key(p, &s, &key, err)) < 0)
		return r;
	c = g_new0(RbdConn, 1);
	g_atomic_ref_count_init(&c->refs);
	c->pool = g_strdup(s.pool);
	c->mon_host = g_strdup(s.mon_host->str);
	c->user = g_strdup(s.user);
	if ((r = rados_create(&c->cluster, s.user)) < 0) {
		c->cluster = NULL;
		r = rbd_fail(p->name, r, err, "create a RADOS handle");
		goto fail;
	} else {
		const char *const rows[][2] = {
			{ "mon_host", c->mon_host },
			{ "auth_supported", key ? "cephx" : "none" },
			{ "client_mount_timeout", CONNECT_TIMEOUT },
			{ "rados_mon_op_timeout", MON_OP_TIMEOUT },
			{ "rados_osd_op_timeout", OSD_OP_TIMEOUT },
			{ "rbd_default_format", "2" },
			/* uploads: librbd's cache writes back from the first write
			 * (each close(2) flushes, as fdatasync does for a file) */
			{ "rbd_cache_writethrough_until_flush", "false" },
			{ "rbd_cache_size", "67108864" },
			{ "rbd_cache_max_dirty", "50331648" },
			{ "rbd_cache_target_dirty", "33554432" },
			{ "log_to_stderr", "false" },
			{ "err_to_stderr", "false" },
			{ "key", key ? key : "" },
		};

		if ((r = conf_set(p->name, c->cluster, rows, G_N_ELEMENTS(rows) - !key, err)) < 0)
			goto fail;
	}
	if ((r = rados_connect(c->cluster)) < 0) {
		r = hv_error_set(err, -r, "storage pool '%s': cannot connect to the Ceph monitor on "
				 "%s%s%s: %s", p->name, c->mon_host, key ? " as " : "",
				 key ? s.user : "", connect_why(-r));
		goto fail;
	}
	if ((r = rados_ioctx_create(c->cluster, c->pool, &c->io)) < 0) {
		c->io = NULL;
		r = hv_error_set(err, -r, "storage pool '%s': cannot open Ceph pool '%s': %s",
				 p->name, c->pool, -r == ENOENT ? "the cluster has no such pool"
								: g_strerror(-r));
		goto fail;
	}
	*out = c;
	c = NULL;
	r = 0;
fail:
	if (key)
		explicit_bzero(key, strlen(key));
	rbd_conn_unref(c);
	return r;
}

static RbdPool *
pool_of(const StoragePool *p)
{
	return p->priv;
}

static int
rbd_start(StoragePool *p, GError **err)
{
	RbdConn *c = NULL;
	int r = conn_open(p, &c, err);

	if (r < 0)
		return r;
	p->priv = g_new0(RbdPool, 1);
	pool_of(p)->conn = c;
	return 0;
}

static void
rbd_release(StoragePool *p)
{
	RbdPool *rp = pool_of(p);

	if (rp) {
		rbd_conn_unref(rp->conn);
		g_free(rp);
		p->priv = NULL;
	}
}

static int
rbd_stop(StoragePool *p, GError **err)
{
	rbd_release(p);
	return 0;
}

/* rbd_diff_iterate2's: adds the extents that hold data */
static int
count_extent(uint64_t off, size_t len, int exists, void *arg)
{
	if (exists)
		*(uint64_t *)arg += len;
	return 0;
}

/* v's sizes from its image: allocation from the object map where the image
 * has fast-diff (as libvirt), else its objects' worth. */
static int
stat_image(StoragePool *p, rbd_image_t img, StorageVol *v, GError **err)
{
	rbd_image_info_t info;
	uint64_t features = 0, used = 0;
	int r;

	if ((r = rbd_stat(img, &info, sizeof(info))) < 0)
		return rbd_fail(p->name, r, err, "stat RBD image '%s'", v->path);
	v->capacity = info.size;
	v->allocation = info.obj_size * info.num_objs;
	if (rbd_get_features(img, &features) == 0 && (features & RBD_FEATURE_FAST_DIFF) &&
	    rbd_diff_iterate2(img, NULL, 0, info.size, 1, 1, count_extent, &used) == 0)
		v->allocation = MIN(used, info.size);
	return 0;
}

static StorageVol *
vol_new(const RbdConn *c, const char *name)
{
	g_autofree char *path = g_strdup_printf("%s/%s", c->pool, name);
	StorageVol *v = storage_vol_new(name, path);

	g_free(v->type);
	v->type = g_strdup("network");
	g_free(v->format);
	v->format = g_strdup("raw");
	return v;
}

/* Image name of the pool into v, or -errno (ENOENT: gone since listed). */
static int
probe(StoragePool *p, const char *name, StorageVol **out, GError **err)
{
	RbdConn *c = pool_of(p)->conn;
	g_autoptr(StorageVol) v = vol_new(c, name);
	rbd_image_t img;
	int r;

	if ((r = rbd_open_read_only(c->io, name, &img, NULL)) < 0)
		return rbd_fail(p->name, r, err, "open RBD image '%s'", v->path);
	r = stat_image(p, img, v, err);
	rbd_close(img);
	if (r == 0)
		*out = g_steal_pointer(&v);
	return r;
}

static int
rbd_refresh(StoragePool *p, GHashTable *out, GError **err)
{
	RbdConn *c = pool_of(p)->conn;
	g_autofree rbd_image_spec_t *specs = NULL;
	size_t n = 64;
	int r;

	do {
		g_free(specs);
		specs = g_new0(rbd_image_spec_t, n);
	} while ((r = rbd_list2(c->io, specs, &n)) == -ERANGE);
	if (r < 0)
		return rbd_fail(p->name, r, err, "list the images of Ceph pool '%s'", c->pool);
	for (size_t k = 0; k < n; k++) {
		StorageVol *v = NULL;

		if (hv_name_check("storage volume", specs[k].name, NULL) == 0 &&
		    !strpbrk(specs[k].name, NAME_UNSAFE) && probe(p, specs[k].name, &v, NULL) == 0)
			g_hash_table_insert(out, v->name, v);
	}
	rbd_image_spec_list_cleanup(specs, n);
	return 0;
}

/* Cheap, on every info: the cluster is asked at most once a second, and
 * when it did not answer (within rados_mon_op_timeout) not for 30 s: infos
 * show the sizes it gave last meanwhile. */
static void
rbd_sizes(StoragePool *p, StorageSizes *out)
{
	RbdPool *rp = pool_of(p);
	struct rados_cluster_stat_t cs;
	struct rados_pool_stat_t ps;
	gint64 now = g_get_monotonic_time();

	if (!rp)
		return;
	if (now >= rp->sizes_next) {
		if (rados_cluster_stat(rp->conn->cluster, &cs) == 0 &&
		    rados_ioctx_pool_stat(rp->conn->io, &ps) == 0) {
			rp->sizes = (StorageSizes){ .capacity = cs.kb * 1024,
						    .available = cs.kb_avail * 1024,
						    .allocation = ps.num_bytes };
			rp->sizes_next = now + SIZES_EVERY_US;
		} else {
			rp->sizes_next = g_get_monotonic_time() + SIZES_AWAY_US;
		}
	}
	*out = rp->sizes;
}

static int
name_check(StoragePool *p, const char *name, GError **err)
{
	if (strpbrk(name, NAME_UNSAFE))
		return hv_error_set(err, EINVAL, "storage volume '%s' in rbd pool '%s': an RBD "
				    "image name may not hold any of / @ : , ; quotes or blanks", name,
				    p->name);
	return 0;
}

/* libvirt's checks: raw only, no backing store, no encryption. */
static int
def_check(StoragePool *p, const HvVolumeDef *def, GError **err)
{
	xmlNode *root = def->doc ? xmlDocGetRootElement(def->doc) : NULL;

	if (name_check(p, def->name, err) < 0)
		return -EINVAL;
	if (def->format && strcmp(def->format, "raw"))
		return hv_error_set(err, EOPNOTSUPP, "cannot create volume '%s' in pool '%s': RBD "
				    "images are raw (format '%s' is not supported)", def->name,
				    p->name, def->format);
	if (def->backing_path)
		return hv_error_set(err, EOPNOTSUPP, "cannot create volume '%s' in pool '%s': RBD "
				    "images have no backing store (clone one instead)", def->name,
				    p->name);
	if (root && hv_xml_path(root, "target/encryption"))
		return hv_error_set(err, EOPNOTSUPP, "cannot create volume '%s' in pool '%s': RBD "
				    "pools do not support encrypted volumes", def->name, p->name);
	return 0;
}

static int
rbd_vol_create(StoragePool *p, const HvVolumeDef *def, StorageVol **out, GError **err)
{
	RbdConn *c = pool_of(p)->conn;
	int order = 0, r;

	if ((r = def_check(p, def, err)) < 0)
		return r;
	if ((r = rbd_create(c->io, def->name, def->capacity, &order)) < 0)
		return r == -EEXIST ? hv_error_set(err, EEXIST, "storage pool '%s': RBD image "
						   "'%s/%s' exists", p->name, c->pool, def->name)
				    : rbd_fail(p->name, r, err, "create RBD image '%s/%s'", c->pool,
					       def->name);
	if ((r = probe(p, def->name, out, err)) < 0)
		rbd_remove(c->io, def->name);
	return r;
}

/* ---- snapshots: a clone's parent, and what delete takes along */

typedef struct {
	rbd_snap_info_t *snaps;
	int n;
} Snaps;

static void
snaps_clear(Snaps *s)
{
	if (s->snaps && s->n > 0)
		rbd_snap_list_end(s->snaps);
	g_free(s->snaps);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Snaps, snaps_clear)

static int
snaps_of(rbd_image_t img, Snaps *s)
{
	int max = 16, r;

	do {
		g_free(s->snaps);
		s->snaps = g_new0(rbd_snap_info_t, max);
	} while ((r = rbd_snap_list(img, s->snaps, &max)) == -ERANGE);
	s->n = r < 0 ? 0 : r;
	return r < 0 ? r : 0;
}

/* diff_iterate's: any extent at all is a change */
static int
any_extent(uint64_t off, size_t len, int exists, void *arg)
{
	*(bool *)arg = true;
	return -ECANCELED;
}

/* A snapshot of img with no change since (libvirt's FindNoDiff), else a new
 * one named libvirt-N: *snap (owned). */
static int
clone_snapshot(StoragePool *p, rbd_image_t img, const char *what, uint64_t size, char **snap,
	       GError **err)
{
	g_auto(Snaps) s = { 0 };
	int r;

	if ((r = snaps_of(img, &s)) < 0)
		return rbd_fail(p->name, r, err, "list the snapshots of '%s'", what);
	for (int k = 0; k < s.n; k++) {
		bool changed = false;

		r = rbd_diff_iterate2(img, s.snaps[k].name, 0, size, 0, 1, any_extent, &changed);
		if ((r == 0 || r == -ECANCELED) && !changed) {
			*snap = g_strdup(s.snaps[k].name);
			return 0;
		}
	}
	*snap = g_strdup_printf(SNAP_PREFIX "%u", g_random_int_range(0, 65535));
	if ((r = rbd_snap_create(img, *snap)) < 0) {
		r = rbd_fail(p->name, r, err, "make snapshot '%s@%s'", what, *snap);
		g_clear_pointer(snap, g_free);
	}
	return r;
}

static int
protect(StoragePool *p, rbd_image_t img, const char *what, const char *snap, GError **err)
{
	int prot = 0, r;

	if ((r = rbd_snap_is_protected(img, snap, &prot)) < 0 ||
	    (!prot && (r = rbd_snap_protect(img, snap)) < 0))
		return rbd_fail(p->name, r, err, "protect snapshot '%s@%s'", what, snap);
	return 0;
}

/* Within the pool: snapshot (or one without changes since), protect it,
 * clone it with the source's features, order and striping (libvirt's
 * CloneImage); the clone then grows to def's capacity when that is more.
 * From another pool: EXDEV, and the bytes are copied instead. */
static int
rbd_vol_create_from(StoragePool *p, const HvVolumeDef *def, StoragePool *src_pool,
		    StorageVol *src, StorageVol **out, GError **err)
{
	RbdConn *c = pool_of(p)->conn;
	g_autofree char *snap = NULL;
	rbd_image_t img = NULL, clone = NULL;
	rbd_image_info_t info;
	uint64_t features = 0, unit = 0, count = 0;
	int r;

	if (src_pool != p)
		return hv_error_set(err, EXDEV, "an RBD clone needs its source in the same pool");
	if ((r = def_check(p, def, err)) < 0)
		return r;
	if ((r = rbd_open(c->io, src->name, &img, NULL)) < 0)
		return rbd_fail(p->name, r, err, "open RBD image '%s'", src->path);
	if ((r = rbd_stat(img, &info, sizeof(info))) < 0 ||
	    (r = rbd_get_features(img, &features)) < 0 ||
	    (r = rbd_get_stripe_unit(img, &unit)) < 0 ||
	    (r = rbd_get_stripe_count(img, &count)) < 0) {
		r = rbd_fail(p->name, r, err, "read the layout of RBD image '%s'", src->path);
		goto out;
	}
	if (!(features & RBD_FEATURE_LAYERING)) {
		r = hv_error_set(err, EOPNOTSUPP, "storage pool '%s': cannot clone RBD image '%s': "
				 "it lacks the layering feature", p->name, src->path);
		goto out;
	}
	if ((r = clone_snapshot(p, img, src->path, info.size, &snap, err)) < 0 ||
	    (r = protect(p, img, src->path, snap, err)) < 0)
		goto out;
	if ((r = rbd_clone2(c->io, src->name, snap, c->io, def->name, features,
			    &(int){ info.order }, unit, count)) < 0) {
		r = r == -EEXIST ? hv_error_set(err, EEXIST, "storage pool '%s': RBD image '%s/%s' "
						"exists", p->name, c->pool, def->name)
				 : rbd_fail(p->name, r, err, "clone '%s@%s' to '%s/%s'", src->path,
					    snap, c->pool, def->name);
		goto out;
	}
	if (def->capacity > info.size &&
	    ((r = rbd_open(c->io, def->name, &clone, NULL)) < 0 ||
	     (r = rbd_resize(clone, def->capacity)) < 0)) {
		r = rbd_fail(p->name, r, err, "grow clone '%s/%s'", c->pool, def->name);
		rbd_remove(c->io, def->name);
		goto out;
	}
	if ((r = probe(p, def->name, out, err)) < 0)
		rbd_remove(c->io, def->name);
out:
	if (clone)
		rbd_close(clone);
	rbd_close(img);
	return r;
}

/* EBUSY naming the first snapshot of img that has clones, else 0. */
static int
clones_of(StoragePool *p, rbd_image_t img, const StorageVol *v, const Snaps *s, GError **err)
{
	for (int k = 0; k < s->n; k++) {
		size_t n = 0;
		int r;

		if (rbd_snap_set(img, s->snaps[k].name) < 0)
			continue;
		r = rbd_list_children3(img, NULL, &n);
		rbd_snap_set(img, NULL);
		if (r == -ERANGE || n > 0)
			return hv_error_set(err, EBUSY, "cannot delete volume '%s' in pool '%s': "
					    "its snapshot '%s' has %zu clone%s; delete them first",
					    v->name, p->name, s->snaps[k].name, n, n == 1 ? "" : "s");
	}
	return 0;
}

/* The image's snapshots go with it (libvirt's --delete-snapshots: rmdir
 * has no flags), unless one has clones: EBUSY, and nothing changes. */
static int
drop_snapshots(StoragePool *p, rbd_image_t img, const StorageVol *v, GError **err)
{
	g_auto(Snaps) s = { 0 };
	int r, prot;

	if ((r = snaps_of(img, &s)) < 0)
		return rbd_fail(p->name, r, err, "list the snapshots of '%s'", v->path);
	if ((r = clones_of(p, img, v, &s, err)) < 0)
		return r;
	for (int k = 0; k < s.n; k++) {
		const char *name = s.snaps[k].name;

		if ((rbd_snap_is_protected(img, name, &prot) == 0 && prot &&
		     (r = rbd_snap_unprotect(img, name)) < 0) ||
		    (r = rbd_snap_remove(img, name)) < 0)
			return rbd_fail(p->name, r, err, "remove snapshot '%s@%s'", v->path, name);
	}
	return 0;
}

static int
rbd_vol_delete(StoragePool *p, StorageVol *v, GError **err)
{
	RbdConn *c = pool_of(p)->conn;
	rbd_image_t img;
	int r;

	if ((r = rbd_open(c->io, v->name, &img, NULL)) == -ENOENT)
		return 0;
	if (r < 0)
		return rbd_fail(p->name, r, err, "open RBD image '%s'", v->path);
	r = drop_snapshots(p, img, v, err);
	rbd_close(img);
	if (r < 0)
		return r;
	if ((r = rbd_remove(c->io, v->name)) < 0 && r != -ENOENT)
		return r == -EBUSY ? hv_error_set(err, EBUSY, "cannot delete volume '%s' in pool "
						  "'%s': the image is in use (watched)", v->name,
						  p->name)
				   : rbd_fail(p->name, r, err, "remove RBD image '%s'", v->path);
	return 0;
}

static int
rbd_vol_resize(StoragePool *p, StorageVol *v, uint64_t bytes, unsigned flags, GError **err)
{
	RbdConn *c = pool_of(p)->conn;
	rbd_image_t img;
	int r;

	if ((r = rbd_open(c->io, v->name, &img, NULL)) < 0)
		return rbd_fail(p->name, r, err, "open RBD image '%s'", v->path);
	if ((r = rbd_resize(img, bytes)) < 0)
		r = rbd_fail(p->name, r, err, "resize RBD image '%s'", v->path);
	else
		r = stat_image(p, img, v, err);
	rbd_close(img);
	return r;
}

/* libvirt's rbd wipes: zero and trim, done by the cluster (rbd_write_zeroes
 * writes no bytes over the wire; a discard lets the objects go, and reads
 * zeroes, a clone's too). */
static int
rbd_vol_wipe(StoragePool *p, StorageVol *v, StorageWipeAlgorithm alg, GError **err)
{
	RbdConn *c = pool_of(p)->conn;
	rbd_image_info_t info;
	rbd_image_t img;
	ssize_t r;

	if (alg != STORAGE_WIPE_ZERO && alg != STORAGE_WIPE_TRIM)
		return hv_error_set(err, EOPNOTSUPP, "cannot wipe volume '%s' in pool '%s': RBD "
				    "images are wiped with zero or trim", v->name, p->name);
	if ((r = rbd_open(c->io, v->name, &img, NULL)) < 0)
		return rbd_fail(p->name, (int)r, err, "open RBD image '%s'", v->path);
	if ((r = rbd_stat(img, &info, sizeof(info))) == 0)
		r = alg == STORAGE_WIPE_ZERO ? rbd_write_zeroes(img, 0, info.size, 0, 0)
					     : rbd_discard(img, 0, info.size);
	if (r >= 0)
		r = rbd_flush(img);
	if (r < 0)
		r = rbd_fail(p->name, (int)r, err, "wipe RBD image '%s'", v->path);
	else
		r = stat_image(p, img, v, err);
	rbd_close(img);
	return (int)r;
}

/* QEMU's rbd driver: pool/image, the monitors, and the cephx user with the
 * secret's usage (the key goes to QEMU in a secret object, never on its
 * command line). */
static int
rbd_vol_source(StoragePool *p, const StorageVol *v, StorageVolSource *out, GError **err)
{
	g_auto(Source) s = { 0 };
	g_auto(GStrv) hosts = NULL;
	int r;

	if ((r = source_of(p->def, &s, err)) < 0)
		return r;
	out->type = g_strdup("network");
	out->protocol = g_strdup("rbd");
	out->path = g_strdup(v->path);
	out->format = g_strdup("raw");
	out->hosts = g_ptr_array_new_with_free_func(g_free);
	hosts = g_strsplit(s.mon_host->str, ",", -1);
	for (guint k = 0; hosts[k]; k++)
		g_ptr_array_add(out->hosts, g_strdup(hosts[k]));
	out->auth_user = g_strdup(s.user);
	out->auth_secret_usage = g_strdup(s.secret);
	return 0;
}

static int
rbd_vol_upload(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
	       StorageStream **out, GError **err)
{
	return rbd_stream_open(p->name, pool_of(p)->conn, v->name, true, offset, length, out, err);
}

static int
rbd_vol_download(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
		 StorageStream **out, GError **err)
{
	return rbd_stream_open(p->name, pool_of(p)->conn, v->name, false, offset, length, out,
			       err);
}

const StorageBackend storage_backend_rbd = {
	.type = "rbd",
	.check_def = rbd_check_def,
	.start = rbd_start,
	.stop = rbd_stop,
	.refresh = rbd_refresh,
	.sizes = rbd_sizes,
	.vol_create = rbd_vol_create,
	.vol_create_from = rbd_vol_create_from,
	.vol_delete = rbd_vol_delete,
	.vol_resize = rbd_vol_resize,
	.vol_wipe = rbd_vol_wipe,
	.vol_source = rbd_vol_source,
	.vol_upload = rbd_vol_upload,
	.vol_download = rbd_vol_download,
	.release = rbd_release,
};
