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
	GHashTable *tune; /* "KIND/DEVICE" -> GArray of HvParam: settings made (test_tune.c) */
	GPtrArray *snaps;   /* HvSnapshotDef*, parents first (test_snapshot.c), or NULL */
	char *snap_current; /* the current snapshot's name, or NULL */
	HvDomainState saved; /* a managed save image keeps this state; NOSTATE: none */
	guint16 *pins;      /* vCPU pins (bit n: CPU n; 0: none) of the run pins_id, or NULL */
	int pins_id;
	guint16 emu_live;   /* the emulator's pin in the run emu_live_id (0: none) */
	int emu_live_id;
	guint16 emu_config; /* and in the definition (0: none) */
	guint8 frozen;      /* the guest's frozen file systems: bit 0 /, bit 1 /boot */
	GPtrArray *cps;     /* HvCheckpointDef*, parents first (test_checkpoint.c), or NULL */
	char *cp_current;   /* the current checkpoint's name, or NULL */
	GArray *iopolls;    /* TestIOPoll: the IOThreads added, in order (test_actions.c), or NULL */
} TestDomain;

/* An IOThread's polling, which libvirt's test driver keeps beside the
 * definition for each IOThread virDomainAddIOThread added (its
 * testIOThreadInfo): virDomainSetIOThreadParams sets it, `domstats
 * --iothread` shows it while the domain runs. */
typedef struct {
	unsigned id;
	uint64_t max_ns;
	unsigned grow, shrink;
} TestIOPoll;

/* A pool's (HvEntry.priv of the pool table); its volumes are HvEntry.children. */
typedef struct {
	HvPoolState state;
	unsigned gen;
} TestPool;

/* A delayed transition, run by the timer thread when due: fire(tc, the
 * object of tab named name, gen), which checks that gen is still current. */
typedef struct TestConn TestConn;
typedef void (*TestTimerFire)(TestConn *tc, HvEntry *o, unsigned gen);
typedef struct {
	HvObjTab *tab;
	TestTimerFire fire;
	char *name;
	unsigned gen;
	int64_t due_us; /* g_get_monotonic_time() */
} TestTimer;

/* What hyperfs's test node adds to libvirt's test driver, each on only by the
 * URI parameter extras=NAME[,NAME...] (or extras=all): test_driver.c's table. */
enum {
	TEST_EXTRA_VOLUMES = 1u << 0, /* the default pool's disk1.img and disk2.qcow2 */
	TEST_EXTRA_SECRETS = 1u << 1, /* a secret store (libvirt's test driver has none) */
	TEST_EXTRA_JOBS = 1u << 2,    /* virDomainGetJobInfo/Stats, AbortJob: the `job` file */
	TEST_EXTRA_LEASES = 1u << 3,  /* a network's (empty) DHCP leases */
	TEST_EXTRA_PORTS = 1u << 4,   /* a network's (empty) port list */
	TEST_EXTRA_STATS = 1u << 5,   /* every stats group, counters from the simulation */
	TEST_EXTRA_ALL = (1u << 6) - 1,
};

typedef struct {
	unsigned extras; /* TEST_EXTRA_* */
	bool fixed_clock;
	bool seeded;
	uint64_t seed;
	unsigned shutdown_delay_ms;
	unsigned build_delay_ms;
	unsigned job_wait_ms;  /* how long a job waits for a busy object */
	unsigned set_delay_ms; /* a memory or vCPU change holds its job this long */
	unsigned info_delay_ms; /* a domain's get_info answers this late, lock-free */
	char *hostname;
	char *stall_info; /* stall-info=NAME: get_info of domain NAME waits for close */
} TestParams;

struct TestConn {
	HvConn *conn;
	HvCore core;   /* guards everything below; queues the events */
	GCond cond;    /* wakes the timer thread (waits on core.mutex) */
	GThread *timer;
	bool quit;
	GQueue timers; /* TestTimer*, ordered by due_us */
	GCond late_cond;  /* info-delay, stall-info: wake late answers at close */
	unsigned late;    /* get_info calls being late */
	TestParams params;
	GRand *rand;
	int64_t vclock_ns; /* clock=fixed: the virtual clock */
	int next_id;
	HvNodeInfo node;
	HvObjTab *domains;
	HvObjTab *networks;
	HvObjTab *pools;
	GPtrArray *ifaces;       /* host interfaces (test_iface.c) */
	GPtrArray *ifaces_saved; /* their copy while a transaction runs, else NULL */
	GPtrArray *nodedevs;     /* node devices (test_nodedev.c) */
};

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
/* 0 when extra (TEST_EXTRA_*) is on for c, else libvirt's "not supported"
 * of the method (kind, what) as a driver without it answers. */
int test_extra_check(HvConn *c, unsigned extra, const char *kind, const char *what,
		     GError **err);
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
/* The timer's: a shutdown of generation gen is due (a destroy-class job). */
void test_domain_shutdown_due(TestConn *tc, HvEntry *o, unsigned gen);
void test_domain_boot(TestConn *tc, HvEntry *o, int reason);
uint64_t test_domain_cpu_ns(TestConn *tc, const HvEntry *o);
void test_domain_settle_cpu(TestConn *tc, HvEntry *o);
const char *test_verb_name(TestVerb verb);

/* test_snapshot.c: simulated snapshots and save images, as libvirt's test
 * driver has them */
extern const HvSnapshotOps test_snapshot_ops;
void test_snapshot_domain_free(TestDomain *d);
void test_snapshot_domain_ops(HvDomainOps *ops); /* fills the save/restore ops */

/* test_checkpoint.c: checkpoints as libvirt's test driver keeps them */
extern const HvCheckpointOps test_checkpoint_ops;
void test_checkpoint_domain_free(TestDomain *d);

/* test_timer.c */
int test_timer_start(TestConn *tc, GError **err);
void test_timer_stop(TestConn *tc);
/* Lock held: fire(tc, o, gen) on the timer thread after delay_ms, o being
 * what tab holds under name then. */
void test_timer_add(TestConn *tc, HvObjTab *tab, TestTimerFire fire, const char *name,
		    unsigned gen, unsigned delay_ms);
/* Lock held, within the verb: now(tc, o) when delay_ms is 0, else
 * test_timer_add(tab, due, o's name, gen, delay_ms). */
typedef void (*TestFinish)(TestConn *tc, HvEntry *o);
void test_timer_after(TestConn *tc, HvObjTab *tab, TestFinish now, TestTimerFire due, HvEntry *o,
		      unsigned gen, unsigned delay_ms);

/* test_domain.c, test_domain_set.c, test_stats.c */
extern const HvObjClass test_domain_class;
int test_domain_set(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err);
int test_domain_stats(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err);
int test_dom_get_device_stats(HvConn *c, const char *name, HvDeviceKind kind, const char *dev,
			      int64_t vals[HV_DEV_STATS_MAX], GError **err);
/* The stats groups get_stats fills: libvirt's state and iothread, all of
 * ours with extras=stats. */
unsigned test_dom_stats_groups(HvConn *c);
enum { TEST_SET_MEMORY, TEST_SET_VCPUS }; /* test_domain_set's codes */

/* test_network.c */
extern const HvObjClass test_network_class;
/* The shared network ops with leases, ports and update (test_network.c), set
 * up once by test_network_ops_init(). */
extern HvNetworkOps test_network_ops;
void test_network_ops_init(void);

/* test_sources.c: the pool ops with source discovery (set up once) */
extern HvPoolOps test_pool_ops;
void test_pool_ops_init(void);

/* test_pool.c, test_volume.c */
extern const HvObjClass test_pool_class;
extern const HvObjClass test_volume_class;
void test_pool_sizes(const HvEntry *p, uint64_t *cap, uint64_t *alloc, uint64_t *avail);
void test_pool_finish_build(TestConn *tc, HvEntry *p);
void test_pool_build_due(TestConn *tc, HvEntry *p, unsigned gen); /* the timer's */
/* Lock held. Steals vol. The checks of a new volume (name, space), then added. */
int test_pool_add_volume(HvEntry *p, HvVolumeDef *vol, HvEntry **out, GError **err);
/* test_voldata.c: volume content in memory (the volume class's priv and data) */
extern const HvVolDataOps test_vol_data;
void *test_vol_priv_new(HvObjTab *t, HvEntry *o);
void test_vol_priv_free(void *priv);

/* test_default.c */
extern const char test_default_node_xml[];
/* Drops the default pool's volumes unless extras has TEST_EXTRA_VOLUMES. */
void test_default_trim(HvNodeDef *node, unsigned extras);

/* test_caps.c: capabilities, NUMA cells, free pages, CPU models */
char *test_capabilities_new(const TestConn *tc);
unsigned test_cells(const TestConn *tc);
uint64_t test_cell_free(unsigned n);
int test_node_get_free_pages(HvConn *c, const unsigned *pages, unsigned npages, int start,
			     unsigned count, GArray **out, GError **err);
int test_node_get_cpu_models(HvConn *c, const char *arch, GStrv *out, GError **err);
int test_node_baseline_cpu(HvConn *c, const char *const *xmls, unsigned flags, char **out,
			   GError **err);

/* test_load.c */
/* Takes the node's object definitions (its arrays are left empty). */
int test_load_node(TestConn *tc, HvNodeDef *node, GError **err);
void test_node_defaults(TestConn *tc, const HvNodeDef *node);

/* test_tune.c: vCPUs, affinity and tuning groups (driver.h) */
int test_dom_get_vcpus(HvConn *c, const char *name, GArray **out, GError **err);
int test_dom_get_affinity(HvConn *c, const char *name, HvAffinityKind kind, unsigned flags,
			  unsigned *ncpus, GArray **out, GError **err);
int test_dom_get_scheduler_type(HvConn *c, const char *name, char **type, GError **err);
int test_dom_get_tune(HvConn *c, const char *name, HvTuneKind kind, const char *device,
		      unsigned flags, GArray **out, GError **err);
/* test_pin.c: vCPU and emulator pins (0: none pinned, all CPUs) */
guint16 test_pin_get(const HvEntry *o, HvAffinityKind kind, unsigned id, unsigned flags);
int test_dom_set_affinity(HvConn *c, const char *name, HvAffinityKind kind, unsigned id,
			  const uint8_t *map, size_t len, unsigned flags, GError **err);
int test_dom_set_tune(HvConn *c, const char *name, HvTuneKind kind, const char *device,
		      const GArray *params, unsigned flags, GError **err);

/* test_actions.c: screenshot, core dump, rename and IOThreads (HvDomainOps) */
int test_dom_screenshot(HvConn *c, const char *name, GBytes **png, GError **err);
int test_dom_core_dump(HvConn *c, const char *name, const char *path, unsigned format,
		       unsigned flags, GError **err);
int test_dom_rename(HvConn *c, const char *name, const char *new_name, GError **err);
int test_dom_set_iothread(HvConn *c, const char *name, unsigned id, bool add, unsigned flags,
			  GError **err);
int test_dom_set_iothread_params(HvConn *c, const char *name, unsigned id, const GArray *params,
				 unsigned flags, GError **err);
int test_dom_send_signal(HvConn *c, const char *name, int64_t pid, unsigned signum,
			 GError **err);
/* virDomainSetLifecycleAction: type and action are libvirt's numbers. */
int test_dom_set_lifecycle(HvConn *c, const char *name, unsigned type, unsigned action,
			   unsigned flags, GError **err);
/* An IOThread's pin (takes the lock); the maps of o's IOThreads (lock held). */
int test_iothread_pin(TestConn *tc, const char *name, unsigned id, const uint8_t *map,
		      size_t len, unsigned flags, GError **err);
GArray *test_iothread_maps(HvEntry *o, unsigned flags, unsigned ncpus);

/* test_perf.c: perf events and the balloon's period (HvDomainOps) */
int test_dom_get_perf_events(HvConn *c, const char *name, unsigned flags, GArray **out,
			     GError **err);
int test_dom_memory_peek(HvConn *c, const char *name, uint64_t start, uint32_t size,
			 unsigned flags, GByteArray **out, GError **err);
int test_dom_set_perf_events(HvConn *c, const char *name, const GArray *params, unsigned flags,
			     GError **err);
int test_dom_set_memory_stats_period(HvConn *c, const char *name, int period, unsigned flags,
				     GError **err);

/* test_node.c: the host's CPU map, cells, sysinfo and CPU counters (HvNodeOps) */
int test_node_get_cpu_map(HvConn *c, uint8_t map[HV_CPUMAP_BYTES], unsigned *online,
			  GError **err);
int test_node_get_cells_free_memory(HvConn *c, int start, int max, GArray **out, GError **err);
int test_node_get_sysinfo(HvConn *c, char **xml, GError **err);
int test_node_get_cpu_stats(HvConn *c, int cpu, GArray **out, GError **err);
int test_node_get_security_model(HvConn *c, char **model, char **doi, GError **err);
int test_dom_get_security_label(HvConn *c, const char *name, char **label, bool *enforcing,
				GError **err);

/* test_guest.c: what the guests report (HvDomainOps) */
int test_dom_get_memory_stats(HvConn *c, const char *name, GArray **out, GError **err);
int test_dom_get_hostname(HvConn *c, const char *name, char **hostname, GError **err);
int test_dom_get_time(HvConn *c, const char *name, int64_t *seconds, unsigned *nseconds,
		      GError **err);
int test_dom_get_disk_errors(HvConn *c, const char *name, GArray **out, GError **err);
int test_dom_get_control_info(HvConn *c, const char *name, unsigned *state, unsigned *details,
			      uint64_t *since_ms, GError **err);
int test_dom_get_block_info(HvConn *c, const char *name, const char *path, uint64_t *capacity,
			    uint64_t *allocation, uint64_t *physical, GError **err);
int test_dom_addresses(HvConn *c, const char *name, GPtrArray **out, GError **err);
int test_dom_guest_request(HvConn *c, const char *name, HvGuestRequest what,
			   const char *const *mounts, int *count, GError **err);
int test_dom_get_fsinfo(HvConn *c, const char *name, GPtrArray **out, GError **err);
int test_dom_get_launch_security(HvConn *c, const char *name, unsigned flags, GArray **out,
				 GError **err);
int test_dom_get_cpu_stats(HvConn *c, const char *name, int start_cpu, unsigned ncpus,
			   unsigned nparams, GArray **out, GError **err);
int test_node_get_version(HvConn *c, uint64_t *version, GError **err);
int test_node_get_max_vcpus(HvConn *c, const char *type, unsigned *max, GError **err);

/* test_iface.c */
extern const HvInterfaceOps test_iface_ops;
void test_ifaces_init(TestConn *tc);
void test_ifaces_free(TestConn *tc);

/* test_nodedev.c */
extern const HvNodeDevOps test_nodedev_ops;
void test_nodedevs_init(TestConn *tc);
