/* xml_format.c: hv_xml_format, the libvirt-style writer: single-quoted
 * attributes, 2-space indentation, self-closed empty elements, text-only
 * elements inline, comments kept, namespace prefixes and xmlns declarations
 * kept. Whitespace-only text between elements is re-indented, not kept. */
#include "conf/xml.h"
#include <string.h>

static void
escape(GString *out, const char *s, bool attr)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '\'': g_string_append(out, "&apos;"); break;
		case '"':
			g_string_append(out, attr ? "&quot;" : "\"");
			break;
		case '\r':
			g_string_append(out, attr ? "&#13;" : "&#13;");
			break;
		case '\n':
			g_string_append(out, attr ? "&#10;" : "\n");
			break;
		case '\t':
			g_string_append(out, attr ? "&#9;" : "\t");
			break;
		default:
			g_string_append_c(out, *s);
		}
	}
}

static bool
is_blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (!strchr(" \t\r\n", *s))
			return false;
	return true;
}

static void
qname(GString *out, xmlNs *ns, const xmlChar *name)
{
	if (ns && ns->prefix)
		g_string_append_printf(out, "%s:", (const char *)ns->prefix);
	g_string_append(out, (const char *)name);
}

static void
ns_decls(GString *out, xmlNode *n)
{
	for (xmlNs *ns = n->nsDef; ns; ns = ns->next) {
		g_string_append(out, ns->prefix ? " xmlns:" : " xmlns");
		if (ns->prefix)
			g_string_append(out, (const char *)ns->prefix);
		g_string_append(out, "='");
		escape(out, (const char *)ns->href, true);
		g_string_append_c(out, '\'');
	}
}

/* The root writes its namespace declarations after its attributes, as
 * libvirt's formatter does; inner elements first, as libxml2's dump does. */
static void
open_tag(GString *out, xmlNode *n)
{
	bool root = !n->parent || n->parent->type != XML_ELEMENT_NODE;

	g_string_append_c(out, '<');
	qname(out, n->ns, n->name);
	if (!root)
		ns_decls(out, n);
	for (xmlAttr *a = n->properties; a; a = a->next) {
		g_autofree xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);

		g_string_append_c(out, ' ');
		qname(out, a->ns, a->name);
		g_string_append(out, "='");
		escape(out, (const char *)v, true);
		g_string_append_c(out, '\'');
	}
	if (root)
		ns_decls(out, n);
}

/* What an element holds: nothing, text only, or structure. */
static int
content_kind(xmlNode *n)
{
	bool text = false;

	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE || c->type == XML_COMMENT_NODE ||
		    c->type == XML_PI_NODE)
			return 2;
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE ||
		     c->type == XML_ENTITY_REF_NODE) && c->content && *c->content)
			text = true;
	}
	return text ? 1 : 0;
}

static void format_node(GString *out, xmlNode *n, unsigned depth);

static void
format_element(GString *out, xmlNode *n, unsigned depth)
{
	int kind = content_kind(n);

	g_string_append_printf(out, "%*s", depth * 2, "");
	open_tag(out, n);
	if (kind == 0) {
		g_string_append(out, "/>\n");
		return;
	}
	g_string_append_c(out, '>');
	if (kind == 1) {
		for (xmlNode *c = n->children; c; c = c->next)
			escape(out, (const char *)c->content, false);
	} else {
		g_string_append_c(out, '\n');
		for (xmlNode *c = n->children; c; c = c->next)
			format_node(out, c, depth + 1);
		g_string_append_printf(out, "%*s", depth * 2, "");
	}
	g_string_append(out, "</");
	qname(out, n->ns, n->name);
	g_string_append(out, ">\n");
}

static void
format_node(GString *out, xmlNode *n, unsigned depth)
{
	switch (n->type) {
	case XML_ELEMENT_NODE:
		format_element(out, n, depth);
		break;
	case XML_COMMENT_NODE:
		g_string_append_printf(out, "%*s<!--%s-->\n", depth * 2, "",
				       n->content ? (const char *)n->content : "");
		break;
	case XML_PI_NODE:
		g_string_append_printf(out, "%*s<?%s %s?>\n", depth * 2, "", (const char *)n->name,
				       n->content ? (const char *)n->content : "");
		break;
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (!is_blank(n->content)) {
			g_autofree char *t = g_strstrip(g_strdup((const char *)n->content));

			g_string_append_printf(out, "%*s", depth * 2, "");
			escape(out, t, false);
			g_string_append_c(out, '\n');
		}
		break;
	default:
		break;
	}
}

char *
hv_xml_format(xmlNode *root)
{
	GString *out = g_string_sized_new(1024);

	if (root)
		format_node(out, root, 0);
	return g_string_free(out, FALSE);
}
