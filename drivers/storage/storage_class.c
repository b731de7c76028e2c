/* storage_class.c: the storage pool class of the shared tables and the
 * volume ops, for any driver with pools (storage_class.h). A pool is an entry
 * of the table; its StoragePool (the backend's view: state, volumes, the
 * backend's own state) is the entry's priv. The verbs run through one table
 * of where they apply and what they report; volumes are the pools' children
 * (the shared volume ops, hv_objops_volume), whose acts hand over to
 * storage_pool.c. */
#include <string.h>
#include "drivers/storage/storage_class.h"
#include <unistd.h>
#include "drivers/secret/secret_store.h"
#include "drivers/objstore.h"
#include "drivers/voldata.h"
#include "drivers/storage/storage_util.h"
#include "util/table.h"

struct StorageTables {
	HvCore core;       /* the pools' lock and events, apart from the driver's */
	HvConn *conn;
	const char *driver;
	HvObjTab *pools;
	StorageHost host;  /* what backends ask of the driver: secrets */
};

/* The backend's view of pool o, pointed at o's current definition. */
static StoragePool *
pool_of(HvEntry *o)
{
	StoragePool *p = o->priv;

	p->def = o->def.pool;
	return p;
}

/* ---- volumes: the children of a pool in the shared tables, one entry per
 * volume its backend reports (StoragePool.vols, the truth: the entries only
 * index them, so lists, lookups and jobs are the shared ones) */

/* Lock held: the children follow the backend's volumes (their events were
 * reported by storage_pool.c as they came and went). */
static void
vols_sync(HvEntry *pe)
{
	StoragePool *p = pool_of(pe);
	GHashTableIter it;
	gpointer k;

	for (guint i = hv_objtab_count(pe->children); i-- > 0;) {
		HvEntry *v = hv_objtab_nth(pe->children, i);

		if (!g_hash_table_contains(p->vols, v->name))
			hv_objtab_remove(pe->children, v);
	}
	g_hash_table_iter_init(&it, p->vols);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		g_autoptr(GError) err = NULL;
		HvVolumeDef *def;

		if (hv_objtab_lookup(pe->children, k))
			continue;
		def = g_new0(HvVolumeDef, 1);
		def->name = g_strdup(k);
		if (hv_objtab_add(pe->children, def, 0, NULL, &err) < 0)
			g_debug("%s", err->message);
	}
}

/* A volume's pool (its table's parent) and what the backend says of it. */
static StorageVol *
vol_of(HvObjTab *t, HvEntry *o, StoragePool **pool)
{
	StorageTables *st = t->opaque;

	*pool = pool_of(hv_objtab_lookup(st->pools, t->parent));
	return g_hash_table_lookup((*pool)->vols, o->name);
}

static void *
vol_info(HvObjTab *t, HvEntry *o)
{
	StoragePool *p;
	StorageVol *v = vol_of(t, o, &p);

	return storage_vol_info(p, v);
}

static char *
vol_xml(HvObjTab *t, HvEntry *o, unsigned flags)
{
	StoragePool *p;
	StorageVol *v = vol_of(t, o, &p);
	char *xml = NULL;

	return storage_vol_xml(p, v, &xml, NULL) == 0 ? xml : NULL;
}

static int
vol_create(HvObjTab *t, HvEntry *pe, const char *xml, HvEntry **out, GError **err)
{
	g_autofree char *name = NULL;
	int r = storage_vol_create(pool_of(pe), t->core, xml, &name, err);

	if (r < 0)
		return r;
	vols_sync(pe);
	*out = hv_objtab_lookup(t, name);
	return *out ? 0 : hv_error_set(err, EINVAL, "storage volume '%s' in pool '%s' has a name "
				       "the tree cannot show", name, pe->name);
}

static int
vol_delete(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	StoragePool *p;
	int r;

	vol_of(t, o, &p);
	if ((r = storage_vol_delete(p, t->core, o->name, err)) == 0)
		hv_objtab_remove(t, o);
	return r;
}

static int
vol_resize(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	StoragePool *p;

	const HvSetArg *a = arg;

	vol_of(t, o, &p);
	/* libvirt's VIR_STORAGE_VOL_RESIZE_ALLOCATE 1, SHRINK 4 */
	return storage_vol_resize(p, t->core, o->name, a->value,
				  ((a->flags & 1) ? STORAGE_RESIZE_ALLOCATE : 0) |
					  ((a->flags & 4) ? STORAGE_RESIZE_SHRINK : 0),
				  err);
}

/* ---- content (voldata.h): the backend's stream, as the driver API's */

/* One read (into rbuf) or write (of wbuf, when write) of the backend's
 * stream at the driver stream's offset, which follows it. */
static gssize
ds_io(HvDataStream *s, bool write, void *rbuf, const void *wbuf, size_t len, GError **err)
{
	StorageStream *ss = s->priv;
	gssize n;

	ss->offset = s->offset;
	n = write ? ss->ops->write(ss, wbuf, len, err) : ss->ops->read(ss, rbuf, len, err);
	s->offset = ss->offset;
	return n;
}

static gssize
ds_read(HvDataStream *s, void *buf, size_t len, GError **err)
{
	return ds_io(s, false, buf, NULL, len, err);
}

static int
ds_write(HvDataStream *s, const void *buf, size_t len, GError **err)
{
	return (int)ds_io(s, true, NULL, buf, len, err);
}

static int
ds_finish(HvDataStream *s, GError **err)
{
	StorageStream *ss = s->priv;

	return ss->ops->finish ? ss->ops->finish(ss, err) : 0;
}

static void
ds_close(HvDataStream *s)
{
	StorageStream *ss = s->priv;

	ss->ops->close(ss);
	g_free(s);
}

static gssize
ds_span(HvDataStream *s, size_t len, int *fd, off_t *pos, GError **err)
{
	StorageStream *ss = s->priv;
	gssize n;

	if (!ss->ops->span)
		return -ENOTSUP;
	ss->offset = s->offset;
	n = ss->ops->span(ss, len, fd, pos, err);
	s->offset = ss->offset;
	return n;
}

static const HvDataStreamOps ds_ops = { ds_read, ds_write, ds_finish, ds_close, ds_span };

static int
vol_data_open(HvObjTab *t, HvEntry *o, bool upload, uint64_t offset, uint64_t length,
	      unsigned flags, HvDataStream **out, uint64_t *total, GError **err)
{
	StoragePool *p;
	StorageVol *v = vol_of(t, o, &p);
	StorageStream *ss = NULL;
	HvDataStream *s;
	int r;

	r = upload ? STORAGE_CALL(p, vol_upload, "volume upload", err, v, offset, length, &ss)
		   : STORAGE_CALL(p, vol_download, "volume download", err, v, offset, length,
				  &ss);
	if (r < 0)
		return r;
	/* a copy that makes the volume replaces what its creation wrote (a
	 * qcow2 header): a file is cut where the copy starts */
	if (upload && (flags & HV_UPLOAD_REPLACE) && ss->ops->truncate &&
	    (r = ss->ops->truncate(ss, offset, err)) < 0) {
		g_prefix_error(err, "cannot upload into volume '%s' in pool '%s': ", o->name,
			       p->name);
		ss->ops->close(ss);
		return r;
	}
	s = g_new0(HvDataStream, 1);
	s->ops = &ds_ops;
	s->offset = ss->offset;
	s->end = ss->end;
	s->priv = ss;
	*total = ss->end != UINT64_MAX ? ss->end - ss->offset : 0;
	*out = s;
	return 0;
}

/* The pool's volumes again (an upload may have changed the format and the
 * size); the volume is reported resized, so its files are read anew. */
static void
vol_data_done(HvObjTab *t, HvEntry *o)
{
	StorageTables *st = t->opaque;
	HvEntry *pe = hv_objtab_lookup(st->pools, t->parent);
	g_autoptr(GError) err = NULL;
	StoragePool *p;
	StorageVol *v;

	if (!pe)
		return;
	p = pool_of(pe);
	v = g_hash_table_lookup(p->vols, o->name);
	/* a file volume is inspected alone (one qemu-img, not one per file of
	 * the pool); anything else through the backend's refresh */
	if (v && v->path && g_file_test(v->path, G_FILE_TEST_IS_REGULAR)) {
		if (storage_img_probe(v->path, v, &err) < 0)
			g_debug("%s", err->message);
	} else {
		if (storage_pool_refresh(p, t->core, &err) < 0)
			g_debug("%s", err->message);
		vols_sync(pe);
	}
	if ((v = g_hash_table_lookup(p->vols, o->name)))
		hv_entry_emit_u64(o, "resized", v->capacity);
}

static int
vol_data_grow(HvObjTab *t, HvEntry *o, uint64_t bytes, GError **err)
{
	StoragePool *p;
	StorageVol *v = vol_of(t, o, &p);

	if (!v || bytes <= v->capacity)
		return 0;
	return storage_vol_resize(p, t->core, o->name, bytes, 0, err);
}

/* A clone within the pool its backend's own way (an RBD clone), or 0. */
static int
vol_data_clone(HvObjTab *t, HvEntry *src, const char *xml, char **name, GError **err)
{
	StoragePool *p;
	HvEntry *pe;
	int r;

	vol_of(t, src, &p);
	if ((r = storage_vol_create_from(p, t->core, xml, src->name, name, err)) > 0 &&
	    (pe = hv_objtab_lookup(((StorageTables *)t->opaque)->pools, t->parent)))
		vols_sync(pe);
	return r;
}

/* The backend's own wipe (rbd: zeroes or a discard in the cluster), else 1:
 * zeroes through the volume's stream. */
static int
vol_data_wipe(HvObjTab *t, HvEntry *o, unsigned algorithm, GError **err)
{
	StoragePool *p;
	StorageVol *v = vol_of(t, o, &p);

	if (!v || !p->backend->vol_wipe)
		return 1;
	return p->backend->vol_wipe(p, v, (StorageWipeAlgorithm)algorithm, err);
}

static const HvVolDataOps vol_data = {
	.open = vol_data_open,
	.done = vol_data_done,
	.grow = vol_data_grow,
	.wipe = vol_data_wipe,
	.clone = vol_data_clone,
};

static const HvObjVerb vol_verbs[HV_VERB_LAST] = {
	[HV_VERB_DELETE] = { "delete", { .cls = HV_JOB_MODIFY }, 0, NULL, vol_delete },
	[HV_VERB_RESIZE] = { "resize", { .cls = HV_JOB_MODIFY }, 0, NULL, vol_resize },
};

static const HvObjClass storage_vol_class = {
	.defs = &hv_volume_defs,
	.verbs = vol_verbs,
	.info = vol_info,
	.info_free = (GDestroyNotify)hv_volume_info_free,
	.xml = vol_xml,
	.create = vol_create,
	.data = &vol_data,
};

/* Volumes may be used while the pool runs. */
static bool
usable(HvEntry *o)
{
	return ((StoragePool *)o->priv)->state == HV_POOL_RUNNING;
}

/* ---- the verbs: one row each, where it applies, what it does and reports */

/* arg: the verb's (build: an HvSetArg with libvirt's flags, or NULL) */
typedef int (*PoolAct)(HvObjTab *t, HvEntry *o, StoragePool *p, void *arg, GError **err);

static int
act_start(HvObjTab *t, HvEntry *o, StoragePool *p, void *arg, GError **err)
{
	int r = storage_pool_start(p, t->core, false, err);

	if (r == 0) {
		vols_sync(o);
		hv_entry_started(o);
	}
	return r;
}

static int
act_stop(HvObjTab *t, HvEntry *o, StoragePool *p, void *arg, GError **err)
{
	int r = storage_pool_stop(p, err);

	if (r == 0) {
		vols_sync(o);
		hv_entry_stopped(o); /* a redefinition made while active applies now */
	}
	return r;
}

static int
act_build(HvObjTab *t, HvEntry *o, StoragePool *p, void *arg, GError **err)
{
	unsigned lf = arg ? ((const HvSetArg *)arg)->flags : 0;

	/* libvirt's VIR_STORAGE_POOL_BUILD_NO_OVERWRITE 4, OVERWRITE 8 */
	if ((lf & 4) && (lf & 8))
		return hv_error_set(err, EINVAL, "cannot build storage pool '%s': overwrite and "
				    "no-overwrite exclude each other", o->name);
	return STORAGE_CALL(p, build, "build", err,
			    ((lf & 8) ? STORAGE_BUILD_OVERWRITE : 0) |
				    ((lf & 4) ? STORAGE_BUILD_NO_OVERWRITE : 0));
}

static int
act_refresh(HvObjTab *t, HvEntry *o, StoragePool *p, void *arg, GError **err)
{
	int r = storage_pool_refresh(p, t->core, err);

	vols_sync(o);
	return r;
}

static int
act_delete(HvObjTab *t, HvEntry *o, StoragePool *p, void *arg, GError **err)
{
	return STORAGE_CALL(p, delete, "delete", err, 0);
}

enum { V_START, V_STOP, V_BUILD, V_REFRESH, V_DELETE };

static const struct {
	const char *verb;
	bool when_active;   /* allowed while active, else only while inactive */
	const char *why;    /* the refusal otherwise */
	const char *before; /* event before the action, or NULL */
	const char *after;  /* event once it is done */
	PoolAct act;
} pool_verbs[] = {
	[V_START] = { "start", false, "storage pool is already active", NULL, "started", act_start },
	[V_STOP] = { "stop", true, "storage pool is not active", NULL, "stopped", act_stop },
	[V_BUILD] = { "build", false, "storage pool is already active", "building", "built", act_build },
	[V_REFRESH] = { "refresh", true, "storage pool is not active", NULL, "refreshed", act_refresh },
	[V_DELETE] = { "delete", false, "storage pool is still active", NULL, "deleted", act_delete },
};

static int
act_verb(HvObjTab *t, HvEntry *o, HvJob *job, int verb, void *arg, GError **err)
{
	StoragePool *p = pool_of(o);
	int r;

	if ((p->state == HV_POOL_RUNNING) != pool_verbs[verb].when_active)
		return hv_error_set(err, EBUSY, "cannot %s storage pool '%s': %s",
				    pool_verbs[verb].verb, o->name, pool_verbs[verb].why);
	if (pool_verbs[verb].before)
		hv_entry_emit(o, pool_verbs[verb].before, "-");
	if ((r = pool_verbs[verb].act(t, o, p, arg, err)) < 0)
		return r;
	hv_entry_emit(o, pool_verbs[verb].after, "-");
	return 0;
}

#define VERB(v, c) { .verb = (v), .job = { .cls = HV_JOB_MODIFY }, .act = act_verb, .code = (c) }

static const HvObjVerb verbs[HV_VERB_LAST] = {
	[HV_VERB_START] = VERB("start", V_START),
	[HV_VERB_STOP] = VERB("stop", V_STOP),
	[HV_VERB_BUILD] = VERB("build", V_BUILD),
	[HV_VERB_REFRESH] = VERB("refresh", V_REFRESH),
	[HV_VERB_DELETE] = VERB("delete", V_DELETE),
};

/* ---- the class hooks */

/* Whether folder a is b or holds it. */
static bool
path_within(const char *a, const char *b)
{
	size_t n = strlen(a);

	while (n > 1 && a[n - 1] == '/')
		n--;
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/' || n == 1);
}

/* Pools whose target is a folder of their files (not where device nodes
 * show, as /dev for disk and logical pools). */
static bool
files_in_target(const HvPoolDef *def)
{
	static const char *const types[] = { "dir", "fs", "netfs", NULL };

	return def->target_path && g_strv_contains(types, def->type);
}

/* A folder pool's target may not overlap another's (the same folder, or one
 * inside the other), nor a pool's source device (on the same host, for network pools) be
 * another's. Lock held. */
static int
check_overlap(HvObjTab *t, const HvPoolDef *def, GError **err)
{
	g_autofree char *dev = storage_def_prop(def, "source/device", "path");
	g_autofree char *host = storage_def_prop(def, "source/host", "name");
	g_autofree char *port = storage_def_prop(def, "source/host", "port");
	g_autofree char *dir = storage_def_prop(def, "source/dir", "path");

	for (guint i = 0; i < hv_objtab_count(t); i++) {
		HvEntry *o = hv_objtab_nth(t, i);
		const HvPoolDef *od = o->def.pool;
		g_autofree char *odev = NULL, *ohost = NULL, *oport = NULL, *odir = NULL;

		if (g_str_equal(o->name, def->name))
			continue;
		if (files_in_target(def) && files_in_target(od) &&
		    (path_within(def->target_path, od->target_path) ||
		     path_within(od->target_path, def->target_path)))
			return hv_error_set(err, EEXIST, "storage pool '%s': target '%s' overlaps "
					    "the target '%s' of pool '%s'", def->name,
					    def->target_path, od->target_path, o->name);
		odev = storage_def_prop(od, "source/device", "path");
		ohost = storage_def_prop(od, "source/host", "name");
		oport = storage_def_prop(od, "source/host", "port");
		/* a device on a host (an iSCSI target name) is the same only on
		 * the same host and port (libvirt's virStoragePoolSourceFindDuplicate) */
		if (dev && odev && g_str_equal(dev, odev) && g_strcmp0(host, ohost) == 0 &&
		    g_strcmp0(port, oport) == 0)
			return hv_error_set(err, EEXIST, "storage pool '%s': source device '%s' is "
					    "the source of pool '%s' already", def->name, dev, o->name);
		/* an exported folder (netfs) likewise, on the same host */
		odir = storage_def_prop(od, "source/dir", "path");
		if (dir && odir && host && g_str_equal(dir, odir) && g_strcmp0(host, ohost) == 0 &&
		    g_str_equal(def->type, od->type))
			return hv_error_set(err, EEXIST, "storage pool '%s': '%s:%s' is the source "
					    "of pool '%s' already", def->name, host, dir, o->name);
	}
	return 0;
}

static int
prepare(HvObjTab *t, HvEntry *existing, void *def, GError **err)
{
	StorageTables *st = t->opaque;
	int r;

	if ((r = storage_pool_check_def(def, st->driver, err)) < 0)
		return r;
	if ((r = check_overlap(t, def, err)) < 0)
		return r;
	hv_pool_def_ensure_uuid(def);
	return 0;
}

static void *
priv_new(HvObjTab *t, HvEntry *o)
{
	StorageTables *st = t->opaque;

	return storage_pool_new(o->def.pool, storage_backend_find(o->def.pool->type), &st->host);
}

static void *
info_new(HvObjTab *t, HvEntry *o)
{
	HvPoolInfo *i = storage_pool_info(pool_of(o));

	i->persistent = o->persistent;
	i->autostart = o->autostart;
	return i;
}

/* The persistent definition (inactive) or the live one with its sizes now. */
static char *
xml_new(HvObjTab *t, HvEntry *o, unsigned flags)
{
	return storage_pool_xml(pool_of(o), (flags & HV_XML_INACTIVE) ? hv_entry_config(o)
								     : o->def.pool);
}

const HvObjClass storage_pool_class = {
	.defs = &hv_pool_defs,
	.verbs = verbs,
	.children = &storage_vol_class,
	.usable = usable,
	.prepare = prepare,
	.info = info_new,
	.info_free = (GDestroyNotify)hv_pool_info_free,
	.xml = xml_new,
	.priv_new = priv_new,
	.priv_free = (GDestroyNotify)storage_pool_free,
};

/* ---- opening */

/* A stored pool: checked as at define; one that was active is re-adopted,
 * an autostart one started (data: the autostart flag). Lock held. */
static void
loaded(HvObjTab *t, HvEntry *o, bool was_active, void *data)
{
	StorageTables *st = t->opaque;
	g_autoptr(GError) err = NULL;
	StoragePool *p = pool_of(o);

	if (storage_pool_check_def(o->def.pool, st->driver, &err) < 0 || !p->backend) {
		g_debug("storage pool '%s' skipped: %s", o->name, err ? err->message : "no backend");
		hv_objtab_remove(t, o);
		return;
	}
	if (!was_active && !(*(bool *)data && o->autostart))
		return;
	if (storage_pool_start(p, t->core, was_active, &err) < 0) {
		g_warning("cannot start storage pool '%s': %s", o->name, err->message);
		return;
	}
	vols_sync(o);
	hv_entry_started(o);
	hv_entry_emit(o, "started", "-");
}

StorageTables *
storage_tables_open(HvConn *c, const char *driver, const char *lib_dir, const char *run_dir,
		    bool autostart, GError **err)
{
	g_autofree char *dir = g_build_filename(lib_dir, "storage", NULL);
	g_autofree char *run = g_build_filename(run_dir, "storage", NULL);
	HvStore *store = hv_store_open(dir, run, err);
	StorageTables *st;

	if (!store)
		return NULL;
	st = g_new0(StorageTables, 1);
	hv_core_init(&st->core, c);
	st->conn = c;
	st->driver = driver;
	st->host.secret_value = secret_store_value; /* the node's secrets (may be none) */
	st->host.opaque = c->secrets;
	st->pools = hv_objtab_new(&(HvObjTabConfig){ .cls = &storage_pool_class,
						     .core = &st->core, .opaque = st,
						     .store = store, .run_markers = true,
						     .sorted = true });
	c->tables[HV_OBJ_POOL] = st->pools;
	hv_objtab_load(st->pools, loaded, &autostart, NULL);
	return st;
}

void
storage_tables_close(StorageTables *st)
{
	if (!st)
		return;
	if (st->conn->tables[HV_OBJ_POOL] == st->pools)
		st->conn->tables[HV_OBJ_POOL] = NULL;
	hv_objtab_free(st->pools);
	hv_core_clear(&st->core);
	g_free(st);
}

/* ---- resolving a domain's volume */

/* The secret usage type of each protocol a network volume logs in with. */
static const struct {
	const char *protocol;
	const char *usage;
} auth_protocols[] = {
	{ "iscsi", "iscsi" }, /* CHAP */
	{ "rbd", "ceph" },    /* cephx */
};

/* A network volume that logs in gets its key (the caller puts it where its
 * hypervisor reads it, never on a command line). */
static int
network_secret(StorageTables *st, StorageVolSource *s, const char *volume, const char *pool,
	       GError **err)
{
	const typeof(auth_protocols[0]) *row = HV_TABLE_FIND(auth_protocols, s->protocol);

	if (!s->auth_user)
		return 0;
	if (!row)
		return hv_error_set(err, EOPNOTSUPP, "volume '%s' of pool '%s' needs %s "
				    "authentication ('%s'), which the %s driver cannot give",
				    volume, pool, s->protocol, s->auth_user, st->driver);
	return st->host.secret_value(st->host.opaque, row->usage, s->auth_secret_usage,
				     &s->auth_secret, err);
}

int
storage_volume_resolve(void *opaque, const char *pool, const char *volume,
		       StorageVolSource *out, GError **err)
{
	StorageTables *st = opaque;
	HvEntry *o;
	int r = -ENOENT;

	memset(out, 0, sizeof(*out));
	hv_core_lock(&st->core);
	if ((o = hv_objtab_find(st->pools, pool ? pool : "", err)) && !usable(o))
		r = hv_error_set(err, EBUSY, "storage pool '%s' is not active", o->name);
	else if (o)
		r = storage_vol_source(pool_of(o), volume, out, err);
	hv_core_unlock(&st->core);
	if (r == 0 && out->protocol)
		r = network_secret(st, out, volume, pool, err);
	if (r < 0)
		storage_vol_source_clear(out);
	return r;
}
