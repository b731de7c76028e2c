/* document.c: kind detection and per-kind dispatch for hyperfs-xml and the
 * tree (see document.h). One row per document kind. */
#include "conf/document.h"
#include "conf/capabilities_conf.h"
#include "conf/node_conf.h"
#include "conf/xml.h"
#include <string.h>

typedef char *(*FormatFn)(const char *buf, size_t len, const HvPoolDef *pool, GError **err);

#define FORMAT_VIA(fn_name, type, parse_call, format_fn, free_fn)                          \
	static char *fn_name(const char *buf, size_t len, const HvPoolDef *pool, GError **err) \
	{                                                                                       \
		type *def = parse_call;                                                         \
		char *out;                                                                      \
		if (!def)                                                                       \
			return NULL;                                                            \
		out = format_fn(def);                                                           \
		free_fn(def);                                                                   \
		return out;                                                                     \
	}

FORMAT_VIA(format_domain, HvDomainDef, hv_domain_def_parse(buf, len, err), hv_domain_def_format,
	   hv_domain_def_free)
FORMAT_VIA(format_network, HvNetworkDef, hv_network_def_parse(buf, len, err),
	   hv_network_def_format, hv_network_def_free)
/* Like libvirt's define-then-dumpxml: a pool's sizes are runtime state that
 * its driver reports, so a document's own figures are not echoed back. */
static char *
format_pool(const char *buf, size_t len, const HvPoolDef *pool, GError **err)
{
	g_autoptr(HvPoolDef) def = hv_pool_def_parse(buf, len, err);

	if (!def)
		return NULL;
	def->capacity = def->allocation = def->available = 0;
	return hv_pool_def_format(def);
}
FORMAT_VIA(format_volume, HvVolumeDef, hv_volume_def_parse(pool, buf, len, err),
	   hv_volume_def_format, hv_volume_def_free)
FORMAT_VIA(format_caps, HvCapsDef, hv_caps_def_parse(buf, len, err), hv_caps_def_format,
	   hv_caps_def_free)

static char *
format_node(const char *buf, size_t len, const HvPoolDef *pool, GError **err)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(HvNodeDef) def = hv_node_def_parse(buf, len, NULL, err);

	if (!def || !(doc = hv_xml_parse(buf, len, "node", err)))
		return NULL;
	return hv_xml_format(xmlDocGetRootElement(doc));
}

static const FormatFn formatters[HV_SCHEMA_LAST] = {
	[HV_SCHEMA_DOMAIN] = format_domain,
	[HV_SCHEMA_NETWORK] = format_network,
	[HV_SCHEMA_POOL] = format_pool,
	[HV_SCHEMA_VOLUME] = format_volume,
	[HV_SCHEMA_CAPABILITIES] = format_caps,
	[HV_SCHEMA_NODE] = format_node,
};

/* The kind of doc's root element, or -EINVAL naming it. */
static int
doc_kind(xmlDoc *doc, GError **err)
{
	xmlNode *root = xmlDocGetRootElement(doc);
	int kind = root->ns ? -1 : hv_schema_kind_for_root((const char *)root->name);

	if (kind < 0)
		return hv_error_set(err, EINVAL,
				    "line %d: <%s> is not a document hyperfs knows (domain, network, pool, volume, capabilities, node)",
				    root->line, (const char *)root->name);
	return kind;
}

int
hv_document_kind(const char *buf, size_t len, GError **err)
{
	g_autoptr(xmlDoc) doc = hv_xml_parse(buf, len, NULL, err);

	return doc ? doc_kind(doc, err) : -EINVAL;
}

int
hv_document_check_grammar(const char *buf, size_t len, GError **err)
{
	g_autoptr(xmlDoc) doc = hv_xml_parse(buf, len, NULL, err);
	int kind;

	if (!doc)
		return -EINVAL;
	if ((kind = doc_kind(doc, err)) < 0)
		return kind;
	return hv_schema_validate(kind, doc, err);
}

char *
hv_document_format(const char *buf, size_t len, const char *pool_xml, size_t pool_len,
		   GError **err)
{
	g_autoptr(HvPoolDef) pool = NULL;
	int kind = hv_document_kind(buf, len, err);

	if (kind < 0)
		return NULL;
	if (pool_xml && !(pool = hv_pool_def_parse(pool_xml, pool_len, err))) {
		g_prefix_error(err, "parent pool: ");
		return NULL;
	}
	return formatters[kind](buf, len, pool, err);
}

int
hv_document_validate(const char *buf, size_t len, GError **err)
{
	g_autofree char *out = hv_document_format(buf, len, NULL, 0, err);

	return out ? 0 : -EINVAL;
}
