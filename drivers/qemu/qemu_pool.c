/* qemu_pool.c: the qemu driver's storage pools: the table of them,
 * persistence (LIB/storage/NAME.xml written atomically, LIB/storage/
 * autostart/NAME, RUN/storage/NAME while active, so a restart of hyperfs keeps
 * pools active), the verbs start, stop, build, refresh and delete through one
 * state table, autostart, and the pool ops. What a pool does to storage is
 * its backend's (drivers/storage/). */
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_pool.h"
#include "util/names.h"

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

StoragePool *
qemu_pool_find(QemuStorage *st, const char *name, bool active, GError **err)
{
	StoragePool *p = name ? g_hash_table_lookup(st->pools, name) : NULL;

	if (!p)
		hv_error_set(err, ENOENT, "storage pool '%s' not found", name ? name : "");
	else if (active && p->state != HV_POOL_RUNNING) {
		hv_error_set(err, EBUSY, "storage pool '%s' is not active", name);
		return NULL;
	}
	return p;
}

/* ---- persistence */

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

/* ---- the verbs: one row each, where it applies, what it does and reports */

typedef int (*PoolAct)(QemuConn *qc, StoragePool *p, GError **err);

static int
act_start(QemuConn *qc, StoragePool *p, GError **err)
{
	int r = storage_pool_start(p, qc->conn, false, err);

	if (r == 0)
		set_marker(qc->storage->run_dir, p->name, true, NULL);
	return r;
}

static int
act_stop(QemuConn *qc, StoragePool *p, GError **err)
{
	int r = storage_pool_stop(p, err);

	if (r == 0)
		set_marker(qc->storage->run_dir, p->name, false, NULL);
	return r;
}

static int
act_build(QemuConn *qc, StoragePool *p, GError **err)
{
	return STORAGE_CALL(p, build, "build", err, 0);
}

static int
act_refresh(QemuConn *qc, StoragePool *p, GError **err)
{
	return storage_pool_refresh(p, qc->conn, err);
}

static int
act_delete(QemuConn *qc, StoragePool *p, GError **err)
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
	[V_START] = { "start", false, "storage pool is already active", NULL, "started",
		      act_start },
	[V_STOP] = { "stop", true, "storage pool is not active", NULL, "stopped", act_stop },
	[V_BUILD] = { "build", false, "storage pool is already active", "building", "built",
		      act_build },
	[V_REFRESH] = { "refresh", true, "storage pool is not active", NULL, "refreshed",
			act_refresh },
	[V_DELETE] = { "delete", false, "storage pool is still active", NULL, "deleted",
		       act_delete },
};

/* Lock held. */
static int
run_verb(QemuConn *qc, StoragePool *p, int verb, GError **err)
{
	int r;

	if ((p->state == HV_POOL_RUNNING) != pool_verbs[verb].when_active)
		return hv_error_set(err, EBUSY, "cannot %s storage pool '%s': %s",
				    pool_verbs[verb].verb, p->name, pool_verbs[verb].why);
	if (pool_verbs[verb].before)
		emit(qc, p->name, pool_verbs[verb].before, "-");
	if ((r = pool_verbs[verb].act(qc, p, err)) < 0)
		return r;
	emit(qc, p->name, pool_verbs[verb].after, "-");
	return 0;
}

static int
pool_call(HvConn *c, int verb, const char *name, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuStorage *st = qc->storage;
	StoragePool *p;
	int r = -ENOENT;

	g_mutex_lock(&st->lock);
	if ((p = qemu_pool_find(st, name, false, err)))
		r = run_verb(qc, p, verb, err);
	g_mutex_unlock(&st->lock);
	return r;
}

static int pool_start(HvConn *c, const char *n, GError **e) { return pool_call(c, V_START, n, e); }
static int pool_stop(HvConn *c, const char *n, GError **e) { return pool_call(c, V_STOP, n, e); }
static int pool_build(HvConn *c, const char *n, GError **e) { return pool_call(c, V_BUILD, n, e); }
static int pool_refresh(HvConn *c, const char *n, GError **e) { return pool_call(c, V_REFRESH, n, e); }
static int pool_delete(HvConn *c, const char *n, GError **e) { return pool_call(c, V_DELETE, n, e); }

/* ---- queries */

static gpointer
info_new(gpointer p)
{
	return storage_pool_info(p);
}

static int
pool_list(HvConn *c, GPtrArray **out, GError **err)
{
	QemuStorage *st = qemu_storage(c);

	*out = qemu_list_infos(&st->lock, st->pools, info_new, (GDestroyNotify)hv_pool_info_free);
	return 0;
}

static int
pool_get_info(HvConn *c, const char *name, HvPoolInfo **out, GError **err)
{
	QemuStorage *st = qemu_storage(c);

	return qemu_info_of(&st->lock, st->pools, "storage pool", name, info_new, out, err);
}

static int
pool_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	QemuStorage *st = qemu_storage(c);
	StoragePool *p;

	g_mutex_lock(&st->lock);
	if ((p = qemu_pool_find(st, name, false, err)))
		*xml = storage_pool_xml(p, flags & HV_XML_INACTIVE);
	g_mutex_unlock(&st->lock);
	if (p && !*xml)
		return hv_error_set(err, EIO, "cannot format the XML of storage pool '%s'", name);
	return p ? 0 : -ENOENT;
}

/* ---- define, undefine, autostart */

static StoragePool *
pool_add(QemuStorage *st, HvPoolDef *def)
{
	StoragePool *p = storage_pool_new(def, storage_backend_find(def->type), NULL);

	g_hash_table_insert(st->pools, p->name, p);
	return p;
}

static StoragePool *
find_uuid(QemuStorage *st, const char *uuid)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, st->pools);
	while (uuid[0] && g_hash_table_iter_next(&it, NULL, &v))
		if (g_str_equal(((StoragePool *)v)->def->uuid, uuid))
			return v;
	return NULL;
}

/* Lock held; steals def. */
static int
define_locked(QemuConn *qc, HvPoolDef *def, GError **err)
{
	g_autoptr(HvPoolDef) owned = def;
	QemuStorage *st = qc->storage;
	StoragePool *p = g_hash_table_lookup(st->pools, def->name);
	StoragePool *other = find_uuid(st, def->uuid);
	HvPoolDef **slot;
	int r;

	if (hv_name_check("storage pool", def->name, err) < 0)
		return -EINVAL;
	if ((r = storage_pool_check_def(def, "qemu", err)) < 0)
		return r;
	if ((p && def->uuid[0] && strcmp(def->uuid, p->def->uuid) != 0) || (!p && other))
		return hv_error_set(err, EEXIST, "storage pool '%s' already exists with uuid %s",
				    p ? p->name : other->name, p ? p->def->uuid : other->def->uuid);
	if (p)
		memcpy(def->uuid, p->def->uuid, HV_UUID_STRLEN);
	hv_pool_def_ensure_uuid(def);
	if ((r = qemu_save_def(st->dir, "storage pool", def->name, hv_pool_def_format(def),
			       err)) < 0)
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

/* Lock held. */
static int
undefine_locked(QemuConn *qc, StoragePool *p, GError **err)
{
	QemuStorage *st = qc->storage;
	g_autofree char *path = g_strdup_printf("%s/%s.xml", st->dir, p->name);
	g_autofree char *autostart = g_build_filename(st->dir, "autostart", NULL);

	if (p->state != HV_POOL_INACTIVE)
		return hv_error_set(err, EBUSY, "cannot undefine storage pool '%s': storage pool is "
				    "still active", p->name);
	if (unlink(path) < 0 && errno != ENOENT)
		return hv_error_set(err, errno, "cannot undefine storage pool '%s': cannot remove "
				    "'%s': %s", p->name, path, g_strerror(errno));
	set_marker(autostart, p->name, false, NULL);
	emit(qc, p->name, "undefined", "removed");
	g_hash_table_remove(st->pools, p->name);
	return 0;
}

static int
pool_undefine(HvConn *c, const char *name, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	StoragePool *p;
	int r = -ENOENT;

	g_mutex_lock(&qc->storage->lock);
	if ((p = qemu_pool_find(qc->storage, name, false, err)))
		r = undefine_locked(qc, p, err);
	g_mutex_unlock(&qc->storage->lock);
	return r;
}

static int
pool_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuStorage *st = qc->storage;
	g_autofree char *autostart = g_build_filename(st->dir, "autostart", NULL);
	StoragePool *p;
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

/* One LIB/storage/NAME.xml; a pool that was active (its RUN marker) is
 * re-adopted, an autostart one started. Lock held. */
static void
load_one(QemuConn *qc, const char *path, const char *f, bool autostart)
{
	QemuStorage *st = qc->storage;
	g_autofree char *auto_dir = g_build_filename(st->dir, "autostart", NULL);
	g_autofree char *xml = NULL;
	g_autoptr(GError) err = NULL;
	HvPoolDef *def;
	StoragePool *p;
	gsize len;
	bool was_active;

	if (!g_str_has_suffix(f, ".xml") || !g_file_get_contents(path, &xml, &len, NULL) ||
	    !(def = hv_pool_def_parse(xml, len, NULL)))
		return;
	if (!def->name || strlen(f) != strlen(def->name) + 4 || !g_str_has_prefix(f, def->name) ||
	    storage_pool_check_def(def, "qemu", NULL) < 0 ||
	    g_hash_table_contains(st->pools, def->name)) {
		hv_pool_def_free(def);
		return;
	}
	p = pool_add(st, def);
	p->autostart = has_marker(auto_dir, p->name);
	was_active = has_marker(st->run_dir, p->name);
	if (!was_active && !(autostart && p->autostart))
		return;
	if (storage_pool_start(p, qc->conn, was_active, &err) < 0) {
		g_warning("cannot start storage pool '%s': %s", p->name, err->message);
		return;
	}
	set_marker(st->run_dir, p->name, true, NULL);
	emit(qc, p->name, "started", "-");
}

int
qemu_storage_open(QemuConn *qc, const char *lib_dir, const char *run_dir, bool autostart,
		  GError **err)
{
	QemuStorage *st = g_new0(QemuStorage, 1);
	g_autofree char *auto_dir = NULL;
	g_autoptr(GDir) dir = NULL;
	const char *f;

	st->dir = g_build_filename(lib_dir, "storage", NULL);
	st->run_dir = g_build_filename(run_dir, "storage", NULL);
	g_mutex_init(&st->lock);
	st->pools = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					  (GDestroyNotify)storage_pool_free);
	qc->storage = st;
	auto_dir = g_build_filename(st->dir, "autostart", NULL);
	if (g_mkdir_with_parents(auto_dir, 0700) < 0 || g_mkdir_with_parents(st->run_dir, 0700) < 0)
		return hv_error_set(err, errno, "cannot create the storage folders under '%s': %s",
				    lib_dir, g_strerror(errno));
	dir = g_dir_open(st->dir, 0, NULL);
	g_mutex_lock(&st->lock);
	while (dir && (f = g_dir_read_name(dir))) {
		g_autofree char *path = g_build_filename(st->dir, f, NULL);

		load_one(qc, path, f, autostart);
	}
	g_mutex_unlock(&st->lock);
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
