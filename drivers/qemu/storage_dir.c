/* storage_dir.c: the `dir` storage backend. A pool is a folder (its target
 * path), a volume a regular file in it. build makes the folder, delete removes
 * it when empty, scan lists its files with their format from qemu-img info;
 * volumes are created, resized and inspected with qemu-img (raw files with
 * ftruncate), sizes come from statvfs and st_blocks. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include "drivers/qemu/qemu_storage.h"
#include "drivers/qemu/qemu_json.h"
#include "util/names.h"

#define QEMU_IMG_OUT_MAX (1u << 20)

void
qemu_volume_free(QemuVolume *v)
{
	if (!v)
		return;
	g_free(v->name);
	g_free(v->path);
	g_free(v->format);
	g_free(v->backing);
	g_free(v->backing_format);
	g_free(v);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuVolume, qemu_volume_free)

/* Runs qemu-img with argv (NULL-terminated, without "qemu-img"); *out gets
 * its stdout when out is not NULL. A failure carries qemu-img's last line. */
static int
qemu_img(const char *const *args, char **out, const char *what, GError **err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree char *sout = NULL, *serr = NULL;
	g_autoptr(GError) lerr = NULL;
	int status;

	g_ptr_array_add(argv, "qemu-img");
	for (size_t k = 0; args[k]; k++)
		g_ptr_array_add(argv, (char *)args[k]);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
			  &sout, &serr, &status, &lerr))
		return hv_error_set(err, ENOENT, "cannot %s: cannot run qemu-img: %s", what,
				    lerr->message);
	if (!g_spawn_check_wait_status(status, NULL)) {
		g_strstrip(serr);
		return hv_error_set(err, EIO, "cannot %s: qemu-img failed: %s", what,
				    *serr ? serr : "(no message)");
	}
	if (out)
		*out = g_steal_pointer(&sout);
	return 0;
}

int
qemu_img_info(const char *path, QemuVolume *v, GError **err)
{
	const char *args[] = { "info", "-U", "--output=json", path, NULL };
	g_autofree char *what = g_strdup_printf("inspect '%s'", path);
	g_autofree char *out = NULL;
	g_autoptr(QJson) j = NULL;
	int64_t size = 0;
	int r;

	if ((r = qemu_img(args, &out, what, err)) < 0)
		return r;
	if (strlen(out) > QEMU_IMG_OUT_MAX || !(j = qjson_parse(out, strlen(out), err)))
		return hv_error_set(err, EIO, "cannot %s: unreadable qemu-img output", what);
	if (!qjson_get_str(j, "format") || !qjson_get_int(j, "virtual-size", &size) || size < 0)
		return hv_error_set(err, EIO, "cannot %s: qemu-img gave no format or size", what);
	g_free(v->format);
	v->format = g_strdup(qjson_get_str(j, "format"));
	v->capacity = (uint64_t)size;
	g_free(v->backing);
	v->backing = g_strdup(qjson_get_str(j, "full-backing-filename")
			      ? qjson_get_str(j, "full-backing-filename")
			      : qjson_get_str(j, "backing-filename"));
	g_free(v->backing_format);
	v->backing_format = g_strdup(qjson_get_str(j, "backing-filename-format"));
	return 0;
}

static const char *
target(const QemuPool *p)
{
	return p->def->target_path;
}

static int
dir_build(const QemuPool *p, GError **err)
{
	if (!target(p))
		return hv_error_set(err, EINVAL, "cannot build storage pool '%s': it has no "
				    "<target><path>", p->name);
	if (g_mkdir_with_parents(target(p), 0755) < 0)
		return hv_error_set(err, errno, "cannot build storage pool '%s': cannot create "
				    "folder '%s': %s", p->name, target(p), g_strerror(errno));
	return 0;
}

static int
dir_check(const QemuPool *p, GError **err)
{
	if (!target(p))
		return hv_error_set(err, EINVAL, "cannot start storage pool '%s': it has no "
				    "<target><path>", p->name);
	if (!g_file_test(target(p), G_FILE_TEST_IS_DIR))
		return hv_error_set(err, ENOENT, "cannot start storage pool '%s': folder '%s' does "
				    "not exist (write build to state first)", p->name, target(p));
	return 0;
}

static int
dir_delete(const QemuPool *p, GError **err)
{
	if (!target(p))
		return 0;
	if (rmdir(target(p)) < 0 && errno != ENOENT)
		return hv_error_set(err, errno, "cannot delete storage pool '%s': cannot remove "
				    "folder '%s': %s", p->name, target(p), g_strerror(errno));
	return 0;
}

/* One entry of the folder, or NULL (not a regular file, a name the tree can't
 * show, or a file qemu-img can't read). */
static QemuVolume *
scan_one(const QemuPool *p, const char *f)
{
	g_autoptr(QemuVolume) v = g_new0(QemuVolume, 1);
	struct stat st;

	if (hv_name_check("storage volume", f, NULL) < 0)
		return NULL;
	v->name = g_strdup(f);
	v->path = g_build_filename(target(p), f, NULL);
	if (lstat(v->path, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	if (qemu_img_info(v->path, v, NULL) < 0)
		return NULL;
	return g_steal_pointer(&v);
}

static int
dir_scan(const QemuPool *p, GHashTable *out, GError **err)
{
	g_autoptr(GError) lerr = NULL;
	g_autoptr(GDir) dir = g_dir_open(target(p), 0, &lerr);
	const char *f;

	if (!dir)
		return hv_error_set(err, ENOENT, "cannot refresh storage pool '%s': %s", p->name,
				    lerr->message);
	while ((f = g_dir_read_name(dir))) {
		QemuVolume *v = scan_one(p, f);

		if (v)
			g_hash_table_insert(out, v->name, v);
	}
	return 0;
}

static void
dir_sizes(const QemuPool *p, uint64_t *cap, uint64_t *alloc, uint64_t *avail)
{
	struct statvfs s;

	*cap = *alloc = *avail = 0;
	if (!target(p) || statvfs(target(p), &s) < 0)
		return;
	*cap = (uint64_t)s.f_blocks * s.f_frsize;
	*alloc = (uint64_t)(s.f_blocks - s.f_bfree) * s.f_frsize;
	*avail = (uint64_t)s.f_bavail * s.f_frsize;
}

static int
create_raw(const QemuVolume *v, const HvVolumeDef *def, GError **err)
{
	int fd = open(v->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return hv_error_set(err, errno, "cannot create volume '%s': %s", v->path,
				    g_strerror(errno));
	if (ftruncate(fd, (off_t)def->capacity) < 0) {
		int e = errno;

		close(fd);
		unlink(v->path);
		return hv_error_set(err, e, "cannot create volume '%s': %s", v->path, g_strerror(e));
	}
	close(fd);
	return 0;
}

/* qcow2 (and other formats qemu-img creates), with a backing file whose
 * format qemu-img detects first. */
static int
create_img(const QemuVolume *v, const HvVolumeDef *def, GError **err)
{
	g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT, def->capacity);
	g_autofree char *what = g_strdup_printf("create volume '%s'", v->path);
	g_autoptr(QemuVolume) back = g_new0(QemuVolume, 1);
	const char *args[] = { "create", "-q", "-f", v->format, v->path, size, NULL, NULL, NULL,
			       NULL, NULL };
	int r;

	if (def->backing_path) {
		if ((r = qemu_img_info(def->backing_path, back, err)) < 0)
			return r;
		args[4] = "-b";
		args[5] = def->backing_path;
		args[6] = "-F";
		args[7] = back->format;
		args[8] = v->path;
		args[9] = def->capacity ? size : NULL;
	}
	if (g_file_test(v->path, G_FILE_TEST_EXISTS))
		return hv_error_set(err, EEXIST, "cannot %s: the file exists", what);
	return qemu_img(args, NULL, what, err);
}

static const struct {
	const char *format;
	int (*create)(const QemuVolume *v, const HvVolumeDef *def, GError **err);
} vol_formats[] = {
	{ "raw", create_raw },
	{ "qcow2", create_img },
};

static int
dir_vol_create(const QemuPool *p, const HvVolumeDef *def, QemuVolume **out, GError **err)
{
	g_autoptr(QemuVolume) v = g_new0(QemuVolume, 1);
	const char *fmt = def->format ? def->format : "raw";
	size_t k;
	int r;

	for (k = 0; k < G_N_ELEMENTS(vol_formats); k++)
		if (g_str_equal(vol_formats[k].format, fmt))
			break;
	if (k == G_N_ELEMENTS(vol_formats))
		return hv_error_set(err, EOPNOTSUPP, "cannot create volume '%s' in pool '%s': "
				    "format '%s' is not supported (raw, qcow2)", def->name, p->name,
				    fmt);
	if (def->backing_path && g_str_equal(fmt, "raw"))
		return hv_error_set(err, EINVAL, "cannot create volume '%s' in pool '%s': a raw "
				    "volume can't have a backing store", def->name, p->name);
	v->name = g_strdup(def->name);
	v->path = g_build_filename(target(p), def->name, NULL);
	v->format = g_strdup(fmt);
	if ((r = vol_formats[k].create(v, def, err)) < 0)
		return r;
	if ((r = qemu_img_info(v->path, v, err)) < 0) {
		unlink(v->path);
		return r;
	}
	*out = g_steal_pointer(&v);
	return 0;
}

static int
dir_vol_delete(const QemuPool *p, const QemuVolume *v, GError **err)
{
	if (unlink(v->path) < 0 && errno != ENOENT)
		return hv_error_set(err, errno, "cannot delete volume '%s' in pool '%s': %s",
				    v->name, p->name, g_strerror(errno));
	return 0;
}

static int
dir_vol_resize(const QemuPool *p, QemuVolume *v, uint64_t bytes, GError **err)
{
	g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT, bytes);
	g_autofree char *what = g_strdup_printf("resize volume '%s' in pool '%s'", v->name,
						p->name);
	const char *args[] = { "resize", "-q", "-f", v->format, v->path, size, NULL };
	int r;

	if ((r = qemu_img(args, NULL, what, err)) < 0)
		return r;
	return qemu_img_info(v->path, v, err);
}

static uint64_t
dir_vol_allocation(const QemuVolume *v)
{
	struct stat st;

	return stat(v->path, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
}

const QemuStorageBackend qemu_storage_dir = {
	.type = "dir",
	.build = dir_build,
	.check = dir_check,
	.delete = dir_delete,
	.scan = dir_scan,
	.sizes = dir_sizes,
	.vol_create = dir_vol_create,
	.vol_delete = dir_vol_delete,
	.vol_resize = dir_vol_resize,
	.vol_allocation = dir_vol_allocation,
};
