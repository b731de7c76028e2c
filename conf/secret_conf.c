/* secret_conf.c: <secret> documents (secret_conf.h). The usage table says which
 * child element carries each usage type's id, as libvirt's secret_conf.c
 * reads and writes them. */
#include <string.h>
#include "conf/secret_conf.h"
#include "conf/conf_util.h"
#include "conf/schema.h"
#include "conf/xml.h"

static const struct {
	const char *word;
	const char *id_element; /* NULL: the usage has no id */
} usages[HV_SECRET_USAGE_LAST] = {
	[HV_SECRET_USAGE_NONE] = { "none", NULL },
	[HV_SECRET_USAGE_VOLUME] = { "volume", "volume" },
	[HV_SECRET_USAGE_CEPH] = { "ceph", "name" },
	[HV_SECRET_USAGE_ISCSI] = { "iscsi", "target" },
	[HV_SECRET_USAGE_TLS] = { "tls", "name" },
	[HV_SECRET_USAGE_VTPM] = { "vtpm", "name" },
};

const char *
hv_secret_usage_word(int type)
{
	return type >= 0 && type < HV_SECRET_USAGE_LAST ? usages[type].word : NULL;
}

int
hv_secret_usage_type(const char *word)
{
	for (int k = 0; word && k < HV_SECRET_USAGE_LAST; k++)
		if (!strcmp(usages[k].word, word))
			return k;
	return -1;
}

void
hv_secret_def_free(HvSecretDef *def)
{
	if (!def)
		return;
	g_free(def->description);
	g_free(def->usage_id);
	g_free(def);
}

HvSecretDef *
hv_secret_def_copy(const HvSecretDef *def)
{
	HvSecretDef *d = g_memdup2(def, sizeof(*def));

	d->description = g_strdup(def->description);
	d->usage_id = g_strdup(def->usage_id);
	return d;
}

/* yes/no attributes, absent meaning no */
static int
yes_no(xmlNode *root, const char *attr, bool *out, GError **err)
{
	g_autofree char *v = hv_xml_prop(root, attr);

	*out = v && !strcmp(v, "yes");
	if (v && !*out && strcmp(v, "no"))
		return hv_error_set(err, EINVAL, "secret: invalid value '%s' of %s (yes or no)", v,
				    attr);
	return 0;
}

static int
read_usage(xmlNode *root, HvSecretDef *def, GError **err)
{
	xmlNode *u = hv_xml_child(root, "usage");
	g_autofree char *type = u ? hv_xml_prop(u, "type") : NULL;
	int k;

	def->usage_type = HV_SECRET_USAGE_NONE;
	if (!u)
		return 0;
	if ((k = hv_secret_usage_type(type)) < 0)
		return hv_error_set(err, EINVAL, "secret: unknown usage type '%s'",
				    type ? type : "");
	def->usage_type = k;
	if (!usages[k].id_element)
		return 0;
	def->usage_id = hv_xml_child_text(u, usages[k].id_element);
	if (!def->usage_id || !*def->usage_id)
		return hv_error_set(err, EINVAL, "secret: usage type '%s' needs a <%s>", type,
				    usages[k].id_element);
	return 0;
}

HvSecretDef *
hv_secret_def_parse(const char *xml, size_t len, GError **err)
{
	g_autoptr(xmlDoc) doc = hv_xml_parse(xml, len, "secret", err);
	g_autoptr(HvSecretDef) def = g_new0(HvSecretDef, 1);
	xmlNode *root;

	if (!doc || !(root = hv_conf_root(doc, "secret", err)) ||
	    hv_schema_validate(HV_SCHEMA_SECRET, doc, err) < 0)
		return NULL;
	if (yes_no(root, "ephemeral", &def->ephemeral, err) < 0 ||
	    yes_no(root, "private", &def->is_private, err) < 0 ||
	    hv_xml_uuid(root, def->uuid, "secret", err) < 0 || read_usage(root, def, err) < 0)
		return NULL;
	def->description = hv_xml_child_text(root, "description");
	return g_steal_pointer(&def);
}

char *
hv_secret_def_format(const HvSecretDef *def)
{
	g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *root = xmlNewNode(NULL, BAD_CAST "secret"), *u;
	const char *id = usages[def->usage_type].id_element;

	xmlDocSetRootElement(doc, root);
	hv_xml_set_prop(root, "ephemeral", def->ephemeral ? "yes" : "no");
	hv_xml_set_prop(root, "private", def->is_private ? "yes" : "no");
	xmlNewTextChild(root, NULL, BAD_CAST "uuid", BAD_CAST def->uuid);
	if (def->description)
		xmlNewTextChild(root, NULL, BAD_CAST "description", BAD_CAST def->description);
	if (def->usage_type != HV_SECRET_USAGE_NONE) {
		u = xmlNewChild(root, NULL, BAD_CAST "usage", NULL);
		hv_xml_set_prop(u, "type", usages[def->usage_type].word);
		if (id)
			xmlNewTextChild(u, NULL, BAD_CAST id, BAD_CAST def->usage_id);
	}
	return hv_xml_format(root);
}
