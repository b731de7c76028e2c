/* storage_conf.c: storage pool XML -> HvPoolDef and back (see storage_conf.h).
 * Typed: type, name, uuid, capacity/allocation/available in bytes, target
 * path; sizes are written back as unit='bytes' and paths cleaned. */
#include "conf/storage_priv.h"
#include "conf/xml.h"
#include "conf/normalise.h"
#include "conf/rules.h"
#include "conf/schema.h"
#include <string.h>

void
hv_pool_def_free(HvPoolDef *def)
{
	if (!def)
		return;
	g_free(def->type);
	g_free(def->name);
	g_free(def->target_path);
	g_clear_pointer(&def->doc, xmlFreeDoc);
	g_free(def);
}

void
hv_storage_set_bytes(xmlNode *el, uint64_t bytes)
{
	char num[32];

	g_snprintf(num, sizeof(num), "%" G_GUINT64_FORMAT, bytes);
	hv_xml_set_text(el, num);
	hv_xml_set_prop(el, "unit", "bytes");
}

static const struct {
	const char *name;
	size_t off;
} pool_sizes[] = {
	{ "capacity", G_STRUCT_OFFSET(HvPoolDef, capacity) },
	{ "allocation", G_STRUCT_OFFSET(HvPoolDef, allocation) },
	{ "available", G_STRUCT_OFFSET(HvPoolDef, available) },
};

static HvPoolDef *
pool_from_doc(xmlDoc *doc, bool check, GError **err)
{
	g_autoptr(HvPoolDef) def = g_new0(HvPoolDef, 1);
	xmlNode *root;

	def->doc = doc;
	if (!(root = hv_conf_root(doc, "pool", err)))
		return NULL;
	if (check && hv_schema_validate(HV_SCHEMA_POOL, doc, err) < 0)
		return NULL;
	def->type = hv_xml_prop(root, "type");
	if (!def->type) {
		hv_error_set(err, EINVAL, "storage pool: missing type= on <pool>");
		return NULL;
	}
	if (hv_conf_take_name(root, "storage pool", &def->name, err) < 0 ||
	    hv_xml_uuid(root, def->uuid, "storage pool", err) < 0)
		return NULL;
	if (check && hv_xml_run_checks(root, hv_pool_checks, hv_pool_checks_len, "storage pool",
				       def->name, err) < 0)
		return NULL;
	if (check && hv_storage_check(root, "storage pool", def->name, err) < 0)
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(pool_sizes); i++) {
		uint64_t *v = &G_STRUCT_MEMBER(uint64_t, def, pool_sizes[i].off);

		if (hv_xml_scaled(hv_xml_child(root, pool_sizes[i].name), 1, v, pool_sizes[i].name,
				  err) < 0)
			return NULL;
	}
	{
		g_autofree char *p = hv_xml_text(hv_xml_path(root, "target/path"));

		if (p)
			def->target_path = hv_path_clean_text(p);
	}
	return g_steal_pointer(&def);
}

HvPoolDef *
hv_pool_def_parse(const char *xml, size_t len, GError **err)
{
	xmlDoc *doc = hv_xml_parse(xml, len, "storage pool", err);

	return doc ? pool_from_doc(doc, true, err) : NULL;
}

HvPoolDef *
hv_pool_def_parse_doc(xmlDoc *doc, GError **err)
{
	return pool_from_doc(doc, true, err);
}

HvPoolDef *
hv_pool_def_copy(const HvPoolDef *def)
{
	HvPoolDef *copy;

	if (!def || !def->doc)
		return NULL;
	copy = pool_from_doc(xmlCopyDoc(def->doc, 1), false, NULL);
	if (copy)
		memcpy(copy->uuid, def->uuid, sizeof(copy->uuid));
	return copy;
}

void
hv_pool_def_ensure_uuid(HvPoolDef *def)
{
	if (def)
		hv_uuid_ensure(def->uuid);
}

char *
hv_pool_def_format(const HvPoolDef *def)
{
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *root;

	if (!def || !def->doc)
		return NULL;
	doc = hv_conf_format_copy(def->doc, def->uuid);
	root = xmlDocGetRootElement(doc);
	for (size_t i = 0; i < G_N_ELEMENTS(pool_sizes); i++)
		hv_storage_set_bytes(hv_xml_ensure_child(root, pool_sizes[i].name),
				     G_STRUCT_MEMBER(uint64_t, def, pool_sizes[i].off));
	if (def->target_path)
		hv_xml_set_text(hv_xml_path_ensure(root, "target/path"), def->target_path);
	hv_pool_normalise(def, root);
	return hv_xml_format(root);
}
