/* domain_implicit.c: what libvirt's generic post-parse adds to a domain: a
 * drive <address> for each disk on a controller bus that has none
 * (virDomainDiskDefAssignAddress) and the controllers those addresses and
 * virtio consoles/channels, smartcards and SCSI host devices need
 * (virDomainDefAddImplicitControllers). */
#include "conf/domain_priv.h"
#include "conf/normalise.h"
#include <string.h>

/* virDomainDiskDefAssignAddress: how a drive index maps to an address, per
 * bus, and the controller type each bus needs, in the order
 * virDomainDefAddImplicitControllers adds them. SCSI is the narrow mapping. */
static const struct {
	const char *bus;
	const char *controller;
	int per_controller; /* units on a controller */
	int per_bus;        /* units on a bus (0: one bus) */
} drive_buses[] = {
	{ "scsi", "scsi", 7, 0 },
	{ "fdc", "fdc", 2, 0 },
	{ "ide", "ide", 4, 2 },
	{ "sata", "sata", 6, 0 },
};

static int
bus_row(const char *bus)
{
	for (size_t i = 0; bus && i < G_N_ELEMENTS(drive_buses); i++)
		if (!strcmp(bus, drive_buses[i].bus))
			return (int)i;
	return -1;
}

static void
assign_address(xmlNode *disk)
{
	xmlNode *t = hv_xml_child(disk, "target");
	g_autofree char *bus = hv_xml_prop(t, "bus");
	g_autofree char *dev = hv_xml_prop(t, "dev");
	int row = bus_row(bus);
	long idx = hv_domain_drive_index(dev);
	xmlNode *addr;
	int per, unit_mod;

	if (row < 0 || idx < 0 || hv_xml_child(disk, "address"))
		return;
	per = drive_buses[row].per_controller;
	unit_mod = drive_buses[row].per_bus ? drive_buses[row].per_bus : per;
	addr = xmlNewChild(disk, NULL, (const xmlChar *)"address", NULL);
	hv_xml_set_prop(addr, "type", "drive");
	hv_xml_set_num(addr, "controller", idx / per);
	hv_xml_set_num(addr, "bus", drive_buses[row].per_bus ? (idx % per) / drive_buses[row].per_bus : 0);
	hv_xml_set_num(addr, "target", 0);
	hv_xml_set_num(addr, "unit", idx % unit_mod);
}

/* The controllers there are, as "type:index" (one look-up each, however many
 * a drive index asks for). */
static GHashTable *
controller_set(xmlNode *devs)
{
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *t = hv_xml_prop(c, "type");
		g_autofree char *i = hv_xml_prop(c, "index");

		g_hash_table_add(set, g_strdup_printf("%s:%s", t ? t : "", i ? i : ""));
	}
	return set;
}

/* virDomainDefMaybeAddController: appended after the controllers there are. */
static void
add_controller(xmlNode *devs, GHashTable *set, const char *type, long idx)
{
	char *key = g_strdup_printf("%s:%ld", type, idx);
	xmlNode *c;

	if (!g_hash_table_add(set, key))
		return;
	c = xmlNewChild(devs, NULL, (const xmlChar *)"controller", NULL);
	hv_xml_set_prop(c, "type", type);
	hv_xml_set_num(c, "index", idx);
}

/* virDomainDefAddDiskControllersForType: controllers 0..highest in use. */
static void
disk_controllers(xmlNode *devs, GHashTable *set)
{
	for (size_t r = 0; r < G_N_ELEMENTS(drive_buses); r++) {
		long max = -1;

		for (xmlNode *d = hv_xml_child(devs, "disk"); d; d = hv_xml_next_named(d)) {
			g_autofree char *bus = hv_xml_child_prop(d, "target", "bus");
			xmlNode *a = hv_xml_child(d, "address");
			g_autofree char *type = hv_xml_prop(a, "type");
			g_autofree char *ctl = hv_xml_prop(a, "controller");

			if (g_strcmp0(bus, drive_buses[r].bus) || g_strcmp0(type, "drive"))
				continue;
			if (ctl ? strtol(ctl, NULL, 0) > max : max < 0)
				max = ctl ? strtol(ctl, NULL, 0) : 0;
		}
		for (long i = 0; i <= max; i++)
			add_controller(devs, set, drive_buses[r].controller, i);
	}
}

/* virDomainDefMaybeAddVirtioSerialController: a virtio channel or console
 * needs the virtio-serial controller its address names (0 without one). */
static void
virtio_serial(xmlNode *devs, GHashTable *set)
{
	static const char *const kinds[] = { "channel", "console", NULL };

	for (size_t k = 0; kinds[k]; k++)
		for (xmlNode *c = hv_xml_child(devs, kinds[k]); c; c = hv_xml_next_named(c)) {
			g_autofree char *tt = hv_xml_child_prop(c, "target", "type");
			xmlNode *a = hv_xml_child(c, "address");
			g_autofree char *at = hv_xml_prop(a, "type");
			g_autofree char *ctl = hv_xml_prop(a, "controller");

			if (g_strcmp0(tt, "virtio"))
				continue;
			add_controller(devs, set, "virtio-serial",
				       !g_strcmp0(at, "virtio-serial") && ctl ? strtol(ctl, NULL, 0) : 0);
		}
}

static long
num_prop(xmlNode *el, const char *attr)
{
	g_autofree char *v = hv_xml_prop(el, attr);

	return v ? strtol(v, NULL, 10) : 0;
}

/* virDomainDefMaybeAddSmartcardController: a smartcard without an address
 * gets slot (highest on ccid controller 0) + 1 there; each needs its ccid
 * controller. */
static void
smartcards(xmlNode *devs, GHashTable *set)
{
	for (xmlNode *s = hv_xml_child(devs, "smartcard"); s; s = hv_xml_next_named(s)) {
		xmlNode *a = hv_xml_child(s, "address");
		g_autofree char *at = hv_xml_prop(a, "type");
		long idx = 0;

		if (!g_strcmp0(at, "ccid")) {
			idx = num_prop(a, "controller");
		} else if (!a) {
			long max = -1;

			for (xmlNode *o = hv_xml_child(devs, "smartcard"); o; o = hv_xml_next_named(o)) {
				xmlNode *oa = hv_xml_child(o, "address");
				g_autofree char *ot = hv_xml_prop(oa, "type");

				if (!g_strcmp0(ot, "ccid") && num_prop(oa, "controller") == 0 &&
				    num_prop(oa, "slot") > max)
					max = num_prop(oa, "slot");
			}
			a = xmlNewChild(s, NULL, (const xmlChar *)"address", NULL);
			hv_xml_set_prop(a, "type", "ccid");
			hv_xml_set_num(a, "controller", 0);
			hv_xml_set_num(a, "slot", max + 1);
		}
		add_controller(devs, set, "ccid", idx);
	}
}

/* virDomainSCSIDriveAddressIsUsed: unit 7 (the controller's own) or a SCSI
 * disk's or SCSI host device's drive address */
static bool
scsi_unit_used(xmlNode *devs, long ctl, long unit)
{
	static const char *const kinds[] = { "disk", "hostdev", NULL };

	if (unit == 7)
		return true;
	for (size_t k = 0; kinds[k]; k++)
		for (xmlNode *d = hv_xml_child(devs, kinds[k]); d; d = hv_xml_next_named(d)) {
			xmlNode *a = hv_xml_child(d, "address");
			g_autofree char *at = hv_xml_prop(a, "type");
			g_autofree char *bus = k ? hv_xml_prop(d, "type") : hv_xml_child_prop(d, "target", "bus");

			if (!g_strcmp0(bus, "scsi") && !g_strcmp0(at, "drive") &&
			    num_prop(a, "controller") == ctl && num_prop(a, "bus") == 0 &&
			    num_prop(a, "target") == 0 && num_prop(a, "unit") == unit)
				return true;
		}
	return false;
}

/* virDomainHostdevAssignAddress: a SCSI host device without an address
 * takes the first free unit (of 7: a narrow bus) on the first controller
 * that has one, bus and target 0 */
static void
hostdev_addresses(xmlNode *devs)
{
	for (xmlNode *h = hv_xml_child(devs, "hostdev"); h; h = hv_xml_next_named(h)) {
		g_autofree char *t = hv_xml_prop(h, "type");
		long ctl = 0, unit = 0;
		xmlNode *a;

		if (g_strcmp0(t, "scsi") || hv_xml_child(h, "address"))
			continue;
		while (scsi_unit_used(devs, ctl, unit))
			if (++unit == 7) {
				unit = 0;
				ctl++;
			}
		a = xmlNewChild(h, NULL, (const xmlChar *)"address", NULL);
		hv_xml_set_prop(a, "type", "drive");
		hv_xml_set_num(a, "controller", ctl);
		hv_xml_set_num(a, "bus", 0);
		hv_xml_set_num(a, "target", 0);
		hv_xml_set_num(a, "unit", unit);
	}
}

/* the model= of scsi controller idx, NULL without one */
static char *
scsi_model(xmlNode *devs, long idx)
{
	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *t = hv_xml_prop(c, "type");

		if (!g_strcmp0(t, "scsi") && num_prop(c, "index") == idx)
			return hv_xml_prop(c, "model");
	}
	return NULL;
}

/* virDomainDefMaybeAddHostdevSCSIcontroller: scsi controllers 0..the highest
 * a SCSI host device's drive address names, of the model of the last
 * existing one such an address named (virDomainDeviceFindControllerModel). */
static void
hostdev_scsi(xmlNode *devs, GHashTable *set)
{
	g_autofree char *model = NULL;
	long max = -1;

	for (xmlNode *h = hv_xml_child(devs, "hostdev"); h; h = hv_xml_next_named(h)) {
		g_autofree char *t = hv_xml_prop(h, "type");
		xmlNode *a = hv_xml_child(h, "address");
		g_autofree char *at = hv_xml_prop(a, "type");
		char *m;

		if (g_strcmp0(t, "scsi") || g_strcmp0(at, "drive") || num_prop(a, "controller") <= max)
			continue;
		max = num_prop(a, "controller");
		if ((m = scsi_model(devs, max))) {
			g_free(model);
			model = m;
		}
	}
	for (long i = 0; i <= max; i++) {
		guint before = g_hash_table_size(set);
		xmlNode *c;

		add_controller(devs, set, "scsi", i);
		if (model && g_hash_table_size(set) > before && (c = xmlGetLastChild(devs)))
			hv_xml_set_prop(c, "model", model);
	}
}

/* virDomainPostParseCheckISCSIPath: an iSCSI source (a network disk's or a
 * SCSI host device's) whose name has no LUN is LUN 0 */
static void
iscsi_luns(xmlNode *devs)
{
	static const char *const kinds[] = { "disk", "hostdev", NULL };

	for (size_t k = 0; kinds[k]; k++)
		for (xmlNode *d = hv_xml_child(devs, kinds[k]); d; d = hv_xml_next_named(d)) {
			xmlNode *src = hv_xml_child(d, "source");
			g_autofree char *type = hv_xml_prop(d, "type");
			g_autofree char *proto = hv_xml_prop(src, "protocol");
			g_autofree char *name = hv_xml_prop(src, "name");
			g_autofree char *lun = NULL;

			if (g_strcmp0(type, k ? "scsi" : "network") || g_strcmp0(proto, "iscsi") || !name ||
			    strchr(name, '/'))
				continue;
			lun = g_strdup_printf("%s/0", name);
			hv_xml_set_prop(src, "name", lun);
		}
}

void
hv_domain_add_implicit(xmlNode *devs)
{
	g_autoptr(GHashTable) set = NULL;

	for (xmlNode *d = hv_xml_child(devs, "disk"); d; d = hv_xml_next_named(d))
		assign_address(d);
	hostdev_addresses(devs);
	iscsi_luns(devs);
	set = controller_set(devs);
	disk_controllers(devs, set);
	virtio_serial(devs, set);
	smartcards(devs, set);
	hostdev_scsi(devs, set);
}

/* virDomainDiskDefAssignAddress: a disk with no address needs a target name
 * libvirt can number. */
int
hv_domain_check_disk_names(xmlNode *devs, GError **err)
{
	for (xmlNode *d = hv_xml_child(devs, "disk"); d; d = hv_xml_next_named(d)) {
		g_autofree char *dev = hv_xml_child_prop(d, "target", "dev");

		if (dev && !hv_xml_child(d, "address") && hv_domain_drive_index(dev) < 0)
			return hv_error_set(err, EINVAL,
					    "line %d: domain <disk>: unknown disk name '%s' and no address specified",
					    d->line, dev);
	}
	return 0;
}
