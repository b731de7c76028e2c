/* proto_meta.c: hyperfsd's virDomainSetMetadata (264) and GetMetadata (265):
 * a domain's <title>, <description> and custom <metadata> elements (one per
 * namespace URI, its prefix the key), read from and written into its
 * document through the driver's get_xml and define_xml, so every driver
 * keeps them as it keeps the rest of the definition. A write changes the
 * persistent definition (what a running domain shows once it restarts);
 * a missing element is libvirt's VIR_ERR_NO_DOMAIN_METADATA. */
#include <errno.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "remote/proto_priv.h"

enum { META_DESCRIPTION = 0, META_TITLE = 1, META_ELEMENT = 2 }; /* virDomainMetadataType */
#define META_FLAGS (HV_AFFECT_LIVE | HV_AFFECT_CONFIG)
#define META_MAX (1u << 20) /* one metadata value, at most */

typedef struct {
	xmlDoc *doc;
} Doc;

static void
doc_clear(Doc *d)
{
	if (d->doc)
		xmlFreeDoc(d->doc);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Doc, doc_clear)

static int
load(RpcClientCtx *c, const char *name, unsigned flags, Doc *d, GError **err)
{
	g_autofree char *xml = NULL;
	int rc = HV_CALL(c->conn, domain, get_xml, HV_READS, err, name,
			 (flags & HV_AFFECT_CONFIG) ? HV_XML_INACTIVE : 0, &xml);

	if (rc < 0)
		return rc;
	d->doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
			       XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	if (!d->doc || !xmlDocGetRootElement(d->doc))
		return hv_error_set(err, EIO, "the document of domain '%s' does not parse", name);
	return 0;
}

/* The child of parent named name (and in namespace uri, when given). */
static xmlNode *
child(xmlNode *parent, const char *name, const char *uri)
{
	for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (uri ? n->ns && n->ns->href && g_str_equal((const char *)n->ns->href, uri)
			: g_str_equal((const char *)n->name, name) && !n->ns)
			return n;
	}
	return NULL;
}

static int
no_metadata(GError **err)
{
	return hv_error_set(err, ENODATA, "Requested metadata element is not present");
}

static int
check(int type, const char *uri, unsigned flags, GError **err)
{
	if (flags & ~META_FLAGS)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", flags & ~META_FLAGS);
	if (type < META_DESCRIPTION || type > META_ELEMENT)
		return hv_error_set(err, EINVAL, "unknown metadata type '%d'", type);
	if (type == META_ELEMENT && (!uri || !*uri))
		return hv_error_set(err, EINVAL, "a metadata element needs a namespace URI");
	return 0;
}

/* libvirt puts the element and every element under it in the namespace. */
static void
set_ns_all(xmlNode *n, xmlNs *ns)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE) {
			xmlSetNs(n, ns);
			set_ns_all(n->children, ns);
		}
}

RPC_HANDLER(h_dom_get_metadata)
{
	g_auto(Doc) d = { 0 };
	int type = (int)a->num[0];
	const char *uri = a->str[0];
	xmlNode *root, *n;
	int rc = check(type, uri, (unsigned)a->num[1], err);

	if (rc == 0)
		rc = load(c, a->dom.name, (unsigned)a->num[1], &d, err);
	if (rc < 0)
		return rc;
	root = xmlDocGetRootElement(d.doc);
	if (type != META_ELEMENT) {
		g_autofree xmlChar *text = NULL;

		if (!(n = child(root, type == META_TITLE ? "title" : "description", NULL)))
			return no_metadata(err);
		text = xmlNodeGetContent(n);
		r->str[0] = g_strdup((const char *)text);
		return 0;
	}
	if (!(n = child(child(root, "metadata", NULL), NULL, uri)))
		return no_metadata(err);
	{ /* shown as it was set: without the namespace it is stored under */
		xmlNode *copy = xmlDocCopyNode(n, d.doc, 1);
		xmlBuffer *buf = xmlBufferCreate();

		xmlSetNs(copy, NULL);
		set_ns_all(copy->children, NULL);
		xmlFreeNsList(copy->nsDef);
		copy->nsDef = NULL;
		xmlNodeDump(buf, d.doc, copy, 0, 1);
		r->str[0] = g_strdup((const char *)xmlBufferContent(buf));
		xmlBufferFree(buf);
		xmlFreeNode(copy);
	}
	return 0;
}

/* Puts the element of value (NULL: removes it) under <metadata> as key:... in uri. */
static int
set_element(xmlDoc *doc, xmlNode *root, const char *value, const char *key, const char *uri,
	    GError **err)
{
	xmlNode *meta = child(root, "metadata", NULL), *old = child(meta, NULL, uri), *el;
	xmlDoc *frag;

	if (old) {
		xmlUnlinkNode(old);
		xmlFreeNode(old);
	}
	if (!value)
		return 0;
	if (!key || !*key)
		return hv_error_set(err, EINVAL, "a metadata element needs a namespace prefix (key)");
	frag = xmlReadMemory(value, (int)strlen(value), "metadata.xml", NULL, XML_PARSE_NONET);
	if (!frag || !xmlDocGetRootElement(frag)) {
		xmlFreeDoc(frag);
		return hv_error_set(err, EINVAL, "the metadata element is not well-formed XML");
	}
	if (!meta)
		meta = xmlNewChild(root, NULL, BAD_CAST "metadata", NULL);
	el = xmlDocCopyNode(xmlDocGetRootElement(frag), doc, 1);
	xmlFreeDoc(frag);
	xmlSetNs(el, xmlNewNs(el, BAD_CAST uri, BAD_CAST key));
	set_ns_all(el->children, el->ns);
	xmlAddChild(meta, el);
	return 0;
}

static void
set_text(xmlNode *root, const char *name, const char *value)
{
	xmlNode *old = child(root, name, NULL);

	if (old) {
		xmlUnlinkNode(old);
		xmlFreeNode(old);
	}
	if (value && *value)
		xmlNewTextChild(root, NULL, BAD_CAST name, BAD_CAST value);
}

RPC_HANDLER(h_dom_set_metadata)
{
	g_auto(Doc) d = { 0 };
	int type = (int)a->num[0];
	const char *value = a->str[0], *key = a->str[1], *uri = a->str[2];
	xmlChar *out = NULL;
	int len = 0, rc = check(type, uri, (unsigned)a->num[1], err);
	xmlNode *root;

	if (rc == 0 && value && strlen(value) > META_MAX)
		rc = hv_error_set(err, EINVAL, "the metadata is longer than %u bytes", META_MAX);
	if (rc == 0)
		rc = load(c, a->dom.name, HV_AFFECT_CONFIG, &d, err);
	if (rc < 0)
		return rc;
	root = xmlDocGetRootElement(d.doc);
	if (type == META_ELEMENT)
		rc = set_element(d.doc, root, value, key, uri, err);
	else
		set_text(root, type == META_TITLE ? "title" : "description", value);
	if (rc < 0)
		return rc;
	xmlDocDumpMemory(d.doc, &out, &len);
	rc = HV_CALL(c->conn, domain, define_xml, HV_WRITES, err, (const char *)out, NULL);
	xmlFree(out);
	return rc;
}
