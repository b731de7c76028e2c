/* files.c: small file-system helpers (files.h). */
#include <glib.h>
#include <unistd.h>
#include "util/files.h"

void
hv_remove_flat_dir(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *f;

	while (d && (f = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, f, NULL);

		unlink(path);
	}
	rmdir(dir);
}
