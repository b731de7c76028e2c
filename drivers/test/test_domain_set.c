/* test_domain_set.c: memory and vCPU changes of test driver domains, one row
 * per setting, with libvirt's AFFECT flags resolved by the shared
 * hv_entry_affect (LIVE: the running definition, CONFIG: the persistent one).
 * Every target is checked before any is changed, so a refused change leaves
 * both untouched. The maximum (HV_MAXIMUM) only changes in the persistent
 * configuration. With set-delay=MS a change holds its job that long first. */
#include "drivers/test/test_priv.h"

/* One setting: its current and maximum values in a definition, its words. */
typedef struct {
	const char *what, *max_what;     /* "memory", "maximum memory" */
	const char *unit;                /* " KiB" after values, or "" */
	const char *limit_text;          /* "1 PiB", "the 255 this node allows" */
	uint64_t limit;                  /* the largest maximum */
	const char *event, *max_event;
	bool settle_cpu;                 /* cpu time so far ran on the old value */
	uint64_t (*get)(const HvDomainDef *def);
	uint64_t (*get_max)(const HvDomainDef *def);
	void (*set)(HvDomainDef *def, uint64_t v);
	void (*set_max)(HvDomainDef *def, uint64_t v);
} Setting;

static uint64_t mem_get(const HvDomainDef *d) { return d->current_memory_kib; }
static uint64_t mem_get_max(const HvDomainDef *d) { return d->max_memory_kib; }
static void mem_set(HvDomainDef *d, uint64_t v) { d->current_memory_kib = v; }
static void mem_set_max(HvDomainDef *d, uint64_t v) { d->max_memory_kib = v; }
static uint64_t cpu_get(const HvDomainDef *d) { return d->vcpus; }
static uint64_t cpu_get_max(const HvDomainDef *d) { return d->max_vcpus; }
static void cpu_set(HvDomainDef *d, uint64_t v) { d->vcpus = (unsigned)v; }
static void cpu_set_max(HvDomainDef *d, uint64_t v) { d->max_vcpus = (unsigned)v; }

static const Setting settings[] = {
	[TEST_SET_MEMORY] = { "memory", "maximum memory", " KiB", "1 PiB", TEST_MAX_MEMORY_KIB,
			      "memory-changed", "max-memory-changed", false, mem_get,
			      mem_get_max, mem_set, mem_set_max },
	[TEST_SET_VCPUS] = { "vCPUs", "maximum vCPUs", "", "the 255 this node allows",
			     TEST_MAX_VCPUS, "vcpus-changed", "max-vcpus-changed", true, cpu_get,
			     cpu_get_max, cpu_set, cpu_set_max },
};

/* Would flags change the maximum of a running domain? */
static bool
max_live(const HvEntry *o, unsigned flags)
{
	unsigned affect = flags & (HV_AFFECT_LIVE | HV_AFFECT_CONFIG);

	return o->active && (affect == HV_AFFECT_CURRENT || (affect & HV_AFFECT_LIVE));
}

static int
check(const Setting *s, const HvEntry *o, const HvDomainDef *def, uint64_t v, bool max,
      GError **err)
{
	if (v == 0)
		return hv_error_set(err, EINVAL, "cannot set the %s of domain '%s' to 0%s", s->what,
				    o->name, s->unit);
	if (max && v > s->limit)
		return hv_error_set(err, EINVAL, "cannot set the %s of domain '%s' to %"
				    G_GUINT64_FORMAT "%s: more than %s", s->max_what, o->name, v,
				    s->unit, s->limit_text);
	if (!max && v > s->get_max(def))
		return hv_error_set(err, EINVAL, "cannot set the %s of domain '%s' to %"
				    G_GUINT64_FORMAT "%s: more than its maximum of %"
				    G_GUINT64_FORMAT "%s", s->what, o->name, v, s->unit,
				    s->get_max(def), s->unit);
	return 0;
}

/* set-delay: the change takes a while before it is made, with the lock
 * released (so what it changes is looked at after); a destroy or a stop that
 * gets through meanwhile cancels it. */
static int
take_a_while(TestConn *tc, HvJob *job, GError **err)
{
	int64_t end = g_get_monotonic_time() + (int64_t)tc->params.set_delay_ms * 1000;

	while (tc->params.set_delay_ms && g_get_monotonic_time() < end &&
	       hv_job_wait(job, end, NULL) == 0)
		;
	return hv_job_check(job, err);
}

static void
apply(const Setting *s, HvEntry *o, HvDomainDef *t[2], uint64_t v, bool max)
{
	for (int i = 0; i < 2 && t[i]; i++) {
		if (!max) {
			s->set(t[i], v);
			continue;
		}
		s->set_max(t[i], v);
		if (s->get(t[i]) > v)
			s->set(t[i], v);
	}
	if (max)
		hv_entry_emit_u64(o, s->max_event, v);
	hv_entry_emit_u64(o, s->event, s->get(t[0]));
}

int
test_domain_set(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	TestConn *tc = test_tab_conn(t);
	const Setting *s = &settings[code];
	const HvSetArg *a = arg;
	bool max = a->flags & HV_MAXIMUM;
	HvDomainDef *defs[2];
	int r;

	if ((r = take_a_while(tc, job, err)) < 0)
		return r;
	if (max && max_live(o, a->flags))
		return hv_error_set(err, EBUSY, "cannot change the %s of domain '%s' while it is "
				    "running", s->max_what, o->name);
	if ((r = hv_entry_affect(o, a->flags, max ? s->max_what : s->what, (void **)defs, err)) < 0)
		return r;
	for (int i = 0; i < 2 && defs[i]; i++)
		if ((r = check(s, o, defs[i], a->value, max, err)) < 0)
			return r;
	test_tick(tc);
	if (s->settle_cpu)
		test_domain_settle_cpu(tc, o);
	apply(s, o, defs, a->value, max);
	return 0;
}
