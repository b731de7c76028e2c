/* domain_chardev.c: character devices (serial, console, parallel, channel and
 * an rng's backend) and graphics: libvirt's checks on their sources and
 * listens, and the defaults libvirt writes (tcp source mode and protocol, vnc
 * port/autoport and listen address, socket listens, the primary video). */
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
	if (type && !strcmp(type, "unix") && n &&
	    !xmlHasProp(hv_xml_child(el, "source"), (const xmlChar *)"path"))
		return hv_error_set(err, EINVAL,
				    "line %d: domain <%s type='unix'>: <source> is missing its path",
				    el->line, what);
	return 0;
}

static int
check_graphics(xmlNode *el, GError **err)
{
	g_autofree char *sock = hv_xml_prop(el, "socket");

	for (xmlNode *l = hv_xml_child(el, "listen"); sock && l; l = hv_xml_next_named(l)) {
		g_autofree char *ltype = hv_xml_prop(l, "type");
		g_autofree char *lsock = hv_xml_prop(l, "socket");

		if (!g_strcmp0(ltype, "socket") && lsock && strcmp(lsock, sock) != 0)
			return hv_error_set(err, EINVAL,
					    "line %d: domain <graphics socket='%s'> does not match its <listen socket='%s'>",
					    el->line, sock, lsock);
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

static void
normalise_graphics(xmlNode *el)
{
	g_autofree char *type = hv_xml_prop(el, "type");
	g_autofree char *sock = hv_xml_prop(el, "socket");
	xmlNode *listen = hv_xml_child(el, "listen");
	g_autofree char *ltype = hv_xml_prop(listen, "type");

	if (sock && !listen) {
		listen = xmlNewChild(el, NULL, (const xmlChar *)"listen", NULL);
		xmlSetProp(listen, (const xmlChar *)"type", (const xmlChar *)"socket");
		xmlSetProp(listen, (const xmlChar *)"socket", (const xmlChar *)sock);
	}
	if (!g_strcmp0(type, "vnc") && !sock && !xmlHasProp(el, (const xmlChar *)"port")) {
		g_autofree char *autoport = hv_xml_prop(el, "autoport");

		if (g_strcmp0(autoport, "no") != 0) {
			hv_xml_set_prop(el, "port", "-1");
			hv_xml_default_prop(el, "autoport", "yes");
		}
	}
	if (!g_strcmp0(ltype, "address") && xmlHasProp(listen, (const xmlChar *)"address")) {
		g_autofree char *addr = hv_xml_prop(listen, "address");

		hv_xml_default_prop(el, "listen", addr);
	}
}

void
hv_domain_normalise_chardevs(xmlNode *devs)
{
	bool primary = false;
	xmlNode *first_video_model = NULL;

	for (xmlNode *c = devs ? devs->children : NULL; c; c = c->next) {
		const char *name = (const char *)c->name;

		if (c->type != XML_ELEMENT_NODE || c->ns)
			continue;
		if (hv_str_index(chardev_names, name) >= 0)
			normalise_chardev(c);
		else if (!strcmp(name, "graphics"))
			normalise_graphics(c);
		else if (!strcmp(name, "video")) {
			xmlNode *m = hv_xml_child(c, "model");
			g_autofree char *p = hv_xml_prop(m, "primary");

			primary = primary || !g_strcmp0(p, "yes");
			if (!first_video_model)
				first_video_model = m;
		}
	}
	if (first_video_model && !primary &&
	    xmlHasProp(first_video_model, (const xmlChar *)"type"))
		hv_xml_set_prop(first_video_model, "primary", "yes");
}
