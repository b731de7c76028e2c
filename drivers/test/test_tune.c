/* test_tune.c: the test driver's vCPU and tuning answers, the values libvirt
 * 9.0's test driver gives for test:///default: every vCPU running on the
 * last host CPU and pinned to all of them, the "fair" scheduler with weight
 * 50, unlimited memory limits, blkio weight 0, strict NUMA, zero interface
 * bandwidth and block throttles. Settings a client makes are kept per domain
 * (TestDomain.tune) over those defaults, type-checked field by field; the
 * scheduler weight is checked and not kept, as libvirt's test driver does. */
#include <errno.h>
#include <string.h>
#include "drivers/test/test_priv.h"

#define MEM_UNLIMITED 9007199254740991ll /* VIR_DOMAIN_MEMORY_PARAM_UNLIMITED */

typedef struct {
	HvTuneKind kind;
	const char *field;
	HvParamType type;
	int64_t value; /* strings are "" */
} TuneDefault;

static const TuneDefault defaults[] = {
	{ HV_TUNE_SCHED, "weight", HV_PARAM_UINT, 50 },
	{ HV_TUNE_MEMORY, "hard_limit", HV_PARAM_ULLONG, MEM_UNLIMITED },
	{ HV_TUNE_MEMORY, "soft_limit", HV_PARAM_ULLONG, MEM_UNLIMITED },
	{ HV_TUNE_MEMORY, "swap_hard_limit", HV_PARAM_ULLONG, MEM_UNLIMITED },
	{ HV_TUNE_BLKIO, "weight", HV_PARAM_UINT, 0 },
	{ HV_TUNE_BLKIO, "device_weight", HV_PARAM_STRING, 0 },
	{ HV_TUNE_BLKIO, "device_read_iops_sec", HV_PARAM_STRING, 0 },
	{ HV_TUNE_BLKIO, "device_write_iops_sec", HV_PARAM_STRING, 0 },
	{ HV_TUNE_BLKIO, "device_read_bytes_sec", HV_PARAM_STRING, 0 },
	{ HV_TUNE_BLKIO, "device_write_bytes_sec", HV_PARAM_STRING, 0 },
	{ HV_TUNE_NUMA, "numa_mode", HV_PARAM_INT, 0 },
	{ HV_TUNE_NUMA, "numa_nodeset", HV_PARAM_STRING, 0 },
	{ HV_TUNE_INTERFACE, "inbound.average", HV_PARAM_UINT, 0 },
	{ HV_TUNE_INTERFACE, "inbound.peak", HV_PARAM_UINT, 0 },
	{ HV_TUNE_INTERFACE, "inbound.burst", HV_PARAM_UINT, 0 },
	{ HV_TUNE_INTERFACE, "inbound.floor", HV_PARAM_UINT, 0 },
	{ HV_TUNE_INTERFACE, "outbound.average", HV_PARAM_UINT, 0 },
	{ HV_TUNE_INTERFACE, "outbound.peak", HV_PARAM_UINT, 0 },
	{ HV_TUNE_INTERFACE, "outbound.burst", HV_PARAM_UINT, 0 },
	{ HV_TUNE_BLOCK_IO, "total_bytes_sec", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "read_bytes_sec", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "write_bytes_sec", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "total_iops_sec", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "read_iops_sec", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "write_iops_sec", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "total_bytes_sec_max", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "read_bytes_sec_max", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "write_bytes_sec_max", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "total_iops_sec_max", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "read_iops_sec_max", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "write_iops_sec_max", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "size_iops_sec", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "group_name", HV_PARAM_STRING, 0 },
	{ HV_TUNE_BLOCK_IO, "total_bytes_sec_max_length", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "read_bytes_sec_max_length", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "write_bytes_sec_max_length", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "total_iops_sec_max_length", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "read_iops_sec_max_length", HV_PARAM_ULLONG, 0 },
	{ HV_TUNE_BLOCK_IO, "write_iops_sec_max_length", HV_PARAM_ULLONG, 0 },
};

#define TEST_NODE_CPUS 16u /* the host CPUs vCPUs may run on (the test node's) */

/* Finds the domain (lock held); active: it must run. */
static HvEntry *
dom_find(TestConn *tc, const char *name, bool active, const char *why, GError **err)
{
	HvEntry *o = hv_objtab_find(tc->domains, name, err);

	if (o && active && !test_domain_state_active(test_dom(o)->state)) {
		hv_error_set(err, EBUSY, "%s", why);
		return NULL;
	}
	return o;
}

/* The device a per-device group names: libvirt's lookups and messages. */
static int
device_check(const HvDomainDef *def, HvTuneKind kind, const char *dev, GError **err)
{
	if (kind == HV_TUNE_INTERFACE) {
		for (guint i = 0; def->interfaces && dev && i < def->interfaces->len; i++) {
			const HvDomainNetDef *n = def->interfaces->pdata[i];

			if (g_strcmp0(n->target_dev, dev) == 0 || g_strcmp0(n->mac, dev) == 0)
				return 0;
		}
		return hv_error_set(err, EINVAL, "'%s' is not a known interface", dev ? dev : "");
	}
	if (kind == HV_TUNE_BLOCK_IO && dev) { /* NULL: the group's size (libvirt allows it) */
		for (guint i = 0; def->disks && dev && i < def->disks->len; i++) {
			const HvDomainDiskDef *d = def->disks->pdata[i];

			if (g_strcmp0(d->target_dev, dev) == 0 || g_strcmp0(d->source, dev) == 0)
				return 0;
		}
		return hv_error_set(err, EINVAL, "disk '%s' was not found in the domain config",
				    dev ? dev : "");
	}
	return 0;
}

static char *
tune_key(HvTuneKind kind, const char *dev)
{
	return g_strdup_printf("%d/%s", kind, dev ? dev : "");
}

/* The group: defaults, then what was set (lock held). */
static GArray *
group_new(HvEntry *o, HvTuneKind kind, const char *dev)
{
	g_autofree char *key = tune_key(kind, dev);
	TestDomain *d = test_dom(o);
	const GArray *set = d->tune ? g_hash_table_lookup(d->tune, key) : NULL;
	GArray *ps = hv_params_new();

	for (size_t k = 0; k < G_N_ELEMENTS(defaults); k++) {
		const TuneDefault *t = &defaults[k];
		const HvParam *s = hv_params_find(set, t->field);

		if (t->kind != kind)
			continue;
		if (s)
			hv_params_add(ps, s->field, s->type, s->i, s->s);
		else
			hv_params_add(ps, t->field, t->type, t->value, "");
	}
	return ps;
}

int
test_dom_get_tune(HvConn *c, const char *name, HvTuneKind kind, const char *device,
		  unsigned flags, GArray **out, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;
	int r = -ENOENT;

	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, name, false, NULL, err)) &&
	    (r = device_check(o->def.domain, kind, device, err)) == 0)
		*out = group_new(o, kind, device);
	hv_core_unlock(&tc->core);
	return r;
}

/* Every field must be one of the group's, with its type (libvirt's
 * virTypedParamsValidate of the group's names). */
static int
params_check(const GArray *group, const GArray *params, GError **err)
{
	g_autofree HvParamSpec *specs = g_new0(HvParamSpec, group->len + 1);

	for (guint k = 0; k < group->len; k++) {
		specs[k].field = g_array_index(group, HvParam, k).field;
		specs[k].type = g_array_index(group, HvParam, k).type;
	}
	return hv_params_validate(params, specs, group->len, err);
}

int
test_dom_set_tune(HvConn *c, const char *name, HvTuneKind kind, const char *device,
		  const GArray *params, unsigned flags, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(GArray) group = NULL;
	TestDomain *d;
	HvEntry *o;
	int r = -ENOENT;

	hv_core_lock(&tc->core);
	if (!(o = dom_find(tc, name, false, NULL, err)) ||
	    (r = device_check(o->def.domain, kind, device, err)) < 0)
		goto out;
	group = group_new(o, kind, device);
	if ((r = params_check(group, params, err)) < 0 || kind == HV_TUNE_SCHED)
		goto out;
	d = test_dom(o);
	for (guint k = 0; k < params->len; k++) {
		const HvParam *p = &g_array_index(params, HvParam, k);
		HvParam *g = (HvParam *)hv_params_find(group, p->field);

		g->i = p->i;
		g_free(g->s);
		g->s = p->type == HV_PARAM_STRING ? g_strdup(p->s ? p->s : "") : NULL;
	}
	if (!d->tune)
		d->tune = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						(GDestroyNotify)g_array_unref);
	g_hash_table_insert(d->tune, tune_key(kind, device), g_steal_pointer(&group));
	test_tick(tc);
out:
	hv_core_unlock(&tc->core);
	return r;
}

int
test_dom_get_scheduler_type(HvConn *c, const char *name, char **type, GError **err)
{
	TestConn *tc = test_conn(c);
	int r = -ENOENT;

	hv_core_lock(&tc->core);
	if (dom_find(tc, name, false, NULL, err)) {
		*type = g_strdup("fair");
		r = 0;
	}
	hv_core_unlock(&tc->core);
	return r;
}

int
test_dom_get_vcpus(HvConn *c, const char *name, GArray **out, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;
	int r = -ENOENT;

	hv_core_lock(&tc->core);
	o = dom_find(tc, name, true, "cannot list vcpus for an inactive domain", err);
	if (!o && err && *err)
		r = -(*err)->code;
	if (o) {
		unsigned n = o->def.domain->vcpus ? o->def.domain->vcpus : 1;

		*out = g_array_new(FALSE, TRUE, sizeof(HvVcpuInfo));
		for (unsigned i = 0; i < n; i++) {
			/* libvirt's test driver: the wall clock in µs, tenfold; on the last
			 * CPU, or the first it is pinned to */
			guint16 pin = test_pin_get(o, HV_AFFINITY_VCPU, i, 0);
			HvVcpuInfo v = { i, 1, (uint64_t)g_get_real_time() / 10,
					 pin ? (int)__builtin_ctz(pin) : (int)TEST_NODE_CPUS - 1 };

			g_array_append_val(*out, v);
		}
		r = 0;
	}
	hv_core_unlock(&tc->core);
	return r;
}

/* Every map covers every host CPU unless pinned (test_pin.c); IOThreads are
 * the definition's (test_actions.c). */
int
test_dom_get_affinity(HvConn *c, const char *name, HvAffinityKind kind, unsigned flags,
		      unsigned *ncpus, GArray **out, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;
	int r = -ENOENT;

	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, name, false, NULL, err))) {
		/* every vCPU up to the maximum, as libvirt's test driver lists them */
		const HvDomainDef *def = o->def.domain;
		unsigned n = kind == HV_AFFINITY_VCPU ? MAX(def->max_vcpus, MAX(def->vcpus, 1u))
			   : kind == HV_AFFINITY_EMULATOR ? 1 : 0;

		*ncpus = TEST_NODE_CPUS;
		if (kind == HV_AFFINITY_IOTHREAD) {
			*out = test_iothread_maps(o, flags, TEST_NODE_CPUS);
			hv_core_unlock(&tc->core);
			return 0;
		}
		*out = g_array_new(FALSE, TRUE, sizeof(HvCpuMap));
		for (unsigned i = 0; i < n; i++) {
			HvCpuMap m = { .id = kind == HV_AFFINITY_VCPU ? i : 0 };
			guint16 pin = test_pin_get(o, kind, i, flags);

			memset(m.map, 0xff, TEST_NODE_CPUS / 8);
			if (pin) {
				m.map[0] = pin & 0xff;
				m.map[1] = pin >> 8;
			}
			g_array_append_val(*out, m);
		}
		r = 0;
	}
	hv_core_unlock(&tc->core);
	return r;
}
