/* qemu_pci_bus.c: the PCI address set (qemu_pci.h) as libvirt's domain_addr.c
 * keeps it: bus models and what they accept (virDomainPCIAddressBusSetModel,
 * virDomainPCIControllerModelToConnectType), reserving functions, finding a
 * free slot (virDomainPCIAddressGetNextAddr), growing the set in a dry run
 * (virDomainPCIAddressSetGrow), and the connect flags of each device
 * (qemuDomainDeviceCalculatePCIConnectFlags, capabilities none). */
#include "conf/qemu_pci.h"
#include "conf/normalise.h"
#include <errno.h>
#include <string.h>

/* virDomainPCIAddressBusSetModel (what plugs in downstream, the slots),
 * virDomainPCIControllerModelToConnectType (how it plugs in upstream) and
 * qemuDomainPCIControllerSetDefaultModelName (its <model name=>) */
const HvPciBusModel hv_pci_bus_models[] = {
	{ "pci-root", F_HOTPLUG | F_PCI | F_BRIDGE | F_PXB, 1, 31, 0, NULL },
	{ "pcie-root", F_PCIE | F_ROOT_PORT | F_DMI | F_PXB_PCIE, 1, 31, 0, NULL },
	{ "pci-bridge", F_HOTPLUG | F_PCI | F_BRIDGE, 1, 31, F_BRIDGE, "pci-bridge" },
	{ "pci-expander-bus", F_HOTPLUG | F_PCI | F_BRIDGE, 0, 31, F_PXB, "pxb" },
	{ "pcie-expander-bus", F_ROOT_PORT | F_DMI, 0, 31, F_PXB_PCIE, "pxb-pcie" },
	{ "dmi-to-pci-bridge", F_PCI | F_BRIDGE, 0, 31, F_DMI, "i82801b11-bridge" },
	{ "pcie-root-port", F_PCIE | F_SW_UP | F_HOTPLUG, 0, 0, F_ROOT_PORT | F_AGGREGATE, "ioh3420" },
	{ "pcie-switch-upstream-port", F_SW_DOWN, 0, 31, F_SW_UP, "x3130-upstream" },
	{ "pcie-switch-downstream-port", F_PCIE | F_SW_UP | F_HOTPLUG, 0, 0, F_SW_DOWN,
	  "xio3130-downstream" },
};
const size_t hv_pci_bus_models_len = G_N_ELEMENTS(hv_pci_bus_models);

int
hv_pci_bus_model(const char *model)
{
	for (size_t i = 0; model && i < G_N_ELEMENTS(hv_pci_bus_models); i++)
		if (!strcmp(model, hv_pci_bus_models[i].model))
			return (int)i;
	return -1;
}




/* ---- a device's <address type='pci'> */

static long
hexnum(xmlNode *a, const char *attr)
{
	g_autofree char *v = hv_xml_prop(a, attr);

	return v ? strtol(v, NULL, 0) : 0;
}

xmlNode *
hv_pci_pci_address(xmlNode *dev)
{
	xmlNode *a = hv_xml_child(dev, "address");
	g_autofree char *t = hv_xml_prop(a, "type");

	return !g_strcmp0(t, "pci") ? a : NULL;
}

/* virDeviceInfoPCIAddressPresent */
bool
hv_pci_addr_present(xmlNode *dev, PciAddr *out)
{
	xmlNode *a = hv_pci_pci_address(dev);

	if (hv_qemu_serial_console(dev))
		return false;
	if (!a || (!hexnum(a, "domain") && !hexnum(a, "bus") && !hexnum(a, "slot")))
		return false;
	if (out)
		*out = (PciAddr){ (unsigned)hexnum(a, "bus"), (unsigned)hexnum(a, "slot"),
				  (unsigned)hexnum(a, "function"), (unsigned)hexnum(a, "domain") };
	return true;
}

/* virDeviceInfoPCIAddressWanted: no address, or an empty PCI one */
bool
hv_pci_addr_wanted(xmlNode *dev)
{
	return !hv_xml_child(dev, "address") || (hv_pci_pci_address(dev) && !hv_pci_addr_present(dev, NULL));
}

void
hv_pci_set_addr(xmlNode *dev, PciAddr a, const char *multi)
{
	xmlNode *el = hv_pci_pci_address(dev);
	char v[16];

	if (!el) {
		hv_xml_remove_children(dev, "address");
		el = xmlNewChild(dev, NULL, (const xmlChar *)"address", NULL);
		hv_xml_set_prop(el, "type", "pci");
	}
	hv_xml_set_prop(el, "domain", "0x0000");
	g_snprintf(v, sizeof(v), "0x%02x", a.bus);
	hv_xml_set_prop(el, "bus", v);
	g_snprintf(v, sizeof(v), "0x%02x", a.slot);
	hv_xml_set_prop(el, "slot", v);
	g_snprintf(v, sizeof(v), "0x%x", a.function);
	hv_xml_set_prop(el, "function", v);
	if (multi)
		hv_xml_set_prop(el, "multifunction", multi);
}

/* ---- the address set */

Bus *
hv_pci_bus_at(AddrSet *s, unsigned i)
{
	return i < s->buses->len ? &g_array_index(s->buses, Bus, i) : NULL;
}

void
hv_pci_add_buses(AddrSet *s, int model, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		Bus b = { .model = model };

		g_array_append_val(s->buses, b);
	}
}

bool
hv_pci_slot_in_use(AddrSet *s, PciAddr a)
{
	Bus *b = hv_pci_bus_at(s, a.bus);

	return b && a.slot < 32 && b->functions[a.slot];
}

/* virDomainPCIAddressSetGrow: the buses a dry run needs for a device that
 * found no slot (a.bus is the first new one) */
static void
grow(AddrSet *s, PciAddr *a, unsigned flags)
{
	int add = (int)a->bus - (int)s->buses->len + 1;
	bool dmi = false;
	int model;

	if (add <= 0)
		return;
	if ((flags & F_PCI) && s->multi_root) {
		model = hv_pci_bus_model("pci-root");
	} else if (flags & F_PCI) {
		model = hv_pci_bus_model("pci-bridge");
		dmi = true;
		for (guint i = 0; i < s->buses->len; i++)
			if (hv_pci_bus_models[hv_pci_bus_at(s, i)->model].bus_flags & F_BRIDGE)
				dmi = false;
		if (dmi && add == 1) {
			add++;
			a->bus++;
		}
	} else if ((flags & F_BRIDGE) && hv_pci_bus_at(s, 0) && !strcmp(hv_pci_bus_models[hv_pci_bus_at(s, 0)->model].model, "pcie-root")) {
		model = hv_pci_bus_model("dmi-to-pci-bridge");
	} else if (flags & (F_PCIE | F_SW_UP)) {
		model = hv_pci_bus_model("pcie-root-port");
	} else {
		return; /* libvirt: "Cannot automatically add a new PCI bus" */
	}
	if (dmi) {
		hv_pci_add_buses(s, hv_pci_bus_model("dmi-to-pci-bridge"), 1);
		add--;
	}
	hv_pci_add_buses(s, model, (unsigned)add);
}

void
hv_pci_reserve(AddrSet *s, PciAddr a, unsigned flags)
{
	Bus *b;

	/* virPCIDeviceAddressIsValid: bus 0-0xff, slot 0-0x1f, function 0-7 */
	if (a.bus > 0xff || a.slot > 0x1f || a.function > 7) {
		if (!s->error)
			s->error = g_error_new(HV_ERROR, EINVAL,
					       "invalid PCI address %04x:%02x:%02x.%x (bus at most 0xff, "
					       "slot 0x1f, function 7)",
					       0, a.bus, a.slot, a.function);
		return;
	}
	if (s->dry)
		grow(s, &a, flags);
	if (!(b = hv_pci_bus_at(s, a.bus)) || a.slot > 31 || a.function > 7)
		return;
	if (!b->functions[a.slot] && (flags & F_AGGREGATE))
		b->aggregate[a.slot] = true;
	if ((b->functions[a.slot] & (1u << a.function)) && !s->error)
		s->error = g_error_new(HV_ERROR, EINVAL,
				       "attempted double use of PCI address %04x:%02x:%02x.%x", 0,
				       a.bus, a.slot, a.function);
	b->functions[a.slot] |= (guint8)(1u << a.function);
}

/* the connection a device's flags name (virDomainPCIAddressFlagsCompatible) */
static const struct {
	unsigned flag;
	const char *what;
} connect_names[] = {
	{ F_PCI, "standard PCI device" },
	{ F_PCIE, "PCI Express device" },
	{ F_ROOT_PORT, "pcie-root-port" },
	{ F_SW_UP, "pci-switch-upstream-port" },
	{ F_SW_DOWN, "pci-switch-downstream-port" },
	{ F_DMI, "dmi-to-pci-bridge" },
	{ F_PXB, "pci-expander-bus" },
	{ F_PXB_PCIE, "pcie-expander-bus" },
	{ F_BRIDGE, "pci-bridge" },
};

/* virDomainPCIAddressValidate for an address the configuration gives
 * (fromConfig: a PCI device may sit in a PCIe slot and the reverse, a
 * pci-bridge wherever a PCI device may, hotplug is not asked for) */
void
hv_pci_validate_config(AddrSet *s, PciAddr a, unsigned flags)
{
	Bus *b = hv_pci_bus_at(s, a.bus);
	const HvPciBusModel *m;
	unsigned bus_flags;

	if (s->error)
		return;
	if (a.domain) {
		s->error = g_error_new(HV_ERROR, EINVAL,
				       "Invalid PCI address %04x:%02x:%02x.%x. Only PCI domain 0 is available",
				       a.domain, a.bus, a.slot, a.function);
		return;
	}
	if (!b) {
		s->error = g_error_new(HV_ERROR, EINVAL,
				       "Invalid PCI address 0000:%02x:%02x.%x. Only PCI buses up to %u are available",
				       a.bus, a.slot, a.function, s->buses->len - 1);
		return;
	}
	m = &hv_pci_bus_models[b->model];
	bus_flags = m->bus_flags;
	if (bus_flags & (F_PCI | F_PCIE))
		bus_flags |= F_PCI | F_PCIE;
	if (flags & F_BRIDGE)
		flags |= F_PCI;
	if (!(flags & bus_flags & F_TYPES)) {
		const char *what = "device of its kind";

		for (size_t i = 0; i < G_N_ELEMENTS(connect_names); i++)
			if (flags & connect_names[i].flag) {
				what = connect_names[i].what;
				break;
			}
		s->error = g_error_new(HV_ERROR, EINVAL,
				       "The device at PCI address 0000:%02x:%02x.%x cannot be plugged into the PCI controller with index='%u'. It requires a controller that accepts a %s.",
				       a.bus, a.slot, a.function, a.bus, what);
	} else if ((int)a.slot < m->min_slot || (int)a.slot > m->max_slot) {
		s->error = g_error_new(HV_ERROR, EINVAL,
				       "Invalid PCI address 0000:%02x:%02x.%x. slot must be %s %d", a.bus,
				       a.slot, a.function, (int)a.slot < m->min_slot ? ">=" : "<=",
				       (int)a.slot < m->min_slot ? m->min_slot : m->max_slot);
	}
}

/* virDomainPCIAddressFindUnusedFunctionOnBus */
static bool
find_on_bus(Bus *b, PciAddr *a, int function, unsigned flags)
{
	const typeof(hv_pci_bus_models[0]) *m = &hv_pci_bus_models[b->model];

	if (!(flags & m->bus_flags & F_TYPES) || ((flags & F_HOTPLUG) && !(m->bus_flags & F_HOTPLUG)))
		return false;
	for (; (int)a->slot <= m->max_slot; a->slot++) {
		if (!b->functions[a->slot])
			return true;
		if ((flags & F_AGGREGATE) && b->aggregate[a->slot]) {
			if (!(b->functions[a->slot] & (1u << a->function)))
				return true;
			if (function == -1) {
				for (; a->function < 8; a->function++)
					if (!(b->functions[a->slot] & (1u << a->function)))
						return true;
				a->function = 0;
			}
		}
	}
	return false;
}

/* virDomainPCIAddressGetNextAddr + ReserveNextAddr: false when there is no
 * slot (and this is not a dry run, which adds buses instead) */
bool
hv_pci_reserve_next(AddrSet *s, unsigned flags, int function, PciAddr *out)
{
	PciAddr a = { 0, 0, function < 0 ? 0 : (unsigned)function };

	if (!(flags & F_TYPES)) /* not a PCI device (a PHB, say): no slot */
		return false;
	for (a.bus = 0; a.bus < s->buses->len; a.bus++) {
		Bus *b = hv_pci_bus_at(s, a.bus);

		a.slot = (unsigned)hv_pci_bus_models[b->model].min_slot;
		if (find_on_bus(b, &a, function, flags))
			goto found;
	}
	if (!s->dry) {
		if (!s->error)
			s->error = g_error_new_literal(HV_ERROR, EINVAL, "No more available PCI slots");
		return false;
	}
	a.bus = s->buses->len;
	grow(s, &a, flags);
	if (!hv_pci_bus_at(s, a.bus)) {
		if (!s->error)
			s->error = g_error_new_literal(HV_ERROR, EINVAL,
						       "Cannot automatically add a new PCI bus for a device with these connect flags");
		return false;
	}
	a.slot = (unsigned)hv_pci_bus_models[hv_pci_bus_at(s, a.bus)->model].min_slot;
found:
	hv_pci_reserve(s, a, flags);
	if (out)
		*out = a;
	return true;
}

/* ---- which devices plug into PCI, and how (qemuDomainDeviceCalculatePCIConnectFlags,
 * capabilities none: virtio devices are conventional PCI) */


static unsigned
controller_flags(xmlNode *c, const Flavours *f)
{
	g_autofree char *type = hv_xml_prop(c, "type");
	g_autofree char *model = hv_xml_prop(c, "model");

	if (!g_strcmp0(type, "pci")) {
		int m = hv_pci_bus_model(model);

		return m < 0 ? 0 : hv_pci_bus_models[m].connect;
	}
	if (!g_strcmp0(type, "usb")) {
		if (hv_qemu_in(model, "nec-xhci|qemu-xhci"))
			return f->pcie;
		if (hv_qemu_in(model, "none|qusb1|qusb2"))
			return 0;
		return f->pci;
	}
	if (!g_strcmp0(type, "scsi") && !g_strcmp0(model, "virtio-scsi"))
		return f->virtio;
	if (!g_strcmp0(type, "virtio-serial"))
		return f->virtio;
	return f->pci; /* sata, ide, scsi, fdc, ccid */
}

static unsigned
interface_flags(xmlNode *n, const Flavours *f)
{
	g_autofree char *type = hv_xml_prop(n, "type");
	g_autofree char *model = hv_xml_child_prop(n, "model", "type");

	if (!g_strcmp0(type, "hostdev") || !g_strcmp0(model, "usb-net"))
		return 0;
	if (!g_strcmp0(model, "virtio"))
		return f->virtio;
	return !g_strcmp0(model, "e1000e") ? f->pcie : f->pci;
}

static unsigned
hostdev_flags(xmlNode *h, const Flavours *f)
{
	g_autofree char *mode = hv_xml_prop(h, "mode");
	g_autofree char *type = hv_xml_prop(h, "type");
	g_autofree char *model = hv_xml_prop(h, "model");

	if ((mode && strcmp(mode, "subsystem")) || !hv_qemu_in(type, "pci|mdev|scsi_host"))
		return 0;
	if (!strcmp(type, "mdev") && g_strcmp0(model, "vfio-pci"))
		return 0;
	return f->pcie; /* a host device that can't be read is taken as PCIe */
}

unsigned
hv_pci_kind_flags(xmlNode *d, const Flavours *f)
{
	const char *kind = (const char *)d->name;
	g_autofree char *model = NULL;
	g_autofree char *bus = NULL;

	if (!strcmp(kind, "controller"))
		return controller_flags(d, f);
	if (!strcmp(kind, "interface")) {
		g_autofree char *type = hv_xml_prop(d, "type");

		/* a hostdev interface is a host device (and in that round) */
		return !g_strcmp0(type, "hostdev") ? f->pcie : interface_flags(d, f);
	}
	if (!strcmp(kind, "hostdev"))
		return hostdev_flags(d, f);
	if (!strcmp(kind, "filesystem"))
		return f->virtio;
	if (!strcmp(kind, "shmem"))
		return f->pci;
	if (!strcmp(kind, "sound")) {
		model = hv_xml_prop(d, "model");
		return hv_qemu_in(model, "es1370|ac97|ich6|ich9") ? f->pci : 0;
	}
	if (!strcmp(kind, "disk")) {
		bus = hv_xml_child_prop(d, "target", "bus");
		return !g_strcmp0(bus, "virtio") ? f->virtio : 0;
	}
	if (!strcmp(kind, "memballoon") || !strcmp(kind, "rng")) {
		model = hv_xml_prop(d, "model");
		return !g_strcmp0(model, "virtio") ? f->virtio : 0;
	}
	if (!strcmp(kind, "watchdog")) {
		model = hv_xml_prop(d, "model");
		return !g_strcmp0(model, "i6300esb") ? f->pci : 0;
	}
	if (!strcmp(kind, "video")) {
		model = hv_xml_child_prop(d, "model", "type");
		if (!g_strcmp0(model, "virtio"))
			return f->virtio;
		return hv_qemu_in(model, "vga|cirrus|vmvga|xen|vbox|qxl|parallels") ? f->pci : 0;
	}
	if (!strcmp(kind, "input")) {
		bus = hv_xml_prop(d, "bus");
		return !g_strcmp0(bus, "virtio") ? f->virtio : 0;
	}
	if (!strcmp(kind, "serial")) {
		model = hv_xml_child_prop(d, "target", "type");
		return !g_strcmp0(model, "pci-serial") ? f->pci : 0;
	}
	return 0;
}

