/* objstore.c: definitions in a folder (objstore.h): atomic writes through a
 * synced temporary file and a rename (the run folder's unsynced: it does not
 * outlive a reboot), autostart and run markers, reading back at open, and the
 * clean-up of temporaries a crash left behind. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "drivers/objstore.h"

#define TMP_PREFIX ".tmp-"

struct HvStore {
	char *dir;
	char *auto_dir;
	char *run_dir;
};

static void
remove_temporaries(const char *dir)
{
	g_autoptr(GDir) d = dir ? g_dir_open(dir, 0, NULL) : NULL;
	const char *f;

	while (d && (f = g_dir_read_name(d))) {
		g_autofree char *path = NULL;

		if (!g_str_has_prefix(f, TMP_PREFIX))
			continue;
		path = g_build_filename(dir, f, NULL);
		g_unlink(path);
	}
}

HvStore *
hv_store_open(const char *dir, const char *run_dir, GError **err)
{
	g_autoptr(HvStore) s = g_new0(HvStore, 1);
	const char *dirs[3];

	s->dir = g_strdup(dir);
	s->auto_dir = g_build_filename(dir, "autostart", NULL);
	s->run_dir = g_strdup(run_dir);
	dirs[0] = s->dir;
	dirs[1] = s->auto_dir;
	dirs[2] = s->run_dir;
	for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++)
		if (dirs[i] && g_mkdir_with_parents(dirs[i], 0700) < 0) {
			hv_error_set(err, errno, "cannot create folder '%s': %s", dirs[i],
				     g_strerror(errno));
			return NULL;
		}
	remove_temporaries(s->dir);
	remove_temporaries(s->run_dir);
	return g_steal_pointer(&s);
}

void
hv_store_free(HvStore *s)
{
	if (!s)
		return;
	g_free(s->dir);
	g_free(s->auto_dir);
	g_free(s->run_dir);
	g_free(s);
}

const char *
hv_store_dir(const HvStore *s)
{
	return s->dir;
}

const char *
hv_store_run_dir(const HvStore *s)
{
	return s->run_dir;
}

static int
sync_dir(const char *dir, GError **err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0 || fsync(fd) < 0)
		r = hv_error_set(err, errno, "cannot sync folder '%s': %s", dir, g_strerror(errno));
	if (fd >= 0)
		close(fd);
	return r;
}

static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The temporary file goes in folder (so the rename stays within it). */
static int
temp_in(const char *folder, const char *data, size_t len, bool durable, char **tmp,
	GError **err)
{
	g_autofree char *path = g_build_filename(folder, TMP_PREFIX "XXXXXX", NULL);
	int fd = g_mkstemp_full(path, O_WRONLY | O_CLOEXEC, 0600);
	int r;

	if (fd < 0)
		return hv_error_set(err, errno, "cannot create a file in '%s': %s", folder,
				    g_strerror(errno));
	r = write_all(fd, data, len);
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		g_unlink(path);
		return hv_error_set(err, -r, "cannot write '%s': %s", path, g_strerror(-r));
	}
	*tmp = g_steal_pointer(&path);
	return 0;
}

static int
commit_to(const char *folder, const char *tmp, const char *file, bool durable, GError **err)
{
	g_autofree char *path = g_build_filename(folder, file, NULL);

	if (g_rename(tmp, path) < 0) {
		int e = errno;

		g_unlink(tmp);
		return hv_error_set(err, e, "cannot save '%s': %s", path, g_strerror(e));
	}
	return durable ? sync_dir(folder, err) : 0;
}

/* A temporary file renamed over file: whole or not at all. durable: synced
 * (the definitions on disk); else not (the run folder's, gone at a reboot
 * anyway: a crash of the process alone loses nothing the kernel has). */
static int
write_atomic(const char *folder, const char *file, const char *data, bool durable,
	     GError **err)
{
	g_autofree char *tmp = NULL;
	int r;

	if ((r = temp_in(folder, data, strlen(data), durable, &tmp, err)) < 0)
		return r;
	return commit_to(folder, tmp, file, durable, err);
}

int
hv_store_write_temp(HvStore *s, const char *data, size_t len, char **tmp, GError **err)
{
	return temp_in(s->dir, data, len, true, tmp, err);
}

int
hv_store_commit(HvStore *s, const char *tmp, const char *name, GError **err)
{
	g_autofree char *file = g_strconcat(name, ".xml", NULL);

	return commit_to(s->dir, tmp, file, true, err);
}

int
hv_store_write(HvStore *s, const char *name, const char *xml, GError **err)
{
	g_autofree char *file = g_strconcat(name, ".xml", NULL);

	return write_atomic(s->dir, file, xml, true, err);
}

/* Removes folder/file; a missing file is fine. */
static int
unlink_in(const char *folder, const char *file, GError **err)
{
	g_autofree char *path = g_build_filename(folder, file, NULL);

	if (g_unlink(path) < 0 && errno != ENOENT)
		return hv_error_set(err, errno, "cannot remove '%s': %s", path, g_strerror(errno));
	return 0;
}

int
hv_store_remove(HvStore *s, const char *name, GError **err)
{
	g_autofree char *file = g_strconcat(name, ".xml", NULL);
	int r;

	if ((r = unlink_in(s->dir, file, err)) < 0)
		return r;
	if ((r = unlink_in(s->auto_dir, name, err)) < 0)
		return r;
	return sync_dir(s->dir, err);
}

static char *
read_in(const char *folder, const char *file, size_t *len, GError **err)
{
	g_autofree char *path = g_build_filename(folder, file, NULL);
	g_autoptr(GError) lerr = NULL;
	char *text = NULL;
	gsize n = 0;

	if (!g_file_get_contents(path, &text, &n, &lerr)) {
		hv_error_set(err, g_error_matches(lerr, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? ENOENT : EIO,
			     "cannot read '%s': %s", path, lerr->message);
		return NULL;
	}
	if (len)
		*len = n;
	return text;
}

char *
hv_store_read(HvStore *s, const char *name, size_t *len, GError **err)
{
	g_autofree char *file = g_strconcat(name, ".xml", NULL);

	return read_in(s->dir, file, len, err);
}

static int
each_in(const char *folder, HvStoreEach fn, void *data)
{
	g_autoptr(GDir) d = folder ? g_dir_open(folder, 0, NULL) : NULL;
	const char *f;
	int r = 0;

	while (r == 0 && d && (f = g_dir_read_name(d))) {
		g_autofree char *xml = NULL;
		g_autofree char *name = NULL;
		size_t len;

		if (f[0] == '.' || !g_str_has_suffix(f, ".xml") || strlen(f) <= 4)
			continue;
		name = g_strndup(f, strlen(f) - 4);
		if ((xml = read_in(folder, f, &len, NULL)))
			r = fn(name, xml, len, data);
	}
	return r;
}

int
hv_store_each(HvStore *s, HvStoreEach fn, void *data)
{
	return each_in(s->dir, fn, data);
}

int
hv_store_each_live(HvStore *s, HvStoreEach fn, void *data)
{
	return each_in(s->run_dir, fn, data);
}

/* An empty marker file in folder, on or off: durable (synced, for autostart
 * on disk), or not (a run marker: its folder is the run folder, gone at a
 * reboot anyway, so two fsyncs on every start would buy nothing). */
static int
set_marker(const char *folder, const char *name, bool on, bool durable, GError **err)
{
	g_autofree char *path = NULL;
	int fd;

	if (!on)
		return unlink_in(folder, name, err);
	if (durable)
		return write_atomic(folder, name, "", true, err);
	path = g_build_filename(folder, name, NULL);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return hv_error_set(err, errno, "cannot write '%s': %s", path, g_strerror(errno));
	close(fd);
	return 0;
}

static bool
has_marker(const char *folder, const char *name)
{
	g_autofree char *path = folder ? g_build_filename(folder, name, NULL) : NULL;

	return path && g_file_test(path, G_FILE_TEST_EXISTS);
}

int
hv_store_set_autostart(HvStore *s, const char *name, bool on, GError **err)
{
	return set_marker(s->auto_dir, name, on, true, err);
}

bool
hv_store_autostart(HvStore *s, const char *name)
{
	return has_marker(s->auto_dir, name);
}

int
hv_store_set_running(HvStore *s, const char *name, bool on, GError **err)
{
	g_autofree char *live = g_strconcat(name, ".xml", NULL);
	int r;

	if (!s->run_dir)
		return 0;
	if (on)
		return set_marker(s->run_dir, name, true, false, err);
	if ((r = unlink_in(s->run_dir, live, err)) < 0)
		return r;
	return set_marker(s->run_dir, name, false, false, err);
}

bool
hv_store_running(HvStore *s, const char *name)
{
	return has_marker(s->run_dir, name);
}

int
hv_store_write_live(HvStore *s, const char *name, const char *xml, GError **err)
{
	g_autofree char *file = g_strconcat(name, ".xml", NULL);

	if (!s->run_dir)
		return hv_error_set(err, ENOTSUP, "no run folder to keep the state of '%s' in",
				    name);
	return write_atomic(s->run_dir, file, xml, false, err);
}

char *
hv_store_read_live(HvStore *s, const char *name, size_t *len, GError **err)
{
	g_autofree char *file = g_strconcat(name, ".xml", NULL);

	if (!s->run_dir) {
		hv_error_set(err, ENOENT, "no run folder to read the state of '%s' from", name);
		return NULL;
	}
	return read_in(s->run_dir, file, len, err);
}
