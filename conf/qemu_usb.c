/* qemu_usb.c: the QEMU driver's USB address set (qemuDomainAssignUSBAddresses,
 * src/qemu/qemu_domain_address.c, and virDomainUSBAddress* in
 * src/conf/domain_addr.c at v4.0.0) for a definition that is not new: when
 * every USB device has its port, the controllers' root hubs and the USB hubs
 * are built and each device's port reserved, so a port on a hub that does not
 * exist, beyond a hub's ports or used twice is refused. (A definition with a
 * USB device without a port is left to the driver: libvirt assigns nothing
 * then either.) */
#include "conf/qemu_priv.h"
#include "conf/rules.h"
#include "conf/normalise.h"
#include <errno.h>
#include <string.h>

#define USB_DEPTH 4	 /* VIR_DOMAIN_DEVICE_USB_MAX_PORT_DEPTH */
#define USB_HUB_PORTS 8	 /* VIR_DOMAIN_USB_HUB_PORTS */

/* virDomainUSBDeviceDefForeach: the devices on USB, hubs first */
static const struct {
	const char *kind, *when;
} usb_devices[] = {
	{ "hub", "@type=usb" },		{ "hostdev", "@type=usb" },
	{ "disk", "target@bus=usb" },	{ "controller", "@type=ccid" },
	{ "input", "@bus=usb" },	{ "serial", "target@type=usb-serial" },
	{ "sound", "@model=usb" },	{ "redirdev", "@bus=|usb" },
};

/* virDomainUSBAddressControllerModelToPorts: a controller's root hub (the
 * ich9 UHCI companions add none: their EHCI has the ports) */
static const struct {
	const char *models;
	int ports; /* -1: ports= or 4, -2: ports= or 8 */
} root_hubs[] = {
	{ "|piix3-uhci|piix4-uhci|vt82c686b-uhci", 2 },
	{ "ehci|ich9-ehci1", 6 },
	{ "pci-ohci", 3 },
	{ "nec-xhci|qemu-xhci", -1 },
	{ "qusb1|qusb2", -2 },
};

typedef struct UsbHub UsbHub;
struct UsbHub {
	unsigned nports;
	guint8 used[32];   /* port n-1 taken */
	UsbHub *hubs[32];  /* a hub at port n-1 */
};

typedef struct {
	GPtrArray *all;	   /* every UsbHub, freed at the end */
	GPtrArray *buses;  /* UsbHub by controller index, or NULL */
	GError *error;
} UsbSet;

static bool
usb_device(xmlNode *d)
{
	for (size_t i = 0; i < G_N_ELEMENTS(usb_devices); i++)
		if (!strcmp((const char *)d->name, usb_devices[i].kind) && hv_rule_when(d, usb_devices[i].when))
			return true;
	return false;
}

/* virDomainDeviceUSBAddressParsePort and virDomainUSBAddressPortIsValid: a
 * port path a.b.c of at most USB_DEPTH parts whose first is not 0 */
static bool
usb_port(xmlNode *d, unsigned *bus, unsigned port[USB_DEPTH], unsigned *depth)
{
	xmlNode *a = hv_xml_child(d, "address");
	g_autofree char *type = hv_xml_prop(a, "type");
	g_autofree char *p = hv_xml_prop(a, "port");
	g_auto(GStrv) parts = NULL;

	if (g_strcmp0(type, "usb") || !p)
		return false;
	parts = g_strsplit(p, ".", -1);
	*depth = g_strv_length(parts);
	if (*depth == 0 || *depth > USB_DEPTH)
		return false;
	for (unsigned i = 0; i < *depth; i++) {
		char *end = NULL;

		port[i] = (unsigned)strtoul(parts[i], &end, 10);
		if (!*parts[i] || *end)
			return false;
	}
	*bus = (unsigned)hv_qemu_num_attr(a, "bus", 0);
	return port[0] != 0;
}

static UsbHub *
hub_new(UsbSet *s, unsigned nports)
{
	UsbHub *h = g_new0(UsbHub, 1);

	h->nports = MIN(nports, 32u);
	g_ptr_array_add(s->all, h);
	return h;
}

static void
usb_fail(UsbSet *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
usb_fail(UsbSet *s, const char *fmt, ...)
{
	va_list ap;

	if (s->error)
		return;
	va_start(ap, fmt);
	s->error = g_error_new_valist(HV_ERROR, EINVAL, fmt, ap);
	va_end(ap);
}

/* virDomainUSBAddressFindPort: the hub the path ends on and its port */
static UsbHub *
find_port(UsbSet *s, unsigned bus, const unsigned *port, unsigned depth, const char *str, unsigned *idx)
{
	UsbHub *h = bus < s->buses->len ? s->buses->pdata[bus] : NULL;

	if (!h) {
		usb_fail(s, "Missing USB bus %u", bus);
		return NULL;
	}
	for (unsigned i = 0; i + 1 < depth; i++) {
		if (port[i] == 0 || port[i] > h->nports) {
			usb_fail(s, "port %u out of range in USB address bus: %u port: %s", port[i], bus, str);
			return NULL;
		}
		if (!(h = h->hubs[port[i] - 1])) {
			usb_fail(s, "there is no hub at port %u in USB address bus: %u port: %s", port[i], bus, str);
			return NULL;
		}
	}
	if (port[depth - 1] == 0 || port[depth - 1] > h->nports) {
		usb_fail(s, "requested USB port %s not present on USB bus %u", str, bus);
		return NULL;
	}
	*idx = port[depth - 1] - 1;
	return h;
}

static void
add_controllers(UsbSet *s, xmlNode *devs)
{
	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *model = hv_xml_prop(c, "model");
		long idx = hv_qemu_num_attr(c, "index", 0);
		int ports = 0;

		if (!hv_qemu_is_controller(c, "usb", -1) || idx < 0 || idx > 255)
			continue;
		for (size_t i = 0; i < G_N_ELEMENTS(root_hubs); i++)
			if (hv_qemu_arch_in(model ? model : "", root_hubs[i].models))
				ports = root_hubs[i].ports;
		if (ports < 0)
			ports = (int)hv_qemu_num_attr(c, "ports", ports == -1 ? 4 : 8);
		if (ports <= 0)
			continue;
		if ((guint)idx >= s->buses->len)
			g_ptr_array_set_size(s->buses, (guint)idx + 1);
		if (s->buses->pdata[idx]) {
			usb_fail(s, "Duplicate USB controllers with index %ld", idx);
			return;
		}
		s->buses->pdata[idx] = hub_new(s, (unsigned)ports);
	}
}

/* virDomainUSBAddressSetAddHub, then virDomainUSBAddressReserve for the
 * other devices */
static void
reserve(UsbSet *s, xmlNode *devs, bool hubs)
{
	for (xmlNode *d = devs->children; d && !s->error; d = d->next) {
		unsigned bus = 0, port[USB_DEPTH], depth = 0, idx = 0;
		g_autofree char *str = NULL;
		UsbHub *h;

		if (d->type != XML_ELEMENT_NODE || !usb_device(d) || (bool)!strcmp((const char *)d->name, "hub") != hubs)
			continue;
		if (!usb_port(d, &bus, port, &depth))
			continue;
		str = hv_xml_child_prop(d, "address", "port");
		if (!(h = find_port(s, bus, port, depth, str, &idx)))
			return;
		if (hubs && h->hubs[idx])
			usb_fail(s, "Duplicate USB hub on bus %u port %s", bus, str);
		else if (!hubs && h->used[idx])
			usb_fail(s, "Duplicate USB address bus %u port %s", bus, str);
		h->used[idx] = 1;
		if (hubs)
			h->hubs[idx] = hub_new(s, USB_HUB_PORTS);
	}
}

/* virDomainDeviceUSBAddressParsePort: numbers joined by dots, at most
 * USB_DEPTH of them */
static bool
port_parses(const char *p)
{
	g_auto(GStrv) parts = g_strsplit(p, ".", -1);
	guint n = g_strv_length(parts);

	if (n == 0 || n > USB_DEPTH)
		return false;
	for (guint i = 0; i < n; i++)
		if (!*parts[i] || strspn(parts[i], "0123456789") != strlen(parts[i]))
			return false;
	return true;
}

int
hv_qemu_check_usb(xmlNode *devs, GError **err)
{
	UsbSet s = { g_ptr_array_new_with_free_func(g_free), g_ptr_array_new(), NULL };

	for (xmlNode *d = devs->children; d && !s.error; d = d->next) {
		xmlNode *a = d->type == XML_ELEMENT_NODE ? hv_xml_child(d, "address") : NULL;
		g_autofree char *type = hv_xml_prop(a, "type");
		g_autofree char *p = hv_xml_prop(a, "port");

		if (!g_strcmp0(type, "usb") && p && !port_parses(p))
			usb_fail(&s, "Cannot parse <address> 'port' attribute");
	}
	for (xmlNode *d = devs->children; d && !s.error; d = d->next) {
		unsigned bus, port[USB_DEPTH], depth;

		if (d->type == XML_ELEMENT_NODE && usb_device(d) && !usb_port(d, &bus, port, &depth))
			goto out; /* qemuDomainAssignUSBAddresses: not every port given */
	}
	add_controllers(&s, devs);
	reserve(&s, devs, true);
	reserve(&s, devs, false);
out:
	g_ptr_array_unref(s.buses);
	g_ptr_array_unref(s.all);
	if (s.error) {
		g_propagate_error(err, s.error);
		return -EINVAL;
	}
	return 0;
}
