/* storage_util.c: what storage backends share: running qemu-img (create,
 * resize, info) and reading its JSON report into a volume's facts. Used by
 * backends whose volumes are image files (dir, fs, netfs), the header of an
 * image read over the network (netfs through libnfs), whether a folder is a
 * mount point. */
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "drivers/storage/storage_util.h"
#include "util/json.h"
#include "conf/conf_util.h"

#define QEMU_IMG_OUT_MAX (1u << 20)

int
storage_qemu_img(const char *const *args, char **out, const char *what, GError **err)
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
storage_img_info(const char *path, StorageVol *v, GError **err)
{
	const char *args[] = { "info", "-U", "--output=json", path, NULL };
	g_autofree char *what = g_strdup_printf("inspect '%s'", path);
	g_autofree char *out = NULL;
	g_autoptr(QJson) j = NULL;
	int64_t size = 0;
	int r;

	if ((r = storage_qemu_img(args, &out, what, err)) < 0)
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

int
storage_img_create(const char *path, const char *format, const HvVolumeDef *def, GError **err)
{
	g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT, def->capacity);
	g_autofree char *what = g_strdup_printf("create volume '%s'", path);
	g_autoptr(StorageVol) back = storage_vol_new("", def->backing_path);
	const char *args[] = { "create", "-q", "-f", format, path, size, NULL, NULL, NULL,
			       NULL, NULL };
	int r;

	if (def->backing_path) {
		if ((r = storage_img_info(def->backing_path, back, err)) < 0)
			return r;
		args[4] = "-b";
		args[5] = def->backing_path;
		args[6] = "-F";
		args[7] = back->format;
		args[8] = path;
		args[9] = def->capacity ? size : NULL;
	}
	return storage_qemu_img(args, NULL, what, err);
}

static uint64_t
be64(const uint8_t *b)
{
	uint64_t x = 0;

	for (int k = 0; k < 8; k++)
		x = x << 8 | b[k];
	return x;
}

void
storage_img_header(StorageVol *v, const uint8_t *buf, size_t n, uint64_t size)
{
	uint64_t boff = n >= 72 ? be64(buf + 8) : 0;
	uint32_t blen = n >= 72 ? (uint32_t)(be64(buf + 16) >> 32) : 0;
	bool qcow2 = n >= 72 && !memcmp(buf, "QFI\xfb", 4);

	g_free(v->format);
	g_clear_pointer(&v->backing, g_free);
	g_clear_pointer(&v->backing_format, g_free);
	v->format = g_strdup(qcow2 ? "qcow2" : "raw");
	v->capacity = qcow2 ? be64(buf + 24) : size;
	if (qcow2 && boff && blen && blen < 1024 && boff + blen <= n)
		v->backing = g_strndup((const char *)buf + boff, blen);
}

/* What marks an image qemu-img would call other than raw (its drivers'
 * probes): a magic at an offset. A descriptor text (vmdk, cloop) starts with
 * '#'; dmg is known by its name. */
static const struct {
	size_t off;
	const char *magic;
	size_t len;
} other_magics[] = {
	{ 0, "QFI\xfb", 4 },     /* qcow, and a qcow2 the header alone cannot tell */
	{ 0, "QED", 4 },         /* with its NUL */
	{ 0, "KDMV", 4 },        /* vmdk 4 */
	{ 0, "COWD", 4 },        /* vmdk 3 */
	{ 0, "#", 1 },           /* vmdk descriptor, cloop */
	{ 64, "\x7f\x10\xda\xbe", 4 }, /* vdi */
	{ 0, "vhdxfile", 8 },
	{ 0, "conectix", 8 },    /* vpc */
	{ 0, "LUKS\xba\xbe", 6 },
	{ 0, "WithoutFreeSpace", 16 }, /* parallels */
	{ 0, "WithouFreSpacExt", 16 },
	{ 0, "Bochs Virtual HD Image", 22 },
};

/* A qcow2 (version 2 or 3) whose header says all: no backing file, which
 * qemu-img would name with its format. */
static bool
plain_qcow2(const uint8_t *b, size_t n)
{
	return n >= 72 && !memcmp(b, "QFI\xfb", 4) && be64(b + 4) >> 32 >= 2 && be64(b + 8) == 0;
}

int
storage_img_probe(const char *path, StorageVol *v, GError **err)
{
	uint8_t buf[4096];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return hv_error_set(err, errno, "cannot inspect '%s': %s", path, g_strerror(errno));
	n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? pread(fd, buf, sizeof(buf), 0) : -1;
	close(fd);
	if (n < 0 || g_str_has_suffix(path, ".dmg"))
		return storage_img_info(path, v, err);
	if (!plain_qcow2(buf, (size_t)n))
		for (size_t k = 0; k < G_N_ELEMENTS(other_magics); k++)
			if ((size_t)n >= other_magics[k].off + other_magics[k].len &&
			    !memcmp(buf + other_magics[k].off, other_magics[k].magic,
				    other_magics[k].len))
				return storage_img_info(path, v, err);
	/* raw: qemu-img's virtual size is the file's, rounded up to 512 bytes */
	storage_img_header(v, buf, (size_t)n, ((uint64_t)st.st_size + 511) & ~(uint64_t)511);
	return 0;
}

int
storage_run(const char *const *argv, char **out, const char *what, GError **err)
{
	g_autofree char *sout = NULL, *serr = NULL;
	g_autoptr(GError) lerr = NULL;
	int status;

	if (!g_spawn_sync(NULL, (char **)argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, &sout,
			  &serr, &status, &lerr))
		return hv_error_set(err, ENOENT, "cannot %s: cannot run %s: %s", what, argv[0],
				    lerr->message);
	if (!g_spawn_check_wait_status(status, NULL)) {
		g_strstrip(serr);
		if (!*serr && sout)
			g_strstrip(sout);
		return hv_error_set(err, EIO, "cannot %s: %s failed: %s", what, argv[0],
				    *serr ? serr : sout && *sout ? sout : "(no message)");
	}
	if (out)
		*out = g_steal_pointer(&sout);
	return 0;
}

char *
storage_def_prop(const HvPoolDef *def, const char *path, const char *attr)
{
	xmlNode *root = def->doc ? xmlDocGetRootElement(def->doc) : NULL;
	xmlNode *n = root ? hv_xml_path(root, path) : NULL;

	return n ? hv_xml_prop(n, attr) : NULL;
}

bool
storage_mounted(const char *path)
{
	g_autofree char *txt = NULL;
	g_auto(GStrv) lines = NULL;

	if (!path || !g_file_get_contents("/proc/self/mountinfo", &txt, NULL, NULL))
		return false;
	lines = g_strsplit(txt, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, " ", 6);

		if (g_strv_length(f) >= 5 && g_str_equal(f[4], path))
			return true;
	}
	return false;
}

int
storage_mount_check(StoragePool *p, bool *active, GError **err)
{
	*active = storage_mounted(p->def->target_path);
	return 0;
}

int
storage_mount_stop(StoragePool *p, GError **err)
{
	const char *target = p->def->target_path;

	if (!storage_mounted(target))
		return 0;
	if (umount2(target, 0) < 0)
		return hv_error_set(err, errno, "cannot stop storage pool '%s': cannot unmount "
				    "'%s': %s", p->name, target, g_strerror(errno));
	return 0;
}

int
storage_mount_delete(StoragePool *p, unsigned flags, GError **err)
{
	if (rmdir(p->def->target_path) < 0 && errno != ENOENT)
		return hv_error_set(err, errno, "cannot delete storage pool '%s': cannot remove "
				    "folder '%s': %s", p->name, p->def->target_path,
				    g_strerror(errno));
	return 0;
}

bool
storage_dm_available(void)
{
	int fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

const char *
storage_new_file_format(StoragePool *p, const HvVolumeDef *def, GError **err)
{
	const char *fmt = def->format ? def->format : "raw";

	if (!g_str_equal(fmt, "raw") && !g_str_equal(fmt, "qcow2")) {
		hv_error_set(err, EOPNOTSUPP, "cannot create volume '%s' in pool '%s': format '%s' "
			     "is not supported (raw, qcow2)", def->name, p->name, fmt);
		return NULL;
	}
	if (def->backing_path && g_str_equal(fmt, "raw")) {
		hv_error_set(err, EINVAL, "cannot create volume '%s' in pool '%s': a raw volume "
			     "can't have a backing store", def->name, p->name);
		return NULL;
	}
	return fmt;
}

int
storage_mount_target_ready(StoragePool *p, GError **err)
{
	const char *target = p->def->target_path;

	if (!g_file_test(target, G_FILE_TEST_IS_DIR))
		return hv_error_set(err, ENOENT, "cannot start storage pool '%s': folder '%s' does "
				    "not exist (write build to state first)", p->name, target);
	if (storage_mounted(target))
		return hv_error_set(err, EBUSY, "cannot start storage pool '%s': something is "
				    "mounted on '%s' already", p->name, target);
	return 0;
}
