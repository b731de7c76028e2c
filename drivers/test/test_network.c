/* test_network.c: the test driver's network class for the shared table: a
 * seeded uuid and a bridge name (virbrN) for routed/NAT/isolated networks that
 * have none, as libvirt's network driver picks, the info, and the start/stop
 * rows. Define, undefine (libvirt's transient rules), autostart and lookups are
 * the shared ones. */
#include <string.h>
#include "drivers/test/test_priv.h"

static bool
bridge_used(HvObjTab *t, const char *br)
{
	for (guint i = 0; i < hv_objtab_count(t); i++) {
		const HvEntry *n = hv_objtab_nth(t, i);
		const HvNetworkDef *def = n->def.network, *cfg = n->newdef.network;

		if ((def->bridge && strcmp(def->bridge, br) == 0) ||
		    (cfg && cfg->bridge && strcmp(cfg->bridge, br) == 0))
			return true;
	}
	return false;
}

/* uuid, and a free virbrN where libvirt's network driver would pick one (a
 * redefined network keeps the bridge it had). */
static int
prepare(HvObjTab *t, HvEntry *existing, void *p, GError **err)
{
	HvNetworkDef *def = p;
	const char *fwd = def->forward_mode;

	if (!def->uuid[0])
		test_uuid_generate(test_tab_conn(t), def->uuid);
	if (def->bridge || (fwd && strcmp(fwd, "nat") && strcmp(fwd, "route") &&
			    strcmp(fwd, "open")))
		return 0;
	if (existing && existing->def.network->bridge) {
		def->bridge = g_strdup(existing->def.network->bridge);
		return 0;
	}
	for (unsigned i = 0; !def->bridge; i++) {
		g_autofree char *br = g_strdup_printf("virbr%u", i);

		if (!bridge_used(t, br))
			def->bridge = g_steal_pointer(&br);
	}
	return 0;
}

static void *
info_new(HvObjTab *t, HvEntry *n)
{
	HvNetworkInfo *i = g_new0(HvNetworkInfo, 1);

	i->name = g_strdup(n->name);
	memcpy(i->uuid, n->def.network->uuid, HV_UUID_STRLEN);
	i->active = n->active;
	i->persistent = n->persistent;
	i->autostart = n->autostart;
	i->bridge = g_strdup(n->def.network->bridge);
	i->forward = g_strdup(n->def.network->forward_mode);
	return i;
}

/* start and stop: the rows' `when` already refused the wrong state. */
static int
act_verb(HvObjTab *t, HvEntry *n, HvJob *job, int start, void *arg, GError **err)
{
	test_tick(test_tab_conn(t));
	hv_entry_emit(n, start ? "started" : "stopped", "-");
	if (start)
		hv_entry_started(n);
	else
		hv_entry_stopped(n); /* a transient network goes */
	return 0;
}

static const HvObjVerb verbs[HV_VERB_LAST] = {
	[HV_VERB_START] = { "start", { .cls = HV_JOB_MODIFY }, HV_WHEN_INACTIVE,
			    "network is already active", act_verb, true },
	[HV_VERB_STOP] = { "stop", { .cls = HV_JOB_MODIFY }, HV_WHEN_ACTIVE,
			   "network is not active", act_verb, false },
};

const HvObjClass test_network_class = {
	.defs = &hv_network_defs,
	.verbs = verbs,
	.prepare = prepare,
	.info = info_new,
	.info_free = (GDestroyNotify)hv_network_info_free,
	.changed = test_changed,
};
