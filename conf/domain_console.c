/* domain_console.c: serial, parallel and console devices in libvirt's shape:
 * target ports numbered as virDomainDefParseXML numbers them (serials and
 * parallels: one more than the highest before; consoles: their position),
 * the console/serial aliasing of virDomainDefAddConsoleCompat for HVM guests,
 * and the consoles virDomainDefFormatInternal writes as copies of their
 * serial port. */
#include "conf/domain_priv.h"
#include "conf/normalise.h"
#include <string.h>

/* Serial target types whose first port gets a console alias
 * (virDomainDefAddConsoleCompat); "" is a serial without a target type. */
static const char *const console_serial_types[] = {
	"", "isa-serial", "spapr-vio-serial", "system-serial", "sclp-serial", NULL,
};

static xmlNode *
target_of(xmlNode *chr)
{
	xmlNode *t = hv_xml_child(chr, "target");

	return t ? t : xmlNewChild(chr, NULL, (const xmlChar *)"target", NULL);
}

static char *
target_type(xmlNode *chr)
{
	g_autofree char *t = hv_xml_child_prop(chr, "target", "type");

	return g_strdup(t ? t : "");
}

static void
set_port(xmlNode *chr, long port)
{
	char num[24];
	xmlNode *t = target_of(chr);

	g_snprintf(num, sizeof(num), "%ld", port);
	hv_xml_set_prop(t, "port", num);
	hv_xml_prop_to_front(t, "port");
	hv_xml_prop_to_front(t, "type");
}

/* Serials and parallels without a port: the highest so far plus one. */
static void
number_ports(xmlNode *devs, const char *kind)
{
	long max = -1;

	for (xmlNode *c = hv_xml_child(devs, kind); c; c = hv_xml_next_named(c)) {
		g_autofree char *p = hv_xml_child_prop(c, "target", "port");
		long port = p ? strtol(p, NULL, 10) : max + 1;

		set_port(c, port);
		if (port > max)
			max = port;
	}
}

/* A copy of chr renamed to name, with its <target> left out. */
static xmlNode *
copy_as(xmlNode *chr, const char *name)
{
	xmlNode *copy = xmlCopyNode(chr, 1);

	xmlNodeSetName(copy, (const xmlChar *)name);
	hv_xml_remove_children(copy, "target");
	return copy;
}

static bool
is_hvm(xmlNode *root)
{
	g_autofree char *t = hv_xml_child_text(hv_xml_child(root, "os"), "type");

	return t && !strcmp(g_strstrip(t), "hvm");
}

/* virDomainDefAddConsoleCompat, then the console copies of
 * virDomainDefFormatInternal. */
static void
console_compat(xmlNode *devs)
{
	xmlNode *c0 = hv_xml_child(devs, "console");
	xmlNode *s0 = hv_xml_child(devs, "serial");
	g_autofree char *c0type = c0 ? target_type(c0) : NULL;
	g_autofree char *s0type = s0 ? target_type(s0) : NULL;
	xmlNode *s, *c;

	if (c0 && (!strcmp(c0type, "serial") || !*c0type)) {
		if (!s0) { /* the console becomes serial 0 */
			s0 = copy_as(c0, "serial");
			xmlAddPrevSibling(c0, s0);
			set_port(s0, 0);
		}
	} else if (s0 && hv_str_index(console_serial_types, s0type) >= 0) {
		xmlNode *stub = xmlNewDocNode(devs->doc, NULL, (const xmlChar *)"console", NULL);

		if (c0)
			xmlAddPrevSibling(c0, stub);
		else
			xmlAddNextSibling(s0, stub);
		hv_xml_set_prop(target_of(stub), "type", "serial");
	}
	/* console n of type serial (or none) is written as a copy of serial n */
	for (c = hv_xml_child(devs, "console"), s = hv_xml_child(devs, "serial"); c;
	     c = hv_xml_next_named(c), s = s ? hv_xml_next_named(s) : NULL) {
		g_autofree char *ct = target_type(c);
		g_autofree char *sp = s ? hv_xml_child_prop(s, "target", "port") : NULL;
		xmlNode *copy;

		if (!s || (strcmp(ct, "serial") && *ct))
			continue;
		copy = copy_as(s, "console");
		xmlAddPrevSibling(c, copy);
		xmlUnlinkNode(c);
		xmlFreeNode(c);
		c = copy;
		hv_xml_set_prop(target_of(c), "type", "serial");
		set_port(c, sp ? strtol(sp, NULL, 10) : 0);
	}
}

/* Consoles that are not serial copies take their position as port. */
static void
console_ports(xmlNode *devs)
{
	long i = 0;

	for (xmlNode *c = hv_xml_child(devs, "console"); c; c = hv_xml_next_named(c), i++) {
		g_autofree char *ct = target_type(c);
		xmlNode *t;

		if (strcmp(ct, "serial"))
			set_port(c, i);
		/* virDomainDeviceDefPostParseCommon: a console's target type none is
		 * serial. Only the first's: libvirt writes a later one as serial too
		 * and then refuses its own output ("Only the first console can be a
		 * serial port"), so hyperfs leaves those untyped (the fixed point) */
		if (i == 0 && (t = hv_xml_child(c, "target")) && !xmlHasProp(t, (const xmlChar *)"type")) {
			hv_xml_set_prop(t, "type", "serial");
			hv_xml_prop_to_front(t, "type");
		}
	}
}

void
hv_domain_shape_chardevs(xmlNode *root, xmlNode *devs)
{
	number_ports(devs, "serial");
	number_ports(devs, "parallel");
	if (is_hvm(root))
		console_compat(devs);
	console_ports(devs);
}

/* virDomainChrDefFormat's tty_compat: a live definition writes the pty
 * path of a console on port 0 as its tty= too (the input's tty= is never
 * read). */
void
hv_domain_console_tty(xmlNode *devs)
{
	for (xmlNode *c = hv_xml_child(devs, "console"); c; c = hv_xml_next_named(c)) {
		g_autofree char *type = hv_xml_prop(c, "type");
		g_autofree char *port = hv_xml_child_prop(c, "target", "port");
		g_autofree char *path = hv_xml_child_prop(c, "source", "path");

		hv_xml_set_prop(c, "tty", NULL);
		if (g_strcmp0(type, "pty") || g_strcmp0(port, "0") || !path)
			continue;
		hv_xml_set_prop(c, "tty", path);
		hv_xml_prop_to_front(c, "tty");
		hv_xml_prop_to_front(c, "type");
	}
}

/* virDomainDefAddConsoleCompat: only the first console may be a serial port. */
int
hv_domain_check_consoles(xmlNode *devs, GError **err)
{
	xmlNode *c = hv_xml_child(devs, "console");

	for (c = c ? hv_xml_next_named(c) : NULL; c; c = hv_xml_next_named(c)) {
		g_autofree char *ct = target_type(c);

		if (!strcmp(ct, "serial"))
			return hv_error_set(err, EINVAL,
					    "line %d: domain <console>: only the first console can be a serial port",
					    c->line);
	}
	return 0;
}
