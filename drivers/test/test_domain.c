/* test_domain.c: the test driver's domain class for the shared table
 * (drivers/objtab.h): completing a definition (limits, seeded uuid and MAC
 * addresses), the simulation state beside each domain, its info and XML, and
 * the verb rows (the state table in test_fsm.c, memory and vCPU changes in
 * test_domain_set.c, statistics in test_stats.c). Define, undefine, autostart,
 * lists and lookups are the shared ones. */
#include <string.h>
#include "drivers/test/test_priv.h"
#include "util/names.h"

/* Checks and completes a parsed definition (the generators are per
 * connection): a uuid and MAC addresses where the document has none,
 * currentMemory clamped to memory as libvirt does, limits. */
static int
prepare(HvObjTab *t, HvEntry *existing, void *p, GError **err)
{
	TestConn *tc = test_tab_conn(t);
	HvDomainDef *def = p;

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

static void *
priv_new(HvObjTab *t, HvEntry *o)
{
	TestDomain *d = g_new0(TestDomain, 1);

	d->state = HV_DOMAIN_SHUTOFF;
	d->id = -1;
	d->pins_id = d->emu_live_id = -1;
	return d;
}

static void
priv_free(void *p)
{
	TestDomain *d = p;

	if (d && d->tune)
		g_hash_table_unref(d->tune);
	if (d) {
		test_snapshot_domain_free(d);
		test_checkpoint_domain_free(d);
		g_free(d->pins);
		g_clear_pointer(&d->iopolls, g_array_unref);
	}
	g_free(d);
}

static void *
info_new(HvObjTab *t, HvEntry *o)
{
	const TestDomain *d = test_dom(o);
	HvDomainInfo *i = hv_entry_domain_info(o, d->state, d->reason, d->id);

	i->cpu_time_ns = test_domain_cpu_ns(test_tab_conn(t), o);
	return i;
}

/* The live XML of a running domain carries its id, as libvirt's does. */
static char *
xml_new(HvObjTab *t, HvEntry *o, unsigned flags)
{
	if (flags & HV_XML_INACTIVE)
		return hv_domain_def_format(hv_entry_config(o));
	return hv_domain_def_format_live(o->def.domain, test_dom(o)->id);
}

#define VERB(v, c) { .verb = (v), .job = { .cls = HV_JOB_MODIFY }, .act = test_domain_fsm, .code = (c) }

static const HvObjVerb verbs[HV_VERB_LAST] = {
	[HV_VERB_START] = VERB("start", TEST_VERB_START),
	[HV_VERB_SHUTDOWN] = VERB("shutdown", TEST_VERB_SHUTDOWN),
	[HV_VERB_DESTROY] = { .verb = "destroy", .job = { .cls = HV_JOB_DESTROY },
			      .act = test_domain_fsm, .code = TEST_VERB_DESTROY },
	[HV_VERB_REBOOT] = VERB("reboot", TEST_VERB_REBOOT),
	[HV_VERB_RESET] = VERB("reset", TEST_VERB_RESET),
	[HV_VERB_SUSPEND] = VERB("suspend", TEST_VERB_SUSPEND),
	[HV_VERB_RESUME] = VERB("resume", TEST_VERB_RESUME),
	[HV_VERB_SET_MEMORY] = { .verb = "set-memory", .job = { .cls = HV_JOB_MODIFY },
				 .act = test_domain_set, .code = TEST_SET_MEMORY },
	[HV_VERB_SET_VCPUS] = { .verb = "set-vcpus", .job = { .cls = HV_JOB_MODIFY },
				.act = test_domain_set, .code = TEST_SET_VCPUS },
	[HV_VERB_STATS] = { .verb = "get-stats", .act = test_domain_stats },
};

const HvObjClass test_domain_class = {
	.defs = &hv_domain_defs,
	.verbs = verbs,
	.prepare = prepare,
	.info = info_new,
	.info_free = (GDestroyNotify)hv_domain_info_free,
	.xml = xml_new,
	.priv_new = priv_new,
	.priv_free = priv_free,
	.changed = test_changed,
};
