/* network_table.c: a driver's networks (network_table.h), as drivers/test/test_network.c
 * keeps the test driver's on the shared table: a class (a free virbrN for a
 * routed or isolated network without a bridge name, the backend's checks
 * against the other networks, the info, start and stop rows that call the
 * backend of the network's forward mode), and the table's life: loading,
 * adopting what was active before a restart, autostart. The backend's
 * runtime files are in RUN/network-state/NAME/. */
#include <string.h>
#include "drivers/network/network_table.h"
#include "drivers/objops.h"
#include "drivers/objstore.h"
#include "drivers/network/network_backend.h"
#include "drivers/network/netdev_tap.h"
#include "conf/conf_util.h"

static NetTables *
nets_of(HvObjTab *t)
{
	return t->opaque;
}

static bool
bridge_used(HvObjTab *t, const char *br)
{
	for (guint i = 0; i < hv_objtab_count(t); i++) {
		const HvEntry *n = hv_objtab_nth(t, i);
		const HvNetworkDef *def = n->def.network, *cfg = n->newdef.network;

		if ((def->bridge && !strcmp(def->bridge, br)) ||
		    (cfg && cfg->bridge && !strcmp(cfg->bridge, br)))
			return true;
	}
	return netdev_exists(br);
}

/* The definitions of every other network, live and pending (borrowed). */
static GPtrArray *
others_of(HvObjTab *t, const char *name)
{
	GPtrArray *a = g_ptr_array_new();

	for (guint i = 0; i < hv_objtab_count(t); i++) {
		const HvEntry *n = hv_objtab_nth(t, i);

		if (!strcmp(n->name, name))
			continue;
		g_ptr_array_add(a, n->def.network);
		if (n->newdef.network)
			g_ptr_array_add(a, n->newdef.network);
	}
	return a;
}

static bool
own_bridge(const HvNetworkDef *def)
{
	const char *f = def->forward_mode;

	return !f || !strcmp(f, "nat") || !strcmp(f, "route") || !strcmp(f, "open");
}

static int
prepare(HvObjTab *t, HvEntry *existing, void *p, GError **err)
{
	HvNetworkDef *def = p;
	const NetworkBackend *b;
	g_autoptr(GPtrArray) others = NULL;

	hv_network_def_ensure_uuid(def);
	if (!(b = network_backend_for(def, err)))
		return -EOPNOTSUPP;
	if (!def->bridge && own_bridge(def) && existing && existing->def.network->bridge)
		def->bridge = g_strdup(existing->def.network->bridge);
	for (unsigned i = 0; !def->bridge && own_bridge(def) && i < 1024; i++) {
		g_autofree char *br = g_strdup_printf("virbr%u", i);

		if (!bridge_used(t, br))
			def->bridge = g_steal_pointer(&br);
	}
	if (def->bridge && !hv_xml_child(xmlDocGetRootElement(def->doc), "bridge"))
		hv_xml_set_prop(xmlNewChild(xmlDocGetRootElement(def->doc), NULL,
					    (const xmlChar *)"bridge", NULL), "name", def->bridge);
	others = others_of(t, def->name);
	return b->check_def ? b->check_def(def, others, err) : 0;
}

/* Calls backend method m of o's network. */
#define NETWORK_OBJ(t, o, dir) \
	{ .name = (o)->name, .def = (o)->def.network, .state_dir = (dir), .priv = (o)->priv }

static int
act_start(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	g_autofree char *dir = net_table_state_dir(t, o->name);
	g_autoptr(GPtrArray) others = others_of(t, o->name);
	g_autofree char *xml = NULL;
	NetworkObj n = NETWORK_OBJ(t, o, dir);
	int r;

	if (!(n.backend = network_backend_for(o->def.network, err)))
		return -EOPNOTSUPP;
	/* again: others may have started since this one was defined */
	if (n.backend->check_def && (r = n.backend->check_def(o->def.network, others, err)) < 0)
		return r;
	if ((r = n.backend->start(&n, err)) < 0)
		return r;
	net_table_pending_clear_locked(t, o->name);
	o->priv = n.priv;
	if ((xml = hv_network_def_format(o->def.network)) && t->store)
		hv_store_write_live(t->store, o->name, xml, NULL);
	hv_entry_emit(o, "started", "-");
	hv_entry_started(o);
	return 0;
}

static int
act_stop(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	g_autofree char *dir = net_table_state_dir(t, o->name);
	NetworkObj n = NETWORK_OBJ(t, o, dir);
	int r;

	if ((n.backend = network_backend_for(o->def.network, NULL)) && n.backend->stop &&
	    (r = n.backend->stop(&n, err)) < 0)
		return r;
	o->priv = NULL;
	net_table_pending_clear_locked(t, o->name);
	hv_entry_emit(o, "stopped", "-");
	hv_entry_stopped(o); /* a transient network goes */
	return 0;
}

static const HvObjVerb verbs[HV_VERB_LAST] = {
	[HV_VERB_START] = { "start", { .cls = HV_JOB_MODIFY }, HV_WHEN_INACTIVE,
			    "network is already active", act_start },
	[HV_VERB_STOP] = { "stop", { .cls = HV_JOB_MODIFY }, HV_WHEN_ACTIVE,
			   "network is not active", act_stop },
};

/* The shared info, and what of a redefinition waits for the next start. */
static void *
info(HvObjTab *t, HvEntry *o)
{
	HvNetworkInfo *i = hv_entry_network_info(t, o);

	i->pending = net_table_pending_locked(t, o->name);
	return i;
}

static const HvObjClass net_table_class = {
	.defs = &hv_network_defs,
	.verbs = verbs,
	.prepare = prepare,
	.info = info,
	.info_free = (GDestroyNotify)hv_network_info_free,
};

/* ---- after a restart: what was active is taken back */

/* o was active: its live definition (RUN/network/NAME.xml) comes back as
 * def, the stored one waits as newdef; the backend finds its parts again. */
static void
adopt(HvObjTab *t, HvEntry *o)
{
	g_autofree char *xml = hv_store_read_live(t->store, o->name, NULL, NULL);
	g_autofree char *dir = net_table_state_dir(t, o->name);
	g_autoptr(GError) err = NULL;
	HvNetworkDef *live = xml ? hv_network_def_parse(xml, strlen(xml), NULL) : NULL;
	NetworkObj n;
	bool alive = false;

	if (live && strcmp(live->name, o->name))
		g_clear_pointer(&live, hv_network_def_free);
	if (live) {
		o->newdef.network = o->def.network;
		o->def.network = live;
	}
	n = (NetworkObj)NETWORK_OBJ(t, o, dir);
	if ((n.backend = network_backend_for(o->def.network, &err)) && n.backend->adopt &&
	    n.backend->adopt(&n, &alive, &err) < 0)
		g_warning("network '%s': cannot take it back: %s", o->name, err->message);
	if (alive) {
		o->priv = n.priv;
		hv_entry_started(o);
		return;
	}
	o->active = true;
	hv_entry_stopped(o); /* the stored definition is current again */
}

static void
loaded(HvObjTab *t, HvEntry *o, bool was_active, void *data)
{
	if (was_active)
		adopt(t, o);
}

/* Transient networks that were active: only their live definition is left. */
static int
live_one(const char *name, const char *xml, size_t len, void *data)
{
	HvObjTab *t = data;
	HvNetworkDef *def;
	HvEntry *o;

	if (hv_objtab_lookup(t, name) || !(def = hv_network_def_parse(xml, len, NULL)))
		return 0;
	if (hv_objtab_add(t, def, 0, &o, NULL) == 0)
		adopt(t, o); /* it reads the live definition again, as for the others */
	return 0;
}

int
net_table_open(HvConn *c, const char *lib_dir, const char *run_dir, bool autostart,
		  GError **err)
{
	g_autofree char *dir = g_build_filename(lib_dir, "network", NULL);
	g_autofree char *run = g_build_filename(run_dir, "network", NULL);
	NetTables *nets = g_new0(NetTables, 1);
	g_autoptr(GPtrArray) names = NULL;
	HvStore *store;
	HvObjTab *t;

	hv_core_init(&nets->core, c);
	nets->state_root = g_build_filename(run_dir, "network-state", NULL);
	nets->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (!(store = hv_store_open(dir, run, err))) {
		hv_core_clear(&nets->core);
		g_free(nets->state_root);
		g_hash_table_unref(nets->pending);
		g_free(nets);
		return -EIO;
	}
	t = hv_objtab_new(&(HvObjTabConfig){ .cls = &net_table_class, .core = &nets->core,
					     .opaque = nets, .store = store, .run_markers = true,
					     .sorted = true });
	c->tables[HV_OBJ_NETWORK] = t;
	hv_objtab_load(t, loaded, NULL, NULL);
	hv_core_lock(t->core);
	hv_store_each_live(store, live_one, t);
	hv_core_unlock(t->core);
	if (!autostart)
		return 0;
	names = hv_objtab_autostart_names(t);
	for (guint k = 0; k < names->len; k++) {
		g_autoptr(GError) e = NULL;

		if (hv_objtab_run(t, names->pdata[k], HV_VERB_START, NULL, &e) < 0)
			g_warning("autostart of network '%s' failed: %s", (char *)names->pdata[k],
				  e->message);
	}
	return 0;
}

void
net_table_close(HvConn *c)
{
	HvObjTab *t = c->tables[HV_OBJ_NETWORK];
	NetTables *nets;

	if (!t)
		return;
	nets = nets_of(t);
	c->tables[HV_OBJ_NETWORK] = NULL;
	hv_objtab_free(t);
	hv_core_clear(&nets->core);
	g_free(nets->state_root);
	g_hash_table_unref(nets->pending);
	g_free(nets);
}

/* ---- the ops: the shared ones, plus leases (ports: net_table_ports.c) */

static int
get_leases(HvConn *c, const char *name, GPtrArray **out, GError **err)
{
	HvObjTab *t = c->tables[HV_OBJ_NETWORK];
	g_autofree char *dir = net_table_state_dir(t, name);
	HvEntry *o;
	int r;

	hv_core_lock(t->core);
	r = (o = hv_objtab_find(t, name, err)) ? net_table_leases_locked(t, o, dir, out, err)
					       : -ENOENT;
	hv_core_unlock(t->core);
	return r;
}

static int n_list(HvConn *c, GPtrArray **o, GError **e) { return hv_objops_network.list(c, o, e); }
static int n_info(HvConn *c, const char *n, HvNetworkInfo **o, GError **e) { return hv_objops_network.get_info(c, n, o, e); }
static int n_xml(HvConn *c, const char *n, unsigned f, char **x, GError **e) { return hv_objops_network.get_xml(c, n, f, x, e); }
/* A define, and for an active network what of it applies live. */
static int
n_define(HvConn *c, const char *x, char **n, GError **e)
{
	g_autofree char *name = NULL;
	int r = hv_objops_network.define_xml(c, x, &name, e);

	if (r == 0)
		r = net_table_redefined(c, name, e);
	if (n)
		*n = g_steal_pointer(&name);
	return r;
}
static int n_undefine(HvConn *c, const char *n, GError **e) { return hv_objops_network.undefine(c, n, e); }
static int n_start(HvConn *c, const char *n, GError **e) { return hv_objops_network.start(c, n, e); }
static int n_stop(HvConn *c, const char *n, GError **e) { return hv_objops_network.stop(c, n, e); }
static int n_autostart(HvConn *c, const char *n, bool on, GError **e) { return hv_objops_network.set_autostart(c, n, on, e); }

const HvNetworkOps net_table_ops = {
	.list = n_list,
	.get_info = n_info,
	.get_xml = n_xml,
	.define_xml = n_define,
	.undefine = n_undefine,
	.start = n_start,
	.stop = n_stop,
	.set_autostart = n_autostart,
	.get_leases = get_leases,
	.get_ports = net_table_ports,
	.update = net_table_update,
};
