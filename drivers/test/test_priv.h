/* test_priv.h: the test driver's private state, shared by the files of
 * drivers/test/. One TestConn per connection holds every object behind one
 * mutex; events are queued while it is held and emitted after it is released
 * (test_unlock), in order, under a second mutex. A timer thread finishes
 * delayed transitions (shutdown, pool build). */
#pragma once
#include "drivers/driver.h"
#include "conf/node_conf.h"

#define TEST_POOL_DEFAULT_CAPACITY (100ull << 30) /* libvirt's test default */
#define TEST_MAX_VCPUS 255u
#define TEST_MAX_MEMORY_KIB (1ull << 40)   /* 1 PiB */
#define TEST_MAX_DELAY_MS 3600000u
#define TEST_FIXED_TICK_NS 1000000000ll    /* clock=fixed: one second per action */

/* An ordered set of named objects: O(1) lookup by name and uuid, stable order.
 * The keys are the objects' own name and uuid fields. */
typedef struct {
	GHashTable *by_name; /* name -> obj (borrowed) */
	GHashTable *by_uuid; /* uuid -> obj (borrowed), may be NULL */
	GPtrArray *order;    /* obj, owns them through its free func */
} TestSet;

typedef struct {
	char *name;
	char uuid[HV_UUID_STRLEN]; /* the set's key: defs come and go, the uuid stays */
	HvDomainDef *def;    /* the live definition while active, else the persistent one */
	HvDomainDef *newdef; /* while active: persistent config when it differs, else NULL */
	HvDomainState state;
	int reason;
	int id; /* -1 when inactive */
	bool persistent;
	bool autostart;
	uint64_t cpu_ns;  /* cpu time accumulated up to since_ns */
	int64_t since_ns; /* clock value when cpu_ns was last settled */
	unsigned gen;     /* bumped on every state change; stale timer jobs check it */
} TestDomain;

typedef struct {
	char *name;
	char uuid[HV_UUID_STRLEN];
	HvNetworkDef *def;
	HvNetworkDef *newdef; /* pending persistent config while active */
	bool active;
	bool persistent;
	bool autostart;
} TestNetwork;

typedef struct {
	char *name;
	char uuid[HV_UUID_STRLEN];
	HvPoolDef *def;
	HvPoolDef *newdef; /* pending persistent config while active */
	HvPoolState state;
	bool persistent;
	bool autostart;
	unsigned gen;
	TestSet vols; /* HvVolumeDef*, keyed by name */
} TestPool;

/* A delayed transition, run by the timer thread when due. */
typedef enum { TEST_JOB_SHUTDOWN, TEST_JOB_BUILD } TestJobKind;
typedef struct {
	TestJobKind kind;
	char *name;
	unsigned gen;
	int64_t due_us; /* g_get_monotonic_time() */
} TestJob;

typedef struct {
	bool fixed_clock;
	bool seeded;
	uint64_t seed;
	unsigned shutdown_delay_ms;
	unsigned build_delay_ms;
	char *hostname;
} TestParams;

typedef struct {
	HvConn *conn;
	GMutex lock;      /* guards everything below */
	GMutex emit_lock; /* keeps events in order between unlock and emit */
	GCond cond;       /* wakes the timer thread */
	GThread *timer;
	bool quit;
	GQueue jobs; /* TestJob*, ordered by due_us */
	TestParams params;
	GRand *rand;
	int64_t vclock_ns; /* clock=fixed: the virtual clock */
	int next_id;
	HvNodeInfo node;
	TestSet domains;
	TestSet networks;
	TestSet pools;
} TestConn;

/* Events queued under the lock (GArray of TestEv). */
typedef struct {
	HvObjKind kind;
	char *parent;
	char *name;
	const char *event;
	char *detail;
} TestEv;

static inline TestConn *
test_conn(HvConn *c)
{
	return c->priv;
}

/* test_util.c */
void test_set_init(TestSet *s, bool with_uuid, GDestroyNotify free_obj);
void test_set_clear(TestSet *s);
void test_set_add(TestSet *s, const char *name, const char *uuid, void *obj);
void test_set_remove(TestSet *s, const char *name, const char *uuid, void *obj);
void *test_set_lookup(const TestSet *s, const char *name);
void *test_set_lookup_uuid(const TestSet *s, const char *uuid);
GArray *test_evq_new(void);
void test_evq_add(GArray *q, HvObjKind kind, const char *parent, const char *name,
		  const char *event, const char *detail);
void test_lock(TestConn *tc);
void test_unlock(TestConn *tc, GArray *q); /* emits and frees q (may be NULL) */
int64_t test_clock_ns(TestConn *tc);
void test_tick(TestConn *tc);
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
int test_domain_verb(TestConn *tc, TestVerb verb, const char *name, GArray *q,
		     GError **err);
void test_domain_finish_shutdown(TestConn *tc, TestDomain *d, GArray *q);
void test_domain_boot(TestConn *tc, TestDomain *d, int reason);
uint64_t test_domain_cpu_ns(TestConn *tc, const TestDomain *d);
void test_domain_settle_cpu(TestConn *tc, TestDomain *d);
const char *test_verb_name(TestVerb verb);

/* test_timer.c */
int test_timer_start(TestConn *tc, GError **err);
void test_timer_stop(TestConn *tc);
void test_timer_add(TestConn *tc, TestJobKind kind, const char *name, unsigned gen,
		    unsigned delay_ms);

/* test_domain.c, test_domain_set.c, test_stats.c */
extern const HvDomainOps test_domain_ops;
TestDomain *test_domain_find(TestConn *tc, const char *name, GError **err);
void test_domain_free(TestDomain *d);
HvDomainDef *test_domain_config(TestDomain *d); /* the persistent config (borrowed) */
int test_domain_add_def(TestConn *tc, HvDomainDef *def, GError **err); /* steals def */
int test_domain_prepare_def(TestConn *tc, HvDomainDef *def, GError **err);
int test_domain_set_memory(HvConn *c, const char *name, uint64_t kib, unsigned flags,
			   GError **err);
int test_domain_set_vcpus(HvConn *c, const char *name, unsigned n, unsigned flags,
			  GError **err);
int test_domain_get_stats(HvConn *c, const char *name, char **text, GError **err);

/* test_network.c */
extern const HvNetworkOps test_network_ops;
void test_network_free(TestNetwork *n);
int test_network_add_def(TestConn *tc, HvNetworkDef *def, bool active, GError **err);

/* test_pool.c, test_volume.c */
extern const HvPoolOps test_pool_ops;
extern const HvVolumeOps test_volume_ops;
void test_pool_free(TestPool *p);
TestPool *test_pool_find(TestConn *tc, const char *name, GError **err);
int test_pool_add_def(TestConn *tc, HvPoolDef *def, bool active, GError **err);
int test_pool_add_volume(TestConn *tc, TestPool *p, HvVolumeDef *vol, GError **err);
void test_pool_sizes(const TestPool *p, uint64_t *cap, uint64_t *alloc, uint64_t *avail);
void test_pool_finish_build(TestConn *tc, TestPool *p, GArray *q);

/* test_default.c */
extern const char test_default_node_xml[];
char *test_capabilities_new(const TestConn *tc);

/* test_load.c */
/* Takes the node's object definitions (its arrays are left empty). */
int test_load_node(TestConn *tc, HvNodeDef *node, GError **err);
void test_node_defaults(TestConn *tc, const HvNodeDef *node);
