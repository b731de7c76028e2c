/* shared_objstore.c: definitions kept in a folder (drivers/objstore.h):
 * a crash between writing and renaming leaves the old file, temporaries are
 * never loaded and are removed at open, markers; and a table that persists
 * its defines, undefines, autostart and run markers, then loads them again. */
#include <string.h>
#include <glib/gstdio.h>
#include "tests/unit/drivers/shared_test.h"

static char *
fresh_dir(const char *name)
{
	char *dir = g_build_filename(tx_tmpdir(), name, NULL);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	return dir;
}

static char *
read_text(const char *dir, const char *file)
{
	g_autofree char *path = g_build_filename(dir, file, NULL);
	char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	return text;
}

static int
count_each(const char *name, const char *xml, size_t len, void *data)
{
	g_ptr_array_add(data, g_strdup(name));
	return 0;
}

static guint
temporaries(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *f;
	guint n = 0;

	while (d && (f = g_dir_read_name(d)))
		n += g_str_has_prefix(f, ".tmp-");
	return n;
}

/* The write that a crash interrupts before its rename changes nothing. */
static void
test_crash_before_rename(void)
{
	g_autofree char *dir = fresh_dir("crash");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvStore) s = hv_store_open(dir, NULL, &err);
	g_autoptr(HvStore) again = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *tmp = NULL, *old = NULL, *now = NULL;

	g_assert_no_error(err);
	g_assert_cmpint(hv_store_write(s, "a", "<one/>", &err), ==, 0);
	g_assert_cmpint(hv_store_write_temp(s, "<two/>", 6, &tmp, &err), ==, 0);
	/* ... and here the process dies: no commit */
	old = read_text(dir, "a.xml");
	g_assert_cmpstr(old, ==, "<one/>");
	g_assert_cmpuint(temporaries(dir), ==, 1);
	hv_store_each(s, count_each, names);
	g_assert_cmpuint(names->len, ==, 1); /* the temporary is never loaded */
	again = hv_store_open(dir, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(temporaries(dir), ==, 0); /* cleaned at open */
	g_clear_pointer(&tmp, g_free);
	g_assert_cmpint(hv_store_write_temp(again, "<two/>", 6, &tmp, &err), ==, 0);
	g_assert_cmpint(hv_store_commit(again, tmp, "a", &err), ==, 0);
	now = read_text(dir, "a.xml");
	g_assert_cmpstr(now, ==, "<two/>");
	g_assert_cmpuint(temporaries(dir), ==, 0);
}

static void
test_markers(void)
{
	g_autofree char *dir = fresh_dir("markers");
	g_autofree char *run = g_build_filename(dir, "run", NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(HvStore) s = hv_store_open(dir, run, &err);
	g_autofree char *live = NULL;

	g_assert_no_error(err);
	g_assert_false(hv_store_autostart(s, "a"));
	g_assert_cmpint(hv_store_set_autostart(s, "a", true, &err), ==, 0);
	g_assert_true(hv_store_autostart(s, "a"));
	g_assert_cmpint(hv_store_set_running(s, "a", true, &err), ==, 0);
	g_assert_cmpint(hv_store_write_live(s, "a", "<live/>", &err), ==, 0);
	g_assert_true(hv_store_running(s, "a"));
	live = hv_store_read_live(s, "a", NULL, &err);
	g_assert_cmpstr(live, ==, "<live/>");
	{
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

		hv_store_each_live(s, count_each, names);
		g_assert_cmpuint(names->len, ==, 1);
		g_assert_cmpstr(names->pdata[0], ==, "a");
	}
	g_assert_cmpint(hv_store_set_running(s, "a", false, &err), ==, 0);
	g_assert_false(hv_store_running(s, "a"));
	g_assert_null(hv_store_read_live(s, "a", NULL, &err));
	g_assert_cmpint(hv_error_errno(err), ==, -ENOENT);
	g_clear_error(&err);
	g_assert_cmpint(hv_store_write(s, "a", "<a/>", &err), ==, 0);
	g_assert_cmpint(hv_store_remove(s, "a", &err), ==, 0);
	g_assert_false(hv_store_autostart(s, "a"));
	g_assert_null(hv_store_read(s, "a", NULL, NULL));
	g_assert_cmpint(hv_store_remove(s, "never", &err), ==, 0); /* missing is fine */
}

typedef struct {
	guint seen;
	guint was_active;
} Loaded;

static void
on_loaded(HvObjTab *t, HvEntry *o, bool was_active, void *data)
{
	Loaded *l = data;

	l->seen++;
	l->was_active += was_active;
}

/* A table with a store: what it defines survives into the next table. */
static void
test_table_persists(void)
{
	g_autofree char *dir = fresh_dir("table");
	g_autoptr(GError) err = NULL;
	g_autoptr(Tx) next = NULL;
	g_autofree char *text = NULL;
	g_autofree char *x_path = g_build_filename(dir, "x.xml", NULL);
	g_autofree char *z_path = g_build_filename(dir, "z.xml", NULL);
	Loaded l = { 0 };
	HvEntry *o;

	{
		g_autoptr(Tx) tx = tx_new(dir);

		tx_define(tx, "a", NULL);
		tx_define(tx, "b", NULL);
		tx_define(tx, "c", NULL);
		g_assert_cmpint(hv_objtab_set_autostart(tx->nets, "a", true, &err), ==, 0);
		g_assert_cmpint(hv_objtab_run(tx->nets, "a", HV_VERB_START, NULL, &err), ==, 0);
		g_assert_cmpint(hv_objtab_undefine(tx->nets, "b", &err), ==, 0);
		g_assert_cmpint(hv_objtab_run(tx->nets, "c", HV_VERB_START, NULL, &err), ==, 0);
		g_assert_cmpint(hv_objtab_undefine(tx->nets, "c", &err), ==, 0); /* transient */
	}
	text = read_text(dir, "a.xml");
	g_assert_nonnull(strstr(text, "<name>a</name>"));
	g_assert_null(read_text(dir, "b.xml"));
	g_assert_null(read_text(dir, "c.xml"));
	g_assert_true(g_file_set_contents(x_path, "<network><name>y</name></network>", -1, NULL));
	g_assert_true(g_file_set_contents(z_path, "garbage", -1, NULL));
	next = tx_new(dir);
	g_assert_cmpint(hv_objtab_load(next->nets, on_loaded, &l, &err), ==, 1);
	g_assert_cmpuint(l.seen, ==, 1);
	g_assert_cmpuint(l.was_active, ==, 1); /* a's run marker */
	o = tx_entry(next, "a");
	g_assert_true(o && o->persistent && o->autostart && !o->active);
	g_assert_null(tx_entry(next, "y")); /* its file has another name */
	{
		g_autoptr(GPtrArray) names = hv_objtab_autostart_names(next->nets);

		g_assert_cmpuint(names->len, ==, 1);
		g_assert_cmpstr(names->pdata[0], ==, "a");
	}
}

/* Live state back at open: RUN/NAME.xml makes its object active on that
 * definition, the stored one pending; one without a stored definition comes
 * back transient; a live document naming another object is skipped. */
static void
test_load_live(void)
{
	g_autofree char *dir = fresh_dir("live");
	g_autoptr(GError) err = NULL;
	g_autoptr(Tx) tx = NULL;
	Loaded l = { 0 };
	HvStore *store;
	HvEntry *a, *t;

	{
		g_autoptr(Tx) first = tx_new(dir);

		tx_define(first, "a", NULL);
	}
	tx = tx_new(dir);
	store = tx->nets->store;
	g_assert_cmpint(hv_store_write_live(store, "a", "<network><name>a</name>"
					    "<bridge name='live0'/></network>", &err), ==, 0);
	g_assert_cmpint(hv_store_write_live(store, "t", "<network><name>t</name></network>", &err),
			==, 0);
	g_assert_cmpint(hv_store_write_live(store, "u", "<network><name>v</name></network>", &err),
			==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(hv_objtab_load(tx->nets, NULL, NULL, &err), ==, 1);
	g_assert_cmpint(hv_objtab_load_live(tx->nets, on_loaded, &l), ==, 2);
	g_assert_cmpuint(l.seen, ==, 2);
	g_assert_cmpuint(l.was_active, ==, 2);
	a = tx_entry(tx, "a");
	t = tx_entry(tx, "t");
	g_assert_true(a && a->active && a->persistent && a->newdef.any);
	g_assert_cmpstr(a->def.network->bridge, ==, "live0");
	g_assert_true(t && t->active && !t->persistent && !t->newdef.any);
	g_assert_null(tx_entry(tx, "u"));
	g_assert_null(tx_entry(tx, "v"));
	/* stopping: the stored definition is back; the transient one goes */
	hv_core_lock(&tx->core);
	g_assert_true(hv_entry_stopped(a));
	g_assert_false(hv_entry_stopped(t));
	hv_core_unlock(&tx->core);
	g_assert_null(tx_entry(tx, "a")->def.network->bridge);
	g_assert_null(tx_entry(tx, "t"));
}

void
objstore_tests_register(void)
{
	g_test_add_func("/drivers/objstore/crash-before-rename", test_crash_before_rename);
	g_test_add_func("/drivers/objstore/markers", test_markers);
	g_test_add_func("/drivers/objstore/table-persists", test_table_persists);
	g_test_add_func("/drivers/objstore/load-live", test_load_live);
}
