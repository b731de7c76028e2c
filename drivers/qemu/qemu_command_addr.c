/* qemu_command_addr.c: the PCI slots of the QEMU command line, as the
 * domain's formatted definition gives them (QemuPaths.layout: the XML after
 * the qemu post-parse, conf/qemu_pci.c's addresses), so that the QEMU that
 * runs is the machine the XML describes: the same devices at the same PCI
 * addresses as a libvirtd would start from that XML, which is what a live
 * migration between the two needs. Only bus 0 of an i440fx machine is
 * placed (a q35's devices sit behind root ports hyperfs does not make);
 * without a layout QEMU picks the slots itself, as before. */
#include <string.h>
#include "conf/conf_util.h"
#include "conf/xml.h"
#include "drivers/qemu/qemu_command_priv.h"

/* A hex attribute (0x optional) of at most max into *v; absent: def. */
static bool
hex_prop(xmlNode *a, const char *name, guint64 max, guint64 def, guint64 *v)
{
	g_autofree char *s = hv_xml_prop(a, name);
	const char *h = s && g_str_has_prefix(s, "0x") ? s + 2 : s;

	*v = def;
	return !s || g_ascii_string_to_unsigned(h, 16, 0, max, v, NULL);
}

/* ",bus=pci.0,addr=0xS[.0xF][,multifunction=on]" of a device element on
 * bus 0, or NULL (QEMU places it). */
static char *
pci_of(xmlNode *dev)
{
	xmlNode *a = hv_xml_child(dev, "address");
	g_autofree char *type = a ? hv_xml_prop(a, "type") : NULL;
	g_autofree char *mf = NULL;
	guint64 slot, fn, bus, dom;
	GString *s;

	if (g_strcmp0(type, "pci") != 0 || !hex_prop(a, "slot", 31, 32, &slot) || slot > 31 ||
	    !hex_prop(a, "function", 7, 0, &fn) || !hex_prop(a, "bus", 0, 0, &bus) ||
	    !hex_prop(a, "domain", 0, 0, &dom))
		return NULL;
	mf = hv_xml_prop(a, "multifunction");
	s = g_string_new(NULL);
	g_string_append_printf(s, ",bus=pci.0,addr=0x%x", (unsigned)slot);
	if (fn)
		g_string_append_printf(s, ".0x%x", (unsigned)fn);
	if (g_strcmp0(mf, "on") == 0)
		g_string_append(s, ",multifunction=on");
	return g_string_free(s, FALSE);
}

/* The key a builder asks for: KIND, KIND:N (the Nth interface), disk:TARGET,
 * controller:TYPE:INDEX. */
static char *
key_of(xmlNode *dev, unsigned nth_interface)
{
	const char *kind = (const char *)dev->name;

	if (g_str_equal(kind, "interface"))
		return g_strdup_printf("interface:%u", nth_interface);
	if (g_str_equal(kind, "disk")) {
		g_autofree char *t = hv_xml_child_prop(dev, "target", "dev");

		return t ? g_strdup_printf("disk:%s", t) : NULL;
	}
	if (g_str_equal(kind, "controller")) {
		g_autofree char *type = hv_xml_prop(dev, "type");
		g_autofree char *index = hv_xml_prop(dev, "index");

		return g_strdup_printf("controller:%s:%s", type ? type : "", index ? index : "0");
	}
	return g_strdup(kind);
}

int
qcmd_layout_load(Cmd *c, GError **err)
{
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *devs;
	unsigned nif = 0;

	c->pci = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (!c->paths->layout || c->q35)
		return 0;
	if (!(doc = hv_xml_parse(c->paths->layout, strlen(c->paths->layout), "domain", err)))
		return -EINVAL;
	devs = hv_xml_child(xmlDocGetRootElement(doc), "devices");
	for (xmlNode *d = devs ? devs->children : NULL; d; d = d->next) {
		g_autofree char *key = NULL, *pci = NULL;

		if (d->type != XML_ELEMENT_NODE)
			continue;
		key = key_of(d, nif);
		nif += g_str_equal((const char *)d->name, "interface");
		if (key && !g_hash_table_contains(c->pci, key) && (pci = pci_of(d)))
			g_hash_table_insert(c->pci, g_steal_pointer(&key), g_steal_pointer(&pci));
	}
	return 0;
}

const char *
qcmd_pci(Cmd *c, const char *key)
{
	const char *v = c->pci ? g_hash_table_lookup(c->pci, key) : NULL;

	return v ? v : "";
}

/* The USB controller the layout has at a PCI address: libvirt's default on
 * an i440fx, a PIIX3 UHCI (id "usb", as libvirt names it); a model other
 * than that (or none) is left to d_controller. */
int
qcmd_usb(Cmd *c, GError **err)
{
	const char *at = qcmd_pci(c, "controller:usb:0");
	const HvDomainDeviceDef *usb = NULL;

	for (guint k = 0; c->def->devices && k < c->def->devices->len; k++) {
		const HvDomainDeviceDef *d = c->def->devices->pdata[k];

		if (g_str_equal(d->kind, "controller") && g_strcmp0(d->type, "usb") == 0 &&
		    d->index <= 0)
			usb = d;
	}
	if (!*at || (usb && usb->model && !g_str_equal(usb->model, "piix3-uhci")))
		return 0;
	qcmd_arg2(c, "-device", g_strdup_printf("piix3-usb-uhci,id=usb%s", at));
	return 0;
}
