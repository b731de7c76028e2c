/* domain_graphics.c: a <graphics> device in libvirt's canonical shape, from
 * virDomainGraphicsDefParseXML{VNC,SDL,RDP,Desktop,Spice},
 * virDomainGraphicsListensParseXML, virDomainGraphicsListenDefParseXML and
 * virDomainGraphicsDefFormat / virDomainGraphicsListenDefFormat(Addr) in
 * libvirt's domain_conf.c (v4.0.0), formatting as a live definition (no
 * INACTIVE flag: what libvirt's generic xml2xml tests compare). */
#include "conf/domain_priv.h"
#include "conf/normalise.h"
#include <string.h>

/* Per graphics type: whether it has <listen> children, how its port and
 * autoport are written, and the attributes of the element libvirt reads and
 * writes back (the computed port, autoport, listen and socket aside). */
typedef enum { PORT_NONE, PORT_VNC, PORT_SPICE, PORT_RDP } PortStyle;
static const struct {
	const char *type;
	bool listens;
	PortStyle port;
	const char *const keep[8];
} graphics_types[] = {
	{ "vnc", true, PORT_VNC,
	  { "keymap", "sharePolicy", "passwd", "passwdValidTo", "connected", NULL } },
	{ "spice", true, PORT_SPICE,
	  { "keymap", "defaultMode", "passwd", "passwdValidTo", "connected", NULL } },
	{ "rdp", true, PORT_RDP, { "replaceUser", "multiUser", NULL } },
	{ "sdl", false, PORT_NONE, { "display", "xauth", "fullscreen", NULL } },
	{ "desktop", false, PORT_NONE, { "display", "fullscreen", NULL } },
};

/* Attributes written only as 'yes' (virDomainGraphicsDefFormat). */
static const char *const only_yes[] = { "fullscreen", "replaceUser", "multiUser", NULL };

/* What each listen type keeps (virDomainGraphicsListenDefFormat). */
static const struct {
	const char *type;
	const char *attr;
} listen_attrs[] = {
	{ "address", "address" }, { "network", "address" }, { "network", "network" },
	{ "socket", "socket" },
};

static bool
listen_keeps(const char *type, const char *attr)
{
	if (!strcmp(attr, "type"))
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(listen_attrs); i++)
		if (type && !strcmp(type, listen_attrs[i].type) && !strcmp(attr, listen_attrs[i].attr))
			return true;
	return false;
}

static void
clean_listen(xmlNode *l)
{
	g_autofree char *type = hv_xml_prop(l, "type");
	xmlAttr *a = l->properties;

	while (a) {
		xmlAttr *next = a->next;
		g_autofree char *v = hv_xml_prop(l, (const char *)a->name);

		if (!listen_keeps(type, (const char *)a->name) || !v || !*v)
			xmlRemoveProp(a);
		a = next;
	}
}

/* virDomainGraphicsListensParseXML: the listens, made from the legacy
 * listen= / socket= attributes when there are none; returns the first. */
static xmlNode *
fill_listens(xmlNode *el, bool vnc)
{
	g_autofree char *addr = hv_xml_prop(el, "listen");
	g_autofree char *sock = vnc ? hv_xml_prop(el, "socket") : NULL;
	xmlNode *first = hv_xml_child(el, "listen");
	g_autofree char *ftype = hv_xml_prop(first, "type");
	xmlNode *made;

	if (first && sock && (!g_strcmp0(ftype, "address") || !g_strcmp0(ftype, "network"))) {
		made = xmlNewDocNode(el->doc, NULL, (const xmlChar *)"listen", NULL);
		xmlAddPrevSibling(first, made);
		xmlUnlinkNode(first);
		xmlFreeNode(first);
		first = made;
		g_free(ftype);
		ftype = NULL;
	} else if (!first) {
		first = xmlNewChild(el, NULL, (const xmlChar *)"listen", NULL);
	}
	if (!ftype) {
		hv_xml_set_prop(first, "type", sock ? "socket" : "address");
		ftype = g_strdup(sock ? "socket" : "address");
	}
	if (!strcmp(ftype, "address"))
		hv_xml_default_prop(first, "address", addr);
	if (!strcmp(ftype, "socket"))
		hv_xml_default_prop(first, "socket", sock);
	for (xmlNode *l = hv_xml_child(el, "listen"); l; l = hv_xml_next_named(l))
		clean_listen(l);
	return first;
}

static long
port_of(xmlNode *el, const char *attr)
{
	g_autofree char *v = hv_xml_prop(el, attr);

	return v ? strtol(v, NULL, 10) : 0;
}

/* Port, tlsPort, websocket and autoport as each type's parser reads them and
 * virDomainGraphicsDefFormat writes them back. */
static void
ports(xmlNode *el, PortStyle style, const char *ltype)
{
	g_autofree char *ap = hv_xml_prop(el, "autoport");
	bool has_port = xmlHasProp(el, (const xmlChar *)"port");
	long port = port_of(el, "port"), tls = port_of(el, "tlsPort");
	long ws = port_of(el, "websocket");
	bool autoport = false;
	bool addr = !g_strcmp0(ltype, "address") || !g_strcmp0(ltype, "network");

	for (const char *a = "port\0tlsPort\0websocket\0autoport\0"; *a; a += strlen(a) + 1)
		hv_xml_set_prop(el, a, NULL);
	if (style == PORT_VNC) {
		/* an autoport= given decides; without one, no port or -1 is auto */
		autoport = ap ? !strcmp(ap, "yes") : (!has_port || port == -1);
		if (!addr)
			return;
		if (port)
			hv_xml_set_num(el, "port", port);
		else if (autoport)
			hv_xml_set_prop(el, "port", "-1");
		hv_xml_set_prop(el, "autoport", autoport ? "yes" : "no");
		if (ws)
			hv_xml_set_num(el, "websocket", ws);
	} else if (style == PORT_SPICE) {
		autoport = (ap && !strcmp(ap, "yes")) || (port == -1 && tls == -1);
		if (!addr)
			return;
		if (port)
			hv_xml_set_num(el, "port", port);
		if (tls)
			hv_xml_set_num(el, "tlsPort", tls);
		hv_xml_set_prop(el, "autoport", autoport ? "yes" : "no");
	} else if (style == PORT_RDP) {
		autoport = !has_port || port == -1 || (ap && !strcmp(ap, "yes"));
		if (port)
			hv_xml_set_num(el, "port", port);
		else if (autoport)
			hv_xml_set_prop(el, "port", "0");
		if (autoport)
			hv_xml_set_prop(el, "autoport", "yes");
	}
}

/* A definition parsed and formatted inactive (the qemu driver's config,
 * qemuxml2xml's outputs; libvirt's generic xml2xml tests format live): an
 * automatic port is the driver's to pick, so virDomainGraphicsDefParseXML*
 * with PARSE_INACTIVE drops the port given and virDomainGraphicsDefFormat
 * with FORMAT_INACTIVE writes VNC's as -1, RDP's as 0 and SPICE's not at all;
 * VNC's legacy port='-1' without autoport is no port. */
void
hv_domain_graphics_inactive(xmlNode *devs)
{
	for (xmlNode *g = hv_xml_child(devs, "graphics"); g; g = hv_xml_next_named(g)) {
		g_autofree char *type = hv_xml_prop(g, "type");
		g_autofree char *ap = hv_xml_prop(g, "autoport");
		g_autofree char *port = hv_xml_prop(g, "port");
		bool autoport = !g_strcmp0(ap, "yes");

		if (!g_strcmp0(type, "vnc") && port && (autoport || !strcmp(port, "-1")))
			hv_xml_set_prop(g, "port", autoport ? "-1" : NULL);
		else if (!g_strcmp0(type, "rdp") && port && autoport)
			hv_xml_set_prop(g, "port", "0");
		else if (!g_strcmp0(type, "spice") && autoport) {
			hv_xml_set_prop(g, "port", NULL);
			hv_xml_set_prop(g, "tlsPort", NULL);
		}
	}
}

/* virDomainGraphicsDefFormat writes spice channels in the order of
 * virDomainGraphicsSpiceChannelName, whatever the input's order. */
static const char *const spice_channels[] = {
	"main", "display", "inputs", "cursor", "playback", "record", "smartcard", "usbredir", NULL,
};

static void
order_spice_channels(xmlNode *el)
{
	g_autoptr(GPtrArray) chans = g_ptr_array_new();

	for (xmlNode *c = hv_xml_child(el, "channel"); c; c = hv_xml_next_named(c))
		g_ptr_array_add(chans, c);
	for (size_t i = 0; spice_channels[i]; i++)
		for (guint j = 0; j < chans->len; j++) {
			xmlNode *c = chans->pdata[j];
			g_autofree char *name = hv_xml_prop(c, "name");

			if (!g_strcmp0(name, spice_channels[i])) {
				xmlUnlinkNode(c);
				xmlAddChild(el, c);
			}
		}
}

/* virDomainDefPostParseGraphics: a SPICE address listen without ports and
 * without autoport starts QEMU listening nowhere, which is listen type
 * none (its address dropped); a none listen writes no ports or autoport */
static bool
spice_listens_nowhere(xmlNode *el, xmlNode *first, const char *ltype)
{
	g_autofree char *ap = hv_xml_prop(el, "autoport");

	if (g_strcmp0(ltype, "address") || xmlHasProp(el, (const xmlChar *)"port") ||
	    xmlHasProp(el, (const xmlChar *)"tlsPort") || !g_strcmp0(ap, "yes"))
		return false;
	hv_xml_set_prop(first, "type", "none");
	hv_xml_set_prop(first, "address", NULL);
	hv_xml_set_prop(el, "autoport", NULL);
	hv_xml_set_prop(el, "listen", NULL);
	return true;
}

static bool
keeps(const char *const *keep, const char *attr)
{
	for (size_t i = 0; keep[i]; i++)
		if (!strcmp(keep[i], attr))
			return true;
	return false;
}

void
hv_domain_normalise_graphics(xmlNode *el)
{
	g_autofree char *type = hv_xml_prop(el, "type");
	size_t t;
	xmlNode *first = NULL;
	g_autofree char *ltype = NULL;
	g_autofree char *laddr = NULL;
	g_autofree char *lsock = NULL;

	for (t = 0; t < G_N_ELEMENTS(graphics_types); t++)
		if (type && !strcmp(type, graphics_types[t].type))
			break;
	if (t == G_N_ELEMENTS(graphics_types))
		return;
	if (graphics_types[t].listens) {
		first = fill_listens(el, graphics_types[t].port == PORT_VNC);
		ltype = hv_xml_prop(first, "type");
		laddr = hv_xml_prop(first, "address");
		lsock = hv_xml_prop(first, "socket");
	} else {
		hv_xml_remove_children(el, "listen");
	}
	ports(el, graphics_types[t].port, ltype);
	if (graphics_types[t].port == PORT_SPICE && spice_listens_nowhere(el, first, ltype)) {
		g_free(ltype);
		ltype = g_strdup("none");
		g_clear_pointer(&laddr, g_free);
	}
	if (graphics_types[t].port == PORT_SPICE)
		order_spice_channels(el);
	for (xmlAttr *a = el->properties, *next; a; a = next) {
		const char *n = (const char *)a->name;

		next = a->next;
		if (strcmp(n, "type") && strcmp(n, "port") && strcmp(n, "tlsPort") &&
		    strcmp(n, "autoport") && strcmp(n, "websocket") && !keeps(graphics_types[t].keep, n))
			xmlRemoveProp(a);
	}
	for (size_t i = 0; only_yes[i]; i++) {
		g_autofree char *v = hv_xml_prop(el, only_yes[i]);

		if (v && strcmp(v, "yes"))
			hv_xml_set_prop(el, only_yes[i], NULL);
	}
	/* virDomainGraphicsListenDefFormatAddr: the first listen's address */
	if (laddr && (!g_strcmp0(ltype, "address") || !g_strcmp0(ltype, "network")))
		hv_xml_set_prop(el, "listen", laddr);
	if (lsock && !g_strcmp0(ltype, "socket") && graphics_types[t].port == PORT_VNC)
		hv_xml_set_prop(el, "socket", lsock);
}

static const char *
skip_space(const char *q)
{
	while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
		q++;
	return q;
}

/* One attribute at q (after its leading space): its name's length in *name,
 * and the end of its value; NULL at the tag's end or on what is not one. */
static const char *
attr_end(const char *q, size_t *name)
{
	const char *v = q;
	char quote;

	while (*v && !strchr(" \t\n\r=/>", *v))
		v++;
	*name = (size_t)(v - q);
	v = skip_space(v);
	if (!*name || *v++ != '=')
		return NULL;
	v = skip_space(v);
	quote = *v;
	if (quote != '\'' && quote != '"')
		return NULL;
	v = strchr(v + 1, quote);
	return v ? v + 1 : NULL;
}

char *
hv_domain_xml_hide_secrets(const char *xml)
{
	GString *out = g_string_sized_new(strlen(xml));
	const char *p = xml, *g;

	while ((g = strstr(p, "<graphics")) != NULL) {
		const char *q = g + strlen("<graphics"), *a, *end;
		size_t name;

		g_string_append_len(out, p, q - p);
		/* attribute by attribute (a quoted value may hold '>'), each with
		 * the space before it, up to the tag's end */
		while ((a = skip_space(q)) != q && (end = attr_end(a, &name)) != NULL) {
			if (!(name == strlen("passwd") && strncmp(a, "passwd", name) == 0))
				g_string_append_len(out, q, end - q);
			q = end;
		}
		p = q;
	}
	g_string_append(out, p);
	return g_string_free(out, FALSE);
}
