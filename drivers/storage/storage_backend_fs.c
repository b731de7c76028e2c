/* storage_backend_fs.c: the `fs` pool backend: a file system on a block
 * device, or on an image file through a loop device, mounted at the target;
 * its volumes are files there (the dir backend's volume methods). build makes
 * the target folder and the file system (mkfs.ext4, mkfs.xfs, mkfs.btrfs),
 * refusing when the device holds one already unless told to overwrite; start
 * attaches a loop device for an image file and mounts; stop unmounts (the
 * auto-cleared loop device goes with the mount). */
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <blkid.h>
#include "drivers/storage/storage_util.h"

/* The formats libvirt's fs pools know that this backend can make and mount,
 * with their mkfs and the option that makes it write over what is there. */
static const struct {
	const char *format;
	const char *mkfs;
	const char *force;
} formats[] = {
	{ "ext2", "mkfs.ext2", "-F" },	  { "ext3", "mkfs.ext3", "-F" },
	{ "ext4", "mkfs.ext4", "-F" },	  { "xfs", "mkfs.xfs", "-f" },
	{ "btrfs", "mkfs.btrfs", "-f" },
};

static char *
device(const StoragePool *p)
{
	return storage_def_prop(p->def, "source/device", "path");
}

/* <format type=>, "auto" when absent */
static char *
format(const HvPoolDef *def)
{
	char *f = storage_def_prop(def, "source/format", "type");

	return f ? f : g_strdup("auto");
}

static int
fs_check_def(const HvPoolDef *def, GError **err)
{
	g_autofree char *dev = storage_def_prop(def, "source/device", "path");
	g_autofree char *fmt = format(def);

	if (!dev || !*dev)
		return hv_error_set(err, EINVAL, "storage pool '%s' of type 'fs' needs a "
				    "<source><device path='...'/></source>", def->name);
	if (dev[0] != '/')
		return hv_error_set(err, EINVAL, "storage pool '%s': device '%s' is not an "
				    "absolute path", def->name, dev);
	if (g_str_equal(fmt, "auto"))
		return 0;
	for (size_t k = 0; k < G_N_ELEMENTS(formats); k++)
		if (g_str_equal(formats[k].format, fmt))
			return 0;
	return hv_error_set(err, EINVAL, "storage pool '%s': file system format '%s' is not "
			    "supported (auto ext2 ext3 ext4 xfs btrfs)", def->name, fmt);
}

/* What file system dev holds (libblkid's name, as `blkid -p` says it, in
 * process: no blkid run per start), or NULL for none or an unreadable dev. */
static int
probe(const char *dev, char **type, GError **err)
{
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	const char *t = NULL;

	*type = NULL;
	if (!pr)
		return 0;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	if (blkid_do_safeprobe(pr) == 0 && blkid_probe_lookup_value(pr, "TYPE", &t, NULL) == 0 &&
	    t && *t)
		*type = g_strdup(t);
	blkid_free_probe(pr);
	return 0;
}

static int
fs_build(StoragePool *p, unsigned flags, GError **err)
{
	g_autofree char *dev = device(p), *fmt = format(p->def), *found = NULL;
	g_autofree char *what = g_strdup_printf("build storage pool '%s'", p->name);
	const char *use = g_str_equal(fmt, "auto") ? "ext4" : fmt;
	size_t k;

	if (storage_need_device(p, dev, "build", err) < 0)
		return hv_error_errno(*err);
	for (k = 0; k < G_N_ELEMENTS(formats) && !g_str_equal(formats[k].format, use); k++)
		;
	probe(dev, &found, NULL);
	if (found && !(flags & STORAGE_BUILD_OVERWRITE))
		return hv_error_set(err, EEXIST, "cannot build storage pool '%s': device '%s' holds "
				    "a %s file system already (write build-overwrite to state to "
				    "make a new one)", p->name, dev, found);
	if (g_mkdir_with_parents(p->def->target_path, 0755) < 0)
		return hv_error_set(err, errno, "cannot %s: cannot create folder '%s': %s", what,
				    p->def->target_path, g_strerror(errno));
	{
		const char *argv[] = { formats[k].mkfs, "-q", formats[k].force, dev, NULL };

		return storage_run(argv, NULL, what, err);
	}
}

static int
fs_start(StoragePool *p, GError **err)
{
	g_autofree char *dev = device(p), *fmt = format(p->def), *loop = NULL, *found = NULL;
	const char *target = p->def->target_path;
	struct stat st;
	int lfd = -1, r = 0;

	if (storage_need_device(p, dev, "start", err) < 0)
		return hv_error_errno(*err);
	if ((r = storage_mount_target_ready(p, err)) < 0)
		return r;
	probe(dev, &found, NULL);
	if (!found)
		return hv_error_set(err, ENOENT, "cannot start storage pool '%s': device '%s' holds "
				    "no file system (write build to state first)", p->name, dev);
	if (!g_str_equal(fmt, "auto") && !g_str_equal(fmt, found))
		return hv_error_set(err, EINVAL, "cannot start storage pool '%s': device '%s' holds "
				    "%s, not %s", p->name, dev, found, fmt);
	if (stat(dev, &st) == 0 && S_ISREG(st.st_mode) &&
	    (r = storage_loop_attach(dev, false, &loop, &lfd, err)) < 0)
		return r;
	if (mount(loop ? loop : dev, target, found, 0, NULL) < 0)
		r = hv_error_set(err, errno, "cannot start storage pool '%s': cannot mount '%s' on "
				 "'%s': %s", p->name, dev, target, g_strerror(errno));
	if (lfd >= 0)
		close(lfd); /* auto-cleared: the mount holds it now, or nothing does */
	return r;
}

const StorageBackend storage_backend_fs = {
	.type = "fs",
	.check_def = fs_check_def,
	.build = fs_build,
	.start = fs_start,
	STORAGE_MOUNT_OPS,
};
