/* shared_objtab.c: the shared object table (drivers/objtab.h): name and uuid
 * clashes with libvirt's messages, lookups, list order, the persistent/
 * transient/active rules of define, undefine, start, stop and autostart with
 * their events, pools refusing undefine while active, AFFECT flags, and
 * events delivered only after the lock is released. */
#include <string.h>
#include "tests/unit/drivers/shared_test.h"
#include "drivers/objops.h"

#define U1 "11111111-2222-4333-8444-555555555555"
#define U2 "11111111-2222-4333-8444-666666666666"

static void
test_clashes(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	g_autofree char *b_u1 = net_xml("b", U1), *a_u2 = net_xml("a", U2);
	g_autofree char *bad = net_xml("a/b", NULL), *ev = NULL;

	tx_define(tx, "a", U1);
	g_assert_cmpint(hv_objtab_define_xml(tx->nets, b_u1, NULL, &err), ==, -EEXIST);
	g_assert_cmpstr(err->message, ==, "network 'a' already exists with uuid " U1);
	g_clear_error(&err);
	g_assert_cmpint(hv_objtab_define_xml(tx->nets, a_u2, NULL, &err), ==, -EEXIST);
	g_assert_cmpstr(err->message, ==, "network 'a' already exists with uuid " U1);
	g_clear_error(&err);
	tx_check(hv_objtab_define_xml(tx->nets, bad, NULL, &err), -EINVAL, &err);
	tx_define(tx, "a", NULL); /* keeps its uuid */
	tx_define(tx, "a", U1);
	g_assert_cmpstr(tx_entry(tx, "a")->uuid, ==, U1);
	g_assert_cmpstr(tx_entry(tx, "a")->def.network->uuid, ==, U1);
	ev = tx_events(tx);
	g_assert_cmpstr(ev, ==, "a defined added\na defined updated\na defined updated\n");
	g_assert_cmpuint(tx->changes, ==, 3);
}

static void
test_lookups(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(HvNetworkInfo) info = NULL;
	HvEntry *o;

	tx_define(tx, "zeta", NULL);
	tx_define(tx, "alpha", U1);
	hv_core_lock(&tx->core);
	g_assert_null(hv_objtab_find(tx->nets, "nope", &err));
	g_assert_cmpstr(err->message, ==, "network 'nope' not found");
	o = hv_objtab_lookup_uuid(tx->nets, U1);
	g_assert_cmpstr(o->name, ==, "alpha");
	g_assert_cmpuint(hv_objtab_count(tx->nets), ==, 2);
	hv_core_unlock(&tx->core);
	g_clear_error(&err);
	tx_check(hv_objtab_get_info(tx->nets, "nope", (void **)&info, &err), -ENOENT, &err);
	g_assert_cmpint(hv_objtab_get_info(tx->nets, "alpha", (void **)&info, &err), ==, 0);
	g_assert_true(info->persistent);
	g_assert_false(info->active);
	g_assert_cmpint(hv_objtab_list(tx->nets, &list, &err), ==, 0);
	g_assert_cmpuint(list->len, ==, 2); /* in the order they came */
	g_assert_cmpstr(((HvNetworkInfo *)list->pdata[0])->name, ==, "zeta");
	tx->nets->sorted = true;
	g_clear_pointer(&list, g_ptr_array_unref);
	g_assert_cmpint(hv_objtab_list(tx->nets, &list, &err), ==, 0);
	g_assert_cmpstr(((HvNetworkInfo *)list->pdata[0])->name, ==, "alpha");
}

static char *
xml_of(Tx *tx, const char *name, unsigned flags)
{
	g_autoptr(GError) err = NULL;
	char *xml = NULL;

	g_assert_cmpint(hv_objtab_get_xml(tx->nets, name, flags, &xml, &err), ==, 0);
	return xml;
}

/* Redefining an active object keeps the new definition pending until it stops. */
static void
test_define_active(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	g_autofree char *doc = g_strdup("<network><name>a</name><bridge name='br7'/></network>");
	g_autofree char *live = NULL, *conf = NULL, *after = NULL, *ev = NULL;

	tx_define(tx, "a", NULL);
	g_assert_cmpint(hv_objtab_run(tx->nets, "a", HV_VERB_START, NULL, &err), ==, 0);
	g_assert_cmpint(hv_objtab_define_xml(tx->nets, doc, NULL, &err), ==, 0);
	live = xml_of(tx, "a", 0);
	conf = xml_of(tx, "a", HV_XML_INACTIVE);
	g_assert_null(strstr(live, "br7"));
	g_assert_nonnull(strstr(conf, "br7"));
	g_assert_nonnull(tx_entry(tx, "a")->newdef.any);
	g_assert_cmpint(hv_objtab_run(tx->nets, "a", HV_VERB_STOP, NULL, &err), ==, 0);
	after = xml_of(tx, "a", 0);
	g_assert_nonnull(strstr(after, "br7"));
	g_assert_null(tx_entry(tx, "a")->newdef.any);
	ev = tx_events(tx);
	g_assert_cmpstr(ev, ==, "a defined added\na started -\na defined updated\na stopped -\n");
}

/* libvirt's undefine rules and the order of the autostart event. */
static void
test_undefine(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	g_autofree char *ev1 = NULL, *ev2 = NULL;

	tx_define(tx, "gone", NULL);
	tx_define(tx, "stays", NULL);
	g_assert_cmpint(hv_objtab_set_autostart(tx->nets, "gone", true, &err), ==, 0);
	g_assert_cmpint(hv_objtab_set_autostart(tx->nets, "stays", true, &err), ==, 0);
	g_assert_cmpint(hv_objtab_run(tx->nets, "stays", HV_VERB_START, NULL, &err), ==, 0);
	g_free(tx_events(tx));
	g_assert_cmpint(hv_objtab_undefine(tx->nets, "gone", &err), ==, 0);
	g_assert_null(tx_entry(tx, "gone"));
	g_assert_cmpint(hv_objtab_undefine(tx->nets, "stays", &err), ==, 0);
	g_assert_nonnull(tx_entry(tx, "stays"));
	g_assert_false(tx_entry(tx, "stays")->persistent);
	g_assert_false(tx_entry(tx, "stays")->autostart);
	ev1 = tx_events(tx);
	g_assert_cmpstr(ev1, ==, "gone autostart-changed 0\ngone undefined removed\n"
				 "stays undefined removed\nstays autostart-changed 0\n");
	g_assert_cmpint(hv_objtab_undefine(tx->nets, "stays", &err), ==, -EBUSY);
	g_assert_cmpstr(err->message, ==, "cannot undefine transient network 'stays'");
	g_clear_error(&err);
	tx_check(hv_objtab_set_autostart(tx->nets, "stays", true, &err), -EBUSY, &err);
	tx_check(hv_objtab_undefine(tx->nets, "nope", &err), -ENOENT, &err);
	/* stopping a transient object removes it */
	g_assert_cmpint(hv_objtab_run(tx->nets, "stays", HV_VERB_STOP, NULL, &err), ==, 0);
	g_assert_null(tx_entry(tx, "stays"));
	ev2 = tx_events(tx);
	g_assert_cmpstr(ev2, ==, "stays stopped -\nstays undefined removed\n");
}

static void
test_autostart_and_verbs(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	g_autofree char *ev = NULL;

	tx_define(tx, "a", NULL);
	tx->changes = 0;
	g_assert_cmpint(hv_objtab_set_autostart(tx->nets, "a", false, &err), ==, 0);
	g_assert_cmpuint(tx->changes, ==, 0); /* the value it had: nothing happens */
	g_assert_cmpint(hv_objtab_set_autostart(tx->nets, "a", true, &err), ==, 0);
	g_assert_cmpuint(tx->changes, ==, 1);
	g_assert_cmpint(hv_objtab_run(tx->nets, "a", HV_VERB_STOP, NULL, &err), ==, -EBUSY);
	g_assert_cmpstr(err->message, ==, "cannot stop network 'a': network is not active");
	g_clear_error(&err);
	g_assert_cmpint(hv_objtab_run(tx->nets, "a", HV_VERB_START, NULL, &err), ==, 0);
	tx_check(hv_objtab_run(tx->nets, "a", HV_VERB_START, NULL, &err), -EBUSY, &err);
	tx_check(hv_objtab_run(tx->nets, "a", HV_VERB_REBOOT, NULL, &err), -ENOTSUP, &err);
	tx_check(hv_objtab_run(tx->nets, "b", HV_VERB_START, NULL, &err), -ENOENT, &err);
	ev = tx_events(tx);
	g_assert_cmpstr(ev, ==, "a defined added\na autostart-changed 1\na started -\n");
}

static void *
pool_info(HvObjTab *t, HvEntry *o)
{
	HvPoolInfo *i = g_new0(HvPoolInfo, 1);

	i->name = g_strdup(o->name);
	return i;
}

static const HvObjClass pool_class = {
	.defs = &hv_pool_defs,
	.info = pool_info,
	.info_free = (GDestroyNotify)hv_pool_info_free,
};

/* libvirt refuses to undefine an active pool (no transient pools). */
static void
test_pool_undefine_refused(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(HvObjTab) pools = hv_objtab_new(&(HvObjTabConfig){ .cls = &pool_class,
								     .core = &tx->core });
	g_autoptr(GError) err = NULL;
	const char *doc = "<pool type='dir'><name>p</name><target><path>/p</path></target></pool>";

	g_assert_cmpint(hv_objtab_define_xml(pools, doc, NULL, &err), ==, 0);
	hv_core_lock(&tx->core);
	hv_entry_started(hv_objtab_lookup(pools, "p"));
	hv_core_unlock(&tx->core);
	g_assert_cmpint(hv_objtab_undefine(pools, "p", &err), ==, -EBUSY);
	g_assert_cmpstr(err->message, ==,
			"cannot undefine storage pool 'p': storage pool is still active");
}

/* libvirt's AFFECT flags over the live and persistent definitions. */
static void
test_affect(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autoptr(GError) err = NULL;
	void *t[2];
	HvEntry *o;

	tx_define(tx, "a", NULL);
	hv_core_lock(&tx->core);
	o = hv_objtab_lookup(tx->nets, "a");
	g_assert_cmpint(hv_entry_affect(o, HV_AFFECT_CURRENT, "bridge", t, &err), ==, 0);
	g_assert_true(t[0] == o->def.any && !t[1]);
	g_assert_cmpint(hv_entry_affect(o, HV_AFFECT_LIVE, "bridge", t, &err), ==, -EBUSY);
	g_assert_cmpstr(err->message, ==,
			"cannot change the live bridge of network 'a': network is not running");
	g_clear_error(&err);
	hv_entry_started(o);
	g_assert_cmpint(hv_entry_affect(o, HV_AFFECT_LIVE | HV_AFFECT_CONFIG, "bridge", t, &err), ==,
			0);
	g_assert_true(t[0] == o->def.any && !t[1] && !o->newdef.any); /* shared: one change */
	g_assert_cmpint(hv_entry_affect(o, HV_AFFECT_CONFIG, "bridge", t, &err), ==, 0);
	g_assert_true(o->newdef.any && t[0] == o->newdef.any && !t[1]); /* copied first */
	g_assert_cmpint(hv_entry_affect(o, HV_AFFECT_LIVE | HV_AFFECT_CONFIG, "bridge", t, &err), ==,
			0);
	g_assert_true(t[0] == o->def.any && t[1] == o->newdef.any);
	o->persistent = false;
	g_assert_cmpint(hv_entry_affect(o, HV_AFFECT_CONFIG, "bridge", t, &err), ==, -EBUSY);
	hv_core_unlock(&tx->core);
}

/* Events wait for the lock to be released, and keep their order. */
static void
test_events_after_unlock(void)
{
	g_autoptr(Tx) tx = tx_new(NULL);
	g_autofree char *ev = NULL;

	tx_define(tx, "a", NULL);
	g_free(tx_events(tx));
	hv_core_lock(&tx->core);
	hv_entry_emit(hv_objtab_lookup(tx->nets, "a"), "one", NULL);
	hv_entry_emit_u64(hv_objtab_lookup(tx->nets, "a"), "two", 2);
	g_assert_cmpuint(tx->events->len, ==, 0);
	hv_core_flush(&tx->core);
	g_assert_cmpuint(tx->events->len, ==, 2);
	hv_entry_emit(hv_objtab_lookup(tx->nets, "a"), "three", "x");
	hv_core_unlock(&tx->core);
	ev = tx_events(tx);
	g_assert_cmpstr(ev, ==, "a one -\na two 2\na three x\n");
}

void
objtab_tests_register(void)
{
	g_test_add_func("/drivers/objtab/clashes", test_clashes);
	g_test_add_func("/drivers/objtab/lookups", test_lookups);
	g_test_add_func("/drivers/objtab/define-active", test_define_active);
	g_test_add_func("/drivers/objtab/undefine", test_undefine);
	g_test_add_func("/drivers/objtab/autostart-and-verbs", test_autostart_and_verbs);
	g_test_add_func("/drivers/objtab/pool-undefine-refused", test_pool_undefine_refused);
	g_test_add_func("/drivers/objtab/affect", test_affect);
	g_test_add_func("/drivers/objtab/events-after-unlock", test_events_after_unlock);
}
