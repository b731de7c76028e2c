/* test_network.c: the test driver's virtual networks: define/undefine with
 * libvirt's persistent/transient rules, start/stop through a small state table,
 * autostart, a bridge name (virbrN) for routed/NAT/isolated networks that have
 * none, and the network ops table. */
#include <string.h>
#include "drivers/test/test_priv.h"
#include "util/names.h"

enum { NET_START, NET_STOP, NET_VERB_LAST };

/* [verb][active] */
static const struct {
	bool ok;
	const char *event;
	const char *why;
} net_fsm[NET_VERB_LAST][2] = {
	[NET_START] = { [false] = { true, "started", NULL },
			[true] = { false, NULL, "network is already active" } },
	[NET_STOP] = { [false] = { false, NULL, "network is not active" },
		       [true] = { true, "stopped", NULL } },
};
static const char *const net_verbs[NET_VERB_LAST] = { "start", "stop" };

void
test_network_free(TestNetwork *n)
{
	if (!n)
		return;
	g_free(n->name);
	hv_network_def_free(n->def);
	hv_network_def_free(n->newdef);
	g_free(n);
}

static TestNetwork *
net_find(TestConn *tc, const char *name, GError **err)
{
	TestNetwork *n = test_set_lookup(&tc->networks, name);

	if (!n)
		hv_error_set(err, ENOENT, "network '%s' not found", name ? name : "");
	return n;
}

static bool
bridge_used(TestConn *tc, const char *br)
{
	for (guint i = 0; i < tc->networks.order->len; i++) {
		const TestNetwork *n = tc->networks.order->pdata[i];

		if ((n->def->bridge && strcmp(n->def->bridge, br) == 0) ||
		    (n->newdef && n->newdef->bridge && strcmp(n->newdef->bridge, br) == 0))
			return true;
	}
	return false;
}

/* uuid, and a free virbrN where libvirt's network driver would pick one (or
 * prefer, the bridge a redefined network had). */
static void
prepare(TestConn *tc, HvNetworkDef *def, const char *prefer)
{
	const char *fwd = def->forward_mode;

	if (!def->uuid[0])
		test_uuid_generate(tc, def->uuid);
	if (def->bridge || (fwd && strcmp(fwd, "nat") && strcmp(fwd, "route") &&
			    strcmp(fwd, "open")))
		return;
	if (prefer) {
		def->bridge = g_strdup(prefer);
		return;
	}
	for (unsigned i = 0; !def->bridge; i++) {
		g_autofree char *br = g_strdup_printf("virbr%u", i);

		if (!bridge_used(tc, br))
			def->bridge = g_steal_pointer(&br);
	}
}

/* Steals def. Lock held. */
int
test_network_add_def(TestConn *tc, HvNetworkDef *def, bool active, GError **err)
{
	g_autoptr(HvNetworkDef) owned = def;
	TestNetwork *n, *other;

	if (hv_name_check("network", def->name, err) < 0)
		return -EINVAL;
	if (test_set_lookup(&tc->networks, def->name))
		return hv_error_set(err, EEXIST, "network '%s' already exists", def->name);
	if ((other = test_set_lookup_uuid(&tc->networks, def->uuid)))
		return hv_error_set(err, EEXIST, "network '%s' already exists with uuid %s",
				    other->name, def->uuid);
	prepare(tc, def, NULL);
	n = g_new0(TestNetwork, 1);
	n->name = g_strdup(def->name);
	memcpy(n->uuid, def->uuid, HV_UUID_STRLEN);
	n->def = g_steal_pointer(&owned);
	n->active = active;
	n->persistent = true;
	test_set_add(&tc->networks, n->name, n->uuid, n);
	return 0;
}

static HvNetworkInfo *
info_new(const TestNetwork *n)
{
	HvNetworkInfo *i = g_new0(HvNetworkInfo, 1);

	i->name = g_strdup(n->name);
	memcpy(i->uuid, n->def->uuid, HV_UUID_STRLEN);
	i->active = n->active;
	i->persistent = n->persistent;
	i->autostart = n->autostart;
	i->bridge = g_strdup(n->def->bridge);
	i->forward = g_strdup(n->def->forward_mode);
	return i;
}

static int
net_list(HvConn *c, GPtrArray **out, GError **err)
{
	TestConn *tc = test_conn(c);
	GPtrArray *a;

	test_lock(tc);
	a = g_ptr_array_new_full(tc->networks.order->len, (GDestroyNotify)hv_network_info_free);
	for (guint i = 0; i < tc->networks.order->len; i++)
		g_ptr_array_add(a, info_new(tc->networks.order->pdata[i]));
	test_unlock(tc, NULL);
	*out = a;
	return 0;
}

static int
net_get_info(HvConn *c, const char *name, HvNetworkInfo **out, GError **err)
{
	TestConn *tc = test_conn(c);
	TestNetwork *n;

	test_lock(tc);
	if ((n = net_find(tc, name, err)))
		*out = info_new(n);
	test_unlock(tc, NULL);
	return n ? 0 : -ENOENT;
}

static int
net_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	TestConn *tc = test_conn(c);
	TestNetwork *n;

	test_lock(tc);
	if ((n = net_find(tc, name, err)))
		*xml = hv_network_def_format((flags & HV_XML_INACTIVE) && n->newdef ? n->newdef
										: n->def);
	test_unlock(tc, NULL);
	if (n && !*xml)
		return hv_error_set(err, EIO, "cannot format the XML of network '%s'", name);
	return n ? 0 : -ENOENT;
}

/* Steals def. */
static int
define_locked(TestConn *tc, HvNetworkDef *def, GArray *q, GError **err)
{
	g_autoptr(HvNetworkDef) owned = def;
	TestNetwork *n = test_set_lookup(&tc->networks, def->name);
	TestNetwork *other = test_set_lookup_uuid(&tc->networks, def->uuid);
	int r;

	if ((n && def->uuid[0] && strcmp(def->uuid, n->def->uuid) != 0) || (!n && other))
		return hv_error_set(err, EEXIST, "network '%s' already exists with uuid %s",
				    n ? n->name : other->name, n ? n->def->uuid : other->def->uuid);
	if (!n) {
		if ((r = test_network_add_def(tc, g_steal_pointer(&owned), false, err)) < 0)
			return r;
		test_evq_add(q, HV_OBJ_NETWORK, NULL, def->name, "defined", "added");
	} else {
		HvNetworkDef **slot = n->active ? &n->newdef : &n->def;

		memcpy(def->uuid, n->def->uuid, HV_UUID_STRLEN);
		prepare(tc, def, n->def->bridge);
		hv_network_def_free(*slot);
		*slot = g_steal_pointer(&owned);
		n->persistent = true;
		test_evq_add(q, HV_OBJ_NETWORK, NULL, def->name, "defined", "updated");
	}
	test_tick(tc);
	return 0;
}

static int
net_define_xml(HvConn *c, const char *xml, char **name_out, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(GError) perr = NULL;
	g_autofree char *name = NULL;
	HvNetworkDef *def;
	GArray *q;
	int r;

	if (!(def = hv_network_def_parse(xml, strlen(xml), &perr)))
		return test_error_take(err, g_steal_pointer(&perr));
	name = g_strdup(def->name);
	q = test_evq_new();
	test_lock(tc);
	r = define_locked(tc, def, q, err);
	test_unlock(tc, q);
	if (r == 0 && name_out)
		*name_out = g_steal_pointer(&name);
	return r;
}

/* Removes n (and says so) when nothing keeps it: inactive and not persistent. */
static void
net_reap(TestConn *tc, TestNetwork *n, GArray *q)
{
	if (n->active || n->persistent)
		return;
	test_evq_add(q, HV_OBJ_NETWORK, NULL, n->name, "undefined", "removed");
	test_set_remove(&tc->networks, n->name, n->uuid, n);
}

static int
undefine_locked(TestConn *tc, const char *name, GArray *q, GError **err)
{
	TestNetwork *n = net_find(tc, name, err);

	if (!n)
		return -ENOENT;
	if (!n->persistent)
		return hv_error_set(err, EBUSY, "cannot undefine transient network '%s'", name);
	test_tick(tc);
	n->persistent = false;
	g_clear_pointer(&n->newdef, hv_network_def_free);
	if (n->autostart) {
		n->autostart = false;
		test_evq_add(q, HV_OBJ_NETWORK, NULL, name, "autostart-changed", "0");
	}
	if (!n->active) {
		net_reap(tc, n, q);
		return 0;
	}
	test_evq_add(q, HV_OBJ_NETWORK, NULL, name, "undefined", "removed");
	return 0;
}

static int
verb_locked(TestConn *tc, int verb, const char *name, GArray *q, GError **err)
{
	TestNetwork *n = net_find(tc, name, err);

	if (!n)
		return -ENOENT;
	if (!net_fsm[verb][n->active].ok)
		return hv_error_set(err, EBUSY, "cannot %s network '%s': %s", net_verbs[verb], name,
				    net_fsm[verb][n->active].why);
	test_tick(tc);
	test_evq_add(q, HV_OBJ_NETWORK, NULL, name, net_fsm[verb][n->active].event, "-");
	n->active = !n->active;
	if (!n->active && n->newdef) {
		hv_network_def_free(n->def);
		n->def = g_steal_pointer(&n->newdef);
	}
	net_reap(tc, n, q);
	return 0;
}

static int
net_call(HvConn *c, int verb, const char *name, GError **err)
{
	TestConn *tc = test_conn(c);
	GArray *q = test_evq_new();
	int r;

	test_lock(tc);
	r = verb < 0 ? undefine_locked(tc, name, q, err) : verb_locked(tc, verb, name, q, err);
	test_unlock(tc, q);
	return r;
}

static int net_undefine(HvConn *c, const char *n, GError **e) { return net_call(c, -1, n, e); }
static int net_start(HvConn *c, const char *n, GError **e) { return net_call(c, NET_START, n, e); }
static int net_stop(HvConn *c, const char *n, GError **e) { return net_call(c, NET_STOP, n, e); }

static int
net_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	TestConn *tc = test_conn(c);
	GArray *q = test_evq_new();
	TestNetwork *n;
	int r = 0;

	test_lock(tc);
	if (!(n = net_find(tc, name, err)))
		r = -ENOENT;
	else if (!n->persistent)
		r = hv_error_set(err, EBUSY, "cannot set autostart for transient network '%s'", name);
	else if (n->autostart != on) {
		test_tick(tc);
		n->autostart = on;
		test_evq_add(q, HV_OBJ_NETWORK, NULL, name, "autostart-changed", on ? "1" : "0");
	}
	test_unlock(tc, q);
	return r;
}

const HvNetworkOps test_network_ops = {
	.list = net_list,
	.get_info = net_get_info,
	.get_xml = net_get_xml,
	.define_xml = net_define_xml,
	.undefine = net_undefine,
	.start = net_start,
	.stop = net_stop,
	.set_autostart = net_set_autostart,
};
