/* qemu_command_disk.c: the disks of the QEMU command line (qemu_command.h):
 * one row per bus (virtio, ide, sata, scsi) placing the -device, the formats
 * and source types QEMU is given, and pool volumes resolved through the
 * storage classes (a path, a network URL, or an rbd image whose cephx key
 * goes to a secret object read from a 0600 file, never the command line). */
#include <string.h>
#include "drivers/qemu/qemu_command_priv.h"
#include "util/table.h"

/* ---- disks: one row per bus */

typedef int (*DiskPlace)(Cmd *c, const HvDomainDiskDef *d, bool cd, const char *drive,
			 GError **err);

static int
dev_index(const char *dev, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!g_str_has_prefix(dev, prefix) || strlen(dev) != n + 1 || dev[n] < 'a' || dev[n] > 'z')
		return -1;
	return dev[n] - 'a';
}

static int
disk_bad_target(Cmd *c, const HvDomainDiskDef *d, GError **err)
{
	return hv_error_set(err, EOPNOTSUPP, "domain '%s': disk target '%s' on bus '%s' is not "
			    "supported by the qemu driver", c->def->name, d->target_dev,
			    d->target_bus);
}

static int
place_virtio(Cmd *c, const HvDomainDiskDef *d, bool cd, const char *drive, GError **err)
{
	if (cd)
		return qcmd_unsupported(c, err, "a cdrom on bus 'virtio'");
	qcmd_arg2(c, "-device", g_strdup_printf("virtio-blk-pci,drive=%s,id=%s", drive, d->target_dev));
	return 0;
}

static int
place_ide(Cmd *c, const HvDomainDiskDef *d, bool cd, const char *drive, GError **err)
{
	int i = dev_index(d->target_dev, "hd");

	if (c->q35)
		return qcmd_unsupported(c, err, "bus 'ide' on a q35 machine (use 'sata')");
	if (i < 0 || i > 3)
		return disk_bad_target(c, d, err);
	qcmd_arg2(c, "-device", g_strdup_printf("%s,bus=ide.%d,unit=%d,drive=%s,id=%s",
					   cd ? "ide-cd" : "ide-hd", i / 2, i % 2, drive, d->target_dev));
	return 0;
}

static int
place_sata(Cmd *c, const HvDomainDiskDef *d, bool cd, const char *drive, GError **err)
{
	int i = dev_index(d->target_dev, "sd");

	if (i < 0 || i > 5)
		return disk_bad_target(c, d, err);
	if (!c->q35 && !c->ahci) {
		qcmd_arg2(c, "-device", g_strdup("ich9-ahci,id=sata0"));
		c->ahci = true;
	}
	qcmd_arg2(c, "-device", g_strdup_printf("%s,bus=%s.%d,drive=%s,id=%s", cd ? "ide-cd" : "ide-hd",
					   c->q35 ? "ide" : "sata0", i, drive, d->target_dev));
	return 0;
}

static int
place_scsi(Cmd *c, const HvDomainDiskDef *d, bool cd, const char *drive, GError **err)
{
	int i = dev_index(d->target_dev, "sd");

	if (i < 0)
		return disk_bad_target(c, d, err);
	if (!c->scsi) {
		qcmd_arg2(c, "-device", g_strdup("virtio-scsi-pci,id=scsi0"));
		c->scsi = true;
	}
	qcmd_arg2(c, "-device", g_strdup_printf("%s,bus=scsi0.0,scsi-id=%d,lun=0,drive=%s,id=%s",
					   cd ? "scsi-cd" : "scsi-hd", i, drive, d->target_dev));
	return 0;
}

/* One row a bus: the target names it is the default for (libvirt's), and
 * how a disk is placed on it. */
static const struct {
	const char *bus;
	const char *prefix; /* vda, hda, sda: the default bus for them, or NULL */
	DiskPlace place;
} disk_buses[] = {
	{ "virtio", "vd", place_virtio },
	{ "ide", "hd", place_ide },
	{ "sata", "sd", place_sata },
	{ "scsi", NULL, place_scsi },
};

static const char *const disk_formats[] = { "raw", "qcow2", NULL };
static const char *const disk_types[] = { "file", "block", "network", NULL };

/* libvirt's default bus for a target name. */
static const char *
default_bus(const char *dev)
{
	for (size_t k = 0; k < G_N_ELEMENTS(disk_buses); k++)
		if (disk_buses[k].prefix && g_str_has_prefix(dev, disk_buses[k].prefix))
			return disk_buses[k].bus;
	return NULL;
}

static int
disk_check(Cmd *c, const HvDomainDiskDef *d, const char *bus, GError **err)
{
	g_autofree char *what = NULL, *url = NULL;

	bool vol = d->source_pool || d->source_volume;

	if (vol && (!c->paths->resolve_volume || !d->source_pool || !d->source_volume))
		what = g_strdup_printf("disk '%s' from a pool volume (%s)", d->target_dev,
				       c->paths->resolve_volume ? "needs both pool= and volume="
								: "no storage to resolve it");
	else if (!vol && qcmd_str_in(d->type ? d->type : "file", disk_types) < 0)
		what = g_strdup_printf("disk '%s' of type '%s'", d->target_dev, d->type);
	else if (!g_str_equal(d->device, "disk") && !g_str_equal(d->device, "cdrom"))
		what = g_strdup_printf("disk '%s' with device '%s'", d->target_dev, d->device);
	else if (d->driver_type && qcmd_str_in(d->driver_type, disk_formats) < 0)
		what = g_strdup_printf("disk '%s' in format '%s'", d->target_dev, d->driver_type);
	else if (!vol && !d->source && g_str_equal(d->device, "disk"))
		what = g_strdup_printf("disk '%s' without a <source>", d->target_dev);
	else if (!vol && g_strcmp0(d->type, "network") == 0 &&
		 !(url = storage_network_url(d->source_protocol, d->source_host, d->source)))
		what = g_strdup_printf("disk '%s' over protocol '%s' (nfs and iscsi are, with a "
				       "<host name=> and a name=)", d->target_dev,
				       d->source_protocol ? d->source_protocol : "");
	else if (!bus)
		what = g_strdup_printf("disk '%s' with no known bus", d->target_dev);
	return what ? qcmd_unsupported(c, err, "%s", what) : 0;
}

void
qemu_secret_free(QemuSecret *s)
{
	if (!s)
		return;
	g_free(s->id);
	g_free(s->path);
	if (s->value)
		g_bytes_unref(s->value);
	g_free(s);
}

/* A resolved volume as the -drive's file= (escaped) and, for one that needs
 * a key, the secret object it names: *extra gets ",file.password-secret=ID". */
static int
volume_file(Cmd *c, const HvDomainDiskDef *d, StorageVolSource *v, char **src, char **extra,
	    GError **err)
{
	g_autofree char *spec = NULL;
	QemuSecret *sec;

	if (!v->protocol || !g_str_equal(v->protocol, "rbd")) {
		*src = qcmd_esc(v->path);
		return 0;
	}
	spec = storage_rbd_spec(v);
	*src = qcmd_esc(spec);
	if (!v->auth_user)
		return 0;
	if (!c->paths->secrets || !c->paths->secret_prefix || !v->auth_secret)
		return qcmd_unsupported(c, err, "disk '%s' on an rbd volume with cephx (no place for "
				   "its key)", d->target_dev);
	sec = g_new0(QemuSecret, 1);
	sec->id = g_strdup_printf("drive-%s-secret0", d->target_dev);
	sec->path = g_strdup_printf("%s-%s", c->paths->secret_prefix, sec->id);
	sec->value = g_bytes_ref(v->auth_secret);
	qcmd_arg2(c, "-object", g_strdup_printf("secret,id=%s,file=%s,format=base64", sec->id,
					   sec->path));
	*extra = g_strdup_printf(",file.password-secret=%s", sec->id);
	g_ptr_array_add(c->paths->secrets, sec);
	return 0;
}

int
qemu_command_disks(Cmd *c, GError **err)
{
	for (guint k = 0; c->def->disks && k < c->def->disks->len; k++) {
		const HvDomainDiskDef *d = c->def->disks->pdata[k];
		const char *bus = d->target_bus ? d->target_bus : default_bus(d->target_dev);
		bool cd = g_str_equal(d->device, "cdrom");
		g_autofree char *drive = g_strdup_printf("drive-%s", d->target_dev);
		g_autofree char *src = d->source ? qcmd_esc(d->source) : NULL;
		g_auto(StorageVolSource) vol = { 0 };
		g_autofree char *extra = NULL;
		const char *fmt = d->driver_type;
		const typeof(disk_buses[0]) *row;
		int r;

		if ((r = disk_check(c, d, bus, err)) < 0)
			return r;
		if (g_strcmp0(d->type, "network") == 0 && !d->source_pool) {
			g_autofree char *url = storage_network_url(d->source_protocol,
								   d->source_host, d->source);

			g_free(src);
			src = qcmd_esc(url);
		}
		if (d->source_pool) {
			if ((r = c->paths->resolve_volume(c->paths->resolve_opaque, d->source_pool,
							  d->source_volume, &vol, err)) < 0) {
				g_prefix_error(err, "cannot start domain '%s': disk '%s': ",
					       c->def->name, d->target_dev);
				return r;
			}
			g_clear_pointer(&src, g_free);
			if ((r = volume_file(c, d, &vol, &src, &extra, err)) < 0)
				return r;
			fmt = fmt ? fmt : vol.format;
			if (qcmd_str_in(fmt, disk_formats) < 0)
				return qcmd_unsupported(c, err, "disk '%s' in format '%s'", d->target_dev, fmt);
		}
		if (!(row = HV_TABLE_FIND(disk_buses, bus)))
			return qcmd_unsupported(c, err, "disk '%s' on bus '%s'", d->target_dev, bus);
		qcmd_arg2(c, "-drive", g_strdup_printf("%s%s%s%sif=none,id=%s,format=%s%s",
						  src ? "file=" : "", src ? src : "",
						  extra ? extra : "", src ? "," : "", drive,
						  fmt ? fmt : "raw",
						  cd || d->readonly ? ",readonly=on" : ""));
		if ((r = row->place(c, d, cd, drive, err)) < 0)
			return r;
	}
	return 0;
}
