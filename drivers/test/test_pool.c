/* test_pool.c: the test driver's storage pool class for the shared table:
 * the verbs start, stop, build, refresh and delete through one state table,
 * info and XML (sizes from the volumes, its children: test_volume.c). A build
 * passes through "building" for build-delay ms, and counts as active (a
 * redefinition waits for it, undefine refuses). Define, undefine, autostart
 * and lookups are the shared ones. */
#include <string.h>
#include "drivers/test/test_priv.h"

#define KEEP HV_POOL_STATE_LAST

enum { P_START, P_STOP, P_BUILD, P_REFRESH, P_DELETE, P_VERB_LAST };

typedef void (*PoolAct)(TestConn *tc, HvEntry *p);

typedef struct {
	bool ok;
	HvPoolState to;
	const char *event;
	PoolAct act;
	const char *why;
} PoolTransition;

static void act_build(TestConn *tc, HvEntry *p);
static void act_delete(TestConn *tc, HvEntry *p);

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
		ACTIVE_ROW(GO(HV_POOL_INACTIVE, "stopped", NULL)),
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

/* Moves p to state s, keeping the table's active flag in step (a pool that
 * is being built counts as active; leaving it applies a pending config). */
static void
set_state(HvEntry *p, HvPoolState s)
{
	test_pool(p)->state = s;
	if (s != HV_POOL_INACTIVE && !p->active)
		hv_entry_started(p);
	else if (s == HV_POOL_INACTIVE && p->active)
		hv_entry_stopped(p);
}

void
test_pool_finish_build(TestConn *tc, HvEntry *p)
{
	set_state(p, HV_POOL_INACTIVE);
	test_pool(p)->gen++;
	hv_entry_emit(p, "built", "-");
}

static void
act_build(TestConn *tc, HvEntry *p)
{
	test_timer_after(tc, tc->pools, test_pool_finish_build, test_pool_build_due, p,
			 test_pool(p)->gen, tc->params.build_delay_ms);
}

void
test_pool_build_due(TestConn *tc, HvEntry *p, unsigned gen)
{
	if (test_pool(p)->gen == gen && test_pool(p)->state == HV_POOL_BUILDING)
		test_pool_finish_build(tc, p);
}

/* The pool's storage is gone, and its volumes with it. */
static void
act_delete(TestConn *tc, HvEntry *p)
{
	hv_objtab_clear(p->children, "deleted");
}

static int
act_verb(HvObjTab *t, HvEntry *p, HvJob *job, int verb, void *arg, GError **err)
{
	TestConn *tc = test_tab_conn(t);
	const PoolTransition *tr = &pool_fsm[verb][test_pool(p)->state];

	if (!tr->ok)
		return hv_error_set(err, EBUSY, "cannot %s storage pool '%s': %s", pool_verbs[verb],
				    p->name, tr->why);
	test_tick(tc);
	if (tr->to != KEEP)
		set_state(p, tr->to);
	test_pool(p)->gen++;
	hv_entry_emit(p, tr->event, "-");
	if (tr->act)
		tr->act(tc, p);
	return 0;
}

static void *
priv_new(HvObjTab *t, HvEntry *p)
{
	return g_new0(TestPool, 1);
}

static int
prepare(HvObjTab *t, HvEntry *existing, void *p, GError **err)
{
	HvPoolDef *def = p;

	if (!def->uuid[0])
		test_uuid_generate(test_tab_conn(t), def->uuid);
	return 0;
}

static void *
info_new(HvObjTab *t, HvEntry *p)
{
	HvPoolInfo *i = g_new0(HvPoolInfo, 1);

	i->name = g_strdup(p->name);
	memcpy(i->uuid, p->def.pool->uuid, HV_UUID_STRLEN);
	i->type = g_strdup(p->def.pool->type);
	i->state = test_pool(p)->state;
	i->persistent = p->persistent;
	i->autostart = p->autostart;
	test_pool_sizes(p, &i->capacity, &i->allocation, &i->available);
	i->target_path = g_strdup(p->def.pool->target_path);
	return i;
}

/* The live definition shows the sizes as they are now, as libvirt's does. */
static char *
xml_new(HvObjTab *t, HvEntry *p, unsigned flags)
{
	HvPoolDef *def = (flags & HV_XML_INACTIVE) ? hv_entry_config(p) : p->def.pool;

	if (def == p->def.pool)
		test_pool_sizes(p, &def->capacity, &def->allocation, &def->available);
	return hv_pool_def_format(def);
}

static const char *
still_active(HvObjTab *t, HvEntry *p)
{
	return test_pool(p)->state == HV_POOL_BUILDING ? "storage pool is being built"
						       : "storage pool is still active";
}

/* Volumes may be used while the pool runs (degraded included). */
static bool
usable(HvEntry *p)
{
	HvPoolState s = test_pool(p)->state;

	return s == HV_POOL_RUNNING || s == HV_POOL_DEGRADED;
}

#define VERB(v, c) { .verb = (v), .job = { .cls = HV_JOB_MODIFY }, .act = act_verb, .code = (c) }

static const HvObjVerb verbs[HV_VERB_LAST] = {
	[HV_VERB_START] = VERB("start", P_START),
	[HV_VERB_STOP] = VERB("stop", P_STOP),
	[HV_VERB_BUILD] = VERB("build", P_BUILD),
	[HV_VERB_REFRESH] = VERB("refresh", P_REFRESH),
	[HV_VERB_DELETE] = VERB("delete", P_DELETE),
};

const HvObjClass test_pool_class = {
	.defs = &hv_pool_defs,
	.verbs = verbs,
	.children = &test_volume_class,
	.prepare = prepare,
	.info = info_new,
	.info_free = (GDestroyNotify)hv_pool_info_free,
	.xml = xml_new,
	.priv_new = priv_new,
	.priv_free = g_free,
	.changed = test_changed,
	.still_active = still_active,
	.usable = usable,
};
