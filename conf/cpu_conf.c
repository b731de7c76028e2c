/* cpu_conf.c: the <cpu> document (cpu_conf.h), read with the safe parser,
 * written with libvirt's formatter the way virCPUDefFormat writes a
 * baseline's result. */
#include <errno.h>
#include <string.h>
#include "conf/cpu_conf.h"
#include "conf/conf_util.h"
#include "conf/xml.h"

void
hv_cpu_def_free(HvCpuDef *def)
{
	if (!def)
		return;
	g_free(def->arch);
	g_free(def->model);
	g_free(def->vendor);
	if (def->features)
		g_ptr_array_unref(def->features);
	g_free(def);
}

static char *
stripped(xmlNode *root, const char *child)
{
	char *v = hv_xml_child_text(root, child);

	if (v && !*g_strstrip(v))
		g_clear_pointer(&v, g_free);
	return v;
}

HvCpuDef *
hv_cpu_def_parse(const char *xml, size_t len, GError **err)
{
	static const char *const required[] = { "require", "force", NULL };
	g_autoptr(xmlDoc) doc = hv_xml_parse(xml, len, "cpu", err);
	g_autoptr(HvCpuDef) def = NULL;
	xmlNode *root;

	if (!doc || !(root = hv_conf_root(doc, "cpu", err)))
		return NULL;
	def = g_new0(HvCpuDef, 1);
	def->features = g_ptr_array_new_with_free_func(g_free);
	if (!(def->arch = stripped(root, "arch"))) {
		hv_error_set(err, EBADMSG, "Missing CPU architecture");
		return NULL;
	}
	if (!(def->model = stripped(root, "model"))) {
		hv_error_set(err, EBADMSG, "Missing CPU model name");
		return NULL;
	}
	def->vendor = stripped(root, "vendor");
	for (xmlNode *f = hv_xml_child(root, "feature"); f; f = hv_xml_next_named(f)) {
		g_autofree char *name = hv_xml_prop(f, "name");
		g_autofree char *policy = hv_xml_prop(f, "policy");

		if (!name || !*name) {
			hv_error_set(err, EINVAL, "Invalid CPU feature name");
			return NULL;
		}
		if (!policy || hv_str_index(required, policy) >= 0)
			g_ptr_array_add(def->features, g_steal_pointer(&name));
	}
	return g_steal_pointer(&def);
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *
hv_cpu_def_format(const HvCpuDef *def)
{
	g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root = xmlNewDocNode(doc, NULL, (const xmlChar *)"cpu", NULL);
	g_autoptr(GPtrArray) fs = g_ptr_array_new();
	xmlNode *el;

	xmlDocSetRootElement(doc, root);
	hv_xml_set_prop(root, "mode", "custom");
	hv_xml_set_prop(root, "match", "exact");
	el = xmlNewChild(root, NULL, (const xmlChar *)"model", NULL);
	hv_xml_set_prop(el, "fallback", "forbid");
	hv_xml_set_text(el, def->model);
	if (def->vendor)
		hv_xml_set_text(xmlNewChild(root, NULL, (const xmlChar *)"vendor", NULL), def->vendor);
	for (guint k = 0; def->features && k < def->features->len; k++)
		g_ptr_array_add(fs, def->features->pdata[k]);
	g_ptr_array_sort(fs, by_name);
	for (guint k = 0; k < fs->len; k++) {
		el = xmlNewChild(root, NULL, (const xmlChar *)"feature", NULL);
		hv_xml_set_prop(el, "policy", "require");
		hv_xml_set_prop(el, "name", fs->pdata[k]);
	}
	return hv_xml_format(root);
}
