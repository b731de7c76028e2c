/* qemu_address.c: the QEMU driver's address assignment (qemuDomainAssignAddresses,
 * src/qemu/qemu_domain_address.c and src/conf/domain_addr.c at v4.0.0) on
 * the formatted copy of a domain: virtio-serial ports, spapr-vio regs, CCW
 * devnos, PCI slots (qemu_pci.c) and dimm slots, in that order; and the
 * small look-ups the QEMU files share. Capabilities are none, as in
 * qemuxml2xmltest's NONE (but virtio-ccw on s390-ccw machines). */
#include "conf/qemu_priv.h"
#include "conf/normalise.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- shared look-ups */

long
hv_qemu_num_attr(xmlNode *el, const char *attr, long def)
{
	g_autofree char *v = hv_xml_prop(el, attr);

	return v ? strtol(v, NULL, 0) : def;
}

bool
hv_qemu_is_controller(xmlNode *c, const char *type, long idx)
{
	g_autofree char *t = hv_xml_prop(c, "type");

	return !strcmp((const char *)c->name, "controller") && !g_strcmp0(t, type) &&
	       (idx < 0 || hv_qemu_num_attr(c, "index", -1) == idx);
}

/* a console that stands for serial 0 is that serial's copy, not a device
 * of its own (virDomainSkipBackcompatConsole) */
bool
hv_qemu_serial_console(xmlNode *dev)
{
	g_autofree char *t = NULL;

	if (strcmp((const char *)dev->name, "console"))
		return false;
	t = hv_xml_child_prop(dev, "target", "type");
	return !t || !strcmp(t, "serial");
}

bool
hv_qemu_in(const char *v, const char *set)
{
	return v && hv_qemu_arch_in(v, set);
}

bool
hv_qemu_has_pcie_root(xmlNode *devs)
{
	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *model = hv_xml_prop(c, "model");

		if (hv_qemu_is_controller(c, "pci", -1) && !g_strcmp0(model, "pcie-root"))
			return true;
	}
	return false;
}

xmlNode *
hv_qemu_find_controller(xmlNode *devs, const char *type, long idx)
{
	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c))
		if (hv_qemu_is_controller(c, type, idx))
			return c;
	return NULL;
}


/* ---- virtio-serial (qemuDomainAssignVirtioSerialAddresses) */

#define VIRTIO_SERIAL_PORTS 31 /* VIR_DOMAIN_DEFAULT_VIRTIO_SERIAL_PORTS */

typedef struct {
	long idx;
	guint32 used; /* bit n: port n */
	int ports;
} VsController;

static int
vs_cmp(gconstpointer a, gconstpointer b)
{
	const VsController *x = a, *y = b;

	return (x->idx > y->idx) - (x->idx < y->idx);
}

static VsController *
vs_find(GArray *ctl, long idx)
{
	for (guint i = 0; i < ctl->len; i++)
		if (g_array_index(ctl, VsController, i).idx == idx)
			return &g_array_index(ctl, VsController, i);
	return NULL;
}

/* virBitmapNextClearBit after pos, -1 when the controller is full */
static int
vs_next(const VsController *v, int pos)
{
	for (int p = pos + 1; p < v->ports && p < 32; p++)
		if (!(v->used & (1u << p)))
			return p;
	return -1;
}

static void
vs_address(xmlNode *dev, long ctl, int port)
{
	xmlNode *a = hv_xml_child(dev, "address");
	char num[24];

	if (!a)
		a = xmlNewChild(dev, NULL, (const xmlChar *)"address", NULL);
	hv_xml_set_prop(a, "type", "virtio-serial");
	g_snprintf(num, sizeof(num), "%ld", ctl);
	hv_xml_set_prop(a, "controller", num);
	hv_xml_set_prop(a, "bus", "0");
	g_snprintf(num, sizeof(num), "%d", port);
	hv_xml_set_prop(a, "port", num);
}

static bool
virtio_target(xmlNode *chr)
{
	g_autofree char *t = hv_xml_child_prop(chr, "target", "type");

	return !g_strcmp0(t, "virtio");
}

/* a port for a virtio console (0 allowed, and not written: libvirt keeps
 * it in a scratch address) or channel */
static void
vs_assign(xmlNode *devs, GArray *ctl, xmlNode *chr, bool console)
{
	xmlNode *a = hv_xml_child(chr, "address");
	g_autofree char *at = hv_xml_prop(a, "type");
	bool port_only = !g_strcmp0(at, "virtio-serial");
	long want = port_only ? hv_qemu_num_attr(a, "controller", 0) : -1;
	VsController *v = NULL;
	int port = -1;

	if (port_only && hv_qemu_num_attr(a, "port", 0))
		return; /* reserved already */
	if (port_only && !console) {
		if ((v = vs_find(ctl, want)))
			port = vs_next(v, 0);
	} else {
		for (guint i = 0; i < ctl->len && port < 0; i++) {
			v = &g_array_index(ctl, VsController, i);
			port = vs_next(v, console ? -1 : 0);
		}
		if (port < 0) { /* a new controller at the lowest free index */
			VsController n = { 0, 0, VIRTIO_SERIAL_PORTS };
			xmlNode *c;
			char num[16];

			while (hv_qemu_find_controller(devs, "virtio-serial", n.idx))
				n.idx++;
			c = xmlNewChild(devs, NULL, (const xmlChar *)"controller", NULL);
			hv_xml_set_prop(c, "type", "virtio-serial");
			g_snprintf(num, sizeof(num), "%ld", n.idx);
			hv_xml_set_prop(c, "index", num);
			g_array_append_val(ctl, n);
			g_array_sort(ctl, vs_cmp);
			v = vs_find(ctl, n.idx);
			port = console ? 0 : 1;
		}
	}
	if (!v || port < 0)
		return;
	v->used |= 1u << port;
	if (!console)
		vs_address(chr, v->idx, port);
}

static void
assign_virtio_serial(xmlNode *devs)
{
	g_autoptr(GArray) ctl = g_array_new(FALSE, TRUE, sizeof(VsController));

	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c))
		if (hv_qemu_is_controller(c, "virtio-serial", -1)) {
			VsController v = { hv_qemu_num_attr(c, "index", 0), 0,
					   (int)hv_qemu_num_attr(c, "ports", VIRTIO_SERIAL_PORTS) };

			g_array_append_val(ctl, v);
		}
	g_array_sort(ctl, vs_cmp);
	for (xmlNode *d = devs->children; d; d = d->next) {
		xmlNode *a = d->type == XML_ELEMENT_NODE ? hv_xml_child(d, "address") : NULL;
		g_autofree char *at = hv_xml_prop(a, "type");
		VsController *v;
		long port = hv_qemu_num_attr(a, "port", 0);

		if (!g_strcmp0(at, "virtio-serial") && port > 0 && port < 32 &&
		    (v = vs_find(ctl, hv_qemu_num_attr(a, "controller", 0))))
			v->used |= 1u << port;
	}
	for (xmlNode *c = hv_xml_child(devs, "console"); c; c = hv_xml_next_named(c))
		if (virtio_target(c))
			vs_assign(devs, ctl, c, true);
	for (xmlNode *c = hv_xml_child(devs, "channel"); c; c = hv_xml_next_named(c))
		if (virtio_target(c))
			vs_assign(devs, ctl, c, false);
}

/* ---- spapr-vio (qemuDomainAssignSpaprVIOAddresses): QEMU's default reg
 * per kind (spapr_llan, spapr_vscsi, spapr_vty, nvram), the next 0x1000
 * up while another device has it */

static xmlNode *
vio_address(xmlNode *dev)
{
	xmlNode *a = hv_xml_child(dev, "address");
	g_autofree char *t = hv_xml_prop(a, "type");

	return !g_strcmp0(t, "spapr-vio") ? a : NULL;
}

static bool
reg_taken(xmlNode *devs, xmlNode *self, unsigned long long reg)
{
	for (xmlNode *d = devs->children; d; d = d->next) {
		xmlNode *a = d->type == XML_ELEMENT_NODE && d != self && !hv_qemu_serial_console(d)
				     ? vio_address(d)
				     : NULL;
		g_autofree char *v = hv_xml_prop(a, "reg");

		if (v && g_ascii_strtoull(v, NULL, 16) == reg)
			return true;
	}
	return false;
}

static void
vio_assign(xmlNode *devs, xmlNode *dev, bool make, unsigned long long reg, GError **err)
{
	xmlNode *a = vio_address(dev);
	char num[32];

	if (!a && make && !hv_xml_child(dev, "address")) {
		a = xmlNewChild(dev, NULL, (const xmlChar *)"address", NULL);
		hv_xml_set_prop(a, "type", "spapr-vio");
	}
	if (!a)
		return;
	if (xmlHasProp(a, (const xmlChar *)"reg")) {
		g_autofree char *v = hv_xml_prop(a, "reg");
		unsigned long long user = g_ascii_strtoull(v, NULL, 16);

		if (reg_taken(devs, dev, user) && err && !*err)
			g_set_error(err, HV_ERROR, EINVAL, "spapr-vio address %#llx already in use", user);
		return;
	}
	while (reg_taken(devs, dev, reg))
		reg += 0x1000;
	g_snprintf(num, sizeof(num), "0x%llx", reg);
	hv_xml_set_prop(a, "reg", num);
}

static void
assign_spapr_vio(xmlNode *devs, const HvQemuGuest *g, GError **err)
{
	bool pseries = g->kind == HV_QEMU_PSERIES;

	for (xmlNode *n = hv_xml_child(devs, "interface"); n; n = hv_xml_next_named(n)) {
		g_autofree char *model = hv_xml_child_prop(n, "model", "type");

		vio_assign(devs, n, !g_strcmp0(model, "spapr-vlan"), 0x1000, err);
	}
	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *model = hv_xml_prop(c, "model");
		bool vscsi = hv_qemu_is_controller(c, "scsi", -1) &&
			     (!g_strcmp0(model, "ibmvscsi") || (!model && pseries));

		vio_assign(devs, c, vscsi, 0x2000, err);
	}
	for (xmlNode *s = hv_xml_child(devs, "serial"); s; s = hv_xml_next_named(s)) {
		g_autofree char *t = hv_xml_child_prop(s, "target", "type");

		vio_assign(devs, s, !g_strcmp0(t, "spapr-vio-serial"), 0x30000000, err);
	}
	for (xmlNode *n = hv_xml_child(devs, "nvram"); n; n = hv_xml_next_named(n))
		vio_assign(devs, n, pseries, 0x3000, err);
}

/* the console that stands for serial 0 is written as its copy
 * (virDomainDefFormatInternal): the address assigned to the serial too */
static void
sync_serial_console(xmlNode *devs)
{
	xmlNode *serial = hv_xml_child(devs, "serial");
	xmlNode *con = hv_xml_child(devs, "console");
	xmlNode *addr = hv_xml_child(serial, "address");

	if (!serial || !con || !addr || !hv_qemu_serial_console(con))
		return;
	hv_xml_remove_children(con, "address");
	xmlAddChild(con, xmlCopyNode(addr, 1));
}

/* ---- CCW (qemuDomainAssignS390Addresses, on s390-ccw machines, whose QEMU
 * has virtio-ccw): address-less virtio devices are CCW devices
 * (qemuDomainPrimeVirtioDeviceAddresses), then each without a devno gets
 * the next free one from fe.0.0000 in virDomainDeviceInfoIterate's order */

static bool
ccw_primed(xmlNode *d)
{
	const char *kind = (const char *)d->name;
	g_autofree char *type = hv_xml_prop(d, "type");
	g_autofree char *model = hv_xml_prop(d, "model");
	g_autofree char *sub = NULL;

	if (!strcmp(kind, "disk")) {
		sub = hv_xml_child_prop(d, "target", "bus");
		return !g_strcmp0(sub, "virtio");
	}
	if (!strcmp(kind, "interface")) {
		sub = hv_xml_child_prop(d, "model", "type");
		return !g_strcmp0(sub, "virtio");
	}
	if (!strcmp(kind, "input")) {
		sub = hv_xml_prop(d, "bus");
		return !g_strcmp0(sub, "virtio");
	}
	if (!strcmp(kind, "controller"))
		return hv_qemu_in(type, "virtio-serial|scsi");
	if (!strcmp(kind, "hostdev"))
		return !g_strcmp0(type, "scsi_host");
	if (!strcmp(kind, "memballoon") || !strcmp(kind, "rng"))
		return !g_strcmp0(model, "virtio");
	return !strcmp(kind, "filesystem");
}

static const char *const ccw_order[] = {
	"disk", "interface", "sound", "hostdev", "video", "controller", "smartcard", "serial",
	"parallel", "channel", "console", "input", "filesystem", "watchdog", "memballoon", "rng",
	"nvram", "hub", "shmem", "memory",
};

static char *
ccw_key(xmlNode *a)
{
	return g_strdup_printf("%lx.%lx.%04lx", hv_qemu_num_attr(a, "cssid", 0), hv_qemu_num_attr(a, "ssid", 0),
			       hv_qemu_num_attr(a, "devno", 0));
}

static void
assign_ccw(xmlNode *devs, const HvQemuGuest *g, GError **err)
{
	g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	long next = 0;

	if (g->kind != HV_QEMU_S390_CCW)
		return;
	for (size_t k = 0; k < G_N_ELEMENTS(ccw_order); k++)
		for (xmlNode *d = hv_xml_child(devs, ccw_order[k]); d; d = hv_xml_next_named(d)) {
			xmlNode *a = hv_xml_child(d, "address");
			g_autofree char *t = hv_xml_prop(a, "type");

			if (!a && ccw_primed(d)) {
				a = xmlNewChild(d, NULL, (const xmlChar *)"address", NULL);
				hv_xml_set_prop(a, "type", "ccw");
			} else if (a && !g_strcmp0(t, "ccw") && xmlHasProp(a, (const xmlChar *)"devno") &&
				   !hv_qemu_serial_console(d) && !g_hash_table_add(used, ccw_key(a)) && !*err) {
				g_autofree char *key = ccw_key(a);

				g_set_error(err, HV_ERROR, EINVAL, "the CCW devno '%s' is in use already", key);
			}
		}
	for (size_t k = 0; k < G_N_ELEMENTS(ccw_order); k++)
		for (xmlNode *d = hv_xml_child(devs, ccw_order[k]); d; d = hv_xml_next_named(d)) {
			xmlNode *a = hv_xml_child(d, "address");
			g_autofree char *t = hv_xml_prop(a, "type");
			char *key;
			char num[16];

			if (g_strcmp0(t, "ccw") || xmlHasProp(a, (const xmlChar *)"devno"))
				continue;
			while ((key = g_strdup_printf("fe.0.%04lx", next)) && g_hash_table_contains(used, key)) {
				g_free(key);
				next++;
			}
			g_hash_table_add(used, key);
			hv_xml_set_prop(a, "cssid", "0xfe");
			hv_xml_set_prop(a, "ssid", "0x0");
			g_snprintf(num, sizeof(num), "0x%04lx", next);
			hv_xml_set_prop(a, "devno", num);
		}
}

/* qemuDomainAssignMemorySlots: with memory hotplug (<maxMemory slots=>),
 * each memory device without one gets the lowest free dimm slot */
static void
assign_memory_slots(xmlNode *root, xmlNode *devs)
{
	long slots = hv_qemu_num_attr(hv_xml_child(root, "maxMemory"), "slots", 0);
	g_autofree bool *used = NULL;

	if (slots <= 0 || slots > 4096)
		return;
	used = g_new0(bool, slots);
	for (xmlNode *m = hv_xml_child(devs, "memory"); m; m = hv_xml_next_named(m)) {
		xmlNode *a = hv_xml_child(m, "address");
		g_autofree char *t = hv_xml_prop(a, "type");
		long slot = hv_qemu_num_attr(a, "slot", 0);

		if (!g_strcmp0(t, "dimm") && slot >= 0 && slot < slots)
			used[slot] = true;
	}
	for (xmlNode *m = hv_xml_child(devs, "memory"); m; m = hv_xml_next_named(m)) {
		g_autofree char *t = hv_xml_child_prop(m, "address", "type");
		char num[24];
		long slot = 0;

		if (!g_strcmp0(t, "dimm"))
			continue;
		while (slot < slots && used[slot])
			slot++;
		if (slot == slots)
			return;
		used[slot] = true;
		hv_xml_remove_children(m, "address");
		xmlNode *a = xmlNewChild(m, NULL, (const xmlChar *)"address", NULL);

		hv_xml_set_prop(a, "type", "dimm");
		g_snprintf(num, sizeof(num), "%ld", slot);
		hv_xml_set_prop(a, "slot", num);
	}
}

int
hv_qemu_assign_addresses(xmlNode *root, xmlNode *devs, const HvQemuGuest *g, GError **err)
{
	g_autoptr(GError) vio = NULL;
	int rc;

	assign_virtio_serial(devs);
	assign_spapr_vio(devs, g, &vio);
	assign_ccw(devs, g, &vio);
	rc = hv_qemu_assign_pci(devs, g, err);
	if (!rc && hv_qemu_check_usb(devs, err) < 0)
		rc = -EINVAL;
	sync_serial_console(devs);
	if (!rc && vio) {
		g_propagate_error(err, g_steal_pointer(&vio));
		rc = -EINVAL;
	}
	assign_memory_slots(root, devs);
	return rc;
}

