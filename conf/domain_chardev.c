/* domain_chardev.c: character devices (serial, console, parallel, channel and
 * an rng's backend) and graphics: libvirt's checks on their sources and
 * listens, and the defaults libvirt writes (tcp source mode and protocol);
 * graphics are domain_graphics.c's, the primary video domain_shape.c's. */
#include "conf/domain_priv.h"
#include "conf/normalise.h"
#include <string.h>

static const char *const chardev_names[] = { "serial", "console", "parallel", "channel", NULL };

/* The most <source> elements a chardev of this type may have. */
static const struct {
	const char *type;
	unsigned max_sources;
} chardev_sources[] = {
	{ "tcp", 1 }, { "udp", 2 }, { "unix", 1 }, { "file", 1 }, { "pipe", 1 }, { "dev", 1 },
};

/* virDomainChrSourceDefValidate: the <source> attribute each type needs.
 * mode names the <source> that must carry it (udp: the first connect one). */
static const struct {
	const char *type;
	const char *attr;
	const char *mode; /* NULL: the first <source>; "connect": the first not mode='bind' */
	const char *what;
} chardev_needs[] = {
	{ "tcp", "host", NULL, "source host" },
	{ "tcp", "service", NULL, "source service" },
	{ "udp", "service", "connect", "source service" },
	{ "unix", "path", NULL, "source path" },
	{ "file", "path", NULL, "source path" },
	{ "dev", "path", NULL, "source path" },
	{ "pipe", "path", NULL, "source path" },
	{ "spiceport", "channel", NULL, "source channel" },
	{ "nmdm", "master", NULL, "source master path" },
	{ "nmdm", "slave", NULL, "source slave path" },
};

/* SERIAL_CHANNEL_NAME_CHARS: what a spiceport channel name may hold. */
#define CHANNEL_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."

static xmlNode *
source_for(xmlNode *el, const char *mode)
{
	for (xmlNode *s = hv_xml_child(el, "source"); s; s = hv_xml_next_named(s)) {
		g_autofree char *m = hv_xml_prop(s, "mode");

		if (!mode || g_strcmp0(m, "bind"))
			return s;
	}
	return NULL;
}

/* A unix channel to a virtio or xen target may leave its path to the driver. */
static bool
path_optional(xmlNode *el, const char *what)
{
	g_autofree char *ttype = hv_xml_child_prop(el, "target", "type");

	return !strcmp(what, "channel") && (!g_strcmp0(ttype, "virtio") || !g_strcmp0(ttype, "xen"));
}

static int
check_chardev_node(xmlNode *el, const char *what, GError **err)
{
	g_autofree char *type = hv_xml_prop(el, "type");
	unsigned n = hv_xml_count(el, "source");

	for (size_t i = 0; type && i < G_N_ELEMENTS(chardev_sources); i++)
		if (!strcmp(type, chardev_sources[i].type) && n > chardev_sources[i].max_sources)
			return hv_error_set(err, EINVAL,
					    "line %d: domain <%s type='%s'>: at most %u <source> element%s allowed, found %u",
					    el->line, what, type, chardev_sources[i].max_sources,
					    chardev_sources[i].max_sources > 1 ? "s are" : " is", n);
	for (size_t i = 0; type && i < G_N_ELEMENTS(chardev_needs); i++) {
		g_autofree char *v = NULL;

		if (strcmp(type, chardev_needs[i].type))
			continue;
		v = hv_xml_prop(source_for(el, chardev_needs[i].mode), chardev_needs[i].attr);
		if (!v && !strcmp(type, "unix") && path_optional(el, what))
			continue;
		if (!v)
			return hv_error_set(err, EINVAL,
					    "line %d: domain <%s type='%s'>: missing %s attribute for char device",
					    el->line, what, type, chardev_needs[i].what);
		if (!strcmp(type, "spiceport") && strspn(v, CHANNEL_NAME_CHARS) < strlen(v))
			return hv_error_set(err, EINVAL,
					    "line %d: domain <%s type='spiceport'>: invalid character in source channel '%s'",
					    el->line, what, v);
	}
	return 0;
}

/* virDomainGraphicsListenDefParseXML: the first <listen> is held against the
 * legacy listen= and socket= of <graphics>; socket and none listens are only
 * for vnc and spice. */
static const struct {
	const char *ltype; /* the first listen's type */
	const char *compat; /* the <graphics> attribute */
	const char *attr;   /* the <listen> attribute it must equal */
} listen_compat[] = {
	{ "address", "listen", "address" },
	{ "socket", "socket", "socket" },
};

static int
check_graphics(xmlNode *el, GError **err)
{
	g_autofree char *gtype = hv_xml_prop(el, "type");
	xmlNode *first = hv_xml_child(el, "listen");
	bool vnc_spice = !g_strcmp0(gtype, "vnc") || !g_strcmp0(gtype, "spice");

	for (xmlNode *l = first; l; l = hv_xml_next_named(l)) {
		g_autofree char *ltype = hv_xml_prop(l, "type");

		if (!vnc_spice && (!g_strcmp0(ltype, "socket") || !g_strcmp0(ltype, "none")))
			return hv_error_set(err, EINVAL,
					    "line %d: domain <graphics type='%s'>: listen type '%s' is not available for it",
					    l->line, gtype ? gtype : "", ltype);
	}
	for (size_t i = 0; first && i < G_N_ELEMENTS(listen_compat); i++) {
		g_autofree char *ltype = hv_xml_prop(first, "type");
		g_autofree char *compat = hv_xml_prop(el, listen_compat[i].compat);
		g_autofree char *v = hv_xml_prop(first, listen_compat[i].attr);

		if (!g_strcmp0(ltype, listen_compat[i].ltype) && compat && v && strcmp(compat, v))
			return hv_error_set(err, EINVAL,
					    "line %d: domain <graphics %s='%s'> does not match its first <listen %s='%s'>",
					    el->line, listen_compat[i].compat, compat, listen_compat[i].attr, v);
	}
	return 0;
}

int
hv_domain_check_chardevs(xmlNode *devs, GError **err)
{
	for (xmlNode *c = devs ? devs->children : NULL; c; c = c->next) {
		const char *name = (const char *)c->name;

		if (c->type != XML_ELEMENT_NODE || c->ns)
			continue;
		if (hv_str_index(chardev_names, name) >= 0 && check_chardev_node(c, name, err) < 0)
			return -EINVAL;
		if (!strcmp(name, "rng") && hv_xml_child(c, "backend") &&
		    check_chardev_node(hv_xml_child(c, "backend"), "rng><backend", err) < 0)
			return -EINVAL;
		if ((!strcmp(name, "redirdev") || !strcmp(name, "smartcard")) &&
		    check_chardev_node(c, name, err) < 0)
			return -EINVAL;
		if (!strcmp(name, "graphics") && check_graphics(c, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static void
normalise_chardev(xmlNode *el)
{
	g_autofree char *type = hv_xml_prop(el, "type");
	xmlNode *src = hv_xml_child(el, "source");

	if (g_strcmp0(type, "tcp") != 0 || !src)
		return;
	hv_xml_default_prop(src, "mode", "connect");
	hv_xml_prop_to_front(src, "mode");
	if (!hv_xml_child(el, "protocol")) {
		xmlNode *p = xmlNewDocNode(el->doc, NULL, (const xmlChar *)"protocol", NULL);

		xmlSetProp(p, (const xmlChar *)"type", (const xmlChar *)"raw");
		xmlAddNextSibling(src, p);
	}
}

void
hv_domain_normalise_chardevs(xmlNode *devs)
{
	for (xmlNode *c = devs ? devs->children : NULL; c; c = c->next) {
		const char *name = (const char *)c->name;

		if (c->type != XML_ELEMENT_NODE || c->ns)
			continue;
		if (hv_str_index(chardev_names, name) >= 0 || !strcmp(name, "redirdev") ||
		    !strcmp(name, "smartcard"))
			normalise_chardev(c);
		else if (!strcmp(name, "rng") && hv_xml_child(c, "backend"))
			normalise_chardev(hv_xml_child(c, "backend")); /* an egd backend's chardev */
		else if (!strcmp(name, "graphics"))
			hv_domain_normalise_graphics(c);
	}
}
