/* volume_conf.c: storage volume XML -> HvVolumeDef and back (see
 * storage_conf.h), parsed in the context of the parent pool's type as libvirt
 * does. Typed: name, key, type, format, capacity, allocation, paths. */
#include "conf/storage_priv.h"
#include "conf/xml.h"
#include "conf/normalise.h"
#include "conf/schema.h"
#include <string.h>

void
hv_volume_def_free(HvVolumeDef *def)
{
	if (!def)
		return;
	g_free(def->name);
	g_free(def->key);
	g_free(def->type);
	g_free(def->format);
	g_free(def->target_path);
	g_free(def->backing_path);
	g_free(def->pool_type);
	g_clear_pointer(&def->doc, xmlFreeDoc);
	g_free(def);
}

/* A file's path cleaned (hyperfs's own: libvirt keeps a volume's as written);
 * a network volume's (nfs://HOST/..., IQN/LUN) is not a file's, and stays. */
static char *
clean_text(xmlNode *root, const char *path)
{
	g_autofree char *p = hv_xml_text(hv_xml_path(root, path));

	if (p && strstr(p, "://"))
		return g_strstrip(g_steal_pointer(&p));
	return hv_path_clean_text(p);
}

static HvVolumeDef *
volume_from_doc(const HvPoolDef *pool, xmlDoc *doc, bool check, GError **err)
{
	g_autoptr(HvVolumeDef) def = g_new0(HvVolumeDef, 1);
	xmlNode *root, *cap;

	def->doc = doc;
	if (!(root = hv_conf_root(doc, "volume", err)))
		return NULL;
	if (check && hv_schema_validate(HV_SCHEMA_VOLUME, doc, err) < 0)
		return NULL;
	if (hv_conf_take_name(root, "storage volume", &def->name, err) < 0)
		return NULL;
	def->key = hv_xml_child_text(root, "key");
	def->pool_type = g_strdup(pool ? pool->type : NULL);
	def->type = hv_xml_prop(root, "type");
	if (!def->type)
		def->type = g_strdup(hv_volume_default_type(pool));
	if (hv_volume_format_is_read(def->pool_type))
		def->format = hv_xml_prop(hv_xml_path(root, "target/format"), "type");
	if (!def->format && hv_volume_default_format(def->pool_type))
		def->format = g_strdup(hv_volume_default_format(def->pool_type));
	if (check && hv_storage_check(root, "storage volume", def->name, err) < 0)
		return NULL;
	cap = hv_xml_child(root, "capacity");
	if (!cap && check) {
		hv_error_set(err, EINVAL, "storage volume '%s': missing <capacity>", def->name);
		return NULL;
	}
	if (hv_xml_scaled(cap, 1, &def->capacity, "capacity", err) < 0)
		return NULL;
	def->allocation = def->capacity;
	if (hv_xml_scaled(hv_xml_child(root, "allocation"), 1, &def->allocation, "allocation",
			  err) < 0)
		return NULL;
	def->target_path = clean_text(root, "target/path");
	def->backing_path = clean_text(root, "backingStore/path");
	return g_steal_pointer(&def);
}

HvVolumeDef *
hv_volume_def_parse(const HvPoolDef *pool, const char *xml, size_t len, GError **err)
{
	xmlDoc *doc = hv_xml_parse(xml, len, "storage volume", err);

	return doc ? volume_from_doc(pool, doc, true, err) : NULL;
}

HvVolumeDef *
hv_volume_def_parse_doc(const HvPoolDef *pool, xmlDoc *doc, GError **err)
{
	return volume_from_doc(pool, doc, true, err);
}

HvVolumeDef *
hv_volume_def_copy(const HvVolumeDef *def)
{
	if (!def || !def->doc)
		return NULL;
	HvPoolDef ctx = { .type = def->pool_type };

	return volume_from_doc(def->pool_type ? &ctx : NULL, xmlCopyDoc(def->doc, 1), false, NULL);
}

char *
hv_volume_def_format(const HvVolumeDef *def)
{
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *root, *el;

	if (!def || !def->doc)
		return NULL;
	doc = xmlCopyDoc(def->doc, 1);
	root = xmlDocGetRootElement(doc);
	hv_xml_set_prop(root, "type", def->type);
	hv_xml_prop_to_front(root, "type");
	hv_storage_set_bytes(hv_xml_ensure_child(root, "capacity"), def->capacity);
	hv_storage_set_bytes(hv_xml_ensure_child(root, "allocation"), def->allocation);
	if (def->format)
		hv_xml_set_prop(hv_xml_ensure_child(hv_xml_ensure_child(root, "target"), "format"),
				"type", def->format);
	else if ((el = hv_xml_child(root, "target")))
		hv_xml_remove_children(el, "format");
	/* libvirt writes the key and path it knows (normalise puts them in place) */
	if (def->key)
		hv_xml_set_text(hv_xml_ensure_child(root, "key"), def->key);
	if (def->target_path)
		hv_xml_set_text(hv_xml_path_ensure(root, "target/path"), def->target_path);
	if (def->backing_path && (el = hv_xml_path(root, "backingStore/path")))
		hv_xml_set_text(el, def->backing_path);
	hv_volume_normalise(def, root);
	return hv_xml_format(root);
}
