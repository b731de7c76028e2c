/* qemu_conf.c: the qemu driver's folders: where definitions and runtime files
 * live for qemu:///system, qemu:///session and ?root=DIR (the only parameter),
 * their creation, the paths of runtime files and screenshots, and what /proc
 * says about a process (alive, CPU time). */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_conf.h"

static int
dirs_from_uri(QemuConn *qc, GError **err)
{
	HvConn *c = qc->conn;
	const char *path = g_uri_get_path(c->uri);
	const char *query = g_uri_get_query(c->uri);
	g_autoptr(GHashTable) kv = NULL;
	const char *root = NULL;
	GHashTableIter it;
	gpointer k, v;

	if (query && *query) {
		if (!(kv = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL)))
			return hv_error_set(err, EINVAL, "invalid query in URI '%s'", c->uri_str);
		g_hash_table_iter_init(&it, kv);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			if (!g_str_equal(k, "root"))
				return hv_error_set(err, EINVAL, "unknown parameter '%s' in URI '%s' "
						    "(known: root)", (char *)k, c->uri_str);
			root = v;
		}
	}
	if (g_uri_get_host(c->uri) && *g_uri_get_host(c->uri))
		return hv_error_set(err, ENOTSUP, "URI '%s' names a remote host: the qemu driver is "
				    "local only", c->uri_str);
	if (root && !g_path_is_absolute(root))
		return hv_error_set(err, EINVAL, "URI '%s': root '%s' is not an absolute path",
				    c->uri_str, root);
	if (g_strcmp0(path, "/system") == 0) {
		qc->lib_dir = root ? g_build_filename(root, "lib", NULL) : g_strdup("/var/lib/hyperfs/qemu");
		qc->run_dir = root ? g_build_filename(root, "run", NULL) : g_strdup("/run/hyperfs/qemu");
	} else if (g_strcmp0(path, "/session") == 0) {
		qc->lib_dir = root ? g_build_filename(root, "lib", NULL)
				   : g_build_filename(g_get_user_config_dir(), "hyperfs", "qemu", NULL);
		qc->run_dir = root ? g_build_filename(root, "run", NULL)
				   : g_build_filename(g_get_user_runtime_dir(), "hyperfs", "qemu", NULL);
	} else {
		return hv_error_set(err, EINVAL, "URI '%s' names no qemu node: use qemu:///system or "
				    "qemu:///session", c->uri_str);
	}
	return 0;
}

static int
make_dirs(QemuConn *qc, GError **err)
{
	g_autofree char *autostart = g_build_filename(qc->lib_dir, "autostart", NULL);
	const char *dirs[] = { qc->lib_dir, autostart, qc->run_dir };

	for (size_t k = 0; k < G_N_ELEMENTS(dirs); k++)
		if (g_mkdir_with_parents(dirs[k], 0700) < 0)
			return hv_error_set(err, errno, "cannot create folder '%s': %s", dirs[k],
					    g_strerror(errno));
	return 0;
}

int
qemu_conf_dirs(QemuConn *qc, GError **err)
{
	return dirs_from_uri(qc, err) < 0 || make_dirs(qc, err) < 0 ? -EINVAL : 0;
}

char *
qemu_run_path(QemuConn *qc, const char *name, const char *ext)
{
	return g_strdup_printf("%s/%s.%s", qc->run_dir, name, ext);
}

#define SCREENSHOT_SUFFIX ".XXXXXX"

static char *
screenshot_dir(QemuConn *qc)
{
	return g_build_filename(qc->run_dir, "screenshots", NULL);
}

int
qemu_screenshot_file(QemuConn *qc, const char *name, char **path, GError **err)
{
	g_autofree char *dir = screenshot_dir(qc);
	g_autofree char *tmpl = g_strdup_printf("%s/%s" SCREENSHOT_SUFFIX, dir, name);
	int fd;

	if (g_mkdir_with_parents(dir, 0700) < 0 || (fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC,
									 0600)) < 0)
		return hv_error_set(err, errno, "cannot take a screenshot of domain '%s': cannot "
				    "create a file in '%s': %s", name, dir, g_strerror(errno));
	close(fd);
	*path = g_steal_pointer(&tmpl);
	return 0;
}

/* NAME.XXXXXX and nothing longer: no other domain's file looks like that. */
void
qemu_screenshot_leftovers(QemuConn *qc, const char *name)
{
	g_autofree char *dir = screenshot_dir(qc);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	size_t len = strlen(name);
	const char *f;

	while (d && (f = g_dir_read_name(d))) {
		if (strncmp(f, name, len) == 0 && f[len] == '.' &&
		    strlen(f) == len + strlen(SCREENSHOT_SUFFIX)) {
			g_autofree char *p = g_build_filename(dir, f, NULL);

			unlink(p);
		}
	}
}

/* ---- what /proc says about a process */

/* Alive and not a zombie. */
bool
qemu_pid_alive(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *stat = NULL;
	const char *p;

	if (pid <= 0 || !g_file_get_contents(path, &stat, NULL, NULL))
		return false;
	if (!(p = strrchr(stat, ')')) || strlen(p) < 3)
		return false;
	return p[2] != 'Z' && p[2] != 'X';
}

uint64_t
qemu_process_cpu_ns(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);

	return pid > 0 ? qemu_proc_cpu_ns(path) : 0;
}

uint64_t
qemu_proc_cpu_ns(const char *path)
{
	g_autofree char *stat = NULL;
	g_auto(GStrv) f = NULL;
	const char *p;
	long hz = sysconf(_SC_CLK_TCK);

	if (!g_file_get_contents(path, &stat, NULL, NULL) || !(p = strrchr(stat, ')')))
		return 0;
	f = g_strsplit(p + 2, " ", 16); /* f[0] is field 3 (state); utime 14, stime 15 */
	if (g_strv_length(f) < 14 || hz <= 0)
		return 0;
	return (g_ascii_strtoull(f[11], NULL, 10) + g_ascii_strtoull(f[12], NULL, 10)) *
	       (1000000000ull / (uint64_t)hz);
}
