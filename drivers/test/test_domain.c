/* test_domain.c: the test driver's domain objects: lookup, bulk list, info,
 * XML, define/undefine (libvirt's persistent/transient rules, name and uuid
 * uniqueness), the verbs (through the state table in test_fsm.c), autostart,
 * and the domain ops table. Memory/vCPU changes live in test_domain_set.c and
 * statistics in test_stats.c. */
#include <string.h>
#include "drivers/test/test_priv.h"
#include "util/names.h"

void
test_domain_free(TestDomain *d)
{
	if (!d)
		return;
	g_free(d->name);
	hv_domain_def_free(d->def);
	hv_domain_def_free(d->newdef);
	g_free(d);
}

TestDomain *
test_domain_find(TestConn *tc, const char *name, GError **err)
{
	TestDomain *d = test_set_lookup(&tc->domains, name);

	if (!d)
		hv_error_set(err, ENOENT, "domain '%s' not found", name ? name : "");
	return d;
}

/* The persistent configuration: newdef while it differs from the live one. */
HvDomainDef *
test_domain_config(TestDomain *d)
{
	return d->newdef ? d->newdef : d->def;
}

/* Checks and completes a parsed definition, with the lock held (the generators
 * are per connection): a uuid and MAC addresses where the document has none,
 * currentMemory clamped to memory as libvirt does, limits. */
int
test_domain_prepare_def(TestConn *tc, HvDomainDef *def, GError **err)
{
	if (hv_name_check("domain", def->name, err) < 0)
		return -EINVAL;
	if (def->max_memory_kib == 0 || def->max_memory_kib > TEST_MAX_MEMORY_KIB)
		return hv_error_set(err, EINVAL,
				    "domain '%s': memory of %" G_GUINT64_FORMAT
				    " KiB is out of range (1 KiB to 1 PiB)",
				    def->name, def->max_memory_kib);
	if (def->current_memory_kib == 0 || def->current_memory_kib > def->max_memory_kib)
		def->current_memory_kib = def->max_memory_kib;
	if (def->max_vcpus == 0 || def->max_vcpus > TEST_MAX_VCPUS)
		return hv_error_set(err, EINVAL, "domain '%s': %u vCPUs is out of range (1 to %u)",
				    def->name, def->max_vcpus, TEST_MAX_VCPUS);
	if (def->vcpus == 0)
		def->vcpus = def->max_vcpus;
	if (def->vcpus > def->max_vcpus)
		return hv_error_set(err, EINVAL,
				    "domain '%s': %u current vCPUs is more than its maximum of %u",
				    def->name, def->vcpus, def->max_vcpus);
	if (!def->uuid[0])
		test_uuid_generate(tc, def->uuid);
	for (guint i = 0; def->interfaces && i < def->interfaces->len; i++) {
		HvDomainNetDef *net = def->interfaces->pdata[i];

		if (!net->mac)
			net->mac = test_mac_generate(tc);
	}
	return 0;
}

/* A new persistent, shut off domain; steals def. Lock held. */
int
test_domain_add_def(TestConn *tc, HvDomainDef *def, GError **err)
{
	g_autoptr(HvDomainDef) owned = def;
	TestDomain *d, *other;

	if (test_domain_prepare_def(tc, def, err) < 0)
		return -EINVAL;
	if (test_set_lookup(&tc->domains, def->name))
		return hv_error_set(err, EEXIST, "domain '%s' already exists", def->name);
	if ((other = test_set_lookup_uuid(&tc->domains, def->uuid)))
		return hv_error_set(err, EEXIST, "domain '%s' already exists with uuid %s",
				    other->name, def->uuid);
	d = g_new0(TestDomain, 1);
	d->name = g_strdup(def->name);
	memcpy(d->uuid, def->uuid, HV_UUID_STRLEN);
	d->def = g_steal_pointer(&owned);
	d->state = HV_DOMAIN_SHUTOFF;
	d->id = -1;
	d->persistent = true;
	test_set_add(&tc->domains, d->name, d->uuid, d);
	return 0;
}

static HvDomainInfo *
info_new(TestConn *tc, const TestDomain *d)
{
	HvDomainInfo *i = g_new0(HvDomainInfo, 1);

	i->name = g_strdup(d->name);
	i->os_type = g_strdup(d->def->os_type);
	memcpy(i->uuid, d->def->uuid, HV_UUID_STRLEN);
	i->id = d->id;
	i->state = d->state;
	i->reason = d->reason;
	i->persistent = d->persistent;
	i->autostart = d->autostart;
	i->max_memory_kib = d->def->max_memory_kib;
	i->memory_kib = d->def->current_memory_kib;
	i->vcpus = d->def->vcpus;
	i->max_vcpus = d->def->max_vcpus;
	i->cpu_time_ns = test_domain_cpu_ns(tc, d);
	return i;
}

static int
dom_list(HvConn *c, GPtrArray **out, GError **err)
{
	TestConn *tc = test_conn(c);
	GPtrArray *a;

	test_lock(tc);
	a = g_ptr_array_new_full(tc->domains.order->len, (GDestroyNotify)hv_domain_info_free);
	for (guint i = 0; i < tc->domains.order->len; i++)
		g_ptr_array_add(a, info_new(tc, tc->domains.order->pdata[i]));
	test_unlock(tc, NULL);
	*out = a;
	return 0;
}

static int
dom_get_info(HvConn *c, const char *name, HvDomainInfo **out, GError **err)
{
	TestConn *tc = test_conn(c);
	TestDomain *d;

	test_lock(tc);
	if ((d = test_domain_find(tc, name, err)))
		*out = info_new(tc, d);
	test_unlock(tc, NULL);
	return d ? 0 : -ENOENT;
}

static int
dom_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	TestConn *tc = test_conn(c);
	TestDomain *d;

	test_lock(tc);
	if ((d = test_domain_find(tc, name, err))) {
		/* the live XML of a running domain carries its id, as libvirt's does */
		*xml = (flags & HV_XML_INACTIVE) ? hv_domain_def_format(test_domain_config(d))
						 : hv_domain_def_format_live(d->def, d->id);
	}
	test_unlock(tc, NULL);
	if (d && !*xml)
		return hv_error_set(err, EIO, "cannot format the XML of domain '%s'", name);
	return d ? 0 : -ENOENT;
}

/* Redefines d from def (stolen): the config of an active domain, else its only
 * definition. A transient domain becomes persistent. Keeps the uuid. */
static void
redefine(TestDomain *d, HvDomainDef *def)
{
	memcpy(def->uuid, d->def->uuid, HV_UUID_STRLEN);
	if (test_domain_state_active(d->state)) {
		hv_domain_def_free(d->newdef);
		d->newdef = def;
	} else {
		hv_domain_def_free(d->def);
		d->def = def;
	}
	d->persistent = true;
}

/* Steals def. */
static int
define_locked(TestConn *tc, HvDomainDef *def, GArray *q, GError **err)
{
	g_autoptr(HvDomainDef) owned = def;
	TestDomain *d = test_set_lookup(&tc->domains, def->name);
	TestDomain *other = test_set_lookup_uuid(&tc->domains, def->uuid);
	int r;

	if (d && def->uuid[0] && strcmp(def->uuid, d->def->uuid) != 0)
		return hv_error_set(err, EEXIST, "domain '%s' already exists with uuid %s",
				    d->name, d->def->uuid);
	if (!d && other)
		return hv_error_set(err, EEXIST, "domain '%s' already exists with uuid %s",
				    other->name, other->def->uuid);
	if (d)
		memcpy(def->uuid, d->def->uuid, HV_UUID_STRLEN);
	if (test_domain_prepare_def(tc, def, err) < 0)
		return -EINVAL;
	if (!d) {
		if ((r = test_domain_add_def(tc, g_steal_pointer(&owned), err)) < 0)
			return r;
		test_tick(tc);
		test_evq_add(q, HV_OBJ_DOMAIN, NULL, def->name, "defined", "added");
		return 0;
	}
	test_tick(tc);
	test_evq_add(q, HV_OBJ_DOMAIN, NULL, def->name, "defined", "updated");
	redefine(d, g_steal_pointer(&owned));
	return 0;
}

static int
dom_define_xml(HvConn *c, const char *xml, char **name_out, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(GError) perr = NULL;
	g_autofree char *name = NULL;
	HvDomainDef *def;
	GArray *q;
	int r;

	if (!(def = hv_domain_def_parse(xml, strlen(xml), &perr)))
		return test_error_take(err, g_steal_pointer(&perr));
	if (hv_name_check("domain", def->name, err) < 0) {
		hv_domain_def_free(def);
		return -EINVAL;
	}
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
	TestDomain *d = test_domain_find(tc, name, err);

	if (!d)
		return -ENOENT;
	if (!d->persistent)
		return hv_error_set(err, EBUSY, "cannot undefine transient domain '%s'", name);
	test_tick(tc);
	test_evq_add(q, HV_OBJ_DOMAIN, NULL, name, "undefined", "removed");
	if (!test_domain_state_active(d->state)) {
		test_set_remove(&tc->domains, d->name, d->uuid, d);
		return 0;
	}
	d->persistent = false;
	g_clear_pointer(&d->newdef, hv_domain_def_free);
	if (d->autostart) {
		d->autostart = false;
		test_evq_add(q, HV_OBJ_DOMAIN, NULL, name, "autostart-changed", "0");
	}
	return 0;
}

static int
dom_undefine(HvConn *c, const char *name, GError **err)
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
run_verb(HvConn *c, TestVerb verb, const char *name, GError **err)
{
	TestConn *tc = test_conn(c);
	GArray *q = test_evq_new();
	int r;

	test_lock(tc);
	r = test_domain_verb(tc, verb, name, q, err);
	test_unlock(tc, q);
	return r;
}

static int dom_start(HvConn *c, const char *n, GError **e) { return run_verb(c, TEST_VERB_START, n, e); }
static int dom_shutdown(HvConn *c, const char *n, GError **e) { return run_verb(c, TEST_VERB_SHUTDOWN, n, e); }
static int dom_destroy(HvConn *c, const char *n, GError **e) { return run_verb(c, TEST_VERB_DESTROY, n, e); }
static int dom_reboot(HvConn *c, const char *n, GError **e) { return run_verb(c, TEST_VERB_REBOOT, n, e); }
static int dom_reset(HvConn *c, const char *n, GError **e) { return run_verb(c, TEST_VERB_RESET, n, e); }
static int dom_suspend(HvConn *c, const char *n, GError **e) { return run_verb(c, TEST_VERB_SUSPEND, n, e); }
static int dom_resume(HvConn *c, const char *n, GError **e) { return run_verb(c, TEST_VERB_RESUME, n, e); }

static int
dom_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	TestConn *tc = test_conn(c);
	GArray *q = test_evq_new();
	TestDomain *d;
	int r = 0;

	test_lock(tc);
	if (!(d = test_domain_find(tc, name, err)))
		r = -ENOENT;
	else if (!d->persistent)
		r = hv_error_set(err, EBUSY, "cannot set autostart for transient domain '%s'", name);
	else if (d->autostart != on) {
		test_tick(tc);
		d->autostart = on;
		test_evq_add(q, HV_OBJ_DOMAIN, NULL, name, "autostart-changed", on ? "1" : "0");
	}
	test_unlock(tc, q);
	return r;
}

const HvDomainOps test_domain_ops = {
	.list = dom_list,
	.get_info = dom_get_info,
	.get_xml = dom_get_xml,
	.define_xml = dom_define_xml,
	.undefine = dom_undefine,
	.start = dom_start,
	.shutdown = dom_shutdown,
	.destroy = dom_destroy,
	.reboot = dom_reboot,
	.reset = dom_reset,
	.suspend = dom_suspend,
	.resume = dom_resume,
	.set_memory = test_domain_set_memory,
	.set_vcpus = test_domain_set_vcpus,
	.set_autostart = dom_set_autostart,
	.get_stats = test_domain_get_stats,
};
