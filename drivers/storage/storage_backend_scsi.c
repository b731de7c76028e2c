/* storage_backend_scsi.c: the `scsi` and `mpath` pool backends, written
 * against sysfs as libvirt's are, and `sheepdog`, which is refused. scsi: the
 * LUNs of a SCSI host adapter (<source><adapter name='host0'/>) are volumes
 * named unit:BUS:TARGET:LUN, reached by /dev/disk/by-path when the target path
 * is that folder, else /dev/sdX. mpath: the device-mapper multipath maps
 * (/sys/block/dm-N whose dm/uuid starts with mpath-) are volumes, reached by
 * /dev/mapper/NAME. Both refuse to start, naming what is missing, on a host
 * without the kernel's SCSI layer or device-mapper (this one). Volumes can't
 * be created or deleted, as in libvirt; their content streams like files. */
#include <string.h>
#include "drivers/storage/storage_util.h"

#define SYS_SCSI_HOST "/sys/class/scsi_host"
#define SYS_DM "/sys/class/misc/device-mapper"

static uint64_t
sys_u64(const char *path)
{
	g_autofree char *txt = NULL;

	return g_file_get_contents(path, &txt, NULL, NULL) ? g_ascii_strtoull(txt, NULL, 10) : 0;
}

/* A refresh's volume name: the raw block device blk at path, into out. */
static void
add_block_vol(GHashTable *out, const char *name, const char *path, const char *blk)
{
	g_autofree char *size = g_strdup_printf("/sys/block/%s/size", blk);
	StorageVol *v = storage_vol_new(name, path);

	v->type = g_strdup("block");
	v->format = g_strdup("raw");
	v->capacity = v->allocation = sys_u64(size) * 512;
	g_hash_table_insert(out, v->name, v);
}

/* ---- scsi */

static int
scsi_check_def(const HvPoolDef *def, GError **err)
{
	g_autofree char *name = storage_def_prop(def, "source/adapter", "name");

	if (!name || !*name || strchr(name, '/') || name[0] == '.')
		return hv_error_set(err, EINVAL, "storage pool '%s' of type 'scsi' needs "
				    "<source><adapter name='hostN'/></source>", def->name);
	return 0;
}

static int
scsi_start(StoragePool *p, GError **err)
{
	g_autofree char *name = storage_def_prop(p->def, "source/adapter", "name");
	g_autofree char *dir = g_build_filename(SYS_SCSI_HOST, name, NULL);

	if (!g_file_test(SYS_SCSI_HOST, G_FILE_TEST_IS_DIR))
		return hv_error_set(err, ENODEV, "cannot start storage pool '%s': this host has no "
				    "SCSI layer (%s is missing)", p->name, SYS_SCSI_HOST);
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		return hv_error_set(err, ENODEV, "cannot start storage pool '%s': SCSI host adapter "
				    "'%s' does not exist (%s)", p->name, name, dir);
	return 0;
}

static int
scsi_stop(StoragePool *p, GError **err)
{
	return 0;
}

/* The by-path link of /dev/BLK, when the pool's target asks for those. */
static char *
by_path(const StoragePool *p, const char *blk)
{
	const char *t = p->def->target_path;
	g_autoptr(GDir) d = t ? g_dir_open(t, 0, NULL) : NULL;
	const char *n;

	while (d && (n = g_dir_read_name(d))) {
		g_autofree char *link = g_build_filename(t, n, NULL);
		g_autofree char *real = realpath(link, NULL);
		g_autofree char *want = g_strdup_printf("/dev/%s", blk);

		if (real && g_str_equal(real, want))
			return g_steal_pointer(&link);
	}
	return g_strdup_printf("/dev/%s", blk);
}

static int
scsi_refresh(StoragePool *p, GHashTable *out, GError **err)
{
	g_autofree char *name = storage_def_prop(p->def, "source/adapter", "name");
	g_autofree char *host = g_strdup_printf("/sys/class/scsi_host/%s/device", name);
	g_autoptr(GDir) hd = g_dir_open(host, 0, NULL);
	const char *tgt, *lun;

	if (!hd)
		return hv_error_set(err, ENODEV, "cannot refresh storage pool '%s': %s is missing",
				    p->name, host);
	while ((tgt = g_dir_read_name(hd))) {
		g_autofree char *tdir = g_build_filename(host, tgt, NULL);
		g_autoptr(GDir) td = g_str_has_prefix(tgt, "target") ? g_dir_open(tdir, 0, NULL) : NULL;

		while (td && (lun = g_dir_read_name(td))) {
			g_autofree char *bdir = g_strdup_printf("%s/%s/block", tdir, lun);
			g_autoptr(GDir) bd = g_dir_open(bdir, 0, NULL);
			const char *blk = bd ? g_dir_read_name(bd) : NULL;
			const char *hbtl = strchr(lun, ':');
			g_autofree char *vname = NULL, *path = NULL;

			if (!blk || !hbtl)
				continue;
			vname = g_strdup_printf("unit%s", hbtl);
			path = by_path(p, blk);
			add_block_vol(out, vname, path, blk);
		}
	}
	return 0;
}

const StorageBackend storage_backend_scsi = {
	.type = "scsi",
	.check_def = scsi_check_def,
	.start = scsi_start,
	.stop = scsi_stop,
	.refresh = scsi_refresh,
	.vol_upload = storage_local_upload,
	.vol_download = storage_local_download,
};

/* ---- mpath */

static int
mpath_start(StoragePool *p, GError **err)
{
	if (!g_file_test(SYS_DM, G_FILE_TEST_EXISTS) ||
	    !g_file_test("/dev/mapper/control", G_FILE_TEST_EXISTS))
		return hv_error_set(err, ENODEV, "cannot start storage pool '%s': this host has no "
				    "device-mapper (%s or /dev/mapper/control is missing), which "
				    "multipath needs", p->name, SYS_DM);
	return 0;
}

static int
mpath_refresh(StoragePool *p, GHashTable *out, GError **err)
{
	g_autoptr(GDir) d = g_dir_open("/sys/block", 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d))) {
		g_autofree char *uf = g_strdup_printf("/sys/block/%s/dm/uuid", n);
		g_autofree char *nf = g_strdup_printf("/sys/block/%s/dm/name", n);
		g_autofree char *uuid = NULL, *name = NULL, *path = NULL;

		if (!g_str_has_prefix(n, "dm-") || !g_file_get_contents(uf, &uuid, NULL, NULL) ||
		    !g_str_has_prefix(uuid, "mpath-") || !g_file_get_contents(nf, &name, NULL, NULL))
			continue;
		g_strstrip(name);
		path = g_strdup_printf("/dev/mapper/%s", name);
		add_block_vol(out, n, path, n);
	}
	return 0;
}

const StorageBackend storage_backend_mpath = {
	.type = "mpath",
	.start = mpath_start,
	.stop = scsi_stop,
	.refresh = mpath_refresh,
	.vol_upload = storage_local_upload,
	.vol_download = storage_local_download,
};

/* ---- sheepdog */

static int
sheepdog_check_def(const HvPoolDef *def, GError **err)
{
	return hv_error_set(err, EOPNOTSUPP, "storage pool '%s': type 'sheepdog' is not "
			    "supported: libvirt dropped it in 8.8 and Debian 12 has no sheepdog",
			    def->name);
}

const StorageBackend storage_backend_sheepdog = {
	.type = "sheepdog",
	.check_def = sheepdog_check_def,
};
