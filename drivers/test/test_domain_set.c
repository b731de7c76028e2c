/* test_domain_set.c: memory and vCPU changes of test driver domains, with
 * libvirt's AFFECT flags: LIVE changes the running definition, CONFIG the
 * persistent one, CURRENT whichever the state implies. Every target is checked
 * before any is changed, so a refused change leaves both untouched. The
 * maximum (HV_MAXIMUM) can only change in the persistent configuration. */
#include "drivers/test/test_priv.h"

/* Which definitions flags select: out[0..1], NULL-padded. While the domain runs
 * with its config shared (newdef NULL), a change to only one of the two copies
 * the config first. */
static int
targets(TestDomain *d, unsigned flags, const char *what, HvDomainDef *out[2],
	GError **err)
{
	bool active = test_domain_state_active(d->state);
	unsigned affect = flags & (HV_AFFECT_LIVE | HV_AFFECT_CONFIG);

	if (affect == HV_AFFECT_CURRENT)
		affect = active ? HV_AFFECT_LIVE : HV_AFFECT_CONFIG;
	if ((affect & HV_AFFECT_LIVE) && !active)
		return hv_error_set(err, EBUSY, "cannot change the live %s of domain '%s': "
				    "domain is not running", what, d->name);
	if ((affect & HV_AFFECT_CONFIG) && !d->persistent)
		return hv_error_set(err, EBUSY, "cannot change the persistent %s of transient "
				    "domain '%s'", what, d->name);
	out[0] = out[1] = NULL;
	if (!active) {
		out[0] = d->def;
		return 0;
	}
	if (affect != (HV_AFFECT_LIVE | HV_AFFECT_CONFIG) && !d->newdef && d->persistent)
		d->newdef = hv_domain_def_copy(d->def);
	if (affect & HV_AFFECT_LIVE)
		out[0] = d->def;
	if ((affect & HV_AFFECT_CONFIG) && d->newdef)
		out[out[0] ? 1 : 0] = d->newdef;
	return 0;
}

/* Would flags change the maximum of a running domain? */
static bool
max_live(const TestDomain *d, unsigned flags)
{
	unsigned affect = flags & (HV_AFFECT_LIVE | HV_AFFECT_CONFIG);

	return test_domain_state_active(d->state) &&
	       (affect == HV_AFFECT_CURRENT || (affect & HV_AFFECT_LIVE));
}

static int
check_memory(const TestDomain *d, const HvDomainDef *def, uint64_t kib, unsigned flags,
	     GError **err)
{
	if (kib == 0)
		return hv_error_set(err, EINVAL, "cannot set the memory of domain '%s' to 0 KiB",
				    d->name);
	if ((flags & HV_MAXIMUM) && kib > TEST_MAX_MEMORY_KIB)
		return hv_error_set(err, EINVAL, "cannot set the maximum memory of domain '%s' to %"
				    G_GUINT64_FORMAT " KiB: more than 1 PiB", d->name, kib);
	if (!(flags & HV_MAXIMUM) && kib > def->max_memory_kib)
		return hv_error_set(err, EINVAL, "cannot set the memory of domain '%s' to %"
				    G_GUINT64_FORMAT " KiB: more than its maximum of %"
				    G_GUINT64_FORMAT " KiB", d->name, kib, def->max_memory_kib);
	return 0;
}

static int
set_memory_locked(TestConn *tc, TestDomain *d, uint64_t kib, unsigned flags, GArray *q,
		  GError **err)
{
	bool max = flags & HV_MAXIMUM;
	HvDomainDef *t[2];
	char detail[32];

	if (max && max_live(d, flags))
		return hv_error_set(err, EBUSY, "cannot change the maximum memory of domain '%s' "
				    "while it is running", d->name);
	if (targets(d, flags, max ? "maximum memory" : "memory", t, err) < 0)
		return -EBUSY;
	for (int i = 0; i < 2 && t[i]; i++)
		if (check_memory(d, t[i], kib, flags, err) < 0)
			return -EINVAL;
	test_tick(tc);
	for (int i = 0; i < 2 && t[i]; i++) {
		if (max) {
			t[i]->max_memory_kib = kib;
			if (t[i]->current_memory_kib > kib)
				t[i]->current_memory_kib = kib;
		} else {
			t[i]->current_memory_kib = kib;
		}
	}
	g_snprintf(detail, sizeof(detail), "%" G_GUINT64_FORMAT, t[0]->current_memory_kib);
	if (max) {
		char maxd[32];

		g_snprintf(maxd, sizeof(maxd), "%" G_GUINT64_FORMAT, kib);
		test_evq_add(q, HV_OBJ_DOMAIN, NULL, d->name, "max-memory-changed", maxd);
	}
	test_evq_add(q, HV_OBJ_DOMAIN, NULL, d->name, "memory-changed", detail);
	return 0;
}

int
test_domain_set_memory(HvConn *c, const char *name, uint64_t kib, unsigned flags,
		       GError **err)
{
	TestConn *tc = test_conn(c);
	GArray *q = test_evq_new();
	TestDomain *d;
	int r;

	test_lock(tc);
	if (!(d = test_domain_find(tc, name, err)))
		r = -ENOENT;
	else
		r = set_memory_locked(tc, d, kib, flags, q, err);
	test_unlock(tc, q);
	return r;
}

static int
check_vcpus(const TestDomain *d, const HvDomainDef *def, unsigned n, unsigned flags,
	    GError **err)
{
	if (n == 0)
		return hv_error_set(err, EINVAL, "cannot set the vCPUs of domain '%s' to 0",
				    d->name);
	if ((flags & HV_MAXIMUM) && n > TEST_MAX_VCPUS)
		return hv_error_set(err, EINVAL, "cannot set the maximum vCPUs of domain '%s' to "
				    "%u: more than the %u this node allows", d->name, n,
				    TEST_MAX_VCPUS);
	if (!(flags & HV_MAXIMUM) && n > def->max_vcpus)
		return hv_error_set(err, EINVAL, "cannot set the vCPUs of domain '%s' to %u: "
				    "more than its maximum of %u", d->name, n, def->max_vcpus);
	return 0;
}

static int
set_vcpus_locked(TestConn *tc, TestDomain *d, unsigned n, unsigned flags, GArray *q,
		 GError **err)
{
	bool max = flags & HV_MAXIMUM;
	HvDomainDef *t[2];
	char detail[16];

	if (max && max_live(d, flags))
		return hv_error_set(err, EBUSY, "cannot change the maximum vCPUs of domain '%s' "
				    "while it is running", d->name);
	if (targets(d, flags, max ? "maximum vCPUs" : "vCPUs", t, err) < 0)
		return -EBUSY;
	for (int i = 0; i < 2 && t[i]; i++)
		if (check_vcpus(d, t[i], n, flags, err) < 0)
			return -EINVAL;
	test_tick(tc);
	test_domain_settle_cpu(tc, d); /* cpu time so far ran on the old count */
	for (int i = 0; i < 2 && t[i]; i++) {
		if (max) {
			t[i]->max_vcpus = n;
			if (t[i]->vcpus > n)
				t[i]->vcpus = n;
		} else {
			t[i]->vcpus = n;
		}
	}
	if (max) {
		g_snprintf(detail, sizeof(detail), "%u", n);
		test_evq_add(q, HV_OBJ_DOMAIN, NULL, d->name, "max-vcpus-changed", detail);
	}
	g_snprintf(detail, sizeof(detail), "%u", t[0]->vcpus);
	test_evq_add(q, HV_OBJ_DOMAIN, NULL, d->name, "vcpus-changed", detail);
	return 0;
}

int
test_domain_set_vcpus(HvConn *c, const char *name, unsigned n, unsigned flags,
		      GError **err)
{
	TestConn *tc = test_conn(c);
	GArray *q = test_evq_new();
	TestDomain *d;
	int r;

	test_lock(tc);
	if (!(d = test_domain_find(tc, name, err)))
		r = -ENOENT;
	else
		r = set_vcpus_locked(tc, d, n, flags, q, err);
	test_unlock(tc, q);
	return r;
}
