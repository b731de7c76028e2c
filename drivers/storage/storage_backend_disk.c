/* storage_backend_disk.c: the `disk` pool backend: a whole disk (a block
 * device, or an image file through a loop device that the kernel scans for
 * partitions) with a gpt or dos partition table, through util-linux's
 * libfdisk. Volumes are its partitions, named after their device as libvirt
 * names them (sda1, loop0p1, nvme0n1p2); create adds a partition at the
 * first free aligned place (on dos, an extended one when asked, and logical
 * ones inside it once the 4 primary slots are taken, as libvirt does),
 * delete removes it, resize moves its end where the table allows. The kernel learns each change through BLKPG
 * (fdisk_reread_changes), and device nodes no udev makes here are made from
 * sysfs. Free space is the pool source's <freeExtent start= end=> list. */
#include <ctype.h>
#include <fcntl.h>
#include <libfdisk/libfdisk.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "drivers/storage/storage_util.h"
#include "conf/conf_util.h"

static const char *const labels[] = { "gpt", "dos" };

typedef struct {
	char *dev;   /* the disk: the source device, or the loop device of the image */
	int loop_fd; /* holds an auto-cleared loop device, or -1 */
} DiskPriv;

typedef struct fdisk_context FdCtx;
typedef struct fdisk_table FdTable;
typedef struct fdisk_partition FdPart;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FdCtx, fdisk_unref_context)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FdTable, fdisk_unref_table)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FdPart, fdisk_unref_partition)

static char *
source(const HvPoolDef *def)
{
	return storage_def_prop(def, "source/device", "path");
}

/* The label the document asks for: gpt or dos ("unknown", absent: dos). */
static const char *
label_of(const HvPoolDef *def)
{
	g_autofree char *f = storage_def_prop(def, "source/format", "type");

	return f && g_str_equal(f, "gpt") ? "gpt" : "dos";
}

static const char *
disk(const StoragePool *p)
{
	return p->priv ? ((DiskPriv *)p->priv)->dev : NULL;
}

static int
disk_check_def(const HvPoolDef *def, GError **err)
{
	g_autofree char *dev = source(def);
	g_autofree char *f = storage_def_prop(def, "source/format", "type");

	if (!dev || dev[0] != '/')
		return hv_error_set(err, EINVAL, "storage pool '%s' of type 'disk' needs a "
				    "<source><device path='/dev/...'/></source>", def->name);
	if (f && !g_str_equal(f, "unknown") && hv_str_index(labels, f) < 0 &&
	    strcmp(f, "gpt") && strcmp(f, "dos"))
		return hv_error_set(err, EINVAL, "storage pool '%s': partition table format '%s' "
				    "is not supported (gpt, dos)", def->name, f);
	return 0;
}

/* A libfdisk context on path (read-only or not). */
static int
open_disk(const StoragePool *p, const char *path, bool ro, struct fdisk_context **out,
	  GError **err)
{
	struct fdisk_context *c = fdisk_new_context();
	int r;

	if (!c)
		return hv_error_set(err, ENOMEM, "cannot read disk '%s'", path);
	if ((r = fdisk_assign_device(c, path, ro ? 1 : 0)) < 0) {
		fdisk_unref_context(c);
		return hv_error_set(err, -r, "storage pool '%s': cannot open disk '%s': %s",
				    p->name, path, g_strerror(-r));
	}
	*out = c;
	return 0;
}

/* What build and delete do to the pool's source device dev, opened as c. */
typedef int (*SourceFn)(StoragePool *p, const char *dev, FdCtx *c, unsigned flags,
			GError **err);

/* The pool's source device, for verb (build, delete), opened to write for fn. */
static int
on_source(StoragePool *p, const char *verb, SourceFn fn, unsigned flags, GError **err)
{
	g_autofree char *dev = source(p->def);
	g_autoptr(FdCtx) c = NULL;
	int r;

	if ((r = storage_need_device(p, dev, verb, err)) < 0 ||
	    (r = open_disk(p, dev, false, &c, err)) < 0)
		return r;
	return fn(p, dev, c, flags, err);
}

static int
build_on(StoragePool *p, const char *dev, FdCtx *c, unsigned flags, GError **err)
{
	int r;

	if (fdisk_has_label(c) && !(flags & STORAGE_BUILD_OVERWRITE))
		return hv_error_set(err, EEXIST, "cannot build storage pool '%s': '%s' has a %s "
				    "partition table already (write build-overwrite to state to "
				    "make a new one)", p->name, dev,
				    fdisk_label_get_name(fdisk_get_label(c, NULL)));
	if ((r = fdisk_create_disklabel(c, label_of(p->def))) < 0 ||
	    (r = fdisk_write_disklabel(c)) < 0)
		return hv_error_set(err, -r, "cannot build storage pool '%s': cannot write a %s "
				    "label on '%s': %s", p->name, label_of(p->def), dev,
				    g_strerror(-r));
	return fdisk_deassign_device(c, 0) < 0 ? 0 : 0; /* the kernel re-reads it if it can */
}

static int
disk_build(StoragePool *p, unsigned flags, GError **err)
{
	return on_source(p, "build", build_on, flags, err);
}

static void
priv_free(DiskPriv *d)
{
	if (!d)
		return;
	if (d->loop_fd >= 0)
		close(d->loop_fd); /* the auto-cleared loop device goes */
	g_free(d->dev);
	g_free(d);
}

static int
disk_start(StoragePool *p, GError **err)
{
	g_autofree char *dev = source(p->def);
	g_autoptr(FdCtx) c = NULL;
	DiskPriv *d = g_new0(DiskPriv, 1);
	struct stat st;
	int r;

	d->loop_fd = -1;
	if ((r = storage_need_device(p, dev, "start", err)) < 0)
		goto fail;
	if (S_ISREG((stat(dev, &st), st.st_mode))) {
		if ((r = storage_loop_attach(dev, true, &d->dev, &d->loop_fd, err)) < 0)
			goto fail;
	} else
		d->dev = g_strdup(dev);
	if ((r = open_disk(p, d->dev, true, &c, err)) < 0)
		goto fail;
	if (!fdisk_has_label(c)) {
		r = hv_error_set(err, ENOENT, "cannot start storage pool '%s': '%s' has no partition "
				 "table (write build to state first)", p->name, dev);
		goto fail;
	}
	p->priv = d;
	return 0;
fail:
	priv_free(d);
	return r;
}

static int
disk_check(StoragePool *p, bool *active, GError **err)
{
	*active = disk_start(p, NULL) == 0;
	return 0;
}

static int
disk_stop(StoragePool *p, GError **err)
{
	priv_free(p->priv);
	p->priv = NULL;
	return 0;
}

static int
delete_on(StoragePool *p, const char *dev, FdCtx *c, unsigned flags, GError **err)
{
	int r;

	if (fdisk_has_label(c) && (r = fdisk_delete_all_partitions(c)) < 0)
		return hv_error_set(err, -r, "cannot delete storage pool '%s': %s", p->name,
				    g_strerror(-r));
	{
		int fd = fdisk_get_devfd(c);
		char zero[4096] = { 0 };
		off_t end = lseek(fd, 0, SEEK_END);

		/* libvirt wipes the label: the first and the last sectors (gpt's backup) */
		if (pwrite(fd, zero, sizeof(zero), 0) < 0 ||
		    (end > (off_t)sizeof(zero) &&
		     pwrite(fd, zero, sizeof(zero), end - (off_t)sizeof(zero)) < 0))
			return hv_error_set(err, errno, "cannot delete storage pool '%s': cannot "
					    "wipe '%s': %s", p->name, dev, g_strerror(errno));
		fsync(fd);
	}
	return 0;
}

static int
disk_delete(StoragePool *p, unsigned flags, GError **err)
{
	return on_source(p, "delete", delete_on, flags, err);
}

/* The device of partition number partno (0-based) of dev. */
static char *
part_name(const char *dev, size_t partno)
{
	g_autofree char *base = g_path_get_basename(dev);
	size_t n = strlen(base);

	return g_strdup_printf("%s%s%zu", base, n && isdigit((unsigned char)base[n - 1]) ? "p" : "",
			       partno + 1);
}

static int
disk_refresh(StoragePool *p, GHashTable *out, GError **err)
{
	g_autoptr(FdCtx) c = NULL;
	g_autoptr(FdTable) tb = NULL;
	unsigned long ssz;
	int r;

	if ((r = open_disk(p, disk(p), true, &c, err)) < 0)
		return r;
	ssz = fdisk_get_sector_size(c);
	if (fdisk_get_partitions(c, &tb) < 0)
		return 0;
	for (size_t k = 0; k < fdisk_table_get_nents(tb); k++) {
		struct fdisk_partition *pa = fdisk_table_get_partition(tb, k);
		g_autofree char *name = NULL, *path = NULL;
		StorageVol *v;
		size_t no;

		if (!pa || !fdisk_partition_has_partno(pa))
			continue;
		no = fdisk_partition_get_partno(pa);
		name = part_name(disk(p), no);
		path = g_strdup_printf("/dev/%s", name);
		storage_node_ensure(path, NULL);
		v = storage_vol_new(name, path);
		v->type = g_strdup("block");
		/* what a hypervisor reads it as; a dos extended partition (the
		 * container of the logical ones) is listed as libvirt lists it */
		v->format = g_strdup(fdisk_partition_is_container(pa) ? "extended" : "raw");
		v->capacity = v->allocation = (uint64_t)fdisk_partition_get_size(pa) * ssz;
		g_hash_table_insert(out, v->name, v);
	}
	return 0;
}

static bool
is_extended(const StorageVol *v)
{
	return g_strcmp0(v->format, "extended") == 0;
}

static void
disk_sizes(StoragePool *p, StorageSizes *out)
{
	g_autoptr(FdCtx) c = NULL;
	GHashTableIter it;
	gpointer v;

	if (!disk(p) || open_disk(p, disk(p), true, &c, NULL) < 0)
		return;
	out->capacity = (uint64_t)fdisk_get_nsectors(c) * fdisk_get_sector_size(c);
	g_hash_table_iter_init(&it, p->vols);
	while (g_hash_table_iter_next(&it, NULL, &v)) /* an extended one holds the logical */
		if (!is_extended(v))
			out->allocation += ((StorageVol *)v)->capacity;
	out->available = out->capacity > out->allocation ? out->capacity - out->allocation : 0;
}

/* libvirt's <freeExtent start= end=/> in bytes, one per free stretch. */
static void
disk_source_xml(StoragePool *p, xmlNode *src)
{
	g_autoptr(FdCtx) c = NULL;
	g_autoptr(FdTable) fr = NULL;
	unsigned long ssz;

	if (!disk(p) || open_disk(p, disk(p), true, &c, NULL) < 0 || fdisk_get_freespaces(c, &fr) < 0)
		return;

	ssz = fdisk_get_sector_size(c);
	for (size_t k = 0; k < fdisk_table_get_nents(fr); k++) {
		struct fdisk_partition *pa = fdisk_table_get_partition(fr, k);
		uint64_t start = (uint64_t)fdisk_partition_get_start(pa) * ssz;
		uint64_t end = start + (uint64_t)fdisk_partition_get_size(pa) * ssz;
		g_autofree char *s = g_strdup_printf("%" G_GUINT64_FORMAT, start);
		g_autofree char *e = g_strdup_printf("%" G_GUINT64_FORMAT, end);
		xmlNode *n = xmlNewChild(src, NULL, BAD_CAST "freeExtent", NULL);

		hv_xml_set_prop(n, "start", s);
		hv_xml_set_prop(n, "end", e);
	}
}

/* The kernel learns what changed since org; partitions' nodes follow. */
static int
commit(StoragePool *p, struct fdisk_context *c, struct fdisk_table *org, const char *what,
       GError **err)
{
	int r = fdisk_write_disklabel(c);

	if (r < 0)
		return hv_error_set(err, -r, "cannot %s: cannot write the partition table of '%s': %s",
				    what, disk(p), g_strerror(-r));
	if ((r = fdisk_reread_changes(c, org)) < 0)
		return hv_error_set(err, -r, "cannot %s: the kernel did not take the new partition "
				    "table of '%s': %s", what, disk(p), g_strerror(-r));
	return 0;
}

static int
partno_of(const StoragePool *p, const char *name, size_t *no)
{
	for (size_t k = 0; k < 256; k++) {
		g_autofree char *n = part_name(disk(p), k);

		if (g_str_equal(n, name)) {
			*no = k;
			return 0;
		}
	}
	return -ENOENT;
}

/* The start of the first free stretch (aligned) that holds pa's size,
 * inside the extended partition (a logical one) or outside it: libfdisk
 * itself would shorten the partition to what is free. */
static int
place(struct fdisk_context *c, struct fdisk_partition *pa, bool logical)
{
	g_autoptr(FdTable) fr = NULL;
	fdisk_sector_t want = fdisk_partition_get_size(pa);

	if (fdisk_get_freespaces(c, &fr) < 0)
		return -ENOSPC;
	for (size_t k = 0; k < fdisk_table_get_nents(fr); k++) {
		struct fdisk_partition *f = fdisk_table_get_partition(fr, k);
		fdisk_sector_t s = fdisk_partition_get_start(f);
		fdisk_sector_t e = s + fdisk_partition_get_size(f) - 1;
		fdisk_sector_t a = fdisk_align_lba_in_range(c, s, s, e);

		if (!fdisk_partition_is_nested(f) != !logical)
			continue;
		if (a >= s && a <= e && e - a + 1 >= want) {
			fdisk_partition_set_start(pa, a);
			return 0;
		}
	}
	return -ENOSPC;
}

/* The partition number a new volume gets, as libvirt chooses: the first free
 * of the table (gpt), or of the 4 primary slots (dos); on a dos table whose
 * 4 slots are taken, the next logical one inside the extended partition.
 * One extended partition at most, on dos only. */
static int
slot_for(StoragePool *p, struct fdisk_context *c, const HvVolumeDef *def, const char *what,
	 size_t *no, bool *logical, GError **err)
{
	bool dos = fdisk_is_label(c, DOS), extended = g_strcmp0(def->format, "extended") == 0;
	size_t slots = dos ? 4 : fdisk_get_npartitions(c), k = 0;
	g_autoptr(FdTable) tb = NULL;
	bool has_ext = false;

	if (fdisk_get_partitions(c, &tb) == 0)
		for (size_t i = 0; i < fdisk_table_get_nents(tb); i++)
			has_ext |= fdisk_partition_is_container(fdisk_table_get_partition(tb, i)) != 0;
	if (extended && !dos)
		return hv_error_set(err, EINVAL, "cannot %s: an extended partition is dos's (this "
				    "table is %s)", what, label_of(p->def));
	if (extended && has_ext)
		return hv_error_set(err, EEXIST, "cannot %s: the table has an extended partition "
				    "already", what);
	while (k < slots && fdisk_is_partition_used(c, k))
		k++;
	*logical = dos && k >= slots && !extended && has_ext;
	if (*logical)
		k = fdisk_get_npartitions(c); /* logical ones are numbered on from 5 */
	else if (k >= slots)
		return hv_error_set(err, ENOSPC, "cannot %s: the partition table is full%s", what,
				    dos && !extended ? " (4 primary partitions: make one of them an "
						       "extended partition, <target><format "
						       "type='extended'/>, for logical ones)" : "");
	*no = k;
	return 0;
}

static int
disk_vol_create(StoragePool *p, const HvVolumeDef *def, StorageVol **out, GError **err)
{
	g_autofree char *what = g_strdup_printf("create volume '%s' in pool '%s'", def->name,
						p->name);
	g_autoptr(FdCtx) c = NULL;
	g_autoptr(FdTable) org = NULL;
	g_autoptr(FdPart) pa = fdisk_new_partition();
	g_autoptr(GHashTable) vols = storage_vol_table_new();
	g_autofree char *want = NULL;
	bool extended = g_strcmp0(def->format, "extended") == 0, logical = false;
	size_t no, free_no = 0;
	unsigned long ssz;
	StorageVol *v;
	int r;

	if (def->capacity == 0)
		return hv_error_set(err, EINVAL, "cannot %s: a partition needs a capacity", what);
	if ((r = open_disk(p, disk(p), false, &c, err)) < 0)
		return r;
	if ((r = slot_for(p, c, def, what, &free_no, &logical, err)) < 0)
		return r;
	want = part_name(disk(p), free_no);
	if (!g_str_equal(want, def->name))
		return hv_error_set(err, EINVAL, "cannot %s: volumes of a disk pool are named "
				    "after their partition, and the next one is '%s'", what, want);
	ssz = fdisk_get_sector_size(c);
	fdisk_get_partitions(c, &org);
	fdisk_partition_set_partno(pa, free_no);
	fdisk_partition_set_size(pa, (def->capacity + ssz - 1) / ssz);
	if (extended)
		fdisk_partition_set_type(pa, fdisk_label_get_parttype_from_code(
						     fdisk_get_label(c, NULL), 0x05));
	if ((r = place(c, pa, logical)) < 0 || (r = fdisk_add_partition(c, pa, &no)) < 0)
		return hv_error_set(err, r == -ERANGE || r == -ENOSPC ? ENOSPC : -r,
				    "cannot %s: no free stretch of %" G_GUINT64_FORMAT " bytes on "
				    "'%s' (see <freeExtent> in config.xml)", what, def->capacity,
				    disk(p));
	if ((r = commit(p, c, org, what, err)) < 0)
		return r;
	if ((r = disk_refresh(p, vols, err)) < 0)
		return r;
	if (!(v = g_hash_table_lookup(vols, def->name)))
		return hv_error_set(err, EIO, "cannot %s: the new partition is not there", what);
	g_hash_table_steal(vols, def->name);
	*out = v;
	return 0;
}

/* What a volume verb does to partition no of the pool's disk (c), between
 * reading its table and committing it (what: "VERB volume 'v' in pool 'p'"). */
typedef int (*PartFn)(FdCtx *c, size_t no, const char *what, void *data, GError **err);

static int
on_part(StoragePool *p, StorageVol *v, const char *what, PartFn fn, void *data, GError **err)
{
	g_autoptr(FdCtx) c = NULL;
	g_autoptr(FdTable) org = NULL;
	size_t no;
	int r;

	if (partno_of(p, v->name, &no) < 0)
		return hv_error_set(err, ENOENT, "cannot %s: no such partition", what);
	if ((r = open_disk(p, disk(p), false, &c, err)) < 0)
		return r;
	fdisk_get_partitions(c, &org);
	if ((r = fn(c, no, what, data, err)) < 0)
		return r;
	return commit(p, c, org, what, err);
}

/* data: the volume; an extended partition goes only after its logical ones */
static int
delete_part(FdCtx *c, size_t no, const char *what, void *data, GError **err)
{
	int r;

	if (is_extended(data) && fdisk_get_npartitions(c) > 4 && fdisk_is_partition_used(c, 4))
		return hv_error_set(err, EBUSY, "cannot %s: the extended partition holds logical "
				    "ones; delete them first", what);
	r = fdisk_delete_partition(c, no);
	return r < 0 ? hv_error_set(err, -r, "cannot %s: %s", what, g_strerror(-r)) : 0;
}

static int
disk_vol_delete(StoragePool *p, StorageVol *v, GError **err)
{
	g_autofree char *what = g_strdup_printf("delete volume '%s' in pool '%s'", v->name,
						p->name);
	g_autofree char *sys = g_strdup_printf("/sys/class/block/%s", v->name);
	int r = on_part(p, v, what, delete_part, v, err);

	if (r < 0)
		return r;
	if (!g_file_test(sys, G_FILE_TEST_EXISTS))
		unlink(v->path); /* a node we made, if devtmpfs has not taken it */
	return 0;
}

typedef struct {
	uint64_t bytes;
	unsigned long ssz; /* the disk's sector size, found */
} Resize;

static int
resize_part(FdCtx *c, size_t no, const char *what, void *data, GError **err)
{
	Resize *rs = data;
	g_autoptr(FdPart) pa = fdisk_new_partition();
	int r;

	rs->ssz = fdisk_get_sector_size(c);
	fdisk_partition_set_size(pa, (rs->bytes + rs->ssz - 1) / rs->ssz);
	if ((r = fdisk_set_partition(c, no, pa)) < 0)
		return hv_error_set(err, r == -ERANGE ? ENOSPC : -r, "cannot %s to %" G_GUINT64_FORMAT
				    " bytes: the partition table does not allow it (%s)", what,
				    rs->bytes, g_strerror(-r));
	return 0;
}

static int
disk_vol_resize(StoragePool *p, StorageVol *v, uint64_t bytes, unsigned flags, GError **err)
{
	g_autofree char *what = g_strdup_printf("resize volume '%s' in pool '%s'", v->name,
						p->name);
	Resize rs = { bytes, 0 };
	int r = on_part(p, v, what, resize_part, &rs, err);

	if (r < 0)
		return r;
	v->capacity = v->allocation = (bytes + rs.ssz - 1) / rs.ssz * rs.ssz;
	return 0;
}

/* An extended partition holds the logical ones' boot records: no content. */
static int
no_extended(const StoragePool *p, const StorageVol *v, GError **err)
{
	return is_extended(v) ? hv_error_set(err, EOPNOTSUPP, "volume '%s' of pool '%s' is an "
					     "extended partition: it holds the logical ones, not "
					     "data", v->name, p->name)
			      : 0;
}

static int
disk_vol_upload(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
		StorageStream **out, GError **err)
{
	return no_extended(p, v, err) < 0 ? -EOPNOTSUPP
					  : storage_local_upload(p, v, offset, length, out, err);
}

static int
disk_vol_download(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
		  StorageStream **out, GError **err)
{
	return no_extended(p, v, err) < 0 ? -EOPNOTSUPP
					  : storage_local_download(p, v, offset, length, out, err);
}

const StorageBackend storage_backend_disk = {
	.type = "disk",
	.check_def = disk_check_def,
	.build = disk_build,
	.check = disk_check,
	.start = disk_start,
	.stop = disk_stop,
	.delete = disk_delete,
	.refresh = disk_refresh,
	.sizes = disk_sizes,
	.vol_create = disk_vol_create,
	.vol_delete = disk_vol_delete,
	.vol_resize = disk_vol_resize,
	.vol_upload = disk_vol_upload,
	.vol_download = disk_vol_download,
	.source_xml = disk_source_xml,
};
