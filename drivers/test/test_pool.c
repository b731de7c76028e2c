/* test_pool.c: the test driver's storage pools: define/undefine (an active pool
 * can't be undefined, as in libvirt), the verbs start, stop, build, refresh and
 * delete through one state table, autostart, sizes computed from the volumes,
 * and the pool ops table. A build passes through "building" for build-delay ms. */
#include <string.h>
#include "drivers/test/test_priv.h"
#include "util/names.h"

#define KEEP HV_POOL_STATE_LAST

enum { P_START, P_STOP, P_BUILD, P_REFRESH, P_DELETE, P_VERB_LAST };

typedef void (*PoolAct)(TestConn *tc, TestPool *p, GArray *q);

typedef struct {
	bool ok;
	HvPoolState to;
	const char *event;
	PoolAct act;
	const char *why;
} PoolTransition;

static void act_stop(TestConn *tc, TestPool *p, GArray *q);
static void act_build(TestConn *tc, TestPool *p, GArray *q);
static void act_delete(TestConn *tc, TestPool *p, GArray *q);

#define GO(st, ev, fn) { .ok = true, .to = (st), .event = (ev), .act = (fn) }
#define NO(text) { .ok = false, .why = (text) }
#define ACTIVE_ROW(x) [HV_POOL_RUNNING] = x, [HV_POOL_DEGRADED] = x, [HV_POOL_INACCESSIBLE] = x

static const char *const pool_verbs[P_VERB_LAST] = {
	"start", "stop", "build", "refresh", "delete",
};

static const PoolTransition pool_fsm[P_VERB_LAST][HV_POOL_STATE_LAST] = {
	[P_START] = {
		[HV_POOL_INACTIVE] = GO(HV_POOL_RUNNING, "started", NULL),
		[HV_POOL_BUILDING] = NO("storage pool is being built"),
		ACTIVE_ROW(NO("storage pool is already active")),
	},
	[P_STOP] = {
		[HV_POOL_INACTIVE] = NO("storage pool is not active"),
		[HV_POOL_BUILDING] = NO("storage pool is being built"),
		ACTIVE_ROW(GO(HV_POOL_INACTIVE, "stopped", act_stop)),
	},
	[P_BUILD] = {
		[HV_POOL_INACTIVE] = GO(HV_POOL_BUILDING, "building", act_build),
		[HV_POOL_BUILDING] = NO("storage pool is being built"),
		ACTIVE_ROW(NO("storage pool is already active")),
	},
	[P_REFRESH] = {
		[HV_POOL_INACTIVE] = NO("storage pool is not active"),
		[HV_POOL_BUILDING] = NO("storage pool is not active"),
		ACTIVE_ROW(GO(KEEP, "refreshed", NULL)),
	},
	[P_DELETE] = {
		[HV_POOL_INACTIVE] = GO(KEEP, "deleted", act_delete),
		[HV_POOL_BUILDING] = NO("storage pool is being built"),
		ACTIVE_ROW(NO("storage pool is still active")),
	},
};

void
test_pool_free(TestPool *p)
{
	if (!p)
		return;
	g_free(p->name);
	hv_pool_def_free(p->def);
	hv_pool_def_free(p->newdef);
	test_set_clear(&p->vols);
	g_free(p);
}

TestPool *
test_pool_find(TestConn *tc, const char *name, GError **err)
{
	TestPool *p = test_set_lookup(&tc->pools, name);

	if (!p)
		hv_error_set(err, ENOENT, "storage pool '%s' not found", name ? name : "");
	return p;
}

/* Capacity from the definition (libvirt's test default when it has none),
 * allocation the sum of the volumes'. */
void
test_pool_sizes(const TestPool *p, uint64_t *cap, uint64_t *alloc, uint64_t *avail)
{
	uint64_t c = p->def->capacity ? p->def->capacity : TEST_POOL_DEFAULT_CAPACITY;
	uint64_t a = 0;

	for (guint i = 0; i < p->vols.order->len; i++)
		a += ((const HvVolumeDef *)p->vols.order->pdata[i])->allocation;
	*cap = c;
	*alloc = a;
	*avail = a < c ? c - a : 0;
}

static void
act_stop(TestConn *tc, TestPool *p, GArray *q)
{
	if (p->newdef) {
		hv_pool_def_free(p->def);
		p->def = g_steal_pointer(&p->newdef);
	}
}

void
test_pool_finish_build(TestConn *tc, TestPool *p, GArray *q)
{
	p->state = HV_POOL_INACTIVE;
	p->gen++;
	test_evq_add(q, HV_OBJ_POOL, NULL, p->name, "built", "-");
}

static void
act_build(TestConn *tc, TestPool *p, GArray *q)
{
	if (tc->params.build_delay_ms == 0)
		test_pool_finish_build(tc, p, q);
	else
		test_timer_add(tc, TEST_JOB_BUILD, p->name, p->gen, tc->params.build_delay_ms);
}

/* The pool's storage is gone, and its volumes with it. */
static void
act_delete(TestConn *tc, TestPool *p, GArray *q)
{
	for (guint i = 0; i < p->vols.order->len; i++) {
		const HvVolumeDef *v = p->vols.order->pdata[i];

		test_evq_add(q, HV_OBJ_VOLUME, p->name, v->name, "deleted", "-");
	}
	g_hash_table_remove_all(p->vols.by_name);
	g_ptr_array_set_size(p->vols.order, 0);
}

static int
verb_locked(TestConn *tc, int verb, const char *name, GArray *q, GError **err)
{
	const PoolTransition *t;
	TestPool *p;

	if (!(p = test_pool_find(tc, name, err)))
		return -ENOENT;
	t = &pool_fsm[verb][p->state];
	if (!t->ok)
		return hv_error_set(err, EBUSY, "cannot %s storage pool '%s': %s", pool_verbs[verb],
				    name, t->why);
	test_tick(tc);
	if (t->to != KEEP)
		p->state = t->to;
	p->gen++;
	test_evq_add(q, HV_OBJ_POOL, NULL, name, t->event, "-");
	if (t->act)
		t->act(tc, p, q);
	return 0;
}

static int
pool_call(HvConn *c, int verb, const char *name, GError **err)
{
	TestConn *tc = test_conn(c);
	GArray *q = test_evq_new();
	int r;

	test_lock(tc);
	r = verb_locked(tc, verb, name, q, err);
	test_unlock(tc, q);
	return r;
}

static int pool_start(HvConn *c, const char *n, GError **e) { return pool_call(c, P_START, n, e); }
static int pool_stop(HvConn *c, const char *n, GError **e) { return pool_call(c, P_STOP, n, e); }
static int pool_build(HvConn *c, const char *n, GError **e) { return pool_call(c, P_BUILD, n, e); }
static int pool_refresh(HvConn *c, const char *n, GError **e) { return pool_call(c, P_REFRESH, n, e); }
static int pool_delete(HvConn *c, const char *n, GError **e) { return pool_call(c, P_DELETE, n, e); }

/* Steals def. Lock held. */
int
test_pool_add_def(TestConn *tc, HvPoolDef *def, bool active, GError **err)
{
	g_autoptr(HvPoolDef) owned = def;
	TestPool *p, *other;

	if (hv_name_check("storage pool", def->name, err) < 0)
		return -EINVAL;
	if (test_set_lookup(&tc->pools, def->name))
		return hv_error_set(err, EEXIST, "storage pool '%s' already exists", def->name);
	if ((other = test_set_lookup_uuid(&tc->pools, def->uuid)))
		return hv_error_set(err, EEXIST, "storage pool '%s' already exists with uuid %s",
				    other->name, def->uuid);
	if (!def->uuid[0])
		test_uuid_generate(tc, def->uuid);
	p = g_new0(TestPool, 1);
	p->name = g_strdup(def->name);
	memcpy(p->uuid, def->uuid, HV_UUID_STRLEN);
	p->def = g_steal_pointer(&owned);
	p->state = active ? HV_POOL_RUNNING : HV_POOL_INACTIVE;
	p->persistent = true;
	test_set_init(&p->vols, false, (GDestroyNotify)hv_volume_def_free);
	test_set_add(&tc->pools, p->name, p->uuid, p);
	return 0;
}

static HvPoolInfo *
info_new(const TestPool *p)
{
	HvPoolInfo *i = g_new0(HvPoolInfo, 1);

	i->name = g_strdup(p->name);
	memcpy(i->uuid, p->def->uuid, HV_UUID_STRLEN);
	i->type = g_strdup(p->def->type);
	i->state = p->state;
	i->persistent = p->persistent;
	i->autostart = p->autostart;
	test_pool_sizes(p, &i->capacity, &i->allocation, &i->available);
	i->target_path = g_strdup(p->def->target_path);
	return i;
}

static int
pool_list(HvConn *c, GPtrArray **out, GError **err)
{
	TestConn *tc = test_conn(c);
	GPtrArray *a;

	test_lock(tc);
	a = g_ptr_array_new_full(tc->pools.order->len, (GDestroyNotify)hv_pool_info_free);
	for (guint i = 0; i < tc->pools.order->len; i++)
		g_ptr_array_add(a, info_new(tc->pools.order->pdata[i]));
	test_unlock(tc, NULL);
	*out = a;
	return 0;
}

static int
pool_get_info(HvConn *c, const char *name, HvPoolInfo **out, GError **err)
{
	TestConn *tc = test_conn(c);
	TestPool *p;

	test_lock(tc);
	if ((p = test_pool_find(tc, name, err)))
		*out = info_new(p);
	test_unlock(tc, NULL);
	return p ? 0 : -ENOENT;
}

/* The live definition shows the sizes as they are now, as libvirt's does. */
static int
pool_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	TestConn *tc = test_conn(c);
	HvPoolDef *def;
	TestPool *p;

	test_lock(tc);
	if ((p = test_pool_find(tc, name, err))) {
		def = (flags & HV_XML_INACTIVE) && p->newdef ? p->newdef : p->def;
		if (def == p->def) {
			uint64_t cap, alloc, avail;

			test_pool_sizes(p, &cap, &alloc, &avail);
			def->capacity = cap;
			def->allocation = alloc;
			def->available = avail;
		}
		*xml = hv_pool_def_format(def);
	}
	test_unlock(tc, NULL);
	if (p && !*xml)
		return hv_error_set(err, EIO, "cannot format the XML of storage pool '%s'", name);
	return p ? 0 : -ENOENT;
}

/* Steals def. */
static int
define_locked(TestConn *tc, HvPoolDef *def, GArray *q, GError **err)
{
	g_autoptr(HvPoolDef) owned = def;
	TestPool *p = test_set_lookup(&tc->pools, def->name);
	TestPool *other = test_set_lookup_uuid(&tc->pools, def->uuid);
	HvPoolDef **slot;
	int r;

	if ((p && def->uuid[0] && strcmp(def->uuid, p->def->uuid) != 0) || (!p && other))
		return hv_error_set(err, EEXIST, "storage pool '%s' already exists with uuid %s",
				    p ? p->name : other->name, p ? p->def->uuid : other->def->uuid);
	test_tick(tc);
	if (!p) {
		if ((r = test_pool_add_def(tc, g_steal_pointer(&owned), false, err)) < 0)
			return r;
		test_evq_add(q, HV_OBJ_POOL, NULL, def->name, "defined", "added");
		return 0;
	}
	memcpy(def->uuid, p->def->uuid, HV_UUID_STRLEN);
	slot = p->state == HV_POOL_INACTIVE ? &p->def : &p->newdef;
	hv_pool_def_free(*slot);
	*slot = g_steal_pointer(&owned);
	test_evq_add(q, HV_OBJ_POOL, NULL, def->name, "defined", "updated");
	return 0;
}

static int
pool_define_xml(HvConn *c, const char *xml, char **name_out, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(GError) perr = NULL;
	g_autofree char *name = NULL;
	HvPoolDef *def;
	GArray *q;
	int r;

	if (!(def = hv_pool_def_parse(xml, strlen(xml), &perr)))
		return test_error_take(err, g_steal_pointer(&perr));
	name = g_strdup(def->name);
	q = test_evq_new();
	test_lock(tc);
	r = define_locked(tc, def, q, err);
	test_unlock(tc, q);
	if (r == 0 && name_out)
		*name_out = g_steal_pointer(&name);
	return r;
}

static int
undefine_locked(TestConn *tc, const char *name, GArray *q, GError **err)
{
	TestPool *p = test_pool_find(tc, name, err);

	if (!p)
		return -ENOENT;
	if (p->state != HV_POOL_INACTIVE)
		return hv_error_set(err, EBUSY, "cannot undefine storage pool '%s': %s", name,
				    p->state == HV_POOL_BUILDING ? "storage pool is being built"
								 : "storage pool is still active");
	test_tick(tc);
	test_evq_add(q, HV_OBJ_POOL, NULL, name, "undefined", "removed");
	test_set_remove(&tc->pools, p->name, p->uuid, p);
	return 0;
}

static int
pool_undefine(HvConn *c, const char *name, GError **err)
{
	TestConn *tc = test_conn(c);
	GArray *q = test_evq_new();
	int r;

	test_lock(tc);
	r = undefine_locked(tc, name, q, err);
	test_unlock(tc, q);
	return r;
}

static int
pool_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	TestConn *tc = test_conn(c);
	GArray *q = test_evq_new();
	TestPool *p;

	test_lock(tc);
	if ((p = test_pool_find(tc, name, err)) && p->autostart != on) {
		test_tick(tc);
		p->autostart = on;
		test_evq_add(q, HV_OBJ_POOL, NULL, name, "autostart-changed", on ? "1" : "0");
	}
	test_unlock(tc, q);
	return p ? 0 : -ENOENT;
}

const HvPoolOps test_pool_ops = {
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
