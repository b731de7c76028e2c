/* test_network.c: the test driver's network class for the shared table: a
 * seeded uuid and a bridge name (virbrN) for routed/NAT/isolated networks that
 * have none, as libvirt's network driver picks, the info, and the start/stop
 * rows. Define, undefine (libvirt's transient rules), autostart and lookups are
 * the shared ones; leases and ports (none here) and net-update are added to
 * them. (Guests' addresses: test_guest.c.) */
#include <string.h>
#include "drivers/test/test_priv.h"
#include "drivers/objops.h"

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
	.info = hv_entry_network_info,
	.info_free = (GDestroyNotify)hv_network_info_free,
	.changed = test_changed,
};

/* ---- beyond the shared ops: leases, ports, net-update */

/* The test driver runs no dnsmasq and no guests: no leases, no ports; both
 * are extras (libvirt's test driver has neither call). */
static int
get_leases(HvConn *c, const char *name, GPtrArray **out, GError **err)
{
	g_autoptr(HvNetworkInfo) info = NULL;
	int r = test_extra_check(c, TEST_EXTRA_LEASES, "network", "get_leases", err)
			?: hv_objops_network.get_info(c, name, &info, err);

	if (r == 0)
		*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_network_lease_free);
	return r;
}

static int
get_ports(HvConn *c, const char *name, GPtrArray **out, GError **err)
{
	g_autoptr(HvNetworkInfo) info = NULL;
	int r = test_extra_check(c, TEST_EXTRA_PORTS, "network", "get_ports", err)
			?: hv_objops_network.get_info(c, name, &info, err);

	if (r == 0)
		*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_network_port_free);
	return r;
}

/* libvirt's test driver updates the definitions alone, as here: the live one
 * while active (CURRENT: the live one then), the persistent one for CONFIG. */
static int
update(HvConn *c, const char *name, unsigned command, unsigned section, int parent_index,
       const char *xml, unsigned flags, GError **err)
{
	HvObjTab *t = c->tables[HV_OBJ_NETWORK];
	void *defs[2] = { NULL, NULL };
	HvNetworkDef *nd[2] = { NULL, NULL };
	HvEntry *o;
	int r = 0;

	hv_core_lock(t->core);
	if (!(o = hv_objtab_find(t, name, err)))
		r = -ENOENT;
	if (r == 0)
		r = hv_entry_affect(o, flags, "definition", defs, err);
	for (int k = 0; r == 0 && k < 2 && defs[k]; k++)
		if (!(nd[k] = hv_network_def_update(defs[k], command, section, parent_index, xml, err)))
			r = -EINVAL;
	for (int k = 0; r == 0 && k < 2 && defs[k]; k++) {
		HvNetworkDef **slot = defs[k] == o->def.network ? &o->def.network
								: &o->newdef.network;

		hv_network_def_free(*slot);
		*slot = g_steal_pointer(&nd[k]);
	}
	if (r == 0)
		hv_entry_emit(o, "defined", "updated");
	hv_network_def_free(nd[0]);
	hv_network_def_free(nd[1]);
	hv_core_unlock(t->core);
	return r == -EINVAL && err && *err ? hv_error_errno(*err) : r;
}

HvNetworkOps test_network_ops;

void
test_network_ops_init(void)
{
	test_network_ops = hv_objops_network;
	test_network_ops.get_leases = get_leases;
	test_network_ops.get_ports = get_ports;
	test_network_ops.update = update;
}
