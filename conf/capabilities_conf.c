/* capabilities_conf.c: host capabilities XML -> HvCapsDef and back (see
 * capabilities_conf.h). Validated by schema/capabilities.rng. */
#include "conf/capabilities_conf.h"
#include "conf/conf_util.h"
#include "conf/schema.h"
#include "conf/xml.h"
#include <string.h>

static void
guest_free(HvCapsGuestDef *g)
{
	if (!g)
		return;
	g_free(g->os_type);
	g_free(g->arch);
	g_free(g->emulator);
	g_clear_pointer(&g->domains, g_ptr_array_unref);
	g_free(g);
}

void
hv_caps_def_free(HvCapsDef *def)
{
	if (!def)
		return;
	g_free(def->host_arch);
	g_clear_pointer(&def->guests, g_ptr_array_unref);
	g_clear_pointer(&def->doc, xmlFreeDoc);
	g_free(def);
}

static void
parse_guest(HvCapsDef *def, xmlNode *el)
{
	HvCapsGuestDef *g = g_new0(HvCapsGuestDef, 1);
	xmlNode *arch = hv_xml_child(el, "arch");

	g->domains = g_ptr_array_new_with_free_func(g_free);
	g->os_type = hv_xml_child_text(el, "os_type");
	if (g->os_type)
		g_strstrip(g->os_type);
	g->arch = hv_xml_prop(arch, "name");
	g->emulator = hv_xml_child_text(arch, "emulator");
	for (xmlNode *d = hv_xml_child(arch, "domain"); d; d = hv_xml_next_named(d)) {
		char *type = hv_xml_prop(d, "type");

		if (type)
			g_ptr_array_add(g->domains, type);
	}
	g_ptr_array_add(def->guests, g);
}

HvCapsDef *
hv_caps_def_parse(const char *xml, size_t len, GError **err)
{
	g_autoptr(HvCapsDef) def = g_new0(HvCapsDef, 1);
	xmlNode *root, *host;

	def->guests = g_ptr_array_new_with_free_func((GDestroyNotify)guest_free);
	if (!(def->doc = hv_xml_parse(xml, len, "capabilities", err)))
		return NULL;
	if (!(root = hv_conf_root(def->doc, "capabilities", err)))
		return NULL;
	if (hv_schema_validate(HV_SCHEMA_CAPABILITIES, def->doc, err) < 0)
		return NULL;
	host = hv_xml_child(root, "host");
	if (hv_xml_uuid(host, def->host_uuid, "capabilities <host>", err) < 0)
		return NULL;
	def->host_arch = hv_xml_text(hv_xml_path(host, "cpu/arch"));
	if (def->host_arch)
		g_strstrip(def->host_arch);
	for (xmlNode *g = hv_xml_child(root, "guest"); g; g = hv_xml_next_named(g))
		parse_guest(def, g);
	return g_steal_pointer(&def);
}

char *
hv_caps_def_format(const HvCapsDef *def)
{
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *el;

	if (!def || !def->doc)
		return NULL;
	doc = xmlCopyDoc(def->doc, 1);
	el = hv_xml_path(xmlDocGetRootElement(doc), "host/uuid");
	if (el && def->host_uuid[0])
		hv_xml_set_text(el, def->host_uuid);
	return hv_xml_format(xmlDocGetRootElement(doc));
}
