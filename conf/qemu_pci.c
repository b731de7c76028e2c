/* qemu_pci.c: the QEMU driver's PCI address assignment
 * (qemuDomainAssignPCIAddresses, src/qemu/qemu_domain_address.c at v4.0.0)
 * over the set of qemu_pci_bus.c: the chipset's fixed slots (PIIX3, Q35),
 * a dry run that finds the buses missing and adds their controllers, then
 * the real run in qemuDomainAssignDevicePCISlots's device order,
 * multifunction='on' where a slot has several functions, and the PCI
 * controllers' model names and targets. */
#include "conf/qemu_pci.h"
#include "conf/normalise.h"
#include <errno.h>
#include <string.h>

/* ---- the pass over the devices */

typedef struct {
	xmlNode *devs;
	const HvQemuGuest *g;
	Flavours f;
	AddrSet set;
	bool pcie_root;
} Run;

static bool
piix3_usb(xmlNode *c)
{
	g_autofree char *model = hv_xml_prop(c, "model");

	return hv_qemu_is_controller(c, "usb", 0) && (!model || !strcmp(model, "piix3-uhci"));
}

/* qemuDomainPCIAddressSetCreate: a bus per PCI controller index, a default
 * model for the others, then every address the devices already have
 * (qemuDomainCollectPCIAddress: but not the PIIX3's own IDE and USB) */
static void
set_create(Run *r, unsigned nbuses, bool dry)
{
	int def_model = hv_pci_bus_model(r->g->kind == HV_QEMU_PSERIES ? "pci-root"
				  : r->pcie_root		 ? "pcie-root-port"
								 : "pci-bridge");

	r->set.dry = dry;
	r->set.multi_root = r->g->kind == HV_QEMU_PSERIES;
	g_array_set_size(r->set.buses, 0);
	hv_pci_add_buses(&r->set, -1, nbuses);
	for (xmlNode *c = hv_xml_child(r->devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *model = hv_xml_prop(c, "model");
		long idx = hv_qemu_num_attr(c, "index", -1);

		if (hv_qemu_is_controller(c, "pci", -1) && idx >= 0 && (unsigned)idx < nbuses &&
		    hv_pci_bus_model(model) >= 0)
			hv_pci_bus_at(&r->set, (unsigned)idx)->model = hv_pci_bus_model(model);
	}
	for (unsigned i = 0; i < nbuses; i++)
		if (hv_pci_bus_at(&r->set, i)->model < 0)
			hv_pci_bus_at(&r->set, i)->model = i ? def_model : hv_pci_bus_model("pci-root");
	for (xmlNode *d = r->devs->children; d; d = d->next) {
		PciAddr a;
		unsigned flags;

		if (d->type != XML_ELEMENT_NODE || !hv_pci_addr_present(d, &a))
			continue;
		if (a.bus == 0 && a.slot == 1 &&
		    ((hv_qemu_is_controller(d, "ide", 0) && a.function == 1) || (piix3_usb(d) && a.function == 2)))
			continue;
		flags = hv_pci_kind_flags(d, &r->f) ? hv_pci_kind_flags(d, &r->f) : F_PCI;
		if (!dry)
			hv_pci_validate_config(&r->set, a, flags);
		hv_pci_reserve(&r->set, a, flags);
	}
}

static xmlNode *
first_video(xmlNode *devs)
{
	return hv_xml_child(devs, "video");
}

/* the primary video at the slot QEMU gives the first VGA (no
 * QEMU_CAPS_DEVICE_VIDEO_PRIMARY: that slot or nothing) */
static void
primary_video(Run *r, unsigned slot)
{
	xmlNode *v = first_video(r->devs);
	PciAddr a = { 0, slot, 0 };

	if (v && hv_pci_addr_wanted(v)) {
		if (!hv_pci_slot_in_use(&r->set, a)) {
			hv_pci_reserve(&r->set, a, PCI_FLAGS);
			hv_pci_set_addr(v, a, NULL);
		}
	} else if (!v && r->set.buses->len && !hv_pci_slot_in_use(&r->set, a)) {
		hv_pci_reserve(&r->set, a, PCI_FLAGS);
	}
}

/* a chipset's own controller: at its fixed address, or refused */
static void
fixed_address(Run *r, xmlNode *c, PciAddr want, const char *what)
{
	PciAddr a;

	if (!hv_pci_addr_present(c, &a))
		hv_pci_set_addr(c, want, NULL);
	else if ((a.bus != want.bus || a.slot != want.slot || a.function != want.function) &&
		 !r->set.error)
		r->set.error = g_error_new(HV_ERROR, EINVAL, "%s must have PCI address 0:%x:%x.%x",
					   what, want.bus, want.slot, want.function);
}

/* qemuDomainValidateDevicePCISlotsPIIX3 */
static void
slots_piix3(Run *r)
{
	for (xmlNode *c = hv_xml_child(r->devs, "controller"); c; c = hv_xml_next_named(c)) {
		PciAddr a = { 0, 1, 0 };

		if (hv_qemu_is_controller(c, "ide", 0)) {
			a.function = 1;
			fixed_address(r, c, a, "primary IDE controller");
		} else if (piix3_usb(c)) {
			a.function = 2;
			fixed_address(r, c, a, "PIIX3 USB controller at index 0");
		} else {
			continue;
		}
		hv_pci_addr_present(c, &a);
		if (r->set.buses->len)
			hv_pci_reserve(&r->set, a, PCI_FLAGS);
	}
	if (r->set.buses->len) {
		hv_pci_reserve(&r->set, (PciAddr){ 0, 1, 0 }, PCI_FLAGS); /* ISA bridge */
		hv_pci_reserve(&r->set, (PciAddr){ 0, 1, 3 }, PCI_FLAGS); /* bridge at 1.3 */
	}
	primary_video(r, 2);
}

/* a fixed slot if it is free (the q35 chipset's usual places) */
static bool
take_slot(Run *r, xmlNode *dev, unsigned slot, const char *multi)
{
	PciAddr a = { 0, slot, 0 };

	if (hv_pci_slot_in_use(&r->set, a))
		return false;
	hv_pci_reserve(&r->set, a, F_PCIE);
	hv_pci_set_addr(dev, a, multi);
	return true;
}

/* qemuDomainValidateDevicePCISlotsQ35 */
static void
slots_q35(Run *r)
{
	for (xmlNode *c = hv_xml_child(r->devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *model = hv_xml_prop(c, "model");
		bool none = !hv_xml_child(c, "address");

		if (hv_qemu_is_controller(c, "sata", 0))
			fixed_address(r, c, (PciAddr){ 0, 0x1f, 2 }, "primary SATA controller");
		else if (hv_qemu_is_controller(c, "usb", -1) && !g_strcmp0(model, "ich9-uhci1") && none)
			(void)(take_slot(r, c, 0x1d, "on") || take_slot(r, c, 0x1a, "on"));
		else if (hv_qemu_is_controller(c, "pci", -1) && !g_strcmp0(model, "dmi-to-pci-bridge") && none)
			take_slot(r, c, 0x1e, NULL);
	}
	if (r->set.buses->len) {
		hv_pci_reserve(&r->set, (PciAddr){ 0, 0x1f, 0 }, F_PCIE); /* ISA bridge */
		hv_pci_reserve(&r->set, (PciAddr){ 0, 0x1f, 3 }, F_PCIE); /* SMBus */
	}
	primary_video(r, 1);
	if (!hv_pci_slot_in_use(&r->set, (PciAddr){ 0, 0x1b, 0 }))
		for (xmlNode *s = hv_xml_child(r->devs, "sound"); s; s = hv_xml_next_named(s)) {
			g_autofree char *model = hv_xml_prop(s, "model");

			if (!g_strcmp0(model, "ich9") && hv_pci_addr_wanted(s)) {
				take_slot(r, s, 0x1b, NULL);
				break;
			}
		}
}

static void
slots_chipset(Run *r)
{
	if (r->g->kind == HV_QEMU_I440FX)
		slots_piix3(r);
	else if (r->g->kind == HV_QEMU_Q35)
		slots_q35(r);
}

/* a free slot for dev, its address set when this is not a dry run */
static void
assign(Run *r, xmlNode *dev, unsigned flags, int function, const char *multi)
{
	PciAddr a;

	if (flags && hv_pci_reserve_next(&r->set, flags, function, &a) && !r->set.dry)
		hv_pci_set_addr(dev, a, multi);
}

/* USB2 companions share a slot: ich9-ehci1 at function 7, the uhci at 0-2
 * (qemuDomainAssignDevicePCISlots) */
static const struct {
	const char *model;
	unsigned function;
	const char *multi;
} usb2_functions[] = {
	{ "ich9-ehci1", 7, NULL },
	{ "ich9-uhci1", 0, "on" },
	{ "ich9-uhci2", 1, NULL },
	{ "ich9-uhci3", 2, NULL },
};

static int
usb2_row(xmlNode *c)
{
	g_autofree char *model = hv_xml_prop(c, "model");

	for (size_t i = 0; hv_qemu_is_controller(c, "usb", -1) && model && i < G_N_ELEMENTS(usb2_functions); i++)
		if (!strcmp(model, usb2_functions[i].model))
			return (int)i;
	return -1;
}

static void
assign_usb2(Run *r, xmlNode *c, int row)
{
	long idx = hv_qemu_num_attr(c, "index", 0);
	unsigned fn = usb2_functions[row].function;

	for (xmlNode *o = hv_xml_child(r->devs, "controller"); o; o = hv_xml_next_named(o)) {
		PciAddr a;

		if (usb2_row(o) >= 0 && hv_qemu_num_attr(o, "index", 0) == idx && hv_pci_addr_present(o, &a)) {
			a.function = fn;
			hv_pci_reserve(&r->set, a, hv_pci_kind_flags(c, &r->f));
			hv_pci_set_addr(c, a, usb2_functions[row].multi);
			return;
		}
	}
	assign(r, c, hv_pci_kind_flags(c, &r->f), (int)fn, usb2_functions[row].multi);
}

/* controllers that get a slot in the second round: not PCI ones (first),
 * not USB 'none', fdc and ccid (behind the ISA bridge and on USB) and not
 * the first IDE (the PIIX3's) */
static void
assign_controllers(Run *r)
{
	for (xmlNode *c = hv_xml_child(r->devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *type = hv_xml_prop(c, "type");
		g_autofree char *model = hv_xml_prop(c, "model");
		int row;

		if (hv_qemu_in(type, "pci|fdc|ccid") || (!g_strcmp0(type, "usb") && !g_strcmp0(model, "none")) ||
		    hv_qemu_is_controller(c, "ide", 0) || !hv_pci_addr_wanted(c))
			continue;
		if ((row = usb2_row(c)) >= 0)
			assign_usb2(r, c, row);
		else
			assign(r, c, hv_pci_kind_flags(c, &r->f), -1, NULL);
	}
}

/* qemuDomainAssignDevicePCISlots: the order slots are handed out in, the
 * same as QEMU < 0.12 used */
static const char *const slot_order[] = {
	"filesystem", "interface", "sound", "", /* "": the controllers */
	"disk", "interface/hostdev", "hostdev", "memballoon", "rng", "watchdog", "video", "shmem",
	"input", "serial",
};

static void
assign_devices(Run *r)
{
	for (xmlNode *c = hv_xml_child(r->devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *model = hv_xml_prop(c, "model");

		if (hv_qemu_is_controller(c, "pci", -1) && !hv_qemu_in(model, "pci-root|pcie-root") && hv_pci_addr_wanted(c))
			assign(r, c, hv_pci_kind_flags(c, &r->f), -1, NULL);
	}
	for (size_t k = 0; k < G_N_ELEMENTS(slot_order); k++) {
		if (!*slot_order[k]) {
			assign_controllers(r);
			continue;
		}
		/* interface/hostdev: hostdev interfaces, which libvirt's parser puts
		 * first among the host devices; the other interfaces before */
		g_auto(GStrv) kt = g_strsplit(slot_order[k], "/", 2);

		for (xmlNode *d = hv_xml_child(r->devs, kt[0]); d; d = hv_xml_next_named(d)) {
			g_autofree char *type = hv_xml_prop(d, "type");

			if (!strcmp(kt[0], "interface") && !g_strcmp0(type, "hostdev") != !!kt[1])
				continue;
			if (hv_pci_addr_wanted(d))
				assign(r, d, hv_pci_kind_flags(d, &r->f), -1, NULL);
		}
	}
}

/* virDomainPCIAddressSetAllMulti: function 0 of a slot with others in use
 * is multifunction='on' unless it says otherwise */
static void
set_all_multi(xmlNode *devs)
{
	for (xmlNode *d = devs->children; d; d = d->next) {
		PciAddr a, z;

		if (d->type != XML_ELEMENT_NODE || !hv_pci_addr_present(d, &a) || !a.function)
			continue;
		for (xmlNode *o = devs->children; o; o = o->next)
			if (o->type == XML_ELEMENT_NODE && hv_pci_addr_present(o, &z) && z.bus == a.bus &&
			    z.slot == a.slot && !z.function) {
				xmlNode *el = hv_pci_pci_address(o);

				if (!xmlHasProp(el, (const xmlChar *)"multifunction"))
					hv_xml_set_prop(el, "multifunction", "on");
				break;
			}
	}
}

/* the element before which a controller's own children go */
static void
add_before_address(xmlNode *c, xmlNode *el)
{
	xmlNode *addr = hv_xml_child(c, "address");

	if (addr)
		xmlAddPrevSibling(addr, el);
	else
		xmlAddChild(c, el);
}

static xmlNode *
ensure_before_address(xmlNode *c, const char *name)
{
	xmlNode *el = hv_xml_child(c, name);

	if (!el) {
		el = xmlNewDocNode(c->doc, NULL, (const xmlChar *)name, NULL);
		add_before_address(c, el);
	}
	return el;
}

/* the lowest busNr there is, less 2 (qemuDomainAddressFindNewBusNr) */
static long
new_bus_nr(xmlNode *devs)
{
	long low = 256;

	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c)) {
		long nr = hv_qemu_num_attr(hv_xml_child(c, "target"), "busNr", -1);

		if (hv_qemu_is_controller(c, "pci", -1) && nr >= 0 && nr < low)
			low = nr;
	}
	return low <= 2 ? -1 : low - 2;
}

/* qemuDomainAddressFindNewTargetIndex: the lowest of 1..31 no PHB uses */
static long
new_target_index(xmlNode *devs)
{
	for (long t = 1; t <= 31; t++) {
		bool used = false;

		for (xmlNode *c = hv_xml_child(devs, "controller"); c && !used; c = hv_xml_next_named(c)) {
			g_autofree char *model = hv_xml_prop(c, "model");

			used = hv_qemu_is_controller(c, "pci", -1) && !g_strcmp0(model, "pci-root") &&
			       hv_qemu_num_attr(hv_xml_child(c, "target"), "index", -1) == t;
		}
		if (!used)
			return t;
	}
	return -1;
}

static void
target_default(xmlNode *c, const char *attr, long v, bool hex)
{
	xmlNode *t = ensure_before_address(c, "target");
	char num[24];

	if (v < 0 || xmlHasProp(t, (const xmlChar *)attr))
		return;
	if (hex)
		g_snprintf(num, sizeof(num), "0x%lx", v);
	else
		g_snprintf(num, sizeof(num), "%ld", v);
	hv_xml_set_prop(t, attr, num);
}

/* the end of qemuDomainAssignPCIAddresses: model names and the options
 * libvirt fills in for each PCI controller, written in
 * virDomainControllerDefFormat's order (model, target, address) */
static void
controller_defaults(Run *r)
{
	for (xmlNode *c = hv_xml_child(r->devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *model = hv_xml_prop(c, "model");
		int m = hv_pci_bus_model(model);
		long idx = hv_qemu_num_attr(c, "index", 0);
		PciAddr a = { 0 };
		const char *name = m >= 0 ? hv_pci_bus_models[m].name : NULL;

		if (!hv_qemu_is_controller(c, "pci", -1) || m < 0)
			continue;
		if (!strcmp(model, "pci-root") && r->g->kind == HV_QEMU_PSERIES)
			name = "spapr-pci-host-bridge";
		if (name && !xmlHasProp(hv_xml_child(c, "model"), (const xmlChar *)"name"))
			hv_xml_set_prop(ensure_before_address(c, "model"), "name", name);
		hv_pci_addr_present(c, &a);
		if (!strcmp(model, "pci-bridge")) {
			target_default(c, "chassisNr", idx, false);
		} else if (!strcmp(model, "pcie-root-port")) {
			target_default(c, "chassis", idx, false);
			target_default(c, "port", (long)((a.slot << 3) + a.function), true);
		} else if (!strcmp(model, "pcie-switch-downstream-port")) {
			target_default(c, "chassis", idx, false);
			target_default(c, "port", (long)a.slot, true);
		} else if (hv_qemu_in(model, "pci-expander-bus|pcie-expander-bus")) {
			target_default(c, "busNr", new_bus_nr(r->devs), false);
		} else if (!strcmp(model, "pci-root") && r->g->kind == HV_QEMU_PSERIES) {
			target_default(c, "index", idx ? new_target_index(r->devs) : 0, false);
		}
	}
}

static long
max_pci_index(xmlNode *devs)
{
	long max = -1;

	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c))
		if (hv_qemu_is_controller(c, "pci", -1) && hv_qemu_num_attr(c, "index", -1) > max)
			max = hv_qemu_num_attr(c, "index", -1);
	return max;
}

static bool
bus_has_room(const Bus *b)
{
	for (int s = hv_pci_bus_models[b->model].min_slot; s <= hv_pci_bus_models[b->model].max_slot; s++)
		if (!b->functions[s])
			return true;
	return false;
}

/* the first round (a dry run): how many buses the devices need; the
 * controllers for the missing ones are added, each with its own slot */
static unsigned
dry_run(Run *r, long max_idx)
{
	xmlNode *root0 = NULL;

	set_create(r, (unsigned)(max_idx + 1), true);
	slots_chipset(r);
	for (xmlNode *c = hv_xml_child(r->devs, "controller"); c; c = hv_xml_next_named(c))
		if (hv_qemu_is_controller(c, "pci", 0))
			root0 = c;
	if (root0 && !strcmp(hv_pci_bus_models[hv_pci_bus_at(&r->set, 0)->model].model, "pci-root")) {
		/* one slot kept for a future pci-bridge unless all are taken */
		for (guint i = 0; i < r->set.buses->len; i++)
			if (bus_has_room(hv_pci_bus_at(&r->set, i))) {
				hv_pci_reserve_next(&r->set, PCI_FLAGS, -1, NULL);
				break;
			}
	}
	assign_devices(r);
	if (max_idx <= 0 && r->set.buses->len > (guint)(max_idx + 1) && r->pcie_root)
		hv_pci_reserve_next(&r->set, F_PCIE | F_HOTPLUG, -1, NULL); /* one root port to spare */
	for (guint i = 1; i < r->set.buses->len; i++) {
		xmlNode *c;
		char num[16];

		if (hv_qemu_find_controller(r->devs, "pci", (long)i))
			continue;
		c = xmlNewChild(r->devs, NULL, (const xmlChar *)"controller", NULL);
		hv_xml_set_prop(c, "type", "pci");
		g_snprintf(num, sizeof(num), "%u", i);
		hv_xml_set_prop(c, "index", num);
		hv_xml_set_prop(c, "model", hv_pci_bus_models[hv_pci_bus_at(&r->set, i)->model].model);
		hv_pci_reserve_next(&r->set, hv_pci_kind_flags(c, &r->f), -1, NULL);
	}
	return r->set.buses->len;
}

/* qemuDomainSupportsPCI: not ARM boards other than versatilepb and virt
 * with gpex, which a virt guest has when it has a pcie-root (given, or
 * added by hv_qemu_add_defaults for a device that needs PCI) */
static bool
supports_pci(xmlNode *devs, const HvQemuGuest *g)
{
	if (!hv_qemu_arch_in(g->arch, "armv7l|aarch64"))
		return true;
	if (g->kind == HV_QEMU_VIRT)
		return hv_qemu_has_pcie_root(devs);
	return !strcmp(g->machine, "versatilepb");
}

int
hv_qemu_assign_pci(xmlNode *devs, const HvQemuGuest *g, GError **err)
{
	Run r = { .devs = devs, .g = g };
	long max_idx = max_pci_index(devs);
	xmlNode *root0 = hv_qemu_find_controller(devs, "pci", 0);
	g_autofree char *root_model = hv_xml_prop(root0, "model");
	unsigned nbuses = (unsigned)(max_idx + 1);

	if (max_idx > 255) /* refused by hv_qemu_check (virDomainControllerDefValidate) */
		return -EINVAL;

	r.pcie_root = !g_strcmp0(root_model, "pcie-root");
	r.f.pci = PCI_FLAGS;
	r.f.pcie = r.pcie_root ? (F_PCIE | F_HOTPLUG) : PCI_FLAGS;
	r.f.virtio = PCI_FLAGS;
	r.set.buses = g_array_new(FALSE, TRUE, sizeof(Bus));
	if (nbuses > 0)
		nbuses = dry_run(&r, max_idx);
	if (nbuses > 0 && supports_pci(devs, g)) {
		set_create(&r, nbuses, false);
		slots_chipset(&r);
		assign_devices(&r);
		set_all_multi(devs);
		controller_defaults(&r);
	}
	g_array_unref(r.set.buses);
	if (r.set.error) {
		g_propagate_error(err, r.set.error);
		return -EINVAL;
	}
	return 0;
}

