/* network_conf.c: network XML -> HvNetworkDef and back (see network_conf.h).
 * Typed: name, uuid, bridge name, forward mode; the rest stays in the document. */
#include "conf/network_priv.h"
#include "conf/xml.h"
#include "conf/schema.h"
#include <string.h>

void
hv_network_def_free(HvNetworkDef *def)
{
	if (!def)
		return;
	g_free(def->name);
	g_free(def->bridge);
	g_free(def->forward_mode);
	g_free(def->bandwidth);
	hv_network_parts_free(def);
	g_clear_pointer(&def->doc, xmlFreeDoc);
	g_free(def);
}

static HvNetworkDef *
network_from_doc(xmlDoc *doc, bool check, GError **err)
{
	g_autoptr(HvNetworkDef) def = g_new0(HvNetworkDef, 1);
	xmlNode *root, *fwd;

	def->doc = doc;
	hv_network_parts_init(def);
	if (!(root = hv_conf_root(doc, "network", err)))
		return NULL;
	if (check && hv_schema_validate(HV_SCHEMA_NETWORK, doc, err) < 0)
		return NULL;
	if (hv_conf_take_name(root, "network", &def->name, err) < 0 ||
	    hv_xml_uuid(root, def->uuid, "network", err) < 0)
		return NULL;
	def->bridge = hv_xml_child_prop(root, "bridge", "name");
	fwd = hv_xml_child(root, "forward");
	if (fwd) {
		def->forward_mode = hv_xml_prop(fwd, "mode");
		if (!def->forward_mode)
			def->forward_mode = g_strdup("nat");
	}
	if (hv_network_parts_parse(def, root, err) < 0)
		return NULL;
	if (check && hv_network_check(def, err) < 0)
		return NULL;
	{ /* after the rules' checks, whose messages are libvirt's */
		g_autofree char *what = g_strdup_printf("network '%s'", def->name);

		if (hv_bandwidth_parse(root, what, &def->bandwidth, err) < 0)
			return NULL;
	}
	return g_steal_pointer(&def);
}

HvNetworkDef *
hv_network_def_parse(const char *xml, size_t len, GError **err)
{
	xmlDoc *doc = hv_xml_parse(xml, len, "network", err);

	return doc ? network_from_doc(doc, true, err) : NULL;
}

HvNetworkDef *
hv_network_def_parse_doc(xmlDoc *doc, GError **err)
{
	return network_from_doc(doc, true, err);
}

HvNetworkDef *
hv_network_def_copy(const HvNetworkDef *def)
{
	HvNetworkDef *copy;

	if (!def || !def->doc)
		return NULL;
	copy = network_from_doc(xmlCopyDoc(def->doc, 1), false, NULL);
	if (copy)
		memcpy(copy->uuid, def->uuid, sizeof(copy->uuid));
	return copy;
}

void
hv_network_def_ensure_uuid(HvNetworkDef *def)
{
	if (def)
		hv_uuid_ensure(def->uuid);
}

char *
hv_network_def_format(const HvNetworkDef *def)
{
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *root, *el;

	if (!def || !def->doc)
		return NULL;
	doc = hv_conf_format_copy(def->doc, def->uuid);
	root = xmlDocGetRootElement(doc);
	if ((el = hv_xml_child(root, "forward")) && def->forward_mode)
		hv_xml_set_prop(el, "mode", def->forward_mode);
	hv_network_normalise(def, root);
	return hv_xml_format(root);
}
