/* test_perf.c: what libvirt's test driver keeps in the one definition the
 * flags pick (the running one unless it is shut off, or the persistent one):
 * the perf events in its <perf> (virDomainGetPerfEvents lists every event
 * with whether it is on, virDomainSetPerfEvents turns the ones given on or
 * off) and the balloon's collection period, <memballoon><stats period>
 * (virDomainSetMemoryStatsPeriod); refused in libvirt's words. */
#include <errno.h>
#include <string.h>
#include "drivers/test/test_priv.h"
#include "conf/conf_util.h"
#include "conf/xml.h"

#define AFFECT_LIVE 1u
#define AFFECT_CONFIG 2u
#define STRING_OKAY 4u /* VIR_TYPED_PARAM_STRING_OKAY, which a get may carry */

/* libvirt's perf events (virPerfEventType), in its order */
static const char *const events[] = {
	"cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references",
	"cache_misses", "branch_instructions", "branch_misses", "bus_cycles",
	"stalled_cycles_frontend", "stalled_cycles_backend", "ref_cpu_cycles", "cpu_clock",
	"task_clock", "page_faults", "context_switches", "cpu_migrations",
	"page_faults_min", "page_faults_maj", "alignment_faults", "emulation_faults",
};

#define NEVENTS G_N_ELEMENTS(events)

enum { ABSENT, ON, OFF }; /* an event's state in a definition */

/* Lock held: the definition flags pick (virDomainObjGetOneDef) into *out,
 * made ready to change when write. */
static int
one_def(HvEntry *o, unsigned flags, bool write, HvDomainDef **out, GError **err)
{
	unsigned affect = flags & (AFFECT_LIVE | AFFECT_CONFIG);
	void *defs[2] = { NULL, NULL };
	int r;

	if (affect == (AFFECT_LIVE | AFFECT_CONFIG))
		return hv_error_set(err, EINVAL, "Flags 'VIR_DOMAIN_AFFECT_LIVE' and "
				    "'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive");
	if (affect == 0)
		affect = o->active ? AFFECT_LIVE : AFFECT_CONFIG;
	if (affect == AFFECT_LIVE && !o->active)
		return hv_error_set(err, EBUSY, "domain is not running");
	if (affect == AFFECT_CONFIG && !o->persistent)
		return hv_error_set(err, EBUSY, "transient domains do not have any persistent config");
	if (!write) {
		*out = affect == AFFECT_CONFIG ? hv_entry_config(o) : o->def.domain;
		return 0;
	}
	if ((r = hv_entry_affect(o, affect, "perf events", defs, err)) == 0)
		*out = defs[0];
	return r;
}

/* The states def's <perf> gives the events (ABSENT: not named). */
static int
states_read(const HvDomainDef *def, guint8 st[NEVENTS], GError **err)
{
	g_autoptr(xmlDoc) doc = def->xml ? hv_xml_parse_compact(def->xml, strlen(def->xml), err)
					 : NULL;
	xmlNode *perf = doc ? hv_xml_child(xmlDocGetRootElement(doc), "perf") : NULL;

	memset(st, ABSENT, NEVENTS);
	if (def->xml && !doc)
		return -EIO;
	for (xmlNode *e = perf ? hv_xml_child(perf, "event") : NULL; e; e = hv_xml_next_named(e)) {
		g_autofree char *name = hv_xml_prop(e, "name"), *on = hv_xml_prop(e, "enabled");

		for (size_t k = 0; name && k < NEVENTS; k++)
			if (g_str_equal(events[k], name))
				st[k] = g_strcmp0(on, "yes") == 0 ? ON : OFF;
	}
	return 0;
}

/* def's <perf> made of st, in libvirt's order (none when all are absent). */
static int
states_write(HvDomainDef *def, const guint8 st[NEVENTS], GError **err)
{
	g_autoptr(xmlDoc) doc = hv_xml_parse_compact(def->xml, strlen(def->xml), err);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL, *perf;

	if (!root)
		return -EIO;
	if ((perf = hv_xml_child(root, "perf"))) {
		xmlUnlinkNode(perf);
		xmlFreeNode(perf);
	}
	perf = NULL;
	for (size_t k = 0; k < NEVENTS; k++) {
		xmlNode *e;

		if (st[k] == ABSENT)
			continue;
		if (!perf)
			perf = xmlNewChild(root, NULL, (const xmlChar *)"perf", NULL);
		e = xmlNewChild(perf, NULL, (const xmlChar *)"event", NULL);
		hv_xml_set_prop(e, "name", events[k]);
		hv_xml_set_prop(e, "enabled", st[k] == ON ? "yes" : "no");
	}
	return hv_domain_def_set_doc(def, root, err);
}

int
test_dom_get_perf_events(HvConn *c, const char *name, unsigned flags, GArray **out,
			 GError **err)
{
	TestConn *tc = test_conn(c);
	guint8 st[NEVENTS];
	HvDomainDef *def;
	HvEntry *o;
	int r;

	if (flags & ~(AFFECT_LIVE | AFFECT_CONFIG | STRING_OKAY))
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainGetPerfEvents",
				    flags & ~(AFFECT_LIVE | AFFECT_CONFIG | STRING_OKAY));
	hv_core_lock(&tc->core);
	if (!(o = hv_objtab_find(tc->domains, name, err)))
		r = -ENOENT;
	else if ((r = one_def(o, flags, false, &def, err)) == 0 &&
		 (r = states_read(def, st, err)) == 0) {
		*out = hv_params_new();
		for (size_t k = 0; k < NEVENTS; k++)
			hv_params_add(*out, events[k], HV_PARAM_BOOLEAN, st[k] == ON, NULL);
	}
	hv_core_unlock(&tc->core);
	return r;
}

int
test_dom_set_perf_events(HvConn *c, const char *name, const GArray *params, unsigned flags,
			 GError **err)
{
	TestConn *tc = test_conn(c);
	HvParamSpec specs[NEVENTS];
	guint8 st[NEVENTS];
	HvDomainDef *def;
	HvEntry *o;
	int r;

	if (flags & ~(AFFECT_LIVE | AFFECT_CONFIG))
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainSetPerfEvents", flags & ~(AFFECT_LIVE | AFFECT_CONFIG));
	for (size_t k = 0; k < NEVENTS; k++)
		specs[k] = (HvParamSpec){ events[k], HV_PARAM_BOOLEAN };
	if ((r = hv_params_validate(params, specs, NEVENTS, err)) < 0)
		return r;
	hv_core_lock(&tc->core);
	if (!(o = hv_objtab_find(tc->domains, name, err)))
		r = -ENOENT;
	else if ((r = one_def(o, flags, true, &def, err)) == 0 &&
		 (r = states_read(def, st, err)) == 0) {
		for (guint i = 0; i < params->len; i++)
			for (size_t k = 0; k < NEVENTS; k++)
				if (g_str_equal(g_array_index(params, HvParam, i).field, events[k]))
					st[k] = g_array_index(params, HvParam, i).i ? ON : OFF;
		if ((r = states_write(def, st, err)) == 0)
			test_tick(tc);
	}
	hv_core_unlock(&tc->core);
	return r;
}

/* <memballoon><stats period='N'/> first in the balloon, none for 0. */
static int
period_write(HvDomainDef *def, int period, GError **err)
{
	g_autoptr(xmlDoc) doc = def->xml ? hv_xml_parse_compact(def->xml, strlen(def->xml), err)
					 : NULL;
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *bal = root ? hv_xml_path(root, "devices/memballoon") : NULL, *st;
	g_autofree char *model = bal ? hv_xml_prop(bal, "model") : NULL;
	char num[16];

	if (!bal || g_strcmp0(model, "none") == 0)
		return hv_error_set(err, EPROTO, "No memory balloon device configured, can not "
				    "set the collection period");
	if ((st = hv_xml_child(bal, "stats"))) {
		xmlUnlinkNode(st);
		xmlFreeNode(st);
	}
	if (period) {
		st = xmlNewNode(NULL, (const xmlChar *)"stats");
		g_snprintf(num, sizeof(num), "%d", period);
		hv_xml_set_prop(st, "period", num);
		if (bal->children)
			xmlAddPrevSibling(bal->children, st);
		else
			xmlAddChild(bal, st);
	}
	return hv_domain_def_set_doc(def, root, err);
}

int
test_dom_set_memory_stats_period(HvConn *c, const char *name, int period, unsigned flags,
				 GError **err)
{
	TestConn *tc = test_conn(c);
	HvDomainDef *def;
	HvEntry *o;
	int r;

	if (flags & ~(AFFECT_LIVE | AFFECT_CONFIG))
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainSetMemoryStatsPeriod",
				    flags & ~(AFFECT_LIVE | AFFECT_CONFIG));
	hv_core_lock(&tc->core);
	if (!(o = hv_objtab_find(tc->domains, name, err)))
		r = -ENOENT;
	else if ((r = one_def(o, flags, true, &def, err)) == 0 &&
		 (r = period_write(def, period, err)) == 0)
		test_tick(tc);
	hv_core_unlock(&tc->core);
	return r;
}
