/* test_priv.h: the test driver's private state, shared by the files of
 * drivers/test/. The objects live in the shared tables (drivers/objtab.h)
 * behind one core lock per connection; what is the test driver's own is the
 * simulation kept beside each object (TestDomain, TestPool: HvEntry.priv), the
 * clock, the seeded generators, and a timer thread that finishes delayed
 * transitions (shutdown, pool build). */
#pragma once
#include "drivers/objtab.h"
#include "conf/node_conf.h"

#define TEST_POOL_DEFAULT_CAPACITY (100ull << 30) /* libvirt's test default */
#define TEST_MAX_VCPUS 255u
#define TEST_MAX_MEMORY_KIB (1ull << 40)   /* 1 PiB */
#define TEST_MAX_DELAY_MS 3600000u
#define TEST_FIXED_TICK_NS 1000000000ll    /* clock=fixed: one second per action */

/* A domain's simulation (HvEntry.priv of the domain table). */
typedef struct {
	HvDomainState state;
	int reason;
	int id;           /* -1 when inactive */
	uint64_t cpu_ns;  /* cpu time accumulated up to since_ns */
	int64_t since_ns; /* clock value when cpu_ns was last settled */
	unsigned gen;     /* bumped on every state change; stale timers check it */
} TestDomain;

/* A pool's (HvEntry.priv of the pool table); its volumes are HvEntry.children. */
typedef struct {
	HvPoolState state;
	unsigned gen;
} TestPool;

/* A delayed transition, run by the timer thread when due. */
typedef enum { TEST_TIMER_SHUTDOWN, TEST_TIMER_BUILD } TestTimerKind;
typedef struct {
	TestTimerKind kind;
	char *name;
	unsigned gen;
	int64_t due_us; /* g_get_monotonic_time() */
} TestTimer;

typedef struct {
	bool fixed_clock;
	bool seeded;
	uint64_t seed;
	unsigned shutdown_delay_ms;
	unsigned build_delay_ms;
	unsigned job_wait_ms;  /* how long a job waits for a busy object */
	unsigned set_delay_ms; /* a memory or vCPU change holds its job this long */
	unsigned info_delay_ms; /* a domain's get_info answers this late, lock-free */
	char *hostname;
} TestParams;

typedef struct {
	HvConn *conn;
	HvCore core;   /* guards everything below; queues the events */
	GCond cond;    /* wakes the timer thread (waits on core.mutex) */
	GThread *timer;
	bool quit;
	GQueue timers; /* TestTimer*, ordered by due_us */
	GCond late_cond;  /* info-delay: wakes late answers at close */
	unsigned late;    /* get_info calls being late */
	TestParams params;
	GRand *rand;
	int64_t vclock_ns; /* clock=fixed: the virtual clock */
	int next_id;
	HvNodeInfo node;
	HvObjTab *domains;
	HvObjTab *networks;
	HvObjTab *pools;
} TestConn;

static inline TestConn *
test_conn(HvConn *c)
{
	return c->priv;
}

static inline TestConn *
test_tab_conn(const HvObjTab *t)
{
	return t->opaque;
}

static inline TestDomain *
test_dom(const HvEntry *o)
{
	return o->priv;
}

static inline TestPool *
test_pool(const HvEntry *o)
{
	return o->priv;
}

/* test_util.c */
int64_t test_clock_ns(TestConn *tc);
void test_tick(TestConn *tc);
void test_changed(HvObjTab *t, HvEntry *o); /* the classes' changed hook: a tick */
void test_uuid_generate(TestConn *tc, char out[HV_UUID_STRLEN]);
char *test_mac_generate(TestConn *tc);
/* Moves a local error into err and returns its -errno. */
int test_error_take(GError **err, GError *local);

/* test_fsm.c: the domain state machine */
typedef enum {
	TEST_VERB_START,
	TEST_VERB_SHUTDOWN,
	TEST_VERB_DESTROY,
	TEST_VERB_REBOOT,
	TEST_VERB_RESET,
	TEST_VERB_SUSPEND,
	TEST_VERB_RESUME,
	TEST_VERB_LAST
} TestVerb;
bool test_domain_state_active(HvDomainState s);
/* The verb rows' act (code: a TestVerb). */
int test_domain_fsm(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err);
/* May remove o (a transient domain). */
void test_domain_finish_shutdown(TestConn *tc, HvEntry *o);
void test_domain_boot(TestConn *tc, HvEntry *o, int reason);
uint64_t test_domain_cpu_ns(TestConn *tc, const HvEntry *o);
void test_domain_settle_cpu(TestConn *tc, HvEntry *o);
const char *test_verb_name(TestVerb verb);

/* test_timer.c */
int test_timer_start(TestConn *tc, GError **err);
void test_timer_stop(TestConn *tc);
void test_timer_add(TestConn *tc, TestTimerKind kind, const char *name, unsigned gen,
		    unsigned delay_ms);
/* Finishes o's transition now when delay_ms is 0 (lock held, within the verb),
 * else on the timer thread after delay_ms. */
void test_timer_after(TestConn *tc, TestTimerKind kind, HvEntry *o, unsigned gen,
		      unsigned delay_ms);

/* test_domain.c, test_domain_set.c, test_stats.c */
extern const HvObjClass test_domain_class;
int test_domain_set(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err);
int test_domain_stats(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err);
enum { TEST_SET_MEMORY, TEST_SET_VCPUS }; /* test_domain_set's codes */

/* test_network.c */
extern const HvObjClass test_network_class;

/* test_pool.c, test_volume.c */
extern const HvObjClass test_pool_class;
extern const HvObjClass test_volume_class;
void test_pool_sizes(const HvEntry *p, uint64_t *cap, uint64_t *alloc, uint64_t *avail);
void test_pool_finish_build(TestConn *tc, HvEntry *p);
/* Lock held. Steals vol. The checks of a new volume (name, space), then added. */
int test_pool_add_volume(HvEntry *p, HvVolumeDef *vol, HvEntry **out, GError **err);

/* test_default.c */
extern const char test_default_node_xml[];
char *test_capabilities_new(const TestConn *tc);

/* test_load.c */
/* Takes the node's object definitions (its arrays are left empty). */
int test_load_node(TestConn *tc, HvNodeDef *node, GError **err);
void test_node_defaults(TestConn *tc, const HvNodeDef *node);
