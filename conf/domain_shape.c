/* domain_shape.c: the parts of libvirt's canonical <domain> shape that are
 * about order and numbering rather than single values: the order in which
 * virDomainDefFormatInternal writes the top-level elements and the devices,
 * the order of a disk's children (virDomainDiskDefFormat), disks sorted by
 * bus and drive index (virDomainDiskInsertPreAlloced), a disk's default bus
 * from its target name (virDomainDiskDefParseXML) and the index a controller
 * without one gets (virDomainControllerFindUnusedIndex). Then the rule table
 * (rules_domain.c) runs. */
#include "conf/domain_priv.h"
#include "conf/normalise.h"
#include "conf/qemu_priv.h"
#include "conf/rules.h"
#include <errno.h>
#include <string.h>

static const char *const domain_order[] = {
	"name", "uuid", "genid", "title", "description", "metadata", "maxMemory", "memory",
	"currentMemory", "blkiotune", "memtune", "memoryBacking", "vcpu", "vcpus", "iothreads",
	"iothreadids", "cputune", "numatune", "resource", "sysinfo", "bootloader",
	"bootloader_args", "os", "idmap", "features", "cpu", "clock", "on_poweroff", "on_reboot",
	"on_crash", "on_lockfailure", "pm", "perf", "devices", "seclabel", "keywrap", NULL,
};

static const char *const devices_order[] = {
	"emulator", "disk", "controller", "lease", "filesystem", "interface", "smartcard",
	"serial", "parallel", "console", "channel", "input", "tpm", "graphics", "sound", "video",
	"hostdev", "redirdev", "redirfilter", "hub", "watchdog", "memballoon", "rng", "nvram",
	"panic", "shmem", "memory", "iommu", NULL,
};

static const char *const os_order[] = {
	"type", "init", "initarg", "initenv", "initdir", "inituser", "initgroup", "loader",
	"nvram", "kernel", "initrd", "cmdline", "dtb", "root", "acpi", "boot", "bootmenu", "bios",
	"smbios", NULL,
};

static const char *const disk_order[] = {
	"driver", "auth", "source", "backingStore", "backenddomain", "geometry", "blockio",
	"mirror", "target", "iotune", "readonly", "shareable", "transient", "serial", "wwn",
	"vendor", "product", "encryption", "boot", "alias", "address", NULL,
};

/* A disk's bus when <target> names none, by the target's prefix (floppies are
 * on fdc whatever their name). First match wins; the last row is the rest. */
static const struct {
	const char *prefix;
	const char *bus;
} disk_buses[] = {
	{ "hd", "ide" }, { "sd", "scsi" }, { "vd", "virtio" }, { "xvd", "xen" }, { "ubd", "uml" },
	{ "", "ide" },
};

/* A disk's bus: its target's bus=, else by its device and target name. */
char *
hv_domain_disk_bus(xmlNode *disk)
{
	xmlNode *target = hv_xml_child(disk, "target");
	g_autofree char *dev = hv_xml_prop(target, "dev");
	g_autofree char *device = hv_xml_prop(disk, "device");
	char *bus = hv_xml_prop(target, "bus");

	if (bus || !dev)
		return bus;
	if (!g_strcmp0(device, "floppy"))
		return g_strdup("fdc");
	for (size_t i = 0; i < G_N_ELEMENTS(disk_buses); i++)
		if (g_str_has_prefix(dev, disk_buses[i].prefix))
			return g_strdup(disk_buses[i].bus);
	return NULL;
}

/* virDomainDiskDefMirrorParse / virDomainDiskDefFormat: a block job's
 * <mirror> is written in the style of <backingStore> (type=, <format>,
 * <source>), its job (copy by default) always; a file copy also keeps the
 * old file= and format= attributes. The old style (file= without type=)
 * is read as a file. */
static void
mirror_shape(xmlNode *disk)
{
	static const char *const order[] = { "format", "source", NULL };
	xmlNode *m = hv_xml_child(disk, "mirror");
	g_autofree char *type = hv_xml_prop(m, "type");
	g_autofree char *job = hv_xml_prop(m, "job");
	g_autofree char *file = NULL, *format = NULL;

	if (!m)
		return;
	if (!job)
		hv_xml_set_prop(m, "job", (job = g_strdup("copy")));
	if (!type) {
		file = hv_xml_prop(m, "file");
		format = hv_xml_prop(m, "format");
		hv_xml_set_prop(m, "type", (type = g_strdup("file")));
		hv_xml_remove_children(m, "format");
		hv_xml_remove_children(m, "source");
		if (format)
			hv_xml_set_prop(xmlNewChild(m, NULL, (const xmlChar *)"format", NULL), "type", format);
		if (file)
			hv_xml_set_prop(xmlNewChild(m, NULL, (const xmlChar *)"source", NULL), "file", file);
	} else {
		format = hv_xml_child_prop(m, "format", "type");
		file = hv_xml_child_prop(m, "source", "file");
	}
	if (strcmp(type, "file") || strcmp(job, "copy")) {
		g_clear_pointer(&file, g_free);
		g_clear_pointer(&format, g_free);
	}
	hv_xml_set_prop(m, "file", file);
	hv_xml_set_prop(m, "format", format);
	for (const char *const *a = (const char *const[]){ "ready", "job", "format", "file", "type", NULL };
	     *a; a++)
		hv_xml_prop_to_front(m, *a);
	hv_xml_reorder(m, order);
}

static void
disk_bus(xmlNode *disk)
{
	xmlNode *target = hv_xml_child(disk, "target");
	g_autofree char *bus = NULL;

	if (!target || xmlHasProp(target, (const xmlChar *)"bus"))
		return;
	if ((bus = hv_domain_disk_bus(disk)))
		hv_xml_set_prop(target, "bus", bus);
}

/* virDiskNameToIndex: the letters after the prefix, base 26 with "aa"
 * after "z" ("sdaa" is 26), then at most digits; -1 when the name has no
 * letters, has anything else after them, or names an index above
 * HV_DRIVE_INDEX_MAX. */
#define HV_DRIVE_INDEX_MAX 65535
long
hv_domain_drive_index(const char *dev)
{
	static const char *const prefixes[] = { "fd", "hd", "vd", "sd", "xvd", "ubd", NULL };
	const char *p = NULL;
	long idx = 0;
	int i;

	for (size_t k = 0; dev && prefixes[k] && !p; k++)
		if (g_str_has_prefix(dev, prefixes[k]))
			p = dev + strlen(prefixes[k]);
	if (!p)
		return -1;
	for (i = 0; p[i] >= 'a' && p[i] <= 'z' && idx <= HV_DRIVE_INDEX_MAX; i++)
		idx = (idx + (i ? 1 : 0)) * 26 + (p[i] - 'a');
	/* only a partition number may follow the letters; an index beyond any
	 * controller count is refused rather than filled in (a fuzz finding:
	 * "sdaelement" made millions of implicit controllers) */
	if (!i || p[i + strspn(p + i, "0123456789")] || idx > HV_DRIVE_INDEX_MAX)
		return -1;
	return idx;
}

typedef struct {
	xmlNode *el;
	char *bus;
	long index;
} DiskKey;

/* virDomainDiskInsertPreAlloced, once per disk in document order: a disk
 * goes before the first disk on its bus with a higher drive index, else
 * after the last disk on its bus, else at the end. The disks are together
 * (the devices are in order already), so they are put back in one run. */
static void
sort_disks(xmlNode *devs)
{
	g_autoptr(GArray) order = g_array_new(FALSE, FALSE, sizeof(DiskKey));
	xmlNode *before = NULL, *first = hv_xml_child(devs, "disk");

	if (!first)
		return;
	before = first->prev;
	for (xmlNode *c = first, *next; c; c = next) {
		xmlNode *t = hv_xml_child(c, "target");
		g_autofree char *dev = hv_xml_prop(t, "dev");
		/* libvirt 4.0 sorts with the default buses filled in; 9.0 sorts
		 * before, which is not a fixed point (docs/xml.md): 4.0's way */
		DiskKey k = { c, hv_xml_prop(t, "bus"), hv_domain_drive_index(dev) };
		int at = -1;

		next = hv_xml_next_named(c);
		for (int i = (int)order->len - 1; i >= 0; i--) {
			DiskKey *o = &g_array_index(order, DiskKey, i);

			if (g_strcmp0(o->bus, k.bus))
				continue;
			if (o->index > k.index)
				at = i;
			else if (at == -1)
				at = i + 1;
		}
		if (at < 0)
			g_array_append_val(order, k);
		else
			g_array_insert_val(order, at, k);
		xmlUnlinkNode(c);
	}
	for (guint i = 0; i < order->len; i++) {
		DiskKey *k = &g_array_index(order, DiskKey, i);

		if (before)
			xmlAddNextSibling(before, k->el);
		else if (devs->children)
			xmlAddPrevSibling(devs->children, k->el);
		else
			xmlAddChild(devs, k->el);
		before = k->el;
		g_free(k->bus);
	}
}

/* virDomainControllerFindUnusedIndex: the lowest index no controller of the
 * same type has, for each controller without one, in document order. */
/* the USB2 controllers (an EHCI and its UHCI companions), and the port a
 * companion starts at when <master> names none (virDomainControllerDefParseXML) */
static const struct {
	const char *model;
	const char *startport; /* NULL: not a companion */
} usb2_models[] = {
	{ "ich9-ehci1", NULL },
	{ "ich9-uhci1", "0" },
	{ "ich9-uhci2", "2" },
	{ "ich9-uhci3", "4" },
};

static int
usb2_model(xmlNode *c)
{
	g_autofree char *type = hv_xml_prop(c, "type");
	g_autofree char *model = hv_xml_prop(c, "model");

	for (size_t i = 0; !g_strcmp0(type, "usb") && model && i < G_N_ELEMENTS(usb2_models); i++)
		if (!strcmp(model, usb2_models[i].model))
			return (int)i;
	return -1;
}

static bool
is_controller_el(const xmlNode *c)
{
	return c->type == XML_ELEMENT_NODE && !c->ns && !strcmp((const char *)c->name, "controller");
}

static bool
index_used(xmlNode *devs, xmlNode *self, const char *type, const char *model, const char *num)
{
	for (xmlNode *o = devs->children; o; o = o->next) {
		g_autofree char *ot = NULL;
		g_autofree char *oi = NULL;
		g_autofree char *om = NULL;

		if (o == self || !is_controller_el(o))
			continue;
		ot = hv_xml_prop(o, "type");
		oi = hv_xml_prop(o, "index");
		om = model ? hv_xml_prop(o, "model") : NULL;
		if (!g_strcmp0(ot, type) && !g_strcmp0(oi, num) && (!model || !g_strcmp0(om, model)))
			return true;
	}
	return false;
}

/* virDomainAssignControllerIndexes: the lowest unused index of the type;
 * but a USB2 controller right after another USB2 one joins its group
 * unless the group has that model already */
static void
controller_indexes(xmlNode *devs)
{
	xmlNode *prev_usb = NULL;
	/* "type/index" of every controller that has one: the lowest free
	 * index is found without rescanning the devices (hundreds of
	 * index-less controllers took seconds under the fuzzers) */
	g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (xmlNode *c = devs->children; c; c = c->next) {
		g_autofree char *type = NULL;
		g_autofree char *idx = NULL;

		if (!is_controller_el(c) || !(idx = hv_xml_prop(c, "index")))
			continue;
		type = hv_xml_prop(c, "type");
		g_hash_table_add(used, g_strdup_printf("%s/%s", type ? type : "", idx));
	}
	for (xmlNode *c = devs->children; c; c = c->next) {
		g_autofree char *type = NULL;
		g_autofree char *model = NULL;
		g_autofree char *pidx = NULL;
		char num[16];
		int idx = 0;

		if (!is_controller_el(c))
			continue;
		type = hv_xml_prop(c, "type");
		if (!xmlHasProp(c, (const xmlChar *)"index")) {
			model = hv_xml_prop(c, "model");
			pidx = prev_usb ? hv_xml_prop(prev_usb, "index") : NULL;
			if (usb2_model(c) >= 0 && prev_usb && usb2_model(prev_usb) >= 0 && pidx &&
			    !index_used(devs, c, "usb", model, pidx)) {
				hv_xml_set_prop(c, "index", pidx);
			} else {
				char *key = NULL;

				do {
					g_free(key);
					g_snprintf(num, sizeof(num), "%d", idx++);
					key = g_strdup_printf("%s/%s", type ? type : "", num);
				} while (g_hash_table_contains(used, key));
				g_hash_table_add(used, key);
				hv_xml_set_prop(c, "index", num);
			}
		}
		if (!g_strcmp0(type, "usb"))
			prev_usb = c;
	}
}

static long
parsed_index(xmlNode *c)
{
	g_autofree char *v = hv_xml_prop(c, "index");

	return v ? strtol(v, NULL, 10) : -1;
}

static bool
has_master(xmlNode *c)
{
	int row = usb2_model(c);

	return hv_xml_child(c, "master") || (row >= 0 && usb2_models[row].startport);
}

/* virDomainControllerInsertPreAlloced: the parser keeps controllers of a
 * type together, by index, a master before its companions at the same
 * index, one without index after the others of its type */
typedef struct {
	xmlNode *node;
	char *type;
	long idx;
	bool master;
} SortedController;

static void
sorted_controller_clear(SortedController *c)
{
	g_free(c->type);
}

static void
sort_controllers(xmlNode *devs)
{
	g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(SortedController));
	xmlNode *first = hv_xml_child(devs, "controller");
	xmlNode *anchor;

	if (!first)
		return;
	g_array_set_clear_func(out, (GDestroyNotify)sorted_controller_clear);
	/* each controller's type, index and master read once: a document may
	 * have hundreds (a fuzz finding: the lookups in the quadratic walk) */
	for (xmlNode *c = first; c; c = hv_xml_next_named(c)) {
		SortedController n = { c, hv_xml_prop(c, "type"), parsed_index(c), has_master(c) };
		int at = -1;

		for (int i = (int)out->len - 1; i >= 0; i--) {
			const SortedController *cur = &g_array_index(out, SortedController, i);

			if (g_strcmp0(cur->type, n.type))
				continue;
			if (n.idx == -1) {
				at = i + 1;
				break;
			}
			if (cur->idx > n.idx)
				at = i;
			else if (!n.master && cur->master && cur->idx == n.idx)
				at = i;
			else if (at == -1)
				at = i + 1;
		}
		if (at < 0)
			g_array_append_val(out, n);
		else
			g_array_insert_val(out, (guint)at, n);
	}
	anchor = xmlNewDocNode(devs->doc, NULL, (const xmlChar *)"anchor", NULL);
	xmlAddPrevSibling(first, anchor);
	for (guint i = 0; i < out->len; i++) {
		xmlNode *c = g_array_index(out, SortedController, i).node;

		xmlUnlinkNode(c);
		xmlAddPrevSibling(anchor, c);
	}
	xmlUnlinkNode(anchor);
	xmlFreeNode(anchor);
}

/* a companion's <master startport=>, before its address */
static void
usb_masters(xmlNode *devs)
{
	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c)) {
		int row = usb2_model(c);
		xmlNode *m, *addr;

		if (row < 0 || !usb2_models[row].startport || hv_xml_child(c, "master"))
			continue;
		m = xmlNewDocNode(c->doc, NULL, (const xmlChar *)"master", NULL);
		hv_xml_set_prop(m, "startport", usb2_models[row].startport);
		if ((addr = hv_xml_child(c, "address")))
			xmlAddPrevSibling(addr, m);
		else
			xmlAddChild(c, m);
	}
}

/* virDomainNumaDefCPUParseXML: a NUMA cell without id= is cell number
 * (its position); cells are kept, and written, by id */
static void
numa_cells(xmlNode *root)
{
	xmlNode *numa = hv_xml_path(root, "cpu/numa");
	g_autoptr(GPtrArray) cells = g_ptr_array_new();
	unsigned n = hv_xml_count(numa, "cell");
	unsigned pos = 0;
	xmlNode *anchor;

	if (n < 2 && !(n == 1 && !xmlHasProp(hv_xml_child(numa, "cell"), (const xmlChar *)"id")))
		return;
	g_ptr_array_set_size(cells, (gint)n);
	for (xmlNode *c = hv_xml_child(numa, "cell"); c; c = hv_xml_next_named(c), pos++) {
		g_autofree char *id = hv_xml_prop(c, "id");
		char *end = NULL;
		unsigned long v = id ? strtoul(id, &end, 10) : pos;

		if ((id && (!*id || *end)) || v >= n || cells->pdata[v])
			return; /* refused by the checks: leave it */
		cells->pdata[v] = c;
	}
	anchor = xmlNewDocNode(numa->doc, NULL, (const xmlChar *)"anchor", NULL);
	xmlAddPrevSibling(hv_xml_child(numa, "cell"), anchor);
	for (guint i = 0; i < cells->len; i++) {
		char num[16];

		g_snprintf(num, sizeof(num), "%u", i);
		hv_xml_set_prop(cells->pdata[i], "id", num);
		hv_xml_prop_to_front(cells->pdata[i], "id");
		xmlUnlinkNode(cells->pdata[i]);
		xmlAddPrevSibling(anchor, cells->pdata[i]);
	}
	xmlUnlinkNode(anchor);
	xmlFreeNode(anchor);
}

/* virDomainDefPostParseCommon: an HVM guest that says nothing about booting
 * boots from its disk. */
static void
boot_default(xmlNode *root)
{
	xmlNode *os = hv_xml_child(root, "os");
	g_autofree char *type = hv_xml_child_text(os, "type");

	if (!os || !type || strcmp(g_strstrip(type), "hvm") || hv_xml_child(os, "boot") ||
	    hv_domain_has_device_boot(root))
		return;
	hv_xml_set_prop(xmlNewChild(os, NULL, (const xmlChar *)"boot", NULL), "dev", "hd");
}

/* virDomainDefParseXML puts the video marked primary first;
 * virDomainDefPostParseCommon marks the first video primary. */
static void
primary_video(xmlNode *devs)
{
	xmlNode *first = hv_xml_child(devs, "video");

	for (xmlNode *v = first; v; v = hv_xml_next_named(v)) {
		g_autofree char *p = hv_xml_child_prop(v, "model", "primary");

		if (!g_strcmp0(p, "yes")) {
			if (v != first) {
				xmlUnlinkNode(v);
				xmlAddPrevSibling(first, v);
			}
			return;
		}
	}
	if (first && xmlHasProp(hv_xml_child(first, "model"), (const xmlChar *)"type"))
		hv_xml_set_prop(hv_xml_child(first, "model"), "primary", "yes");
}

int
hv_domain_shape(xmlNode *root, HvDomainPostParse postparse, unsigned flags, GError **err)
{
	xmlNode *devs = hv_xml_child(root, "devices");
	HvQemuGuest qemu;
	int rc = 0;

	if (flags & HV_SHAPE_PARSE_INACTIVE) {
		hv_domain_graphics_inactive(devs);
		hv_qemu_drop_channel_paths(devs);
		hv_xml_apply_rules(root, hv_domain_parse_inactive_rules,
				   hv_domain_parse_inactive_rules_len);
	}

	if (postparse == HV_DOMAIN_POSTPARSE_QEMU) {
		hv_qemu_guest(root, &qemu);
		if (!devs) /* the default devices need one */
			devs = xmlNewChild(root, NULL, (const xmlChar *)"devices", NULL);
	}
	boot_default(root);
	numa_cells(root);
	hv_xml_reorder(hv_xml_child(root, "os"), os_order);

	if (devs) {
		sort_controllers(devs);
		controller_indexes(devs);
		usb_masters(devs);
		hv_xml_reorder(devs, devices_order);
		hv_domain_shape_chardevs(root, devs);
		for (xmlNode *c = hv_xml_child(devs, "disk"); c; c = hv_xml_next_named(c)) {
			g_autofree char *device = hv_xml_prop(c, "device");

			disk_bus(c);
			mirror_shape(c);
			/* virDomainDiskDefParseXML: a cdrom is always read-only */
			if (!g_strcmp0(device, "cdrom"))
				hv_xml_ensure_child(c, "readonly");
			hv_xml_reorder(c, disk_order);
		}
		sort_disks(devs);
		if (postparse == HV_DOMAIN_POSTPARSE_QEMU) {
			rc = hv_qemu_check(root, devs, &qemu, err);
			hv_qemu_add_defaults(root, devs, &qemu);
		}
		hv_domain_add_implicit(devs);
		if (postparse == HV_DOMAIN_POSTPARSE_QEMU) {
			hv_qemu_post_parse(root, devs, &qemu);
			/* the parser puts the primary video first, before any
			 * address is assigned (virDomainDefParseXML) */
			primary_video(devs);
			if (!rc && hv_qemu_assign_addresses(root, devs, &qemu, err) < 0)
				rc = -EINVAL;
			if (!rc && hv_qemu_validate(root, devs, &qemu, err) < 0)
				rc = -EINVAL;
			/* virDomainDefPostParseCommon runs after the driver's
			 * device defaults (a panic's model) */
			if (!rc && hv_domain_check_panics(root, err) < 0)
				rc = -EINVAL;
			hv_xml_reorder(hv_xml_child(root, "os"), os_order); /* a filled-in <nvram> */
		}
		/* the order the parser gives them when this output is read again:
		 * the added controllers join their type (a fixed point) */
		sort_controllers(devs);
		/* a filled-in <address> goes where libvirt writes it, before
		 * elements it does not know (a fixed-point fuzz finding) */
		for (xmlNode *c = hv_xml_child(devs, "disk"); c; c = hv_xml_next_named(c))
			hv_xml_reorder(c, disk_order);
		hv_xml_reorder(devs, devices_order);
	}
	if (flags & HV_SHAPE_FORMAT_INACTIVE)
		hv_xml_apply_rules(root, hv_domain_format_inactive_rules,
				   hv_domain_format_inactive_rules_len);
	else if (devs)
		hv_domain_console_tty(devs);
	hv_xml_apply_rules(root, hv_domain_rules, hv_domain_rules_len);
	hv_xml_apply_rules(root, hv_device_rules, hv_device_rules_len);
	if (devs) {
		/* primary= is set after the table ran: its attribute order again
		 * (a fixed-point finding of the domain fuzzer) */
		static const HvXmlRule video_order[] = {
			{ "domain/devices/video/model", HV_RULE_ATTR_ORDER, NULL,
			  "type|ram|vram|vram64|vgamem|heads|primary", NULL, "virDomainVideoDefFormat" },
		};

		hv_xml_reorder(devs, devices_order);
		primary_video(devs);
		hv_xml_apply_rules(root, video_order, G_N_ELEMENTS(video_order));
	}
	hv_xml_reorder(root, domain_order);
	return rc;
}
