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
	g_autofree char *key = g_strdup_printf("disk:%s", d->target_dev);

	if (cd)
		return qcmd_unsupported(c, err, "a cdrom on bus 'virtio'");
	qcmd_arg2(c, "-device", g_strdup_printf("virtio-blk-pci,drive=%s,id=%s%s", drive,
						d->target_dev, qcmd_pci(c, key)));
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
		qcmd_arg2(c, "-device", g_strdup_printf("virtio-scsi-pci,id=scsi0%s",
							qcmd_pci(c, "controller:scsi:0")));
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

/* The secret object a disk's key goes to (read by QEMU from a 0600 file the
 * process layer writes): its id, borrowed from c->paths->secrets. */
static const char *
add_secret(Cmd *c, const HvDomainDiskDef *d, GBytes *value)
{
	QemuSecret *sec = g_new0(QemuSecret, 1);

	sec->id = g_strdup_printf("drive-%s-secret0", d->target_dev);
	sec->path = g_strdup_printf("%s-%s", c->paths->secret_prefix, sec->id);
	sec->value = g_bytes_ref(value);
	qcmd_arg2(c, "-object", g_strdup_printf("secret,id=%s,file=%s,format=base64", sec->id,
					   sec->path));
	g_ptr_array_add(c->paths->secrets, sec);
	return sec->id;
}

/* A network source as the -drive's file options (escaped, ending in ','),
 * one builder a protocol; the key, if any, is in v->auth_secret. */
typedef char *(*NetFile)(Cmd *c, const HvDomainDiskDef *d, const StorageVolSource *v);

static char *
url_file(const StorageVolSource *v)
{
	g_autofree char *url = storage_network_url(v->protocol, v->hosts->pdata[0], v->path);
	g_autofree char *esc = qcmd_esc(url);

	return g_strdup_printf("file=%s,", esc);
}

static char *
file_nfs(Cmd *c, const HvDomainDiskDef *d, const StorageVolSource *v)
{
	return url_file(v);
}

/* iscsi://HOST[:PORT]/IQN/LUN; with CHAP, the iscsi driver's own options so
 * that the password is a secret object (libvirt's way since QEMU 2.9). */
static char *
file_iscsi(Cmd *c, const HvDomainDiskDef *d, const StorageVolSource *v)
{
	const char *path = v->path[0] == '/' ? v->path + 1 : v->path;
	const char *slash = strrchr(path, '/');
	g_autofree char *iqn = slash ? g_strndup(path, slash - path) : g_strdup(path);
	g_autofree char *hp = NULL, *portal = NULL, *target = NULL, *user = NULL;
	const char *host = v->hosts->pdata[0];

	if (!v->auth_user)
		return url_file(v);
	hp = strchr(host, ':') ? g_strdup(host) : g_strconcat(host, ":3260", NULL);
	portal = qcmd_esc(hp);
	target = qcmd_esc(iqn);
	user = qcmd_esc(v->auth_user);
	return g_strdup_printf("file.driver=iscsi,file.transport=tcp,file.portal=%s,file.target=%s,"
			       "file.lun=%s,file.user=%s,file.password-secret=%s,", portal, target,
			       slash ? slash + 1 : "0", user, add_secret(c, d, v->auth_secret));
}

/* QEMU's rbd: spec, as libvirt writes it; the cephx key in a secret object. */
static char *
file_rbd(Cmd *c, const HvDomainDiskDef *d, const StorageVolSource *v)
{
	g_autofree char *spec = storage_rbd_spec(v);
	g_autofree char *esc = qcmd_esc(spec);

	if (!v->auth_user)
		return g_strdup_printf("file=%s,", esc);
	return g_strdup_printf("file=%s,file.password-secret=%s,", esc,
			       add_secret(c, d, v->auth_secret));
}

/* One row a protocol a network disk or volume is reached over: the secret
 * usage type its <auth> takes (NULL: none), whether it needs a <host>, the
 * characters its name may not hold, and how it goes on the command line. */
static const struct {
	const char *protocol;
	const char *secret_type;
	bool needs_host;
	const char *name_unsafe, *name_says;
	NetFile file;
} net_protocols[] = {
	{ "iscsi", "iscsi", true, ",?# \t\n", ", ? # or blanks", file_iscsi },
	{ "nfs", NULL, true, "?#,; \t\n", "? # , ; or blanks", file_nfs },
	{ "rbd", "ceph", false, "@:,;\\'\" \t\n", "@ : , ; quotes or blanks", file_rbd },
};

static int
disk_check(Cmd *c, const HvDomainDiskDef *d, const char *bus, GError **err)
{
	g_autofree char *what = NULL;
	bool vol = d->source_pool || d->source_volume;
	bool net = !vol && g_strcmp0(d->type, "network") == 0;
	const typeof(net_protocols[0]) *row = net ? HV_TABLE_FIND(net_protocols, d->source_protocol)
						  : NULL;

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
	else if (net && (!row || (row->needs_host && (!d->source_host || !*d->source_host ||
						      d->source_host[0] == ':'))))
		what = g_strdup_printf("disk '%s' over protocol '%s' (nfs and iscsi are, with a "
				       "<host name=> and a name=; rbd with a name=)", d->target_dev,
				       d->source_protocol ? d->source_protocol : "");
	else if (net && d->source && strpbrk(d->source, row->name_unsafe))
		what = g_strdup_printf("disk '%s' over %s named '%s' (a name without %s)",
				       d->target_dev, row->protocol, d->source, row->name_says);
	else if (!net && d->auth_user)
		what = g_strdup_printf("disk '%s' with <auth> (only network disks log in)",
				       d->target_dev);
	else if (net && d->auth_user && !row->secret_type)
		what = g_strdup_printf("disk '%s' over %s with <auth>", d->target_dev, row->protocol);
	else if (!bus)
		what = g_strdup_printf("disk '%s' with no known bus", d->target_dev);
	return what ? qcmd_unsupported(c, err, "%s", what) : 0;
}

/* A <disk type='network'> as the source a pool volume resolves to, with the
 * value of the secret its <auth> names (libvirt's qemuDomainSecretDiskPrepare). */
static int
network_source(Cmd *c, const HvDomainDiskDef *d, StorageVolSource *v, GError **err)
{
	const typeof(net_protocols[0]) *row = HV_TABLE_FIND(net_protocols, d->source_protocol);
	int r;

	v->type = g_strdup("network");
	v->protocol = g_strdup(row->protocol);
	v->path = g_strdup(d->source);
	v->hosts = g_ptr_array_new_with_free_func(g_free);
	for (guint k = 0; d->source_hosts && k < d->source_hosts->len; k++)
		g_ptr_array_add(v->hosts, g_strdup(d->source_hosts->pdata[k]));
	if (!d->auth_user)
		return 0;
	if (!c->paths->resolve_secret)
		return qcmd_unsupported(c, err, "disk '%s' with <auth> (no secrets to resolve it)",
					d->target_dev);
	v->auth_user = g_strdup(d->auth_user);
	v->auth_secret_usage = g_strdup(d->auth_secret);
	if ((r = c->paths->resolve_secret(c->paths->secret_opaque, row->secret_type, d->auth_secret,
					  &v->auth_secret, err)) < 0)
		g_prefix_error(err, "cannot start domain '%s': disk '%s': ", c->def->name,
			       d->target_dev);
	return r;
}

/* A resolved source (a pool volume's or a network disk's) as the -drive's
 * file options, escaped and ending in ','. */
static int
source_file(Cmd *c, const HvDomainDiskDef *d, const StorageVolSource *v, char **file,
	    GError **err)
{
	const typeof(net_protocols[0]) *row = v->protocol ? HV_TABLE_FIND(net_protocols, v->protocol)
							  : NULL;
	g_autofree char *esc = NULL;

	if (!v->protocol) {
		esc = qcmd_esc(v->path);
		*file = g_strdup_printf("file=%s,", esc);
		return 0;
	}
	if (!row || (row->needs_host && (!v->hosts || !v->hosts->len)))
		return qcmd_unsupported(c, err, "disk '%s' reached over %s", d->target_dev,
					v->protocol);
	if (v->auth_user && (!row->secret_type || !v->auth_secret))
		return qcmd_unsupported(c, err, "disk '%s' over %s with authentication",
					d->target_dev, v->protocol);
	if (v->auth_user && (!c->paths->secrets || !c->paths->secret_prefix))
		return qcmd_unsupported(c, err, "disk '%s' over %s with %s (no place for its key)",
					d->target_dev, v->protocol,
					g_str_equal(row->protocol, "rbd") ? "cephx" : "CHAP");
	*file = row->file(c, d, v);
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
		g_autofree char *file = NULL;
		g_auto(StorageVolSource) vol = { 0 };
		const char *fmt = d->driver_type;
		const typeof(disk_buses[0]) *row;
		int r;

		if ((r = disk_check(c, d, bus, err)) < 0)
			return r;
		if (d->source_pool) {
			if ((r = c->paths->resolve_volume(c->paths->resolve_opaque, d->source_pool,
							  d->source_volume, &vol, err)) < 0) {
				g_prefix_error(err, "cannot start domain '%s': disk '%s': ",
					       c->def->name, d->target_dev);
				return r;
			}
			fmt = fmt ? fmt : vol.format;
			if (qcmd_str_in(fmt, disk_formats) < 0)
				return qcmd_unsupported(c, err, "disk '%s' in format '%s'", d->target_dev, fmt);
		} else if (g_strcmp0(d->type, "network") == 0) {
			if ((r = network_source(c, d, &vol, err)) < 0)
				return r;
		} else if (d->source)
			vol.path = g_strdup(d->source);
		if (vol.path && (r = source_file(c, d, &vol, &file, err)) < 0)
			return r;
		if (!(row = HV_TABLE_FIND(disk_buses, bus)))
			return qcmd_unsupported(c, err, "disk '%s' on bus '%s'", d->target_dev, bus);
		qcmd_arg2(c, "-drive", g_strdup_printf("%sif=none,id=%s,format=%s%s", file ? file : "",
						  drive, fmt ? fmt : "raw",
						  cd || d->readonly ? ",readonly=on" : ""));
		if ((r = row->place(c, d, cd, drive, err)) < 0)
			return r;
	}
	return 0;
}
