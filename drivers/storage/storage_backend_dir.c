/* storage_backend_dir.c: the `dir` pool backend. A pool is a folder (its
 * target path), a volume a regular file in it. build makes the folder, start
 * needs it, delete removes it when empty, refresh lists its files with their
 * format from qemu-img info; volumes are created, resized and inspected with
 * qemu-img (raw files with ftruncate), sizes come from statvfs and st_blocks.
 * Pools of files elsewhere (fs) share its volume methods (storage_util.h). */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "drivers/storage/storage_util.h"
#include "util/names.h"

static const char *
target(const StoragePool *p)
{
	return p->def->target_path;
}

/* -EINVAL when the pool has no folder to act on. */
static int
need_target(const StoragePool *p, const char *verb, GError **err)
{
	if (target(p))
		return 0;
	return hv_error_set(err, EINVAL, "cannot %s storage pool '%s': it has no <target><path>",
			    verb, p->name);
}

static int
dir_build(StoragePool *p, unsigned flags, GError **err)
{
	if (need_target(p, "build", err) < 0)
		return -EINVAL;
	if (g_mkdir_with_parents(target(p), 0755) < 0)
		return hv_error_set(err, errno, "cannot build storage pool '%s': cannot create "
				    "folder '%s': %s", p->name, target(p), g_strerror(errno));
	return 0;
}

static int
dir_start(StoragePool *p, GError **err)
{
	if (need_target(p, "start", err) < 0)
		return -EINVAL;
	if (!g_file_test(target(p), G_FILE_TEST_IS_DIR))
		return hv_error_set(err, ENOENT, "cannot start storage pool '%s': folder '%s' does "
				    "not exist (write build to state first)", p->name, target(p));
	return 0;
}

static int
dir_stop(StoragePool *p, GError **err)
{
	return 0; /* the folder stays as it is */
}

static int
dir_delete(StoragePool *p, unsigned flags, GError **err)
{
	if (!target(p))
		return 0;
	if (rmdir(target(p)) < 0 && errno != ENOENT)
		return hv_error_set(err, errno, "cannot delete storage pool '%s': cannot remove "
				    "folder '%s': %s", p->name, target(p), g_strerror(errno));
	return 0;
}

/* One entry of the folder, or NULL (not a regular file, a name the tree can't
 * show, or a file that cannot be read: storage_img_probe). */
static StorageVol *
scan_one(const StoragePool *p, const char *f)
{
	g_autofree char *path = g_build_filename(target(p), f, NULL);
	g_autoptr(StorageVol) v = NULL;
	struct stat st;

	if (hv_name_check("storage volume", f, NULL) < 0)
		return NULL;
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	v = storage_vol_new(f, path);
	if (storage_img_probe(v->path, v, NULL) < 0)
		return NULL;
	return g_steal_pointer(&v);
}

int
storage_dir_refresh(StoragePool *p, GHashTable *out, GError **err)
{
	g_autoptr(GError) lerr = NULL;
	g_autoptr(GDir) dir = g_dir_open(target(p), 0, &lerr);
	const char *f;

	if (!dir)
		return hv_error_set(err, ENOENT, "cannot refresh storage pool '%s': %s", p->name,
				    lerr->message);
	while ((f = g_dir_read_name(dir))) {
		StorageVol *v = scan_one(p, f);

		if (v)
			g_hash_table_insert(out, v->name, v);
	}
	return 0;
}

void
storage_dir_sizes(StoragePool *p, StorageSizes *out)
{
	struct statvfs s;

	if (!target(p) || statvfs(target(p), &s) < 0)
		return;
	out->capacity = (uint64_t)s.f_blocks * s.f_frsize;
	out->allocation = (uint64_t)(s.f_blocks - s.f_bfree) * s.f_frsize;
	out->available = (uint64_t)s.f_bavail * s.f_frsize;
}

static int
create_raw(const StorageVol *v, const HvVolumeDef *def, GError **err)
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

static int
create_img(const StorageVol *v, const HvVolumeDef *def, GError **err)
{
	if (g_file_test(v->path, G_FILE_TEST_EXISTS))
		return hv_error_set(err, EEXIST, "cannot create volume '%s': the file exists",
				    v->path);
	return storage_img_create(v->path, v->format, def, err);
}

int
storage_dir_vol_create(StoragePool *p, const HvVolumeDef *def, StorageVol **out, GError **err)
{
	g_autofree char *path = g_build_filename(target(p), def->name, NULL);
	g_autoptr(StorageVol) v = NULL;
	const char *fmt = storage_new_file_format(p, def, err);
	int r;

	if (!fmt)
		return hv_error_errno(*err);
	v = storage_vol_new(def->name, path);
	v->format = g_strdup(fmt);
	if ((r = (g_str_equal(fmt, "raw") ? create_raw : create_img)(v, def, err)) < 0)
		return r;
	if ((r = storage_img_probe(v->path, v, err)) < 0) {
		unlink(v->path);
		return r;
	}
	*out = g_steal_pointer(&v);
	return 0;
}

int
storage_dir_vol_delete(StoragePool *p, StorageVol *v, GError **err)
{
	if (unlink(v->path) < 0 && errno != ENOENT)
		return hv_error_set(err, errno, "cannot delete volume '%s' in pool '%s': %s",
				    v->name, p->name, g_strerror(errno));
	return 0;
}

int
storage_dir_vol_resize(StoragePool *p, StorageVol *v, uint64_t bytes, unsigned flags, GError **err)
{
	g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT, bytes);
	g_autofree char *what = g_strdup_printf("resize volume '%s' in pool '%s'", v->name,
						p->name);
	const char *args[] = { "resize", "-q", "-f", v->format, v->path, size, NULL };
	int r;

	if ((r = storage_qemu_img(args, NULL, what, err)) < 0)
		return r;
	return storage_img_info(v->path, v, err);
}

uint64_t
storage_dir_vol_allocation(StoragePool *p, const StorageVol *v)
{
	struct stat st;

	return stat(v->path, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
}

const StorageBackend storage_backend_dir = {
	.type = "dir",
	.build = dir_build,
	.start = dir_start,
	.stop = dir_stop,
	.delete = dir_delete,
	STORAGE_DIR_VOLUME_OPS,
};
