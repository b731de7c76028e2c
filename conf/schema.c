/* schema.c: compiles the embedded RelaxNG grammars (schema/schema_data.c) once
 * per kind and validates documents with a fresh xmlRelaxNGValidCtxt per call;
 * the first error, with its line and element, becomes the GError message. */
#include "conf/schema.h"
#include "schema/schema_data.h"
#include <string.h>
#include <libxml/relaxng.h>

static const struct {
	const char *grammar; /* entry in hv_schema_texts */
	const char *root;    /* root element of the document kind */
	const char *what;    /* for messages */
} kinds[HV_SCHEMA_LAST] = {
	[HV_SCHEMA_DOMAIN] = { "domain", "domain", "domain" },
	[HV_SCHEMA_NETWORK] = { "network", "network", "network" },
	[HV_SCHEMA_POOL] = { "storagepool", "pool", "storage pool" },
	[HV_SCHEMA_VOLUME] = { "storagevol", "volume", "storage volume" },
	[HV_SCHEMA_CAPABILITIES] = { "capabilities", "capabilities", "capabilities" },
	[HV_SCHEMA_NODE] = { "node", "node", "node" },
	[HV_SCHEMA_SECRET] = { "secret", "secret", "secret" },
};

static xmlRelaxNG *compiled[HV_SCHEMA_LAST];
static gsize compiled_once[HV_SCHEMA_LAST];
/* One compile at a time: libxml2's RelaxNG parser sets up its datatype
 * libraries (globals) unlocked, on the first compile of any grammar. */
static GMutex compile_lock;

static void
quiet(void *data, xmlError *e)
{
}

static void
quiet_generic(void *ctx, const char *msg, ...)
{
}

static xmlRelaxNG *
compile(HvSchemaKind kind)
{
	xmlRelaxNGParserCtxt *pctxt;
	xmlRelaxNG *rng = NULL;

	for (const HvSchemaText *t = hv_schema_texts; t->kind; t++) {
		if (strcmp(t->kind, kinds[kind].grammar) != 0)
			continue;
		pctxt = xmlRelaxNGNewMemParserCtxt(t->text, (int)strlen(t->text));
		xmlRelaxNGSetParserStructuredErrors(pctxt, quiet, NULL);
		rng = xmlRelaxNGParse(pctxt);
		xmlRelaxNGFreeParserCtxt(pctxt);
		break;
	}
	return rng;
}

static xmlRelaxNG *
grammar_get(HvSchemaKind kind)
{
	xmlRelaxNG *rng;

	/* under the lock every time (uncontended, cheap): glib's once is made of
	 * atomics in its library, which ThreadSanitizer cannot see */
	g_mutex_lock(&compile_lock);
	if (!compiled_once[kind]) {
		compiled[kind] = compile(kind);
		compiled_once[kind] = 1;
	}
	rng = compiled[kind];
	g_mutex_unlock(&compile_lock);
	return rng;
}

typedef struct {
	int line;
	char *elem;
	char *msg;
} ValidErr;

/* The first message says what is wrong; libxml2 gives the line and element
 * only on some messages, so those come from the first message that has them. */
static void
on_valid_error(void *data, xmlError *e)
{
	ValidErr *ve = data;
	xmlNode *node = e->node;

	if (!ve->msg && e->message)
		ve->msg = g_strstrip(g_strdup(e->message));
	if (!ve->elem && node && node->type == XML_ELEMENT_NODE) {
		ve->elem = g_strdup((const char *)node->name);
		ve->line = e->line ? e->line : xmlGetLineNo(node);
	}
}

static xmlNode *
find_element(xmlNode *n, const char *name)
{
	for (; n; n = n->next) {
		xmlNode *found;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)n->name, name))
			return n;
		if ((found = find_element(n->children, name)))
			return found;
	}
	return NULL;
}

/* Messages like "Extra element uuid in interleave" carry no node: find the
 * element they name to give its line. */
static void
locate(ValidErr *ve, xmlDoc *doc)
{
	const char *p = ve->msg ? strstr(ve->msg, "element ") : NULL;
	g_autofree char *name = NULL;
	xmlNode *n;

	if (ve->line > 0 && ve->elem)
		return;
	if (p) {
		p += strlen("element ");
		name = g_strndup(p, strcspn(p, " ,:"));
		if ((n = find_element(xmlDocGetRootElement(doc), name))) {
			g_free(ve->elem);
			ve->elem = g_strdup(name);
			ve->line = xmlGetLineNo(n);
			return;
		}
	}
	if (ve->line <= 0)
		ve->line = xmlGetLineNo(xmlDocGetRootElement(doc));
}

int
hv_schema_validate(HvSchemaKind kind, xmlDoc *doc, GError **err)
{
	xmlRelaxNG *rng;
	xmlRelaxNGValidCtxt *vctxt;
	ValidErr ve = { 0 };
	int rc, ret = 0;

	if (kind >= HV_SCHEMA_LAST)
		return hv_error_set(err, EINVAL, "unknown document kind");
	xmlSetGenericErrorFunc(NULL, quiet_generic);
	rng = grammar_get(kind);
	if (!rng)
		return hv_error_set(err, EIO, "the %s grammar failed to compile", kinds[kind].what);
	vctxt = xmlRelaxNGNewValidCtxt(rng);
	if (!vctxt)
		return hv_error_set(err, ENOMEM, "%s: out of memory", kinds[kind].what);
	xmlRelaxNGSetValidStructuredErrors(vctxt, on_valid_error, &ve);
	rc = xmlRelaxNGValidateDoc(vctxt, doc);
	xmlRelaxNGFreeValidCtxt(vctxt);
	if (rc != 0)
		locate(&ve, doc);
	if (rc != 0)
		ret = hv_error_set(err, EINVAL, "line %d: %s document does not match the grammar: %s (in <%s>)",
				   ve.line, kinds[kind].what, ve.msg ? ve.msg : "invalid",
				   ve.elem ? ve.elem : kinds[kind].root);
	g_free(ve.elem);
	g_free(ve.msg);
	return ret;
}

int
hv_schema_kind_for_root(const char *root)
{
	for (int i = 0; root && i < HV_SCHEMA_LAST; i++)
		if (!strcmp(kinds[i].root, root))
			return i;
	return -1;
}

const char *
hv_schema_kind_name(HvSchemaKind kind)
{
	return kind < HV_SCHEMA_LAST ? kinds[kind].what : "unknown";
}
