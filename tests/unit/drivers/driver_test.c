/* driver_test.c: the test driver's unit test program (meson test driver-test):
 * the shared fixture (connection, event recorder, temporary files) and main. */
#include <glib/gstdio.h>
#include "tests/unit/drivers/driver_test.h"

static const char *const kinds[] = { "node", "domain", "network", "pool", "volume" };
static char *tmpdir;

static void
record(HvConn *c, const HvEvent *ev, void *opaque)
{
	Fx *fx = opaque;
	char *line;

	if (ev->parent)
		line = g_strdup_printf("%s %s/%s %s %s", kinds[ev->kind], ev->parent, ev->name,
				       ev->event, ev->detail);
	else
		line = g_strdup_printf("%s %s %s %s", kinds[ev->kind], ev->name, ev->event,
				       ev->detail);
	g_mutex_lock(&fx->lock);
	g_ptr_array_add(fx->events, line);
	g_cond_broadcast(&fx->cond);
	g_mutex_unlock(&fx->lock);
}

Fx *
fx_open(const char *uri)
{
	g_autoptr(GError) err = NULL;
	Fx *fx = g_new0(Fx, 1);

	g_mutex_init(&fx->lock);
	g_cond_init(&fx->cond);
	fx->events = g_ptr_array_new_with_free_func(g_free);
	fx->c = hv_conn_open(uri, false, &err);
	g_assert_no_error(err);
	g_assert_nonnull(fx->c);
	hv_conn_set_event_cb(fx->c, record, fx);
	return fx;
}

void
fx_close(Fx *fx)
{
	if (!fx)
		return;
	hv_conn_close(fx->c);
	g_ptr_array_unref(fx->events);
	g_mutex_clear(&fx->lock);
	g_cond_clear(&fx->cond);
	g_free(fx);
}

char *
fx_take_events(Fx *fx)
{
	GString *s = g_string_new(NULL);

	g_mutex_lock(&fx->lock);
	for (guint i = 0; i < fx->events->len; i++)
		g_string_append_printf(s, "%s\n", (char *)fx->events->pdata[i]);
	g_ptr_array_set_size(fx->events, 0);
	g_mutex_unlock(&fx->lock);
	return g_string_free(s, FALSE);
}

bool
fx_wait_event(Fx *fx, const char *line, unsigned timeout_ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	bool found = false;

	g_mutex_lock(&fx->lock);
	while (!found) {
		for (guint i = 0; i < fx->events->len && !found; i++)
			found = g_str_equal(fx->events->pdata[i], line);
		if (!found && !g_cond_wait_until(&fx->cond, &fx->lock, end))
			break;
	}
	g_mutex_unlock(&fx->lock);
	return found;
}

const char *
fx_tmpdir(void)
{
	g_autoptr(GError) err = NULL;

	if (!tmpdir) {
		tmpdir = g_dir_make_tmp("hv-driver-test-XXXXXX", &err);
		g_assert_no_error(err);
	}
	return tmpdir;
}

char *
fx_write_file(const char *name, const char *text)
{
	g_autoptr(GError) err = NULL;
	char *path = g_build_filename(fx_tmpdir(), name, NULL);

	g_file_set_contents(path, text, -1, &err);
	g_assert_no_error(err);
	return path;
}

static void
rm_tmpdir(void)
{
	g_autoptr(GDir) d = NULL;
	const char *n;

	if (!tmpdir || !(d = g_dir_open(tmpdir, 0, NULL)))
		return;
	while ((n = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(tmpdir, n, NULL);

		g_unlink(p);
	}
	g_rmdir(tmpdir);
	g_clear_pointer(&tmpdir, g_free);
}

HvDomainState
fx_dom_state(Fx *fx, const char *name)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(HvDomainInfo) info = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, get_info, HV_READS, &err, name, &info), ==, 0);
	return info->state;
}

void
fx_check(int r, int expect, GError **err)
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
	fsm_tests_register();
	domain_tests_register();
	network_tests_register();
	storage_tests_register();
	node_tests_register();
	job_tests_register();
	r = g_test_run();
	rm_tmpdir();
	return r;
}
