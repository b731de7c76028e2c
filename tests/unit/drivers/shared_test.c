/* shared_test.c: the shared driver plumbing's unit test program (meson test
 * drivers-shared): the fixture (a network table over a bare connection that
 * records events, temporary folders) and main. */
#include <string.h>
#include <glib/gstdio.h>
#include "drivers/conn.h"
#include "tests/unit/drivers/shared_test.h"

static char *tmpdir;

static void
record(HvConn *c, const HvEvent *ev, void *opaque)
{
	Tx *tx = opaque;

	g_ptr_array_add(tx->events, g_strdup_printf("%s %s %s", ev->name, ev->event, ev->detail));
}

static void *
info_new(HvObjTab *t, HvEntry *o)
{
	HvNetworkInfo *i = g_new0(HvNetworkInfo, 1);

	i->name = g_strdup(o->name);
	memcpy(i->uuid, o->uuid, HV_UUID_STRLEN);
	i->active = o->active;
	i->persistent = o->persistent;
	i->autostart = o->autostart;
	return i;
}

static void
changed(HvObjTab *t, HvEntry *o)
{
	((Tx *)t->opaque)->changes++;
}

static int
act(HvObjTab *t, HvEntry *o, HvJob *job, int start, void *arg, GError **err)
{
	hv_entry_emit(o, start ? "started" : "stopped", "-");
	if (start)
		hv_entry_started(o);
	else
		hv_entry_stopped(o);
	return 0;
}

static const HvObjVerb verbs[HV_VERB_LAST] = {
	[HV_VERB_START] = { "start", { .cls = HV_JOB_MODIFY }, HV_WHEN_INACTIVE,
			    "network is already active", act, 1 },
	[HV_VERB_STOP] = { "stop", { .cls = HV_JOB_MODIFY }, HV_WHEN_ACTIVE,
			   "network is not active", act, 0 },
};

static const HvObjClass net_class = {
	.defs = &hv_network_defs,
	.verbs = verbs,
	.info = info_new,
	.info_free = (GDestroyNotify)hv_network_info_free,
	.changed = changed,
};

Tx *
tx_new(const char *store_dir)
{
	g_autoptr(GError) err = NULL;
	Tx *tx = g_new0(Tx, 1);
	HvStore *store = NULL;

	tx->events = g_ptr_array_new_with_free_func(g_free);
	hv_conn_set_event_cb(&tx->conn, record, tx);
	hv_core_init(&tx->core, &tx->conn);
	if (store_dir) {
		g_autofree char *run = g_build_filename(store_dir, "run", NULL);

		store = hv_store_open(store_dir, run, &err);
		g_assert_no_error(err);
	}
	tx->nets = hv_objtab_new(&(HvObjTabConfig){ .cls = &net_class, .core = &tx->core,
						    .opaque = tx, .store = store,
						    .run_markers = store != NULL });
	return tx;
}

void
tx_free(Tx *tx)
{
	if (!tx)
		return;
	hv_objtab_free(tx->nets);
	hv_core_clear(&tx->core);
	g_ptr_array_unref(tx->events);
	g_free(tx);
}

char *
tx_events(Tx *tx)
{
	GString *s = g_string_new(NULL);

	g_mutex_lock(&tx->core.emit);
	for (guint i = 0; i < tx->events->len; i++)
		g_string_append_printf(s, "%s\n", (char *)tx->events->pdata[i]);
	g_ptr_array_set_size(tx->events, 0);
	g_mutex_unlock(&tx->core.emit);
	return g_string_free(s, FALSE);
}

char *
net_xml(const char *name, const char *uuid)
{
	g_autofree char *u = uuid ? g_strdup_printf("<uuid>%s</uuid>", uuid) : g_strdup("");

	return g_strdup_printf("<network><name>%s</name>%s</network>", name, u);
}

void
tx_define(Tx *tx, const char *name, const char *uuid)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *xml = net_xml(name, uuid);

	g_assert_cmpint(hv_objtab_define_xml(tx->nets, xml, NULL, &err), ==, 0);
	g_assert_no_error(err);
}

HvEntry *
tx_entry(Tx *tx, const char *name)
{
	HvEntry *o;

	hv_core_lock(&tx->core);
	o = hv_objtab_lookup(tx->nets, name);
	hv_core_unlock(&tx->core);
	return o;
}

const char *
tx_tmpdir(void)
{
	g_autoptr(GError) err = NULL;

	if (!tmpdir) {
		tmpdir = g_dir_make_tmp("hv-shared-test-XXXXXX", &err);
		g_assert_no_error(err);
	}
	return tmpdir;
}

static void
rm_rf(const char *path)
{
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(path, n, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			rm_rf(p);
		else
			g_unlink(p);
	}
	g_rmdir(path);
}

void
tx_check(int r, int expect, GError **err)
{
	if (expect < 0) {
		g_assert_nonnull(*err);
		g_assert_cmpint(hv_error_errno(*err), ==, expect);
		g_test_message("expected error: %s", (*err)->message);
	} else if (*err) {
		g_test_message("unexpected error: %s", (*err)->message);
	}
	g_assert_cmpint(r, ==, expect);
	g_clear_error(err);
}

int
main(int argc, char **argv)
{
	int r;

	g_test_init(&argc, &argv, NULL);
	objtab_tests_register();
	objstore_tests_register();
	job_tests_register();
	r = g_test_run();
	if (tmpdir)
		rm_rf(tmpdir);
	g_free(tmpdir);
	return r;
}
