/* qemu_pool.c: the qemu driver's storage pools: persistence (LIB/storage/
 * NAME.xml written atomically, LIB/storage/autostart/NAME, RUN/storage/NAME
 * while active, so a restart of hyperfs keeps pools active), the verbs start,
 * stop, build, refresh and delete through one state table acting on the
 * backend of the pool's type, autostart, and the pool ops table. */
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_priv.h"
#include "util/names.h"

static const QemuStorageBackend *const backends[] = { &qemu_storage_dir };

const QemuStorageBackend *
qemu_storage_backend(const char *type)
{
	for (size_t k = 0; type && k < G_N_ELEMENTS(backends); k++)
		if (g_str_equal(backends[k]->type, type))
			return backends[k];
	return NULL;
}

QemuStorage *
qemu_storage(HvConn *c)
{
	return qemu_conn(c)->storage;
}

static void
emit(QemuConn *qc, const char *name, const char *event, const char *detail)
{
	hv_conn_emit(qc->conn, HV_OBJ_POOL, NULL, name, event, detail);
}

static void
pool_free(QemuPool *p)
{
	if (!p)
		return;
	g_free(p->name);
	hv_pool_def_free(p->def);
	hv_pool_def_free(p->newdef);
	g_clear_pointer(&p->vols, g_hash_table_unref);
	g_free(p);
}

QemuPool *
qemu_pool_find(QemuStorage *st, const char *name, bool active, GError **err)
{
	QemuPool *p = name ? g_hash_table_lookup(st->pools, name) : NULL;

	if (!p)
		hv_error_set(err, ENOENT, "storage pool '%s' not found", name ? name : "");
	else if (active && p->state != HV_POOL_RUNNING) {
		hv_error_set(err, EBUSY, "storage pool '%s' is not active", name);
		return NULL;
	}
	return p;
}

static const QemuStorageBackend *
backend_of(const QemuPool *p)
{
	return qemu_storage_backend(p->def->type);
}

/* ---- persistence */

static int
save_def(QemuStorage *st, const HvPoolDef *def, GError **err)
{
	g_autofree char *xml = hv_pool_def_format(def);
	g_autofree char *path = g_strdup_printf("%s/%s.xml", st->dir, def->name);
	g_autoptr(GError) lerr = NULL;

	if (!xml)
		return hv_error_set(err, EIO, "cannot format storage pool '%s'", def->name);
	if (!g_file_set_contents_full(path, xml, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &lerr))
		return hv_error_set(err, EIO, "cannot save storage pool '%s' to '%s': %s", def->name,
				    path, lerr->message);
	return 0;
}

/* A marker file (kind: "autostart" under dir, or the run folder) on or off. */
static int
set_marker(const char *dir, const char *name, bool on, GError **err)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	if (on && !g_file_set_contents(path, "", 0, NULL))
		return hv_error_set(err, EIO, "cannot create '%s'", path);
	if (!on && unlink(path) < 0 && errno != ENOENT)
		return hv_error_set(err, errno, "cannot remove '%s': %s", path, g_strerror(errno));
	return 0;
}

static bool
has_marker(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	return g_file_test(path, G_FILE_TEST_EXISTS);
}

/* ---- the verbs */

/* Replaces the volume table with what the storage holds; volumes that came or
 * went are reported so the tree's caches follow. */
static int
do_refresh(QemuConn *qc, QemuPool *p, GError **err)
{
	g_autoptr(GHashTable) now = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
							   (GDestroyNotify)qemu_volume_free);
	GHashTableIter it;
	gpointer k;
	int r;

	if ((r = backend_of(p)->scan(p, now, err)) < 0)
		return r;
	g_hash_table_iter_init(&it, p->vols);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if (!g_hash_table_contains(now, k))
			hv_conn_emit(qc->conn, HV_OBJ_VOLUME, p->name, k, "deleted", "-");
	g_hash_table_iter_init(&it, now);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if (!g_hash_table_contains(p->vols, k))
			hv_conn_emit(qc->conn, HV_OBJ_VOLUME, p->name, k, "created", "-");
	g_hash_table_unref(p->vols);
	p->vols = g_steal_pointer(&now);
	return 0;
}

static int
act_start(QemuConn *qc, QemuPool *p, GError **err)
{
	int r;

	if ((r = backend_of(p)->check(p, err)) < 0 || (r = do_refresh(qc, p, err)) < 0)
		return r;
	p->state = HV_POOL_RUNNING;
	set_marker(qc->storage->run_dir, p->name, true, NULL);
	emit(qc, p->name, "started", "-");
	return 0;
}

static int
act_stop(QemuConn *qc, QemuPool *p, GError **err)
{
	g_hash_table_remove_all(p->vols); /* not reported: an inactive pool lists none */
	p->state = HV_POOL_INACTIVE;
	if (p->newdef) {
		hv_pool_def_free(p->def);
		p->def = g_steal_pointer(&p->newdef);
	}
	set_marker(qc->storage->run_dir, p->name, false, NULL);
	emit(qc, p->name, "stopped", "-");
	return 0;
}

static int
act_build(QemuConn *qc, QemuPool *p, GError **err)
{
	int r;

	emit(qc, p->name, "building", "-");
	if ((r = backend_of(p)->build(p, err)) < 0)
		return r;
	emit(qc, p->name, "built", "-");
	return 0;
}

static int
act_refresh(QemuConn *qc, QemuPool *p, GError **err)
{
	int r;

	if ((r = do_refresh(qc, p, err)) < 0)
		return r;
	emit(qc, p->name, "refreshed", "-");
	return 0;
}

static int
act_delete(QemuConn *qc, QemuPool *p, GError **err)
{
	int r;

	if ((r = backend_of(p)->delete(p, err)) < 0)
		return r;
	emit(qc, p->name, "deleted", "-");
	return 0;
}

typedef int (*PoolAct)(QemuConn *qc, QemuPool *p, GError **err);

/* One row a verb: where it applies (inactive or active) and what it does. */
static const struct {
	const char *verb;
	bool when_active; /* allowed while active, else only while inactive */
	const char *why;  /* the refusal otherwise */
	PoolAct act;
} pool_verbs[] = {
	{ "start", false, "storage pool is already active", act_start },
	{ "stop", true, "storage pool is not active", act_stop },
	{ "build", false, "storage pool is already active", act_build },
	{ "refresh", true, "storage pool is not active", act_refresh },
	{ "delete", false, "storage pool is still active", act_delete },
};
enum { V_START, V_STOP, V_BUILD, V_REFRESH, V_DELETE };

static int
pool_call(HvConn *c, int verb, const char *name, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuStorage *st = qc->storage;
	QemuPool *p;
	int r = -ENOENT;

	g_mutex_lock(&st->lock);
	if (!(p = qemu_pool_find(st, name, false, err)))
		goto out;
	if ((p->state == HV_POOL_RUNNING) != pool_verbs[verb].when_active) {
		r = hv_error_set(err, EBUSY, "cannot %s storage pool '%s': %s",
				 pool_verbs[verb].verb, name, pool_verbs[verb].why);
		goto out;
	}
	r = pool_verbs[verb].act(qc, p, err);
out:
	g_mutex_unlock(&st->lock);
	return r;
}

static int pool_start(HvConn *c, const char *n, GError **e) { return pool_call(c, V_START, n, e); }
static int pool_stop(HvConn *c, const char *n, GError **e) { return pool_call(c, V_STOP, n, e); }
static int pool_build(HvConn *c, const char *n, GError **e) { return pool_call(c, V_BUILD, n, e); }
static int pool_refresh(HvConn *c, const char *n, GError **e) { return pool_call(c, V_REFRESH, n, e); }
static int pool_delete(HvConn *c, const char *n, GError **e) { return pool_call(c, V_DELETE, n, e); }

/* ---- queries */

static HvPoolInfo *
info_new(const QemuPool *p)
{
	HvPoolInfo *i = g_new0(HvPoolInfo, 1);

	i->name = g_strdup(p->name);
	memcpy(i->uuid, p->def->uuid, HV_UUID_STRLEN);
	i->type = g_strdup(p->def->type);
	i->state = p->state;
	i->persistent = true;
	i->autostart = p->autostart;
	if (p->state == HV_POOL_RUNNING)
		backend_of(p)->sizes(p, &i->capacity, &i->allocation, &i->available);
	i->target_path = g_strdup(p->def->target_path);
	return i;
}

static int
pool_list(HvConn *c, GPtrArray **out, GError **err)
{
	QemuStorage *st = qemu_storage(c);
	GPtrArray *a = g_ptr_array_new_with_free_func((GDestroyNotify)hv_pool_info_free);
	GHashTableIter it;
	gpointer v;

	g_mutex_lock(&st->lock);
	g_hash_table_iter_init(&it, st->pools);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(a, info_new(v));
	g_mutex_unlock(&st->lock);
	*out = a;
	return 0;
}

static int
pool_get_info(HvConn *c, const char *name, HvPoolInfo **out, GError **err)
{
	QemuStorage *st = qemu_storage(c);
	QemuPool *p;

	g_mutex_lock(&st->lock);
	if ((p = qemu_pool_find(st, name, false, err)))
		*out = info_new(p);
	g_mutex_unlock(&st->lock);
	return p ? 0 : -ENOENT;
}

/* The live definition shows the sizes as they are now, as libvirt's does. */
static int
pool_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	QemuStorage *st = qemu_storage(c);
	QemuPool *p;

	g_mutex_lock(&st->lock);
	if ((p = qemu_pool_find(st, name, false, err))) {
		HvPoolDef *def = (flags & HV_XML_INACTIVE) && p->newdef ? p->newdef : p->def;

		if (def == p->def && p->state == HV_POOL_RUNNING)
			backend_of(p)->sizes(p, &def->capacity, &def->allocation, &def->available);
		*xml = hv_pool_def_format(def);
	}
	g_mutex_unlock(&st->lock);
	if (p && !*xml)
		return hv_error_set(err, EIO, "cannot format the XML of storage pool '%s'", name);
	return p ? 0 : -ENOENT;
}

/* ---- define, undefine, autostart */

static QemuPool *
pool_add(QemuStorage *st, HvPoolDef *def)
{
	QemuPool *p = g_new0(QemuPool, 1);

	p->name = g_strdup(def->name);
	p->def = def;
	p->state = HV_POOL_INACTIVE;
	p->vols = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					(GDestroyNotify)qemu_volume_free);
	g_hash_table_insert(st->pools, p->name, p);
	return p;
}

static QemuPool *
find_uuid(QemuStorage *st, const char *uuid)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, st->pools);
	while (uuid[0] && g_hash_table_iter_next(&it, NULL, &v))
		if (g_str_equal(((QemuPool *)v)->def->uuid, uuid))
			return v;
	return NULL;
}

/* Lock held; steals def. */
static int
define_locked(QemuConn *qc, HvPoolDef *def, GError **err)
{
	g_autoptr(HvPoolDef) owned = def;
	QemuStorage *st = qc->storage;
	QemuPool *p = g_hash_table_lookup(st->pools, def->name);
	QemuPool *other = find_uuid(st, def->uuid);
	HvPoolDef **slot;
	int r;

	if (hv_name_check("storage pool", def->name, err) < 0)
		return -EINVAL;
	if (!qemu_storage_backend(def->type))
		return hv_error_set(err, EOPNOTSUPP, "storage pool '%s': type '%s' is not supported "
				    "by the qemu driver (dir)", def->name, def->type);
	if ((p && def->uuid[0] && strcmp(def->uuid, p->def->uuid) != 0) || (!p && other))
		return hv_error_set(err, EEXIST, "storage pool '%s' already exists with uuid %s",
				    p ? p->name : other->name, p ? p->def->uuid : other->def->uuid);
	if (p)
		memcpy(def->uuid, p->def->uuid, HV_UUID_STRLEN);
	hv_pool_def_ensure_uuid(def);
	if ((r = save_def(st, def, err)) < 0)
		return r;
	if (!p) {
		pool_add(st, g_steal_pointer(&owned));
		emit(qc, def->name, "defined", "added");
		return 0;
	}
	slot = p->state == HV_POOL_INACTIVE ? &p->def : &p->newdef;
	hv_pool_def_free(*slot);
	*slot = g_steal_pointer(&owned);
	emit(qc, def->name, "defined", "updated");
	return 0;
}

static int
pool_define_xml(HvConn *c, const char *xml, char **name_out, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autofree char *name = NULL;
	HvPoolDef *def;
	int r;

	if (!(def = hv_pool_def_parse(xml, strlen(xml), err)))
		return err && *err ? hv_error_errno(*err) : -EINVAL;
	name = g_strdup(def->name);
	g_mutex_lock(&qc->storage->lock);
	r = define_locked(qc, def, err);
	g_mutex_unlock(&qc->storage->lock);
	if (r == 0 && name_out)
		*name_out = g_steal_pointer(&name);
	return r;
}

static int
pool_undefine(HvConn *c, const char *name, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuStorage *st = qc->storage;
	g_autofree char *path = NULL;
	g_autofree char *autostart = g_build_filename(st->dir, "autostart", NULL);
	QemuPool *p;
	int r = -ENOENT;

	g_mutex_lock(&st->lock);
	if (!(p = qemu_pool_find(st, name, false, err)))
		goto out;
	r = -EBUSY;
	if (p->state != HV_POOL_INACTIVE) {
		hv_error_set(err, EBUSY, "cannot undefine storage pool '%s': storage pool is still "
			     "active", name);
		goto out;
	}
	path = g_strdup_printf("%s/%s.xml", st->dir, p->name);
	if (unlink(path) < 0 && errno != ENOENT) {
		r = hv_error_set(err, errno, "cannot undefine storage pool '%s': cannot remove '%s': "
				 "%s", name, path, g_strerror(errno));
		goto out;
	}
	set_marker(autostart, p->name, false, NULL);
	emit(qc, p->name, "undefined", "removed");
	g_hash_table_remove(st->pools, name);
	r = 0;
out:
	g_mutex_unlock(&st->lock);
	return r;
}

static int
pool_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuStorage *st = qc->storage;
	g_autofree char *autostart = g_build_filename(st->dir, "autostart", NULL);
	QemuPool *p;
	int r = -ENOENT;

	g_mutex_lock(&st->lock);
	if ((p = qemu_pool_find(st, name, false, err))) {
		r = 0;
		if (p->autostart != on && (r = set_marker(autostart, p->name, on, err)) == 0) {
			p->autostart = on;
			emit(qc, p->name, "autostart-changed", on ? "1" : "0");
		}
	}
	g_mutex_unlock(&st->lock);
	return r;
}

/* ---- opening */

static void
load_pools(QemuConn *qc, bool autostart)
{
	QemuStorage *st = qc->storage;
	g_autofree char *auto_dir = g_build_filename(st->dir, "autostart", NULL);
	g_autoptr(GDir) dir = g_dir_open(st->dir, 0, NULL);
	const char *f;

	g_mutex_lock(&st->lock);
	while (dir && (f = g_dir_read_name(dir))) {
		g_autofree char *path = g_build_filename(st->dir, f, NULL);
		g_autofree char *xml = NULL;
		g_autoptr(GError) err = NULL;
		HvPoolDef *def;
		QemuPool *p;
		gsize len;

		if (!g_str_has_suffix(f, ".xml") || !g_file_get_contents(path, &xml, &len, NULL) ||
		    !(def = hv_pool_def_parse(xml, len, NULL)))
			continue;
		if (!def->name || strlen(f) != strlen(def->name) + 4 ||
		    !g_str_has_prefix(f, def->name) || !qemu_storage_backend(def->type) ||
		    g_hash_table_contains(st->pools, def->name)) {
			hv_pool_def_free(def);
			continue;
		}
		p = pool_add(st, def);
		p->autostart = has_marker(auto_dir, p->name);
		if ((has_marker(st->run_dir, p->name) || (autostart && p->autostart)) &&
		    act_start(qc, p, &err) < 0)
			g_warning("cannot start storage pool '%s': %s", p->name, err->message);
	}
	g_mutex_unlock(&st->lock);
}

int
qemu_storage_open(QemuConn *qc, const char *lib_dir, const char *run_dir, bool autostart,
		  GError **err)
{
	QemuStorage *st = g_new0(QemuStorage, 1);
	g_autofree char *auto_dir = NULL;

	st->dir = g_build_filename(lib_dir, "storage", NULL);
	st->run_dir = g_build_filename(run_dir, "storage", NULL);
	g_mutex_init(&st->lock);
	st->pools = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)pool_free);
	qc->storage = st;
	auto_dir = g_build_filename(st->dir, "autostart", NULL);
	if (g_mkdir_with_parents(auto_dir, 0700) < 0 || g_mkdir_with_parents(st->run_dir, 0700) < 0)
		return hv_error_set(err, errno, "cannot create the storage folders under '%s': %s",
				    lib_dir, g_strerror(errno));
	load_pools(qc, autostart);
	return 0;
}

void
qemu_storage_close(QemuConn *qc)
{
	QemuStorage *st = qc->storage;

	if (!st)
		return;
	g_clear_pointer(&st->pools, g_hash_table_unref);
	g_mutex_clear(&st->lock);
	g_free(st->dir);
	g_free(st->run_dir);
	g_free(st);
	qc->storage = NULL;
}

const HvPoolOps qemu_pool_ops = {
	.list = pool_list,
	.get_info = pool_get_info,
	.get_xml = pool_get_xml,
	.define_xml = pool_define_xml,
	.undefine = pool_undefine,
	.start = pool_start,
	.stop = pool_stop,
	.build = pool_build,
	.refresh = pool_refresh,
	.delete = pool_delete,
	.set_autostart = pool_set_autostart,
};
