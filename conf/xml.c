/* xml.c: the safe XML reader and the libvirt-style writer (see xml.h).
 * Parsing goes through a private xmlParserCtxt per call whose SAX hooks refuse
 * DTDs and entities and count depth, and whose structured error handler keeps
 * the first error for the GError; nothing is printed to stderr. For container
 * documents the same hooks measure each top-level child and note every
 * element's real line, so a detached child can be numbered on its own. */
#include "conf/xml.h"
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

typedef struct {
	xmlParserCtxt *ctxt;
	startElementNsSAX2Func start;
	endElementNsSAX2Func end;
	unsigned depth;
	bool refused;   /* DTD or entity */
	bool too_deep;
	int err_line;
	char *err_msg;
	/* container documents only */
	bool container;
	HvXmlChildFunc child_done;
	void *child_data;
	bool child_too_big;
	int child_line;   /* where the current top-level child starts */
	long child_start; /* and its byte offset */
	char *child_name;
} ParseState;

static void
silent_generic(void *ctx, const char *msg, ...)
{
}

static void
init_once(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		xmlInitParser();
		g_once_init_leave(&done, 1);
	}
}

static ParseState *
state_of(void *user)
{
	xmlParserCtxt *ctxt = user;

	return ctxt->_private;
}

static void
refuse(ParseState *st)
{
	if (!st->refused && !st->err_msg)
		st->err_line = xmlSAX2GetLineNumber(st->ctxt);
	st->refused = true;
	xmlStopParser(st->ctxt);
}

static void
on_internal_subset(void *user, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	refuse(state_of(user));
}

static void
on_entity_decl(void *user, const xmlChar *name, int type, const xmlChar *pub,
	       const xmlChar *sys, xmlChar *content)
{
	refuse(state_of(user));
}

static xmlEntity *
on_get_entity(void *user, const xmlChar *name)
{
	refuse(state_of(user));
	return NULL;
}

static void
on_reference(void *user, const xmlChar *name)
{
	refuse(state_of(user));
}

/* The element just started keeps its real line in _private: libxml2's own
 * stops at 65535, and detaching renumbers from it. */
static void
note_line(ParseState *st)
{
	xmlNode *n = st->ctxt->node;

	if (n && n->type == XML_ELEMENT_NODE)
		n->_private = GINT_TO_POINTER(xmlSAX2GetLineNumber(st->ctxt));
}

/* Where the parser is, in UTF-8 bytes (xmlByteConsumed would re-encode the
 * rest of the input at every call for a document in another encoding). */
static long
offset(const xmlParserCtxt *ctxt)
{
	const xmlParserInput *in = ctxt->input;

	return in ? (long)in->consumed + (long)(in->cur - in->base) : 0;
}

/* A top-level child of a container is held to the size of a document. */
static void
child_end(ParseState *st, const xmlChar *local)
{
	if (offset(st->ctxt) - st->child_start <= (long)HV_XML_MAX_SIZE)
		return;
	if (!st->err_msg && !st->refused && !st->too_deep) {
		st->child_too_big = true;
		st->err_line = st->child_line;
		st->child_name = g_strdup((const char *)local);
	}
	xmlStopParser(st->ctxt);
}

static bool
ok_so_far(const ParseState *st)
{
	return !st->refused && !st->too_deep && !st->child_too_big && !st->err_msg &&
	       st->ctxt->wellFormed && !st->ctxt->disableSAX;
}

static void
on_start(void *user, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
	 int nns, const xmlChar **nss, int nattr, int ndef, const xmlChar **attrs)
{
	ParseState *st = state_of(user);

	if (++st->depth > HV_XML_MAX_DEPTH) {
		if (!st->too_deep && !st->err_msg)
			st->err_line = xmlSAX2GetLineNumber(st->ctxt);
		st->too_deep = true;
		xmlStopParser(st->ctxt);
		return;
	}
	if (st->container && st->depth == 2) {
		st->child_line = xmlSAX2GetLineNumber(st->ctxt);
		st->child_start = offset(st->ctxt);
	}
	st->start(user, local, prefix, uri, nns, nss, nattr, ndef, attrs);
	if (st->container && st->depth >= 2)
		note_line(st);
}

static void
on_end(void *user, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	ParseState *st = state_of(user);
	xmlNode *n = st->ctxt->node;
	bool child = st->container && st->depth == 2;

	if (child)
		child_end(st, local);
	if (st->depth > 0)
		st->depth--;
	st->end(user, local, prefix, uri);
	if (child && st->child_done && n && n->type == XML_ELEMENT_NODE &&
	    xmlStrEqual(n->name, local) && ok_so_far(st))
		st->child_done(n, st->child_data);
}

static void
on_error(void *user, xmlError *e)
{
	xmlParserCtxt *ctxt = user;
	ParseState *st = ctxt ? ctxt->_private : NULL;

	if (!st || st->err_msg || e->level < XML_ERR_ERROR)
		return;
	st->err_line = e->line;
	st->err_msg = g_strstrip(g_strdup(e->message ? e->message : "malformed XML"));
}

static int
report(ParseState *st, const char *what, GError **err)
{
	const char *w = what ? what : "XML";

	if (st->refused)
		return hv_error_set(err, EINVAL, "line %d: %s document: DTDs and entities are not allowed",
				    st->err_line, w);
	if (st->too_deep)
		return hv_error_set(err, EINVAL, "line %d: %s document: elements nested deeper than %d",
				    st->err_line, w, HV_XML_MAX_DEPTH);
	if (st->child_too_big)
		return hv_error_set(err, EFBIG, "line %d: %s document: <%s> is larger than %u bytes",
				    st->err_line, w, st->child_name, HV_XML_MAX_SIZE);
	return hv_error_set(err, EINVAL, "line %d: %s document: %s", st->err_line, w,
			    st->err_msg ? st->err_msg : "malformed XML");
}

static void
hook_sax(xmlParserCtxt *ctxt, ParseState *st)
{
	xmlSAXHandler *sax = ctxt->sax;

	st->ctxt = ctxt;
	st->start = sax->startElementNs;
	st->end = sax->endElementNs;
	ctxt->_private = st;
	sax->internalSubset = on_internal_subset;
	sax->externalSubset = on_internal_subset;
	sax->entityDecl = on_entity_decl;
	sax->getEntity = on_get_entity;
	sax->getParameterEntity = on_get_entity;
	sax->reference = on_reference;
	sax->startElementNs = on_start;
	sax->endElementNs = on_end;
	sax->serror = on_error;
	sax->warning = NULL;
	sax->error = NULL;
	sax->fatalError = NULL;
}

static xmlDoc *
parse(const char *buf, size_t len, size_t max, bool container, HvXmlChildFunc done, void *data,
      const char *what, GError **err)
{
	ParseState st = { .container = container, .child_done = done, .child_data = data };
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
	int opts = XML_PARSE_NONET | XML_PARSE_NOCDATA | (container ? XML_PARSE_NOBLANKS : 0);

	init_once();
	xmlSetGenericErrorFunc(NULL, silent_generic);
	if (!buf) {
		hv_error_set(err, EINVAL, "%s document: empty", what ? what : "XML");
		return NULL;
	}
	if (len > max || len > G_MAXINT) {
		hv_error_set(err, EFBIG, "%s document: %zu bytes is over the limit of %zu",
			     what ? what : "XML", len, max);
		return NULL;
	}
	if (len == 0 || memchr(buf, '\0', len)) {
		hv_error_set(err, EINVAL, "line 1: %s document: %s", what ? what : "XML",
			     len ? "contains a NUL byte" : "empty");
		return NULL;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		hv_error_set(err, ENOMEM, "%s document: out of memory", what ? what : "XML");
		return NULL;
	}
	hook_sax(ctxt, &st);
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL, opts);
	if (st.refused || st.too_deep || st.child_too_big || st.err_msg || !ctxt->wellFormed ||
	    !doc) {
		report(&st, what, err);
		g_clear_pointer(&doc, xmlFreeDoc);
	} else if (doc->intSubset || doc->extSubset) {
		st.refused = true;
		report(&st, what, err);
		g_clear_pointer(&doc, xmlFreeDoc);
	} else if (!xmlDocGetRootElement(doc)) {
		hv_error_set(err, EINVAL, "line 1: %s document: no root element", what ? what : "XML");
		g_clear_pointer(&doc, xmlFreeDoc);
	}
	ctxt->_private = NULL;
	xmlFreeParserCtxt(ctxt);
	g_free(st.err_msg);
	g_free(st.child_name);
	return doc;
}

xmlDoc *
hv_xml_parse(const char *buf, size_t len, const char *what, GError **err)
{
	return parse(buf, len, HV_XML_MAX_SIZE, false, NULL, NULL, what, err);
}

/* Our own serialisation, possibly longer than its document was (escapes). */
xmlDoc *
hv_xml_parse_compact(const char *buf, size_t len, GError **err)
{
	return parse(buf, len, G_MAXINT, false, NULL, NULL, "kept", err);
}

char *
hv_xml_compact(xmlNode *root, size_t *len)
{
	xmlBuffer *b = root ? xmlBufferCreate() : NULL;
	char *out = NULL;

	if (b && xmlNodeDump(b, root->doc, root, 0, 0) >= 0) {
		out = g_strndup((const char *)xmlBufferContent(b), (gsize)xmlBufferLength(b));
		if (len)
			*len = (size_t)xmlBufferLength(b);
	}
	if (b)
		xmlBufferFree(b);
	return out;
}

xmlDoc *
hv_xml_parse_container(const char *buf, size_t len, size_t max, HvXmlChildFunc done, void *data,
		       const char *what, GError **err)
{
	return parse(buf, len, max, true, done, data, what, err);
}

int
hv_xml_container_line(const xmlNode *el)
{
	int line = el ? GPOINTER_TO_INT(el->_private) : 0;

	return line > 0 ? line : el ? el->line : 0;
}

/* Lines from base's, counting base's as 1; the noted lines are dropped. */
static void
renumber(xmlNode *el, int base)
{
	for (xmlNode *c = el->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			renumber(c, base);
	if (el->_private)
		el->line = (unsigned short)CLAMP(GPOINTER_TO_INT(el->_private) - base + 1, 1,
						 G_MAXUINT16);
	el->_private = NULL;
}

static bool
is_outer(const xmlNode *el, const xmlNs *ns)
{
	for (const xmlNode *a = el->parent; a && a->type == XML_ELEMENT_NODE; a = a->parent)
		for (const xmlNs *d = a->nsDef; d; d = d->next)
			if (d == ns)
				return true;
	return false;
}

/* ns, declared on el itself (NULL if its prefix is taken there). */
static xmlNs *
local_ns(xmlNode *el, const xmlNs *ns)
{
	for (xmlNs *d = el->nsDef; d; d = d->next)
		if (xmlStrEqual(d->prefix, ns->prefix) && xmlStrEqual(d->href, ns->href))
			return d;
	return xmlNewNs(el, ns->href, ns->prefix);
}

/* n and its subtree use, from el's ancestors' declarations, el's own. */
static void
localise_ns(xmlNode *el, xmlNode *n)
{
	xmlNs *l;

	if (n->ns && is_outer(el, n->ns) && (l = local_ns(el, n->ns)))
		n->ns = l;
	for (xmlAttr *a = n->properties; a; a = a->next)
		if (a->ns && is_outer(el, a->ns) && (l = local_ns(el, a->ns)))
			a->ns = l;
	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			localise_ns(el, c);
}

xmlDoc *
hv_xml_detach(xmlNode *el, GError **err)
{
	g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlDoc *from = el->doc;

	if (!doc) {
		hv_error_set(err, ENOMEM, "<%s>: out of memory", (const char *)el->name);
		return NULL;
	}
	/* namespaces declared further up move down to el, as libvirt writes them */
	for (xmlNode *a = el->parent; a && a->type == XML_ELEMENT_NODE; a = a->parent) {
		if (a->nsDef) {
			localise_ns(el, el);
			break;
		}
	}
	xmlUnlinkNode(el);
	/* Fails only out of memory, leaving el half moved: it leaks rather than
	 * being freed against the wrong dictionary. */
	if (xmlDOMWrapAdoptNode(NULL, from, el, doc, NULL, 0) != 0) {
		hv_error_set(err, ENOMEM, "<%s>: cannot move it into a document of its own",
			     (const char *)el->name);
		return NULL;
	}
	xmlDocSetRootElement(doc, el);
	if (el->_private)
		renumber(el, GPOINTER_TO_INT(el->_private));
	return g_steal_pointer(&doc);
}
