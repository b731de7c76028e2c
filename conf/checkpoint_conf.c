/* checkpoint_conf.c: the domaincheckpoint document (checkpoint_conf.h), read
 * with the safe parser and written with libvirt's formatter: name,
 * description, parent, creationTime, disks, domain, in libvirt's order. */
#include <errno.h>
#include <string.h>
#include "conf/checkpoint_conf.h"
#include "conf/conf_util.h"
#include "conf/xml.h"

void
hv_checkpoint_def_free(HvCheckpointDef *def)
{
	if (!def)
		return;
	g_free(def->name);
	g_free(def->description);
	g_free(def->parent);
	if (def->disks)
		g_ptr_array_unref(def->disks);
	g_free(def->domain_xml);
	g_free(def);
}

HvCheckpointDef *
hv_checkpoint_def_parse(const char *xml, size_t len, GError **err)
{
	static const char *const known[] = { "name", "description", "parent", "creationTime",
					     "disks", "domain", NULL };
	g_autoptr(xmlDoc) doc = hv_xml_parse(xml, len, "domaincheckpoint", err);
	g_autoptr(HvCheckpointDef) def = NULL;
	g_autofree char *name = NULL;
	xmlNode *root;

	if (!doc || !(root = hv_conf_root(doc, "domaincheckpoint", err)))
		return NULL;
	for (xmlNode *c = root->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && hv_str_index(known, (const char *)c->name) < 0) {
			hv_error_set(err, EINVAL, "domaincheckpoint: unknown element <%s>", c->name);
			return NULL;
		}
	def = g_new0(HvCheckpointDef, 1);
	name = hv_xml_child_text(root, "name");
	/* no name, or an empty one (virsh checkpoint-create): the driver names it */
	if (name && *g_strstrip(name) && hv_conf_take_name(root, "checkpoint", &def->name, err) < 0)
		return NULL;
	def->description = hv_xml_child_text(root, "description");
	return g_steal_pointer(&def);
}

static void
text_child(xmlNode *parent, const char *name, const char *text)
{
	xmlNode *el = xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);

	hv_xml_set_text(el, text);
}

char *
hv_checkpoint_def_format(const HvCheckpointDef *def, bool no_domain)
{
	g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root = xmlNewDocNode(doc, NULL, (const xmlChar *)"domaincheckpoint", NULL);
	char num[32];

	xmlDocSetRootElement(doc, root);
	text_child(root, "name", def->name);
	if (def->description)
		text_child(root, "description", def->description);
	if (def->parent)
		text_child(xmlNewChild(root, NULL, (const xmlChar *)"parent", NULL), "name",
			   def->parent);
	g_snprintf(num, sizeof(num), "%" G_GINT64_FORMAT, def->creation_time);
	text_child(root, "creationTime", num);
	if (def->disks && def->disks->len) {
		xmlNode *disks = xmlNewChild(root, NULL, (const xmlChar *)"disks", NULL);

		for (guint k = 0; k < def->disks->len; k++) {
			xmlNode *d = xmlNewChild(disks, NULL, (const xmlChar *)"disk", NULL);

			hv_xml_set_prop(d, "name", def->disks->pdata[k]);
			hv_xml_set_prop(d, "checkpoint", "bitmap");
			hv_xml_set_prop(d, "bitmap", def->name);
		}
	}
	if (def->domain_xml && !no_domain) {
		g_autoptr(xmlDoc) dom = hv_xml_parse(def->domain_xml, strlen(def->domain_xml),
						     "domain", NULL);

		if (dom)
			xmlAddChild(root, xmlDocCopyNode(xmlDocGetRootElement(dom), doc, 1));
	}
	return hv_xml_format(root);
}
