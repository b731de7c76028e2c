/* storage_backend_netfs.c: netfs pools libvirt's way, where the kernel has an
 * NFS client: the export is mounted at the pool's target with mount(8) and
 * its volumes are files there (the dir backend's methods), as
 * storage_backend_fs.c does for a local device. Which way a host serves
 * netfs (this, or storage_netfs_libnfs.c's userspace client) is decided here
 * once (netfs_kernel_mounts), and the pool's <source> is read here for both.
 * build makes the target folder, start mounts (refused with ENODEV where the
 * kernel has no NFS client), stop unmounts, delete removes the folder. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "drivers/storage/storage_netfs.h"

/* ---- the pool's source, for both ways */

static const char *const formats[] = { "auto", "nfs", "glusterfs", "cifs", NULL };

void
netfs_source_clear(NetfsSource *s)
{
	g_clear_pointer(&s->host, g_free);
	g_clear_pointer(&s->port, g_free);
	g_clear_pointer(&s->dir, g_free);
	g_clear_pointer(&s->format, g_free);
}

int
netfs_source_of(const HvPoolDef *def, NetfsSource *s, GError **err)
{
	g_autofree char *ver = storage_def_prop(def, "source/protocol", "ver");
	size_t n;

	memset(s, 0, sizeof(*s));
	s->host = storage_def_prop(def, "source/host", "name");
	s->port = storage_def_prop(def, "source/host", "port");
	s->dir = storage_def_prop(def, "source/dir", "path");
	s->format = storage_def_prop(def, "source/format", "type");
	if (!s->format)
		s->format = g_strdup("auto");
	if (!s->host || !*s->host || strpbrk(s->host, "/ \t\n"))
		return hv_error_set(err, EINVAL, "storage pool '%s' of type 'netfs' needs a "
				    "<source><host name='SERVER'/> (a host name or address)",
				    def->name);
	if (!s->dir || s->dir[0] != '/' || strstr(s->dir, "/../") || g_str_has_suffix(s->dir, "/.."))
		return hv_error_set(err, EINVAL, "storage pool '%s' of type 'netfs' needs a "
				    "<source><dir path='/EXPORT'/> with an absolute path",
				    def->name);
	for (n = strlen(s->dir); n > 1 && s->dir[n - 1] == '/'; n--)
		s->dir[n - 1] = '\0';
	if (!g_strv_contains(formats, s->format))
		return hv_error_set(err, EINVAL, "storage pool '%s': netfs format '%s' is not one "
				    "of auto nfs glusterfs cifs", def->name, s->format);
	if (ver && ((!g_str_equal(s->format, "auto") && !g_str_equal(s->format, "nfs")) ||
		    (!g_str_equal(ver, "3") && !g_str_equal(ver, "4"))))
		return hv_error_set(err, EINVAL, "storage pool '%s': <protocol ver='%s'/> names "
				    "the NFS version, 3 or 4, of an NFS export (format auto or nfs, "
				    "not '%s')", def->name, ver, s->format);
	s->version = ver ? (unsigned)atoi(ver) : 0;
	return 0;
}

/* A file system type the running kernel has (/proc/filesystems). */
static bool
kernel_has(const char *fstype)
{
	g_autofree char *txt = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents("/proc/filesystems", &txt, NULL, NULL))
		return false;
	lines = g_strsplit(txt, "\n", -1);
	for (char **l = lines; *l; l++) {
		const char *name = strrchr(*l, '\t');

		if (g_str_equal(name ? name + 1 : *l, fstype))
			return true;
	}
	return false;
}

bool
netfs_kernel_mounts(void)
{
	static gsize decided;
	static bool mounts;

	if (g_once_init_enter(&decided)) {
		const char *way = getenv("HYPERFS_NETFS");

		if (way && g_str_equal(way, "mount"))
			mounts = true;
		else if (way && g_str_equal(way, "libnfs"))
			mounts = false;
		else
			mounts = kernel_has("nfs") || kernel_has("nfs4");
		g_once_init_leave(&decided, 1);
	}
	return mounts;
}

/* ---- the mount way */

/* How mount(8) is asked for each format, as libvirt does
 * (virStorageBackendFileSystemMount): `mount -t auto` does not find nfs,
 * plain `mount` does. */
static const struct {
	const char *format;
	const char *fstype;  /* -t, or NULL */
	const char *kernel;  /* what /proc/filesystems must list */
	const char *prefix;  /* the source is PREFIX HOST SEP DIR */
	const char *sep;
	const char *options; /* -o, or NULL */
} ways[] = {
	{ "auto", NULL, "nfs", "", ":", NULL },
	{ "nfs", "nfs", "nfs", "", ":", NULL },
	{ "glusterfs", "glusterfs", "fuse", "", ":", "direct-io-mode=1" },
	{ "cifs", "cifs", "cifs", "//", "", "guest" },
};

static int
mount_check_def(const HvPoolDef *def, GError **err)
{
	g_auto(NetfsSource) s = { 0 };

	if (netfs_source_of(def, &s, err) < 0)
		return -EINVAL;
	if (!def->target_path)
		return hv_error_set(err, EINVAL, "storage pool '%s' of type 'netfs' needs a "
				    "<target><path> to mount the export on", def->name);
	return 0;
}

static int
mount_build(StoragePool *p, unsigned flags, GError **err)
{
	if (g_mkdir_with_parents(p->def->target_path, 0755) < 0)
		return hv_error_set(err, errno, "cannot build storage pool '%s': cannot create "
				    "folder '%s': %s", p->name, p->def->target_path,
				    g_strerror(errno));
	return 0;
}

static int
mount_start(StoragePool *p, GError **err)
{
	g_auto(NetfsSource) s = { 0 };
	g_autofree char *src = NULL, *what = NULL, *opts = NULL;
	const char *target = p->def->target_path;
	const char *argv[10];
	size_t k, n = 0;
	int r;

	if (netfs_source_of(p->def, &s, err) < 0)
		return -EINVAL;
	for (k = 0; !g_str_equal(ways[k].format, s.format); k++)
		;
	if (!kernel_has(ways[k].kernel))
		return hv_error_set(err, ENODEV, "cannot start storage pool '%s': this kernel has "
				    "no %s client to mount %s:%s (/proc/filesystems; without "
				    "HYPERFS_NETFS=mount, hyperfs uses libnfs instead)", p->name,
				    ways[k].kernel, s.host, s.dir);
	if ((r = storage_mount_target_ready(p, err)) < 0)
		return r;
	src = g_strconcat(ways[k].prefix, s.host, ways[k].sep, s.dir, NULL);
	what = g_strdup_printf("start storage pool '%s': mount %s on %s", p->name, src, target);
	argv[n++] = "mount";
	if (ways[k].fstype) {
		argv[n++] = "-t";
		argv[n++] = ways[k].fstype;
	}
	argv[n++] = src;
	argv[n++] = target;
	if (s.version) /* libvirt's -o nfsvers=N for <protocol ver=> */
		opts = g_strdup_printf("nfsvers=%u", s.version);
	if (ways[k].options || opts) {
		argv[n++] = "-o";
		argv[n++] = opts ? opts : ways[k].options;
	}
	argv[n] = NULL;
	return storage_run(argv, NULL, what, err);
}

const StorageBackend storage_backend_netfs_mount = {
	.type = "netfs",
	.available = netfs_kernel_mounts,
	.check_def = mount_check_def,
	.build = mount_build,
	.start = mount_start,
	STORAGE_MOUNT_OPS,
};
