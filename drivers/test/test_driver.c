/* test_driver.c: the test driver, hyperfs's built-in simulated hypervisor:
 * the driver table (scheme "test": the shared ops over its object tables),
 * opening a connection (URI path: /default or an absolute node document path;
 * query parameters from one table), closing it, and the node ops. Each
 * connection gets its own fresh state. */
#include <string.h>
#include "drivers/test/test_priv.h"
#include "drivers/objops.h"
#include "drivers/secret/secret_store.h"
#ifdef __GLIBC__
#include <malloc.h>
#endif

typedef int (*ParamSet)(TestParams *p, const char *key, const char *value, GError **err);

static int
set_clock(TestParams *p, const char *key, const char *value, GError **err)
{
	if (g_str_equal(value, "fixed") || g_str_equal(value, "real")) {
		p->fixed_clock = g_str_equal(value, "fixed");
		return 0;
	}
	return hv_error_set(err, EINVAL, "URI parameter '%s' must be 'real' or 'fixed', not '%s'",
			    key, value);
}

static int
parse_u64(const char *key, const char *value, guint64 max, guint64 *out, GError **err)
{
	if (!g_ascii_string_to_unsigned(value, 10, 0, max, out, NULL))
		return hv_error_set(err, EINVAL, "URI parameter '%s' must be a number from 0 to %"
				    G_GUINT64_FORMAT ", not '%s'", key, max, value);
	return 0;
}

static int
set_seed(TestParams *p, const char *key, const char *value, GError **err)
{
	p->seeded = true;
	return parse_u64(key, value, G_MAXUINT64, &p->seed, err);
}

static int
set_delay(const char *key, const char *value, unsigned *ms, GError **err)
{
	guint64 v;

	if (parse_u64(key, value, TEST_MAX_DELAY_MS, &v, err) < 0)
		return -EINVAL;
	*ms = (unsigned)v;
	return 0;
}

static int
set_shutdown_delay(TestParams *p, const char *key, const char *value, GError **err)
{
	return set_delay(key, value, &p->shutdown_delay_ms, err);
}

static int
set_build_delay(TestParams *p, const char *key, const char *value, GError **err)
{
	return set_delay(key, value, &p->build_delay_ms, err);
}

static int
set_job_wait(TestParams *p, const char *key, const char *value, GError **err)
{
	return set_delay(key, value, &p->job_wait_ms, err);
}

static int
set_set_delay(TestParams *p, const char *key, const char *value, GError **err)
{
	return set_delay(key, value, &p->set_delay_ms, err);
}

static int
set_info_delay(TestParams *p, const char *key, const char *value, GError **err)
{
	return set_delay(key, value, &p->info_delay_ms, err);
}

static int
set_hostname(TestParams *p, const char *key, const char *value, GError **err)
{
	if (!*value || strlen(value) > 255)
		return hv_error_set(err, EINVAL, "URI parameter '%s' must be 1 to 255 bytes", key);
	g_free(p->hostname);
	p->hostname = g_strdup(value);
	return 0;
}

/* extras=NAME[,NAME...]: what hyperfs adds to libvirt's test driver (each off
 * by default, so test:///default answers as libvirt's). */
static const struct {
	const char *name;
	unsigned bit;
} extras_table[] = {
	{ "volumes", TEST_EXTRA_VOLUMES }, { "secrets", TEST_EXTRA_SECRETS },
	{ "jobs", TEST_EXTRA_JOBS },       { "leases", TEST_EXTRA_LEASES },
	{ "ports", TEST_EXTRA_PORTS },     { "stats", TEST_EXTRA_STATS },
	{ "all", TEST_EXTRA_ALL },
};

static int
set_extras(TestParams *p, const char *key, const char *value, GError **err)
{
	g_auto(GStrv) words = g_strsplit(value, ",", -1);

	p->extras = 0;
	if (!*value)
		return hv_error_set(err, EINVAL, "URI parameter '%s' is empty (known: volumes, "
				    "secrets, jobs, leases, ports, stats, all)", key);
	for (char **w = words; *w; w++) {
		size_t i = 0;

		while (i < G_N_ELEMENTS(extras_table) && !g_str_equal(extras_table[i].name, *w))
			i++;
		if (i == G_N_ELEMENTS(extras_table))
			return hv_error_set(err, EINVAL, "URI parameter '%s': '%s' is not an extra "
					    "(known: volumes, secrets, jobs, leases, ports, stats, all)",
					    key, *w);
		p->extras |= extras_table[i].bit;
	}
	return 0;
}

/* For tests only (docs/test-driver.md): a driver call that never returns. */
static int
set_stall_info(TestParams *p, const char *key, const char *value, GError **err)
{
	g_free(p->stall_info);
	p->stall_info = g_strdup(value);
	return 0;
}

static const struct {
	const char *name;
	ParamSet set;
} params_table[] = {
	{ "clock", set_clock },
	{ "seed", set_seed },
	{ "shutdown-delay", set_shutdown_delay },
	{ "build-delay", set_build_delay },
	{ "hostname", set_hostname },
	{ "job-wait", set_job_wait },
	{ "set-delay", set_set_delay },
	{ "info-delay", set_info_delay },
	{ "stall-info", set_stall_info },
	{ "extras", set_extras },
};

static int
param_apply(TestParams *p, const char *uri, const char *key, const char *value,
	    GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(params_table); i++)
		if (g_str_equal(params_table[i].name, key))
			return params_table[i].set(p, key, value, err);
	return hv_error_set(err, EINVAL, "unknown parameter '%s' in URI '%s' (known: clock, "
			    "seed, shutdown-delay, build-delay, hostname, job-wait, set-delay, "
			    "info-delay, stall-info, extras)",
			    key, uri);
}

static int
params_parse(HvConn *c, TestParams *p, GError **err)
{
	const char *query = g_uri_get_query(c->uri);
	g_autoptr(GHashTable) kv = NULL;
	g_autoptr(GError) perr = NULL;
	GHashTableIter it;
	gpointer k, v;

	p->job_wait_ms = HV_JOB_WAIT_MS;
	if (!query || !*query)
		return 0;
	kv = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, &perr);
	if (!kv)
		return hv_error_set(err, EINVAL, "invalid query in URI '%s': %s", c->uri_str,
				    perr->message);
	g_hash_table_iter_init(&it, kv);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (param_apply(p, c->uri_str, k, v, err) < 0)
			return -EINVAL;
	return 0;
}

/* Wakes the get_info calls that info-delay keeps waiting, and waits for them
 * to leave the driver. */
static void
late_stop(TestConn *tc)
{
	hv_core_lock(&tc->core);
	tc->quit = true;
	g_cond_broadcast(&tc->late_cond);
	while (tc->late)
		g_cond_wait(&tc->late_cond, &tc->core.mutex);
	hv_core_unlock(&tc->core);
}

static void
test_conn_free(TestConn *tc)
{
	if (!tc)
		return;
	late_stop(tc);
	test_timer_stop(tc);
	hv_objtab_free(tc->domains);
	hv_objtab_free(tc->networks);
	hv_objtab_free(tc->pools);
	test_ifaces_free(tc);
	g_clear_pointer(&tc->nodedevs, g_ptr_array_unref);
	hv_node_info_clear(&tc->node);
	g_clear_pointer(&tc->rand, g_rand_free);
	g_free(tc->params.hostname);
	g_free(tc->params.stall_info);
	hv_core_clear(&tc->core);
	g_cond_clear(&tc->cond);
	g_cond_clear(&tc->late_cond);
	g_free(tc);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestConn, test_conn_free)

static HvObjTab *
table_new(TestConn *tc, const HvObjClass *cls)
{
	return hv_objtab_new(&(HvObjTabConfig){ .cls = cls, .core = &tc->core, .opaque = tc });
}

static TestConn *
test_conn_new(HvConn *c)
{
	TestConn *tc = g_new0(TestConn, 1);

	tc->conn = c;
	hv_core_init(&tc->core, c);
	g_cond_init(&tc->cond);
	g_cond_init(&tc->late_cond);
	g_queue_init(&tc->timers);
	tc->next_id = 1;
	tc->domains = table_new(tc, &test_domain_class);
	tc->networks = table_new(tc, &test_network_class);
	tc->pools = table_new(tc, &test_pool_class);
	test_ifaces_init(tc);
	test_nodedevs_init(tc);
	return tc;
}

/* The node document the URI names: /default (embedded) or an absolute path. */
static HvNodeDef *
node_parse(HvConn *c, GError **err)
{
	const char *path = g_uri_get_path(c->uri);

	if (path && g_str_equal(path, "/default"))
		return hv_node_def_parse(test_default_node_xml, strlen(test_default_node_xml),
					 NULL, err);
	if (path && path[0] == '/' && path[1])
		return hv_node_def_parse_file(path, err);
	hv_error_set(err, EINVAL, "URI '%s' names no node: use test:///default or "
		     "test:///ABSOLUTE/PATH.xml", c->uri_str);
	return NULL;
}

/* info-delay=MS: a domain's get_info answers MS ms late, holding no lock, so
 * tests can show that a caller does not wait on a stuck driver.
 * stall-info=NAME: while domain NAME exists, its get_info never answers until
 * the connection closes, and then fails with EIO. */
static int
dom_get_info_late(HvConn *c, const char *name, HvDomainInfo **out, GError **err)
{
	TestConn *tc = test_conn(c);
	bool stall = tc->params.stall_info && g_str_equal(name, tc->params.stall_info);
	int64_t end = g_get_monotonic_time() + (int64_t)tc->params.info_delay_ms * 1000;
	int r;

	if (!tc->params.info_delay_ms && !stall)
		return hv_objops_dom_get_info(c, name, out, err);
	if (stall) {
		r = hv_objops_dom_get_info(c, name, out, err);
		if (r < 0)
			return r; /* NAME is not there: nothing to stall */
		g_clear_pointer(out, hv_domain_info_free);
	}
	hv_core_lock(&tc->core);
	tc->late++;
	while (!tc->quit && (stall ? (g_cond_wait(&tc->late_cond, &tc->core.mutex), true)
				   : g_cond_wait_until(&tc->late_cond, &tc->core.mutex, end)))
		;
	hv_core_unlock(&tc->core);
	if (stall)
		r = hv_error_set(err, EIO, "get_info of domain '%s' stalled (stall-info) until "
				 "the connection closed", name);
	else
		r = hv_objops_dom_get_info(c, name, out, err);
	hv_core_lock(&tc->core);
	tc->late--;
	g_cond_broadcast(&tc->late_cond);
	hv_core_unlock(&tc->core);
	return r;
}

/* Jobs are an extra: libvirt's test driver has no job calls. */
static int
dom_get_job(HvConn *c, const char *name, HvJobInfo *out, GError **err)
{
	return test_extra_check(c, TEST_EXTRA_JOBS, "domain", "get_job", err)
		       ?: hv_objops_dom_get_job(c, name, out, err);
}

static int
dom_abort_job(HvConn *c, const char *name, GError **err)
{
	return test_extra_check(c, TEST_EXTRA_JOBS, "domain", "abort_job", err)
		       ?: hv_objops_dom_abort_job(c, name, err);
}

/* libvirt's test driver answers virDomainGetOSType with "linux" whatever the
 * definition says. */
static int
dom_get_info(HvConn *c, const char *name, HvDomainInfo **out, GError **err)
{
	int r = dom_get_info_late(c, name, out, err);

	if (r == 0) {
		g_free((*out)->os_type);
		(*out)->os_type = g_strdup("linux");
	}
	return r;
}

/* The shared domain ops, with get_info able to be late (set at first open). */
static HvDomainOps test_domain_ops;

static gpointer
domain_ops_init(gpointer unused)
{
	test_domain_ops = hv_objops_domain;
	test_domain_ops.get_info = dom_get_info;
	test_domain_ops.get_job = dom_get_job;
	test_domain_ops.abort_job = dom_abort_job;
	test_domain_ops.get_vcpus = test_dom_get_vcpus;
	test_domain_ops.get_affinity = test_dom_get_affinity;
	test_domain_ops.set_affinity = test_dom_set_affinity;
	test_domain_ops.get_scheduler_type = test_dom_get_scheduler_type;
	test_domain_ops.get_tune = test_dom_get_tune;
	test_domain_ops.set_tune = test_dom_set_tune;
	test_domain_ops.get_security_label = test_dom_get_security_label;
	test_domain_ops.get_memory_stats = test_dom_get_memory_stats;
	test_domain_ops.get_hostname = test_dom_get_hostname;
	test_domain_ops.memory_peek = test_dom_memory_peek;
	test_domain_ops.get_time = test_dom_get_time;
	test_domain_ops.get_disk_errors = test_dom_get_disk_errors;
	test_domain_ops.get_perf_events = test_dom_get_perf_events;
	test_domain_ops.set_perf_events = test_dom_set_perf_events;
	test_domain_ops.set_memory_stats_period = test_dom_set_memory_stats_period;
	test_domain_ops.get_control_info = test_dom_get_control_info;
	test_domain_ops.get_block_info = test_dom_get_block_info;
	test_domain_ops.get_addresses = test_dom_addresses;
	test_domain_ops.get_fsinfo = test_dom_get_fsinfo;
	test_domain_ops.guest_request = test_dom_guest_request;
	test_domain_ops.get_launch_security = test_dom_get_launch_security;
	test_domain_ops.screenshot = test_dom_screenshot;
	test_domain_ops.core_dump = test_dom_core_dump;
	test_domain_ops.rename = test_dom_rename;
	test_domain_ops.set_iothread = test_dom_set_iothread;
	test_domain_ops.set_iothread_params = test_dom_set_iothread_params;
	test_domain_ops.stats_groups = test_dom_stats_groups;
	test_domain_ops.get_cpu_stats = test_dom_get_cpu_stats;
	test_domain_ops.send_signal = test_dom_send_signal;
	test_domain_ops.get_device_stats = test_dom_get_device_stats;
	test_domain_ops.set_lifecycle = test_dom_set_lifecycle;
	test_snapshot_domain_ops(&test_domain_ops);
	test_network_ops_init();
	test_pool_ops_init();
	return NULL;
}

static int
test_open(HvConn *c, GError **err)
{
	static GOnce ops_once = G_ONCE_INIT;
	g_autoptr(TestConn) tc = test_conn_new(c);
	g_autoptr(HvNodeDef) node = NULL;
	g_autoptr(GError) lerr = NULL;
	guint32 seed[2];

	g_once(&ops_once, domain_ops_init, NULL);
	if (params_parse(c, &tc->params, err) < 0)
		return -EINVAL;
	tc->core.job_wait_ms = tc->params.job_wait_ms;
	seed[0] = (guint32)tc->params.seed;
	seed[1] = (guint32)(tc->params.seed >> 32);
	tc->rand = tc->params.seeded ? g_rand_new_with_seed_array(seed, 2) : g_rand_new();
	if (!(node = node_parse(c, &lerr)))
		return test_error_take(err, g_steal_pointer(&lerr));
	if (g_str_equal(g_uri_get_path(c->uri), "/default"))
		test_default_trim(node, tc->params.extras);
	if (test_load_node(tc, node, &lerr) < 0 || test_timer_start(tc, &lerr) < 0)
		return test_error_take(err, g_steal_pointer(&lerr));
	g_clear_pointer(&node, hv_node_def_free);
#ifdef __GLIBC__
	/* loading freed every parsed document: give those pages back */
	malloc_trim(0);
#endif
	c->tables[HV_OBJ_DOMAIN] = tc->domains;
	c->tables[HV_OBJ_NETWORK] = tc->networks;
	c->tables[HV_OBJ_POOL] = tc->pools;
	if (tc->params.extras & TEST_EXTRA_SECRETS) /* in memory; libvirt's test driver has none */
		c->secrets = secret_store_open(c, NULL, NULL);
	c->priv = g_steal_pointer(&tc);
	return 0;
}

static void
test_close(HvConn *c)
{
	g_clear_pointer((TestConn **)&c->priv, test_conn_free); /* late calls end first */
	memset(c->tables, 0, sizeof(c->tables));
	g_clear_pointer(&c->secrets, secret_store_free);
}

/* Free memory: libvirt's test driver adds up its cells' (test_caps.c), which
 * running domains do not change. */
static int
node_get_info(HvConn *c, HvNodeInfo *out, GError **err)
{
	TestConn *tc = test_conn(c);
	uint64_t free_bytes = 0;

	for (unsigned n = 0; n < test_cells(tc); n++)
		free_bytes += test_cell_free(n);
	hv_core_lock(&tc->core);
	*out = tc->node;
	out->hostname = g_strdup(tc->node.hostname);
	out->model = g_strdup(tc->node.model);
	out->free_memory_kib = free_bytes / 1024;
	hv_core_unlock(&tc->core);
	return 0;
}

static int
node_get_capabilities(HvConn *c, char **xml, GError **err)
{
	TestConn *tc = test_conn(c);

	hv_core_lock(&tc->core);
	*xml = test_capabilities_new(tc);
	hv_core_unlock(&tc->core);
	return *xml ? 0 : hv_error_set(err, EIO, "cannot format the test node's capabilities");
}

static const HvNodeOps test_node_ops = {
	.get_info = node_get_info,
	.get_capabilities = node_get_capabilities,
	.get_cpu_map = test_node_get_cpu_map,
	.get_cells_free_memory = test_node_get_cells_free_memory,
	.get_sysinfo = test_node_get_sysinfo,
	.get_cpu_stats = test_node_get_cpu_stats,
	.get_security_model = test_node_get_security_model,
	.get_version = test_node_get_version,
	.get_max_vcpus = test_node_get_max_vcpus,
	.get_free_pages = test_node_get_free_pages,
	.get_cpu_models = test_node_get_cpu_models,
	.baseline_cpu = test_node_baseline_cpu,
};

/* What libvirt's test driver refuses (its virCheckFlags). */
static const HvFlagRule test_flag_rules[] = {
	{ "virDomainGetXMLDesc", 0xb /* SECURE, INACTIVE, MIGRATABLE */, "testDomainGetXMLDesc" },
	{ "virNetworkGetXMLDesc", 0, "testNetworkGetXMLDesc" },
	{ "virDomainCreateXML", 0, "testDomainCreateXML" },
	{ "virDomainCreateWithFlags", 0, "testDomainCreateWithFlags" },
	{ "virDomainGetSchedulerParametersFlags", 0x3 /* LIVE, CONFIG */,
	  "testDomainGetSchedulerParametersFlags" },
	{ "virStoragePoolGetXMLDesc", 0, "testStoragePoolGetXMLDesc" },
	{ "virDomainSetLifecycleAction", 0x3 /* LIVE, CONFIG */, "testDomainSetLifecycleAction" },
	{ "virConnectGetAllDomainStats", 0xe00000ff /* the list filters, NOWAIT, BACKING, ENFORCE */,
	  "testConnectGetAllDomainStats" },
	{ NULL, 0, NULL },
};

static const char *const test_schemes[] = { "test", NULL };

const HvDriver hv_test_driver = {
	.name = "test",
	.schemes = test_schemes,
	.open = test_open,
	.close = test_close,
	.node = &test_node_ops,
	.domain = &test_domain_ops,
	.network = &test_network_ops,
	.pool = &test_pool_ops,
	.volume = &hv_objops_volume,
	.iface = &test_iface_ops,
	.secret = &hv_secret_store_ops,
	.nodedev = &test_nodedev_ops,
	.snapshot = &test_snapshot_ops,
	.checkpoint = &test_checkpoint_ops,
	.flag_rules = test_flag_rules,
};
