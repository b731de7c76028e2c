/* test_load.c: builds a test connection's state from a parsed node document,
 * the way libvirt's test driver does: node facts with libvirt's defaults for
 * what is missing, every domain running (unless the test namespace's
 * <test:runstate> says otherwise; <test:transient/> makes it transient), every
 * network and pool active, volumes added to their pools. */
#include <string.h>
#include "drivers/test/test_priv.h"

/* libvirt's defaultNodeInfo */
void
test_node_defaults(TestConn *tc, const HvNodeDef *node)
{
	HvNodeInfo *ni = &tc->node;

	hv_node_info_clear(ni);
	ni->nodes = node && node->nodes ? node->nodes : 2;
	ni->sockets = node && node->sockets ? node->sockets : 2;
	ni->cores = node && node->cores ? node->cores : 2;
	ni->threads = node && node->threads ? node->threads : 2;
	ni->cpus = node && node->active ? node->active
					: ni->nodes * ni->sockets * ni->cores * ni->threads;
	ni->mhz = node && node->mhz ? node->mhz : 1400;
	ni->model = g_strdup(node && node->model ? node->model : "i686");
	ni->memory_kib = node && node->memory_kib ? node->memory_kib : 3u << 20;
	ni->hostname = g_strdup(tc->params.hostname ? tc->params.hostname : g_get_host_name());
}

/* <test:runstate> and <test:transient/>, as the domain's document gave them. */
static void
read_hints(const HvDomainDef *def, HvDomainState *state, bool *transient)
{
	*state = HV_DOMAIN_RUNNING;
	*transient = def->test_transient;
	if (def->test_runstate >= 0 && def->test_runstate < HV_DOMAIN_STATE_LAST)
		*state = (HvDomainState)def->test_runstate;
}

static void
apply_hints(TestConn *tc, HvEntry *o, HvDomainState state, bool transient)
{
	TestDomain *d = test_dom(o);

	if (!test_domain_state_active(state)) {
		if (state == HV_DOMAIN_CRASHED) {
			d->state = state;
			d->reason = 1; /* panicked */
		}
		return;
	}
	test_domain_boot(tc, o, 0); /* libvirt: running (unknown) until it is started again */
	d->state = state;
	o->persistent = !transient;
	if (state == HV_DOMAIN_SHUTDOWN)
		test_timer_add(tc, tc->domains, test_domain_shutdown_due, o->name, d->gen,
			       tc->params.shutdown_delay_ms);
}

static int
load_domains(TestConn *tc, HvNodeDef *node, GError **err)
{
	gsize n = 0;
	HvDomainDef **defs = node->domains ? (HvDomainDef **)g_ptr_array_steal(node->domains, &n)
					   : NULL;
	int r = 0;
	gsize i;

	for (i = 0; i < n && r == 0; i++) {
		HvDomainState state;
		bool transient;
		HvEntry *o;

		read_hints(defs[i], &state, &transient);
		if ((r = hv_objtab_add(tc->domains, defs[i], HV_ADD_PERSISTENT | HV_ADD_PREPARE, &o,
				       err)) == 0)
			apply_hints(tc, o, state, transient);
	}
	for (; i < n; i++)
		hv_domain_def_free(defs[i]);
	g_free(defs);
	return r;
}

/* Every network and pool of a node document is active. */
static int
add_active(HvObjTab *t, void *def, HvEntry **out, GError **err)
{
	int r = hv_objtab_add(t, def, HV_ADD_PERSISTENT | HV_ADD_PREPARE, out, err);

	if (r == 0)
		hv_entry_started(*out);
	return r;
}

static int
load_networks(TestConn *tc, HvNodeDef *node, GError **err)
{
	gsize n = 0;
	HvNetworkDef **defs = node->networks
				      ? (HvNetworkDef **)g_ptr_array_steal(node->networks, &n)
				      : NULL;
	HvEntry *o;
	int r = 0;
	gsize i;

	for (i = 0; i < n && r == 0; i++)
		r = add_active(tc->networks, defs[i], &o, err);
	for (; i < n; i++)
		hv_network_def_free(defs[i]);
	g_free(defs);
	return r;
}

static int
load_pool(TestConn *tc, HvNodePoolDef *np, GError **err)
{
	gsize n = 0;
	HvVolumeDef **vols;
	HvEntry *p;
	int r;
	gsize i;

	if ((r = add_active(tc->pools, g_steal_pointer(&np->def), &p, err)) < 0)
		return r;
	test_pool(p)->state = HV_POOL_RUNNING;
	vols = np->volumes ? (HvVolumeDef **)g_ptr_array_steal(np->volumes, &n) : NULL;
	for (i = 0; i < n && r == 0; i++)
		r = test_pool_add_volume(p, vols[i], NULL, err);
	for (; i < n; i++)
		hv_volume_def_free(vols[i]);
	g_free(vols);
	return r;
}

int
test_load_node(TestConn *tc, HvNodeDef *node, GError **err)
{
	int r;

	test_node_defaults(tc, node);
	if ((r = load_domains(tc, node, err)) < 0 || (r = load_networks(tc, node, err)) < 0)
		return r;
	for (guint i = 0; node->pools && i < node->pools->len; i++)
		if ((r = load_pool(tc, node->pools->pdata[i], err)) < 0)
			return r;
	return 0;
}
