/* qemu_saveimg.c: save images (qemu_saveimg.h): the header that carries the
 * definition, and QEMU's migration stream out to a file and back in. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_saveimg.h"

#define MIGRATE_DEADLINE_US (300 * G_USEC_PER_SEC)

char *
qemu_managed_save_path(QemuConn *qc, const char *name)
{
	g_autofree char *file = g_strdup_printf("%s.save", name);

	return g_build_filename(qc->lib_dir, "save", file, NULL);
}

char *
qemu_saveimg_incoming(const char *path, uint64_t offset)
{
	g_autofree char *q = g_shell_quote(path);

	return g_strdup_printf("exec:tail -c +%" G_GUINT64_FORMAT " %s", offset + 1, q);
}

/* Polls query-migrate until it leaves the running states: 0 completed. */
static int
wait_migration(QemuMon *m, const char *name, const char *what, GError **err)
{
	int64_t deadline = g_get_monotonic_time() + MIGRATE_DEADLINE_US;

	for (;;) {
		g_autoptr(QJson) st = NULL;
		const char *s;
		int r = qemu_mon_command(m, "query-migrate", NULL, &st, err);

		if (r < 0)
			return r;
		s = qjson_get_str(st, "status");
		if (s && g_str_equal(s, "completed"))
			return 0;
		if (s && (g_str_equal(s, "failed") || g_str_equal(s, "cancelled"))) {
			const char *why = qjson_get_str(st, "error-desc");

			return hv_error_set(err, EIO, "domain '%s': %s %s%s%s", name, what, s,
					    why ? ": " : "", why ? why : "");
		}
		if (g_get_monotonic_time() > deadline)
			return hv_error_set(err, ETIMEDOUT, "domain '%s': %s did not end in %d s",
					    name, what, (int)(MIGRATE_DEADLINE_US / G_USEC_PER_SEC));
		g_usleep(20000);
	}
}

int
qemu_saveimg_migrate_out(QemuMon *m, const char *name, const char *path, GError **err)
{
	g_autofree char *q = g_shell_quote(path);
	g_autofree char *uri = g_strdup_printf("exec:cat >> %s", q);
	g_autoptr(GString) args = g_string_new("{\"uri\":");
	int r;

	qjson_append_str(args, uri);
	g_string_append_c(args, '}');
	if ((r = qemu_mon_command(m, "stop", NULL, NULL, err)) < 0 ||
	    (r = qemu_mon_command(m, "migrate", args->str, NULL, err)) < 0)
		return r;
	return wait_migration(m, name, "saving memory", err);
}

int
qemu_saveimg_wait_in(QemuMon *m, const char *name, GError **err)
{
	return wait_migration(m, name, "restoring memory", err);
}
